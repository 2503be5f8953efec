//! `globaldeploy_wave` (docs/resources/wave.md): a stage of a rollout — which regions move together, how many
//! at once, how long they bake, whether a human approves, and the gates every region of the
//! wave must pass.
//!
//! A wave has no remote object: it exists only in Terraform state, so deployments can take the
//! waves themselves (`waves = [globaldeploy_wave.canary, ...]`) and plan with their planned
//! values. Its id is its name, which is why a new name replaces it.

use std::time::Duration;

use async_trait::async_trait;
use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::model::ModelError;
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{Attribute, Block, Context, Diagnostics, Resource, Schema};

use super::aws_region::region_name;
use super::gate::{gate_block, validate_gates};
use crate::terraform_json::{DEFAULT_BAKE_TIME, DEFAULT_MAX_PARALLEL};
use crate::ProviderClient;

/// The `globaldeploy_wave` resource type.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wave;

#[async_trait]
impl Resource<ProviderClient> for Wave {
    fn type_name(&self) -> &'static str {
        "globaldeploy_wave"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "A stage of a rollout: the regions that move together, how many at a time, how long each bakes at 100 % \
             and the health gates every region of the wave must pass. Waves live only in Terraform state; pass them to \
             `globaldeploy_deployment.waves` in order.",
        )
        .attribute(
            Attribute::computed("id", Type::String)
                .description("The wave's identifier (its name).")
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::required("name", Type::String)
                .description("Name of the wave, shown in plans, logs and the journal. Changing it replaces the wave.")
                .force_new()
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::required("regions", Type::list(Type::String))
                .description("AWS regions rolled out in this wave, in order, e.g. `[\"us-west-2\"]`.")
                .validate(validators::length_between(1, 100))
                .validate(validators::each(region_name()))
                .validate(validators::unique()),
        )
        .attribute(
            Attribute::with_default("max_parallel", Type::Number, Value::int(i64::from(DEFAULT_MAX_PARALLEL)))
                .description(format!(
                    "How many regions of this wave shift traffic at the same time. Default: `{DEFAULT_MAX_PARALLEL}`."
                ))
                .validate(validators::int_at_least(1)),
        )
        .attribute(
            Attribute::with_default("bake_time", Type::String, DEFAULT_BAKE_TIME)
                .description(format!(
                    "How long a region is observed at 100 % before it is promoted, e.g. `\"10m\"`. Default: `{DEFAULT_BAKE_TIME:?}`.",
                ))
                .validate(validators::duration_at_least(Duration::ZERO)),
        )
        .attribute(
            Attribute::with_default("require_approval", Type::Bool, false)
                .description("Wait for `globaldeploy approve` before the wave starts. Default: `false`."),
        )
        .block(gate_block());
        Schema::new(block)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_gates(config, diags);
    }

    async fn create(&self, _ctx: &Context<ProviderClient>, planned: &Value, diags: &mut Diagnostics) -> Value {
        let mut state = planned.clone();
        let name = planned.get("name").cloned().unwrap_or(Value::Null);
        if let Err(err) = state.set("id", name) {
            diags.push(ModelError::from(err).diagnostic());
        }
        state
    }

    async fn read(&self, _ctx: &Context<ProviderClient>, state: &Value, _diags: &mut Diagnostics) -> Option<Value> {
        Some(state.clone())
    }

    async fn update(
        &self,
        _ctx: &Context<ProviderClient>,
        _prior: &Value,
        planned: &Value,
        _diags: &mut Diagnostics,
    ) -> Value {
        planned.clone()
    }

    async fn delete(&self, _ctx: &Context<ProviderClient>, _prior: &Value, _diags: &mut Diagnostics) {}

    async fn import(&self, _ctx: &Context<ProviderClient>, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        diags.error(
            "globaldeploy_wave cannot be imported",
            format!(
                "A wave has no remote object to import: it exists only in Terraform state. Instead of importing {id:?}, \
                 declare the wave in configuration (resource \"globaldeploy_wave\" ...) and run terraform apply; creating \
                 it changes nothing outside Terraform."
            ),
        );
        None
    }
}
