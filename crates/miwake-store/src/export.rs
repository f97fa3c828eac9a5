//! A case bundle for customer service (A5): an order's messages exactly as received, their
//! verdicts, the user's actions, a readable summary, and a manifest of SHA-256 hashes so the
//! bundle can be shown to be untampered (`sha256sum -c SHA256SUMS`).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::timeline::{Timeline, TimelineEntry};
use crate::{format_time, sha256_hex, Result, Store, StoreError};

/// The manifest's format name; bumped on incompatible changes.
pub const MANIFEST_FORMAT: &str = "miwake-case/1";

/// A folder, or a `.zip` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Folder,
    Zip,
}

impl ExportFormat {
    /// `.zip` → zip, anything else → folder.
    pub fn for_path(path: &Path) -> ExportFormat {
        match path.extension() {
            Some(e) if e.eq_ignore_ascii_case("zip") => ExportFormat::Zip,
            _ => ExportFormat::Folder,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize)]
struct Manifest<'a> {
    format: &'static str,
    order_id: &'a str,
    exported_at: String,
    generator: String,
    messages: Vec<ManifestMessage>,
    files: &'a [ManifestFile],
}

#[derive(Debug, Clone, Serialize)]
struct ManifestMessage {
    id: i64,
    file: String,
    original_sha256: String,
    received_at: Option<String>,
    checked_at: String,
    level: String,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub path: PathBuf,
    pub format: ExportFormat,
    pub messages: usize,
    pub files: Vec<ManifestFile>,
    /// SHA-256 of `manifest.json`: quote it to customer service to pin the bundle.
    pub manifest_sha256: String,
}

impl Store {
    /// Export one order's case to `dest` (a new folder, or a new `.zip`). Refuses to
    /// overwrite anything that exists.
    pub fn export_order(&self, order_id: &str, dest: &Path, now: i64) -> Result<ExportSummary> {
        let timeline = self.timeline(order_id)?;
        if timeline.entries.is_empty() && timeline.order.is_none() {
            return Err(StoreError::Invalid(format!(
                "nothing recorded for order {}",
                timeline.order_id
            )));
        }
        let format = ExportFormat::for_path(dest);
        let exists = match format {
            ExportFormat::Zip => dest.exists(),
            ExportFormat::Folder => dest
                .read_dir()
                .map(|mut d| d.next().is_some())
                .unwrap_or(false),
        };
        if exists {
            return Err(StoreError::Invalid(format!(
                "{} already exists; choose a new name (an export never overwrites)",
                dest.display()
            )));
        }
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut messages = Vec::new();
        for (n, row) in timeline.messages().enumerate() {
            let Some(stored) = self.message(row.id)? else {
                continue;
            };
            let ext = if row.kind == "email" { "eml" } else { "txt" };
            let name = format!("messages/{:02}-message-{}.{ext}", n + 1, row.id);
            messages.push(ManifestMessage {
                id: row.id,
                file: name.clone(),
                original_sha256: sha256_hex(&stored.raw),
                received_at: row.received_at.map(format_time),
                checked_at: format_time(row.first_checked),
                level: row.level.clone(),
            });
            files.push((name, stored.raw));
            files.push((
                format!("messages/{:02}-message-{}.report.json", n + 1, row.id),
                stored.report_json.into_bytes(),
            ));
        }
        files.push((
            "timeline.json".into(),
            serde_json::to_vec_pretty(&timeline)?,
        ));
        files.push(("README.txt".into(), summary_text(&timeline).into_bytes()));
        let listed: Vec<ManifestFile> = files
            .iter()
            .map(|(path, bytes)| ManifestFile {
                path: path.clone(),
                sha256: sha256_hex(bytes),
                size: bytes.len() as u64,
            })
            .collect();
        let manifest = serde_json::to_vec_pretty(&Manifest {
            format: MANIFEST_FORMAT,
            order_id: &timeline.order_id,
            exported_at: format_time(now),
            generator: format!("miwake {}", env!("CARGO_PKG_VERSION")),
            messages,
            files: &listed,
        })?;
        let manifest_sha256 = sha256_hex(&manifest);
        let mut sums = String::new();
        for f in &listed {
            sums.push_str(&format!("{}  {}\n", f.sha256, f.path));
        }
        sums.push_str(&format!("{manifest_sha256}  manifest.json\n"));
        files.push(("manifest.json".into(), manifest));
        files.push(("SHA256SUMS".into(), sums.into_bytes()));
        match format {
            ExportFormat::Folder => write_folder(dest, &files)?,
            ExportFormat::Zip => write_zip(dest, &files)?,
        }
        Ok(ExportSummary {
            path: dest.to_path_buf(),
            format,
            messages: timeline.messages().count(),
            files: listed,
            manifest_sha256,
        })
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn write_folder(dest: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    for (name, bytes) in files {
        let path = dest.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        std::fs::write(&path, bytes).map_err(io_err(&path))?;
    }
    Ok(())
}

/// Written beside the destination, then renamed, so a half-written zip never carries the name.
fn write_zip(dest: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    let partial = dest.with_extension("zip.partial");
    let file = std::fs::File::create(&partial).map_err(io_err(&partial))?;
    let mut zip = zip::ZipWriter::new(file);
    // Stored, not compressed: the originals stay readable with any unzip, byte for byte.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options)
            .map_err(|e| StoreError::Zip(e.to_string()))?;
        zip.write_all(bytes).map_err(io_err(&partial))?;
    }
    let file = zip.finish().map_err(|e| StoreError::Zip(e.to_string()))?;
    file.sync_all().map_err(io_err(&partial))?;
    std::fs::rename(&partial, dest).map_err(io_err(dest))?;
    Ok(())
}

/// The human summary in the bundle (Japanese, then English).
fn summary_text(t: &Timeline) -> String {
    let mut s = String::new();
    s.push_str(&format!("注文番号 / Order: {}\n", t.order_id));
    if let Some(o) = &t.order {
        if let Some(d) = &o.order_date {
            s.push_str(&format!("注文日 / Ordered: {d}\n"));
        }
        for i in &o.items {
            if let Some(p) = &i.product_name {
                s.push_str(&format!("商品 / Item: {p}\n"));
            }
            if let Some(tr) = &i.tracking {
                s.push_str(&format!(
                    "追跡番号 / Tracking: {} {tr}\n",
                    i.carrier.as_deref().unwrap_or("")
                ));
            }
        }
    }
    s.push_str("\n経過 / Timeline (UTC):\n");
    for e in &t.entries {
        match e {
            TimelineEntry::Message(m) => s.push_str(&format!(
                "  {}  メッセージ / message #{}  判定 / verdict: {}  {}\n",
                format_time(m.at()),
                m.id,
                m.level,
                m.subject
                    .as_deref()
                    .unwrap_or("")
                    .replace(['\r', '\n'], " ")
            )),
            TimelineEntry::Action {
                kind, template, at, ..
            } => s.push_str(&format!(
                "  {}  操作 / action: {}{}\n",
                format_time(*at),
                kind.as_str(),
                template
                    .as_deref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default()
            )),
        }
    }
    s.push_str(
        "\n各メッセージは受信したままの形で messages/ にあります。SHA256SUMS で改ざんがないことを確認できます(sha256sum -c SHA256SUMS)。\n\
         Each message is in messages/ exactly as received. Verify the bundle with: sha256sum -c SHA256SUMS\n",
    );
    s
}
