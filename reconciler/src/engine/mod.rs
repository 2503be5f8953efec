//! The rollout engine: a pure state machine ([`core`]) over the [`ports`], with a thin async
//! [`driver`] that performs its actions. No I/O happens outside the ports.
//!
//! - [`core`]: the state machine; [`state`]: its durable state (what the journal says);
//! - [`gate`]: one gate's sample window and verdicts;
//! - [`outcome`]: what a rollout reports; [`error`]: why it could not run;
//! - [`driver`]: start, resume and roll back through the ports;
//! - [`heartbeat`]: the held lease, renewed beside every action, and the guard writes consult.

pub mod core;
pub mod driver;
pub mod error;
pub mod gate;
pub mod heartbeat;
pub mod outcome;
pub mod ports;
pub mod state;
