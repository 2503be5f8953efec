//! Validation helpers of `globaldeploy_deployment`: the name rule, one target per region, one
//! region per `record_name`, and attribute paths for errors the rollout model reports by field
//! or by spec element (a region by its name: the `region` blocks are a set keyed by name).

use std::collections::BTreeMap;

use globaldeploy_adapters::aws::normalize_name;
use globaldeploy_engine::model::DeploymentSpec;
use globaldeploy_engine::schedule::SpecError;
use crate::terraform_json::SpecJsonError;
use globaldeploy_sdk::cty::Value;
use globaldeploy_sdk::framework::path::PathStep;
use globaldeploy_sdk::{AttributePath, Diagnostic, Diagnostics};

/// The name keys the journal (file names, S3 keys): letters, digits, `.`, `_`, `-`, not
/// starting with `.`.
pub(super) fn check_deployment_name(name: &str) -> Result<(), String> {
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

/// The path of the region named `name`, one of `regions` regions: the `region` blocks are a
/// set keyed by name, so Terraform is pointed at the set and the message names the region
/// ([`AttributePath::element`]).
pub(super) fn region_path(name: &str, regions: usize) -> AttributePath {
    AttributePath::attr("region").element("name", name, regions)
}

/// The path of a region block (one of `regions`), by its name while that is known.
fn region_value_path(region: &Value, regions: usize) -> AttributePath {
    match region.get("name").and_then(Value::as_str) {
        Some(name) => region_path(name, regions),
        None => AttributePath::attr("region"),
    }
}

pub(super) fn validate_targets(config: &Value, diags: &mut Diagnostics) {
    let Some(regions) = config.get("region").and_then(Value::as_list) else {
        return;
    };
    for region in regions {
        let (Some(target), Some(alias)) = (region.get("target"), region.get("target_alias")) else {
            continue;
        };
        if !target.is_known() || !alias.is_known() {
            continue;
        }
        let path = region_value_path(region, regions.len());
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

/// Two regions sharing one `record_name` (as Route 53 compares names: case, trailing dot)
/// would share slot set identifiers (`slot_record`): preparing one would overwrite the other's
/// serving slot. Reported at every region after the first one (in name order) that uses it.
pub(super) fn validate_record_names(config: &Value, diags: &mut Diagnostics) {
    let Some(regions) = config.get("region").and_then(Value::as_list) else {
        return;
    };
    let mut named: Vec<(&str, &str)> = regions
        .iter()
        .filter_map(|r| Some((r.get("name")?.as_str()?, r.get("record_name")?.as_str()?)))
        .collect();
    named.sort_unstable();
    let mut first: BTreeMap<String, &str> = BTreeMap::new();
    for (region, record_name) in named {
        match first.get(&normalize_name(record_name)) {
            Some(owner) => diags.error_at(
                region_path(region, regions.len()).join("record_name"),
                "Duplicate record_name",
                format!(
                    "Region {region:?} uses record_name {record_name:?}, which region {owner:?} already uses (names \
                     compare as Route 53 compares them: case and a trailing dot do not matter). Each region owns the \
                     two slot sets of its own record_name; give every region a name of its own."
                ),
            ),
            None => {
                first.insert(normalize_name(record_name), region);
            }
        }
    }
}

pub(super) fn prefix_path(prefix: &AttributePath, path: &AttributePath) -> AttributePath {
    let mut out = prefix.clone();
    for step in path.steps() {
        out = match step {
            PathStep::Attribute(name) => out.join(name.clone()),
            PathStep::Index(i) => out.index(usize::try_from(*i).unwrap_or_default()),
            PathStep::Key(k) => out.key(k.clone()),
            PathStep::Element { attribute, key, only } => out.element(attribute.clone(), key.clone(), usize::from(*only)),
        };
    }
    out
}

/// `waves[0].gate[1].http.timeout`, `region[name="us-east-1"].target_alias.name` → an attribute
/// path (a `[...]` that is neither an index nor `attr="key"` is skipped).
fn field_path(field: &str) -> AttributePath {
    let mut path = AttributePath::root();
    let mut rest = field;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            // A quoted key may hold `]` or `.`: the selector ends at the `]` after its quote.
            let quoted = !inner.starts_with(|c: char| c.is_ascii_digit());
            let end = match inner.find('"').filter(|_| quoted) {
                Some(quote) => inner[quote + 1..]
                    .find("\"]")
                    .map(|close| quote + 1 + close + 1),
                None => inner.find(']'),
            }
            .unwrap_or(inner.len());
            let selector = &inner[..end];
            if let Ok(i) = selector.parse::<usize>() {
                path = path.index(i);
            } else if let Some((attribute, key)) = selector.split_once('=') {
                if let Ok(key) = serde_json::from_str::<String>(key) {
                    // How many elements the set has is not known here: stop at the set.
                    path = path.element(attribute, key, 0);
                }
            }
            rest = inner.get(end + 1..).unwrap_or_default();
        } else {
            let rest_trimmed = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_trimmed.find(['.', '[']).unwrap_or(rest_trimmed.len());
            let name = &rest_trimmed[..end];
            if !name.is_empty() && !name.starts_with('(') {
                path = path.join(name);
            }
            rest = &rest_trimmed[end..];
        }
    }
    path
}

pub(super) fn json_error_diag(err: &SpecJsonError) -> Diagnostic {
    Diagnostic::error("Invalid deployment", err.to_string()).at(field_path(&err.field))
}

pub(super) fn spec_error_path(spec: &DeploymentSpec, error: &SpecError) -> AttributePath {
    let wave_index = |name: &str| spec.waves.iter().rposition(|w| w.name == name);
    let wave_path = |name: &str| match wave_index(name) {
        Some(i) => AttributePath::attr("waves").index(i),
        None => AttributePath::attr("waves"),
    };
    match error {
        SpecError::NoWaves => AttributePath::attr("waves"),
        SpecError::NoRegions | SpecError::AllGlobalWeightsZero => AttributePath::attr("region"),
        SpecError::DuplicateRegion { region }
        | SpecError::RegionInNoWave { region }
        | SpecError::RegionInManyWaves { region, .. } => region_path(region, spec.regions.len()).join("name"),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn region(name: &str, record_name: &str) -> Value {
        Value::object([("name", Value::string(name)), ("record_name", Value::string(record_name))])
    }

    fn record_name_errors(regions: Vec<Value>) -> Vec<(String, String)> {
        let config = Value::object([("region", Value::set_of(regions))]);
        let mut diags = Diagnostics::new();
        validate_record_names(&config, &mut diags);
        diags
            .iter()
            .map(|d| (d.path.as_ref().map(ToString::to_string).unwrap_or_default(), d.detail.clone()))
            .collect()
    }

    #[test]
    fn one_record_name_per_region_as_route53_compares_names() {
        // In whatever order the set holds them, the second region by name is the one reported.
        let errors = record_name_errors(vec![
            region("us-west-2", "API.example.com."),
            region("eu-west-1", "eu.example.com"),
            region("us-east-1", "api.example.com"),
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "region[name=\"us-west-2\"].record_name");
        assert!(
            errors[0].1.contains("Region \"us-west-2\" uses record_name \"API.example.com.\", which region \"us-east-1\""),
            "{}",
            errors[0].1
        );
        assert!(record_name_errors(vec![region("a", "a.example.com"), region("b", "b.example.com")]).is_empty());
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
        assert_eq!(
            field_path("region[name=\"eu.west[1]\"].target_alias.name"),
            region_path("eu.west[1]", 0).join("target_alias").join("name")
        );
        assert_eq!(field_path("(deployment)"), AttributePath::root());
    }
}
