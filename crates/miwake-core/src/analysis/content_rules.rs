//! Pattern rules (R1–R4 and user rules), compiled once.
//!
//! One big `RegexSet` would be the obvious design, but rules with bounded gaps
//! (`gift card.{0,40}review`) make its DFA explode and the engine falls back to a crawl.
//! Instead every pattern's required prefix literals go into one Aho-Corasick automaton;
//! a single pass over the text finds where a match could start, and the pattern runs
//! anchored there only. Patterns without usable literals run over the whole text.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex_automata::util::pool::Pool;
use regex_automata::{hybrid, meta, nfa::thompson, util::syntax, Anchored, Input, PatternSet};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use crate::knowledge::{KnowledgeError, Rule};
use crate::message::Span;

/// At most this many evidence spans are kept per rule.
const MAX_EVIDENCE_PER_RULE: usize = 3;
/// Prefix literals are cut to this many bytes: thousands of long case and spelling variants
/// share a few short prefixes, which keeps the prefilter's DFA small.
const MAX_LITERAL_BYTES: usize = 6;
/// A size limit generous enough for a few hundred Unicode patterns.
const REGEX_SIZE_LIMIT: usize = 64 * 1024 * 1024;

/// A rule match: which rule, where in the normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    pub rule: usize,
    pub spans: Vec<Span>,
}

#[derive(Debug)]
struct CompiledPattern {
    rule: usize,
    regex: LazyRegex,
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
    /// Which per-thread cache in [`SearchCaches`] belongs to `forward`.
    slot: usize,
    forward: OnceLock<Option<hybrid::dfa::DFA>>,
    /// For searches that must find where a match starts, and whenever `forward` cannot answer.
    full: OnceLock<Option<meta::Regex>>,
}

impl LazyRegex {
    fn new(pattern: &str, slot: usize) -> Result<Self, String> {
        let source = prepare(pattern);
        regex_syntax::ParserBuilder::new()
            .case_insensitive(true)
            .build()
            .parse(&source)
            .map_err(|e| e.to_string())?;
        Ok(LazyRegex {
            source,
            slot,
            forward: OnceLock::new(),
            full: OnceLock::new(),
        })
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

    /// Where the leftmost-first match that starts exactly at `at` ends.
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
        .thompson(thompson::Config::new().nfa_size_limit(Some(REGEX_SIZE_LIMIT)))
        .configure(hybrid::dfa::Config::new().match_kind(regex_automata::MatchKind::LeftmostFirst))
        .build(source)
        .ok()
}

/// One thread's lazy DFA caches, one slot per pattern, created on first use.
#[derive(Debug, Default)]
struct SearchCaches {
    slots: Vec<Option<hybrid::dfa::Cache>>,
}

impl SearchCaches {
    fn for_slot(&mut self, slot: usize, dfa: &hybrid::dfa::DFA) -> &mut hybrid::dfa::Cache {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, || None);
        }
        self.slots[slot].get_or_insert_with(|| dfa.create_cache())
    }
}

type CachePool = Pool<SearchCaches, fn() -> SearchCaches>;

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

#[derive(Debug)]
pub struct ContentRules {
    /// The distinct prefix literals of every pattern that has them, cut to
    /// [`MAX_LITERAL_BYTES`]; `literal_owners[i]` are the patterns literal `i` starts.
    prefilter: Option<AhoCorasick>,
    literal_owners: Vec<Vec<usize>>,
    /// Patterns without usable prefix literals: they search the whole text.
    always: Vec<usize>,
    /// All of `always` in one automaton: one pass tells which of them can match at all.
    always_gate: LazyRegexSet,
    patterns: Vec<CompiledPattern>,
    /// Per rule: `except` patterns.
    excepts: Vec<Vec<LazyRegex>>,
    windows: Vec<usize>,
    needs_brand_claim: Vec<bool>,
    /// Per-thread lazy DFA caches of `patterns` and `excepts`.
    caches: CachePool,
}

/// Word boundaries in the rules mean ASCII word boundaries: Unicode `\b` keeps the regex
/// engine off its fast DFA on Japanese text (a 100× slowdown), and Japanese has no
/// word boundaries to find anyway.
pub fn prepare(pattern: &str) -> String {
    pattern
        .replace(r"\b", r"(?-u:\b)")
        .replace(r"\B", r"(?-u:\B)")
}

impl ContentRules {
    /// Compile the patterns of `rules` (indices are positions in `rules`).
    pub fn compile(rules: &[Rule]) -> Result<Self, KnowledgeError> {
        let mut patterns = Vec::new();
        let mut owners_by_literal: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
        let mut always = Vec::new();
        let mut excepts = Vec::with_capacity(rules.len());
        let mut next_slot = 0;
        let mut lazy = |rule: &Rule, p: &str| {
            next_slot += 1;
            LazyRegex::new(p, next_slot - 1).map_err(|e| pattern_error(rule, p, e))
        };
        for (i, rule) in rules.iter().enumerate() {
            for p in rule.patterns.all() {
                let regex = lazy(rule, p)?;
                match prefix_literals(p) {
                    Some(lits) => {
                        for literal in lits {
                            let owners = owners_by_literal.entry(literal).or_default();
                            if owners.last() != Some(&patterns.len()) {
                                owners.push(patterns.len());
                            }
                        }
                    }
                    None => always.push(patterns.len()),
                }
                patterns.push(CompiledPattern { rule: i, regex });
            }
            let ex = rule
                .except
                .all()
                .map(|p| lazy(rule, p))
                .collect::<Result<Vec<_>, _>>()?;
            excepts.push(ex);
        }
        let (literals, literal_owners): (Vec<Vec<u8>>, Vec<Vec<usize>>) =
            owners_by_literal.into_iter().unzip();
        // The text is normalised (lower case), so the automaton needs no case folding; a DFA
        // takes one step per byte where an NFA chases failure links.
        let prefilter = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&literals)
            .ok();
        Ok(ContentRules {
            prefilter,
            literal_owners,
            always_gate: LazyRegexSet::new(
                always
                    .iter()
                    .map(|&i| patterns[i].regex.source.clone())
                    .collect(),
            ),
            always,
            patterns,
            excepts,
            windows: rules.iter().map(|r| r.except_window).collect(),
            needs_brand_claim: rules.iter().map(|r| r.needs_brand_claim).collect(),
            caches: Pool::new(SearchCaches::default),
        })
    }

    /// Every rule that matches `text` (normalised), with its evidence spans, in rule order.
    pub fn matches(&self, text: &str, brand_claimed: bool) -> Vec<RuleMatch> {
        let mut spans: Vec<Vec<Span>> = vec![Vec::new(); self.excepts.len()];
        let mut next_start = vec![0usize; self.patterns.len()];
        let mut caches = self.caches.get();
        let allowed = |p: &CompiledPattern| brand_claimed || !self.needs_brand_claim[p.rule];
        if let Some(ac) = &self.prefilter {
            for hit in ac.find_overlapping_iter(text) {
                let owners = self.literal_owners.get(hit.pattern().as_usize());
                for &idx in owners.into_iter().flatten() {
                    let p = &self.patterns[idx];
                    if !allowed(p)
                        || hit.start() < next_start[idx]
                        || spans[p.rule].len() >= MAX_EVIDENCE_PER_RULE
                    {
                        continue;
                    }
                    if let Some(end) = p.regex.match_end_from(&mut caches, text, hit.start()) {
                        next_start[idx] = end.max(hit.start() + 1);
                        let span = Span::new(hit.start(), end);
                        self.keep(p.rule, text, span, &mut spans, &mut caches);
                    }
                }
            }
        }
        for idx in self.always_that_match(text) {
            let p = &self.patterns[idx];
            if !allowed(p) {
                continue;
            }
            let Some(regex) = p.regex.full() else {
                continue;
            };
            for m in regex.find_iter(text) {
                if spans[p.rule].len() >= MAX_EVIDENCE_PER_RULE {
                    break;
                }
                let span = Span::new(m.start(), m.end());
                self.keep(p.rule, text, span, &mut spans, &mut caches);
            }
        }
        spans
            .into_iter()
            .enumerate()
            .filter(|(_, s)| !s.is_empty())
            .map(|(rule, spans)| RuleMatch { rule, spans })
            .collect()
    }

    /// The `always` patterns with a match somewhere in `text`.
    fn always_that_match(&self, text: &str) -> Vec<usize> {
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

    /// Record a match unless an `except` pattern around it cancels it or it repeats a span.
    fn keep(
        &self,
        rule: usize,
        text: &str,
        span: Span,
        spans: &mut [Vec<Span>],
        caches: &mut SearchCaches,
    ) {
        let list = &mut spans[rule];
        if list.len() < MAX_EVIDENCE_PER_RULE
            && !list
                .iter()
                .any(|s| s.start < span.end && span.start < s.end)
            && !self.excepted(rule, text, span, caches)
        {
            list.push(span);
        }
    }

    fn excepted(&self, rule: usize, text: &str, span: Span, caches: &mut SearchCaches) -> bool {
        let excepts = &self.excepts[rule];
        if excepts.is_empty() {
            return false;
        }
        let window = self.windows[rule];
        let start = floor_char_boundary(text, span.start.saturating_sub(window));
        let end = ceil_char_boundary(text, (span.end + window).min(text.len()));
        let around = &text[start..end];
        excepts.iter().any(|r| r.is_match(caches, around))
    }
}

/// The literals one of which every match of `pattern` starts with, lower-cased and cut to
/// [`MAX_LITERAL_BYTES`] (a shorter prefix is still a prefix; the anchored pattern confirms);
/// `None` when there is no such finite set of useful (≥ 2 byte) literals.
fn prefix_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(&prepare(pattern))
        .ok()?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().len() < 2) {
        return None;
    }
    Some(
        literals
            .iter()
            .map(|l| cut_literal(l.as_bytes()).to_ascii_lowercase())
            .collect(),
    )
}

/// The first [`MAX_LITERAL_BYTES`] bytes of a literal, not splitting a UTF-8 character.
fn cut_literal(literal: &[u8]) -> &[u8] {
    if literal.len() <= MAX_LITERAL_BYTES {
        return literal;
    }
    let mut end = MAX_LITERAL_BYTES;
    while end > 0 && literal.get(end).is_some_and(|&b| b & 0xC0 == 0x80) {
        end -= 1;
    }
    &literal[..end]
}

fn pattern_error(rule: &Rule, pattern: &str, e: impl ToString) -> KnowledgeError {
    KnowledgeError::Pattern {
        file: String::new(),
        rule: rule.id.clone(),
        pattern: pattern.to_string(),
        message: e.to_string(),
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{Localized, Patterns, Severity};

    fn rule(id: &str, patterns: &[&str], except: &[&str]) -> Rule {
        Rule {
            id: id.into(),
            family: "R1".into(),
            severity: Severity::High,
            weight: None,
            patterns: Patterns {
                ja: vec![],
                en: patterns.iter().map(|s| s.to_string()).collect(),
            },
            except: Patterns {
                ja: vec![],
                en: except.iter().map(|s| s.to_string()).collect(),
            },
            except_window: 30,
            needs_brand_claim: false,
            explain: Localized::default(),
            advice: vec![],
            replies: vec![],
        }
    }

    #[test]
    fn matches_give_spans_and_respect_except() {
        let rules = vec![
            rule("pw", &["password"], &["never ask"]),
            rule("gift", &["gift card"], &[]),
        ];
        let c = ContentRules::compile(&rules).expect("compiles");
        let m = c.matches("please send your password now", false);
        assert_eq!(
            m,
            vec![RuleMatch {
                rule: 0,
                spans: vec![Span::new(17, 25)]
            }]
        );
        assert!(c
            .matches("we will never ask for your password", false)
            .is_empty());
        let m = c.matches("a gift card and a gift card", false);
        assert_eq!(m[0].spans.len(), 2);
    }

    #[test]
    fn patterns_without_prefix_literals_still_run() {
        let rules = vec![
            rule("gap", &[r".{0,3}(?:pass|pin)code"], &[]),
            rule("lit", &["(?:ギフト券|gift card).{0,10}review"], &[]),
        ];
        let c = ContentRules::compile(&rules).expect("compiles");
        assert_eq!(c.always, vec![0]);
        let m = c.matches("your pincode, a gift card for a review", false);
        assert_eq!(m.iter().map(|m| m.rule).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(c.matches("ギフト券をreviewで", false).len(), 1);
    }

    #[test]
    fn bad_pattern_is_a_clear_error() {
        let err = ContentRules::compile(&[rule("bad", &["(unclosed"], &[])]).unwrap_err();
        assert!(err.to_string().contains("bad"), "{err}");
    }
}
