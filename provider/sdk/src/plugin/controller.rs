//! go-plugin's control services: `GRPCController.Shutdown` and `GRPCStdio`.
//!
//! Terraform ends each provider process by calling Shutdown; without it Terraform waits two
//! seconds per provider instance before killing it. GRPCStdio is how go-plugin would forward
//! a plugin's stdout/stderr; this provider never writes there (logs go to stderr directly,
//! which Terraform already reads), so the stream stays open and silent.

use std::pin::Pin;

use futures::Stream;
use globaldeploy_tfplugin5::plugin as pb;
use tokio::sync::watch;
use tonic::{Request, Response, Status};

/// Signals the server to shut down when Terraform asks.
pub struct Controller {
    shutdown: watch::Sender<bool>,
}

impl Controller {
    /// A controller that flips `shutdown` to true on Shutdown.
    pub fn new(shutdown: watch::Sender<bool>) -> Self {
        Self { shutdown }
    }
}

#[tonic::async_trait]
impl pb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<pb::Empty>) -> Result<Response<pb::Empty>, Status> {
        tracing::debug!("shutdown requested by Terraform");
        let _ = self.shutdown.send(true);
        Ok(Response::new(pb::Empty {}))
    }
}

/// The silent stdio stream.
pub struct Stdio;

#[tonic::async_trait]
impl pb::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = Pin<Box<dyn Stream<Item = Result<pb::StdioData, Status>> + Send>>;

    async fn stream_stdio(&self, _: Request<()>) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(Box::pin(futures::stream::pending())))
    }
}
