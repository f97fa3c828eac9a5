//! A small, bounded, panic-free ZIP directory reader: entry names and the encryption flag.

use std::borrow::Cow;

use encoding_rs::SHIFT_JIS;

/// Entry names listed per archive at most.
pub(super) const MAX_ENTRIES: usize = 64;

const EOCD_SIG: u32 = 0x0605_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
/// End-of-central-directory record: 22 bytes plus a comment of at most 65,535.
const EOCD_SEARCH: usize = 22 + 0xFFFF;
const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;

#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ZipListing {
    pub entries: Vec<String>,
    pub encrypted: bool,
}

pub(super) fn looks_like_zip(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06")
}

/// Lists a ZIP archive from its central directory, or from its local headers when the
/// directory is missing or broken (a truncated attachment).
pub(super) fn list(data: &[u8]) -> ZipListing {
    central_directory(data).unwrap_or_else(|| local_headers(data))
}

fn central_directory(data: &[u8]) -> Option<ZipListing> {
    let eocd = find_eocd(data)?;
    let count = usize::from(u16_at(data, eocd + 10)?);
    let mut pos = usize::try_from(u32_at(data, eocd + 16)?).ok()?;
    let mut listing = ZipListing::default();
    for _ in 0..count {
        if u32_at(data, pos)? != CENTRAL_SIG {
            return None;
        }
        let flags = u16_at(data, pos + 8)?;
        let name_len = usize::from(u16_at(data, pos + 28)?);
        let extra_len = usize::from(u16_at(data, pos + 30)?);
        let comment_len = usize::from(u16_at(data, pos + 32)?);
        let name = data.get(pos + 46..pos + 46 + name_len)?;
        listing.add(flags, name);
        pos += 46 + name_len + extra_len + comment_len;
    }
    Some(listing)
}

fn find_eocd(data: &[u8]) -> Option<usize> {
    let from = data.len().saturating_sub(EOCD_SEARCH);
    let tail = data.get(from..)?;
    memchr::memmem::rfind(tail, &EOCD_SIG.to_le_bytes()).map(|i| from + i)
}

fn local_headers(data: &[u8]) -> ZipListing {
    let mut listing = ZipListing::default();
    let mut pos = 0;
    while listing.entries.len() < MAX_ENTRIES && u32_at(data, pos) == Some(LOCAL_SIG) {
        let (Some(flags), Some(size), Some(name_len), Some(extra_len)) = (
            u16_at(data, pos + 6),
            u32_at(data, pos + 18),
            u16_at(data, pos + 26),
            u16_at(data, pos + 28),
        ) else {
            break;
        };
        let name_start = pos + 30;
        let name_end = name_start + usize::from(name_len);
        let Some(name) = data.get(name_start..name_end) else {
            break;
        };
        listing.add(flags, name);
        if flags & FLAG_DATA_DESCRIPTOR != 0 {
            // The size is only known after the data: we cannot find the next header.
            break;
        }
        let Ok(size) = usize::try_from(size) else {
            break;
        };
        pos = name_end + usize::from(extra_len) + size;
    }
    listing
}

impl ZipListing {
    fn add(&mut self, flags: u16, name: &[u8]) {
        self.encrypted |= flags & FLAG_ENCRYPTED != 0;
        if self.entries.len() < MAX_ENTRIES {
            self.entries.push(entry_name(flags, name).into_owned());
        }
    }
}

/// Names are UTF-8 when flagged (or valid); Japanese archivers write CP932 otherwise.
fn entry_name(flags: u16, name: &[u8]) -> Cow<'_, str> {
    if flags & FLAG_UTF8 != 0 {
        return String::from_utf8_lossy(name);
    }
    match std::str::from_utf8(name) {
        Ok(name) => Cow::Borrowed(name),
        Err(_) => SHIFT_JIS.decode_without_bom_handling(name).0,
    }
}

fn u16_at(data: &[u8], pos: usize) -> Option<u16> {
    let bytes = data.get(pos..pos.checked_add(2)?)?;
    Some(u16::from_le_bytes([bytes[0], bytes[1]]))
}

fn u32_at(data: &[u8], pos: usize) -> Option<u32> {
    let bytes = data.get(pos..pos.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Builds a stored (uncompressed) ZIP with the given (name, content, flags) entries.
    pub(crate) fn build_zip(entries: &[(&str, &[u8], u16)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, content, flags) in entries {
            let offset = out.len() as u32;
            let mut header = Vec::new();
            header.extend(LOCAL_SIG.to_le_bytes());
            header.extend(20u16.to_le_bytes());
            header.extend(flags.to_le_bytes());
            header.extend([0u8; 10]); // method, time, date, crc
            header.extend((content.len() as u32).to_le_bytes());
            header.extend((content.len() as u32).to_le_bytes());
            header.extend((name.len() as u16).to_le_bytes());
            header.extend(0u16.to_le_bytes());
            out.extend(&header);
            out.extend(name.as_bytes());
            out.extend(*content);
            central.extend(CENTRAL_SIG.to_le_bytes());
            central.extend(20u16.to_le_bytes());
            central.extend(20u16.to_le_bytes());
            central.extend(flags.to_le_bytes());
            central.extend([0u8; 10]);
            central.extend((content.len() as u32).to_le_bytes());
            central.extend((content.len() as u32).to_le_bytes());
            central.extend((name.len() as u16).to_le_bytes());
            central.extend([0u8; 12]); // extra, comment, disk, attrs
            central.extend(offset.to_le_bytes());
            central.extend(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        let cd_len = central.len() as u32;
        out.extend(&central);
        out.extend(EOCD_SIG.to_le_bytes());
        out.extend([0u8; 4]);
        out.extend((entries.len() as u16).to_le_bytes());
        out.extend((entries.len() as u16).to_le_bytes());
        out.extend(cd_len.to_le_bytes());
        out.extend(cd_offset.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out
    }

    #[test]
    fn lists_entries_and_encryption() {
        let zip = build_zip(&[("invoice.pdf.exe", b"MZ", 1), ("readme.txt", b"hi", 0)]);
        assert!(looks_like_zip(&zip));
        let listing = list(&zip);
        assert_eq!(listing.entries, ["invoice.pdf.exe", "readme.txt"]);
        assert!(listing.encrypted);
    }

    #[test]
    fn truncated_archive_uses_local_headers() {
        let zip = build_zip(&[("a.js", b"x", 0), ("b.js", b"y", 0)]);
        let listing = list(&zip[..zip.len() - 30]);
        assert_eq!(listing.entries, ["a.js", "b.js"]);
        assert!(!listing.encrypted);
    }

    #[test]
    fn shift_jis_names() {
        let (name, _, _) = SHIFT_JIS.encode("請求書.exe");
        assert_eq!(entry_name(0, &name), "請求書.exe");
        assert_eq!(entry_name(FLAG_UTF8, "請求書.exe".as_bytes()), "請求書.exe");
    }

    #[test]
    fn garbage_never_panics() {
        for data in [
            &b""[..],
            b"PK\x03\x04",
            b"PK\x05\x06\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        ] {
            let _ = list(data);
        }
        let mut eocd = EOCD_SIG.to_le_bytes().to_vec();
        eocd.extend([0xFFu8; 18]);
        assert_eq!(list(&eocd), ZipListing::default());
    }
}
