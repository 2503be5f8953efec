//! Errors of journal stores: I/O naming the path, corrupt entries naming the line, and lease
//! contention naming the holder (shown to a user whose second `terraform apply` must wait).

use std::path::PathBuf;

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
    #[error("deployment {deployment:?} is being rolled out by {holder} (lease valid until {expires_at} ms since the epoch); wait for it to finish, or for the lease to expire if that process died, then run `globaldeploy resume`")]
    LeaseHeld {
        /// Deployment name.
        deployment: String,
        /// Who holds it.
        holder: String,
        /// When it expires (milliseconds since the epoch).
        expires_at: u64,
    },
    /// Our lease was taken over (it expired while we were not renewing it).
    #[error("the lease of deployment {deployment:?} held by {holder} was lost to another holder")]
    LeaseLost {
        /// Deployment name.
        deployment: String,
        /// Our holder id.
        holder: String,
    },
    /// The journal URL names a store this build does not have.
    #[error("unsupported journal {url:?}: expected file://DIRECTORY")]
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
