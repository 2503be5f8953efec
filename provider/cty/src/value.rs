//! cty values: the data Terraform exchanges, independent of any encoding.
//!
//! A [`Value`] does not carry its type; the codecs take the type separately, as the wire
//! formats do. Equality is semantic rather than structural: numbers compare numerically (see
//! [`Number`]) and sets compare as multisets, so a value equals itself after any round trip.

use std::collections::BTreeMap;

use crate::Number;

/// A cty value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// The null value (of whatever type the position has).
    #[default]
    Null,
    /// A value that will only be known after apply.
    Unknown,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// List elements, in order.
    List(Vec<Value>),
    /// Set elements; order carries no meaning.
    Set(Vec<Value>),
    /// Map elements by key.
    Map(BTreeMap<String, Value>),
    /// Object attributes by name.
    Object(BTreeMap<String, Value>),
    /// Tuple elements, in order.
    Tuple(Vec<Value>),
}

impl Value {
    /// A string value.
    pub fn string(value: impl Into<String>) -> Value {
        Value::String(value.into())
    }

    /// An integer value.
    pub fn int(value: i64) -> Value {
        Value::Number(Number::Int(value))
    }

    /// A float value.
    pub fn float(value: f64) -> Value {
        Value::Number(Number::Float(value))
    }

    /// A boolean value.
    pub fn bool(value: bool) -> Value {
        Value::Bool(value)
    }

    /// An object from `(name, value)` pairs.
    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(collect(attributes))
    }

    /// A list.
    pub fn list(elements: Vec<Value>) -> Value {
        Value::List(elements)
    }

    /// A set (duplicates are kept as given). Named `set_of` because [`Value::set`] assigns an
    /// object attribute.
    pub fn set_of(elements: Vec<Value>) -> Value {
        Value::Set(elements)
    }

    /// A map from `(key, value)` pairs.
    pub fn map<K: Into<String>>(elements: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(collect(elements))
    }

    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this value itself is known (elements inside it may still be unknown).
    pub fn is_known(&self) -> bool {
        !matches!(self, Value::Unknown)
    }

    /// Whether no unknown value appears anywhere inside this value.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(elements) | Value::Set(elements) | Value::Tuple(elements) => {
                elements.iter().all(Value::is_wholly_known)
            }
            Value::Map(elements) | Value::Object(elements) => elements.values().all(Value::is_wholly_known),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(value) => Some(value),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(value) => Some(*value),
            _ => None,
        }
    }

    /// The number as an `i64`, if it is an integer within range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(number) => number.as_i64(),
            _ => None,
        }
    }

    /// The number as the nearest `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(number) => number.as_f64(),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(number) => Some(number),
            _ => None,
        }
    }

    /// The elements of a list, set or tuple.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(elements) | Value::Set(elements) | Value::Tuple(elements) => Some(elements),
            _ => None,
        }
    }

    /// The elements of a map or the attributes of an object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(elements) | Value::Object(elements) => Some(elements),
            _ => None,
        }
    }

    /// An object's attribute.
    pub fn get(&self, attribute: &str) -> Option<&Value> {
        match self {
            Value::Object(attributes) => attributes.get(attribute),
            _ => None,
        }
    }

    /// An object's attribute, mutably.
    pub fn get_mut(&mut self, attribute: &str) -> Option<&mut Value> {
        match self {
            Value::Object(attributes) => attributes.get_mut(attribute),
            _ => None,
        }
    }

    /// Sets an object's attribute. Any other value is left as it is and reported: writing an
    /// attribute into a null or a list is a mistake of the caller, not something to paper over
    /// by replacing the value with an object.
    pub fn set(&mut self, attribute: &str, value: Value) -> Result<(), NotAnObject> {
        match self {
            Value::Object(attributes) => {
                attributes.insert(attribute.to_owned(), value);
                Ok(())
            }
            other => Err(NotAnObject {
                attribute: attribute.to_owned(),
                found: other.kind(),
            }),
        }
    }
}

/// [`Value::set`] on a value that is not an object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot set attribute {attribute:?} of a {found} value: only objects have attributes")]
pub struct NotAnObject {
    /// The attribute that was to be set.
    pub attribute: String,
    /// What the value is instead.
    pub found: &'static str,
}

impl Value {
    /// The name of this value's variant, for type-mismatch errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Tuple(_) => "tuple",
        }
    }
}

fn collect<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(key, value)| (key.into(), value)).collect()
}

/// Semantic equality: numbers numerically, sets as multisets, everything else structurally.
/// `Null == Null` and `Unknown == Unknown` (unlike cty, where comparing unknowns is unknown).
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) | (Value::Unknown, Value::Unknown) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => a == b,
            (Value::Set(a), Value::Set(b)) => same_multiset(a, b),
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => a == b,
            _ => false,
        }
    }
}

/// Whether `b` is a permutation of `a` under `Value`'s equality.
fn same_multiset(a: &[Value], b: &[Value]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut matched = vec![false; b.len()];
    a.iter().all(|element| {
        let partner = b
            .iter()
            .zip(matched.iter_mut())
            .find(|(candidate, used)| !**used && *candidate == element);
        match partner {
            Some((_, used)) => {
                *used = true;
                true
            }
            None => false,
        }
    })
}

impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::string(value)
    }
}

impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::String(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Value {
        Value::Bool(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::int(value)
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Value {
        Value::float(value)
    }
}

impl From<Number> for Value {
    fn from(value: Number) -> Value {
        Value::Number(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Value;

    #[test]
    fn sets_compare_as_multisets() {
        let ab = Value::set_of(vec!["a".into(), "b".into()]);
        assert_eq!(ab, Value::set_of(vec!["b".into(), "a".into()]));
        assert_ne!(ab, Value::set_of(vec!["a".into(), "a".into()]));
        assert_ne!(ab, Value::set_of(vec!["a".into()]));
        assert_ne!(ab, Value::list(vec!["a".into(), "b".into()]));
        assert_ne!(
            Value::list(vec!["a".into(), "b".into()]),
            Value::list(vec!["b".into(), "a".into()])
        );
    }

    #[test]
    fn numbers_compare_numerically_inside_values() {
        assert_eq!(
            Value::object([("n", Value::int(2))]),
            Value::object([("n", Value::float(2.0))])
        );
    }

    #[test]
    fn wholly_known_looks_everywhere() {
        let inner = Value::object([("x", Value::list(vec![Value::Unknown]))]);
        assert!(inner.is_known());
        assert!(!inner.is_wholly_known());
        assert!(Value::map([("k", Value::Null)]).is_wholly_known());
    }

    #[test]
    fn accessors() {
        let mut object = Value::object([("name", Value::from("web")), ("port", Value::int(80))]);
        assert_eq!(object.get("name").and_then(Value::as_str), Some("web"));
        assert_eq!(object.get("port").and_then(Value::as_i64), Some(80));
        assert_eq!(Value::float(80.0).as_i64(), Some(80));
        assert_eq!(Value::float(80.5).as_i64(), None);
        object.set("port", Value::int(443)).expect("an object");
        if let Some(name) = object.get_mut("name") {
            *name = "api".into();
        }
        assert_eq!(
            object,
            Value::object([("name", Value::from("api")), ("port", Value::int(443))])
        );
        let mut null = Value::Null;
        let refused = null.set("a", Value::bool(true)).expect_err("null is not an object");
        assert_eq!(
            refused.to_string(),
            "cannot set attribute \"a\" of a null value: only objects have attributes"
        );
        assert_eq!(null, Value::Null, "left as it was");
        assert_eq!(
            Value::set_of(vec![Value::int(1)]).as_list().map(<[Value]>::len),
            Some(1)
        );
        assert!(Value::map([("k", Value::Null)]).as_map().is_some());
        assert!(Value::map([("k", Value::Null)]).get("k").is_none());
    }
}
