//! The real binary over the labelled corpus in `../shared/corpus` (not part of the repository).
//! When the corpus is absent these tests say so and pass.
//!
//! Targets (from the project's issue): phishing judged danger or caution ≥ 95 %, danger ≥ 85 %;
//! legitimate e-mail judged danger ≤ 2 %, caution ≤ 10 %; every `ham/amazon-notices` e-mail safe;
//! seller messages: intent right ≥ 90 %, verdict as expected ≥ 90 %.

mod common;

use std::path::{Path, PathBuf};

use common::{miwake, summary};
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if dir.is_dir() {
        Some(dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()))
    } else {
        eprintln!("corpus absent, skipping: {} does not exist", dir.display());
        None
    }
}

fn count(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("eval figures: no count {key:?} in {v}"))
}

fn pct(n: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * n as f64 / total as f64
    }
}

#[test]
fn eval_meets_detection_targets() {
    let Some(dir) = corpus() else { return };
    let run = miwake([Path::new("eval"), Path::new("--json"), &dir]).run();
    run.assert_code(0);
    let fig = run.json();

    let phish = &fig["phish"];
    let ham = &fig["ham"];
    let seller = &fig["seller"];
    let (pt, pd, pc) = (
        count(phish, "total"),
        count(phish, "danger"),
        count(phish, "caution"),
    );
    let (ht, hd, hc) = (
        count(ham, "total"),
        count(ham, "danger"),
        count(ham, "caution"),
    );
    let (st, sv, si) = (
        count(seller, "total"),
        count(seller, "verdict_matches_expect"),
        count(seller, "intent_right"),
    );

    let mut report = String::new();
    for (group, c) in fig["groups"]
        .as_object()
        .expect("eval figures: groups")
        .iter()
    {
        report += &format!(
            "  {group:<28} total {:>5}  safe {:>5}  caution {:>4}  danger {:>5}\n",
            c["total"], c["safe"], c["caution"], c["danger"]
        );
    }
    report += &format!(
        "  phishing {pt}: danger+caution {:.1}% (target ≥ 95), danger {:.1}% (target ≥ 85)\n",
        pct(pd + pc, pt),
        pct(pd, pt)
    );
    report += &format!(
        "  legitimate {ht}: danger {:.1}% (target ≤ 2), caution {:.1}% (target ≤ 10)\n",
        pct(hd, ht),
        pct(hc, ht)
    );
    report += &format!(
        "  seller {st}: verdict {:.1}% (target ≥ 90), intent {:.1}% (target ≥ 90)\n",
        pct(sv, st),
        pct(si, st)
    );
    assert!(
        pt > 1000 && ht > 1000 && st > 0,
        "the corpus looks incomplete:\n{report}"
    );
    let mut misses = Vec::new();
    if pct(pd + pc, pt) < 95.0 {
        misses.push(format!(
            "phishing danger+caution {:.1}% < 95%",
            pct(pd + pc, pt)
        ));
    }
    if pct(pd, pt) < 85.0 {
        misses.push(format!("phishing danger {:.1}% < 85%", pct(pd, pt)));
    }
    if pct(hd, ht) > 2.0 {
        misses.push(format!("legitimate danger {:.1}% > 2%", pct(hd, ht)));
    }
    if pct(hc, ht) > 10.0 {
        misses.push(format!("legitimate caution {:.1}% > 10%", pct(hc, ht)));
    }
    let notices = &fig["groups"]["ham/amazon-notices"];
    if notices.is_null() {
        misses.push("no ham/amazon-notices group".into());
    } else if count(notices, "safe") != count(notices, "total") {
        misses.push(format!(
            "ham/amazon-notices: {} of {} safe (all must be)",
            count(notices, "safe"),
            count(notices, "total")
        ));
    }
    if pct(sv, st) < 90.0 {
        misses.push(format!("seller verdict {:.1}% < 90%", pct(sv, st)));
    }
    if pct(si, st) < 90.0 {
        misses.push(format!("seller intent {:.1}% < 90%", pct(si, st)));
    }
    if misses.is_empty() {
        eprintln!("corpus figures (all targets met):\n{report}");
    }
    assert!(
        misses.is_empty(),
        "detection targets missed:\n  {}\nfigures:\n{report}(`miwake eval --misses ../shared/corpus` lists the files)",
        misses.join("\n  ")
    );
}

/// Every corpus e-mail, many per invocation: no panic, no signal, one JSON line per file.
#[test]
fn check_never_fails_on_corpus_emails() {
    let Some(dir) = corpus() else { return };
    let mut files = Vec::new();
    let mut stack = vec![dir.join("email")];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in
                std::fs::read_dir(&p).unwrap_or_else(|e| panic!("cannot list {}: {e}", p.display()))
            {
                stack.push(e.unwrap().path());
            }
        } else if p.extension().is_some_and(|e| e == "eml") {
            files.push(p);
        }
    }
    files.sort();
    assert!(
        files.len() > 1000,
        "only {} .eml files under {}",
        files.len(),
        dir.join("email").display()
    );

    let mut levels = [0usize; 3];
    for batch in files.chunks(500) {
        let mut args: Vec<&std::ffi::OsStr> = vec!["check".as_ref(), "--json".as_ref()];
        args.extend(batch.iter().map(|p| p.as_os_str()));
        let run = miwake(&args).run();
        let code = run.assert_verdict_code();
        let lines = run.json_lines();
        assert_eq!(
            lines.len(),
            batch.len(),
            "one JSON line per file (batch starting at {})\nstderr:\n{}",
            batch[0].display(),
            run.stderr
        );
        let mut worst = 0;
        for (path, r) in batch.iter().zip(&lines) {
            assert_eq!(
                r["input"].as_str(),
                path.to_str(),
                "lines come in input order"
            );
            let l = common::level_code(common::level(r));
            assert!(
                r["message"]["text"].is_string(),
                "{}: {}",
                path.display(),
                summary(r)
            );
            levels[l as usize] += 1;
            worst = worst.max(l);
        }
        assert_eq!(
            code,
            worst,
            "batch exit code is the worst verdict (batch at {})",
            batch[0].display()
        );
    }
    eprintln!(
        "checked {} corpus e-mails: {} safe, {} caution, {} danger",
        files.len(),
        levels[0],
        levels[1],
        levels[2]
    );
}
