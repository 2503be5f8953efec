//! Journal entries whose indexes do not fit their rollout (a hand-edited, corrupt or foreign
//! journal): replay refuses them with an error, and whatever replay accepts, the engine core
//! can run from without panicking.
//!
//! The journals are real ones (rollouts run on the fakes: a first publication, an update and a
//! rolled-back update); entries are then mutated fuzz-style from a fixed seed.

use std::collections::BTreeMap;

use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::replay;
use globaldeploy_engine::model::OnFailure;
use globaldeploy_engine::ports::Sample;
use globaldeploy_engine::rollout::{Action, Rollout};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use globaldeploy_engine::testing::world::{three_regions, World};
use globaldeploy_engine::testing::Health;

/// The virtual time the worlds start at (see [`World::new`]).
const START: u64 = 1_700_000_000_000;
/// Mutated journals tried per source journal.
const CASES: usize = 3_000;
/// Engine actions run from each replayed state (a full rollout of the spec needs far fewer).
const MAX_ACTIONS: usize = 2_000;

/// Real journals: a publication, a successful update, an update rolled back by a failing gate.
fn journals() -> Vec<Vec<Entry>> {
    let spec = three_regions(OnFailure::RollbackAll);
    let create = World::new(&spec, false, BTreeMap::new(), None);
    create.start(&spec, &BTreeMap::new()).expect("publication");
    let update = World::new(&spec, true, BTreeMap::new(), None);
    update.start(&spec, &World::serving(&spec)).expect("update");
    let failing = BTreeMap::from([("us-east-1".to_owned(), vec![(START + 190_000, Health::Failing)])]);
    let rolled_back = World::new(&spec, true, failing, None);
    rolled_back.start(&spec, &World::serving(&spec)).expect("rolled back");
    [create, update, rolled_back]
        .iter()
        .map(|w| w.journal.snapshot())
        .collect()
}

/// The group and step indexes an entry carries.
fn indexes(entry: &mut Entry) -> Vec<&mut usize> {
    match entry {
        Entry::GroupStarted { group, .. } | Entry::Promoted { group } => vec![group],
        Entry::Step { group, step, .. } | Entry::GatesPassed { group, step, .. } => vec![group, step],
        _ => vec![],
    }
}

/// Runs the core from `rollout` with everything healthy and every call succeeding; returns
/// when it finishes, is interrupted, or after [`MAX_ACTIONS`].
fn run(mut rollout: Rollout, mut now: u64) {
    for _ in 0..MAX_ACTIONS {
        match rollout.next(now) {
            Action::Persist(_) => rollout.persisted(now),
            Action::Prepare(_) | Action::Publish(_) | Action::Withdraw(_) | Action::SetWeights { .. } => {
                rollout.traffic_done(Ok(()), now)
            }
            Action::Sample(requests) => {
                for request in requests {
                    let sample = Sample {
                        ok: true,
                        latency: None,
                        detail: "200".into(),
                    };
                    rollout.sampled(request.tracker, sample, now);
                }
            }
            Action::CheckApproval { .. } => rollout.approval(Some("fuzz".into()), now),
            Action::CheckRollbackRequest => rollout.rollback_request(None, now),
            Action::Wait { until } => now = until.max(now + 1),
            Action::Interrupted(_) | Action::Finished(_) => return,
        }
    }
}

#[test]
fn an_out_of_range_group_or_step_in_any_entry_is_a_replay_error() {
    for journal in journals() {
        let intent = journal
            .iter()
            .position(|e| matches!(e, Entry::Intent(_)))
            .expect("intent");
        let state = replay::replay(&journal).expect("replays").expect("a rollout");
        let (groups, steps) = (state.groups.len(), state.spec.strategy.steps.len());
        for at in intent + 1..journal.len() {
            for which in 0..indexes(&mut journal[at].clone()).len() {
                let limit = if which == 0 { groups } else { steps };
                for bad in [limit, limit + 1, usize::MAX] {
                    let mut mutated = journal[..=at].to_vec();
                    *indexes(&mut mutated[at])[which] = bad;
                    assert!(
                        replay::replay(&mutated).is_err(),
                        "entry {at} with index {bad} (of {limit}) replayed: {:?}",
                        mutated[at]
                    );
                }
            }
        }
    }
}

#[test]
fn whatever_replay_accepts_the_engine_runs_without_panicking() {
    let mut rng = StdRng::seed_from_u64(9);
    for journal in journals() {
        let intent = journal
            .iter()
            .position(|e| matches!(e, Entry::Intent(_)))
            .expect("intent");
        for _ in 0..CASES {
            // A prefix (a rollout that died anywhere), then one of: an index changed to any
            // small or huge value, an entry repeated somewhere else, or an entry dropped.
            let end = rng.random_range(intent + 1..=journal.len());
            let mut mutated = journal[..end].to_vec();
            let at = rng.random_range(intent..mutated.len());
            match rng.random_range(0..3) {
                0 => {
                    let mut entry = mutated[at].clone();
                    let slots = indexes(&mut entry);
                    if let Some(slot) = (!slots.is_empty()).then(|| rng.random_range(0..slots.len())) {
                        let value = if rng.random_bool(0.1) {
                            usize::MAX
                        } else {
                            rng.random_range(0..6)
                        };
                        *indexes(&mut mutated[at])[slot] = value;
                    }
                }
                1 => {
                    let entry = journal[rng.random_range(intent + 1..journal.len())].clone();
                    mutated.insert(rng.random_range(intent + 1..=mutated.len()), entry);
                }
                _ if at > intent => {
                    mutated.remove(at);
                }
                _ => {}
            }
            if let Ok(Some(state)) = replay::replay(&mutated) {
                run(Rollout::new(state, START), START);
            }
        }
    }
}
