//! Knowledge as data: rules, intents, brands, advice and replies, parsed from TOML.
//!
//! The files under `knowledge/` in the repository are embedded at build time
//! ([`Knowledge::embedded`]); a user's own files are layered on top with
//! [`Knowledge::overlay`], where an entry with the same id replaces the built-in one.
//! This module only parses text: reading files is the caller's job (the core does no I/O).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Text in the two languages miwake speaks.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Localized {
    pub ja: String,
    pub en: String,
}

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// Output language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

/// Patterns per language. All are applied to every message (messages mix languages);
/// the split keeps the files reviewable.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Patterns {
    #[serde(default)]
    pub ja: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
}

impl Patterns {
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.ja.iter().chain(self.en.iter())
    }
    pub fn is_empty(&self) -> bool {
        self.ja.is_empty() && self.en.is_empty()
    }
}

/// How much a finding weighs towards a dangerous verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// One rule: id, family, severity, patterns per language, explanation per language, advice ids.
///
/// A rule without patterns is detected in code (links, sender, attachments, ingest);
/// its wording and weight still live here.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    /// `R1`–`R4` (the guide's red-flag families), `link`, `sender`, `attachment`, `input`, `trust`.
    pub family: String,
    pub severity: Severity,
    /// Overrides the severity's default weight. Negative weights lower the score (trust signals).
    #[serde(default)]
    pub weight: Option<i32>,
    #[serde(default)]
    pub patterns: Patterns,
    /// A match is dropped when one of these matches within `except_window` bytes around it
    /// (negations such as "we will never ask for your password").
    #[serde(default)]
    pub except: Patterns,
    #[serde(default = "default_except_window")]
    pub except_window: usize,
    /// The rule fires only when the message also claims to come from a known brand.
    #[serde(default)]
    pub needs_brand_claim: bool,
    pub explain: Localized,
    #[serde(default)]
    pub advice: Vec<String>,
    #[serde(default)]
    pub replies: Vec<String>,
}

fn default_except_window() -> usize {
    80
}

/// A message kind: the guide's honest patterns P1–P5 and the platform notices.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Intent {
    /// `shipping`, `usage_support`, `stock_alternative`, `return_exchange`, `review_support`,
    /// `account_security`, `payment`.
    pub id: String,
    /// The guide's item (`P1`…`P5`), when there is one.
    #[serde(default)]
    pub guide: Option<String>,
    pub name: Localized,
    /// Each matching pattern adds 1 to the intent's score.
    #[serde(default)]
    pub cues: Patterns,
    /// Each matching pattern adds 3.
    #[serde(default)]
    pub strong_cues: Patterns,
    #[serde(default)]
    pub advice: Vec<String>,
    #[serde(default)]
    pub replies: Vec<String>,
}

/// A brand that scams imitate, and the domains that really belong to it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    pub id: String,
    pub name: Localized,
    /// Words that claim the brand (matched in normalised text and display names):
    /// `amazon`, `アマゾン`. Plain lower-case text, not regexes.
    pub names: Vec<String>,
    /// Registrable domains the brand owns (links and mail): `amazon.co.jp`, `amazon.com`.
    pub domains: Vec<String>,
    /// Registrable domains that host the brand's images, tracking and relays but are
    /// not the brand's name (`amazonaws.com`, `a2z.com`). Links there are not foreign.
    #[serde(default)]
    pub service_domains: Vec<String>,
    /// Labels that, inside another domain, imitate the brand (`amazon`, `amaz0n`).
    #[serde(default)]
    pub lookalike_labels: Vec<String>,
}

/// Advice the guide gives (A1–A7, W1–W5).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Advice {
    pub id: String,
    pub title: Localized,
    pub text: Localized,
}

/// A reply template (T1–T8 and more). `{order}` and similar placeholders are filled from facts.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    pub id: String,
    pub title: Localized,
    pub text: Localized,
}

/// Lists used by link and sender analysis.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DomainLists {
    #[serde(default)]
    pub shorteners: Vec<String>,
    #[serde(default)]
    pub free_mail: Vec<String>,
    /// TLDs (without dot) where brand lookalikes are cheap and common.
    #[serde(default)]
    pub cheap_tlds: Vec<String>,
    /// Registrable domains of outside chat apps and cloud storage (R2).
    #[serde(default)]
    pub off_platform: Vec<String>,
    /// Default domains of app hosting and cloud tenants (`firebaseapp.com`,
    /// `onmicrosoft.com`): anyone can send from them, organisations don't.
    #[serde(default)]
    pub hosting_senders: Vec<String>,
    /// Free web hosting and tenant domains where anyone gets a subdomain in minutes
    /// (`workers.dev`, `mixh.jp`): matched as host suffixes.
    #[serde(default)]
    pub hosting_links: Vec<String>,
    /// Dynamic-DNS providers' shared domains (`ddns.net`, `myvnc.com`): matched as suffixes.
    #[serde(default)]
    pub dynamic_dns: Vec<String>,
}

/// Verdict thresholds and the default weight of each severity.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    pub caution_at: i32,
    pub danger_at: i32,
    pub weights: BTreeMap<String, i32>,
    /// Each further finding of the same family counts this percentage of its weight.
    #[serde(default = "default_repeat_percent")]
    pub repeat_percent: i32,
}

fn default_repeat_percent() -> i32 {
    50
}

impl Scoring {
    pub fn weight_of(&self, severity: Severity) -> i32 {
        let key = match severity {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        };
        self.weights.get(key).copied().unwrap_or(0)
    }
}

/// One knowledge file's content. Every section is optional so a user file can add one rule.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeFile {
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
    #[serde(default, rename = "intent")]
    pub intents: Vec<Intent>,
    #[serde(default, rename = "brand")]
    pub brands: Vec<Brand>,
    #[serde(default, rename = "advice")]
    pub advice: Vec<Advice>,
    #[serde(default, rename = "reply")]
    pub replies: Vec<Reply>,
    #[serde(default)]
    pub lists: Option<DomainLists>,
    #[serde(default)]
    pub scoring: Option<Scoring>,
}

/// All knowledge, merged.
#[derive(Debug, Clone)]
pub struct Knowledge {
    pub rules: Vec<Rule>,
    pub intents: Vec<Intent>,
    pub brands: Vec<Brand>,
    pub advice: Vec<Advice>,
    pub replies: Vec<Reply>,
    pub lists: DomainLists,
    pub scoring: Scoring,
}

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: rule {rule}: pattern {pattern:?} does not compile: {message}")]
    Pattern {
        file: String,
        rule: String,
        pattern: String,
        message: String,
    },
    #[error("rule {rule} names advice {advice}, which no knowledge file defines")]
    UnknownAdvice { rule: String, advice: String },
    #[error("rule {rule} names reply {reply}, which no knowledge file defines")]
    UnknownReply { rule: String, reply: String },
    #[error("no scoring section in any knowledge file")]
    NoScoring,
}

/// The files under `knowledge/`, embedded at build time: (name, content).
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "scoring.toml",
        include_str!("../../../knowledge/scoring.toml"),
    ),
    (
        "advice.toml",
        include_str!("../../../knowledge/advice.toml"),
    ),
    (
        "replies.toml",
        include_str!("../../../knowledge/replies.toml"),
    ),
    (
        "brands.toml",
        include_str!("../../../knowledge/brands.toml"),
    ),
    (
        "domain-lists.toml",
        include_str!("../../../knowledge/domain-lists.toml"),
    ),
    (
        "intents.toml",
        include_str!("../../../knowledge/intents.toml"),
    ),
    (
        "rules/r1-personal-data.toml",
        include_str!("../../../knowledge/rules/r1-personal-data.toml"),
    ),
    (
        "rules/r2-off-platform.toml",
        include_str!("../../../knowledge/rules/r2-off-platform.toml"),
    ),
    (
        "rules/r3-money.toml",
        include_str!("../../../knowledge/rules/r3-money.toml"),
    ),
    (
        "rules/r4-pressure.toml",
        include_str!("../../../knowledge/rules/r4-pressure.toml"),
    ),
    (
        "rules/links.toml",
        include_str!("../../../knowledge/rules/links.toml"),
    ),
    (
        "rules/sender.toml",
        include_str!("../../../knowledge/rules/sender.toml"),
    ),
    (
        "rules/attachments.toml",
        include_str!("../../../knowledge/rules/attachments.toml"),
    ),
    (
        "rules/input.toml",
        include_str!("../../../knowledge/rules/input.toml"),
    ),
    (
        "rules/orders.toml",
        include_str!("../../../knowledge/rules/orders.toml"),
    ),
];

impl Knowledge {
    /// The knowledge shipped with miwake.
    pub fn embedded() -> Result<Knowledge, KnowledgeError> {
        Self::from_sources(EMBEDDED.iter().copied())
    }

    /// Merge files in order; later entries with the same id replace earlier ones.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Knowledge, KnowledgeError> {
        let mut merged = Merged::default();
        for (name, text) in sources {
            merged.add(parse_file(name, text)?);
        }
        merged.finish()
    }

    /// Layer user files (name, content) on top of this knowledge.
    pub fn overlay<'a>(
        self,
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Knowledge, KnowledgeError> {
        let mut merged = Merged::from(self);
        for (name, text) in sources {
            merged.add(parse_file(name, text)?);
        }
        merged.finish()
    }

    pub fn advice(&self, id: &str) -> Option<&Advice> {
        self.advice.iter().find(|a| a.id == id)
    }

    pub fn reply(&self, id: &str) -> Option<&Reply> {
        self.replies.iter().find(|r| r.id == id)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

fn parse_file(name: &str, text: &str) -> Result<KnowledgeFile, KnowledgeError> {
    toml::from_str(text).map_err(|e| KnowledgeError::Parse {
        file: name.to_string(),
        message: e.to_string(),
    })
}

#[derive(Default)]
struct Merged {
    rules: Vec<Rule>,
    intents: Vec<Intent>,
    brands: Vec<Brand>,
    advice: Vec<Advice>,
    replies: Vec<Reply>,
    lists: DomainLists,
    scoring: Option<Scoring>,
}

impl From<Knowledge> for Merged {
    fn from(k: Knowledge) -> Self {
        Merged {
            rules: k.rules,
            intents: k.intents,
            brands: k.brands,
            advice: k.advice,
            replies: k.replies,
            lists: k.lists,
            scoring: Some(k.scoring),
        }
    }
}

/// Insert or replace by id, keeping first-seen order.
fn upsert<T>(list: &mut Vec<T>, item: T, id: impl Fn(&T) -> &str) {
    match list.iter().position(|x| id(x) == id(&item)) {
        Some(i) => list[i] = item,
        None => list.push(item),
    }
}

impl Merged {
    fn add(&mut self, file: KnowledgeFile) {
        for r in file.rules {
            upsert(&mut self.rules, r, |x| &x.id);
        }
        for i in file.intents {
            upsert(&mut self.intents, i, |x| &x.id);
        }
        for b in file.brands {
            upsert(&mut self.brands, b, |x| &x.id);
        }
        for a in file.advice {
            upsert(&mut self.advice, a, |x| &x.id);
        }
        for r in file.replies {
            upsert(&mut self.replies, r, |x| &x.id);
        }
        if let Some(l) = file.lists {
            extend_unique(&mut self.lists.shorteners, l.shorteners);
            extend_unique(&mut self.lists.free_mail, l.free_mail);
            extend_unique(&mut self.lists.cheap_tlds, l.cheap_tlds);
            extend_unique(&mut self.lists.off_platform, l.off_platform);
            extend_unique(&mut self.lists.hosting_senders, l.hosting_senders);
            extend_unique(&mut self.lists.hosting_links, l.hosting_links);
            extend_unique(&mut self.lists.dynamic_dns, l.dynamic_dns);
        }
        if let Some(s) = file.scoring {
            self.scoring = Some(s);
        }
    }

    fn finish(self) -> Result<Knowledge, KnowledgeError> {
        let scoring = self.scoring.ok_or(KnowledgeError::NoScoring)?;
        let k = Knowledge {
            rules: self.rules,
            intents: self.intents,
            brands: self.brands,
            advice: self.advice,
            replies: self.replies,
            lists: self.lists,
            scoring,
        };
        check_references(&k)?;
        Ok(k)
    }
}

fn extend_unique(list: &mut Vec<String>, more: Vec<String>) {
    for m in more {
        let m = m.to_ascii_lowercase();
        if !list.contains(&m) {
            list.push(m);
        }
    }
}

fn check_references(k: &Knowledge) -> Result<(), KnowledgeError> {
    let named = k
        .rules
        .iter()
        .map(|r| (&r.id, &r.advice, &r.replies))
        .chain(k.intents.iter().map(|i| (&i.id, &i.advice, &i.replies)));
    for (id, advice, replies) in named {
        if let Some(a) = advice.iter().find(|a| k.advice(a).is_none()) {
            return Err(KnowledgeError::UnknownAdvice {
                rule: id.clone(),
                advice: a.clone(),
            });
        }
        if let Some(r) = replies.iter().find(|r| k.reply(r).is_none()) {
            return Err(KnowledgeError::UnknownReply {
                rule: id.clone(),
                reply: r.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_knowledge_parses_and_references_resolve() {
        let k = Knowledge::embedded().expect("embedded knowledge must load");
        assert!(k.rules.len() > 20, "rules: {}", k.rules.len());
        for id in ["A1", "A2", "A3", "A4", "A5", "A6", "A7"] {
            assert!(k.advice(id).is_some(), "advice {id} missing");
        }
        for id in ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"] {
            assert!(k.reply(id).is_some(), "reply {id} missing");
        }
        for family in ["R1", "R2", "R3", "R4"] {
            assert!(
                k.rules.iter().any(|r| r.family == family),
                "{family} has no rule"
            );
        }
        for guide in ["P1", "P2", "P3", "P4", "P5"] {
            assert!(k.intents.iter().any(|i| i.guide.as_deref() == Some(guide)));
        }
    }

    #[test]
    fn overlay_replaces_rule_by_id_and_adds_new_ones() {
        let base = Knowledge::embedded().expect("embedded");
        let count = base.rules.len();
        let first = base.rules[0].id.clone();
        let user = format!(
            "[[rule]]\nid = \"{first}\"\nfamily = \"R4\"\nseverity = \"low\"\nexplain = {{ ja = \"上書き\", en = \"overridden\" }}\n\n\
             [[rule]]\nid = \"user.new\"\nfamily = \"R2\"\nseverity = \"high\"\npatterns = {{ en = ['zzz'] }}\nexplain = {{ ja = \"新\", en = \"new\" }}\n"
        );
        let k = base
            .overlay([("user.toml", user.as_str())])
            .expect("overlay");
        assert_eq!(k.rules.len(), count + 1);
        assert_eq!(
            k.rule(&first).map(|r| r.explain.en.as_str()),
            Some("overridden")
        );
        assert!(k.rule("user.new").is_some());
    }

    #[test]
    fn unknown_advice_is_an_error() {
        let base = Knowledge::embedded().expect("embedded");
        let user = "[[rule]]\nid = \"x\"\nfamily = \"R1\"\nseverity = \"low\"\nadvice = [\"A99\"]\nexplain = { ja = \"x\", en = \"x\" }\n";
        let err = base.overlay([("u.toml", user)]).unwrap_err();
        assert!(err.to_string().contains("A99"), "{err}");
    }
}
