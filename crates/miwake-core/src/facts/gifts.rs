//! Gift cards, prepaid cards, electronic money and points.

use regex::Regex;

use super::{byte_before, dedup_overlapping, re, Found};
use crate::analysis::literals::LiteralHit;
use crate::message::Span;

const BRAND: &str = concat!(
    r"amazon|アマゾン|apple|itunes|app store(?: ?& ?itunes)?|google ?play|グーグルプレイ|",
    r"steam|nintendo|ニンテンドー|playstation|psn|楽天|rakuten|line|ebay|visa|vanilla",
);
const PRODUCT: &str = concat!(
    r"ギフト券|ギフトカード|ギフトコード|ギフトチケット|gift ?cards?|gift ?codes?|gift ?vouchers?|",
    r"gift ?certificates?|e ?ギフト|e-?gifts?|プリペイドカード|prepaid ?cards?|電子マネー|",
    r"webmoney|ウェブマネー|bitcash|ビットキャッシュ|quo ?カード|クオカード|quo ?cards?|",
    r"itunes ?カード|itunes ?cards?|google ?play ?カード|google ?play ?cards?|vプリカ|バニラvisa",
);
/// Every match holds one of these: each `PRODUCT` holds one, and so do "ポイント" and
/// "points" / "pts". Most messages hold none, and the pattern has no literal to start
/// from, so it runs only when one is present.
pub(super) const REQUIRED: &[&str] = &[
    "ギフト",
    "gift",
    "プリペイドカード",
    "prepaid",
    "電子マネー",
    "webmoney",
    "ウェブマネー",
    "bitcash",
    "ビットキャッシュ",
    "quo",
    "クオカード",
    "itunes",
    "google",
    "vプリカ",
    "バニラvisa",
    "ポイント",
    "points",
    "pts",
];
const POINT_BRAND: &str = "paypay|楽天|rakuten|d|ponta|amazon|アマゾン|line|t|v|au|waon|nanaco";

#[derive(Debug)]
pub(super) struct Gifts {
    card: Regex,
}

impl Gifts {
    pub fn new() -> Self {
        Gifts {
            card: re(&format!(
                r"(?:(?:{BRAND}) ?(?:の)?)?(?:{PRODUCT})|(?:(?:{POINT_BRAND}) ?)?ポイント|(?:{POINT_BRAND}|reward|bonus|loyalty|member(?:ship)?|[0-9][0-9,]*) (?:points|pts)(?-u:\b)"
            )),
        }
    }

    /// `required`: where the words of `REQUIRED` occur, by start.
    #[inline(never)]
    pub fn find(&self, text: &str, required: &[LiteralHit]) -> Vec<Found> {
        let mut out = Vec::new();
        let mut pos = 0;
        let mut required = required.iter();
        while let Some(word) = required.find(|h| h.start >= pos) {
            let from = search_start(text, pos, word.start);
            let Some(m) = self.card.find_at(text, from) else {
                break;
            };
            out.extend(found(text, m.start(), m.end()));
            pos = m.end().max(pos + 1);
            if out.len() >= super::MAX_PER_KIND * 2 || pos >= text.len() {
                break;
            }
        }
        dedup_overlapping(out, |f| f.span)
    }
}

/// How far before its first `REQUIRED` word a match can start, but for a number before
/// "points": the longest brand ("グーグルプレイ", 21 bytes), a space and "の" (4), and
/// "e-" before "gift" (2). A test checks the brands.
const PREFIX_REACH: usize = 27;

/// Where the card pattern's search from `pos` can start without passing a match, given
/// the first `REQUIRED` word at or after `pos`: every match holds one, at most
/// `PREFIX_REACH` bytes after its start unless digits and commas lead it ("1,000 points").
/// Searching the whole text before it costs more than anything else here.
fn search_start(text: &str, pos: usize, required: usize) -> usize {
    let bytes = text.as_bytes();
    let mut from = required.saturating_sub(PREFIX_REACH).max(pos);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    while from > pos
        && bytes
            .get(from - 1)
            .is_some_and(|b| b.is_ascii_digit() || *b == b',')
    {
        from -= 1;
    }
    from
}

/// The card mention matched at `start..end`, cut by [`bounded_start`].
fn found(text: &str, start: usize, end: usize) -> Option<Found> {
    let start = bounded_start(text, start, end)?;
    Some(Found {
        value: text.get(start..end)?.to_string(),
        span: Span::new(start, end),
    })
}

/// When an ASCII word runs into a preceding one ("andポイント"), keep only the Japanese
/// part that follows it; drop the match when nothing Japanese is left ("xgift card").
fn bounded_start(text: &str, start: usize, end: usize) -> Option<usize> {
    if !super::is_alnum(byte_before(text, start)) {
        return Some(start);
    }
    let s = text.get(start..end)?;
    let skip = s.bytes().take_while(|b| b.is_ascii_alphanumeric()).count();
    let rest = s.get(skip..)?.trim_start();
    let japanese = rest.chars().next().is_some_and(|c| !c.is_ascii());
    japanese.then(|| end - rest.len())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::facts::tests::token_text;

    #[test]
    fn every_product_holds_a_required_word() {
        for product in PRODUCT.split('|') {
            let plain = product
                .replace(" ?", "")
                .replace("-?", "")
                .replace("s?", "");
            assert!(
                REQUIRED.iter().any(|w| plain.contains(w)),
                "{product} holds no word of REQUIRED"
            );
        }
    }

    #[test]
    fn prefix_reach_covers_every_brand() {
        // Brands with optional parts are written out at their longest.
        let longest = ["app store & itunes", "google play"]
            .into_iter()
            .chain(BRAND.split('|').filter(|b| !b.contains(['(', '?'])))
            .chain(POINT_BRAND.split('|'))
            .map(str::len)
            .max()
            .unwrap_or(0);
        assert!(longest + " の".len() + "e-".len() <= PREFIX_REACH);
    }

    /// The search as it was: the card pattern from the start of the text.
    fn whole_text(gifts: &Gifts, text: &str) -> Vec<Found> {
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some(m) = gifts.card.find_at(text, pos) {
            out.extend(found(text, m.start(), m.end()));
            pos = m.end().max(pos + 1);
            if out.len() >= super::super::MAX_PER_KIND * 2 || pos >= text.len() {
                break;
            }
        }
        dedup_overlapping(out, |f| f.span)
    }

    const TOKENS: &[&str] = &[
        "グーグルプレイ",
        "app store & itunes",
        "amazon",
        "アマゾン",
        "楽天",
        "line",
        "d",
        "t",
        " ",
        "の",
        "e-",
        "e",
        "gift",
        "gift card",
        "ギフト券",
        "ギフト",
        "google",
        "google play",
        "quo",
        "カード",
        "points",
        "pts",
        "ポイント",
        "membership",
        "reward",
        "1",
        "1,000",
        "123456789012345678901234567890",
        ",",
        "x",
        "ア",
        "prepaid card",
        "webmoney",
        "s",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn starting_near_the_required_word_finds_what_the_whole_text_search_finds(
            text in token_text(TOKENS, 24)
        ) {
            static GIFTS: std::sync::OnceLock<Gifts> = std::sync::OnceLock::new();
            let gifts = GIFTS.get_or_init(Gifts::new);
            let required = crate::facts::scan_group(&text, crate::facts::GIFT_WORDS);
            prop_assert_eq!(gifts.find(&text, &required), whole_text(gifts, &text));
        }
    }
}
