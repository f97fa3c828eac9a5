//! Patterns with long bounded gaps (`(review|rating).{0,60}(gift card|refund)`), searched
//! piece by piece.
//!
//! A lazy DFA for such a pattern tracks how far into the gap it is together with every
//! partial match of what follows, so each gap costs it hundreds of states: three quarters of
//! the knowledge's automaton states are gaps, and building them was most of what a first
//! pass over a mailbox cost. Split at its gaps, a pattern is a chain of small gap-free pieces.
//! The first runs anchored where the prefilter says a match may start; each next piece runs
//! anchored at the places in the gap where its matches may start (by their first bytes and
//! first two characters, [`StartFilter`]), furthest first, as a greedy gap prefers.
//!
//! That finds exactly the whole pattern's leftmost-first match end. The rest of the chain is
//! tried first from where a piece's own leftmost-first match ends, which is the end the whole
//! pattern prefers; only where the rest fails from there does it matter that a piece could
//! end elsewhere (`アカウント(が|を)?`). Then the piece's other ends are tried, and those from
//! which the rest matches must all lead to the same match end: otherwise the whole pattern's
//! priorities among them would decide. In that case, and where the chain would try too many
//! places, the search answers [`Undecided`] and the caller asks the whole pattern's automaton.

use std::collections::BTreeMap;
use std::ops::Range;

use regex_automata::hybrid::dfa::OverlappingState;
use regex_automata::{Anchored, Input};
use regex_syntax::ast::{self, Ast, GroupKind, RepetitionKind, RepetitionRange};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind};

use super::patterns::{LazyDfa, SearchCaches};

/// Gaps shorter than this stay inside their piece: their few states cost less than a split.
const MIN_GAP_CHARS: u32 = 8;
/// The most anchored piece searches one chain search may run before it gives the question
/// to the whole pattern's automaton, whose cost is linear in the text: chains of two gaps
/// over text that repeats their pieces would otherwise try every pair of places.
const MAX_PIECE_SEARCHES: usize = 512;

/// A gap between two pieces: `.{0,max_chars}` (lazy: `.{0,max_chars}?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Gap {
    pub max_chars: usize,
    pub greedy: bool,
}

/// A pattern cut at its top-level gaps: `pieces[0] gaps[0] pieces[1] …`, each piece the
/// pattern's own source text, none of which can match the empty string.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct GapSplit {
    pub pieces: Vec<String>,
    pub gaps: Vec<Gap>,
}

/// The split of a ([`super::patterns::prepare`]d) pattern, `parsed` its syntax tree, at its
/// top-level gaps of at least [`MIN_GAP_CHARS`] characters; `None` when it has none, when a
/// piece could match the empty string, or when a flag set at its top level (`(?s)`) would
/// not reach the pieces after it.
pub(super) fn split_at_gaps(source: &str, parsed: &Ast) -> Option<GapSplit> {
    let items = &top_level_concat(parsed)?.asts;
    if items.iter().any(|item| matches!(item, Ast::Flags(_))) {
        return None;
    }
    let mut pieces = Vec::new();
    let mut gaps = Vec::new();
    // The piece being gathered, and whether it can match the empty string.
    let mut piece: Option<(Range<usize>, bool)> = None;
    for item in items {
        let span = item.span().start.offset..item.span().end.offset;
        match (as_gap(item), piece.take()) {
            (Some(gap), Some((before, false))) => {
                pieces.push(before);
                gaps.push(gap);
            }
            (Some(_), _) => return None,
            (None, None) => piece = Some((span, can_be_empty(item))),
            (None, Some((before, empty))) => {
                piece = Some((before.start..span.end, empty && can_be_empty(item)));
            }
        }
    }
    match piece? {
        (last, false) => pieces.push(last),
        (_, true) => return None,
    }
    if gaps.is_empty() {
        return None;
    }
    let pieces = pieces
        .into_iter()
        .map(|range| source.get(range).map(str::to_string))
        .collect::<Option<_>>()?;
    Some(GapSplit { pieces, gaps })
}

/// The concatenation a pattern is, inside any groups that only capture.
fn top_level_concat(ast: &Ast) -> Option<&ast::Concat> {
    match ast {
        Ast::Concat(concat) => Some(concat),
        Ast::Group(group) => match &group.kind {
            GroupKind::CaptureIndex(_) | GroupKind::CaptureName { .. } => {
                top_level_concat(&group.ast)
            }
            GroupKind::NonCapturing(flags) if flags.items.is_empty() => {
                top_level_concat(&group.ast)
            }
            GroupKind::NonCapturing(_) => None,
        },
        _ => None,
    }
}

/// `.{0,n}` or `.{0,n}?` with `n` at least [`MIN_GAP_CHARS`].
fn as_gap(item: &Ast) -> Option<Gap> {
    let Ast::Repetition(repetition) = item else {
        return None;
    };
    let RepetitionKind::Range(RepetitionRange::Bounded(0, max)) = repetition.op.kind else {
        return None;
    };
    if max < MIN_GAP_CHARS || !matches!(*repetition.ast, Ast::Dot(_)) {
        return None;
    }
    Some(Gap {
        max_chars: usize::try_from(max).ok()?,
        greedy: repetition.greedy,
    })
}

/// Whether `ast` can match the empty string.
fn can_be_empty(ast: &Ast) -> bool {
    match ast {
        Ast::Empty(_) | Ast::Flags(_) | Ast::Assertion(_) => true,
        Ast::Literal(_)
        | Ast::Dot(_)
        | Ast::ClassUnicode(_)
        | Ast::ClassPerl(_)
        | Ast::ClassBracketed(_) => false,
        Ast::Repetition(repetition) => {
            let at_least = match &repetition.op.kind {
                RepetitionKind::ZeroOrOne | RepetitionKind::ZeroOrMore => 0,
                RepetitionKind::OneOrMore => 1,
                RepetitionKind::Range(
                    RepetitionRange::Exactly(n)
                    | RepetitionRange::AtLeast(n)
                    | RepetitionRange::Bounded(n, _),
                ) => *n,
            };
            at_least == 0 || can_be_empty(&repetition.ast)
        }
        Ast::Group(group) => can_be_empty(&group.ast),
        Ast::Alternation(alternation) => alternation.asts.iter().any(can_be_empty),
        Ast::Concat(concat) => concat.asts.iter().all(can_be_empty),
    }
}

/// The bytes a match of `hir` can start with (a superset); `hir` must not match the empty
/// string, or the set says nothing.
fn first_bytes(hir: &Hir) -> ByteSet {
    let mut set = ByteSet::default();
    add_first_bytes(hir, &mut set);
    set
}

/// Adds the bytes a match of `hir` can start with to `set`; true if it can match the empty
/// string (so what follows it can start the match too).
fn add_first_bytes(hir: &Hir, set: &mut ByteSet) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(literal) => match literal.0.first() {
            Some(&byte) => {
                set.insert(byte);
                false
            }
            None => true,
        },
        HirKind::Class(Class::Bytes(class)) => {
            for range in class.ranges() {
                (range.start()..=range.end()).for_each(|byte| set.insert(byte));
            }
            false
        }
        HirKind::Class(Class::Unicode(class)) => {
            // UTF-8 lead bytes grow with the code point: a range's members start with the
            // bytes between those of its ends.
            for range in class.ranges() {
                (lead_byte(range.start())..=lead_byte(range.end())).for_each(|b| set.insert(b));
            }
            false
        }
        HirKind::Repetition(repetition) => {
            add_first_bytes(&repetition.sub, set) || repetition.min == 0
        }
        HirKind::Capture(capture) => add_first_bytes(&capture.sub, set),
        HirKind::Concat(pieces) => pieces.iter().all(|piece| add_first_bytes(piece, set)),
        HirKind::Alternation(branches) => {
            // Every branch adds its bytes: no short cut.
            let mut empty = false;
            for branch in branches {
                empty |= add_first_bytes(branch, set);
            }
            empty
        }
    }
}

fn lead_byte(c: char) -> u8 {
    let mut buf = [0; 4];
    c.encode_utf8(&mut buf).as_bytes()[0]
}

/// A set of bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, byte: u8) {
        self.0[usize::from(byte >> 6)] |= 1 << (byte & 63);
    }

    fn contains(&self, byte: u8) -> bool {
        self.0[usize::from(byte >> 6)] >> (byte & 63) & 1 == 1
    }
}

/// What the matches of a piece can start with, to test a place cheaply before the piece's
/// automaton runs there: their first bytes, and where the piece's prefixes are a finite set,
/// their first one or two characters (a Bloom filter: Japanese text starts nearly every
/// character with one of a few bytes).
#[derive(Debug, Clone)]
pub(super) struct StartFilter {
    bytes: ByteSet,
    prefixes: Option<PrefixFilter>,
    /// Every match ends at one place only: the piece's matches are a finite set of
    /// literals, none the start of another.
    ends_once: bool,
}

#[derive(Debug, Clone)]
struct PrefixFilter {
    /// How many characters of a place are hashed: 1 or 2.
    chars: usize,
    bits: Box<[u64; PREFIX_FILTER_WORDS]>,
}

const PREFIX_FILTER_WORDS: usize = 64;
const PREFIX_FILTER_BITS: u32 = 12;

impl StartFilter {
    /// The filter of a piece, which is searched case-insensitively: `hir` is its parse as
    /// searched, `literal_hir` its (much cheaper to take literals from) case-sensitive parse.
    /// Neither may match the empty string.
    pub fn new(hir: &Hir, literal_hir: &Hir) -> StartFilter {
        let prefixes = Extractor::new()
            .kind(ExtractKind::Prefix)
            .extract(literal_hir);
        // Literals cut inside a character keep their whole characters.
        let literals: Vec<&str> = prefixes
            .literals()
            .unwrap_or_default()
            .iter()
            .map(|l| valid_start(l.as_bytes()))
            .collect();
        let mut variants = CaseVariants::default();
        let prefix_filter = PrefixFilter::new(&literals, &mut variants);
        let all_valid = prefixes.literals().is_some_and(|all| {
            all.iter()
                .all(|l| std::str::from_utf8(l.as_bytes()).is_ok())
        });
        StartFilter {
            bytes: first_bytes(hir),
            prefixes: prefix_filter,
            ends_once: prefixes.is_exact()
                && all_valid
                && none_starts_another(&literals, &mut variants),
        }
    }

    pub fn ends_once(&self) -> bool {
        self.ends_once
    }

    /// Whether a match may start at `place`, a character boundary.
    fn may_start_at(&self, text: &str, place: usize) -> bool {
        let Some(filter) = &self.prefixes else {
            return true;
        };
        let mut chars = text.get(place..).unwrap_or_default().chars();
        let first = chars.next();
        let second = if filter.chars == 2 {
            chars.next()
        } else {
            Some('\0')
        };
        match (first, second) {
            (Some(first), Some(second)) => filter.contains(first, second),
            _ => false,
        }
    }
}

impl PrefixFilter {
    /// The filter of case-sensitive prefixes, searched case-insensitively: each prefix's
    /// every case variant is in it.
    fn new(literals: &[&str], variants: &mut CaseVariants) -> Option<PrefixFilter> {
        let firsts: Vec<(Option<char>, Option<char>)> = literals
            .iter()
            .map(|literal| {
                let mut chars = literal.chars();
                (chars.next(), chars.next())
            })
            .collect();
        let chars = if firsts.iter().all(|(_, second)| second.is_some()) {
            2
        } else if firsts.iter().all(|(first, _)| first.is_some()) {
            1
        } else {
            return None;
        };
        let mut filter = PrefixFilter {
            chars,
            bits: Box::new([0; PREFIX_FILTER_WORDS]),
        };
        for (first, second) in firsts {
            let firsts = variants.of(first?).to_vec();
            let seconds = match second.filter(|_| chars == 2) {
                Some(second) => variants.of(second).to_vec(),
                None => vec!['\0'],
            };
            for &a in &firsts {
                seconds.iter().for_each(|&b| filter.insert(a, b));
            }
        }
        (!literals.is_empty()).then_some(filter)
    }

    fn insert(&mut self, first: char, second: char) {
        let bit = prefix_hash(first, second);
        self.bits[bit / 64] |= 1 << (bit % 64);
    }

    fn contains(&self, first: char, second: char) -> bool {
        let bit = prefix_hash(first, second);
        self.bits[bit / 64] >> (bit % 64) & 1 == 1
    }
}

/// The longest start of `bytes` that is UTF-8 (a literal may be cut inside a character).
fn valid_start(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(all) => all,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// `c` and the characters a case-insensitive search takes for it (`k`: `K` and the
/// Kelvin sign).
fn case_variants(c: char) -> Vec<char> {
    match c {
        'k' | 'K' => vec!['K', 'k', '\u{212A}'],
        's' | 'S' => vec!['S', 's', '\u{17F}'],
        _ if c.is_ascii_alphabetic() => vec![c.to_ascii_uppercase(), c.to_ascii_lowercase()],
        _ if c.is_ascii() => vec![c],
        _ => {
            let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
            class.case_fold_simple();
            class
                .ranges()
                .iter()
                .flat_map(|range| range.start()..=range.end())
                .collect()
        }
    }
}

/// [`case_variants`] of characters, each worked out once.
#[derive(Default)]
struct CaseVariants(BTreeMap<char, Vec<char>>);

impl CaseVariants {
    fn of(&mut self, c: char) -> &[char] {
        self.0.entry(c).or_insert_with(|| case_variants(c))
    }

    /// The same character for all case variants of `c`.
    fn fold(&mut self, c: char) -> char {
        if c.is_ascii() {
            // The smallest of `k`, `K` and the Kelvin sign (of `s`, `S`, `ſ`) is upper case too.
            return c.to_ascii_uppercase();
        }
        self.of(c).iter().copied().min().unwrap_or(c)
    }
}

fn prefix_hash(first: char, second: char) -> usize {
    let mixed =
        u32::from(first).wrapping_mul(0x9E37_79B1) ^ u32::from(second).wrapping_mul(0x85EB_CA77);
    (mixed >> (32 - PREFIX_FILTER_BITS)) as usize
}

/// Whether no literal in a set is the start of another, compared as a case-insensitive
/// search compares them (equal ones are one).
fn none_starts_another(literals: &[&str], variants: &mut CaseVariants) -> bool {
    let mut folded: Vec<Vec<char>> = literals
        .iter()
        .map(|literal| literal.chars().map(|c| variants.fold(c)).collect())
        .collect();
    folded.sort_unstable();
    folded.dedup();
    // In sorted order a literal that starts another is followed by one it starts.
    folded.windows(2).all(|pair| !pair[1].starts_with(&pair[0]))
}

impl Gap {
    /// Where the gap can end at the latest when it starts at `from`: after `max_chars`
    /// characters, or before the first line break (`.` takes none) or the end of the text.
    fn furthest_end(self, text: &str, from: usize) -> usize {
        let Some(rest) = text.get(from..) else {
            return from;
        };
        for (taken, (at, c)) in rest.char_indices().enumerate() {
            if taken == self.max_chars || c == '\n' {
                return from + at;
            }
        }
        text.len()
    }
}

/// Why a chain search gives the question back: a piece can end at several places from
/// which the rest matches differently and its preferred end does not settle it, a piece's
/// automaton could not answer, or the search tried [`MAX_PIECE_SEARCHES`] places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Undecided;

/// The most places one piece match may end at; more leave the search [`Undecided`].
const MAX_PIECE_ENDS: usize = 8;

/// A piece followed by a gap. A piece can end at several places (`アカウント(が|を)?`):
/// `preferred_end` reports the one its leftmost-first match takes, and `every_end` (built
/// only when the rest does not match from there) them all.
#[derive(Debug)]
pub(super) struct Link {
    pub every_end: LazyDfa,
    pub preferred_end: LazyDfa,
    pub gap: Gap,
}

/// The pieces of a split pattern, each with lazy DFAs built on first use.
#[derive(Debug)]
pub(super) struct GapChain {
    /// Each piece but the last, with the gap after it.
    links: Vec<Link>,
    last: LazyDfa,
}

impl GapChain {
    /// `links` are the first pieces of a [`GapSplit`] with the gaps after them, `last` its
    /// last piece.
    pub fn new(links: Vec<Link>, last: LazyDfa) -> GapChain {
        GapChain { links, last }
    }

    /// Where the whole pattern's leftmost-first match that starts exactly at `at` ends.
    pub fn match_end_from(
        &self,
        caches: &mut SearchCaches,
        text: &str,
        at: usize,
    ) -> Result<Option<usize>, Undecided> {
        let mut budget = MAX_PIECE_SEARCHES;
        self.end_from(0, caches, text, at, &mut budget)
    }

    /// The leftmost-first end of the chain from piece `link` on, anchored at `at`.
    fn end_from(
        &self,
        link: usize,
        caches: &mut SearchCaches,
        text: &str,
        at: usize,
        budget: &mut usize,
    ) -> Result<Option<usize>, Undecided> {
        *budget = budget.checked_sub(1).ok_or(Undecided)?;
        let Some(piece) = self.links.get(link) else {
            return self
                .last
                .leftmost_end_from(caches, text, at)
                .ok_or(Undecided);
        };
        // The whole pattern takes the first of the piece's matches, in the piece's order of
        // preference, from whose end the rest matches.
        let Some(preferred) = piece
            .preferred_end
            .leftmost_end_from(caches, text, at)
            .ok_or(Undecided)?
        else {
            return Ok(None);
        };
        if let Some(end) = self.across_gap(link, caches, text, preferred, budget)? {
            return Ok(Some(end));
        }
        if piece.preferred_end.ends_once() == Some(true) {
            return Ok(None);
        }
        // Which of the other ends the piece prefers is unknown; where all those from which
        // the rest matches lead to the same match end, it does not matter.
        let mut found = None;
        for &end in piece.every_end.ends_from(caches, text, at)?.as_slice() {
            if end == preferred {
                continue;
            }
            match (self.across_gap(link, caches, text, end, budget)?, found) {
                (Some(whole), None) => found = Some(whole),
                (Some(whole), Some(before)) if whole != before => return Err(Undecided),
                _ => {}
            }
        }
        Ok(found)
    }

    /// The leftmost-first end of the chain after piece `link` ended at `piece_end`: the
    /// next piece's match from the furthest place in the gap where there is one (the
    /// nearest for a lazy gap).
    fn across_gap(
        &self,
        link: usize,
        caches: &mut SearchCaches,
        text: &str,
        piece_end: usize,
        budget: &mut usize,
    ) -> Result<Option<usize>, Undecided> {
        let Some(Link { gap, .. }) = self.links.get(link) else {
            return Ok(None);
        };
        let span = piece_end..gap.furthest_end(text, piece_end).saturating_add(1);
        let Some(next) = self.links.get(link + 1) else {
            return self
                .last
                .first_end_at(caches, text, span, gap.greedy, budget);
        };
        let starts = next.preferred_end.start_filter().ok_or(Undecided)?;
        for place in places(text, span, starts, gap.greedy) {
            if let Some(end) = self.end_from(link + 1, caches, text, place, budget)? {
                return Ok(Some(end));
            }
        }
        Ok(None)
    }
}

/// The places in `span` (a gap) where a piece whose matches start as `starts` says may
/// start, from the back when the gap is greedy.
fn places<'a>(
    text: &'a str,
    span: Range<usize>,
    starts: &'a StartFilter,
    greedy: bool,
) -> impl Iterator<Item = usize> + 'a {
    let bytes = text.as_bytes();
    let Range {
        start: mut front,
        end: mut back,
    } = span;
    std::iter::from_fn(move || {
        while front < back {
            let place = if greedy {
                back -= 1;
                back
            } else {
                front += 1;
                front - 1
            };
            if bytes.get(place).is_some_and(|&b| starts.bytes.contains(b))
                && text.is_char_boundary(place)
                && starts.may_start_at(text, place)
            {
                return Some(place);
            }
        }
        None
    })
}

/// The places where one piece match can end, in text order.
struct PieceEnds {
    ends: [usize; MAX_PIECE_ENDS],
    len: usize,
}

impl PieceEnds {
    fn as_slice(&self) -> &[usize] {
        &self.ends[..self.len]
    }
}

impl LazyDfa {
    /// Every place where a match of this (`MatchKind::All`) piece from `at` ends;
    /// [`Undecided`] when the automaton cannot answer or there are more than
    /// [`MAX_PIECE_ENDS`].
    fn ends_from(
        &self,
        caches: &mut SearchCaches,
        text: &str,
        at: usize,
    ) -> Result<PieceEnds, Undecided> {
        let input = Input::new(text).range(at..).anchored(Anchored::Yes);
        self.with_cache(caches, |dfa, cache| {
            let mut state = OverlappingState::start();
            let mut found = PieceEnds {
                ends: [0; MAX_PIECE_ENDS],
                len: 0,
            };
            loop {
                dfa.try_search_overlapping_fwd(cache, &input, &mut state)
                    .map_err(|_| Undecided)?;
                let Some(end) = state.get_match() else {
                    return Ok(found);
                };
                *found.ends.get_mut(found.len).ok_or(Undecided)? = end.offset();
                found.len += 1;
            }
        })
        .unwrap_or(Err(Undecided))
    }

    /// Where this (leftmost-first) piece's match from `at` ends; `None` if the automaton
    /// cannot answer.
    fn leftmost_end_from(
        &self,
        caches: &mut SearchCaches,
        text: &str,
        at: usize,
    ) -> Option<Option<usize>> {
        let input = Input::new(text).range(at..).anchored(Anchored::Yes);
        self.search_fwd(caches, &input)?
            .ok()
            .map(|found| found.map(|m| m.offset()))
    }

    /// The end of this (leftmost-first) piece's match from the first place in `span`
    /// (from the back when `from_back`) where it has one.
    fn first_end_at(
        &self,
        caches: &mut SearchCaches,
        text: &str,
        span: Range<usize>,
        from_back: bool,
        budget: &mut usize,
    ) -> Result<Option<usize>, Undecided> {
        let starts = self.start_filter().ok_or(Undecided)?;
        self.with_cache(caches, |dfa, cache| {
            let mut input = Input::new(text).anchored(Anchored::Yes);
            for place in places(text, span, starts, from_back) {
                *budget = budget.checked_sub(1).ok_or(Undecided)?;
                input.set_start(place);
                let found = dfa.try_search_fwd(cache, &input).map_err(|_| Undecided)?;
                if let Some(end) = found {
                    return Ok(Some(end.offset()));
                }
            }
            Ok(None)
        })
        .unwrap_or(Err(Undecided))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::patterns::prepare;

    fn split(pattern: &str) -> Option<GapSplit> {
        let source = prepare(pattern);
        let parsed = ast::parse::Parser::new().parse(&source).expect("parses");
        split_at_gaps(&source, &parsed)
    }

    fn gap(max_chars: usize) -> Gap {
        Gap {
            max_chars,
            greedy: true,
        }
    }

    #[test]
    fn patterns_split_at_their_long_top_level_gaps() {
        let found = split(r"(review|rating).{0,60}(gift ?card|refund).{0,20}\bnow").expect("split");
        assert_eq!(
            found.pieces,
            ["(review|rating)", "(gift ?card|refund)", r"(?-u:\b)now"]
        );
        assert_eq!(found.gaps, [gap(60), gap(20)]);
        let lazy = split("(a.{0,9}?b)").expect("split inside a capture group");
        assert_eq!(lazy.pieces, ["a", "b"]);
        assert!(!lazy.gaps[0].greedy);
    }

    #[test]
    fn patterns_without_a_safe_split_stay_whole() {
        assert_eq!(split("a.{0,7}b"), None, "too short a gap");
        assert_eq!(split("a.{1,20}b"), None, "a gap that must take a character");
        assert_eq!(split("a[^x]{0,20}b"), None, "not a dot");
        assert_eq!(split("(?s)a.{0,20}b"), None, "a flag the pieces would lose");
        assert_eq!(split("(?i:a.{0,20}b)"), None);
        assert_eq!(split(".{0,20}b"), None, "nothing before the gap");
        assert_eq!(split("a.{0,20}"), None, "nothing after it");
        assert_eq!(
            split("a.{0,20}(b)?"),
            None,
            "a piece that matches the empty string"
        );
        assert_eq!(split("a|b.{0,20}c"), None, "an alternation");
        assert_eq!(split("(a.{0,20}b)c(?:d.{0,20}e)"), None, "nested gaps");
    }

    fn parse_ignoring_case(pattern: &str) -> Hir {
        regex_automata::util::syntax::parse_with(
            &prepare(pattern),
            &regex_automata::util::syntax::Config::new().case_insensitive(true),
        )
        .expect("parses")
    }

    fn first(pattern: &str) -> String {
        let set = first_bytes(&parse_ignoring_case(pattern));
        (0..=255u8)
            .filter(|&b| set.contains(b))
            .map(|b| {
                if b.is_ascii() {
                    char::from(b).to_string()
                } else {
                    format!("<{b:X}>")
                }
            })
            .collect()
    }

    #[test]
    fn first_bytes_cover_case_variants_optional_parts_and_lead_bytes() {
        assert_eq!(first(r"\bgift"), "Gg");
        assert_eq!(
            first("(a )?(review|k)"),
            "AKRakr<E2>",
            "the Kelvin sign starts with E2"
        );
        assert_eq!(first("(ギフト|返金)"), "<E3><E8>");
        assert_eq!(first("[0-9]+x"), "0123456789");
        assert_eq!(first("x*y"), "XYxy");
    }

    fn filter(pattern: &str) -> StartFilter {
        let literal_hir = regex_syntax::parse(&prepare(pattern)).expect("parses");
        StartFilter::new(&parse_ignoring_case(pattern), &literal_hir)
    }

    #[test]
    fn start_filters_test_the_first_two_characters_of_a_place() {
        let refund = filter(r"\b(refund|gift ?card)s?");
        assert!(refund.may_start_at("a refund", 2));
        assert!(refund.may_start_at("GIFT CARD", 0));
        assert!(!refund.may_start_at("a rating", 2));
        assert!(
            refund.may_start_at("a reward", 2),
            "the first two characters only"
        );
        assert!(!refund.may_start_at("r", 0), "too short for a match");
        let japanese = filter("(返信|送|教え)");
        assert!(japanese.may_start_at("ご返信", 3));
        assert!(
            japanese.may_start_at("送", 0),
            "one-character prefixes hash one character"
        );
        assert!(!japanese.may_start_at("ご返信", 0));
        let digits = filter("[0-9]+円");
        assert!(digits.may_start_at("12円", 0));
    }

    #[test]
    fn a_piece_ends_once_when_its_literals_do_not_start_one_another() {
        assert!(filter("(ギフト券|返金)").ends_once());
        assert!(filter(r"\b(review|rating)\b").ends_once());
        assert!(
            !filter("アカウント(が|を)?").ends_once(),
            "with and without a particle"
        );
        assert!(!filter("(review|reviews)").ends_once());
        assert!(!filter("[0-9]+").ends_once(), "not a finite set");
        assert!(
            !filter("(k|\u{212A}m)").ends_once(),
            "the Kelvin sign is a k"
        );
        assert!(filter("(ok|OK)").ends_once(), "one literal in two cases");
    }

    #[test]
    fn ascii_case_variants_are_those_of_unicode_simple_case_folding() {
        for c in (0..=127u8).map(char::from) {
            let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
            class.case_fold_simple();
            let mut folded: Vec<char> = class
                .ranges()
                .iter()
                .flat_map(|range| range.start()..=range.end())
                .collect();
            let mut fast = case_variants(c);
            folded.sort_unstable();
            fast.sort_unstable();
            assert_eq!(fast, folded, "{c:?}");
            assert_eq!(
                Some(CaseVariants::default().fold(c)),
                folded.first().copied()
            );
        }
    }

    #[test]
    fn a_gap_ends_at_its_length_a_line_break_or_the_text_end() {
        assert_eq!(gap(3).furthest_end("abcdef", 1), 4);
        assert_eq!(gap(3).furthest_end("ab\ncdef", 0), 2);
        assert_eq!(gap(3).furthest_end("ab", 0), 2);
        assert_eq!(gap(2).furthest_end("ギフト券", 3), 9);
        assert_eq!(
            gap(9).furthest_end("ギフト", 1),
            1,
            "not at a character start"
        );
    }
}
