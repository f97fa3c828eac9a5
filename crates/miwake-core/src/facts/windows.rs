//! Candidate windows. Most fact patterns can only match next to a digit, and digits are a
//! few percent of a message, so those patterns run on small windows around the digits
//! instead of the whole text.
//!
//! A window is exact, not a heuristic: it holds every byte that any match touching its
//! digits could use, and windows are merged where they overlap. So a pattern without
//! look-around finds the same matches, in the same order, as over the whole text.

use regex::{Captures, Regex};

use crate::message::Span;

/// Where a pattern's matches can lie around the digits they contain: in a run of `core`
/// bytes (ASCII only) around a digit run accepted by `seed`, widened by at most `before` /
/// `after` bytes of anything else. Every match must hold a digit run that `seed` accepts.
pub(super) struct Reach {
    pub seed: fn(&[u8], Span) -> bool,
    pub core: ByteSet,
    pub before: usize,
    pub after: usize,
    /// Windows with fewer digits cannot hold a match the caller would keep.
    pub min_digits: usize,
}

/// A set of bytes, looked up by table: widening a window tests every byte it covers.
pub(super) struct ByteSet([bool; 256]);

impl ByteSet {
    pub const NONE: ByteSet = ByteSet([false; 256]);

    /// ASCII digits, lowercase letters when `lowercase`, and `extra`.
    pub const fn digits_and(lowercase: bool, extra: &[u8]) -> ByteSet {
        let mut set = [false; 256];
        let mut b: u8 = 0;
        while b < 128 {
            set[b as usize] = b.is_ascii_digit() || (lowercase && b.is_ascii_lowercase());
            b += 1;
        }
        let mut i = 0;
        while i < extra.len() {
            set[extra[i] as usize] = true;
            i += 1;
        }
        ByteSet(set)
    }

    /// The first bytes of `words`, or their last bytes when `last`.
    pub const fn edges(words: &[&str], last: bool) -> ByteSet {
        let mut set = [false; 256];
        let mut i = 0;
        while i < words.len() {
            let word = words[i].as_bytes();
            if !word.is_empty() {
                let b = if last { word[word.len() - 1] } else { word[0] };
                set[b as usize] = true;
            }
            i += 1;
        }
        ByteSet(set)
    }

    pub fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b)]
    }
}

/// Any digit run.
pub(super) fn any_run(_: &[u8], _: Span) -> bool {
    true
}

/// Maximal runs of ASCII digits, in order; found once per text.
pub(super) fn digit_runs(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut from = 0;
    while let Some(start) = next_digit(bytes, from) {
        let len = bytes
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        runs.push(Span::new(start, start + len));
        from = start + len;
    }
    runs
}

/// Tests sixteen bytes at a time: a byte-by-byte search costs several instructions per
/// byte, and digits are rare.
fn next_digit(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut blocks = rest.chunks_exact(16);
    let mut offset = from;
    for block in &mut blocks {
        let (low, high) = block.split_at(8);
        if has_digit(word(low)) || has_digit(word(high)) {
            return block
                .iter()
                .position(u8::is_ascii_digit)
                .map(|p| offset + p);
        }
        offset += 16;
    }
    let tail = bytes.get(offset..)?;
    tail.iter().position(u8::is_ascii_digit).map(|p| offset + p)
}

/// Eight bytes as one little-endian word (zero bytes, which hold no digit, if fewer).
fn word(bytes: &[u8]) -> u64 {
    let mut array = [0u8; 8];
    let n = bytes.len().min(8);
    array[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(array)
}

/// Whether a byte of `word` is an ASCII digit: for each byte below 0x80 (`!word`), sets
/// the high bit where its low seven bits are at most 0x39 and at least 0x30.
fn has_digit(word: u64) -> bool {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES * 0x80;
    let low = word & (ONES * 0x7f);
    let at_most_9 = (ONES * (0x7f + 0x3a)).wrapping_sub(low);
    let at_least_0 = low.wrapping_add(ONES * (0x7f - 0x2f));
    at_most_9 & at_least_0 & !word & HIGH != 0
}

/// The merged windows around `runs` (digit runs of `text`) for a pattern with `reach`.
pub(super) fn windows(text: &str, runs: &[Span], reach: &Reach) -> Vec<Span> {
    if reach.before == 0 && reach.after == 0 {
        core_runs(text, runs, reach)
    } else {
        merged_windows(text, runs, reach)
    }
}

/// [`windows`] in general: each seed run's core run, widened by the margins, merged
/// where they overlap.
fn merged_windows(text: &str, runs: &[Span], reach: &Reach) -> Vec<Span> {
    let bytes = text.as_bytes();
    // Every window holds a seed run, so only a minimum above one digit needs counting.
    let counting = reach.min_digits > 1;
    let mut merged: Vec<Span> = Vec::new();
    let mut digits: Vec<usize> = Vec::new();
    let mut core_end = 0;
    for (index, run) in runs.iter().enumerate() {
        if run.start < core_end {
            // Inside the core run already widened: its window is the previous one.
            if let Some(last) = digits.last_mut() {
                *last += run.len();
            }
            continue;
        }
        if !(reach.seed)(bytes, *run) {
            continue;
        }
        let core_start = run.start
            - bytes[..run.start]
                .iter()
                .rev()
                .take_while(|b| reach.core.contains(**b))
                .count();
        core_end = run.end
            + bytes[run.end..]
                .iter()
                .take_while(|b| reach.core.contains(**b))
                .count();
        let span = Span::new(
            floor_boundary(text, core_start.saturating_sub(reach.before)),
            ceil_boundary(text, core_end.saturating_add(reach.after)),
        );
        match merged.last_mut() {
            Some(last) if span.start <= last.end => {
                last.end = last.end.max(span.end);
                if let Some(count) = digits.last_mut() {
                    *count += run.len();
                }
            }
            _ => {
                if merged.is_empty() {
                    // Sized at the first window, not before: most texts give no window for
                    // most patterns, and growing one window at a time cost more than the search.
                    merged.reserve(runs.len() - index);
                    if counting {
                        digits.reserve(runs.len() - index);
                    }
                }
                merged.push(span);
                if counting {
                    digits.push(run.len());
                }
            }
        }
    }
    if counting {
        let mut counts = digits.into_iter();
        merged.retain(|_| counts.next().is_some_and(|n| n >= reach.min_digits));
    }
    merged
}

/// [`windows`] for a reach without margins: each window is the core run around a seed
/// run. Two never merge, since the byte that ends one core run is not a core byte and
/// the next core run starts after it; so a window's digits can be counted, and the window
/// dropped, before its start is even looked for. Core bytes are ASCII, so the windows lie
/// on character boundaries.
fn core_runs(text: &str, runs: &[Span], reach: &Reach) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut out: Vec<Span> = Vec::new();
    let mut index = 0;
    while let Some(run) = runs.get(index) {
        index += 1;
        if !(reach.seed)(bytes, *run) {
            continue;
        }
        let core_end = run.end + core_len(bytes.get(run.end..), reach);
        let mut digits = run.len();
        while let Some(inside) = runs.get(index).filter(|r| r.start < core_end) {
            digits += inside.len();
            index += 1;
        }
        if digits < reach.min_digits {
            continue;
        }
        let before = bytes.get(..run.start).unwrap_or_default();
        let core_start = run.start
            - before
                .iter()
                .rev()
                .take_while(|b| reach.core.contains(**b))
                .count();
        if out.is_empty() {
            out.reserve(runs.len() - index + 1);
        }
        out.push(Span::new(core_start, core_end));
    }
    out
}

/// How many core bytes `rest` starts with.
fn core_len(rest: Option<&[u8]>, reach: &Reach) -> usize {
    rest.unwrap_or_default()
        .iter()
        .take_while(|b| reach.core.contains(**b))
        .count()
}

fn floor_boundary(text: &str, pos: usize) -> usize {
    let mut i = pos.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, pos: usize) -> usize {
    let mut i = pos.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// `re.find_iter` over each window, as spans of the whole text.
pub(super) fn find_in<'a>(
    re: &'a Regex,
    text: &'a str,
    windows: &'a [Span],
) -> impl Iterator<Item = Span> + 'a {
    windows.iter().flat_map(move |w| {
        let hay = text.get(w.start..w.end).unwrap_or_default();
        re.find_iter(hay)
            .map(move |m| Span::new(w.start + m.start(), w.start + m.end()))
    })
}

/// `re.captures_iter` over each window, with the window's offset in the whole text.
pub(super) fn captures_in<'a>(
    re: &'a Regex,
    text: &'a str,
    windows: &'a [Span],
) -> impl Iterator<Item = (usize, Captures<'a>)> + 'a {
    windows.iter().flat_map(move |w| {
        let hay = text.get(w.start..w.end).unwrap_or_default();
        re.captures_iter(hay).map(move |c| (w.start, c))
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::facts::tests::token_text;

    fn long_run(_: &[u8], run: Span) -> bool {
        run.len() >= 3
    }

    fn before_z(bytes: &[u8], run: Span) -> bool {
        bytes.get(run.end) == Some(&b'z')
    }

    /// Reaches without margins, as the fact patterns use them.
    const CORE_REACHES: [Reach; 4] = [
        Reach {
            seed: any_run,
            core: ByteSet::digits_and(false, b" -()+"),
            before: 0,
            after: 0,
            min_digits: 8,
        },
        Reach {
            seed: long_run,
            core: ByteSet::digits_and(false, b"d -"),
            before: 0,
            after: 0,
            min_digits: 1,
        },
        Reach {
            seed: before_z,
            core: ByteSet::digits_and(true, b""),
            before: 0,
            after: 0,
            min_digits: 0,
        },
        Reach {
            seed: any_run,
            core: ByteSet::digits_and(false, b"/"),
            before: 0,
            after: 0,
            min_digits: 10,
        },
    ];

    const TOKENS: &[&str] = &[
        "1",
        "23",
        "4567",
        "123456789012",
        " ",
        "-",
        "(",
        ")",
        "+",
        "d",
        "z",
        "a",
        ".",
        "/",
        "円",
        "ア",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn core_runs_are_the_merged_windows_without_margins(text in token_text(TOKENS, 40)) {
            let runs = digit_runs(&text);
            for reach in &CORE_REACHES {
                prop_assert_eq!(core_runs(&text, &runs, reach), merged_windows(&text, &runs, reach));
            }
        }
    }

    #[test]
    fn edges_hold_the_first_or_last_bytes() {
        let firsts = ByteSet::edges(&["円", "usd"], false);
        let lasts = ByteSet::edges(&["円", "usd"], true);
        assert!(firsts.contains(0xe5) && firsts.contains(b'u') && !firsts.contains(b'd'));
        assert!(lasts.contains(0x86) && lasts.contains(b'd') && !lasts.contains(b'u'));
    }

    #[test]
    fn has_digit_agrees_with_a_byte_test_for_every_byte_and_place() {
        for filler in [b'a', b'/', b':', 0x80, 0xff] {
            for b in 0..=255u8 {
                for place in 0..8 {
                    let mut word = [filler; 8];
                    word[place] = b;
                    assert_eq!(
                        has_digit(u64::from_le_bytes(word)),
                        b.is_ascii_digit(),
                        "byte {b:#x} at {place} among {filler:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn digit_runs_match_a_byte_by_byte_scan() {
        let text = "注文 123-4567 ／ abc9 ０１ 2024年12月2日 x 12345678901234567890 end7";
        let bytes = text.as_bytes();
        let mut expected = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                expected.push(Span::new(start, i));
            } else {
                i += 1;
            }
        }
        assert_eq!(digit_runs(text), expected);
    }

    #[test]
    fn windows_merge_and_stay_on_char_boundaries() {
        let reach = Reach {
            seed: any_run,
            core: ByteSet::digits_and(false, b"-"),
            before: 4,
            after: 4,
            min_digits: 1,
        };
        let text = "円12-34円5 ああああ 6";
        let runs = digit_runs(text);
        let found = windows(text, &runs, &reach);
        for w in &found {
            assert!(text.is_char_boundary(w.start) && text.is_char_boundary(w.end));
        }
        assert_eq!(found, [Span::new(0, 16), Span::new(22, 27)]);
    }
}
