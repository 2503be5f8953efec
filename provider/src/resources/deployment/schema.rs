//! The schema of `globaldeploy_deployment`: its attributes, blocks, defaults and per-attribute
//! validators, and the types of `waves` elements and `rollout_plan` rows.

use std::time::Duration;

use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::timeouts::timeouts_block;
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{Attribute, Block, NestedBlock, Resource};

use super::validation::check_deployment_name;
use super::DEFAULT_TIMEOUT;
use crate::resources::aws_region::region_name;
use crate::resources::gate::gate_block;
use crate::resources::wave::Wave;
use crate::terraform_json::{
    DEFAULT_GLOBAL_WEIGHT, DEFAULT_ON_FAILURE, DEFAULT_STEPS, DEFAULT_STEP_INTERVAL, DEFAULT_TTL,
};

const ON_FAILURE: &[&str] = &["rollback_region", "rollback_all", "halt"];

/// The type of one element of `waves`: the wave resource's attributes without its `id` (which
/// is unknown while a wave is being created and carries nothing the rollout needs).
pub fn wave_type() -> Type {
    match Wave.schema().block.cty_type() {
        Type::Object(mut attributes) => {
            attributes.remove("id");
            Type::Object(attributes)
        }
        other => other,
    }
}

/// The type of one `rollout_plan` row.
pub fn plan_row_type() -> Type {
    Type::object([
        ("wave", Type::String),
        ("region", Type::String),
        ("step_percent", Type::Number),
        ("hold", Type::String),
        ("global_exposure_percent", Type::Number),
    ])
}

pub(super) fn schema_block() -> Block {
    let strategy = Block::new("How traffic moves within each region and what a failed gate does.")
        .attribute(
            Attribute::with_default(
                "steps",
                Type::list(Type::Number),
                Value::list(DEFAULT_STEPS.iter().map(|s| Value::int(i64::from(*s))).collect()),
            )
            .description(format!(
                "Percent of a region's traffic on the new version at each step, strictly ascending and ending at \
                 `100`. Default: `{DEFAULT_STEPS:?}`.",
            ))
            .validate(validators::length_between(1, 100))
            .validate(validators::each(validators::int_between(1, 100))),
        )
        .attribute(
            Attribute::with_default("step_interval", Type::String, DEFAULT_STEP_INTERVAL)
                .description(format!(
                    "Hold at each step while the gates are evaluated, e.g. `\"1m\"`. Default: `{DEFAULT_STEP_INTERVAL:?}`."
                ))
                .validate(validators::duration_at_least(Duration::ZERO)),
        )
        .attribute(
            Attribute::with_default("on_failure", Type::String, DEFAULT_ON_FAILURE)
                .description(format!(
                    "What a failed gate does: `rollback_region` returns that region to its old slot and stops; \
                     `rollback_all` also returns every already-promoted region; `halt` freezes weights where they \
                     are. Default: `{DEFAULT_ON_FAILURE:?}`.",
                ))
                .validate(validators::one_of(ON_FAILURE)),
        );
    let alias = Block::new("An alias target instead of literal `target` records.")
        .attribute(
            Attribute::required("name", Type::String)
                .description("DNS name the alias points at.")
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::required("zone_id", Type::String)
                .description("Hosted zone of the alias target.")
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::with_default("evaluate_target_health", Type::Bool, false)
                .description("Whether Route 53 follows the target's health. Default: `false`."),
        );
    let region = Block::new(
        "A region of the deployment and where `version` is served there. Regions are identified by `name`: the order \
         of the `region` blocks does not matter.",
    )
        .attribute(
            Attribute::required("name", Type::String)
                .description("AWS region name, e.g. `\"us-west-2\"`; must appear in exactly one wave.")
                .validate(region_name()),
        )
        .attribute(
            Attribute::required("record_name", Type::String)
                .description(
                    "The per-region DNS name whose two weighted record sets (slots `blue` and `green`) this resource \
                     owns, e.g. `\"usw2.api.example.com\"`. Each region needs its own (compared as Route 53 compares \
                     names), and a name whose slot sets another deployment's journal owns is refused.",
                )
                .validate(validators::not_empty()),
        )
        .attribute(
            Attribute::with_default("ttl", Type::Number, Value::int(DEFAULT_TTL))
                .description(format!("TTL of the region's record sets (literal targets only). Default: `{DEFAULT_TTL}`."))
                .validate(validators::int_between(0, 2_147_483_647)),
        )
        .attribute(
            Attribute::optional("target", Type::list(Type::String))
                .description(
                    "Endpoint of `version` in this region: IPv4/IPv6 addresses or one host name. Exactly one of \
                     `target` and `target_alias`. A change starts a rollout.",
                )
                .validate(validators::length_between(1, 100)),
        )
        .attribute(
            Attribute::optional("health_url", Type::String)
                .description("URL probed by `http` gates that have no `url` of their own."),
        )
        .attribute(
            Attribute::with_default("global_weight", Type::Number, Value::int(i64::from(DEFAULT_GLOBAL_WEIGHT)))
                .description(format!(
                    "This region's share of global traffic (relative to the other regions), used for \
                     `global_exposure_percent`. Default: `{DEFAULT_GLOBAL_WEIGHT}`.",
                ))
                .validate(validators::int_between(0, 1_000_000)),
        )
        .block(NestedBlock::single("target_alias", alias));
    Block::new(
        "A global deployment: one service at one version, rolled out wave by wave. Each region's `record_name` has two \
         weighted record sets (slots `blue` and `green`); a change of `version` (or of a region's target) writes the \
         new target into the idle slot and moves traffic step by step, holding `strategy.step_interval` at each step \
         while the gates are evaluated, and rolls back automatically when a gate fails. `rollout_plan` shows the \
         schedule at plan time.",
    )
    .attribute(
        Attribute::computed("id", Type::String)
            .description("The deployment's identifier (its name).")
            .use_state_for_unknown(),
    )
    .attribute(
        Attribute::required("name", Type::String)
            .description("Name of the deployment: the journal key, shown in logs and the CLI. Changing it replaces the deployment.")
            .force_new()
            .validate(validators::not_empty())
            .validate(validators::from_fn(|v| check_deployment_name(v.as_str().unwrap_or_default()))),
    )
    .attribute(
        Attribute::required("version", Type::String)
            .description(
                "The version to serve. A change starts a rollout. After a failed rollout this is the version the whole \
                 deployment still serves, so the next plan proposes the rollout again.",
            )
            .validate(validators::not_empty()),
    )
    .attribute(
        Attribute::required("zone_id", Type::String)
            .description("Route 53 hosted zone of every region's `record_name`. Changing it replaces the deployment.")
            .force_new()
            .validate(validators::not_empty()),
    )
    .attribute(
        Attribute::required("waves", Type::list(wave_type()))
            .description(
                "The waves, in rollout order: the wave resources themselves, e.g. \
                 `[globaldeploy_wave.canary, globaldeploy_wave.rest]`. Every region appears in exactly one wave.",
            )
            .validate(validators::length_between(1, 100)),
    )
    .attribute(
        Attribute::computed("active_version", Type::String)
            .description("The version every region serves; null while regions serve different versions."),
    )
    .attribute(
        Attribute::computed("status", Type::String)
            .description("Outcome of the last rollout: `succeeded`, `rolled_back`, `halted` (or `running` while one is unfinished)."),
    )
    .attribute(
        Attribute::computed("region_status", Type::map(Type::String))
            .description(
                "Each region's status after the last rollout, e.g. `promoted`, `rolled_back`, `halted (25 %)`.",
            ),
    )
    .attribute(
        Attribute::computed("region_drift", Type::map(Type::String)).description(
            "The regions whose record sets a refresh found changed outside Terraform, each with what differs \
             (e.g. `green weight 50, want 0`); empty when none. The next plan empties it: the apply restores the \
             record sets, without a rollout.",
        ),
    )
    .attribute(
        Attribute::computed("region_version", Type::map(Type::String)).description(
            "The version each region serves fully (a region mid-shift or halted has no entry). After a failed \
             rollout the regions already promoted show the new version, and re-applying moves only the others.",
        ),
    )
    .attribute(
        Attribute::computed("active_slot", Type::map(Type::String))
            .description("Each region's serving slot: `blue` or `green`."),
    )
    .attribute(
        Attribute::computed("rollout_plan", Type::list(plan_row_type())).description(
            "The schedule, known at plan time, in order: each row's hold and `global_exposure_percent`, the share of \
             global traffic on the new version while the row holds. A rollout that shifts traffic (a new version or \
             target) has one row per region per step, held `strategy.step_interval` (plus the wave's `bake_time` at \
             100 %). A publication (create, or regions added with the version unchanged) has one row per region at \
             100 %, held until the region's gates first pass (the slowest gate's `interval` × `min_samples`): it has \
             no steps and no bake. A rollout moves only the regions not yet serving the version (and target): after \
             a failed rollout the regions it promoted have no rows and count as exposed from the start, and regions \
             added with the version unchanged are the only rows. A plan without a rollout keeps the last rollout's rows unless the \
             schedule itself changes, and then shows the shift the next version will make.",
        ),
    )
    .block(NestedBlock::single("strategy", strategy))
    .block(NestedBlock::set("region", "name", region).items(1, 0))
    .block(gate_block())
    .block(timeouts_block(&["create", "update", "delete"], DEFAULT_TIMEOUT))
}
