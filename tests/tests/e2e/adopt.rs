//! `globaldeploy adopt --zone` against moto, through to the real terraform CLI: record sets
//! made directly through the Route 53 API (weighted with records, an alias and health checks; a
//! TXT name; a failover pair; a deployment's blue/green slots) are adopted into HCL that
//! `terraform fmt -check` accepts, whose plan imports every resource and changes nothing,
//! whose apply imports without touching Route 53, and after which a plan shows no changes at
//! all. Also: the JSON summary, the skipped slots, and clear errors for a missing zone and an
//! existing `--out` file.
//!
//! moto quirk: a DELETE by SetIdentifier deletes zone-wide, and an identical CREATE is
//! rejected, so every fixture uses identifiers unique within its zone.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use globaldeploy_adapters::aws::{
    AliasTarget, Change, ChangeAction, Failover, HealthCheckSpec, HealthCheckType, RecordSet,
};
use globaldeploy_adapters::testing::record_set;
use globaldeploy_e2e::{cli_binary, provider_block, Moto, Workspace, REQUIRED_PROVIDERS};
use serde_json::Value as Json;

fn health_check(moto: &Moto, fqdn: &str) -> String {
    let spec = HealthCheckSpec {
        check_type: HealthCheckType::Http,
        fqdn: Some(fqdn.to_owned()),
        ip_address: None,
        port: None,
        resource_path: Some("/healthz".into()),
        search_string: None,
        request_interval: None,
        failure_threshold: None,
        regions: vec![],
        tags: BTreeMap::new(),
    };
    let reference = format!("adopt-{fqdn}");
    moto.api(|r53| async move {
        r53.create_health_check(&spec, &reference)
            .await
            .expect("CreateHealthCheck")
    })
}

fn set(name: &str, rtype: &str, id: &str, records: &[&str]) -> RecordSet {
    RecordSet {
        set_identifier: Some(id.to_owned()),
        ..record_set(name, rtype, records)
    }
}

fn alias(name: &str, zone: &str, evaluate_target_health: bool) -> Option<AliasTarget> {
    Some(AliasTarget {
        name: name.to_owned(),
        zone_id: zone.to_owned(),
        evaluate_target_health,
    })
}

/// The zone's record sets as made by hand: what `adopt` finds.
fn hand_made_zone(zone: &str, use1_check: &str, primary_check: &str) -> Vec<RecordSet> {
    vec![
        // A simple record, also the alias targets' name.
        RecordSet {
            set_identifier: None,
            ttl: Some(300),
            ..set("lb.adopt.example.com.", "A", "", &["192.0.2.1"])
        },
        RecordSet {
            weight: Some(40),
            health_check_id: Some(use1_check.to_owned()),
            ..set(
                "API.adopt.example.com.",
                "A",
                "adopt-api-use1",
                &["203.0.113.11", "203.0.113.10"],
            )
        },
        RecordSet {
            weight: Some(25),
            ttl: None,
            alias: alias("lb.adopt.example.com.", zone, true),
            ..set("api.adopt.example.com.", "A", "adopt-api-euw1", &[])
        },
        RecordSet {
            weight: Some(0),
            ..set("api.adopt.example.com.", "A", "adopt-api-apse1", &["203.0.113.30"])
        },
        RecordSet {
            weight: Some(1),
            ttl: Some(300),
            ..set(
                "txt.adopt.example.com.",
                "TXT",
                "adopt-txt-a",
                &["\"v=spf1 include:${domain} -all\""],
            )
        },
        RecordSet {
            failover: Some(Failover::Primary),
            health_check_id: Some(primary_check.to_owned()),
            ..set("www.adopt.example.com.", "A", "adopt-www-main", &["198.51.100.10"])
        },
        RecordSet {
            failover: Some(Failover::Secondary),
            ttl: None,
            alias: alias("lb.adopt.example.com.", zone, false),
            ..set("www.adopt.example.com.", "A", "adopt-www-dr", &[])
        },
        // A deployment's blue/green slots: not adopted as a weighted record.
        RecordSet {
            weight: Some(100),
            ..set(
                "usw2.adopt.example.com.",
                "A",
                "usw2.adopt.example.com-blue",
                &["203.0.113.50"],
            )
        },
        RecordSet {
            weight: Some(0),
            ..set(
                "usw2.adopt.example.com.",
                "A",
                "usw2.adopt.example.com-green",
                &["203.0.113.51"],
            )
        },
    ]
}

/// Every record set of the zone, fresh from the API, in a comparable form.
fn zone_listing(moto: &Moto, zone: &str) -> Vec<RecordSet> {
    let zone = zone.to_owned();
    moto.api(|r53| async move {
        let mut sets = r53.record_sets(&zone).await.expect("ListResourceRecordSets").to_vec();
        for set in &mut sets {
            set.records.sort();
        }
        sets.sort_by_key(RecordSet::key);
        sets
    })
}

/// `globaldeploy adopt` with AWS access to `moto` and `args`.
fn adopt(moto: &Moto, args: &[&str]) -> std::process::Output {
    Command::new(cli_binary())
        .arg("adopt")
        .args(args)
        .args(["--route53-endpoint", &moto.endpoint(), "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .output()
        .expect("globaldeploy adopt")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn planned_changes(ws: &Workspace) -> Vec<(String, Vec<String>, bool)> {
    ws.plan_out("tfplan");
    let plan = ws.show_json(Some("tfplan"));
    plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|change| {
            let actions = change["change"]["actions"]
                .as_array()
                .unwrap_or(&vec![])
                .iter()
                .map(|a| a.as_str().unwrap_or_default().to_owned())
                .collect();
            let importing = change["change"]["importing"].is_object();
            (
                change["address"].as_str().unwrap_or_default().to_owned(),
                actions,
                importing,
            )
        })
        .collect()
}

#[test]
fn adopted_configuration_is_formatted_imports_and_plans_no_changes() {
    let moto = Moto::start();
    let zone = moto.api(|r53| async move {
        r53.create_hosted_zone("adopt.example.com")
            .await
            .expect("CreateHostedZone")
    });
    let use1_check = health_check(&moto, "use1.adopt.example.com");
    let primary_check = health_check(&moto, "primary.adopt.example.com");
    let changes: Vec<Change> = hand_made_zone(&zone, &use1_check, &primary_check)
        .into_iter()
        .map(|set| Change {
            action: ChangeAction::Create,
            set,
        })
        .collect();
    let batch_zone = zone.clone();
    moto.api(|r53| async move {
        r53.change_batch(
            &batch_zone,
            changes,
            std::time::Instant::now() + std::time::Duration::from_secs(60),
        )
        .await
        .expect("ChangeResourceRecordSets")
    });
    let before = zone_listing(&moto, &zone);

    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\n{}", provider_block(&moto.endpoint(), None)),
    );
    let out_file = ws.path().join("adopted.tf");
    let out_arg = out_file.to_string_lossy().into_owned();
    let out = adopt(
        &moto,
        &[
            "--zone",
            &format!("/hostedzone/{zone}"),
            "--out",
            &out_arg,
            "--output",
            "json",
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "adopt failed:\n{stdout}\n{stderr}");
    let summary: Json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {stdout}"));

    let addresses: Vec<&str> = summary["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["address"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        addresses,
        [
            "globaldeploy_weighted_record.api_adopt_example_com",
            "globaldeploy_weighted_record.txt_adopt_example_com",
            "globaldeploy_failover_policy.www_adopt_example_com",
        ]
    );
    assert_eq!(
        summary["resources"][0]["import_id"],
        format!("{zone}/api.adopt.example.com/A")
    );
    assert_eq!(
        summary["resources"][0]["set_identifiers"],
        serde_json::json!(["adopt-api-apse1", "adopt-api-euw1", "adopt-api-use1"])
    );
    assert_eq!(summary["skipped"][0]["name"], "usw2.adopt.example.com");
    assert!(
        summary["skipped"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("blue/green slots of a globaldeploy_deployment")),
        "{summary:#}"
    );
    assert_eq!(summary["skipped"].as_array().map(Vec::len), Some(1), "{summary:#}");
    // NS, SOA and lb: simple sets are only counted.
    assert_eq!(summary["simple_record_sets"], 3);
    assert!(summary.get("hcl").is_none(), "the HCL went to the file");
    assert!(
        stderr.contains("skipped usw2.adopt.example.com A (usw2.adopt.example.com-blue, usw2.adopt.example.com-green)"),
        "{stderr}"
    );

    let hcl = ws.read("adopted.tf");
    assert!(hcl.contains(&format!("health_check_id = \"{use1_check}\"")), "{hcl}");
    assert!(
        hcl.contains(r#"records        = ["\"v=spf1 include:$${domain} -all\""]"#),
        "{hcl}"
    );
    ws.terraform(&["fmt", "-check", "-diff", "adopted.tf"]).assert_success();
    ws.init().assert_success();

    let plan = ws.terraform(&["plan"]);
    plan.assert_success()
        .assert_contains("Plan: 3 to import, 0 to add, 0 to change, 0 to destroy.");
    let changes = planned_changes(&ws);
    assert_eq!(changes.len(), 3, "{changes:?}");
    for (address, actions, importing) in &changes {
        assert_eq!(actions, &["no-op"], "{address} must only be imported");
        assert!(importing, "{address} must be imported");
    }

    ws.apply()
        .assert_success()
        .assert_contains("Resources: 3 imported, 0 added, 0 changed, 0 destroyed.");
    assert_eq!(zone_listing(&moto, &zone), before, "importing must not touch Route 53");
    let values = ws.state_values("globaldeploy_failover_policy.www_adopt_example_com");
    assert_eq!(values["primary"]["health_check_id"], primary_check.as_str());
    assert_eq!(values["secondary"]["alias"]["name"], "lb.adopt.example.com");

    let again = ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        again.code(),
        Some(0),
        "a plan after the import must show no changes:\n{}",
        again.combined()
    );
    again.assert_contains("No changes.");
}

#[test]
fn stdout_output_missing_zone_and_existing_out_file() {
    let moto = Moto::start();
    let zone = moto.api(|r53| async move {
        r53.create_hosted_zone("empty.example.com")
            .await
            .expect("CreateHostedZone")
    });
    let batch_zone = zone.clone();
    moto.api(|r53| async move {
        let weighted = RecordSet {
            weight: Some(10),
            ..set("only.empty.example.com.", "A", "stdout-only-a", &["203.0.113.7"])
        };
        r53.change_batch(
            &batch_zone,
            vec![Change {
                action: ChangeAction::Create,
                set: weighted,
            }],
            std::time::Instant::now() + std::time::Duration::from_secs(60),
        )
        .await
        .expect("ChangeResourceRecordSets")
    });

    // Text: the HCL itself on stdout, the report on stderr.
    let out = adopt(&moto, &["--zone", &zone]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hcl = text(&out.stdout);
    assert!(
        hcl.starts_with("resource \"globaldeploy_weighted_record\" \"only_empty_example_com\" {"),
        "{hcl}"
    );
    assert!(
        hcl.contains(&format!("  id = \"{zone}/only.empty.example.com/A\"")),
        "{hcl}"
    );
    assert!(
        text(&out.stderr).contains("adopted 1 weighted record(s) and 0 failover policy(ies)"),
        "{}",
        text(&out.stderr)
    );

    // JSON without --out carries the HCL.
    let out = adopt(&moto, &["--zone", &zone, "--output", "json"]);
    let summary: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(summary["hcl"], hcl.as_str());

    let out = adopt(&moto, &["--zone", "ZNOSUCHZONE"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: hosted zone ZNOSUCHZONE does not exist"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let existing = dir.path().join("main.tf");
    std::fs::write(&existing, "# mine\n").expect("write");
    let existing_arg = existing.to_string_lossy().into_owned();
    let out = adopt(&moto, &["--zone", &zone, "--out", &existing_arg]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("already exists"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&existing).expect("read"), "# mine\n");
    let out = adopt(&moto, &["--zone", &zone, "--out", &existing_arg, "--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(Path::new(&existing)).expect("read"), hcl);
}
