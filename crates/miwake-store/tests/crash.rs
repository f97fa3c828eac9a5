//! kill -9 in the middle of a batch of 1,000 inserts: the database opens, passes
//! `PRAGMA integrity_check`, and holds every message the child reported committed, and no
//! half of a batch.
//!
//! The child is this same test binary running the ignored test `child_inserts_in_batches`
//! (with `MIWAKE_CRASH_DB` set); it prints `committed ID SHA256` after each commit.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use miwake_store::{NewMessage, Store};

const TOTAL: usize = 1_000;
const BATCH: usize = 10;
const DB_ENV: &str = "MIWAKE_CRASH_DB";

fn message(n: usize) -> Vec<u8> {
    format!(
        "From: shop{n}@example.com\r\nSubject: 発送のお知らせ {n}\r\nDate: Mon, 2 Dec 2024 10:00:00 +0900\r\n\r\n\
         注文番号 250-{:07}-{:07} の商品を発送しました。{}\r\n",
        n % 97,
        n,
        "ご確認ください。".repeat(40)
    )
    .into_bytes()
}

#[test]
#[ignore = "child process of kill_9_mid_batch_loses_nothing_committed"]
fn child_inserts_in_batches() {
    let Some(path) = std::env::var_os(DB_ENV) else {
        return;
    };
    let analyzer = miwake_core::Analyzer::embedded().expect("analyzer");
    let mut store = Store::open(&PathBuf::from(path)).expect("open");
    let raws: Vec<Vec<u8>> = (0..TOTAL).map(message).collect();
    for chunk in raws.chunks(BATCH) {
        let reports: Vec<_> = chunk.iter().map(|r| analyzer.analyze(r)).collect();
        let batch: Vec<NewMessage<'_>> = chunk
            .iter()
            .zip(&reports)
            .map(|(raw, report)| NewMessage::new(raw, report, 1_700_000_000))
            .collect();
        let recorded = store.record_batch(&batch).expect("batch");
        // Printed only after the commit returned: these must survive anything.
        for r in recorded {
            println!("committed {} {}", r.id, r.sha256);
        }
        std::thread::sleep(Duration::from_millis(3));
    }
    println!("done");
}

#[test]
fn kill_9_mid_batch_loses_nothing_committed() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("miwake-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("crash.db");
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--ignored",
            "--exact",
            "child_inserts_in_batches",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DB_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut committed: Vec<(i64, String)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(600);
    while committed.len() < 200 {
        assert!(Instant::now() < deadline, "child too slow");
        let line = lines.next().expect("child ended early").expect("read");
        if let Some(rest) = line.strip_prefix("committed ") {
            let (id, sha) = rest.split_once(' ').expect("id sha");
            committed.push((id.parse().expect("id"), sha.to_string()));
        }
    }
    child.kill().expect("SIGKILL"); // kill(2) with SIGKILL on Unix
    child.wait().expect("reaped");
    let mut finished = false;
    for line in lines.map_while(|l| l.ok()) {
        if let Some(rest) = line.strip_prefix("committed ") {
            let (id, sha) = rest.split_once(' ').expect("id sha");
            committed.push((id.parse().expect("id"), sha.to_string()));
        } else if line == "done" {
            finished = true;
        }
    }
    assert!(
        !finished,
        "the child finished before it was killed; the test proved nothing"
    );

    let store = Store::open(&db).expect("reopen after kill -9");
    assert_eq!(store.integrity_check().expect("integrity"), "ok");
    let count = store.message_count().expect("count") as usize;
    assert!(count >= committed.len(), "{count} < {}", committed.len());
    assert!(count < TOTAL, "all {TOTAL} were written");
    assert_eq!(
        count % BATCH,
        0,
        "a half-written batch is visible: {count} messages"
    );
    for (id, sha) in &committed {
        let m = store
            .message(*id)
            .expect("query")
            .unwrap_or_else(|| panic!("#{id} lost"));
        assert_eq!(&m.row.sha256, sha);
        assert_eq!(
            &miwake_store::sha256_hex(&m.raw),
            sha,
            "#{id} bytes changed"
        );
    }
    eprintln!(
        "killed after {} reported commits; database holds {count} messages, integrity ok",
        committed.len()
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
