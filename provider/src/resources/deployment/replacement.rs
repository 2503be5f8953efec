//! Replacing a deployment without taking down the regions that serve.
//!
//! A create that returns an error (a first publication whose gates failed in a later wave) is
//! saved *tainted*, and Terraform replaces a tainted object: by default it destroys it, then
//! creates the new one (`create_before_destroy` swaps the two). The destroy half is an
//! ApplyResourceChange with the tainted state as prior and a null planned state, exactly like
//! `terraform destroy` — except for its planned private data. Terraform plans a tainted object
//! as a create (PlanResourceChange with a null prior state and no prior private data) and gives
//! the resulting change's private data to both halves of the replacement (`-replace` does the
//! same, through its second, null-prior PlanResourceChange). So:
//!
//! - [`plan_private`]: a plan with a null prior state records what the new object will be
//!   (name, zone, version, each region's record name and target) in the planned private data;
//!   a destroy's private data is the state's, which never holds it (the SDK keeps no private
//!   data in state);
//! - [`continued_regions`]: the delete of a replacement keeps the slots of the regions the new
//!   object continues — the journal's last (finished) rollout left them serving the planned
//!   version from the planned target, under the same zone and record name — and deletes the rest;
//! - [`serving_regions`]: the create continues the publication: those regions, when Route 53
//!   shows all their weight on the journal's slot, are handed to the engine as serving, so
//!   they are carried and only the others are published.

use std::collections::{BTreeMap, BTreeSet};

use globaldeploy_engine::state::RolloutState;
use globaldeploy_engine::model::{DeploymentSpec, RegionSpec, Serving, Target};
use globaldeploy_adapters::traffic::Route53Traffic;
use serde_json::{json, Value as Json};

use super::INSYNC_TIMEOUT;
use crate::ProviderClient;

/// The key of the planned private data that names the object a change creates.
const REPLACEMENT_KEY: &str = "replacement";

/// The planned private data of a plan that creates `spec` (null prior state: a create, or the
/// new half of a replacement).
pub(super) fn plan_private(spec: &DeploymentSpec) -> Vec<u8> {
    let regions: serde_json::Map<String, Json> = spec
        .regions
        .iter()
        .map(|r| (r.name.clone(), region_key(r)))
        .collect();
    let replacement = json!({
        "name": spec.name,
        "zone_id": spec.zone_id,
        "version": spec.version,
        "regions": regions,
    });
    json!({ REPLACEMENT_KEY: replacement }).to_string().into_bytes()
}

/// What identifies a region's serving slots: its record name and target.
fn region_key(region: &RegionSpec) -> Json {
    let target = match &region.target {
        Target::Records(values) => json!({ "records": values }),
        Target::Alias {
            name,
            zone_id,
            evaluate_target_health,
        } => json!({ "alias": { "name": name, "zone_id": zone_id, "evaluate_target_health": evaluate_target_health } }),
    };
    json!({ "record_name": region.record_name, "target": target })
}

/// The regions of `prior` (the state being destroyed) whose slots the object replacing it
/// continues, per the `planned_private` data of the change and the journal's last rollout.
/// Empty for a destroy, for private data that names no replacement, and while the journal's
/// last rollout is unfinished (its weights are the rollout's, not the replacement's).
pub(super) fn continued_regions(
    prior: &DeploymentSpec,
    planned_private: &[u8],
    rollout: Option<&RolloutState>,
) -> BTreeSet<String> {
    let Some(replacement) = serde_json::from_slice::<Json>(planned_private)
        .ok()
        .and_then(|mut private| private.get_mut(REPLACEMENT_KEY).map(Json::take))
    else {
        return BTreeSet::new();
    };
    let same = |key: &str, value: &str| replacement.get(key).and_then(Json::as_str) == Some(value);
    if !same("name", &prior.name) || !same("zone_id", &prior.zone_id) {
        return BTreeSet::new();
    }
    let Some(version) = replacement.get("version").and_then(Json::as_str) else {
        return BTreeSet::new();
    };
    serving(rollout, &prior.zone_id, version)
        .into_iter()
        .filter(|(name, region)| {
            prior.regions.iter().any(|r| r.name == *name && r.record_name == region.record_name)
                && replacement.get("regions").and_then(|regions| regions.get(name)) == Some(&region_key(region))
        })
        .map(|(name, _)| name)
        .collect()
}

/// What each region the journal's last (finished) rollout of zone `zone_id` left serving
/// `version` serves: the region as that rollout had it (record name, target) with its outcome.
fn serving(rollout: Option<&RolloutState>, zone_id: &str, version: &str) -> BTreeMap<String, RegionSpec> {
    let Some(rs) = rollout.filter(|rs| rs.status.is_some() && rs.spec.zone_id == zone_id) else {
        return BTreeMap::new();
    };
    rs.region_outcomes()
        .into_iter()
        .filter(|(_, outcome)| outcome.version.as_deref() == Some(version))
        .filter_map(|(name, outcome)| {
            let mut region = rs.spec.regions.iter().find(|r| r.name == name)?.clone();
            region.target = outcome.target?;
            Some((name, region))
        })
        .collect()
}

/// The regions of `spec` (about to be created) that already serve it — the journal's last
/// rollout left them on `spec`'s version and target, and Route 53 shows all their weight on the
/// journal's slot — as the engine's `current`: a replacement continues their publication.
pub(super) async fn serving_regions(
    client: &ProviderClient,
    spec: &DeploymentSpec,
    rollout: Option<&RolloutState>,
) -> Result<BTreeMap<String, Serving>, String> {
    let Some(rs) = rollout else {
        return Ok(BTreeMap::new());
    };
    let outcomes = rs.region_outcomes();
    let journaled: BTreeMap<String, Serving> = serving(Some(rs), &spec.zone_id, &spec.version)
        .into_iter()
        .filter_map(|(name, region)| {
            let wanted = spec.regions.iter().find(|r| r.name == name)?;
            if wanted.record_name != region.record_name || wanted.target != region.target {
                return None;
            }
            let serving = Serving {
                slot: outcomes.get(&name)?.active_slot?,
                version: spec.version.clone(),
                target: Some(region.target),
                idle: rs.idle(&name),
            };
            Some((name, serving))
        })
        .collect();
    if journaled.is_empty() {
        return Ok(journaled);
    }
    let regions: Vec<RegionSpec> = spec
        .regions
        .iter()
        .filter(|r| journaled.contains_key(&r.name))
        .cloned()
        .collect();
    let traffic = Route53Traffic::new(client.route53.clone(), spec.zone_id.clone(), INSYNC_TIMEOUT);
    let weights = traffic
        .try_weights(&regions)
        .await
        .map_err(|err| format!("Reading the weights of the regions already serving failed: {err}"))?;
    Ok(journaled
        .into_iter()
        .filter(|(name, serving)| {
            weights
                .get(name)
                .is_some_and(|w| w.of(serving.slot) > 0 && w.of(serving.slot.other()) == 0)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use globaldeploy_engine::outcome::{RegionStatus, RolloutStatus};
    use globaldeploy_engine::journal::entry::Intent;
    use globaldeploy_engine::model::{OnFailure, Prior, Weights};

    use super::super::fixtures::two_regions;
    use super::*;

    fn spec() -> DeploymentSpec {
        two_regions("v1", ["192.0.2.1", "192.0.2.2"], vec![100], 1, OnFailure::RollbackRegion)
    }

    /// A first publication of `spec()` that published `a` and failed `b`.
    fn failed_publication() -> RolloutState {
        let unpublished = Prior {
            serving: None,
            weights: Weights { blue: 0, green: 0 },
        };
        let mut rs = RolloutState::from_intent(&Intent {
            rollout_id: "v1@1".into(),
            started_at: 1,
            spec: spec(),
            prior: [("a".to_owned(), unpublished.clone()), ("b".to_owned(), unpublished)].into(),
        });
        rs.regions.insert("a".into(), RegionStatus::Promoted);
        rs.regions.insert("b".into(), RegionStatus::RolledBack);
        rs.status = Some(RolloutStatus::RolledBack);
        rs
    }

    #[test]
    fn a_replacement_continues_the_regions_that_serve_what_it_plans() {
        let rs = failed_publication();
        let private = plan_private(&spec());
        assert_eq!(continued_regions(&spec(), &private, Some(&rs)), ["a".to_owned()].into());
        // A destroy (no planned replacement), an unfinished rollout, no journal: delete everything.
        assert!(continued_regions(&spec(), b"", Some(&rs)).is_empty());
        let mut unfinished = rs.clone();
        unfinished.status = None;
        assert!(continued_regions(&spec(), &private, Some(&unfinished)).is_empty());
        assert!(continued_regions(&spec(), &private, None).is_empty());
    }

    #[test]
    fn a_replacement_with_another_version_target_or_zone_continues_nothing() {
        let rs = failed_publication();
        let mut other = spec();
        other.version = "v2".into();
        assert!(continued_regions(&spec(), &plan_private(&other), Some(&rs)).is_empty());
        let mut other = spec();
        other.regions[0].target = Target::Records(vec!["198.51.100.1".into()]);
        assert!(continued_regions(&spec(), &plan_private(&other), Some(&rs)).is_empty());
        let mut other = spec();
        other.zone_id = "Z2".into();
        assert!(continued_regions(&spec(), &plan_private(&other), Some(&rs)).is_empty());
    }
}
