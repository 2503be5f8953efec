//! `rollback` and `resume` through Route 53 (moto): the engine runs in-process on a fake
//! clock until a wave waits for approval, is stopped there as a dead Terraform run would be,
//! and the binary finishes the job from the journal alone.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use globaldeploy_adapters::file_journal::FileJournal;
use globaldeploy_adapters::traffic::Route53Traffic;
use globaldeploy_engine::driver::{Driver, Ports};
use globaldeploy_engine::error::EngineError;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::model::{DeploymentSpec, OnFailure, Target};
use globaldeploy_engine::outcome::RolloutStatus;
use globaldeploy_engine::ports::{JournalStore, Traffic};

use crate::stdout_of;
use crate::support::{client, Moto};
use globaldeploy_engine::testing::world::{block_on, holder, three_regions, World};
use globaldeploy_engine::testing::{FakeClock, FakeProbe};

/// `(blue, green)` of every region, as Route 53 has them.
fn weights(traffic: &Route53Traffic, spec: &DeploymentSpec) -> BTreeMap<String, (u8, u8)> {
    block_on(traffic.weights(&spec.regions))
        .unwrap()
        .into_iter()
        .map(|(region, w)| (region, (w.blue, w.green)))
        .collect()
}

/// Rolls `spec` out in-process until its wave `rest` awaits approval, then stops.
fn start_and_stop_at_approval(driver: &Driver<'_>, journal: &FileJournal, spec: &DeploymentSpec) {
    let stop = async {
        loop {
            let entries = journal.load(&spec.name).await.unwrap();
            if matches!(entries.last(), Some(Entry::AwaitingApproval { .. })) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let result = block_on(driver.start(spec, &World::serving(spec), stop));
    assert!(matches!(result, Err(EngineError::Stopped { .. })), "{result:?}");
}

/// `globaldeploy ARGS` with moto's endpoint and dummy credentials.
fn with_aws(endpoint: &str, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--route53-endpoint", endpoint, "--api-requests-per-second", "1000"]);
    std::process::Command::new(env!("CARGO_BIN_EXE_globaldeploy"))
        .args(&all)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

#[test]
fn rollback_and_resume_drive_route53_from_the_journal() {
    let moto = Moto::start();
    let route53 = client(&moto.endpoint);
    let zone = block_on(route53.create_hosted_zone("example.com")).unwrap();
    let traffic = Route53Traffic::new(route53, zone.clone(), Duration::from_secs(60));
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    let journal = FileJournal::new(dir.path());
    let clock = Arc::new(FakeClock::at(1_700_000_000_000));
    let probe = FakeProbe::new(clock.clone(), BTreeMap::new());
    let driver = Driver::new(
        Ports {
            traffic: &traffic,
            probe: &probe,
            clock: &*clock,
            journal: &journal,
            approvals: &journal,
            progress: &(),
        },
        holder("terraform-run"),
    );

    // v1 is published on blue everywhere.
    let mut spec = three_regions(OnFailure::RollbackRegion);
    spec.zone_id = zone;
    spec.version = "v1".into();
    spec.gates.clear();
    spec.strategy.step_interval = Duration::ZERO;
    let published = block_on(driver.start(&spec, &BTreeMap::new(), std::future::pending())).unwrap();
    assert_eq!(published.status, RolloutStatus::Succeeded);

    // v2 reaches the approval of wave "rest" with the canary promoted, and its run dies.
    spec.version = "v2".into();
    spec.waves[1].require_approval = true;
    for region in &mut spec.regions {
        region.target = Target::Records(vec!["198.51.100.2".into()]);
    }
    start_and_stop_at_approval(&driver, &journal, &spec);
    let w = weights(&traffic, &spec);
    assert_eq!(w["us-west-2"], (0, 100));
    assert_eq!(w["us-east-1"], (100, 0));

    // `rollback` returns the canary to its exact prior weights.
    let out = with_aws(&moto.endpoint, &["rollback", "api", "--journal", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("api: rollout v2@"), "{stdout}");
    assert!(stdout.contains(" rolled_back (serving v1)"), "{stdout}");
    // Progress went to stderr as plain lines (stderr is not a terminal here).
    assert!(String::from_utf8_lossy(&out.stderr).contains("api: rolling back us-west-2"));
    assert!(weights(&traffic, &spec).values().all(|&w| w == (100, 0)));
    // `status` says who rolled it back, and why.
    let status = stdout_of(&["status", "api", "--journal", &url]);
    assert!(
        status.contains("\n  rolled back as requested by globaldeploy rollback on ")
            && status.contains("): no reason given\n"),
        "{status}"
    );

    // `resume` of a finished rollout reports it; rolled back is not success.
    let out = with_aws(
        &moto.endpoint,
        &["resume", "api", "--journal", &url, "--output", "json"],
    );
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["status"], "rolled_back");

    // v3 dies at the same point; approved from the CLI, `resume` (of every unfinished
    // rollout) finishes it through Route 53.
    spec.version = "v3".into();
    start_and_stop_at_approval(&driver, &journal, &spec);
    stdout_of(&["approve", "api", "--journal", &url]);
    let out = with_aws(&moto.endpoint, &["resume", "--journal", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(" succeeded (serving v3)"));
    assert!(weights(&traffic, &spec).values().all(|&w| w == (0, 100)));
    let status = stdout_of(&["status", "api", "--journal", &url, "--output", "json"]);
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["status"], "succeeded");

    // Nothing is left to resume.
    assert_eq!(
        String::from_utf8(with_aws(&moto.endpoint, &["resume", "--journal", &url]).stdout).unwrap(),
        "No unfinished rollouts in the journal.\n"
    );
}
