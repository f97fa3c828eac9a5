//! miwake-store: the local evidence log (SQLite, embedded).
//!
//! Every recorded message keeps its original bytes and SHA-256, when it was received and
//! checked, the verdict and findings, the order numbers it concerns, and what the user did
//! about it (replied with T?, reported, ignored, contacted customer service). Messages are
//! grouped by order into a [`Timeline`]; [`Store::export_order`] writes what customer
//! service needs, with a manifest of hashes.
//!
//! Guarantees:
//! - **versioned migrations** (`PRAGMA user_version`), each in its own transaction; a
//!   database written by a newer miwake is refused, not damaged;
//! - **transactions** around every write; WAL journal, so a crash (even `kill -9`) in the
//!   middle of a write loses nothing already committed;
//! - **no duplicates, no silent overwrite**: a message is identified by its SHA-256;
//!   checking it again records a new verdict only when the verdict changed.
//!
//! ```
//! let mut store = miwake_store::Store::open_in_memory().unwrap();
//! let analyzer = miwake_core::Analyzer::embedded().unwrap();
//! let raw = "注文番号 250-1234567-7654321 の商品を発送しました。".as_bytes();
//! let report = analyzer.analyze(raw);
//! let first = store.record(&miwake_store::NewMessage::new(raw, &report, 1_700_000_000)).unwrap();
//! let again = store.record(&miwake_store::NewMessage::new(raw, &report, 1_700_000_100)).unwrap();
//! assert_eq!(first.id, again.id);
//! assert!(first.created && !again.created);
//! let timeline = store.timeline("250-1234567-7654321").unwrap();
//! assert_eq!(timeline.entries.len(), 1);
//! ```

mod actions;
mod export;
mod messages;
mod migrations;
pub mod orders;
mod timeline;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

pub use actions::{ActionKind, NewAction};
pub use export::{ExportFormat, ExportSummary, ManifestFile};
pub use messages::{MessageRow, NewMessage, Recorded, StoredMessage};
pub use migrations::SCHEMA_VERSION;
pub use orders::{ImportSummary, Order, OrderItem};
pub use timeline::{
    FollowUp, FollowUpState, OrderOverview, Timeline, TimelineEntry, DEFAULT_REPLY_HOURS,
};

/// Environment variable that overrides the database path.
pub const DB_ENV: &str = "MIWAKE_DB";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "the database is at schema version {found}, newer than this miwake knows ({known}); \
         upgrade miwake instead of opening it with an older one"
    )]
    TooNew { found: i64, known: i64 },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("order history CSV, line {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("zip: {0}")]
    Zip(String),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The evidence log.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Open (or create) the database at `path`, creating its folder, and migrate it.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Self::setup(conn)
    }

    /// Open the database only if it exists (reading commands do not create one).
    pub fn open_existing(path: &Path) -> Result<Option<Store>> {
        if !path.exists() {
            return Ok(None);
        }
        Self::open(path).map(Some)
    }

    /// A private database in memory (tests, examples).
    pub fn open_in_memory() -> Result<Store> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(10))?;
        // WAL: readers never block the writer, and a commit is one append to the log, so a
        // killed process leaves every committed transaction intact. NORMAL sync is
        // crash-safe for the application; only a power loss may drop the last commits.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrations::migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check`: `"ok"` when the database is consistent.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// The underlying connection, for read-only queries the API does not cover.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Where the database lives: `explicit` (`--db`), else `$MIWAKE_DB`, else the platform's
/// data folder (`~/.local/share/miwake/miwake.db` on Linux,
/// `~/Library/Application Support/miwake/miwake.db` on macOS,
/// `%APPDATA%\miwake\data\miwake.db` on Windows).
pub fn database_path(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(DB_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "miwake")
        .map(|d| d.data_dir().join("miwake.db"))
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "no home folder to keep the database in; pass --db PATH or set {DB_ENV}"
            ))
        })
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `2024-12-02T01:00:00Z`.
pub fn format_time(unix: i64) -> String {
    mail_parser::DateTime::from_timestamp(unix).to_rfc3339()
}

/// An RFC 3339 time (`2024-12-02T10:00:00+09:00`) as Unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    mail_parser::DateTime::parse_rfc3339(s.trim())
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp())
}

/// SHA-256, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_path_wins_over_the_environment() {
        let p = database_path(Some(Path::new("/tmp/x.db"))).expect("path");
        assert_eq!(p, PathBuf::from("/tmp/x.db"));
    }

    #[test]
    fn a_fresh_database_is_at_the_current_schema_and_consistent() {
        let store = Store::open_in_memory().expect("open");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        assert_eq!(store.integrity_check().expect("check"), "ok");
    }

    #[test]
    fn open_existing_does_not_create_a_database() {
        let dir = std::env::temp_dir().join(format!("miwake-store-none-{}", std::process::id()));
        let path = dir.join("absent.db");
        assert!(Store::open_existing(&path).expect("ok").is_none());
        assert!(!path.exists());
    }
}
