//! Fakes of every port, on one virtual clock: traffic that records every weight write, can
//! fail and can brown out (writes throttled for a while, each attempt fenced), scripted probes,
//! an in-memory journal with a fenced lease whose renewals can fail, and crash points that
//! stop the world at an arbitrary port call; [`world`] wires them to a driver.
//!
//! The traffic fake keeps which slots have a record set, as Route 53 does, and checks after
//! every change that no name answers from an all-zero group (sets that exist but all weigh 0,
//! which Route 53 answers as if they were equal): the invariant of first publications.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::journal::entry::Entry;
use crate::journal::error::JournalError;
use crate::journal::lease::{check_held, Fence, Holder, Lease, WRITE_DEADLINE};
use crate::model::{GateSpec, RegionSpec, Slot, Weights};
use crate::ports::{
    millis, Approvals, Clock, JournalStore, Probe, RollbackRequest, Sample, SlotAssignment, Traffic, TrafficError,
};
use async_trait::async_trait;
use tokio::sync::Notify;

pub mod world;

/// A recorded journal of three rollouts of `api` (v1, v2, then v3 rolled back), one entry a
/// line, for the tests of what reads journals: timelines, repair, `journal verify`.
pub const RECORDED_JOURNAL: &str = include_str!("journal.jsonl");

/// Virtual time, advanced only by sleepers: a sleep registers when it wants to wake, and the
/// earliest sleeper, once every other ready task and branch has had a turn (it yields to the
/// runtime once), moves the clock to its wake-up time. So concurrent sleepers (the driver's work and its heartbeat)
/// interleave as they would in real time, and nothing else makes time pass.
/// The wall clock (`now_millis`) is the monotonic one plus any jump a test makes.
pub struct FakeClock {
    state: Mutex<ClockState>,
}

struct ClockState {
    /// Monotonic virtual milliseconds.
    now: u64,
    /// What the wall clock reads beyond `now` (jumps).
    wall_offset: i64,
    /// Registered sleepers by (wake-up time, id).
    sleepers: BTreeMap<(u64, u64), Arc<Notify>>,
    next_id: u64,
    /// Real I/O in flight ([`FakeClock::hold`]): time stands still meanwhile.
    busy: usize,
}

impl ClockState {
    /// Lets the earliest remaining sleeper take its turn.
    fn wake_earliest(&self) {
        if let Some(turn) = self.sleepers.values().next() {
            turn.notify_one();
        }
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        Self::at(0)
    }
}

impl FakeClock {
    /// A clock whose monotonic and wall time both read `millis`.
    pub fn at(millis: u64) -> Self {
        Self {
            state: Mutex::new(ClockState {
                now: millis,
                wall_offset: 0,
                sleepers: BTreeMap::new(),
                next_id: 0,
                busy: 0,
            }),
        }
    }
    fn state(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state.lock().unwrap()
    }
    /// The monotonic time, for assertions (the [`Clock`] method needs the trait in scope).
    pub fn now_millis_for_test(&self) -> u64 {
        self.now_millis()
    }
    /// Time passes outside any sleep (e.g. between two processes' runs).
    pub fn advance(&self, millis: u64) {
        let mut state = self.state();
        state.now += millis;
        state.wake_earliest();
    }
    /// The wall clock alone jumps by `millis` (NTP stepping it, an operator setting it).
    pub fn jump_wall(&self, millis: i64) {
        self.state().wall_offset += millis;
    }
    // Used by the cli tests, which share this file (a real journal beside fakes).
    #[allow(dead_code)]
    /// Holds virtual time while real I/O runs (a real journal beside fakes): no sleeper moves the
    /// clock until the returned guard is dropped, as no real time would pass meanwhile.
    pub fn hold(&self) -> Hold<'_> {
        self.state().busy += 1;
        Hold(self)
    }
}

/// See [`FakeClock::hold`].
#[allow(dead_code)]
pub struct Hold<'a>(&'a FakeClock);

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.busy -= 1;
        if state.busy == 0 {
            state.wake_earliest();
        }
    }
}

/// A registered sleeper; leaving (woken or dropped) hands the turn to the next one.
struct Registration<'a> {
    clock: &'a FakeClock,
    key: (u64, u64),
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let mut state = self.clock.state();
        state.sleepers.remove(&self.key);
        state.wake_earliest();
    }
}

#[async_trait]
impl Clock for FakeClock {
    fn now_millis(&self) -> u64 {
        let state = self.state();
        state.now.saturating_add_signed(state.wall_offset)
    }
    fn monotonic_millis(&self) -> u64 {
        self.state().now
    }
    async fn sleep(&self, duration: Duration) {
        let turn = Arc::new(Notify::new());
        let key = {
            let mut state = self.state();
            state.next_id += 1;
            let key = (state.now + u64::try_from(duration.as_millis()).unwrap(), state.next_id);
            state.sleepers.insert(key, turn.clone());
            key
        };
        let _registration = Registration { clock: self, key };
        let mut yielded = false;
        loop {
            let earliest = {
                let mut state = self.state();
                if state.now >= key.0 {
                    return;
                }
                let earliest = state.sleepers.keys().next() == Some(&key) && state.busy == 0;
                if earliest && yielded {
                    state.now = key.0;
                    return;
                }
                earliest
            };
            if earliest {
                // Every other ready task and branch gets a turn before time moves.
                yielded = true;
                tokio::task::yield_now().await;
            } else {
                // A sleeper before us (or real I/O) takes its turn first and hands it on.
                yielded = false;
                turn.notified().await;
            }
        }
    }
}

/// Counts port calls and, at the chosen one, stops the world (the future never completes and
/// the test's `select!` drops the whole driver, as a `kill -9` would).
pub struct Crash {
    remaining: AtomicI64,
    /// Notified when the crash point is reached: the test then drops the world.
    pub notify: Notify,
}

impl Crash {
    /// Crashes at the `calls`-th port call.
    pub fn after(calls: i64) -> Arc<Self> {
        Arc::new(Self {
            remaining: AtomicI64::new(calls),
            notify: Notify::new(),
        })
    }
    /// Never crashes.
    pub fn never() -> Arc<Self> {
        Self::after(i64::MAX)
    }
    /// A port call: returns, or at the chosen one notifies and never completes.
    pub async fn point(&self) {
        if self.remaining.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.notify.notify_one();
            std::future::pending::<()>().await;
        }
    }
    /// No crash from now on (the restarted process).
    pub fn disarm(&self) {
        self.remaining.store(i64::MAX, Ordering::SeqCst);
    }
}

/// A check run on every weight write, with the weights after it.
pub type WriteCheck = Box<dyn Fn(&BTreeMap<String, Weights>, &BTreeMap<String, Weights>) + Send + Sync>;

/// A brown-out of the traffic layer: from `from` until `until` (monotonic), every write attempt
/// is throttled and retried after `retry_after`, as the Route 53 client's own retry loop does,
/// consulting the fence before each attempt.
#[derive(Clone)]
pub struct Brownout {
    /// The clock the brown-out is timed by.
    pub clock: Arc<FakeClock>,
    /// Start (monotonic millis).
    pub from: u64,
    /// End (monotonic millis).
    pub until: u64,
    /// The delay before each retried attempt.
    pub retry_after: Duration,
}

/// Weighted traffic in memory.
pub struct FakeTraffic {
    /// Each region's current weights.
    pub weights: Mutex<BTreeMap<String, Weights>>,
    /// The slots that have a record set, by region, with the version each points at.
    pub sets: Mutex<BTreeMap<String, BTreeMap<Slot, String>>>,
    /// Every weight write, in order.
    pub writes: Mutex<Vec<BTreeMap<String, Weights>>>,
    /// Every slot preparation, in order.
    pub prepared: Mutex<Vec<SlotAssignment>>,
    /// Retryable failures still to return before succeeding.
    pub fail_next: AtomicU64,
    /// Publications still to land but answer with a non-retryable error (the answer was lost).
    pub lose_publish_answers: AtomicU64,
    /// Where the process dies.
    pub crash: Mutex<Arc<Crash>>,
    /// Run on every weight write (the simulation's invariants).
    pub check: Mutex<Option<WriteCheck>>,
    /// A brown-out of the traffic layer, if any.
    pub brownout: Mutex<Option<Brownout>>,
    /// Write attempts the fence refused.
    pub fenced: AtomicU64,
}

impl FakeTraffic {
    /// Traffic with `weights`; every slot with weight has a set (of `v1`).
    pub fn new(weights: BTreeMap<String, Weights>) -> Self {
        let sets = weights
            .iter()
            .map(|(region, w)| {
                let slots = [Slot::Blue, Slot::Green]
                    .into_iter()
                    .filter(|slot| w.of(*slot) > 0)
                    .map(|slot| (slot, "v1".to_owned()))
                    .collect();
                (region.clone(), slots)
            })
            .collect();
        Self {
            weights: Mutex::new(weights),
            sets: Mutex::new(sets),
            writes: Mutex::default(),
            prepared: Mutex::default(),
            fail_next: AtomicU64::new(0),
            lose_publish_answers: AtomicU64::new(0),
            crash: Mutex::new(Crash::never()),
            check: Mutex::new(None),
            brownout: Mutex::new(None),
            fenced: AtomicU64::new(0),
        }
    }
    /// `region` serves `weights`, its `slot` set pointing at `version` (others kept).
    pub fn set(&self, region: &str, slot: Slot, version: &str, weights: Weights) {
        self.sets
            .lock()
            .unwrap()
            .entry(region.to_owned())
            .or_default()
            .insert(slot, version.to_owned());
        self.weights.lock().unwrap().insert(region.to_owned(), weights);
    }
    /// The slots of `region` that have a set, with their versions.
    pub fn sets_of(&self, region: &str) -> BTreeMap<Slot, String> {
        self.sets.lock().unwrap().get(region).cloned().unwrap_or_default()
    }
    /// Records one atomic write of `written`, as Route 53 applies it: the weights land, the
    /// per-write check sees the zone after it, and no name is left with all weights at 0.
    fn written(&self, written: &BTreeMap<String, Weights>) {
        let after = {
            let mut all = self.weights.lock().unwrap();
            all.extend(written.iter().map(|(region, w)| (region.clone(), *w)));
            all.clone()
        };
        self.writes.lock().unwrap().push(written.clone());
        if let Some(check) = self.check.lock().unwrap().as_ref() {
            check(written, &after);
        }
        self.assert_no_all_zero_name();
    }

    /// Panics when a name has record sets that all weigh 0: Route 53 would answer them.
    fn assert_no_all_zero_name(&self) {
        let sets = self.sets.lock().unwrap();
        for (region, slots) in sets.iter().filter(|(_, slots)| !slots.is_empty()) {
            let w = self.get(region);
            assert!(
                w.blue + w.green > 0,
                "{region} answers from an all-zero group: its sets {slots:?} all weigh 0"
            );
        }
    }
    /// The current weights of `region` (0/0 when it has none).
    pub fn get(&self, region: &str) -> Weights {
        self.weights
            .lock()
            .unwrap()
            .get(region)
            .copied()
            .unwrap_or(Weights { blue: 0, green: 0 })
    }
    fn crash(&self) -> Arc<Crash> {
        self.crash.lock().unwrap().clone()
    }
    fn failing(&self) -> bool {
        self.fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
    /// The attempts of one write: each one only as `fence` permits; throttled through a
    /// brown-out.
    async fn attempts(&self, fence: &dyn Fence) -> Result<(), TrafficError> {
        loop {
            if let Err(refused) = fence.permit(WRITE_DEADLINE) {
                self.fenced.fetch_add(1, Ordering::SeqCst);
                return Err(TrafficError {
                    message: refused.to_string(),
                    retryable: false,
                });
            }
            let brownout = self.brownout.lock().unwrap().clone();
            match brownout {
                Some(b) if (b.from..b.until).contains(&b.clock.monotonic_millis()) => {
                    b.clock.sleep(b.retry_after).await
                }
                _ => return Ok(()),
            }
        }
    }
}

#[async_trait]
impl Traffic for FakeTraffic {
    async fn prepare(&self, fence: &dyn Fence, assignments: &[SlotAssignment]) -> Result<(), TrafficError> {
        self.crash().point().await;
        self.attempts(fence).await?;
        if self.failing() {
            return Err(TrafficError {
                message: "Throttling".into(),
                retryable: true,
            });
        }
        self.prepared.lock().unwrap().extend_from_slice(assignments);
        {
            let mut sets = self.sets.lock().unwrap();
            for a in assignments {
                sets.entry(a.region.name.clone())
                    .or_default()
                    .insert(a.slot, a.version.clone());
            }
        }
        self.assert_no_all_zero_name();
        Ok(())
    }

    async fn publish(&self, fence: &dyn Fence, assignments: &[SlotAssignment]) -> Result<(), TrafficError> {
        self.crash().point().await;
        self.attempts(fence).await?;
        if self.failing() {
            return Err(TrafficError {
                message: "Throttling".into(),
                retryable: true,
            });
        }
        self.prepared.lock().unwrap().extend_from_slice(assignments);
        let written: BTreeMap<String, Weights> = assignments
            .iter()
            .map(|a| (a.region.name.clone(), Weights::all_on(a.slot)))
            .collect();
        {
            let mut sets = self.sets.lock().unwrap();
            for a in assignments {
                sets.insert(a.region.name.clone(), BTreeMap::from([(a.slot, a.version.clone())]));
            }
        }
        self.written(&written);
        self.crash().point().await;
        let lost = self
            .lose_publish_answers
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if lost {
            return Err(TrafficError {
                message: "connection reset after the change was sent".into(),
                retryable: false,
            });
        }
        Ok(())
    }

    async fn withdraw(&self, fence: &dyn Fence, regions: &[RegionSpec]) -> Result<(), TrafficError> {
        self.crash().point().await;
        self.attempts(fence).await?;
        if self.failing() {
            return Err(TrafficError {
                message: "Throttling".into(),
                retryable: true,
            });
        }
        for r in regions {
            self.sets.lock().unwrap().remove(&r.name);
            self.weights.lock().unwrap().remove(&r.name);
        }
        self.assert_no_all_zero_name();
        self.crash().point().await;
        Ok(())
    }

    async fn set_weights(
        &self,
        fence: &dyn Fence,
        _: &[RegionSpec],
        weights: &BTreeMap<String, Weights>,
    ) -> Result<(), TrafficError> {
        self.crash().point().await;
        self.attempts(fence).await?;
        if self.failing() {
            return Err(TrafficError {
                message: "PriorRequestNotComplete".into(),
                retryable: true,
            });
        }
        // As Route 53's adapter: a slot gets weight only once it has a record set.
        for (region, w) in weights {
            let sets = self.sets_of(region);
            for slot in [Slot::Blue, Slot::Green] {
                if w.of(slot) > 0 && !sets.contains_key(&slot) {
                    return Err(TrafficError {
                        message: format!("{region}: slot {} has no record set", slot.as_str()),
                        retryable: false,
                    });
                }
            }
        }
        self.written(weights);
        // A crash after the atomic change landed but before the caller heard of it.
        self.crash().point().await;
        Ok(())
    }

    async fn weights(&self, regions: &[RegionSpec]) -> Result<BTreeMap<String, Weights>, TrafficError> {
        Ok(regions.iter().map(|r| (r.name.clone(), self.get(&r.name))).collect())
    }
}

/// How a region's new version behaves from a moment on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// Status 200 in 20 ms.
    Healthy,
    /// Status 503.
    Failing,
    /// Status 200 in 900 ms.
    Slow,
}

/// Scripted probes: per region, a list of (from millis, health); healthy by default.
pub struct FakeProbe {
    /// The clock the script is timed by.
    pub clock: Arc<FakeClock>,
    /// Per region, from which monotonic millis on it behaves how.
    pub script: BTreeMap<String, Vec<(u64, Health)>>,
    /// Samples taken so far.
    pub samples: AtomicU64,
}

impl FakeProbe {
    /// Probes following `script`.
    pub fn new(clock: Arc<FakeClock>, script: BTreeMap<String, Vec<(u64, Health)>>) -> Self {
        Self {
            clock,
            script,
            samples: AtomicU64::new(0),
        }
    }
    fn health(&self, region: &str) -> Health {
        let now = self.clock.now_millis();
        self.script
            .get(region)
            .and_then(|s| s.iter().rfind(|(from, _)| *from <= now))
            .map_or(Health::Healthy, |(_, h)| *h)
    }
}

#[async_trait]
impl Probe for FakeProbe {
    async fn sample(&self, region: &RegionSpec, _: &GateSpec) -> Sample {
        self.samples.fetch_add(1, Ordering::Relaxed);
        match self.health(&region.name) {
            Health::Healthy => Sample {
                ok: true,
                latency: Some(Duration::from_millis(20)),
                detail: "200".into(),
            },
            Health::Failing => Sample {
                ok: false,
                latency: Some(Duration::from_millis(20)),
                detail: "status 503".into(),
            },
            Health::Slow => Sample {
                ok: true,
                latency: Some(Duration::from_millis(900)),
                detail: "200 after 900 ms".into(),
            },
        }
    }
}

/// An in-memory journal; every entry goes through JSON, as it would on disk. Its lease follows
/// the same rules as the file store's ([`Lease::takeable`], generations, fenced appends), checked
/// and acted on under one lock.
pub struct MemJournal {
    /// The entries, shared so an invariant check can replay them on every write.
    pub entries: Arc<Mutex<Vec<Entry>>>,
    /// The lease, if one was ever taken.
    pub lease: Mutex<Option<Lease>>,
    /// Granted approvals: (rollout id, wave, approver).
    pub approvals: Mutex<Vec<(String, String, String)>>,
    /// Rollback requests, in order.
    pub rollback_requests: Mutex<Vec<RollbackRequest>>,
    /// Approvals granted automatically this long after they are first looked up.
    pub approve_after: Option<u64>,
    /// When each approval was first looked up (monotonic millis), for `approve_after`.
    pub asked: Mutex<BTreeMap<String, u64>>,
    /// The clock of leases and approvals.
    pub clock: Arc<FakeClock>,
    /// Where the process dies.
    pub crash: Mutex<Arc<Crash>>,
    /// Renewals fail (the store unreachable) from and until these monotonic times.
    pub renewal_outage: Mutex<Option<(u64, u64)>>,
}

impl MemJournal {
    /// An empty journal; approvals are granted `approve_after` millis after first asked.
    pub fn new(clock: Arc<FakeClock>, approve_after: Option<u64>) -> Self {
        Self {
            entries: Arc::default(),
            lease: Mutex::default(),
            approvals: Mutex::default(),
            rollback_requests: Mutex::default(),
            approve_after,
            asked: Mutex::default(),
            clock,
            crash: Mutex::new(Crash::never()),
            renewal_outage: Mutex::new(None),
        }
    }
    /// A copy of the entries.
    pub fn snapshot(&self) -> Vec<Entry> {
        self.entries.lock().unwrap().clone()
    }
    fn crash(&self) -> Arc<Crash> {
        self.crash.lock().unwrap().clone()
    }
    /// Whether the lease is free (never taken, or released).
    pub fn lease_free(&self) -> bool {
        self.lease.lock().unwrap().as_ref().is_none_or(|l| l.released)
    }
}

#[async_trait]
impl JournalStore for MemJournal {
    async fn append(&self, held: &Lease, entry: &Entry) -> Result<(), JournalError> {
        self.crash().point().await;
        check_held(self.lease.lock().unwrap().as_ref(), held)?;
        let json = serde_json::to_string(entry).unwrap();
        let back: Entry = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, entry, "journal entry does not survive JSON: {json}");
        self.entries.lock().unwrap().push(back);
        // A crash after the entry is durable but before the engine heard of it.
        self.crash().point().await;
        Ok(())
    }

    async fn load(&self, _: &str) -> Result<Vec<Entry>, JournalError> {
        Ok(self.snapshot())
    }

    async fn acquire_lease(
        &self,
        deployment: &str,
        holder: &Holder,
        ttl: Duration,
        now: u64,
    ) -> Result<Lease, JournalError> {
        let mut lease = self.lease.lock().unwrap();
        if let Some(current) = lease.as_ref().filter(|c| !c.takeable(holder, now)) {
            return Err(JournalError::LeaseHeld {
                deployment: deployment.into(),
                holder: current.holder.to_string(),
                takeable_at: current.takeable_at(),
                now,
            });
        }
        let new = Lease {
            deployment: deployment.into(),
            holder: holder.clone(),
            generation: lease.as_ref().map_or(0, |l| l.generation) + 1,
            expires_at: now + millis(ttl),
            released: false,
        };
        *lease = Some(new.clone());
        Ok(new)
    }

    async fn renew_lease(&self, held: &Lease, ttl: Duration, now: u64) -> Result<Lease, JournalError> {
        let outage = *self.renewal_outage.lock().unwrap();
        if outage.is_some_and(|(from, until)| (from..until).contains(&self.clock.monotonic_millis())) {
            return Err(JournalError::Io {
                path: "memory".into(),
                source: std::io::Error::other("the store is unreachable"),
            });
        }
        let mut lease = self.lease.lock().unwrap();
        check_held(lease.as_ref(), held)?;
        let new = Lease {
            expires_at: now + millis(ttl),
            ..held.clone()
        };
        *lease = Some(new.clone());
        Ok(new)
    }

    async fn release_lease(&self, held: &Lease) -> Result<(), JournalError> {
        let mut lease = self.lease.lock().unwrap();
        if check_held(lease.as_ref(), held).is_ok() {
            *lease = Some(Lease {
                released: true,
                ..held.clone()
            });
        }
        Ok(())
    }
}

#[async_trait]
impl Approvals for MemJournal {
    async fn approve(&self, _: &str, rollout_id: &str, wave: &str, by: &str) -> Result<(), JournalError> {
        self.approvals
            .lock()
            .unwrap()
            .push((rollout_id.into(), wave.into(), by.into()));
        Ok(())
    }

    async fn approval(&self, _: &str, rollout_id: &str, wave: &str) -> Result<Option<String>, JournalError> {
        let now = self.clock.now_millis();
        if let Some(delay) = self.approve_after {
            let first = *self
                .asked
                .lock()
                .unwrap()
                .entry(format!("{rollout_id}/{wave}"))
                .or_insert(now);
            if now >= first + delay {
                return Ok(Some("auto-approver".into()));
            }
        }
        let approvals = self.approvals.lock().unwrap();
        Ok(approvals
            .iter()
            .find(|(r, w, _)| r == rollout_id && w == wave)
            .map(|(_, _, by)| by.clone()))
    }

    async fn request_rollback(&self, _: &str, request: &RollbackRequest) -> Result<(), JournalError> {
        self.rollback_requests.lock().unwrap().push(request.clone());
        Ok(())
    }

    async fn rollback_request(&self, _: &str, rollout_id: &str) -> Result<Option<RollbackRequest>, JournalError> {
        let requests = self.rollback_requests.lock().unwrap();
        Ok(requests.iter().find(|r| r.rollout_id == rollout_id).cloned())
    }
}

/// A real journal store beside fakes: each call holds the virtual clock ([`FakeClock::hold`]),
/// so a concurrent sleeper (the heartbeat, or the rollout's own waits) cannot move time while
/// the real file I/O of another is in flight.
pub struct Held<J> {
    /// The real store.
    pub inner: J,
    /// The virtual clock held during each call.
    pub clock: Arc<FakeClock>,
}

#[async_trait]
impl<J: JournalStore> JournalStore for Held<J> {
    async fn append(&self, lease: &Lease, entry: &Entry) -> Result<(), JournalError> {
        let _hold = self.clock.hold();
        self.inner.append(lease, entry).await
    }
    async fn load(&self, deployment: &str) -> Result<Vec<Entry>, JournalError> {
        let _hold = self.clock.hold();
        self.inner.load(deployment).await
    }
    async fn acquire_lease(
        &self,
        deployment: &str,
        holder: &Holder,
        ttl: Duration,
        now: u64,
    ) -> Result<Lease, JournalError> {
        let _hold = self.clock.hold();
        self.inner.acquire_lease(deployment, holder, ttl, now).await
    }
    async fn renew_lease(&self, lease: &Lease, ttl: Duration, now: u64) -> Result<Lease, JournalError> {
        let _hold = self.clock.hold();
        self.inner.renew_lease(lease, ttl, now).await
    }
    async fn release_lease(&self, lease: &Lease) -> Result<(), JournalError> {
        let _hold = self.clock.hold();
        self.inner.release_lease(lease).await
    }
}

#[async_trait]
impl<J: Approvals> Approvals for Held<J> {
    async fn approve(&self, deployment: &str, rollout_id: &str, wave: &str, by: &str) -> Result<(), JournalError> {
        let _hold = self.clock.hold();
        self.inner.approve(deployment, rollout_id, wave, by).await
    }
    async fn approval(&self, deployment: &str, rollout_id: &str, wave: &str) -> Result<Option<String>, JournalError> {
        let _hold = self.clock.hold();
        self.inner.approval(deployment, rollout_id, wave).await
    }
    async fn request_rollback(&self, deployment: &str, request: &RollbackRequest) -> Result<(), JournalError> {
        let _hold = self.clock.hold();
        self.inner.request_rollback(deployment, request).await
    }
    async fn rollback_request(
        &self,
        deployment: &str,
        rollout_id: &str,
    ) -> Result<Option<RollbackRequest>, JournalError> {
        let _hold = self.clock.hold();
        self.inner.rollback_request(deployment, rollout_id).await
    }
}
