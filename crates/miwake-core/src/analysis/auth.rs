//! Who vouched for the sender: `Authentication-Results` (RFC 8601) and
//! `ARC-Authentication-Results` (RFC 8617), read offline from the headers.
//!
//! Anyone on the way can write an `Authentication-Results` header, so only one is trusted:
//! the topmost one, or the topmost one written by the user's own receiving service when its
//! authserv-id is configured. ARC results are reported for information; they are trusted only
//! when their sealer is the configured authserv-id (the user's own service sealed them).

use std::borrow::Cow;

use serde::Serialize;

use crate::domain::registrable_domain;

/// One `method=result` clause of an authentication-results header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// Lower-cased method: `spf`, `dkim`, `dmarc`, `arc`, `compauth`, …
    pub method: String,
    /// Lower-cased result: `pass`, `fail`, `softfail`, `none`, `neutral`, …
    pub result: String,
    /// `ptype.property` → value (`header.from`, `header.d`, `smtp.mailfrom`, …).
    pub properties: Vec<(String, String)>,
}

impl MethodResult {
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A parsed authentication-results header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// Lower-cased authserv-id: who wrote these results.
    pub authserv_id: String,
    pub methods: Vec<MethodResult>,
}

impl AuthResults {
    fn first(&self, method: &str) -> Option<&MethodResult> {
        self.methods.iter().find(|m| m.method == method)
    }
}

/// How much of each method clause a parse keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Method, result and properties.
    Full,
    /// Method and result: what untrusted headers and ARC results are read for. Their
    /// properties are most of what parsing costs, and nothing reads them.
    ResultsOnly,
}

/// Parse an `Authentication-Results` value: `authserv-id [version]; method=result props; …`.
/// Comments `( … )` are dropped. Returns `None` when there is no authserv-id.
pub fn parse_authentication_results(value: &str) -> Option<AuthResults> {
    parse_results(value, Detail::Full)
}

fn parse_results(value: &str, detail: Detail) -> Option<AuthResults> {
    let cleaned = strip_comments(value);
    let clauses = split_clauses(&cleaned);
    let first = clauses.first()?.split_whitespace().next()?;
    // Microsoft 365 writes no authserv-id (`spf=pass …; dmarc=fail …`): the results still
    // stand, attributed to an empty authserv-id.
    let (authserv_id, skip) = if first.contains('=') {
        (String::new(), 0)
    } else {
        (first.trim_matches('"').to_ascii_lowercase(), 1)
    };
    let methods: Vec<MethodResult> = clauses
        .iter()
        .skip(skip)
        .filter_map(|c| parse_clause_with(c, detail))
        .collect();
    if authserv_id.is_empty() && methods.is_empty() {
        return None;
    }
    Some(AuthResults {
        authserv_id,
        methods,
    })
}

/// Parse an `ARC-Authentication-Results` value: `i=N; authserv-id; method=result …`.
pub fn parse_arc_authentication_results(value: &str) -> Option<(u32, AuthResults)> {
    parse_arc_results(value, Detail::Full)
}

fn parse_arc_results(value: &str, detail: Detail) -> Option<(u32, AuthResults)> {
    let cleaned = strip_comments(value);
    let (first, rest) = cleaned.split_once(';')?;
    let instance = first.trim().strip_prefix("i=")?.trim().parse().ok()?;
    Some((instance, parse_results(rest, detail)?))
}

#[cfg(test)]
fn parse_clause(clause: &str) -> Option<MethodResult> {
    parse_clause_with(clause, Detail::Full)
}

fn parse_clause_with(clause: &str, detail: Detail) -> Option<MethodResult> {
    let mut tokens =
        split_outside_quotes(clause, |b| b == b' ' || b == b'\t').filter(|t| !t.is_empty());
    let (method, result) = tokens.next()?.split_once('=')?;
    // `dkim/1=pass`: a method version is allowed after a slash.
    let method = method.split('/').next().unwrap_or(method).trim();
    if method.is_empty() || method.eq_ignore_ascii_case("reason") || method.contains('.') {
        return None;
    }
    let properties = match detail {
        Detail::ResultsOnly => Vec::new(),
        Detail::Full => tokens
            .filter_map(|t| {
                let (k, v) = t.split_once('=')?;
                let k = k.trim();
                k.contains('.').then(|| {
                    (
                        k.to_ascii_lowercase(),
                        v.trim().trim_matches('"').to_string(),
                    )
                })
            })
            .collect(),
    };
    Some(MethodResult {
        method: method.to_ascii_lowercase(),
        result: result.trim().trim_matches('"').to_ascii_lowercase(),
        properties,
    })
}

/// Remove RFC 5322 comments (nested parentheses), keeping quoted strings intact; line
/// breaks become spaces. Works on bytes: every byte it looks at is ASCII, and a character's
/// bytes are all kept or all dropped, so the result stays UTF-8. Runs of bytes that change
/// nothing ([`STRIP_PLAIN`]) are kept or dropped whole.
fn strip_comments(value: &str) -> Cow<'_, str> {
    let bytes = value.as_bytes();
    let Some(first) = bytes
        .iter()
        .position(|&b| matches!(b, b'(' | b'\\' | b'\r' | b'\n'))
    else {
        return Cow::Borrowed(value);
    };
    let mut out: Vec<u8> = Vec::with_capacity(value.len());
    let mut depth = 0usize;
    let mut quoted = bytes[..first].iter().filter(|&&b| b == b'"').count() % 2 == 1;
    let mut escaped = false;
    out.extend_from_slice(&bytes[..first]);
    let mut at = first;
    while let Some(&b) = bytes.get(at) {
        at += 1;
        if !escaped && STRIP_PLAIN[usize::from(b)] {
            let run = bytes[at..]
                .iter()
                .position(|&next| !STRIP_PLAIN[usize::from(next)])
                .map_or(bytes.len(), |n| at + n);
            if depth == 0 {
                out.extend_from_slice(&bytes[at - 1..run]);
            }
            at = run;
            continue;
        }
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(b);
            }
            continue;
        }
        match b {
            b'\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(b);
                }
            }
            b'"' if depth == 0 => {
                quoted = !quoted;
                out.push(b);
            }
            b'(' if !quoted => depth += 1,
            b')' if !quoted && depth > 0 => {
                depth -= 1;
                out.push(b' ');
            }
            b'\r' | b'\n' => out.push(b' '),
            _ if depth == 0 => out.push(b),
            _ => {}
        }
    }
    Cow::Owned(
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// The bytes [`strip_comments`] keeps as they are outside comments and drops inside them,
/// whatever came before (any but a backslash, a quote, parentheses and line breaks).
const STRIP_PLAIN: [bool; 256] = {
    let mut table = [true; 256];
    let special = [b'\\', b'"', b'(', b')', b'\r', b'\n'];
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = false;
        i += 1;
    }
    table
};

/// [`split_outside_quotes`] at `;`, jumping from quote to semicolon with memchr: headers
/// run to hundreds of bytes between a handful of clauses.
fn split_clauses(value: &str) -> Vec<&str> {
    let bytes = value.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for i in memchr::memchr2_iter(b'"', b';', bytes) {
        if bytes.get(i) == Some(&b'"') {
            quoted = !quoted;
        } else if !quoted {
            parts.push(value.get(start..i).unwrap_or("").trim());
            start = i + 1;
        }
    }
    parts.push(value.get(start..).unwrap_or("").trim());
    parts
}

/// `value` cut at every separator outside double quotes, each part trimmed, part by part
/// (a clause's first token is often all that is wanted). Separators are ASCII, so
/// scanning bytes finds the same places as scanning characters.
fn split_outside_quotes<'a>(
    value: &'a str,
    is_separator: impl Fn(u8) -> bool + 'a,
) -> impl Iterator<Item = &'a str> + 'a {
    let bytes = value.as_bytes();
    let (mut start, mut at, mut quoted) = (0, 0, false);
    let mut done = false;
    std::iter::from_fn(move || {
        while let Some(&b) = bytes.get(at) {
            at += 1;
            if b == b'"' {
                quoted = !quoted;
            } else if !quoted && is_separator(b) {
                let part = value.get(start..at - 1).unwrap_or("").trim();
                start = at;
                return Some(part);
            }
        }
        if done {
            return None;
        }
        done = true;
        Some(value.get(start..).unwrap_or("").trim())
    })
}

/// How the user's receiving service is recognised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteOptions {
    /// The authserv-id of the user's own receiving service (`mx.google.com`, `example.com`);
    /// `None` trusts the topmost `Authentication-Results` header.
    pub authserv_id: Option<String>,
}

/// Outcome of a DKIM verification done outside the core (`miwake check --verify-dkim`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkimVerification {
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`), when the signature could be read.
    pub selector: Option<String>,
    /// `pass`, `fail`, `neutral`, `temperror`, `permerror` or `none`.
    pub result: String,
    /// Why, in the verifier's words (`signature mismatch`, `key not found`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Which header the route verdict trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustedSource {
    /// An `Authentication-Results` header (the topmost, or the configured authserv-id's).
    AuthenticationResults,
    /// An `ARC-Authentication-Results` header sealed by the configured authserv-id.
    Arc,
    /// No header could be trusted (none present, or none from the configured authserv-id).
    None,
}

/// One method's outcome, with the domain it vouches for and whether that is the From domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodOutcome {
    pub result: String,
    /// `header.from` (DMARC), `header.d` / `header.i` (DKIM), `smtp.mailfrom` (SPF).
    pub domain: Option<String>,
    /// The domain has the same registrable domain as the From address (relaxed alignment).
    pub aligned: bool,
}

/// ARC results, reported for information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArcResults {
    pub instance: u32,
    pub authserv_id: String,
    pub spf: Option<String>,
    pub dkim: Option<String>,
    pub dmarc: Option<String>,
}

/// What the headers say about the route an e-mail took and who vouched for its sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authentication {
    pub trusted_source: TrustedSource,
    /// authserv-id of the trusted header.
    pub authserv_id: Option<String>,
    /// The trusted header's raw value.
    pub header: Option<String>,
    /// The registrable domain of the From address.
    pub from_domain: Option<String>,
    pub spf: Option<MethodOutcome>,
    pub dkim: Vec<MethodOutcome>,
    pub dmarc: Option<MethodOutcome>,
    /// Microsoft's composite authentication (`compauth=`), when present.
    pub compauth: Option<String>,
    /// DMARC passed for the From domain, or a DKIM signature aligned with it verified
    /// (per the trusted header or `--verify-dkim`).
    pub aligned_pass: bool,
    /// Authentication-Results headers present but not trusted (written lower down the route,
    /// or by another authserv-id).
    pub untrusted_headers: usize,
    pub arc: Vec<ArcResults>,
    /// Results of `--verify-dkim`, when it ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dkim_verified: Vec<DkimVerification>,
}

impl Authentication {
    /// DMARC failed for the From domain, or nothing aligned passed while SPF and DKIM failed.
    pub fn failed(&self) -> bool {
        let dmarc_fail = self.dmarc.as_ref().is_some_and(|d| d.result == "fail");
        let verified_fail = self
            .dkim_verified
            .iter()
            .any(|v| v.result == "fail" && self.is_from_domain(&v.domain));
        dmarc_fail || (verified_fail && !self.aligned_pass)
    }

    fn is_from_domain(&self, domain: &str) -> bool {
        aligned(Some(domain), self.from_domain.as_deref())
    }
}

fn aligned(domain: Option<&str>, from_reg: Option<&str>) -> bool {
    let (Some(d), Some(from)) = (domain, from_reg) else {
        return false;
    };
    let d = d.trim_start_matches('@');
    let d = d.rsplit('@').next().unwrap_or(d);
    registrable_domain(d).is_some_and(|r| r == from)
}

/// Every header that parses, with its index; the first in full when `full_first`, the
/// others without their properties ([`Detail::ResultsOnly`]).
fn parse_all(values: &[String], full_first: bool) -> Vec<(usize, AuthResults)> {
    let mut parsed = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let detail = match full_first && parsed.is_empty() {
            true => Detail::Full,
            false => Detail::ResultsOnly,
        };
        if let Some(results) = parse_results(value, detail) {
            parsed.push((i, results));
        }
    }
    parsed
}

/// Parse `values[entry.0]` again, in full, into `entry.1`. Properties decide nothing about
/// whether a header parses, so the full parse succeeds where the light one did.
fn reparse_in_full<T>(
    entry: &mut (usize, T),
    values: &[String],
    parse: impl Fn(&str, Detail) -> Option<T>,
) {
    if let Some(full) = values.get(entry.0).and_then(|v| parse(v, Detail::Full)) {
        entry.1 = full;
    }
}

/// Judge the route from the headers (and `--verify-dkim` results, when given).
pub fn authentication(
    authentication_results: &[String],
    arc_authentication_results: &[String],
    from_domain: Option<&str>,
    options: &RouteOptions,
    dkim_verified: &[DkimVerification],
) -> Authentication {
    let from_reg = from_domain.and_then(registrable_domain);
    let wanted = options
        .authserv_id
        .as_deref()
        .map(|s| s.trim().to_ascii_lowercase());
    // Only the trusted header's properties are read: the others are parsed for their
    // authserv-id and results, and the trusted one in full.
    let mut parsed = parse_all(authentication_results, wanted.is_none());
    let trusted_at = match wanted.as_deref() {
        Some(id) => parsed.iter().position(|(_, r)| r.authserv_id == id),
        None => (!parsed.is_empty()).then_some(0),
    };
    if let (Some(k), Some(_)) = (trusted_at, wanted.as_deref()) {
        reparse_in_full(&mut parsed[k], authentication_results, parse_results);
    }
    let mut arc: Vec<(usize, (u32, AuthResults))> = arc_authentication_results
        .iter()
        .enumerate()
        .filter_map(|(i, v)| parse_arc_results(v, Detail::ResultsOnly).map(|r| (i, r)))
        .collect();
    // The user's own service sealed ARC results (e.g. after forwarding): trust the newest.
    let trusted_arc = match (trusted_at, wanted.as_deref()) {
        (None, Some(id)) => arc
            .iter()
            .enumerate()
            .filter(|(_, (_, (_, r)))| r.authserv_id == id)
            .max_by_key(|(_, (_, (instance, _)))| *instance)
            .map(|(k, _)| k),
        _ => None,
    };
    if let Some(k) = trusted_arc {
        reparse_in_full(&mut arc[k], arc_authentication_results, |v, detail| {
            parse_arc_results(v, detail)
        });
    }
    let (source, trusted, header) = match (trusted_at, trusted_arc) {
        (Some(k), _) => (
            TrustedSource::AuthenticationResults,
            Some(&parsed[k].1),
            authentication_results.get(parsed[k].0).cloned(),
        ),
        (None, Some(k)) => (TrustedSource::Arc, Some(&arc[k].1 .1), None),
        (None, None) => (TrustedSource::None, None, None),
    };
    let outcome = |m: &MethodResult, keys: &[&str]| {
        let domain = keys.iter().find_map(|k| m.property(k)).map(|d| {
            d.trim_start_matches('@')
                .rsplit('@')
                .next()
                .unwrap_or(d)
                .to_ascii_lowercase()
        });
        MethodOutcome {
            result: m.result.clone(),
            aligned: aligned(domain.as_deref(), from_reg.as_deref()),
            domain,
        }
    };
    let spf = trusted
        .and_then(|r| r.first("spf"))
        .map(|m| outcome(m, &["smtp.mailfrom", "smtp.helo"]));
    let dkim: Vec<MethodOutcome> = trusted
        .iter()
        .flat_map(|r| r.methods.iter().filter(|m| m.method == "dkim"))
        .map(|m| outcome(m, &["header.d", "header.i"]))
        .collect();
    let dmarc = trusted
        .and_then(|r| r.first("dmarc"))
        .map(|m| outcome(m, &["header.from"]));
    let compauth = trusted
        .and_then(|r| r.first("compauth"))
        .map(|m| m.result.clone());
    let verified_pass = dkim_verified
        .iter()
        .any(|v| v.result == "pass" && aligned(Some(&v.domain), from_reg.as_deref()));
    let aligned_pass = dmarc
        .as_ref()
        .is_some_and(|d| d.result == "pass" && d.aligned)
        || dkim.iter().any(|d| d.result == "pass" && d.aligned)
        || verified_pass;
    let arc = arc
        .iter()
        .map(|(_, (instance, r))| ArcResults {
            instance: *instance,
            authserv_id: r.authserv_id.clone(),
            spf: r.first("spf").map(|m| m.result.clone()),
            dkim: r.first("dkim").map(|m| m.result.clone()),
            dmarc: r.first("dmarc").map(|m| m.result.clone()),
        })
        .collect();
    let untrusted_headers =
        parsed.len() - usize::from(source == TrustedSource::AuthenticationResults);
    Authentication {
        trusted_source: source,
        authserv_id: trusted.map(|r| r.authserv_id.clone()),
        header,
        from_domain: from_reg,
        spf,
        dkim,
        dmarc,
        compauth,
        aligned_pass,
        untrusted_headers,
        arc,
        dkim_verified: dkim_verified.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(ar: &[&str], arc: &[&str], from: &str, id: Option<&str>) -> Authentication {
        let ar: Vec<String> = ar.iter().map(|s| s.to_string()).collect();
        let arc: Vec<String> = arc.iter().map(|s| s.to_string()).collect();
        let options = RouteOptions {
            authserv_id: id.map(str::to_string),
        };
        authentication(&ar, &arc, Some(from), &options, &[])
    }

    #[test]
    fn parses_rfc8601_with_comments_versions_and_quotes() {
        let r = parse_authentication_results(
            "mx.google.com (Google) 1; dkim/1=pass (2048-bit key) header.i=@amazon.co.jp header.s=\"sel;1\"; \
             spf=pass (google.com: domain of x@amazon.co.jp designates 1.2.3.4) smtp.mailfrom=x@amazon.co.jp;\r\n \
             dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=amazon.co.jp",
        )
        .expect("parses");
        assert_eq!(r.authserv_id, "mx.google.com");
        let methods: Vec<(&str, &str)> = r
            .methods
            .iter()
            .map(|m| (m.method.as_str(), m.result.as_str()))
            .collect();
        assert_eq!(
            methods,
            [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
        );
        assert_eq!(r.methods[0].property("header.s"), Some("sel;1"));
        assert_eq!(r.methods[2].property("header.from"), Some("amazon.co.jp"));
        let microsoft = parse_authentication_results(
            "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=none (message not signed) header.d=none;dmarc=fail action=none header.from=amazon.co.jp;compauth=fail reason=001",
        )
        .expect("no authserv-id still parses");
        assert_eq!(microsoft.authserv_id, "");
        assert_eq!(microsoft.methods.len(), 4);
        assert_eq!(microsoft.methods[3].method, "compauth");
        assert!(parse_authentication_results("").is_none());
    }

    #[test]
    fn topmost_header_is_trusted_by_default() {
        let a = judge(
            &[
                "mx.example.net; spf=fail smtp.mailfrom=amazon.co.jp; dmarc=fail header.from=amazon.co.jp",
                "forged.example; dmarc=pass header.from=amazon.co.jp",
            ],
            &[],
            "amazon.co.jp",
            None,
        );
        assert_eq!(a.trusted_source, TrustedSource::AuthenticationResults);
        assert_eq!(a.authserv_id.as_deref(), Some("mx.example.net"));
        assert!(a.failed() && !a.aligned_pass);
        assert_eq!(a.untrusted_headers, 1);
    }

    #[test]
    fn configured_authserv_id_picks_its_own_header() {
        let headers = [
            "relay.example; dmarc=pass header.from=amazon.co.jp",
            "mx.mine.example; dkim=pass header.d=amazon.co.jp; dmarc=pass header.from=amazon.co.jp",
        ];
        let a = judge(&headers, &[], "amazon.co.jp", Some("MX.mine.example"));
        assert_eq!(a.authserv_id.as_deref(), Some("mx.mine.example"));
        assert!(a.aligned_pass);
        assert!(a.dkim[0].aligned);
        let none = judge(&headers, &[], "amazon.co.jp", Some("other.example"));
        assert_eq!(none.trusted_source, TrustedSource::None);
        assert!(!none.aligned_pass && !none.failed());
    }

    #[test]
    fn arc_is_information_unless_sealed_by_the_users_service() {
        let arc = ["i=1; mx.mine.example; dkim=pass header.d=amazon.com; dmarc=pass header.from=amazon.com"];
        let info = judge(&[], &arc, "amazon.com", None);
        assert_eq!(info.trusted_source, TrustedSource::None);
        assert_eq!(info.arc.len(), 1);
        assert_eq!(info.arc[0].dmarc.as_deref(), Some("pass"));
        assert!(!info.aligned_pass);
        let trusted = judge(&[], &arc, "amazon.com", Some("mx.mine.example"));
        assert_eq!(trusted.trusted_source, TrustedSource::Arc);
        assert!(trusted.aligned_pass);
    }

    #[test]
    fn a_pass_for_an_unrelated_domain_is_not_aligned() {
        let a = judge(
            &["mx.example.net; dkim=pass header.d=gmail.com; spf=pass smtp.mailfrom=gmail.com; dmarc=pass header.from=gmail.com"],
            &[],
            "amazon.co.jp",
            None,
        );
        assert!(!a.aligned_pass);
        assert!(a.dmarc.as_ref().is_some_and(|d| !d.aligned));
    }

    #[test]
    fn verified_dkim_counts_when_aligned() {
        let v = DkimVerification {
            domain: "marketplace.amazon.co.jp".into(),
            selector: Some("s1".into()),
            result: "pass".into(),
            detail: None,
        };
        let a = authentication(
            &[],
            &[],
            Some("amazon.co.jp"),
            &RouteOptions::default(),
            std::slice::from_ref(&v),
        );
        assert!(a.aligned_pass);
        let fail = DkimVerification {
            result: "fail".into(),
            ..v
        };
        let a = authentication(
            &[],
            &[],
            Some("amazon.co.jp"),
            &RouteOptions::default(),
            &[fail],
        );
        assert!(a.failed() && !a.aligned_pass);
    }

    /// The character-by-character versions the byte scans replaced, and the clause parser
    /// before it lower-cased only what it keeps.
    mod reference {
        use super::super::MethodResult;

        pub fn parse_clause(clause: &str) -> Option<MethodResult> {
            let mut tokens = split_outside_quotes(clause, |c| c == ' ' || c == '\t')
                .into_iter()
                .filter(|t| !t.is_empty());
            let (method, result) = tokens.next()?.split_once('=').map(|(m, r)| {
                let m = m.split('/').next().unwrap_or(m);
                (m.trim().to_ascii_lowercase(), r.trim().to_ascii_lowercase())
            })?;
            if method.is_empty() || method == "reason" || method.contains('.') {
                return None;
            }
            let properties = tokens
                .filter_map(|t| {
                    let (k, v) = t.split_once('=')?;
                    let k = k.trim().to_ascii_lowercase();
                    (k.contains('.')).then(|| (k, v.trim().trim_matches('"').to_string()))
                })
                .collect();
            Some(MethodResult {
                method,
                result: result.trim_matches('"').to_string(),
                properties,
            })
        }

        pub fn strip_comments(value: &str) -> String {
            let mut out = String::with_capacity(value.len());
            let mut depth = 0usize;
            let mut quoted = false;
            let mut escaped = false;
            for c in value.chars() {
                if escaped {
                    escaped = false;
                    if depth == 0 {
                        out.push(c);
                    }
                    continue;
                }
                match c {
                    '\\' => {
                        escaped = true;
                        if depth == 0 {
                            out.push(c);
                        }
                    }
                    '"' if depth == 0 => {
                        quoted = !quoted;
                        out.push(c);
                    }
                    '(' if !quoted => depth += 1,
                    ')' if !quoted && depth > 0 => {
                        depth -= 1;
                        out.push(' ');
                    }
                    '\r' | '\n' => out.push(' '),
                    _ if depth == 0 => out.push(c),
                    _ => {}
                }
            }
            out
        }

        pub fn split_outside_quotes(value: &str, is_separator: impl Fn(char) -> bool) -> Vec<&str> {
            let mut parts = Vec::new();
            let mut start = 0;
            let mut quoted = false;
            for (i, c) in value.char_indices() {
                if c == '"' {
                    quoted = !quoted;
                } else if !quoted && is_separator(c) {
                    parts.push(value[start..i].trim());
                    start = i + c.len_utf8();
                }
            }
            parts.push(value[start..].trim());
            parts
        }
    }

    #[test]
    fn strip_comments_borrows_when_there_is_nothing_to_strip() {
        assert!(matches!(
            strip_comments("mx; spf=pass header.s=\"x)\""),
            Cow::Borrowed(_)
        ));
        assert_eq!(strip_comments("a (b (c) d) e\r\nf"), "a    e  f");
        assert_eq!(
            strip_comments("\"(kept)\" (gone) \\(x"),
            "\"(kept)\"   \\(x"
        );
    }

    mod prop {
        use super::super::*;
        use super::reference;
        use proptest::prelude::*;

        const HEADER: &str = "([a-z=;. \t\"()\\\\\r\n]|\\PC)*";

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1024))]
            #[test]
            fn strip_comments_same_as_reference(s in HEADER) {
                let stripped = strip_comments(&s);
                prop_assert_eq!(stripped.as_ref(), reference::strip_comments(&s));
            }

            #[test]
            fn parse_clause_same_as_reference(
                s in "(([a-zA-Z/]+=\"?[a-zA-Z. ]*\"?)|[ \t=\".]|[Rr][Ee][Aa][Ss][Oo][Nn]|\\PC){0,12}",
            ) {
                prop_assert_eq!(parse_clause(&s), reference::parse_clause(&s));
            }

            #[test]
            fn results_only_is_the_full_parse_without_properties(
                s in "(([a-zA-Z/]+=\"?[a-zA-Z. ]*\"?)|[ \t=\".;()]|i=1;|\\PC){0,16}",
            ) {
                let without_properties = |mut r: AuthResults| {
                    r.methods.iter_mut().for_each(|m| m.properties.clear());
                    r
                };
                prop_assert_eq!(
                    parse_results(&s, Detail::ResultsOnly),
                    parse_results(&s, Detail::Full).map(without_properties)
                );
                prop_assert_eq!(
                    parse_arc_results(&s, Detail::ResultsOnly),
                    parse_arc_results(&s, Detail::Full).map(|(i, r)| (i, without_properties(r)))
                );
            }

            #[test]
            fn split_outside_quotes_same_as_reference(s in HEADER) {
                prop_assert_eq!(
                    split_outside_quotes(&s, |b| b == b';').collect::<Vec<_>>(),
                    reference::split_outside_quotes(&s, |c| c == ';')
                );
                prop_assert_eq!(
                    split_clauses(&s),
                    reference::split_outside_quotes(&s, |c| c == ';')
                );
                prop_assert_eq!(
                    split_outside_quotes(&s, |b| b == b' ' || b == b'\t').collect::<Vec<_>>(),
                    reference::split_outside_quotes(&s, |c| c == ' ' || c == '\t')
                );
            }
        }
    }
}
