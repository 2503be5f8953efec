//! Data source `globaldeploy_weighted_record` (docs/data-sources/weighted_record.md): the weighted record sets of an existing
//! name and type — their weights and targets — read from the provider's shared zone listing.

use std::collections::BTreeMap;

use async_trait::async_trait;
use globaldeploy_adapters::aws::records::strip_zone_prefix;
use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::model::Model;
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{Attribute, Block, Context, DataSource, Diagnostics, Schema};

use super::record_target::{display_name, RECORD_TYPES};
use super::weighted_record::Endpoint;
use super::record_address::record_id;
use crate::ProviderClient;

/// The `globaldeploy_weighted_record` data source.
#[derive(Clone, Copy, Debug, Default)]
pub struct WeightedRecordData;

globaldeploy_sdk::model! {
    /// What a read finds (the configuration is the address read).
    struct WeightedRecordRead {
        /// `ZONEID/name/TYPE`.
        id: String,
        /// The name, lower case, without the trailing dot.
        fqdn: String,
        /// The TTL of the sets that use records.
        ttl: Option<i64>,
        /// Weight of each set, by set identifier (only sets with a weight are read).
        weights: BTreeMap<String, i64>,
        /// Every weighted set, ordered by set identifier.
        endpoints: Vec<Endpoint>,
    }
}

fn alias_type() -> Type {
    Type::object([
        ("name", Type::String),
        ("zone_id", Type::String),
        ("evaluate_target_health", Type::Bool),
    ])
}

fn endpoint_type() -> Type {
    Type::object([
        ("set_identifier", Type::String),
        ("weight", Type::Number),
        ("records", Type::list(Type::String)),
        ("alias", alias_type()),
        ("health_check_id", Type::String),
    ])
}

#[async_trait]
impl DataSource<ProviderClient> for WeightedRecordData {
    fn type_name(&self) -> &'static str {
        "globaldeploy_weighted_record"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "Reads the weighted Route 53 record sets of an existing DNS name and type: each set's identifier, weight and \
             target. Fails when the name has no weighted sets.",
        )
        .attribute(Attribute::required("zone_id", Type::String).description("The hosted zone.").validate(validators::not_empty()))
        .attribute(
            Attribute::required("name", Type::String)
                .description("The DNS name (case and trailing dot do not matter).")
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::required("type", Type::String)
                .description("The record type, e.g. `A`.")
                .validate(validators::one_of(RECORD_TYPES)),
        )
        .attribute(Attribute::computed("id", Type::String).description("`ZONEID/name/TYPE`."))
        .attribute(Attribute::computed("fqdn", Type::String).description("The name, lower case, without the trailing dot."))
        .attribute(
            Attribute::computed("ttl", Type::Number)
                .description("The TTL of the sets that use records; null when every set is an alias."),
        )
        .attribute(
            Attribute::computed("weights", Type::map(Type::Number))
                .description("Weight of each set, by set identifier, e.g. `{ \"us-east-1\" = 40 }`."),
        )
        .attribute(
            Attribute::computed("endpoints", Type::list(endpoint_type()))
                .description(
                    "Every weighted set, ordered by set identifier: `set_identifier`, `weight`, `records` or `alias` \
                     (`name`, `zone_id`, `evaluate_target_health`), and `health_check_id`.",
                ),
        );
        Schema::new(block)
    }

    async fn read(&self, ctx: &Context<ProviderClient>, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(client) = ctx.client_or_report(diags) else {
            return Value::Null;
        };
        let get = |name: &str| config.get(name).and_then(Value::as_str).unwrap_or_default();
        let zone = strip_zone_prefix(get("zone_id")).to_owned();
        let (name, rtype) = (get("name"), get("type").to_ascii_uppercase());
        let subject = format!("{} {rtype} in zone {zone}", display_name(name));
        let mut sets = match client.route53.record_sets_named(&zone, name, &rtype).await {
            Ok(sets) => sets,
            Err(err) => {
                diags.error(
                    format!("Could not read weighted record {subject}"),
                    format!("Reading {subject} failed: {err}"),
                );
                return Value::Null;
            }
        };
        sets.retain(|set| set.weight.is_some() && set.set_identifier.is_some());
        if sets.is_empty() {
            diags.error(
                format!("No weighted record {subject}"),
                format!("Route 53 has no weighted record sets named {subject}."),
            );
            return Value::Null;
        }
        sets.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
        let read = WeightedRecordRead {
            id: record_id(&zone, name, &rtype),
            fqdn: display_name(name),
            ttl: sets.iter().filter(|s| s.alias.is_none()).find_map(|s| s.ttl),
            weights: sets
                .iter()
                .map(|set| (set.set_identifier.clone().unwrap_or_default(), set.weight.unwrap_or_default()))
                .collect(),
            endpoints: sets.iter().map(|set| Endpoint::of_set(set, None)).collect(),
        };
        let mut state = config.clone();
        if let Err(err) = read.write_into(&mut state) {
            diags.push(err.diagnostic());
            return Value::Null;
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use globaldeploy_sdk::framework::model::undeclared;

    use super::*;

    #[test]
    fn the_model_fits_the_schema() {
        let block = WeightedRecordData.schema().block;
        assert_eq!(undeclared::<WeightedRecordRead>(&block), Vec::<&str>::new());
        let Type::Object(attributes) = endpoint_type() else {
            panic!("an endpoint is an object");
        };
        let mut declared: Vec<&str> = attributes.keys().map(String::as_str).collect();
        let mut modelled = Endpoint::ATTRIBUTES.to_vec();
        declared.sort_unstable();
        modelled.sort_unstable();
        assert_eq!(declared, modelled, "the endpoints the data source shows are the resource's endpoint blocks");
    }
}
