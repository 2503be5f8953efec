//! The README's first command, `bash scripts/demo.sh`, on its short schedule (`DEMO_FAST=1`)
//! with the binaries of this build: it must finish, show the gate failing in us-east-1 and the
//! automatic rollback, leave every region serving v2 (through the Route 53 API and in the
//! journal, read back here with the `globaldeploy` CLI), and draw one lane per region.

use std::path::Path;
use std::process::{Command, Output};

use globaldeploy_e2e::{cli_binary, provider_binary, workspace_root};
use serde_json::Value as Json;

/// Upper bound for the whole demo (it takes well under a minute on the short schedule).
const DEMO_TIMEOUT: &str = "600";

fn run_demo(out_dir: &Path) -> Output {
    let bin_dir = provider_binary()
        .parent()
        .expect("the provider binary has a directory")
        .to_path_buf();
    let mut demo = Command::new("timeout");
    demo.args([DEMO_TIMEOUT, "bash"])
        .arg(workspace_root().join("scripts/demo.sh"))
        .current_dir(workspace_root())
        .env("DEMO_FAST", "1")
        .env("DEMO_OUT", out_dir)
        .env("DEMO_BIN_DIR", bin_dir);
    // As in the harness: a developer's TF_* settings must not change what the demo does.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TF_") {
            demo.env_remove(&key);
        }
    }
    demo.output().expect("run bash scripts/demo.sh")
}

fn cli_json(args: &[&str]) -> Json {
    let out = Command::new(cli_binary())
        .args(args)
        .args(["--output", "json"])
        .output()
        .expect("run globaldeploy");
    assert!(
        out.status.success(),
        "globaldeploy {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("globaldeploy printed JSON")
}

fn read_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

#[test]
fn demo_rolls_back_the_bad_region_and_draws_the_picture() {
    let out_dir = tempfile::tempdir().expect("temporary directory");
    let out = run_demo(out_dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "demo.sh failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
    // The live journal and terraform's error both name the region that went bad.
    for needle in [
        r#"journal   | [v2 +"#,
        r#"gate failed: wave "rest", region "us-east-1", step 25 %"#,
        "rolling back eu-west-1, us-east-1, us-west-2",
        r#"Error: Rollout of "api" to v3 rolled_back: health gate failed"#,
        "every region serves v2",
    ] {
        assert!(
            stdout.contains(needle),
            "{needle:?} not in the demo's output:\n{stdout}"
        );
    }

    // The journal the demo left, read back with the CLI: v3 rolled back, v2 served everywhere.
    let journal = format!("file://{}", out_dir.path().join("journal").display());
    let status = cli_json(&["status", "api", "--journal", &journal]);
    assert_eq!(
        status,
        read_json(&out_dir.path().join("status.json")),
        "status.json is the CLI's"
    );
    assert_eq!(status["status"], "rolled_back");
    assert_eq!(status["target_version"], "v3");
    assert_eq!(status["serving_version"], "v2");
    assert_eq!(status["failure"]["region"], "us-east-1");
    let regions = status["regions"].as_array().expect("regions");
    assert_eq!(regions.len(), 3);
    for region in regions {
        assert_eq!(region["status"]["state"], "rolled_back", "{region}");
        assert_eq!(region["version"], "v2", "{region}");
    }
    let timeline = cli_json(&["timeline", "api", "--journal", &journal]);
    let outcomes: Vec<(&str, &str)> = timeline["rollouts"]
        .as_array()
        .expect("rollouts")
        .iter()
        .map(|r| (r["version"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [("v1", "succeeded"), ("v2", "succeeded"), ("v3", "rolled_back")]
    );

    // The weights the demo read from the Route 53 API: the v2 slot carries everything.
    let route53 = read_json(&out_dir.path().join("route53.json"));
    for region in ["us-west-2", "us-east-1", "eu-west-1"] {
        assert_eq!(
            route53[region]["serving"],
            serde_json::json!(["v2"]),
            "{region}: {route53:#}"
        );
        let slots = route53[region]["slots"].as_object().expect("slots");
        let v2 = slots.values().find(|s| s["release"] == "v2").expect("a v2 slot");
        assert_eq!(v2["weight"], 100, "{region}: {route53:#}");
    }

    // The picture: well-formed SVG with one lane per region and the rollback marked.
    let svg_path = out_dir.path().join("weights.svg");
    assert!(
        stdout.contains(&svg_path.display().to_string()),
        "the demo says where the picture is"
    );
    let svg = std::fs::read_to_string(&svg_path).expect("weights.svg written");
    let doc = roxmltree::Document::parse(&svg).expect("weights.svg is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let lanes: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("series"))
        .filter_map(|n| n.attribute("data-region"))
        .collect();
    assert_eq!(lanes, ["us-west-2", "eu-west-1", "us-east-1"]);
    let markers = |class: &str| {
        doc.descendants()
            .filter(|n| n.attribute("class") == Some(class))
            .count()
    };
    assert_eq!(markers("marker gate-failed"), 1);
    assert_eq!(markers("marker rolled-back"), 3);
}
