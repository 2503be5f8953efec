//! A Terraform plugin-protocol-5 provider server and resource framework.
//!
//! - [`plugin`]: the process side — go-plugin handshake, AutoMTLS, listener, health and
//!   control services, hclog-style logging. A provider binary calls [`serve`] and nothing else.
//! - [`server`]: the tfplugin5 `Provider` gRPC service over the framework traits.
//! - [`framework`]: schemas, diagnostics with attribute paths, validators, planning helpers,
//!   Go-style durations and timeouts, and the [`Provider`]/[`Resource`]/[`DataSource`] traits.
//!
//! Values are [`globaldeploy_cty`] values; the generated protocol code lives in
//! `globaldeploy-tfplugin5`, apart from everything here.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod framework;
pub mod plugin;
pub mod server;

pub use framework::diagnostics::{Diagnostic, Diagnostics, Severity};
pub use framework::path::AttributePath;
pub use framework::resource::{Context, DataSource, PlanRequest, Provider, Resource};
pub use framework::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
pub use globaldeploy_cty as cty;
pub use plugin::serve;
