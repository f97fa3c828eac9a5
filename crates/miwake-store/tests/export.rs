//! `export_order` to a folder and to a zip: the originals byte for byte, and a manifest
//! whose hashes match every file.

use std::io::Read;
use std::path::PathBuf;

use miwake_store::{sha256_hex, ActionKind, NewAction, NewMessage, Store};

const ORDER: &str = "250-1234567-7654321";

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("miwake-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

fn populated() -> (Store, Vec<Vec<u8>>) {
    let mut store = Store::open_in_memory().expect("open");
    let analyzer = miwake_core::Analyzer::embedded().expect("analyzer");
    let raws = vec![
        format!("From: shop@example.com\nDate: Mon, 2 Dec 2024 10:00:00 +0900\nSubject: 発送\n\n注文番号 {ORDER} の商品を発送しました。\n").into_bytes(),
        format!("注文番号 {ORDER} の件で、LINEで連絡してください。ID: shop_2024").into_bytes(),
    ];
    for raw in &raws {
        let report = analyzer.analyze(raw);
        store
            .record(&NewMessage::new(raw, &report, 1_733_200_000))
            .expect("record");
    }
    let mut a = NewAction::new(ActionKind::Replied, 1_733_300_000);
    a.order_id = Some(ORDER.into());
    a.template = Some("T8".into());
    store.add_action(&a).expect("action");
    (store, raws)
}

fn check_manifest(read: impl Fn(&str) -> Vec<u8>, raws: &[Vec<u8>]) {
    let manifest: serde_json::Value =
        serde_json::from_slice(&read("manifest.json")).expect("manifest json");
    assert_eq!(manifest["format"], "miwake-case/1");
    assert_eq!(manifest["order_id"], ORDER);
    let files = manifest["files"].as_array().expect("files");
    assert!(files.len() >= 6, "{files:?}");
    for f in files {
        let path = f["path"].as_str().expect("path");
        let bytes = read(path);
        assert_eq!(
            f["sha256"].as_str(),
            Some(sha256_hex(&bytes).as_str()),
            "{path}"
        );
        assert_eq!(f["size"].as_u64(), Some(bytes.len() as u64));
    }
    let messages = manifest["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    for (m, raw) in messages.iter().zip(raws) {
        let bytes = read(m["file"].as_str().expect("file"));
        assert!(&bytes == raw, "original changed");
        assert_eq!(
            m["original_sha256"].as_str(),
            Some(sha256_hex(raw).as_str())
        );
    }
    let sums = String::from_utf8(read("SHA256SUMS")).expect("utf8");
    let manifest_line = format!("{}  manifest.json", sha256_hex(&read("manifest.json")));
    assert!(sums.contains(&manifest_line), "{sums}");
    let readme = String::from_utf8(read("README.txt")).expect("utf8");
    assert!(
        readme.contains(ORDER) && readme.contains("replied (T8)"),
        "{readme}"
    );
}

#[test]
fn folder_export_holds_originals_and_matching_hashes() {
    let (store, raws) = populated();
    let dir = scratch("folder").join("case");
    let summary = store
        .export_order(ORDER, &dir, 1_733_400_000)
        .expect("export");
    assert_eq!(summary.messages, 2);
    check_manifest(|p| std::fs::read(dir.join(p)).expect(p), &raws);
    let again = store.export_order(ORDER, &dir, 1_733_400_001);
    assert!(again.is_err(), "an export never overwrites");
}

#[test]
fn zip_export_holds_originals_and_matching_hashes() {
    let (store, raws) = populated();
    let path = scratch("zip").join("case.zip");
    store
        .export_order(ORDER, &path, 1_733_400_000)
        .expect("export");
    let file = std::fs::File::open(&path).expect("zip");
    let archive = std::cell::RefCell::new(zip::ZipArchive::new(file).expect("archive"));
    check_manifest(
        |p| {
            let mut a = archive.borrow_mut();
            let mut f = a.by_name(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            let mut v = Vec::new();
            f.read_to_end(&mut v).expect("read");
            v
        },
        &raws,
    );
    assert!(store.export_order(ORDER, &path, 1).is_err());
}

#[test]
fn unknown_order_is_an_error() {
    let (store, _) = populated();
    let dir = scratch("none").join("case");
    assert!(store.export_order("999-0000000-0000000", &dir, 1).is_err());
}
