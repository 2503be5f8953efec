//! `globaldeploy_weighted_record` (docs/resources/weighted_record.md): every weighted record set of one DNS name and type,
//! managed as one unit.
//!
//! Each create, update and delete is one atomic ChangeResourceRecordSets batch computed from
//! the zone as it is now: new set identifiers are CREATEd, changed ones UPSERTed, and sets that
//! are no longer configured (including a renamed identifier's old set) DELETEd with their exact
//! current values — all in the same batch, so traffic never sees half a change. Reads use the
//! provider's shared, single-flight zone listing, so refreshing many records of one zone costs
//! one paginated scan. Drift (a weight changed, a set deleted or added outside Terraform) shows
//! as a diff; when every set is gone the resource leaves state.

use std::collections::{BTreeMap, HashSet};

use async_trait::async_trait;
use globaldeploy_adapters::aws::{normalize_name, Change, ChangeAction, RecordSet};
use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::resource::upgrade_list_nesting_to_set;
use globaldeploy_sdk::framework::timeouts::timeouts_block;
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{
    Attribute, AttributePath, Block, Context, Diagnostic, Diagnostics, NestedBlock, PlanRequest, Resource, Schema,
};

use super::record_address::{
    current_sets, delete_batch, plan_address, read_state, str_at, with_address_attributes, with_computed, update_state,
    write_batch, write_error, RecordAddress, RecordKind, DEFAULT_TIMEOUT,
};
use super::record_target::{
    alias_block, batch_weight, keep_prior_target_spelling, records_attribute, target_from_value,
    target_to_values_like, validate_target, validate_ttl_with_aliases, MAX_BATCH_CHARS, MAX_BATCH_ELEMENTS,
};
use crate::ProviderClient;

/// How this resource is named in diagnostics.
const KIND: RecordKind = RecordKind {
    noun: "weighted record",
    sets: "weighted",
};
/// Endpoints per resource.
const MAX_ENDPOINTS: i64 = 100;
/// The state's schema version. 1: the `endpoint` blocks are a set keyed by `set_identifier` (0
/// stored them as a list; both are the same JSON array, so upgrading keeps it as is).
const SCHEMA_VERSION: i64 = 1;

/// The `globaldeploy_weighted_record` resource type.
#[derive(Clone, Copy, Debug, Default)]
pub struct WeightedRecord;

/// The `endpoint` block.
fn endpoint_block() -> NestedBlock {
    NestedBlock::set(
        "endpoint",
        "set_identifier",
        Block::new(
            "One weighted record set: where a share of the name's traffic goes. Endpoints are identified by \
             `set_identifier`: the order of the `endpoint` blocks does not matter.",
        )
            .attribute(
                Attribute::required("set_identifier", Type::String)
                    .description(
                        "Identifies this set among the name's weighted sets (e.g. the region, `us-east-1`); unique within \
                         the resource. Renaming it deletes the old set and creates the new one in the same batch.",
                    )
                    .validate(validators::from_fn(|value| match value.as_str() {
                        Some(s) if (1..=128).contains(&s.chars().count()) => Ok(()),
                        Some(_) => Err("must be 1 to 128 characters long.".to_owned()),
                        None => Err("expected a string.".to_owned()),
                    })),
            )
            .attribute(
                Attribute::required("weight", Type::Number)
                    .description(
                        "Relative weight, 0–255: this set gets weight / (sum of weights) of the answers. Weight 0 sends \
                         no traffic unless every set has weight 0.",
                    )
                    .validate(validators::int_between(0, 255)),
            )
            .attribute(records_attribute())
            .attribute(
                Attribute::optional("health_check_id", Type::String)
                    .description("Route 53 health check that must pass for this set to be answered.")
                    .validate(validators::not_empty()),
            )
            .block(alias_block()),
    )
    .items(1, MAX_ENDPOINTS)
}

#[async_trait]
impl Resource<ProviderClient> for WeightedRecord {
    fn type_name(&self) -> &'static str {
        "globaldeploy_weighted_record"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "All weighted Route 53 record sets of one DNS name and type, managed as one unit. Every create, update and \
             delete is a single atomic `ChangeResourceRecordSets` batch, so a change of weights is never half applied.",
        );
        let block = with_address_attributes(
            block,
            "TTL in seconds of every set that uses `records`. Required with records, not allowed with aliases.",
        )
        .block(endpoint_block())
        .block(timeouts_block(&["create", "update", "delete"], DEFAULT_TIMEOUT));
        Schema::new(block).version(SCHEMA_VERSION)
    }

    fn upgrade_state(&self, from_version: i64, state: serde_json::Value, diags: &mut Diagnostics) -> Option<serde_json::Value> {
        // Version 0 nested `endpoint` as a list.
        upgrade_list_nesting_to_set(self.type_name(), from_version, state, diags)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_endpoints(config, diags);
    }

    async fn modify_plan(&self, _ctx: &Context<ProviderClient>, request: PlanRequest<'_>, _diags: &mut Diagnostics) {
        let PlanRequest { prior, plan, .. } = request;
        if plan.planned.is_null() || !plan.planned.is_known() {
            return;
        }
        keep_prior_endpoint_spelling(prior, &mut plan.planned);
        plan_address(prior, plan);
    }

    async fn create(&self, ctx: &Context<ProviderClient>, planned: &Value, diags: &mut Diagnostics) -> Value {
        let Some(client) = ctx.client_or_report(diags) else {
            return Value::Null;
        };
        let changes: Vec<Change> = desired_sets(planned)
            .into_iter()
            .map(|set| Change {
                action: ChangeAction::Create,
                set,
            })
            .collect();
        write_batch(client, KIND, "create", planned, changes, Value::Null, diags).await
    }

    async fn read(&self, ctx: &Context<ProviderClient>, state: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let Some(client) = ctx.client_or_report(diags) else {
            return Some(state.clone());
        };
        read_state(client, KIND, state, weighted_only, state_from_sets, diags).await
    }

    async fn update(
        &self,
        ctx: &Context<ProviderClient>,
        prior: &Value,
        planned: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let Some(client) = ctx.client_or_report(diags) else {
            return prior.clone();
        };
        let changes_for = |current: &[RecordSet]| changes_between(current, &desired_sets(planned));
        update_state(client, KIND, prior, planned, weighted_only, changes_for, diags).await
    }

    async fn delete(&self, ctx: &Context<ProviderClient>, prior: &Value, diags: &mut Diagnostics) {
        let Some(client) = ctx.client_or_report(diags) else {
            return;
        };
        let address = RecordAddress::of(prior);
        let owned: HashSet<String> = endpoints(prior)
            .iter()
            .filter_map(|ep| str_at(ep, "set_identifier").map(str::to_owned))
            .collect();
        let current = match current_sets(client, &address, weighted_only).await {
            Ok(sets) => sets,
            Err(err) if err.is_not_found() => return,
            Err(err) => return diags.push(write_error(KIND, "delete", &address, &err)),
        };
        // Only the sets this resource owns: another tool's set of the same name stays.
        let changes: Vec<Change> = current
            .into_iter()
            .filter(|set| set.set_identifier.as_ref().is_some_and(|id| owned.contains(id)))
            .map(|set| Change {
                action: ChangeAction::Delete,
                set,
            })
            .collect();
        delete_batch(client, KIND, prior, changes, diags).await;
    }

    async fn import(&self, _ctx: &Context<ProviderClient>, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        let address = RecordAddress::parse_import_id(id, diags)?;
        let mut state = Value::object(address.import_state());
        state.set("ttl", Value::Null);
        state.set("endpoint", Value::set_of(Vec::new()));
        state.set("timeouts", Value::Null);
        Some(state)
    }
}

fn endpoints(value: &Value) -> &[Value] {
    value.get("endpoint").and_then(Value::as_list).unwrap_or_default()
}

/// The weighted sets among `sets` (a failover pair of the same name is not ours).
fn weighted_only(sets: Vec<RecordSet>) -> Vec<RecordSet> {
    sets.into_iter()
        .filter(|set| set.weight.is_some() && set.set_identifier.is_some())
        .collect()
}

/// One `endpoint` block of a weighted set, as the resource and its data source show it; the
/// target is written as `prior` spelled it where Route 53 means the same (see
/// [`target_to_values_like`]).
pub fn endpoint_value(set: &RecordSet, prior: Option<&Value>) -> Value {
    let (records, alias) = target_to_values_like(set, prior);
    Value::object([
        (
            "set_identifier",
            Value::string(set.set_identifier.clone().unwrap_or_default()),
        ),
        ("weight", set.weight.map_or(Value::Null, Value::int)),
        ("records", records),
        ("alias", alias),
        (
            "health_check_id",
            set.health_check_id.clone().map_or(Value::Null, Value::string),
        ),
    ])
}

/// The record sets a (planned) resource value describes.
pub fn desired_sets(value: &Value) -> Vec<RecordSet> {
    let target = RecordAddress::of(value);
    let ttl = value.get("ttl").and_then(Value::as_i64);
    endpoints(value)
        .iter()
        .map(|ep| {
            let (records, alias) = target_from_value(ep);
            RecordSet {
                name: normalize_name(&target.name),
                rtype: target.rtype.clone(),
                set_identifier: str_at(ep, "set_identifier").map(str::to_owned),
                weight: ep.get("weight").and_then(Value::as_i64),
                failover: None,
                ttl: if alias.is_some() { None } else { ttl },
                records,
                alias,
                health_check_id: str_at(ep, "health_check_id").map(str::to_owned),
            }
        })
        .collect()
}

/// The one batch that turns `current` (the name's weighted sets in the zone) into `desired`:
/// CREATE what is new, UPSERT what changed, DELETE (with its exact current values) what is no
/// longer configured. Sets already as desired are left alone.
pub fn changes_between(current: &[RecordSet], desired: &[RecordSet]) -> Vec<Change> {
    let mut changes = Vec::new();
    // Deletes first: a renamed identifier's old set goes in the same batch as its new one.
    let wanted: HashSet<Option<&String>> = desired.iter().map(|set| set.set_identifier.as_ref()).collect();
    for set in current {
        if !wanted.contains(&set.set_identifier.as_ref()) {
            changes.push(Change {
                action: ChangeAction::Delete,
                set: set.clone(),
            });
        }
    }
    for set in desired {
        match current.iter().find(|c| c.set_identifier == set.set_identifier) {
            Some(existing) if existing.same_as(set) => {}
            Some(_) => changes.push(Change {
                action: ChangeAction::Upsert,
                set: set.clone(),
            }),
            None => changes.push(Change {
                action: ChangeAction::Create,
                set: set.clone(),
            }),
        }
    }
    changes
}

/// The state for `sets` (the name's weighted sets as Route 53 reports them), keeping the prior
/// state's spelling wherever it denotes the same thing. `endpoint` is a set keyed by
/// `set_identifier`, so the order Route 53 lists the sets in carries no meaning.
fn state_from_sets(state: &Value, sets: &[RecordSet]) -> Value {
    let prior_endpoints = endpoints(state);
    let by_id: BTreeMap<&str, &RecordSet> = sets
        .iter()
        .filter_map(|set| set.set_identifier.as_deref().map(|id| (id, set)))
        .collect();
    let mut ordered: Vec<(&RecordSet, Option<&Value>)> = Vec::new();
    let mut used = HashSet::new();
    for ep in prior_endpoints {
        if let Some(id) = str_at(ep, "set_identifier") {
            if let Some(set) = by_id.get(id) {
                if used.insert(id.to_owned()) {
                    ordered.push((set, Some(ep)));
                }
            }
        }
    }
    for (id, set) in &by_id {
        if !used.contains(*id) {
            ordered.push((set, None));
        }
    }
    let endpoint_values: Vec<Value> = ordered
        .iter()
        .map(|(set, prior)| endpoint_value(set, *prior))
        .collect();
    let state_ttl = state.get("ttl").and_then(Value::as_i64);
    let ttls: Vec<i64> = sets
        .iter()
        .filter(|s| s.alias.is_none())
        .filter_map(|s| s.ttl)
        .collect();
    let ttl = if ttls.is_empty() {
        Value::Null
    } else {
        // A set whose TTL differs from the state's is drift: show it.
        Value::int(
            ttls.iter()
                .copied()
                .find(|t| Some(*t) != state_ttl)
                .or(state_ttl)
                .unwrap_or(ttls[0]),
        )
    };
    let mut new_state = with_computed(state);
    new_state.set("ttl", ttl);
    new_state.set("endpoint", Value::set_of(endpoint_values));
    if new_state.get("timeouts").is_none() {
        new_state.set("timeouts", Value::Null);
    }
    new_state
}

/// Keeps the prior state's spelling of each endpoint's target (record order, alias names) where
/// the configuration only spells the same thing differently: Terraform accepts the prior value
/// as the plan for such attributes, and the plan then shows no diff.
fn keep_prior_endpoint_spelling(prior: &Value, planned: &mut Value) {
    let prior_endpoints = endpoints(prior);
    let Some(Value::Set(items)) = planned.get_mut("endpoint") else {
        return;
    };
    for item in items.iter_mut().filter(|item| item.is_wholly_known()) {
        let id = str_at(item, "set_identifier");
        if let Some(before) = prior_endpoints.iter().find(|b| id.is_some() && str_at(b, "set_identifier") == id) {
            keep_prior_target_spelling(before, item);
        }
    }
}

/// Checks across endpoints: each target's rules, unique set identifiers, and that the largest
/// batch an update could need (every set UPSERTed, which Route 53 counts twice) fits one
/// ChangeResourceRecordSets request. Unknown values are skipped.
fn validate_endpoints(config: &Value, diags: &mut Diagnostics) {
    let Some(items) = config.get("endpoint").filter(|e| e.is_known()).and_then(Value::as_list) else {
        return;
    };
    let rtype = config.get("type").and_then(Value::as_str);
    let ttl = config.get("ttl").unwrap_or(&Value::Null);
    let mut found = Diagnostics::new();
    validate_ttl_with_aliases(items.iter().filter(|e| !e.is_null()), ttl, "every endpoint", &mut found);
    // A set: visit the endpoints in set_identifier order, so messages do not depend on the
    // order Terraform sends them in.
    let count = items.len();
    let mut items: Vec<&Value> = items.iter().filter(|e| !e.is_null() && e.is_known()).collect();
    items.sort_by_key(|e| str_at(e, "set_identifier"));
    let mut seen: HashSet<&str> = HashSet::new();
    let (mut elements, mut chars) = (0usize, 0usize);
    let mut size_reported = false;
    for endpoint in items {
        let path = match str_at(endpoint, "set_identifier") {
            Some(id) => AttributePath::attr("endpoint").element("set_identifier", id, count),
            None => AttributePath::attr("endpoint"),
        };
        validate_target(endpoint, rtype, ttl, &path, &mut found);
        if let Some(id) = str_at(endpoint, "set_identifier") {
            if !seen.insert(id) {
                found.push(
                    Diagnostic::error(
                        "Duplicate set_identifier",
                        format!(
                            "set_identifier {id:?} is used by more than one endpoint; every endpoint of a weighted record \
                             needs its own set_identifier."
                        ),
                    )
                    .at(path.join("set_identifier")),
                );
            }
        }
        let target_known = endpoint.get("records").is_none_or(Value::is_wholly_known)
            && endpoint.get("alias").is_none_or(Value::is_wholly_known);
        if target_known {
            let (e, c) = batch_weight(endpoint);
            elements += 2 * e;
            chars += 2 * c;
            if !size_reported && (elements > MAX_BATCH_ELEMENTS || chars > MAX_BATCH_CHARS) {
                size_reported = true;
                let at = if endpoint.get("records").is_some_and(|r| !r.is_null()) {
                    "records"
                } else {
                    "alias"
                };
                found.push(
                    Diagnostic::error(
                        "Weighted record too large for one change batch",
                        format!(
                            "With the endpoints before it (in set_identifier order) this record has {} record values ({} \
                             characters); an update rewrites \
                             every set in one atomic ChangeResourceRecordSets batch, where Route 53 counts each UPSERT \
                             twice and allows at most {MAX_BATCH_ELEMENTS} values and {MAX_BATCH_CHARS} characters. Use \
                             at most {} values and {} characters in total, or split the name.",
                            elements / 2,
                            chars / 2,
                            MAX_BATCH_ELEMENTS / 2,
                            MAX_BATCH_CHARS / 2
                        ),
                    )
                    .at(path.join(at)),
                );
            }
        }
    }
    // The ttl rule is reported once however many alias endpoints there are.
    let mut reported: Vec<(Option<AttributePath>, String)> = Vec::new();
    for diag in found {
        let key = (diag.path.clone(), diag.summary.clone());
        if diag.path.as_ref().is_some_and(|p| p.steps().len() == 1) && reported.contains(&key) {
            continue;
        }
        reported.push(key);
        diags.push(diag);
    }
}

#[cfg(test)]
mod tests {
    use globaldeploy_adapters::aws::AliasTarget;
    use globaldeploy_adapters::testing::weighted_set;

    use super::*;

    fn set(id: &str, weight: i64, value: &str) -> RecordSet {
        weighted_set("api.example.com.", id, weight, &[value])
    }

    fn actions(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c.action.as_str(),
                    c.set.set_identifier.as_deref().unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn one_batch_creates_upserts_and_deletes() {
        let current = vec![
            set("a", 10, "192.0.2.1"),
            set("b", 20, "192.0.2.2"),
            set("c", 30, "192.0.2.3"),
        ];
        let desired = vec![
            set("a", 10, "192.0.2.1"),
            set("b", 25, "192.0.2.2"),
            set("d", 30, "192.0.2.3"),
        ];
        assert_eq!(
            actions(&changes_between(&current, &desired)),
            vec!["DELETE c", "UPSERT b", "CREATE d"]
        );
        // The DELETE carries the exact current values.
        assert_eq!(changes_between(&current, &desired)[0].set, current[2]);
        assert!(changes_between(&current, &current).is_empty());
    }

    fn endpoint(id: &str, records: Value, alias: Value) -> Value {
        Value::object([
            ("set_identifier", Value::string(id)),
            ("weight", Value::int(1)),
            ("records", records),
            ("alias", alias),
            ("health_check_id", Value::Null),
        ])
    }

    fn config(ttl: Value, endpoints: Vec<Value>) -> Value {
        Value::object([
            ("zone_id", Value::string("Z1")),
            ("name", Value::string("api.example.com")),
            ("type", Value::string("A")),
            ("ttl", ttl),
            ("endpoint", Value::list(endpoints)),
        ])
    }

    fn errors(config: &Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        validate_endpoints(config, &mut diags);
        diags
            .iter()
            .map(|d| {
                format!(
                    "{}: {}",
                    d.path.as_ref().map(ToString::to_string).unwrap_or_default(),
                    d.summary
                )
            })
            .collect()
    }

    #[test]
    fn prior_spelling_is_kept_by_set_identifier_whatever_the_order() {
        let records = |values: &[&str]| Value::list(values.iter().map(|v| Value::string(*v)).collect());
        let prior = config(
            Value::int(60),
            vec![
                endpoint("a", records(&["192.0.2.2", "192.0.2.1"]), Value::Null),
                endpoint("b", records(&["192.0.2.3"]), Value::Null),
            ],
        );
        let mut planned = prior.clone();
        planned.set(
            "endpoint",
            Value::set_of(vec![
                endpoint("b", records(&["192.0.2.3"]), Value::Null),
                endpoint("a", records(&["192.0.2.1", "192.0.2.2"]), Value::Null),
            ]),
        );
        keep_prior_endpoint_spelling(&prior, &mut planned);
        let a = endpoints(&planned).iter().find(|e| str_at(e, "set_identifier") == Some("a")).unwrap();
        assert_eq!(a.get("records"), Some(&records(&["192.0.2.2", "192.0.2.1"])));
    }

    #[test]
    fn validation_rules() {
        let one = || Value::list(vec![Value::string("192.0.2.1")]);
        let alias = || {
            Value::object([
                ("name", Value::string("x.example.com")),
                ("zone_id", Value::string("Z1")),
                ("evaluate_target_health", Value::bool(false)),
            ])
        };
        assert!(errors(&config(Value::int(60), vec![endpoint("a", one(), Value::Null)])).is_empty());
        assert_eq!(
            errors(&config(
                Value::int(60),
                vec![endpoint("a", one(), Value::Null), endpoint("a", one(), Value::Null)]
            )),
            vec!["endpoint[set_identifier=\"a\"].set_identifier: Duplicate set_identifier"]
        );
        assert_eq!(
            errors(&config(
                Value::int(60),
                vec![endpoint("a", Value::Null, alias()), endpoint("b", Value::Null, alias())]
            )),
            vec!["ttl: Invalid argument \"ttl\" with an alias"]
        );
        let big: Vec<Value> = (0..501)
            .map(|i| Value::string(format!("192.0.{}.{}", i / 250, i % 250)))
            .collect();
        assert_eq!(
            errors(&config(
                Value::int(60),
                vec![endpoint("a", Value::list(big), Value::Null)]
            )),
            vec!["endpoint[set_identifier=\"a\"].records: Weighted record too large for one change batch"]
        );
        assert!(errors(&config(
            Value::int(60),
            vec![endpoint("a", Value::Unknown, Value::Null)]
        ))
        .is_empty());
    }

    #[test]
    fn read_keeps_spelling_and_shows_drift() {
        let state = {
            let mut c = config(
                Value::int(60),
                vec![
                    endpoint(
                        "b",
                        Value::list(vec![Value::string("192.0.2.2"), Value::string("192.0.2.9")]),
                        Value::Null,
                    ),
                    endpoint("a", Value::list(vec![Value::string("192.0.2.1")]), Value::Null),
                ],
            );
            c.set("name", Value::string("API.example.com."));
            c
        };
        let mut b = set("b", 1, "192.0.2.9");
        b.records.push("192.0.2.2".into());
        let mut a = set("a", 7, "192.0.2.1");
        a.ttl = Some(300);
        let mut extra = set("z", 1, "x");
        extra.alias = Some(AliasTarget {
            name: "x.".into(),
            zone_id: "/hostedzone/Z1".into(),
            evaluate_target_health: false,
        });
        extra.records.clear();
        extra.ttl = None;
        let read = state_from_sets(&state, &[a, b, extra]);
        let eps = endpoints(&read);
        assert_eq!(str_at(&eps[0], "set_identifier"), Some("b"));
        assert_eq!(eps[0].get("records"), endpoints(&state)[0].get("records"));
        assert_eq!(eps[1].get("weight"), Some(&Value::int(7)));
        assert_eq!(str_at(&eps[2], "set_identifier"), Some("z"));
        assert_eq!(read.get("ttl"), Some(&Value::int(300)));
        assert_eq!(str_at(&read, "name"), Some("API.example.com."));
        assert_eq!(str_at(&read, "id"), Some("Z1/api.example.com/A"));
    }
}
