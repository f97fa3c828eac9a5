//! What kind of message this is: the guide's patterns P1–P5 and the platform notices.

use super::literals::LiteralHit;
use super::patterns::GatedPatterns;

use crate::knowledge::{Intent, KnowledgeError};

/// An intent needs at least this score to be chosen over `other`.
const MIN_SCORE: u32 = 2;
const STRONG_CUE: u32 = 3;

#[derive(Debug)]
pub struct IntentClassifier {
    cues: GatedPatterns,
    /// Per pattern in `cues`: (intent index, points).
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
                sources.push(p.as_str());
                points.push((i, 1));
            }
            for p in intent.strong_cues.all() {
                sources.push(p.as_str());
                points.push((i, STRONG_CUE));
            }
        }
        let cues = GatedPatterns::compile(sources.iter().copied()).map_err(|bad| {
            KnowledgeError::Pattern {
                file: "intents".into(),
                rule: "(intent cues)".into(),
                pattern: sources[bad.index].to_string(),
                message: bad.message,
            }
        })?;
        Ok(IntentClassifier {
            cues,
            points,
            intent_count: intents.len(),
        })
    }

    /// The literals [`Self::classify`] needs the occurrences of.
    pub fn literals(&self) -> &[Vec<u8>] {
        self.cues.literals()
    }

    /// Score every intent on normalised text; the best one wins, earlier intents win ties.
    /// `hits` are the occurrences of [`Self::literals`] in `text`.
    pub fn classify(&self, text: &str, hits: &[LiteralHit]) -> IntentScore {
        let mut scores = vec![0u32; self.intent_count];
        let matched = self.cues.which_match(text, hits);
        for (&(intent, pts), _) in self.points.iter().zip(matched).filter(|(_, m)| *m) {
            scores[intent] += pts;
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
