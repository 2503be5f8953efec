//! The provider schema as Terraform reports it (`terraform providers schema -json`),
//! snapshot-tested so every schema change is reviewed.

use globaldeploy_e2e::{Workspace, PROVIDER_SOURCE, REQUIRED_PROVIDERS};

#[test]
fn provider_schema_snapshot() {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{}}\n"),
    );
    ws.init().assert_success();
    let schemas = ws.providers_schema_json();
    let ours = &schemas["provider_schemas"][PROVIDER_SOURCE];
    assert!(ours.is_object(), "provider schema missing: {schemas:#}");
    insta::assert_json_snapshot!("provider_schema", ours);
}
