//! `globaldeploy plan --terraform-plan`: the three renderings of a v1 → v2 rollout over three
//! waves and five regions plus a weighted record change, the same deployment created (a
//! publication), and bad plan files.

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

#[test]
fn fractional_durations_read_as_the_configuration_and_rollout_plan_write_them() {
    // One formatter renders every duration (`human_time::duration`), so a 1.5 s bake reads
    // "1.5s" here as in the provider's `rollout_plan`, not "1s".
    let dir = tempfile::tempdir().unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(fixture(PLAN)).unwrap()).unwrap();
    for change in doc["resource_changes"].as_array_mut().unwrap() {
        if change["type"] == "globaldeploy_deployment" {
            change["change"]["after"]["waves"][0]["bake_time"] = serde_json::json!("1.5s");
            change["change"]["after"]["strategy"]["step_interval"] = serde_json::json!("1m0.25s");
        }
    }
    let plan = dir.path().join("fractions.plan.json");
    std::fs::write(&plan, doc.to_string()).unwrap();
    let out = stdout_of(&[
        "plan",
        "--terraform-plan",
        &plan.display().to_string(),
        "--output",
        "json",
    ]);
    let rollout = &serde_json::from_str::<serde_json::Value>(&out).unwrap()["deployments"][0]["rollout"];
    assert_eq!(rollout["waves"][0]["bake_time"], "1.5s");
    assert_eq!(rollout["step_interval"], "1m0.25s");
}

/// The fixture's deployment created instead of updated: a first publication.
fn created_plan(dir: &tempfile::TempDir) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(fixture(PLAN)).unwrap()).unwrap();
    for change in doc["resource_changes"].as_array_mut().unwrap() {
        if change["type"] == "globaldeploy_deployment" {
            change["change"]["actions"] = serde_json::json!(["create"]);
            change["change"]["before"] = serde_json::Value::Null;
        }
    }
    let path = dir.path().join("create.plan.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    path.display().to_string()
}

#[test]
fn a_create_is_a_publication_without_steps_or_bake() {
    let dir = tempfile::tempdir().unwrap();
    let plan = created_plan(&dir);
    let out = stdout_of(&["plan", "--terraform-plan", &plan, "--output", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rollout = &doc["deployments"][0]["rollout"];
    assert_eq!(rollout["mode"], "publish");
    let rows: Vec<(&str, &str, u64, u64, f64)> = rollout["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["wave"].as_str().unwrap(),
                row["region"].as_str().unwrap(),
                row["step_percent"].as_u64().unwrap(),
                row["hold_seconds"].as_u64().unwrap(),
                row["global_exposure_percent"].as_f64().unwrap(),
            )
        })
        .collect();
    // One row per region at 100 %, held for the first passing evaluation of its slowest gate
    // (canary: 5s × 6; core: the deployment gate's 5s × 5; apac: 10s × 3), no bake.
    assert_eq!(
        rows,
        [
            ("canary", "us-west-2", 100, 30, 10.0),
            ("core", "us-east-1", 100, 25, 65.0),
            ("core", "eu-west-1", 100, 25, 65.0),
            ("apac", "ap-southeast-1", 100, 30, 85.0),
            ("apac", "ap-northeast-1", 100, 30, 100.0),
        ]
    );
    assert_eq!(rollout["estimated_duration_seconds"], 30 + 25 + 30 + 30);
    assert_eq!(doc["summary"][0], "api: (new) → v2, 3 waves, 5 regions, ~1m55s");
    // The rollout part; the settings of a create list every attribute.
    let text = stdout_of(&["plan", "--terraform-plan", &plan]);
    let rollout = text.split("\n  Settings").next().unwrap();
    insta::assert_snapshot!(rollout);
    let markdown = stdout_of(&["plan", "--terraform-plan", &plan, "--format", "markdown"]);
    assert!(
        markdown.contains("publication: each region goes live at 100 % on blue once its gates first pass"),
        "{markdown}"
    );
    assert!(
        !markdown.contains("every 30s"),
        "a publication has no step interval: {markdown}"
    );
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
