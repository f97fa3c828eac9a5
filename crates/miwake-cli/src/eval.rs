//! `miwake eval`: detection figures on labelled folders.
//!
//! Labels come from the path (`…/phish/…` is malicious, `…/ham/…` legitimate) or, for
//! `.jsonl` seller messages, from each line's `label`, `expect` and `intent`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use miwake_core::{Analyzer, Level, Report};
use serde::{Deserialize, Serialize};

use crate::cli::EvalArgs;
use crate::inputs::{analyzer, read_input, walk};

#[derive(Debug, Default, Clone, Serialize)]
pub struct Counts {
    pub total: usize,
    pub safe: usize,
    pub caution: usize,
    pub danger: usize,
}

impl Counts {
    fn add(&mut self, level: Level) {
        self.total += 1;
        match level {
            Level::Safe => self.safe += 1,
            Level::Caution => self.caution += 1,
            Level::Danger => self.danger += 1,
        }
    }
    fn pct(&self, n: usize) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * n as f64 / self.total as f64
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct SellerFigures {
    pub total: usize,
    pub verdict_matches_expect: usize,
    pub intent_right: usize,
    pub honest: Counts,
    pub scam: Counts,
}

#[derive(Debug, Default, Serialize)]
pub struct Figures {
    /// Per folder group (`phish/phishing-pot`, `ham/spamassassin`, …).
    pub groups: BTreeMap<String, Counts>,
    pub phish: Counts,
    pub ham: Counts,
    pub seller: SellerFigures,
    /// Rule id → number of legitimate messages (ham and honest seller messages) it fired on.
    pub rules_on_legitimate: BTreeMap<String, usize>,
    #[serde(skip)]
    misses: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct SellerLine {
    id: String,
    label: String,
    expect: String,
    intent: String,
    text: String,
}

pub fn run(args: &EvalArgs) -> Result<u8> {
    let analyzer = analyzer(&args.knowledge)?;
    let mut fig = Figures::default();
    for dir in &args.dirs {
        if !dir.exists() {
            anyhow::bail!(
                "{} does not exist (is ../shared/corpus present?)",
                dir.display()
            );
        }
        for path in walk(dir)? {
            eval_file(&analyzer, &path, &mut fig)?;
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&fig)?);
    } else {
        print_table(&fig);
        if args.misses {
            println!("\nMisjudged:");
            fig.misses.iter().for_each(|m| println!("  {m}"));
        }
    }
    Ok(0)
}

fn eval_file(analyzer: &Analyzer, path: &Path, fig: &mut Figures) -> Result<()> {
    let name = path.to_string_lossy();
    if name.ends_with(".jsonl") {
        return eval_seller(analyzer, path, fig);
    }
    if name.ends_with(".md") || name.ends_with(".csv") || name.ends_with(".json") {
        return Ok(());
    }
    let Some((label, group)) = label_of(path) else {
        return Ok(());
    };
    let raw = read_input(path)?;
    let report = analyzer.analyze(&raw);
    let level = report.verdict.level;
    fig.groups.entry(group).or_default().add(level);
    if label == "phish" {
        fig.phish.add(level);
        if level == Level::Safe {
            fig.misses.push(format!("phish judged safe: {name}"));
        }
    } else {
        fig.ham.add(level);
        count_rules(&report, &mut fig.rules_on_legitimate);
        if level == Level::Danger {
            fig.misses.push(format!(
                "ham judged danger: {name} ({})",
                report.verdict.decided_by.join(", ")
            ));
        }
    }
    Ok(())
}

/// (`phish` | `ham`, group name) from a path such as `…/email/phish/phishing-pot/x.eml`.
fn label_of(path: &Path) -> Option<(&'static str, String)> {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let i = parts.iter().position(|p| p == "phish" || p == "ham")?;
    let label = if parts[i] == "phish" { "phish" } else { "ham" };
    let group = match parts.get(i + 1) {
        Some(sub) if i + 2 < parts.len() => format!("{label}/{sub}"),
        _ => label.to_string(),
    };
    Some((label, group))
}

fn eval_seller(analyzer: &Analyzer, path: &Path, fig: &mut Figures) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let item: SellerLine = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a seller message line", path.display(), n + 1))?;
        let report = analyzer.analyze(item.text.as_bytes());
        let level = report.verdict.level;
        let s = &mut fig.seller;
        s.total += 1;
        let verdict_ok = level_name(level) == item.expect;
        let intent_ok = report.intent.id == item.intent;
        s.verdict_matches_expect += usize::from(verdict_ok);
        s.intent_right += usize::from(intent_ok);
        if item.label == "honest" {
            s.honest.add(level);
            count_rules(&report, &mut fig.rules_on_legitimate);
        } else {
            s.scam.add(level);
        }
        if !verdict_ok || !intent_ok {
            fig.misses.push(format!(
                "seller {}: verdict {} (expect {}), intent {} (expect {}) [{}]",
                item.id,
                level_name(level),
                item.expect,
                report.intent.id,
                item.intent,
                report.verdict.decided_by.join(", ")
            ));
        }
    }
    Ok(())
}

fn count_rules(report: &Report, counts: &mut BTreeMap<String, usize>) {
    for f in report.findings.iter().filter(|f| f.weight > 0) {
        *counts.entry(f.rule.clone()).or_default() += 1;
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Safe => "safe",
        Level::Caution => "caution",
        Level::Danger => "danger",
    }
}

fn print_table(fig: &Figures) {
    println!(
        "{:<32} {:>6} {:>6} {:>8} {:>7}",
        "group", "total", "safe", "caution", "danger"
    );
    for (g, c) in &fig.groups {
        println!(
            "{:<32} {:>6} {:>6} {:>8} {:>7}",
            g, c.total, c.safe, c.caution, c.danger
        );
    }
    let p = &fig.phish;
    if p.total > 0 {
        println!(
            "\nphishing e-mails: {} — danger or caution {:.1}%, danger {:.1}%, missed (safe) {}",
            p.total,
            p.pct(p.caution + p.danger),
            p.pct(p.danger),
            p.safe
        );
    }
    let h = &fig.ham;
    if h.total > 0 {
        println!(
            "legitimate e-mails: {} — danger {:.1}% ({}), caution {:.1}% ({})",
            h.total,
            h.pct(h.danger),
            h.danger,
            h.pct(h.caution),
            h.caution
        );
    }
    let s = &fig.seller;
    if s.total > 0 {
        let pct = |n: usize| 100.0 * n as f64 / s.total as f64;
        println!(
            "seller messages: {} — verdict = expect {}/{} ({:.1}%), intent right {}/{} ({:.1}%); honest: {} safe / {} caution / {} danger; scam: {} safe / {} caution / {} danger",
            s.total,
            s.verdict_matches_expect,
            s.total,
            pct(s.verdict_matches_expect),
            s.intent_right,
            s.total,
            pct(s.intent_right),
            s.honest.safe,
            s.honest.caution,
            s.honest.danger,
            s.scam.safe,
            s.scam.caution,
            s.scam.danger
        );
    }
    if !fig.rules_on_legitimate.is_empty() {
        let mut top: Vec<(&String, &usize)> = fig.rules_on_legitimate.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        println!("\nrules that fire most on legitimate messages:");
        for (rule, n) in top.into_iter().take(12) {
            println!("  {n:>5}  {rule}");
        }
    }
}
