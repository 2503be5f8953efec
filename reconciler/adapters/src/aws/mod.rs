//! The AWS layer: one shared Route 53 client for the provider's resources and the traffic
//! driver, and the S3 client of the journal store (ARCHITECTURE: `aws`).
//!
//! - [`settings`]: the provider block's AWS settings, with secrets redacted from `Debug`;
//! - [`client`]: [`Route53`], lazy configuration, cached single-flight reads, atomic writes
//!   that are never applied twice;
//! - [`s3`]: [`S3`], the object calls of the S3 journal store (conditional puts, reads, listings);
//! - [`rate`]: the token bucket every Route 53 call of the process draws from (S3 has its own);
//! - [`retry`]: jittered exponential backoff for throttling, 5xx and transport failures;
//! - [`error`]: [`AwsError`] and its predicates;
//! - [`records`] and [`health`]: the domain types, independent of the SDK's.

pub mod client;
mod convert;
pub mod error;
pub mod health;
pub mod rate;
pub mod records;
pub mod retry;
pub mod s3;
mod sdk_config;
pub mod settings;

pub use client::{HostedZone, Route53};
pub use error::AwsError;
pub use health::{HealthCheck, HealthCheckSpec, HealthCheckType};
pub use rate::TokenBucket;
pub use records::{batch_reflected, normalize_name, AliasTarget, Change, ChangeAction, Failover, RecordKey, RecordSet};
pub use retry::RetryPolicy;
pub use s3::S3;
pub use settings::{AssumeRole, AwsSettings};
