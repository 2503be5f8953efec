//! `Configuration::load` on real directories: variable precedence, locals, references between
//! resources, nested and dynamic blocks, count and for_each, local modules, unknowns, and
//! errors that point at file:line.

use std::path::Path;

use globaldeploy_hcl::{CliVariable, Configuration, LoadError, Mode, Planner, Value, Variables};
use serde_json::{json, Value as Json};
use tempfile::TempDir;

pub(crate) fn dir(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

pub(crate) fn load(dir: &TempDir, variables: &Variables) -> Configuration {
    Configuration::load(dir.path(), variables).unwrap_or_else(|e| panic!("load failed:\n{e}"))
}

pub(crate) fn load_err(dir: &TempDir, variables: &Variables) -> LoadError {
    match Configuration::load(dir.path(), variables) {
        Ok(c) => panic!("expected errors, loaded {:#?}", c.resources),
        Err(e) => e,
    }
}

/// The known values of `address` as JSON, and its unknown mask.
pub(crate) fn values(config: &Configuration, address: &str) -> (Json, Json) {
    let r = config
        .resource(address)
        .unwrap_or_else(|| panic!("{address} not loaded: {:#?}", config.resources));
    (r.values.known_json(), r.values.unknown_mask())
}

const VARIABLES: &str = r#"
variable "a" {
  default = "default"
}
variable "b" {
  default = "default"
}
variable "c" {
  default = "default"
}
variable "d" {
  default = "default"
}
variable "e" {
  default = "default"
}
variable "n" {
  type = number
}
variable "regions" {
  type    = list(string)
  default = []
}
resource "x_thing" "t" {
  a       = var.a
  b       = var.b
  c       = var.c
  d       = var.d
  e       = var.e
  n       = var.n + 1
  regions = var.regions
}
"#;

#[test]
fn variables_follow_terraforms_precedence() {
    let d = dir(&[
        ("main.tf", VARIABLES),
        (
            "terraform.tfvars",
            "b = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\nn = 1\n",
        ),
        ("b.auto.tfvars", "c = \"b.auto\"\nd = \"b.auto\"\n"),
        ("a.auto.tfvars", "c = \"a.auto\"\nd = \"a.auto\"\n"),
        ("extra.tfvars", "d = \"file\"\ne = \"file\"\n"),
    ]);
    let variables = Variables {
        cli: vec![
            CliVariable::Var("e=flag".to_owned()),
            CliVariable::File(d.path().join("extra.tfvars")),
            CliVariable::Var("regions=[\"us-east-1\", \"eu-west-1\"]".to_owned()),
        ],
        environment: vec![("a".to_owned(), "env".to_owned()), ("b".to_owned(), "env".to_owned())],
    };
    let config = load(&d, &variables);
    let (known, _) = values(&config, "x_thing.t");
    assert_eq!(
        known,
        json!({
            "a": "env", "b": "tfvars", "c": "b.auto", "d": "file", "e": "file", "n": 2,
            "regions": ["us-east-1", "eu-west-1"]
        })
    );
}

#[test]
fn a_number_variable_from_the_command_line_is_converted() {
    let d = dir(&[("main.tf", VARIABLES)]);
    let variables = Variables {
        cli: vec![CliVariable::Var("n=41".to_owned())],
        environment: Vec::new(),
    };
    let (known, _) = values(&load(&d, &variables), "x_thing.t");
    assert_eq!(known["n"], json!(42));
}

#[test]
fn a_variable_without_value_is_an_error_at_its_declaration() {
    let d = dir(&[("main.tf", VARIABLES)]);
    let err = load_err(&d, &Variables::default());
    let text = err.to_string();
    assert!(text.contains("main.tf:17: variable \"n\" has no value"), "{text}");
}

#[test]
fn command_line_mistakes_are_errors() {
    let d = dir(&[("main.tf", VARIABLES)]);
    let variables = Variables {
        cli: vec![
            CliVariable::Var("n".to_owned()),
            CliVariable::Var("nope=1".to_owned()),
            CliVariable::Var("n=many".to_owned()),
            CliVariable::File(d.path().join("missing.tfvars")),
        ],
        environment: Vec::new(),
    };
    let text = load_err(&d, &variables).to_string();
    for expected in [
        "expected NAME=VALUE",
        "declares no variable \"nope\"",
        "\"many\" is not a number",
        "missing.tfvars: no such file",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}

#[test]
fn bad_tfvars_point_at_their_line() {
    let d = dir(&[("main.tf", VARIABLES), ("terraform.tfvars", "n = 1\na = var.b\n")]);
    let err = load_err(&d, &Variables::default());
    assert_eq!(err.errors.len(), 1, "{err}");
    let text = err.to_string();
    assert!(text.contains("terraform.tfvars:2: variable \"a\""), "{text}");
}

#[test]
fn locals_refer_to_each_other_in_any_order() {
    let d = dir(&[(
        "main.tf",
        r#"
locals {
  name    = "${local.prefix}-${var.env}"
  regions = [for r in local.all : upper(r) if r != "skip"]
  all     = ["a", "skip", "b"]
}
variable "env" {
  default = "prod"
}
locals {
  prefix = "api"
}
resource "x_thing" "t" {
  name    = local.name
  regions = local.regions
  count_a = length(local.all)
  subnet  = cidrsubnet("10.0.0.0/8", 8, 1)
}
"#,
    )]);
    let config = load(&d, &Variables::default());
    let (known, mask) = values(&config, "x_thing.t");
    assert_eq!(known["name"], json!("api-prod"));
    assert_eq!(known["regions"], json!(["A", "B"]));
    assert_eq!(known["count_a"], json!(3));
    // Functions this crate does not provide evaluate to unknown, with a warning at the line.
    assert_eq!(mask["subnet"], json!(true));
    assert!(config.warnings.iter().any(|w| w
        .to_string()
        .contains("main.tf:17: warning: function cidrsubnet() is not evaluated")));
}

#[test]
fn references_resolve_to_the_other_resources_planned_values() {
    let d = dir(&[(
        "main.tf",
        r#"
resource "globaldeploy_wave" "canary" {
  name    = "canary"
  regions = ["us-west-2"]
}

resource "globaldeploy_wave" "rest" {
  name         = "rest"
  regions      = ["us-east-1"]
  max_parallel = 2
  gate {
    interval = "10s"
    http {
      timeout = "1s"
    }
  }
}

resource "globaldeploy_deployment" "api" {
  name     = "api"
  version  = "v-${globaldeploy_wave.canary.name}"
  zone_id  = globaldeploy_wave.canary.id
  waves    = [globaldeploy_wave.canary, globaldeploy_wave.rest]
  strategy {
    steps = [50, 100]
  }
  region {
    name = "us-west-2"
  }
  region {
    name = "us-east-1"
  }
  lifecycle {
    ignore_changes = [version]
  }
  depends_on = [globaldeploy_wave.rest]
}
"#,
    )]);

    /// Like a provider: `id` is computed, `max_parallel` defaults to 1.
    struct Waves;
    impl Planner for Waves {
        fn plan(&self, _mode: Mode, resource_type: &str, configured: Value) -> Value {
            let Value::Object(mut map) = configured else {
                return configured;
            };
            if resource_type == "globaldeploy_wave" {
                map.insert("id".to_owned(), Value::Unknown);
                map.entry("max_parallel".to_owned()).or_insert(1.into());
            }
            Value::Object(map)
        }
    }
    let config = Configuration::load_with(d.path(), &Variables::default(), &Waves).unwrap();
    let (known, mask) = values(&config, "globaldeploy_deployment.api");
    assert_eq!(
        known,
        json!({
            "name": "api",
            "version": "v-canary",
            "waves": [
                {"max_parallel": 1, "name": "canary", "regions": ["us-west-2"]},
                {"max_parallel": 2, "name": "rest", "regions": ["us-east-1"],
                 "gate": [{"interval": "10s", "http": [{"timeout": "1s"}]}]}
            ],
            "strategy": [{"steps": [50, 100]}],
            "region": [{"name": "us-west-2"}, {"name": "us-east-1"}]
        })
    );
    assert_eq!(mask["zone_id"], json!(true));
    assert_eq!(mask["waves"][0]["id"], json!(true));
    assert_eq!(mask["version"], Json::Null, "known: {mask}");
    let api = config.resource("globaldeploy_deployment.api").unwrap();
    assert_eq!(api.location.line, 19);
    assert!(api.location.file.ends_with("main.tf"));
}

#[test]
fn dynamic_blocks_count_and_for_each_expand() {
    let d = dir(&[(
        "main.tf",
        r#"
variable "regions" {
  default = {
    "us-east-1" = 2
    "eu-west-1" = 1
  }
}
resource "x_deployment" "d" {
  dynamic "region" {
    for_each = var.regions
    content {
      name   = region.key
      weight = region.value
    }
  }
  dynamic "gate" {
    for_each = ["a", "b"]
    iterator = g
    content {
      url = "https://${g.value}/${g.key}"
    }
  }
}
resource "x_wave" "numbered" {
  count = 2
  name  = "wave-${count.index}"
}
resource "x_wave" "named" {
  for_each = var.regions
  name     = each.key
  weight   = each.value
}
resource "x_copy" "c" {
  names = [x_wave.numbered[1].name, x_wave.named["eu-west-1"].weight]
}
"#,
    )]);
    let config = load(&d, &Variables::default());
    let (known, _) = values(&config, "x_deployment.d");
    assert_eq!(
        known,
        json!({
            "region": [{"name": "eu-west-1", "weight": 1}, {"name": "us-east-1", "weight": 2}],
            "gate": [{"url": "https://a/0"}, {"url": "https://b/1"}]
        })
    );
    assert_eq!(values(&config, "x_wave.numbered[1]").0, json!({"name": "wave-1"}));
    assert_eq!(
        values(&config, "x_wave.named[\"us-east-1\"]").0,
        json!({"name": "us-east-1", "weight": 2})
    );
    assert_eq!(values(&config, "x_copy.c").0, json!({"names": ["wave-1", 1]}));
}

#[test]
fn unknown_counts_and_attributes_never_panic() {
    let d = dir(&[(
        "main.tf",
        r#"
resource "x_a" "a" {
  name = "a"
}
resource "x_b" "b" {
  count = x_a.a.computed_size
  name  = "b"
}
resource "x_c" "c" {
  name   = x_a.a.id == "" ? "none" : "some"
  joined = "${x_a.a.name}/${x_a.a.id}"
  items  = [for b in x_b.b : b.name]
}
"#,
    )]);
    let config = load(&d, &Variables::default());
    assert!(config.resource("x_b.b[0]").is_none());
    assert!(config
        .warnings
        .iter()
        .any(|w| w.message.contains("count of x_b.b is not known")));
    let (known, mask) = values(&config, "x_c.c");
    assert_eq!(known, json!({}));
    assert_eq!(mask, json!({"name": true, "joined": true, "items": true}));
}

#[test]
fn local_modules_are_followed_and_addressed() {
    let d = dir(&[
        (
            "main.tf",
            r#"
module "rollout" {
  source  = "./modules/rollout"
  regions = ["us-east-1", "eu-west-1"]
}
module "registry" {
  source = "terraform-aws-modules/vpc/aws"
}
resource "x_use" "u" {
  first   = module.rollout.first_wave
  vpc     = module.registry.vpc_id
}
"#,
        ),
        (
            "modules/rollout/main.tf",
            r#"
variable "regions" {
  type = list(string)
}
variable "prefix" {
  default = "w"
}
resource "x_wave" "w" {
  count   = 2
  name    = "${var.prefix}${count.index}"
  regions = [var.regions[count.index]]
}
output "first_wave" {
  value = x_wave.w[0]
}
"#,
        ),
    ]);
    let config = load(&d, &Variables::default());
    let wave = config.resource("module.rollout.x_wave.w[1]").expect("module resource");
    assert_eq!(wave.module, "module.rollout");
    assert_eq!(
        wave.values.known_json(),
        json!({"name": "w1", "regions": ["eu-west-1"]})
    );
    assert!(wave.location.file.ends_with(Path::new("modules/rollout/main.tf")));
    let (known, mask) = values(&config, "x_use.u");
    assert_eq!(known["first"], json!({"name": "w0", "regions": ["us-east-1"]}));
    assert_eq!(mask["vpc"], json!(true));
    assert!(config
        .warnings
        .iter()
        .any(|w| w.message.contains("is not a local directory")));
}

#[test]
fn errors_point_at_file_and_line() {
    let d = dir(&[
        ("a.tf", "resource \"x_a\" \"a\" {\n  name = var.missing\n}\n"),
        (
            "b.tf",
            "locals {\n  a = local.b\n  b = local.a\n}\n\nresource \"x_b\" \"b\" {\n  name = local.nope\n  other = x_a.nope.id\n  sum = 1 + \"x\"\n}\n",
        ),
    ]);
    let err = load_err(&d, &Variables::default());
    let lines: Vec<String> = err
        .errors
        .iter()
        .map(|e| {
            let l = e.location.as_ref().expect("located");
            format!("{}:{}", l.file.file_name().unwrap().to_string_lossy(), l.line)
        })
        .collect();
    let text = err.to_string();
    for (expected, message) in [
        ("a.tf:2", "undeclared input variable var.missing"),
        ("b.tf:7", "undeclared local value local.nope"),
        ("b.tf:8", "undeclared resource x_a.nope"),
        ("b.tf:9", "binary operator"),
    ] {
        assert!(
            lines.contains(&expected.to_owned()),
            "{expected} not in {lines:?}\n{text}"
        );
        assert!(text.contains(message), "{message:?} not in:\n{text}");
    }
    assert!(text.contains("through a cycle"), "{text}");
}

#[test]
fn syntax_errors_and_empty_directories_are_errors() {
    let d = dir(&[("main.tf", "resource \"x\" \"y\" {\n  a = [1,\n}\n")]);
    let text = load_err(&d, &Variables::default()).to_string();
    assert!(text.contains("main.tf:3: syntax error"), "{text}");
    let empty = dir(&[]);
    let text = load_err(&empty, &Variables::default()).to_string();
    assert!(text.contains("holds no Terraform configuration files"), "{text}");
}

#[test]
fn a_huge_count_or_for_each_is_an_error_at_its_line_not_a_hang() {
    let d = dir(&[(
        "main.tf",
        "resource \"x_a\" \"many\" {\n  count = 1000000000000000\n  name  = \"n${count.index}\"\n}\n\nmodule \"m\" {\n  source   = \"./m\"\n  for_each = toset([for i in range(1000) : tostring(i)])\n}\n",
    ), (
        "m/main.tf",
        "resource \"x_b\" \"inner\" {\n  count = 20\n  name  = \"b\"\n}\n",
    )]);
    let err = load_err(&d, &Variables::default());
    let text = err.to_string();
    let located: Vec<String> = err
        .errors
        .iter()
        .map(|e| {
            let l = e.location.as_ref().expect("located");
            format!("{}:{}", l.file.file_name().unwrap().to_string_lossy(), l.line)
        })
        .collect();
    assert!(located.contains(&"main.tf:2".to_owned()), "{located:?}\n{text}");
    assert!(
        text.contains("the count of x_a.many asks for 1000000000000000 instances")
            && text.contains("at most 10000 resource and module instances"),
        "{text}"
    );
    // 1000 module instances of 20 resources each overflow the budget inside the module.
    assert!(
        text.contains("the count of module.m[\"") && text.contains("x_b.inner asks for 20"),
        "{text}"
    );
}

#[test]
fn sensitivity_follows_variables_locals_functions_and_references() {
    let d = dir(&[
        (
            "main.tf",
            r#"
variable "token" {
  type      = string
  sensitive = true
  default   = "tok-123"
}
variable "plain" {
  default = "open"
}
locals {
  url     = "https://h.example/healthz?token=${var.token}"
  hidden  = sensitive("by-function")
  shown   = nonsensitive(var.token)
  length  = length(var.token)
  chooser = var.token == "x" ? "a" : "b"
}
resource "x_a" "a" {
  url     = local.url
  hidden  = local.hidden
  shown   = local.shown
  plain   = var.plain
  length  = local.length
  chooser = local.chooser
  list    = ["one", var.token]
  nested {
    token = var.token
    other = "fine"
  }
}
resource "x_b" "b" {
  whole = x_a.a
  url   = x_a.a.url
  plain = x_a.a.plain
}
module "m" {
  source = "./m"
  secret = "from-root"
}
"#,
        ),
        (
            "m/main.tf",
            "variable \"secret\" {\n  sensitive = true\n}\nresource \"x_c\" \"c\" {\n  value = \"${var.secret}!\"\n}\n",
        ),
    ]);
    let config = load(&d, &Variables::default());
    let mask = |address: &str| config.resource(address).expect(address).values.sensitive_mask();
    assert_eq!(
        mask("x_a.a"),
        json!({"url": true, "hidden": true, "length": true, "chooser": true,
               "list": [false, true], "nested": [{"token": true}]})
    );
    // A reference keeps each part's own mark.
    assert_eq!(
        mask("x_b.b"),
        json!({"url": true, "whole": {"url": true, "hidden": true, "length": true, "chooser": true,
               "list": [false, true], "nested": [{"token": true}]}})
    );
    assert_eq!(mask("module.m.x_c.c"), json!({"value": true}));
    // The values themselves are there (the plan document carries them, masked).
    assert_eq!(values(&config, "x_a.a").0["shown"], json!("tok-123"));

    // Terraform refuses sensitive instance keys, and error messages never quote a secret.
    let d = dir(&[(
        "main.tf",
        "variable \"names\" {\n  sensitive = true\n  default   = [\"s3cr3t\"]\n}\nresource \"x_a\" \"a\" {\n  for_each = toset(var.names)\n  name     = each.key\n}\nresource \"x_b\" \"b\" {\n  sum = var.names + 1\n}\n",
    )]);
    let text = load_err(&d, &Variables::default()).to_string();
    assert!(text.contains("main.tf:6") && text.contains("is sensitive"), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
}
