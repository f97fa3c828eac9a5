//! HTML to readable text, keeping every `<a href>` / `<form action>` as a [`Link`].

use std::convert::Infallible;

use html5gum::{naive_next_state, Emitter, Error, State, Tokenizer};

use super::swar;
use crate::message::{Link, LinkOrigin, Span};

mod entities;
mod fast;

/// The readable text of an HTML part and its links; link spans point into `text`.
pub(super) struct HtmlText {
    pub text: String,
    pub links: Vec<Link>,
    /// The text hit `max_text` and stopped growing.
    pub truncated: bool,
}

/// The tag names that the converter or the tokenizer treats specially, and all others.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    A,
    Address,
    Area,
    Article,
    Base,
    Basefont,
    Bgsound,
    Blockquote,
    Body,
    Br,
    Caption,
    Center,
    Dd,
    Div,
    Dl,
    Dt,
    Fieldset,
    Footer,
    Form,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
    Head,
    Header,
    Hr,
    Html,
    Iframe,
    Img,
    Li,
    Link,
    Meta,
    Noembed,
    Noframe,
    Noframes,
    Noscript,
    Ol,
    P,
    Plaintext,
    Pre,
    Script,
    Section,
    Style,
    Table,
    Td,
    Template,
    Textarea,
    Th,
    Title,
    Tr,
    Ul,
    Xmp,
    Other,
}

impl Tag {
    /// The tag of a lower-case name. Matching fixed-size arrays by length compiles to a few
    /// byte comparisons, where matching slices compares whole strings one after the other.
    fn of(name: &[u8]) -> Tag {
        match name.len() {
            1 => match <&[u8; 1]>::try_from(name) {
                Ok(name) => match name {
                    b"a" => Tag::A,
                    b"p" => Tag::P,
                    _ => Tag::Other,
                },
                Err(_) => Tag::Other,
            },
            2 => match <&[u8; 2]>::try_from(name) {
                Ok(name) => match name {
                    b"br" => Tag::Br,
                    b"dd" => Tag::Dd,
                    b"dl" => Tag::Dl,
                    b"dt" => Tag::Dt,
                    b"h1" => Tag::H1,
                    b"h2" => Tag::H2,
                    b"h3" => Tag::H3,
                    b"h4" => Tag::H4,
                    b"h5" => Tag::H5,
                    b"h6" => Tag::H6,
                    b"hr" => Tag::Hr,
                    b"li" => Tag::Li,
                    b"ol" => Tag::Ol,
                    b"td" => Tag::Td,
                    b"th" => Tag::Th,
                    b"tr" => Tag::Tr,
                    b"ul" => Tag::Ul,
                    _ => Tag::Other,
                },
                Err(_) => Tag::Other,
            },
            3 => match <&[u8; 3]>::try_from(name) {
                Ok(name) => match name {
                    b"div" => Tag::Div,
                    b"img" => Tag::Img,
                    b"pre" => Tag::Pre,
                    b"xmp" => Tag::Xmp,
                    _ => Tag::Other,
                },
                Err(_) => Tag::Other,
            },
            4 => match <&[u8; 4]>::try_from(name) {
                Ok(name) => match name {
                    b"area" => Tag::Area,
                    b"base" => Tag::Base,
                    b"body" => Tag::Body,
                    b"form" => Tag::Form,
                    b"head" => Tag::Head,
                    b"html" => Tag::Html,
                    b"link" => Tag::Link,
                    b"meta" => Tag::Meta,
                    _ => Tag::Other,
                },
                Err(_) => Tag::Other,
            },
            5 => match <&[u8; 5]>::try_from(name) {
                Ok(name) => match name {
                    b"style" => Tag::Style,
                    b"table" => Tag::Table,
                    b"title" => Tag::Title,
                    _ => Tag::Other,
                },
                Err(_) => Tag::Other,
            },
            6 => match <&[u8; 6]>::try_from(name) {
                Ok(name) => match name {
                    b"center" => Tag::Center,
                    b"footer" => Tag::Footer,
                    b"header" => Tag::Header,
                    b"iframe" => Tag::Iframe,
                    b"script" => Tag::Script,
                    _ => Tag::Other,
                },
                Err(_) => Tag::Other,
            },
            7 => match <&[u8; 7]>::try_from(name) {
                Ok(name) => match name {
                    b"address" => Tag::Address,
                    b"article" => Tag::Article,
                    b"bgsound" => Tag::Bgsound,
                    b"caption" => Tag::Caption,
                    b"noembed" => Tag::Noembed,
                    b"noframe" => Tag::Noframe,
                    b"section" => Tag::Section,
                    _ => Tag::Other,
                },
                Err(_) => Tag::Other,
            },
            8 => match <&[u8; 8]>::try_from(name) {
                Ok(name) => match name {
                    b"basefont" => Tag::Basefont,
                    b"fieldset" => Tag::Fieldset,
                    b"noframes" => Tag::Noframes,
                    b"noscript" => Tag::Noscript,
                    b"template" => Tag::Template,
                    b"textarea" => Tag::Textarea,
                    _ => Tag::Other,
                },
                Err(_) => Tag::Other,
            },
            9 => match <&[u8; 9]>::try_from(name) {
                Ok(name) => match name {
                    b"plaintext" => Tag::Plaintext,
                    _ => Tag::Other,
                },
                Err(_) => Tag::Other,
            },
            10 => match <&[u8; 10]>::try_from(name) {
                Ok(name) => match name {
                    b"blockquote" => Tag::Blockquote,
                    _ => Tag::Other,
                },
                Err(_) => Tag::Other,
            },
            _ => Tag::Other,
        }
    }
}

/// The elements whose content is never shown (raw text as far as the tokenizer goes), as the
/// name that the converter waits for in the end tag.
fn is_hidden_element(name: Tag) -> bool {
    matches!(
        name,
        Tag::Script
            | Tag::Style
            | Tag::Title
            | Tag::Noscript
            | Tag::Iframe
            | Tag::Noembed
            | Tag::Noframes
    )
}

/// Elements that may appear in `<head>` without ending it.
fn is_head_content(name: Tag) -> bool {
    matches!(
        name,
        Tag::Html
            | Tag::Head
            | Tag::Meta
            | Tag::Link
            | Tag::Title
            | Tag::Style
            | Tag::Script
            | Tag::Base
            | Tag::Noscript
            | Tag::Template
            | Tag::Basefont
            | Tag::Bgsound
    )
}

fn is_block(name: Tag) -> bool {
    matches!(
        name,
        Tag::P
            | Tag::Div
            | Tag::Tr
            | Tag::Li
            | Tag::H1
            | Tag::H2
            | Tag::H3
            | Tag::H4
            | Tag::H5
            | Tag::H6
            | Tag::Table
            | Tag::Ul
            | Tag::Ol
            | Tag::Dl
            | Tag::Dt
            | Tag::Dd
            | Tag::Blockquote
            | Tag::Pre
            | Tag::Hr
            | Tag::Center
            | Tag::Section
            | Tag::Article
            | Tag::Header
            | Tag::Footer
            | Tag::Address
            | Tag::Form
            | Tag::Fieldset
            | Tag::Body
            | Tag::Caption
    )
}

/// Converts HTML to text; the text stops growing at `max_text` bytes, links at `max_links`.
///
/// The fast tokenizer handles nearly every document; the rest goes through html5gum, with the
/// same result the fast one would have had where it applies.
// Kept out of line: profiles then show what HTML conversion costs.
#[inline(never)]
pub(super) fn html_to_text(html: &str, max_text: usize, max_links: usize) -> HtmlText {
    let mut conv = Converter::new(max_text, max_links);
    if fast::convert(html, &mut conv).is_err() {
        conv = Converter::new(max_text, max_links);
        convert_with_html5gum(html, &mut conv);
    }
    conv.finish()
}

fn convert_with_html5gum(html: &str, conv: &mut Converter) {
    let emitter = ConvertingEmitter::new(conv);
    // Reading a `&str` cannot fail: the error type is `Infallible`.
    let Ok(()) = Tokenizer::new_with_emitter(html, emitter).finish();
}

/// The attributes the converter reads; the first occurrence of a name wins, as in a browser.
#[derive(Default)]
struct TagAttributes {
    href: Option<Vec<u8>>,
    alt: Option<Vec<u8>>,
    action: Option<Vec<u8>>,
}

impl TagAttributes {
    fn slot(&mut self, name: &[u8]) -> Option<&mut Option<Vec<u8>>> {
        match name {
            b"href" => Some(&mut self.href),
            b"alt" => Some(&mut self.alt),
            b"action" => Some(&mut self.action),
            _ => None,
        }
    }

    fn clear(&mut self) {
        self.href = None;
        self.alt = None;
        self.action = None;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Start,
    End,
}

/// Feeds tokens straight into the converter: no token allocations, errors ignored, and only
/// the values of the attributes the converter reads are kept.
///
/// Text is handed over at the same points as html5gum's callback emitter flushes it (before a
/// tag, comment or doctype, and at the end); tag names drive the same naive state switches.
struct ConvertingEmitter<'c> {
    conv: &'c mut Converter,
    text: Vec<u8>,
    tag_kind: Option<TagKind>,
    tag_name: Vec<u8>,
    last_start_tag: Vec<u8>,
    attributes: TagAttributes,
    attribute_name: Vec<u8>,
    attribute_value: Vec<u8>,
}

impl<'c> ConvertingEmitter<'c> {
    fn new(conv: &'c mut Converter) -> Self {
        ConvertingEmitter {
            conv,
            text: Vec::new(),
            tag_kind: None,
            tag_name: Vec::new(),
            last_start_tag: Vec::new(),
            attributes: TagAttributes::default(),
            attribute_name: Vec::new(),
            attribute_value: Vec::new(),
        }
    }

    fn flush_text(&mut self) {
        if self.text.is_empty() {
            return;
        }
        match std::str::from_utf8(&self.text) {
            Ok(text) => self.conv.string(text),
            Err(_) => self.conv.string(&String::from_utf8_lossy(&self.text)),
        }
        self.text.clear();
    }

    /// Only start tags' attributes are read; values are kept only for names the converter reads.
    fn attribute_wanted(&mut self) -> bool {
        self.tag_kind == Some(TagKind::Start)
            && self.attributes.slot(&self.attribute_name).is_some()
    }

    fn finish_attribute(&mut self) {
        if self.tag_kind == Some(TagKind::Start) {
            if let Some(slot @ None) = self.attributes.slot(&self.attribute_name) {
                *slot = Some(std::mem::take(&mut self.attribute_value));
            }
        }
        self.attribute_name.clear();
        self.attribute_value.clear();
    }
}

impl Emitter for ConvertingEmitter<'_> {
    type Token = Infallible;

    fn should_emit_errors(&mut self) -> bool {
        false
    }

    fn set_last_start_tag(&mut self, last_start_tag: Option<&[u8]>) {
        self.last_start_tag.clear();
        self.last_start_tag
            .extend_from_slice(last_start_tag.unwrap_or_default());
    }

    fn emit_eof(&mut self) {
        self.flush_text();
    }

    fn emit_error(&mut self, _error: Error) {}

    fn pop_token(&mut self) -> Option<Infallible> {
        None
    }

    /// Text goes straight to the converter; only a chunk that ends inside a character (the
    /// tokenizer reconsumes single bytes) is buffered with what follows until the next flush.
    /// Both give the same text, as the converter's state changes only at tags.
    fn emit_string(&mut self, s: &[u8]) {
        if !self.conv.shows_text() {
            return;
        }
        if self.text.is_empty() {
            if let Ok(s) = std::str::from_utf8(s) {
                self.conv.text(s);
                return;
            }
        }
        self.text.extend_from_slice(s);
    }

    fn init_start_tag(&mut self) {
        self.tag_name.clear();
        self.tag_kind = Some(TagKind::Start);
        self.attributes.clear();
    }

    fn init_end_tag(&mut self) {
        self.tag_name.clear();
        self.tag_kind = Some(TagKind::End);
        self.attributes.clear();
    }

    fn init_comment(&mut self) {
        self.flush_text();
    }

    fn emit_current_tag(&mut self) -> Option<State> {
        self.finish_attribute();
        self.flush_text();
        match self.tag_kind {
            Some(TagKind::Start) => {
                if !self.tag_name.is_empty() {
                    self.last_start_tag.clear();
                    self.last_start_tag.extend_from_slice(&self.tag_name);
                }
                self.conv
                    .start_tag(Tag::of(&self.tag_name), &self.attributes);
            }
            Some(TagKind::End) => {
                self.last_start_tag.clear();
                self.conv.end_tag(Tag::of(&self.tag_name));
            }
            None => {}
        }
        naive_next_state(&self.last_start_tag)
    }

    fn emit_current_comment(&mut self) {}

    fn emit_current_doctype(&mut self) {}

    fn set_self_closing(&mut self) {}

    fn set_force_quirks(&mut self) {}

    fn push_tag_name(&mut self, s: &[u8]) {
        self.tag_name.extend_from_slice(s);
    }

    fn push_comment(&mut self, _s: &[u8]) {}

    fn push_doctype_name(&mut self, _s: &[u8]) {}

    fn init_doctype(&mut self) {
        self.flush_text();
    }

    fn init_attribute(&mut self) {
        self.finish_attribute();
    }

    fn push_attribute_name(&mut self, s: &[u8]) {
        self.attribute_name.extend_from_slice(s);
    }

    fn push_attribute_value(&mut self, s: &[u8]) {
        if self.attribute_wanted() {
            self.attribute_value.extend_from_slice(s);
        }
    }

    fn set_doctype_public_identifier(&mut self, _value: &[u8]) {}

    fn set_doctype_system_identifier(&mut self, _value: &[u8]) {}

    fn push_doctype_public_identifier(&mut self, _s: &[u8]) {}

    fn push_doctype_system_identifier(&mut self, _s: &[u8]) {}

    fn current_is_appropriate_end_tag_token(&mut self) -> bool {
        self.tag_kind == Some(TagKind::End)
            && !self.last_start_tag.is_empty()
            && self.last_start_tag == self.tag_name
    }
}

struct Anchor {
    href: String,
    start: usize,
    has_text: bool,
    alts: String,
}

struct Converter {
    out: String,
    links: Vec<Link>,
    max_text: usize,
    max_links: usize,
    truncated: bool,
    pending_space: bool,
    hidden: Option<Tag>,
    in_head: bool,
    anchor: Option<Anchor>,
}

impl Converter {
    fn new(max_text: usize, max_links: usize) -> Self {
        Converter {
            out: String::new(),
            links: Vec::new(),
            max_text,
            max_links,
            truncated: false,
            pending_space: false,
            hidden: None,
            in_head: false,
            anchor: None,
        }
    }

    /// Ends the open anchor, if any, and hands over the result.
    fn finish(mut self) -> HtmlText {
        self.close_anchor();
        HtmlText {
            text: self.out,
            links: self.links,
            truncated: self.truncated,
        }
    }

    /// Whether text between tags is shown: not inside a hidden element or the head.
    fn shows_text(&self) -> bool {
        self.hidden.is_none() && !self.in_head
    }

    fn string(&mut self, s: &str) {
        if self.shows_text() {
            self.text(s);
        }
    }

    fn start_tag(&mut self, name: Tag, attributes: &TagAttributes) {
        if self.hidden.is_some() {
            return;
        }
        if is_hidden_element(name) {
            // The tokenizer switches to raw text even for `<style/>`, so the content is hidden
            // until the matching end tag either way.
            self.hidden = Some(name);
            return;
        }
        if name == Tag::Head {
            self.in_head = true;
            return;
        }
        if self.in_head && is_head_content(name) {
            return;
        }
        self.in_head = false;
        match name {
            Tag::Br => self.line_break(),
            Tag::Td | Tag::Th => self.pending_space = true,
            Tag::A => self.open_anchor(attributes),
            Tag::Area => self.area(attributes),
            Tag::Img => self.image(attributes),
            Tag::Form => {
                self.block();
                self.form(attributes);
            }
            _ if is_block(name) => self.block(),
            _ => {}
        }
    }

    fn end_tag(&mut self, name: Tag) {
        if let Some(hidden) = self.hidden {
            if hidden == name {
                self.hidden = None;
            }
            return;
        }
        match name {
            Tag::Head => self.in_head = false,
            Tag::A => self.close_anchor(),
            Tag::Td | Tag::Th => self.pending_space = true,
            _ if is_block(name) => self.block(),
            _ => {}
        }
    }

    /// Writes text that is only whitespace: the same as [`Converter::text`] with it.
    fn space(&mut self) {
        self.pending_space = true;
    }

    /// Writes text, collapsing runs of whitespace (ASCII and no-break spaces) into one space.
    fn text(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let spaces_start = i;
            while let Some(n) = space_len(bytes, i) {
                i += n;
            }
            if i > spaces_start {
                self.pending_space = true;
                if i >= bytes.len() {
                    return;
                }
            }
            let end = i + phrase_len(bytes.get(i..).unwrap_or_default());
            self.phrase(s.get(i..end).unwrap_or_default());
            i = end;
        }
    }

    /// Writes words separated by single ASCII spaces: in one go where the whole phrase fits,
    /// which gives the same as writing word by word.
    fn phrase(&mut self, phrase: &str) {
        if self.out.len() + 1 + phrase.len() > self.max_text {
            let mut words = phrase.split(' ');
            words.next().inspect(|first| self.word(first));
            for word in words {
                self.pending_space = true;
                self.word(word);
            }
            return;
        }
        if phrase.is_empty() {
            return;
        }
        let after_space = matches!(self.out.as_bytes().last(), None | Some(b'\n' | b' '));
        if self.pending_space && !after_space {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.out.push_str(phrase);
        if let Some(anchor) = &mut self.anchor {
            anchor.has_text = true;
        }
    }

    /// Writes a run of characters without whitespace, after a space if one is pending.
    fn word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        let after_space = matches!(self.out.as_bytes().last(), None | Some(b'\n' | b' '));
        if self.pending_space && !after_space {
            self.push_char(' ');
        }
        self.pending_space = false;
        if self.out.len() + word.len() <= self.max_text {
            self.out.push_str(word);
        } else {
            word.chars().for_each(|c| self.push_char(c));
        }
        if let Some(anchor) = &mut self.anchor {
            anchor.has_text = true;
        }
    }

    fn push_char(&mut self, c: char) {
        if self.out.len() + c.len_utf8() > self.max_text {
            self.truncated = true;
        } else {
            self.out.push(c);
        }
    }

    /// Ends the current line (a block boundary); never more than one blank line in a row.
    fn block(&mut self) {
        self.pending_space = false;
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.push_char('\n');
        }
    }

    fn line_break(&mut self) {
        self.pending_space = false;
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.push_char('\n');
        }
    }

    fn image(&mut self, attributes: &TagAttributes) {
        let Some(alt) = attr(&attributes.alt) else {
            return;
        };
        let alt = alt.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
        if alt.is_empty() {
            return;
        }
        let has_text = self.anchor.as_ref().is_some_and(|a| a.has_text);
        self.pending_space = true;
        self.text(&format!("[{alt}]"));
        self.pending_space = true;
        if let Some(anchor) = &mut self.anchor {
            anchor.has_text = has_text;
            if !anchor.alts.is_empty() {
                anchor.alts.push(' ');
            }
            anchor.alts.push_str(&alt);
        }
    }

    fn open_anchor(&mut self, attributes: &TagAttributes) {
        self.close_anchor();
        let Some(href) = attr(&attributes.href).map(|h| clean_href(&h)) else {
            return;
        };
        if href.is_empty() || href.starts_with('#') {
            return;
        }
        self.anchor = Some(Anchor {
            href,
            start: self.out.len(),
            has_text: false,
            alts: String::new(),
        });
    }

    fn close_anchor(&mut self) {
        let Some(anchor) = self.anchor.take() else {
            return;
        };
        let shown = &self.out[anchor.start.min(self.out.len())..];
        let lead = shown.len() - shown.trim_start().len();
        let trimmed = shown.trim();
        let span = (!trimmed.is_empty()).then(|| {
            let start = anchor.start + lead;
            Span::new(start, start + trimmed.len())
        });
        let text = if anchor.has_text || anchor.alts.is_empty() {
            trimmed.to_string()
        } else {
            anchor.alts
        };
        self.add_link(anchor.href, text, LinkOrigin::HtmlAnchor, span);
    }

    fn area(&mut self, attributes: &TagAttributes) {
        let Some(href) = attr(&attributes.href).map(|h| clean_href(&h)) else {
            return;
        };
        if !href.is_empty() && !href.starts_with('#') {
            let text = attr(&attributes.alt).unwrap_or_default().trim().to_string();
            self.add_link(href, text, LinkOrigin::HtmlAnchor, None);
        }
    }

    fn form(&mut self, attributes: &TagAttributes) {
        let Some(action) = attr(&attributes.action).map(|a| clean_href(&a)) else {
            return;
        };
        if !action.is_empty() {
            self.add_link(action, String::new(), LinkOrigin::HtmlForm, None);
        }
    }

    fn add_link(&mut self, href: String, text: String, origin: LinkOrigin, span: Option<Span>) {
        if self.links.len() < self.max_links {
            self.links.push(Link {
                href,
                text,
                origin,
                span,
            });
        }
    }
}

/// The length of the whitespace character at `at` (ASCII whitespace or U+00A0), if it is one.
#[inline(always)]
fn space_len(bytes: &[u8], at: usize) -> Option<usize> {
    const ASCII_SPACES: u64 = 1 << b' ' | 1 << b'\t' | 1 << b'\n' | 1 << b'\r' | 1 << 0x0c;
    match *bytes.get(at)? {
        b @ 0..=b' ' if ASCII_SPACES >> b & 1 != 0 => Some(1),
        // 0xC2 is always a lead byte in UTF-8, so this is U+00A0.
        0xC2 if bytes.get(at + 1) == Some(&0xA0) => Some(2),
        _ => None,
    }
}

/// The length of the phrase that `bytes` starts with: non-whitespace characters, and single
/// ASCII spaces between them.
#[inline]
fn phrase_len(bytes: &[u8]) -> usize {
    let mut from = 0;
    loop {
        let Some(at) = next_phrase_break_candidate(bytes, from) else {
            return without_trailing_space(bytes, bytes.len());
        };
        if space_len(bytes, at).is_some() {
            return without_trailing_space(bytes, at);
        }
        from = at + 1;
    }
}

fn without_trailing_space(bytes: &[u8], end: usize) -> usize {
    match end.checked_sub(1) {
        Some(last) if bytes.get(last) == Some(&b' ') => last,
        _ => end,
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that is zero, exactly (no borrows between bytes).
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW_SEVEN) + LOW_SEVEN) | x) & HIGH
}

/// The first position from `from` on where a phrase may break: a byte below 0x20, 0xC2
/// (U+00A0's lead byte), or the first of two spaces. Looks at eight bytes at a time.
fn next_phrase_break_candidate(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(8);
    let mut offset = from;
    let mut space_before = false;
    for word in words.by_ref() {
        let mut le = [0; 8];
        le.copy_from_slice(word);
        if let Some(at) = phrase_break_in_word(u64::from_le_bytes(le), &mut space_before) {
            return (offset + at).checked_sub(1);
        }
        offset += 8;
    }
    // The rest, padded with zero bytes, which are flagged as control characters: a flag past
    // the end means none.
    let tail = swar::load_tail(words.remainder(), 0);
    let at = (offset + phrase_break_in_word(tail, &mut space_before)?).checked_sub(1)?;
    (at < bytes.len()).then_some(at)
}

/// The first place in eight bytes (little-endian `x`) where a phrase may break, as one plus its
/// offset (0: the first of two spaces is the byte before). `space_before` carries whether the
/// bytes before end with a space.
#[inline(always)]
fn phrase_break_in_word(x: u64, space_before: &mut bool) -> Option<usize> {
    let controls = !(((x & LOW_SEVEN) + ONES * 0x60) | x) & HIGH;
    let spaces = zero_bytes(x ^ (ONES * u64::from(b' ')));
    let leads = zero_bytes(x ^ (ONES * 0xC2));
    if *space_before && spaces & 0x80 != 0 {
        return Some(0);
    }
    let flags = controls | leads | (spaces & (spaces >> 8));
    if flags != 0 {
        return Some(flags.trailing_zeros() as usize / 8 + 1);
    }
    *space_before = spaces >> 63 != 0;
    None
}

fn attr(value: &Option<Vec<u8>>) -> Option<String> {
    let value = value.as_deref()?;
    // `from_utf8` checks ASCII much faster than `from_utf8_lossy`, and values are nearly always valid.
    Some(match std::str::from_utf8(value) {
        Ok(value) => value.to_owned(),
        Err(_) => String::from_utf8_lossy(value).into_owned(),
    })
}

/// Trims like a browser does: C0 controls and spaces around, tabs and newlines anywhere.
fn clean_href(href: &str) -> String {
    let trimmed = href.trim_matches(|c: char| c <= ' ');
    if memchr::memchr3(b'\t', b'\n', b'\r', trimmed.as_bytes()).is_none() {
        return trimmed.to_string();
    }
    trimmed
        .chars()
        .filter(|&c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(html: &str) -> HtmlText {
        html_to_text(html, 1 << 20, 100)
    }

    #[test]
    fn tags_of_names() {
        for name in [
            "a",
            "address",
            "area",
            "article",
            "base",
            "basefont",
            "bgsound",
            "blockquote",
            "body",
            "br",
            "caption",
            "center",
            "dd",
            "div",
            "dl",
            "dt",
            "fieldset",
            "footer",
            "form",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "head",
            "header",
            "hr",
            "html",
            "iframe",
            "img",
            "li",
            "link",
            "meta",
            "noembed",
            "noframe",
            "noframes",
            "noscript",
            "ol",
            "p",
            "plaintext",
            "pre",
            "script",
            "section",
            "style",
            "table",
            "td",
            "template",
            "textarea",
            "th",
            "title",
            "tr",
            "ul",
            "xmp",
        ] {
            let tag = format!("{:?}", Tag::of(name.as_bytes()));
            assert_eq!(tag.to_ascii_lowercase(), name);
        }
        for other in [
            "",
            "P",
            "b",
            "span",
            "blockquotes",
            "h7",
            "scrip",
            "noscript\u{e9}",
        ] {
            assert_eq!(Tag::of(other.as_bytes()), Tag::Other, "{other}");
        }
    }

    #[test]
    fn anchor_text_differs_from_href() {
        let h = conv(
            r#"<p>Sign in: <a href=" https://evil.example/&#108;ogin ">https://www.amazon.co.jp/</a> now</p>"#,
        );
        assert_eq!(h.text, "Sign in: https://www.amazon.co.jp/ now\n");
        assert_eq!(h.links.len(), 1);
        let link = &h.links[0];
        assert_eq!(link.href, "https://evil.example/login");
        assert_eq!(link.text, "https://www.amazon.co.jp/");
        let span = link.span.expect("span");
        assert_eq!(&h.text[span.start..span.end], "https://www.amazon.co.jp/");
        assert_eq!(link.origin, LinkOrigin::HtmlAnchor);
    }

    #[test]
    fn script_style_head_hidden() {
        let h = conv(
            "<html><head><title>T</title><style>p{color:red}</style></head>\
             <body><script>var a = '<p>x</p>';</script><p>Hello&nbsp;&amp; bye</p><!-- secret --></body></html>",
        );
        assert_eq!(h.text.trim(), "Hello & bye");
    }

    #[test]
    fn unclosed_head_does_not_swallow_body() {
        let h = conv("<head><meta charset=utf-8><div>visible</div>");
        assert_eq!(h.text.trim(), "visible");
    }

    #[test]
    fn image_alt_in_brackets_and_as_anchor_text() {
        let h = conv(
            r#"<a href="https://x.example/"><img src="logo.png" alt="Amazon"></a><p>Your order</p>"#,
        );
        assert!(h.text.starts_with("[Amazon]"), "{}", h.text);
        assert_eq!(h.links[0].text, "Amazon");
        let span = h.links[0].span.expect("span");
        assert_eq!(&h.text[span.start..span.end], "[Amazon]");
    }

    #[test]
    fn blocks_and_breaks() {
        let h = conv("<div>a</div><div>b<br>c</div><table><tr><td>x</td><td>y</td></tr></table>");
        assert_eq!(h.text, "a\nb\nc\nx y\n");
    }

    #[test]
    fn forms_fragments_and_mailto() {
        let h = conv(
            r##"<a href="#top">top</a><a href="mailto:a@b.example">mail</a><form action="https://phish.example/post"><input></form>"##,
        );
        let hrefs: Vec<_> = h
            .links
            .iter()
            .map(|l| (l.href.as_str(), l.origin))
            .collect();
        assert_eq!(
            hrefs,
            [
                ("mailto:a@b.example", LinkOrigin::HtmlAnchor),
                ("https://phish.example/post", LinkOrigin::HtmlForm)
            ]
        );
    }

    #[test]
    fn first_attribute_wins_and_empty_values_count() {
        let h = conv(
            r#"<a class=x href="https://a.example/" href="https://b.example/">a</a><img alt>"#,
        );
        assert_eq!(h.links[0].href, "https://a.example/");
        let h = conv(r#"<a href>x</a><area href="https://c.example/" alt="C" ALT="D">"#);
        assert_eq!(h.links.len(), 1);
        assert_eq!(h.links[0].text, "C");
    }

    #[test]
    fn text_limit() {
        let h = html_to_text("<p>abcdef</p><a href='https://x.example/'>link</a>", 3, 10);
        assert_eq!(h.text, "abc");
        assert!(h.truncated);
        assert_eq!(h.links.len(), 1);
        assert_eq!(h.links[0].span, None);
    }

    #[test]
    fn whitespace_collapses_across_entities_and_no_break_spaces() {
        let h = conv("<p>  a&nbsp;\u{a0} b\t\r\n&#32;c\u{a9}d&amp;e  </p>x\u{0c}y");
        assert_eq!(h.text, "a b c\u{a9}d&e\nx y");
    }

    #[test]
    fn hidden_elements_end_only_at_their_own_end_tag() {
        let h = conv("<style>p{}</STYLE >a</style>b<script>x</scriptx></script>c<title>t</title>");
        assert_eq!(h.text, "abc");
        // `</styles` does not end the style, so it runs to the end of the input.
        let h = conv("<p>kept</p><style>a{} </styles> <a href='https://x.example/'>x</a>");
        assert_eq!(h.text, "kept\n");
        assert!(h.links.is_empty());
    }

    #[test]
    fn comments_hide_their_links() {
        let h = conv(
            "<!-- <a href='https://hidden.example/'>h</a> --><!--[if mso]><a href='https://mso.example/'>m</a><![endif]--><a href='https://shown.example/'>s</a>",
        );
        let hrefs: Vec<_> = h.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(hrefs, ["https://shown.example/"]);
        assert_eq!(h.text, "s");
    }

    #[test]
    fn text_limit_inside_a_word_keeps_whole_characters() {
        let h = html_to_text("<p>ab\u{e9}\u{e9}cd efg</p>", 4, 10);
        assert_eq!(h.text, "ab\u{e9}");
        assert!(h.truncated);
        let h = html_to_text("<p>ab\u{e9}</p>", 3, 10);
        assert_eq!(h.text, "ab\n");
    }

    #[test]
    fn long_words_and_odd_bytes_in_words() {
        let word = "x".repeat(37);
        let h = conv(&format!("<p>{word}\u{bb}{word} {word}\u{1}{word}</p>"));
        assert_eq!(h.text, format!("{word}\u{bb}{word} {word}\u{1}{word}\n"));
    }

    #[test]
    fn character_split_by_the_tokenizer_stays_whole() {
        // After `<`, the tokenizer hands over the first byte of `é` on its own.
        let h = conv("a<\u{e9}b <\u{e9}<p>\u{e9}");
        assert_eq!(h.text, "a<\u{e9}b <\u{e9}\n\u{e9}");
    }

    /// The char-by-char writer that `Converter::text` replaced, as the reference for its output.
    fn reference_text(conv: &mut Converter, s: &str) {
        for c in s.chars() {
            if c.is_ascii_whitespace() || c == '\u{A0}' {
                conv.pending_space = true;
                continue;
            }
            if conv.pending_space && !conv.out.is_empty() && !conv.out.ends_with(['\n', ' ']) {
                conv.push_char(' ');
            }
            conv.pending_space = false;
            conv.push_char(c);
        }
    }

    /// A phrase's length found byte by byte, as the reference for `phrase_len`.
    fn reference_phrase_len(bytes: &[u8]) -> usize {
        let single_space = |i: usize| {
            bytes.get(i) == Some(&b' ')
                && i > 0
                && i + 1 < bytes.len()
                && space_len(bytes, i + 1).is_none()
        };
        (0..bytes.len())
            .find(|&i| space_len(bytes, i).is_some() && !single_space(i))
            .unwrap_or(bytes.len())
    }

    proptest::proptest! {
        #[test]
        fn phrase_len_matches_the_byte_by_byte_reference(
            text in "[ab  \t\r\n\u{c}\u{1}\u{1f}\u{a0}\u{a9}\u{c2}\u{3042}]{0,80}",
            skip in 0usize..8,
        ) {
            // Phrases start after whitespace, at a non-whitespace character.
            let text = text.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\u{a0}');
            let start = text.char_indices().nth(skip).map_or(text.len(), |(i, _)| i);
            let bytes = &text.as_bytes()[start..];
            if space_len(bytes, 0).is_none() {
                proptest::prop_assert_eq!(phrase_len(bytes), reference_phrase_len(bytes));
            }
        }

        #[test]
        fn text_matches_the_char_by_char_reference(
            pieces in proptest::collection::vec("[a \t\r\n\u{c}\u{1}\u{a0}\u{a9}\u{bb}\u{e9}\u{3042}\u{1f600}x]{0,24}", 0..6),
            max_text in 0usize..48,
        ) {
            let mut fast = Converter::new(max_text, 4);
            let mut reference = Converter::new(max_text, 4);
            for piece in &pieces {
                fast.text(piece);
                reference_text(&mut reference, piece);
            }
            proptest::prop_assert_eq!(&fast.out, &reference.out);
            proptest::prop_assert_eq!(fast.pending_space, reference.pending_space);
            proptest::prop_assert_eq!(fast.truncated, reference.truncated);
        }

        #[test]
        fn spans_always_point_into_text(html in "(<a href=x>|</a>|<img alt=\"[a-zé ]*\">|<p>|<br>|<script>|</script>|[a-zé &;<>]{0,8}){0,40}") {
            let h = html_to_text(&html, 64, 8);
            proptest::prop_assert!(h.text.len() <= 64);
            for link in &h.links {
                if let Some(span) = link.span {
                    proptest::prop_assert!(h.text.get(span.start..span.end).is_some());
                }
            }
        }
    }
}
