//! `miwake`: tell honest seller messages from scams, offline, with evidence.

mod actions;
mod bench;
mod check;
mod cli;
mod dkim;
mod eval;
mod eval_urls;
mod evidence;
mod inputs;
mod render;
mod scan;
mod serve;
mod watch;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

/// Judging a message allocates many short-lived strings and vectors; mimalloc's thread-local
/// free lists make that roughly a tenth of the time glibc's allocator takes (see `miwake bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    prefer_small_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { cli::EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Url(args) => check::run_urls(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Reply(args) => actions::run_reply(&args),
        Command::Report(args) => actions::run_report(&args),
        Command::History(args) => evidence::run_history(&args),
        Command::Mark(args) => evidence::run_mark(&args),
        Command::Export(args) => evidence::run_export(&args),
        Command::Orders(args) => evidence::run_orders(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Scan(args) => scan::run(&args),
        Command::Watch(args) => watch::run(&args),
        Command::EvalUrls(args) => eval_urls::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("miwake: {e:#}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}

/// Transparent huge pages round the many small, lazily grown pattern caches up to 2 MiB
/// each: a 2-thread scan of a 2 GB mbox peaks at about 180 MB without them and 240 MB with
/// them. Where the kernel refuses, nothing changes but the memory figure.
fn prefer_small_pages() {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
}
