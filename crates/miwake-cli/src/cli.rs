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
}

#[derive(Debug, Args)]
pub struct UrlArgs {
    /// URLs to judge; none (or `-`) reads one per line from standard input.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,
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
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Minimum measuring time in seconds.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
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
