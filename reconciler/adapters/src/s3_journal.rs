//! The `s3://BUCKET/PREFIX` journal store: what the file store keeps in a directory, kept as
//! objects, so every CI runner, laptop and reconciler of a team shares one journal — coordinated
//! by S3's conditional writes, the mechanism Terraform's own S3 backend locks state with.
//!
//! Under `PREFIX/DEPLOYMENT/`:
//!
//! | key | what | written with |
//! |---|---|---|
//! | `lease.json` | the lease (holder, generation, expiry) | `If-Match` its ETag (`If-None-Match: *` the first time) |
//! | `journal/00000000000000000007.json` | position 7: an entry, or a take-over's fence | `If-None-Match: *` |
//! | `approvals/ROLLOUT/WAVE.json` | who approved a wave | `If-None-Match: *` (the first counts) |
//! | `rollback-requests/ROLLOUT.json` | a rollback asked of the holder | `If-None-Match: *` (the first counts) |
//!
//! **Appends.** Each position is written at most once (`If-None-Match: *`), so two writers can
//! never both write one position and nothing written is ever overwritten. An append reads the
//! lease, checks it is still this holder's, and puts the entry, with its lease generation, at
//! the next free position; a position taken meanwhile sends it back to the lease check.
//!
//! **Fencing.** A lease is taken by a conditional put of `lease.json` (two acquirers cannot
//! both win), then sealed by a *fence* object at the next free position carrying the new
//! generation. An older holder whose lease check passed just before the take-over can still
//! land an append only at a position below the fence (it is then ordered before the take-over,
//! which the new holder reads when it loads the journal); at the fence's position or above, its
//! put finds the position taken, its next lease check fails, and it writes nothing more. Loading
//! keeps entries in position order and never returns one written under a generation older than
//! a fence before it.
//!
//! **Faults.** Every call is retried inside the S3 client's rate budget ([`crate::aws::s3`]); a
//! put whose answer was lost is settled by reading the object back, so an entry is never
//! duplicated (its position is taken by its own first attempt) and never lost.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::aws::s3::{url, Condition, PutError, S3};
use crate::clock::WallClock;
use crate::file_journal::checked;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::journal::lease::{check_held, Holder, Lease};
use globaldeploy_engine::journal::record::Recorded;
use globaldeploy_engine::ports::{millis, Approvals, Clock, JournalStore, RollbackRequest};

/// How many times in a row an append may find its position taken before it gives up. Only a
/// take-over's fence or a writer of the same lease can take a position, and the lease check
/// between attempts ends the first case, so this is never reached in a working deployment.
const MAX_POSITION_CONFLICTS: usize = 16;
/// Digits of a journal position in its key: keys sort as positions do.
const POSITION_DIGITS: usize = 20;

/// A journal in an S3 bucket, under a key prefix.
#[derive(Debug)]
pub struct S3Journal {
    s3: S3,
    bucket: String,
    /// Empty, or ending in `/`.
    prefix: String,
    /// The next free position of each deployment this process has written to or read.
    next: Mutex<HashMap<String, u64>>,
    /// Journal objects already read, by key: they never change once written.
    slots: Mutex<HashMap<String, Slot>>,
    /// Tells this process's puts apart (see [`Slot::write`]).
    writes: AtomicU64,
}

/// One journal position as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Slot {
    /// The generation of the lease it was written under.
    generation: u64,
    /// Unique per put (holder nonce and a counter), so reading a put back after a lost answer
    /// tells this put from any other.
    write: String,
    /// When it was written (milliseconds since the epoch, the writer's wall clock).
    at: u64,
    /// The entry; none for the fence a take-over writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    entry: Option<Entry>,
}

#[derive(Serialize, Deserialize)]
struct ApprovalObject {
    by: String,
}

impl S3Journal {
    /// A store in `bucket` under `prefix`, through `s3`.
    pub fn new(s3: S3, bucket: &str, prefix: &str) -> S3Journal {
        let prefix = prefix.trim_matches('/');
        S3Journal {
            s3,
            bucket: bucket.to_owned(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            next: Mutex::default(),
            slots: Mutex::default(),
            writes: AtomicU64::new(0),
        }
    }

    /// The journal's URL.
    pub fn url(&self) -> String {
        url(&self.bucket, self.prefix.trim_end_matches('/'))
    }

    /// The deployments with objects in this store, sorted by name.
    pub async fn deployments(&self) -> Result<Vec<String>, JournalError> {
        self.s3
            .children(&self.bucket, &self.prefix)
            .await
            .map_err(|err| self.remote(&self.prefix, &err))
    }

    /// Every entry of `deployment`'s journal with when it was recorded, oldest first.
    pub async fn load_recorded(&self, deployment: &str) -> Result<Vec<Recorded>, JournalError> {
        let keys = self.journal_keys(deployment).await?;
        let mut fence = 0;
        let mut entries = Vec::new();
        for key in &keys {
            let slot = self.slot(deployment, key).await?;
            if slot.generation < fence {
                // Never written by a store that follows the protocol above; never replayed.
                tracing::warn!(
                    key,
                    generation = slot.generation,
                    fence,
                    "a journal entry of a fenced-out lease is ignored"
                );
                continue;
            }
            fence = slot.generation;
            if let Some(entry) = slot.entry {
                entries.push(Recorded {
                    entry,
                    at: Some(slot.at),
                });
            }
        }
        if let Some(position) = keys.last().and_then(|key| position_of(key)) {
            self.remember_next(deployment, position + 1);
        }
        Ok(entries)
    }

    /// The keys of `deployment`'s journal positions, in position order.
    async fn journal_keys(&self, deployment: &str) -> Result<Vec<String>, JournalError> {
        let journal = self.journal_prefix(deployment)?;
        self.s3
            .list(&self.bucket, &journal)
            .await
            .map_err(|err| self.remote(&journal, &err))
    }

    fn deployment_prefix(&self, deployment: &str) -> Result<String, JournalError> {
        Ok(format!("{}{}/", self.prefix, checked(deployment)?))
    }

    fn journal_prefix(&self, deployment: &str) -> Result<String, JournalError> {
        Ok(format!("{}journal/", self.deployment_prefix(deployment)?))
    }

    fn lease_key(&self, deployment: &str) -> Result<String, JournalError> {
        Ok(format!("{}lease.json", self.deployment_prefix(deployment)?))
    }

    fn remote(&self, key: &str, err: &dyn std::fmt::Display) -> JournalError {
        JournalError::Remote {
            location: url(&self.bucket, key),
            message: err.to_string(),
        }
    }

    /// The journal object at `key`, from memory once read.
    async fn slot(&self, deployment: &str, key: &str) -> Result<Slot, JournalError> {
        if let Some(slot) = lock(&self.slots).get(key) {
            return Ok(slot.clone());
        }
        let object = self
            .s3
            .get(&self.bucket, key)
            .await
            .map_err(|err| self.remote(key, &err))?
            .ok_or_else(|| self.remote(key, &"listed but gone: journal objects are never deleted"))?;
        let slot: Slot = serde_json::from_slice(&object.body).map_err(|err| JournalError::CorruptObject {
            location: url(&self.bucket, key),
            deployment: deployment.to_owned(),
            message: err.to_string(),
        })?;
        lock(&self.slots).insert(key.to_owned(), slot.clone());
        Ok(slot)
    }

    /// The stored lease of `deployment` with its ETag.
    async fn read_lease(&self, deployment: &str) -> Result<Option<(Lease, String)>, JournalError> {
        let key = self.lease_key(deployment)?;
        let Some(object) = self
            .s3
            .get(&self.bucket, &key)
            .await
            .map_err(|err| self.remote(&key, &err))?
        else {
            return Ok(None);
        };
        let lease = serde_json::from_slice(&object.body).map_err(|err| JournalError::CorruptObject {
            location: url(&self.bucket, &key),
            deployment: deployment.to_owned(),
            message: format!("not a lease: {err}"),
        })?;
        Ok(Some((lease, object.etag)))
    }

    /// Puts `lease` over the stored lease that had `etag` (none: there was none).
    async fn put_lease(&self, lease: &Lease, etag: Option<String>) -> Result<(), PutOutcome> {
        let key = self.lease_key(&lease.deployment).map_err(PutOutcome::Failed)?;
        let body = serde_json::to_vec(lease).map_err(|err| PutOutcome::Failed(self.remote(&key, &err)))?;
        let condition = etag.map_or(Condition::Absent, Condition::Unchanged);
        match self.s3.put(&self.bucket, &key, body, condition).await {
            Ok(_) => Ok(()),
            Err(PutError::Conflict { .. }) => Err(PutOutcome::Conflict),
            Err(err) => Err(PutOutcome::Failed(self.remote(&key, &err))),
        }
    }

    /// The next free position of `deployment`'s journal: remembered, or from a listing.
    async fn next_position(&self, deployment: &str) -> Result<u64, JournalError> {
        if let Some(next) = lock(&self.next).get(deployment) {
            return Ok(*next);
        }
        let keys = self.journal_keys(deployment).await?;
        let next = keys.last().and_then(|key| position_of(key)).map_or(0, |last| last + 1);
        self.remember_next(deployment, next);
        Ok(next)
    }

    fn remember_next(&self, deployment: &str, next: u64) {
        lock(&self.next).insert(deployment.to_owned(), next);
    }

    fn forget_next(&self, deployment: &str) {
        lock(&self.next).remove(deployment);
    }

    /// Writes `entry` (none: the fence of a take-over) at the next free position under `lease`,
    /// checking before each attempt that `lease` is still held.
    async fn write_slot(&self, lease: &Lease, entry: Option<&Entry>) -> Result<(), JournalError> {
        let deployment = &lease.deployment;
        let journal = self.journal_prefix(deployment)?;
        for _ in 0..MAX_POSITION_CONFLICTS {
            check_held(self.read_lease(deployment).await?.map(|(l, _)| l).as_ref(), lease)?;
            let position = self.next_position(deployment).await?;
            let key = format!("{journal}{position:0POSITION_DIGITS$}.json");
            let slot = Slot {
                generation: lease.generation,
                write: format!("{}-{}", lease.holder.nonce, self.writes.fetch_add(1, Ordering::Relaxed)),
                at: WallClock.now_millis(),
                entry: entry.cloned(),
            };
            let body = serde_json::to_vec(&slot).map_err(|err| self.remote(&key, &err))?;
            match self.s3.put(&self.bucket, &key, body, Condition::Absent).await {
                Ok(_) => {
                    lock(&self.slots).insert(key, slot);
                    self.remember_next(deployment, position + 1);
                    return Ok(());
                }
                Err(PutError::Conflict { .. }) => self.forget_next(deployment),
                Err(err) => return Err(self.remote(&key, &err)),
            }
        }
        Err(self.remote(
            &journal,
            &format!("the next position was taken {MAX_POSITION_CONFLICTS} times in a row; nothing was appended"),
        ))
    }

    /// Puts a first-one-counts record (an approval, a rollback request) at `key`.
    async fn put_first(&self, key: &str, body: Vec<u8>) -> Result<(), JournalError> {
        match self.s3.put(&self.bucket, key, body, Condition::Absent).await {
            Ok(_) | Err(PutError::Conflict { .. }) => Ok(()),
            Err(err) => Err(self.remote(key, &err)),
        }
    }

    /// The record at `key`, if there is one.
    async fn get_record<T: for<'de> Deserialize<'de>>(
        &self,
        deployment: &str,
        key: &str,
    ) -> Result<Option<T>, JournalError> {
        let Some(object) = self
            .s3
            .get(&self.bucket, key)
            .await
            .map_err(|err| self.remote(key, &err))?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&object.body)
            .map(Some)
            .map_err(|err| JournalError::CorruptObject {
                location: url(&self.bucket, key),
                deployment: deployment.to_owned(),
                message: err.to_string(),
            })
    }

    fn approval_key(&self, deployment: &str, rollout_id: &str, wave: &str) -> Result<String, JournalError> {
        Ok(format!(
            "{}approvals/{}/{}.json",
            self.deployment_prefix(deployment)?,
            segment(rollout_id),
            segment(wave)
        ))
    }

    fn rollback_request_key(&self, deployment: &str, rollout_id: &str) -> Result<String, JournalError> {
        Ok(format!(
            "{}rollback-requests/{}.json",
            self.deployment_prefix(deployment)?,
            segment(rollout_id)
        ))
    }
}

/// How a conditional put of the lease ended, when it did not land.
enum PutOutcome {
    /// Someone else changed the lease first.
    Conflict,
    /// The call failed.
    Failed(JournalError),
}

/// The position a journal key names.
fn position_of(key: &str) -> Option<u64> {
    key.rsplit('/').next()?.strip_suffix(".json")?.parse().ok()
}

/// `text` as one key segment: characters other than letters, digits and `.-_@` percent-encoded
/// (a `/` in a wave name must not make a folder).
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'@') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Locks a cache. A poisoned lock only means another task panicked between two whole inserts.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[async_trait]
impl JournalStore for S3Journal {
    async fn append(&self, lease: &Lease, entry: &Entry) -> Result<(), JournalError> {
        self.write_slot(lease, Some(entry)).await
    }

    async fn load(&self, deployment: &str) -> Result<Vec<Entry>, JournalError> {
        Ok(self
            .load_recorded(deployment)
            .await?
            .into_iter()
            .map(|recorded| recorded.entry)
            .collect())
    }

    async fn acquire_lease(
        &self,
        deployment: &str,
        holder: &Holder,
        ttl: Duration,
        now_millis: u64,
    ) -> Result<Lease, JournalError> {
        let current = self.read_lease(deployment).await?;
        let held_by = |current: &Lease| JournalError::LeaseHeld {
            deployment: deployment.to_owned(),
            holder: current.holder.to_string(),
            takeable_at: current.takeable_at(),
            now: now_millis,
        };
        if let Some((current, _)) = current.as_ref().filter(|(c, _)| !c.takeable(holder, now_millis)) {
            return Err(held_by(current));
        }
        let lease = Lease {
            deployment: deployment.to_owned(),
            holder: holder.clone(),
            generation: current.as_ref().map_or(0, |(c, _)| c.generation) + 1,
            expires_at: now_millis + millis(ttl),
            released: false,
        };
        match self.put_lease(&lease, current.map(|(_, etag)| etag)).await {
            Ok(()) => {}
            Err(PutOutcome::Failed(err)) => return Err(err),
            // Another acquirer won the race: the lease is theirs now.
            Err(PutOutcome::Conflict) => {
                return Err(match self.read_lease(deployment).await? {
                    Some((winner, _)) => held_by(&winner),
                    None => self.remote(&self.lease_key(deployment)?, &"the lease changed and then vanished"),
                })
            }
        }
        // The fence: an older holder's appends cannot land at or after this position.
        self.forget_next(deployment);
        self.write_slot(&lease, None).await?;
        Ok(lease)
    }

    async fn renew_lease(&self, lease: &Lease, ttl: Duration, now_millis: u64) -> Result<Lease, JournalError> {
        let current = self.read_lease(&lease.deployment).await?;
        check_held(current.as_ref().map(|(l, _)| l), lease)?;
        let renewed = Lease {
            expires_at: now_millis + millis(ttl),
            ..lease.clone()
        };
        match self.put_lease(&renewed, current.map(|(_, etag)| etag)).await {
            Ok(()) => Ok(renewed),
            Err(PutOutcome::Failed(err)) => Err(err),
            Err(PutOutcome::Conflict) => {
                let now = self.read_lease(&lease.deployment).await?;
                check_held(now.as_ref().map(|(l, _)| l), lease)?;
                Err(self.remote(
                    &self.lease_key(&lease.deployment)?,
                    &"the lease changed while it was renewed; it is still held as before",
                ))
            }
        }
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), JournalError> {
        let current = self.read_lease(&lease.deployment).await?;
        if check_held(current.as_ref().map(|(l, _)| l), lease).is_err() {
            // Lost meanwhile: the new holder's lease stands.
            return Ok(());
        }
        let released = Lease {
            released: true,
            ..lease.clone()
        };
        match self.put_lease(&released, current.map(|(_, etag)| etag)).await {
            Ok(()) | Err(PutOutcome::Conflict) => Ok(()),
            Err(PutOutcome::Failed(err)) => Err(err),
        }
    }
}

#[async_trait]
impl Approvals for S3Journal {
    async fn approve(&self, deployment: &str, rollout_id: &str, wave: &str, by: &str) -> Result<(), JournalError> {
        let key = self.approval_key(deployment, rollout_id, wave)?;
        let body = serde_json::to_vec(&ApprovalObject { by: by.to_owned() }).map_err(|err| self.remote(&key, &err))?;
        self.put_first(&key, body).await
    }

    async fn approval(&self, deployment: &str, rollout_id: &str, wave: &str) -> Result<Option<String>, JournalError> {
        let key = self.approval_key(deployment, rollout_id, wave)?;
        let approval: Option<ApprovalObject> = self.get_record(deployment, &key).await?;
        Ok(approval.map(|a| a.by))
    }

    async fn request_rollback(&self, deployment: &str, request: &RollbackRequest) -> Result<(), JournalError> {
        let key = self.rollback_request_key(deployment, &request.rollout_id)?;
        let body = serde_json::to_vec(request).map_err(|err| self.remote(&key, &err))?;
        self.put_first(&key, body).await
    }

    async fn rollback_request(
        &self,
        deployment: &str,
        rollout_id: &str,
    ) -> Result<Option<RollbackRequest>, JournalError> {
        let key = self.rollback_request_key(deployment, rollout_id)?;
        self.get_record(deployment, &key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::AwsSettings;

    #[test]
    fn positions_sort_as_keys_and_read_back() {
        let key = |p: u64| format!("team/api/journal/{p:0POSITION_DIGITS$}.json");
        assert!(key(9) < key(10) && key(99) < key(100));
        assert_eq!(position_of(&key(12345)), Some(12345));
        assert_eq!(position_of("team/api/journal/notes.txt"), None);
    }

    #[test]
    fn key_segments_cannot_make_folders() {
        assert_eq!(segment("v2@1"), "v2@1");
        assert_eq!(segment("eu/west"), "eu%2Fwest");
        assert_eq!(segment("50% canary"), "50%25%20canary");
    }

    #[test]
    fn prefixes_end_in_one_slash_or_are_empty() {
        let store = |prefix: &str| S3Journal::new(S3::new(AwsSettings::default()), "bucket", prefix);
        assert_eq!(store("/team/journal/").prefix, "team/journal/");
        assert_eq!(store("/team/journal/").url(), "s3://bucket/team/journal");
        assert_eq!(store("").prefix, "");
    }
}
