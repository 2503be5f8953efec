//! Integration tests of the rollout engine: focused scenarios per policy and feature, the
//! file journal, the contract every journal store meets, and a deterministic simulation of
//! thousands of randomized rollouts.

mod concurrent_samples;
mod fakes;
mod file_journal;
mod journal_contract;
mod journal_indexes;
mod lease;
mod scenarios;
mod sim;
mod world;
