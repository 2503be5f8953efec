//! `globaldeploy_deployment` (§4.5): one service, one version, rolled out wave by wave with
//! health-gated weighted DNS steps and automatic rollback.
//!
//! The resource is a thin shell around the rollout engine (`globaldeploy_reconciler`):
//!
//! - **Plan.** `rollout_plan` is computed in `modify_plan` from the *planned* values with
//!   `schedule::rollout_plan`, through the one JSON mapping the CLI also uses
//!   (`terraform_json::deployment_from_json`), so `terraform plan` shows the schedule. It is
//!   unknown only while an input it depends on is. A change of `version` or of any region's
//!   target plans a rollout (an in-place update: `active_version`, `status`, `region_status` and
//!   `active_slot` become unknown); any other change only updates state.
//! - **Create** publishes every region on its blue slot through the engine (first publication).
//! - **Update** runs the engine (`Driver::start`) with each region's serving slot and version
//!   from the journal (falling back to prior state), blocking, with one provider-log line per
//!   journal entry, bounded by `timeouts.update` and Terraform's Stop. If the journal holds an
//!   *unfinished* rollout of this deployment (a Terraform run that died), the apply fails with a
//!   message pointing at `globaldeploy resume` / `globaldeploy rollback`: it never guesses
//!   whether a half-done rollout should be finished or reverted.
//! - **Failure.** A failed gate returns an error naming wave, region, step, gate and the measured
//!   values, and a state that tells the truth: `version`/`active_version` = what the whole
//!   deployment serves (the old version), `status`, `region_status` and `active_slot` as they
//!   are. The next plan therefore proposes the rollout again.
//! - **Read** refreshes status from the journal and checks the weights still exist; **delete**
//!   removes both slots of every region in one batch; **import** takes the deployment name and
//!   rebuilds the configuration from the journal's last intent.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use globaldeploy_reconciler::aws::{normalize_name, Change, ChangeAction};
use globaldeploy_reconciler::clock::WallClock;
use globaldeploy_reconciler::engine::driver::{Driver, Ports};
use globaldeploy_reconciler::engine::error::EngineError;
use globaldeploy_reconciler::engine::outcome::{Outcome, RegionOutcome};
use globaldeploy_reconciler::engine::ports::{Clock, Progress, Traffic};
use globaldeploy_reconciler::engine::state::RolloutState;
use globaldeploy_reconciler::journal::entry::{Entry, Serving};
use globaldeploy_reconciler::journal::file::FileJournal;
use globaldeploy_reconciler::journal::replay;
use globaldeploy_reconciler::model::{Check, DeploymentSpec, GateSpec, Slot, Target};
use globaldeploy_reconciler::probes::{GateProbe, HttpProbe};
use globaldeploy_reconciler::schedule::{self, SpecError};
use globaldeploy_reconciler::terraform_json::{deployment_from_json, SpecJsonError};
use globaldeploy_reconciler::traffic::{slot_of, Route53Traffic};
use globaldeploy_sdk::cty::{json as cty_json, Type, Value};
use globaldeploy_sdk::framework::timeouts::{timeout, timeouts_block};
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{
    Attribute, AttributePath, Block, Context, Diagnostic, Diagnostics, NestedBlock, PlanRequest, Resource, Schema,
};

use super::aws_region::region_name;
use super::gate::{gate_block, validate_gates};
use super::wave::Wave;
use crate::config::JournalLocation;
use crate::ProviderClient;

/// Default create/update/delete limit: rollouts with bake times take a while.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2 * 3600);
/// How long one traffic change may take to become INSYNC.
const INSYNC_TIMEOUT: Duration = Duration::from_secs(300);
/// Lease time-to-live; the driver renews it at half life.
const LEASE_TTL: Duration = Duration::from_secs(30);
/// Attributes the provider computes (not inputs of the rollout).
const COMPUTED: &[&str] = &[
    "id",
    "active_version",
    "status",
    "region_status",
    "active_slot",
    "rollout_plan",
];
/// Computed attributes that only a rollout changes.
const ROLLOUT_COMPUTED: &[&str] = &["active_version", "status", "region_status", "active_slot"];
const ON_FAILURE: &[&str] = &["rollback_region", "rollback_all", "halt"];

/// The `globaldeploy_deployment` resource type.
#[derive(Clone, Copy, Debug, Default)]
pub struct Deployment;

/// The type of one element of `waves`: the wave resource's attributes without its `id` (which
/// is unknown while a wave is being created and carries nothing the rollout needs).
pub fn wave_type() -> Type {
    match Wave.schema().block.cty_type() {
        Type::Object(mut attributes) => {
            attributes.remove("id");
            Type::Object(attributes)
        }
        other => other,
    }
}

/// The type of one `rollout_plan` row.
pub fn plan_row_type() -> Type {
    Type::object([
        ("wave", Type::String),
        ("region", Type::String),
        ("step_percent", Type::Number),
        ("hold", Type::String),
        ("global_exposure_percent", Type::Number),
    ])
}

fn schema_block() -> Block {
    let strategy = Block::new("How traffic moves within each region and what a failed gate does.")
        .attribute(
            Attribute::with_default(
                "steps",
                Type::list(Type::Number),
                Value::list([5, 25, 50, 100].into_iter().map(Value::int).collect()),
            )
            .description(
                "Percent of a region's traffic on the new version at each step, strictly ascending and ending at \
                 `100`. Default: `[5, 25, 50, 100]`.",
            )
            .validate(validators::length_between(1, 100))
            .validate(validators::each(validators::int_between(1, 100))),
        )
        .attribute(
            Attribute::with_default("step_interval", Type::String, "1m")
                .description("Hold at each step while the gates are evaluated, e.g. `\"1m\"`. Default: `\"1m\"`.")
                .validate(validators::duration()),
        )
        .attribute(
            Attribute::with_default("on_failure", Type::String, "rollback_region")
                .description(
                    "What a failed gate does: `rollback_region` returns that region to its old slot and stops; \
                     `rollback_all` also returns every already-promoted region; `halt` freezes weights where they \
                     are. Default: `\"rollback_region\"`.",
                )
                .validate(validators::one_of(ON_FAILURE)),
        );
    let alias = Block::new("An alias target instead of literal `target` records.")
        .attribute(
            Attribute::required("name", Type::String)
                .description("DNS name the alias points at.")
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::required("zone_id", Type::String)
                .description("Hosted zone of the alias target.")
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::with_default("evaluate_target_health", Type::Bool, false)
                .description("Whether Route 53 follows the target's health. Default: `false`."),
        );
    let region = Block::new("A region of the deployment and where `version` is served there.")
        .attribute(
            Attribute::required("name", Type::String)
                .description("AWS region name, e.g. `\"us-west-2\"`; must appear in exactly one wave.")
                .validate(region_name()),
        )
        .attribute(
            Attribute::required("record_name", Type::String)
                .description(
                    "The per-region DNS name whose two weighted record sets (slots `blue` and `green`) this resource \
                     owns, e.g. `\"usw2.api.example.com\"`.",
                )
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::with_default("ttl", Type::Number, Value::int(60))
                .description("TTL of the region's record sets (literal targets only). Default: `60`.")
                .validate(validators::int_between(0, 2_147_483_647)),
        )
        .attribute(
            Attribute::optional("target", Type::list(Type::String))
                .description(
                    "Endpoint of `version` in this region: IPv4/IPv6 addresses or one host name. Exactly one of \
                     `target` and `target_alias`. A change starts a rollout.",
                )
                .validate(validators::length_between(1, 100)),
        )
        .attribute(
            Attribute::optional("health_url", Type::String)
                .description("URL probed by `http` gates that have no `url` of their own."),
        )
        .attribute(
            Attribute::with_default("global_weight", Type::Number, Value::int(1))
                .description(
                    "This region's share of global traffic (relative to the other regions), used for \
                     `global_exposure_percent`. Default: `1`.",
                )
                .validate(validators::int_between(0, 1_000_000)),
        )
        .block(NestedBlock::single("target_alias", alias));
    Block::new(
        "A global deployment: one service at one version, rolled out wave by wave. Each region's `record_name` has two \
         weighted record sets (slots `blue` and `green`); a change of `version` (or of a region's target) writes the \
         new target into the idle slot and moves traffic step by step, holding `strategy.step_interval` at each step \
         while the gates are evaluated, and rolls back automatically when a gate fails. `rollout_plan` shows the \
         schedule at plan time.",
    )
    .attribute(
        Attribute::computed("id", Type::String)
            .description("The deployment's identifier (its name).")
            .use_state_for_unknown(),
    )
    .attribute(
        Attribute::required("name", Type::String)
            .description("Name of the deployment: the journal key, shown in logs and the CLI. Changing it replaces the deployment.")
            .force_new()
            .validate(validators::not_empty())
            .validate(validators::from_fn(|v| check_deployment_name(v.as_str().unwrap_or_default()))),
    )
    .attribute(
        Attribute::required("version", Type::String)
            .description(
                "The version to serve. A change starts a rollout. After a failed rollout this is the version the whole \
                 deployment still serves, so the next plan proposes the rollout again.",
            )
            .validate(validators::not_empty()),
    )
    .attribute(
        Attribute::required("zone_id", Type::String)
            .description("Route 53 hosted zone of every region's `record_name`. Changing it replaces the deployment.")
            .force_new()
            .validate(validators::not_empty()),
    )
    .attribute(
        Attribute::required("waves", Type::list(wave_type()))
            .description(
                "The waves, in rollout order: the wave resources themselves, e.g. \
                 `[globaldeploy_wave.canary, globaldeploy_wave.rest]`. Every region appears in exactly one wave.",
            )
            .validate(validators::length_between(1, 100)),
    )
    .attribute(
        Attribute::computed("active_version", Type::String)
            .description("The version every region serves; null while regions serve different versions."),
    )
    .attribute(
        Attribute::computed("status", Type::String)
            .description("Outcome of the last rollout: `succeeded`, `rolled_back`, `halted` (or `running` while one is unfinished)."),
    )
    .attribute(
        Attribute::computed("region_status", Type::map(Type::String))
            .description("Each region's status after the last rollout, e.g. `promoted`, `rolled_back`, `halted (25 %)`."),
    )
    .attribute(
        Attribute::computed("active_slot", Type::map(Type::String))
            .description("Each region's serving slot: `blue` or `green`."),
    )
    .attribute(
        Attribute::computed("rollout_plan", Type::list(plan_row_type())).description(
            "The schedule, known at plan time: one row per region per step, in order, with the hold at that step and \
             `global_exposure_percent`, the share of global traffic on the new version while the step holds.",
        ),
    )
    .block(NestedBlock::single("strategy", strategy))
    .block(NestedBlock::list("region", region).items(1, 0))
    .block(gate_block())
    .block(timeouts_block(&["create", "update", "delete"], DEFAULT_TIMEOUT))
}

#[async_trait]
impl Resource<ProviderClient> for Deployment {
    fn type_name(&self) -> &'static str {
        "globaldeploy_deployment"
    }

    fn schema(&self) -> Schema {
        Schema::new(schema_block())
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

    async fn modify_plan(&self, _ctx: &Context<ProviderClient>, request: PlanRequest<'_>, diags: &mut Diagnostics) {
        let PlanRequest { prior, plan, .. } = request;
        let planned = &mut plan.planned;
        if planned.is_null() || !planned.is_known() {
            return;
        }
        if let Some(name) = planned.get("name").filter(|n| n.is_known() && !n.is_null()).cloned() {
            planned.set("id", name);
        }
        let rows = match spec_of(planned) {
            Some(Ok(spec)) => {
                // Validation sees references to waves as unknown at `terraform validate`; the
                // plan is the first time they are known, so the schedule rules run here too.
                let errors = schedule::validate(&spec);
                for error in &errors {
                    diags.error_at(spec_error_path(&spec, error), "Invalid deployment", error.to_string());
                }
                if errors.is_empty() {
                    plan_rows(&spec)
                } else {
                    Value::Unknown
                }
            }
            Some(Err(err)) => {
                diags.push(json_error_diag(&err));
                Value::Unknown
            }
            None => Value::Unknown,
        };
        planned.set("rollout_plan", rows);
        if !prior.is_null() {
            let before = region_names(prior);
            if let Some(regions) = planned.get("region").and_then(Value::as_list) {
                for (index, region) in regions.iter().enumerate() {
                    let Some(name) = region.get("name").and_then(Value::as_str) else {
                        continue;
                    };
                    if !before.iter().any(|b| b == name) {
                        diags.error_at(
                            AttributePath::attr("region").index(index).join("name"),
                            "Adding a region to a deployed deployment is not supported yet",
                            format!(
                                "Region {name:?} is new, but the deployment already serves its other regions; a \
                                 rollout moves regions that serve, and first publication publishes all regions at \
                                 once. Deploy {name:?} with its own globaldeploy_deployment for now."
                            ),
                        );
                    }
                }
            }
        }
        if !prior.is_null() && !rollout_needed(prior, planned) {
            // Nothing moves traffic: what the last rollout left stays true.
            for name in ROLLOUT_COMPUTED {
                planned.set(name, prior.get(name).cloned().unwrap_or(Value::Null));
            }
        }
    }

    async fn create(&self, ctx: &Context<ProviderClient>, planned: &Value, diags: &mut Diagnostics) -> Value {
        let Some((client, spec)) = prepare(ctx, planned, diags) else {
            return Value::Null;
        };
        let limit = timeout(planned, "create", DEFAULT_TIMEOUT);
        tracing::info!(deployment = %spec.name, version = %spec.version, "publishing every region on its blue slot");
        match run(ctx, client, &spec, &BTreeMap::new(), limit).await {
            Ok(outcome) => {
                let state = state_from_outcome(planned, &outcome, None);
                report_failure(&outcome, diags);
                state
            }
            Err(err) => {
                diags.push(engine_diag("create", &spec.name, &err));
                // Whatever was published is owned by this resource: save it tainted so the
                // next apply replaces (cleans up and republishes) it.
                match journal_state(client, &spec.name).await {
                    Some(rs) if rs.spec.name == spec.name => state_from_rollout(planned, &rs, None),
                    _ => Value::Null,
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
        // Gone outside Terraform: every slot of every region lost its weight (a live name
        // never has all weights at 0).
        let traffic = Route53Traffic::new(client.route53.clone(), spec.zone_id.clone(), INSYNC_TIMEOUT);
        match traffic.weights(&spec.regions).await {
            Ok(weights) if !weights.is_empty() && weights.iter().all(|w| w.blue == 0 && w.green == 0) => {
                tracing::info!(deployment = %spec.name, "no region has weighted slots any more; removing from state");
                return None;
            }
            Ok(_) => {}
            Err(err) => {
                diags.error(
                    format!("Cannot read the weights of deployment {:?}", spec.name),
                    format!(
                        "Reading the regions' weighted record sets in zone {} failed: {err}",
                        spec.zone_id
                    ),
                );
                return Some(state);
            }
        }
        if let Some(rs) = journal_state(client, &spec.name).await {
            let prior_version = state.get("version").cloned();
            state = state_from_rollout(&state, &rs, prior_version.as_ref());
        }
        Some(state)
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
        // Regions dropped from the configuration: their slots belong to nobody any more.
        if let Some(Ok(before)) = spec_of(prior) {
            let removed: Vec<_> = before
                .regions
                .iter()
                .filter(|r| !spec.regions.iter().any(|n| n.name == r.name))
                .cloned()
                .collect();
            if !removed.is_empty() {
                let deadline = Instant::now() + timeout(planned, "update", DEFAULT_TIMEOUT);
                if let Err(message) = delete_slots(client, &spec.zone_id, &removed, deadline).await {
                    diags.error(
                        format!("Cannot remove regions from deployment {:?}", spec.name),
                        message,
                    );
                    return prior.clone();
                }
            }
        }
        if !rollout_needed(prior, planned) {
            let mut state = planned.clone();
            for name in ROLLOUT_COMPUTED {
                state.set(name, prior.get(name).cloned().unwrap_or(Value::Null));
            }
            return state;
        }
        let prior_version = prior.get("version").cloned();
        // Finished outside Terraform (`globaldeploy resume` after a killed apply): adopt it.
        if let Some(rs) = journal_state(client, &spec.name).await {
            if let Some(outcome) = rs.outcome() {
                let done = rs.spec.version == spec.version
                    && rs.spec.regions == spec.regions
                    && outcome.serving_version.as_deref() == Some(spec.version.as_str());
                if done {
                    tracing::info!(
                        deployment = %spec.name,
                        rollout = %outcome.rollout_id,
                        "the journal shows this rollout already succeeded; adopting it without moving traffic"
                    );
                    return state_from_outcome(planned, &outcome, prior_version.as_ref());
                }
            }
        }
        let current = current_serving(client, prior, &spec).await;
        let limit = timeout(planned, "update", DEFAULT_TIMEOUT);
        tracing::info!(
            deployment = %spec.name,
            from = prior_version.as_ref().and_then(|v| v.as_str()).unwrap_or_default(),
            to = %spec.version,
            "starting rollout"
        );
        match run(ctx, client, &spec, &current, limit).await {
            Ok(outcome) => {
                let state = state_from_outcome(planned, &outcome, prior_version.as_ref());
                let state = if outcome.failure.is_some() {
                    keep_prior_targets(state, prior, &outcome)
                } else {
                    state
                };
                report_failure(&outcome, diags);
                state
            }
            Err(err) => {
                diags.push(engine_diag("update", &spec.name, &err));
                // Nothing changed the deployment's version: keep the prior inputs that serve,
                // refreshed with what the journal says about the regions.
                let mut state = prior.clone();
                if let Some(rs) = journal_state(client, &spec.name).await {
                    state = state_from_rollout(&state, &rs, prior_version.as_ref());
                }
                state
            }
        }
    }

    async fn delete(&self, ctx: &Context<ProviderClient>, prior: &Value, diags: &mut Diagnostics) {
        let Some(client) = ctx.client_or_report(diags) else {
 return;
 };
        let Some(Ok(spec)) = spec_of(prior) else {
            return diags.error(
                "Cannot delete deployment",
                "The deployment's state does not describe its regions; remove it with `terraform state rm`.",
            );
        };
        let deadline = Instant::now() + timeout(prior, "delete", DEFAULT_TIMEOUT);
        if let Err(message) = delete_slots(client, &spec.zone_id, &spec.regions, deadline).await {
            diags.error(format!("Cannot delete deployment {:?}", spec.name), message);
        }
    }

    async fn import(&self, ctx: &Context<ProviderClient>, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        let client = ctx.client_or_report(diags)?;
        match journal_state(client, id).await {
            Some(rs) => {
                let base = spec_to_value(&rs.spec);
                let state = state_from_rollout(&base, &rs, None);
                let mut state = state;
                if let Some(Ok(spec)) = spec_of(&state) {
                    state.set("rollout_plan", plan_rows(&spec));
                }
                Some(state)
            }
            None => {
                diags.error(
                    format!("Cannot import deployment {id:?}"),
                    format!(
                        "The rollout journal ({}) has no rollout of a deployment named {id:?}. Import takes the \
                         deployment's name and needs the journal the deployment was rolled out with; check the \
                         provider's `journal` setting, or declare the deployment and let Terraform create it.",
                        journal_url(&client.journal)
                    ),
                );
                None
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Values ↔ model

/// The rollout spec of a deployment value (config, plan or state): `None` while an input is
/// unknown.
pub fn spec_of(value: &Value) -> Option<Result<DeploymentSpec, SpecJsonError>> {
    let mut inputs = value.clone();
    for name in COMPUTED {
        inputs.set(name, Value::Null);
    }
    inputs.set("timeouts", Value::Null);
    if !inputs.is_wholly_known() {
        return None;
    }
    let json = match cty_json::encode(&inputs, &schema_block().cty_type()) {
        Ok(json) => json,
        Err(err) => {
            return Some(Err(SpecJsonError {
                field: "(deployment)".into(),
                problem: err.to_string(),
            }))
        }
    };
    Some(deployment_from_json(&json))
}

fn plan_rows(spec: &DeploymentSpec) -> Value {
    Value::list(
        schedule::rollout_plan(spec)
            .into_iter()
            .map(|step| {
                Value::object([
                    ("wave", Value::string(step.wave)),
                    ("region", Value::string(step.region)),
                    ("step_percent", Value::int(i64::from(step.step_percent))),
                    ("hold", Value::string(go_duration(step.hold))),
                    ("global_exposure_percent", exposure_value(step.global_exposure_percent)),
                ])
            })
            .collect(),
    )
}

/// Whole percentages as integers (so `25` reads `25`, not `25.0`), fractions as floats.
fn exposure_value(percent: f64) -> Value {
    if percent.fract() == 0.0 && percent.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        Value::int(percent as i64)
    } else {
        Value::float(percent)
    }
}

/// A Go-style duration: `1h30m`, `90s` → `1m30s`, `250ms`, `0s`.
pub fn go_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis == 0 {
        return "0s".into();
    }
    let (h, rest) = (millis / 3_600_000, millis % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 && ms == 0 {
        out.push_str(&format!("{s}s"));
    } else if s > 0 {
        let fraction = format!("{ms:03}");
        out.push_str(&format!("{s}.{}s", fraction.trim_end_matches('0')));
    } else if ms > 0 {
        out.push_str(&format!("{ms}ms"));
    }
    out
}

/// A deployment value from a spec (import): the inverse of [`spec_of`].
fn spec_to_value(spec: &DeploymentSpec) -> Value {
    let gates = |gates: &[GateSpec]| Value::list(gates.iter().map(gate_to_value).collect());
    let waves = spec
        .waves
        .iter()
        .map(|w| {
            Value::object([
                ("name", Value::string(&w.name)),
                ("regions", Value::list(w.regions.iter().map(Value::string).collect())),
                ("max_parallel", Value::int(i64::from(w.max_parallel))),
                ("bake_time", Value::string(go_duration(w.bake_time))),
                ("require_approval", Value::bool(w.require_approval)),
                ("gate", gates(&w.gates)),
            ])
        })
        .collect();
    let regions = spec
        .regions
        .iter()
        .map(|r| {
            let (target, alias) = match &r.target {
                Target::Records(records) => (Value::list(records.iter().map(Value::string).collect()), Value::Null),
                Target::Alias {
                    name,
                    zone_id,
                    evaluate_target_health,
                } => (
                    Value::Null,
                    Value::object([
                        ("name", Value::string(name)),
                        ("zone_id", Value::string(zone_id)),
                        ("evaluate_target_health", Value::bool(*evaluate_target_health)),
                    ]),
                ),
            };
            Value::object([
                ("name", Value::string(&r.name)),
                ("record_name", Value::string(&r.record_name)),
                ("ttl", Value::int(r.ttl)),
                ("target", target),
                ("target_alias", alias),
                ("health_url", r.health_url.as_deref().map_or(Value::Null, Value::string)),
                ("global_weight", Value::int(i64::from(r.global_weight))),
            ])
        })
        .collect();
    let on_failure = match spec.strategy.on_failure {
        globaldeploy_reconciler::model::OnFailure::RollbackRegion => "rollback_region",
        globaldeploy_reconciler::model::OnFailure::RollbackAll => "rollback_all",
        globaldeploy_reconciler::model::OnFailure::Halt => "halt",
    };
    Value::object([
        ("id", Value::string(&spec.name)),
        ("name", Value::string(&spec.name)),
        ("version", Value::string(&spec.version)),
        ("zone_id", Value::string(&spec.zone_id)),
        ("waves", Value::list(waves)),
        ("active_version", Value::Null),
        ("status", Value::Null),
        ("region_status", Value::Null),
        ("active_slot", Value::Null),
        ("rollout_plan", Value::Null),
        (
            "strategy",
            Value::object([
                (
                    "steps",
                    Value::list(spec.strategy.steps.iter().map(|s| Value::int(i64::from(*s))).collect()),
                ),
                ("step_interval", Value::string(go_duration(spec.strategy.step_interval))),
                ("on_failure", Value::string(on_failure)),
            ]),
        ),
        ("region", Value::list(regions)),
        ("gate", gates(&spec.gates)),
        ("timeouts", Value::Null),
    ])
}

fn gate_to_value(gate: &GateSpec) -> Value {
    let (http, r53) = match &gate.check {
        Check::Http {
            url,
            expect_status,
            timeout,
            max_latency,
        } => (
            Value::object([
                ("url", url.as_deref().map_or(Value::Null, Value::string)),
                (
                    "expect_status",
                    Value::list(expect_status.iter().map(|s| Value::int(i64::from(*s))).collect()),
                ),
                ("timeout", Value::string(go_duration(*timeout))),
                (
                    "max_latency",
                    max_latency.map_or(Value::Null, |d| Value::string(go_duration(d))),
                ),
            ]),
            Value::Null,
        ),
        Check::Route53HealthCheck { health_check_id } => (
            Value::Null,
            Value::object([("health_check_id", Value::string(health_check_id))]),
        ),
    };
    Value::object([
        ("interval", Value::string(go_duration(gate.interval))),
        ("min_samples", Value::int(i64::from(gate.min_samples))),
        ("success_ratio", Value::float(gate.success_ratio)),
        ("failure_threshold", Value::int(i64::from(gate.failure_threshold))),
        ("http", http),
        ("route53_health_check", r53),
    ])
}

fn region_names(value: &Value) -> Vec<String> {
    value
        .get("region")
        .and_then(Value::as_list)
        .map(|regions| {
            regions
                .iter()
                .filter_map(|r| r.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether going from `prior` to `planned` moves traffic: a new version, or a region whose
/// target changed. Unknown inputs count as changes.
fn rollout_needed(prior: &Value, planned: &Value) -> bool {
    if prior.get("version") != planned.get("version") {
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
        (Some(before), Some(after)) => after
            .iter()
            .any(|(name, target)| before.get(name).is_some_and(|b| b != target)),
        _ => true,
    }
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

/// The name keys the journal (file names, S3 keys): letters, digits, `.`, `_`, `-`, not
/// starting with `.`.
fn check_deployment_name(name: &str) -> Result<(), String> {
    let valid = !name.starts_with('.')
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{name:?} cannot name a deployment: use at most 128 letters, digits, '.', '_' and '-', not starting with '.' \
             (the name keys the rollout journal)."
        ))
    }
}

fn validate_targets(config: &Value, diags: &mut Diagnostics) {
    let Some(regions) = config.get("region").and_then(Value::as_list) else {
        return;
    };
    for (index, region) in regions.iter().enumerate() {
        let (Some(target), Some(alias)) = (region.get("target"), region.get("target_alias")) else {
            continue;
        };
        if !target.is_known() || !alias.is_known() {
            continue;
        }
        let path = AttributePath::attr("region").index(index);
        match (target.is_null(), alias.is_null()) {
            (true, true) => diags.error_at(
                path.join("target"),
                "Missing region target",
                "Each region needs where `version` is served: `target` (records) or a `target_alias` block.",
            ),
            (false, false) => diags.error_at(
                path.join("target"),
                "Conflicting region targets",
                "Set either `target` or a `target_alias` block, not both.",
            ),
            _ => {}
        }
    }
}

fn prefix_path(prefix: &AttributePath, path: &AttributePath) -> AttributePath {
    let mut out = prefix.clone();
    for step in path.steps() {
        out = match step {
            globaldeploy_sdk::framework::path::PathStep::Attribute(name) => out.join(name.clone()),
            globaldeploy_sdk::framework::path::PathStep::Index(i) => out.index(usize::try_from(*i).unwrap_or_default()),
            globaldeploy_sdk::framework::path::PathStep::Key(k) => out.key(k.clone()),
        };
    }
    out
}

/// `region[1].target_alias.name` → an attribute path.
fn field_path(field: &str) -> AttributePath {
    let mut path = AttributePath::root();
    for segment in field.split('.') {
        let (name, rest) = segment.split_once('[').unwrap_or((segment, ""));
        if !name.is_empty() && !name.starts_with('(') {
            path = path.join(name);
        }
        for index in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = index.trim_end_matches(']').parse::<usize>() {
                path = path.index(i);
            }
        }
    }
    path
}

fn json_error_diag(err: &SpecJsonError) -> Diagnostic {
    Diagnostic::error("Invalid deployment", err.to_string()).at(field_path(&err.field))
}

fn spec_error_path(spec: &DeploymentSpec, error: &SpecError) -> AttributePath {
    let region_index = |name: &str| spec.regions.iter().rposition(|r| r.name == name);
    let wave_index = |name: &str| spec.waves.iter().rposition(|w| w.name == name);
    let region_path = |name: &str| match region_index(name) {
        Some(i) => AttributePath::attr("region").index(i).join("name"),
        None => AttributePath::attr("region"),
    };
    let wave_path = |name: &str| match wave_index(name) {
        Some(i) => AttributePath::attr("waves").index(i),
        None => AttributePath::attr("waves"),
    };
    match error {
        SpecError::NoWaves => AttributePath::attr("waves"),
        SpecError::NoRegions | SpecError::AllGlobalWeightsZero => AttributePath::attr("region"),
        SpecError::DuplicateRegion { region }
        | SpecError::RegionInNoWave { region }
        | SpecError::RegionInManyWaves { region, .. } => region_path(region),
        SpecError::UnknownRegion { wave, .. } | SpecError::DuplicateWave { wave } | SpecError::EmptyWave { wave } => {
            wave_path(wave)
        }
        SpecError::ZeroParallel { wave } => wave_path(wave),
        SpecError::NoSteps | SpecError::StepsNotEndingAt100 { .. } => AttributePath::attr("strategy").join("steps"),
        SpecError::StepOutOfRange { index, .. } | SpecError::StepsNotAscending { index, .. } => {
            AttributePath::attr("strategy").join("steps").index(*index)
        }
        SpecError::InvalidGate { scope, index, .. } => {
            let waves_prefix = scope.strip_prefix("wave ").map(|w| w.trim_matches('"'));
            match waves_prefix.and_then(wave_index) {
                Some(w) => AttributePath::attr("waves").index(w).join("gate").index(*index),
                None => AttributePath::attr("gate").index(*index),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running the engine

/// Deletes both slots of every region of `regions` in one batch (nothing to do: no call).
async fn delete_slots(
    client: &ProviderClient,
    zone_id: &str,
    regions: &[globaldeploy_reconciler::model::RegionSpec],
    deadline: Instant,
) -> Result<(), String> {
    client.route53.invalidate_zone(zone_id);
    let listing = client
        .route53
        .record_sets(zone_id)
        .await
        .map_err(|err| format!("Listing zone {zone_id} failed: {err}"))?;
    let changes: Vec<Change> = regions
        .iter()
        .flat_map(|region| {
            let name = normalize_name(&region.record_name);
            listing
                .iter()
                .filter(move |set| set.name == name)
                .filter(|set| {
                    set.set_identifier
                        .as_deref()
                        .is_some_and(|id| slot_of(&region.record_name, id).is_some())
                })
                .map(|set| Change {
                    action: ChangeAction::Delete,
                    set: set.clone(),
                })
        })
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    tracing::info!(
        regions = names.join(", "),
        sets = changes.len(),
        "deleting blue/green record sets"
    );
    client
        .route53
        .change_batch(zone_id, changes, deadline)
        .await
        .map_err(|err| format!("Deleting the record sets of regions {names:?} in zone {zone_id} failed: {err}"))
}

fn prepare<'a>(
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

fn journal_of(location: &JournalLocation) -> Result<FileJournal, String> {
    match location {
        JournalLocation::File(dir) => Ok(FileJournal::new(dir)),
        JournalLocation::S3 { bucket, prefix } => Err(format!(
            "the s3://{bucket}/{prefix} journal is not supported by this build yet; use journal = \"file://DIR\""
        )),
    }
}

fn journal_url(location: &JournalLocation) -> String {
    match location {
        JournalLocation::File(dir) => format!("file://{dir}"),
        JournalLocation::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
    }
}

/// The latest rollout of `deployment` in the journal, if any (read errors are logged).
async fn journal_state(client: &ProviderClient, deployment: &str) -> Option<RolloutState> {
    let journal = journal_of(&client.journal).ok()?;
    let entries = match globaldeploy_reconciler::engine::ports::JournalStore::load(&journal, deployment).await {
        Ok(entries) => entries,
        Err(err) => {
            tracing::warn!(deployment, error = %err, "cannot read the rollout journal");
            return None;
        }
    };
    match replay(&entries) {
        Ok(state) => state,
        Err(err) => {
            tracing::warn!(deployment, error = %err, "the rollout journal does not replay");
            None
        }
    }
}

/// What every region serves now: the journal's last rollout, else the prior state.
async fn current_serving(client: &ProviderClient, prior: &Value, spec: &DeploymentSpec) -> BTreeMap<String, Serving> {
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
    let from_journal = journal_state(client, &spec.name)
        .await
        .map(|rs| rs.region_outcomes())
        .unwrap_or_default();
    let mut current = BTreeMap::new();
    for region in &spec.regions {
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
            current.insert(region.name.clone(), Serving { slot, version });
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

async fn run(
    ctx: &Context<ProviderClient>,
    client: &ProviderClient,
    spec: &DeploymentSpec,
    current: &BTreeMap<String, Serving>,
    limit: Duration,
) -> Result<Outcome, RunError> {
    let journal = journal_of(&client.journal).map_err(RunError::Setup)?;
    let http = HttpProbe::new().map_err(|e| RunError::Setup(format!("cannot set up the HTTP probe: {e}")))?;
    let probe = GateProbe::new(http, client.route53.clone());
    let traffic = Route53Traffic::new(client.route53.clone(), spec.zone_id.clone(), INSYNC_TIMEOUT);
    let clock = WallClock;
    let progress = LogProgress;
    let ports = Ports {
        traffic: &traffic,
        probe: &probe,
        clock: &clock,
        journal: &journal,
        approvals: &journal,
        progress: &progress,
    };
    let holder = format!("terraform-provider-globaldeploy (pid {})", std::process::id());
    let driver = Driver::new(ports, holder, LEASE_TTL);
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

enum RunError {
    Setup(String),
    Engine(EngineError),
    TimedOut(Duration, EngineError),
}

fn engine_diag(operation: &str, deployment: &str, err: &RunError) -> Diagnostic {
    match err {
        RunError::Setup(message) => Diagnostic::error(format!("Cannot {operation} deployment {deployment:?}"), message.clone()),
        RunError::TimedOut(limit, err) => Diagnostic::error(
            format!("Rollout of {deployment:?} timed out"),
            format!(
                "The {operation} did not finish within its timeout ({}): {err}. Raise `timeouts.{operation}` for longer \
                 rollouts.",
                go_duration(*limit)
            ),
        ),
        RunError::Engine(err @ EngineError::Unfinished { .. }) => Diagnostic::error(
            format!("An earlier rollout of {deployment:?} has not finished"),
            format!(
                "{err}. The provider does not guess whether a half-done rollout should be finished or reverted: \
                 finish it with `globaldeploy resume` (or revert it with `globaldeploy rollback {deployment}`), then \
                 run terraform apply again."
            ),
        ),
        RunError::Engine(err @ EngineError::Journal(_)) => Diagnostic::error(
            format!("Cannot run the rollout of {deployment:?}"),
            format!("{err}. If another apply or `globaldeploy` command is rolling out this deployment, wait for it to finish."),
        ),
        RunError::Engine(err) => Diagnostic::error(format!("Rollout of {deployment:?} failed"), err.to_string()),
    }
}

fn report_failure(outcome: &Outcome, diags: &mut Diagnostics) {
    let Some(failure) = &outcome.failure else {
        if outcome.status != globaldeploy_reconciler::engine::outcome::RolloutStatus::Succeeded {
            diags.error(
                format!("Rollout of {:?} did not succeed", outcome.deployment),
                format!("The rollout ended {}.", outcome.status.as_str()),
            );
        }
        return;
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
            "Rollout of {:?} to {} {}: health gate failed",
            outcome.deployment,
            outcome.target_version,
            outcome.status.as_str()
        ),
        format!(
            "{failure}.\n\nThe rollout ended {} (rollout {}); {serving}, so the next plan proposes version {} again. \
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

fn region_maps(regions: &BTreeMap<String, RegionOutcome>) -> (Value, Value) {
    let status = Value::map(
        regions
            .iter()
            .map(|(r, o)| (r.clone(), Value::string(o.status.to_string()))),
    );
    let slots = Value::map(
        regions
            .iter()
            .filter_map(|(r, o)| Some((r.clone(), Value::string(o.active_slot?.as_str())))),
    );
    (status, slots)
}

/// `base` with the outcome's truth: status, region maps, and `version`/`active_version` = the
/// version the whole deployment serves (`fallback_version` when regions differ).
fn state_from_outcome(base: &Value, outcome: &Outcome, fallback_version: Option<&Value>) -> Value {
    let mut state = base.clone();
    let (status, slots) = region_maps(&outcome.regions);
    state.set("status", Value::string(outcome.status.as_str()));
    state.set("region_status", status);
    state.set("active_slot", slots);
    set_versions(&mut state, outcome.serving_version.as_deref(), fallback_version);
    if let Some(Ok(spec)) = spec_of(&state) {
        state.set("rollout_plan", plan_rows(&spec));
    }
    state
}

fn set_versions(state: &mut Value, serving: Option<&str>, fallback_version: Option<&Value>) {
    match serving {
        Some(version) => {
            state.set("version", Value::string(version));
            state.set("active_version", Value::string(version));
        }
        None => {
            if let Some(version) = fallback_version.filter(|v| !v.is_null()) {
                state.set("version", version.clone());
            }
            state.set("active_version", Value::Null);
        }
    }
}

/// `base` refreshed from a journal state (finished or not).
fn state_from_rollout(base: &Value, rs: &RolloutState, fallback_version: Option<&Value>) -> Value {
    if let Some(outcome) = rs.outcome() {
        return state_from_outcome(base, &outcome, fallback_version);
    }
    let mut state = base.clone();
    let (status, slots) = region_maps(&rs.region_outcomes());
    state.set("status", Value::string("running"));
    state.set("region_status", status);
    state.set("active_slot", slots);
    set_versions(&mut state, rs.serving_version().as_deref(), fallback_version);
    if let Some(Ok(spec)) = spec_of(&state) {
        state.set("rollout_plan", plan_rows(&spec));
    }
    state
}

/// After a failed rollout, regions that do not serve the new version keep their prior target
/// in state (what they serve), so the next plan shows their target change again.
fn keep_prior_targets(mut state: Value, prior: &Value, outcome: &Outcome) -> Value {
    let Some(prior_regions) = prior.get("region").and_then(Value::as_list).map(<[Value]>::to_vec) else {
        return state;
    };
    let Some(regions) = state.get_mut("region") else {
        return state;
    };
    let Value::List(items) = regions else { return state };
    for item in items.iter_mut() {
        let Some(name) = item.get("name").and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        let on_new = outcome
            .regions
            .get(&name)
            .is_some_and(|o| o.version.as_deref() == Some(outcome.target_version.as_str()));
        if on_new {
            continue;
        }
        if let Some(old) = prior_regions
            .iter()
            .find(|r| r.get("name").and_then(Value::as_str) == Some(name.as_str()))
        {
            for attr in ["target", "target_alias"] {
                item.set(attr, old.get(attr).cloned().unwrap_or(Value::Null));
            }
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_render() {
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_millis(200)), "200ms");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(go_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn field_paths_parse() {
        let path = field_path("waves[0].gate[1].http.timeout");
        assert_eq!(
            path,
            AttributePath::attr("waves")
                .index(0)
                .join("gate")
                .index(1)
                .join("http")
                .join("timeout")
        );
    }
}
