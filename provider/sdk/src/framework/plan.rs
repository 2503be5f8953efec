//! Planning: from Terraform's proposed new state to the provider's planned state.
//!
//! Terraform proposes a new state by merging configuration with prior state. The provider then
//! fills in what only it knows: defaults for unset attributes, computed values (unknown when
//! they may change, the prior value when they cannot) and which changed attributes force a
//! replacement. Resources adjust the result further in `Resource::modify_plan`.

use globaldeploy_cty::Value;

use super::path::AttributePath;
use super::schema::{Block, Nesting, UnknownPolicy};

/// The framework's plan for one resource instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The planned new state (null when destroying).
    pub planned: Value,
    /// Paths whose change forces replacement.
    pub requires_replace: Vec<AttributePath>,
}

/// Plans a resource with schema `block`. `prior` is null on create and `proposed` is null on
/// destroy.
pub fn plan(block: &Block, prior: &Value, proposed: &Value, config: &Value) -> Plan {
    if proposed.is_null() {
        return Plan {
            planned: Value::Null,
            requires_replace: Vec::new(),
        };
    }
    let mut planned = proposed.clone();
    fill(
        block,
        config,
        Some(prior).filter(|p| !p.is_null()),
        &mut planned,
        Pass::Defaults,
    );
    let creating = prior.is_null();
    if creating || planned != *prior {
        fill(
            block,
            config,
            Some(prior).filter(|p| !p.is_null()),
            &mut planned,
            Pass::Computed,
        );
    }
    let mut requires_replace = Vec::new();
    if !creating {
        replacements(block, prior, &planned, &AttributePath::root(), &mut requires_replace);
    }
    Plan {
        planned,
        requires_replace,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Write defaults of unset attributes.
    Defaults,
    /// Mark computed attributes that may change as unknown.
    Computed,
}

fn fill(block: &Block, config: &Value, prior: Option<&Value>, planned: &mut Value, pass: Pass) {
    // Only a block that is there (an object) has attributes to fill.
    let Value::Object(planned_attributes) = planned else {
        return;
    };
    for attribute in &block.attributes {
        let configured = config.get(&attribute.name).is_some_and(|v| !v.is_null());
        if configured {
            continue;
        }
        match pass {
            Pass::Defaults => {
                if let Some(default) = &attribute.default {
                    planned_attributes.insert(attribute.name.clone(), default.clone());
                }
            }
            Pass::Computed if attribute.is_computed() && attribute.default.is_none() => {
                let prior_value = prior.and_then(|p| p.get(&attribute.name)).filter(|v| !v.is_null());
                let value = match (attribute.unknown_policy, prior_value) {
                    (UnknownPolicy::UseStateForUnknown, Some(value)) => value.clone(),
                    _ => Value::Unknown,
                };
                planned_attributes.insert(attribute.name.clone(), value);
            }
            Pass::Computed => {}
        }
    }
    for nested in &block.blocks {
        let name = nested.name.as_str();
        let config_value = config.get(name).cloned().unwrap_or(Value::Null);
        let prior_value = prior.and_then(|p| p.get(name)).cloned().unwrap_or(Value::Null);
        let Some(planned_value) = planned_attributes.get_mut(name) else {
            continue;
        };
        match nested.nesting {
            Nesting::Single => {
                fill(
                    &nested.block,
                    &config_value,
                    Some(&prior_value).filter(|p| !p.is_null()),
                    planned_value,
                    pass,
                );
            }
            Nesting::List | Nesting::Set => {
                let configs = config_value.as_list().unwrap_or_default();
                let priors = prior_value.as_list().unwrap_or_default();
                if let Value::List(items) | Value::Set(items) = planned_value {
                    for (index, item) in items.iter_mut().enumerate() {
                        if nested.nesting == Nesting::List {
                            let item_config = configs.get(index).unwrap_or(&Value::Null);
                            fill(&nested.block, item_config, priors.get(index), item, pass);
                            continue;
                        }
                        // Set elements have no position: the configured element is the one
                        // with the same key (Terraform may order the proposed set differently
                        // from the configuration). Without a known key the proposed element
                        // stands for its configuration. A prior element is never reused.
                        let item_config = nested
                            .key_of(item)
                            .and_then(|key| configs.iter().find(|c| nested.key_of(c).as_ref() == Some(&key)))
                            .unwrap_or(item)
                            .clone();
                        fill(&nested.block, &item_config, None, item, pass);
                    }
                }
            }
        }
    }
}

fn replacements(block: &Block, prior: &Value, planned: &Value, path: &AttributePath, out: &mut Vec<AttributePath>) {
    for attribute in block.attributes.iter().filter(|a| a.force_new) {
        if prior.get(&attribute.name) != planned.get(&attribute.name) {
            out.push(path.join(&attribute.name));
        }
    }
    for nested in &block.blocks {
        let (before, after) = (prior.get(&nested.name), planned.get(&nested.name));
        if nested.force_new {
            if before != after {
                out.push(path.join(&nested.name));
            }
            continue;
        }
        let nested_path = path.join(&nested.name);
        match (nested.nesting, before, after) {
            (Nesting::Single, Some(before), Some(after)) if !before.is_null() && !after.is_null() => {
                replacements(&nested.block, before, after, &nested_path, out);
            }
            (Nesting::List, Some(before), Some(after)) => {
                let pairs = before
                    .as_list()
                    .unwrap_or_default()
                    .iter()
                    .zip(after.as_list().unwrap_or_default());
                for (index, (b, a)) in pairs.enumerate() {
                    replacements(&nested.block, b, a, &nested_path.index(index), out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use globaldeploy_cty::Type;

    use super::*;
    use crate::framework::schema::{Attribute, NestedBlock};

    fn schema() -> Block {
        Block::new("test")
            .attribute(Attribute::computed("id", Type::String).use_state_for_unknown())
            .attribute(Attribute::required("name", Type::String).force_new())
            .attribute(Attribute::with_default("size", Type::Number, Value::int(1)))
            .attribute(Attribute::computed("etag", Type::String))
            .block(NestedBlock::list(
                "item",
                Block::new("").attribute(Attribute::with_default("n", Type::Number, Value::int(7))),
            ))
    }

    fn object(name: &str, size: Value, id: Value, etag: Value) -> Value {
        Value::object([
            ("id", id),
            ("name", Value::string(name)),
            ("size", size),
            ("etag", etag),
            ("item", Value::list(vec![])),
        ])
    }

    #[test]
    fn create_fills_defaults_and_unknowns() {
        let config = object("a", Value::Null, Value::Null, Value::Null);
        let result = plan(&schema(), &Value::Null, &config, &config);
        assert_eq!(
            result.planned,
            object("a", Value::int(1), Value::Unknown, Value::Unknown)
        );
        assert!(result.requires_replace.is_empty());
    }

    #[test]
    fn no_change_keeps_computed_values() {
        let prior = object("a", Value::int(1), Value::string("id-1"), Value::string("e1"));
        let config = object("a", Value::Null, Value::Null, Value::Null);
        let proposed = prior.clone();
        assert_eq!(plan(&schema(), &prior, &proposed, &config).planned, prior);
    }

    #[test]
    fn update_keeps_ids_and_forgets_other_computed_values() {
        let prior = object("a", Value::int(1), Value::string("id-1"), Value::string("e1"));
        let config = object("a", Value::int(2), Value::Null, Value::Null);
        let proposed = object("a", Value::int(2), Value::string("id-1"), Value::string("e1"));
        let result = plan(&schema(), &prior, &proposed, &config);
        assert_eq!(
            result.planned,
            object("a", Value::int(2), Value::string("id-1"), Value::Unknown)
        );
        assert!(result.requires_replace.is_empty());
    }

    #[test]
    fn force_new_attributes_require_replacement() {
        let prior = object("a", Value::int(1), Value::string("id-1"), Value::string("e1"));
        let config = object("b", Value::Null, Value::Null, Value::Null);
        let proposed = object("b", Value::int(1), Value::string("id-1"), Value::string("e1"));
        let result = plan(&schema(), &prior, &proposed, &config);
        assert_eq!(result.requires_replace, vec![AttributePath::attr("name")]);
    }

    #[test]
    fn defaults_apply_inside_list_blocks() {
        let item = |n: Value| Value::object([("n", n)]);
        let mut config = object("a", Value::Null, Value::Null, Value::Null);
        config
            .set("item", Value::list(vec![item(Value::Null), item(Value::int(3))]))
            .expect("an object");
        let planned = plan(&schema(), &Value::Null, &config, &config).planned;
        assert_eq!(
            planned.get("item"),
            Some(&Value::list(vec![item(Value::int(7)), item(Value::int(3))]))
        );
    }

    #[test]
    fn defaults_inside_set_blocks_follow_the_configured_element_with_the_same_key() {
        let block = Block::new("test").block(NestedBlock::set(
            "region",
            "name",
            Block::new("")
                .attribute(Attribute::required("name", Type::String))
                .attribute(Attribute::with_default("ttl", Type::Number, Value::int(60))),
        ));
        let region = |name: &str, ttl: Value| Value::object([("name", Value::string(name)), ("ttl", ttl)]);
        // `b` had an explicit ttl of 300 that the configuration dropped; Terraform proposes the
        // prior 300 for it and orders the proposed set unlike the configuration.
        let config = Value::object([(
            "region",
            Value::set_of(vec![region("a", Value::int(30)), region("b", Value::Null)]),
        )]);
        let proposed = Value::object([(
            "region",
            Value::set_of(vec![region("b", Value::int(300)), region("a", Value::int(30))]),
        )]);
        let planned = plan(&block, &Value::Null, &proposed, &config).planned;
        assert_eq!(
            planned.get("region"),
            Some(&Value::set_of(vec![
                region("a", Value::int(30)),
                region("b", Value::int(60))
            ]))
        );
    }
}
