//! `miwake watch` against a real IMAP server: Dovecot (Debian package `dovecot-imapd`),
//! configured in a temporary folder on a free loopback port, started and restarted by the test.
//!
//! Without Dovecot (or without root, which Dovecot's privilege separation needs) the test says
//! so and passes locally; with `CI` or `MIWAKE_REQUIRE_DOVECOT` set it fails instead.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::Value;

const USER: &str = "tester";
const PASSWORD: &str = "s3cret-for-tests";
/// The uid Dovecot stores mail as (Debian's `nobody`): it refuses to do so as root.
const MAIL_UID: u32 = 65534;

fn dovecot_binary() -> Option<PathBuf> {
    let found = ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    let required =
        std::env::var_os("CI").is_some() || std::env::var_os("MIWAKE_REQUIRE_DOVECOT").is_some();
    let is_root = std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0"))
            .unwrap_or(false);
    match (found, is_root) {
        (Some(path), true) => Some(path),
        (found, _) => {
            let why = if found.is_none() {
                "Dovecot is not installed (apt-get install dovecot-imapd)"
            } else {
                "the test must run as root (Dovecot's privilege separation)"
            };
            assert!(!required, "CI/MIWAKE_REQUIRE_DOVECOT is set but {why}");
            eprintln!("skipping the Dovecot watch test: {why}");
            None
        }
    }
}

/// A Dovecot instance in a temporary folder.
struct Dovecot {
    binary: PathBuf,
    dir: PathBuf,
    port: u16,
    tls_port: u16,
    child: Option<Child>,
}

impl Dovecot {
    fn new(binary: PathBuf) -> Dovecot {
        Dovecot::with_tls(binary, false)
    }

    /// With `tls`, also an IMAPS listener (`tls_port`) and STARTTLS on the plain one, with a
    /// certificate for `localhost` from a throw-away CA (`ca.pem` in the folder).
    fn with_tls(binary: PathBuf, tls: bool) -> Dovecot {
        // Under /tmp: the mail user must be able to reach the folder.
        static INSTANCES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = INSTANCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("miwake-dovecot-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::chown(dir.join("mail"), Some(MAIL_UID), Some(MAIL_UID)).unwrap();
        let port = free_port();
        let tls_port = if tls { free_port() } else { 0 };
        let ssl = if tls {
            make_certificate(&dir);
            format!(
                "ssl = yes\nssl_cert = <{0}/cert.pem\nssl_key = <{0}/key.pem\n",
                dir.display()
            )
        } else {
            "ssl = no\n".to_string()
        };
        let d = dir.display();
        let conf = format!(
            "base_dir = {d}/run\n\
             state_dir = {d}/state\n\
             log_path = {d}/dovecot.log\n\
             protocols = imap\n\
             listen = 127.0.0.1\n\
             {ssl}\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login\n\
             mail_location = maildir:{d}/mail/%u\n\
             mail_uid = {MAIL_UID}\n\
             mail_gid = {MAIL_UID}\n\
             first_valid_uid = 1\n\
             default_login_user = dovenull\n\
             default_internal_user = dovecot\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid={MAIL_UID} gid={MAIL_UID} home={d}/mail/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n  }}\n}}\n"
        );
        std::fs::write(dir.join("dovecot.conf"), conf).unwrap();
        std::fs::write(
            dir.join("passwd"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n"),
        )
        .unwrap();
        let mut dovecot = Dovecot {
            binary,
            dir,
            port,
            tls_port,
            child: None,
        };
        dovecot.start();
        dovecot
    }

    fn start(&mut self) {
        let _ = std::fs::remove_file(self.dir.join("run/master.pid"));
        let child = Command::new(&self.binary)
            .arg("-F")
            .arg("-c")
            .arg(self.dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting dovecot");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "Dovecot did not listen within 30 s: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the server like a crash or reboot does: its sessions die with it. (Dovecot's
    /// `imap` processes outlive a stopped master until they next touch it, so they are ended too.)
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let workers = children_of(child.id());
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
            for pid in workers {
                // Some end with the master already.
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .arg(pid.to_string())
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }

    fn restart(&mut self) {
        self.stop();
        self.start();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
    }

    fn session(&self) -> imap::Session<imap::Connection> {
        let client = imap::ClientBuilder::new("127.0.0.1", self.port)
            .mode(imap::ConnectionMode::Plaintext)
            .connect()
            .expect("connecting to Dovecot");
        client
            .login(USER, PASSWORD)
            .map_err(|(e, _)| e)
            .expect("login")
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A CA and a certificate it signed for `localhost` / 127.0.0.1, made with the `openssl` tool.
fn make_certificate(dir: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("running openssl (apt-get install openssl)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=miwake test CA",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "req.pem",
    ]);
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "req.pem",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "cert.pem",
    ]);
}

/// Processes whose parent is `pid` (from /proc).
fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; comm may hold spaces, so read after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let ppid: Option<u32> = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok());
        if ppid == Some(pid) {
            if let Ok(child) = entry.file_name().to_string_lossy().parse() {
                out.push(child);
            }
        }
    }
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Test message `n`: a fixture with a header that names it.
/// A `.txt` fixture (text pasted from a message centre) is wrapped in mail headers.
fn message(n: u32, fixture: &str) -> Vec<u8> {
    let mut out = format!("X-Miwake-Test: {n}\r\n").into_bytes();
    if let Some(text) = fixture.strip_suffix(".txt") {
        let raw = std::fs::read(common::messages_dir().join(format!("{text}.txt"))).unwrap();
        out.extend_from_slice(
            b"From: Shop Support <support@shop.example.com>\r\nTo: buyer@example.com\r\n\
              Subject: About your order\r\nDate: Tue, 11 Mar 2025 09:15:00 +0900\r\n\
              MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
        );
        out.extend_from_slice(&raw);
    } else {
        let raw = std::fs::read(common::messages_dir().join("eml").join(fixture)).unwrap();
        out.extend_from_slice(&raw);
    }
    out
}

fn deliver(dovecot: &Dovecot, messages: &[(u32, &str)]) {
    deliver_to(dovecot, "INBOX", messages);
}

fn deliver_to(dovecot: &Dovecot, mailbox: &str, messages: &[(u32, &str)]) {
    let mut session = dovecot.session();
    for (n, fixture) in messages {
        session
            .append(mailbox, &message(*n, fixture))
            .finish()
            .expect("APPEND");
    }
    let _ = session.logout();
}

/// `miwake watch` running, its JSON lines arriving on a channel.
struct Watcher {
    child: Child,
    lines: Receiver<Value>,
}

impl Watcher {
    fn start(dovecot: &Dovecot, state: &Path, log: &Path) -> Watcher {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut child = Command::new(common::bin())
            .args([
                "watch",
                "--json",
                "--plain-insecure",
                "--host",
                "127.0.0.1",
                "--user",
                USER,
            ])
            .args(["--port", &dovecot.port.to_string()])
            .args([
                "--action",
                "move",
                "--move-to",
                "Suspicious",
                "--include-existing",
            ])
            .args(["--idle-seconds", "5", "--max-backoff-seconds", "2"])
            .arg("--state")
            .arg(state)
            .env("MIWAKE_IMAP_PASSWORD", PASSWORD)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("starting miwake watch");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let value: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Watcher { child, lines }
    }

    /// Waits for `n` checked messages (and fails on a wait over two minutes).
    fn expect(&self, n: usize, log: &Path) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut got = Vec::new();
        while got.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => got.push(v),
                Err(_) => panic!(
                    "expected {n} checked messages, got {}: {got:?}\nmiwake stderr:\n{}",
                    got.len(),
                    std::fs::read_to_string(log).unwrap_or_default()
                ),
            }
        }
        got
    }

    fn nothing_more(&self, wait: Duration) {
        if let Ok(extra) = self.lines.recv_timeout(wait) {
            panic!("a message was checked again or unexpectedly: {extra}");
        }
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Test number → (folder, flags) on the server.
fn server_view(dovecot: &Dovecot) -> BTreeMap<u32, (String, Vec<String>)> {
    let mut session = dovecot.session();
    let mut view = BTreeMap::new();
    for folder in ["INBOX", "Suspicious"] {
        if session.select(folder).is_err() {
            continue;
        }
        let fetches = session.fetch("1:*", "(FLAGS BODY.PEEK[])").unwrap();
        for f in fetches.iter() {
            let body = String::from_utf8_lossy(f.body().unwrap_or_default()).into_owned();
            let n: u32 = body
                .lines()
                .find_map(|l| l.strip_prefix("X-Miwake-Test: "))
                .and_then(|v| v.trim().parse().ok())
                .expect("every test message has its number");
            let flags = f.flags().iter().map(|fl| fl.to_string()).collect();
            assert!(
                view.insert(n, (folder.to_string(), flags)).is_none(),
                "message {n} twice on the server"
            );
        }
    }
    let _ = session.logout();
    view
}

#[test]
fn watch_marks_and_moves_without_missing_or_repeating_across_restarts() {
    let Some(binary) = dovecot_binary() else {
        return;
    };
    let mut dovecot = Dovecot::new(binary);
    let scratch = common::Scratch::new("watch");
    let state = scratch.path.join("state/watch.json");
    let log = scratch.path.join("watch.log");

    let danger = "amazon-forged-lookalike.eml";
    let danger2 = "quoted-printable-gift-review.eml";
    let safe = "amazon-genuine-shipping.eml";
    let safe2 = "shift_jis-shipping.eml";

    // Mail already there when the watch starts.
    deliver(&dovecot, &[(1, danger), (2, safe), (3, danger2)]);
    let watcher = Watcher::start(&dovecot, &state, &log);
    let mut checked = watcher.expect(3, &log);
    // New mail, announced by IDLE.
    deliver(&dovecot, &[(4, safe2), (5, danger)]);
    checked.extend(watcher.expect(2, &log));
    // The server restarts under the watcher; it reconnects and carries on.
    dovecot.restart();
    deliver(&dovecot, &[(6, danger2), (7, safe)]);
    checked.extend(watcher.expect(2, &log));
    watcher.nothing_more(Duration::from_secs(3));
    // The watcher itself stops; mail that comes meanwhile is checked when it is back.
    watcher.stop();
    deliver(&dovecot, &[(8, danger)]);
    let watcher = Watcher::start(&dovecot, &state, &log);
    checked.extend(watcher.expect(1, &log));
    watcher.nothing_more(Duration::from_secs(8));
    watcher.stop();

    // Each message checked exactly once, in the order of arrival.
    let uids: Vec<u64> = checked.iter().map(|c| c["uid"].as_u64().unwrap()).collect();
    assert_eq!(uids, (1..=8).collect::<Vec<u64>>(), "{checked:#?}");
    let levels: BTreeMap<u64, String> = checked
        .iter()
        .map(|c| {
            (
                c["uid"].as_u64().unwrap(),
                c["level"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for uid in [1, 3, 5, 6, 8] {
        assert_eq!(levels[&uid], "danger", "message {uid}");
    }
    for uid in [2, 4, 7] {
        assert_eq!(levels[&uid], "safe", "message {uid}");
    }
    for c in &checked {
        let moved = c["level"] == "danger";
        assert_eq!(c["action"], if moved { "moved" } else { "none" }, "{c}");
        assert!(c["source"]
            .as_str()
            .unwrap()
            .starts_with("imap://tester@127.0.0.1:"));
    }

    // On the server: dangerous mail moved and labelled, the rest left alone, nothing deleted,
    // nothing marked read.
    let view = server_view(&dovecot);
    assert_eq!(
        view.keys().copied().collect::<Vec<_>>(),
        (1..=8).collect::<Vec<u32>>()
    );
    for (n, (folder, flags)) in &view {
        let danger = levels[&u64::from(*n)] == "danger";
        assert_eq!(
            folder,
            if danger { "Suspicious" } else { "INBOX" },
            "message {n}"
        );
        assert_eq!(
            flags.iter().any(|f| f == "$miwake-danger"),
            danger,
            "message {n}: {flags:?}"
        );
        assert!(
            !flags.iter().any(|f| f == "\\Seen" || f == "\\Deleted"),
            "message {n}: {flags:?}"
        );
    }
    let watch_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        watch_log.contains("connection lost"),
        "the restart was noticed:\n{watch_log}"
    );
}

/// `miwake watch --once` with `ARGS`: (exit code, checked lines, stderr).
fn watch_once(
    dovecot: &Dovecot,
    state: &Path,
    password_file: &Path,
    args: &[&str],
) -> (Option<i32>, Vec<Value>, String) {
    let out = Command::new(common::bin())
        .args([
            "watch",
            "--once",
            "--json",
            "--plain-insecure",
            "--host",
            "127.0.0.1",
            "--user",
            USER,
        ])
        .args([
            "--port",
            &dovecot.port.to_string(),
            "--no-idle",
            "--lang",
            "en",
        ])
        .arg("--password-file")
        .arg(password_file)
        .arg("--state")
        .arg(state)
        .args(args)
        .env_remove("MIWAKE_IMAP_PASSWORD")
        .output()
        .expect("running miwake watch --once");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code(),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn uid_and_keyword(lines: &[Value]) -> Vec<(u64, String, String)> {
    lines
        .iter()
        .map(|l| {
            (
                l["uid"].as_u64().unwrap(),
                l["level"].as_str().unwrap().to_string(),
                l["keyword"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[test]
fn watch_once_labels_new_mail_and_notices_a_recreated_mailbox() {
    let Some(binary) = dovecot_binary() else {
        return;
    };
    let dovecot = Dovecot::new(binary);
    let scratch = common::Scratch::new("watch-once");
    let state = scratch.path.join("watch.json");
    let password = scratch.file("password", format!("{PASSWORD}\n"));
    let shop = ["--mailbox", "Shop", "--action", "keyword"];
    let mut session = dovecot.session();
    session.create("Shop").unwrap();
    let _ = session.logout();

    // The first run starts from what is there now: old mail is left alone.
    deliver_to(
        &dovecot,
        "Shop",
        &[
            (1, "amazon-forged-lookalike.eml"),
            (2, "amazon-genuine-shipping.eml"),
        ],
    );
    let (code, lines, stderr) = watch_once(&dovecot, &state, &password, &shop);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(lines.is_empty(), "{lines:?}");
    assert!(stderr.contains("polling"), "{stderr}");

    deliver_to(
        &dovecot,
        "Shop",
        &[
            (3, "defanged-url.eml"),
            (4, "en/caution-shipping-shortener.txt"),
            (5, "shift_jis-shipping.eml"),
        ],
    );
    let (code, lines, stderr) = watch_once(&dovecot, &state, &password, &shop);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        uid_and_keyword(&lines),
        vec![
            (3, "danger".into(), "$miwake-danger".into()),
            (4, "caution".into(), "$miwake-caution".into()),
            (5, "safe".into(), "-".into()),
        ]
    );
    // Nothing new: nothing checked.
    let (code, lines, _) = watch_once(&dovecot, &state, &password, &shop);
    assert_eq!((code, lines.len()), (Some(0), 0));

    let mut session = dovecot.session();
    session.select("Shop").unwrap();
    let fetches = session.uid_fetch("1:*", "(UID FLAGS)").unwrap();
    let flags: BTreeMap<u32, Vec<String>> = fetches
        .iter()
        .map(|f| {
            (
                f.uid.unwrap(),
                f.flags().iter().map(|fl| fl.to_string()).collect(),
            )
        })
        .collect();
    drop(fetches);
    let keywords = |uid: u32| -> Vec<&str> {
        flags[&uid]
            .iter()
            .map(String::as_str)
            .filter(|f| f.starts_with("$miwake"))
            .collect()
    };
    assert_eq!(
        flags.len(),
        5,
        "no message is moved or deleted with --action keyword"
    );
    assert_eq!(keywords(1), Vec::<&str>::new());
    assert_eq!(keywords(3), vec!["$miwake-danger"]);
    assert_eq!(keywords(4), vec!["$miwake-caution"]);
    assert_eq!(keywords(5), Vec::<&str>::new());

    // The mailbox is deleted and made again: UIDs start over, so all of it is checked.
    session.close().unwrap();
    session.delete("Shop").unwrap();
    session.create("Shop").unwrap();
    let _ = session.logout();
    deliver_to(&dovecot, "Shop", &[(6, "quoted-printable-gift-review.eml")]);
    let (code, lines, stderr) = watch_once(&dovecot, &state, &password, &shop);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("re-created"), "{stderr}");
    assert_eq!(
        uid_and_keyword(&lines),
        vec![(1, "danger".into(), "$miwake-danger".into())]
    );

    // A refused login ends at once (exit 4), without retrying.
    let wrong = scratch.file("wrong", "not-the-password\n");
    let (code, lines, stderr) = watch_once(&dovecot, &state, &wrong, &shop);
    assert_eq!(code, Some(4), "{stderr}");
    assert!(lines.is_empty());
    assert!(stderr.contains("refused the login"), "{stderr}");
}

/// `miwake watch --once` over TLS: (exit code, checked lines, stderr).
fn watch_tls(
    port: u16,
    state: &Path,
    ca: Option<&Path>,
    args: &[&str],
) -> (Option<i32>, usize, String) {
    let mut cmd = Command::new(common::bin());
    cmd.args([
        "watch",
        "--once",
        "--json",
        "--host",
        "localhost",
        "--user",
        USER,
        "--include-existing",
    ])
    .args(["--port", &port.to_string(), "--max-backoff-seconds", "1"])
    .arg("--state")
    .arg(state)
    .args(args)
    .env("MIWAKE_IMAP_PASSWORD", PASSWORD)
    .env_remove("SSL_CERT_DIR");
    match ca {
        // rustls-native-certs takes the trusted roots from SSL_CERT_FILE when it is set.
        Some(ca) => cmd.env("SSL_CERT_FILE", ca),
        None => cmd.env_remove("SSL_CERT_FILE"),
    };
    let out = cmd.output().expect("running miwake watch");
    let checked = String::from_utf8_lossy(&out.stdout).lines().count();
    (
        out.status.code(),
        checked,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn watch_speaks_tls_and_starttls_and_never_falls_back_to_plain() {
    let Some(binary) = dovecot_binary() else {
        return;
    };
    let dovecot = Dovecot::with_tls(binary, true);
    let ca = dovecot.dir.join("ca.pem");
    let scratch = common::Scratch::new("watch-tls");
    deliver(
        &dovecot,
        &[
            (1, "amazon-forged-lookalike.eml"),
            (2, "amazon-genuine-shipping.eml"),
        ],
    );

    // TLS from the first byte, the default.
    let (code, checked, stderr) = watch_tls(
        dovecot.tls_port,
        &scratch.path.join("a.json"),
        Some(&ca),
        &[],
    );
    assert_eq!((code, checked), (Some(0), 2), "{stderr}");
    // STARTTLS on the plain port, when asked for.
    let (code, checked, stderr) = watch_tls(
        dovecot.port,
        &scratch.path.join("b.json"),
        Some(&ca),
        &["--starttls"],
    );
    assert_eq!((code, checked), (Some(0), 2), "{stderr}");
    // A certificate from an unknown CA is refused.
    let (code, checked, stderr) =
        watch_tls(dovecot.tls_port, &scratch.path.join("c.json"), None, &[]);
    assert_eq!((code, checked), (Some(4), 0), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    // The default (TLS) against a plain-text port fails instead of talking in the clear.
    let (code, checked, stderr) =
        watch_tls(dovecot.port, &scratch.path.join("d.json"), Some(&ca), &[]);
    assert_eq!((code, checked), (Some(4), 0), "{stderr}");
}
