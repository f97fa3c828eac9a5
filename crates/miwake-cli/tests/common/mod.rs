//! Helpers shared by the integration tests: run the real `miwake` binary, with a time limit,
//! and make scratch folders under Cargo's per-target temporary directory.

#![allow(dead_code)] // each test binary uses a different subset

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Generous limit for one run of the debug binary; a run that takes longer is killed and fails.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(300);

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_miwake")
}

/// The workspace root (`/…/main`).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `fixtures/messages` in the workspace.
pub fn messages_dir() -> PathBuf {
    workspace().join("fixtures/messages")
}

/// What one run of `miwake` gave.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    /// Exit code; `None` when the process was killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Panics unless the process exited by itself (no signal, no Rust panic exit code 101).
    pub fn assert_normal_exit(&self) {
        match self.code {
            None => panic!(
                "miwake {:?} was killed by a signal\nstderr:\n{}",
                self.args, self.stderr
            ),
            Some(101) => panic!(
                "miwake {:?} panicked (exit 101)\nstderr:\n{}",
                self.args, self.stderr
            ),
            Some(_) => {}
        }
        assert!(
            !self.stderr.contains("panicked at"),
            "miwake {:?} printed a panic message:\n{}",
            self.args,
            self.stderr
        );
    }

    /// Panics unless the exit code is `expected`.
    pub fn assert_code(&self, expected: i32) {
        self.assert_normal_exit();
        assert_eq!(
            self.code,
            Some(expected),
            "miwake {:?}: exit code {:?}, expected {expected}\nstderr:\n{}\nstdout (start):\n{}",
            self.args,
            self.code,
            self.stderr,
            head(&self.stdout, 2000)
        );
    }

    /// Panics unless this is a verdict exit code (0 safe, 1 caution, 2 danger).
    pub fn assert_verdict_code(&self) -> i32 {
        self.assert_normal_exit();
        let code = self.code.unwrap_or(-1);
        assert!(
            (0..=2).contains(&code),
            "miwake {:?}: exit code {code}, expected a verdict (0..=2)\nstderr:\n{}",
            self.args,
            self.stderr
        );
        code
    }

    /// Stdout parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "miwake {:?}: stdout is not one JSON document ({e})\nstdout (start):\n{}\nstderr:\n{}",
                self.args,
                head(&self.stdout, 2000),
                self.stderr
            )
        })
    }

    /// Stdout parsed as JSON Lines.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l).unwrap_or_else(|e| {
                    panic!(
                        "miwake {:?}: stdout line {} is not JSON ({e}): {}",
                        self.args,
                        i + 1,
                        head(l, 500)
                    )
                })
            })
            .collect()
    }
}

/// The first `n` bytes of `s` (at a character boundary).
pub fn head(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A run of `miwake` being prepared.
pub struct Miwake {
    cmd: Command,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    limit: Duration,
}

/// `miwake ARGS…`
pub fn miwake<I, S>(args: I) -> Miwake
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(bin());
    let mut shown = Vec::new();
    for a in args {
        shown.push(a.as_ref().to_string_lossy().into_owned());
        cmd.arg(a.as_ref());
    }
    // A stable environment: colour decisions and language come from the flags under test.
    cmd.env_remove("NO_COLOR").env("LC_ALL", "C.UTF-8");
    // Never the user's evidence log: a path that does not exist unless a test creates it.
    cmd.env(
        "MIWAKE_DB",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("miwake-no-db/never-created.db"),
    )
    .env_remove("MIWAKE_RECORD")
    .env_remove("MIWAKE_REPLY_HOURS");
    for var in [
        "MIWAKE_FROM",
        "MIWAKE_SMTP_HOST",
        "MIWAKE_SMTP_PORT",
        "MIWAKE_SMTP_USER",
        "MIWAKE_SMTP_PASSWORD",
        "MIWAKE_SMTP_SECURITY",
    ] {
        cmd.env_remove(var);
    }
    Miwake {
        cmd,
        args: shown,
        stdin: None,
        limit: DEFAULT_LIMIT,
    }
}

impl Miwake {
    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(data.into());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// Runs it; kills it and panics when it outlives its time limit.
    pub fn run(mut self) -> Run {
        let start = Instant::now();
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self
            .cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin()));
        if let Some(data) = self.stdin.take() {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            std::thread::spawn(move || {
                // The child may stop reading early; a broken pipe is not the test's concern.
                let _ = pipe.write_all(&data);
            });
        }
        let mut out = child.stdout.take().expect("stdout is piped");
        let mut err = child.stderr.take().expect("stderr is piped");
        let err_reader = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = err.read_to_end(&mut s);
            s
        });
        // The stdout reader finishing means the child closed its stdout (it exited).
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = out.read_to_end(&mut s);
            let _ = tx.send(s);
        });
        let stdout = match rx.recv_timeout(self.limit) {
            Ok(s) => s,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "miwake {:?} did not finish within {:?}; killed",
                    self.args, self.limit
                );
            }
        };
        let status = child.wait().expect("waiting for miwake");
        let stderr = err_reader.join().unwrap_or_default();
        Run {
            args: self.args,
            code: status.code(),
            stdout: String::from_utf8(stdout).expect("miwake's stdout is UTF-8"),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            elapsed: start.elapsed(),
        }
    }
}

/// A scratch folder under `CARGO_TARGET_TMPDIR`, removed when dropped.
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("miwake-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        Scratch { path }
    }

    /// Writes `data` to `name` inside the folder and returns its path.
    pub fn file(&self, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, data).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Rule ids and families of a report's findings.
pub fn finding_keys(report: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    for f in report["findings"].as_array().into_iter().flatten() {
        for k in ["rule", "family"] {
            if let Some(s) = f[k].as_str() {
                keys.push(s.to_string());
            }
        }
    }
    keys
}

/// Rule ids of a report's findings.
pub fn rules(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["rule"].as_str().map(str::to_string))
        .collect()
}

/// Codes of a report's notes.
pub fn note_codes(report: &Value) -> Vec<String> {
    report["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["code"].as_str().map(str::to_string))
        .collect()
}

pub fn level(report: &Value) -> &str {
    report["verdict"]["level"]
        .as_str()
        .unwrap_or("<no verdict.level>")
}

pub fn level_code(level: &str) -> i32 {
    match level {
        "safe" => 0,
        "caution" => 1,
        "danger" => 2,
        other => panic!("unknown level {other:?}"),
    }
}

/// A one-line summary of a report for failure messages.
pub fn summary(report: &Value) -> String {
    format!(
        "level {} (score {}), intent {}, findings [{}], notes [{}]",
        level(report),
        report["verdict"]["score"],
        report["intent"]["id"],
        rules(report).join(", "),
        note_codes(report).join(", ")
    )
}
