//! The tfplugin5 `Provider` gRPC service, implemented over the framework traits.
//!
//! Every RPC decodes its values with the schema's cty type, calls the provider or resource,
//! and encodes the result; expected failures travel as diagnostics, and a panic in a handler
//! becomes one (see [`guard`]). The schema response is built once: Terraform asks for it at
//! every provider start.

mod convert;
mod guard;
mod upgrade;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use globaldeploy_cty::{Type, Value};
use globaldeploy_tfplugin5::tfplugin5 as pb;
use pb::provider_server::Provider as ProviderRpc;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::framework::diagnostics::{Diagnostic, Diagnostics};
use crate::framework::path::AttributePath;
use crate::framework::plan::plan;
use crate::framework::resource::{Context, DataSource, PlanRequest, Provider, Resource};
use crate::framework::schema::Schema;
use crate::framework::validate::validate_block;

use self::guard::catch_panic;

/// A resource or data source with its schema and decoding type, computed once.
struct Registered<T: ?Sized> {
    handler: Box<T>,
    schema: Schema,
    ty: Type,
}

impl<T: ?Sized> Registered<T> {
    fn new(handler: Box<T>, schema: Schema) -> Self {
        let ty = schema.block.cty_type();
        Self { handler, schema, ty }
    }
}

/// The gRPC service wrapping a [`Provider`].
pub struct ProviderService<P: Provider> {
    provider: P,
    provider_schema: Schema,
    provider_type: Type,
    resources: HashMap<&'static str, Registered<dyn Resource<P::Client>>>,
    data_sources: HashMap<&'static str, Registered<dyn DataSource<P::Client>>>,
    schema_response: pb::get_provider_schema::Response,
    client: RwLock<Option<Arc<P::Client>>>,
    cancel: CancellationToken,
}

impl<P: Provider> ProviderService<P> {
    /// Registers `provider`'s resources and data sources and prepares the schema response.
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let resources: HashMap<_, _> = provider
            .resources()
            .into_iter()
            .map(|r| {
                let schema = r.schema();
                (r.type_name(), Registered::new(r, schema))
            })
            .collect();
        let data_sources: HashMap<_, _> = provider
            .data_sources()
            .into_iter()
            .map(|d| {
                let schema = d.schema();
                (d.type_name(), Registered::new(d, schema))
            })
            .collect();
        let schema_response = pb::get_provider_schema::Response {
            provider: Some(convert::schema(&provider_schema)),
            resource_schemas: resources
                .iter()
                .map(|(name, r)| (name.to_string(), convert::schema(&r.schema)))
                .collect(),
            data_source_schemas: data_sources
                .iter()
                .map(|(name, d)| (name.to_string(), convert::schema(&d.schema)))
                .collect(),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        };
        Self {
            provider_type: provider_schema.block.cty_type(),
            provider,
            provider_schema,
            resources,
            data_sources,
            schema_response,
            client: RwLock::new(None),
            cancel: CancellationToken::new(),
        }
    }

    /// The cancellation token that the Stop RPC fires.
    pub fn cancellation(&self) -> CancellationToken {
        self.cancel.clone()
    }

    fn context(&self) -> Context<P::Client> {
        let client = self
            .client
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        Context::new(client, self.cancel.clone())
    }

    fn resource(&self, type_name: &str) -> Result<&Registered<dyn Resource<P::Client>>, Diagnostic> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    fn data_source(&self, type_name: &str) -> Result<&Registered<dyn DataSource<P::Client>>, Diagnostic> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

fn unknown_type(kind: &str, type_name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type named {type_name:?}."),
    )
}

/// Collects the diagnostics of a fallible step into `diags`, yielding its value on success.
macro_rules! attempt {
    ($diags:ident, $result:expr) => {
        match $result {
            Ok(value) => value,
            Err(diagnostic) => {
                $diags.push(diagnostic);
                return Default::default();
            }
        }
    };
}

impl<P: Provider> ProviderService<P> {
    fn validate_provider(&self, config: Option<&pb::DynamicValue>, diags: &mut Diagnostics) {
        let config = attempt!(diags, convert::decode(config, &self.provider_type));
        validate_block(&self.provider_schema.block, &config, &AttributePath::root(), diags);
        self.provider.validate(&config, diags);
    }

    fn validate_resource(&self, type_name: &str, config: Option<&pb::DynamicValue>, diags: &mut Diagnostics) {
        let entry = attempt!(diags, self.resource(type_name));
        let config = attempt!(diags, convert::decode(config, &entry.ty));
        validate_block(&entry.schema.block, &config, &AttributePath::root(), diags);
        entry.handler.validate(&config, diags);
    }

    fn validate_data_source(&self, type_name: &str, config: Option<&pb::DynamicValue>, diags: &mut Diagnostics) {
        let entry = attempt!(diags, self.data_source(type_name));
        let config = attempt!(diags, convert::decode(config, &entry.ty));
        validate_block(&entry.schema.block, &config, &AttributePath::root(), diags);
        entry.handler.validate(&config, diags);
    }

    async fn configure_provider(&self, request: &pb::configure::Request, diags: &mut Diagnostics) {
        let config = attempt!(diags, convert::decode(request.config.as_ref(), &self.provider_type));
        if let Some(client) = self
            .provider
            .configure(&config, &request.terraform_version, diags)
            .await
        {
            *self.client.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(client));
        }
    }

    fn upgrade_state(
        &self,
        request: &pb::upgrade_resource_state::Request,
        diags: &mut Diagnostics,
    ) -> Option<pb::DynamicValue> {
        let entry = attempt!(diags, self.resource(&request.type_name));
        let raw = request
            .raw_state
            .as_ref()
            .map(|r| r.json.as_slice())
            .unwrap_or_default();
        if raw.is_empty() {
            let flatmap = request.raw_state.as_ref().is_some_and(|r| !r.flatmap.is_empty());
            if flatmap {
                diags.error(
                    "Unsupported state format",
                    "This state was written in the legacy flatmap format, which this provider never produced.",
                );
            }
            return Some(attempt!(diags, convert::encode(&Value::Null, &entry.ty)));
        }
        let mut state: serde_json::Value = attempt!(
            diags,
            serde_json::from_slice(raw).map_err(|e| Diagnostic::error(
                "Invalid stored state",
                format!("The stored state is not valid JSON: {e}")
            ))
        );
        let current = entry.schema.version;
        if request.version > current {
            diags.error(
                "State from a newer provider",
                format!(
                    "The state of this {} was written at schema version {}, but this provider only knows up to version {current}. Upgrade the provider.",
                    request.type_name, request.version
                ),
            );
            return None;
        }
        if request.version < current {
            state = entry.handler.upgrade_state(request.version, state, diags)?;
        }
        let value = attempt!(diags, upgrade::decode_state(&entry.schema.block, state));
        Some(attempt!(diags, convert::encode(&value, &entry.ty)))
    }

    async fn read(&self, request: &pb::read_resource::Request, diags: &mut Diagnostics) -> Option<pb::DynamicValue> {
        let entry = attempt!(diags, self.resource(&request.type_name));
        let state = attempt!(diags, convert::decode(request.current_state.as_ref(), &entry.ty));
        if state.is_null() {
            return request.current_state.clone();
        }
        let new_state = entry
            .handler
            .read(&self.context(), &state, diags)
            .await
            .unwrap_or(Value::Null);
        Some(attempt!(diags, convert::encode(&new_state, &entry.ty)))
    }

    async fn plan_change(
        &self,
        request: &pb::plan_resource_change::Request,
        diags: &mut Diagnostics,
    ) -> pb::plan_resource_change::Response {
        let entry = attempt!(diags, self.resource(&request.type_name));
        let prior = attempt!(diags, convert::decode(request.prior_state.as_ref(), &entry.ty));
        let proposed = attempt!(diags, convert::decode(request.proposed_new_state.as_ref(), &entry.ty));
        let config = attempt!(diags, convert::decode(request.config.as_ref(), &entry.ty));
        let mut planned = plan(&entry.schema.block, &prior, &proposed, &config);
        let mut private = request.prior_private.clone();
        if !proposed.is_null() {
            let request = PlanRequest {
                prior: &prior,
                config: &config,
                plan: &mut planned,
                private: &mut private,
            };
            entry.handler.modify_plan(&self.context(), request, diags).await;
        }
        pb::plan_resource_change::Response {
            planned_state: Some(attempt!(diags, convert::encode(&planned.planned, &entry.ty))),
            requires_replace: planned.requires_replace.iter().map(convert::attribute_path).collect(),
            planned_private: private,
            ..Default::default()
        }
    }

    async fn apply_change(
        &self,
        request: &pb::apply_resource_change::Request,
        diags: &mut Diagnostics,
    ) -> Option<pb::DynamicValue> {
        let entry = attempt!(diags, self.resource(&request.type_name));
        let prior = attempt!(diags, convert::decode(request.prior_state.as_ref(), &entry.ty));
        let planned = attempt!(diags, convert::decode(request.planned_state.as_ref(), &entry.ty));
        let ctx = self.context();
        let new_state = if planned.is_null() {
            entry
                .handler
                .delete_planned(&ctx, &prior, &request.planned_private, diags)
                .await;
            Value::Null
        } else if prior.is_null() {
            entry.handler.create(&ctx, &planned, diags).await
        } else {
            entry.handler.update(&ctx, &prior, &planned, diags).await
        };
        if !diags.has_errors() && !new_state.is_wholly_known() {
            diags.error(
                "Provider left values unknown after apply",
                format!(
                    "{} returned a state with unknown values. This is a bug in the provider.",
                    request.type_name
                ),
            );
        }
        Some(attempt!(diags, convert::encode(&new_state, &entry.ty)))
    }

    async fn import(
        &self,
        request: &pb::import_resource_state::Request,
        diags: &mut Diagnostics,
    ) -> Vec<pb::import_resource_state::ImportedResource> {
        let entry = attempt!(diags, self.resource(&request.type_name));
        let Some(state) = entry.handler.import(&self.context(), &request.id, diags).await else {
            return Vec::new();
        };
        let state = attempt!(diags, convert::encode(&state, &entry.ty));
        vec![pb::import_resource_state::ImportedResource {
            type_name: request.type_name.clone(),
            state: Some(state),
            private: Vec::new(),
            ..Default::default()
        }]
    }

    async fn read_data(
        &self,
        request: &pb::read_data_source::Request,
        diags: &mut Diagnostics,
    ) -> Option<pb::DynamicValue> {
        let entry = attempt!(diags, self.data_source(&request.type_name));
        let config = attempt!(diags, convert::decode(request.config.as_ref(), &entry.ty));
        let state = entry.handler.read(&self.context(), &config, diags).await;
        Some(attempt!(diags, convert::encode(&state, &entry.ty)))
    }
}

/// Runs one RPC body with a fresh diagnostics list, converting a panic into a diagnostic.
async fn handle<T: Default>(
    rpc: &'static str,
    body: impl std::future::Future<Output = (T, Diagnostics)>,
) -> (T, Vec<pb::Diagnostic>) {
    tracing::debug!(rpc, "request");
    match catch_panic(rpc, body).await {
        Ok((value, diags)) => (value, convert::diagnostics(diags)),
        Err(diagnostic) => (T::default(), convert::diagnostics(diagnostic.into())),
    }
}

/// Runs `f` with a fresh diagnostics list and returns both.
async fn with_diags<T, F>(f: F) -> (T, Diagnostics)
where
    F: AsyncFnOnce(&mut Diagnostics) -> T,
{
    let mut diags = Diagnostics::new();
    let value = f(&mut diags).await;
    (value, diags)
}

#[tonic::async_trait]
impl<P: Provider> ProviderRpc for ProviderService<P> {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: self
                .resources
                .keys()
                .map(|name| pb::get_metadata::ResourceMetadata {
                    type_name: name.to_string(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|name| pb::get_metadata::DataSourceMetadata {
                    type_name: name.to_string(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(self.schema_response.clone()))
    }

    async fn prepare_provider_config(
        &self,
        request: Request<pb::prepare_provider_config::Request>,
    ) -> Result<Response<pb::prepare_provider_config::Response>, Status> {
        let request = request.into_inner();
        let ((), diagnostics) = handle(
            "PrepareProviderConfig",
            with_diags(async |d: &mut Diagnostics| self.validate_provider(request.config.as_ref(), d)),
        )
        .await;
        Ok(Response::new(pb::prepare_provider_config::Response {
            prepared_config: request.config,
            diagnostics,
        }))
    }

    async fn validate_resource_type_config(
        &self,
        request: Request<pb::validate_resource_type_config::Request>,
    ) -> Result<Response<pb::validate_resource_type_config::Response>, Status> {
        let request = request.into_inner();
        let ((), diagnostics) = handle(
            "ValidateResourceTypeConfig",
            with_diags(async |d: &mut Diagnostics| {
                self.validate_resource(&request.type_name, request.config.as_ref(), d)
            }),
        )
        .await;
        Ok(Response::new(pb::validate_resource_type_config::Response {
            diagnostics,
        }))
    }

    async fn validate_data_source_config(
        &self,
        request: Request<pb::validate_data_source_config::Request>,
    ) -> Result<Response<pb::validate_data_source_config::Response>, Status> {
        let request = request.into_inner();
        let ((), diagnostics) = handle(
            "ValidateDataSourceConfig",
            with_diags(async |d: &mut Diagnostics| {
                self.validate_data_source(&request.type_name, request.config.as_ref(), d)
            }),
        )
        .await;
        Ok(Response::new(pb::validate_data_source_config::Response { diagnostics }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        let (upgraded_state, diagnostics) = handle(
            "UpgradeResourceState",
            with_diags(async |d: &mut Diagnostics| self.upgrade_state(&request, d)),
        )
        .await;
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics,
        }))
    }

    async fn configure(
        &self,
        request: Request<pb::configure::Request>,
    ) -> Result<Response<pb::configure::Response>, Status> {
        let request = request.into_inner();
        let ((), diagnostics) = handle(
            "Configure",
            with_diags(async |d: &mut Diagnostics| self.configure_provider(&request, d).await),
        )
        .await;
        Ok(Response::new(pb::configure::Response { diagnostics }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let request = request.into_inner();
        let (new_state, diagnostics) = handle(
            "ReadResource",
            with_diags(async |d: &mut Diagnostics| self.read(&request, d).await),
        )
        .await;
        Ok(Response::new(pb::read_resource::Response {
            new_state,
            diagnostics,
            private: request.private,
            ..Default::default()
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        let (mut response, diagnostics) = handle(
            "PlanResourceChange",
            with_diags(async |d: &mut Diagnostics| self.plan_change(&request, d).await),
        )
        .await;
        response.diagnostics = diagnostics;
        Ok(Response::new(response))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        let (new_state, diagnostics) = handle(
            "ApplyResourceChange",
            with_diags(async |d: &mut Diagnostics| self.apply_change(&request, d).await),
        )
        .await;
        // Planned private data is a message from plan to apply, not kept in state: a destroy
        // must never read what a create once planned (see `PlanRequest::private`).
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state,
            private: Vec::new(),
            diagnostics,
            ..Default::default()
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        let (imported_resources, diagnostics) = handle(
            "ImportResourceState",
            with_diags(async |d: &mut Diagnostics| self.import(&request, d).await),
        )
        .await;
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources,
            diagnostics,
            ..Default::default()
        }))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let request = request.into_inner();
        let diagnostic = Diagnostic::error(
            "Move not supported",
            format!(
                "Resources of type {} cannot be moved to {}: this provider does not support moving state between resource types.",
                request.source_type_name, request.target_type_name
            ),
        );
        Ok(Response::new(pb::move_resource_state::Response {
            diagnostics: convert::diagnostics(diagnostic.into()),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let request = request.into_inner();
        let (state, diagnostics) = handle(
            "ReadDataSource",
            with_diags(async |d: &mut Diagnostics| self.read_data(&request, d).await),
        )
        .await;
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics,
            ..Default::default()
        }))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let name = request.into_inner().name;
        Ok(Response::new(pb::call_function::Response {
            error: Some(pb::FunctionError {
                text: format!("this provider has no function named {name:?}"),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }

    async fn stop(&self, _: Request<pb::stop::Request>) -> Result<Response<pb::stop::Response>, Status> {
        tracing::info!("stop requested: cancelling in-flight operations");
        self.cancel.cancel();
        Ok(Response::new(pb::stop::Response { error: String::new() }))
    }
}
