//! Translation between our domain types and the SDK's, in one place.
//!
//! Everything SDK-shaped stops here: `records` and `health` stay plain data that the provider
//! and the engine can build in tests without an SDK in sight.

use aws_sdk_route53::types as sdk;

use super::health::{HealthCheck, HealthCheckSpec, HealthCheckType};
use super::records::{normalize_name, strip_zone_prefix, AliasTarget, Change, ChangeAction, Failover, RecordSet};

/// A record set as Route 53 listed it, with its name normalised so that comparisons and cache
/// look-ups need no further care.
pub(crate) fn record_set_from_sdk(set: &sdk::ResourceRecordSet) -> RecordSet {
    RecordSet {
        name: normalize_name(set.name()),
        rtype: set.r#type().as_str().to_owned(),
        set_identifier: set.set_identifier().map(str::to_owned),
        weight: set.weight(),
        failover: set.failover().and_then(|f| Failover::parse(f.as_str())),
        ttl: set.ttl(),
        records: set.resource_records().iter().map(|r| r.value().to_owned()).collect(),
        alias: set.alias_target().map(|a| AliasTarget {
            name: normalize_name(a.dns_name()),
            zone_id: strip_zone_prefix(a.hosted_zone_id()).to_owned(),
            evaluate_target_health: a.evaluate_target_health(),
        }),
        health_check_id: set.health_check_id().map(str::to_owned),
    }
}

/// Our record set as the SDK's. Fails only when a required field is missing, which the
/// builder reports as a message for an [`super::AwsError::Invalid`].
pub(crate) fn record_set_to_sdk(set: &RecordSet) -> Result<sdk::ResourceRecordSet, String> {
    let records = set
        .records
        .iter()
        .map(|value| sdk::ResourceRecord::builder().value(value).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let alias = set
        .alias
        .as_ref()
        .map(|a| {
            sdk::AliasTarget::builder()
                .dns_name(&a.name)
                .hosted_zone_id(strip_zone_prefix(&a.zone_id))
                .evaluate_target_health(a.evaluate_target_health)
                .build()
        })
        .transpose()
        .map_err(|e| e.to_string())?;
    sdk::ResourceRecordSet::builder()
        .name(&set.name)
        .r#type(sdk::RrType::from(set.rtype.to_ascii_uppercase().as_str()))
        .set_set_identifier(set.set_identifier.clone())
        .set_weight(set.weight)
        .set_failover(set.failover.map(|f| sdk::ResourceRecordSetFailover::from(f.as_str())))
        .set_ttl(set.ttl)
        // An empty list is "no records" to us but an invalid element to Route 53.
        .set_resource_records((!records.is_empty()).then_some(records))
        .set_alias_target(alias)
        .set_health_check_id(set.health_check_id.clone())
        .build()
        .map_err(|e| e.to_string())
}

/// A whole batch as the SDK's `ChangeBatch`.
pub(crate) fn change_batch_to_sdk(changes: &[Change]) -> Result<sdk::ChangeBatch, String> {
    let changes = changes
        .iter()
        .map(|change| {
            let action = match change.action {
                ChangeAction::Create => sdk::ChangeAction::Create,
                ChangeAction::Delete => sdk::ChangeAction::Delete,
                ChangeAction::Upsert => sdk::ChangeAction::Upsert,
            };
            sdk::Change::builder()
                .action(action)
                .resource_record_set(record_set_to_sdk(&change.set)?)
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    sdk::ChangeBatch::builder()
        .set_changes(Some(changes))
        .build()
        .map_err(|e| e.to_string())
}

/// Our health check spec as the SDK's creation config (tags travel separately).
pub(crate) fn health_check_config_to_sdk(spec: &HealthCheckSpec) -> Result<sdk::HealthCheckConfig, String> {
    sdk::HealthCheckConfig::builder()
        .r#type(sdk::HealthCheckType::from(spec.check_type.as_str()))
        .set_fully_qualified_domain_name(spec.fqdn.clone())
        .set_ip_address(spec.ip_address.clone())
        .set_port(spec.port)
        .set_resource_path(spec.resource_path.clone())
        .set_search_string(spec.search_string.clone())
        .set_request_interval(spec.request_interval)
        .set_failure_threshold(spec.failure_threshold)
        .set_regions(regions_to_sdk(&spec.regions))
        .build()
        .map_err(|e| e.to_string())
}

/// Checker regions as the SDK's, or `None` for "Route 53's default set".
pub(crate) fn regions_to_sdk(regions: &[String]) -> Option<Vec<sdk::HealthCheckRegion>> {
    (!regions.is_empty()).then(|| {
        regions
            .iter()
            .map(|r| sdk::HealthCheckRegion::from(r.as_str()))
            .collect()
    })
}

/// A health check as Route 53 described it; tags are not part of that description.
pub(crate) fn health_check_from_sdk(check: &sdk::HealthCheck) -> HealthCheck {
    let spec = check.health_check_config().and_then(|config| {
        Some(HealthCheckSpec {
            check_type: HealthCheckType::parse(config.r#type().as_str())?,
            fqdn: config.fully_qualified_domain_name().map(str::to_owned),
            ip_address: config.ip_address().map(str::to_owned),
            port: config.port(),
            resource_path: config.resource_path().map(str::to_owned),
            search_string: config.search_string().map(str::to_owned),
            request_interval: config.request_interval(),
            failure_threshold: config.failure_threshold(),
            regions: config.regions().iter().map(|r| r.as_str().to_owned()).collect(),
            tags: Default::default(),
        })
    });
    HealthCheck {
        id: check.id().to_owned(),
        caller_reference: check.caller_reference().to_owned(),
        version: check.health_check_version(),
        spec,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_sets_survive_a_round_trip() {
        let set = RecordSet {
            name: "api.example.com.".into(),
            rtype: "A".into(),
            set_identifier: Some("use1".into()),
            weight: Some(40),
            failover: None,
            ttl: Some(60),
            records: vec!["192.0.2.1".into(), "192.0.2.2".into()],
            alias: None,
            health_check_id: Some("hc-1".into()),
        };
        let back = record_set_from_sdk(&record_set_to_sdk(&set).expect("valid"));
        assert_eq!(back, set);

        let alias = RecordSet {
            ttl: None,
            records: vec![],
            weight: None,
            failover: Some(Failover::Secondary),
            alias: Some(AliasTarget {
                name: "dr.api.example.com.".into(),
                zone_id: "Z1".into(),
                evaluate_target_health: true,
            }),
            ..set
        };
        let sdk_set = record_set_to_sdk(&alias).expect("valid");
        assert!(sdk_set.resource_records().is_empty());
        assert_eq!(record_set_from_sdk(&sdk_set), alias);
    }
}
