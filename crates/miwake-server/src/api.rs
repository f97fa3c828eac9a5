//! The JSON API (`/api/v1/…`), documented in `docs/server.md` and `openapi.json`.
//!
//! Every POST needs the `X-Miwake-Csrf` header (from `GET /api/v1/token` or the page's
//! `csrf-token` meta tag); the guard checks it before these handlers run.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::json;

use crate::error::Problem;
use crate::AppState;

const OPENAPI: &str = include_str!("../openapi.json");

pub async fn token(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({ "csrf_token": state.guard.csrf_token(), "header": "X-Miwake-Csrf" }))
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    /// The message: pasted text, or a whole e-mail (RFC 5322).
    message: String,
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
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    let raw = match body(&state, raw) {
        Ok(b) => b,
        Err(p) => return p.json(),
    };
    let message = if is_json(&headers) {
        match serde_json::from_slice::<CheckRequest>(&raw) {
            Ok(req) => req.message.into_bytes(),
            Err(e) => return Problem::bad_request(&e.to_string()).json(),
        }
    } else {
        raw.to_vec()
    };
    if message.iter().all(u8::is_ascii_whitespace) {
        return Problem::empty().json();
    }
    match crate::pages::analyze(&state, Arc::new(message)).await {
        Ok(report) => Json(report).into_response(),
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
