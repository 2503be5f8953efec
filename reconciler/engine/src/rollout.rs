//! The rollout state machine: pure, synchronous, no I/O.
//!
//! [`Rollout::next`] says what to do next ([`Action`]); the driver does it through the ports
//! and reports back ([`Rollout::persisted`], [`Rollout::traffic_done`], [`Rollout::sampled`],
//! [`Rollout::approval`], [`Rollout::rollback_request`]). Time is an input (`now`, virtual milliseconds), so the simulation
//! can run thousands of rollouts deterministically. Effects are queued in order and each one
//! is retired only when reported done: an entry is durable before the weights it announces
//! are written, and nothing is applied twice by the engine itself.
//!
//! A first publication writes nothing before its gates pass: its regions' gates are evaluated
//! first (they probe the region's endpoints, not DNS), then one atomic change creates each slot
//! with all of the region's weight ([`Action::Publish`]), so a never-published name is never
//! left with a lone weight-0 set that Route 53 would answer. A publication that fails removes
//! whatever set its regions may have ([`Action::Withdraw`]).
//!
//! A shift looks for a rollback request ([`Action::CheckRollbackRequest`], every
//! [`REQUEST_POLL_MS`]) whenever it is between effects — during holds, bakes and approval waits,
//! and as soon as a write that was in flight when the request came has been reported — so a
//! `globaldeploy rollback` from another process is carried out by the lease holder itself and
//! never races its writes.

use std::collections::{BTreeMap, VecDeque};

use crate::gate::{label, GateTracker, Verdict};
use crate::journal::entry::{Entry, GateVerdict};
use crate::model::{GateSpec, OnFailure, RegionSpec, Weights};
use crate::outcome::{FailedDuring, GateFailure, Outcome, RolloutStatus};
use crate::ports::{millis, RollbackRequest, Sample, SlotAssignment, TrafficError};
use crate::schedule::RolloutKind;
use crate::state::{Position, RolloutState};

/// How many times one traffic call is tried before the rollout is interrupted (resumable).
const TRAFFIC_ATTEMPTS: u32 = 5;
/// First retry delay of a failed traffic call; doubles per attempt.
const TRAFFIC_BACKOFF_MS: u64 = 200;
/// How often a pending approval is looked up.
pub const APPROVAL_POLL_MS: u64 = 5_000;
/// How often a running shift looks for a rollback request.
pub const REQUEST_POLL_MS: u64 = 1_000;

/// What the driver must do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Append this entry durably, then call [`Rollout::persisted`].
    Persist(Entry),
    /// Write these targets into their slots at weight 0, then [`Rollout::traffic_done`].
    Prepare(Vec<SlotAssignment>),
    /// Publish these regions for the first time (each slot at full weight), then
    /// [`Rollout::traffic_done`].
    Publish(Vec<SlotAssignment>),
    /// Remove every slot set of these never-published regions, then [`Rollout::traffic_done`].
    Withdraw(Vec<RegionSpec>),
    /// Write these weights in one atomic change, then [`Rollout::traffic_done`].
    SetWeights {
        /// The regions.
        regions: Vec<RegionSpec>,
        /// Their weights, by region.
        weights: BTreeMap<String, Weights>,
    },
    /// Take these samples, reporting each with [`Rollout::sampled`].
    Sample(Vec<SampleRequest>),
    /// Look up the approval of `wave`, then call [`Rollout::approval`].
    CheckApproval {
        /// Wave name.
        wave: String,
    },
    /// Look up a rollback request for this rollout, then call [`Rollout::rollback_request`].
    CheckRollbackRequest,
    /// Nothing to do before `until` (virtual milliseconds).
    Wait {
        /// When to call [`Rollout::next`] again.
        until: u64,
    },
    /// The traffic layer failed for good; the journal is consistent and the rollout resumable.
    Interrupted(TrafficError),
    /// The rollout is over.
    Finished(Outcome),
}

/// One sample to take.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRequest {
    /// Which gate tracker it feeds (pass back to [`Rollout::sampled`]).
    pub tracker: usize,
    /// The region.
    pub region: RegionSpec,
    /// The gate.
    pub gate: GateSpec,
}

/// A requested rollback that cannot be done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RollbackError {
    /// A first publication has no earlier version to return to.
    #[error("rollout {rollout_id} is a first publication: there is no earlier version to roll back to")]
    FirstPublication {
        /// The rollout.
        rollout_id: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Effect {
    // Boxed: entries (an intent carries the whole spec) dwarf the other effects.
    Persist(Box<Entry>),
    Prepare(Vec<SlotAssignment>),
    Publish(Vec<SlotAssignment>),
    Withdraw(Vec<RegionSpec>),
    SetWeights(BTreeMap<String, Weights>),
}

/// One rollout in progress.
#[derive(Debug)]
pub struct Rollout {
    state: RolloutState,
    queue: VecDeque<Effect>,
    trackers: Vec<GateTracker>,
    stage_started: u64,
    attempts: u32,
    retry_at: u64,
    approval_check_at: u64,
    request_check_at: u64,
    interrupted: Option<TrafficError>,
}

impl Rollout {
    /// Continues from a durable state (just after the intent, or replayed from a journal).
    /// An unfinished step or rollback is re-applied first: its entry is durable, but whether
    /// its weights were written is unknown, and writing the same weights again is harmless.
    pub fn new(state: RolloutState, now: u64) -> Self {
        let mut rollout = Rollout {
            state,
            queue: VecDeque::new(),
            trackers: Vec::new(),
            stage_started: now,
            attempts: 0,
            retry_at: 0,
            approval_check_at: now,
            request_check_at: now,
            interrupted: None,
        };
        if let (Some(failure), None) = (rollout.state.failure.clone(), rollout.state.status) {
            if !matches!(rollout.state.position, Position::RollingBack { .. } | Position::Done) {
                rollout.apply_failure_policy(&failure);
                return rollout;
            }
        }
        match (rollout.state.position.clone(), rollout.state.kind) {
            (Position::Preparing { group }, RolloutKind::Shift) => {
                let prepare = rollout.assignments(group);
                rollout.queue.push_back(Effect::Prepare(prepare));
            }
            // Nothing is written before a publication's gates pass: evaluate them afresh.
            (Position::Preparing { group }, RolloutKind::Publish) => rollout.start_stage(group, now),
            (Position::Step { group, step }, RolloutKind::Shift) => {
                let weights = rollout.step_weights(group, step);
                rollout.queue.push_back(Effect::SetWeights(weights));
            }
            (Position::Step { group, .. }, RolloutKind::Publish) => {
                let publish = rollout.assignments(group);
                rollout.queue.push_back(Effect::Publish(publish));
            }
            (Position::RollingBack { weights }, _) if !weights.is_empty() => {
                rollout.queue.push_back(Effect::SetWeights(weights))
            }
            (Position::Passed { group, .. }, _) if rollout.baking() => rollout.start_stage(group, now),
            (
                Position::Before { .. }
                | Position::AwaitingApproval { .. }
                | Position::Passed { .. }
                | Position::RollingBack { .. }
                | Position::Done,
                _,
            ) => {}
        }
        rollout
    }

    /// The durable state (equal to the replay of everything persisted so far).
    pub fn state(&self) -> &RolloutState {
        &self.state
    }

    /// The next action at `now`.
    pub fn next(&mut self, now: u64) -> Action {
        loop {
            if let Some(error) = &self.interrupted {
                return Action::Interrupted(error.clone());
            }
            if let Some(effect) = self.queue.front() {
                if self.retry_at > now {
                    return Action::Wait { until: self.retry_at };
                }
                return self.to_action(effect);
            }
            if let Some(outcome) = self.state.outcome() {
                return Action::Finished(outcome);
            }
            let takes_requests = self.takes_requests();
            if takes_requests && now >= self.request_check_at {
                return Action::CheckRollbackRequest;
            }
            match self.advance(now) {
                Some(Action::Wait { until }) if takes_requests => {
                    return Action::Wait {
                        until: until.min(self.request_check_at),
                    }
                }
                Some(action) => return action,
                None => {}
            }
        }
    }

    /// Whether a rollback request is looked for now: while a shift runs and is not already
    /// going back (a first publication has no earlier version to return to).
    fn takes_requests(&self) -> bool {
        self.state.kind == RolloutKind::Shift
            && self.state.status.is_none()
            && !matches!(self.state.position, Position::RollingBack { .. } | Position::Done)
    }

    /// The entry of the last [`Action::Persist`] is durable.
    pub fn persisted(&mut self, now: u64) {
        let Some(Effect::Persist(entry)) = self.queue.pop_front() else {
            return;
        };
        // An entry that does not fit would equally fail replay; the state is left as the
        // journal before it, and the next action re-derives from there.
        if self.state.apply(&entry).is_ok() {
            match (&*entry, self.state.kind) {
                (Entry::GatesPassed { group, .. }, _) if self.baking() => self.start_stage(*group, now),
                // A publication's gates are evaluated before anything is written.
                (Entry::GroupStarted { group, .. }, RolloutKind::Publish) => self.start_stage(*group, now),
                _ => {}
            }
        }
    }

    /// The last [`Action::Prepare`] or [`Action::SetWeights`] returned `result`.
    pub fn traffic_done(&mut self, result: Result<(), TrafficError>, now: u64) {
        match result {
            Ok(()) => {
                self.attempts = 0;
                self.retry_at = 0;
                let done = self.queue.pop_front();
                if let (Position::Step { group, .. }, RolloutKind::Shift, Some(Effect::SetWeights(_))) =
                    (&self.state.position, self.state.kind, done)
                {
                    let group = *group;
                    self.start_stage(group, now);
                }
            }
            Err(error) if error.retryable && self.attempts + 1 < TRAFFIC_ATTEMPTS => {
                self.retry_at = now + (TRAFFIC_BACKOFF_MS << self.attempts);
                self.attempts += 1;
            }
            Err(error) => self.interrupted = Some(error),
        }
    }

    /// Tracker `tracker` took `sample` at `now`. Reports after a gate failure are ignored.
    pub fn sampled(&mut self, tracker: usize, sample: Sample, now: u64) {
        let Some(t) = self.trackers.get_mut(tracker) else {
            return;
        };
        t.record(sample, now);
        if t.tripped() {
            self.fail(tracker);
        }
    }

    /// The approval lookup for the awaited wave returned `by` (`None`: not yet).
    pub fn approval(&mut self, by: Option<String>, now: u64) {
        let Position::AwaitingApproval { group } = self.state.position else {
            return;
        };
        match by {
            Some(by) => {
                let wave = self.wave_name(group);
                self.persist(Entry::Approved { wave, by });
            }
            None => self.approval_check_at = now + APPROVAL_POLL_MS,
        }
    }

    /// The rollback request lookup returned `request` (`None`: there is none yet).
    pub fn rollback_request(&mut self, request: Option<RollbackRequest>, now: u64) {
        match request {
            Some(request) if self.takes_requests() => {
                // A shift always has an earlier version to return to.
                let _ = self.request_rollback(request.journaled_reason());
            }
            Some(_) => {}
            None => self.request_check_at = now + REQUEST_POLL_MS,
        }
    }

    /// Returns every touched region to its exact prior weights (`globaldeploy rollback`);
    /// also after success, since the old slots are kept at weight 0 for exactly this. A
    /// finished rollout none of whose regions serves its version any more is left as it is,
    /// so asking twice journals one rollback.
    pub fn request_rollback(&mut self, reason: String) -> Result<(), RollbackError> {
        if self.state.kind == RolloutKind::Publish {
            return Err(RollbackError::FirstPublication {
                rollout_id: self.state.rollout_id.clone(),
            });
        }
        let regions: Vec<String> = self.state.touched_regions().into_iter().collect();
        if regions.is_empty() && self.state.status.is_some() {
            return Ok(());
        }
        self.queue.clear();
        self.trackers.clear();
        self.roll_back(&regions, reason);
        Ok(())
    }

    fn to_action(&self, effect: &Effect) -> Action {
        match effect {
            Effect::Persist(entry) => Action::Persist((**entry).clone()),
            Effect::Prepare(assignments) => Action::Prepare(assignments.clone()),
            Effect::Publish(assignments) => Action::Publish(assignments.clone()),
            Effect::Withdraw(regions) => Action::Withdraw(regions.clone()),
            Effect::SetWeights(weights) => Action::SetWeights {
                regions: weights.keys().filter_map(|name| self.region(name).cloned()).collect(),
                weights: weights.clone(),
            },
        }
    }

    /// Queues the next effects for the current position, or returns what to wait for.
    fn advance(&mut self, now: u64) -> Option<Action> {
        let steps = self.state.spec.strategy.steps.len();
        match self.state.position.clone() {
            Position::Before { group } if group == self.state.groups.len() => {
                self.persist(Entry::Outcome {
                    status: RolloutStatus::Succeeded,
                });
            }
            Position::Before { group } => {
                let g = &self.state.groups[group];
                let wave = &self.state.spec.waves[g.wave];
                if g.first_of_wave && wave.require_approval && !self.state.approvals.contains_key(&wave.name) {
                    let wave = wave.name.clone();
                    self.approval_check_at = now;
                    self.persist(Entry::AwaitingApproval { wave });
                } else {
                    let wave = wave.name.clone();
                    self.persist(Entry::GroupStarted { group, wave });
                    if self.state.kind == RolloutKind::Shift {
                        let prepare = self.assignments(group);
                        self.queue.push_back(Effect::Prepare(prepare));
                    }
                }
            }
            Position::AwaitingApproval { group } => {
                if now < self.approval_check_at {
                    return Some(Action::Wait {
                        until: self.approval_check_at,
                    });
                }
                return Some(Action::CheckApproval {
                    wave: self.wave_name(group),
                });
            }
            Position::Preparing { group } => match self.state.kind {
                RolloutKind::Shift => self.step(group, 0),
                // A first publication: one passing evaluation of every gate, then publish.
                RolloutKind::Publish => return self.hold(now, now, group, 0),
            },
            Position::Step { group, step } => match self.state.kind {
                RolloutKind::Shift => {
                    let end = self.stage_started + millis(self.state.spec.strategy.step_interval);
                    return self.hold(now, end, group, step);
                }
                RolloutKind::Publish => self.persist(Entry::Promoted { group }),
            },
            Position::Passed { group, step } => match self.state.kind {
                RolloutKind::Shift if step + 1 < steps => self.step(group, step + 1),
                RolloutKind::Shift => {
                    let bake = self.state.spec.waves[self.state.groups[group].wave].bake_time;
                    let end = self.stage_started + millis(bake);
                    // Without a bake there is nothing to observe beyond the passed last step.
                    if bake.is_zero() || (now >= end && self.all_pass()) {
                        self.trackers.clear();
                        self.persist(Entry::Promoted { group });
                    } else {
                        return Some(self.sample_or_wait(now, end));
                    }
                }
                RolloutKind::Publish => self.step(group, 0),
            },
            Position::RollingBack { .. } => self.persist(Entry::Outcome {
                status: RolloutStatus::RolledBack,
            }),
            Position::Done => {}
        }
        None
    }

    /// Holds until `end` and every gate passes, then records the passing verdicts.
    fn hold(&mut self, now: u64, end: u64, group: usize, step: usize) -> Option<Action> {
        if now >= end && self.all_pass() {
            let verdicts = self
                .trackers
                .iter()
                .map(|t| GateVerdict {
                    region: t.region.clone(),
                    gate: t.label.clone(),
                    measured: t.measured(),
                })
                .collect();
            self.trackers.clear();
            self.persist(Entry::GatesPassed { group, step, verdicts });
            return None;
        }
        Some(self.sample_or_wait(now, end))
    }

    fn sample_or_wait(&self, now: u64, end: u64) -> Action {
        let due: Vec<SampleRequest> = self
            .trackers
            .iter()
            .enumerate()
            .filter(|(_, t)| t.next_due <= now)
            .filter_map(|(tracker, t)| {
                Some(SampleRequest {
                    tracker,
                    region: self.region(&t.region)?.clone(),
                    gate: t.gate.clone(),
                })
            })
            .collect();
        if !due.is_empty() {
            return Action::Sample(due);
        }
        let next_sample = self.trackers.iter().map(|t| t.next_due).min();
        let until = match next_sample {
            Some(due) if now >= end => due,
            Some(due) => due.min(end),
            None => end,
        };
        Action::Wait {
            until: until.max(now + 1),
        }
    }

    fn all_pass(&self) -> bool {
        self.trackers.iter().all(|t| t.verdict() == Verdict::Pass)
    }

    fn baking(&self) -> bool {
        matches!(self.state.position, Position::Passed { step, .. }
            if self.state.kind == RolloutKind::Shift && step + 1 == self.state.spec.strategy.steps.len())
    }

    /// Journals step `step` of `group`, then writes its weights (a publication: creates its
    /// slots at those weights).
    fn step(&mut self, group: usize, step: usize) {
        let percent = self.percent(step);
        let weights = self.step_weights(group, step);
        self.persist(Entry::Step {
            group,
            step,
            percent,
            weights: weights.clone(),
        });
        let effect = match self.state.kind {
            RolloutKind::Shift => Effect::SetWeights(weights),
            RolloutKind::Publish => Effect::Publish(self.assignments(group)),
        };
        self.queue.push_back(effect);
    }

    fn percent(&self, step: usize) -> u8 {
        match self.state.kind {
            RolloutKind::Publish => 100,
            RolloutKind::Shift => self.state.spec.strategy.steps.get(step).copied().unwrap_or(100),
        }
    }

    fn step_weights(&self, group: usize, step: usize) -> BTreeMap<String, Weights> {
        let percent = self.percent(step);
        self.state.groups[group]
            .regions
            .iter()
            .map(|r| (r.clone(), Weights::split(self.state.new_slot(r), percent)))
            .collect()
    }

    fn assignments(&self, group: usize) -> Vec<SlotAssignment> {
        self.state.groups[group]
            .regions
            .iter()
            .filter_map(|name| {
                let region = self.region(name)?.clone();
                Some(SlotAssignment {
                    slot: self.state.new_slot(name),
                    target: region.target.clone(),
                    version: self.state.spec.version.clone(),
                    region,
                })
            })
            .collect()
    }

    /// Fresh gate windows for every region of `group`: deployment gates, then the wave's.
    fn start_stage(&mut self, group: usize, now: u64) {
        self.stage_started = now;
        let spec = &self.state.spec;
        let g = &self.state.groups[group];
        let wave = &spec.waves[g.wave];
        let scoped: Vec<(String, &GateSpec)> = spec
            .gates
            .iter()
            .enumerate()
            .map(|(i, gate)| (label("deployment", i, gate), gate))
            .chain(
                wave.gates
                    .iter()
                    .enumerate()
                    .map(|(i, gate)| (label(&format!("wave {:?}", wave.name), i, gate), gate)),
            )
            .collect();
        self.trackers = g
            .regions
            .iter()
            .flat_map(|region| {
                scoped
                    .iter()
                    .map(move |(name, gate)| GateTracker::new(region.clone(), (*gate).clone(), name.clone(), now))
            })
            .collect();
    }

    /// Tracker `index` tripped: journal the failure and apply `on_failure`.
    fn fail(&mut self, index: usize) {
        let tracker = &self.trackers[index];
        let group = self.state.current_group();
        let (during, step_percent) = match (&self.state.position, self.state.kind) {
            (Position::Preparing { .. }, _) => (FailedDuring::Publish, 0),
            (Position::Step { step, .. }, _) => (FailedDuring::Step, self.percent(*step)),
            _ => (FailedDuring::Bake, 100),
        };
        let failure = GateFailure {
            wave: self.wave_name(group),
            region: tracker.region.clone(),
            step_percent,
            during,
            gate: tracker.label.clone(),
            measured: tracker.measured(),
        };
        self.trackers.clear();
        self.persist(Entry::GateFailed(failure.clone()));
        self.apply_failure_policy(&failure);
    }

    /// `on_failure` for `failure` of the current group. Derived from the durable state alone,
    /// so a rollout that died between its `GateFailed` entry and the policy's first entry gets
    /// the same policy on resume.
    fn apply_failure_policy(&mut self, failure: &GateFailure) {
        let reason = failure.to_string();
        let group = self.state.current_group();
        let policy = self.state.spec.strategy.on_failure;
        match (self.state.kind, policy) {
            // The failing group's gates did not pass, so none of it may serve: whatever set its
            // regions have (a process of an earlier version prepared slots before the gates,
            // a crash left one behind) goes, whatever the policy. A first publication has no
            // earlier version to return to, and groups already published passed their gates.
            (RolloutKind::Publish, _) => {
                let regions = self.state.groups[group]
                    .regions
                    .iter()
                    .filter_map(|name| self.region(name).cloned())
                    .collect();
                self.queue.push_back(Effect::Withdraw(regions));
                let status = match policy {
                    OnFailure::Halt => RolloutStatus::Halted,
                    OnFailure::RollbackRegion | OnFailure::RollbackAll => RolloutStatus::RolledBack,
                };
                self.persist(Entry::Outcome { status });
            }
            (RolloutKind::Shift, OnFailure::Halt) => {
                self.persist(Entry::Outcome {
                    status: RolloutStatus::Halted,
                });
            }
            (RolloutKind::Shift, OnFailure::RollbackRegion) => {
                // The group moves as one, so its other regions are mid-shift too; they go back
                // with the failing one instead of being left stranded at a partial weight.
                let regions = self.state.groups[group].regions.clone();
                self.roll_back(&regions, reason);
            }
            (RolloutKind::Shift, OnFailure::RollbackAll) => {
                // Carried regions serve the failing version too: they return to their idle slot.
                let mut regions = self.state.touched_regions();
                regions.extend(self.state.carried.iter().cloned());
                let regions: Vec<String> = regions.into_iter().collect();
                self.roll_back(&regions, reason);
            }
        }
    }

    fn roll_back(&mut self, regions: &[String], reason: String) {
        let weights: BTreeMap<String, Weights> = regions
            .iter()
            .filter_map(|r| Some((r.clone(), self.state.rollback_weights(r)?)))
            .collect();
        // Journaled even when no region has moved yet, so the outcome says why it ended.
        self.persist(Entry::Rollback {
            weights: weights.clone(),
            reason,
        });
        if !weights.is_empty() {
            self.queue.push_back(Effect::SetWeights(weights));
        }
    }

    fn persist(&mut self, entry: Entry) {
        self.queue.push_back(Effect::Persist(Box::new(entry)));
    }

    fn region(&self, name: &str) -> Option<&RegionSpec> {
        self.state.spec.regions.iter().find(|r| r.name == name)
    }

    fn wave_name(&self, group: usize) -> String {
        let wave = self.state.groups.get(group).map_or(0, |g| g.wave);
        self.state
            .spec
            .waves
            .get(wave)
            .map(|w| w.name.clone())
            .unwrap_or_default()
    }
}
