//! A journal store chosen by its location: the one place a `journal` setting
//! (`file://DIR` or `s3://BUCKET/PREFIX`) is parsed and opened, for the provider and the CLI
//! alike. [`Journal`] is whichever store the location names, behind the same ports.

use std::time::Duration;

use async_trait::async_trait;

use crate::aws::AwsSettings;
use crate::file_journal::FileJournal;
use crate::s3_journal::S3Journal;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::journal::lease::{Holder, Lease};
use globaldeploy_engine::journal::record::Recorded;
use globaldeploy_engine::ports::{Approvals, JournalStore, RollbackRequest};

/// Where a journal lives, parsed from `file://DIR` or `s3://BUCKET/PREFIX`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JournalLocation {
    /// A local directory.
    File(String),
    /// An S3 bucket and key prefix.
    S3 {
        /// Bucket name.
        bucket: String,
        /// Key prefix, without leading or trailing `/` (may be empty).
        prefix: String,
    },
}

impl JournalLocation {
    /// Parses `file://DIR` or `s3://BUCKET/PREFIX`; the error says what is expected.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(dir) = text.strip_prefix("file://") {
            if dir.is_empty() {
                return Err("file:// needs a directory, e.g. file://.globaldeploy".to_owned());
            }
            return Ok(Self::File(dir.to_owned()));
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err("s3:// needs a bucket, e.g. s3://my-bucket/globaldeploy".to_owned());
            }
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
            });
        }
        Err(format!(
            "{text:?} is not a journal location; expected file://DIR or s3://BUCKET/PREFIX."
        ))
    }

    /// The location as a URL again.
    pub fn url(&self) -> String {
        match self {
            JournalLocation::File(dir) => format!("file://{dir}"),
            JournalLocation::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
        }
    }
}

/// The journal store a location names.
#[derive(Debug)]
pub enum Journal {
    /// `file://DIR`.
    File(FileJournal),
    /// `s3://BUCKET/PREFIX`.
    S3(S3Journal),
}

impl Journal {
    /// Opens `location`; an S3 journal reaches S3 as `aws` says (`s3_endpoint`, credentials,
    /// retries). Does no I/O.
    pub fn open(location: &JournalLocation, aws: &AwsSettings) -> Journal {
        match location {
            JournalLocation::File(dir) => Journal::File(FileJournal::new(dir)),
            JournalLocation::S3 { bucket, prefix } => {
                Journal::S3(S3Journal::new(crate::aws::S3::new(aws.clone()), bucket, prefix))
            }
        }
    }

    /// Opens the journal at `url` (`file://DIR` or `s3://BUCKET/PREFIX`).
    pub fn from_url(url: &str, aws: &AwsSettings) -> Result<Journal, JournalError> {
        let location = JournalLocation::parse(url).map_err(|_| JournalError::UnsupportedUrl { url: url.to_owned() })?;
        Ok(Journal::open(&location, aws))
    }

    /// The journal's URL, as messages name it.
    pub fn url(&self) -> String {
        match self {
            Journal::File(file) => format!("file://{}", file.dir().display()),
            Journal::S3(s3) => s3.url(),
        }
    }

    /// Where `deployment`'s journal is, as messages name it (a file, or an S3 prefix), and
    /// whether it exists. Only a file can be missing: an S3 journal is a prefix, which exists
    /// once it holds an object and otherwise reads as empty.
    pub fn whereabouts(&self, deployment: &str) -> (String, bool) {
        match self {
            Journal::File(file) => {
                let path = file.journal_path(deployment).unwrap_or_else(|_| file.dir().to_owned());
                (path.display().to_string(), path.exists())
            }
            Journal::S3(s3) => (format!("{}/{deployment}/", s3.url()), true),
        }
    }

    /// The file store, for what only it has (`globaldeploy journal verify|repair` of its lines).
    pub fn as_file(&self) -> Option<&FileJournal> {
        match self {
            Journal::File(file) => Some(file),
            Journal::S3(_) => None,
        }
    }

    /// The deployments with a journal here, sorted by name.
    pub async fn deployments(&self) -> Result<Vec<String>, JournalError> {
        match self {
            Journal::File(file) => file.deployments(),
            Journal::S3(s3) => s3.deployments().await,
        }
    }

    /// Every entry of `deployment`'s journal with when it was recorded, oldest first.
    pub async fn load_recorded(&self, deployment: &str) -> Result<Vec<Recorded>, JournalError> {
        match self {
            Journal::File(file) => file.load_recorded(deployment).await,
            Journal::S3(s3) => s3.load_recorded(deployment).await,
        }
    }

    fn store(&self) -> &dyn JournalStore {
        match self {
            Journal::File(file) => file,
            Journal::S3(s3) => s3,
        }
    }

    fn approvals(&self) -> &dyn Approvals {
        match self {
            Journal::File(file) => file,
            Journal::S3(s3) => s3,
        }
    }
}

#[async_trait]
impl JournalStore for Journal {
    async fn append(&self, lease: &Lease, entry: &Entry) -> Result<(), JournalError> {
        self.store().append(lease, entry).await
    }

    async fn load(&self, deployment: &str) -> Result<Vec<Entry>, JournalError> {
        self.store().load(deployment).await
    }

    async fn acquire_lease(
        &self,
        deployment: &str,
        holder: &Holder,
        ttl: Duration,
        now_millis: u64,
    ) -> Result<Lease, JournalError> {
        self.store().acquire_lease(deployment, holder, ttl, now_millis).await
    }

    async fn renew_lease(&self, lease: &Lease, ttl: Duration, now_millis: u64) -> Result<Lease, JournalError> {
        self.store().renew_lease(lease, ttl, now_millis).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), JournalError> {
        self.store().release_lease(lease).await
    }
}

#[async_trait]
impl Approvals for Journal {
    async fn approve(&self, deployment: &str, rollout_id: &str, wave: &str, by: &str) -> Result<(), JournalError> {
        self.approvals().approve(deployment, rollout_id, wave, by).await
    }

    async fn approval(&self, deployment: &str, rollout_id: &str, wave: &str) -> Result<Option<String>, JournalError> {
        self.approvals().approval(deployment, rollout_id, wave).await
    }

    async fn request_rollback(&self, deployment: &str, request: &RollbackRequest) -> Result<(), JournalError> {
        self.approvals().request_rollback(deployment, request).await
    }

    async fn rollback_request(
        &self,
        deployment: &str,
        rollout_id: &str,
    ) -> Result<Option<RollbackRequest>, JournalError> {
        self.approvals().rollback_request(deployment, rollout_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_print_back() {
        assert_eq!(
            JournalLocation::parse("file://.globaldeploy"),
            Ok(JournalLocation::File(".globaldeploy".into()))
        );
        let s3 = JournalLocation::parse("s3://team/globaldeploy/prod/").unwrap();
        assert_eq!(
            s3,
            JournalLocation::S3 {
                bucket: "team".into(),
                prefix: "globaldeploy/prod".into()
            }
        );
        assert_eq!(s3.url(), "s3://team/globaldeploy/prod");
        for bad in ["file://", "s3://", "s3:///x", "/tmp/journal", "https://example.com"] {
            assert!(JournalLocation::parse(bad).is_err(), "{bad}");
        }
    }
}
