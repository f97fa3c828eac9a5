//! Calendar dates and deadlines ("24時間以内", "within 3 days", "本日中", "immediately").

use regex::{Captures, Regex};

use super::{ascii_bounded, dedup_overlapping, number_ends, number_starts, re, Deadline, Found};
use crate::message::Span;

const MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";
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

#[derive(Debug)]
pub(super) struct Time {
    dates: Vec<(Regex, DateForm)>,
    english_day: Regex,
    deadline: Regex,
}

impl Time {
    pub fn new() -> Self {
        let month = format!(r"(?:{MONTHS})");
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
            deadline: re(concat!(
                r"(?P<n>[0-9]{1,4}) ?(?P<ju>時間|日|分|週間)以内",
                r"|(?P<today>本日中|今日中|当日中|本日まで|今日まで)",
                r"|(?P<tomorrow>明日中|明日まで)",
                r"|(?P<now>至急|直ちに|ただちに|今すぐ|速やかに|早急に|immediately|asap|as soon as possible|right away)",
                r"|(?:within|in(?: the next)?) (?P<en>[0-9]{1,4}|an?|one|two|three|five|seven|ten|twelve|twenty-four) ?(?P<eu>hours?|hrs?|h|days?|minutes?|mins?|weeks?)",
                r"|(?P<eod>by (?:the )?end of (?:the )?(?:day|today)|by eod|by today|by tonight|end of day)",
            )),
        }
    }

    pub fn dates(&self, text: &str) -> Vec<Found> {
        let mut out = Vec::new();
        for (pattern, form) in &self.dates {
            for m in pattern.find_iter(text) {
                if date_ok(text, m.start(), m.end(), *form) {
                    out.push(found(text, m.start(), m.end()));
                }
                if out.len() >= super::MAX_PER_KIND * 2 {
                    break;
                }
            }
        }
        for m in self.english_day.find_iter(text) {
            if date_ok(text, m.start(), m.end(), DateForm::English) {
                out.push(found(text, m.start(), m.end()));
            }
        }
        dedup_overlapping(out, |f| f.span)
    }

    pub fn deadlines(&self, text: &str) -> Vec<Deadline> {
        let mut out = Vec::new();
        for caps in self.deadline.captures_iter(text) {
            let Some(whole) = caps.get(0) else { continue };
            let ascii_word = whole
                .as_str()
                .starts_with(|c: char| c.is_ascii_alphabetic());
            if ascii_word && !ascii_bounded(text, whole.start(), whole.end()) {
                continue;
            }
            if let Some(hours) = deadline_hours(&caps) {
                out.push(Deadline {
                    hours,
                    span: Span::new(whole.start(), whole.end()),
                });
            }
            if out.len() >= super::MAX_PER_KIND {
                break;
            }
        }
        out
    }
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

fn deadline_hours(caps: &Captures<'_>) -> Option<Option<u32>> {
    if let (Some(n), Some(unit)) = (caps.name("n"), caps.name("ju")) {
        let n: u32 = n.as_str().parse().ok()?;
        return Some(Some(to_hours(n, unit.as_str())));
    }
    if let (Some(n), Some(unit)) = (caps.name("en"), caps.name("eu")) {
        return Some(Some(to_hours(english_number(n.as_str())?, unit.as_str())));
    }
    if caps.name("today").is_some() || caps.name("eod").is_some() {
        return Some(Some(24));
    }
    if caps.name("tomorrow").is_some() {
        return Some(Some(48));
    }
    caps.name("now").map(|_| None)
}

fn to_hours(n: u32, unit: &str) -> u32 {
    let per = match unit {
        "日" | "day" | "days" => 24,
        "週間" | "week" | "weeks" => 168,
        "分" | "minute" | "minutes" | "min" | "mins" => return n.div_ceil(60),
        _ => 1,
    };
    n.saturating_mul(per)
}

fn english_number(s: &str) -> Option<u32> {
    Some(match s {
        "a" | "an" | "one" => 1,
        "two" => 2,
        "three" => 3,
        "five" => 5,
        "seven" => 7,
        "ten" => 10,
        "twelve" => 12,
        "twenty-four" => 24,
        _ => s.parse().ok()?,
    })
}
