//! The message model every analysis step reads: what ingest produced from raw bytes.

use serde::Serialize;

/// A half-open byte range `[start, end)` into a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How the input was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// An RFC 5322 / MIME e-mail.
    Email,
    /// Text pasted from a message centre or an e-mail body.
    PlainText,
}

/// A mailbox as written in a header: `"Display Name" <local@domain>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Address {
    pub name: Option<String>,
    pub address: Option<String>,
}

impl Address {
    /// The lower-cased domain part of the address, if any.
    pub fn domain(&self) -> Option<String> {
        let addr = self.address.as_deref()?;
        let (_, domain) = addr.rsplit_once('@')?;
        let domain = domain.trim().trim_end_matches('>').trim_end_matches('.');
        (!domain.is_empty()).then(|| domain.to_ascii_lowercase())
    }
}

/// The headers analysis looks at. All values are decoded (RFC 2047) text.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Headers {
    pub from: Option<Address>,
    pub sender: Option<Address>,
    pub reply_to: Vec<Address>,
    pub return_path: Option<String>,
    pub to: Vec<Address>,
    pub subject: Option<String>,
    pub date: Option<String>,
    pub message_id: Option<String>,
    /// Every `Authentication-Results` header, topmost first, raw value.
    pub authentication_results: Vec<String>,
    /// Every `ARC-Authentication-Results` header, topmost first, raw value.
    pub arc_authentication_results: Vec<String>,
    /// `X-Amazon-Mail-Relay-Type`, set by Amazon's buyer–seller relay.
    pub amazon_relay_type: Option<String>,
    /// `List-Id` / `List-Unsubscribe` presence: mailing-list traffic.
    pub list_id: Option<String>,
    pub has_list_unsubscribe: bool,
    /// Number of `Received` headers (hops).
    pub received_count: usize,
}

/// Where a link was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkOrigin {
    /// `<a href>` in an HTML part: `text` is what the reader sees.
    HtmlAnchor,
    /// `<form action>` in an HTML part.
    HtmlForm,
    /// A URL written in the text (`https://…`, `www.…`, bare `example.com/path`).
    Text,
    /// A defanged URL in the text (`hxxp://`, `example[.]com`).
    Defanged,
}

/// A link as the reader sees it and where it really goes. Never fetched.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// The real target (`href`), refanged for defanged text URLs.
    pub href: String,
    /// The visible text (anchor text, or the URL as written in the text).
    pub text: String,
    pub origin: LinkOrigin,
    /// Where the visible text sits in the message's display text, when known.
    pub span: Option<Span>,
}

/// A MIME part that is not shown as text.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub name: Option<String>,
    pub content_type: String,
    pub size: usize,
    /// For ZIP archives: at least one entry has the "encrypted" flag.
    pub encrypted_archive: bool,
    /// File names found inside a ZIP archive's central directory (bounded).
    pub archive_entries: Vec<String>,
}

/// Something ingest could not do fully; shown to the user as a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IngestNote {
    /// Stable code: `empty_input`, `binary_input`, `truncated`, `too_many_parts`,
    /// `too_deep`, `unknown_charset`, `undecodable_part`, `html_truncated`.
    pub code: String,
    pub detail: String,
}

/// A message ready for analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub kind: InputKind,
    pub headers: Headers,
    /// What the reader sees, as one text: for an e-mail, the subject on the first line,
    /// a blank line, then every text part (HTML parts converted to readable text).
    /// All spans in a report point into this text.
    pub display_text: String,
    pub links: Vec<Link>,
    pub attachments: Vec<Attachment>,
    pub notes: Vec<IngestNote>,
    /// Size of the raw input in bytes.
    pub raw_size: usize,
}
