//! The provider's resources and the schema pieces they share, one concept per file.

pub mod aws_region;
pub mod deployment;
pub mod failover_policy;
pub mod gate;
pub mod health_check;
pub mod record_target;
pub mod rollout_data;
pub mod wave;
pub mod weighted_record;
pub mod weighted_record_data;
