//! One pass over the normalised text finds the literals of every searcher that needs them:
//! the pattern rules' and the intent cues' prefilter literals ([`super::patterns`]) and the
//! brand names ([`super::brands`]). Each used to run its own Aho-Corasick search over the
//! whole text; one automaton over the union of their literals does the same work once.
//!
//! The search is a plain loop over the automaton's transitions: the iterator of the
//! `aho-corasick` crate keeps its position in a resumable state and cost about twice as
//! many instructions per byte (measured with the DFA this pass used before).
//!
//! The automaton is a contiguous NFA, not a DFA. A DFA takes one step per byte where the
//! NFA may follow failure links, but over the shipped knowledge's 4,776 literals it takes
//! 15 MB against the NFA's 0.26 MB. Between two messages the rest of the analysis pushes
//! most of the DFA out of the processor's caches: scanning a message took three times as
//! long as scanning the same text again right after. With the NFA, a one-thread scan of
//! the corpus spends about 190 ms in this search instead of about 280 ms.

use std::collections::BTreeMap;
use std::ops::Range;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{AhoCorasick, Anchored, MatchKind};

/// Where one literal of one user's list occurs in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiteralHit {
    /// The literal's index in its user's list.
    pub literal: usize,
    pub start: usize,
    pub end: usize,
}

/// Several users' literal lists, searched together.
#[derive(Debug)]
pub struct LiteralScanner {
    engine: Engine,
    /// `owners[owner_ranges[i]]`: who asked for distinct literal `i`, as (user, index in that
    /// user's list). One flat list: a vector per literal sent each hit to a heap block of its
    /// own.
    owner_ranges: Vec<Range<usize>>,
    owners: Vec<(usize, usize)>,
    users: usize,
}

#[derive(Debug)]
enum Engine {
    /// No literals, or none the automaton could be built for.
    Nothing,
    Nfa(Box<NFA>),
    /// For literal sets too large for a contiguous NFA (never the shipped knowledge).
    Other(AhoCorasick),
}

impl LiteralScanner {
    /// `lists[user]` is one user's literals; a literal may appear in several lists, or
    /// several times in one. Empty literals are never found.
    pub fn new<S: AsRef<[L]>, L: AsRef<[u8]>>(lists: &[S]) -> Self {
        let mut by_literal: BTreeMap<&[u8], Vec<(usize, usize)>> = BTreeMap::new();
        for (user, list) in lists.iter().enumerate() {
            for (index, literal) in list.as_ref().iter().enumerate() {
                if literal.as_ref().is_empty() {
                    continue;
                }
                by_literal
                    .entry(literal.as_ref())
                    .or_default()
                    .push((user, index));
            }
        }
        let mut literals = Vec::with_capacity(by_literal.len());
        let mut owner_ranges = Vec::with_capacity(by_literal.len());
        let mut owners = Vec::new();
        for (literal, asked_by) in by_literal {
            literals.push(literal);
            let from = owners.len();
            owners.extend(asked_by);
            owner_ranges.push(from..owners.len());
        }
        LiteralScanner {
            engine: Engine::build(&literals),
            owner_ranges,
            owners,
            users: lists.len(),
        }
    }

    /// Every occurrence of every user's literals in `text`, overlapping ones included:
    /// `result[user]` in the order an overlapping Aho-Corasick search reports them (by end,
    /// then longest first).
    pub fn scan(&self, text: &str) -> Vec<Vec<LiteralHit>> {
        let mut hits = vec![Vec::new(); self.users];
        match &self.engine {
            Engine::Nothing => {}
            Engine::Nfa(nfa) => self.scan_nfa(nfa, text.as_bytes(), &mut hits),
            Engine::Other(ac) => {
                for found in ac.find_overlapping_iter(text) {
                    self.record(
                        found.pattern().as_usize(),
                        found.start(),
                        found.end(),
                        &mut hits,
                    );
                }
            }
        }
        hits
    }

    fn scan_nfa(&self, nfa: &NFA, text: &[u8], hits: &mut [Vec<LiteralHit>]) {
        let Ok(mut state) = nfa.start_state(Anchored::No) else {
            return;
        };
        let mut end = 0;
        while let Some((steps, special)) = run_to_special(nfa, &text[end..], state) {
            end += steps;
            state = special;
            if nfa.is_dead(state) {
                return;
            }
            if nfa.is_match(state) {
                for index in 0..nfa.match_len(state) {
                    let literal = nfa.match_pattern(state, index);
                    let start = end.saturating_sub(nfa.pattern_len(literal));
                    self.record(literal.as_usize(), start, end, hits);
                }
            }
        }
    }

    fn record(&self, literal: usize, start: usize, end: usize, hits: &mut [Vec<LiteralHit>]) {
        let Some(range) = self.owner_ranges.get(literal) else {
            return;
        };
        let owners = self.owners.get(range.clone()).unwrap_or_default();
        for &(user, index) in owners {
            if let Some(list) = hits.get_mut(user) {
                list.push(LiteralHit {
                    literal: index,
                    start,
                    end,
                });
            }
        }
    }
}

/// Runs `nfa` from `state` over `text` up to the first special (match or dead) state: how
/// many bytes that took, and the state. A function of its own so that the loop keeps its
/// few variables in registers (a third of the instructions of the loop inlined above);
/// four bytes a round, which spares three of every four end-of-text tests.
fn run_to_special(nfa: &NFA, text: &[u8], mut state: StateID) -> Option<(usize, StateID)> {
    let mut rounds = text.chunks_exact(4);
    for (round, bytes) in rounds.by_ref().enumerate() {
        for (at, &byte) in bytes.iter().enumerate() {
            state = nfa.next_state(Anchored::No, state, byte);
            if nfa.is_special(state) {
                return Some((round * 4 + at + 1, state));
            }
        }
    }
    let done = text.len() - rounds.remainder().len();
    for (at, &byte) in rounds.remainder().iter().enumerate() {
        state = nfa.next_state(Anchored::No, state, byte);
        if nfa.is_special(state) {
            return Some((done + at + 1, state));
        }
    }
    None
}

impl Engine {
    fn build(literals: &[&[u8]]) -> Engine {
        if literals.is_empty() {
            return Engine::Nothing;
        }
        // The text is normalised (lower case), so the automaton needs no case folding. Only
        // the start state has a transition for every byte (`dense_depth(1)`): it is the one
        // most bytes of a message go through, and deeper dense states only made the NFA
        // larger without making it faster.
        let nfa = NFA::builder()
            .match_kind(MatchKind::Standard)
            .dense_depth(1)
            .prefilter(false)
            .build(literals);
        if let Ok(nfa) = nfa {
            return Engine::Nfa(Box::new(nfa));
        }
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(literals)
            .map_or(Engine::Nothing, Engine::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the scanner replaces: one overlapping search per user.
    fn one_search_per_user(lists: &[Vec<String>], text: &str) -> Vec<Vec<LiteralHit>> {
        lists
            .iter()
            .map(|list| {
                let Ok(ac) = AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(list)
                else {
                    return Vec::new();
                };
                ac.find_overlapping_iter(text)
                    .map(|m| LiteralHit {
                        literal: m.pattern().as_usize(),
                        start: m.start(),
                        end: m.end(),
                    })
                    .collect()
            })
            .collect()
    }

    fn scan(lists: &[Vec<String>], text: &str) -> Vec<Vec<LiteralHit>> {
        LiteralScanner::new(lists).scan(text)
    }

    #[test]
    fn shared_literals_are_reported_to_every_user_longest_first() {
        let lists = vec![
            vec!["card".to_string(), "rd".to_string()],
            vec!["ard".to_string(), "card".to_string()],
        ];
        let hits = scan(&lists, "a card");
        let hit = |literal, start| LiteralHit {
            literal,
            start,
            end: 6,
        };
        assert_eq!(hits[0], vec![hit(0, 2), hit(1, 4)]);
        assert_eq!(hits[1], vec![hit(1, 2), hit(0, 3)]);
    }

    #[test]
    fn no_literals_find_nothing() {
        assert_eq!(scan(&[vec![], vec![]], "text"), vec![vec![], vec![]]);
    }

    fn literal() -> impl Strategy<Value = String> {
        prop_oneof![
            "[abc]{1,4}",
            "[ab ]{1,3}",
            Just("発送".to_string()),
            Just("送し".to_string()),
        ]
    }

    proptest! {
        #[test]
        fn one_shared_pass_equals_one_search_per_user(
            lists in prop::collection::vec(prop::collection::vec(literal(), 0..8), 1..4),
            text in "([abc ]|発送|しました){0,40}",
        ) {
            prop_assert_eq!(scan(&lists, &text), one_search_per_user(&lists, &text));
        }
    }
}
