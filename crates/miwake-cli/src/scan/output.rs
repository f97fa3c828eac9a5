//! One line per message for other tools: JSON Lines or CSV (docs/scan.md).

use std::io::{BufWriter, Write};

use miwake_core::{Lang, Level};
use serde::Serialize;

use super::row::{MessageRow, Row, UnreadableRow};
use super::summary::Summary;

/// Version of the `--json` / `--csv` lines; additions keep it.
pub const SCAN_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Csv,
}

const CSV_COLUMNS: &[&str] = &[
    "source", "status", "level", "score", "intent", "date", "from", "subject", "rule", "reason",
    "findings",
];

pub struct RowWriter<W: Write> {
    out: BufWriter<W>,
    format: Format,
    /// With `--only`: lines below this level (and unreadable/skipped lines) are left out.
    only: Option<Level>,
    lang: Lang,
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

#[derive(Serialize)]
struct SkippedLine<'a> {
    source: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    scan_schema_version: u32,
    #[serde(flatten)]
    summary: &'a Summary,
}

impl<W: Write> RowWriter<W> {
    pub fn new(out: W, format: Format, only: Option<Level>, lang: Lang) -> Self {
        RowWriter {
            out: BufWriter::new(out),
            format,
            only,
            lang,
        }
    }

    pub fn inner(&mut self) -> &mut BufWriter<W> {
        &mut self.out
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    pub fn header(&mut self) -> std::io::Result<()> {
        if self.format == Format::Csv {
            writeln!(self.out, "{}", CSV_COLUMNS.join(","))?;
        }
        Ok(())
    }

    pub fn skipped(&mut self, source: &str, reason: &str) -> std::io::Result<()> {
        if self.only.is_some() {
            return Ok(());
        }
        let line = SkippedLine { source, reason };
        match self.format {
            Format::Json => self.json("skipped", &line),
            Format::Csv => self.csv(&[source, "skipped", "", "", "", "", "", "", "", reason, ""]),
            Format::Human => Ok(()),
        }
    }

    pub fn row(&mut self, row: &Row) -> std::io::Result<()> {
        match row {
            Row::Message(m) => {
                if self.only.is_some_and(|only| m.level < only) {
                    return Ok(());
                }
                match self.format {
                    Format::Json => self.json("message", m.as_ref()),
                    Format::Csv => self.csv_message(m),
                    Format::Human => Ok(()),
                }
            }
            Row::Unreadable(u) => {
                if self.only.is_some() {
                    return Ok(());
                }
                match self.format {
                    Format::Json => self.json("unreadable", u),
                    Format::Csv => self.csv_unreadable(u),
                    Format::Human => Ok(()),
                }
            }
        }
    }

    pub fn summary(&mut self, summary: &Summary) -> std::io::Result<()> {
        self.json(
            "summary",
            &SummaryLine {
                scan_schema_version: SCAN_SCHEMA_VERSION,
                summary,
            },
        )
    }

    fn json<T: Serialize>(&mut self, kind: &'static str, body: &T) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, &Tagged { kind, body })?;
        self.out.write_all(b"\n")
    }

    fn csv_message(&mut self, m: &MessageRow) -> std::io::Result<()> {
        let level = m.level.label().en;
        let score = m.score.to_string();
        let (rule, reason) = m
            .reason
            .as_ref()
            .map(|r| (r.rule.as_str(), r.explanation.get(self.lang)))
            .unwrap_or(("", ""));
        let findings = m.findings.join(" ");
        self.csv(&[
            &m.source,
            "scanned",
            &level,
            &score,
            &m.intent,
            m.date.as_deref().unwrap_or(""),
            m.from.as_deref().unwrap_or(""),
            m.subject.as_deref().unwrap_or(""),
            rule,
            reason,
            &findings,
        ])
    }

    fn csv_unreadable(&mut self, u: &UnreadableRow) -> std::io::Result<()> {
        self.csv(&[
            &u.source,
            "unreadable",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            &u.error,
            "",
        ])
    }

    fn csv(&mut self, fields: &[&str]) -> std::io::Result<()> {
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(self.out, "{}", line.join(","))
    }
}

/// RFC 4180 quoting; text that a spreadsheet would run as a formula gets a leading `'`
/// (subjects and senders come from strangers).
pub fn csv_field(value: &str) -> String {
    let value: String = value
        .chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect();
    let defused = if value.starts_with(['=', '+', '-', '@', '\t']) {
        format!("'{value}")
    } else {
        value
    };
    if defused.contains([',', '"', '\n', '\r']) || defused.starts_with(' ') {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("line\nbreak"), "line break");
        assert_eq!(csv_field("件名"), "件名");
    }
}
