//! The whole flow with the real binary: orders import → check --record → reply / report →
//! mark → history (with follow-ups) → export. Every test uses its own database.

mod common;

use std::path::PathBuf;

use common::{miwake, rules, workspace, Scratch};

const MINE: &str = "250-1234567-7654321";
const NOT_MINE: &str = "503-9999999-1111111";
/// An imported order with no messages.
const QUIET: &str = "503-2222222-3333333";

struct Env {
    dir: Scratch,
    db: PathBuf,
}

impl Env {
    fn new(name: &str) -> Env {
        let dir = Scratch::new(name);
        let db = dir.path.join("log/miwake.db");
        Env { dir, db }
    }

    fn run(&self, args: &[&str]) -> common::Run {
        miwake(args)
            .env("MIWAKE_DB", self.db.to_str().expect("utf-8 path"))
            .run()
    }
}

fn orders_csv(name: &str) -> String {
    workspace()
        .join("fixtures/orders")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn check_without_record_creates_no_database() {
    let env = Env::new("norecord");
    let msg = env
        .dir
        .file("m.txt", format!("注文番号 {MINE} の商品を発送しました。"));
    env.run(&["check", msg.to_str().unwrap()])
        .assert_verdict_code();
    assert!(
        !env.db.exists(),
        "check must not create the log without --record"
    );
}

#[test]
fn orders_import_both_layouts_and_bad_csv_names_the_line() {
    let env = Env::new("orders");
    for name in ["Retail.OrderHistory.1.csv", "Order History.csv"] {
        let run = env.run(&["orders", "import", &orders_csv(name)]);
        run.assert_code(0);
        assert!(run.stdout.contains("3 orders"), "{}", run.stdout);
        assert!(run.stdout.contains("4 items"), "{}", run.stdout);
    }
    let list = env.run(&["orders", "list", "--json"]);
    list.assert_code(0);
    let v = list.json();
    assert_eq!(v["orders"].as_array().map(Vec::len), Some(3));
    let bad = env.run(&["orders", "import", &orders_csv("bad-unquoted-comma.csv")]);
    bad.assert_code(4);
    assert!(bad.stderr.contains("line 3"), "{}", bad.stderr);
}

#[test]
fn whole_flow_check_reply_history_export() {
    let env = Env::new("flow");
    env.run(&["orders", "import", &orders_csv("Retail.OrderHistory.1.csv")])
        .assert_code(0);
    let genuine = env.dir.file(
        "genuine.txt",
        format!("注文番号 {MINE} の商品の発送が遅れております。到着予定日は12月2日です。申し訳ございません。"),
    );
    let fake = env.dir.file(
        "fake.txt",
        format!("注文番号 {NOT_MINE} の商品を発送しました。到着予定は12月2日です。"),
    );

    // check: the genuine one matches an order, the other cites an order that is not ours.
    let run = env.run(&["check", "--json", "--record", genuine.to_str().unwrap()]);
    run.assert_code(0);
    let report = run.json();
    assert!(
        rules(&report).contains(&"order.matches".to_string()),
        "{report}"
    );
    assert!(
        run.stderr.contains("recorded as message #1"),
        "{}",
        run.stderr
    );
    let run = env.run(&["check", "--json", "--record", fake.to_str().unwrap()]);
    assert!(rules(&run.json()).contains(&"order.not_yours".to_string()));
    assert_eq!(run.code, Some(1), "caution");
    // Re-checking is not a duplicate.
    let again = env.run(&["check", "--record", genuine.to_str().unwrap()]);
    assert!(
        again.stderr.contains("already recorded as message #1"),
        "{}",
        again.stderr
    );

    // reply from the message: facts fill the template; recording starts the 24 h clock.
    let run = env.run(&[
        "reply",
        "T1",
        "--lang",
        "ja",
        "--from-message",
        genuine.to_str().unwrap(),
        "--record",
    ]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(&format!("注文番号 {MINE} の件です。")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("12月2日"), "{}", run.stdout);

    // With imported orders, the item's name comes from the order.
    let run = env.run(&["reply", "T2", "--lang", "ja", "--order", MINE]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("対象の商品は Anker USB-C充電器"),
        "{}",
        run.stdout
    );

    // history: waiting for the seller.
    let run = env.run(&["history", "--lang", "en"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(MINE) && run.stdout.contains(NOT_MINE),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("waiting for the seller"),
        "{}",
        run.stdout
    );

    // An older reply with no answer since: overdue, with what to tell customer service.
    env.run(&[
        "mark",
        "replied",
        "--order",
        QUIET,
        "--template",
        "T9",
        "--at",
        "2024-12-01T00:00:00Z",
    ])
    .assert_code(0);
    let run = env.run(&["history", "--lang", "en", "--order", QUIET]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("no answer from the seller"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("customer service"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("order {QUIET}")),
        "{}",
        run.stdout
    );
    let json = env.run(&["history", "--json", "--order", QUIET]).json();
    assert_eq!(json["timeline"]["follow_up"]["state"]["state"], "overdue");
    // The threshold is configurable: with a very long one the same reply is still awaited.
    let run = env.run(&[
        "history",
        "--json",
        "--order",
        QUIET,
        "--wait-hours",
        "4000000",
    ]);
    assert_eq!(
        run.json()["timeline"]["follow_up"]["state"]["state"],
        "waiting"
    );

    // export: the messages byte for byte with a manifest.
    let zip = env.dir.path.join("case.zip");
    let run = env.run(&["export", "--order", MINE, "-o", zip.to_str().unwrap()]);
    run.assert_code(0);
    assert!(run.stdout.contains("manifest SHA-256"), "{}", run.stdout);
    assert!(zip.exists());
    let folder = env.dir.path.join("case");
    env.run(&["export", "--order", MINE, "-o", folder.to_str().unwrap()])
        .assert_code(0);
    let original = std::fs::read(&genuine).unwrap();
    let exported = std::fs::read(folder.join("messages/01-message-1.txt")).unwrap();
    assert_eq!(exported, original);
    let again = env.run(&["export", "--order", MINE, "-o", zip.to_str().unwrap()]);
    again.assert_code(4);
}

#[test]
fn reply_list_and_refusals() {
    let env = Env::new("reply");
    let run = env.run(&["reply", "--list", "--lang", "en"]);
    run.assert_code(0);
    for id in ["T1", "T8", "T14"] {
        assert!(run.stdout.contains(id), "{}", run.stdout);
    }
    let run = env.run(&["reply", "T3", "--missing", "see https://evil.example/x"]);
    run.assert_code(3);
    assert!(run.stderr.contains("link"), "{}", run.stderr);
    env.run(&["reply"]).assert_code(3);
    env.run(&["reply", "T99"]).assert_code(3);
    let run = env.run(&["reply", "T8", "--lang", "en", "--json"]);
    run.assert_code(0);
    assert_eq!(
        run.json()["reply"]["text"],
        "I will communicate only through Amazon messages."
    );
}

#[test]
fn report_writes_a_parseable_eml_with_the_original_intact() {
    let env = Env::new("report");
    let original_path = workspace().join("fixtures/messages/eml/amazon-forged-lookalike.eml");
    let out = env.dir.path.join("report.eml");
    let run = env.run(&[
        "report",
        original_path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--lang",
        "en",
        "--record",
    ]);
    run.assert_code(0);
    let bytes = std::fs::read(&out).expect("report written");
    let parsed = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("parses");
    let attachment = parsed.attachment(0).expect("attachment");
    assert_eq!(
        attachment.contents(),
        &std::fs::read(&original_path).unwrap()[..]
    );
    let history = env.run(&["history", "--json"]);
    history.assert_code(0);
    // The report is recorded as an action on the message.
    let conn_check = env.run(&[
        "report",
        original_path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    conn_check.assert_code(4); // never overwrites
    let run = env.run(&["report", original_path.to_str().unwrap()]);
    run.assert_code(3); // neither -o nor --send
    let run = env.run(&[
        "report",
        original_path.to_str().unwrap(),
        "--send",
        "--from",
        "me@example.com",
    ]);
    run.assert_code(4);
    assert!(run.stderr.contains("--smtp-host"), "{}", run.stderr);
}

#[test]
fn check_names_the_fitting_replies_and_reply_uses_the_first() {
    let env = Env::new("fitting");
    let late = env.dir.file(
        "late.txt",
        format!("注文番号 {MINE} の件です。到着予定日を過ぎていますが、まだ届きません。発送状況を教えてください。"),
    );
    let line = env.dir.file(
        "line.txt",
        "ご注文ありがとうございます。詳しいご案内はLINEでお送りしますので、LINE ID: shop_2024 を追加してください。",
    );
    let ids = |path: &PathBuf| -> Vec<String> {
        env.run(&["check", "--json", path.to_str().unwrap()]).json()["replies"]
            .as_array()
            .expect("replies")
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect()
    };
    let late_ids = ids(&late);
    assert!(
        late_ids.starts_with(&["T1".to_string(), "T5".to_string()]),
        "{late_ids:?}"
    );
    assert!(ids(&line).contains(&"T8".to_string()));
    let run = env.run(&[
        "reply",
        "--from-message",
        late.to_str().unwrap(),
        "--lang",
        "en",
    ]);
    run.assert_code(0);
    assert_eq!(
        run.stdout.trim(),
        format!("This is about order {MINE}. The expected delivery date has passed. Could you check the tracking status?")
    );
}

/// The AUTH line (if any) and the DATA a sink received.
type Session = (Option<String>, Vec<u8>);

/// A one-session SMTP sink on 127.0.0.1 that returns the DATA it received.
fn smtp_sink() -> (u16, std::sync::mpsc::Receiver<Session>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .ok();
        let mut w = stream.try_clone().expect("clone");
        let mut r = BufReader::new(stream);
        let (mut auth, mut data) = (None, Vec::new());
        let _ = w.write_all(b"220 sink\r\n");
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let up = line.to_ascii_uppercase();
            let reply: &[u8] = if up.starts_with("EHLO") {
                b"250-sink\r\n250 AUTH PLAIN\r\n"
            } else if up.starts_with("AUTH") {
                auth = Some(line.trim().to_string());
                b"235 ok\r\n"
            } else if up.starts_with("DATA") {
                let _ = w.write_all(b"354 go\r\n");
                loop {
                    let mut l = Vec::new();
                    if r.read_until(b'\n', &mut l).unwrap_or(0) == 0 || l == b".\r\n" {
                        break;
                    }
                    if l.starts_with(b"..") {
                        l.remove(0);
                    }
                    data.extend_from_slice(&l);
                }
                b"250 queued\r\n"
            } else if up.starts_with("QUIT") {
                let _ = w.write_all(b"221 bye\r\n");
                break;
            } else {
                b"250 ok\r\n"
            };
            let _ = w.write_all(reply);
        }
        let _ = tx.send((auth, data));
    });
    (port, rx)
}

#[test]
fn report_send_goes_through_the_users_smtp_server() {
    let env = Env::new("send");
    let original_path = workspace().join("fixtures/messages/eml/amazon-forged-lookalike.eml");
    let (port, rx) = smtp_sink();
    let password_file = env.dir.file("smtp-password", "s3cret\n");
    let port = port.to_string();
    let run = miwake([
        "report",
        original_path.to_str().unwrap(),
        "--send",
        "--from",
        "taro@example.com",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &port,
        "--smtp-security",
        "none",
        "--smtp-user",
        "taro",
        "--smtp-password-file",
        password_file.to_str().unwrap(),
    ])
    .env("MIWAKE_DB", env.db.to_str().unwrap())
    .run();
    run.assert_code(0);
    let (auth, data) = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the sink got a session");
    assert!(auth.is_some(), "authenticated with the user's credentials");
    let parsed = mail_parser::MessageParser::default()
        .parse(&data)
        .expect("parses");
    assert_eq!(
        parsed
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("reportascam@amazon.com")
    );
    let attachment = parsed.attachment(0).expect("attachment");
    assert_eq!(
        attachment.contents(),
        &std::fs::read(&original_path).unwrap()[..]
    );
    // A user without a password is told where to put it, not asked on the command line.
    let run = env.run(&[
        "report",
        original_path.to_str().unwrap(),
        "--send",
        "--from",
        "taro@example.com",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-user",
        "taro",
    ]);
    run.assert_code(4);
    assert!(
        run.stderr.contains("MIWAKE_SMTP_PASSWORD"),
        "{}",
        run.stderr
    );
}
