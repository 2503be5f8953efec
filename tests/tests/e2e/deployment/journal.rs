//! A journal that cannot be read, through the real terraform CLI: a corrupt line makes plan
//! and apply fail naming the file and the line, with Route 53 untouched; an apply from another
//! working directory (a relative `journal`, so no journal there) after a rollout fails naming
//! the journal it expected, with the weights untouched; `globaldeploy journal verify|repair`
//! bring a journal with corrupt history back.

use super::*;

fn cli(fx: &Fixture, args: &[&str]) -> std::process::Output {
    globaldeploy(fx, args).output().expect("globaldeploy runs")
}

/// The journal file, and its line `number` (1-based) replaced by `line`.
fn replace_line(fx: &Fixture, number: usize, line: &str) -> std::path::PathBuf {
    let path = fx.journal().journal_path("api").expect("journal path");
    let text = std::fs::read_to_string(&path).expect("journal");
    let mut lines: Vec<&str> = text.lines().collect();
    lines[number - 1] = line;
    std::fs::write(&path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).expect("write journal");
    path
}

/// us-east-1's blue weight set to 50 outside Terraform: what a drift repair would write back.
fn drift_us_east_1(fx: &Fixture) {
    let blue = fx.slot_set("us-east-1", "blue").expect("blue");
    fx.change_outside(vec![upsert(RecordSet {
        weight: Some(50),
        ..blue
    })]);
}

#[test]
fn a_corrupt_journal_line_fails_plan_and_apply_and_route53_is_untouched() {
    let fx = Fixture::new("rollback_region");
    fx.create_v1();
    drift_us_east_1(&fx);
    let before = fx.weights();
    // Line 2 belongs to the publication that owns the weights: cut short, but terminated.
    let path = replace_line(&fx, 2, r#"{"kind":"group_started","gro"#);
    let journal = std::fs::read(&path).unwrap();
    let named = format!("journal {}, line 2: not a valid entry", path.display());
    fx.ws.plan().assert_failure().assert_says(&named);
    fx.ws.apply().assert_failure().assert_says(&named);
    // Without refresh, the update itself reads the journal before it writes anything (today's
    // restore-then-rollout order would write the drift back first).
    fx.write("v2", "rollback_region");
    fx.ws
        .terraform(&["apply", "-auto-approve", "-refresh=false"])
        .assert_failure()
        .assert_says(&named);
    assert_eq!(fx.weights(), before, "Route 53 is untouched");
    assert_eq!(std::fs::read(&path).unwrap(), journal, "the journal is untouched");
    // The data source says the same.
    let main = fx.ws.read("main.tf");
    fx.ws.write(
        "main.tf",
        &format!("{main}\ndata \"globaldeploy_rollout\" \"api\" {{\n  deployment = \"api\"\n}}\n"),
    );
    fx.ws
        .terraform(&["plan", "-refresh=false"])
        .assert_failure()
        .assert_says(&named);
}

#[test]
fn an_apply_from_another_directory_without_the_journal_is_an_error_and_moves_nothing() {
    let fx = Fixture::new("rollback_region");
    fx.at_v2();
    // The configuration names its journal relatively, as with the default `file://.globaldeploy`.
    let absolute = format!("file://{}", fx.ws.path().join("journal").display());
    let main = fx.ws.read("main.tf").replace(&absolute, "file://journal");
    fx.ws.write("main.tf", &main);
    assert_eq!(fx.ws.plan_detailed_exitcode(), 0, "same journal, read relatively");
    // The release is rolled back with the CLI: Route 53 and the journal say v1 on blue.
    let out = cli(&fx, &["rollback", "api", "--route53-endpoint", &fx.moto.endpoint()]);
    assert!(
        out.status.success(),
        "rollback: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rolled_back = fx.weights();
    for (region, weights) in &rolled_back {
        assert_eq!(*weights, (100, 0), "{region} is back on v1");
    }

    // Someone applies the same configuration and state from another directory.
    let other = Workspace::new();
    other.write("main.tf", &main);
    other.init().assert_success();
    other.write("terraform.tfstate", &fx.ws.read("terraform.tfstate"));
    // The provider resolves the relative `journal` against its working directory, as the kernel
    // names it.
    let expected = other
        .path()
        .canonicalize()
        .unwrap()
        .join("journal")
        .join("api.journal.jsonl");
    for out in [other.plan(), other.apply()] {
        out.assert_failure()
            .assert_says("No rollout journal of deployment \"api\"")
            .assert_says(&format!("{} does not exist", expected.display()))
            .assert_says("set `journal` to the absolute location");
    }
    assert_eq!(
        fx.weights(),
        rolled_back,
        "the weights stay where the rollback left them"
    );
    assert!(!expected.exists(), "no journal was started there");
}

#[test]
fn verify_and_repair_bring_back_a_journal_with_corrupt_history() {
    let fx = Fixture::new("rollback_region");
    fx.at_v2();
    drift_us_east_1(&fx);
    let before = fx.weights();
    // Line 2 is in the publication of v1, history since v2 rolled out.
    let path = replace_line(&fx, 2, "{\"kind\":\"group_started\",\"wave\":\"\u{e9}");
    fx.ws
        .plan()
        .assert_failure()
        .assert_says(&format!("journal {}, line 2", path.display()))
        .assert_says("globaldeploy journal repair api");

    let out = cli(&fx, &["journal", "verify", "api"]);
    assert_eq!(out.status.code(), Some(1), "verify fails on a bad line");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("  line 2: not a valid entry"), "{report}");
    assert!(report.contains("would drop line 2"), "{report}");

    let out = cli(&fx, &["journal", "repair", "api"]);
    assert!(out.status.success(), "repair: {}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    let backup = report
        .lines()
        .find_map(|l| l.strip_prefix("backup of the journal as it was: "))
        .unwrap_or_else(|| panic!("repair names its backup: {report}"));
    assert!(std::path::Path::new(backup).exists(), "{backup}");
    assert_eq!(cli(&fx, &["journal", "verify", "api"]).status.code(), Some(0));
    assert_eq!(fx.weights(), before, "verify and repair never touch Route 53");

    // Terraform reads the journal again: the drift is planned back and restored.
    let change = fx.planned_change("repaired.tfplan");
    assert_no_rollout(&change);
    fx.ws.terraform(&["apply", "repaired.tfplan"]).assert_success();
    for (region, weights) in fx.weights() {
        assert_eq!(weights, (0, 100), "{region}");
    }
}
