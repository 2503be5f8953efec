//! Tests of the `globaldeploy` binary, run as a process: `plan` renderings of a hand-written
//! `terraform show -json` plan (insta snapshots), `status` and `approve` against a file
//! journal written by the engine running in-process on fakes, `rollback` and `resume`
//! through Route 53 (moto), journals that cannot be read and `journal verify|repair`, and bad
//! input.

// Moto startup, shared with the `aws` and `adapters` test binaries.
#[allow(dead_code)]
#[path = "../../../adapters/tests/aws/support.rs"]
mod support;

mod drive;
mod journal;
mod journal_errors;
mod plan;

use std::path::Path;
use std::process::{Command, Output};

/// Runs `globaldeploy ARGS` with `stderr` not a terminal (plain progress lines).
pub fn globaldeploy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_globaldeploy"))
        .args(args)
        .env_remove("GLOBALDEPLOY_JOURNAL")
        .env("USER", "tester")
        .output()
        .expect("the globaldeploy binary runs")
}

/// stdout of a successful run.
pub fn stdout_of(args: &[&str]) -> String {
    let out = globaldeploy(args);
    assert!(
        out.status.success(),
        "globaldeploy {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A fixture file.
pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/fixtures")
        .join(name)
        .display()
        .to_string()
}
