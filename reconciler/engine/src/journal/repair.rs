//! What `globaldeploy journal verify` finds in a journal file and what `globaldeploy journal
//! repair` may drop from it. Pure functions of the file's bytes; the CLI reads and writes.
//!
//! The repair rule is the safety argument, so it is stated once, here: repair cuts a torn tail
//! (as the next append would) and drops a corrupt complete line **only when it comes before the
//! intent of the latest rollout** (the last line that is a valid intent). Such a line belongs to
//! an earlier rollout, which had finished before the latest one started (the engine starts no
//! rollout over an unfinished one), and replay reads only the latest rollout: dropping the line
//! changes history (`globaldeploy timeline`), never what the journal says serves. A corrupt line
//! after that intent, or in a journal with no valid intent, may have been a step, a verdict or
//! the outcome (or the intent) of the rollout that owns the weights now: dropping it could make
//! the journal disagree with Route 53, so repair refuses and says which line to fix by hand.

use serde::Serialize;

use crate::journal::entry::Entry;
use crate::journal::lines::{self, BadLine};
use crate::journal::replay;

/// Everything wrong (or not) with one journal file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Inspection {
    /// Complete, non-blank lines.
    pub lines: usize,
    /// Every complete line that is not a valid entry.
    pub bad: Vec<BadLine>,
    /// The torn tail's line number, if the file does not end with a newline.
    pub torn_line: Option<usize>,
    /// Line of the latest valid intent, and that rollout's id.
    pub latest_rollout: Option<(usize, String)>,
    /// Why the valid lines do not replay, if they do not.
    pub replay_error: Option<String>,
}

/// What repair does to a journal.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Repair {
    /// Nothing to do.
    Nothing,
    /// Writes `content` in place of the journal: the torn tail cut off and `dropped` lines left out.
    Rewrite {
        /// Line numbers left out.
        dropped: Vec<usize>,
        /// Whether a torn tail is cut off.
        cuts_torn_tail: bool,
        /// The new file.
        #[serde(skip)]
        content: Vec<u8>,
    },
    /// Repair would risk the journal disagreeing with Route 53.
    Refuse {
        /// Why, and what to do instead.
        reason: String,
    },
}

/// Checks every line of a journal's `content`.
pub fn inspect(content: &[u8]) -> Inspection {
    let split = lines::split(content);
    let mut bad = Vec::new();
    let mut entries = Vec::new();
    let mut latest_rollout = None;
    for line in &split.lines {
        match lines::parse::<Entry>(line) {
            Ok(entry) => {
                if let Entry::Intent(intent) = &entry {
                    latest_rollout = Some((line.number, intent.rollout_id.clone()));
                }
                entries.push(entry);
            }
            Err(message) => bad.push(BadLine {
                number: line.number,
                message,
            }),
        }
    }
    let replay_error = replay(&entries).err().map(|e| e.to_string());
    Inspection {
        lines: split.lines.len(),
        bad,
        torn_line: split.torn.map(|(line, _)| line),
        latest_rollout,
        replay_error,
    }
}

/// What repair does to `content` (see the module documentation for the rule).
pub fn plan(content: &[u8]) -> Repair {
    let inspection = inspect(content);
    if inspection.bad.is_empty() && inspection.torn_line.is_none() {
        return match inspection.replay_error {
            None => Repair::Nothing,
            Some(error) => Repair::Refuse {
                reason: format!(
                    "every line is a valid entry, but the latest rollout does not replay ({error}); no line can be \
                     dropped safely: restore the journal from a copy, or fix the entry by hand"
                ),
            },
        };
    }
    let latest = inspection.latest_rollout.as_ref().map_or(0, |(line, _)| *line);
    if let Some(first) = inspection.bad.iter().find(|b| b.number > latest) {
        let owner = match &inspection.latest_rollout {
            Some((line, id)) => format!("comes after the intent of the latest rollout {id} (line {line})"),
            None => "is in a journal with no valid intent".to_owned(),
        };
        return Repair::Refuse {
            reason: format!(
                "line {} {owner}: it may have been a step, a gate verdict or the outcome of the rollout that owns the \
                 weights now, and dropping it could make the journal disagree with Route 53. Fix line {} by hand \
                 (it must be one JSON entry), then run `globaldeploy journal verify`",
                first.number, first.number
            ),
        };
    }
    let dropped: Vec<usize> = inspection.bad.iter().map(|b| b.number).collect();
    let split = lines::split(content);
    // Every byte of the complete part (blank lines too), except the dropped lines.
    let kept: Vec<u8> = content[..split.complete_len]
        .split_inclusive(|&b| b == b'\n')
        .enumerate()
        .filter(|(index, _)| !dropped.contains(&(index + 1)))
        .flat_map(|(_, line)| line.iter().copied())
        .collect();
    let after = inspect(&kept);
    if let Some(error) = after.replay_error {
        return Repair::Refuse {
            reason: format!("without lines {dropped:?} the latest rollout does not replay ({error})"),
        };
    }
    Repair::Rewrite {
        dropped,
        cuts_torn_tail: inspection.torn_line.is_some(),
        content: kept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The intent line of a recorded journal.
    fn intent() -> &'static str {
        include_str!("../testing/journal.jsonl").lines().next().unwrap()
    }

    fn journal(lines: &[&str]) -> Vec<u8> {
        lines.iter().flat_map(|l| format!("{l}\n").into_bytes()).collect()
    }

    #[test]
    fn corrupt_history_is_dropped_and_the_latest_rollout_kept() {
        let intent = intent();
        let content = journal(&[intent, "garbage", r#"{"kind":"outcome","status":"succeeded"}"#, intent]);
        let mut torn = content.clone();
        torn.extend_from_slice(br#"{"kind":"st"#);
        let inspection = inspect(&torn);
        assert_eq!(inspection.bad.iter().map(|b| b.number).collect::<Vec<_>>(), [2]);
        assert_eq!(inspection.torn_line, Some(5));
        match plan(&torn) {
            Repair::Rewrite {
                dropped,
                cuts_torn_tail,
                content: kept,
            } => {
                assert_eq!(dropped, [2]);
                assert!(cuts_torn_tail);
                assert_eq!(
                    kept,
                    journal(&[intent, r#"{"kind":"outcome","status":"succeeded"}"#, intent])
                );
                let after = inspect(&kept);
                assert!(after.bad.is_empty() && after.torn_line.is_none() && after.replay_error.is_none());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_corrupt_line_of_the_latest_rollout_is_refused() {
        let content = journal(&[intent(), r#"{"kind":"step","gro"#]);
        let Repair::Refuse { reason } = plan(&content) else {
            panic!("must refuse")
        };
        assert!(
            reason.starts_with("line 2 comes after the intent of the latest rollout"),
            "{reason}"
        );
        let Repair::Refuse { reason } = plan(b"garbage\n") else {
            panic!("must refuse")
        };
        assert!(
            reason.starts_with("line 1 is in a journal with no valid intent"),
            "{reason}"
        );
    }

    #[test]
    fn a_sound_journal_needs_nothing() {
        assert_eq!(plan(&journal(&[intent()])), Repair::Nothing);
        assert_eq!(plan(b""), Repair::Nothing);
    }
}
