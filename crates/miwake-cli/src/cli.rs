//! Command-line interface definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXIT_USAGE: u8 = 3;
pub const EXIT_ERROR: u8 = 4;

const EXIT_CODES: &str = "\
Exit codes (check, url):
  0  every message is safe
  1  the worst message needs caution
  2  the worst message is dangerous
  3  usage error (bad flags or arguments)
  4  an input could not be read, or the rules could not be loaded
Other commands exit 0 on success, 3 on usage errors and 4 on other errors.";

/// miwake (見分け): tells honest marketplace seller messages from scams, with evidence.
/// Everything is judged offline: no link is opened, nothing is fetched.
#[derive(Debug, Parser)]
#[command(name = "miwake", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Judge messages: .eml files, pasted text files, or `-` for standard input.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Judge bare URLs (arguments, or one per line on standard input). Nothing is fetched.
    #[command(after_help = EXIT_CODES)]
    Url(UrlArgs),
    /// Measure detection on labelled folders (phish/ and ham/ in the path, or seller .jsonl).
    Eval(EvalArgs),
    /// Measure single-thread throughput of the whole pipeline over the files in folders.
    Bench(BenchArgs),
    /// Write a safe reply (T1–T14) filled from a message's facts and your values.
    Reply(crate::actions::ReplyArgs),
    /// Write a report for reportascam@amazon.com with the original attached; --send mails it.
    Report(crate::actions::ReportArgs),
    /// The evidence log by order: messages, verdicts, what you did, replies awaited.
    History(crate::evidence::HistoryArgs),
    /// Record what you did about a message or an order (replied, reported, ignored, ...).
    Mark(crate::evidence::MarkArgs),
    /// Write an order's case for customer service (messages, verdicts, hash manifest).
    Export(crate::evidence::ExportArgs),
    /// Import your order history (Retail.OrderHistory.1.csv or Order History.csv).
    Orders(crate::evidence::OrdersArgs),
    /// Start the local web app on 127.0.0.1 and open it in the browser.
    Serve(ServeArgs),
    /// Check whole mailboxes on all cores: Maildir folders, mbox files, folders of .eml files.
    #[command(after_help = SCAN_EXIT_CODES)]
    Scan(ScanArgs),
    /// Watch an IMAP mailbox: judge new mail as it arrives; report, label or move the dangerous.
    #[command(after_help = WATCH_NOTES)]
    Watch(WatchArgs),
    /// Measure URL judgement on a phishing URL list (JPCERT/CC CSV or one URL a line).
    EvalUrls(EvalUrlsArgs),
}

#[derive(Debug, Args)]
pub struct EvalUrlsArgs {
    /// `date,URL,description` CSV (JPCERT/CC phishurl-list) or one URL per line.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The brand the URLs imitate.
    #[arg(long, default_value = "amazon")]
    pub brand: String,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// List the URLs missed.
    #[arg(long)]
    pub misses: bool,
    #[command(flatten)]
    pub knowledge: KnowledgeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Ja,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct KnowledgeArgs {
    /// Load your own rule files (*.toml) from DIR on top of the built-in knowledge;
    /// an entry with the same id replaces the built-in one.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print a JSON report (schema: docs/json-schema.md).
    #[arg(long)]
    pub json: bool,
    /// Language of explanations (default: ja, or en when the locale is English).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// When to colour the output (NO_COLOR is honoured in auto mode).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files to judge; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub evidence: crate::evidence::CheckEvidenceArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub knowledge: KnowledgeArgs,
    #[command(flatten)]
    pub route: RouteArgs,
}

/// How e-mail routes are judged.
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// The authserv-id of your own receiving mail service (e.g. `mx.google.com`): only its
    /// Authentication-Results (or ARC results it sealed) are trusted. Default: the topmost
    /// Authentication-Results header.
    #[arg(long, value_name = "ID", env = "MIWAKE_AUTHSERV_ID")]
    pub authserv_id: Option<String>,
    /// Verify DKIM signatures against the signers' keys in DNS. The only online step of
    /// miwake, off by default: it looks up `selector._domainkey.domain` TXT records, nothing else.
    #[arg(long)]
    pub verify_dkim: bool,
    /// With --verify-dkim: take keys from FILE (`NAME TXT-RECORD` per line) instead of DNS.
    #[arg(long, value_name = "FILE", requires = "verify_dkim")]
    pub dkim_keys: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UrlArgs {
    /// URLs to judge; none (or `-`) reads one per line from standard input.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,
    /// The URLs were presented as this brand's (`amazon`, `yamato`, …): a domain the brand
    /// does not own is then a finding of its own.
    #[arg(long, value_name = "BRAND")]
    pub brand: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub knowledge: KnowledgeArgs,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labelled folders (e.g. ../shared/corpus).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// List the misjudged files (phishing judged safe, ham judged danger, seller mismatches).
    #[arg(long)]
    pub misses: bool,
    #[command(flatten)]
    pub knowledge: KnowledgeArgs,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Folders (or files) whose messages are judged.
    #[arg(required_unless_present = "urls", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Minimum measuring time in seconds.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also measure `miwake url` throughput on a URL list (JPCERT CSV or one URL a line).
    #[arg(long, value_name = "FILE")]
    pub urls: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = miwake_server::DEFAULT_PORT)]
    pub port: u16,
    /// Don't open the browser (it is not opened anyway when there is no display).
    #[arg(long)]
    pub no_open: bool,
    /// The evidence log for the History screen (default: $MIWAKE_DB, else the user's data folder).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Don't keep a history: the History screen and save buttons say it is off.
    #[arg(long)]
    pub no_history: bool,
    #[command(flatten)]
    pub knowledge: KnowledgeArgs,
}

const SCAN_EXIT_CODES: &str = "\
Exit codes (scan):
  0  every message scanned is safe
  1  the worst message needs caution
  2  at least one message is dangerous
  3  usage error (bad flags or arguments)
  4  a PATH does not exist, the rules could not be loaded, or (--record) the evidence log
     could not be written: the scan stops, what was committed before stays
  130  stopped by Ctrl-C (the summary covers what was scanned; with --record, everything
     judged before the stop is committed to the log)
Files that cannot be read, or that are not mail, are listed in the summary; they do not
change the exit code.";

/// The lowest level `--only` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnlyArg {
    /// Dangerous messages only.
    Danger,
    /// Messages that need caution, and dangerous ones.
    Caution,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Maildir folders, mbox files, .eml files or folders of them (searched recursively).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// One JSON object per line on standard output: a line per message, then a summary
    /// (schema: docs/scan.md).
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// One CSV row per message on standard output (columns: docs/scan.md); summary on stderr.
    #[arg(long)]
    pub csv: bool,
    /// Keep only messages at this level or worse in the listing, the JSON/CSV lines and,
    /// with --record, the evidence log.
    #[arg(long, value_enum)]
    pub only: Option<OnlyArg>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Language of explanations (default: ja, or en when the locale is English).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// When to colour the output (NO_COLOR is honoured in auto mode).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,
    #[command(flatten)]
    pub evidence: crate::evidence::ScanEvidenceArgs,
    #[command(flatten)]
    pub knowledge: KnowledgeArgs,
}

const WATCH_NOTES: &str = "\
The password is never taken from the command line: it comes from the environment variable
named by --password-env (default MIWAKE_IMAP_PASSWORD), from --password-file, or from the
system keyring (--password-keyring: service `miwake`, account `USER@HOST`).
Mail is never deleted and never marked read. Progress is saved after every message in the
state file, so a restart resumes where it stopped, without missing or repeating a message.
Exit codes: 0 when --once finished, 3 usage error, 4 login refused, state or other error.";

/// What `miwake watch` does with what it judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchActionArg {
    /// Only print the verdicts.
    Report,
    /// Also set the IMAP keyword $miwake-danger or $miwake-caution.
    Keyword,
    /// Set the keywords and move dangerous messages to --move-to.
    Move,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// IMAP server.
    #[arg(long)]
    pub host: String,
    /// Port (default: 993, or 143 with --starttls or --plain-insecure).
    #[arg(long)]
    pub port: Option<u16>,
    /// Login name.
    #[arg(long)]
    pub user: String,
    /// Environment variable holding the password.
    #[arg(long, value_name = "VAR", default_value = "MIWAKE_IMAP_PASSWORD")]
    pub password_env: String,
    /// Read the password from the first line of FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "password_keyring")]
    pub password_file: Option<PathBuf>,
    /// Read the password from the system keyring.
    #[arg(long)]
    pub password_keyring: bool,
    /// Connect in plain text and upgrade with STARTTLS (refused if the server cannot).
    #[arg(long, conflicts_with = "plain_insecure")]
    pub starttls: bool,
    /// No encryption at all: password and mail cross the network readable.
    /// Only for a server on this machine, or tests.
    #[arg(long)]
    pub plain_insecure: bool,
    /// Mailbox to watch.
    #[arg(long, default_value = "INBOX")]
    pub mailbox: String,
    /// What to do with caution and danger messages.
    #[arg(long, value_enum, default_value = "report")]
    pub action: WatchActionArg,
    /// Folder for dangerous messages with --action move (created when missing).
    #[arg(long, value_name = "FOLDER", default_value = "miwake-danger")]
    pub move_to: String,
    /// State file (default: $XDG_STATE_HOME/miwake/watch-state.json).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// On the first run for this mailbox, also check the mail already in it.
    #[arg(long)]
    pub include_existing: bool,
    /// Check what is new, then exit.
    #[arg(long)]
    pub once: bool,
    /// Poll instead of using IDLE.
    #[arg(long)]
    pub no_idle: bool,
    /// Seconds between polls when IDLE is not used.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub poll_seconds: u64,
    /// IDLE is renewed, and the mailbox re-checked, at least this often.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub idle_seconds: u64,
    /// Longest wait between reconnection attempts.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub max_backoff_seconds: u64,
    /// One JSON object per checked message on standard output (docs/scan.md).
    #[arg(long)]
    pub json: bool,
    /// Language of explanations (default: ja, or en when the locale is English).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    #[command(flatten)]
    pub knowledge: KnowledgeArgs,
}
