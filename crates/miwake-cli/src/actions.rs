//! From verdict to action: `miwake reply` (a safe reply) and `miwake report` (a report for
//! reportascam@amazon.com, written to a file or sent through the user's own SMTP server).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use miwake_core::reply::{render, ReplyValues, PLACEHOLDERS};
use miwake_core::{Lang, Report};
use miwake_report::smtp::{Security, SmtpSettings};
use miwake_report::{build_report, ReportOptions, REPORT_ADDRESS};
use miwake_store::{now_unix, ActionKind, NewAction};

use crate::cli::{KnowledgeArgs, LangArg, EXIT_USAGE};
use crate::evidence::{record_raw, DbArgs};
use crate::inputs::{analyzer, read_input};

#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// Template id (T1…T14). Without it, the first reply that fits --from-message.
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// List the templates.
    #[arg(long)]
    pub list: bool,
    /// Fill the reply from this message's facts (order number, date).
    #[arg(long, value_name = "FILE")]
    pub from_message: Option<PathBuf>,
    /// Order number (250-1234567-1234567).
    #[arg(long, value_name = "ORDER")]
    pub order: Option<String>,
    /// Expected delivery date, as you want it written.
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// The item.
    #[arg(long, value_name = "TEXT")]
    pub item: Option<String>,
    /// What is missing (T3, T7).
    #[arg(long, value_name = "TEXT")]
    pub missing: Option<String>,
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Print JSON (schema: docs/json-schema.md, "reply").
    #[arg(long)]
    pub json: bool,
    /// Note in the evidence log that you sent this reply (starts the seller's 24 h clock).
    #[arg(long)]
    pub record: bool,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub knowledge: KnowledgeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecurityArg {
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The suspicious message: an .eml file, pasted text, or `-` for standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Write the report here (opens in any mail client). Required unless --send.
    #[arg(short = 'o', long = "output", value_name = "FILE.eml")]
    pub output: Option<PathBuf>,
    /// Language of the summary.
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Your address, for From: (without it the file is a draft your mail client completes).
    #[arg(long, value_name = "ADDRESS", env = "MIWAKE_FROM")]
    pub from: Option<String>,
    /// Send it now through your own SMTP server (nothing is sent without this flag).
    #[arg(long)]
    pub send: bool,
    #[arg(long, value_name = "HOST", env = "MIWAKE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// Default: 587 for starttls, 465 for tls, 25 for none.
    #[arg(long, value_name = "PORT", env = "MIWAKE_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    #[arg(long, value_name = "USER", env = "MIWAKE_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// Read the SMTP password from this file (or set MIWAKE_SMTP_PASSWORD); never give it
    /// on the command line.
    #[arg(long, value_name = "FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// `none` is only allowed to localhost.
    #[arg(
        long,
        value_enum,
        env = "MIWAKE_SMTP_SECURITY",
        default_value = "starttls"
    )]
    pub smtp_security: SecurityArg,
    /// Note in the evidence log that you reported this message.
    #[arg(long)]
    pub record: bool,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub knowledge: KnowledgeArgs,
}

fn lang_of(arg: Option<LangArg>) -> Lang {
    let style = crate::render::Style::from_args(&crate::cli::OutputArgs {
        json: false,
        lang: arg,
        color: crate::cli::ColorArg::Never,
    });
    style.lang
}

pub fn run_reply(args: &ReplyArgs) -> Result<u8> {
    let analyzer = analyzer(&args.knowledge)?;
    let knowledge = analyzer.knowledge();
    miwake_core::reply::validate_templates(&knowledge.replies).context("reply templates")?;
    let lang = lang_of(args.lang);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.list {
        for r in &knowledge.replies {
            let uses: Vec<&str> = PLACEHOLDERS
                .iter()
                .filter(|(p, _)| r.text.get(lang).contains(&format!("{{{p}}}")))
                .map(|(_, what)| *what)
                .collect();
            writeln!(
                out,
                "{:<4} {}{}",
                r.id,
                r.title.get(lang),
                if uses.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", uses.join(", "))
                }
            )?;
        }
        return Ok(0);
    }
    let message = match &args.from_message {
        Some(path) => {
            let raw = read_input(path)?;
            let report = analyzer.analyze(&raw);
            Some((raw, report))
        }
        None => None,
    };
    let suggested: Vec<String> = message
        .as_ref()
        .map(|(_, r)| r.replies.iter().map(|s| s.id.clone()).collect())
        .unwrap_or_default();
    let id = match (&args.id, suggested.first()) {
        (Some(id), _) => id.to_ascii_uppercase(),
        (None, Some(first)) => first.clone(),
        (None, None) => {
            eprintln!(
                "miwake: name a template (miwake reply --list), or give --from-message FILE with a message that has a fitting reply"
            );
            return Ok(EXIT_USAGE);
        }
    };
    let Some(template) = knowledge.reply(&id) else {
        eprintln!("miwake: no reply template {id} (miwake reply --list)");
        return Ok(EXIT_USAGE);
    };
    let found = message
        .as_ref()
        .map(|(_, r)| ReplyValues::from_report(r))
        .unwrap_or_default();
    let given = ReplyValues {
        order: args.order.clone(),
        date: args.date.clone(),
        item: args.item.clone(),
        missing: args.missing.clone(),
    };
    let values = with_item_from_orders(given.or(found), &args.db)?;
    let rendered = match render(template, lang, &values) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("miwake: {e}");
            return Ok(EXIT_USAGE);
        }
    };
    if args.json {
        let v = serde_json::json!({
            "schema_version": 1,
            "reply": rendered,
            "values": values,
            "suggested": suggested,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        writeln!(out, "{}", rendered.text)?;
        eprintln!("miwake: {} {}", rendered.id, rendered.title);
        if !rendered.omitted.is_empty() {
            eprintln!(
                "miwake: {} ({})",
                match lang {
                    Lang::Ja => "値がないため省いた文があります。指定するには",
                    Lang::En => "sentences left out for lack of a value; give",
                },
                rendered
                    .omitted
                    .iter()
                    .map(|o| format!("--{o}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        if suggested.len() > 1 {
            eprintln!(
                "miwake: other fitting replies: {}",
                suggested[1..].join(", ")
            );
        }
    }
    if args.record {
        let mut store = args.db.open()?;
        let message_id = match &message {
            Some((raw, _)) => Some(record_raw(&mut store, raw, values.order.as_deref())?),
            None => None,
        };
        if message_id.is_none() && values.order.is_none() {
            bail!("--record needs --order or --from-message so the reply can be filed");
        }
        let mut action = NewAction::new(ActionKind::Replied, now_unix());
        action.message_id = message_id;
        action.order_id = values.order.clone();
        action.template = Some(rendered.id.clone());
        let id = store.add_action(&action)?;
        eprintln!("miwake: recorded action #{id}: replied {}", rendered.id);
    }
    Ok(0)
}

/// The item's name from the imported order, when the user gave none and it is safe to use.
fn with_item_from_orders(mut values: ReplyValues, db: &DbArgs) -> Result<ReplyValues> {
    let (None, Some(order)) = (&values.item, &values.order) else {
        return Ok(values);
    };
    let Some(store) = db.open_existing()? else {
        return Ok(values);
    };
    let name = store
        .order(order)?
        .and_then(|o| o.items.into_iter().find_map(|i| i.product_name));
    if let Some(name) = name {
        let short: String = name.chars().take(60).collect();
        let candidate = ReplyValues {
            item: Some(short),
            ..Default::default()
        };
        if candidate.validate().is_ok() {
            values.item = candidate.item;
        }
    }
    Ok(values)
}

pub fn run_report(args: &ReportArgs) -> Result<u8> {
    if args.output.is_none() && !args.send {
        eprintln!("miwake: give -o FILE.eml to write the report, or --send to mail it");
        return Ok(EXIT_USAGE);
    }
    let analyzer = analyzer(&args.knowledge)?;
    let raw = read_input(&args.file)?;
    let report: Report = analyzer.analyze(&raw);
    let options = ReportOptions {
        lang: lang_of(args.lang),
        from: args.from.clone(),
        ..Default::default()
    };
    let built = build_report(&raw, &report, &options);
    if let Some(path) = &args.output {
        write_new(path, &built.bytes)?;
        eprintln!(
            "miwake: wrote {} (to {REPORT_ADDRESS}; original SHA-256 {})",
            path.display(),
            built.original_sha256
        );
    }
    if args.send {
        let settings = smtp_settings(args)?;
        let Some(from) = args.from.as_deref() else {
            bail!("--send needs --from (or MIWAKE_FROM): your own address");
        };
        miwake_report::smtp::send(&settings, from, REPORT_ADDRESS, &built.bytes)
            .context("sending the report")?;
        eprintln!("miwake: sent to {REPORT_ADDRESS} via {}", settings.host);
    }
    if args.record {
        let mut store = args.db.open()?;
        let id = record_raw(&mut store, &raw, None)?;
        let mut action = NewAction::new(ActionKind::Reported, now_unix());
        action.message_id = Some(id);
        action.note = Some(if args.send {
            format!("sent to {REPORT_ADDRESS}")
        } else {
            "report written to a file".into()
        });
        store.add_action(&action)?;
        eprintln!("miwake: recorded: message #{id} reported");
    }
    Ok(0)
}

/// Refuse to overwrite: a report is evidence too.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn smtp_settings(args: &ReportArgs) -> Result<SmtpSettings> {
    let Some(host) = args.smtp_host.clone() else {
        bail!("--send needs --smtp-host (or MIWAKE_SMTP_HOST)");
    };
    let security = match args.smtp_security {
        SecurityArg::Starttls => Security::StartTls,
        SecurityArg::Tls => Security::Tls,
        SecurityArg::None => Security::None,
    };
    let password = match &args.smtp_password_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
        ),
        None => std::env::var("MIWAKE_SMTP_PASSWORD").ok(),
    };
    if args.smtp_user.is_some() && password.is_none() {
        bail!(
            "--smtp-user needs a password: set MIWAKE_SMTP_PASSWORD or give --smtp-password-file"
        );
    }
    Ok(SmtpSettings {
        port: args.smtp_port.unwrap_or(security.default_port()),
        host,
        security,
        username: args.smtp_user.clone(),
        password,
        timeout: Duration::from_secs(30),
    })
}
