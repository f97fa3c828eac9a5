//! What the user did about a message or an order.

use rusqlite::params;
use serde::Serialize;

use crate::{Result, Store, StoreError};

/// An action the user took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Wrote to the seller (usually with a reply template, T1…).
    Replied,
    /// Reported the message (reportascam@amazon.com).
    Reported,
    /// Decided to do nothing.
    Ignored,
    /// Contacted the platform's customer service.
    ContactedCs,
    /// A free note.
    Note,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Replied => "replied",
            ActionKind::Reported => "reported",
            ActionKind::Ignored => "ignored",
            ActionKind::ContactedCs => "contacted_cs",
            ActionKind::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<ActionKind> {
        Some(match s {
            "replied" => ActionKind::Replied,
            "reported" => ActionKind::Reported,
            "ignored" => ActionKind::Ignored,
            "contacted_cs" | "contacted-cs" => ActionKind::ContactedCs,
            "note" => ActionKind::Note,
            _ => return None,
        })
    }
}

/// An action to record. It concerns a message, an order, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    pub kind: ActionKind,
    pub message_id: Option<i64>,
    pub order_id: Option<String>,
    /// The reply template used (`T1`…), for [`ActionKind::Replied`].
    pub template: Option<String>,
    pub note: Option<String>,
    /// When (Unix seconds).
    pub at: i64,
}

impl NewAction {
    pub fn new(kind: ActionKind, at: i64) -> Self {
        NewAction {
            kind,
            message_id: None,
            order_id: None,
            template: None,
            note: None,
            at,
        }
    }
}

impl Store {
    /// Record an action; returns its id.
    pub fn add_action(&mut self, action: &NewAction) -> Result<i64> {
        if action.message_id.is_none() && action.order_id.is_none() {
            return Err(StoreError::Invalid(
                "an action concerns a message or an order; give one".into(),
            ));
        }
        let tx = self.conn.transaction()?;
        if let Some(id) = action.message_id {
            let exists: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM messages WHERE id = ?1)",
                [id],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(StoreError::Invalid(format!("no message #{id} in the log")));
            }
        }
        tx.execute(
            "INSERT INTO actions (message_id, order_id, kind, template, note, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                action.message_id,
                action
                    .order_id
                    .as_deref()
                    .map(|o| o.trim().to_ascii_uppercase()),
                action.kind.as_str(),
                action.template,
                action.note,
                action.at
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_needs_a_message_or_an_order() {
        let mut store = Store::open_in_memory().expect("open");
        assert!(store
            .add_action(&NewAction::new(ActionKind::Ignored, 1))
            .is_err());
        let mut a = NewAction::new(ActionKind::Replied, 1);
        a.order_id = Some("250-1234567-7654321".into());
        a.template = Some("T1".into());
        assert!(store.add_action(&a).expect("add") > 0);
        a.message_id = Some(42);
        let err = store.add_action(&a).expect_err("no such message");
        assert!(err.to_string().contains("#42"), "{err}");
    }

    #[test]
    fn kinds_round_trip() {
        for k in [
            ActionKind::Replied,
            ActionKind::Reported,
            ActionKind::Ignored,
            ActionKind::ContactedCs,
            ActionKind::Note,
        ] {
            assert_eq!(ActionKind::parse(k.as_str()), Some(k));
        }
    }
}
