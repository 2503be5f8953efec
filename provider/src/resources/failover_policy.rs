//! `globaldeploy_failover_policy` (docs/resources/failover_policy.md): the PRIMARY/SECONDARY failover pair of one DNS name
//! and type, created, changed and deleted atomically.
//!
//! Route 53 answers with the primary while it is healthy and with the secondary otherwise.
//! The resource owns the name's two failover record sets, whatever their set identifiers:
//!
//! - sets it creates are identified as `<name>-<TYPE>-primary` and `<name>-<TYPE>-secondary`
//!   (e.g. `api.example.com-A-primary`; a name too long for Route 53's 128 characters is
//!   replaced by a stable hash of it). The name and type are part of the identifier because
//!   some Route 53 implementations (moto) delete by identifier across the whole zone;
//! - an existing pair (imported, or made by other tools) keeps its identifiers: updates UPSERT
//!   the current PRIMARY and SECONDARY sets under the identifiers they already have.
//!
//! Every create, update and delete is one ChangeResourceRecordSets batch — create: both sets
//! (after checking that neither exists); update: the changed or missing ones; delete: both,
//! with their exact current values — waited on until INSYNC. Reads use the provider's shared zone listing. Drift of either set shows as a diff;
//! when both sets are gone the resource leaves state.

use async_trait::async_trait;
use globaldeploy_adapters::aws::{normalize_name, Change, ChangeAction, Failover, RecordSet};
use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::timeouts::timeouts_block;
use globaldeploy_sdk::framework::model::{Model, ModelError};
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{
    Attribute, AttributePath, Block, Context, Diagnostics, NestedBlock, PlanRequest, Resource, Schema,
};

use super::record_address::{
    creating, current_sets, delete_batch, plan_address, read_state, refreshed_ttl, with_address_attributes, with_computed,
    update_state, write_batch, write_error, RecordAddress, RecordKind, DEFAULT_TIMEOUT,
};
use super::record_target::{
    alias_block, display_name, keep_prior_target_spelling, records_attribute, validate_target,
    validate_ttl_with_aliases, AliasModel, RecordTarget, MAX_BATCH_CHARS, MAX_BATCH_ELEMENTS,
};
use crate::ProviderClient;

/// How this resource is named in diagnostics.
const KIND: RecordKind = RecordKind {
    noun: "failover policy",
    sets: "failover",
};
/// Route 53's limit on the length of a set identifier.
const MAX_SET_IDENTIFIER: usize = 128;

/// The two roles, with the block that configures each.
const ROLES: [(Failover, &str); 2] = [(Failover::Primary, "primary"), (Failover::Secondary, "secondary")];

/// The `globaldeploy_failover_policy` resource type.
#[derive(Clone, Copy, Debug, Default)]
pub struct FailoverPolicy;

/// The `primary` or `secondary` block.
fn role_block(name: &str, description: &str, health_check: &str) -> NestedBlock {
    NestedBlock::single(
        name,
        Block::new(description)
            .attribute(records_attribute())
            .attribute(
                Attribute::optional("health_check_id", Type::String)
                    .description(health_check)
                    .validate(validators::not_empty()),
            )
            .block(alias_block()),
    )
    .items(1, 1)
}

#[async_trait]
impl Resource<ProviderClient> for FailoverPolicy {
    fn type_name(&self) -> &'static str {
        "globaldeploy_failover_policy"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "A Route 53 failover pair for one DNS name and type: the `primary` answers while it is healthy, the \
             `secondary` when it is not. Both record sets are created, changed and deleted together in one atomic \
             `ChangeResourceRecordSets` batch.",
        );
        let block = with_address_attributes(
            block,
            "TTL in seconds of the set(s) that use `records`. Required when `primary` or `secondary` uses records; not \
             allowed when both are aliases.",
        )
        .block(role_block(
            "primary",
            "The record set Route 53 answers with while it is healthy: `records` or an `alias`, and the \
             `health_check_id` that decides its health.",
            "Route 53 health check of the primary: while it fails, Route 53 answers with the secondary. Required \
             unless the primary is an alias with `evaluate_target_health = true` (otherwise the primary could never \
             fail over).",
        ))
        .block(role_block(
            "secondary",
            "The record set Route 53 answers with when the primary is unhealthy: `records` or an `alias`.",
            "Optional Route 53 health check of the secondary: when both sets are unhealthy, Route 53 answers with \
             the primary.",
        ))
        .block(timeouts_block(&["create", "update", "delete"], DEFAULT_TIMEOUT));
        Schema::new(block)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_policy(config, diags);
    }

    async fn modify_plan(&self, _ctx: &Context<ProviderClient>, request: PlanRequest<'_>, diags: &mut Diagnostics) {
        let PlanRequest { prior, plan, .. } = request;
        if plan.planned.is_null() || !plan.planned.is_known() {
            return;
        }
        if let Err(err) = keep_prior_role_spelling(prior, &mut plan.planned) {
            diags.push(err.diagnostic());
        }
        plan_address(prior, plan);
    }

    async fn create(&self, ctx: &Context<ProviderClient>, planned: &Value, diags: &mut Diagnostics) -> Value {
        let Some(client) = ctx.client_or_report(diags) else {
            return Value::Null;
        };
        let address = RecordAddress::of(planned);
        // Never take over a pair someone else manages: it must be imported.
        match current_sets(client, &address, failover_only).await {
            Ok(existing) if !existing.is_empty() => {
                let ids: Vec<String> = existing
                    .iter()
                    .map(|s| {
                        format!(
                            "{} ({})",
                            s.failover.map_or("?", Failover::as_str),
                            s.set_identifier.as_deref().unwrap_or_default()
                        )
                    })
                    .collect();
                diags.error(
                    format!("Failover policy {address} already exists"),
                    format!(
                        "Route 53 already has failover record sets for {address}: {}. To manage them with Terraform, \
                         import them: terraform import <address> {}",
                        ids.join(", "),
                        address.id()
                    ),
                );
                return Value::Null;
            }
            Ok(_) => {}
            Err(err) => {
                diags.push(write_error(KIND, "create", &address, &err));
                return Value::Null;
            }
        }
        // UPSERT, not CREATE: the listing above showed neither set exists, and moto refuses a
        // CREATE identical to one in its journal even after the set was deleted.
        let Some(changes) = creating(ChangeAction::Upsert, desired_sets(planned, &[]), diags) else {
            return Value::Null;
        };
        write_batch(client, KIND, "create", planned, changes, Value::Null, diags).await
    }

    async fn read(&self, ctx: &Context<ProviderClient>, state: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let Some(client) = ctx.client_or_report(diags) else {
            return Some(state.clone());
        };
        read_state(client, KIND, state, failover_only, state_from_sets, diags).await
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
        let changes_for = |current: &[RecordSet]| Ok(changes_between(current, &desired_sets(planned, current)?));
        update_state(client, KIND, prior, planned, failover_only, changes_for, diags).await
    }

    async fn delete(&self, ctx: &Context<ProviderClient>, prior: &Value, diags: &mut Diagnostics) {
        let Some(client) = ctx.client_or_report(diags) else {
            return;
        };
        let address = RecordAddress::of(prior);
        let current = match current_sets(client, &address, failover_only).await {
            Ok(sets) => sets,
            Err(err) if err.is_not_found() => return,
            Err(err) => return diags.push(write_error(KIND, "delete", &address, &err)),
        };
        let changes: Vec<Change> = current
            .into_iter()
            .map(|set| Change {
                action: ChangeAction::Delete,
                set,
            })
            .collect();
        delete_batch(client, KIND, prior, changes, diags).await;
    }

    async fn import(&self, ctx: &Context<ProviderClient>, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        let address = RecordAddress::parse_import_id(id, diags)?;
        let client = ctx.client_or_report(diags)?;
        let sets = match client
            .route53
            .record_sets_named(&address.zone, &address.name, &address.rtype)
            .await
        {
            Ok(sets) => sets,
            Err(err) => {
                let code = err.code().map(|c| format!(" ({c})")).unwrap_or_default();
                diags.error(
                    format!("Cannot import failover policy {address}{code}"),
                    format!("Reading {address} failed: {err}"),
                );
                return None;
            }
        };
        if failover_only(sets.clone()).is_empty() {
            let others = if sets.is_empty() {
                "The name has no record set of that type.".to_owned()
            } else {
                format!(
                    "The name has {} record set(s) of that type, none with a failover role.",
                    sets.len()
                )
            };
            diags.error(
                format!("Cannot import failover policy {address}"),
                format!("No PRIMARY or SECONDARY failover record set of {address} exists. {others}"),
            );
            return None;
        }
        let mut state = Value::object(address.import_state());
        // The first refresh fills the roles in.
        match FailoverPolicyModel::default().write_into(&mut state) {
            Ok(()) => Some(state),
            Err(err) => {
                diags.push(err.diagnostic());
                None
            }
        }
    }
}

/// The failover sets among `sets` (weighted or simple sets of the same name are not ours).
fn failover_only(sets: Vec<RecordSet>) -> Vec<RecordSet> {
    sets.into_iter().filter(|set| set.failover.is_some()).collect()
}

/// The set identifier this resource gives the `role` set of `name` and `rtype` when it creates
/// it: `<name>-<TYPE>-primary` / `-secondary`, or, for names too long for Route 53's 128
/// characters, a stable hash of the name in its place.
pub fn set_identifier(name: &str, rtype: &str, role: Failover) -> String {
    let name = display_name(name);
    let suffix = format!("-{}-{}", rtype.to_ascii_uppercase(), role.as_str().to_ascii_lowercase());
    if name.len() + suffix.len() <= MAX_SET_IDENTIFIER {
        return format!("{name}{suffix}");
    }
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("h{hash:016x}{suffix}")
}

globaldeploy_sdk::model! {
    /// The attributes of a `globaldeploy_failover_policy` this resource reads and rewrites;
    /// `id`, `zone_id`, `name`, `type` and `fqdn` are [`RecordAddress`]'s.
    #[derive(Default)]
    pub struct FailoverPolicyModel {
        /// TTL of the sets that use records.
        pub ttl: Option<i64>,
        /// The set answered while its health check passes.
        pub primary: Option<Role>,
        /// The set answered when the primary is unhealthy.
        pub secondary: Option<Role>,
        /// Left to the framework's timeouts.
        pub timeouts: Value,
    }
}

globaldeploy_sdk::model! {
    /// A `primary` or `secondary` block.
    pub struct Role {
        /// Literal records (see [`RecordTarget`]).
        pub records: Option<Vec<String>>,
        /// Or an alias.
        pub alias: Option<AliasModel>,
        /// The health check Route 53 judges it by.
        pub health_check_id: Option<String>,
    }
}

impl FailoverPolicyModel {
    /// The block of `role`.
    fn role(&self, role: Failover) -> Option<&Role> {
        match role {
            Failover::Primary => self.primary.as_ref(),
            Failover::Secondary => self.secondary.as_ref(),
        }
    }
}

impl Role {
    /// The role of set `set` as Route 53 reports it, its target spelled like `prior` where
    /// Route 53 means the same.
    fn of_set(set: &RecordSet, prior: Option<&Role>) -> Role {
        let mut target = RecordTarget::of_set(set);
        if let Some(prior) = prior {
            target = target.spelled_like(&RecordTarget {
                records: prior.records.clone(),
                alias: prior.alias.clone(),
            });
        }
        Role {
            records: target.records,
            alias: target.alias,
            health_check_id: set.health_check_id.clone(),
        }
    }
}

/// The record sets a (planned) resource value describes. A role that already has a set in
/// `current` keeps that set's identifier; otherwise it gets [`set_identifier`].
pub fn desired_sets(value: &Value, current: &[RecordSet]) -> Result<Vec<RecordSet>, ModelError> {
    let address = RecordAddress::of(value);
    let policy = FailoverPolicyModel::decode(value)?;
    Ok(ROLES
        .iter()
        .filter_map(|(role, _)| {
            let config = policy.role(*role)?;
            let (records, alias) = RecordTarget {
                records: config.records.clone(),
                alias: config.alias.clone(),
            }
            .to_aws();
            let identifier = current
                .iter()
                .find(|set| set.failover == Some(*role))
                .and_then(|set| set.set_identifier.clone())
                .unwrap_or_else(|| set_identifier(&address.name, &address.rtype, *role));
            Some(RecordSet {
                name: normalize_name(&address.name),
                rtype: address.rtype.clone(),
                set_identifier: Some(identifier),
                weight: None,
                failover: Some(*role),
                ttl: if alias.is_some() { None } else { policy.ttl },
                records,
                alias,
                health_check_id: config.health_check_id.clone(),
            })
        })
        .collect())
}

/// The one batch that turns `current` (the name's failover sets) into `desired`: UPSERT the
/// sets that changed and a missing one (UPSERT rather than CREATE: moto refuses a CREATE
/// identical to one in its journal even when that set was deleted since), DELETE (with its
/// exact current values) a current set that no desired set replaces. Sets already as desired
/// are left alone.
pub fn changes_between(current: &[RecordSet], desired: &[RecordSet]) -> Vec<Change> {
    let mut changes = Vec::new();
    for set in current {
        if !desired.iter().any(|d| d.set_identifier == set.set_identifier) {
            changes.push(Change {
                action: ChangeAction::Delete,
                set: set.clone(),
            });
        }
    }
    for set in desired {
        let unchanged = current
            .iter()
            .any(|c| c.set_identifier == set.set_identifier && c.same_as(set));
        if !unchanged {
            changes.push(Change {
                action: ChangeAction::Upsert,
                set: set.clone(),
            });
        }
    }
    changes
}

/// The state for `sets` (the name's failover sets as Route 53 reports them), keeping the prior
/// state's spelling wherever it denotes the same thing. A role without a set is null, which
/// the next plan shows as a block to add.
fn state_from_sets(state: &Value, sets: &[RecordSet]) -> Result<Value, ModelError> {
    let prior = FailoverPolicyModel::decode(state)?;
    let role = |role: Failover| {
        let set = sets.iter().find(|set| set.failover == Some(role))?;
        Some(Role::of_set(set, prior.role(role)))
    };
    let refreshed = FailoverPolicyModel {
        ttl: refreshed_ttl(sets, prior.ttl),
        primary: role(Failover::Primary),
        secondary: role(Failover::Secondary),
        timeouts: prior.timeouts.clone(),
    };
    let mut new_state = with_computed(state);
    refreshed.write_into(&mut new_state)?;
    Ok(new_state)
}

/// Keeps the prior state's spelling of each role's target (record order, alias names) where the
/// configuration only spells the same thing differently, so the plan shows no diff.
fn keep_prior_role_spelling(prior: &Value, planned: &mut Value) -> Result<(), ModelError> {
    for (_, block) in ROLES {
        let Some(before) = prior.get(block).filter(|b| !b.is_null()) else {
            continue;
        };
        if let Some(item) = planned.get_mut(block).filter(|b| !b.is_null()) {
            keep_prior_target_spelling(before, item)?;
        }
    }
    Ok(())
}

/// Checks across the attributes and blocks: each target's rules (records xor alias, CNAME
/// single value, a TTL with records), no TTL when both targets are aliases, a primary that can
/// fail over, and both sets fitting one change batch. Unknown values are skipped.
fn validate_policy(config: &Value, diags: &mut Diagnostics) {
    if config.is_null() || !config.is_known() {
        return;
    }
    let rtype = config.get("type").and_then(Value::as_str);
    let ttl = config.get("ttl").unwrap_or(&Value::Null);
    let (mut elements, mut chars) = (0usize, 0usize);
    for (_, block) in ROLES {
        let path = AttributePath::attr(block);
        let target = config.get(block).unwrap_or(&Value::Null);
        if target.is_null() || !target.is_known() {
            // Missing blocks are Terraform's to report (the schema requires them).
            continue;
        }
        validate_target(target, rtype, ttl, &path, diags);
        // A target not known yet, or one that does not decode (a null record value, reported
        // by its own validators), is not counted.
        if let Ok(target) = RecordTarget::decode(target) {
            let (e, c) = target.batch_weight();
            elements += e;
            chars += c;
        }
    }
    let targets = ROLES
        .iter()
        .filter_map(|(_, block)| config.get(block))
        .filter(|t| !t.is_null());
    validate_ttl_with_aliases(targets, ttl, "each of primary and secondary", diags);
    // An update may UPSERT both sets, which Route 53 counts twice.
    if 2 * elements > MAX_BATCH_ELEMENTS || 2 * chars > MAX_BATCH_CHARS {
        diags.error_at(
            AttributePath::attr("primary").join("records"),
            "Failover policy too large for one change batch",
            format!(
                "primary and secondary have {elements} record values ({chars} characters) together; an update rewrites \
                 both sets in one atomic ChangeResourceRecordSets batch, where Route 53 counts each UPSERT twice and \
                 allows at most {MAX_BATCH_ELEMENTS} values and {MAX_BATCH_CHARS} characters. Use at most {} values and \
                 {} characters in total.",
                MAX_BATCH_ELEMENTS / 2,
                MAX_BATCH_CHARS / 2
            ),
        );
    }
    validate_primary_can_fail_over(config.get("primary").unwrap_or(&Value::Null), diags);
}

/// A primary is only ever left for the secondary when Route 53 can find it unhealthy: through
/// its health check, or through the health of its alias target. Without either it is always
/// healthy and the secondary is never used — reported at the `primary` block.
fn validate_primary_can_fail_over(primary: &Value, diags: &mut Diagnostics) {
    if primary.is_null() || !primary.is_known() {
        return;
    }
    let health_check = primary.get("health_check_id").unwrap_or(&Value::Null);
    let alias = primary.get("alias").unwrap_or(&Value::Null);
    let records = primary.get("records").unwrap_or(&Value::Null);
    if !health_check.is_known() || !alias.is_known() || !records.is_known() || !health_check.is_null() {
        return;
    }
    if alias.is_null() && records.is_null() {
        // No target at all: validate_target already reports that.
        return;
    }
    let evaluates_health = match alias.get("evaluate_target_health") {
        _ if alias.is_null() => false,
        Some(v) if !v.is_known() => return,
        Some(v) => v.as_bool().unwrap_or(false),
        None => false,
    };
    if evaluates_health {
        return;
    }
    let what = if alias.is_null() {
        "uses records without a health_check_id"
    } else {
        "is an alias with evaluate_target_health = false and has no health_check_id"
    };
    // The path names the unset health_check_id: Terraform cannot locate a bare block, but a
    // path to an attribute the block does not set resolves to the block itself (its line).
    diags.error_at(
        AttributePath::attr("primary").join("health_check_id"),
        "Primary can never fail over",
        format!(
            "primary {what}, so Route 53 always considers it healthy and never answers with secondary. Set \
             primary.health_check_id (e.g. globaldeploy_health_check.<name>.id), or make primary an alias with \
             evaluate_target_health = true."
        ),
    );
}

#[cfg(test)]
mod tests {
    use globaldeploy_adapters::aws::AliasTarget;
    use globaldeploy_sdk::framework::model::undeclared;

    use super::super::record_address::str_at;
    use super::*;

    #[test]
    fn the_models_fit_the_schema() {
        let schema = FailoverPolicy.schema().block;
        assert_eq!(undeclared::<FailoverPolicyModel>(&schema), Vec::<&str>::new());
        for (_, role) in ROLES {
            let block = &schema.find_block(role).expect("a role block").block;
            assert_eq!(undeclared::<Role>(block), Vec::<&str>::new());
        }
    }

    fn records(values: &[&str]) -> Value {
        Value::list(values.iter().map(|v| Value::string(*v)).collect())
    }

    fn alias(evaluate: Value) -> Value {
        Value::object([
            ("name", Value::string("DR.api.example.com")),
            ("zone_id", Value::string("Z1")),
            ("evaluate_target_health", evaluate),
        ])
    }

    fn target(records: Value, alias: Value, health_check: Value) -> Value {
        Value::object([
            ("records", records),
            ("health_check_id", health_check),
            ("alias", alias),
        ])
    }

    fn config(rtype: &str, ttl: Value, primary: Value, secondary: Value) -> Value {
        Value::object([
            ("id", Value::Null),
            ("zone_id", Value::string("Z1")),
            ("name", Value::string("api.example.com")),
            ("type", Value::string(rtype)),
            ("ttl", ttl),
            ("fqdn", Value::Null),
            ("primary", primary),
            ("secondary", secondary),
            ("timeouts", Value::Null),
        ])
    }

    fn errors(config: &Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        validate_policy(config, &mut diags);
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

    fn healthy_primary() -> Value {
        target(records(&["192.0.2.1"]), Value::Null, Value::string("hc-1"))
    }

    #[test]
    fn the_spec_example_is_valid() {
        let secondary = target(Value::Null, alias(Value::bool(false)), Value::Null);
        assert!(errors(&config("A", Value::int(60), healthy_primary(), secondary)).is_empty());
        // Both aliases, no ttl; the primary follows its target's health.
        let primary = target(Value::Null, alias(Value::bool(true)), Value::Null);
        let secondary = target(Value::Null, alias(Value::Null), Value::Null);
        assert!(errors(&config("A", Value::Null, primary, secondary)).is_empty());
    }

    #[test]
    fn target_and_ttl_rules() {
        let secondary = || target(records(&["192.0.2.2"]), Value::Null, Value::Null);
        assert_eq!(
            errors(&config("A", Value::Null, healthy_primary(), secondary())),
            vec![
                "primary.records: Missing required argument \"ttl\"",
                "secondary.records: Missing required argument \"ttl\""
            ]
        );
        assert_eq!(
            errors(&config(
                "A",
                Value::int(60),
                target(Value::Null, Value::Null, Value::string("hc")),
                secondary()
            )),
            vec!["primary.records: Missing record target"]
        );
        assert_eq!(
            errors(&config(
                "A",
                Value::int(60),
                healthy_primary(),
                target(records(&["192.0.2.2"]), alias(Value::Null), Value::Null)
            )),
            vec!["secondary.alias: Conflicting configuration arguments"]
        );
        let both_alias = config(
            "A",
            Value::int(60),
            target(Value::Null, alias(Value::bool(true)), Value::Null),
            target(Value::Null, alias(Value::bool(false)), Value::Null),
        );
        assert_eq!(errors(&both_alias), vec!["ttl: Invalid argument \"ttl\" with an alias"]);
        assert_eq!(
            errors(&config(
                "CNAME",
                Value::int(60),
                target(
                    records(&["a.example.com", "b.example.com"]),
                    Value::Null,
                    Value::string("hc")
                ),
                secondary()
            )),
            vec!["primary.records: Invalid CNAME records"]
        );
    }

    #[test]
    fn a_primary_that_cannot_fail_over_is_rejected_at_the_block() {
        let secondary = || target(records(&["192.0.2.2"]), Value::Null, Value::Null);
        let no_check = target(records(&["192.0.2.1"]), Value::Null, Value::Null);
        assert_eq!(
            errors(&config("A", Value::int(60), no_check, secondary())),
            vec!["primary.health_check_id: Primary can never fail over"]
        );
        let blind_alias = target(Value::Null, alias(Value::bool(false)), Value::Null);
        assert_eq!(
            errors(&config("A", Value::int(60), blind_alias, secondary())),
            vec!["primary.health_check_id: Primary can never fail over"]
        );
        let default_alias = target(Value::Null, alias(Value::Null), Value::Null);
        assert_eq!(
            errors(&config("A", Value::int(60), default_alias, secondary())),
            vec!["primary.health_check_id: Primary can never fail over"]
        );
        // Unknowns are skipped.
        let later = target(records(&["192.0.2.1"]), Value::Null, Value::Unknown);
        assert!(errors(&config("A", Value::int(60), later, secondary())).is_empty());
        let later = target(Value::Null, alias(Value::Unknown), Value::Null);
        assert!(errors(&config("A", Value::int(60), later, secondary())).is_empty());
    }

    #[test]
    fn oversized_pairs_are_rejected() {
        let many: Vec<String> = (0..300).map(|i| format!("192.0.{}.{}", i / 250, i % 250)).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let primary = target(records(&many), Value::Null, Value::string("hc"));
        let secondary = target(records(&many), Value::Null, Value::Null);
        assert_eq!(
            errors(&config("A", Value::int(60), primary, secondary)),
            vec!["primary.records: Failover policy too large for one change batch"]
        );
    }

    fn set(role: Failover, id: &str, value: &str) -> RecordSet {
        globaldeploy_adapters::testing::failover_set("api.example.com.", id, role, &[value])
    }

    #[test]
    fn identifiers_are_unique_per_name_and_type_and_fit_route53() {
        assert_eq!(
            set_identifier("API.example.com.", "a", Failover::Primary),
            "api.example.com-A-primary"
        );
        assert_eq!(
            set_identifier("api.example.com", "AAAA", Failover::Secondary),
            "api.example.com-AAAA-secondary"
        );
        let long = format!("{}.example.com", "x".repeat(200));
        let id = set_identifier(&long, "A", Failover::Primary);
        assert!(id.len() <= MAX_SET_IDENTIFIER && id.ends_with("-A-primary"), "{id}");
        assert_eq!(id, set_identifier(&long.to_uppercase(), "A", Failover::Primary));
    }

    #[test]
    fn updates_keep_existing_identifiers_and_upsert_only_what_changed() {
        let planned = config(
            "A",
            Value::int(60),
            target(records(&["192.0.2.1"]), Value::Null, Value::Null),
            target(Value::Null, alias(Value::bool(false)), Value::Null),
        );
        let created = desired_sets(&planned, &[]).expect("fits the model");
        assert_eq!(created[0].set_identifier.as_deref(), Some("api.example.com-A-primary"));
        assert_eq!(created[1].ttl, None, "aliases have no TTL");
        // An imported pair with other identifiers: the secondary changes from records to alias.
        let current = vec![
            set(Failover::Primary, "one", "192.0.2.1"),
            set(Failover::Secondary, "two", "192.0.2.2"),
        ];
        let desired = desired_sets(&planned, &current).expect("fits the model");
        let changes = changes_between(&current, &desired);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].action, ChangeAction::Upsert);
        assert_eq!(changes[0].set.set_identifier.as_deref(), Some("two"));
        assert_eq!(
            changes[0].set.alias.as_ref().map(|a| a.name.as_str()),
            Some("DR.api.example.com")
        );
        // A missing secondary is created in the same batch.
        let changes = changes_between(&current[..1], &desired_sets(&planned, &current[..1]).expect("fits the model"));
        assert_eq!(
            changes.iter().map(|c| c.action).collect::<Vec<_>>(),
            vec![ChangeAction::Upsert]
        );
    }

    #[test]
    fn read_keeps_spelling_and_shows_drift_and_missing_roles() {
        let state = config(
            "A",
            Value::int(60),
            target(records(&["192.0.2.2", "192.0.2.1"]), Value::Null, Value::string("hc")),
            target(Value::Null, alias(Value::bool(false)), Value::Null),
        );
        let mut primary = set(Failover::Primary, "p", "192.0.2.1");
        primary.records.push("192.0.2.2".into());
        primary.health_check_id = Some("hc".into());
        let mut secondary = set(Failover::Secondary, "s", "");
        secondary.records.clear();
        secondary.ttl = None;
        secondary.alias = Some(AliasTarget {
            name: "dr.api.example.com.".into(),
            zone_id: "/hostedzone/Z1".into(),
            evaluate_target_health: false,
        });
        let read = state_from_sets(&state, &[primary.clone(), secondary.clone()]).expect("fits the model");
        assert_eq!(read.get("primary"), state.get("primary"));
        assert_eq!(read.get("secondary"), state.get("secondary"));
        assert_eq!(str_at(&read, "id"), Some("Z1/api.example.com/A"));
        assert_eq!(read.get("ttl"), Some(&Value::int(60)));
        // Drift: the secondary's alias target changed, the TTL too.
        secondary.alias.as_mut().unwrap().name = "other.example.com.".into();
        primary.ttl = Some(300);
        let read = state_from_sets(&state, &[primary.clone(), secondary]).expect("fits the model");
        assert_eq!(
            read.get("secondary")
                .and_then(|s| s.get("alias"))
                .and_then(|a| str_at(a, "name")),
            Some("other.example.com")
        );
        assert_eq!(read.get("ttl"), Some(&Value::int(300)));
        // Only the primary left: the secondary is null.
        let read = state_from_sets(&state, &[primary]).expect("fits the model");
        assert_eq!(read.get("secondary"), Some(&Value::Null));
    }
}
