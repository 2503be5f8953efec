//! `globaldeploy plan --terraform-plan FILE`: what a saved Terraform plan will do to
//! globaldeploy resources, read from `terraform show -json` output.
//!
//! Every `globaldeploy_deployment` change becomes a [`DeploymentPlan`]: the schedule from
//! [`rollout_plan`] (the same rows the provider shows as `rollout_plan`), the gates, the
//! estimated duration and each region's blue/green weights before and after. Every other
//! globaldeploy change becomes a [`ResourceChange`]: the attributes it changes, before →
//! after. The [`PlanReport`] is rendered by [`super::plan_render`]; its JSON form is the
//! stable machine-readable document. What Terraform marks sensitive says "(sensitive)" in
//! all three forms ([`super::sensitive`]), and gate URLs are shown redacted ([`redact::url`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::error::CliError;
use crate::sensitive::{schedule_reveals, Mask, Secrets, SENSITIVE};
use crate::table::percent;
use globaldeploy_engine::human_time::duration;
use globaldeploy_engine::model::{Check, DeploymentSpec, GateSpec, OnFailure, Served, Slot, Weights};
use globaldeploy_engine::redact;
use globaldeploy_engine::schedule::{
    carried_regions, estimated_duration, rollout_kind, rollout_plan, served_regions, validate, RolloutKind,
};
// The rollout tables say more about the computed attributes than their diff would.
use globaldeploy_provider::terraform_json::{deployment_from_json, DEPLOYMENT_COMPUTED};

/// Version of the JSON document's shape.
const FORMAT_VERSION: &str = "1";
/// The resource type that rolls out.
const DEPLOYMENT: &str = "globaldeploy_deployment";
/// What Terraform cannot know until apply.
pub const UNKNOWN: &str = "(known after apply)";
/// Nested blocks that are sets keyed by an attribute (`name`, `set_identifier`): Terraform's JSON
/// lists their elements in an order of its own, so they are listed by key.
pub(crate) const SET_BLOCKS: [&str; 2] = ["region", "endpoint"];
/// Attributes of a deployment the schedule is computed from.
const SCHEDULE_INPUTS: [&str; 3] = ["waves", "region", "strategy"];

/// Everything a plan does to globaldeploy resources.
#[derive(Clone, Debug, Serialize)]
pub struct PlanReport {
    /// Shape version of this document.
    pub format_version: &'static str,
    /// The Terraform version that wrote the plan.
    pub terraform_version: Option<String>,
    /// One line per deployment change ("api: v1 → v2, 3 waves, 5 regions, ~6m").
    pub summary: Vec<String>,
    /// Deployment changes, in plan order.
    pub deployments: Vec<DeploymentPlan>,
    /// Other globaldeploy changes, in plan order.
    pub changes: Vec<ResourceChange>,
}

/// What Terraform does to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Created.
    Create,
    /// Updated in place.
    Update,
    /// Destroyed and created again.
    Replace,
    /// Destroyed.
    Delete,
}

impl Action {
    /// From a resource change's `actions`; `None` for no-op and read.
    fn from_actions(actions: &[Value]) -> Option<Action> {
        let names: Vec<&str> = actions.iter().filter_map(Value::as_str).collect();
        match names.as_slice() {
            ["create"] => Some(Action::Create),
            ["update"] => Some(Action::Update),
            ["delete"] => Some(Action::Delete),
            ["delete", "create"] | ["create", "delete"] => Some(Action::Replace),
            _ => None,
        }
    }

    /// "created", "updated in place", "replaced", "deleted".
    pub fn past_tense(self) -> &'static str {
        match self {
            Action::Create => "created",
            Action::Update => "updated in place",
            Action::Replace => "replaced",
            Action::Delete => "deleted",
        }
    }
}

/// One `globaldeploy_deployment` change.
#[derive(Clone, Debug, Serialize)]
pub struct DeploymentPlan {
    /// Resource address.
    pub address: String,
    /// What Terraform does.
    pub action: Action,
    /// Deployment name.
    pub name: Option<String>,
    /// The version served before (`None` on create).
    pub from_version: Option<String>,
    /// The version after (`None` on delete).
    pub to_version: Option<String>,
    /// The rollout, when the change moves traffic.
    pub rollout: Option<RolloutPlan>,
    /// Why no schedule could be computed, or why the rollout would be rejected.
    pub problems: Vec<String>,
    /// Changed settings (computed attributes left out: the rollout tables show them).
    pub attributes: Vec<AttributeChange>,
}

/// How a deployment's rollout will run.
#[derive(Clone, Debug, Serialize)]
pub struct RolloutPlan {
    /// `publish` (no region it moves was published: each goes live at 100 % on blue once its
    /// gates first pass; `steps`, `step_interval` and bake do not apply) or `shift` (traffic
    /// moves step by step to the idle slot).
    pub mode: RolloutKind,
    /// Step percentages (of a shift).
    pub steps: Vec<u8>,
    /// Hold at each step (of a shift).
    pub step_interval: String,
    /// What a failed gate does.
    pub on_failure: &'static str,
    /// Estimated duration without approvals, Go-style.
    pub estimated_duration: String,
    /// The same, in seconds.
    pub estimated_duration_seconds: u64,
    /// Gates of every region.
    pub gates: Vec<GatePlan>,
    /// Waves in order.
    pub waves: Vec<WavePlan>,
    /// One row per region per step (per region, at 100 %, in a publication): exactly the
    /// provider's `rollout_plan`.
    pub schedule: Vec<ScheduleRow>,
    /// Each region's weights before and after.
    pub weights: Vec<WeightChange>,
}

/// One wave of a rollout.
#[derive(Clone, Debug, Serialize)]
pub struct WavePlan {
    /// Wave name.
    pub name: String,
    /// Its regions, in order.
    pub regions: Vec<String>,
    /// Regions moving at once.
    pub max_parallel: u32,
    /// Bake at 100 %, Go-style.
    pub bake_time: String,
    /// Whether it waits for `globaldeploy approve`.
    pub require_approval: bool,
    /// Gates of this wave only.
    pub gates: Vec<GatePlan>,
}

/// A gate: its check and how it is judged.
#[derive(Clone, Debug, Serialize)]
pub struct GatePlan {
    /// In words, for people.
    pub description: String,
    /// `http` or `route53_health_check`.
    pub check: &'static str,
    /// HTTP: the probed URL (`None`: the region's `health_url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// HTTP: healthy status codes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expect_status: Vec<u16>,
    /// HTTP: per-probe timeout, Go-style.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// HTTP: largest p95 latency, Go-style.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_latency: Option<String>,
    /// Route 53: the health check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_id: Option<String>,
    /// Time between evaluations, Go-style.
    pub interval: String,
    /// Samples needed before it can pass.
    pub min_samples: u32,
    /// Share of successful samples needed.
    pub success_ratio: f64,
    /// Consecutive failed evaluations before the failure policy applies.
    pub failure_threshold: u32,
}

/// One row of the schedule.
#[derive(Clone, Debug, Serialize)]
pub struct ScheduleRow {
    /// Wave name.
    pub wave: String,
    /// Region name.
    pub region: String,
    /// Percent of the region's traffic on the new version.
    pub step_percent: u8,
    /// Hold, Go-style.
    pub hold: String,
    /// Hold in seconds.
    pub hold_seconds: u64,
    /// Share of global traffic on the new version.
    pub global_exposure_percent: f64,
}

/// One region's weights before and after.
#[derive(Clone, Debug, Serialize)]
pub struct WeightChange {
    /// Region name.
    pub region: String,
    /// The record whose weights move.
    pub record_name: String,
    /// The region's share of global traffic.
    pub global_weight: u32,
    /// Before (`None` when never published).
    pub before: Option<Weights>,
    /// After a successful rollout.
    pub after: Weights,
}

/// Any other globaldeploy change.
#[derive(Clone, Debug, Serialize)]
pub struct ResourceChange {
    /// Resource address.
    pub address: String,
    /// Resource type.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// What Terraform does.
    pub action: Action,
    /// Changed attributes.
    pub attributes: Vec<AttributeChange>,
}

/// One changed attribute; `None` means absent or null.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttributeChange {
    /// Path, with list elements named by their `set_identifier` or `name` where they have one.
    pub path: String,
    /// Before.
    pub before: Option<Value>,
    /// After (`None` as well when only known after apply).
    pub after: Option<Value>,
    /// Whether the value is known only after apply.
    pub after_unknown: bool,
    /// Whether Terraform marks the value sensitive: `before` and `after` then say
    /// "(sensitive)" (see [`super::sensitive`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

/// A leaf of a resource's values.
#[derive(Clone, Debug, PartialEq)]
enum Leaf {
    /// A known value (a scalar, or a list of scalars).
    Known(Value),
    /// Known only after apply.
    Unknown,
}

/// A leaf and whether Terraform marks it sensitive.
#[derive(Clone, Debug, PartialEq)]
struct Flat {
    leaf: Leaf,
    sensitive: bool,
}

/// Reads `path` (output of `terraform show -json PLANFILE`) and builds the report.
pub fn read(path: &Path) -> Result<PlanReport, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadPlan {
        path: path.to_owned(),
        source,
    })?;
    let plan: Value = serde_json::from_str(&text).map_err(|source| CliError::PlanJson {
        path: path.to_owned(),
        source,
    })?;
    report(&plan).map_err(|problem| CliError::NotAPlan {
        path: path.to_owned(),
        problem,
    })
}

/// The report of a parsed plan; `Err` says what makes it not a plan.
pub fn report(plan: &Value) -> Result<PlanReport, String> {
    if plan.get("format_version").and_then(Value::as_str).is_none() {
        return Err("it has no \"format_version\"".to_owned());
    }
    let changes = match plan.get("resource_changes") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(changes)) => changes.as_slice(),
        Some(_) => return Err("\"resource_changes\" is not a list".to_owned()),
    };
    let mut report = PlanReport {
        format_version: FORMAT_VERSION,
        terraform_version: plan.get("terraform_version").and_then(Value::as_str).map(str::to_owned),
        summary: Vec::new(),
        deployments: Vec::new(),
        changes: Vec::new(),
    };
    for change in changes {
        let field = |name: &str| change.get(name).and_then(Value::as_str).unwrap_or_default();
        let resource_type = field("type");
        if !resource_type.starts_with("globaldeploy_") || change.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        let body = change.get("change").unwrap_or(&Value::Null);
        let actions = body.get("actions").and_then(Value::as_array);
        let Some(action) = actions.and_then(|a| Action::from_actions(a)) else {
            continue;
        };
        let values = Values {
            before: body.get("before").unwrap_or(&Value::Null),
            after: body.get("after").unwrap_or(&Value::Null),
            unknown: body.get("after_unknown").unwrap_or(&Value::Null),
            before_sensitive: Mask::of(body, "before_sensitive"),
            after_sensitive: Mask::of(body, "after_sensitive"),
        };
        let secrets = Secrets::of(&[
            (values.before, values.before_sensitive),
            (values.after, values.after_sensitive),
        ]);
        let address = field("address").to_owned();
        if resource_type == DEPLOYMENT {
            let mut deployment = deployment(address, action, &values);
            secrets.deployment(&mut deployment);
            report.summary.push(summary(&deployment));
            report.deployments.push(deployment);
        } else {
            let mut attributes = attribute_changes(&values, &[]);
            secrets.attributes(&mut attributes);
            report.changes.push(ResourceChange {
                address,
                resource_type: resource_type.to_owned(),
                action,
                attributes,
            });
        }
    }
    Ok(report)
}

/// "api: v1 → v2, 3 waves, 5 regions, ~6m".
fn summary(d: &DeploymentPlan) -> String {
    let name = d.name.as_deref().unwrap_or(&d.address);
    let version = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_owned());
    let from = version(&d.from_version, "(new)");
    let to = match d.action {
        Action::Delete => "(deleted)".to_owned(),
        _ => version(&d.to_version, UNKNOWN),
    };
    match &d.rollout {
        Some(r) => {
            let regions: usize = r.waves.iter().map(|w| w.regions.len()).sum();
            format!(
                "{name}: {from} → {to}, {} {}, {regions} {}, ~{}",
                r.waves.len(),
                plural(r.waves.len(), "wave"),
                plural(regions, "region"),
                r.estimated_duration
            )
        }
        None if d.action == Action::Delete => format!("{name}: deleted (its record sets are removed)"),
        None => format!("{name}: {from} → {to}, no rollout (settings only)"),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// One resource change's values as `terraform show -json` writes them.
struct Values<'a> {
    before: &'a Value,
    after: &'a Value,
    unknown: &'a Value,
    before_sensitive: Mask<'a>,
    after_sensitive: Mask<'a>,
}

fn deployment(address: String, action: Action, values: &Values<'_>) -> DeploymentPlan {
    let (before, after, unknown) = (values.before, values.after, values.unknown);
    let string = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut plan = DeploymentPlan {
        address,
        action,
        name: string(after, "name").or_else(|| string(before, "name")),
        from_version: string(before, "version"),
        to_version: string(after, "version"),
        rollout: None,
        problems: Vec::new(),
        attributes: attribute_changes(values, DEPLOYMENT_COMPUTED),
    };
    if action == Action::Delete {
        return plan;
    }
    if let Some(path) = schedule_reveals(values.after_sensitive) {
        plan.problems.push(format!(
            "the schedule is not shown: `{path}` is sensitive, and the schedule would reveal it"
        ));
        return plan;
    }
    if unknown.get("version") == Some(&Value::Bool(true)) {
        plan.to_version = Some(UNKNOWN.to_owned());
    }
    // A wholly unknown list reads as empty: say so rather than show an empty schedule.
    if let Some(field) = SCHEDULE_INPUTS
        .into_iter()
        .find(|field| unknown.get(field) == Some(&Value::Bool(true)))
    {
        plan.problems.push(format!(
            "the schedule is not known at plan time: `{field}` is {UNKNOWN}"
        ));
        return plan;
    }
    let spec = match deployment_from_json(after) {
        Ok(spec) => spec,
        Err(e) => {
            plan.problems
                .push(format!("the schedule is not known at plan time: {e}"));
            return plan;
        }
    };
    plan.problems.extend(validate(&spec).iter().map(ToString::to_string));
    // Replacement re-creates the records: it publishes, like a create.
    let previous = match action {
        Action::Update => deployment_from_json(before).ok(),
        _ => None,
    };
    let served = previous
        .as_ref()
        .map(|prev| {
            served_regions(
                prev,
                json_keys(before, "active_slot").as_ref(),
                json_strings(before, "region_version").as_ref(),
            )
        })
        .unwrap_or_default();
    let moves = match &previous {
        None => true,
        Some(prev) => {
            prev.version != spec.version
                || spec.regions.iter().any(|r| {
                    prev.regions
                        .iter()
                        .find(|p| p.name == r.name)
                        .is_none_or(|p| p.target != r.target)
                })
        }
    };
    if let Some(prev) = previous.as_ref().filter(|prev| prev.version != spec.version) {
        for region in spec.regions.iter().filter(|r| !served.contains_key(&r.name)) {
            plan.problems.push(format!(
                "region {:?} is new while the version changes from {} to {}: add the region first (apply with \
                 version {}), then change the version",
                region.name, prev.version, spec.version, prev.version
            ));
        }
    }
    if moves {
        plan.rollout = Some(rollout(&spec, &served, before));
    }
    plan
}

/// The keys of map attribute `name` of `value` (`None` when it is not a map).
fn json_keys(value: &Value, name: &str) -> Option<BTreeSet<String>> {
    Some(value.get(name)?.as_object()?.keys().cloned().collect())
}

/// The string entries of map attribute `name` of `value` (`None` when it is not a map).
fn json_strings(value: &Value, name: &str) -> Option<BTreeMap<String, String>> {
    let map = value.get(name)?.as_object()?;
    Some(
        map.iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
    )
}

/// The rollout of `spec` from what its regions serve (`served`; empty on create or replace):
/// regions already serving `spec` are carried, and the rest publish (never published) or shift.
fn rollout(spec: &DeploymentSpec, served: &BTreeMap<String, Served>, before: &Value) -> RolloutPlan {
    let carried = carried_regions(spec, served);
    let kind = rollout_kind(spec, &carried, |region| served.contains_key(region));
    let estimate = estimated_duration(spec, &carried, kind);
    let active_slot = |region: &str| -> Option<Slot> {
        if !served.contains_key(region) {
            return None;
        }
        match before.get("active_slot")?.get(region)?.as_str()? {
            "blue" => Some(Slot::Blue),
            "green" => Some(Slot::Green),
            _ => None,
        }
    };
    RolloutPlan {
        mode: kind,
        steps: spec.strategy.steps.clone(),
        step_interval: duration(spec.strategy.step_interval),
        on_failure: match spec.strategy.on_failure {
            OnFailure::RollbackRegion => "rollback_region",
            OnFailure::RollbackAll => "rollback_all",
            OnFailure::Halt => "halt",
        },
        estimated_duration: duration(estimate),
        estimated_duration_seconds: estimate.as_secs(),
        gates: spec.gates.iter().map(gate_plan).collect(),
        waves: spec
            .waves
            .iter()
            .map(|w| WavePlan {
                name: w.name.clone(),
                regions: w.regions.clone(),
                max_parallel: w.max_parallel,
                bake_time: duration(w.bake_time),
                require_approval: w.require_approval,
                gates: w.gates.iter().map(gate_plan).collect(),
            })
            .collect(),
        schedule: rollout_plan(spec, &carried, kind)
            .into_iter()
            .map(|s| ScheduleRow {
                wave: s.wave,
                region: s.region,
                step_percent: s.step_percent,
                hold: duration(s.hold),
                hold_seconds: s.hold.as_secs(),
                global_exposure_percent: s.global_exposure_percent,
            })
            .collect(),
        weights: spec
            .regions
            .iter()
            .map(|r| {
                let serving = active_slot(&r.name);
                let after = match serving {
                    // A carried region keeps serving from its slot.
                    Some(slot) if carried.contains(&r.name) => slot,
                    // The new version goes to the idle slot (blue on a first publication).
                    Some(slot) => slot.other(),
                    None => Slot::Blue,
                };
                WeightChange {
                    region: r.name.clone(),
                    record_name: r.record_name.clone(),
                    global_weight: r.global_weight,
                    before: serving.map(Weights::all_on),
                    after: Weights::all_on(after),
                }
            })
            .collect(),
    }
}

fn gate_plan(gate: &GateSpec) -> GatePlan {
    let mut plan = GatePlan {
        description: describe_gate(gate),
        check: "http",
        url: None,
        expect_status: Vec::new(),
        timeout: None,
        max_latency: None,
        health_check_id: None,
        interval: duration(gate.interval),
        min_samples: gate.min_samples,
        success_ratio: gate.success_ratio,
        failure_threshold: gate.failure_threshold,
    };
    match &gate.check {
        Check::Http {
            url,
            expect_status,
            timeout,
            max_latency,
        } => {
            plan.url = url.as_deref().map(|u| redact::url(u).into_owned());
            plan.expect_status.clone_from(expect_status);
            plan.timeout = Some(duration(*timeout));
            plan.max_latency = max_latency.map(duration);
        }
        Check::Route53HealthCheck { health_check_id } => {
            plan.check = "route53_health_check";
            plan.health_check_id = Some(health_check_id.clone());
        }
    }
    plan
}

/// One line per gate: the check, then how it is judged.
fn describe_gate(gate: &GateSpec) -> String {
    let check = match &gate.check {
        Check::Http {
            url,
            expect_status,
            timeout,
            max_latency,
        } => {
            let codes: Vec<String> = expect_status.iter().map(ToString::to_string).collect();
            let mut text = format!(
                "http {} expects {} within {}",
                url.as_deref().map_or(Cow::Borrowed("health_url"), redact::url),
                codes.join("/"),
                duration(*timeout)
            );
            if let Some(max) = max_latency {
                text.push_str(&format!(", p95 ≤ {}", duration(*max)));
            }
            text
        }
        Check::Route53HealthCheck { health_check_id } => {
            format!("route53 health check {health_check_id} healthy")
        }
    };
    format!(
        "{check}; every {}, {} samples, success ≥ {}, fails after {} consecutive failed evaluations (then on_failure applies)",
        duration(gate.interval),
        gate.min_samples,
        percent(gate.success_ratio * 100.0),
        gate.failure_threshold
    )
}

/// The attributes that differ between `before` and `after`, leaving out top-level `skip`.
/// Sensitive ones are compared by value but shown as "(sensitive)".
fn attribute_changes(values: &Values<'_>, skip: &[&str]) -> Vec<AttributeChange> {
    let mut old = Vec::new();
    flatten(
        values.before,
        &Value::Null,
        values.before_sensitive,
        String::new(),
        &mut old,
    );
    let mut new = Vec::new();
    flatten(
        values.after,
        values.unknown,
        values.after_sensitive,
        String::new(),
        &mut new,
    );
    let top = |path: &str| {
        let end = path.find(['.', '[']).unwrap_or(path.len());
        skip.contains(&&path[..end])
    };
    let lookup = |list: &[(String, Flat)], path: &str| list.iter().find(|(p, _)| p == path).map(|(_, v)| v.clone());
    let mut out: Vec<AttributeChange> = Vec::new();
    let paths = new.iter().chain(&old).map(|(p, _)| p);
    for path in paths {
        if top(path) || out.iter().any(|c| &c.path == path) {
            continue;
        }
        let (b, a) = (lookup(&old, path), lookup(&new, path));
        let leaf = |flat: &Option<Flat>| flat.as_ref().map(|f| f.leaf.clone());
        if leaf(&b) != leaf(&a) {
            let sensitive = [&b, &a].iter().any(|f| f.as_ref().is_some_and(|f| f.sensitive));
            let known = |flat: Option<Flat>| match flat {
                Some(Flat {
                    leaf: Leaf::Known(_),
                    sensitive: true,
                }) => Some(Value::String(SENSITIVE.to_owned())),
                Some(Flat {
                    leaf: Leaf::Known(v), ..
                }) => Some(redact_urls(v)),
                _ => None,
            };
            out.push(AttributeChange {
                path: path.clone(),
                after_unknown: leaf(&a) == Some(Leaf::Unknown),
                before: known(b),
                after: known(a),
                sensitive,
            });
        }
    }
    out
}

/// `value` with every URL in its strings shown by [`redact::urls_in`].
fn redact_urls(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(redact::urls_in(&text).into_owned()),
        Value::Array(items) => Value::Array(items.into_iter().map(redact_urls).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, redact_urls(v))).collect()),
        other => other,
    }
}

/// Leaves of `value` by path; nulls are left out, lists of scalars are one leaf, and a `true`
/// in `unknown` at or above a path makes it unknown. A sensitive value is one leaf however
/// deep it is (its inside would name what it holds).
fn flatten(value: &Value, unknown: &Value, sensitive: Mask<'_>, path: String, out: &mut Vec<(String, Flat)>) {
    let flat = |leaf: Leaf| Flat {
        leaf,
        sensitive: sensitive.all(),
    };
    if unknown == &Value::Bool(true) {
        out.push((path, flat(Leaf::Unknown)));
        return;
    }
    if sensitive.all() {
        if !value.is_null() {
            out.push((path, flat(Leaf::Known(value.clone()))));
        }
        return;
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, v) in map {
                flatten(
                    v,
                    unknown.get(key).unwrap_or(&Value::Null),
                    sensitive.key(key),
                    join(key),
                    out,
                );
            }
            if let Value::Object(unknown) = unknown {
                for (key, u) in unknown {
                    if !map.contains_key(key) && u == &Value::Bool(true) {
                        out.push((join(key), flat(Leaf::Unknown)));
                    }
                }
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            let mut keyed: Vec<(usize, String)> = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let element = sensitive.index(i);
                    // A sensitive name does not name the element: its index does.
                    let key = ["set_identifier", "name"]
                        .iter()
                        .filter(|k| !element.key(k).all())
                        .find_map(|k| item.get(k).and_then(Value::as_str))
                        .map_or_else(|| i.to_string(), |k| format!("{k:?}"));
                    (i, key)
                })
                .collect();
            if SET_BLOCKS.contains(&path.as_str()) {
                keyed.sort_by(|a, b| a.1.cmp(&b.1));
            }
            for (i, key) in keyed {
                let element = sensitive.index(i);
                flatten(
                    &items[i],
                    unknown.get(i).unwrap_or(&Value::Null),
                    element,
                    format!("{path}[{key}]"),
                    out,
                );
            }
        }
        Value::Array(items) if (0..items.len()).any(|i| sensitive.index(i).all()) => {
            // Some elements of a list of scalars are sensitive: the list as a whole is shown so.
            out.push((
                path,
                Flat {
                    leaf: Leaf::Known(value.clone()),
                    sensitive: true,
                },
            ));
        }
        leaf => out.push((path, flat(Leaf::Known(leaf.clone())))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn changed_attributes_name_list_elements_and_unknowns() {
        let before = json!({"id": "Z/api/A", "ttl": 60, "endpoint": [
            {"set_identifier": "use1", "weight": 50, "records": ["192.0.2.1"]},
            {"set_identifier": "euw1", "weight": 50, "records": ["192.0.2.2"]}]});
        let after = json!({"id": null, "ttl": 60, "endpoint": [
            {"set_identifier": "use1", "weight": 70, "records": ["192.0.2.1"]},
            {"set_identifier": "euw1", "weight": 30, "records": ["192.0.2.2"]}]});
        let unknown = json!({"id": true});
        let values = Values {
            before: &before,
            after: &after,
            unknown: &unknown,
            before_sensitive: Mask::of(&Value::Null, ""),
            after_sensitive: Mask::of(&Value::Null, ""),
        };
        let changes = attribute_changes(&values, &[]);
        let rows: Vec<(&str, Option<Value>, Option<Value>, bool)> = changes
            .iter()
            .map(|c| (c.path.as_str(), c.before.clone(), c.after.clone(), c.after_unknown))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("id", Some(json!("Z/api/A")), None, true),
                ("endpoint[\"euw1\"].weight", Some(json!(50)), Some(json!(30)), false),
                ("endpoint[\"use1\"].weight", Some(json!(50)), Some(json!(70)), false),
            ]
        );
    }

    #[test]
    fn unknown_waves_are_a_problem_not_an_empty_schedule() {
        let plan = json!({"format_version": "1.2", "resource_changes": [{
            "address": "globaldeploy_deployment.api", "type": "globaldeploy_deployment", "mode": "managed",
            "change": {"actions": ["create"], "before": null,
                "after": {"name": "api", "version": "v1", "zone_id": "Z1", "region": []},
                "after_unknown": {"waves": true, "region": []}}
        }]});
        let report = report(&plan).expect("a plan");
        let deployment = &report.deployments[0];
        assert!(deployment.rollout.is_none());
        assert_eq!(
            deployment.problems,
            ["the schedule is not known at plan time: `waves` is (known after apply)"]
        );
    }

    #[test]
    fn a_document_without_format_version_is_not_a_plan() {
        assert!(report(&json!({"resource_changes": []})).is_err());
        assert!(report(&json!({"format_version": "1.2", "resource_changes": {}})).is_err());
        let empty = report(&json!({"format_version": "1.2"})).unwrap();
        assert!(empty.deployments.is_empty() && empty.changes.is_empty());
    }
}
