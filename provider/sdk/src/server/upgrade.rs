//! Reading stored state into the current schema's shape (UpgradeResourceState).
//!
//! Terraform calls UpgradeResourceState for every instance on every run, even when the schema
//! version is unchanged, handing over the raw JSON it stored. Attributes that a newer provider
//! version removed are dropped here (the state would otherwise fail to decode), then the JSON
//! is decoded against the current type.

use globaldeploy_cty::Value;
use serde_json::Value as Json;

use crate::framework::diagnostics::Diagnostic;
use crate::framework::schema::{Block, Nesting};

/// Decodes stored JSON `state` (already at the current version) against `block`.
pub fn decode_state(block: &Block, mut state: Json) -> Result<Value, Diagnostic> {
    retain_known_attributes(block, &mut state);
    globaldeploy_cty::json::decode(&state, &block.cty_type()).map_err(|e| {
        Diagnostic::error(
            "Invalid stored state",
            format!("The state stored for this resource does not match its schema: {e}"),
        )
    })
}

fn retain_known_attributes(block: &Block, state: &mut Json) {
    let Json::Object(map) = state else { return };
    map.retain(|name, _| block.find_attribute(name).is_some() || block.find_block(name).is_some());
    for nested in &block.blocks {
        let Some(value) = map.get_mut(&nested.name) else {
            continue;
        };
        match (nested.nesting, value) {
            (Nesting::Single, value) => retain_known_attributes(&nested.block, value),
            (Nesting::List | Nesting::Set, Json::Array(items)) => {
                items
                    .iter_mut()
                    .for_each(|item| retain_known_attributes(&nested.block, item));
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

    #[test]
    fn drops_removed_attributes_at_every_level() {
        let block = Block::new("")
            .attribute(Attribute::required("name", Type::String))
            .block(NestedBlock::list(
                "gate",
                Block::new("").attribute(Attribute::optional("interval", Type::String)),
            ));
        let state = serde_json::json!({"name": "a", "old": 1, "gate": [{"interval": "5s", "gone": true}]});
        let value = decode_state(&block, state).expect("decodes");
        assert_eq!(
            value,
            Value::object([
                ("name", Value::string("a")),
                (
                    "gate",
                    Value::list(vec![Value::object([("interval", Value::string("5s"))])])
                ),
            ])
        );
    }
}
