//! Money amounts: `¥1,000`, `1000円`, `5万円`, `$49.99`, `USD 10`, `€5`, `£20`.

use regex::{Captures, Regex};

use super::windows::{captures_in, windows, ByteSet, Reach};
use super::{byte_after, byte_before, dedup_overlapping, re, Amount};
use crate::message::Span;

const NUMBER: &str = r"[0-9][0-9,]*(?:\.[0-9]+)?";

/// Currencies written before / after a number, as in the pattern.
const PREFIXES: &[&str] = &["us$", "¥", "$", "€", "£", "usd", "jpy", "eur", "gbp"];
const SUFFIXES: &[&str] = &[
    "万円",
    "円",
    "yen",
    "usd",
    "jpy",
    "eur",
    "gbp",
    "dollar",
    "ドル",
    "ユーロ",
    "ポンド",
    "€",
];

/// A number's digits, commas and point; before it at most "us$ " (4 bytes), after it at
/// most " ユーロ" / " ポンド" (10 bytes). Its first digit run follows the currency, or its
/// last one precedes it.
const AMOUNT_REACH: Reach = Reach {
    seed: beside_currency,
    core: ByteSet::digits_and(false, b",."),
    before: 4,
    after: 10,
    min_digits: 1,
};

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

    /// `digits` are the text's digit runs.
    #[inline(never)]
    pub fn amounts(&self, text: &str, digits: &[Span]) -> Vec<Amount> {
        let mut out = Vec::new();
        let windows = windows(text, digits, &AMOUNT_REACH);
        for (offset, caps) in captures_in(&self.amount, text, &windows) {
            if let Some(a) = amount(text, offset, &caps) {
                out.push(a);
            }
            if out.len() >= super::MAX_PER_KIND * 2 {
                break;
            }
        }
        dedup_overlapping(out, |a| a.span)
    }
}

/// Bytes that end a prefix or start a suffix: most digits have neither beside them.
const PREFIX_ENDS: ByteSet = ByteSet::edges(PREFIXES, true);
const SUFFIX_STARTS: ByteSet = ByteSet::edges(SUFFIXES, false);

fn beside_currency(bytes: &[u8], run: Span) -> bool {
    let before = bytes.get(..run.start).unwrap_or_default();
    let before = before.strip_suffix(b" ").unwrap_or(before);
    let after = bytes.get(run.end..).unwrap_or_default();
    let after = after.strip_prefix(b" ").unwrap_or(after);
    let prefixed = before.last().is_some_and(|b| PREFIX_ENDS.contains(*b))
        && PREFIXES.iter().any(|p| before.ends_with(p.as_bytes()));
    prefixed
        || after.first().is_some_and(|b| SUFFIX_STARTS.contains(*b))
            && SUFFIXES.iter().any(|s| after.starts_with(s.as_bytes()))
}

/// `caps` are of a window starting at `offset` in `text`.
fn amount(text: &str, offset: usize, caps: &Captures<'_>) -> Option<Amount> {
    let whole = caps.get(0)?;
    let start = offset + whole.start();
    let (unit, number) = match (caps.name("pre"), caps.name("n1")) {
        (Some(p), Some(n)) => (p, n),
        _ => (caps.name("post")?, caps.name("n2")?),
    };
    let digits = number.as_str().trim_end_matches(',');
    let end = offset
        + if caps.name("pre").is_some() {
            number.start() + digits.len()
        } else {
            whole.end()
        };
    if !bounded(text, start, end, unit.as_str()) {
        return None;
    }
    let (currency, scale) = currency_of(unit.as_str())?;
    let value: f64 = digits.replace(',', "").parse().ok()?;
    Some(Amount {
        currency: currency.to_string(),
        value: value * scale,
        span: Span::new(start, end),
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::facts::tests::token_text;
    use crate::facts::windows::digit_runs;

    /// The seed as it was before its byte-table rejection.
    fn beside_currency_in_full(bytes: &[u8], run: Span) -> bool {
        let before = bytes.get(..run.start).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        let after = bytes.get(run.end..).unwrap_or_default();
        let after = after.strip_prefix(b" ").unwrap_or(after);
        PREFIXES.iter().any(|p| before.ends_with(p.as_bytes()))
            || SUFFIXES.iter().any(|s| after.starts_with(s.as_bytes()))
    }

    const TOKENS: &[&str] = &[
        "1",
        "250",
        " ",
        ",",
        ".",
        "x",
        "us",
        "$",
        "us$",
        "¥",
        "€",
        "£",
        "usd",
        "jpy",
        "eur",
        "gbp",
        "万円",
        "円",
        "万",
        "yen",
        "dollar",
        "ドル",
        "ユーロ",
        "ポンド",
        "ド",
        "ア",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn the_byte_tables_keep_the_currency_seed(text in token_text(TOKENS, 24)) {
            let bytes = text.as_bytes();
            for run in digit_runs(&text) {
                prop_assert_eq!(beside_currency(bytes, run), beside_currency_in_full(bytes, run));
            }
        }
    }
}
