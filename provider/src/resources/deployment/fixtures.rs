//! The deployment specs the unit tests of this module's parts start from: one wave over two
//! regions, `a` and `b`, in zone `Z1`.

use std::time::Duration;

use globaldeploy_engine::model::{
    DeploymentSpec, OnFailure, Prior, RegionSpec, Serving, Slot, Strategy, Target, WaveSpec, Weights,
};

/// Region `name` serving `target`, at `NAME.api.example.com`.
pub(super) fn region(name: &str, target: &str) -> RegionSpec {
    RegionSpec {
        name: name.into(),
        record_name: format!("{name}.api.example.com"),
        ttl: 60,
        target: Target::Records(vec![target.into()]),
        health_url: None,
        global_weight: 1,
    }
}

/// Deployment `api` at `version`: regions `a` and `b` serving `targets`, in one wave moving
/// `max_parallel` at a time through `steps`.
pub(super) fn two_regions(
    version: &str,
    targets: [&str; 2],
    steps: Vec<u8>,
    max_parallel: u32,
    on_failure: OnFailure,
) -> DeploymentSpec {
    DeploymentSpec {
        name: "api".into(),
        version: version.into(),
        zone_id: "Z1".into(),
        waves: vec![WaveSpec {
            name: "all".into(),
            regions: vec!["a".into(), "b".into()],
            max_parallel,
            bake_time: Duration::ZERO,
            require_approval: false,
            gates: Vec::new(),
        }],
        strategy: Strategy {
            steps,
            step_interval: Duration::ZERO,
            on_failure,
        },
        regions: vec![region("a", targets[0]), region("b", targets[1])],
        gates: Vec::new(),
    }
}

/// What a region serving `v1` on blue (all its traffic there) was before a rollout.
pub(super) fn v1_on_blue() -> Prior {
    Prior {
        serving: Some(Serving {
            slot: Slot::Blue,
            version: "v1".into(),
            target: None,
            idle: None,
        }),
        weights: Weights::all_on(Slot::Blue),
    }
}
