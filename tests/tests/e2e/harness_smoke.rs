//! The harness itself: terraform runs, a built-in-only configuration goes through its whole
//! lifecycle under the generated CLI configuration, and moto answers HTTP.

use globaldeploy_e2e::{http_get, Moto, Workspace};

/// A workspace whose dev_overrides point at an empty directory: the configurations here only use
/// Terraform's built-in provider, so they need no provider build.
fn builtin_workspace() -> (tempfile::TempDir, Workspace) {
    let empty = tempfile::tempdir().expect("temp dir");
    let ws = Workspace::with_provider_dir(empty.path());
    (empty, ws)
}

#[test]
fn terraform_version_runs() {
    let (_empty, ws) = builtin_workspace();
    let out = ws.terraform(&["version"]);
    out.assert_success();
    assert!(
        out.stdout.starts_with("Terraform v1."),
        "unexpected `terraform version` output:\n{}",
        out.combined()
    );
}

#[test]
fn terraform_data_lifecycle() {
    let (_empty, ws) = builtin_workspace();
    ws.write(
        "main.tf",
        r#"
resource "terraform_data" "example" {
  input = "hello"
}

output "echo" {
  value = terraform_data.example.output
}
"#,
    );
    ws.init().assert_success();
    ws.validate()
        .assert_success()
        .assert_contains("The configuration is valid");
    assert_eq!(ws.plan_detailed_exitcode(), 2, "a fresh config has changes");

    ws.plan_out("tfplan");
    let plan = ws.show_json(Some("tfplan"));
    let changes = plan["resource_changes"].as_array().expect("resource_changes");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["address"], "terraform_data.example");
    assert_eq!(changes[0]["change"]["actions"], serde_json::json!(["create"]));

    ws.apply()
        .assert_success()
        .assert_contains("1 added, 0 changed, 0 destroyed");
    assert_eq!(ws.output_json()["echo"]["value"], "hello");
    assert_eq!(ws.plan_detailed_exitcode(), 0, "no changes after apply");

    ws.write("main.tf", &ws.read("main.tf").replace("hello", "world"));
    assert_eq!(ws.plan_detailed_exitcode(), 2, "changed input is planned");
    ws.apply().assert_success();
    assert_eq!(ws.output_json()["echo"]["value"], "world");

    ws.destroy().assert_success().assert_contains("1 destroyed");
    let state = ws.show_json(None);
    assert!(state.get("values").is_none(), "state is empty after destroy: {state}");
}

#[test]
fn moto_answers_http() {
    let moto = Moto::start();
    let (status, _body) = http_get(&format!("{}/moto-api/", moto.endpoint())).expect("GET /moto-api/");
    assert_eq!(status, 200);
}
