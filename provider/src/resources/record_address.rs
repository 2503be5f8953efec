//! The DNS name and type a Route 53 record resource owns, and what `globaldeploy_weighted_record`
//! and `globaldeploy_failover_policy` do alike with it.
//!
//! Both resources own every set of one kind (weighted, or failover) of one name and type in one
//! zone; they differ only in which sets they own and how those map onto configuration. What they
//! share lives here so they never disagree: the identifying attributes of the schema, the
//! `ZONEID/name/TYPE` id (also the import id), the plan-time `id` and `fqdn`, how a record is named
//! in diagnostics, and how one atomic change batch is applied and its outcome recorded.

use std::fmt;
use std::time::{Duration, Instant};

use globaldeploy_adapters::aws::records::strip_zone_prefix;
use globaldeploy_adapters::aws::{AwsError, Change, ChangeAction, RecordSet};
use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::model::ModelError;
use globaldeploy_sdk::framework::path::PathStep;
use globaldeploy_sdk::framework::plan::Plan;
use globaldeploy_sdk::framework::timeouts::timeout;
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{Attribute, Block, Diagnostic, Diagnostics};

use super::record_target::{display_name, same_name, RECORD_TYPES};
use crate::ProviderClient;

/// Default limit for each of create, update and delete (Route 53 usually syncs within a minute).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Which record resource is speaking, for its diagnostics.
#[derive(Clone, Copy, Debug)]
pub struct RecordKind {
    /// What the resource is called in messages, e.g. `weighted record`.
    pub noun: &'static str,
    /// The kind of record set it owns, e.g. `weighted`.
    pub sets: &'static str,
}

/// The zone, name and type a resource value is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordAddress {
    /// Hosted zone id without its `/hostedzone/` prefix.
    pub zone: String,
    /// The name as configured.
    pub name: String,
    /// The record type, upper case.
    pub rtype: String,
}

impl RecordAddress {
    /// The address of a configuration, plan or state value.
    pub fn of(value: &Value) -> RecordAddress {
        RecordAddress {
            zone: strip_zone_prefix(str_at(value, "zone_id").unwrap_or_default()).to_owned(),
            name: str_at(value, "name").unwrap_or_default().to_owned(),
            rtype: str_at(value, "type").unwrap_or_default().to_ascii_uppercase(),
        }
    }

    /// Parses an import id `ZONEID/name/TYPE`, reporting a malformed one.
    pub fn parse_import_id(id: &str, diags: &mut Diagnostics) -> Option<RecordAddress> {
        let parts: Vec<&str> = id.split('/').collect();
        let address = match parts.as_slice() {
            [zone, name, rtype] if !zone.is_empty() && !name.is_empty() => {
                let rtype = rtype.to_ascii_uppercase();
                RECORD_TYPES.contains(&rtype.as_str()).then(|| RecordAddress {
                    zone: strip_zone_prefix(zone).to_owned(),
                    name: (*name).to_owned(),
                    rtype,
                })
            }
            _ => None,
        };
        if address.is_none() {
            diags.error(
                "Invalid import id",
                format!(
                    "expected ZONEID/name/TYPE with TYPE one of {} (e.g. Z0123456789/api.example.com/A), got {id:?}.",
                    RECORD_TYPES.join(", ")
                ),
            );
        }
        address
    }

    /// `ZONEID/name/TYPE`, with the name normalised and without its trailing dot.
    pub fn id(&self) -> String {
        record_id(&self.zone, &self.name, &self.rtype)
    }

    /// The identifying attributes of the state an import starts from.
    pub fn import_state(&self) -> [(&'static str, Value); 5] {
        [
            ("id", Value::string(self.id())),
            ("zone_id", Value::string(self.zone.clone())),
            ("name", Value::string(display_name(&self.name))),
            ("type", Value::string(self.rtype.clone())),
            ("fqdn", Value::string(display_name(&self.name))),
        ]
    }
}

impl fmt::Display for RecordAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} in zone {}", display_name(&self.name), self.rtype, self.zone)
    }
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

/// The string attribute `name` of an object value, if set and known.
pub fn str_at<'v>(value: &'v Value, name: &str) -> Option<&'v str> {
    value.get(name).and_then(Value::as_str)
}

/// `block` with the attributes that identify the record (`id`, `zone_id`, `name`, `type`, `fqdn`)
/// and its `ttl`, described by `ttl_description`.
pub fn with_address_attributes(block: Block, ttl_description: &str) -> Block {
    block
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
                .description(ttl_description)
                .validate(validators::int_between(0, 2_147_483_647)),
        )
        .attribute(
            Attribute::computed("fqdn", Type::String)
                .description("The record's name as Route 53 stores it, lower case, without the trailing dot.")
                .use_state_for_unknown(),
        )
}

/// `value` with `id` and `fqdn` filled in.
pub fn with_computed(value: &Value) -> Value {
    let mut state = value.clone();
    set_computed(&mut state);
    state
}

/// Fills `id` and `fqdn` in once the address is known (a value that is not an object, such as
/// a null plan of a destroy, has neither).
fn set_computed(value: &mut Value) {
    if let (Some(zone), Some(name), Some(rtype)) =
        (str_at(value, "zone_id"), str_at(value, "name"), str_at(value, "type"))
    {
        let id = Value::string(record_id(zone, name, rtype));
        let fqdn = Value::string(display_name(name));
        if let Value::Object(attributes) = value {
            attributes.insert("id".to_owned(), id);
            attributes.insert("fqdn".to_owned(), fqdn);
        }
    }
}

/// The `ttl` a refresh records for `sets` (a resource's sets as Route 53 reports them), given
/// the state's `state_ttl`: a set whose TTL differs from the state's is drift, so that TTL is
/// shown; null when every set is an alias (aliases have no TTL of their own).
pub fn refreshed_ttl(sets: &[RecordSet], state_ttl: Option<i64>) -> Option<i64> {
    let ttls: Vec<i64> = sets
        .iter()
        .filter(|s| s.alias.is_none())
        .filter_map(|s| s.ttl)
        .collect();
    let first = *ttls.first()?;
    Some(
        ttls.iter()
            .copied()
            .find(|t| Some(*t) != state_ttl)
            .or(state_ttl)
            .unwrap_or(first),
    )
}

/// The identity part of planning an update or create: keeps the prior spelling of a name or
/// zone id that only differs in how it is written (so it neither diffs nor replaces), and fills
/// `id` and `fqdn` in.
pub fn plan_address(prior: &Value, plan: &mut Plan) {
    if !prior.is_null() {
        let planned = &mut plan.planned;
        type SameSpelling = fn(&str, &str) -> bool;
        let same: [(&str, SameSpelling); 2] = [
            ("name", same_name),
            ("zone_id", |a, b| strip_zone_prefix(a) == strip_zone_prefix(b)),
        ];
        for (attribute, same) in same {
            let Some(old) = str_at(prior, attribute) else {
                continue;
            };
            if let Some(Value::String(spelled)) = planned.get_mut(attribute) {
                if spelled != old && same(old, spelled) {
                    old.clone_into(spelled);
                }
            }
        }
        let planned = &plan.planned;
        plan.requires_replace.retain(|path| match path.steps() {
            [PathStep::Attribute(name)] => prior.get(name) != planned.get(name),
            _ => true,
        });
    }
    set_computed(&mut plan.planned);
}

/// The error diagnostic of a failed read of `address`.
fn read_error(kind: RecordKind, address: &RecordAddress, err: &AwsError) -> Diagnostic {
    let code = err.code().map(|c| format!(" ({c})")).unwrap_or_default();
    Diagnostic::error(
        format!("Could not read {} {address}{code}", kind.noun),
        format!("Reading the {} record sets of {address} failed: {err}", kind.sets),
    )
}

/// The error diagnostic of a failed write: names the record and carries the AWS error (whose
/// text includes the AWS error code).
pub fn write_error(kind: RecordKind, operation: &str, address: &RecordAddress, err: &AwsError) -> Diagnostic {
    let code = err.code().map(|c| format!(" ({c})")).unwrap_or_default();
    Diagnostic::error(
        format!("Could not {operation} {} {address}{code}", kind.noun),
        format!(
            "The {operation} of the {} record sets of {address} failed: {err}. The change batch is atomic: Route 53 \
             applied all of it or none of it.",
            kind.sets
        ),
    )
}

/// The record sets of `address` that `owned` keeps (the resource's kind of sets).
pub async fn current_sets(
    client: &ProviderClient,
    address: &RecordAddress,
    owned: fn(Vec<RecordSet>) -> Vec<RecordSet>,
) -> Result<Vec<RecordSet>, AwsError> {
    let sets = client
        .route53
        .record_sets_named(&address.zone, &address.name, &address.rtype)
        .await?;
    Ok(owned(sets))
}

/// A refresh of a record resource: its owned sets now, mapped into state by `to_state`. The
/// resource leaves state (`None`) when every owned set is gone; a failed read keeps the state and
/// reports why.
pub async fn read_state(
    client: &ProviderClient,
    kind: RecordKind,
    state: &Value,
    owned: fn(Vec<RecordSet>) -> Vec<RecordSet>,
    to_state: fn(&Value, &[RecordSet]) -> Result<Value, ModelError>,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let address = RecordAddress::of(state);
    let sets = match current_sets(client, &address, owned).await {
        Ok(sets) => sets,
        Err(err) if err.is_not_found() => return None,
        Err(err) => {
            diags.push(read_error(kind, &address, &err));
            return Some(state.clone());
        }
    };
    if sets.is_empty() {
        tracing::info!(record = %address, "every {} set is gone; removing from state", kind.sets);
        return None;
    }
    match to_state(state, &sets) {
        Ok(refreshed) => Some(refreshed),
        Err(err) => {
            diags.push(err.diagnostic());
            Some(state.clone())
        }
    }
}

/// The batch that creates the `desired` sets with `action`, or `None` after reporting the model
/// error that kept them from being built. (Not an async wrapper around [`write_batch`]: one more
/// layer of futures overflows rustc's layout query depth for the resources' async blocks.)
pub fn creating(
    action: ChangeAction,
    desired: Result<Vec<RecordSet>, ModelError>,
    diags: &mut Diagnostics,
) -> Option<Vec<Change>> {
    match desired {
        Ok(sets) => Some(sets.into_iter().map(|set| Change { action, set }).collect()),
        Err(err) => {
            diags.push(err.diagnostic());
            None
        }
    }
}

/// An update of a record resource: the owned sets now, turned into the one batch `changes_for`
/// computes from them, applied by [`write_batch`]; on a failed read, or a plan that does not fit
/// the model, nothing is written and the prior state stays.
pub async fn update_state(
    client: &ProviderClient,
    kind: RecordKind,
    prior: &Value,
    planned: &Value,
    owned: fn(Vec<RecordSet>) -> Vec<RecordSet>,
    changes_for: impl FnOnce(&[RecordSet]) -> Result<Vec<Change>, ModelError>,
    diags: &mut Diagnostics,
) -> Value {
    let address = RecordAddress::of(planned);
    let current = match current_sets(client, &address, owned).await {
        Ok(sets) => sets,
        Err(err) => {
            diags.push(write_error(kind, "update", &address, &err));
            return prior.clone();
        }
    };
    match changes_for(&current) {
        Ok(changes) => write_batch(client, kind, "update", planned, changes, prior.clone(), diags).await,
        Err(err) => {
            diags.push(err.diagnostic());
            prior.clone()
        }
    }
}

/// Applies `changes` (a create or an update of `planned`) as one batch within the `operation`
/// timeout and returns the state to save: `planned` with its computed attributes once Route 53
/// accepted the batch (even if it did not report INSYNC in time: the change is in), otherwise
/// `unchanged` — the batch is atomic, so nothing of it was applied.
pub async fn write_batch(
    client: &ProviderClient,
    kind: RecordKind,
    operation: &str,
    planned: &Value,
    changes: Vec<Change>,
    unchanged: Value,
    diags: &mut Diagnostics,
) -> Value {
    if changes.is_empty() {
        return with_computed(planned);
    }
    let address = RecordAddress::of(planned);
    let deadline = Instant::now() + timeout(planned, operation, DEFAULT_TIMEOUT);
    match client.route53.change_batch(&address.zone, changes, deadline).await {
        Ok(()) => with_computed(planned),
        Err(err @ AwsError::NotInSync { .. }) => {
            diags.push(write_error(kind, operation, &address, &err));
            with_computed(planned)
        }
        Err(err) => {
            diags.push(write_error(kind, operation, &address, &err));
            unchanged
        }
    }
}

/// Deletes `changes` (the owned sets with their exact current values, as Route 53 requires) in
/// one batch; sets already gone are not an error.
pub async fn delete_batch(
    client: &ProviderClient,
    kind: RecordKind,
    prior: &Value,
    changes: Vec<Change>,
    diags: &mut Diagnostics,
) {
    if changes.is_empty() {
        return;
    }
    let address = RecordAddress::of(prior);
    let deadline = Instant::now() + timeout(prior, "delete", DEFAULT_TIMEOUT);
    match client.route53.change_batch(&address.zone, changes, deadline).await {
        Ok(()) | Err(AwsError::NotInSync { .. }) => {}
        Err(err) if err.is_not_found() => {}
        Err(err) => diags.push(write_error(kind, "delete", &address, &err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids() {
        let mut diags = Diagnostics::new();
        assert_eq!(
            RecordAddress::parse_import_id("/hostedzone/Z1/API.example.com/a", &mut diags),
            None,
            "a zone id with its prefix has too many parts"
        );
        let parsed = RecordAddress::parse_import_id("Z1/API.example.com/a", &mut diags).expect("valid id");
        assert_eq!(
            parsed,
            RecordAddress {
                zone: "Z1".into(),
                name: "API.example.com".into(),
                rtype: "A".into()
            }
        );
        assert_eq!(parsed.id(), "Z1/api.example.com/A");
        assert_eq!(RecordAddress::parse_import_id("Z1/api.example.com", &mut diags), None);
        assert_eq!(
            RecordAddress::parse_import_id("Z1/api.example.com/XX", &mut diags),
            None
        );
        assert_eq!(diags.iter().count(), 3);
    }
}
