//! Who sent an e-mail, judged from its headers alone (no DNS): brand claims in the display
//! name, foreign Reply-To, lookalike sender domains, and the receiving server's verdict.

use crate::analysis::auth::Authentication;
use crate::analysis::brands::BrandIndex;
use crate::analysis::Hit;
use crate::domain::registrable_domain;
use crate::knowledge::DomainLists;
use crate::message::{Address, Headers};
use crate::report::Evidence;

/// Findings about the sender; `auth` is the route judged from the trusted
/// authentication results (see [`crate::analysis::auth`]).
pub fn analyze_sender(
    headers: &Headers,
    brands: &BrandIndex,
    lists: &DomainLists,
    auth: &Authentication,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    let Some(from) = headers.from.as_ref() else {
        return hits;
    };
    let from_domain = from.domain();
    let from_reg = from_domain.as_deref().and_then(registrable_domain);
    let from_owner = from_reg.as_deref().and_then(|d| brands.sender_owner(d));
    let shown = show_address(from);

    if let Some(name) = from.name.as_deref() {
        if let Some(brand) = brands.named_in(name) {
            if from_owner != Some(brand) {
                hits.push(Hit::new(
                    "sender.brand_name_foreign_domain",
                    Evidence::header("From", &shown),
                ));
            }
        }
        if let Some(domain) = domain_in_display_name(name) {
            if registrable_domain(&domain) != from_reg {
                hits.push(Hit::new(
                    "sender.display_name_other_domain",
                    Evidence::header("From", &shown),
                ));
            }
        }
    }
    if from_owner.is_none() {
        if let Some(d) = from_domain.as_deref() {
            if brands.lookalike(d).is_some() {
                hits.push(Hit::new(
                    "sender.lookalike_domain",
                    Evidence::header("From", &shown),
                ));
            }
        }
    }
    if let Some(hit) = reply_to_elsewhere(headers, from_reg.as_deref(), lists) {
        hits.push(hit);
    }
    if let Some(rule) = malformed_address(from) {
        hits.push(Hit::new(rule, Evidence::header("From", &shown)));
    }
    let on_hosting = |d: &str| {
        lists
            .hosting_senders
            .iter()
            .any(|h| d == h || d.strip_suffix(h.as_str()).is_some_and(|p| p.ends_with('.')))
    };
    if from_domain.as_deref().is_some_and(on_hosting) {
        hits.push(Hit::new(
            "sender.hosting_domain",
            Evidence::header("From", &shown),
        ));
    }
    if let Some(local) = from.address.as_deref().and_then(|a| a.split('@').next()) {
        if is_random_local_part(local) {
            hits.push(Hit::new(
                "sender.random_token",
                Evidence::header("From", &shown),
            ));
        }
    }
    if let Some(d) = from_domain.as_deref().filter(|d| looks_random(d)) {
        hits.push(Hit::new(
            "sender.random_domain",
            Evidence::header("From", format!("{shown} ({d})")),
        ));
    }
    hits.extend(authentication_failures(auth));
    if from_owner.is_some() {
        let value = auth.header.clone().unwrap_or_default();
        if auth.aligned_pass {
            hits.push(Hit::new(
                "trust.brand_authenticated",
                Evidence::header("Authentication-Results", value),
            ));
        } else if auth.failed() {
            hits.push(Hit::new(
                "route.brand_forged",
                Evidence::header("From", format!("{shown} — {value}")),
            ));
        }
    }
    hits
}

fn show_address(a: &Address) -> String {
    match (a.name.as_deref(), a.address.as_deref()) {
        (Some(n), Some(addr)) => format!("{n} <{addr}>"),
        (None, Some(addr)) => addr.to_string(),
        (Some(n), None) => n.to_string(),
        (None, None) => String::new(),
    }
}

fn reply_to_elsewhere(
    headers: &Headers,
    from_reg: Option<&str>,
    lists: &DomainLists,
) -> Option<Hit> {
    let reply_to = headers.reply_to.first()?;
    let reg = reply_to.domain().as_deref().and_then(registrable_domain)?;
    if Some(reg.as_str()) == from_reg {
        return None;
    }
    let evidence = Evidence::header("Reply-To", show_address(reply_to));
    if lists.free_mail.contains(&reg) {
        Some(Hit::new("sender.reply_to_free_mail", evidence))
    } else {
        Some(Hit::new("sender.reply_to_other_domain", evidence))
    }
}

/// A domain written in a display name: `"amazon.co.jp" <x@example.cn>` → `amazon.co.jp`.
fn domain_in_display_name(name: &str) -> Option<String> {
    let lower = crate::normalize::normalize_str(name);
    lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '@'))
        .map(|token| token.rsplit('@').next().unwrap_or(token).trim_matches('.'))
        .filter(|t| t.contains('.') && !t.starts_with('-'))
        // `R.Hughes` is a name with an initial, not the domain `r.hughes`.
        .filter(|t| t.split('.').next().is_some_and(|first| first.len() >= 2))
        .find(|t| {
            t.rsplit('.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
                && psl::suffix(t.as_bytes()).is_some_and(|s| s.is_known())
                && registrable_domain(t).is_some()
        })
        .map(str::to_string)
}

/// Words a display name uses to look like a company's service desk.
const SERVICE_WORDS: &[&str] = &[
    "support",
    "service",
    "services",
    "team",
    "security",
    "account",
    "accounts",
    "billing",
    "admin",
    "administrator",
    "helpdesk",
    "notification",
    "notifications",
    "customer",
    "care",
    "official",
    "verification",
    "delivery",
    "sicherheit",
    "kundenservice",
    "atendimento",
    "soporte",
    "servicio",
    "サポート",
    "カスタマー",
    "事務局",
    "運営",
    "セキュリティ",
    "お客様センター",
];

/// A display name that poses as a company desk while the address is free mail
/// (`"Account Security Team" <x@gmail.com>`).
pub fn service_name_on_free_mail(headers: &Headers, lists: &DomainLists) -> Option<Hit> {
    let from = headers.from.as_ref()?;
    let name = crate::normalize::normalize_str(from.name.as_deref()?);
    let reg = from.domain().as_deref().and_then(registrable_domain)?;
    if !lists.free_mail.contains(&reg) {
        return None;
    }
    let poses = name
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| SERVICE_WORDS.contains(&w))
        || SERVICE_WORDS
            .iter()
            .any(|w| !w.is_ascii() && name.contains(w));
    poses.then(|| {
        Hit::new(
            "sender.service_name_free_mail",
            Evidence::header("From", show_address(from)),
        )
    })
}

/// The display name names an organisation whose own domain the links use, but the mail
/// comes from elsewhere: `"Charles Schwab" <postmaster@roadsoft.nl>` linking to schwab.com.
pub fn name_matches_link_domain(headers: &Headers, link_domains: &[&str]) -> Option<Hit> {
    let from = headers.from.as_ref()?;
    let name = crate::normalize::normalize_str(from.name.as_deref()?);
    let from_reg = from.domain().as_deref().and_then(registrable_domain)?;
    let from_label = from_reg.split('.').next().unwrap_or("");
    let words: Vec<&str> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 4 && !SERVICE_WORDS.contains(w))
        .collect();
    let impersonated = link_domains.iter().find(|domain| {
        let label = domain.split('.').next().unwrap_or("");
        words.contains(&label) && !from_label.contains(label) && **domain != from_reg
    })?;
    Some(Hit::new(
        "sender.name_matches_other_domain",
        Evidence::header("From", format!("{} ({impersonated})", show_address(from))),
    ))
}

/// Random-looking tokens in the subject or sender (`verifiqueXJ34DNLwlN`, `mYIvLwxL@…`):
/// bulk senders stamp each copy differently to slip past filters.
pub fn random_tokens(headers: &Headers) -> Option<Hit> {
    // Address local parts are left out: bounce addresses of honest bulk senders are
    // machine-made (`Online#3.20481.4a-uljJgrvQ@newsletter.…`).
    let fields = [
        ("Subject", headers.subject.as_deref()),
        (
            "From",
            headers.from.as_ref().and_then(|f| f.name.as_deref()),
        ),
    ];
    fields.iter().find_map(|(header, value)| {
        let token = (*value)?
            .split(|c: char| !c.is_ascii_alphanumeric())
            .find(|t| is_random_token(t))?;
        Some(Hit::new(
            "sender.random_token",
            Evidence::header(header, token.to_string()),
        ))
    })
}

/// A one-word local part with a capital letter inside it (`aDXNccz`, `lcfNupd`): mailbox
/// names are lower case or capitalised words; machine-made throwaway ones are not.
pub fn is_random_local_part(local: &str) -> bool {
    (6..=16).contains(&local.len())
        && local.bytes().all(|b| b.is_ascii_alphabetic())
        && local.bytes().skip(1).any(|b| b.is_ascii_uppercase())
        && local.bytes().any(|b| b.is_ascii_lowercase())
}

/// Mixed case in a way words never are: an upper-case letter right after a lower-case one
/// and followed by another capital or a digit (`gKpYT`), or digits between mixed-case letters.
pub fn is_random_token(token: &str) -> bool {
    let b = token.as_bytes();
    if b.len() < 8 {
        return false;
    }
    let has = |f: fn(&u8) -> bool| b.iter().any(f);
    let letters_around_digits = b
        .windows(3)
        .any(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_digit() && w[2].is_ascii_alphabetic());
    let digit_runs = b
        .windows(2)
        .filter(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_digit())
        .count();
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    // `wds2n6qqhl`: digits scattered through letters.
    if digit_runs >= 2 && letters >= 4 && letters_around_digits {
        return true;
    }
    if !(has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase)) {
        return false;
    }
    let odd_capital = b.windows(3).any(|w| {
        w[0].is_ascii_lowercase()
            && w[1].is_ascii_uppercase()
            && (w[2].is_ascii_uppercase() || w[2].is_ascii_digit())
    });
    let letters_around_digits = b
        .windows(3)
        .any(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_digit() && w[2].is_ascii_alphabetic());
    odd_capital
        || (letters_around_digits
            && b.windows(2)
                .filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
                .count()
                >= 1)
}

/// A From address no real mail system would use: no address, a domain without a public
/// suffix (`multas@regularizacao439313`), or letters from outside ASCII (`𝗲𝗱𝗲𝗸𝗮.de`).
fn malformed_address(from: &Address) -> Option<&'static str> {
    let address = from.address.as_deref().map(str::trim).unwrap_or("");
    if address.is_empty() {
        return Some("sender.missing_address");
    }
    let domain = from.domain()?;
    if !domain.is_ascii() {
        return Some("sender.unicode_domain");
    }
    let known_suffix = psl::suffix(domain.as_bytes()).is_some_and(|s| s.is_known());
    if !domain.contains('.') || !known_suffix {
        return Some("sender.invalid_domain");
    }
    None
}

/// The receiving server's own verdicts that went against the message: DMARC, SPF, DKIM and
/// Microsoft's composite authentication, from the trusted header only (lower ones can be
/// written by anyone on the way), and DKIM signatures that failed `--verify-dkim`.
fn authentication_failures(auth: &Authentication) -> Vec<Hit> {
    let header = auth.header.clone().unwrap_or_default();
    let evidence = || Evidence::header("Authentication-Results", header.clone());
    let result_is = |r: Option<&str>, want: &str| r == Some(want);
    let mut hits = Vec::new();
    if result_is(auth.dmarc.as_ref().map(|d| d.result.as_str()), "fail") {
        hits.push(Hit::new("auth.dmarc_fail", evidence()));
    }
    if result_is(auth.compauth.as_deref(), "fail") {
        hits.push(Hit::new("auth.compauth_fail", evidence()));
    }
    match auth.spf.as_ref().map(|s| s.result.as_str()) {
        Some("fail") => hits.push(Hit::new("auth.spf_fail", evidence())),
        Some("softfail") => hits.push(Hit::new("auth.spf_softfail", evidence())),
        _ => {}
    }
    if auth.dkim.iter().any(|d| d.result == "fail") {
        hits.push(Hit::new("auth.dkim_fail", evidence()));
    }
    if let Some(v) = auth.dkim_verified.iter().find(|v| v.result == "fail") {
        let detail = v.detail.as_deref().unwrap_or("");
        hits.push(Hit::new(
            "auth.dkim_verify_fail",
            Evidence::header("DKIM-Signature", format!("d={} {detail}", v.domain)),
        ));
    }
    hits
}

/// A domain label that no person chose: long runs of consonants or digits mixed into letters
/// (`qlhcyzlln.com`, `arljitvqcvd.zeqifeku.quest`), as throwaway spam domains are.
pub fn looks_random(domain: &str) -> bool {
    let reg = registrable_domain(domain).unwrap_or_else(|| domain.to_string());
    let label = reg.split('.').next().unwrap_or("");
    if label.len() < 7 || !label.is_ascii() {
        return false;
    }
    let vowels = label.bytes().filter(|b| b"aeiouy".contains(b)).count();
    let letters = label.bytes().filter(u8::is_ascii_alphabetic).count();
    let digits = label.bytes().filter(u8::is_ascii_digit).count();
    let mut run = 0;
    let mut longest_consonant_run = 0;
    for b in label.bytes() {
        if b.is_ascii_alphabetic() && !b"aeiouy".contains(&b) {
            run += 1;
            longest_consonant_run = longest_consonant_run.max(run);
        } else {
            run = 0;
        }
    }
    let few_vowels = letters >= 9 && vowels * 6 < letters;
    // Digits scattered among letters (`x83kq2j91b`), not a year or number block (`2020tourism`).
    let digit_runs = label
        .as_bytes()
        .windows(2)
        .filter(|w| !w[0].is_ascii_digit() && w[1].is_ascii_digit())
        .count()
        + usize::from(label.as_bytes()[0].is_ascii_digit());
    let mixed_digits = digits >= 3 && letters >= 4 && digits * 3 >= label.len() && digit_runs >= 2;
    longest_consonant_run >= 6 || few_vowels || mixed_digits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (BrandIndex, DomainLists) {
        let k = crate::Knowledge::embedded().expect("embedded");
        (BrandIndex::new(&k.brands, &k.lists), k.lists)
    }

    fn from(name: &str, addr: &str) -> Headers {
        Headers {
            from: Some(Address {
                name: Some(name.into()),
                address: Some(addr.into()),
            }),
            ..Headers::default()
        }
    }

    fn rules(h: &Headers) -> Vec<&'static str> {
        let (b, l) = setup();
        let from_domain = h.from.as_ref().and_then(|f| f.domain());
        let auth = crate::analysis::auth::authentication(
            &h.authentication_results,
            &h.arc_authentication_results,
            from_domain.as_deref(),
            &Default::default(),
            &[],
        );
        analyze_sender(h, &b, &l, &auth)
            .into_iter()
            .map(|h| h.rule)
            .collect()
    }

    #[test]
    fn brand_display_name_with_foreign_domain() {
        let r = rules(&from("Amazon.co.jp", "info@account-update.cn"));
        assert!(r.contains(&"sender.brand_name_foreign_domain"), "{r:?}");
        assert!(r.contains(&"sender.display_name_other_domain"), "{r:?}");
        let r = rules(&from("Аmazon", "support@example.top"));
        assert!(
            r.contains(&"sender.brand_name_foreign_domain"),
            "cyrillic А: {r:?}"
        );
    }

    #[test]
    fn genuine_brand_sender_is_trusted_only_with_aligned_pass() {
        let mut h = from("Amazon.co.jp", "shipment-tracking@amazon.co.jp");
        assert!(rules(&h).is_empty());
        h.authentication_results = vec!["mx.example.net; dkim=pass header.i=@amazon.co.jp; spf=pass; dmarc=pass (p=QUARANTINE) header.from=amazon.co.jp".into()];
        assert_eq!(rules(&h), vec!["trust.brand_authenticated"]);
        let mut g = from("Amazon", "someone@gmail.com");
        g.authentication_results = vec!["mx; dmarc=pass header.from=gmail.com".into()];
        assert!(!rules(&g).contains(&"trust.brand_authenticated"));
    }

    #[test]
    fn brand_address_that_fails_authentication_is_forged() {
        let mut h = from("Amazon.co.jp", "account-update@amazon.co.jp");
        h.authentication_results = vec![
            "mx.example.net; spf=fail smtp.mailfrom=amazon.co.jp; dkim=none; dmarc=fail (p=QUARANTINE) header.from=amazon.co.jp".into(),
        ];
        let r = rules(&h);
        assert!(r.contains(&"route.brand_forged"), "{r:?}");
        assert!(r.contains(&"auth.dmarc_fail"), "{r:?}");
        assert!(!r.contains(&"trust.brand_authenticated"), "{r:?}");
    }

    #[test]
    fn failed_authentication_is_reported_from_the_top_header_only() {
        let mut h = from("Shop", "shop@example.com");
        h.authentication_results = vec![
            "mx.example.net; spf=softfail smtp.mailfrom=example.com; dkim=none; dmarc=fail header.from=example.com".into(),
            "evil.example; dmarc=pass".into(),
        ];
        let r = rules(&h);
        assert!(
            r.contains(&"auth.dmarc_fail") && r.contains(&"auth.spf_softfail"),
            "{r:?}"
        );
        assert!(!r.contains(&"auth.spf_fail"), "{r:?}");
        h.authentication_results.reverse();
        assert!(rules(&h).is_empty());
    }

    #[test]
    fn malformed_from_addresses() {
        assert_eq!(
            rules(&from("Detran", "multas@regularizacao439313")),
            vec!["sender.invalid_domain"]
        );
        assert_eq!(
            rules(&from("EDEKA", "team@𝗲𝗱𝗲𝗸𝗮-germany.de")),
            vec!["sender.unicode_domain"]
        );
        assert_eq!(rules(&from("Someone", "")), vec!["sender.missing_address"]);
        assert!(rules(&from("Shop", "shop@example.co.jp")).is_empty());
    }

    #[test]
    fn posing_as_an_organisation() {
        let (_, l) = setup();
        let h = from("Account Security Team", "secure.team.2024@gmail.com");
        assert!(service_name_on_free_mail(&h, &l).is_some());
        assert!(service_name_on_free_mail(&from("Taro Yamada", "taro@gmail.com"), &l).is_none());
        let h = from("Charles Schwab", "postmaster@roadsoft.nl");
        assert!(name_matches_link_domain(&h, &["schwab.com"]).is_some());
        let own = from("Charles Schwab", "alerts@schwab.com");
        assert!(name_matches_link_domain(&own, &["schwab.com"]).is_none());
    }

    #[test]
    fn random_tokens_are_not_brand_names() {
        for t in [
            "verifiqueXJ34DNLwlN",
            "oqubgKpYTH",
            "mYIvLwxL",
            "ImportanteIWWbxrzo4g",
        ] {
            assert!(is_random_token(t), "{t}");
        }
        for t in [
            "JavaScript",
            "McDonalds",
            "iPhone15",
            "YouTube",
            "PayPal",
            "SpamAssassin",
            "ABCDEFGHI",
            "linux-uvc",
        ] {
            assert!(!is_random_token(t), "{t}");
        }
    }

    #[test]
    fn random_domains() {
        assert!(looks_random("qlhcyzlln.com"));
        assert!(looks_random("mail.arljitvqcvd.quest"));
        assert!(looks_random("x83kq2j91b.top"));
        for ok in [
            "amazon.co.jp",
            "2020tourism.com",
            "schwab.com",
            "kuronekoyamato.co.jp",
            "lists.sourceforge.net",
            "strength.com",
            "example.com",
        ] {
            assert!(!looks_random(ok), "{ok}");
        }
    }

    #[test]
    fn reply_to_free_mail() {
        let mut h = from("Shop", "shop@example.com");
        h.reply_to = vec![Address {
            name: None,
            address: Some("refund.desk@gmail.com".into()),
        }];
        assert_eq!(rules(&h), vec!["sender.reply_to_free_mail"]);
    }
}
