//! The real `miwake` binary on the project's own test messages (`fixtures/messages`), and its
//! command-line contract: exit codes, output formats, colour, standard input, `--rules`, `url`.

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use common::{finding_keys, level, level_code, messages_dir, miwake, rules, summary, Scratch};
use serde_json::Value;

/// One row of `fixtures/messages/expected.tsv`.
#[derive(Debug, Clone)]
struct Row {
    line: usize,
    path: String,
    level: String,
    intent: Option<String>,
    required: Vec<String>,
}

fn rows() -> Vec<Row> {
    let tsv = messages_dir().join("expected.tsv");
    let text = std::fs::read_to_string(&tsv)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", tsv.display()));
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            cols.len(),
            4,
            "expected.tsv:{}: want 4 tab-separated columns, got {cols:?}",
            i + 1
        );
        let dash = |s: &str| if s == "-" { None } else { Some(s.to_string()) };
        let level = cols[1].to_string();
        assert!(
            ["safe", "caution", "danger"].contains(&level.as_str()),
            "expected.tsv:{}: bad level {level:?}",
            i + 1
        );
        rows.push(Row {
            line: i + 1,
            path: cols[0].to_string(),
            level,
            intent: dash(cols[2]),
            required: dash(cols[3])
                .map(|s| s.split(',').map(|r| r.trim().to_string()).collect())
                .unwrap_or_default(),
        });
    }
    assert!(
        rows.len() >= 20,
        "expected.tsv has only {} rows",
        rows.len()
    );
    rows
}

/// Every fixture judged once, in one batch run (`check --json` with all files → JSON Lines),
/// shared by the tests of this binary: the debug binary needs a few seconds to start.
fn reports() -> &'static BTreeMap<String, Value> {
    static REPORTS: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    REPORTS.get_or_init(|| {
        let rows = rows();
        let mut args = vec!["check".to_string(), "--json".to_string()];
        args.extend(rows.iter().map(|r| r.path.clone()));
        let run = miwake(&args).current_dir(messages_dir()).run();
        let code = run.assert_verdict_code();
        let lines = run.json_lines();
        assert_eq!(
            lines.len(),
            rows.len(),
            "one JSON line per input file\nstderr:\n{}",
            run.stderr
        );
        let mut map = BTreeMap::new();
        let mut worst = 0;
        for (row, report) in rows.iter().zip(lines) {
            assert_eq!(
                report["input"].as_str(),
                Some(row.path.as_str()),
                "JSON lines come in input order, each naming its input"
            );
            assert_eq!(report["schema_version"], 1, "{}: schema_version", row.path);
            worst = worst.max(level_code(level(&report)));
            map.insert(row.path.clone(), report);
        }
        assert_eq!(code, worst, "exit code of a batch is the worst level");
        map
    })
}

fn report(path: &str) -> &'static Value {
    reports()
        .get(path)
        .unwrap_or_else(|| panic!("{path} is not in expected.tsv"))
}

#[test]
fn expected_tsv_rows_match() {
    let mut failures = Vec::new();
    for row in rows() {
        let r = report(&row.path);
        let mut problems = Vec::new();
        if level(r) != row.level {
            problems.push(format!("level {} (want {})", level(r), row.level));
        }
        if let Some(intent) = &row.intent {
            if r["intent"]["id"].as_str() != Some(intent.as_str()) {
                problems.push(format!("intent {} (want {intent})", r["intent"]["id"]));
            }
        }
        let keys = finding_keys(r);
        for req in &row.required {
            if !keys.contains(req) {
                problems.push(format!("no finding {req}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "expected.tsv:{} {}: {}\n    got: {}",
                row.line,
                row.path,
                problems.join("; "),
                summary(r)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) misjudged:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn exit_code_matches_level() {
    // Every file of each level together: the worst of the group is that level, so each file of
    // the group alone exits with it too. (Single-file runs of each level are below and in
    // `stdin_dash_reads_standard_input`; the debug binary's start-up makes one run per file slow.)
    let rows = rows();
    for want in ["safe", "caution", "danger"] {
        let group: Vec<&str> = rows
            .iter()
            .filter(|r| level(report(&r.path)) == want)
            .map(|r| r.path.as_str())
            .collect();
        assert!(!group.is_empty(), "no fixture is judged {want}");
        let mut args = vec!["check"];
        args.extend(&group);
        let run = miwake(&args).current_dir(messages_dir()).run();
        run.assert_code(level_code(want));
    }
    // A single caution file: exit 1, and a single report has no `input` field.
    let row = rows
        .iter()
        .find(|r| r.level == "caution" && level(report(&r.path)) == "caution");
    let row = row.expect("a fixture judged caution, as expected.tsv says");
    let run = miwake(["check", "--json", &row.path])
        .current_dir(messages_dir())
        .run();
    run.assert_code(1);
    let single = run.json();
    assert!(
        single.get("input").is_none(),
        "a single report has no `input` field"
    );
    assert_eq!(
        level(&single),
        "caution",
        "{}: same verdict alone as in a batch",
        row.path
    );
}

#[test]
fn several_inputs_give_json_lines_with_input() {
    let run = miwake([
        "check",
        "--json",
        "ja/shipping.txt",
        "eml/amazon-forged-ip-anchor.eml",
        "en/payment.txt",
    ])
    .current_dir(messages_dir())
    .run();
    run.assert_code(2);
    let lines = run.json_lines();
    assert_eq!(
        lines.len(),
        3,
        "one compact JSON object per line:\n{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.lines().count(),
        3,
        "JSON Lines, not pretty-printed"
    );
    let inputs: Vec<&str> = lines
        .iter()
        .map(|l| l["input"].as_str().unwrap_or("<none>"))
        .collect();
    assert_eq!(
        inputs,
        [
            "ja/shipping.txt",
            "eml/amazon-forged-ip-anchor.eml",
            "en/payment.txt"
        ]
    );
    let levels: Vec<&str> = lines.iter().map(level).collect();
    assert_eq!(levels, ["safe", "danger", "safe"]);
}

#[test]
fn stdin_dash_reads_standard_input() {
    let path = messages_dir().join("ja/scam-r3-gift-card-review.txt");
    let data = std::fs::read(&path).unwrap();
    let run = miwake(["check", "--json", "-"]).stdin(data).run();
    run.assert_code(2);
    let r = run.json();
    let from_file = report("ja/scam-r3-gift-card-review.txt");
    assert_eq!(
        r["verdict"], from_file["verdict"],
        "same verdict from stdin as from the file"
    );
    assert_eq!(r["message"]["text"], from_file["message"]["text"]);

    let eml = std::fs::read(messages_dir().join("eml/amazon-genuine-shipping.eml")).unwrap();
    let run = miwake(["check", "--json", "-"]).stdin(eml).run();
    run.assert_code(0);
    assert_eq!(
        run.json()["message"]["kind"],
        "email",
        "an e-mail on stdin is read as an e-mail"
    );
}

#[test]
fn english_human_output_has_no_ansi_when_piped() {
    let run = miwake(["check", "--lang", "en", "eml/amazon-forged-ip-anchor.eml"])
        .current_dir(messages_dir())
        .run();
    run.assert_code(2);
    let out = &run.stdout;
    assert!(
        !out.contains('\x1b'),
        "no ANSI escapes when stdout is a pipe:\n{out}"
    );
    for word in ["DANGER", "What to do"] {
        assert!(
            out.contains(word),
            "English output mentions {word:?}:\n{out}"
        );
    }
    assert!(
        out.contains("185.234.72.19"),
        "the IP the link really goes to is shown:\n{out}"
    );

    let run = miwake(["check", "--lang", "en", "en/shipping.txt"])
        .current_dir(messages_dir())
        .run();
    run.assert_code(0);
    assert!(run.stdout.contains("SAFE"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Shipping"),
        "the kind is named in English:\n{}",
        run.stdout
    );
    for ja in ["スコア", "次にすること", "見つかった事実"] {
        assert!(
            !run.stdout.contains(ja),
            "no Japanese heading {ja:?} with --lang en:\n{}",
            run.stdout
        );
    }
}

#[test]
fn colour_flags_and_no_color() {
    let file = "ja/scam-r4-threat-24h.txt";
    let always = miwake(["check", "--color", "always", file])
        .current_dir(messages_dir())
        .run();
    always.assert_code(2);
    assert!(
        always.stdout.contains("\x1b["),
        "--color always colours even a pipe:\n{}",
        always.stdout
    );

    let never = miwake(["check", "--color", "never", file])
        .current_dir(messages_dir())
        .run();
    never.assert_code(2);
    assert!(
        !never.stdout.contains('\x1b'),
        "--color never:\n{}",
        never.stdout
    );

    let no_color = miwake(["check", file])
        .env("NO_COLOR", "1")
        .current_dir(messages_dir())
        .run();
    no_color.assert_code(2);
    assert!(
        !no_color.stdout.contains('\x1b'),
        "NO_COLOR=1 in auto mode:\n{}",
        no_color.stdout
    );
    assert_eq!(
        no_color.stdout, never.stdout,
        "NO_COLOR output equals --color never"
    );
}

const CUSTOM_RULE: &str = r#"
[[rule]]
id = "user.zorblax_payment"
family = "R3"
severity = "critical"
patterns.ja = ['ゾルバックス']
patterns.en = ['\bzorblax\b']
explain = { ja = "ゾルバックスでの支払いを求めています。", en = "It asks for payment in zorblax tokens." }
advice = ["A4"]
"#;

#[test]
fn user_rules_overlay_changes_the_verdict() {
    let dir = Scratch::new("rules");
    dir.file("rules/custom.toml", CUSTOM_RULE);
    dir.file("rules/notes.txt", "not a rule file; ignored");
    let msg = dir.file(
        "msg.txt",
        "Hello, thanks for your order. Please pay the balance with zorblax tokens.\n",
    );

    let msg = msg.to_str().expect("scratch paths are UTF-8");
    let plain = miwake(["check", "--json", msg]).run();
    plain.assert_code(0);
    assert!(!rules(&plain.json()).contains(&"user.zorblax_payment".to_string()));

    let rules_dir = dir.path.join("rules");
    let run = miwake([
        "check",
        "--json",
        "--rules",
        rules_dir.to_str().unwrap(),
        msg,
    ])
    .run();
    run.assert_code(2);
    let r = run.json();
    assert_eq!(level(&r), "danger", "{}", summary(&r));
    assert!(
        rules(&r).contains(&"user.zorblax_payment".to_string()),
        "{}",
        summary(&r)
    );
    let finding = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "user.zorblax_payment")
        .unwrap();
    assert_eq!(finding["family"], "R3");
    assert_eq!(
        finding["explanation"]["en"],
        "It asks for payment in zorblax tokens."
    );
    assert_eq!(
        finding["evidence"][0]["excerpt"], "zorblax",
        "evidence is the matched word"
    );
}

#[test]
fn bad_rules_file_is_exit_4_naming_the_file() {
    let dir = Scratch::new("badrules");
    dir.file("rules/good.toml", CUSTOM_RULE);
    let bad = dir.file("rules/broken-rule.toml", "this is [[[ not toml\n");
    let rules_dir = dir.path.join("rules");
    let run = miwake([
        "check",
        "--rules",
        rules_dir.to_str().unwrap(),
        "ja/shipping.txt",
    ])
    .current_dir(messages_dir())
    .run();
    run.assert_code(4);
    assert!(
        run.stderr.contains("broken-rule.toml"),
        "the message names the bad file {}:\n{}",
        bad.display(),
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "no verdict is printed when the rules cannot load:\n{}",
        run.stdout
    );

    let missing = dir.path.join("no-such-rules-dir");
    let run = miwake([
        "check",
        "--rules",
        missing.to_str().unwrap(),
        "ja/shipping.txt",
    ])
    .current_dir(messages_dir())
    .run();
    run.assert_code(4);
    assert!(run.stderr.contains("no-such-rules-dir"), "{}", run.stderr);
}

#[test]
fn nonexistent_file_is_exit_4() {
    let run = miwake(["check", "no-such-message-42.eml"])
        .current_dir(messages_dir())
        .run();
    run.assert_code(4);
    assert!(
        run.stderr.contains("no-such-message-42.eml"),
        "stderr names the file:\n{}",
        run.stderr
    );

    // Together with a readable dangerous file: still 4, the unreadable input wins.
    let run = miwake([
        "check",
        "--json",
        "ja/scam-r2-line.txt",
        "no-such-message-42.eml",
    ])
    .current_dir(messages_dir())
    .run();
    run.assert_code(4);
    assert!(
        run.stderr.contains("no-such-message-42.eml"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_are_exit_3() {
    for args in [
        vec!["check", "--bogus-flag", "ja/shipping.txt"],
        vec!["check"],
        vec!["check", "--lang", "fr", "ja/shipping.txt"],
        vec!["no-such-command"],
        vec![],
    ] {
        let run = miwake(&args).current_dir(messages_dir()).run();
        run.assert_code(3);
        assert!(
            !run.stderr.is_empty(),
            "miwake {args:?}: a usage error explains itself on stderr"
        );
    }
}

#[test]
fn help_mentions_exit_codes() {
    for args in [
        vec!["--help"],
        vec!["check", "--help"],
        vec!["url", "--help"],
    ] {
        let run = miwake(&args).run();
        run.assert_code(0);
        let out = &run.stdout;
        assert!(out.contains("Exit codes"), "miwake {args:?}:\n{out}");
        for line in [
            "0  every message is safe",
            "2  the worst message is dangerous",
            "3  usage error",
            "4  an input",
        ] {
            assert!(out.contains(line), "miwake {args:?} lists {line:?}:\n{out}");
        }
    }
}

#[test]
fn url_command_judges_links_without_fetching() {
    let bad = miwake(["url", "https://amazon-co-jp.shop/login"]).run();
    bad.assert_code(2);
    let good = miwake(["url", "https://www.amazon.co.jp/gp/css/order-history"]).run();
    good.assert_code(0);

    let run = miwake([
        "url",
        "--json",
        "https://amazon-co-jp.shop/login",
        "https://www.amazon.co.jp/gp/css/order-history",
    ])
    .run();
    run.assert_code(2);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(lines[0]["input"], "https://amazon-co-jp.shop/login");
    assert!(
        rules(&lines[0]).contains(&"link.brand_lookalike".to_string()),
        "{}",
        summary(&lines[0])
    );
    assert_eq!(
        lines[1]["links"][0]["owner"], "amazon",
        "{}",
        lines[1]["links"]
    );

    // No arguments: one URL a line on standard input (blank lines skipped).
    let stdin = miwake(["url", "--json"])
        .stdin("http://192.0.2.10/amazon/signin\n\nhttps://www.amazon.co.jp/\n")
        .run();
    stdin.assert_code(2);
    let lines = stdin.json_lines();
    assert_eq!(lines.len(), 2, "{}", stdin.stdout);
    assert_eq!(lines[0]["input"], "http://192.0.2.10/amazon/signin");
    assert!(
        rules(&lines[0]).contains(&"link.ip_host".to_string()),
        "{}",
        summary(&lines[0])
    );
}

// ---- what particular fixtures exercise -------------------------------------------------------

fn text_of(path: &str) -> &'static str {
    report(path)["message"]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("{path}: no message.text"))
}

#[test]
fn genuine_amazon_notice_is_trusted() {
    let r = report("eml/amazon-genuine-shipping.eml");
    assert_eq!(level(r), "safe", "{}", summary(r));
    let positive: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["weight"].as_i64() > Some(0))
        .collect();
    assert!(
        positive.is_empty(),
        "no red flag on a genuine notice: {positive:?}"
    );
    let links = r["links"].as_array().unwrap();
    assert!(!links.is_empty(), "the order-history link is found");
    for l in links {
        assert_eq!(l["owner"], "amazon", "every link is Amazon's own: {l}");
        assert_eq!(l["registrable_domain"], "amazon.co.jp", "{l}");
    }
    assert_eq!(
        r["message"]["from"]["address"],
        "shipment-tracking@amazon.co.jp"
    );
    assert!(
        text_of("eml/amazon-genuine-shipping.eml").contains("注文番号: 250-1234567-7654321"),
        "QP text decoded"
    );
}

#[test]
fn iso_2022_jp_subject_and_body_are_decoded() {
    let r = report("eml/iso2022jp-account-threat.eml");
    assert_eq!(
        r["message"]["subject"], "【緊急】アカウント停止のお知らせ",
        "RFC 2047 ISO-2022-JP subject"
    );
    let text = text_of("eml/iso2022jp-account-threat.eml");
    assert!(
        text.contains("24時間以内に本人確認を完了しない場合"),
        "ISO-2022-JP body decoded:\n{text}"
    );
    assert!(!text.contains('\x1b'), "no raw JIS escape sequences left");
}

#[test]
fn shift_jis_body_is_decoded() {
    let r = report("eml/shift_jis-shipping.eml");
    assert_eq!(r["message"]["subject"], "発送のご連絡");
    let text = text_of("eml/shift_jis-shipping.eml");
    assert!(
        text.contains("佐川急便にて商品を発送いたしました"),
        "Shift_JIS body decoded:\n{text}"
    );
    assert!(
        !text.contains('\u{fffd}'),
        "no replacement characters:\n{text}"
    );
    let tracking = &r["facts"]["tracking_numbers"];
    assert!(
        tracking.as_array().is_some_and(|t| !t.is_empty()),
        "the tracking number is a fact: {tracking}"
    );
}

#[test]
fn base64_and_quoted_printable_parts_are_decoded() {
    let text = text_of("eml/base64-card-request.eml");
    assert!(text.contains("full card number"), "{text}");
    assert_eq!(
        report("eml/base64-card-request.eml")["message"]["subject"],
        "Problem with your order ✉"
    );
    let text = text_of("eml/quoted-printable-gift-review.eml");
    assert!(text.contains("Amazonギフト券3000円分"), "{text}");
}

#[test]
fn html_scripts_never_reach_the_text() {
    let r = report("eml/html-only-script.eml");
    let text = text_of("eml/html-only-script.eml");
    for bad in [
        "document.cookie",
        "pwned-by-onerror",
        "pwned-by-link",
        "<script",
        "color: red",
        "198.51.100.7",
    ] {
        assert!(
            !text.contains(bad),
            "{bad:?} leaked into message.text:\n{text}"
        );
    }
    assert!(
        text.contains("Claim your reward"),
        "the anchor's visible text stays:\n{text}"
    );
    let js = r["links"].as_array().unwrap().iter().find(|l| {
        l["href"]
            .as_str()
            .is_some_and(|h| h.starts_with("javascript:"))
    });
    let js = js.unwrap_or_else(|| panic!("the javascript: link is listed: {}", r["links"]));
    assert!(
        js["findings"].as_array().is_some_and(|f| !f.is_empty()),
        "the javascript: link is flagged: {js}"
    );
}

#[test]
fn attachments_are_described() {
    let r = report("eml/attachment-encrypted-zip.eml");
    let a = &r["attachments"][0];
    assert_eq!(a["name"], "invoice.zip");
    assert_eq!(
        a["encrypted_archive"], true,
        "the encryption flag is seen: {a}"
    );
    let entries: Vec<&str> = a["archive_entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        entries.contains(&"請求書_2025-03.pdf.exe"),
        "entry names are listed (UTF-8): {entries:?}"
    );

    let r = report("eml/attachment-double-extension.eml");
    assert_eq!(r["attachments"][0]["name"], "invoice.pdf.exe");
    let r = report("eml/attachment-login-html.eml");
    assert_eq!(r["attachments"][0]["name"], "login.html");
    assert!(
        !text_of("eml/attachment-login-html.eml").contains("password"),
        "an attachment's content is not shown as the message text"
    );
}

#[test]
fn wrapped_and_defanged_links_are_seen_through() {
    let r = report("eml/safelinks-lookalike.eml");
    let l = &r["links"][0];
    assert_eq!(
        l["unwrapped"], "https://amazon-co-jp.shop/ap/signin",
        "SafeLinks unwrapped: {l}"
    );
    assert_eq!(l["host"], "amazon-co-jp.shop", "{l}");

    let r = report("eml/defanged-url.eml");
    let l = &r["links"][0];
    assert_eq!(l["origin"], "defanged", "{l}");
    assert_eq!(l["host"], "amazon-jp.top", "{l}");
    assert_eq!(
        l["text"], "hxxps://amazon-jp[.]top/login",
        "the text as written is kept: {l}"
    );
}

#[test]
fn zero_width_characters_do_not_hide_words() {
    let r = report("eml/zero-width-gift-review.eml");
    let keys = finding_keys(r);
    assert!(
        keys.contains(&"R3".to_string()) && keys.contains(&"R2".to_string()),
        "{}",
        summary(r)
    );
}

#[test]
fn cyrillic_homoglyph_link_is_not_taken_for_amazon() {
    // `https://www.аmazon.co.jp/…` with a Cyrillic а (U+0430) is xn--mazon-3ve.co.jp, not Amazon.
    let r = report("eml/cyrillic-homoglyph.eml");
    let links = r["links"].as_array().unwrap();
    assert!(!links.is_empty(), "the homoglyph link is found");
    for l in links {
        assert_ne!(
            l["owner"], "amazon",
            "a homoglyph host must not be credited to Amazon: {l}"
        );
        assert!(
            l["findings"].as_array().is_some_and(|f| !f.is_empty()),
            "the homoglyph link is flagged (punycode / lookalike): {l}"
        );
    }
}

#[test]
fn spans_point_into_the_text() {
    let mut failures = Vec::new();
    for (path, r) in reports() {
        let text = r["message"]["text"].as_str().unwrap_or("");
        let slice = |span: &Value| -> Option<&str> {
            let s = span["start"].as_u64()? as usize;
            let e = span["end"].as_u64()? as usize;
            text.get(s..e)
        };
        for f in r["findings"].as_array().into_iter().flatten() {
            for e in f["evidence"].as_array().into_iter().flatten() {
                let Some(span) = e.get("span") else { continue };
                match slice(span) {
                    None => failures.push(format!(
                        "{path}: {} evidence span {span} outside text or not at a char boundary",
                        f["rule"]
                    )),
                    Some(s) if e["source"] == "text" && Some(s) != e["excerpt"].as_str() => {
                        failures.push(format!(
                            "{path}: {} excerpt {} but span shows {s:?}",
                            f["rule"], e["excerpt"]
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        for l in r["links"].as_array().into_iter().flatten() {
            let Some(span) = l.get("span") else { continue };
            if slice(span) != l["text"].as_str() {
                failures.push(format!(
                    "{path}: link text {} but span {span} shows {:?}",
                    l["text"],
                    slice(span)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
