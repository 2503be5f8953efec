//! A deployment journaled to S3 (moto's), through the real terraform CLI: the rollout lands in
//! the bucket and nowhere on disk, the next plan is empty, `globaldeploy status --journal
//! s3://…` reads it from another machine's point of view, and a second apply while another CI
//! runner holds the lease in that journal fails fast naming it, moving nothing; a rollout whose
//! apply was killed is finished by exactly one of two `globaldeploy reconcile --once` racing for
//! it; a long-running reconciler serves its metrics while it drives and hands the rollout over
//! on SIGTERM; one killed with SIGKILL is taken over at once by the next; one frozen with SIGSTOP
//! past its lease is taken over after the expiry and, thawed, writes nothing more and says so.

use super::*;
use globaldeploy_engine::outcome::RolloutStatus;

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
    let status = cli_status(&fx);
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

/// `globaldeploy reconcile ARGS --output json` on the team journal, as another machine runs it.
fn reconciler(fx: &Fixture, args: &[&str]) -> std::process::Child {
    globaldeploy(
        fx,
        &[
            "reconcile",
            "--output",
            "json",
            "--route53-endpoint",
            &fx.moto.endpoint(),
        ],
    )
    .args(args)
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("globaldeploy reconcile")
}

/// A fixture journaled to S3 whose v2 apply was killed mid-wave2, and how many entries its
/// journal held then.
fn orphaned_rollout() -> (Fixture, usize) {
    let fx = Fixture::new("rollback_region");
    fx.journal_to_s3("v1", "rollback_region");
    fx.create_v1();
    fx.write("v2", "rollback_region");
    kill_apply_mid_wave2(&fx);
    let entries = block_on(fx.s3_journal().load("api")).expect("journal").len();
    (fx, entries)
}

/// Waits (up to a minute) until the journal holds more than `entries` entries: a reconciler
/// journaling past the killed apply's last entry holds the rollout.
fn wait_until_journaled_past(fx: &Fixture, entries: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while block_on(fx.s3_journal().load("api")).expect("journal").len() == entries {
        assert!(
            std::time::Instant::now() < deadline,
            "no reconciler took the rollout over"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Every region serves v2 from green alone.
fn assert_all_on_green(fx: &Fixture) {
    for (region, weights) in fx.weights() {
        assert_eq!(weights, (0, 100), "{region}");
    }
}

/// Stops a long-running reconciler with SIGTERM; it exits 0.
fn stop(reconciler: std::process::Child) {
    signal(&reconciler, "-TERM");
    assert!(reconciler.wait_with_output().expect("reconciler").status.success());
}

/// Sends `signal` (`-KILL`, `-STOP`, ...) to `child`.
fn signal(child: &std::process::Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill {signal}");
}

/// Waits (up to `within`) for an outcome after the journal's first `entries`, and checks the
/// rollout succeeded.
fn wait_for_success(fx: &Fixture, entries: usize, within: std::time::Duration) {
    let deadline = std::time::Instant::now() + within;
    loop {
        let all = block_on(fx.s3_journal().load("api")).expect("journal");
        if let Some(status) = all[entries..].iter().find_map(|e| match e {
            Entry::Outcome { status } => Some(*status),
            _ => None,
        }) {
            assert_eq!(status, RolloutStatus::Succeeded);
            return;
        }
        assert!(std::time::Instant::now() < deadline, "no outcome within {within:?}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_reconciler_killed_mid_rollout_is_taken_over_at_once_by_another() {
    let (fx, before) = orphaned_rollout();
    let mut first = reconciler(&fx, &["--poll-interval", "200ms"]);
    wait_until_journaled_past(&fx, before);
    signal(&first, "-KILL");
    let _ = first.wait();
    let killed_at = std::time::Instant::now();
    let second = reconciler(&fx, &["--poll-interval", "200ms"]);
    wait_for_success(&fx, before, std::time::Duration::from_secs(120));
    eprintln!(
        "kill -9 of the holder to the rollout's end by the next reconciler: {:?}",
        killed_at.elapsed()
    );
    assert_all_on_green(&fx);
    stop(second);
}

/// A reconciler frozen (SIGSTOP) past its lease: another takes over after the expiry and
/// finishes; thawed, the first learns it was fenced out and writes nothing more.
#[test]
fn a_frozen_reconciler_is_fenced_out_and_writes_nothing_after_a_take_over() {
    let (fx, before) = orphaned_rollout();
    let frozen = reconciler(&fx, &["--poll-interval", "200ms"]);
    wait_until_journaled_past(&fx, before);
    signal(&frozen, "-STOP");
    let frozen_at = std::time::Instant::now();
    let second = reconciler(&fx, &["--poll-interval", "200ms"]);
    wait_for_success(&fx, before, std::time::Duration::from_secs(180));
    eprintln!(
        "SIGSTOP of the holder to the rollout's end by the next reconciler: {:?}",
        frozen_at.elapsed()
    );
    let finished = block_on(fx.s3_journal().load("api")).expect("journal");

    signal(&frozen, "-CONT");
    // Give the thawed reconciler time to try; then it is stopped and says what happened.
    std::thread::sleep(std::time::Duration::from_secs(3));
    signal(&frozen, "-TERM");
    let out = frozen.wait_with_output().expect("frozen reconciler");
    // It says so: its rollout failed fenced out (exit 1). Which check speaks first depends on
    // whether its heartbeat or its next write runs first after the thaw: the store refusing the
    // lost lease, or its own guard refusing a write on a lease that has run out.
    let report: Json = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["failed"][0][0], "api", "{report:#}");
    let why = report["failed"][0][1].as_str().unwrap_or_default();
    let lease_lost = why.contains("was taken over by") && why.contains("this process writes nothing more");
    let lease_ran_out = why.contains("could not be renewed") && why.contains("is not sent");
    assert!(lease_lost || lease_ran_out, "{why}");
    assert_eq!(
        block_on(fx.s3_journal().load("api")).expect("journal"),
        finished,
        "nothing journaled after the take-over's outcome"
    );
    assert_all_on_green(&fx);
    stop(second);
}

#[test]
fn reconcilers_finish_a_rollout_whose_apply_was_killed_exactly_once() {
    let (fx, before) = orphaned_rollout();

    // Two reconcilers race for the orphaned rollout: one takes the lease (its holder's process is
    // gone) and finishes it; the other finds it held, or already finished.
    let (first, second) = (reconciler(&fx, &["--once"]), reconciler(&fx, &["--once"]));
    let reports: Vec<Json> = [first, second]
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("reconcile ran");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {stdout}"))
        })
        .collect();
    let finished: Vec<&Json> = reports
        .iter()
        .flat_map(|r| r["finished"].as_array().unwrap().iter())
        .collect();
    assert_eq!(finished.len(), 1, "exactly one reconciler drove it: {reports:#?}");
    assert_eq!(finished[0]["status"], "succeeded");
    assert!(
        reports.iter().all(|r| r["failed"].as_array().unwrap().is_empty()),
        "{reports:#?}"
    );
    assert_all_on_green(&fx);
    // The journal went on from where the killed apply left it, with one outcome.
    let entries = block_on(fx.s3_journal().load("api")).expect("journal");
    assert!(entries.len() > before);
    let outcomes = entries[before..]
        .iter()
        .filter(|e| matches!(e, Entry::Outcome { .. }))
        .count();
    assert_eq!(outcomes, 1, "one outcome after the take-over");
    // Each step journaled once across the kill and the take-over (the step the apply was killed
    // in is re-applied from its entry, not journaled again).
    let rollout_start = entries
        .iter()
        .rposition(|e| matches!(e, Entry::Intent(_)))
        .expect("the v2 intent");
    let mut steps: Vec<(usize, usize)> = entries[rollout_start..]
        .iter()
        .filter_map(|e| match e {
            Entry::Step { group, step, .. } => Some((*group, *step)),
            _ => None,
        })
        .collect();
    let journaled = steps.len();
    steps.sort_unstable();
    steps.dedup();
    assert_eq!(steps.len(), journaled, "a step journaled twice: {entries:#?}");

    // Terraform adopts the finished rollout without moving traffic; a later pass has no work.
    fx.ws.apply().assert_success();
    assert_eq!(fx.state()["active_version"], "v2");
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0);
    let idle = reconciler(&fx, &["--once"]).wait_with_output().expect("reconcile ran");
    let idle: Json = serde_json::from_slice(&idle.stdout).expect("JSON");
    assert!(idle["finished"].as_array().unwrap().is_empty(), "{idle:#}");
}

#[test]
fn a_reconciler_stopped_by_sigterm_hands_its_rollout_over_at_once() {
    let (fx, before) = orphaned_rollout();

    let metrics = format!("127.0.0.1:{}", globaldeploy_e2e::free_port());
    let running = reconciler(&fx, &["--poll-interval", "200ms", "--metrics-addr", &metrics]);
    wait_until_journaled_past(&fx, before);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // While it drives: alive, ready, and its metrics show the rollout and the weights it wrote.
    let get = |path: &str| globaldeploy_e2e::http_get(&format!("http://{metrics}{path}")).expect(path);
    assert_eq!(get("/healthz").0, 200);
    assert_eq!(get("/readyz").0, 200);
    // Weights appear with the first step it journals (the first entry may be a gate verdict).
    let weight = "globaldeploy_region_weight{deployment=\"api\",region=\"us-east-1\",slot=\"green\"}";
    let exposition = loop {
        let (code, exposition) = get("/metrics");
        assert_eq!(code, 200);
        if exposition.contains(weight) {
            break exposition;
        }
        assert!(std::time::Instant::now() < deadline, "no weights in:\n{exposition}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    for line in [
        "globaldeploy_reconciler_rollouts_driving 1",
        "globaldeploy_reconciler_journal_looks_total{result=\"ok\"}",
        "# TYPE globaldeploy_gate_evaluations_total counter",
    ] {
        assert!(exposition.contains(line), "no {line:?} in:\n{exposition}");
    }
    let signalled = std::time::Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &running.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = running.wait_with_output().expect("reconcile ended");
    let stopped_within = signalled.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Json = serde_json::from_str(&stdout).expect("JSON");
    eprintln!("SIGTERM to exit: {stopped_within:?}; {report}");
    let state = replay(&block_on(fx.s3_journal().load("api")).expect("journal"))
        .expect("replay")
        .expect("rollout");
    if report["stopped"] == serde_json::json!(["api"]) {
        assert!(state.status.is_none(), "stopped mid-rollout");
        // Its lease was released: the next reconciler resumes at once, not after the expiry.
        let resumed_at = std::time::Instant::now();
        let out = reconciler(&fx, &["--once"]).wait_with_output().expect("reconcile ran");
        let next: Json = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(next["finished"][0]["status"], "succeeded", "{next:#}");
        assert!(next["held_elsewhere"].as_array().unwrap().is_empty(), "{next:#}");
        eprintln!(
            "resumed and finished by the next reconciler in {:?}",
            resumed_at.elapsed()
        );
    } else {
        // The signal came after its last step: it finished the rollout before exiting.
        assert_eq!(report["finished"][0]["status"], "succeeded", "{report:#}");
    }
    assert_all_on_green(&fx);
}
