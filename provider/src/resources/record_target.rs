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
use globaldeploy_sdk::framework::model::{Model, ModelError};
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

globaldeploy_sdk::model! {
    /// An `alias` block as configuration and state spell it.
    pub struct AliasModel {
        /// The DNS name the alias points at.
        pub name: String,
        /// The hosted zone of the alias target.
        pub zone_id: String,
        /// Whether Route 53 follows the target's health.
        pub evaluate_target_health: bool,
    }
}

globaldeploy_sdk::model! {
    /// What a record set points at, read from (and written into) a target object — an
    /// `endpoint`, `primary` or `secondary` block — whose other attributes it leaves alone.
    #[derive(Default)]
    pub struct RecordTarget {
        /// Literal record values, with the resource's `ttl`.
        pub records: Option<Vec<String>>,
        /// Or an alias.
        pub alias: Option<AliasModel>,
    }
}

impl RecordTarget {
    /// The target of a record set as Route 53 reports it.
    pub fn of_set(set: &RecordSet) -> RecordTarget {
        match &set.alias {
            Some(alias) => RecordTarget {
                records: None,
                alias: Some(AliasModel {
                    name: display_name(&alias.name),
                    zone_id: strip_zone_prefix(&alias.zone_id).to_owned(),
                    evaluate_target_health: alias.evaluate_target_health,
                }),
            },
            None => RecordTarget {
                records: Some(set.records.clone()),
                alias: None,
            },
        }
    }

    /// The records and alias the AWS layer writes.
    pub fn to_aws(&self) -> (Vec<String>, Option<AliasTarget>) {
        let alias = self.alias.as_ref().map(|alias| AliasTarget {
            name: alias.name.clone(),
            zone_id: strip_zone_prefix(&alias.zone_id).to_owned(),
            evaluate_target_health: alias.evaluate_target_health,
        });
        (self.records.clone().unwrap_or_default(), alias)
    }

    /// This target, spelled as `prior` (configuration or state) wherever both denote the same
    /// thing: records in the prior order when they are the same values, the alias name and zone
    /// id as written when they are the same name and zone. This is what keeps a refresh or a
    /// plan from showing a diff that is only spelling.
    #[must_use]
    pub fn spelled_like(mut self, prior: &RecordTarget) -> RecordTarget {
        if let (Some(old), Some(new)) = (&prior.records, &self.records) {
            if same_values(old, new) {
                self.records = Some(old.clone());
            }
        }
        if let (Some(old), Some(new)) = (&prior.alias, &mut self.alias) {
            if same_name(&old.name, &new.name) {
                new.name.clone_from(&old.name);
            }
            if strip_zone_prefix(&old.zone_id) == strip_zone_prefix(&new.zone_id) {
                new.zone_id.clone_from(&old.zone_id);
            }
        }
        self
    }

    /// How many ResourceRecord elements and value characters this target contributes to a
    /// change batch (Route 53 limits a batch to 1,000 elements and 32,000 characters; an UPSERT
    /// counts twice).
    pub fn batch_weight(&self) -> (usize, usize) {
        match (&self.alias, &self.records) {
            (Some(alias), _) => (0, alias.name.len()),
            (None, Some(records)) => (records.len(), records.iter().map(String::len).sum()),
            (None, None) => (0, 0),
        }
    }
}

/// Whether two lists hold the same strings regardless of order.
fn same_values(a: &[String], b: &[String]) -> bool {
    let sorted = |items: &[String]| {
        let mut sorted = items.to_vec();
        sorted.sort_unstable();
        sorted
    };
    a.len() == b.len() && sorted(a) == sorted(b)
}

/// Keeps `before`'s spelling of a target in the planned `item` where both denote the same thing
/// (the same records in another order, an alias name in another case or with a trailing dot, a
/// zone id with its `/hostedzone/` prefix): Terraform accepts the prior value as the plan for
/// such attributes, and the plan then shows no diff. Targets not wholly known are left as planned.
pub fn keep_prior_target_spelling(before: &Value, item: &mut Value) -> Result<(), ModelError> {
    if !before.is_wholly_known() || !item.is_wholly_known() {
        return Ok(());
    }
    let prior = RecordTarget::decode(before)?;
    RecordTarget::decode(item)?.spelled_like(&prior).write_into(item)
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
    use globaldeploy_sdk::framework::model::ToValue;

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
        let configured = RecordTarget::decode(&target(Value::Null, alias())).expect("a target");
        let (records, alias_target) = configured.to_aws();
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
        let plain = RecordTarget::of_set(&set).alias.expect("an alias");
        assert_eq!(plain.name, "euw1.api.example.com");
        assert_eq!(plain.zone_id, "Z1");
        assert_eq!(RecordTarget::of_set(&set).spelled_like(&configured), configured);
        assert_eq!(configured.to_value(), target(Value::Null, alias()));
    }

    #[test]
    fn records_keep_their_prior_order_only_when_they_are_the_same_values() {
        let records = |values: &[&str]| RecordTarget {
            records: Some(values.iter().map(|v| (*v).to_owned()).collect()),
            alias: None,
        };
        let prior = records(&["192.0.2.2", "192.0.2.1"]);
        assert_eq!(records(&["192.0.2.1", "192.0.2.2"]).spelled_like(&prior), prior);
        let changed = records(&["192.0.2.1", "192.0.2.3"]);
        assert_eq!(changed.clone().spelled_like(&prior), changed);
        assert_eq!(prior.batch_weight(), (2, 18));
    }

    #[test]
    fn names() {
        assert!(same_name("API.example.com.", "api.example.com"));
        assert_eq!(display_name("API.example.com."), "api.example.com");
        assert_eq!(normalized_name("API.example.com"), "api.example.com.");
    }
}
