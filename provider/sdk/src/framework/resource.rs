//! The traits a provider implements: the provider itself, its resources and data sources.
//!
//! Everything protocol-shaped (msgpack, RPC messages, panics, logging) stays in the server; a
//! resource sees decoded values, a context with the configured client, and diagnostics. Adding
//! a resource means implementing [`Resource`] in one file and listing it in the provider.

use std::sync::Arc;

use async_trait::async_trait;
use globaldeploy_cty::Value;
use tokio_util::sync::CancellationToken;

use super::diagnostics::{Diagnostic, Diagnostics};
use super::plan::Plan;
use super::schema::Schema;

/// What every operation gets: the configured client and the cancellation signal.
pub struct Context<C> {
    client: Option<Arc<C>>,
    /// Cancelled when Terraform asks the provider to stop (Ctrl-C): long operations should
    /// finish their current step safely and return.
    pub cancel: CancellationToken,
}

impl<C> Context<C> {
    /// A context around an optional configured client.
    pub fn new(client: Option<Arc<C>>, cancel: CancellationToken) -> Self {
        Self { client, cancel }
    }

    /// The configured client; when Configure has not run, reports why to `diags` and returns
    /// `None`, so operations can write `let Some(client) = ctx.client_or_report(diags) else { ... }`.
    pub fn client_or_report(&self, diags: &mut Diagnostics) -> Option<&C> {
        self.client().map_err(|diagnostic| diags.push(diagnostic)).ok()
    }

    /// The configured client, or an error diagnostic if Configure has not run.
    pub fn client(&self) -> Result<&C, Diagnostic> {
        self.client.as_deref().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "This operation needs the provider configuration, but Terraform has not configured the provider yet. This is a bug in the provider or Terraform.",
            )
        })
    }
}

/// A provider: configuration schema, configuration, and the resources it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `configure` produces and every resource operation receives (API clients...).
    type Client: Send + Sync + 'static;

    /// The `provider` block's schema.
    fn schema(&self) -> Schema;

    /// Checks across provider attributes beyond per-attribute validators.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Builds the client from the provider block. Must not call remote APIs: credentials are
    /// resolved lazily, on the first operation that needs them.
    async fn configure(&self, config: &Value, terraform_version: &str, diags: &mut Diagnostics)
        -> Option<Self::Client>;

    /// Every managed resource type.
    fn resources(&self) -> Vec<Box<dyn Resource<Self::Client>>>;

    /// Every data source type.
    fn data_sources(&self) -> Vec<Box<dyn DataSource<Self::Client>>> {
        Vec::new()
    }
}

/// The values a plan is made from, and the plan a resource may adjust.
pub struct PlanRequest<'a> {
    /// Prior state; null on create.
    pub prior: &'a Value,
    /// The configuration.
    pub config: &'a Value,
    /// The framework's plan (defaults, computed values, replacements) to adjust.
    pub plan: &'a mut Plan,
    /// Private data planned with the change (starts as the prior state's). Terraform hands it
    /// to the change's apply, and to the destroy half of a replacement (a tainted object,
    /// `-replace`) as well: there it is what was planned for the object replacing it, which is
    /// how a delete can tell a replacement from a destroy. It is not kept in state.
    pub private: &'a mut Vec<u8>,
}

/// A managed resource type.
#[async_trait]
pub trait Resource<C: Send + Sync>: Send + Sync {
    /// The full type name, e.g. `globaldeploy_wave`.
    fn type_name(&self) -> &'static str;

    /// The schema; its version drives state upgrades.
    fn schema(&self) -> Schema;

    /// Checks across attributes beyond per-attribute validators. Skip unknown values.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Adjusts the framework's plan (values known at plan time, extra replacements). Not
    /// called for destroy plans.
    async fn modify_plan(&self, _ctx: &Context<C>, _request: PlanRequest<'_>, _diags: &mut Diagnostics) {}

    /// Creates the object; returns the new state (wholly known). With an error diagnostic, a
    /// non-null returned state is saved as a tainted partial create.
    async fn create(&self, ctx: &Context<C>, planned: &Value, diags: &mut Diagnostics) -> Value;

    /// Reads the object; `None` when it no longer exists (Terraform drops it from state).
    async fn read(&self, ctx: &Context<C>, state: &Value, diags: &mut Diagnostics) -> Option<Value>;

    /// Updates the object in place; returns the new state. With an error diagnostic, the
    /// returned state is saved as is, so it should tell the truth about what was done.
    async fn update(&self, ctx: &Context<C>, prior: &Value, planned: &Value, diags: &mut Diagnostics) -> Value;

    /// Deletes the object.
    async fn delete(&self, ctx: &Context<C>, prior: &Value, diags: &mut Diagnostics);

    /// Deletes the object, given the private data planned with the change: for the destroy
    /// half of a replacement, what [`Resource::modify_plan`] planned for the object replacing it
    /// (see [`PlanRequest::private`]); empty for a destroy. Defaults to [`Resource::delete`].
    async fn delete_planned(&self, ctx: &Context<C>, prior: &Value, _planned_private: &[u8], diags: &mut Diagnostics) {
        self.delete(ctx, prior, diags).await;
    }

    /// Builds the state for `terraform import ID`; Terraform reads it right after.
    async fn import(&self, _ctx: &Context<C>, _id: &str, diags: &mut Diagnostics) -> Option<Value> {
        diags.error(
            "Import not supported",
            format!("{} does not support import.", self.type_name()),
        );
        None
    }

    /// Converts a state stored at schema version `from_version` (older than the current one)
    /// to the current version's JSON shape.
    fn upgrade_state(
        &self,
        from_version: i64,
        _state: serde_json::Value,
        diags: &mut Diagnostics,
    ) -> Option<serde_json::Value> {
        diags.push(unsupported_state_version(self.type_name(), from_version));
        None
    }
}

/// [`Resource::upgrade_state`] of a resource whose only change since schema version 0 is a
/// nested block that went from a list to a set of the same objects (a keyed set): a list and a
/// set have the same JSON, so a version-0 state is taken as it is; other versions are refused.
pub fn upgrade_list_nesting_to_set(
    type_name: &str,
    from_version: i64,
    state: serde_json::Value,
    diags: &mut Diagnostics,
) -> Option<serde_json::Value> {
    if from_version == 0 {
        return Some(state);
    }
    diags.push(unsupported_state_version(type_name, from_version));
    None
}

/// The error for a stored state at a schema version `type_name` cannot upgrade from.
pub fn unsupported_state_version(type_name: &str, from_version: i64) -> Diagnostic {
    Diagnostic::error(
        "Unsupported state version",
        format!(
            "{type_name} cannot upgrade state stored at schema version {from_version}; it was written by a newer or unknown provider version."
        ),
    )
}

/// A data source type.
#[async_trait]
pub trait DataSource<C>: Send + Sync {
    /// The full type name.
    fn type_name(&self) -> &'static str;

    /// The schema.
    fn schema(&self) -> Schema;

    /// Checks across attributes beyond per-attribute validators. Skip unknown values.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Reads the data; returns the full state.
    async fn read(&self, ctx: &Context<C>, config: &Value, diags: &mut Diagnostics) -> Value;
}
