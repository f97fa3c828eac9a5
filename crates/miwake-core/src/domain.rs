//! Where a link really goes: host, registrable domain (Public Suffix List), IP literals,
//! punycode, and click-wrapper unwrapping. Pure string work: nothing is resolved or fetched.

/// The parts of a URL that analysis needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// Lower-cased scheme without `:` (`https`, `javascript`, `data`).
    pub scheme: String,
    /// Lower-cased host without port, brackets or trailing dot; empty for `mailto:` and friends.
    pub host: String,
    /// True when the authority had a `user@` part (`https://amazon.co.jp@evil.example/`).
    pub has_userinfo: bool,
    /// Everything after the authority (`/path?query#fragment`).
    pub rest: &'a str,
}

/// Split a URL. Accepts scheme-less input (`www.example.com/x`) as `http`.
pub fn parse_url(url: &str) -> Option<UrlParts<'_>> {
    let url = url.trim();
    let (scheme, after_scheme) = match url.find(':') {
        Some(i) if is_scheme(&url[..i]) => (web_scheme(&url[..i]), &url[i + 1..]),
        _ => ("http".to_string(), url),
    };
    if !matches!(scheme.as_str(), "http" | "https" | "ftp" | "ws" | "wss") {
        return Some(UrlParts {
            scheme,
            host: String::new(),
            has_userinfo: false,
            rest: after_scheme,
        });
    }
    let authority_and_rest = after_scheme.trim_start_matches(['/', '\\']);
    let end = authority_and_rest
        .find(['/', '\\', '?', '#'])
        .unwrap_or(authority_and_rest.len());
    let (authority, rest) = authority_and_rest.split_at(end);
    let (has_userinfo, host_port) = match authority.rfind('@') {
        Some(i) => (true, &authority[i + 1..]),
        None => (false, authority),
    };
    let host = strip_port(host_port).trim_end_matches('.').to_lowercase();
    if host.is_empty() {
        return None;
    }
    Some(UrlParts {
        scheme,
        host,
        has_userinfo,
        rest,
    })
}

/// The scheme, lower-cased, with misspelt and defanged web schemes (`hxxps`, `htps`,
/// `hhttps`, `ttp`) read as the web scheme they stand for: browsers and people fix them.
fn web_scheme(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let secure = lower.ends_with('s');
    let stem = lower.trim_end_matches('s');
    let web_like = matches!(
        stem,
        "hxxp" | "hxp" | "htp" | "ttp" | "hhttp" | "htttp" | "http" | "hxtp" | "hzzp"
    );
    match (web_like, secure) {
        (true, true) if lower.len() <= 6 => "https".into(),
        (true, false) => "http".into(),
        _ => lower,
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && s.len() <= 32
}

fn strip_port(host_port: &str) -> &str {
    if let Some(stripped) = host_port.strip_prefix('[') {
        return stripped.split(']').next().unwrap_or(stripped);
    }
    match host_port.rfind(':') {
        Some(i) if host_port[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &host_port[..i],
        _ => host_port,
    }
}

/// The registrable domain ("eTLD+1") of a host by the Public Suffix List:
/// `www.amazon.co.jp` → `amazon.co.jp`; `amazon.co.jp.evil.top` → `evil.top`.
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.');
    if host.is_empty() || is_ip_literal(host) {
        return None;
    }
    let domain = psl::domain(host.as_bytes())?;
    std::str::from_utf8(domain.as_bytes())
        .ok()
        .map(str::to_string)
}

/// True for IPv4 dotted quads, IPv6 literals and integer/hex encodings of IPv4 hosts.
pub fn is_ip_literal(host: &str) -> bool {
    if host.contains(':') {
        return host.parse::<std::net::Ipv6Addr>().is_ok();
    }
    let numeric_part = |p: &str| {
        !p.is_empty()
            && (p.bytes().all(|b| b.is_ascii_digit())
                || p.strip_prefix("0x")
                    .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit())))
    };
    // Both forms below end in a numeric part; most hosts end in a TLD and stop here.
    if !host.rsplit('.').next().is_some_and(numeric_part) {
        return false;
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return true;
    }
    host.split('.').count() <= 4 && host.split('.').all(numeric_part)
}

/// True when any label is an IDNA A-label (`xn--…`) or the host holds non-ASCII letters.
pub fn is_internationalized(host: &str) -> bool {
    !host.is_ascii() || host.split('.').any(|l| l.starts_with("xn--"))
}

/// A host with its IDNA A-labels (`xn--…`) decoded to Unicode (RFC 3492); labels that do
/// not decode stay as written.
pub fn decode_idna_host(host: &str) -> String {
    host.split('.')
        .map(|label| {
            label
                .strip_prefix("xn--")
                .and_then(punycode_decode)
                .unwrap_or_else(|| label.to_string())
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// RFC 3492 Punycode decoding of one label (without the `xn--` prefix).
fn punycode_decode(input: &str) -> Option<String> {
    const BASE: u32 = 36;
    let (mut output, extended): (Vec<char>, &str) = match input.rfind('-') {
        Some(i) => (input[..i].chars().collect(), &input[i + 1..]),
        None => (Vec::new(), input),
    };
    if !output.iter().all(char::is_ascii) {
        return None;
    }
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let mut chars = extended.bytes().peekable();
    while chars.peek().is_some() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let digit = match chars.next()? {
                c @ b'a'..=b'z' => u32::from(c - b'a'),
                c @ b'A'..=b'Z' => u32::from(c - b'A'),
                c @ b'0'..=b'9' => u32::from(c - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(digit.checked_mul(w)?)?;
            let t = if k <= bias {
                1
            } else if k >= bias + 26 {
                26
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = output.len() as u32 + 1;
        let mut delta = if old_i == 0 {
            (i - old_i) / 700
        } else {
            (i - old_i) / 2
        };
        delta += delta / len;
        let mut k = 0;
        while delta > ((BASE - 1) * 26) / 2 {
            delta /= BASE - 1;
            k += BASE;
        }
        bias = k + (BASE * delta) / (delta + 38);
        n = n.checked_add(i / len)?;
        i %= len;
        output.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(output.into_iter().collect())
}

/// The wrapped target of a known click-wrapper (Outlook SafeLinks, Proofpoint URL Defense,
/// Google redirect), percent-decoded, or `None` when the URL is not a wrapper.
pub fn unwrap_click_wrapper(url: &str) -> Option<String> {
    unwrap_click_wrapper_parts(&parse_url(url)?)
}

/// [`unwrap_click_wrapper`] of a URL already split.
pub fn unwrap_click_wrapper_parts(parts: &UrlParts<'_>) -> Option<String> {
    let host = parts.host.as_str();
    let query = parts.rest.split_once('?').map(|(_, q)| q).unwrap_or("");
    if host.ends_with("safelinks.protection.outlook.com") {
        return query_param(query, "url").map(|v| percent_decode(&v));
    }
    if host == "urldefense.proofpoint.com" {
        // v2: /v2/url?u=https-3A__example.com_path&d=…
        let u = query_param(query, "u")?;
        return Some(percent_decode(&u.replace('-', "%").replace('_', "/")));
    }
    if host == "urldefense.com" {
        // v3: /v3/__https://example.com/path__;!!…
        let inner = parts.rest.strip_prefix("/v3/__")?;
        return inner.split("__;").next().map(str::to_string);
    }
    if host.ends_with(".awstrack.me") || host == "awstrack.me" {
        // Amazon SES click tracking: /L0/<percent-encoded target>/<n>/<id>
        let inner = parts.rest.strip_prefix("/L0/")?;
        let target = percent_decode(inner.split('/').next()?);
        return target.contains("://").then_some(target);
    }
    if host == "t.umblr.com" {
        return query_param(query, "z").map(|v| percent_decode(&v));
    }
    if (host == "www.google.com" || host == "google.com") && parts.rest.starts_with("/url") {
        return query_param(query, "q")
            .or_else(|| query_param(query, "url"))
            .map(|v| percent_decode(&v));
    }
    None
}

/// The value of `name=` in a query string (raw, not decoded).
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split(['&', ';'])
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.to_string())
}

/// Values of query parameters that look like an embedded URL (open-redirect candidates).
pub fn embedded_urls(rest: &str) -> impl Iterator<Item = String> + '_ {
    let query = rest.split_once('?').map(|(_, q)| q).unwrap_or("");
    query
        .split(['&', ';'])
        .filter_map(|kv| kv.split_once('='))
        .map(|(_, v)| percent_decode(v))
        .filter(|v| {
            let l = v.to_ascii_lowercase();
            l.starts_with("http://") || l.starts_with("https://") || l.starts_with("//")
        })
}

/// Decode `%XX` escapes; invalid escapes stay as written; invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domain_uses_the_public_suffix_list() {
        assert_eq!(
            registrable_domain("www.amazon.co.jp").as_deref(),
            Some("amazon.co.jp")
        );
        assert_eq!(
            registrable_domain("amazon.co.jp.evil.top").as_deref(),
            Some("evil.top")
        );
        assert_eq!(
            registrable_domain("amazon-co-jp.shop").as_deref(),
            Some("amazon-co-jp.shop")
        );
        // Hosting suffixes from the PSL's private section: each customer is its own domain.
        assert_eq!(
            registrable_domain("phish.s3.amazonaws.com").as_deref(),
            Some("phish.s3.amazonaws.com")
        );
        assert_eq!(registrable_domain("192.168.0.1"), None);
    }

    #[test]
    fn userinfo_does_not_fool_the_host() {
        let p = parse_url("https://www.amazon.co.jp@203.0.113.9:8080/signin").expect("parses");
        assert!(p.has_userinfo);
        assert_eq!(p.host, "203.0.113.9");
        assert!(is_ip_literal(&p.host));
    }

    #[test]
    fn scheme_less_and_odd_urls_parse() {
        assert_eq!(
            parse_url("www.Example.COM./x").map(|p| p.host),
            Some("www.example.com".into())
        );
        assert_eq!(
            parse_url("javascript:alert(1)").map(|p| p.scheme),
            Some("javascript".into())
        );
        assert_eq!(
            parse_url("https://[2001:db8::1]/x").map(|p| p.host),
            Some("2001:db8::1".into())
        );
        assert!(parse_url("https:///").is_none());
    }

    #[test]
    fn integer_ip_hosts_are_ip_literals() {
        assert!(is_ip_literal("3232235777"));
        assert!(is_ip_literal("0xc0.0xa8.0x1.0x1"));
        assert!(!is_ip_literal("amazon.co.jp"));
        assert!(!is_ip_literal("1.example"));
    }

    #[test]
    fn click_wrappers_unwrap() {
        let safelink = "https://apc01.safelinks.protection.outlook.com/?url=https%3A%2F%2Famazon-verify.top%2Flogin&data=x";
        assert_eq!(
            unwrap_click_wrapper(safelink).as_deref(),
            Some("https://amazon-verify.top/login")
        );
        let pp2 = "https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_login&d=DwM";
        assert_eq!(
            unwrap_click_wrapper(pp2).as_deref(),
            Some("https://evil.example/login")
        );
        let pp3 = "https://urldefense.com/v3/__https://evil.example/a__;!!abc";
        assert_eq!(
            unwrap_click_wrapper(pp3).as_deref(),
            Some("https://evil.example/a")
        );
        assert_eq!(
            unwrap_click_wrapper("https://www.amazon.co.jp/gp/css"),
            None
        );
    }

    #[test]
    fn misspelt_and_defanged_schemes_are_web_schemes() {
        for (url, scheme) in [
            ("hxxps://evil.example/", "https"),
            ("htps://evil.example/", "https"),
            ("hhttps://evil.example/", "https"),
            ("ttp://evil.example/", "http"),
            ("mailto:x@example.com", "mailto"),
        ] {
            assert_eq!(
                parse_url(url).map(|p| p.scheme),
                Some(scheme.into()),
                "{url}"
            );
        }
        assert_eq!(
            parse_url("hhttps://amazon.co.ip.evil.shop/x").map(|p| p.host),
            Some("amazon.co.ip.evil.shop".into())
        );
    }

    #[test]
    fn tracking_wrappers_unwrap() {
        let ses = "https://x1.r.us-east-1.awstrack.me/L0/https:%2F%2Fevil.example%2Fcvs%2F/2/0100016f-abc/xyz=146";
        assert_eq!(
            unwrap_click_wrapper(ses).as_deref(),
            Some("https://evil.example/cvs/")
        );
        let tumblr = "https://t.umblr.com/redirect?z=https%3A%2F%2Fevil.example%2F%3Fa&t=x";
        assert_eq!(
            unwrap_click_wrapper(tumblr).as_deref(),
            Some("https://evil.example/?a")
        );
    }

    #[test]
    fn punycode_is_internationalized() {
        assert!(is_internationalized("xn--mazon-3ve.com"));
        assert!(is_internationalized("аmazon.com"));
        assert!(!is_internationalized("amazon.com"));
    }

    #[test]
    fn punycode_hosts_decode() {
        assert_eq!(decode_idna_host("xn--mnchen-3ya.de"), "münchen.de");
        assert_eq!(decode_idna_host("www.xn--amazn-mye.com"), "www.amazоn.com");
        assert_eq!(decode_idna_host("xn--zz.example"), "xn--zz.example");
    }

    #[test]
    fn percent_decode_is_total() {
        assert_eq!(percent_decode("a%2Fb%zz%"), "a/b%zz%");
        assert_eq!(percent_decode("%E3%81%82"), "あ");
    }
}
