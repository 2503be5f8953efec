//! `globaldeploy_deployment` (docs/resources/deployment.md): one service, one version, rolled out wave by wave with
//! health-gated weighted DNS steps and automatic rollback.
//!
//! The resource is a thin shell around the rollout engine (`globaldeploy_engine`), one
//! concept per file: [`schema`], the [`values`] ↔ model mapping, [`validation`] helpers,
//! [`rollout`] (running the engine and the state it leaves) and [`slots`] (the record sets
//! between rollouts: drift, repair, TTL, deletion).
//!
//! - **Plan.** `rollout_plan` is computed in `modify_plan` from the *planned* values with
//!   `schedule::rollout_plan`, through the one JSON mapping the CLI also uses
//!   (`terraform_json::deployment_from_json`), so `terraform plan` shows the schedule. It is
//!   unknown only while an input it depends on is. A change of `version` or of any region's
//!   target, or a new region, plans a rollout (an in-place update: `active_version`, `status`,
//!   `region_status`, `region_version` and `active_slot` become unknown); any other change, and
//!   drift found by refresh, is an in-place update that moves no traffic between versions (and
//!   keeps the last rollout's rows while the schedule is unchanged).
//! - **Continuing and adding.** A rollout moves only the regions that do not already serve the
//!   planned version from the planned target (per `region_version` and the targets in state,
//!   which refresh takes from the journal): after a failed rollout re-applying continues with
//!   the regions not yet on the version, and regions added with the version unchanged are
//!   published alone, on blue after one passing gate evaluation. `rollout_plan` has rows for the
//!   moving regions only, exposure starting at the carried share: one per step when they shift,
//!   one at 100 % held for the first gate evaluation when they are published
//!   (`schedule::rollout_kind`, the engine's rule). A region added in the same
//!   plan as a new version is refused at its `name`: add it first, then change the version.
//! - **Create** publishes every region on its blue slot through the engine (first publication).
//! - **Update** first restores slots that drifted and carries a changed `ttl` to both slots (one
//!   batch, see [`slots`]), then, when the plan is a rollout, runs the engine (`Driver::start`)
//!   with each region's serving slot and version from the journal (falling back to prior state),
//!   blocking, with one provider-log line per journal entry, bounded by `timeouts.update` and
//!   Terraform's Stop. If the journal holds an *unfinished* rollout of this deployment (a
//!   Terraform run that died), the apply fails with a message pointing at `globaldeploy resume` /
//!   `globaldeploy rollback`: it never guesses whether a half-done rollout should be finished or
//!   reverted.
//! - **Failure.** A failed gate returns an error naming wave, region, step, gate and the measured
//!   values, and a state that tells the truth: `version`/`active_version` = what the whole
//!   deployment serves (the old version), `status`, `region_status` and `active_slot` as they
//!   are. The next plan therefore proposes the rollout again.
//! - **Read** refreshes status from the journal and compares every region's slots with what
//!   should serve (drift shows in `region_drift`, a set of a region never published too; every
//!   slot gone removes the resource from state); **delete** removes both slots of every region
//!   in one batch (a replacement's: of the regions the new object does not continue); **import** takes the
//!   deployment name and rebuilds the configuration from the journal's last intent.

#[cfg(test)]
mod fixtures;
mod ownership;
mod replacement;
mod rollout;
mod schema;
mod slots;
mod validation;
mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use globaldeploy_engine::outcome::{Outcome, RolloutStatus};
use globaldeploy_engine::state::RolloutState;
use globaldeploy_engine::model::{DeploymentSpec, RegionSpec};
use globaldeploy_engine::schedule::{self, RolloutKind};
use globaldeploy_sdk::cty::Value;
use globaldeploy_sdk::framework::model::ModelError;
use globaldeploy_sdk::framework::resource::unsupported_state_version;
use globaldeploy_sdk::framework::timeouts::timeout;
use globaldeploy_sdk::{AttributePath, Context, Diagnostics, PlanRequest, Resource, Schema};

use super::gate::validate_gates;
use crate::ProviderClient;
use rollout::{
    current_serving, engine_diag, journal_state, keep_prior_targets, prepare, report_failure, run,
    state_from_outcome, state_from_rollout,
};
use schema::schema_block;
pub use schema::{plan_row_type, wave_type};
use slots::{delete_slots, Observed};
use validation::{
    json_error_diag, prefix_path, region_path, spec_error_path, validate_record_names, validate_targets,
};
pub use values::spec_of;
use values::{plan_rows, region_names, rollout_rows, schedule_spec_of, served_of, spec_to_value};

/// Default create/update/delete limit: rollouts with bake times take a while.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2 * 3600);
/// How long one traffic change may take to become INSYNC.
const INSYNC_TIMEOUT: Duration = Duration::from_secs(300);
/// The state's schema version. 1: the `region` blocks are a set keyed by `name` (0 stored them
/// as a list; both are the same JSON array). 2: drift has its own attribute, `region_drift`
/// (1 appended it to `region_status`). See [`Deployment::upgrade_state`].
const SCHEMA_VERSION: i64 = 2;
/// Computed attributes that only a rollout changes.
const ROLLOUT_COMPUTED: &[&str] = &[
    "active_version",
    "status",
    "region_status",
    "region_version",
    "active_slot",
];

/// The `globaldeploy_deployment` resource type.
#[derive(Clone, Copy, Debug, Default)]
pub struct Deployment;

#[async_trait]
impl Resource<ProviderClient> for Deployment {
    fn type_name(&self) -> &'static str {
        "globaldeploy_deployment"
    }

    fn schema(&self) -> Schema {
        Schema::new(schema_block()).version(SCHEMA_VERSION)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_gates(config, diags);
        if let Some(waves) = config.get("waves").and_then(Value::as_list) {
            for (index, wave) in waves.iter().enumerate() {
                let mut wave_diags = Diagnostics::new();
                validate_gates(wave, &mut wave_diags);
                for diag in wave_diags.iter() {
                    let mut diag = diag.clone();
                    diag.path = diag
                        .path
                        .map(|p| prefix_path(&AttributePath::attr("waves").index(index), &p));
                    diags.push(diag);
                }
            }
        }
        validate_targets(config, diags);
        validate_record_names(config, diags);
        // The cross-attribute rules of the schedule, once every input they read is known.
        match spec_of(config) {
            None => {}
            Some(Err(err)) => diags.push(json_error_diag(&err)),
            Some(Ok(spec)) => {
                for error in schedule::validate(&spec) {
                    diags.error_at(spec_error_path(&spec, &error), "Invalid deployment", error.to_string());
                }
            }
        }
    }

    async fn modify_plan(&self, ctx: &Context<ProviderClient>, request: PlanRequest<'_>, diags: &mut Diagnostics) {
        let PlanRequest { prior, plan, private, .. } = request;
        let planned = &mut plan.planned;
        if planned.is_null() || !planned.is_known() {
            return;
        }
        let mut outputs: Vec<(&str, Value)> = Vec::new();
        if let Some(name) = planned.get("name").filter(|n| n.is_known() && !n.is_null()).cloned() {
            outputs.push(("id", name));
        }
        // A rollout moves only the regions that do not serve the planned version and target yet.
        let served = if prior.is_null() { BTreeMap::new() } else { served_of(prior) };
        let rollout = prior.is_null() || rollout_needed(prior, planned);
        let rows = match spec_of(planned) {
            Some(Ok(spec)) => {
                // Validation sees references to waves as unknown at `terraform validate`; the
                // plan is the first time they are known, so the schedule rules run here too.
                let errors = schedule::validate(&spec);
                for error in &errors {
                    diags.error_at(spec_error_path(&spec, error), "Invalid deployment", error.to_string());
                }
                if prior.is_null() {
                    // A create, or the new half of a replacement: its destroy half reads this.
                    *private = replacement::plan_private(&spec);
                } else {
                    refuse_new_regions_with_a_new_version(prior, &spec, &served, diags);
                }
                refuse_claimed_record_names(ctx, &spec, prior, diags).await;
                if !errors.is_empty() {
                    Value::Unknown
                } else if rollout {
                    rollout_rows(&spec, &served)
                } else {
                    rows_at_rest(prior, &spec)
                }
            }
            Some(Err(err)) => {
                diags.push(json_error_diag(&err));
                Value::Unknown
            }
            None => match schedule_spec_of(planned) {
                Some(Ok(spec)) if schedule::validate(&spec).is_empty() => rollout_rows(&spec, &served),
                _ => Value::Unknown,
            },
        };
        outputs.push(("rollout_plan", rows));
        // Every apply leaves the slots as they should be: an update restores drift first.
        outputs.push(("region_drift", slots::drift_value(&[])));
        if rollout && !prior.is_null() {
            // Also when only a region whose publication failed is published again (no input
            // changed): what the rollout leaves is known after apply.
            outputs.extend(ROLLOUT_COMPUTED.iter().map(|name| (*name, Value::Unknown)));
        }
        if !rollout {
            // No rollout: what the last rollout left stays true, and slots that drifted are
            // planned back to it (an in-place update that names the drifted regions).
            outputs.extend(rollout_computed_at_rest(planned, prior));
        }
        match with_attributes(planned.clone(), outputs) {
            Ok(filled) => *planned = filled,
            Err(err) => diags.push(err.diagnostic()),
        }
    }

    async fn create(&self, ctx: &Context<ProviderClient>, planned: &Value, diags: &mut Diagnostics) -> Value {
        let Some((client, spec)) = prepare(ctx, planned, diags) else {
            return Value::Null;
        };
        if let Err(message) = ownership::refuse_claimed(client, &spec, &spec.regions.iter().collect::<Vec<_>>()).await {
            diags.error(format!("Cannot create deployment {:?}", spec.name), message);
            return Value::Null;
        }
        let limit = timeout(planned, "create", DEFAULT_TIMEOUT);
        // Replacing a failed first publication: the regions it published keep serving and the
        // publication continues with the others.
        let rollout = match journal_state(client, &spec.name, None).await {
            Ok(rollout) => rollout,
            Err(diag) => {
                diags.push(diag);
                return Value::Null;
            }
        };
        let current = match replacement::serving_regions(client, &spec, rollout.as_ref()).await {
            Ok(current) => current,
            Err(message) => {
                diags.error(format!("Cannot create deployment {:?}", spec.name), message);
                return Value::Null;
            }
        };
        tracing::info!(
            deployment = %spec.name,
            version = %spec.version,
            serving = current.keys().cloned().collect::<Vec<_>>().join(", "),
            "publishing every region not serving yet on its blue slot"
        );
        match run(ctx, client, &spec, &current, limit).await {
            Ok(outcome) => {
                let state = or_report(state_from_outcome(planned, &outcome, None), planned, diags);
                report_failure(&outcome, diags);
                state
            }
            Err(err) => {
                diags.push(engine_diag("create", &spec.name, &err));
                // Whatever was published is owned by this resource: save it tainted; the next
                // apply replaces it, keeping what serves (see `replacement`).
                match journal_state(client, &spec.name, None).await {
                    Ok(Some(rs)) if rs.spec.name == spec.name => {
                        or_report(state_from_rollout(planned, &rs, None), planned, diags)
                    }
                    Ok(_) => Value::Null,
                    Err(diag) => {
                        diags.push(diag);
                        Value::Null
                    }
                }
            }
        }
    }

    async fn read(&self, ctx: &Context<ProviderClient>, state: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let Some(client) = ctx.client_or_report(diags) else {
            return Some(state.clone());
        };
        let mut state = state.clone();
        let Some(Ok(spec)) = spec_of(&state) else {
            return Some(state);
        };
        let rollout = match journal_state(client, &spec.name, Some(&state)).await {
            Ok(rollout) => rollout,
            Err(diag) => {
                diags.push(diag);
                return Some(state);
            }
        };
        if let Some(rs) = &rollout {
            let prior_version = version_of(&state);
            state = or_report(state_from_rollout(&state, rs, prior_version.as_deref()), &state, diags);
        }
        if rollout.as_ref().is_some_and(|rs| rs.status.is_none()) {
            // An unfinished rollout owns the weights (and `globaldeploy resume` finishes it).
            return Some(state);
        }
        match slots::observe(client, &spec.zone_id, &spec.regions, &state, rollout.as_ref()).await {
            Ok(Observed::Gone) => {
                tracing::info!(deployment = %spec.name, "no region has its slots any more; removing from state");
                None
            }
            Ok(Observed::Drift(drift)) => {
                if let Err(err) = state.set("region_drift", drift) {
                    diags.push(ModelError::from(err).diagnostic());
                }
                Some(state)
            }
            Err(err) => {
                diags.error(
                    format!("Cannot read the slots of deployment {:?}", spec.name),
                    format!(
                        "Reading the regions' weighted record sets in zone {} failed: {err}",
                        spec.zone_id
                    ),
                );
                Some(state)
            }
        }
    }

    async fn update(
        &self,
        ctx: &Context<ProviderClient>,
        prior: &Value,
        planned: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let Some((client, spec)) = prepare(ctx, planned, diags) else {
            return prior.clone();
        };
        // Read first: a journal that cannot be read means nothing may be written.
        let rollout = match journal_state(client, &spec.name, Some(prior)).await {
            Ok(rollout) => rollout,
            Err(diag) => {
                diags.push(diag);
                return prior.clone();
            }
        };
        if let Err((summary, message)) = settle_regions_before_update(client, &spec, prior, planned).await {
            diags.error(summary, message);
            return prior.clone();
        }
        if !rollout_needed(prior, planned) {
            if let Err(message) = restore_before_update(client, &spec, prior).await {
                diags.error(restore_failed(&spec), message);
                return prior.clone();
            }
            let state = with_attributes(planned.clone(), rollout_computed_at_rest(planned, prior));
            return or_report(state, prior, diags);
        }
        let prior_version = version_of(prior);
        if let Some(outcome) = finished_outside_terraform(rollout.as_ref(), &spec, prior, planned) {
            tracing::info!(
                deployment = %spec.name,
                rollout = %outcome.rollout_id,
                "the journal shows this rollout already succeeded; adopting it without moving traffic"
            );
            return or_report(state_from_outcome(planned, &outcome, prior_version.as_deref()), prior, diags);
        }
        // The rollout starts from the exact weights the journal knows, and moves both slots at
        // the new TTL.
        if let Err(message) = restore_before_update(client, &spec, prior).await {
            diags.error(restore_failed(&spec), message);
            return prior.clone();
        }
        roll_out(ctx, client, &spec, prior, planned, rollout.as_ref(), diags).await
    }

    async fn delete(&self, ctx: &Context<ProviderClient>, prior: &Value, diags: &mut Diagnostics) {
        self.delete_planned(ctx, prior, &[], diags).await;
    }

    /// A destroy removes every region's slots; the destroy half of a replacement keeps the
    /// regions the new object continues (see `replacement`).
    async fn delete_planned(
        &self,
        ctx: &Context<ProviderClient>,
        prior: &Value,
        planned_private: &[u8],
        diags: &mut Diagnostics,
    ) {
        let Some(client) = ctx.client_or_report(diags) else {
            return;
        };
        let Some(Ok(spec)) = spec_of(prior) else {
            return diags.error(
                "Cannot delete deployment",
                "The deployment's state does not describe its regions; remove it with `terraform state rm`.",
            );
        };
        let continued = if planned_private.is_empty() {
            BTreeSet::new()
        } else {
            match journal_state(client, &spec.name, Some(prior)).await {
                Ok(rollout) => replacement::continued_regions(&spec, planned_private, rollout.as_ref()),
                Err(diag) => return diags.push(diag),
            }
        };
        if !continued.is_empty() {
            tracing::info!(
                deployment = %spec.name,
                regions = continued.iter().cloned().collect::<Vec<_>>().join(", "),
                "replacement: keeping the slots of the regions that serve and that the new deployment continues"
            );
        }
        let removed: Vec<RegionSpec> = spec
            .regions
            .iter()
            .filter(|r| !continued.contains(&r.name))
            .cloned()
            .collect();
        let deadline = Instant::now() + timeout(prior, "delete", DEFAULT_TIMEOUT);
        if let Err(message) = delete_slots(client, &spec.name, &spec.zone_id, &removed, deadline).await {
            diags.error(format!("Cannot delete deployment {:?}", spec.name), message);
        }
    }

    fn upgrade_state(&self, from_version: i64, state: serde_json::Value, diags: &mut Diagnostics) -> Option<serde_json::Value> {
        match from_version {
            // The list of version 0 is the set's JSON; drift is found again by the refresh that
            // follows every upgrade.
            0 | 1 => Some(slots::without_legacy_drift_marks(state)),
            _ => {
                diags.push(unsupported_state_version(self.type_name(), from_version));
                None
            }
        }
    }

    async fn import(&self, ctx: &Context<ProviderClient>, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        let client = ctx.client_or_report(diags)?;
        match journal_state(client, id, None).await {
            Err(diag) => {
                diags.push(diag);
                None
            }
            Ok(Some(rs)) => {
                let base = spec_to_value(&rs.spec);
                let imported = state_from_rollout(&base, &rs, None).and_then(|mut state| {
                    if let Some(Ok(spec)) = spec_of(&state) {
                        // The rows of the journal's last rollout, as its plan showed them.
                        state.set("rollout_plan", plan_rows(&spec, &rs.carried, rs.kind))?;
                    }
                    Ok(state)
                });
                match imported {
                    Ok(state) => Some(state),
                    Err(err) => {
                        diags.push(err.diagnostic());
                        None
                    }
                }
            }
            Ok(None) => {
                diags.error(
                    format!("Cannot import deployment {id:?}"),
                    format!(
                        "The rollout journal ({}) has no rollout of a deployment named {id:?}. Import takes the \
                         deployment's name and needs the journal the deployment was rolled out with; check the \
                         provider's `journal` setting, or declare the deployment and let Terraform create it.",
                        client.journal_location.url()
                    ),
                );
                None
            }
        }
    }
}

/// Whether going from `prior` to `planned` moves traffic: a new version, a region whose target
/// changed, or a region not published yet (new, or whose publication failed: the next apply
/// publishes it again). Unknown inputs count as changes.
fn rollout_needed(prior: &Value, planned: &Value) -> bool {
    if prior.get("version") != planned.get("version") {
        return true;
    }
    let served = served_of(prior);
    if !served.is_empty() && region_names(planned).iter().any(|name| !served.contains_key(name)) {
        return true;
    }
    let targets = |value: &Value| -> Option<BTreeMap<String, (Value, Value)>> {
        let regions = value.get("region")?.as_list()?;
        regions
            .iter()
            .map(|r| {
                let name = r.get("name")?.as_str()?.to_owned();
                let target = r.get("target").cloned().unwrap_or(Value::Null);
                let alias = r.get("target_alias").cloned().unwrap_or(Value::Null);
                Some((name, (target, alias)))
            })
            .collect()
    };
    match (targets(prior), targets(planned)) {
        (Some(before), Some(after)) => after.iter().any(|(name, target)| before.get(name) != Some(target)),
        _ => true,
    }
}

/// Plan-time refusal of regions added in the same plan as a new version: the new region would be
/// published while the others shift, and one rollout does one or the other (a first
/// publication puts a region at 100 % on blue once its gates pass; a new version shifts step by step). Regions added with the version unchanged are published alone.
fn refuse_new_regions_with_a_new_version(
    prior: &Value,
    spec: &DeploymentSpec,
    served: &BTreeMap<String, globaldeploy_engine::model::Served>,
    diags: &mut Diagnostics,
) {
    let Some(before) = prior.get("version").and_then(Value::as_str) else {
        return;
    };
    if before == spec.version {
        return;
    }
    for region in &spec.regions {
        if served.contains_key(&region.name) {
            continue;
        }
        diags.error_at(
            region_path(&region.name, spec.regions.len()).join("name"),
            "Cannot add a region and change the version in one apply",
            format!(
                "Region {name:?} is new while the version changes from {before:?} to {after:?}. A new region is \
                 published directly on its blue slot while a new version is rolled out step by step, and one rollout \
                 does one or the other. Add the region first with version = {before:?} (apply), then change the \
                 version.",
                name = region.name,
                after = spec.version,
            ),
        );
    }
}

/// Plan-time refusal of record names whose slot sets another deployment owns
/// ([`ownership`]); create and update check again before they write.
async fn refuse_claimed_record_names(
    ctx: &Context<ProviderClient>,
    spec: &DeploymentSpec,
    prior: &Value,
    diags: &mut Diagnostics,
) {
    let Ok(client) = ctx.client() else {
        return;
    };
    match ownership::claimed_by_others(client, spec, &ownership::newly_named(spec, prior)).await {
        Ok(claimed) => {
            let journal = client.journal_location.url();
            for claim in claimed {
                diags.error_at(
                    region_path(&claim.region, spec.regions.len()).join("record_name"),
                    "Record name owned by another deployment",
                    claim.message(&journal),
                );
            }
        }
        // Create and update refuse to write while this cannot be told.
        Err(message) => tracing::warn!(deployment = %spec.name, %message, "cannot check record name ownership at plan time"),
    }
}

/// `rollout_plan` when no rollout is planned: the last rollout's rows while the schedule inputs
/// are unchanged (a rollout that continued or added regions planned fewer rows than a full one,
/// a publication one row per region), else the schedule of the next rollout of a new version,
/// which shifts every region.
fn rows_at_rest(prior: &Value, spec: &DeploymentSpec) -> Value {
    let none = BTreeSet::new();
    let unchanged = match spec_of(prior) {
        // Either kind may have planned the last rows, so both must be unchanged.
        Some(Ok(before)) => [RolloutKind::Publish, RolloutKind::Shift]
            .into_iter()
            .all(|kind| schedule::rollout_plan(&before, &none, kind) == schedule::rollout_plan(spec, &none, kind)),
        _ => false,
    };
    match prior.get("rollout_plan") {
        Some(rows) if unchanged && rows.is_wholly_known() && !rows.is_null() => rows.clone(),
        _ => plan_rows(spec, &none, RolloutKind::Shift),
    }
}

/// What the last rollout left in `prior`, for `planned` to keep (no rollout is planned).
fn rollout_computed_at_rest(planned: &Value, prior: &Value) -> Vec<(&'static str, Value)> {
    let regions = region_names(planned);
    let kept = ROLLOUT_COMPUTED.iter().map(|&name| {
        let mut value = prior.get(name).cloned().unwrap_or(Value::Null);
        // Regions removed from the configuration leave the per-region maps with their slots.
        if let Some(map) = value.as_map().filter(|_| !regions.is_empty()) {
            value = Value::map(
                map.iter()
                    .filter(|(region, _)| regions.contains(*region))
                    .map(|(region, v)| (region.clone(), v.clone())),
            );
        }
        (name, value)
    });
    kept.collect()
}

/// `value` with `attributes` set (a value that is not an object has none).
fn with_attributes<'a>(
    mut value: Value,
    attributes: impl IntoIterator<Item = (&'a str, Value)>,
) -> Result<Value, ModelError> {
    for (name, attribute) in attributes {
        value.set(name, attribute)?;
    }
    Ok(value)
}

/// Before any traffic moves in an update: refuses record names another deployment owns, and
/// deletes the slots of regions dropped from the configuration (they belong to nobody any
/// more). The error is a diagnostic's summary and detail.
async fn settle_regions_before_update(
    client: &ProviderClient,
    spec: &DeploymentSpec,
    prior: &Value,
    planned: &Value,
) -> Result<(), (String, String)> {
    ownership::refuse_claimed(client, spec, &ownership::newly_named(spec, prior))
        .await
        .map_err(|message| (format!("Cannot update deployment {:?}", spec.name), message))?;
    let Some(Ok(before)) = spec_of(prior) else {
        return Ok(());
    };
    let removed: Vec<RegionSpec> = before
        .regions
        .iter()
        .filter(|r| !spec.regions.iter().any(|n| n.name == r.name))
        .cloned()
        .collect();
    if removed.is_empty() {
        return Ok(());
    }
    let deadline = Instant::now() + timeout(planned, "update", DEFAULT_TIMEOUT);
    delete_slots(client, &spec.name, &spec.zone_id, &removed, deadline)
        .await
        .map_err(|message| (format!("Cannot remove regions from deployment {:?}", spec.name), message))
}

fn restore_failed(spec: &DeploymentSpec) -> String {
    format!("Cannot restore the slots of deployment {:?}", spec.name)
}

/// The outcome of the journal's last rollout when it already did what `planned` asks
/// (`globaldeploy resume` finished it after a killed apply): adopted without moving traffic.
/// Only for the regions the state holds: a region added back after its removal deleted its
/// slots matches an older rollout that published it, and must be published again.
fn finished_outside_terraform(
    rollout: Option<&RolloutState>,
    spec: &DeploymentSpec,
    prior: &Value,
    planned: &Value,
) -> Option<Outcome> {
    let rs = rollout?;
    let outcome = rs.outcome()?;
    let done = rs.spec.version == spec.version
        && rs.spec.same_regions(spec)
        && region_names(prior) == region_names(planned)
        && outcome.serving_version.as_deref() == Some(spec.version.as_str());
    done.then_some(outcome)
}

/// Runs the rollout from what serves now to `spec` and returns the state it leaves: the new
/// version where it succeeded; after a failure the version and targets that serve, so the next
/// plan proposes the rollout again; after an engine error the prior inputs, refreshed from the
/// journal.
/// The version a deployment value records (null while a create plans it).
fn version_of(value: &Value) -> Option<String> {
    value.get("version").and_then(Value::as_str).map(str::to_owned)
}

/// The state a rollout left; should the value not fit the deployment's model (a provider bug),
/// the error is reported and `fallback` is kept, so the state never claims a rollout it cannot
/// record.
fn or_report(recorded: Result<Value, ModelError>, fallback: &Value, diags: &mut Diagnostics) -> Value {
    recorded.unwrap_or_else(|err| {
        diags.push(err.diagnostic());
        fallback.clone()
    })
}

async fn roll_out(
    ctx: &Context<ProviderClient>,
    client: &ProviderClient,
    spec: &DeploymentSpec,
    prior: &Value,
    planned: &Value,
    rollout: Option<&RolloutState>,
    diags: &mut Diagnostics,
) -> Value {
    let prior_version = version_of(prior);
    let current = current_serving(prior, spec, rollout);
    let limit = timeout(planned, "update", DEFAULT_TIMEOUT);
    tracing::info!(
        deployment = %spec.name,
        from = prior_version.as_deref().unwrap_or_default(),
        to = %spec.version,
        "starting rollout"
    );
    match run(ctx, client, spec, &current, limit).await {
        Ok(outcome) => {
            let state = state_from_outcome(planned, &outcome, prior_version.as_deref()).and_then(|state| {
                // Regions that went back serve their prior targets, whatever sent them back.
                if outcome.status == RolloutStatus::Succeeded {
                    Ok(state)
                } else {
                    keep_prior_targets(state, prior, &outcome)
                }
            });
            let state = or_report(state, prior, diags);
            report_failure(&outcome, diags);
            state
        }
        Err(err) => {
            diags.push(engine_diag("update", &spec.name, &err));
            // Nothing changed the deployment's version: keep the prior inputs that serve,
            // refreshed with what the journal says about the regions.
            let mut state = prior.clone();
            match journal_state(client, &spec.name, Some(prior)).await {
                Ok(Some(rs)) => {
                    state = or_report(state_from_rollout(&state, &rs, prior_version.as_deref()), &state, diags);
                }
                Ok(None) => {}
                Err(diag) => diags.push(diag),
            }
            state
        }
    }
}

/// Restores the slots of `spec`'s regions that drifted, at `spec`'s TTLs, before an update,
/// holding the deployment's lease (refused while another process rolls it out). The serving
/// targets are the prior ones (a rollout writes the new ones into the idle slots). While the
/// journal's last rollout is unfinished it owns the weights: nothing is written, and refresh
/// shows what still differs once it has finished.
async fn restore_before_update(client: &ProviderClient, spec: &DeploymentSpec, prior: &Value) -> Result<(), String> {
    let Some(Ok(before)) = spec_of(prior) else {
        return Ok(());
    };
    let regions: Vec<RegionSpec> = spec
        .regions
        .iter()
        .filter_map(|region| {
            let mut serving = before.regions.iter().find(|r| r.name == region.name)?.clone();
            serving.ttl = region.ttl;
            Some(serving)
        })
        .collect();
    let regions = &regions;
    rollout::under_lease(client, &spec.name, |guard, rollout| async move {
        if rollout.as_ref().is_some_and(|rs| rs.status.is_none()) {
            tracing::warn!(deployment = %spec.name, "a rollout is unfinished; not restoring slots");
            return Ok(());
        }
        slots::restore(client, &*guard, &spec.zone_id, regions, prior, rollout.as_ref()).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use globaldeploy_engine::journal::entry::Intent;
    use globaldeploy_engine::model::OnFailure;
    use globaldeploy_engine::outcome::RegionStatus;

    use super::fixtures::{region, two_regions, v1_on_blue};
    use super::*;

    /// The state of `spec` after every region was published or promoted at `spec.version` on
    /// blue, with `region_status` as given.
    fn deployed(spec: &DeploymentSpec, region_status: &[(&str, &str)]) -> Value {
        let each = |value: &str| Value::map(spec.regions.iter().map(|r| (r.name.clone(), Value::string(value))));
        let state = with_attributes(
            spec_to_value(spec),
            [
                ("status", Value::string("succeeded")),
                ("active_version", Value::string(&spec.version)),
                ("active_slot", each("blue")),
                ("region_version", each(&spec.version)),
                (
                    "region_status",
                    Value::map(region_status.iter().map(|(r, s)| (*r, Value::string(*s)))),
                ),
            ],
        )
        .expect("an object");
        state
    }

    fn v1() -> DeploymentSpec {
        two_regions("v1", ["192.0.2.1", "192.0.2.2"], vec![25, 100], 1, OnFailure::RollbackRegion)
    }

    fn errors(diags: &Diagnostics) -> Vec<(String, String)> {
        diags
            .iter()
            .map(|d| (d.path.as_ref().map(ToString::to_string).unwrap_or_default(), d.summary.clone()))
            .collect()
    }

    #[test]
    fn a_rollout_is_needed_for_a_new_version_a_changed_target_or_an_added_region_only() {
        let prior = deployed(&v1(), &[("a", "promoted"), ("b", "promoted")]);
        assert!(!rollout_needed(&prior, &prior), "nothing changed");

        let mut slower = v1();
        slower.strategy.steps = vec![10, 50, 100];
        assert!(
            !rollout_needed(&prior, &spec_to_value(&slower)),
            "a schedule change moves no traffic until the next version"
        );

        let mut v2 = v1();
        v2.version = "v2".into();
        assert!(rollout_needed(&prior, &spec_to_value(&v2)));

        let retargeted = two_regions("v1", ["192.0.2.1", "192.0.2.9"], vec![25, 100], 1, OnFailure::RollbackRegion);
        assert!(rollout_needed(&prior, &spec_to_value(&retargeted)));

        let mut grown = v1();
        grown.regions.push(region("c", "192.0.2.3"));
        grown.waves[0].regions.push("c".into());
        assert!(rollout_needed(&prior, &spec_to_value(&grown)), "c is published");

        let mut unknown = spec_to_value(&v1());
        unknown.set("region", Value::Unknown).expect("an object");
        assert!(rollout_needed(&prior, &unknown), "unknown regions count as changed");
    }

    #[test]
    fn a_region_added_with_a_new_version_is_refused_at_its_name_and_alone_it_is_not() {
        let prior = deployed(&v1(), &[("a", "promoted"), ("b", "promoted")]);
        let served = served_of(&prior);
        let grown = |version: &str| {
            let mut spec = v1();
            spec.version = version.into();
            spec.regions.push(region("c", "192.0.2.3"));
            spec.waves[0].regions.push("c".into());
            spec
        };

        let mut diags = Diagnostics::new();
        refuse_new_regions_with_a_new_version(&prior, &grown("v2"), &served, &mut diags);
        assert_eq!(
            errors(&diags),
            [(
                r#"region[name="c"].name"#.to_owned(),
                "Cannot add a region and change the version in one apply".to_owned()
            )]
        );

        let mut diags = Diagnostics::new();
        refuse_new_regions_with_a_new_version(&prior, &grown("v1"), &served, &mut diags);
        assert!(diags.is_empty(), "{:?}", errors(&diags));

        let mut v2 = v1();
        v2.version = "v2".into();
        let mut diags = Diagnostics::new();
        refuse_new_regions_with_a_new_version(&prior, &v2, &served, &mut diags);
        assert!(diags.is_empty(), "{:?}", errors(&diags));

        let mut creating = spec_to_value(&v1());
        creating.set("version", Value::Null).expect("an object");
        let mut diags = Diagnostics::new();
        refuse_new_regions_with_a_new_version(&creating, &grown("v2"), &served, &mut diags);
        assert!(diags.is_empty(), "a create has no version to change from");
    }

    #[test]
    fn without_a_rollout_the_plan_keeps_what_the_last_one_left_for_the_regions_it_keeps() {
        let prior = deployed(&v1(), &[("a", "promoted"), ("b", "promoted")]);
        let mut only_a = v1();
        only_a.regions.retain(|r| r.name == "a");
        only_a.waves[0].regions.retain(|r| r == "a");
        let planned = with_attributes(spec_to_value(&only_a), ROLLOUT_COMPUTED.iter().map(|name| (*name, Value::Unknown)))
            .expect("an object");

        let planned = with_attributes(planned.clone(), rollout_computed_at_rest(&planned, &prior)).expect("an object");

        assert_eq!(planned.get("status"), Some(&Value::string("succeeded")));
        assert_eq!(planned.get("active_version"), Some(&Value::string("v1")));
        assert_eq!(
            planned.get("region_status"),
            Some(&Value::map([("a", Value::string("promoted"))]))
        );
        assert_eq!(planned.get("active_slot"), Some(&Value::map([("a", Value::string("blue"))])));
        assert_eq!(planned.get("region_version"), Some(&Value::map([("a", Value::string("v1"))])));
    }

    /// The journal's rollout of `spec` from v1 on blue, finished with every region promoted.
    fn finished(spec: &DeploymentSpec) -> RolloutState {
        let on_blue = v1_on_blue();
        let mut rs = RolloutState::from_intent(&Intent {
            rollout_id: format!("{}@1", spec.version),
            started_at: 1,
            spec: spec.clone(),
            prior: spec.regions.iter().map(|r| (r.name.clone(), on_blue.clone())).collect(),
        });
        for region in &spec.regions {
            rs.regions.insert(region.name.clone(), RegionStatus::Promoted);
        }
        rs.status = Some(RolloutStatus::Succeeded);
        rs
    }

    #[test]
    fn a_rollout_the_journal_finished_is_adopted_only_when_it_did_what_the_plan_asks() {
        let prior = deployed(&v1(), &[("a", "promoted"), ("b", "promoted")]);
        let mut v2 = v1();
        v2.version = "v2".into();
        let planned = spec_to_value(&v2);
        let journal = finished(&v2);

        let adopted = finished_outside_terraform(Some(&journal), &v2, &prior, &planned).expect("adopted");
        assert_eq!(adopted.serving_version.as_deref(), Some("v2"));

        let mut v3 = v1();
        v3.version = "v3".into();
        assert!(finished_outside_terraform(Some(&journal), &v3, &prior, &spec_to_value(&v3)).is_none());

        let retargeted = two_regions("v2", ["192.0.2.1", "192.0.2.9"], vec![25, 100], 1, OnFailure::RollbackRegion);
        assert!(
            finished_outside_terraform(Some(&journal), &retargeted, &prior, &spec_to_value(&retargeted)).is_none(),
            "the journal rolled out other targets"
        );

        let mut only_a = deployed(&v1(), &[("a", "promoted")]);
        let a_only = {
            let mut spec = v1();
            spec.regions.retain(|r| r.name == "a");
            spec.waves[0].regions.retain(|r| r == "a");
            spec
        };
        only_a
            .set("region", spec_to_value(&a_only).get("region").cloned().unwrap_or(Value::Null))
            .expect("an object");
        assert!(
            finished_outside_terraform(Some(&journal), &v2, &only_a, &planned).is_none(),
            "b was added back since: its slots must be published again"
        );
        assert!(finished_outside_terraform(None, &v2, &prior, &planned).is_none());
    }
}
