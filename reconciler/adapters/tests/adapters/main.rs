//! Integration tests of the rollout engine's real adapters: the Route 53 traffic driver and the
//! Route 53 health check probe through the real AWS SDK against moto (behind the counting fault
//! proxy), the journal stores (the contract suite on every store, the S3 store against moto),
//! and the HTTP(S) probes against local region stand-ins switched between healthy,
//! failing and slow while the tests run.

// Shared with the `aws` test binary, which uses every helper; this one needs only some.
#[allow(dead_code)]
#[path = "../aws/support.rs"]
mod support;

mod file_journal;
mod journal_contract;
mod probes;
mod region;
mod s3_journal;
mod traffic;
