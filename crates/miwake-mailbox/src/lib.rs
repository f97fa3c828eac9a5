//! miwake-mailbox: find the messages in mail stores and feed them, in parallel, to a
//! per-message function, in bounded memory.
//!
//! - [`discover`] turns the paths a user gives into [`Entry`]s: single-message files (`.eml`,
//!   Maildir `cur/` and `new/` files), mbox files, and files that are skipped or unreadable,
//!   each with a reason, so every file is accounted for.
//! - [`mbox::MboxReader`] streams the messages out of an mbox (mboxo or mboxrd) without
//!   loading the file; each message is capped at a byte limit.
//! - [`scan::scan`] reads the entries and runs a function on every message on a rayon pool
//!   (work-stealing), handing each result to a sink on the calling thread.

pub mod discover;
pub mod mbox;
pub mod scan;

pub use discover::{discover, Entry, SkipReason};
pub use scan::{scan, Done, MailMessage, ScanError, ScanOptions, Scanned};
