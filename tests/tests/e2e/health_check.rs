//! `globaldeploy_health_check` through the real terraform CLI against moto: lifecycle with an
//! in-place update and a forced replacement, import, deletion and drift outside Terraform, and
//! every validation rule at the right line. Results are checked through the Route 53 API.
//!
//! No test runs `terraform init`: the harness's `dev_overrides` make it unnecessary, and init
//! would query the registry, which offline machines cannot reach.

use std::collections::BTreeMap;

use globaldeploy_adapters::aws::{HealthCheck, HealthCheckSpec, HealthCheckType};
use globaldeploy_e2e::{provider_block, Moto, Workspace, REQUIRED_PROVIDERS};

// ----- helpers ------------------------------------------------------------------------------

/// A workspace whose provider talks to `moto`.
fn moto_workspace(moto: &Moto, resources: &str) -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\n{}\n{resources}",
            provider_block(&moto.endpoint(), None)
        ),
    );
    ws
}

fn get_check(moto: &Moto, id: &str) -> Option<HealthCheck> {
    let id = id.to_owned();
    moto.api(|r53| async move { r53.get_health_check(&id).await.expect("GetHealthCheck") })
}

fn all_check_ids(moto: &Moto) -> Vec<String> {
    moto.api(|r53| async move {
        r53.list_health_checks()
            .await
            .expect("ListHealthChecks")
            .iter()
            .map(|c| c.id.clone())
            .collect()
    })
}

fn state_id(ws: &Workspace, address: &str) -> String {
    ws.state_values(address)["id"]
        .as_str()
        .expect("id is a string")
        .to_owned()
}

fn spec_of(check: &HealthCheck) -> HealthCheckSpec {
    check.spec.clone().expect("a type the provider manages")
}

const API_V1: &str = r#"
resource "globaldeploy_health_check" "api" {
  type          = "HTTPS"
  fqdn          = "use1.api.example.com"
  resource_path = "/healthz"
  regions       = ["us-east-1", "eu-west-1", "ap-southeast-1"]

  tags = {
    Name = "api-use1"
    team = "platform"
  }
}
"#;

// ----- lifecycle ----------------------------------------------------------------------------

#[test]
fn lifecycle_create_noop_update_replace_destroy() {
    let moto = Moto::start();
    let ws = moto_workspace(&moto, API_V1);
    ws.plan()
        .assert_success()
        .assert_contains("1 to add, 0 to change, 0 to destroy");
    ws.apply()
        .assert_success()
        .assert_contains("Apply complete! Resources: 1 added");

    let values = ws.state_values("globaldeploy_health_check.api");
    assert_eq!(values["port"], 443, "HTTPS defaults to 443");
    assert_eq!(values["request_interval"], 30);
    assert_eq!(values["failure_threshold"], 3);
    let id = values["id"].as_str().expect("id").to_owned();
    let spec = spec_of(&get_check(&moto, &id).expect("created in Route 53"));
    assert_eq!(spec.check_type, HealthCheckType::Https);
    assert_eq!(spec.fqdn.as_deref(), Some("use1.api.example.com"));
    assert_eq!(spec.ip_address, None);
    assert_eq!(spec.port, Some(443));
    assert_eq!(spec.resource_path.as_deref(), Some("/healthz"));
    assert_eq!(spec.request_interval, Some(30));
    assert_eq!(spec.failure_threshold, Some(3));
    let mut regions = spec.regions.clone();
    regions.sort();
    assert_eq!(regions, ["ap-southeast-1", "eu-west-1", "us-east-1"]);
    assert_eq!(
        spec.tags,
        BTreeMap::from([("Name".into(), "api-use1".into()), ("team".into(), "platform".into())])
    );
    assert_eq!(
        ws.plan_detailed_exitcode(),
        0,
        "a plan right after apply must show no changes"
    );

    // In place: failure threshold and a tag.
    ws.write(
        "main.tf",
        &ws.read("main.tf")
            .replace(
                "resource_path = \"/healthz\"",
                "resource_path     = \"/healthz\"\n  failure_threshold = 5",
            )
            .replace("team = \"platform\"", "team = \"edge\""),
    );
    ws.plan()
        .assert_success()
        .assert_contains("will be updated in-place")
        .assert_contains("~ failure_threshold = 3 -> 5")
        .assert_contains("0 to add, 1 to change, 0 to destroy");
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    assert_eq!(
        state_id(&ws, "globaldeploy_health_check.api"),
        id,
        "an in-place update keeps the id"
    );
    let spec = spec_of(&get_check(&moto, &id).expect("still there"));
    assert_eq!(spec.failure_threshold, Some(5));
    assert_eq!(spec.tags.get("team").map(String::as_str), Some("edge"));
    assert_eq!(ws.plan_detailed_exitcode(), 0);

    // Route 53 cannot change the request interval: replace.
    ws.write(
        "main.tf",
        &ws.read("main.tf").replace(
            "failure_threshold = 5",
            "failure_threshold = 5\n  request_interval  = 10",
        ),
    );
    ws.plan()
        .assert_success()
        .assert_contains("globaldeploy_health_check.api must be replaced")
        .assert_contains("~ request_interval  = 30 -> 10 # forces replacement")
        .assert_contains("1 to add, 0 to change, 1 to destroy");
    ws.apply()
        .assert_success()
        .assert_contains("1 added, 0 changed, 1 destroyed");
    let new_id = state_id(&ws, "globaldeploy_health_check.api");
    assert_ne!(new_id, id, "a replacement creates a new health check");
    assert!(get_check(&moto, &id).is_none(), "the old health check is deleted");
    let spec = spec_of(&get_check(&moto, &new_id).expect("new check exists"));
    assert_eq!(spec.request_interval, Some(10));
    assert_eq!(spec.failure_threshold, Some(5));
    assert_eq!(ws.plan_detailed_exitcode(), 0);

    ws.destroy().assert_success().assert_contains("Resources: 1 destroyed");
    assert!(
        all_check_ids(&moto).is_empty(),
        "destroy leaves no health check: {:?}",
        all_check_ids(&moto)
    );
}

#[test]
fn adding_an_ip_address_replaces_and_changing_it_updates_in_place() {
    let moto = Moto::start();
    let ws = moto_workspace(
        &moto,
        "resource \"globaldeploy_health_check\" \"tcp\" {\n  type = \"TCP\"\n  fqdn = \"db.example.com\"\n  port = 5432\n}\n",
    );
    ws.apply().assert_success();
    let id = state_id(&ws, "globaldeploy_health_check.tcp");

    // Route 53 cannot add an IP address to an existing check.
    ws.write(
        "main.tf",
        &ws.read("main.tf")
            .replace("port = 5432", "port = 5432\n  ip_address = \"198.51.100.7\""),
    );
    ws.plan()
        .assert_success()
        .assert_contains("must be replaced")
        .assert_contains("# forces replacement");
    ws.apply()
        .assert_success()
        .assert_contains("1 added, 0 changed, 1 destroyed");
    let id2 = state_id(&ws, "globaldeploy_health_check.tcp");
    assert_ne!(id, id2);

    // ...but it can change one.
    ws.write("main.tf", &ws.read("main.tf").replace("198.51.100.7", "198.51.100.8"));
    ws.plan().assert_success().assert_contains("will be updated in-place");
    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    assert_eq!(state_id(&ws, "globaldeploy_health_check.tcp"), id2);
    assert_eq!(
        spec_of(&get_check(&moto, &id2).unwrap()).ip_address.as_deref(),
        Some("198.51.100.8")
    );
    assert_eq!(ws.plan_detailed_exitcode(), 0);
}

// ----- import -------------------------------------------------------------------------------

#[test]
fn import_by_id_then_plan_shows_no_changes() {
    let moto = Moto::start();
    // Made outside Terraform, relying on Route 53's defaults (no port, interval or threshold).
    let http_id = moto.api(|r53| async move {
        let spec = HealthCheckSpec {
            check_type: HealthCheckType::Http,
            fqdn: Some("www.example.com".into()),
            ip_address: None,
            port: None,
            resource_path: Some("/status".into()),
            search_string: None,
            request_interval: None,
            failure_threshold: None,
            regions: vec![],
            tags: BTreeMap::from([("Name".into(), "www".into())]),
        };
        r53.create_health_check(&spec, "made-by-hand-1").await.expect("create")
    });
    let match_id = moto.api(|r53| async move {
        let spec = HealthCheckSpec {
            check_type: HealthCheckType::HttpsStrMatch,
            fqdn: Some("api.example.com".into()),
            ip_address: Some("203.0.113.10".into()),
            port: Some(8443),
            resource_path: Some("/healthz".into()),
            search_string: Some("ok".into()),
            request_interval: Some(10),
            failure_threshold: Some(2),
            regions: vec!["us-west-2".into(), "sa-east-1".into(), "eu-west-1".into()],
            tags: BTreeMap::new(),
        };
        r53.create_health_check(&spec, "made-by-hand-2").await.expect("create")
    });
    let ws = moto_workspace(
        &moto,
        r#"
resource "globaldeploy_health_check" "www" {
  type          = "HTTP"
  fqdn          = "www.example.com"
  resource_path = "/status"
  tags = {
    Name = "www"
  }
}

resource "globaldeploy_health_check" "api" {
  type              = "HTTPS_STR_MATCH"
  fqdn              = "api.example.com"
  ip_address        = "203.0.113.10"
  port              = 8443
  resource_path     = "/healthz"
  search_string     = "ok"
  request_interval  = 10
  failure_threshold = 2
  regions           = ["eu-west-1", "sa-east-1", "us-west-2"]
}
"#,
    );
    ws.terraform(&["import", "globaldeploy_health_check.www", &http_id])
        .assert_success()
        .assert_contains("Import successful");
    ws.terraform(&["import", "globaldeploy_health_check.api", &match_id])
        .assert_success()
        .assert_contains("Import successful");
    let www = ws.state_values("globaldeploy_health_check.www");
    assert_eq!(www["port"], 80, "read fills the default port");
    assert_eq!(www["request_interval"], 30);
    assert_eq!(www["failure_threshold"], 3);
    let out = ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        out.code(),
        Some(0),
        "plan after import must show no changes:\n{}",
        out.combined()
    );
}

#[test]
fn importing_a_missing_id_is_a_clear_error() {
    let moto = Moto::start();
    let ws = moto_workspace(
        &moto,
        "resource \"globaldeploy_health_check\" \"x\" {\n  type = \"HTTP\"\n  fqdn = \"a.example.com\"\n}\n",
    );
    ws.terraform(&[
        "import",
        "globaldeploy_health_check.x",
        "00000000-0000-0000-0000-000000000000",
    ])
    .assert_failure()
    .assert_contains("Cannot import Route 53 health check 00000000-0000-0000-0000-000000000000")
    .assert_contains("No health check with id");
}

// ----- changes outside Terraform ------------------------------------------------------------

#[test]
fn deleted_outside_terraform_is_planned_for_creation_again() {
    let moto = Moto::start();
    let ws = moto_workspace(&moto, API_V1);
    ws.apply().assert_success();
    let id = state_id(&ws, "globaldeploy_health_check.api");
    let gone = id.clone();
    moto.api(|r53| async move { r53.delete_health_check(&gone).await.expect("delete") });

    let out = ws.terraform(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.code(), Some(2), "{}", out.combined());
    out.assert_contains("globaldeploy_health_check.api will be created")
        .assert_contains("1 to add, 0 to change, 0 to destroy");
    assert!(!out.combined().contains("Error"), "{}", out.combined());

    ws.apply()
        .assert_success()
        .assert_contains("1 added, 0 changed, 0 destroyed");
    let new_id = state_id(&ws, "globaldeploy_health_check.api");
    assert_ne!(new_id, id);
    assert!(get_check(&moto, &new_id).is_some());
    assert_eq!(ws.plan_detailed_exitcode(), 0);
}

#[test]
fn drift_in_failure_threshold_shows_exactly_that_diff_and_apply_restores_it() {
    let moto = Moto::start();
    let ws = moto_workspace(&moto, API_V1);
    ws.apply().assert_success();
    let id = state_id(&ws, "globaldeploy_health_check.api");
    let target = id.clone();
    moto.api(|r53| async move {
        let mut spec = r53.get_health_check(&target).await.unwrap().unwrap().spec.unwrap();
        spec.failure_threshold = Some(7);
        r53.update_health_check(&target, &spec)
            .await
            .expect("update behind Terraform's back");
    });

    let plan = ws.plan();
    // (Terraform prints "Objects have changed outside of Terraform" only for drift that other
    // changes depend on, so the plan itself is what is asserted.)
    plan.assert_success()
        .assert_contains("~ failure_threshold = 7 -> 3")
        .assert_contains("0 to add, 1 to change, 0 to destroy");
    let (actions, changed) = ws.planned_diff("tfplan", "globaldeploy_health_check.api");
    assert_eq!(actions, ["update"]);
    assert_eq!(changed, ["failure_threshold"], "only the drifted attribute differs");

    ws.apply()
        .assert_success()
        .assert_contains("0 added, 1 changed, 0 destroyed");
    assert_eq!(spec_of(&get_check(&moto, &id).unwrap()).failure_threshold, Some(3));
    assert_eq!(ws.plan_detailed_exitcode(), 0);
}

#[test]
fn drift_in_a_defaulted_port_is_detected() {
    let moto = Moto::start();
    let ws = moto_workspace(&moto, API_V1);
    ws.apply().assert_success();
    let id = state_id(&ws, "globaldeploy_health_check.api");
    moto.api(|r53| async move {
        let mut spec = r53.get_health_check(&id).await.unwrap().unwrap().spec.unwrap();
        spec.port = Some(8443);
        r53.update_health_check(&id, &spec)
            .await
            .expect("update behind Terraform's back");
    });
    ws.plan()
        .assert_success()
        .assert_contains("~ port              = 8443 -> 443");
    let (_, changed) = ws.planned_diff("tfplan", "globaldeploy_health_check.api");
    assert_eq!(changed, ["port"]);
}

// ----- validation ---------------------------------------------------------------------------

/// Validates `resource` (a `globaldeploy_health_check` named `bad`) and asserts the error and its line
/// (see [`globaldeploy_e2e::assert_invalid`]).
#[track_caller]
fn assert_invalid(resource: &str, summary: &str, detail: &str, line_text: &str) {
    globaldeploy_e2e::assert_invalid("globaldeploy_health_check", resource, summary, detail, line_text);
}

/// A health check named `bad` with the given body lines.
fn bad(body: &str) -> String {
    format!("resource \"globaldeploy_health_check\" \"bad\" {{\n{body}}}\n")
}

#[test]
fn unknown_type_is_rejected() {
    assert_invalid(
        &bad("  type = \"HTTP2\"\n  fqdn = \"a.example.com\"\n"),
        "Invalid value for \"type\"",
        "\"HTTP2\" is not allowed; expected one of: HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH, TCP.",
        "type = \"HTTP2\"",
    );
}

#[test]
fn an_endpoint_is_required() {
    assert_invalid(
        &bad("  type = \"HTTP\"\n"),
        "Missing health check endpoint",
        "Set fqdn, ip_address or both: Route 53 needs a host name to resolve or an IP address to check.",
        "resource \"globaldeploy_health_check\" \"bad\" {",
    );
}

#[test]
fn ip_address_must_be_an_ip_literal() {
    assert_invalid(
        &bad("  type       = \"HTTP\"\n  ip_address = \"api.example.com\"\n"),
        "Invalid value for \"ip_address\"",
        "\"api.example.com\" is not an IP address: expected an IPv4 address such as \"203.0.113.10\" or an IPv6 address",
        "ip_address = ",
    );
}

#[test]
fn ip_address_must_be_reachable_by_route53() {
    assert_invalid(
        &bad("  type       = \"HTTP\"\n  ip_address = \"10.1.2.3\"\n"),
        "Invalid value for \"ip_address\"",
        "\"10.1.2.3\" is a private, loopback, link-local or multicast address",
        "ip_address = ",
    );
}

#[test]
fn fqdn_must_be_a_host_name_not_a_url() {
    assert_invalid(
        &bad("  type = \"HTTPS\"\n  fqdn = \"https://api.example.com/healthz\"\n"),
        "Invalid value for \"fqdn\"",
        "\"https://api.example.com/healthz\" is not a host name",
        "fqdn = ",
    );
}

#[test]
fn port_zero_is_out_of_range() {
    assert_invalid(
        &bad("  type = \"HTTP\"\n  fqdn = \"a.example.com\"\n  port = 0\n"),
        "Invalid value for \"port\"",
        "0 is out of range: expected a whole number from 1 to 65535.",
        "port = 0",
    );
}

#[test]
fn port_above_65535_is_out_of_range() {
    assert_invalid(
        &bad("  type = \"HTTP\"\n  fqdn = \"a.example.com\"\n  port = 70000\n"),
        "Invalid value for \"port\"",
        "70000 is out of range: expected a whole number from 1 to 65535.",
        "port = 70000",
    );
}

#[test]
fn tcp_requires_a_port() {
    assert_invalid(
        &bad("  type       = \"TCP\"\n  ip_address = \"198.51.100.7\"\n"),
        "Missing required argument",
        "port is required when type is \"TCP\": Route 53 has no default port for TCP checks.",
        "resource \"globaldeploy_health_check\" \"bad\" {",
    );
}

#[test]
fn tcp_forbids_resource_path() {
    assert_invalid(
        &bad("  type          = \"TCP\"\n  ip_address    = \"198.51.100.7\"\n  port          = 5432\n  resource_path = \"/healthz\"\n"),
        "Conflicting configuration arguments",
        "resource_path is only used by HTTP and HTTPS checks; remove it when type is \"TCP\".",
        "resource_path = ",
    );
}

#[test]
fn resource_path_must_start_with_a_slash() {
    assert_invalid(
        &bad("  type          = \"HTTP\"\n  fqdn          = \"a.example.com\"\n  resource_path = \"healthz\"\n"),
        "Invalid value for \"resource_path\"",
        "\"healthz\" must start with \"/\"",
        "resource_path = ",
    );
}

#[test]
fn str_match_requires_search_string() {
    assert_invalid(
        &bad("  type = \"HTTPS_STR_MATCH\"\n  fqdn = \"a.example.com\"\n"),
        "Missing required argument",
        "search_string is required when type is \"HTTPS_STR_MATCH\"",
        "resource \"globaldeploy_health_check\" \"bad\" {",
    );
}

#[test]
fn search_string_is_forbidden_without_str_match() {
    assert_invalid(
        &bad("  type          = \"HTTP\"\n  fqdn          = \"a.example.com\"\n  search_string = \"ok\"\n"),
        "Conflicting configuration arguments",
        "search_string is only used when type is HTTP_STR_MATCH or HTTPS_STR_MATCH, not \"HTTP\"",
        "search_string = ",
    );
}

#[test]
fn search_string_longer_than_255_is_rejected() {
    let long = "x".repeat(256);
    assert_invalid(
        &bad(&format!(
            "  type          = \"HTTP_STR_MATCH\"\n  fqdn          = \"a.example.com\"\n  search_string = \"{long}\"\n"
        )),
        "Invalid value for \"search_string\"",
        "is 256 characters long; Route 53 allows at most 255.",
        "search_string = ",
    );
}

#[test]
fn request_interval_must_be_10_or_30() {
    assert_invalid(
        &bad("  type             = \"HTTP\"\n  fqdn             = \"a.example.com\"\n  request_interval = 20\n"),
        "Invalid value for \"request_interval\"",
        "20 is not allowed; expected 10 or 30.",
        "request_interval = 20",
    );
}

#[test]
fn failure_threshold_below_one_is_rejected() {
    assert_invalid(
        &bad("  type              = \"HTTP\"\n  fqdn              = \"a.example.com\"\n  failure_threshold = 0\n"),
        "Invalid value for \"failure_threshold\"",
        "0 is out of range: expected a whole number from 1 to 10.",
        "failure_threshold = 0",
    );
}

#[test]
fn failure_threshold_above_ten_is_rejected() {
    assert_invalid(
        &bad("  type              = \"HTTP\"\n  fqdn              = \"a.example.com\"\n  failure_threshold = 11\n"),
        "Invalid value for \"failure_threshold\"",
        "11 is out of range: expected a whole number from 1 to 10.",
        "failure_threshold = 11",
    );
}

#[test]
fn fewer_than_three_regions_are_rejected() {
    assert_invalid(
        &bad("  type    = \"HTTP\"\n  fqdn    = \"a.example.com\"\n  regions = [\"us-east-1\", \"eu-west-1\"]\n"),
        "Invalid value for \"regions\"",
        "Route 53 needs at least 3 checker regions when regions is set; got 2.",
        "regions = ",
    );
}

#[test]
fn regions_outside_the_checker_list_are_rejected() {
    assert_invalid(
        &bad("  type    = \"HTTP\"\n  fqdn    = \"a.example.com\"\n  regions = [\"us-east-1\", \"eu-west-1\", \"eu-central-1\"]\n"),
        "Invalid value for \"regions\"",
        "\"eu-central-1\" is not a Route 53 health checker region; expected some of: us-east-1, us-west-1, us-west-2, eu-west-1, \
         ap-southeast-1, ap-southeast-2, ap-northeast-1, sa-east-1.",
        "regions = ",
    );
}

#[test]
fn reserved_tag_keys_are_rejected() {
    assert_invalid(
        &bad("  type = \"HTTP\"\n  fqdn = \"a.example.com\"\n  tags = {\n    \"aws:owner\" = \"me\"\n  }\n"),
        "Invalid value for \"tags\"",
        "tag key \"aws:owner\" starts with \"aws:\", which AWS reserves for its own tags.",
        "\"aws:owner\" = ",
    );
}

#[test]
fn more_than_ten_tags_are_rejected() {
    let tags: String = (0..11).map(|i| format!("    k{i} = \"v\"\n")).collect();
    assert_invalid(
        &bad(&format!(
            "  type = \"HTTP\"\n  fqdn = \"a.example.com\"\n  tags = {{\n{tags}  }}\n"
        )),
        "Invalid value for \"tags\"",
        "11 tags are set; Route 53 allows at most 10 per health check.",
        "tags = {",
    );
}

#[test]
fn unknown_values_are_not_rejected_at_validate_time() {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{}}\n\n\
             resource \"terraform_data\" \"endpoint\" {{\n  input = \"TCP\"\n}}\n\n\
             resource \"globaldeploy_health_check\" \"later\" {{\n  type       = terraform_data.endpoint.output\n  \
             ip_address = terraform_data.endpoint.output\n  port       = 80\n  search_string = terraform_data.endpoint.output\n}}\n"
        ),
    );
    ws.validate()
        .assert_success()
        .assert_contains("The configuration is valid");
}
