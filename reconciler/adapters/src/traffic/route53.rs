//! [`Route53Traffic`]: the engine's [`Traffic`] port on Route 53 blue/green weighted sets.
//!
//! Every region's `record_name` carries two weighted sets, one per [`Slot`], named by the
//! convention of [`slot_record`](super::slot_record). Each call of the port is exactly one
//! atomic ChangeResourceRecordSets batch for all the regions it lists (or none, when the zone
//! already shows what was asked), so a rollout step moves every region of a wave together and a
//! crash can never leave half a step applied. The batch goes through
//! [`Route53::fenced_change_batch`], which retries inside the process's shared rate budget,
//! never applies a batch twice, and sends each attempt only while the rollout's lease guard
//! permits it.
//!
//! Safety rules enforced here rather than trusted to the caller, because a mistake costs an
//! outage: a batch never leaves a name with all weights at 0 (a first publication creates its
//! slot at full weight, and a withdrawn region has no set left), a slot gets weight only once it
//! has a record set, and a slot never changes record type (weighted sets of one name must
//! share one, so the other slot would silently stop receiving that traffic).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::aws::{normalize_name, Change, ChangeAction, RecordSet, Route53};
use globaldeploy_engine::journal::lease::Fence;
use globaldeploy_engine::model::{RegionSpec, Slot, Weights};
use globaldeploy_engine::ports::{SlotAssignment, Traffic, TrafficError};

use super::error::Route53TrafficError;
use super::slot_record::{record_type, slot_of, slot_record_set};

/// Route 53 blue/green slots of the regions of one hosted zone.
#[derive(Clone)]
pub struct Route53Traffic {
    pub(super) route53: Route53,
    pub(super) zone_id: String,
    insync_timeout: Duration,
}

impl Route53Traffic {
    /// Slots in `zone_id`, written through `route53`. Each change waits up to `insync_timeout`
    /// for Route 53 to report it INSYNC: a step only counts once resolvers can see it.
    pub fn new(route53: Route53, zone_id: impl Into<String>, insync_timeout: Duration) -> Self {
        Route53Traffic {
            route53,
            zone_id: zone_id.into(),
            insync_timeout,
        }
    }

    /// [`Traffic::prepare`] with the typed error.
    pub async fn try_prepare(
        &self,
        fence: &dyn Fence,
        assignments: &[SlotAssignment],
    ) -> Result<(), Route53TrafficError> {
        let mut seen = BTreeSet::new();
        for assignment in assignments {
            if !seen.insert((assignment.region.name.as_str(), assignment.slot)) {
                return Err(Route53TrafficError::Duplicate {
                    region: assignment.region.name.clone(),
                });
            }
        }
        let listing = self.route53.record_sets(&self.zone_id).await?;
        let mut changes = Vec::new();
        for assignment in assignments {
            let region = &assignment.region;
            let existing = slot_sets(&listing, region);
            let wanted = record_type(&assignment.target).map_err(|source| Route53TrafficError::Target {
                record: region.record_name.clone(),
                source,
            })?;
            if let Some((_, other)) = existing.iter().find(|(_, set)| set.rtype != wanted) {
                return Err(Route53TrafficError::TypeChange {
                    record: region.record_name.clone(),
                    existing: other.rtype.clone(),
                    wanted: wanted.to_owned(),
                });
            }
            // Writing a target never moves traffic: the slot keeps whatever weight it has
            // (a resumed rollout may re-prepare a slot that already serves).
            let current = existing
                .iter()
                .find(|(slot, _)| *slot == assignment.slot)
                .map(|(_, set)| set);
            let weight = current.map_or(0, weight_of);
            let set = assigned_set(assignment, weight)?;
            upsert_unless_same(&mut changes, current, set, assignment, "writing slot target");
        }
        self.apply(changes, fence).await
    }

    /// [`Traffic::publish`] with the typed error: each region's slot at weight 100 pointing at
    /// its target, and any other slot set of the name (a leftover of a failed publication)
    /// deleted, in one batch read against a fresh listing.
    pub async fn try_publish(
        &self,
        fence: &dyn Fence,
        assignments: &[SlotAssignment],
    ) -> Result<(), Route53TrafficError> {
        let mut seen = BTreeSet::new();
        let mut sets = Vec::with_capacity(assignments.len());
        for assignment in assignments {
            let region = &assignment.region;
            if !seen.insert(region.name.as_str()) {
                return Err(Route53TrafficError::Duplicate {
                    region: region.name.clone(),
                });
            }
            sets.push((assignment, assigned_set(assignment, 100)?));
        }
        self.route53.invalidate_zone(&self.zone_id);
        let listing = self.route53.record_sets(&self.zone_id).await?;
        let mut changes = Vec::new();
        for (assignment, set) in sets {
            let existing = slot_sets(&listing, &assignment.region);
            for (slot, current) in &existing {
                // A set of another type under the slot's identifier is another record set to
                // Route 53, and the other slot of a never-published name serves nobody.
                if *slot != assignment.slot || current.rtype != set.rtype {
                    changes.push(Change {
                        action: ChangeAction::Delete,
                        set: current.clone(),
                    });
                }
            }
            let current = existing
                .iter()
                .find(|(slot, _)| *slot == assignment.slot)
                .map(|(_, s)| s);
            upsert_unless_same(&mut changes, current, set, assignment, "publishing slot");
        }
        self.apply(changes, fence).await
    }

    /// [`Traffic::withdraw`] with the typed error: every slot set of `regions` deleted in one
    /// batch read against a fresh listing (none there: no call).
    pub async fn try_withdraw(&self, fence: &dyn Fence, regions: &[RegionSpec]) -> Result<(), Route53TrafficError> {
        self.route53.invalidate_zone(&self.zone_id);
        let listing = self.route53.record_sets(&self.zone_id).await?;
        let changes: Vec<Change> = regions
            .iter()
            .flat_map(|region| slot_sets(&listing, region))
            .map(|(slot, set)| {
                tracing::info!(record = %set.name, slot = slot.as_str(), "removing slot of an unpublished region");
                Change {
                    action: ChangeAction::Delete,
                    set,
                }
            })
            .collect();
        self.apply(changes, fence).await
    }

    /// [`Traffic::set_weights`] with the typed error. Every input check happens before any
    /// AWS call.
    pub async fn try_set_weights(
        &self,
        fence: &dyn Fence,
        regions: &[RegionSpec],
        weights: &BTreeMap<String, Weights>,
    ) -> Result<(), Route53TrafficError> {
        let by_name: HashMap<&str, &RegionSpec> = regions.iter().map(|r| (r.name.as_str(), r)).collect();
        let mut moves = Vec::with_capacity(weights.len());
        for (name, weight) in weights {
            let region = *by_name
                .get(name.as_str())
                .ok_or_else(|| Route53TrafficError::UnknownRegion { region: name.clone() })?;
            if weight.blue == 0 && weight.green == 0 {
                return Err(Route53TrafficError::AllZero {
                    record: region.record_name.clone(),
                });
            }
            moves.push((region, weight));
        }
        let listing = self.route53.record_sets(&self.zone_id).await?;
        let mut changes = Vec::new();
        for (region, weight) in moves {
            let existing = slot_sets(&listing, region);
            for slot in [Slot::Blue, Slot::Green] {
                let wanted = weight.of(slot);
                match existing.iter().find(|(s, _)| *s == slot) {
                    Some((_, set)) if weight_of(set) != wanted => changes.push(Change {
                        action: ChangeAction::Upsert,
                        set: RecordSet {
                            weight: Some(i64::from(wanted)),
                            ..set.clone()
                        },
                    }),
                    Some(_) => {}
                    // A slot that was never prepared already has the weight 0 it is asked for.
                    None if wanted == 0 => {}
                    None => {
                        return Err(Route53TrafficError::SlotMissing {
                            record: region.record_name.clone(),
                            slot,
                        })
                    }
                }
            }
        }
        self.apply(changes, fence).await
    }

    /// [`Traffic::weights`] with the typed error: a fresh read of the zone, because this is
    /// what resume and status decide on. A slot without a record set weighs 0.
    pub async fn try_weights(&self, regions: &[RegionSpec]) -> Result<BTreeMap<String, Weights>, Route53TrafficError> {
        self.route53.invalidate_zone(&self.zone_id);
        let listing = self.route53.record_sets(&self.zone_id).await?;
        Ok(regions
            .iter()
            .map(|region| {
                let existing = slot_sets(&listing, region);
                let of = |slot: Slot| {
                    existing
                        .iter()
                        .find(|(s, _)| *s == slot)
                        .map_or(0, |(_, set)| weight_of(set))
                };
                (
                    region.name.clone(),
                    Weights {
                        blue: of(Slot::Blue),
                        green: of(Slot::Green),
                    },
                )
            })
            .collect())
    }

    /// Sends `changes` as one batch, each attempt only as `fence` permits; an empty batch (the
    /// zone already shows everything) is not sent, since Route 53 rejects it and there is
    /// nothing to do.
    pub(super) async fn apply(&self, changes: Vec<Change>, fence: &dyn Fence) -> Result<(), Route53TrafficError> {
        if changes.is_empty() {
            return Ok(());
        }
        let deadline = Instant::now() + self.insync_timeout;
        self.route53
            .fenced_change_batch(&self.zone_id, changes, deadline, fence)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl Traffic for Route53Traffic {
    async fn prepare(&self, fence: &dyn Fence, assignments: &[SlotAssignment]) -> Result<(), TrafficError> {
        Ok(self.try_prepare(fence, assignments).await?)
    }

    async fn publish(&self, fence: &dyn Fence, assignments: &[SlotAssignment]) -> Result<(), TrafficError> {
        Ok(self.try_publish(fence, assignments).await?)
    }

    async fn withdraw(&self, fence: &dyn Fence, regions: &[RegionSpec]) -> Result<(), TrafficError> {
        Ok(self.try_withdraw(fence, regions).await?)
    }

    async fn set_weights(
        &self,
        fence: &dyn Fence,
        regions: &[RegionSpec],
        weights: &BTreeMap<String, Weights>,
    ) -> Result<(), TrafficError> {
        Ok(self.try_set_weights(fence, regions, weights).await?)
    }

    async fn weights(&self, regions: &[RegionSpec]) -> Result<BTreeMap<String, Weights>, TrafficError> {
        Ok(self.try_weights(regions).await?)
    }
}

/// The slot sets of `region`'s record name in a zone listing, of any type.
pub(super) fn slot_sets(listing: &[RecordSet], region: &RegionSpec) -> Vec<(Slot, RecordSet)> {
    let name = normalize_name(&region.record_name);
    listing
        .iter()
        .filter(|set| set.name == name)
        .filter_map(|set| {
            let slot = slot_of(&region.record_name, set.set_identifier.as_deref()?)?;
            Some((slot, set.clone()))
        })
        .collect()
}

/// A set's weight as the engine counts it: a set without a weight counts as 0, and Route 53
/// keeps weights within 0–255, so the saturation never changes a real answer.
pub(super) fn weight_of(set: &RecordSet) -> u8 {
    set.weight.map_or(0, |weight| u8::try_from(weight).unwrap_or(u8::MAX))
}

/// `assignment`'s slot set at `weight`, or why its target cannot be one.
fn assigned_set(assignment: &SlotAssignment, weight: u8) -> Result<RecordSet, Route53TrafficError> {
    let region = &assignment.region;
    slot_record_set(region, assignment.slot, &assignment.target, weight).map_err(|source| Route53TrafficError::Target {
        record: region.record_name.clone(),
        source,
    })
}

/// Adds an upsert of `set` to `changes` unless the zone already has it as `current`; `what`
/// names the write in the log.
fn upsert_unless_same(
    changes: &mut Vec<Change>,
    current: Option<&RecordSet>,
    set: RecordSet,
    assignment: &SlotAssignment,
    what: &str,
) {
    if current.is_some_and(|current| current.same_as(&set)) {
        return;
    }
    tracing::info!(
        record = %set.name,
        slot = assignment.slot.as_str(),
        version = %assignment.version,
        weight = set.weight,
        "{what}"
    );
    changes.push(Change {
        action: ChangeAction::Upsert,
        set,
    });
}
