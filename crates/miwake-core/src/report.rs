//! The explained verdict: what `miwake check --json` prints (schema in `docs/json-schema.md`).

use serde::Serialize;

use crate::facts::Facts;
use crate::knowledge::{Localized, Severity};
use crate::message::{Address, Attachment, IngestNote, InputKind, LinkOrigin, Span};

/// Version of the JSON report. Bumped on any incompatible change; additions keep it.
pub const SCHEMA_VERSION: u32 = 1;

/// The three verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Safe,
    Caution,
    Danger,
}

impl Level {
    pub fn label(self) -> Localized {
        let (ja, en) = match self {
            Level::Safe => ("安全", "safe"),
            Level::Caution => ("注意", "caution"),
            Level::Danger => ("危険", "danger"),
        };
        Localized {
            ja: ja.into(),
            en: en.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub level: Level,
    pub score: i32,
    /// Rule ids of the findings that weigh most, heaviest first.
    pub decided_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntentReport {
    /// `shipping`, `usage_support`, `stock_alternative`, `return_exchange`, `review_support`,
    /// `account_security`, `payment` or `other`.
    pub id: String,
    /// The guide's pattern id (`P1`…`P5`) when there is one.
    pub guide: Option<String>,
    pub name: Localized,
    pub score: u32,
}

/// Where a piece of evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    /// Words in the message text; `span` points into `message.text`.
    Text,
    /// A header; `header` names it.
    Header,
    /// A link; `link` indexes `links`.
    Link,
    /// An attachment; `attachment` indexes `attachments`.
    Attachment,
    /// Something ingest skipped or could not decode.
    Input,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub source: EvidenceSource,
    /// The exact words, address, header value or file name, as the reader sees them.
    pub excerpt: String,
    /// Byte span in `message.text` (the display text), for highlighting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Byte span in the normalised text the rule matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized_span: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment: Option<usize>,
}

impl Evidence {
    pub fn header(name: &str, value: impl Into<String>) -> Self {
        Evidence {
            source: EvidenceSource::Header,
            excerpt: value.into(),
            span: None,
            normalized_span: None,
            header: Some(name.to_string()),
            link: None,
            attachment: None,
        }
    }

    pub fn link(index: usize, excerpt: impl Into<String>, span: Option<Span>) -> Self {
        Evidence {
            source: EvidenceSource::Link,
            excerpt: excerpt.into(),
            span,
            normalized_span: None,
            header: None,
            link: Some(index),
            attachment: None,
        }
    }

    pub fn attachment(index: usize, name: impl Into<String>) -> Self {
        Evidence {
            source: EvidenceSource::Attachment,
            excerpt: name.into(),
            span: None,
            normalized_span: None,
            header: None,
            link: None,
            attachment: Some(index),
        }
    }

    pub fn input(detail: impl Into<String>) -> Self {
        Evidence {
            source: EvidenceSource::Input,
            excerpt: detail.into(),
            span: None,
            normalized_span: None,
            header: None,
            link: None,
            attachment: None,
        }
    }

    /// Words in the display text found without the normalised text (homoglyph checks).
    pub fn display_text(text: &str, span: Span) -> Self {
        Evidence {
            source: EvidenceSource::Text,
            excerpt: text.get(span.start..span.end).unwrap_or("").to_string(),
            span: Some(span),
            normalized_span: None,
            header: None,
            link: None,
            attachment: None,
        }
    }

    pub fn text(excerpt: impl Into<String>, span: Span, normalized_span: Span) -> Self {
        Evidence {
            source: EvidenceSource::Text,
            excerpt: excerpt.into(),
            span: Some(span),
            normalized_span: Some(normalized_span),
            header: None,
            link: None,
            attachment: None,
        }
    }
}

/// One reason for the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The knowledge rule that fired (`r3.gift_card_for_review`, `link.ip_host`, …).
    pub rule: String,
    /// `R1`–`R4`, `link`, `sender`, `attachment`, `input` or `trust`.
    pub family: String,
    pub severity: Severity,
    /// What this finding added to the score (after the same-family discount).
    pub weight: i32,
    pub explanation: Localized,
    pub advice: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// One link, judged without opening it.
#[derive(Debug, Clone, Serialize)]
pub struct LinkReport {
    /// The real target.
    pub href: String,
    /// What the reader sees.
    pub text: String,
    pub origin: LinkOrigin,
    /// Span of the visible text in `message.text`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// The target after unwrapping click-wrappers (SafeLinks, Proofpoint), when different.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unwrapped: Option<String>,
    pub host: Option<String>,
    pub registrable_domain: Option<String>,
    /// The brand that owns the target's domain, if any.
    pub owner: Option<String>,
    /// Rule ids of the findings this link caused.
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdviceItem {
    pub id: String,
    pub title: Localized,
    pub text: Localized,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplySuggestion {
    pub id: String,
    pub title: Localized,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageSummary {
    pub kind: InputKind,
    pub size: usize,
    pub subject: Option<String>,
    pub from: Option<Address>,
    pub reply_to: Vec<Address>,
    pub date: Option<String>,
    /// The text the reader sees; every `span` points into it.
    pub text: String,
}

/// Everything miwake says about one message.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub verdict: Verdict,
    pub intent: IntentReport,
    /// The brand the message claims to come from (`amazon`, `yamato`, …), if any.
    pub claimed_brand: Option<String>,
    /// E-mail only: who sent it, who vouched for it (SPF/DKIM/DMARC/ARC) and which route
    /// check decided. Absent for pasted text and bare URLs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<crate::analysis::route::RouteReport>,
    /// Heaviest first.
    pub findings: Vec<Finding>,
    pub advice: Vec<AdviceItem>,
    pub replies: Vec<ReplySuggestion>,
    /// Spans point into `message.text`.
    pub facts: Facts,
    pub links: Vec<LinkReport>,
    pub attachments: Vec<Attachment>,
    pub notes: Vec<IngestNote>,
    pub message: MessageSummary,
}

impl Report {
    /// The finding for a rule id, if it fired.
    pub fn finding(&self, rule: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.rule == rule)
    }

    /// True when any finding of the family (`R1`…`R4`, `link`, …) fired.
    pub fn has_family(&self, family: &str) -> bool {
        self.findings.iter().any(|f| f.family == family)
    }
}
