//! `globaldeploy_weighted_record` (§4.2): every weighted record set of one DNS name and type,
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
use std::time::{Duration, Instant};

use async_trait::async_trait;
use globaldeploy_reconciler::aws::records::strip_zone_prefix;
use globaldeploy_reconciler::aws::{normalize_name, AwsError, Change, ChangeAction, RecordSet};
use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::timeouts::{timeout, timeouts_block};
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{
    Attribute, AttributePath, Block, Context, Diagnostic, Diagnostics, NestedBlock, PlanRequest, Resource, Schema,
};

use super::record_target::{
    alias_block, batch_weight, display_name, records_attribute, same_name, target_from_value, target_to_values_like,
    validate_target, validate_ttl_with_aliases, RECORD_TYPES,
};
use crate::ProviderClient;

/// Default limit for each of create, update and delete (Route 53 usually syncs within a minute).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Route 53's limits for one ChangeResourceRecordSets request.
pub const MAX_BATCH_ELEMENTS: usize = 1000;
/// Route 53's limit on the characters of all record values of one request.
pub const MAX_BATCH_CHARS: usize = 32_000;
/// Endpoints per resource.
const MAX_ENDPOINTS: i64 = 100;

/// The `globaldeploy_weighted_record` resource type.
#[derive(Clone, Copy, Debug, Default)]
pub struct WeightedRecord;

/// The `endpoint` block.
fn endpoint_block() -> NestedBlock {
    NestedBlock::list(
        "endpoint",
        Block::new("One weighted record set: where a share of the name's traffic goes.")
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
        )
        .attribute(
            Attribute::computed("id", Type::String)
                .description("`ZONEID/name/TYPE`, e.g. `Z0123456789/api.example.com/A`; also the import id.")
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::required("zone_id", Type::String)
                .description("The hosted zone holding the record sets. Changing it replaces the resource.")
                .force_new()
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::required("name", Type::String)
                .description(
                    "The DNS name, e.g. `api.example.com`. Compared the way Route 53 does (case and trailing dot do not \
                     matter). Changing it replaces the resource.",
                )
                .force_new()
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::required("type", Type::String)
                .description("The record type (`A`, `AAAA`, `CNAME`, ...). Changing it replaces the resource.")
                .force_new()
                .validate(validators::one_of(RECORD_TYPES)),
        )
        .attribute(
            Attribute::optional("ttl", Type::Number)
                .description("TTL in seconds of every set that uses `records`. Required with records, not allowed with aliases.")
                .validate(validators::int_between(0, 2_147_483_647)),
        )
        .attribute(
            Attribute::computed("fqdn", Type::String)
                .description("The record's name as Route 53 stores it, lower case, without the trailing dot.")
                .use_state_for_unknown(),
        )
        .block(endpoint_block())
        .block(timeouts_block(&["create", "update", "delete"], DEFAULT_TIMEOUT));
        Schema::new(block)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_endpoints(config, diags);
    }

    async fn modify_plan(&self, _ctx: &Context<ProviderClient>, request: PlanRequest<'_>, _diags: &mut Diagnostics) {
        let PlanRequest { prior, plan, .. } = request;
        let planned = &mut plan.planned;
        if planned.is_null() || !planned.is_known() {
            return;
        }
        if !prior.is_null() {
            keep_prior_spelling(prior, planned);
            plan.requires_replace.retain(|path| {
                let name = match path.steps() {
                    [globaldeploy_sdk::framework::path::PathStep::Attribute(name)] => name.as_str(),
                    _ => return true,
                };
                prior.get(name) != plan.planned.get(name)
            });
        }
        let planned = &mut plan.planned;
        if let (Some(zone), Some(name), Some(rtype)) = (
            str_at(planned, "zone_id"),
            str_at(planned, "name"),
            str_at(planned, "type"),
        ) {
            let id = record_id(zone, name, rtype);
            let fqdn = display_name(name);
            planned.set("id", Value::string(id));
            planned.set("fqdn", Value::string(fqdn));
        }
    }

    async fn create(&self, ctx: &Context<ProviderClient>, planned: &Value, diags: &mut Diagnostics) -> Value {
        let Some(client) = ctx.client_or_report(diags) else {
 return Value::Null;
 };
        let target = Target::of(planned);
        let changes: Vec<Change> = desired_sets(planned)
            .into_iter()
            .map(|set| Change {
                action: ChangeAction::Create,
                set,
            })
            .collect();
        let deadline = Instant::now() + timeout(planned, "create", DEFAULT_TIMEOUT);
        match client.route53.change_batch(&target.zone, changes, deadline).await {
            Ok(()) => with_computed(planned),
            Err(err @ AwsError::NotInSync { .. }) => {
                diags.push(write_error("create", &target, &err));
                with_computed(planned)
            }
            Err(err) => {
                diags.push(write_error("create", &target, &err));
                Value::Null
            }
        }
    }

    async fn read(&self, ctx: &Context<ProviderClient>, state: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let Some(client) = ctx.client_or_report(diags) else {
 return Some(state.clone());
 };
        let target = Target::of(state);
        let sets = match client
            .route53
            .record_sets_named(&target.zone, &target.name, &target.rtype)
            .await
        {
            Ok(sets) => weighted_only(sets),
            Err(err) if err.is_not_found() => return None,
            Err(err) => {
                diags.push(Diagnostic::error(
                    format!("Could not read weighted record {}", target),
                    format!("Reading the weighted record sets of {target} failed: {err}"),
                ));
                return Some(state.clone());
            }
        };
        if sets.is_empty() {
            tracing::info!(record = %target, "every weighted set is gone; removing from state");
            return None;
        }
        Some(state_from_sets(state, &sets))
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
        let target = Target::of(planned);
        let current = match client
            .route53
            .record_sets_named(&target.zone, &target.name, &target.rtype)
            .await
        {
            Ok(sets) => weighted_only(sets),
            Err(err) => {
                diags.push(write_error("update", &target, &err));
                return prior.clone();
            }
        };
        let changes = changes_between(&current, &desired_sets(planned));
        if changes.is_empty() {
            return with_computed(planned);
        }
        let deadline = Instant::now() + timeout(planned, "update", DEFAULT_TIMEOUT);
        match client.route53.change_batch(&target.zone, changes, deadline).await {
            Ok(()) => with_computed(planned),
            Err(err @ AwsError::NotInSync { .. }) => {
                diags.push(write_error("update", &target, &err));
                with_computed(planned)
            }
            Err(err) => {
                // The batch is atomic: nothing of it was applied.
                diags.push(write_error("update", &target, &err));
                prior.clone()
            }
        }
    }

    async fn delete(&self, ctx: &Context<ProviderClient>, prior: &Value, diags: &mut Diagnostics) {
        let Some(client) = ctx.client_or_report(diags) else {
 return;
 };
        let target = Target::of(prior);
        let owned: HashSet<String> = endpoints(prior)
            .iter()
            .filter_map(|ep| str_at(ep, "set_identifier").map(str::to_owned))
            .collect();
        let current = match client
            .route53
            .record_sets_named(&target.zone, &target.name, &target.rtype)
            .await
        {
            Ok(sets) => weighted_only(sets),
            Err(err) if err.is_not_found() => return,
            Err(err) => return diags.push(write_error("delete", &target, &err)),
        };
        let changes: Vec<Change> = current
            .into_iter()
            .filter(|set| set.set_identifier.as_ref().is_some_and(|id| owned.contains(id)))
            .map(|set| Change {
                action: ChangeAction::Delete,
                set,
            })
            .collect();
        if changes.is_empty() {
            return;
        }
        let deadline = Instant::now() + timeout(prior, "delete", DEFAULT_TIMEOUT);
        match client.route53.change_batch(&target.zone, changes, deadline).await {
            Ok(()) | Err(AwsError::NotInSync { .. }) => {}
            Err(err) if err.is_not_found() => {}
            Err(err) => diags.push(write_error("delete", &target, &err)),
        }
    }

    async fn import(&self, _ctx: &Context<ProviderClient>, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        let parts: Vec<&str> = id.split('/').collect();
        let [zone, name, rtype] = parts.as_slice() else {
            diags.error(
                "Invalid import id",
                format!("expected ZONEID/name/TYPE (e.g. Z0123456789/api.example.com/A), got {id:?}."),
            );
            return None;
        };
        let rtype = rtype.to_ascii_uppercase();
        if zone.is_empty() || name.is_empty() || !RECORD_TYPES.contains(&rtype.as_str()) {
            diags.error(
                "Invalid import id",
                format!(
                    "expected ZONEID/name/TYPE with TYPE one of {} (e.g. Z0123456789/api.example.com/A), got {id:?}.",
                    RECORD_TYPES.join(", ")
                ),
            );
            return None;
        }
        let zone = strip_zone_prefix(zone);
        Some(Value::object([
            ("id", Value::string(record_id(zone, name, &rtype))),
            ("zone_id", Value::string(zone)),
            ("name", Value::string(display_name(name))),
            ("type", Value::string(rtype)),
            ("ttl", Value::Null),
            ("fqdn", Value::string(display_name(name))),
            ("endpoint", Value::list(Vec::new())),
            ("timeouts", Value::Null),
        ]))
    }
}

/// The name, type and zone a value is about, for API calls and messages.
struct Target {
    zone: String,
    name: String,
    rtype: String,
}

impl Target {
    fn of(value: &Value) -> Target {
        Target {
            zone: strip_zone_prefix(str_at(value, "zone_id").unwrap_or_default()).to_owned(),
            name: str_at(value, "name").unwrap_or_default().to_owned(),
            rtype: str_at(value, "type").unwrap_or_default().to_ascii_uppercase(),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} in zone {}", display_name(&self.name), self.rtype, self.zone)
    }
}

/// The error diagnostic of a failed write: names the record and carries the AWS error (whose
/// text includes the AWS error code).
fn write_error(operation: &str, target: &Target, err: &AwsError) -> Diagnostic {
    let code = err.code().map(|c| format!(" ({c})")).unwrap_or_default();
    Diagnostic::error(
        format!("Could not {operation} weighted record {target}{code}"),
        format!(
            "The {operation} of the weighted record sets of {target} failed: {err}. The change batch is atomic: \
             Route 53 applied all of it or none of it."
        ),
    )
}

/// `ZONEID/name/TYPE`, with the name normalised and without its trailing dot.
pub fn record_id(zone: &str, name: &str, rtype: &str) -> String {
    format!(
        "{}/{}/{}",
        strip_zone_prefix(zone),
        display_name(name),
        rtype.to_ascii_uppercase()
    )
}

fn str_at<'v>(value: &'v Value, name: &str) -> Option<&'v str> {
    value.get(name).and_then(Value::as_str)
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

/// `value` with `id` and `fqdn` filled in.
fn with_computed(value: &Value) -> Value {
    let mut state = value.clone();
    if let (Some(zone), Some(name), Some(rtype)) =
        (str_at(value, "zone_id"), str_at(value, "name"), str_at(value, "type"))
    {
        let id = record_id(zone, name, rtype);
        state.set("id", Value::string(id));
        state.set("fqdn", Value::string(display_name(name)));
    }
    state
}

/// The record sets a (planned) resource value describes.
pub fn desired_sets(value: &Value) -> Vec<RecordSet> {
    let target = Target::of(value);
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
/// state's order of endpoints and its spelling wherever it denotes the same thing.
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
        .map(|(set, prior)| {
            let (records, alias) = target_to_values_like(set, *prior);
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
        })
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
    new_state.set("endpoint", Value::list(endpoint_values));
    if new_state.get("timeouts").is_none() {
        new_state.set("timeouts", Value::Null);
    }
    new_state
}

/// Keeps the prior state's spelling in the plan wherever the configuration only spells the
/// same thing differently (name case and trailing dot, zone id prefix, record order, alias
/// names): Terraform accepts the prior value as the plan for such attributes, and the plan
/// then shows no diff.
fn keep_prior_spelling(prior: &Value, planned: &mut Value) {
    if let (Some(old), Some(new)) = (str_at(prior, "name"), str_at(planned, "name")) {
        if old != new && same_name(old, new) {
            planned.set("name", Value::string(old));
        }
    }
    if let (Some(old), Some(new)) = (str_at(prior, "zone_id"), str_at(planned, "zone_id")) {
        if old != new && strip_zone_prefix(old) == strip_zone_prefix(new) {
            planned.set("zone_id", Value::string(old));
        }
    }
    let prior_endpoints = endpoints(prior);
    let Some(Value::List(items)) = planned.get_mut("endpoint") else {
        return;
    };
    for (item, before) in items.iter_mut().zip(prior_endpoints) {
        if str_at(item, "set_identifier") != str_at(before, "set_identifier") || !item.is_wholly_known() {
            continue;
        }
        if let (Some(Value::List(old)), Some(Value::List(new))) = (before.get("records"), item.get("records")) {
            let sort = |v: &[Value]| {
                let mut s: Vec<String> = v.iter().filter_map(Value::as_str).map(str::to_owned).collect();
                s.sort_unstable();
                s
            };
            if old.len() == new.len() && sort(old) != sort(new) {
                // Different values: keep the configured ones.
            } else if old.len() == new.len() {
                let old = before.get("records").cloned().unwrap_or(Value::Null);
                item.set("records", old);
            }
        }
        let (Some(old_alias), Some(new_alias)) = (before.get("alias"), item.get("alias").cloned()) else {
            continue;
        };
        if old_alias.is_null() || new_alias.is_null() {
            continue;
        }
        let mut merged = new_alias.clone();
        if let (Some(a), Some(b)) = (str_at(old_alias, "name"), str_at(&new_alias, "name")) {
            if same_name(a, b) {
                merged.set("name", Value::string(a));
            }
        }
        if let (Some(a), Some(b)) = (str_at(old_alias, "zone_id"), str_at(&new_alias, "zone_id")) {
            if strip_zone_prefix(a) == strip_zone_prefix(b) {
                merged.set("zone_id", Value::string(a));
            }
        }
        item.set("alias", merged);
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
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let (mut elements, mut chars) = (0usize, 0usize);
    let mut size_reported = false;
    for (index, endpoint) in items.iter().enumerate() {
        let path = AttributePath::attr("endpoint").index(index);
        if endpoint.is_null() || !endpoint.is_known() {
            continue;
        }
        validate_target(endpoint, rtype, ttl, &path, &mut found);
        if let Some(id) = str_at(endpoint, "set_identifier") {
            if let Some(first) = seen.get(id) {
                found.push(
                    Diagnostic::error(
                        "Duplicate set_identifier",
                        format!(
                            "set_identifier {id:?} is already used by endpoint[{first}]; every endpoint of a weighted record \
                             needs its own set_identifier."
                        ),
                    )
                    .at(path.join("set_identifier")),
                );
            } else {
                seen.insert(id.to_owned(), index);
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
                            "Up to endpoint[{index}] this record has {} record values ({} characters); an update rewrites \
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
    use globaldeploy_reconciler::aws::AliasTarget;

    use super::*;

    fn set(id: &str, weight: i64, value: &str) -> RecordSet {
        RecordSet {
            name: "api.example.com.".into(),
            rtype: "A".into(),
            set_identifier: Some(id.into()),
            weight: Some(weight),
            failover: None,
            ttl: Some(60),
            records: vec![value.into()],
            alias: None,
            health_check_id: None,
        }
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
            vec!["endpoint[1].set_identifier: Duplicate set_identifier"]
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
            vec!["endpoint[0].records: Weighted record too large for one change batch"]
        );
        assert!(errors(&config(
            Value::int(60),
            vec![endpoint("a", Value::Unknown, Value::Null)]
        ))
        .is_empty());
    }

    #[test]
    fn read_keeps_order_and_spelling_and_shows_drift() {
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
