//! Running the rollout engine for the resource, and the state a rollout leaves: the journal
//! and probes it is wired to, progress in the provider log, timeouts and Stop, the error
//! diagnostics of a failed rollout, and a state that tells the truth about what serves.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use globaldeploy_adapters::clock::WallClock;
use globaldeploy_engine::driver::{Driver, Ports};
use globaldeploy_engine::error::EngineError;
use globaldeploy_engine::outcome::{Outcome, RegionOutcome, RolloutStatus};
use globaldeploy_engine::heartbeat::{self, LeaseGuard};
use globaldeploy_engine::ports::{Clock, JournalStore, Progress};
use globaldeploy_engine::state::RolloutState;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::model::{DeploymentSpec, Serving, Slot, Target};
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::journal::lease::Holder;
use globaldeploy_engine::journal::replay;
use globaldeploy_adapters::probes::{GateProbe, HttpProbe};
use globaldeploy_adapters::traffic::Route53Traffic;
use globaldeploy_sdk::cty::Value;
use globaldeploy_sdk::framework::model::{FromValue, Model, ModelError};
use globaldeploy_sdk::AttributePath;
use globaldeploy_sdk::{Context, Diagnostic, Diagnostics};

use super::validation::json_error_diag;
use super::values::{region_names, spec_of, RegionTarget};
use super::INSYNC_TIMEOUT;
use crate::config::JournalLocation;
use crate::ProviderClient;

pub(super) fn prepare<'a>(
    ctx: &'a Context<ProviderClient>,
    planned: &Value,
    diags: &mut Diagnostics,
) -> Option<(&'a ProviderClient, DeploymentSpec)> {
    let client = ctx.client_or_report(diags)?;
    match spec_of(planned) {
        Some(Ok(spec)) => Some((client, spec)),
        Some(Err(err)) => {
            diags.push(json_error_diag(&err));
            None
        }
        None => {
            diags.error(
                "Deployment not known at apply time",
                "Some inputs of the deployment are still unknown at apply; this is a bug in the provider.",
            );
            None
        }
    }
}

/// The program name this provider's leases are held under.
const HOLDER: &str = "terraform-provider-globaldeploy";

/// Runs `work` for `deployment` holding its lease as this provider process, as a rollout
/// does, so the writes outside a rollout (drift repair, deleting slots) pass `work`'s fence and
/// never interleave with a rollout another process drives (`globaldeploy resume` or
/// `rollback`, another apply). `work` also gets the deployment's latest rollout as the journal
/// says under the lease: an unfinished one owns the weights.
pub(super) async fn under_lease<T, Fut>(
    client: &ProviderClient,
    deployment: &str,
    work: impl FnOnce(Arc<LeaseGuard<'static>>, Option<RolloutState>) -> Fut,
) -> Result<T, String>
where
    Fut: Future<Output = Result<T, String>>,
{
    let journal = &*client.journal;
    let holder = Holder::this_process(HOLDER);
    let journal_ref = &journal;
    let held = heartbeat::under_lease(journal, &WallClock, &holder, deployment, |guard| async move {
        let entries = journal_ref.load(deployment).await.map_err(|err| err.to_string())?;
        let rollout = replay(&entries).map_err(|err| err.to_string())?;
        work(guard, rollout).await
    })
    .await
    .map_err(|err| err.to_string())?;
    if let Err(err) = held.release {
        // It expires on its own; the work is done.
        tracing::warn!(deployment, error = %err, "cannot release the lease");
    }
    held.output
}

/// Whether `state` records a rollout of its deployment: a `status` is only ever set from a
/// journaled rollout (create publishes through the engine, which journals the intent before it
/// writes anything), so such a state needs a journal holding that rollout.
fn records_rollout(state: &Value) -> bool {
    state.get("status").and_then(Value::as_str).is_some()
}

/// What was written when a journal read failed.
const NOTHING_WRITTEN: &str = "Nothing was written to Route 53 or to the journal.";

/// The latest rollout of `deployment` in the journal, if any. A journal that cannot be read
/// (permissions, a corrupt line) or does not replay is an error, never "no rollout", and so is
/// a journal without a rollout when `state` records one (e.g. an apply run from another
/// directory with a relative `journal`): the caller writes nothing on an error.
pub(super) async fn journal_state(
    client: &ProviderClient,
    deployment: &str,
    state: Option<&Value>,
) -> Result<Option<RolloutState>, Diagnostic> {
    let journal = &*client.journal;
    let entries = journal.load(deployment)
        .await
        .map_err(|err| {
            Diagnostic::error(
                format!("Cannot read the rollout journal of {deployment:?}"),
                format!("{err}.\n\n{NOTHING_WRITTEN}"),
            )
        })?;
    let rollout = replay(&entries).map_err(|err| {
        Diagnostic::error(
            format!("The rollout journal of {deployment:?} does not replay"),
            format!(
                "{err}. `globaldeploy journal verify {deployment}` checks the journal line by line.\n\n{NOTHING_WRITTEN}"
            ),
        )
    })?;
    match (rollout, state.filter(|s| records_rollout(s))) {
        (None, Some(_)) => {
            let (path, exists) = journal.whereabouts(deployment);
            let found = if exists {
                "holds no rollout of it"
            } else {
                "does not exist"
            };
            let url = client.journal_location.url();
            let relative = matches!(&client.journal_location, JournalLocation::File(dir) if std::path::Path::new(dir).is_relative());
            let fix = if relative {
                format!(
                    "The provider's `journal` ({url}) is relative, read from the directory Terraform runs in: run \
                     Terraform from the directory the deployment was rolled out from, or set `journal` to the absolute \
                     location of that journal (file:///ABSOLUTE/DIR)."
                )
            } else {
                format!(
                    "Set the provider's `journal` ({url}) to the location the deployment was rolled out with (check \
                     that it is mounted)."
                )
            };
            Err(Diagnostic::error(
                format!("No rollout journal of deployment {deployment:?}"),
                format!(
                    "The state records rollouts of {deployment:?}, but its journal {} {found}. {fix}\n\n{NOTHING_WRITTEN}",
                    path,
                ),
            ))
        }
        (rollout, _) => Ok(rollout),
    }
}

/// What every region serves now: the journal's last rollout (`rollout`), else the prior state.
pub(super) fn current_serving(
    prior: &Value,
    spec: &DeploymentSpec,
    rollout: Option<&RolloutState>,
) -> BTreeMap<String, Serving> {
    let prior_version = prior
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let prior_slots: BTreeMap<String, String> = prior
        .get("active_slot")
        .and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    // The state's targets are what serves (a failed rollout keeps the old target of every
    // region it did not move to the new version).
    let prior_targets: BTreeMap<String, Target> = match spec_of(prior) {
        Some(Ok(before)) => before.regions.into_iter().map(|r| (r.name, r.target)).collect(),
        _ => BTreeMap::new(),
    };
    let from_journal = rollout.map(RolloutState::region_outcomes).unwrap_or_default();
    let mut current = BTreeMap::new();
    for region in &spec.regions {
        // A region the state does not hold is new, even if an older rollout published it
        // (removing a region deleted its slots).
        if !prior_targets.is_empty() && !prior_targets.contains_key(&region.name) {
            continue;
        }
        let journal = from_journal.get(&region.name);
        let slot = journal.and_then(|o| o.active_slot).or_else(|| {
            prior_slots
                .get(&region.name)
                .map(|s| if s == "green" { Slot::Green } else { Slot::Blue })
        });
        let version = journal
            .and_then(|o| o.version.clone())
            .unwrap_or_else(|| prior_version.clone());
        if let Some(slot) = slot {
            let target = prior_targets.get(&region.name).cloned();
            // What the idle slot holds is the journal's to say (it wrote it).
            let idle = rollout.and_then(|rs| rs.idle(&region.name));
            current.insert(
                region.name.clone(),
                Serving {
                    slot,
                    version,
                    target,
                    idle,
                },
            );
        }
    }
    current
}

/// Provider-log progress: one line per journal entry.
struct LogProgress;

impl Progress for LogProgress {
    fn entry(&self, entry: &Entry, state: &RolloutState) {
        let deployment = state.spec.name.as_str();
        let rollout = state.rollout_id.as_str();
        match entry {
            Entry::Intent(intent) => {
                tracing::info!(deployment, rollout, version = %intent.spec.version, "rollout started")
            }
            Entry::AwaitingApproval { wave } => {
                tracing::info!(
                    deployment,
                    rollout,
                    wave,
                    "waiting for `globaldeploy approve {deployment}`"
                )
            }
            Entry::Approved { wave, by } => tracing::info!(deployment, rollout, wave, by, "wave approved"),
            Entry::GroupStarted { wave, group } => {
                let regions = state
                    .groups
                    .get(*group)
                    .map(|g| g.regions.join(", "))
                    .unwrap_or_default();
                tracing::info!(deployment, rollout, wave, regions, "wave group started")
            }
            Entry::Step { percent, weights, .. } => {
                let regions: Vec<String> = weights
                    .iter()
                    .map(|(r, w)| format!("{r} (blue {}, green {})", w.blue, w.green))
                    .collect();
                tracing::info!(
                    deployment,
                    rollout,
                    percent,
                    regions = regions.join(", "),
                    "traffic step"
                )
            }
            Entry::GatesPassed { verdicts, .. } => {
                tracing::info!(deployment, rollout, gates = verdicts.len(), "gates passed")
            }
            Entry::Promoted { group } => {
                let regions = state
                    .groups
                    .get(*group)
                    .map(|g| g.regions.join(", "))
                    .unwrap_or_default();
                tracing::info!(deployment, rollout, regions, "promoted")
            }
            Entry::GateFailed(failure) => tracing::warn!(deployment, rollout, "gate failed: {failure}"),
            Entry::Rollback { reason, .. } => tracing::warn!(deployment, rollout, reason, "rolling back"),
            Entry::Outcome { status } => {
                tracing::info!(deployment, rollout, status = status.as_str(), "rollout finished")
            }
        }
    }
}

pub(super) async fn run(
    ctx: &Context<ProviderClient>,
    client: &ProviderClient,
    spec: &DeploymentSpec,
    current: &BTreeMap<String, Serving>,
    limit: Duration,
) -> Result<Outcome, RunError> {
    let journal = &*client.journal;
    let http = HttpProbe::new().map_err(|e| RunError::Setup(format!("cannot set up the HTTP probe: {e}")))?;
    let probe = GateProbe::new(http, client.route53.clone());
    let traffic = Route53Traffic::new(client.route53.clone(), spec.zone_id.clone(), INSYNC_TIMEOUT);
    let clock = WallClock;
    let progress = LogProgress;
    let ports = Ports {
        traffic: &traffic,
        probe: &probe,
        clock: &clock,
        journal,
        approvals: journal,
        progress: &progress,
    };
    let driver = Driver::new(ports, Holder::this_process(HOLDER));
    let cancel = ctx.cancel.clone();
    let timed_out = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = std::sync::Arc::clone(&timed_out);
    // Stop at Terraform's Stop (Ctrl-C) or at the operation's timeout, whichever comes first.
    let stop = async move {
        if cancel.run_until_cancelled(WallClock.sleep(limit)).await.is_some() {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    };
    driver.start(spec, current, stop).await.map_err(|err| {
        if timed_out.load(std::sync::atomic::Ordering::SeqCst) {
            RunError::TimedOut(limit, err)
        } else {
            RunError::Engine(err)
        }
    })
}

pub(super) enum RunError {
    Setup(String),
    Engine(EngineError),
    TimedOut(Duration, EngineError),
}

pub(super) fn engine_diag(operation: &str, deployment: &str, err: &RunError) -> Diagnostic {
    match err {
        RunError::Setup(message) => Diagnostic::error(format!("Cannot {operation} deployment {deployment:?}"), message.clone()),
        RunError::TimedOut(limit, err) => Diagnostic::error(
            format!("Rollout of {deployment:?} timed out"),
            format!(
                "The {operation} did not finish within its timeout ({}): {err}. Raise `timeouts.{operation}` for longer \
                 rollouts.",
                globaldeploy_engine::human_time::duration(*limit)
            ),
        ),
        RunError::Engine(EngineError::Unfinished { rollout_id, .. }) => Diagnostic::error(
            format!("An earlier rollout of {deployment:?} has not finished"),
            format!(
                "Rollout {rollout_id} of {deployment:?} has not finished. The provider does not guess whether a \
                 half-done rollout should be finished or reverted: finish it with `globaldeploy resume` (or revert it \
                 with `globaldeploy rollback {deployment}`), then run terraform apply again."
            ),
        ),
        RunError::Engine(err @ EngineError::Journal(JournalError::LeaseHeld { .. })) => Diagnostic::error(
            format!("Cannot run the rollout of {deployment:?}"),
            format!("{err}. If another apply or `globaldeploy` command is rolling out this deployment, wait for it to finish."),
        ),
        RunError::Engine(err @ EngineError::Journal(_)) => {
            Diagnostic::error(format!("Cannot run the rollout of {deployment:?}"), err.to_string())
        }
        RunError::Engine(err) => Diagnostic::error(format!("Rollout of {deployment:?} failed"), err.to_string()),
    }
}

pub(super) fn report_failure(outcome: &Outcome, diags: &mut Diagnostics) {
    if outcome.status == RolloutStatus::Succeeded {
        return;
    }
    let (why, cause) = match (&outcome.failure, &outcome.rollback_reason) {
        (Some(failure), _) => ("health gate failed", failure.to_string()),
        (None, Some(reason)) => ("rollback requested", format!("Rolled back as {reason}")),
        (None, None) => ("did not succeed", "The rollout stopped".to_owned()),
    };
    let serving = match outcome.serving_version.as_deref() {
        Some(version) => format!(
            "`version` stays {version} (not every region serves {})",
            outcome.target_version
        ),
        None => "`version` keeps its prior value (regions serve different versions)".to_owned(),
    };
    diags.error(
        format!(
            "Rollout of {:?} to {} {}: {why}",
            outcome.deployment,
            outcome.target_version,
            outcome.status.as_str()
        ),
        format!(
            "{cause}.\n\nThe rollout ended {} (rollout {}); {serving}, so the next plan proposes version {} again. \
             Region status: {}.",
            outcome.status.as_str(),
            outcome.rollout_id,
            outcome.target_version,
            outcome
                .regions
                .iter()
                .map(|(r, o)| format!("{r} {}", o.status))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
}

globaldeploy_sdk::model! {
    /// What a rollout records in a deployment's state beside its configuration: the version that
    /// serves, how the rollout stands, and each region's status, serving slot and version.
    pub struct RolloutRecord {
        /// The version the whole deployment serves (what the next plan compares against).
        pub version: Option<String>,
        /// `running`, or how the rollout ended.
        pub status: Option<String>,
        /// The version every region serves, null while they differ.
        pub active_version: Option<String>,
        /// Each region's status.
        pub region_status: Option<BTreeMap<String, String>>,
        /// Each published region's serving slot.
        pub active_slot: Option<BTreeMap<String, String>>,
        /// The version each published region serves.
        pub region_version: Option<BTreeMap<String, String>>,
    }
}

/// `base` (a deployment value) with the truth of a rollout whose status is `status` and whose
/// regions stand as `regions`: the region maps for the regions `base` declares (a rollout before
/// a region was removed still lists it), and `version`/`active_version` = the version the whole
/// deployment serves (`serving`), else `fallback_version` (what served before), else `base`'s
/// version, with `active_version` null. `rollout_plan` stays as planned: it describes the
/// rollout that ran.
fn recorded(
    base: &Value,
    status: &str,
    regions: &BTreeMap<String, RegionOutcome>,
    serving: Option<&str>,
    fallback_version: Option<&str>,
) -> Result<Value, ModelError> {
    let declared = region_names(base);
    let regions: BTreeMap<&String, &RegionOutcome> = regions
        .iter()
        .filter(|(name, _)| declared.is_empty() || declared.contains(*name))
        .collect();
    let planned_version: Option<String> = FromValue::from_value(
        base.get("version").unwrap_or(&Value::Null),
        &AttributePath::attr("version"),
    )?;
    let record = RolloutRecord {
        version: serving.or(fallback_version).map(str::to_owned).or(planned_version),
        status: Some(status.to_owned()),
        active_version: serving.map(str::to_owned),
        region_status: Some(regions.iter().map(|(r, o)| ((*r).clone(), o.status.to_string())).collect()),
        active_slot: Some(
            regions
                .iter()
                .filter_map(|(r, o)| Some(((*r).clone(), o.active_slot?.as_str().to_owned())))
                .collect(),
        ),
        region_version: Some(
            regions
                .iter()
                .filter_map(|(r, o)| Some(((*r).clone(), o.version.clone()?)))
                .collect(),
        ),
    };
    let mut state = base.clone();
    record.write_into(&mut state)?;
    Ok(state)
}

/// `base` with the outcome's truth (see [`recorded`]).
pub(super) fn state_from_outcome(
    base: &Value,
    outcome: &Outcome,
    fallback_version: Option<&str>,
) -> Result<Value, ModelError> {
    recorded(
        base,
        outcome.status.as_str(),
        &outcome.regions,
        outcome.serving_version.as_deref(),
        fallback_version,
    )
}

/// `base` refreshed from a journal state (finished or not).
pub(super) fn state_from_rollout(
    base: &Value,
    rs: &RolloutState,
    fallback_version: Option<&str>,
) -> Result<Value, ModelError> {
    if let Some(outcome) = rs.outcome() {
        return state_from_outcome(base, &outcome, fallback_version);
    }
    let serving = rs.serving_version();
    recorded(base, "running", &rs.region_outcomes(), serving.as_deref(), fallback_version)
}

/// After a failed rollout, regions that do not serve the new version keep the target they serve
/// in state (their prior one, or for a carried region `rollback_all` returned to its idle slot
/// the target that slot holds), so the next plan shows their target change again.
pub(super) fn keep_prior_targets(mut state: Value, prior: &Value, outcome: &Outcome) -> Result<Value, ModelError> {
    let prior_regions = prior.get("region").and_then(Value::as_list).unwrap_or_default();
    let Some(Value::List(items) | Value::Set(items)) = state.get_mut("region") else {
        return Ok(state);
    };
    for item in items.iter_mut() {
        let Some(name) = item.get("name").and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        let region = outcome.regions.get(&name);
        if region.is_some_and(|o| o.version.as_deref() == Some(outcome.target_version.as_str())) {
            continue;
        }
        let serving = if let Some(target) = region.and_then(|o| o.target.as_ref()) {
            RegionTarget::of(target)
        } else if let Some(old) = prior_regions
            .iter()
            .find(|r| r.get("name").and_then(Value::as_str) == Some(name.as_str()))
        {
            RegionTarget::decode(old)?
        } else {
            continue;
        };
        serving.write_into(item)?;
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use globaldeploy_engine::model::OnFailure;
    use globaldeploy_engine::outcome::{FailedDuring, GateFailure, Measured, RegionStatus};

    use super::super::fixtures::two_regions;
    use super::super::values::spec_to_value;
    use super::*;

    /// Regions `a` and `b` at `version` serving `targets`.
    fn deployment(version: &str, targets: [&str; 2]) -> Value {
        spec_to_value(&two_regions(version, targets, vec![25, 100], 1, OnFailure::RollbackRegion))
    }

    /// The planned value of a v1 → v2 rollout that moves `a` and `b` to `198.51.100.*`.
    fn planned_v2() -> Value {
        deployment("v2", ["198.51.100.1", "198.51.100.2"])
    }

    /// The state before it: v1 on `192.0.2.*`.
    fn prior_v1() -> Value {
        deployment("v1", ["192.0.2.1", "192.0.2.2"])
    }

    fn region(status: RegionStatus, slot: Slot, version: &str, target: Option<&str>) -> RegionOutcome {
        RegionOutcome {
            status,
            active_slot: Some(slot),
            version: Some(version.into()),
            target: target.map(|t| Target::Records(vec![t.into()])),
        }
    }

    fn outcome(status: RolloutStatus, serving: Option<&str>, regions: [(&str, RegionOutcome); 2]) -> Outcome {
        Outcome {
            deployment: "api".into(),
            rollout_id: "v2@1".into(),
            status,
            target_version: "v2".into(),
            serving_version: serving.map(str::to_owned),
            regions: regions.into_iter().map(|(r, o)| (r.to_owned(), o)).collect(),
            failure: None,
            rollback_reason: None,
        }
    }

    fn target_of(state: &Value, name: &str) -> Option<Value> {
        state
            .get("region")?
            .as_list()?
            .iter()
            .find(|r| r.get("name").and_then(Value::as_str) == Some(name))?
            .get("target")
            .cloned()
    }

    fn one(target: &str) -> Option<Value> {
        Some(Value::list(vec![Value::string(target)]))
    }

    #[test]
    fn a_succeeded_rollout_is_the_state_of_the_new_version_everywhere() {
        let done = outcome(
            RolloutStatus::Succeeded,
            Some("v2"),
            [
                ("a", region(RegionStatus::Promoted, Slot::Green, "v2", Some("198.51.100.1"))),
                ("b", region(RegionStatus::Promoted, Slot::Green, "v2", Some("198.51.100.2"))),
            ],
        );
        let state = state_from_outcome(&planned_v2(), &done, Some("v1")).expect("fits the model");
        assert_eq!(state.get("status"), Some(&Value::string("succeeded")));
        assert_eq!(state.get("version"), Some(&Value::string("v2")));
        assert_eq!(state.get("active_version"), Some(&Value::string("v2")));
        let both = |value: &str| Some(Value::map([("a", Value::string(value)), ("b", Value::string(value))]));
        assert_eq!(state.get("active_slot").cloned(), both("green"));
        assert_eq!(state.get("region_version").cloned(), both("v2"));
        assert_eq!(state.get("region_status").cloned(), both("promoted"));
    }

    #[test]
    fn a_rollback_reads_back_the_version_and_targets_that_serve_so_the_next_plan_proposes_it_again() {
        let failed = outcome(
            RolloutStatus::RolledBack,
            None,
            [
                ("a", region(RegionStatus::Promoted, Slot::Green, "v2", Some("198.51.100.1"))),
                // b is back on blue serving v1; the journal does not say from which target.
                ("b", region(RegionStatus::RolledBack, Slot::Blue, "v1", None)),
            ],
        );
        let state = state_from_outcome(&planned_v2(), &failed, Some("v1")).expect("fits the model");
        assert_eq!(state.get("status"), Some(&Value::string("rolled_back")));
        assert_eq!(state.get("version"), Some(&Value::string("v1")), "not every region serves v2");
        assert_eq!(state.get("active_version"), Some(&Value::Null));
        assert_eq!(
            state.get("region_status"),
            Some(&Value::map([
                ("a", Value::string("promoted")),
                ("b", Value::string("rolled_back"))
            ]))
        );

        let state = keep_prior_targets(state, &prior_v1(), &failed).expect("fits the model");
        assert_eq!(target_of(&state, "a"), one("198.51.100.1"), "a serves v2 from its new target");
        assert_eq!(target_of(&state, "b"), one("192.0.2.2"), "b serves v1 from its prior target");

        // A carried region that `rollback_all` returned to its idle slot serves that slot's target.
        let carried = outcome(
            RolloutStatus::RolledBack,
            None,
            [
                ("a", region(RegionStatus::RolledBack, Slot::Blue, "v1", Some("192.0.2.7"))),
                ("b", region(RegionStatus::RolledBack, Slot::Blue, "v1", None)),
            ],
        );
        let state = state_from_outcome(&planned_v2(), &carried, None).expect("fits the model");
        let state = keep_prior_targets(state, &prior_v1(), &carried).expect("fits the model");
        assert_eq!(target_of(&state, "a"), one("192.0.2.7"));
        assert_eq!(target_of(&state, "b"), one("192.0.2.2"));
    }

    /// Each diagnostic as Terraform prints it: summary, then detail.
    fn rendered(diags: &[Diagnostic]) -> String {
        diags
            .iter()
            .map(|d| format!("Error: {}\n\n{}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("\n\n---\n\n")
    }

    #[test]
    fn a_failed_rollout_says_what_failed_what_serves_and_what_the_next_plan_does() {
        let mut gate_failed = outcome(
            RolloutStatus::RolledBack,
            None,
            [
                ("a", region(RegionStatus::Promoted, Slot::Green, "v2", Some("198.51.100.1"))),
                ("b", region(RegionStatus::RolledBack, Slot::Blue, "v1", None)),
            ],
        );
        gate_failed.failure = Some(GateFailure {
            wave: "all".into(),
            region: "b".into(),
            step_percent: 25,
            during: FailedDuring::Step,
            gate: "deployment gate 0 (http https://b.api.example.com/healthz)".into(),
            measured: Measured {
                samples: 5,
                successes: 2,
                required_ratio: 0.99,
                min_samples: 5,
                p95_latency_ms: Some(120),
                max_latency_ms: None,
                consecutive_failures: 2,
                last_detail: "status 503".into(),
            },
        });
        let mut requested = outcome(
            RolloutStatus::RolledBack,
            Some("v1"),
            [
                ("a", region(RegionStatus::RolledBack, Slot::Blue, "v1", None)),
                ("b", region(RegionStatus::RolledBack, Slot::Blue, "v1", None)),
            ],
        );
        requested.rollback_reason = Some("requested by alice@laptop: latency regression".into());
        let mut diags = Diagnostics::new();
        report_failure(&gate_failed, &mut diags);
        report_failure(&requested, &mut diags);
        let mut succeeded = requested.clone();
        succeeded.status = RolloutStatus::Succeeded;
        report_failure(&succeeded, &mut diags);
        assert_eq!(diags.iter().count(), 2, "a success reports nothing");
        insta::assert_snapshot!(rendered(&diags.iter().cloned().collect::<Vec<_>>()));
    }

    #[test]
    fn a_rollout_that_could_not_run_says_what_to_do() {
        let unfinished = || EngineError::Unfinished {
            deployment: "api".into(),
            rollout_id: "v2@1".into(),
        };
        let diags = [
            engine_diag("update", "api", &RunError::Setup("the journal directory /ci/journal is not writable".into())),
            engine_diag("update", "api", &RunError::TimedOut(Duration::from_secs(5400), unfinished())),
            engine_diag("update", "api", &RunError::Engine(unfinished())),
            engine_diag(
                "create",
                "api",
                &RunError::Engine(EngineError::Journal(JournalError::LeaseHeld {
                    deployment: "api".into(),
                    holder: "terraform@ci on ci-host (pid 7)".into(),
                    takeable_at: 1_700_000_030_000,
                    now: 1_700_000_000_000,
                })),
            ),
            engine_diag(
                "update",
                "api",
                &RunError::Engine(EngineError::NoRollout {
                    deployment: "api".into(),
                }),
            ),
        ];
        insta::assert_snapshot!(rendered(&diags));
    }
}
