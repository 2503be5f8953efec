//! `globaldeploy_weighted_record` (resource and data source) through the real terraform CLI
//! against moto: lifecycle (weights, endpoints added and removed, a renamed set identifier,
//! records ↔ alias, name spelling), import, destroy, drift outside Terraform, the data source,
//! every validation rule at its line, and an apply of 50 records through a fault-injecting
//! proxy. Results are checked through the Route 53 API.
//!
//! moto quirk: a DELETE of a set with a SetIdentifier removes every set of the zone with that
//! identifier, whatever its name, so every fixture uses identifiers unique within its zone.

use std::collections::BTreeMap;

use globaldeploy_adapters::aws::{Change, ChangeAction, RecordSet};
use globaldeploy_e2e::{provider_block, Moto, ProxyBeforeMoto, Workspace, REQUIRED_PROVIDERS};
use globaldeploy_fault_proxy::FaultConfig;
use serde_json::Value as Json;

// ----- helpers ------------------------------------------------------------------------------

fn workspace_at(endpoint: &str, resources: &str) -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\n{}\n{resources}", provider_block(endpoint, None)),
    );
    ws
}

fn create_zone(moto: &Moto, name: &str) -> String {
    let name = name.to_owned();
    moto.api(|r53| async move { r53.create_hosted_zone(&name).await.expect("CreateHostedZone") })
}

/// Every weighted set of the zone, fresh from the API.
fn weighted_sets(moto: &Moto, zone: &str) -> Vec<RecordSet> {
    let zone = zone.to_owned();
    moto.api(|r53| async move {
        r53.record_sets(&zone)
            .await
            .expect("ListResourceRecordSets")
            .iter()
            .filter(|s| s.weight.is_some())
            .cloned()
            .collect()
    })
}

/// set identifier → (weight, records, alias name) of the weighted sets named `name`.
fn sets_of(moto: &Moto, zone: &str, name: &str) -> BTreeMap<String, (i64, Vec<String>, Option<String>)> {
    weighted_sets(moto, zone)
        .into_iter()
        .filter(|s| s.name == format!("{name}."))
        .map(|s| {
            let mut records = s.records.clone();
            records.sort();
            (
                s.set_identifier.clone().unwrap_or_default(),
                (s.weight.unwrap_or(-1), records, s.alias.map(|a| a.name)),
            )
        })
        .collect()
}

fn change(moto: &Moto, zone: &str, changes: Vec<Change>) {
    let zone = zone.to_owned();
    moto.api(|r53| async move {
        r53.change_batch(
            &zone,
            changes,
            std::time::Instant::now() + std::time::Duration::from_secs(60),
        )
        .await
        .expect("ChangeResourceRecordSets")
    });
}

fn set(name: &str, id: &str, weight: i64, records: &[&str]) -> RecordSet {
    globaldeploy_adapters::testing::weighted_set(&format!("{name}."), id, weight, records)
}

fn expected(entries: &[(&str, i64, &[&str])]) -> BTreeMap<String, (i64, Vec<String>, Option<String>)> {
    entries
        .iter()
        .map(|(id, weight, records)| {
            let mut records: Vec<String> = records.iter().map(|r| (*r).to_owned()).collect();
            records.sort();
            ((*id).to_owned(), (*weight, records, None))
        })
        .collect()
}

fn record(zone: &str, name: &str, ttl: &str, endpoints: &[(&str, i64, &str)]) -> String {
    let mut body = format!(
        "resource \"globaldeploy_weighted_record\" \"api\" {{\n  zone_id = \"{zone}\"\n  name    = \"{name}\"\n  type    = \"A\"\n{ttl}"
    );
    for (id, weight, target) in endpoints {
        body.push_str(&format!(
            "\n  endpoint {{\n    set_identifier = \"{id}\"\n    weight         = {weight}\n    {target}\n  }}\n"
        ));
    }
    body.push_str("}\n");
    body
}

// ----- lifecycle ----------------------------------------------------------------------------

#[test]
fn lifecycle_weights_endpoints_rename_alias_and_destroy() {
    let moto = Moto::start();
    let zone = create_zone(&moto, "example.com");
    // A set of another name that must survive everything below.
    change(
        &moto,
        &zone,
        vec![Change {
            action: ChangeAction::Create,
            set: set("other.example.com", "other-x", 1, &["192.0.2.99"]),
        }],
    );

    let ttl = "  ttl     = 60\n";
    let v1 = record(
        &zone,
        "api.example.com",
        ttl,
        &[
            ("api-use1", 40, "records = [\"192.0.2.10\"]"),
            ("api-euw1", 60, "records = [\"192.0.2.20\", \"192.0.2.21\"]"),
        ],
    );
    let ws = workspace_at(&moto.endpoint(), &v1);
    ws.init().assert_success();
    ws.apply()
        .assert_success()
        .assert_contains("Apply complete! Resources: 1 added");
    assert_eq!(
        sets_of(&moto, &zone, "api.example.com"),
        expected(&[
            ("api-use1", 40, &["192.0.2.10"]),
            ("api-euw1", 60, &["192.0.2.20", "192.0.2.21"])
        ])
    );
    let values = ws.state_values("globaldeploy_weighted_record.api");
    assert_eq!(values["id"], format!("{zone}/api.example.com/A"));
    assert_eq!(values["fqdn"], "api.example.com");
    assert_eq!(ws.plan_detailed_exitcode(), 0, "no diff right after apply");

    // The name spelled differently is the same name: no diff, no replacement.
    ws.write(
        "main.tf",
        &ws.read("main.tf")
            .replace("\"api.example.com\"", "\"API.Example.com.\""),
    );
    assert_eq!(
        ws.plan_detailed_exitcode(),
        0,
        "name case and trailing dot are not a change"
    );

    // Change weights: one in-place update.
    ws.write(
        "main.tf",
        &ws.read("main.tf")
            .replace("weight         = 40", "weight         = 90")
            .replace("weight         = 60", "weight         = 10"),
    );
    ws.plan()
        .assert_success()
        .assert_contains("0 to add, 1 to change, 0 to destroy");
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    assert_eq!(
        sets_of(&moto, &zone, "api.example.com"),
        expected(&[
            ("api-use1", 90, &["192.0.2.10"]),
            ("api-euw1", 10, &["192.0.2.20", "192.0.2.21"])
        ])
    );
    assert_eq!(ws.plan_detailed_exitcode(), 0);

    // Add one endpoint and remove another in the same apply.
    let v2 = record(
        &zone,
        "API.Example.com.",
        ttl,
        &[
            ("api-use1", 90, "records = [\"192.0.2.10\"]"),
            ("api-apse1", 5, "records = [\"192.0.2.30\"]"),
        ],
    );
    ws.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\n{}\n{v2}", provider_block(&moto.endpoint(), None)),
    );
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    assert_eq!(
        sets_of(&moto, &zone, "api.example.com"),
        expected(&[("api-use1", 90, &["192.0.2.10"]), ("api-apse1", 5, &["192.0.2.30"])])
    );
    assert_eq!(ws.plan_detailed_exitcode(), 0);

    // Rename a set identifier: DELETE + CREATE in one batch.
    ws.write("main.tf", &ws.read("main.tf").replace("api-apse1", "api-apse2"));
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    assert_eq!(
        sets_of(&moto, &zone, "api.example.com"),
        expected(&[("api-use1", 90, &["192.0.2.10"]), ("api-apse2", 5, &["192.0.2.30"])])
    );
    assert_eq!(ws.plan_detailed_exitcode(), 0);

    // Records → alias (no ttl with aliases).
    let alias = |target: &str| {
        format!("alias {{\n      name                   = \"{target}\"\n      zone_id                = \"{zone}\"\n      evaluate_target_health = true\n    }}")
    };
    let v3 = record(
        &zone,
        "API.Example.com.",
        "",
        &[
            ("api-use1", 90, &alias("use1.api.example.com")),
            ("api-apse2", 5, &alias("APSE2.api.example.com.")),
        ],
    );
    ws.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\n{}\n{v3}", provider_block(&moto.endpoint(), None)),
    );
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    let now = sets_of(&moto, &zone, "api.example.com");
    assert_eq!(now["api-use1"], (90, vec![], Some("use1.api.example.com.".to_owned())));
    assert_eq!(now["api-apse2"], (5, vec![], Some("apse2.api.example.com.".to_owned())));
    assert_eq!(ws.plan_detailed_exitcode(), 0, "alias name spelling is not a diff");

    // Alias → records again.
    ws.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\n{}\n{v2}", provider_block(&moto.endpoint(), None))
            .replace("api-apse1", "api-apse2"),
    );
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    assert_eq!(
        sets_of(&moto, &zone, "api.example.com"),
        expected(&[("api-use1", 90, &["192.0.2.10"]), ("api-apse2", 5, &["192.0.2.30"])])
    );
    assert_eq!(ws.plan_detailed_exitcode(), 0);

    // Destroy leaves no owned set; the other name's set is untouched.
    ws.destroy().assert_success().assert_contains("Resources: 1 destroyed");
    assert!(sets_of(&moto, &zone, "api.example.com").is_empty());
    assert_eq!(
        sets_of(&moto, &zone, "other.example.com"),
        expected(&[("other-x", 1, &["192.0.2.99"])])
    );
}

// ----- import ------------------------------------------------------------------------------

#[test]
fn import_then_plan_shows_no_changes() {
    let moto = Moto::start();
    let zone = create_zone(&moto, "example.org");
    change(
        &moto,
        &zone,
        vec![
            Change {
                action: ChangeAction::Create,
                set: set("www.example.org", "www-a", 7, &["198.51.100.2", "198.51.100.1"]),
            },
            Change {
                action: ChangeAction::Create,
                set: set("web.example.org", "web-a", 1, &["198.51.100.3"]),
            },
        ],
    );
    let www = record(
        &zone,
        "www.example.org",
        "  ttl     = 60\n",
        &[("www-a", 7, "records = [\"198.51.100.1\", \"198.51.100.2\"]")],
    );
    let ws = workspace_at(&moto.endpoint(), &www);
    ws.init().assert_success();
    ws.terraform(&[
        "import",
        "globaldeploy_weighted_record.api",
        &format!("{zone}/WWW.example.org./a"),
    ])
    .assert_success()
    .assert_contains("Import successful");
    let values = ws.state_values("globaldeploy_weighted_record.api");
    assert_eq!(values["id"], format!("{zone}/www.example.org/A"));
    assert_eq!(values["endpoint"][0]["weight"], 7, "the one endpoint");
    assert_eq!(ws.plan_detailed_exitcode(), 0, "no diff after import");

    // A malformed id and a name with no sets are explained.
    let ws2 = workspace_at(&moto.endpoint(), &www.replace("\"api\"", "\"x\""));
    ws2.init().assert_success();
    ws2.terraform(&["import", "globaldeploy_weighted_record.x", "nonsense"])
        .assert_failure()
        .assert_contains("Invalid import id");
    ws2.terraform(&[
        "import",
        "globaldeploy_weighted_record.x",
        &format!("{zone}/nothing.example.org/A"),
    ])
    .assert_failure()
    .assert_contains("non-existent remote object");
}

// ----- endpoint order ----------------------------------------------------------------------

/// The lines of `terraform show PLANFILE` from the first `endpoint {` to the hidden-blocks note.
fn endpoint_diff_lines(plan: &str) -> String {
    let start = plan.find("endpoint {").expect("an endpoint block in the diff");
    let start = plan[..start].rfind('\n').map_or(0, |i| i + 1);
    let end = plan[start..]
        .find("unchanged block")
        .and_then(|i| plan[start + i..].find('\n').map(|j| start + i + j))
        .unwrap_or(plan.len());
    plan[start..end].to_owned()
}

#[test]
fn endpoint_order_carries_no_meaning_on_import_reorder_and_change() {
    let moto = Moto::start();
    let zone = create_zone(&moto, "example.info");
    change(
        &moto,
        &zone,
        ["ord-a", "ord-b", "ord-c"]
            .iter()
            .enumerate()
            .map(|(i, id)| Change {
                action: ChangeAction::Create,
                set: set(
                    "ord.example.info",
                    id,
                    10 * (i64::try_from(i).unwrap() + 1),
                    &[&format!("198.51.100.{}", i + 1)],
                ),
            })
            .collect(),
    );
    // The configuration lists the endpoints in the opposite order of Route 53's listing.
    let endpoints = [
        ("ord-c", 30, "records = [\"198.51.100.3\"]"),
        ("ord-b", 20, "records = [\"198.51.100.2\"]"),
        ("ord-a", 10, "records = [\"198.51.100.1\"]"),
    ];
    let ttl = "  ttl     = 60\n";
    let ws = workspace_at(&moto.endpoint(), &record(&zone, "ord.example.info", ttl, &endpoints));
    ws.init().assert_success();
    ws.terraform(&[
        "import",
        "globaldeploy_weighted_record.api",
        &format!("{zone}/ord.example.info/A"),
    ])
    .assert_success();
    let out = ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.code(), Some(0), "no changes after import: {}", out.combined());

    // Reordered in the configuration: still nothing to do.
    let mut reordered = endpoints;
    reordered.swap(0, 2);
    reordered.swap(1, 2);
    let provider = provider_block(&moto.endpoint(), None);
    let write = |endpoints: &[(&str, i64, &str)]| {
        ws.write(
            "main.tf",
            &format!(
                "{REQUIRED_PROVIDERS}\n{provider}\n{}",
                record(&zone, "ord.example.info", ttl, endpoints)
            ),
        );
    };
    write(&reordered);
    let out = ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.code(), Some(0), "no changes after reordering: {}", out.combined());

    // One real change reads as a change of that one endpoint.
    let mut changed = reordered;
    let at = changed.iter().position(|e| e.0 == "ord-b").unwrap();
    changed[at].1 = 25;
    write(&changed);
    ws.plan_out("weight.tfplan");
    let text = ws.terraform(&["show", "weight.tfplan"]);
    text.assert_success();
    let diff = endpoint_diff_lines(&text.stdout);
    assert!(
        !diff.contains("ord-a") && !diff.contains("ord-c"),
        "only ord-b changes:\n{diff}"
    );
    insta::assert_snapshot!("weighted_record_one_endpoint_weight_change", diff);
    ws.apply().assert_success();
    assert_eq!(
        sets_of(&moto, &zone, "ord.example.info"),
        expected(&[
            ("ord-a", 10, &["198.51.100.1"]),
            ("ord-b", 25, &["198.51.100.2"]),
            ("ord-c", 30, &["198.51.100.3"]),
        ])
    );
}

#[test]
fn state_written_at_schema_version_0_is_upgraded_without_changes() {
    let moto = Moto::start();
    let zone = create_zone(&moto, "example.biz");
    let config = record(
        &zone,
        "old.example.biz",
        "  ttl     = 60\n",
        &[
            ("old-a", 10, "records = [\"203.0.113.1\"]"),
            ("old-b", 90, "records = [\"203.0.113.2\"]"),
        ],
    );
    let ws = workspace_at(&moto.endpoint(), &config);
    ws.init().assert_success();
    ws.apply().assert_success();
    // As the provider stored it before `endpoint` became a set: schema version 0, endpoints in
    // whatever order the configuration had then (here the reverse of today's).
    let path = ws.path().join("terraform.tfstate");
    let mut state: Json = serde_json::from_str(&std::fs::read_to_string(&path).expect("state")).expect("JSON");
    let instance = &mut state["resources"][0]["instances"][0];
    instance["schema_version"] = Json::from(0);
    instance["attributes"]["endpoint"]
        .as_array_mut()
        .expect("endpoints")
        .reverse();
    state["serial"] = Json::from(state["serial"].as_i64().unwrap_or(0) + 1);
    std::fs::write(&path, serde_json::to_string_pretty(&state).expect("JSON")).expect("write state");

    let out = ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.code(), Some(0), "an old state plans no changes: {}", out.combined());
    ws.terraform(&["apply", "-refresh-only", "-auto-approve"])
        .assert_success();
    let upgraded: Json = serde_json::from_str(&std::fs::read_to_string(&path).expect("state")).expect("JSON");
    assert_eq!(upgraded["resources"][0]["instances"][0]["schema_version"], 1);
}

// ----- drift -------------------------------------------------------------------------------

#[test]
fn drift_shows_exactly_the_changes_and_apply_restores() {
    let moto = Moto::start();
    let zone = create_zone(&moto, "example.net");
    let config = record(
        &zone,
        "api.example.net",
        "  ttl     = 60\n",
        &[
            ("net-use1", 40, "records = [\"203.0.113.10\"]"),
            ("net-usw2", 30, "records = [\"203.0.113.20\"]"),
            ("net-euw1", 30, "records = [\"203.0.113.30\"]"),
        ],
    );
    // moto keeps a journal of every change and refuses a CREATE identical to one in the journal
    // while any set of that name and type exists, even after the set was deleted (real Route 53
    // has no such rule). So the sets are first created with other weights and then updated, and
    // the CREATE that restores the deleted set below is not a repeat.
    let ws = workspace_at(
        &moto.endpoint(),
        &config.replace("weight         = 30", "weight         = 31"),
    );
    ws.init().assert_success();
    ws.apply().assert_success();
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\n{}\n{config}",
            provider_block(&moto.endpoint(), None)
        ),
    );
    ws.apply().assert_success().assert_contains("1 changed");

    // Behind Terraform's back: a weight changes and a set is deleted.
    change(
        &moto,
        &zone,
        vec![
            Change {
                action: ChangeAction::Upsert,
                set: set("api.example.net", "net-use1", 0, &["203.0.113.10"]),
            },
            Change {
                action: ChangeAction::Delete,
                set: set("api.example.net", "net-euw1", 30, &["203.0.113.30"]),
            },
        ],
    );
    let plan = ws.plan_out("tfplan");
    // `endpoint` is a set: a changed endpoint shows as its old block going and its new one coming.
    plan.assert_contains("1 to change")
        .assert_contains("- weight         = 0 -> null")
        .assert_contains("+ weight         = 40")
        .assert_contains("+ endpoint");
    let plan = ws.show_json(Some("tfplan"));
    let rc = &plan["resource_changes"][0];
    assert_eq!(rc["change"]["actions"], serde_json::json!(["update"]));
    let by_id = |side: &str| -> BTreeMap<String, Json> {
        rc["change"][side]["endpoint"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["set_identifier"].as_str().unwrap().to_owned(), e.clone()))
            .collect()
    };
    let (before, after) = (by_id("before"), by_id("after"));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        vec!["net-use1", "net-usw2"],
        "the deleted set is missing before"
    );
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        vec!["net-euw1", "net-use1", "net-usw2"]
    );
    assert_eq!(before["net-use1"]["weight"], 0);
    assert_eq!(after["net-use1"]["weight"], 40);
    let mut use1_before = before["net-use1"].clone();
    use1_before["weight"] = serde_json::json!(40);
    assert_eq!(use1_before, after["net-use1"], "only the weight differs");
    assert_eq!(before["net-usw2"], after["net-usw2"], "the untouched set shows no diff");

    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    assert_eq!(
        sets_of(&moto, &zone, "api.example.net"),
        expected(&[
            ("net-use1", 40, &["203.0.113.10"]),
            ("net-usw2", 30, &["203.0.113.20"]),
            ("net-euw1", 30, &["203.0.113.30"])
        ])
    );
    assert_eq!(ws.plan_detailed_exitcode(), 0);

    // Every set deleted outside Terraform: the resource leaves state and is planned again.
    let current: Vec<Change> = weighted_sets(&moto, &zone)
        .into_iter()
        .filter(|s| s.name == "api.example.net.")
        .map(|set| Change {
            action: ChangeAction::Delete,
            set,
        })
        .collect();
    change(&moto, &zone, current);
    ws.plan()
        .assert_success()
        .assert_contains("1 to add, 0 to change, 0 to destroy");
    // New weights, so that no CREATE repeats one of moto's journal (see above).
    ws.write(
        "main.tf",
        &ws.read("main.tf").replace("weight         = 30", "weight         = 20"),
    );
    ws.apply().assert_success().assert_contains("1 added");
    assert_eq!(
        sets_of(&moto, &zone, "api.example.net"),
        expected(&[
            ("net-use1", 40, &["203.0.113.10"]),
            ("net-usw2", 20, &["203.0.113.20"]),
            ("net-euw1", 20, &["203.0.113.30"])
        ])
    );
    assert_eq!(ws.plan_detailed_exitcode(), 0);
}

// ----- data source -------------------------------------------------------------------------

#[test]
fn data_source_reads_weights_and_targets() {
    let moto = Moto::start();
    let zone = create_zone(&moto, "example.io");
    let mut alias = set("api.example.io", "io-b", 25, &[]);
    alias.ttl = None;
    alias.records.clear();
    alias.alias = Some(globaldeploy_adapters::aws::AliasTarget {
        name: "b.example.io".into(),
        zone_id: zone.clone(),
        evaluate_target_health: true,
    });
    change(
        &moto,
        &zone,
        vec![
            Change {
                action: ChangeAction::Create,
                set: set("api.example.io", "io-a", 75, &["192.0.2.1"]),
            },
            Change {
                action: ChangeAction::Create,
                set: alias,
            },
        ],
    );
    let ws = workspace_at(
        &moto.endpoint(),
        &format!(
            r#"
data "globaldeploy_weighted_record" "api" {{
  zone_id = "{zone}"
  name    = "API.example.io."
  type    = "A"
}}

output "weights" {{
  value = data.globaldeploy_weighted_record.api.weights
}}

output "endpoints" {{
  value = data.globaldeploy_weighted_record.api.endpoints
}}

output "ttl" {{
  value = data.globaldeploy_weighted_record.api.ttl
}}
"#
        ),
    );
    ws.init().assert_success();
    ws.apply().assert_success();
    let out = ws.output_json();
    assert_eq!(out["weights"]["value"], serde_json::json!({"io-a": 75, "io-b": 25}));
    assert_eq!(out["ttl"]["value"], 60);
    let endpoints = &out["endpoints"]["value"];
    assert_eq!(endpoints[0]["records"], serde_json::json!(["192.0.2.1"]));
    assert_eq!(endpoints[1]["alias"]["name"], "b.example.io");
    assert_eq!(endpoints[1]["alias"]["evaluate_target_health"], true);

    // A name without weighted sets is an error naming it.
    ws.write(
        "main.tf",
        &ws.read("main.tf").replace("API.example.io.", "missing.example.io"),
    );
    ws.plan()
        .assert_failure()
        .assert_contains("No weighted record missing.example.io A");
}

// ----- validation --------------------------------------------------------------------------

/// Validates `resource` (a `globaldeploy_weighted_record` named `bad`) and asserts the error and its line
/// (see [`globaldeploy_e2e::assert_invalid`]).
#[track_caller]
fn assert_invalid(resource: &str, summary: &str, detail: &str, line_text: &str) {
    let out = globaldeploy_e2e::assert_invalid("globaldeploy_weighted_record", resource, summary, detail, line_text);
    let errors = out.combined().matches("Error: ").count();
    assert_eq!(errors, 1, "exactly one error:\n{}", out.combined());
}

fn bad(head: &str, endpoints: &str) -> String {
    format!(
        "resource \"globaldeploy_weighted_record\" \"bad\" {{\n  zone_id = \"Z1\"\n  name    = \"api.example.com\"\n{head}{endpoints}}}\n"
    )
}

const A60: &str = "  type    = \"A\"\n  ttl     = 60\n";

#[test]
fn weight_out_of_range() {
    assert_invalid(
        &bad(A60, "  endpoint {\n    set_identifier = \"a\"\n    weight         = 256\n    records        = [\"192.0.2.1\"]\n  }\n"),
        "Invalid value for \"weight\"",
        "256 is out of range: expected a whole number from 0 to 255.",
        "weight         = 256",
    );
}

#[test]
fn duplicate_set_identifiers() {
    assert_invalid(
        &bad(
            A60,
            "  endpoint {\n    set_identifier = \"a\"\n    weight = 1\n    records = [\"192.0.2.1\"]\n  }\n  endpoint {\n    set_identifier = \"a\" # dup\n    weight = 1\n    records = [\"192.0.2.2\"]\n  }\n",
        ),
        "Duplicate set_identifier",
        "In the endpoint block with set_identifier = \"a\", set_identifier: set_identifier \"a\" is used by more than one \
         endpoint",
        // Several endpoint blocks: Terraform points at the resource, the message names the endpoint.
        "resource \"globaldeploy_weighted_record\" \"bad\"",
    );
}

#[test]
fn records_and_alias_together() {
    assert_invalid(
        &bad(
            "  type    = \"A\"\n",
            "  endpoint {\n    set_identifier = \"a\"\n    weight = 1\n    records = [\"192.0.2.1\"]\n    alias { # both\n      name = \"x.example.com\"\n      zone_id = \"Z1\"\n    }\n  }\n",
        ),
        "Conflicting configuration arguments",
        "endpoint[set_identifier=\"a\"] must set exactly one of records or alias; found both.",
        "alias { # both",
    );
}

#[test]
fn neither_records_nor_alias() {
    assert_invalid(
        &bad(
            A60,
            "  endpoint { # empty\n    set_identifier = \"a\"\n    weight = 1\n  }\n",
        ),
        "Missing record target",
        "endpoint[set_identifier=\"a\"] must set exactly one of records or alias; neither is set.",
        "endpoint { # empty",
    );
}

#[test]
fn ttl_required_with_records() {
    assert_invalid(
        &bad(
            "  type    = \"A\"\n",
            "  endpoint {\n    set_identifier = \"a\"\n    weight = 1\n    records = [\"192.0.2.1\"]\n  }\n",
        ),
        "Missing required argument \"ttl\"",
        "endpoint[set_identifier=\"a\"] uses records, which need a TTL",
        "records = [\"192.0.2.1\"]",
    );
}

#[test]
fn ttl_forbidden_with_alias() {
    assert_invalid(
        &bad(
            A60,
            "  endpoint {\n    set_identifier = \"a\"\n    weight = 1\n    alias {\n      name = \"x.example.com\"\n      zone_id = \"Z1\"\n    }\n  }\n  endpoint {\n    set_identifier = \"b\"\n    weight = 1\n    alias {\n      name = \"y.example.com\"\n      zone_id = \"Z1\"\n    }\n  }\n",
        ),
        "Invalid argument \"ttl\" with an alias",
        "every endpoint is an alias: Route 53 aliases use the TTL of their target, so ttl must not be set.",
        "ttl     = 60",
    );
}

/// The documented example (docs/resources/weighted_record.md): a records endpoint beside an alias endpoint, with the ttl the
/// records endpoint needs.
#[test]
fn records_and_alias_endpoints_may_share_a_record_with_a_ttl() {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\n{}",
            bad(
                A60,
                "  endpoint {\n    set_identifier = \"a\"\n    weight = 40\n    records = [\"192.0.2.1\"]\n  }\n  endpoint {\n    set_identifier = \"b\"\n    weight = 25\n    alias {\n      name = \"euw1.api.example.com\"\n      zone_id = \"Z1\"\n      evaluate_target_health = true\n    }\n  }\n",
            )
        ),
    );
    ws.validate().assert_success();
}

#[test]
fn cname_has_exactly_one_record() {
    assert_invalid(
        &bad(
            "  type    = \"CNAME\"\n  ttl     = 60\n",
            "  endpoint {\n    set_identifier = \"a\"\n    weight = 1\n    records = [\"a.example.com\", \"b.example.com\"]\n  }\n",
        ),
        "Invalid CNAME records",
        "A CNAME record has exactly one value; endpoint[set_identifier=\"a\"].records has 2.",
        "records = [\"a.example.com\", \"b.example.com\"]",
    );
}

#[test]
fn at_least_one_endpoint() {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{}}\n\n{}",
            bad(A60, "")
        ),
    );
    let out = ws.validate();
    out.assert_failure()
        .assert_contains("Insufficient endpoint blocks")
        .assert_contains("on main.tf line");
}

#[test]
fn at_most_100_endpoints() {
    let endpoints: String = (0..101)
        .map(|i| {
            format!(
                "  endpoint {{\n    set_identifier = \"e{i}\"\n    weight = 1\n    records = [\"192.0.2.1\"]\n  }}\n"
            )
        })
        .collect();
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{}}\n\n{}",
            bad(A60, &endpoints)
        ),
    );
    let out = ws.validate();
    out.assert_failure().assert_contains("Too many endpoint blocks");
    out.assert_contains("on main.tf line");
}

#[test]
fn batch_must_fit_one_change_batch() {
    // 4 endpoints × 130 values: 520 values, 1,040 once every set is UPSERTed.
    let values = |e: usize| {
        (0..130)
            .map(|i| format!("\"10.{e}.{}.{}\"", i / 200, i % 200))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let endpoints: String = (0..4)
        .map(|e| {
            format!(
                "  endpoint {{\n    set_identifier = \"e{e}\"\n    weight = 1\n    records = [{}] # e{e}\n  }}\n",
                values(e)
            )
        })
        .collect();
    assert_invalid(
        &bad(A60, &endpoints),
        "Weighted record too large for one change batch",
        "In the endpoint block with set_identifier = \"e3\", records: With the endpoints before it (in set_identifier \
         order) this record has 520 record values",
        "resource \"globaldeploy_weighted_record\" \"bad\"",
    );
}

#[test]
fn invalid_type() {
    assert_invalid(
        &bad(
            "  type    = \"WEIGHTED\"\n  ttl     = 60\n",
            "  endpoint {\n    set_identifier = \"a\"\n    weight = 1\n    records = [\"192.0.2.1\"]\n  }\n",
        ),
        "Invalid value for \"type\"",
        "\"WEIGHTED\" is not allowed",
        "type    = \"WEIGHTED\"",
    );
}

#[test]
fn unknown_values_are_not_rejected() {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{}}\n\nresource \"terraform_data\" \"w\" {{\n  input = 300\n}}\n\n{}",
            bad(
                "  type    = \"A\"\n  ttl     = terraform_data.w.output\n",
                "  endpoint {\n    set_identifier = terraform_data.w.output\n    weight = terraform_data.w.output\n    records = [terraform_data.w.output]\n  }\n",
            )
        ),
    );
    ws.validate().assert_success();
}

// ----- faults ------------------------------------------------------------------------------

#[test]
fn fifty_records_through_thirty_percent_faults_match_the_configuration_exactly() {
    let moto = Moto::start();
    let zone = create_zone(&moto, "faults.example.com");
    let proxy = ProxyBeforeMoto::start(
        &moto,
        FaultConfig {
            latency_ms: 50,
            ..FaultConfig::all(0.3, 42)
        },
    );

    let mut config = String::new();
    let mut wanted = BTreeMap::new();
    for r in 0..50_i64 {
        config.push_str(&format!(
            "resource \"globaldeploy_weighted_record\" \"r{r}\" {{\n  zone_id = \"{zone}\"\n  name    = \"svc{r}.faults.example.com\"\n  type    = \"A\"\n  ttl     = 60\n"
        ));
        for e in 0..5_i64 {
            let weight: i64 = (r * 7 + e * 13) % 256;
            let value = format!("10.{r}.{e}.1");
            config.push_str(&format!(
                "  endpoint {{\n    set_identifier = \"r{r}-e{e}\"\n    weight         = {weight}\n    records        = [\"{value}\"]\n  }}\n"
            ));
            wanted.insert(format!("svc{r}.faults.example.com. r{r}-e{e}"), (weight, vec![value]));
        }
        config.push_str("}\n");
    }
    let ws = workspace_at(&proxy.endpoint(), &config);
    ws.init().assert_success();
    ws.apply()
        .assert_success()
        .assert_contains("Apply complete! Resources: 50 added");

    let faults = proxy.faults();
    assert!(faults.values().sum::<u64>() > 10, "faults were injected: {faults:?}");
    let found: BTreeMap<String, (i64, Vec<String>)> = weighted_sets(&moto, &zone)
        .into_iter()
        .map(|s| {
            (
                format!("{} {}", s.name, s.set_identifier.unwrap_or_default()),
                (s.weight.unwrap_or(-1), s.records),
            )
        })
        .collect();
    let all = weighted_sets(&moto, &zone).len();
    assert_eq!(all, 250, "no duplicate or extra sets");
    assert_eq!(found, wanted, "the zone is exactly the configuration");
    eprintln!("fault test: calls {:?}, faults {faults:?}", proxy.counts());
    // Still through the faults, a plan finds nothing to do.
    assert_eq!(ws.plan_detailed_exitcode(), 0);
}
