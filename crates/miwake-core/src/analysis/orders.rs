//! The message against the user's own orders (imported from the platform's order-history
//! export). The core does no I/O: the caller passes the orders in as an [`OrderContext`].
//!
//! - a cited order number that is not among the user's orders → `order.not_yours`;
//! - a tracking number that is not the one recorded for the cited order → `order.tracking_mismatch`;
//! - a cited order that is the user's → `order.matches` (no weight: a dishonest seller knows
//!   its buyers' order numbers too), with the advice to confirm on the order page (W2).
//!
//! Rules and wording live in `knowledge/rules/orders.toml`.

use std::collections::HashMap;

use crate::knowledge::{Knowledge, Localized, Rule};
use crate::report::{AdviceItem, Evidence, Finding, Level, Report};

/// One order the user placed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownOrder {
    /// `250-1234567-1234567`.
    pub id: String,
    /// As exported (`2024-11-28T03:12:45Z`, `2024/11/28`).
    pub date: Option<String>,
    /// Product names, one per item.
    pub items: Vec<String>,
    /// Tracking numbers recorded for the order's shipments.
    pub tracking: Vec<String>,
}

/// The user's orders, looked up by order number.
#[derive(Debug, Clone, Default)]
pub struct OrderContext {
    orders: HashMap<String, KnownOrder>,
}

impl OrderContext {
    pub fn new(orders: impl IntoIterator<Item = KnownOrder>) -> Self {
        OrderContext {
            orders: orders
                .into_iter()
                .map(|o| (normalize_order_id(&o.id), o))
                .collect(),
        }
    }

    /// No orders imported: the order checks stay silent.
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn get(&self, order_id: &str) -> Option<&KnownOrder> {
        self.orders.get(&normalize_order_id(order_id))
    }
}

/// Upper case, no spaces: how order numbers are compared.
pub fn normalize_order_id(id: &str) -> String {
    id.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

fn normalize_tracking(t: &str) -> String {
    t.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Add the order findings to `report` and weigh the verdict again.
pub fn apply(report: &mut Report, knowledge: &Knowledge, orders: &OrderContext) {
    if orders.is_empty() {
        return;
    }
    let mut added = Vec::new();
    let mut matched: Option<&KnownOrder> = None;
    for cited in &report.facts.order_numbers {
        let evidence = Evidence::display_text(&report.message.text, cited.span);
        match orders.get(&cited.value) {
            None => {
                if let Some(f) = finding(knowledge, "order.not_yours", evidence, |t| {
                    t.replace("{order}", &cited.value)
                }) {
                    added.push(f);
                }
            }
            Some(order) => {
                let date = order.date.as_deref().unwrap_or("").trim();
                let date = date.split('T').next().unwrap_or(date);
                let item: String = order.items.first().map_or(String::new(), |i| {
                    let short: String = i.chars().take(40).collect();
                    if short.len() < i.len() {
                        format!("{short}…")
                    } else {
                        short
                    }
                });
                if let Some(f) = finding(knowledge, "order.matches", evidence, |t| {
                    t.replace("{order}", &order.id)
                        .replace("{date}", date)
                        .replace("{item}", &item)
                        .replace("( ", "(")
                        .replace(" )", ")")
                        .replace("()", "")
                }) {
                    added.push(f);
                }
                matched.get_or_insert(order);
            }
        }
    }
    if let Some(order) = matched.filter(|o| !o.tracking.is_empty()) {
        let recorded: Vec<String> = order
            .tracking
            .iter()
            .map(|t| normalize_tracking(t))
            .collect();
        for t in &report.facts.tracking_numbers {
            if recorded.contains(&normalize_tracking(&t.number)) {
                continue;
            }
            let evidence = Evidence::display_text(&report.message.text, t.span);
            if let Some(f) = finding(knowledge, "order.tracking_mismatch", evidence, |x| {
                x.replace("{order}", &order.id)
                    .replace("{tracking}", &t.number)
            }) {
                added.push(f);
            }
        }
    }
    if added.is_empty() {
        return;
    }
    reweigh(report, knowledge, added);
}

fn finding(
    knowledge: &Knowledge,
    rule_id: &str,
    evidence: Evidence,
    fill: impl Fn(&str) -> String,
) -> Option<Finding> {
    let rule: &Rule = knowledge.rule(rule_id)?;
    Some(Finding {
        rule: rule.id.clone(),
        family: rule.family.clone(),
        severity: rule.severity,
        weight: rule
            .weight
            .unwrap_or_else(|| knowledge.scoring.weight_of(rule.severity)),
        explanation: Localized {
            ja: fill(&rule.explain.ja),
            en: fill(&rule.explain.en),
        },
        advice: rule.advice.clone(),
        evidence: vec![evidence],
    })
}

/// Add findings to an already weighed report: a second order finding counts
/// `repeat_percent` of its weight, as within any family; then score, level, the deciding
/// findings and advice follow.
fn reweigh(report: &mut Report, knowledge: &Knowledge, added: Vec<Finding>) {
    let mut positive_seen = report
        .findings
        .iter()
        .any(|f| f.family == "order" && f.weight > 0);
    let mut total: i32 = report.findings.iter().map(|f| f.weight).sum();
    for mut f in added {
        if f.weight > 0 {
            if positive_seen {
                f.weight = f.weight * knowledge.scoring.repeat_percent / 100;
            }
            positive_seen = true;
        }
        total += f.weight;
        report.findings.push(f);
    }
    report
        .findings
        .sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.rule.cmp(&b.rule)));
    let score = total.max(0);
    let level = if score >= knowledge.scoring.danger_at {
        Level::Danger
    } else if score >= knowledge.scoring.caution_at {
        Level::Caution
    } else {
        Level::Safe
    };
    report.verdict.score = score;
    report.verdict.level = level;
    report.verdict.decided_by = report
        .findings
        .iter()
        .filter(|f| f.weight > 0)
        .take(3)
        .map(|f| f.rule.clone())
        .collect();
    let mut advice_ids: Vec<String> = Vec::new();
    if level == Level::Danger {
        advice_ids.push("A4".into());
    }
    for f in report.findings.iter().filter(|f| f.family == "order") {
        if f.weight > 0 && level == Level::Safe {
            continue;
        }
        advice_ids.extend(f.advice.iter().cloned());
    }
    for id in advice_ids {
        if report.advice.iter().any(|a| a.id == id) {
            continue;
        }
        if let Some(a) = knowledge.advice(&id) {
            let item = AdviceItem {
                id: a.id.clone(),
                title: a.title.clone(),
                text: a.text.clone(),
            };
            if id == "A4" {
                report.advice.insert(0, item);
            } else {
                report.advice.push(item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Analyzer;

    fn context() -> OrderContext {
        OrderContext::new([KnownOrder {
            id: "250-1234567-7654321".into(),
            date: Some("2024-11-28T03:12:45Z".into()),
            items: vec!["ワイヤレスイヤホン, 充電ケース付き".into()],
            tracking: vec!["TBA123456789012".into()],
        }])
    }

    fn analyze(text: &str, ctx: &OrderContext) -> Report {
        Analyzer::embedded()
            .expect("analyzer")
            .analyze_with_orders(text.as_bytes(), ctx)
    }

    #[test]
    fn an_order_number_the_user_never_placed_is_a_finding() {
        let r = analyze(
            "注文番号 503-9999999-1111111 の商品を発送しました。到着予定は12月2日です。",
            &context(),
        );
        let f = r.finding("order.not_yours").expect("not_yours");
        assert!(
            f.explanation.ja.contains("503-9999999-1111111"),
            "{}",
            f.explanation.ja
        );
        assert_eq!(f.evidence[0].excerpt, "503-9999999-1111111");
        assert!(r.verdict.level >= Level::Caution, "{:?}", r.verdict);
        assert!(r
            .verdict
            .decided_by
            .contains(&"order.not_yours".to_string()));
    }

    #[test]
    fn a_matching_order_says_so_and_does_not_change_the_verdict() {
        let text = "注文番号 250-1234567-7654321 の商品を本日発送しました。追跡番号は TBA123456789012 です。";
        let plain = analyze(text, &OrderContext::default());
        let with = analyze(text, &context());
        let f = with.finding("order.matches").expect("matches");
        assert_eq!(f.weight, 0);
        assert!(
            f.explanation.ja.contains("2024-11-28"),
            "{}",
            f.explanation.ja
        );
        assert!(
            f.explanation.en.contains("ワイヤレスイヤホン"),
            "{}",
            f.explanation.en
        );
        assert!(with.finding("order.tracking_mismatch").is_none());
        assert_eq!(with.verdict.level, plain.verdict.level);
        assert_eq!(with.verdict.score, plain.verdict.score);
        assert!(with.advice.iter().any(|a| a.id == "W2"));
    }

    #[test]
    fn a_tracking_number_that_is_not_the_orders_is_a_finding() {
        let r = analyze(
            "注文番号 250-1234567-7654321 の商品を発送しました。追跡番号は TBA999999999999 です。",
            &context(),
        );
        let f = r.finding("order.tracking_mismatch").expect("mismatch");
        assert!(
            f.explanation.en.contains("TBA999999999999"),
            "{}",
            f.explanation.en
        );
        assert!(r.finding("order.matches").is_some());
        assert!(r.verdict.score >= 20, "{:?}", r.verdict);
    }

    #[test]
    fn without_imported_orders_nothing_changes() {
        let text = "注文番号 503-9999999-1111111 の商品を発送しました。";
        let r = analyze(text, &OrderContext::default());
        assert!(!r.findings.iter().any(|f| f.family == "order"));
    }
}
