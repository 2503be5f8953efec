//! The engine's view of the world: traffic, health probes, time and the journal.
//!
//! The engine core performs no I/O; it talks to these traits only. Real implementations
//! (Route 53 blue/green slots, HTTP probes, the wall clock, the file journal) live in their
//! own modules, and the deterministic simulation plugs in fakes driven by a virtual clock.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;

use crate::journal::entry::Entry;
use crate::journal::error::JournalError;
use crate::journal::lease::{Fence, Holder, Lease};
use crate::model::{GateSpec, RegionSpec, Slot, Target, Weights};
use crate::state::RolloutState;

/// Writing `target` (serving `version`) into one region's `slot`.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotAssignment {
    /// The region.
    pub region: RegionSpec,
    /// The slot written.
    pub slot: Slot,
    /// What the slot points at.
    pub target: Target,
    /// The version the target serves (recorded with the set for status and adoption).
    pub version: String,
}

/// A failure of the traffic layer; `retryable` failures may be retried by the engine.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TrafficError {
    /// What went wrong, naming the record and the provider's error code.
    pub message: String,
    /// Whether trying again may succeed.
    pub retryable: bool,
}

/// Moves weighted traffic. Each call is one atomic change for all regions listed. Writes take
/// the rollout's [`Fence`] and consult it before every attempt (retries included), sending
/// nothing once it refuses.
#[async_trait]
pub trait Traffic: Send + Sync {
    /// Writes each assignment's target into its slot without changing weights (a new slot
    /// starts at weight 0). Only for regions that serve already: beside a serving slot a
    /// weight-0 set gets no traffic, but as a name's only set it would get all of it.
    async fn prepare(&self, fence: &dyn Fence, assignments: &[SlotAssignment]) -> Result<(), TrafficError>;
    /// Publishes each assignment's region for the first time, once its gates passed: its slot
    /// is written pointing at the target with all of the region's weight, and any other slot
    /// set of the name (left by an earlier publication that failed) is removed, in one atomic
    /// change. No set of a never-published name exists before this, so none stands alone at 0.
    async fn publish(&self, fence: &dyn Fence, assignments: &[SlotAssignment]) -> Result<(), TrafficError>;
    /// Removes every slot set of `regions`, which were never published (a failed first
    /// publication leaves nothing behind), in one atomic change; nothing to remove is no call.
    async fn withdraw(&self, fence: &dyn Fence, regions: &[RegionSpec]) -> Result<(), TrafficError>;
    /// Sets the weights of every listed region in one atomic change.
    async fn set_weights(
        &self,
        fence: &dyn Fence,
        regions: &[RegionSpec],
        weights: &BTreeMap<String, Weights>,
    ) -> Result<(), TrafficError>;
    /// Reads the current weights of `regions`, by region (for resume and status).
    async fn weights(&self, regions: &[RegionSpec]) -> Result<BTreeMap<String, Weights>, TrafficError>;
}

/// One observation of a gate's check.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Whether this probe succeeded.
    pub ok: bool,
    /// How long it took, when measured.
    pub latency: Option<Duration>,
    /// What was seen (status code, error), for verdicts and messages.
    pub detail: String,
}

/// Takes samples of gates.
#[async_trait]
pub trait Probe: Send + Sync {
    /// One sample of `gate` for `region`.
    async fn sample(&self, region: &RegionSpec, gate: &GateSpec) -> Sample;
}

/// Milliseconds of `d`, the unit of every instant and span the engine keeps (the [`Clock`]'s),
/// saturating (durations in specs are far below the limit).
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Time, so the simulation can run on a virtual clock.
#[async_trait]
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch: for timestamps other processes read (journal stamps,
    /// rollout ids, lease expiry). May jump.
    fn now_millis(&self) -> u64;
    /// Milliseconds on a clock that never jumps, comparable only within this process: holds,
    /// bakes, gate intervals and what is left of a held lease are measured on it.
    fn monotonic_millis(&self) -> u64;
    /// Waits `duration` (virtual in tests), on the monotonic clock.
    async fn sleep(&self, duration: Duration);
}

/// Stores rollout journals (one per deployment, append-only) and the lease that keeps one
/// rollout per deployment at a time, fencing every append and lease operation by the
/// lease's holder and generation ([`crate::journal::lease`] has the rules).
#[async_trait]
pub trait JournalStore: Send + Sync {
    /// Appends `entry` to `deployment`'s journal; durable when this returns `Ok`. Refused with
    /// [`JournalError::LeaseLost`] unless `lease` (holder and generation) is the deployment's
    /// current lease, checked atomically with the append.
    async fn append(&self, lease: &Lease, entry: &Entry) -> Result<(), JournalError>;
    /// Every entry of `deployment`'s journal, oldest first (empty when there is none). A torn
    /// last entry (a write cut short by a crash, never acknowledged) is left out.
    async fn load(&self, deployment: &str) -> Result<Vec<Entry>, JournalError>;
    /// Takes the lease of `deployment` for `holder` until `now_millis + ttl`, with a generation
    /// above every earlier one. Fails with [`JournalError::LeaseHeld`] naming the holder unless
    /// the current lease is [takeable](Lease::takeable) by `holder`.
    async fn acquire_lease(
        &self,
        deployment: &str,
        holder: &Holder,
        ttl: Duration,
        now_millis: u64,
    ) -> Result<Lease, JournalError>;
    /// Extends `lease` to `now_millis + ttl`; fails with [`JournalError::LeaseLost`] naming the
    /// new holder if it was taken over (or released).
    async fn renew_lease(&self, lease: &Lease, ttl: Duration, now_millis: u64) -> Result<Lease, JournalError>;
    /// Gives `lease` up, keeping its generation (nothing happens if it was lost meanwhile).
    async fn release_lease(&self, lease: &Lease) -> Result<(), JournalError>;
}

/// A human's request that a running rollout roll back, recorded beside the journal because
/// the process that asks does not hold the lease: the holder looks it up and acts on it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RollbackRequest {
    /// The rollout it is meant for (a request never carries over to the next rollout).
    pub rollout_id: String,
    /// Who asks (the requesting process's holder identity).
    pub by: String,
    /// Why, as given.
    pub reason: String,
}

impl RollbackRequest {
    /// The reason journaled with the rollback the request leads to.
    pub fn journaled_reason(&self) -> String {
        requested_rollback_reason(&self.by, &self.reason)
    }
}

/// The reason journaled with a rollback `by` asked for, `reason` being theirs.
pub fn requested_rollback_reason(by: &str, reason: &str) -> String {
    format!("requested by {by}: {reason}")
}

/// Where people's decisions about running rollouts are recorded (`globaldeploy approve`, a
/// `globaldeploy rollback` of a rollout another process drives) and the engine looks them up.
/// Writing one needs no lease: the decisions are read by the lease holder, never replayed.
#[async_trait]
pub trait Approvals: Send + Sync {
    /// Records that `by` approved `wave` of rollout `rollout_id` of `deployment`.
    async fn approve(&self, deployment: &str, rollout_id: &str, wave: &str, by: &str) -> Result<(), JournalError>;
    /// Who approved `wave` of rollout `rollout_id`, if anyone has.
    async fn approval(&self, deployment: &str, rollout_id: &str, wave: &str) -> Result<Option<String>, JournalError>;
    /// Records `request` for its rollout of `deployment`.
    async fn request_rollback(&self, deployment: &str, request: &RollbackRequest) -> Result<(), JournalError>;
    /// The first rollback request recorded for rollout `rollout_id` of `deployment`, if any.
    async fn rollback_request(
        &self,
        deployment: &str,
        rollout_id: &str,
    ) -> Result<Option<RollbackRequest>, JournalError>;
}

/// Receives each journaled entry with the state it leads to: the provider logs progress,
/// the CLI draws progress bars. Called synchronously between actions, so keep it cheap.
pub trait Progress: Send + Sync {
    /// `entry` is durable and `state` reflects it.
    fn entry(&self, entry: &Entry, state: &RolloutState);
    /// Nothing is journaled while `deployment` waits on something outside this process
    /// (another holder of its lease); `why` says what.
    fn waiting(&self, _deployment: &str, _why: &str) {}
}

/// No progress reporting.
impl Progress for () {
    fn entry(&self, _: &Entry, _: &RolloutState) {}
}
