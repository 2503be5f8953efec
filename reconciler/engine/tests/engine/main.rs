//! Integration tests of the rollout engine: focused scenarios per policy and feature, lease
//! hand-overs, replay of bad indexes, and a deterministic simulation of thousands of
//! randomized rollouts, all on the in-memory ports of [`globaldeploy_engine::testing`].

mod concurrent_samples;
mod error_texts;
mod journal_indexes;
mod lease;
mod scenarios;
mod sim;
