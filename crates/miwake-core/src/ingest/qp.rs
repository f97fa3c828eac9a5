//! Quoted-printable MIME bodies decoded exactly as mail-parser 0.11 decodes them
//! (`decode_quoted_printable_mime`), malformed input included, but a run of plain bytes at a
//! time instead of byte by byte.

/// A body decoded up to the delimiter that ends it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct QpBody {
    pub decoded: Vec<u8>,
    /// Where the `--boundary` delimiter starts: the encoded body is `body[..delimiter]`.
    pub delimiter: usize,
    /// Where mail-parser ends the part (its `offset_end`, relative to the body).
    pub raw_end: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Plain,
    /// After `=`.
    Eq,
    /// After `=` and one hex digit (kept even across line breaks, as mail-parser does).
    Hex1(u8),
}

/// Decodes `body` up to the first `--boundary`. None where mail-parser would give up on the
/// part (an `=` after an unfinished `=`, or no delimiter at all) or the boundary is empty.
pub(super) fn decode_mime(body: &[u8], boundary: &[u8]) -> Option<QpBody> {
    if boundary.is_empty() {
        return None;
    }
    let needle = [b"--".as_slice(), boundary].concat();
    let delimiter = memchr::memmem::find(body, &needle)?;
    // The delimiter's first dash is decoded like any byte; the second one ends the part.
    let mut decoder = Decoder::new(body.len().min(delimiter + 1));
    decoder.feed(body.get(..=delimiter)?)?;
    Some(decoder.finish(body, delimiter))
}

/// Decodes a body that no boundary ends (a single-part message's) to the end.
pub(super) fn decode_to_end(body: &[u8]) -> Option<QpBody> {
    let mut decoder = Decoder::new(body.len());
    decoder.feed(body)?;
    Some(QpBody {
        decoded: decoder.out,
        delimiter: body.len(),
        raw_end: body.len(),
    })
}

struct Decoder {
    out: Vec<u8>,
    state: State,
    /// Trailing plain whitespace, dropped before a hard line break.
    ws_count: usize,
    crlf: bool,
}

impl Decoder {
    fn new(capacity: usize) -> Self {
        Decoder {
            out: Vec::with_capacity(capacity),
            state: State::Plain,
            ws_count: 0,
            crlf: false,
        }
    }

    /// Decodes `bytes`; None on mail-parser's one hard error.
    fn feed(&mut self, bytes: &[u8]) -> Option<()> {
        let mut i = 0;
        while i < bytes.len() {
            if self.state == State::Plain {
                let rest = &bytes[i..];
                let run = plain_run_len(rest);
                if run > 0 {
                    self.push_plain_run(&rest[..run]);
                }
                i += run;
                if i == bytes.len() {
                    break;
                }
                if let Some(used) = self.common_escape(&bytes[i..]) {
                    i += used;
                    continue;
                }
            }
            let prev = i.checked_sub(1).map_or(0, |p| bytes[p]);
            self.step(bytes[i], prev)?;
            i += 1;
        }
        Some(())
    }

    /// `=XX`, soft and hard line breaks in one go (what `step` would do byte by byte in the
    /// plain state): the bytes used, if `at` starts one.
    fn common_escape(&mut self, at: &[u8]) -> Option<usize> {
        match at {
            [b'\r', b'\n', ..] => {
                self.crlf = true;
                self.hard_break();
                Some(2)
            }
            [b'\n', ..] => {
                self.hard_break();
                Some(1)
            }
            [b'=', b'\n', ..] => {
                self.ws_count = 0;
                Some(2)
            }
            [b'=', b'\r', b'\n', ..] => {
                self.crlf = true;
                self.ws_count = 0;
                Some(3)
            }
            [b'=', high, low, ..] => {
                let byte = hex_value(*high)? << 4 | hex_value(*low)?;
                self.out.push(byte);
                self.ws_count = 0;
                Some(3)
            }
            _ => None,
        }
    }

    fn push_plain_run(&mut self, run: &[u8]) {
        let trailing = run.iter().rev().take_while(|&&b| is_plain_space(b)).count();
        self.ws_count = if trailing == run.len() {
            self.ws_count + trailing
        } else {
            trailing
        };
        self.out.extend_from_slice(run);
    }

    /// One byte, as mail-parser's loop body handles it; `prev` is the byte before it.
    fn step(&mut self, byte: u8, prev: u8) -> Option<()> {
        match (byte, self.state) {
            (b'=', State::Plain) => self.state = State::Eq,
            (b'=', _) => return None,
            (b'\n', State::Eq) => {
                self.state = State::Plain;
                self.ws_count = 0;
            }
            (b'\n', _) => self.hard_break(),
            (b'\r', _) => self.crlf = true,
            (_, State::Plain) => self.push_plain_run(&[byte]),
            (_, State::Eq) => match hex_value(byte) {
                Some(high) => self.state = State::Hex1(high),
                None if byte.is_ascii_whitespace() => {}
                None => self.push_literal(&[b'=', byte]),
            },
            (_, State::Hex1(high)) => match hex_value(byte) {
                Some(low) => {
                    self.out.push(high << 4 | low);
                    self.state = State::Plain;
                    self.ws_count = 0;
                }
                None => self.push_literal(&[b'=', prev, byte]),
            },
        }
        Some(())
    }

    /// A line break outside a soft break: trailing whitespace goes, the break stays.
    fn hard_break(&mut self) {
        self.out
            .truncate(self.out.len().saturating_sub(self.ws_count));
        self.out.extend_from_slice(self.line_break());
        self.ws_count = 0;
    }

    fn push_literal(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
        self.state = State::Plain;
        self.ws_count = 0;
    }

    fn line_break(&self) -> &'static [u8] {
        if self.crlf {
            b"\r\n"
        } else {
            b"\n"
        }
    }

    /// What mail-parser does on meeting the second dash of the delimiter at `delimiter + 1`.
    fn finish(mut self, body: &[u8], delimiter: usize) -> QpBody {
        let before = delimiter.checked_sub(1).and_then(|i| body.get(i));
        let raw_end = if before == Some(&b'\n') {
            // The delimiter line's break and first dash go (mail-parser wraps on underflow:
            // nothing goes then).
            let cut = self.line_break().len() + 1;
            if let Some(len) = self.out.len().checked_sub(cut) {
                self.out.truncate(len);
            }
            let newline = delimiter - 1;
            match newline.checked_sub(1).and_then(|i| body.get(i)) {
                Some(b'\r') => newline - 1,
                _ => newline,
            }
        } else {
            self.out.pop();
            delimiter
        };
        QpBody {
            decoded: self.out,
            delimiter,
            raw_end,
        }
    }
}

/// How many bytes from the start of `bytes` are neither `=` nor a line break. Escapes often
/// follow each other: the first byte is looked at before `memchr3` is called.
fn plain_run_len(bytes: &[u8]) -> usize {
    match bytes.first() {
        Some(&b) if !is_special(b) => {
            memchr::memchr3(b'=', b'\n', b'\r', bytes).unwrap_or(bytes.len())
        }
        _ => 0,
    }
}

fn is_special(b: u8) -> bool {
    (b == b'=') | (b == b'\n') | (b == b'\r')
}

/// Whitespace that mail-parser counts as trailing (line breaks are handled apart).
fn is_plain_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0c')
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::decoders::charsets::map::charset_decoder;
    use mail_parser::{Encoding, MessageParser, PartType};
    use proptest::prelude::*;

    /// mail-parser's decoding of `body` in a Latin-1 text part (one char per byte, so the
    /// bytes show through), with its end offset relative to the body; None when it gives up.
    fn parsed(body: &[u8]) -> Option<(String, usize)> {
        let head = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\
            Content-Type: text/plain; charset=iso-8859-1\n\
            Content-Transfer-Encoding: quoted-printable\n\n";
        let raw = [head.as_slice(), body, b"\n--b--\n"].concat();
        let mail = MessageParser::new().parse(&raw[..])?;
        let part = mail.parts.get(1)?;
        if part.is_encoding_problem || part.encoding != Encoding::QuotedPrintable {
            return None;
        }
        let end = (part.offset_end as usize).checked_sub(head.len())?;
        match &part.body {
            PartType::Text(text) => Some((text.to_string(), end)),
            _ => None,
        }
    }

    fn ours(body: &[u8]) -> Option<(String, usize)> {
        let raw = [body, b"\n--b--\n"].concat();
        let decoded = decode_mime(&raw, b"b")?;
        let latin1 = charset_decoder(b"iso-8859-1")?;
        Some((latin1(&decoded.decoded), decoded.raw_end))
    }

    fn check(body: &[u8]) {
        assert_eq!(
            ours(body),
            parsed(body),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }

    #[test]
    fn soft_breaks_and_escapes() {
        check(b"caf=E9 au lait=\nsuite\n");
        check(b"lower=e9case\r\nCRLF=\r\nsoft\r\n");
        check(b"end with equals=");
        check(b"end with equals=\n");
        check(b"= \t\nspace after the equals sign\n");
    }

    #[test]
    fn trailing_whitespace() {
        check(b"spaces   \ntabs\t\t\nencoded=20\nform feed\x0c\nmixed =20 \t\n");
        check(b"   \n  =\n  \n");
    }

    #[test]
    fn malformed_escapes() {
        check(b"bad =XY hex\n");
        check(b"half =A hex\n");
        check(b"half =A\nB across a break\n");
        check(b"=A\r\nZ across a CRLF\n");
        check(b"double == is an error\n");
        check(b"=A= is an error\n");
        check(b"=\r=\n");
    }

    #[test]
    fn delimiters_anywhere() {
        check(b"text--b mid-line\n");
        check(b"ends--b");
        check(b"---b three dashes\n");
        check(b"=A--b\n");
        check(b"=--b\n");
        check(b"=A\n--b\n");
        check(b"line\r\n");
        check(b"x\n=\n");
        check(b"");
    }

    #[test]
    fn hex_values_are_the_digits() {
        for b in 0..=u8::MAX {
            let expected = (b as char).to_digit(16).map(|d| d as u8);
            assert_eq!(hex_value(b), expected, "{b:#04x}");
        }
    }

    #[test]
    fn no_delimiter_no_decoding() {
        assert_eq!(decode_mime(b"text\n", b"b"), None);
        assert_eq!(decode_mime(b"text\n--b\n", b""), None);
    }

    fn qp_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            4 => prop::sample::select(b"=\n\r- \t\x0cAaf0bgZ".to_vec()),
            1 => any::<u8>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn plain_runs_end_where_memchr3_finds(
            bytes in proptest::collection::vec(qp_byte(), 0..64),
            plain in 0usize..40,
        ) {
            let bytes = [b"x".repeat(plain), bytes].concat();
            let expected = memchr::memchr3(b'=', b'\n', b'\r', &bytes).unwrap_or(bytes.len());
            prop_assert_eq!(plain_run_len(&bytes), expected);
        }

        #[test]
        fn decodes_as_mail_parser(body in proptest::collection::vec(qp_byte(), 0..64)) {
            // mail-parser's debug build panics on a subtraction its release build wraps.
            let expected = std::panic::catch_unwind(|| parsed(&body));
            prop_assume!(expected.is_ok());
            prop_assert_eq!(ours(&body), expected.unwrap_or_default());
        }
    }
}
