//! The driver takes the samples of one tick concurrently: probes that take real time run on
//! tokio's paused clock, so a slow region (one waiting out its probe timeout) can be shown not to
//! delay the other regions' samples, and the core still hears results in request order.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use globaldeploy_engine::driver::{Driver, Ports};
use globaldeploy_engine::model::{Check, DeploymentSpec, GateSpec, OnFailure, RegionSpec, Strategy, WaveSpec, Weights};
use globaldeploy_engine::outcome::{Outcome, RolloutStatus};
use globaldeploy_engine::ports::{Clock, Probe, Sample};
use tokio::time::Instant;

use globaldeploy_engine::testing::world::{holder, region, World};
use globaldeploy_engine::testing::{FakeClock, FakeTraffic, MemJournal};

const T0: u64 = 1_700_000_000_000;

/// Epoch milliseconds on tokio's clock, which a paused runtime advances only when every task
/// is asleep: virtual time, but shared with the probes' sleeps.
struct TokioClock {
    started: Instant,
}

#[async_trait]
impl Clock for TokioClock {
    fn now_millis(&self) -> u64 {
        T0 + self.monotonic_millis()
    }
    fn monotonic_millis(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap()
    }
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// One sample as the probe saw it, in milliseconds since the test began.
#[derive(Clone, Debug)]
struct Taken {
    region: String,
    started: u64,
    finished: u64,
}

/// Probes that take `delay` of (virtual) time per region and answer `failing` regions with a
/// 503; records every sample and how many were in flight at once.
struct SlowProbe {
    started: Instant,
    delay: BTreeMap<String, Duration>,
    failing: Vec<String>,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
    taken: Mutex<Vec<Taken>>,
}

impl SlowProbe {
    fn new(started: Instant, delay: &[(&str, u64)], failing: &[&str]) -> Self {
        Self {
            started,
            delay: delay
                .iter()
                .map(|(name, ms)| ((*name).to_owned(), Duration::from_millis(*ms)))
                .collect(),
            failing: failing.iter().map(|name| (*name).to_owned()).collect(),
            in_flight: AtomicUsize::new(0),
            peak_in_flight: AtomicUsize::new(0),
            taken: Mutex::default(),
        }
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap()
    }
}

#[async_trait]
impl Probe for SlowProbe {
    async fn sample(&self, region: &RegionSpec, _: &GateSpec) -> Sample {
        let started = self.elapsed_ms();
        let now_in_flight = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_in_flight.fetch_max(now_in_flight, Ordering::SeqCst);
        tokio::time::sleep(self.delay[&region.name]).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.taken.lock().unwrap().push(Taken {
            region: region.name.clone(),
            started,
            finished: self.elapsed_ms(),
        });
        let ok = !self.failing.contains(&region.name);
        Sample {
            ok,
            latency: None,
            detail: if ok { "200".into() } else { "status 503".into() },
        }
    }
}

/// One wave moving every region of `names` at once, straight to 100 %, gated on one HTTP
/// check every 5 s (2 samples, all must pass; the first failure trips it).
fn one_group(names: &[&str], on_failure: OnFailure) -> DeploymentSpec {
    DeploymentSpec {
        name: "api".into(),
        version: "v2".into(),
        zone_id: "Z1".into(),
        waves: vec![WaveSpec {
            name: "all".into(),
            regions: names.iter().map(|name| (*name).to_owned()).collect(),
            max_parallel: u32::try_from(names.len()).unwrap(),
            bake_time: Duration::ZERO,
            require_approval: false,
            gates: vec![],
        }],
        strategy: Strategy {
            steps: vec![100],
            step_interval: Duration::from_secs(10),
            on_failure,
        },
        regions: names.iter().map(|name| region(name, 1)).collect(),
        gates: vec![GateSpec {
            check: Check::Http {
                url: None,
                expect_status: vec![200],
                timeout: Duration::from_secs(2),
                max_latency: None,
            },
            interval: Duration::from_secs(5),
            min_samples: 2,
            success_ratio: 1.0,
            failure_threshold: 1,
        }],
    }
}

/// Runs `spec` from v1 on blue everywhere through `probe` on tokio's clock started at `started`.
async fn roll_out(spec: &DeploymentSpec, probe: &SlowProbe, started: Instant) -> Outcome {
    let clock = TokioClock { started };
    let traffic = FakeTraffic::new(
        spec.regions
            .iter()
            .map(|r| (r.name.clone(), Weights { blue: 100, green: 0 }))
            .collect(),
    );
    let journal = MemJournal::new(Arc::new(FakeClock::at(T0)), None);
    let driver = Driver::new(
        Ports {
            traffic: &traffic,
            probe,
            clock: &clock,
            journal: &journal,
            approvals: &journal,
            progress: &(),
        },
        holder("test"),
    );
    driver
        .start(spec, &World::serving(spec), std::future::pending())
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_slow_region_does_not_delay_the_other_regions_samples() {
    let names = ["slow", "fast-a", "fast-b", "fast-c"];
    let spec = one_group(&names, OnFailure::Halt);
    let started = Instant::now();
    // "slow" waits out its 2 s probe timeout; the others answer in 1 s.
    let probe = SlowProbe::new(
        started,
        &[("slow", 2_000), ("fast-a", 1_000), ("fast-b", 1_000), ("fast-c", 1_000)],
        &[],
    );
    let outcome = roll_out(&spec, &probe, started).await;
    assert_eq!(outcome.status, RolloutStatus::Succeeded);

    assert_eq!(probe.peak_in_flight.load(Ordering::SeqCst), names.len());
    let taken = probe.taken.lock().unwrap().clone();
    let first_tick = taken.iter().map(|t| t.started).min().unwrap();
    let mut first: Vec<(&str, u64)> = taken
        .iter()
        .filter(|t| t.started == first_tick)
        .map(|t| (t.region.as_str(), t.finished - t.started))
        .collect();
    first.sort_unstable();
    // All four start together; each takes only its own time, and the tick lasts as long as
    // its slowest probe (2 s), not the sum of them (5 s).
    assert_eq!(
        first,
        [("fast-a", 1_000), ("fast-b", 1_000), ("fast-c", 1_000), ("slow", 2_000)],
        "{taken:?}"
    );
    // Each region's next sample is due one interval after its own sample completed: the fast
    // regions are not held back to the slow one's pace.
    for name in names {
        let mut mine = taken.iter().filter(|t| t.region == name);
        let (one, two) = (mine.next().unwrap(), mine.next().unwrap());
        assert_eq!(two.started - one.finished, 5_000, "{name}: {taken:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn results_reach_the_core_in_request_order_not_completion_order() {
    // Both regions fail their first sample; "first" is requested first but answers last.
    let spec = one_group(&["first", "second"], OnFailure::Halt);
    let started = Instant::now();
    let probe = SlowProbe::new(started, &[("first", 1_500), ("second", 100)], &["first", "second"]);
    let outcome = roll_out(&spec, &probe, started).await;

    assert_eq!(outcome.status, RolloutStatus::Halted);
    let taken = probe.taken.lock().unwrap().clone();
    let completion_order: Vec<&str> = taken.iter().map(|t| t.region.as_str()).collect();
    assert_eq!(
        completion_order,
        ["second", "first"],
        "taken together, the fast one answers first"
    );
    let failure = outcome.failure.unwrap();
    assert_eq!(failure.region, "first", "the first request's verdict is heard first");
    assert_eq!(failure.measured.last_detail, "status 503");
}
