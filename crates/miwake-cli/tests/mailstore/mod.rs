//! Mail stores built at test time from the project's fixtures: a Maildir and an mbox holding
//! the same messages (for the `scan` tests).

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::common::{messages_dir, Scratch};

/// The messages of a file as a mail store holds them: without an mbox envelope line, ending
/// with a newline (an mbox writer adds one, so both copies must be the same bytes).
pub fn stored_form(raw: &[u8]) -> Vec<u8> {
    let mut body = if raw.starts_with(b"From ") {
        match raw.iter().position(|&b| b == b'\n') {
            Some(i) => raw[i + 1..].to_vec(),
            None => Vec::new(),
        }
    } else {
        raw.to_vec()
    };
    if !body.ends_with(b"\n") {
        body.push(b'\n');
    }
    body
}

/// Appends one message to an mbox in mboxrd form: `>`-quote every `>*From ` line.
pub fn append_mboxrd(mbox: &mut Vec<u8>, message: &[u8], n: usize) {
    mbox.extend_from_slice(
        format!("From sender{n}@example.com Thu Jan  1 00:00:00 2025\n").as_bytes(),
    );
    for line in message.split_inclusive(|&b| b == b'\n') {
        let quotes = line.iter().take_while(|&&b| b == b'>').count();
        if line[quotes..].starts_with(b"From ") {
            mbox.push(b'>');
        }
        mbox.extend_from_slice(line);
    }
    mbox.extend_from_slice(b"\n");
}

/// A Maildir (cur/, new/, tmp/ and Dovecot's files) and an mboxrd holding the same messages.
pub struct Stores {
    pub scratch: Scratch,
    /// Maildir message file → its name in the input set.
    pub maildir_files: BTreeMap<PathBuf, String>,
    /// mbox source id (`path:offset`) → name in the input set.
    pub mbox_ids: BTreeMap<String, String>,
}

pub fn build_stores(name: &str, inputs: &[(String, Vec<u8>)]) -> Stores {
    let scratch = Scratch::new(name);
    let mut maildir_files = BTreeMap::new();
    let mut mbox_ids = BTreeMap::new();
    let mut mbox = Vec::new();
    for (i, (label, raw)) in inputs.iter().enumerate() {
        let body = stored_form(raw);
        let folder = if i % 3 == 0 { "new" } else { "cur" };
        let flags = if folder == "cur" { ":2,S" } else { "" };
        let path = scratch.file(
            &format!("Maildir/{folder}/1700000000.M{i}P1.test{flags}"),
            &body,
        );
        maildir_files.insert(path, label.clone());
        let offset = mbox.len();
        append_mboxrd(&mut mbox, &body, i);
        mbox_ids.insert(
            format!("{}:{offset}", scratch.path.join("archive.mbox").display()),
            label.clone(),
        );
    }
    scratch.file("archive.mbox", &mbox);
    Stores {
        scratch,
        maildir_files,
        mbox_ids,
    }
}

pub fn fixture_inputs() -> Vec<(String, Vec<u8>)> {
    let dir = messages_dir().join("eml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "expected the .eml fixtures in {}",
        dir.display()
    );
    let mut inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(p).unwrap(),
            )
        })
        .collect();
    // Body lines that an mbox must quote, and a message that is not mail at all.
    inputs.push((
        "from-lines".into(),
        b"From: Seller <s@example.com>\nSubject: quoting\n\nFrom the start of a line\n>From quoted already\n\nFrom after a blank line\n".to_vec(),
    ));
    inputs.push((
        "binary".into(),
        vec![0, 159, 146, 150, 255, 254, 0, 1, 2, 3],
    ));
    inputs
}
