//! Calendar dates and deadlines ("24時間以内", "within 3 days", "本日中", "immediately").

use regex::{Captures, Regex};

use super::windows::{find_in, windows, ByteSet, Reach};
use super::{ascii_bounded, dedup_overlapping, number_ends, number_starts, re, Deadline, Found};
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
    before.last().is_some_and(u8::is_ascii_lowercase)
        && MONTHS.iter().any(|m| before.ends_with(m.as_bytes()))
}

/// "2 dec", "2nd of december": a day's digits before a month name.
fn before_month_name(bytes: &[u8], run: Span) -> bool {
    let after = bytes.get(run.end..).unwrap_or_default();
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

/// "24 週間以内": 13 bytes after the number.
const NUMERIC_DEADLINE_REACH: Reach = Reach {
    seed: |bytes, run| followed_by(bytes, run, &[" ", "時間", "日", "分", "週間"]),
    core: ByteSet::digits_and(false, b""),
    before: 0,
    after: 13,
    min_digits: 1,
};

#[derive(Debug)]
pub(super) struct Time {
    dates: Vec<(Regex, DateForm)>,
    english_day: Regex,
    /// The deadline pattern's first alternative, which starts with a digit; `worded` holds
    /// the others, which never do. Searched apart, merged as one leftmost-first search.
    numeric_deadline: Regex,
    worded_deadline: Regex,
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
            numeric_deadline: re(r"(?P<n>[0-9]{1,4}) ?(?P<ju>時間|日|分|週間)以内"),
            worded_deadline: re(concat!(
                r"(?P<today>本日中|今日中|当日中|本日まで|今日まで)",
                r"|(?P<tomorrow>明日中|明日まで)",
                r"|(?P<now>至急|直ちに|ただちに|今すぐ|速やかに|早急に|immediately|asap|as soon as possible|right away)",
                r"|(?:within|in(?: the next)?) (?P<en>[0-9]{1,4}|an?|one|two|three|five|seven|ten|twelve|twenty-four) ?(?P<eu>hours?|hrs?|h|days?|minutes?|mins?|weeks?)",
                r"|(?P<eod>by (?:the )?end of (?:the )?(?:day|today)|by eod|by today|by tonight|end of day)",
            )),
        }
    }

    /// `digits` are the text's digit runs.
    pub fn dates(&self, text: &str, digits: &[Span]) -> Vec<Found> {
        let mut out = Vec::new();
        for (pattern, form) in &self.dates {
            let windows = windows(text, digits, form.reach());
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

    /// `digits` are the text's digit runs.
    pub fn deadlines(&self, text: &str, digits: &[Span]) -> Vec<Deadline> {
        let mut out = Vec::new();
        let windows = windows(text, digits, &NUMERIC_DEADLINE_REACH);
        let mut numeric = Pending::default();
        let mut worded = Pending::default();
        let mut pos = 0;
        while pos < text.len() {
            numeric.refresh(pos, |p| {
                next_in_windows(&self.numeric_deadline, text, &windows, p)
            });
            worded.refresh(pos, |p| {
                self.worded_deadline
                    .captures_at(text, p)
                    .map(|c| Located { offset: 0, caps: c })
            });
            let next = match (&numeric.next, &worded.next) {
                (Some(n), Some(w)) if w.start() < n.start() => worded.take(),
                (Some(_), _) => numeric.take(),
                (None, Some(_)) => worded.take(),
                (None, None) => None,
            };
            let Some(next) = next else { break };
            let span = Span::new(next.start(), next.end());
            pos = span.end;
            let ascii_word = text
                .get(span.start..)
                .is_some_and(|t| t.starts_with(|c: char| c.is_ascii_alphabetic()));
            if ascii_word && !ascii_bounded(text, span.start, span.end) {
                continue;
            }
            if let Some(hours) = deadline_hours(&next.caps) {
                out.push(Deadline { hours, span });
            }
            if out.len() >= super::MAX_PER_KIND {
                break;
            }
        }
        out
    }
}

/// Captures of a match in `text[offset..]`.
struct Located<'t> {
    offset: usize,
    caps: Captures<'t>,
}

impl Located<'_> {
    fn start(&self) -> usize {
        self.offset + self.caps.get(0).map_or(0, |m| m.start())
    }

    fn end(&self) -> usize {
        self.offset + self.caps.get(0).map_or(0, |m| m.end())
    }
}

/// The next match of one pattern, searched again only once the search has moved past it.
#[derive(Default)]
struct Pending<'t> {
    next: Option<Located<'t>>,
    searched_from: Option<usize>,
}

impl<'t> Pending<'t> {
    fn refresh(&mut self, pos: usize, search: impl FnOnce(usize) -> Option<Located<'t>>) {
        let stale = match (&self.next, self.searched_from) {
            (_, None) => true,
            (Some(m), Some(_)) => m.start() < pos,
            (None, Some(_)) => false,
        };
        if stale {
            self.next = search(pos);
            self.searched_from = Some(pos);
        }
    }

    /// Only called with a match pending.
    fn take(&mut self) -> Option<Located<'t>> {
        self.searched_from = None;
        self.next.take()
    }
}

/// The first match of `re` at or after `pos`, searching only inside `windows`.
fn next_in_windows<'t>(
    re: &Regex,
    text: &'t str,
    windows: &[Span],
    pos: usize,
) -> Option<Located<'t>> {
    let first = windows.partition_point(|w| w.end <= pos);
    windows.get(first..)?.iter().find_map(|w| {
        let hay = text.get(w.start..w.end)?;
        let caps = re.captures_at(hay, pos.saturating_sub(w.start))?;
        Some(Located {
            offset: w.start,
            caps,
        })
    })
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
