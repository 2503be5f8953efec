//! [`Route53`]: the one Route 53 client of a provider process.
//!
//! It owns everything that must be shared by all Route 53 calls of one Terraform run: the SDK
//! configuration (resolved lazily, on the first call, so a configuration that never touches AWS
//! needs no credentials), the rate budget ([`TokenBucket`]), the retry policy, and the read
//! caches — one zone listing per hosted zone and one health check listing, each filled by a
//! single in-flight scan that concurrent callers share and dropped by any write through this
//! client.
//!
//! Writes of record sets go through [`Route53::change_batch`]: one atomic
//! ChangeResourceRecordSets call, settled by reading the zone whenever an attempt's outcome is
//! unknown, so a batch is never applied twice. A rollout's writes are fenced
//! ([`Route53::fenced_change_batch`]): every attempt, retries included, is sent only while the
//! rollout's lease has more life left than the attempt's deadline, and abandoned after it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_route53::types as sdk;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use tokio::sync::OnceCell;

use super::convert::{
    change_batch_to_sdk, health_check_config_to_sdk, health_check_from_sdk, record_set_from_sdk, regions_to_sdk,
};
use super::error::AwsError;
use super::health::{HealthCheck, HealthCheckSpec};
use super::rate::TokenBucket;
use super::records::{batch_reflected, normalize_name, strip_zone_prefix, Change, RecordSet};
use super::retry::{retrying, RetryPolicy};
use super::settings::AwsSettings;
use globaldeploy_engine::journal::lease::{Fence, Unfenced, WRITE_DEADLINE};

/// Route 53 returns at most this many sets per page; asking for the maximum minimises calls.
const PAGE_SIZE: i32 = 300;
/// Route 53 is a global service whose requests are signed for us-east-1.
const DEFAULT_REGION: &str = "us-east-1";
/// Session name for `assume_role` when the configuration gives none.
const DEFAULT_SESSION_NAME: &str = "globaldeploy";
/// One attempt may take this long before it is a timeout (and retried): long enough for a
/// slow 300-set page, short enough that a hung connection does not eat a Terraform timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// GetChange polling starts at this interval and doubles up to [`INSYNC_POLL_CAP`]: Route 53
/// usually propagates within a minute, so polling faster only spends the rate budget.
const INSYNC_POLL_START: Duration = Duration::from_millis(500);
const INSYNC_POLL_CAP: Duration = Duration::from_secs(10);
/// Route 53's rule for HTTP(S) checks: healthy when more than 18 % of checkers say so.
const HEALTHY_SHARE: f64 = 0.18;

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

/// A hosted zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedZone {
    /// Zone id without the `/hostedzone/` prefix.
    pub id: String,
    /// Zone name, normalised.
    pub name: String,
    /// How many record sets the zone holds, as Route 53 counts them.
    pub record_set_count: Option<i64>,
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
            .get_or_try_init(|| build_client(&self.inner.settings))
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

    // ----- record sets -------------------------------------------------------------------

    /// Every record set of `zone_id`, from this run's cache or one shared scan.
    pub async fn record_sets(&self, zone_id: &str) -> Result<Arc<Vec<RecordSet>>, AwsError> {
        let zone = strip_zone_prefix(zone_id).to_owned();
        let cell = {
            let mut zones = lock(&self.inner.zones);
            Arc::clone(zones.entry(zone.clone()).or_default())
        };
        cell.get_or_try_init(|| async { self.scan_zone(&zone).await.map(Arc::new) })
            .await
            .cloned()
    }

    /// The record sets of `zone_id` with this name and type (every set identifier), from the
    /// same cache as [`Route53::record_sets`].
    pub async fn record_sets_named(&self, zone_id: &str, name: &str, rtype: &str) -> Result<Vec<RecordSet>, AwsError> {
        let name = normalize_name(name);
        let rtype = rtype.to_ascii_uppercase();
        Ok(self
            .record_sets(zone_id)
            .await?
            .iter()
            .filter(|set| set.name == name && set.rtype == rtype)
            .cloned()
            .collect())
    }

    /// Forgets the cached listing of `zone_id`, e.g. to see changes made outside this client.
    pub fn invalidate_zone(&self, zone_id: &str) {
        lock(&self.inner.zones).remove(strip_zone_prefix(zone_id));
    }

    /// A full, uncached, paginated listing of a zone.
    async fn scan_zone(&self, zone: &str) -> Result<Vec<RecordSet>, AwsError> {
        let subject = format!("zone {zone}");
        let mut sets = Vec::new();
        // Route 53 never repeats a set across pages, but moto ignores StartRecordIdentifier and
        // restarts a page at the first set of the boundary name and type; de-duplicating by key
        // makes the scan correct against both.
        let mut seen = HashSet::new();
        let mut start: Option<(String, sdk::RrType, Option<String>)> = None;
        loop {
            let page = self
                .call("ListResourceRecordSets", &subject, |client| {
                    let (name, rtype, id) = start.clone().unzip3();
                    client
                        .list_resource_record_sets()
                        .hosted_zone_id(zone)
                        .max_items(PAGE_SIZE)
                        .set_start_record_name(name)
                        .set_start_record_type(rtype)
                        .set_start_record_identifier(id)
                        .send()
                })
                .await?;
            let before = sets.len();
            for set in page.resource_record_sets().iter().map(record_set_from_sdk) {
                if seen.insert(set.key()) {
                    sets.push(set);
                }
            }
            if !page.is_truncated() {
                return Ok(sets);
            }
            if sets.len() == before {
                // A truncated page with nothing new would loop for ever (moto with more than a
                // page of sets under one name and type).
                return Err(AwsError::Invalid {
                    operation: "ListResourceRecordSets",
                    subject,
                    message: "pagination did not advance".into(),
                });
            }
            start = match (page.next_record_name(), page.next_record_type()) {
                (Some(name), Some(rtype)) => Some((
                    name.to_owned(),
                    rtype.clone(),
                    page.next_record_identifier().map(str::to_owned),
                )),
                _ => {
                    return Err(AwsError::Invalid {
                        operation: "ListResourceRecordSets",
                        subject,
                        message: "truncated page without NextRecordName/NextRecordType".into(),
                    })
                }
            };
        }
    }

    /// Applies `changes` to `zone_id` as one atomic batch and waits until Route 53 reports the
    /// change INSYNC or `deadline` passes. For writes outside any rollout (no lease to fence
    /// by); a rollout's writes go through [`Route53::fenced_change_batch`].
    pub async fn change_batch(&self, zone_id: &str, changes: Vec<Change>, deadline: Instant) -> Result<(), AwsError> {
        self.fenced_change_batch(zone_id, changes, deadline, &Unfenced).await
    }

    /// [`Route53::change_batch`], sending each attempt only when `fence` permits a write that
    /// may stay in flight for [`WRITE_DEADLINE`], and abandoning an attempt after that long.
    ///
    /// An attempt whose outcome is unknown (timeout, broken connection, 5xx) is settled by
    /// reading the zone before anything is sent again: if the zone shows the whole batch it
    /// was applied and is not repeated. The zone's cached listing is dropped in every case.
    pub async fn fenced_change_batch(
        &self,
        zone_id: &str,
        changes: Vec<Change>,
        deadline: Instant,
        fence: &dyn Fence,
    ) -> Result<(), AwsError> {
        let zone = strip_zone_prefix(zone_id).to_owned();
        let subject = batch_subject(&zone, &changes);
        let batch = change_batch_to_sdk(&changes).map_err(|message| AwsError::Invalid {
            operation: "ChangeResourceRecordSets",
            subject: subject.clone(),
            message,
        })?;
        let client = self.sdk().await?;
        let outcome = self.send_batch(&client, &zone, &subject, &batch, &changes, fence).await;
        // Even a failed write may have changed the zone (unknown outcomes), so always forget.
        self.invalidate_zone(&zone);
        match outcome? {
            Some(change_id) => self.wait_insync(&change_id, &subject, deadline).await,
            // Settled by reading: there is no change id to poll, and the listing already
            // shows the batch, which is all that INSYNC would tell us about the zone.
            None => Ok(()),
        }
    }

    /// The retry loop of [`Route53::fenced_change_batch`]: returns the change id, or `None`
    /// when a read showed that an earlier attempt had been applied.
    async fn send_batch(
        &self,
        client: &aws_sdk_route53::Client,
        zone: &str,
        subject: &str,
        batch: &sdk::ChangeBatch,
        changes: &[Change],
        fence: &dyn Fence,
    ) -> Result<Option<String>, AwsError> {
        let mut backoff = self.inner.policy.start();
        // Once any attempt may have been applied, every later attempt must look first.
        let mut maybe_applied = false;
        loop {
            if maybe_applied && self.batch_applied(zone, changes).await? {
                tracing::info!(
                    %subject,
                    retries = backoff.retries(),
                    "an earlier attempt was applied; not sending again"
                );
                return Ok(None);
            }
            self.inner.bucket.acquire().await;
            // Asked last, right before sending: the wait for a token may have been long.
            fence.permit(WRITE_DEADLINE).map_err(|refused| AwsError::Fenced {
                operation: "ChangeResourceRecordSets",
                subject: subject.to_owned(),
                refused: Box::new(refused),
            })?;
            let send = client
                .change_resource_record_sets()
                .hosted_zone_id(zone)
                .change_batch(batch.clone())
                .send();
            let err = match tokio::time::timeout(WRITE_DEADLINE, send).await {
                Ok(Ok(output)) => {
                    return Ok(output
                        .change_info()
                        .map(|info| strip_change_prefix(info.id()).to_owned()))
                }
                Ok(Err(err)) => AwsError::from_sdk("ChangeResourceRecordSets", subject, err),
                // Dropping the request abandons it; whether it was applied is settled by reading.
                Err(_) => AwsError::Timeout {
                    operation: "ChangeResourceRecordSets",
                    subject: subject.to_owned(),
                },
            };
            maybe_applied |= err.outcome_unknown();
            if !backoff.wait(&err).await {
                // Out of retries: one last look decides between "done" and the error.
                if maybe_applied && self.batch_applied(zone, changes).await? {
                    return Ok(None);
                }
                return Err(err);
            }
        }
    }

    /// Whether a fresh listing of the zone shows every change of the batch.
    async fn batch_applied(&self, zone: &str, changes: &[Change]) -> Result<bool, AwsError> {
        Ok(batch_reflected(changes, &self.scan_zone(zone).await?))
    }

    /// Polls GetChange until INSYNC or the deadline.
    async fn wait_insync(&self, change_id: &str, subject: &str, deadline: Instant) -> Result<(), AwsError> {
        let deadline = tokio::time::Instant::from_std(deadline);
        let mut interval = INSYNC_POLL_START;
        loop {
            let output = self
                .call("GetChange", subject, |client| client.get_change().id(change_id).send())
                .await?;
            if output
                .change_info()
                .is_some_and(|info| *info.status() == sdk::ChangeStatus::Insync)
            {
                return Ok(());
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(AwsError::NotInSync {
                    operation: "GetChange",
                    subject: subject.to_owned(),
                    change_id: change_id.to_owned(),
                });
            }
            tokio::time::sleep_until((now + interval).min(deadline)).await;
            interval = (interval * 2).min(INSYNC_POLL_CAP);
        }
    }

    // ----- hosted zones ------------------------------------------------------------------

    /// Creates a public hosted zone and returns its id (for tests and the demo).
    pub async fn create_hosted_zone(&self, name: &str) -> Result<String, AwsError> {
        let subject = format!("zone {}", normalize_name(name));
        // One caller reference for every attempt: Route 53 then creates the zone at most once.
        let reference = unique_reference(name);
        let output = self
            .call("CreateHostedZone", &subject, |client| {
                client
                    .create_hosted_zone()
                    .name(name)
                    .caller_reference(&reference)
                    .send()
            })
            .await?;
        Ok(output
            .hosted_zone()
            .map(|zone| strip_zone_prefix(zone.id()).to_owned())
            .unwrap_or_default())
    }

    /// The hosted zone `zone_id`, or `None` when it does not exist.
    pub async fn get_hosted_zone(&self, zone_id: &str) -> Result<Option<HostedZone>, AwsError> {
        let zone = strip_zone_prefix(zone_id);
        let subject = format!("zone {zone}");
        let result = self
            .call("GetHostedZone", &subject, |client| {
                client.get_hosted_zone().id(zone).send()
            })
            .await;
        match result {
            Ok(output) => Ok(output.hosted_zone().map(|z| HostedZone {
                id: strip_zone_prefix(z.id()).to_owned(),
                name: normalize_name(z.name()),
                record_set_count: z.resource_record_set_count(),
            })),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    // ----- health checks -----------------------------------------------------------------

    /// Creates a health check and tags it; returns its id.
    ///
    /// `caller_reference` makes the creation idempotent at AWS. An attempt with an unknown
    /// outcome is settled by looking for a health check with that reference first, which also
    /// covers endpoints (moto) that do not honour the reference.
    pub async fn create_health_check(
        &self,
        spec: &HealthCheckSpec,
        caller_reference: &str,
    ) -> Result<String, AwsError> {
        let subject = format!("health check {caller_reference}");
        let config = health_check_config_to_sdk(spec).map_err(|message| AwsError::Invalid {
            operation: "CreateHealthCheck",
            subject: subject.clone(),
            message,
        })?;
        let client = self.sdk().await?;
        let mut backoff = self.inner.policy.start();
        let mut maybe_created = false;
        let created = loop {
            if maybe_created {
                if let Some(existing) = self.find_health_check_by_reference(caller_reference).await? {
                    break existing;
                }
            }
            self.inner.bucket.acquire().await;
            let sent = client
                .create_health_check()
                .caller_reference(caller_reference)
                .health_check_config(config.clone())
                .send()
                .await;
            let err = match sent {
                Ok(output) => {
                    break output
                        .health_check()
                        .map(|check| check.id().to_owned())
                        .unwrap_or_default()
                }
                Err(err) => AwsError::from_sdk("CreateHealthCheck", &subject, err),
            };
            maybe_created |= err.outcome_unknown();
            if !backoff.wait(&err).await {
                self.invalidate_health_checks();
                return Err(err);
            }
        };
        self.invalidate_health_checks();
        if !spec.tags.is_empty() {
            self.change_health_check_tags(&created, &spec.tags, &[]).await?;
        }
        Ok(created)
    }

    /// A fresh look for the health check created with `caller_reference`.
    async fn find_health_check_by_reference(&self, caller_reference: &str) -> Result<Option<String>, AwsError> {
        Ok(self
            .scan_health_checks()
            .await?
            .into_iter()
            .find(|check| check.caller_reference == caller_reference)
            .map(|check| check.id))
    }

    /// The health check `id` with its tags, or `None` when it does not exist.
    pub async fn get_health_check(&self, id: &str) -> Result<Option<HealthCheck>, AwsError> {
        let subject = format!("health check {id}");
        let result = self
            .call("GetHealthCheck", &subject, |client| {
                client.get_health_check().health_check_id(id).send()
            })
            .await;
        let mut check = match result {
            Ok(output) => match output.health_check() {
                Some(check) => health_check_from_sdk(check),
                None => return Ok(None),
            },
            Err(err) if err.is_not_found() => return Ok(None),
            Err(err) => return Err(err),
        };
        if let Some(spec) = check.spec.as_mut() {
            spec.tags = self.health_check_tags(id).await?;
        }
        Ok(Some(check))
    }

    /// Brings the health check `id` to `spec`. The type and request interval cannot change
    /// (the resource replaces the check instead); optional fields that `spec` leaves unset are
    /// reset to Route 53's defaults, and tags are made equal to `spec.tags`.
    pub async fn update_health_check(&self, id: &str, spec: &HealthCheckSpec) -> Result<(), AwsError> {
        let subject = format!("health check {id}");
        let mut resets = Vec::new();
        if spec.fqdn.is_none() {
            resets.push(sdk::ResettableElementName::FullyQualifiedDomainName);
        }
        if spec.resource_path.is_none() {
            resets.push(sdk::ResettableElementName::ResourcePath);
        }
        if spec.regions.is_empty() {
            resets.push(sdk::ResettableElementName::Regions);
        }
        let resets = (!resets.is_empty()).then_some(resets);
        // UpdateHealthCheck sets absolute values, so repeating it after an unknown outcome is
        // harmless: plain retries suffice.
        let result = self
            .call("UpdateHealthCheck", &subject, |client| {
                client
                    .update_health_check()
                    .health_check_id(id)
                    .set_fully_qualified_domain_name(spec.fqdn.clone())
                    .set_ip_address(spec.ip_address.clone())
                    .set_port(spec.port)
                    .set_resource_path(spec.resource_path.clone())
                    .set_search_string(spec.search_string.clone())
                    .set_failure_threshold(spec.failure_threshold)
                    .set_regions(regions_to_sdk(&spec.regions))
                    .set_reset_elements(resets.clone())
                    .send()
            })
            .await;
        self.invalidate_health_checks();
        result?;
        let current = self.health_check_tags(id).await?;
        let removed: Vec<&str> = current
            .keys()
            .filter(|key| !spec.tags.contains_key(*key))
            .map(String::as_str)
            .collect();
        let changed: BTreeMap<String, String> = spec
            .tags
            .iter()
            .filter(|(key, value)| current.get(*key) != Some(*value))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !changed.is_empty() || !removed.is_empty() {
            self.change_health_check_tags(id, &changed, &removed).await?;
        }
        Ok(())
    }

    /// Deletes the health check `id`. Deleting one that does not exist succeeds, because a
    /// retried delete whose first attempt was applied must not fail.
    pub async fn delete_health_check(&self, id: &str) -> Result<(), AwsError> {
        let subject = format!("health check {id}");
        let result = self
            .call("DeleteHealthCheck", &subject, |client| {
                client.delete_health_check().health_check_id(id).send()
            })
            .await;
        self.invalidate_health_checks();
        match result {
            Ok(_) => Ok(()),
            Err(err) if err.is_not_found() => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Every health check of the account (without tags), from this run's cache or one shared
    /// scan.
    pub async fn list_health_checks(&self) -> Result<Arc<Vec<HealthCheck>>, AwsError> {
        let cell = Arc::clone(&lock(&self.inner.health_checks));
        cell.get_or_try_init(|| async { self.scan_health_checks().await.map(Arc::new) })
            .await
            .cloned()
    }

    /// Forgets the cached health check listing.
    pub fn invalidate_health_checks(&self) {
        *lock(&self.inner.health_checks) = Arc::default();
    }

    /// A full, uncached, paginated listing of the account's health checks.
    async fn scan_health_checks(&self) -> Result<Vec<HealthCheck>, AwsError> {
        let mut checks = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .call("ListHealthChecks", "health checks", |client| {
                    client
                        .list_health_checks()
                        .max_items(1000)
                        .set_marker(marker.clone())
                        .send()
                })
                .await?;
            checks.extend(page.health_checks().iter().map(health_check_from_sdk));
            match page.next_marker() {
                Some(next) if page.is_truncated() => marker = Some(next.to_owned()),
                _ => return Ok(checks),
            }
        }
    }

    /// Whether Route 53's checkers currently consider `id` healthy: more than 18 % of the
    /// checkers' latest observations report success (Route 53's own rule).
    pub async fn health_check_status(&self, id: &str) -> Result<bool, AwsError> {
        let subject = format!("health check {id}");
        let output = self
            .call("GetHealthCheckStatus", &subject, |client| {
                client.get_health_check_status().health_check_id(id).send()
            })
            .await?;
        let observations = output.health_check_observations();
        let healthy = observations
            .iter()
            .filter(|o| {
                o.status_report()
                    .and_then(|report| report.status())
                    .is_some_and(|status| status.starts_with("Success"))
            })
            .count();
        Ok(!observations.is_empty() && healthy as f64 / observations.len() as f64 > HEALTHY_SHARE)
    }

    /// The tags of health check `id`.
    pub async fn health_check_tags(&self, id: &str) -> Result<BTreeMap<String, String>, AwsError> {
        let subject = format!("health check {id}");
        let output = self
            .call("ListTagsForResource", &subject, |client| {
                client
                    .list_tags_for_resource()
                    .resource_type(sdk::TagResourceType::Healthcheck)
                    .resource_id(id)
                    .send()
            })
            .await?;
        Ok(output
            .resource_tag_set()
            .map(|set| {
                set.tags()
                    .iter()
                    .filter_map(|tag| Some((tag.key()?.to_owned(), tag.value().unwrap_or_default().to_owned())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Adds or overwrites `add` and removes `remove` on health check `id`. Both halves are
    /// absolute, so retries are safe.
    pub async fn change_health_check_tags(
        &self,
        id: &str,
        add: &BTreeMap<String, String>,
        remove: &[&str],
    ) -> Result<(), AwsError> {
        let subject = format!("health check {id}");
        let add_tags: Vec<sdk::Tag> = add
            .iter()
            .map(|(k, v)| sdk::Tag::builder().key(k).value(v).build())
            .collect();
        let remove: Vec<String> = remove.iter().map(|k| (*k).to_owned()).collect();
        self.call("ChangeTagsForResource", &subject, |client| {
            client
                .change_tags_for_resource()
                .resource_type(sdk::TagResourceType::Healthcheck)
                .resource_id(id)
                .set_add_tags((!add_tags.is_empty()).then(|| add_tags.clone()))
                .set_remove_tag_keys((!remove.is_empty()).then(|| remove.clone()))
                .send()
        })
        .await
        .map(drop)
    }
}

/// Locks a cache map. A poisoned lock only means another task panicked while swapping an
/// `Arc`; the map itself is always consistent, so it is used as is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Names a batch in messages: the zone and its changes, abbreviated past a few.
fn batch_subject(zone: &str, changes: &[Change]) -> String {
    const SHOWN: usize = 3;
    let mut listed: Vec<String> = changes
        .iter()
        .take(SHOWN)
        .map(|c| format!("{} {}", c.action.as_str(), c.set.key()))
        .collect();
    if changes.len() > SHOWN {
        listed.push(format!("and {} more", changes.len() - SHOWN));
    }
    format!("in zone {zone} [{}]", listed.join(", "))
}

/// A change id without the `/change/` prefix Route 53 puts on it.
fn strip_change_prefix(id: &str) -> &str {
    id.strip_prefix("/change/").unwrap_or(id)
}

/// A caller reference that is unique per call: the name plus the time in nanoseconds.
fn unique_reference(name: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("globaldeploy-{name}-{nanos}")
}

/// Turns an optional triple into three options, for the pagination cursor.
trait Unzip3<A, B, C> {
    fn unzip3(self) -> (Option<A>, Option<B>, Option<C>);
}

impl<A, B, C> Unzip3<A, B, C> for Option<(A, B, Option<C>)> {
    fn unzip3(self) -> (Option<A>, Option<B>, Option<C>) {
        match self {
            Some((a, b, c)) => (Some(a), Some(b), c),
            None => (None, None, None),
        }
    }
}

/// Resolves the SDK configuration and, unless skipped, checks the credentials.
async fn build_client(settings: &AwsSettings) -> Result<aws_sdk_route53::Client, AwsError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        // Our retry loop owns retries: one SDK attempt per call.
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .build(),
        );
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    match (&settings.access_key, &settings.secret_key) {
        (Some(access_key), Some(secret_key)) => {
            loader = loader.credentials_provider(Credentials::new(
                access_key,
                secret_key,
                settings.token.clone(),
                None,
                "globaldeploy-provider-block",
            ));
        }
        (None, None) => {}
        _ => {
            return Err(AwsError::Credentials {
                message: "access_key and secret_key must be set together".into(),
            })
        }
    }
    let mut config = loader.load().await;
    if let Some(role) = &settings.assume_role {
        config = assume_role(config, role).await;
    }
    if !settings.skip_credentials_validation {
        validate_credentials(&config).await?;
    }
    let mut builder = aws_sdk_route53::config::Builder::from(&config);
    if config.region().is_none() {
        builder = builder.region(Region::from_static(DEFAULT_REGION));
    }
    if let Some(endpoint) = &settings.route53_endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    Ok(aws_sdk_route53::Client::from_conf(builder.build()))
}

/// The base configuration with credentials from assuming `role`.
async fn assume_role(base: SdkConfig, role: &super::settings::AssumeRole) -> SdkConfig {
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
        .session_name(role.session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME))
        .configure(&base);
    if let Some(external_id) = &role.external_id {
        builder = builder.external_id(external_id);
    }
    let provider = builder.build().await;
    base.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// Checks that credentials resolve. This is what can be checked without a network call to a
/// service other than Route 53: an STS GetCallerIdentity would go to AWS's STS even when the
/// configuration points Route 53 at moto or LocalStack, and fail there for no fault of the
/// credentials. Credentials that resolve but are rejected surface on the first Route 53 call
/// as an AWS error with its code.
async fn validate_credentials(config: &SdkConfig) -> Result<(), AwsError> {
    let provider = config.credentials_provider().ok_or_else(|| AwsError::Credentials {
        message: "no credential source is configured (provider block, environment, profile, \
                  or instance role)"
            .into(),
    })?;
    provider
        .provide_credentials()
        .await
        .map(drop)
        .map_err(|err| AwsError::Credentials {
            message: format!("no valid credentials could be resolved: {err}"),
        })
}
