//! [`HttpProbe`]: one HTTP(S) GET of a health endpoint, judged by status code, with its
//! latency measured.
//!
//! The probe owns one pooled client for the process, so probing a region every few seconds
//! reuses its connection instead of paying a TCP and TLS handshake per sample (the handshake is
//! not what a latency gate is about). HTTPS uses rustls with the aws-lc-rs provider the AWS SDK
//! already brings, trusting the system's roots ([`HttpProbe::new`]) or given roots for private
//! CAs ([`HttpProbe::with_roots`]). The whole exchange — connect, TLS, headers and body — must
//! finish within the gate's timeout; reading the body lets the connection be reused. The body
//! is read up to [`MAX_BODY_BYTES`]: a health endpoint that streams without end fails its
//! sample at the cap instead of filling memory until the timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, LengthLimitError, Limited};
use hyper::Request;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;

use crate::error_chain;
use globaldeploy_engine::ports::Sample;
use globaldeploy_engine::redact;

/// The most of an answer's body a probe reads; health answers are small, and a larger body
/// fails the sample rather than be buffered.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Sent with every probe, so region operators can tell probes from users in their logs.
const USER_AGENT: &str = concat!("globaldeploy-probe/", env!("CARGO_PKG_VERSION"));

/// Why an HTTP probe got no status code.
#[derive(Debug, thiserror::Error)]
pub enum HttpProbeError {
    /// The URL cannot be requested. (Every `url` here is redacted by [`globaldeploy_engine::redact::url`].)
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No complete answer within the timeout.
    #[error("GET {url}: no answer within {} ms", timeout.as_millis())]
    Timeout {
        /// The URL probed.
        url: String,
        /// The timeout that passed.
        timeout: Duration,
    },
    /// The body went on past [`MAX_BODY_BYTES`].
    #[error("GET {url}: the answer's body exceeds {limit} bytes; a health endpoint must answer briefly")]
    BodyTooLarge {
        /// The URL probed.
        url: String,
        /// The cap that was reached.
        limit: usize,
    },
    /// The connection, TLS handshake or exchange failed (refused, reset, bad certificate).
    #[error("GET {url}: {message}")]
    Unreachable {
        /// The URL probed.
        url: String,
        /// The failure and its causes.
        message: String,
    },
}

impl HttpProbeError {
    /// The endpoint did not answer in time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, HttpProbeError::Timeout { .. })
    }

    /// The endpoint could not be reached or talked to.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, HttpProbeError::Unreachable { .. })
    }
}

/// Why the probe's TLS client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot configure TLS for HTTP probes: {0}")]
pub struct TlsSetupError(#[from] rustls::Error);

/// An answer: its status and how long the whole exchange took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// From sending the request to the end of the body.
    pub latency: Duration,
}

/// HTTP(S) GET probes sharing one connection pool.
#[derive(Clone)]
pub struct HttpProbe {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
}

impl HttpProbe {
    /// A probe trusting the system's root certificates. Unreadable system certificates are
    /// logged and skipped: plain HTTP probes still work, and an HTTPS probe then fails with a
    /// certificate error that names the endpoint.
    pub fn new() -> Result<HttpProbe, TlsSetupError> {
        let native = rustls_native_certs::load_native_certs();
        for err in &native.errors {
            tracing::warn!(error = %err, "skipping unreadable system root certificates");
        }
        let mut roots = RootCertStore::empty();
        let (_, ignored) = roots.add_parsable_certificates(native.certs);
        if ignored > 0 {
            tracing::warn!(ignored, "skipping unparsable system root certificates");
        }
        HttpProbe::with_roots(roots)
    }

    /// A probe trusting exactly `roots` (a private CA, or a test's self-signed certificate).
    pub fn with_roots(roots: RootCertStore) -> Result<HttpProbe, TlsSetupError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        // Probes are tiny request/response pairs: Nagle would only add latency to measure.
        http.set_nodelay(true);
        // The connector refuses https:// URLs unless told that the scheme decides.
        http.enforce_http(false);
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(HttpProbe {
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// GETs `url` and reads the whole answer within `timeout`.
    pub async fn get(&self, url: &str, timeout: Duration) -> Result<Answer, HttpProbeError> {
        // Errors name the URL as it may be shown: without credentials or query.
        let shown = redact::url(url).into_owned();
        let uri: hyper::Uri = url
            .parse()
            .map_err(|err: hyper::http::uri::InvalidUri| HttpProbeError::InvalidUrl {
                url: shown.clone(),
                reason: err.to_string(),
            })?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(HttpProbeError::InvalidUrl {
                url: shown.clone(),
                reason: "expected an absolute http:// or https:// URL".into(),
            });
        }
        let request = Request::get(uri)
            .header(hyper::header::USER_AGENT, USER_AGENT)
            .body(Empty::new())
            .map_err(|err| HttpProbeError::InvalidUrl {
                url: shown.clone(),
                reason: err.to_string(),
            })?;
        let unreachable = |err: &(dyn std::error::Error + 'static)| HttpProbeError::Unreachable {
            url: shown.clone(),
            message: redact::urls_in(&error_chain(err)).into_owned(),
        };
        let started = Instant::now();
        let exchange = async {
            let response = self.client.request(request).await.map_err(|err| unreachable(&err))?;
            let status = response.status().as_u16();
            Limited::new(response.into_body(), MAX_BODY_BYTES)
                .collect()
                .await
                .map_err(|err| {
                    if err.is::<LengthLimitError>() {
                        HttpProbeError::BodyTooLarge {
                            url: shown.clone(),
                            limit: MAX_BODY_BYTES,
                        }
                    } else {
                        unreachable(&*err)
                    }
                })?;
            Ok::<u16, HttpProbeError>(status)
        };
        let status = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| HttpProbeError::Timeout {
                url: shown.clone(),
                timeout,
            })??;
        Ok(Answer {
            status,
            latency: started.elapsed(),
        })
    }

    /// One gate sample: ok when `url` answers within `timeout` with a status in
    /// `expect_status`. The latency is reported whenever an answer came, so a slow error page
    /// still counts towards the p95; without an answer there is no latency to report.
    pub async fn sample(&self, url: &str, expect_status: &[u16], timeout: Duration) -> Sample {
        match self.get(url, timeout).await {
            Ok(answer) => {
                let ok = expect_status.contains(&answer.status);
                let detail = if ok {
                    format!("HTTP {} in {} ms", answer.status, answer.latency.as_millis())
                } else {
                    format!(
                        "HTTP {} (expected {expect_status:?}) in {} ms",
                        answer.status,
                        answer.latency.as_millis()
                    )
                };
                Sample {
                    ok,
                    latency: Some(answer.latency),
                    detail,
                }
            }
            Err(err) => Sample {
                ok: false,
                latency: None,
                detail: err.to_string(),
            },
        }
    }
}
