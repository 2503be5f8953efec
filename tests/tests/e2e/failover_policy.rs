//! `globaldeploy_failover_policy` through the real terraform CLI against moto: create, a target
//! switch in place, import of a pair made by hand, drift and deletion outside Terraform,
//! destroy, and every validation rule at the right line. Results are checked through the
//! Route 53 API.

use std::time::{Duration, Instant};

use globaldeploy_adapters::aws::{AliasTarget, Change, ChangeAction, Failover, RecordSet};
use globaldeploy_e2e::{provider_block, Moto, Workspace, REQUIRED_PROVIDERS};

// ----- helpers ------------------------------------------------------------------------------

const ADDRESS: &str = "globaldeploy_failover_policy.api";

/// A workspace whose provider talks to `moto`, with `resources` (where `ZONE` stands for the
/// zone id).
fn moto_workspace(moto: &Moto, zone: &str, resources: &str) -> Workspace {
    let ws = Workspace::new();
    write_config(&ws, moto, zone, resources);
    ws
}

fn write_config(ws: &Workspace, moto: &Moto, zone: &str, resources: &str) {
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\n{}\n{}",
            provider_block(&moto.endpoint(), None),
            resources.replace("ZONE", zone)
        ),
    );
}

fn create_zone(moto: &Moto) -> String {
    moto.api(|r53| async move { r53.create_hosted_zone("example.com").await.expect("CreateHostedZone") })
}

/// Every record set of `name` A in `zone`, as Route 53 reports it.
fn sets_of(moto: &Moto, zone: &str, name: &str) -> Vec<RecordSet> {
    let (zone, name) = (zone.to_owned(), name.to_owned());
    moto.api(|r53| async move {
        r53.record_sets_named(&zone, &name, "A")
            .await
            .expect("ListResourceRecordSets")
    })
}

fn role(sets: &[RecordSet], role: Failover) -> RecordSet {
    sets.iter()
        .find(|s| s.failover == Some(role))
        .unwrap_or_else(|| panic!("no {} set in {sets:#?}", role.as_str()))
        .clone()
}

fn change(moto: &Moto, zone: &str, changes: Vec<Change>) {
    let zone = zone.to_owned();
    moto.api(|r53| async move {
        r53.change_batch(&zone, changes, Instant::now() + Duration::from_secs(60))
            .await
            .expect("ChangeResourceRecordSets behind Terraform's back")
    });
}

fn sorted(values: &[String]) -> Vec<String> {
    let mut values = values.to_vec();
    values.sort();
    values
}

#[track_caller]
fn assert_no_changes(ws: &Workspace, when: &str) {
    let out = ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        out.code(),
        Some(0),
        "plan {when} must show no changes:\n{}",
        out.combined()
    );
}

const HEALTH_CHECK: &str = r#"
resource "globaldeploy_health_check" "primary" {
  type          = "HTTP"
  fqdn          = "primary.example.com"
  resource_path = "/healthz"
}
"#;

/// Primary on records with a health check, secondary on records.
const RECORDS_PAIR: &str = r#"
resource "globaldeploy_failover_policy" "api" {
  zone_id = "ZONE"
  name    = "api.example.com"
  type    = "A"
  ttl     = 60

  primary {
    records         = ["203.0.113.10"]
    health_check_id = globaldeploy_health_check.primary.id
  }

  secondary {
    records = ["198.51.100.10"]
  }
}
"#;

/// The same name after a target switch: two primary records, the secondary an alias.
const SWITCHED_PAIR: &str = r#"
resource "globaldeploy_failover_policy" "api" {
  zone_id = "ZONE"
  name    = "api.example.com"
  type    = "A"
  ttl     = 60

  primary {
    records         = ["203.0.113.11", "203.0.113.12"]
    health_check_id = globaldeploy_health_check.primary.id
  }

  secondary {
    alias {
      name                   = "dr.example.com"
      zone_id                = "ZONE"
      evaluate_target_health = false
    }
  }
}
"#;

// ----- lifecycle ----------------------------------------------------------------------------

#[test]
fn create_switch_targets_in_place_and_destroy() {
    let moto = Moto::start();
    let zone = create_zone(&moto);
    let ws = moto_workspace(&moto, &zone, &format!("{HEALTH_CHECK}{RECORDS_PAIR}"));
    ws.init().assert_success();
    ws.validate().assert_success();
    ws.plan()
        .assert_success()
        .assert_contains("2 to add, 0 to change, 0 to destroy");
    ws.apply()
        .assert_success()
        .assert_contains("Apply complete! Resources: 2 added");

    let values = ws.state_values(ADDRESS);
    assert_eq!(values["id"], format!("{zone}/api.example.com/A"));
    assert_eq!(values["fqdn"], "api.example.com");
    let check_id = ws.state_values("globaldeploy_health_check.primary")["id"]
        .as_str()
        .expect("health check id")
        .to_owned();

    let sets = sets_of(&moto, &zone, "api.example.com");
    assert_eq!(sets.len(), 2, "exactly the pair: {sets:#?}");
    let primary = role(&sets, Failover::Primary);
    assert_eq!(primary.set_identifier.as_deref(), Some("api.example.com-A-primary"));
    assert_eq!(primary.records, ["203.0.113.10"]);
    assert_eq!(primary.ttl, Some(60));
    assert_eq!(primary.health_check_id.as_deref(), Some(check_id.as_str()));
    assert_eq!(primary.weight, None);
    let secondary = role(&sets, Failover::Secondary);
    assert_eq!(secondary.set_identifier.as_deref(), Some("api.example.com-A-secondary"));
    assert_eq!(secondary.records, ["198.51.100.10"]);
    assert_eq!(secondary.ttl, Some(60));
    assert_eq!(secondary.health_check_id, None);
    assert_no_changes(&ws, "right after create");

    // Target switch: new primary records, the secondary becomes an alias — in place.
    write_config(&ws, &moto, &zone, &format!("{HEALTH_CHECK}{SWITCHED_PAIR}"));
    let (actions, changed) = ws.planned_diff("tfplan", ADDRESS);
    assert_eq!(actions, ["update"]);
    assert_eq!(changed, ["primary", "secondary"]);
    ws.plan()
        .assert_success()
        .assert_contains("will be updated in-place")
        .assert_contains("0 to add, 1 to change, 0 to destroy");
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");

    let sets = sets_of(&moto, &zone, "api.example.com");
    assert_eq!(sets.len(), 2, "still exactly the pair: {sets:#?}");
    let primary = role(&sets, Failover::Primary);
    assert_eq!(primary.set_identifier.as_deref(), Some("api.example.com-A-primary"));
    assert_eq!(sorted(&primary.records), ["203.0.113.11", "203.0.113.12"]);
    assert_eq!(primary.health_check_id.as_deref(), Some(check_id.as_str()));
    let secondary = role(&sets, Failover::Secondary);
    assert_eq!(secondary.set_identifier.as_deref(), Some("api.example.com-A-secondary"));
    assert!(secondary.records.is_empty());
    assert_eq!(secondary.ttl, None, "an alias has no TTL");
    let alias = secondary.alias.expect("secondary is an alias");
    assert_eq!(alias.name, "dr.example.com.");
    assert_eq!(alias.zone_id.trim_start_matches("/hostedzone/"), zone);
    assert!(!alias.evaluate_target_health);
    assert_eq!(ws.state_values(ADDRESS)["id"], format!("{zone}/api.example.com/A"));
    assert_no_changes(&ws, "right after the target switch");

    ws.destroy().assert_success().assert_contains("Resources: 2 destroyed");
    let left = sets_of(&moto, &zone, "api.example.com");
    assert!(left.is_empty(), "destroy leaves no owned set: {left:#?}");
}

#[test]
fn creating_over_an_existing_pair_asks_for_import() {
    let moto = Moto::start();
    let zone = create_zone(&moto);
    let ws = moto_workspace(&moto, &zone, &format!("{HEALTH_CHECK}{RECORDS_PAIR}"));
    ws.init().assert_success();
    ws.apply().assert_success();
    // A second configuration for the same name and type.
    let other = moto_workspace(&moto, &zone, &format!("{HEALTH_CHECK}{RECORDS_PAIR}"));
    other.init().assert_success();
    let out = other.apply();
    out.assert_failure()
        .assert_contains("Error: Failover policy api.example.com A in zone")
        .assert_contains("already exists")
        .assert_contains(&format!("terraform import <address> {zone}/api.example.com/A"));
    assert_eq!(sets_of(&moto, &zone, "api.example.com").len(), 2, "nothing was written");
}

// ----- import -------------------------------------------------------------------------------

fn hand_made_pair(zone: &str) -> Vec<RecordSet> {
    let primary = RecordSet {
        name: "api.example.com.".into(),
        rtype: "A".into(),
        set_identifier: Some("by-hand-api-main".into()),
        weight: None,
        failover: Some(Failover::Primary),
        ttl: None,
        records: vec![],
        alias: Some(AliasTarget {
            name: "lb.example.com.".into(),
            zone_id: zone.to_owned(),
            evaluate_target_health: true,
        }),
        health_check_id: None,
    };
    let secondary = RecordSet {
        set_identifier: Some("by-hand-api-backup".into()),
        failover: Some(Failover::Secondary),
        ttl: Some(300),
        records: vec!["198.51.100.20".into(), "198.51.100.21".into()],
        alias: None,
        ..primary.clone()
    };
    vec![primary, secondary]
}

const HAND_MADE_CONFIG: &str = r#"
resource "globaldeploy_failover_policy" "api" {
  zone_id = "ZONE"
  name    = "API.example.com."
  type    = "A"
  ttl     = 300

  primary {
    alias {
      name                   = "LB.example.com"
      zone_id                = "ZONE"
      evaluate_target_health = true
    }
  }

  secondary {
    records = ["198.51.100.21", "198.51.100.20"]
  }
}
"#;

#[test]
fn import_a_pair_made_by_hand_then_plan_shows_no_changes_and_updates_keep_its_identifiers() {
    let moto = Moto::start();
    let zone = create_zone(&moto);
    let pair = hand_made_pair(&zone);
    change(
        &moto,
        &zone,
        pair.iter()
            .map(|set| Change {
                action: ChangeAction::Create,
                set: set.clone(),
            })
            .collect(),
    );
    let ws = moto_workspace(&moto, &zone, HAND_MADE_CONFIG);
    ws.init().assert_success();
    let id = format!("{zone}/api.example.com/A");
    ws.terraform(&["import", ADDRESS, &id])
        .assert_success()
        .assert_contains("Import successful");
    let values = ws.state_values(ADDRESS);
    assert_eq!(values["id"], id);
    assert_eq!(values["ttl"], 300);
    assert_eq!(values["primary"]["alias"]["evaluate_target_health"], true);
    assert_no_changes(&ws, "after import");

    // An update keeps the pair's own identifiers (UPSERT, no new sets).
    write_config(
        &ws,
        &moto,
        &zone,
        &HAND_MADE_CONFIG.replace("[\"198.51.100.21\", \"198.51.100.20\"]", "[\"198.51.100.22\"]"),
    );
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    let sets = sets_of(&moto, &zone, "api.example.com");
    assert_eq!(sets.len(), 2, "{sets:#?}");
    let secondary = role(&sets, Failover::Secondary);
    assert_eq!(secondary.set_identifier.as_deref(), Some("by-hand-api-backup"));
    assert_eq!(secondary.records, ["198.51.100.22"]);
    assert!(role(&sets, Failover::Primary).same_as(&pair[0]));
    assert_no_changes(&ws, "after the update");

    ws.destroy().assert_success();
    assert!(sets_of(&moto, &zone, "api.example.com").is_empty());
}

#[test]
fn importing_a_name_without_a_failover_pair_is_a_clear_error() {
    let moto = Moto::start();
    let zone = create_zone(&moto);
    let ws = moto_workspace(&moto, &zone, HAND_MADE_CONFIG);
    ws.init().assert_success();
    ws.terraform(&["import", ADDRESS, &format!("{zone}/api.example.com/A")])
        .assert_failure()
        .assert_contains("Cannot import failover policy api.example.com A in zone")
        .assert_contains("No PRIMARY or SECONDARY failover record set");
    ws.terraform(&["import", ADDRESS, "api.example.com/A"])
        .assert_failure()
        .assert_contains("Invalid import id")
        .assert_contains("expected ZONEID/name/TYPE");
}

// ----- changes outside Terraform ------------------------------------------------------------

/// Like [`RECORDS_PAIR`] with a literal health check id, so the only resource is the policy.
fn literal_pair() -> String {
    RECORDS_PAIR.replace(
        "globaldeploy_health_check.primary.id",
        "\"0b6c4a3e-1111-4c2d-9e8f-000000000001\"",
    )
}

#[test]
fn drift_of_the_secondary_shows_as_a_diff_and_apply_restores_it() {
    let moto = Moto::start();
    let zone = create_zone(&moto);
    let ws = moto_workspace(&moto, &zone, &literal_pair());
    ws.init().assert_success();
    ws.apply().assert_success();

    let mut drifted = role(&sets_of(&moto, &zone, "api.example.com"), Failover::Secondary);
    drifted.records = vec!["192.0.2.99".into()];
    change(
        &moto,
        &zone,
        vec![Change {
            action: ChangeAction::Upsert,
            set: drifted,
        }],
    );

    let plan = ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code(), Some(2), "{}", plan.combined());
    plan.assert_contains("~ \"192.0.2.99\" -> \"198.51.100.10\",")
        .assert_contains("0 to add, 1 to change, 0 to destroy");
    let (actions, changed) = ws.planned_diff("tfplan", ADDRESS);
    assert_eq!(actions, ["update"]);
    assert_eq!(changed, ["secondary"], "only the drifted block differs");

    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    let sets = sets_of(&moto, &zone, "api.example.com");
    assert_eq!(sets.len(), 2);
    assert_eq!(role(&sets, Failover::Secondary).records, ["198.51.100.10"]);
    assert_no_changes(&ws, "after restoring the drift");
}

#[test]
fn a_deleted_secondary_is_recreated_and_a_deleted_pair_leaves_state() {
    let moto = Moto::start();
    let zone = create_zone(&moto);
    let ws = moto_workspace(&moto, &zone, &literal_pair());
    ws.init().assert_success();
    ws.apply().assert_success();

    // One set deleted: the plan puts it back in place.
    let secondary = role(&sets_of(&moto, &zone, "api.example.com"), Failover::Secondary);
    change(
        &moto,
        &zone,
        vec![Change {
            action: ChangeAction::Delete,
            set: secondary,
        }],
    );
    let (actions, changed) = ws.planned_diff("tfplan", ADDRESS);
    assert_eq!(actions, ["update"]);
    assert_eq!(changed, ["secondary"]);
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    let sets = sets_of(&moto, &zone, "api.example.com");
    assert_eq!(
        role(&sets, Failover::Secondary).set_identifier.as_deref(),
        Some("api.example.com-A-secondary")
    );
    assert_no_changes(&ws, "after recreating the secondary");

    // Both deleted: the resource leaves state and is planned for creation.
    let both = sets_of(&moto, &zone, "api.example.com");
    change(
        &moto,
        &zone,
        both.into_iter()
            .map(|set| Change {
                action: ChangeAction::Delete,
                set,
            })
            .collect(),
    );
    let out = ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.code(), Some(2), "{}", out.combined());
    out.assert_contains(&format!("{ADDRESS} will be created"))
        .assert_contains("1 to add, 0 to change, 0 to destroy");
    assert!(!out.combined().contains("Error"), "{}", out.combined());
    ws.apply()
        .assert_success()
        .assert_contains("1 added, 0 changed, 0 destroyed");
    assert_eq!(sets_of(&moto, &zone, "api.example.com").len(), 2);
    assert_no_changes(&ws, "after recreating the pair");
}

// ----- validation ---------------------------------------------------------------------------

/// Validates `resource` (a `globaldeploy_failover_policy` named `bad`) and asserts the error and its line
/// (see [`globaldeploy_e2e::assert_invalid`]).
#[track_caller]
fn assert_invalid(resource: &str, summary: &str, detail: &str, line_text: &str) {
    globaldeploy_e2e::assert_invalid("globaldeploy_failover_policy", resource, summary, detail, line_text);
}

/// A policy named `bad` with `head` (type, ttl...) and the two blocks' bodies.
fn bad(head: &str, primary: &str, secondary: &str) -> String {
    format!(
        "resource \"globaldeploy_failover_policy\" \"bad\" {{\n  zone_id = \"Z1\"\n  name    = \"api.example.com\"\n{head}\n  \
         primary {{\n{primary}  }}\n\n  secondary {{\n{secondary}  }}\n}}\n"
    )
}

const TYPE_A_TTL: &str = "  type    = \"A\"\n  ttl     = 60";
const CHECKED_RECORDS: &str = "    records         = [\"203.0.113.10\"]\n    health_check_id = \"hc-1\"\n";
const PLAIN_RECORDS: &str = "    records = [\"198.51.100.10\"]\n";
const ALIAS: &str = "    alias {\n      name    = \"dr.example.com\"\n      zone_id = \"Z1\"\n    }\n";

#[test]
fn the_spec_example_shape_is_valid() {
    // Records primary with a health check, alias secondary, and a ttl for the records.
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{}}\n\n{}",
            bad(TYPE_A_TTL, CHECKED_RECORDS, ALIAS)
        ),
    );
    ws.init().assert_success();
    ws.validate()
        .assert_success()
        .assert_contains("The configuration is valid");
}

#[test]
fn a_primary_on_records_without_a_health_check_can_never_fail_over() {
    assert_invalid(
        &bad(TYPE_A_TTL, "    records = [\"203.0.113.10\"]\n", PLAIN_RECORDS),
        "Primary can never fail over",
        "primary uses records without a health_check_id, so Route 53 always considers it healthy and never \
         answers with secondary. Set primary.health_check_id",
        "primary {",
    );
}

#[test]
fn a_primary_alias_that_ignores_target_health_can_never_fail_over() {
    assert_invalid(
        &bad(
            "  type    = \"A\"\n  ttl     = 60",
            "    alias {\n      name                   = \"lb.example.com\"\n      zone_id                = \"Z1\"\n      \
             evaluate_target_health = false\n    }\n",
            PLAIN_RECORDS,
        ),
        "Primary can never fail over",
        "primary is an alias with evaluate_target_health = false and has no health_check_id",
        "primary {",
    );
}

#[test]
fn records_and_alias_together_are_rejected_at_the_alias() {
    assert_invalid(
        &bad(TYPE_A_TTL, CHECKED_RECORDS, &format!("{PLAIN_RECORDS}{ALIAS}")),
        "Conflicting configuration arguments",
        "secondary must set exactly one of records or alias; found both.",
        "    alias {",
    );
}

#[test]
fn a_target_without_records_or_alias_is_rejected_at_its_block() {
    assert_invalid(
        &bad(TYPE_A_TTL, CHECKED_RECORDS, "    health_check_id = \"hc-2\"\n"),
        "Missing record target",
        "secondary must set exactly one of records or alias; neither is set.",
        "secondary {",
    );
}

#[test]
fn records_need_a_ttl() {
    assert_invalid(
        &bad("  type    = \"A\"", CHECKED_RECORDS, ALIAS),
        "Missing required argument \"ttl\"",
        "primary uses records, which need a TTL: set the resource's ttl (e.g. ttl = 60).",
        "records         = [\"203.0.113.10\"]",
    );
}

#[test]
fn a_ttl_with_two_aliases_is_rejected_at_the_ttl() {
    let checked_alias =
        "    alias {\n      name                   = \"lb.example.com\"\n      zone_id                = \"Z1\"\n      \
                         evaluate_target_health = true\n    }\n";
    assert_invalid(
        &bad(TYPE_A_TTL, checked_alias, ALIAS),
        "Invalid argument \"ttl\" with an alias",
        "each of primary and secondary is an alias: Route 53 aliases use the TTL of their target, so ttl must not be set.",
        "ttl     = 60",
    );
}

#[test]
fn a_cname_has_exactly_one_record() {
    assert_invalid(
        &bad(
            "  type    = \"CNAME\"\n  ttl     = 60",
            "    records         = [\"a.example.net\", \"b.example.net\"]\n    health_check_id = \"hc-1\"\n",
            "    records = [\"dr.example.net\"]\n",
        ),
        "Invalid CNAME records",
        "A CNAME record has exactly one value; primary.records has 2.",
        "records         = [\"a.example.net\"",
    );
}

#[test]
fn empty_records_are_rejected() {
    assert_invalid(
        &bad(TYPE_A_TTL, CHECKED_RECORDS, "    records = []\n"),
        "Invalid value for \"records\"",
        "expected from 1 to 1000 element(s), got 0.",
        "records = []",
    );
}

#[test]
fn unknown_record_types_are_rejected() {
    assert_invalid(
        &bad("  type    = \"ALIAS\"\n  ttl     = 60", CHECKED_RECORDS, PLAIN_RECORDS),
        "Invalid value for \"type\"",
        "\"ALIAS\" is not allowed; expected one of: A, AAAA, CAA, CNAME",
        "type    = \"ALIAS\"",
    );
}

#[test]
fn a_pair_too_large_for_one_batch_is_rejected() {
    let many: Vec<String> = (0..300).map(|i| format!("\"192.0.{}.{}\"", i / 250, i % 250)).collect();
    let many = many.join(", ");
    assert_invalid(
        &bad(
            TYPE_A_TTL,
            &format!("    records         = [{many}]\n    health_check_id = \"hc-1\"\n"),
            &format!("    records = [{many}]\n"),
        ),
        "Failover policy too large for one change batch",
        "primary and secondary have 600 record values",
        "records         = [",
    );
}

#[test]
fn a_missing_secondary_is_reported_by_terraform() {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{}}\n\n\
             resource \"globaldeploy_failover_policy\" \"bad\" {{\n  zone_id = \"Z1\"\n  name    = \"api.example.com\"\n  \
             type    = \"A\"\n  ttl     = 60\n  primary {{\n{CHECKED_RECORDS}  }}\n}}\n"
        ),
    );
    ws.validate()
        .assert_failure()
        .assert_contains("Error: Missing secondary block")
        .assert_contains("A block of type \"secondary\" is required here.")
        .assert_contains("on main.tf line");
}

#[test]
fn unknown_values_are_not_rejected_at_validate_time() {
    // The health check id (and so whether the primary can fail over) is known only after apply.
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{}}\n\n\
             resource \"terraform_data\" \"later\" {{\n  input = \"x\"\n}}\n\n{}",
            bad(
                "  type    = \"A\"\n  ttl     = 60",
                "    records         = [\"203.0.113.10\"]\n    health_check_id = terraform_data.later.output\n",
                "    alias {\n      name                   = terraform_data.later.output\n      zone_id                = \"Z1\"\n      \
                 evaluate_target_health = terraform_data.later.output == \"x\"\n    }\n",
            )
        ),
    );
    ws.init().assert_success();
    ws.validate()
        .assert_success()
        .assert_contains("The configuration is valid");
}
