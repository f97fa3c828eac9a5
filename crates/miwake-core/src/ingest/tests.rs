use std::time::{Duration, Instant};

use encoding_rs::{ISO_2022_JP, SHIFT_JIS};
use proptest::prelude::*;

use super::*;
use crate::message::LinkOrigin;

fn run(raw: &[u8]) -> Message {
    ingest(raw, &Limits::default())
}

fn has_note(msg: &Message, code: &str) -> bool {
    msg.notes.iter().any(|n| n.code == code)
}

fn b64(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

const ALTERNATIVE: &str = "From: \"Amazon.co.jp\" <info@amaz0n-security.example>\r\n\
Reply-To: a@evil.example, b@evil.example\r\n\
To: you@example.jp\r\n\
Subject: Your account\r\n\
Date: Mon, 1 Jan 2024 10:00:00 +0900\r\n\
Message-ID: <abc@mail.example>\r\n\
Return-Path: <bounce@amaz0n-security.example>\r\n\
Received: from a by b; Mon, 1 Jan 2024 10:00:00 +0900\r\n\
Received: from c by d; Mon, 1 Jan 2024 10:00:00 +0900\r\n\
Authentication-Results: mx.example;\r\n spf=fail smtp.mailfrom=amaz0n-security.example\r\n\
Authentication-Results: second.example; dkim=none\r\n\
X-Amazon-Mail-Relay-Type: notification\r\n\
List-Unsubscribe: <mailto:u@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Please sign in at https://www.amazon.co.jp/ to verify.\r\n\
--b1\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Please sign in at <a href=\"https://amaz0n-security.example/login\">https://www.amazon.co.jp/</a> to verify.</p>\r\n\
--b1--\r\n";

#[test]
fn alternative_shows_plain_and_keeps_html_links() {
    let msg = run(ALTERNATIVE.as_bytes());
    assert_eq!(msg.kind, InputKind::Email);
    assert_eq!(
        msg.display_text,
        "Your account\n\nPlease sign in at https://www.amazon.co.jp/ to verify."
    );
    assert_eq!(msg.links.len(), 1);
    let link = &msg.links[0];
    assert_eq!(link.href, "https://amaz0n-security.example/login");
    assert_eq!(link.text, "https://www.amazon.co.jp/");
    assert_eq!(link.origin, LinkOrigin::HtmlAnchor);
    assert!(msg.attachments.is_empty());
    assert!(msg.notes.is_empty(), "{:?}", msg.notes);
}

#[test]
fn headers_filled() {
    let h = run(ALTERNATIVE.as_bytes()).headers;
    let from = h.from.expect("from");
    assert_eq!(from.name.as_deref(), Some("Amazon.co.jp"));
    assert_eq!(from.domain().as_deref(), Some("amaz0n-security.example"));
    assert_eq!(h.reply_to.len(), 2);
    assert_eq!(h.to.len(), 1);
    assert_eq!(h.subject.as_deref(), Some("Your account"));
    assert_eq!(h.date.as_deref(), Some("Mon, 1 Jan 2024 10:00:00 +0900"));
    assert_eq!(h.message_id.as_deref(), Some("abc@mail.example"));
    assert_eq!(
        h.return_path.as_deref(),
        Some("bounce@amaz0n-security.example")
    );
    assert_eq!(
        h.authentication_results,
        [
            "mx.example; spf=fail smtp.mailfrom=amaz0n-security.example",
            "second.example; dkim=none"
        ]
    );
    assert_eq!(h.amazon_relay_type.as_deref(), Some("notification"));
    assert!(h.has_list_unsubscribe);
    assert_eq!(h.received_count, 2);
}

#[test]
fn html_only_with_anchor_span() {
    let raw = "From: a@b.example\nSubject: hi\nContent-Type: text/html\n\n\
               <html><head><style>x{}</style></head><body><p>Click <a href='https://evil.example/'>here</a></p></body></html>";
    let msg = run(raw.as_bytes());
    assert_eq!(msg.display_text, "hi\n\nClick here\n");
    let span = msg.links[0].span.expect("span");
    assert_eq!(&msg.display_text[span.start..span.end], "here");
}

#[test]
fn stub_plain_alternative_falls_back_to_html() {
    let body = "ご注文の商品について重要なお知らせがあります。".repeat(10);
    let raw = format!(
        "From: a@b.example\nSubject: s\nContent-Type: multipart/alternative; boundary=x\n\n\
         --x\nContent-Type: text/plain\n\nView in HTML.\n--x\nContent-Type: text/html; charset=utf-8\n\n\
         <p>{body}<a href=\"https://evil.example/\">確認する</a></p>\n--x--\n"
    );
    let msg = run(raw.as_bytes());
    assert!(msg.display_text.contains("重要なお知らせ"));
    assert!(!msg.display_text.contains("View in HTML"));
    let span = msg.links[0].span.expect("span");
    assert_eq!(&msg.display_text[span.start..span.end], "確認する");
}

#[test]
fn iso_2022_jp_body_and_encoded_subject() {
    let subject = "【重要】アカウント確認";
    let body = "お客様のアカウントが停止されました。";
    let (subject_jis, _, _) = ISO_2022_JP.encode(subject);
    let (body_jis, _, _) = ISO_2022_JP.encode(body);
    let mut raw = format!(
        "From: =?ISO-2022-JP?B?{}?= <x@y.example>\nSubject: =?ISO-2022-JP?B?{}?=\n\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\n\
         Content-Transfer-Encoding: 7bit\n\n",
        b64(&ISO_2022_JP.encode("アマゾン").0),
        b64(&subject_jis)
    )
    .into_bytes();
    raw.extend_from_slice(&body_jis);
    let msg = run(&raw);
    assert_eq!(msg.headers.subject.as_deref(), Some(subject));
    assert_eq!(
        msg.headers.from.and_then(|f| f.name).as_deref(),
        Some("アマゾン")
    );
    assert_eq!(msg.display_text, format!("{subject}\n\n{body}"));
}

#[test]
fn shift_jis_body_declared_and_undeclared() {
    let body = "パスワードを更新してください";
    let (sjis, _, _) = SHIFT_JIS.encode(body);
    for header in ["Content-Type: text/plain; charset=Shift_JIS\n", ""] {
        let mut raw = format!("From: a@b.example\n{header}\n").into_bytes();
        raw.extend_from_slice(&sjis);
        let msg = run(&raw);
        assert_eq!(msg.display_text, body, "header {header:?}");
    }
}

#[test]
fn base64_and_quoted_printable() {
    let raw = format!(
        "From: a@b.example\nContent-Type: multipart/mixed; boundary=zz\n\n\
         --zz\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n{}\n\
         --zz\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n\
         caf=C3=A9 soft=\nbreak\n--zz--\n",
        b64("配送状況を確認".as_bytes())
    );
    let msg = run(raw.as_bytes());
    assert_eq!(msg.display_text, "配送状況を確認\n\ncafé softbreak");
}

#[test]
fn attachments_zip_encrypted_and_html_file() {
    let zip = super::zip::tests::build_zip(&[("請求書.exe", b"MZ", 1)]);
    let raw = format!(
        "From: a@b.example\nContent-Type: multipart/mixed; boundary=zz\n\n\
         --zz\nContent-Type: text/plain\n\nSee attached.\n\
         --zz\nContent-Type: application/zip; name=\"invoice.zip\"\nContent-Transfer-Encoding: base64\n\
         Content-Disposition: attachment; filename=\"invoice.zip\"\n\n{}\n\
         --zz\nContent-Type: text/html; name=\"login.html\"\nContent-Disposition: attachment; filename=\"login.html\"\n\n\
         <form action=\"https://evil.example/\"><input name=pw></form>\n--zz--\n",
        b64(&zip)
    );
    let msg = run(raw.as_bytes());
    assert_eq!(msg.display_text, "See attached.");
    assert_eq!(msg.attachments.len(), 2);
    let z = &msg.attachments[0];
    assert_eq!(z.name.as_deref(), Some("invoice.zip"));
    assert_eq!(z.content_type, "application/zip");
    assert_eq!(z.size, zip.len());
    assert!(z.encrypted_archive);
    assert_eq!(z.archive_entries, ["請求書.exe"]);
    let h = &msg.attachments[1];
    assert_eq!(h.name.as_deref(), Some("login.html"));
    assert_eq!(h.content_type, "text/html");
    assert!(msg.links.is_empty());
}

#[test]
fn forwarded_message_text_included() {
    let raw = "From: me@example.jp\nSubject: Fwd: check\nContent-Type: multipart/mixed; boundary=o\n\n\
               --o\nContent-Type: text/plain\n\nIs this real?\n\
               --o\nContent-Type: message/rfc822\n\n\
               From: Bank <no-reply@bank.example>\nSubject: Verify now\nContent-Type: text/plain\n\n\
               Your card is locked.\n--o--\n";
    let msg = run(raw.as_bytes());
    assert!(
        msg.display_text.contains("Is this real?"),
        "{}",
        msg.display_text
    );
    assert!(msg
        .display_text
        .contains("From: Bank <no-reply@bank.example>\nSubject: Verify now"));
    assert!(msg.display_text.contains("Your card is locked."));
    assert_eq!(msg.headers.subject.as_deref(), Some("Fwd: check"));
    assert_eq!(msg.attachments[0].content_type, "message/rfc822");
}

#[test]
fn img_alt_kept_script_removed() {
    let raw = "Subject: x\nContent-Type: text/html\n\n<img alt=\"Amazon\"><script>alert(1)</script><p>Hi</p>";
    let msg = run(raw.as_bytes());
    assert_eq!(msg.display_text, "x\n\n[Amazon]\nHi\n");
}

#[test]
fn plain_text_detection() {
    let text = "Amazonからのお知らせ\nSubject: not a header block because the first line is text\n";
    let msg = run(text.as_bytes());
    assert_eq!(msg.kind, InputKind::PlainText);
    assert_eq!(msg.display_text, text);
    assert!(msg.links.is_empty());
    assert_eq!(msg.raw_size, text.len());
}

#[test]
fn plain_shift_jis_text() {
    let (sjis, _, _) = SHIFT_JIS.encode("当選おめでとうございます");
    let msg = run(&sjis);
    assert_eq!(msg.kind, InputKind::PlainText);
    assert_eq!(msg.display_text, "当選おめでとうございます");
}

#[test]
fn empty_and_binary() {
    for raw in [&b""[..], b"  \r\n\t"] {
        let msg = run(raw);
        assert!(has_note(&msg, "empty_input"));
        assert!(msg.display_text.is_empty());
    }
    let msg = run(&[0u8, 1, 2, 3, 0, 0, 0xff, 7, 8].repeat(50));
    assert!(has_note(&msg, "binary_input"));
    assert!(msg.display_text.is_empty());
}

#[test]
fn unknown_charset_noted() {
    let raw = "From: a@b.example\nContent-Type: text/plain; charset=x-klingon\n\nqapla";
    let msg = run(raw.as_bytes());
    assert!(msg
        .notes
        .iter()
        .any(|n| n.code == "unknown_charset" && n.detail == "x-klingon"));
    assert_eq!(msg.display_text, "qapla");
}

#[test]
fn limits_truncate() {
    let limits = Limits {
        max_input_bytes: 40,
        max_text_bytes: 10,
        ..Limits::default()
    };
    let msg = ingest(
        "あいうえおかきくけこさしすせそたちつてと".as_bytes(),
        &limits,
    );
    assert!(has_note(&msg, "truncated"));
    assert_eq!(msg.display_text, "あいう");
    assert_eq!(msg.raw_size, 60);
}

fn mime_bomb(levels: usize) -> String {
    let mut raw = String::from("From: a@b.example\n");
    for i in 0..levels {
        raw.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n"
        ));
    }
    raw.push_str("Content-Type: text/plain\n\nbottom\n");
    for i in (0..levels).rev() {
        raw.push_str(&format!("--b{i}--\n"));
    }
    raw
}

#[test]
fn mime_bomb_returns_quickly() {
    let raw = mime_bomb(5000);
    let start = Instant::now();
    let msg = run(raw.as_bytes());
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert!(has_note(&msg, "too_deep") || has_note(&msg, "too_many_parts"));
}

#[test]
fn moderately_nested_is_too_deep() {
    let msg = run(mime_bomb(40).as_bytes());
    assert!(has_note(&msg, "too_deep"), "{:?}", msg.notes);
    assert!(!msg.display_text.contains("bottom"));
}

#[test]
fn many_flat_parts() {
    let mut raw = String::from("From: a@b.example\nContent-Type: multipart/mixed; boundary=f\n\n");
    for i in 0..2000 {
        raw.push_str(&format!("--f\nContent-Type: text/plain\n\npart {i}\n"));
    }
    raw.push_str("--f--\n");
    let msg = run(raw.as_bytes());
    assert!(has_note(&msg, "too_many_parts"));
    assert!(msg.display_text.contains("part 0\n"));
}

#[test]
fn nested_message_bomb() {
    let mut raw = String::new();
    for _ in 0..5000 {
        raw.push_str("From: a@b.example\nContent-Type: message/rfc822\n\n");
    }
    raw.push_str("Subject: inner\n\nbody\n");
    let start = Instant::now();
    let msg = run(raw.as_bytes());
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(has_note(&msg, "too_deep") || has_note(&msg, "too_many_parts"));
}

#[test]
fn many_alternating_header_fields_stay_cheap() {
    let mut raw = String::new();
    for _ in 0..100_000 {
        raw.push_str("X-Spam: 1\nSubject: s\n");
    }
    raw.push_str("\nbody\n");
    let start = Instant::now();
    let msg = run(raw.as_bytes());
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(msg.headers.subject.as_deref(), Some("s"));
}

/// The report when the original is parsed; None when mail-parser panics (it debug-asserts
/// on some truncated nestings, in debug builds only).
fn report_without_elision(raw: &[u8]) -> Option<String> {
    mime::NO_ELISION.with(|off| off.set(true));
    let report = std::panic::catch_unwind(|| serde_json::to_string(&run(raw)).ok());
    mime::NO_ELISION.with(|off| off.set(false));
    report.ok().flatten()
}

/// `bytes` with each UTF-8 `é` as the single byte Latin-1 writes it: text that is not UTF-8.
fn latin1_e_acute(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&b, tail)) = rest.split_first() {
        if b == 0xC3 && tail.first() == Some(&0xA9) {
            out.push(0xE9);
            rest = &tail[1..];
        } else {
            out.push(b);
            rest = tail;
        }
    }
    out
}

/// Pieces of e-mails where cutting headers, base64 or quoted-printable bodies could go wrong.
fn email_piece() -> impl Strategy<Value = String> {
    let image = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA";
    let qp = "Caf=C3=A9 cr=E8me, see <a href=3D\"https://x.example/\">x</a> =\n";
    let plain = "Plain text with a link https://x.example/ and <b>markup</b>, ";
    let latin = "caf\u{e9} cr\u{e8}me \u{201c}quoted\u{201d} \u{20ac}5 ";
    prop_oneof![
        Just("Content-Transfer-Encoding: quoted-printable\n".to_string()),
        Just("Content-Type: text/plain; charset=utf-8\n".to_string()),
        Just("Content-Type: text/plain; charset=iso-2022-jp\n".to_string()),
        Just("Content-Type: text/html; charset=iso-8859-1\n".to_string()),
        Just(format!("{qp}{qp}{qp}{qp}{qp}{qp}\n")),
        Just(format!("{qp}{qp}{qp}{qp}{qp}--b mid-line\n")),
        Just("-- \nsignature =E9 \n=\n=XY =A\n".to_string()),
        Just("$B$3$s$K$A$O=1B(B\n".to_string()),
        Just(format!(
            "--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n{qp}{qp}{qp}{qp}{qp}{qp}\n"
        )),
        Just(format!(
            "--b\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\n{}\n{}\n",
            b64(&[b'Q', 0xE9, b' '].repeat(60)[..]),
            b64(b"https://x.example/ =?"),
        )),
        Just(format!(
            "--bb\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\n{qp}\r\n{qp}{qp}{qp}{qp}=\r\n"
        )),
        Just(format!(
            "--b\nContent-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: 8bit\n\n{latin}{latin}{latin}\n"
        )),
        Just(format!(
            "--bb\r\nContent-Type: text/html; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{plain}\r\n{plain}{plain}\r\n"
        )),
        Just(format!("--b\nContent-Type: text/plain\n\n{plain}{plain}{plain}{plain}\n")),
        Just(format!("{plain}{plain}{plain}--b mid-line\n")),
        Just(format!("{latin}{latin}{latin}{latin}\n")),
        Just("Content-Transfer-Encoding: 8bit\n".to_string()),
        Just("Content-Type: text/plain; charset=koi8-r\n".to_string()),
        Just("Received: from a\n\tby b\n".to_string()),
        Just("DKIM-Signature: v=1;\n b=abc\n".to_string()),
        Just("X-Spam: yes\n".to_string()),
        Just("From: A <a@b.example>\n".to_string()),
        Just("Subject: hi\n".to_string()),
        Just("Date: Mon, 1 Jan 2024 00:00:00 +0000\n".to_string()),
        Just("Date : spaced\n".to_string()),
        Just("MIME-Version: 1.0\n".to_string()),
        Just("Return-Path: <bounce@b.example>\n".to_string()),
        Just("Authentication-Results: mx.example;\n\tspf=pass  smtp.mailfrom=b.example\r\n".to_string()),
        Just("ARC-Authentication-Results: i=1; dkim=fail\n".to_string()),
        Just("List-ID: <list.b.example>\n".to_string()),
        Just("List-Unsubscribe: <mailto:u@b.example>\n".to_string()),
        Just("x-amazon-mail-relay-type: notification\n".to_string()),
        Just("Content-Type: multipart/mixed; boundary=b\n".to_string()),
        Just("Content-Type: multipart/alternative; boundary=bb\n".to_string()),
        Just("Content-Type: message/rfc822\n".to_string()),
        Just("Content-Type: image/png; name=a.png\n".to_string()),
        Just("Content-Type: application/octet-stream; name=a.zip\n".to_string()),
        Just("Content-Type: text/html\n".to_string()),
        Just("Content-Transfer-Encoding: base64\n".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("--b\n".to_string()),
        Just("--bb\n".to_string()),
        Just("--b--\n".to_string()),
        Just("--bb--\n".to_string()),
        Just(format!("{image}\n")),
        Just(format!("{image}\n{image}\n{image}\n{image}\n")),
        Just(format!("{image}=\n{image}\n{image}\n{image}\n")),
        Just(format!("UEsDBBQAAAAIAA{image}\n{image}\n{image}\n{image}\n")),
        Just("<p>hi <a href=\"https://x.example/\">x</a></p>\n".to_string()),
        Just(format!(
            "--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n{image}\n{image}\n{image}\n{image}\n"
        )),
        Just(format!(
            "--bb\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{image}\r\n{image}\r\n{image}\r\n{image}\r\n"
        )),
        Just("--b\nContent-Type: message/rfc822\n\nFrom: c@d.example\nContent-Type: multipart/mixed; boundary=bb\n\n".to_string()),
        Just("a-b --c\n".to_string()),
        Just("  folded\n".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cutting_before_parsing_changes_nothing(
        pieces in proptest::collection::vec(email_piece(), 1..40),
        cut in any::<prop::sample::Index>(),
        multipart in any::<bool>(),
    ) {
        // Single-part messages let the top-level quoted-printable body be cut.
        let mut raw = String::from("From: x@y.example\n");
        if multipart {
            raw.push_str("Content-Type: multipart/mixed; boundary=b\n");
        }
        raw.extend(pieces);
        let raw = latin1_e_acute(raw.as_bytes());
        let raw = &raw[..cut.index(raw.len() + 1)];
        let whole = report_without_elision(raw);
        prop_assume!(whole.is_some());
        let elided = serde_json::to_string(&run(raw)).expect("serialises");
        prop_assert_eq!(Some(elided), whole);
    }

    #[test]
    fn never_panics_on_bytes(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = run(&raw);
    }

    #[test]
    fn never_panics_on_mutated_email(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..16)
    ) {
        let mut raw = ALTERNATIVE.as_bytes().to_vec();
        for (at, byte, op) in edits {
            let i = at.index(raw.len() + 1);
            match op {
                0 if i < raw.len() => raw[i] = byte,
                1 => raw.insert(i, byte),
                _ if i < raw.len() => { raw.remove(i); }
                _ => {}
            }
        }
        let small = Limits { max_text_bytes: 64, max_links: 1, max_parts: 3, max_depth: 1, ..Limits::default() };
        let msg = ingest(&raw, &small);
        prop_assert!(msg.display_text.len() <= 64);
        for link in &msg.links {
            if let Some(span) = link.span {
                prop_assert!(msg.display_text.get(span.start..span.end).is_some());
            }
        }
        let _ = run(&raw);
    }
}
