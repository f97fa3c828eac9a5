//! The browser end-to-end suite (`e2e/run.mjs`: Playwright driving Debian's Chromium) against
//! the real `miwake serve`. It needs node, Chromium and `npm ci` in `e2e/`; when they are
//! missing the test says so and passes, unless `CI` or `MIWAKE_REQUIRE_E2E` is set, in which
//! case it fails (CI installs them: see `.ci/run`).

mod serve_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serve_support::Server;

const LIMIT: Duration = Duration::from_secs(600);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn required() -> bool {
    ["CI", "MIWAKE_REQUIRE_E2E"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty() && s != "0" && s != "false"))
}

fn chromium() -> PathBuf {
    std::env::var_os("MIWAKE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What is missing to run the suite, if anything.
fn missing(e2e: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        missing.push("node (apt-get install nodejs npm)".to_string());
    }
    if !chromium().exists() {
        missing.push(format!(
            "{} (apt-get install chromium)",
            chromium().display()
        ));
    }
    if !e2e
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        missing.push("e2e/node_modules (cd e2e && npm ci)".to_string());
    }
    missing
}

#[test]
fn playwright_suite_passes_in_chromium() {
    let e2e = workspace().join("e2e");
    let missing = missing(&e2e);
    if !missing.is_empty() {
        let message = format!("browser end-to-end tests need: {}", missing.join(", "));
        if required() {
            panic!("{message} (required because CI or MIWAKE_REQUIRE_E2E is set)");
        }
        eprintln!("SKIPPED: {message}. Set MIWAKE_REQUIRE_E2E=1 to make this a failure.");
        return;
    }
    let server = Server::start();
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("e2e-artifacts");
    let mut child = Command::new("node")
        .arg("run.mjs")
        .current_dir(&e2e)
        .env("MIWAKE_URL", format!("{}/", server.origin()))
        .env("MIWAKE_CHROMIUM", chromium())
        .env("MIWAKE_E2E_ARTIFACTS", &artifacts)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    println!("{stdout}");
    eprintln!("{stderr}");
    let status = status.unwrap_or_else(|| panic!("e2e suite ran longer than {LIMIT:?}"));
    assert!(
        status.success(),
        "e2e suite failed ({status}):\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("PASS: 0 failed"), "{stdout}");
    assert!(
        artifacts.join("02-result-danger.png").exists(),
        "no screenshots in {}",
        artifacts.display()
    );
}
