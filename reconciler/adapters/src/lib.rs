//! The globaldeploy engine's real ports, each behind the trait it implements in
//! `globaldeploy_engine::ports`:
//!
//! - [`aws`]: the shared Route 53 client (rate budget, retries, read cache) and the S3 client;
//! - [`traffic`]: the blue/green traffic driver on Route 53 weighted sets;
//! - [`probes`]: HTTP(S) gates and Route 53 health check gates;
//! - [`file_journal`]: the journal store in a local directory;
//! - [`s3_journal`]: the journal store in an S3 bucket, shared by every machine of a team;
//! - [`journal`]: the store a `journal` location names (`file://…` or `s3://…`);
//! - [`clock`]: the wall clock and the monotonic one;
//! - `testing` (feature `testing`): record set constructors for tests.

pub mod aws;
pub mod clock;
pub mod file_journal;
pub mod journal;
pub mod probes;
pub mod s3_journal;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod traffic;

/// An error and its sources on one line, because the top-level messages of the SDK ("dispatch
/// failure") and of hyper ("client error (Connect)") say little and the useful part
/// ("connection refused") is at the bottom.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
