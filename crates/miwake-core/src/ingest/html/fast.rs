//! A hand-written HTML tokenizer for the common subset of HTML, driving the [`Converter`] with
//! exactly the calls that html5gum's tokenizer and the `ConvertingEmitter` make. It jumps from
//! one `<` or `&` to the next with `memchr` instead of stepping through html5gum's per-byte
//! state machine.
//!
//! It follows html5gum 0.9's states for: text; start and end tags with double-quoted,
//! single-quoted, unquoted and missing attribute values (self-closing slashes, `=` starting an
//! attribute name, stray `<`/`"`/`'` in names); comments (`<!-->`, `<!--->`, `--!>`); doctypes,
//! `<!...>`, `<?...>` and `</...>` bogus comments (all end at the first `>`); the raw text,
//! RCDATA, script data and plain text states that `naive_next_state` switches to, with their
//! case-insensitive end tags; numeric character references; named ones from a small table
//! ([`super::entities`]), including the legacy names without `;` and their special rule in
//! attribute values; `\r` (html5gum reads it as `\n`: only whitespace here, and normalised in the
//! attribute values that are kept).
//!
//! Anything else makes [`convert`] give up, and the caller converts the whole document with
//! html5gum instead: a NUL byte, a `&name;` whose name is not in the table (in shown text or a
//! kept attribute value), `<!--` inside script data (html5gum's escaped script states). So the
//! result is always html5gum's.
//!
//! The converter's text is the same however the text is cut into chunks (its state changes only
//! at tags), so text goes to it as slices of the input between the bytes that matter.

use memchr::{memchr, memchr2, memmem};

use super::super::swar;

use super::{entities, Converter, Tag, TagAttributes, TagKind};

/// The document leaves the subset that this tokenizer handles exactly like html5gum.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Unsupported;

type Step<T> = Result<T, Unsupported>;

/// Converts `html` into `conv`; on `Err` the converter holds a partial result to throw away.
pub(super) fn convert(html: &str, conv: &mut Converter) -> Step<()> {
    if memchr(0, html.as_bytes()).is_some() {
        return Err(Unsupported);
    }
    FastTokenizer {
        html,
        pos: 0,
        conv,
        tag_name: Vec::new(),
        last_start_tag: Vec::new(),
        attributes: TagAttributes::default(),
        attributes_kept: false,
    }
    .run()
}

/// The tokenizer states between tokens (what `naive_next_state` can switch to).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Data,
    RcData,
    RawText,
    ScriptData,
    PlainText,
}

/// A character reference's replacement.
enum Decoded {
    Str(&'static str),
    Char(char),
}

impl Decoded {
    fn as_str<'b>(&self, buf: &'b mut [u8; 4]) -> &'b str {
        match *self {
            Decoded::Str(s) => s,
            Decoded::Char(c) => c.encode_utf8(buf),
        }
    }
}

struct FastTokenizer<'h, 'c> {
    html: &'h str,
    /// Where reading goes on; a byte offset at a character boundary.
    pos: usize,
    conv: &'c mut Converter,
    /// An upper-case tag name, lower-cased.
    tag_name: Vec<u8>,
    /// The start tag whose end tag ends the current raw text (html5gum's "last start tag").
    last_start_tag: Vec<u8>,
    attributes: TagAttributes,
    /// Whether `attributes` holds any value, to clear.
    attributes_kept: bool,
}

/// Byte classes, as flags in [`CLASS`]: which bytes end what in a tag.
const WHITESPACE: u8 = 1;
/// Ends a tag name: whitespace, `/`, `>`.
const TAG_NAME_END: u8 = 2;
/// Ends an attribute name: whitespace, `/`, `>`, `=`.
const ATTRIBUTE_NAME_END: u8 = 4;
/// Ends an unquoted attribute value: whitespace, `>`.
const UNQUOTED_VALUE_END: u8 = 8;
const UPPER_CASE: u8 = 16;

static CLASS: [u8; 256] = byte_classes();

const fn byte_classes() -> [u8; 256] {
    let mut classes = [0; 256];
    // `\r` is read as `\n` by html5gum.
    let whitespace = [b'\t', b'\n', b'\x0c', b' ', b'\r'];
    let mut i = 0;
    while i < whitespace.len() {
        classes[whitespace[i] as usize] =
            WHITESPACE | TAG_NAME_END | ATTRIBUTE_NAME_END | UNQUOTED_VALUE_END;
        i += 1;
    }
    classes[b'/' as usize] = TAG_NAME_END | ATTRIBUTE_NAME_END;
    classes[b'>' as usize] = TAG_NAME_END | ATTRIBUTE_NAME_END | UNQUOTED_VALUE_END;
    classes[b'=' as usize] = ATTRIBUTE_NAME_END;
    let mut upper = b'A';
    while upper <= b'Z' {
        classes[upper as usize] = UPPER_CASE;
        upper += 1;
    }
    classes
}

fn is(class: u8, b: u8) -> bool {
    CLASS[usize::from(b)] & class != 0
}

/// The length of the run of bytes at the start of `bytes` that are not in `class`, if one is.
fn len_until(bytes: &[u8], class: u8) -> Option<usize> {
    bytes.iter().position(|&b| is(class, b))
}

/// `len_until(bytes, ATTRIBUTE_NAME_END)`, eight bytes at a time: names are mostly letters,
/// and every byte that ends one is below `A`, so only those are checked one by one.
fn attribute_name_len(bytes: &[u8]) -> Option<usize> {
    let mut offset = 0;
    while let Some(x) = swar::load(bytes, offset) {
        let mut candidates = swar::below(x, b'A');
        while candidates != 0 {
            let at = offset + swar::first(candidates);
            if bytes.get(at).is_some_and(|&b| is(ATTRIBUTE_NAME_END, b)) {
                return Some(at);
            }
            candidates &= candidates - 1;
        }
        offset += 8;
    }
    let rest = bytes.get(offset..)?;
    len_until(rest, ATTRIBUTE_NAME_END).map(|at| offset + at)
}

#[inline(always)]
fn skip_whitespace(bytes: &[u8], mut p: usize) -> usize {
    while let Some(&b) = bytes.get(p) {
        if !is(WHITESPACE, b) {
            break;
        }
        p += 1;
    }
    p
}

/// The end of the ASCII whitespace that starts at `at`: the first two bytes one by one (most
/// runs are shorter), then eight at a time.
#[inline(always)]
fn whitespace_end(bytes: &[u8], at: usize) -> usize {
    if !bytes.get(at).is_some_and(|&b| is(WHITESPACE, b)) {
        return at;
    }
    if !bytes.get(at + 1).is_some_and(|&b| is(WHITESPACE, b)) {
        return at + 1;
    }
    let mut p = at + 2;
    while let Some(x) = swar::load(bytes, p) {
        let others = swar::others(swar::ascii_whitespace(x));
        if others != 0 {
            return p + swar::first(others);
        }
        p += 8;
    }
    skip_whitespace(bytes, p)
}

/// The attribute whose name starts at `start` (its first byte may be `=`): its name, its raw
/// value (empty if it has none) and where the before-attribute-name state goes on; `None` if
/// the input ends first.
fn attribute(bytes: &[u8], start: usize) -> Option<(&[u8], &[u8], usize)> {
    let name_end = start + 1 + attribute_name_len(bytes.get(start + 1..)?)?;
    let name = bytes.get(start..name_end)?;
    let mut p = name_end;
    if *bytes.get(p)? != b'=' {
        p = skip_whitespace(bytes, p);
        // `/`, `>` or the next attribute: the before-attribute-name state handles them.
        if *bytes.get(p)? != b'=' {
            return Some((name, b"", p));
        }
    }
    p += 1;
    let mut first = *bytes.get(p)?;
    if is(WHITESPACE, first) {
        p = skip_whitespace(bytes, p);
        first = *bytes.get(p)?;
    }
    let (value, next) = match first {
        b'>' => (&b""[..], p),
        quote @ (b'"' | b'\'') => {
            let rest = bytes.get(p + 1..)?;
            let len = swar::find(quote, rest)?;
            (rest.get(..len)?, p + 1 + len + 1)
        }
        _ => {
            let rest = bytes.get(p..)?;
            let len = len_until(rest, UNQUOTED_VALUE_END)?;
            (rest.get(..len)?, p + len)
        }
    };
    Some((name, value, next))
}

impl<'h> FastTokenizer<'h, '_> {
    fn bytes(&self) -> &'h [u8] {
        self.html.as_bytes()
    }

    fn at(&self, pos: usize) -> Option<u8> {
        self.bytes().get(pos).copied()
    }

    fn rest(&self) -> &'h [u8] {
        self.bytes().get(self.pos..).unwrap_or_default()
    }

    fn end(&mut self) {
        self.pos = self.html.len();
    }

    fn run(mut self) -> Step<()> {
        let mut mode = Mode::Data;
        while self.pos < self.html.len() {
            mode = match mode {
                Mode::Data => self.data()?,
                Mode::RcData => self.raw_text(true, false)?,
                Mode::RawText => self.raw_text(false, false)?,
                Mode::ScriptData => self.raw_text(false, true)?,
                Mode::PlainText => {
                    self.text_to(self.html.len())?;
                    Mode::PlainText
                }
            };
        }
        Ok(())
    }

    /// Hands the input from `pos` to `end` to the converter as text (if it shows text), and
    /// moves on to `end`.
    fn text_to(&mut self, end: usize) -> Step<()> {
        if self.conv.shows_text() && end > self.pos {
            let text = self.html.get(self.pos..end).ok_or(Unsupported)?;
            self.conv.text(text);
        }
        self.pos = end;
        Ok(())
    }

    fn literal_text(&mut self, text: &str) {
        if self.conv.shows_text() {
            self.conv.text(text);
        }
    }

    /// Hands over the text up to the next `<`, or `&` where references are decoded in shown
    /// text, and stops there; `false` when the input ended first (all of it handed over).
    fn text_to_markup(&mut self, decode_references: bool) -> Step<bool> {
        let found = if decode_references && self.conv.shows_text() {
            swar::find2(b'<', b'&', self.rest())
        } else {
            swar::find(b'<', self.rest())
        };
        let Some(offset) = found else {
            self.text_to(self.html.len())?;
            return Ok(false);
        };
        self.text_to(self.pos + offset)?;
        Ok(true)
    }

    /// The data state up to the next tag-like construct, which it reads; returns the next state.
    fn data(&mut self) -> Step<Mode> {
        loop {
            self.whitespace_text();
            if self.at(self.pos) == Some(b'<') {
                return self.tag_open();
            }
            if !self.text_to_markup(true)? {
                return Ok(Mode::Data);
            }
            if self.at(self.pos) == Some(b'&') {
                self.text_character_reference()?;
            } else {
                return self.tag_open();
            }
        }
    }

    /// Reads the ASCII whitespace at `pos` as text: between tags, text is mostly nothing, a line
    /// break, or a line break and indentation, which the converter reads as one space.
    #[inline(always)]
    fn whitespace_text(&mut self) {
        let end = whitespace_end(self.bytes(), self.pos);
        if end > self.pos {
            if self.conv.shows_text() {
                self.conv.space();
            }
            self.pos = end;
        }
    }

    /// At `&` in shown text: writes the reference's replacement, or the `&` if it is none.
    fn text_character_reference(&mut self) -> Step<()> {
        let after = self.pos + 1;
        let rest = self.bytes().get(after..).unwrap_or_default();
        match character_reference(rest, false)? {
            Some((decoded, len)) => {
                let mut buf = [0; 4];
                self.conv.text(decoded.as_str(&mut buf));
                self.pos = after + len;
            }
            None => {
                self.literal_text("&");
                self.pos = after;
            }
        }
        Ok(())
    }

    /// At `<` in the data state.
    fn tag_open(&mut self) -> Step<Mode> {
        let lt = self.pos;
        match self.at(lt + 1) {
            None => {
                self.literal_text("<");
                self.end();
            }
            Some(b'!') => self.markup_declaration(lt + 2),
            Some(b'/') => return self.end_tag_open(lt + 2),
            Some(b) if b.is_ascii_alphabetic() => return self.tag(lt + 1, TagKind::Start),
            Some(b'?') => self.skip_past_gt(lt + 1),
            Some(_) => {
                self.literal_text("<");
                self.pos = lt + 1;
            }
        }
        Ok(Mode::Data)
    }

    /// After `</` in the data state.
    fn end_tag_open(&mut self, at: usize) -> Step<Mode> {
        match self.at(at) {
            None => {
                self.literal_text("</");
                self.end();
            }
            Some(b) if b.is_ascii_alphabetic() => return self.tag(at, TagKind::End),
            Some(b'>') => self.pos = at + 1,
            Some(_) => self.skip_past_gt(at),
        }
        Ok(Mode::Data)
    }

    /// After `<!`: a comment, or a doctype or bogus comment that the first `>` ends.
    fn markup_declaration(&mut self, at: usize) {
        let rest = self.bytes().get(at..).unwrap_or_default();
        if rest.starts_with(b"--") {
            self.pos = at + 2 + comment_len(rest.get(2..).unwrap_or_default());
        } else {
            self.skip_past_gt(at);
        }
    }

    fn skip_past_gt(&mut self, from: usize) {
        let rest = self.bytes().get(from..).unwrap_or_default();
        match memchr(b'>', rest) {
            Some(gt) => self.pos = from + gt + 1,
            None => self.end(),
        }
    }

    /// A tag whose name starts at `name_start`: reads it to its `>` and hands it to the
    /// converter. A tag that the input ends in is dropped, as html5gum does.
    fn tag(&mut self, name_start: usize, kind: TagKind) -> Step<Mode> {
        let rest = self.bytes().get(name_start..).unwrap_or_default();
        let mut classes = 0;
        let Some(name_len) = rest.iter().position(|&b| {
            let class = CLASS[usize::from(b)];
            classes |= class;
            class & TAG_NAME_END != 0
        }) else {
            self.end();
            return Ok(Mode::Data);
        };
        let name = rest.get(..name_len).unwrap_or_default();
        self.pos = name_start + name_len;
        if classes & UPPER_CASE != 0 {
            let mut lower = std::mem::take(&mut self.tag_name);
            lower.clear();
            lower.extend(name.iter().map(u8::to_ascii_lowercase));
            let mode = self.finish_tag(kind, &lower);
            self.tag_name = lower;
            mode
        } else {
            self.finish_tag(kind, name)
        }
    }

    /// Reads the attributes after the tag name, then emits the tag.
    fn finish_tag(&mut self, kind: TagKind, name: &[u8]) -> Step<Mode> {
        if self.attributes_kept {
            self.attributes.clear();
            self.attributes_kept = false;
        }
        if !self.attributes(kind)? {
            self.end();
            return Ok(Mode::Data);
        }
        match kind {
            TagKind::Start => {
                let tag = Tag::of(name);
                self.conv.start_tag(tag, &self.attributes);
                let mode = mode_after(tag);
                if mode != Mode::Data {
                    self.last_start_tag.clear();
                    self.last_start_tag.extend_from_slice(name);
                }
                Ok(mode)
            }
            TagKind::End => {
                self.conv.end_tag(Tag::of(name));
                Ok(Mode::Data)
            }
        }
    }

    /// The before-attribute-name state from `pos` up to and past the `>` that ends the tag;
    /// false if the input ends first.
    fn attributes(&mut self, kind: TagKind) -> Step<bool> {
        let bytes = self.bytes();
        let mut p = self.pos;
        loop {
            p = skip_whitespace(bytes, p);
            match bytes.get(p) {
                None => return Ok(false),
                Some(b'>') => {
                    self.pos = p + 1;
                    return Ok(true);
                }
                // The self-closing start tag state: anything but `>` is read again as above.
                Some(b'/') => match bytes.get(p + 1) {
                    None => return Ok(false),
                    Some(b'>') => {
                        self.pos = p + 2;
                        return Ok(true);
                    }
                    Some(_) => p += 1,
                },
                Some(_) => match attribute(bytes, p) {
                    Some((name, value, next)) => {
                        self.keep_attribute(kind, name, value)?;
                        p = next;
                    }
                    None => return Ok(false),
                },
            }
        }
    }

    /// Keeps the value of an attribute that the converter reads, like the `ConvertingEmitter`:
    /// only on start tags, and only the first of a name.
    fn keep_attribute(&mut self, kind: TagKind, name: &[u8], raw_value: &[u8]) -> Step<()> {
        if kind != TagKind::Start {
            return Ok(());
        }
        let slot = match name.len() {
            4 if name.eq_ignore_ascii_case(b"href") => &mut self.attributes.href,
            3 if name.eq_ignore_ascii_case(b"alt") => &mut self.attributes.alt,
            6 if name.eq_ignore_ascii_case(b"action") => &mut self.attributes.action,
            _ => return Ok(()),
        };
        if slot.is_none() {
            *slot = Some(attribute_value(raw_value)?);
            self.attributes_kept = true;
        }
        Ok(())
    }

    /// The raw text (`decode_references`: RCDATA) or script data state, up to its end tag,
    /// which it reads; returns the next state.
    fn raw_text(&mut self, decode_references: bool, script: bool) -> Step<Mode> {
        loop {
            if !self.text_to_markup(decode_references)? {
                return Ok(Mode::Data);
            }
            let lt = self.pos;
            if self.at(lt) == Some(b'&') {
                self.text_character_reference()?;
                continue;
            }
            match self.at(lt + 1) {
                Some(b'/') => {
                    if let Some(mode) = self.raw_text_end_tag(lt + 2)? {
                        return Ok(mode);
                    }
                }
                Some(b'!') if script && self.rest().starts_with(b"<!--") => {
                    return Err(Unsupported)
                }
                _ => self.text_to(lt + 1)?,
            }
        }
    }

    /// After `</` in raw text: the end tag if it is the appropriate one (`None` when it is
    /// text, which it then writes).
    fn raw_text_end_tag(&mut self, name_start: usize) -> Step<Option<Mode>> {
        let rest = self.bytes().get(name_start..).unwrap_or_default();
        let name_len = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let appropriate = rest
            .get(..name_len)
            .is_some_and(|name| name.eq_ignore_ascii_case(&self.last_start_tag))
            && rest.get(name_len).is_some_and(|&b| is(TAG_NAME_END, b));
        if !appropriate {
            self.text_to(name_start + name_len)?;
            return Ok(None);
        }
        self.pos = name_start + name_len;
        let name = std::mem::take(&mut self.last_start_tag);
        let mode = self.finish_tag(TagKind::End, &name);
        self.last_start_tag = name;
        mode.map(Some)
    }
}

/// The state that the tokenizer goes on in after a start tag, as html5gum's
/// `naive_next_state` says (which has `noframe` for `noframes`).
fn mode_after(name: Tag) -> Mode {
    match name {
        Tag::Textarea | Tag::Title => Mode::RcData,
        Tag::Plaintext => Mode::PlainText,
        Tag::Script => Mode::ScriptData,
        Tag::Style | Tag::Iframe | Tag::Xmp | Tag::Noembed | Tag::Noframe | Tag::Noscript => {
            Mode::RawText
        }
        _ => Mode::Data,
    }
}

/// The length of a comment's rest after `<!--`, up to and including what ends it: `>` or
/// `->` right at the start, else the first `-->` or `--!>`; all of `rest` if none.
fn comment_len(rest: &[u8]) -> usize {
    if rest.starts_with(b">") {
        return 1;
    }
    if rest.starts_with(b"->") {
        return 2;
    }
    let mut from = 0;
    while let Some(found) = memmem::find(rest.get(from..).unwrap_or_default(), b"--") {
        let dashes = from + found;
        match rest.get(dashes + 2) {
            Some(b'>') => return dashes + 3,
            Some(b'!') if rest.get(dashes + 3) == Some(&b'>') => return dashes + 4,
            _ => from = dashes + 1,
        }
    }
    rest.len()
}

/// An attribute value as html5gum hands it over: character references decoded, `\r\n` and
/// `\r` read as `\n`.
fn attribute_value(raw: &[u8]) -> Step<Vec<u8>> {
    let mut value = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(found) = memchr2(b'&', b'\r', raw.get(i..).unwrap_or_default()) {
        value.extend_from_slice(raw.get(i..i + found).unwrap_or_default());
        i += found;
        if raw.get(i) == Some(&b'\r') {
            value.push(b'\n');
            i += if raw.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            continue;
        }
        i += 1;
        match character_reference(raw.get(i..).unwrap_or_default(), true)? {
            Some((decoded, len)) => {
                let mut buf = [0; 4];
                value.extend_from_slice(decoded.as_str(&mut buf).as_bytes());
                i += len;
            }
            None => value.push(b'&'),
        }
    }
    value.extend_from_slice(raw.get(i..).unwrap_or_default());
    Ok(value)
}

/// The character reference that `rest` (what follows a `&`) starts with: its replacement and
/// its length; `None` when the `&` is plain text. `Err` for a name that the table lacks.
fn character_reference(rest: &[u8], in_attribute: bool) -> Step<Option<(Decoded, usize)>> {
    match rest.first() {
        Some(b'#') => Ok(numeric_reference(rest.get(1..).unwrap_or_default())
            .map(|(c, len)| (Decoded::Char(c), len + 1))),
        Some(b) if b.is_ascii_alphanumeric() => named_reference(rest, in_attribute),
        _ => Ok(None),
    }
}

/// A named reference: the longest name that matches, which is either the whole alphanumeric
/// run with its `;` or a legacy name that the run starts with. In an attribute value, a legacy
/// name followed by `=` or an alphanumeric character stays text.
fn named_reference(rest: &[u8], in_attribute: bool) -> Step<Option<(Decoded, usize)>> {
    let run = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    // html5gum only looks names up from two alphanumeric characters on; every name has two.
    if run < 2 {
        return Ok(None);
    }
    if rest.get(run) == Some(&b';') {
        let with_semicolon = rest.get(..=run).unwrap_or_default();
        return match entities::lookup(with_semicolon) {
            Some(value) => Ok(Some((Decoded::Str(value), run + 1))),
            None => Err(Unsupported),
        };
    }
    let Some((len, value)) = entities::longest_legacy_prefix(rest.get(..run).unwrap_or_default())
    else {
        return Ok(None);
    };
    let next = rest.get(len).copied();
    if in_attribute && next.is_some_and(|b| b == b'=' || b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    Ok(Some((Decoded::Str(value), len)))
}

/// A numeric reference after `&#`: its character and length; `None` without digits.
fn numeric_reference(rest: &[u8]) -> Option<(char, usize)> {
    let (radix, prefix) = match rest.first() {
        Some(b'x' | b'X') => (16, 1),
        _ => (10, 0),
    };
    let digits = rest.get(prefix..).unwrap_or_default();
    let count = digits
        .iter()
        .take_while(|b| (**b as char).is_digit(radix))
        .count();
    if count == 0 {
        return None;
    }
    let code = digits.iter().take(count).fold(0u32, |code, &b| {
        let digit = (b as char).to_digit(radix).unwrap_or_default();
        code.checked_mul(radix)
            .and_then(|c| c.checked_add(digit))
            .unwrap_or(0x11_0000)
    });
    let semicolon = usize::from(digits.get(count) == Some(&b';'));
    Some((numeric_character(code), prefix + count + semicolon))
}

/// The character that html5gum makes of a numeric reference's code point.
fn numeric_character(code: u32) -> char {
    const REPLACEMENT: char = '\u{fffd}';
    let code = match code {
        0x80..=0x9f => c1_replacement(code).unwrap_or(code),
        _ => code,
    };
    match code {
        0 => REPLACEMENT,
        _ => char::from_u32(code).unwrap_or(REPLACEMENT),
    }
}

/// The Windows-1252 character that a C1 control's numeric reference stands for.
fn c1_replacement(code: u32) -> Option<u32> {
    Some(match code {
        0x80 => 0x20AC,
        0x82 => 0x201A,
        0x83 => 0x0192,
        0x84 => 0x201E,
        0x85 => 0x2026,
        0x86 => 0x2020,
        0x87 => 0x2021,
        0x88 => 0x02C6,
        0x89 => 0x2030,
        0x8A => 0x0160,
        0x8B => 0x2039,
        0x8C => 0x0152,
        0x8E => 0x017D,
        0x91 => 0x2018,
        0x92 => 0x2019,
        0x93 => 0x201C,
        0x94 => 0x201D,
        0x95 => 0x2022,
        0x96 => 0x2013,
        0x97 => 0x2014,
        0x98 => 0x02DC,
        0x99 => 0x2122,
        0x9A => 0x0161,
        0x9B => 0x203A,
        0x9C => 0x0153,
        0x9E => 0x017E,
        0x9F => 0x0178,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
