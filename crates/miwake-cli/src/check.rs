//! `miwake check` and `miwake url`.

use std::io::{BufRead, Write};

use anyhow::{Context, Result};
use miwake_core::analysis::auth::RouteOptions;
use miwake_core::{Level, Report};

use crate::cli::{CheckArgs, UrlArgs};
use crate::inputs::{analyzer, read_input};
use crate::render::{Renderer, Style};

pub fn run(args: &CheckArgs) -> Result<u8> {
    let mut evidence = crate::evidence::CheckSession::open(&args.evidence)?;
    let analyzer = analyzer(&args.knowledge)?.with_route_options(RouteOptions {
        authserv_id: args.route.authserv_id.clone(),
    });
    let verifier = if args.route.verify_dkim {
        let keys = match &args.route.dkim_keys {
            Some(path) => Some(crate::dkim::StaticKeys::load(path)?),
            None => None,
        };
        Some(crate::dkim::Verifier::new(keys)?)
    } else {
        None
    };
    let renderer = Renderer::new(Style::from_args(&args.output));
    let mut worst = Level::Safe;
    let mut failed = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &args.files {
        let raw = match read_input(path) {
            Ok(raw) => raw,
            Err(e) => {
                eprintln!("miwake: {e:#}");
                failed = true;
                continue;
            }
        };
        let mut report = match &verifier {
            Some(v) => analyzer.analyze_with_dkim(&raw, &v.verify(&raw)),
            None => analyzer.analyze(&raw),
        };
        evidence.add_order_findings(&analyzer, &mut report);
        worst = worst.max(report.verdict.level);
        let name = path.display().to_string();
        evidence.record(&raw, &report, &name)?;
        emit(
            &mut out,
            &renderer,
            &name,
            &report,
            args.output.json,
            args.files.len() > 1,
        )?;
    }
    Ok(if failed {
        crate::cli::EXIT_ERROR
    } else {
        exit_code(worst)
    })
}

pub fn run_urls(args: &UrlArgs) -> Result<u8> {
    let analyzer = analyzer(&args.knowledge)?;
    let renderer = Renderer::new(Style::from_args(&args.output));
    let mut urls = args.urls.clone();
    if urls.is_empty() || urls == ["-"] {
        urls = std::io::stdin()
            .lock()
            .lines()
            .collect::<std::io::Result<Vec<_>>>()
            .context("reading URLs from standard input")?
            .into_iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
    }
    let mut worst = Level::Safe;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for url in &urls {
        let report = analyzer.analyze_url_as(url, args.brand.as_deref());
        worst = worst.max(report.verdict.level);
        emit(&mut out, &renderer, url, &report, args.output.json, true)?;
    }
    Ok(exit_code(worst))
}

fn emit(
    out: &mut impl Write,
    renderer: &Renderer,
    name: &str,
    report: &Report,
    json: bool,
    several: bool,
) -> Result<()> {
    if json {
        let mut value = serde_json::to_value(report)?;
        if several {
            if let Some(obj) = value.as_object_mut() {
                obj.insert("input".into(), serde_json::Value::String(name.to_string()));
            }
            writeln!(out, "{}", serde_json::to_string(&value)?)?;
        } else {
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
    } else {
        if several {
            writeln!(out, "== {name}")?;
        }
        renderer.write_report(out, report)?;
    }
    Ok(())
}

pub fn exit_code(level: Level) -> u8 {
    match level {
        Level::Safe => 0,
        Level::Caution => 1,
        Level::Danger => 2,
    }
}
