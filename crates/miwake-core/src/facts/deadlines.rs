//! Deadlines: "24時間以内", "within 3 days", "本日中", "immediately".
//!
//! One leftmost-first search over three patterns, each searched apart and merged by start
//! (no two can match at the same place: a number starts with a digit, "within" / "in"
//! with letters that no worded deadline starts with):
//! - `[0-9]{1,4} ?(時間|日|分|週間)以内`, matched by hand from the digit runs;
//! - `(?:within|in(?: the next)?) N ?UNIT`, matched by hand at each "in ";
//! - the worded deadlines, a regex tried where the shared literal scan found one of
//!   `WORDED` (its whole, finite language).

use memchr::memmem;
use regex::{Captures, Regex};

use super::{ascii_bounded, re, Deadline, MAX_PER_KIND};
use crate::analysis::literals::LiteralHit;
use crate::message::Span;

/// Every string the `worded` pattern matches, so that where one starts, a match starts.
pub(super) const WORDED: &[&str] = &[
    "本日中",
    "今日中",
    "当日中",
    "本日まで",
    "今日まで",
    "明日中",
    "明日まで",
    "至急",
    "直ちに",
    "ただちに",
    "今すぐ",
    "速やかに",
    "早急に",
    "immediately",
    "asap",
    "as soon as possible",
    "right away",
    "by end of day",
    "by end of today",
    "by end of the day",
    "by end of the today",
    "by the end of day",
    "by the end of today",
    "by the end of the day",
    "by the end of the today",
    "by eod",
    "by today",
    "by tonight",
    "end of day",
];

/// Units after a number, in the pattern's order.
const NUMERIC_UNITS: [&str; 4] = ["時間", "日", "分", "週間"];
/// "within" and "in (the next)", each with the space after it, in the pattern's order.
const WITHIN: &str = "within ";
const IN: [&str; 2] = ["in the next ", "in "];
/// `an?|one|two|three|five|seven|ten|twelve|twenty-four`, in the pattern's order ("an"
/// before "a": `n?` is greedy), with their values.
const ENGLISH_NUMBERS: [(&str, u32); 10] = [
    ("an", 1),
    ("a", 1),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("five", 5),
    ("seven", 7),
    ("ten", 10),
    ("twelve", 12),
    ("twenty-four", 24),
];
/// `hours?|hrs?|h|days?|minutes?|mins?|weeks?`, in the order the pattern tries them.
const ENGLISH_UNITS: [&str; 13] = [
    "hours", "hour", "hrs", "hr", "h", "days", "day", "minutes", "minute", "mins", "min", "weeks",
    "week",
];

#[derive(Debug)]
pub(super) struct Deadlines {
    worded: Regex,
    in_space: memmem::Finder<'static>,
}

impl Deadlines {
    pub fn new() -> Self {
        Deadlines {
            worded: re(concat!(
                r"(?P<today>本日中|今日中|当日中|本日まで|今日まで)",
                r"|(?P<tomorrow>明日中|明日まで)",
                r"|(?P<now>至急|直ちに|ただちに|今すぐ|速やかに|早急に|immediately|asap|as soon as possible|right away)",
                r"|(?P<eod>by (?:the )?end of (?:the )?(?:day|today)|by eod|by today|by tonight|end of day)",
            )),
            in_space: memmem::Finder::new("in "),
        }
    }

    /// `digits` are the text's digit runs; `worded`: where `WORDED` occurs, by start.
    #[inline(never)]
    pub fn find(&self, text: &str, digits: &[Span], worded_hits: &[LiteralHit]) -> Vec<Deadline> {
        let mut out = Vec::new();
        let mut numeric: Pending<Counted> = Pending::default();
        let mut english: Pending<Counted> = Pending::default();
        let mut worded: Pending<Captures> = Pending::default();
        let mut pos = 0;
        while pos < text.len() {
            numeric.refresh(pos, |p| next_numeric(text, digits, p));
            english.refresh(pos, |p| self.next_english(text, p));
            worded.refresh(pos, |p| self.next_worded(text, worded_hits, p));
            let first = [numeric.start(), english.start(), worded.start()]
                .into_iter()
                .flatten()
                .min();
            let next = match first {
                None => break,
                Some(s) if numeric.start() == Some(s) => numeric.take().map(Next::Counted),
                Some(s) if english.start() == Some(s) => english.take().map(Next::Counted),
                Some(_) => worded.take().map(Next::Worded),
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
            let hours = match &next {
                Next::Counted(c) => Some(Some(c.hours)),
                Next::Worded(caps) => worded_hours(caps),
            };
            if let Some(hours) = hours {
                out.push(Deadline { hours, span });
            }
            if out.len() >= MAX_PER_KIND {
                break;
            }
        }
        out
    }

    /// The first match of `worded` starting at or after `pos`: the one at the first hit.
    fn next_worded<'t>(
        &self,
        text: &'t str,
        hits: &[LiteralHit],
        pos: usize,
    ) -> Option<Captures<'t>> {
        let first = hits.get(hits.partition_point(|h| h.start < pos))?;
        self.worded.captures_at(text, first.start)
    }

    /// The first match of `(?:within|in(?: the next)?) N ?UNIT` starting at or after `pos`.
    /// Every match holds "in " at its start or, after "with", four bytes in.
    fn next_english(&self, text: &str, pos: usize) -> Option<Counted> {
        let bytes = text.as_bytes();
        let rest = bytes.get(pos..)?;
        self.in_space.find_iter(rest).find_map(|offset| {
            let hit = pos + offset;
            let within = hit
                .checked_sub(4)
                .filter(|s| *s >= pos && bytes.get(*s..hit) == Some(b"with"));
            within
                .and_then(|s| english_at(text, s, &[WITHIN]))
                .or_else(|| english_at(text, hit, &IN))
        })
    }
}

/// A deadline with a number and a unit, as hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counted {
    span: Span,
    hours: u32,
}

/// A match of one of the patterns.
enum Next<'t> {
    Counted(Counted),
    Worded(Captures<'t>),
}

impl Next<'_> {
    fn start(&self) -> usize {
        match self {
            Next::Counted(c) => c.span.start,
            Next::Worded(c) => c.start(),
        }
    }

    fn end(&self) -> usize {
        match self {
            Next::Counted(c) => c.span.end,
            Next::Worded(c) => c.get(0).map_or(0, |m| m.end()),
        }
    }
}

/// Where a match starts.
trait Located {
    fn start(&self) -> usize;
}

impl Located for Counted {
    fn start(&self) -> usize {
        self.span.start
    }
}

impl Located for Captures<'_> {
    fn start(&self) -> usize {
        self.get(0).map_or(0, |m| m.start())
    }
}

/// The next match of one pattern, searched again only once the search has moved past it.
struct Pending<T> {
    next: Option<T>,
    searched_from: Option<usize>,
}

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Pending {
            next: None,
            searched_from: None,
        }
    }
}

impl<T: Located> Pending<T> {
    fn refresh(&mut self, pos: usize, search: impl FnOnce(usize) -> Option<T>) {
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

    fn start(&self) -> Option<usize> {
        self.next.as_ref().map(Located::start)
    }

    /// Only called with a match pending.
    fn take(&mut self) -> Option<T> {
        self.searched_from = None;
        self.next.take()
    }
}

/// The first match of `[0-9]{1,4} ?(時間|日|分|週間)以内` starting at or after `pos`, found
/// from the text's digit runs `runs`: a digit cannot follow the number, so it ends where
/// its run ends. A run matches when the unit and "以内" follow it, and the match starts
/// at the run's last four digits, or at `pos` if that is later.
fn next_numeric(text: &str, runs: &[Span], pos: usize) -> Option<Counted> {
    let first = runs.partition_point(|r| r.end <= pos);
    runs.get(first..)?.iter().find_map(|run| {
        let rest = text.get(run.end..)?;
        let after_space = rest.strip_prefix(' ').unwrap_or(rest);
        let unit = NUMERIC_UNITS
            .iter()
            .find(|u| after_space.starts_with(**u))?;
        let tail = after_space.get(unit.len()..)?.strip_prefix("以内")?;
        let start = run.start.max(pos).max(run.end.saturating_sub(4));
        let count = text.get(start..run.end)?.parse().ok()?;
        Some(Counted {
            span: Span::new(start, text.len() - tail.len()),
            hours: to_hours(count, unit),
        })
    })
}

/// `(?:LEAD) N ?UNIT` at `start`, trying `leads` (each with its space), numbers and units
/// in the pattern's order: the first that fits is the regex's leftmost-first match.
fn english_at(text: &str, start: usize, leads: &[&str]) -> Option<Counted> {
    let rest = text.get(start..)?;
    let (count, unit, tail) = leads
        .iter()
        .filter_map(|lead| rest.strip_prefix(lead))
        .find_map(number_and_unit)?;
    Some(Counted {
        span: Span::new(start, text.len() - tail.len()),
        hours: to_hours(count, unit),
    })
}

/// `([0-9]{1,4}|an?|one|…) ?UNIT` at the start of `s`: the number, the unit and what
/// follows. Digits match only as a whole run of at most four: a unit cannot follow a digit.
fn number_and_unit(s: &str) -> Option<(u32, &'static str, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=4).contains(&digits) {
        let (number, rest) = s.split_at(digits);
        if let Some((unit, tail)) = unit_at(rest) {
            return Some((number.parse().ok()?, unit, tail));
        }
    }
    ENGLISH_NUMBERS.iter().find_map(|(word, count)| {
        let (unit, tail) = unit_at(s.strip_prefix(word)?)?;
        Some((*count, unit, tail))
    })
}

/// ` ?UNIT` at the start of `s`. The space is taken when there is one: no unit starts
/// with a space, so leaving it would not match either.
fn unit_at(s: &str) -> Option<(&'static str, &str)> {
    let s = s.strip_prefix(' ').unwrap_or(s);
    ENGLISH_UNITS
        .iter()
        .find_map(|unit| Some((*unit, s.strip_prefix(unit)?)))
}

fn worded_hours(caps: &Captures<'_>) -> Option<Option<u32>> {
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

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;
    use crate::facts::tests::token_text;
    use crate::facts::windows::digit_runs;

    /// The one pattern the three searches replace.
    fn reference(text: &str) -> Vec<Deadline> {
        static PATTERN: OnceLock<Regex> = OnceLock::new();
        let pattern = PATTERN.get_or_init(|| re(concat!(
            r"(?P<n>[0-9]{1,4}) ?(?P<ju>時間|日|分|週間)以内",
            r"|(?P<today>本日中|今日中|当日中|本日まで|今日まで)",
            r"|(?P<tomorrow>明日中|明日まで)",
            r"|(?P<now>至急|直ちに|ただちに|今すぐ|速やかに|早急に|immediately|asap|as soon as possible|right away)",
            r"|(?:within|in(?: the next)?) (?P<en>[0-9]{1,4}|an?|one|two|three|five|seven|ten|twelve|twenty-four) ?(?P<eu>hours?|hrs?|h|days?|minutes?|mins?|weeks?)",
            r"|(?P<eod>by (?:the )?end of (?:the )?(?:day|today)|by eod|by today|by tonight|end of day)",
        )));
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some(caps) = pattern.captures_at(text, pos) {
            let whole = caps.get(0).unwrap();
            let span = Span::new(whole.start(), whole.end());
            pos = span.end;
            let ascii_word = whole
                .as_str()
                .starts_with(|c: char| c.is_ascii_alphabetic());
            if ascii_word && !ascii_bounded(text, span.start, span.end) {
                continue;
            }
            let number = caps.name("n").or(caps.name("en"));
            let unit = caps.name("ju").or(caps.name("eu"));
            let hours = match (number, unit) {
                (Some(n), Some(unit)) => Some(Some(to_hours(count_of(n.as_str()), unit.as_str()))),
                _ => worded_hours(&caps),
            };
            if let Some(hours) = hours {
                out.push(Deadline { hours, span });
            }
            if out.len() >= MAX_PER_KIND || pos >= text.len() {
                break;
            }
        }
        out
    }

    fn count_of(number: &str) -> u32 {
        ENGLISH_NUMBERS
            .iter()
            .find(|(word, _)| *word == number)
            .map_or_else(|| number.parse().unwrap(), |(_, count)| *count)
    }

    const TOKENS: &[&str] = &[
        "0",
        "1",
        "24",
        "9999",
        "12345",
        " ",
        "x",
        "s",
        "時間",
        "日",
        "分",
        "週間",
        "以内",
        "以",
        "within",
        "with",
        "in",
        "in the next",
        "the next",
        "the",
        "next",
        "a",
        "an",
        "n",
        "one",
        "two",
        "three",
        "five",
        "seven",
        "ten",
        "twelve",
        "twenty-four",
        "twe",
        "hours",
        "hour",
        "hrs",
        "hr",
        "h",
        "days",
        "day",
        "minutes",
        "minute",
        "mins",
        "min",
        "weeks",
        "week",
        "immediately",
        "asap",
        "本日中",
        "明日まで",
        "by end of day",
        "by the end of the day",
        "end of day",
        "by eod",
        "今すぐ",
        "ア",
        "by ",
        "the ",
        "end of ",
        "today",
        "tonight",
        "right away",
        "as soon as possible",
        "今日まで",
        "至急",
        "明日中",
    ];

    #[test]
    fn worded_lists_the_whole_language_of_the_pattern() {
        use regex_syntax::hir::literal::Extractor;
        let hir = regex_syntax::parse(Deadlines::new().worded.as_str()).unwrap();
        let seq = Extractor::new().extract(&hir);
        assert!(seq.is_exact(), "the pattern's language is finite");
        let mut language: Vec<Vec<u8>> = seq
            .literals()
            .unwrap()
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect();
        let mut listed: Vec<Vec<u8>> = WORDED.iter().map(|w| w.as_bytes().to_vec()).collect();
        language.sort();
        listed.sort();
        assert_eq!(listed, language);
    }

    fn find(deadlines: &Deadlines, text: &str) -> Vec<Deadline> {
        let worded = crate::facts::scan_group(text, crate::facts::WORDED_DEADLINES);
        deadlines.find(text, &digit_runs(text), &worded)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn the_split_searches_find_what_the_one_pattern_finds(text in token_text(TOKENS, 24)) {
            static DEADLINES: OnceLock<Deadlines> = OnceLock::new();
            let deadlines = DEADLINES.get_or_init(Deadlines::new);
            prop_assert_eq!(find(deadlines, &text), reference(&text));
        }
    }

    #[test]
    fn numbers_and_words_give_hours() {
        let deadlines = Deadlines::new();
        let text = "返信は24時間以内に。within 3 days, in the next 2hrs, in an hour; 本日中";
        let hours: Vec<Option<u32>> = find(&deadlines, text).iter().map(|d| d.hours).collect();
        assert_eq!(hours, [Some(24), Some(72), Some(2), Some(1), Some(24)]);
    }
}
