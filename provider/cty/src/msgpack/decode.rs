//! Reading go-cty msgpack into values, refusing anything malformed with an error that names
//! the position.

use std::collections::BTreeMap;

use rmp::Marker;

use crate::trail::{Step, Trail};
use crate::{Error, Number, Type, Value};

pub(super) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, Error> {
    let mut decoder = Decoder {
        input: bytes,
        trail: Trail::default(),
    };
    let value = decoder.value(ty)?;
    if decoder.input.is_empty() {
        Ok(value)
    } else {
        Err(decoder.malformed(format!("{} bytes after the value", decoder.input.len())))
    }
}

struct Decoder<'a> {
    /// The bytes not yet consumed.
    input: &'a [u8],
    trail: Trail,
}

impl<'a> Decoder<'a> {
    fn value(&mut self, ty: &Type) -> Result<Value, Error> {
        let marker = self.peek()?;
        if marker == Marker::Null {
            self.take(1)?;
            return Ok(Value::Null);
        }
        if let Some(len) = self.extension_len(marker)? {
            self.take(len)?;
            return Ok(Value::Unknown);
        }
        self.take(1)?;
        match ty {
            Type::String => self.string(marker, ty).map(Value::String),
            Type::Number => self.number(marker).map(Value::Number),
            Type::Bool => match marker {
                Marker::True => Ok(Value::Bool(true)),
                Marker::False => Ok(Value::Bool(false)),
                _ => Err(self.mismatch(ty, marker)),
            },
            Type::Dynamic => self.dynamic(marker, ty),
            Type::List(element) => self.elements(marker, ty, |_| element).map(Value::List),
            Type::Set(element) => self.elements(marker, ty, |_| element).map(Value::Set),
            Type::Tuple(types) => {
                let elements = self.elements(marker, ty, |index| &types[index])?;
                Ok(Value::Tuple(elements))
            }
            Type::Map(element) => {
                let elements = self.entries(marker, ty, |_, _| Ok(element))?;
                Ok(Value::Map(elements))
            }
            Type::Object(types) => {
                let mut attributes = self.entries(marker, ty, |name, trail| {
                    types.get(name).ok_or_else(|| Error::UnexpectedAttribute {
                        at: trail.here(),
                        name: name.to_owned(),
                    })
                })?;
                for name in types.keys() {
                    attributes.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(attributes))
            }
        }
    }

    /// `[type JSON, value]` after its array marker.
    fn dynamic(&mut self, marker: Marker, ty: &Type) -> Result<Value, Error> {
        let len = match self.array_len(marker) {
            Some(len) => len?,
            None => return Err(self.mismatch(ty, marker)),
        };
        if len != 2 {
            return Err(Error::TypeMismatch {
                at: self.trail.here(),
                expected: "a [type, value] pair for a dynamic value".to_owned(),
                found: format!("an array of {len} elements"),
            });
        }
        let header_marker = self.next_marker()?;
        let header_len = match header_marker {
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => self.length(header_marker)?,
            _ => self.string_len(header_marker)?.ok_or_else(|| Error::TypeMismatch {
                at: self.trail.here(),
                expected: "a type (JSON as bin or str) heading a dynamic value".to_owned(),
                found: describe(header_marker).to_owned(),
            })?,
        };
        let header = self.take(header_len)?;
        let inner = Type::from_json_bytes(header).map_err(|error| Error::InvalidType {
            at: self.trail.here(),
            reason: error.to_string(),
        })?;
        let mark = self.trail.enter(Step::Dynamic)?;
        let value = self.value(&inner)?;
        self.trail.leave(mark);
        Ok(value)
    }

    /// Array elements after the array marker; `element(i)` is the type of element `i`, which a
    /// tuple's length check guarantees exists.
    fn elements<'t>(
        &mut self,
        marker: Marker,
        ty: &Type,
        element: impl Fn(usize) -> &'t Type,
    ) -> Result<Vec<Value>, Error> {
        let len = match self.array_len(marker) {
            Some(len) => len?,
            None => return Err(self.mismatch(ty, marker)),
        };
        if let Type::Tuple(types) = ty {
            if types.len() != len {
                return Err(Error::TypeMismatch {
                    at: self.trail.here(),
                    expected: ty.to_string(),
                    found: format!("an array of {len} elements"),
                });
            }
        }
        // Every element takes at least one byte: never reserve more than the input could fill.
        let mut elements = Vec::with_capacity(len.min(self.input.len()));
        for index in 0..len {
            let mark = self.trail.enter(Step::Index(index))?;
            elements.push(self.value(element(index))?);
            self.trail.leave(mark);
        }
        Ok(elements)
    }

    /// String-keyed map entries after the map marker; `element` gives each key's value type.
    fn entries<'t>(
        &mut self,
        marker: Marker,
        ty: &Type,
        element: impl Fn(&str, &Trail) -> Result<&'t Type, Error>,
    ) -> Result<BTreeMap<String, Value>, Error> {
        let len = match marker {
            Marker::FixMap(len) => usize::from(len),
            Marker::Map16 | Marker::Map32 => self.length(marker)?,
            _ => return Err(self.mismatch(ty, marker)),
        };
        let is_object = matches!(ty, Type::Object(_));
        let mut entries = BTreeMap::new();
        for _ in 0..len {
            let key_marker = self.next_marker()?;
            let key = self.string(key_marker, &Type::String)?;
            let mark = self
                .trail
                .enter(if is_object { Step::Attr(&key) } else { Step::Key(&key) })?;
            let value_type = element(&key, &self.trail)?;
            let value = self.value(value_type)?;
            self.trail.leave(mark);
            if entries.insert(key.clone(), value).is_some() {
                return Err(self.malformed(format!("key {key:?} appears twice")));
            }
        }
        Ok(entries)
    }

    fn string(&mut self, marker: Marker, ty: &Type) -> Result<String, Error> {
        let len = self.string_len(marker)?.ok_or_else(|| self.mismatch(ty, marker))?;
        let bytes = self.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(_) => Err(self.malformed("string is not valid UTF-8".to_owned())),
        }
    }

    fn number(&mut self, marker: Marker) -> Result<Number, Error> {
        let int = |value: i64| Ok(Number::Int(value));
        match marker {
            Marker::FixPos(value) => int(i64::from(value)),
            Marker::FixNeg(value) => int(i64::from(value)),
            Marker::U8 => int(i64::from(self.array::<1>()?[0])),
            Marker::U16 => int(i64::from(u16::from_be_bytes(self.array()?))),
            Marker::U32 => int(i64::from(u32::from_be_bytes(self.array()?))),
            Marker::U64 => {
                let value = u64::from_be_bytes(self.array()?);
                Ok(i64::try_from(value).map_or_else(|_| Number::Big(value.to_string()), Number::Int))
            }
            Marker::I8 => int(i64::from(i8::from_be_bytes(self.array()?))),
            Marker::I16 => int(i64::from(i16::from_be_bytes(self.array()?))),
            Marker::I32 => int(i64::from(i32::from_be_bytes(self.array()?))),
            Marker::I64 => int(i64::from_be_bytes(self.array()?)),
            Marker::F32 => {
                let value = f32::from_be_bytes(self.array()?);
                self.float(f64::from(value))
            }
            Marker::F64 => {
                let value = f64::from_be_bytes(self.array()?);
                self.float(value)
            }
            _ => {
                let text = self.string(marker, &Type::Number)?;
                Number::parse(&text).ok_or_else(|| Error::InvalidNumber {
                    at: self.trail.here(),
                    text,
                })
            }
        }
    }

    fn float(&self, value: f64) -> Result<Number, Error> {
        if value.is_nan() {
            Err(Error::InvalidNumber {
                at: self.trail.here(),
                text: "NaN".to_owned(),
            })
        } else {
            Ok(Number::Float(value))
        }
    }

    /// The payload length (type byte included) of an extension, if `marker` starts one; the
    /// marker itself is consumed only in that case.
    fn extension_len(&mut self, marker: Marker) -> Result<Option<usize>, Error> {
        let fixed = match marker {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 | Marker::Ext16 | Marker::Ext32 => {
                self.take(1)?;
                return Ok(Some(self.length(marker)? + 1));
            }
            _ => return Ok(None),
        };
        self.take(1)?;
        Ok(Some(fixed + 1))
    }

    /// The element count of an array marker (reading a following length if there is one).
    fn array_len(&mut self, marker: Marker) -> Option<Result<usize, Error>> {
        match marker {
            Marker::FixArray(len) => Some(Ok(usize::from(len))),
            Marker::Array16 | Marker::Array32 => Some(self.length(marker)),
            _ => None,
        }
    }

    /// The byte length of a string marker, or `None` if `marker` is not a string.
    fn string_len(&mut self, marker: Marker) -> Result<Option<usize>, Error> {
        match marker {
            Marker::FixStr(len) => Ok(Some(usize::from(len))),
            Marker::Str8 | Marker::Str16 | Marker::Str32 => self.length(marker).map(Some),
            _ => Ok(None),
        }
    }

    /// Reads the big-endian length that follows a variable-length marker.
    fn length(&mut self, marker: Marker) -> Result<usize, Error> {
        let len = match marker {
            Marker::Str8 | Marker::Bin8 | Marker::Ext8 => u32::from(self.array::<1>()?[0]),
            Marker::Str16 | Marker::Bin16 | Marker::Ext16 | Marker::Array16 | Marker::Map16 => {
                u32::from(u16::from_be_bytes(self.array()?))
            }
            _ => u32::from_be_bytes(self.array()?),
        };
        usize::try_from(len).map_err(|_| Error::TooLarge { at: self.trail.here() })
    }

    fn peek(&self) -> Result<Marker, Error> {
        match self.input.first() {
            Some(&byte) => Ok(Marker::from_u8(byte)),
            None => Err(self.truncated()),
        }
    }

    fn next_marker(&mut self) -> Result<Marker, Error> {
        let marker = self.peek()?;
        self.take(1)?;
        Ok(marker)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], Error> {
        if len > self.input.len() {
            return Err(self.truncated());
        }
        let (taken, rest) = self.input.split_at(len);
        self.input = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let bytes = self.take(N)?;
        bytes.try_into().map_err(|_| self.truncated())
    }

    fn truncated(&self) -> Error {
        Error::Truncated { at: self.trail.here() }
    }

    fn malformed(&self, reason: String) -> Error {
        Error::Malformed {
            at: self.trail.here(),
            reason,
        }
    }

    fn mismatch(&self, ty: &Type, marker: Marker) -> Error {
        Error::TypeMismatch {
            at: self.trail.here(),
            expected: ty.to_string(),
            found: describe(marker).to_owned(),
        }
    }
}

/// What a marker introduces, for type-mismatch errors.
fn describe(marker: Marker) -> &'static str {
    match marker {
        Marker::Null => "nil",
        Marker::True | Marker::False => "bool",
        Marker::FixPos(_)
        | Marker::FixNeg(_)
        | Marker::U8
        | Marker::U16
        | Marker::U32
        | Marker::U64
        | Marker::I8
        | Marker::I16
        | Marker::I32
        | Marker::I64 => "integer",
        Marker::F32 | Marker::F64 => "float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "binary",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "map",
        Marker::FixExt1
        | Marker::FixExt2
        | Marker::FixExt4
        | Marker::FixExt8
        | Marker::FixExt16
        | Marker::Ext8
        | Marker::Ext16
        | Marker::Ext32 => "extension",
        Marker::Reserved => "the reserved byte 0xc1",
    }
}
