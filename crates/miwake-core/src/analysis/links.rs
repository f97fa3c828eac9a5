//! Where every link really goes, judged without opening it.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashSet};

use crate::analysis::brands::{host_suffixes, BrandIndex};
use crate::analysis::Hit;
use crate::domain::{
    embedded_urls, is_internationalized, is_ip_literal, parse_url, registrable_domain,
    unwrap_click_wrapper_parts,
};
use crate::knowledge::DomainLists;
use crate::message::{Link, LinkOrigin};
use crate::report::{Evidence, LinkReport};

/// At most this many links of one finding are cited as evidence.
const MAX_EVIDENCE: usize = 5;

/// The domain lists a link host is looked up in, as sets: a host is looked up by its
/// suffixes instead of being compared with every entry.
#[derive(Debug, Clone, Default)]
pub struct HostLists {
    shorteners: HashSet<String>,
    hosting_links: HashSet<String>,
    dynamic_dns: HashSet<String>,
    off_platform: HashSet<String>,
}

impl HostLists {
    pub fn new(lists: &DomainLists) -> Self {
        let set = |list: &[String]| list.iter().cloned().collect();
        HostLists {
            shorteners: set(&lists.shorteners),
            hosting_links: set(&lists.hosting_links),
            dynamic_dns: set(&lists.dynamic_dns),
            off_platform: set(&lists.off_platform),
        }
    }
}

/// `host` is one of `domains` or under one of them.
fn under_any(domains: &HashSet<String>, host: &str) -> bool {
    host_suffixes(host).any(|s| domains.contains(s))
}

/// The brand a message's links are measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkClaim {
    None,
    /// The message claims the brand (its headers, or pasted text naming it).
    Message(usize),
    /// The user said the link was presented as the brand's (`miwake url --brand`).
    Explicit(usize),
}

/// Judge every link; returns the link reports and the findings they cause.
/// `bare_url`: a URL judged on its own (`miwake url`), where a random-looking host is worth
/// a finding; in messages it is not (honest compound names such as `freshrpms.net` read as
/// random, and the message has better evidence).
pub fn analyze_links(
    links: &[Link],
    brands: &BrandIndex,
    lists: &HostLists,
    claim: LinkClaim,
    bare_url: bool,
) -> (Vec<LinkReport>, Vec<Hit>) {
    let mut reports: Vec<LinkReport> = Vec::with_capacity(links.len());
    let mut by_rule: BTreeMap<&'static str, Vec<Evidence>> = BTreeMap::new();
    // Newsletters repeat one tracking link dozens of times: judge each target once.
    let mut judged: HashMap<(&str, &str, LinkOrigin), (usize, Vec<&'static str>)> =
        HashMap::with_capacity_and_hasher(links.len(), Default::default());
    let mut hosts = HostVerdicts::default();
    for (index, link) in links.iter().enumerate() {
        let key = (link.href.as_str(), link.text.as_str(), link.origin);
        let (report, rules) = match judged.get(&key) {
            Some((i, rules)) => {
                let mut r = reports[*i].clone();
                r.span = link.span;
                (r, rules.clone())
            }
            None => {
                let (r, rules) = judge_link(link, brands, lists, claim, bare_url, &mut hosts);
                judged.insert(key, (index, rules.clone()));
                (r, rules)
            }
        };
        for rule in rules {
            let evidence = by_rule.entry(rule).or_default();
            if evidence.len() < MAX_EVIDENCE {
                let shown = format!(
                    "{} → {}",
                    link.text,
                    report.host.as_deref().unwrap_or(&link.href)
                );
                evidence.push(Evidence::link(index, shown, link.span));
            }
        }
        reports.push(report);
    }
    let hits = by_rule
        .into_iter()
        .map(|(rule, evidence)| Hit { rule, evidence })
        .collect();
    (reports, hits)
}

/// What a link's host alone says. Newsletters hold dozens of links to one host, so each
/// host is judged once per message ([`HostVerdicts`]).
#[derive(Debug, Clone, Default)]
struct HostVerdict {
    registrable: Option<String>,
    owner: Option<usize>,
    ip_literal: bool,
    punycode: bool,
    lookalike: bool,
    shortener: bool,
    hosting_tenant: bool,
    dynamic_dns: bool,
    domain_in_subdomain: bool,
    random: bool,
    off_platform: bool,
    cheap_tld: bool,
}

/// The hosts judged so far in one message.
type HostVerdicts = HashMap<String, HostVerdict>;

fn judge_host(host: &str, brands: &BrandIndex, lists: &HostLists, bare_url: bool) -> HostVerdict {
    let registrable = registrable_domain(host);
    let owner = registrable
        .as_deref()
        .and_then(|d| brands.owner_of_domain(d));
    let reg = registrable.as_deref().unwrap_or(host);
    let foreign = owner.is_none();
    let tld = reg.rsplit('.').next().unwrap_or("");
    HostVerdict {
        ip_literal: is_ip_literal(host),
        punycode: is_internationalized(host),
        lookalike: foreign && brands.lookalike_foreign(host, reg).is_some(),
        shortener: lists.shorteners.contains(reg) || under_any(&lists.shorteners, host),
        hosting_tenant: foreign && under_any(&lists.hosting_links, host),
        dynamic_dns: foreign && under_any(&lists.dynamic_dns, host),
        domain_in_subdomain: foreign && domain_in_subdomain(host, reg),
        random: foreign && bare_url && random_host(host, reg),
        off_platform: lists.off_platform.contains(reg),
        cheap_tld: foreign && brands.is_cheap_tld(tld),
        owner,
        registrable,
    }
}

fn judge_link(
    link: &Link,
    brands: &BrandIndex,
    lists: &HostLists,
    claim: LinkClaim,
    bare_url: bool,
    hosts: &mut HostVerdicts,
) -> (LinkReport, Vec<&'static str>) {
    let href_parts = parse_url(&link.href);
    let unwrapped = href_parts.as_ref().and_then(unwrap_click_wrapper_parts);
    let parts = match unwrapped.as_deref() {
        Some(target) => parse_url(target),
        None => href_parts,
    };
    let host = parts
        .as_ref()
        .map(|p| p.host.clone())
        .filter(|h| !h.is_empty());
    let verdict = match host.as_deref() {
        Some(h) => match hosts.get(h) {
            Some(known) => known.clone(),
            None => {
                let fresh = judge_host(h, brands, lists, bare_url);
                hosts.insert(h.to_string(), fresh.clone());
                fresh
            }
        },
        None => HostVerdict::default(),
    };
    let owner = verdict.owner;
    let mut findings: Vec<&'static str> = Vec::new();
    let mut flag = |id: &'static str| findings.push(id);

    let scheme = parts.as_ref().map(|p| p.scheme.as_str()).unwrap_or("");
    if matches!(scheme, "javascript" | "data" | "vbscript") {
        flag("link.dangerous_scheme");
    }
    if link.origin == LinkOrigin::HtmlForm {
        flag("link.form");
    }
    if host.is_some() {
        let host_flags = [
            (verdict.ip_literal, "link.ip_host"),
            (verdict.punycode, "link.punycode"),
            (verdict.lookalike, "link.brand_lookalike"),
            (verdict.shortener, "link.shortener"),
            (verdict.hosting_tenant, "link.hosting_tenant"),
            (verdict.dynamic_dns, "link.dynamic_dns"),
            (verdict.domain_in_subdomain, "link.domain_in_subdomain"),
        ];
        host_flags
            .iter()
            .filter(|(on, _)| *on)
            .for_each(|&(_, id)| flag(id));
        if owner.is_none() && !verdict.lookalike {
            let path_brand = parts.as_ref().and_then(|p| brands.named_in_path(p.rest));
            if path_brand.is_some() {
                flag("link.brand_in_path");
            }
        }
        let later_host_flags = [
            (verdict.random, "link.random_host"),
            (verdict.off_platform, "link.off_platform_app"),
            (verdict.cheap_tld, "link.cheap_tld"),
        ];
        later_host_flags
            .iter()
            .filter(|(on, _)| *on)
            .for_each(|&(_, id)| flag(id));
        if let Some(mismatch) =
            visible_text_mismatch(link, verdict.registrable.as_deref(), owner, brands)
        {
            flag(mismatch);
        }
        if owner.is_some() {
            if let Some(p) = parts.as_ref() {
                if redirects_elsewhere(p.rest, brands) {
                    flag("link.open_redirect");
                }
            }
        }
        let is_web = matches!(scheme, "http" | "https");
        let foreign = is_web && owner.is_none();
        match claim {
            LinkClaim::Message(_) if foreign && !verdict.ip_literal => {
                flag("link.foreign_in_brand_claim")
            }
            LinkClaim::Explicit(b) if owner != Some(b) => flag("link.claimed_brand_foreign"),
            _ => {}
        }
    }
    let report = LinkReport {
        href: link.href.clone(),
        text: link.text.clone(),
        origin: link.origin,
        span: link.span,
        unwrapped,
        host,
        registrable_domain: verdict.registrable,
        owner: owner.map(|b| brands.id(b).to_string()),
        findings: findings.iter().map(|f| f.to_string()).collect(),
    };
    (report, findings)
}

/// A host that carries another domain's ending before its real one:
/// `verify-address.com.9c594efbc6.com`, `anazom.co.ip.jmwnzh.shop`.
fn domain_in_subdomain(host: &str, registrable: &str) -> bool {
    let Some(sub) = host
        .strip_suffix(registrable)
        .and_then(|s| s.strip_suffix('.'))
    else {
        return false;
    };
    let labels: Vec<&str> = sub.split('.').collect();
    labels
        .iter()
        .skip(1)
        .any(|l| matches!(*l, "com" | "net" | "org" | "co" | "ne" | "or"))
}

/// A registrable domain or subdomain label no person chose (`sxdsqqjy.com`,
/// `wmzizpfxph.picaportraits.com`, `f1zjhihh8831.workers.dev`).
fn random_host(host: &str, registrable: &str) -> bool {
    use crate::analysis::sender::looks_random;
    let first = host.split('.').next().unwrap_or("");
    looks_random(registrable)
        || (host != registrable && first.len() >= 7 && looks_random(&format!("{first}.com")))
}

/// An anchor whose visible text names one domain but whose target is another.
fn visible_text_mismatch(
    link: &Link,
    target_domain: Option<&str>,
    target_owner: Option<usize>,
    brands: &BrandIndex,
) -> Option<&'static str> {
    if link.origin != LinkOrigin::HtmlAnchor {
        return None;
    }
    let shown_host = host_in_visible_text(&link.text)?;
    let shown_domain = registrable_domain(&shown_host)?;
    if Some(shown_domain.as_str()) == target_domain {
        return None;
    }
    let shown_owner = brands.owner_of_domain(&shown_domain);
    match (shown_owner, target_owner) {
        (Some(a), Some(b)) if a == b => None,
        (Some(_), _) => Some("link.visible_brand_target_foreign"),
        _ => Some("link.text_target_mismatch"),
    }
}

/// A host written in a link's visible text (`https://www.amazon.co.jp/…`, `amazon.co.jp`).
fn host_in_visible_text(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t.contains(char::is_whitespace) || !t.contains('.') {
        return None;
    }
    let parts = parse_url(t)?;
    let host = parts.host;
    let looks_like_host = host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    looks_like_host.then_some(host)
}

/// A brand URL whose query carries a URL to a domain no brand owns (open redirect).
fn redirects_elsewhere(rest: &str, brands: &BrandIndex) -> bool {
    embedded_urls(rest).any(|u| {
        parse_url(&u)
            .map(|p| brands.owner_of_host(&p.host).is_none() && !p.host.is_empty())
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> (BrandIndex, HostLists) {
        let k = crate::Knowledge::embedded().expect("embedded");
        (
            BrandIndex::new(&k.brands, &k.lists),
            HostLists::new(&k.lists),
        )
    }

    fn anchor(href: &str, text: &str) -> Link {
        Link {
            href: href.into(),
            text: text.into(),
            origin: LinkOrigin::HtmlAnchor,
            span: None,
        }
    }

    fn findings_of(link: Link, claimed: Option<usize>) -> Vec<&'static str> {
        let (b, l) = index();
        let claim = claimed.map_or(LinkClaim::None, LinkClaim::Message);
        judge_link(&link, &b, &l, claim, true, &mut HostVerdicts::default()).1
    }

    #[test]
    fn throwaway_hosts_and_disguised_endings() {
        let f = findings_of(
            anchor("https://banana-q2d5.f1zjhihh8831.workers.dev/", "x"),
            None,
        );
        assert!(f.contains(&"link.hosting_tenant"), "{f:?}");
        let f = findings_of(anchor("https://ama-admin.ddnsking.com/", "x"), None);
        assert!(f.contains(&"link.dynamic_dns"), "{f:?}");
        let f = findings_of(
            anchor("https://verify-address.com.9c594efbc6.com/", "x"),
            None,
        );
        assert!(f.contains(&"link.domain_in_subdomain"), "{f:?}");
        assert!(f.contains(&"link.random_host"), "{f:?}");
        let f = findings_of(
            anchor("http://www.roofs.example/ap/login/amazon.co.jp/", "x"),
            None,
        );
        assert!(f.contains(&"link.brand_in_path"), "{f:?}");
        let f = findings_of(anchor("https://s.yam.com/GTzTF", "x"), None);
        assert!(f.contains(&"link.shortener"), "{f:?}");
        let f = findings_of(anchor("https://www.example.com/news/today", "x"), None);
        assert!(f.is_empty(), "{f:?}");
        let (b, l) = index();
        let amazon = b.brands.iter().position(|x| x.id == "amazon");
        let explicit = judge_link(
            &anchor("https://www.example.com/", "x"),
            &b,
            &l,
            LinkClaim::Explicit(amazon.expect("amazon")),
            true,
            &mut HostVerdicts::default(),
        )
        .1;
        assert_eq!(explicit, vec!["link.claimed_brand_foreign"]);
    }

    #[test]
    fn brand_text_with_foreign_target() {
        let f = findings_of(
            anchor("http://203.0.113.5/signin", "https://www.amazon.co.jp/"),
            None,
        );
        assert!(f.contains(&"link.visible_brand_target_foreign"), "{f:?}");
        assert!(f.contains(&"link.ip_host"), "{f:?}");
    }

    #[test]
    fn genuine_brand_link_is_clean() {
        let f = findings_of(
            anchor(
                "https://www.amazon.co.jp/gp/your-account/order-history",
                "注文履歴",
            ),
            Some(0),
        );
        assert!(f.is_empty(), "{f:?}");
        let f = findings_of(anchor("https://www.amazon.com/x", "amazon.co.jp"), Some(0));
        assert!(f.is_empty(), "same brand, other country site: {f:?}");
    }

    #[test]
    fn lookalike_shortener_and_scheme() {
        let f = findings_of(anchor("https://amazon-co-jp.shop/login", "ログイン"), None);
        assert!(f.contains(&"link.brand_lookalike"), "{f:?}");
        let f = findings_of(anchor("https://bit.ly/3abc", "here"), None);
        assert!(f.contains(&"link.shortener"), "{f:?}");
        let f = findings_of(anchor("javascript:alert(1)", "click"), None);
        assert!(f.contains(&"link.dangerous_scheme"), "{f:?}");
    }

    #[test]
    fn safelinks_are_unwrapped_before_judging() {
        let href = "https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Famazon-verify.top%2Flogin&data=1";
        let f = findings_of(anchor(href, "Amazon"), Some(0));
        assert!(f.contains(&"link.brand_lookalike"), "{f:?}");
    }

    #[test]
    fn open_redirect_on_brand_domain() {
        let f = findings_of(
            anchor(
                "https://www.amazon.co.jp/redirect?url=https%3A%2F%2Fevil.example%2F",
                "x",
            ),
            None,
        );
        assert!(f.contains(&"link.open_redirect"), "{f:?}");
    }
}
