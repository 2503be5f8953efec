//! Errors of journal stores: I/O naming the path, corrupt entries naming the line, and lease
//! contention naming the holder with when its lease can be taken over (shown to a user whose
//! second `terraform apply` must wait), or, to a holder that lost its lease, who took it.

use std::path::PathBuf;

use crate::human_time::{countdown, utc};

/// A journal store failure.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Reading or writing a journal file failed.
    #[error("journal {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A complete line of a lease or approvals file is not valid.
    #[error("journal {path}, line {line}: not a valid entry: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// A complete line of a deployment's journal is not a valid entry.
    #[error(
        "journal {path}, line {line}: not a valid entry: {message}. `globaldeploy journal verify {deployment}` lists \
         every bad line and `globaldeploy journal repair {deployment}` drops the ones it can drop safely (keeping a \
         backup); see docs/guides/cli-and-journal.md"
    )]
    CorruptEntry {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// Deployment name.
        deployment: String,
        /// What the parser said.
        message: String,
    },
    /// Another holder's lease is live.
    #[error(
        "deployment {deployment:?} is being rolled out by {holder}; its lease can be taken over from {} (in {}) if \
         that process has died: wait for it to finish, or run `globaldeploy resume` then",
        utc(*takeable_at),
        countdown(*takeable_at, *now)
    )]
    LeaseHeld {
        /// Deployment name.
        deployment: String,
        /// Who holds it.
        holder: String,
        /// When it can be taken over (milliseconds since the epoch).
        takeable_at: u64,
        /// When this was found (milliseconds since the epoch), for the countdown.
        now: u64,
    },
    /// Our lease was taken over (it expired while we could not renew it).
    #[error(
        "the lease of deployment {deployment:?} held by {holder} was taken over by {taken_by}; this process writes \
         nothing more"
    )]
    LeaseLost {
        /// Deployment name.
        deployment: String,
        /// Our holder id.
        holder: String,
        /// Who holds it now (or "nobody" when it was released).
        taken_by: String,
    },
    /// A call to a remote store (S3) failed, after its retries.
    #[error("journal {location}: {message}")]
    Remote {
        /// The object or prefix, as a URL (`s3://bucket/key`).
        location: String,
        /// What failed.
        message: String,
    },
    /// An object of a remote store's journal is not a valid entry.
    #[error("journal {location}: not a valid entry of deployment {deployment:?}: {message}")]
    CorruptObject {
        /// The object, as a URL.
        location: String,
        /// Deployment name.
        deployment: String,
        /// What the parser said.
        message: String,
    },
    /// The journal URL names a store this build does not have.
    #[error("unsupported journal {url:?}: expected file://DIRECTORY or s3://BUCKET/PREFIX")]
    UnsupportedUrl {
        /// The URL.
        url: String,
    },
    /// A deployment name that cannot be a file name.
    #[error(
        "deployment name {name:?} cannot name a journal: use letters, digits, '.', '_' and '-', not starting with '.'"
    )]
    InvalidName {
        /// The name.
        name: String,
    },
}
