//! What has been checked, per mailbox: UIDVALIDITY and the highest UID done, in a small JSON
//! file replaced atomically after each message, so a restart neither misses nor repeats one.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::WatchError;

/// The high-water mark of one mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub uidvalidity: u32,
    /// Every message with a UID up to this one has been checked.
    pub last_uid: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    version: u32,
    /// `user@host:port/mailbox` → mark.
    mailboxes: BTreeMap<String, Mark>,
}

const STATE_VERSION: u32 = 1;

/// The state file, loaded once and saved after every change.
#[derive(Debug)]
pub struct State {
    path: PathBuf,
    file: StateFile,
}

impl State {
    /// Loads the file; a missing file is an empty state, a damaged one an error (never
    /// silently reset: that would re-check or skip a whole mailbox).
    pub fn load(path: &Path) -> Result<State, WatchError> {
        let file = match fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| WatchError::State {
                path: path.display().to_string(),
                message: format!("not a miwake watch state file: {e}"),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => StateFile {
                version: STATE_VERSION,
                mailboxes: BTreeMap::new(),
            },
            Err(e) => return Err(state_error(path, &e)),
        };
        Ok(State {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn get(&self, key: &str) -> Option<Mark> {
        self.file.mailboxes.get(key).copied()
    }

    pub fn set(&mut self, key: &str, mark: Mark) -> Result<(), WatchError> {
        self.file.mailboxes.insert(key.to_string(), mark);
        self.save()
    }

    /// Write to a temporary file next to the state, flush it to disk, rename it over.
    fn save(&self) -> Result<(), WatchError> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| state_error(dir, &e))?;
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let json = serde_json::to_vec_pretty(&self.file).map_err(|e| WatchError::State {
            path: self.path.display().to_string(),
            message: e.to_string(),
        })?;
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            // The rename itself must survive a crash too.
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            state_error(&self.path, &e)
        })
    }
}

fn state_error(path: &Path, e: &std::io::Error) -> WatchError {
    WatchError::State {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_survive_a_reload_and_damage_is_an_error() {
        let dir = std::env::temp_dir().join(format!("miwake-watch-state-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join("sub/state.json");
        let mut state = State::load(&path).unwrap();
        assert_eq!(state.get("a"), None);
        let mark = Mark {
            uidvalidity: 7,
            last_uid: 42,
        };
        state.set("a", mark).unwrap();
        assert_eq!(State::load(&path).unwrap().get("a"), Some(mark));
        let leftovers: Vec<_> = fs::read_dir(dir.join("sub")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        fs::write(&path, b"{ half").unwrap();
        assert!(matches!(State::load(&path), Err(WatchError::State { .. })));
        let _ = fs::remove_dir_all(&dir);
    }
}
