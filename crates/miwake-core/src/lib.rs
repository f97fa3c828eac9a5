//! miwake-core: the pure analysis core of miwake (見分け, "telling apart").
//!
//! From a message (an e-mail or pasted text) to an explained verdict: what kind of message it
//! is, whether it is safe, needs caution or is dangerous, and exactly why. No I/O, no network,
//! no async: the same bytes and knowledge always give the same report.
//!
//! ```
//! let analyzer = miwake_core::Analyzer::embedded().expect("built-in knowledge loads");
//! let report = analyzer.analyze("星5レビューでAmazonギフト券1000円分をプレゼント！".as_bytes());
//! assert_ne!(report.verdict.level, miwake_core::Level::Safe);
//! ```

pub mod analysis;
pub mod domain;
pub mod facts;
pub mod ingest;
pub mod knowledge;
pub mod message;
pub mod normalize;
pub mod reply;
pub mod report;

pub use analysis::Analyzer;
pub use knowledge::{Knowledge, KnowledgeError, Lang};
pub use report::{Finding, Level, Report, SCHEMA_VERSION};
