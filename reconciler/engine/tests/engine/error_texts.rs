//! The engine's user-facing error texts, snapshotted: every reason `schedule::validate` gives for
//! a spec that cannot be rolled out (produced by validating broken specs), and every
//! [`EngineError`] a rollout can end with. A change of wording shows up in review as a diff of
//! the snapshot instead of passing a `contains` check unnoticed.

use std::time::Duration;

use globaldeploy_engine::error::EngineError;
use globaldeploy_engine::journal::lease::FenceError;
use globaldeploy_engine::model::{DeploymentSpec, OnFailure};
use globaldeploy_engine::ports::TrafficError;
use globaldeploy_engine::rollout::RollbackError;
use globaldeploy_engine::schedule::validate;
use globaldeploy_engine::testing::world::three_regions;

/// `three_regions` broken by `change`, and what validation says about it.
fn reasons(label: &str, change: impl FnOnce(&mut DeploymentSpec)) -> String {
    let mut spec = three_regions(OnFailure::RollbackRegion);
    change(&mut spec);
    let errors: Vec<String> = validate(&spec).iter().map(ToString::to_string).collect();
    assert!(!errors.is_empty(), "{label}: the broken spec validated");
    format!("{label}:\n  {}", errors.join("\n  "))
}

#[test]
fn a_spec_that_cannot_be_rolled_out_says_why_naming_the_wave_region_step_or_gate() {
    let texts = [
        reasons("no waves", |s| s.waves.clear()),
        reasons("no regions", |s| s.regions.clear()),
        reasons("a region twice", |s| {
            let again = s.regions[0].clone();
            s.regions.push(again);
        }),
        reasons("a wave twice", |s| {
            let again = s.waves[0].clone();
            s.waves.push(again);
        }),
        reasons("a wave names an undeclared region", |s| {
            s.waves[0].regions.push("ap-south-1".into())
        }),
        reasons("a region in no wave", |s| {
            s.waves[1].regions.retain(|r| r != "eu-west-1")
        }),
        reasons("an empty wave", |s| s.waves[0].regions.clear()),
        reasons("max_parallel 0", |s| s.waves[1].max_parallel = 0),
        reasons("no steps", |s| s.strategy.steps.clear()),
        reasons("steps out of range, descending, not ending at 100", |s| {
            s.strategy.steps = vec![0, 50, 40, 120]
        }),
        reasons("steps not ending at 100", |s| s.strategy.steps = vec![25, 50]),
        reasons("every global weight 0", |s| {
            s.regions.iter_mut().for_each(|r| r.global_weight = 0)
        }),
        reasons("gates that can never pass", |s| {
            s.gates[0].success_ratio = 1.5;
            s.gates[0].min_samples = 0;
            s.waves[1].gates = vec![s.gates[0].clone()];
        }),
    ];
    insta::assert_snapshot!(texts.join("\n\n"));
}

#[test]
fn every_way_a_rollout_ends_in_error_tells_what_to_do_next() {
    let deployment = || "api".to_owned();
    let rollout_id = || "v2@1700000000000".to_owned();
    let errors = [
        EngineError::Traffic(TrafficError {
            message: "Route 53 ChangeResourceRecordSets in zone Z1 failed: Throttling: Rate exceeded".into(),
            retryable: true,
        }),
        EngineError::Stopped {
            deployment: deployment(),
            rollout_id: rollout_id(),
        },
        EngineError::Unfinished {
            deployment: deployment(),
            rollout_id: rollout_id(),
        },
        EngineError::NoRollout {
            deployment: deployment(),
        },
        EngineError::Unsettled {
            region: "us-east-1".into(),
            slot: "blue",
            blue: 75,
            green: 25,
        },
        EngineError::MixedPublication {
            new: vec!["ap-south-1".into()],
        },
        EngineError::MissingWeights {
            region: "us-east-1".into(),
        },
        EngineError::Fenced(FenceError::Lost {
            deployment: deployment(),
            holder: "terraform@ci on ci-host (pid 7)".into(),
        }),
        EngineError::Fenced(FenceError::Expiring {
            deployment: deployment(),
            remaining: Duration::from_millis(1_500),
            deadline: Duration::from_secs(10),
        }),
        EngineError::Rollback(RollbackError::FirstPublication {
            rollout_id: "v1@1700000000000".into(),
        }),
    ];
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(texts.join("\n"));
}
