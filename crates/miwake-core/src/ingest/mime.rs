//! E-mail: headers, MIME tree walk (text, HTML, attachments, forwarded mail).

use std::borrow::Cow;
use std::sync::OnceLock;

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{
    Encoding, Header, HeaderName, HeaderValue, Message as Mail, MessageParser, MessagePart,
    MessagePartId, MimeHeaders, PartType,
};

use super::detect::{EmailStart, HeaderLines};
use super::elide::{elide_binary_bodies, ElidedText, Elisions, RawHeader};
use super::html::{html_to_text, HtmlText};
use super::{floor_char_boundary, plain, single_byte, swar, zip, Builder};
use crate::message::{Address, Attachment, Headers};

/// Repeated headers (recipients, authentication results) kept at most.
const MAX_HEADER_VALUES: usize = 256;

/// UTF-8 labels, which mail-parser decodes without a charset decoder.
const UTF8_LABELS: &[&str] = &[
    "utf-8",
    "utf8",
    "unicode-1-1-utf-8",
    "unicode11utf8",
    "unicode20utf8",
    "x-unicode20utf8",
];

/// A plain-text alternative this much shorter than its HTML sibling is a stub
/// ("view this mail in HTML"): the HTML is shown instead.
const STUB_RATIO: usize = 5;
const STUB_MIN_HTML: usize = 200;

fn parser() -> &'static MessageParser {
    static PARSER: OnceLock<MessageParser> = OnceLock::new();
    PARSER.get_or_init(|| {
        // Only what we read is parsed; the rest is skipped and read raw by offset when needed.
        MessageParser::new()
            .with_mime_headers()
            .header_address(HeaderName::From)
            .header_address(HeaderName::Sender)
            .header_address(HeaderName::ReplyTo)
            .header_address(HeaderName::To)
            .header_text(HeaderName::Subject)
            .header_id(HeaderName::MessageId)
            .default_header_ignore()
    })
}

/// Parses an e-mail into `out`; false when mail-parser finds no message at all.
///
/// `missing_blank`: where to insert the blank line missing between headers and body.
pub(super) fn ingest_email(found: &EmailStart, input: &[u8], out: &mut Builder) -> bool {
    let missing_blank = found.missing_blank;
    let input = cap_part_headers(input, out);
    let mut input: Cow<[u8]> =
        match missing_blank.and_then(|at| input.get(..at).zip(input.get(at..))) {
            Some((head, body)) => Cow::Owned([head, b"\n", body].concat()),
            None => Cow::Borrowed(input),
        };
    let closers = missing_closing_boundaries(&input);
    if !closers.is_empty() {
        input.to_mut().extend_from_slice(&closers);
    }
    let elided = elide(&input, &found.header);
    let parsed_elided = elided.as_ref().and_then(|elided| {
        let mail = parser().parse(&elided.bytes[..])?;
        elided
            .matches(&mail, &input)
            .then(|| (mail, elided.elisions(&input)))
    });
    let (mail, elisions) = match parsed_elided {
        Some(parsed) => parsed,
        None => match parser().parse(&input[..]) {
            Some(mail) => (mail, Elisions::default()),
            None => return false,
        },
    };
    // Cut fields came before any of their kind that the parse holds: they are read first.
    for (kind, value) in elisions.raw_headers() {
        fill_raw(&mut out.headers, kind, || raw_text(value));
    }
    fill_headers(&mail, &mut out.headers);
    out.headers.received_count += elisions.received_cut();
    if let Some(subject) = out.headers.subject.clone() {
        out.push_text(subject.trim());
    }
    let mut walker = Walker {
        out,
        elisions,
        parts_seen: 0,
        collect: None,
    };
    walker.part(&mail, 0, 0);
    true
}

#[cfg(test)]
thread_local! {
    /// Lets tests compare the parse of the elided copy with that of the original.
    pub(super) static NO_ELISION: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn elide(input: &[u8], header: &HeaderLines) -> Option<super::elide::Elided> {
    #[cfg(test)]
    if NO_ELISION.with(std::cell::Cell::get) {
        return None;
    }
    elide_binary_bodies(input, Some(header))
}

/// Closing delimiters (`--boundary--`) that a truncated or sloppy message never wrote,
/// innermost first. Without them the parser takes the last part for the epilogue and
/// its HTML would be shown raw, its links unseen.
fn missing_closing_boundaries(input: &[u8]) -> Vec<u8> {
    const MAX_BOUNDARIES: usize = 64;
    let mut boundaries: Vec<&[u8]> = Vec::new();
    let needle = b"boundary=";
    let finder = memchr::memmem::Finder::new(needle);
    for at in finder.find_iter(input).take(MAX_BOUNDARIES) {
        let rest = &input[at + needle.len()..];
        let (quoted, rest) = match rest.first() {
            Some(b'"') => (true, &rest[1..]),
            _ => (false, rest),
        };
        let end = rest
            .iter()
            .position(|&b| {
                if quoted {
                    b == b'"'
                } else {
                    b == b';' || b.is_ascii_whitespace()
                }
            })
            .unwrap_or(rest.len());
        let boundary = &rest[..end];
        if !boundary.is_empty() && boundary.len() <= 200 && !boundaries.contains(&boundary) {
            boundaries.push(boundary);
        }
    }
    let mut out = Vec::new();
    for b in boundaries.iter().rev() {
        let opening = [b"--".as_slice(), b].concat();
        let closing = [b"--".as_slice(), b, b"--"].concat();
        // A closing delimiter is usually near the end, and holds the opening one: looked for
        // first, from the end.
        if memchr::memmem::rfind(input, &closing).is_some() {
            continue;
        }
        if memchr::memmem::find(input, &opening).is_some() {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&closing);
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Cuts the input before the line that would start part number ~`4 * max_parts`.
///
/// mail-parser parses every part (iteratively, so no stack risk) before we can skip any;
/// counting boundary and `Content-Type` lines first keeps a MIME bomb's cost bounded.
fn cap_part_headers<'a>(input: &'a [u8], out: &mut Builder) -> &'a [u8] {
    let max = out.limits.max_parts.saturating_mul(4).saturating_add(64);
    // Each counted line follows a line break and holds a dash of its own: with no more breaks,
    // or no more dashes, than the cap, nothing is cut (and the lines need not be looked at).
    if memchr::memchr_iter(b'\n', input).count() <= max
        || memchr::memchr_iter(b'-', input).count() <= max
    {
        return input;
    }
    match line_past_part_cap(input, max) {
        Some(end) => {
            let detail = format!("more than {} MIME parts", out.limits.max_parts);
            out.note("too_many_parts", detail);
            &input[..end]
        }
        None => input,
    }
}

/// Where the line that would be part line number `max + 1` starts (a boundary or
/// `Content-Type` line), if there is one.
fn line_past_part_cap(input: &[u8], max: usize) -> Option<usize> {
    let mut count = 0usize;
    for nl in memchr::memchr_iter(b'\n', input) {
        let line = &input[nl + 1..];
        let starts_part = line.starts_with(b"--")
            || line
                .get(..13)
                .is_some_and(|l| l.eq_ignore_ascii_case(b"content-type:"));
        if starts_part {
            count += 1;
            if count > max {
                return Some(nl + 1);
            }
        }
    }
    None
}

fn fill_headers(mail: &Mail, h: &mut Headers) {
    let Some(root) = mail.parts.first() else {
        return;
    };
    for header in &root.headers {
        if let Some(kind) = raw_header(&header.name) {
            fill_raw(h, kind, || raw_value(mail.raw_message(), header));
            continue;
        }
        match &header.name {
            HeaderName::From if h.from.is_none() => h.from = first_address(&header.value),
            HeaderName::Sender if h.sender.is_none() => h.sender = first_address(&header.value),
            HeaderName::ReplyTo => push_addresses(&mut h.reply_to, &header.value),
            HeaderName::To => push_addresses(&mut h.to, &header.value),
            HeaderName::Subject if h.subject.is_none() => {
                h.subject = header.value.as_text().map(str::to_string);
            }
            HeaderName::MessageId if h.message_id.is_none() => {
                h.message_id = first_text(&header.value);
            }
            HeaderName::Received => h.received_count += 1,
            _ => {}
        }
    }
}

/// The kind of a header that is read as written.
fn raw_header(name: &HeaderName) -> Option<RawHeader> {
    Some(match name {
        HeaderName::Date => RawHeader::Date,
        HeaderName::ReturnPath => RawHeader::ReturnPath,
        HeaderName::AuthenticationResults => RawHeader::AuthenticationResults,
        HeaderName::ArcAuthenticationResults => RawHeader::ArcAuthenticationResults,
        HeaderName::ListId => RawHeader::ListId,
        HeaderName::ListUnsubscribe => RawHeader::ListUnsubscribe,
        HeaderName::Other(name) if name.eq_ignore_ascii_case("X-Amazon-Mail-Relay-Type") => {
            RawHeader::AmazonRelayType
        }
        _ => return None,
    })
}

/// Fills in a header read as written; `value` gives its text.
fn fill_raw(h: &mut Headers, kind: RawHeader, value: impl FnOnce() -> String) {
    match kind {
        RawHeader::Date if h.date.is_none() => h.date = Some(value()),
        RawHeader::ReturnPath if h.return_path.is_none() => {
            h.return_path = Some(value().trim_matches(['<', '>', ' ']).to_string());
        }
        RawHeader::AuthenticationResults => push_capped(&mut h.authentication_results, value()),
        RawHeader::ArcAuthenticationResults => {
            push_capped(&mut h.arc_authentication_results, value());
        }
        RawHeader::ListId if h.list_id.is_none() => h.list_id = Some(value()),
        RawHeader::ListUnsubscribe => h.has_list_unsubscribe = true,
        RawHeader::AmazonRelayType if h.amazon_relay_type.is_none() => {
            h.amazon_relay_type = Some(value());
        }
        _ => {}
    }
}

/// The header's value as written, unfolded, runs of whitespace collapsed.
fn raw_value(raw: &[u8], header: &Header) -> String {
    let range = header.offset_start as usize..header.offset_end as usize;
    raw_text(raw.get(range).unwrap_or_default())
}

/// A value as written, unfolded, runs of whitespace collapsed.
fn raw_text(bytes: &[u8]) -> String {
    collapse_whitespace(&utf8_lossy(bytes))
}

/// `String::from_utf8_lossy`, validating first: validation alone is much faster than its
/// chunking, and the text is almost always valid.
fn utf8_lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The words of `text` (split at ASCII whitespace) joined by single spaces.
fn collapse_whitespace(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut value = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(&b) = bytes.get(pos) {
        if b.is_ascii_whitespace() {
            pos += 1;
            continue;
        }
        let end = pos + word_len(&bytes[pos..]);
        if !value.is_empty() {
            value.push(' ');
        }
        // Both ends are at ASCII bytes or the end: char boundaries.
        value.push_str(text.get(pos..end).unwrap_or_default());
        pos = end;
    }
    value
}

/// The length of the run of bytes before the first ASCII whitespace, eight bytes at a time:
/// only bytes below `!` are looked at one by one.
fn word_len(bytes: &[u8]) -> usize {
    let mut offset = 0;
    while let Some(x) = swar::load(bytes, offset) {
        let mut candidates = swar::below(x, b'!');
        while candidates != 0 {
            let at = offset + swar::first(candidates);
            if bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
                return at;
            }
            candidates &= candidates - 1;
        }
        offset += 8;
    }
    let rest = bytes.get(offset..).unwrap_or_default();
    offset
        + rest
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(rest.len())
}

fn push_capped(values: &mut Vec<String>, value: String) {
    if values.len() < MAX_HEADER_VALUES {
        values.push(value);
    }
}

fn convert_address(addr: &mail_parser::Addr) -> Address {
    Address {
        name: addr.name.as_deref().map(str::to_string),
        address: addr.address.as_deref().map(str::to_string),
    }
}

fn first_address(value: &HeaderValue) -> Option<Address> {
    value.as_address()?.first().map(convert_address)
}

fn push_addresses(list: &mut Vec<Address>, value: &HeaderValue) {
    if let Some(addresses) = value.as_address() {
        let room = MAX_HEADER_VALUES.saturating_sub(list.len());
        list.extend(addresses.iter().take(room).map(convert_address));
    }
}

fn first_text(value: &HeaderValue) -> Option<String> {
    match value {
        HeaderValue::Text(text) => Some(text.to_string()),
        HeaderValue::TextList(list) => list.first().map(|t| t.to_string()),
        _ => None,
    }
}

struct Walker<'b, 'l, 'e> {
    out: &'b mut Builder<'l>,
    elisions: Elisions<'e>,
    parts_seen: usize,
    /// Inside the non-shown branch of a multipart/alternative: HTML is collected (for its
    /// links) instead of shown, text parts are skipped.
    collect: Option<Vec<HtmlText>>,
}

impl<'e> Walker<'_, '_, 'e> {
    fn part(&mut self, mail: &Mail, id: MessagePartId, depth: usize) {
        let Some(part) = mail.parts.get(id as usize) else {
            return;
        };
        if depth > self.out.limits.max_depth {
            let detail = format!("MIME nesting deeper than {}", self.out.limits.max_depth);
            self.out.note("too_deep", detail);
            return;
        }
        if !self.count_part() {
            return;
        }
        match &part.body {
            PartType::Multipart(children) => self.multipart(mail, part, children, depth),
            PartType::Text(text) => self.text_part(mail, part, text),
            PartType::Html(html) => self.html_part(mail, part, html),
            PartType::Binary(data) | PartType::InlineBinary(data) => {
                self.attachment(mail, part, data)
            }
            PartType::Message(nested) => self.nested(mail, part, nested, depth),
        }
    }

    /// Counts one more part; false (with a note) once the limit is passed.
    fn count_part(&mut self) -> bool {
        self.parts_seen += 1;
        if self.parts_seen > self.out.limits.max_parts {
            let detail = format!("more than {} MIME parts", self.out.limits.max_parts);
            self.out.note("too_many_parts", detail);
            return false;
        }
        true
    }

    fn multipart(
        &mut self,
        mail: &Mail,
        part: &MessagePart,
        children: &[MessagePartId],
        depth: usize,
    ) {
        let alternative = part.is_content_type("multipart", "alternative");
        if alternative && self.collect.is_none() {
            if let Some(plain) = children.iter().copied().find(|&id| is_plain_body(mail, id)) {
                self.alternative(mail, plain, children, depth);
                return;
            }
        }
        for &child in children {
            if self.parts_seen >= self.out.limits.max_parts {
                self.count_part();
                break;
            }
            self.part(mail, child, depth + 1);
        }
    }

    /// Shows the plain-text alternative, unless it is a stub; HTML siblings give their links.
    fn alternative(
        &mut self,
        mail: &Mail,
        plain: MessagePartId,
        children: &[MessagePartId],
        depth: usize,
    ) {
        self.collect = Some(Vec::new());
        for &child in children.iter().filter(|&&c| c != plain) {
            self.part(mail, child, depth + 1);
        }
        let htmls = self.collect.take().unwrap_or_default();
        let (Some(part), true) = (mail.parts.get(plain as usize), self.count_part()) else {
            return;
        };
        let text = match &part.body {
            PartType::Text(text) => self.body_text(mail, part, text),
            _ => Cow::Borrowed(""),
        };
        let html_len: usize = htmls.iter().map(|h| h.text.trim().len()).sum();
        let stub = html_len >= STUB_MIN_HTML && text.trim().len() * STUB_RATIO < html_len;
        if !stub {
            self.out.push_block(&text);
        }
        for html in htmls {
            self.out.push_html(html, stub);
        }
    }

    fn text_part(&mut self, mail: &Mail, part: &MessagePart, text: &str) {
        if is_attachment(part) {
            let text = self.parsed_text(mail, part, text);
            return self.attachment(mail, part, text.as_bytes());
        }
        if self.collect.is_some() || self.out.text_full() {
            return;
        }
        let text = self.body_text(mail, part, text);
        self.out.push_block(&text);
    }

    fn html_part(&mut self, mail: &Mail, part: &MessagePart, html: &str) {
        if is_attachment(part) {
            let html = self.parsed_text(mail, part, html);
            return self.attachment(mail, part, html.as_bytes());
        }
        let html = self.body_text(mail, part, html);
        let max = self.out.limits.max_html_bytes;
        let html = if html.len() > max {
            self.out
                .note("html_truncated", format!("HTML part cut at {max} bytes"));
            &html[..floor_char_boundary(&html, max)]
        } else {
            &html[..]
        };
        let converted = html_to_text(
            html,
            self.out.limits.max_text_bytes,
            self.out.limits.max_links,
        );
        match &mut self.collect {
            Some(collected) => collected.push(converted),
            None => self.out.push_html(converted, true),
        }
    }

    /// A forwarded message: listed as an attachment, and its text shown after its headers.
    fn nested(&mut self, mail: &Mail, part: &MessagePart, nested: &Mail, depth: usize) {
        let size = part.offset_end.saturating_sub(part.offset_body) as usize
            + self.elisions.removed_within(mail, part);
        self.out.push_attachment(Attachment {
            name: part.attachment_name().map(str::to_string),
            content_type: content_type(part),
            size,
            encrypted_archive: false,
            archive_entries: Vec::new(),
        });
        if self.collect.is_none() {
            let mut intro = String::new();
            let mut headers = Headers::default();
            fill_headers(nested, &mut headers);
            if let Some(from) = &headers.from {
                intro.push_str(&format!("From: {}\n", format_address(from)));
            }
            if let Some(subject) = &headers.subject {
                intro.push_str(&format!("Subject: {subject}\n"));
            }
            self.out.push_block(&intro);
        }
        self.part(nested, 0, depth + 1);
    }

    fn attachment(&mut self, mail: &Mail, part: &MessagePart, data: &[u8]) {
        let name = part.attachment_name().map(str::to_string);
        let content_type = content_type(part);
        let elided = self.elisions.body(mail, part);
        let is_zip = content_type.contains("zip")
            || name.as_deref().is_some_and(|n| has_extension(n, ".zip"))
            || match elided {
                Some(body) => zip::looks_like_zip(&body.decode_prefix(4)),
                None => zip::looks_like_zip(data),
            };
        let listing = match (is_zip, elided) {
            (false, _) => zip::ZipListing::default(),
            (true, Some(body)) => zip::list(&body.decode()),
            (true, None) => zip::list(data),
        };
        self.out.push_attachment(Attachment {
            name,
            content_type,
            size: elided.map_or(data.len(), |body| body.decoded_len),
            encrypted_archive: listing.encrypted,
            archive_entries: listing.entries,
        });
    }

    /// The part's text as mail-parser decodes it: `parsed`, unless its body was cut before
    /// parsing.
    fn parsed_text<'m>(&self, mail: &Mail, part: &MessagePart, parsed: &'m str) -> Cow<'m, str>
    where
        'e: 'm,
    {
        decoded_text(part, self.elisions.text(mail, part), parsed)
    }

    /// The part's text, noting unknown charsets and re-reading undeclared legacy encodings.
    fn body_text<'m>(
        &mut self,
        mail: &'m Mail,
        part: &'m MessagePart,
        parsed: &'m str,
    ) -> Cow<'m, str>
    where
        'e: 'm,
    {
        let elided = self.elisions.text(mail, part);
        let text = decoded_text(part, elided, parsed);
        let charset = part.content_type().and_then(|ct| ct.attribute("charset"));
        let known = charset.map(is_known_charset);
        if let (Some(name), Some(false)) = (charset, known) {
            let name: String = name
                .chars()
                .filter(char::is_ascii_graphic)
                .take(64)
                .collect();
            self.out.note("unknown_charset", name);
        }
        if known == Some(true) || !text.contains('\u{FFFD}') {
            return text;
        }
        match raw_body(mail, part, elided) {
            Some(bytes) => Cow::Owned(plain::decode_unlabelled(&bytes).into_owned()),
            None => text,
        }
    }
}

/// The part's text: `parsed` as mail-parser decoded it, or, when its body was cut before
/// parsing, the cut body's decoded bytes converted the same way.
fn decoded_text<'m>(
    part: &MessagePart,
    elided: Option<ElidedText<'m>>,
    parsed: &'m str,
) -> Cow<'m, str> {
    match elided {
        Some(elided) => charset_text(part, elided.decoded),
        None => Cow::Borrowed(parsed),
    }
}

/// Decoded body bytes to text, exactly as mail-parser converts a text part's.
fn charset_text<'a>(part: &MessagePart, decoded: &'a [u8]) -> Cow<'a, str> {
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(str::as_bytes);
    if let Some(table) = charset.and_then(single_byte::table) {
        return table.decode(decoded);
    }
    if let Some(decode) = charset.and_then(charset_decoder) {
        return Cow::Owned(decode(decoded));
    }
    utf8_lossy(decoded)
}

/// The part's body bytes after transfer decoding, before any charset decoding.
fn raw_body<'m>(
    mail: &'m Mail,
    part: &MessagePart,
    elided: Option<ElidedText<'m>>,
) -> Option<Cow<'m, [u8]>> {
    if let Some(elided) = elided {
        return match elided.encoding {
            Encoding::None => Some(Cow::Borrowed(elided.encoded)),
            Encoding::Base64 => base64_decode(elided.encoded).map(Cow::Owned),
            Encoding::QuotedPrintable => quoted_printable_decode(elided.encoded).map(Cow::Owned),
        };
    }
    let range = part.offset_body as usize..part.offset_end as usize;
    let bytes = mail.raw_message().get(range)?;
    match part.encoding {
        Encoding::None => Some(Cow::Borrowed(bytes)),
        Encoding::Base64 => base64_decode(bytes).map(Cow::Owned),
        Encoding::QuotedPrintable => quoted_printable_decode(bytes).map(Cow::Owned),
    }
}

fn is_known_charset(name: &str) -> bool {
    let name = name.trim();
    UTF8_LABELS.iter().any(|l| l.eq_ignore_ascii_case(name))
        || charset_decoder(name.as_bytes()).is_some()
}

fn is_plain_body(mail: &Mail, id: MessagePartId) -> bool {
    mail.parts
        .get(id as usize)
        .is_some_and(|p| matches!(p.body, PartType::Text(_)) && !is_attachment(p))
}

/// Not shown as text: a declared attachment, a named file, or text that is not prose.
fn is_attachment(part: &MessagePart) -> bool {
    if part
        .content_disposition()
        .is_some_and(|cd| cd.is_attachment())
        || part.attachment_name().is_some()
    {
        return true;
    }
    let Some(ct) = part.content_type() else {
        return false;
    };
    let ctype = ct.ctype();
    if ctype.eq_ignore_ascii_case("multipart") || ctype.eq_ignore_ascii_case("message") {
        return false;
    }
    if !ctype.eq_ignore_ascii_case("text") {
        return true;
    }
    let subtype = ct.subtype().unwrap_or("plain");
    !["plain", "html", "enriched", "richtext"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(subtype))
}

fn content_type(part: &MessagePart) -> String {
    let declared = part.content_type().map(|ct| match ct.subtype() {
        Some(sub) => format!("{}/{}", ct.ctype(), sub),
        None => ct.ctype().to_string(),
    });
    let default = match part.body {
        PartType::Text(_) => "text/plain",
        PartType::Html(_) => "text/html",
        PartType::Message(_) => "message/rfc822",
        _ => "application/octet-stream",
    };
    declared
        .unwrap_or_else(|| default.to_string())
        .to_ascii_lowercase()
}

fn has_extension(name: &str, ext: &str) -> bool {
    name.len() >= ext.len()
        && name.is_char_boundary(name.len() - ext.len())
        && name[name.len() - ext.len()..].eq_ignore_ascii_case(ext)
}

fn format_address(addr: &Address) -> String {
    match (&addr.name, &addr.address) {
        (Some(name), Some(address)) => format!("{name} <{address}>"),
        (Some(name), None) => name.clone(),
        (None, Some(address)) => address.clone(),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text_char() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => prop::sample::select(vec![' ', '\t', '\r', '\n', '\x0b', '\x0c', 'a', '\u{a0}']),
            1 => any::<char>(),
        ]
    }

    proptest! {
        #[test]
        fn whitespace_collapses_as_split_ascii_whitespace(
            chars in proptest::collection::vec(text_char(), 0..80),
        ) {
            let text: String = chars.into_iter().collect();
            let expected = text.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
            prop_assert_eq!(collapse_whitespace(&text), expected);
        }
    }

    /// The cap as first written: every line looked at.
    fn cap_reference(input: &[u8], max: usize) -> usize {
        line_past_part_cap(input, max).unwrap_or(input.len())
    }

    fn mime_line() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "--b\n",
            "Content-Type: text/plain\n",
            "content-type:x\n",
            "a-b\n",
            "-\n",
            "plain\n",
            "\n",
        ])
    }

    proptest! {
        #[test]
        fn part_cap_cuts_as_the_reference(lines in proptest::collection::vec(mime_line(), 60..120)) {
            let input = lines.concat();
            // The smallest cap: 68 part lines.
            let limits = super::super::Limits { max_parts: 1, ..Default::default() };
            let mut out = Builder::new(&limits);
            let capped = cap_part_headers(input.as_bytes(), &mut out);
            prop_assert_eq!(capped.len(), cap_reference(input.as_bytes(), 68));
        }
    }

    #[test]
    fn closing_delimiters_added_where_missing() {
        let head = "Content-Type: multipart/mixed; boundary=\"b1\"\n\n";
        let unclosed = format!("{head}--b1\nhi\n");
        assert_eq!(
            missing_closing_boundaries(unclosed.as_bytes()),
            b"\r\n--b1--\r\n"
        );
        let closed = format!("{head}--b1\nhi\n--b1--\n");
        assert!(missing_closing_boundaries(closed.as_bytes()).is_empty());
        let unused = "Content-Type: multipart/mixed; boundary=b2\n\nno parts\n";
        assert!(missing_closing_boundaries(unused.as_bytes()).is_empty());
        let nested =
            format!("{head}--b1\nContent-Type: multipart/alternative; boundary=b3\n\n--b3\nx\n");
        assert_eq!(
            missing_closing_boundaries(nested.as_bytes()),
            b"\r\n--b3--\r\n\r\n--b1--\r\n"
        );
    }
}
