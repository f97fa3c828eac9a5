//! `scan --record`: the workers judge in parallel and hand the messages to keep straight to
//! one writer thread, which records them in the evidence log in transactions of up to
//! [`BATCH_MESSAGES`]. SQLite's single writer thus never holds up the analysis (unless it falls
//! behind: the queue is short, so memory stays bounded), and a crash loses at most the batch
//! not yet committed.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use miwake_core::{Level, Report};
use miwake_store::{Recorded, StoreError};

use super::summary::RecordSummary;
use crate::evidence::Recorder;

/// Messages committed in one transaction, at most.
pub const BATCH_MESSAGES: usize = 256;
/// Bytes of messages committed in one transaction, at most (large mail holds attachments).
const BATCH_BYTES: usize = 32 * 1024 * 1024;
/// A batch is committed at least this often, so that a slow scan keeps little uncommitted.
const BATCH_MAX_AGE: Duration = Duration::from_secs(2);
/// Messages waiting for the writer. Commits are short (WAL), so a short queue is enough to
/// keep the workers busy, and it bounds memory when the writer falls behind.
const QUEUE_MESSAGES: usize = 32;

/// A judged message to keep: the bytes as read, and its report.
pub struct Evidence {
    pub raw: Vec<u8>,
    pub report: Report,
}

/// What became of one judged message as far as the log is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForLog {
    /// Not recording, or not a message.
    NotAsked,
    /// Handed to the writer.
    Queued,
    /// Below the `--only` level.
    BelowOnly,
    /// Longer than the scan reads: the bytes are not the original, so they are not evidence.
    TooLarge,
    /// The writer has stopped on an error: the scan should stop ([`LogWriter::finish`] says why).
    WriterStopped,
}

/// Which judged messages go into the log, and the way to the writer. Used by the workers.
pub struct RecordPolicy {
    /// `--only`: messages below this level are not recorded.
    only: Option<Level>,
    queue: SyncSender<Evidence>,
}

impl RecordPolicy {
    pub fn keep(&self, raw: Vec<u8>, report: Report, truncated: bool) -> ForLog {
        if self.only.is_some_and(|only| report.verdict.level < only) {
            ForLog::BelowOnly
        } else if truncated {
            ForLog::TooLarge
        } else if self.queue.send(Evidence { raw, report }).is_ok() {
            ForLog::Queued
        } else {
            ForLog::WriterStopped
        }
    }
}

/// What the writer committed.
#[derive(Debug, Default, Clone, Copy)]
struct Committed {
    recorded: usize,
    already_recorded: usize,
    new_verdicts: usize,
}

impl Committed {
    fn add(&mut self, results: &[Recorded]) {
        for r in results {
            if r.created {
                self.recorded += 1;
            } else {
                self.already_recorded += 1;
                self.new_verdicts += usize::from(r.verdict_added);
            }
        }
    }
}

/// The writer stopped on a store error; what it had committed before stays.
struct WriteFailed {
    committed: Committed,
    error: StoreError,
}

/// The scan's end of the writer thread.
pub struct LogWriter {
    thread: JoinHandle<Result<Committed, WriteFailed>>,
    summary: RecordSummary,
}

impl LogWriter {
    /// Starts the writer; the workers hand it messages through the returned policy, which
    /// [`LogWriter::finish`] takes back (the writer stops when the policy is gone).
    pub fn start(recorder: Recorder, only: Option<Level>) -> Result<(Self, RecordPolicy)> {
        let summary = RecordSummary {
            database: recorder.path().display().to_string(),
            created: recorder.created(),
            ..RecordSummary::default()
        };
        let (queue, received) = mpsc::sync_channel(QUEUE_MESSAGES);
        let thread = std::thread::Builder::new()
            .name("miwake-record".into())
            .spawn(move || write_batches(recorder, received))?;
        Ok((LogWriter { thread, summary }, RecordPolicy { only, queue }))
    }

    /// Counts a judged message that was not recorded.
    pub fn count(&mut self, for_log: ForLog) {
        match for_log {
            ForLog::BelowOnly => self.summary.below_only += 1,
            ForLog::TooLarge => self.summary.too_large += 1,
            ForLog::NotAsked | ForLog::Queued | ForLog::WriterStopped => {}
        }
    }

    /// Commits what is left and says what was recorded.
    pub fn finish(mut self, policy: RecordPolicy) -> Result<RecordSummary> {
        // Closing the queue tells the writer to commit its last batch and stop.
        drop(policy);
        let outcome = self
            .thread
            .join()
            .map_err(|_| anyhow!("the evidence log writer failed (internal error)"))?;
        let committed = match outcome {
            Ok(committed) => committed,
            Err(failed) => {
                return Err(anyhow!(
                    "recording in the evidence log {} failed, so the scan was stopped \
                     ({} new messages were committed before): {}",
                    self.summary.database,
                    failed.committed.recorded,
                    failed.error
                ))
            }
        };
        self.summary.recorded = committed.recorded;
        self.summary.already_recorded = committed.already_recorded;
        self.summary.new_verdicts = committed.new_verdicts;
        Ok(self.summary)
    }
}

/// The writer thread: batches of messages, each in one transaction, until the queue closes.
fn write_batches(
    mut recorder: Recorder,
    received: Receiver<Evidence>,
) -> Result<Committed, WriteFailed> {
    let mut committed = Committed::default();
    let mut batch: Vec<Evidence> = Vec::with_capacity(BATCH_MESSAGES);
    let mut batch_bytes = 0;
    let mut batch_started: Option<Instant> = None;
    loop {
        let next = match batch_started {
            None => received.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(started) => received.recv_timeout(BATCH_MAX_AGE.saturating_sub(started.elapsed())),
        };
        let queue_closed = match next {
            Ok(evidence) => {
                batch_bytes += evidence.raw.len();
                batch.push(evidence);
                batch_started.get_or_insert_with(Instant::now);
                if batch.len() < BATCH_MESSAGES && batch_bytes < BATCH_BYTES {
                    continue;
                }
                false
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => true,
        };
        commit(&mut recorder, &mut batch, &mut committed)?;
        batch_bytes = 0;
        batch_started = None;
        if queue_closed {
            return Ok(committed);
        }
    }
}

fn commit(
    recorder: &mut Recorder,
    batch: &mut Vec<Evidence>,
    committed: &mut Committed,
) -> Result<(), WriteFailed> {
    if batch.is_empty() {
        return Ok(());
    }
    let results = recorder
        .record_batch(batch.iter().map(|e| (e.raw.as_slice(), &e.report)))
        .map_err(|error| WriteFailed {
            committed: *committed,
            error,
        })?;
    committed.add(&results);
    batch.clear();
    Ok(())
}
