//! What a plan report must not show: the values Terraform marks sensitive.
//!
//! `terraform show -json` writes a resource change's `before_sensitive`/`after_sensitive` as a
//! mask mirroring the value (`true` where a value is sensitive; a bare `true` for the whole
//! value). The report is computed from the real values — a changed secret still reads as a
//! change, and the schedule is the one the provider will run — and then every place a
//! sensitive value could surface says [`SENSITIVE`] instead:
//!
//! - a changed attribute at or under a sensitive path shows `(sensitive)` before and after
//!   ([`Mask`], used while flattening the attributes);
//! - every sensitive string (a version, a region name, a URL) is replaced wherever the report
//!   quotes it, including text derived from it such as a gate's description or a problem
//!   ([`Secrets::deployment`], [`Secrets::attributes`]);
//! - a sensitive value the schedule is computed from (steps, durations, weights, the waves as
//!   a whole) would be revealed by the schedule itself, so the schedule is withheld and a
//!   problem says why ([`schedule_reveals`]).

use serde_json::Value;

use crate::plan::{AttributeChange, DeploymentPlan};
pub use globaldeploy_engine::redact::SENSITIVE;

/// A `before_sensitive`/`after_sensitive` mask, or part of one.
#[derive(Clone, Copy, Debug)]
pub struct Mask<'a>(&'a Value);

/// Nothing is sensitive.
const NONE: Value = Value::Bool(false);

impl<'a> Mask<'a> {
    /// The mask at `key` of a change, `false` when absent.
    pub fn of(change: &'a Value, key: &str) -> Mask<'a> {
        Mask(change.get(key).unwrap_or(&NONE))
    }

    /// Whether the whole value under this mask is sensitive.
    pub fn all(self) -> bool {
        self.0 == &Value::Bool(true)
    }

    /// The mask of attribute `key`.
    pub fn key(self, key: &str) -> Mask<'a> {
        Mask(self.0.get(key).unwrap_or(&NONE))
    }

    /// The mask of list element `index`.
    pub fn index(self, index: usize) -> Mask<'a> {
        Mask(self.0.get(index).unwrap_or(&NONE))
    }
}

/// The sensitive strings of a change, to be replaced wherever the report quotes them.
#[derive(Debug, Default)]
pub struct Secrets(Vec<String>);

impl Secrets {
    /// Every string at or under a sensitive path of `values` (longest first, so a secret that
    /// contains another is replaced whole).
    pub fn of(sides: &[(&Value, Mask<'_>)]) -> Secrets {
        let mut found = Vec::new();
        for (value, mask) in sides {
            collect(value, *mask, &mut found);
        }
        found.retain(|s: &String| !s.is_empty());
        found.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        found.dedup();
        Secrets(found)
    }

    fn text(&self, text: &mut String) {
        for secret in &self.0 {
            if text.contains(secret.as_str()) {
                *text = text.replace(secret.as_str(), SENSITIVE);
            }
        }
    }

    fn optional(&self, text: &mut Option<String>) {
        if let Some(text) = text {
            self.text(text);
        }
    }

    fn value(&self, value: &mut Value) {
        match value {
            Value::String(text) => self.text(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.value(item)),
            Value::Object(map) => map.values_mut().for_each(|item| self.value(item)),
            _ => {}
        }
    }

    /// Hides the secrets in changed attributes: their paths (list elements are named by their
    /// `name`) and values.
    pub fn attributes(&self, changes: &mut [AttributeChange]) {
        for change in changes {
            self.text(&mut change.path);
            for side in [&mut change.before, &mut change.after].into_iter().flatten() {
                self.value(side);
            }
        }
    }

    /// Hides the secrets everywhere a deployment's report quotes configured text.
    pub fn deployment(&self, plan: &mut DeploymentPlan) {
        if self.0.is_empty() {
            return;
        }
        self.optional(&mut plan.name);
        self.optional(&mut plan.from_version);
        self.optional(&mut plan.to_version);
        plan.problems.iter_mut().for_each(|p| self.text(p));
        self.attributes(&mut plan.attributes);
        let Some(rollout) = &mut plan.rollout else {
            return;
        };
        let gates = rollout
            .gates
            .iter_mut()
            .chain(rollout.waves.iter_mut().flat_map(|w| w.gates.iter_mut()));
        for gate in gates {
            self.text(&mut gate.description);
            self.optional(&mut gate.url);
            self.optional(&mut gate.health_check_id);
        }
        for wave in &mut rollout.waves {
            self.text(&mut wave.name);
            wave.regions.iter_mut().for_each(|r| self.text(r));
        }
        for row in &mut rollout.schedule {
            self.text(&mut row.wave);
            self.text(&mut row.region);
        }
        for weight in &mut rollout.weights {
            self.text(&mut weight.region);
            self.text(&mut weight.record_name);
        }
    }
}

fn collect(value: &Value, mask: Mask<'_>, out: &mut Vec<String>) {
    if mask.all() {
        strings(value, out);
        return;
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect(item, mask.index(i), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                collect(item, mask.key(key), out);
            }
        }
        _ => {}
    }
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Object(map) => map.values().for_each(|item| strings(item, out)),
        _ => {}
    }
}

/// Attributes the schedule only quotes (names, records, targets, URLs): hidden in place, they
/// leave the schedule showable. Any other sensitive input of the schedule shapes it.
const QUOTED_ONLY: &[&str] = &[
    "name",
    "version",
    "zone_id",
    "record_name",
    "target",
    "health_url",
    "regions",
    "url",
    "health_check_id",
    "evaluate_target_health",
    "ttl",
];
/// The deployment attributes the schedule is computed from.
const SCHEDULE_INPUTS: &[&str] = &["waves", "region", "strategy", "gate"];

/// The first sensitive path of a deployment's `after` that the schedule would reveal (a
/// sensitive step list, duration, weight, or a whole wave), e.g. `strategy.steps`.
pub fn schedule_reveals(mask: Mask<'_>) -> Option<String> {
    if mask.all() {
        return Some("(the whole deployment)".to_owned());
    }
    SCHEDULE_INPUTS
        .iter()
        .find_map(|input| revealing(mask.key(input).0, (*input).to_owned(), input))
}

fn revealing(mask: &Value, path: String, attribute: &str) -> Option<String> {
    match mask {
        Value::Bool(true) if !QUOTED_ONLY.contains(&attribute) => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| revealing(item, format!("{path}[{i}]"), attribute)),
        Value::Object(map) => map
            .iter()
            .find_map(|(key, item)| revealing(item, format!("{path}.{key}"), key)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secrets_are_the_strings_under_sensitive_paths() {
        let value = json!({"name": "api", "version": "v2-secret", "region": [
            {"name": "us-east-1", "health_url": "https://h/?token=abc"},
            {"name": "eu-west-1", "health_url": "https://e/"}]});
        let mask = json!({"version": true, "region": [{"health_url": true}, {}]});
        let secrets = Secrets::of(&[(&value, Mask(&mask))]);
        assert_eq!(secrets.0, ["https://h/?token=abc", "v2-secret"]);
        let everything = Secrets::of(&[(&value, Mask(&Value::Bool(true)))]);
        assert_eq!(everything.0.len(), 6);
    }

    #[test]
    fn quoted_names_leave_the_schedule_but_shaping_values_withhold_it() {
        let quoted = json!({"region": [{"health_url": true, "target": true}], "gate": [{"http": [{"url": true}]}]});
        assert_eq!(schedule_reveals(Mask(&quoted)), None);
        let steps = json!({"strategy": [{"steps": true}]});
        assert_eq!(schedule_reveals(Mask(&steps)).as_deref(), Some("strategy[0].steps"));
        let waves = json!({"waves": true});
        assert_eq!(schedule_reveals(Mask(&waves)).as_deref(), Some("waves"));
        let interval = json!({"waves": [{"gate": [{"interval": true}]}]});
        assert_eq!(
            schedule_reveals(Mask(&interval)).as_deref(),
            Some("waves[0].gate[0].interval")
        );
    }
}
