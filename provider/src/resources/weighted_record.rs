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
use globaldeploy_sdk::framework::model::{Model, ModelError, SetOf};
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{
    Attribute, AttributePath, Block, Context, Diagnostic, Diagnostics, NestedBlock, PlanRequest, Resource, Schema,
};

use super::record_address::{
    creating, current_sets, delete_batch, plan_address, read_state, refreshed_ttl, str_at, with_address_attributes,
    with_computed, update_state, write_batch, write_error, RecordAddress, RecordKind, DEFAULT_TIMEOUT,
};
use super::record_target::{
    alias_block, keep_prior_target_spelling, records_attribute, validate_target, validate_ttl_with_aliases, AliasModel,
    RecordTarget, MAX_BATCH_CHARS, MAX_BATCH_ELEMENTS,
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

    async fn modify_plan(&self, _ctx: &Context<ProviderClient>, request: PlanRequest<'_>, diags: &mut Diagnostics) {
        let PlanRequest { prior, plan, .. } = request;
        if plan.planned.is_null() || !plan.planned.is_known() {
            return;
        }
        if let Err(err) = keep_prior_endpoint_spelling(prior, &mut plan.planned) {
            diags.push(err.diagnostic());
        }
        plan_address(prior, plan);
    }

    async fn create(&self, ctx: &Context<ProviderClient>, planned: &Value, diags: &mut Diagnostics) -> Value {
        let Some(client) = ctx.client_or_report(diags) else {
            return Value::Null;
        };
        let Some(changes) = creating(ChangeAction::Create, desired_sets(planned), diags) else {
            return Value::Null;
        };
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
        let desired = desired_sets(planned);
        let changes_for = |current: &[RecordSet]| Ok(changes_between(current, &desired?));
        update_state(client, KIND, prior, planned, weighted_only, changes_for, diags).await
    }

    async fn delete(&self, ctx: &Context<ProviderClient>, prior: &Value, diags: &mut Diagnostics) {
        let Some(client) = ctx.client_or_report(diags) else {
            return;
        };
        let address = RecordAddress::of(prior);
        let owned: HashSet<String> = match WeightedRecordModel::decode(prior) {
            Ok(record) => record.endpoint.0.into_iter().map(|ep| ep.set_identifier).collect(),
            Err(err) => return diags.push(err.diagnostic()),
        };
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
        // The first refresh fills the endpoints in.
        let nothing_read = WeightedRecordModel {
            ttl: None,
            endpoint: SetOf::default(),
            timeouts: Value::Null,
        };
        match nothing_read.write_into(&mut state) {
            Ok(()) => Some(state),
            Err(err) => {
                diags.push(err.diagnostic());
                None
            }
        }
    }
}

globaldeploy_sdk::model! {
    /// The attributes of a `globaldeploy_weighted_record` this resource reads and rewrites;
    /// `id`, `zone_id`, `name`, `type` and `fqdn` are [`RecordAddress`]'s.
    pub struct WeightedRecordModel {
        /// TTL of the sets that use records.
        pub ttl: Option<i64>,
        /// Every weighted set of the name.
        pub endpoint: SetOf<Endpoint>,
        /// Left to the framework's timeouts.
        pub timeouts: Value,
    }
}

globaldeploy_sdk::model! {
    /// One `endpoint` block: a weighted set, as the resource and its data source show it.
    pub struct Endpoint {
        /// Identifies the set among the name's weighted sets.
        pub set_identifier: String,
        /// Its relative weight.
        pub weight: i64,
        /// Literal records (see [`RecordTarget`]).
        pub records: Option<Vec<String>>,
        /// Or an alias.
        pub alias: Option<AliasModel>,
        /// The health check Route 53 answers it by.
        pub health_check_id: Option<String>,
    }
}

impl Endpoint {
    /// Where this endpoint points.
    fn target(&self) -> RecordTarget {
        RecordTarget {
            records: self.records.clone(),
            alias: self.alias.clone(),
        }
    }

    /// The endpoint of weighted set `set` (which has an identifier and a weight: see
    /// [`weighted_only`]), its target written as `prior` spelled it where Route 53 means the same.
    pub fn of_set(set: &RecordSet, prior: Option<&Endpoint>) -> Endpoint {
        let mut target = RecordTarget::of_set(set);
        if let Some(prior) = prior {
            target = target.spelled_like(&prior.target());
        }
        Endpoint {
            set_identifier: set.set_identifier.clone().unwrap_or_default(),
            weight: set.weight.unwrap_or_default(),
            records: target.records,
            alias: target.alias,
            health_check_id: set.health_check_id.clone(),
        }
    }
}

/// The weighted sets among `sets` (a failover pair of the same name is not ours).
fn weighted_only(sets: Vec<RecordSet>) -> Vec<RecordSet> {
    sets.into_iter()
        .filter(|set| set.weight.is_some() && set.set_identifier.is_some())
        .collect()
}

/// The record sets a (planned) resource value describes.
pub fn desired_sets(value: &Value) -> Result<Vec<RecordSet>, ModelError> {
    let address = RecordAddress::of(value);
    let record = WeightedRecordModel::decode(value)?;
    Ok(record
        .endpoint
        .0
        .into_iter()
        .map(|ep| {
            let (records, alias) = ep.target().to_aws();
            RecordSet {
                name: normalize_name(&address.name),
                rtype: address.rtype.clone(),
                set_identifier: Some(ep.set_identifier),
                weight: Some(ep.weight),
                failover: None,
                ttl: if alias.is_some() { None } else { record.ttl },
                records,
                alias,
                health_check_id: ep.health_check_id,
            }
        })
        .collect())
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
/// `set_identifier`, so the order Route 53 lists the sets in carries no meaning: the state's
/// endpoints keep their order, sets added outside Terraform follow.
fn state_from_sets(state: &Value, sets: &[RecordSet]) -> Result<Value, ModelError> {
    let prior = WeightedRecordModel::decode(state)?;
    let mut unseen: BTreeMap<&str, &RecordSet> = sets
        .iter()
        .filter_map(|set| set.set_identifier.as_deref().map(|id| (id, set)))
        .collect();
    let mut endpoint: SetOf<Endpoint> = prior
        .endpoint
        .iter()
        .filter_map(|before| {
            let set = unseen.remove(before.set_identifier.as_str())?;
            Some(Endpoint::of_set(set, Some(before)))
        })
        .collect();
    endpoint.extend(unseen.values().map(|set| Endpoint::of_set(set, None)));
    let refreshed = WeightedRecordModel {
        ttl: refreshed_ttl(sets, prior.ttl),
        endpoint,
        timeouts: prior.timeouts,
    };
    let mut new_state = with_computed(state);
    refreshed.write_into(&mut new_state)?;
    Ok(new_state)
}

/// Keeps the prior state's spelling of each endpoint's target (record order, alias names) where
/// the configuration only spells the same thing differently: Terraform accepts the prior value
/// as the plan for such attributes, and the plan then shows no diff.
fn keep_prior_endpoint_spelling(prior: &Value, planned: &mut Value) -> Result<(), ModelError> {
    let prior_endpoints = prior.get("endpoint").and_then(Value::as_list).unwrap_or_default();
    let Some(Value::Set(items)) = planned.get_mut("endpoint") else {
        return Ok(());
    };
    for item in items.iter_mut() {
        let id = str_at(item, "set_identifier");
        if let Some(before) = prior_endpoints.iter().find(|b| id.is_some() && str_at(b, "set_identifier") == id) {
            keep_prior_target_spelling(before, item)?;
        }
    }
    Ok(())
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
        // A target not known yet, or one that does not decode (a null record value, reported
        // by its own validators), is not counted.
        if let Ok(target) = RecordTarget::decode(endpoint) {
            let (e, c) = target.batch_weight();
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
    use globaldeploy_sdk::framework::model::undeclared;

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
        planned
            .set(
                "endpoint",
                Value::set_of(vec![
                    endpoint("b", records(&["192.0.2.3"]), Value::Null),
                    endpoint("a", records(&["192.0.2.1", "192.0.2.2"]), Value::Null),
                ]),
            )
            .expect("an object");
        keep_prior_endpoint_spelling(&prior, &mut planned).expect("endpoints fit the model");
        let planned = WeightedRecordModel::decode(&planned).expect("a weighted record");
        let a = planned.endpoint.iter().find(|e| e.set_identifier == "a").expect("endpoint a");
        assert_eq!(a.records, Some(vec!["192.0.2.2".to_owned(), "192.0.2.1".to_owned()]));
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
            c.set("name", Value::string("API.example.com.")).expect("an object");
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
        let read = state_from_sets(&state, &[a, b, extra]).expect("the state fits the model");
        let record = WeightedRecordModel::decode(&read).expect("a weighted record");
        let prior = WeightedRecordModel::decode(&state).expect("a weighted record");
        let ids: Vec<&str> = record.endpoint.iter().map(|e| e.set_identifier.as_str()).collect();
        assert_eq!(ids, ["b", "a", "z"], "the state's order, then the sets added outside Terraform");
        assert_eq!(record.endpoint[0].records, prior.endpoint[0].records, "the state's spelling");
        assert_eq!(record.endpoint[1].weight, 7, "drift shows");
        assert_eq!(record.ttl, Some(300), "a TTL that differs from the state's shows");
        assert_eq!(str_at(&read, "name"), Some("API.example.com."));
        assert_eq!(str_at(&read, "id"), Some("Z1/api.example.com/A"));
        assert_eq!(read.get("timeouts"), Some(&Value::Null), "a missing timeouts block reads as null");
    }

    #[test]
    fn a_state_that_does_not_fit_the_model_is_reported_at_its_attribute() {
        let mut state = config(Value::int(60), vec![endpoint("a", Value::Null, Value::Null)]);
        state.set("ttl", Value::string("60")).expect("an object");
        let err = state_from_sets(&state, &[set("a", 1, "192.0.2.1")]).expect_err("a string ttl");
        assert_eq!(err.path, AttributePath::attr("ttl"));
    }

    #[test]
    fn the_models_fit_the_schema() {
        let schema = WeightedRecord.schema().block;
        assert_eq!(undeclared::<WeightedRecordModel>(&schema), Vec::<&str>::new());
        let endpoint = &schema.find_block("endpoint").expect("an endpoint block").block;
        assert_eq!(undeclared::<Endpoint>(endpoint), Vec::<&str>::new());
        let alias = &endpoint.find_block("alias").expect("an alias block").block;
        assert_eq!(undeclared::<AliasModel>(alias), Vec::<&str>::new());
        assert_eq!(undeclared::<RecordTarget>(endpoint), Vec::<&str>::new());
    }
}
