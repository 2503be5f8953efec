//! The rollout schedule: what a deployment will do, known at plan time.
//!
//! One home for the order of work (waves, then groups of `max_parallel` regions, then steps),
//! the global exposure at each point and the spec's validation. The provider shows
//! [`rollout_plan`] in `terraform plan`, the CLI renders it, and the engine walks the same
//! [`groups`], so plan, CLI and engine cannot disagree.
//!
//! A rollout moves only the regions that do not already serve what it rolls out: regions
//! *carried* over ([`carried_regions`]) serve the spec's version from the spec's target (a
//! rollout that stopped part-way promoted them, or the version is unchanged while regions are
//! added). They get no rows, no steps and no gates, and count as exposed from the start.
//!
//! The regions that move are either all *published* (none served before) or all *shifted*
//! ([`RolloutKind`], decided by [`rollout_kind`] for the engine, the provider and the CLI
//! alike), and the two run differently: a publication holds until every gate has passed once
//! and then puts the region straight at 100 % (no steps, no bake), so its schedule has one row
//! per region and its duration counts only those holds.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::model::{DeploymentSpec, GateSpec, Served};

/// How a rollout moves its regions; `publish` or `shift` in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RolloutKind {
    /// None of the regions it moves has been published: each is held until every gate has
    /// passed one evaluation, then written straight to 100 % on blue and promoted, with no
    /// steps and no bake.
    Publish,
    /// The regions it moves serve an older version or target: their traffic steps through
    /// `strategy.steps` to the idle slot, holding `step_interval` at each step and the wave's
    /// `bake_time` after 100 %.
    Shift,
}

/// The kind of rolling `spec` out, given which regions are `published` (serve some version):
/// a shift when any region it moves (one not `carried`) is published, else a publication.
/// The rule the engine, the provider and the CLI share; a rollout that would both publish and
/// shift is refused before it starts (`EngineError::MixedPublication`).
pub fn rollout_kind(
    spec: &DeploymentSpec,
    carried: &BTreeSet<String>,
    published: impl Fn(&str) -> bool,
) -> RolloutKind {
    let shifts = spec
        .regions
        .iter()
        .any(|region| !carried.contains(&region.name) && published(&region.name));
    if shifts {
        RolloutKind::Shift
    } else {
        RolloutKind::Publish
    }
}

/// One row of the schedule: `region` of `wave` at `step_percent`, held for `hold`.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedStep {
    /// Wave name.
    pub wave: String,
    /// Region name.
    pub region: String,
    /// Percent of the region's traffic on the new version.
    pub step_percent: u8,
    /// Planned hold at this step. A shift: `step_interval`, plus the wave's `bake_time` at
    /// 100 %. A publication (its one row, at 100 %): the time until every gate of the region
    /// has passed its first evaluation ([`first_evaluation`]).
    pub hold: Duration,
    /// Share of global traffic on the new version while this step holds (0–100).
    pub global_exposure_percent: f64,
}

/// Regions of one wave that move together (at most `max_parallel`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Index of the wave in `spec.waves`.
    pub wave: usize,
    /// Whether this is the wave's first group (where approval is awaited).
    pub first_of_wave: bool,
    /// Region names, in wave order.
    pub regions: Vec<String>,
}

/// The regions of `spec` that already serve its version from its target, given what each
/// published region serves; a rollout of `spec` leaves them in place.
pub fn carried_regions(spec: &DeploymentSpec, served: &BTreeMap<String, Served>) -> BTreeSet<String> {
    spec.regions
        .iter()
        .filter(|region| {
            served
                .get(&region.name)
                .is_some_and(|s| s.version.as_deref() == Some(spec.version.as_str()) && s.target == region.target)
        })
        .map(|region| region.name.clone())
        .collect()
}

/// What each region of a deployed deployment serves, from its state: `before` (the state's
/// inputs, whose targets are what serves), `active_slot` (the published regions; `None` when
/// the state has no such map) and `region_version` (each region's fully served version; `None`
/// for a state written before that map existed, whose regions all serve `before.version`).
pub fn served_regions(
    before: &DeploymentSpec,
    active_slot: Option<&BTreeSet<String>>,
    region_version: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, Served> {
    before
        .regions
        .iter()
        .filter(|region| active_slot.is_none_or(|published| published.contains(&region.name)))
        .map(|region| {
            let version = match region_version {
                Some(versions) => versions.get(&region.name).cloned(),
                None => Some(before.version.clone()),
            };
            (
                region.name.clone(),
                Served {
                    version,
                    target: region.target.clone(),
                },
            )
        })
        .collect()
}

/// The groups of a deployment in rollout order: waves in order, each split into chunks of
/// `max_parallel` regions (a `max_parallel` of 0 is treated as 1; [`validate`] rejects it),
/// leaving out `carried` regions. A wave whose regions are all carried has no group.
pub fn groups(spec: &DeploymentSpec, carried: &BTreeSet<String>) -> Vec<Group> {
    let mut out = Vec::new();
    for (wave, w) in spec.waves.iter().enumerate() {
        let size = usize::try_from(w.max_parallel.max(1)).unwrap_or(usize::MAX);
        let moving: Vec<String> = w.regions.iter().filter(|r| !carried.contains(*r)).cloned().collect();
        for (i, chunk) in moving.chunks(size).enumerate() {
            out.push(Group {
                wave,
                first_of_wave: i == 0,
                regions: chunk.to_vec(),
            });
        }
    }
    out
}

/// The planned schedule of a rollout of `kind`, groups in rollout order: a shift has one row
/// per moving region per step, a publication one row per moving region at 100 %. Exposure
/// starts at the `carried` regions' share and is cumulative.
pub fn rollout_plan(spec: &DeploymentSpec, carried: &BTreeSet<String>, kind: RolloutKind) -> Vec<PlannedStep> {
    let total: f64 = spec.regions.iter().map(|r| f64::from(r.global_weight)).sum();
    let share = |name: &str| -> f64 {
        if total == 0.0 {
            return 0.0;
        }
        spec.regions
            .iter()
            .find(|r| r.name == name)
            .map_or(0.0, |r| f64::from(r.global_weight) / total)
    };
    let mut promoted: f64 = carried.iter().map(|r| share(r) * 100.0).sum();
    let mut plan = Vec::new();
    for group in groups(spec, carried) {
        let wave = &spec.waves[group.wave];
        let group_share: f64 = group.regions.iter().map(|r| share(r)).sum();
        let stages = stages(spec, group.wave, kind);
        for (percent, hold) in stages {
            let exposure = promoted + group_share * f64::from(percent);
            for region in &group.regions {
                plan.push(PlannedStep {
                    wave: wave.name.clone(),
                    region: region.clone(),
                    step_percent: percent,
                    hold,
                    global_exposure_percent: round_exposure(exposure),
                });
            }
        }
        promoted += group_share * 100.0;
    }
    plan
}

/// Exposure is shown to reviewers; rounding to 1/1000 of a percent hides float noise
/// (0.1 + 0.2) without hiding any real share.
fn round_exposure(percent: f64) -> f64 {
    (percent * 1000.0).round() / 1000.0
}

/// How long the gates of a region of wave `wave` (the deployment's and the wave's) need for
/// their first passing evaluation: each takes its first sample one `interval` after the stage
/// starts and passes with `min_samples` in its window, so the slowest gate's
/// `interval × min_samples` (zero without gates).
pub fn first_evaluation(spec: &DeploymentSpec, wave: usize) -> Duration {
    let wave_gates = spec.waves.get(wave).map(|w| w.gates.as_slice()).unwrap_or_default();
    spec.gates
        .iter()
        .chain(wave_gates)
        .map(|g| g.interval * g.min_samples.max(1))
        .max()
        .unwrap_or_default()
}

/// The stages a group of wave `wave` goes through, as the engine runs them: each a traffic
/// percentage and how long the group holds there. A publication holds until its gates first
/// pass, then goes live at 100 %. A shift holds each step for `step_interval`, and at least as
/// long as the gates need for `min_samples` (their window starts afresh at every step); after
/// 100 % it bakes for the wave's `bake_time`, again at least one full gate window (no bake when
/// `bake_time` is 0).
fn stages(spec: &DeploymentSpec, wave: usize, kind: RolloutKind) -> Vec<(u8, Duration)> {
    let sampling = first_evaluation(spec, wave);
    match kind {
        RolloutKind::Publish => vec![(100, sampling)],
        RolloutKind::Shift => {
            let step = spec.strategy.step_interval.max(sampling);
            let bake = spec.waves.get(wave).map_or(Duration::ZERO, |w| w.bake_time);
            let bake = if bake.is_zero() { bake } else { bake.max(sampling) };
            spec.strategy
                .steps
                .iter()
                .map(|&percent| (percent, if percent == 100 { step + bake } else { step }))
                .collect()
        }
    }
}

/// The planned duration of a rollout of `kind` without approvals: every moving group's holds
/// in sequence, exactly the `hold`s of [`rollout_plan`] group by group.
pub fn estimated_duration(spec: &DeploymentSpec, carried: &BTreeSet<String>, kind: RolloutKind) -> Duration {
    groups(spec, carried)
        .iter()
        .flat_map(|group| stages(spec, group.wave, kind))
        .map(|(_, hold)| hold)
        .sum()
}

/// One reason a deployment spec cannot be rolled out, naming the wave, region or step.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SpecError {
    /// The deployment has no waves.
    #[error("the deployment has no waves")]
    NoWaves,
    /// The deployment has no regions.
    #[error("the deployment has no regions")]
    NoRegions,
    /// Two regions share a name.
    #[error("region {region:?} is declared more than once")]
    DuplicateRegion {
        /// The region.
        region: String,
    },
    /// Two waves share a name (approvals and the journal address waves by name).
    #[error("wave {wave:?} is declared more than once")]
    DuplicateWave {
        /// The wave.
        wave: String,
    },
    /// A wave names a region the deployment does not declare.
    #[error("wave {wave:?} lists region {region:?}, which is not a region of the deployment")]
    UnknownRegion {
        /// The wave.
        wave: String,
        /// The region.
        region: String,
    },
    /// A region is in no wave.
    #[error("region {region:?} is in no wave; every region must appear in exactly one wave")]
    RegionInNoWave {
        /// The region.
        region: String,
    },
    /// A region is in more than one wave (or twice in one).
    #[error("region {region:?} appears in waves {waves:?}; every region must appear in exactly one wave")]
    RegionInManyWaves {
        /// The region.
        region: String,
        /// The waves it appears in (repeated when listed twice in one wave).
        waves: Vec<String>,
    },
    /// A wave has no regions.
    #[error("wave {wave:?} has no regions")]
    EmptyWave {
        /// The wave.
        wave: String,
    },
    /// `max_parallel` is 0.
    #[error("wave {wave:?} has max_parallel = 0; at least one region must move at a time")]
    ZeroParallel {
        /// The wave.
        wave: String,
    },
    /// No steps.
    #[error("strategy.steps is empty; it must end at 100")]
    NoSteps,
    /// A step outside 1..=100.
    #[error("strategy.steps[{index}] = {percent} is outside 1..=100")]
    StepOutOfRange {
        /// Position in `steps`.
        index: usize,
        /// The value.
        percent: u8,
    },
    /// Steps not strictly ascending.
    #[error("strategy.steps[{index}] = {percent} does not exceed the previous step {previous}; steps must be strictly ascending")]
    StepsNotAscending {
        /// Position in `steps`.
        index: usize,
        /// The value.
        percent: u8,
        /// The step before it.
        previous: u8,
    },
    /// The last step is not 100.
    #[error("strategy.steps ends at {last}; it must end at 100")]
    StepsNotEndingAt100 {
        /// The last step.
        last: u8,
    },
    /// Every region has global weight 0, so exposure is undefined.
    #[error("every region has global_weight = 0; at least one must carry global traffic")]
    AllGlobalWeightsZero,
    /// A gate that can never pass or never fail.
    #[error("{scope} gate {index}: {problem}")]
    InvalidGate {
        /// `deployment` or `wave "name"`.
        scope: String,
        /// Position of the gate in its block list.
        index: usize,
        /// What is wrong.
        problem: String,
    },
}

/// Every problem with `spec`, in a stable order; empty when the rollout can run.
pub fn validate(spec: &DeploymentSpec) -> Vec<SpecError> {
    let mut errors = Vec::new();
    if spec.waves.is_empty() {
        errors.push(SpecError::NoWaves);
    }
    if spec.regions.is_empty() {
        errors.push(SpecError::NoRegions);
    }
    let mut declared = BTreeSet::new();
    for region in &spec.regions {
        if !declared.insert(region.name.as_str()) {
            errors.push(SpecError::DuplicateRegion {
                region: region.name.clone(),
            });
        }
    }
    let mut wave_names = BTreeSet::new();
    let mut placed: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for wave in &spec.waves {
        if !wave_names.insert(wave.name.as_str()) {
            errors.push(SpecError::DuplicateWave {
                wave: wave.name.clone(),
            });
        }
        if wave.regions.is_empty() {
            errors.push(SpecError::EmptyWave {
                wave: wave.name.clone(),
            });
        }
        if wave.max_parallel == 0 {
            errors.push(SpecError::ZeroParallel {
                wave: wave.name.clone(),
            });
        }
        for region in &wave.regions {
            if declared.contains(region.as_str()) {
                placed.entry(region).or_default().push(wave.name.clone());
            } else {
                errors.push(SpecError::UnknownRegion {
                    wave: wave.name.clone(),
                    region: region.clone(),
                });
            }
        }
        for (index, gate) in wave.gates.iter().enumerate() {
            validate_gate(&format!("wave {:?}", wave.name), index, gate, &mut errors);
        }
    }
    for region in &spec.regions {
        match placed.get(region.name.as_str()) {
            None => errors.push(SpecError::RegionInNoWave {
                region: region.name.clone(),
            }),
            Some(waves) if waves.len() > 1 => {
                errors.push(SpecError::RegionInManyWaves {
                    region: region.name.clone(),
                    waves: waves.clone(),
                });
            }
            Some(_) => {}
        }
    }
    validate_steps(&spec.strategy.steps, &mut errors);
    if !spec.regions.is_empty() && spec.regions.iter().all(|r| r.global_weight == 0) {
        errors.push(SpecError::AllGlobalWeightsZero);
    }
    for (index, gate) in spec.gates.iter().enumerate() {
        validate_gate("deployment", index, gate, &mut errors);
    }
    errors
}

fn validate_steps(steps: &[u8], errors: &mut Vec<SpecError>) {
    let Some(&last) = steps.last() else {
        errors.push(SpecError::NoSteps);
        return;
    };
    for (index, &percent) in steps.iter().enumerate() {
        if !(1..=100).contains(&percent) {
            errors.push(SpecError::StepOutOfRange { index, percent });
        }
        if index > 0 && percent <= steps[index - 1] {
            errors.push(SpecError::StepsNotAscending {
                index,
                percent,
                previous: steps[index - 1],
            });
        }
    }
    if last != 100 {
        errors.push(SpecError::StepsNotEndingAt100 { last });
    }
}

fn validate_gate(scope: &str, index: usize, gate: &GateSpec, errors: &mut Vec<SpecError>) {
    let mut problem = |problem: &str| {
        errors.push(SpecError::InvalidGate {
            scope: scope.to_owned(),
            index,
            problem: problem.to_owned(),
        });
    };
    if gate.interval.is_zero() {
        problem("interval must be positive");
    }
    if gate.min_samples == 0 {
        problem("min_samples must be at least 1");
    }
    if gate.failure_threshold == 0 {
        problem("failure_threshold must be at least 1");
    }
    if !(0.0..=1.0).contains(&gate.success_ratio) {
        problem("success_ratio must be within 0..=1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Check, OnFailure, RegionSpec, Strategy, Target, WaveSpec};

    fn region(name: &str, weight: u32) -> RegionSpec {
        RegionSpec {
            name: name.into(),
            record_name: format!("{name}.api.example.com"),
            ttl: 60,
            target: Target::Records(vec!["192.0.2.1".into()]),
            health_url: None,
            global_weight: weight,
        }
    }

    fn wave(name: &str, regions: &[&str], max_parallel: u32, bake: u64) -> WaveSpec {
        WaveSpec {
            name: name.into(),
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            max_parallel,
            bake_time: Duration::from_secs(bake),
            require_approval: false,
            gates: vec![],
        }
    }

    fn spec() -> DeploymentSpec {
        DeploymentSpec {
            name: "api".into(),
            version: "v2".into(),
            zone_id: "Z1".into(),
            waves: vec![wave("canary", &["a"], 1, 60), wave("rest", &["b", "c"], 2, 0)],
            strategy: Strategy {
                steps: vec![10, 50, 100],
                step_interval: Duration::from_secs(30),
                on_failure: OnFailure::RollbackRegion,
            },
            regions: vec![region("a", 50), region("b", 25), region("c", 25)],
            gates: vec![],
        }
    }

    #[test]
    fn plan_walks_waves_groups_and_steps_with_exposure() {
        let plan = rollout_plan(&spec(), &BTreeSet::new(), RolloutKind::Shift);
        let rows: Vec<(&str, &str, u8, u64, f64)> = plan
            .iter()
            .map(|p| {
                (
                    p.wave.as_str(),
                    p.region.as_str(),
                    p.step_percent,
                    p.hold.as_secs(),
                    p.global_exposure_percent,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("canary", "a", 10, 30, 5.0),
                ("canary", "a", 50, 30, 25.0),
                ("canary", "a", 100, 90, 50.0),
                ("rest", "b", 10, 30, 55.0),
                ("rest", "c", 10, 30, 55.0),
                ("rest", "b", 50, 30, 75.0),
                ("rest", "c", 50, 30, 75.0),
                ("rest", "b", 100, 30, 100.0),
                ("rest", "c", 100, 30, 100.0),
            ]
        );
        assert_eq!(
            estimated_duration(&spec(), &BTreeSet::new(), RolloutKind::Shift),
            Duration::from_secs(90 + 60 + 90)
        );
    }

    fn gate(interval: u64, min_samples: u32) -> GateSpec {
        GateSpec {
            check: Check::Http {
                url: None,
                expect_status: vec![200],
                timeout: Duration::from_secs(2),
                max_latency: None,
            },
            interval: Duration::from_secs(interval),
            min_samples,
            success_ratio: 1.0,
            failure_threshold: 1,
        }
    }

    #[test]
    fn a_publication_plans_one_row_per_region_held_until_its_gates_first_pass() {
        let mut s = spec();
        s.gates = vec![gate(5, 3)];
        s.waves[1].gates = vec![gate(10, 2), gate(1, 4)];
        s.waves[1].require_approval = true;
        let plan = rollout_plan(&s, &BTreeSet::new(), RolloutKind::Publish);
        let rows: Vec<(&str, &str, u8, u64, f64)> = plan
            .iter()
            .map(|p| {
                (
                    p.wave.as_str(),
                    p.region.as_str(),
                    p.step_percent,
                    p.hold.as_secs(),
                    p.global_exposure_percent,
                )
            })
            .collect();
        // No steps, no step_interval and no bake (canary bakes 60 s in a shift): the slowest
        // gate's interval × min_samples, 5 s × 3 in "canary" and 10 s × 2 in "rest".
        assert_eq!(
            rows,
            vec![
                ("canary", "a", 100, 15, 50.0),
                ("rest", "b", 100, 20, 100.0),
                ("rest", "c", 100, 20, 100.0),
            ]
        );
        assert_eq!(
            estimated_duration(&s, &BTreeSet::new(), RolloutKind::Publish),
            Duration::from_secs(15 + 20)
        );
        // Without gates a publication goes live at once.
        assert_eq!(
            estimated_duration(&spec(), &BTreeSet::new(), RolloutKind::Publish),
            Duration::ZERO
        );
        // Regions added to a live deployment: only they are published, exposure on top of the rest.
        let carried: BTreeSet<String> = ["a".to_owned(), "b".to_owned()].into();
        let rows: Vec<(String, u8, f64)> = rollout_plan(&s, &carried, RolloutKind::Publish)
            .into_iter()
            .map(|p| (p.region, p.step_percent, p.global_exposure_percent))
            .collect();
        assert_eq!(rows, vec![("c".to_owned(), 100, 100.0)]);
    }

    #[test]
    fn a_rollout_shifts_when_a_region_it_moves_is_published() {
        let none = BTreeSet::new();
        assert_eq!(rollout_kind(&spec(), &none, |_| false), RolloutKind::Publish);
        assert_eq!(rollout_kind(&spec(), &none, |r| r == "c"), RolloutKind::Shift);
        // Published regions that are carried (or no longer declared) do not move.
        let carried: BTreeSet<String> = ["a".to_owned(), "b".to_owned()].into();
        assert_eq!(rollout_kind(&spec(), &carried, |r| r != "c"), RolloutKind::Publish);
    }

    #[test]
    fn groups_split_waves_by_max_parallel() {
        let mut s = spec();
        s.waves[1].max_parallel = 1;
        let g = groups(&s, &BTreeSet::new());
        assert_eq!(g.len(), 3);
        assert!(g[1].first_of_wave && !g[2].first_of_wave);
        assert_eq!(g[2].regions, vec!["c".to_owned()]);
    }

    #[test]
    fn a_continued_rollout_plans_only_the_regions_not_yet_on_the_version() {
        // "a" (canary) and "b" were promoted by a rollout that stopped at "c".
        let mut versions: BTreeMap<String, String> = [("a", "v2"), ("b", "v2"), ("c", "v1")]
            .into_iter()
            .map(|(r, v)| (r.to_owned(), v.to_owned()))
            .collect();
        let published: BTreeSet<String> = ["a", "b", "c"].into_iter().map(str::to_owned).collect();
        let mut before = spec();
        before.version = "v1".into();
        let served = served_regions(&before, Some(&published), Some(&versions));
        let carried = carried_regions(&spec(), &served);
        assert_eq!(carried, ["a".to_owned(), "b".to_owned()].into());
        let plan = rollout_plan(&spec(), &carried, RolloutKind::Shift);
        let rows: Vec<(&str, &str, u8, f64)> = plan
            .iter()
            .map(|p| {
                (
                    p.wave.as_str(),
                    p.region.as_str(),
                    p.step_percent,
                    p.global_exposure_percent,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("rest", "c", 10, 77.5),
                ("rest", "c", 50, 87.5),
                ("rest", "c", 100, 100.0)
            ]
        );
        let g = groups(&spec(), &carried);
        assert_eq!(g.len(), 1);
        assert!(
            g[0].first_of_wave,
            "approval is awaited at the wave's first moving group"
        );
        assert_eq!(
            estimated_duration(&spec(), &carried, RolloutKind::Shift),
            Duration::from_secs(90)
        );

        // A region serving the version from another target still moves.
        let mut moved = spec();
        moved.regions[0].target = Target::Records(vec!["192.0.2.99".into()]);
        assert_eq!(carried_regions(&moved, &served), ["b".to_owned()].into());
        // Mid-shift regions (no fully served version) and unpublished ones are not carried.
        versions.remove("b");
        let served = served_regions(&before, Some(&published), Some(&versions));
        assert_eq!(carried_regions(&spec(), &served), ["a".to_owned()].into());
        let served = served_regions(&before, Some(&["a".to_owned()].into()), None);
        assert_eq!(served.keys().collect::<Vec<_>>(), ["a"]);
        assert!(
            carried_regions(&spec(), &served).is_empty(),
            "an older state: all serve v1"
        );
    }

    #[test]
    fn validate_names_the_wave_and_region() {
        let mut s = spec();
        s.waves[0].regions.push("b".into());
        s.waves[1].regions.push("zz".into());
        s.regions.push(region("d", 0));
        s.strategy.steps = vec![50, 20, 90];
        let errors: Vec<String> = validate(&s).iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            vec![
                "wave \"rest\" lists region \"zz\", which is not a region of the deployment",
                "region \"b\" appears in waves [\"canary\", \"rest\"]; every region must appear in exactly one wave",
                "region \"d\" is in no wave; every region must appear in exactly one wave",
                "strategy.steps[1] = 20 does not exceed the previous step 50; steps must be strictly ascending",
                "strategy.steps ends at 90; it must end at 100",
            ]
        );
        assert!(validate(&spec()).is_empty());
    }
}
