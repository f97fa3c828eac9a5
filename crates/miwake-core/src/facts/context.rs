//! Context words (carriers, "tracking number", "phone") found once per text with one
//! literal-set pass, then looked up near each number candidate.

use std::cell::OnceCell;

use regex::Regex;

use super::{ascii_bounded, re, Carrier};
use crate::message::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cue {
    Carrier(Carrier),
    TrackingLabel,
    PhoneLabel,
}

const WORDS: &[(&str, Cue)] = &[
    ("ヤマト", Cue::Carrier(Carrier::Yamato)),
    ("クロネコ", Cue::Carrier(Carrier::Yamato)),
    ("宅急便", Cue::Carrier(Carrier::Yamato)),
    ("yamato", Cue::Carrier(Carrier::Yamato)),
    ("kuroneko", Cue::Carrier(Carrier::Yamato)),
    ("佐川", Cue::Carrier(Carrier::Sagawa)),
    ("飛脚", Cue::Carrier(Carrier::Sagawa)),
    ("sagawa", Cue::Carrier(Carrier::Sagawa)),
    ("日本郵便", Cue::Carrier(Carrier::JapanPost)),
    ("ゆうパック", Cue::Carrier(Carrier::JapanPost)),
    ("ゆうパケット", Cue::Carrier(Carrier::JapanPost)),
    ("ゆうメール", Cue::Carrier(Carrier::JapanPost)),
    ("郵便", Cue::Carrier(Carrier::JapanPost)),
    ("レターパック", Cue::Carrier(Carrier::JapanPost)),
    ("クリックポスト", Cue::Carrier(Carrier::JapanPost)),
    ("書留", Cue::Carrier(Carrier::JapanPost)),
    ("japan post", Cue::Carrier(Carrier::JapanPost)),
    ("japanpost", Cue::Carrier(Carrier::JapanPost)),
    ("fedex", Cue::Carrier(Carrier::Fedex)),
    ("フェデックス", Cue::Carrier(Carrier::Fedex)),
    ("dhl", Cue::Carrier(Carrier::Dhl)),
    ("usps", Cue::Carrier(Carrier::Usps)),
    ("ups", Cue::Carrier(Carrier::Ups)),
    ("追跡番号", Cue::TrackingLabel),
    ("伝票番号", Cue::TrackingLabel),
    ("お問い合わせ番号", Cue::TrackingLabel),
    ("お問合せ番号", Cue::TrackingLabel),
    ("お問合わせ番号", Cue::TrackingLabel),
    ("問い合わせ番号", Cue::TrackingLabel),
    ("送り状番号", Cue::TrackingLabel),
    ("荷物番号", Cue::TrackingLabel),
    ("配送番号", Cue::TrackingLabel),
    ("追跡", Cue::TrackingLabel),
    ("tracking", Cue::TrackingLabel),
    ("waybill", Cue::TrackingLabel),
    ("awb", Cue::TrackingLabel),
    ("電話", Cue::PhoneLabel),
    ("携帯", Cue::PhoneLabel),
    ("連絡先", Cue::PhoneLabel),
    ("フリーダイヤル", Cue::PhoneLabel),
    ("tel", Cue::PhoneLabel),
    ("phone", Cue::PhoneLabel),
    ("call", Cue::PhoneLabel),
    ("fax", Cue::PhoneLabel),
];

/// How far before / after a number a context word may sit, in bytes (Japanese needs the
/// longer reach: a carrier named one sentence earlier is ~25 characters, 75 bytes, away).
pub(super) const BEFORE: usize = 160;
pub(super) const AFTER: usize = 32;

#[derive(Debug)]
pub(super) struct Context {
    /// `WORDS`, longest first: leftmost-first then finds the longest word at each place.
    /// (The regex crate's literal search is several times cheaper than a plain
    /// Aho–Corasick automaton here.)
    words: Regex,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Hit {
    pub span: Span,
    pub cue: Cue,
}

impl Context {
    pub fn new() -> Self {
        let mut words: Vec<&str> = WORDS.iter().map(|(w, _)| *w).collect();
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        let alternation: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
        Context {
            words: re(&alternation.join("|")),
        }
    }

    /// All context words in the text, in order. ASCII words must stand alone ("ups", not "groups").
    #[inline(never)]
    pub fn scan(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        for m in self.words.find_iter(text) {
            let Some(&(word, cue)) = WORDS.iter().find(|(w, _)| *w == m.as_str()) else {
                continue;
            };
            if word.is_ascii() && !ascii_bounded(text, m.start(), m.end()) {
                continue;
            }
            hits.push(Hit {
                span: Span::new(m.start(), m.end()),
                cue,
            });
            if hits.len() >= 4096 {
                break;
            }
        }
        hits
    }
}

/// The context words of one text, found on first use: most texts hold no number that
/// needs them.
pub(super) struct Hits<'t> {
    context: &'t Context,
    text: &'t str,
    found: OnceCell<Vec<Hit>>,
}

impl<'t> Hits<'t> {
    pub fn new(context: &'t Context, text: &'t str) -> Self {
        Hits {
            context,
            text,
            found: OnceCell::new(),
        }
    }

    pub fn get(&self) -> &[Hit] {
        self.found.get_or_init(|| self.context.scan(self.text))
    }
}

/// Context hits near `span` that satisfy `want`, nearest first.
pub(super) fn near(hits: &Hits<'_>, span: Span, want: impl Fn(Cue) -> bool) -> Vec<Hit> {
    let hits = hits.get();
    let lo = span.start.saturating_sub(BEFORE);
    let hi = span.end.saturating_add(AFTER);
    let first = hits.partition_point(|h| h.span.end < lo);
    let mut found: Vec<Hit> = hits[first..]
        .iter()
        .take_while(|h| h.span.start <= hi)
        .filter(|h| (h.span.end <= span.start || h.span.start >= span.end) && want(h.cue))
        .copied()
        .collect();
    found.sort_by_key(|h| distance(h.span, span));
    found
}

fn distance(a: Span, b: Span) -> usize {
    if a.end <= b.start {
        b.start - a.end
    } else {
        a.start.saturating_sub(b.end)
    }
}
