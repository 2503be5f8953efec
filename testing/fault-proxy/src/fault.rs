//! What the proxy can do to a request, and the error responses of Route 53 (and, for
//! [`Fault::SlowDown`], of S3).
//!
//! Route 53 (a REST-XML service) reports errors as HTTP 4xx/5xx with this body, the shape the
//! AWS SDK for Rust parses (`rest_xml_wrapped_errors::parse_error_metadata` in
//! aws-sdk-route53: the `Code` and `Message` children of `ErrorResponse/Error`):
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
//!   <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
//!   <RequestId>…</RequestId>
//! </ErrorResponse>
//! ```
//!
//! S3 sends its errors unwrapped (`<Error><Code>SlowDown</Code>…</Error>`, what aws-sdk-s3's
//! `rest_xml_unwrapped_errors` parses).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Fault {
    /// HTTP 400 `Throttling` / "Rate exceeded"; the request never reaches the upstream.
    Throttling,
    /// HTTP 400 `PriorRequestNotComplete`; the request never reaches the upstream.
    PriorRequestNotComplete,
    /// HTTP 500 `InternalFailure`; the request never reaches the upstream.
    InternalError,
    /// HTTP 503 `ServiceUnavailable`; the request never reaches the upstream.
    ServiceUnavailable,
    /// The request is delayed by the configured latency, then forwarded normally.
    Latency,
    /// The request IS forwarded and applied upstream, but the client receives a 500: the
    /// "outcome unknown" case a careful client must settle by reading.
    ErrorAfterForward,
    /// The request IS forwarded and applied upstream, then the connection is dropped without
    /// an answer.
    ResetAfterForward,
    /// S3's HTTP 503 `SlowDown` ("reduce your request rate"); the request never reaches the
    /// upstream. Not in [`Fault::ALL`], which is Route 53's.
    SlowDown,
}

impl Fault {
    /// Every Route 53 fault, for "any fault".
    pub const ALL: [Fault; 7] = [
        Fault::Throttling,
        Fault::PriorRequestNotComplete,
        Fault::InternalError,
        Fault::ServiceUnavailable,
        Fault::Latency,
        Fault::ErrorAfterForward,
        Fault::ResetAfterForward,
    ];

    /// The fault's name in counts.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Throttling => "Throttling",
            Fault::PriorRequestNotComplete => "PriorRequestNotComplete",
            Fault::InternalError => "InternalError",
            Fault::ServiceUnavailable => "ServiceUnavailable",
            Fault::Latency => "Latency",
            Fault::ErrorAfterForward => "ErrorAfterForward",
            Fault::ResetAfterForward => "ResetAfterForward",
            Fault::SlowDown => "SlowDown",
        }
    }

    /// Whether the upstream sees the request.
    pub fn forwards(self) -> bool {
        matches!(
            self,
            Fault::Latency | Fault::ErrorAfterForward | Fault::ResetAfterForward
        )
    }
}

/// How the proxy misbehaves. `Default` forwards everything untouched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Probability in `[0, 1]` that a request gets a fault.
    pub probability: f64,
    /// The faults to choose from, uniformly. Empty means none.
    pub faults: Vec<Fault>,
    /// Seed of the fault RNG: the same seed and request order give the same faults.
    pub seed: u64,
    /// Delay of [`Fault::Latency`], in milliseconds.
    pub latency_ms: u64,
    /// Only these operations get faults; empty means all operations.
    pub operations: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            probability: 0.0,
            faults: Vec::new(),
            seed: 0,
            latency_ms: 200,
            operations: Vec::new(),
        }
    }
}

impl FaultConfig {
    /// No faults.
    pub fn none() -> FaultConfig {
        FaultConfig::default()
    }

    /// Every kind of fault with `probability`, seeded.
    pub fn all(probability: f64, seed: u64) -> FaultConfig {
        FaultConfig {
            probability,
            faults: Fault::ALL.to_vec(),
            seed,
            ..FaultConfig::default()
        }
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }

    pub(crate) fn applies_to(&self, operation: &str) -> bool {
        self.operations.is_empty() || self.operations.iter().any(|o| o == operation)
    }
}

/// The status, code and message Route 53 would send for an error fault.
pub(crate) fn error_response(fault: Fault) -> (u16, &'static str, &'static str, &'static str) {
    match fault {
        Fault::Throttling => (400, "Sender", "Throttling", "Rate exceeded"),
        Fault::PriorRequestNotComplete => (
            400,
            "Sender",
            "PriorRequestNotComplete",
            "The request was rejected because Route 53 was still processing a prior request.",
        ),
        Fault::ServiceUnavailable => (503, "Receiver", "ServiceUnavailable", "Service unavailable"),
        Fault::SlowDown => (503, "Receiver", "SlowDown", "Please reduce your request rate."),
        _ => (500, "Receiver", "InternalFailure", "An internal error occurred"),
    }
}

/// The XML error body of `fault`'s service.
pub(crate) fn error_body(fault: Fault, kind: &str, code: &str, message: &str, request_id: &str) -> String {
    if fault == Fault::SlowDown {
        return format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">\
         <Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>{request_id}</RequestId></ErrorResponse>"
    )
}
