//! mail-parser's single-byte charsets (windows-125x, iso-8859-x, koi8), decoded as it decodes
//! them but without its cost.
//!
//! mail-parser 0.11 pushes one `char` per byte into a String reserved at twice the input, then
//! shrinks it. Here each label's table is read once from mail-parser's own decoder for that
//! label (by decoding the 256 byte values), so the text is the same by construction; ASCII
//! runs, which these tables map to themselves, are copied whole, and the output is reserved
//! once.

use std::borrow::Cow;
use std::sync::OnceLock;

use mail_parser::decoders::charsets::map::charset_decoder;

/// Labels, as mail-parser normalises them (ASCII lower case, `-` as `_`), for which it uses
/// one of its byte-to-char tables (`decoders/charsets/single_byte.rs`): the common spellings.
const LABELS: &[&str] = &[
    "us_ascii",
    "ascii",
    "iso_8859_1",
    "iso8859_1",
    "iso88591",
    "latin1",
    "l1",
    "cp819",
    "windows_1252",
    "cp1252",
    "x_cp1252",
    "iso_8859_2",
    "iso8859_2",
    "iso_8859_5",
    "iso8859_5",
    "iso_8859_7",
    "iso8859_7",
    "iso_8859_9",
    "iso8859_9",
    "iso_8859_13",
    "iso_8859_15",
    "iso8859_15",
    "iso885915",
    "latin_9",
    "windows_1250",
    "cp1250",
    "windows_1251",
    "cp1251",
    "windows_1253",
    "windows_1254",
    "windows_1255",
    "windows_1256",
    "windows_1257",
    "windows_1258",
    "koi8_r",
    "koi8_u",
];

/// One label's table, as UTF-8.
pub(super) struct SingleByte {
    utf8: [[u8; 4]; 256],
    widths: [u8; 256],
    /// The most bytes a non-ASCII byte becomes.
    widest: usize,
}

static TABLES: [OnceLock<Option<SingleByte>>; LABELS.len()] =
    [const { OnceLock::new() }; LABELS.len()];

/// The table mail-parser decodes `label` with, when it is one of [`LABELS`].
pub(super) fn table(label: &[u8]) -> Option<&'static SingleByte> {
    let index = LABELS
        .iter()
        .position(|known| same_label(label, known.as_bytes()))?;
    TABLES
        .get(index)?
        .get_or_init(|| SingleByte::read(LABELS[index].as_bytes()))
        .as_ref()
}

/// Whether mail-parser's lookup of `label` finds `known` (written normalised).
fn same_label(label: &[u8], known: &[u8]) -> bool {
    label.len() == known.len()
        && label.iter().zip(known).all(|(&b, &k)| {
            let normalised = match b {
                b'-' => b'_',
                _ => b.to_ascii_lowercase(),
            };
            normalised == k
        })
}

impl SingleByte {
    /// The table behind mail-parser's decoder for `label`; None unless it maps each byte to
    /// one char and ASCII to itself.
    fn read(label: &[u8]) -> Option<SingleByte> {
        let decode = charset_decoder(label)?;
        let all_bytes: Vec<u8> = (0..=u8::MAX).collect();
        let chars: Vec<char> = decode(&all_bytes).chars().collect();
        let ascii_kept = chars
            .iter()
            .take(128)
            .enumerate()
            .all(|(b, &c)| u32::try_from(b).is_ok_and(|b| b == u32::from(c)));
        if chars.len() != 256 || !ascii_kept {
            return None;
        }
        let mut table = SingleByte {
            utf8: [[0; 4]; 256],
            widths: [0; 256],
            widest: 1,
        };
        for (i, c) in chars.into_iter().enumerate() {
            let width = c.encode_utf8(&mut table.utf8[i]).len();
            table.widths[i] = width as u8;
            table.widest = table.widest.max(width);
        }
        Some(table)
    }

    /// `bytes` as text, exactly as mail-parser's decoder for this table gives it.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        let ascii = ascii_prefix_len(bytes);
        if ascii == bytes.len() {
            if let Ok(text) = std::str::from_utf8(bytes) {
                return Cow::Borrowed(text);
            }
        }
        let high = bytes[ascii..].iter().filter(|&&b| !b.is_ascii()).count();
        let mut out = Vec::with_capacity(bytes.len() + high * (self.widest - 1));
        let mut rest = bytes;
        loop {
            let run = ascii_prefix_len(rest);
            out.extend_from_slice(&rest[..run]);
            let Some((&byte, tail)) = rest[run..].split_first() else {
                break;
            };
            let b = usize::from(byte);
            for &unit in &self.utf8[b][..usize::from(self.widths[b])] {
                out.push(unit);
            }
            rest = tail;
        }
        match String::from_utf8(out) {
            Ok(text) => Cow::Owned(text),
            // Not reached: every table entry is a char's UTF-8.
            Err(_) => Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
        }
    }
}

/// How many bytes `bytes` starts with that are ASCII, eight at a time.
fn ascii_prefix_len(bytes: &[u8]) -> usize {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let mut len = 0;
    for chunk in bytes.chunks_exact(8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let high = u64::from_le_bytes(word) & HIGH_BITS;
        if high != 0 {
            return len + high.trailing_zeros() as usize / 8;
        }
        len += 8;
    }
    len + bytes[len..].iter().take_while(|b| b.is_ascii()).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mail_parser_text(label: &str, bytes: &[u8]) -> String {
        let decode = charset_decoder(label.as_bytes()).expect("mail-parser knows the label");
        decode(bytes)
    }

    #[test]
    fn every_label_has_a_table() {
        for label in LABELS {
            assert!(table(label.as_bytes()).is_some(), "{label}");
        }
    }

    #[test]
    fn every_byte_decodes_as_mail_parser() {
        let all_bytes: Vec<u8> = (0..=u8::MAX).collect();
        for label in LABELS {
            let ours = table(label.as_bytes()).expect("a table").decode(&all_bytes);
            assert_eq!(ours, mail_parser_text(label, &all_bytes), "{label}");
        }
    }

    #[test]
    fn labels_match_as_mail_parser_matches_them() {
        assert!(table(b"Windows-1252").is_some());
        assert!(table(b"ISO_8859-1").is_some());
        assert!(table(b"US-ASCII").is_some());
        assert!(table(b" us-ascii").is_none());
        assert!(table(b"utf-8").is_none());
        assert!(table(b"shift_jis").is_none());
        assert!(table(b"").is_none());
    }

    #[test]
    fn ascii_prefix() {
        assert_eq!(ascii_prefix_len(b""), 0);
        assert_eq!(ascii_prefix_len(b"abc"), 3);
        assert_eq!(ascii_prefix_len(b"0123456789abcdef\xe9"), 16);
        assert_eq!(ascii_prefix_len(b"01234\x80789abcdef"), 5);
        assert_eq!(ascii_prefix_len(b"0123456789\xff"), 10);
    }

    #[test]
    fn windows_1252_text() {
        let bytes = b"caf\xe9 \x80 \x93quoted\x94 and plain ASCII after it";
        let cp1252 = table(b"windows-1252").expect("a table");
        assert_eq!(
            cp1252.decode(bytes),
            "café € “quoted” and plain ASCII after it"
        );
        assert!(matches!(cp1252.decode(b"plain"), Cow::Borrowed("plain")));
    }

    fn text_byte() -> impl Strategy<Value = u8> {
        prop_oneof![3 => 0x20u8..0x7f, 1 => any::<u8>()]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn decodes_as_mail_parser(
            label in proptest::sample::select(LABELS),
            spelled_upper in any::<bool>(),
            bytes in proptest::collection::vec(text_byte(), 0..200),
        ) {
            // As written in mail: dashes, maybe upper case.
            let label = label.replace('_', "-");
            let label = if spelled_upper { label.to_ascii_uppercase() } else { label };
            let ours = table(label.as_bytes()).expect("a table").decode(&bytes);
            prop_assert_eq!(ours.as_ref(), mail_parser_text(&label, &bytes));
        }
    }
}
