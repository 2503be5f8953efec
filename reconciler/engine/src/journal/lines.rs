//! The JSON-lines layout of the file store, as read back: which bytes are complete lines, how
//! they are numbered, and what counts as a torn tail. One home for these rules, so `load`, the
//! append that cuts a torn tail off, and `globaldeploy journal verify|repair` agree on them.
//!
//! The file is split into lines on the `\n` byte, before any decoding: a crash mid-append may
//! stop inside a multi-byte UTF-8 character, and the complete lines before it must still read.
//! Bytes after the last `\n` are a torn tail (an append that was never acknowledged). Lines are
//! numbered from 1 as an editor numbers them, blank lines included (blank lines are skipped, not
//! renumbered), so a reported line number is the line to look at.

use serde::Deserialize;

/// A complete line of a journal file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: usize,
    /// The line's bytes, without its `\n`.
    pub bytes: &'a [u8],
}

/// A journal file's bytes, split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The complete, non-blank lines, in order.
    pub lines: Vec<Line<'a>>,
    /// Length in bytes of the complete part (what a torn tail is cut back to).
    pub complete_len: usize,
    /// The torn tail's line number and byte length, if the file does not end with `\n`.
    pub torn: Option<(usize, usize)>,
}

/// Splits `content` into complete lines and a torn tail.
pub fn split(content: &[u8]) -> Split<'_> {
    let complete_len = content.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let complete = &content[..complete_len];
    let mut lines = Vec::new();
    let mut count = 0;
    if !complete.is_empty() {
        for (i, bytes) in complete[..complete_len - 1].split(|&b| b == b'\n').enumerate() {
            count = i + 1;
            if !bytes.iter().all(u8::is_ascii_whitespace) {
                lines.push(Line { number: i + 1, bytes });
            }
        }
    }
    let torn = (complete_len < content.len()).then(|| (count + 1, content.len() - complete_len));
    Split {
        lines,
        complete_len,
        torn,
    }
}

/// Why a complete line is not a `T`.
pub fn parse<T: for<'de> Deserialize<'de>>(line: &Line<'_>) -> Result<T, String> {
    let text = std::str::from_utf8(line.bytes)
        .map_err(|e| format!("not UTF-8 text (invalid byte at column {})", e.valid_up_to() + 1))?;
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// A complete line that is not what the file holds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BadLine {
    /// 1-based line number.
    pub number: usize,
    /// What the parser said.
    pub message: String,
}

/// Every complete line of `content` as a `T`; the first line that is not one is the error.
pub fn parse_all<T: for<'de> Deserialize<'de>>(content: &[u8]) -> Result<Vec<T>, BadLine> {
    split(content)
        .lines
        .iter()
        .map(|line| {
            parse(line).map_err(|message| BadLine {
                number: line.number,
                message,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tear_inside_a_multi_byte_character_leaves_the_complete_lines() {
        // "é" is two bytes; the crash kept only the first.
        let content = b"{\"a\":1}\n\n{\"b\":\"\xc3\xa9\"}\n{\"c\":\"\xc3";
        let split = split(content);
        assert_eq!(
            split.lines,
            vec![
                Line {
                    number: 1,
                    bytes: b"{\"a\":1}"
                },
                Line {
                    number: 3,
                    bytes: b"{\"b\":\"\xc3\xa9\"}"
                },
            ]
        );
        assert_eq!(split.torn, Some((4, 7)));
        assert_eq!(split.complete_len, content.len() - 7);
        let values: Vec<serde_json::Value> = parse_all(content).unwrap();
        assert_eq!(values[1]["b"], "é");
    }

    #[test]
    fn a_complete_line_that_is_not_text_is_named_by_its_line() {
        let err = parse_all::<serde_json::Value>(b"{}\n\n{\"x\":\"\xff\"}\n").unwrap_err();
        assert_eq!(
            err,
            BadLine {
                number: 3,
                message: "not UTF-8 text (invalid byte at column 7)".into()
            }
        );
    }

    #[test]
    fn empty_and_newline_terminated_files_have_no_tail() {
        assert_eq!(split(b"").torn, None);
        assert_eq!(split(b"{}\n").torn, None);
        assert_eq!(split(b"{").torn, Some((1, 1)));
    }
}
