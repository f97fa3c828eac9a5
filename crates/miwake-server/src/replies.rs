//! Suggested replies, filled with the facts found (and the values the user typed), rendered
//! by `miwake_core::reply`: a sentence whose value is unknown is left out, and nothing with a
//! link or contact details is ever produced.

use std::collections::HashMap;

use miwake_core::reply::{render, ReplyValues};
use miwake_core::{Analyzer, Lang, Report};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ReplyView {
    pub id: String,
    pub title: String,
    pub text: String,
    /// Placeholders left out for want of a value (`order`, `date`, `item`, `missing`).
    pub omitted: Vec<String>,
}

/// What the replies were filled with, and why the user's values were refused, if they were.
#[derive(Debug, Clone, Serialize)]
pub struct Replies {
    pub replies: Vec<ReplyView>,
    pub values: ReplyValues,
    pub problem: Option<String>,
}

/// The user's values from a query or JSON object: `order`, `date`, `item`, `missing`.
pub fn values_from(params: &HashMap<String, String>) -> ReplyValues {
    let get = |k: &str| {
        params
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    ReplyValues {
        order: get("order"),
        date: get("date"),
        item: get("item"),
        missing: get("missing"),
    }
}

pub fn suggested(analyzer: &Analyzer, report: &Report, lang: Lang, user: ReplyValues) -> Replies {
    let found = ReplyValues::from_report(report);
    let (values, problem) = match user.validate() {
        Ok(()) => (user.or(found), None),
        Err(e) => (found, Some(e.to_string())),
    };
    let replies = report
        .replies
        .iter()
        .filter_map(|r| analyzer.knowledge().reply(&r.id))
        .filter_map(|reply| render(reply, lang, &values).ok())
        .map(|r| ReplyView {
            id: r.id,
            title: r.title,
            text: r.text,
            omitted: r.omitted,
        })
        .collect();
    Replies {
        replies,
        values,
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LATE: &str =
        "注文番号 250-3918274-6630211 の商品がまだ届きません。到着予定日を過ぎています。";

    #[test]
    fn replies_for_a_late_delivery_carry_the_order_number() {
        let analyzer = Analyzer::embedded().unwrap();
        let report = analyzer.analyze(LATE.as_bytes());
        let r = suggested(&analyzer, &report, Lang::Ja, ReplyValues::default());
        assert!(!r.replies.is_empty(), "{:?}", report.replies);
        assert!(r.replies.iter().all(|r| !r.text.contains('{')));
        assert!(
            r.replies
                .iter()
                .any(|r| r.text.contains("250-3918274-6630211")),
            "{:?}",
            r.replies
        );
        assert!(r.problem.is_none());
    }

    #[test]
    fn user_values_win_and_unsafe_ones_are_refused() {
        let analyzer = Analyzer::embedded().unwrap();
        let report = analyzer.analyze(LATE.as_bytes());
        let mut params = HashMap::new();
        params.insert("order".to_string(), "250-1111111-2222222".to_string());
        let r = suggested(&analyzer, &report, Lang::En, values_from(&params));
        assert!(r
            .replies
            .iter()
            .any(|r| r.text.contains("250-1111111-2222222")));
        params.insert("item".to_string(), "see https://evil.example".to_string());
        let r = suggested(&analyzer, &report, Lang::En, values_from(&params));
        assert!(r.problem.is_some());
        assert!(r.replies.iter().all(|r| !r.text.contains("evil")));
        assert!(r
            .replies
            .iter()
            .any(|r| r.text.contains("250-3918274-6630211")));
    }
}
