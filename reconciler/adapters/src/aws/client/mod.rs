//! [`Route53`]: the one Route 53 client of a provider process.
//!
//! It owns everything that must be shared by all Route 53 calls of one Terraform run: the SDK
//! configuration (resolved lazily, on the first call, so a configuration that never touches AWS
//! needs no credentials), the rate budget ([`TokenBucket`]), the retry policy, and the read
//! caches — one zone listing per hosted zone and one health check listing, each filled by a
//! single in-flight scan that concurrent callers share and dropped by any write through this
//! client.
//!
//! - [`zones`]: record set listings, atomic change batches, hosted zones;
//! - [`health_checks`]: health checks and their tags;
//!
//! Writes of record sets go through [`Route53::change_batch`]: one atomic
//! ChangeResourceRecordSets call, settled by reading the zone whenever an attempt's outcome is
//! unknown, so a batch is never applied twice. A rollout's writes are fenced
//! ([`Route53::fenced_change_batch`]): every attempt, retries included, is sent only while the
//! rollout's lease has more life left than the attempt's deadline, and abandoned after it.

mod health_checks;
mod zones;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::error::AwsError;
use super::health::HealthCheck;
use super::rate::TokenBucket;
use super::records::RecordSet;
use super::retry::{retrying, RetryPolicy};
use super::sdk_config;
use super::settings::AwsSettings;

pub use zones::HostedZone;

/// The Route 53 client of one provider process. Cloning is cheap and clones share the rate
/// budget, the SDK configuration and the caches.
#[derive(Clone)]
pub struct Route53 {
    inner: Arc<Inner>,
}

/// A listing shared by everyone who asked for it while it was valid: filled once by a single
/// scan that concurrent callers await together.
type SharedListing<T> = Arc<OnceCell<Arc<Vec<T>>>>;

struct Inner {
    settings: AwsSettings,
    sdk: OnceCell<aws_sdk_route53::Client>,
    bucket: TokenBucket,
    policy: RetryPolicy,
    /// Zone id → the listing of that zone. A cell is replaced (never cleared) on invalidation,
    /// so a scan that was in flight during a write fills only the cell its callers hold.
    zones: Mutex<HashMap<String, SharedListing<RecordSet>>>,
    health_checks: Mutex<SharedListing<HealthCheck>>,
}

impl std::fmt::Debug for Route53 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route53")
            .field("settings", &self.inner.settings)
            .field("initialised", &self.inner.sdk.initialized())
            .finish_non_exhaustive()
    }
}

impl Route53 {
    /// A client for `settings`. Does no I/O: configuration and credentials are resolved on the
    /// first call.
    pub fn new(settings: AwsSettings) -> Route53 {
        Route53 {
            inner: Arc::new(Inner {
                bucket: TokenBucket::new(settings.api_requests_per_second),
                policy: RetryPolicy::new(settings.max_retries),
                settings,
                sdk: OnceCell::new(),
                zones: Mutex::default(),
                health_checks: Mutex::default(),
            }),
        }
    }

    /// The settings this client was made with.
    pub fn settings(&self) -> &AwsSettings {
        &self.inner.settings
    }

    /// The SDK client, built on first use. A failure is not cached: the next call tries again.
    async fn sdk(&self) -> Result<aws_sdk_route53::Client, AwsError> {
        self.inner
            .sdk
            .get_or_try_init(|| sdk_config::route53_client(&self.inner.settings))
            .await
            .cloned()
    }

    /// Runs one SDK call with our retries inside our rate budget.
    async fn call<T, E, F, Fut>(&self, operation: &'static str, subject: &str, mut send: F) -> Result<T, AwsError>
    where
        F: FnMut(aws_sdk_route53::Client) -> Fut,
        Fut: std::future::Future<
            Output = Result<
                T,
                aws_sdk_route53::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
            >,
        >,
        E: aws_sdk_route53::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        let client = self.sdk().await?;
        retrying(&self.inner.policy, &self.inner.bucket, || {
            let sent = send(client.clone());
            async move { sent.await.map_err(|err| AwsError::from_sdk(operation, subject, err)) }
        })
        .await
    }
}

/// Locks a cache map. A poisoned lock only means another task panicked while swapping an
/// `Arc`; the map itself is always consistent, so it is used as is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
