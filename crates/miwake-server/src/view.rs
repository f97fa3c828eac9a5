//! A report laid out for the page: the message cut into plain and highlighted pieces, links
//! with where they really go, the sender in plain words, next steps and replies.
//!
//! Everything here is plain data; the templates escape all of it.

use miwake_core::knowledge::Severity;
use miwake_core::message::{InputKind, Span};
use miwake_core::report::{EvidenceSource, Finding, LinkReport};
use miwake_core::{Analyzer, Lang, Level, Report};
use serde::Serialize;

use miwake_core::reply::ReplyValues;

use crate::replies::{self, ReplyView};

/// At most this many highlighted pieces; a hostile message cannot make the page huge.
const MAX_SEGMENTS: usize = 4000;

#[derive(Debug, Serialize)]
pub struct ReportView {
    /// `safe`, `caution` or `danger`.
    pub level: &'static str,
    pub level_label: String,
    pub score: i32,
    pub kind: String,
    pub guide: Option<String>,
    pub is_email: bool,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub reply_to: Vec<String>,
    pub date: Option<String>,
    pub claimed_brand: Option<String>,
    pub segments: Vec<Segment>,
    pub findings: Vec<FindingView>,
    pub links: Vec<LinkView>,
    pub sender_findings: Vec<FindingView>,
    pub advice: Vec<AdviceView>,
    pub replies: Vec<ReplyView>,
    /// What the replies were filled with (shown in the fill-in form).
    pub reply_values: ReplyValues,
    /// Why the user's values were refused, if they were.
    pub reply_problem: Option<String>,
    pub attachments: Vec<String>,
    pub notes: Vec<String>,
    pub order_numbers: Vec<String>,
}

/// A run of message text; `mark` when evidence covers it.
#[derive(Debug, Serialize, PartialEq)]
pub struct Segment {
    pub text: String,
    pub mark: Option<Mark>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Mark {
    /// Element ids of the findings (`finding-3 finding-5`), for `aria-describedby`.
    pub refs: String,
    /// The findings' explanations, shown on hover and focus.
    pub tip: String,
    /// Heaviest severity among them.
    pub severity: &'static str,
}

#[derive(Debug, Serialize)]
pub struct FindingView {
    pub anchor: String,
    pub rule: String,
    pub family: String,
    pub severity: &'static str,
    pub weight: i32,
    /// `+60`, `-10`.
    pub weight_label: String,
    pub explanation: String,
    pub evidence: Vec<String>,
    pub highlighted: bool,
}

#[derive(Debug, Serialize)]
pub struct LinkView {
    pub text: String,
    pub href: String,
    pub domain: String,
    /// `genuine` (owned by a known brand, no finding), `suspicious` (findings) or `unknown`.
    pub status: &'static str,
    pub owner: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AdviceView {
    pub id: String,
    pub title: String,
    pub text: String,
}

pub fn level_id(level: Level) -> &'static str {
    match level {
        Level::Safe => "safe",
        Level::Caution => "caution",
        Level::Danger => "danger",
    }
}

fn severity_id(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

/// Shown in the explanation list and highlighted: findings that weigh, and input problems.
fn shown(f: &Finding) -> bool {
    f.weight != 0 || f.family == "input"
}

fn is_sender_family(family: &str) -> bool {
    matches!(family, "sender" | "auth" | "trust")
}

pub fn build(analyzer: &Analyzer, report: &Report, lang: Lang, user: ReplyValues) -> ReportView {
    let replies = replies::suggested(analyzer, report, lang, user);
    let shown_findings: Vec<&Finding> = report.findings.iter().filter(|f| shown(f)).collect();
    let spans = evidence_spans(report, &shown_findings);
    let segments = segments(&report.message.text, &spans, &shown_findings, lang);
    let highlighted: Vec<bool> = (0..shown_findings.len())
        .map(|i| spans.iter().any(|(_, f)| *f == i))
        .collect();
    let findings: Vec<FindingView> = shown_findings
        .iter()
        .enumerate()
        .map(|(i, f)| finding_view(report, f, i, highlighted[i], lang))
        .collect();
    let sender_findings = report
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| is_sender_family(&f.family))
        .map(|(i, f)| finding_view(report, f, 1000 + i, false, lang))
        .collect();
    ReportView {
        level: level_id(report.verdict.level),
        level_label: report.verdict.level.label().get(lang).to_string(),
        score: report.verdict.score,
        kind: report.intent.name.get(lang).to_string(),
        guide: report.intent.guide.clone(),
        is_email: report.message.kind == InputKind::Email,
        subject: report.message.subject.clone(),
        from: report.message.from.as_ref().map(address),
        reply_to: report.message.reply_to.iter().map(address).collect(),
        date: report.message.date.clone(),
        claimed_brand: report.claimed_brand.clone(),
        segments,
        findings,
        links: report.links.iter().map(link_view).collect(),
        sender_findings,
        advice: report
            .advice
            .iter()
            .map(|a| AdviceView {
                id: a.id.clone(),
                title: a.title.get(lang).to_string(),
                text: a.text.get(lang).to_string(),
            })
            .collect(),
        replies: replies.replies,
        reply_values: replies.values,
        reply_problem: replies.problem,
        attachments: report
            .attachments
            .iter()
            .map(|a| {
                format!(
                    "{} ({}, {} bytes)",
                    a.name.as_deref().unwrap_or("—"),
                    a.content_type,
                    a.size
                )
            })
            .collect(),
        notes: report.notes.iter().map(|n| n.detail.clone()).collect(),
        order_numbers: report
            .facts
            .order_numbers
            .iter()
            .map(|o| o.value.clone())
            .collect(),
    }
}

fn address(a: &miwake_core::message::Address) -> String {
    match (&a.name, &a.address) {
        (Some(name), Some(addr)) => format!("{name} <{addr}>"),
        (None, Some(addr)) => addr.clone(),
        (Some(name), None) => name.clone(),
        (None, None) => String::new(),
    }
}

fn finding_view(
    report: &Report,
    f: &Finding,
    index: usize,
    highlighted: bool,
    lang: Lang,
) -> FindingView {
    let evidence = f
        .evidence
        .iter()
        .take(5)
        .map(|e| match e.source {
            EvidenceSource::Header => {
                format!("{}: {}", e.header.as_deref().unwrap_or(""), e.excerpt)
            }
            EvidenceSource::Link => e
                .link
                .and_then(|i| report.links.get(i))
                .map(|l| format!("{} → {}", l.text, l.host.as_deref().unwrap_or(&l.href)))
                .unwrap_or_else(|| e.excerpt.clone()),
            _ => e.excerpt.clone(),
        })
        .collect();
    FindingView {
        anchor: format!("finding-{index}"),
        rule: f.rule.clone(),
        family: f.family.clone(),
        severity: severity_id(f.severity),
        weight: f.weight,
        weight_label: format!("{:+}", f.weight),
        explanation: f.explanation.get(lang).to_string(),
        evidence,
        highlighted,
    }
}

fn link_view(link: &LinkReport) -> LinkView {
    let status = if !link.findings.is_empty() {
        "suspicious"
    } else if link.owner.is_some() {
        "genuine"
    } else {
        "unknown"
    };
    LinkView {
        text: link.text.clone(),
        href: link.unwrapped.clone().unwrap_or_else(|| link.href.clone()),
        domain: link
            .registrable_domain
            .clone()
            .or_else(|| link.host.clone())
            .unwrap_or_default(),
        status,
        owner: link.owner.clone(),
    }
}

/// (span in the display text, index into the shown findings) for every piece of evidence that
/// sits in the text: words, and links whose visible text is in the text.
fn evidence_spans(report: &Report, findings: &[&Finding]) -> Vec<(Span, usize)> {
    let mut spans = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        for e in &f.evidence {
            let span = e.span.or_else(|| {
                (e.source == EvidenceSource::Link)
                    .then(|| {
                        e.link
                            .and_then(|l| report.links.get(l))
                            .and_then(|l| l.span)
                    })
                    .flatten()
            });
            if let Some(span) = span {
                spans.push((span, i));
            }
        }
    }
    spans
}

/// Cuts `text` at every evidence boundary; each piece lists the findings covering it.
fn segments(
    text: &str,
    spans: &[(Span, usize)],
    findings: &[&Finding],
    lang: Lang,
) -> Vec<Segment> {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let spans: Vec<(usize, usize, usize)> = spans
        .iter()
        .map(|(s, f)| (floor(s.start), floor(s.end), *f))
        .filter(|(s, e, _)| s < e)
        .collect();
    let mut cuts: Vec<usize> = spans.iter().flat_map(|(s, e, _)| [*s, *e]).collect();
    cuts.extend([0, text.len()]);
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<Segment> = Vec::new();
    let mut last_cover: Vec<usize> = Vec::new();
    for pair in cuts.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let mut cover: Vec<usize> = spans
            .iter()
            .filter(|(s, e, _)| *s <= a && b <= *e)
            .map(|(_, _, f)| *f)
            .collect();
        cover.sort_unstable();
        cover.dedup();
        let piece = &text[a..b];
        let too_many = out.len() >= MAX_SEGMENTS;
        match out.last_mut() {
            Some(prev) if cover == last_cover || too_many => prev.text.push_str(piece),
            _ => out.push(Segment {
                text: piece.to_string(),
                mark: mark(&cover, findings, lang),
            }),
        }
        last_cover = cover;
    }
    out
}

fn mark(cover: &[usize], findings: &[&Finding], lang: Lang) -> Option<Mark> {
    let covering: Vec<(usize, &Finding)> = cover.iter().map(|&i| (i, findings[i])).collect();
    let heaviest = covering.iter().map(|(_, f)| f.severity).max()?;
    Some(Mark {
        refs: covering
            .iter()
            .map(|(i, _)| format!("finding-{i}"))
            .collect::<Vec<_>>()
            .join(" "),
        tip: covering
            .iter()
            .map(|(_, f)| f.explanation.get(lang))
            .collect::<Vec<_>>()
            .join(" / "),
        severity: severity_id(heaviest),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_cut_out_of_the_text_in_place() {
        let analyzer = Analyzer::embedded().unwrap();
        let text = "いつもありがとうございます。星5レビューを書いていただければAmazonギフト券1000円分をプレゼントします。24時間以内にLINEで連絡してください。";
        let report = analyzer.analyze(text.as_bytes());
        let view = build(&analyzer, &report, Lang::Ja, ReplyValues::default());
        assert_eq!(view.level, "danger");
        let joined: String = view.segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            joined, report.message.text,
            "segments rebuild the text exactly"
        );
        let marked: Vec<&Segment> = view.segments.iter().filter(|s| s.mark.is_some()).collect();
        assert!(!marked.is_empty(), "{:?}", view.segments);
        assert!(
            marked.iter().any(|s| s.text.contains("ギフト券")),
            "{marked:?}"
        );
        for s in &marked {
            let m = s.mark.as_ref().unwrap();
            assert!(m.refs.starts_with("finding-"));
            assert!(!m.tip.is_empty());
        }
    }

    fn some_finding() -> Finding {
        let analyzer = Analyzer::embedded().unwrap();
        let report = analyzer.analyze("至急LINEで連絡してください".as_bytes());
        report.findings.into_iter().next().expect("a finding")
    }

    #[test]
    fn overlapping_spans_split_into_pieces() {
        let f = some_finding();
        let findings = [&f, &f];
        let spans = [(Span::new(3, 8), 0), (Span::new(0, 5), 1)];
        let segs = segments("hello world", &spans, &findings, Lang::En);
        let texts: Vec<&str> = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["hel", "lo", " wo", "rld"]);
        assert_eq!(segs[0].mark.as_ref().unwrap().refs, "finding-1");
        assert_eq!(segs[1].mark.as_ref().unwrap().refs, "finding-0 finding-1");
        assert!(segs[3].mark.is_none());
    }

    #[test]
    fn spans_off_char_boundaries_or_the_end_do_not_panic() {
        let f = some_finding();
        let findings = [&f];
        let spans = [(Span::new(1, 400), 0)];
        let segs = segments("日本語", &spans, &findings, Lang::Ja);
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, "日本語");
    }
}
