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

/// Bytes below `limit` (at most 0x80).
#[inline(always)]
pub(super) fn below(x: u64, limit: u8) -> u64 {
    !(((x & LOW_SEVEN) + ONES * u64::from(0x80 - limit)) | x) & HIGH
}

/// The offset of the first flagged byte.
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
            }
        }

        #[test]
        fn finds_like_memchr(hay in proptest::collection::vec(0u8..6, 0..40), a in 0u8..6, b in 0u8..6) {
            proptest::prop_assert_eq!(find(a, &hay), memchr::memchr(a, &hay));
            proptest::prop_assert_eq!(find2(a, b, &hay), memchr::memchr2(a, b, &hay));
        }
    }
}
