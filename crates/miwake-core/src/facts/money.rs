//! Money amounts: `¥1,000`, `1000円`, `5万円`, `$49.99`, `USD 10`, `€5`, `£20`.

use regex::{Captures, Regex};

use super::{byte_after, byte_before, dedup_overlapping, re, Amount};
use crate::message::Span;

const NUMBER: &str = r"[0-9][0-9,]*(?:\.[0-9]+)?";

#[derive(Debug)]
pub(super) struct Money {
    /// Currency before the number, or after it; one alternation, captures tell which.
    amount: Regex,
}

impl Money {
    pub fn new() -> Self {
        Money {
            amount: re(&format!(
                r"(?P<pre>us\$|[¥$€£]|usd|jpy|eur|gbp) ?(?P<n1>{NUMBER})|(?P<n2>{NUMBER}) ?(?P<post>万円|円|yen|usd|jpy|eur|gbp|dollars?|ドル|ユーロ|ポンド|€)"
            )),
        }
    }

    pub fn amounts(&self, text: &str) -> Vec<Amount> {
        let mut out = Vec::new();
        for caps in self.amount.captures_iter(text) {
            if let Some(a) = amount(text, &caps) {
                out.push(a);
            }
            if out.len() >= super::MAX_PER_KIND * 2 {
                break;
            }
        }
        dedup_overlapping(out, |a| a.span)
    }
}

fn amount(text: &str, caps: &Captures<'_>) -> Option<Amount> {
    let whole = caps.get(0)?;
    let (unit, number) = match (caps.name("pre"), caps.name("n1")) {
        (Some(p), Some(n)) => (p, n),
        _ => (caps.name("post")?, caps.name("n2")?),
    };
    let digits = number.as_str().trim_end_matches(',');
    let end = if caps.name("pre").is_some() {
        number.start() + digits.len()
    } else {
        whole.end()
    };
    if !bounded(text, whole.start(), end, unit.as_str()) {
        return None;
    }
    let (currency, scale) = currency_of(unit.as_str())?;
    let value: f64 = digits.replace(',', "").parse().ok()?;
    Some(Amount {
        currency: currency.to_string(),
        value: value * scale,
        span: Span::new(whole.start(), end),
    })
}

/// Letters and digits must not run into the match ("abcusd 5", "5 usdt", "2usd").
fn bounded(text: &str, start: usize, end: usize, unit: &str) -> bool {
    let prev = byte_before(text, start);
    if prev.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.') {
        return false;
    }
    let next = byte_after(text, end);
    let unit_is_word = unit.bytes().all(|b| b.is_ascii_alphabetic());
    match next {
        Some(b) if b.is_ascii_digit() => false,
        Some(b) if unit_is_word => !b.is_ascii_alphanumeric(),
        _ => true,
    }
}

fn currency_of(unit: &str) -> Option<(&'static str, f64)> {
    Some(match unit {
        "万円" => ("JPY", 10_000.0),
        "¥" | "円" | "yen" | "jpy" => ("JPY", 1.0),
        "$" | "us$" | "usd" | "dollar" | "dollars" | "ドル" => ("USD", 1.0),
        "€" | "eur" | "ユーロ" => ("EUR", 1.0),
        "£" | "gbp" | "ポンド" => ("GBP", 1.0),
        _ => return None,
    })
}
