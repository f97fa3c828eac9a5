//! The HTML pages: check (paste or drop), result, URL check, history.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use miwake_core::{Lang, Report};

use crate::error::Problem;
use crate::i18n::{lang_code, parse_lang};
use crate::{view, AppState};

type Params = Query<HashMap<String, String>>;

/// What the pages can offer; a part that is not available says so on the page.
#[derive(serde::Serialize)]
struct Features {
    report_email: bool,
    history: bool,
}

fn lang_of(params: &HashMap<String, String>) -> Lang {
    parse_lang(params.get("lang").map(String::as_str))
}

/// What every page needs: language, strings, token, navigation, the language switch.
pub(crate) fn base(state: &AppState, lang: Lang, nav: &str, path: &str, query: &str) -> Value {
    let other = match lang {
        Lang::Ja => Lang::En,
        Lang::En => Lang::Ja,
    };
    let switch_href = format!("{path}?lang={}{query}", lang_code(other));
    context! {
        lang => lang_code(lang),
        other_lang => lang_code(other),
        t => state.strings.for_lang(lang),
        csrf => state.guard.csrf_token(),
        nav => nav,
        switch_href => switch_href,
        features => Value::from_serialize(Features {
            report_email: true,
            history: state.history.available(),
        }),
    }
}

pub(crate) fn render(state: &AppState, name: &str, ctx: Value) -> Result<Html<String>, Problem> {
    state
        .templates
        .render(name, ctx)
        .map(Html)
        .map_err(Problem::internal)
}

pub async fn index(State(state): State<Arc<AppState>>, Query(params): Params) -> Response {
    let lang = lang_of(&params);
    index_page(&state, lang, None)
}

fn index_page(state: &AppState, lang: Lang, problem: Option<&Problem>) -> Response {
    let limit = state.max_upload_bytes;
    let ctx = context! {
        ..base(state, lang, "check", "/", ""),
        ..context! {
            problem => problem.map(|p| p.message.get(lang).to_string()),
            max_upload => limit,
            max_upload_mb => limit / (1024 * 1024),
            too_large => Problem::too_large(limit).message.get(lang).to_string(),
        }
    };
    let status = problem.map(|p| p.status).unwrap_or_default();
    match render(state, "index.html", ctx) {
        Ok(html) => (status, html).into_response(),
        Err(p) => p.respond(state, "/", Some(lang)),
    }
}

/// The check form: a pasted text or a file (the file wins), with the CSRF token and language.
#[derive(Default)]
struct CheckForm {
    csrf: Option<String>,
    lang: Option<String>,
    text: Option<Vec<u8>>,
    file: Option<Vec<u8>>,
}

async fn read_check_form(state: &AppState, mut multipart: Multipart) -> Result<CheckForm, Problem> {
    let mut form = CheckForm::default();
    let multipart_problem = |e: MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Problem::too_large(state.max_upload_bytes)
        } else {
            Problem::bad_request(&e.body_text())
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(multipart_problem)? {
        let name = field.name().unwrap_or("").to_string();
        let data = field.bytes().await.map_err(multipart_problem)?;
        match name.as_str() {
            "csrf" => form.csrf = Some(String::from_utf8_lossy(&data).into_owned()),
            "lang" => form.lang = Some(String::from_utf8_lossy(&data).into_owned()),
            "text" if !data.trim_ascii().is_empty() => form.text = Some(data.to_vec()),
            "file" if !data.is_empty() => form.file = Some(data.to_vec()),
            _ => {}
        }
    }
    Ok(form)
}

pub async fn post_check(
    State(state): State<Arc<AppState>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let multipart = match multipart {
        Ok(m) => m,
        Err(e) => return Problem::bad_request(&e.body_text()).respond(&state, "/check", None),
    };
    let form = match read_check_form(&state, multipart).await {
        Ok(form) => form,
        Err(problem) => return problem.respond(&state, "/check", None),
    };
    let lang = parse_lang(form.lang.as_deref());
    if !state.guard.csrf_ok(form.csrf.as_deref()) {
        return Problem::csrf().respond(&state, "/check", Some(lang));
    }
    let Some(raw) = form.file.or(form.text) else {
        return index_page(&state, lang, Some(&Problem::empty()));
    };
    let id = match crate::security::random_token() {
        Ok(id) => id,
        Err(e) => return Problem::internal(e).respond(&state, "/check", Some(lang)),
    };
    state.recent.insert(id.clone(), raw);
    Redirect::to(&format!("/result/{id}?lang={}", lang_code(lang))).into_response()
}

/// Runs the analysis off the async threads (it is CPU work).
pub(crate) async fn analyze(state: &Arc<AppState>, raw: Arc<Vec<u8>>) -> Result<Report, Problem> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || state.analyzer.analyze(&raw))
        .await
        .map_err(Problem::internal)
}

pub async fn result(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(params): Params,
) -> Response {
    let lang = lang_of(&params);
    let path = format!("/result/{id}");
    let Some(raw) = state.recent.get(&id) else {
        return Problem::expired().respond(&state, &path, Some(lang));
    };
    let report = match analyze(&state, raw).await {
        Ok(r) => r,
        Err(p) => return p.respond(&state, &path, Some(lang)),
    };
    let user_values = crate::replies::values_from(&params);
    let report_view = view::build(&state.analyzer, &report, lang, user_values);
    let ctx = context! {
        ..base(&state, lang, "check", &path, ""),
        ..context! { r => Value::from_serialize(&report_view), result_id => id }
    };
    match render(&state, "result.html", ctx) {
        Ok(html) => html.into_response(),
        Err(p) => p.respond(&state, &path, Some(lang)),
    }
}

/// The forward-ready report e-mail for a checked message (`miwake-report`), as a download.
pub async fn report_download(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(params): Params,
) -> Response {
    let lang = lang_of(&params);
    let path = format!("/result/{id}/report.eml");
    let Some(raw) = state.recent.get(&id) else {
        return Problem::expired().respond(&state, &path, Some(lang));
    };
    let report = match analyze(&state, raw.clone()).await {
        Ok(r) => r,
        Err(p) => return p.respond(&state, &path, Some(lang)),
    };
    report_eml_response(&raw, &report, lang)
}

pub(crate) fn report_eml_response(raw: &[u8], report: &Report, lang: Lang) -> Response {
    let options = miwake_report::ReportOptions {
        lang,
        ..Default::default()
    };
    let built = miwake_report::build_report(raw, report, &options);
    let filename = format!("miwake-report-{}.eml", &built.original_sha256[..12]);
    (
        [
            (header::CONTENT_TYPE, "message/rfc822".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        built.bytes,
    )
        .into_response()
}

pub async fn url_check(State(state): State<Arc<AppState>>, Query(params): Params) -> Response {
    let lang = lang_of(&params);
    let url = params
        .get("u")
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    let report_view = url.as_deref().map(|u| {
        let report = state.analyzer.analyze_url(u);
        let view = view::build(&state.analyzer, &report, lang, Default::default());
        Value::from_serialize(view)
    });
    let keep = url
        .as_deref()
        .map(|u| format!("&u={}", percent_encode(u)))
        .unwrap_or_default();
    let ctx = context! {
        ..base(&state, lang, "url", "/url", &keep),
        ..context! { url => url.unwrap_or_default(), r => report_view }
    };
    match render(&state, "url.html", ctx) {
        Ok(html) => html.into_response(),
        Err(p) => p.respond(&state, "/url", Some(lang)),
    }
}

pub async fn not_found(State(state): State<Arc<AppState>>, uri: axum::http::Uri) -> Response {
    Problem::not_found().respond(&state, uri.path(), None)
}

/// The error page: in `lang`, or in both languages (Japanese first) when it is not known.
pub fn error_page(
    state: &AppState,
    problem: &Problem,
    lang: Option<Lang>,
) -> Result<String, Problem> {
    let langs = match lang {
        Some(l) => vec![l],
        None => vec![Lang::Ja, Lang::En],
    };
    let messages: Vec<Value> = langs
        .iter()
        .map(|&l| context! { lang => lang_code(l), text => problem.message.get(l) })
        .collect();
    let shown = lang.unwrap_or(Lang::Ja);
    // Refusals go to requests we do not trust (a rebound Host, another origin): the page
    // must not hand them the CSRF token, so it has none.
    let ctx = context! {
        ..context! { csrf => "" },
        ..base(state, shown, "", "/", ""),
        ..context! { status => problem.status.as_u16(), messages => messages }
    };
    state
        .templates
        .render("error.html", ctx)
        .map_err(Problem::internal)
}

/// Enough percent-encoding for a query value.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
