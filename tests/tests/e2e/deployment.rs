//! `globaldeploy_deployment` through the real terraform CLI against moto and local region
//! servers (`globaldeploy-region-server`): three waves over five regions, v1 → v2 rolled through
//! the waves with health gates; a failing wave-2 region rolled back with a precise error and a
//! truthful state; `rollback_all` and `halt`; the planned `rollout_plan`; drift made outside
//! Terraform (weights, targets, a deleted slot) shown by the plan and restored by apply; a `ttl`
//! change reaching both slots without a rollout. Weights are checked through the Route 53 API.

use std::collections::BTreeMap;
use std::path::Path;

use globaldeploy_adapters::aws::{Change, ChangeAction, RecordSet};
use globaldeploy_adapters::file_journal::FileJournal;
use globaldeploy_e2e::{block_on, planned_change, provider_block, Moto, Output, Workspace, REQUIRED_PROVIDERS};
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::lease::Holder;
use globaldeploy_engine::journal::replay;
use globaldeploy_engine::ports::{Approvals, JournalStore};
use globaldeploy_region_server::{Mode, RegionServer};
use serde_json::Value as Json;

mod brownout;
mod journal;
mod s3_journal;

/// The five seed regions, their wave and global weight.
const REGIONS: &[(&str, &str, u32)] = &[
    ("us-west-2", "canary", 10),
    ("us-east-1", "wave2", 30),
    ("eu-west-1", "wave2", 20),
    ("ap-southeast-1", "rest", 20),
    ("ap-northeast-1", "rest", 20),
];

struct Fixture {
    moto: Moto,
    zone: String,
    ws: Workspace,
    servers: BTreeMap<&'static str, RegionServer>,
    wave2_extra: std::sync::Mutex<String>,
    /// The Route 53 endpoint the provider is configured with: moto, or a fault proxy before it.
    route53_endpoint: std::sync::Mutex<String>,
    /// Whether the provider journals to S3 (moto's, [`S3_JOURNAL`]) instead of `journal/`.
    journal_in_s3: std::sync::atomic::AtomicBool,
}

/// The S3 journal of [`Fixture::journal_to_s3`].
const S3_JOURNAL: &str = "s3://team-journal/globaldeploy/prod";

fn record_name(region: &str) -> String {
    format!("{region}.api.example.com")
}

fn config(
    endpoint: &str,
    journal: &Path,
    zone: &str,
    version: &str,
    on_failure: &str,
    wave2_extra: &str,
    servers: &BTreeMap<&str, RegionServer>,
) -> String {
    let regions: String = REGIONS
        .iter()
        .enumerate()
        .map(|(i, (name, _, weight))| {
            format!(
                r#"
  region {{
    name          = "{name}"
    record_name   = "{record}"
    ttl           = 60
    target        = ["192.0.2.{n}"]
    health_url    = "{url}"
    global_weight = {weight}
  }}
"#,
                record = record_name(name),
                n = i + 10,
                url = servers[name].health_url(),
            )
        })
        .collect();
    let provider = provider_block(endpoint, Some(journal));
    format!(
        r#"{REQUIRED_PROVIDERS}
{provider}
resource "globaldeploy_wave" "canary" {{
  name      = "canary"
  regions   = ["us-west-2"]
  bake_time = "0s"
}}

resource "globaldeploy_wave" "wave2" {{
  name         = "wave2"
  regions      = ["us-east-1", "eu-west-1"]
  max_parallel = 2
  {wave2_extra}
}}

resource "globaldeploy_wave" "rest" {{
  name         = "rest"
  regions      = ["ap-southeast-1", "ap-northeast-1"]
  max_parallel = 2
}}

resource "globaldeploy_deployment" "api" {{
  name    = "api"
  version = "{version}"
  zone_id = "{zone}"
  waves   = [globaldeploy_wave.canary, globaldeploy_wave.wave2, globaldeploy_wave.rest]

  strategy {{
    steps         = [25, 50, 100]
    step_interval = "1s"
    on_failure    = "{on_failure}"
  }}
{regions}
  gate {{
    http {{
      timeout = "200ms"
    }}
    interval          = "200ms"
    min_samples       = 2
    success_ratio     = 1
    failure_threshold = 2
  }}
}}
"#
    )
}

impl Fixture {
    fn new(on_failure: &str) -> Fixture {
        Fixture::with(on_failure, "")
    }

    fn with(on_failure: &str, wave2_extra: &str) -> Fixture {
        let moto = Moto::start();
        let zone = block_on(moto.route53().create_hosted_zone("example.com")).expect("CreateHostedZone");
        let servers: BTreeMap<&'static str, RegionServer> = REGIONS
            .iter()
            .map(|(name, _, _)| (*name, RegionServer::start().expect("region server")))
            .collect();
        let ws = Workspace::new();
        let endpoint = moto.endpoint();
        let fixture = Fixture {
            moto,
            zone,
            ws,
            servers,
            wave2_extra: std::sync::Mutex::new(wave2_extra.to_owned()),
            route53_endpoint: std::sync::Mutex::new(endpoint),
            journal_in_s3: std::sync::atomic::AtomicBool::new(false),
        };
        fixture.write("v1", on_failure);
        fixture.ws.init().assert_success();
        fixture
    }

    fn write(&self, version: &str, on_failure: &str) {
        let journal = self.ws.path().join("journal");
        let mut main = config(
            &self.route53_endpoint.lock().unwrap(),
            &journal,
            &self.zone,
            version,
            on_failure,
            &self.wave2_extra.lock().unwrap(),
            &self.servers,
        );
        if self.journal_in_s3.load(std::sync::atomic::Ordering::SeqCst) {
            let endpoint = self.moto.endpoint();
            main = main
                .replace(
                    &format!("\"file://{}\"", journal.display()),
                    &format!("\"{S3_JOURNAL}\""),
                )
                .replace("  endpoints {\n", &format!("  endpoints {{\n    s3 = \"{endpoint}\"\n"));
        }
        self.ws.write("main.tf", &main);
    }

    /// From now on the provider journals to [`S3_JOURNAL`] in moto (its bucket made here), as a
    /// team whose CI runners share one journal.
    fn journal_to_s3(&self, version: &str, on_failure: &str) {
        block_on(globaldeploy_adapters::testing::create_bucket(
            &self.moto.endpoint(),
            "team-journal",
        ));
        self.journal_in_s3.store(true, std::sync::atomic::Ordering::SeqCst);
        self.write(version, on_failure);
    }

    /// The S3 journal, as another machine of the team reads it.
    fn s3_journal(&self) -> globaldeploy_adapters::journal::Journal {
        globaldeploy_adapters::journal::Journal::from_url(
            S3_JOURNAL,
            &globaldeploy_adapters::aws::AwsSettings {
                region: Some("us-east-1".into()),
                access_key: Some("test".into()),
                secret_key: Some("test".into()),
                s3_endpoint: Some(self.moto.endpoint()),
                ..Default::default()
            },
        )
        .expect("an s3 journal")
    }

    /// region → (blue weight, green weight) of the deployment's slots, fresh from the API.
    fn weights(&self) -> BTreeMap<String, (i64, i64)> {
        let sets = block_on(async {
            let r53 = self.moto.route53();
            r53.record_sets(&self.zone)
                .await
                .expect("ListResourceRecordSets")
                .as_ref()
                .clone()
        });
        REGIONS
            .iter()
            .map(|(region, _, _)| {
                let name = format!("{}.", record_name(region));
                let of = |slot: &str| {
                    let id = format!("{}-{slot}", record_name(region));
                    sets.iter()
                        .find(|s| s.name == name && s.set_identifier.as_deref() == Some(id.as_str()))
                        .and_then(|s| s.weight)
                        .unwrap_or(-1)
                };
                ((*region).to_owned(), (of("blue"), of("green")))
            })
            .collect()
    }

    /// The set of `region`'s `slot` (`"blue"` or `"green"`), fresh from the API.
    fn slot_set(&self, region: &str, slot: &str) -> Option<RecordSet> {
        let name = format!("{}.", record_name(region));
        let id = format!("{}-{slot}", record_name(region));
        block_on(async {
            let r53 = self.moto.route53();
            r53.record_sets(&self.zone)
                .await
                .expect("ListResourceRecordSets")
                .as_ref()
                .clone()
        })
        .into_iter()
        .find(|s| s.name == name && s.set_identifier.as_deref() == Some(id.as_str()))
    }

    /// Writes `changes` straight through the Route 53 API, as someone outside Terraform would.
    fn change_outside(&self, changes: Vec<Change>) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        block_on(self.moto.route53().change_batch(&self.zone, changes, deadline)).expect("ChangeResourceRecordSets");
    }

    /// How many rollouts the journal holds.
    fn rollouts(&self) -> usize {
        block_on(self.journal().load("api"))
            .expect("journal")
            .iter()
            .filter(|e| matches!(e, Entry::Intent(_)))
            .count()
    }

    /// v1 published, then v2 rolled out: every region serves on green, blue keeps v1 at 0.
    fn at_v2(&self) {
        self.create_v1();
        self.write("v2", "rollback_region");
        self.ws.apply().assert_success();
        for (region, weights) in self.weights() {
            assert_eq!(weights, (0, 100), "{region} serves v2 on green");
        }
    }

    /// The planned change of the deployment in saved plan `planfile`.
    fn planned_change(&self, planfile: &str) -> Json {
        self.ws.plan_out(planfile).assert_success();
        planned_change(&self.ws.show_json(Some(planfile)), "globaldeploy_deployment.api")
    }

    /// The deployment's lease, taken for five minutes by another rollout of it (another
    /// machine's apply, or the CLI): "other-apply on ci-runner-2 (pid 4242, 0123456789abcdef)".
    fn lease_held_elsewhere(&self) -> globaldeploy_engine::journal::lease::Lease {
        lease_held_by_another_runner(&self.journal())
    }

    /// The journal the provider is configured with: `journal/`, or the S3 one.
    fn store(&self) -> globaldeploy_adapters::journal::Journal {
        if self.journal_in_s3.load(std::sync::atomic::Ordering::SeqCst) {
            self.s3_journal()
        } else {
            globaldeploy_adapters::journal::Journal::File(self.journal())
        }
    }

    fn journal(&self) -> FileJournal {
        FileJournal::new(self.ws.path().join("journal"))
    }

    fn state(&self) -> Json {
        let state = self.ws.show_json(None);
        state["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == "globaldeploy_deployment.api"))
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("deployment not in state: {state:#}"))
    }

    fn create_v1(&self) {
        let out = self.ws.apply();
        out.assert_success();
        let state = self.state();
        assert_eq!(state["version"], "v1");
        assert_eq!(state["active_version"], "v1");
        assert_eq!(state["status"], "succeeded");
        for (region, (blue, green)) in self.weights() {
            assert!(
                blue > 0,
                "{region} should serve on blue after create, got blue {blue} green {green}"
            );
            assert!(
                green <= 0,
                "{region}: green must carry nothing after create, got {green}"
            );
            assert_eq!(state["active_slot"][&region], "blue");
        }
    }
}

/// `globaldeploy plan --terraform-plan plan.json --format markdown` over the real saved plan: the
/// pull-request comment reviewers see (run-specific zone id and URLs replaced by placeholders).
/// The lease of `api` in `store`, taken for five minutes by another CI runner's apply.
fn lease_held_by_another_runner(store: &dyn JournalStore) -> globaldeploy_engine::journal::lease::Lease {
    let now = globaldeploy_engine::ports::millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock"),
    );
    let other = Holder {
        name: "other-apply".into(),
        host: "ci-runner-2".into(),
        pid: 4242,
        nonce: "0123456789abcdef".into(),
        process: None,
    };
    block_on(store.acquire_lease("api", &other, std::time::Duration::from_secs(300), now)).expect("lease")
}

fn assert_pull_request_comment_snapshot(fx: &Fixture, plan: &Json) {
    let plan_json = fx.ws.write("plan.json", &plan.to_string());
    let out = std::process::Command::new(globaldeploy_e2e::cli_binary())
        .args(["plan", "--format", "markdown", "--terraform-plan"])
        .arg(&plan_json)
        .output()
        .expect("globaldeploy plan");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "globaldeploy plan failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut markdown = stdout
        .replace(&fx.zone, "ZONE_ID")
        .replace(&fx.moto.endpoint(), "MOTO_ENDPOINT");
    for (region, server) in &fx.servers {
        markdown = markdown.replace(&server.health_url(), &format!("HEALTH_URL_{region}"));
    }
    insta::assert_snapshot!("deployment_pull_request_comment", markdown);
}

fn describe(out: &Output) -> String {
    out.combined()
}

#[test]
fn rollout_v1_to_v2_through_three_waves() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0, "no diff right after create");

    fx.write("v2", "rollback_region");
    fx.ws.plan_out("tfplan");
    let plan = fx.ws.show_json(Some("tfplan"));
    assert_pull_request_comment_snapshot(&fx, &plan);
    let change = planned_change(&plan, "globaldeploy_deployment.api");
    assert_eq!(change["actions"], serde_json::json!(["update"]));
    let rows: Vec<(String, String, i64, String, f64)> = change["after"]["rollout_plan"]
        .as_array()
        .expect("rollout_plan known at plan time")
        .iter()
        .map(|r| {
            (
                r["wave"].as_str().unwrap().to_owned(),
                r["region"].as_str().unwrap().to_owned(),
                r["step_percent"].as_i64().unwrap(),
                r["hold"].as_str().unwrap().to_owned(),
                r["global_exposure_percent"].as_f64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(&str, &str, i64, &str, f64)> = vec![
        ("canary", "us-west-2", 25, "1s", 2.5),
        ("canary", "us-west-2", 50, "1s", 5.0),
        ("canary", "us-west-2", 100, "1s", 10.0),
        ("wave2", "us-east-1", 25, "1s", 22.5),
        ("wave2", "eu-west-1", 25, "1s", 22.5),
        ("wave2", "us-east-1", 50, "1s", 35.0),
        ("wave2", "eu-west-1", 50, "1s", 35.0),
        ("wave2", "us-east-1", 100, "1s", 60.0),
        ("wave2", "eu-west-1", 100, "1s", 60.0),
        ("rest", "ap-southeast-1", 25, "1s", 70.0),
        ("rest", "ap-northeast-1", 25, "1s", 70.0),
        ("rest", "ap-southeast-1", 50, "1s", 80.0),
        ("rest", "ap-northeast-1", 50, "1s", 80.0),
        ("rest", "ap-southeast-1", 100, "1s", 100.0),
        ("rest", "ap-northeast-1", 100, "1s", 100.0),
    ];
    let expected: Vec<(String, String, i64, String, f64)> = expected
        .into_iter()
        .map(|(w, r, s, h, e)| (w.to_owned(), r.to_owned(), s, h.to_owned(), e))
        .collect();
    assert_eq!(rows, expected);
    // Terraform marks a known list of objects as a list of empty objects in `after_unknown`.
    let unknown = &change["after_unknown"]["rollout_plan"];
    assert!(
        unknown.is_null()
            || *unknown == false
            || unknown
                .as_array()
                .is_some_and(|rows| rows.iter().all(|r| r.as_object().is_some_and(|o| o.is_empty()))),
        "rollout_plan must be known: {:#}",
        change["after_unknown"]
    );

    let out = fx.ws.terraform(&["apply", "tfplan"]);
    out.assert_success();
    let state = fx.state();
    assert_eq!(state["version"], "v2");
    assert_eq!(state["active_version"], "v2");
    assert_eq!(state["status"], "succeeded");
    for (region, (blue, green)) in fx.weights() {
        assert_eq!((blue, green), (0, 100), "{region} must end on its new slot (green)");
        assert_eq!(state["active_slot"][&region], "green", "{region}");
        assert_eq!(state["region_status"][&region], "promoted", "{region}");
    }
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0, "no diff right after the rollout");

    // The data source reads the same rollout from the journal.
    let ds = r#"
data "globaldeploy_rollout" "api" {
  deployment = globaldeploy_deployment.api.name
}
output "rollout_status" { value = data.globaldeploy_rollout.api.status }
output "rollout_target" { value = data.globaldeploy_rollout.api.target_version }
"#;
    let main = fx.ws.read("main.tf");
    fx.ws.write("main.tf", &format!("{main}\n{ds}"));
    fx.ws.apply().assert_success();
    let outputs = fx.ws.output_json();
    assert_eq!(outputs["rollout_status"]["value"], "succeeded");
    assert_eq!(outputs["rollout_target"]["value"], "v2");

    fx.ws.destroy().assert_success();
    for (region, (blue, green)) in fx.weights() {
        assert_eq!((blue, green), (-1, -1), "{region}: destroy removes both slots");
    }
}

#[test]
fn failing_wave2_region_is_rolled_back_and_state_stays_v1() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    fx.servers["us-east-1"].set_mode(Mode::Failing);
    fx.write("v2", "rollback_region");
    let out = fx.ws.apply();
    out.assert_failure();
    let text = describe(&out);
    eprintln!("{text}");
    for needle in [
        "wave \"wave2\"",
        "region \"us-east-1\"",
        "step 25 %",
        "failed",
        "rolled_back",
    ] {
        assert!(text.contains(needle), "error must name {needle:?}:\n{text}");
    }
    let state = fx.state();
    assert_eq!(state["version"], "v1", "state keeps the version the deployment serves");
    assert_eq!(state["active_version"], "v1");
    assert_eq!(state["status"], "rolled_back");
    assert_eq!(state["region_status"]["us-east-1"], "rolled_back");
    assert_eq!(state["active_slot"]["us-east-1"], "blue");
    assert_eq!(
        state["region_status"]["us-west-2"], "promoted",
        "the canary stays promoted"
    );
    let weights = fx.weights();
    assert_eq!(weights["us-east-1"], (100, 0), "us-east-1 back on its old slot");
    assert_eq!(weights["us-west-2"], (0, 100), "canary kept the new version");
    assert_eq!(
        weights["ap-southeast-1"],
        (100, -1),
        "later waves untouched (no green set written)"
    );
    assert_refresh_finds_no_drift(&fx);
    assert_eq!(fx.ws.plan_detailed_exitcode(), 2, "the next plan proposes v2 again");
    let plan = fx.ws.plan();
    plan.assert_success().assert_contains("\"v1\" -> \"v2\"");

    // Fixed: re-applying finishes the rollout.
    fx.servers["us-east-1"].set_mode(Mode::Healthy);
    fx.ws.apply().assert_success();
    let state = fx.state();
    assert_eq!(state["version"], "v2");
    assert_eq!(state["active_version"], "v2");
    assert_eq!(state["status"], "succeeded");
    for (region, (blue, green)) in fx.weights() {
        let slot = state["active_slot"][&region].as_str().unwrap().to_owned();
        let serving = if slot == "blue" { (blue, green) } else { (green, blue) };
        assert_eq!(serving.0, 100, "{region} serves fully on its active slot {slot}");
        assert!(serving.1 <= 0, "{region}: idle slot at 0");
    }
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0);
}

#[test]
fn rollback_all_restores_promoted_regions() {
    let fx = Fixture::new("rollback_all");
    fx.create_v1();
    fx.servers["us-east-1"].set_mode(Mode::Failing);
    fx.write("v2", "rollback_all");
    let out = fx.ws.apply();
    out.assert_failure();
    assert!(describe(&out).contains("region \"us-east-1\""), "{}", describe(&out));
    let state = fx.state();
    assert_eq!(state["version"], "v1");
    assert_eq!(state["status"], "rolled_back");
    for (region, (blue, green)) in fx.weights() {
        assert!(
            blue == 100 && green <= 0,
            "{region} must be back on blue at 100, got blue {blue} green {green}"
        );
        assert_eq!(state["active_slot"][&region], "blue", "{region}");
    }
    assert_eq!(state["region_status"]["us-west-2"], "rolled_back");
    assert_refresh_finds_no_drift(&fx);
}

#[test]
fn halt_freezes_weights() {
    let fx = Fixture::new("halt");
    fx.create_v1();
    fx.servers["us-east-1"].set_mode(Mode::Failing);
    fx.write("v2", "halt");
    let out = fx.ws.apply();
    out.assert_failure();
    assert!(describe(&out).contains("halted"), "{}", describe(&out));
    let state = fx.state();
    assert_eq!(state["version"], "v1");
    assert_eq!(state["status"], "halted");
    let weights = fx.weights();
    assert_eq!(weights["us-east-1"], (75, 25), "halt keeps the 25 % step");
    assert_eq!(weights["us-west-2"], (0, 100), "the canary stays promoted");
    assert_eq!(weights["ap-southeast-1"], (100, -1), "later waves untouched");
    // Halted regions hold both slots at the step's weights: that is no drift.
    assert_refresh_finds_no_drift(&fx);
}

#[test]
fn approval_gate_waits_for_approve() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    // The wave changes in the same apply: the deployment plans with the wave's planned values.
    *fx.wave2_extra.lock().unwrap() = "require_approval = true".to_owned();
    fx.write("v2", "rollback_region");
    std::thread::scope(|scope| {
        let apply = scope.spawn(|| fx.ws.apply());
        // Wait for the rollout to stop in front of wave2.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let rollout_id = loop {
            let entries = block_on(fx.journal().load("api")).expect("journal");
            let waiting = entries
                .iter()
                .rev()
                .take_while(|e| !matches!(e, Entry::Intent(_)))
                .any(|e| matches!(e, Entry::AwaitingApproval { wave } if wave == "wave2"));
            if waiting {
                break replay(&entries).expect("replay").expect("rollout").rollout_id;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the rollout never waited for approval of wave2"
            );
            assert!(!apply.is_finished(), "apply ended before waiting for approval");
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        // Held: the canary is promoted, wave2 has not moved.
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let weights = fx.weights();
        assert_eq!(weights["us-west-2"], (0, 100), "canary promoted before the approval");
        assert_eq!(weights["us-east-1"].0, 100, "wave2 waits for approval");
        assert!(weights["us-east-1"].1 <= 0, "wave2 waits for approval");
        assert!(!apply.is_finished(), "apply must block while waiting for approval");
        // What `globaldeploy approve api` does.
        block_on(fx.journal().approve("api", &rollout_id, "wave2", "e2e-test")).expect("approve");
        let out = apply.join().expect("apply thread");
        out.assert_success();
    });
    let state = fx.state();
    assert_eq!(state["version"], "v2");
    assert_eq!(state["status"], "succeeded");
    for (region, weights) in fx.weights() {
        assert_eq!(weights, (0, 100), "{region}");
    }
}

#[test]
fn concurrent_rollout_fails_fast_on_the_lease() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    let lease = fx.lease_held_elsewhere();
    fx.write("v2", "rollback_region");
    let started = std::time::Instant::now();
    let out = fx.ws.apply();
    out.assert_failure()
        .assert_says("being rolled out by other-apply on ci-runner-2 (pid 4242, 0123456789abcdef)");
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "must fail fast");
    let state = fx.state();
    assert_eq!(state["version"], "v1", "nothing moved");
    for (region, (blue, green)) in fx.weights() {
        assert!(blue == 100 && green <= 0, "{region}: nothing moved");
    }
    block_on(fx.journal().release_lease(&lease)).expect("release");
    fx.ws.apply().assert_success();
    assert_eq!(fx.state()["version"], "v2");
}

/// Writes outside a rollout hold the deployment's lease too: drift repair and destroy are
/// refused, with Route 53 untouched, while another process rolls the deployment out.
#[test]
fn drift_repair_and_destroy_are_refused_while_another_process_holds_the_lease() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    let blue = fx.slot_set("us-east-1", "blue").expect("blue serves v1");
    fx.change_outside(vec![upsert(RecordSet {
        weight: Some(40),
        ..blue
    })]);
    let lease = fx.lease_held_elsewhere();
    let held_by = "being rolled out by other-apply on ci-runner-2 (pid 4242, 0123456789abcdef)";
    fx.ws
        .apply()
        .assert_failure()
        .assert_says("Cannot restore the slots of deployment \"api\"")
        .assert_says(held_by);
    assert_eq!(
        fx.weights()["us-east-1"].0,
        40,
        "the drift stays until the lease is free"
    );
    fx.ws.destroy().assert_failure().assert_says(held_by);
    assert!(fx.slot_set("us-east-1", "blue").is_some(), "destroy deleted nothing");

    block_on(fx.journal().release_lease(&lease)).expect("release");
    fx.ws.apply().assert_success();
    assert_eq!(fx.weights()["us-east-1"].0, 100, "repaired once the lease is free");
    fx.ws.destroy().assert_success();
    assert!(fx.slot_set("us-east-1", "blue").is_none());
}

#[test]
fn invalid_configurations_point_at_the_attribute() {
    let fx = Fixture::new("rollback_region");
    let main = fx.ws.read("main.tf");
    // A region in no wave.
    fx.ws.write(
        "main.tf",
        &main.replace(
            r#"regions      = ["ap-southeast-1", "ap-northeast-1"]"#,
            r#"regions      = ["ap-southeast-1"]"#,
        ),
    );
    // (waves are references, unknown to `terraform validate`: the plan checks them)
    fx.ws
        .plan()
        .assert_failure()
        .assert_says("region \"ap-northeast-1\" is in no wave")
        .assert_contains("on main.tf line");
    // Steps not ascending / not ending at 100.
    fx.ws.write(
        "main.tf",
        &main.replace("steps         = [25, 50, 100]", "steps         = [50, 25, 90]"),
    );
    let out = fx.ws.plan();
    out.assert_failure()
        .assert_contains("does not exceed the previous step")
        .assert_contains("it must end at 100");
    // on_failure outside the enum.
    fx.ws.write(
        "main.tf",
        &main.replace(r#"on_failure    = "rollback_region""#, r#"on_failure    = "panic""#),
    );
    fx.ws.validate().assert_failure().assert_contains("on_failure");
}

/// `globaldeploy resume api`: the CLI finishes the rollout from the journal alone, with the real
/// adapters. Retries while the killed provider's lease has not expired yet.
fn resume_with_the_cli(fx: &Fixture) -> Json {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let out = globaldeploy(fx, &["resume", "api", "--output", "json"])
            .args(["--route53-endpoint", &fx.moto.endpoint()])
            .output()
            .expect("globaldeploy resume");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            return serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("resume printed no JSON ({e}): {stdout}"));
        }
        let lease_held = stderr.contains("being rolled out by");
        assert!(
            lease_held && std::time::Instant::now() < deadline,
            "globaldeploy resume failed ({}):\n{stdout}\n{stderr}",
            out.status
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// `terraform apply` of the fixture, to be spawned in the background (output discarded unless
/// the caller redirects it).
fn spawn_apply(fx: &Fixture) -> std::process::Command {
    let mut command = std::process::Command::new(globaldeploy_e2e::terraform_binary());
    command
        .args(["apply", "-no-color", "-auto-approve"])
        .current_dir(fx.ws.path())
        .env("TF_CLI_CONFIG_FILE", fx.ws.cli_config())
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("CHECKPOINT_DISABLE", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// Waits (up to 2 min) until the journal shows the v2 rollout's wave2 at its first step.
fn wait_until_wave2_shifts(fx: &Fixture, apply: &mut std::process::Child) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let entries = block_on(fx.store().load("api")).unwrap_or_default();
        let start = entries
            .iter()
            .rposition(|e| matches!(e, Entry::Intent(i) if i.spec.version == "v2"));
        let mid_wave2 = entries[start.unwrap_or(entries.len())..]
            .iter()
            .skip_while(|e| !matches!(e, Entry::GroupStarted { wave, .. } if wave == "wave2"))
            .any(|e| matches!(e, Entry::Step { percent, .. } if *percent == 25));
        if mid_wave2 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "wave2 never started");
        assert!(
            apply.try_wait().expect("wait").is_none(),
            "apply ended before wave2 shifted"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Starts the v2 apply of `fx` (its configuration already written), kills terraform and its
/// provider with SIGKILL once wave2 is mid-shift, and checks what must hold then: no name with
/// every weight at zero, the rollout unfinished in the journal.
fn kill_apply_mid_wave2(fx: &Fixture) {
    use std::os::unix::process::CommandExt;

    let mut child = spawn_apply(fx).process_group(0).spawn().expect("terraform apply");
    // Wait until wave2 is mid-shift, then kill -9 terraform and its provider.
    wait_until_wave2_shifts(fx, &mut child);
    // The provider runs in its own process group: kill it by pid, with terraform.
    let children = std::process::Command::new("pgrep")
        .args(["-P", &child.id().to_string()])
        .output()
        .expect("pgrep");
    let mut pids: Vec<String> = String::from_utf8_lossy(&children.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert!(!pids.is_empty(), "terraform has no provider child");
    pids.push(child.id().to_string());
    let status = std::process::Command::new("kill")
        .arg("-KILL")
        .args(&pids)
        .status()
        .expect("kill");
    assert!(status.success());
    let _ = child.wait();
    eprintln!("killed terraform apply (process group {})", child.id());

    // Never all weights at zero; the killed rollout is unfinished in the journal.
    for (region, (blue, green)) in fx.weights() {
        assert!(blue.max(0) + green.max(0) > 0, "{region} has all weights at 0");
    }
    let state = replay(&block_on(fx.store().load("api")).expect("journal"))
        .expect("replay")
        .expect("rollout");
    assert!(
        state.status.is_none(),
        "the killed rollout must be unfinished: {:?} {:?}",
        state.status,
        state.regions
    );
}

#[test]
fn killed_apply_is_resumed_from_the_journal() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    fx.write("v2", "rollback_region");
    kill_apply_mid_wave2(&fx);

    // A new apply refuses to guess: it points at `globaldeploy resume`.
    fx.ws.apply().assert_failure().assert_contains("globaldeploy resume");

    // `globaldeploy resume` converges from the journal alone.
    let resumed = resume_with_the_cli(&fx);
    let status = resumed
        .get("status")
        .or_else(|| resumed.get(0).and_then(|r| r.get("status")));
    assert_eq!(status, Some(&Json::from("succeeded")), "resume outcome: {resumed:#}");
    for (region, weights) in fx.weights() {
        assert_eq!(weights, (0, 100), "{region} after resume");
    }
    // The next apply adopts the finished rollout without moving traffic.
    fx.ws.apply().assert_success();
    let tf_state = fx.state();
    assert_eq!(tf_state["version"], "v2");
    assert_eq!(tf_state["status"], "succeeded");
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0);
}

#[test]
fn import_by_name_from_the_journal() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    fx.ws
        .terraform(&["state", "rm", "globaldeploy_deployment.api"])
        .assert_success();
    fx.ws
        .terraform(&["import", "globaldeploy_deployment.api", "nosuch"])
        .assert_failure()
        .assert_contains("Cannot import deployment \"nosuch\"");
    fx.ws
        .terraform(&["import", "globaldeploy_deployment.api", "api"])
        .assert_success();
    let state = fx.state();
    assert_eq!(state["version"], "v1");
    assert_eq!(state["status"], "succeeded");
    assert_eq!(state["active_slot"]["us-west-2"], "blue");
    let out = fx.ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.code(), Some(0), "no diff after import: {}", out.combined());
}

/// `main` without the `region` block of `region`.
fn without_region_block(main: &str, region: &str) -> String {
    let at = main
        .find(&format!("name          = \"{region}\""))
        .expect("region block");
    let start = main[..at].rfind("\n  region {").expect("block start");
    let end = at + main[at..].find("\n  }\n").expect("block end") + "\n  }\n".len();
    format!("{}\n{}", &main[..start], &main[end..])
}

#[test]
fn removing_a_region_deletes_its_slots_and_adding_it_back_publishes_it_alone() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    let main = fx.ws.read("main.tf");
    let smaller = without_region_block(&main, "ap-northeast-1").replace(
        r#"regions      = ["ap-southeast-1", "ap-northeast-1"]"#,
        r#"regions      = ["ap-southeast-1"]"#,
    );
    fx.ws.write("main.tf", &smaller);
    fx.ws.apply().assert_success();
    let weights = fx.weights();
    assert_eq!(
        weights["ap-northeast-1"],
        (-1, -1),
        "the removed region's slots are deleted"
    );
    assert_eq!(weights["ap-southeast-1"], (100, -1), "the others keep serving");
    assert!(
        fx.state()["active_slot"].get("ap-northeast-1").is_none(),
        "the removed region leaves the per-region maps"
    );
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0);
    // Adding it back with the version unchanged publishes just it (its old rollout is history).
    fx.ws.write("main.tf", &main);
    let change = fx.planned_change("readd.tfplan");
    assert_eq!(planned_regions(&change), ["ap-northeast-1"]);
    fx.ws.terraform(&["apply", "readd.tfplan"]).assert_success();
    let weights = fx.weights();
    assert_eq!(weights["ap-northeast-1"], (100, -1), "published on blue");
    for (region, w) in &weights {
        assert_eq!(w.0, 100, "{region} serves on blue");
    }
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0);
}

/// The regions `rollout_plan` of a planned change moves, in order of first appearance.
fn planned_regions(change: &Json) -> Vec<String> {
    let mut regions: Vec<String> = Vec::new();
    for row in change["after"]["rollout_plan"].as_array().expect("rollout_plan known") {
        let region = row["region"].as_str().expect("region").to_owned();
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    regions
}

/// Every `Step` entry of the journal after the first `skip` entries: (region, percent).
fn steps_after(fx: &Fixture, skip: usize) -> Vec<(String, u8)> {
    block_on(fx.journal().load("api"))
        .expect("journal")
        .iter()
        .skip(skip)
        .filter_map(|e| match e {
            Entry::Step { percent, weights, .. } => {
                Some(weights.keys().map(|r| (r.clone(), *percent)).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect()
}

/// `globaldeploy plan --format json` over saved plan `planfile`: its schedule rows as
/// (region, step %, exposure %).
fn cli_schedule(fx: &Fixture, planfile: &str) -> Vec<(String, i64, f64)> {
    let plan = fx.ws.show_json(Some(planfile));
    let plan_json = fx.ws.write("plan.json", &plan.to_string());
    let out = std::process::Command::new(globaldeploy_e2e::cli_binary())
        .args(["plan", "--format", "json", "--terraform-plan"])
        .arg(&plan_json)
        .output()
        .expect("globaldeploy plan");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Json = serde_json::from_slice(&out.stdout).expect("plan JSON");
    report["deployments"][0]["rollout"]["schedule"]
        .as_array()
        .expect("schedule")
        .iter()
        .map(|r| {
            (
                r["region"].as_str().unwrap().to_owned(),
                r["step_percent"].as_i64().unwrap(),
                r["global_exposure_percent"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// The planned `rollout_plan` rows as (region, step %, exposure %).
fn planned_rows(change: &Json) -> Vec<(String, i64, f64)> {
    change["after"]["rollout_plan"]
        .as_array()
        .expect("rollout_plan known")
        .iter()
        .map(|r| {
            (
                r["region"].as_str().unwrap().to_owned(),
                r["step_percent"].as_i64().unwrap(),
                r["global_exposure_percent"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn re_applying_after_rollback_region_continues_without_the_promoted_canary() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    fx.servers["us-east-1"].set_mode(Mode::Failing);
    fx.write("v2", "rollback_region");
    fx.ws.apply().assert_failure();
    let state = fx.state();
    assert_eq!(state["version"], "v1");
    assert_eq!(state["region_version"]["us-west-2"], "v2", "the canary serves v2");
    assert_eq!(state["region_version"]["us-east-1"], "v1");
    assert_eq!(fx.weights()["us-west-2"], (0, 100));
    let entries_before = block_on(fx.journal().load("api")).expect("journal").len();

    // Fixed: the next plan proposes v2 again, for the regions not on it yet.
    fx.servers["us-east-1"].set_mode(Mode::Healthy);
    let change = fx.planned_change("continue.tfplan");
    assert_eq!(change["before"]["version"], "v1");
    assert_eq!(change["after"]["version"], "v2");
    let rows = planned_rows(&change);
    let expected: Vec<(String, i64, f64)> = [
        ("us-east-1", 25, 22.5),
        ("eu-west-1", 25, 22.5),
        ("us-east-1", 50, 35.0),
        ("eu-west-1", 50, 35.0),
        ("us-east-1", 100, 60.0),
        ("eu-west-1", 100, 60.0),
        ("ap-southeast-1", 25, 70.0),
        ("ap-northeast-1", 25, 70.0),
        ("ap-southeast-1", 50, 80.0),
        ("ap-northeast-1", 50, 80.0),
        ("ap-southeast-1", 100, 100.0),
        ("ap-northeast-1", 100, 100.0),
    ]
    .into_iter()
    .map(|(r, s, e)| (r.to_owned(), s, e))
    .collect();
    assert_eq!(rows, expected, "no canary rows; exposure starts from its 10 %");
    assert_eq!(
        cli_schedule(&fx, "continue.tfplan"),
        expected,
        "the CLI plans the same schedule"
    );

    fx.ws.terraform(&["apply", "continue.tfplan"]).assert_success();
    // Through the journal: the continuing rollout wrote no step for the canary.
    let steps = steps_after(&fx, entries_before);
    assert!(!steps.is_empty());
    assert!(
        steps.iter().all(|(region, _)| region != "us-west-2"),
        "the canary was stepped again: {steps:?}"
    );
    for region in ["us-east-1", "eu-west-1", "ap-southeast-1", "ap-northeast-1"] {
        let percents: Vec<u8> = steps.iter().filter(|(r, _)| r == region).map(|(_, p)| *p).collect();
        assert_eq!(percents, [25, 50, 100], "{region} rolled through every step");
    }
    let state = fx.state();
    assert_eq!(state["version"], "v2");
    assert_eq!(state["active_version"], "v2");
    assert_eq!(state["status"], "succeeded");
    // Through Route 53: everything on green, the canary never moved back to blue.
    for (region, weights) in fx.weights() {
        assert_eq!(weights, (0, 100), "{region} serves v2 on green");
        assert_eq!(state["active_slot"][&region], "green");
        assert_eq!(state["region_version"][&region], "v2");
        assert_eq!(state["region_status"][&region], "promoted");
    }
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0, "nothing left to do");
}

/// `main` with a sixth region, `sa-east-1` (health at `health_url`), in wave `rest`.
fn with_sixth_region(main: &str, health_url: &str) -> String {
    let block = format!(
        r#"
  region {{
    name          = "sa-east-1"
    record_name   = "{record}"
    ttl           = 60
    target        = ["192.0.2.40"]
    health_url    = "{health_url}"
    global_weight = 10
  }}
"#,
        record = record_name("sa-east-1"),
    );
    let at = main.find("\n  gate {").expect("deployment gate block");
    let with_block = format!("{}\n{block}{}", &main[..at], &main[at..]);
    with_block.replace(
        r#"regions      = ["ap-southeast-1", "ap-northeast-1"]"#,
        r#"regions      = ["ap-southeast-1", "ap-northeast-1", "sa-east-1"]"#,
    )
}

#[test]
fn adding_a_region_with_the_version_unchanged_publishes_only_it() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    let before = fx.weights();
    let server = RegionServer::start().expect("region server");
    let main = fx.ws.read("main.tf");
    fx.ws.write("main.tf", &with_sixth_region(&main, &server.health_url()));
    let entries_before = block_on(fx.journal().load("api")).expect("journal").len();

    let change = fx.planned_change("add.tfplan");
    assert_eq!(change["actions"], serde_json::json!(["update"]));
    assert_eq!(change["after"]["version"], "v1");
    let rows = planned_rows(&change);
    assert_eq!(
        planned_regions(&change),
        ["sa-east-1"],
        "rows only for the new region: {rows:?}"
    );
    // One row: a published region goes live at 100 % at once (no steps, no 1s step_interval),
    // on top of the 100 of 110 global weight already serving v1, held for its gate's first
    // evaluation (200ms × 2 samples).
    assert_eq!(rows, [("sa-east-1".to_owned(), 100, 100.0)]);
    assert_eq!(change["after"]["rollout_plan"][0]["hold"], "400ms");
    assert_eq!(cli_schedule(&fx, "add.tfplan"), rows, "the CLI plans the same schedule");
    let text = std::process::Command::new(globaldeploy_e2e::cli_binary())
        .args(["plan", "--terraform-plan"])
        .arg(fx.ws.path().join("plan.json"))
        .output()
        .expect("globaldeploy plan");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("updated in place: publication of v1 in sa-east-1"),
        "the CLI names what is published: {text}"
    );

    fx.ws.terraform(&["apply", "add.tfplan"]).assert_success();
    assert!(server.hits() > 0, "the new region's gate was evaluated");
    let steps = steps_after(&fx, entries_before);
    assert_eq!(steps, [("sa-east-1".to_owned(), 100)], "published at once, alone");
    let blue = fx.slot_set("sa-east-1", "blue").expect("sa-east-1 blue slot");
    assert_eq!(blue.weight, Some(100));
    assert!(fx.slot_set("sa-east-1", "green").is_none());
    assert_eq!(fx.weights(), before, "the other regions are untouched");
    let state = fx.state();
    assert_eq!(state["version"], "v1");
    assert_eq!(state["status"], "succeeded");
    assert_eq!(state["active_slot"]["sa-east-1"], "blue");
    assert_eq!(state["region_status"]["sa-east-1"], "promoted");
    assert_eq!(state["region_version"]["sa-east-1"], "v1");
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0, "nothing left to do");
}

#[test]
fn adding_a_region_and_changing_the_version_together_is_refused_at_the_region() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    let server = RegionServer::start().expect("region server");
    fx.write("v2", "rollback_region");
    let main = fx.ws.read("main.tf");
    fx.ws.write("main.tf", &with_sixth_region(&main, &server.health_url()));
    fx.ws
        .plan()
        .assert_failure()
        .assert_contains("Cannot add a region and change the version in one apply")
        .assert_says("Add the region first")
        // Several region blocks: Terraform points at the resource, the message names the region.
        .assert_says(r#"In the region block with name = "sa-east-1", name: Region "sa-east-1" is new"#)
        .assert_contains("on main.tf line");
    assert_eq!(server.hits(), 0);
}

/// A refresh finds the slots exactly as the deployment left them: no drift to show.
fn assert_refresh_finds_no_drift(fx: &Fixture) {
    let out = fx.ws.terraform(&["plan", "-refresh-only", "-detailed-exitcode"]);
    assert_eq!(out.code(), Some(0), "refresh must find nothing: {}", out.combined());
}

fn upsert(set: RecordSet) -> Change {
    Change {
        action: ChangeAction::Upsert,
        set,
    }
}

/// A plan that restores slots or changes a TTL is an in-place update that is no rollout: the
/// version stays, the rollout's computed attributes stay known, and the schedule is unchanged.
fn assert_no_rollout(change: &Json) {
    assert_eq!(change["actions"], serde_json::json!(["update"]), "{change:#}");
    assert_eq!(change["before"]["version"], change["after"]["version"]);
    for name in ["active_version", "status", "active_slot", "region_status"] {
        assert!(
            !change["after"][name].is_null() && change["after_unknown"][name] != true,
            "{name} must stay known: {change:#}"
        );
    }
    assert_eq!(change["before"]["active_slot"], change["after"]["active_slot"]);
    assert_eq!(change["before"]["rollout_plan"], change["after"]["rollout_plan"]);
}

#[test]
fn drift_outside_terraform_is_planned_back_and_restored() {
    let fx = Fixture::new("rollback_region");
    fx.at_v2();
    let rollouts = fx.rollouts();

    // Weights of one region moved outside Terraform.
    let blue = fx.slot_set("us-east-1", "blue").expect("blue copy of v1");
    let green = fx.slot_set("us-east-1", "green").expect("green serves v2");
    fx.change_outside(vec![
        upsert(RecordSet {
            weight: Some(50),
            ..blue
        }),
        upsert(RecordSet {
            weight: Some(50),
            ..green
        }),
    ]);
    let refresh = fx.ws.terraform(&["plan", "-refresh-only", "-detailed-exitcode"]);
    assert_eq!(
        refresh.code(),
        Some(2),
        "refresh shows the drift: {}",
        refresh.combined()
    );
    let change = fx.planned_change("drift.tfplan");
    assert_no_rollout(&change);
    assert_eq!(
        change["before"]["region_drift"],
        serde_json::json!({"us-east-1": "blue weight 50, want 0; green weight 50, want 100"}),
        "only us-east-1 drifted"
    );
    assert_eq!(change["after"]["region_drift"], serde_json::json!({}));
    assert_eq!(
        change["before"]["region_status"], change["after"]["region_status"],
        "drift is not a rollout status"
    );
    for (region, status) in change["after"]["region_status"].as_object().expect("region_status") {
        assert_eq!(status, "promoted", "{region}");
    }
    let plan = fx.ws.plan();
    plan.assert_success()
        .assert_contains("update in-place")
        .assert_contains(r#"- "us-east-1" = "blue weight 50, want 0; green weight 50, want 100" -> null"#);
    fx.ws.terraform(&["apply", "drift.tfplan"]).assert_success();
    for (region, weights) in fx.weights() {
        assert_eq!(weights, (0, 100), "{region}: the exact weights are back");
    }
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0, "no diff after the repair");

    // The serving slot's target changed outside, and another region's serving slot deleted.
    let green = fx.slot_set("us-west-2", "green").expect("green");
    fx.change_outside(vec![
        upsert(RecordSet {
            records: vec!["192.0.2.99".into()],
            ..green
        }),
        Change {
            action: ChangeAction::Delete,
            set: fx.slot_set("eu-west-1", "green").expect("green"),
        },
    ]);
    let change = fx.planned_change("retarget.tfplan");
    assert_no_rollout(&change);
    assert_eq!(
        change["before"]["region_drift"],
        serde_json::json!({
            "us-west-2": "green target A 192.0.2.99, want A 192.0.2.10",
            "eu-west-1": "green record set missing",
        })
    );
    fx.ws.terraform(&["apply", "retarget.tfplan"]).assert_success();
    assert_eq!(
        fx.slot_set("us-west-2", "green").expect("green").records,
        vec!["192.0.2.10".to_owned()]
    );
    let restored = fx.slot_set("eu-west-1", "green").expect("green restored");
    assert_eq!(
        (restored.records, restored.weight, restored.ttl),
        (vec!["192.0.2.12".to_owned()], Some(100), Some(60))
    );
    for (region, weights) in fx.weights() {
        assert_eq!(weights, (0, 100), "{region}");
    }
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0, "no diff after the repair");
    assert_eq!(fx.rollouts(), rollouts, "a repair is not a rollout");
}

#[test]
fn ttl_change_reaches_both_slots_without_a_rollout() {
    let fx = Fixture::new("rollback_region");
    fx.at_v2();
    let rollouts = fx.rollouts();
    let main = fx.ws.read("main.tf");
    let block = format!(
        "name          = \"us-west-2\"\n    record_name   = \"{}\"\n    ttl           = 60",
        record_name("us-west-2")
    );
    assert!(main.contains(&block), "region block of us-west-2 in:\n{main}");
    fx.ws
        .write("main.tf", &main.replace(&block, &block.replace("= 60", "= 300")));

    let change = fx.planned_change("ttl.tfplan");
    assert_no_rollout(&change);
    let usw2 = change["after"]["region"]
        .as_array()
        .and_then(|regions| regions.iter().find(|r| r["name"] == "us-west-2"))
        .expect("us-west-2 planned");
    assert_eq!(usw2["ttl"], 300);
    // `region` is a set: the changed region shows as its old block going and its new one coming.
    fx.ws
        .plan()
        .assert_success()
        .assert_contains("update in-place")
        .assert_contains("- ttl           = 60 -> null")
        .assert_contains("+ ttl           = 300");
    fx.ws.terraform(&["apply", "ttl.tfplan"]).assert_success();

    for slot in ["blue", "green"] {
        let set = fx.slot_set("us-west-2", slot).expect("slot");
        assert_eq!(set.ttl, Some(300), "us-west-2 {slot} has the new TTL");
        assert_eq!(
            fx.slot_set("us-east-1", slot).expect("slot").ttl,
            Some(60),
            "other regions keep theirs"
        );
    }
    assert_eq!(
        fx.slot_set("us-west-2", "blue").expect("blue").records,
        vec!["192.0.2.10".to_owned()],
        "targets stay"
    );
    for (region, weights) in fx.weights() {
        assert_eq!(weights, (0, 100), "{region}: weights stay");
    }
    assert_eq!(fx.state()["region"][0]["ttl"], 300);
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0, "no diff after the TTL change");
    assert_eq!(fx.rollouts(), rollouts, "a TTL change is not a rollout");
}

#[test]
fn rollout_plan_is_known_when_only_a_gate_health_check_is_new() {
    // The health check is created in the same plan, so its id (read by a wave's gate) and the
    // region's target (from a variable-free but computed expression) are unknown; the schedule
    // reads neither, so `rollout_plan` must still be known for reviewers.
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
provider "globaldeploy" {{
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  endpoints {{
    route53 = "http://127.0.0.1:9"
  }}
}}

resource "globaldeploy_health_check" "canary" {{
  type          = "HTTP"
  fqdn          = "us-west-2.api.example.com"
  resource_path = "/healthz"
}}

resource "globaldeploy_wave" "canary" {{
  name    = "canary"
  regions = ["us-west-2"]
  gate {{
    route53_health_check {{
      health_check_id = globaldeploy_health_check.canary.id
    }}
  }}
}}

resource "globaldeploy_wave" "rest" {{
  name    = "rest"
  regions = ["us-east-1"]
}}

resource "globaldeploy_deployment" "api" {{
  name    = "api"
  version = "v1"
  zone_id = "Z1"
  waves   = [globaldeploy_wave.canary, globaldeploy_wave.rest]

  strategy {{
    steps         = [50, 100]
    step_interval = "1m"
  }}

  region {{
    name          = "us-west-2"
    record_name   = "us-west-2.api.example.com"
    target        = [globaldeploy_health_check.canary.fqdn]
    global_weight = 25
  }}

  region {{
    name          = "us-east-1"
    record_name   = "us-east-1.api.example.com"
    target        = ["192.0.2.2"]
    global_weight = 75
  }}
}}
"#
        ),
    );
    ws.init().assert_success();
    ws.plan_out("tfplan").assert_success();
    let plan = ws.show_json(Some("tfplan"));
    let change = planned_change(&plan, "globaldeploy_deployment.api");
    let rows: Vec<(String, String, i64, String)> = change["after"]["rollout_plan"]
        .as_array()
        .unwrap_or_else(|| panic!("rollout_plan unknown at plan time: {:#}", change["after_unknown"]))
        .iter()
        .map(|r| {
            (
                r["wave"].as_str().unwrap_or_default().to_owned(),
                r["region"].as_str().unwrap_or_default().to_owned(),
                r["step_percent"].as_i64().unwrap_or_default(),
                r["hold"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    // A create publishes: one row per region at 100 %, held until its gates first pass; the
    // canary's gate (defaults: every 5s, 5 samples) is kept though its health check is unknown.
    assert_eq!(
        rows,
        [
            ("canary".to_owned(), "us-west-2".to_owned(), 100, "25s".to_owned()),
            ("rest".to_owned(), "us-east-1".to_owned(), 100, "0s".to_owned()),
        ]
    );
}

/// Lists the zone every few milliseconds from another thread while a Terraform command runs,
/// keeping the slot sets of `regions` each listing showed.
struct SetWatch {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    listings: std::thread::JoinHandle<Vec<Vec<RecordSet>>>,
}

impl SetWatch {
    fn start(fx: &Fixture, regions: &[&str]) -> SetWatch {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let endpoint = fx.moto.endpoint();
        let zone = fx.zone.clone();
        let names: Vec<String> = regions.iter().map(|r| format!("{}.", record_name(r))).collect();
        let listings = std::thread::spawn(move || {
            let mut listings = Vec::new();
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                // A fresh client per listing: no cached zone.
                let sets = block_on(globaldeploy_e2e::route53_at(&endpoint).record_sets(&zone))
                    .expect("ListResourceRecordSets");
                listings.push(sets.iter().filter(|s| names.contains(&s.name)).cloned().collect());
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            listings
        });
        SetWatch { stop, listings }
    }

    fn finish(self) -> Vec<Vec<RecordSet>> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.listings.join().expect("watch thread")
    }
}

#[test]
fn an_added_region_whose_gates_fail_never_has_a_record_set() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    let before = fx.weights();
    let server = RegionServer::start().expect("region server");
    server.set_mode(Mode::Failing);
    let main = fx.ws.read("main.tf");
    fx.ws.write("main.tf", &with_sixth_region(&main, &server.health_url()));

    // Route 53 answers a name whose only sets all weigh 0: the unverified target must never
    // have a set while its gates are evaluated, nor after they failed.
    let watch = SetWatch::start(&fx, &["sa-east-1"]);
    let out = fx.ws.apply();
    let listings = watch.finish();
    out.assert_failure().assert_contains("region \"sa-east-1\"");
    assert!(server.hits() >= 2, "the gates were evaluated during the apply");
    assert!(listings.len() >= 10, "polled throughout: {} listings", listings.len());
    for listing in &listings {
        assert!(
            listing.is_empty(),
            "sa-east-1 had record sets during the apply: {listing:?}"
        );
    }
    assert!(fx.slot_set("sa-east-1", "blue").is_none() && fx.slot_set("sa-east-1", "green").is_none());
    assert_eq!(fx.weights(), before, "the other regions are untouched");
    let state = fx.state();
    assert_eq!(state["version"], "v1");
    assert_eq!(state["region_status"]["sa-east-1"], "rolled_back");
    assert!(
        state["active_slot"].get("sa-east-1").is_none(),
        "sa-east-1 was never published"
    );
    assert_refresh_finds_no_drift(&fx);

    // The next plan publishes it again; healthy, it is published at full weight at once.
    let change = fx.planned_change("again.tfplan");
    assert_eq!(change["actions"], serde_json::json!(["update"]));
    assert_eq!(planned_regions(&change), ["sa-east-1"]);
    server.set_mode(Mode::Healthy);
    fx.ws.terraform(&["apply", "again.tfplan"]).assert_success();
    assert_eq!(fx.slot_set("sa-east-1", "blue").and_then(|s| s.weight), Some(100));
    assert_eq!(fx.state()["region_status"]["sa-east-1"], "promoted");
}

#[test]
fn replacing_a_failed_first_publication_keeps_the_regions_that_serve() {
    let fx = Fixture::new("rollback_region");
    fx.servers["us-east-1"].set_mode(Mode::Failing);
    fx.ws.apply().assert_failure().assert_contains("region \"us-east-1\"");
    // The canary was published; wave2 failed its gates and has no set; the rest never started.
    let weights = fx.weights();
    assert_eq!(weights["us-west-2"], (100, -1));
    for region in ["us-east-1", "eu-west-1", "ap-southeast-1", "ap-northeast-1"] {
        assert_eq!(weights[region], (-1, -1), "{region} has no set");
    }
    let state = fx.ws.show_json(None);
    let tainted = state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == "globaldeploy_deployment.api"))
        .map(|r| r["tainted"].clone());
    assert_eq!(tainted, Some(Json::Bool(true)), "a failed create is saved tainted");

    // Fixed, the next plan replaces the tainted deployment: the canary must keep serving.
    fx.servers["us-east-1"].set_mode(Mode::Healthy);
    let change = fx.planned_change("replace.tfplan");
    assert_eq!(change["actions"], serde_json::json!(["delete", "create"]));
    let entries_before = block_on(fx.journal().load("api")).expect("journal").len();
    let watch = SetWatch::start(&fx, &["us-west-2"]);
    let out = fx.ws.terraform(&["apply", "replace.tfplan"]);
    let listings = watch.finish();
    out.assert_success();
    assert!(listings.len() >= 10, "polled throughout: {} listings", listings.len());
    for listing in &listings {
        let weight = listing
            .iter()
            .find(|s| s.set_identifier.as_deref() == Some("us-west-2.api.example.com-blue"))
            .and_then(|s| s.weight);
        assert_eq!(
            weight,
            Some(100),
            "the canary stopped serving during the replacement: {listing:?}"
        );
    }
    // The publication continued: the canary was carried, the others published.
    let steps = steps_after(&fx, entries_before);
    assert!(steps.iter().all(|(region, _)| region != "us-west-2"), "{steps:?}");
    assert_eq!(steps.len(), 4, "the four other regions published: {steps:?}");
    let state = fx.state();
    assert_eq!(state["status"], "succeeded");
    assert_eq!(state["active_version"], "v1");
    for (region, weights) in fx.weights() {
        assert_eq!(weights, (100, -1), "{region} serves on blue");
        assert_eq!(state["region_status"][&region], "promoted");
    }
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0, "nothing left to do");

    // A destroy still removes every set.
    fx.ws.destroy().assert_success();
    for (region, weights) in fx.weights() {
        assert_eq!(weights, (-1, -1), "{region} deleted");
    }
}

/// `globaldeploy status api --output json`: the journal's view of the latest rollout.
/// `globaldeploy ARGS --journal JOURNAL` for the fixture's journal, with test credentials.
/// `globaldeploy ARGS` on the fixture's journal (`journal/`, or the S3 one with moto's endpoint).
fn globaldeploy(fx: &Fixture, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(globaldeploy_e2e::cli_binary());
    command.args(args).arg("--journal");
    if fx.journal_in_s3.load(std::sync::atomic::Ordering::SeqCst) {
        command.args([S3_JOURNAL, "--s3-endpoint", &fx.moto.endpoint()]);
    } else {
        command.arg(format!("file://{}", fx.ws.path().join("journal").display()));
    }
    command
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1");
    command
}

fn cli_status(fx: &Fixture) -> Json {
    let out = globaldeploy(fx, &["status", "api", "--output", "json"])
        .output()
        .expect("globaldeploy status");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("status printed no JSON ({e}): {stdout}"))
}

#[test]
fn rollback_all_returns_a_canary_carried_from_an_earlier_partial_rollout() {
    let fx = Fixture::new("rollback_region");
    fx.at_v2();
    // v3 with rollback_region: the canary is promoted to v3 (blue), us-east-1 fails.
    fx.servers["us-east-1"].set_mode(Mode::Failing);
    fx.write("v3", "rollback_region");
    fx.ws.apply().assert_failure();
    assert_eq!(fx.weights()["us-west-2"], (100, 0), "the canary serves v3 on blue");
    assert_eq!(fx.state()["region_version"]["us-west-2"], "v3");

    // v3 again with rollback_all, us-east-1 still failing: the canary is carried, and rolled back.
    fx.write("v3", "rollback_all");
    fx.ws.apply().assert_failure().assert_contains("region \"us-east-1\"");
    for (region, weights) in fx.weights() {
        assert_eq!(
            weights,
            (0, 100),
            "{region} serves v2 on green: no region is left on v3"
        );
    }
    let state = fx.state();
    assert_eq!(state["version"], "v2");
    assert_eq!(state["active_version"], "v2");
    assert_eq!(state["status"], "rolled_back");
    assert_eq!(state["region_status"]["us-west-2"], "rolled_back");
    assert_eq!(state["active_slot"]["us-west-2"], "green");
    assert_eq!(state["region_version"]["us-west-2"], "v2");
    let status = cli_status(&fx);
    let report = &status;
    assert_eq!(report["serving_version"], "v2", "{status:#}");
    let canary = report["regions"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["region"] == "us-west-2"))
        .unwrap_or_else(|| panic!("no canary in {status:#}"));
    assert_eq!(canary["status"]["state"], "rolled_back", "{status:#}");
    assert_eq!(canary["active_slot"], "green");
    assert_eq!(canary["version"], "v2");
    assert_eq!(canary["weights"], serde_json::json!({ "blue": 0, "green": 100 }));
    assert_refresh_finds_no_drift(&fx);
    assert_eq!(fx.ws.plan_detailed_exitcode(), 2, "the next plan proposes v3 again");
}

// ----- keyed region blocks and record name ownership -----------------------------------------

/// `main` with its deployment's `region` blocks in reverse order.
fn regions_reversed(main: &str) -> String {
    let first = main.find("\n  region {").expect("a region block");
    let end = main.find("\n  gate {").expect("the deployment's gate block");
    let blocks: Vec<&str> = main[first..end]
        .split_inclusive("\n  }\n")
        .filter(|b| b.contains("region {"))
        .collect();
    let reversed: String = blocks.iter().rev().copied().collect();
    format!("{}{reversed}\n{}", &main[..first], &main[end..])
}

/// The lines of a `terraform plan` that show `region` blocks changing, with run-specific
/// values (health URLs) replaced.
fn region_diff_lines(fx: &Fixture, plan: &str) -> String {
    let mut text = plan.to_owned();
    for (region, server) in &fx.servers {
        text = text.replace(&server.health_url(), &format!("HEALTH_URL_{region}"));
    }
    let start = text.find("region {").expect("a region block in the diff");
    let start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..]
        .find("unchanged blocks hidden")
        .and_then(|i| text[start + i..].find('\n').map(|j| start + i + j))
        .unwrap_or(text.len());
    text[start..end].to_owned()
}

#[test]
fn reordered_regions_plan_nothing_and_a_target_change_shows_only_that_region() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    let reversed = regions_reversed(&fx.ws.read("main.tf"));
    fx.ws.write("main.tf", &reversed);
    let out = fx.ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        out.code(),
        Some(0),
        "reordered region blocks plan no changes: {}",
        out.combined()
    );

    // A real change, us-east-1's target: the plan shows that one region changing.
    fx.ws.write("main.tf", &reversed.replace("192.0.2.11", "192.0.2.99"));
    let change = fx.planned_change("target.tfplan");
    assert_eq!(planned_regions(&change), ["us-east-1"], "only us-east-1 rolls out");
    let by_name = |side: &str| -> BTreeMap<String, Json> {
        change[side]["region"]
            .as_array()
            .expect("regions")
            .iter()
            .map(|r| (r["name"].as_str().expect("name").to_owned(), r.clone()))
            .collect()
    };
    let (before, after) = (by_name("before"), by_name("after"));
    let changed: Vec<&String> = before.keys().filter(|name| before[*name] != after[*name]).collect();
    assert_eq!(changed, ["us-east-1"]);
    let text = fx.ws.terraform(&["show", "target.tfplan"]);
    text.assert_success();
    let diff = region_diff_lines(&fx, &text.stdout);
    for (region, _, _) in REGIONS.iter().filter(|(r, _, _)| *r != "us-east-1") {
        assert!(
            !diff.contains(region),
            "{region} must not show in the region diff:\n{diff}"
        );
    }
    insta::assert_snapshot!("deployment_one_region_target_change", diff);
}

#[test]
fn state_written_at_schema_version_0_is_upgraded_without_changes() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    // What the provider wrote before `region` became a set: schema version 0, the blocks in the
    // configuration's order (here reversed, as if the configuration had been reordered since),
    // and before drift had its own attribute: none, and a drift mark in `region_status` that a
    // repair since has made stale.
    let path = fx.ws.path().join("terraform.tfstate");
    let mut state: Json = serde_json::from_str(&std::fs::read_to_string(&path).expect("state")).expect("JSON");
    let schema_version = |state: &Json| -> Vec<i64> {
        state["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .filter(|r| r["type"] == "globaldeploy_deployment")
            .flat_map(|r| r["instances"].as_array().expect("instances").clone())
            .map(|i| i["schema_version"].as_i64().expect("schema_version"))
            .collect()
    };
    for resource in state["resources"].as_array_mut().expect("resources") {
        if resource["type"] != "globaldeploy_deployment" {
            continue;
        }
        for instance in resource["instances"].as_array_mut().expect("instances") {
            instance["schema_version"] = Json::from(0);
            let attributes = &mut instance["attributes"];
            attributes["region"].as_array_mut().expect("region list").reverse();
            attributes.as_object_mut().expect("attributes").remove("region_drift");
            attributes["region_status"]["us-east-1"] = Json::from("promoted, drifted: green weight 0, want 100");
        }
    }
    state["serial"] = Json::from(state["serial"].as_i64().unwrap_or(0) + 1);
    std::fs::write(&path, serde_json::to_string_pretty(&state).expect("JSON")).expect("write state");
    assert_eq!(schema_version(&state), [0]);

    let out = fx.ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.code(), Some(0), "an old state plans no changes: {}", out.combined());
    fx.ws
        .terraform(&["apply", "-refresh-only", "-auto-approve"])
        .assert_success();
    let upgraded: Json = serde_json::from_str(&std::fs::read_to_string(&path).expect("state")).expect("JSON");
    assert_eq!(
        schema_version(&upgraded),
        [2],
        "the refreshed state is stored at the new version"
    );
    let attributes = upgraded["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["type"] == "globaldeploy_deployment")
        .map(|r| r["instances"][0]["attributes"].clone())
        .expect("the deployment");
    assert_eq!(attributes["region_status"]["us-east-1"], "promoted");
    assert_eq!(attributes["region_drift"], serde_json::json!({}));
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0);
}

/// A second deployment, `web`, publishing `us-west-2` at `record_name` (after `depends`).
fn web_deployment(zone: &str, record_name: &str, health_url: &str, depends: &str) -> String {
    format!(
        r#"
resource "globaldeploy_deployment" "web" {{
  name       = "web"
  version    = "w1"
  zone_id    = "{zone}"
  waves      = [globaldeploy_wave.canary]
  depends_on = [{depends}]

  region {{
    name        = "us-west-2"
    record_name = "{record_name}"
    target      = ["192.0.2.200"]
    health_url  = "{health_url}"
  }}

  gate {{
    http {{
      timeout = "200ms"
    }}
    interval    = "200ms"
    min_samples = 1
  }}
}}
"#
    )
}

#[test]
fn a_second_deployment_never_takes_over_another_deployments_record_name() {
    let fx = Fixture::new("rollback_region");
    let main = fx.ws.read("main.tf");
    let health = fx.servers["us-west-2"].health_url();
    // Both new in one apply, `web` after `api` (the same name, spelled in another case with a
    // trailing dot): the first plan cannot see api's sets yet; the plan Terraform makes again
    // right before creating web can, and refuses.
    let taken = "US-WEST-2.api.example.com.";
    fx.ws.write(
        "main.tf",
        &format!(
            "{main}{}",
            web_deployment(&fx.zone, taken, &health, "globaldeploy_deployment.api")
        ),
    );
    let out = fx.ws.apply();
    out.assert_failure()
        .assert_contains("globaldeploy_deployment.api: Creation complete")
        .assert_contains("Error: Record name owned by another deployment")
        .assert_says("belong to deployment \"api\"");
    let api_blue = fx.slot_set("us-west-2", "blue").expect("api's blue slot");
    assert_eq!(api_blue.records, ["192.0.2.10"], "api's serving slot is untouched");
    assert_eq!(api_blue.weight, Some(100));
    assert!(
        fx.slot_set("us-west-2", "green").is_none(),
        "nothing was written to green"
    );
    // Planned again with api in place: the plan refuses at web's region.
    fx.ws
        .plan()
        .assert_failure()
        .assert_contains("Record name owned by another deployment")
        .assert_says("In the region block with name = \"us-west-2\", record_name:")
        .assert_contains("resource \"globaldeploy_deployment\" \"web\"");
    assert_eq!(fx.slot_set("us-west-2", "blue").expect("blue").records, ["192.0.2.10"]);
    // A name of its own is fine.
    fx.ws.write(
        "main.tf",
        &format!(
            "{main}{}",
            web_deployment(&fx.zone, "usw2.web.example.com", &health, "globaldeploy_deployment.api")
        ),
    );
    fx.ws.apply().assert_success();
    assert_eq!(
        fx.weights()["us-west-2"],
        (100, -1),
        "api still serves us-west-2 on blue"
    );
}

#[test]
fn two_regions_sharing_a_record_name_are_refused_at_the_second() {
    let regions = r#"
  region {
    name        = "us-east-1"
    record_name = "api.example.com"
    target      = ["192.0.2.1"]
  }
  region {
    name        = "us-west-2"
    record_name = "API.example.com."
    target      = ["192.0.2.2"]
  }
"#;
    let resource = format!(
        r#"resource "globaldeploy_deployment" "bad" {{
  name    = "api"
  version = "v1"
  zone_id = "Z1"
  waves   = [{{ name = "all", regions = ["us-east-1", "us-west-2"], max_parallel = 2, bake_time = "0s", require_approval = false, gate = [] }}]
{regions}}}
"#
    );
    let out = globaldeploy_e2e::assert_invalid(
        "globaldeploy_deployment",
        &resource,
        "Duplicate record_name",
        "In the region block with name = \"us-west-2\", record_name: Region \"us-west-2\" uses record_name \
         \"API.example.com.\", which region \"us-east-1\" already uses",
        // Several region blocks: Terraform points at the resource, the message names the region.
        "resource \"globaldeploy_deployment\" \"bad\"",
    );
    assert_eq!(out.combined().matches("Error: ").count(), 1, "{}", out.combined());
}
