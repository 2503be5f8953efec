//! The deployment's record sets between rollouts: drift made outside Terraform, shown by
//! refresh and repaired by apply; TTL changes; deletion.
//!
//! Between rollouts each region's two slots are fully determined ([`SettledRegion`]): the
//! weights are the exact ones the journal's last finished rollout left (everything on the
//! active slot when there is no journal), the target of a slot the rollout wrote is the
//! rollout's (the journal is ahead of a state whose apply died), the active slot otherwise
//! points at the state's target, and every slot holding records has the state's `ttl`.
//!
//! Refresh compares that with the zone (the run's cached listing) and records each difference in
//! `region_drift` (region → what differs); the plan empties that map, so Terraform proposes an
//! in-place update that names the region and what differs, and the update writes every differing set in one batch (`Route53Traffic::settle`, which never
//! leaves a name with all weights at 0). A repair is not a rollout: nothing is journaled and
//! `rollout_plan` does not change. A changed `ttl` reaches both slots the same way.
//!
//! A region never published (no active slot, or no weight by the journal) should have no slot
//! set at all, since Route 53 answers a name whose only sets weigh 0: refresh shows any it has as
//! drift, and apply removes them.

use std::collections::BTreeMap;
use std::time::Instant;

use globaldeploy_adapters::aws::{normalize_name, Change, ChangeAction};
use globaldeploy_engine::outcome::RegionStatus;
use globaldeploy_engine::state::RolloutState;
use globaldeploy_engine::journal::lease::Fence;
use globaldeploy_engine::model::{RegionSpec, Slot, Weights};
use globaldeploy_adapters::traffic::{slot_of, RegionDrift, Route53Traffic, Route53TrafficError, SettledRegion};
use globaldeploy_sdk::cty::Value;

use super::rollout::under_lease;
use super::INSYNC_TIMEOUT;
use crate::ProviderClient;

/// States written at schema version 1 appended drift to `region_status` after this mark.
const LEGACY_DRIFT_MARK: &str = ", drifted: ";

/// A stored state of schema version 0 or 1 (JSON) at version 2: `region_status` without the
/// drift marks version 1 appended (`"promoted, drifted: …"`), and `region_drift` empty until
/// the refresh that follows the upgrade compares the slots again.
pub(super) fn without_legacy_drift_marks(mut state: serde_json::Value) -> serde_json::Value {
    if let Some(statuses) = state.get_mut("region_status").and_then(serde_json::Value::as_object_mut) {
        for status in statuses.values_mut() {
            if let Some((plain, _)) = status.as_str().and_then(|s| s.split_once(LEGACY_DRIFT_MARK)) {
                *status = serde_json::Value::from(plain);
            }
        }
    }
    if let Some(object) = state.as_object_mut() {
        object.insert("region_drift".to_owned(), serde_json::json!({}));
    }
    state
}

/// `region_drift`: each region that drifted, with what differs, e.g. `"blue weight 50, want
/// 100"`; an empty map when nothing did.
pub(super) fn drift_value(drift: &[RegionDrift]) -> Value {
    Value::map(drift.iter().map(|region| (region.region.clone(), Value::string(region.to_string()))))
}

/// Each region's active slot in `state`'s `active_slot` map.
fn active_slots(state: &Value) -> BTreeMap<String, Slot> {
    state
        .get("active_slot")
        .and_then(Value::as_map)
        .map(|slots| {
            slots
                .iter()
                .filter_map(|(region, slot)| {
                    let slot = match slot.as_str()? {
                        "blue" => Slot::Blue,
                        "green" => Slot::Green,
                        _ => return None,
                    };
                    Some((region.clone(), slot))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What the slots of every published region of `regions` should hold, with the active slots of
/// `state` and the journal's last rollout (`None`: no journal). Regions that were never
/// published (no active slot, or no weight at all) are left out: [`unpublished`] has them.
fn settled_regions(regions: &[RegionSpec], state: &Value, rollout: Option<&RolloutState>) -> Vec<SettledRegion> {
    let active = active_slots(state);
    regions
        .iter()
        .filter_map(|region| {
            let serving = *active.get(&region.name)?;
            let journaled = rollout.and_then(|rs| Some((rs, rs.region_weights(&region.name)?)));
            let weights = journaled.map_or(Weights::split(serving, 100), |(_, weights)| weights);
            if weights.blue == 0 && weights.green == 0 {
                return None;
            }
            // The slot the rollout wrote points at the rollout's target once it carries traffic.
            let written = journaled.and_then(|(rs, _)| {
                let moved = !matches!(
                    rs.regions.get(&region.name),
                    Some(RegionStatus::Pending | RegionStatus::Prepared | RegionStatus::RolledBack) | None
                );
                let target = rs.spec.regions.iter().find(|r| r.name == region.name)?.target.clone();
                moved.then(|| (rs.new_slot(&region.name), target))
            });
            let mut region = region.clone();
            let mut other_target = None;
            if let Some((slot, target)) = written {
                if slot == serving {
                    region.target = target;
                } else {
                    other_target = Some(target);
                }
            }
            Some(SettledRegion {
                region,
                serving,
                other_target,
                weights,
            })
        })
        .collect()
}

/// The regions of `regions` that were never published (no active slot in `state`, or no weight
/// by the journal): they should have no slot set at all.
fn unpublished(regions: &[RegionSpec], state: &Value, rollout: Option<&RolloutState>) -> Vec<RegionSpec> {
    let settled = settled_regions(regions, state, rollout);
    regions
        .iter()
        .filter(|region| !settled.iter().any(|s| s.region.name == region.name))
        .cloned()
        .collect()
}

/// What refresh found in the zone.
pub(super) enum Observed {
    /// Every slot of every region is gone: the deployment was deleted outside Terraform.
    Gone,
    /// The `region_drift` of the state: each region whose slots differ, and how.
    Drift(Value),
}

/// Compares the slots of `regions` with what `state` and the journal's last (finished) rollout
/// say should serve, from the run's cached zone listing.
pub(super) async fn observe(
    client: &ProviderClient,
    zone_id: &str,
    regions: &[RegionSpec],
    state: &Value,
    rollout: Option<&RolloutState>,
) -> Result<Observed, Route53TrafficError> {
    let settled = settled_regions(regions, state, rollout);
    let traffic = Route53Traffic::new(client.route53.clone(), zone_id, INSYNC_TIMEOUT);
    let mut drift = traffic.drift(&settled).await?;
    if !settled.is_empty() && drift.len() == settled.len() && drift.iter().all(|d| d.gone) {
        return Ok(Observed::Gone);
    }
    drift.extend(traffic.strays(&unpublished(regions, state, rollout)).await?);
    for region in &drift {
        tracing::info!(region = %region.region, drift = %region, "slots differ from what the deployment serves");
    }
    Ok(Observed::Drift(drift_value(&drift)))
}

/// Writes every slot of `regions` that differs from what `state` (active slots) and the journal
/// say should serve, with the TTLs of `regions`, in one batch (none when nothing differs), each
/// write only as `fence` (the deployment's lease) permits.
pub(super) async fn restore(
    client: &ProviderClient,
    fence: &dyn Fence,
    zone_id: &str,
    regions: &[RegionSpec],
    state: &Value,
    rollout: Option<&RolloutState>,
) -> Result<(), String> {
    let settled = settled_regions(regions, state, rollout);
    let traffic = Route53Traffic::new(client.route53.clone(), zone_id, INSYNC_TIMEOUT);
    traffic
        .try_withdraw(fence, &unpublished(regions, state, rollout))
        .await
        .map_err(|err| format!("Removing the record sets of unpublished regions in zone {zone_id} failed: {err}"))?;
    match traffic.settle(fence, &settled).await {
        Ok(0) => Ok(()),
        Ok(written) => {
            tracing::info!(
                zone_id,
                sets = written,
                "restored the record sets of the deployment's slots"
            );
            Ok(())
        }
        Err(err) => Err(format!(
            "Restoring the regions' blue/green record sets in zone {zone_id} failed: {err}"
        )),
    }
}

/// Deletes both slots of every region of `deployment`'s `regions` in one batch (nothing to do:
/// no call), holding the deployment's lease: refused while another process rolls it out.
pub(super) async fn delete_slots(
    client: &ProviderClient,
    deployment: &str,
    zone_id: &str,
    regions: &[RegionSpec],
    deadline: Instant,
) -> Result<(), String> {
    under_lease(client, deployment, |guard, _| async move {
        delete_fenced(client, &*guard, zone_id, regions, deadline).await
    })
    .await
}

async fn delete_fenced(
    client: &ProviderClient,
    fence: &dyn Fence,
    zone_id: &str,
    regions: &[RegionSpec],
    deadline: Instant,
) -> Result<(), String> {
    client.route53.invalidate_zone(zone_id);
    let listing = client
        .route53
        .record_sets(zone_id)
        .await
        .map_err(|err| format!("Listing zone {zone_id} failed: {err}"))?;
    let changes: Vec<Change> = regions
        .iter()
        .flat_map(|region| {
            let name = normalize_name(&region.record_name);
            listing
                .iter()
                .filter(move |set| set.name == name)
                .filter(|set| {
                    set.set_identifier
                        .as_deref()
                        .is_some_and(|id| slot_of(&region.record_name, id).is_some())
                })
                .map(|set| Change {
                    action: ChangeAction::Delete,
                    set: set.clone(),
                })
        })
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    tracing::info!(
        regions = names.join(", "),
        sets = changes.len(),
        "deleting blue/green record sets"
    );
    client
        .route53
        .fenced_change_batch(zone_id, changes, deadline, fence)
        .await
        .map_err(|err| format!("Deleting the record sets of regions {names:?} in zone {zone_id} failed: {err}"))
}

#[cfg(test)]
mod tests {
    use globaldeploy_engine::outcome::RolloutStatus;
    use globaldeploy_engine::journal::entry::Intent;
    use globaldeploy_engine::model::{OnFailure, Target};
    use globaldeploy_adapters::traffic::{Difference, SlotDrift};

    use super::super::fixtures::{region, two_regions, v1_on_blue};
    use super::*;

    /// A finished v1 → v2 rollout of regions `a` and `b` (both on blue before) with the given
    /// end statuses; the rollout wrote `198.51.100.*` targets.
    fn rollout(a: RegionStatus, b: RegionStatus) -> RolloutState {
        let spec = two_regions("v2", ["198.51.100.1", "198.51.100.2"], vec![25, 100], 2, OnFailure::Halt);
        let on_blue = v1_on_blue();
        let mut rs = RolloutState::from_intent(&Intent {
            rollout_id: "v2@1".into(),
            started_at: 1,
            spec,
            prior: [("a".to_owned(), on_blue.clone()), ("b".to_owned(), on_blue)].into(),
        });
        rs.regions.insert("a".into(), a);
        rs.regions.insert("b".into(), b);
        rs.status = Some(RolloutStatus::Halted);
        rs
    }

    fn state(active: &[(&str, &str)]) -> Value {
        Value::object([(
            "active_slot",
            Value::map(active.iter().map(|(r, s)| ((*r).to_owned(), Value::string(*s)))),
        )])
    }

    #[test]
    fn the_journal_gives_exact_weights_and_the_targets_it_wrote() {
        // Terraform's state still has the v1 targets (say its apply died and `globaldeploy
        // resume` finished the rollout): the journal is ahead and wins for the slots it wrote.
        let regions = [region("a", "192.0.2.1"), region("b", "192.0.2.2")];
        let rs = rollout(RegionStatus::Promoted, RegionStatus::Halted { percent: 25 });
        let settled = settled_regions(&regions, &state(&[("a", "green"), ("b", "blue")]), Some(&rs));
        assert_eq!(
            settled,
            vec![
                SettledRegion {
                    region: region("a", "198.51.100.1"),
                    serving: Slot::Green,
                    other_target: None,
                    weights: Weights { blue: 0, green: 100 },
                },
                SettledRegion {
                    region: region("b", "192.0.2.2"),
                    serving: Slot::Blue,
                    other_target: Some(Target::Records(vec!["198.51.100.2".into()])),
                    weights: Weights { blue: 75, green: 25 },
                },
            ]
        );
        // A rolled-back region is back on its old slot and target; its new slot only weighs 0.
        let rs = rollout(RegionStatus::RolledBack, RegionStatus::Pending);
        let settled = settled_regions(&regions, &state(&[("a", "blue"), ("b", "blue")]), Some(&rs));
        assert!(settled.iter().all(|s| s.serving == Slot::Blue
            && s.other_target.is_none()
            && s.weights == Weights { blue: 100, green: 0 }));
        assert_eq!(settled[0].region, regions[0]);
    }

    #[test]
    fn without_a_journal_the_active_slot_carries_everything_and_unpublished_regions_are_skipped() {
        let regions = [region("a", "192.0.2.1"), region("b", "192.0.2.2")];
        let settled = settled_regions(&regions, &state(&[("a", "green")]), None);
        assert_eq!(
            settled,
            vec![SettledRegion {
                region: regions[0].clone(),
                serving: Slot::Green,
                other_target: None,
                weights: Weights { blue: 0, green: 100 },
            }]
        );
    }

    #[test]
    fn drift_is_recorded_by_region_with_what_differs() {
        let drift = RegionDrift {
            region: "b".into(),
            slots: vec![SlotDrift {
                slot: Slot::Green,
                difference: Difference::Weight {
                    actual: 0,
                    expected: 25,
                },
            }],
            gone: false,
        };
        assert_eq!(
            drift_value(&[drift]),
            Value::map([("b", Value::string("green weight 0, want 25"))])
        );
        assert_eq!(drift_value(&[]), Value::map(Vec::<(String, Value)>::new()), "known and empty, never null");
    }

    #[test]
    fn a_version_1_state_loses_its_drift_marks_and_gains_an_empty_region_drift() {
        let state = serde_json::json!({
            "name": "api",
            "region_status": {"a": "promoted", "b": "halted (25 %), drifted: green weight 0, want 25"},
        });
        assert_eq!(
            without_legacy_drift_marks(state),
            serde_json::json!({
                "name": "api",
                "region_status": {"a": "promoted", "b": "halted (25 %)"},
                "region_drift": {},
            })
        );
    }
}
