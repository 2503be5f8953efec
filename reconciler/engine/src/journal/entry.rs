//! The journal's vocabulary: one entry per durable fact of a rollout, in the order the engine
//! establishes them. A step is written (and fsynced) before its weights are applied, so the
//! journal is always at or ahead of the traffic layer and `resume` can re-apply the last step.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{DeploymentSpec, Prior, Weights};
use crate::outcome::{GateFailure, Measured, RolloutStatus};

/// One journal line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// A rollout begins: what it rolls out and what each region served before.
    Intent(Intent),
    /// The first group of `wave` waits for `globaldeploy approve`.
    AwaitingApproval {
        /// Wave name.
        wave: String,
    },
    /// `wave` was approved by `by`.
    Approved {
        /// Wave name.
        wave: String,
        /// Who approved.
        by: String,
    },
    /// The idle slots of `group` are about to receive the new target at weight 0.
    GroupStarted {
        /// Index in the rollout's groups.
        group: usize,
        /// Wave name (for readers of the journal).
        wave: String,
    },
    /// The weights of `group` are about to move to `percent` on the new version.
    Step {
        /// Index in the rollout's groups.
        group: usize,
        /// Index in `strategy.steps` (0 for a first publication).
        step: usize,
        /// Percent on the new version.
        percent: u8,
        /// The weights about to be written, by region.
        weights: BTreeMap<String, Weights>,
    },
    /// Every gate of every region of `group` passed at `step`.
    GatesPassed {
        /// Index in the rollout's groups.
        group: usize,
        /// Index in `strategy.steps`.
        step: usize,
        /// The passing verdicts.
        verdicts: Vec<GateVerdict>,
    },
    /// The regions of `group` serve the new version; their old slots stay at weight 0.
    Promoted {
        /// Index in the rollout's groups.
        group: usize,
    },
    /// A gate tripped its `failure_threshold`.
    GateFailed(GateFailure),
    /// These regions are about to return to their exact prior weights.
    Rollback {
        /// The prior weights, by region.
        weights: BTreeMap<String, Weights>,
        /// Why (a gate failure or a requested rollback).
        reason: String,
    },
    /// The rollout ended.
    Outcome {
        /// How.
        status: RolloutStatus,
    },
}

/// A passing gate verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateVerdict {
    /// Region name.
    pub region: String,
    /// Gate label.
    pub gate: String,
    /// What it measured.
    pub measured: Measured,
}

/// The first entry of a rollout. Carries the whole spec so `resume` needs the journal alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    into = "crate::journal::codec::IntentRecord",
    from = "crate::journal::codec::IntentRecord"
)]
pub struct Intent {
    /// Unique id of the rollout (`version@start millis`), scoping approvals.
    pub rollout_id: String,
    /// When it began (milliseconds since the epoch).
    pub started_at: u64,
    /// What is rolled out.
    pub spec: DeploymentSpec,
    /// Each region before the rollout.
    pub prior: BTreeMap<String, Prior>,
}
