//! A local stand-in for a region's service, for end-to-end tests and the demo.
//!
//! An HTTP server on `127.0.0.1:<port>` whose `GET /healthz` answers according to a [`Mode`]
//! that can be switched while it runs, from Rust ([`RegionServer::set_mode`]) or over HTTP:
//!
//! ```text
//! curl -X POST -d failing   http://127.0.0.1:PORT/__mode
//! curl -X POST -d healthy   http://127.0.0.1:PORT/__mode
//! curl -X POST -d 'slow 800' http://127.0.0.1:PORT/__mode   # 200 after 800 ms
//! curl http://127.0.0.1:PORT/__mode                         # current mode
//! ```
//!
//! The server runs on its own thread and runtime, so synchronous tests (which drive the
//! `terraform` CLI as a child process) can use it without an async runtime of their own.
//! Dropping the [`RegionServer`] stops it.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How `/healthz` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 200 at once.
    Healthy,
    /// 503 at once.
    Failing,
    /// 200 after this delay.
    Slow(Duration),
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Healthy => f.write_str("healthy"),
            Mode::Failing => f.write_str("failing"),
            Mode::Slow(d) => write!(f, "slow {}", d.as_millis()),
        }
    }
}

impl FromStr for Mode {
    type Err = String;

    /// `healthy`, `failing`, `slow MILLIS` (also `slow:MILLIS`, `slow MILLISms`).
    fn from_str(text: &str) -> Result<Mode, String> {
        let text = text.trim().to_ascii_lowercase();
        match text.as_str() {
            "healthy" | "ok" => return Ok(Mode::Healthy),
            "failing" | "fail" | "unhealthy" => return Ok(Mode::Failing),
            _ => {}
        }
        let millis = text
            .strip_prefix("slow")
            .map(|rest| rest.trim_start_matches([' ', ':', '=']).trim_end_matches("ms").trim())
            .and_then(|ms| ms.parse::<u64>().ok())
            .ok_or_else(|| format!("unknown mode {text:?}: expected healthy, failing or \"slow MILLIS\""))?;
        Ok(Mode::Slow(Duration::from_millis(millis)))
    }
}

struct Shared {
    mode: Mutex<Mode>,
    hits: AtomicU64,
}

/// A running region server; dropping it stops the listener.
pub struct RegionServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl fmt::Debug for RegionServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionServer")
            .field("addr", &self.addr)
            .field("mode", &self.mode())
            .finish()
    }
}

impl RegionServer {
    /// A healthy server on a free loopback port.
    pub fn start() -> std::io::Result<RegionServer> {
        RegionServer::bind("127.0.0.1:0".parse().expect("literal address"))
    }

    /// A healthy server on `addr`.
    pub fn bind(addr: SocketAddr) -> std::io::Result<RegionServer> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Healthy),
            hits: AtomicU64::new(0),
        });
        let (tx, rx) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("region-server-{}", addr.port()))
            .spawn(move || runtime.block_on(serve(std_listener, state, rx)))?;
        Ok(RegionServer {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/healthz`.
    pub fn health_url(&self) -> String {
        format!("{}/healthz", self.base_url())
    }

    /// Switches how `/healthz` answers from now on.
    pub fn set_mode(&self, mode: Mode) {
        *self
            .shared
            .mode
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = mode;
    }

    /// How `/healthz` answers now.
    pub fn mode(&self) -> Mode {
        *self
            .shared
            .mode
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Number of `/healthz` requests answered so far.
    pub fn hits(&self) -> u64 {
        self.shared.hits.load(Ordering::Relaxed)
    }

    /// Serves until the process ends (for the binary).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RegionServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, mut shutdown: oneshot::Receiver<()>) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let shared = Arc::clone(&shared);
                async move { Ok::<_, Infallible>(answer(&shared, req).await) }
            });
            // Errors are clients hanging up (a probe's timeout); nothing to report.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

async fn answer(shared: &Shared, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    match (req.method().clone(), req.uri().path()) {
        (Method::GET | Method::HEAD, "/healthz") => {
            shared.hits.fetch_add(1, Ordering::Relaxed);
            let mode = *shared.mode.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match mode {
                Mode::Healthy => text(StatusCode::OK, "ok\n"),
                Mode::Failing => text(StatusCode::SERVICE_UNAVAILABLE, "failing\n"),
                Mode::Slow(delay) => {
                    tokio::time::sleep(delay).await;
                    text(StatusCode::OK, "ok (slow)\n")
                }
            }
        }
        (Method::GET, "/__mode") => {
            let mode = *shared.mode.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            text(StatusCode::OK, format!("{mode}\n"))
        }
        (Method::POST | Method::PUT, "/__mode") => {
            let body = match req.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(e) => return text(StatusCode::BAD_REQUEST, format!("{e}\n")),
            };
            match String::from_utf8_lossy(&body).parse::<Mode>() {
                Ok(mode) => {
                    *shared.mode.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = mode;
                    text(StatusCode::OK, format!("{mode}\n"))
                }
                Err(e) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
            }
        }
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    fn request(addr: SocketAddr, raw: &str) -> String {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        out
    }

    fn get(addr: SocketAddr, path: &str) -> String {
        request(
            addr,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        )
    }

    #[test]
    fn modes_switch_from_rust_and_http() {
        let server = RegionServer::start().unwrap();
        assert!(get(server.addr(), "/healthz").starts_with("HTTP/1.1 200"));
        server.set_mode(Mode::Failing);
        assert!(get(server.addr(), "/healthz").starts_with("HTTP/1.1 503"));
        let body = "slow 50";
        let response = request(
            server.addr(),
            &format!(
                "POST /__mode HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        );
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert_eq!(server.mode(), Mode::Slow(Duration::from_millis(50)));
        let started = std::time::Instant::now();
        assert!(get(server.addr(), "/healthz").starts_with("HTTP/1.1 200"));
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(server.hits(), 3);
    }

    #[test]
    fn parses_modes() {
        assert_eq!("healthy".parse::<Mode>().unwrap(), Mode::Healthy);
        assert_eq!(
            "slow:250ms".parse::<Mode>().unwrap(),
            Mode::Slow(Duration::from_millis(250))
        );
        assert!("broken".parse::<Mode>().is_err());
    }
}
