//! Text normalisation for matching, with a map back to the text the reader sees.
//!
//! NFKC, full-width → half-width, lower case, zero-width and bidi controls removed,
//! confusable letters mapped to Latin (Cyrillic А → a), dash variants mapped to `-`,
//! whitespace runs collapsed to one space.
//!
//! The original text is cut into segments: one character plus any combining characters
//! that follow it (so `ｶﾞ` and `e\u{301}` compose). Every normalised byte remembers the
//! segment it came from, which keeps spans mappable back byte-accurately.

use std::sync::OnceLock;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

use crate::message::Span;

/// Normalised text plus a map from each of its bytes back to the original text.
#[derive(Debug, Clone, Default)]
pub struct NormalizedText {
    pub text: String,
    /// The map back, as stretches of normalised bytes in text order.
    pieces: Vec<Piece>,
    /// The original text's length: where the end of the normalised text maps to.
    origin_len: u32,
}

/// A stretch of normalised text, from byte `start` to the next piece's `start`, and where
/// it came from. Storing stretches instead of two offsets per byte keeps the map small:
/// most text is ASCII or kana/kanji that maps one character to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    start: u32,
    /// Original offset of the stretch's first byte.
    origin: u32,
    source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Each character came from one original character of the same length, in order:
    /// a byte's origin is its character's start shifted by `origin - start`.
    Parallel,
    /// Every byte came from the one original segment `origin..end`.
    Segment { end: u32 },
}

impl NormalizedText {
    pub fn new(original: &str) -> Self {
        let original = clamp_len(original);
        let mut out = Builder::new(original.len(), true);
        run(original, &mut out);
        NormalizedText {
            text: out.text,
            pieces: out.pieces,
            origin_len: original.len() as u32,
        }
    }

    /// Map a span of the normalised text back to the smallest original span covering it.
    /// Out-of-range spans are clamped; the result always lies on char boundaries.
    pub fn to_original(&self, span: Span) -> Span {
        let len = self.text.len();
        let start = span.start.min(len);
        let end = span.end.clamp(start, len);
        let o_start = self.origin_at(start);
        if start == end {
            return Span::new(o_start, o_start);
        }
        Span::new(o_start, self.end_at(end - 1).max(o_start))
    }

    /// Original byte offset for normalised byte `i` (the original length past the end).
    pub fn origin_at(&self, i: usize) -> usize {
        match self.piece_of(i) {
            Some(piece) => match piece.source {
                Source::Parallel => self.parallel_offset(piece, char_start(&self.text, i)),
                Source::Segment { .. } => piece.origin as usize,
            },
            None => self.origin_len(),
        }
    }

    /// End of the original text that normalised byte `i` came from.
    fn end_at(&self, i: usize) -> usize {
        match self.piece_of(i) {
            Some(piece) => match piece.source {
                Source::Parallel => self.parallel_offset(piece, char_end(&self.text, i)),
                Source::Segment { end } => end as usize,
            },
            None => self.origin_len(),
        }
    }

    fn piece_of(&self, i: usize) -> Option<&Piece> {
        if i >= self.text.len() {
            return None;
        }
        let after = self.pieces.partition_point(|p| p.start as usize <= i);
        self.pieces.get(after.checked_sub(1)?)
    }

    fn parallel_offset(&self, piece: &Piece, normalized: usize) -> usize {
        (piece.origin as usize + normalized).saturating_sub(piece.start as usize)
    }

    /// Length in bytes of the original text this was built from.
    pub fn origin_len(&self) -> usize {
        self.origin_len as usize
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn char_start(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn char_end(s: &str, i: usize) -> usize {
    let mut end = i + 1;
    while end < s.len() && !s.is_char_boundary(end) {
        end += 1;
    }
    end
}

/// The matching form of a short string (patterns, domains, display names).
pub fn normalize_str(s: &str) -> String {
    let s = clamp_len(s);
    let mut out = Builder::new(s.len(), false);
    run(s, &mut out);
    out.text
}

/// Offsets are `u32`; longer inputs are cut at a char boundary.
fn clamp_len(s: &str) -> &str {
    const MAX: usize = (u32::MAX - 1) as usize;
    if s.len() <= MAX {
        return s;
    }
    let mut cut = MAX;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

struct Builder {
    text: String,
    pieces: Vec<Piece>,
    track: bool,
    last_space: bool,
}

impl Builder {
    fn new(cap: usize, track: bool) -> Self {
        Builder {
            text: String::with_capacity(cap),
            pieces: Vec::new(),
            track,
            last_space: false,
        }
    }

    fn push(&mut self, c: char, start: usize, end: usize) {
        if c.is_whitespace() {
            self.push_space(start, end);
            return;
        }
        self.last_space = false;
        self.map_next(c.len_utf8(), start, end);
        self.text.push(c);
    }

    /// Append ASCII bytes (no combining marks follow them) that start at `base`.
    fn push_ascii_run(&mut self, run: &str, base: usize) {
        let bytes = run.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let end = plain_end(bytes, i);
            if end > i {
                self.push_plain(&run[i..end], base + i);
                i = end;
            } else {
                self.push_space(base + i, base + i + 1);
                i += 1;
            }
        }
    }

    /// ASCII that maps byte for byte: lower-cased, its spaces single and plain.
    fn push_plain(&mut self, plain: &str, base: usize) {
        self.last_space = plain.ends_with(' ');
        self.map_parallel(base);
        let start = self.text.len();
        self.text.push_str(plain);
        self.text[start..].make_ascii_lowercase();
    }

    /// Three-byte characters that map to themselves, each its own segment.
    fn push_stable_run(&mut self, run: &str, base: usize) {
        self.last_space = false;
        self.map_parallel(base);
        self.text.push_str(run);
    }

    fn push_space(&mut self, start: usize, end: usize) {
        if self.last_space {
            self.widen_last_byte(end);
            return;
        }
        self.last_space = true;
        self.map_next(1, start, end);
        self.text.push(' ');
    }

    /// Maps the `len` bytes about to be appended to the original segment `start..end`.
    fn map_next(&mut self, len: usize, start: usize, end: usize) {
        if !self.track {
            return;
        }
        if end - start == len {
            self.map_parallel(start);
            return;
        }
        let source = Source::Segment { end: end as u32 };
        let same_segment = self
            .pieces
            .last()
            .is_some_and(|p| p.origin == start as u32 && p.source == source);
        if !same_segment {
            self.pieces.push(Piece {
                start: self.text.len() as u32,
                origin: start as u32,
                source,
            });
        }
    }

    /// Maps the text about to be appended character for character to the original text
    /// from `origin` on.
    fn map_parallel(&mut self, origin: usize) {
        if !self.track {
            return;
        }
        let start = self.text.len() as u32;
        let origin = origin as u32;
        let continues = self.pieces.last().is_some_and(|p| {
            p.source == Source::Parallel
                && p.origin.wrapping_sub(p.start) == origin.wrapping_sub(start)
        });
        if !continues {
            self.pieces.push(Piece {
                start,
                origin,
                source: Source::Parallel,
            });
        }
    }

    /// A collapsed space also covers the original whitespace up to `end`.
    fn widen_last_byte(&mut self, end: usize) {
        let Some(last_byte) = self.text.len().checked_sub(1) else {
            return;
        };
        let Some(piece) = self.pieces.last_mut() else {
            return;
        };
        match &mut piece.source {
            Source::Segment { end: piece_end } => *piece_end = (*piece_end).max(end as u32),
            Source::Parallel => {
                // The last byte is a one-byte space; it becomes a segment of its own.
                let origin = piece
                    .origin
                    .saturating_add((last_byte as u32).saturating_sub(piece.start));
                if end as u32 <= origin + 1 {
                    return;
                }
                let widened = Piece {
                    start: last_byte as u32,
                    origin,
                    source: Source::Segment { end: end as u32 },
                };
                if piece.start == last_byte as u32 {
                    *piece = widened;
                } else {
                    self.pieces.push(widened);
                }
            }
        }
    }
}

fn run(s: &str, out: &mut Builder) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii() {
            let stable_end = stable_run_end(s, i);
            if stable_end > i {
                out.push_stable_run(&s[i..stable_end], i);
                i = stable_end;
            } else {
                i = push_segment(s, i, out);
            }
            continue;
        }
        let run_end = ascii_run_end(bytes, i);
        // The last ASCII byte before a combining character composes with it.
        let takes_mark = s
            .get(run_end..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(continues_segment);
        let bulk_end = if takes_mark { run_end - 1 } else { run_end };
        if bulk_end > i {
            out.push_ascii_run(&s[i..bulk_end], i);
            i = bulk_end;
            continue;
        }
        i = push_segment(s, i, out);
    }
}

/// End of the ASCII run starting at `start`, eight bytes at a time.
fn ascii_run_end(bytes: &[u8], start: usize) -> usize {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let mut i = start;
    for word in bytes[start..].chunks_exact(8) {
        let mut le = [0u8; 8];
        le.copy_from_slice(word);
        let high = u64::from_le_bytes(le) & HIGH_BITS;
        if high != 0 {
            return i + (high.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|b| !b.is_ascii())
        .map_or(bytes.len(), |p| i + p)
}

/// End of the run of stable characters starting at `start`, less the last one when a
/// combining character follows it.
fn stable_run_end(s: &str, start: usize) -> usize {
    let bytes = s.as_bytes();
    let mut end = start;
    while bytes.get(end..end + 3).is_some_and(is_stable_char) {
        end += 3;
    }
    let next = s.get(end..).and_then(|rest| rest.chars().next());
    if end > start && next.is_some_and(continues_segment) {
        end -= 3;
    }
    end
}

/// A three-byte UTF-8 character that NFKC, lower-casing and lookalike mapping leave
/// alone and that never continues a segment: curly quotes, bullet, CJK punctuation,
/// kana, unified kanji.
fn is_stable_char(utf8: &[u8]) -> bool {
    let [b0 @ 0xE2..=0xE9, b1, b2] = *utf8 else {
        return false;
    };
    let c = (u32::from(b0 & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F);
    matches!(c, 0x2018..=0x201E | 0x2022 | 0x3001..=0x3020 | 0x3041..=0x3096 | 0x30A1..=0x30FE | 0x4E00..=0x9FFF)
}

/// End of the ASCII starting at `start` that maps byte for byte: no leading space, no
/// space other than a single `' '` between non-space bytes.
fn plain_end(bytes: &[u8], start: usize) -> usize {
    let mut prev_space = true;
    for (k, &b) in bytes.iter().enumerate().skip(start) {
        if b > b' ' {
            prev_space = false;
        } else if b == b' ' && !prev_space {
            prev_space = true;
        } else if is_ascii_space(b) || b == b' ' {
            return k;
        } else {
            prev_space = false;
        }
    }
    bytes.len()
}

/// Normalise the segment starting at `start`; returns where the next one starts.
fn push_segment(s: &str, start: usize, out: &mut Builder) -> usize {
    let end = segment_end(s, start);
    let seg = s.get(start..end).unwrap_or("");
    let mut chars = seg.chars();
    let lone = match (chars.next(), chars.next()) {
        (Some(c), None) => lone_chars().get(c),
        _ => None,
    };
    match lone {
        Some(mapped) => mapped.chars().for_each(|m| out.push(m, start, end)),
        None => map_segment(seg, &mut |m| out.push(m, start, end)),
    }
    end
}

/// Calls `emit` with each character `seg` becomes; `Builder::push` collapses the spaces.
fn map_segment(seg: &str, emit: &mut impl FnMut(char)) {
    if let Some(c) = single_nfkc_char(seg) {
        map_char(c, emit);
        return;
    }
    if seg.chars().all(is_invisible) {
        return;
    }
    for c in seg.chars().filter(|&c| !is_invisible(c)).nfkc() {
        map_char(c, emit);
    }
}

/// What segments of one character become, precomputed with [`map_segment`] for the
/// ranges where such segments are common (Latin-1 to CJK symbols, half- and full-width
/// forms), because NFKC of one character costs hundreds of instructions.
struct LoneChars {
    /// `offsets[k]..offsets[k + 1]` is entry `k`'s slice of `mapped`.
    offsets: Vec<u32>,
    mapped: String,
}

const LONE_LOW: std::ops::Range<u32> = 0x80..0x3400;
const LONE_HIGH: std::ops::Range<u32> = 0xFE00..0x1_0000;

impl LoneChars {
    fn build() -> Self {
        let mut table = LoneChars {
            offsets: vec![0],
            mapped: String::new(),
        };
        for c in LONE_LOW.chain(LONE_HIGH).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            map_segment(c.encode_utf8(&mut buf), &mut |m| table.mapped.push(m));
            table.offsets.push(table.mapped.len() as u32);
        }
        table
    }

    fn get(&self, c: char) -> Option<&str> {
        let u = c as u32;
        let k = if LONE_LOW.contains(&u) {
            u - LONE_LOW.start
        } else if LONE_HIGH.contains(&u) {
            u - LONE_HIGH.start + LONE_LOW.len() as u32
        } else {
            return None;
        } as usize;
        let (start, end) = (*self.offsets.get(k)?, *self.offsets.get(k + 1)?);
        self.mapped.get(start as usize..end as usize)
    }
}

fn lone_chars() -> &'static LoneChars {
    static TABLE: OnceLock<LoneChars> = OnceLock::new();
    TABLE.get_or_init(LoneChars::build)
}

/// The segment's only character when NFKC leaves it unchanged (most kana and kanji).
fn single_nfkc_char(seg: &str) -> Option<char> {
    let mut chars = seg.chars();
    let c = chars.next()?;
    let stable = chars.next().is_none() && is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes;
    stable.then_some(c)
}

fn segment_end(s: &str, start: usize) -> usize {
    let mut chars = s[start..].char_indices();
    let first_len = chars.next().map_or(1, |(_, c)| c.len_utf8());
    let mut end = start + first_len;
    for (off, c) in chars {
        if !continues_segment(c) {
            break;
        }
        end = start + off + c.len_utf8();
    }
    end
}

/// A character that composes with what precedes it under NFKC.
fn continues_segment(c: char) -> bool {
    c >= '\u{300}'
        && (canonical_combining_class(c) != 0
            || matches!(c, '\u{FF9E}' | '\u{FF9F}' | '\u{3099}' | '\u{309A}')
            || ('\u{1160}'..='\u{11FF}').contains(&c))
}

fn map_char(c: char, emit: &mut impl FnMut(char)) {
    if c.is_ascii() {
        emit(if is_ascii_space(c as u8) {
            ' '
        } else {
            c.to_ascii_lowercase()
        });
        return;
    }
    if is_invisible(c) {
        return;
    }
    // Kana, kanji and hangul have no case and no Latin lookalikes.
    if ('\u{3040}'..'\u{A640}').contains(&c) || ('\u{AC00}'..'\u{D7A4}').contains(&c) {
        emit(c);
        return;
    }
    if let Some(a) = latin_lookalike(c) {
        emit(a as char);
        return;
    }
    for l in c.to_lowercase() {
        emit(latin_lookalike(l).map_or(l, char::from));
    }
}

fn is_ascii_space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0b
}

/// Zero-width, bidi and other invisible formatting characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{E0000}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}')
}

/// The ASCII letter a non-ASCII character imitates, or `-` for dash variants.
fn latin_lookalike(c: char) -> Option<u8> {
    if matches!(
        c,
        '\u{2010}'..='\u{2015}' | '\u{2043}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}'
    ) {
        return Some(b'-');
    }
    // Japanese and everything above has no Latin lookalikes that NFKC leaves.
    if (c as u32) >= 0x3000 {
        return None;
    }
    let table = lookalike_table();
    table
        .binary_search_by_key(&c, |&(k, _)| k)
        .ok()
        .and_then(|i| table.get(i))
        .map(|&(_, a)| a)
}

/// Non-ASCII letters below U+3000 whose UTS 39 skeleton equals an ASCII letter's.
/// Upper-case letters prefer an upper-case prototype so that `І` → `i`, not `l`.
fn lookalike_table() -> &'static [(char, u8)] {
    static TABLE: OnceLock<Vec<(char, u8)>> = OnceLock::new();
    TABLE.get_or_init(build_lookalike_table)
}

fn build_lookalike_table() -> Vec<(char, u8)> {
    let ascii: Vec<(u8, String)> = (b'A'..=b'Z')
        .chain(b'a'..=b'z')
        .map(|b| (b, skeleton_of(b as char)))
        .collect();
    let mut table = Vec::new();
    for c in ('\u{80}'..'\u{3000}').filter(|c| c.is_alphabetic()) {
        let sk = skeleton_of(c);
        let same_case = |&&(b, ref s): &&(u8, String)| {
            s == &sk && (b as char).is_uppercase() == c.is_uppercase()
        };
        let hit = ascii
            .iter()
            .find(same_case)
            .or_else(|| ascii.iter().find(|(_, s)| s == &sk));
        if let Some(&(b, _)) = hit {
            table.push((c, b.to_ascii_lowercase()));
        }
    }
    table
}

fn skeleton_of(c: char) -> String {
    let mut buf = [0u8; 4];
    unicode_security::skeleton(c.encode_utf8(&mut buf)).collect()
}

/// Text made safe to show on one line (terminal, report summary): whitespace collapsed,
/// control, bidi and zero-width characters dropped, so hostile text cannot drive the display.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else if !c.is_control() && !is_bidi_or_invisible(c) {
            out.push(c);
            space = false;
        }
    }
    out.trim_end().to_string()
}

fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        NormalizedText::new(s).text
    }

    #[test]
    fn cyrillic_and_greek_lookalikes_become_latin() {
        assert_eq!(norm("\u{0410}mazon"), "amazon");
        assert_eq!(norm("аmаzоn"), "amazon");
        assert_eq!(norm("АМАΖОN"), "amazon");
        assert_eq!(norm("раураl"), "paypal");
        assert_eq!(norm("ВЕКМНОРСТХ"), "bekmhopctx");
        assert_eq!(norm("αον"), "aov");
        assert_eq!(norm("\u{0406}D"), "id");
    }

    #[test]
    fn full_width_and_half_width_kana() {
        assert_eq!(norm("ＡＭＡＺＯＮ"), "amazon");
        assert_eq!(norm("ｱﾏｿﾞﾝ"), "アマゾン");
        assert_eq!(norm("ﾊﾟｽﾜｰﾄﾞ"), "パスワード");
        assert_eq!(norm("１２３－４５６７"), "123-4567");
        assert_eq!(norm("ご注文"), "ご注文");
    }

    #[test]
    fn invisible_characters_are_removed() {
        assert_eq!(norm("pass\u{200B}word"), "password");
        assert_eq!(norm("a\u{202E}b\u{FEFF}c\u{00AD}d\u{FE0F}"), "abcd");
        assert_eq!(norm("\u{200B}"), "");
    }

    #[test]
    fn whitespace_runs_collapse() {
        assert_eq!(norm("a \t\n\u{3000}\u{00A0} b"), "a b");
        assert_eq!(norm("a \u{200B} b"), "a b");
        assert_eq!(norm("Hello\r\n\r\nWorld"), "hello world");
    }

    #[test]
    fn combining_marks_compose_with_their_base() {
        assert_eq!(norm("e\u{301}"), "é");
        assert_eq!(norm("カ\u{3099}"), "ガ");
    }

    #[test]
    fn dash_variants_become_hyphen() {
        assert_eq!(norm("123\u{2010}456\u{2212}7"), "123-456-7");
        assert_eq!(norm("ー"), "ー");
    }

    #[test]
    fn spans_map_back_through_multibyte_chars() {
        let orig = "ご注文 ＡＭＡＺＯＮ\u{200B}  ｱﾏｿﾞﾝ end";
        let n = NormalizedText::new(orig);
        assert_eq!(n.text, "ご注文 amazon アマゾン end");
        let find = |needle: &str| {
            let s = n.text.find(needle).unwrap_or(0);
            let o = n.to_original(Span::new(s, s + needle.len()));
            &orig[o.start..o.end]
        };
        assert_eq!(find("amazon"), "ＡＭＡＺＯＮ");
        assert_eq!(find("アマゾン"), "ｱﾏｿﾞﾝ");
        assert_eq!(find("ゾ"), "ｿﾞ");
        assert_eq!(find("注文"), "注文");
        assert_eq!(find("end"), "end");
        assert_eq!(n.origin_len(), orig.len());
    }

    #[test]
    fn out_of_range_spans_are_clamped() {
        let n = NormalizedText::new("abc");
        assert_eq!(n.to_original(Span::new(10, 20)), Span::new(3, 3));
        assert_eq!(n.to_original(Span::new(2, 1)), Span::new(2, 2));
        assert_eq!(n.to_original(Span::new(1, 99)), Span::new(1, 3));
        let empty = NormalizedText::new("");
        assert_eq!(empty.to_original(Span::new(0, 5)), Span::new(0, 0));
    }

    #[test]
    fn normalize_str_matches_text() {
        assert_eq!(normalize_str("Ａｍａｚｏｎ.co.jp"), "amazon.co.jp");
        assert_eq!(normalize_str("  "), " ");
    }

    #[test]
    fn ascii_text_maps_identically() {
        let n = NormalizedText::new("Hello World");
        assert_eq!(n.text, "hello world");
        assert_eq!(n.to_original(Span::new(6, 11)), Span::new(6, 11));
    }

    /// The implementation before the fast paths for ASCII and stable runs, kept to check
    /// that they change nothing.
    mod reference {
        use super::super::{
            canonical_combining_class, is_ascii_space, is_invisible, latin_lookalike, IsNormalized,
            UnicodeNormalization,
        };
        use unicode_normalization::is_nfkc_quick;

        #[derive(Default)]
        pub struct Builder {
            pub text: String,
            pub origin: Vec<u32>,
            pub ends: Vec<u32>,
            last_space: bool,
        }

        pub fn normalize(s: &str) -> Builder {
            let mut out = Builder::default();
            run(s, &mut out);
            out.origin.push(s.len() as u32);
            out
        }

        impl Builder {
            fn push(&mut self, c: char, start: usize, end: usize) {
                if c.is_whitespace() {
                    self.push_space(start, end);
                    return;
                }
                self.last_space = false;
                self.text.push(c);
                for _ in 0..c.len_utf8() {
                    self.origin.push(start as u32);
                    self.ends.push(end as u32);
                }
            }

            fn push_ascii_run(&mut self, run: &str, base: usize) {
                let bytes = run.as_bytes();
                let mut i = 0;
                while i < bytes.len() {
                    let word_end = bytes[i..]
                        .iter()
                        .position(|&b| is_ascii_space(b))
                        .map_or(bytes.len(), |p| i + p);
                    if word_end > i {
                        self.push_ascii_word(&run[i..word_end], base + i);
                        i = word_end;
                    } else {
                        self.push_space(base + i, base + i + 1);
                        i += 1;
                    }
                }
            }

            fn push_ascii_word(&mut self, word: &str, base: usize) {
                self.last_space = false;
                let start = self.text.len();
                self.text.push_str(word);
                self.text[start..].make_ascii_lowercase();
                let (lo, hi) = (base as u32, (base + word.len()) as u32);
                self.origin.extend(lo..hi);
                self.ends.extend(lo + 1..hi + 1);
            }

            fn push_space(&mut self, start: usize, end: usize) {
                if self.last_space {
                    if let Some(last) = self.ends.last_mut() {
                        *last = (*last).max(end as u32);
                    }
                    return;
                }
                self.last_space = true;
                self.text.push(' ');
                self.origin.push(start as u32);
                self.ends.push(end as u32);
            }
        }

        fn run(s: &str, out: &mut Builder) {
            let bytes = s.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                let run_end = bytes[i..]
                    .iter()
                    .position(|b| !b.is_ascii())
                    .map_or(bytes.len(), |p| i + p);
                let bulk_end = if run_end < bytes.len() {
                    run_end.saturating_sub(1)
                } else {
                    run_end
                };
                if bulk_end > i {
                    out.push_ascii_run(&s[i..bulk_end], i);
                    i = bulk_end;
                    continue;
                }
                i = push_segment(s, i, out);
            }
        }

        fn push_segment(s: &str, start: usize, out: &mut Builder) -> usize {
            let end = segment_end(s, start);
            let seg = s.get(start..end).unwrap_or("");
            if let Some(c) = single_nfkc_char(seg) {
                push_mapped(c, start, end, out);
                return end;
            }
            if seg.chars().all(is_invisible) {
                return end;
            }
            for c in seg.chars().filter(|&c| !is_invisible(c)).nfkc() {
                push_mapped(c, start, end, out);
            }
            end
        }

        fn single_nfkc_char(seg: &str) -> Option<char> {
            let mut chars = seg.chars();
            let c = chars.next()?;
            let stable =
                chars.next().is_none() && is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes;
            stable.then_some(c)
        }

        fn segment_end(s: &str, start: usize) -> usize {
            let mut chars = s[start..].char_indices();
            let first_len = chars.next().map_or(1, |(_, c)| c.len_utf8());
            let mut end = start + first_len;
            for (off, c) in chars {
                if !continues_segment(c) {
                    break;
                }
                end = start + off + c.len_utf8();
            }
            end
        }

        fn continues_segment(c: char) -> bool {
            !c.is_ascii()
                && (canonical_combining_class(c) != 0
                    || matches!(c, '\u{FF9E}' | '\u{FF9F}' | '\u{3099}' | '\u{309A}')
                    || ('\u{1160}'..='\u{11FF}').contains(&c))
        }

        fn push_mapped(c: char, start: usize, end: usize, out: &mut Builder) {
            if c.is_ascii() {
                if is_ascii_space(c as u8) {
                    out.push_space(start, end);
                } else {
                    out.push(c.to_ascii_lowercase(), start, end);
                }
                return;
            }
            if is_invisible(c) {
                return;
            }
            if ('\u{3040}'..'\u{A640}').contains(&c) || ('\u{AC00}'..'\u{D7A4}').contains(&c) {
                out.push(c, start, end);
                return;
            }
            if let Some(a) = latin_lookalike(c) {
                out.push(a as char, start, end);
                return;
            }
            for l in c.to_lowercase() {
                let mapped = latin_lookalike(l).map_or(l, char::from);
                out.push(mapped, start, end);
            }
        }
    }

    fn assert_same_as_reference(s: &str) {
        let new = NormalizedText::new(s);
        let old = reference::normalize(s);
        assert_eq!(new.text, old.text, "text of {s:?}");
        let origins: Vec<u32> = (0..=new.text.len())
            .map(|i| new.origin_at(i) as u32)
            .collect();
        let ends: Vec<u32> = (0..new.text.len()).map(|i| new.end_at(i) as u32).collect();
        assert_eq!(origins, old.origin, "origin of {s:?}");
        assert_eq!(ends, old.ends, "ends of {s:?}");
        assert_eq!(normalize_str(s), old.text, "normalize_str of {s:?}");
    }

    #[test]
    fn stable_chars_map_as_before() {
        let stable = (0x2000u32..0xA000).filter_map(char::from_u32).filter(|c| {
            let mut buf = [0u8; 4];
            is_stable_char(c.encode_utf8(&mut buf).as_bytes())
        });
        for c in stable {
            for s in [
                format!("{c}"),
                format!("a{c}{c}b"),
                format!("{c}\u{3099} {c}\u{301}"),
            ] {
                assert_same_as_reference(&s);
            }
        }
    }

    #[test]
    fn lone_chars_map_as_before() {
        let lone = LONE_LOW.chain(LONE_HIGH).filter_map(char::from_u32);
        for c in lone {
            assert!(
                lone_chars().get(c).is_some(),
                "U+{:04X} has an entry",
                c as u32
            );
            for s in [
                format!("{c}"),
                format!("x{c}y"),
                format!(" {c}{c} "),
                format!("{c}\u{301}"),
            ] {
                assert_same_as_reference(&s);
            }
        }
        assert_eq!(lone_chars().get('\u{3400}'), None);
        assert_eq!(lone_chars().get('\u{1F600}'), None);
    }

    #[test]
    fn ascii_before_a_combining_mark_composes() {
        assert_eq!(norm("cafe\u{301} ok"), "café ok");
        assert_eq!(norm("abc\u{00A0}def"), "abc def");
        assert_same_as_reference("long ascii run before\u{301} and after");
    }

    #[test]
    fn edge_cases_map_as_before() {
        for s in [
            "",
            " ",
            "  a",
            "a  ",
            "\t\nA\r\n",
            "A B\tC  D \n E",
            "x\u{1}y\u{1c} z",
            "ab\u{301}",
            "注文\u{3099}",
            "カ\u{3099}キ",
            "ｶﾞ日本",
            "日本 \u{3000} 語",
            "é 日本",
            "日\u{200B}本",
            "ア\u{FF9E}",
            "、。「」ー",
            "\u{3099}",
            "ﾞ日",
            "日\u{115F}\u{1160}",
        ] {
            assert_same_as_reference(s);
        }
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            #[test]
            fn to_original_is_total_and_on_boundaries(
                s in "(?s)(\\PC|[\u{200B}-\u{200F}\u{FF61}-\u{FF9F}\u{0300}-\u{036F}\u{3099}\t\n ])*",
                a in 0usize..400,
                b in 0usize..400,
            ) {
                let n = NormalizedText::new(&s);
                let o = n.to_original(Span::new(a, b));
                prop_assert!(o.start <= o.end && o.end <= s.len());
                prop_assert!(s.is_char_boundary(o.start) && s.is_char_boundary(o.end));
                prop_assert_eq!(normalize_str(&s), n.text.clone());
            }

            #[test]
            fn same_as_reference(
                s in "(?s)(\\PC|[a-zA-Z \t\n\r\u{0B}\u{0C}\u{1C}\u{01}\u{A0}\u{3000}]|[\u{3000}-\u{30FF}\u{4E00}-\u{4E0F}\u{9FF0}-\u{9FFF}\u{FF61}-\u{FF9F}]|[\u{0300}-\u{036F}\u{3099}-\u{309C}\u{1160}-\u{1170}]|[\u{200B}-\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}\u{FEFF}\u{AD}]|[\u{0410}-\u{044F}\u{0391}-\u{03C9}\u{2010}-\u{2015}\u{FF01}-\u{FF5E}]|[\u{80}-\u{24F}\u{3164}\u{FE00}-\u{FFEF}])*",
            ) {
                super::assert_same_as_reference(&s);
            }

            #[test]
            fn origin_is_monotone(s in "\\PC*") {
                let n = NormalizedText::new(&s);
                let origins: Vec<usize> = (0..=n.text.len()).map(|i| n.origin_at(i)).collect();
                let ends: Vec<usize> = (0..n.text.len()).map(|i| n.end_at(i)).collect();
                prop_assert!(origins.windows(2).all(|w| w[0] <= w[1]));
                prop_assert!(ends.windows(2).all(|w| w[0] <= w[1]));
            }
        }
    }
}
