//! History: the evidence log (`miwake-store`, SQLite) by order — timelines, orders waiting
//! for the seller's answer highlighted, saving a checked message and what the user did about
//! it, and a case export for customer service.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use miwake_core::reply::is_order_number;
use miwake_core::Lang;
use miwake_store::{
    format_time, now_unix, ActionKind, FollowUpState, NewAction, NewMessage, Store, TimelineEntry,
    DEFAULT_REPLY_HOURS,
};
use serde::Serialize;

use crate::error::Problem;
use crate::i18n::{lang_code, parse_lang};
use crate::pages::{analyze, base, render};
use crate::AppState;

/// The evidence log, or why there is none.
pub enum History {
    Ready(Mutex<Store>),
    Unavailable(String),
}

impl History {
    /// Opens (or creates) the database at `path`; `None` turns history off.
    pub fn open(path: Option<PathBuf>) -> History {
        let Some(path) = path else {
            return History::Unavailable(
                "turned off (--no-history), or no folder to keep it in".into(),
            );
        };
        match Store::open(&path) {
            Ok(store) => History::Ready(Mutex::new(store)),
            Err(e) => History::Unavailable(e.to_string()),
        }
    }

    pub fn available(&self) -> bool {
        matches!(self, History::Ready(_))
    }

    /// Runs `f` with the store on a blocking thread (SQLite does file I/O).
    async fn with_store<T: Send + 'static>(
        state: &Arc<AppState>,
        f: impl FnOnce(&mut Store) -> Result<T, Problem> + Send + 'static,
    ) -> Result<T, Problem> {
        let state = state.clone();
        tokio::task::spawn_blocking(move || match &state.history {
            History::Ready(store) => {
                let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
                f(&mut store)
            }
            History::Unavailable(reason) => Err(Problem::history_unavailable(reason)),
        })
        .await
        .map_err(Problem::internal)?
    }
}

fn store_problem(e: miwake_store::StoreError) -> Problem {
    Problem::internal(e)
}

fn when(unix: i64) -> String {
    format_time(unix).replace('T', " ").replace('Z', " UTC")
}

#[derive(Serialize)]
struct FollowUpView {
    /// `not_written`, `answered`, `waiting`, `overdue`, `with_customer_service`.
    state: &'static str,
    /// Waiting for the seller (within the time, or overdue): highlighted.
    waiting: bool,
    hours: i64,
    threshold_hours: u32,
    last_template: Option<String>,
}

fn follow_up_view(f: &miwake_store::FollowUp) -> FollowUpView {
    let (state, hours) = match f.state {
        FollowUpState::NotWritten => ("not_written", 0),
        FollowUpState::Answered => ("answered", 0),
        FollowUpState::Waiting { hours, .. } => ("waiting", hours),
        FollowUpState::Overdue { hours, .. } => ("overdue", hours),
        FollowUpState::WithCustomerService => ("with_customer_service", 0),
    };
    FollowUpView {
        state,
        waiting: matches!(state, "waiting" | "overdue"),
        hours,
        threshold_hours: f.threshold_hours,
        last_template: f.last_template.clone(),
    }
}

#[derive(Serialize)]
struct OrderRow {
    order_id: String,
    messages: usize,
    actions: usize,
    last: String,
    worst_level: Option<String>,
    product: Option<String>,
    follow_up: FollowUpView,
}

#[derive(Serialize)]
struct EntryView {
    when: String,
    /// `message` or `action`.
    kind: &'static str,
    level: Option<String>,
    subject: Option<String>,
    sender: Option<String>,
    intent: Option<String>,
    action: Option<&'static str>,
    template: Option<String>,
    note: Option<String>,
}

fn entry_view(entry: &TimelineEntry) -> EntryView {
    match entry {
        TimelineEntry::Message(m) => EntryView {
            when: when(m.at()),
            kind: "message",
            level: Some(m.level.clone()),
            subject: m.subject.clone(),
            sender: m.sender.clone(),
            intent: Some(m.intent.clone()),
            action: None,
            template: None,
            note: None,
        },
        TimelineEntry::Action {
            kind,
            template,
            note,
            at,
            ..
        } => EntryView {
            when: when(*at),
            kind: "action",
            level: None,
            subject: None,
            sender: None,
            intent: None,
            action: Some(kind.as_str()),
            template: template.clone(),
            note: note.clone(),
        },
    }
}

fn lang_of(params: &HashMap<String, String>) -> Lang {
    parse_lang(params.get("lang").map(String::as_str))
}

fn page(state: &AppState, lang: Lang, path: &str, name: &str, extra: Value) -> Response {
    let ctx = context! { ..base(state, lang, "history", path, ""), ..extra };
    match render(state, name, ctx) {
        Ok(html) => html.into_response(),
        Err(p) => p.respond(state, path, Some(lang)),
    }
}

/// `GET /history`: every order the log knows, most recent first, waiting ones highlighted.
pub async fn overview(
    State(state): State<Arc<AppState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&params);
    let reason = match &state.history {
        History::Unavailable(reason) => Some(reason.clone()),
        History::Ready(_) => None,
    };
    if let Some(reason) = reason {
        return page(
            &state,
            lang,
            "/history",
            "history.html",
            context! { reason },
        );
    }
    let rows = History::with_store(&state, |store| {
        store
            .overview_at(now_unix(), DEFAULT_REPLY_HOURS)
            .map_err(store_problem)
    })
    .await;
    let rows: Vec<OrderRow> = match rows {
        Ok(rows) => rows
            .iter()
            .map(|o| OrderRow {
                order_id: o.order_id.clone(),
                messages: o.messages,
                actions: o.actions,
                last: when(o.last_at),
                worst_level: o.worst_level.clone(),
                product: o.product.clone(),
                follow_up: follow_up_view(&o.follow_up),
            })
            .collect(),
        Err(p) => return p.respond(&state, "/history", Some(lang)),
    };
    let waiting = rows.iter().filter(|r| r.follow_up.waiting).count();
    let saved = params.get("saved").cloned();
    page(
        &state,
        lang,
        "/history",
        "history.html",
        context! { reason => Value::from(()), orders => rows, waiting, saved },
    )
}

fn valid_order(order: &str) -> Result<String, Problem> {
    let order = order.trim().to_ascii_uppercase();
    if is_order_number(&order) {
        Ok(order)
    } else {
        Err(Problem::not_found())
    }
}

/// `GET /history/order/{order}`: the order's messages and actions in time order.
pub async fn timeline(
    State(state): State<Arc<AppState>>,
    Path(order): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&params);
    let path = format!("/history/order/{order}");
    let order = match valid_order(&order) {
        Ok(o) => o,
        Err(p) => return p.respond(&state, &path, Some(lang)),
    };
    let id = order.clone();
    let timeline =
        History::with_store(&state, move |s| s.timeline(&id).map_err(store_problem)).await;
    let timeline = match timeline {
        Ok(t) if !t.entries.is_empty() => t,
        Ok(_) => return Problem::not_found().respond(&state, &path, Some(lang)),
        Err(p) => return p.respond(&state, &path, Some(lang)),
    };
    let entries: Vec<EntryView> = timeline.entries.iter().map(entry_view).collect();
    page(
        &state,
        lang,
        &path,
        "timeline.html",
        context! {
            order_id => timeline.order_id,
            worst_level => timeline.worst_level(),
            follow_up => follow_up_view(&timeline.follow_up),
            entries,
            saved => params.get("saved").cloned(),
        },
    )
}

/// `GET /history/order/{order}/export.zip`: the case bundle (messages as received, verdicts,
/// actions, summary, SHA-256 manifest) for customer service.
pub async fn export(State(state): State<Arc<AppState>>, Path(order): Path<String>) -> Response {
    let path = format!("/history/order/{order}/export.zip");
    let order = match valid_order(&order) {
        Ok(o) => o,
        Err(p) => return p.respond(&state, &path, None),
    };
    let id = order.clone();
    let bytes = History::with_store(&state, move |store| {
        let dir = std::env::temp_dir().join(format!(
            "miwake-export-{}",
            crate::security::random_token().map_err(Problem::internal)?
        ));
        std::fs::create_dir_all(&dir).map_err(Problem::internal)?;
        let file = dir.join("case.zip");
        let result = store
            .export_order(&id, &file, now_unix())
            .map_err(store_problem)
            .and_then(|_| std::fs::read(&file).map_err(Problem::internal));
        let _ = std::fs::remove_dir_all(&dir);
        result
    })
    .await;
    match bytes {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/zip".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"miwake-case-{order}.zip\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(p) => p.respond(&state, &path, None),
    }
}

/// `POST /history/save` (form): keep a checked message in the log, optionally with what the
/// user did (`action` = `replied` with `template`, `reported`, `ignored`, `contacted_cs`).
pub async fn save(
    State(state): State<Arc<AppState>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&form);
    if !state.guard.csrf_ok(form.get("csrf").map(String::as_str)) {
        return Problem::csrf().respond(&state, "/history/save", Some(lang));
    }
    let id = form.get("id").cloned().unwrap_or_default();
    let Some(raw) = state.recent.get(&id) else {
        return Problem::expired().respond(&state, "/history/save", Some(lang));
    };
    let action = match form.get("action").map(String::as_str) {
        None | Some("") | Some("save") => None,
        Some(kind) => match ActionKind::parse(kind) {
            Some(kind) => Some(kind),
            None => {
                return Problem::bad_request("unknown action").respond(
                    &state,
                    "/history/save",
                    Some(lang),
                )
            }
        },
    };
    let template = form
        .get("template")
        .filter(|t| t.len() <= 8 && t.chars().all(|c| c.is_ascii_alphanumeric()))
        .cloned();
    let report = match analyze(&state, raw.clone()).await {
        Ok(r) => r,
        Err(p) => return p.respond(&state, "/history/save", Some(lang)),
    };
    let order = report.facts.order_numbers.first().map(|o| o.value.clone());
    let order_for_action = order.clone();
    let saved = History::with_store(&state, move |store| {
        let now = now_unix();
        let recorded = store
            .record(&NewMessage::new(&raw, &report, now))
            .map_err(store_problem)?;
        if let Some(kind) = action {
            let mut a = NewAction::new(kind, now);
            a.message_id = Some(recorded.id);
            a.order_id = order_for_action;
            a.template = template.filter(|_| kind == ActionKind::Replied);
            store.add_action(&a).map_err(store_problem)?;
        }
        Ok(())
    })
    .await;
    if let Err(p) = saved {
        return p.respond(&state, "/history/save", Some(lang));
    }
    let code = lang_code(lang);
    match order {
        Some(order) => {
            Redirect::to(&format!("/history/order/{order}?lang={code}&saved=1")).into_response()
        }
        None => Redirect::to(&format!("/history?lang={code}&saved=no_order")).into_response(),
    }
}
