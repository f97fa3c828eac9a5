//! `miwake bench`: single-thread throughput of the whole pipeline (ingest → verdict).

use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use crate::cli::BenchArgs;
use crate::inputs::{read_input, walk};

#[derive(Debug, Serialize)]
struct BenchFigures {
    messages: usize,
    bytes: usize,
    rounds: usize,
    seconds: f64,
    messages_per_second: f64,
    megabytes_per_second: f64,
    /// Time to compile the knowledge once, in milliseconds.
    startup_ms: f64,
    /// The untimed first pass, which also compiles the patterns the inputs reach.
    warm_up_ms: f64,
}

/// One pass over every input; kept out of line so profilers can collect exactly the timed work
/// (`valgrind --tool=callgrind --toggle-collect='*judge_all*'`).
#[inline(never)]
fn judge_all(analyzer: &miwake_core::Analyzer, inputs: &[Vec<u8>]) -> i64 {
    inputs
        .iter()
        .map(|raw| i64::from(analyzer.analyze(raw).verdict.score))
        .sum()
}

pub fn run(args: &BenchArgs) -> Result<u8> {
    if let Some(path) = &args.urls {
        let urls = crate::eval_urls::load_urls(path)?;
        anyhow::ensure!(!urls.is_empty(), "no URLs in {}", path.display());
        let analyzer = miwake_core::Analyzer::embedded()?;
        let (rounds, per_second) =
            crate::eval_urls::urls_per_second(&analyzer, &urls, args.seconds);
        if args.json {
            println!(
                "{}",
                serde_json::json!({"urls": urls.len(), "rounds": rounds, "urls_per_second": per_second})
            );
        } else {
            println!(
                "{} URLs × {rounds} rounds on one thread: {per_second:.0} URLs/s (miwake url)",
                urls.len()
            );
        }
        if args.dirs.is_empty() {
            return Ok(0);
        }
    }
    let mut inputs = Vec::new();
    for dir in &args.dirs {
        for path in walk(dir)? {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if matches!(ext, "eml" | "txt" | "msg" | "") {
                inputs.push(read_input(&path)?);
            }
        }
    }
    anyhow::ensure!(!inputs.is_empty(), "no .eml or .txt files found");
    let started = Instant::now();
    let analyzer = miwake_core::Analyzer::embedded()?;
    let startup = started.elapsed();
    // Patterns compile lazily on first use: one untimed pass measures that cost separately
    // so the timed rounds show the steady state of a long mailbox scan.
    let warm_started = Instant::now();
    let mut sink = judge_all(&analyzer, &inputs);
    let warm_up = warm_started.elapsed();
    let bytes: usize = inputs.iter().map(Vec::len).sum();
    let budget = Duration::from_secs_f64(args.seconds.max(0.1));
    let t0 = Instant::now();
    let mut rounds = 0;
    while rounds == 0 || t0.elapsed() < budget {
        sink += judge_all(&analyzer, &inputs);
        rounds += 1;
    }
    let secs = t0.elapsed().as_secs_f64();
    let fig = BenchFigures {
        messages: inputs.len(),
        bytes,
        rounds,
        seconds: secs,
        messages_per_second: (inputs.len() * rounds) as f64 / secs,
        megabytes_per_second: (bytes * rounds) as f64 / secs / 1e6,
        startup_ms: startup.as_secs_f64() * 1e3,
        warm_up_ms: warm_up.as_secs_f64() * 1e3,
    };
    std::hint::black_box(sink);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&fig)?);
    } else {
        println!(
            "{} messages ({:.1} MB) × {} rounds in {:.2} s on one thread: {:.0} messages/s, {:.1} MB/s (knowledge compiled in {:.0} ms, untimed first pass {:.0} ms)",
            fig.messages,
            bytes as f64 / 1e6,
            rounds,
            secs,
            fig.messages_per_second,
            fig.megabytes_per_second,
            fig.startup_ms,
            fig.warm_up_ms
        );
    }
    Ok(0)
}
