//! The globaldeploy rollout engine and its adapters.
//!
//! - [`model`]: deployments, waves, regions, strategy and gates;
//! - [`engine`]: the rollout state machine and the ports it talks through;
//! - [`aws`]: the shared Route 53 client (rate budget, retries, read cache);
//! - [`redact`]: how URLs that carry credentials are shown.

pub mod aws;
pub mod cli;
pub mod clock;
pub mod engine;
pub mod journal;
pub mod model;
pub mod probes;
pub mod redact;
pub mod schedule;
pub mod terraform_json;
pub mod traffic;
