//! miwake-watch: judge the mail arriving in an IMAP mailbox and, as the user chooses, only
//! report it, label it with a keyword (`$miwake-danger`, `$miwake-caution`) or move dangerous
//! mail to a folder. Mail is never deleted and never marked read (`BODY.PEEK`).
//!
//! Every message is checked exactly once across reconnects and restarts: the mailbox's
//! UIDVALIDITY and the highest UID done are saved (atomically) after each message, and the
//! next session resumes after that UID. Network loss and server restarts are retried with
//! exponential backoff; a refused login is not (it would only lock the account).

mod state;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use imap::types::UnsolicitedResponse;
use imap::{ClientBuilder, ConnectionMode, Session};
use miwake_core::{Analyzer, Level, Report};

pub use state::{Mark, State};

pub const KEYWORD_DANGER: &str = "$miwake-danger";
pub const KEYWORD_CAUTION: &str = "$miwake-caution";

/// How to talk to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (port 993): the default.
    Tls,
    /// Plain connection upgraded with STARTTLS (port 143); refused if the server cannot.
    StartTls,
    /// No encryption at all: the password crosses the network readable. Tests, localhost.
    Plain,
}

/// What to do with a judged message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Only report.
    Report,
    /// Set `$miwake-danger` or `$miwake-caution`.
    Keyword,
    /// Set the keywords, and move dangerous messages to this folder (created if missing).
    Move { folder: String },
}

/// Where the password comes from (never the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    Env(String),
    File(PathBuf),
    /// The system keyring, under service `miwake` and account `user@host`.
    Keyring,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password: String,
    pub mailbox: String,
    pub action: Action,
    pub state_path: PathBuf,
    /// On the first run for a mailbox, also check the messages already there.
    pub include_existing: bool,
    /// Check what is new once, then stop.
    pub once: bool,
    /// Use IDLE when the server offers it; otherwise poll.
    pub idle: bool,
    /// IDLE is renewed (and the mailbox re-checked) at least this often.
    pub idle_timeout: Duration,
    pub poll_interval: Duration,
    pub max_backoff: Duration,
    /// Messages are fetched this many at a time.
    pub batch: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("the server refused the login for {user}: {message}")]
    Login { user: String, message: String },
    #[error("state file {path}: {message}")]
    State { path: String, message: String },
    #[error("password: {0}")]
    Password(String),
    #[error("IMAP: {0}")]
    Imap(String),
}

/// What happened to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Nothing,
    Keyword(&'static str),
    Moved {
        keyword: &'static str,
        folder: String,
    },
}

/// What the watcher tells its caller.
#[derive(Debug)]
pub enum Event<'a> {
    Connected {
        mailbox: &'a str,
        uidvalidity: u32,
        last_uid: u32,
        idle: bool,
        /// False when the server cannot MOVE: dangerous mail is then only labelled.
        can_move: bool,
    },
    /// The mailbox was re-created (new UIDVALIDITY): every message in it is checked again.
    UidValidityChanged { old: u32, new: u32 },
    /// A message was judged, acted on, and recorded in the state file.
    Checked {
        uidvalidity: u32,
        uid: u32,
        report: &'a Report,
        applied: &'a Applied,
    },
    /// The analysis failed on a message (a bug): it is left as it is and not tried again.
    Failed { uid: u32, error: String },
    /// The connection failed; the next try is after `retry_in`.
    Disconnected { error: String, retry_in: Duration },
}

/// Reads the password from its source.
pub fn read_password(
    source: &PasswordSource,
    user: &str,
    host: &str,
) -> Result<String, WatchError> {
    let password = match source {
        PasswordSource::Env(var) => std::env::var(var)
            .map_err(|_| WatchError::Password(format!("environment variable {var} is not set")))?,
        PasswordSource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                WatchError::Password(format!("cannot read {}: {e}", path.display()))
            })?;
            text.lines().next().unwrap_or("").to_string()
        }
        PasswordSource::Keyring => keyring::Entry::new("miwake", &format!("{user}@{host}"))
            .and_then(|entry| entry.get_password())
            .map_err(|e| {
                WatchError::Password(format!(
                    "keyring (service miwake, account {user}@{host}): {e}"
                ))
            })?,
    };
    if password.is_empty() {
        return Err(WatchError::Password("the password is empty".into()));
    }
    Ok(password)
}

type ImapSession = Session<imap::Connection>;

/// A failure inside one session: retried, or the end of the watch.
enum Failure {
    Retry(String),
    Fatal(WatchError),
}

impl From<imap::Error> for Failure {
    /// Lost connections are retried. A refusal (NO, BAD), a broken answer or an untrusted
    /// certificate would come again on every try: it ends the watch with the reason.
    fn from(e: imap::Error) -> Self {
        match e {
            imap::Error::No(_)
            | imap::Error::Bad(_)
            | imap::Error::Parse(_)
            | imap::Error::Validate(_)
            | imap::Error::StartTlsNotAvailable
            | imap::Error::TlsNotConfigured
            | imap::Error::RustlsHandshake(_) => Failure::Fatal(WatchError::Imap(e.to_string())),
            // A certificate the system does not trust stays untrusted: say so, do not retry.
            imap::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                Failure::Fatal(WatchError::Imap(format!("TLS: {io}")))
            }
            other => Failure::Retry(other.to_string()),
        }
    }
}

impl From<WatchError> for Failure {
    fn from(e: WatchError) -> Self {
        Failure::Fatal(e)
    }
}

/// Watches until a fatal error (or, with `once`, until what is new has been checked).
pub fn watch(
    config: &Config,
    analyzer: &Analyzer,
    on_event: &mut dyn FnMut(Event),
) -> Result<(), WatchError> {
    let mut state = State::load(&config.state_path)?;
    let mut backoff = Duration::from_secs(1);
    loop {
        let mut connected = false;
        match session(config, analyzer, &mut state, on_event, &mut connected) {
            Ok(()) => return Ok(()),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Retry(error)) => {
                if config.once {
                    return Err(WatchError::Imap(error));
                }
                if connected {
                    backoff = Duration::from_secs(1);
                }
                on_event(Event::Disconnected {
                    error,
                    retry_in: backoff,
                });
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(config.max_backoff);
            }
        }
    }
}

fn connect(config: &Config) -> Result<ImapSession, Failure> {
    let mode = match config.security {
        Security::Tls => ConnectionMode::Tls,
        Security::StartTls => ConnectionMode::StartTls,
        Security::Plain => ConnectionMode::Plaintext,
    };
    let client = ClientBuilder::new(config.host.as_str(), config.port)
        .mode(mode)
        .connect()?;
    client
        .login(&config.user, &config.password)
        .map_err(|(e, _)| match e {
            // A server still starting says so; anything else is a refusal, not retried so as
            // not to lock the account.
            imap::Error::No(no) if no.information.contains("UNAVAILABLE") => {
                Failure::Retry(no.information)
            }
            imap::Error::No(no) => Failure::Fatal(WatchError::Login {
                user: config.user.clone(),
                message: no.information,
            }),
            other => Failure::from(other),
        })
}

fn session(
    config: &Config,
    analyzer: &Analyzer,
    state: &mut State,
    on_event: &mut dyn FnMut(Event),
    connected: &mut bool,
) -> Result<(), Failure> {
    let mut session = connect(config)?;
    let capabilities = session.capabilities()?;
    let can_idle = config.idle && capabilities.has_str("IDLE");
    let can_move = capabilities.has_str("MOVE");
    drop(capabilities);
    if let Action::Move { folder } = &config.action {
        ensure_folder(&mut session, folder)?;
    }
    let mailbox = session.select(&config.mailbox)?;
    let uidvalidity = mailbox
        .uid_validity
        .ok_or_else(|| Failure::Retry("the server sent no UIDVALIDITY".into()))?;
    let key = format!(
        "{}@{}:{}/{}",
        config.user, config.host, config.port, config.mailbox
    );
    let mut last_uid = match state.get(&key) {
        Some(mark) if mark.uidvalidity == uidvalidity => mark.last_uid,
        Some(mark) => {
            on_event(Event::UidValidityChanged {
                old: mark.uidvalidity,
                new: uidvalidity,
            });
            0
        }
        None if config.include_existing => 0,
        None => mailbox.uid_next.map_or(0, |next| next.saturating_sub(1)),
    };
    state.set(
        &key,
        Mark {
            uidvalidity,
            last_uid,
        },
    )?;
    *connected = true;
    on_event(Event::Connected {
        mailbox: &config.mailbox,
        uidvalidity,
        last_uid,
        idle: can_idle,
        can_move,
    });
    let mut checker = Checker {
        config,
        analyzer,
        state,
        key: &key,
        uidvalidity,
        can_move,
    };
    loop {
        last_uid = checker.catch_up(&mut session, last_uid, on_event)?;
        if config.once {
            let _ = session.logout();
            return Ok(());
        }
        if can_idle {
            wait_idle(&mut session, config.idle_timeout)?;
        } else {
            std::thread::sleep(config.poll_interval);
            session.noop()?;
        }
    }
}

fn ensure_folder(session: &mut ImapSession, folder: &str) -> Result<(), Failure> {
    let exists = session
        .list(None, Some(folder))?
        .iter()
        .any(|n| n.name() == folder);
    if !exists {
        session.create(folder)?;
    }
    Ok(())
}

/// Returns when the mailbox may have new mail: an EXISTS, or the timeout.
fn wait_idle(session: &mut ImapSession, timeout: Duration) -> Result<(), Failure> {
    // Mail that arrived while we were busy was announced already; do not wait for more.
    if session.take_all_unsolicited().any(|r| {
        matches!(
            r,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
        )
    }) {
        return Ok(());
    }
    let mut handle = session.idle();
    handle.timeout(timeout).keepalive(false);
    handle.wait_while(|response| {
        !matches!(
            response,
            UnsolicitedResponse::Exists(_)
                | UnsolicitedResponse::Recent(_)
                | UnsolicitedResponse::Bye { .. }
        )
    })?;

    Ok(())
}

struct Checker<'a> {
    config: &'a Config,
    analyzer: &'a Analyzer,
    state: &'a mut State,
    key: &'a str,
    uidvalidity: u32,
    can_move: bool,
}

impl Checker<'_> {
    /// Checks every message above `last_uid`, in UID order; returns the new high-water mark.
    fn catch_up(
        &mut self,
        session: &mut ImapSession,
        mut last_uid: u32,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<u32, Failure> {
        let first = last_uid.saturating_add(1);
        // `N:*` always matches the highest UID, even below N: filter.
        let mut uids: Vec<u32> = session
            .uid_search(format!("UID {first}:*"))?
            .into_iter()
            .filter(|&uid| uid > last_uid)
            .collect();
        uids.sort_unstable();
        for batch in uids.chunks(self.config.batch.max(1)) {
            let set = batch
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let fetched = session.uid_fetch(&set, "(UID BODY.PEEK[])")?;
            let mut bodies: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
            for f in fetched.iter() {
                if let (Some(uid), Some(body)) = (f.uid, f.body()) {
                    bodies.insert(uid, body.to_vec());
                }
            }
            drop(fetched);
            for &uid in batch {
                // A message expunged since the search has nothing to check.
                let judged = bodies.remove(&uid).map(|body| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.analyzer.analyze(&body)
                    }))
                });
                if let Some(Ok(report)) = judged {
                    let applied = self.apply(session, uid, report.verdict.level)?;
                    self.record(uid)?;
                    on_event(Event::Checked {
                        uidvalidity: self.uidvalidity,
                        uid,
                        report: &report,
                        applied: &applied,
                    });
                } else {
                    self.record(uid)?;
                    if let Some(Err(_)) = judged {
                        on_event(Event::Failed {
                            uid,
                            error: "the analysis failed on this message (internal error)".into(),
                        });
                    }
                }
                last_uid = uid;
            }
        }
        Ok(last_uid)
    }

    fn record(&mut self, uid: u32) -> Result<(), Failure> {
        self.state.set(
            self.key,
            Mark {
                uidvalidity: self.uidvalidity,
                last_uid: uid,
            },
        )?;
        Ok(())
    }

    fn apply(&self, session: &mut ImapSession, uid: u32, level: Level) -> Result<Applied, Failure> {
        let keyword = match level {
            Level::Danger => KEYWORD_DANGER,
            Level::Caution => KEYWORD_CAUTION,
            Level::Safe => return Ok(Applied::Nothing),
        };
        if self.config.action == Action::Report {
            return Ok(Applied::Nothing);
        }
        session.uid_store(uid.to_string(), format!("+FLAGS.SILENT ({keyword})"))?;
        match &self.config.action {
            Action::Move { folder } if level == Level::Danger && self.can_move => {
                session.uid_mv(uid.to_string(), folder)?;
                Ok(Applied::Moved {
                    keyword,
                    folder: folder.clone(),
                })
            }
            _ => Ok(Applied::Keyword(keyword)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_come_from_env_file_or_keyring_and_are_never_empty() {
        let var = format!("MIWAKE_TEST_PASSWORD_{}", std::process::id());
        std::env::set_var(&var, "from-env");
        let env = PasswordSource::Env(var.clone());
        assert_eq!(read_password(&env, "u", "h").unwrap(), "from-env");
        std::env::set_var(&var, "");
        assert!(matches!(
            read_password(&env, "u", "h"),
            Err(WatchError::Password(_))
        ));
        std::env::remove_var(&var);
        assert!(matches!(
            read_password(&env, "u", "h"),
            Err(WatchError::Password(_))
        ));

        let file = std::env::temp_dir().join(format!("miwake-watch-pw-{}", std::process::id()));
        std::fs::write(&file, "from-file\nignored second line\n").unwrap();
        let source = PasswordSource::File(file.clone());
        assert_eq!(read_password(&source, "u", "h").unwrap(), "from-file");
        let _ = std::fs::remove_file(&file);

        // The kernel keyring (Linux) may be closed to containers: then say so and stop here.
        let user = format!("test-{}", std::process::id());
        let entry = keyring::Entry::new("miwake", &format!("{user}@example.test")).unwrap();
        if let Err(e) = entry.set_password("from-keyring") {
            eprintln!("keyring not available here, its part of the test is skipped: {e}");
            return;
        }
        let got = read_password(&PasswordSource::Keyring, &user, "example.test");
        let _ = entry.delete_credential();
        assert_eq!(got.unwrap(), "from-keyring");
    }
}
