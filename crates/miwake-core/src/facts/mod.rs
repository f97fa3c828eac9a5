//! Facts found in a message's normalised text: order numbers, tracking numbers, URLs,
//! contacts, amounts, deadlines, gift cards. All spans point into the normalised text.

mod context;
mod deadlines;
mod gifts;
mod messengers;
mod money;
mod numbers;
mod time;
mod urls;
mod windows;

#[cfg(test)]
mod tests;

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::analysis::literals::{LiteralHit, LiteralScanner};
use crate::message::Span;
use crate::normalize::NormalizedText;

/// At most this many items of one kind are reported, so hostile input cannot explode output.
pub const MAX_PER_KIND: usize = 64;

/// A value found in the text and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    Yamato,
    Sagawa,
    JapanPost,
    AmazonLogistics,
    Ups,
    Usps,
    Fedex,
    Dhl,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tracking {
    pub number: String,
    pub carrier: Carrier,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextUrl {
    /// Refanged, with a scheme (`http://` added to bare domains).
    pub url: String,
    /// True when written defanged (`hxxp://`, `[.]`).
    pub defanged: bool,
    /// True when written without a scheme (`www.example.com`, `example.top/login`).
    pub bare: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Messenger {
    Line,
    Whatsapp,
    Telegram,
    Wechat,
    Signal,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessengerId {
    pub app: Messenger,
    /// The ID or number when one is written next to the app name; empty otherwise.
    pub id: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amount {
    /// ISO 4217: `JPY`, `USD`, `EUR`, `GBP`.
    pub currency: String,
    pub value: f64,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// Normalised duration in hours when one is given ("24時間以内" → 24, "本日中" → 24).
    pub hours: Option<u32>,
    pub span: Span,
}

/// Everything extracted from one message.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facts {
    pub order_numbers: Vec<Found>,
    pub tracking_numbers: Vec<Tracking>,
    pub urls: Vec<TextUrl>,
    pub emails: Vec<Found>,
    pub phones: Vec<Found>,
    pub messengers: Vec<MessengerId>,
    pub amounts: Vec<Amount>,
    /// Calendar dates as written ("11月30日", "2024/12/02", "Dec 2").
    pub dates: Vec<Found>,
    pub deadlines: Vec<Deadline>,
    /// Gift cards, prepaid cards and points ("Amazonギフト券", "Apple gift card", "PayPayポイント").
    pub gift_cards: Vec<Found>,
}

/// Extract facts. Compiled patterns live in [`FactExtractor`]; build it once, reuse it.
#[derive(Debug)]
pub struct FactExtractor {
    context: context::Context,
    numbers: numbers::Numbers,
    urls: urls::Urls,
    messengers: messengers::Messengers,
    money: money::Money,
    time: time::Time,
    deadlines: deadlines::Deadlines,
    gifts: gifts::Gifts,
    /// Finds [`FactExtractor::literals`] for callers that have not scanned for them; built
    /// on first use, as the analyzer finds them in its own literal pass.
    literals: OnceLock<LiteralScanner>,
}

/// The lists that make up [`FactExtractor::literals`], in that order.
const LITERAL_GROUPS: [&[&str]; 5] = [
    messengers::LINK_STARTS,
    messengers::MENTIONS,
    gifts::REQUIRED,
    urls::SPELLED_AT,
    deadlines::WORDED,
];
const LINK_STARTS: usize = 0;
const MENTIONS: usize = 1;
const GIFT_WORDS: usize = 2;
const SPELLED_AT: usize = 3;
const WORDED_DEADLINES: usize = 4;

impl FactExtractor {
    pub fn new() -> Self {
        FactExtractor {
            literals: OnceLock::new(),
            context: context::Context::new(),
            numbers: numbers::Numbers::new(),
            urls: urls::Urls::new(),
            messengers: messengers::Messengers::new(),
            money: money::Money::new(),
            time: time::Time::new(),
            deadlines: deadlines::Deadlines::new(),
            gifts: gifts::Gifts::new(),
        }
    }

    pub fn extract(&self, text: &NormalizedText) -> Facts {
        self.extract_str(&text.text)
    }

    /// The literals whose occurrences [`FactExtractor::extract_with`] needs, so that a
    /// caller scanning the text for other literals can find these in the same pass.
    pub fn literals() -> Vec<&'static str> {
        LITERAL_GROUPS.concat()
    }

    /// Extract from text that is already in normalised form.
    pub fn extract_str(&self, text: &str) -> Facts {
        let hits = self
            .literals
            .get_or_init(|| LiteralScanner::new(&[Self::literals()]))
            .scan(text)
            .into_iter()
            .next()
            .unwrap_or_default();
        self.extract_with(text, &hits)
    }

    /// As [`FactExtractor::extract_str`], given every occurrence of
    /// [`FactExtractor::literals`] in `text` (overlapping ones included, in any order).
    pub fn extract_with(&self, text: &str, literal_hits: &[LiteralHit]) -> Facts {
        let mut facts = Facts::default();
        let digits = windows::digit_runs(text);
        if !digits.is_empty() {
            let hits = context::Hits::new(&self.context, text);
            facts.order_numbers = self.numbers.orders(text, &digits);
            facts.tracking_numbers =
                self.numbers
                    .tracking(text, &digits, &hits, &facts.order_numbers);
            let mut taken: Vec<Span> = facts.order_numbers.iter().map(|f| f.span).collect();
            taken.extend(facts.tracking_numbers.iter().map(|t| t.span));
            facts.phones = self.numbers.phones(text, &digits, &hits, &taken);
            facts.amounts = self.money.amounts(text, &digits);
            facts.dates = self.time.dates(text, &digits);
        }
        let group = |index| literal_group(literal_hits, index);
        facts.emails = self.urls.emails(text, &group(SPELLED_AT));
        facts.urls = self.urls.urls(text, &facts.emails);
        facts.messengers = self
            .messengers
            .find(text, &group(LINK_STARTS), &group(MENTIONS));
        facts.deadlines = self.deadlines.find(text, &digits, &group(WORDED_DEADLINES));
        facts.gift_cards = self.gifts.find(text, &group(GIFT_WORDS));
        facts
    }
}

/// The hits of `LITERAL_GROUPS[group]`, numbered within it, by start and then list order.
fn literal_group(hits: &[LiteralHit], group: usize) -> Vec<LiteralHit> {
    let range = group_range(group);
    let mut out: Vec<LiteralHit> = hits
        .iter()
        .filter(|h| range.contains(&h.literal))
        .map(|h| LiteralHit {
            literal: h.literal - range.start,
            ..*h
        })
        .collect();
    out.sort_unstable_by_key(|h| (h.start, h.literal));
    out
}

/// The hits of `LITERAL_GROUPS[group]` in `text`, as [`FactExtractor::extract_with`] hands
/// them on.
#[cfg(test)]
fn scan_group(text: &str, group: usize) -> Vec<LiteralHit> {
    static SCANNER: OnceLock<LiteralScanner> = OnceLock::new();
    let scanner = SCANNER.get_or_init(|| LiteralScanner::new(&[FactExtractor::literals()]));
    let hits = scanner.scan(text).into_iter().next().unwrap_or_default();
    literal_group(&hits, group)
}

/// Where `LITERAL_GROUPS[group]` lies in [`FactExtractor::literals`].
fn group_range(group: usize) -> Range<usize> {
    let start: usize = LITERAL_GROUPS.iter().take(group).map(|g| g.len()).sum();
    start..start + LITERAL_GROUPS.get(group).map_or(0, |g| g.len())
}

impl Default for FactExtractor {
    fn default() -> Self {
        Self::new()
    }
}

/// Compile a constant pattern. Every pattern is compiled by `FactExtractor::new()` in tests.
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("constant fact pattern must compile")
}

fn byte_before(text: &str, pos: usize) -> Option<u8> {
    pos.checked_sub(1)
        .and_then(|p| text.as_bytes().get(p))
        .copied()
}

fn byte_after(text: &str, pos: usize) -> Option<u8> {
    text.as_bytes().get(pos).copied()
}

fn is_alnum(b: Option<u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_alphanumeric())
}

/// No ASCII letter or digit touches the span on either side.
fn ascii_bounded(text: &str, start: usize, end: usize) -> bool {
    !is_alnum(byte_before(text, start)) && !is_alnum(byte_after(text, end))
}

/// A number does not continue past `end` ("-5", ".5", "5").
fn number_ends(text: &str, end: usize) -> bool {
    let next = byte_after(text, end);
    let after = byte_after(text, end + 1);
    if is_alnum(next) {
        return false;
    }
    !(matches!(next, Some(b'-' | b'.' | b'/' | b',')) && after.is_some_and(|b| b.is_ascii_digit()))
}

/// A number does not start before `start` ("5-", "5.", "-").
fn number_starts(text: &str, start: usize) -> bool {
    let prev = byte_before(text, start);
    if is_alnum(prev) || matches!(prev, Some(b'+' | b'_')) {
        return false;
    }
    let before = start.checked_sub(1).and_then(|p| byte_before(text, p));
    !(matches!(prev, Some(b'-' | b'.' | b'/' | b',')) && before.is_some_and(|b| b.is_ascii_digit()))
}

fn overlaps(spans: &[Span], span: Span) -> bool {
    spans
        .iter()
        .any(|s| s.start < span.end && span.start < s.end)
}

/// Sort by position and drop items overlapping an earlier, longer-or-equal one.
fn dedup_overlapping<T>(mut items: Vec<T>, span: impl Fn(&T) -> Span) -> Vec<T> {
    items.sort_by_key(|t| {
        let s = span(t);
        (s.start, std::cmp::Reverse(s.end))
    });
    let mut out: Vec<T> = Vec::with_capacity(items.len().min(MAX_PER_KIND));
    for item in items {
        let s = span(&item);
        let clash = out.last().is_some_and(|prev| span(prev).end > s.start);
        if !clash && out.len() < MAX_PER_KIND {
            out.push(item);
        }
    }
    out
}
