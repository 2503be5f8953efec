//! Fakes of every port, on one virtual clock: traffic that records every weight write and
//! can fail, scripted probes, an in-memory journal with a lease, and crash points that stop
//! the world at an arbitrary port call.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use globaldeploy_reconciler::engine::ports::{
    Approvals, Clock, JournalStore, Probe, RegionWeights, Sample, SlotAssignment, Traffic, TrafficError,
};
use globaldeploy_reconciler::journal::entry::{Entry, Weights};
use globaldeploy_reconciler::journal::error::JournalError;
use globaldeploy_reconciler::journal::lease::Lease;
use globaldeploy_reconciler::model::{GateSpec, RegionSpec};
use tokio::sync::Notify;

/// Virtual time: sleeping advances it instantly.
#[derive(Default)]
pub struct FakeClock {
    now: AtomicU64,
}

impl FakeClock {
    pub fn at(millis: u64) -> Self {
        Self {
            now: AtomicU64::new(millis),
        }
    }
    pub fn now_millis_for_test(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
    pub fn advance(&self, millis: u64) {
        self.now.fetch_add(millis, Ordering::SeqCst);
    }
}

#[async_trait]
impl Clock for FakeClock {
    fn now_millis(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
    async fn sleep(&self, duration: Duration) {
        self.advance(u64::try_from(duration.as_millis()).unwrap());
        // Let a concurrent stop signal observe the new time, as a real sleep would.
        tokio::task::yield_now().await;
    }
}

/// Counts port calls and, at the chosen one, stops the world (the future never completes and
/// the test's `select!` drops the whole driver, as a `kill -9` would).
pub struct Crash {
    remaining: AtomicI64,
    pub notify: Notify,
}

impl Crash {
    pub fn after(calls: i64) -> Arc<Self> {
        Arc::new(Self {
            remaining: AtomicI64::new(calls),
            notify: Notify::new(),
        })
    }
    pub fn never() -> Arc<Self> {
        Self::after(i64::MAX)
    }
    pub async fn point(&self) {
        if self.remaining.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.notify.notify_one();
            std::future::pending::<()>().await;
        }
    }
    pub fn disarm(&self) {
        self.remaining.store(i64::MAX, Ordering::SeqCst);
    }
}

/// A check run on every weight write, with the weights after it.
pub type WriteCheck = Box<dyn Fn(&[RegionWeights], &BTreeMap<String, Weights>) + Send + Sync>;

/// Weighted traffic in memory.
pub struct FakeTraffic {
    pub weights: Mutex<BTreeMap<String, Weights>>,
    pub writes: Mutex<Vec<Vec<RegionWeights>>>,
    pub prepared: Mutex<Vec<SlotAssignment>>,
    /// Retryable failures still to return before succeeding.
    pub fail_next: AtomicU64,
    pub crash: Mutex<Arc<Crash>>,
    pub check: Mutex<Option<WriteCheck>>,
}

impl FakeTraffic {
    pub fn new(weights: BTreeMap<String, Weights>) -> Self {
        Self {
            weights: Mutex::new(weights),
            writes: Mutex::default(),
            prepared: Mutex::default(),
            fail_next: AtomicU64::new(0),
            crash: Mutex::new(Crash::never()),
            check: Mutex::new(None),
        }
    }
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
}

#[async_trait]
impl Traffic for FakeTraffic {
    async fn prepare(&self, assignments: &[SlotAssignment]) -> Result<(), TrafficError> {
        self.crash().point().await;
        if self.failing() {
            return Err(TrafficError {
                message: "Throttling".into(),
                retryable: true,
            });
        }
        self.prepared.lock().unwrap().extend_from_slice(assignments);
        Ok(())
    }

    async fn set_weights(&self, _: &[RegionSpec], weights: &[RegionWeights]) -> Result<(), TrafficError> {
        self.crash().point().await;
        if self.failing() {
            return Err(TrafficError {
                message: "PriorRequestNotComplete".into(),
                retryable: true,
            });
        }
        let after = {
            let mut all = self.weights.lock().unwrap();
            for w in weights {
                all.insert(
                    w.region.clone(),
                    Weights {
                        blue: w.blue,
                        green: w.green,
                    },
                );
            }
            all.clone()
        };
        self.writes.lock().unwrap().push(weights.to_vec());
        if let Some(check) = self.check.lock().unwrap().as_ref() {
            check(weights, &after);
        }
        // A crash after the atomic change landed but before the caller heard of it.
        self.crash().point().await;
        Ok(())
    }

    async fn weights(&self, regions: &[RegionSpec]) -> Result<Vec<RegionWeights>, TrafficError> {
        Ok(regions
            .iter()
            .map(|r| {
                let w = self.get(&r.name);
                RegionWeights {
                    region: r.name.clone(),
                    blue: w.blue,
                    green: w.green,
                }
            })
            .collect())
    }
}

/// How a region's new version behaves from a moment on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Healthy,
    Failing,
    Slow,
}

/// Scripted probes: per region, a list of (from millis, health); healthy by default.
pub struct FakeProbe {
    pub clock: Arc<FakeClock>,
    pub script: BTreeMap<String, Vec<(u64, Health)>>,
    pub samples: AtomicU64,
}

impl FakeProbe {
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

/// An in-memory journal; every entry goes through JSON, as it would on disk.
pub struct MemJournal {
    pub entries: Arc<Mutex<Vec<Entry>>>,
    pub lease: Mutex<Option<Lease>>,
    pub approvals: Mutex<Vec<(String, String, String)>>,
    /// Approvals granted automatically this long after they are first looked up.
    pub approve_after: Option<u64>,
    pub asked: Mutex<BTreeMap<String, u64>>,
    pub clock: Arc<FakeClock>,
    pub crash: Mutex<Arc<Crash>>,
}

impl MemJournal {
    pub fn new(clock: Arc<FakeClock>, approve_after: Option<u64>) -> Self {
        Self {
            entries: Arc::default(),
            lease: Mutex::default(),
            approvals: Mutex::default(),
            approve_after,
            asked: Mutex::default(),
            clock,
            crash: Mutex::new(Crash::never()),
        }
    }
    pub fn snapshot(&self) -> Vec<Entry> {
        self.entries.lock().unwrap().clone()
    }
    fn crash(&self) -> Arc<Crash> {
        self.crash.lock().unwrap().clone()
    }
}

#[async_trait]
impl JournalStore for MemJournal {
    async fn append(&self, _: &str, entry: &Entry) -> Result<(), JournalError> {
        self.crash().point().await;
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
        holder: &str,
        ttl: Duration,
        now: u64,
    ) -> Result<Lease, JournalError> {
        let mut lease = self.lease.lock().unwrap();
        if let Some(current) = lease.as_ref() {
            if current.holder != holder && !current.expired(now) {
                return Err(JournalError::LeaseHeld {
                    deployment: deployment.into(),
                    holder: current.holder.clone(),
                    expires_at: current.expires_at,
                });
            }
        }
        let new = Lease {
            deployment: deployment.into(),
            holder: holder.into(),
            expires_at: now + u64::try_from(ttl.as_millis()).unwrap(),
        };
        *lease = Some(new.clone());
        Ok(new)
    }

    async fn renew_lease(&self, held: &Lease, ttl: Duration, now: u64) -> Result<Lease, JournalError> {
        let mut lease = self.lease.lock().unwrap();
        match lease.as_ref() {
            Some(current) if current.holder == held.holder => {
                let new = Lease {
                    expires_at: now + u64::try_from(ttl.as_millis()).unwrap(),
                    ..held.clone()
                };
                *lease = Some(new.clone());
                Ok(new)
            }
            _ => Err(JournalError::LeaseLost {
                deployment: held.deployment.clone(),
                holder: held.holder.clone(),
            }),
        }
    }

    async fn release_lease(&self, held: &Lease) -> Result<(), JournalError> {
        let mut lease = self.lease.lock().unwrap();
        if lease.as_ref().is_some_and(|l| l.holder == held.holder) {
            *lease = None;
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
}
