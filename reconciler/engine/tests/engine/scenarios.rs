//! One scenario per feature: each on_failure policy, approval, bake, first publication,
//! retries, stop and resume.

use std::collections::BTreeMap;
use std::time::Duration;

use globaldeploy_engine::error::EngineError;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::replay;
use globaldeploy_engine::model::{DeploymentSpec, OnFailure, Serving, Slot, Weights};
use globaldeploy_engine::outcome::{FailedDuring, RegionStatus, RolloutStatus};

use globaldeploy_engine::testing::world::{block_on, holder, three_regions, World};
use globaldeploy_engine::testing::Health;

const T0: u64 = 1_700_000_000_000;
const OLD: Weights = Weights { blue: 100, green: 0 };
const NEW: Weights = Weights { blue: 0, green: 100 };

fn failing(region: &str, from_s: u64, health: Health) -> BTreeMap<String, Vec<(u64, Health)>> {
    BTreeMap::from([(region.to_owned(), vec![(T0 + from_s * 1000, health)])])
}

#[test]
fn healthy_rollout_promotes_every_region_one_write_per_step() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, BTreeMap::new(), None);
    let outcome = world.start(&spec, &World::serving(&spec)).unwrap();
    assert_eq!(outcome.status, RolloutStatus::Succeeded);
    assert_eq!(outcome.serving_version.as_deref(), Some("v2"));
    for r in outcome.regions.values() {
        assert_eq!(
            (r.status, r.active_slot, r.version.as_deref()),
            (RegionStatus::Promoted, Some(Slot::Green), Some("v2"))
        );
    }
    // 3 groups × 3 steps, one atomic write each.
    assert_eq!(world.traffic.writes.lock().unwrap().len(), 9);
    for r in &spec.regions {
        assert_eq!(world.traffic.get(&r.name), NEW);
    }
    // 3 groups × 3 steps × 60 s.
    assert_eq!(world.clock.now_millis_for_test() - T0, 9 * 60_000);
}

#[test]
fn rollback_region_restores_the_failing_region_and_names_it() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, failing("us-east-1", 190, Health::Failing), None);
    let outcome = world.start(&spec, &World::serving(&spec)).unwrap();
    assert_eq!(outcome.status, RolloutStatus::RolledBack);
    let failure = outcome.failure.clone().unwrap();
    assert_eq!(
        (
            failure.wave.as_str(),
            failure.region.as_str(),
            failure.step_percent,
            failure.during
        ),
        ("rest", "us-east-1", 25, FailedDuring::Step)
    );
    let message = failure.to_string();
    assert!(
        message.starts_with(
            "wave \"rest\", region \"us-east-1\", step 25 %: deployment gate 0 (http health_url) failed: "
        ),
        "{message}"
    );
    assert!(message.contains("status 503"), "{message}");
    assert_eq!(world.traffic.get("us-east-1"), OLD);
    assert_eq!(world.traffic.get("us-west-2"), NEW, "the promoted canary stays");
    assert_eq!(world.traffic.get("eu-west-1"), OLD, "never touched");
    assert_eq!(outcome.regions["us-east-1"].status, RegionStatus::RolledBack);
    assert_eq!(outcome.regions["us-west-2"].status, RegionStatus::Promoted);
    assert_eq!(outcome.regions["eu-west-1"].status, RegionStatus::Pending);
    assert_eq!(
        outcome.serving_version.as_deref(),
        Some("v1"),
        "v1 until every region serves v2"
    );
}

#[test]
fn rollback_all_also_returns_promoted_regions_in_one_write() {
    let spec = three_regions(OnFailure::RollbackAll);
    let world = World::new(&spec, true, failing("us-east-1", 190, Health::Failing), None);
    let outcome = world.start(&spec, &World::serving(&spec)).unwrap();
    assert_eq!(outcome.status, RolloutStatus::RolledBack);
    for r in &spec.regions {
        assert_eq!(world.traffic.get(&r.name), OLD, "{}", r.name);
    }
    let writes = world.traffic.writes.lock().unwrap();
    let last = writes.last().unwrap();
    assert_eq!(last.len(), 2, "canary and us-east-1 together: {last:?}");
    assert_eq!(outcome.regions["us-west-2"].active_slot, Some(Slot::Blue));
}

#[test]
fn halt_freezes_weights_where_they_are() {
    let spec = three_regions(OnFailure::Halt);
    let world = World::new(&spec, true, failing("us-east-1", 190, Health::Slow), None);
    let outcome = world.start(&spec, &World::serving(&spec)).unwrap();
    assert_eq!(outcome.status, RolloutStatus::Halted);
    assert_eq!(world.traffic.get("us-east-1"), Weights { blue: 75, green: 25 });
    assert_eq!(
        outcome.regions["us-east-1"].status,
        RegionStatus::Halted { percent: 25 }
    );
    let failure = outcome.failure.unwrap();
    assert_eq!(failure.measured.p95_latency_ms, Some(900));
    assert!(failure.to_string().contains("p95 latency 900 ms (max_latency 500 ms)"));
    // A halted region is not settled: a new rollout refuses to start over it.
    let mut next = spec.clone();
    next.version = "v3".into();
    let mut current = World::serving(&spec);
    current.get_mut("us-west-2").unwrap().slot = Slot::Green;
    assert!(
        matches!(world.start(&next, &current), Err(EngineError::Unsettled { region, .. }) if region == "us-east-1")
    );
}

#[test]
fn approval_holds_the_wave_until_approved() {
    let mut spec = three_regions(OnFailure::RollbackRegion);
    spec.waves[1].require_approval = true;
    let world = World::new(&spec, true, BTreeMap::new(), Some(3_600_000));
    let outcome = world.start(&spec, &World::serving(&spec)).unwrap();
    assert_eq!(outcome.status, RolloutStatus::Succeeded);
    let entries = world.journal.snapshot();
    let waiting = entries
        .iter()
        .position(|e| matches!(e, Entry::AwaitingApproval { wave } if wave == "rest"))
        .unwrap();
    assert!(matches!(&entries[waiting + 1], Entry::Approved { wave, by } if wave == "rest" && by == "auto-approver"));
    assert_eq!(world.clock.now_millis_for_test() - T0, 9 * 60_000 + 3_600_000);
}

#[test]
fn bake_holds_at_100_and_a_failure_while_baking_rolls_back() {
    let mut spec = three_regions(OnFailure::RollbackRegion);
    spec.waves[0].bake_time = Duration::from_secs(600);
    let world = World::new(&spec, true, failing("us-west-2", 400, Health::Failing), None);
    let outcome = world.start(&spec, &World::serving(&spec)).unwrap();
    let failure = outcome.failure.unwrap();
    assert_eq!((failure.during, failure.step_percent), (FailedDuring::Bake, 100));
    assert_eq!(world.traffic.get("us-west-2"), OLD);

    let healthy = World::new(&spec, true, BTreeMap::new(), None);
    assert_eq!(
        healthy.start(&spec, &World::serving(&spec)).unwrap().status,
        RolloutStatus::Succeeded
    );
    assert_eq!(healthy.clock.now_millis_for_test() - T0, 9 * 60_000 + 600_000);
}

#[test]
fn first_create_publishes_each_region_on_blue_in_wave_order() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, false, BTreeMap::new(), None);
    let outcome = world.start(&spec, &BTreeMap::new()).unwrap();
    assert_eq!(outcome.status, RolloutStatus::Succeeded);
    let writes = world.traffic.writes.lock().unwrap();
    let order: Vec<(&str, u8, u8)> = writes
        .iter()
        .flatten()
        .map(|(region, w)| (region.as_str(), w.blue, w.green))
        .collect();
    assert_eq!(
        order,
        vec![("us-west-2", 100, 0), ("us-east-1", 100, 0), ("eu-west-1", 100, 0)]
    );
    assert!(world
        .traffic
        .prepared
        .lock()
        .unwrap()
        .iter()
        .all(|a| a.slot == Slot::Blue && a.version == "v2"));
    assert_eq!(outcome.regions["eu-west-1"].active_slot, Some(Slot::Blue));

    // A region that fails its first evaluation is never published.
    let world = World::new(&spec, false, failing("eu-west-1", 0, Health::Failing), None);
    let outcome = world.start(&spec, &BTreeMap::new()).unwrap();
    assert_eq!(outcome.status, RolloutStatus::RolledBack);
    assert_eq!(outcome.failure.unwrap().during, FailedDuring::Publish);
    assert_eq!(world.traffic.get("eu-west-1"), Weights { blue: 0, green: 0 });
    assert_eq!(outcome.serving_version, None);
}

#[test]
fn retryable_traffic_errors_are_retried_and_persistent_ones_interrupt_resumably() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, BTreeMap::new(), None);
    world.traffic.fail_next.store(3, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        world.start(&spec, &World::serving(&spec)).unwrap().status,
        RolloutStatus::Succeeded
    );

    let world = World::new(&spec, true, BTreeMap::new(), None);
    world
        .traffic
        .fail_next
        .store(1_000, std::sync::atomic::Ordering::SeqCst);
    assert!(matches!(
        world.start(&spec, &World::serving(&spec)),
        Err(EngineError::Traffic(_))
    ));
    assert!(matches!(
        world.start(&spec, &World::serving(&spec)),
        Err(EngineError::Unfinished { .. })
    ));
    world.traffic.fail_next.store(0, std::sync::atomic::Ordering::SeqCst);
    let outcome = block_on(world.driver("resumer").resume("api", std::future::pending())).unwrap();
    assert_eq!(outcome.status, RolloutStatus::Succeeded);
}

#[test]
fn stop_leaves_a_resumable_journal_and_rollback_after_success_restores_everything() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, BTreeMap::new(), None);
    let stopped = block_on(async {
        let clock = world.clock.clone();
        let stop = async move {
            while clock.now_millis_for_test() < T0 + 200_000 {
                tokio::task::yield_now().await;
            }
        };
        world.driver("tf").start(&spec, &World::serving(&spec), stop).await
    });
    assert!(matches!(stopped, Err(EngineError::Stopped { .. })), "{stopped:?}");
    assert!(world.journal.lease_free(), "a stop releases the lease");
    let state = replay(&world.journal.snapshot()).unwrap().unwrap();
    assert!(state.status.is_none());
    let outcome = block_on(world.driver("cli").resume("api", std::future::pending())).unwrap();
    assert_eq!(outcome.status, RolloutStatus::Succeeded);

    let rolled = block_on(
        world
            .driver("cli")
            .rollback("api", "requested by alice", std::future::pending()),
    )
    .unwrap();
    assert_eq!(rolled.status, RolloutStatus::RolledBack);
    for r in &spec.regions {
        assert_eq!(world.traffic.get(&r.name), OLD);
    }
}

#[test]
fn a_second_rollout_fails_fast_on_the_lease() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, BTreeMap::new(), None);
    let lease = block_on(async {
        use globaldeploy_engine::ports::JournalStore;
        world
            .journal
            .acquire_lease("api", &holder("terraform@ci"), Duration::from_secs(60), T0)
            .await
            .unwrap()
    });
    let err = world.start(&spec, &World::serving(&spec)).unwrap_err();
    assert!(
        err.to_string()
            .contains("being rolled out by terraform@ci on terraform@ci-host (pid 7, terraform@ci)"),
        "{err}"
    );
    assert_eq!(lease.holder, holder("terraform@ci"));
    assert!(world.journal.snapshot().is_empty());
}

/// The regions written by every weight write, in order.
fn written_regions(world: &World) -> Vec<String> {
    world
        .traffic
        .writes
        .lock()
        .unwrap()
        .iter()
        .flatten()
        .map(|(region, _)| region.clone())
        .collect()
}

#[test]
fn re_running_after_rollback_region_continues_with_the_regions_not_yet_on_the_version() {
    let spec = three_regions(OnFailure::RollbackRegion);
    // us-east-1 fails at 25 % of wave "rest", and is healthy again an hour later.
    let script = BTreeMap::from([(
        "us-east-1".to_owned(),
        vec![(T0 + 190_000, Health::Failing), (T0 + 3_600_000, Health::Healthy)],
    )]);
    let world = World::new(&spec, true, script, None);
    let first = world.start(&spec, &World::serving(&spec)).unwrap();
    assert_eq!(first.status, RolloutStatus::RolledBack);
    assert_eq!(first.regions["us-west-2"].status, RegionStatus::Promoted);
    assert_eq!(world.traffic.get("us-west-2"), NEW);
    assert_eq!(world.traffic.get("us-east-1"), OLD);

    world.clock.advance(3_600_000);
    world.traffic.writes.lock().unwrap().clear();
    let current = world.serving_after(&spec, &first);
    let second = world.start(&spec, &current).unwrap();
    assert_eq!(second.status, RolloutStatus::Succeeded);
    assert_eq!(second.serving_version.as_deref(), Some("v2"));
    // The canary is carried: never written, still on green; the rest move one write per step.
    let written = written_regions(&world);
    assert!(
        !written.iter().any(|r| r == "us-west-2"),
        "canary stepped again: {written:?}"
    );
    assert_eq!(written.len(), 2 * 3, "two groups × three steps: {written:?}");
    for r in &spec.regions {
        assert_eq!(world.traffic.get(&r.name), NEW, "{}", r.name);
        assert_eq!(second.regions[&r.name].active_slot, Some(Slot::Green));
    }
    let state = replay(&world.journal.snapshot()).unwrap().unwrap();
    assert_eq!(state.carried, ["us-west-2".to_owned()].into());
    assert!(state
        .groups
        .iter()
        .all(|g| !g.regions.contains(&"us-west-2".to_owned())));

    // A requested rollback returns only what this rollout moved: the canary stays on v2.
    let rolled = block_on(world.driver("cli").rollback("api", "requested", std::future::pending())).unwrap();
    assert_eq!(rolled.status, RolloutStatus::RolledBack);
    assert_eq!(world.traffic.get("us-west-2"), NEW);
    assert_eq!(world.traffic.get("us-east-1"), OLD);
}

#[test]
fn regions_added_to_a_live_deployment_are_published_alone() {
    // Every region serves v2 on green after an earlier rollout; "ap-south-1" is added to "rest".
    let (world, mut spec, current) = live_with_added_region(BTreeMap::new());
    let outcome = world.start(&spec, &current).unwrap();
    assert_eq!(outcome.status, RolloutStatus::Succeeded);
    assert_eq!(outcome.serving_version.as_deref(), Some("v2"));
    assert_eq!(written_regions(&world), ["ap-south-1"]);
    assert_eq!(world.traffic.get("ap-south-1"), Weights { blue: 100, green: 0 });
    assert_eq!(outcome.regions["ap-south-1"].active_slot, Some(Slot::Blue));
    assert_eq!(outcome.regions["us-east-1"].active_slot, Some(Slot::Green));

    // With a new version as well, the new region cannot be published in the same rollout.
    let world = World::new(&spec, true, BTreeMap::new(), None);
    spec.version = "v3".into();
    let err = world.start(&spec, &current).unwrap_err();
    assert!(
        matches!(err, EngineError::MixedPublication { ref new } if new == &["ap-south-1"]),
        "{err}"
    );
    assert!(world.traffic.writes.lock().unwrap().is_empty());
}

/// `spec` live on v2 everywhere (green, blue keeping v1 at weight 0), with `ap-south-1` added
/// to wave "rest" and its health as `script` says.
fn live_with_added_region(
    script: BTreeMap<String, Vec<(u64, Health)>>,
) -> (World, DeploymentSpec, BTreeMap<String, Serving>) {
    let mut spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, script, None);
    for r in &spec.regions {
        world.traffic.set(&r.name, Slot::Green, "v2", NEW);
    }
    let mut current = World::serving(&spec);
    for serving in current.values_mut() {
        serving.slot = Slot::Green;
        serving.version = "v2".into();
    }
    spec.regions
        .push(globaldeploy_engine::testing::world::region("ap-south-1", 10));
    spec.waves[1].regions.push("ap-south-1".into());
    (world, spec, current)
}

#[test]
fn an_added_region_whose_gates_fail_never_gets_a_record_set() {
    let (world, spec, current) = live_with_added_region(failing("ap-south-1", 0, Health::Failing));
    let outcome = world.start(&spec, &current).unwrap();
    assert_eq!(outcome.status, RolloutStatus::RolledBack);
    assert_eq!(outcome.failure.unwrap().during, FailedDuring::Publish);
    // Nothing was written before the gates: no weight-0 set that Route 53 would answer alone.
    assert!(world.traffic.prepared.lock().unwrap().is_empty());
    assert!(world.traffic.writes.lock().unwrap().is_empty());
    assert!(world.traffic.sets_of("ap-south-1").is_empty());
    assert_eq!(outcome.regions["ap-south-1"].active_slot, None);
    assert_eq!(outcome.regions["ap-south-1"].status, RegionStatus::RolledBack);
    for r in &spec.regions[..3] {
        assert_eq!(world.traffic.get(&r.name), NEW, "{} untouched", r.name);
    }
    assert_eq!(outcome.serving_version, None, "ap-south-1 serves nothing");
}

#[test]
fn a_failed_publication_removes_a_set_left_before_its_gates_passed() {
    // An earlier process (of a version that prepared slots before the gates) left ap-south-1's
    // blue slot at weight 0: the only set of its name, which Route 53 answers.
    let (world, spec, current) = live_with_added_region(failing("ap-south-1", 0, Health::Failing));
    world
        .traffic
        .set("ap-south-1", Slot::Blue, "v2", Weights { blue: 0, green: 0 });
    let outcome = world.start(&spec, &current).unwrap();
    assert_eq!(outcome.status, RolloutStatus::RolledBack);
    assert!(
        world.traffic.sets_of("ap-south-1").is_empty(),
        "the failed publication removed it"
    );

    // Healthy, the publication creates the slot at full weight in one change.
    let (world, spec, current) = live_with_added_region(BTreeMap::new());
    world
        .traffic
        .set("ap-south-1", Slot::Green, "v0", Weights { blue: 0, green: 0 });
    let outcome = world.start(&spec, &current).unwrap();
    assert_eq!(outcome.status, RolloutStatus::Succeeded);
    assert_eq!(
        world.traffic.sets_of("ap-south-1"),
        BTreeMap::from([(Slot::Blue, "v2".to_owned())]),
        "published on blue, the leftover green set gone"
    );
    assert_eq!(world.traffic.get("ap-south-1"), OLD);
}

#[test]
fn a_publication_resumed_after_its_step_was_journaled_publishes_once_more() {
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, false, BTreeMap::new(), None);
    // The answer of the first publication is lost: the journal says it may have landed.
    world
        .traffic
        .lose_publish_answers
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let err = world.start(&spec, &BTreeMap::new()).unwrap_err();
    assert!(matches!(err, EngineError::Traffic(_)), "{err}");
    let state = replay(&world.journal.snapshot()).unwrap().unwrap();
    assert!(matches!(
        world.journal.snapshot().last(),
        Some(Entry::Step {
            group: 0,
            percent: 100,
            ..
        })
    ));
    assert!(state.status.is_none());
    let outcome = block_on(world.driver("resumer").resume("api", std::future::pending())).unwrap();
    assert_eq!(outcome.status, RolloutStatus::Succeeded);
    for r in &spec.regions {
        assert_eq!(world.traffic.get(&r.name), OLD, "{} published on blue", r.name);
    }
}

#[test]
fn rollback_all_returns_carried_regions_to_the_version_their_idle_slot_holds() {
    // v1 → v2 with rollback_region: the canary is promoted to v2 on green, us-east-1 fails.
    let spec = three_regions(OnFailure::RollbackRegion);
    let world = World::new(&spec, true, failing("us-east-1", 190, Health::Failing), None);
    let first = world.start(&spec, &World::serving(&spec)).unwrap();
    assert_eq!(first.regions["us-west-2"].status, RegionStatus::Promoted);
    assert_eq!(world.traffic.get("us-west-2"), NEW);

    // v2 again with rollback_all, us-east-1 still failing: the canary is carried ...
    let mut again = spec.clone();
    again.strategy.on_failure = OnFailure::RollbackAll;
    let current = world.serving_after(&again, &first);
    assert_eq!(
        current["us-west-2"].idle.as_ref().map(|i| i.version.as_str()),
        Some("v1"),
        "the canary's blue slot still holds v1"
    );
    let second = world.start(&again, &current).unwrap();
    assert_eq!(second.status, RolloutStatus::RolledBack);
    let state = replay(&world.journal.snapshot()).unwrap().unwrap();
    assert_eq!(state.carried, ["us-west-2".to_owned()].into());
    // ... and rolled back with the rest: no region serves v2.
    for r in &spec.regions {
        assert_eq!(world.traffic.get(&r.name), OLD, "{} back on v1", r.name);
    }
    let canary = &second.regions["us-west-2"];
    assert_eq!(
        (canary.status, canary.active_slot, canary.version.as_deref()),
        (RegionStatus::RolledBack, Some(Slot::Blue), Some("v1"))
    );
    assert_eq!(second.serving_version.as_deref(), Some("v1"));
    assert_eq!(state.region_weights("us-west-2"), Some(OLD));
    assert_eq!(state.outcome(), Some(second.clone()), "state equals the journal replay");
    let Some(Entry::Rollback { weights, .. }) = world
        .journal
        .snapshot()
        .into_iter()
        .rfind(|e| matches!(e, Entry::Rollback { .. }))
    else {
        panic!("no rollback journaled");
    };
    assert_eq!(
        weights.get("us-west-2"),
        Some(&OLD),
        "the journal names the canary's move"
    );
}
