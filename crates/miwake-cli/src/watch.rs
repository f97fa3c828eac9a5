//! `miwake watch`: judge new mail in an IMAP mailbox as it arrives.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use miwake_core::Lang;
use miwake_watch::{Action, Applied, Config, Event, PasswordSource, Security};
use serde::Serialize;

use crate::cli::{ColorArg, OutputArgs, WatchActionArg, WatchArgs};
use crate::inputs::analyzer;
use crate::render::{one_line, Style};
use crate::scan::row::MessageRow;

pub fn run(args: &WatchArgs) -> Result<u8> {
    let config = config(args)?;
    let analyzer = analyzer(&args.knowledge)?;
    let lang = Style::from_args(&OutputArgs {
        json: args.json,
        lang: args.lang,
        color: ColorArg::Never,
    })
    .lang;
    let stdout = std::io::stdout();
    let mut write_error = None;
    let mut on_event = |event: Event| {
        let mut out = stdout.lock();
        if let Err(e) = print_event(&mut out, &config, &event, args.json, lang) {
            write_error.get_or_insert(e);
        }
    };
    miwake_watch::watch(&config, &analyzer, &mut on_event)?;
    if let Some(e) = write_error {
        return Err(e).context("writing results");
    }
    Ok(0)
}

fn config(args: &WatchArgs) -> Result<Config> {
    let security = if args.plain_insecure {
        Security::Plain
    } else if args.starttls {
        Security::StartTls
    } else {
        Security::Tls
    };
    let port = args.port.unwrap_or(match security {
        Security::Tls => 993,
        Security::StartTls | Security::Plain => 143,
    });
    let source = if args.password_keyring {
        PasswordSource::Keyring
    } else if let Some(file) = &args.password_file {
        PasswordSource::File(file.clone())
    } else {
        PasswordSource::Env(args.password_env.clone())
    };
    let password = miwake_watch::read_password(&source, &args.user, &args.host)?;
    let action = match args.action {
        WatchActionArg::Report => Action::Report,
        WatchActionArg::Keyword => Action::Keyword,
        WatchActionArg::Move => Action::Move {
            folder: args.move_to.clone(),
        },
    };
    Ok(Config {
        host: args.host.clone(),
        port,
        security,
        user: args.user.clone(),
        password,
        mailbox: args.mailbox.clone(),
        action,
        state_path: match &args.state {
            Some(path) => path.clone(),
            None => default_state_path()?,
        },
        include_existing: args.include_existing,
        once: args.once,
        idle: !args.no_idle,
        idle_timeout: Duration::from_secs(args.idle_seconds.max(1)),
        poll_interval: Duration::from_secs(args.poll_seconds.max(1)),
        max_backoff: Duration::from_secs(args.max_backoff_seconds.max(1)),
        batch: 20,
    })
}

fn default_state_path() -> Result<PathBuf> {
    let base = match std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(
            std::env::var_os("HOME")
                .context("neither XDG_STATE_HOME nor HOME is set; use --state")?,
        )
        .join(".local/state"),
    };
    Ok(base.join("miwake/watch-state.json"))
}

/// One checked message in `--json` (`"type": "checked"`).
#[derive(Serialize)]
struct CheckedLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    uidvalidity: u32,
    uid: u32,
    /// `none`, `keyword` or `moved`.
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    keyword: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    folder: Option<&'a str>,
    #[serde(flatten)]
    message: &'a MessageRow,
}

fn print_event(
    out: &mut impl Write,
    config: &Config,
    event: &Event,
    json: bool,
    lang: Lang,
) -> Result<()> {
    match event {
        Event::Checked {
            uidvalidity,
            uid,
            report,
            applied,
        } => {
            // RFC 5092 IMAP URL: a stable name for the message.
            let source = format!(
                "imap://{}@{}:{}/{};UIDVALIDITY={uidvalidity}/;UID={uid}",
                config.user, config.host, config.port, config.mailbox
            );
            let row = MessageRow::new(source, report, false);
            let (action, keyword, folder) = match applied {
                Applied::Nothing => ("none", None, None),
                Applied::Keyword(k) => ("keyword", Some(*k), None),
                Applied::Moved { keyword, folder } => ("moved", Some(*keyword), Some(folder.as_str())),
            };
            if json {
                let line = CheckedLine {
                    kind: "checked",
                    uidvalidity: *uidvalidity,
                    uid: *uid,
                    action,
                    keyword,
                    folder,
                    message: &row,
                };
                serde_json::to_writer(&mut *out, &line)?;
                writeln!(out)?;
            } else {
                write_human(out, &row, *uid, keyword, folder, lang)?;
            }
            out.flush()?;
        }
        Event::Connected {
            mailbox,
            uidvalidity,
            last_uid,
            idle,
            can_move,
        } => {
            let how = if *idle { "IDLE" } else { "polling" };
            eprintln!(
                "miwake watch: connected to {} ({mailbox}, UIDVALIDITY {uidvalidity}, checked up to UID {last_uid}, {how})",
                config.host
            );
            if matches!(config.action, Action::Move { .. }) && !can_move {
                eprintln!("miwake watch: the server cannot MOVE; dangerous mail is only labelled");
            }
        }
        Event::UidValidityChanged { old, new } => eprintln!(
            "miwake watch: the mailbox was re-created (UIDVALIDITY {old} → {new}); checking all of it again"
        ),
        Event::Failed { uid, error } => {
            eprintln!("miwake watch: UID {uid} left unchecked: {}", one_line(error))
        }
        Event::Disconnected { error, retry_in } => eprintln!(
            "miwake watch: connection lost ({}); retrying in {} s",
            one_line(error),
            retry_in.as_secs()
        ),
    }
    Ok(())
}

fn write_human(
    out: &mut impl Write,
    row: &MessageRow,
    uid: u32,
    keyword: Option<&str>,
    folder: Option<&str>,
    lang: Lang,
) -> std::io::Result<()> {
    let label = row.level.label();
    let from = row.from.as_deref().map(one_line).unwrap_or_default();
    let subject = row.subject.as_deref().map(one_line).unwrap_or_default();
    write!(out, "[{}] UID {uid}  {from}  {subject}", label.get(lang))?;
    if let Some(reason) = &row.reason {
        write!(out, "  — {}", one_line(reason.explanation.get(lang)))?;
    }
    if let Some(k) = keyword {
        write!(out, "  → {k}")?;
    }
    if let Some(f) = folder {
        write!(out, ", moved to {}", one_line(f))?;
    }
    writeln!(out)
}
