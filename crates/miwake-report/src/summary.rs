//! The report's body: a short, plain summary of what miwake found, for a human reader.

use miwake_core::report::EvidenceSource;
use miwake_core::{Lang, Report};

use crate::AttachedAs;

/// Findings listed in the summary, heaviest first.
const MAX_FINDINGS: usize = 8;
/// Links listed in the summary.
const MAX_LINKS: usize = 10;
/// Longest excerpt quoted from the message.
const MAX_EXCERPT_CHARS: usize = 120;

/// The summary in `lang`. Everything quoted from the message is on one line and defanged.
pub fn summary_text(report: &Report, lang: Lang, attachment: AttachedAs) -> String {
    let t = |ja: &'static str, en: &'static str| match lang {
        Lang::Ja => ja,
        Lang::En => en,
    };
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push_str("\r\n");
    };
    line(t("Amazon ご担当者様", "To the Amazon team,").into());
    line(String::new());
    line(t(
        "不審なメッセージを受け取りましたので報告します。元のメッセージを添付します(リンクや添付ファイルは開いていません)。",
        "I received the suspicious message attached below and am reporting it. I have not opened its links or attachments.",
    ).into());
    line(String::new());
    let level = report.verdict.level.label();
    line(format!(
        "{}: {} (score {})",
        t("miwakeの判定", "miwake's verdict"),
        level.get(lang),
        report.verdict.score
    ));
    line(format!(
        "{}: {}",
        t("種類", "Kind"),
        report.intent.name.get(lang)
    ));
    if let Some(subject) = &report.message.subject {
        line(format!("{}: {}", t("件名", "Subject"), quote(subject)));
    }
    if let Some(from) = &report.message.from {
        let name = from.name.as_deref().map(quote).unwrap_or_default();
        let address = from.address.as_deref().map(quote).unwrap_or_default();
        line(format!("{}: {name} <{address}>", t("差出人", "From")));
    }
    if let Some(date) = &report.message.date {
        line(format!("{}: {}", t("日時", "Date"), quote(date)));
    }
    if !report.facts.order_numbers.is_empty() {
        let orders: Vec<&str> = report
            .facts
            .order_numbers
            .iter()
            .map(|o| o.value.as_str())
            .collect();
        line(format!(
            "{}: {}",
            t("記載の注文番号", "Order numbers cited"),
            orders.join(", ")
        ));
    }
    let shown: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.weight > 0)
        .take(MAX_FINDINGS)
        .collect();
    if !shown.is_empty() {
        line(String::new());
        line(t("理由:", "Why:").into());
        for (i, f) in shown.iter().enumerate() {
            line(format!(
                "{:>2}. {} [{}]",
                i + 1,
                f.explanation.get(lang),
                f.rule
            ));
            if let Some(e) = f.evidence.first() {
                let source = match e.source {
                    EvidenceSource::Header => e.header.clone().unwrap_or_default(),
                    EvidenceSource::Link => t("リンク", "link").into(),
                    EvidenceSource::Attachment => t("添付", "attachment").into(),
                    EvidenceSource::Text | EvidenceSource::Input => t("本文", "text").into(),
                };
                line(format!("    {source}: {}", quote(&e.excerpt)));
            }
        }
    }
    if !report.links.is_empty() {
        line(String::new());
        line(
            t(
                "メッセージ内のリンク(開いていません):",
                "Links in the message (not opened):",
            )
            .into(),
        );
        for l in report.links.iter().take(MAX_LINKS) {
            line(format!("  - {}", quote(&l.href)));
        }
    }
    line(String::new());
    line(match attachment {
        AttachedAs::Text => t(
            "添付: message.txt(貼り付けられた本文そのまま)",
            "Attached: message.txt (the pasted text as it was)",
        )
        .into(),
        _ => t(
            "添付: original.eml(受信したメールそのまま。ヘッダーも含みます)",
            "Attached: original.eml (the e-mail exactly as received, headers included)",
        )
        .into(),
    });
    line(String::new());
    line(
        t(
            "-- miwake がオフラインで作成した要約です(何も開かず、取得していません)。",
            "-- Summary written offline by miwake (nothing was opened or fetched).",
        )
        .into(),
    );
    out
}

/// One line, no control characters, at most [`MAX_EXCERPT_CHARS`] characters, defanged.
fn quote(s: &str) -> String {
    let line = one_line(s);
    let mut cut: String = line.chars().take(MAX_EXCERPT_CHARS).collect();
    if cut.len() < line.len() {
        cut.push('…');
    }
    defang(&cut)
}

pub(crate) use miwake_core::normalize::one_line;

/// Make links and addresses unclickable: `https://a.b/c` → `hxxps://a[.]b/c`,
/// `x@a.b` → `x[@]a[.]b`, `www.a.b` → `www[.]a[.]b`. Other words are left alone.
pub fn defang(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let lower = word.to_ascii_lowercase();
        let linky = lower.contains("://")
            || lower.contains("www.")
            || word.contains('@')
            || looks_like_domain(&lower);
        if !linky {
            out.push_str(word);
            continue;
        }
        let mut w = word.replace('.', "[.]").replace('@', "[@]");
        for (scheme, safe) in [
            ("https", "hxxps"),
            ("http", "hxxp"),
            ("HTTPS", "hxxps"),
            ("HTTP", "hxxp"),
        ] {
            if w.starts_with(scheme) {
                w = format!("{safe}{}", &w[scheme.len()..]);
                break;
            }
        }
        out.push_str(&w);
    }
    out
}

/// `name.tld` or `name.tld/path`: a dot between letters, ending in 2+ letters.
fn looks_like_domain(word: &str) -> bool {
    let host = word
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .split('/')
        .next()
        .unwrap_or("");
    let mut labels = host.split('.');
    let first = labels.next().unwrap_or("");
    let rest: Vec<&str> = labels.collect();
    !first.is_empty()
        && !rest.is_empty()
        && rest
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        && rest
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defang_makes_links_and_addresses_unclickable() {
        assert_eq!(
            defang("go to https://evil.example.top/login now"),
            "go to hxxps://evil[.]example[.]top/login now"
        );
        assert_eq!(defang("mail x@evil.top"), "mail x[@]evil[.]top");
        assert_eq!(defang("amaz0n-jp.top/verify"), "amaz0n-jp[.]top/verify");
        assert_eq!(defang("Hello. How are you?"), "Hello. How are you?");
        assert_eq!(
            defang("注文番号 250-1234567-1234567"),
            "注文番号 250-1234567-1234567"
        );
    }

    #[test]
    fn summary_names_the_verdict_and_defangs_links() {
        let analyzer = miwake_core::Analyzer::embedded().expect("analyzer");
        let raw = b"From: Amazon <no-reply@amaz0n-secure.top>\r\nSubject: Account suspended\r\n\r\nYour account is suspended. Verify within 24 hours: https://amaz0n-secure.top/login\r\n";
        let report = analyzer.analyze(raw);
        let ja = summary_text(&report, Lang::Ja, AttachedAs::Rfc822Verbatim);
        assert!(ja.contains("miwakeの判定: 危険"), "{ja}");
        assert!(ja.contains("hxxps://amaz0n-secure[.]top/login"), "{ja}");
        assert!(!ja.contains("https://amaz0n"), "{ja}");
        let en = summary_text(&report, Lang::En, AttachedAs::Rfc822Verbatim);
        assert!(en.contains("miwake's verdict: danger"), "{en}");
        assert!(en.contains("Why:"), "{en}");
    }
}
