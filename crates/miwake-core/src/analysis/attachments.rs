//! Attachments that can run code or hide what they carry.

use crate::analysis::Hit;
use crate::message::Attachment;
use crate::report::Evidence;

const EXECUTABLE: &[&str] = &[
    "exe",
    "scr",
    "com",
    "pif",
    "cpl",
    "msi",
    "msp",
    "dll",
    "apk",
    "app",
    "jar",
    "lnk",
    "reg",
    "hta",
    "gadget",
    "application",
    "msc",
    "elf",
    "dmg",
    "pkg",
];
const SCRIPT: &[&str] = &[
    "js", "jse", "vbs", "vbe", "wsf", "wsh", "ps1", "psm1", "bat", "cmd", "sh", "py", "scpt",
];
const MACRO_DOCUMENT: &[&str] = &[
    "docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "sldm", "doc", "xls", "ppt",
];
const HTML: &[&str] = &["html", "htm", "shtml", "xhtml", "svg", "mht", "mhtml"];
const ARCHIVE: &[&str] = &[
    "zip", "rar", "7z", "gz", "tgz", "bz2", "xz", "tar", "cab", "arj", "lzh",
];
const DISK_IMAGE: &[&str] = &["iso", "img", "vhd", "vhdx"];
/// Extensions that a second, hidden extension pretends to be.
const DOCUMENT_LIKE: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "txt", "jpg", "jpeg", "png", "gif", "rtf", "csv",
];

fn extension(name: &str) -> Option<String> {
    let (_, ext) = name.trim().trim_end_matches('.').rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 12).then(|| ext.to_ascii_lowercase())
}

fn is_in(ext: &str, list: &[&str]) -> bool {
    list.contains(&ext)
}

/// Findings for every attachment.
pub fn analyze_attachments(attachments: &[Attachment]) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    for (i, a) in attachments.iter().enumerate() {
        let name = a.name.clone().unwrap_or_default();
        for rule in attachment_rules(a) {
            let evidence = Evidence::attachment(i, name.clone());
            match hits.iter_mut().find(|h| h.rule == rule) {
                Some(h) => h.evidence.push(evidence),
                None => hits.push(Hit::new(rule, evidence)),
            }
        }
    }
    hits
}

fn attachment_rules(a: &Attachment) -> Vec<&'static str> {
    let mut rules = Vec::new();
    let name = a.name.as_deref().unwrap_or("");
    let ext = extension(name).unwrap_or_default();
    let ctype = a.content_type.to_ascii_lowercase();
    if is_in(&ext, EXECUTABLE) || ctype.contains("x-msdownload") || ctype.contains("x-executable") {
        rules.push("attachment.executable");
    }
    if is_in(&ext, SCRIPT) || ctype.contains("javascript") || ctype.contains("x-sh") {
        rules.push("attachment.script");
    }
    if is_in(&ext, MACRO_DOCUMENT) || ctype.contains("macroenabled") {
        rules.push("attachment.macro_document");
    }
    if is_in(&ext, HTML) || (ctype == "text/html" && !name.is_empty()) {
        rules.push("attachment.html");
    }
    if is_in(&ext, DISK_IMAGE) {
        rules.push("attachment.disk_image");
    }
    if has_double_extension(name) {
        rules.push("attachment.double_extension");
    }
    if a.encrypted_archive {
        rules.push("attachment.encrypted_archive");
    }
    let archive = is_in(&ext, ARCHIVE) || ctype.contains("zip") || ctype.contains("compressed");
    if archive
        && a.archive_entries.iter().any(|entry| {
            extension(entry)
                .is_some_and(|e| is_in(&e, EXECUTABLE) || is_in(&e, SCRIPT) || is_in(&e, HTML))
        })
    {
        rules.push("attachment.archive_with_executable");
    }
    rules
}

/// `invoice.pdf.exe`, `photo.jpg   .scr`: a harmless-looking extension before a dangerous one.
fn has_double_extension(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    let mut parts = lower.rsplit('.');
    let (Some(last), Some(second)) = (parts.next(), parts.next()) else {
        return false;
    };
    let second = second.trim_end();
    let dangerous = is_in(last, EXECUTABLE) || is_in(last, SCRIPT) || is_in(last, HTML);
    dangerous && DOCUMENT_LIKE.contains(&second)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(name: &str, ctype: &str) -> Attachment {
        Attachment {
            name: Some(name.into()),
            content_type: ctype.into(),
            size: 10,
            encrypted_archive: false,
            archive_entries: vec![],
        }
    }

    #[test]
    fn dangerous_attachments() {
        assert!(
            attachment_rules(&att("invoice.pdf.exe", "application/octet-stream"))
                .contains(&"attachment.double_extension")
        );
        assert!(attachment_rules(&att("run.js", "application/javascript"))
            .contains(&"attachment.script"));
        assert!(
            attachment_rules(&att("Order.xlsm", "application/vnd.ms-excel"))
                .contains(&"attachment.macro_document")
        );
        assert!(attachment_rules(&att("login.html", "text/html")).contains(&"attachment.html"));
        let mut zip = att("docs.zip", "application/zip");
        zip.encrypted_archive = true;
        zip.archive_entries = vec!["scan.pdf.lnk".into()];
        let r = attachment_rules(&zip);
        assert!(
            r.contains(&"attachment.encrypted_archive")
                && r.contains(&"attachment.archive_with_executable"),
            "{r:?}"
        );
    }

    #[test]
    fn ordinary_attachments_are_fine() {
        assert!(attachment_rules(&att("receipt.pdf", "application/pdf")).is_empty());
        assert!(attachment_rules(&att("photo.jpg", "image/jpeg")).is_empty());
        assert!(attachment_rules(&att("v1.2.tar.gz", "application/gzip")).is_empty());
    }
}
