//! Safe replies: fill a reply template (T1–T14, `knowledge/replies.toml`) from the facts of a
//! checked message and from values the user gives, in Japanese or English.
//!
//! A template is a few short sentences. A sentence that holds a placeholder whose value is
//! unknown is dropped, so every template reads well with or without facts. Nothing rendered
//! may carry a link, an e-mail address, a phone number or a messenger ID: values that do are
//! refused, and the finished text is checked again before it is returned.
//!
//! ```
//! use miwake_core::reply::{render, ReplyValues};
//! use miwake_core::{Knowledge, Lang};
//!
//! let k = Knowledge::embedded().unwrap();
//! let values = ReplyValues { order: Some("250-1234567-7654321".into()), ..Default::default() };
//! let reply = render(k.reply("T1").unwrap(), Lang::Ja, &values).unwrap();
//! assert!(reply.text.starts_with("注文番号 250-1234567-7654321 の件です。"));
//! ```

use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::facts::FactExtractor;
use crate::knowledge::{Lang, Reply};
use crate::normalize::NormalizedText;
use crate::report::Report;

/// The placeholders a template may use, with what fills them.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("order", "order number (--order)"),
    ("date", "expected delivery date (--date)"),
    ("item", "item name (--item)"),
    ("missing", "what is missing (--missing)"),
];

/// Longest value the user may put into a reply.
pub const MAX_VALUE_CHARS: usize = 120;

/// Values that fill a template. `None` drops the sentences that need it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplyValues {
    pub order: Option<String>,
    pub date: Option<String>,
    pub item: Option<String>,
    pub missing: Option<String>,
}

impl ReplyValues {
    /// The facts a checked message gives: its first order number and its first date.
    /// Values that would not pass [`ReplyValues::validate`] are left out.
    pub fn from_report(report: &Report) -> Self {
        let order = report.facts.order_numbers.first().map(|o| o.value.clone());
        let date = report.facts.dates.first().map(|d| d.value.clone());
        let mut values = ReplyValues {
            order,
            date,
            item: None,
            missing: None,
        };
        values.drop_unsafe();
        values
    }

    /// Values given by the user win over those found in the message.
    pub fn or(self, fallback: ReplyValues) -> ReplyValues {
        ReplyValues {
            order: self.order.or(fallback.order),
            date: self.date.or(fallback.date),
            item: self.item.or(fallback.item),
            missing: self.missing.or(fallback.missing),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        match name {
            "order" => self.order.as_deref(),
            "date" => self.date.as_deref(),
            "item" => self.item.as_deref(),
            "missing" => self.missing.as_deref(),
            _ => None,
        }
        .map(str::trim)
        .filter(|v| !v.is_empty())
    }

    fn fields(&self) -> [(&'static str, Option<&String>); 4] {
        [
            ("order", self.order.as_ref()),
            ("date", self.date.as_ref()),
            ("item", self.item.as_ref()),
            ("missing", self.missing.as_ref()),
        ]
    }

    /// Refuse values that are too long, span lines, look like a template, or carry
    /// contact details; an order number must look like one (`250-1234567-1234567`).
    pub fn validate(&self) -> Result<(), ReplyError> {
        for (field, value) in self.fields() {
            if let Some(value) = value {
                check_value(field, value)?;
            }
        }
        Ok(())
    }

    fn drop_unsafe(&mut self) {
        let keep = |field: &str, v: &mut Option<String>| {
            if v.as_deref().is_some_and(|x| check_value(field, x).is_err()) {
                *v = None;
            }
        };
        keep("order", &mut self.order);
        keep("date", &mut self.date);
        keep("item", &mut self.item);
        keep("missing", &mut self.missing);
    }
}

/// A filled template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedReply {
    pub id: String,
    pub lang: Lang,
    pub title: String,
    pub text: String,
    /// Placeholders that had no value; their sentences were left out.
    pub omitted: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("{field}: {reason}")]
    UnsafeValue { field: String, reason: String },
    #[error("reply {id}: the rendered text contains {what} ({excerpt:?}); refusing to produce it")]
    ContactDetails {
        id: String,
        what: String,
        excerpt: String,
    },
    #[error("reply {id}: unknown placeholder {{{name}}}")]
    UnknownPlaceholder { id: String, name: String },
    #[error("reply {id}: nothing is left once sentences with unknown values are dropped")]
    Empty { id: String },
}

/// Fill `reply` in `lang`. Sentences whose placeholders have no value are left out.
pub fn render(
    reply: &Reply,
    lang: Lang,
    values: &ReplyValues,
) -> Result<RenderedReply, ReplyError> {
    values.validate()?;
    let template = reply.text.get(lang);
    let mut text = String::with_capacity(template.len() + 64);
    let mut omitted: Vec<String> = Vec::new();
    for sentence in sentences(template) {
        let names = placeholders(sentence);
        if let Some(bad) = names.iter().find(|n| !is_known(n)) {
            return Err(ReplyError::UnknownPlaceholder {
                id: reply.id.clone(),
                name: bad.to_string(),
            });
        }
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| values.get(n).is_none())
            .collect();
        if missing.is_empty() {
            text.push_str(&fill(sentence, values));
        } else {
            for name in missing {
                if !omitted.iter().any(|o| o == name) {
                    omitted.push(name.to_string());
                }
            }
        }
    }
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(ReplyError::Empty {
            id: reply.id.clone(),
        });
    }
    if let Some((what, excerpt)) = contact_details(&text) {
        return Err(ReplyError::ContactDetails {
            id: reply.id.clone(),
            what: what.to_string(),
            excerpt,
        });
    }
    Ok(RenderedReply {
        id: reply.id.clone(),
        lang,
        title: reply.title.get(lang).to_string(),
        text,
        omitted,
    })
}

/// Check every template of a knowledge set: known placeholders only, and text that renders
/// in both languages with and without values. Run at load time by the CLI and in tests.
pub fn validate_templates(replies: &[Reply]) -> Result<(), ReplyError> {
    let full = ReplyValues {
        order: Some("250-1234567-1234567".into()),
        date: Some("12月2日".into()),
        item: Some("USB充電器".into()),
        missing: Some("ACアダプター".into()),
    };
    for reply in replies {
        for lang in [Lang::Ja, Lang::En] {
            render(reply, lang, &ReplyValues::default())?;
            render(reply, lang, &full)?;
        }
    }
    Ok(())
}

/// What kind of contact detail `text` holds, and the excerpt, if any: a link, an e-mail
/// address, a phone number or a messenger ID. Order numbers are not phone numbers.
pub fn contact_details(text: &str) -> Option<(&'static str, String)> {
    let p = patterns();
    let without_orders = p.order.replace_all(text, " ");
    for (what, re) in [
        ("a link", &p.link),
        ("an e-mail address", &p.email),
        ("a phone number", &p.phone),
    ] {
        if let Some(m) = re.find(&without_orders) {
            return Some((what, m.as_str().to_string()));
        }
    }
    let normalized = NormalizedText::new(text);
    let facts = p.facts.extract(&normalized);
    let excerpt = |span: crate::message::Span| {
        normalized
            .text
            .get(span.start..span.end)
            .unwrap_or("")
            .to_string()
    };
    if let Some(u) = facts.urls.first() {
        return Some(("a link", excerpt(u.span)));
    }
    if let Some(e) = facts.emails.first() {
        return Some(("an e-mail address", excerpt(e.span)));
    }
    if let Some(ph) = facts.phones.first() {
        return Some(("a phone number", excerpt(ph.span)));
    }
    if let Some(m) = facts.messengers.iter().find(|m| !m.id.is_empty()) {
        return Some(("a messenger ID", m.id.clone()));
    }
    None
}

struct Patterns {
    order: Regex,
    link: Regex,
    email: Regex,
    phone: Regex,
    facts: FactExtractor,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        order: constant_re(r"(?i)\b(?:d01|[0-9]{3})-[0-9]{7}-[0-9]{7}\b"),
        link: constant_re(
            r"(?i)[a-z][a-z0-9+.-]*://|\bwww\.|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|jp|io|co|me|ly|cn|ru|top|xyz|site|online|shop|app|link|page)\b",
        ),
        email: constant_re(r"[^\s@]+@[^\s@]+\.[a-zA-Z]{2,}"),
        // Ten digits or more, written with separators or not, or `+` and eight digits.
        phone: constant_re(r"\+ ?[0-9][0-9 ()-]{7,}[0-9]|[0-9](?:[ ()-]?[0-9]){9,}"),
        facts: FactExtractor::new(),
    })
}

/// Compile a constant pattern (every one is compiled by the tests).
fn constant_re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("constant reply pattern must compile")
}

fn check_value(field: &str, value: &str) -> Result<(), ReplyError> {
    let unsafe_value = |reason: &str| ReplyError::UnsafeValue {
        field: field.to_string(),
        reason: reason.to_string(),
    };
    let value = value.trim();
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(unsafe_value(&format!(
            "longer than {MAX_VALUE_CHARS} characters; keep a reply short"
        )));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(unsafe_value("must be one line without control characters"));
    }
    if value.contains(['{', '}']) {
        return Err(unsafe_value("must not contain { or }"));
    }
    if field == "order" && !is_order_number(value) {
        return Err(unsafe_value(
            "does not look like an order number (e.g. 250-1234567-1234567)",
        ));
    }
    if let Some((what, excerpt)) = contact_details(value) {
        return Err(unsafe_value(&format!(
            "contains {what} ({excerpt}); replies never carry contact details or links"
        )));
    }
    Ok(())
}

/// `250-1234567-1234567` or a digital order `D01-1234567-1234567`.
pub fn is_order_number(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    match parts.as_slice() {
        [a, b, c] => {
            let head_ok = a.len() == 3
                && (a.bytes().all(|x| x.is_ascii_digit()) || a.eq_ignore_ascii_case("d01"));
            head_ok
                && b.len() == 7
                && c.len() == 7
                && b.bytes().chain(c.bytes()).all(|x| x.is_ascii_digit())
        }
        _ => false,
    }
}

fn is_known(name: &str) -> bool {
    PLACEHOLDERS.iter().any(|(p, _)| *p == name)
}

/// Sentences with their trailing punctuation and spaces: `。`, `．`, `.`, `?`, `!` end one.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = matches!(c, '。' | '．' | '？' | '！')
            || (matches!(c, '.' | '?' | '!')
                && chars.peek().is_none_or(|(_, next)| next.is_whitespace()));
        if ends {
            let mut end = i + c.len_utf8();
            while let Some(&(j, w)) = chars.peek() {
                if !w.is_whitespace() {
                    break;
                }
                end = j + w.len_utf8();
                chars.next();
            }
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Names of the `{placeholders}` in a sentence.
fn placeholders(sentence: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = sentence;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

fn fill(sentence: &str, values: &ReplyValues) -> String {
    let mut out = String::with_capacity(sentence.len() + 32);
    let mut rest = sentence;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        out.push_str(values.get(&after[..close]).unwrap_or(""));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Knowledge;

    fn knowledge() -> Knowledge {
        Knowledge::embedded().expect("embedded knowledge")
    }

    fn full_values() -> ReplyValues {
        ReplyValues {
            order: Some("250-1234567-7654321".into()),
            date: Some("2024/12/02".into()),
            item: Some("ワイヤレスイヤホン".into()),
            missing: Some("充電ケーブル".into()),
        }
    }

    #[test]
    fn every_template_renders_in_both_languages_with_and_without_facts() {
        let k = knowledge();
        assert!(k.replies.len() >= 14, "replies: {}", k.replies.len());
        for reply in &k.replies {
            for lang in [Lang::Ja, Lang::En] {
                let bare = render(reply, lang, &ReplyValues::default())
                    .unwrap_or_else(|e| panic!("{} {lang:?} without facts: {e}", reply.id));
                assert!(!bare.text.contains('{'), "{}: {}", reply.id, bare.text);
                assert!(!bare.text.contains("250-"), "{}: {}", reply.id, bare.text);
                let full = render(reply, lang, &full_values())
                    .unwrap_or_else(|e| panic!("{} {lang:?} with facts: {e}", reply.id));
                assert!(!full.text.contains('{'), "{}: {}", reply.id, full.text);
                assert!(full.omitted.is_empty(), "{}: {:?}", reply.id, full.omitted);
                if reply.text.get(lang).contains("{order}") {
                    assert!(full.text.contains("250-1234567-7654321"), "{}", full.text);
                    assert!(bare.omitted.contains(&"order".to_string()));
                }
            }
        }
    }

    #[test]
    fn no_rendered_reply_contains_a_url_email_or_phone_number() {
        let k = knowledge();
        let value_sets = [
            ReplyValues::default(),
            full_values(),
            ReplyValues {
                order: Some("D01-7654321-1234567".into()),
                date: Some("Dec 2".into()),
                item: Some("Cable, 2 m (USB-C)".into()),
                missing: Some("2 screws".into()),
            },
        ];
        for reply in &k.replies {
            for lang in [Lang::Ja, Lang::En] {
                for values in &value_sets {
                    let r = render(reply, lang, values).expect("renders");
                    assert_eq!(contact_details(&r.text), None, "{}: {}", reply.id, r.text);
                    for needle in ["http", "www.", "@", "://", ".com", ".jp"] {
                        assert!(!r.text.contains(needle), "{}: {}", reply.id, r.text);
                    }
                }
            }
        }
    }

    #[test]
    fn the_contact_detail_check_catches_links_addresses_and_phones() {
        for bad in [
            "詳しくは https://example.com/x をご覧ください。",
            "www.example.jp",
            "amazon-support.top/login",
            "連絡先 seller@example.com です。",
            "お電話 090-1234-5678 まで。",
            "Call +1 (206) 555 0100 now.",
            "0312345678",
            "LINE ID: scam_123 に追加してください。",
        ] {
            assert!(contact_details(bad).is_some(), "not caught: {bad}");
        }
        for good in [
            "注文番号 250-1234567-7654321 の件です。",
            "到着予定日は 2024-12-02 でした。",
            "Order D01-1234567-7654321, item 2 of 3.",
        ] {
            assert_eq!(contact_details(good), None, "{good}");
        }
    }

    #[test]
    fn user_values_with_contact_details_are_refused() {
        let k = knowledge();
        let t3 = k.reply("T3").expect("T3");
        for values in [
            ReplyValues {
                missing: Some("see https://evil.example/x".into()),
                ..Default::default()
            },
            ReplyValues {
                item: Some("call 03-1234-5678".into()),
                ..Default::default()
            },
            ReplyValues {
                order: Some("12345".into()),
                ..Default::default()
            },
            ReplyValues {
                missing: Some("a\nb".into()),
                ..Default::default()
            },
        ] {
            let err = render(t3, Lang::Ja, &values).expect_err("must refuse");
            assert!(matches!(err, ReplyError::UnsafeValue { .. }), "{err}");
        }
    }

    #[test]
    fn missing_parts_reply_names_what_is_missing_and_drops_the_sentence_without_it() {
        let k = knowledge();
        let t3 = k.reply("T3").expect("T3");
        let with = render(t3, Lang::Ja, &full_values()).expect("renders");
        assert!(with.text.contains("充電ケーブル"), "{}", with.text);
        let without = render(t3, Lang::Ja, &ReplyValues::default()).expect("renders");
        assert!(!without.text.contains("充電ケーブル"));
        assert!(
            without.text.contains("同梱品が不足しています。"),
            "{}",
            without.text
        );
        assert!(without.omitted.contains(&"missing".to_string()));
    }

    #[test]
    fn unknown_placeholders_are_an_error() {
        let reply = Reply {
            id: "X1".into(),
            title: Default::default(),
            text: crate::knowledge::Localized {
                ja: "注文 {order} です。{phone} へどうぞ。".into(),
                en: "x".into(),
            },
        };
        let err = render(&reply, Lang::Ja, &ReplyValues::default()).expect_err("unknown");
        assert!(
            matches!(err, ReplyError::UnknownPlaceholder { .. }),
            "{err}"
        );
        assert!(validate_templates(&[reply]).is_err());
        assert!(validate_templates(&knowledge().replies).is_ok());
    }

    #[test]
    fn english_sentences_split_on_full_stops_not_inside_words() {
        assert_eq!(
            sentences("This is about order {order}. Could you check? Thanks!"),
            vec![
                "This is about order {order}. ",
                "Could you check? ",
                "Thanks!"
            ]
        );
        assert_eq!(sentences("A。B。"), vec!["A。", "B。"]);
    }

    #[test]
    fn order_numbers_are_recognised() {
        assert!(is_order_number("250-1234567-7654321"));
        assert!(is_order_number("D01-1234567-7654321"));
        assert!(!is_order_number("250-123456-7654321"));
        assert!(!is_order_number("abc-1234567-7654321"));
    }
}
