//! A deployment journaled to S3 (moto's), through the real terraform CLI: the rollout lands in
//! the bucket and nowhere on disk, the next plan is empty, `globaldeploy status --journal
//! s3://…` reads it from another machine's point of view, and a second apply while another CI
//! runner holds the lease in that journal fails fast naming it, moving nothing.

use super::*;

#[test]
fn a_team_journal_in_s3_records_the_rollout_and_fences_a_second_runner() {
    let fx = Fixture::new("rollback_region");
    fx.journal_to_s3("v1", "rollback_region");
    fx.create_v1();
    fx.write("v2", "rollback_region");
    fx.ws.apply().assert_success();
    assert_eq!(fx.state()["active_version"], "v2");
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0, "nothing left to do");
    assert!(!fx.ws.path().join("journal").exists(), "nothing journaled on disk");

    // Another machine reads both rollouts from the bucket.
    let journal = fx.s3_journal();
    let entries = block_on(journal.load("api")).expect("the S3 journal loads");
    let state = replay(&entries).expect("replays").expect("a rollout");
    assert_eq!(state.spec.version, "v2");
    let out = std::process::Command::new(globaldeploy_e2e::cli_binary())
        .args(["status", "api", "--output", "json", "--journal", S3_JOURNAL])
        .args(["--s3-endpoint", &fx.moto.endpoint()])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("globaldeploy status");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: Json = serde_json::from_str(&stdout).expect("status JSON");
    assert_eq!(
        (&status["serving_version"], &status["status"]),
        (&Json::from("v2"), &Json::from("succeeded"))
    );

    // A second runner's apply while the first holds the lease in the shared journal.
    let lease = lease_held_by_another_runner(&journal);
    fx.write("v3", "rollback_region");
    fx.ws
        .apply()
        .assert_failure()
        .assert_says("being rolled out by other-apply on ci-runner-2 (pid 4242, 0123456789abcdef)");
    assert_eq!(fx.state()["version"], "v2", "nothing moved");
    block_on(journal.release_lease(&lease)).expect("release");
    fx.ws.apply().assert_success();
    assert_eq!(fx.state()["active_version"], "v3");
}
