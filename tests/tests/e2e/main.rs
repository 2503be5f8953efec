//! End-to-end tests: the real `terraform` CLI against the built provider (one test binary;
//! each area is a module). Run everything with `bash scripts/test.sh`; the harness is in
//! `tests/src/lib.rs`.

mod adopt;
mod demo;
mod deployment;
mod examples;
mod failover_policy;
mod harness_smoke;
mod health_check;
mod plan_dir;
mod plugin;
mod release;
mod schema;
mod wave;
mod weighted_record;
