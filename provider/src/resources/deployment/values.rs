//! Deployment values ↔ the rollout model: the spec of a configuration, plan or state, the
//! inverse for import, and the `rollout_plan` rows.

use std::collections::{BTreeMap, BTreeSet};

use globaldeploy_engine::human_time::duration;
use globaldeploy_engine::model::{Check, DeploymentSpec, GateSpec, Served, Target};
use globaldeploy_engine::schedule::{self, RolloutKind};
use crate::terraform_json::{deployment_from_json, SpecJsonError, DEPLOYMENT_COMPUTED};
use globaldeploy_sdk::cty::{json as cty_json, Value};
use globaldeploy_sdk::framework::model::ToValue;

use super::super::record_target::AliasModel;

use super::schema::schema_block;

/// The rollout spec of a deployment value (config, plan or state): `None` while an input is
/// unknown.
pub fn spec_of(value: &Value) -> Option<Result<DeploymentSpec, SpecJsonError>> {
    let Value::Object(mut inputs) = value.clone() else {
        return Some(Err(SpecJsonError {
            field: "(deployment)".into(),
            problem: format!("expected an object, found a {} value", value.kind()),
        }));
    };
    for name in DEPLOYMENT_COMPUTED.iter().chain(&["timeouts"]) {
        inputs.insert((*name).to_owned(), Value::Null);
    }
    let inputs = Value::Object(inputs);
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

/// The spec the schedule is computed from when only inputs it does not read are unknown (a
/// target or gate health check created in the same plan, the version from another resource):
/// those get placeholders, so `rollout_plan` is still known at plan time. Gates keep their
/// `interval` and `min_samples`, which a publication's hold is made of. Use it for the rows
/// only; the placeholders are not the deployment.
pub(super) fn schedule_spec_of(value: &Value) -> Option<Result<DeploymentSpec, SpecJsonError>> {
    let mut inputs = value.clone();
    set_if_unknown(&mut inputs, "version", Value::string("(known after apply)"));
    set_if_unknown(&mut inputs, "zone_id", Value::string("(known after apply)"));
    gate_placeholders(&mut inputs);
    if let Some(Value::List(waves)) = inputs.get_mut("waves") {
        for wave in waves.iter_mut().filter(|w| w.is_known() && !w.is_null()) {
            gate_placeholders(wave);
        }
    }
    if let Some(Value::List(regions) | Value::Set(regions)) = inputs.get_mut("region") {
        for region in regions.iter_mut().filter(|r| r.is_known() && !r.is_null()) {
            let target_known = ["target", "target_alias"]
                .iter()
                .all(|name| region.get(name).is_none_or(Value::is_wholly_known));
            if let (false, Value::Object(attributes)) = (target_known, &mut *region) {
                attributes.insert("target".into(), Value::list(vec![Value::string("192.0.2.1")]));
                attributes.insert("target_alias".into(), Value::Null);
            }
            set_if_unknown(region, "record_name", Value::string("known-after-apply.invalid"));
            set_if_unknown(region, "ttl", Value::int(60));
            set_if_unknown(region, "health_url", Value::Null);
        }
    }
    spec_of(&inputs)
}

/// Placeholders for what the schedule does not read in the `gate` blocks of `object`: the
/// checked URL or health check, and how samples are judged.
fn gate_placeholders(object: &mut Value) {
    let Some(Value::List(gates)) = object.get_mut("gate") else {
        return;
    };
    for gate in gates.iter_mut().filter(|g| g.is_known() && !g.is_null()) {
        set_if_unknown(gate, "success_ratio", Value::float(1.0));
        set_if_unknown(gate, "failure_threshold", Value::int(1));
        if let Some(http) = gate.get_mut("http").filter(|h| h.is_known() && !h.is_null()) {
            set_if_unknown(http, "url", Value::Null);
            set_if_unknown(http, "expect_status", Value::list(vec![Value::int(200)]));
            set_if_unknown(http, "timeout", Value::string("1s"));
            set_if_unknown(http, "max_latency", Value::Null);
        }
        if let Some(check) = gate
            .get_mut("route53_health_check")
            .filter(|c| c.is_known() && !c.is_null())
        {
            set_if_unknown(check, "health_check_id", Value::string("(known after apply)"));
        }
    }
}

fn set_if_unknown(object: &mut Value, name: &str, placeholder: Value) {
    if let Some(value) = object.get_mut(name).filter(|v| !v.is_wholly_known()) {
        *value = placeholder;
    }
}

/// The `rollout_plan` rows of rolling `spec` out over what its regions serve (`served`; empty
/// on create): the regions already serving it are carried, the rest published or shifted
/// ([`schedule::rollout_kind`], the engine's rule).
pub(super) fn rollout_rows(spec: &DeploymentSpec, served: &BTreeMap<String, Served>) -> Value {
    let carried = schedule::carried_regions(spec, served);
    let kind = schedule::rollout_kind(spec, &carried, |region| served.contains_key(region));
    plan_rows(spec, &carried, kind)
}

/// The `rollout_plan` rows of a rollout of `kind` of `spec`, leaving the `carried` regions in
/// place.
pub(super) fn plan_rows(spec: &DeploymentSpec, carried: &BTreeSet<String>, kind: RolloutKind) -> Value {
    Value::list(
        schedule::rollout_plan(spec, carried, kind)
            .into_iter()
            .map(|step| {
                Value::object([
                    ("wave", Value::string(step.wave)),
                    ("region", Value::string(step.region)),
                    ("step_percent", Value::int(i64::from(step.step_percent))),
                    ("hold", Value::string(duration(step.hold))),
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

globaldeploy_sdk::model! {
    /// What a region points at: literal `target` records or a `target_alias` (read from, and
    /// written into, a `region` block, whose other attributes it leaves alone).
    pub(super) struct RegionTarget {
        /// Literal records.
        pub(super) target: Option<Vec<String>>,
        /// Or an alias.
        pub(super) target_alias: Option<AliasModel>,
    }
}

impl RegionTarget {
    /// How a region spells `target`.
    pub(super) fn of(target: &Target) -> RegionTarget {
        match target {
            Target::Records(records) => RegionTarget {
                target: Some(records.clone()),
                target_alias: None,
            },
            Target::Alias {
                name,
                zone_id,
                evaluate_target_health,
            } => RegionTarget {
                target: None,
                target_alias: Some(AliasModel {
                    name: name.clone(),
                    zone_id: zone_id.clone(),
                    evaluate_target_health: *evaluate_target_health,
                }),
            },
        }
    }
}

/// A deployment value from a spec (import): the inverse of [`spec_of`].
pub(super) fn spec_to_value(spec: &DeploymentSpec) -> Value {
    let gates = |gates: &[GateSpec]| Value::list(gates.iter().map(gate_to_value).collect());
    let waves = spec
        .waves
        .iter()
        .map(|w| {
            Value::object([
                ("name", Value::string(&w.name)),
                ("regions", Value::list(w.regions.iter().map(Value::string).collect())),
                ("max_parallel", Value::int(i64::from(w.max_parallel))),
                ("bake_time", Value::string(duration(w.bake_time))),
                ("require_approval", Value::bool(w.require_approval)),
                ("gate", gates(&w.gates)),
            ])
        })
        .collect();
    let regions = spec
        .regions
        .iter()
        .map(|r| {
            let target = RegionTarget::of(&r.target);
            Value::object([
                ("name", Value::string(&r.name)),
                ("record_name", Value::string(&r.record_name)),
                ("ttl", Value::int(r.ttl)),
                ("target", target.target.to_value()),
                ("target_alias", target.target_alias.to_value()),
                ("health_url", r.health_url.as_deref().map_or(Value::Null, Value::string)),
                ("global_weight", Value::int(i64::from(r.global_weight))),
            ])
        })
        .collect();
    let on_failure = match spec.strategy.on_failure {
        globaldeploy_engine::model::OnFailure::RollbackRegion => "rollback_region",
        globaldeploy_engine::model::OnFailure::RollbackAll => "rollback_all",
        globaldeploy_engine::model::OnFailure::Halt => "halt",
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
        ("region_drift", Value::Null),
        ("region_version", Value::Null),
        ("active_slot", Value::Null),
        ("rollout_plan", Value::Null),
        (
            "strategy",
            Value::object([
                (
                    "steps",
                    Value::list(spec.strategy.steps.iter().map(|s| Value::int(i64::from(*s))).collect()),
                ),
                ("step_interval", Value::string(duration(spec.strategy.step_interval))),
                ("on_failure", Value::string(on_failure)),
            ]),
        ),
        ("region", Value::set_of(regions)),
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
                ("timeout", Value::string(duration(*timeout))),
                (
                    "max_latency",
                    max_latency.map_or(Value::Null, |d| Value::string(duration(d))),
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
        ("interval", Value::string(duration(gate.interval))),
        ("min_samples", Value::int(i64::from(gate.min_samples))),
        ("success_ratio", Value::float(gate.success_ratio)),
        ("failure_threshold", Value::int(i64::from(gate.failure_threshold))),
        ("http", http),
        ("route53_health_check", r53),
    ])
}

/// The names of the regions `value` declares.
pub(super) fn region_names(value: &Value) -> BTreeSet<String> {
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

/// The string entries of map attribute `name` of `value` (`None` when it is null or unknown).
fn string_map(value: &Value, name: &str) -> Option<BTreeMap<String, String>> {
    let map = value.get(name)?.as_map()?;
    Some(
        map.iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
    )
}

/// What each published region serves according to state `prior` (empty when it does not
/// describe a deployment): its target in state and its `region_version`.
pub(super) fn served_of(prior: &Value) -> BTreeMap<String, Served> {
    let Some(Ok(before)) = spec_of(prior) else {
        return BTreeMap::new();
    };
    let published: Option<BTreeSet<String>> = string_map(prior, "active_slot").map(|m| m.into_keys().collect());
    schedule::served_regions(&before, published.as_ref(), string_map(prior, "region_version").as_ref())
}
