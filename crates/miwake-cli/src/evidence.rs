//! The evidence log from the command line: `check --record`, `history`, `mark`, `export`,
//! `orders import|list`. The database lives in the platform's data folder unless `--db` or
//! `MIWAKE_DB` says otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use miwake_core::analysis::orders::OrderContext;
use miwake_core::{Analyzer, Lang, Report};
use miwake_store::{
    format_time, now_unix, ActionKind, FollowUpState, NewAction, NewMessage, Recorded, Store,
    Timeline, TimelineEntry, DEFAULT_REPLY_HOURS,
};

use crate::cli::LangArg;

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// The evidence database (default: the platform's data folder, e.g.
    /// ~/.local/share/miwake/miwake.db).
    #[arg(long, value_name = "PATH", env = "MIWAKE_DB", global = true)]
    pub db: Option<PathBuf>,
}

impl DbArgs {
    pub fn path(&self) -> Result<PathBuf> {
        Ok(miwake_store::database_path(self.db.as_deref())?)
    }

    /// Open (creating it when needed).
    pub fn open(&self) -> Result<Store> {
        let path = self.path()?;
        Store::open(&path).with_context(|| format!("opening the evidence log {}", path.display()))
    }

    /// Open only if it exists.
    pub fn open_existing(&self) -> Result<Option<Store>> {
        let path = self.path()?;
        Store::open_existing(&path)
            .with_context(|| format!("opening the evidence log {}", path.display()))
    }
}

/// `check` options for the evidence log.
#[derive(Debug, Clone, Args)]
pub struct CheckEvidenceArgs {
    /// Keep each checked message in the evidence log (original bytes, SHA-256, verdict,
    /// order numbers). Also on when MIWAKE_RECORD=1.
    #[arg(long, env = "MIWAKE_RECORD", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false)]
    pub record: bool,
    /// File the messages under this order number too (pasted text often has none).
    #[arg(long, value_name = "ORDER")]
    pub order: Vec<String>,
    /// Do not compare messages with your imported orders.
    #[arg(long)]
    pub no_orders: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// `scan` options for the evidence log. Unlike `check`, MIWAKE_RECORD does not turn recording
/// on: copying a whole mailbox into the log must be asked for on the command line.
#[derive(Debug, Clone, Args)]
pub struct ScanEvidenceArgs {
    /// Keep the scanned messages in the evidence log, as `check --record` does (original
    /// bytes, SHA-256, verdict, order numbers); with --only, only the messages it keeps.
    /// A message already in the log is not added again (a new verdict is, when it changed).
    /// The log is created when it does not exist. Verdicts are then compared with your
    /// imported orders, as `check` does.
    #[arg(long)]
    pub record: bool,
    /// With --record: do not compare messages with your imported orders.
    #[arg(long, requires = "record")]
    pub no_orders: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// What `check` needs from the log: the user's orders, and where to record.
pub struct CheckSession {
    orders: OrderContext,
    recorder: Option<Recorder>,
}

impl CheckSession {
    pub fn open(args: &CheckEvidenceArgs) -> Result<Self> {
        for o in &args.order {
            if !miwake_core::reply::is_order_number(o) {
                bail!("--order {o:?} is not an order number (like 250-1234567-1234567)");
            }
        }
        let recorder = if args.record {
            Some(Recorder::open(&args.db, args.order.clone())?)
        } else {
            None
        };
        let orders = match (&recorder, args.no_orders) {
            (_, true) => OrderContext::default(),
            (Some(r), false) => r.order_context()?,
            (None, false) => match args.db.open_existing()? {
                Some(store) => store.order_context()?,
                None => OrderContext::default(),
            },
        };
        Ok(CheckSession { orders, recorder })
    }

    /// Compare the message with the user's imported orders (nothing when none are imported).
    pub fn add_order_findings(&self, analyzer: &Analyzer, report: &mut Report) {
        add_order_findings(analyzer, &self.orders, report);
    }

    /// Record the message when asked to; says so on standard error.
    pub fn record(&mut self, raw: &[u8], report: &Report, name: &str) -> Result<()> {
        let Some(recorder) = self.recorder.as_mut() else {
            return Ok(());
        };
        let r = recorder.record(raw, report)?;
        let orders = if r.orders.is_empty() {
            String::new()
        } else {
            format!(" (order {})", r.orders.join(", "))
        };
        let what = match (r.created, r.verdict_added) {
            (true, _) => "recorded as",
            (false, true) => "already recorded, new verdict added to",
            (false, false) => "already recorded as",
        };
        eprintln!("miwake: {name}: {what} message #{}{orders}", r.id);
        Ok(())
    }
}

/// Compare a report with the user's imported orders (nothing when none are imported).
pub fn add_order_findings(analyzer: &Analyzer, orders: &OrderContext, report: &mut Report) {
    miwake_core::analysis::orders::apply(report, analyzer.knowledge(), orders);
}

/// Where `check --record` and `scan --record` keep judged messages: one code path for both,
/// so a message recorded by either is the same row with the same verdict history.
pub struct Recorder {
    store: Store,
    path: PathBuf,
    created: bool,
    /// `--order`: order numbers every message is filed under too.
    extra_orders: Vec<String>,
}

impl Recorder {
    /// Opens the log, creating it (and saying so on standard error) when it does not exist.
    pub fn open(db: &DbArgs, extra_orders: Vec<String>) -> Result<Self> {
        let path = db.path()?;
        let created = !path.exists();
        if created {
            eprintln!(
                "miwake: the evidence log {} does not exist yet: creating it",
                path.display()
            );
        }
        let store = Store::open(&path)
            .with_context(|| format!("opening the evidence log {}", path.display()))?;
        Ok(Recorder {
            store,
            path,
            created,
            extra_orders,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when this run created the log.
    pub fn created(&self) -> bool {
        self.created
    }

    pub fn order_context(&self) -> Result<OrderContext> {
        Ok(self.store.order_context()?)
    }

    /// One message in its own transaction.
    pub fn record(&mut self, raw: &[u8], report: &Report) -> Result<Recorded> {
        let message = self.new_message(raw, report);
        Ok(self.store.record(&message)?)
    }

    /// Several messages in one transaction: all of them or none.
    pub fn record_batch<'a>(
        &mut self,
        messages: impl IntoIterator<Item = (&'a [u8], &'a Report)>,
    ) -> miwake_store::Result<Vec<Recorded>> {
        let batch: Vec<NewMessage<'a>> = messages
            .into_iter()
            .map(|(raw, report)| self.new_message(raw, report))
            .collect();
        self.store.record_batch(&batch)
    }

    fn new_message<'a>(&self, raw: &'a [u8], report: &'a Report) -> NewMessage<'a> {
        NewMessage::new(raw, report, now_unix()).with_orders(self.extra_orders.clone())
    }
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Show one order's timeline.
    #[arg(long, value_name = "ORDER")]
    pub order: Option<String>,
    /// Hours a seller has to answer before miwake suggests customer service.
    #[arg(long, value_name = "HOURS", env = "MIWAKE_REPLY_HOURS", default_value_t = DEFAULT_REPLY_HOURS)]
    pub wait_hours: u32,
    /// Print JSON (schema: docs/json-schema.md, "history").
    #[arg(long)]
    pub json: bool,
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActionArg {
    Replied,
    Reported,
    Ignored,
    ContactedCs,
    Note,
}

impl From<ActionArg> for ActionKind {
    fn from(a: ActionArg) -> Self {
        match a {
            ActionArg::Replied => ActionKind::Replied,
            ActionArg::Reported => ActionKind::Reported,
            ActionArg::Ignored => ActionKind::Ignored,
            ActionArg::ContactedCs => ActionKind::ContactedCs,
            ActionArg::Note => ActionKind::Note,
        }
    }
}

#[derive(Debug, Args)]
pub struct MarkArgs {
    /// What you did.
    #[arg(value_enum)]
    pub action: ActionArg,
    /// The message, by its number in the log (`history` shows it).
    #[arg(long, value_name = "ID")]
    pub message: Option<i64>,
    /// The message, by its file (recorded first if it is not yet).
    #[arg(long, value_name = "FILE", conflicts_with = "message")]
    pub file: Option<PathBuf>,
    /// The order it concerns.
    #[arg(long, value_name = "ORDER")]
    pub order: Option<String>,
    /// The reply template you used (T1…).
    #[arg(long, value_name = "ID")]
    pub template: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// When (RFC 3339, e.g. 2024-12-02T10:00:00+09:00); now by default.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The order to export.
    #[arg(long, value_name = "ORDER", required = true)]
    pub order: String,
    /// A new folder, or a file ending in .zip.
    #[arg(short = 'o', long = "output", value_name = "PATH", required = true)]
    pub output: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Args)]
pub struct OrdersArgs {
    #[command(subcommand)]
    pub command: OrdersCommand,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Import the order-history CSV from the platform's personal-data export.
    Import {
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
    },
    /// List imported orders.
    List {
        #[arg(long)]
        json: bool,
    },
}

fn lang_of(arg: Option<LangArg>) -> Lang {
    match arg {
        Some(LangArg::En) => Lang::En,
        Some(LangArg::Ja) => Lang::Ja,
        None => {
            let english = ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .filter_map(|v| std::env::var(v).ok())
                .find(|v| !v.is_empty())
                .is_some_and(|v| v.starts_with("en"));
            if english {
                Lang::En
            } else {
                Lang::Ja
            }
        }
    }
}

fn t(lang: Lang, ja: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

pub fn run_history(args: &HistoryArgs) -> Result<u8> {
    let lang = lang_of(args.lang);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let Some(store) = args.db.open_existing()? else {
        if args.json {
            writeln!(
                out,
                "{}",
                serde_json::json!({"schema_version": 1, "orders": []})
            )?;
        } else {
            writeln!(
                out,
                "{}",
                t(
                    lang,
                    "記録はまだありません(miwake check --record で記録します)。",
                    "Nothing recorded yet (record with: miwake check --record)."
                )
            )?;
        }
        return Ok(0);
    };
    let now = now_unix();
    if let Some(order) = &args.order {
        let timeline = store.timeline_at(order, now, args.wait_hours)?;
        if args.json {
            let v = serde_json::json!({"schema_version": 1, "timeline": timeline});
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        } else {
            write_timeline(&mut out, &timeline, lang)?;
        }
        return Ok(0);
    }
    let overview = store.overview_at(now, args.wait_hours)?;
    if args.json {
        let v = serde_json::json!({"schema_version": 1, "orders": overview});
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(0);
    }
    if overview.is_empty() {
        writeln!(
            out,
            "{}",
            t(
                lang,
                "注文に結びつく記録はありません。",
                "No order has records yet."
            )
        )?;
    }
    for o in &overview {
        let product = o
            .product
            .as_deref()
            .map(|p| format!("  {}", crate::render::one_line(p)))
            .unwrap_or_default();
        writeln!(
            out,
            "{}  {} {}  {} {}  {}: {}  {}{}",
            o.order_id,
            o.messages,
            t(lang, "件", "messages"),
            o.actions,
            t(lang, "操作", "actions"),
            t(lang, "最新", "last"),
            format_time(o.last_at),
            o.worst_level.as_deref().unwrap_or("-"),
            product
        )?;
        write_follow_up(
            &mut out,
            &o.order_id,
            &o.follow_up.state,
            o.follow_up.threshold_hours,
            lang,
            "    ",
        )?;
    }
    Ok(0)
}

fn write_timeline(out: &mut impl Write, t_: &Timeline, lang: Lang) -> Result<()> {
    writeln!(out, "{} {}", t(lang, "注文", "Order"), t_.order_id)?;
    if let Some(o) = &t_.order {
        if let Some(d) = &o.order_date {
            writeln!(out, "  {}: {d}", t(lang, "注文日", "Ordered"))?;
        }
        for i in &o.items {
            writeln!(
                out,
                "  {}: {}{}",
                t(lang, "商品", "Item"),
                i.product_name
                    .as_deref()
                    .map(crate::render::one_line)
                    .unwrap_or_default(),
                i.tracking
                    .as_deref()
                    .map(|tr| format!(" ({} {tr})", t(lang, "追跡", "tracking")))
                    .unwrap_or_default()
            )?;
        }
    }
    if t_.entries.is_empty() {
        writeln!(
            out,
            "  {}",
            t(lang, "記録はありません。", "Nothing recorded.")
        )?;
    }
    for e in &t_.entries {
        match e {
            TimelineEntry::Message(m) => writeln!(
                out,
                "  {}  #{} {} [{}] {}",
                format_time(m.at()),
                m.id,
                t(lang, "メッセージ", "message"),
                m.level,
                m.subject
                    .as_deref()
                    .map(crate::render::one_line)
                    .unwrap_or_default()
            )?,
            TimelineEntry::Action {
                kind,
                template,
                note,
                message_id,
                at,
                ..
            } => writeln!(
                out,
                "  {}  {}{}{}{}",
                format_time(*at),
                action_label(*kind, lang),
                template
                    .as_deref()
                    .map(|x| format!(" {x}"))
                    .unwrap_or_default(),
                message_id.map(|m| format!(" (#{m})")).unwrap_or_default(),
                note.as_deref()
                    .map(|n| format!(" — {}", crate::render::one_line(n)))
                    .unwrap_or_default()
            )?,
        }
    }
    write_follow_up(
        out,
        &t_.order_id,
        &t_.follow_up.state,
        t_.follow_up.threshold_hours,
        lang,
        "  ",
    )
}

fn action_label(kind: ActionKind, lang: Lang) -> &'static str {
    match kind {
        ActionKind::Replied => t(lang, "返信した", "replied"),
        ActionKind::Reported => t(lang, "報告した", "reported"),
        ActionKind::Ignored => t(lang, "対応しない", "ignored"),
        ActionKind::ContactedCs => t(
            lang,
            "カスタマーサービスに連絡した",
            "contacted customer service",
        ),
        ActionKind::Note => t(lang, "メモ", "note"),
    }
}

/// A6: waiting for the seller, and what to do when the wait is over.
fn write_follow_up(
    out: &mut impl Write,
    order: &str,
    state: &FollowUpState,
    threshold: u32,
    lang: Lang,
    indent: &str,
) -> Result<()> {
    match state {
        FollowUpState::Waiting { since, hours } => writeln!(
            out,
            "{indent}{} ({} {}, {}h / {threshold}h)",
            t(lang, "出品者の返事待ち", "waiting for the seller"),
            t(lang, "送信", "sent"),
            format_time(*since),
            hours
        )?,
        FollowUpState::Overdue { since, hours } => {
            writeln!(
                out,
                "{indent}{} ({} {}, {}h > {threshold}h)",
                t(lang, "⚠ 返事がありません", "⚠ no answer from the seller"),
                t(lang, "送信", "sent"),
                format_time(*since),
                hours
            )?;
            let steps: [String; 2] = match lang {
                Lang::Ja => [
                    "同じ内容を何度も送らず、注文履歴から状況を確かめ、Amazonのカスタマーサービスに相談しましょう(返品や未着はAmazon側で解決できることがあります)。".into(),
                    format!("伝えること: 注文番号 {order}、あなたが出品者に連絡した日時({})、何を依頼したか、届いたメッセージの日時と内容。miwake export --order {order} -o case.zip でまとめられます。", format_time(*since)),
                ],
                Lang::En => [
                    "Don't keep re-sending; check the order in Your Orders and contact Amazon customer service (returns and non-delivery can often be solved by Amazon).".into(),
                    format!("Tell them: order {order}, when you wrote to the seller ({}), what you asked for, and the dates and text of the messages you received. miwake export --order {order} -o case.zip gathers them.", format_time(*since)),
                ],
            };
            for s in steps {
                writeln!(out, "{indent}  - {s}")?;
            }
        }
        FollowUpState::WithCustomerService => writeln!(
            out,
            "{indent}{}",
            t(
                lang,
                "カスタマーサービスに相談済み",
                "with customer service"
            )
        )?,
        FollowUpState::Answered | FollowUpState::NotWritten => {}
    }
    Ok(())
}

pub fn run_mark(args: &MarkArgs) -> Result<u8> {
    let mut store = args.db.open()?;
    let at = match &args.at {
        Some(s) => parse_time(s)?,
        None => now_unix(),
    };
    let message_id = match (&args.file, args.message) {
        (Some(path), _) => Some(record_file(&mut store, path, args.order.as_deref())?),
        (None, id) => id,
    };
    if let Some(o) = &args.order {
        if !miwake_core::reply::is_order_number(o) {
            bail!("--order {o:?} is not an order number (like 250-1234567-1234567)");
        }
    }
    let mut action = NewAction::new(args.action.into(), at);
    action.message_id = message_id;
    action.order_id = args.order.clone();
    action.template = args.template.clone();
    action.note = args.note.clone();
    let id = store.add_action(&action)?;
    eprintln!(
        "miwake: recorded action #{id}: {}{}",
        action.kind.as_str(),
        action
            .order_id
            .as_deref()
            .map(|o| format!(" (order {o})"))
            .unwrap_or_default()
    );
    Ok(0)
}

/// Record a message file (if it is not yet) and return its id.
pub fn record_file(store: &mut Store, path: &Path, order: Option<&str>) -> Result<i64> {
    let raw = crate::inputs::read_input(path)?;
    record_raw(store, &raw, order)
}

pub fn record_raw(store: &mut Store, raw: &[u8], order: Option<&str>) -> Result<i64> {
    if let Some(id) = store.find_by_content(raw)? {
        return Ok(id);
    }
    let analyzer = Analyzer::embedded().context("built-in knowledge")?;
    let orders = store.order_context()?;
    let report = analyzer.analyze_with_orders(raw, &orders);
    let msg = NewMessage::new(raw, &report, now_unix()).with_orders(order.map(|o| o.to_string()));
    Ok(store.record(&msg)?.id)
}

fn parse_time(s: &str) -> Result<i64> {
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    miwake_store::parse_time(s).with_context(|| {
        format!("{s:?} is not a time (use RFC 3339, e.g. 2024-12-02T10:00:00+09:00)")
    })
}

pub fn run_export(args: &ExportArgs) -> Result<u8> {
    let Some(store) = args.db.open_existing()? else {
        bail!("nothing recorded yet: the evidence log does not exist");
    };
    let summary = store.export_order(&args.order, &args.output, now_unix())?;
    println!(
        "{}: {} messages, {} files, manifest SHA-256 {}",
        summary.path.display(),
        summary.messages,
        summary.files.len() + 2,
        summary.manifest_sha256
    );
    Ok(0)
}

pub fn run_orders(args: &OrdersArgs) -> Result<u8> {
    match &args.command {
        OrdersCommand::Import { file } => {
            let input = std::fs::File::open(file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let orders = miwake_store::orders::parse_order_history(std::io::BufReader::new(input))
                .with_context(|| file.display().to_string())?;
            let mut store = args.db.open()?;
            let s = store.import_orders(&orders, now_unix())?;
            println!(
                "{}: {} orders ({} new, {} updated), {} items",
                file.display(),
                s.orders,
                s.new_orders,
                s.updated_orders,
                s.items
            );
        }
        OrdersCommand::List { json } => {
            let Some(store) = args.db.open_existing()? else {
                println!("no orders imported");
                return Ok(0);
            };
            let mut stmt = store
                .connection()
                .prepare("SELECT order_id FROM orders ORDER BY order_date DESC, order_id")?;
            let ids = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut orders = Vec::new();
            for id in ids {
                if let Some(o) = store.order(&id)? {
                    orders.push(o);
                }
            }
            if *json {
                let v = serde_json::json!({"schema_version": 1, "orders": orders});
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for o in orders {
                    let items: Vec<String> = o
                        .items
                        .iter()
                        .filter_map(|i| i.product_name.as_deref().map(crate::render::one_line))
                        .collect();
                    println!(
                        "{}  {}  {}",
                        o.order_id,
                        o.order_date.as_deref().unwrap_or("-"),
                        items.join(" / ")
                    );
                }
            }
        }
    }
    Ok(0)
}
