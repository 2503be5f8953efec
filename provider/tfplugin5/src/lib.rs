//! Generated gRPC code for the wire protocols the provider speaks, and nothing
//! else.
//!
//! * [`tfplugin5`]: Terraform plugin protocol 5 (the `tfplugin5.Provider`
//!   service and its messages), restricted to the RPCs this provider serves;
//!   RPCs left out of the `.proto` are answered `UNIMPLEMENTED` by tonic,
//!   which Terraform accepts.
//! * [`plugin`]: go-plugin's control services (`plugin.GRPCController` and
//!   `plugin.GRPCStdio`).
//!
//! The `.proto` sources live in `proto/` and are compiled by `build.rs` with
//! a vendored `protoc`. Domain code (schemas, cty values, resources) lives in
//! other crates and converts to and from these types at the edge, so that
//! generated code never leaks into the provider's logic.

/// Terraform plugin protocol 5 (`package tfplugin5`).
///
/// Server side: [`tfplugin5::provider_server::Provider`] and
/// [`tfplugin5::provider_server::ProviderServer`]; client side (for tests):
/// [`tfplugin5::provider_client::ProviderClient`].
#[allow(
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    missing_docs,
    rustdoc::all,
    unreachable_pub
)]
pub mod tfplugin5 {
    tonic::include_proto!("tfplugin5");
}

/// go-plugin's control services (`package plugin`).
///
/// Servers: [`plugin::grpc_controller_server::GrpcControllerServer`] and
/// [`plugin::grpc_stdio_server::GrpcStdioServer`].
#[allow(
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    missing_docs,
    rustdoc::all,
    unreachable_pub
)]
pub mod plugin {
    tonic::include_proto!("plugin");
}

#[cfg(test)]
mod tests;
