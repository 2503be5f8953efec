//! `status` and `approve` against a `file://` journal written by the engine, which runs
//! in-process on fake traffic, probes and clock while the binary reads the same directory.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use globaldeploy_adapters::file_journal::FileJournal;
use globaldeploy_engine::driver::{Driver, Ports};
use globaldeploy_engine::model::OnFailure;
use globaldeploy_engine::outcome::RolloutStatus;

use crate::{globaldeploy, stdout_of};
use globaldeploy_engine::testing::world::{block_on, holder, three_regions, World};
use globaldeploy_engine::testing::Held;

/// Polls `status --output json` until `done` holds for its document.
fn wait_for(journal: &str, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = globaldeploy(&["status", "api", "--journal", journal, "--output", "json"]);
        if out.status.success() {
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            if done(&doc) {
                return doc;
            }
        }
        assert!(Instant::now() < deadline, "status never got there: {out:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn status_follows_a_rollout_and_approve_releases_its_waiting_wave() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    let mut spec = three_regions(OnFailure::RollbackRegion);
    spec.waves[1].require_approval = true;

    // The engine runs on fakes in its own thread; only the journal is real.
    let engine = {
        let (dir, spec) = (dir.path().to_owned(), spec.clone());
        std::thread::spawn(move || {
            let world = World::new(&spec, true, BTreeMap::new(), None);
            let journal = Held {
                inner: FileJournal::new(&dir),
                clock: world.clock.clone(),
            };
            let driver = Driver::new(
                Ports {
                    traffic: &world.traffic,
                    probe: &world.probe,
                    clock: &*world.clock,
                    journal: &journal,
                    approvals: &journal,
                    progress: &(),
                },
                holder("engine-under-test"),
            );
            block_on(driver.start(&spec, &World::serving(&spec), std::future::pending()))
        })
    };

    let waiting = wait_for(&url, |doc| doc["awaiting_approval"] == "rest");
    assert_eq!(waiting["status"], "running");
    insta::assert_snapshot!(
        "status_awaiting_approval",
        stdout_of(&["status", "api", "--journal", &url])
    );

    // A watcher started now follows the rollout to its end.
    let watcher = Command::new(env!("CARGO_BIN_EXE_globaldeploy"))
        .args([
            "status",
            "--journal",
            &url,
            "--watch",
            "--interval",
            "50ms",
            "--output",
            "json",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();

    // Nothing else can be approved: canary has started and needs no approval.
    let out = globaldeploy(&["approve", "api", "--journal", &url, "--wave", "canary"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the wave does not require approval"));

    insta::assert_snapshot!(
        "approve",
        stdout_of(&["approve", "api", "--journal", &url, "--by", "release-manager"])
    );

    let outcome = engine.join().unwrap().expect("the rollout runs");
    assert_eq!(outcome.status, RolloutStatus::Succeeded);

    let watched = watcher.wait_with_output().unwrap();
    assert!(watched.status.success());
    let lines = String::from_utf8(watched.stdout).unwrap();
    let docs: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(docs[0][0]["awaiting_approval"], "rest", "{lines}");
    assert_eq!(docs.last().unwrap()[0]["status"], "succeeded", "{lines}");

    insta::assert_snapshot!("status_succeeded", stdout_of(&["status", "api", "--journal", &url]));
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&["status", "api", "--journal", &url, "--output", "json"])).unwrap();
    insta::assert_json_snapshot!("status_succeeded_json", json);

    // A finished rollout has nothing left to approve.
    let out = globaldeploy(&["approve", "api", "--journal", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has already finished (succeeded)"));
}

#[test]
fn status_of_an_empty_journal_and_of_an_unknown_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    assert_eq!(
        stdout_of(&["status", "--journal", &url]),
        "No rollouts in the journal.\n"
    );
    let out = globaldeploy(&["status", "nope", "--journal", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no journal of \"nope\" at "));
    std::fs::write(dir.path().join("empty.journal.jsonl"), "").unwrap();
    let out = globaldeploy(&["status", "empty", "--journal", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty.journal.jsonl has no rollout of \"empty\""));
    let out = globaldeploy(&["status", "--journal", "ftp://host/journal"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected file://DIRECTORY or s3://BUCKET/PREFIX"));
}
