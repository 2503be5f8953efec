//! Who owns a `record_name`'s slot sets. Every deployment names its slots
//! `"{record_name}-blue"` / `"{record_name}-green"` (`traffic::slot_record`), so two deployments
//! naming one record would write, shift and delete the same two sets. A deployment therefore
//! never takes over slot sets that exist in Route 53 while another deployment's journal holds
//! that record name (in the same zone): the refusal names the other deployment, and nothing is
//! written. Slot sets no journal claims (left behind, or this deployment's own) may be taken
//! over, and so may a record name whose former owner's slots are gone (it was destroyed).

use globaldeploy_adapters::aws::normalize_name;
use globaldeploy_adapters::aws::records::strip_zone_prefix;
use globaldeploy_engine::ports::JournalStore;
use globaldeploy_engine::journal::replay;
use globaldeploy_engine::model::{DeploymentSpec, RegionSpec, Slot};
use globaldeploy_adapters::traffic::{slot_of, slot_set_identifier};

use globaldeploy_sdk::cty::Value;

use super::values::spec_of;
use crate::ProviderClient;

/// A region whose record name's slot sets another deployment owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Claimed {
    /// The region of the deployment being planned or applied.
    pub region: String,
    /// Its record name.
    pub record_name: String,
    /// The deployment whose journal holds the record name.
    pub owner: String,
}

impl Claimed {
    /// The error message: what is refused, who owns the sets, what to do.
    pub fn message(&self, journal: &str) -> String {
        format!(
            "Region {region:?} uses record_name {name:?}, whose blue/green record sets ({blue:?}, {green:?}) belong to \
             deployment {owner:?} (its rollout journal in {journal} declares that record name, and the sets exist). \
             Two deployments on one record name would overwrite each other's serving slot, so this deployment does \
             not take them over. Give the region a record_name of its own, or remove the region from deployment \
             {owner:?} first.",
            region = self.region,
            name = self.record_name,
            blue = slot_set_identifier(&self.record_name, Slot::Blue),
            green = slot_set_identifier(&self.record_name, Slot::Green),
            owner = self.owner,
        )
    }
}

/// The regions of `spec` among `regions` whose slot sets exist in Route 53 while another
/// deployment's journal declares their record name in the same zone. Errors (the journal
/// directory or the zone cannot be listed) are messages: nothing may be written then.
pub(super) async fn claimed_by_others(
    client: &ProviderClient,
    spec: &DeploymentSpec,
    regions: &[&RegionSpec],
) -> Result<Vec<Claimed>, String> {
    if regions.is_empty() {
        return Ok(Vec::new());
    }
    let others = client.journal.deployments().await.map_err(|err| {
        format!(
            "Cannot tell whether another deployment owns these record names: listing the journal failed: {err}"
        )
    })?;
    let zone = strip_zone_prefix(&spec.zone_id);
    let mut claims: Vec<(String, String)> = Vec::new(); // (normalised record name, owner)
    for other in others.iter().filter(|name| **name != spec.name) {
        let entries = match client.journal.load(other).await {
            Ok(entries) => entries,
            Err(err) => {
                tracing::warn!(deployment = %other, error = %err, "cannot read another deployment's journal; skipping it");
                continue;
            }
        };
        let Ok(Some(state)) = replay(&entries) else {
            continue;
        };
        if strip_zone_prefix(&state.spec.zone_id) != zone {
            continue;
        }
        claims.extend(
            state
                .spec
                .regions
                .iter()
                .map(|r| (normalize_name(&r.record_name), other.clone())),
        );
    }
    let wanted: Vec<(&RegionSpec, &str)> = regions
        .iter()
        .filter_map(|region| {
            let name = normalize_name(&region.record_name);
            claims
                .iter()
                .find(|(claimed, _)| *claimed == name)
                .map(|(_, owner)| (*region, owner.as_str()))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    client.route53.invalidate_zone(&spec.zone_id);
    let listing = client
        .route53
        .record_sets(&spec.zone_id)
        .await
        .map_err(|err| format!("Listing zone {} failed: {err}", spec.zone_id))?;
    Ok(wanted
        .into_iter()
        .filter(|(region, _)| {
            let name = normalize_name(&region.record_name);
            listing.iter().any(|set| {
                set.name == name
                    && set
                        .set_identifier
                        .as_deref()
                        .is_some_and(|id| slot_of(&region.record_name, id).is_some())
            })
        })
        .map(|(region, owner)| Claimed {
            region: region.name.clone(),
            record_name: region.record_name.clone(),
            owner: owner.to_owned(),
        })
        .collect())
}

/// [`claimed_by_others`] as one error message naming every claimed region (`Ok` when none is).
pub(super) async fn refuse_claimed(
    client: &ProviderClient,
    spec: &DeploymentSpec,
    regions: &[&RegionSpec],
) -> Result<(), String> {
    let claimed = claimed_by_others(client, spec, regions).await?;
    if claimed.is_empty() {
        return Ok(());
    }
    let journal = client.journal_location.url();
    Err(claimed
        .iter()
        .map(|c| c.message(&journal))
        .collect::<Vec<_>>()
        .join("\n\n"))
}

/// The regions of `spec` whose record name the deployment's `prior` state does not have yet:
/// the ones a plan or apply would start writing slots for (all of them on create).
pub(super) fn newly_named<'s>(spec: &'s DeploymentSpec, prior: &Value) -> Vec<&'s RegionSpec> {
    let before: Vec<String> = match spec_of(prior) {
        Some(Ok(before)) => before.regions.iter().map(|r| normalize_name(&r.record_name)).collect(),
        _ => Vec::new(),
    };
    spec.regions
        .iter()
        .filter(|r| !before.contains(&normalize_name(&r.record_name)))
        .collect()
}
