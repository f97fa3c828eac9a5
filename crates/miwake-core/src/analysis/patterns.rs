//! A list of knowledge patterns compiled for fast search on normalised text, shared by the
//! pattern rules ([`super::content_rules`]) and the message kinds ([`super::intent`]).
//!
//! One big regex set would be the obvious design, but patterns with bounded gaps
//! (`gift card.{0,40}review`) make its DFA explode, and its lazy DFA is rebuilt in every
//! thread for every new text. Instead every pattern's required prefix literals go into one
//! Aho-Corasick automaton; a single pass over the text finds where a match could start, and
//! the pattern runs anchored there only, on a small forward-only lazy DFA of its own.
//! Patterns without usable prefix literals share one automaton that searches the whole text.
//! The same pass also looks for each pattern's suffix literals: a pattern none of whose
//! suffix literals is in the text cannot match, and is not run at all.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_automata::util::pool::{Pool, PoolGuard};
use regex_automata::{hybrid, meta, nfa::thompson, util::syntax, Anchored, Input, PatternSet};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::Hir;

/// Prefix literals are cut to this many bytes: thousands of long case and spelling variants
/// share a few short prefixes, which keeps the prefilter's DFA small.
const MAX_LITERAL_BYTES: usize = 6;
/// A size limit generous enough for a few hundred Unicode patterns.
const REGEX_SIZE_LIMIT: usize = 64 * 1024 * 1024;

/// Word boundaries in the knowledge mean ASCII word boundaries: Unicode `\b` keeps the regex
/// engine off its fast DFA on Japanese text (a 100× slowdown), and Japanese has no
/// word boundaries to find anyway.
pub fn prepare(pattern: &str) -> String {
    pattern
        .replace(r"\b", r"(?-u:\b)")
        .replace(r"\B", r"(?-u:\B)")
}

/// A pattern that does not compile: its position in the list and the parser's message.
#[derive(Debug)]
pub struct BadPattern {
    pub index: usize,
    pub message: String,
}

/// Compiled patterns, searched case-insensitively. `Send + Sync`; each thread gets its own
/// lazy DFA caches from a pool.
#[derive(Debug)]
pub struct GatedPatterns {
    /// The distinct prefix and suffix literals of every pattern that has them, cut to
    /// [`MAX_LITERAL_BYTES`]; `literal_owners[i]` are the patterns literal `i` starts or ends.
    prefilter: Option<AhoCorasick>,
    literal_owners: Vec<Vec<Owner>>,
    /// Patterns every match of which ends with one of their suffix literals: where none of
    /// those is in the text, the pattern is not run at all.
    has_suffix_literals: Vec<bool>,
    /// Patterns without usable prefix literals: they search the whole text.
    always: Vec<usize>,
    /// All of `always` in one automaton: one pass tells which of them can match at all.
    always_gate: LazyRegexSet,
    patterns: Vec<LazyRegex>,
    caches: Pool<SearchCaches, fn() -> SearchCaches>,
}

/// One thread's lazy DFA caches, one slot per pattern, created on first use.
#[derive(Debug, Default)]
pub struct SearchCaches {
    slots: Vec<Option<hybrid::dfa::Cache>>,
}

pub type Caches<'a> = PoolGuard<'a, SearchCaches, fn() -> SearchCaches>;

/// What a prefilter literal is to a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// Every match of the pattern starts with one of its prefix literals.
    Starts(usize),
    /// Every match of the pattern ends with one of its suffix literals.
    Ends(usize),
}

/// One pass of the prefilter over a text.
#[derive(Debug, Default)]
pub struct Candidates {
    /// `(pattern, start)` for every place a prefix literal starts, in text order.
    pub starts: Vec<(usize, usize)>,
    /// `possible[p]`: pattern `p` may match (one of its suffix literals is in the text, or
    /// it has none).
    pub possible: Vec<bool>,
}

impl GatedPatterns {
    pub fn compile<'a>(
        sources: impl IntoIterator<Item = &'a str>,
    ) -> Result<GatedPatterns, BadPattern> {
        let mut patterns = Vec::new();
        let mut owners_by_literal: BTreeMap<Vec<u8>, Vec<Owner>> = BTreeMap::new();
        let mut add_owner = |literal: Vec<u8>, owner: Owner| {
            let owners = owners_by_literal.entry(literal).or_default();
            if !owners.contains(&owner) {
                owners.push(owner);
            }
        };
        let mut has_suffix_literals = Vec::new();
        let mut always = Vec::new();
        for (index, pattern) in sources.into_iter().enumerate() {
            let source = prepare(pattern);
            // One parse validates the pattern and gives both literal sets: parsing is most of
            // what loading the knowledge costs.
            let hir = regex_syntax::ParserBuilder::new()
                .build()
                .parse(&source)
                .map_err(|e| BadPattern {
                    index,
                    message: e.to_string(),
                })?;
            let regex = LazyRegex::new(source, index);
            match literals(&hir, ExtractKind::Prefix) {
                Some(literals) => {
                    for literal in literals {
                        add_owner(literal, Owner::Starts(index));
                    }
                }
                None => always.push(index),
            }
            let suffixes = literals(&hir, ExtractKind::Suffix);
            has_suffix_literals.push(suffixes.is_some());
            for literal in suffixes.into_iter().flatten() {
                add_owner(literal, Owner::Ends(index));
            }
            patterns.push(regex);
        }
        let (literals, literal_owners): (Vec<Vec<u8>>, Vec<Vec<Owner>>) =
            owners_by_literal.into_iter().unzip();
        // The text is normalised (lower case), so the automaton needs no case folding; a DFA
        // takes one step per byte where an NFA chases failure links.
        let prefilter = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&literals)
            .ok();
        let gate_sources = always.iter().map(|&i| patterns[i].source.clone()).collect();
        Ok(GatedPatterns {
            prefilter,
            literal_owners,
            has_suffix_literals,
            always_gate: LazyRegexSet::new(gate_sources),
            always,
            patterns,
            caches: Pool::new(SearchCaches::default),
        })
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// This thread's caches, for the searches of one text.
    pub fn caches(&self) -> Caches<'_> {
        self.caches.get()
    }

    /// Every place a prefix literal of a pattern starts in `text`, and which patterns may
    /// match at all. Every match of a pattern with prefix literals starts at one of them.
    pub fn candidates(&self, text: &str) -> Candidates {
        let mut found = Candidates {
            starts: Vec::new(),
            possible: self.has_suffix_literals.iter().map(|&has| !has).collect(),
        };
        let Some(ac) = &self.prefilter else {
            return found;
        };
        for hit in ac.find_overlapping_iter(text) {
            let owners = self.literal_owners.get(hit.pattern().as_usize());
            for &owner in owners.into_iter().flatten() {
                match owner {
                    Owner::Starts(pattern) => found.starts.push((pattern, hit.start())),
                    Owner::Ends(pattern) => found.possible[pattern] = true,
                }
            }
        }
        found.starts.retain(|&(pattern, _)| found.possible[pattern]);
        found
    }

    /// Where the leftmost-first match of `pattern` that starts exactly at `at` ends.
    pub fn match_end_from(
        &self,
        caches: &mut SearchCaches,
        pattern: usize,
        text: &str,
        at: usize,
    ) -> Option<usize> {
        self.patterns.get(pattern)?.match_end_from(caches, text, at)
    }

    /// Whether `pattern` matches anywhere in `haystack`.
    pub fn is_match(&self, caches: &mut SearchCaches, pattern: usize, haystack: &str) -> bool {
        self.patterns
            .get(pattern)
            .is_some_and(|p| p.is_match(caches, haystack))
    }

    /// The patterns without prefix literals that match somewhere in `text`, among those
    /// `candidates` found possible.
    pub fn unanchored_that_match(&self, text: &str, candidates: &Candidates) -> Vec<usize> {
        if !self.always.iter().any(|&p| candidates.possible[p]) {
            return Vec::new();
        }
        let Some(gate) = self.always_gate.get() else {
            return self.always.clone();
        };
        let mut found = PatternSet::new(gate.pattern_len());
        gate.which_overlapping_matches(&Input::new(text), &mut found);
        found
            .iter()
            .filter_map(|id| self.always.get(id.as_usize()).copied())
            .collect()
    }

    /// The full automaton of `pattern`, for searches that must find where matches start.
    pub fn full(&self, pattern: usize) -> Option<&meta::Regex> {
        self.patterns.get(pattern)?.full()
    }

    /// Which patterns match anywhere in `text` (`result[i]` for pattern `i`).
    pub fn which_match(&self, text: &str) -> Vec<bool> {
        let mut matched = vec![false; self.patterns.len()];
        let mut caches = self.caches();
        let candidates = self.candidates(text);
        for &(pattern, start) in &candidates.starts {
            if !matched[pattern]
                && self
                    .match_end_from(&mut caches, pattern, text, start)
                    .is_some()
            {
                matched[pattern] = true;
            }
        }
        for pattern in self.unanchored_that_match(text, &candidates) {
            matched[pattern] = true;
        }
        matched
    }
}

/// A validated pattern whose automata are built the first time a message needs them:
/// most of the several hundred patterns never run for a given message, and building
/// them all up front would cost the CLI a second per start.
///
/// Most searches start where the prefilter saw a literal, so they need only where a match
/// ends: a forward lazy DFA answers that, without the reverse automaton, literal prefilter
/// and other engines a full regex builds (most of the first-use cost of a pattern).
#[derive(Debug)]
struct LazyRegex {
    source: String,
    /// Which cache in [`SearchCaches`] belongs to `forward`.
    slot: usize,
    forward: OnceLock<Option<hybrid::dfa::DFA>>,
    /// For searches that must find where a match starts, and whenever `forward` cannot answer.
    full: OnceLock<Option<meta::Regex>>,
}

impl LazyRegex {
    /// `source` is a [`prepare`]d pattern that parses.
    fn new(source: String, slot: usize) -> Self {
        LazyRegex {
            source,
            slot,
            forward: OnceLock::new(),
            full: OnceLock::new(),
        }
    }

    /// The full automaton; `None` only if the validated pattern exceeds the size limit.
    fn full(&self) -> Option<&meta::Regex> {
        self.full
            .get_or_init(|| {
                build_case_insensitive(
                    std::slice::from_ref(&self.source),
                    regex_automata::MatchKind::LeftmostFirst,
                )
            })
            .as_ref()
    }

    fn forward(&self) -> Option<&hybrid::dfa::DFA> {
        self.forward
            .get_or_init(|| build_forward(&self.source))
            .as_ref()
    }

    fn match_end_from(&self, caches: &mut SearchCaches, text: &str, at: usize) -> Option<usize> {
        let input = Input::new(text).range(at..).anchored(Anchored::Yes);
        if let Some(dfa) = self.forward() {
            let cache = caches.for_slot(self.slot, dfa);
            if let Ok(found) = dfa.try_search_fwd(cache, &input) {
                return found.map(|m| m.offset());
            }
        }
        self.full()?.search(&input).map(|m| m.end())
    }

    fn is_match(&self, caches: &mut SearchCaches, haystack: &str) -> bool {
        let input = Input::new(haystack).earliest(true);
        if let Some(dfa) = self.forward() {
            let cache = caches.for_slot(self.slot, dfa);
            if let Ok(found) = dfa.try_search_fwd(cache, &input) {
                return found.is_some();
            }
        }
        self.full().is_some_and(|r| r.is_match(input))
    }
}

/// A forward-only lazy DFA for `source`; `None` if the pattern needs what a lazy DFA
/// lacks (e.g. a Unicode word boundary) or exceeds the size limit.
fn build_forward(source: &str) -> Option<hybrid::dfa::DFA> {
    hybrid::dfa::DFA::builder()
        .syntax(syntax::Config::new().case_insensitive(true))
        .thompson(
            thompson::Config::new()
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .which_captures(thompson::WhichCaptures::None),
        )
        .configure(hybrid::dfa::Config::new().match_kind(regex_automata::MatchKind::LeftmostFirst))
        .build(source)
        .ok()
}

impl SearchCaches {
    fn for_slot(&mut self, slot: usize, dfa: &hybrid::dfa::DFA) -> &mut hybrid::dfa::Cache {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, || None);
        }
        self.slots[slot].get_or_insert_with(|| dfa.create_cache())
    }
}

/// One automaton for `sources`; `None` if they exceed the size limit.
fn build_case_insensitive(
    sources: &[String],
    kind: regex_automata::MatchKind,
) -> Option<meta::Regex> {
    meta::Regex::builder()
        .syntax(syntax::Config::new().case_insensitive(true))
        .configure(
            meta::Config::new()
                .match_kind(kind)
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT)),
        )
        .build_many(sources)
        .ok()
}

/// Several validated patterns in one automaton, built the first time a message needs it.
#[derive(Debug)]
struct LazyRegexSet {
    sources: Vec<String>,
    built: OnceLock<Option<meta::Regex>>,
}

impl LazyRegexSet {
    fn new(sources: Vec<String>) -> Self {
        LazyRegexSet {
            sources,
            built: OnceLock::new(),
        }
    }

    /// The automaton; `None` when there are no patterns or they exceed the size limit.
    fn get(&self) -> Option<&meta::Regex> {
        self.built
            .get_or_init(|| {
                if self.sources.is_empty() {
                    return None;
                }
                build_case_insensitive(&self.sources, regex_automata::MatchKind::All)
            })
            .as_ref()
    }
}

/// The literals one of which every match of `pattern` starts (`Prefix`) or ends (`Suffix`)
/// with, lower-cased and cut to [`MAX_LITERAL_BYTES`] at that end (a shorter piece is still
/// in every match; the pattern itself confirms); `None` when there is no such finite set of
/// useful (≥ 2 byte) literals.
fn literals(hir: &Hir, kind: ExtractKind) -> Option<Vec<Vec<u8>>> {
    let suffix = matches!(kind, ExtractKind::Suffix);
    let seq = Extractor::new().kind(kind).extract(hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().len() < 2) {
        return None;
    }
    Some(
        literals
            .iter()
            .map(|l| {
                let bytes = l.as_bytes();
                let cut = if suffix {
                    cut_start(bytes)
                } else {
                    cut_end(bytes)
                };
                cut.to_ascii_lowercase()
            })
            .collect(),
    )
}

/// The first [`MAX_LITERAL_BYTES`] bytes of a literal, not splitting a UTF-8 character.
fn cut_end(literal: &[u8]) -> &[u8] {
    if literal.len() <= MAX_LITERAL_BYTES {
        return literal;
    }
    let mut end = MAX_LITERAL_BYTES;
    while end > 0 && literal.get(end).is_some_and(|&b| b & 0xC0 == 0x80) {
        end -= 1;
    }
    &literal[..end]
}

/// The last [`MAX_LITERAL_BYTES`] bytes of a literal, not splitting a UTF-8 character.
fn cut_start(literal: &[u8]) -> &[u8] {
    let mut start = literal.len().saturating_sub(MAX_LITERAL_BYTES);
    while start < literal.len() && literal.get(start).is_some_and(|&b| b & 0xC0 == 0x80) {
        start += 1;
    }
    &literal[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_match_covers_gated_and_unanchored_patterns() {
        let p =
            GatedPatterns::compile([r"\bship", r".{0,3}(?:pass|pin)code", "発送(しました|済み)"])
                .expect("compiles");
        assert_eq!(p.always, vec![1]);
        assert_eq!(p.which_match("it shipped"), vec![true, false, false]);
        assert_eq!(
            p.which_match("worship; 本日発送しました"),
            vec![false, false, true]
        );
        assert_eq!(p.which_match("your pincode"), vec![false, true, false]);
    }

    #[test]
    fn anchored_search_sees_the_byte_before_the_start() {
        let p = GatedPatterns::compile([r"\bship"]).expect("compiles");
        let mut caches = p.caches();
        assert_eq!(p.match_end_from(&mut caches, 0, "a ship", 2), Some(6));
        assert_eq!(p.match_end_from(&mut caches, 0, "worship", 3), None);
    }

    #[test]
    fn a_pattern_whose_suffix_literals_are_absent_is_not_run() {
        let p =
            GatedPatterns::compile(["gift card.{0,10}review", ".{0,3}pincode"]).expect("compiles");
        let absent = p.candidates("a gift card for you");
        assert!(absent.starts.is_empty());
        assert_eq!(absent.possible, vec![false, false]);
        let present = p.candidates("a gift card, review it; pincode");
        assert_eq!(present.starts, vec![(0, 2)]);
        assert_eq!(present.possible, vec![true, true]);
        assert_eq!(p.which_match("a gift card, review it"), vec![true, false]);
    }

    #[test]
    fn literals_are_cut_without_splitting_characters() {
        assert_eq!(cut_end("ご確認ください".as_bytes()), "ご確".as_bytes());
        assert_eq!(cut_start("ご確認ください".as_bytes()), "さい".as_bytes());
        assert_eq!(cut_start(b"review"), b"review");
    }

    #[test]
    fn a_bad_pattern_names_its_index() {
        let err = GatedPatterns::compile(["ok", "(unclosed"]).unwrap_err();
        assert_eq!(err.index, 1);
    }
}
