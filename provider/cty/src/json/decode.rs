//! Reading JSON into values.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::trail::{Step, Trail};
use crate::{Error, Number, Type, Value};

pub(super) fn decode(json: &Json, ty: &Type) -> Result<Value, Error> {
    Decoder {
        trail: Trail::default(),
    }
    .value(json, ty)
}

struct Decoder {
    trail: Trail,
}

impl Decoder {
    fn value(&mut self, json: &Json, ty: &Type) -> Result<Value, Error> {
        Ok(match (ty, json) {
            (_, Json::Null) => Value::Null,
            (Type::String, Json::String(text)) => Value::String(text.clone()),
            (Type::String, Json::Number(number)) => Value::String(number.to_string()),
            (Type::String, Json::Bool(flag)) => Value::String(flag.to_string()),
            (Type::Number, Json::Number(number)) => Value::Number(self.json_number(number)?),
            (Type::Number, Json::String(text)) => Value::Number(self.number(text)?),
            (Type::Bool, Json::Bool(flag)) => Value::Bool(*flag),
            (Type::Bool, Json::String(text)) if text == "true" => Value::Bool(true),
            (Type::Bool, Json::String(text)) if text == "false" => Value::Bool(false),
            (Type::Dynamic, Json::Object(wrapper)) => self.dynamic(wrapper, ty)?,
            (Type::List(element), Json::Array(elements)) => Value::List(self.elements(elements, |_| element)?),
            (Type::Set(element), Json::Array(elements)) => Value::Set(self.elements(elements, |_| element)?),
            (Type::Tuple(types), Json::Array(elements)) if types.len() == elements.len() => {
                Value::Tuple(self.elements(elements, |index| &types[index])?)
            }
            (Type::Map(element), Json::Object(elements)) => {
                let mut map = BTreeMap::new();
                for (key, item) in elements {
                    let mark = self.trail.enter(Step::Key(key))?;
                    map.insert(key.clone(), self.value(item, element)?);
                    self.trail.leave(mark);
                }
                Value::Map(map)
            }
            (Type::Object(types), Json::Object(attributes)) => {
                let mut object = BTreeMap::new();
                for (name, item) in attributes {
                    let attribute = types.get(name).ok_or_else(|| Error::UnexpectedAttribute {
                        at: self.trail.here(),
                        name: name.clone(),
                    })?;
                    let mark = self.trail.enter(Step::Attr(name))?;
                    object.insert(name.clone(), self.value(item, attribute)?);
                    self.trail.leave(mark);
                }
                for name in types.keys() {
                    object.entry(name.clone()).or_insert(Value::Null);
                }
                Value::Object(object)
            }
            _ => return Err(self.mismatch(ty.to_string(), kind(json))),
        })
    }

    /// `{"value": ..., "type": ...}`.
    fn dynamic(&mut self, wrapper: &Map<String, Json>, ty: &Type) -> Result<Value, Error> {
        let (Some(value), Some(type_json), 2) = (wrapper.get("value"), wrapper.get("type"), wrapper.len()) else {
            let expected = format!("{ty} as {{\"value\": ..., \"type\": ...}}");
            return Err(self.mismatch(expected, "an object of other shape"));
        };
        let inner = Type::from_json(type_json).map_err(|error| Error::InvalidType {
            at: self.trail.here(),
            reason: error.to_string(),
        })?;
        let mark = self.trail.enter(Step::Dynamic)?;
        let decoded = self.value(value, &inner)?;
        self.trail.leave(mark);
        Ok(decoded)
    }

    /// Array elements; `element(i)` is the type of element `i`.
    fn elements<'t>(&mut self, elements: &[Json], element: impl Fn(usize) -> &'t Type) -> Result<Vec<Value>, Error> {
        elements
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let mark = self.trail.enter(Step::Index(index))?;
                let value = self.value(item, element(index))?;
                self.trail.leave(mark);
                Ok(value)
            })
            .collect()
    }

    /// A JSON number: floats are taken as parsed (exactly, with serde_json's `float_roundtrip`)
    /// rather than re-read from their rendering, whose choice among equally short decimals may
    /// differ from the one `Number` compares by; integers beyond `i64` keep their digits.
    fn json_number(&self, number: &serde_json::Number) -> Result<Number, Error> {
        match (number.as_i64(), number.as_f64()) {
            (Some(int), _) => Ok(Number::Int(int)),
            (None, Some(float)) if number.is_f64() => Ok(Number::Float(float)),
            _ => self.number(&number.to_string()),
        }
    }

    /// A number from its decimal text.
    fn number(&self, text: &str) -> Result<Number, Error> {
        Number::parse(text).ok_or_else(|| Error::InvalidNumber {
            at: self.trail.here(),
            text: text.to_owned(),
        })
    }

    fn mismatch(&self, expected: String, found: &str) -> Error {
        Error::TypeMismatch {
            at: self.trail.here(),
            expected,
            found: found.to_owned(),
        }
    }
}

/// What a JSON value is, for type-mismatch errors.
fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}
