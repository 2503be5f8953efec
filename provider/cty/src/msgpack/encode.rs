//! Writing values as go-cty msgpack.

use std::convert::Infallible;

use rmp::encode::{self as write, ByteBuf, ValueWriteError};

use crate::number::WireNumber;
use crate::trail::{Step, Trail};
use crate::{Error, Type, Value};

/// go-cty's unknown value: a fixext1 of extension type 0 with a zero byte.
const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

pub(super) fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, Error> {
    let mut encoder = Encoder {
        out: ByteBuf::new(),
        trail: Trail::default(),
    };
    encoder.value(value, ty)?;
    Ok(encoder.out.into_vec())
}

struct Encoder {
    out: ByteBuf,
    trail: Trail,
}

impl Encoder {
    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), Error> {
        match (ty, value) {
            (_, Value::Null) => written(write::write_nil(&mut self.out).map_err(ValueWriteError::InvalidMarkerWrite)),
            (_, Value::Unknown) => self.out.as_mut_vec().extend_from_slice(&UNKNOWN),
            (Type::String, Value::String(text)) => self.string(text)?,
            (Type::Number, Value::Number(number)) => match number.wire() {
                Some(WireNumber::Int(int)) => {
                    written(write::write_sint(&mut self.out, int));
                }
                Some(WireNumber::Float(float)) => written(write::write_f64(&mut self.out, float)),
                Some(WireNumber::Text(text)) => self.string(text)?,
                None => {
                    return Err(Error::InvalidNumber {
                        at: self.trail.here(),
                        text: format!("{number:?}"),
                    })
                }
            },
            (Type::Bool, Value::Bool(flag)) => {
                written(write::write_bool(&mut self.out, *flag).map_err(ValueWriteError::InvalidMarkerWrite));
            }
            (Type::Dynamic, _) => self.dynamic(value)?,
            (
                Type::List(element) | Type::Set(element),
                Value::List(elements) | Value::Set(elements) | Value::Tuple(elements),
            ) => {
                self.array_len(elements.len())?;
                for (index, item) in elements.iter().enumerate() {
                    let mark = self.trail.enter(Step::Index(index))?;
                    self.value(item, element)?;
                    self.trail.leave(mark);
                }
            }
            (Type::Tuple(types), Value::List(elements) | Value::Set(elements) | Value::Tuple(elements))
                if types.len() == elements.len() =>
            {
                self.array_len(elements.len())?;
                for (index, (item, element)) in elements.iter().zip(types).enumerate() {
                    let mark = self.trail.enter(Step::Index(index))?;
                    self.value(item, element)?;
                    self.trail.leave(mark);
                }
            }
            (Type::Map(element), Value::Map(elements) | Value::Object(elements)) => {
                self.map_len(elements.len())?;
                for (key, item) in elements {
                    self.string(key)?;
                    let mark = self.trail.enter(Step::Key(key))?;
                    self.value(item, element)?;
                    self.trail.leave(mark);
                }
            }
            (Type::Object(types), Value::Object(attributes) | Value::Map(attributes)) => {
                if let Some(name) = attributes.keys().find(|name| !types.contains_key(*name)) {
                    return Err(Error::UnexpectedAttribute {
                        at: self.trail.here(),
                        name: name.clone(),
                    });
                }
                self.map_len(types.len())?;
                for (name, attribute) in types {
                    self.string(name)?;
                    let mark = self.trail.enter(Step::Attr(name))?;
                    self.value(attributes.get(name).unwrap_or(&Value::Null), attribute)?;
                    self.trail.leave(mark);
                }
            }
            _ => {
                return Err(Error::TypeMismatch {
                    at: self.trail.here(),
                    expected: ty.to_string(),
                    found: value.kind().to_owned(),
                })
            }
        }
        Ok(())
    }

    /// A known value at a dynamic position: `[type JSON as bin, value]`.
    fn dynamic(&mut self, value: &Value) -> Result<(), Error> {
        let ty = value.infer_type();
        let header = ty.to_json_bytes();
        self.array_len(2)?;
        let len = self.length(header.len())?;
        written(write::write_bin_len(&mut self.out, len));
        self.out.as_mut_vec().extend_from_slice(&header);
        let mark = self.trail.enter(Step::Dynamic)?;
        self.value(value, &ty)?;
        self.trail.leave(mark);
        Ok(())
    }

    fn string(&mut self, text: &str) -> Result<(), Error> {
        let len = self.length(text.len())?;
        written(write::write_str_len(&mut self.out, len));
        self.out.as_mut_vec().extend_from_slice(text.as_bytes());
        Ok(())
    }

    fn array_len(&mut self, len: usize) -> Result<(), Error> {
        let len = self.length(len)?;
        written(write::write_array_len(&mut self.out, len));
        Ok(())
    }

    fn map_len(&mut self, len: usize) -> Result<(), Error> {
        let len = self.length(len)?;
        written(write::write_map_len(&mut self.out, len));
        Ok(())
    }

    fn length(&self, len: usize) -> Result<u32, Error> {
        u32::try_from(len).map_err(|_| Error::TooLarge { at: self.trail.here() })
    }
}

/// Unwraps a write into the in-memory buffer, which cannot fail (its error type is uninhabited).
fn written<T>(result: Result<T, ValueWriteError<Infallible>>) {
    match result {
        Ok(_) => {}
        Err(ValueWriteError::InvalidMarkerWrite(never) | ValueWriteError::InvalidDataWrite(never)) => match never {},
    }
}
