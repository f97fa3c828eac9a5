//! The parallel scan: every message of every entry through a function, on a rayon pool.
//!
//! Entries are turned into work items by one iterator, shared by the workers (rayon's
//! `par_bridge`): a single-message file becomes a path that the worker reads itself, an mbox
//! is read message by message as workers ask for more. Workers pull one item at a time, so at
//! most about one message per worker is in memory, whatever the size of the mailbox. Results
//! go a few at a time through a bounded channel to the sink, which runs on the calling thread.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::iter::{ParallelBridge, ParallelIterator};

use crate::discover::Entry;
use crate::mbox::MboxReader;

/// Stack of each worker: the main thread's usual size, not rayon's 2 MiB, because the
/// analysis of deeply nested messages (MIME, HTML) is judged on the stack.
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

/// A worker sends its results on when it holds this many, or when the oldest has waited
/// [`BATCH_WAIT`]; the sink (progress, rows) sees them at most that late.
const BATCH_MESSAGES: usize = 32;
const BATCH_WAIT: Duration = Duration::from_millis(25);

/// Tuning of a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Worker threads; `None` uses one per core.
    pub threads: Option<usize>,
    /// A message longer than this is cut (the analysis core ignores more anyway).
    pub max_message_bytes: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: None,
            max_message_bytes: 64 * 1024 * 1024,
        }
    }
}

/// One message, read.
#[derive(Debug)]
pub struct MailMessage {
    /// Stable id: the file's path, or `path:offset` for a message inside an mbox.
    pub source: String,
    pub bytes: Vec<u8>,
    /// The message was longer than `max_message_bytes`; only its start is here.
    pub truncated: bool,
}

/// What the per-message function gets: a message, or why one could not be read.
#[derive(Debug)]
pub enum Scanned {
    Message(MailMessage),
    Unreadable { source: String, error: String },
}

impl Scanned {
    pub fn source(&self) -> &str {
        match self {
            Scanned::Message(m) => &m.source,
            Scanned::Unreadable { source, .. } => source,
        }
    }
}

/// A result with the number of input bytes it accounts for (for progress).
#[derive(Debug)]
pub struct Done<T> {
    pub result: T,
    pub input_bytes: u64,
}

/// Why a scan could not start.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool { threads: usize, message: String },
}

/// Runs `analyze` on every message of `entries` (skipped entries are ignored) on a pool of
/// worker threads, and `sink` on each result, on this thread, as results come.
///
/// Setting `stop` makes the workers take no new message; the messages in progress finish
/// and reach the sink before `scan` returns.
pub fn scan<T, A, S>(
    entries: &[Entry],
    options: &ScanOptions,
    stop: &AtomicBool,
    analyze: A,
    mut sink: S,
) -> Result<(), ScanError>
where
    T: Send,
    A: Fn(Scanned) -> T + Sync,
    S: FnMut(Done<T>),
{
    let threads = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("miwake-scan-{i}"))
        .stack_size(WORKER_STACK_BYTES)
        .build()
        .map_err(|e| ScanError::ThreadPool {
            threads,
            message: e.to_string(),
        })?;
    let (tx, rx) = mpsc::sync_channel::<Vec<Done<T>>>(threads * 4);
    let max = options.max_message_bytes;
    std::thread::scope(|scope| {
        let analyze = &analyze;
        scope.spawn(move || {
            pool.install(|| {
                WorkItems::new(entries, max, stop)
                    .par_bridge()
                    .for_each_init(
                        || Outbox::new(tx.clone()),
                        |outbox, item| {
                            let input_bytes = item.input_bytes();
                            let result = analyze(item.read(max));
                            outbox.push(Done {
                                result,
                                input_bytes,
                            });
                        },
                    );
            });
        });
        for batch in rx {
            batch.into_iter().for_each(&mut sink);
        }
    });
    Ok(())
}

/// A worker's results on their way to the sink, sent in batches: one send per message woke
/// the sink's thread for every message, a futex call each way that cost close to a tenth of
/// a one-thread scan. Whatever is left is sent when the outbox is dropped, so nothing is lost
/// when the workers stop early.
struct Outbox<T> {
    tx: mpsc::SyncSender<Vec<Done<T>>>,
    batch: Vec<Done<T>>,
    oldest: Instant,
}

impl<T> Outbox<T> {
    fn new(tx: mpsc::SyncSender<Vec<Done<T>>>) -> Self {
        Outbox {
            tx,
            batch: Vec::with_capacity(BATCH_MESSAGES),
            oldest: Instant::now(),
        }
    }

    fn push(&mut self, done: Done<T>) {
        let now = Instant::now();
        if self.batch.is_empty() {
            self.oldest = now;
        }
        self.batch.push(done);
        if self.batch.len() >= BATCH_MESSAGES || now.duration_since(self.oldest) >= BATCH_WAIT {
            self.send();
        }
    }

    fn send(&mut self) {
        if !self.batch.is_empty() {
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_MESSAGES));
            // The receiver only goes away when the sink panicked.
            let _ = self.tx.send(batch);
        }
    }
}

impl<T> Drop for Outbox<T> {
    fn drop(&mut self) {
        self.send();
    }
}

/// One unit of work handed to a worker.
enum WorkItem {
    /// A single-message file, read by the worker.
    File { path: PathBuf, size: u64 },
    /// Already read (from an mbox).
    Read { scanned: Scanned, input_bytes: u64 },
}

impl WorkItem {
    fn input_bytes(&self) -> u64 {
        match self {
            WorkItem::File { size, .. } => *size,
            WorkItem::Read { input_bytes, .. } => *input_bytes,
        }
    }

    fn read(self, max: usize) -> Scanned {
        match self {
            WorkItem::File { path, size } => read_file(&path, size, max),
            WorkItem::Read { scanned, .. } => scanned,
        }
    }
}

/// `size` is the file's length when it was found: a guess at how much to read.
fn read_file(path: &Path, size: u64, max: usize) -> Scanned {
    let source = path.display().to_string();
    match read_capped(path, size, max) {
        Ok(mut bytes) => {
            let truncated = bytes.len() > max;
            bytes.truncate(max);
            Scanned::Message(MailMessage {
                source,
                bytes,
                truncated,
            })
        }
        Err(e) => Scanned::Unreadable {
            source,
            error: e.to_string(),
        },
    }
}

/// The file's first `max + 1` bytes (one more tells that it was longer). The buffer is sized
/// from the length that discovery found (a file that grew since is still read whole, up to
/// `max + 1`): grown from empty, as `take` alone leaves it, it was copied several times per
/// message and read in many small calls.
fn read_capped(path: &Path, expected: u64, max: usize) -> std::io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let capacity = usize::try_from(expected)
        .unwrap_or(max)
        .min(max)
        .saturating_add(1);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The sequence of work items over all entries; reads mboxes lazily.
struct WorkItems<'a> {
    entries: std::slice::Iter<'a, Entry>,
    max: usize,
    stop: &'a AtomicBool,
    mbox: Option<(String, MboxReader<BufReader<File>>)>,
}

impl<'a> WorkItems<'a> {
    fn new(entries: &'a [Entry], max: usize, stop: &'a AtomicBool) -> Self {
        WorkItems {
            entries: entries.iter(),
            max,
            stop,
            mbox: None,
        }
    }

    fn next_from_mbox(&mut self) -> Option<WorkItem> {
        let (name, reader) = self.mbox.as_mut()?;
        let item = match reader.next()? {
            Ok(m) => WorkItem::Read {
                input_bytes: m.consumed,
                scanned: Scanned::Message(MailMessage {
                    source: format!("{name}:{}", m.offset),
                    bytes: m.bytes,
                    truncated: m.truncated,
                }),
            },
            Err(e) => WorkItem::Read {
                input_bytes: 0,
                scanned: Scanned::Unreadable {
                    source: name.clone(),
                    error: format!("reading stopped: {e}"),
                },
            },
        };
        Some(item)
    }
}

impl Iterator for WorkItems<'_> {
    type Item = WorkItem;

    fn next(&mut self) -> Option<WorkItem> {
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return None;
            }
            if let Some(item) = self.next_from_mbox() {
                return Some(item);
            }
            self.mbox = None;
            match self.entries.next()? {
                Entry::Message { path, size } => {
                    return Some(WorkItem::File {
                        path: path.clone(),
                        size: *size,
                    })
                }
                Entry::Mbox { path, size } => match File::open(path) {
                    Ok(file) => {
                        let reader = BufReader::with_capacity(256 * 1024, file);
                        self.mbox = Some((
                            path.display().to_string(),
                            MboxReader::new(reader, self.max),
                        ));
                    }
                    Err(e) => {
                        return Some(WorkItem::Read {
                            input_bytes: *size,
                            scanned: Scanned::Unreadable {
                                source: path.display().to_string(),
                                error: e.to_string(),
                            },
                        })
                    }
                },
                Entry::Unreadable { path, error } => {
                    return Some(WorkItem::Read {
                        input_bytes: 0,
                        scanned: Scanned::Unreadable {
                            source: path.display().to_string(),
                            error: error.clone(),
                        },
                    })
                }
                Entry::Skipped { .. } => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::discover;
    use std::sync::Mutex;

    #[test]
    fn every_message_reaches_the_sink_once_and_stop_ends_early() {
        let dir = std::env::temp_dir().join(format!("miwake-scan-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("eml")).unwrap();
        for i in 0..20 {
            std::fs::write(
                dir.join(format!("eml/{i}.eml")),
                format!("Subject: {i}\n\n"),
            )
            .unwrap();
        }
        let mut mbox = Vec::new();
        for i in 0..30 {
            mbox.extend_from_slice(format!("From x {i}\nSubject: m{i}\n\n>From q\n\n").as_bytes());
        }
        std::fs::write(dir.join("all.mbox"), &mbox).unwrap();
        let entries = discover(std::slice::from_ref(&dir));
        let options = ScanOptions {
            threads: Some(3),
            ..ScanOptions::default()
        };
        let seen = Mutex::new(Vec::new());
        let mut bytes = 0;
        let stop = AtomicBool::new(false);
        scan(
            &entries,
            &options,
            &stop,
            |s| match s {
                Scanned::Message(m) => String::from_utf8(m.bytes).unwrap(),
                Scanned::Unreadable { error, .. } => panic!("{error}"),
            },
            |done| {
                bytes += done.input_bytes;
                seen.lock().unwrap().push(done.result);
            },
        )
        .unwrap();
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 50);
        assert!(seen.contains(&"Subject: m7\n\nFrom q\n".to_string()));
        let total: u64 = entries.iter().map(Entry::size).sum();
        assert_eq!(bytes, total);

        let stop = AtomicBool::new(true);
        let mut count = 0;
        scan(&entries, &options, &stop, |_| (), |_| count += 1).unwrap();
        assert_eq!(count, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_outbox_sends_full_batches_and_the_rest_when_dropped() {
        let (tx, rx) = mpsc::sync_channel(4);
        let mut outbox = Outbox::new(tx);
        for result in 0..BATCH_MESSAGES + 3 {
            outbox.push(Done {
                result,
                input_bytes: 1,
            });
        }
        let full: Vec<usize> = rx.try_recv().unwrap().iter().map(|d| d.result).collect();
        assert_eq!(full, (0..BATCH_MESSAGES).collect::<Vec<_>>());
        assert!(rx.try_recv().is_err(), "three results wait for more");
        drop(outbox);
        let rest: Vec<usize> = rx.try_recv().unwrap().iter().map(|d| d.result).collect();
        assert_eq!(
            rest,
            (BATCH_MESSAGES..BATCH_MESSAGES + 3).collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_outbox_sends_a_batch_whose_oldest_result_waited_too_long() {
        let (tx, rx) = mpsc::sync_channel(4);
        let mut outbox = Outbox::new(tx);
        outbox.push(Done {
            result: 1,
            input_bytes: 1,
        });
        assert!(rx.try_recv().is_err());
        std::thread::sleep(BATCH_WAIT);
        outbox.push(Done {
            result: 2,
            input_bytes: 1,
        });
        let batch: Vec<i32> = rx.try_recv().unwrap().iter().map(|d| d.result).collect();
        assert_eq!(batch, vec![1, 2]);
    }
}
