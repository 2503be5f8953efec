//! The globaldeploy rollout engine: the rollout model, the schedule, and the engine that moves
//! weighted traffic wave by wave (being built; see the issues).

pub mod aws;
