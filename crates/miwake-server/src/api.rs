//! The JSON API (`/api/v1/…`), documented in `docs/server.md` and `openapi.json`.
//!
//! Every POST needs the `X-Miwake-Csrf` header (from `GET /api/v1/token` or the page's
//! `csrf-token` meta tag); the guard checks it before these handlers run.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::json;

use miwake_core::Lang;

use crate::error::Problem;
use crate::i18n::parse_lang;
use crate::AppState;

const OPENAPI: &str = include_str!("../openapi.json");

pub async fn token(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({ "csrf_token": state.guard.csrf_token(), "header": "X-Miwake-Csrf" }))
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// The body of `check`, `replies` and `report` when it is JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageRequest {
    /// The message: pasted text, or a whole e-mail (RFC 5322).
    message: String,
    /// `ja` (default) or `en`, for replies and the report's summary.
    #[serde(default)]
    lang: Option<String>,
    /// Reply values that win over the facts found: `order`, `date`, `item`, `missing`.
    #[serde(default)]
    values: HashMap<String, String>,
}

/// A message from the body (JSON or raw) plus its language and reply values
/// (from the JSON, or from the query for a raw body).
struct MessageInput {
    raw: Vec<u8>,
    lang: Lang,
    values: HashMap<String, String>,
}

fn message_input(
    state: &AppState,
    headers: &HeaderMap,
    query: HashMap<String, String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<MessageInput, Problem> {
    let raw = body(state, raw)?;
    let input = if is_json(headers) {
        let req: MessageRequest =
            serde_json::from_slice(&raw).map_err(|e| Problem::bad_request(&e.to_string()))?;
        MessageInput {
            raw: req.message.into_bytes(),
            lang: parse_lang(req.lang.as_deref()),
            values: req.values,
        }
    } else {
        MessageInput {
            raw: raw.to_vec(),
            lang: parse_lang(query.get("lang").map(String::as_str)),
            values: query,
        }
    };
    if input.raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::empty());
    }
    Ok(input)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UrlRequest {
    url: String,
}

fn body(state: &AppState, body: Result<Bytes, BytesRejection>) -> Result<Bytes, Problem> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::too_large(state.max_upload_bytes)
        } else {
            Problem::bad_request(&e.body_text())
        }
    })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let essence = ct.split(';').next().unwrap_or("").trim();
            essence.eq_ignore_ascii_case("application/json")
        })
}

/// `POST /api/v1/check`: a JSON `{"message": "…"}`, or the raw message as the body
/// (`message/rfc822`, `text/plain`, anything not JSON). Answers the report (docs/json-schema.md).
pub async fn check(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    let input = match message_input(&state, &headers, query, raw) {
        Ok(i) => i,
        Err(p) => return p.json(),
    };
    match crate::pages::analyze(&state, Arc::new(input.raw)).await {
        Ok(report) => Json(report).into_response(),
        Err(p) => p.json(),
    }
}

/// `POST /api/v1/replies`: the suggested replies for a message, filled with its facts and the
/// given `values`. Unsafe values (links, contact details, not an order number) are refused.
pub async fn replies(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    let input = match message_input(&state, &headers, query, raw) {
        Ok(i) => i,
        Err(p) => return p.json(),
    };
    let values = crate::replies::values_from(&input.values);
    if let Err(e) = values.validate() {
        return Problem::bad_request(&e.to_string()).json();
    }
    let report = match crate::pages::analyze(&state, Arc::new(input.raw)).await {
        Ok(r) => r,
        Err(p) => return p.json(),
    };
    let filled = crate::replies::suggested(&state.analyzer, &report, input.lang, values);
    Json(json!({ "replies": filled.replies, "values": filled.values })).into_response()
}

/// `POST /api/v1/report`: the forward-ready report e-mail for reportascam@amazon.com
/// (`message/rfc822`, the original attached unchanged).
pub async fn report(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    let input = match message_input(&state, &headers, query, raw) {
        Ok(i) => i,
        Err(p) => return p.json(),
    };
    let raw = Arc::new(input.raw);
    match crate::pages::analyze(&state, raw.clone()).await {
        Ok(report) => crate::pages::report_eml_response(&raw, &report, input.lang),
        Err(p) => p.json(),
    }
}

/// `POST /api/v1/url`: `{"url": "…"}` → the report for that one link. Nothing is fetched.
pub async fn url(
    State(state): State<Arc<AppState>>,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    let raw = match body(&state, raw) {
        Ok(b) => b,
        Err(p) => return p.json(),
    };
    let request: UrlRequest = match serde_json::from_slice(&raw) {
        Ok(r) => r,
        Err(e) => return Problem::bad_request(&e.to_string()).json(),
    };
    if request.url.trim().is_empty() {
        return Problem::bad_request("url is empty").json();
    }
    Json(state.analyzer.analyze_url(&request.url)).into_response()
}
