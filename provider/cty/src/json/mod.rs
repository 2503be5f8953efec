//! The JSON encoding of cty values, as in Terraform state and go-cty's `ctyjson`.
//!
//! Null is `null`; strings, numbers and bools are themselves (numbers that neither an `i64` nor a
//! float64 holds exactly are written as decimal strings, which go-cty reads back as numbers);
//! lists, sets and tuples are arrays; maps and objects are objects; a known value at a `dynamic`
//! position is `{"value": ..., "type": <type JSON>}`. Unknown values have no JSON form and are an
//! error.
//!
//! Decoding is lenient in the ways go-cty is: object attributes missing from the input become
//! null (attributes the type lacks are an error), numbers and bools may be given as strings, and
//! numbers and bools where a string is expected are taken as their text.

mod decode;
mod encode;

use serde_json::Value as Json;

use crate::{Error, Type, Value};

/// Encodes `value` as JSON for a position of type `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Json, Error> {
    encode::encode(value, ty)
}

/// Decodes a JSON value of type `ty`.
pub fn decode(json: &Json, ty: &Type) -> Result<Value, Error> {
    decode::decode(json, ty)
}

/// Decodes JSON text holding a value of type `ty`.
pub fn decode_bytes(bytes: &[u8], ty: &Type) -> Result<Value, Error> {
    let json: Json = serde_json::from_slice(bytes).map_err(Error::InvalidJson)?;
    decode(&json, ty)
}
