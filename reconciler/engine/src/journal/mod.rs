//! The rollout journal: append-only entries written durably before the step they
//! announce, a lease per deployment, and replay, so a rollout can always be resumed or
//! rolled back from the journal alone.
//!
//! - [`entry`]: what is recorded; [`codec`]: how model types are written; [`record`]: a line
//!   (an entry and when it was recorded);
//! - [`replay()`]: journal → engine state;
//! - [`lease`]: one rollout per deployment at a time;
//! - [`lines`]: the line layout every store keeps (complete lines, torn tail);
//! - [`repair`]: what `globaldeploy journal verify|repair` find and may drop.

pub mod codec;
pub mod entry;
pub mod error;
pub mod lease;
pub mod lines;
pub mod record;
pub mod repair;
pub mod replay;

pub use replay::replay;
