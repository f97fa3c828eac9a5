//! Suggested replies, filled with the facts found.
//!
//! Templates come from the knowledge (`knowledge/replies.toml`); a placeholder (`{order}`,
//! `{date}`) is filled with the first such fact, and the sentence holding it is dropped when
//! the fact is unknown (the templates keep each placeholder in a sentence of its own).

use miwake_core::{Analyzer, Lang, Report};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ReplyView {
    pub id: String,
    pub title: String,
    pub text: String,
}

pub fn suggested(analyzer: &Analyzer, report: &Report, lang: Lang) -> Vec<ReplyView> {
    let order = report.facts.order_numbers.first().map(|o| o.value.as_str());
    let date = report.facts.dates.first().map(|d| d.value.as_str());
    report
        .replies
        .iter()
        .filter_map(|r| analyzer.knowledge().reply(&r.id))
        .map(|reply| ReplyView {
            id: reply.id.clone(),
            title: reply.title.get(lang).to_string(),
            text: fill(
                reply.text.get(lang),
                &[("{order}", order), ("{date}", date)],
            ),
        })
        .collect()
}

fn fill(template: &str, values: &[(&str, Option<&str>)]) -> String {
    sentences(template)
        .filter_map(|sentence| {
            let mut out = sentence.to_string();
            for (placeholder, value) in values {
                if out.contains(placeholder) {
                    out = out.replace(placeholder, (*value)?);
                }
            }
            Some(out)
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Sentences with their closing punctuation and following spaces.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .char_indices()
            .find(|&(_, c)| matches!(c, '。' | '.' | '?' | '!' | '？' | '！'))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(rest.len());
        let end = end + rest[end..].len() - rest[end..].trim_start().len();
        let (sentence, tail) = rest.split_at(end);
        rest = tail;
        Some(sentence)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_or_drops_the_sentence() {
        let t = "注文番号 {order} の件です。配送が遅れています。";
        assert_eq!(
            fill(t, &[("{order}", Some("250-1234567-1234567"))]),
            "注文番号 250-1234567-1234567 の件です。配送が遅れています。"
        );
        assert_eq!(fill(t, &[("{order}", None)]), "配送が遅れています。");
        let en = "This is about order {order}. The delivery is late.";
        assert_eq!(fill(en, &[("{order}", None)]), "The delivery is late.");
    }

    #[test]
    fn replies_for_a_late_delivery_carry_the_order_number() {
        let analyzer = Analyzer::embedded().unwrap();
        let report = analyzer.analyze(
            "注文番号 250-3918274-6630211 の商品がまだ届きません。到着予定日を過ぎています。"
                .as_bytes(),
        );
        let replies = suggested(&analyzer, &report, Lang::Ja);
        assert!(!replies.is_empty(), "{:?}", report.replies);
        assert!(replies.iter().all(|r| !r.text.contains('{')));
        assert!(
            replies
                .iter()
                .any(|r| r.text.contains("250-3918274-6630211")),
            "{replies:?}"
        );
    }
}
