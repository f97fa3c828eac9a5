//! `miwake eval-urls FILE`: detection figures and throughput on a list of phishing URLs
//! (`date,URL,description` CSV as JPCERT/CC publishes it, or one URL per line).

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use miwake_core::analysis::brands::brand_form_in;
use miwake_core::domain::{decode_idna_host, parse_url, percent_decode};
use miwake_core::{Analyzer, Level, Report};
use serde::Serialize;

use crate::cli::EvalUrlsArgs;
use crate::inputs::analyzer;

/// Findings that say "this imitates the brand".
const IMPERSONATION: &[&str] = &[
    "link.brand_lookalike",
    "link.brand_in_path",
    "link.visible_brand_target_foreign",
];

#[derive(Debug, Default, Serialize)]
struct Pass {
    /// Not on a domain the brand owns, and judged caution or danger.
    not_brand_and_suspicious: usize,
    danger: usize,
    caution: usize,
    safe: usize,
    seconds: f64,
    urls_per_second: f64,
}

#[derive(Debug, Default, Serialize)]
struct UrlFigures {
    urls: usize,
    brand: String,
    /// Each URL judged alone, with no context.
    bare: Pass,
    /// Each URL judged as one presented as the brand's (`miwake url --brand`).
    presented_as_brand: Pass,
    /// URLs holding any form of the brand name (after percent- and IDNA-decoding and
    /// folding look-alike letters), and how many of them got an impersonation finding.
    with_brand_form: usize,
    with_brand_form_flagged: usize,
}

pub fn run(args: &EvalUrlsArgs) -> Result<u8> {
    let analyzer = analyzer(&args.knowledge)?;
    let urls = read_urls(&args.file)?;
    anyhow::ensure!(!urls.is_empty(), "no URLs in {}", args.file.display());
    let brand = analyzer
        .brands()
        .brands
        .iter()
        .position(|b| b.id == args.brand)
        .with_context(|| format!("unknown brand {:?}", args.brand))?;
    let mut fig = UrlFigures {
        urls: urls.len(),
        brand: args.brand.clone(),
        ..UrlFigures::default()
    };
    let started = Instant::now();
    let bare: Vec<Report> = urls.iter().map(|u| analyzer.analyze_url(u)).collect();
    fig.bare.seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let claimed: Vec<Report> = urls
        .iter()
        .map(|u| analyzer.analyze_url_as(u, Some(&args.brand)))
        .collect();
    fig.presented_as_brand.seconds = started.elapsed().as_secs_f64();
    tally(&mut fig.bare, &bare, &args.brand, urls.len());
    tally(
        &mut fig.presented_as_brand,
        &claimed,
        &args.brand,
        urls.len(),
    );
    let mut missed = Vec::new();
    for (url, report) in urls.iter().zip(&bare) {
        if brand_form_in(analyzer.brands(), &decoded(url)) != Some(brand) {
            continue;
        }
        fig.with_brand_form += 1;
        if report
            .findings
            .iter()
            .any(|f| IMPERSONATION.contains(&f.rule.as_str()))
        {
            fig.with_brand_form_flagged += 1;
        } else {
            missed.push(url.as_str());
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&fig)?);
    } else {
        print_figures(&fig);
        if args.misses {
            println!("\nbrand form without an impersonation finding:");
            missed.iter().for_each(|u| println!("  {u}"));
            println!("\njudged safe with no context:");
            urls.iter()
                .zip(&bare)
                .filter(|(_, r)| r.verdict.level == Level::Safe)
                .for_each(|(u, _)| println!("  {u}"));
        }
    }
    Ok(0)
}

fn tally(pass: &mut Pass, reports: &[Report], brand: &str, n: usize) {
    for r in reports {
        match r.verdict.level {
            Level::Safe => pass.safe += 1,
            Level::Caution => pass.caution += 1,
            Level::Danger => pass.danger += 1,
        }
        let owned = r.links.iter().any(|l| l.owner.as_deref() == Some(brand));
        if !owned && r.verdict.level != Level::Safe {
            pass.not_brand_and_suspicious += 1;
        }
    }
    pass.urls_per_second = n as f64 / pass.seconds.max(1e-9);
}

/// The URL lower-cased, percent-decoded, with punycode hosts decoded.
fn decoded(url: &str) -> String {
    let text = percent_decode(url).to_lowercase();
    match parse_url(&text) {
        Some(p) if p.host.contains("xn--") => text.replace(&p.host, &decode_idna_host(&p.host)),
        _ => text,
    }
}

fn read_urls(path: &Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines().peekable();
    let csv = lines
        .peek()
        .is_some_and(|l| l.to_ascii_lowercase().starts_with("date,url"));
    if csv {
        lines.next();
    }
    Ok(lines
        .filter_map(|l| {
            let url = if csv { l.split(',').nth(1)? } else { l };
            let url = url.trim();
            (!url.is_empty()).then(|| url.to_string())
        })
        .collect())
}

fn pct(n: usize, total: usize) -> f64 {
    100.0 * n as f64 / total.max(1) as f64
}

fn print_figures(f: &UrlFigures) {
    let line = |name: &str, p: &Pass| {
        println!(
            "{name:<28} not {}'s and suspicious {:>6} ({:.2}%)  danger {} / caution {} / safe {}  ({:.0} URLs/s)",
            f.brand,
            p.not_brand_and_suspicious,
            pct(p.not_brand_and_suspicious, f.urls),
            p.danger,
            p.caution,
            p.safe,
            p.urls_per_second
        )
    };
    println!("{} URLs", f.urls);
    line("judged alone:", &f.bare);
    line(
        &format!("presented as {}'s:", f.brand),
        &f.presented_as_brand,
    );
    println!(
        "URLs holding a form of the brand name: {} — lookalike/impersonation finding {} ({:.2}%)",
        f.with_brand_form,
        f.with_brand_form_flagged,
        pct(f.with_brand_form_flagged, f.with_brand_form)
    );
}

/// Throughput of `Analyzer::analyze_url` over a URL list (used by `miwake bench --urls`).
pub fn urls_per_second(analyzer: &Analyzer, urls: &[String], seconds: f64) -> (usize, f64) {
    let budget = std::time::Duration::from_secs_f64(seconds.max(0.1));
    let t0 = Instant::now();
    let mut rounds = 0;
    let mut sink = 0i64;
    while rounds == 0 || t0.elapsed() < budget {
        for u in urls {
            sink += i64::from(analyzer.analyze_url(u).verdict.score);
        }
        rounds += 1;
    }
    std::hint::black_box(sink);
    (
        rounds,
        (urls.len() * rounds) as f64 / t0.elapsed().as_secs_f64(),
    )
}

pub fn load_urls(path: &Path) -> Result<Vec<String>> {
    read_urls(path)
}
