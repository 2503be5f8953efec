//! `globaldeploy_wave` through the real terraform CLI: lifecycle, validation errors at the
//! right line, and import refusal.

use globaldeploy_e2e::{Workspace, REQUIRED_PROVIDERS};

fn workspace(resources: &str) -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{}}\n\n{resources}"),
    );
    ws
}

const CANARY_V1: &str = r#"
resource "globaldeploy_wave" "canary" {
  name    = "canary"
  regions = ["us-west-2"]

  gate {
    http {
      url = "https://canary.example.com/healthz"
    }
  }
}
"#;

#[test]
fn lifecycle_create_noop_update_replace_destroy() {
    let ws = workspace(CANARY_V1);
    ws.init().assert_success();
    ws.validate()
        .assert_success()
        .assert_contains("The configuration is valid");
    ws.plan()
        .assert_success()
        .assert_contains("1 to add, 0 to change, 0 to destroy");
    ws.apply()
        .assert_success()
        .assert_contains("Apply complete! Resources: 1 added");

    let values = ws.state_values("globaldeploy_wave.canary");
    assert_eq!(values["id"], "canary");
    assert_eq!(values["max_parallel"], 1);
    assert_eq!(values["bake_time"], "0s");
    assert_eq!(values["require_approval"], false);
    let gate = &values["gate"][0];
    assert_eq!(gate["interval"], "5s");
    assert_eq!(gate["min_samples"], 5);
    assert_eq!(gate["success_ratio"], 0.99);
    assert_eq!(gate["failure_threshold"], 3);
    assert_eq!(gate["http"]["expect_status"], serde_json::json!([200]));
    assert_eq!(gate["http"]["timeout"], "2s");
    assert_eq!(
        ws.plan_detailed_exitcode(),
        0,
        "a plan right after apply must show no changes"
    );

    // In-place update: regions, parallelism and a gate setting.
    ws.write(
        "main.tf",
        &ws.read("main.tf")
            .replace(
                r#"regions = ["us-west-2"]"#,
                "regions      = [\"us-west-2\", \"us-east-1\"]\n  max_parallel = 2\n  bake_time    = \"10m\"",
            )
            .replace("gate {\n", "gate {\n    min_samples = 10\n"),
    );
    let plan = ws.plan();
    plan.assert_success()
        .assert_contains("will be updated in-place")
        .assert_contains("0 to add, 1 to change, 0 to destroy");
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    let values = ws.state_values("globaldeploy_wave.canary");
    assert_eq!(values["regions"], serde_json::json!(["us-west-2", "us-east-1"]));
    assert_eq!(values["max_parallel"], 2);
    assert_eq!(values["gate"][0]["min_samples"], 10);
    assert_eq!(values["id"], "canary", "an update keeps the id");
    assert_eq!(ws.plan_detailed_exitcode(), 0);

    // A new name replaces the wave.
    ws.write(
        "main.tf",
        &ws.read("main.tf")
            .replace(r#"name    = "canary""#, r#"name    = "canary-2""#),
    );
    ws.plan()
        .assert_success()
        .assert_contains("must be replaced")
        .assert_contains("1 to add, 0 to change, 1 to destroy");
    ws.apply()
        .assert_success()
        .assert_contains("1 added, 0 changed, 1 destroyed");
    assert_eq!(ws.state_values("globaldeploy_wave.canary")["id"], "canary-2");
    assert_eq!(ws.plan_detailed_exitcode(), 0);

    ws.destroy().assert_success().assert_contains("Resources: 1 destroyed");
    let state = ws.show_json(None);
    assert!(
        state["values"].is_null() || state["values"]["root_module"]["resources"].is_null(),
        "{state:#}"
    );
}

#[test]
fn waves_can_reference_each_other_and_unknowns_are_not_rejected() {
    // regions come from another resource: unknown at validate/plan time, never rejected.
    let ws = workspace(
        r#"
resource "terraform_data" "regions" {
  input = ["eu-west-1", "ap-southeast-1"]
}

resource "globaldeploy_wave" "rest" {
  name         = "rest"
  regions      = terraform_data.regions.output
  max_parallel = length(terraform_data.regions.input)
}
"#,
    );
    ws.init().assert_success();
    ws.validate().assert_success();
    ws.apply().assert_success();
    let values = ws.state_values("globaldeploy_wave.rest");
    assert_eq!(values["regions"], serde_json::json!(["eu-west-1", "ap-southeast-1"]));
    assert_eq!(ws.plan_detailed_exitcode(), 0);
}

#[test]
fn import_explains_that_waves_have_no_remote_object() {
    let ws = workspace(CANARY_V1);
    ws.init().assert_success();
    let out = ws.terraform(&["import", "globaldeploy_wave.canary", "canary"]);
    out.assert_failure()
        .assert_contains("globaldeploy_wave cannot be imported")
        .assert_contains("no remote object to import");
}

/// Validates `resource` (a `globaldeploy_wave` named `bad`) and asserts the error and its line
/// (see [`globaldeploy_e2e::assert_invalid`]).
#[track_caller]
fn assert_invalid(resource: &str, summary: &str, detail: &str, line_text: &str) {
    globaldeploy_e2e::assert_invalid("globaldeploy_wave", resource, summary, detail, line_text);
}

#[test]
fn empty_regions_are_rejected_at_the_attribute() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = []\n}\n",
        "Invalid value for \"regions\"",
        "expected from 1 to 100 element(s), got 0",
        "regions = []",
    );
}

#[test]
fn duplicate_regions_are_rejected_at_the_attribute() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\", \"eu-west-1\", \"us-east-1\"]\n}\n",
        "Duplicate value in \"regions\"",
        "\"us-east-1\" appears more than once",
        "regions = [",
    );
}

#[test]
fn malformed_region_names_are_rejected_at_the_attribute() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\", \"us-east1\"]\n}\n",
        "Invalid value for \"regions\"",
        "\"us-east1\" is not an AWS region name",
        "regions = [",
    );
}

#[test]
fn max_parallel_below_one_is_rejected_at_the_attribute() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name         = \"w\"\n  regions      = [\"us-east-1\"]\n  max_parallel = 0\n}\n",
        "Invalid value for \"max_parallel\"",
        "0 is too small: expected a whole number of at least 1",
        "max_parallel = 0",
    );
}

#[test]
fn bad_durations_are_rejected_at_the_attribute() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name      = \"w\"\n  regions   = [\"us-east-1\"]\n  bake_time = \"ten minutes\"\n}\n",
        "Invalid value for \"bake_time\"",
        "\"ten minutes\" is not a duration",
        "bake_time = ",
    );
}

#[test]
fn bad_gate_durations_are_rejected_inside_the_gate() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n  gate {\n    interval = \"5\"\n    http {}\n  }\n}\n",
        "Invalid value for \"interval\"",
        "\"5\" is not a duration",
        "interval = \"5\"",
    );
}

#[test]
fn success_ratio_of_zero_is_rejected() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n  gate {\n    success_ratio = 0\n    http {}\n  }\n}\n",
        "Invalid value for \"success_ratio\"",
        "expected a number greater than 0 and at most 1",
        "success_ratio = 0",
    );
}

#[test]
fn success_ratio_above_one_is_rejected() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n  gate {\n    success_ratio = 1.5\n    http {}\n  }\n}\n",
        "Invalid value for \"success_ratio\"",
        "1.5 is out of range",
        "success_ratio = 1.5",
    );
}

#[test]
fn a_gate_without_a_check_is_rejected_at_the_gate() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n  gate {\n    interval = \"10s\"\n  }\n}\n",
        "Missing required argument",
        "exactly one of http, route53_health_check must be set; none is",
        "gate {",
    );
}

#[test]
fn a_gate_with_two_checks_is_rejected_at_the_second_check() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n  gate {\n    http {}\n    route53_health_check {\n      health_check_id = \"abc\"\n    }\n  }\n}\n",
        "Conflicting configuration arguments",
        "found http and route53_health_check",
        "route53_health_check {",
    );
}

#[test]
fn a_probe_timeout_longer_than_the_interval_is_rejected() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n  gate {\n    interval = \"1s\"\n    http {\n      timeout = \"3s\"\n    }\n  }\n}\n",
        "Probe timeout longer than the gate interval",
        "timeout (3s) exceeds the gate's interval (1s)",
        "timeout = \"3s\"",
    );
}

#[test]
fn expect_status_outside_http_codes_is_rejected_at_the_element() {
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n  gate {\n    http {\n      expect_status = [200, 700]\n    }\n  }\n}\n",
        "Invalid value for \"expect_status\"",
        "700 is out of range",
        "expect_status = [200, 700]",
    );
}

#[test]
fn a_gate_interval_under_a_millisecond_is_rejected_at_the_attribute() {
    // 500us would become a 0 ms interval in the engine and sample without pause.
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n  gate {\n    interval = \"500us\"\n    http {\n      timeout = \"100us\"\n    }\n  }\n}\n",
        "Invalid value for \"interval\"",
        "\"500us\" is not a whole number of milliseconds",
        "interval = \"500us\"",
    );
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n  gate {\n    interval = \"0s\"\n    http {}\n  }\n}\n",
        "Invalid value for \"interval\"",
        "\"0s\" is too short: expected at least 1ms",
        "interval = \"0s\"",
    );
    assert_invalid(
        "resource \"globaldeploy_wave\" \"bad\" {\n  name      = \"w\"\n  regions   = [\"us-east-1\"]\n  bake_time = \"1.0005s\"\n}\n",
        "Invalid value for \"bake_time\"",
        "\"1.0005s\" is not a whole number of milliseconds",
        "bake_time = ",
    );
}

#[test]
fn a_request_budget_that_could_never_refill_is_rejected_in_the_provider_block() {
    // The token bucket would wait 10^20 s for its second token (and used to panic computing it).
    let ws = Workspace::new();
    let main = format!(
        "{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{\n  api_requests_per_second = 1e-20\n}}\n\nresource \"globaldeploy_wave\" \"w\" {{\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n}}\n"
    );
    ws.write("main.tf", &main);
    let line = main
        .lines()
        .position(|l| l.contains("api_requests_per_second"))
        .expect("line")
        + 1;
    let out = ws.validate();
    out.assert_failure()
        .assert_contains("Error: Invalid value for \"api_requests_per_second\"")
        .assert_contains("is out of range: expected a number from 0.1 to 1000")
        .assert_contains(&format!("on main.tf line {line}, in provider \"globaldeploy\""));
}
