//! A small world of fakes around one deployment, and a spec builder.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::driver::{Driver, Ports};
use crate::error::EngineError;
use crate::journal::lease::Holder;
use crate::journal::replay;
use crate::model::{
    Check, DeploymentSpec, GateSpec, OnFailure, RegionSpec, Serving, Slot, Strategy, Target, WaveSpec, Weights,
};
use crate::outcome::Outcome;

use crate::testing::{FakeClock, FakeProbe, FakeTraffic, Health, MemJournal};

/// A made-up lease holder called `name` on a host of its own (never judged dead by process).
pub fn holder(name: &str) -> Holder {
    Holder {
        name: name.into(),
        host: format!("{name}-host"),
        pid: 7,
        nonce: name.into(),
        process: None,
    }
}

/// An HTTP gate on the region's `health_url` (status 200, p95 under 500 ms) sampled every
/// `interval_s` seconds.
pub fn gate(interval_s: u64, min_samples: u32, ratio: f64, threshold: u32) -> GateSpec {
    GateSpec {
        check: Check::Http {
            url: None,
            expect_status: vec![200],
            timeout: Duration::from_secs(2),
            max_latency: Some(Duration::from_millis(500)),
        },
        interval: Duration::from_secs(interval_s),
        min_samples,
        success_ratio: ratio,
        failure_threshold: threshold,
    }
}

/// Region `name` at `NAME.api.example.com` with `global_weight` `weight` and a health URL.
pub fn region(name: &str, weight: u32) -> RegionSpec {
    RegionSpec {
        name: name.into(),
        record_name: format!("{name}.api.example.com"),
        ttl: 60,
        target: Target::Records(vec![format!("192.0.2.{}", name.len())]),
        health_url: Some(format!("https://{name}.example.com/healthz")),
        global_weight: weight,
    }
}

/// A wave over `regions`, one at a time, no bake, no approval, no gates of its own.
pub fn wave(name: &str, regions: &[&str]) -> WaveSpec {
    WaveSpec {
        name: name.into(),
        regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        max_parallel: 1,
        bake_time: Duration::ZERO,
        require_approval: false,
        gates: vec![],
    }
}

/// canary [us-west-2], rest [us-east-1, eu-west-1]; steps 25/50/100 every minute.
pub fn three_regions(on_failure: OnFailure) -> DeploymentSpec {
    DeploymentSpec {
        name: "api".into(),
        version: "v2".into(),
        zone_id: "Z1".into(),
        waves: vec![
            wave("canary", &["us-west-2"]),
            wave("rest", &["us-east-1", "eu-west-1"]),
        ],
        strategy: Strategy {
            steps: vec![25, 50, 100],
            step_interval: Duration::from_secs(60),
            on_failure,
        },
        regions: vec![
            region("us-west-2", 20),
            region("us-east-1", 40),
            region("eu-west-1", 40),
        ],
        gates: vec![gate(5, 3, 0.99, 2)],
    }
}

/// Every in-memory port of one deployment's world, on one virtual clock.
pub struct World {
    /// The virtual clock every fake runs on.
    pub clock: Arc<FakeClock>,
    /// Route 53 in memory.
    pub traffic: FakeTraffic,
    /// Scripted region health.
    pub probe: FakeProbe,
    /// The journal store and approvals.
    pub journal: MemJournal,
}

impl World {
    /// Every region of `spec` serving `v1` on blue (or nothing, when `published` is false).
    pub fn new(
        spec: &DeploymentSpec,
        published: bool,
        script: BTreeMap<String, Vec<(u64, Health)>>,
        approve_after: Option<u64>,
    ) -> Self {
        let clock = Arc::new(FakeClock::at(1_700_000_000_000));
        let weights = if published {
            spec.regions
                .iter()
                .map(|r| (r.name.clone(), Weights { blue: 100, green: 0 }))
                .collect()
        } else {
            BTreeMap::new()
        };
        World {
            traffic: FakeTraffic::new(weights),
            probe: FakeProbe::new(clock.clone(), script),
            journal: MemJournal::new(clock.clone(), approve_after),
            clock,
        }
    }

    /// Every region of `spec` serving `v1` on blue, from the target `spec` gives it.
    pub fn serving(spec: &DeploymentSpec) -> BTreeMap<String, Serving> {
        spec.regions
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    Serving {
                        slot: Slot::Blue,
                        version: "v1".into(),
                        target: Some(r.target.clone()),
                        idle: None,
                    },
                )
            })
            .collect()
    }

    /// What each region of `spec` serves after `outcome` (as the provider hands it to the next
    /// rollout): its slot and version of record, from the target `spec` gives it, and what its
    /// idle slot holds according to the journal.
    pub fn serving_after(&self, spec: &DeploymentSpec, outcome: &Outcome) -> BTreeMap<String, Serving> {
        let state = replay(&self.journal.snapshot()).unwrap().unwrap();
        spec.regions
            .iter()
            .filter_map(|r| {
                let o = outcome.regions.get(&r.name)?;
                Some((
                    r.name.clone(),
                    Serving {
                        slot: o.active_slot?,
                        version: o.version.clone()?,
                        target: Some(r.target.clone()),
                        idle: state.idle(&r.name),
                    },
                ))
            })
            .collect()
    }

    /// A driver on this world's ports, holding leases as `name`.
    pub fn driver(&self, name: &str) -> Driver<'_> {
        Driver::new(
            Ports {
                traffic: &self.traffic,
                probe: &self.probe,
                clock: &*self.clock,
                journal: &self.journal,
                approvals: &self.journal,
                progress: &(),
            },
            holder(name),
        )
    }

    /// Starts a rollout of `spec` from `current` as holder `test` and runs it to its end.
    pub fn start(&self, spec: &DeploymentSpec, current: &BTreeMap<String, Serving>) -> Result<Outcome, EngineError> {
        block_on(self.driver("test").start(spec, current, std::future::pending()))
    }
}

/// Runs `f` on a current-thread runtime, as one process would.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}
