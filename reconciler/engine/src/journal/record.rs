//! One journal line: an [`Entry`] plus `at`, when the store recorded it (milliseconds since the
//! Unix epoch), so a deployment's history can be drawn over time (`globaldeploy timeline`).
//!
//! `at` sits beside the entry's own fields (`{"kind":"step",...,"at":1700000000000}`), so readers
//! that only want entries ignore it, and lines written before it existed still read (`at` is
//! then `None`).

use serde::{Deserialize, Serialize};

use crate::journal::entry::Entry;

/// A journal line as read back.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Recorded {
    /// The entry.
    #[serde(flatten)]
    pub entry: Entry,
    /// When the store recorded it (`None` for lines written before stores stamped them).
    #[serde(default)]
    pub at: Option<u64>,
}

/// A journal line as written: the entry, stamped.
#[derive(Serialize)]
pub struct Stamped<'a> {
    /// The entry.
    #[serde(flatten)]
    pub entry: &'a Entry,
    /// When the store records it.
    pub at: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::RolloutStatus;

    #[test]
    fn stamps_sit_beside_the_entry_and_read_back() {
        let entry = Entry::Outcome {
            status: RolloutStatus::RolledBack,
        };
        let line = serde_json::to_string(&Stamped { entry: &entry, at: 42 }).unwrap();
        assert_eq!(line, r#"{"kind":"outcome","status":"rolled_back","at":42}"#);
        let read: Recorded = serde_json::from_str(&line).unwrap();
        assert_eq!(read, Recorded { entry, at: Some(42) });
        // Readers of bare entries ignore the stamp.
        let bare: Entry = serde_json::from_str(&line).unwrap();
        assert_eq!(bare, read.entry);
    }

    #[test]
    fn lines_without_a_stamp_still_read() {
        let read: Recorded = serde_json::from_str(r#"{"kind":"promoted","group":1}"#).unwrap();
        assert_eq!(read.entry, Entry::Promoted { group: 1 });
        assert_eq!(read.at, None);
    }
}
