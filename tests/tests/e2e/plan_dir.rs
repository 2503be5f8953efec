//! `globaldeploy plan DIR` reads the configuration files and prints exactly what `globaldeploy
//! plan --terraform-plan` prints for `terraform plan` + `terraform show -json` of the same
//! configuration on an empty state (text, markdown and JSON, the Terraform version aside), with
//! variables from a `-var-file` and `-var`, including `examples/failover`, whose module calls a
//! module per region with `for_each`; configuration errors name file:line.

use std::path::Path;
use std::process::Command;

use globaldeploy_e2e::{cli_binary, workspace_root, Output, Workspace};
use serde_json::Value as Json;

/// Copies the `*.tf` files of the repository directory `relative` (not its subdirectories) to
/// the same path in `ws`.
fn copy_tf_files(ws: &Workspace, relative: &str) {
    let dir = workspace_root().join(relative);
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|x| x == "tf") {
            let text = std::fs::read_to_string(&path).expect("read configuration file");
            ws.write(
                &format!("{relative}/{}", path.file_name().unwrap().to_string_lossy()),
                &text,
            );
        }
    }
}

/// A workspace holding `examples/NAME` and every module of `modules/` at their repository
/// paths, so that sources such as `../../modules/global-deployment` resolve.
fn example(name: &str) -> Workspace {
    let ws = Workspace::new();
    copy_tf_files(&ws, &format!("examples/{name}"));
    let modules = workspace_root().join("modules");
    for entry in std::fs::read_dir(&modules).unwrap_or_else(|e| panic!("read {}: {e}", modules.display())) {
        let entry = entry.expect("directory entry");
        if entry.path().is_dir() {
            copy_tf_files(&ws, &format!("modules/{}", entry.file_name().to_string_lossy()));
        }
    }
    ws
}

/// terraform with `args` in the workspace's subdirectory `dir`, without colour.
fn terraform_in(ws: &Workspace, dir: &str, args: &[&str]) -> Output {
    let chdir = format!("-chdir={dir}");
    let mut full = vec![chdir.as_str(), args[0], "-no-color"];
    full.extend_from_slice(&args[1..]);
    ws.terraform(&full)
}

/// `globaldeploy ARGS` in `dir`: (exit code, stdout, stderr).
fn globaldeploy(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(cli_binary())
        .args(args)
        .current_dir(dir)
        .env_remove("TF_VAR_release")
        .env_remove("TF_VAR_zone_id")
        .output()
        .expect("run globaldeploy");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// Compares both renderings of `example` planned with a var file and a `-var`.
fn assert_same_as_terraform(name: &str) {
    let ws = example(name);
    let relative = format!("examples/{name}");
    let dir = ws.path().join(&relative);
    ws.write(&format!("{relative}/ci.tfvars"), "zone_id = \"Z0PLANDIR\"\n");
    // Installs the local modules the example calls.
    terraform_in(&ws, &relative, &["init", "-input=false"]).assert_success();
    terraform_in(
        &ws,
        &relative,
        &["plan", "-out=tfplan", "-var-file=ci.tfvars", "-var", "release=v2"],
    )
    .assert_success();
    let show = ws.terraform(&[&format!("-chdir={relative}"), "show", "-json", "tfplan"]);
    show.assert_success();
    std::fs::write(dir.join("plan.json"), &show.stdout).expect("write plan.json");
    for format in ["text", "markdown", "json"] {
        let (code, from_plan, err) = globaldeploy(&dir, &["plan", "--format", format, "--terraform-plan", "plan.json"]);
        assert_eq!(code, Some(0), "plan --terraform-plan failed: {err}");
        let (code, from_dir, err) = globaldeploy(
            &dir,
            &[
                "plan",
                ".",
                "--format",
                format,
                "--var-file",
                "ci.tfvars",
                "--var",
                "release=v2",
            ],
        );
        assert_eq!(code, Some(0), "plan DIR failed: {err}");
        // Everything was evaluated: no module, count or function left out with a warning.
        assert_eq!(err, "", "{name}: plan DIR warned");
        assert!(from_dir.contains("v2"), "{from_dir}");
        if format == "json" {
            let mut from_plan: Json = serde_json::from_str(&from_plan).expect("JSON report");
            let from_dir: Json = serde_json::from_str(&from_dir).expect("JSON report");
            // Only a plan file knows which Terraform wrote it.
            assert_eq!(from_dir["terraform_version"], Json::Null);
            from_plan["terraform_version"] = Json::Null;
            assert_eq!(from_dir, from_plan, "{name}: plan DIR differs from the Terraform plan");
        } else {
            assert_eq!(
                from_dir, from_plan,
                "{name}: plan DIR --format {format} differs from the Terraform plan"
            );
        }
    }
}

#[test]
fn quickstart_plans_as_terraform_does() {
    assert_same_as_terraform("quickstart");
}

#[test]
fn multi_region_canary_plans_as_terraform_does() {
    assert_same_as_terraform("multi-region-canary");
}

/// Its module calls `modules/region` with `for_each` over the regions; the schedule needs
/// every instance's outputs.
#[test]
fn failover_plans_as_terraform_does() {
    assert_same_as_terraform("failover");
}

#[test]
fn configuration_errors_name_file_and_line() {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        "resource \"globaldeploy_wave\" \"canary\" {\n  name    = \"canary\"\n  regions = [var.region]\n}\n",
    );
    ws.write("waves.tf", "resource \"globaldeploy_wave\" \"rest\" {\n  name = \n}\n");
    let (code, stdout, stderr) = globaldeploy(ws.path(), &["plan", "."]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stderr.contains("waves.tf:2: syntax error"), "{stderr}");
    // The syntax error stops the load; fixed, the undeclared variable is reported at its line.
    ws.write("waves.tf", "");
    let (code, _, stderr) = globaldeploy(ws.path(), &["plan", "."]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("main.tf:3: reference to undeclared input variable var.region"),
        "{stderr}"
    );
    let (code, _, stderr) = globaldeploy(ws.path(), &["plan", ".", "--terraform-plan", "plan.json"]);
    assert_eq!(code, Some(2), "DIR and --terraform-plan exclude each other: {stderr}");
}

/// A configuration whose version and health URL come from sensitive variables and whose gate
/// URL carries credentials.
const SENSITIVE_CONFIGURATION: &str = r#"
variable "release" {
  type      = string
  sensitive = true
}

variable "probe_token" {
  type      = string
  sensitive = true
  default   = "tok-SECRET-123"
}

locals {
  health = "https://use1.example.com/healthz?token=${var.probe_token}"
}

resource "globaldeploy_wave" "canary" {
  name    = "canary"
  regions = ["us-east-1"]
}

resource "globaldeploy_deployment" "api" {
  name    = "api"
  version = var.release
  zone_id = "Z0PLANDIR"
  waves   = [globaldeploy_wave.canary]

  region {
    name        = "us-east-1"
    record_name = "use1.api.example.com"
    target      = ["192.0.2.10"]
    health_url  = local.health
  }

  gate {
    interval = "10s"
    http {
      url = "https://deploy:hunter2@status.example.com/check?sig=abc"
    }
  }
}
"#;

#[test]
fn sensitive_values_and_url_credentials_never_reach_the_plan_report() {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!("{}\n{SENSITIVE_CONFIGURATION}", globaldeploy_e2e::REQUIRED_PROVIDERS),
    );
    ws.write("ci.tfvars", "release = \"v2-SECRET-RELEASE\"\n");
    ws.terraform(&["plan", "-no-color", "-out=tfplan", "-var-file=ci.tfvars"])
        .assert_success();
    let show = ws.terraform(&["show", "-json", "tfplan"]);
    show.assert_success();
    // The fixture is real: Terraform itself marks both variables' uses sensitive.
    let plan: Json = serde_json::from_str(&show.stdout).expect("plan JSON");
    let change = globaldeploy_e2e::planned_change(&plan, "globaldeploy_deployment.api");
    assert_eq!(change["after_sensitive"]["version"], Json::Bool(true), "{change:#}");
    ws.write("plan.json", &show.stdout);
    for format in ["text", "markdown", "json"] {
        let (code, from_plan, err) = globaldeploy(
            ws.path(),
            &["plan", "--format", format, "--terraform-plan", "plan.json"],
        );
        assert_eq!(code, Some(0), "plan --terraform-plan failed: {err}");
        for secret in ["v2-SECRET-RELEASE", "tok-SECRET-123", "hunter2", "sig=abc"] {
            assert!(
                !from_plan.contains(secret),
                "{secret} in --format {format}:\n{from_plan}"
            );
        }
        assert!(from_plan.contains("(sensitive)"), "{from_plan}");
        let (code, from_dir, err) =
            globaldeploy(ws.path(), &["plan", ".", "--format", format, "--var-file", "ci.tfvars"]);
        assert_eq!(code, Some(0), "plan DIR failed: {err}");
        if format == "json" {
            let mut from_plan: Json = serde_json::from_str(&from_plan).expect("JSON report");
            from_plan["terraform_version"] = Json::Null;
            let from_dir: Json = serde_json::from_str(&from_dir).expect("JSON report");
            assert_eq!(from_dir, from_plan, "plan DIR hides differently from Terraform");
            insta::assert_json_snapshot!("sensitive_plan_json", from_dir);
        } else {
            assert_eq!(
                from_dir, from_plan,
                "plan DIR --format {format} hides differently from Terraform"
            );
            insta::assert_snapshot!(format!("sensitive_plan_{format}"), from_dir);
        }
    }
}
