//! Messages and actions grouped by order, in time order, and the follow-up state (A6):
//! the user wrote to the seller and no answer came within the expected time.

use rusqlite::params;
use serde::Serialize;

use crate::actions::ActionKind;
use crate::messages::{row_from, MessageRow, ROW_SELECT};
use crate::orders::Order;
use crate::{now_unix, Result, Store};

/// Sellers are expected to answer buyers' messages within 24 hours.
pub const DEFAULT_REPLY_HOURS: u32 = 24;

/// One event on an order's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineEntry {
    Message(MessageRow),
    Action {
        id: i64,
        kind: ActionKind,
        message_id: Option<i64>,
        template: Option<String>,
        note: Option<String>,
        at: i64,
    },
}

impl TimelineEntry {
    /// When it happened (Unix seconds).
    pub fn at(&self) -> i64 {
        match self {
            TimelineEntry::Message(m) => m.at(),
            TimelineEntry::Action { at, .. } => *at,
        }
    }
}

/// Where a conversation with the seller stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FollowUpState {
    /// The user has not written to the seller (as far as the log knows).
    NotWritten,
    /// The seller answered after the user's last message.
    Answered,
    /// The user wrote, no answer yet, still within the expected time.
    Waiting { since: i64, hours: i64 },
    /// The user wrote and no answer came within the expected time: contact customer service.
    Overdue { since: i64, hours: i64 },
    /// The user has already contacted customer service after writing.
    WithCustomerService,
}

/// The follow-up state with what to give customer service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    pub state: FollowUpState,
    /// The threshold used, in hours.
    pub threshold_hours: u32,
    /// The template of the user's last message to the seller, if recorded.
    pub last_template: Option<String>,
}

/// An order's whole story.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub order_id: String,
    /// The order as imported from the order history, if it was.
    pub order: Option<Order>,
    /// Oldest first.
    pub entries: Vec<TimelineEntry>,
    pub follow_up: FollowUp,
}

impl Timeline {
    pub fn messages(&self) -> impl Iterator<Item = &MessageRow> {
        self.entries.iter().filter_map(|e| match e {
            TimelineEntry::Message(m) => Some(m),
            _ => None,
        })
    }

    /// The worst verdict among the order's messages.
    pub fn worst_level(&self) -> Option<&str> {
        let rank = |l: &str| match l {
            "danger" => 2,
            "caution" => 1,
            _ => 0,
        };
        self.messages()
            .map(|m| m.level.as_str())
            .max_by_key(|l| rank(l))
    }
}

/// One line of `miwake history`.
#[derive(Debug, Clone, Serialize)]
pub struct OrderOverview {
    pub order_id: String,
    pub messages: usize,
    pub actions: usize,
    pub first_at: i64,
    pub last_at: i64,
    pub worst_level: Option<String>,
    pub follow_up: FollowUp,
    pub product: Option<String>,
}

impl Store {
    /// The timeline of one order, with follow-ups judged now against 24 hours.
    pub fn timeline(&self, order_id: &str) -> Result<Timeline> {
        self.timeline_at(order_id, now_unix(), DEFAULT_REPLY_HOURS)
    }

    /// The timeline of one order, with follow-ups judged at `now` against `reply_hours`.
    pub fn timeline_at(&self, order_id: &str, now: i64, reply_hours: u32) -> Result<Timeline> {
        let order_id = order_id.trim().to_ascii_uppercase();
        let mut entries: Vec<TimelineEntry> = Vec::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "{ROW_SELECT} WHERE m.id IN (SELECT message_id FROM message_orders WHERE order_id = ?1)"
        ))?;
        for row in stmt.query_map([&order_id], row_from)? {
            entries.push(TimelineEntry::Message(row?));
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, message_id, template, note, at FROM actions
             WHERE order_id = ?1
                OR message_id IN (SELECT message_id FROM message_orders WHERE order_id = ?1)",
        )?;
        let rows = stmt.query_map(params![&order_id], |r| {
            let kind: String = r.get(1)?;
            Ok(TimelineEntry::Action {
                id: r.get(0)?,
                kind: ActionKind::parse(&kind).unwrap_or(ActionKind::Note),
                message_id: r.get(2)?,
                template: r.get(3)?,
                note: r.get(4)?,
                at: r.get(5)?,
            })
        })?;
        for row in rows {
            entries.push(row?);
        }
        entries.sort_by_key(|e| {
            let (kind, id) = match e {
                TimelineEntry::Message(m) => (0, m.id),
                TimelineEntry::Action { id, .. } => (1, *id),
            };
            (e.at(), kind, id)
        });
        let follow_up = follow_up(&entries, now, reply_hours);
        Ok(Timeline {
            order: self.order(&order_id)?,
            order_id,
            entries,
            follow_up,
        })
    }

    /// Every order the log knows something about, most recent activity first.
    pub fn overview_at(&self, now: i64, reply_hours: u32) -> Result<Vec<OrderOverview>> {
        let mut stmt = self.conn.prepare(
            "SELECT order_id FROM message_orders
             UNION SELECT order_id FROM actions WHERE order_id IS NOT NULL",
        )?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let t = self.timeline_at(&id, now, reply_hours)?;
            let (Some(first), Some(last)) = (t.entries.first(), t.entries.last()) else {
                continue;
            };
            out.push(OrderOverview {
                messages: t.messages().count(),
                actions: t.entries.len() - t.messages().count(),
                first_at: first.at(),
                last_at: last.at(),
                worst_level: t.worst_level().map(str::to_string),
                product: t
                    .order
                    .as_ref()
                    .and_then(|o| o.items.first())
                    .and_then(|i| i.product_name.clone()),
                follow_up: t.follow_up,
                order_id: t.order_id,
            });
        }
        out.sort_by(|a, b| b.last_at.cmp(&a.last_at).then(a.order_id.cmp(&b.order_id)));
        Ok(out)
    }
}

fn follow_up(entries: &[TimelineEntry], now: i64, reply_hours: u32) -> FollowUp {
    let last_written = entries.iter().rev().find_map(|e| match e {
        TimelineEntry::Action {
            kind: ActionKind::Replied,
            at,
            template,
            ..
        } => Some((*at, template.clone())),
        _ => None,
    });
    let Some((since, last_template)) = last_written else {
        return FollowUp {
            state: FollowUpState::NotWritten,
            threshold_hours: reply_hours,
            last_template: None,
        };
    };
    let after = |e: &&TimelineEntry| e.at() > since;
    let answered = entries
        .iter()
        .filter(after)
        .any(|e| matches!(e, TimelineEntry::Message(_)));
    let with_cs = entries.iter().filter(after).any(|e| {
        matches!(
            e,
            TimelineEntry::Action {
                kind: ActionKind::ContactedCs,
                ..
            }
        )
    });
    let hours = (now - since).max(0) / 3600;
    let state = if answered {
        FollowUpState::Answered
    } else if with_cs {
        FollowUpState::WithCustomerService
    } else if now - since >= i64::from(reply_hours) * 3600 {
        FollowUpState::Overdue { since, hours }
    } else {
        FollowUpState::Waiting { since, hours }
    };
    FollowUp {
        state,
        threshold_hours: reply_hours,
        last_template,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewAction, NewMessage};
    use miwake_core::Analyzer;

    const ORDER: &str = "250-1234567-7654321";

    fn store_with_message(at: i64) -> (Store, i64) {
        let mut store = Store::open_in_memory().expect("open");
        let raw = format!("注文番号 {ORDER} の商品の発送が遅れております。申し訳ございません。");
        let report = Analyzer::embedded().expect("a").analyze(raw.as_bytes());
        let r = store
            .record(&NewMessage::new(raw.as_bytes(), &report, at))
            .expect("record");
        (store, r.id)
    }

    fn replied(store: &mut Store, at: i64) {
        let mut a = NewAction::new(ActionKind::Replied, at);
        a.order_id = Some(ORDER.into());
        a.template = Some("T1".into());
        store.add_action(&a).expect("action");
    }

    #[test]
    fn timeline_orders_messages_and_actions_by_time() {
        let (mut store, id) = store_with_message(1_000);
        replied(&mut store, 2_000);
        let mut reported = NewAction::new(ActionKind::Reported, 1_500);
        reported.message_id = Some(id);
        store.add_action(&reported).expect("reported");
        let t = store.timeline_at(ORDER, 3_000, 24).expect("timeline");
        let kinds: Vec<String> = t
            .entries
            .iter()
            .map(|e| match e {
                TimelineEntry::Message(_) => "message".to_string(),
                TimelineEntry::Action { kind, .. } => kind.as_str().to_string(),
            })
            .collect();
        assert_eq!(kinds, ["message", "reported", "replied"]);
        assert_eq!(t.follow_up.last_template.as_deref(), Some("T1"));
    }

    #[test]
    fn no_answer_within_the_threshold_is_waiting_then_overdue() {
        let (mut store, _) = store_with_message(1_000);
        replied(&mut store, 10_000);
        let at = |now, hours| {
            store
                .timeline_at(ORDER, now, hours)
                .expect("t")
                .follow_up
                .state
        };
        assert_eq!(
            at(10_000 + 3_600, 24),
            FollowUpState::Waiting {
                since: 10_000,
                hours: 1
            }
        );
        assert_eq!(
            at(10_000 + 25 * 3_600, 24),
            FollowUpState::Overdue {
                since: 10_000,
                hours: 25
            }
        );
        assert_eq!(
            at(10_000 + 3 * 3_600, 2),
            FollowUpState::Overdue {
                since: 10_000,
                hours: 3
            }
        );
    }

    #[test]
    fn a_later_message_on_the_order_is_an_answer() {
        let (mut store, _) = store_with_message(1_000);
        replied(&mut store, 500);
        let t = store.timeline_at(ORDER, 1_000_000, 24).expect("t");
        assert_eq!(t.follow_up.state, FollowUpState::Answered);
    }

    #[test]
    fn overview_lists_each_order_once() {
        let (mut store, _) = store_with_message(1_000);
        replied(&mut store, 2_000);
        let mut other = NewAction::new(ActionKind::Replied, 3_000);
        other.order_id = Some("250-0000000-0000001".into());
        store.add_action(&other).expect("other");
        let o = store.overview_at(3_000 + 48 * 3_600, 24).expect("overview");
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].order_id, "250-0000000-0000001");
        assert_eq!(o[1].messages, 1);
        assert_eq!(o[1].actions, 1);
        assert!(matches!(
            o[1].follow_up.state,
            FollowUpState::Overdue { .. }
        ));
    }
}
