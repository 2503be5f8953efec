//! Writing values as JSON.

use serde_json::{Map, Value as Json};

use crate::number::WireNumber;
use crate::trail::{Step, Trail};
use crate::{Error, Type, Value};

pub(super) fn encode(value: &Value, ty: &Type) -> Result<Json, Error> {
    Encoder {
        trail: Trail::default(),
    }
    .value(value, ty)
}

struct Encoder {
    trail: Trail,
}

impl Encoder {
    fn value(&mut self, value: &Value, ty: &Type) -> Result<Json, Error> {
        Ok(match (ty, value) {
            (_, Value::Null) => Json::Null,
            (_, Value::Unknown) => return Err(Error::UnknownInJson { at: self.trail.here() }),
            (Type::String, Value::String(text)) => Json::String(text.clone()),
            (Type::Number, Value::Number(number)) => {
                let json = match number.wire() {
                    Some(WireNumber::Int(int)) => Some(Json::from(int)),
                    Some(WireNumber::Float(float)) => serde_json::Number::from_f64(float).map(Json::Number),
                    Some(WireNumber::Text(text)) => Some(Json::String(text.to_owned())),
                    None => None,
                };
                json.ok_or_else(|| Error::InvalidNumber {
                    at: self.trail.here(),
                    text: format!("{number:?}"),
                })?
            }
            (Type::Bool, Value::Bool(flag)) => Json::Bool(*flag),
            (Type::Dynamic, _) => {
                let inferred = value.infer_type();
                let mark = self.trail.enter(Step::Dynamic)?;
                let inner = self.value(value, &inferred)?;
                self.trail.leave(mark);
                let mut wrapper = Map::new();
                wrapper.insert("value".to_owned(), inner);
                wrapper.insert("type".to_owned(), inferred.to_json());
                Json::Object(wrapper)
            }
            (
                Type::List(element) | Type::Set(element),
                Value::List(elements) | Value::Set(elements) | Value::Tuple(elements),
            ) => Json::Array(self.elements(elements, |_| element)?),
            (Type::Tuple(types), Value::List(elements) | Value::Set(elements) | Value::Tuple(elements))
                if types.len() == elements.len() =>
            {
                Json::Array(self.elements(elements, |index| &types[index])?)
            }
            (Type::Map(element), Value::Map(elements) | Value::Object(elements)) => {
                let mut object = Map::new();
                for (key, item) in elements {
                    let mark = self.trail.enter(Step::Key(key))?;
                    object.insert(key.clone(), self.value(item, element)?);
                    self.trail.leave(mark);
                }
                Json::Object(object)
            }
            (Type::Object(types), Value::Object(attributes) | Value::Map(attributes)) => {
                if let Some(name) = attributes.keys().find(|name| !types.contains_key(*name)) {
                    return Err(Error::UnexpectedAttribute {
                        at: self.trail.here(),
                        name: name.clone(),
                    });
                }
                let mut object = Map::new();
                for (name, attribute) in types {
                    let mark = self.trail.enter(Step::Attr(name))?;
                    let item = attributes.get(name).unwrap_or(&Value::Null);
                    object.insert(name.clone(), self.value(item, attribute)?);
                    self.trail.leave(mark);
                }
                Json::Object(object)
            }
            _ => {
                return Err(Error::TypeMismatch {
                    at: self.trail.here(),
                    expected: ty.to_string(),
                    found: value.kind().to_owned(),
                })
            }
        })
    }

    /// Array elements; `element(i)` is the type of element `i`.
    fn elements<'t>(&mut self, elements: &[Value], element: impl Fn(usize) -> &'t Type) -> Result<Vec<Json>, Error> {
        elements
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let mark = self.trail.enter(Step::Index(index))?;
                let json = self.value(item, element(index))?;
                self.trail.leave(mark);
                Ok(json)
            })
            .collect()
    }
}
