//! Hostile and broken inputs, generated at test time: the real binary must finish, exit
//! normally with a verdict (0..=2), say what it skipped, and keep its output bounded.

mod common;

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use common::{level, level_code, miwake, note_codes, rules, summary, Run, Scratch};
use serde_json::Value;

/// `miwake check --json FILE`: a normal exit whose code matches the verdict, and the report.
fn check(path: &Path) -> (Run, Value) {
    let run = miwake([Path::new("check"), Path::new("--json"), path]).run();
    let code = run.assert_verdict_code();
    let report = run.json();
    assert_eq!(
        code,
        level_code(level(&report)),
        "{}: exit code matches the verdict",
        path.display()
    );
    (run, report)
}

fn text(report: &Value) -> &str {
    report["message"]["text"]
        .as_str()
        .expect("message.text is a string")
}

fn assert_rule(report: &Value, rule: &str, what: &str) {
    assert!(
        rules(report).contains(&rule.to_string()),
        "{what}: want finding {rule}; got {}",
        summary(report)
    );
}

/// Deterministic pseudo-random bytes (xorshift64*), with NULs forced in.
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|i| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let b = (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
            if i % 17 == 0 {
                0
            } else {
                b
            }
        })
        .collect()
}

#[test]
fn empty_file_is_a_best_effort_verdict() {
    let dir = Scratch::new("empty");
    for (name, data) in [("empty.txt", ""), ("blank.txt", "  \n\n\t \r\n")] {
        let (_, r) = check(&dir.file(name, data));
        assert_rule(&r, "input.empty", name);
        assert!(
            note_codes(&r).contains(&"empty_input".to_string()),
            "{name}: note empty_input; {}",
            summary(&r)
        );
        assert_eq!(
            level(&r),
            "safe",
            "{name}: nothing to judge is not a red flag; {}",
            summary(&r)
        );
    }
    // Empty standard input.
    let run = miwake(["check", "--json", "-"]).stdin(Vec::new()).run();
    run.assert_code(0);
    assert_rule(&run.json(), "input.empty", "empty stdin");
}

#[test]
fn binary_garbage_is_skipped_not_fatal() {
    let dir = Scratch::new("binary");
    for (name, len, seed) in [
        ("garbage-small.bin", 64, 1),
        ("garbage.bin", 256 * 1024, 42),
    ] {
        let data = garbage(len, seed);
        assert!(data.contains(&0));
        let (run, r) = check(&dir.file(name, &data));
        assert_rule(&r, "input.binary", name);
        assert!(
            note_codes(&r).contains(&"binary_input".to_string()),
            "{name}: {}",
            summary(&r)
        );
        assert!(
            text(&r).len() < 4096,
            "{name}: binary data is not shown as text ({} bytes of message.text)",
            text(&r).len()
        );
        assert!(
            run.stdout.len() < 64 * 1024,
            "{name}: report stays small ({} bytes)",
            run.stdout.len()
        );
    }
    // Binary on standard input, too.
    let run = miwake(["check", "--json", "-"])
        .stdin(garbage(8192, 7))
        .run();
    run.assert_verdict_code();
    assert_rule(&run.json(), "input.binary", "binary stdin");
}

const FIFTY_MB: usize = 50 * 1024 * 1024;

#[test]
fn fifty_megabyte_attachment_is_bounded() {
    let dir = Scratch::new("big-attachment");
    let path = dir.path.join("big-attachment.eml");
    {
        let mut f = BufWriter::new(std::fs::File::create(&path).unwrap());
        write!(
            f,
            "From: Shop <orders@shop.example.com>\r\nTo: buyer@example.com\r\nSubject: your scan\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BIG\"\r\n\r\n\
             --BIG\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease see the attached scan of your receipt.\r\n\
             --BIG\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\n\
             Content-Disposition: attachment; filename=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        )
        .unwrap();
        // 76-column base64 lines of "%PDF-1.4 " filler.
        let line =
            "JVBERi0xLjQgJVBERi0xLjQgJVBERi0xLjQgJVBERi0xLjQgJVBERi0xLjQgJVBERi0xLjQgJVBE\r\n";
        for _ in 0..FIFTY_MB / line.len() + 1 {
            f.write_all(line.as_bytes()).unwrap();
        }
        f.write_all(b"--BIG--\r\n").unwrap();
        f.flush().unwrap();
    }
    assert!(std::fs::metadata(&path).unwrap().len() >= FIFTY_MB as u64);
    let (run, r) = check(&path);
    assert!(
        text(&r).len() < 1024 * 1024,
        "message.text is bounded: {} bytes",
        text(&r).len()
    );
    assert!(
        text(&r).contains("Please see the attached scan"),
        "the body part is read"
    );
    assert!(
        run.stdout.len() < 2 * 1024 * 1024,
        "the report is bounded: {} bytes",
        run.stdout.len()
    );
    let a = &r["attachments"][0];
    assert_eq!(
        a["name"], "scan.pdf",
        "the attachment is listed: {}",
        r["attachments"]
    );
    assert!(a["size"].as_u64().is_some_and(|s| s > 0), "{a}");
    eprintln!(
        "50 MB attachment judged in {:?}: {}",
        run.elapsed,
        summary(&r)
    );
}

#[test]
fn fifty_megabytes_of_text_is_truncated() {
    let dir = Scratch::new("big-text");
    let path = dir.path.join("big.txt");
    {
        let mut f = BufWriter::new(std::fs::File::create(&path).unwrap());
        let line =
            "ご注文ありがとうございます。商品は明日発送いたします。Thank you for your order.\n";
        let mut written = 0;
        while written < FIFTY_MB {
            f.write_all(line.as_bytes()).unwrap();
            written += line.len();
        }
        // A red flag far beyond any reasonable reading limit: not required to be found.
        f.write_all("今すぐLINEでご連絡ください。\n".as_bytes())
            .unwrap();
        f.flush().unwrap();
    }
    let (run, r) = check(&path);
    assert!(
        text(&r).len() < 1024 * 1024,
        "message.text is bounded: {} bytes",
        text(&r).len()
    );
    assert!(
        text(&r).starts_with("ご注文ありがとうございます。"),
        "the start is read"
    );
    assert!(
        rules(&r).iter().any(|id| id == "input.truncated")
            || note_codes(&r).iter().any(|c| c == "truncated"),
        "the cut is reported: {}",
        summary(&r)
    );
    assert!(
        run.stdout.len() < 4 * 1024 * 1024,
        "the report is bounded: {} bytes",
        run.stdout.len()
    );
    eprintln!("50 MB of text judged in {:?}: {}", run.elapsed, summary(&r));
}

/// A bomb must not take much longer than an ordinary message (the debug binary needs a few
/// seconds to start on a busy CI machine; this is a ceiling, not a benchmark).
const BOMB_LIMIT: Duration = Duration::from_secs(30);

#[test]
fn nested_mime_bomb_finishes_fast() {
    let n = 5000;
    let mut s = String::from(
        "From: Shop <a@shop.example.com>\r\nSubject: nested\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n",
    );
    for i in 1..n {
        s += &format!(
            "--b{}\r\nContent-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n",
            i - 1
        );
    }
    s += &format!(
        "--b{}\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n--b{}--\r\n",
        n - 1,
        n - 1
    );
    for i in (0..n - 1).rev() {
        s += &format!("--b{i}--\r\n");
    }
    let dir = Scratch::new("bomb");
    let (run, r) = check(&dir.file("nested.eml", s));
    let found = rules(&r);
    assert!(
        found
            .iter()
            .any(|id| id == "input.too_deep" || id == "input.too_many_parts"),
        "a 5,000-deep MIME nest is reported: {}",
        summary(&r)
    );
    assert!(
        run.elapsed < BOMB_LIMIT,
        "the MIME bomb took {:?}",
        run.elapsed
    );
}

#[test]
fn wide_mime_bomb_finishes_fast() {
    let mut s = String::from(
        "From: Shop <a@shop.example.com>\r\nSubject: wide\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"w\"\r\n\r\n",
    );
    for i in 0..5000 {
        s += &format!("--w\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n");
    }
    s += "--w--\r\n";
    let dir = Scratch::new("wide");
    let (run, r) = check(&dir.file("wide.eml", s));
    assert_rule(&r, "input.too_many_parts", "5,000 sibling parts");
    assert!(
        note_codes(&r).contains(&"too_many_parts".to_string()),
        "{}",
        summary(&r)
    );
    assert!(
        text(&r).contains("part 0"),
        "the first parts are still read"
    );
    assert!(
        run.elapsed < BOMB_LIMIT,
        "the wide MIME bomb took {:?}",
        run.elapsed
    );
}

#[test]
fn unknown_charset_is_reported() {
    let dir = Scratch::new("charset");
    let path = dir.file(
        "charset.eml",
        b"From: Shop <a@shop.example.com>\r\nSubject: charset\r\nMIME-Version: 1.0\r\n\
          Content-Type: text/plain; charset=x-unknown-42\r\n\r\nhello \xe9\xa8 world, your order has shipped\r\n",
    );
    let (_, r) = check(&path);
    assert_rule(&r, "input.unknown_charset", "charset=x-unknown-42");
    let note = r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["code"] == "unknown_charset");
    let note = note.unwrap_or_else(|| panic!("note unknown_charset: {}", r["notes"]));
    assert!(
        note["detail"]
            .as_str()
            .is_some_and(|d| d.contains("x-unknown-42")),
        "the note names the charset: {note}"
    );
    assert!(
        text(&r).contains("hello"),
        "ASCII text is still read: {:?}",
        text(&r)
    );
    assert!(text(&r).contains("your order has shipped"));
}

#[test]
fn malformed_headers_do_not_stop_reading() {
    let dir = Scratch::new("headers");
    let cases: [(&str, &[u8]); 4] = [
        (
            "junk-header.eml",
            b"From: Shop <shop@example.com>\r\nSubject: =?utf-8?B?!!!notbase64?= and =?bogus?Q?x?=\r\n\
              Content-Type: multipart/mixed\r\nX-\xff\xfe: \x00\x01\r\n continuation\r\nTo: <<<@@@>>>\r\n\
              Date: not a date\r\n\r\nbody text here about your order\r\n",
        ),
        (
            "broken-encoded-words.eml",
            b"From: =?utf-8?Q?=E3=81=\r\nSubject:\r\nContent-Type: text/plain; charset=\"utf-8\r\n\
              Content-Transfer-Encoding: x-weird\r\n\r\nbody text here about your order\r\n",
        ),
        (
            "no-blank-line.eml",
            b"From: Shop <shop@example.com>\r\nSubject: no body separator\r\nbody text here about your order",
        ),
        (
            "header-only.eml",
            b"From: Shop <shop@example.com>\r\nSubject: body text here about your order\r\n\r\n",
        ),
    ];
    for (name, data) in cases {
        let (_, r) = check(&dir.file(name, data));
        let t = text(&r);
        assert!(
            t.contains("body text here about your order"),
            "{name}: the body (or subject) is read: {t:?}"
        );
    }
    // Thousands of headers and a 200 kB header line.
    let mut many = b"From: a@shop.example.com\r\nX-Long: ".to_vec();
    many.extend(std::iter::repeat_n(b'a', 200_000));
    many.extend(b"\r\n");
    for i in 0..3000 {
        many.extend(format!("X-H{i}: v\r\n").as_bytes());
    }
    many.extend(b"Subject: many headers\r\n\r\nbody text here about your order\r\n");
    let (run, r) = check(&dir.file("many-headers.eml", many));
    assert!(
        text(&r).contains("body text here about your order"),
        "{:?}",
        &text(&r)[..text(&r).len().min(300)]
    );
    assert!(
        run.stdout.len() < 512 * 1024,
        "the report does not echo 200 kB headers: {} bytes",
        run.stdout.len()
    );
}

#[test]
fn truncated_base64_keeps_what_decodes() {
    let dir = Scratch::new("b64");
    let body = "SGVsbG8gd29ybGQsIHRoaXMgaXMgdHJ1bmNhdGVkIGJhc2U2N"; // "Hello world, this is truncated base6" + a stray char
    let eml = format!(
        "From: a@shop.example.com\r\nSubject: truncated\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}"
    );
    let (_, r) = check(&dir.file("truncated.eml", eml));
    assert!(
        text(&r).contains("Hello world, this is truncated"),
        "{:?}",
        text(&r)
    );
    // Garbage inside base64.
    let eml = "From: a@shop.example.com\r\nSubject: junk\r\nMIME-Version: 1.0\r\n\
               Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
               SGVsbG8gd29y!!!bGQ=====\r\n@@@@\r\n=";
    check(&dir.file("junk-base64.eml", eml));
}

#[test]
fn invalid_utf8_and_deep_html_are_survived() {
    let dir = Scratch::new("misc");
    let (_, r) = check(&dir.file(
        "bad-utf8.eml",
        b"From: a@shop.example.com\r\nSubject: bad utf8\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
          valid start \xff\xfe\xc3\x28 middle \xe3\x81 end\r\n",
    ));
    assert!(
        text(&r).contains("valid start") && text(&r).contains("end"),
        "{:?}",
        text(&r)
    );

    let mut html =
        b"From: a@shop.example.com\r\nSubject: deep html\r\nContent-Type: text/html\r\n\r\n"
            .to_vec();
    html.extend("<div>".repeat(100_000).as_bytes());
    html.extend(b"deep text");
    html.extend("</div>".repeat(100_000).as_bytes());
    let (_, r) = check(&dir.file("deep.eml", html));
    assert!(
        text(&r).contains("deep text"),
        "{:?}",
        &text(&r)[..text(&r).len().min(300)]
    );
}

#[test]
fn unterminated_multipart_still_reads_the_last_part() {
    // Many real phishing mails lack the closing boundary; the last part is still a part.
    let dir = Scratch::new("unterminated");
    let eml = "From: \"Amazon\" <a@shop.example.com>\r\nSubject: unterminated\r\nMIME-Version: 1.0\r\n\
               Content-Type: multipart/alternative; boundary=\"XX\"\r\n\r\n\
               --XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nfirst part text\r\n\
               --XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
               <p>Sign in: <a href=\"http://203.0.113.9/signin\">https://www.amazon.co.jp/</a></p>\r\n";
    let (_, r) = check(&dir.file("unterminated.eml", eml));
    let t = text(&r);
    assert!(t.contains("first part text"), "{t:?}");
    assert!(
        !t.contains("<p>") && !t.contains("href="),
        "the last part is rendered as HTML, not shown raw: {t:?}"
    );
    let anchor = r["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["origin"] == "html_anchor" && l["host"] == "203.0.113.9");
    assert!(anchor, "the anchor's real target is seen: {}", r["links"]);
}
