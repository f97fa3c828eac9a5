//! miwake-server: `miwake serve`, the local web app.
//!
//! Paste or drop a message and see the verdict with its evidence highlighted in place, the
//! links and where they really go, the sender in plain words, next steps, and replies to copy;
//! check a bare URL. HTML is rendered on the server (minijinja, escaping on), with a little
//! plain JavaScript for drag-and-drop and copying. The JSON API the page uses is documented
//! in `docs/server.md` and served as OpenAPI at `/api/v1/openapi.json`.
//!
//! The server trusts nothing it is shown: every message is escaped text under a strict
//! Content-Security-Policy, and it answers only to its own loopback origin (see [`security`]).

mod api;
mod assets;
mod error;
mod history;
mod i18n;
mod pages;
mod recent;
mod replies;
pub mod security;
mod templates;
mod view;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use miwake_core::Analyzer;
use tokio::net::TcpListener;

pub use security::{Guard, CSRF_FIELD, CSRF_HEADER};

/// Default port of `miwake serve`.
pub const DEFAULT_PORT: u16 = 8731;

/// Largest request body accepted (a pasted message or an `.eml` with attachments).
pub const DEFAULT_MAX_UPLOAD: usize = 10 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("built-in page templates are broken: {0}")]
    Templates(#[from] minijinja::Error),
    #[error("built-in interface strings are broken: {0}")]
    Strings(#[from] toml::de::Error),
    #[error("evidence log: {0}")]
    Database(String),
    #[error("no random numbers from the operating system: {0}")]
    Random(String),
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// 0 picks a free port.
    pub port: u16,
    pub open_browser: bool,
    pub max_upload_bytes: usize,
    /// The evidence log (SQLite); `None` turns history off.
    pub database: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: DEFAULT_PORT,
            open_browser: true,
            max_upload_bytes: DEFAULT_MAX_UPLOAD,
            database: None,
        }
    }
}

/// Everything the handlers share.
pub struct AppState {
    pub(crate) analyzer: Analyzer,
    pub(crate) templates: templates::Templates,
    pub(crate) strings: i18n::Strings,
    pub(crate) guard: Guard,
    pub(crate) recent: recent::Recent,
    pub(crate) history: history::History,
    pub(crate) max_upload_bytes: usize,
}

impl AppState {
    /// State for a server reachable at `port` on the loopback interface.
    pub fn new(
        analyzer: Analyzer,
        port: u16,
        max_upload_bytes: usize,
        database: Option<PathBuf>,
    ) -> Result<Self, ServerError> {
        Ok(AppState {
            analyzer,
            templates: templates::Templates::new()?,
            strings: i18n::Strings::embedded()?,
            guard: Guard::new(port, max_upload_bytes)?,
            recent: recent::Recent::default(),
            history: history::History::open(database),
            max_upload_bytes,
        })
    }

    pub fn guard(&self) -> &Guard {
        &self.guard
    }
}

/// All routes, behind the security guard.
pub fn router(state: Arc<AppState>) -> Router {
    // The guard refuses a too-large Content-Length early; this limit also stops bodies that
    // arrive without one (chunked) once they grow past it.
    let body_limit = state.max_upload_bytes;
    Router::new()
        .route("/", get(pages::index))
        .route("/check", post(pages::post_check))
        .route("/result/{id}", get(pages::result))
        .route("/result/{id}/report.eml", get(pages::report_download))
        .route("/url", get(pages::url_check))
        .route("/history", get(history::overview))
        .route("/history/save", post(history::save))
        .route("/history/order/{order}", get(history::timeline))
        .route("/history/order/{order}/export.zip", get(history::export))
        .route("/static/{name}", get(assets::static_file))
        .route("/api/v1/token", get(api::token))
        .route("/api/v1/check", post(api::check))
        .route("/api/v1/url", post(api::url))
        .route("/api/v1/replies", post(api::replies))
        .route("/api/v1/report", post(api::report))
        .route("/api/v1/openapi.json", get(api::openapi))
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .with_state(state)
}

/// Where the evidence log lives: `explicit`, else `$MIWAKE_DB`, else the user's data folder.
pub fn database_path(explicit: Option<&std::path::Path>) -> Result<PathBuf, ServerError> {
    miwake_store::database_path(explicit).map_err(|e| ServerError::Database(e.to_string()))
}

/// Binds 127.0.0.1:`config.port`, prints the address, opens the browser (unless told not to
/// or there is no display) and serves until Ctrl-C.
pub fn run(analyzer: Analyzer, config: &Config) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(analyzer, config))
}

async fn serve(analyzer: Analyzer, config: &Config) -> Result<(), ServerError> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port));
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let port = listener.local_addr()?.port();
    let state = Arc::new(AppState::new(
        analyzer,
        port,
        config.max_upload_bytes,
        config.database.clone(),
    )?);
    let url = format!("http://127.0.0.1:{port}/");
    println!("miwake serve: {url}");
    println!("(127.0.0.1 only; Ctrl-C stops it)");
    match (&state.history, &config.database) {
        (history::History::Ready(_), Some(db)) => println!("history: {}", db.display()),
        (history::History::Unavailable(reason), _) => println!("history unavailable: {reason}"),
        _ => {}
    }
    if config.open_browser {
        open_browser(&url);
    }
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Opens `url` in the desktop's browser, when there is a desktop. Failure only prints a hint:
/// the address is already on the terminal.
fn open_browser(url: &str) {
    let opener: Option<(&str, Vec<&str>)> = if cfg!(target_os = "macos") {
        Some(("open", vec![url]))
    } else if cfg!(windows) {
        Some(("cmd", vec!["/C", "start", "", url]))
    } else if std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
    {
        Some(("xdg-open", vec![url]))
    } else {
        None
    };
    let Some((program, args)) = opener else {
        println!("(no display found: open the address above in a browser)");
        return;
    };
    let spawned = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        // Reap the opener when it exits so it does not linger as a zombie.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(_) => println!("(could not start {program}: open the address above in a browser)"),
    }
}
