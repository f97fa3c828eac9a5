//! URLs (with scheme, `www.`, bare domains; defanged forms refanged) and e-mail addresses.

use regex::Regex;

use super::{
    byte_after, byte_before, dedup_overlapping, overlaps, re, Found, TextUrl, MAX_PER_KIND,
};
use crate::message::Span;

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

    pub fn emails(&self, text: &str) -> Vec<Found> {
        let mut out = Vec::new();
        if !text.contains('@') && !text.contains("at") && !text.contains("アットマーク") {
            return out;
        }
        for m in self.email.find_iter(text) {
            let prev = byte_before(text, m.start());
            if prev.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.') {
                continue;
            }
            let next = byte_after(text, m.end());
            if next.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-') {
                continue;
            }
            out.push(Found {
                value: refang_email(m.as_str()),
                span: Span::new(m.start(), m.end()),
            });
            if out.len() >= MAX_PER_KIND {
                break;
            }
        }
        out
    }

    pub fn urls(&self, text: &str, emails: &[Found]) -> Vec<TextUrl> {
        let mut out = Vec::new();
        if !text.contains('.') && !text.contains("dot") {
            return out;
        }
        for m in self.scheme.find_iter(text) {
            if let Some(u) = scheme_url(text, m.start(), m.end()) {
                out.push(u);
            }
            if out.len() >= MAX_PER_KIND {
                break;
            }
        }
        let mut taken: Vec<Span> = out.iter().map(|u| u.span).collect();
        taken.extend(emails.iter().map(|e| e.span));
        for m in self.domain.find_iter(text) {
            let span = Span::new(m.start(), m.end());
            if overlaps(&taken, span) {
                continue;
            }
            if let Some(u) = bare_url(text, span) {
                out.push(u);
            }
            if out.len() >= MAX_PER_KIND * 2 {
                break;
            }
        }
        dedup_overlapping(out, |u| u.span)
    }
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
        url: format!("{scheme}://{}", body.refanged),
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
        url: format!("http://{}", body.refanged),
        defanged: body.defanged || written.contains("[.]"),
        bare: true,
        span: Span::new(span.start, body.end),
    })
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
    let mut out = String::new();
    let mut i = start;
    let mut defanged = false;
    let mut depth = (0usize, 0usize);
    let mut ends = Vec::new();
    while i < bytes.len() && out.len() < 4096 {
        if let Some(tok) = DEFANGED_DOTS
            .iter()
            .find(|t| bytes[i..].starts_with(t.as_bytes()))
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
    let end = ends.last().copied().unwrap_or(start);
    Body {
        end,
        refanged: out,
        defanged,
    }
}

fn url_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !b"<>\"'`{}|\\^".contains(&b)
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
    let mut out = s.to_string();
    for tok in DEFANGED_DOTS {
        if out.contains(tok) {
            out = out.replace(tok, ".");
        }
    }
    out
}

fn refang_email(s: &str) -> String {
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
