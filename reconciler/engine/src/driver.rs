//! The async driver: performs the [`Rollout`] state machine's actions through the ports.
//!
//! It owns the lease (acquired before anything is read, renewed by a [`heartbeat`] that runs
//! beside every action, released at the end), the fencing of every append and traffic write by
//! the [`LeaseGuard`], and cancellation: `stop` resolving, or the heartbeat finding the lease
//! taken over, drops the work in flight at whatever await it is in. That is safe because the journal is ahead of the traffic layer
//! (a step is durable before its single atomic weight change) and every action can be
//! repeated, so the journal always describes a state `resume` can continue from.
//! The samples of one tick are taken concurrently and reported in request order, so a slow
//! region costs the tick its own probe time only and the core stays deterministic. The core
//! runs on the monotonic clock, so a wall-clock jump neither shortens nor stretches a hold.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;

use crate::error::EngineError;
use crate::heartbeat::{under_lease, LeaseGuard, Released};
use crate::journal::entry::{Entry, Intent};
use crate::journal::error::JournalError;
use crate::journal::lease::{Fence, Holder, WRITE_DEADLINE};
use crate::journal::replay;
use crate::model::{DeploymentSpec, Prior, RegionSpec, Serving, Weights};
use crate::outcome::Outcome;
use crate::ports::{
    requested_rollback_reason, Approvals, Clock, JournalStore, Probe, Progress, RollbackRequest, Traffic,
};
use crate::rollout::{Action, RollbackError, Rollout, REQUEST_POLL_MS};
use crate::schedule::{carried_regions, validate, RolloutKind};

/// The ports a rollout runs through.
#[derive(Clone, Copy)]
pub struct Ports<'a> {
    /// Weighted traffic.
    pub traffic: &'a dyn Traffic,
    /// Gate samples.
    pub probe: &'a dyn Probe,
    /// Time.
    pub clock: &'a dyn Clock,
    /// The journal and lease.
    pub journal: &'a dyn JournalStore,
    /// Wave approvals.
    pub approvals: &'a dyn Approvals,
    /// Progress reporting.
    pub progress: &'a dyn Progress,
}

/// Runs rollouts as `holder`.
pub struct Driver<'a> {
    ports: Ports<'a>,
    holder: Holder,
}

/// The guard of the lease a piece of driver work runs under.
type Guard<'a> = Arc<LeaseGuard<'a>>;

impl<'a> Driver<'a> {
    /// A driver whose leases are held as `holder` ([`Holder::this_process`] outside tests).
    pub fn new(ports: Ports<'a>, holder: Holder) -> Self {
        Self { ports, holder }
    }

    /// Rolls `spec` out. `current` is what each region serves now (absent: never published),
    /// with what its idle slot holds when known; regions that serve must be settled (all weight
    /// on their serving slot). Regions that already serve `spec` (version and target) are
    /// carried: left as they are unless `rollback_all` returns them to their idle slot. Returns the
    /// outcome, including a failed gate; errors leave a resumable journal.
    pub async fn start(
        &self,
        spec: &DeploymentSpec,
        current: &BTreeMap<String, Serving>,
        stop: impl Future<Output = ()>,
    ) -> Result<Outcome, EngineError> {
        let errors = validate(spec);
        if !errors.is_empty() {
            return Err(EngineError::InvalidSpec(errors));
        }
        self.with_lease(&spec.name, stop, |guard| async move {
            let entries = self.ports.journal.load(&spec.name).await?;
            if let Some(state) = replay(&entries).map_err(|source| EngineError::Replay {
                deployment: spec.name.clone(),
                source,
            })? {
                if state.status.is_none() {
                    return Err(EngineError::Unfinished {
                        deployment: spec.name.clone(),
                        rollout_id: state.rollout_id,
                    });
                }
            }
            let prior = self.prior(spec, current).await?;
            let now = self.ports.clock.now_millis();
            let intent = Intent {
                rollout_id: format!("{}@{now}", spec.version),
                started_at: now,
                spec: spec.clone(),
                prior,
            };
            let entry = Entry::Intent(intent.clone());
            self.append(&guard, &entry).await?;
            let state = crate::state::RolloutState::from_intent(&intent);
            self.ports.progress.entry(&entry, &state);
            let rollout = Rollout::new(state, self.ports.clock.monotonic_millis());
            self.drive(rollout, &guard).await
        })
        .await
    }

    /// Continues the latest rollout of `deployment` from its journal alone (returns its
    /// outcome directly when it has finished).
    pub async fn resume(&self, deployment: &str, stop: impl Future<Output = ()>) -> Result<Outcome, EngineError> {
        self.with_lease(deployment, stop, |guard| async move {
            let rollout = self.replayed(deployment).await?;
            self.drive(rollout, &guard).await
        })
        .await
    }

    /// Returns every region the latest rollout of `deployment` touched to its exact prior
    /// weights, whether that rollout is running, finished or died. A rollout that another
    /// process drives (it holds the lease) is asked to roll back through [`Approvals`] and
    /// carries it out itself, between its writes; this waits until that holder lets the lease
    /// go, then finishes whatever is left (nothing, when the holder saw the request).
    pub async fn rollback(
        &self,
        deployment: &str,
        reason: &str,
        stop: impl Future<Output = ()>,
    ) -> Result<Outcome, EngineError> {
        let mut stop = std::pin::pin!(stop);
        let mut asked = false;
        loop {
            let attempt = self
                .with_lease(deployment, stop.as_mut(), |guard| async move {
                    let mut rollout = self.replayed(deployment).await?;
                    rollout.request_rollback(requested_rollback_reason(&self.holder.to_string(), reason))?;
                    self.drive(rollout, &guard).await
                })
                .await;
            let holder = match attempt {
                Err(EngineError::Journal(JournalError::LeaseHeld { holder, .. })) => holder,
                other => return other,
            };
            if !asked {
                self.ask_to_roll_back(deployment, reason).await?;
                self.ports.progress.waiting(
                    deployment,
                    &format!("{holder} is rolling it out: asked it to roll back; waiting for it to let go"),
                );
                asked = true;
            }
            tokio::select! {
                () = self.ports.clock.sleep(Duration::from_millis(REQUEST_POLL_MS)) => {}
                () = stop.as_mut() => return Err(self.stopped(deployment).await),
            }
        }
    }

    /// Records a rollback request for the latest rollout of `deployment`, for its holder.
    async fn ask_to_roll_back(&self, deployment: &str, reason: &str) -> Result<(), EngineError> {
        let rollout = self.replayed(deployment).await?;
        let state = rollout.state();
        if state.kind == RolloutKind::Publish {
            return Err(RollbackError::FirstPublication {
                rollout_id: state.rollout_id.clone(),
            }
            .into());
        }
        let request = RollbackRequest {
            rollout_id: state.rollout_id.clone(),
            by: self.holder.to_string(),
            reason: reason.to_owned(),
        };
        Ok(self.ports.approvals.request_rollback(deployment, &request).await?)
    }

    async fn replayed(&self, deployment: &str) -> Result<Rollout, EngineError> {
        let entries = self.ports.journal.load(deployment).await?;
        let state = replay(&entries)
            .map_err(|source| EngineError::Replay {
                deployment: deployment.to_owned(),
                source,
            })?
            .ok_or_else(|| EngineError::NoRollout {
                deployment: deployment.to_owned(),
            })?;
        Ok(Rollout::new(state, self.ports.clock.monotonic_millis()))
    }

    /// What each region serves and its exact weights now. Regions absent from `current` are
    /// published for the first time, which can go together only with regions that already
    /// serve `spec` (adding regions to a live deployment): a rollout either publishes or shifts.
    async fn prior(
        &self,
        spec: &DeploymentSpec,
        current: &BTreeMap<String, Serving>,
    ) -> Result<BTreeMap<String, Prior>, EngineError> {
        let unpublished = Prior {
            serving: None,
            weights: Weights { blue: 0, green: 0 },
        };
        let (published, new): (Vec<&RegionSpec>, Vec<&RegionSpec>) =
            spec.regions.iter().partition(|r| current.contains_key(&r.name));
        if published.is_empty() {
            return Ok(new.iter().map(|r| (r.name.clone(), unpublished.clone())).collect());
        }
        if !new.is_empty() {
            let served = current
                .iter()
                .filter_map(|(name, s)| Some((name.clone(), s.served()?)))
                .collect();
            let carried = carried_regions(spec, &served);
            if published.iter().any(|r| !carried.contains(&r.name)) {
                return Err(EngineError::MixedPublication {
                    new: new.iter().map(|r| r.name.clone()).collect(),
                });
            }
        }
        let published: Vec<RegionSpec> = published.into_iter().cloned().collect();
        let read = self
            .ports
            .traffic
            .weights(&published)
            .await
            .map_err(EngineError::Traffic)?;
        let mut prior: BTreeMap<String, Prior> = new.iter().map(|r| (r.name.clone(), unpublished.clone())).collect();
        for region in &published {
            let serving = current[&region.name].clone();
            let w = *read.get(&region.name).ok_or_else(|| EngineError::MissingWeights {
                region: region.name.clone(),
            })?;
            if w.of(serving.slot) == 0 || w.of(serving.slot.other()) != 0 {
                return Err(EngineError::Unsettled {
                    region: region.name.clone(),
                    slot: serving.slot.as_str(),
                    blue: w.blue,
                    green: w.green,
                });
            }
            prior.insert(
                region.name.clone(),
                Prior {
                    serving: Some(serving),
                    weights: w,
                },
            );
        }
        Ok(prior)
    }

    /// Runs `work` under the lease of `deployment`, with the heartbeat renewing it beside
    /// whatever `work` does, until `work` ends, `stop` resolves or the lease is found taken over.
    async fn with_lease<F, Fut>(
        &self,
        deployment: &str,
        stop: impl Future<Output = ()>,
        work: F,
    ) -> Result<Outcome, EngineError>
    where
        F: FnOnce(Guard<'a>) -> Fut,
        Fut: Future<Output = Result<Outcome, EngineError>>,
    {
        let Ports { clock, journal, .. } = self.ports;
        let Released { output, release } = under_lease(journal, clock, &self.holder, deployment, |guard| async move {
            tokio::select! {
                biased;
                result = work(guard) => Some(result),
                () = stop => None,
            }
        })
        .await?;
        let result = match output {
            Some(result) => result,
            None => Err(self.stopped(deployment).await),
        };
        match release {
            Err(err) if result.is_ok() => Err(err.into()),
            // The rollout's own error says more; an unreleased lease expires.
            Err(err) => {
                tracing::warn!(deployment, error = %err, "cannot release the lease");
                result
            }
            Ok(()) => result,
        }
    }

    /// Why the work stopped: `Stopped` naming the rollout, or why its journal cannot say which.
    async fn stopped(&self, deployment: &str) -> EngineError {
        let rollout = match self.ports.journal.load(deployment).await {
            Ok(entries) => replay(&entries).map_err(|source| EngineError::Replay {
                deployment: deployment.to_owned(),
                source,
            }),
            Err(err) => Err(err.into()),
        };
        match rollout {
            Ok(rollout) => EngineError::Stopped {
                deployment: deployment.to_owned(),
                rollout_id: rollout.map(|s| s.rollout_id).unwrap_or_default(),
            },
            Err(err) => err,
        }
    }

    /// Appends `entry` under `guard`'s lease, while it lasts (the store checks holder and
    /// generation).
    async fn append(&self, guard: &LeaseGuard<'_>, entry: &Entry) -> Result<(), EngineError> {
        refused(guard, Duration::ZERO)?;
        let lease = guard.lease();
        self.ports
            .journal
            .append(&lease, entry)
            .await
            .map_err(|err| guard.note(err).into())
    }

    /// Performs actions until the rollout finishes or is interrupted. Nothing is written once
    /// the lease is found lost: the error names the new holder.
    async fn drive(&self, mut rollout: Rollout, guard: &LeaseGuard<'_>) -> Result<Outcome, EngineError> {
        let Ports {
            traffic,
            probe,
            clock,
            approvals,
            progress,
            ..
        } = self.ports;
        let deployment = rollout.state().spec.name.clone();
        loop {
            if let Some(lost) = guard.lost() {
                return Err(lost.into());
            }
            let now = clock.monotonic_millis();
            match rollout.next(now) {
                Action::Persist(entry) => {
                    self.append(guard, &entry).await?;
                    rollout.persisted(clock.monotonic_millis());
                    progress.entry(&entry, rollout.state());
                }
                Action::Prepare(assignments) => {
                    let result = traffic.prepare(guard, &assignments).await;
                    if result.is_err() {
                        refused(guard, WRITE_DEADLINE)?;
                    }
                    rollout.traffic_done(result, clock.monotonic_millis());
                }
                Action::Publish(assignments) => {
                    let result = traffic.publish(guard, &assignments).await;
                    if result.is_err() {
                        refused(guard, WRITE_DEADLINE)?;
                    }
                    rollout.traffic_done(result, clock.monotonic_millis());
                }
                Action::Withdraw(regions) => {
                    let result = traffic.withdraw(guard, &regions).await;
                    if result.is_err() {
                        refused(guard, WRITE_DEADLINE)?;
                    }
                    rollout.traffic_done(result, clock.monotonic_millis());
                }
                Action::SetWeights { regions, weights } => {
                    let result = traffic.set_weights(guard, &regions, &weights).await;
                    if result.is_err() {
                        refused(guard, WRITE_DEADLINE)?;
                    }
                    rollout.traffic_done(result, clock.monotonic_millis());
                }
                Action::Sample(requests) => {
                    // Take the tick's samples together, so one slow region (a probe waiting out
                    // its timeout) does not delay the others' samples and stretch their intervals.
                    // Each is stamped when it completed but reported in request order, so the core
                    // sees the same sequence whichever probe answers first.
                    let taken = join_all(requests.iter().map(|request| async move {
                        let sample = probe.sample(&request.region, &request.gate).await;
                        (sample, clock.monotonic_millis())
                    }))
                    .await;
                    for (request, (sample, at)) in requests.iter().zip(taken) {
                        rollout.sampled(request.tracker, sample, at);
                    }
                }
                Action::CheckApproval { wave } => {
                    let by = approvals
                        .approval(&deployment, &rollout.state().rollout_id, &wave)
                        .await?;
                    rollout.approval(by, clock.monotonic_millis());
                }
                Action::CheckRollbackRequest => {
                    let request = approvals
                        .rollback_request(&deployment, &rollout.state().rollout_id)
                        .await?;
                    rollout.rollback_request(request, clock.monotonic_millis());
                }
                Action::Wait { until } => clock.sleep(Duration::from_millis(until.saturating_sub(now))).await,
                Action::Interrupted(error) => return Err(EngineError::Traffic(error)),
                Action::Finished(outcome) => return Ok(outcome),
            }
        }
    }
}

/// Whether `guard` refuses a write that may take `deadline`: the lease taken over (the error
/// names the new holder) or too close to its end. A failed write is checked this way too, so
/// a refusal ends the rollout instead of being retried.
fn refused(guard: &LeaseGuard<'_>, deadline: Duration) -> Result<(), EngineError> {
    if let Some(lost) = guard.lost() {
        return Err(lost.into());
    }
    guard.permit(deadline).map_err(EngineError::Fenced)
}
