//! Record sets and changes as the rest of globaldeploy sees them, independent of the SDK.
//!
//! The resources, the traffic driver and the adopt command all reason about "the weighted set
//! `us-east-1` of `api.example.com.` A"; this module gives them one vocabulary for it and the
//! comparisons they need: names are compared after [`normalize_name`] (Route 53 answers in
//! lower case with a trailing dot and octal escapes such as `\052` for `*`), record values as
//! sets (Route 53 does not promise their order), and a whole [`Change`] batch can be checked
//! against a zone listing ([`batch_reflected`]) — which is how a write whose outcome is unknown
//! is settled without applying it twice.

use std::fmt;

/// `PRIMARY` or `SECONDARY` of a failover pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Failover {
    /// Serves while its health check passes.
    Primary,
    /// Serves when the primary is unhealthy.
    Secondary,
}

impl Failover {
    /// The Route 53 spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Failover::Primary => "PRIMARY",
            Failover::Secondary => "SECONDARY",
        }
    }

    /// Parses the Route 53 spelling.
    pub fn parse(value: &str) -> Option<Failover> {
        match value {
            "PRIMARY" => Some(Failover::Primary),
            "SECONDARY" => Some(Failover::Secondary),
            _ => None,
        }
    }
}

/// An alias to another record set or AWS resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AliasTarget {
    /// The DNS name the alias points at.
    pub name: String,
    /// The hosted zone of that name.
    pub zone_id: String,
    /// Whether Route 53 follows the target's health.
    pub evaluate_target_health: bool,
}

/// One resource record set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordSet {
    /// The DNS name; compare with [`normalize_name`].
    pub name: String,
    /// The record type, e.g. `A`, `AAAA`, `CNAME`.
    pub rtype: String,
    /// Distinguishes the sets of one weighted or failover name.
    pub set_identifier: Option<String>,
    /// Weighted routing weight, 0–255.
    pub weight: Option<i64>,
    /// Failover role.
    pub failover: Option<Failover>,
    /// TTL in seconds; absent for aliases.
    pub ttl: Option<i64>,
    /// Record values; empty for aliases.
    pub records: Vec<String>,
    /// Alias target, instead of `records`.
    pub alias: Option<AliasTarget>,
    /// Health check that gates this set.
    pub health_check_id: Option<String>,
}

/// What a set is, as Route 53 identifies it: no two sets of a zone share a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    /// Normalised name.
    pub name: String,
    /// Record type, upper case.
    pub rtype: String,
    /// Set identifier, if any.
    pub set_identifier: Option<String>,
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.rtype)?;
        if let Some(id) = &self.set_identifier {
            write!(f, " ({id})")?;
        }
        Ok(())
    }
}

impl RecordSet {
    /// The set's identity in its zone.
    pub fn key(&self) -> RecordKey {
        RecordKey {
            name: normalize_name(&self.name),
            rtype: self.rtype.to_ascii_uppercase(),
            set_identifier: self.set_identifier.clone(),
        }
    }

    /// Whether `other` is the same set with the same content, comparing the way Route 53 does:
    /// names normalised, values regardless of order, alias zone ids without their prefix.
    pub fn same_as(&self, other: &RecordSet) -> bool {
        self.key() == other.key()
            && self.weight == other.weight
            && self.failover == other.failover
            && self.ttl == other.ttl
            && self.health_check_id == other.health_check_id
            && sorted(&self.records) == sorted(&other.records)
            && match (&self.alias, &other.alias) {
                (None, None) => true,
                (Some(a), Some(b)) => {
                    normalize_name(&a.name) == normalize_name(&b.name)
                        && strip_zone_prefix(&a.zone_id) == strip_zone_prefix(&b.zone_id)
                        && a.evaluate_target_health == b.evaluate_target_health
                }
                _ => false,
            }
    }
}

fn sorted(values: &[String]) -> Vec<&str> {
    let mut values: Vec<&str> = values.iter().map(String::as_str).collect();
    values.sort_unstable();
    values
}

/// What a [`Change`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeAction {
    /// Create a set that must not exist yet.
    Create,
    /// Delete a set that must exist with exactly these values.
    Delete,
    /// Create or replace.
    Upsert,
}

impl ChangeAction {
    /// The Route 53 spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Create => "CREATE",
            ChangeAction::Delete => "DELETE",
            ChangeAction::Upsert => "UPSERT",
        }
    }
}

/// One change of an atomic batch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Change {
    /// What to do.
    pub action: ChangeAction,
    /// The set it is done to (for DELETE: the set's current values).
    pub set: RecordSet,
}

/// Whether `zone` already shows the effect of every change of `changes`: each CREATE/UPSERT
/// present with exactly its values and each DELETE absent.
///
/// Route 53 applies a batch atomically, so after a write whose answer was lost the zone shows
/// either all of it (the write happened) or, barring other writers, none of it.
pub fn batch_reflected(changes: &[Change], zone: &[RecordSet]) -> bool {
    changes.iter().all(|change| {
        let key = change.set.key();
        let current = zone.iter().find(|set| set.key() == key);
        match change.action {
            ChangeAction::Create | ChangeAction::Upsert => current.is_some_and(|set| set.same_as(&change.set)),
            ChangeAction::Delete => current.is_none(),
        }
    })
}

/// The record types a weighted or failover routing policy may use: what
/// `globaldeploy_weighted_record` and `globaldeploy_failover_policy` accept as `type`, and what
/// `globaldeploy adopt` can bring under them.
pub const ROUTING_POLICY_RECORD_TYPES: &[&str] = &[
    "A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "PTR", "SPF", "SRV", "TXT",
];

/// A DNS name the way Route 53 answers with it: lower case, with a trailing dot, octal escapes
/// (`\052`) decoded. Two names denote the same record exactly when their normalised forms are
/// equal.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            // Route 53 escapes every character outside [a-z0-9-_.] as three octal digits.
            let digits: String = chars.clone().take(3).collect();
            if digits.len() == 3 && digits.chars().all(|d| d.is_digit(8)) {
                if let Some(decoded) = u32::from_str_radix(&digits, 8).ok().and_then(char::from_u32) {
                    out.push(decoded.to_ascii_lowercase());
                    for _ in 0..3 {
                        chars.next();
                    }
                    continue;
                }
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// A hosted zone id without the `/hostedzone/` prefix Route 53 puts on it in some answers.
pub fn strip_zone_prefix(zone_id: &str) -> &str {
    zone_id.strip_prefix("/hostedzone/").unwrap_or(zone_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weighted(id: &str, weight: i64, value: &str) -> RecordSet {
        crate::testing::weighted_set("api.example.com", id, weight, &[value])
    }

    #[test]
    fn names_normalise_case_dots_and_escapes() {
        assert_eq!(normalize_name("API.Example.com"), "api.example.com.");
        assert_eq!(normalize_name("api.example.com."), "api.example.com.");
        assert_eq!(normalize_name("\\052.example.com."), "*.example.com.");
        assert_eq!(normalize_name("*.Example.com"), "*.example.com.");
        // Not an escape: left as written.
        assert_eq!(normalize_name("a\\09.example.com"), "a\\09.example.com.");
    }

    #[test]
    fn same_as_ignores_spelling_and_value_order() {
        let mut a = weighted("use1", 10, "192.0.2.1");
        a.records.push("192.0.2.2".into());
        let mut b = a.clone();
        b.name = "API.example.com.".into();
        b.records.reverse();
        assert!(a.same_as(&b));
        b.weight = Some(11);
        assert!(!a.same_as(&b));
    }

    #[test]
    fn alias_zone_ids_compare_without_prefix() {
        let alias = |zone: &str| RecordSet {
            ttl: None,
            records: vec![],
            alias: Some(AliasTarget {
                name: "euw1.api.example.com".into(),
                zone_id: zone.into(),
                evaluate_target_health: true,
            }),
            ..weighted("euw1", 5, "")
        };
        assert!(alias("Z1").same_as(&alias("/hostedzone/Z1")));
        assert!(!alias("Z1").same_as(&alias("Z2")));
    }

    #[test]
    fn a_batch_is_reflected_only_when_every_change_shows() {
        let zone = vec![weighted("use1", 40, "192.0.2.1"), weighted("usw2", 60, "192.0.2.2")];
        let upsert = |set| Change {
            action: ChangeAction::Upsert,
            set,
        };
        let delete = |set| Change {
            action: ChangeAction::Delete,
            set,
        };
        assert!(batch_reflected(&[upsert(weighted("use1", 40, "192.0.2.1"))], &zone));
        assert!(!batch_reflected(&[upsert(weighted("use1", 41, "192.0.2.1"))], &zone));
        assert!(batch_reflected(&[delete(weighted("euw1", 1, "192.0.2.3"))], &zone));
        assert!(!batch_reflected(
            &[
                upsert(weighted("use1", 40, "192.0.2.1")),
                delete(weighted("usw2", 60, "192.0.2.2")),
            ],
            &zone
        ));
    }

    #[test]
    fn keys_print_for_error_messages() {
        assert_eq!(weighted("use1", 1, "x").key().to_string(), "api.example.com. A (use1)");
    }
}
