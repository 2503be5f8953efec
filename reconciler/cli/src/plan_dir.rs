//! `globaldeploy plan DIR`: the schedule of a configuration directory, read with the `hcl`
//! crate instead of from a saved Terraform plan.
//!
//! The loaded resources are planned as the provider plans a new resource (its defaults and
//! computed attributes, [`ProviderPlanner`]) and written into the document `terraform show
//! -json` writes for a plan that creates them all. That document goes through the same
//! [`plan::report`] as `plan --terraform-plan`, so both print the same schedule; what the files
//! cannot tell (computed attributes, functions the `hcl` crate does not evaluate) shows as
//! "(known after apply)", and what Terraform would hide (sensitive variables and what is
//! computed from them) as "(sensitive)".
//!
//! The plan walks the provider's own schemas (the values behind GetProviderSchema): its
//! defaults, its computed attributes, its nesting; only what the resources' own plan
//! adjustments add (ids known from the configuration, a health check's default port) is
//! written here. The end-to-end tests compare this command with `terraform plan` on the
//! examples.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use globaldeploy_hcl::{CliVariable, Configuration, Mode, Planner, Value, Variables};
use serde_json::json;

use crate::args::PlanArgs;
use crate::error::CliError;
use crate::plan::{self, PlanReport};
use globaldeploy_adapters::aws::records::{normalize_name, strip_zone_prefix};
use globaldeploy_provider::resources::resources;
use globaldeploy_sdk::cty;
use globaldeploy_sdk::{Attribute, Block, Nesting};

/// Loads `dir` and reports what applying it to an empty state would do. Warnings (what was
/// not evaluated) go to stderr.
pub fn read(dir: &Path, variables: &Variables) -> Result<PlanReport, CliError> {
    let config =
        Configuration::load_with(dir, variables, &ProviderPlanner).map_err(|errors| CliError::Configuration {
            dir: dir.to_owned(),
            errors,
        })?;
    for warning in &config.warnings {
        eprintln!("{warning}");
    }
    plan::report(&plan_document(&config)).map_err(|problem| CliError::NotAPlan {
        path: dir.to_owned(),
        problem,
    })
}

/// The variables of `plan DIR`: `TF_VAR_*`, then `--var-file`s, then `--var`s.
pub fn variables(args: &PlanArgs) -> Variables {
    let files = args.var_files.iter().cloned().map(CliVariable::File);
    let vars = args.vars.iter().cloned().map(CliVariable::Var);
    Variables {
        cli: files.chain(vars).collect(),
        environment: Vec::new(),
    }
    .with_process_environment()
}

/// The `terraform show -json` document of a plan that creates every globaldeploy resource of
/// `config`, in Terraform's order (by address).
pub fn plan_document(config: &Configuration) -> serde_json::Value {
    let mut resources: Vec<_> = config
        .resources
        .iter()
        .filter(|r| r.mode == Mode::Managed && r.resource_type.starts_with("globaldeploy_"))
        .collect();
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    let changes: Vec<_> = resources
        .iter()
        .map(|r| {
            json!({
                "address": r.address,
                "mode": "managed",
                "type": r.resource_type,
                "name": r.name,
                "change": {
                    "actions": ["create"],
                    "before": null,
                    "after": r.values.known_json(),
                    "after_unknown": r.values.unknown_mask(),
                    "after_sensitive": sets_wholly_sensitive(r.values.sensitive_mask()),
                },
            })
        })
        .collect();
    json!({"format_version": "1.2", "resource_changes": changes})
}

/// Terraform cannot mark one element of a set: a sensitive value anywhere in a set block
/// (`region`, `endpoint`) makes the whole set sensitive, and `plan DIR` hides what it hides.
fn sets_wholly_sensitive(mut mask: serde_json::Value) -> serde_json::Value {
    fn any_true(mask: &serde_json::Value) -> bool {
        match mask {
            serde_json::Value::Bool(b) => *b,
            serde_json::Value::Array(items) => items.iter().any(any_true),
            serde_json::Value::Object(map) => map.values().any(any_true),
            _ => false,
        }
    }
    if let Some(map) = mask.as_object_mut() {
        for name in plan::SET_BLOCKS {
            if map.get(name).is_some_and(any_true) {
                map.insert(name.to_owned(), serde_json::Value::Bool(true));
            }
        }
    }
    mask
}

/// The provider's schema of `resource_type`, built once per process rather than once per
/// resource of the configuration.
fn schema(resource_type: &str) -> Option<&'static Block> {
    static SCHEMAS: LazyLock<BTreeMap<&'static str, Block>> = LazyLock::new(|| {
        resources()
            .into_iter()
            .map(|resource| (resource.type_name(), resource.schema().block))
            .collect()
    });
    SCHEMAS.get(resource_type)
}

/// An attribute's default as the `hcl` crate's value.
fn default_of(attribute: &Attribute) -> Option<Value> {
    let default = attribute.default.as_ref()?;
    cty::json::encode(default, &attribute.ty).ok().map(from_json)
}

/// A JSON value (known, unmarked) as the `hcl` crate's value.
fn from_json(json: serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => Value::Number(n),
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(items) => Value::List(items.into_iter().map(from_json).collect()),
        serde_json::Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

/// Plans globaldeploy resources as the provider does on create.
pub struct ProviderPlanner;

impl Planner for ProviderPlanner {
    fn plan(&self, mode: Mode, resource_type: &str, configured: Value) -> Value {
        let Some(schema) = schema(resource_type).filter(|_| mode == Mode::Managed) else {
            return configured;
        };
        // The schema leaves `port` unknown when unset; the resource's plan knows it from `type`.
        let port_unset = matches!(configured.get("port"), None | Some(Value::Null));
        let mut planned = plan_block(schema, configured);
        if let Value::Object(map) = &mut planned {
            match resource_type {
                // The provider identifies a deployment by its name.
                "globaldeploy_deployment" => {
                    if let Some(name) = map.get("name").filter(|n| matches!(n, Value::String(_))).cloned() {
                        map.insert("id".to_owned(), name);
                    }
                    // `waves` holds wave objects converted to the attribute's object type:
                    // everything but the wave's `id`.
                    if let Some(Value::List(waves)) = map.get_mut("waves") {
                        for wave in waves {
                            if let Value::Object(wave) = wave {
                                wave.remove("id");
                            }
                        }
                    }
                }
                "globaldeploy_health_check" if port_unset => {
                    let port = match map.get("type") {
                        Some(Value::String(t)) if t.starts_with("HTTPS") => 443.into(),
                        Some(Value::String(t)) if t.starts_with("HTTP") => 80.into(),
                        Some(Value::Unknown) => Value::Unknown,
                        _ => Value::Null,
                    };
                    map.insert("port".to_owned(), port);
                }
                // Record sets are identified by zone, name and type, all known from the files.
                "globaldeploy_weighted_record" | "globaldeploy_failover_policy" => {
                    let known = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
                    if let (Some(zone), Some(name), Some(rtype)) = (known("zone_id"), known("name"), known("type")) {
                        let mut fqdn = normalize_name(&name);
                        if fqdn.len() > 1 {
                            fqdn.pop();
                        }
                        let id = format!("{}/{fqdn}/{}", strip_zone_prefix(&zone), rtype.to_ascii_uppercase());
                        map.insert("id".to_owned(), Value::String(id));
                        map.insert("fqdn".to_owned(), Value::String(fqdn));
                    }
                }
                _ => {}
            }
        }
        planned
    }
}

/// What the provider plans for a new `block` configured as `configured` (the SDK's create
/// plan): unset attributes take their defaults, computed ones without a default are unknown,
/// and nested blocks are planned in turn, a single block as an object (`null` when absent), a
/// list or set as a list (as Terraform's JSON writes both).
fn plan_block(block: &Block, configured: Value) -> Value {
    let Value::Object(mut map) = configured else {
        return configured;
    };
    for attribute in &block.attributes {
        if !matches!(map.get(&attribute.name), None | Some(Value::Null)) {
            continue;
        }
        if let Some(default) = default_of(attribute) {
            map.insert(attribute.name.clone(), default);
        } else if attribute.is_computed() {
            map.insert(attribute.name.clone(), Value::Unknown);
        }
    }
    for nested in &block.blocks {
        let blocks = map.remove(&nested.name).unwrap_or(Value::List(Vec::new()));
        let planned = match (nested.nesting, blocks) {
            (Nesting::List | Nesting::Set, Value::List(items)) => {
                Value::List(items.into_iter().map(|item| plan_block(&nested.block, item)).collect())
            }
            (Nesting::Single, Value::List(items)) => items
                .into_iter()
                .next()
                .map_or(Value::Null, |item| plan_block(&nested.block, item)),
            (_, other) => other,
        };
        map.insert(nested.name.clone(), planned);
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(json: serde_json::Value) -> Value {
        from_json(json)
    }

    #[test]
    fn waves_get_the_providers_defaults_and_an_unknown_id() {
        let configured = object(json!({"name": "canary", "regions": ["us-west-2"], "gate": [{"http": [{}]}]}));
        let planned = ProviderPlanner.plan(Mode::Managed, "globaldeploy_wave", configured);
        assert_eq!(
            planned.known_json(),
            json!({
                "bake_time": "0s", "max_parallel": 1, "name": "canary", "regions": ["us-west-2"],
                "require_approval": false,
                "gate": [{"failure_threshold": 3, "interval": "5s", "min_samples": 5, "success_ratio": 0.99,
                          "http": {"expect_status": [200], "timeout": "2s"}, "route53_health_check": null}]
            })
        );
        assert_eq!(planned.get("id"), Some(&Value::Unknown));
    }

    #[test]
    fn a_deployment_without_strategy_plans_it_null_and_its_waves_lose_their_ids() {
        let wave = object(json!({"name": "w", "regions": ["a"]}));
        let wave = ProviderPlanner.plan(Mode::Managed, "globaldeploy_wave", wave);
        let configured = Value::object([("name", "api".into()), ("waves", Value::List(vec![wave]))]);
        let planned = ProviderPlanner.plan(Mode::Managed, "globaldeploy_deployment", configured);
        assert_eq!(planned.get("strategy"), Some(&Value::Null));
        assert_eq!(planned.get("id"), Some(&"api".into()));
        assert_eq!(planned.get("region"), Some(&Value::List(Vec::new())));
        let waves = planned.get("waves").unwrap().known_json();
        assert_eq!(waves[0].get("id"), None);
        assert_eq!(planned.get("rollout_plan"), Some(&Value::Unknown));
    }
}
