//! The rollout model: what a deployment asks for (waves, regions, strategy, gates), free of
//! Terraform and AWS types so the engine, the provider and the CLI share one vocabulary; and
//! what regions serve (their slots' weights, versions and targets), which the journal records
//! and the schedule plans from.

use std::time::Duration;

/// A global deployment: one service, one version, rolled out wave by wave.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentSpec {
    /// Deployment name (journal key).
    pub name: String,
    /// The version to roll out.
    pub version: String,
    /// Hosted zone of every region's record.
    pub zone_id: String,
    /// Waves in rollout order.
    pub waves: Vec<WaveSpec>,
    /// How traffic moves within a region.
    pub strategy: Strategy,
    /// Every region of the deployment; each appears in exactly one wave. Their order carries
    /// no meaning (waves order the rollout); specs read from Terraform hold them by name.
    pub regions: Vec<RegionSpec>,
    /// Gates that apply to every region (in addition to the wave's).
    pub gates: Vec<GateSpec>,
}

impl DeploymentSpec {
    /// Whether `self` and `other` declare the same regions, in whatever order (a journal
    /// written before regions were held by name keeps the configuration's order).
    pub fn same_regions(&self, other: &DeploymentSpec) -> bool {
        by_name(self) == by_name(other)
    }
}

fn by_name(spec: &DeploymentSpec) -> Vec<&RegionSpec> {
    let mut regions: Vec<&RegionSpec> = spec.regions.iter().collect();
    regions.sort_by(|a, b| a.name.cmp(&b.name));
    regions
}

/// A stage of the rollout: regions that move together.
#[derive(Clone, Debug, PartialEq)]
pub struct WaveSpec {
    /// Wave name.
    pub name: String,
    /// Regions of the wave, in order.
    pub regions: Vec<String>,
    /// Regions of this wave shifted at the same time.
    pub max_parallel: u32,
    /// Observation at 100 % before promotion.
    pub bake_time: Duration,
    /// Wait for `globaldeploy approve` before the wave starts.
    pub require_approval: bool,
    /// Gates for every region of this wave.
    pub gates: Vec<GateSpec>,
}

/// Step schedule and failure policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Strategy {
    /// Percent of a region's traffic on the new version at each step, ascending, ending at 100.
    pub steps: Vec<u8>,
    /// Hold at each step while gates are evaluated.
    pub step_interval: Duration,
    /// What a failed gate does.
    pub on_failure: OnFailure,
}

/// What happens when a gate fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnFailure {
    /// Return the failing region to its old slot and stop.
    RollbackRegion,
    /// Also return every already-promoted region.
    RollbackAll,
    /// Freeze weights where they are.
    Halt,
}

/// One region of a deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionSpec {
    /// AWS region name.
    pub name: String,
    /// The per-region DNS name whose blue/green weighted sets the deployment owns.
    pub record_name: String,
    /// TTL of the region's record sets (records targets only).
    pub ttl: i64,
    /// Where `version` is served in this region.
    pub target: Target,
    /// URL probed by `http` gates without their own `url`.
    pub health_url: Option<String>,
    /// This region's share of global traffic, for exposure.
    pub global_weight: u32,
}

/// What a slot's record set points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Literal record values.
    Records(Vec<String>),
    /// An alias to another name.
    Alias {
        /// Alias target DNS name.
        name: String,
        /// Alias target hosted zone.
        zone_id: String,
        /// Whether Route 53 follows the target's health.
        evaluate_target_health: bool,
    },
}

/// A health gate: one check and how its samples are judged.
#[derive(Clone, Debug, PartialEq)]
pub struct GateSpec {
    /// The check.
    pub check: Check,
    /// Time between evaluations.
    pub interval: Duration,
    /// Samples needed before the gate can pass.
    pub min_samples: u32,
    /// Share of successful samples needed to pass.
    pub success_ratio: f64,
    /// Consecutive failed evaluations that trigger the failure policy.
    pub failure_threshold: u32,
}

/// What a gate measures.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// An HTTP(S) probe.
    Http {
        /// URL, else the region's `health_url`.
        url: Option<String>,
        /// Healthy status codes.
        expect_status: Vec<u16>,
        /// Per-probe timeout.
        timeout: Duration,
        /// Largest acceptable p95 latency.
        max_latency: Option<Duration>,
    },
    /// A Route 53 health check's status.
    Route53HealthCheck {
        /// Health check id.
        health_check_id: String,
    },
}

/// One of the two weighted record sets of a region's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// Set identifier suffix `blue`.
    Blue,
    /// Set identifier suffix `green`.
    Green,
}

impl Slot {
    /// The other slot.
    pub fn other(self) -> Slot {
        match self {
            Slot::Blue => Slot::Green,
            Slot::Green => Slot::Blue,
        }
    }

    /// `blue` or `green`.
    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Blue => "blue",
            Slot::Green => "green",
        }
    }
}

/// The weights of a region's two slots, in percent. Route 53 weights are relative, so
/// percentages (0–100, summing to 100 once published) are written as they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Weights {
    /// Blue slot.
    pub blue: u8,
    /// Green slot.
    pub green: u8,
}

impl Weights {
    /// `new_percent` on `new_slot`, the rest on the other slot.
    pub fn split(new_slot: Slot, new_percent: u8) -> Self {
        let old = 100 - new_percent.min(100);
        match new_slot {
            Slot::Blue => Weights {
                blue: new_percent,
                green: old,
            },
            Slot::Green => Weights {
                blue: old,
                green: new_percent,
            },
        }
    }

    /// All of the region's traffic on `slot`.
    pub fn all_on(slot: Slot) -> Self {
        Self::split(slot, 100)
    }

    /// Weight of `slot`.
    pub fn of(self, slot: Slot) -> u8 {
        match slot {
            Slot::Blue => self.blue,
            Slot::Green => self.green,
        }
    }
}

/// What a region served when the rollout began.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Serving {
    /// The slot carrying its traffic.
    pub slot: Slot,
    /// The version that slot serves.
    pub version: String,
    /// The target that slot holds, when known. A region serving the rollout's version from the
    /// rollout's target is carried over: the rollout leaves it in place.
    pub target: Option<Target>,
    /// What the other slot holds at weight 0, when known: the version served before the
    /// rollout that promoted the region, kept for instant rollback. It is what `rollback_all`
    /// returns a carried region to.
    pub idle: Option<Idle>,
}

impl Serving {
    /// What the schedule needs of it: the version and the target it serves, when the target
    /// is known (a region whose target is unknown is never carried over).
    pub fn served(&self) -> Option<Served> {
        Some(Served {
            version: Some(self.version.clone()),
            target: self.target.clone()?,
        })
    }
}

/// The version a region's idle slot (the one not serving) still holds at weight 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idle {
    /// The version.
    pub version: String,
    /// Its target, when known.
    pub target: Option<Target>,
}

/// A region before the rollout: what it served (`None` before its first publication) and
/// its exact weights, which a rollback restores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prior {
    /// What it served.
    pub serving: Option<Serving>,
    /// Its weights.
    pub weights: Weights,
}

/// What a published region serves: the version on its serving slot, when it serves one fully
/// (`None` mid-shift or halted), and the target that slot holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Served {
    /// The version it serves fully.
    pub version: Option<String>,
    /// Its serving target.
    pub target: Target,
}
