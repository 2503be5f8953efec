//! Rebuilding a rollout's state from its journal alone (what `globaldeploy resume` does after
//! the process that ran the rollout died).

use crate::journal::entry::Entry;
use crate::state::{RolloutState, StateError};

/// The state of the latest rollout in `entries` (`None` when there is no intent): the last
/// intent and every entry after it, folded with [`RolloutState::apply`]. Earlier rollouts of
/// the same deployment are history.
pub fn replay(entries: &[Entry]) -> Result<Option<RolloutState>, StateError> {
    let Some(start) = entries.iter().rposition(|e| matches!(e, Entry::Intent(_))) else {
        return Ok(None);
    };
    let Entry::Intent(intent) = &entries[start] else {
        return Ok(None);
    };
    let mut state = RolloutState::from_intent(intent);
    for entry in &entries[start + 1..] {
        state.apply(entry)?;
    }
    Ok(Some(state))
}
