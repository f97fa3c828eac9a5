//! What mail-parser need not read, cut out before it parses: top-level header fields we never
//! look at or only read as written (those are handed over from the original, see
//! [`Elisions::raw_headers`]), and base64 bodies of binary attachments.
//!
//! Anti-spam and signature headers are often half of a message, and mail-parser scans every
//! byte of them; images and documents need only their name, type and size, yet were decoded.
//! A line scan finds both: whole header fields by name, and bodies that follow a `--`
//! delimiter line and headers declaring a binary type in base64, and hold only base64 lines up
//! to the next `--` line. mail-parser gets a copy without them: each such part then parses with
//! an empty body at the same place. The decoded size is counted exactly as mail-parser would
//! decode, and the few bodies whose bytes are needed (ZIP archives) are decoded from the
//! original. Cut `Received` fields are counted.
//!
//! Quoted-printable and clean base64 bodies of text parts are cut the same way, up to the
//! delimiter that ends them (a single-part message's, to the end), and decoded here as
//! mail-parser decodes them (see `qp`): mail-parser never sees their bytes, so nothing decoded
//! can pass for MIME structure; the walk takes the decoded bytes from [`Elisions::text`] and
//! converts their charset as mail-parser would have. Text bodies without a transfer encoding
//! (7bit, 8bit, binary or none declared) are cut the same way: their bytes are their text.
//!
//! [`Elided::matches`] checks the parse against the cuts; when any cut did not land where
//! expected, the caller parses the original instead.

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use mail_parser::{Encoding, Message as Mail, MessagePart, MimeHeaders, PartType};

use super::detect::{name_run, HeaderLines};
use super::qp;

/// Bodies shorter than this are left in: cutting them saves little.
const MIN_ELIDED: usize = 256;

/// Top-level types mail-parser keeps as binary (never text, multipart or message).
const BINARY_TYPES: &[&[u8]] = &[
    b"image/",
    b"application/",
    b"audio/",
    b"video/",
    b"font/",
    b"model/",
];

/// The input with some base64 bodies cut out, and where they were.
pub(super) struct Elided {
    pub bytes: Vec<u8>,
    regions: Vec<Region>,
}

/// What was cut, for the attachments' sizes and contents.
#[derive(Default, Clone, Copy)]
pub(super) struct Elisions<'a> {
    original: &'a [u8],
    copy: &'a [u8],
    regions: &'a [Region],
}

struct Region {
    /// Where the cut bytes were, in the elided copy.
    at: usize,
    /// The cut bytes in the original.
    original: Range<usize>,
    cut: Cut,
}

#[derive(Clone, PartialEq, Eq)]
enum Cut {
    /// Top-level header fields.
    Headers(HeaderCut),
    /// A binary part's base64 body.
    Body { decoded_len: usize },
    /// A text part's quoted-printable, base64 or unencoded body, ended by `--boundary`.
    Text(TextCut),
}

#[derive(Clone, PartialEq, Eq)]
struct TextCut {
    encoding: Encoding,
    /// The boundary the body was decoded against.
    boundary: Vec<u8>,
    /// None when the body needs no decoding (`Encoding::None`).
    decoded: Option<Vec<u8>>,
    /// Where mail-parser ends the part in the original (its `offset_end`).
    raw_end: usize,
}

/// What a run of cut top-level fields held that is read: `Received` fields (counted), and
/// the fields read as written.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
struct HeaderCut {
    received: usize,
    raw: Vec<RawField>,
}

/// A cut field that `mime::fill_headers` reads as written: its kind and value (after the
/// colon, to the end of the field) in the original.
#[derive(Clone, PartialEq, Eq, Debug)]
struct RawField {
    kind: RawHeader,
    value: Range<usize>,
}

/// Top-level fields that `mime::fill_headers` reads as written, never parsed: cut like the
/// unread ones, and handed over from the original.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum RawHeader {
    Date,
    ReturnPath,
    AuthenticationResults,
    ArcAuthenticationResults,
    ListId,
    ListUnsubscribe,
    AmazonRelayType,
}

/// The names of the [`RawHeader`] fields, as mail-parser names them (lower case).
const RAW_HEADERS: &[(&[u8], RawHeader)] = &[
    (b"date", RawHeader::Date),
    (b"return-path", RawHeader::ReturnPath),
    (b"authentication-results", RawHeader::AuthenticationResults),
    (
        b"arc-authentication-results",
        RawHeader::ArcAuthenticationResults,
    ),
    (b"list-id", RawHeader::ListId),
    (b"list-unsubscribe", RawHeader::ListUnsubscribe),
    (b"x-amazon-mail-relay-type", RawHeader::AmazonRelayType),
];

/// Top-level header fields that `mime::fill_headers` reads from the parse (besides every
/// `Content-*` field); the rest are cut. A field read there must be listed here or in
/// [`RAW_HEADERS`].
const KEPT_HEADERS: &[&[u8]] = &[
    b"from",
    b"sender",
    b"reply-to",
    b"to",
    b"subject",
    b"message-id",
];

/// Up to this many boundaries, cuts are searched for each in turn rather than for all at once.
const FEW_BOUNDARIES: usize = 4;

/// Encoded bytes of a text body that decoding reserves room for at first.
const TEXT_BODY_GUESS: usize = 64 * 1024;

/// Longest boundary considered for a text body's cut (RFC 2046 allows 70).
const MAX_BOUNDARY: usize = 200;

/// Longest header name considered: a longer "name" ends the scan.
const MAX_HEADER_NAME: usize = 128;

/// A text body that was cut out: its bytes after transfer decoding (before charset decoding),
/// and the encoded body as mail-parser delimits it.
#[derive(Clone, Copy)]
pub(super) struct ElidedText<'a> {
    pub encoding: Encoding,
    pub decoded: &'a [u8],
    pub encoded: &'a [u8],
}

/// An attachment body that was cut out: its encoded text and decoded length.
#[derive(Clone, Copy)]
pub(super) struct ElidedBody<'a> {
    encoded: &'a [u8],
    pub decoded_len: usize,
}

/// The copy to parse, or None when nothing is worth cutting. `header`: the header block's
/// fields as detection scanned them in `input`, when it did.
pub(super) fn elide_binary_bodies(input: &[u8], header: Option<&HeaderLines>) -> Option<Elided> {
    let regions = find_regions(input, header);
    if regions.is_empty() {
        return None;
    }
    let removed: usize = regions.iter().map(|r| r.original.len()).sum();
    let mut bytes = Vec::with_capacity(input.len() - removed);
    let mut copied = 0;
    let mut located = Vec::with_capacity(regions.len());
    for mut region in regions {
        bytes.extend_from_slice(&input[copied..region.original.start]);
        region.at = bytes.len();
        copied = region.original.end;
        located.push(region);
    }
    bytes.extend_from_slice(&input[copied..]);
    Some(Elided {
        bytes,
        regions: located,
    })
}

impl Elided {
    /// The cuts, once the parse of `bytes` matched them; `original` is the uncut input.
    pub fn elisions<'a>(&'a self, original: &'a [u8]) -> Elisions<'a> {
        Elisions {
            original,
            copy: &self.bytes,
            regions: &self.regions,
        }
    }

    /// True when every header cut ends where a field or the header block ends, every body cut
    /// is exactly the (now empty) body of a binary base64 part or of a text part in the cut's
    /// encoding (ended by the boundary of its multipart, or the top-level body to the end), and
    /// no other part's body spans a cut: then the parse equals that of the original, bar what
    /// was cut. Text cuts also need that no boundary of the parse starts inside them: a search
    /// for it would have stopped there in the original.
    pub fn matches(&self, mail: &Mail, original: &[u8]) -> bool {
        let mut matched = usize::from(self.root_text_cut(mail));
        self.header_cuts_match(mail)
            && self.check_parts(mail, &mut matched)
            && matched == self.body_cuts()
            && self.no_boundary_in_text_cuts(mail, original)
    }

    /// Whether the top-level body is a text cut, decoded to the end of the input.
    fn root_text_cut(&self, mail: &Mail) -> bool {
        mail.parts
            .first()
            .and_then(|root| text_region_at(&self.regions, root))
            .is_some_and(|(region, cut)| cut.boundary.is_empty() && region.at == self.bytes.len())
    }

    fn no_boundary_in_text_cuts(&self, mail: &Mail, original: &[u8]) -> bool {
        let texts: Vec<&Range<usize>> = self
            .regions
            .iter()
            .filter(|r| matches!(r.cut, Cut::Text(_)))
            .map(|r| &r.original)
            .collect();
        if texts.is_empty() {
            return true;
        }
        let mut boundaries = Vec::new();
        collect_boundaries(mail, &mut boundaries);
        if boundaries.is_empty() {
            return true;
        }
        let delimiters: Vec<Vec<u8>> = boundaries
            .iter()
            .map(|b| [b"--".as_slice(), b].concat())
            .collect();
        let longest = delimiters.iter().map(Vec::len).max().unwrap_or(0);
        // A delimiter starting in the cut, possibly running past its end.
        let mut windows = texts.iter().map(|cut| {
            let end = (cut.end + longest).min(original.len());
            (original.get(cut.start..end), cut.len())
        });
        if delimiters.len() <= FEW_BOUNDARIES {
            let finders: Vec<_> = delimiters.iter().map(memchr::memmem::Finder::new).collect();
            return windows.all(|(window, len)| {
                window.is_some_and(|w| finders.iter().all(|f| f.find(w).is_none_or(|at| at >= len)))
            });
        }
        // One pass per cut however many boundaries; leftmost, so the first start is found.
        let Ok(searcher) = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&delimiters)
        else {
            return false;
        };
        windows.all(|(window, len)| {
            window.is_some_and(|w| searcher.find(w).is_none_or(|m| m.start() >= len))
        })
    }

    fn header_cuts_match(&self, mail: &Mail) -> bool {
        let Some(root) = mail.parts.first() else {
            return false;
        };
        let body = root.offset_body as usize;
        let ends_field_or_block = |at: usize| {
            // Fields are in input order: a binary search keeps many cuts cheap.
            root.headers
                .binary_search_by_key(&at, |h| h.offset_field as usize)
                .is_ok()
                || self
                    .bytes
                    .get(at..body)
                    .is_some_and(|blank| blank == b"\n" || blank == b"\r\n")
        };
        self.regions
            .iter()
            .filter(|r| matches!(r.cut, Cut::Headers(_)))
            .all(|r| ends_field_or_block(r.at))
    }

    fn body_cuts(&self) -> usize {
        self.regions
            .iter()
            .filter(|r| !matches!(r.cut, Cut::Headers(_)))
            .count()
    }

    fn check_parts(&self, mail: &Mail, matched: &mut usize) -> bool {
        for part in &mail.parts {
            match &part.body {
                PartType::Multipart(children) => {
                    *matched += self.text_cuts_under(mail, part, children);
                }
                PartType::Message(nested) if is_inline(mail, nested) => {
                    if !self.check_parts(nested, matched) {
                        return false;
                    }
                }
                _ if is_elided_part(part)
                    && body_region_at(&self.regions, part.offset_body).is_some() =>
                {
                    *matched += 1;
                }
                // Counted by its multipart, which knows the boundary the part ended at.
                _ if text_region_at(&self.regions, part).is_some() => {}
                _ => {
                    let (start, end) = (part.offset_body as usize, part.offset_end as usize);
                    if self.first_region_from(start).is_some_and(|r| r.at <= end) {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// The children of `multipart` whose text body was cut against its boundary.
    fn text_cuts_under(&self, mail: &Mail, multipart: &MessagePart, children: &[u32]) -> usize {
        let Some(boundary) = multipart
            .content_type()
            .and_then(|ct| ct.attribute("boundary"))
            .filter(|b| !b.is_empty())
        else {
            return 0;
        };
        children
            .iter()
            .filter_map(|&id| mail.parts.get(id as usize))
            .filter_map(|child| text_region_at(&self.regions, child))
            .filter(|(_, cut)| cut.boundary == boundary.as_bytes())
            .count()
    }

    fn first_region_from(&self, start: usize) -> Option<&Region> {
        let i = self.regions.partition_point(|r| r.at < start);
        self.regions.get(i)
    }
}

impl<'a> Elisions<'a> {
    /// The cut body of `part`, when `mail` was parsed from the elided copy and this part's
    /// body was cut.
    pub fn body(&self, mail: &Mail, part: &MessagePart) -> Option<ElidedBody<'a>> {
        if !self.is_top(mail) || !is_elided_part(part) {
            return None;
        }
        let (region, decoded_len) = body_region_at(self.regions, part.offset_body)?;
        Some(ElidedBody {
            encoded: self.original.get(region.original.clone())?,
            decoded_len,
        })
    }

    /// The cut text body of `part`, when `mail` was parsed from the elided copy and this part's
    /// body was cut.
    pub fn text(&self, mail: &Mail, part: &MessagePart) -> Option<ElidedText<'a>> {
        if !self.is_top(mail) {
            return None;
        }
        let (region, cut) = text_region_at(self.regions, part)?;
        let encoded = self.original.get(region.original.start..cut.raw_end)?;
        Some(ElidedText {
            encoding: cut.encoding,
            decoded: cut.decoded.as_deref().unwrap_or(encoded),
            encoded,
        })
    }

    /// Bytes cut out of `part` (a forwarded message in `mail`), to report its original size.
    pub fn removed_within(&self, mail: &Mail, part: &MessagePart) -> usize {
        if !self.is_top(mail) {
            return 0;
        }
        // A cut body that closes the forwarded message sits just after its end offset (the
        // end is the line break before the delimiter).
        let start = part.offset_body as usize;
        let end = (part.offset_end as usize).saturating_add(2);
        let from = self.regions.partition_point(|r| r.at <= start);
        let to = self.regions.partition_point(|r| r.at <= end);
        self.regions
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .filter(|r| !matches!(r.cut, Cut::Headers(_)))
            .map(|r| r.original.len())
            .sum()
    }

    /// `Received` fields cut from the top-level header.
    pub fn received_cut(&self) -> usize {
        self.cut_fields().map(|cut| cut.received).sum()
    }

    /// The cut fields read as written, in input order: their kind and value as written.
    pub fn raw_headers(&self) -> impl Iterator<Item = (RawHeader, &'a [u8])> + '_ {
        self.cut_fields().flat_map(|cut| {
            cut.raw.iter().map(|field| {
                (
                    field.kind,
                    self.original.get(field.value.clone()).unwrap_or_default(),
                )
            })
        })
    }

    /// What each run of cut top-level fields held.
    fn cut_fields(&self) -> impl Iterator<Item = &'a HeaderCut> {
        self.regions.iter().filter_map(|r| match &r.cut {
            Cut::Headers(cut) => Some(cut),
            _ => None,
        })
    }

    /// Whether `mail` reads the elided copy (the message or a forwarded one inside it).
    fn is_top(&self, mail: &Mail) -> bool {
        !self.regions.is_empty() && std::ptr::eq(mail.raw_message().as_ptr(), self.copy.as_ptr())
    }
}

impl ElidedBody<'_> {
    /// The decoded body, as mail-parser would have decoded it.
    pub fn decode(&self) -> Vec<u8> {
        decode(self.encoded, usize::MAX)
    }

    /// The first `n` decoded bytes (fewer when the body is shorter).
    pub fn decode_prefix(&self, n: usize) -> Vec<u8> {
        decode(self.encoded, n)
    }
}

/// The body cut at `at`, with its decoded length.
fn body_region_at(regions: &[Region], at: u32) -> Option<(&Region, usize)> {
    let i = regions
        .binary_search_by_key(&(at as usize), |r| r.at)
        .ok()?;
    let region = regions.get(i)?;
    match region.cut {
        Cut::Body { decoded_len } => Some((region, decoded_len)),
        _ => None,
    }
}

/// The text body cut where `part`'s body starts, when the part parsed as such a cut does: an
/// empty, well-formed text part in the cut's transfer encoding.
fn text_region_at<'r>(
    regions: &'r [Region],
    part: &MessagePart,
) -> Option<(&'r Region, &'r TextCut)> {
    let empty_text = match &part.body {
        PartType::Text(text) | PartType::Html(text) => text.is_empty(),
        _ => false,
    };
    let is_text = part
        .content_type()
        .is_none_or(|ct| ct.ctype().eq_ignore_ascii_case("text"));
    if !empty_text || !is_text || part.is_encoding_problem || part.offset_body != part.offset_end {
        return None;
    }
    let i = regions
        .binary_search_by_key(&(part.offset_body as usize), |r| r.at)
        .ok()?;
    let region = regions.get(i)?;
    match &region.cut {
        Cut::Text(cut) if cut.encoding == part.encoding => Some((region, cut)),
        _ => None,
    }
}

/// Every boundary declared in `mail` and the forwarded messages parsed in place inside it.
fn collect_boundaries<'m>(mail: &'m Mail, out: &mut Vec<&'m [u8]>) {
    for part in &mail.parts {
        if let Some(boundary) = part.content_type().and_then(|ct| ct.attribute("boundary")) {
            out.push(boundary.as_bytes());
        }
        if let PartType::Message(nested) = &part.body {
            if is_inline(mail, nested) {
                collect_boundaries(nested, out);
            }
        }
    }
}

/// A forwarded message parsed in place (not from a decoded body) reads the same bytes.
fn is_inline(parent: &Mail, nested: &Mail) -> bool {
    std::ptr::eq(parent.raw_message().as_ptr(), nested.raw_message().as_ptr())
}

/// What a cut body parses as: an empty, well-formed base64 binary part.
fn is_elided_part(part: &MessagePart) -> bool {
    let empty_binary = match &part.body {
        PartType::Binary(data) | PartType::InlineBinary(data) => data.is_empty(),
        _ => false,
    };
    empty_binary
        && part.encoding == Encoding::Base64
        && !part.is_encoding_problem
        && part.offset_body == part.offset_end
}

/// What is worth cutting, in order (`at` still unset).
fn find_regions(input: &[u8], header: Option<&HeaderLines>) -> Vec<Region> {
    let mut regions = Vec::new();
    let scanned = header.and_then(|header| scanned_header_cuts(input, header, &mut regions));
    let (mut pos, root) = scanned.unwrap_or_else(|| header_cuts(input, &mut regions));
    if root.is_some_and(|root| root.text_qp(true)) {
        regions.extend(qp_region(input, pos, b""));
        return regions;
    }
    if root.is_some_and(|root| root.text_base64(true)) {
        regions.extend(base64_root_region(input, pos));
        return regions;
    }
    if root.is_some_and(|root| root.text_unencoded(true)) {
        regions.extend(unencoded_root_region(input, pos));
        return regions;
    }
    // Bytes that boundary searches for quoted-printable bodies may still read: a search that
    // finds nothing reads to the end, and hostile input could make one per part.
    let mut search_budget = 2 * input.len();
    let delimiter = memchr::memmem::Finder::new(b"\n--");
    // From the line break before `pos`, so that a delimiter line starting at `pos` is found.
    while let Some(found) = input
        .get(pos.saturating_sub(1)..)
        .and_then(|rest| delimiter.find(rest))
    {
        let line_start = pos.saturating_sub(1) + found + 1;
        let Some(line) = line_at(input, line_start) else {
            break;
        };
        let (next, region) = part_after_delimiter(input, line.clone(), &mut search_budget);
        regions.extend(region);
        pos = next.max(line.end);
    }
    regions
}

/// Adds runs of unread top-level header fields; returns where the header scan stopped.
///
/// A run ends where a kept field starts, or at the blank line; at anything unusual (a line
/// that is no `Name: value` field, the end of input) the scan stops and the open run is kept.
/// With the blank line reached, also gives what the kept fields say of the body.
fn header_cuts(input: &[u8], regions: &mut Vec<Region>) -> (usize, Option<PartHeaders>) {
    let mut pos = 0;
    let mut runs = HeaderRuns::default();
    while let Some(line) = line_at(input, pos) {
        let text = &input[line.clone()];
        if text == b"\n" || text == b"\r\n" {
            runs.close(pos, regions);
            return (line.end, Some(runs.headers));
        }
        let Some(name) = field_name(text) else {
            return (pos, None);
        };
        let Some(end) = field_end(input, line.end) else {
            return (pos, None);
        };
        runs.field(pos..end, name, text, regions);
        pos = end;
    }
    (pos, None)
}

/// The run of cut fields that the header scan is in, and what the kept fields say.
#[derive(Default)]
struct HeaderRuns {
    open: Option<(usize, HeaderCut)>,
    headers: PartHeaders,
}

impl HeaderRuns {
    /// The field at `field`, named `name`, whose first line is `line`.
    fn field(&mut self, field: Range<usize>, name: &[u8], line: &[u8], regions: &mut Vec<Region>) {
        if is_kept_header(name) {
            self.headers.read(line);
            self.close(field.start, regions);
            return;
        }
        let (_, cut) = self
            .open
            .get_or_insert_with(|| (field.start, HeaderCut::default()));
        if name.eq_ignore_ascii_case(b"received") {
            cut.received += 1;
        } else if let Some(kind) = raw_header(name) {
            let value = field.start + name.len() + 1..field.end;
            cut.raw.push(RawField { kind, value });
        }
    }

    /// Ends the open run (if any) at `at`, cutting it.
    fn close(&mut self, at: usize, regions: &mut Vec<Region>) {
        regions.extend(self.open.take().map(|(start, cut)| Region {
            at: 0,
            original: start..at,
            cut: Cut::Headers(cut),
        }));
    }
}

/// [`header_cuts`] from the fields detection found, without scanning the lines again; None
/// (and nothing added) when the scan did not reach a blank line that `input` still has there.
fn scanned_header_cuts(
    input: &[u8],
    header: &HeaderLines,
    regions: &mut Vec<Region>,
) -> Option<(usize, Option<PartHeaders>)> {
    let end = header.end?;
    let blank_len = match input.get(end..)? {
        [b'\n', ..] => 1,
        [b'\r', b'\n', ..] => 2,
        _ => return None,
    };
    // Every field line ends before `end`: the slices below are in bounds.
    let mut runs = HeaderRuns::default();
    for (i, field) in header.fields.iter().enumerate() {
        let pos = field.start;
        let name = input.get(pos..pos + field.name_len).unwrap_or_default();
        // A space before the colon: no field for `header_cuts`, which stops there.
        if input.get(pos + field.name_len) != Some(&b':') {
            return Some((pos, None));
        }
        let field_end = header.fields.get(i + 1).map_or(end, |next| next.start);
        let line = input.get(pos..field.line_end).unwrap_or_default();
        runs.field(pos..field_end, name, line, regions);
    }
    runs.close(end, regions);
    Some((end + blank_len, Some(runs.headers)))
}

/// The field name of a header line, when it is a token (no spaces) followed by a colon.
fn field_name(line: &[u8]) -> Option<&[u8]> {
    let head = line.get(..=MAX_HEADER_NAME).unwrap_or(line);
    // Up to the first byte that is not graphic ASCII, or is the colon.
    let len = name_run(head);
    // Without spaces, mail-parser's name for the field is exactly this one, lower-cased.
    (len > 0 && head.get(len) == Some(&b':')).then_some(&line[..len])
}

/// Where the field whose first line ends at `pos` ends: after its continuation lines (those
/// starting with a space or tab). None when the input ends inside the field.
fn field_end(input: &[u8], mut pos: usize) -> Option<usize> {
    if input.get(pos.checked_sub(1)?) != Some(&b'\n') {
        return None;
    }
    while matches!(input.get(pos), Some(b' ' | b'\t')) {
        let line = line_at(input, pos)?;
        if input.get(line.end - 1) != Some(&b'\n') {
            return None;
        }
        pos = line.end;
    }
    Some(pos)
}

fn is_kept_header(name: &[u8]) -> bool {
    // Many names have no kept name's length: one bit test instead of the list.
    let kept_length = KEPT_LENGTHS.checked_shr(name.len() as u32).unwrap_or(0) & 1 != 0;
    starts_with_ignore_case(name, b"content-")
        || kept_length
            && KEPT_HEADERS
                .iter()
                .any(|kept| kept.eq_ignore_ascii_case(name))
}

/// Bit `n` is set when a name in [`KEPT_HEADERS`] is `n` bytes long.
const KEPT_LENGTHS: u64 = kept_lengths();

const fn kept_lengths() -> u64 {
    let mut bits = 0u64;
    let mut i = 0;
    while i < KEPT_HEADERS.len() {
        // A name of 64 bytes or more would not fit: the build fails on the shift.
        bits |= 1 << KEPT_HEADERS[i].len();
        i += 1;
    }
    bits
}

/// The kind of a field read as written, by its name.
fn raw_header(name: &[u8]) -> Option<RawHeader> {
    // Many names have no such field's length: one bit test instead of the list.
    if RAW_LENGTHS.checked_shr(name.len() as u32).unwrap_or(0) & 1 == 0 {
        return None;
    }
    RAW_HEADERS
        .iter()
        .find(|(raw, _)| raw.eq_ignore_ascii_case(name))
        .map(|&(_, kind)| kind)
}

/// Bit `n` is set when a name in [`RAW_HEADERS`] is `n` bytes long.
const RAW_LENGTHS: u64 = raw_lengths();

const fn raw_lengths() -> u64 {
    let mut bits = 0u64;
    let mut i = 0;
    while i < RAW_HEADERS.len() {
        bits |= 1 << RAW_HEADERS[i].0.len();
        i += 1;
    }
    bits
}

/// Reads the part after the delimiter line `delimiter`: where to go on scanning, and its body
/// when it is worth cutting.
fn part_after_delimiter(
    input: &[u8],
    delimiter: Range<usize>,
    search_budget: &mut usize,
) -> (usize, Option<Region>) {
    let mut headers = PartHeaders::default();
    let mut pos = delimiter.end;
    while let Some(line) = line_at(input, pos) {
        let text = &input[line.clone()];
        if text.starts_with(b"--") {
            return (pos, None);
        }
        pos = line.end;
        if text == b"\n" || text == b"\r\n" {
            return if headers.binary_base64() {
                base64_body(input, pos)
            } else if headers.text_qp(false) && *search_budget > 0 {
                let (next, region) = qp_body(input, pos, delimiter_boundary(input, delimiter));
                // A cut was searched up to its end; a failed search, at worst to the end.
                let searched = region
                    .as_ref()
                    .map_or(input.len() - pos, |r| r.original.len());
                *search_budget = search_budget.saturating_sub(searched);
                (next, region)
            } else if headers.text_base64(false) {
                base64_text_body(input, pos, delimiter_boundary(input, delimiter))
            } else if headers.text_unencoded(false) && *search_budget > 0 {
                let boundary = delimiter_boundary(input, delimiter);
                unencoded_text_body(input, pos, boundary, search_budget)
            } else {
                (pos, None)
            };
        }
        headers.read(text);
    }
    (pos, None)
}

#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
struct PartHeaders {
    base64: bool,
    binary: bool,
    qp: bool,
    /// Declared 7bit, 8bit or binary: no transfer encoding, as when none is declared.
    unencoded: bool,
    text: bool,
    /// Lines starting with `Content-Type` / `Content-Transfer-Encoding`, well-formed or not.
    types: usize,
    encodings: usize,
}

impl PartHeaders {
    fn read(&mut self, line: &[u8]) {
        self.types += usize::from(starts_with_ignore_case(line, b"content-type"));
        self.encodings += usize::from(starts_with_ignore_case(line, b"content-transfer-encoding"));
        if let Some(value) = header_value(line, b"content-transfer-encoding:") {
            let value = value.trim_ascii();
            self.base64 = value.eq_ignore_ascii_case(b"base64");
            self.qp = value.eq_ignore_ascii_case(b"quoted-printable");
            self.unencoded = [b"7bit".as_slice(), b"8bit", b"binary"]
                .iter()
                .any(|name| value.eq_ignore_ascii_case(name));
        } else if let Some(value) = header_value(line, b"content-type:") {
            let value = value.trim_ascii_start();
            self.binary = BINARY_TYPES
                .iter()
                .any(|t| starts_with_ignore_case(value, t))
                && !contains_ignore_case(value, b"zip");
            self.text = starts_with_ignore_case(value, b"text/");
        }
    }

    fn binary_base64(&self) -> bool {
        self.base64 && self.binary
    }

    fn text_base64(&self, untyped_is_text: bool) -> bool {
        self.base64 && self.declared_text(untyped_is_text)
    }

    fn declared_text(&self, untyped_is_text: bool) -> bool {
        let text = self.text || untyped_is_text && self.types == 0;
        text && self.types <= 1 && self.encodings == 1
    }

    /// A quoted-printable text body, declared once (`untyped_is_text`: no type is text/plain).
    fn text_qp(&self, untyped_is_text: bool) -> bool {
        self.qp && self.declared_text(untyped_is_text)
    }

    /// A text body without transfer encoding: none declared, or one 7bit/8bit/binary.
    fn text_unencoded(&self, untyped_is_text: bool) -> bool {
        let text = self.text || untyped_is_text && self.types == 0;
        let unencoded = self.encodings == 0 || self.encodings == 1 && self.unencoded;
        text && self.types <= 1 && unencoded
    }
}

/// Scans a base64 body from `start` to the next line starting with `--`: where scanning goes
/// on, and the body when it is clean base64 and long enough.
fn base64_body(input: &[u8], start: usize) -> (usize, Option<Region>) {
    let mut counter = DecodedLen::default();
    let end = start + counter.feed(input.get(start..).unwrap_or_default());
    let region = ends_at_delimiter(input, start, end).then_some(Region {
        at: 0,
        original: start..end,
        cut: Cut::Body {
            decoded_len: counter.len,
        },
    });
    (end, region)
}

/// Whether a base64 body `start..end` is worth cutting and ends where a delimiter line starts
/// (else mail-parser would not end the part cleanly).
fn ends_at_delimiter(input: &[u8], start: usize, end: usize) -> bool {
    let at_line_start = end == start || input.get(end - 1) == Some(&b'\n');
    at_line_start && input.get(end..end + 2) == Some(b"--") && end - start >= MIN_ELIDED
}

/// The boundary a delimiter line names, as far as it can tell.
fn delimiter_boundary(input: &[u8], delimiter: Range<usize>) -> &[u8] {
    let line = input.get(delimiter).unwrap_or_default();
    line.get(2..).unwrap_or_default().trim_ascii_end()
}

/// A base64 text body from `start`, as [`base64_body`] finds it, decoded (in the same pass
/// that finds its end).
fn base64_text_body(input: &[u8], start: usize, boundary: &[u8]) -> (usize, Option<Region>) {
    // Text bodies are seldom long: what follows them (attachments) should not be reserved.
    let body = input.get(start..).unwrap_or_default();
    let (decoded, used) = decode_run(body, usize::MAX, TEXT_BODY_GUESS);
    let end = start + used;
    let usable =
        !boundary.is_empty() && boundary.len() <= MAX_BOUNDARY && !boundary.ends_with(b"--");
    if !usable || !ends_at_delimiter(input, start, end) {
        return (end, None);
    }
    // mail-parser ends the part at the line break before the delimiter line.
    let Some(newline) = end.checked_sub(1) else {
        return (end, None);
    };
    let raw_end = match newline.checked_sub(1).and_then(|i| input.get(i)) {
        Some(b'\r') => newline - 1,
        _ => newline,
    };
    let region = Region {
        at: 0,
        original: start..end,
        cut: Cut::Text(TextCut {
            encoding: Encoding::Base64,
            boundary: boundary.to_vec(),
            decoded: Some(decoded),
            raw_end,
        }),
    };
    (end, Some(region))
}

/// A single-part message's base64 text body from `start`, when clean base64 to the end of
/// the input (mail-parser then decodes it to the end).
fn base64_root_region(input: &[u8], start: usize) -> Option<Region> {
    let encoded = input.get(start..)?;
    if encoded.len() < MIN_ELIDED {
        return None;
    }
    let (decoded, used) = decode_run(encoded, usize::MAX, encoded.len());
    (used == encoded.len()).then(|| Region {
        at: 0,
        original: start..input.len(),
        cut: Cut::Text(TextCut {
            encoding: Encoding::Base64,
            boundary: Vec::new(),
            decoded: Some(decoded),
            raw_end: input.len(),
        }),
    })
}

/// A text body without transfer encoding from `start`, up to the first `--boundary` (taken
/// from the delimiter line before the part), as mail-parser's `mime_part` ends it: where
/// scanning goes on (the delimiter, else `start`), and the body when it is long enough.
fn unencoded_text_body(
    input: &[u8],
    start: usize,
    boundary: &[u8],
    search_budget: &mut usize,
) -> (usize, Option<Region>) {
    if boundary.is_empty() || boundary.len() > MAX_BOUNDARY || boundary.ends_with(b"--") {
        return (start, None);
    }
    let body = input.get(start..).unwrap_or_default();
    let needle = [b"--".as_slice(), boundary].concat();
    let found = memchr::memmem::find(body, &needle);
    let searched = found.map_or(body.len(), |at| at + needle.len());
    *search_budget = search_budget.saturating_sub(searched);
    let Some(delimiter) = found else {
        return (start, None);
    };
    let region = (delimiter >= MIN_ELIDED).then(|| Region {
        at: 0,
        original: start..start + delimiter,
        cut: Cut::Text(TextCut {
            encoding: Encoding::None,
            boundary: boundary.to_vec(),
            decoded: None,
            raw_end: start + unencoded_body_end(body, delimiter),
        }),
    });
    (start + delimiter, region)
}

/// Where mail-parser ends a body whose delimiter starts at `delimiter`: before the line break
/// that precedes it (CRLF or LF, within the body), else at the delimiter itself.
fn unencoded_body_end(body: &[u8], delimiter: usize) -> usize {
    let Some(newline) = delimiter.checked_sub(1) else {
        return 0;
    };
    if body.get(newline) != Some(&b'\n') {
        return delimiter;
    }
    match newline.checked_sub(1).and_then(|i| body.get(i)) {
        Some(b'\r') => newline - 1,
        _ => newline,
    }
}

/// A single-part message's text body without transfer encoding: all of it to the end.
fn unencoded_root_region(input: &[u8], start: usize) -> Option<Region> {
    let len = input.len().checked_sub(start)?;
    (len >= MIN_ELIDED).then(|| Region {
        at: 0,
        original: start..input.len(),
        cut: Cut::Text(TextCut {
            encoding: Encoding::None,
            boundary: Vec::new(),
            decoded: None,
            raw_end: input.len(),
        }),
    })
}

/// Decodes a quoted-printable body from `start`, taking `boundary` (from the delimiter line
/// before the part) for the one that ends it: the body when it is long enough and mail-parser
/// would decode it without error; scanning goes on after a cut body, else at `start`.
fn qp_body(input: &[u8], start: usize, boundary: &[u8]) -> (usize, Option<Region>) {
    // An empty boundary would mean decoding to the end, as for a single-part message.
    let region = (!boundary.is_empty())
        .then(|| qp_region(input, start, boundary))
        .flatten();
    (region.as_ref().map_or(start, |r| r.original.end), region)
}

fn qp_region(input: &[u8], start: usize, boundary: &[u8]) -> Option<Region> {
    // A closing delimiter's boundary ends in `--`: what follows is no part of that multipart.
    if boundary.len() > MAX_BOUNDARY || boundary.ends_with(b"--") {
        return None;
    }
    let body = input.get(start..)?;
    let body = if boundary.is_empty() {
        qp::decode_to_end(body)?
    } else {
        qp::decode_mime(body, boundary)?
    };
    (body.delimiter >= MIN_ELIDED).then(|| Region {
        at: 0,
        original: start..start + body.delimiter,
        cut: Cut::Text(TextCut {
            encoding: Encoding::QuotedPrintable,
            boundary: boundary.to_vec(),
            decoded: Some(body.decoded),
            raw_end: start + body.raw_end,
        }),
    })
}

/// The line starting at `pos`, with its line break.
fn line_at(input: &[u8], pos: usize) -> Option<Range<usize>> {
    let rest = input.get(pos..).filter(|r| !r.is_empty())?;
    let len = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
    Some(pos..pos + len)
}

fn header_value<'l>(line: &'l [u8], name: &[u8]) -> Option<&'l [u8]> {
    starts_with_ignore_case(line, name)
        .then(|| line.get(name.len()..))
        .flatten()
}

fn starts_with_ignore_case(value: &[u8], prefix: &[u8]) -> bool {
    value
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn contains_ignore_case(value: &[u8], needle: &[u8]) -> bool {
    value
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

const OTHER: u8 = 0;
const ALPHABET: u8 = 1;
const PAD: u8 = 2;
const SPACE: u8 = 3;

static CLASS: [u8; 256] = class_table();

const fn class_table() -> [u8; 256] {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' => ALPHABET,
            b'=' => PAD,
            b' ' | b'\t' | b'\r' | b'\n' => SPACE,
            _ => OTHER,
        };
        b += 1;
    }
    table
}

/// Per byte: its base64 value, or `NOT_SEXTET`.
static SEXTETS: [u8; 256] = sextet_table();

const NOT_SEXTET: u8 = u8::MAX;

const fn sextet_table() -> [u8; 256] {
    let mut table = [NOT_SEXTET; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'a'..=b'z' => c - b'a' + 26,
            c @ b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => NOT_SEXTET,
        };
        b += 1;
    }
    table
}

fn sextet(b: u8) -> u32 {
    u32::from(SEXTETS[usize::from(b)] & 63)
}

/// Four base64 characters' 24 bits, when `quad` is four base64 characters.
fn quad_value(quad: &[u8]) -> Option<u32> {
    let &[a, b, c, d] = quad else {
        return None;
    };
    let sextet = |byte: u8| SEXTETS[usize::from(byte)];
    let (a, b, c, d) = (sextet(a), sextet(b), sextet(c), sextet(d));
    // Sextets are below 64; `NOT_SEXTET` is not. One test for the four, no early exit.
    let value = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
    ((a | b | c | d) < 64).then_some(value)
}

/// Bytes checked at once on the fast path.
const CHUNK: usize = 32;

/// The number of base64 characters in `chunk`, when it holds only those and whitespace.
/// Comparisons rather than table lookups, so that the compiler checks many bytes at once.
fn count_clean_chunk(chunk: &[u8; CHUNK]) -> Option<usize> {
    let mut chars = 0u8;
    let mut others = 0u8;
    for &b in chunk {
        let char = is_base64_char(b);
        chars += u8::from(char);
        others |= u8::from(!char & !is_base64_space(b));
    }
    (others == 0).then_some(usize::from(chars))
}

/// `CLASS[b] == ALPHABET`, branch-free.
fn is_base64_char(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    letter | digit | (b == b'+') | (b == b'/')
}

/// `CLASS[b] == SPACE`, branch-free.
fn is_base64_space(b: u8) -> bool {
    (b == b' ') | (b == b'\t') | (b == b'\r') | (b == b'\n')
}

/// Counts decoded bytes the way mail-parser's MIME base64 decoder produces them.
#[derive(Default)]
struct DecodedLen {
    /// Characters of the current 4-character group seen so far.
    group: usize,
    len: usize,
}

impl DecodedLen {
    /// Counts `bytes` up to the first one that is not base64, padding or whitespace; returns
    /// how many were counted.
    fn feed(&mut self, bytes: &[u8]) -> usize {
        let mut chunks = bytes.chunks_exact(CHUNK);
        let mut counted = 0;
        for chunk in &mut chunks {
            let clean = <&[u8; CHUNK]>::try_from(chunk)
                .ok()
                .and_then(count_clean_chunk);
            let used = match clean {
                Some(chars) => {
                    self.add(chars);
                    CHUNK
                }
                None => self.feed_bytewise(chunk),
            };
            counted += used;
            if used < CHUNK {
                return counted;
            }
        }
        counted + self.feed_bytewise(chunks.remainder())
    }

    fn feed_bytewise(&mut self, bytes: &[u8]) -> usize {
        for (i, &b) in bytes.iter().enumerate() {
            match CLASS[usize::from(b)] {
                ALPHABET => self.add(1),
                SPACE => {}
                PAD => self.pad(),
                _ => return i,
            }
        }
        bytes.len()
    }

    fn add(&mut self, chars: usize) {
        let total = self.group + chars;
        self.len += total / 4 * 3;
        self.group = total % 4;
    }

    /// mail-parser's padding: an open group yields its first byte (one or two characters in)
    /// or its first two bytes (three characters in), then a new group starts.
    fn pad(&mut self) {
        self.len += match self.group {
            1 | 2 => 1,
            3 => 2,
            _ => 0,
        };
        self.group = 0;
    }
}

/// Decodes a cut body (base64, padding and whitespace only), up to `max` bytes.
fn decode(encoded: &[u8], max: usize) -> Vec<u8> {
    decode_run(encoded, max, encoded.len()).0
}

/// Decodes base64 from the start of `encoded` up to the first byte that is no base64
/// character, padding or whitespace (where [`DecodedLen::feed`] stops), or until `max` bytes
/// are out: the decoded bytes, and how many encoded bytes were read before such a byte (when
/// `max` did not stop the decoding first). `expected`: about how many bytes will be read.
fn decode_run(encoded: &[u8], max: usize, expected: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity((expected.min(encoded.len()) / 4 * 3).min(max));
    let mut chunk = 0u32;
    let mut group = 0;
    let mut i = 0;
    while let (Some(&b), true) = (encoded.get(i), out.len() < max) {
        if group == 0 {
            let used = decode_quads(&encoded[i..], &mut out, max);
            if used > 0 {
                i += used;
                continue;
            }
        }
        i += 1;
        match CLASS[usize::from(b)] {
            ALPHABET => {
                chunk = chunk << 6 | sextet(b);
                group += 1;
                if group == 4 {
                    out.extend_from_slice(&chunk.to_be_bytes()[1..]);
                    chunk = 0;
                    group = 0;
                }
            }
            PAD => {
                match group {
                    1 => out.push((chunk << 2) as u8),
                    2 => out.push((chunk >> 4) as u8),
                    3 => out.extend_from_slice(&[(chunk >> 10) as u8, (chunk >> 2) as u8]),
                    _ => {}
                }
                chunk = 0;
                group = 0;
            }
            SPACE => {}
            _ => return (out, i - 1),
        }
    }
    out.truncate(max);
    (out, i)
}

/// Decodes whole groups of four base64 characters (the usual case) from the start of
/// `encoded` into `out`, until one holds something else or `max` bytes are out; returns the
/// characters used.
fn decode_quads(encoded: &[u8], out: &mut Vec<u8>, max: usize) -> usize {
    let mut used = 0;
    for quad in encoded.chunks_exact(4) {
        let Some(value) = quad_value(quad).filter(|_| out.len() < max) else {
            break;
        };
        out.extend_from_slice(&value.to_be_bytes()[1..]);
        used += 4;
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed_body(encoded: &str) -> Vec<u8> {
        let raw = format!(
            "Content-Type: multipart/mixed; boundary=b\n\n--b\n\
             Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n\
             {encoded}\n--b--\n"
        );
        let mail = mail_parser::MessageParser::new()
            .parse(raw.as_bytes())
            .expect("parses");
        match &mail.parts[1].body {
            PartType::Binary(data) => data.to_vec(),
            other => panic!("not binary: {other:?}"),
        }
    }

    #[test]
    fn length_and_decoding_match_mail_parser() {
        for encoded in [
            "",
            "QQ",
            "QQ==",
            "QUI=",
            "QUJD",
            "Q=",
            "QUJDRA",
            "QU JD\r\nRA==",
            "QQ==QUJD",
            "Q=QUI=QUJ",
            "UEsDBBQAAAAIAA==",
        ] {
            let expected = parsed_body(encoded);
            let mut counter = DecodedLen::default();
            assert_eq!(counter.feed(encoded.as_bytes()), encoded.len());
            assert_eq!(counter.len, expected.len(), "{encoded:?}");
            assert_eq!(
                decode(encoded.as_bytes(), usize::MAX),
                expected,
                "{encoded:?}"
            );
            assert_eq!(
                decode(encoded.as_bytes(), 2),
                expected[..expected.len().min(2)]
            );
        }
    }

    /// `data` in base64, in lines of `width` characters.
    fn base64_lines(data: &[u8], width: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut encoded = Vec::new();
        for chunk in data.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b))
                << (8 * (3 - chunk.len()));
            for i in 0..4 {
                let sextet = (n >> (18 - 6 * i) & 63) as usize;
                encoded.push(if i <= chunk.len() {
                    ALPHABET[sextet]
                } else {
                    b'='
                });
            }
        }
        let lines: Vec<&[u8]> = encoded.chunks(width).collect();
        String::from_utf8(lines.join(&b"\r\n"[..])).expect("ASCII")
    }

    proptest::proptest! {
        #[test]
        fn decoding_matches_mail_parser_on_encoded_lines(
            data in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..400),
            width in 1usize..120,
            max in 0usize..500,
        ) {
            let encoded = base64_lines(&data, width);
            let expected = parsed_body(&encoded);
            proptest::prop_assert_eq!(&expected, &data);
            counts_and_decodes_like_mail_parser(&encoded, &expected, max)?;
        }
    }

    /// The decoded length counter and the decoder (whole, and cut at `max` bytes) agree with
    /// `expected`, mail-parser's decoding of `encoded`.
    fn counts_and_decodes_like_mail_parser(
        encoded: &str,
        expected: &[u8],
        max: usize,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut counter = DecodedLen::default();
        proptest::prop_assert_eq!(counter.feed(encoded.as_bytes()), encoded.len());
        proptest::prop_assert_eq!(counter.len, expected.len());
        proptest::prop_assert_eq!(decode(encoded.as_bytes(), usize::MAX), expected);
        let prefix = &expected[..expected.len().min(max)];
        proptest::prop_assert_eq!(decode(encoded.as_bytes(), max), prefix);
        // Followed by a byte that ends the run, as a delimiter line's text would.
        let followed = [encoded.as_bytes(), b"--b!\n"].concat();
        let (decoded, used) = decode_run(&followed, usize::MAX, 8);
        proptest::prop_assert_eq!(decoded, expected);
        proptest::prop_assert_eq!(used, encoded.len());
        Ok(())
    }

    proptest::proptest! {
        /// The decoding pass stops where the counting pass stops, with the same bytes as a
        /// decoding of what the counter took.
        #[test]
        fn decoding_run_stops_where_counting_stops(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::sample::select(b"QUJDRA+/= \r\n".to_vec()),
                    1 => proptest::arbitrary::any::<u8>(),
                ],
                0..200,
            ),
        ) {
            let mut counter = DecodedLen::default();
            let counted = counter.feed(&bytes);
            let (decoded, used) = decode_run(&bytes, usize::MAX, 0);
            proptest::prop_assert_eq!(used, counted);
            proptest::prop_assert_eq!(decoded.len(), counter.len);
            proptest::prop_assert_eq!(decoded, decode(&bytes[..counted], usize::MAX));
        }
    }

    #[test]
    fn chunk_classes_agree_with_the_table() {
        for b in 0..=u8::MAX {
            let class = CLASS[usize::from(b)];
            assert_eq!(is_base64_char(b), class == ALPHABET, "{b}");
            assert_eq!(is_base64_space(b), class == SPACE, "{b}");
        }
        let mut chunk = [b'A'; CHUNK];
        chunk[5] = b'\n';
        chunk[9] = b' ';
        assert_eq!(count_clean_chunk(&chunk), Some(CHUNK - 2));
        chunk[20] = b'=';
        assert_eq!(count_clean_chunk(&chunk), None);
    }

    proptest::proptest! {
        #[test]
        fn decoding_matches_mail_parser_on_clean_bodies(
            encoded in "[A-Za-z0-9+/= \t\r\n]{0,200}",
            max in 0usize..160,
        ) {
            let expected = parsed_body(&encoded);
            counts_and_decodes_like_mail_parser(&encoded, &expected, max)?;
        }

        /// Long runs of characters, so that many groups decode at once and a stray byte
        /// lands anywhere in a group.
        #[test]
        fn decoding_matches_mail_parser_on_long_runs(
            encoded in "[A-Za-z0-9+/]{0,40}([= \r\n][A-Za-z0-9+/]{0,40}){0,6}",
            max in 0usize..160,
        ) {
            let expected = parsed_body(&encoded);
            counts_and_decodes_like_mail_parser(&encoded, &expected, max)?;
        }
    }

    /// The field name check as first written: colon search, then validation.
    fn field_name_reference(line: &[u8]) -> Option<&[u8]> {
        let colon = memchr::memchr(b':', line.get(..=MAX_HEADER_NAME).unwrap_or(line))?;
        let name = &line[..colon];
        (!name.is_empty() && name.iter().all(u8::is_ascii_graphic)).then_some(name)
    }

    fn header_byte() -> impl proptest::strategy::Strategy<Value = u8> {
        proptest::prop_oneof![
            8 => proptest::sample::select(b"Ab-:: \t\x7f~".to_vec()),
            1 => proptest::arbitrary::any::<u8>(),
        ]
    }

    proptest::proptest! {
        #[test]
        fn field_names_as_the_reference(
            line in proptest::collection::vec(header_byte(), 0..40),
            name_len in 0usize..140,
        ) {
            let named = [b"N".repeat(name_len), line.clone()].concat();
            proptest::prop_assert_eq!(field_name(&named), field_name_reference(&named));
            proptest::prop_assert_eq!(field_name(&line), field_name_reference(&line));
        }
    }

    #[test]
    fn cuts_binary_bodies_only() {
        let image = "iVBORw0KGgo".repeat(40);
        let raw = format!(
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n\
             hello\n--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n\
             {image}\n{image}\n--b\nContent-Type: application/zip\n\
             Content-Transfer-Encoding: base64\n\n{image}\n--b--\n"
        );
        let elided = elide_binary_bodies(raw.as_bytes(), None).expect("an image to cut");
        assert_eq!(elided.regions.len(), 1);
        assert_eq!(elided.bytes.len(), raw.len() - 2 * (image.len() + 1));
        let mail = mail_parser::MessageParser::new()
            .parse(&elided.bytes[..])
            .expect("parses");
        assert!(elided.matches(&mail, raw.as_bytes()));
        let elisions = elided.elisions(raw.as_bytes());
        let body = elisions.body(&mail, &mail.parts[2]).expect("cut body");
        assert_eq!(body.decoded_len, parsed_body(&image).len() * 2);
    }

    #[test]
    fn cuts_unread_header_fields_and_counts_received() {
        let raw = "Received: from a\n\tby b\nDKIM-Signature: v=1;\n b=xyz\nFrom: A <a@b.example>\n\
                   Received: from c\nX-Spam: yes\nSubject: hi\nX-Last: 1\n folded\n\nbody\n";
        let elided = elide_binary_bodies(raw.as_bytes(), None).expect("headers to cut");
        let text = String::from_utf8(elided.bytes.clone()).expect("utf-8");
        assert_eq!(text, "From: A <a@b.example>\nSubject: hi\n\nbody\n");
        let mail = mail_parser::MessageParser::new()
            .parse(&elided.bytes[..])
            .expect("parses");
        assert!(elided.matches(&mail, raw.as_bytes()));
        assert_eq!(elided.elisions(raw.as_bytes()).received_cut(), 2);
    }

    fn parse_elided(raw: &str) -> Option<Elided> {
        let elided = elide_binary_bodies(raw.as_bytes(), None)?;
        let mail = mail_parser::MessageParser::new().parse(&elided.bytes[..])?;
        elided.matches(&mail, raw.as_bytes()).then_some(elided)
    }

    fn text_cuts(elided: &Elided) -> Vec<&TextCut> {
        let cuts = elided.regions.iter().filter_map(|r| match &r.cut {
            Cut::Text(cut) => Some(cut),
            _ => None,
        });
        cuts.collect()
    }

    #[test]
    fn cuts_quoted_printable_text_bodies() {
        let line = "caf=C3=A9 au lait, cr=C3=A8me br=C3=BBl=C3=A9e =\nsuite\n".repeat(8);
        let raw = format!(
            "Content-Type: multipart/alternative; boundary=b\n\n--b\n\
             Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n\
             {line}--b\nContent-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n\
             {line}\n--b--\n"
        );
        let elided = parse_elided(&raw).expect("cuts that match");
        let cuts = text_cuts(&elided);
        assert_eq!(cuts.len(), 2);
        assert!(cuts.iter().all(|c| c.boundary == b"b"));
        let expected = "café au lait, crème brûlée suite\n".repeat(8);
        assert_eq!(
            cuts[0].decoded.as_deref(),
            Some(expected.trim_end().as_bytes())
        );
        assert_eq!(cuts[1].decoded.as_deref(), Some(expected.as_bytes()));

        let html = "PHA+Q2Fmw6kgYXUgbGFpdDwvcD4K".repeat(12);
        let raw = format!(
            "Content-Type: multipart/mixed; boundary=b\n\n--b\n\
             Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n\
             {html}\r\n{html}\r\n--b--\n"
        );
        let elided = parse_elided(&raw).expect("a base64 cut that matches");
        let cut = text_cuts(&elided)[0];
        assert_eq!(
            cut.decoded.as_deref(),
            Some("<p>Café au lait</p>\n".repeat(24).as_bytes())
        );
        assert_eq!(&raw.as_bytes()[cut.raw_end..cut.raw_end + 2], b"\r\n");

        let single = format!("Subject: hi\nContent-Transfer-Encoding: quoted-printable\n\n{line}");
        let elided = parse_elided(&single).expect("a top-level cut");
        assert_eq!(
            text_cuts(&elided)[0].decoded.as_deref(),
            Some(expected.as_bytes())
        );

        let single =
            format!("Content-Type: text/html\nContent-Transfer-Encoding: base64\n\n{html}\n");
        let elided = parse_elided(&single).expect("a top-level base64 cut");
        assert_eq!(
            text_cuts(&elided)[0].decoded.as_deref(),
            Some("<p>Café au lait</p>\n".repeat(12).as_bytes())
        );
    }

    /// Where mail-parser ends each part of `raw` that starts at a cut's start, by start.
    fn parsed_ends(raw: &str) -> Vec<(usize, usize)> {
        let mail = mail_parser::MessageParser::new()
            .parse(raw.as_bytes())
            .expect("parses");
        let ends = mail.parts.iter().skip(usize::from(mail.parts.len() > 1));
        ends.map(|p| (p.offset_body as usize, p.offset_end as usize))
            .collect()
    }

    #[test]
    fn cuts_unencoded_text_bodies() {
        let line = "Plain text of a seller's message, long enough to cut out.\n".repeat(5);
        let crlf = line.replace('\n', "\r\n");
        let raw = format!(
            "Content-Type: multipart/alternative; boundary=b\n\n--b\n\
             Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n\
             {line}--b\r\nContent-Type: text/html\r\n\r\n{crlf}--b\n\
             Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: 8bit\n\n\
             {line}caf\u{e9} mid-line--b--\n"
        );
        let elided = parse_elided(&raw).expect("cuts that match");
        let cuts: Vec<_> = elided
            .regions
            .iter()
            .filter_map(|r| match &r.cut {
                Cut::Text(cut) => Some((r.original.start, cut)),
                _ => None,
            })
            .collect();
        assert_eq!(cuts.len(), 3);
        let ends = parsed_ends(&raw);
        for (start, cut) in cuts {
            assert_eq!(cut.encoding, Encoding::None);
            assert_eq!(cut.decoded, None);
            assert!(
                ends.contains(&(start, cut.raw_end)),
                "{start}..{}",
                cut.raw_end
            );
        }

        let single = format!("Subject: hi\nContent-Transfer-Encoding: 8bit\n\n{crlf}");
        let elided = parse_elided(&single).expect("a top-level cut");
        assert_eq!(text_cuts(&elided)[0].raw_end, single.len());
        // Declared twice, or not text: left to mail-parser.
        let twice = single.replace("Subject: hi", "Content-Transfer-Encoding: base64");
        assert!(elide_binary_bodies(twice.as_bytes(), None).is_none());
        let typed = single.replace("Subject: hi", "Content-Type: application/json");
        assert!(elide_binary_bodies(typed.as_bytes(), None).is_none());
    }

    fn unencoded_byte() -> impl proptest::strategy::Strategy<Value = u8> {
        proptest::prop_oneof![
            4 => proptest::sample::select(b"-\r\nb a".to_vec()),
            1 => proptest::arbitrary::any::<u8>(),
        ]
    }

    proptest::proptest! {
        #[test]
        fn unencoded_bodies_end_where_mail_parser_ends_them(
            body in proptest::collection::vec(unencoded_byte(), 0..64),
        ) {
            let head = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\
                Content-Type: text/plain\n\n";
            let raw = [head.as_slice(), &body, b"\n--b--\n"].concat();
            let mail = mail_parser::MessageParser::new().parse(&raw[..]).expect("parses");
            let part = &mail.parts[1];
            let rest = &raw[head.len()..];
            let delimiter = memchr::memmem::find(rest, b"--b").expect("a delimiter");
            let end = unencoded_body_end(rest, delimiter);
            proptest::prop_assert_eq!(head.len() + end, part.offset_end as usize);
            let expected = String::from_utf8_lossy(&rest[..end]);
            proptest::prop_assert_eq!(part.text_contents(), Some(expected.as_ref()));
        }
    }

    #[test]
    fn quoted_printable_cuts_that_could_hide_structure_are_refused() {
        let line = "plain text line that is long enough to be worth cutting out\n".repeat(6);
        // A boundary of the parse inside a cut body: the original parse may stop there.
        let nested = format!(
            "Content-Type: multipart/mixed; boundary=b\n\n--b\n\
             Content-Type: multipart/mixed; boundary=zz\n\npreamble\n--b\n\
             Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n\
             {line}--zz\n{line}\n--b--\n"
        );
        assert!(parse_elided(&nested).is_none());
        // The same with enough boundaries to search for all at once.
        let siblings: String = (1..=4)
            .map(|k| {
                format!(
                    "--b\nContent-Type: multipart/mixed; boundary=y{k}\n\n--y{k}\n\nhi\n--y{k}--\n"
                )
            })
            .collect();
        let many = nested.replacen("--b\n", &format!("{siblings}--b\n"), 1);
        assert!(parse_elided(&many).is_none());
        assert!(parse_elided(&many.replace("--zz\n", "zz\n")).is_some());
        // Twice declared: mail-parser and the scan could read different ones.
        let twice = format!(
            "Content-Type: multipart/mixed; boundary=b\n\n--b\n\
             Content-Type: text/plain\nContent-Type: multipart/mixed; boundary=c\n\
             Content-Transfer-Encoding: quoted-printable\n\n{line}\n--b--\n"
        );
        assert!(elide_binary_bodies(twice.as_bytes(), None).is_none());
        // `==` is where mail-parser gives up on the part: nothing to cut.
        let bad = format!(
            "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n{line}==\n"
        );
        assert!(elide_binary_bodies(bad.as_bytes(), None).is_none());
    }

    /// The header cuts found from detection's fields, for `raw` prepared as `ingest` does
    /// (and cut after `cut` line breaks, as a MIME bomb's cap cuts it); or None when detection
    /// finds no e-mail.
    #[allow(clippy::type_complexity)]
    fn header_cuts_both_ways(
        raw: &[u8],
        cut: usize,
    ) -> Option<(
        Option<(usize, Option<PartHeaders>)>,
        Vec<(Range<usize>, Cut)>,
        (usize, Option<PartHeaders>),
        Vec<(Range<usize>, Cut)>,
    )> {
        let found = super::super::detect::email_start(raw)?;
        let mut input = raw[found.start..].to_vec();
        if let Some(nl) = memchr::memchr_iter(b'\n', &input).nth(cut) {
            input.truncate(nl + 1);
        }
        if let Some(at) = found.missing_blank.filter(|&at| at <= input.len()) {
            input.insert(at, b'\n');
        }
        let ranges = |regions: Vec<Region>| -> Vec<(Range<usize>, Cut)> {
            regions.into_iter().map(|r| (r.original, r.cut)).collect()
        };
        let mut from_fields = Vec::new();
        let scanned = scanned_header_cuts(&input, &found.header, &mut from_fields);
        let mut from_lines = Vec::new();
        let walked = header_cuts(&input, &mut from_lines);
        Some((scanned, ranges(from_fields), walked, ranges(from_lines)))
    }

    #[test]
    fn fields_read_as_written_are_cut_and_handed_over() {
        let raw = "Received: from a\nDate: Mon,\n 1 Jan 2024\nFrom: A <a@b.example>\n\
                   Authentication-Results: mx; spf=pass\nX-Spam: yes\nList-Unsubscribe: <u>\n\
                   Subject: hi\nDATE: second\n\nbody\n";
        let elided = elide_binary_bodies(raw.as_bytes(), None).expect("headers to cut");
        let text = String::from_utf8(elided.bytes.clone()).expect("utf-8");
        assert_eq!(text, "From: A <a@b.example>\nSubject: hi\n\nbody\n");
        let elisions = elided.elisions(raw.as_bytes());
        let fields: Vec<_> = elisions
            .raw_headers()
            .map(|(kind, value)| (kind, String::from_utf8_lossy(value).into_owned()))
            .collect();
        let expected = [
            (RawHeader::Date, " Mon,\n 1 Jan 2024\n"),
            (RawHeader::AuthenticationResults, " mx; spf=pass\n"),
            (RawHeader::ListUnsubscribe, " <u>\n"),
            (RawHeader::Date, " second\n"),
        ];
        let expected: Vec<_> = expected.map(|(k, v)| (k, v.to_string())).into();
        assert_eq!(fields, expected);
        assert_eq!(elisions.received_cut(), 1);
        // A run that the scan leaves open (it stops at a space before a colon) is not cut:
        // mail-parser reads its fields.
        let stopped = "Date: a\nX-A : b\n\nbody\n";
        assert!(elide_binary_bodies(stopped.as_bytes(), None).is_none());
    }

    #[test]
    fn kept_headers_by_length_as_the_list() {
        for name in KEPT_HEADERS {
            assert!(is_kept_header(name));
            assert!(is_kept_header(&name.to_ascii_uppercase()));
        }
        for name in [
            &b"received"[..],
            b"x-mailer",
            b"dkim-signature",
            b"",
            &[b'x'; 100],
        ] {
            assert!(!is_kept_header(name));
            assert_eq!(raw_header(name), None);
        }
        for (name, kind) in RAW_HEADERS {
            assert!(!is_kept_header(name));
            assert_eq!(raw_header(&name.to_ascii_uppercase()), Some(*kind));
        }
        assert!(is_kept_header(b"Content-Whatever"));
    }

    #[test]
    fn header_cuts_from_fields_as_from_lines() {
        let raw = b"From x\nReceived: a\n b\nFrom: c\nX-A: 1\nX-B: 2\r\n\r\nbody\n";
        let (scanned, fields, walked, lines) = header_cuts_both_ways(raw, 99).expect("e-mail");
        assert_eq!(scanned, Some(walked));
        assert_eq!(fields.len(), 2);
        assert!(fields == lines);
        // A space before a colon ends the line scan.
        let spaced = b"Received: a\nX-A : 1\nFrom: c\n\nbody";
        let (scanned, fields, walked, lines) = header_cuts_both_ways(spaced, 99).expect("e-mail");
        assert_eq!(scanned, Some(walked));
        assert!(fields == lines && fields.is_empty());
    }

    fn header_line() -> impl proptest::strategy::Strategy<Value = &'static str> {
        proptest::sample::select(vec![
            "From: a@b.c\n",
            "Received: from x\n",
            "Received: by y\r\n",
            " folded\n",
            "\tfolded\r\n",
            "X-Spam : yes\n",
            "Subject: hi\n",
            "Content-Type: text/plain\n",
            "content-type: image/png\r\n",
            "Content-Transfer-Encoding: base64\n",
            "DKIM-Signature: v=1\n",
            "X-Mailer: m\n",
            "not a header\n",
            "Date: today",
            "Authentication-Results: a;\n",
            "List-Id: l\r\n",
            "\n",
            "\r\n",
            "\r",
            "--b\n",
            "body text\n",
        ])
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        #[test]
        fn header_cuts_from_fields_as_the_line_scan(
            lines in proptest::collection::vec(header_line(), 0..24),
            cut in 0usize..30,
        ) {
            let raw = lines.concat();
            if let Some((scanned, fields, walked, lines)) = header_cuts_both_ways(raw.as_bytes(), cut) {
                match scanned {
                    Some(scanned) => {
                        proptest::prop_assert_eq!(scanned, walked);
                        proptest::prop_assert!(fields == lines);
                    }
                    None => proptest::prop_assert!(fields.is_empty()),
                }
            }
        }
    }

    #[test]
    fn boundary_searches_that_find_nothing_stay_linear() {
        let mut raw = String::from("Content-Type: multipart/mixed; boundary=b\n\n");
        for i in 0..2000 {
            raw.push_str(&format!(
                "--a{i}\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nx\n"
            ));
        }
        raw.push_str(&"filler text without any delimiter\n".repeat(1_500_000));
        let start = std::time::Instant::now();
        let _ = elide_binary_bodies(raw.as_bytes(), None);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn dirty_or_unterminated_bodies_stay() {
        let image = "iVBORw0KGgo".repeat(40);
        for body in [format!("{image}\n{image}!\n--b--\n"), format!("{image}\n")] {
            let raw = format!(
                "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/png\n\
                 Content-Transfer-Encoding: base64\n\n{body}"
            );
            assert!(
                elide_binary_bodies(raw.as_bytes(), None).is_none(),
                "{body}"
            );
        }
    }
}
