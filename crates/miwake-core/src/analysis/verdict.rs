//! From findings to a verdict: weigh, sort, pick advice and replies, assemble the report.

use crate::analysis::content_rules::RuleMatch;
use crate::analysis::intent::IntentScore;
use crate::analysis::Hit;
use crate::facts::Facts;
use crate::knowledge::{Knowledge, Localized, Rule};
use crate::message::{Message, Span};
use crate::normalize::NormalizedText;
use crate::report::{
    AdviceItem, Evidence, Finding, IntentReport, Level, LinkReport, MessageSummary,
    ReplySuggestion, Report, Verdict, SCHEMA_VERSION,
};

/// The advice every dangerous message gets: don't click, don't reply, report (A4).
const DANGER_ADVICE: &str = "A4";

/// Everything the report is built from.
pub struct Parts<'a> {
    pub knowledge: &'a Knowledge,
    pub message: Message,
    pub normalized: &'a NormalizedText,
    pub facts: Facts,
    pub rule_matches: Vec<RuleMatch>,
    pub hits: Vec<Hit>,
    pub link_reports: Vec<LinkReport>,
    pub intent: IntentScore,
    pub claimed_brand: Option<String>,
    pub route: Option<crate::analysis::route::RouteReport>,
}

pub fn build_report(p: Parts<'_>) -> Report {
    let k = p.knowledge;
    let mut findings: Vec<Finding> = Vec::with_capacity(p.rule_matches.len() + p.hits.len());
    for m in &p.rule_matches {
        if let Some(rule) = k.rules.get(m.rule) {
            let evidence = m
                .spans
                .iter()
                .map(|s| text_evidence(&p.message.display_text, p.normalized, *s))
                .collect();
            findings.push(finding(k, rule, evidence));
        }
    }
    for hit in p.hits {
        if let Some(rule) = k.rule(hit.rule) {
            findings.push(finding(k, rule, hit.evidence));
        }
    }
    let score = weigh(k, &mut findings);
    let level = level_for(k, score);
    let intent = intent_report(k, p.intent);
    let advice = pick_advice(k, level, &findings, p.intent);
    let replies = pick_replies(k, level, &findings, p.intent);
    let decided_by = findings
        .iter()
        .filter(|f| f.weight > 0)
        .take(3)
        .map(|f| f.rule.clone())
        .collect();
    let facts = facts_in_display_text(p.facts, p.normalized);
    let m = p.message;
    Report {
        schema_version: SCHEMA_VERSION,
        verdict: Verdict {
            level,
            score,
            decided_by,
        },
        intent,
        claimed_brand: p.claimed_brand,
        route: p.route,
        findings,
        advice,
        replies,
        facts,
        links: p.link_reports,
        attachments: m.attachments,
        notes: m.notes,
        message: MessageSummary {
            kind: m.kind,
            size: m.raw_size,
            subject: m.headers.subject,
            from: m.headers.from,
            reply_to: m.headers.reply_to,
            date: m.headers.date,
            text: m.display_text,
        },
    }
}

fn text_evidence(display: &str, normalized: &NormalizedText, span: Span) -> Evidence {
    let shown = normalized.to_original(span);
    let excerpt = display
        .get(shown.start..shown.end)
        .unwrap_or("")
        .to_string();
    Evidence::text(excerpt, shown, span)
}

fn finding(k: &Knowledge, rule: &Rule, evidence: Vec<Evidence>) -> Finding {
    Finding {
        rule: rule.id.clone(),
        family: rule.family.clone(),
        severity: rule.severity,
        weight: rule
            .weight
            .unwrap_or_else(|| k.scoring.weight_of(rule.severity)),
        explanation: rule.explain.clone(),
        advice: rule.advice.clone(),
        evidence,
    }
}

/// Sort heaviest first and discount repeats within a family; returns the total score.
/// Trust in the route (an authenticated brand sender) never cancels what the content
/// asks for: with any R1–R4 or attachment finding, trust weighs nothing.
fn weigh(k: &Knowledge, findings: &mut [Finding]) -> i32 {
    let content_flagged = findings.iter().any(|f| {
        f.weight > 0 && matches!(f.family.as_str(), "R1" | "R2" | "R3" | "R4" | "attachment")
    });
    if content_flagged {
        findings
            .iter_mut()
            .filter(|f| f.family == "trust" && f.weight < 0)
            .for_each(|f| f.weight = 0);
    }
    findings.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.rule.cmp(&b.rule)));
    // A handful of families: a list beats a hash map.
    let mut seen: Vec<&str> = Vec::new();
    let mut total = 0;
    for f in findings.iter_mut() {
        if f.weight > 0 {
            let family = family_key(&f.family);
            if seen.contains(&family) {
                f.weight = f.weight * k.scoring.repeat_percent / 100;
            } else {
                seen.push(family);
            }
        }
        total += f.weight;
    }
    total.max(0)
}

fn family_key(family: &str) -> &'static str {
    match family {
        "R1" => "R1",
        "R2" => "R2",
        "R3" => "R3",
        "R4" => "R4",
        "link" => "link",
        "sender" => "sender",
        "attachment" => "attachment",
        "input" => "input",
        "auth" => "auth",
        _ => "other",
    }
}

fn level_for(k: &Knowledge, score: i32) -> Level {
    if score >= k.scoring.danger_at {
        Level::Danger
    } else if score >= k.scoring.caution_at {
        Level::Caution
    } else {
        Level::Safe
    }
}

fn intent_report(k: &Knowledge, score: IntentScore) -> IntentReport {
    match score.intent.and_then(|i| k.intents.get(i)) {
        Some(intent) => IntentReport {
            id: intent.id.clone(),
            guide: intent.guide.clone(),
            name: intent.name.clone(),
            score: score.score,
        },
        None => IntentReport {
            id: "other".into(),
            guide: None,
            name: Localized {
                ja: "その他".into(),
                en: "Other".into(),
            },
            score: score.score,
        },
    }
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|x| x == id) {
        list.push(id.to_string());
    }
}

fn pick_advice(
    k: &Knowledge,
    level: Level,
    findings: &[Finding],
    intent: IntentScore,
) -> Vec<AdviceItem> {
    let mut ids: Vec<String> = Vec::new();
    if level == Level::Danger {
        push_unique(&mut ids, DANGER_ADVICE);
    }
    if level != Level::Safe {
        for f in findings.iter().filter(|f| f.weight > 0) {
            f.advice.iter().for_each(|a| push_unique(&mut ids, a));
        }
    }
    if let Some(intent) = intent.intent.and_then(|i| k.intents.get(i)) {
        intent.advice.iter().for_each(|a| push_unique(&mut ids, a));
    }
    ids.iter()
        .filter_map(|id| k.advice(id))
        .map(|a| AdviceItem {
            id: a.id.clone(),
            title: a.title.clone(),
            text: a.text.clone(),
        })
        .collect()
}

/// Replies fit the message: the intent's replies unless it is dangerous (then one should not
/// reply at all, except to refuse what the findings ask).
fn pick_replies(
    k: &Knowledge,
    level: Level,
    findings: &[Finding],
    intent: IntentScore,
) -> Vec<ReplySuggestion> {
    let mut ids: Vec<String> = Vec::new();
    for f in findings.iter().filter(|f| f.weight > 0) {
        if let Some(rule) = k.rule(&f.rule) {
            rule.replies.iter().for_each(|r| push_unique(&mut ids, r));
        }
    }
    if level != Level::Danger {
        if let Some(intent) = intent.intent.and_then(|i| k.intents.get(i)) {
            intent.replies.iter().for_each(|r| push_unique(&mut ids, r));
        }
    }
    ids.iter()
        .filter_map(|id| k.reply(id))
        .map(|r| ReplySuggestion {
            id: r.id.clone(),
            title: r.title.clone(),
        })
        .collect()
}

/// Facts come with normalised-text spans; the report speaks in display-text spans.
fn facts_in_display_text(mut f: Facts, n: &NormalizedText) -> Facts {
    let map = |s: &mut Span| *s = n.to_original(*s);
    f.order_numbers.iter_mut().for_each(|x| map(&mut x.span));
    f.tracking_numbers.iter_mut().for_each(|x| map(&mut x.span));
    f.urls.iter_mut().for_each(|x| map(&mut x.span));
    f.emails.iter_mut().for_each(|x| map(&mut x.span));
    f.phones.iter_mut().for_each(|x| map(&mut x.span));
    f.messengers.iter_mut().for_each(|x| map(&mut x.span));
    f.amounts.iter_mut().for_each(|x| map(&mut x.span));
    f.dates.iter_mut().for_each(|x| map(&mut x.span));
    f.deadlines.iter_mut().for_each(|x| map(&mut x.span));
    f.gift_cards.iter_mut().for_each(|x| map(&mut x.span));
    f
}
