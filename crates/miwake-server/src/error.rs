//! Refusals and failures, in both languages, as an HTML page or a JSON object.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Response};
use miwake_core::knowledge::Localized;
use miwake_core::Lang;
use serde_json::json;

use crate::AppState;

/// Something the user (or a tool) needs to be told instead of a result.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// Stable, for the JSON API: `wrong_host`, `cross_site`, `csrf`, `too_large`, `empty`,
    /// `bad_request`, `not_found`, `expired`, `history_unavailable`, `internal`.
    pub code: &'static str,
    pub message: Localized,
}

fn text(ja: impl Into<String>, en: impl Into<String>) -> Localized {
    Localized {
        ja: ja.into(),
        en: en.into(),
    }
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, message: Localized) -> Self {
        Problem {
            status,
            code,
            message,
        }
    }

    pub fn wrong_host() -> Self {
        Problem::new(
            StatusCode::MISDIRECTED_REQUEST,
            "wrong_host",
            text(
                "このサーバーは自分自身のアドレス(127.0.0.1)宛ての要求にだけ答えます。",
                "This server only answers requests addressed to itself (127.0.0.1).",
            ),
        )
    }

    pub fn cross_site() -> Self {
        Problem::new(
            StatusCode::FORBIDDEN,
            "cross_site",
            text(
                "ほかのサイトからの要求は受け付けません。",
                "Requests from other sites are refused.",
            ),
        )
    }

    pub fn csrf() -> Self {
        Problem::new(
            StatusCode::FORBIDDEN,
            "csrf",
            text(
                "確認用のトークンがないか、古くなっています。ページを開き直してからもう一度お試しください。",
                "The form's security token is missing or out of date. Reload the page and try again.",
            ),
        )
    }

    pub fn too_large(limit: usize) -> Self {
        let mib = limit as f64 / (1024.0 * 1024.0);
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            text(
                format!("大きすぎます。送れるのは{mib:.0} MBまでです。本文だけを貼り付けるか、添付ファイルを除いたメールでお試しください。"),
                format!("Too large: the limit is {mib:.0} MB. Paste just the text, or save the e-mail without its attachments."),
            ),
        )
    }

    pub fn empty() -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "empty",
            text(
                "メッセージを貼り付けるか、.emlファイルを選んでください。",
                "Paste a message or choose an .eml file.",
            ),
        )
    }

    pub fn bad_request(detail: &str) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            text(
                format!("要求を読めませんでした: {detail}"),
                format!("The request could not be read: {detail}"),
            ),
        )
    }

    pub fn not_found() -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            text("ページが見つかりません。", "Page not found."),
        )
    }

    pub fn expired() -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            "expired",
            text(
                "この結果はもう残っていません(サーバーを再起動したか、古くなりました)。もう一度確認してください。",
                "This result is no longer kept (the server restarted or it is too old). Please check the message again.",
            ),
        )
    }

    pub fn history_unavailable(reason: &str) -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "history_unavailable",
            text(
                format!("履歴(証拠の記録)を使えません: {reason}"),
                format!("The history (evidence log) is not available: {reason}"),
            ),
        )
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            text(
                format!("内部エラー: {detail}"),
                format!("Internal error: {detail}"),
            ),
        )
    }

    /// JSON under `/api/`, an HTML page elsewhere (in `lang`, or both languages when unknown).
    pub fn respond(&self, state: &AppState, path: &str, lang: Option<Lang>) -> Response {
        if path.starts_with("/api/") {
            return self.json();
        }
        match crate::pages::error_page(state, self, lang) {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.message.en.clone()).into_response(),
        }
    }

    pub fn json(&self) -> Response {
        let body = json!({
            "error": { "code": self.code, "message": self.message }
        });
        (self.status, Json(body)).into_response()
    }
}
