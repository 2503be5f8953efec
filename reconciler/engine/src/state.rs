//! The durable state of a rollout: exactly what its journal says, and nothing else.
//!
//! The engine changes this state only by applying the entries it has made durable, and
//! [`crate::journal::replay`] folds the same [`RolloutState::apply`] over a journal, so the
//! state of a live engine and the state replayed from its journal are equal by construction
//! (the simulation checks it after every entry). Timers and gate windows are not here: they
//! restart on resume, which only ever makes a rollout more careful.
//!
//! Regions that already serve the rollout's version from its target when it begins are
//! *carried* ([`crate::schedule::carried_regions`]): they are promoted from the start, in no
//! group, never stepped or gated. That is how re-applying after a failed rollout continues
//! with the regions not yet on the version, and how regions added to a live deployment are
//! published without touching the others. A carried region serves the rollout's version too,
//! so `rollback_all` returns it to the version its idle slot still holds at weight 0 (the
//! intent's prior records it, [`Serving::idle`]); no other rollback touches it.

use std::collections::{BTreeMap, BTreeSet};

use crate::journal::entry::{Entry, Intent};
use crate::model::{DeploymentSpec, Idle, Prior, Served, Serving, Slot, Weights};
use crate::outcome::{GateFailure, Outcome, RegionOutcome, RegionStatus, RolloutStatus};
use crate::schedule::{carried_regions, groups, rollout_kind, Group, RolloutKind};

/// Where the rollout is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position {
    /// Group `group` has not started (`group == groups.len()` once every group is promoted).
    Before {
        /// Group index.
        group: usize,
    },
    /// Waiting for the approval of the wave of `group`.
    AwaitingApproval {
        /// Group index.
        group: usize,
    },
    /// The idle slots of `group` are (being) prepared; in a publish its gates are evaluated.
    Preparing {
        /// Group index.
        group: usize,
    },
    /// `group` is (being) moved to `step`, then holds it.
    Step {
        /// Group index.
        group: usize,
        /// Step index.
        step: usize,
    },
    /// `group` passed `step`; after the last step it bakes.
    Passed {
        /// Group index.
        group: usize,
        /// Step index.
        step: usize,
    },
    /// These regions are (being) returned to their prior weights.
    RollingBack {
        /// The prior weights being restored.
        weights: BTreeMap<String, Weights>,
    },
    /// The rollout has an outcome.
    Done,
}

/// An entry that does not fit the journal it was read from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// An entry refers to a group the rollout does not have.
    #[error("journal entry refers to group {group}, but the rollout has {groups} groups")]
    UnknownGroup {
        /// The group index.
        group: usize,
        /// How many groups there are.
        groups: usize,
    },
    /// An approval wait names a wave other than the one the rollout is at.
    #[error("journal entry awaits approval of wave {wave:?}, which is not the wave the rollout is at")]
    UnexpectedWave {
        /// The wave named.
        wave: String,
    },
    /// An entry refers to a step the strategy does not have.
    #[error("journal entry refers to step {step}, but the strategy has {steps} steps")]
    UnknownStep {
        /// The step index.
        step: usize,
        /// How many steps there are.
        steps: usize,
    },
}

/// Everything the journal knows about one rollout.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutState {
    /// The rollout's id.
    pub rollout_id: String,
    /// When it began.
    pub started_at: u64,
    /// What it rolls out.
    pub spec: DeploymentSpec,
    /// Whether it publishes its regions or shifts them (decided by [`rollout_kind`], the rule
    /// the plan's schedule uses too).
    pub kind: RolloutKind,
    /// Regions that already served `spec` when the rollout began (derived from `prior`).
    pub carried: BTreeSet<String>,
    /// The groups of the regions that move, in order (derived from `spec` and `carried`).
    pub groups: Vec<Group>,
    /// Each region before the rollout.
    pub prior: BTreeMap<String, Prior>,
    /// Each region now.
    pub regions: BTreeMap<String, RegionStatus>,
    /// Where the rollout is.
    pub position: Position,
    /// Approved waves and who approved them.
    pub approvals: BTreeMap<String, String>,
    /// The gate that failed, if one did.
    pub failure: Option<GateFailure>,
    /// Why the latest rollback of regions was started (a gate failure, or a request).
    pub rollback_reason: Option<String>,
    /// How it ended, once it has.
    pub status: Option<RolloutStatus>,
}

impl RolloutState {
    /// The state right after `intent`.
    pub fn from_intent(intent: &Intent) -> Self {
        let served: BTreeMap<String, Served> = intent
            .prior
            .iter()
            .filter_map(|(name, prior)| Some((name.clone(), prior.serving.as_ref()?.served()?)))
            .collect();
        let carried = carried_regions(&intent.spec, &served);
        let published = |name: &str| intent.prior.get(name).is_some_and(|p| p.serving.is_some());
        let kind = rollout_kind(&intent.spec, &carried, published);
        RolloutState {
            rollout_id: intent.rollout_id.clone(),
            started_at: intent.started_at,
            groups: groups(&intent.spec, &carried),
            regions: intent
                .spec
                .regions
                .iter()
                .map(|r| {
                    let status = if carried.contains(&r.name) {
                        RegionStatus::Promoted
                    } else {
                        RegionStatus::Pending
                    };
                    (r.name.clone(), status)
                })
                .collect(),
            carried,
            spec: intent.spec.clone(),
            kind,
            prior: intent.prior.clone(),
            position: Position::Before { group: 0 },
            approvals: BTreeMap::new(),
            failure: None,
            rollback_reason: None,
            status: None,
        }
    }

    /// Applies one entry (never an intent: an intent starts a new state).
    pub fn apply(&mut self, entry: &Entry) -> Result<(), StateError> {
        match entry {
            Entry::Intent(intent) => *self = RolloutState::from_intent(intent),
            Entry::AwaitingApproval { wave } => {
                let group = self.current_group();
                let expected = self.group(group)?.wave;
                if self.spec.waves[expected].name != *wave {
                    return Err(StateError::UnexpectedWave { wave: wave.clone() });
                }
                self.position = Position::AwaitingApproval { group };
            }
            Entry::Approved { wave, by } => {
                self.approvals.insert(wave.clone(), by.clone());
                if let Position::AwaitingApproval { group } = self.position {
                    self.position = Position::Before { group };
                }
            }
            Entry::GroupStarted { group, .. } => {
                self.set_group(*group, RegionStatus::Prepared)?;
                self.position = Position::Preparing { group: *group };
            }
            Entry::Step {
                group, step, percent, ..
            } => {
                self.check_step(*step)?;
                let status = match self.kind {
                    RolloutKind::Publish => RegionStatus::Promoted,
                    RolloutKind::Shift => RegionStatus::Shifting { percent: *percent },
                };
                self.set_group(*group, status)?;
                self.position = Position::Step {
                    group: *group,
                    step: *step,
                };
            }
            Entry::GatesPassed { group, step, .. } => {
                self.group(*group)?;
                self.check_step(*step)?;
                if self.kind == RolloutKind::Shift && *step + 1 == self.spec.strategy.steps.len() {
                    self.set_group(*group, RegionStatus::Baking)?;
                }
                self.position = Position::Passed {
                    group: *group,
                    step: *step,
                };
            }
            Entry::Promoted { group } => {
                self.set_group(*group, RegionStatus::Promoted)?;
                self.position = Position::Before { group: group + 1 };
            }
            Entry::GateFailed(failure) => {
                // A gate fails in the group the rollout is at; the failure policy acts on it.
                self.group(self.current_group())?;
                self.failure = Some(failure.clone());
            }
            Entry::Rollback { weights, reason } => {
                self.rollback_reason = Some(reason.clone());
                for region in weights.keys() {
                    self.regions.insert(region.clone(), RegionStatus::RolledBack);
                }
                self.status = None;
                self.position = Position::RollingBack {
                    weights: weights.clone(),
                };
            }
            Entry::Outcome { status } => {
                for region_status in self.regions.values_mut() {
                    *region_status = match (*status, *region_status) {
                        (RolloutStatus::Halted, RegionStatus::Shifting { percent }) => RegionStatus::Halted { percent },
                        (RolloutStatus::Halted, RegionStatus::Baking) => RegionStatus::Halted { percent: 100 },
                        (RolloutStatus::Halted, RegionStatus::Prepared) => RegionStatus::Halted { percent: 0 },
                        (RolloutStatus::RolledBack, RegionStatus::Prepared) => RegionStatus::RolledBack,
                        (_, unchanged) => unchanged,
                    };
                }
                self.status = Some(*status);
                self.position = Position::Done;
            }
        }
        Ok(())
    }

    /// The group the rollout is at (or about to start).
    pub fn current_group(&self) -> usize {
        match self.position {
            Position::Before { group }
            | Position::AwaitingApproval { group }
            | Position::Preparing { group }
            | Position::Step { group, .. }
            | Position::Passed { group, .. } => group,
            Position::RollingBack { .. } | Position::Done => self.groups.len(),
        }
    }

    /// Group `index`.
    pub fn group(&self, index: usize) -> Result<&Group, StateError> {
        self.groups.get(index).ok_or(StateError::UnknownGroup {
            group: index,
            groups: self.groups.len(),
        })
    }

    fn check_step(&self, step: usize) -> Result<(), StateError> {
        let steps = self.spec.strategy.steps.len();
        if step < steps || (self.kind == RolloutKind::Publish && step == 0) {
            Ok(())
        } else {
            Err(StateError::UnknownStep { step, steps })
        }
    }

    fn set_group(&mut self, group: usize, status: RegionStatus) -> Result<(), StateError> {
        let names = self.group(group)?.regions.clone();
        for name in names {
            self.regions.insert(name, status);
        }
        Ok(())
    }

    /// The slot that serves the new version in `region`: the idle one, blue on a first
    /// publication, the serving one for a carried region.
    pub fn new_slot(&self, region: &str) -> Slot {
        match self.prior.get(region).and_then(|p| p.serving.as_ref()) {
            Some(serving) if self.carried.contains(region) => serving.slot,
            Some(serving) => serving.slot.other(),
            None => Slot::Blue,
        }
    }

    /// What a rollback returns `region` to: what it served before the rollout, or for a
    /// carried region the version its idle slot holds (`None` when that is not known).
    pub fn restored(&self, region: &str) -> Option<Serving> {
        let serving = self.prior.get(region)?.serving.as_ref()?;
        if !self.carried.contains(region) {
            return Some(serving.clone());
        }
        let idle = serving.idle.as_ref()?;
        Some(Serving {
            slot: serving.slot.other(),
            version: idle.version.clone(),
            target: idle.target.clone(),
            idle: None,
        })
    }

    /// The exact weights a rollback writes for `region`: its prior weights, or for a carried
    /// region everything on its idle slot (`None`: a carried region with nothing to return to).
    pub fn rollback_weights(&self, region: &str) -> Option<Weights> {
        if self.carried.contains(region) {
            return self.restored(region).map(|s| Weights::split(s.slot, 100));
        }
        self.prior.get(region).map(|p| p.weights)
    }

    /// What `region`'s idle slot holds at weight 0 as this rollout leaves it: the version it
    /// served before once promoted, the rollout's version once rolled back; `None` while both
    /// slots carry weight or when it is not known. The next rollout records it in its prior.
    pub fn idle(&self, region: &str) -> Option<Idle> {
        let prior = self.prior.get(region)?.serving.as_ref();
        match self.regions.get(region)? {
            RegionStatus::Promoted if self.carried.contains(region) => prior?.idle.clone(),
            RegionStatus::Promoted => prior.map(|s| Idle {
                version: s.version.clone(),
                target: s.target.clone(),
            }),
            RegionStatus::RolledBack => Some(Idle {
                version: self.spec.version.clone(),
                target: self
                    .spec
                    .regions
                    .iter()
                    .find(|r| r.name == region)
                    .map(|r| r.target.clone()),
            }),
            RegionStatus::Pending | RegionStatus::Prepared => prior?.idle.clone(),
            RegionStatus::Shifting { .. } | RegionStatus::Baking | RegionStatus::Halted { .. } => None,
        }
    }

    /// Regions whose traffic the rollout has touched and which are not rolled back yet
    /// (carried regions are not the rollout's to touch).
    pub fn touched_regions(&self) -> BTreeSet<String> {
        self.regions
            .iter()
            .filter(|(name, _)| !self.carried.contains(*name))
            .filter(|(_, s)| !matches!(s, RegionStatus::Pending | RegionStatus::RolledBack))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Each region as it is: status, active slot and the version it serves fully.
    pub fn region_outcomes(&self) -> BTreeMap<String, RegionOutcome> {
        self.regions
            .iter()
            .map(|(name, status)| {
                let prior = self.prior.get(name).and_then(|p| p.serving.clone());
                let serving = match status {
                    RegionStatus::Promoted => Some(Serving {
                        slot: self.new_slot(name),
                        version: self.spec.version.clone(),
                        target: self
                            .spec
                            .regions
                            .iter()
                            .find(|r| r.name == *name)
                            .map(|r| r.target.clone()),
                        idle: None,
                    }),
                    RegionStatus::Pending | RegionStatus::Prepared => prior.clone(),
                    RegionStatus::RolledBack => self.restored(name),
                    // Mid-shift the region serves two versions; its slot of record is still the old one.
                    RegionStatus::Shifting { .. } | RegionStatus::Baking | RegionStatus::Halted { .. } => None,
                };
                let outcome = match serving {
                    Some(serving) => RegionOutcome {
                        status: *status,
                        active_slot: Some(serving.slot),
                        version: Some(serving.version),
                        target: serving.target,
                    },
                    None => RegionOutcome {
                        status: *status,
                        active_slot: prior.map(|s| s.slot),
                        version: None,
                        target: None,
                    },
                };
                (name.clone(), outcome)
            })
            .collect()
    }

    /// The exact weights the journal says `region` carries: its prior weights until it moves,
    /// what the rollback wrote after one, the step's split while it shifts or is halted, everything on the
    /// new slot once it bakes or is promoted. For a finished rollout these are the weights it
    /// left behind, which is what drift outside the engine is measured against. `None` for a
    /// region the rollout does not have.
    pub fn region_weights(&self, region: &str) -> Option<Weights> {
        let status = self.regions.get(region)?;
        let new = self.new_slot(region);
        let prior = self
            .prior
            .get(region)
            .map_or(Weights { blue: 0, green: 0 }, |p| p.weights);
        Some(match *status {
            RegionStatus::Pending | RegionStatus::Prepared => prior,
            RegionStatus::RolledBack => self.rollback_weights(region).unwrap_or(prior),
            RegionStatus::Shifting { percent } | RegionStatus::Halted { percent } => Weights::split(new, percent),
            RegionStatus::Baking | RegionStatus::Promoted => Weights::split(new, 100),
        })
    }

    /// The version the whole deployment serves: the new one once every region is promoted,
    /// else the one every region served before (`version` in state stays put until the
    /// rollout is complete, so the next plan proposes it again). `None` when regions differ or
    /// were never published.
    pub fn serving_version(&self) -> Option<String> {
        if self.regions.values().all(|s| *s == RegionStatus::Promoted) {
            return Some(self.spec.version.clone());
        }
        // A rolled-back region serves what the rollback returned it to.
        let mut before = self.prior.iter().map(|(name, p)| match self.regions.get(name) {
            Some(RegionStatus::RolledBack) => self.restored(name).map(|s| s.version),
            _ => p.serving.as_ref().map(|s| s.version.clone()),
        });
        let first = before.next()??;
        before.all(|v| v.as_ref() == Some(&first)).then_some(first)
    }

    /// The outcome, once the rollout has one.
    pub fn outcome(&self) -> Option<Outcome> {
        Some(Outcome {
            deployment: self.spec.name.clone(),
            rollout_id: self.rollout_id.clone(),
            status: self.status?,
            target_version: self.spec.version.clone(),
            serving_version: self.serving_version(),
            regions: self.region_outcomes(),
            failure: self.failure.clone(),
            rollback_reason: self.rollback_reason.clone(),
        })
    }
}
