//! A list of knowledge patterns compiled for fast search on normalised text, shared by the
//! pattern rules ([`super::content_rules`]) and the message kinds ([`super::intent`]).
//!
//! One big regex set would be the obvious design, but patterns with bounded gaps
//! (`gift card.{0,40}review`) make its DFA explode, and its lazy DFA is rebuilt in every
//! thread for every new text. Instead every pattern's required prefix literals are searched
//! for in one pass over the text ([`super::literals`], shared with the other searchers),
//! which finds where a match could start; the pattern runs anchored there only, on a small
//! forward-only lazy DFA of its own. Patterns without usable prefix literals search the
//! whole text, each with its full regex, whose own literal optimisations find the rare
//! places worth a look. The same pass also looks for each pattern's suffix literals: a
//! pattern none of whose suffix literals is in the text cannot match, and is not run at all;
//! nor is one none of whose required inner literals is (`you.{0,60}unusual`: the prefix
//! `you` is everywhere, `unusual` is rare).
//!
//! A pattern without prefix literals may still have a required literal inside
//! (`(^|[^a-z])line ?id`): where none of those is in the text it is not run, and where the
//! rest of the pattern is of bounded length it runs only in the stretches of text around
//! them that a match could cover.
//!
//! A pattern with long gaps runs anchored as a chain of its gap-free pieces
//! ([`super::gaps`]), whose automata are a fraction of the size of the whole pattern's.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};

use regex_automata::util::pool::{Pool, PoolGuard};
use regex_automata::{
    hybrid, meta, nfa::thompson, util::syntax, Anchored, HalfMatch, Input, MatchError, MatchKind,
};
use regex_syntax::ast::{self, Ast};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::translate::Translator;
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind};

use super::gaps::{split_at_gaps, GapChain, Link, StartFilter};
use super::literals::LiteralHit;

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

/// Compiled patterns, searched case-insensitively. `Send + Sync`; each pattern's lazy DFA
/// cache is shared by all threads, and a thread that finds one busy uses its own from a pool.
#[derive(Debug)]
pub struct GatedPatterns {
    /// The distinct prefix and suffix literals of every pattern that has them, cut to
    /// [`MAX_LITERAL_BYTES`]; `literal_owners[i]` are the patterns `literals[i]` starts or ends.
    literals: Vec<Vec<u8>>,
    literal_owners: Vec<LiteralOwners>,
    /// Which literal gates each pattern has ([`SUFFIX_GATE`], [`INNER_GATE`]): where none of
    /// a gate's literals is in the text, the pattern is not run at all.
    gates: Vec<u8>,
    /// Patterns without usable prefix literals: they search the whole text, or only around
    /// their inner literals.
    always: Vec<usize>,
    /// `inner[p]`: every match of pattern `p` (one of `always`) contains one of its inner
    /// literals ([`Owner::Contains`]), within this reach of its start.
    inner: Vec<Option<Reach>>,
    /// `end_reach[p]` for a pattern `p` with prefix and suffix literals and a longest match.
    end_reach: Vec<Option<EndReach>>,
    /// The suffix literals of the patterns with an [`EndReach`], by their index in
    /// `literals`, each pattern's in ascending order.
    suffix_literals: Vec<usize>,
    patterns: Vec<LazyRegex>,
    caches: Pool<SearchCaches, fn() -> SearchCaches>,
}

/// Every match of the pattern ends with one of its suffix literals ([`Owner::Ends`]).
const SUFFIX_GATE: u8 = 1;
/// Every match of the pattern (one with prefix literals) contains one of its required
/// inner literals ([`Owner::Requires`]).
const INNER_GATE: u8 = 2;
/// Inner literals shorter than this are not worth a gate: each adds hits to the shared
/// literal search, and shorter ones (`your`, `order`) are common enough to cost more there
/// than the anchored searches they spare (on the corpus, 4- and 5-byte gates added 2 to 3.5
/// hits for every search they spared).
const MIN_REQUIRED_LITERAL: usize = MAX_LITERAL_BYTES;

/// One thread's own lazy DFA caches, one slot per pattern, created on first use: for when
/// another thread is searching with the pattern's shared cache.
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
    /// Every match of the pattern contains one of its inner literals.
    Contains(usize),
    /// Every match of the pattern (one with prefix literals) contains one of these.
    Requires(usize),
}

/// The patterns a literal is an [`Owner`] of, in two lists: one per pass of
/// [`GatedPatterns::candidates`] over the hits, each walked whole.
#[derive(Debug, Default)]
struct LiteralOwners {
    /// `(pattern, gate)`: the literal opens that gate of the pattern ([`Owner::Ends`],
    /// [`Owner::Requires`]).
    gates: Vec<(usize, u8)>,
    /// `(pattern, true)` where a match of the pattern may start at the literal
    /// ([`Owner::Starts`]), `(pattern, false)` where one may contain it ([`Owner::Contains`]);
    /// each kind in the order of `owners`.
    places: Vec<(usize, bool)>,
}

impl LiteralOwners {
    fn new(owners: &[Owner]) -> Self {
        let mut split = LiteralOwners::default();
        for &owner in owners {
            match owner {
                Owner::Starts(pattern) => split.places.push((pattern, true)),
                Owner::Contains(pattern) => split.places.push((pattern, false)),
                Owner::Ends(pattern) => split.gates.push((pattern, SUFFIX_GATE)),
                Owner::Requires(pattern) => split.gates.push((pattern, INNER_GATE)),
            }
        }
        split
    }
}

/// Where a match of a pattern with prefix and suffix literals can end: with one of its
/// suffix literals, at most `max_len` bytes (its longest match) from where it starts.
#[derive(Debug)]
struct EndReach {
    max_len: usize,
    /// Where the pattern's suffix literals are in [`GatedPatterns::suffix_literals`].
    suffixes: Range<usize>,
}

/// How far a match can extend around the start of the inner literal it contains: at most
/// `before` bytes before it and `after` bytes from it on (`None`: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reach {
    before: Option<usize>,
    after: Option<usize>,
}

/// The inner literals of a pattern, and their [`Reach`].
#[derive(Debug)]
struct InnerLiterals {
    literals: Vec<Vec<u8>>,
    reach: Reach,
}

/// What the literals found in a text say about the patterns.
#[derive(Debug, Default)]
pub struct Candidates {
    /// `(pattern, start)` for every place a prefix literal starts, in text order.
    pub starts: Vec<(usize, usize)>,
    /// `possible[p]`: pattern `p` may match (one of its suffix literals is in the text, or
    /// it has none; the same for its required inner literals).
    pub possible: Vec<bool>,
    /// `(pattern, start)` for every place an inner literal starts, in text order.
    pub inner_starts: Vec<(usize, usize)>,
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
        let mut gates = Vec::new();
        let mut always = Vec::new();
        let mut inner = Vec::new();
        let mut end_reach = Vec::new();
        let mut slots = 0;
        for (index, pattern) in sources.into_iter().enumerate() {
            let source = prepare(pattern);
            // One parse validates the pattern, gives both literal sets and where its gaps
            // are: parsing is most of what loading the knowledge costs.
            let bad = |message: String| BadPattern { index, message };
            let parsed = ast::parse::Parser::new()
                .parse(&source)
                .map_err(|e| bad(e.to_string()))?;
            let hir = Translator::new()
                .translate(&source, &parsed)
                .map_err(|e| bad(e.to_string()))?;
            let regex = LazyRegex::new(source, &parsed, &mut slots);
            let mut reach = None;
            let mut gate = 0;
            let prefix_literals = literals(&hir, ExtractKind::Prefix);
            let prefixed = prefix_literals.is_some();
            match prefix_literals {
                Some(literals) => {
                    for literal in literals {
                        add_owner(literal, Owner::Starts(index));
                    }
                    if let Some(required) = required_inner_literals(&hir) {
                        for literal in required {
                            add_owner(literal, Owner::Requires(index));
                        }
                        gate |= INNER_GATE;
                    }
                }
                None => {
                    always.push(index);
                    if let Some(found) = inner_literals(&hir) {
                        for literal in found.literals {
                            add_owner(literal, Owner::Contains(index));
                        }
                        reach = Some(found.reach);
                    }
                }
            }
            let suffixes = literals(&hir, ExtractKind::Suffix);
            let bounded = (prefixed && suffixes.is_some())
                .then(|| max_len_ignoring_case(&hir))
                .flatten();
            end_reach.push(bounded.map(|max_len| EndReach {
                max_len,
                suffixes: 0..0,
            }));
            inner.push(reach);
            if suffixes.is_some() {
                gate |= SUFFIX_GATE;
            }
            gates.push(gate);
            for literal in suffixes.into_iter().flatten() {
                add_owner(literal, Owner::Ends(index));
            }
            patterns.push(regex);
        }
        let mut suffixes_of: Vec<Vec<usize>> = vec![Vec::new(); end_reach.len()];
        for (literal, owners) in owners_by_literal.values().enumerate() {
            for &owner in owners {
                if let Owner::Ends(pattern) = owner {
                    suffixes_of[pattern].push(literal);
                }
            }
        }
        let mut suffix_literals = Vec::new();
        for (reach, suffixes) in end_reach.iter_mut().zip(suffixes_of) {
            if let Some(reach) = reach {
                let from = suffix_literals.len();
                suffix_literals.extend(suffixes);
                reach.suffixes = from..suffix_literals.len();
            }
        }
        let (literals, literal_owners): (Vec<Vec<u8>>, Vec<LiteralOwners>) = owners_by_literal
            .into_iter()
            .map(|(literal, owners)| (literal, LiteralOwners::new(&owners)))
            .unzip();
        Ok(GatedPatterns {
            literals,
            literal_owners,
            gates,
            always,
            inner,
            end_reach,
            suffix_literals,
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

    /// The literals to look for in a text; [`Self::candidates`] takes where they are.
    pub fn literals(&self) -> &[Vec<u8>] {
        &self.literals
    }

    /// This thread's caches, for the searches of one text.
    pub fn caches(&self) -> Caches<'_> {
        self.caches.get()
    }

    /// Every place a prefix literal of a pattern starts in a text, and which patterns may
    /// match at all, from every occurrence of [`Self::literals`] in it (overlapping ones
    /// included, in the order [`super::literals::LiteralScanner`] reports them). Every match
    /// of a pattern with prefix literals starts at one of them; a place is left out when
    /// no suffix literal of the pattern lies where a match from there would end.
    pub fn candidates(&self, hits: &[LiteralHit]) -> Candidates {
        // Which patterns are possible first: most prefix literal hits belong to patterns
        // that are not, and are never recorded.
        let mut open = vec![0u8; self.gates.len()];
        for hit in hits {
            if let Some(owners) = self.literal_owners.get(hit.literal) {
                for &(pattern, gate) in &owners.gates {
                    open[pattern] |= gate;
                }
            }
        }
        let mut found = Candidates {
            // Room for a start per hit: enough for most texts, which spares the regrowing.
            starts: Vec::with_capacity(hits.len()),
            possible: self
                .gates
                .iter()
                .zip(&open)
                .map(|(&gates, &open)| open & gates == gates)
                .collect(),
            inner_starts: Vec::new(),
        };
        for hit in hits {
            let Some(owners) = self.literal_owners.get(hit.literal) else {
                continue;
            };
            for &(pattern, starts) in &owners.places {
                if !starts {
                    found.inner_starts.push((pattern, hit.start));
                } else if found.possible[pattern] && self.may_end_after(pattern, hit.start, hits) {
                    found.starts.push((pattern, hit.start));
                }
            }
        }
        found
    }

    /// Whether a match of `pattern` starting at `start` could end with one of its suffix
    /// literals: every match ends with one, which starts at or after the match's start and
    /// ends at most the pattern's longest match after it. Most places where a common prefix
    /// literal (`you`, `20`) starts are ruled out here instead of by a search that fails.
    /// `hits` are in the order the scanner reports them, by where they end.
    fn may_end_after(&self, pattern: usize, start: usize, hits: &[LiteralHit]) -> bool {
        let Some(Some(reach)) = self.end_reach.get(pattern) else {
            return true;
        };
        let suffixes = self
            .suffix_literals
            .get(reach.suffixes.clone())
            .unwrap_or_default();
        let limit = start.saturating_add(reach.max_len);
        let from = hits.partition_point(|hit| hit.end <= start);
        hits[from..]
            .iter()
            .take_while(|hit| hit.end <= limit)
            .any(|hit| hit.start >= start && suffixes.binary_search(&hit.literal).is_ok())
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
    /// `candidates` found possible, in pattern order. One regex set over all of them would
    /// search the text once, but on a lazy DFA that tracks every pattern at every byte; each
    /// pattern's own regex runs only around its inner literals, or skips to its literals
    /// with its own prefilter (usually one or two patterns are possible).
    pub fn unanchored_that_match(&self, text: &str, candidates: &Candidates) -> Vec<usize> {
        self.always
            .iter()
            .copied()
            .filter(|&p| candidates.possible.get(p).copied().unwrap_or(false))
            .filter(|&p| self.unanchored_matches(p, text, candidates))
            .collect()
    }

    fn unanchored_matches(&self, pattern: usize, text: &str, candidates: &Candidates) -> bool {
        let Some(regex) = self.full(pattern) else {
            return true;
        };
        let Some(reach) = self.inner.get(pattern).copied().flatten() else {
            return regex.is_match(text);
        };
        let starts = candidates
            .inner_starts
            .iter()
            .filter(|&&(p, _)| p == pattern)
            .map(|&(_, start)| start);
        windows(reach, text.len(), starts)
            .into_iter()
            .any(|window| regex.is_match(Input::new(text).range(window)))
    }

    /// The full automaton of `pattern`, for searches that must find where matches start.
    pub fn full(&self, pattern: usize) -> Option<&meta::Regex> {
        self.patterns.get(pattern)?.full()
    }

    /// Which patterns match anywhere in `text` (`result[i]` for pattern `i`); `hits` are
    /// the occurrences of [`Self::literals`] in it.
    pub fn which_match(&self, text: &str, hits: &[LiteralHit]) -> Vec<bool> {
        let mut matched = vec![false; self.patterns.len()];
        let mut caches = self.caches();
        let candidates = self.candidates(hits);
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
/// and other engines a full regex builds (most of the first-use cost of a pattern). A
/// pattern with long gaps answers it with the chain of its gap-free pieces
/// ([`super::gaps`]).
#[derive(Debug)]
struct LazyRegex {
    source: String,
    forward: LazyDfa,
    chain: Option<GapChain>,
    /// For searches that must find where a match starts, and whenever `forward` cannot answer.
    full: OnceLock<Option<meta::Regex>>,
}

impl LazyRegex {
    /// `source` is a [`prepare`]d pattern that parses to `parsed`; `slots` numbers the lazy
    /// DFAs of all patterns (a cache slot in [`SearchCaches`] each).
    fn new(source: String, parsed: &Ast, slots: &mut usize) -> Self {
        let mut next_slot = || {
            *slots += 1;
            *slots - 1
        };
        let chain = split_at_gaps(&source, parsed).and_then(|split| {
            let mut pieces = split.pieces.into_iter();
            let links = split
                .gaps
                .into_iter()
                .zip(pieces.by_ref())
                .map(|(gap, piece)| Link {
                    every_end: LazyDfa::piece(piece.clone(), MatchKind::All, next_slot()),
                    preferred_end: LazyDfa::piece(piece, MatchKind::LeftmostFirst, next_slot()),
                    gap,
                })
                .collect();
            let last = LazyDfa::piece(pieces.next()?, MatchKind::LeftmostFirst, next_slot());
            Some(GapChain::new(links, last))
        });
        LazyRegex {
            forward: LazyDfa::new(source.clone(), MatchKind::LeftmostFirst, next_slot()),
            source,
            chain,
            full: OnceLock::new(),
        }
    }

    /// The full automaton; `None` only if the validated pattern exceeds the size limit.
    fn full(&self) -> Option<&meta::Regex> {
        self.full.get_or_init(|| build_full(&self.source)).as_ref()
    }

    fn match_end_from(&self, caches: &mut SearchCaches, text: &str, at: usize) -> Option<usize> {
        if let Some(Ok(found)) = self
            .chain
            .as_ref()
            .map(|chain| chain.match_end_from(caches, text, at))
        {
            return found;
        }
        let input = Input::new(text).range(at..).anchored(Anchored::Yes);
        if let Some(Ok(found)) = self.forward.search_fwd(caches, &input) {
            return found.map(|m| m.offset());
        }
        self.full()?.search(&input).map(|m| m.end())
    }

    fn is_match(&self, caches: &mut SearchCaches, haystack: &str) -> bool {
        let input = Input::new(haystack).earliest(true);
        if let Some(Ok(found)) = self.forward.search_fwd(caches, &input) {
            return found.is_some();
        }
        self.full().is_some_and(|r| r.is_match(input))
    }
}

/// A forward lazy DFA built the first time a search needs it, with its cache shared by the
/// threads of a scan so that each new DFA state is built once, not once per thread; a
/// thread that finds it busy uses its own in [`SearchCaches`].
#[derive(Debug)]
pub(super) struct LazyDfa {
    source: String,
    kind: MatchKind,
    /// Which cache in [`SearchCaches`] is this DFA's.
    slot: usize,
    /// A piece of a [`GapChain`], which needs its [`StartFilter`].
    piece: bool,
    built: OnceLock<Option<BuiltDfa>>,
    shared_cache: Mutex<Option<hybrid::dfa::Cache>>,
}

#[derive(Debug)]
struct BuiltDfa {
    dfa: hybrid::dfa::DFA,
    /// What a match can start with (pieces only).
    starts: Option<StartFilter>,
}

impl LazyDfa {
    fn new(source: String, kind: MatchKind, slot: usize) -> Self {
        LazyDfa {
            source,
            kind,
            slot,
            piece: false,
            built: OnceLock::new(),
            shared_cache: Mutex::new(None),
        }
    }

    /// A piece of a [`GapChain`].
    fn piece(source: String, kind: MatchKind, slot: usize) -> Self {
        LazyDfa {
            piece: true,
            ..LazyDfa::new(source, kind, slot)
        }
    }

    fn built(&self) -> Option<&BuiltDfa> {
        self.built
            .get_or_init(|| build_forward(&self.source, self.kind, self.piece))
            .as_ref()
    }

    /// What a match can start with; `None` if the pattern has no lazy DFA or is not a piece.
    pub(super) fn start_filter(&self) -> Option<&StartFilter> {
        self.built()?.starts.as_ref()
    }

    /// Whether every match from a place ends at one place only; `None` if the pattern has
    /// no lazy DFA.
    pub(super) fn ends_once(&self) -> Option<bool> {
        self.start_filter().map(StartFilter::ends_once)
    }

    /// A forward search with the DFA; `None` if the pattern has no lazy DFA.
    pub(super) fn search_fwd(
        &self,
        caches: &mut SearchCaches,
        input: &Input<'_>,
    ) -> Option<Result<Option<HalfMatch>, MatchError>> {
        self.with_cache(caches, |dfa, cache| dfa.try_search_fwd(cache, input))
    }

    /// `search` run with the DFA and a cache of it: the shared one unless another thread
    /// holds it; `None` if the pattern has no lazy DFA.
    pub(super) fn with_cache<R>(
        &self,
        caches: &mut SearchCaches,
        search: impl FnOnce(&hybrid::dfa::DFA, &mut hybrid::dfa::Cache) -> R,
    ) -> Option<R> {
        let dfa = &self.built()?.dfa;
        Some(match self.shared_cache.try_lock() {
            Ok(mut shared) => search(dfa, shared.get_or_insert_with(|| dfa.create_cache())),
            Err(_) => search(dfa, caches.for_slot(self.slot, dfa)),
        })
    }
}

thread_local! {
    /// One NFA compiler per thread, reused for every pattern: a fresh one allocates (and
    /// later drops) its UTF-8 compilation tables, which cost about as much as compiling a
    /// small pattern.
    static FORWARD_COMPILER: thompson::Compiler = forward_compiler();
}

fn forward_compiler() -> thompson::Compiler {
    let mut compiler = thompson::Compiler::new();
    compiler.configure(
        thompson::Config::new()
            .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
            .which_captures(thompson::WhichCaptures::None),
    );
    compiler
}

/// A forward-only lazy DFA for `source`; `None` if the pattern needs what a lazy DFA
/// lacks (e.g. a Unicode word boundary) or exceeds the size limit.
fn build_forward(source: &str, kind: MatchKind, piece: bool) -> Option<BuiltDfa> {
    let hir = syntax::parse_with(source, &syntax::Config::new().case_insensitive(true)).ok()?;
    let nfa = FORWARD_COMPILER.with(|compiler| compiler.build_from_hir(&hir).ok())?;
    let dfa = hybrid::dfa::DFA::builder()
        .configure(hybrid::dfa::Config::new().match_kind(kind))
        .build_from_nfa(nfa)
        .ok()?;
    Some(BuiltDfa {
        dfa,
        starts: if piece {
            Some(StartFilter::new(&hir, &regex_syntax::parse(source).ok()?))
        } else {
            None
        },
    })
}

/// How many NFA states the forward automaton of a [`prepare`]d pattern has (0 if it does
/// not build): for the `pattern_costs` example, which ranks the knowledge by build cost.
#[doc(hidden)]
pub fn forward_nfa_states(source: &str) -> usize {
    build_forward(source, MatchKind::LeftmostFirst, false)
        .map_or(0, |built| built.dfa.get_nfa().states().len())
}

impl SearchCaches {
    fn for_slot(&mut self, slot: usize, dfa: &hybrid::dfa::DFA) -> &mut hybrid::dfa::Cache {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, || None);
        }
        self.slots[slot].get_or_insert_with(|| dfa.create_cache())
    }
}

/// The full regex for `source`; `None` if it exceeds the size limit.
fn build_full(source: &str) -> Option<meta::Regex> {
    meta::Regex::builder()
        .syntax(syntax::Config::new().case_insensitive(true))
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::LeftmostFirst)
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT)),
        )
        .build(source)
        .ok()
}

/// The stretches of a `len`-byte text a match can lie in when its inner literals start at
/// `starts`, overlapping ones merged, in text order.
fn windows(reach: Reach, len: usize, starts: impl Iterator<Item = usize>) -> Vec<Range<usize>> {
    let mut starts: Vec<usize> = starts.collect();
    starts.sort_unstable();
    let mut merged: Vec<Range<usize>> = Vec::new();
    for start in starts {
        let from = reach.before.map_or(0, |b| start.saturating_sub(b));
        let to = reach
            .after
            .map_or(len, |a| start.saturating_add(a).min(len));
        match merged.last_mut() {
            Some(last) if from <= last.end => last.end = last.end.max(to),
            _ => merged.push(from..to),
        }
    }
    merged
}

/// The best required literal set inside a pattern without prefix literals: the prefix
/// literals of one piece of its top-level concatenation, which every match contains. Pieces
/// that bound the match on both sides are preferred, then longer literals.
fn inner_literals(hir: &Hir) -> Option<InnerLiterals> {
    let HirKind::Concat(pieces) = unwrap_captures(hir).kind() else {
        return None;
    };
    let lengths: Vec<Option<usize>> = pieces.iter().map(max_len_ignoring_case).collect();
    let sum = |range: &[Option<usize>]| {
        range
            .iter()
            .try_fold(0usize, |total, len| total.checked_add((*len)?))
    };
    pieces
        .iter()
        .enumerate()
        .filter_map(|(at, piece)| {
            let literals = literals(piece, ExtractKind::Prefix)?;
            let reach = Reach {
                before: sum(&lengths[..at]),
                after: sum(&lengths[at..]),
            };
            Some(InnerLiterals { literals, reach })
        })
        .max_by_key(|found| {
            let bounded = usize::from(found.reach.before.is_some())
                + usize::from(found.reach.after.is_some());
            let shortest = found.literals.iter().map(|l| l.len()).min();
            (bounded, shortest)
        })
}

/// A literal set every match of a pattern with prefix literals contains beyond its prefix:
/// the prefix literals of a piece of its top-level concatenation after the first that can
/// take bytes (the one its own prefix literals come from), the piece whose shortest literal
/// is longest; none shorter than [`MIN_REQUIRED_LITERAL`].
fn required_inner_literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let HirKind::Concat(pieces) = unwrap_captures(hir).kind() else {
        return None;
    };
    let takes_bytes = |piece: &&Hir| !matches!(piece.kind(), HirKind::Empty | HirKind::Look(_));
    pieces
        .iter()
        .filter(takes_bytes)
        .skip(1)
        .filter_map(|piece| literals(piece, ExtractKind::Prefix))
        .filter_map(|found| Some((found.iter().map(Vec::len).min()?, found)))
        .filter(|(shortest, _)| *shortest >= MIN_REQUIRED_LITERAL)
        .max_by_key(|(shortest, _)| *shortest)
        .map(|(_, found)| found)
}

fn unwrap_captures(hir: &Hir) -> &Hir {
    match hir.kind() {
        HirKind::Capture(capture) => unwrap_captures(&capture.sub),
        _ => hir,
    }
}

/// The most bytes a match of `hir` can take when it is compiled case-insensitively (as all
/// patterns are: `k` also matches the 3-byte Kelvin sign); `None` when unbounded.
fn max_len_ignoring_case(hir: &Hir) -> Option<usize> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(0),
        HirKind::Literal(literal) => literal_max_len_ignoring_case(&literal.0),
        HirKind::Class(class) => class_max_len_ignoring_case(class),
        HirKind::Repetition(repetition) => {
            let one = max_len_ignoring_case(&repetition.sub)?;
            if one == 0 {
                return Some(0);
            }
            one.checked_mul(usize::try_from(repetition.max?).ok()?)
        }
        HirKind::Capture(capture) => max_len_ignoring_case(&capture.sub),
        HirKind::Concat(pieces) => pieces.iter().try_fold(0usize, |total, piece| {
            total.checked_add(max_len_ignoring_case(piece)?)
        }),
        HirKind::Alternation(branches) => branches.iter().try_fold(0usize, |most, branch| {
            Some(most.max(max_len_ignoring_case(branch)?))
        }),
    }
}

/// Classes of more characters than this are not case-folded to find their longest member
/// (folding walks every character: a second for `[^a-z]`); 4 bytes is their bound.
const MAX_CLASS_TO_FOLD: u32 = 256;

fn class_max_len_ignoring_case(class: &Class) -> Option<usize> {
    let Class::Unicode(unicode) = class else {
        // Bytes classes fold ASCII letters only: their members stay one byte.
        return class.maximum_len();
    };
    let size = unicode
        .ranges()
        .iter()
        .map(|r| u32::from(r.end()) - u32::from(r.start()) + 1)
        .fold(0, u32::saturating_add);
    if size > MAX_CLASS_TO_FOLD {
        return Some(4);
    }
    unicode
        .ranges()
        .iter()
        .flat_map(|range| range.start()..=range.end())
        .try_fold(0, |most, c| Some(most.max(char_max_len_ignoring_case(c)?)))
}

/// The longest case variant of a literal; bytes that are not UTF-8 stay one byte.
fn literal_max_len_ignoring_case(bytes: &[u8]) -> Option<usize> {
    let mut total = 0usize;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            total = total.checked_add(char_max_len_ignoring_case(c)?)?;
        }
        total = total.checked_add(chunk.invalid().len())?;
    }
    Some(total)
}

/// The longest UTF-8 form of `c` and its case variants. Only characters that have a case
/// mapping are folded: folding builds a class, which cost more than the rest of loading the
/// knowledge's longest matches together.
fn char_max_len_ignoring_case(c: char) -> Option<usize> {
    match c {
        'k' | 'K' => Some(3), // the Kelvin sign
        's' | 'S' => Some(2), // the long s
        _ if c.is_ascii() || is_caseless(c) => Some(c.len_utf8()),
        _ => {
            let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
            class.try_case_fold_simple().ok()?;
            Class::Unicode(class).maximum_len()
        }
    }
}

/// Whether `c` is its own upper and lower case, as all kana and kanji are. Case folding
/// never maps such a character to another (a test checks every character).
fn is_caseless(c: char) -> bool {
    c.to_lowercase().eq([c]) && c.to_uppercase().eq([c])
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
    use crate::analysis::literals::LiteralScanner;
    use proptest::prelude::*;

    fn hits(p: &GatedPatterns, text: &str) -> Vec<LiteralHit> {
        LiteralScanner::new(&[p.literals()]).scan(text).remove(0)
    }

    impl GatedPatterns {
        fn candidates_in(&self, text: &str) -> Candidates {
            self.candidates(&hits(self, text))
        }

        fn which_match_in(&self, text: &str) -> Vec<bool> {
            self.which_match(text, &hits(self, text))
        }
    }

    #[test]
    fn which_match_covers_gated_and_unanchored_patterns() {
        let p =
            GatedPatterns::compile([r"\bship", r".{0,3}(?:pass|pin)code", "発送(しました|済み)"])
                .expect("compiles");
        assert_eq!(p.always, vec![1]);
        assert_eq!(p.which_match_in("it shipped"), vec![true, false, false]);
        assert_eq!(
            p.which_match_in("worship; 本日発送しました"),
            vec![false, false, true]
        );
        assert_eq!(p.which_match_in("your pincode"), vec![false, true, false]);
    }

    #[test]
    fn anchored_search_sees_the_byte_before_the_start() {
        let p = GatedPatterns::compile([r"\bship"]).expect("compiles");
        let mut caches = p.caches();
        assert_eq!(p.match_end_from(&mut caches, 0, "a ship", 2), Some(6));
        assert_eq!(p.match_end_from(&mut caches, 0, "worship", 3), None);
    }

    #[test]
    fn a_start_is_left_out_when_no_suffix_literal_ends_within_the_longest_match() {
        let p =
            GatedPatterns::compile(["gift card.{0,10}review", "gift.*review"]).expect("compiles");
        let near = p.candidates_in("gift card, review");
        assert_eq!(near.starts, vec![(1, 0), (0, 0)]);
        let far = p.candidates_in("gift card for you to keep, or to give away to a friend; review");
        assert_eq!(
            far.starts,
            vec![(1, 0)],
            "the unbounded pattern is still searched"
        );
        let before = p.candidates_in("review the gift card");
        assert_eq!(
            before.starts,
            vec![(1, 11)],
            "a suffix before the start is no end"
        );
        assert_eq!(before.possible, vec![true, true]);
    }

    #[test]
    fn a_pattern_whose_suffix_literals_are_absent_is_not_run() {
        let p =
            GatedPatterns::compile(["gift card.{0,10}review", ".{0,3}pincode"]).expect("compiles");
        let absent = p.candidates_in("a gift card for you");
        assert!(absent.starts.is_empty());
        assert_eq!(absent.possible, vec![false, false]);
        let present = p.candidates_in("a gift card, review it; pincode");
        assert_eq!(present.starts, vec![(0, 2)]);
        assert_eq!(present.possible, vec![true, true]);
        assert_eq!(
            p.which_match_in("a gift card, review it"),
            vec![true, false]
        );
    }

    #[test]
    fn a_pattern_whose_required_inner_literals_are_absent_is_not_run() {
        let p = GatedPatterns::compile([r"\b(your|you)\b.{0,60}\b(unusual|strange) (use|access)"])
            .expect("compiles");
        assert_eq!(p.gates, vec![SUFFIX_GATE | INNER_GATE]);
        let absent = p.candidates_in("you can use your access");
        assert_eq!(absent.possible, vec![false]);
        assert!(absent.starts.is_empty());
        let present = p.candidates_in("you see strange access");
        assert_eq!(present.possible, vec![true]);
        assert_eq!(present.starts, vec![(0, 0)]);
    }

    #[test]
    fn required_inner_literals_skip_the_prefix_and_short_literals() {
        let required = |pattern| required_inner_literals(&parse(pattern));
        assert_eq!(
            required(r"\b(you|your)\b.{0,9}(unusual|oddly) (signin|logins)"),
            Some(vec![b"signin".to_vec(), b"logins".to_vec()])
        );
        assert_eq!(
            required(r"\b(you|your)\b.{0,9}(unusual|strangely)"),
            Some(vec![b"unusua".to_vec(), b"strang".to_vec()]),
            "cut to the prefilter's length"
        );
        assert_eq!(required(r"\bgift card"), None, "the prefix alone");
        assert_eq!(required(r"\bfree ?spins?\b"), None, "too short");
        assert_eq!(required(r"you.{0,9}(unusual|prize)"), None, "one too short");
    }

    #[test]
    fn literals_are_cut_without_splitting_characters() {
        assert_eq!(cut_end("ご確認ください".as_bytes()), "ご確".as_bytes());
        assert_eq!(cut_start("ご確認ください".as_bytes()), "さい".as_bytes());
        assert_eq!(cut_start(b"review"), b"review");
    }

    /// The patterns of `unanchored_patterns_are_those_a_regex_set_finds`: with and without
    /// suffix literals, word boundaries, bounded gaps, Japanese.
    const UNANCHORED: [&str; 5] = [
        r".{0,3}(?:pass|pin)code",
        r"(^|[^a-z])line ?id([^a-z]|$)",
        r"[a-z0-9._-]+@(gmail|yahoo)[a-z.]*(へ|に)",
        r"(\b)(i am|i.m) [0-9]{2} years",
        r"[0-9]+日以内に.{0,5}(確認|更新)",
    ];

    /// Which of `patterns` match somewhere in `text`, by one regex set over them all.
    fn matched_by_a_regex_set(patterns: &[&str], text: &str) -> Vec<usize> {
        let prepared: Vec<String> = patterns.iter().map(|p| prepare(p)).collect();
        let set = meta::Regex::builder()
            .syntax(syntax::Config::new().case_insensitive(true))
            .configure(meta::Config::new().match_kind(regex_automata::MatchKind::All))
            .build_many(&prepared)
            .expect("builds");
        let mut found = regex_automata::PatternSet::new(patterns.len());
        set.which_overlapping_matches(&Input::new(text), &mut found);
        found.iter().map(|id| id.as_usize()).collect()
    }

    const PREFIXED: [&str; 5] = [
        r"(you|we).{0,8}(won|win)",
        r"(your|our) (card|account)",
        r"ki.{0,3}ey",
        r"20[0-9]{2}年",
        r"you.*won",
    ];

    proptest! {
        /// Leaving starts out where no suffix literal is in reach loses no match.
        #[test]
        fn patterns_with_prefixes_match_where_a_regex_set_finds_them(
            text in "(you|won|win|your|our| card| account|20|年|ki|ey|[a-z0-9 ]){0,16}",
        ) {
            let p = GatedPatterns::compile(PREFIXED).expect("compiles");
            prop_assert!(p.always.is_empty());
            let mut expected = vec![false; PREFIXED.len()];
            for i in matched_by_a_regex_set(&PREFIXED, &text) {
                expected[i] = true;
            }
            prop_assert_eq!(p.which_match_in(&text), expected);
        }

        /// What `unanchored_that_match` replaces: one regex set over all of them, searched
        /// whenever one is possible, narrowed to the possible ones.
        #[test]
        fn unanchored_patterns_are_those_a_regex_set_finds(
            text in "(pincode|passcode|line id|lineid|online|line|id|ab@gmail.comに|i.m 42 years|3日以内に確認|[a-z0-9 @.é\u{212A}]){0,12}",
        ) {
            let p = GatedPatterns::compile(UNANCHORED).expect("compiles");
            prop_assert_eq!(&p.always, &vec![0, 1, 2, 3, 4]);
            let candidates = p.candidates_in(&text);
            let expected: Vec<usize> = matched_by_a_regex_set(&UNANCHORED, &text)
                .into_iter()
                .filter(|&i| candidates.possible[i])
                .collect();
            prop_assert_eq!(p.unanchored_that_match(&text, &candidates), expected);
        }
    }

    proptest! {
        /// The whole gating (prefix literals, suffix literals, inner literals and their
        /// windows) decides as the patterns' own regexes do, on lower-case text.
        #[test]
        fn which_match_equals_each_pattern_searched_alone(
            text in "(gift card|review|line id|online|pincode|i.m 42 years|発送しました|you|your|unusual|strange|sign-in|use|[a-z0-9 ]){0,14}",
        ) {
            let sources = [
                r"\bgift card.{0,10}review",
                r"\b(your|you)\b.{0,20}\b(unusual|strange) (sign[- ]?in|use)",
                r"(you|gift) ?(unusual|review)s?",
                r"(review|gift)\b",
                r"(^|[^a-z])line ?id([^a-z]|$)",
                r".{0,3}(?:pass|pin)code",
                r"(\b)(i am|i.m) [0-9]{2} years",
                "発送(しました|済み)",
            ];
            let p = GatedPatterns::compile(sources).expect("compiles");
            let alone: Vec<bool> = sources
                .iter()
                .map(|source| build_full(&prepare(source)).is_some_and(|r| r.is_match(&text)))
                .collect();
            prop_assert_eq!(p.which_match_in(&text), alone);
        }
    }

    /// Patterns that split at gaps ([`super::super::gaps`]): heads with one end and with
    /// several (`reviews?` without a boundary; `refund|re`, whose preferred end can fail
    /// where the other works), lazy and greedy gaps, two gaps, look-arounds at the pieces'
    /// edges, Japanese, the Kelvin sign.
    const GAPPED: [&str; 7] = [
        r"\b(review|rating)s?\b.{0,12}\b(gift ?card|refund)",
        r"(review|rating)s?.{0,12}(card|refund)s?",
        "(ギフト券|返金).{0,8}(レビュー|評価)(を)?",
        r"k.{0,10}?(ok|k)",
        r"(pay|buy).{0,9}(card|code).{0,9}\bnow\b",
        r"(review|refund)(\b|s).{0,10}(card|k)",
        r"(refund|re)s?.{0,10}(fund|view)",
    ];

    proptest! {
        /// A chain of pieces ends every anchored match where the whole pattern's own
        /// leftmost-first search does, from every place in the text.
        #[test]
        fn gap_chains_end_matches_where_the_whole_pattern_does(
            text in "(review|reviews|rating|gift card|giftcard|refund|fund|cards|ok|k|\u{212A}|pay|buy|code|now|ギフト券|返金|レビュー|評価を|\n|[a-z ]){0,16}",
        ) {
            let p = GatedPatterns::compile(GAPPED).expect("compiles");
            prop_assert!(p.patterns.iter().all(|regex| regex.chain.is_some()));
            let mut caches = p.caches();
            for (index, source) in GAPPED.iter().enumerate() {
                let whole = build_full(&prepare(source)).expect("builds");
                for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
                    let input = Input::new(&text).range(at..).anchored(Anchored::Yes);
                    let expected = whole.search(&input).map(|m| m.end());
                    prop_assert_eq!(
                        p.match_end_from(&mut caches, index, &text, at),
                        expected,
                        "{} at {}",
                        source,
                        at
                    );
                }
            }
        }
    }

    #[test]
    fn a_chain_that_would_try_too_many_places_leaves_the_answer_to_the_whole_pattern() {
        // Each gap holds thirty places where the next piece matches: trying every pair would
        // take 900 searches from a start, more than the chain's budget.
        let source = "ok.{0,90}ok.{0,90}ok.{0,90}gift card";
        let text = format!("{}gift card", "ok ".repeat(1_000));
        let p = GatedPatterns::compile([source]).expect("compiles");
        let chain = p.patterns[0].chain.as_ref().expect("split");
        let undecided = Err(super::super::gaps::Undecided);
        let mut caches = p.caches();
        assert_eq!(chain.match_end_from(&mut caches, &text, 0), undecided);
        let whole = build_full(&prepare(source)).expect("builds");
        for at in [0, 3, 2_730, 2_988] {
            let input = Input::new(&text).range(at..).anchored(Anchored::Yes);
            assert_eq!(
                p.match_end_from(&mut caches, 0, &text, at),
                whole.search(&input).map(|m| m.end()),
                "from {at}"
            );
        }
        assert_eq!(p.match_end_from(&mut caches, 0, &text, 2_988), Some(3_009));
    }

    fn parse(pattern: &str) -> Hir {
        regex_syntax::parse(&prepare(pattern)).expect("parses")
    }

    #[test]
    fn caseless_characters_and_ascii_fold_as_assumed() {
        let caseless: Vec<ClassUnicodeRange> = ('\0'..=char::MAX)
            .filter(|&c| is_caseless(c) && !c.is_ascii())
            .map(|c| ClassUnicodeRange::new(c, c))
            .collect();
        let class = ClassUnicode::new(caseless);
        let mut folded = class.clone();
        folded.case_fold_simple();
        assert_eq!(folded, class, "no caseless character has a case variant");
        for c in (0..=127u8).map(char::from) {
            let mut variants = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
            variants.case_fold_simple();
            assert_eq!(
                Class::Unicode(variants).maximum_len(),
                char_max_len_ignoring_case(c),
                "{c:?}"
            );
        }
    }

    #[test]
    fn maximum_lengths_count_case_variants() {
        let len = |pattern| max_len_ignoring_case(&parse(pattern));
        assert_eq!(len("k"), Some(3), "the Kelvin sign");
        assert_eq!(len("[a-z]"), Some(3));
        assert_eq!(len("(?-u:[a-z])"), Some(1));
        assert_eq!(len("[^a-z]"), Some(4), "too large to fold");
        assert_eq!(len("line ?id"), Some(7));
        assert_eq!(len(r"\b.{0,3}é"), Some(14));
        assert_eq!(len("確認"), Some(6));
        assert_eq!(len("ſ"), Some(2));
        assert_eq!(len("(?i)Ω"), Some(3), "the Ohm sign");
        assert_eq!(len("a+"), None);
    }

    #[test]
    fn inner_literals_bound_the_stretch_a_match_can_cover() {
        let found = inner_literals(&parse("(^|[^a-z])line ?id([^a-z]|$)")).expect("found");
        assert_eq!(found.literals, vec![b"line".to_vec()]);
        let reach = Reach {
            before: Some(4),
            after: Some(4 + 7),
        };
        assert_eq!(found.reach, reach);
        let found = inner_literals(&parse("[0-9]+日以内に.{0,5}確認")).expect("found");
        assert_eq!(found.reach.before, None);
        assert_eq!(windows(reach, 30, [20, 3].into_iter()), vec![0..14, 16..30]);
        assert_eq!(windows(reach, 30, [9, 3].into_iter()), vec![0..20]);
        assert!(inner_literals(&parse(".{0,3}x")).is_none());
    }

    #[test]
    fn the_shared_compiler_builds_what_a_fresh_one_builds() {
        // In this order the reused compiler carries UTF-8 tables and states from one
        // pattern into the next.
        let sources = [
            r"\b(click|tap) .{0,40}(verify|confirm)",
            "(ログイン|サインイン).{0,30}(確認|更新)",
            r"(^|[^a-z])line ?id([^a-z]|$)",
            r"\bask.{0,3}k",
        ];
        for source in sources.map(prepare) {
            let fresh = thompson::Compiler::new()
                .syntax(syntax::Config::new().case_insensitive(true))
                .configure(
                    thompson::Config::new()
                        .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                        .which_captures(thompson::WhichCaptures::None),
                )
                .build(&source)
                .expect("builds");
            let shared = build_forward(&source, MatchKind::LeftmostFirst, false).expect("builds");
            assert_eq!(format!("{:?}", shared.dfa.get_nfa()), format!("{fresh:?}"));
        }
    }

    #[test]
    fn a_bad_pattern_names_its_index() {
        let err = GatedPatterns::compile(["ok", "(unclosed"]).unwrap_err();
        assert_eq!(err.index, 1);
    }
}
