//! Typed resource models: a Terraform object value decoded into a Rust struct and encoded back.
//!
//! Resources otherwise read their configuration, plan and state attribute by attribute
//! (`value.get("ttl").and_then(Value::as_i64)`), where a misspelt name or a wrong type reads as
//! "not set". A model names each attribute once, in one struct declared with [`model!`], and
//! decoding it reports what does not fit — at the [`AttributePath`] of the offending value — so
//! a resource works with `record.ttl: Option<i64>` instead. This is what
//! terraform-plugin-framework's `req.Plan.Get(ctx, &model)` does for Go providers.
//!
//! - Null decodes only into [`Option`]; `None` encodes as null.
//! - Unknown decodes only into [`Planned`] (a plan's value may not be known yet); anything else
//!   reports it, so a model used where every value must be known says so instead of guessing.
//! - Lists and tuples decode into [`Vec`], sets into [`SetOf`] (which encodes as a set again),
//!   maps into [`BTreeMap`]; a model decodes from an object and ignores attributes it does not
//!   name, so a model of a few attributes can be read from a whole state and written back into
//!   it with [`Model::write_into`].

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

use globaldeploy_cty::{Number, Value};

use super::diagnostics::Diagnostic;
use super::path::AttributePath;
use super::schema::Block;

/// A value that does not fit its model: where it is and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{problem}", at_path(.path))]
pub struct ModelError {
    /// The value that does not fit.
    pub path: AttributePath,
    /// What was expected and what was found.
    pub problem: String,
}

fn at_path(path: &AttributePath) -> String {
    if path.is_root() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

impl ModelError {
    fn new(path: &AttributePath, problem: impl Into<String>) -> Self {
        Self {
            path: path.clone(),
            problem: problem.into(),
        }
    }

    /// The error diagnostic for this, at its path. Terraform only hands a provider values of the
    /// schema's type, so a mismatch is the provider's own bug and the message says so.
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::error(
            "Value does not fit the provider's model",
            format!(
                "{}: {}. This is a bug in the provider: please report it with the configuration that caused it.",
                if self.path.is_root() {
                    "the object".to_owned()
                } else {
                    self.path.to_string()
                },
                self.problem
            ),
        )
        .at(self.path.clone())
    }
}

/// Setting an attribute of a value that is not an object does not fit any model.
impl From<globaldeploy_cty::NotAnObject> for ModelError {
    fn from(err: globaldeploy_cty::NotAnObject) -> Self {
        ModelError::new(&AttributePath::root(), err.to_string())
    }
}

/// A type a value can be decoded into.
pub trait FromValue: Sized {
    /// Decodes `value`, found at `path`.
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError>;
}

/// A type that can be encoded as a value.
pub trait ToValue {
    /// The value of `self`.
    fn to_value(&self) -> Value;
}

/// An object model declared with [`model!`].
pub trait Model: FromValue + ToValue {
    /// The attributes the model reads and writes, in declaration order.
    const ATTRIBUTES: &'static [&'static str];

    /// Decodes a whole value (a configuration, plan or state).
    fn decode(value: &Value) -> Result<Self, ModelError> {
        Self::from_value(value, &AttributePath::root())
    }

    /// Writes this model's attributes into `object`, leaving the others as they are.
    fn write_into(&self, object: &mut Value) -> Result<(), ModelError> {
        let Value::Object(target) = object else {
            return Err(ModelError::new(
                &AttributePath::root(),
                format!("cannot write attributes into {}", a_value_of_kind(object)),
            ));
        };
        if let Value::Object(attributes) = self.to_value() {
            target.extend(attributes);
        }
        Ok(())
    }
}

/// The attributes of model `M` that `block` declares neither as an attribute nor as a nested
/// block: none for a model that fits its schema. A test beside each model calls it, so a
/// misspelt or removed attribute fails there rather than reading as null at run time.
pub fn undeclared<M: Model>(block: &Block) -> Vec<&'static str> {
    M::ATTRIBUTES
        .iter()
        .copied()
        .filter(|name| block.find_attribute(name).is_none() && block.find_block(name).is_none())
        .collect()
}

/// A value of a plan (or configuration) that may not be known until apply.
#[derive(Clone, Debug, PartialEq)]
pub enum Planned<T> {
    /// Known now.
    Known(T),
    /// Known only after apply.
    Unknown,
}

impl<T> Planned<T> {
    /// The value, if known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Planned::Known(value) => Some(value),
            Planned::Unknown => None,
        }
    }
}

impl<T: FromValue> FromValue for Planned<T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::Unknown => Ok(Planned::Unknown),
            known => T::from_value(known, path).map(Planned::Known),
        }
    }
}

impl<T: ToValue> ToValue for Planned<T> {
    fn to_value(&self) -> Value {
        match self {
            Planned::Known(value) => value.to_value(),
            Planned::Unknown => Value::Unknown,
        }
    }
}

/// The elements of a set: decoded from a set (or list) value, encoded as a set.
#[derive(Clone, Debug, PartialEq)]
pub struct SetOf<T>(pub Vec<T>);

impl<T> Default for SetOf<T> {
    fn default() -> Self {
        SetOf(Vec::new())
    }
}

impl<T> Deref for SetOf<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> DerefMut for SetOf<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

impl<T> FromIterator<T> for SetOf<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        SetOf(iter.into_iter().collect())
    }
}

impl<T: FromValue> FromValue for SetOf<T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            // A set element has no index Terraform can point at: the error names the set, and
            // the element's own error (decoded from the element's root) says where inside it.
            Value::Set(elements) | Value::List(elements) => elements
                .iter()
                .enumerate()
                .map(|(at, element)| {
                    T::from_value(element, &AttributePath::root()).map_err(|err| ModelError {
                        problem: format!("element {at}: {}", err),
                        path: path.clone(),
                    })
                })
                .collect(),
            other => Err(mismatch(path, "a set", other)),
        }
    }
}

impl<T: ToValue> ToValue for SetOf<T> {
    fn to_value(&self) -> Value {
        Value::set_of(self.0.iter().map(ToValue::to_value).collect())
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::Null => Ok(None),
            present => T::from_value(present, path).map(Some),
        }
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::List(elements) | Value::Tuple(elements) => elements
                .iter()
                .enumerate()
                .map(|(at, element)| T::from_value(element, &path.index(at)))
                .collect(),
            other => Err(mismatch(path, "a list", other)),
        }
    }
}

impl<T: ToValue> ToValue for Vec<T> {
    fn to_value(&self) -> Value {
        Value::list(self.iter().map(ToValue::to_value).collect())
    }
}

impl<T: FromValue> FromValue for BTreeMap<String, T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::Map(elements) => elements
                .iter()
                .map(|(key, element)| Ok((key.clone(), T::from_value(element, &path.key(key))?)))
                .collect(),
            other => Err(mismatch(path, "a map", other)),
        }
    }
}

impl<T: ToValue> ToValue for BTreeMap<String, T> {
    fn to_value(&self) -> Value {
        Value::map(self.iter().map(|(key, element)| (key.clone(), element.to_value())))
    }
}

/// A part of a model that is kept as a raw value (a nested block handled by other code, such
/// as `timeouts`): any value decodes, unknown included.
impl FromValue for Value {
    fn from_value(value: &Value, _path: &AttributePath) -> Result<Self, ModelError> {
        Ok(value.clone())
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl FromValue for String {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::String(text) => Ok(text.clone()),
            other => Err(mismatch(path, "a string", other)),
        }
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::string(self)
    }
}

impl FromValue for bool {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::Bool(flag) => Ok(*flag),
            other => Err(mismatch(path, "a bool", other)),
        }
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::bool(*self)
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::Number(number) => number
                .as_f64()
                .ok_or_else(|| ModelError::new(path, format!("{number:?} is not a finite number"))),
            other => Err(mismatch(path, "a number", other)),
        }
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::float(*self)
    }
}

impl FromValue for Number {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::Number(number) => Ok(number.clone()),
            other => Err(mismatch(path, "a number", other)),
        }
    }
}

impl ToValue for Number {
    fn to_value(&self) -> Value {
        Value::Number(self.clone())
    }
}

/// Whole numbers of each width: a fraction or a number out of the type's range is an error,
/// never a truncation.
macro_rules! whole_numbers {
    ($($int:ty),*) => {$(
        impl FromValue for $int {
            fn from_value(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
                let Value::Number(number) = value else {
                    return Err(mismatch(path, "a whole number", value));
                };
                number
                    .as_i64()
                    .and_then(|whole| <$int>::try_from(whole).ok())
                    .ok_or_else(|| ModelError::new(
                        path,
                        format!(
                            "expected a whole number from {} to {}, found {number:?}",
                            <$int>::MIN,
                            <$int>::MAX
                        ),
                    ))
            }
        }

        impl ToValue for $int {
            fn to_value(&self) -> Value {
                Value::int(i64::from(*self))
            }
        }
    )*};
}

whole_numbers!(i64, i32, u32, u16, u8);

/// Reads the attributes of an object value, for the code [`model!`] generates.
pub struct ObjectReader<'v> {
    attributes: &'v BTreeMap<String, Value>,
    path: &'v AttributePath,
}

impl<'v> ObjectReader<'v> {
    /// A reader of `value`, which must be an object.
    pub fn new(value: &'v Value, path: &'v AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::Object(attributes) => Ok(Self { attributes, path }),
            other => Err(mismatch(path, "an object", other)),
        }
    }

    /// Attribute `name`, decoded; an attribute the object lacks reads as null.
    pub fn attribute<T: FromValue>(&self, name: &str) -> Result<T, ModelError> {
        T::from_value(self.attributes.get(name).unwrap_or(&Value::Null), &self.path.join(name))
    }
}

fn mismatch(path: &AttributePath, expected: &str, found: &Value) -> ModelError {
    ModelError::new(path, format!("expected {expected}, found {}", a_value_of_kind(found)))
}

/// `a string value`, `an unknown value`.
fn a_value_of_kind(value: &Value) -> String {
    let kind = value.kind();
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind} value")
}

/// Declares a model: a struct whose fields are attributes of an object value, with its
/// [`FromValue`], [`ToValue`] and [`Model`] implementations. An attribute is named after its
/// field unless `#[attribute = "name"]` (after the field's doc comment) says otherwise, as for
/// `type`.
///
/// ```
/// globaldeploy_sdk::model! {
///     /// A weighted endpoint.
///     pub struct Endpoint {
///         /// Its identifier.
///         pub set_identifier: String,
///         /// Its weight.
///         pub weight: Option<u8>,
///         /// Its record type.
///         #[attribute = "type"]
///         pub rtype: String,
///     }
/// }
/// ```
#[macro_export]
macro_rules! model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $(#[attribute = $attribute:literal])?
                $field_vis:vis $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        $vis struct $name {
            $(
                $(#[doc = $doc])*
                $field_vis $field: $ty,
            )*
        }

        impl $crate::framework::model::FromValue for $name {
            fn from_value(
                value: &$crate::cty::Value,
                path: &$crate::AttributePath,
            ) -> ::std::result::Result<Self, $crate::framework::model::ModelError> {
                let object = $crate::framework::model::ObjectReader::new(value, path)?;
                Ok(Self {
                    $($field: object.attribute($crate::model!(@name $field $($attribute)?))?,)*
                })
            }
        }

        impl $crate::framework::model::ToValue for $name {
            fn to_value(&self) -> $crate::cty::Value {
                $crate::cty::Value::object([
                    $((
                        $crate::model!(@name $field $($attribute)?),
                        $crate::framework::model::ToValue::to_value(&self.$field),
                    ),)*
                ])
            }
        }

        impl $crate::framework::model::Model for $name {
            const ATTRIBUTES: &'static [&'static str] = &[$($crate::model!(@name $field $($attribute)?)),*];
        }
    };
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $attribute:literal) => { $attribute };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::model! {
        /// An alias target.
        struct Alias {
            /// Its name.
            name: String,
            /// Whether Route 53 checks it.
            evaluate_target_health: bool,
        }
    }

    crate::model! {
        /// A record with each kind of attribute.
        struct Record {
            #[attribute = "type"]
            rtype: String,
            ttl: Option<u32>,
            id: Planned<String>,
            records: Option<Vec<String>>,
            alias: Option<Alias>,
            tags: BTreeMap<String, String>,
            endpoints: SetOf<Alias>,
            timeouts: Value,
        }
    }

    fn alias(name: &str) -> Value {
        Value::object([
            ("name", Value::string(name)),
            ("evaluate_target_health", Value::bool(true)),
        ])
    }

    fn record() -> Value {
        Value::object([
            ("type", Value::string("A")),
            ("ttl", Value::int(60)),
            ("id", Value::Unknown),
            ("records", Value::list(vec![Value::string("192.0.2.1")])),
            ("alias", Value::Null),
            ("tags", Value::map([("env", Value::string("prod"))])),
            ("endpoints", Value::set_of(vec![alias("b"), alias("a")])),
            ("timeouts", Value::Null),
        ])
    }

    #[test]
    fn round_trips_every_kind_of_attribute() {
        let decoded = Record::decode(&record()).expect("fits");
        assert_eq!(decoded.rtype, "A");
        assert_eq!(decoded.ttl, Some(60));
        assert_eq!(decoded.id, Planned::Unknown);
        assert_eq!(decoded.records.as_deref(), Some(&["192.0.2.1".to_owned()][..]));
        assert_eq!(decoded.alias, None);
        assert_eq!(decoded.endpoints.len(), 2);
        assert_eq!(decoded.to_value(), record());
        assert!(matches!(decoded.to_value().get("endpoints"), Some(Value::Set(_))));
        assert_eq!(Record::ATTRIBUTES[0], "type");
    }

    #[test]
    fn errors_name_the_path_and_the_mismatch() {
        let cases = [
            (
                "ttl",
                Value::float(1.5),
                "ttl: expected a whole number from 0 to 4294967295, found Float(1.5)",
            ),
            (
                "ttl",
                Value::int(-1),
                "ttl: expected a whole number from 0 to 4294967295, found Int(-1)",
            ),
            ("type", Value::Null, "type: expected a string, found a null value"),
            (
                "type",
                Value::Unknown,
                "type: expected a string, found an unknown value",
            ),
            (
                "records",
                Value::list(vec![Value::string("a"), Value::int(1)]),
                "records[1]: expected a string, found a number value",
            ),
            (
                "tags",
                Value::map([("env", Value::bool(true))]),
                "tags[\"env\"]: expected a string, found a bool value",
            ),
            (
                "endpoints",
                Value::set_of(vec![alias("a"), Value::object([("name", Value::string("b"))])]),
                "endpoints: element 1: evaluate_target_health: expected a bool, found a null value",
            ),
        ];
        for (attribute, value, expected) in cases {
            let mut input = record();
            let Value::Object(attributes) = &mut input else {
                unreachable!("an object")
            };
            attributes.insert(attribute.to_owned(), value);
            let err = Record::decode(&input).expect_err(attribute);
            assert_eq!(err.to_string(), expected);
        }
        assert_eq!(
            Record::decode(&Value::Null).expect_err("null").to_string(),
            "expected an object, found a null value"
        );
    }

    #[test]
    fn a_decode_error_is_a_diagnostic_at_its_path() {
        let mut input = record();
        let Value::Object(attributes) = &mut input else {
            unreachable!("an object")
        };
        attributes.insert("ttl".into(), Value::string("60"));
        let diagnostic = Record::decode(&input).expect_err("a string ttl").diagnostic();
        assert_eq!(diagnostic.path, Some(AttributePath::attr("ttl")));
        assert!(diagnostic
            .detail
            .starts_with("ttl: expected a whole number, found a string value."));
    }

    #[test]
    fn names_the_attributes_a_schema_lacks() {
        use crate::framework::schema::Attribute;
        use globaldeploy_cty::Type;
        let block = Block::new("An alias.").attribute(Attribute::required("name", Type::String));
        assert_eq!(undeclared::<Alias>(&block), ["evaluate_target_health"]);
    }

    #[test]
    fn writes_its_attributes_into_an_object_only() {
        let mut state = Value::object([("other", Value::string("kept")), ("name", Value::string("old"))]);
        let alias = Alias {
            name: "new".into(),
            evaluate_target_health: false,
        };
        alias.write_into(&mut state).expect("an object");
        assert_eq!(state.get("other"), Some(&Value::string("kept")));
        assert_eq!(state.get("name"), Some(&Value::string("new")));
        let err = alias.write_into(&mut Value::Null).expect_err("null is not an object");
        assert_eq!(err.to_string(), "cannot write attributes into a null value");
    }
}
