//! A Route 53 brown-out longer than the lease, through the real terraform CLI: the fault proxy
//! before moto throttles every ChangeResourceRecordSets from the middle of wave2's shift on,
//! for longer than the lease lives, and `globaldeploy rollback` is started from another process
//! while it lasts. The apply's heartbeat keeps its lease, so the CLI records a rollback request
//! instead of taking over; whichever order the late write, the request and the rollback come
//! in, Route 53 and `globaldeploy status` tell the same story at the end, and no name ever had
//! all its weights at 0.

use std::time::{Duration, Instant};

use globaldeploy_e2e::ProxyBeforeMoto;
use globaldeploy_engine::journal::lease::LEASE_TTL;
use globaldeploy_fault_proxy::{Fault, FaultConfig};

use super::*;

/// How long every weight change is throttled: longer than the lease lives.
const BROWNOUT: Duration = Duration::from_secs(45);
/// When `globaldeploy rollback` starts, into the brown-out: after a lease that nobody renewed
/// would have expired.
const ROLLBACK_AT: Duration = Duration::from_secs(38);
const _: () = assert!(ROLLBACK_AT.as_secs() > LEASE_TTL.as_secs() && ROLLBACK_AT.as_secs() < BROWNOUT.as_secs());

fn throttle_changes() -> FaultConfig {
    FaultConfig {
        probability: 1.0,
        faults: vec![Fault::Throttling],
        operations: vec!["ChangeResourceRecordSets".into()],
        ..FaultConfig::none()
    }
}

/// Waits for `child` until `limit` passes; kills it then.
fn wait_for(mut child: std::process::Child, what: &str, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_rollback_during_a_brownout_longer_than_the_lease_leaves_route53_and_status_agreeing() {
    let fx = Fixture::new("rollback_region");
    let proxy = ProxyBeforeMoto::start(&fx.moto, FaultConfig::none());
    *fx.route53_endpoint.lock().unwrap() = proxy.endpoint();
    fx.write("v1", "rollback_region");
    fx.create_v1();
    fx.write("v2", "rollback_region");
    let regions: Vec<&str> = REGIONS.iter().map(|(region, _, _)| *region).collect();
    let watch = SetWatch::start(&fx, &regions);

    let apply_log = fx.ws.path().join("apply.log");
    let log = std::fs::File::create(&apply_log).expect("apply log");
    let mut apply = spawn_apply(&fx)
        .stdout(log.try_clone().expect("apply log"))
        .stderr(log)
        .spawn()
        .expect("terraform apply");
    wait_until_wave2_shifts(&fx, &mut apply);
    proxy.set_config(throttle_changes());
    let brownout = Instant::now();

    std::thread::sleep(ROLLBACK_AT);
    let rollback = globaldeploy(&fx, &["rollback", "api", "--output", "json", "--reason", "brown-out"])
        .args(["--route53-endpoint", &proxy.endpoint()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("globaldeploy rollback");
    std::thread::sleep(BROWNOUT.saturating_sub(brownout.elapsed()));
    proxy.set_config(FaultConfig::none());
    let throttled = proxy.faults().get("Throttling").copied().unwrap_or(0);
    eprintln!(
        "the brown-out lasted {:?} and throttled {throttled} changes",
        brownout.elapsed()
    );
    assert!(throttled > 0, "the brown-out throttled nothing");

    let applied = wait_for(apply, "terraform apply", Duration::from_secs(300));
    let apply_output = std::fs::read_to_string(&apply_log).expect("apply log");
    eprintln!("terraform apply ({applied}):\n{apply_output}");
    let rolled_back = rollback.wait_with_output().expect("globaldeploy rollback");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&rolled_back.stdout),
        String::from_utf8_lossy(&rolled_back.stderr),
    );
    eprintln!("globaldeploy rollback ({}):\n{stdout}\n{stderr}", rolled_back.status);
    assert!(rolled_back.status.success(), "globaldeploy rollback failed");
    let report: Json = serde_json::from_str(&stdout).expect("rollback printed JSON");
    assert_eq!(report["status"], "rolled_back");
    assert!(!applied.success(), "the apply's rollout was rolled back: it must fail");

    // Route 53 and the journal (as `globaldeploy status` reads it) agree, region by region.
    let status = cli_status(&fx);
    assert_eq!(status["status"], "rolled_back", "{status:#}");
    // A slot that has no set (a region whose idle slot was never prepared) carries no weight.
    let route53: BTreeMap<String, (i64, i64)> = fx
        .weights()
        .into_iter()
        .map(|(region, (blue, green))| (region, (blue.max(0), green.max(0))))
        .collect();
    for region in status["regions"].as_array().expect("regions") {
        let name = region["region"].as_str().expect("region name");
        let journaled = (
            region["weights"]["blue"].as_i64().expect("blue"),
            region["weights"]["green"].as_i64().expect("green"),
        );
        assert_eq!(
            route53[name], journaled,
            "{name}: Route 53 and `globaldeploy status` disagree"
        );
        assert_eq!(route53[name], (100, 0), "{name} serves v1 again");
    }
    // No listing during the whole run showed a name with every weight at 0.
    let listings = watch.finish();
    for region in &regions {
        let name = format!("{}.", record_name(region));
        for sets in &listings {
            let weights: Vec<i64> = sets
                .iter()
                .filter(|s| s.name == name)
                .filter_map(|s| s.weight)
                .collect();
            assert!(
                weights.iter().any(|w| *w > 0),
                "{region} was listed with weights {weights:?} (none above 0)"
            );
        }
    }
    // Terraform's state tells the same story: v1 serves, and the next plan proposes v2 again.
    let state = fx.state();
    assert_eq!(state["version"], "v1", "{state:#}");
    assert_eq!(fx.ws.plan_detailed_exitcode(), 2);
}
