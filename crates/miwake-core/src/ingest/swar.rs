//! Byte tests on eight bytes at a time in a `u64` (little-endian: the first byte is the
//! lowest), each giving the high bit of every matching byte. All are exact for every byte:
//! the seven low bits are added without carries between bytes.

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The eight bytes from `at`, if there are eight.
#[inline(always)]
pub(super) fn load(bytes: &[u8], at: usize) -> Option<u64> {
    let word: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(word))
}

#[inline(always)]
pub(super) fn zero(x: u64) -> u64 {
    !(((x & LOW_SEVEN) + LOW_SEVEN) | x) & HIGH
}

#[inline(always)]
pub(super) fn equal(x: u64, b: u8) -> u64 {
    zero(x ^ (ONES * u64::from(b)))
}

/// The bytes from `at` (all of them if fewer than eight), padded with zero bytes; built from
/// overlapping loads instead of a copy, which costs a call for a length only known at run time.
#[inline(always)]
pub(super) fn load_tail(bytes: &[u8], at: usize) -> u64 {
    let rest = bytes.get(at..).unwrap_or_default();
    if let Some(x) = load(rest, 0) {
        return x;
    }
    let len = rest.len();
    let word = |from: usize, size: usize| {
        rest.get(from..from + size).map_or(0, |part| {
            part.iter()
                .rev()
                .fold(0u64, |word, &b| word << 8 | u64::from(b))
        })
    };
    match len {
        4..=7 => word(0, 4) | word(len - 4, 4) << (8 * (len - 4)),
        2..=3 => word(0, 2) | word(len - 2, 2) << (8 * (len - 2)),
        _ => word(0, len),
    }
}

/// Bytes below `limit` (at most 0x80).
#[inline(always)]
pub(super) fn below(x: u64, limit: u8) -> u64 {
    !(((x & LOW_SEVEN) + ONES * u64::from(0x80 - limit)) | x) & HIGH
}

/// ASCII whitespace as HTML has it: space, tab, line feed, form feed, carriage return.
#[inline(always)]
pub(super) fn ascii_whitespace(x: u64) -> u64 {
    let controls = below(x, 0x0e) & !below(x, b'\t') & !equal(x, 0x0b);
    equal(x, b' ') | controls
}

/// The bytes that are not flagged in `flags`.
#[inline(always)]
pub(super) fn others(flags: u64) -> u64 {
    !flags & HIGH
}

/// The offset of the first flagged byte (8 if none is).
#[inline(always)]
pub(super) fn first(flags: u64) -> usize {
    flags.trailing_zeros() as usize / 8
}

/// `memchr`, with the first eight bytes looked at without a call (values and text between
/// tags are often short).
#[inline(always)]
pub(super) fn find(needle: u8, haystack: &[u8]) -> Option<usize> {
    match load(haystack, 0) {
        Some(x) => match equal(x, needle) {
            0 => memchr::memchr(needle, haystack.get(8..)?).map(|at| at + 8),
            flags => Some(first(flags)),
        },
        None => memchr::memchr(needle, haystack),
    }
}

/// `memchr2`, with the first eight bytes looked at without a call.
#[inline(always)]
pub(super) fn find2(a: u8, b: u8, haystack: &[u8]) -> Option<usize> {
    match load(haystack, 0) {
        Some(x) => match equal(x, a) | equal(x, b) {
            0 => memchr::memchr2(a, b, haystack.get(8..)?).map(|at| at + 8),
            flags => Some(first(flags)),
        },
        None => memchr::memchr2(a, b, haystack),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn tests_match_bytewise(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 8), b: u8, limit in 0u8..=0x80) {
            let x = load(&bytes, 0).unwrap_or_default();
            for (k, &byte) in bytes.iter().enumerate() {
                let bit = |flags: u64| flags >> (8 * k + 7) & 1 == 1;
                proptest::prop_assert_eq!(bit(equal(x, b)), byte == b);
                proptest::prop_assert_eq!(bit(below(x, limit)), byte < limit);
                proptest::prop_assert_eq!(bit(ascii_whitespace(x)), byte.is_ascii_whitespace());
            }
        }

        #[test]
        fn tail_loads_pad_with_zeros(bytes in proptest::collection::vec(1u8..=255, 0..12), at in 0usize..14) {
            let mut word = [0; 8];
            for (slot, &b) in word.iter_mut().zip(bytes.iter().skip(at)) {
                *slot = b;
            }
            proptest::prop_assert_eq!(load_tail(&bytes, at), u64::from_le_bytes(word));
        }

        #[test]
        fn finds_like_memchr(hay in proptest::collection::vec(0u8..6, 0..40), a in 0u8..6, b in 0u8..6) {
            proptest::prop_assert_eq!(find(a, &hay), memchr::memchr(a, &hay));
            proptest::prop_assert_eq!(find2(a, b, &hay), memchr::memchr2(a, b, &hay));
        }
    }
}
