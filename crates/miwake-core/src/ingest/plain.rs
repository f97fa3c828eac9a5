//! Pasted text: charset sniffing (UTF-8, UTF-16 with BOM, Japanese legacy encodings).

use std::borrow::Cow;

use encoding_rs::{Encoding, EUC_JP, ISO_2022_JP, SHIFT_JIS};

use super::Builder;

pub(super) fn ingest_plain(input: &[u8], out: &mut Builder) {
    let text = decode_unlabelled(input);
    out.push_text(&text);
}

/// Decodes bytes of unknown charset: BOM, UTF-8, ISO-2022-JP, then Shift_JIS / EUC-JP.
pub(super) fn decode_unlabelled(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return text;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if is_iso_2022_jp(bytes) => {
            let (decoded, _) = ISO_2022_JP.decode_without_bom_handling(text.as_bytes());
            Cow::Owned(decoded.into_owned())
        }
        Ok(text) => Cow::Borrowed(text),
        Err(_) => decode_japanese_legacy(bytes),
    }
}

/// ISO-2022-JP is 7-bit, so it passes as UTF-8: look for its kanji escape sequences.
fn is_iso_2022_jp(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"\x1b$B").is_some()
        || memchr::memmem::find(bytes, b"\x1b$@").is_some()
}

fn decode_japanese_legacy(bytes: &[u8]) -> Cow<'_, str> {
    // Bytes 0x81..=0x9F (bar the EUC-JP single shifts) only lead Shift_JIS characters.
    let sjis_first = bytes
        .iter()
        .any(|&b| (0x81..=0x9F).contains(&b) && b != 0x8E && b != 0x8F);
    let order = if sjis_first {
        [SHIFT_JIS, EUC_JP]
    } else {
        [EUC_JP, SHIFT_JIS]
    };
    for encoding in order {
        if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
            return Cow::Owned(text.into_owned());
        }
    }
    // A few broken bytes in otherwise Japanese text: keep the Japanese reading.
    let (text, _) = order[0].decode_without_bom_handling(bytes);
    let bad = text.chars().filter(|&c| c == '\u{FFFD}').count();
    if bad * 100 <= text.chars().count() {
        return Cow::Owned(text.into_owned());
    }
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_borrowed() {
        assert!(matches!(
            decode_unlabelled("こんにちは".as_bytes()),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn shift_jis_and_euc_jp() {
        let text = "お荷物のお届けについて、ご確認ください。";
        let (sjis, _, _) = SHIFT_JIS.encode(text);
        assert_eq!(decode_unlabelled(&sjis), text);
        let (euc, _, _) = EUC_JP.encode(text);
        assert_eq!(decode_unlabelled(&euc), text);
    }

    #[test]
    fn iso_2022_jp_and_utf16() {
        let text = "アカウントを確認してください";
        let (jis, _, _) = ISO_2022_JP.encode(text);
        assert_eq!(decode_unlabelled(&jis), text);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_unlabelled(&utf16), text);
    }

    #[test]
    fn latin1_garbage_falls_back_to_lossy_utf8() {
        let decoded = decode_unlabelled(b"caf\xE9 \xFF\xFF\xFF\xFF");
        assert!(decoded.starts_with("caf"));
    }
}
