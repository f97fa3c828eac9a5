//! `smtp::send` against a tiny SMTP sink started by the test on 127.0.0.1: the message that
//! arrives is the report, and its attachment is still the original, byte for byte.
#![cfg(feature = "smtp")]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use mail_parser::MessageParser;
use miwake_report::smtp::{send, Security, SmtpSettings};
use miwake_report::{build_report, ReportOptions};

/// What the sink received: envelope sender, recipients, the DATA (dot-unstuffed), and
/// whether the client authenticated.
#[derive(Debug, Default)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: Vec<u8>,
    auth: Option<String>,
}

/// Accept one SMTP session on an ephemeral port; returns the port and the result channel.
fn start_sink() -> (u16, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(Duration::from_secs(20))).ok();
        let mut writer = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        let mut got = Received::default();
        let say = |w: &mut std::net::TcpStream, s: &str| {
            w.write_all(s.as_bytes()).expect("write");
        };
        say(&mut writer, "220 sink ESMTP\r\n");
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                say(&mut writer, "250-sink\r\n250 AUTH PLAIN LOGIN\r\n");
            } else if upper.starts_with("AUTH") {
                got.auth = Some(line.trim().to_string());
                say(&mut writer, "235 ok\r\n");
            } else if upper.starts_with("MAIL FROM:") {
                got.mail_from = line[10..].trim().to_string();
                say(&mut writer, "250 ok\r\n");
            } else if upper.starts_with("RCPT TO:") {
                got.rcpt_to.push(line[8..].trim().to_string());
                say(&mut writer, "250 ok\r\n");
            } else if upper.starts_with("DATA") {
                say(&mut writer, "354 go\r\n");
                let mut raw = Vec::new();
                loop {
                    let mut l = Vec::new();
                    if reader.read_until(b'\n', &mut l).unwrap_or(0) == 0 || l == b".\r\n" {
                        break;
                    }
                    if l.starts_with(b"..") {
                        l.remove(0);
                    }
                    raw.extend_from_slice(&l);
                }
                got.data = raw;
                say(&mut writer, "250 queued\r\n");
            } else if upper.starts_with("QUIT") {
                say(&mut writer, "221 bye\r\n");
                break;
            } else {
                say(&mut writer, "250 ok\r\n");
            }
        }
        let _ = tx.send(got);
    });
    (port, rx)
}

#[test]
fn report_sent_to_a_local_sink_arrives_with_the_original_intact() {
    let original = b"From: \"Amazon\" <account@amazon-verify.top>\r\nSubject: Your account is on hold\r\n\r\nVerify within 24 hours: https://amazon-verify.top/signin\r\n.\r\n..two dots\r\n";
    let analyzer = miwake_core::Analyzer::embedded().expect("analyzer");
    let built = build_report(
        original,
        &analyzer.analyze(original),
        &ReportOptions {
            from: Some("taro@example.com".into()),
            to: "reportascam@amazon.com".into(),
            ..Default::default()
        },
    );
    let (port, rx) = start_sink();
    let settings = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        username: Some("taro".into()),
        password: Some("secret".into()),
        timeout: Duration::from_secs(20),
    };
    send(
        &settings,
        "taro@example.com",
        "reportascam@amazon.com",
        &built.bytes,
    )
    .expect("sent");
    let got = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("sink result");
    assert_eq!(got.mail_from, "<taro@example.com>");
    assert_eq!(got.rcpt_to, vec!["<reportascam@amazon.com>".to_string()]);
    assert!(got.auth.is_some(), "credentials were used");
    // lettre ends DATA with CRLF "." CRLF after the message, so one empty line follows it.
    assert_eq!(got.data.len(), built.bytes.len() + 2, "sizes");
    assert!(
        got.data.starts_with(&built.bytes),
        "the sink got the built report"
    );
    let parsed = MessageParser::default().parse(&got.data).expect("parses");
    let attachment = parsed.attachment(0).expect("attachment");
    assert_eq!(attachment.contents(), &original[..]);
}

#[test]
fn an_unreachable_server_is_an_error_not_a_hang() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let settings = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        username: None,
        password: None,
        timeout: Duration::from_secs(5),
    };
    assert!(send(
        &settings,
        "a@example.com",
        "b@example.com",
        b"Subject: x\r\n\r\nx\r\n"
    )
    .is_err());
}
