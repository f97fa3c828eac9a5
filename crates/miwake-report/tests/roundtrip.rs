//! A report parses back with a standard parser (mail-parser) and carries the original
//! byte for byte, whatever its line endings and charset.

use mail_parser::{MessageParser, MimeHeaders};
use miwake_report::{build_report, AttachedAs, ReportOptions, REPORT_ADDRESS};

fn fixture(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/messages/");
    std::fs::read(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The attachment's bytes as the parser decodes them, and its content type.
fn attachment_of(report: &[u8]) -> (Vec<u8>, String) {
    let parsed = MessageParser::default()
        .parse(report)
        .expect("report parses");
    assert_eq!(parsed.attachment_count(), 1, "one attachment");
    let part = parsed.attachment(0).expect("attachment 0");
    let ct = part
        .content_type()
        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
        .unwrap_or_default();
    (part.contents().to_vec(), ct)
}

fn check_round_trip(original: &[u8], expected: AttachedAs, expected_type: &str) {
    let analyzer = miwake_core::Analyzer::embedded().expect("analyzer");
    let report = analyzer.analyze(original);
    let built = build_report(
        original,
        &report,
        &ReportOptions {
            from: Some("Taro <taro@example.com>".into()),
            date: Some(1_733_000_000),
            ..Default::default()
        },
    );
    assert_eq!(built.attachment, expected);
    let parsed = MessageParser::default()
        .parse(&built.bytes)
        .expect("parses");
    assert_eq!(
        parsed
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some(REPORT_ADDRESS)
    );
    assert_eq!(
        parsed
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("taro@example.com")
    );
    assert!(parsed
        .subject()
        .unwrap_or("")
        .contains("Suspicious message report"));
    assert!(parsed.date().is_some());
    let body = parsed.body_text(0).expect("summary body");
    assert!(body.contains("miwakeの判定"), "{body}");
    let (bytes, ct) = attachment_of(&built.bytes);
    assert_eq!(ct, expected_type);
    assert!(
        bytes == original,
        "attachment differs from the original ({} vs {} bytes)",
        bytes.len(),
        original.len()
    );
}

#[test]
fn iso_2022_jp_crlf_eml_is_attached_verbatim_and_byte_identical() {
    let original = fixture("eml/iso2022jp-account-threat.eml");
    check_round_trip(&original, AttachedAs::Rfc822Verbatim, "message/rfc822");
}

#[test]
fn lf_ending_utf8_eml_is_attached_base64_and_byte_identical() {
    let original = "From: アマゾン <info@amazon-co-jp.example>\nSubject: 【重要】アカウント停止\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n24時間以内に確認してください: https://amazon-co-jp.example/login\n".as_bytes();
    check_round_trip(original, AttachedAs::Rfc822Base64, "message/rfc822");
}

#[test]
fn every_fixture_eml_round_trips_exactly() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/messages/eml");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        let original = std::fs::read(&path).expect("read");
        let analyzer = miwake_core::Analyzer::embedded().expect("analyzer");
        let built = build_report(
            &original,
            &analyzer.analyze(&original),
            &ReportOptions::default(),
        );
        let (bytes, ct) = attachment_of(&built.bytes);
        assert_eq!(ct, "message/rfc822", "{}", path.display());
        assert!(bytes == original, "{}: attachment differs", path.display());
        n += 1;
    }
    assert!(n >= 10, "only {n} fixtures");
}

#[test]
fn crlf_ascii_eml_is_attached_verbatim_and_byte_identical() {
    let original = b"From: \"Amazon\" <account@amazon-verify.top>\r\nTo: you@example.com\r\nSubject: Your account is on hold\r\nDate: Mon, 2 Dec 2024 10:00:00 +0900\r\nMessage-ID: <x@amazon-verify.top>\r\n\r\nVerify your account within 24 hours: https://amazon-verify.top/signin\r\n.\r\n..leading dots survive\r\n";
    check_round_trip(original, AttachedAs::Rfc822Verbatim, "message/rfc822");
}

#[test]
fn pasted_text_is_attached_as_text_plain_byte_identical() {
    let original = "【重要】星5レビューを書いていただければAmazonギフト券1000円分を差し上げます。\nLINE ID: gift_2024 までご連絡ください。\n".as_bytes();
    check_round_trip(original, AttachedAs::Text, "text/plain");
}
