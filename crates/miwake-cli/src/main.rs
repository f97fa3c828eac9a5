//! `miwake`: tell honest seller messages from scams, offline, with evidence.

mod bench;
mod check;
mod cli;
mod dkim;
mod eval;
mod eval_urls;
mod inputs;
mod render;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
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
