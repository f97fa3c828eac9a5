//! Messenger apps (LINE, WhatsApp, Telegram, WeChat, Signal, …) and the ID written next to them.

use regex::{Captures, Regex};

/// A messenger link: the app's host, then the ID.
const LINK: &str = r"(line\.me|lin\.ee|wa\.me|t\.me|telegram\.me|signal\.me)/(?:ti/p/|r/ti/p/|#p/)?([~@+%a-z0-9_.-]+)";

use super::{ascii_bounded, byte_before, dedup_overlapping, re, Messenger, MessengerId};
use crate::analysis::literals::LiteralHit;
use crate::message::Span;

/// App names, in the order a regex alternation of them would prefer them; none is a
/// prefix of another, so at most one starts at any position.
pub(super) const MENTIONS: &[&str] = &[
    "line",
    "ライン",
    "友だち追加",
    "友達追加",
    "ともだち追加",
    "whatsapp",
    "what's app",
    "what'sapp",
    "ワッツアップ",
    "telegram",
    "テレグラム",
    "wechat",
    "weixin",
    "微信",
    "ウィーチャット",
    "signal",
    "シグナル",
    "kakao talk",
    "kakaotalk",
    "カカオトーク",
    "viber",
    "skype",
];

/// How every messenger link starts; the `link` pattern is tried where one is found.
pub(super) const LINK_STARTS: &[&str] = &[
    "line.me/",
    "lin.ee/",
    "wa.me/",
    "t.me/",
    "telegram.me/",
    "signal.me/",
];

#[derive(Debug)]
pub(super) struct Messengers {
    /// Anchored: tried at each of `LINK_STARTS` found in the text.
    link: Regex,
    id: Regex,
}

impl Messengers {
    pub fn new() -> Self {
        Messengers {
            link: re(&format!("^{LINK}")),
            id: re(concat!(
                r"^(?: ?(?:の)?(?:id|番号|number|no\.?|account|アカウント|handle))?",
                r"(?: ?(?:は|:|=|-|→|で|に|を|まで))?(?: ?(?:id|アカウント|番号))?(?: ?(?::|は))? ?",
                r"(@?[a-z0-9][a-z0-9._-]{1,31}|\+?[0-9][0-9 ()-]{5,20}[0-9])",
            )),
        }
    }

    /// `links` and `mentions`: where `LINK_STARTS` and `MENTIONS` occur, by start and then
    /// list order. Walking them as a regex search walks its matches (leftmost first, none
    /// overlapping the one before) reads the text once, in the shared literal scan.
    #[inline(never)]
    pub fn find(
        &self,
        text: &str,
        links: &[LiteralHit],
        mentions: &[LiteralHit],
    ) -> Vec<MessengerId> {
        let mut out = Vec::new();
        let mut next = 0;
        for hit in links {
            if hit.start < next {
                continue;
            }
            let Some(caps) = text.get(hit.start..).and_then(|t| self.link.captures(t)) else {
                continue;
            };
            next = hit.start + caps.get(0).map_or(0, |m| m.end());
            if let Some(found) = link_at(text, hit.start, &caps) {
                out.push(found);
            }
        }
        let mut next = 0;
        for hit in mentions {
            if hit.start < next {
                continue;
            }
            next = hit.end;
            if let Some(found) = self.mention_at(text, hit.start, hit.end) {
                out.push(found);
            }
            if out.len() >= super::MAX_PER_KIND * 2 {
                break;
            }
        }
        dedup_overlapping(out, |f| f.span)
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

/// The messenger link that `caps` matched at `start`, unless it runs on from a word.
fn link_at(text: &str, start: usize, caps: &Captures) -> Option<MessengerId> {
    if super::is_alnum(byte_before(text, start)) {
        return None;
    }
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
        span: Span::new(start, start + caps.get(0)?.end()),
    })
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::facts::tests::token_text;
    use crate::facts::{scan_group, LINK_STARTS as LINK_GROUP, MENTIONS as MENTION_GROUP};

    /// The search as it was: regex searches for the links and the app names.
    struct Reference {
        messengers: Messengers,
        link: Regex,
        mention: Regex,
    }

    impl Reference {
        fn new() -> Self {
            Reference {
                messengers: Messengers::new(),
                link: re(LINK),
                mention: re(concat!(
                    r"line|ライン|友だち追加|友達追加|ともだち追加|whatsapp|what's ?app|ワッツアップ|",
                    r"telegram|テレグラム|wechat|weixin|微信|ウィーチャット|signal|シグナル|",
                    r"kakao ?talk|カカオトーク|viber|skype",
                )),
            }
        }

        fn find(&self, text: &str) -> Vec<MessengerId> {
            let mut out = Vec::new();
            for m in self.link.find_iter(text) {
                let Some(caps) = self.link.captures(&text[m.start()..m.end()]) else {
                    continue;
                };
                out.extend(link_at(text, m.start(), &caps));
            }
            for m in self.mention.find_iter(text) {
                out.extend(self.messengers.mention_at(text, m.start(), m.end()));
                if out.len() >= crate::facts::MAX_PER_KIND * 2 {
                    break;
                }
            }
            dedup_overlapping(out, |f| f.span)
        }
    }

    fn find(messengers: &Messengers, text: &str) -> Vec<MessengerId> {
        let links = scan_group(text, LINK_GROUP);
        let mentions = scan_group(text, MENTION_GROUP);
        messengers.find(text, &links, &mentions)
    }

    #[test]
    fn mentions_hold_every_alternative_of_the_pattern() {
        for text in [
            "what's app",
            "what'sapp",
            "kakao talk",
            "kakaotalk",
            "weixin",
            "skype",
        ] {
            assert!(MENTIONS.contains(&text), "{text}");
        }
        for (i, a) in MENTIONS.iter().enumerate() {
            for b in &MENTIONS[i + 1..] {
                assert!(!a.starts_with(b) && !b.starts_with(a), "{a} / {b}");
            }
        }
    }

    #[test]
    fn a_link_inside_a_longer_link_is_not_found_again() {
        let text = "line.me/ti/p/abc.t.me/x see wa.me/81901234567";
        let ids: Vec<String> = find(&Messengers::new(), text)
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, ["abc.t.me", "81901234567"]);
    }

    const TOKENS: &[&str] = &[
        "line",
        "line.me/",
        "lin.ee/",
        "wa.me/",
        "t.me/",
        "telegram.me/",
        "signal.me/",
        "ti/p/",
        "r/",
        "#p/",
        "~",
        "@",
        "abc",
        "123456789",
        "x",
        ".",
        "-",
        "/",
        " ",
        "ライン",
        "で",
        "追加",
        "友だち追加",
        "what's",
        "app",
        "whatsapp",
        "telegram",
        "テレグラム",
        "signal",
        "シグナル",
        " app",
        "on ",
        "id",
        ":",
        "は",
        "kakao",
        "talk",
        "viber",
        "skype",
        "微信",
        "weixin",
        "on",
        "deadline",
        "online",
        "signals",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn walking_the_literal_hits_finds_what_the_regex_searches_find(
            text in token_text(TOKENS, 24)
        ) {
            static REFERENCE: std::sync::OnceLock<Reference> = std::sync::OnceLock::new();
            let reference = REFERENCE.get_or_init(Reference::new);
            prop_assert_eq!(find(&reference.messengers, &text), reference.find(&text));
        }
    }
}
