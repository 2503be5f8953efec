//! `globaldeploy adopt --zone ZONEID`: Terraform configuration for a hosted zone's existing
//! weighted and failover record sets, so that Terraform can take them over without touching
//! traffic.
//!
//! The zone's record sets are grouped by name and type. The weighted sets of a name and type
//! become one `globaldeploy_weighted_record` (one `endpoint` per set identifier), a
//! PRIMARY/SECONDARY pair one `globaldeploy_failover_policy`; each resource comes with an
//! `import` block whose id is the resources' import id `ZONEID/name/TYPE`. The configuration is
//! written so that it describes the sets exactly as the provider reads them back (records in
//! Route 53's order, names without their trailing dot, defaults left out), which is what makes
//! the plan after the import show no changes. `endpoint` blocks are a set keyed by set
//! identifier, so their order does not matter; they are written in set identifier order for a
//! stable output.
//!
//! What a resource cannot describe exactly is skipped with the reason, never adopted
//! approximately: other routing policies, blue/green slots that belong to a
//! `globaldeploy_deployment` (set identifiers `<name>-blue` / `<name>-green`), sets of one name
//! with different TTLs, half a failover pair, a primary that could never fail over (the
//! provider rejects that configuration) and record types the resources do not take. Simple
//! record sets (no routing policy) are only counted.
//!
//! [`plan_adoption`] decides from a zone listing alone (pure, unit-tested); [`render`] writes
//! the HCL through the `hcl` crate, which knows the syntax and `terraform fmt`'s layout.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use globaldeploy_hcl::write::{self, Block, BlockBuilder, Body, WriteError};
use serde::Serialize;

use super::args::{AdoptArgs, Output};
use super::CliError;
use globaldeploy_adapters::aws::records::{strip_zone_prefix, ROUTING_POLICY_RECORD_TYPES};
use globaldeploy_adapters::aws::{normalize_name, AliasTarget, AwsError, Failover, RecordSet, Route53};
use globaldeploy_adapters::traffic::slot_of;

/// The Terraform type of a name's weighted sets.
pub const WEIGHTED_RECORD: &str = "globaldeploy_weighted_record";
/// The Terraform type of a name's failover pair.
pub const FAILOVER_POLICY: &str = "globaldeploy_failover_policy";

/// Why adopting failed.
#[derive(Debug, thiserror::Error)]
pub enum AdoptError {
    /// The zone does not exist (or the credentials may not see it).
    #[error("hosted zone {zone} does not exist: {source}")]
    NoSuchZone {
        /// The zone id.
        zone: String,
        /// Route 53's answer.
        source: AwsError,
    },
    /// Listing the zone failed.
    #[error("cannot list the record sets of hosted zone {zone}: {source}")]
    ReadZone {
        /// The zone id.
        zone: String,
        /// Why.
        source: AwsError,
    },
    /// The configuration could not be written as HCL.
    #[error(transparent)]
    Hcl(#[from] WriteError),
    /// `--out` names an existing file and `--force` was not given.
    #[error("{} already exists; choose another --out file or pass --force to overwrite it", path.display())]
    OutExists {
        /// The file.
        path: PathBuf,
    },
    /// The `--out` file cannot be written.
    #[error("cannot write {}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl From<AdoptError> for CliError {
    fn from(error: AdoptError) -> CliError {
        CliError::Adopt(Box::new(error))
    }
}

/// Which resource a group of record sets becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResourceKind {
    /// `globaldeploy_weighted_record`.
    Weighted,
    /// `globaldeploy_failover_policy`.
    Failover,
}

impl ResourceKind {
    /// The Terraform resource type.
    pub fn resource_type(self) -> &'static str {
        match self {
            ResourceKind::Weighted => WEIGHTED_RECORD,
            ResourceKind::Failover => FAILOVER_POLICY,
        }
    }
}

/// One resource to write, with the record sets it describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdoptedResource {
    /// Weighted record or failover policy.
    pub kind: ResourceKind,
    /// The resource name in the configuration, unique per type (`api_example_com`).
    pub label: String,
    /// The DNS name without its trailing dot (`api.example.com`).
    pub name: String,
    /// The record type.
    pub rtype: String,
    /// The sets: a weighted record's in set identifier order, a failover policy's primary then
    /// secondary.
    pub sets: Vec<RecordSet>,
}

impl AdoptedResource {
    /// `TYPE.label`.
    pub fn address(&self) -> String {
        format!("{}.{}", self.kind.resource_type(), self.label)
    }

    /// The import id the resources take: `ZONEID/name/TYPE`.
    pub fn import_id(&self, zone_id: &str) -> String {
        format!("{}/{}/{}", strip_zone_prefix(zone_id), self.name, self.rtype)
    }
}

/// Record sets left alone, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The DNS name without its trailing dot.
    pub name: String,
    /// The record type.
    #[serde(rename = "type")]
    pub rtype: String,
    /// The set identifiers of the sets skipped.
    pub set_identifiers: Vec<String>,
    /// Why, and what to do about it.
    pub reason: String,
}

/// What `adopt` makes of one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adoption {
    /// The zone, without the `/hostedzone/` prefix.
    pub zone_id: String,
    /// The resources, ordered by name and type.
    pub resources: Vec<AdoptedResource>,
    /// What was left alone.
    pub skipped: Vec<Skipped>,
    /// Record sets without a routing policy (the zone's NS and SOA among them): not ours.
    pub simple_record_sets: usize,
}

/// A name's sets of one kind that a resource can describe exactly, before it gets its label.
struct Candidate {
    kind: ResourceKind,
    name: String,
    rtype: String,
    sets: Vec<RecordSet>,
}

/// Decides, from the listing `sets` of `zone_id`, which resources to write and what to skip.
pub fn plan_adoption(zone_id: &str, sets: &[RecordSet]) -> Adoption {
    let mut groups: BTreeMap<(String, String), Vec<&RecordSet>> = BTreeMap::new();
    for set in sets {
        groups
            .entry((display_name(&set.name), set.rtype.to_ascii_uppercase()))
            .or_default()
            .push(set);
    }
    let mut candidates = Vec::new();
    let mut skipped = Vec::new();
    let mut simple_record_sets = 0;
    for ((name, rtype), group) in groups {
        let mut weighted = Vec::new();
        let mut failover = Vec::new();
        let mut other_policies = Vec::new();
        for set in group {
            match (set.weight, set.failover, &set.set_identifier) {
                (Some(_), _, Some(_)) => weighted.push(set.clone()),
                (None, Some(_), Some(_)) => failover.push(set.clone()),
                (_, _, Some(_)) => other_policies.push(set.clone()),
                (_, _, None) => simple_record_sets += 1,
            }
        }
        let mut skip = |sets: &[RecordSet], reason: String| {
            skipped.push(Skipped {
                name: name.clone(),
                rtype: rtype.clone(),
                set_identifiers: identifiers(sets),
                reason,
            })
        };
        if !other_policies.is_empty() {
            skip(
                &other_policies,
                "uses a routing policy other than weighted or failover (latency, geolocation, multivalue answer, ...)"
                    .to_owned(),
            );
        }
        for (kind, sets) in [(ResourceKind::Weighted, weighted), (ResourceKind::Failover, failover)] {
            if sets.is_empty() {
                continue;
            }
            match adoptable(kind, &name, &rtype, sets.clone()) {
                Ok(sets) => candidates.push(Candidate {
                    kind,
                    name: name.clone(),
                    rtype: rtype.clone(),
                    sets,
                }),
                Err(reason) => skip(&sets, reason),
            }
        }
    }
    Adoption {
        zone_id: strip_zone_prefix(zone_id).to_owned(),
        resources: labelled(candidates),
        skipped,
        simple_record_sets,
    }
}

/// `sets` (all of one kind, name and type) in the order the resource lists them, or why a
/// resource of `kind` cannot describe them exactly.
fn adoptable(kind: ResourceKind, name: &str, rtype: &str, mut sets: Vec<RecordSet>) -> Result<Vec<RecordSet>, String> {
    if !ROUTING_POLICY_RECORD_TYPES.contains(&rtype) {
        return Err(format!(
            "{} does not manage {rtype} records (it takes {})",
            kind.resource_type(),
            ROUTING_POLICY_RECORD_TYPES.join(", ")
        ));
    }
    let ttls: BTreeSet<i64> = sets
        .iter()
        .filter(|s| s.alias.is_none())
        .filter_map(|s| s.ttl)
        .collect();
    if ttls.len() > 1 {
        let ttls: Vec<String> = ttls.iter().map(i64::to_string).collect();
        return Err(format!(
            "the sets have different TTLs ({}) but {} has one ttl; give them one TTL, then adopt again",
            ttls.join(", "),
            kind.resource_type()
        ));
    }
    match kind {
        ResourceKind::Weighted => {
            let slots: Vec<&str> = sets
                .iter()
                .filter_map(|s| s.set_identifier.as_deref())
                .filter(|id| slot_of(name, id).is_some())
                .collect();
            if !slots.is_empty() {
                return Err(format!(
                    "blue/green slots of a globaldeploy_deployment ({}): manage them through the deployment, not as a \
                     weighted record",
                    slots.join(", ")
                ));
            }
            // Any order plans no change (a set); this one keeps the output stable.
            sets.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
            Ok(sets)
        }
        ResourceKind::Failover => {
            let role = |role: Failover| -> Result<RecordSet, String> {
                let mut found = sets.iter().filter(|s| s.failover == Some(role));
                match (found.next(), found.next()) {
                    (Some(set), None) => Ok(set.clone()),
                    (None, _) => Err(format!(
                        "a failover pair without a {} set; {FAILOVER_POLICY} needs both PRIMARY and SECONDARY",
                        role.as_str()
                    )),
                    (Some(_), Some(_)) => Err(format!("more than one {} set", role.as_str())),
                }
            };
            let (primary, secondary) = (role(Failover::Primary)?, role(Failover::Secondary)?);
            // The provider rejects such a primary (it could never fail over), so a configuration
            // for it would not even validate.
            let can_fail_over =
                primary.health_check_id.is_some() || primary.alias.as_ref().is_some_and(|a| a.evaluate_target_health);
            if !can_fail_over {
                return Err(
                    "the PRIMARY has no health check and is not an alias that evaluates target health, so Route 53 \
                     never fails over to the SECONDARY; give the primary a health check, then adopt again"
                        .to_owned(),
                );
            }
            Ok(vec![primary, secondary])
        }
    }
}

/// The candidates with resource names: the DNS name as an identifier (`*.` read as
/// `wildcard.`), made unique per resource type by the record type and then a number.
fn labelled(candidates: Vec<Candidate>) -> Vec<AdoptedResource> {
    let mut taken: BTreeSet<(ResourceKind, String)> = BTreeSet::new();
    candidates
        .into_iter()
        .map(|candidate| {
            let base = match candidate.name.strip_prefix("*.") {
                Some(rest) => write::identifier(&format!("wildcard.{rest}")),
                None => write::identifier(&candidate.name),
            };
            let typed = format!("{base}_{}", candidate.rtype.to_ascii_lowercase());
            let label = [base, typed.clone()]
                .into_iter()
                .chain((2..).map(|n| format!("{typed}_{n}")))
                .find(|label| !taken.contains(&(candidate.kind, label.clone())))
                .unwrap_or(typed);
            taken.insert((candidate.kind, label.clone()));
            AdoptedResource {
                kind: candidate.kind,
                label,
                name: candidate.name,
                rtype: candidate.rtype,
                sets: candidate.sets,
            }
        })
        .collect()
}

fn identifiers(sets: &[RecordSet]) -> Vec<String> {
    sets.iter().filter_map(|s| s.set_identifier.clone()).collect()
}

/// A name as the resources write it: normalised, without the trailing dot.
fn display_name(name: &str) -> String {
    let name = normalize_name(name);
    match name.strip_suffix('.') {
        Some(stripped) if !stripped.is_empty() => stripped.to_owned(),
        _ => name,
    }
}

// ----- HCL ----------------------------------------------------------------------------------

/// The configuration of `adoption`: every resource block, then every import block.
pub fn render(adoption: &Adoption) -> Result<String, WriteError> {
    let mut body = Body::builder();
    for resource in &adoption.resources {
        body = body.add_block(resource_block(&adoption.zone_id, resource));
    }
    for resource in &adoption.resources {
        body = body.add_block(write::import(
            resource.kind.resource_type(),
            &resource.label,
            &resource.import_id(&adoption.zone_id),
        ));
    }
    write::to_terraform_string(&body.build())
}

fn resource_block(zone_id: &str, resource: &AdoptedResource) -> Block {
    let mut block = write::resource(resource.kind.resource_type(), &resource.label)
        .add_attribute(("zone_id", zone_id))
        .add_attribute(("name", resource.name.as_str()))
        .add_attribute(("type", resource.rtype.as_str()));
    // adoptable() made sure every set that uses records has this one TTL.
    if let Some(ttl) = resource.sets.iter().filter(|s| s.alias.is_none()).find_map(|s| s.ttl) {
        block = block.add_attribute(("ttl", ttl));
    }
    match resource.kind {
        ResourceKind::Weighted => {
            for set in &resource.sets {
                let endpoint = Block::builder("endpoint")
                    .add_attribute(("set_identifier", set.set_identifier.clone().unwrap_or_default()))
                    .add_attribute(("weight", set.weight.unwrap_or_default()));
                block = block.add_block(with_target(endpoint, set));
            }
        }
        ResourceKind::Failover => {
            for (role, set) in ["primary", "secondary"].into_iter().zip(&resource.sets) {
                block = block.add_block(with_target(Block::builder(role), set));
            }
        }
    }
    block.build()
}

/// `block` with what `set` points at: `records` or an `alias {}`, and its `health_check_id`.
fn with_target(mut block: BlockBuilder, set: &RecordSet) -> Block {
    if set.alias.is_none() {
        block = block.add_attribute(("records", set.records.clone()));
    }
    if let Some(id) = &set.health_check_id {
        block = block.add_attribute(("health_check_id", id.as_str()));
    }
    if let Some(alias) = &set.alias {
        block = block.add_block(alias_block(alias));
    }
    block.build()
}

fn alias_block(alias: &AliasTarget) -> Block {
    let mut block = Block::builder("alias")
        .add_attribute(("name", display_name(&alias.name)))
        .add_attribute(("zone_id", strip_zone_prefix(&alias.zone_id)));
    // false is the schema's default.
    if alias.evaluate_target_health {
        block = block.add_attribute(("evaluate_target_health", true));
    }
    block.build()
}

// ----- the command --------------------------------------------------------------------------

/// The `--output json` document.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    zone_id: &'a str,
    /// Where the HCL was written; absent when it is in `hcl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    out: Option<&'a Path>,
    resources: Vec<ResourceSummary<'a>>,
    skipped: &'a [Skipped],
    simple_record_sets: usize,
    /// The configuration, when no `--out` file was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    hcl: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct ResourceSummary<'a> {
    address: String,
    import_id: String,
    name: &'a str,
    #[serde(rename = "type")]
    rtype: &'a str,
    set_identifiers: Vec<String>,
}

/// Runs `globaldeploy adopt`: reads the zone, writes the HCL to `--out` or stdout, reports
/// what was skipped on stderr.
pub fn command(args: &AdoptArgs, output: Output) -> Result<(), CliError> {
    let zone = strip_zone_prefix(&args.zone).to_owned();
    let route53 = Route53::new(args.aws.settings());
    let sets = super::runtime()?
        .block_on(route53.record_sets(&zone))
        .map_err(|source| {
            if source.is_not_found() {
                AdoptError::NoSuchZone {
                    zone: zone.clone(),
                    source,
                }
            } else {
                AdoptError::ReadZone {
                    zone: zone.clone(),
                    source,
                }
            }
        })?;
    let adoption = plan_adoption(&zone, &sets);
    let hcl = render(&adoption).map_err(AdoptError::from)?;
    if let Some(path) = &args.out {
        write_file(path, &hcl, args.force)?;
    }
    report_skipped(&adoption);
    match output {
        Output::Json => super::write_json(&Summary {
            zone_id: &adoption.zone_id,
            out: args.out.as_deref(),
            resources: adoption
                .resources
                .iter()
                .map(|r| ResourceSummary {
                    address: r.address(),
                    import_id: r.import_id(&adoption.zone_id),
                    name: &r.name,
                    rtype: &r.rtype,
                    set_identifiers: identifiers(&r.sets),
                })
                .collect(),
            skipped: &adoption.skipped,
            simple_record_sets: adoption.simple_record_sets,
            hcl: args.out.is_none().then_some(hcl.as_str()),
        }),
        Output::Text => match &args.out {
            Some(path) => super::write(&format!(
                "wrote {} resource(s) with their import blocks to {}\n",
                adoption.resources.len(),
                path.display()
            )),
            None => super::write(&hcl),
        },
    }
}

fn write_file(path: &Path, hcl: &str, force: bool) -> Result<(), AdoptError> {
    if path.exists() && !force {
        return Err(AdoptError::OutExists { path: path.to_owned() });
    }
    std::fs::write(path, hcl).map_err(|source| AdoptError::WriteFile {
        path: path.to_owned(),
        source,
    })
}

/// One stderr line per skipped group, and a count of what was adopted.
fn report_skipped(adoption: &Adoption) {
    for skip in &adoption.skipped {
        eprintln!(
            "skipped {} {} ({}): {}",
            skip.name,
            skip.rtype,
            skip.set_identifiers.join(", "),
            skip.reason
        );
    }
    let count = |kind| adoption.resources.iter().filter(|r| r.kind == kind).count();
    eprintln!(
        "adopted {} weighted record(s) and {} failover policy(ies) from zone {}; {} simple record set(s) left alone",
        count(ResourceKind::Weighted),
        count(ResourceKind::Failover),
        adoption.zone_id,
        adoption.simple_record_sets
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weighted(name: &str, id: &str, weight: i64, records: &[&str]) -> RecordSet {
        globaldeploy_adapters::testing::weighted_set(&format!("{name}."), id, weight, records)
    }

    fn failover(name: &str, id: &str, role: Failover) -> RecordSet {
        RecordSet {
            weight: None,
            failover: Some(role),
            ..weighted(name, id, 0, &["198.51.100.1"])
        }
    }

    fn alias(name: &str, evaluate: bool) -> Option<AliasTarget> {
        Some(AliasTarget {
            name: format!("{name}."),
            zone_id: "/hostedzone/Z1".into(),
            evaluate_target_health: evaluate,
        })
    }

    fn simple(name: &str, rtype: &str) -> RecordSet {
        RecordSet {
            rtype: rtype.into(),
            set_identifier: None,
            weight: None,
            ..weighted(name, "", 0, &["ns1.example.com."])
        }
    }

    fn reasons(adoption: &Adoption) -> Vec<String> {
        adoption
            .skipped
            .iter()
            .map(|s| format!("{} {}: {}", s.name, s.rtype, s.reason))
            .collect()
    }

    #[test]
    fn a_zone_becomes_resources_and_import_blocks() {
        let sets = vec![
            simple("example.com", "NS"),
            simple("example.com", "SOA"),
            weighted("api.example.com", "us-east-1", 40, &["203.0.113.10", "203.0.113.11"]),
            RecordSet {
                records: vec![],
                ttl: None,
                alias: alias("EUW1.api.example.com", false),
                health_check_id: Some("hc-euw1".into()),
                ..weighted("api.example.com", "eu-west-1", 25, &[])
            },
            RecordSet {
                health_check_id: Some("hc-primary".into()),
                ..failover("www.example.com", "www-main", Failover::Primary)
            },
            RecordSet {
                ttl: None,
                records: vec![],
                alias: alias("dr.example.com", true),
                ..failover("www.example.com", "www-dr", Failover::Secondary)
            },
        ];
        let adoption = plan_adoption("/hostedzone/Z1", &sets);
        assert_eq!(adoption.zone_id, "Z1");
        assert_eq!(adoption.simple_record_sets, 2);
        assert_eq!(reasons(&adoption), Vec::<String>::new());
        let hcl = render(&adoption).expect("renders");
        insta::assert_snapshot!(hcl, @r#"
        resource "globaldeploy_weighted_record" "api_example_com" {
          zone_id = "Z1"
          name    = "api.example.com"
          type    = "A"
          ttl     = 60

          endpoint {
            set_identifier  = "eu-west-1"
            weight          = 25
            health_check_id = "hc-euw1"

            alias {
              name    = "euw1.api.example.com"
              zone_id = "Z1"
            }
          }

          endpoint {
            set_identifier = "us-east-1"
            weight         = 40
            records        = ["203.0.113.10", "203.0.113.11"]
          }
        }

        resource "globaldeploy_failover_policy" "www_example_com" {
          zone_id = "Z1"
          name    = "www.example.com"
          type    = "A"
          ttl     = 60

          primary {
            records         = ["198.51.100.1"]
            health_check_id = "hc-primary"
          }

          secondary {
            alias {
              name                   = "dr.example.com"
              zone_id                = "Z1"
              evaluate_target_health = true
            }
          }
        }

        import {
          to = globaldeploy_weighted_record.api_example_com
          id = "Z1/api.example.com/A"
        }

        import {
          to = globaldeploy_failover_policy.www_example_com
          id = "Z1/www.example.com/A"
        }
        "#);
    }

    #[test]
    fn a_name_with_only_aliases_has_no_ttl() {
        let sets = vec![RecordSet {
            records: vec![],
            ttl: None,
            alias: alias("a.example.com", false),
            ..weighted("api.example.com", "one", 1, &[])
        }];
        let hcl = render(&plan_adoption("Z1", &sets)).expect("renders");
        assert!(!hcl.contains("ttl"), "{hcl}");
    }

    #[test]
    fn labels_are_unique_per_resource_type() {
        let sets = vec![
            weighted("api.example.com", "a", 1, &["203.0.113.1"]),
            RecordSet {
                rtype: "AAAA".into(),
                records: vec!["2001:db8::1".into()],
                ..weighted("api.example.com", "b", 1, &[])
            },
            weighted("api-example.com", "c", 1, &["203.0.113.2"]),
            weighted("*.example.com", "d", 1, &["203.0.113.3"]),
            RecordSet {
                health_check_id: Some("hc".into()),
                ..failover("api.example.com", "p", Failover::Primary)
            },
            failover("api.example.com", "s", Failover::Secondary),
        ];
        let adoption = plan_adoption("Z1", &sets);
        let addresses: Vec<String> = adoption.resources.iter().map(AdoptedResource::address).collect();
        assert_eq!(
            addresses,
            [
                "globaldeploy_weighted_record.wildcard_example_com",
                "globaldeploy_weighted_record.api_example_com",
                "globaldeploy_weighted_record.api_example_com_a",
                "globaldeploy_failover_policy.api_example_com",
                "globaldeploy_weighted_record.api_example_com_aaaa",
            ]
        );
        assert_eq!(adoption.resources[0].import_id("Z1"), "Z1/*.example.com/A");
    }

    #[test]
    fn what_a_resource_cannot_describe_exactly_is_skipped_with_the_reason() {
        let sets = vec![
            // blue/green slots of a deployment
            weighted(
                "usw2.api.example.com",
                "usw2.api.example.com-blue",
                100,
                &["203.0.113.1"],
            ),
            weighted(
                "usw2.api.example.com",
                "usw2.api.example.com-green",
                0,
                &["203.0.113.2"],
            ),
            // two TTLs
            weighted("ttl.example.com", "a", 1, &["203.0.113.3"]),
            RecordSet {
                ttl: Some(300),
                ..weighted("ttl.example.com", "b", 1, &["203.0.113.4"])
            },
            // half a pair
            RecordSet {
                health_check_id: Some("hc".into()),
                ..failover("half.example.com", "h", Failover::Primary)
            },
            // a primary that never fails over
            failover("never.example.com", "n1", Failover::Primary),
            failover("never.example.com", "n2", Failover::Secondary),
            // latency (no weight, no failover role)
            RecordSet {
                weight: None,
                ..weighted("lat.example.com", "lat-use1", 0, &["203.0.113.5"])
            },
            // a type the resources do not take
            RecordSet {
                rtype: "NS".into(),
                ..weighted("sub.example.com", "ns-a", 1, &["ns1.example.net."])
            },
        ];
        let adoption = plan_adoption("Z1", &sets);
        assert!(adoption.resources.is_empty(), "{:?}", adoption.resources);
        assert_eq!(
            reasons(&adoption),
            [
                "half.example.com A: a failover pair without a SECONDARY set; globaldeploy_failover_policy needs both \
                 PRIMARY and SECONDARY",
                "lat.example.com A: uses a routing policy other than weighted or failover (latency, geolocation, \
                 multivalue answer, ...)",
                "never.example.com A: the PRIMARY has no health check and is not an alias that evaluates target \
                 health, so Route 53 never fails over to the SECONDARY; give the primary a health check, then adopt \
                 again",
                "sub.example.com NS: globaldeploy_weighted_record does not manage NS records (it takes A, AAAA, CAA, \
                 CNAME, DS, MX, NAPTR, PTR, SPF, SRV, TXT)",
                "ttl.example.com A: the sets have different TTLs (60, 300) but globaldeploy_weighted_record has one \
                 ttl; give them one TTL, then adopt again",
                "usw2.api.example.com A: blue/green slots of a globaldeploy_deployment (usw2.api.example.com-blue, \
                 usw2.api.example.com-green): manage them through the deployment, not as a weighted record",
            ]
        );
        assert_eq!(adoption.skipped[0].set_identifiers, ["h"]);
    }

    #[test]
    fn record_values_keep_their_order_and_are_escaped() {
        let sets = vec![RecordSet {
            rtype: "TXT".into(),
            ..weighted("txt.example.com", "t", 1, &["\"v=spf1 ${x}\"", "\"b\""])
        }];
        let hcl = render(&plan_adoption("Z1", &sets)).expect("renders");
        assert!(
            hcl.contains(r#"records        = ["\"v=spf1 $${x}\"", "\"b\""]"#),
            "{hcl}"
        );
    }
}
