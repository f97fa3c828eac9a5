//! What `miwake scan` keeps of one message: a small row, made on the worker thread.

use miwake_core::knowledge::Localized;
use miwake_core::message::InputKind;
use miwake_core::{Level, Report};
use serde::Serialize;

/// The main reason for a verdict: the heaviest finding.
#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub rule: String,
    pub explanation: Localized,
}

/// One scanned message (`"type": "message"` in `--json`).
#[derive(Debug, Clone, Serialize)]
pub struct MessageRow {
    pub source: String,
    pub level: Level,
    pub score: i32,
    pub intent: String,
    #[serde(skip)]
    pub intent_name: Localized,
    pub kind: InputKind,
    pub date: Option<String>,
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
    pub claimed_brand: Option<String>,
    pub reason: Option<Reason>,
    /// Rule ids of every finding, heaviest first.
    pub findings: Vec<String>,
    #[serde(skip)]
    pub finding_explanations: Vec<Localized>,
    /// The message was longer than the scan reads; only its start was judged.
    pub truncated: bool,
}

/// A message that could not be read (`"type": "unreadable"`).
#[derive(Debug, Clone, Serialize)]
pub struct UnreadableRow {
    pub source: String,
    pub error: String,
}

#[derive(Debug, Clone)]
pub enum Row {
    Message(Box<MessageRow>),
    Unreadable(UnreadableRow),
}

impl MessageRow {
    pub fn new(source: String, report: &Report, truncated: bool) -> Self {
        let from = report.message.from.as_ref();
        MessageRow {
            source,
            level: report.verdict.level,
            score: report.verdict.score,
            intent: report.intent.id.clone(),
            intent_name: report.intent.name.clone(),
            kind: report.message.kind,
            date: report.message.date.clone(),
            from: from.and_then(|a| a.address.clone()),
            from_name: from.and_then(|a| a.name.clone()),
            subject: report.message.subject.clone(),
            claimed_brand: report.claimed_brand.clone(),
            reason: report.findings.first().map(|f| Reason {
                rule: f.rule.clone(),
                explanation: f.explanation.clone(),
            }),
            findings: report.findings.iter().map(|f| f.rule.clone()).collect(),
            finding_explanations: report
                .findings
                .iter()
                .map(|f| f.explanation.clone())
                .collect(),
            truncated,
        }
    }
}
