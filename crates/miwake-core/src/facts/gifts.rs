//! Gift cards, prepaid cards, electronic money and points.

use regex::Regex;

use super::{byte_before, dedup_overlapping, re, Found};
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
const REQUIRED: &[&str] = &[
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
    /// Any of `REQUIRED`; a literal set the regex crate searches with a SIMD prefilter.
    required: Regex,
}

impl Gifts {
    pub fn new() -> Self {
        Gifts {
            card: re(&format!(
                r"(?:(?:{BRAND}) ?(?:の)?)?(?:{PRODUCT})|(?:(?:{POINT_BRAND}) ?)?ポイント|(?:{POINT_BRAND}|reward|bonus|loyalty|member(?:ship)?|[0-9][0-9,]*) (?:points|pts)(?-u:\b)"
            )),
            required: re(&REQUIRED
                .iter()
                .map(|w| regex::escape(w))
                .collect::<Vec<_>>()
                .join("|")),
        }
    }

    #[inline(never)]
    pub fn find(&self, text: &str) -> Vec<Found> {
        let mut out = Vec::new();
        if !self.required.is_match(text) {
            return out;
        }
        let mut pos = 0;
        while let Some(m) = self.card.find_at(text, pos) {
            let start = bounded_start(text, m.start(), m.end());
            if let Some(value) = start.and_then(|s| text.get(s..m.end())) {
                out.push(Found {
                    value: value.to_string(),
                    span: Span::new(m.end() - value.len(), m.end()),
                });
            }
            pos = m.end().max(pos + 1);
            if out.len() >= super::MAX_PER_KIND * 2 || pos >= text.len() {
                break;
            }
        }
        dedup_overlapping(out, |f| f.span)
    }
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
    use super::{PRODUCT, REQUIRED};

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
}
