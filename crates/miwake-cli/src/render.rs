//! Human-friendly report: verdict, kind, findings with highlighted evidence, next steps.

use std::io::{IsTerminal, Write};

use miwake_core::report::{EvidenceSource, Finding};
use miwake_core::{Lang, Level, Report};

use crate::cli::{ColorArg, LangArg, OutputArgs};

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub lang: Lang,
}

impl Style {
    pub fn from_args(args: &OutputArgs) -> Self {
        let color = match args.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        let lang = match args.lang {
            Some(LangArg::Ja) => Lang::Ja,
            Some(LangArg::En) => Lang::En,
            None => lang_from_locale(),
        };
        Style { color, lang }
    }
}

/// `ja` unless the locale says English.
fn lang_from_locale() -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .map(|v| {
            if v.starts_with("en") {
                Lang::En
            } else {
                Lang::Ja
            }
        })
        .unwrap_or(Lang::Ja)
}

pub struct Renderer {
    style: Style,
}

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const GREEN: &str = "\x1b[1;32m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const HIGHLIGHT: &str = "\x1b[1;4;31m";
const RESET: &str = "\x1b[0m";

/// Context shown around highlighted evidence, in bytes on each side.
const CONTEXT: usize = 40;

impl Renderer {
    pub fn new(style: Style) -> Self {
        Renderer { style }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.style.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn t<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        match self.style.lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    pub fn write_report(&self, out: &mut impl Write, r: &Report) -> std::io::Result<()> {
        let lang = self.style.lang;
        let level = r.verdict.level;
        let color = match level {
            Level::Safe => GREEN,
            Level::Caution => YELLOW,
            Level::Danger => RED,
        };
        let label = level.label();
        let banner = format!("{} / {}", label.ja, label.en.to_uppercase());
        writeln!(
            out,
            "{}  {} {}",
            self.paint(color, &banner),
            self.t("スコア", "score"),
            r.verdict.score
        )?;
        let guide = r
            .intent
            .guide
            .as_deref()
            .map(|g| format!(" ({g})"))
            .unwrap_or_default();
        writeln!(
            out,
            "{}: {}{}",
            self.t("種類", "Kind"),
            r.intent.name.get(lang),
            guide
        )?;
        if let Some(subject) = &r.message.subject {
            writeln!(out, "{}: {}", self.t("件名", "Subject"), one_line(subject))?;
        }
        if let Some(from) = &r.message.from {
            let name = from.name.as_deref().unwrap_or("");
            let addr = from.address.as_deref().unwrap_or("");
            writeln!(
                out,
                "{}: {} <{}>",
                self.t("差出人", "From"),
                one_line(name),
                addr
            )?;
        }
        if let Some(brand) = &r.claimed_brand {
            writeln!(
                out,
                "{}: {}",
                self.t("名乗っているブランド", "Claims to be"),
                brand
            )?;
        }
        self.write_route(out, r)?;
        self.write_findings(out, r)?;
        self.write_facts(out, r)?;
        self.write_next_steps(out, r)
    }

    /// SPF / DKIM / DMARC as the trusted header records them, and the check that decided.
    fn write_route(&self, out: &mut impl Write, r: &Report) -> std::io::Result<()> {
        let Some(route) = &r.route else {
            return Ok(());
        };
        let a = &route.authentication;
        let outcome = |m: Option<&miwake_core::analysis::auth::MethodOutcome>| match m {
            Some(m) => {
                let aligned = if m.aligned { " ✓From" } else { "" };
                format!("{}{aligned}", m.result)
            }
            None => "-".into(),
        };
        let dkim = if a.dkim.is_empty() {
            "-".to_string()
        } else {
            a.dkim
                .iter()
                .map(|d| outcome(Some(d)))
                .collect::<Vec<_>>()
                .join(",")
        };
        let by = match (&a.authserv_id, a.trusted_source) {
            (Some(id), _) if !id.is_empty() => format!(" ({id})"),
            (_, miwake_core::analysis::auth::TrustedSource::None) => {
                format!(
                    " ({})",
                    self.t("信頼できる認証結果なし", "no trusted results")
                )
            }
            _ => String::new(),
        };
        writeln!(
            out,
            "{}: SPF {} / DKIM {} / DMARC {}{by}",
            self.t("送信経路", "Route"),
            outcome(a.spf.as_ref()),
            dkim,
            outcome(a.dmarc.as_ref()),
        )?;
        for v in &a.dkim_verified {
            writeln!(
                out,
                "  DKIM {} d={} s={}: {}",
                self.t("検証", "verified"),
                one_line(&v.domain),
                one_line(v.selector.as_deref().unwrap_or("-")),
                v.result
            )?;
        }
        if let Some(d) = &route.decision {
            writeln!(
                out,
                "  {}: {} {}",
                self.t("判定の決め手", "Decided by"),
                d.explanation.get(self.style.lang),
                self.paint(DIM, &format!("[{}]", d.rule))
            )?;
        }
        Ok(())
    }

    fn write_findings(&self, out: &mut impl Write, r: &Report) -> std::io::Result<()> {
        let shown: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.weight != 0 || f.family == "input" || f.family == "order")
            .collect();
        if shown.is_empty() {
            writeln!(
                out,
                "\n{}",
                self.t("気になる点は見つかりませんでした。", "No red flags found.")
            )?;
            return Ok(());
        }
        writeln!(out, "\n{}", self.paint(BOLD, self.t("理由", "Why")))?;
        for (i, f) in shown.iter().enumerate() {
            writeln!(
                out,
                "{:>2}. {} {}",
                i + 1,
                f.explanation.get(self.style.lang),
                self.paint(DIM, &format!("[{} {:+}]", f.rule, f.weight))
            )?;
            for e in f.evidence.iter().take(3) {
                writeln!(out, "      {}", self.evidence_line(r, e))?;
            }
        }
        Ok(())
    }

    fn evidence_line(&self, r: &Report, e: &miwake_core::report::Evidence) -> String {
        match e.source {
            EvidenceSource::Text => match e.span {
                Some(span) => self.in_context(&r.message.text, span.start, span.end),
                None => format!("「{}」", one_line(&e.excerpt)),
            },
            EvidenceSource::Header => format!(
                "{}: {}",
                e.header.as_deref().unwrap_or(""),
                self.paint(HIGHLIGHT, &one_line(&e.excerpt))
            ),
            EvidenceSource::Link => format!(
                "{} {}",
                self.t("リンク", "link"),
                self.paint(HIGHLIGHT, &one_line(&e.excerpt))
            ),
            EvidenceSource::Attachment => format!(
                "{} {}",
                self.t("添付", "attachment"),
                self.paint(HIGHLIGHT, &one_line(&e.excerpt))
            ),
            EvidenceSource::Input => one_line(&e.excerpt),
        }
    }

    /// `…context [evidence] context…` on one line, evidence highlighted.
    fn in_context(&self, text: &str, start: usize, end: usize) -> String {
        let floor = |mut i: usize| {
            while i > 0 && !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let (start, end) = (floor(start.min(text.len())), floor(end.min(text.len())));
        let before_start = floor(start.saturating_sub(CONTEXT));
        let after_end = floor((end + CONTEXT).min(text.len()));
        let before = one_line(&text[before_start..start]);
        let hit = one_line(&text[start..end]);
        let after = one_line(&text[end..after_end]);
        let marked = if self.style.color {
            self.paint(HIGHLIGHT, &hit)
        } else {
            format!("【{hit}】")
        };
        format!("…{before}{marked}{after}…")
    }

    fn write_facts(&self, out: &mut impl Write, r: &Report) -> std::io::Result<()> {
        let f = &r.facts;
        let mut lines = Vec::new();
        let join = |v: Vec<&str>| v.join(", ");
        if !f.order_numbers.is_empty() {
            lines.push(format!(
                "{}: {}",
                self.t("注文番号", "Order"),
                join(f.order_numbers.iter().map(|o| o.value.as_str()).collect())
            ));
        }
        if !f.tracking_numbers.is_empty() {
            let t: Vec<String> = f
                .tracking_numbers
                .iter()
                .map(|t| format!("{} ({:?})", t.number, t.carrier))
                .collect();
            lines.push(format!(
                "{}: {}",
                self.t("追跡番号", "Tracking"),
                t.join(", ")
            ));
        }
        if !f.dates.is_empty() {
            lines.push(format!(
                "{}: {}",
                self.t("日付", "Dates"),
                join(f.dates.iter().map(|d| d.value.as_str()).collect())
            ));
        }
        if !r.links.is_empty() {
            let l: Vec<String> = r
                .links
                .iter()
                .take(8)
                .map(|l| {
                    let host = l.host.as_deref().unwrap_or("?");
                    let owner = l
                        .owner
                        .as_deref()
                        .map(|o| format!(" ✓{o}"))
                        .unwrap_or_default();
                    format!("{host}{owner}")
                })
                .collect();
            lines.push(format!(
                "{}: {}",
                self.t("リンク先", "Links go to"),
                l.join(", ")
            ));
        }
        if !r.attachments.is_empty() {
            let a: Vec<String> = r
                .attachments
                .iter()
                .map(|a| {
                    format!(
                        "{} ({}, {} B)",
                        a.name.as_deref().unwrap_or("-"),
                        a.content_type,
                        a.size
                    )
                })
                .collect();
            lines.push(format!(
                "{}: {}",
                self.t("添付", "Attachments"),
                a.join(", ")
            ));
        }
        if lines.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "\n{}",
            self.paint(BOLD, self.t("見つかった事実", "Facts found"))
        )?;
        for l in lines {
            writeln!(out, "  {l}")?;
        }
        Ok(())
    }

    fn write_next_steps(&self, out: &mut impl Write, r: &Report) -> std::io::Result<()> {
        let lang = self.style.lang;
        if !r.advice.is_empty() {
            writeln!(
                out,
                "\n{}",
                self.paint(BOLD, self.t("次にすること", "What to do"))
            )?;
            for a in &r.advice {
                writeln!(
                    out,
                    "  - {} — {}",
                    self.paint(BOLD, a.title.get(lang)),
                    a.text.get(lang)
                )?;
            }
        }
        if !r.replies.is_empty() {
            let names: Vec<String> = r
                .replies
                .iter()
                .map(|x| format!("{} {}", x.id, x.title.get(lang)))
                .collect();
            writeln!(
                out,
                "{}: {}",
                self.t("返信の候補", "Suggested replies"),
                names.join(" / ")
            )?;
        }
        Ok(())
    }
}

pub use miwake_core::normalize::one_line;
