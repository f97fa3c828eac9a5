//! `miwake scan --record`: every scanned message kept in the evidence log, once, with its
//! verdict; `--only` respected; rescans add nothing; Ctrl-C commits what was judged; a store
//! failure stops the scan with exit code 4.

mod common;
mod mailstore;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use common::{messages_dir, miwake, workspace, Run, Scratch};
use mailstore::{append_mboxrd, build_stores, fixture_inputs, stored_form, Stores};
use miwake_store::Store;
use serde_json::Value;

/// The order number in `amazon-genuine-shipping.eml`, one of the imported fixture orders.
const GENUINE_ORDER: &str = "250-1234567-7654321";

fn db_in(scratch: &Scratch) -> PathBuf {
    scratch.path.join("log/miwake.db")
}

fn scan_record(db: &Path, extra: &[&str], root: &Path) -> Run {
    let mut args: Vec<&OsStr> = vec![OsStr::new("scan"), OsStr::new("--json")];
    args.extend(extra.iter().map(OsStr::new));
    args.extend([OsStr::new("--record"), OsStr::new("--db"), db.as_os_str()]);
    args.push(root.as_os_str());
    miwake(args).run()
}

fn summary_of(run: &Run) -> Value {
    let lines = run.json_lines();
    let last = lines.last().cloned().unwrap_or(Value::Null);
    assert_eq!(last["type"], "summary", "{}", run.stdout);
    last
}

/// Scanned level per source.
fn levels_by_source(run: &Run) -> BTreeMap<String, String> {
    run.json_lines()
        .iter()
        .filter(|l| l["type"] == "message")
        .map(|l| {
            (
                l["source"].as_str().unwrap_or("?").to_string(),
                l["level"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

/// Each input's bytes as both stores hold them, with the level the scan gave its Maildir copy.
fn stored_with_levels(stores: &Stores, run: &Run) -> Vec<(Vec<u8>, String)> {
    let levels = levels_by_source(run);
    stores
        .maildir_files
        .keys()
        .map(|path| {
            let bytes = std::fs::read(path).unwrap();
            let level = levels
                .get(&path.display().to_string())
                .unwrap_or_else(|| panic!("{} not scanned", path.display()))
                .clone();
            (bytes, level)
        })
        .collect()
}

fn count(store: &Store, table: &str) -> i64 {
    store
        .connection()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn open(db: &Path) -> Store {
    Store::open_existing(db)
        .unwrap()
        .unwrap_or_else(|| panic!("{} was not created", db.display()))
}

#[test]
fn every_message_is_recorded_once_with_its_verdict_and_a_rescan_adds_nothing() {
    let inputs = fixture_inputs();
    let stores = build_stores("scan-record", &inputs);
    let db = db_in(&stores.scratch);
    let root = stores.scratch.path.clone();
    let first = scan_record(&db, &["--threads", "2"], &root);
    first.assert_code(2);
    assert!(
        first.stderr.contains("does not exist yet: creating it"),
        "{}",
        first.stderr
    );
    let inputs_and_levels = stored_with_levels(&stores, &first);
    let distinct: BTreeSet<&[u8]> = inputs_and_levels
        .iter()
        .map(|(b, _)| b.as_slice())
        .collect();
    assert_eq!(distinct.len(), inputs.len(), "the fixtures are distinct");
    let judged = 2 * inputs.len() as u64; // the Maildir and the mbox hold the same messages

    let summary = summary_of(&first);
    assert_eq!(summary["messages"], judged);
    let record = &summary["record"];
    assert_eq!(record["database"], db.display().to_string());
    assert_eq!(record["created"], true);
    assert_eq!(record["recorded"], inputs.len() as u64);
    assert_eq!(record["already_recorded"], inputs.len() as u64);
    assert_eq!(record["new_verdicts"], 0);
    assert_eq!(record["below_only"], 0);
    assert_eq!(record["too_large"], 0);

    let store = open(&db);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(store.message_count().unwrap(), inputs.len() as i64);
    assert_eq!(count(&store, "checks"), inputs.len() as i64);
    let mut ids = BTreeSet::new();
    for (bytes, level) in &inputs_and_levels {
        let id = store.find_by_content(bytes).unwrap().expect("recorded");
        let stored = store.message(id).unwrap().expect("present");
        assert_eq!(&stored.raw, bytes, "the original bytes are kept");
        assert_eq!(&stored.row.level, level, "message #{id}");
        assert_eq!(stored.row.times_checked, 2, "one Maildir and one mbox copy");
        ids.insert(id);
    }
    let expected_ids: BTreeSet<i64> = (1..=inputs.len() as i64).collect();
    assert_eq!(ids, expected_ids);

    // `history` files the genuine shipping notice under its order number, with its verdict.
    let history = miwake(["history", "--json", "--order", GENUINE_ORDER])
        .env("MIWAKE_DB", db.to_str().unwrap())
        .run();
    history.assert_code(0);
    let entries = history.json()["timeline"]["entries"].clone();
    let genuine_path = stores
        .maildir_files
        .iter()
        .find(|(_, name)| name.as_str() == "amazon-genuine-shipping.eml")
        .map(|(path, _)| path)
        .unwrap();
    let genuine = std::fs::read(genuine_path).unwrap();
    let genuine_id = store.find_by_content(&genuine).unwrap().expect("recorded");
    assert!(
        entries
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["id"] == genuine_id && e["level"] == "safe"),
        "{entries}"
    );

    // The same mailbox again: nothing new, no verdict repeated.
    let again = scan_record(&db, &[], &root);
    again.assert_code(2);
    assert!(!again.stderr.contains("creating it"), "{}", again.stderr);
    let record = summary_of(&again)["record"].clone();
    assert_eq!(record["created"], false);
    assert_eq!(record["recorded"], 0);
    assert_eq!(record["already_recorded"], judged);
    assert_eq!(record["new_verdicts"], 0);
    let store = open(&db);
    assert_eq!(store.message_count().unwrap(), inputs.len() as i64);
    assert_eq!(count(&store, "checks"), inputs.len() as i64);
    let some_id = *ids.iter().next().unwrap();
    assert_eq!(
        store.message(some_id).unwrap().unwrap().row.times_checked,
        4
    );
}

#[test]
fn with_only_danger_only_dangerous_messages_are_recorded() {
    let inputs = fixture_inputs();
    let stores = build_stores("scan-record-only", &inputs);
    let db = db_in(&stores.scratch);
    let root = stores.scratch.path.clone();
    let run = scan_record(&db, &["--only", "danger"], &root);
    run.assert_code(2);
    let summary = summary_of(&run);
    let danger = summary["danger"].as_u64().unwrap();
    let messages = summary["messages"].as_u64().unwrap();
    assert!(danger > 0 && danger < messages, "{summary}");
    let record = &summary["record"];
    assert_eq!(
        record["recorded"],
        danger / 2,
        "each message is in both stores"
    );
    assert_eq!(record["already_recorded"], danger / 2);
    assert_eq!(record["below_only"], messages - danger);
    let store = open(&db);
    assert_eq!(store.message_count().unwrap() as u64, danger / 2);
    for row in store.recent_messages(1000).unwrap() {
        assert_eq!(row.level, "danger", "message #{} was recorded", row.id);
    }

    // Without --only, the rest joins them; the dangerous ones are not added twice.
    let all = scan_record(&db, &[], &root);
    let record = summary_of(&all)["record"].clone();
    assert_eq!(record["recorded"], (messages - danger) / 2);
    assert_eq!(
        record["already_recorded"],
        messages - (messages - danger) / 2
    );
    assert_eq!(open(&db).message_count().unwrap(), inputs.len() as i64);
}

#[test]
fn recorded_verdicts_are_those_check_record_gives_against_imported_orders() {
    let scratch = Scratch::new("scan-record-orders");
    let db = db_in(&scratch);
    let orders = workspace().join("fixtures/orders/Retail.OrderHistory.1.csv");
    miwake([
        "orders".as_ref(),
        "import".as_ref(),
        orders.as_os_str(),
        "--db".as_ref(),
        db.as_os_str(),
    ])
    .run()
    .assert_code(0);
    let not_mine = scratch.file(
        "Mail/not-mine.txt",
        "注文番号 503-9999999-1111111 の商品を発送しました。到着予定は12月2日です。\n",
    );
    let run = scan_record(&db, &[], &scratch.path.join("Mail"));
    run.assert_code(1);
    let line = &run.json_lines()[0];
    assert!(
        line["findings"].to_string().contains("order.not_yours"),
        "{line}"
    );
    assert_eq!(summary_of(&run)["record"]["created"], false);
    // `check --record` finds it with the same verdict: the same message, no new verdict.
    let check = miwake([
        "check".as_ref(),
        "--record".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        not_mine.as_os_str(),
    ])
    .run();
    check.assert_code(1);
    assert!(
        check.stderr.contains("already recorded as message #1"),
        "{}",
        check.stderr
    );
}

/// An mbox of `n` distinct messages (a sequence header makes each one unique).
fn distinct_mbox(scratch: &Scratch, n: usize) -> PathBuf {
    let raw = std::fs::read(messages_dir().join("eml/amazon-forged-lookalike.eml")).unwrap();
    let body = stored_form(&raw);
    let mut mbox = Vec::new();
    for i in 0..n {
        let mut message = format!("X-Test-Sequence: {i}\n").into_bytes();
        message.extend_from_slice(&body);
        append_mboxrd(&mut mbox, &message, i);
    }
    scratch.file("many.mbox", &mbox)
}

/// A `scan --json --record` of `mbox` on one thread, running: returned once it has printed
/// more than `lines` lines, with the reader of its standard output.
fn scan_running(db: &Path, mbox: &Path, lines: usize) -> (Child, JoinHandle<Vec<String>>) {
    let mut child = Command::new(common::bin())
        .args(["scan", "--json", "--threads", "1", "--record", "--db"])
        .arg(db)
        .arg(mbox)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (line_count, lines_so_far) = std::sync::mpsc::channel();
    let out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(out).lines() {
            lines.push(line.unwrap());
            let _ = line_count.send(lines.len());
        }
        lines
    });
    while lines_so_far
        .recv_timeout(Duration::from_secs(120))
        .expect("scan results within two minutes")
        <= lines
    {}
    (child, reader)
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args([name, &pid]).status().unwrap();
    assert!(sent.success());
}

#[test]
fn ctrl_c_commits_everything_judged_before_the_stop() {
    const MESSAGES: usize = 20_000;
    let scratch = Scratch::new("scan-record-interrupt");
    let mbox = distinct_mbox(&scratch, MESSAGES);
    let db = db_in(&scratch);
    // Interrupt once more than a batch has been judged.
    let (mut child, reader) = scan_running(&db, &mbox, 300);
    signal(&child, "-INT");
    let code = child.wait().unwrap().code();
    let stdout = reader.join().unwrap();
    assert_eq!(code, Some(130), "exit code after Ctrl-C");
    let summary: Value = serde_json::from_str(stdout.last().unwrap()).unwrap();
    assert_eq!(summary["interrupted"], true);
    let judged = summary["messages"].as_u64().unwrap();
    assert!(judged > 300 && judged < MESSAGES as u64, "judged {judged}");
    assert_eq!(summary["record"]["recorded"], judged);
    let store = open(&db);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(store.message_count().unwrap() as u64, judged);
}

#[test]
fn a_killed_scan_leaves_a_consistent_log_of_whole_messages() {
    const MESSAGES: usize = 20_000;
    let scratch = Scratch::new("scan-record-kill");
    let mbox = distinct_mbox(&scratch, MESSAGES);
    let db = db_in(&scratch);
    let (mut child, reader) = scan_running(&db, &mbox, 600);
    signal(&child, "-KILL");
    child.wait().unwrap();
    reader.join().unwrap();
    let store = open(&db);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let kept = store.message_count().unwrap();
    assert!(kept > 0 && kept < MESSAGES as i64, "kept {kept}");
    // Committed batches only: every message with its bytes and its verdict.
    let whole: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM messages m
             WHERE EXISTS (SELECT 1 FROM message_bodies b WHERE b.message_id = m.id)
               AND EXISTS (SELECT 1 FROM checks c WHERE c.message_id = m.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(whole, kept);
    assert_eq!(count(&store, "checks"), kept);
}

#[test]
fn a_store_failure_stops_the_scan_with_exit_4_and_keeps_the_committed_batches() {
    const LIMIT: i64 = 300;
    let scratch = Scratch::new("scan-record-failure");
    let mbox = distinct_mbox(&scratch, 2_000);
    let db = db_in(&scratch);
    // A log that refuses its 301st message, as a full disk would refuse a write.
    Store::open(&db)
        .unwrap()
        .connection()
        .execute_batch(&format!(
            "CREATE TRIGGER refuse_more BEFORE INSERT ON messages
             WHEN (SELECT count(*) FROM messages) >= {LIMIT}
             BEGIN SELECT RAISE(ABORT, 'the test refuses more'); END;"
        ))
        .unwrap();
    let run = scan_record(&db, &["--threads", "2"], &mbox);
    run.assert_code(4);
    assert!(
        run.stderr.contains("recording in the evidence log")
            && run.stderr.contains("the test refuses more"),
        "{}",
        run.stderr
    );
    let kept = open(&db).message_count().unwrap();
    assert!(kept > 0 && kept <= LIMIT, "kept {kept}");
    assert!(
        run.stderr
            .contains(&format!("({kept} new messages were committed before)")),
        "{}",
        run.stderr
    );
    let judged = levels_by_source(&run).len();
    assert!(judged < 2_000, "the scan stopped: {judged} judged");
}

#[test]
fn a_log_that_cannot_be_opened_is_an_error_before_scanning() {
    let scratch = Scratch::new("scan-record-badlog");
    let not_a_db = scratch.file("log.db", b"this is not an SQLite database, not even close");
    let mail = scratch.file(
        "m.eml",
        std::fs::read(messages_dir().join("eml/amazon-genuine-shipping.eml")).unwrap(),
    );
    let run = scan_record(&not_a_db, &[], &mail);
    run.assert_code(4);
    assert!(run.stderr.contains("evidence log"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn without_record_no_log_is_created() {
    let scratch = Scratch::new("scan-record-none");
    let db = db_in(&scratch);
    let mail = scratch.file(
        "m.eml",
        std::fs::read(messages_dir().join("eml/amazon-genuine-shipping.eml")).unwrap(),
    );
    let run = miwake([
        "scan".as_ref(),
        "--json".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        mail.as_os_str(),
    ])
    .env("MIWAKE_RECORD", "1")
    .run();
    run.assert_code(0);
    assert!(!db.exists(), "scan records only with --record");
    assert!(summary_of(&run).get("record").is_none());
}
