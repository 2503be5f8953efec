//! How model types are written into the journal. The model stays free of serialization
//! concerns (the provider and CLI share it), so the intent is mirrored here field by field;
//! durations are stored as whole milliseconds.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::journal::entry::Intent;
use crate::model::{
    Check, DeploymentSpec, GateSpec, Idle, OnFailure, Prior, RegionSpec, Serving, Slot, Strategy, Target, WaveSpec,
    Weights,
};
use crate::ports::millis;

/// An [`Intent`] as the journal stores it: the spec and priors in their own stable JSON shape,
/// so a change of the model types cannot change what old journals mean.
#[derive(Clone, Serialize, Deserialize)]
pub struct IntentRecord {
    rollout_id: String,
    started_at: u64,
    spec: SpecRecord,
    prior: BTreeMap<String, PriorRecord>,
}

#[derive(Clone, Serialize, Deserialize)]
struct SpecRecord {
    name: String,
    version: String,
    zone_id: String,
    waves: Vec<WaveRecord>,
    steps: Vec<u8>,
    step_interval_ms: u64,
    on_failure: OnFailureRecord,
    regions: Vec<RegionRecord>,
    gates: Vec<GateRecord>,
}

#[derive(Clone, Serialize, Deserialize)]
struct WaveRecord {
    name: String,
    regions: Vec<String>,
    max_parallel: u32,
    bake_time_ms: u64,
    require_approval: bool,
    gates: Vec<GateRecord>,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OnFailureRecord {
    RollbackRegion,
    RollbackAll,
    Halt,
}

#[derive(Clone, Serialize, Deserialize)]
struct RegionRecord {
    name: String,
    record_name: String,
    ttl: i64,
    target: TargetRecord,
    health_url: Option<String>,
    global_weight: u32,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum TargetRecord {
    Records {
        values: Vec<String>,
    },
    Alias {
        name: String,
        zone_id: String,
        evaluate_target_health: bool,
    },
}

#[derive(Clone, Serialize, Deserialize)]
struct GateRecord {
    check: CheckRecord,
    interval_ms: u64,
    min_samples: u32,
    success_ratio: f64,
    failure_threshold: u32,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum CheckRecord {
    Http {
        url: Option<String>,
        expect_status: Vec<u16>,
        timeout_ms: u64,
        max_latency_ms: Option<u64>,
    },
    Route53HealthCheck {
        health_check_id: String,
    },
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SlotRecord {
    Blue,
    Green,
}

#[derive(Clone, Serialize, Deserialize)]
struct PriorRecord {
    slot: Option<SlotRecord>,
    version: Option<String>,
    /// Absent in journals written before serving targets were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target: Option<TargetRecord>,
    weights: Weights,
    /// What the idle slot holds; absent in journals written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    idle: Option<IdleRecord>,
}

#[derive(Clone, Serialize, Deserialize)]
struct IdleRecord {
    version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target: Option<TargetRecord>,
}

impl From<Intent> for IntentRecord {
    fn from(i: Intent) -> Self {
        IntentRecord {
            rollout_id: i.rollout_id,
            started_at: i.started_at,
            spec: SpecRecord::from(i.spec),
            prior: i.prior.into_iter().map(|(k, p)| (k, PriorRecord::from(p))).collect(),
        }
    }
}

impl From<IntentRecord> for Intent {
    fn from(r: IntentRecord) -> Self {
        Intent {
            rollout_id: r.rollout_id,
            started_at: r.started_at,
            spec: DeploymentSpec::from(r.spec),
            prior: r.prior.into_iter().map(|(k, p)| (k, Prior::from(p))).collect(),
        }
    }
}

impl From<DeploymentSpec> for SpecRecord {
    fn from(s: DeploymentSpec) -> Self {
        SpecRecord {
            name: s.name,
            version: s.version,
            zone_id: s.zone_id,
            waves: s.waves.into_iter().map(WaveRecord::from).collect(),
            steps: s.strategy.steps,
            step_interval_ms: millis(s.strategy.step_interval),
            on_failure: match s.strategy.on_failure {
                OnFailure::RollbackRegion => OnFailureRecord::RollbackRegion,
                OnFailure::RollbackAll => OnFailureRecord::RollbackAll,
                OnFailure::Halt => OnFailureRecord::Halt,
            },
            regions: s.regions.into_iter().map(RegionRecord::from).collect(),
            gates: s.gates.into_iter().map(GateRecord::from).collect(),
        }
    }
}

impl From<SpecRecord> for DeploymentSpec {
    fn from(r: SpecRecord) -> Self {
        DeploymentSpec {
            name: r.name,
            version: r.version,
            zone_id: r.zone_id,
            waves: r.waves.into_iter().map(WaveSpec::from).collect(),
            strategy: Strategy {
                steps: r.steps,
                step_interval: Duration::from_millis(r.step_interval_ms),
                on_failure: match r.on_failure {
                    OnFailureRecord::RollbackRegion => OnFailure::RollbackRegion,
                    OnFailureRecord::RollbackAll => OnFailure::RollbackAll,
                    OnFailureRecord::Halt => OnFailure::Halt,
                },
            },
            regions: r.regions.into_iter().map(RegionSpec::from).collect(),
            gates: r.gates.into_iter().map(GateSpec::from).collect(),
        }
    }
}

impl From<WaveSpec> for WaveRecord {
    fn from(w: WaveSpec) -> Self {
        WaveRecord {
            name: w.name,
            regions: w.regions,
            max_parallel: w.max_parallel,
            bake_time_ms: millis(w.bake_time),
            require_approval: w.require_approval,
            gates: w.gates.into_iter().map(GateRecord::from).collect(),
        }
    }
}

impl From<WaveRecord> for WaveSpec {
    fn from(r: WaveRecord) -> Self {
        WaveSpec {
            name: r.name,
            regions: r.regions,
            max_parallel: r.max_parallel,
            bake_time: Duration::from_millis(r.bake_time_ms),
            require_approval: r.require_approval,
            gates: r.gates.into_iter().map(GateSpec::from).collect(),
        }
    }
}

impl From<RegionSpec> for RegionRecord {
    fn from(r: RegionSpec) -> Self {
        RegionRecord {
            name: r.name,
            record_name: r.record_name,
            ttl: r.ttl,
            target: TargetRecord::from(r.target),
            health_url: r.health_url,
            global_weight: r.global_weight,
        }
    }
}

impl From<RegionRecord> for RegionSpec {
    fn from(r: RegionRecord) -> Self {
        RegionSpec {
            name: r.name,
            record_name: r.record_name,
            ttl: r.ttl,
            target: Target::from(r.target),
            health_url: r.health_url,
            global_weight: r.global_weight,
        }
    }
}

impl From<Target> for TargetRecord {
    fn from(target: Target) -> Self {
        match target {
            Target::Records(values) => TargetRecord::Records { values },
            Target::Alias {
                name,
                zone_id,
                evaluate_target_health,
            } => TargetRecord::Alias {
                name,
                zone_id,
                evaluate_target_health,
            },
        }
    }
}

impl From<TargetRecord> for Target {
    fn from(record: TargetRecord) -> Self {
        match record {
            TargetRecord::Records { values } => Target::Records(values),
            TargetRecord::Alias {
                name,
                zone_id,
                evaluate_target_health,
            } => Target::Alias {
                name,
                zone_id,
                evaluate_target_health,
            },
        }
    }
}

impl From<GateSpec> for GateRecord {
    fn from(g: GateSpec) -> Self {
        GateRecord {
            check: match g.check {
                Check::Http {
                    url,
                    expect_status,
                    timeout,
                    max_latency,
                } => CheckRecord::Http {
                    url,
                    expect_status,
                    timeout_ms: millis(timeout),
                    max_latency_ms: max_latency.map(millis),
                },
                Check::Route53HealthCheck { health_check_id } => CheckRecord::Route53HealthCheck { health_check_id },
            },
            interval_ms: millis(g.interval),
            min_samples: g.min_samples,
            success_ratio: g.success_ratio,
            failure_threshold: g.failure_threshold,
        }
    }
}

impl From<GateRecord> for GateSpec {
    fn from(r: GateRecord) -> Self {
        GateSpec {
            check: match r.check {
                CheckRecord::Http {
                    url,
                    expect_status,
                    timeout_ms,
                    max_latency_ms,
                } => Check::Http {
                    url,
                    expect_status,
                    timeout: Duration::from_millis(timeout_ms),
                    max_latency: max_latency_ms.map(Duration::from_millis),
                },
                CheckRecord::Route53HealthCheck { health_check_id } => Check::Route53HealthCheck { health_check_id },
            },
            interval: Duration::from_millis(r.interval_ms),
            min_samples: r.min_samples,
            success_ratio: r.success_ratio,
            failure_threshold: r.failure_threshold,
        }
    }
}

impl From<Prior> for PriorRecord {
    fn from(p: Prior) -> Self {
        let (slot, version, target, idle) = match p.serving {
            Some(s) => (
                Some(match s.slot {
                    Slot::Blue => SlotRecord::Blue,
                    Slot::Green => SlotRecord::Green,
                }),
                Some(s.version),
                s.target.map(TargetRecord::from),
                s.idle.map(|idle| IdleRecord {
                    version: idle.version,
                    target: idle.target.map(TargetRecord::from),
                }),
            ),
            None => (None, None, None, None),
        };
        PriorRecord {
            slot,
            version,
            target,
            weights: p.weights,
            idle,
        }
    }
}

impl From<PriorRecord> for Prior {
    fn from(r: PriorRecord) -> Self {
        let serving = match (r.slot, r.version) {
            (Some(slot), Some(version)) => Some(Serving {
                slot: match slot {
                    SlotRecord::Blue => Slot::Blue,
                    SlotRecord::Green => Slot::Green,
                },
                version,
                target: r.target.map(Target::from),
                idle: r.idle.map(|idle| Idle {
                    version: idle.version,
                    target: idle.target.map(Target::from),
                }),
            }),
            _ => None,
        };
        Prior {
            serving,
            weights: r.weights,
        }
    }
}
