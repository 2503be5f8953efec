//! `globaldeploy approve DEPLOYMENT [--wave W]`: records an approval for a wave of the running
//! rollout, where the engine (in Terraform or in `resume`) picks it up on its next check.

use serde::Serialize;

use crate::error::CliError;
use crate::status::{load, no_rollout};
use globaldeploy_adapters::journal::Journal;
use globaldeploy_engine::ports::Approvals;
use globaldeploy_engine::state::Position;

/// A recorded approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// Deployment name.
    pub deployment: String,
    /// The rollout approved.
    pub rollout_id: String,
    /// The wave approved.
    pub wave: String,
    /// Who approved.
    pub by: String,
}

/// Approves `wave` (else the wave the rollout waits for) of `deployment`'s running rollout.
pub async fn approve(journal: &Journal, deployment: &str, wave: Option<&str>, by: &str) -> Result<Approval, CliError> {
    let state = load(journal, deployment)
        .await?
        .ok_or_else(|| no_rollout(journal, deployment))?;
    if let Some(status) = state.status {
        return Err(CliError::Finished {
            deployment: deployment.to_owned(),
            rollout_id: state.rollout_id,
            status: status.as_str(),
        });
    }
    let waiting = match state.position {
        Position::AwaitingApproval { group } => state.groups.get(group).map(|g| state.spec.waves[g.wave].name.clone()),
        _ => None,
    };
    let wave = match (wave, waiting) {
        (Some(wave), _) => {
            let cannot = |reason| CliError::CannotApprove {
                wave: wave.to_owned(),
                rollout_id: state.rollout_id.clone(),
                reason,
            };
            let index = state
                .spec
                .waves
                .iter()
                .position(|w| w.name == wave)
                .ok_or_else(|| cannot("the rollout has no such wave"))?;
            if !state.spec.waves[index].require_approval {
                return Err(cannot("the wave does not require approval"));
            }
            if state.approvals.contains_key(wave) {
                return Err(cannot("the wave is already approved"));
            }
            let current = state.groups.get(state.current_group()).map_or(usize::MAX, |g| g.wave);
            if index < current {
                return Err(cannot("the wave has already started"));
            }
            wave.to_owned()
        }
        (None, Some(waiting)) => waiting,
        (None, None) => {
            return Err(CliError::NothingAwaitsApproval {
                deployment: deployment.to_owned(),
                rollout_id: state.rollout_id,
            })
        }
    };
    journal.approve(deployment, &state.rollout_id, &wave, by).await?;
    Ok(Approval {
        deployment: deployment.to_owned(),
        rollout_id: state.rollout_id,
        wave,
        by: by.to_owned(),
    })
}
