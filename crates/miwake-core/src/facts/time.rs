//! Calendar dates ("11月30日", "2024/12/02", "Dec 2").

use regex::Regex;

use super::windows::{find_in, windows, ByteSet, Reach};
use super::{byte_after, dedup_overlapping, number_ends, number_starts, re, Found};
use crate::message::Span;

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sept",
    "sep",
    "oct",
    "nov",
    "dec",
];
const WEEKDAY_AFTER: &[&str] = &[
    "(月", "(火", "(水", "(木", "(金", "(土", "(日", "(mon", "(tue", "(wed", "(thu", "(fri",
    "(sat", "(sun", " (mon", " (tue", " (wed", " (thu", " (fri", " (sat", " (sun",
];

#[derive(Debug, Clone, Copy)]
enum DateForm {
    /// 2024年12月2日, 令和6年12月2日: month, day are the last two numbers.
    Kanji,
    /// 2024/12/02, 2024-12-02, 2024.12.02.
    YearFirst,
    /// 12/02/2024 or 02/12/2024.
    YearLast,
    /// 12/2 followed by a weekday in brackets: "12/2(月)".
    MonthDay,
    /// Dec 2, December 2, 2024, 2 December.
    English,
}

impl DateForm {
    /// Bytes around the digits: "令和元年" before the month (12), "月12日" after it (8);
    /// "september. " before the day (11), "th, 2024" after it (8).
    fn reach(self) -> &'static Reach {
        match self {
            DateForm::Kanji => &KANJI_REACH,
            DateForm::YearFirst => &YEAR_FIRST_REACH,
            DateForm::YearLast | DateForm::MonthDay => &SLASHED_REACH,
            DateForm::English => &ENGLISH_REACH,
        }
    }
}

const KANJI_REACH: Reach = Reach {
    seed: before_month,
    core: ByteSet::digits_and(false, b""),
    before: 12,
    after: 8,
    min_digits: 1,
};
const YEAR_FIRST_REACH: Reach = Reach {
    seed: before_year_separator,
    core: ByteSet::digits_and(false, b"/.-"),
    before: 0,
    after: 0,
    min_digits: 1,
};
const SLASHED_REACH: Reach = Reach {
    seed: before_slash,
    core: ByteSet::digits_and(false, b"/"),
    before: 0,
    after: 0,
    min_digits: 1,
};
const ENGLISH_REACH: Reach = Reach {
    seed: after_month_name,
    core: ByteSet::digits_and(false, b""),
    before: 11,
    after: 8,
    min_digits: 1,
};

fn followed_by(bytes: &[u8], run: Span, words: &[&str]) -> bool {
    let rest = bytes.get(run.end..).unwrap_or_default();
    words.iter().any(|w| rest.starts_with(w.as_bytes()))
}

fn before_month(bytes: &[u8], run: Span) -> bool {
    followed_by(bytes, run, &["月"])
}

fn before_year_separator(bytes: &[u8], run: Span) -> bool {
    run.len() >= 4 && followed_by(bytes, run, &["/", ".", "-"])
}

fn before_slash(bytes: &[u8], run: Span) -> bool {
    followed_by(bytes, run, &["/"])
}

/// "may 2", "dec. 2": a day's digits follow a month name.
fn after_month_name(bytes: &[u8], run: Span) -> bool {
    let before = bytes.get(..run.start).unwrap_or_default();
    let before = before.strip_suffix(b" ").unwrap_or(before);
    let before = before.strip_suffix(b".").unwrap_or(before);
    let ending = before.len().checked_sub(3).and_then(|at| before.get(at..));
    ending.is_some_and(ends_a_month) && MONTHS.iter().any(|m| before.ends_with(m.as_bytes()))
}

/// The last three bytes of some month name: a cheap test that rejects most words before
/// the full list is tried.
fn ends_a_month(last3: &[u8]) -> bool {
    matches!(
        last3,
        b"ary"
            | b"rch"
            | b"ril"
            | b"may"
            | b"une"
            | b"uly"
            | b"ust"
            | b"ber"
            | b"jan"
            | b"feb"
            | b"mar"
            | b"apr"
            | b"jun"
            | b"jul"
            | b"aug"
            | b"ept"
            | b"sep"
            | b"oct"
            | b"nov"
            | b"dec"
    )
}

/// "2 dec", "2nd of december": a day's digits before a month name.
fn before_month_name(bytes: &[u8], run: Span) -> bool {
    let after = bytes.get(run.end..).unwrap_or_default();
    // Most digits are followed by neither an ordinal suffix nor a space.
    if !after
        .first()
        .is_some_and(|b| matches!(b, b' ' | b's' | b'n' | b'r' | b't'))
    {
        return false;
    }
    let after = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| after.strip_prefix(s.as_bytes()))
        .unwrap_or(after);
    let Some(after) = after.strip_prefix(b" ") else {
        return false;
    };
    let after = after.strip_prefix(b"of ").unwrap_or(after);
    after.first().is_some_and(|b| b"adfjmnos".contains(b))
        && MONTHS.iter().any(|m| after.starts_with(m.as_bytes()))
}

/// "12th of september, 2024": 21 bytes after the day.
const ENGLISH_DAY_REACH: Reach = Reach {
    seed: before_month_name,
    core: ByteSet::digits_and(false, b""),
    before: 0,
    after: 21,
    min_digits: 1,
};

#[derive(Debug)]
pub(super) struct Time {
    dates: Vec<(Regex, DateForm)>,
    english_day: Regex,
}

impl Time {
    pub fn new() -> Self {
        let month = format!(r"(?:{})", MONTHS.join("|"));
        Time {
            dates: vec![
                (
                    re(r"(?:(?:令和|平成)(?:[0-9]{1,2}|元)年|[0-9]{4}年)?[0-9]{1,2}月[0-9]{1,2}日"),
                    DateForm::Kanji,
                ),
                (
                    re(r"[0-9]{4}([/.-])[0-9]{1,2}([/.-])[0-9]{1,2}"),
                    DateForm::YearFirst,
                ),
                (re(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"), DateForm::YearLast),
                (re(r"[0-9]{1,2}/[0-9]{1,2}"), DateForm::MonthDay),
                (
                    re(&format!(
                        r"{month}\.? ?[0-9]{{1,2}}(?:st|nd|rd|th)?(?:,? [0-9]{{4}})?"
                    )),
                    DateForm::English,
                ),
            ],
            english_day: re(&format!(
                r"[0-9]{{1,2}}(?:st|nd|rd|th)? (?:of )?{month}(?:,? [0-9]{{4}})?"
            )),
        }
    }

    /// `digits` are the text's digit runs.
    #[inline(never)]
    pub fn dates(&self, text: &str, digits: &[Span]) -> Vec<Found> {
        let mut out = Vec::new();
        let slashed = windows(text, digits, &SLASHED_REACH);
        for (pattern, form) in &self.dates {
            let windows = match form {
                DateForm::YearLast => slashed.clone(),
                DateForm::MonthDay => before_weekday(text, &slashed),
                _ => windows(text, digits, form.reach()),
            };
            for m in find_in(pattern, text, &windows) {
                if date_ok(text, m.start, m.end, *form) {
                    out.push(found(text, m.start, m.end));
                }
                if out.len() >= super::MAX_PER_KIND * 2 {
                    break;
                }
            }
        }
        let windows = windows(text, digits, &ENGLISH_DAY_REACH);
        for m in find_in(&self.english_day, text, &windows) {
            if date_ok(text, m.start, m.end, DateForm::English) {
                out.push(found(text, m.start, m.end));
            }
        }
        dedup_overlapping(out, |f| f.span)
    }
}

/// The slashed windows that a weekday in brackets follows. A "12/2" date counts only
/// when "(月)" or " (mon" follows it, and a match ending inside its window is followed
/// by a digit or a slash, so only a match ending at the window's end can count.
fn before_weekday(text: &str, slashed: &[Span]) -> Vec<Span> {
    slashed
        .iter()
        .filter(|w| matches!(byte_after(text, w.end), Some(b'(' | b' ')))
        .copied()
        .collect()
}

fn found(text: &str, start: usize, end: usize) -> Found {
    Found {
        value: text.get(start..end).unwrap_or("").to_string(),
        span: Span::new(start, end),
    }
}

fn numbers_in(s: &str) -> Vec<u32> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect()
}

fn valid_md(month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn date_ok(text: &str, start: usize, end: usize, form: DateForm) -> bool {
    let s = text.get(start..end).unwrap_or("");
    let n = numbers_in(s);
    let bounded = number_starts(text, start) && number_ends(text, end);
    let letters_ok = !super::is_alnum(super::byte_before(text, start))
        && !super::is_alnum(super::byte_after(text, end));
    match (form, n.as_slice()) {
        (DateForm::Kanji, [.., m, d]) => valid_md(*m, *d) && number_starts(text, start),
        (DateForm::YearFirst, [_, m, d]) => bounded && valid_md(*m, *d) && same_separators(s),
        (DateForm::YearLast, [a, b, _]) => bounded && (valid_md(*a, *b) || valid_md(*b, *a)),
        (DateForm::MonthDay, [m, d]) => {
            bounded
                && valid_md(*m, *d)
                && WEEKDAY_AFTER
                    .iter()
                    .any(|w| text.get(end..).is_some_and(|t| t.starts_with(w)))
        }
        (DateForm::English, [d, ..]) => letters_ok && (1..=31).contains(d),
        _ => false,
    }
}

fn same_separators(s: &str) -> bool {
    let seps: Vec<char> = s.chars().filter(|c| !c.is_ascii_digit()).collect();
    seps.windows(2).all(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;
    use crate::facts::tests::token_text;
    use crate::facts::windows::digit_runs;

    #[test]
    fn every_month_ends_a_month() {
        for month in MONTHS {
            assert!(
                ends_a_month(&month.as_bytes()[month.len() - 3..]),
                "{month}"
            );
        }
    }

    /// The seeds as they were before their quick rejections.
    fn after_month_name_in_full(bytes: &[u8], run: Span) -> bool {
        let before = bytes.get(..run.start).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        let before = before.strip_suffix(b".").unwrap_or(before);
        MONTHS.iter().any(|m| before.ends_with(m.as_bytes()))
    }

    fn before_month_name_in_full(bytes: &[u8], run: Span) -> bool {
        let after = bytes.get(run.end..).unwrap_or_default();
        let after = ["st", "nd", "rd", "th"]
            .iter()
            .find_map(|s| after.strip_prefix(s.as_bytes()))
            .unwrap_or(after);
        let Some(after) = after.strip_prefix(b" ") else {
            return false;
        };
        let after = after.strip_prefix(b"of ").unwrap_or(after);
        MONTHS.iter().any(|m| after.starts_with(m.as_bytes()))
    }

    /// Dates of one form that `date_ok` keeps, searched in `windows`.
    fn kept(text: &str, windows: &[Span], form: DateForm) -> Vec<Span> {
        static TIME: OnceLock<Time> = OnceLock::new();
        let (pattern, _) = TIME
            .get_or_init(Time::new)
            .dates
            .iter()
            .find(|(_, f)| std::mem::discriminant(f) == std::mem::discriminant(&form))
            .unwrap();
        find_in(pattern, text, windows)
            .filter(|m| date_ok(text, m.start, m.end, form))
            .collect()
    }

    const WORDS: &[&str] = &[
        "1",
        "12",
        "2024",
        " ",
        ".",
        "st",
        "nd",
        "th",
        "of ",
        "may",
        "sept",
        "september",
        "dec",
        "ber",
        "ary",
        "y",
        "x",
        "a",
        "/",
        "(",
        "(月",
        "(mon",
        " (tue",
        "-",
        ",",
        "ア",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn quick_rejections_keep_the_month_seeds(text in token_text(WORDS, 24)) {
            let bytes = text.as_bytes();
            for run in digit_runs(&text) {
                prop_assert_eq!(after_month_name(bytes, run), after_month_name_in_full(bytes, run));
                prop_assert_eq!(before_month_name(bytes, run), before_month_name_in_full(bytes, run));
            }
        }

        #[test]
        fn month_days_are_kept_only_before_a_weekday(text in token_text(WORDS, 24)) {
            let slashed = windows(&text, &digit_runs(&text), &SLASHED_REACH);
            let all = kept(&text, &slashed, DateForm::MonthDay);
            prop_assert_eq!(kept(&text, &before_weekday(&text, &slashed), DateForm::MonthDay), all);
        }
    }
}
