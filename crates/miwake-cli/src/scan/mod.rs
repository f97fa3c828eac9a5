//! `miwake scan`: judge every message in Maildir folders, mbox files and folders of .eml
//! files, on all cores, and sum up what was found.

mod output;
mod record;
pub(crate) mod row;
mod summary;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use miwake_core::analysis::orders::OrderContext;
use miwake_core::{Analyzer, Level, Report};
use miwake_mailbox::{discover, scan, Entry, MailMessage, ScanOptions, Scanned};

use crate::cli::{OnlyArg, OutputArgs, ScanArgs};
use crate::evidence::{add_order_findings, Recorder, ScanEvidenceArgs};
use crate::inputs::analyzer;
use crate::render::Style;
use output::{Format, RowWriter};
use record::{ForLog, LogWriter, RecordPolicy};
use row::{MessageRow, Row, UnreadableRow};
use summary::{HumanSummary, Summary};

/// Set by Ctrl-C: workers take no new message, the summary covers what was scanned.
static STOP: AtomicBool = AtomicBool::new(false);

/// Exit code after Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

pub fn run(args: &ScanArgs) -> Result<u8> {
    for path in &args.paths {
        anyhow::ensure!(path.exists(), "{} does not exist", path.display());
    }
    let analyzer = analyzer(&args.knowledge)?;
    let style = Style::from_args(&OutputArgs {
        json: args.json,
        lang: args.lang,
        color: args.color,
    });
    let format = output_format(args);
    let only = match args.only {
        Some(OnlyArg::Danger) | None => Level::Danger,
        Some(OnlyArg::Caution) => Level::Caution,
    };
    let row_filter = args.only.map(|_| only);
    let options = ScanOptions {
        threads: args.threads.map(usize::from),
        ..ScanOptions::default()
    };
    let threads = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (mut log, record, orders) = start_recording(&args.evidence, row_filter)?;
    let judge = Judge {
        analyzer: &analyzer,
        orders: orders.as_ref(),
        record,
    };
    install_interrupt_handler();

    let started = Instant::now();
    let entries = discover(&args.paths);
    let mut summary = Summary::new(only, threads);
    let stdout = std::io::stdout();
    let mut writer = RowWriter::new(stdout.lock(), format, row_filter, style.lang);
    writer.header()?;
    for entry in &entries {
        if let Entry::Skipped { path, reason } = entry {
            summary.add_skipped(reason.as_str());
            writer.skipped(&path.display().to_string(), reason.as_str())?;
        }
    }
    let progress = Progress::new(entries.iter().map(Entry::size).sum());
    let mut write_error = None;
    scan(
        &entries,
        &options,
        &STOP,
        |scanned| judge.judge(scanned),
        |done| {
            progress.advance(done.input_bytes);
            summary.add(&done.result.row);
            if write_error.is_none() {
                if let Err(e) = writer.row(&done.result.row) {
                    // The reader went away (e.g. `| head`): stop scanning, report nothing more.
                    write_error = Some(e);
                    STOP.store(true, Ordering::Relaxed);
                }
            }
            if let Some(log) = log.as_mut() {
                log.count(done.result.for_log);
            }
            if done.result.for_log == ForLog::WriterStopped {
                // The log cannot be written: `finish` below says why.
                STOP.store(true, Ordering::Relaxed);
            }
        },
    )?;
    progress.finish();
    // Everything judged so far (also after Ctrl-C or a closed pipe) is committed here.
    summary.record = match (log, judge.record) {
        (Some(log), Some(policy)) => Some(log.finish(policy)?),
        _ => None,
    };
    if let Some(e) = write_error {
        return if e.kind() == std::io::ErrorKind::BrokenPipe {
            Ok(0)
        } else {
            Err(e).context("writing results")
        };
    }
    let interrupted = STOP.load(Ordering::Relaxed);
    summary.finish(started.elapsed(), interrupted);
    if let Err(e) = write_summary(&mut writer, &summary, format, style) {
        if !is_broken_pipe(&e) {
            return Err(e);
        }
    }
    Ok(if interrupted {
        EXIT_INTERRUPTED
    } else {
        crate::check::exit_code(summary.worst())
    })
}

fn output_format(args: &ScanArgs) -> Format {
    if args.json {
        Format::Json
    } else if args.csv {
        Format::Csv
    } else {
        Format::Human
    }
}

/// With `--record`: the log (created when missing, as `check --record` does) with its writer
/// thread, the workers' way to it, and the user's imported orders, which verdicts are then
/// compared with, as `check` does.
fn start_recording(
    args: &ScanEvidenceArgs,
    only: Option<Level>,
) -> Result<(
    Option<LogWriter>,
    Option<RecordPolicy>,
    Option<OrderContext>,
)> {
    if !args.record {
        return Ok((None, None, None));
    }
    let recorder = Recorder::open(&args.db, Vec::new())?;
    let orders = if args.no_orders {
        None
    } else {
        Some(recorder.order_context()?)
    };
    let (log, policy) = LogWriter::start(recorder, only)?;
    Ok((Some(log), Some(policy), orders))
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// One judged message (or unreadable file), as the workers hand it to the scan.
struct Judged {
    row: Row,
    for_log: ForLog,
}

/// How the workers judge: the analysis, with `--record` the user's orders and what is kept.
struct Judge<'a> {
    analyzer: &'a Analyzer,
    orders: Option<&'a OrderContext>,
    record: Option<RecordPolicy>,
}

impl Judge<'_> {
    fn judge(&self, scanned: Scanned) -> Judged {
        match scanned {
            Scanned::Message(m) => self.judge_message(m),
            Scanned::Unreadable { source, error } => Judged {
                row: Row::Unreadable(UnreadableRow { source, error }),
                for_log: ForLog::NotAsked,
            },
        }
    }

    fn judge_message(&self, m: MailMessage) -> Judged {
        // A bug in the analysis on one hostile message must not end the scan.
        let analysed =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.report(&m.bytes)));
        let Ok(report) = analysed else {
            return Judged {
                row: Row::Unreadable(UnreadableRow {
                    source: m.source,
                    error: "the analysis failed on this message (internal error; please report it)"
                        .into(),
                }),
                for_log: ForLog::NotAsked,
            };
        };
        let row = MessageRow::new(m.source, &report, m.truncated);
        let for_log = match &self.record {
            Some(policy) => policy.keep(m.bytes, report, m.truncated),
            None => ForLog::NotAsked,
        };
        Judged {
            row: Row::Message(Box::new(row)),
            for_log,
        }
    }

    fn report(&self, raw: &[u8]) -> Report {
        let mut report = self.analyzer.analyze(raw);
        if let Some(orders) = self.orders {
            add_order_findings(self.analyzer, orders, &mut report);
        }
        report
    }
}

fn write_summary(
    writer: &mut RowWriter<impl Write>,
    summary: &Summary,
    format: Format,
    style: Style,
) -> Result<()> {
    let human = HumanSummary {
        summary,
        lang: style.lang,
        color: style.color,
    };
    match format {
        Format::Json => writer.summary(summary)?,
        Format::Csv => {
            let stderr = std::io::stderr();
            let color = style.color && stderr.is_terminal();
            HumanSummary { color, ..human }.write(&mut stderr.lock())?;
        }
        Format::Human => human.write(writer.inner())?,
    }
    writer.flush()?;
    Ok(())
}

fn install_interrupt_handler() {
    // A second Ctrl-C ends at once, for when the messages in progress take too long.
    let result = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    });
    if let Err(e) = result {
        eprintln!("miwake: Ctrl-C will end the scan without a summary ({e})");
    }
}

/// A progress bar on standard error when it is a terminal; nothing otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    messages: std::cell::Cell<u64>,
}

impl Progress {
    fn new(total_bytes: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{bar:30}] {percent:>3}%  {msg}  ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            messages: std::cell::Cell::new(0),
        }
    }

    fn advance(&self, bytes: u64) {
        let Some(bar) = &self.bar else { return };
        let n = self.messages.get() + 1;
        self.messages.set(n);
        bar.inc(bytes);
        if n == 1 || n % 16 == 0 {
            let rate = n as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{n} messages, {rate:.0}/s"));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
