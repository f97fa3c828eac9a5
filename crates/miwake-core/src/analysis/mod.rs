//! The analysis pipeline: message → facts, findings, intent → verdict.
//!
//! Where to look: pattern rules (R1–R4) in [`content_rules`], links in [`links`],
//! headers in [`sender`], attachments in [`attachments`], brands and lookalikes in
//! [`brands`], message kind in [`intent`], the score and advice in [`verdict`].

pub mod attachments;
pub mod auth;
pub mod brands;
pub mod content_rules;
mod gaps;
pub mod homoglyphs;
pub mod intent;
pub mod links;
pub mod literals;
pub mod orders;
pub mod patterns;
pub mod route;
pub mod sender;
pub mod verdict;

use foldhash::HashSet;

use crate::facts::{FactExtractor, Facts};
use crate::ingest::{ingest, Limits};
use crate::knowledge::{Knowledge, KnowledgeError};
use crate::message::{Link, LinkOrigin, Message, Span};
use crate::normalize::NormalizedText;
use crate::report::{Evidence, Report};

use brands::BrandIndex;
use content_rules::ContentRules;
use intent::IntentClassifier;
use literals::LiteralScanner;

/// The users of [`Analyzer::literals`], by their index in its lists.
const RULE_LITERALS: usize = 0;
const INTENT_LITERALS: usize = 1;
const BRAND_NAMES: usize = 2;
const FACT_LITERALS: usize = 3;

/// A rule that fired, with its evidence, before weighing.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: &'static str,
    pub evidence: Vec<Evidence>,
}

impl Hit {
    pub fn new(rule: &'static str, evidence: Evidence) -> Self {
        Hit {
            rule,
            evidence: vec![evidence],
        }
    }
}

/// Compiled knowledge, built once and shared (it is `Send + Sync`); `analyze` is pure.
#[derive(Debug)]
pub struct Analyzer {
    knowledge: Knowledge,
    rules: ContentRules,
    intents: IntentClassifier,
    brands: BrandIndex,
    /// The literals of `rules`, `intents` and the brand names, found in one pass.
    literals: LiteralScanner,
    host_lists: links::HostLists,
    facts: FactExtractor,
    limits: Limits,
    route: auth::RouteOptions,
}

impl Analyzer {
    pub fn new(knowledge: Knowledge) -> Result<Self, KnowledgeError> {
        let rules = ContentRules::compile(&knowledge.rules)?;
        let intents = IntentClassifier::compile(&knowledge.intents)?;
        let brands = BrandIndex::new(&knowledge.brands, &knowledge.lists);
        let mut lists: [Vec<&[u8]>; 4] = Default::default();
        lists[RULE_LITERALS] = byte_strings(rules.literals());
        lists[INTENT_LITERALS] = byte_strings(intents.literals());
        lists[BRAND_NAMES] = byte_strings(brands.name_literals());
        lists[FACT_LITERALS] = FactExtractor::literals()
            .into_iter()
            .map(str::as_bytes)
            .collect();
        Ok(Analyzer {
            literals: LiteralScanner::new(&lists),
            rules,
            intents,
            brands,
            host_lists: links::HostLists::new(&knowledge.lists),
            facts: FactExtractor::new(),
            limits: Limits::default(),
            route: auth::RouteOptions::default(),
            knowledge,
        })
    }

    /// An analyzer over the knowledge shipped with miwake.
    pub fn embedded() -> Result<Self, KnowledgeError> {
        Self::new(Knowledge::embedded()?)
    }

    #[cfg(test)]
    pub(crate) fn literal_scanner(&self) -> &LiteralScanner {
        &self.literals
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Whose `Authentication-Results` to trust (default: the topmost header).
    pub fn with_route_options(mut self, route: auth::RouteOptions) -> Self {
        self.route = route;
        self
    }

    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    pub fn brands(&self) -> &BrandIndex {
        &self.brands
    }

    /// Judge raw input: an e-mail (RFC 5322 / MIME) or pasted text.
    pub fn analyze(&self, raw: &[u8]) -> Report {
        self.analyze_message(ingest(raw, &self.limits))
    }

    /// Judge raw input against the user's own orders: a cited order number that is not
    /// theirs, or a tracking number that is not the order's, becomes a finding; a match says
    /// so. See [`orders`].
    pub fn analyze_with_orders(&self, raw: &[u8], orders: &orders::OrderContext) -> Report {
        let mut report = self.analyze(raw);
        orders::apply(&mut report, &self.knowledge, orders);
        report
    }

    /// Judge raw input with the results of a DKIM verification done outside the core
    /// (`miwake check --verify-dkim`); the core itself never looks anything up.
    pub fn analyze_with_dkim(&self, raw: &[u8], dkim: &[auth::DkimVerification]) -> Report {
        self.analyze_message_with(ingest(raw, &self.limits), dkim, None, false)
    }

    /// Judge one bare URL, as if a message held nothing but that link. Nothing is fetched.
    pub fn analyze_url(&self, url: &str) -> Report {
        self.analyze_url_as(url, None)
    }

    /// Judge one bare URL that was presented as the brand `brand_id`'s (`amazon`): a link
    /// on a domain the brand does not own is then a finding of its own. Nothing is fetched.
    pub fn analyze_url_as(&self, url: &str, brand_id: Option<&str>) -> Report {
        let claim = brand_id.and_then(|id| self.brands.brands.iter().position(|b| b.id == id));
        let url = url.trim();
        let message = Message {
            kind: crate::message::InputKind::PlainText,
            headers: Default::default(),
            display_text: url.to_string(),
            links: vec![Link {
                href: url.to_string(),
                text: url.to_string(),
                origin: LinkOrigin::Text,
                span: Some(Span::new(0, url.len())),
            }],
            attachments: Vec::new(),
            notes: Vec::new(),
            raw_size: url.len(),
        };
        self.analyze_message_with(message, &[], claim, true)
    }

    /// Judge an already ingested message.
    pub fn analyze_message(&self, message: Message) -> Report {
        self.analyze_message_with(message, &[], None, false)
    }

    fn analyze_message_with(
        &self,
        message: Message,
        dkim: &[auth::DkimVerification],
        explicit_claim: Option<usize>,
        bare_url: bool,
    ) -> Report {
        let normalized = NormalizedText::new(&message.display_text);
        let literal_hits = self.literals.scan(&normalized.text);
        let facts = self
            .facts
            .extract_with(&normalized.text, &literal_hits[FACT_LITERALS]);
        let mentions = self
            .brands
            .mentions_among(&normalized.text, &literal_hits[BRAND_NAMES]);
        let signs = route::brand_signs(&message, mentions, &self.brands);
        let claim = self.claimed_brand(&signs);
        let claimed_brand = explicit_claim.or(claim.map(|c| c.brand));
        // In an e-mail, a brand named only in the body (a newsletter discussing Microsoft)
        // is not a claim to be that brand; in pasted text the body is all there is.
        let link_claim = claim
            .filter(|c| c.by_header || message.kind == crate::message::InputKind::PlainText)
            .map(|c| c.brand);
        let all_links = merge_links(&message, &facts, &normalized);

        let mut hits = Vec::new();
        let rule_matches = self.rules.matches(
            &normalized.text,
            &literal_hits[RULE_LITERALS],
            claimed_brand.is_some(),
        );
        let link_claim = match (explicit_claim, link_claim) {
            (Some(b), _) => links::LinkClaim::Explicit(b),
            (None, Some(b)) => links::LinkClaim::Message(b),
            (None, None) => links::LinkClaim::None,
        };
        let (link_reports, link_hits) = links::analyze_links(
            &all_links,
            &self.brands,
            &self.host_lists,
            link_claim,
            bare_url,
        );
        hits.extend(link_hits);
        let from_domain = message.headers.from.as_ref().and_then(|f| f.domain());
        let authentication = auth::authentication(
            &message.headers.authentication_results,
            &message.headers.arc_authentication_results,
            from_domain.as_deref(),
            &self.route,
            dkim,
        );
        hits.extend(sender::analyze_sender(
            &message.headers,
            &self.brands,
            &self.knowledge.lists,
            &authentication,
        ));
        let claims = route::claims(&message, &normalized.text, &self.brands, &signs);
        hits.extend(route::claim_hits(&message, &claims, &self.brands));
        hits.extend(sender::service_name_on_free_mail(
            &message.headers,
            &self.knowledge.lists,
        ));
        hits.extend(sender::random_tokens(&message.headers));
        hits.extend(homoglyphs::mixed_script_words(&message.display_text));
        if let Some(name) = message
            .headers
            .from
            .as_ref()
            .and_then(|f| f.name.as_deref())
        {
            hits.extend(homoglyphs::mixed_script_words(name).map(|mut hit| {
                hit.evidence = vec![Evidence::header("From", name)];
                hit
            }));
        }
        hits.extend(homoglyphs::styled_letters(
            message.headers.subject.as_deref(),
            &message.display_text,
        ));
        let link_domains: Vec<&str> = link_reports
            .iter()
            .filter_map(|l| l.registrable_domain.as_deref())
            .collect();
        hits.extend(sender::name_matches_link_domain(
            &message.headers,
            &link_domains,
        ));
        hits.extend(attachments::analyze_attachments(&message.attachments));
        hits.extend(input_hits(&message));

        let intent = self
            .intents
            .classify(&normalized.text, &literal_hits[INTENT_LITERALS]);
        let route = route::report(
            &self.knowledge,
            &message,
            &claims,
            &self.brands,
            authentication,
            &hits,
        );
        verdict::build_report(verdict::Parts {
            knowledge: &self.knowledge,
            message,
            normalized: &normalized,
            facts,
            rule_matches,
            hits,
            link_reports,
            intent,
            claimed_brand: claimed_brand.map(|b| self.brands.id(b).to_string()),
            route,
        })
    }

    /// The brand the message presents itself as: named in the sender's display name or
    /// address, in the subject, or more than once in the text.
    fn claimed_brand(&self, signs: &route::BrandSigns) -> Option<BrandClaim> {
        let by_header = signs.display_name.or(signs.from_address).or(signs.subject);
        if let Some(brand) = by_header {
            return Some(BrandClaim {
                brand,
                by_header: true,
            });
        }
        let mut counts = vec![0usize; self.brands.brands.len()];
        for &(brand, _) in &signs.mentions {
            counts[brand] += 1;
        }
        counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c >= 2)
            .max_by_key(|(_, &c)| c)
            .map(|(brand, _)| BrandClaim {
                brand,
                by_header: false,
            })
    }
}

fn byte_strings<T: AsRef<[u8]>>(list: &[T]) -> Vec<&[u8]> {
    list.iter().map(AsRef::as_ref).collect()
}

/// Which brand a message claims to be, and whether its headers (From, Subject) say so.
#[derive(Debug, Clone, Copy)]
struct BrandClaim {
    brand: usize,
    by_header: bool,
}

/// HTML links plus URLs written in the text, without duplicates.
fn merge_links(message: &Message, facts: &Facts, normalized: &NormalizedText) -> Vec<Link> {
    let mut links = message.links.clone();
    let mut targets: HashSet<String> = links.iter().map(|l| target_key(&l.href)).collect();
    for url in &facts.urls {
        let span = normalized.to_original(url.span);
        let text = message
            .display_text
            .get(span.start..span.end)
            .unwrap_or(&url.url)
            .to_string();
        let href = href_as_written(&text, &url.url);
        if !targets.insert(target_key(&href)) {
            continue;
        }
        links.push(Link {
            href,
            text,
            origin: if url.defanged {
                LinkOrigin::Defanged
            } else {
                LinkOrigin::Text
            },
            span: Some(span),
        });
    }
    links
}

/// The facts module reads URLs from the normalised text, where a Cyrillic `а` has become a
/// Latin `a`; the link must be judged as written (`www.аmazon.co.jp` is not Amazon).
fn href_as_written(original: &str, normalized_url: &str) -> String {
    let disguised = original.chars().any(|c| {
        matches!(c, '\u{0370}'..='\u{052F}')
            || (!c.is_ascii() && c.is_alphabetic() && c < '\u{3000}')
    });
    if !disguised || original.contains(char::is_whitespace) {
        return normalized_url.to_string();
    }
    match normalized_url.find("://") {
        Some(i) if !original.contains("://") => format!("{}{}", &normalized_url[..i + 3], original),
        _ => original.to_string(),
    }
}

/// Two links with the same key go to the same place: scheme, trailing slash and case aside.
fn target_key(href: &str) -> String {
    href.trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_ascii_lowercase()
}

/// What ingest skipped becomes a finding the user sees.
fn input_hits(message: &Message) -> Vec<Hit> {
    message
        .notes
        .iter()
        .filter_map(|note| {
            let rule = match note.code.as_str() {
                "empty_input" => "input.empty",
                "binary_input" => "input.binary",
                "truncated" => "input.truncated",
                "too_many_parts" => "input.too_many_parts",
                "too_deep" => "input.too_deep",
                "unknown_charset" => "input.unknown_charset",
                "undecodable_part" => "input.undecodable_part",
                "html_truncated" => "input.html_truncated",
                _ => return None,
            };
            Some(Hit::new(rule, Evidence::input(note.detail.clone())))
        })
        .collect()
}
