//! Order numbers, tracking numbers and phone numbers.

use std::ops::RangeInclusive;

use regex::Regex;

use super::context::{near, Cue, Hits};
use super::windows::{any_run, find_in, windows, ByteSet, Reach};
use super::{
    ascii_bounded, dedup_overlapping, number_ends, number_starts, overlaps, re, Carrier, Found,
    Tracking, MAX_PER_KIND,
};
use crate::message::Span;

const ORDER_REACH: Reach = Reach {
    seed: any_run,
    core: ByteSet::digits_and(false, b"d -"),
    before: 0,
    after: 0,
    min_digits: 16,
};
/// Shaped numbers hold nine digits or more in a row, or start "1z".
const SHAPED_REACH: Reach = Reach {
    seed: |bytes, run| run.len() >= 9 || bytes.get(run.end) == Some(&b'z'),
    core: ByteSet::digits_and(true, b""),
    before: 0,
    after: 0,
    min_digits: 1,
};
/// Only numbers of 10 or more digits are classified as tracking numbers.
const DIGITS_REACH: Reach = Reach {
    seed: any_run,
    core: ByteSet::digits_and(false, b" -"),
    before: 0,
    after: 0,
    min_digits: 10,
};
/// Phones are kept with 8 or more digits.
const PHONE_REACH: Reach = Reach {
    seed: any_run,
    core: ByteSet::digits_and(false, b" -()+"),
    before: 0,
    after: 0,
    min_digits: 8,
};
const PLAIN_PHONE_REACH: Reach = Reach {
    seed: any_run,
    core: ByteSet::digits_and(false, b""),
    before: 0,
    after: 0,
    min_digits: 10,
};

#[derive(Debug)]
pub(super) struct Numbers {
    order: Regex,
    /// Tracking numbers with a recognisable shape: `tba…`, `1z…`, UPU S10 (`ab123456789jp`).
    shaped: Regex,
    /// Digit runs, possibly grouped with dashes or spaces ("1234-5678-9012").
    digits: Regex,
    phone_jp: Regex,
    phone_jp_plain: Regex,
    phone_intl: Regex,
    phone_us: Regex,
}

impl Numbers {
    pub fn new() -> Self {
        Numbers {
            order: re(r"(?:d01|[0-9]{3}) ?- ?[0-9]{7} ?- ?[0-9]{7}"),
            shaped: re(r"tba[0-9]{12}|1z[0-9a-z]{16}|[a-z]{2}[0-9]{9}[a-z]{2}"),
            digits: re(
                r"[0-9]{2,4}(?:-[0-9]{3,4}){1,5}|[0-9]{4}(?: [0-9]{4}){1,5}(?: [0-9]{2,3})?|[0-9]{10,22}",
            ),
            phone_jp: re(
                r"\(0[0-9]{1,4}\) ?[0-9]{1,4}-[0-9]{4}|0[0-9]{1,4}\([0-9]{1,4}\)[0-9]{4}|0[0-9]{1,4}[- ][0-9]{1,4}[- ][0-9]{3,4}",
            ),
            phone_jp_plain: re(r"0[0-9]{9,10}"),
            phone_intl: re(r"\+[0-9]{1,3}(?:[ -]?\(?[0-9]{1,4}\)?)(?:[ -]?[0-9]{1,4}){1,5}"),
            phone_us: re(
                r"(?:1-)?\([2-9][0-9]{2}\) ?[0-9]{3}-[0-9]{4}|(?:1-)?[2-9][0-9]{2}-[0-9]{3}-[0-9]{4}",
            ),
        }
    }

    /// `digits` are the text's digit runs.
    #[inline(never)]
    pub fn orders(&self, text: &str, digits: &[Span]) -> Vec<Found> {
        let mut out = Vec::new();
        let windows = windows(text, digits, &ORDER_REACH);
        for span in find_in(&self.order, text, &windows) {
            if !number_starts(text, span.start) || !number_ends(text, span.end) {
                continue;
            }
            let written = text.get(span.start..span.end).unwrap_or_default();
            let value: String = written.chars().filter(|c| *c != ' ').collect();
            out.push(Found {
                value: value.to_ascii_uppercase(),
                span,
            });
            if out.len() >= MAX_PER_KIND {
                break;
            }
        }
        out
    }

    #[inline(never)]
    pub fn tracking(
        &self,
        text: &str,
        digits: &[Span],
        hits: &Hits<'_>,
        orders: &[Found],
    ) -> Vec<Tracking> {
        let taken: Vec<Span> = orders.iter().map(|f| f.span).collect();
        let mut out = Vec::new();
        let shaped_windows = windows(text, digits, &SHAPED_REACH);
        for span in find_in(&self.shaped, text, &shaped_windows) {
            if !ascii_bounded(text, span.start, span.end) {
                continue;
            }
            let written = text.get(span.start..span.end).unwrap_or_default();
            if let Some(t) = classify_shaped(written, span, hits) {
                out.push(t);
            }
        }
        let digit_windows = windows(text, digits, &DIGITS_REACH);
        for span in find_in(&self.digits, text, &digit_windows) {
            if overlaps(&taken, span)
                || !number_starts(text, span.start)
                || !number_ends(text, span.end)
            {
                continue;
            }
            let written = text.get(span.start..span.end).unwrap_or_default();
            if let Some(t) = classify_digits(written, span, hits) {
                out.push(t);
            }
            if out.len() >= MAX_PER_KIND * 2 {
                break;
            }
        }
        dedup_overlapping(out, |t| t.span)
    }

    /// The phone patterns with separators: each with the digit count a phone has, and a
    /// byte that every match holds.
    fn shaped_phones(&self) -> [(&Regex, RangeInclusive<usize>, Option<u8>); 3] {
        [
            (&self.phone_jp, 10..=11, None),
            (&self.phone_intl, 8..=15, Some(b'+')),
            (&self.phone_us, 10..=11, Some(b'-')),
        ]
    }

    #[inline(never)]
    pub fn phones(
        &self,
        text: &str,
        digits: &[Span],
        hits: &Hits<'_>,
        taken: &[Span],
    ) -> Vec<Found> {
        let mut out = Vec::new();
        let phone_windows = windows(text, digits, &PHONE_REACH);
        for (pattern, digit_range, needs) in self.shaped_phones() {
            // A window with too few digits, or without the byte, holds only matches that
            // would be dropped.
            let windows: Vec<Span> = phone_windows
                .iter()
                .filter(|w| could_hold(text, **w, *digit_range.start(), needs))
                .copied()
                .collect();
            kept_phones(text, pattern, &windows, digit_range, taken, &mut out);
        }
        let plain_windows = windows(text, digits, &PLAIN_PHONE_REACH);
        for span in find_in(&self.phone_jp_plain, text, &plain_windows) {
            let written = text.get(span.start..span.end).unwrap_or_default();
            let mobile = is_mobile(written);
            let labelled = || !near(hits, span, |c| c == Cue::PhoneLabel).is_empty();
            let ok = phone_bounded(text, span) && !overlaps(taken, span) && (mobile || labelled());
            if ok {
                out.push(found(written, span));
            }
        }
        dedup_overlapping(out, |f| f.span)
    }
}

/// Matches of `pattern` in `windows` that are phones of `digit_range` digits.
fn kept_phones(
    text: &str,
    pattern: &Regex,
    windows: &[Span],
    digit_range: RangeInclusive<usize>,
    taken: &[Span],
    out: &mut Vec<Found>,
) {
    for span in find_in(pattern, text, windows) {
        let written = text.get(span.start..span.end).unwrap_or_default();
        let value = written.trim_end_matches([' ', '-']);
        let span = Span::new(span.start, span.start + value.len());
        let ok = digit_range.contains(&digit_count(value))
            && phone_bounded(text, span)
            && consistent_separators(value)
            && !overlaps(taken, span);
        if ok {
            out.push(found(value, span));
        }
    }
}

/// Whether `window` holds at least `digits` digits and, if given, the byte `needs`.
fn could_hold(text: &str, window: Span, digits: usize, needs: Option<u8>) -> bool {
    let bytes = text
        .as_bytes()
        .get(window.start..window.end)
        .unwrap_or_default();
    bytes.iter().filter(|b| b.is_ascii_digit()).count() >= digits
        && needs.is_none_or(|n| bytes.contains(&n))
}

fn found(value: &str, span: Span) -> Found {
    Found {
        value: value.to_string(),
        span,
    }
}

fn digit_count(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_digit).count()
}

fn phone_bounded(text: &str, span: Span) -> bool {
    let first = text.as_bytes().get(span.start).copied();
    let starts = if first == Some(b'+') || first == Some(b'(') {
        !super::is_alnum(super::byte_before(text, span.start))
    } else {
        number_starts(text, span.start)
    };
    starts && number_ends(text, span.end)
}

/// "03-1234-5678" and "03 1234 5678", not "03-1234 5678".
fn consistent_separators(value: &str) -> bool {
    if value.starts_with('+') {
        return true;
    }
    !(value.contains('-') && value.contains(' ') && !value.contains('('))
}

/// Japanese mobile and IP-phone numbers: 070, 080, 090, 050 followed by 8 digits.
fn is_mobile(s: &str) -> bool {
    s.len() == 11 && matches!(s.get(..3), Some("070" | "080" | "090" | "050"))
}

fn classify_shaped(s: &str, span: Span, hits: &Hits<'_>) -> Option<Tracking> {
    let carrier = if s.starts_with("tba") {
        Carrier::AmazonLogistics
    } else if s.starts_with("1z") {
        Carrier::Ups
    } else if s.ends_with("jp") {
        Carrier::JapanPost
    } else if s.ends_with("us") {
        Carrier::Usps
    } else if labelled_tracking(hits, span) {
        Carrier::Unknown
    } else {
        return None;
    };
    Some(Tracking {
        number: s.to_ascii_uppercase(),
        carrier,
        span,
    })
}

/// Try the whole digit group run, then shorter prefixes of its groups: a space-grouped
/// number may run into an unrelated one ("1234 5678 9012 2024"). A prefix that fits a
/// carrier beats the whole run labelled only "tracking".
fn classify_digits(s: &str, span: Span, hits: &Hits<'_>) -> Option<Tracking> {
    let cuts: Vec<usize> = s
        .char_indices()
        .filter(|(_, c)| *c == ' ' || *c == '-')
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect();
    let mut fallback = None;
    for &cut in cuts.iter().rev() {
        let part = s.get(..cut)?;
        let part_span = Span::new(span.start, span.start + cut);
        match classify_number(part, part_span, hits) {
            Some(t) if t.carrier != Carrier::Unknown => return Some(t),
            Some(t) if fallback.is_none() => fallback = Some(t),
            _ => {}
        }
    }
    fallback
}

fn classify_number(s: &str, span: Span, hits: &Hits<'_>) -> Option<Tracking> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    if !(10..=22).contains(&n) {
        return None;
    }
    let labelled = labelled_tracking(hits, span);
    if looks_like_phone(s) && !labelled {
        return None;
    }
    let by_context = near(hits, span, |c| matches!(c, Cue::Carrier(_)))
        .into_iter()
        .find_map(|h| match h.cue {
            Cue::Carrier(c) if carrier_fits(c, n) => Some(c),
            _ => None,
        });
    let usps_shape =
        (20..=22).contains(&n) && matches!(digits.get(..2), Some("92" | "93" | "94" | "95"));
    let carrier = match by_context {
        Some(c) => c,
        None if usps_shape => Carrier::Usps,
        None if labelled => Carrier::Unknown,
        None => return None,
    };
    Some(Tracking {
        number: digits,
        carrier,
        span,
    })
}

fn carrier_fits(carrier: Carrier, digits: usize) -> bool {
    match carrier {
        Carrier::Yamato | Carrier::Sagawa => digits == 12,
        Carrier::JapanPost => (11..=13).contains(&digits),
        Carrier::Fedex => digits == 12 || digits == 15,
        Carrier::Dhl => digits == 10,
        Carrier::Usps => (20..=22).contains(&digits),
        Carrier::AmazonLogistics | Carrier::Ups | Carrier::Unknown => false,
    }
}

fn labelled_tracking(hits: &Hits<'_>, span: Span) -> bool {
    !near(hits, span, |c| c == Cue::TrackingLabel).is_empty()
}

/// "090-1234-5678", "03-1234-5678": a dashed 10–11 digit number starting with 0.
fn looks_like_phone(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    s.starts_with('0')
        && groups.len() == 3
        && (10..=11).contains(&digit_count(s))
        && groups.iter().all(|g| !g.is_empty() && g.len() <= 5)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::facts::tests::token_text;
    use crate::facts::windows::digit_runs;

    const TOKENS: &[&str] = &[
        "0", "03", "090", "1", "123", "1234", "5678", "212", "+", "+81", "(", ")", "-", " ", "1-",
        "x", ".",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn skipped_phone_windows_hold_no_phone(text in token_text(TOKENS, 24)) {
            static SHARED: std::sync::OnceLock<Numbers> = std::sync::OnceLock::new();
            let numbers = SHARED.get_or_init(Numbers::new);
            let all = windows(&text, &digit_runs(&text), &PHONE_REACH);
            for (pattern, digit_range, needs) in numbers.shaped_phones() {
                let kept: Vec<Span> = all
                    .iter()
                    .filter(|w| could_hold(&text, **w, *digit_range.start(), needs))
                    .copied()
                    .collect();
                let (mut from_all, mut from_kept) = (Vec::new(), Vec::new());
                kept_phones(&text, pattern, &all, digit_range.clone(), &[], &mut from_all);
                kept_phones(&text, pattern, &kept, digit_range, &[], &mut from_kept);
                prop_assert_eq!(from_kept, from_all);
            }
        }
    }
}
