//! The globaldeploy rollout engine: a pure state machine ([`rollout`]) over the [`ports`], with
//! a thin async [`driver`] that performs its actions. Nothing here does I/O: the Route 53
//! traffic driver, the probes, the journal stores and the wall clock are adapters (the
//! `globaldeploy-adapters` crate) plugged into the ports, so the deterministic simulation runs
//! the same engine on the in-memory ports of [`testing`].
//!
//! - [`model`]: deployments, waves, regions, strategy and gates; [`schedule`]: what a rollout
//!   of them will do, step by step (for the engine, `terraform plan` and the CLI alike);
//! - [`rollout`]: the state machine; [`state`]: its durable state (what the journal says);
//! - [`gate`]: one gate's sample window and verdicts;
//! - [`outcome`]: what a rollout reports; [`error`]: why it could not run;
//! - [`driver`]: start, resume and roll back through the ports;
//! - [`heartbeat`]: the held lease, renewed beside every action, and the guard writes consult;
//! - [`journal`]: entries, their codec and replay, the lease rules, repair of a bad journal;
//! - [`human_time`]: how durations and instants are shown; [`redact`]: how URLs that carry
//!   credentials are shown.

pub mod driver;
pub mod error;
pub mod gate;
pub mod heartbeat;
pub mod human_time;
pub mod journal;
pub mod model;
pub mod outcome;
pub mod ports;
pub mod redact;
pub mod rollout;
pub mod schedule;
pub mod state;
#[cfg(feature = "testing")]
pub mod testing;
