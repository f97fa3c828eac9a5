//! Cheap sniffing of the raw input: BOM, binary data, e-mail header block.

/// Header names that mark a header block as an e-mail (lower case).
const KNOWN_HEADERS: &[&[u8]] = &[
    b"from",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"received",
    b"return-path",
    b"message-id",
    b"mime-version",
    b"delivered-to",
    b"content-type",
    b"reply-to",
    b"sender",
    b"authentication-results",
    b"dkim-signature",
    b"arc-seal",
];

/// How many header lines we look at before deciding.
const MAX_HEADER_LINES: usize = 512;

pub(super) fn strip_utf8_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

/// True when the first KB is mostly control bytes (and not UTF-16 text).
pub(super) fn is_binary(input: &[u8]) -> bool {
    if input.starts_with(b"\xFF\xFE") || input.starts_with(b"\xFE\xFF") {
        return false;
    }
    let sample = &input[..input.len().min(1024)];
    // Counted in byte-wide lanes, 255 bytes at most per count.
    let controls: usize = sample
        .chunks(255)
        .map(|chunk| {
            let count = chunk
                .iter()
                .fold(0u8, |n, &b| n.wrapping_add(u8::from(is_control(b))));
            usize::from(count)
        })
        .sum();
    controls * 10 > sample.len()
}

/// A control byte that text does not hold; branch-free, so that the count is vectorised.
fn is_control(b: u8) -> bool {
    let text_control = (b == b'\t') | (b == b'\n') | (b == b'\r') | (b == 0x0c) | (b == 0x1b);
    ((b < 0x20) & !text_control) | (b == 0x7f)
}

/// Where an e-mail's header block starts in the input.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct EmailStart {
    pub start: usize,
    /// Offset (from `start`) of a MIME boundary line that directly follows the headers,
    /// where the blank line that should end them is missing.
    pub missing_blank: Option<usize>,
    /// The header fields the scan went through, so that later steps need not scan again.
    pub header: HeaderLines,
}

/// A header field's first line, as the scan found it (offsets from the block's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FieldLine {
    pub start: usize,
    /// Where the first line ends, after its line break (or at the end of the input).
    pub line_end: usize,
    /// The length of the name, which a colon or a space and a colon follow.
    pub name_len: usize,
}

/// The fields of a header block in order, and where the scan stopped.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct HeaderLines {
    pub fields: Vec<FieldLine>,
    /// Where the blank line that ends the block starts (or the boundary line that stands for
    /// a missing one); None when the scan stopped before one (line cap, end of input).
    pub end: Option<usize>,
}

/// What [`header_block`] found: a header block, and where the blank line after it is missing.
struct Block {
    missing_blank: Option<usize>,
    header: HeaderLines,
}

/// Where the RFC 5322 header block starts, when the input is an e-mail.
///
/// Skips leading whitespace and an mbox `From ` line; then every line up to the first blank
/// line must be a header field (or a folded continuation), and one of them well known.
pub(super) fn email_start(input: &[u8]) -> Option<EmailStart> {
    let mut start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(input.len());
    if input[start..].starts_with(b"From ") {
        start += memchr::memchr(b'\n', &input[start..])? + 1;
    }
    if let Some(block) = header_block(&input[start..]) {
        return Some(block.starting_at(start));
    }
    // A MIME part cut out of a message: its boundary line, then the part's headers.
    if input[start..].starts_with(b"--") {
        start += memchr::memchr(b'\n', &input[start..])? + 1;
        return Some(header_block(&input[start..])?.starting_at(start));
    }
    None
}

impl Block {
    fn starting_at(self, start: usize) -> EmailStart {
        EmailStart {
            start,
            missing_blank: self.missing_blank,
            header: self.header,
        }
    }
}

/// `Some` when `block` starts with e-mail headers: their fields, and where a boundary line
/// follows the headers without a blank line.
fn header_block(block: &[u8]) -> Option<Block> {
    let mut known = false;
    let mut missing_blank = None;
    // Most header blocks have a few dozen fields: room for them without growing step by step.
    let mut header = HeaderLines {
        fields: Vec::with_capacity(64),
        end: None,
    };
    let mut pos = 0;
    for index in 0..MAX_HEADER_LINES {
        let rest = block.get(pos..).unwrap_or_default();
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match line.first() {
            None => {
                header.end = Some(pos);
                break;
            }
            Some(b' ' | b'\t') if index == 0 => return None,
            Some(b' ' | b'\t') => {}
            Some(b'-') if line.starts_with(b"--") && index > 1 => {
                missing_blank = Some(pos);
                header.end = Some(pos);
                break;
            }
            Some(_) => {
                let name = header_name(line)?;
                known = known || is_known(name);
                header.fields.push(FieldLine {
                    start: pos,
                    line_end: (pos + end + 1).min(block.len()),
                    name_len: name.len(),
                });
            }
        }
        pos += end + 1;
        if pos >= block.len() {
            break;
        }
    }
    known.then_some(Block {
        missing_blank,
        header,
    })
}

/// Longest field name accepted (a space may follow it before the colon).
const MAX_NAME: usize = 76;

/// The field name of a `Name: value` line, when it is a valid RFC 5322 field name.
fn header_name(line: &[u8]) -> Option<&[u8]> {
    // A colon further in could only follow a name that is too long.
    let head = line.get(..MAX_NAME + 2).unwrap_or(line);
    let len = name_run(head);
    let colon_follows = matches!(head.get(len..), Some([b':', ..] | [b' ', b':', ..]));
    (colon_follows && (1..=MAX_NAME).contains(&len)).then_some(&line[..len])
}

/// Bytes that may be part of a field name: graphic ASCII but the colon.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_graphic() && b != b':'
}

/// The length of the run of name bytes that starts `bytes`, eight bytes at a time.
pub(super) fn name_run(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut run = 0;
    for chunk in &mut chunks {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let stops = non_name_lanes(u64::from_le_bytes(word));
        if stops != 0 {
            return run + stops.trailing_zeros() as usize / 8;
        }
        run += 8;
    }
    let rest = chunks.remainder();
    run + rest
        .iter()
        .position(|&b| !is_name_byte(b))
        .unwrap_or(rest.len())
}

/// The high bit of each byte of `word` that is no name byte. Each lane's sums stay below
/// 0x100, so no carry crosses into the next lane.
fn non_name_lanes(word: u64) -> u64 {
    const LANES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x80 * LANES;
    let low = word & (0x7f * LANES);
    let at_least_0x21 = low + 0x5f * LANES;
    let is_0x7f = low + LANES;
    let not_colon = (low ^ (b':' as u64 * LANES)) + 0x7f * LANES;
    (word | !at_least_0x21 | is_0x7f | !not_colon) & HIGH
}

fn is_known(name: &[u8]) -> bool {
    KNOWN_HEADERS.iter().any(|k| name.eq_ignore_ascii_case(k))
        || (name.len() > 2 && name[..2].eq_ignore_ascii_case(b"x-"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn start(input: &[u8]) -> Option<usize> {
        email_start(input).map(|s| s.start)
    }

    #[test]
    fn headers_detected() {
        assert_eq!(start(b"From: a@b.c\nSubject: hi\n\nbody"), Some(0));
        assert_eq!(start(b"\r\n  Subject: hi\r\n\r\nbody"), Some(4));
        let mbox = b"From a@b.c Mon Jan  1 00:00:00 2024\nTo: x@y.z\n\nhi";
        assert_eq!(start(mbox), Some(36));
        assert_eq!(start(b"X-Foo: 1\n  folded\n\nbody"), Some(0));
        let no_blank = b"From: a@b.c\nContent-Type: multipart/mixed; boundary=x\n--x\n";
        let found = email_start(no_blank).map(|s| s.missing_blank);
        assert_eq!(found, Some(Some(54)));
        let fragment = b"--x\nContent-Type: text/html\n\n<p>hi</p>";
        assert_eq!(start(fragment), Some(4));
    }

    #[test]
    fn pasted_text_is_not_email() {
        assert_eq!(start("お客様各位\nDate: today\n\n".as_bytes()), None);
        assert_eq!(start(b"Hello: world\n\nbody"), None);
        assert_eq!(start(b"Subject: hi\nthis is not a header\n\n"), None);
        assert_eq!(start(b"From here on we go"), None);
        assert_eq!(start(b""), None);
    }

    /// The name check as first written: colon search, then validation.
    fn header_name_reference(line: &[u8]) -> Option<&[u8]> {
        let head = line.get(..MAX_NAME + 2).unwrap_or(line);
        let colon = memchr::memchr(b':', head)?;
        let name = &line[..colon];
        let name = name.strip_suffix(b" ").unwrap_or(name);
        let valid = !name.is_empty()
            && name.len() <= MAX_NAME
            && name.iter().all(|&b| b.is_ascii_graphic() && b != b':');
        valid.then_some(name)
    }

    #[test]
    fn header_names() {
        assert_eq!(header_name(b"Subject: hi"), Some(b"Subject".as_slice()));
        assert_eq!(header_name(b"Subject : hi"), Some(b"Subject".as_slice()));
        assert_eq!(header_name(b"Subject  : hi"), None);
        assert_eq!(header_name(b"Sub ject: hi"), None);
        assert_eq!(header_name(b": hi"), None);
        assert_eq!(header_name(b"\xC3\xA9t\xC3\xA9: hi"), None);
        let longest = [b"X".repeat(MAX_NAME), b" : v".to_vec()].concat();
        assert_eq!(header_name(&longest).map(<[u8]>::len), Some(MAX_NAME));
        let too_long = [b"X".repeat(MAX_NAME + 1), b": v".to_vec()].concat();
        assert_eq!(header_name(&too_long), None);
    }

    fn header_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            8 => prop::sample::select(b"Ab-_:  \t\x7f~!".to_vec()),
            1 => any::<u8>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn header_name_as_the_reference(
            line in proptest::collection::vec(header_byte(), 0..100),
            name_len in 0usize..90,
        ) {
            // Mostly long names, so that the eight-byte steps and the limits are reached.
            let named = [b"N".repeat(name_len), line.clone()].concat();
            prop_assert_eq!(header_name(&named), header_name_reference(&named));
            prop_assert_eq!(header_name(&line), header_name_reference(&line));
        }
    }

    #[test]
    fn control_bytes_as_the_reference() {
        for b in 0..=u8::MAX {
            let reference =
                (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || b == 0x7f;
            assert_eq!(is_control(b), reference, "{b:#04x}");
        }
    }

    #[test]
    fn binary_sniffing() {
        assert!(is_binary(&[0u8; 100]));
        assert!(!is_binary(b"plain text\r\n\twith tabs"));
        assert!(!is_binary(b"\xFF\xFEa\x00b\x00"));
    }
}
