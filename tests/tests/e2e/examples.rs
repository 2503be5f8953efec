//! The repository's Terraform modules (`modules/`) and examples (`examples/`) stay valid: every
//! directory is `terraform fmt`-clean and passes `terraform init` + `terraform validate` against
//! the built provider; the registry-style examples cover every resource and data source, with an
//! `import.sh` that parses and names a resource of its `resource.tf`. The multi-region and
//! failover examples plan against moto (and the canary's saved plan renders as a pull-request
//! comment), and `modules/global-deployment` applies, rolls a release out and destroys against
//! moto with local region servers, so the modules are proven by use, not only by validation.
//!
//! The directories are copied into the workspace with the repository's layout, so relative
//! module sources (`../../modules/global-deployment`) resolve as they do in the repository.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use globaldeploy_adapters::aws::{Failover, RecordSet};
use globaldeploy_e2e::{block_on, provider_block, workspace_root, Moto, Output, Workspace, REQUIRED_PROVIDERS};
use globaldeploy_region_server::RegionServer;
use serde_json::Value as Json;

/// The top-level directories whose configurations are checked.
const TREES: &[&str] = &["examples", "modules"];

/// The only resource that cannot be imported: a wave lives in Terraform state alone.
const NOT_IMPORTABLE: &[&str] = &["globaldeploy_wave"];

/// Files and directories Terraform leaves behind in a configuration that was run in place.
fn is_local_artifact(name: &str) -> bool {
    name == ".terraform"
        || name == ".terraform.lock.hcl"
        || name == ".globaldeploy"
        || name.starts_with("terraform.tfstate")
        || name.ends_with(".tfplan")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_local_artifact(&name) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {} to {}: {e}", entry.path().display(), target.display()));
        }
    }
}

/// A workspace holding copies of `examples/` and `modules/` at the same relative paths.
fn workspace_with_trees() -> Workspace {
    let ws = Workspace::new();
    for tree in TREES {
        copy_tree(&workspace_root().join(tree), &ws.path().join(tree));
    }
    ws
}

/// Every directory under `root` that holds `.tf` files, relative to `root`, sorted.
fn configuration_dirs(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
            let entry = entry.expect("directory entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if is_local_artifact(&name) {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, found);
            } else if name.ends_with(".tf") {
                let relative = dir.strip_prefix(root).expect("inside root");
                found.insert(relative.to_string_lossy().into_owned());
            }
        }
    }
    let mut found = BTreeSet::new();
    for tree in TREES {
        walk(root, &root.join(tree), &mut found);
    }
    found.into_iter().collect()
}

/// terraform with `args` in the workspace's subdirectory `dir`, without colour.
fn terraform_in(ws: &Workspace, dir: &str, args: &[&str]) -> Output {
    let chdir = format!("-chdir={dir}");
    let mut full = vec![chdir.as_str(), args[0], "-no-color"];
    full.extend_from_slice(&args[1..]);
    ws.terraform(&full)
}

fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    files
}

#[test]
fn examples_and_modules_are_terraform_fmt_clean() {
    let ws = Workspace::new();
    for tree in TREES {
        let path = workspace_root().join(tree);
        let out = ws.terraform(&["fmt", "-check", "-recursive", "-diff", &path.to_string_lossy()]);
        assert!(
            out.success(),
            "{tree}/ is not formatted; run `terraform fmt -recursive {tree}`:\n{}",
            out.combined()
        );
    }
}

#[test]
fn every_example_and_module_initialises_and_validates() {
    let ws = workspace_with_trees();
    let dirs = configuration_dirs(ws.path());
    for expected in [
        "modules/region",
        "modules/global-deployment",
        "examples/multi-region-canary",
        "examples/failover",
        "examples/pr-plan-review",
        "examples/provider",
    ] {
        assert!(
            dirs.iter().any(|d| d == expected),
            "{expected} not found among {dirs:?}"
        );
    }
    for dir in &dirs {
        let files = tf_files(&ws.path().join(dir));
        let declares_provider = files.iter().any(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_default()
                .contains("required_providers")
        });
        if !declares_provider {
            // Registry-style snippets (embedded in the docs) leave the terraform block out.
            assert!(
                dir.starts_with("examples/resources/")
                    || dir.starts_with("examples/data-sources/")
                    || dir == "examples/provider",
                "{dir} must declare required_providers {{ globaldeploy = {{ source = \"globaldeploy/globaldeploy\" }} }}"
            );
            ws.write(&format!("{dir}/versions_e2e.tf"), REQUIRED_PROVIDERS);
        }
        let init = terraform_in(&ws, dir, &["init", "-input=false"]);
        assert!(init.success(), "terraform init failed in {dir}:\n{}", init.combined());
        let validate = terraform_in(&ws, dir, &["validate"]);
        assert!(
            validate.success() && validate.stdout.contains("The configuration is valid"),
            "terraform validate failed in {dir}:\n{}",
            validate.combined()
        );
    }
}

#[test]
fn registry_examples_cover_every_resource_and_data_source() {
    let ws = Workspace::new();
    ws.write("main.tf", REQUIRED_PROVIDERS);
    ws.init().assert_success();
    let schema = ws.providers_schema_json();
    let provider = &schema["provider_schemas"][globaldeploy_e2e::PROVIDER_SOURCE];
    let names = |kind: &str| -> Vec<String> {
        provider[kind]
            .as_object()
            .unwrap_or_else(|| panic!("no {kind} in the schema"))
            .keys()
            .cloned()
            .collect()
    };
    let examples = workspace_root().join("examples");
    let resources = names("resource_schemas");
    assert!(resources.len() >= 5, "{resources:?}");
    for resource in &resources {
        let dir = examples.join("resources").join(resource);
        let config = std::fs::read_to_string(dir.join("resource.tf"))
            .unwrap_or_else(|e| panic!("examples/resources/{resource}/resource.tf: {e}"));
        assert!(
            config.contains(&format!("resource \"{resource}\"")),
            "examples/resources/{resource}/resource.tf declares no {resource}"
        );
        let import = dir.join("import.sh");
        if NOT_IMPORTABLE.contains(&resource.as_str()) {
            assert!(
                !import.exists(),
                "{resource} cannot be imported, yet {} exists",
                import.display()
            );
            continue;
        }
        let script = std::fs::read_to_string(&import).unwrap_or_else(|e| panic!("{}: {e}", import.display()));
        let syntax = std::process::Command::new("bash")
            .arg("-n")
            .arg(&import)
            .output()
            .expect("run bash -n");
        assert!(
            syntax.status.success(),
            "{} does not parse: {}",
            import.display(),
            String::from_utf8_lossy(&syntax.stderr)
        );
        // The address imported must be one the snippet beside it declares.
        let address = script
            .lines()
            .find_map(|l| l.trim().strip_prefix("terraform import "))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("{} has no `terraform import ADDRESS ID` line", import.display()));
        let (rtype, name) = address
            .split_once('.')
            .unwrap_or_else(|| panic!("{address:?} in {} is not TYPE.NAME", import.display()));
        assert_eq!(rtype, resource, "{} imports another type", import.display());
        assert!(
            config.contains(&format!("resource \"{rtype}\" \"{name}\"")),
            "{} imports {address}, which resource.tf does not declare",
            import.display()
        );
    }
    for data_source in names("data_source_schemas") {
        let path = examples.join("data-sources").join(&data_source).join("data-source.tf");
        let config = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            config.contains(&format!("data \"{data_source}\"")),
            "{} declares no data source {data_source}",
            path.display()
        );
    }
    for example in ["multi-region-canary", "failover", "pr-plan-review"] {
        assert!(
            examples.join(example).join("README.md").is_file(),
            "examples/{example}/README.md"
        );
    }
    for module in ["region", "global-deployment"] {
        assert!(
            workspace_root()
                .join("modules")
                .join(module)
                .join("README.md")
                .is_file(),
            "modules/{module}/README.md"
        );
    }
    let workflow = examples.join("pr-plan-review/.github/workflows/globaldeploy-plan.yml");
    let workflow = std::fs::read_to_string(&workflow).unwrap_or_else(|e| panic!("{}: {e}", workflow.display()));
    for step in [
        "terraform plan",
        "terraform show -json",
        "globaldeploy plan --terraform-plan plan.json --format markdown",
    ] {
        assert!(workflow.contains(step), "the pr-plan-review workflow lacks {step:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Against moto

fn create_zone(moto: &Moto, name: &str) -> String {
    block_on(moto.route53().create_hosted_zone(name)).expect("CreateHostedZone")
}

fn record_sets(moto: &Moto, zone: &str) -> Vec<RecordSet> {
    block_on(moto.route53().record_sets(zone))
        .expect("ListResourceRecordSets")
        .as_ref()
        .clone()
}

/// Points the AWS SDK of the provider that terraform starts at moto, as a user of an example would.
fn aim_at_moto(ws: &mut Workspace, moto: &Moto) {
    ws.set_env("AWS_ACCESS_KEY_ID", "test")
        .set_env("AWS_SECRET_ACCESS_KEY", "test")
        .set_env("AWS_REGION", "us-east-1")
        .set_env("AWS_ENDPOINT_URL_ROUTE_53", &moto.endpoint());
}

/// Every resource of a `terraform show -json` plan's planned values, modules included.
fn planned_resources(plan: &Json) -> Vec<Json> {
    fn collect(module: &Json, out: &mut Vec<Json>) {
        out.extend(module["resources"].as_array().cloned().unwrap_or_default());
        for child in module["child_modules"].as_array().into_iter().flatten() {
            collect(child, out);
        }
    }
    let mut out = Vec::new();
    collect(&plan["planned_values"]["root_module"], &mut out);
    out
}

fn planned(plan: &Json, address: &str) -> Json {
    planned_resources(plan)
        .into_iter()
        .find(|r| r["address"] == address)
        .map(|r| r["values"].clone())
        .unwrap_or_else(|| panic!("{address} not planned: {plan:#}"))
}

#[test]
fn multi_region_canary_plans_against_moto_and_renders_the_pull_request_comment() {
    let moto = Moto::start();
    let zone = create_zone(&moto, "example.com");
    let mut ws = workspace_with_trees();
    aim_at_moto(&mut ws, &moto);
    let dir = "examples/multi-region-canary";
    terraform_in(&ws, dir, &["init", "-input=false"]).assert_success();
    let zone_var = format!("zone_id={zone}");
    terraform_in(&ws, dir, &["plan", "-input=false", "-var", &zone_var, "-out=tfplan"]).assert_success();
    let show = terraform_in(&ws, dir, &["show", "-json", "tfplan"]);
    show.assert_success();
    let plan: Json = serde_json::from_str(&show.stdout).expect("plan JSON");

    let deployment = planned(&plan, "globaldeploy_deployment.api");
    let rows = deployment["rollout_plan"]
        .as_array()
        .unwrap_or_else(|| panic!("rollout_plan is not known at plan time: {deployment:#}"));
    // Three waves in order. The first apply creates the deployment, a publication: one row per
    // region at 100 %, held for its gates' first evaluation (the canary's 10s × 6, else the
    // deployment gate's 5s × 10), not the 5/25/50/100 % steps nor the bake of a later release.
    let mut waves: Vec<&str> = rows.iter().filter_map(|r| r["wave"].as_str()).collect();
    waves.dedup();
    assert_eq!(waves, ["canary", "americas-europe", "asia-pacific"]);
    let regions: BTreeSet<&str> = rows.iter().filter_map(|r| r["region"].as_str()).collect();
    assert_eq!(
        regions,
        BTreeSet::from([
            "us-east-1",
            "us-west-2",
            "eu-west-1",
            "ap-southeast-1",
            "ap-northeast-1"
        ])
    );
    let schedule: Vec<(&str, i64, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["region"].as_str().unwrap_or_default(),
                r["step_percent"].as_i64().unwrap_or_default(),
                r["hold"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        schedule,
        [
            ("us-west-2", 100, "1m"),
            ("us-east-1", 100, "50s"),
            ("eu-west-1", 100, "50s"),
            ("ap-southeast-1", 100, "50s"),
            ("ap-northeast-1", 100, "50s"),
        ]
    );
    assert_eq!(rows.last().expect("rows")["global_exposure_percent"], 100.0);

    let record = planned(&plan, "globaldeploy_weighted_record.api");
    let weights: Vec<(String, i64)> = record["endpoint"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|e| {
            (
                e["set_identifier"].as_str().unwrap_or("").to_owned(),
                e["weight"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(weights.iter().map(|(_, w)| w).sum::<i64>(), 100, "{weights:?}");

    // What the pr-plan-review workflow posts.
    let plan_json = ws.write("plan.json", &show.stdout);
    let comment = std::process::Command::new(globaldeploy_e2e::cli_binary())
        .args(["plan", "--format", "markdown", "--terraform-plan"])
        .arg(&plan_json)
        .output()
        .expect("run globaldeploy plan");
    let markdown = String::from_utf8_lossy(&comment.stdout);
    assert!(comment.status.success(), "{}", String::from_utf8_lossy(&comment.stderr));
    assert!(markdown.contains("3 waves, 5 regions, ~2m40s"), "{markdown}");
    assert!(
        markdown.contains("publication: each region goes live at 100 %"),
        "{markdown}"
    );
    assert!(markdown.contains("| asia-pacific (approval) |"), "{markdown}");
}

#[test]
fn failover_example_plans_through_the_modules_against_moto() {
    let moto = Moto::start();
    let zone = create_zone(&moto, "example.com");
    let mut ws = workspace_with_trees();
    aim_at_moto(&mut ws, &moto);
    let dir = "examples/failover";
    terraform_in(&ws, dir, &["init", "-input=false"]).assert_success();
    let zone_var = format!("zone_id={zone}");
    terraform_in(&ws, dir, &["plan", "-input=false", "-var", &zone_var, "-out=tfplan"]).assert_success();
    let show = terraform_in(&ws, dir, &["show", "-json", "tfplan"]);
    show.assert_success();
    let plan: Json = serde_json::from_str(&show.stdout).expect("plan JSON");

    let policy = planned(&plan, "module.shop.globaldeploy_failover_policy.dr[0]");
    assert_eq!(policy["name"], "shop.example.com");
    assert_eq!(policy["primary"]["alias"]["name"], "global.shop.example.com");
    assert_eq!(policy["primary"]["alias"]["evaluate_target_health"], true);
    assert_eq!(policy["secondary"]["records"], serde_json::json!(["203.0.113.50"]));

    let record = planned(&plan, "module.shop.globaldeploy_weighted_record.global");
    let aliases: BTreeSet<(String, i64)> = record["endpoint"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|e| {
            (
                e["alias"]["name"].as_str().unwrap_or("").to_owned(),
                e["weight"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        aliases,
        BTreeSet::from([
            ("eu-west-1.shop.example.com".to_owned(), 40),
            ("us-east-1.shop.example.com".to_owned(), 60)
        ])
    );
    for region in ["us-east-1", "eu-west-1"] {
        planned(
            &plan,
            &format!("module.shop.module.region[\"{region}\"].globaldeploy_health_check.this"),
        );
    }
    let deployment = planned(&plan, "module.shop.globaldeploy_deployment.this");
    let waves: Vec<&str> = deployment["waves"]
        .as_array()
        .expect("waves")
        .iter()
        .filter_map(|w| w["name"].as_str())
        .collect();
    assert_eq!(waves, ["first", "second"]);
    assert!(deployment["rollout_plan"].is_array(), "{deployment:#}");
}

const REGIONS: &[(&str, &str, u32)] = &[
    ("us-west-2", "canary", 20),
    ("us-east-1", "rest", 50),
    ("eu-west-1", "rest", 30),
];

fn module_config(moto: &Moto, journal: &Path, zone: &str, release: &str, servers: &[RegionServer]) -> String {
    let regions: String = REGIONS
        .iter()
        .zip(servers)
        .enumerate()
        .map(|(i, ((name, wave, weight), server))| {
            format!(
                "    \"{name}\" = {{ wave = \"{wave}\", global_weight = {weight}, target = [\"192.0.2.{n}\"], health_url = \"{url}\" }}\n",
                n = 10 + i,
                url = server.health_url()
            )
        })
        .collect();
    format!(
        r#"{REQUIRED_PROVIDERS}
{provider}
module "api" {{
  source = "./modules/global-deployment"

  name    = "api"
  release = "{release}"
  zone_id = "{zone}"
  domain  = "api.example.com"
  waves   = [{{ name = "canary" }}, {{ name = "rest", max_parallel = 2 }}]
  regions = {{
{regions}  }}
  strategy    = {{ steps = [50, 100], step_interval = "200ms" }}
  health_gate = {{ interval = "100ms", timeout = "100ms", min_samples = 1, success_ratio = 1 }}
  dr_target   = {{ records = ["198.51.100.7"] }}
}}

output "deployment" {{
  value = {{
    status       = module.api.status
    active       = module.api.active_version
    health_check = module.api.health_check_ids
    fqdn         = module.api.fqdn
  }}
}}
"#,
        provider = provider_block(&moto.endpoint(), Some(journal)),
    )
}

/// Weight of `set_identifier` at `name` (with or without the trailing dot), -1 when absent.
fn weight_of(sets: &[RecordSet], name: &str, set_identifier: &str) -> i64 {
    let name = format!("{}.", name.trim_end_matches('.'));
    sets.iter()
        .find(|s| s.name == name && s.set_identifier.as_deref() == Some(set_identifier))
        .and_then(|s| s.weight)
        .unwrap_or(-1)
}

#[test]
fn global_deployment_module_applies_rolls_out_and_destroys_against_moto() {
    let moto = Moto::start();
    let zone = create_zone(&moto, "example.com");
    let servers: Vec<RegionServer> = REGIONS
        .iter()
        .map(|_| RegionServer::start().expect("region server"))
        .collect();
    let ws = Workspace::new();
    copy_tree(&workspace_root().join("modules"), &ws.path().join("modules"));
    let journal = ws.path().join("journal");
    ws.write("main.tf", &module_config(&moto, &journal, &zone, "v1", &servers));
    ws.init().assert_success();
    ws.apply().assert_success();

    let sets = record_sets(&moto, &zone);
    let outputs = ws.output_json();
    let deployment = &outputs["deployment"]["value"];
    assert_eq!(deployment["status"], "succeeded");
    assert_eq!(deployment["active"], "v1");
    assert_eq!(deployment["fqdn"], "api.example.com");
    for (region, _, weight) in REGIONS {
        let record = format!("{region}.api.example.com");
        assert_eq!(
            weight_of(&sets, &record, &format!("{record}-blue")),
            100,
            "{region}: {sets:#?}"
        );
        let global = sets
            .iter()
            .find(|s| s.name == "global.api.example.com." && s.set_identifier.as_deref() == Some(region))
            .unwrap_or_else(|| panic!("no global endpoint for {region}: {sets:#?}"));
        assert_eq!(global.weight, Some(i64::from(*weight)));
        assert_eq!(
            global
                .alias
                .as_ref()
                .map(|a| (a.name.trim_end_matches('.'), a.evaluate_target_health)),
            Some((record.as_str(), true))
        );
        assert_eq!(
            global.health_check_id.as_deref(),
            deployment["health_check"][region].as_str(),
            "{region}'s global endpoint is gated by its own health check"
        );
    }
    let failover: Vec<&RecordSet> = sets.iter().filter(|s| s.name == "api.example.com.").collect();
    let primary = failover
        .iter()
        .find(|s| s.failover == Some(Failover::Primary))
        .expect("PRIMARY set");
    assert_eq!(
        primary.alias.as_ref().map(|a| a.name.trim_end_matches('.')),
        Some("global.api.example.com")
    );
    let secondary = failover
        .iter()
        .find(|s| s.failover == Some(Failover::Secondary))
        .expect("SECONDARY set");
    assert_eq!(secondary.records, ["198.51.100.7"]);
    assert_eq!(ws.plan_detailed_exitcode(), 0, "a plan right after apply shows changes");

    // A new release rolls through both waves onto the green slots.
    ws.write("main.tf", &module_config(&moto, &journal, &zone, "v2", &servers));
    ws.apply().assert_success();
    let outputs = ws.output_json();
    assert_eq!(outputs["deployment"]["value"]["active"], "v2");
    assert_eq!(outputs["deployment"]["value"]["status"], "succeeded");
    let sets = record_sets(&moto, &zone);
    for (region, _, _) in REGIONS {
        let record = format!("{region}.api.example.com");
        assert_eq!(
            weight_of(&sets, &record, &format!("{record}-green")),
            100,
            "{region}: {sets:#?}"
        );
        assert_eq!(
            weight_of(&sets, &record, &format!("{record}-blue")),
            0,
            "{region}: {sets:#?}"
        );
    }
    assert!(
        servers.iter().all(|s| s.hits() > 0),
        "every region's health_url was probed"
    );
    assert_eq!(
        ws.plan_detailed_exitcode(),
        0,
        "a plan right after the rollout shows changes"
    );

    ws.destroy().assert_success();
    let left: Vec<String> = record_sets(&moto, &zone)
        .iter()
        .filter(|s| s.rtype != "NS" && s.rtype != "SOA")
        .map(|s| format!("{} {:?}", s.name, s.set_identifier))
        .collect();
    assert!(left.is_empty(), "destroy left record sets behind: {left:?}");
}

#[test]
fn global_deployment_module_rejects_bad_steps_and_unknown_waves_with_their_line() {
    let ws = Workspace::new();
    copy_tree(&workspace_root().join("modules"), &ws.path().join("modules"));
    let config = |strategy: &str, wave: &str| {
        format!(
            r#"{REQUIRED_PROVIDERS}
module "api" {{
  source  = "./modules/global-deployment"
  name    = "api"
  release = "v1"
  zone_id = "Z0123456789"
  domain  = "api.example.com"
  waves   = [{{ name = "canary" }}]
  regions = {{
    "us-west-2" = {{ wave = "{wave}", global_weight = 10, target = ["192.0.2.10"] }}
  }}
  strategy = {strategy}
}}
"#
        )
    };
    ws.write("main.tf", &config("{ steps = [5, 50, 25] }", "canary"));
    ws.init().assert_success();
    let line = ws
        .read("main.tf")
        .lines()
        .position(|l| l.contains("strategy ="))
        .expect("strategy line")
        + 1;
    let out = ws.validate();
    out.assert_failure()
        .assert_contains(&format!("on main.tf line {line}, in module \"api\""));
    assert_collapsed_contains(
        &out,
        "The strategy.steps must be whole percentages between 1 and 100, strictly ascending, ending at 100",
    );

    ws.write("main.tf", &config("{ on_failure = \"retry\" }", "canary"));
    let out = ws.validate();
    out.assert_failure();
    assert_collapsed_contains(
        &out,
        "The strategy.on_failure must be \"rollback_region\", \"rollback_all\" or \"halt\".",
    );

    // A region naming a wave that does not exist is caught before anything is created, and the
    // message names the typo.
    ws.write("main.tf", &config("{}", "cannary"));
    let out = ws.plan();
    out.assert_failure().assert_contains("Resource precondition failed");
    assert_collapsed_contains(
        &out,
        "Wave canary has no regions: set wave = \"canary\" on at least one region of var.regions, or remove the \
         wave. Regions whose wave is not in var.waves: us-west-2 -> cannary.",
    );
}

/// Terraform wraps long messages: compares with whitespace collapsed.
#[track_caller]
fn assert_collapsed_contains(out: &Output, needle: &str) {
    let collapse = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        collapse(&out.combined()).contains(&collapse(needle)),
        "expected {needle:?} in:\n{}",
        out.combined()
    );
}
