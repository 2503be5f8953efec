//! The globaldeploy engine's real ports, each behind the trait it implements in
//! `globaldeploy_engine::ports`:
//!
//! - [`aws`]: the shared Route 53 client (rate budget, retries, read cache);
//! - [`traffic`]: the blue/green traffic driver on Route 53 weighted sets;
//! - [`probes`]: HTTP(S) gates and Route 53 health check gates;
//! - [`file_journal`]: the journal store in a local directory;
//! - [`clock`]: the wall clock and the monotonic one.

pub mod aws;
pub mod clock;
pub mod file_journal;
pub mod probes;
pub mod traffic;
