//! Messenger apps (LINE, WhatsApp, Telegram, WeChat, Signal, …) and the ID written next to them.

use regex::Regex;

use super::{ascii_bounded, byte_before, dedup_overlapping, re, Messenger, MessengerId};
use crate::message::Span;

#[derive(Debug)]
pub(super) struct Messengers {
    mention: Regex,
    link: Regex,
    id: Regex,
}

impl Messengers {
    pub fn new() -> Self {
        Messengers {
            mention: re(concat!(
                r"line|ライン|友だち追加|友達追加|ともだち追加|whatsapp|what's ?app|ワッツアップ|",
                r"telegram|テレグラム|wechat|weixin|微信|ウィーチャット|signal|シグナル|",
                r"kakao ?talk|カカオトーク|viber|skype",
            )),
            link: re(
                r"(line\.me|lin\.ee|wa\.me|t\.me|telegram\.me|signal\.me)/(?:ti/p/|r/ti/p/|#p/)?([~@+%a-z0-9_.-]+)",
            ),
            id: re(concat!(
                r"^(?: ?(?:の)?(?:id|番号|number|no\.?|account|アカウント|handle))?",
                r"(?: ?(?:は|:|=|-|→|で|に|を|まで))?(?: ?(?:id|アカウント|番号))?(?: ?(?::|は))? ?",
                r"(@?[a-z0-9][a-z0-9._-]{1,31}|\+?[0-9][0-9 ()-]{5,20}[0-9])",
            )),
        }
    }

    #[inline(never)]
    pub fn find(&self, text: &str) -> Vec<MessengerId> {
        let mut out = Vec::new();
        for m in self.link.find_iter(text) {
            if let Some(found) = self.link_at(text, m.start(), m.end()) {
                out.push(found);
            }
        }
        for m in self.mention.find_iter(text) {
            if let Some(found) = self.mention_at(text, m.start(), m.end()) {
                out.push(found);
            }
            if out.len() >= super::MAX_PER_KIND * 2 {
                break;
            }
        }
        dedup_overlapping(out, |f| f.span)
    }

    fn link_at(&self, text: &str, start: usize, end: usize) -> Option<MessengerId> {
        if super::is_alnum(byte_before(text, start)) {
            return None;
        }
        let caps = self.link.captures(text.get(start..end)?)?;
        let app = match caps.get(1)?.as_str() {
            "line.me" | "lin.ee" => Messenger::Line,
            "wa.me" => Messenger::Whatsapp,
            "signal.me" => Messenger::Signal,
            _ => Messenger::Telegram,
        };
        let id = caps.get(2)?.as_str().trim_end_matches(['.', '-']);
        Some(MessengerId {
            app,
            id: id.to_string(),
            span: Span::new(start, end),
        })
    }

    fn mention_at(&self, text: &str, start: usize, end: usize) -> Option<MessengerId> {
        let word = text.get(start..end)?;
        if word.is_ascii() && !ascii_bounded(text, start, end) {
            return None;
        }
        let app = app_of(word);
        let rest = text.get(end..)?;
        let confirmed = !is_ambiguous(word) || stands_as_app(word, text, start, end);
        let id = self
            .id_after(rest)
            .filter(|(_, _, explicit)| confirmed || *explicit);
        if id.is_none() && !confirmed {
            return None;
        }
        let id_end = id.as_ref().map_or(end, |(_, e, _)| end + e);
        Some(MessengerId {
            app,
            id: id.map(|(s, _, _)| s).unwrap_or_default(),
            span: Span::new(start, id_end),
        })
    }

    /// The ID right after a mention, the offset where it ends in `rest`, and whether it
    /// was introduced explicitly ("id:", "@handle").
    fn id_after(&self, rest: &str) -> Option<(String, usize, bool)> {
        let head = rest.get(..floor_boundary(rest, 64))?;
        let caps = self.id.captures(head)?;
        let whole = caps.get(0)?;
        let id = caps.get(1)?;
        let lead = head.get(..id.start())?;
        let value = id.as_str().trim_end_matches(['.', '-', ' ', '(']);
        let explicit = value.starts_with('@')
            || [":", "id", "は", "=", "番号", "number"]
                .iter()
                .any(|p| lead.contains(p));
        let after = head.as_bytes().get(whole.end()).copied();
        if !(explicit || plausible_id(value)) || after.is_some_and(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        Some((value.to_string(), id.start() + value.len(), explicit))
    }
}

/// A handle with letters and digits ("abc123"), or a phone-length number.
fn plausible_id(value: &str) -> bool {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let letters = value.bytes().filter(u8::is_ascii_alphabetic).count();
    (digits > 0 && letters > 0) || digits >= 8
}

fn is_ambiguous(word: &str) -> bool {
    matches!(word, "line" | "ライン" | "signal" | "シグナル")
}

fn app_of(word: &str) -> Messenger {
    match word {
        "line" | "ライン" | "友だち追加" | "友達追加" | "ともだち追加" => {
            Messenger::Line
        }
        "telegram" | "テレグラム" => Messenger::Telegram,
        "wechat" | "weixin" | "微信" | "ウィーチャット" => Messenger::Wechat,
        "signal" | "シグナル" => Messenger::Signal,
        w if w.starts_with("what") || w == "ワッツアップ" => Messenger::Whatsapp,
        _ => Messenger::Other,
    }
}

/// Words that are common outside messaging ("line", "signal") only count as the app
/// when the text around them says so.
fn stands_as_app(word: &str, text: &str, start: usize, end: usize) -> bool {
    let after = text
        .get(end..floor_boundary_at(text, end, 16))
        .unwrap_or("");
    let before = text
        .get(ceil_boundary_at(text, start.saturating_sub(12))..start)
        .unwrap_or("");
    match word {
        "line" | "ライン" => [
            "で",
            "に",
            "を",
            "から",
            "へ",
            "追加",
            "公式",
            "アカウント",
            "@",
            " @",
            " app",
            "友",
        ]
        .iter()
        .any(|p| after.starts_with(p)),
        "signal" | "シグナル" => {
            [" app", " messenger", "で", "に"]
                .iter()
                .any(|p| after.starts_with(p))
                || before.ends_with("on ")
                || before.ends_with("via ")
        }
        _ => true,
    }
}

fn floor_boundary(s: &str, max: usize) -> usize {
    let mut i = max.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn floor_boundary_at(s: &str, from: usize, len: usize) -> usize {
    let mut i = from.saturating_add(len).min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary_at(s: &str, pos: usize) -> usize {
    let mut i = pos.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}
