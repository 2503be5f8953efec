//! The real traffic layer (ARCHITECTURE: `traffic`): the engine's [`Traffic`] port over Route 53
//! blue/green weighted record sets.
//!
//! - [`slot_record`]: the public naming convention of slot sets and how a target becomes a set;
//! - [`route53`]: [`Route53Traffic`], one atomic ChangeResourceRecordSets batch per call;
//! - [`settled`]: the slots between rollouts: drift made outside the engine and its repair;
//! - [`error`]: [`Route53TrafficError`] and its predicates.
//!
//! [`Traffic`]: globaldeploy_engine::ports::Traffic

pub mod error;
pub mod route53;
pub mod settled;
pub mod slot_record;

pub use error::Route53TrafficError;
pub use route53::Route53Traffic;
pub use settled::{Difference, RegionDrift, SettledRegion, SlotDrift};
pub use slot_record::{record_type, slot_of, slot_record_set, slot_set_identifier, TargetError};
