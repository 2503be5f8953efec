//! Module calls with `count` and `for_each`: instance addresses as `terraform show -json` writes
//! them, `count.index` / `each` in the call's arguments, outputs of one instance and of all of
//! them (as a list or a map), nesting, and unknown repetitions that leave instances out.

use globaldeploy_hcl::{Configuration, InstanceKey, Mode, Planner, Value, Variables};
use serde_json::json;
use tempfile::TempDir;

use crate::load::{dir, load, load_err, values};

/// Like a provider: every resource's `id` is computed.
struct ComputedIds;

impl Planner for ComputedIds {
    fn plan(&self, _mode: Mode, _resource_type: &str, configured: Value) -> Value {
        let Value::Object(mut map) = configured else {
            return configured;
        };
        map.insert("id".to_owned(), Value::Unknown);
        Value::Object(map)
    }
}

fn load_with_ids(d: &TempDir) -> Configuration {
    Configuration::load_with(d.path(), &Variables::default(), &ComputedIds).unwrap_or_else(|e| panic!("{e}"))
}

/// A leaf module: one health check per instance, and outputs built from it.
const REGION: &str = r#"
variable "name" {
  type = string
}
variable "weight" {
  type    = number
  default = 1
}
resource "x_check" "this" {
  name   = var.name
  weight = var.weight
}
output "name" {
  value = var.name
}
output "check_id" {
  value = x_check.this.id
}
output "endpoint" {
  value = { name = var.name, weight = var.weight, check = x_check.this.id }
}
"#;

#[test]
fn for_each_modules_are_addressed_by_key_and_see_each() {
    let d = dir(&[
        (
            "main.tf",
            r#"
module "global" {
  source  = "./modules/global"
  regions = { "us-east-1" = 60, "eu-west-1" = 40 }
}
resource "x_use" "u" {
  names = module.global.names
}
"#,
        ),
        (
            "modules/global/main.tf",
            r#"
variable "regions" {
  type = map(number)
}
module "region" {
  source   = "../region"
  for_each = var.regions
  name     = each.key
  weight   = each.value
}
resource "x_record" "global" {
  first = module.region["eu-west-1"].name
  names = [for key, region in module.region : "${key}=${region.name}"]
  dynamic "endpoint" {
    for_each = module.region
    content {
      set_identifier = endpoint.key
      weight         = endpoint.value.endpoint.weight
      check          = endpoint.value.check_id
    }
  }
}
output "names" {
  value = { for name, region in module.region : name => region.endpoint.name }
}
"#,
        ),
        ("modules/region/main.tf", REGION),
    ]);
    let config = load_with_ids(&d);
    let address = r#"module.global.module.region["eu-west-1"].x_check.this"#;
    let check = config.resource(address).expect("an instance per for_each key");
    assert_eq!(check.module, r#"module.global.module.region["eu-west-1"]"#);
    assert_eq!(check.key, None, "the key belongs to the module call, not the resource");
    assert_eq!(check.values.known_json(), json!({"name": "eu-west-1", "weight": 40}));
    assert_eq!(check.values.unknown_mask(), json!({"id": true}));
    assert!(config
        .resource(r#"module.global.module.region["us-east-1"].x_check.this"#)
        .is_some());

    let (known, mask) = values(&config, "module.global.x_record.global");
    assert_eq!(known["first"], json!("eu-west-1"));
    assert_eq!(known["names"], json!(["eu-west-1=eu-west-1", "us-east-1=us-east-1"]));
    // One endpoint per instance, in key order; each check id is computed.
    assert_eq!(
        known["endpoint"],
        json!([
            {"set_identifier": "eu-west-1", "weight": 40},
            {"set_identifier": "us-east-1", "weight": 60}
        ])
    );
    assert_eq!(mask["endpoint"], json!([{"check": true}, {"check": true}]));

    let (known, _) = values(&config, "x_use.u");
    assert_eq!(
        known["names"],
        json!({"eu-west-1": "eu-west-1", "us-east-1": "us-east-1"})
    );
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn count_modules_are_addressed_by_index_and_see_count_index() {
    let d = dir(&[
        (
            "main.tf",
            r#"
variable "names" {
  default = ["a", "b", "c"]
}
module "region" {
  source = "./modules/region"
  count  = length(var.names)
  name   = var.names[count.index]
  weight = count.index * 10
}
module "none" {
  source = "./modules/region"
  count  = 0
  name   = "never"
}
resource "x_use" "u" {
  second  = module.region[1].name
  weights = [for m in module.region : m.endpoint.weight]
  both    = "${module.region[0].name}+${module.region[2].endpoint.name}"
  none    = module.none
}
"#,
        ),
        ("modules/region/main.tf", REGION),
    ]);
    let config = load(&d, &Variables::default());
    let check = config
        .resource("module.region[2].x_check.this")
        .expect("an instance per index");
    assert_eq!(check.values.known_json(), json!({"name": "c", "weight": 20}));
    assert!(config.resource("module.region[3].x_check.this").is_none());
    assert!(!config.resources.iter().any(|r| r.module.starts_with("module.none")));
    let used = config.resource("x_use.u").expect("x_use.u");
    assert_eq!(
        used.values.known_json(),
        json!({"second": "b", "weights": [0, 10, 20], "both": "a+c", "none": []})
    );
    assert!(!used.values.contains_unknown(), "{:?}", used.values);
}

#[test]
fn nested_modules_with_repetition_at_both_levels() {
    let d = dir(&[
        (
            "main.tf",
            r#"
module "stack" {
  source   = "./modules/stack"
  for_each = toset(["blue", "green"])
  color    = each.value
}
output "ids" {
  value = { for color, stack in module.stack : color => stack.names }
}
"#,
        ),
        (
            "modules/stack/main.tf",
            r#"
variable "color" {
  type = string
}
module "region" {
  source = "../region"
  count  = 2
  name   = "${var.color}-${count.index}"
}
output "names" {
  value = module.region[*].name
}
"#,
        ),
        ("modules/region/main.tf", REGION),
    ]);
    let config = load(&d, &Variables::default());
    let check = config
        .resource(r#"module.stack["green"].module.region[1].x_check.this"#)
        .expect("nested instance");
    assert_eq!(check.values.known_json()["name"], json!("green-1"));
    assert_eq!(
        config.resources.iter().filter(|r| r.resource_type == "x_check").count(),
        4
    );
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn unknown_module_counts_and_keys_leave_instances_out_with_a_warning() {
    let d = dir(&[
        (
            "main.tf",
            r#"
resource "x_size" "s" {
  name = "s"
}
module "counted" {
  source = "./modules/region"
  count  = x_size.s.computed_count
  name   = "c${count.index}"
}
module "keyed" {
  source   = "./modules/region"
  for_each = x_size.s.computed_map
  name     = each.key
}
resource "x_use" "u" {
  label = "fixed"
  ids   = [for m in module.counted : m.check_id]
  names = module.keyed
  one   = module.keyed["a"].name
}
"#,
        ),
        ("modules/region/main.tf", REGION),
    ]);
    let config = load(&d, &Variables::default());
    assert!(!config.resources.iter().any(|r| r.resource_type == "x_check"));
    for argument in ["count of module.counted", "for_each of module.keyed"] {
        assert!(
            config
                .warnings
                .iter()
                .any(|w| w.message.contains(argument) && w.message.contains("not known before apply")),
            "{argument}: {:?}",
            config.warnings
        );
    }
    let (known, mask) = values(&config, "x_use.u");
    assert_eq!(known, json!({"label": "fixed"}));
    assert_eq!(mask, json!({"ids": true, "names": true, "one": true}));
}

#[test]
fn for_expressions_keep_known_elements_and_unknown_filters_stay_unknown() {
    let d = dir(&[(
        "main.tf",
        r#"
resource "x_wave" "w" {
  for_each = toset(["a", "b"])
  name     = each.key
}
resource "x_use" "u" {
  waves    = [for name in ["b", "a"] : x_wave.w[name]]
  by_name  = { for w in x_wave.w : w.name => w.name... }
  filtered = [for w in x_wave.w : w.name if w.id != ""]
}
"#,
    )]);
    let config = load_with_ids(&d);
    let (known, mask) = values(&config, "x_use.u");
    assert_eq!(known["waves"], json!([{"name": "b"}, {"name": "a"}]));
    assert_eq!(mask["waves"], json!([{"id": true}, {"id": true}]));
    assert_eq!(known["by_name"], json!({"a": ["a"], "b": ["b"]}));
    assert_eq!(mask["filtered"], json!(true));
    let wave = config.resource(r#"x_wave.w["b"]"#).expect("wave");
    assert_eq!(wave.key, Some(InstanceKey::Key("b".to_owned())));
}

#[test]
fn wrong_references_to_repeated_modules_are_errors_at_their_line() {
    let d = dir(&[
        (
            "main.tf",
            "module \"keyed\" {\n  source   = \"./modules/region\"\n  for_each = { a = 1 }\n  name     = each.key\n}\n\
             module \"counted\" {\n  source = \"./modules/region\"\n  count  = 1\n  name   = \"c\"\n}\n\
             resource \"x_use\" \"u\" {\n  a = module.keyed[\"b\"].name\n  b = module.counted.name\n  \
             c = module.counted[3].name\n  d = module.keyed[\"a\"].nope\n  e = each.key\n}\n",
        ),
        ("modules/region/main.tf", REGION),
    ]);
    let text = load_err(&d, &Variables::default()).to_string();
    for expected in [
        "main.tf:12: module.keyed has no instance [\"b\"]",
        "main.tf:13: module.counted has count",
        "main.tf:14: module.counted has 1 instances (count); there is no [3]",
        "main.tf:15: module.keyed[\"a\"] has no output \"nope\"",
        "main.tf:16: each is not available here",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}
