//! The conventional `timeouts { create = "30m" ... }` block.
//!
//! Long operations (a rollout can take hours) let users bound each operation the way every
//! Terraform provider does. The block lives in state like any other, so the operation reads its
//! own deadline from the planned or prior value.

use std::time::Duration;

use globaldeploy_cty::{Type, Value};

use super::duration::parse_duration;
use super::schema::{Attribute, Block, NestedBlock};
use super::validators;

/// The `timeouts` block offering one optional duration per operation in `operations`
/// (e.g. `["create", "update", "delete"]`), each defaulting to `default` when unset.
pub fn timeouts_block(operations: &[&str], default: Duration) -> NestedBlock {
    let mut block = Block::new("Time limits for long-running operations, as Go-style durations.");
    for operation in operations {
        block = block.attribute(
            Attribute::optional(operation, Type::String)
                .description(format!(
                    "How long `{operation}` may take (e.g. `\"30m\"`, `\"2h\"`). Default: `{}`.",
                    humanize(default)
                ))
                .validate(validators::duration_at_least(Duration::ZERO)),
        );
    }
    NestedBlock::single("timeouts", block)
}

/// The time limit for `operation` in a resource value, `default` when unset or invalid.
pub fn timeout(resource: &Value, operation: &str, default: Duration) -> Duration {
    resource
        .get("timeouts")
        .and_then(|t| t.get(operation))
        .and_then(Value::as_str)
        .and_then(|text| parse_duration(text).ok())
        .unwrap_or(default)
}

fn humanize(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_configured_or_default() {
        let resource = Value::object([(
            "timeouts",
            Value::object([("create", Value::string("1h30m")), ("delete", Value::Null)]),
        )]);
        assert_eq!(
            timeout(&resource, "create", Duration::from_secs(60)),
            Duration::from_secs(5400)
        );
        assert_eq!(
            timeout(&resource, "delete", Duration::from_secs(60)),
            Duration::from_secs(60)
        );
        assert_eq!(
            timeout(&Value::Null, "create", Duration::from_secs(60)),
            Duration::from_secs(60)
        );
    }
}
