//! Words that mix Latin letters with Cyrillic or Greek look-alikes ("Аmazon", "Actiоn
//! Requiгed"): no honest writer does this; it is done to slip past filters and readers.

use crate::analysis::Hit;
use crate::message::Span;
use crate::report::Evidence;

/// At most this many words are cited.
const MAX_EVIDENCE: usize = 5;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Lookalike,
    Other,
}

fn script(c: char) -> Script {
    match c {
        'a'..='z' | 'A'..='Z' => Script::Latin,
        // Cyrillic and Greek blocks, where Latin look-alikes live.
        '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}' => {
            Script::Lookalike
        }
        _ => Script::Other,
    }
}

/// Whether any character of `text` may be Greek or Cyrillic: UTF-8 lead bytes 0xCD–0xD4
/// start U+0340–U+053F. Most mail has none, and this byte scan is far cheaper than the
/// word-by-word walk.
fn has_lookalike_script(text: &str) -> bool {
    let mut words = text.as_bytes().chunks_exact(8);
    let found = words.by_ref().any(|w| {
        let mut le = [0u8; 8];
        le.copy_from_slice(w);
        has_lookalike_lead(u64::from_le_bytes(le))
    });
    found || words.remainder().iter().any(|&b| is_lookalike_lead(b))
}

fn is_lookalike_lead(b: u8) -> bool {
    (0xCD..=0xD4).contains(&b)
}

/// Whether one of the eight bytes of `word` is a lookalike lead byte (0xCD–0xD4): with the
/// top bit flipped those are 0x4D–0x54, found by the "byte strictly between" bit trick
/// (Hacker's Delight; bytes that had no top bit, flipped to 0x80+, never count).
fn has_lookalike_lead(word: u64) -> bool {
    const ONES: u64 = u64::MAX / 255;
    const LOW7: u64 = ONES * 127;
    const HIGH: u64 = ONES * 128;
    let (above, below) = (0x4Cu64, 0x55u64);
    let x = word ^ HIGH;
    let under_upper = (ONES * (127 + below)).wrapping_sub(x & LOW7);
    let over_lower = (x & LOW7) + ONES * (127 - above);
    under_upper & !x & over_lower & HIGH != 0
}

/// Letters from the Mathematical Alphanumeric block (`𝘽𝙞𝙧𝙩𝙝`): styled text that looks
/// like words to a reader but not to a filter.
pub fn styled_letters(subject: Option<&str>, text: &str) -> Option<Hit> {
    // Every character of U+1D400–U+1D7FF is encoded starting F0 9D.
    let styled = |s: &str| {
        if memchr::memmem::find(s.as_bytes(), b"\xF0\x9D").is_none() {
            return 0;
        }
        s.chars()
            .filter(|c| ('\u{1D400}'..='\u{1D7FF}').contains(c))
            .count()
    };
    let source = [subject.unwrap_or(""), text]
        .into_iter()
        .find(|s| styled(s) >= 3)?;
    let start = source
        .char_indices()
        .find(|(_, c)| ('\u{1D400}'..='\u{1D7FF}').contains(c))?
        .0;
    let end = source[start..]
        .char_indices()
        .take(24)
        .last()
        .map(|(i, c)| start + i + c.len_utf8())
        .unwrap_or(source.len());
    let evidence = if std::ptr::eq(source, text) {
        Evidence::display_text(text, Span::new(start, end))
    } else {
        Evidence::header("Subject", &source[start..end])
    };
    Some(Hit::new("r4.styled_letters", evidence))
}

/// Mixed-script words in the display text, with their spans.
pub fn mixed_script_words(text: &str) -> Option<Hit> {
    if !has_lookalike_script(text) {
        return None;
    }
    let mut evidence = Vec::new();
    for (base, piece) in letter_pieces(text) {
        if evidence.len() >= MAX_EVIDENCE {
            break;
        }
        mixed_words_in(text, base, piece, &mut evidence);
    }
    (!evidence.is_empty()).then_some(Hit {
        rule: "r4.mixed_script_word",
        evidence,
    })
}

/// The pieces of `text` between ASCII characters that are not letters, with their offsets,
/// that hold both an ASCII letter and a possible lookalike: no word crosses such a
/// character (it is not alphabetic), so only these pieces can hold a mixed word.
fn letter_pieces(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let (mut latin, mut lookalike) = (false, false);
    (0..=bytes.len()).filter_map(move |i| {
        let b = bytes.get(i).copied().unwrap_or(b' ');
        if b.is_ascii_alphabetic() {
            latin = true;
        } else if is_lookalike_lead(b) {
            lookalike = true;
        } else if b.is_ascii() {
            let piece = (latin && lookalike).then(|| (start, text.get(start..i).unwrap_or("")));
            (start, latin, lookalike) = (i + 1, false, false);
            return piece;
        }
        None
    })
}

/// The word-by-word walk over `piece` (at `base` in `text`): each run of letters holding
/// both a Latin and a Greek or Cyrillic letter is cited, up to [`MAX_EVIDENCE`] in all.
fn mixed_words_in(text: &str, base: usize, piece: &str, evidence: &mut Vec<Evidence>) {
    let mut start = None;
    let (mut latin, mut lookalike) = (false, false);
    for (i, c) in piece
        .char_indices()
        .chain(std::iter::once((piece.len(), ' ')))
    {
        if c.is_alphabetic() {
            start.get_or_insert(i);
            match script(c) {
                Script::Latin => latin = true,
                Script::Lookalike => lookalike = true,
                Script::Other => {}
            }
            continue;
        }
        if let Some(s) = start.take() {
            if latin && lookalike && evidence.len() < MAX_EVIDENCE {
                evidence.push(Evidence::display_text(text, Span::new(base + s, base + i)));
            }
        }
        latin = false;
        lookalike = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_scan_sees_every_greek_and_cyrillic_letter() {
        for c in ('\u{0370}'..='\u{052F}').filter(|&c| script(c) == Script::Lookalike) {
            assert!(has_lookalike_script(&format!("ab{c}cd")), "{c:?}");
        }
        assert!(!has_lookalike_script("Amazon アマゾン café naïve"));
    }

    #[test]
    fn finds_cyrillic_inside_latin_words() {
        let hit = mixed_script_words("Dear user, Actiоn Requiгed for your Аmazon account")
            .expect("found");
        let words: Vec<&str> = hit.evidence.iter().map(|e| e.excerpt.as_str()).collect();
        assert_eq!(words, vec!["Actiоn", "Requiгed", "Аmazon"]);
        let span = hit.evidence[2].span.expect("span");
        assert_eq!(
            &"Dear user, Actiоn Requiгed for your Аmazon account"[span.start..span.end],
            "Аmazon"
        );
    }

    #[test]
    fn styled_letters_are_found() {
        let hit = styled_letters(Some("𝘽𝙞𝙧𝙩𝙝 surgeries"), "body").expect("found");
        assert_eq!(hit.evidence[0].header.as_deref(), Some("Subject"));
        assert!(styled_letters(Some("Birth"), "plain body").is_none());
    }

    #[test]
    fn plain_russian_greek_and_japanese_are_fine() {
        assert!(
            mixed_script_words("Привет мир, καλημέρα, Amazonギフト券 and plain English").is_none()
        );
    }

    /// The walk over the whole text that the piece-wise walk replaced: the word walk with
    /// the whole text as its one piece.
    fn reference_mixed_script_words(text: &str) -> Option<Hit> {
        let mut evidence = Vec::new();
        mixed_words_in(text, 0, text, &mut evidence);
        (!evidence.is_empty()).then_some(Hit {
            rule: "r4.mixed_script_word",
            evidence,
        })
    }

    fn spans(hit: Option<Hit>) -> Vec<(Option<Span>, String)> {
        hit.map(|h| h.evidence)
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.span, e.excerpt))
            .collect()
    }

    #[test]
    fn word_bit_trick_finds_exactly_the_lead_bytes() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut word = [b'a'; 8];
                word[at] = b;
                let expected = is_lookalike_lead(b);
                assert_eq!(
                    has_lookalike_lead(u64::from_le_bytes(word)),
                    expected,
                    "{b:#x}@{at}"
                );
                let mut high = [0xE3u8; 8];
                high[at] = b;
                assert_eq!(
                    has_lookalike_lead(u64::from_le_bytes(high)),
                    expected,
                    "{b:#x}@{at}"
                );
            }
        }
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1024))]
            #[test]
            fn same_as_the_whole_text_walk(
                s in "([a-zA-Z0-9 .,_\\-]|[\u{0340}-\u{0540}]|[\u{00C0}-\u{024F}]|[ぁ-んア-ン]|\\PC)*",
            ) {
                prop_assert_eq!(spans(mixed_script_words(&s)), spans(reference_mixed_script_words(&s)));
            }

            #[test]
            fn byte_scan_same_as_bytewise(s in "(\\PC|[\u{0340}-\u{0540}])*") {
                let expected = s.bytes().any(is_lookalike_lead);
                prop_assert_eq!(has_lookalike_script(&s), expected);
            }
        }
    }
}
