//! `miwake scan` over Maildir and mbox trees built at test time from the project's fixtures
//! and from `../shared/corpus` (skipped, with a message, when the corpus is absent).

mod common;
mod mailstore;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{messages_dir, miwake, Run, Scratch};
use mailstore::{append_mboxrd, build_stores, fixture_inputs, stored_form};
use serde_json::Value;

fn lines_of_type<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["type"] == kind).collect()
}

fn source(v: &Value) -> String {
    v["source"].as_str().unwrap_or("<no source>").to_string()
}

fn scan_json(args: &[&Path]) -> Run {
    let mut all: Vec<&Path> = vec![
        Path::new("scan"),
        Path::new("--json"),
        Path::new("--threads"),
        Path::new("2"),
    ];
    all.extend_from_slice(args);
    miwake(all).run()
}

/// Each message's level, per input name, from the scan lines of one store.
fn levels_by_name(
    messages: &[&Value],
    names: &dyn Fn(&str) -> Option<String>,
) -> BTreeMap<String, String> {
    messages
        .iter()
        .map(|m| {
            let src = source(m);
            let name = names(&src).unwrap_or_else(|| panic!("unexpected source {src}"));
            (name, m["level"].as_str().unwrap_or("?").to_string())
        })
        .collect()
}

#[test]
fn maildir_and_mbox_of_fixtures_account_for_every_file_and_agree() {
    let inputs = fixture_inputs();
    let stores = build_stores("scan-fixtures", &inputs);
    let root = &stores.scratch.path;
    // What a real Maildir also holds: a delivery in progress and the server's own files.
    stores
        .scratch
        .file("Maildir/tmp/1700000001.M9P1.test", b"Subject: half-written");
    stores
        .scratch
        .file("Maildir/dovecot-uidlist", b"3 V1700000000 N20\n");
    stores
        .scratch
        .file("Maildir/dovecot.index.log", [0u8, 1, 2, 3, 0xff]);
    std::os::unix::fs::symlink(root.join("nowhere.eml"), root.join("dangling.eml")).unwrap();

    let run = scan_json(&[root]);
    let code = run.assert_verdict_code();
    assert_eq!(code, 2, "the fixtures hold dangerous messages");
    let lines = run.json_lines();
    let messages = lines_of_type(&lines, "message");
    let skipped = lines_of_type(&lines, "skipped");
    let unreadable = lines_of_type(&lines, "unreadable");
    let summaries = lines_of_type(&lines, "summary");
    assert_eq!(summaries.len(), 1, "one summary line");
    assert_eq!(
        lines.last().map(|l| &l["type"]),
        Some(&Value::from("summary"))
    );

    // Every message of both stores, each once.
    let got: BTreeSet<String> = messages.iter().map(|m| source(m)).collect();
    assert_eq!(got.len(), messages.len(), "a message was reported twice");
    let want: BTreeSet<String> = stores
        .maildir_files
        .keys()
        .map(|p| p.display().to_string())
        .chain(stores.mbox_ids.keys().cloned())
        .collect();
    assert_eq!(got, want);

    // The other files, each with its reason.
    let skipped: BTreeMap<String, String> = skipped
        .iter()
        .map(|s| (source(s), s["reason"].as_str().unwrap_or("?").to_string()))
        .collect();
    let expect_skipped: BTreeMap<String, String> = [
        ("Maildir/dovecot-uidlist", "not_mail"),
        ("Maildir/dovecot.index.log", "not_mail"),
        ("Maildir/tmp/1700000001.M9P1.test", "maildir_tmp"),
    ]
    .iter()
    .map(|(p, r)| (root.join(p).display().to_string(), r.to_string()))
    .collect();
    assert_eq!(skipped, expect_skipped);
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    assert_eq!(
        source(unreadable[0]),
        root.join("dangling.eml").display().to_string()
    );

    // The same bytes through the Maildir and the mbox reader give the same verdicts.
    let by_maildir = levels_by_name(
        &messages
            .iter()
            .copied()
            .filter(|m| stores.maildir_files.contains_key(Path::new(&source(m))))
            .collect::<Vec<_>>(),
        &|s| stores.maildir_files.get(Path::new(s)).cloned(),
    );
    let by_mbox = levels_by_name(
        &messages
            .iter()
            .copied()
            .filter(|m| stores.mbox_ids.contains_key(&source(m)))
            .collect::<Vec<_>>(),
        &|s| stores.mbox_ids.get(s).cloned(),
    );
    assert_eq!(by_maildir.len(), inputs.len());
    assert_eq!(by_maildir, by_mbox);
    assert_eq!(by_mbox["amazon-forged-lookalike.eml"], "danger");
    assert_eq!(by_mbox["amazon-genuine-shipping.eml"], "safe");

    let summary = summaries[0];
    let n = inputs.len() as u64 * 2;
    assert_eq!(summary["messages"], n);
    assert_eq!(
        summary["safe"].as_u64().unwrap()
            + summary["caution"].as_u64().unwrap()
            + summary["danger"].as_u64().unwrap(),
        n
    );
    assert_eq!(summary["unreadable"], 1);
    assert_eq!(summary["skipped"]["not_mail"], 2);
    assert_eq!(summary["skipped"]["maildir_tmp"], 1);
    assert_eq!(summary["interrupted"], false);
    let danger = messages.iter().filter(|m| m["level"] == "danger").count() as u64;
    assert_eq!(summary["danger"], danger);
}

#[test]
fn only_danger_and_csv_list_what_they_should() {
    let inputs = fixture_inputs();
    let stores = build_stores("scan-only", &inputs);
    let root = &stores.scratch.path;
    let all = scan_json(&[root]).json_lines();
    let danger: BTreeSet<String> = all
        .iter()
        .filter(|l| l["type"] == "message" && l["level"] == "danger")
        .map(source)
        .collect();
    assert!(!danger.is_empty());

    let only = miwake([
        Path::new("scan"),
        Path::new("--json"),
        Path::new("--only"),
        Path::new("danger"),
        root,
    ])
    .run();
    only.assert_code(2);
    let lines = only.json_lines();
    let listed: BTreeSet<String> = lines_of_type(&lines, "message")
        .into_iter()
        .map(source)
        .collect();
    assert_eq!(listed, danger);
    assert!(lines_of_type(&lines, "skipped").is_empty());

    let csv = miwake([
        Path::new("scan"),
        Path::new("--csv"),
        Path::new("--lang"),
        Path::new("en"),
        root,
    ])
    .run();
    csv.assert_code(2);
    let mut rows = csv.stdout.lines();
    assert_eq!(
        rows.next(),
        Some("source,status,level,score,intent,date,from,subject,rule,reason,findings")
    );
    let scanned = rows.filter(|r| r.contains(",scanned,")).count();
    assert_eq!(scanned, inputs.len() * 2);
    // The summary goes to stderr, in the language asked for.
    assert!(csv.stderr.contains("Scanned:"), "{}", csv.stderr);
    assert!(csv.stderr.contains("Dangerous messages:"), "{}", csv.stderr);
}

#[test]
fn human_summary_lists_dangerous_messages_with_date_sender_subject_and_reason() {
    let scratch = Scratch::new("scan-human");
    let eml = messages_dir().join("eml/amazon-forged-lookalike.eml");
    let raw = std::fs::read(&eml).unwrap();
    let path = scratch.file("Mail/cur/1.x:2,", &raw);
    scratch.file(
        "Mail/new/2.x",
        std::fs::read(messages_dir().join("eml/amazon-genuine-shipping.eml")).unwrap(),
    );
    let run = miwake([
        Path::new("scan"),
        Path::new("--lang"),
        Path::new("en"),
        &scratch.path,
    ])
    .run();
    run.assert_code(2);
    let out = &run.stdout;
    assert!(out.contains("Scanned: 2"), "{out}");
    assert!(out.contains("Dangerous messages:"), "{out}");
    assert!(out.contains("Subject: 【重要】お支払い方法の確認"), "{out}");
    assert!(out.contains("<support@amazon-co-jp.shop>"), "{out}");
    assert!(out.contains("Tue, 11 Mar 2025 09:15:00 +0900"), "{out}");
    assert!(out.contains("Main reason: "), "{out}");
    assert!(out.contains(&path.display().to_string()), "{out}");
    assert!(
        out.contains("By kind:") && out.contains("Top findings:"),
        "{out}"
    );
    // Piped: no progress bar, no colour.
    assert!(!run.stderr.contains('\x1b') && !out.contains('\x1b'));
}

#[test]
fn a_missing_path_is_an_error() {
    let scratch = Scratch::new("scan-missing");
    let run = miwake([Path::new("scan"), &scratch.path.join("nope")]).run();
    run.assert_code(4);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
}

#[test]
fn ctrl_c_stops_cleanly_with_a_partial_summary() {
    const MESSAGES: usize = 20_000;
    let scratch = Scratch::new("scan-interrupt");
    let raw = std::fs::read(messages_dir().join("eml/amazon-forged-lookalike.eml")).unwrap();
    let body = stored_form(&raw);
    let mut mbox = Vec::new();
    for i in 0..MESSAGES {
        append_mboxrd(&mut mbox, &body, i);
    }
    let path = scratch.file("big.mbox", &mbox);
    drop(mbox);
    let mut child = Command::new(common::bin())
        .args(["scan", "--json", "--threads", "1"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    // Interrupt once results flow (the handler is installed before the first message).
    let (first_line, got_first_line) = std::sync::mpsc::channel();
    let reader = std::thread::spawn({
        let out = child.stdout.take().unwrap();
        move || {
            let mut lines = Vec::new();
            for line in std::io::BufRead::lines(std::io::BufReader::new(out)) {
                lines.push(line.unwrap());
                let _ = first_line.send(());
            }
            lines
        }
    });
    got_first_line
        .recv_timeout(Duration::from_secs(120))
        .expect("scan results within two minutes");
    let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    let code = child.wait().unwrap().code();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the scan took too long to stop"
    );
    let stdout = reader.join().unwrap();
    assert_eq!(code, Some(130), "exit code after Ctrl-C");
    let lines: Vec<Value> = stdout
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = lines.last().expect("a summary line");
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["interrupted"], true);
    let scanned = lines_of_type(&lines, "message").len() as u64;
    assert_eq!(summary["messages"], scanned);
    assert!(
        scanned > 0 && scanned < MESSAGES as u64,
        "scanned {scanned}"
    );
}

fn corpus_email() -> Option<PathBuf> {
    let dir = common::workspace().join("../shared/corpus/email");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "corpus absent, skipping the corpus scan tests: {} does not exist",
            dir.display()
        );
        None
    }
}

fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn corpus_folder_every_file_is_accounted_for() {
    let Some(dir) = corpus_email() else { return };
    let files = all_files(&dir);
    let run = scan_json(&[&dir]);
    run.assert_verdict_code();
    let lines = run.json_lines();
    let seen: BTreeSet<String> = lines
        .iter()
        .filter(|l| l["type"] != "summary")
        .map(source)
        .map(|s| {
            // A file that begins with an mbox envelope line is read as a one-message mbox.
            s.strip_suffix(":0").map(str::to_string).unwrap_or(s)
        })
        .collect();
    let want: BTreeSet<String> = files.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(seen, want);
    let summary = lines.last().unwrap();
    assert_eq!(summary["messages"], files.len() as u64);
    assert_eq!(summary["unreadable"], 0);
}

#[test]
fn corpus_sample_in_maildir_and_mbox_gives_the_same_verdicts() {
    let Some(dir) = corpus_email() else { return };
    // Every 8th file keeps the debug-build test short while covering every folder.
    let inputs: Vec<(String, Vec<u8>)> = all_files(&dir)
        .into_iter()
        .step_by(8)
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    let stores = build_stores("scan-corpus", &inputs);
    let run = scan_json(&[&stores.scratch.path]);
    run.assert_verdict_code();
    let lines = run.json_lines();
    let messages = lines_of_type(&lines, "message");
    assert_eq!(messages.len(), inputs.len() * 2);
    let by_maildir = levels_by_name(
        &messages
            .iter()
            .copied()
            .filter(|m| stores.maildir_files.contains_key(Path::new(&source(m))))
            .collect::<Vec<_>>(),
        &|s| stores.maildir_files.get(Path::new(s)).cloned(),
    );
    let by_mbox = levels_by_name(
        &messages
            .iter()
            .copied()
            .filter(|m| stores.mbox_ids.contains_key(&source(m)))
            .collect::<Vec<_>>(),
        &|s| stores.mbox_ids.get(s).cloned(),
    );
    assert_eq!(by_maildir.len(), inputs.len());
    assert_eq!(by_maildir, by_mbox);
}

#[test]
fn the_thread_count_changes_nothing_but_speed() {
    let inputs = fixture_inputs();
    let stores = build_stores("scan-threads", &inputs);
    let levels = |threads: &str| -> BTreeMap<String, String> {
        let run = miwake([
            Path::new("scan"),
            Path::new("--json"),
            Path::new("--threads"),
            Path::new(threads),
            &stores.scratch.path,
        ])
        .run();
        run.assert_verdict_code();
        run.json_lines()
            .iter()
            .filter(|l| l["type"] == "message")
            .map(|l| (source(l), format!("{} {}", l["level"], l["score"])))
            .collect()
    };
    let one = levels("1");
    assert_eq!(one.len(), inputs.len() * 2);
    assert_eq!(one, levels("4"));
}
