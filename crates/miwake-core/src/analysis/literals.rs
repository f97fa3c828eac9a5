//! One pass over the normalised text finds the literals of every searcher that needs them:
//! the pattern rules' and the intent cues' prefilter literals ([`super::patterns`]) and the
//! brand names ([`super::brands`]). Each used to run its own Aho-Corasick search over the
//! whole text; one automaton over the union of their literals does the same work once.
//!
//! The automaton is a double array ([`daachorse`]), about 0.3 MB for the shipped knowledge's
//! 4,776 literals: a transition is one lookup and one check. The search is bound by memory
//! latency, not by instructions: on the corpus's normalised texts (7.6 MB) a literal ends
//! every 14 bytes, and each byte's state depends on the last. Measured in isolation over
//! those texts:
//! - a contiguous NFA (`aho-corasick`, 0.26 MB) took 12-14 ns a byte: it searches a state's
//!   transitions one by one, and follows failure links;
//! - a DFA (`aho-corasick`, 15 MB) took 13-16 ns a byte. In a real scan it took much longer,
//!   because the rest of the analysis pushed it out of the caches between messages;
//! - the double array takes 9-10 ns a byte. A one-thread scan of the corpus ran about a
//!   tenth faster with it than with the NFA (median of ten alternating rounds).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use daachorse::DoubleArrayAhoCorasick;

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

enum Engine {
    /// No literals, or none the automaton could be built for.
    Nothing,
    /// Each literal's value is its index in the distinct literals.
    DoubleArray(DoubleArrayAhoCorasick<u32>),
    /// For literal sets too large for a double array (never the shipped knowledge).
    Other(AhoCorasick),
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Engine::Nothing => f.write_str("Nothing"),
            Engine::DoubleArray(automaton) => f
                .debug_struct("DoubleArray")
                .field("heap_bytes", &automaton.heap_bytes())
                .finish(),
            Engine::Other(automaton) => f.debug_tuple("Other").field(automaton).finish(),
        }
    }
}

impl LiteralScanner {
    /// `lists[user]` is one user's literals; a literal may appear in several lists, or
    /// several times in one. Empty literals are never found.
    pub fn new<S: AsRef<[L]>, L: AsRef<[u8]>>(lists: &[S]) -> Self {
        Self::with_engine(lists, Engine::build)
    }

    /// [`Self::new`] with the automaton that `build` makes of the distinct literals.
    fn with_engine<S: AsRef<[L]>, L: AsRef<[u8]>>(
        lists: &[S],
        build: fn(&[&[u8]]) -> Engine,
    ) -> Self {
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
            engine: build(&literals),
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
            Engine::DoubleArray(automaton) => {
                for found in automaton.find_overlapping_iter(text) {
                    self.record(
                        found.value() as usize,
                        found.start(),
                        found.end(),
                        &mut hits,
                    );
                }
            }
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

impl Engine {
    fn build(literals: &[&[u8]]) -> Engine {
        if literals.is_empty() {
            return Engine::Nothing;
        }
        // The text is normalised (lower case), so the automaton needs no case folding.
        let numbered = literals.iter().zip(0u32..);
        if let Ok(automaton) = DoubleArrayAhoCorasick::with_values(numbered) {
            return Engine::DoubleArray(automaton);
        }
        Engine::other(literals)
    }

    fn other(literals: &[&[u8]]) -> Engine {
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
    fn the_shipped_knowledge_is_searched_with_a_double_array() {
        let analyzer = crate::Analyzer::embedded().expect("the shipped knowledge loads");
        let engine = &analyzer.literal_scanner().engine;
        assert!(matches!(engine, Engine::DoubleArray(_)), "{engine:?}");
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

        /// The automaton for literal sets a double array cannot hold reports the same.
        #[test]
        fn the_fallback_automaton_finds_the_same(
            lists in prop::collection::vec(prop::collection::vec(literal(), 0..8), 1..4),
            text in "([abc ]|発送|しました){0,40}",
        ) {
            let fallback = LiteralScanner::with_engine(&lists, Engine::other);
            prop_assert!(matches!(fallback.engine, Engine::Other(_)));
            prop_assert_eq!(fallback.scan(&text), scan(&lists, &text));
        }
    }
}
