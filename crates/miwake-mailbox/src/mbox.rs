//! Streaming mbox reader (mboxo and mboxrd), in memory bounded by one message.
//!
//! A message starts at a `From ` line at the start of the file or after an empty line; the
//! `From ` line itself is the envelope, not part of the message. The empty line before the
//! next `From ` line belongs to the separator. Quoted lines (`>From `, `>>From `, …) lose one
//! `>`: exact for mboxrd, and for mboxo it only touches lines that began with `>From `.

use std::io::{self, BufRead};

/// One message read from an mbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxMessage {
    /// Byte offset of the message's `From ` line in the file: a stable id within the file.
    pub offset: u64,
    /// The message, unquoted, without its `From ` line, at most `max_message_bytes` long.
    pub bytes: Vec<u8>,
    /// True when the message was longer than the limit and the rest was dropped.
    pub truncated: bool,
    /// Bytes of the file this message took, separator included (for progress).
    pub consumed: u64,
}

/// Reads messages one at a time from an mbox stream.
pub struct MboxReader<R> {
    reader: R,
    max_message_bytes: usize,
    /// Offset of the next byte to read.
    offset: u64,
    /// Offset of the `From ` line that starts the next message, once it has been read.
    next_start: Option<u64>,
    /// The current line; only its first bytes are kept when it is very long.
    line: Vec<u8>,
    previous_blank: bool,
    done: bool,
}

/// How much of one line is kept in memory; longer lines go to the message piece by piece.
const LINE_CHUNK: usize = 64 * 1024;

impl<R: BufRead> MboxReader<R> {
    pub fn new(reader: R, max_message_bytes: usize) -> Self {
        MboxReader {
            reader,
            max_message_bytes,
            offset: 0,
            next_start: None,
            line: Vec::new(),
            previous_blank: true,
            done: false,
        }
    }

    /// Reads the next line (or the next `LINE_CHUNK` bytes of a long line) into `self.line`.
    /// Returns whether the chunk ends a line, or `None` at end of input.
    fn next_chunk(&mut self) -> io::Result<Option<bool>> {
        self.line.clear();
        loop {
            let available = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(if self.line.is_empty() {
                    None
                } else {
                    Some(true)
                });
            }
            let room = LINE_CHUNK - self.line.len();
            let window = &available[..available.len().min(room)];
            let (take, ends_line) = match memchr::memchr(b'\n', window) {
                Some(i) => (i + 1, true),
                None => (window.len(), false),
            };
            self.line.extend_from_slice(&window[..take]);
            self.reader.consume(take);
            self.offset += take as u64;
            if ends_line {
                return Ok(Some(true));
            }
            if self.line.len() >= LINE_CHUNK {
                return Ok(Some(false));
            }
        }
    }

    fn read_message(&mut self) -> io::Result<Option<MboxMessage>> {
        let mut start = self.next_start.take();
        let mut bytes = Vec::new();
        let mut truncated = false;
        // Whether the current chunk begins a line (a long line is read in several chunks).
        let mut at_line_start = true;
        loop {
            let chunk_start = self.offset;
            let Some(ends_line) = self.next_chunk()? else {
                break;
            };
            let line = &self.line[..];
            let separator = at_line_start && self.previous_blank && line.starts_with(b"From ");
            if separator {
                if let Some(start) = start {
                    self.next_start = Some(chunk_start);
                    self.previous_blank = false;
                    skip_rest_of_line(self, ends_line)?;
                    return Ok(Some(finish(start, bytes, truncated, chunk_start)));
                }
                start = Some(chunk_start);
                self.previous_blank = false;
                skip_rest_of_line(self, ends_line)?;
                continue;
            }
            if start.is_none() {
                // Text before the first `From ` line: an mbox that does not start with one.
                start = Some(chunk_start);
            }
            let line = if at_line_start && is_quoted_from(line) {
                &line[1..]
            } else {
                line
            };
            let room = self.max_message_bytes.saturating_sub(bytes.len());
            if line.len() > room {
                truncated = true;
            }
            bytes.extend_from_slice(&line[..line.len().min(room)]);
            if at_line_start {
                self.previous_blank = line == b"\n" || line == b"\r\n";
            } else {
                self.previous_blank = false;
            }
            at_line_start = ends_line;
        }
        Ok(start.map(|start| finish(start, bytes, truncated, self.offset)))
    }
}

fn skip_rest_of_line<R: BufRead>(
    reader: &mut MboxReader<R>,
    mut ends_line: bool,
) -> io::Result<()> {
    while !ends_line {
        match reader.next_chunk()? {
            Some(ends) => ends_line = ends,
            None => break,
        }
    }
    Ok(())
}

fn finish(start: u64, mut bytes: Vec<u8>, truncated: bool, end: u64) -> MboxMessage {
    // The empty line before the next `From ` line is the separator, not message text.
    if bytes.ends_with(b"\r\n\r\n") {
        bytes.truncate(bytes.len() - 2);
    } else if bytes.ends_with(b"\n\n") {
        bytes.truncate(bytes.len() - 1);
    }
    MboxMessage {
        offset: start,
        bytes,
        truncated,
        consumed: end - start,
    }
}

/// `>From `, `>>From `, …: a body line that was quoted when the mbox was written.
fn is_quoted_from(line: &[u8]) -> bool {
    let quotes = line.iter().take_while(|&&b| b == b'>').count();
    quotes > 0 && line[quotes..].starts_with(b"From ")
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = io::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_message() {
            Ok(Some(message)) => Some(Ok(message)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                // After an I/O error the stream position is unknown: stop this mbox.
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(data: &[u8], limit: usize) -> Vec<MboxMessage> {
        MboxReader::new(data, limit).map(|m| m.unwrap()).collect()
    }

    fn texts(data: &[u8]) -> Vec<String> {
        read(data, 1 << 20)
            .into_iter()
            .map(|m| String::from_utf8(m.bytes).unwrap())
            .collect()
    }

    #[test]
    fn splits_at_from_lines_after_blank_lines() {
        let data = b"From a@b Thu Jan  1 00:00:00 2020\nSubject: one\n\nbody\nFrom here, not a separator\n\nFrom c@d Fri Jan  2 00:00:00 2020\nSubject: two\n\nsecond\n";
        assert_eq!(
            texts(data),
            vec![
                "Subject: one\n\nbody\nFrom here, not a separator\n",
                "Subject: two\n\nsecond\n"
            ]
        );
        let messages = read(data, 1 << 20);
        assert_eq!(messages[0].offset, 0);
        let second = data.windows(8).position(|w| w == b"From c@d").unwrap();
        assert_eq!(messages[1].offset, second as u64);
        let consumed: u64 = messages.iter().map(|m| m.consumed).sum();
        assert_eq!(consumed, data.len() as u64);
    }

    #[test]
    fn unquotes_mboxrd_from_lines_by_one_level() {
        let data = b"From a@b x\nSubject: q\n\n>From the start\n>>From deeper\n> From not quoted\nx >From mid\n";
        assert_eq!(
            texts(data),
            vec!["Subject: q\n\nFrom the start\n>From deeper\n> From not quoted\nx >From mid\n"]
        );
    }

    #[test]
    fn crlf_separators_and_a_missing_final_newline() {
        let data = b"From a x\r\nSubject: 1\r\n\r\nA\r\n\r\nFrom b x\r\nSubject: 2\r\n\r\nB";
        assert_eq!(
            texts(data),
            vec!["Subject: 1\r\n\r\nA\r\n", "Subject: 2\r\n\r\nB"]
        );
    }

    #[test]
    fn empty_input_has_no_messages_and_leading_text_is_one() {
        assert!(texts(b"").is_empty());
        assert_eq!(
            texts(b"Subject: no envelope\n\nx\n"),
            vec!["Subject: no envelope\n\nx\n"]
        );
    }

    #[test]
    fn long_messages_and_lines_are_capped_not_loaded() {
        let mut data = b"From a x\nSubject: big\n\n".to_vec();
        data.extend(std::iter::repeat_n(b'a', 1_000_000));
        data.extend_from_slice(b"\n\nFrom b x\nSubject: small\n\nok\n");
        let messages = read(&data, 1000);
        assert_eq!(messages.len(), 2);
        assert!(messages[0].truncated);
        assert_eq!(messages[0].bytes.len(), 1000);
        assert!(!messages[1].truncated);
        assert_eq!(messages[1].bytes, b"Subject: small\n\nok\n");
    }

    #[test]
    fn a_from_line_inside_a_long_line_is_not_a_separator() {
        let mut data = b"From a x\nSubject: s\n\n".to_vec();
        data.extend(std::iter::repeat_n(b'b', LINE_CHUNK - 1));
        data.extend_from_slice(b"\nFrom b x\n");
        // The chunk boundary lands right before "\nFrom": the previous line is not blank.
        assert_eq!(read(&data, 1 << 20).len(), 1);
        let mut data2 = b"From a x\n\n".to_vec();
        data2.extend(std::iter::repeat_n(b'c', LINE_CHUNK));
        data2.extend_from_slice(b"From b x\n");
        assert_eq!(read(&data2, 1 << 20).len(), 1);
    }
}
