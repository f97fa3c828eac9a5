//! Pattern rules (R1–R4 and user rules), compiled once: the search itself is in
//! [`super::patterns`]; here a match becomes a rule's evidence unless an `except` pattern
//! near it cancels it.

use std::ops::Range;

use super::literals::LiteralHit;
use super::patterns::{GatedPatterns, SearchCaches};
use crate::knowledge::{KnowledgeError, Rule};
use crate::message::Span;

/// At most this many evidence spans are kept per rule.
const MAX_EVIDENCE_PER_RULE: usize = 3;

/// A rule match: which rule, where in the normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    pub rule: usize,
    pub spans: Vec<Span>,
}

#[derive(Debug)]
pub struct ContentRules {
    /// Every rule's patterns; `pattern_rule[i]` is the rule pattern `i` belongs to.
    patterns: GatedPatterns,
    pattern_rule: Vec<usize>,
    /// Every rule's `except` patterns; `except_ranges[rule]` are that rule's.
    excepts: GatedPatterns,
    except_ranges: Vec<Range<usize>>,
    windows: Vec<usize>,
    needs_brand_claim: Vec<bool>,
}

impl ContentRules {
    /// Compile the patterns of `rules` (indices are positions in `rules`).
    pub fn compile(rules: &[Rule]) -> Result<Self, KnowledgeError> {
        let owned = |select: fn(&Rule) -> &crate::knowledge::Patterns| {
            rules
                .iter()
                .enumerate()
                .flat_map(move |(i, r)| select(r).all().map(move |p| (i, p.as_str())))
                .collect::<Vec<_>>()
        };
        let patterns = owned(|r| &r.patterns);
        let excepts = owned(|r| &r.except);
        let compile = |list: &[(usize, &str)]| {
            GatedPatterns::compile(list.iter().map(|&(_, p)| p)).map_err(|bad| {
                let (rule, pattern) = list[bad.index];
                pattern_error(&rules[rule], pattern, bad.message)
            })
        };
        let mut except_ranges = vec![0..0; rules.len()];
        for (at, &(rule, _)) in excepts.iter().enumerate() {
            let range: &mut Range<usize> = &mut except_ranges[rule];
            if range.start == range.end {
                range.start = at;
            }
            range.end = at + 1;
        }
        Ok(ContentRules {
            patterns: compile(&patterns)?,
            pattern_rule: patterns.iter().map(|&(rule, _)| rule).collect(),
            excepts: compile(&excepts)?,
            except_ranges,
            windows: rules.iter().map(|r| r.except_window).collect(),
            needs_brand_claim: rules.iter().map(|r| r.needs_brand_claim).collect(),
        })
    }

    /// The literals [`Self::matches`] needs the occurrences of.
    pub fn literals(&self) -> &[Vec<u8>] {
        self.patterns.literals()
    }

    /// Every rule that matches `text` (normalised), with its evidence spans, in rule order;
    /// `hits` are the occurrences of [`Self::literals`] in it.
    pub fn matches(&self, text: &str, hits: &[LiteralHit], brand_claimed: bool) -> Vec<RuleMatch> {
        let mut spans: Vec<Vec<Span>> = vec![Vec::new(); self.windows.len()];
        let mut next_start = vec![0usize; self.patterns.len()];
        let mut caches = self.patterns.caches();
        let mut except_caches = self.excepts.caches();
        let allowed = |rule: usize| brand_claimed || !self.needs_brand_claim[rule];
        let candidates = self.patterns.candidates(hits);
        for &(idx, start) in &candidates.starts {
            let rule = self.pattern_rule[idx];
            if !allowed(rule)
                || start < next_start[idx]
                || spans[rule].len() >= MAX_EVIDENCE_PER_RULE
            {
                continue;
            }
            if let Some(end) = self.patterns.match_end_from(&mut caches, idx, text, start) {
                next_start[idx] = end.max(start + 1);
                let span = Span::new(start, end);
                self.keep(rule, text, span, &mut spans, &mut except_caches);
            }
        }
        for idx in self.patterns.unanchored_that_match(text, &candidates) {
            let rule = self.pattern_rule[idx];
            if !allowed(rule) {
                continue;
            }
            let Some(regex) = self.patterns.full(idx) else {
                continue;
            };
            for m in regex.find_iter(text) {
                if spans[rule].len() >= MAX_EVIDENCE_PER_RULE {
                    break;
                }
                let span = Span::new(m.start(), m.end());
                self.keep(rule, text, span, &mut spans, &mut except_caches);
            }
        }
        spans
            .into_iter()
            .enumerate()
            .filter(|(_, s)| !s.is_empty())
            .map(|(rule, spans)| RuleMatch { rule, spans })
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
        let excepts = self.except_ranges[rule].clone();
        if excepts.is_empty() {
            return false;
        }
        let window = self.windows[rule];
        let start = floor_char_boundary(text, span.start.saturating_sub(window));
        let end = ceil_char_boundary(text, (span.end + window).min(text.len()));
        let around = &text[start..end];
        excepts
            .into_iter()
            .any(|i| self.excepts.is_match(caches, i, around))
    }
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
    use crate::analysis::literals::LiteralScanner;
    use crate::knowledge::{Localized, Patterns, Severity};

    impl ContentRules {
        fn matches_in(&self, text: &str, brand_claimed: bool) -> Vec<RuleMatch> {
            let hits = LiteralScanner::new(&[self.literals()]).scan(text).remove(0);
            self.matches(text, &hits, brand_claimed)
        }
    }

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
        let m = c.matches_in("please send your password now", false);
        assert_eq!(
            m,
            vec![RuleMatch {
                rule: 0,
                spans: vec![Span::new(17, 25)]
            }]
        );
        assert!(c
            .matches_in("we will never ask for your password", false)
            .is_empty());
        let m = c.matches_in("a gift card and a gift card", false);
        assert_eq!(m[0].spans.len(), 2);
    }

    #[test]
    fn patterns_without_prefix_literals_still_run() {
        let rules = vec![
            rule("gap", &[r".{0,3}(?:pass|pin)code"], &[]),
            rule("lit", &["(?:ギフト券|gift card).{0,10}review"], &[]),
        ];
        let c = ContentRules::compile(&rules).expect("compiles");
        let m = c.matches_in("your pincode, a gift card for a review", false);
        assert_eq!(m.iter().map(|m| m.rule).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(c.matches_in("ギフト券をreviewで", false).len(), 1);
    }

    #[test]
    fn bad_pattern_is_a_clear_error() {
        let err = ContentRules::compile(&[rule("bad", &["(unclosed"], &[])]).unwrap_err();
        assert!(err.to_string().contains("bad"), "{err}");
    }
}
