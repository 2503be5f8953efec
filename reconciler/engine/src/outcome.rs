//! What a rollout reports: its status, each region's status and active slot, the version the
//! whole deployment serves, and on a failed gate the wave, region, step, gate and measured
//! values (which become the user's error message verbatim).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Slot, Target};

/// How a finished rollout ended (the deployment's `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutStatus {
    /// Every region serves the new version.
    Succeeded,
    /// A gate failed (or a rollback was requested) and regions were returned to their old slot.
    RolledBack,
    /// A gate failed under `on_failure = "halt"`: weights were frozen where they were.
    Halted,
}

impl RolloutStatus {
    /// `succeeded`, `rolled_back` or `halted`.
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutStatus::Succeeded => "succeeded",
            RolloutStatus::RolledBack => "rolled_back",
            RolloutStatus::Halted => "halted",
        }
    }
}

/// Where one region is in the rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RegionStatus {
    /// Not reached yet: serves what it served before.
    Pending,
    /// Its idle slot holds the new target at weight 0.
    Prepared,
    /// `percent` of its traffic is on the new version.
    Shifting {
        /// Percent on the new version.
        percent: u8,
    },
    /// At 100 %, observed for the wave's `bake_time`.
    Baking,
    /// Serves the new version; the old slot is kept at weight 0.
    Promoted,
    /// Returned to its exact prior weights.
    RolledBack,
    /// Frozen at `percent` on the new version.
    Halted {
        /// Percent on the new version.
        percent: u8,
    },
}

impl fmt::Display for RegionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionStatus::Pending => f.write_str("pending"),
            RegionStatus::Prepared => f.write_str("prepared"),
            RegionStatus::Shifting { percent } => write!(f, "shifting ({percent} %)"),
            RegionStatus::Baking => f.write_str("baking"),
            RegionStatus::Promoted => f.write_str("promoted"),
            RegionStatus::RolledBack => f.write_str("rolled_back"),
            RegionStatus::Halted { percent } => write!(f, "halted ({percent} %)"),
        }
    }
}

/// What a gate's window measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Samples in the window.
    pub samples: u32,
    /// Successful samples in the window.
    pub successes: u32,
    /// The gate's `success_ratio`.
    pub required_ratio: f64,
    /// The gate's `min_samples` (the window size).
    pub min_samples: u32,
    /// p95 latency of the window, when latencies were measured.
    pub p95_latency_ms: Option<u64>,
    /// The gate's `max_latency`, if any.
    pub max_latency_ms: Option<u64>,
    /// Consecutive failed evaluations.
    pub consecutive_failures: u32,
    /// What the last sample saw (status code, error).
    pub last_detail: String,
}

impl fmt::Display for Measured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} samples succeeded (window {}, success_ratio {})",
            self.successes, self.samples, self.min_samples, self.required_ratio
        )?;
        if let Some(p95) = self.p95_latency_ms {
            write!(f, ", p95 latency {p95} ms")?;
            if let Some(max) = self.max_latency_ms {
                write!(f, " (max_latency {max} ms)")?;
            }
        }
        write!(f, ", {} consecutive failed evaluations", self.consecutive_failures)?;
        if !self.last_detail.is_empty() {
            write!(f, ", last sample: {}", self.last_detail)?;
        }
        Ok(())
    }
}

/// When a gate failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailedDuring {
    /// The evaluation before a first publication.
    Publish,
    /// The hold of a step.
    Step,
    /// The bake at 100 %.
    Bake,
}

/// A gate that tripped its `failure_threshold`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateFailure {
    /// Wave name.
    pub wave: String,
    /// Region name.
    pub region: String,
    /// Percent of the region's traffic on the new version when the gate failed.
    pub step_percent: u8,
    /// Hold, bake or pre-publication evaluation.
    pub during: FailedDuring,
    /// The gate's label (scope, index, check).
    pub gate: String,
    /// The measured values.
    pub measured: Measured,
}

impl fmt::Display for GateFailure {
    /// Every rendering of a failure (diagnostics, logs, the CLI) goes through here, so URLs are
    /// redacted here too: a journal written before labels were redacted may still carry them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let during = match self.during {
            FailedDuring::Publish => "before first publication".to_owned(),
            FailedDuring::Step => format!("step {} %", self.step_percent),
            FailedDuring::Bake => "bake at 100 %".to_owned(),
        };
        let text = format!(
            "wave {:?}, region {:?}, {during}: {} failed: {}",
            self.wave, self.region, self.gate, self.measured
        );
        f.write_str(&crate::redact::urls_in(&text))
    }
}

/// One region as it is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionOutcome {
    /// Where the region is in the rollout.
    pub status: RegionStatus,
    /// The slot serving the region's version of record (`None` when never published).
    pub active_slot: Option<Slot>,
    /// The version the region serves fully (`None` when never published or mid-shift).
    pub version: Option<String>,
    /// The target it serves that version from, when known (`None` as for `version`, or in a
    /// journal written before targets were recorded).
    pub target: Option<Target>,
}

/// The result of a finished rollout.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Deployment name.
    pub deployment: String,
    /// The rollout's journal id.
    pub rollout_id: String,
    /// How it ended.
    pub status: RolloutStatus,
    /// The version rolled out.
    pub target_version: String,
    /// The version the whole deployment serves (`version`/`active_version` in state): the new
    /// one only when every region serves it.
    pub serving_version: Option<String>,
    /// Each region.
    pub regions: BTreeMap<String, RegionOutcome>,
    /// The gate that failed, if one did.
    pub failure: Option<GateFailure>,
    /// Why regions were rolled back (the failed gate, or who requested it and why), if any were.
    pub rollback_reason: Option<String>,
}
