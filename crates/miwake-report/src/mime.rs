//! A small MIME writer: headers, boundaries, base64 bodies, all with CRLF line endings.
//! Written by hand (not with a mail builder) because the original must go in byte for byte,
//! and builders re-encode or normalise line endings.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Base64 line length (RFC 2045 allows up to 76).
const BASE64_LINE: usize = 76;
/// Longest line SMTP must carry, without CRLF (RFC 5322 §2.1.1).
const MAX_LINE: usize = 998;

pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Writer {
            out: Vec::with_capacity(16 * 1024),
        }
    }

    /// One header line; values are ASCII (callers encode others with [`encode_word`]).
    pub fn header(&mut self, name: &str, value: &str) {
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b": ");
        self.out.extend_from_slice(value.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    pub fn blank(&mut self) {
        self.out.extend_from_slice(b"\r\n");
    }

    pub fn line(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    pub fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    pub fn boundary(&mut self, boundary: &str) {
        self.out.extend_from_slice(b"\r\n--");
        self.out.extend_from_slice(boundary.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    pub fn close(&mut self, boundary: &str) {
        self.out.extend_from_slice(b"\r\n--");
        self.out.extend_from_slice(boundary.as_bytes());
        self.out.extend_from_slice(b"--\r\n");
    }

    /// Base64 in lines of 76 characters; the last line has no CRLF (the boundary brings it).
    pub fn base64(&mut self, bytes: &[u8]) {
        let encoded = STANDARD.encode(bytes);
        let mut first = true;
        for chunk in encoded.as_bytes().chunks(BASE64_LINE) {
            if !first {
                self.out.extend_from_slice(b"\r\n");
            }
            self.out.extend_from_slice(chunk);
            first = false;
        }
    }

    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// An RFC 2047 encoded word (UTF-8, base64) for non-ASCII header text; ASCII stays as is.
/// Long text is split into several words so no header line grows past 78 characters.
pub fn encode_word(text: &str) -> String {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return text.to_string();
    }
    // 45 bytes of UTF-8 → 60 base64 characters → 72 with the `=?utf-8?b?…?=` frame.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?utf-8?b?{}?=", STANDARD.encode(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?utf-8?b?{}?=", STANDARD.encode(chunk.as_bytes())));
    }
    words.join("\r\n ")
}

/// True when the original can go in as a 7bit body exactly as it is: ASCII only, no NUL,
/// every line ending in CRLF (no bare CR or LF) and no line longer than 998 bytes.
pub fn is_verbatim_7bit(bytes: &[u8]) -> bool {
    if bytes.is_empty() || !bytes.ends_with(b"\r\n") {
        return false;
    }
    let mut line_len = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' => {
                if bytes.get(i + 1) != Some(&b'\n') {
                    return false;
                }
                line_len = 0;
                i += 2;
                continue;
            }
            b'\n' | 0 => return false,
            b if b >= 0x80 => return false,
            _ => {
                line_len += 1;
                if line_len > MAX_LINE {
                    return false;
                }
            }
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_round_trip_and_stay_short() {
        let text = "不審なメッセージの報告 / Suspicious message report (危険 / danger): アカウントが停止されました";
        let encoded = encode_word(text);
        for line in encoded.split("\r\n") {
            assert!(line.len() <= 78, "{line}");
        }
        let header = format!("Subject: {encoded}\r\n\r\n");
        let parsed = mail_parser::MessageParser::default()
            .parse(header.as_bytes())
            .expect("parses");
        assert_eq!(parsed.subject(), Some(text));
    }

    #[test]
    fn verbatim_needs_ascii_crlf_and_short_lines() {
        assert!(is_verbatim_7bit(b"a: b\r\n\r\nx\r\n"));
        assert!(!is_verbatim_7bit(b"a: b\n\nx\n"));
        assert!(!is_verbatim_7bit(b"a: b\r\n\r\nx"));
        assert!(!is_verbatim_7bit("a: é\r\n".as_bytes()));
        let long = format!("a: {}\r\n", "x".repeat(1000));
        assert!(!is_verbatim_7bit(long.as_bytes()));
    }
}
