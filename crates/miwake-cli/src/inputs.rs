//! Reading what the user gives: files, standard input, folders, user knowledge.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use miwake_core::Analyzer;

use crate::cli::KnowledgeArgs;

/// Files larger than this are read only up to this size (the core bounds work further).
pub const MAX_READ_BYTES: u64 = 64 * 1024 * 1024;

/// Read a file, or standard input for `-`, up to [`MAX_READ_BYTES`].
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_READ_BYTES)
            .read_to_end(&mut buf)
            .context("reading standard input")?;
    } else {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        file.take(MAX_READ_BYTES)
            .read_to_end(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    Ok(buf)
}

/// The analyzer: built-in knowledge plus the user's `--rules DIR`.
pub fn analyzer(args: &KnowledgeArgs) -> Result<Analyzer> {
    let mut knowledge = miwake_core::Knowledge::embedded().context("built-in knowledge")?;
    if let Some(dir) = &args.rules {
        let mut files = Vec::new();
        for path in walk(dir)? {
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read rule file {}", path.display()))?;
                files.push((path.display().to_string(), text));
            }
        }
        knowledge = knowledge
            .overlay(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .context("loading --rules")?;
    }
    Analyzer::new(knowledge).context("compiling rules")
}

/// Every regular file under `root` (or `root` itself), sorted for stable output.
pub fn walk(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::metadata(&p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            for entry in
                std::fs::read_dir(&p).with_context(|| format!("cannot list {}", p.display()))?
            {
                stack.push(entry?.path());
            }
        } else if meta.is_file() {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}
