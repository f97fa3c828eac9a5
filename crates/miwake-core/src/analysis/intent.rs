//! What kind of message this is: the guide's patterns P1–P5 and the platform notices.

use regex::{RegexSet, RegexSetBuilder};

use crate::knowledge::{Intent, KnowledgeError};

/// An intent needs at least this score to be chosen over `other`.
const MIN_SCORE: u32 = 2;
const STRONG_CUE: u32 = 3;

#[derive(Debug)]
pub struct IntentClassifier {
    set: RegexSet,
    /// Per pattern in `set`: (intent index, points).
    points: Vec<(usize, u32)>,
    intent_count: usize,
}

/// The chosen intent (`None` = other) and its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntentScore {
    pub intent: Option<usize>,
    pub score: u32,
}

impl IntentClassifier {
    pub fn compile(intents: &[Intent]) -> Result<Self, KnowledgeError> {
        let mut sources = Vec::new();
        let mut points = Vec::new();
        for (i, intent) in intents.iter().enumerate() {
            for p in intent.cues.all() {
                sources.push(super::content_rules::prepare(p));
                points.push((i, 1));
            }
            for p in intent.strong_cues.all() {
                sources.push(super::content_rules::prepare(p));
                points.push((i, STRONG_CUE));
            }
        }
        let set = RegexSetBuilder::new(&sources)
            .case_insensitive(true)
            .size_limit(64 * 1024 * 1024)
            .dfa_size_limit(64 * 1024 * 1024)
            .build()
            .map_err(|e| KnowledgeError::Pattern {
                file: "intents".into(),
                rule: "(intent cues)".into(),
                pattern: String::new(),
                message: e.to_string(),
            })?;
        Ok(IntentClassifier {
            set,
            points,
            intent_count: intents.len(),
        })
    }

    /// Score every intent on normalised text; the best one wins, earlier intents win ties.
    pub fn classify(&self, text: &str) -> IntentScore {
        let mut scores = vec![0u32; self.intent_count];
        for idx in self.set.matches(text).iter() {
            if let Some(&(intent, pts)) = self.points.get(idx) {
                scores[intent] += pts;
            }
        }
        let best = scores
            .iter()
            .enumerate()
            .fold(None, |best: Option<(usize, u32)>, (i, &s)| match best {
                Some((_, b)) if b >= s => best,
                _ => Some((i, s)),
            });
        match best {
            Some((i, s)) if s >= MIN_SCORE => IntentScore {
                intent: Some(i),
                score: s,
            },
            Some((_, s)) => IntentScore {
                intent: None,
                score: s,
            },
            None => IntentScore {
                intent: None,
                score: 0,
            },
        }
    }
}
