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
            Nesting::List => {
                for (index, item) in value.as_list().unwrap_or_default().iter().enumerate() {
                    validate_block(&nested.block, item, &nested_path.index(index), diags);
                }
            }
            // Set elements have no address on the wire: report at the set.
            Nesting::Set => {
                for item in value.as_list().unwrap_or_default() {
                    validate_block(&nested.block, item, &nested_path, diags);
                }
            }
        }
    }
    for validator in &block.validators {
        validator.validate(object, path, diags);
    }
}
