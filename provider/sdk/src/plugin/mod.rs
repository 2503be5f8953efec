//! Running as a Terraform plugin: handshake, listener, AutoMTLS, the gRPC services and
//! shutdown.
//!
//! [`serve`] is all a provider binary calls. It refuses to run without Terraform's cookie,
//! listens on a private unix socket (or loopback TCP), announces itself with the handshake
//! line, serves tfplugin5 plus go-plugin's health and control services with 256 MiB message
//! limits, ignores SIGINT (Terraform sends Stop instead) and exits promptly on Shutdown. It
//! serves only over AutoMTLS unless [`ALLOW_NO_MTLS`] explicitly says otherwise.

mod controller;
mod handshake;
mod listener;
mod logging;
mod tls;

use std::process::ExitCode;
use std::time::Duration;

use globaldeploy_tfplugin5::plugin::grpc_controller_server::GrpcControllerServer;
use globaldeploy_tfplugin5::plugin::grpc_stdio_server::GrpcStdioServer;
use globaldeploy_tfplugin5::tfplugin5::provider_server::ProviderServer;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

pub use self::handshake::HandshakeError;
use self::listener::PluginListener;
use self::tls::PluginTls;
use crate::framework::resource::Provider;
use crate::server::ProviderService;

/// gRPC messages may be as large as Terraform's own limit (a big state or plan).
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;
/// Set to `1`, lets the plugin serve without AutoMTLS when `PLUGIN_CLIENT_CERT` is absent
/// (debugging by hand); documented in docs/index.md.
pub const ALLOW_NO_MTLS: &str = "GLOBALDEPLOY_PLUGIN_ALLOW_NO_MTLS";
/// How long in-flight RPCs get to finish after Shutdown before the process exits anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// Serves `provider` to the Terraform process that launched this one; returns the exit code.
pub fn serve<P: Provider>(provider: P) -> ExitCode {
    if let Err(error) = handshake::check_environment() {
        // Not launched by Terraform: stderr is the only honest place for this message.
        let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{error}\n").as_bytes());
        return ExitCode::FAILURE;
    }
    logging::init();
    // One thread runs every RPC and a rollout's probes: the work is waiting on sockets, and a
    // plan starts the provider three times, so a worker pool's threads cost more than they give
    // (bench/plan_apply.py measures it). Blocking work (the file journal) goes to spawn_blocking.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(format!("could not start the async runtime: {error}")),
    };
    match runtime.block_on(run(provider)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(message),
    }
}

fn fail(message: String) -> ExitCode {
    tracing::error!("{message}");
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("terraform-provider-globaldeploy: {message}\n").as_bytes(),
    );
    ExitCode::FAILURE
}

async fn run<P: Provider>(provider: P) -> Result<(), String> {
    // Terraform interrupts its whole process group on Ctrl-C and then sends Stop; the plugin
    // must outlive the signal to finish (or cancel) its work and answer.
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| format!("could not install the SIGINT handler: {e}"))?;
    tokio::spawn(async move {
        while interrupts.recv().await.is_some() {
            tracing::debug!("ignoring SIGINT; Terraform will send Stop");
        }
    });

    let tls = match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !pem.trim().is_empty() => Some(PluginTls::new(&pem).map_err(|e| e.to_string())?),
        _ if std::env::var(ALLOW_NO_MTLS).is_ok_and(|v| v == "1") => {
            tracing::warn!("serving without TLS or client authentication ({ALLOW_NO_MTLS}=1)");
            None
        }
        _ => {
            return Err(format!(
                "PLUGIN_CLIENT_CERT is not set, so there is no client certificate to authenticate Terraform \
                 with; Terraform always sends one, and serving without it would let any local process drive \
                 this provider. Set {ALLOW_NO_MTLS}=1 to serve without authentication (debugging only)."
            ))
        }
    };
    let listener = PluginListener::bind()
        .await
        .map_err(|e| format!("could not listen for Terraform: {e}"))?;
    let line = handshake::handshake_line(&listener.address, tls.as_ref().map(|t| t.certificate.as_ref()));
    let acceptor = tls.map(|t| TlsAcceptor::from(t.config));
    let (incoming, _socket_dir) = listener.incoming(acceptor);

    let service = ProviderService::new(provider);
    let provider_server = ProviderServer::new(service)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let mut server_shutdown = shutdown_rx.clone();
    let mut process_shutdown = shutdown_rx;

    let server = tonic::transport::Server::builder()
        .add_service(provider_server)
        .add_service(health_service)
        .add_service(GrpcControllerServer::new(controller::Controller::new(shutdown_tx)))
        .add_service(GrpcStdioServer::new(controller::Stdio))
        .serve_with_incoming_shutdown(incoming, async move {
            let _ = server_shutdown.wait_for(|stop| *stop).await;
        });

    handshake::announce(&line).map_err(|e| e.to_string())?;
    tracing::info!(address = %line, "plugin serving");

    // The server drains gracefully after Shutdown, but Terraform may keep its connection
    // open until we exit: bound the drain so the process ends promptly either way.
    let grace_expired = async {
        let _ = process_shutdown.wait_for(|stop| *stop).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = server => result.map_err(|e| format!("gRPC server failed: {e}")),
        () = grace_expired => Ok(()),
    }
}
