//! Record sets and hosted zones: the cached single-flight zone listing, atomic change batches
//! that are never applied twice, and GetChange polling until INSYNC.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_route53::types as sdk;

use super::{lock, Route53};
use crate::aws::convert::{change_batch_to_sdk, record_set_from_sdk};
use crate::aws::error::AwsError;
use crate::aws::records::{batch_reflected, normalize_name, strip_zone_prefix, Change, RecordSet};
use crate::aws::retry::retrying_unless_applied;
use globaldeploy_engine::journal::lease::{Fence, Unfenced, WRITE_DEADLINE};

/// Route 53 returns at most this many sets per page; asking for the maximum minimises calls.
const PAGE_SIZE: i32 = 300;
/// GetChange polling starts at this interval and doubles up to [`INSYNC_POLL_CAP`]: Route 53
/// usually propagates within a minute, so polling faster only spends the rate budget.
const INSYNC_POLL_START: Duration = Duration::from_millis(500);
const INSYNC_POLL_CAP: Duration = Duration::from_secs(10);

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

    /// The attempts of [`Route53::fenced_change_batch`]: returns the change id, or `None` when a
    /// read showed that an earlier attempt had been applied.
    async fn send_batch(
        &self,
        client: &aws_sdk_route53::Client,
        zone: &str,
        subject: &str,
        batch: &sdk::ChangeBatch,
        changes: &[Change],
        fence: &dyn Fence,
    ) -> Result<Option<String>, AwsError> {
        let attempt = || {
            // Asked last, right before sending: the wait for a token may have been long.
            let permitted = fence.permit(WRITE_DEADLINE).map_err(|refused| AwsError::Fenced {
                operation: "ChangeResourceRecordSets",
                subject: subject.to_owned(),
                refused: Box::new(refused),
            });
            let send = client
                .change_resource_record_sets()
                .hosted_zone_id(zone)
                .change_batch(batch.clone())
                .send();
            async move {
                permitted?;
                match tokio::time::timeout(WRITE_DEADLINE, send).await {
                    Ok(Ok(output)) => Ok(output
                        .change_info()
                        .map(|info| strip_change_prefix(info.id()).to_owned())),
                    Ok(Err(err)) => Err(AwsError::from_sdk("ChangeResourceRecordSets", subject, err)),
                    // Dropping the request abandons it; whether it was applied is settled by reading.
                    Err(_) => Err(AwsError::Timeout {
                        operation: "ChangeResourceRecordSets",
                        subject: subject.to_owned(),
                    }),
                }
            }
        };
        // Applied earlier: there is no change id to poll.
        let applied = || async move { Ok(self.batch_applied(zone, changes).await?.then_some(None)) };
        retrying_unless_applied(&self.inner.policy, &self.inner.bucket, subject, attempt, applied).await
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
