//! The one error type of the AWS layer, and the questions callers ask of it.
//!
//! Every failure is an [`AwsError`] that names the operation (`ChangeResourceRecordSets`) and
//! its subject (the record set, zone or health check), so that the message a Terraform user
//! finally reads says *which* record failed and *what* AWS answered. The predicates answer the
//! questions the rest of the layer asks: retry it? was it throttling? is the object gone? And,
//! for writes, [`AwsError::outcome_unknown`]: could the request have been applied although we
//! got no answer?
//!
//! The SDK's `SdkError` is mapped here once (`AwsError::from_sdk`), so no SDK type leaks out of
//! the layer.

use crate::error_chain;
use aws_sdk_route53::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// Error codes that Route 53 and S3 (`SlowDown`, with a 503) use for "slow down": a throttled
/// request was not applied.
const THROTTLING_CODES: &[&str] = &["Throttling", "ThrottlingException", "RequestLimitExceeded", "SlowDown"];

/// Error codes that mean "the object does not exist".
const NOT_FOUND_CODES: &[&str] = &["NoSuchHealthCheck", "NoSuchHostedZone", "NoSuchChange"];

/// A failed AWS call.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// AWS answered with an error code.
    #[error("{operation} {subject}: AWS error {code}: {message}")]
    Service {
        /// The API operation, e.g. `ChangeResourceRecordSets`.
        operation: &'static str,
        /// What the call was about, e.g. `record api.example.com. A (us-east-1) in zone Z1`.
        subject: String,
        /// The AWS error code, e.g. `InvalidChangeBatch`.
        code: String,
        /// AWS's message.
        message: String,
        /// The HTTP status of the answer.
        status: u16,
    },
    /// AWS answered with an HTTP error that carried no parseable error code.
    #[error("{operation} {subject}: HTTP {status} from AWS: {message}")]
    Http {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        subject: String,
        /// The HTTP status.
        status: u16,
        /// What could be learned from the response.
        message: String,
    },
    /// The call timed out; the request may or may not have reached AWS.
    #[error("{operation} {subject}: timed out waiting for AWS")]
    Timeout {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        subject: String,
    },
    /// The connection failed or broke; the request may or may not have reached AWS.
    #[error("{operation} {subject}: connection to AWS failed: {message}")]
    Connection {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        subject: String,
        /// The transport's description of the failure.
        message: String,
    },
    /// A change was accepted but did not reach INSYNC before the caller's deadline.
    #[error("{operation} {subject}: change {change_id} was applied but not INSYNC before the deadline")]
    NotInSync {
        /// The API operation (`GetChange`).
        operation: &'static str,
        /// What the change was about.
        subject: String,
        /// The Route 53 change id.
        change_id: String,
    },
    /// A write was not sent: the rollout's lease does not permit it (lost, or too close to its
    /// end). Nothing was sent, so nothing is unknown.
    #[error("{operation} {subject}: not sent: {refused}")]
    Fenced {
        /// The API operation.
        operation: &'static str,
        /// What the write was about.
        subject: String,
        /// Why the lease refused it (boxed: the error stays small on every other path).
        refused: Box<globaldeploy_engine::journal::lease::FenceError>,
    },
    /// Credentials could not be resolved or were rejected.
    #[error("AWS credentials: {message}")]
    Credentials {
        /// Why; never contains a secret.
        message: String,
    },
    /// The request could not be built, or the answer lacked something AWS always sends.
    #[error("{operation} {subject}: {message}")]
    Invalid {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        subject: String,
        /// What was wrong.
        message: String,
    },
}

impl AwsError {
    /// Maps an SDK error of `operation` about `subject` onto our error.
    pub(crate) fn from_sdk<E>(
        operation: &'static str,
        subject: impl Into<String>,
        err: SdkError<E, HttpResponse>,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let subject = subject.into();
        if let SdkError::ResponseError(ctx) = &err {
            return AwsError::Http {
                operation,
                subject,
                status: ctx.raw().status().as_u16(),
                message: error_chain(&err),
            };
        }
        match err {
            SdkError::ServiceError(ctx) => {
                let status = ctx.raw().status().as_u16();
                let err = ctx.err();
                match err.code() {
                    Some(code) => AwsError::Service {
                        operation,
                        subject,
                        code: code.to_owned(),
                        message: err.message().unwrap_or_default().to_owned(),
                        status,
                    },
                    None => AwsError::Http {
                        operation,
                        subject,
                        status,
                        message: error_chain(err),
                    },
                }
            }
            SdkError::TimeoutError(_) => AwsError::Timeout { operation, subject },
            SdkError::DispatchFailure(failure) if failure.is_timeout() => AwsError::Timeout { operation, subject },
            SdkError::DispatchFailure(failure) if failure.is_user() => AwsError::Invalid {
                operation,
                subject,
                message: format!("{failure:?}"),
            },
            SdkError::DispatchFailure(failure) => AwsError::Connection {
                operation,
                subject,
                message: match failure.as_connector_error() {
                    Some(connector) => error_chain(connector),
                    None => format!("{failure:?}"),
                },
            },
            other => AwsError::Invalid {
                operation,
                subject,
                message: error_chain(&other),
            },
        }
    }

    /// The AWS error code, when AWS sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status AWS answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            AwsError::Service { status, .. } | AwsError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The operation that failed.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            AwsError::Service { operation, .. }
            | AwsError::Http { operation, .. }
            | AwsError::Timeout { operation, .. }
            | AwsError::Connection { operation, .. }
            | AwsError::NotInSync { operation, .. }
            | AwsError::Fenced { operation, .. }
            | AwsError::Invalid { operation, .. } => Some(operation),
            AwsError::Credentials { .. } => None,
        }
    }

    /// AWS asked us to slow down.
    pub fn is_throttled(&self) -> bool {
        match self {
            AwsError::Service { code, message, .. } => {
                THROTTLING_CODES.contains(&code.as_str()) || message.contains("Rate exceeded")
            }
            AwsError::Http { status, .. } => *status == 429,
            _ => false,
        }
    }

    /// Trying the same call again may succeed: throttling, `PriorRequestNotComplete`, 5xx,
    /// connection errors and timeouts.
    pub fn is_retryable(&self) -> bool {
        if self.is_throttled() {
            return true;
        }
        match self {
            AwsError::Service { code, status, .. } => code == "PriorRequestNotComplete" || *status >= 500,
            AwsError::Http { status, .. } => *status >= 500,
            AwsError::Timeout { .. } | AwsError::Connection { .. } => true,
            AwsError::NotInSync { .. }
            | AwsError::Fenced { .. }
            | AwsError::Credentials { .. }
            | AwsError::Invalid { .. } => false,
        }
    }

    /// The object the call was about does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code().is_some_and(|code| NOT_FOUND_CODES.contains(&code))
    }

    /// A write that failed this way may nevertheless have been applied: AWS may have received
    /// and executed it before the answer was lost (timeouts, broken connections) or before it
    /// failed internally (5xx). A throttled or rejected request was not applied.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            AwsError::Timeout { .. } | AwsError::Connection { .. } => true,
            AwsError::Service { .. } | AwsError::Http { .. } => {
                !self.is_throttled()
                    && self.code() != Some("PriorRequestNotComplete")
                    && self.status().is_some_and(|s| s >= 500)
            }
            AwsError::NotInSync { .. }
            | AwsError::Fenced { .. }
            | AwsError::Credentials { .. }
            | AwsError::Invalid { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service_with(code: &str, status: u16, message: &str) -> AwsError {
        AwsError::Service {
            operation: "ChangeResourceRecordSets",
            subject: "record api.example.com. A (use1) in zone Z1".into(),
            code: code.into(),
            message: message.into(),
            status,
        }
    }

    fn service(code: &str, status: u16) -> AwsError {
        service_with(code, status, "Rate exceeded")
    }

    #[test]
    fn throttling_is_throttled_and_retryable_but_not_unknown() {
        for code in ["Throttling", "ThrottlingException"] {
            let err = service(code, 400);
            assert!(err.is_throttled() && err.is_retryable() && !err.outcome_unknown());
        }
    }

    #[test]
    fn prior_request_not_complete_is_retryable_and_was_not_applied() {
        let err = service_with("PriorRequestNotComplete", 400, "The request was rejected");
        assert!(!err.is_throttled() && err.is_retryable() && !err.outcome_unknown());
    }

    #[test]
    fn server_errors_and_transport_failures_are_retryable_with_unknown_outcome() {
        let errors = [
            AwsError::Http {
                operation: "GetChange",
                subject: "change C1".into(),
                status: 503,
                message: String::new(),
            },
            AwsError::Timeout {
                operation: "GetChange",
                subject: "change C1".into(),
            },
            AwsError::Connection {
                operation: "GetChange",
                subject: "change C1".into(),
                message: "connection reset".into(),
            },
        ];
        for err in errors {
            assert!(err.is_retryable() && err.outcome_unknown(), "{err}");
        }
    }

    #[test]
    fn rejected_requests_are_final_and_name_record_and_code() {
        let err = service_with("InvalidChangeBatch", 400, "it already exists");
        assert!(!err.is_retryable() && !err.is_throttled() && !err.outcome_unknown());
        assert_eq!(err.code(), Some("InvalidChangeBatch"));
        let text = err.to_string();
        assert!(
            text.contains("api.example.com.") && text.contains("InvalidChangeBatch"),
            "{text}"
        );
    }

    #[test]
    fn missing_objects_are_not_found() {
        assert!(service("NoSuchHealthCheck", 404).is_not_found());
        assert!(service("NoSuchHostedZone", 404).is_not_found());
        assert!(!service("InvalidInput", 400).is_not_found());
    }
}
