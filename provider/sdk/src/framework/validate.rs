//! Walking a configuration against its schema and running every validator with its path.

use globaldeploy_cty::Value;

use super::diagnostics::Diagnostics;
use super::path::AttributePath;
use super::schema::{Block, Nesting};

/// Validates one instance of `block` (an object value) found at `path`.
///
/// Unknown values are skipped at every level; null attributes are left to Terraform, which
/// already enforces `required` from the schema.
pub fn validate_block(block: &Block, object: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if object.is_null() || !object.is_known() {
        return;
    }
    for attribute in &block.attributes {
        let Some(value) = object.get(&attribute.name) else {
            continue;
        };
        if value.is_null() || !value.is_known() {
            continue;
        }
        let attribute_path = path.join(&attribute.name);
        for validator in &attribute.validators {
            validator.validate(value, &attribute_path, diags);
        }
    }
    for nested in &block.blocks {
        let Some(value) = object.get(&nested.name) else {
            continue;
        };
        let nested_path = path.join(&nested.name);
        match nested.nesting {
            Nesting::Single => validate_block(&nested.block, value, &nested_path, diags),
            Nesting::List | Nesting::Set => {
                let items = value.as_list().unwrap_or_default();
                for (index, item) in items.iter().enumerate() {
                    let item_path = nested.instance_path(&nested_path, index, item, items.len());
                    validate_block(&nested.block, item, &item_path, diags);
                }
            }
        }
    }
    for validator in &block.validators {
        validator.validate(object, path, diags);
    }
}

#[cfg(test)]
mod tests {
    use globaldeploy_cty::Type;

    use super::*;
    use crate::framework::schema::{Attribute, NestedBlock};
    use crate::framework::validators;

    #[test]
    fn set_elements_are_reported_by_their_key() {
        let block = Block::new("").block(NestedBlock::set(
            "region",
            "name",
            Block::new("")
                .attribute(Attribute::required("name", Type::String))
                .attribute(Attribute::optional("ttl", Type::Number).validate(validators::int_between(0, 10))),
        ));
        let region = |name: &str, ttl: i64| Value::object([("name", Value::string(name)), ("ttl", Value::int(ttl))]);
        let paths = |regions: Vec<Value>| {
            let mut diags = Diagnostics::new();
            validate_block(
                &block,
                &Value::object([("region", Value::set_of(regions))]),
                &AttributePath::root(),
                &mut diags,
            );
            diags
                .iter()
                .map(|d| d.path.clone().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            paths(vec![region("a", 1), region("b", 99)]),
            [AttributePath::attr("region").element("name", "b", 2).join("ttl")]
        );
        // The only element of a set can be addressed on the wire.
        let only = paths(vec![region("b", 99)]);
        assert_eq!(
            only[0].addressable("").0,
            AttributePath::attr("region").index(0).join("ttl")
        );
    }
}
