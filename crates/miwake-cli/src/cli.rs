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
