//! `globaldeploy plan --terraform-plan`: the three renderings of a v1 → v2 rollout over three
//! waves and five regions plus a weighted record change, and bad plan files.

use crate::{fixture, globaldeploy, stdout_of};

const PLAN: &str = "rollout-v1-to-v2.plan.json";

#[test]
fn text() {
    let plan = fixture(PLAN);
    insta::assert_snapshot!(stdout_of(&["plan", "--terraform-plan", &plan]));
}

#[test]
fn markdown() {
    let plan = fixture(PLAN);
    insta::assert_snapshot!(stdout_of(&["plan", "--terraform-plan", &plan, "--format", "markdown"]));
}

#[test]
fn json() {
    let plan = fixture(PLAN);
    let out = stdout_of(&["plan", "--terraform-plan", &plan, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("plan --format json is JSON");
    insta::assert_json_snapshot!(doc);
    // `--output json` is the same document.
    assert_eq!(stdout_of(&["--output", "json", "plan", "--terraform-plan", &plan]), out);
}

#[test]
fn the_json_schedule_is_the_provider_rollout_plan() {
    let plan = fixture(PLAN);
    let out = stdout_of(&["plan", "--terraform-plan", &plan, "--output", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let schedule = doc["deployments"][0]["rollout"]["schedule"].as_array().unwrap();
    // Five regions × three steps, the last one at full exposure.
    assert_eq!(schedule.len(), 15);
    assert_eq!(schedule[14]["global_exposure_percent"], 100.0);
    assert_eq!(doc["summary"][0], "api: v1 → v2, 3 waves, 5 regions, ~9m");
}

fn fails_with(args: &[&str], expected: &str) {
    let out = globaldeploy(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(expected), "{stderr:?} does not contain {expected:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_plan_file_is_a_clear_error() {
    fails_with(
        &["plan", "--terraform-plan", "/nonexistent/plan.json"],
        "cannot read the Terraform plan /nonexistent/plan.json: No such file",
    );
}

#[test]
fn an_invalid_plan_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "Terraform will perform the following actions:").unwrap();
    let garbage = garbage.display().to_string();
    fails_with(
        &["plan", "--terraform-plan", &garbage],
        "is not JSON (write it with `terraform show -json PLANFILE`)",
    );

    let state = dir.path().join("state.json");
    std::fs::write(&state, r#"{"values": {}}"#).unwrap();
    let state = state.display().to_string();
    fails_with(&["plan", "--terraform-plan", &state], "has no \"format_version\"");
}
