//! Builds the forward automaton of every knowledge pattern (as their first use does) and
//! lists the costliest by build time, with their NFA state counts:
//!
//! ```text
//! cargo run --release -p miwake-core --example pattern_costs
//! valgrind --tool=callgrind --toggle-collect='*forward_nfa_states*' \
//!     target/release/examples/pattern_costs      # instructions instead of noisy time
//! ```
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use miwake_core::analysis::patterns::{forward_nfa_states, prepare};
use miwake_core::knowledge::Knowledge;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let knowledge = Knowledge::embedded()?;
    let mut sources: Vec<&str> = Vec::new();
    for rule in &knowledge.rules {
        sources.extend(rule.patterns.all().map(String::as_str));
        sources.extend(rule.except.all().map(String::as_str));
    }
    for intent in &knowledge.intents {
        sources.extend(intent.cues.all().map(String::as_str));
        sources.extend(intent.strong_cues.all().map(String::as_str));
    }
    let mut costs = Vec::new();
    let all = Instant::now();
    for source in &sources {
        let prepared = prepare(source);
        let started = Instant::now();
        let states = forward_nfa_states(&prepared);
        costs.push((started.elapsed().as_secs_f64() * 1e6, states, *source));
    }
    let total = all.elapsed().as_secs_f64();
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let states: usize = costs.iter().map(|c| c.1).sum();
    println!(
        "{} patterns, {total:.3} s, {states} NFA states",
        sources.len()
    );
    for (us, states, source) in costs.iter().take(25) {
        println!("{us:>8.0} us {states:>6} {source}");
    }
    Ok(())
}
