//! From raw bytes to a [`Message`]: e-mail (RFC 5322 / MIME) or pasted text.
//!
//! Everything here is bounded by [`Limits`]: hostile input is the normal case.

mod detect;
mod elide;
mod html;
mod mime;
mod plain;
mod qp;
mod single_byte;
mod swar;
mod zip;

use crate::message::{Attachment, Headers, IngestNote, InputKind, Link, Message, Span};

/// Bounds on the work ingest does for one message.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Input beyond this many bytes is ignored (an `IngestNote` `truncated` says so).
    pub max_input_bytes: usize,
    /// The display text stops growing at this many bytes.
    pub max_text_bytes: usize,
    /// MIME parts beyond this count are skipped.
    pub max_parts: usize,
    /// MIME nesting deeper than this is skipped.
    pub max_depth: usize,
    /// HTML parts larger than this are cut before conversion.
    pub max_html_bytes: usize,
    /// Links beyond this count are dropped.
    pub max_links: usize,
    /// Attachments beyond this count are not listed.
    pub max_attachments: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 64 * 1024 * 1024,
            max_text_bytes: 512 * 1024,
            max_parts: 256,
            max_depth: 16,
            max_html_bytes: 2 * 1024 * 1024,
            max_links: 512,
            max_attachments: 64,
        }
    }
}

/// Turn raw input into a message. Never panics; what it skips is listed in `Message::notes`.
pub fn ingest(raw: &[u8], limits: &Limits) -> Message {
    let mut out = Builder::new(limits);
    let mut input = raw;
    if input.len() > limits.max_input_bytes {
        input = &input[..limits.max_input_bytes];
        out.note(
            "truncated",
            format!("input cut at {} bytes", limits.max_input_bytes),
        );
    }
    let input = detect::strip_utf8_bom(input);
    let mut kind = InputKind::PlainText;
    if input.iter().all(u8::is_ascii_whitespace) {
        out.note("empty_input", "the input is empty");
    } else if detect::is_binary(input) {
        out.note("binary_input", "the input looks like binary data, not text");
    } else if let Some(found) = detect::email_start(input) {
        if mime::ingest_email(&found, &input[found.start..], &mut out) {
            kind = InputKind::Email;
        } else {
            plain::ingest_plain(input, &mut out);
        }
    } else {
        plain::ingest_plain(input, &mut out);
    }
    out.finish(kind, raw.len())
}

/// Accumulates the message while enforcing the text, link and attachment limits.
struct Builder<'l> {
    limits: &'l Limits,
    headers: Headers,
    text: String,
    links: Vec<Link>,
    attachments: Vec<Attachment>,
    notes: Vec<IngestNote>,
}

impl<'l> Builder<'l> {
    fn new(limits: &'l Limits) -> Self {
        Builder {
            limits,
            headers: Headers::default(),
            text: String::new(),
            links: Vec::new(),
            attachments: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn finish(self, kind: InputKind, raw_size: usize) -> Message {
        Message {
            kind,
            headers: self.headers,
            display_text: self.text,
            links: self.links,
            attachments: self.attachments,
            notes: self.notes,
            raw_size,
        }
    }

    /// Adds a note unless the same code with the same detail is already there.
    fn note(&mut self, code: &str, detail: impl Into<String>) {
        let detail = detail.into();
        if !self
            .notes
            .iter()
            .any(|n| n.code == code && n.detail == detail)
        {
            self.notes.push(IngestNote {
                code: code.to_string(),
                detail,
            });
        }
    }

    fn text_full(&self) -> bool {
        self.text.len() >= self.limits.max_text_bytes
    }

    /// Appends text (CRLF normalised to LF) up to the text limit; returns where it starts.
    fn push_text(&mut self, s: &str) -> usize {
        let start = self.text.len();
        let room = self.limits.max_text_bytes.saturating_sub(start);
        let mut piece = s;
        if piece.len() > room {
            piece = &piece[..floor_char_boundary(piece, room)];
            self.note_text_truncated();
        }
        if memchr::memchr(b'\r', piece.as_bytes()).is_some() {
            self.text.push_str(&piece.replace("\r\n", "\n"));
        } else {
            self.text.push_str(piece);
        }
        start
    }

    fn note_text_truncated(&mut self) {
        let detail = format!("display text cut at {} bytes", self.limits.max_text_bytes);
        self.note("truncated", detail);
    }

    /// Ends the current block with a blank line, so that the next part starts a paragraph.
    fn separate(&mut self) {
        if self.text.is_empty() || self.text.ends_with("\n\n") {
            return;
        }
        let sep = if self.text.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        self.push_text(sep);
    }

    /// Appends a block of text, separated from what came before by a blank line.
    fn push_block(&mut self, s: &str) -> usize {
        if s.trim().is_empty() {
            return self.text.len();
        }
        self.separate();
        self.push_text(s)
    }

    fn push_link(&mut self, link: Link) {
        if self.links.len() < self.limits.max_links {
            self.links.push(link);
        } else {
            let detail = format!(
                "more than {} links; the rest were dropped",
                self.limits.max_links
            );
            self.note("truncated", detail);
        }
    }

    /// Appends converted HTML: its text as a block (when `show`) and its links.
    fn push_html(&mut self, html: html::HtmlText, show: bool) {
        let base = if show {
            Some(self.push_block(&html.text))
        } else {
            None
        };
        if html.truncated && show {
            self.note_text_truncated();
        }
        let shown_end = self.text.len();
        for mut link in html.links {
            link.span = match (base, link.span) {
                (Some(base), Some(span)) if base + span.end <= shown_end => {
                    Some(Span::new(base + span.start, base + span.end))
                }
                _ => None,
            };
            self.push_link(link);
        }
    }

    fn push_attachment(&mut self, attachment: Attachment) {
        if self.attachments.len() < self.limits.max_attachments {
            self.attachments.push(attachment);
        } else {
            let detail = format!(
                "more than {} attachments; the rest are not listed",
                self.limits.max_attachments
            );
            self.note("truncated", detail);
        }
    }
}

/// The largest index `<= max` that is a char boundary of `s`.
fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut i = max;
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests;
