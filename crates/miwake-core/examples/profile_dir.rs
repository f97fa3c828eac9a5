//! Runs the whole pipeline over every file under a folder: one untimed pass (patterns compile
//! lazily), then one measured pass in `judge_all`, for profilers that need no CLI:
//!
//! ```text
//! cargo build --release -p miwake-core --example profile_dir
//! valgrind --tool=callgrind --toggle-collect='*judge_all*' \
//!     target/release/examples/profile_dir ../shared/corpus/email
//! ```
//!
//! `profile_dir DIR --reports FILE` also writes every report as one JSON line (sorted by path),
//! so that a change meant only to be faster can be diffed against the previous build;
//! `profile_dir DIR --slowest` times each message and lists the 40 costliest.
//!
//! `miwake bench` is the user-facing benchmark; this example exists so that work on the core
//! can be measured without building and linking the whole command-line tool.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use miwake_core::Analyzer;

// The same allocator as the `miwake` binary, so profiles match what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files_under(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The untimed first pass; a separate function so that profilers can leave it out.
#[inline(never)]
fn warm_up(analyzer: &Analyzer, inputs: &[Vec<u8>]) -> usize {
    inputs
        .iter()
        .filter(|raw| analyzer.analyze(raw).verdict.score > 0)
        .count()
}

#[inline(never)]
fn judge_all(analyzer: &Analyzer, inputs: &[Vec<u8>]) -> i64 {
    inputs
        .iter()
        .map(|raw| i64::from(analyzer.analyze(raw).verdict.score))
        .sum()
}

/// Times each message (best of three) and prints the costliest, with their share of the total.
fn print_slowest(analyzer: &Analyzer, paths: &[PathBuf], inputs: &[Vec<u8>]) {
    let mut costs: Vec<(f64, usize)> = inputs
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let best = (0..3)
                .map(|_| {
                    let started = Instant::now();
                    std::hint::black_box(analyzer.analyze(raw));
                    started.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min);
            (best, index)
        })
        .collect();
    let total: f64 = costs.iter().map(|(seconds, _)| seconds).sum();
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut running = 0.0;
    for (rank, (seconds, index)) in costs.iter().take(40).enumerate() {
        running += seconds;
        println!(
            "{rank:>3} {:>8.0} us {:>9} B {:>5.1}% cum {:>5.1}% {}",
            seconds * 1e6,
            inputs[*index].len(),
            100.0 * seconds / total,
            100.0 * running / total,
            paths[*index].display()
        );
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: profile_dir DIR [--reports FILE | --slowest]";
    let dir = args.first().ok_or(usage)?;
    let mut paths = Vec::new();
    files_under(Path::new(&dir), &mut paths)?;
    paths.sort();
    let inputs: Vec<Vec<u8>> = paths.iter().map(std::fs::read).collect::<Result<_, _>>()?;
    let analyzer = Analyzer::embedded()?;
    if let Some(flag) = args.get(1).filter(|flag| *flag == "--reports") {
        let file = args.get(2).filter(|_| flag == "--reports").ok_or(usage)?;
        let mut out = std::io::BufWriter::new(std::fs::File::create(file)?);
        for (path, raw) in paths.iter().zip(&inputs) {
            let report = serde_json::to_string(&analyzer.analyze(raw))?;
            writeln!(out, "{}\t{report}", path.display())?;
        }
        out.flush()?;
    }
    let warm = warm_up(&analyzer, &inputs);
    if args.get(1).map(String::as_str) == Some("--slowest") {
        print_slowest(&analyzer, &paths, &inputs);
    }
    let started = Instant::now();
    let timed = judge_all(&analyzer, &inputs);
    let seconds = started.elapsed().as_secs_f64();
    let bytes: usize = inputs.iter().map(Vec::len).sum();
    println!(
        "{} messages, {:.1} MB: {:.0} messages/s ({warm} scored above 0; score sum {timed})",
        inputs.len(),
        bytes as f64 / 1e6,
        inputs.len() as f64 / seconds
    );
    Ok(())
}
