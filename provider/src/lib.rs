//! The globaldeploy Terraform provider: its configuration and its resources.
//!
//! The provider block (docs/index.md) is parsed into [`config::ProviderConfig`]; resources live
//! one per file under [`resources`], each registered there by one line.
#![deny(clippy::print_stdout)]

pub mod config;
pub mod resources;
pub mod terraform_json;

use async_trait::async_trait;
use globaldeploy_sdk::cty::Value;
use globaldeploy_sdk::{Diagnostics, Resource, Schema};

use std::sync::Arc;

use globaldeploy_adapters::aws::Route53;
use globaldeploy_adapters::journal::Journal;

use crate::config::{JournalLocation, ProviderConfig};

/// What every resource operation receives once the provider is configured.
pub struct ProviderClient {
    /// The shared Route 53 client (lazy: no AWS call until a resource needs one).
    pub route53: Route53,
    /// Where rollouts are journaled, as configured.
    pub journal_location: JournalLocation,
    /// The journal store there, shared by every resource of the process (the S3 store keeps
    /// what it has read).
    pub journal: Arc<Journal>,
}

/// The provider: `provider "globaldeploy" { ... }`.
#[derive(Clone, Copy, Debug, Default)]
pub struct GlobalDeploy;

#[async_trait]
impl globaldeploy_sdk::Provider for GlobalDeploy {
    type Client = ProviderClient;

    fn schema(&self) -> Schema {
        config::schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        config::validate(config, diags);
    }

    async fn configure(
        &self,
        config: &Value,
        terraform_version: &str,
        diags: &mut Diagnostics,
    ) -> Option<ProviderClient> {
        let config = ProviderConfig::from_value(config, diags)?;
        tracing::debug!(terraform_version, ?config, "configuring provider");
        Some(ProviderClient {
            journal: Arc::new(Journal::open(&config.journal, &config.aws)),
            journal_location: config.journal,
            route53: Route53::new(config.aws),
        })
    }

    fn resources(&self) -> Vec<Box<dyn Resource<ProviderClient>>> {
        resources::resources()
    }

    fn data_sources(&self) -> Vec<Box<dyn globaldeploy_sdk::DataSource<ProviderClient>>> {
        resources::data_sources()
    }
}
