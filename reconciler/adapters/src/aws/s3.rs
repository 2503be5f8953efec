//! [`S3`]: the object calls the S3 journal store is built from — a read with its ETag, a listing
//! of keys, and puts that only land if a condition holds (`If-None-Match: *` for an object that
//! must not exist yet, `If-Match: ETAG` for one that must not have changed).
//!
//! Like [`super::Route53`], the client resolves its configuration on first use and runs every
//! attempt through our retry loop inside one rate budget (its own: S3's limits are three orders
//! of magnitude above Route 53's five requests a second). A conditional put whose outcome is
//! unknown (a timeout, a lost answer, a 5xx) is settled by reading the object back before
//! anything is sent again ([`super::retry::retrying_unless_applied`]): if the object now holds
//! exactly what was sent, the put took effect; so a put is never applied twice and never
//! reported lost when it landed.

use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;
use tokio::sync::OnceCell;

use super::error::AwsError;
use super::rate::TokenBucket;
use super::retry::{retrying, retrying_unless_applied, RetryPolicy};
use super::sdk_config;
use super::settings::AwsSettings;

/// Requests per second of the S3 client's rate budget: far below what S3 serves one prefix
/// (3,500 writes and 5,500 reads a second), far above what a journal needs.
const REQUESTS_PER_SECOND: f64 = 100.0;

/// An object as read: its bytes and its ETag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    /// The content.
    pub body: Vec<u8>,
    /// The entity tag a later `If-Match` names.
    pub etag: String,
}

/// What a listing found.
#[derive(Default)]
struct Listing {
    keys: Vec<String>,
    common_prefixes: Vec<String>,
}

/// When a put may land.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Only if no object has the key (`If-None-Match: *`).
    Absent,
    /// Only if the object still has this ETag (`If-Match`).
    Unchanged(String),
}

/// Why a conditional put did not land.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// The condition did not hold: someone else wrote (or deleted) the object first.
    #[error("s3://{bucket}/{key}: the object changed before this write (precondition failed)")]
    Conflict {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
    },
    /// The call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// The S3 client of one process. Cloning is cheap; clones share the configuration and budget.
#[derive(Clone)]
pub struct S3 {
    inner: Arc<Inner>,
}

struct Inner {
    settings: AwsSettings,
    sdk: OnceCell<aws_sdk_s3::Client>,
    bucket: TokenBucket,
    policy: RetryPolicy,
}

impl std::fmt::Debug for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl S3 {
    /// A client for `settings` (its S3 endpoint, credentials and retries). Does no I/O.
    pub fn new(settings: AwsSettings) -> S3 {
        S3 {
            inner: Arc::new(Inner {
                bucket: TokenBucket::new(REQUESTS_PER_SECOND),
                policy: RetryPolicy::new(settings.max_retries),
                settings,
                sdk: OnceCell::new(),
            }),
        }
    }

    async fn sdk(&self) -> Result<aws_sdk_s3::Client, AwsError> {
        self.inner
            .sdk
            .get_or_try_init(|| sdk_config::s3_client(&self.inner.settings))
            .await
            .cloned()
    }

    /// The object at `key`, or `None` when there is none.
    pub async fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, AwsError> {
        let client = self.sdk().await?;
        let subject = url(bucket, key);
        retrying(&self.inner.policy, &self.inner.bucket, || {
            let request = client.get_object().bucket(bucket).key(key);
            let subject = subject.clone();
            async move {
                let output = match request.send().await {
                    Ok(output) => output,
                    Err(err) => {
                        let err = AwsError::from_sdk("GetObject", subject, err);
                        return if err.code() == Some("NoSuchKey") {
                            Ok(None)
                        } else {
                            Err(err)
                        };
                    }
                };
                let etag = output.e_tag().unwrap_or_default().to_owned();
                let body = output.body.collect().await.map_err(|err| AwsError::Connection {
                    operation: "GetObject",
                    subject: subject.clone(),
                    message: err.to_string(),
                })?;
                Ok(Some(Object {
                    body: body.into_bytes().to_vec(),
                    etag,
                }))
            }
        })
        .await
    }

    /// Every key under `prefix`, in S3's (lexicographic) order.
    pub async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, AwsError> {
        Ok(self.listing(bucket, prefix, false).await?.keys)
    }

    /// The names one level below `prefix` (which ends in `/`): the common prefixes of a listing
    /// with the `/` delimiter, without `prefix` and the trailing `/`, sorted.
    pub async fn children(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, AwsError> {
        let mut names: Vec<String> = (self.listing(bucket, prefix, true).await?.common_prefixes)
            .iter()
            .filter_map(|p| Some(p.strip_prefix(prefix)?.strip_suffix('/')?.to_owned()))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Every page of a ListObjectsV2 of `prefix`, grouped at `/` when `delimited`.
    async fn listing(&self, bucket: &str, prefix: &str, delimited: bool) -> Result<Listing, AwsError> {
        let client = self.sdk().await?;
        let subject = url(bucket, prefix);
        let mut listing = Listing::default();
        let mut token: Option<String> = None;
        loop {
            let page = retrying(&self.inner.policy, &self.inner.bucket, || {
                let request = client
                    .list_objects_v2()
                    .bucket(bucket)
                    .prefix(prefix)
                    .set_delimiter(delimited.then(|| "/".to_owned()))
                    .set_continuation_token(token.clone());
                let subject = subject.clone();
                async move {
                    request
                        .send()
                        .await
                        .map_err(|err| AwsError::from_sdk("ListObjectsV2", subject, err))
                }
            })
            .await?;
            listing
                .keys
                .extend(page.contents().iter().filter_map(|o| o.key().map(str::to_owned)));
            listing.common_prefixes.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_owned)),
            );
            token = page.next_continuation_token().map(str::to_owned);
            if token.is_none() || page.is_truncated() != Some(true) {
                return Ok(listing);
            }
        }
    }

    /// Puts `body` at `key` if `condition` holds; returns the new ETag. An attempt whose outcome
    /// is unknown is settled by reading the object back: holding exactly `body`, it landed.
    pub async fn put(&self, bucket: &str, key: &str, body: Vec<u8>, condition: Condition) -> Result<String, PutError> {
        let client = self.sdk().await?;
        let subject = url(bucket, key);
        let attempt = || {
            let mut request = client
                .put_object()
                .bucket(bucket)
                .key(key)
                .content_type("application/json")
                .body(ByteStream::from(body.clone()));
            request = match &condition {
                Condition::Absent => request.if_none_match("*"),
                Condition::Unchanged(etag) => request.if_match(etag),
            };
            let subject = subject.clone();
            async move {
                let output = request
                    .send()
                    .await
                    .map_err(|err| AwsError::from_sdk("PutObject", subject, err))?;
                Ok(output.e_tag().unwrap_or_default().to_owned())
            }
        };
        let landed = || async {
            Ok(self
                .get(bucket, key)
                .await?
                .filter(|object| object.body == body)
                .map(|object| object.etag))
        };
        match retrying_unless_applied(&self.inner.policy, &self.inner.bucket, &subject, attempt, landed).await {
            Ok(etag) => Ok(etag),
            Err(err) if is_conflict(&err) => Err(PutError::Conflict {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
            }),
            Err(err) => Err(PutError::Aws(err)),
        }
    }
}

/// A conditional write that lost: the condition failed (412), or another conditional write of
/// the same key was in flight (409, which S3 documents as "retry": the caller re-reads and
/// decides, which is that retry).
fn is_conflict(err: &AwsError) -> bool {
    matches!(err.code(), Some("PreconditionFailed" | "ConditionalRequestConflict"))
        || matches!(err.status(), Some(409 | 412))
}

/// `s3://bucket/key`, how every message names an object.
pub fn url(bucket: &str, key: &str) -> String {
    format!("s3://{bucket}/{key}")
}
