//! `globaldeploy_deployment` values as Terraform writes them in JSON (`terraform show -json`:
//! a plan's `after`, a state's `values`) → [`DeploymentSpec`].
//!
//! This is the ONE mapping from the resource's attributes to the model: the provider encodes
//! its cty values to the same JSON (`cty::json::encode`) and calls [`deployment_from_json`], and
//! the CLI reads plan files with it, so plan, CLI and provider cannot disagree.
//!
//! Shape (the resource's attributes): `name, version, zone_id`, `waves: [{name, regions, max_parallel,
//! bake_time, require_approval, gate: [...]}]`, `strategy: {steps, step_interval, on_failure}`
//! (a single block: an object, or a one-element list as some tools write it),
//! `region: [{name, record_name, ttl, target, target_alias: {name, zone_id,
//! evaluate_target_health}, health_url, global_weight}]` (a set keyed by `name`: any order), `gate: [{interval, min_samples,
//! success_ratio, failure_threshold, http: {url, expect_status, timeout, max_latency},
//! route53_health_check: {health_check_id}}]`. Attributes with schema defaults may be absent
//! or null; they then take the schema's default. Unknown values (absent from a plan's `after`)
//! of required attributes are errors naming the field.

use std::time::Duration;

use serde_json::{Map, Value};

/// The attributes of a `globaldeploy_deployment` that the provider computes (outputs of a
/// rollout, not inputs of the model).
pub const DEPLOYMENT_COMPUTED: &[&str] = &[
    "id",
    "active_version",
    "status",
    "region_status",
    "region_drift",
    "region_version",
    "active_slot",
    "rollout_plan",
];

use globaldeploy_engine::model::{Check, DeploymentSpec, GateSpec, OnFailure, RegionSpec, Strategy, Target, WaveSpec};
use globaldeploy_sdk::framework::duration::parse_duration;

/// Default wave `max_parallel`.
pub const DEFAULT_MAX_PARALLEL: u32 = 1;
/// Default wave `bake_time`.
pub const DEFAULT_BAKE_TIME: &str = "0s";
/// Default gate `interval`.
pub const DEFAULT_GATE_INTERVAL: &str = "5s";
/// Default gate `min_samples`.
pub const DEFAULT_MIN_SAMPLES: u32 = 5;
/// Default gate `success_ratio`.
pub const DEFAULT_SUCCESS_RATIO: f64 = 0.99;
/// Default gate `failure_threshold`.
pub const DEFAULT_FAILURE_THRESHOLD: u32 = 3;
/// Default http probe `expect_status`.
pub const DEFAULT_EXPECT_STATUS: &[u16] = &[200];
/// Default http probe `timeout`.
pub const DEFAULT_PROBE_TIMEOUT: &str = "2s";
/// Default region `ttl`.
pub const DEFAULT_TTL: i64 = 60;
/// Default region `global_weight`.
pub const DEFAULT_GLOBAL_WEIGHT: u32 = 1;
/// Default strategy steps.
pub const DEFAULT_STEPS: &[u8] = &[5, 25, 50, 100];
/// Default strategy `on_failure`.
pub const DEFAULT_ON_FAILURE: &str = "rollback_region";
/// Default strategy `step_interval`.
pub const DEFAULT_STEP_INTERVAL: &str = "1m";

/// Why the JSON does not describe a deployment; `field` is a dotted path such as
/// `region[name="us-east-1"].target` or `waves[0].gate[1].http.timeout`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct SpecJsonError {
    /// Path of the offending attribute.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

impl SpecJsonError {
    fn new(field: &str, problem: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            problem: problem.into(),
        }
    }
}

type R<T> = Result<T, SpecJsonError>;

/// Maps the deployment resource's values (plan `after` or state `values`) to the model.
pub fn deployment_from_json(values: &Value) -> Result<DeploymentSpec, SpecJsonError> {
    let root = object(values, "(deployment)")?;
    let waves = list(root, "waves", "")?
        .iter()
        .enumerate()
        .map(|(i, w)| wave(w, &format!("waves[{i}]")))
        .collect::<R<Vec<_>>>()?;
    let mut regions = list(root, "region", "")?
        .iter()
        .enumerate()
        .map(|(i, r)| region(r, &region_path(r, i)))
        .collect::<R<Vec<_>>>()?;
    // `region` is a set keyed by name: its order carries no meaning, so the model holds the
    // regions in name order whatever order Terraform (or a reordered configuration) gives.
    regions.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(DeploymentSpec {
        name: string(root, "name", "")?,
        version: string(root, "version", "")?,
        zone_id: string(root, "zone_id", "")?,
        waves,
        strategy: strategy(root.get("strategy"), "strategy")?,
        regions,
        gates: gates(root, "")?,
    })
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn object<'a>(value: &'a Value, field: &str) -> R<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| SpecJsonError::new(field, format!("expected an object, found {}", kind(value))))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Present and not null.
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

fn missing(path: &str) -> SpecJsonError {
    SpecJsonError::new(path, "is required but missing, null or not known yet")
}

fn string(obj: &Map<String, Value>, name: &str, parent: &str) -> R<String> {
    let path = join(parent, name);
    match field(obj, name) {
        None => Err(missing(&path)),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(SpecJsonError::new(
            &path,
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

fn opt_string(obj: &Map<String, Value>, name: &str, parent: &str) -> R<Option<String>> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(SpecJsonError::new(
            &join(parent, name),
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

fn list<'a>(obj: &'a Map<String, Value>, name: &str, parent: &str) -> R<&'a [Value]> {
    match field(obj, name) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(SpecJsonError::new(
            &join(parent, name),
            format!("expected a list, found {}", kind(other)),
        )),
    }
}

/// A single nested block: an object, or (as some tools write single blocks) a list of at most one.
fn single<'a>(value: Option<&'a Value>, path: &str) -> R<Option<&'a Map<String, Value>>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(obj)) => Ok(Some(obj)),
        Some(Value::Array(items)) if items.is_empty() => Ok(None),
        Some(Value::Array(items)) if items.len() == 1 => object(&items[0], &format!("{path}[0]")).map(Some),
        Some(other) => Err(SpecJsonError::new(
            path,
            format!("expected a single block, found {}", kind(other)),
        )),
    }
}

fn number(value: &Value, path: &str) -> R<f64> {
    value
        .as_f64()
        .ok_or_else(|| SpecJsonError::new(path, format!("expected a number, found {}", kind(value))))
}

fn integer(obj: &Map<String, Value>, name: &str, parent: &str, default: Option<i64>) -> R<i64> {
    let path = join(parent, name);
    let Some(value) = field(obj, name) else {
        return default.ok_or_else(|| missing(&path));
    };
    let n = number(value, &path)?;
    if n.fract() != 0.0 || !(-9.0e15..=9.0e15).contains(&n) {
        return Err(SpecJsonError::new(&path, format!("expected a whole number, found {n}")));
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(n as i64)
}

fn unsigned(obj: &Map<String, Value>, name: &str, parent: &str, default: Option<u32>) -> R<u32> {
    let path = join(parent, name);
    let n = integer(obj, name, parent, default.map(i64::from))?;
    u32::try_from(n).map_err(|_| SpecJsonError::new(&path, format!("{n} is out of range (0..=4294967295)")))
}

fn boolean(obj: &Map<String, Value>, name: &str, parent: &str, default: bool) -> R<bool> {
    match field(obj, name) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(SpecJsonError::new(
            &join(parent, name),
            format!("expected a bool, found {}", kind(other)),
        )),
    }
}

fn duration(obj: &Map<String, Value>, name: &str, parent: &str, default: Option<&str>) -> R<Duration> {
    let path = join(parent, name);
    let text = match opt_string(obj, name, parent)? {
        Some(text) => text,
        None => default.ok_or_else(|| missing(&path))?.to_owned(),
    };
    parse_duration(&text).map_err(|problem| SpecJsonError::new(&path, problem.to_string()))
}

fn strings(obj: &Map<String, Value>, name: &str, parent: &str) -> R<Vec<String>> {
    let path = join(parent, name);
    list(obj, name, parent)?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str().map(str::to_owned).ok_or_else(|| {
                SpecJsonError::new(&format!("{path}[{i}]"), format!("expected a string, found {}", kind(v)))
            })
        })
        .collect()
}

fn wave(value: &Value, path: &str) -> R<WaveSpec> {
    let obj = object(value, path)?;
    Ok(WaveSpec {
        name: string(obj, "name", path)?,
        regions: strings(obj, "regions", path)?,
        max_parallel: unsigned(obj, "max_parallel", path, Some(DEFAULT_MAX_PARALLEL))?,
        bake_time: duration(obj, "bake_time", path, Some(DEFAULT_BAKE_TIME))?,
        require_approval: boolean(obj, "require_approval", path, false)?,
        gates: gates(obj, path)?,
    })
}

fn strategy(value: Option<&Value>, path: &str) -> R<Strategy> {
    let empty = Map::new();
    let obj = single(value, path)?.unwrap_or(&empty);
    let steps = match field(obj, "steps") {
        None => DEFAULT_STEPS.to_vec(),
        Some(_) => {
            let steps_path = join(path, "steps");
            list(obj, "steps", path)?
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let p = format!("{steps_path}[{i}]");
                    let n = number(v, &p)?;
                    if n.fract() != 0.0 || !(0.0..=255.0).contains(&n) {
                        return Err(SpecJsonError::new(
                            &p,
                            format!("{n} is not a whole percent within 1..=100"),
                        ));
                    }
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Ok(n as u8)
                })
                .collect::<R<Vec<u8>>>()?
        }
    };
    let on_failure = match opt_string(obj, "on_failure", path)?.as_deref() {
        None | Some(DEFAULT_ON_FAILURE) => OnFailure::RollbackRegion,
        Some("rollback_all") => OnFailure::RollbackAll,
        Some("halt") => OnFailure::Halt,
        Some(other) => {
            return Err(SpecJsonError::new(
                &join(path, "on_failure"),
                format!("{other:?} is not one of \"rollback_region\", \"rollback_all\", \"halt\""),
            ))
        }
    };
    Ok(Strategy {
        steps,
        step_interval: duration(obj, "step_interval", path, Some(DEFAULT_STEP_INTERVAL))?,
        on_failure,
    })
}

/// Where a region is in errors: by its name (`region[name="us-east-1"]`, the block is a set),
/// by its position only while it has no name.
fn region_path(value: &Value, index: usize) -> String {
    match value.get("name").and_then(Value::as_str) {
        Some(name) => format!("region[name={name:?}]"),
        None => format!("region[{index}]"),
    }
}

fn region(value: &Value, path: &str) -> R<RegionSpec> {
    let obj = object(value, path)?;
    let records = field(obj, "target").map(|_| strings(obj, "target", path)).transpose()?;
    let alias = single(obj.get("target_alias"), &join(path, "target_alias"))?;
    let target = match (records, alias) {
        (Some(records), None) if !records.is_empty() => Target::Records(records),
        (None, Some(alias)) => {
            let alias_path = join(path, "target_alias");
            Target::Alias {
                name: string(alias, "name", &alias_path)?,
                zone_id: string(alias, "zone_id", &alias_path)?,
                evaluate_target_health: boolean(alias, "evaluate_target_health", &alias_path, false)?,
            }
        }
        (Some(_), Some(_)) => {
            return Err(SpecJsonError::new(
                &join(path, "target"),
                "set either target or target_alias, not both",
            ))
        }
        _ => {
            return Err(SpecJsonError::new(
                &join(path, "target"),
                "one of target (a non-empty list of records) or target_alias is required",
            ))
        }
    };
    Ok(RegionSpec {
        name: string(obj, "name", path)?,
        record_name: string(obj, "record_name", path)?,
        ttl: integer(obj, "ttl", path, Some(DEFAULT_TTL))?,
        target,
        health_url: opt_string(obj, "health_url", path)?,
        global_weight: unsigned(obj, "global_weight", path, Some(DEFAULT_GLOBAL_WEIGHT))?,
    })
}

fn gates(obj: &Map<String, Value>, parent: &str) -> R<Vec<GateSpec>> {
    let base = join(parent, "gate");
    list(obj, "gate", parent)?
        .iter()
        .enumerate()
        .map(|(i, g)| gate(g, &format!("{base}[{i}]")))
        .collect()
}

fn gate(value: &Value, path: &str) -> R<GateSpec> {
    let obj = object(value, path)?;
    let http_path = join(path, "http");
    let http = single(obj.get("http"), &http_path)?;
    let r53_path = join(path, "route53_health_check");
    let r53 = single(obj.get("route53_health_check"), &r53_path)?;
    let check = match (http, r53) {
        (Some(http), None) => {
            let expect_status = match field(http, "expect_status") {
                None => DEFAULT_EXPECT_STATUS.to_vec(),
                Some(_) => {
                    let p = join(&http_path, "expect_status");
                    list(http, "expect_status", &http_path)?
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let ip = format!("{p}[{i}]");
                            let n = number(v, &ip)?;
                            if n.fract() != 0.0 || !(100.0..=599.0).contains(&n) {
                                return Err(SpecJsonError::new(
                                    &ip,
                                    format!("{n} is not an HTTP status (100..=599)"),
                                ));
                            }
                            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                            Ok(n as u16)
                        })
                        .collect::<R<Vec<u16>>>()?
                }
            };
            let max_latency = opt_string(http, "max_latency", &http_path)?
                .map(|t| {
                    parse_duration(&t).map_err(|p| SpecJsonError::new(&join(&http_path, "max_latency"), p.to_string()))
                })
                .transpose()?;
            Check::Http {
                url: opt_string(http, "url", &http_path)?,
                expect_status,
                timeout: duration(http, "timeout", &http_path, Some(DEFAULT_PROBE_TIMEOUT))?,
                max_latency,
            }
        }
        (None, Some(r53)) => Check::Route53HealthCheck {
            health_check_id: string(r53, "health_check_id", &r53_path)?,
        },
        _ => {
            return Err(SpecJsonError::new(
                path,
                "a gate needs exactly one check: an http block or a route53_health_check block",
            ))
        }
    };
    let success_ratio = match field(obj, "success_ratio") {
        None => DEFAULT_SUCCESS_RATIO,
        Some(v) => number(v, &join(path, "success_ratio"))?,
    };
    Ok(GateSpec {
        check,
        interval: duration(obj, "interval", path, Some(DEFAULT_GATE_INTERVAL))?,
        min_samples: unsigned(obj, "min_samples", path, Some(DEFAULT_MIN_SAMPLES))?,
        success_ratio,
        failure_threshold: unsigned(obj, "failure_threshold", path, Some(DEFAULT_FAILURE_THRESHOLD))?,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> Value {
        json!({
            "name": "api", "version": "v2", "zone_id": "Z1",
            "waves": [
                {"id": "canary", "name": "canary", "regions": ["us-west-2"], "max_parallel": 1, "bake_time": "10s",
                 "require_approval": false,
                 "gate": [{"interval": "200ms", "min_samples": 2, "success_ratio": 1, "failure_threshold": 3,
                           "http": {"url": null, "expect_status": [200], "timeout": "100ms", "max_latency": "500ms"},
                           "route53_health_check": null}]},
                {"name": "rest", "regions": ["us-east-1"], "max_parallel": 2, "bake_time": "0s", "require_approval": true, "gate": []}
            ],
            "strategy": {"steps": [25, 50, 100], "step_interval": "1s", "on_failure": "rollback_all"},
            "region": [
                {"name": "us-west-2", "record_name": "usw2.api.example.com", "ttl": 60, "target": ["192.0.2.1"],
                 "target_alias": null, "health_url": "http://127.0.0.1:1/healthz", "global_weight": 25},
                {"name": "us-east-1", "record_name": "use1.api.example.com", "ttl": 30, "target": null,
                 "target_alias": {"name": "lb.example.com", "zone_id": "Z2", "evaluate_target_health": true},
                 "health_url": null, "global_weight": 75}
            ],
            "gate": [{"route53_health_check": {"health_check_id": "hc-1"}, "http": null}]
        })
    }

    #[test]
    fn maps_every_field() {
        let spec = deployment_from_json(&sample()).unwrap();
        assert_eq!(spec.name, "api");
        assert_eq!(spec.waves.len(), 2);
        assert_eq!(spec.waves[0].bake_time, Duration::from_secs(10));
        assert_eq!(spec.waves[1].max_parallel, 2);
        assert!(spec.waves[1].require_approval);
        assert_eq!(spec.strategy.steps, vec![25, 50, 100]);
        assert_eq!(spec.strategy.on_failure, OnFailure::RollbackAll);
        assert_eq!(
            spec.waves[0].gates[0].check,
            Check::Http {
                url: None,
                expect_status: vec![200],
                timeout: Duration::from_millis(100),
                max_latency: Some(Duration::from_millis(500)),
            }
        );
        assert_eq!(spec.waves[0].gates[0].interval, Duration::from_millis(200));
        let east = spec.regions.iter().find(|r| r.name == "us-east-1").unwrap();
        assert_eq!(
            east.target,
            Target::Alias {
                name: "lb.example.com".into(),
                zone_id: "Z2".into(),
                evaluate_target_health: true
            }
        );
        assert_eq!(east.global_weight, 75);
        assert_eq!(spec.gates[0].min_samples, DEFAULT_MIN_SAMPLES);
    }

    #[test]
    fn region_order_carries_no_meaning() {
        let spec = deployment_from_json(&sample()).unwrap();
        let mut reordered = sample();
        reordered["region"].as_array_mut().unwrap().reverse();
        assert_eq!(deployment_from_json(&reordered).unwrap(), spec);
        let names: Vec<_> = spec.regions.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["us-east-1", "us-west-2"]);
    }

    #[test]
    fn strategy_as_one_element_list_and_defaults() {
        let mut v = sample();
        v["strategy"] = json!([{"steps": [100]}]);
        let spec = deployment_from_json(&v).unwrap();
        assert_eq!(spec.strategy.steps, vec![100]);
        assert_eq!(spec.strategy.step_interval, Duration::from_secs(60));
    }

    #[test]
    fn errors_name_the_field() {
        let mut v = sample();
        v["region"][1]["target_alias"] = Value::Null;
        assert_eq!(
            deployment_from_json(&v).unwrap_err().field,
            "region[name=\"us-east-1\"].target"
        );
        v["region"][1]["name"] = Value::Null;
        assert_eq!(deployment_from_json(&v).unwrap_err().field, "region[1].target");
        let mut v = sample();
        v["waves"][0]["gate"][0]["http"]["timeout"] = json!("soon");
        assert_eq!(
            deployment_from_json(&v).unwrap_err().field,
            "waves[0].gate[0].http.timeout"
        );
        let mut v = sample();
        v["strategy"]["on_failure"] = json!("panic");
        assert_eq!(deployment_from_json(&v).unwrap_err().field, "strategy.on_failure");
        let mut v = sample();
        v.as_object_mut().unwrap().remove("version");
        assert_eq!(deployment_from_json(&v).unwrap_err().field, "version");
    }

    #[test]
    fn durations_are_read_as_the_validators_read_them_and_round_trip_through_their_rendering() {
        let read = |text: &str| duration(json!({ "d": text }).as_object().unwrap(), "d", "strategy", None);
        assert_eq!(read("+5s").unwrap(), Duration::from_secs(5));
        assert_eq!(read("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(read("0").unwrap(), Duration::ZERO);
        let error = read("5").unwrap_err();
        assert_eq!(error.field, "strategy.d");
        assert!(read("-1s").is_err());
        for millis in [1, 250, 1000, 1500, 60_250, 90_000, 5_400_000, 86_400_001] {
            let d = Duration::from_millis(millis);
            assert_eq!(
                read(&globaldeploy_engine::human_time::duration(d)).unwrap(),
                d,
                "{millis} ms"
            );
        }
    }
}
