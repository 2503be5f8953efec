//! Record sets for tests (feature `testing`): one constructor per routing policy, so the
//! tests of the Route 53 layer, the provider, the CLI and the end-to-end suite build their
//! fixtures alike and vary them with struct update syntax.

use crate::aws::{Failover, RecordSet};

/// A plain set of `rtype` with a 60-second TTL: no set identifier, routing policy, alias or
/// health check. `name` is used as given (normalised or not, as the test needs).
pub fn record_set(name: &str, rtype: &str, records: &[&str]) -> RecordSet {
    RecordSet {
        name: name.to_owned(),
        rtype: rtype.to_owned(),
        set_identifier: None,
        weight: None,
        failover: None,
        ttl: Some(60),
        records: records.iter().map(|r| (*r).to_owned()).collect(),
        alias: None,
        health_check_id: None,
    }
}

/// An A set of weighted routing.
pub fn weighted_set(name: &str, set_identifier: &str, weight: i64, records: &[&str]) -> RecordSet {
    RecordSet {
        set_identifier: Some(set_identifier.to_owned()),
        weight: Some(weight),
        ..record_set(name, "A", records)
    }
}

/// An A set of failover routing.
pub fn failover_set(name: &str, set_identifier: &str, role: Failover, records: &[&str]) -> RecordSet {
    RecordSet {
        set_identifier: Some(set_identifier.to_owned()),
        failover: Some(role),
        ..record_set(name, "A", records)
    }
}
