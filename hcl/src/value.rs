//! Evaluated configuration values: JSON-like data plus an explicit [`Value::Unknown`] for what
//! cannot be known before apply (computed attributes, functions this crate does not evaluate).
//!
//! hcl-rs evaluates expressions over its own value type, which has no notion of "unknown". So
//! that references to partly unknown objects (a resource whose `id` is computed) still evaluate,
//! unknowns cross into hcl-rs as a marker string that no configuration can contain and come back
//! as [`Value::Unknown`] wherever a result string carries the marker.
//!
//! [`Value::Sensitive`] marks what Terraform would hide: a `sensitive = true` variable, the
//! result of `sensitive()`, and whatever is computed from them (the evaluator propagates the
//! mark, see `eval.rs`). The mark travels with the value into the plan document as Terraform's
//! `after_sensitive` ([`Value::sensitive_mask`]), so renderings can print "(sensitive)".

use std::collections::BTreeMap;

/// An evaluated value. Object keys are sorted, as Terraform's JSON writes them. Its `Debug`
/// form (which diagnostics quote) shows a sensitive value as `(sensitive)`.
#[derive(Clone, PartialEq)]
pub enum Value {
    /// `null`, or an attribute that is not set.
    Null,
    /// A bool.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// A list, tuple or set; nested blocks are lists of objects.
    List(Vec<Value>),
    /// An object or map.
    Object(BTreeMap<String, Value>),
    /// Known only after apply.
    Unknown,
    /// A value Terraform hides in plans and output (never nested directly in another mark).
    Sensitive(Box<Value>),
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
            Value::Number(n) => f.debug_tuple("Number").field(n).finish(),
            Value::String(s) => f.debug_tuple("String").field(s).finish(),
            Value::List(items) => f.debug_tuple("List").field(items).finish(),
            Value::Object(map) => f.debug_tuple("Object").field(map).finish(),
            Value::Unknown => f.write_str("Unknown"),
            Value::Sensitive(_) => f.write_str("(sensitive)"),
        }
    }
}

/// Stands for an unknown value inside hcl-rs: control characters only, so that case
/// conversions and the like leave it intact.
const UNKNOWN_MARKER: &str = "\u{1}\u{2}\u{3}\u{2}\u{1}";

impl Value {
    /// An object from `(key, value)` pairs.
    pub fn object<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// `value` marked sensitive (once, however often it is marked).
    pub fn sensitive(value: Value) -> Value {
        match value {
            Value::Sensitive(_) => value,
            other => Value::Sensitive(Box::new(other)),
        }
    }

    /// The value without any sensitive mark, at any depth (Terraform's `nonsensitive`).
    pub fn unmarked(&self) -> Value {
        match self {
            Value::Sensitive(inner) => inner.unmarked(),
            Value::List(items) => Value::List(items.iter().map(Value::unmarked).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), v.unmarked())).collect()),
            other => other.clone(),
        }
    }

    /// Whether this value or anything inside it is sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) => items.iter().any(Value::contains_sensitive),
            Value::Object(map) => map.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// The value under its sensitive mark, if it has one at the top.
    pub fn without_mark(&self) -> &Value {
        match self {
            Value::Sensitive(inner) => inner,
            other => other,
        }
    }

    /// Where the sensitive values are, as Terraform writes a plan's `after_sensitive`: `true`
    /// for a sensitive value; lists and objects that contain one keep their shape (`false` for
    /// other list elements, other object attributes left out); `false` for the rest.
    pub fn sensitive_mask(&self) -> serde_json::Value {
        match self {
            Value::Sensitive(_) => serde_json::Value::Bool(true),
            Value::List(items) if self.contains_sensitive() => items.iter().map(Value::sensitive_mask).collect(),
            Value::Object(map) if self.contains_sensitive() => map
                .iter()
                .filter(|(_, v)| v.contains_sensitive())
                .map(|(k, v)| (k.clone(), v.sensitive_mask()))
                .collect(),
            _ => serde_json::Value::Bool(false),
        }
    }

    /// The attribute `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(map) => map.get(key),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Sensitive(inner) => inner.contains_unknown(),
            Value::List(items) => items.iter().any(Value::contains_unknown),
            Value::Object(map) => map.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    /// The known parts as JSON, as in Terraform's plan `after`: unknown attributes are left
    /// out, unknown list elements are `null`.
    pub fn known_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => items.iter().map(Value::known_json).collect(),
            Value::Object(map) => map
                .iter()
                .filter(|(_, v)| *v.without_mark() != Value::Unknown)
                .map(|(k, v)| (k.clone(), v.known_json()))
                .collect(),
            Value::Sensitive(inner) => inner.known_json(),
        }
    }

    /// Where the unknowns are, as Terraform writes a plan's `after_unknown`: `true` for an
    /// unknown value; lists and objects that contain structure keep their shape (`false` for
    /// known list elements, known object attributes left out); `false` for a known scalar.
    pub fn unknown_mask(&self) -> serde_json::Value {
        match self {
            Value::Unknown => serde_json::Value::Bool(true),
            Value::Sensitive(inner) => inner.unknown_mask(),
            Value::List(items) => items.iter().map(Value::unknown_mask).collect(),
            Value::Object(map) => map
                .iter()
                .filter_map(|(k, v)| {
                    let mask = v.unknown_mask();
                    (mask != serde_json::Value::Bool(false)).then(|| (k.clone(), mask))
                })
                .collect(),
            _ => serde_json::Value::Bool(false),
        }
    }

    /// The value for hcl-rs, unknowns as the marker; sensitive marks stay behind (the
    /// evaluator re-applies them to what hcl-rs computes).
    pub(crate) fn to_hcl(&self) -> hcl::Value {
        match self {
            Value::Sensitive(inner) => inner.to_hcl(),
            Value::Null => hcl::Value::Null,
            Value::Unknown => hcl::Value::String(UNKNOWN_MARKER.to_owned()),
            Value::Bool(b) => hcl::Value::Bool(*b),
            Value::Number(n) => hcl::Value::Number(number_to_hcl(n)),
            Value::String(s) => hcl::Value::String(s.clone()),
            Value::List(items) => hcl::Value::Array(items.iter().map(Value::to_hcl).collect()),
            Value::Object(map) => hcl::Value::Object(map.iter().map(|(k, v)| (k.clone(), v.to_hcl())).collect()),
        }
    }

    /// A value hcl-rs computed; strings carrying the marker are unknown.
    pub(crate) fn from_hcl(value: hcl::Value) -> Value {
        match value {
            hcl::Value::Null => Value::Null,
            hcl::Value::Bool(b) => Value::Bool(b),
            hcl::Value::Number(n) => Value::Number(number_from_hcl(&n)),
            hcl::Value::String(s) if s.contains(UNKNOWN_MARKER) => Value::Unknown,
            hcl::Value::String(s) => Value::String(s),
            hcl::Value::Array(items) => Value::List(items.into_iter().map(Value::from_hcl).collect()),
            hcl::Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, Value::from_hcl(v))).collect()),
        }
    }
}

fn number_to_hcl(n: &serde_json::Number) -> hcl::Number {
    if let Some(i) = n.as_i64() {
        hcl::Number::from(i)
    } else if let Some(u) = n.as_u64() {
        hcl::Number::from(u)
    } else {
        // serde_json numbers are finite, so this always succeeds.
        n.as_f64()
            .and_then(hcl::Number::from_f64)
            .unwrap_or_else(|| hcl::Number::from(0))
    }
}

/// Whole numbers stay integers (`2`, not `2.0`), as Terraform writes them.
fn number_from_hcl(n: &hcl::Number) -> serde_json::Number {
    if let Some(i) = n.as_i64() {
        return i.into();
    }
    if let Some(u) = n.as_u64() {
        return u.into();
    }
    let f = n.as_f64().unwrap_or_default();
    #[allow(clippy::cast_possible_truncation)]
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        return (f as i64).into();
    }
    serde_json::Number::from_f64(f).unwrap_or_else(|| 0.into())
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn unknowns_survive_a_round_trip_through_hcl_rs() {
        let value = Value::object([
            ("id", Value::Unknown),
            ("regions", Value::List(vec!["us-east-1".into(), Value::Unknown])),
            ("max_parallel", 2.into()),
        ]);
        assert_eq!(Value::from_hcl(value.to_hcl()), value);
    }

    #[test]
    fn plan_json_leaves_unknowns_out_and_marks_them() {
        let value = Value::object([
            ("id", Value::Unknown),
            ("name", "canary".into()),
            ("gate", Value::List(vec![Value::object([("interval", Value::Unknown)])])),
            ("regions", Value::List(vec!["a".into()])),
        ]);
        assert_eq!(
            value.known_json(),
            json!({"name": "canary", "gate": [{}], "regions": ["a"]})
        );
        assert_eq!(
            value.unknown_mask(),
            json!({"id": true, "gate": [{"interval": true}], "regions": [false]})
        );
    }

    #[test]
    fn sensitive_marks_show_in_the_mask_and_not_in_the_values() {
        let value = Value::object([
            ("name", "api".into()),
            ("token", Value::sensitive("s3cr3t".into())),
            (
                "gate",
                Value::List(vec![Value::object([("url", Value::sensitive(Value::Unknown))])]),
            ),
            ("regions", Value::List(vec!["a".into(), Value::sensitive("b".into())])),
        ]);
        assert_eq!(
            value.known_json(),
            json!({"name": "api", "token": "s3cr3t", "gate": [{}], "regions": ["a", "b"]})
        );
        assert_eq!(
            value.sensitive_mask(),
            json!({"token": true, "gate": [{"url": true}], "regions": [false, true]})
        );
        assert_eq!(
            value.unknown_mask(),
            json!({"gate": [{"url": true}], "regions": [false, false]})
        );
        assert!(!value.unmarked().contains_sensitive());
    }
}
