//! The rollout engine: a pure state machine ([`core`]) over the [`ports`], with a thin async
//! [`driver`] that performs its actions. No I/O happens outside the ports.
//!
//! - [`core`]: the state machine; [`state`]: its durable state (what the journal says);
//! - [`gate`]: one gate's sample window and verdicts;
//! - [`outcome`]: what a rollout reports; [`error`]: why it could not run;
//! - [`driver`]: start, resume and roll back through the ports.

pub mod core;
pub mod driver;
pub mod error;
pub mod gate;
pub mod outcome;
pub mod ports;
pub mod state;
