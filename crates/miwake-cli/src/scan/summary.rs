//! The end-of-scan summary: counts, kinds, top findings, the messages to look at.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use miwake_core::knowledge::Localized;
use miwake_core::{Lang, Level};
use serde::Serialize;

use super::row::{MessageRow, Row, UnreadableRow};
use crate::render::one_line;

/// At most this many listed messages (and unreadable files) are kept; the rest are counted.
const LIST_CAP: usize = 1000;
/// Findings shown in the human summary.
const TOP_FINDINGS: usize = 10;

#[derive(Debug, Default, Clone, Serialize)]
pub struct LevelCounts {
    pub safe: usize,
    pub caution: usize,
    pub danger: usize,
}

impl LevelCounts {
    fn add(&mut self, level: Level) {
        match level {
            Level::Safe => self.safe += 1,
            Level::Caution => self.caution += 1,
            Level::Danger => self.danger += 1,
        }
    }
    pub fn total(&self) -> usize {
        self.safe + self.caution + self.danger
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct KindCounts {
    #[serde(skip)]
    pub name: Localized,
    #[serde(flatten)]
    pub counts: LevelCounts,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingCount {
    pub messages: usize,
    #[serde(skip)]
    pub explanation: Localized,
}

/// What `scan --record` did with the evidence log (`"record"` in the summary line).
#[derive(Debug, Default, Clone, Serialize)]
pub struct RecordSummary {
    /// Path of the log.
    pub database: String,
    /// The log did not exist: this scan created it.
    pub created: bool,
    /// Messages added to the log.
    pub recorded: usize,
    /// Messages whose bytes were already in the log (from an earlier run, or a second copy in
    /// this scan): nothing added, unless their verdict changed.
    pub already_recorded: usize,
    /// Of those, the ones whose verdict changed: a new verdict was added to their history.
    pub new_verdicts: usize,
    /// Judged but not recorded: below the `--only` level.
    pub below_only: usize,
    /// Judged but not recorded: longer than the scan reads, so not the original bytes.
    pub too_large: usize,
}

/// Everything the summary says (`"type": "summary"` in `--json`).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub messages: usize,
    #[serde(flatten)]
    pub levels: LevelCounts,
    pub unreadable: usize,
    /// Skipped files by reason (`not_mail`, `maildir_tmp`, `symlinked_folder`).
    pub skipped: BTreeMap<String, usize>,
    /// Messages longer than the scan reads (judged on their start).
    pub truncated: usize,
    /// Per intent id.
    pub by_kind: BTreeMap<String, KindCounts>,
    /// Rule id → messages it fired on.
    pub findings: BTreeMap<String, FindingCount>,
    pub interrupted: bool,
    pub seconds: f64,
    pub threads: usize,
    /// Only with `--record`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordSummary>,
    #[serde(skip)]
    pub listed: Vec<MessageRow>,
    #[serde(skip)]
    pub listed_left_out: usize,
    #[serde(skip)]
    pub unreadable_files: Vec<UnreadableRow>,
    #[serde(skip)]
    list_from: Level,
}

impl Summary {
    pub fn new(list_from: Level, threads: usize) -> Self {
        Summary {
            messages: 0,
            levels: LevelCounts::default(),
            unreadable: 0,
            skipped: BTreeMap::new(),
            truncated: 0,
            by_kind: BTreeMap::new(),
            findings: BTreeMap::new(),
            interrupted: false,
            seconds: 0.0,
            threads,
            record: None,
            listed: Vec::new(),
            listed_left_out: 0,
            unreadable_files: Vec::new(),
            list_from,
        }
    }

    pub fn add_skipped(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
    }

    pub fn add(&mut self, row: &Row) {
        match row {
            Row::Message(m) => self.add_message(m),
            Row::Unreadable(u) => {
                self.unreadable += 1;
                if self.unreadable_files.len() < LIST_CAP {
                    self.unreadable_files.push(u.clone());
                }
            }
        }
    }

    fn add_message(&mut self, m: &MessageRow) {
        self.messages += 1;
        self.levels.add(m.level);
        self.truncated += usize::from(m.truncated);
        self.by_kind
            .entry(m.intent.clone())
            .or_insert_with(|| KindCounts {
                name: m.intent_name.clone(),
                counts: LevelCounts::default(),
            })
            .counts
            .add(m.level);
        for (rule, explanation) in m.findings.iter().zip(&m.finding_explanations) {
            self.findings
                .entry(rule.clone())
                .or_insert_with(|| FindingCount {
                    messages: 0,
                    explanation: explanation.clone(),
                })
                .messages += 1;
        }
        if m.level >= self.list_from {
            if self.listed.len() < LIST_CAP {
                // The explanations of every finding were counted above; the list needs none.
                let mut kept = m.clone();
                kept.finding_explanations = Vec::new();
                self.listed.push(kept);
            } else {
                self.listed_left_out += 1;
            }
        }
    }

    pub fn worst(&self) -> Level {
        if self.levels.danger > 0 {
            Level::Danger
        } else if self.levels.caution > 0 {
            Level::Caution
        } else {
            Level::Safe
        }
    }

    /// Rule ids by the number of messages they fired on, most first.
    pub fn top_findings(&self) -> Vec<(&String, &FindingCount)> {
        let mut top: Vec<_> = self.findings.iter().collect();
        top.sort_by(|a, b| b.1.messages.cmp(&a.1.messages).then(a.0.cmp(b.0)));
        top.truncate(TOP_FINDINGS);
        top
    }

    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            (self.messages + self.unreadable) as f64 / self.seconds
        } else {
            0.0
        }
    }

    pub fn finish(&mut self, elapsed: Duration, interrupted: bool) {
        self.seconds = elapsed.as_secs_f64();
        self.interrupted = interrupted;
        // Results arrive in completion order; list them in a stable order.
        self.listed
            .sort_by(|a, b| b.level.cmp(&a.level).then(a.source.cmp(&b.source)));
        self.unreadable_files
            .sort_by(|a, b| a.source.cmp(&b.source));
    }
}

/// Writes the summary for people.
pub struct HumanSummary<'a> {
    pub summary: &'a Summary,
    pub lang: Lang,
    pub color: bool,
}

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const GREEN: &str = "\x1b[1;32m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

impl HumanSummary<'_> {
    fn t<'b>(&self, ja: &'b str, en: &'b str) -> &'b str {
        match self.lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        self.write_totals(out)?;
        self.write_record(out)?;
        self.write_kinds(out)?;
        self.write_findings(out)?;
        self.write_listed(out)?;
        self.write_unreadable(out)
    }

    fn write_totals(&self, out: &mut impl Write) -> std::io::Result<()> {
        let s = self.summary;
        if s.interrupted {
            writeln!(
                out,
                "{}",
                self.paint(
                    BOLD,
                    self.t(
                        "中断しました（Ctrl-C）。ここまでの結果:",
                        "Stopped (Ctrl-C). What was scanned so far:"
                    )
                )
            )?;
        }
        writeln!(
            out,
            "{} {} ({:.2} s, {:.0} {}, {} {})",
            self.paint(BOLD, self.t("スキャン済み:", "Scanned:")),
            s.messages,
            s.seconds,
            s.rate(),
            self.t("通/秒", "messages/s"),
            s.threads,
            self.t("スレッド", "threads")
        )?;
        for (level, n, color) in [
            (Level::Danger, s.levels.danger, RED),
            (Level::Caution, s.levels.caution, YELLOW),
            (Level::Safe, s.levels.safe, GREEN),
        ] {
            let label = level.label();
            let name = format!("{:<8}", label.get(self.lang));
            writeln!(out, "  {} {n:>8}", self.paint(color, &name))?;
        }
        if s.unreadable > 0 {
            writeln!(
                out,
                "  {:<8} {:>8}",
                self.t("読めず", "unreadable"),
                s.unreadable
            )?;
        }
        let skipped: usize = s.skipped.values().sum();
        if skipped > 0 {
            let reasons: Vec<String> = s.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
            writeln!(
                out,
                "  {:<8} {skipped:>8} ({})",
                self.t("対象外", "skipped"),
                reasons.join(", ")
            )?;
        }
        if s.truncated > 0 {
            writeln!(
                out,
                "  {} {}",
                self.t(
                    "大きすぎて先頭のみ判定:",
                    "too large, judged on their start:"
                ),
                s.truncated
            )?;
        }
        Ok(())
    }

    fn write_record(&self, out: &mut impl Write) -> std::io::Result<()> {
        let Some(r) = &self.summary.record else {
            return Ok(());
        };
        let log = self.paint(BOLD, self.t("証拠ログ:", "Evidence log:"));
        match self.lang {
            Lang::Ja => writeln!(
                out,
                "{log} {} 件を記録、{} 件は記録済み（うち判定が変わり追記 {} 件）",
                r.recorded, r.already_recorded, r.new_verdicts
            )?,
            Lang::En => writeln!(
                out,
                "{log} {} recorded, {} already there ({} with a new verdict)",
                r.recorded, r.already_recorded, r.new_verdicts
            )?,
        }
        let not_recorded: Vec<String> = [
            (r.below_only, self.t("--only 未満", "below --only")),
            (
                r.too_large,
                self.t("大きすぎて全体を読まなかった", "too large to keep whole"),
            ),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, why)| match self.lang {
            Lang::Ja => format!("{why} {n} 件"),
            Lang::En => format!("{n} {why}"),
        })
        .collect();
        if !not_recorded.is_empty() {
            writeln!(
                out,
                "  {} {}",
                self.t("記録しなかったもの:", "not recorded:"),
                not_recorded.join(self.t("、", ", "))
            )?;
        }
        let created = if r.created {
            self.t("（新しく作成）", " (created)")
        } else {
            ""
        };
        writeln!(out, "  {}{created}", one_line(&r.database))
    }

    fn write_kinds(&self, out: &mut impl Write) -> std::io::Result<()> {
        if self.summary.by_kind.is_empty() {
            return Ok(());
        }
        writeln!(out, "\n{}", self.paint(BOLD, self.t("種類別:", "By kind:")))?;
        let mut kinds: Vec<_> = self.summary.by_kind.iter().collect();
        kinds.sort_by(|a, b| {
            b.1.counts
                .total()
                .cmp(&a.1.counts.total())
                .then(a.0.cmp(b.0))
        });
        for (id, k) in kinds {
            let c = &k.counts;
            writeln!(
                out,
                "  {:>8}  {} ({id}): {} {}, {} {}, {} {}",
                c.total(),
                k.name.get(self.lang),
                self.t("危険", "danger"),
                c.danger,
                self.t("注意", "caution"),
                c.caution,
                self.t("安全", "safe"),
                c.safe
            )?;
        }
        Ok(())
    }

    fn write_findings(&self, out: &mut impl Write) -> std::io::Result<()> {
        let top = self.summary.top_findings();
        if top.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "\n{}",
            self.paint(BOLD, self.t("よく見つかった理由:", "Top findings:"))
        )?;
        for (rule, f) in top {
            writeln!(
                out,
                "  {:>8}  {rule}: {}",
                f.messages,
                one_line(f.explanation.get(self.lang))
            )?;
        }
        Ok(())
    }

    fn write_listed(&self, out: &mut impl Write) -> std::io::Result<()> {
        let s = self.summary;
        if s.listed.is_empty() {
            return Ok(());
        }
        let title = if s.list_from == Level::Danger {
            self.t("危険なメッセージ:", "Dangerous messages:")
        } else {
            self.t(
                "注意・危険なメッセージ:",
                "Messages needing caution or dangerous:",
            )
        };
        writeln!(out, "\n{}", self.paint(BOLD, title))?;
        let none = self.t("（なし）", "(none)");
        for m in &s.listed {
            let label = m.level.label();
            let color = if m.level == Level::Danger {
                RED
            } else {
                YELLOW
            };
            let sender = match (&m.from_name, &m.from) {
                (Some(n), Some(a)) => format!("{} <{}>", one_line(n), one_line(a)),
                (None, Some(a)) => one_line(a),
                (Some(n), None) => one_line(n),
                (None, None) => none.to_string(),
            };
            writeln!(
                out,
                "- {} {}  {}",
                self.paint(color, label.get(self.lang)),
                m.date
                    .as_deref()
                    .map(one_line)
                    .unwrap_or_else(|| none.into()),
                sender
            )?;
            writeln!(
                out,
                "    {}: {}",
                self.t("件名", "Subject"),
                m.subject
                    .as_deref()
                    .map(one_line)
                    .unwrap_or_else(|| none.into())
            )?;
            if let Some(reason) = &m.reason {
                writeln!(
                    out,
                    "    {}: {} ({})",
                    self.t("主な理由", "Main reason"),
                    one_line(reason.explanation.get(self.lang)),
                    reason.rule
                )?;
            }
            writeln!(out, "    {}", one_line(&m.source))?;
        }
        if s.listed_left_out > 0 {
            writeln!(
                out,
                "  … {} {}",
                s.listed_left_out,
                self.t(
                    "件は省略（全件は --json --only で）",
                    "more not listed (use --json --only for all)"
                )
            )?;
        }
        Ok(())
    }

    fn write_unreadable(&self, out: &mut impl Write) -> std::io::Result<()> {
        let s = self.summary;
        if s.unreadable_files.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "\n{}",
            self.paint(BOLD, self.t("読めなかったもの:", "Could not be read:"))
        )?;
        for u in &s.unreadable_files {
            writeln!(out, "- {}: {}", one_line(&u.source), one_line(&u.error))?;
        }
        if s.unreadable > s.unreadable_files.len() {
            writeln!(out, "  … {}", s.unreadable - s.unreadable_files.len())?;
        }
        Ok(())
    }
}
