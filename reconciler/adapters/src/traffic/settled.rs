//! A deployment's slots between rollouts: what they should hold, how the zone differs from it
//! (drift made outside the engine), and one batch that puts them back.
//!
//! Between rollouts every region's two slots are fully determined: the serving slot points at
//! the region's target with its weight, the other slot carries its weight (0 after a promotion
//! or a rollback, the step's share after a halt) and, when it is only the copy of the previous
//! version kept for instant rollback, whatever target it holds. [`Route53Traffic::drift`]
//! compares that with the zone listing (the run's cached one: a refresh of many resources costs
//! one listing per zone); [`Route53Traffic::settle`] reads the zone afresh and writes every set
//! that differs in one ChangeResourceRecordSets batch, under the same safety rules as a rollout
//! step: never all weights at 0, never a weighted slot without a record set, never a second
//! record type under one name. It is also how a TTL change reaches both slots.
//!
//! A region never published should have no slot set at all: as a name's only sets, sets at
//! weight 0 are answered by Route 53. [`Route53Traffic::strays`] finds the ones that have some
//! (a failed publication of an earlier version, a set written by hand); their repair is
//! [`Route53Traffic::try_withdraw`].

use std::collections::BTreeSet;
use std::fmt;

use crate::aws::{normalize_name, AliasTarget, Change, ChangeAction, RecordSet};
use globaldeploy_engine::journal::lease::Fence;
use globaldeploy_engine::model::{RegionSpec, Slot, Target, Weights};

use super::error::Route53TrafficError;
use super::route53::{slot_sets, weight_of, Route53Traffic};
use super::slot_record::slot_record_set;

/// What one region's slots should hold while no rollout runs.
#[derive(Clone, Debug, PartialEq)]
pub struct SettledRegion {
    /// The region: `target` is what the serving slot points at, `ttl` the TTL of every slot
    /// holding literal records.
    pub region: RegionSpec,
    /// The slot of record (Terraform's `active_slot`).
    pub serving: Slot,
    /// What the other slot points at, when that is known (the new version's target while a
    /// halted rollout holds both slots); `None` keeps whatever it holds (the previous version,
    /// kept at weight 0 for instant rollback).
    pub other_target: Option<Target>,
    /// The exact weights of both slots.
    pub weights: Weights,
}

impl SettledRegion {
    fn target(&self, slot: Slot) -> Option<&Target> {
        if slot == self.serving {
            Some(&self.region.target)
        } else {
            self.other_target.as_ref()
        }
    }
}

/// How one slot differs from what it should hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Difference {
    /// The slot has no record set, but it should point somewhere or carry weight.
    Missing,
    /// Its weight.
    Weight {
        /// In the zone.
        actual: u8,
        /// Wanted.
        expected: u8,
    },
    /// What it points at (type, records or alias), as `A 192.0.2.1` or `A alias lb.example.com`.
    Target {
        /// In the zone.
        actual: String,
        /// Wanted.
        expected: String,
    },
    /// Its TTL.
    Ttl {
        /// In the zone.
        actual: i64,
        /// Wanted.
        expected: i64,
    },
    /// The slot has a record set, but the region was never published and should have none.
    Stray,
}

/// One slot's difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotDrift {
    /// The slot.
    pub slot: Slot,
    /// How it differs.
    pub difference: Difference,
}

impl fmt::Display for SlotDrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = self.slot.as_str();
        match &self.difference {
            Difference::Missing => write!(f, "{slot} record set missing"),
            Difference::Weight { actual, expected } => write!(f, "{slot} weight {actual}, want {expected}"),
            Difference::Target { actual, expected } => write!(f, "{slot} target {actual}, want {expected}"),
            Difference::Ttl { actual, expected } => write!(f, "{slot} TTL {actual}, want {expected}"),
            Difference::Stray => write!(f, "{slot} record set present, want none (never published)"),
        }
    }
}

/// A region whose slots differ from what they should hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionDrift {
    /// Region name.
    pub region: String,
    /// Each difference, blue first.
    pub slots: Vec<SlotDrift>,
    /// Neither slot has a record set any more: the region was deleted outside the engine.
    pub gone: bool,
}

impl fmt::Display for RegionDrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.slots.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl Route53Traffic {
    /// The regions of `regions` whose slots differ from what they should hold, from the run's
    /// cached zone listing. Regions that match are left out.
    pub async fn drift(&self, regions: &[SettledRegion]) -> Result<Vec<RegionDrift>, Route53TrafficError> {
        let listing = self.route53.record_sets(&self.zone_id).await?;
        let mut drifted = Vec::new();
        for settled in regions {
            let existing = slot_sets(&listing, &settled.region);
            let mut slots = Vec::new();
            for slot in [Slot::Blue, Slot::Green] {
                let current = existing.iter().find(|(s, _)| *s == slot).map(|(_, set)| set);
                for difference in slot_differences(settled, slot, current)? {
                    slots.push(SlotDrift { slot, difference });
                }
            }
            if !slots.is_empty() {
                drifted.push(RegionDrift {
                    region: settled.region.name.clone(),
                    slots,
                    gone: existing.is_empty(),
                });
            }
        }
        Ok(drifted)
    }

    /// The regions of `unpublished` (never published, so without any slot set) that have slot
    /// sets, from the run's cached zone listing.
    pub async fn strays(&self, unpublished: &[RegionSpec]) -> Result<Vec<RegionDrift>, Route53TrafficError> {
        let listing = self.route53.record_sets(&self.zone_id).await?;
        Ok(unpublished
            .iter()
            .filter_map(|region| {
                let slots: Vec<SlotDrift> = slot_sets(&listing, region)
                    .into_iter()
                    .map(|(slot, _)| SlotDrift {
                        slot,
                        difference: Difference::Stray,
                    })
                    .collect();
                (!slots.is_empty()).then(|| RegionDrift {
                    region: region.name.clone(),
                    slots,
                    gone: false,
                })
            })
            .collect())
    }

    /// Writes every slot of `regions` that differs from what it should hold, in one batch
    /// read against a fresh listing of the zone, sent only when `fence` permits (the
    /// deployment's lease, so a repair never interleaves with a rollout); returns how many sets
    /// it wrote (0: no call). Every input check happens before any AWS call.
    pub async fn settle(&self, fence: &dyn Fence, regions: &[SettledRegion]) -> Result<usize, Route53TrafficError> {
        let mut seen = BTreeSet::new();
        for settled in regions {
            if !seen.insert(settled.region.name.as_str()) {
                return Err(Route53TrafficError::Duplicate {
                    region: settled.region.name.clone(),
                });
            }
            if settled.weights.blue == 0 && settled.weights.green == 0 {
                return Err(Route53TrafficError::AllZero {
                    record: settled.region.record_name.clone(),
                });
            }
        }
        self.route53.invalidate_zone(&self.zone_id);
        let listing = self.route53.record_sets(&self.zone_id).await?;
        let mut changes = Vec::new();
        for settled in regions {
            let region = &settled.region;
            let existing = slot_sets(&listing, region);
            let mut wanted_sets = Vec::new();
            for slot in [Slot::Blue, Slot::Green] {
                let current = existing.iter().find(|(s, _)| *s == slot).map(|(_, set)| set);
                let Some(wanted) = wanted_set(settled, slot, current)? else {
                    continue;
                };
                if let Some(current) = current {
                    if current.same_as(&wanted) {
                        wanted_sets.push(wanted);
                        continue;
                    }
                    // A set of another type under the slot's identifier is a different record
                    // set to Route 53: it goes, in the same batch, for the right one.
                    if current.rtype != wanted.rtype {
                        changes.push(Change {
                            action: ChangeAction::Delete,
                            set: current.clone(),
                        });
                    }
                }
                tracing::info!(
                    record = %wanted.name,
                    slot = slot.as_str(),
                    weight = wanted.weight.unwrap_or_default(),
                    "restoring slot"
                );
                changes.push(Change {
                    action: ChangeAction::Upsert,
                    set: wanted.clone(),
                });
                wanted_sets.push(wanted);
            }
            if let [first, second] = wanted_sets.as_slice() {
                if first.rtype != second.rtype {
                    return Err(Route53TrafficError::TypeChange {
                        record: region.record_name.clone(),
                        existing: second.rtype.clone(),
                        wanted: first.rtype.clone(),
                    });
                }
            }
        }
        let written = changes.iter().filter(|c| c.action == ChangeAction::Upsert).count();
        self.apply(changes, fence).await?;
        Ok(written)
    }
}

/// The set `slot` of `settled` should be: `None` when it should have none (a slot kept only
/// for rollback that is gone weighs 0, as asked, and its old target cannot be rebuilt).
fn wanted_set(
    settled: &SettledRegion,
    slot: Slot,
    current: Option<&RecordSet>,
) -> Result<Option<RecordSet>, Route53TrafficError> {
    let region = &settled.region;
    let weight = settled.weights.of(slot);
    match (settled.target(slot), current) {
        (Some(target), _) => slot_record_set(region, slot, target, weight)
            .map(Some)
            .map_err(|source| Route53TrafficError::Target {
                record: region.record_name.clone(),
                source,
            }),
        (None, Some(current)) => Ok(Some(RecordSet {
            weight: Some(i64::from(weight)),
            ttl: current.ttl.map(|_| region.ttl),
            ..current.clone()
        })),
        (None, None) if weight == 0 => Ok(None),
        (None, None) => Err(Route53TrafficError::SlotMissing {
            record: region.record_name.clone(),
            slot,
        }),
    }
}

/// How `current` (the zone's set of `slot`, if any) differs from what it should be.
fn slot_differences(
    settled: &SettledRegion,
    slot: Slot,
    current: Option<&RecordSet>,
) -> Result<Vec<Difference>, Route53TrafficError> {
    let expected_weight = settled.weights.of(slot);
    let Some(current) = current else {
        let needed = settled.target(slot).is_some() || expected_weight > 0;
        return Ok(if needed { vec![Difference::Missing] } else { Vec::new() });
    };
    let mut differences = Vec::new();
    let actual_weight = weight_of(current);
    if actual_weight != expected_weight {
        differences.push(Difference::Weight {
            actual: actual_weight,
            expected: expected_weight,
        });
    }
    let wanted = wanted_set(settled, slot, Some(current))?.unwrap_or_else(|| current.clone());
    if !same_target(current, &wanted) {
        differences.push(Difference::Target {
            actual: describe_target(current),
            expected: describe_target(&wanted),
        });
    } else if let (Some(actual), Some(expected)) = (current.ttl, wanted.ttl) {
        if actual != expected {
            differences.push(Difference::Ttl { actual, expected });
        }
    }
    Ok(differences)
}

/// Whether two sets point at the same place: type, records (in any order and spelling) or
/// alias.
fn same_target(a: &RecordSet, b: &RecordSet) -> bool {
    let records = |set: &RecordSet| -> Vec<String> {
        let mut values: Vec<String> = set.records.iter().map(|r| normalize_name(r)).collect();
        values.sort();
        values
    };
    let alias = |alias: &Option<AliasTarget>| {
        alias.as_ref().map(|a| {
            (
                normalize_name(&a.name),
                a.zone_id.trim_start_matches("/hostedzone/").to_owned(),
                a.evaluate_target_health,
            )
        })
    };
    a.rtype == b.rtype && records(a) == records(b) && alias(&a.alias) == alias(&b.alias)
}

/// `A 192.0.2.1,192.0.2.2` or `A alias lb.example.com`, for messages and plans.
fn describe_target(set: &RecordSet) -> String {
    match &set.alias {
        Some(alias) => format!("{} alias {}", set.rtype, alias.name.trim_end_matches('.')),
        None => format!("{} {}", set.rtype, set.records.join(",")),
    }
}
