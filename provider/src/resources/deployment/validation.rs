//! Validation helpers of `globaldeploy_deployment`: the name rule, one target per region, and
//! attribute paths for errors the rollout model reports by field or by spec element.

use globaldeploy_reconciler::model::DeploymentSpec;
use globaldeploy_reconciler::schedule::SpecError;
use globaldeploy_reconciler::terraform_json::SpecJsonError;
use globaldeploy_sdk::cty::Value;
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

pub(super) fn validate_targets(config: &Value, diags: &mut Diagnostics) {
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

pub(super) fn prefix_path(prefix: &AttributePath, path: &AttributePath) -> AttributePath {
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

pub(super) fn json_error_diag(err: &SpecJsonError) -> Diagnostic {
    Diagnostic::error("Invalid deployment", err.to_string()).at(field_path(&err.field))
}

pub(super) fn spec_error_path(spec: &DeploymentSpec, error: &SpecError) -> AttributePath {
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

#[cfg(test)]
mod tests {
    use super::*;

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
