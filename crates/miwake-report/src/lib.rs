//! miwake-report: turn a suspicious message into a report for `reportascam@amazon.com`.
//!
//! [`build_report`] writes a forward-ready RFC 5322 message: a short summary of miwake's
//! findings (Japanese or English) and the original, attached unchanged. An e-mail goes in as
//! `message/rfc822` so its headers survive for the platform's investigators; pasted text goes
//! in as `text/plain`. Nothing in the message is opened or fetched: links in the summary are
//! defanged (`hxxps://example[.]top`).
//!
//! Sending is separate and optional ([`smtp`], feature `smtp`): by default the caller writes
//! the bytes to a `.eml` file, which any mail client opens.
//!
//! ```
//! use miwake_report::{build_report, ReportOptions};
//!
//! let analyzer = miwake_core::Analyzer::embedded().unwrap();
//! let original = b"From: Amazon <security@amaz0n-jp.top>\r\nSubject: verify\r\n\r\nLogin now: https://amaz0n-jp.top/\r\n";
//! let report = analyzer.analyze(original);
//! let eml = build_report(original, &report, &ReportOptions::default());
//! let text = String::from_utf8_lossy(&eml.bytes);
//! assert!(text.contains("To: reportascam@amazon.com"));
//! assert!(text.contains("Content-Type: message/rfc822"));
//! ```

mod mime;
mod summary;

#[cfg(feature = "smtp")]
pub mod smtp;

use miwake_core::message::InputKind;
use miwake_core::{Lang, Report};
use sha2::{Digest, Sha256};

pub use summary::{defang, summary_text};

/// Where Amazon takes reports of suspicious messages (receive-only).
pub const REPORT_ADDRESS: &str = "reportascam@amazon.com";

/// How the report is written.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Language of the summary; the subject carries both.
    pub lang: Lang,
    /// The reporter's address for `From:`. Without it the file is a draft (`X-Unsent: 1`)
    /// that a mail client completes with the user's own account.
    pub from: Option<String>,
    /// Recipient; [`REPORT_ADDRESS`] unless testing.
    pub to: String,
    /// `Date:` as seconds since the Unix epoch (UTC); the current time when `None`.
    pub date: Option<i64>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            lang: Lang::Ja,
            from: None,
            to: REPORT_ADDRESS.to_string(),
            date: None,
        }
    }
}

/// A built report.
#[derive(Debug, Clone)]
pub struct BuiltReport {
    /// The whole RFC 5322 message, CRLF line endings.
    pub bytes: Vec<u8>,
    /// How the original is attached.
    pub attachment: AttachedAs,
    /// SHA-256 of the original, hex.
    pub original_sha256: String,
}

/// How the original went into the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachedAs {
    /// `message/rfc822`, 7bit: the original is plain ASCII with CRLF lines of legal length,
    /// so it is carried exactly as it is, even through SMTP.
    Rfc822Verbatim,
    /// `message/rfc822`, base64: the original has 8-bit bytes, bare LF line ends or very long
    /// lines; base64 is the only way to carry it byte for byte through any mail system
    /// (mail clients and parsers open it as a message).
    Rfc822Base64,
    /// Pasted text: `text/plain` (or `application/octet-stream` when not UTF-8), base64.
    Text,
}

/// Build the report message for `original`, judged as `report`.
pub fn build_report(original: &[u8], report: &Report, options: &ReportOptions) -> BuiltReport {
    let original_sha256 = sha256_hex(original);
    let date = options.date.unwrap_or_else(now_unix);
    let boundary = format!("miwake-report-{}", &original_sha256[..24]);
    let attachment = attached_as(original, report.message.kind);
    let summary = summary_text(report, options.lang, attachment);

    let mut m = mime::Writer::new();
    if let Some(from) = options.from.as_deref().filter(|f| !f.trim().is_empty()) {
        m.header("From", from.trim());
    } else {
        m.header("X-Unsent", "1");
    }
    m.header("To", &options.to);
    m.header("Subject", &mime::encode_word(&subject(report)));
    m.header(
        "Date",
        &mail_parser::DateTime::from_timestamp(date).to_rfc822(),
    );
    let id_domain = options
        .from
        .as_deref()
        .and_then(|f| f.rsplit_once('@'))
        .map(|(_, d)| d.trim_end_matches('>').to_string())
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or_else(|| "miwake.invalid".to_string());
    m.header(
        "Message-ID",
        &format!("<report.{}.{date}@{id_domain}>", &original_sha256[..16]),
    );
    m.header("MIME-Version", "1.0");
    m.header("X-Miwake-Original-SHA256", &original_sha256);
    m.header(
        "Content-Type",
        &format!("multipart/mixed; boundary=\"{boundary}\""),
    );
    m.blank();
    m.line("This is a multi-part message in MIME format.");

    m.boundary(&boundary);
    m.header("Content-Type", "text/plain; charset=utf-8");
    m.header("Content-Transfer-Encoding", "base64");
    m.blank();
    m.base64(summary.as_bytes());

    m.boundary(&boundary);
    match attachment {
        AttachedAs::Rfc822Verbatim => {
            m.header("Content-Type", "message/rfc822");
            m.header(
                "Content-Disposition",
                "attachment; filename=\"original.eml\"",
            );
            m.header("Content-Transfer-Encoding", "7bit");
            m.blank();
            m.raw(original);
            if !original.ends_with(b"\r\n") {
                m.raw(b"\r\n");
            }
        }
        AttachedAs::Rfc822Base64 => {
            m.header("Content-Type", "message/rfc822");
            m.header(
                "Content-Disposition",
                "attachment; filename=\"original.eml\"",
            );
            m.header("Content-Transfer-Encoding", "base64");
            m.blank();
            m.base64(original);
        }
        AttachedAs::Text => {
            let content_type = if std::str::from_utf8(original).is_ok() {
                "text/plain; charset=utf-8"
            } else {
                "application/octet-stream"
            };
            m.header("Content-Type", content_type);
            m.header(
                "Content-Disposition",
                "attachment; filename=\"message.txt\"",
            );
            m.header("Content-Transfer-Encoding", "base64");
            m.blank();
            m.base64(original);
        }
    }
    m.close(&boundary);
    BuiltReport {
        bytes: m.finish(),
        attachment,
        original_sha256,
    }
}

fn subject(report: &Report) -> String {
    let label = report.verdict.level.label();
    match report.message.subject.as_deref().map(summary::one_line) {
        Some(s) if !s.is_empty() => {
            let s: String = s.chars().take(80).collect();
            format!(
                "不審なメッセージの報告 / Suspicious message report ({} / {}): {}",
                label.ja,
                label.en,
                defang(&s)
            )
        }
        _ => format!(
            "不審なメッセージの報告 / Suspicious message report ({} / {})",
            label.ja, label.en
        ),
    }
}

fn attached_as(original: &[u8], kind: InputKind) -> AttachedAs {
    if kind == InputKind::PlainText {
        AttachedAs::Text
    } else if mime::is_verbatim_7bit(original) {
        AttachedAs::Rfc822Verbatim
    } else {
        AttachedAs::Rfc822Base64
    }
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze(raw: &[u8]) -> Report {
        miwake_core::Analyzer::embedded()
            .expect("analyzer")
            .analyze(raw)
    }

    #[test]
    fn ascii_crlf_original_is_attached_verbatim() {
        let original = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
        let built = build_report(original, &analyze(original), &ReportOptions::default());
        assert_eq!(built.attachment, AttachedAs::Rfc822Verbatim);
        let text = String::from_utf8(built.bytes.clone()).expect("ascii");
        assert!(text.contains("From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"));
        assert!(text.contains("X-Unsent: 1\r\n"));
    }

    #[test]
    fn lf_or_8bit_original_is_base64() {
        for original in [
            &b"From: a@example.com\nSubject: hi\n\nbody\n"[..],
            "From: a@example.com\r\nSubject: こんにちは\r\n\r\n本文\r\n".as_bytes(),
        ] {
            let built = build_report(original, &analyze(original), &ReportOptions::default());
            assert_eq!(built.attachment, AttachedAs::Rfc822Base64);
        }
    }

    #[test]
    fn pasted_text_is_a_text_attachment() {
        let original = "星5レビューでギフト券を差し上げます。LINEで連絡してください。".as_bytes();
        let built = build_report(original, &analyze(original), &ReportOptions::default());
        assert_eq!(built.attachment, AttachedAs::Text);
        assert!(built
            .bytes
            .windows(25)
            .any(|w| w == b"text/plain; charset=utf-8"));
    }

    #[test]
    fn every_line_is_crlf_terminated_and_short() {
        let original = "Subject: x\n\nhttps://evil.example/login\n".as_bytes();
        let built = build_report(original, &analyze(original), &ReportOptions::default());
        for line in built.bytes.split(|&b| b == b'\n') {
            assert!(line.len() <= 998, "line too long");
        }
        assert!(
            built.bytes.is_ascii(),
            "the report must be 7-bit for any SMTP server"
        );
        let lf = built.bytes.iter().filter(|&&b| b == b'\n').count();
        let crlf = built.bytes.windows(2).filter(|w| w == b"\r\n").count();
        assert_eq!(lf, crlf, "bare LF in the report");
    }
}
