//! Versioned schema migrations. `PRAGMA user_version` holds the version; each migration
//! runs in its own transaction together with the version bump, so a crash leaves the
//! database at one version or the next, never between.
//!
//! Never edit a migration that has shipped: add the next one.

use rusqlite::Connection;

use crate::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    // 1: messages, their bodies, verdicts, orders cited, user actions, imported orders.
    r#"
    CREATE TABLE messages (
        id            INTEGER PRIMARY KEY,
        sha256        TEXT NOT NULL UNIQUE,
        size          INTEGER NOT NULL,
        kind          TEXT NOT NULL,           -- email | plain_text
        subject       TEXT,
        sender        TEXT,
        received_at   INTEGER,                 -- Unix seconds, from the Date header
        first_checked INTEGER NOT NULL,
        last_checked  INTEGER NOT NULL,
        times_checked INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE message_bodies (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id),
        raw        BLOB NOT NULL
    );
    -- One row per distinct verdict: re-checking with the same result adds nothing,
    -- a changed result (new rules, imported orders) is added, never overwritten.
    CREATE TABLE checks (
        id          INTEGER PRIMARY KEY,
        message_id  INTEGER NOT NULL REFERENCES messages(id),
        checked_at  INTEGER NOT NULL,
        level       TEXT NOT NULL,
        score       INTEGER NOT NULL,
        intent      TEXT NOT NULL,
        rules       TEXT NOT NULL,            -- comma-separated rule ids, for comparison
        report_json TEXT NOT NULL
    );
    CREATE INDEX checks_by_message ON checks(message_id, id);
    CREATE TABLE message_orders (
        message_id INTEGER NOT NULL REFERENCES messages(id),
        order_id   TEXT NOT NULL,
        source     TEXT NOT NULL,             -- message | user
        PRIMARY KEY (message_id, order_id)
    ) WITHOUT ROWID;
    CREATE INDEX message_orders_by_order ON message_orders(order_id, message_id);
    CREATE TABLE actions (
        id         INTEGER PRIMARY KEY,
        message_id INTEGER REFERENCES messages(id),
        order_id   TEXT,
        kind       TEXT NOT NULL CHECK (kind IN ('replied', 'reported', 'ignored', 'contacted_cs', 'note')),
        template   TEXT,
        note       TEXT,
        at         INTEGER NOT NULL
    );
    CREATE INDEX actions_by_order ON actions(order_id, at);
    CREATE INDEX actions_by_message ON actions(message_id);
    CREATE TABLE orders (
        order_id    TEXT PRIMARY KEY,
        website     TEXT,
        order_date  TEXT,
        status      TEXT,
        imported_at INTEGER NOT NULL
    );
    CREATE TABLE order_items (
        id              INTEGER PRIMARY KEY,
        order_id        TEXT NOT NULL REFERENCES orders(order_id),
        product_name    TEXT,
        asin            TEXT,
        quantity        TEXT,
        shipment_status TEXT,
        ship_date       TEXT,
        carrier         TEXT,
        tracking        TEXT
    );
    CREATE INDEX order_items_by_order ON order_items(order_id);
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = i as i64 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn).expect("first");
        migrate(&mut conn).expect("second");
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("set");
        let err = migrate(&mut conn).expect_err("too new");
        assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
    }
}
