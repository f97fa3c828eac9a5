//! Recently checked messages, kept in memory so a result page can be reloaded, shown in the
//! other language, or turned into a report without sending the message again. Bounded by count
//! and by total size; nothing is written to disk.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

const MAX_ENTRIES: usize = 32;
const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;

#[derive(Default)]
pub struct Recent {
    entries: Mutex<VecDeque<(String, Arc<Vec<u8>>)>>,
}

impl Recent {
    /// Keeps `raw` under `id`, forgetting the oldest entries beyond the bounds.
    pub fn insert(&self, id: String, raw: Vec<u8>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.push_back((id, Arc::new(raw)));
        let mut total: usize = entries.iter().map(|(_, r)| r.len()).sum();
        while entries.len() > MAX_ENTRIES || (total > MAX_TOTAL_BYTES && entries.len() > 1) {
            if let Some((_, old)) = entries.pop_front() {
                total -= old.len();
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<Arc<Vec<u8>>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, raw)| raw.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_within_bounds() {
        let recent = Recent::default();
        for i in 0..(MAX_ENTRIES + 5) {
            recent.insert(format!("id{i}"), vec![b'x'; 10]);
        }
        assert!(recent.get("id0").is_none());
        assert!(recent.get("id4").is_none());
        assert_eq!(
            recent.get(&format!("id{}", MAX_ENTRIES + 4)).unwrap().len(),
            10
        );
        recent.insert("big".into(), vec![0; MAX_TOTAL_BYTES]);
        assert!(recent.get("big").is_some());
        assert!(recent.get(&format!("id{}", MAX_ENTRIES + 4)).is_none());
    }
}
