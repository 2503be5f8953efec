//! A fault-injecting HTTP/1.1 reverse proxy for testing AWS clients against moto.
//!
//! moto answers every Route 53 call instantly and never fails; real Route 53 throttles, times
//! out and sometimes applies a change whose answer is lost. [`FaultProxy`] sits between the
//! client under test and moto on `127.0.0.1:<free port>`, forwards every request unchanged,
//! counts calls per Route 53 operation, and — with a configured probability and a seeded RNG —
//! answers with Route 53's own error responses (see [`fault`]) or forwards the request and then
//! loses the answer ([`Fault::ErrorAfterForward`], [`Fault::ResetAfterForward`]).
//!
//! A test in another process (e.g. one driving the real `terraform` CLI) reads counts and
//! changes faults over HTTP on the same port: `GET /__proxy/counts` returns
//! `{"calls": {op: n}, "faults": {fault: n}}`, `POST /__proxy/config` takes a [`FaultConfig`]
//! as JSON, `POST /__proxy/reset` zeroes the counts.

pub mod fault;
pub mod operation;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use fault::{Fault, FaultConfig};
pub use operation::operation_name;

/// Prefix of the proxy's own control endpoints.
const CONTROL_PREFIX: &str = "/__proxy/";

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The upstream address is not an `http://host:port` URL.
    #[error("invalid upstream {upstream:?}: {reason}")]
    Upstream {
        /// What was given.
        upstream: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The listening socket could not be opened.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen {
        /// The requested port (0 = any).
        port: u16,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Counts of calls and of injected faults, as `GET /__proxy/counts` returns them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Requests received per operation, faulted or not.
    pub calls: BTreeMap<String, u64>,
    /// Faults injected per fault name.
    pub faults: BTreeMap<String, u64>,
}

/// A running proxy. Dropping it stops the listener.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    upstream: hyper::Uri,
    client: Client<HttpConnector, Full<Bytes>>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    config: FaultConfig,
    rng: StdRng,
    counts: Counts,
    requests: u64,
}

impl State {
    fn new(config: FaultConfig) -> State {
        State {
            rng: StdRng::seed_from_u64(config.seed),
            config,
            counts: Counts::default(),
            requests: 0,
        }
    }
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:5000`) on a free loopback port.
    pub async fn start(upstream: &str, config: FaultConfig) -> Result<FaultProxy, ProxyError> {
        FaultProxy::start_on(upstream, 0, config).await
    }

    /// Starts a proxy on `port` (0 = a free one).
    pub async fn start_on(upstream: &str, port: u16, config: FaultConfig) -> Result<FaultProxy, ProxyError> {
        let upstream_uri: hyper::Uri =
            upstream
                .parse()
                .map_err(|e: hyper::http::uri::InvalidUri| ProxyError::Upstream {
                    upstream: upstream.to_owned(),
                    reason: e.to_string(),
                })?;
        if upstream_uri.scheme_str() != Some("http") || upstream_uri.authority().is_none() {
            return Err(ProxyError::Upstream {
                upstream: upstream.to_owned(),
                reason: "expected http://host:port".into(),
            });
        }
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| ProxyError::Listen { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ProxyError::Listen { port, source })?;
        let shared = Arc::new(Shared {
            upstream: upstream_uri,
            client: Client::builder(TokioExecutor::new()).build_http(),
            state: Mutex::new(State::new(config)),
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&shared)));
        Ok(FaultProxy { addr, shared, server })
    }

    /// The proxy's URL, to use as the client's endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Calls per operation since start or the last reset.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.shared.lock().counts.calls.clone()
    }

    /// Injected faults per fault name since start or the last reset.
    pub fn faults(&self) -> BTreeMap<String, u64> {
        self.shared.lock().counts.faults.clone()
    }

    /// Zeroes the counts.
    pub fn reset_counts(&self) {
        self.shared.lock().counts = Counts::default();
    }

    /// Replaces the fault configuration (and reseeds the RNG from it).
    pub fn set_config(&self, config: FaultConfig) {
        let mut state = self.shared.lock();
        state.rng = StdRng::seed_from_u64(config.seed);
        state.config = config;
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves only counters behind; keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Accepts connections until the task is aborted.
async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        // Test clients make many small requests: Nagle would only add latency.
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let shared = Arc::clone(&shared);
                async move { handle(&shared, req).await }
            });
            // Errors here are clients hanging up or our deliberate resets.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// An error that makes hyper drop the connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection reset by the fault proxy")]
struct Reset;

async fn handle(shared: &Shared, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Reset> {
    if req.uri().path().starts_with(CONTROL_PREFIX) {
        return Ok(control(shared, req).await);
    }
    let operation = operation_name(
        req.method().as_str(),
        req.uri().path_and_query().map_or(req.uri().path(), |pq| pq.as_str()),
    );
    let (fault, latency, request_id) = {
        let mut state = shared.lock();
        *state.counts.calls.entry(operation.clone()).or_default() += 1;
        state.requests += 1;
        let request_id = format!("fault-proxy-{}", state.requests);
        let fault = choose_fault(&mut state, &operation);
        if let Some(fault) = fault {
            *state.counts.faults.entry(fault.name().to_owned()).or_default() += 1;
        }
        (fault, state.config.latency(), request_id)
    };
    match fault {
        Some(fault) if !fault.forwards() => return Ok(error_reply(fault, &request_id)),
        Some(Fault::Latency) => tokio::time::sleep(latency).await,
        _ => {}
    }
    let forwarded = forward(shared, req).await;
    match fault {
        Some(Fault::ErrorAfterForward) => Ok(error_reply(Fault::InternalError, &request_id)),
        Some(Fault::ResetAfterForward) => Err(Reset),
        _ => Ok(forwarded),
    }
}

fn choose_fault(state: &mut State, operation: &str) -> Option<Fault> {
    let config = &state.config;
    if config.faults.is_empty() || config.probability <= 0.0 || !config.applies_to(operation) {
        return None;
    }
    let probability = config.probability.min(1.0);
    let count = config.faults.len();
    if state.rng.random_bool(probability) {
        let index = state.rng.random_range(0..count);
        Some(state.config.faults[index])
    } else {
        None
    }
}

fn error_reply(fault: Fault, request_id: &str) -> Response<Full<Bytes>> {
    let (status, kind, code, message) = fault::error_response(fault);
    let body = fault::error_body(fault, kind, code, message, request_id);
    Response::builder()
        .status(status)
        .header("content-type", "text/xml")
        .header("x-amzn-requestid", request_id)
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad fault response"))
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text.to_owned())));
    *response.status_mut() = status;
    response
}

/// Sends the request upstream unchanged and returns the upstream's answer; a failure to reach
/// the upstream becomes a 502, which clients treat like any 5xx.
async fn forward(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (mut parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return plain(StatusCode::BAD_REQUEST, &format!("reading request: {e}")),
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let mut uri = shared.upstream.clone().into_parts();
    uri.path_and_query = path_and_query.parse().ok();
    parts.uri = match hyper::Uri::from_parts(uri) {
        Ok(uri) => uri,
        Err(e) => return plain(StatusCode::BAD_GATEWAY, &format!("upstream uri: {e}")),
    };
    let upstream = Request::from_parts(parts, Full::new(body));
    match shared.client.request(upstream).await {
        Ok(response) => {
            let (parts, body) = response.into_parts();
            match body.collect().await {
                Ok(collected) => Response::from_parts(parts, Full::new(collected.to_bytes())),
                Err(e) => plain(StatusCode::BAD_GATEWAY, &format!("upstream body: {e}")),
            }
        }
        Err(e) => plain(StatusCode::BAD_GATEWAY, &format!("upstream: {e}")),
    }
}

/// The control endpoints.
async fn control(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let route = req.uri().path().trim_start_matches(CONTROL_PREFIX).to_owned();
    match (req.method().as_str(), route.as_str()) {
        ("GET", "counts") => {
            let counts = shared.lock().counts.clone();
            json(&counts)
        }
        ("POST", "reset") => {
            shared.lock().counts = Counts::default();
            plain(StatusCode::NO_CONTENT, "")
        }
        ("POST", "config") => {
            let body = match req.into_body().collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) => return plain(StatusCode::BAD_REQUEST, &e.to_string()),
            };
            match serde_json::from_slice::<FaultConfig>(&body) {
                Ok(config) => {
                    let mut state = shared.lock();
                    state.rng = StdRng::seed_from_u64(config.seed);
                    state.config = config;
                    plain(StatusCode::NO_CONTENT, "")
                }
                Err(e) => plain(StatusCode::BAD_REQUEST, &format!("invalid config: {e}")),
            }
        }
        ("GET", "config") => {
            let config = shared.lock().config.clone();
            json(&config)
        }
        _ => plain(StatusCode::NOT_FOUND, "unknown control endpoint"),
    }
}

fn json<T: Serialize>(value: &T) -> Response<Full<Bytes>> {
    match serde_json::to_vec(value) {
        Ok(body) => Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "")),
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}
