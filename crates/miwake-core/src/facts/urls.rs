//! URLs (with scheme, `www.`, bare domains; defanged forms refanged) and e-mail addresses.

use regex::Regex;

use memchr::memmem;

use super::windows::{any_run, find_in, windows, ByteSet, Reach};
use super::{
    byte_after, byte_before, dedup_overlapping, overlaps, re, Found, TextUrl, MAX_PER_KIND,
};
use crate::analysis::literals::LiteralHit;
use crate::message::Span;

/// A scheme ends in "//", at most 8 bytes after its start ("hxxps[:]").
const SCHEME_REACH: Reach = Reach {
    seed: any_run,
    core: ByteSet::NONE,
    before: 8,
    after: 0,
    min_digits: 0,
};

/// A bare domain is a run of domain bytes holding a dot (or "[dot]") before its top-level
/// domain's first letter.
const DOMAIN_REACH: Reach = Reach {
    seed: dot_before_letter,
    core: DOMAIN_BYTES,
    before: 0,
    after: 0,
    min_digits: 0,
};

/// Separators other than `@` that an address may be written with; all rare.
pub(super) const SPELLED_AT: &[&str] = &["at]", "at)", "at}", "アットマーク"];

/// Written forms of a dot in defanged text.
const DEFANGED_DOTS: &[&str] = &["[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}"];
const DOT: &str = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})";
const LABEL: &str = r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?";

/// Top-level domains that make a bare `name.tld` (no path) a URL.
const KNOWN_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "jp", "io", "co", "me", "app", "dev", "xyz", "top", "shop",
    "store", "online", "site", "club", "icu", "vip", "live", "link", "click", "buzz", "work",
    "life", "fun", "monster", "cyou", "sbs", "cfd", "bond", "rest", "lol", "mobi", "asia", "tokyo",
    "cn", "ru", "us", "uk", "de", "fr", "kr", "tw", "hk", "sg", "au", "ca", "br", "in", "it", "es",
    "nl", "cc", "tk", "ml", "ga", "cf", "gq", "pw", "ws", "su", "ly", "to", "vn", "ph", "ai",
    "gov", "edu",
];

/// Endings that make `name.ext` a file name, never a URL.
const FILE_EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "xlsm", "ppt", "pptx", "zip", "rar", "7z", "lzh", "exe",
    "msi", "scr", "bat", "cmd", "js", "vbs", "jpg", "jpeg", "png", "gif", "bmp", "svg", "webp",
    "txt", "csv", "html", "htm", "mp3", "mp4", "mov", "wav", "iso", "img", "dmg", "apk", "eml",
    "msg", "ics", "json", "xml", "log", "tar", "gz",
];

#[derive(Debug)]
pub(super) struct Urls {
    scheme: Regex,
    domain: Regex,
    email: Regex,
}

impl Urls {
    pub fn new() -> Self {
        Urls {
            scheme: re(r"(?:h?(?:tt|xx|\*\*)ps?|fxp|ftp)(?::|\[:\]|\(:\))//"),
            domain: re(&format!(r"{LABEL}(?:{DOT}{LABEL})*{DOT}[a-z]{{2,24}}")),
            email: re(&format!(
                r"[a-z0-9][a-z0-9._%+-]*(?:@| ?(?:\[at\]|\(at\)|\{{at\}}|\[@\]|\(@\)|\(アットマーク\)|アットマーク) ?){LABEL}(?:{DOT}{LABEL})*{DOT}[a-z]{{2,24}}"
            )),
        }
    }

    /// `spelled_at`: where the text holds any of `SPELLED_AT`.
    #[inline(never)]
    pub fn emails(&self, text: &str, spelled_at: &[LiteralHit]) -> Vec<Found> {
        self.emails_in(text, &at_windows(text, spelled_at))
    }

    /// The addresses in `windows`, which hold every byte of every address in the text.
    fn emails_in(&self, text: &str, windows: &[Span]) -> Vec<Found> {
        let mut out = Vec::new();
        for span in find_in(&self.email, text, windows) {
            let prev = byte_before(text, span.start);
            if prev.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.') {
                continue;
            }
            let next = byte_after(text, span.end);
            if next.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-') {
                continue;
            }
            out.push(Found {
                value: refang_email(text.get(span.start..span.end).unwrap_or_default()),
                span,
            });
            if out.len() >= MAX_PER_KIND {
                break;
            }
        }
        out
    }

    #[inline(never)]
    pub fn urls(&self, text: &str, emails: &[Found]) -> Vec<TextUrl> {
        if !text.contains('.') && !text.contains("dot") {
            return Vec::new();
        }
        let mut out = self.scheme_urls(text);
        let mut taken: Vec<Span> = out.iter().map(|u| u.span).collect();
        taken.extend(emails.iter().map(|e| e.span));
        let mut domain_windows = windows(text, &dot_seeds(text), &DOMAIN_REACH);
        // A window inside a URL or address already found (a host, a file name in a path)
        // can only yield matches that overlap it, which are dropped.
        domain_windows.retain(|w| !taken.iter().any(|t| t.start <= w.start && w.end <= t.end));
        self.bare_urls(text, &domain_windows, &taken, &mut out);
        dedup_overlapping(out, |u| u.span)
    }

    /// URLs written with a scheme.
    fn scheme_urls(&self, text: &str) -> Vec<TextUrl> {
        let mut out = Vec::new();
        let slashes: Vec<Span> = memmem::find_iter(text.as_bytes(), b"//")
            .map(|i| Span::new(i, i + 2))
            .collect();
        let scheme_windows = windows(text, &slashes, &SCHEME_REACH);
        for m in find_in(&self.scheme, text, &scheme_windows) {
            if let Some(u) = scheme_url(text, m.start, m.end) {
                out.push(u);
            }
            if out.len() >= MAX_PER_KIND {
                break;
            }
        }
        out
    }

    /// Bare domains in `windows` that overlap nothing `taken`, added to `out`.
    fn bare_urls(&self, text: &str, windows: &[Span], taken: &[Span], out: &mut Vec<TextUrl>) {
        for span in find_in(&self.domain, text, windows) {
            if overlaps(taken, span) {
                continue;
            }
            if let Some(u) = bare_url(text, span) {
                out.push(u);
            }
            if out.len() >= MAX_PER_KIND * 2 {
                break;
            }
        }
    }
}

/// Around each `@` and each spelled-out one (`spelled_at`): where addresses are. Every
/// address holds one: `[@]` and `(@)` hold an `@`, `[at]`, `(at)`, `{at}` hold "at]",
/// "at)", "at}", and both Japanese forms hold "アットマーク".
fn at_windows(text: &str, spelled_at: &[LiteralHit]) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut spans: Vec<Span> = memchr::memchr_iter(b'@', bytes)
        .map(|at| Span::new(local_part_start(bytes, at), domain_end(bytes, at + 1)))
        .collect();
    spans.extend(spelled_at.iter().map(|hit| spelled_at_window(bytes, hit)));
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => out.push(span),
        }
    }
    out
}

/// Around "name (at) domain", "name アットマーク domain" ...: from the bracket before the
/// hit (if any) back over the name, and past the hit over the domain.
fn spelled_at_window(bytes: &[u8], hit: &LiteralHit) -> Span {
    let opening = hit
        .start
        .checked_sub(1)
        .filter(|&i| matches!(bytes.get(i), Some(b'[' | b'(' | b'{')));
    let start = local_part_start(bytes, opening.unwrap_or(hit.start));
    Span::new(start, domain_end(bytes, hit.end))
}

/// Start of "name", "name [@]", "name(@)" before the `@` at `at`.
fn local_part_start(bytes: &[u8], at: usize) -> usize {
    let mut i = at;
    if i > 0 && bytes.get(i - 1).is_some_and(|b| matches!(b, b'[' | b'(')) {
        i -= 1;
    }
    if i > 0 && bytes.get(i - 1) == Some(&b' ') {
        i -= 1;
    }
    let local = |b: &&u8| {
        b.is_ascii_lowercase()
            || b.is_ascii_digit()
            || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
    };
    i - bytes
        .get(..i)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(local)
        .count()
}

/// End of "domain", "] domain", ") domain" after the `@` ending at `from`.
fn domain_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    if bytes.get(i).is_some_and(|b| matches!(b, b']' | b')')) {
        i += 1;
    }
    if bytes.get(i) == Some(&b' ') {
        i += 1;
    }
    let rest = bytes.get(i..).unwrap_or_default();
    i + rest
        .iter()
        .take_while(|b| DOMAIN_BYTES.contains(**b))
        .count()
}

/// Bytes of labels and of dots, plain or defanged ("[.]", "(dot)").
const DOMAIN_BYTES: ByteSet = ByteSet::digits_and(true, b"_-.[](){}");

/// Every "." and "dot", in order.
fn dot_seeds(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut seeds: Vec<Span> = memchr::memchr_iter(b'.', bytes)
        .map(|i| Span::new(i, i + 1))
        .chain(memmem::find_iter(bytes, b"dot").map(|i| Span::new(i, i + 3)))
        .collect();
    seeds.sort_unstable();
    seeds
}

/// A dot, maybe closed by a bracket, then a letter: where a top-level domain can start.
fn dot_before_letter(bytes: &[u8], dot: Span) -> bool {
    let mut i = dot.end;
    if bytes
        .get(i)
        .is_some_and(|b| matches!(b, b']' | b')' | b'}'))
    {
        i += 1;
    }
    bytes.get(i).is_some_and(u8::is_ascii_lowercase)
}

fn scheme_url(text: &str, start: usize, rest: usize) -> Option<TextUrl> {
    if super::is_alnum(byte_before(text, start)) {
        return None;
    }
    let written = text.get(start..rest)?;
    let scheme = if written.starts_with("ftp") || written.starts_with("fxp") {
        "ftp"
    } else if written
        .trim_end_matches(['/', ':', '[', ']', '(', ')'])
        .ends_with('s')
    {
        "https"
    } else {
        "http"
    };
    let body = scan_body(text, rest);
    let host = host_of(&body.refanged);
    if !host.bytes().any(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let defanged = body.defanged
        || !written.starts_with(scheme)
        || written.contains('[')
        || written.contains('(');
    Some(TextUrl {
        url: with_scheme(scheme, &body.refanged),
        defanged,
        bare: false,
        span: Span::new(start, body.end),
    })
}

fn bare_url(text: &str, span: Span) -> Option<TextUrl> {
    let prev = byte_before(text, span.start);
    if prev.is_some_and(|b| b.is_ascii_alphanumeric() || b"._-@/:\\%".contains(&b)) {
        return None;
    }
    let next = byte_after(text, span.end);
    if next.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'@' || b == b'_' || b == b'-') {
        return None;
    }
    let domain = refang(text.get(span.start..span.end)?);
    let tld = domain.rsplit('.').next().unwrap_or("");
    if FILE_EXTENSIONS.contains(&tld) {
        return None;
    }
    let has_path = matches!(next, Some(b'/' | b'?' | b'#'))
        || (next == Some(b':')
            && byte_after(text, span.end + 1).is_some_and(|b| b.is_ascii_digit()));
    let www = domain.starts_with("www.");
    if !(www || KNOWN_TLDS.contains(&tld) || has_path) {
        return None;
    }
    let body = scan_body(text, span.start);
    let written = text.get(span.start..body.end)?;
    Some(TextUrl {
        url: with_scheme("http", &body.refanged),
        defanged: body.defanged || written.contains("[.]"),
        bare: true,
        span: Span::new(span.start, body.end),
    })
}

/// "scheme://rest", built without the formatting machinery.
fn with_scheme(scheme: &str, rest: &str) -> String {
    let mut url = String::with_capacity(scheme.len() + 3 + rest.len());
    url.push_str(scheme);
    url.push_str("://");
    url.push_str(rest);
    url
}

struct Body {
    end: usize,
    refanged: String,
    defanged: bool,
}

/// Read a URL's host and path from `start`: ASCII only, defanged dots turned back into
/// dots, stopping at spaces, quotes, unbalanced closing brackets and trailing punctuation.
fn scan_body(text: &str, start: usize) -> Body {
    let bytes = text.as_bytes();
    // Sized up front: growing the buffer byte by byte costs more than the scan.
    let capacity = bytes.len().saturating_sub(start).min(256);
    let mut out = String::with_capacity(capacity);
    let mut i = start;
    let mut defanged = false;
    let mut depth = (0usize, 0usize);
    // The body up to its last character that is not trailing punctuation, and where
    // that character ends in the text.
    let (mut kept_len, mut kept_end) = (0, start);
    while i < bytes.len() && out.len() < 4096 {
        let c = if let Some(tok) = defanged_dot_at(bytes, i) {
            defanged = true;
            i += tok.len();
            '.'
        } else {
            let b = bytes[i];
            if !url_byte(b) || !track_brackets(b, &mut depth) {
                break;
            }
            i += 1;
            char::from(b)
        };
        out.push(c);
        if !matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '*' | '\'' | '"') {
            kept_len = out.len();
            kept_end = i;
        }
    }
    out.truncate(kept_len);
    Body {
        end: kept_end,
        refanged: out,
        defanged,
    }
}

/// The defanged dot ("[.]", "(dot)", …) at `i`, if one is written there.
fn defanged_dot_at(bytes: &[u8], i: usize) -> Option<&'static str> {
    // Every defanged dot starts with a bracket.
    if !matches!(bytes.get(i), Some(b'[' | b'(' | b'{')) {
        return None;
    }
    let rest = bytes.get(i..)?;
    DEFANGED_DOTS
        .iter()
        .find(|t| rest.starts_with(t.as_bytes()))
        .copied()
}

fn url_byte(b: u8) -> bool {
    // A match, not a slice search: this runs for every byte of every URL.
    b.is_ascii_graphic()
        && !matches!(
            b,
            b'<' | b'>' | b'"' | b'\'' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^'
        )
}

/// Count brackets; false at a closing bracket that was never opened.
fn track_brackets(b: u8, depth: &mut (usize, usize)) -> bool {
    match b {
        b'(' => depth.0 += 1,
        b'[' => depth.1 += 1,
        b')' if depth.0 == 0 => return false,
        b']' if depth.1 == 0 => return false,
        b')' => depth.0 -= 1,
        b']' => depth.1 -= 1,
        _ => {}
    }
    true
}

fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    host.split(':').next().unwrap_or("")
}

fn refang(s: &str) -> String {
    // Every defanged dot starts with a bracket.
    if !s.bytes().any(|b| matches!(b, b'[' | b'(' | b'{')) {
        return s.to_string();
    }
    let mut out = s.to_string();
    for tok in DEFANGED_DOTS {
        if out.contains(tok) {
            out = out.replace(tok, ".");
        }
    }
    out
}

fn refang_email(s: &str) -> String {
    // Every defanged or spelled form holds a bracket or "ア" (its first byte is 0xe3).
    if !s
        .bytes()
        .any(|b| matches!(b, b' ' | b'[' | b'(' | b'{' | 0xe3))
    {
        return s.to_string();
    }
    let mut out = refang(s);
    for tok in [
        "[at]",
        "(at)",
        "{at}",
        "[@]",
        "(@)",
        "(アットマーク)",
        "アットマーク",
    ] {
        if out.contains(tok) {
            out = out.replace(tok, "@");
        }
    }
    out.replace(' ', "")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::facts::tests::token_text;

    /// The scan as it was: every character's end kept, trailing punctuation popped.
    fn scan_body_by_ends(text: &str, start: usize) -> (usize, String, bool) {
        let bytes = text.as_bytes();
        let mut out = String::new();
        let mut i = start;
        let mut defanged = false;
        let mut depth = (0usize, 0usize);
        let mut ends = Vec::new();
        while i < bytes.len() && out.len() < 4096 {
            let bracket = matches!(bytes[i], b'[' | b'(' | b'{');
            if let Some(tok) = DEFANGED_DOTS
                .iter()
                .find(|t| bracket && bytes[i..].starts_with(t.as_bytes()))
            {
                out.push('.');
                defanged = true;
                i += tok.len();
                ends.push(i);
                continue;
            }
            let b = bytes[i];
            if !url_byte(b) || !track_brackets(b, &mut depth) {
                break;
            }
            out.push(b as char);
            i += 1;
            ends.push(i);
        }
        while out.ends_with(|c: char| ".,;:!?*'\"".contains(c)) {
            out.pop();
            ends.pop();
        }
        (ends.last().copied().unwrap_or(start), out, defanged)
    }

    const BODY_TOKENS: &[&str] = &[
        "a", "b1", ".", "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}", "[", "]", "(", ")", "{",
        "}", ",", ";", ":", "!", "?", "*", "'", "\"", "/", "-", " ", "<", "ア", "%",
    ];

    const TOKENS: &[&str] = &[
        "http://",
        "https://",
        "hxxp[:]//",
        "www.",
        "example",
        "a",
        "x1",
        ".",
        "[.]",
        "(dot)",
        "com",
        "jp",
        "pdf",
        "/",
        "@",
        " ",
        "-",
        "_",
        ":",
        "8080",
        "?q=a.b",
        "アットマーク",
        "[at]",
    ];

    const EMAIL_TOKENS: &[&str] = &[
        "john",
        "a.b",
        "x1",
        "mail",
        "example",
        ".",
        "[.]",
        "(dot)",
        "com",
        "jp",
        "@",
        "[@]",
        "(@)",
        "[at]",
        "(at)",
        "{at}",
        "at]",
        "at)",
        "at",
        "[",
        "(",
        ")",
        "]",
        "アットマーク",
        "(アットマーク)",
        "ア",
        " ",
        "-",
        "_",
        "+",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn windows_inside_found_urls_add_no_bare_url(text in token_text(TOKENS, 20)) {
            static SHARED: std::sync::OnceLock<Urls> = std::sync::OnceLock::new();
            let urls = SHARED.get_or_init(Urls::new);
            let schemed = urls.scheme_urls(&text);
            let mut taken: Vec<Span> = schemed.iter().map(|u| u.span).collect();
            let spelled_at = crate::facts::scan_group(&text, crate::facts::SPELLED_AT);
            taken.extend(urls.emails(&text, &spelled_at).iter().map(|e| e.span));
            let all = windows(&text, &dot_seeds(&text), &DOMAIN_REACH);
            let outside: Vec<Span> = all
                .iter()
                .filter(|w| !taken.iter().any(|t| t.start <= w.start && w.end <= t.end))
                .copied()
                .collect();
            let (mut from_all, mut from_outside) = (schemed.clone(), schemed);
            urls.bare_urls(&text, &all, &taken, &mut from_all);
            urls.bare_urls(&text, &outside, &taken, &mut from_outside);
            prop_assert_eq!(from_outside, from_all);
        }

        #[test]
        fn windows_around_written_ats_find_what_the_whole_text_search_finds(
            text in token_text(EMAIL_TOKENS, 20)
        ) {
            static SHARED: std::sync::OnceLock<Urls> = std::sync::OnceLock::new();
            let urls = SHARED.get_or_init(Urls::new);
            let spelled_at = crate::facts::scan_group(&text, crate::facts::SPELLED_AT);
            let whole = [Span::new(0, text.len())];
            prop_assert_eq!(urls.emails(&text, &spelled_at), urls.emails_in(&text, &whole));
        }

        #[test]
        fn scan_body_reads_what_the_byte_by_byte_scan_read(text in token_text(BODY_TOKENS, 16)) {
            for start in (0..=text.len()).filter(|i| text.is_char_boundary(*i)) {
                let (fast, slow) = (scan_body(&text, start), scan_body_by_ends(&text, start));
                prop_assert_eq!((fast.end, fast.refanged, fast.defanged), slow);
            }
        }

        #[test]
        fn refang_without_brackets_copies(text in token_text(TOKENS, 12)) {
            let mut slow = text.clone();
            for tok in DEFANGED_DOTS {
                slow = slow.replace(tok, ".");
            }
            prop_assert_eq!(refang(&text), slow);
        }

        #[test]
        fn plain_addresses_need_no_refanging(text in token_text(TOKENS, 12)) {
            let mut slow = refang(&text);
            for tok in ["[at]", "(at)", "{at}", "[@]", "(@)", "(アットマーク)", "アットマーク"] {
                slow = slow.replace(tok, "@");
            }
            prop_assert_eq!(refang_email(&text), slow.replace(' ', ""));
        }
    }
}
