//! A local stand-in for a region's service: an HTTP(S) server on `127.0.0.1:<free port>` whose
//! `/healthz` is switched between healthy (200), failing (503) and slow while a test runs.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// How `/healthz` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// 200 at once.
    Healthy,
    /// 503 at once.
    Failing,
    /// 200 after this delay.
    Slow(Duration),
}

/// A running stand-in; dropping it stops the listener.
pub struct RegionServer {
    addr: SocketAddr,
    scheme: &'static str,
    health: Arc<Mutex<Health>>,
    server: JoinHandle<()>,
}

impl RegionServer {
    /// A plain HTTP stand-in, healthy.
    pub async fn start() -> RegionServer {
        RegionServer::serve(None).await
    }

    /// An HTTPS stand-in with a fresh self-signed certificate for `127.0.0.1` and `localhost`,
    /// returned so the probe can trust it.
    pub async fn start_tls() -> (RegionServer, CertificateDer<'static>) {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("self-signed certificate");
        let cert = certified.cert.der().clone();
        let key = PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key.into())
            .expect("server certificate");
        let server = RegionServer::serve(Some(TlsAcceptor::from(Arc::new(config)))).await;
        (server, cert)
    }

    async fn serve(tls: Option<TlsAcceptor>) -> RegionServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let health = Arc::new(Mutex::new(Health::Healthy));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let shared = Arc::clone(&health);
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let health = Arc::clone(&shared);
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let health = Arc::clone(&health);
                        async move { answer(&health, req).await }
                    });
                    let http = hyper::server::conn::http1::Builder::new();
                    // Errors are clients hanging up (the probe's timeout); nothing to report.
                    match tls {
                        Some(tls) => {
                            if let Ok(stream) = tls.accept(stream).await {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                        None => {
                            let _ = http.serve_connection(TokioIo::new(stream), service).await;
                        }
                    }
                });
            }
        });
        RegionServer {
            addr,
            scheme,
            health,
            server,
        }
    }

    /// The URL of the health endpoint.
    pub fn health_url(&self) -> String {
        format!("{}://{}/healthz", self.scheme, self.addr)
    }

    /// Switches how `/healthz` answers from now on.
    pub fn set(&self, health: Health) {
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = health;
    }
}

impl Drop for RegionServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(
    health: &Mutex<Health>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() != "/healthz" {
        return Ok(reply(StatusCode::NOT_FOUND, "not found"));
    }
    let health = *health.lock().unwrap_or_else(|p| p.into_inner());
    Ok(match health {
        Health::Healthy => reply(StatusCode::OK, "ok"),
        Health::Failing => reply(StatusCode::SERVICE_UNAVAILABLE, "failing"),
        Health::Slow(delay) => {
            tokio::time::sleep(delay).await;
            reply(StatusCode::OK, "ok, slowly")
        }
    })
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
}
