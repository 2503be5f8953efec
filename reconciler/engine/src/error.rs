//! Why a rollout could not start or did not finish. Every variant except the spec and
//! state-precondition ones leaves the journal consistent, so `resume` can continue.

use crate::journal::error::JournalError;
use crate::journal::lease::FenceError;
use crate::ports::TrafficError;
use crate::rollout::RollbackError;
use crate::schedule::SpecError;
use crate::state::StateError;

/// A rollout failure (a failed gate is not one: it is an [`crate::outcome::Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The spec cannot be rolled out.
    #[error("invalid deployment: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidSpec(Vec<SpecError>),
    /// The journal store failed (or the lease is held by someone else).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The journal does not replay.
    #[error("the journal of {deployment:?} does not replay: {source}")]
    Replay {
        /// Deployment name.
        deployment: String,
        /// Why.
        source: StateError,
    },
    /// The traffic layer failed for good; resume once it is reachable again.
    #[error("traffic change failed: {0}; the rollout is journaled and can be resumed with `globaldeploy resume`")]
    Traffic(TrafficError),
    /// Stopped on request (Terraform's Stop) at a consistent point.
    #[error("rollout {rollout_id} of {deployment:?} was stopped; run `globaldeploy resume` to continue it")]
    Stopped {
        /// Deployment name.
        deployment: String,
        /// The rollout.
        rollout_id: String,
    },
    /// A previous rollout of the deployment has not finished.
    #[error("rollout {rollout_id} of {deployment:?} has not finished; run `globaldeploy resume` or `globaldeploy rollback {deployment}` first")]
    Unfinished {
        /// Deployment name.
        deployment: String,
        /// The unfinished rollout.
        rollout_id: String,
    },
    /// Nothing in the journal to resume or roll back.
    #[error("the journal has no rollout of {deployment:?}")]
    NoRollout {
        /// Deployment name.
        deployment: String,
    },
    /// A region's weights are not those of a settled region (all on its serving slot).
    #[error("region {region:?} is not settled on its serving slot {slot} (blue {blue}, green {green}); resume or roll back its last rollout first")]
    Unsettled {
        /// The region.
        region: String,
        /// Its serving slot.
        slot: &'static str,
        /// Blue weight.
        blue: u8,
        /// Green weight.
        green: u8,
    },
    /// Some regions were never published while others serve a version or target other than
    /// the spec's; one rollout either publishes regions or shifts them.
    #[error(
        "regions {new:?} have never been published while other regions move to a new version or target; publish \
         them first (with the version and targets the others serve), then roll the change out"
    )]
    MixedPublication {
        /// The unpublished regions.
        new: Vec<String>,
    },
    /// The traffic layer did not report the weights of a region.
    #[error("the traffic layer returned no weights for region {region:?}")]
    MissingWeights {
        /// The region.
        region: String,
    },
    /// The lease could not be renewed in time, so nothing more was written; the journal is
    /// consistent and the rollout resumable.
    #[error("{0}; the rollout is journaled and can be resumed with `globaldeploy resume`")]
    Fenced(FenceError),
    /// A requested rollback is impossible.
    #[error(transparent)]
    Rollback(#[from] RollbackError),
}
