//! What a deployment slot looks like in Route 53: the set identifier convention and the record
//! set a [`Target`] becomes.
//!
//! This is a public contract, not an implementation detail: users see these sets in the
//! console, `globaldeploy adopt` recognises them, and a rollout resumed by another process must
//! find them again. Each region's `record_name` carries two weighted sets whose set identifiers
//! are `"{record_name}-blue"` and `"{record_name}-green"` (the name normalised, without its
//! trailing dot). The record name is part of the identifier so that identifiers are unique
//! across the whole zone, even when several deployments share it: moto deletes *every* set of a
//! zone with a given identifier on DELETE, and a zone-unique identifier is also what a human
//! grepping a listing expects.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::aws::{normalize_name, AliasTarget, RecordSet};
use globaldeploy_engine::model::{RegionSpec, Slot, Target};

/// A target that cannot be written as one record set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// No record values.
    #[error("target has no records")]
    Empty,
    /// Values of different kinds (IPv4, IPv6, host names) in one target.
    #[error("target mixes IPv4 addresses, IPv6 addresses and host names: {values:?}")]
    Mixed {
        /// The values given.
        values: Vec<String>,
    },
    /// More than one host name: a CNAME holds exactly one.
    #[error("a host name target (CNAME) takes exactly one value, got {values:?}")]
    SeveralHostNames {
        /// The values given.
        values: Vec<String>,
    },
}

/// The set identifier of `slot` under `record_name`: `"{record_name}-{slot}"`.
pub fn slot_set_identifier(record_name: &str, slot: Slot) -> String {
    let name = normalize_name(record_name);
    format!("{}-{}", name.trim_end_matches('.'), slot.as_str())
}

/// Which slot of `record_name` a set identifier names, if any.
pub fn slot_of(record_name: &str, set_identifier: &str) -> Option<Slot> {
    [Slot::Blue, Slot::Green]
        .into_iter()
        .find(|slot| slot_set_identifier(record_name, *slot) == set_identifier)
}

/// The record type a target is written as: an alias is an `A` alias; literal records are `A`
/// for IPv4 addresses, `AAAA` for IPv6 addresses and `CNAME` for one host name.
pub fn record_type(target: &Target) -> Result<&'static str, TargetError> {
    let values = match target {
        Target::Alias { .. } => return Ok("A"),
        Target::Records(values) => values,
    };
    let kind = |value: &String| {
        if value.parse::<Ipv4Addr>().is_ok() {
            "A"
        } else if value.parse::<Ipv6Addr>().is_ok() {
            "AAAA"
        } else {
            "CNAME"
        }
    };
    let first = values.first().map(kind).ok_or(TargetError::Empty)?;
    if values.iter().any(|value| kind(value) != first) {
        return Err(TargetError::Mixed { values: values.clone() });
    }
    if first == "CNAME" && values.len() > 1 {
        return Err(TargetError::SeveralHostNames { values: values.clone() });
    }
    Ok(first)
}

/// The weighted record set of `region`'s `slot` pointing at `target` with `weight`.
pub fn slot_record_set(region: &RegionSpec, slot: Slot, target: &Target, weight: u8) -> Result<RecordSet, TargetError> {
    let rtype = record_type(target)?;
    let (ttl, records, alias) = match target {
        Target::Records(values) => (Some(region.ttl), values.clone(), None),
        Target::Alias {
            name,
            zone_id,
            evaluate_target_health,
        } => (
            None,
            Vec::new(),
            Some(AliasTarget {
                name: name.clone(),
                zone_id: zone_id.clone(),
                evaluate_target_health: *evaluate_target_health,
            }),
        ),
    };
    Ok(RecordSet {
        name: normalize_name(&region.record_name),
        rtype: rtype.to_owned(),
        set_identifier: Some(slot_set_identifier(&region.record_name, slot)),
        weight: Some(i64::from(weight)),
        failover: None,
        ttl,
        records,
        alias,
        health_check_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(values: &[&str]) -> Target {
        Target::Records(values.iter().map(|v| (*v).to_owned()).collect())
    }

    #[test]
    fn identifiers_carry_the_normalised_name_and_the_slot() {
        assert_eq!(
            slot_set_identifier("USW2.api.example.com.", Slot::Blue),
            "usw2.api.example.com-blue"
        );
        assert_eq!(
            slot_of("usw2.api.example.com", "usw2.api.example.com-green"),
            Some(Slot::Green)
        );
        assert_eq!(slot_of("usw2.api.example.com", "us-west-2"), None);
    }

    #[test]
    fn the_type_follows_the_values() {
        assert_eq!(record_type(&records(&["192.0.2.1", "192.0.2.2"])), Ok("A"));
        assert_eq!(record_type(&records(&["2001:db8::1"])), Ok("AAAA"));
        assert_eq!(record_type(&records(&["lb.example.net"])), Ok("CNAME"));
        let alias = Target::Alias {
            name: "lb.example.com".into(),
            zone_id: "Z1".into(),
            evaluate_target_health: true,
        };
        assert_eq!(record_type(&alias), Ok("A"));
    }

    #[test]
    fn unwritable_targets_are_rejected() {
        assert_eq!(record_type(&records(&[])), Err(TargetError::Empty));
        assert!(matches!(
            record_type(&records(&["192.0.2.1", "2001:db8::1"])),
            Err(TargetError::Mixed { .. })
        ));
        assert!(matches!(
            record_type(&records(&["a.example.net", "b.example.net"])),
            Err(TargetError::SeveralHostNames { .. })
        ));
    }
}
