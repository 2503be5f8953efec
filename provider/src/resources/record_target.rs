//! What a Route 53 record set points at, shared by `globaldeploy_weighted_record` (one target
//! per `endpoint`) and `globaldeploy_failover_policy` (`primary`, `secondary`): either literal
//! `records` (with the resource's `ttl`) or an `alias {}` to another record set or AWS resource.
//!
//! The schema pieces, the validation (records xor alias, ttl rules, CNAME single value) and the
//! conversions between configuration values and the AWS layer's [`RecordSet`] live here, so both
//! resources behave identically. Names are compared the way Route 53 does ([`same_name`]), so
//! `API.example.com.` in configuration and `api.example.com.` in Route 53 are the same name.

use globaldeploy_adapters::aws::records::strip_zone_prefix;
use globaldeploy_adapters::aws::{normalize_name, AliasTarget, RecordSet};
use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{Attribute, AttributePath, Block, Diagnostics, NestedBlock};

/// Route 53's limit on ResourceRecord elements in one ChangeResourceRecordSets request.
pub const MAX_BATCH_ELEMENTS: usize = 1000;
/// Route 53's limit on the characters of all record values of one request.
pub const MAX_BATCH_CHARS: usize = 32_000;

pub use globaldeploy_adapters::aws::records::ROUTING_POLICY_RECORD_TYPES as RECORD_TYPES;

/// `records`: the literal values of a record set (optional list of strings).
pub fn records_attribute() -> Attribute {
    Attribute::optional("records", Type::list(Type::String))
        .description(
            "The record values, e.g. `[\"203.0.113.10\"]`. Exactly one of `records` or `alias` must be set; \
             `records` needs the resource's `ttl`. A `CNAME` has exactly one value.",
        )
        .validate(validators::length_between(1, 1000))
        .validate(validators::each(validators::not_empty()))
        .validate(validators::unique())
}

/// The `alias { name, zone_id, evaluate_target_health }` block (at most one).
pub fn alias_block() -> NestedBlock {
    NestedBlock::single(
        "alias",
        Block::new(
            "An alias to another Route 53 record set or AWS resource (load balancer, CloudFront distribution...), \
             instead of `records`. Aliases have no TTL of their own.",
        )
        .attribute(
            Attribute::required("name", Type::String)
                .description("The DNS name the alias points at, e.g. `euw1.api.example.com`.")
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::required("zone_id", Type::String)
                .description("The hosted zone id of the alias target.")
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::with_default("evaluate_target_health", Type::Bool, false)
                .description("Whether Route 53 follows the health of the alias target. Default: `false`."),
        ),
    )
}

/// Validates one target object (an `endpoint`, `primary` or `secondary` block instance at
/// `path`) of a record of type `rtype`, with the resource's top-level `ttl` (at path `ttl`).
///
/// Rules: exactly one of `records` and `alias`; `ttl` required with `records` (reported at
/// `records`); a CNAME has exactly one record. Unknown values are skipped. Whether `ttl` may be
/// set depends on all of a resource's targets: see [`validate_ttl_with_aliases`].
pub fn validate_target(
    target: &Value,
    rtype: Option<&str>,
    ttl: &Value,
    path: &AttributePath,
    diags: &mut Diagnostics,
) {
    if target.is_null() || !target.is_known() {
        return;
    }
    let records = target.get("records").unwrap_or(&Value::Null);
    let alias = target.get("alias").unwrap_or(&Value::Null);
    if !records.is_known() || !alias.is_known() {
        return;
    }
    let has_records = !records.is_null();
    let has_alias = !alias.is_null();
    match (has_records, has_alias) {
        (false, false) => {
            // A path to an unset attribute makes Terraform point at the block itself.
            diags.error_at(
                path.join("records"),
                "Missing record target",
                format!("{path} must set exactly one of records or alias; neither is set."),
            );
            return;
        }
        (true, true) => {
            diags.error_at(
                path.join("alias"),
                "Conflicting configuration arguments",
                format!("{path} must set exactly one of records or alias; found both. Remove one of them."),
            );
            return;
        }
        _ => {}
    }
    if has_records && ttl.is_null() {
        diags.error_at(
            path.join("records"),
            "Missing required argument \"ttl\"",
            format!("{path} uses records, which need a TTL: set the resource's ttl (e.g. ttl = 60)."),
        );
    }
    if rtype.is_some_and(|t| t.eq_ignore_ascii_case("CNAME")) {
        if let Some(values) = records.as_list() {
            if values.len() != 1 {
                diags.error_at(
                    path.join("records"),
                    "Invalid CNAME records",
                    format!(
                        "A CNAME record has exactly one value; {path}.records has {}.",
                        values.len()
                    ),
                );
            }
        }
    }
}

/// The records and alias of a target object (known values only).
pub fn target_from_value(target: &Value) -> (Vec<String>, Option<AliasTarget>) {
    let records = target
        .get("records")
        .and_then(Value::as_list)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let alias = target
        .get("alias")
        .filter(|a| !a.is_null() && a.is_known())
        .map(|alias| AliasTarget {
            name: alias.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            zone_id: strip_zone_prefix(alias.get("zone_id").and_then(Value::as_str).unwrap_or_default()).to_owned(),
            evaluate_target_health: alias
                .get("evaluate_target_health")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        });
    (records, alias)
}

/// The `records` and `alias` values of a record set as Route 53 reports it: one of them null.
pub fn target_to_values(set: &RecordSet) -> (Value, Value) {
    match &set.alias {
        Some(alias) => (
            Value::Null,
            Value::object([
                ("name", Value::string(display_name(&alias.name))),
                ("zone_id", Value::string(strip_zone_prefix(&alias.zone_id))),
                ("evaluate_target_health", Value::bool(alias.evaluate_target_health)),
            ]),
        ),
        None => (
            Value::list(set.records.iter().map(Value::string).collect()),
            Value::Null,
        ),
    }
}

/// Like [`target_to_values`], but keeping the spelling of `prior` (configuration or state) where
/// it denotes the same thing: records in the prior order when they are the same values, the
/// alias name and zone id as written when they are the same name and zone. This is what keeps a
/// refresh from showing a diff that is only spelling.
pub fn target_to_values_like(set: &RecordSet, prior: Option<&Value>) -> (Value, Value) {
    let (records, alias) = target_to_values(set);
    let Some(prior) = prior.filter(|p| p.is_known() && !p.is_null()) else {
        return (records, alias);
    };
    let records = match (prior.get("records"), &records) {
        (Some(before @ Value::List(old)), Value::List(new)) if same_values(old, new) => before.clone(),
        _ => records,
    };
    let alias = match (prior.get("alias"), &alias) {
        (Some(before), Value::Object(_)) if before.is_known() && !before.is_null() => {
            let mut merged = alias.clone();
            if let (Some(old), Some(new)) = (str_of(before, "name"), str_of(&alias, "name")) {
                if same_name(old, new) {
                    merged.set("name", Value::string(old));
                }
            }
            if let (Some(old), Some(new)) = (str_of(before, "zone_id"), str_of(&alias, "zone_id")) {
                if strip_zone_prefix(old) == strip_zone_prefix(new) {
                    merged.set("zone_id", Value::string(old));
                }
            }
            merged
        }
        _ => alias,
    };
    (records, alias)
}

fn str_of<'v>(value: &'v Value, name: &str) -> Option<&'v str> {
    value.get(name).and_then(Value::as_str)
}

/// Whether two lists of values hold the same strings regardless of order.
fn same_values(a: &[Value], b: &[Value]) -> bool {
    let sorted = |items: &[Value]| {
        let mut v: Vec<String> = items
            .iter()
            .map(|i| i.as_str().unwrap_or_default().to_owned())
            .collect();
        v.sort_unstable();
        v
    };
    a.len() == b.len() && sorted(a) == sorted(b)
}

/// Keeps `before`'s spelling of a target in the planned `item` where both denote the same thing
/// (the same records in another order, an alias name in another case or with a trailing dot, a
/// zone id with its `/hostedzone/` prefix): Terraform accepts the prior value as the plan for
/// such attributes, and the plan then shows no diff.
pub fn keep_prior_target_spelling(before: &Value, item: &mut Value) {
    if let (Some(Value::List(old)), Some(Value::List(new))) = (before.get("records"), item.get("records")) {
        if same_values(old, new) {
            let old = Value::List(old.clone());
            item.set("records", old);
        }
    }
    let (Some(old_alias), Some(new_alias)) = (before.get("alias"), item.get("alias").cloned()) else {
        return;
    };
    if old_alias.is_null() || new_alias.is_null() {
        return;
    }
    let mut merged = new_alias.clone();
    if let (Some(a), Some(b)) = (str_of(old_alias, "name"), str_of(&new_alias, "name")) {
        if same_name(a, b) {
            merged.set("name", Value::string(a));
        }
    }
    if let (Some(a), Some(b)) = (str_of(old_alias, "zone_id"), str_of(&new_alias, "zone_id")) {
        if strip_zone_prefix(a) == strip_zone_prefix(b) {
            merged.set("zone_id", Value::string(a));
        }
    }
    item.set("alias", merged);
}

/// A DNS name as Route 53 compares it: lower case, trailing dot, escapes decoded.
pub fn normalized_name(name: &str) -> String {
    normalize_name(name)
}

/// A DNS name for display and ids: normalised, without the trailing dot
/// (`API.Example.com.` → `api.example.com`).
pub fn display_name(name: &str) -> String {
    let mut name = normalize_name(name);
    if name.len() > 1 {
        name.pop();
    }
    name
}

/// Whether two spellings denote the same DNS name.
pub fn same_name(a: &str, b: &str) -> bool {
    normalize_name(a) == normalize_name(b)
}

/// How many ResourceRecord elements and value characters a target contributes to a change
/// batch (Route 53 limits a batch to 1,000 elements and 32,000 characters; an UPSERT counts
/// twice).
pub fn batch_weight(target: &Value) -> (usize, usize) {
    let (records, alias) = target_from_value(target);
    match alias {
        Some(alias) => (0, alias.name.len()),
        None => (records.len(), records.iter().map(String::len).sum()),
    }
}

/// `ttl` is for the targets that use records; when every target of a resource is an alias
/// (which takes its target's TTL), a set `ttl` would silently do nothing, so it is an error at
/// `ttl`. `what` names the targets for the message, e.g. "every endpoint". Unknown targets
/// count as possibly using records.
pub fn validate_ttl_with_aliases<'a>(
    targets: impl IntoIterator<Item = &'a Value>,
    ttl: &Value,
    what: &str,
    diags: &mut Diagnostics,
) {
    if ttl.is_null() || !ttl.is_known() {
        return;
    }
    let all_alias = targets.into_iter().all(|target| {
        target.is_known()
            && target.get("alias").is_some_and(|a| a.is_known() && !a.is_null())
            && target.get("records").is_some_and(Value::is_null)
    });
    if all_alias {
        diags.error_at(
            AttributePath::attr("ttl"),
            "Invalid argument \"ttl\" with an alias",
            format!(
                "{what} is an alias: Route 53 aliases use the TTL of their target, so ttl must not be set. Remove ttl."
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(records: Value, alias: Value) -> Value {
        Value::object([("records", records), ("alias", alias)])
    }

    fn alias() -> Value {
        Value::object([
            ("name", Value::string("EUW1.api.example.com")),
            ("zone_id", Value::string("Z1")),
            ("evaluate_target_health", Value::bool(true)),
        ])
    }

    fn check(t: &Value, rtype: &str, ttl: Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        validate_target(
            t,
            Some(rtype),
            &ttl,
            &AttributePath::attr("endpoint").index(1),
            &mut diags,
        );
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
    fn records_xor_alias_and_ttl_rules() {
        let records = Value::list(vec![Value::string("192.0.2.1")]);
        assert!(check(&target(records.clone(), Value::Null), "A", Value::int(60)).is_empty());
        assert!(check(&target(Value::Null, alias()), "A", Value::Null).is_empty());
        assert_eq!(
            check(&target(Value::Null, Value::Null), "A", Value::int(60)),
            vec!["endpoint[1].records: Missing record target"]
        );
        assert_eq!(
            check(&target(records.clone(), alias()), "A", Value::int(60)),
            vec!["endpoint[1].alias: Conflicting configuration arguments"]
        );
        assert_eq!(
            check(&target(records, Value::Null), "A", Value::Null),
            vec!["endpoint[1].records: Missing required argument \"ttl\""]
        );
        // A ttl beside an alias is judged across all targets (validate_ttl_with_aliases).
        assert!(check(&target(Value::Null, alias()), "A", Value::int(60)).is_empty());
        // Unknowns are skipped.
        assert!(check(&target(Value::Unknown, Value::Null), "A", Value::Null).is_empty());
        assert!(check(&target(Value::Null, alias()), "A", Value::Unknown).is_empty());
    }

    #[test]
    fn ttl_is_refused_only_when_every_target_is_an_alias() {
        let records = target(Value::list(vec![Value::string("192.0.2.1")]), Value::Null);
        let aliased = target(Value::Null, alias());
        let run = |targets: &[&Value], ttl: Value| {
            let mut diags = Diagnostics::new();
            validate_ttl_with_aliases(targets.iter().copied(), &ttl, "every endpoint", &mut diags);
            diags
                .iter()
                .map(|d| {
                    format!(
                        "{}: {}",
                        d.path.as_ref().map(ToString::to_string).unwrap_or_default(),
                        d.summary
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            run(&[&aliased, &aliased], Value::int(60)),
            vec!["ttl: Invalid argument \"ttl\" with an alias"]
        );
        assert!(run(&[&records, &aliased], Value::int(60)).is_empty());
        assert!(run(&[&aliased], Value::Null).is_empty());
        assert!(run(&[&aliased], Value::Unknown).is_empty());
        assert!(run(&[&Value::Unknown, &aliased], Value::int(60)).is_empty());
    }

    #[test]
    fn cname_has_one_value() {
        let two = Value::list(vec![Value::string("a.example.com"), Value::string("b.example.com")]);
        assert_eq!(
            check(&target(two, Value::Null), "CNAME", Value::int(60)),
            vec!["endpoint[1].records: Invalid CNAME records"]
        );
    }

    #[test]
    fn conversions_round_trip_and_keep_spelling() {
        let (records, alias_target) = target_from_value(&target(Value::Null, alias()));
        assert!(records.is_empty());
        let set = RecordSet {
            name: "api.example.com.".into(),
            rtype: "A".into(),
            set_identifier: Some("x".into()),
            weight: Some(1),
            failover: None,
            ttl: None,
            records: vec![],
            alias: alias_target.map(|mut a| {
                a.name = normalize_name(&a.name);
                a.zone_id = format!("/hostedzone/{}", a.zone_id);
                a
            }),
            health_check_id: None,
        };
        let (_, plain) = target_to_values(&set);
        assert_eq!(plain.get("name"), Some(&Value::string("euw1.api.example.com")));
        assert_eq!(plain.get("zone_id"), Some(&Value::string("Z1")));
        let (_, kept) = target_to_values_like(&set, Some(&target(Value::Null, alias())));
        assert_eq!(kept, alias());
    }

    #[test]
    fn names() {
        assert!(same_name("API.example.com.", "api.example.com"));
        assert_eq!(display_name("API.example.com."), "api.example.com");
        assert_eq!(normalized_name("API.example.com"), "api.example.com.");
    }
}
