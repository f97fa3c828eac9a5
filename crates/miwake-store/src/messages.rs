//! Recording checked messages: deduplicated by SHA-256, verdict history kept.

use miwake_core::message::InputKind;
use miwake_core::Report;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::{sha256_hex, Result, Store};

/// A checked message to record.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub raw: &'a [u8],
    pub report: &'a Report,
    /// When it was checked (Unix seconds).
    pub checked_at: i64,
    /// When it was received; from the `Date:` header when `None`.
    pub received_at: Option<i64>,
    /// Order numbers the user says it concerns (`--order`), on top of those in the text.
    pub orders: Vec<String>,
}

impl<'a> NewMessage<'a> {
    pub fn new(raw: &'a [u8], report: &'a Report, checked_at: i64) -> Self {
        NewMessage {
            raw,
            report,
            checked_at,
            received_at: None,
            orders: Vec::new(),
        }
    }

    pub fn with_orders(mut self, orders: impl IntoIterator<Item = String>) -> Self {
        self.orders.extend(orders);
        self
    }

    fn received(&self) -> Option<i64> {
        self.received_at.or_else(|| {
            self.report
                .message
                .date
                .as_deref()
                .and_then(mail_parser::DateTime::parse_rfc822)
                .filter(|d| d.is_valid())
                .map(|d| d.to_timestamp())
        })
    }
}

/// What recording did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recorded {
    pub id: i64,
    pub sha256: String,
    /// False when the same bytes were already in the log.
    pub created: bool,
    /// True when a verdict was added (always for a new message; for a known one only when
    /// the verdict differs from the last one recorded).
    pub verdict_added: bool,
    /// Order numbers the message is filed under.
    pub orders: Vec<String>,
}

/// One message in a list or timeline (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageRow {
    pub id: i64,
    pub sha256: String,
    pub size: i64,
    pub kind: String,
    pub subject: Option<String>,
    pub sender: Option<String>,
    pub received_at: Option<i64>,
    pub first_checked: i64,
    pub last_checked: i64,
    pub times_checked: i64,
    /// The latest verdict.
    pub level: String,
    pub score: i64,
    pub intent: String,
    pub orders: Vec<String>,
}

impl MessageRow {
    /// When it happened, for ordering: received, else first checked.
    pub fn at(&self) -> i64 {
        self.received_at.unwrap_or(self.first_checked)
    }
}

/// A message with its original bytes and its latest full report (JSON).
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub row: MessageRow,
    pub raw: Vec<u8>,
    pub report_json: String,
}

/// Columns of [`MessageRow`]: `m` is messages, `c` the latest check.
pub(crate) const ROW_SELECT: &str = "
    SELECT m.id, m.sha256, m.size, m.kind, m.subject, m.sender, m.received_at,
           m.first_checked, m.last_checked, m.times_checked, c.level, c.score, c.intent,
           (SELECT group_concat(order_id, ',') FROM message_orders WHERE message_id = m.id)
    FROM messages m
    JOIN checks c ON c.id = (SELECT max(id) FROM checks WHERE message_id = m.id)";

pub(crate) fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageRow> {
    let orders: Option<String> = r.get(13)?;
    let mut orders: Vec<String> = orders
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    orders.sort();
    Ok(MessageRow {
        id: r.get(0)?,
        sha256: r.get(1)?,
        size: r.get(2)?,
        kind: r.get(3)?,
        subject: r.get(4)?,
        sender: r.get(5)?,
        received_at: r.get(6)?,
        first_checked: r.get(7)?,
        last_checked: r.get(8)?,
        times_checked: r.get(9)?,
        level: r.get(10)?,
        score: r.get(11)?,
        intent: r.get(12)?,
        orders,
    })
}

impl Store {
    /// Record one checked message in its own transaction.
    pub fn record(&mut self, message: &NewMessage<'_>) -> Result<Recorded> {
        let tx = self.conn.transaction()?;
        let recorded = record_in(&tx, message)?;
        tx.commit()?;
        Ok(recorded)
    }

    /// Record several messages in one transaction: all of them or none.
    pub fn record_batch(&mut self, messages: &[NewMessage<'_>]) -> Result<Vec<Recorded>> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::with_capacity(messages.len());
        for m in messages {
            out.push(record_in(&tx, m)?);
        }
        tx.commit()?;
        Ok(out)
    }

    /// The id of the message with these bytes, if recorded.
    pub fn find_by_content(&self, raw: &[u8]) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM messages WHERE sha256 = ?1",
                [sha256_hex(raw)],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// One message with its bytes and latest report.
    pub fn message(&self, id: i64) -> Result<Option<StoredMessage>> {
        let row = self
            .conn
            .query_row(&format!("{ROW_SELECT} WHERE m.id = ?1"), [id], row_from)
            .optional()?;
        let Some(row) = row else { return Ok(None) };
        let raw: Vec<u8> = self.conn.query_row(
            "SELECT raw FROM message_bodies WHERE message_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let report_json: String = self.conn.query_row(
            "SELECT report_json FROM checks WHERE message_id = ?1 ORDER BY id DESC LIMIT 1",
            [id],
            |r| r.get(0),
        )?;
        Ok(Some(StoredMessage {
            row,
            raw,
            report_json,
        }))
    }

    /// The most recent messages, newest first.
    pub fn recent_messages(&self, limit: usize) -> Result<Vec<MessageRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "{ROW_SELECT} ORDER BY coalesce(m.received_at, m.first_checked) DESC, m.id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], row_from)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// How many distinct messages the log holds.
    pub fn message_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?)
    }
}

fn record_in(tx: &Transaction<'_>, m: &NewMessage<'_>) -> Result<Recorded> {
    let sha = sha256_hex(m.raw);
    let report = m.report;
    let existing: Option<i64> = tx
        .query_row("SELECT id FROM messages WHERE sha256 = ?1", [&sha], |r| {
            r.get(0)
        })
        .optional()?;
    let rules = report
        .findings
        .iter()
        .map(|f| f.rule.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let level = serde_json::to_value(report.verdict.level)?
        .as_str()
        .unwrap_or("caution")
        .to_string();
    let (id, created) = match existing {
        Some(id) => {
            tx.execute(
                "UPDATE messages SET last_checked = max(last_checked, ?2),
                     times_checked = times_checked + 1 WHERE id = ?1",
                params![id, m.checked_at],
            )?;
            (id, false)
        }
        None => {
            let kind = match report.message.kind {
                InputKind::Email => "email",
                InputKind::PlainText => "plain_text",
            };
            let sender = report.message.from.as_ref().map(|a| {
                match (a.name.as_deref(), a.address.as_deref()) {
                    (Some(n), Some(ad)) => format!("{n} <{ad}>"),
                    (None, Some(ad)) => ad.to_string(),
                    (Some(n), None) => n.to_string(),
                    (None, None) => String::new(),
                }
            });
            tx.execute(
                "INSERT INTO messages (sha256, size, kind, subject, sender, received_at,
                     first_checked, last_checked)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![
                    sha,
                    m.raw.len() as i64,
                    kind,
                    report.message.subject,
                    sender,
                    m.received(),
                    m.checked_at
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO message_bodies (message_id, raw) VALUES (?1, ?2)",
                params![id, m.raw],
            )?;
            (id, true)
        }
    };
    let last: Option<(String, i64, String)> = tx
        .query_row(
            "SELECT level, score, rules FROM checks WHERE message_id = ?1 ORDER BY id DESC LIMIT 1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let score = i64::from(report.verdict.score);
    let verdict_added = last.as_ref() != Some(&(level.clone(), score, rules.clone()));
    if verdict_added {
        tx.execute(
            "INSERT INTO checks (message_id, checked_at, level, score, intent, rules, report_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                m.checked_at,
                level,
                score,
                report.intent.id,
                rules,
                serde_json::to_string(report)?
            ],
        )?;
    }
    let mut orders: Vec<(String, &str)> = report
        .facts
        .order_numbers
        .iter()
        .map(|o| (o.value.clone(), "message"))
        .collect();
    orders.extend(
        m.orders
            .iter()
            .map(|o| (o.trim().to_ascii_uppercase(), "user")),
    );
    let mut filed = Vec::new();
    for (order, source) in orders {
        if order.is_empty() {
            continue;
        }
        tx.execute(
            "INSERT OR IGNORE INTO message_orders (message_id, order_id, source) VALUES (?1, ?2, ?3)",
            params![id, order, source],
        )?;
        if !filed.contains(&order) {
            filed.push(order);
        }
    }
    Ok(Recorded {
        id,
        sha256: sha,
        created,
        verdict_added,
        orders: filed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use miwake_core::analysis::orders::{KnownOrder, OrderContext};
    use miwake_core::Analyzer;

    fn analyzer() -> Analyzer {
        Analyzer::embedded().expect("analyzer")
    }

    #[test]
    fn the_same_message_twice_is_one_message_with_one_verdict() {
        let mut store = Store::open_in_memory().expect("open");
        let raw = b"From: shop@example.com\r\nDate: Mon, 2 Dec 2024 10:00:00 +0900\r\nSubject: shipped\r\n\r\nOrder 250-1234567-7654321 has shipped.\r\n";
        let report = analyzer().analyze(raw);
        let a = store
            .record(&NewMessage::new(raw, &report, 100))
            .expect("a");
        let b = store
            .record(&NewMessage::new(raw, &report, 200))
            .expect("b");
        assert!(a.created && a.verdict_added);
        assert!(!b.created && !b.verdict_added);
        assert_eq!(a.id, b.id);
        assert_eq!(store.message_count().expect("count"), 1);
        let checks: i64 = store
            .connection()
            .query_row("SELECT count(*) FROM checks", [], |r| r.get(0))
            .expect("checks");
        assert_eq!(checks, 1);
        let stored = store.message(a.id).expect("get").expect("present");
        assert_eq!(stored.raw, raw.to_vec());
        assert_eq!(stored.row.times_checked, 2);
        assert_eq!(stored.row.last_checked, 200);
        assert_eq!(stored.row.received_at, Some(1_733_101_200));
        assert_eq!(stored.row.orders, vec!["250-1234567-7654321".to_string()]);
    }

    #[test]
    fn a_changed_verdict_is_added_not_overwritten() {
        let mut store = Store::open_in_memory().expect("open");
        let raw = "注文番号 503-9999999-1111111 の商品を発送しました。".as_bytes();
        let an = analyzer();
        let before = an.analyze(raw);
        let ctx = OrderContext::new([KnownOrder {
            id: "250-1234567-7654321".into(),
            ..Default::default()
        }]);
        let after = an.analyze_with_orders(raw, &ctx);
        assert_ne!(before.verdict.score, after.verdict.score);
        let a = store
            .record(&NewMessage::new(raw, &before, 100))
            .expect("a");
        let b = store.record(&NewMessage::new(raw, &after, 200)).expect("b");
        assert!(!b.created && b.verdict_added);
        let levels: Vec<String> = store
            .connection()
            .prepare("SELECT level FROM checks WHERE message_id = ?1 ORDER BY id")
            .expect("prepare")
            .query_map([a.id], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(levels, vec!["safe".to_string(), "caution".to_string()]);
        let stored = store.message(a.id).expect("get").expect("present");
        assert_eq!(stored.row.level, "caution");
        assert!(stored.report_json.contains("order.not_yours"));
    }

    #[test]
    fn user_given_orders_file_pasted_text_without_an_order_number() {
        let mut store = Store::open_in_memory().expect("open");
        let raw = "商品が届きません。".as_bytes();
        let report = analyzer().analyze(raw);
        let r = store
            .record(&NewMessage::new(raw, &report, 5).with_orders(["250-1111111-2222222".into()]))
            .expect("record");
        assert_eq!(r.orders, vec!["250-1111111-2222222".to_string()]);
    }

    #[test]
    fn the_same_message_twice_in_one_batch_is_recorded_once() {
        // `scan --record` meets the same mail in two folders within one batch.
        let mut store = Store::open_in_memory().expect("open");
        let raw = b"Subject: twice\r\n\r\nOrder 250-1234567-7654321 has shipped.\r\n";
        let other = b"Subject: once\r\n\r\nHello.\r\n";
        let report = analyzer().analyze(raw);
        let other_report = analyzer().analyze(other);
        let recorded = store
            .record_batch(&[
                NewMessage::new(raw, &report, 1),
                NewMessage::new(other, &other_report, 1),
                NewMessage::new(raw, &report, 1),
            ])
            .expect("batch");
        let created: Vec<bool> = recorded.iter().map(|r| r.created).collect();
        assert_eq!(created, vec![true, true, false]);
        assert_eq!(recorded[0].id, recorded[2].id);
        assert!(!recorded[2].verdict_added);
        assert_eq!(store.message_count().expect("count"), 2);
        let checks: i64 = store
            .connection()
            .query_row("SELECT count(*) FROM checks", [], |r| r.get(0))
            .expect("checks");
        assert_eq!(checks, 2);
    }

    #[test]
    fn a_failed_batch_leaves_nothing_behind() {
        let mut store = Store::open_in_memory().expect("open");
        let raw = b"hello";
        let report = analyzer().analyze(raw);
        store
            .connection()
            .execute_batch(
                "CREATE TRIGGER fail_second BEFORE INSERT ON messages
                 WHEN (SELECT count(*) FROM messages) >= 1
                 BEGIN SELECT RAISE(ABORT, 'boom'); END;",
            )
            .expect("trigger");
        let other = b"world";
        let other_report = analyzer().analyze(other);
        let err = store.record_batch(&[
            NewMessage::new(raw, &report, 1),
            NewMessage::new(other, &other_report, 1),
        ]);
        assert!(err.is_err());
        assert_eq!(store.message_count().expect("count"), 0);
    }
}
