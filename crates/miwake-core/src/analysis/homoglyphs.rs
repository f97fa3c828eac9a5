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
    text.bytes().any(|b| (0xCD..=0xD4).contains(&b))
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
    let mut start = None;
    let (mut latin, mut lookalike) = (false, false);
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
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
                evidence.push(Evidence::display_text(text, Span::new(s, i)));
            }
        }
        latin = false;
        lookalike = false;
    }
    (!evidence.is_empty()).then_some(Hit {
        rule: "r4.mixed_script_word",
        evidence,
    })
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
}
