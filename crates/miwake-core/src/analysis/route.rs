//! The route verdict for e-mail (guide W1/W5): does a message that presents itself as a
//! platform really come from it? Combines how the brand is claimed (display name, address,
//! subject, logo alt text, a signature such as "Amazon カスタマーサービス") with the sender's
//! domain and the trusted authentication results, and names the check that decided.

use serde::Serialize;

use crate::analysis::auth::Authentication;
use crate::analysis::brands::BrandIndex;
use crate::analysis::Hit;
use crate::domain::registrable_domain;
use crate::knowledge::{Knowledge, Localized};
use crate::message::{Headers, InputKind, Message};
use crate::report::Evidence;

/// Where a message claims to be a brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimSource {
    /// The From display name (`"Amazon.co.jp" <…>`).
    DisplayName,
    /// The From address is on the brand's own domain.
    FromAddress,
    Subject,
    /// An image whose alt text is the brand (a logo).
    LogoAlt,
    /// The brand signing as a desk: "Amazon カスタマーサービス", "The Amazon Team".
    Signature,
}

/// The check that decided the route, with its explanation in Japanese and English.
#[derive(Debug, Clone, Serialize)]
pub struct RouteDecision {
    /// `genuine` (an aligned pass for the brand's own domain), `forged` (a route check
    /// failed for a message claiming a brand) or `unverified` (nothing decided).
    pub outcome: &'static str,
    /// The rule id of the deciding check.
    pub rule: String,
    pub explanation: Localized,
}

/// Who sent the e-mail and who vouched for it (`route` in the JSON report).
#[derive(Debug, Clone, Serialize)]
pub struct RouteReport {
    /// The brand the message presents itself as, and where it says so.
    pub claimed_brand: Option<String>,
    pub claimed_by: Vec<ClaimSource>,
    /// The brand whose own domain the From address is on, if any.
    pub from_brand: Option<String>,
    /// `X-Amazon-Mail-Relay-Type`, set by Amazon's buyer–seller relay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay: Option<String>,
    pub authentication: Authentication,
    pub decision: Option<RouteDecision>,
}

/// Claims of one brand found in an e-mail's headers and text.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    pub brand: Option<usize>,
    pub sources: Vec<ClaimSource>,
}

/// The brand signs in a message's headers and text, found once for the claim searches of
/// both the analysis ([`claims`]) and the message-wide brand claim.
#[derive(Debug, Clone, Default)]
pub struct BrandSigns {
    /// The brand the From display name names.
    pub display_name: Option<usize>,
    /// The brand whose own domain the From address is on.
    pub from_address: Option<usize>,
    pub subject: Option<usize>,
    /// The first 64 brand mentions in the normalised text: (brand, byte range).
    pub mentions: Vec<(usize, std::ops::Range<usize>)>,
}

/// The brand signs of a message; `mentions` are the brand mentions in its normalised
/// display text ([`BrandIndex::mentions`]).
pub fn brand_signs(
    message: &Message,
    mentions: impl Iterator<Item = (usize, std::ops::Range<usize>)>,
    brands: &BrandIndex,
) -> BrandSigns {
    let headers = &message.headers;
    let from = headers.from.as_ref();
    BrandSigns {
        display_name: from
            .and_then(|f| f.name.as_deref())
            .and_then(|n| brands.named_in(n)),
        from_address: from.and_then(|_| from_brand(headers, brands)),
        subject: headers.subject.as_deref().and_then(|s| brands.named_in(s)),
        mentions: mentions.take(64).collect(),
    }
}

/// How the message claims a brand: the first brand found wins, in header order.
/// `normalized` is the message's normalised display text, `signs` its [`brand_signs`].
pub fn claims(
    message: &Message,
    normalized: &str,
    brands: &BrandIndex,
    signs: &BrandSigns,
) -> Claims {
    let mut found: Vec<(usize, ClaimSource)> = [
        (signs.display_name, ClaimSource::DisplayName),
        (signs.from_address, ClaimSource::FromAddress),
        (signs.subject, ClaimSource::Subject),
    ]
    .into_iter()
    .filter_map(|(brand, source)| Some((brand?, source)))
    .collect();
    let html = message
        .links
        .iter()
        .any(|l| l.origin == crate::message::LinkOrigin::HtmlAnchor);
    if html {
        if let Some(b) = logo_alt(&message.display_text, brands) {
            found.push((b, ClaimSource::LogoAlt));
        }
    }
    if let Some(b) = signature(normalized, &signs.mentions) {
        found.push((b, ClaimSource::Signature));
    }
    let Some(&(brand, _)) = found.first() else {
        return Claims::default();
    };
    Claims {
        brand: Some(brand),
        sources: found
            .iter()
            .filter(|(b, _)| *b == brand)
            .map(|(_, s)| *s)
            .collect(),
    }
}

/// The brand whose own (mail) domain the From address is on.
pub fn from_brand(headers: &Headers, brands: &BrandIndex) -> Option<usize> {
    let domain = headers.from.as_ref()?.domain()?;
    brands.sender_owner(&registrable_domain(&domain)?)
}

/// Ingest writes an image's alt text as `[alt]`: in an HTML e-mail, an alt text that is
/// just a brand name (`[Amazon.co.jp]`, `[image: Amazon logo]`) is that brand's logo.
fn logo_alt(display_text: &str, brands: &BrandIndex) -> Option<usize> {
    display_text
        .split('[')
        .skip(1)
        .filter_map(|s| s.split_once(']').map(|(alt, _)| alt))
        .take(64)
        .find_map(|alt| {
            let lower = alt.to_lowercase();
            let bare = ["image:", "logo", "ロゴ", "画像"]
                .iter()
                .fold(lower, |a, w| a.replace(w, " "));
            let bare = bare.trim();
            (!bare.is_empty() && bare.chars().count() <= 24)
                .then(|| brands.named_in(bare))
                .flatten()
        })
}

/// A forwarded message (`Fwd:`, `FW:`, `転送:`) carries someone else's mail on purpose.
fn forwarded(headers: &Headers) -> bool {
    let subject = headers.subject.as_deref().unwrap_or("").trim_start();
    let lower = subject.to_lowercase();
    ["fwd:", "fw:", "転送:", "fwd：", "転送："]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Words after a brand name that make it a signature: the brand speaking as a desk.
const DESK_WORDS: &[&str] = &[
    "customer service",
    "customer support",
    "team",
    "support team",
    "security team",
    "account services",
    "カスタマーサービス",
    "カスタマーセンター",
    "カスタマーサポート",
    "お客様センター",
    "チーム",
    "事務局",
    "サポートセンター",
    "アカウントサービス",
    "セキュリティチーム",
];

/// The brand name followed by a desk word: "Amazon カスタマーサービス", "Amazon.co.jp チーム".
fn signature(normalized: &str, mentions: &[(usize, std::ops::Range<usize>)]) -> Option<usize> {
    const GAP: usize = 3;
    let found = mentions.iter().find_map(|&(brand, ref range)| {
        let after = normalized.get(range.end..)?;
        let skipped: String = after
            .chars()
            .take(GAP + 24)
            .skip_while(|c| c.is_whitespace() || matches!(c, '.' | '・' | '-' | '_'))
            .collect();
        let gap = after.chars().take(GAP + 24).count() - skipped.chars().count();
        let desk = gap <= GAP
            && DESK_WORDS.iter().any(|w| {
                skipped.starts_with(w)
                    && skipped[w.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_ascii_alphanumeric())
            });
        desk.then_some(brand)
    });
    found
}

/// Route findings that need the claim: a logo or signature claims a brand while the mail
/// comes from a domain that is not the brand's (a display-name claim is judged in `sender`).
pub fn claim_hits(message: &Message, claims: &Claims, brands: &BrandIndex) -> Vec<Hit> {
    let mut hits = Vec::new();
    if message.kind != InputKind::Email || forwarded(&message.headers) {
        return hits;
    }
    let Some(brand) = claims.brand else {
        return hits;
    };
    let by_content = claims
        .sources
        .iter()
        .any(|s| matches!(s, ClaimSource::LogoAlt | ClaimSource::Signature));
    let by_name = claims.sources.contains(&ClaimSource::DisplayName);
    let Some(from) = message.headers.from.as_ref() else {
        return hits;
    };
    let Some(from_domain) = from.domain() else {
        return hits;
    };
    let from_owner = registrable_domain(&from_domain).and_then(|d| brands.sender_owner(&d));
    if by_content && !by_name && from_owner != Some(brand) {
        let shown = from.address.clone().unwrap_or_default();
        hits.push(Hit::new(
            "route.brand_claim_foreign_sender",
            Evidence::header("From", format!("{shown} ({})", brands.id(brand))),
        ));
    }
    hits
}

/// The checks that can decide a route, strongest first.
const DECIDING: &[(&str, &str)] = &[
    ("route.brand_forged", "forged"),
    ("sender.brand_name_foreign_domain", "forged"),
    ("route.brand_claim_foreign_sender", "forged"),
    ("sender.lookalike_domain", "forged"),
    ("auth.dkim_verify_fail", "forged"),
    ("auth.dmarc_fail", "forged"),
    ("auth.compauth_fail", "forged"),
    ("sender.display_name_other_domain", "forged"),
    ("trust.brand_authenticated", "genuine"),
];

/// The route report of an e-mail; `None` for pasted text.
pub fn report(
    k: &Knowledge,
    message: &Message,
    claims: &Claims,
    brands: &BrandIndex,
    authentication: Authentication,
    hits: &[Hit],
) -> Option<RouteReport> {
    if message.kind != InputKind::Email {
        return None;
    }
    let decision = DECIDING
        .iter()
        .find(|(rule, _)| hits.iter().any(|h| h.rule == *rule))
        .and_then(|(rule, outcome)| {
            let r = k.rule(rule)?;
            Some(RouteDecision {
                outcome,
                rule: r.id.clone(),
                explanation: r.explain.clone(),
            })
        });
    Some(RouteReport {
        claimed_brand: claims.brand.map(|b| brands.id(b).to_string()),
        claimed_by: claims.sources.clone(),
        from_brand: from_brand(&message.headers, brands).map(|b| brands.id(b).to_string()),
        relay: message.headers.amazon_relay_type.clone(),
        authentication,
        decision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> BrandIndex {
        let k = crate::Knowledge::embedded().expect("embedded");
        BrandIndex::new(&k.brands, &k.lists)
    }

    fn n(s: &str) -> String {
        crate::normalize::normalize_str(s)
    }

    #[test]
    fn logo_alt_text_and_signatures_claim_a_brand() {
        let idx = index();
        let amazon = idx.brands.iter().position(|b| b.id == "amazon");
        assert_eq!(logo_alt("[Amazon.co.jp]\nご注文の確認", &idx), amazon);
        assert_eq!(logo_alt("[image: Amazon logo] hello", &idx), amazon);
        assert_eq!(logo_alt("[a photo of my cat] hello", &idx), None);
        assert_eq!(
            logo_alt("[Amazon sues a seller over fake reviews]", &idx),
            None
        );
        let signed = |text: &str| {
            let text = n(text);
            let mentions: Vec<_> = idx.mentions(&text).take(64).collect();
            signature(&text, &mentions)
        };
        assert_eq!(
            signed("よろしくお願いします。\nAmazon.co.jp カスタマーサービス"),
            amazon
        );
        assert_eq!(signed("Thanks,\nThe Amazon Team"), amazon);
        assert_eq!(signed("Check your Amazon account"), None);
        assert_eq!(signed("Amazon Customer Service"), amazon);
        assert_eq!(signed("I bought it on Amazon yesterday"), None);
    }
}
