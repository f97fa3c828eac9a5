//! From the paths a user gives to the list of things to scan, each file accounted for.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What one file (or unreadable path) is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// One message in its own file: an `.eml`, a Maildir `cur/` or `new/` file, a pasted text.
    Message { path: PathBuf, size: u64 },
    /// An mbox file holding any number of messages.
    Mbox { path: PathBuf, size: u64 },
    /// A file that is not scanned, and why.
    Skipped { path: PathBuf, reason: SkipReason },
    /// A file or folder that could not be listed or read.
    Unreadable { path: PathBuf, error: String },
}

impl Entry {
    pub fn path(&self) -> &Path {
        match self {
            Entry::Message { path, .. }
            | Entry::Mbox { path, .. }
            | Entry::Skipped { path, .. }
            | Entry::Unreadable { path, .. } => path,
        }
    }

    /// Bytes to read for this entry (0 for skipped and unreadable ones).
    pub fn size(&self) -> u64 {
        match self {
            Entry::Message { size, .. } | Entry::Mbox { size, .. } => *size,
            _ => 0,
        }
    }
}

/// Why a file found inside a folder is not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// A Maildir `tmp/` file: a delivery still being written.
    MaildirTmp,
    /// Neither a message nor an mbox (an index, an image, an empty file…).
    NotMail,
    /// A symbolic link to a folder: not followed, so that loops cannot happen.
    SymlinkedFolder,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::MaildirTmp => "maildir_tmp",
            SkipReason::NotMail => "not_mail",
            SkipReason::SymlinkedFolder => "symlinked_folder",
        }
    }
}

/// How many leading bytes decide what a file is.
const SNIFF_BYTES: usize = 1024;

/// Extensions that always mean "one message per file".
const MESSAGE_EXTENSIONS: &[&str] = &["eml", "msg", "txt"];

/// Every file under the given paths, classified, in a stable (sorted) order per folder.
///
/// A path named directly is scanned even when it does not look like mail (the user asked
/// for it); files found inside folders are sniffed and skipped when they are not mail.
pub fn discover(paths: &[PathBuf]) -> Vec<Entry> {
    let mut out = Vec::new();
    for path in paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => visit_dir(path, &mut out),
            Ok(meta) => out.push(classify_file(path, meta.len(), true)),
            Err(e) => out.push(unreadable(path, &e)),
        }
    }
    out
}

fn unreadable(path: &Path, error: &std::io::Error) -> Entry {
    Entry::Unreadable {
        path: path.to_path_buf(),
        error: error.to_string(),
    }
}

fn visit_dir(dir: &Path, out: &mut Vec<Entry>) {
    let children = match sorted_children(dir) {
        Ok(children) => children,
        Err(e) => {
            out.push(unreadable(dir, &e));
            return;
        }
    };
    let maildir = is_maildir(dir);
    for Child { path, is_symlink } in children {
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) => {
                out.push(unreadable(&path, &e));
                continue;
            }
        };
        if meta.is_dir() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if is_symlink {
                out.push(Entry::Skipped {
                    path,
                    reason: SkipReason::SymlinkedFolder,
                });
            } else if maildir && (name == "cur" || name == "new") {
                visit_maildir_messages(&path, out);
            } else if maildir && name == "tmp" {
                visit_maildir_tmp(&path, out);
            } else {
                visit_dir(&path, out);
            }
        } else if meta.is_file() {
            out.push(classify_file(&path, meta.len(), false));
        }
    }
}

/// A Maildir (or Maildir++ folder) has `cur/` and `new/` folders.
fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

/// One entry of a folder. Whether it is a symbolic link comes with the folder's listing on
/// most file systems, which spares a `stat` call per file.
struct Child {
    path: PathBuf,
    is_symlink: bool,
}

fn sorted_children(dir: &Path) -> std::io::Result<Vec<Child>> {
    let mut children = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let is_symlink = entry.file_type().is_ok_and(|t| t.is_symlink());
        children.push((
            entry.file_name(),
            Child {
                path: entry.path(),
                is_symlink,
            },
        ));
    }
    // Children of one folder differ only in their names: comparing those alone gives the
    // order that comparing whole paths does. The names come with the entries, because
    // taking them from the paths in every comparison (`Path::file_name` walks components)
    // was most of what discovery cost on a folder of a few thousand files.
    children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(children.into_iter().map(|(_, child)| child).collect())
}

/// Every file in a Maildir's `cur/` or `new/` is one message, whatever its name.
fn visit_maildir_messages(dir: &Path, out: &mut Vec<Entry>) {
    match sorted_children(dir) {
        Ok(children) => {
            for Child { path: child, .. } in children {
                match fs::metadata(&child) {
                    Ok(meta) if meta.is_file() => out.push(Entry::Message {
                        path: child,
                        size: meta.len(),
                    }),
                    Ok(meta) if meta.is_dir() => visit_dir(&child, out),
                    Ok(_) => {}
                    Err(e) => out.push(unreadable(&child, &e)),
                }
            }
        }
        Err(e) => out.push(unreadable(dir, &e)),
    }
}

fn visit_maildir_tmp(dir: &Path, out: &mut Vec<Entry>) {
    match sorted_children(dir) {
        Ok(children) => out.extend(children.into_iter().map(|child| Entry::Skipped {
            path: child.path,
            reason: SkipReason::MaildirTmp,
        })),
        Err(e) => out.push(unreadable(dir, &e)),
    }
}

/// What a file is, from its extension where that decides it, else from its first bytes. A
/// message file that cannot be read is reported so by the worker that reads it.
fn classify_file(path: &Path, size: u64, named: bool) -> Entry {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if MESSAGE_EXTENSIONS.contains(&ext.as_str()) {
        let path = path.to_path_buf();
        return Entry::Message { path, size };
    }
    let head = match sniff(path) {
        Ok(head) => head,
        Err(e) => return unreadable(path, &e),
    };
    let path = path.to_path_buf();
    if head.starts_with(b"From ") || ext == "mbox" {
        Entry::Mbox { path, size }
    } else if named || starts_with_header(&head) {
        Entry::Message { path, size }
    } else {
        Entry::Skipped {
            path,
            reason: SkipReason::NotMail,
        }
    }
}

fn sniff(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// True when the data begins with an RFC 5322 header field (`Name: value`).
pub fn starts_with_header(head: &[u8]) -> bool {
    let name_len = head
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        .count();
    name_len > 0 && head.get(name_len) == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(PathBuf);
    impl Dir {
        fn new(name: &str) -> Dir {
            let p =
                std::env::temp_dir().join(format!("miwake-mailbox-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        fn file(&self, rel: &str, data: &[u8]) -> PathBuf {
            let p = self.0.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, data).unwrap();
            p
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn kinds(entries: &[Entry], root: &Path) -> Vec<(String, &'static str)> {
        entries
            .iter()
            .map(|e| {
                let rel = e.path().strip_prefix(root).unwrap().display().to_string();
                let kind = match e {
                    Entry::Message { .. } => "message",
                    Entry::Mbox { .. } => "mbox",
                    Entry::Skipped { reason, .. } => reason.as_str(),
                    Entry::Unreadable { .. } => "unreadable",
                };
                (rel, kind)
            })
            .collect()
    }

    #[test]
    fn maildir_folders_and_mbox_are_told_apart() {
        let d = Dir::new("classify");
        d.file("Mail/cur/1.host:2,S", b"not even headers");
        d.file("Mail/new/2.host", b"Subject: hi\n\nbody");
        d.file("Mail/tmp/3.host", b"Subject: half");
        d.file("Mail/dovecot-uidlist", b"3 V1 N2\n");
        d.file("Mail/.Sent/cur/4.host:2,", b"Subject: sent\n\n");
        d.file("Mail/.Sent/new/.keep", b"");
        d.file("Mail/.Sent/tmp/.keep", b"");
        d.file("box", b"From a@b Thu Jan 1 00:00:00 2020\nSubject: x\n\n");
        d.file(
            "notes/a.eml",
            b"From x@y Mon\nSubject: eml with From_ line\n",
        );
        d.file("notes/b.json", b"{\"a\":1}");
        d.file("notes/c", b"Received: from x\n\n");
        let entries = discover(std::slice::from_ref(&d.0));
        let got = kinds(&entries, &d.0);
        let want: Vec<(String, &str)> = vec![
            ("Mail/.Sent/cur/4.host:2,".into(), "message"),
            ("Mail/.Sent/new/.keep".into(), "message"),
            ("Mail/.Sent/tmp/.keep".into(), "maildir_tmp"),
            ("Mail/cur/1.host:2,S".into(), "message"),
            ("Mail/dovecot-uidlist".into(), "not_mail"),
            ("Mail/new/2.host".into(), "message"),
            ("Mail/tmp/3.host".into(), "maildir_tmp"),
            ("box".into(), "mbox"),
            ("notes/a.eml".into(), "message"),
            ("notes/b.json".into(), "not_mail"),
            ("notes/c".into(), "message"),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_named_file_is_scanned_and_a_missing_one_reported() {
        let d = Dir::new("named");
        let json = d.file("b.json", b"{}");
        let missing = d.0.join("missing");
        let entries = discover(&[json.clone(), missing.clone()]);
        assert_eq!(
            entries[0],
            Entry::Message {
                path: json,
                size: 2
            }
        );
        assert!(matches!(&entries[1], Entry::Unreadable { path, .. } if *path == missing));
    }

    #[test]
    fn header_sniffing() {
        assert!(starts_with_header(b"Return-Path: <a@b>\n"));
        assert!(!starts_with_header(b"{\"a\": 1}"));
        assert!(!starts_with_header(b": x"));
        assert!(!starts_with_header(b""));
    }
}
