//! The defences every request passes through.
//!
//! - **DNS rebinding**: a request whose `Host` is not this server's own loopback address
//!   (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`) is refused, so a page on another
//!   site whose name was re-pointed at 127.0.0.1 cannot read anything.
//! - **Cross-site requests**: an `Origin` other than our own, or `Sec-Fetch-Site: cross-site`
//!   on a state-changing request, is refused.
//! - **CSRF**: every `POST` carries a secret token, chosen at random when the server starts,
//!   that only pages from this origin can read: the `csrf` form field, or the
//!   `X-Miwake-Csrf` header for the JSON API (`GET /api/v1/token` hands it out).
//! - **Upload size**: a declared body larger than the limit is refused before it is read.
//! - **Headers on every response**: a strict Content-Security-Policy (no inline script, no
//!   remote origins, no remote images, no framing), `X-Content-Type-Options: nosniff`,
//!   `Referrer-Policy: no-referrer`, and `Cache-Control: no-store` (pages hold messages).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::Problem;
use crate::{AppState, ServerError};

/// Form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// Header that carries the CSRF token on API requests.
pub const CSRF_HEADER: &str = "x-miwake-csrf";

/// The policy: only our own origin, nothing inline, nothing remote.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; \
frame-src 'none'; worker-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What a request must match to be served.
#[derive(Debug, Clone)]
pub struct Guard {
    hosts: Vec<String>,
    origins: Vec<String>,
    csrf_token: String,
    max_body: usize,
}

impl Guard {
    pub fn new(port: u16, max_body: usize) -> Result<Self, ServerError> {
        let mut hosts: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .map(|h| format!("{h}:{port}"))
            .collect();
        if port == 80 {
            hosts.extend(["127.0.0.1", "localhost", "[::1]"].map(String::from));
        }
        let origins = hosts.iter().map(|h| format!("http://{h}")).collect();
        Ok(Guard {
            hosts,
            origins,
            csrf_token: random_token()?,
            max_body,
        })
    }

    /// The token every POST must carry.
    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }

    /// True when `provided` is the token (compared in constant time).
    pub fn csrf_ok(&self, provided: Option<&str>) -> bool {
        provided.is_some_and(|p| constant_time_eq(p.as_bytes(), self.csrf_token.as_bytes()))
    }

    fn host_ok(&self, headers: &HeaderMap) -> bool {
        header_str(headers, header::HOST)
            .is_some_and(|h| self.hosts.iter().any(|ok| ok.eq_ignore_ascii_case(h)))
    }

    fn origin_ok(&self, headers: &HeaderMap) -> bool {
        match headers.get(header::ORIGIN).map(|v| v.to_str()) {
            None => true,
            // Under `Referrer-Policy: no-referrer` browsers send `Origin: null` on our own form
            // posts; accept that only when the browser also attests the request is same-origin
            // (sandboxed frames and data: pages elsewhere send `null` as cross-site).
            Some(Ok("null")) => header_str(headers, "sec-fetch-site") == Some("same-origin"),
            Some(Ok(origin)) => self
                .origins
                .iter()
                .any(|ok| ok.eq_ignore_ascii_case(origin)),
            Some(Err(_)) => false,
        }
    }

    /// Why a request is refused before it reaches a handler, if it is.
    fn check(&self, method: &Method, path: &str, headers: &HeaderMap) -> Option<Problem> {
        if !self.host_ok(headers) {
            return Some(Problem::wrong_host());
        }
        if !self.origin_ok(headers) {
            return Some(Problem::cross_site());
        }
        let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !changes_state {
            return None;
        }
        if header_str(headers, "sec-fetch-site").is_some_and(|s| s == "cross-site") {
            return Some(Problem::cross_site());
        }
        let declared =
            header_str(headers, header::CONTENT_LENGTH).and_then(|l| l.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.max_body as u64) {
            return Some(Problem::too_large(self.max_body));
        }
        // Forms carry the token in their body (checked by the handler); the API in a header.
        if path.starts_with("/api/") && !self.csrf_ok(header_str(headers, CSRF_HEADER)) {
            return Some(Problem::csrf());
        }
        None
    }
}

/// Middleware: refuse what [`Guard::check`] refuses, and add the security headers to every
/// response, refusals included.
pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let refusal = state
        .guard
        .check(request.method(), &path, request.headers());
    let mut response = match refusal {
        Some(problem) => problem.respond(&state, &path, None),
        None => next.run(request).await,
    };
    add_security_headers(response.headers_mut());
    response
}

fn add_security_headers(headers: &mut HeaderMap) {
    let csp = if cfg!(feature = "unsafe-no-csp") {
        None
    } else {
        Some(CONTENT_SECURITY_POLICY)
    };
    if let Some(csp) = csp {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 128 random bits, hex.
pub(crate) fn random_token() -> Result<String, ServerError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ServerError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_own_host_and_origin_pass() {
        let g = Guard::new(8731, 100).unwrap();
        let get = Method::GET;
        assert!(g
            .check(&get, "/", &headers(&[("host", "127.0.0.1:8731")]))
            .is_none());
        assert!(g
            .check(&get, "/", &headers(&[("host", "localhost:8731")]))
            .is_none());
        let rebound = g.check(&get, "/", &headers(&[("host", "evil.example:8731")]));
        assert_eq!(rebound.map(|p| p.code), Some("wrong_host"));
        let other_port = g.check(&get, "/", &headers(&[("host", "127.0.0.1:9999")]));
        assert_eq!(other_port.map(|p| p.code), Some("wrong_host"));
        let no_host = g.check(&get, "/", &HeaderMap::new());
        assert_eq!(no_host.map(|p| p.code), Some("wrong_host"));
        let foreign = g.check(
            &get,
            "/",
            &headers(&[
                ("host", "127.0.0.1:8731"),
                ("origin", "http://evil.example"),
            ]),
        );
        assert_eq!(foreign.map(|p| p.code), Some("cross_site"));
        let host = ("host", "127.0.0.1:8731");
        let null = g.check(&get, "/", &headers(&[host, ("origin", "null")]));
        assert_eq!(null.map(|p| p.code), Some("cross_site"));
        let null_cross = headers(&[host, ("origin", "null"), ("sec-fetch-site", "cross-site")]);
        assert!(g.check(&get, "/", &null_cross).is_some());
        let own_form = headers(&[host, ("origin", "null"), ("sec-fetch-site", "same-origin")]);
        assert!(g.check(&get, "/", &own_form).is_none());
    }

    #[test]
    fn api_posts_need_the_token_and_a_small_body() {
        let g = Guard::new(8731, 100).unwrap();
        let post = Method::POST;
        let host = ("host", "127.0.0.1:8731");
        let missing = g.check(&post, "/api/v1/check", &headers(&[host]));
        assert_eq!(missing.map(|p| p.code), Some("csrf"));
        let token = g.csrf_token().to_string();
        let good = headers(&[host, ("x-miwake-csrf", &token)]);
        assert!(g.check(&post, "/api/v1/check", &good).is_none());
        let wrong = headers(&[host, ("x-miwake-csrf", "0000")]);
        assert_eq!(
            g.check(&post, "/api/v1/check", &wrong).map(|p| p.code),
            Some("csrf")
        );
        let big = headers(&[host, ("x-miwake-csrf", &token), ("content-length", "101")]);
        assert_eq!(
            g.check(&post, "/api/v1/check", &big).map(|p| p.code),
            Some("too_large")
        );
        let cross = headers(&[host, ("sec-fetch-site", "cross-site")]);
        assert_eq!(
            g.check(&post, "/check", &cross).map(|p| p.code),
            Some("cross_site")
        );
    }

    #[test]
    fn tokens_differ_and_compare_exactly() {
        let a = Guard::new(1, 1).unwrap();
        let b = Guard::new(1, 1).unwrap();
        assert_ne!(a.csrf_token(), b.csrf_token());
        assert_eq!(a.csrf_token().len(), 32);
        assert!(a.csrf_ok(Some(a.csrf_token())));
        assert!(!a.csrf_ok(Some(b.csrf_token())));
        assert!(!a.csrf_ok(None));
    }
}
