//! Deterministic simulation: thousands of randomized rollouts (regions, waves, steps, gates,
//! health failures at random moments, publications whose gates fail, traffic errors, a
//! publication whose answer is lost, crashes at random port calls followed by resume from the
//! journal), with invariants checked on every traffic change and every entry: no name ever
//! answers from an all-zero group (the fake checks it on every change, first publications and
//! added regions included), and a failed publication leaves no set behind.
//!
//! Each rollout starts from one of four worlds: nothing published (create), every region on
//! v1 (update), some regions already promoted to v2 by an earlier rollout that stopped
//! (continue: they are carried, written only when `rollback_all` returns them to v1 on their
//! idle slot) and v2 everywhere with regions added (add: only the new regions are published).
//!
//! Lease faults on top: traffic brown-outs longer than the lease, renewal outages that fence
//! the holder, and a second driver contending for the lease; on every entry, the fake Route 53
//! must show what the journal says and no name may have all weights 0.
//!
//! `SIM_SEED=n` replays one seed; `SIM_ROLLOUTS=n` changes how many are run.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use globaldeploy_engine::driver::{Driver, Ports};
use globaldeploy_engine::error::EngineError;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::journal::lease::LEASE_TTL;
use globaldeploy_engine::journal::replay;
use globaldeploy_engine::model::{DeploymentSpec, Idle, OnFailure, Serving, Slot, Strategy, Weights};
use globaldeploy_engine::outcome::{RegionStatus, RolloutStatus};
use globaldeploy_engine::ports::{Clock, Progress, RollbackRequest};
use globaldeploy_engine::schedule::{estimated_duration, groups, rollout_kind, rollout_plan, RolloutKind};
use globaldeploy_engine::state::{Position, RolloutState};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use globaldeploy_engine::testing::world::{gate, holder, region, wave, World};
use globaldeploy_engine::testing::{Brownout, Crash, Health};

/// The virtual time every simulated world starts at.
const START: u64 = 1_700_000_000_000;

fn random_spec(rng: &mut StdRng) -> DeploymentSpec {
    let n = rng.random_range(1..=6);
    let mut regions: Vec<_> = (0..n)
        .map(|i| region(&format!("r{i}"), rng.random_range(0..=10)))
        .collect();
    if regions.iter().all(|r| r.global_weight == 0) {
        regions[0].global_weight = 1;
    }
    let mut names: Vec<String> = regions.iter().map(|r| r.name.clone()).collect();
    names.shuffle(rng);
    let wave_count = rng.random_range(1..=n.min(3));
    let mut waves = Vec::new();
    for w in 0..wave_count {
        let take = if w + 1 == wave_count {
            names.len()
        } else {
            rng.random_range(1..=names.len() - (wave_count - w - 1))
        };
        let members: Vec<String> = names.drain(..take).collect();
        let refs: Vec<&str> = members.iter().map(String::as_str).collect();
        let mut wv = wave(&format!("w{w}"), &refs);
        wv.max_parallel = rng.random_range(1..=3);
        wv.bake_time = Duration::from_secs(rng.random_range(0..=3) * 30);
        wv.require_approval = rng.random_bool(0.2);
        if rng.random_bool(0.4) {
            wv.gates.push(gate(
                rng.random_range(1..=10),
                rng.random_range(1..=3),
                0.6,
                rng.random_range(1..=3),
            ));
        }
        waves.push(wv);
    }
    let mut steps: Vec<u8> = (1..100).filter(|_| rng.random_bool(0.04)).collect();
    steps.push(100);
    let on_failure = [OnFailure::RollbackRegion, OnFailure::RollbackAll, OnFailure::Halt][rng.random_range(0..3)];
    let gates = (0..rng.random_range(0..=2))
        .map(|_| {
            gate(
                rng.random_range(1..=10),
                rng.random_range(1..=4),
                [0.5, 0.75, 1.0][rng.random_range(0..3)],
                rng.random_range(1..=3),
            )
        })
        .collect();
    DeploymentSpec {
        name: "sim".into(),
        version: "v2".into(),
        zone_id: "Z1".into(),
        waves,
        strategy: Strategy {
            steps,
            step_interval: Duration::from_secs(rng.random_range(10..=60)),
            on_failure,
        },
        regions,
        gates,
    }
}

/// Checks on every journaled entry: the live state equals the replay of the journal, and
/// waves never overlap.
struct Checker<'a> {
    world: &'a World,
    seed: u64,
}

impl Progress for Checker<'_> {
    fn entry(&self, entry: &Entry, state: &RolloutState) {
        let seed = self.seed;
        let replayed = replay(&self.world.journal.snapshot()).unwrap().unwrap();
        assert_eq!(
            &replayed, state,
            "seed {seed}: replaying the journal after {entry:?} does not reproduce the engine state"
        );
        assert_traffic_follows_the_journal(self.world, seed, entry, state);
        if state.failure.is_none() && !matches!(state.position, Position::RollingBack { .. } | Position::Done) {
            let current = state.current_group();
            for (g, group) in state.groups.iter().enumerate() {
                for r in &group.regions {
                    let status = state.regions[r];
                    let ok = if g < current {
                        status == RegionStatus::Promoted
                    } else if g > current {
                        status == RegionStatus::Pending
                    } else {
                        true
                    };
                    assert!(
                        ok,
                        "seed {seed}: group {g} region {r} is {status} while group {current} runs: waves overlap"
                    );
                }
            }
        }
    }
}

/// On every entry, Route 53 (the fake) shows what the journal says: each region at the weights
/// of the state before the entry (an announced step or rollback not yet written) or after it,
/// and no name answers with all weights 0.
fn assert_traffic_follows_the_journal(world: &World, seed: u64, entry: &Entry, state: &RolloutState) {
    let journal = world.journal.snapshot();
    let before = replay(&journal[..journal.len() - 1]).unwrap();
    for (region, weights) in world.traffic.weights.lock().unwrap().iter() {
        let Some(after) = state.region_weights(region) else {
            continue;
        };
        let before = before
            .as_ref()
            .map_or(after, |b| b.region_weights(region).unwrap_or(after));
        assert!(
            *weights == after || *weights == before,
            "seed {seed}: after {entry:?}, {region} is at {weights:?} while the journal says {before:?} or {after:?}"
        );
        assert!(
            weights.blue + weights.green > 0,
            "seed {seed}: {region} has all weights 0"
        );
    }
}

/// Share of global traffic on the new version, from the fake's weights.
fn exposure(spec: &DeploymentSpec, new_slot: &BTreeMap<String, Slot>, weights: &BTreeMap<String, Weights>) -> f64 {
    let total: f64 = spec.regions.iter().map(|r| f64::from(r.global_weight)).sum();
    spec.regions
        .iter()
        .map(|r| {
            let w = weights.get(&r.name).copied().unwrap_or(Weights { blue: 0, green: 0 });
            let sum = f64::from(w.blue) + f64::from(w.green);
            if sum == 0.0 {
                0.0
            } else {
                f64::from(r.global_weight) / total * f64::from(w.of(new_slot[&r.name])) / sum * 100.0
            }
        })
        .sum()
}

/// The highest planned exposure up to the journal's current group and step; carried regions
/// are exposed from the start. The plan is the one `globaldeploy plan` and the provider show,
/// of the kind the engine runs: a publication has one row per region, at 100 %.
fn planned_limit(spec: &DeploymentSpec, state: &RolloutState) -> f64 {
    let kind = state.kind;
    let plan = rollout_plan(spec, &state.carried, kind);
    let stages = match kind {
        RolloutKind::Publish => 1,
        RolloutKind::Shift => spec.strategy.steps.len(),
    };
    let moving: usize = state.groups.iter().map(|g| g.regions.len()).sum();
    assert_eq!(
        plan.len(),
        moving * stages,
        "{kind:?}: one row per moving region per stage"
    );
    let (group, step) = match state.position {
        Position::Step { group, step } | Position::Passed { group, step } => (group, step),
        Position::Preparing { group } | Position::Before { group } | Position::AwaitingApproval { group } => (group, 0),
        Position::RollingBack { .. } | Position::Done => (state.groups.len(), 0),
    };
    // A publication's one row is its group at 100 %, which it reaches at once.
    let step = if kind == RolloutKind::Publish { 0 } else { step };
    let total: f64 = spec.regions.iter().map(|r| f64::from(r.global_weight)).sum();
    let mut limit: f64 = spec
        .regions
        .iter()
        .filter(|r| state.carried.contains(&r.name))
        .map(|r| f64::from(r.global_weight) / total * 100.0)
        .sum();
    let mut row = 0;
    for (g, grp) in groups(spec, &state.carried).iter().enumerate() {
        for s in 0..stages {
            for region in &grp.regions {
                assert_eq!(&plan[row].region, region, "rows follow the engine's groups");
                if kind == RolloutKind::Publish {
                    assert_eq!(plan[row].step_percent, 100, "a publication has no steps");
                }
                if g < group || (g == group && s <= step) {
                    limit = limit.max(plan[row].global_exposure_percent);
                }
                row += 1;
            }
        }
    }
    limit
}

/// Where a region starts in a simulated world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Start {
    /// Never published.
    Fresh,
    /// Serves v1 on blue.
    Old,
    /// Already serves v2 (the spec's version and target) on green.
    Carried,
}

/// Faults of the lease (chosen from their own random stream, so they leave every other choice
/// of a seed as it was): a brown-out that throttles every traffic write for longer than the
/// lease lives, an outage of the store for the holder's renewals, a second driver that
/// tries to take the deployment over while the first runs, and a `globaldeploy rollback` from
/// another process, which records a request for the holder to carry out.
struct LeaseFaults {
    brownout: Option<(u64, u64)>,
    renewal_outage: Option<(u64, u64)>,
    contend_at: Option<u64>,
    request_rollback_at: Option<u64>,
}

fn lease_faults(seed: u64, horizon: u64, world: &World) -> LeaseFaults {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x1ea5_e000_0000_0000);
    let ttl = u64::try_from(LEASE_TTL.as_millis()).unwrap();
    let mut window = |p: f64, longest: u64| {
        rng.random_bool(p).then(|| {
            let from = START + rng.random_range(0..horizon);
            (from, from + rng.random_range(ttl..=longest))
        })
    };
    let brownout = window(0.15, 3 * ttl);
    let renewal_outage = window(0.05, 2 * ttl);
    let contend_at = (renewal_outage.is_none() && rng.random_bool(0.15)).then(|| rng.random_range(0..horizon));
    if let Some((from, until)) = brownout {
        *world.traffic.brownout.lock().unwrap() = Some(Brownout {
            clock: world.clock.clone(),
            from,
            until,
            retry_after: Duration::from_millis(rng.random_range(500..5_000)),
        });
    }
    *world.journal.renewal_outage.lock().unwrap() = renewal_outage;
    let request_rollback_at = rng.random_bool(0.1).then(|| rng.random_range(0..horizon));
    LeaseFaults {
        brownout,
        renewal_outage,
        contend_at,
        request_rollback_at,
    }
}

impl LeaseFaults {
    fn quiet(&self) -> bool {
        self.brownout.is_none()
            && self.renewal_outage.is_none()
            && self.contend_at.is_none()
            && self.request_rollback_at.is_none()
    }

    /// At its moment, records a rollback request for the rollout journaled then (if any), as
    /// `globaldeploy rollback` does when another process holds the lease.
    async fn request_rollback(&self, world: &World) {
        let Some(at) = self.request_rollback_at else { return };
        world.clock.sleep(Duration::from_millis(at)).await;
        let Ok(Some(state)) = replay(&world.journal.snapshot()) else {
            return;
        };
        let request = RollbackRequest {
            rollout_id: state.rollout_id,
            by: "requester".into(),
            reason: "simulated".into(),
        };
        world.journal.rollback_requests.lock().unwrap().push(request);
    }

    /// The second driver: `resume` at its moment must find the lease held, and write nothing,
    /// while the first runs; once the first has let the lease go (finished, or interrupted), it
    /// may take over.
    async fn contend(&self, ports: Ports<'_>, world: &World, seed: u64) {
        let Some(at) = self.contend_at else { return };
        world.clock.sleep(Duration::from_millis(at)).await;
        let writes = world.traffic.writes.lock().unwrap().len();
        let free = world.journal.lease_free();
        match Driver::new(ports, holder("contender"))
            .resume("sim", std::future::pending())
            .await
        {
            Err(EngineError::Journal(JournalError::LeaseHeld { holder, .. })) => {
                assert!(holder.starts_with("first on "), "seed {seed}: held by {holder}");
                assert_eq!(
                    world.traffic.writes.lock().unwrap().len(),
                    writes,
                    "seed {seed}: the contender wrote"
                );
            }
            Ok(outcome) => assert!(free, "seed {seed}: resumed {outcome:?} under a live lease"),
            // The first was refused before it wrote anything.
            Err(EngineError::NoRollout { .. }) => assert!(world.journal.snapshot().is_empty(), "seed {seed}"),
            Err(other) => panic!("seed {seed}: the contender failed otherwise: {other}"),
        }
    }
}

struct Stats {
    rollouts: u64,
    timed: u64,
    crashes: u64,
    fenced: u64,
    requested: u64,
    outcomes: BTreeMap<&'static str, u64>,
    writes: u64,
    samples: u64,
}

fn simulate(seed: u64, stats: &mut Stats) {
    let mut rng = StdRng::seed_from_u64(seed);
    let spec = random_spec(&mut rng);
    let world_kind = rng.random_range(0..100);
    let start: BTreeMap<String, Start> = spec
        .regions
        .iter()
        .map(|r| {
            let kind = match world_kind {
                0..10 => Start::Fresh,
                10..70 => Start::Old,
                70..85 if rng.random_bool(0.5) => Start::Carried,
                70..85 => Start::Old,
                _ if rng.random_bool(0.4) => Start::Fresh,
                // Now and then a region still on v1: publishing and shifting at once is refused.
                _ if rng.random_bool(0.05) => Start::Old,
                _ => Start::Carried,
            };
            (r.name.clone(), kind)
        })
        .collect();
    let carried: BTreeSet<String> = start
        .iter()
        .filter(|(_, k)| **k == Start::Carried)
        .map(|(r, _)| r.clone())
        .collect();
    let fresh = |region: &str| start[region] == Start::Fresh;
    let mixed = start.values().any(|k| *k == Start::Fresh) && start.values().any(|k| *k == Start::Old);
    let kind = rollout_kind(&spec, &carried, |region| !fresh(region));
    let estimate = u64::try_from(estimated_duration(&spec, &carried, kind).as_millis()).unwrap();
    let horizon = estimate + 1;
    let mut script = BTreeMap::new();
    for r in &spec.regions {
        if start[&r.name] == Start::Fresh && rng.random_bool(0.3) {
            // A publication that fails: the region is unhealthy from the start.
            script.insert(r.name.clone(), vec![(START, Health::Failing)]);
        } else if rng.random_bool(0.25) {
            let health = if rng.random_bool(0.7) {
                Health::Failing
            } else {
                Health::Slow
            };
            let at = START + rng.random_range(0..horizon * 2);
            let mut events = vec![(at, health)];
            if rng.random_bool(0.3) {
                events.push((at + rng.random_range(1..20_000), Health::Healthy));
            }
            script.insert(r.name.clone(), events);
        }
    }
    let script_is_empty = script.is_empty();
    let approve_after = Some(rng.random_range(0..600_000));
    let world = World::new(&spec, false, script, approve_after);
    for (region, kind) in &start {
        match kind {
            Start::Fresh => {}
            Start::Old => world
                .traffic
                .set(region, Slot::Blue, "v1", Weights { blue: 100, green: 0 }),
            Start::Carried => {
                // Promoted from v1 on blue, which the idle slot still holds at weight 0.
                world
                    .traffic
                    .set(region, Slot::Blue, "v1", Weights { blue: 0, green: 100 });
                world
                    .traffic
                    .set(region, Slot::Green, "v2", Weights { blue: 0, green: 100 });
            }
        }
    }
    let traffic_failures = if rng.random_bool(0.1) {
        rng.random_range(1..=4)
    } else {
        0
    };
    world.traffic.fail_next.store(traffic_failures, Ordering::SeqCst);
    let lost_answers = u64::from(start.values().any(|k| *k == Start::Fresh) && rng.random_bool(0.2));
    world.traffic.lose_publish_answers.store(lost_answers, Ordering::SeqCst);
    let faults = lease_faults(seed, horizon, &world);
    // Nothing but the gates holds this rollout: no health trouble, no retries, no approvals.
    let undisturbed = script_is_empty
        && traffic_failures == 0
        && lost_answers == 0
        && !spec.waves.iter().any(|w| w.require_approval)
        && faults.quiet();
    let crash = if rng.random_bool(0.4) {
        Crash::after(rng.random_range(1..=80))
    } else {
        Crash::never()
    };
    *world.traffic.crash.lock().unwrap() = crash.clone();
    *world.journal.crash.lock().unwrap() = crash.clone();

    let prior: BTreeMap<String, Weights> = world.traffic.weights.lock().unwrap().clone();
    let new_slot: BTreeMap<String, Slot> = spec
        .regions
        .iter()
        .map(|r| (r.name.clone(), if fresh(&r.name) { Slot::Blue } else { Slot::Green }))
        .collect();
    // Every weight write: exposure within the plan; rollbacks exact; carried regions written only
    // by `rollback_all`. (No all-zero name: the fake checks it on every change.)
    let spec_w = spec.clone();
    let prior_w = prior.clone();
    let slots_w = new_slot.clone();
    let entries_w = world.journal.entries.clone();
    let carried_w = carried.clone();
    *world.traffic.check.lock().unwrap() = Some(Box::new(move |written, after| {
        let journal = entries_w.lock().unwrap().clone();
        let state = replay(&journal).unwrap().unwrap();
        let rolling_back = matches!(state.position, Position::RollingBack { .. });
        for region in written.keys() {
            assert!(
                !carried_w.contains(region) || (rolling_back && spec_w.strategy.on_failure == OnFailure::RollbackAll),
                "seed {seed}: {region} already served v2 but was written"
            );
        }
        let limit = planned_limit(&spec_w, &state);
        let actual = exposure(&spec_w, &slots_w, after);
        // The plan rounds exposure to 1/1000 %.
        assert!(
            actual <= limit + 1e-3,
            "seed {seed}: exposure {actual:.3} % exceeds the planned {limit:.3} % at {:?}",
            state.position
        );
        if let Some(Entry::Rollback { weights, .. }) = journal
            .iter()
            .rev()
            .find(|e| matches!(e, Entry::Rollback { .. } | Entry::Step { .. }))
        {
            for (region, w) in written {
                assert_eq!(
                    Some(w),
                    weights.get(region),
                    "seed {seed}: rollback wrote other than the journal says"
                );
                // The exact prior weights, or a carried region's idle slot (v1) at 100.
                let expected = if carried_w.contains(region) {
                    Some(Weights::all_on(Slot::Blue))
                } else {
                    prior_w.get(region).copied()
                };
                assert_eq!(
                    Some(*w),
                    expected,
                    "seed {seed}: rollback of {region} is not what it returns to"
                );
            }
        }
    }));

    let current: BTreeMap<String, Serving> = World::serving(&spec)
        .into_iter()
        .filter_map(|(region, mut serving)| {
            match start[&region] {
                Start::Fresh => return None,
                Start::Old => {}
                Start::Carried => {
                    serving.slot = Slot::Green;
                    serving.version = spec.version.clone();
                    serving.idle = Some(Idle {
                        version: "v1".into(),
                        target: serving.target.clone(),
                    });
                }
            }
            Some((region, serving))
        })
        .collect();
    let checker = Checker { world: &world, seed };
    let ports = Ports {
        traffic: &world.traffic,
        probe: &world.probe,
        clock: &*world.clock,
        journal: &world.journal,
        approvals: &world.journal,
        progress: &checker,
    };
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let result = rt.block_on(async {
        let driver = Driver::new(ports, holder("first"));
        let contender = faults.contend(ports, &world, seed);
        let requester = faults.request_rollback(&world);
        // Biased, crash first: the world stops at the crash point, not a poll later.
        tokio::select! {
            biased;
            () = crash.notify.notified() => None,
            (r, (), ()) = async {
                futures::join!(driver.start(&spec, &current, std::future::pending()), contender, requester)
            } => Some(r),
        }
    });
    // A publication whose answer was lost interrupts the rollout; resume takes it from the journal.
    let result = match result {
        Some(Err(EngineError::Traffic(error))) if lost_answers > 0 && !error.retryable => rt.block_on(async {
            let driver = Driver::new(ports, holder("resumer"));
            tokio::select! {
                biased;
                () = crash.notify.notified() => None,
                r = driver.resume("sim", std::future::pending()) => Some(r),
            }
        }),
        other => other,
    };
    // A holder that could not renew its lease stopped writing; like a dead one, it is resumed.
    let result = match result {
        Some(Err(EngineError::Fenced(_))) => {
            assert!(faults.renewal_outage.is_some(), "seed {seed}: fenced without an outage");
            stats.fenced += 1;
            None
        }
        other => other,
    };
    let outcome = match result {
        // Regions added while others move to a new version: refused before anything is written.
        Some(Err(EngineError::MixedPublication { .. })) => {
            assert!(mixed, "seed {seed}: refused a rollout that publishes or shifts only");
            assert!(world.journal.snapshot().is_empty(), "seed {seed}");
            stats.rollouts += 1;
            return;
        }
        Some(r) => {
            assert!(!mixed, "seed {seed}: published new regions while others shifted");
            let outcome = r.unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            // An undisturbed rollout takes exactly the time its plan shows (the sum of its holds).
            if undisturbed && outcome.status == RolloutStatus::Succeeded {
                assert_eq!(
                    world.clock.now_millis_for_test() - START,
                    estimate,
                    "seed {seed}: a {kind:?} took a different time than its estimate"
                );
                stats.timed += 1;
            }
            outcome
        }
        None => {
            stats.crashes += 1;
            crash.disarm();
            *world.journal.renewal_outage.lock().unwrap() = None;
            // The dead process's lease runs out; then `globaldeploy resume` takes over.
            let takeable = world
                .journal
                .lease
                .lock()
                .unwrap()
                .as_ref()
                .map_or(0, |l| l.takeable_at());
            world
                .clock
                .advance(takeable.saturating_sub(world.clock.now_millis_for_test()));
            let Some(_) = replay(&world.journal.snapshot()).unwrap() else {
                // Crashed before the intent was durable: nothing happened.
                assert_eq!(*world.traffic.weights.lock().unwrap(), prior, "seed {seed}");
                stats.rollouts += 1;
                return;
            };
            let resume = || rt.block_on(Driver::new(ports, holder("resumer")).resume("sim", std::future::pending()));
            // The resumed publication's answer may be the one lost: resume once more.
            match resume() {
                Err(EngineError::Traffic(error)) if lost_answers > 0 && !error.retryable => resume(),
                other => other,
            }
            .unwrap_or_else(|e| panic!("seed {seed}: resume: {e}"))
        }
    };

    // Final invariants.
    let weights = world.traffic.weights.lock().unwrap().clone();
    let state = replay(&world.journal.snapshot()).unwrap().unwrap();
    assert_eq!(state.carried, carried, "seed {seed}");
    // A requested rollback returns the regions the rollout touched, whatever the policy.
    let requested = outcome
        .rollback_reason
        .as_deref()
        .is_some_and(|r| r.starts_with("requested by requester"));
    let rolled_back_all = outcome.status == RolloutStatus::RolledBack
        && spec.strategy.on_failure == OnFailure::RollbackAll
        && kind == RolloutKind::Shift
        && !requested;
    for r in &spec.regions {
        let w = weights.get(&r.name).copied().unwrap_or(Weights { blue: 0, green: 0 });
        let create = fresh(&r.name);
        if carried.contains(&r.name) {
            let expected = if rolled_back_all {
                (RegionStatus::RolledBack, Some(Weights { blue: 100, green: 0 }))
            } else {
                (RegionStatus::Promoted, prior.get(&r.name).copied())
            };
            assert_eq!(
                (outcome.regions[&r.name].status, Some(w)),
                expected,
                "seed {seed}: carried {} stays as it was unless rollback_all returns it to v1",
                r.name
            );
        }
        // `rollback_all` leaves no region on the version that failed.
        if rolled_back_all {
            assert_eq!(w.of(new_slot[&r.name]), 0, "seed {seed}: {} still serves v2", r.name);
        }
        // A region never published serves nothing unless its publication went through.
        if create && outcome.regions[&r.name].status != RegionStatus::Promoted {
            assert!(
                world.traffic.sets_of(&r.name).is_empty(),
                "seed {seed}: failed publication of {} left {:?}",
                r.name,
                world.traffic.sets_of(&r.name)
            );
        }
        match outcome.regions[&r.name].status {
            RegionStatus::Promoted => assert_eq!(
                w.of(new_slot[&r.name]),
                100,
                "seed {seed}: {} promoted but {w:?}",
                r.name
            ),
            RegionStatus::Pending | RegionStatus::RolledBack => {
                let expected = if carried.contains(&r.name) {
                    Some(Weights { blue: 100, green: 0 })
                } else {
                    prior.get(&r.name).copied()
                };
                assert_eq!(
                    Some(&w).filter(|_| !create).copied(),
                    expected.filter(|_| !create),
                    "seed {seed}: {} not at its prior weights",
                    r.name
                );
            }
            RegionStatus::Halted { percent } => {
                assert_eq!(w.of(new_slot[&r.name]), if create { 0 } else { percent }, "seed {seed}")
            }
            other => panic!("seed {seed}: {} ended {other}", r.name),
        }
        // Refresh measures drift against the weights the journal says were left behind.
        if !create || outcome.regions[&r.name].status == RegionStatus::Promoted {
            assert_eq!(
                state.region_weights(&r.name),
                Some(w),
                "seed {seed}: the journal's weights of {}",
                r.name
            );
        }
    }
    assert_eq!(Some(outcome.status), state.status, "seed {seed}");
    if outcome.status == RolloutStatus::Succeeded {
        assert!(
            outcome.failure.is_none(),
            "seed {seed}: succeeded after a failure: {outcome:?}"
        );
        assert_eq!(outcome.serving_version.as_deref(), Some("v2"));
    } else if rolled_back_all {
        assert_eq!(
            outcome.serving_version.as_deref(),
            Some("v1"),
            "seed {seed}: {outcome:?}"
        );
    } else if outcome.failure.is_none() {
        // Only a request rolls back without a failed gate, and only a shift.
        assert!(requested && kind == RolloutKind::Shift, "seed {seed}: {outcome:?}");
        assert_eq!(outcome.status, RolloutStatus::RolledBack, "seed {seed}");
        stats.requested += 1;
    }
    assert!(world.journal.lease_free(), "seed {seed}: lease not released");
    stats.rollouts += 1;
    *stats.outcomes.entry(outcome.status.as_str()).or_default() += 1;
    stats.writes += world.traffic.writes.lock().unwrap().len() as u64;
    stats.samples += world.probe.samples.load(Ordering::Relaxed);
}

#[test]
fn randomized_rollouts_keep_every_invariant() {
    let started = Instant::now();
    let seeds: Vec<u64> = match std::env::var("SIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("SIM_SEED is a number")],
        Err(_) => {
            let n: u64 = std::env::var("SIM_ROLLOUTS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(3_000);
            (0..n).collect()
        }
    };
    let mut stats = Stats {
        rollouts: 0,
        timed: 0,
        crashes: 0,
        fenced: 0,
        requested: 0,
        outcomes: BTreeMap::new(),
        writes: 0,
        samples: 0,
    };
    for seed in seeds {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| simulate(seed, &mut stats)));
        if let Err(panic) = result {
            eprintln!(
                "simulation failed; replay with: SIM_SEED={seed} cargo test -p globaldeploy-engine --test engine sim"
            );
            std::panic::resume_unwind(panic);
        }
    }
    eprintln!(
        "simulated {} rollouts ({} crashed and resumed, {} of them fenced by a renewal outage, {} rolled back on \
         request, {} timed against their estimate) in {:.1?}: {:?}, {} weight writes, {} samples",
        stats.rollouts,
        stats.crashes,
        stats.fenced,
        stats.requested,
        stats.timed,
        started.elapsed(),
        stats.outcomes,
        stats.writes,
        stats.samples
    );
}
