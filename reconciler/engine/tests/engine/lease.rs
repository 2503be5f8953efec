//! The lease while actions run: a traffic write slower than the lease keeps it (the heartbeat
//! renews it meanwhile), a second driver cannot take it from a live holder, a rollback asked
//! meanwhile is carried out by the holder once the write is done, a holder that cannot
//! renew stops writing before its lease ends and the one that takes it over afterwards is never
//! interleaved with, and a wall-clock jump neither shortens nor stretches a hold.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use globaldeploy_engine::driver::Driver;
use globaldeploy_engine::error::EngineError;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::journal::lease::LEASE_TTL;
use globaldeploy_engine::journal::replay;
use globaldeploy_engine::model::{DeploymentSpec, OnFailure, Weights};
use globaldeploy_engine::outcome::{Outcome, RolloutStatus};
use globaldeploy_engine::ports::{millis, Clock};

use globaldeploy_engine::testing::world::{block_on, three_regions, World};
use globaldeploy_engine::testing::Brownout;

const T0: u64 = 1_700_000_000_000;
const OLD: Weights = Weights { blue: 100, green: 0 };
const NEW: Weights = Weights { blue: 0, green: 100 };

/// Every write is throttled from `from_s` seconds on, for three lease lifetimes.
fn brownout(world: &World, from_s: u64) {
    *world.traffic.brownout.lock().unwrap() = Some(Brownout {
        clock: world.clock.clone(),
        from: T0 + from_s * 1000,
        until: T0 + from_s * 1000 + 3 * millis(LEASE_TTL),
        retry_after: Duration::from_secs(2),
    });
}

/// The weights the journal says each region carries, beside the fake Route 53's.
fn assert_traffic_agrees_with_the_journal(world: &World, spec: &DeploymentSpec) {
    let state = replay(&world.journal.snapshot()).unwrap().unwrap();
    for r in &spec.regions {
        assert_eq!(
            state.region_weights(&r.name),
            Some(world.traffic.get(&r.name)),
            "{}: the journal and Route 53 disagree",
            r.name
        );
    }
}

/// Runs `spec`'s rollout as "terraform" and, `after` into it, `second` with a driver of its
/// own (another process on the same journal); returns both results.
fn beside_a_rollout<'w, T, Second>(
    world: &'w World,
    spec: &DeploymentSpec,
    after: Duration,
    name: &str,
    second: impl FnOnce(Driver<'w>) -> Second,
) -> (Result<Outcome, EngineError>, T)
where
    Second: Future<Output = T>,
{
    let driver = world.driver("terraform");
    let other = world.driver(name);
    block_on(async {
        let serving = World::serving(spec);
        let rollout = driver.start(spec, &serving, std::future::pending());
        let second = async {
            world.clock.sleep(after).await;
            second(other).await
        };
        futures::join!(rollout, second)
    })
}

#[test]
fn a_write_slower_than_the_lease_keeps_it_and_a_second_driver_is_refused() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, BTreeMap::new(), None);
    // From 30 s on (inside the canary's first step) every write is throttled for 90 s.
    brownout(&world, 30);
    let serving = World::serving(&spec);
    // Well into the brown-out, the canary's next step is stuck in its retries.
    let (first, second) = beside_a_rollout(&world, &spec, Duration::from_secs(100), "second apply", |d| {
        let (spec, serving) = (&spec, &serving);
        async move { d.start(spec, serving, std::future::pending()).await }
    });
    match second {
        Err(EngineError::Journal(JournalError::LeaseHeld { holder, .. })) => {
            assert!(holder.starts_with("terraform on "), "{holder}")
        }
        other => panic!("the second apply must find the lease held: {other:?}"),
    }
    let first = first.unwrap();
    assert_eq!(first.status, RolloutStatus::Succeeded);
    for r in &spec.regions {
        assert_eq!(world.traffic.get(&r.name), NEW);
    }
    assert_traffic_agrees_with_the_journal(&world, &spec);
    assert_eq!(world.traffic.fenced.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// `globaldeploy rollback` while the holder is stuck in a throttled write: the request is
/// recorded, the holder finishes (or abandons) that write and then rolls back itself; the CLI
/// only reports. Journal and traffic agree throughout, and one rollback is journaled.
#[test]
fn a_rollback_asked_during_a_slow_write_is_carried_out_by_the_holder() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, BTreeMap::new(), None);
    brownout(&world, 30);
    let (first, second) = beside_a_rollout(&world, &spec, Duration::from_secs(100), "cli", |d| async move {
        d.rollback("api", "requested during the brown-out", std::future::pending())
            .await
    });
    let first = first.unwrap();
    assert_eq!(first.status, RolloutStatus::RolledBack);
    let reason = first.rollback_reason.clone().unwrap();
    assert!(
        reason.starts_with("requested by cli on ") && reason.ends_with(": requested during the brown-out"),
        "{reason}"
    );
    assert_eq!(second.unwrap(), first, "the CLI reports the holder's rollback");
    for r in &spec.regions {
        assert_eq!(world.traffic.get(&r.name), OLD, "{}", r.name);
    }
    assert_traffic_agrees_with_the_journal(&world, &spec);
    let rollbacks = world
        .journal
        .snapshot()
        .iter()
        .filter(|e| matches!(e, Entry::Rollback { .. }))
        .count();
    assert_eq!(rollbacks, 1);
    assert_eq!(world.traffic.fenced.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[test]
fn a_holder_that_cannot_renew_stops_writing_and_the_take_over_is_never_interleaved() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, BTreeMap::new(), None);
    // The canary's first step is throttled from the start, and the store is unreachable for
    // renewals from 5 s to 35 s: the holder's lease (taken at 0) is not renewed.
    brownout(&world, 0);
    *world.journal.renewal_outage.lock().unwrap() = Some((T0 + 5_000, T0 + 35_000));
    // The CLI asks at 5 s, and waits until the lease can be taken over.
    let (first, second) = beside_a_rollout(&world, &spec, Duration::from_secs(5), "cli", |d| async move {
        d.rollback("api", "requested during the brown-out", std::future::pending())
            .await
    });
    // The holder's writes were refused before its lease ran out; it failed and sent nothing more.
    assert!(world.traffic.fenced.load(std::sync::atomic::Ordering::SeqCst) > 0);
    let err = first.unwrap_err();
    assert!(err.to_string().contains("could not be renewed"), "{err}");
    assert_eq!(second.unwrap().status, RolloutStatus::RolledBack);
    for r in &spec.regions {
        assert_eq!(world.traffic.get(&r.name), OLD, "{}", r.name);
    }
    assert_traffic_agrees_with_the_journal(&world, &spec);
    // The journal is the rollback's from its take-over on: one writer at a time.
    let entries = world.journal.snapshot();
    assert!(matches!(
        entries.last(),
        Some(Entry::Outcome {
            status: RolloutStatus::RolledBack
        })
    ));
}

#[test]
fn a_holder_whose_lease_was_taken_over_names_the_new_holder_and_writes_nothing_more() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, BTreeMap::new(), None);
    let result = block_on(async {
        let (driver, serving) = (world.driver("terraform"), World::serving(&spec));
        let rollout = driver.start(&spec, &serving, std::future::pending());
        let usurper = async {
            world.clock.sleep(Duration::from_secs(70)).await;
            // Someone (a store operator, a bug) hands the lease to another holder.
            let mut lease = world.journal.lease.lock().unwrap();
            let current = lease.clone().unwrap();
            *lease = Some(globaldeploy_engine::journal::lease::Lease {
                holder: globaldeploy_engine::testing::world::holder("cli"),
                generation: current.generation + 1,
                ..current
            });
        };
        futures::join!(rollout, usurper).0
    });
    let writes = world.traffic.writes.lock().unwrap().len();
    match result {
        Err(EngineError::Journal(JournalError::LeaseLost { taken_by, .. })) => {
            assert!(taken_by.starts_with("cli on cli-host"), "{taken_by}")
        }
        other => panic!("{other:?}"),
    }
    assert!(writes < 9, "the rollout stopped where it lost the lease");
}

#[test]
fn a_wall_clock_jump_neither_shortens_nor_stretches_holds() {
    let spec = three_regions(OnFailure::RollbackRegion);
    for jump in [3_600_000, -3_600_000] {
        let world = World::new(&spec, true, BTreeMap::new(), None);
        let outcome = block_on(async {
            let clock = world.clock.clone();
            // 30 s in, mid-hold, the wall clock is stepped by an hour.
            let jumps = async move {
                clock.sleep(Duration::from_secs(30)).await;
                clock.jump_wall(jump);
                std::future::pending::<()>().await;
            };
            world
                .driver("terraform")
                .start(&spec, &World::serving(&spec), jumps)
                .await
        })
        .unwrap();
        assert_eq!(outcome.status, RolloutStatus::Succeeded);
        // 3 groups × 3 steps × 60 s on the monotonic clock, whatever the wall clock said.
        assert_eq!(world.clock.monotonic_millis() - T0, 9 * 60_000, "jump {jump}");
        let wall = i64::try_from(world.clock.now_millis()).unwrap() - i64::try_from(T0).unwrap();
        assert_eq!(wall, 9 * 60_000 + jump);
    }
}

/// `globaldeploy rollback` of a rollout waiting for an approval (the holder keeps the lease
/// while it waits): the holder rolls back the regions it promoted and ends rolled back.
#[test]
fn a_rollback_asked_while_waiting_for_an_approval_ends_the_wait() {
    let mut spec = three_regions(OnFailure::RollbackRegion);
    spec.waves[1].require_approval = true;
    let world = World::new(&spec, true, BTreeMap::new(), None);
    let (first, second) = beside_a_rollout(&world, &spec, Duration::from_secs(3600), "cli", |d| async move {
        d.rollback("api", "not today", std::future::pending()).await
    });
    let first = first.unwrap();
    assert_eq!(first.status, RolloutStatus::RolledBack);
    assert_eq!(second.unwrap(), first);
    let entries = world.journal.snapshot();
    assert!(entries.iter().any(|e| matches!(e, Entry::AwaitingApproval { .. })));
    assert!(!entries.iter().any(|e| matches!(e, Entry::Approved { .. })));
    for r in &spec.regions {
        assert_eq!(world.traffic.get(&r.name), OLD, "{}", r.name);
    }
    assert_traffic_agrees_with_the_journal(&world, &spec);
}
