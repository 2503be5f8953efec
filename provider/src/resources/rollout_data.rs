//! Data source `globaldeploy_rollout` (docs/data-sources/rollout.md): the status of a deployment's last rollout, read
//! from the rollout journal (the same facts `globaldeploy status` shows).

use std::collections::BTreeMap;

use async_trait::async_trait;
use globaldeploy_engine::ports::JournalStore;
use globaldeploy_engine::journal::replay;
use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::model::Model;
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{Attribute, Block, Context, DataSource, Diagnostics, Schema};

use crate::ProviderClient;

globaldeploy_sdk::model! {
    /// What a read finds in the journal (the configuration names the deployment).
    struct RolloutRead {
        /// The rollout's id.
        id: String,
        /// `running` or how it ended.
        status: String,
        /// The version being rolled out.
        target_version: String,
        /// The version every region serves, if they agree.
        serving_version: Option<String>,
        /// When it started.
        started_at: String,
        /// Each region's status.
        region_status: BTreeMap<String, String>,
        /// Each published region's serving slot.
        active_slot: BTreeMap<String, String>,
        /// Why it failed, if it did.
        failure: Option<String>,
    }
}

/// The `globaldeploy_rollout` data source.
#[derive(Clone, Copy, Debug, Default)]
pub struct RolloutData;

#[async_trait]
impl DataSource<ProviderClient> for RolloutData {
    fn type_name(&self) -> &'static str {
        "globaldeploy_rollout"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "The status of a deployment's last rollout, from the provider's rollout journal: whether it is running, \
             succeeded, was rolled back or halted, each region's status and serving slot, and the failed gate if any. \
             Fails when the journal has no rollout of the deployment.",
        )
        .attribute(
            Attribute::required("deployment", Type::String)
                .description("Name of the deployment (`globaldeploy_deployment.<x>.name`).")
                .validate(validators::not_empty()),
        )
        .attribute(Attribute::computed("id", Type::String).description("The rollout's identifier (`VERSION@MILLIS`)."))
        .attribute(
            Attribute::computed("status", Type::String)
                .description("`running` (unfinished), `succeeded`, `rolled_back` or `halted`."),
        )
        .attribute(
            Attribute::computed("target_version", Type::String).description("The version the rollout rolls out."),
        )
        .attribute(
            Attribute::computed("serving_version", Type::String)
                .description("The version every region serves; null while regions serve different versions."),
        )
        .attribute(
            Attribute::computed("started_at", Type::String)
                .description("When the rollout started, as milliseconds since the Unix epoch (a string)."),
        )
        .attribute(
            Attribute::computed("region_status", Type::map(Type::String))
                .description("Each region's status, e.g. `promoted`, `shifting (25 %)`, `rolled_back`."),
        )
        .attribute(
            Attribute::computed("active_slot", Type::map(Type::String))
                .description("Each region's serving slot (`blue` or `green`)."),
        )
        .attribute(
            Attribute::computed("failure", Type::String)
                .description("The failed gate, naming wave, region, step and measured values; null when none failed."),
        );
        Schema::new(block)
    }

    async fn read(&self, ctx: &Context<ProviderClient>, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(client) = ctx.client_or_report(diags) else {
            return Value::Null;
        };
        let deployment = config
            .get("deployment")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let entries = match client.journal.load(&deployment).await {
            Ok(entries) => entries,
            Err(err) => {
                diags.error(
                    format!("Cannot read the rollout journal of {deployment:?}"),
                    err.to_string(),
                );
                return Value::Null;
            }
        };
        let state = match replay(&entries) {
            Ok(Some(state)) => state,
            Ok(None) => {
                let (path, exists) = client.journal.whereabouts(&deployment);
                let found = if exists {
                    "holds no rollout of it"
                } else {
                    "does not exist (a relative `journal` is read from the directory Terraform runs in)"
                };
                diags.error(
                    format!("No rollout of {deployment:?}"),
                    format!("The journal of deployment {deployment:?}, {path}, {found}."),
                );
                return Value::Null;
            }
            Err(err) => {
                diags.error(
                    format!("The journal of {deployment:?} does not replay"),
                    err.to_string(),
                );
                return Value::Null;
            }
        };
        let regions = state.region_outcomes();
        let read = RolloutRead {
            id: state.rollout_id.clone(),
            status: state.status.map_or("running", |s| s.as_str()).to_owned(),
            target_version: state.spec.version.clone(),
            serving_version: state.serving_version(),
            started_at: state.started_at.to_string(),
            region_status: regions.iter().map(|(r, o)| (r.clone(), o.status.to_string())).collect(),
            active_slot: regions
                .iter()
                .filter_map(|(r, o)| Some((r.clone(), o.active_slot?.as_str().to_owned())))
                .collect(),
            failure: state.failure.as_ref().map(ToString::to_string),
        };
        let mut out = config.clone();
        if let Err(err) = read.write_into(&mut out) {
            diags.push(err.diagnostic());
            return Value::Null;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use globaldeploy_sdk::framework::model::undeclared;

    use super::*;

    #[test]
    fn the_model_fits_the_schema() {
        assert_eq!(undeclared::<RolloutRead>(&RolloutData.schema().block), Vec::<&str>::new());
    }
}
