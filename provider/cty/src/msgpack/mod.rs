//! The msgpack encoding of cty values, byte-compatible with go-cty (which Terraform uses for
//! config, plans and state in RPCs, and which rejects deviations).
//!
//! The format in brief: null is `nil`; unknown is an extension (written as `d4 00 00`; any
//! extension, including type 12 "refined unknown", reads as unknown); strings are `str`; numbers
//! are the smallest integer form when exact, else float64 when exact, else decimal text; bools are
//! `bool`; lists, sets and tuples are arrays; maps are string-keyed maps; objects are maps holding
//! exactly every attribute of the type; a known value at a `dynamic` position is the array
//! `[type JSON as bin, value]`.
//!
//! Encoding is lenient about which collection variant a value uses (a `Value::List` may fill a
//! set-typed position) and writes `nil` for object attributes the value lacks; decoding yields the
//! variant that matches the type and fills attributes missing from the input with null.

mod decode;
mod encode;

use crate::{Error, Type, Value};

/// Encodes `value` as msgpack for a position of type `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, Error> {
    encode::encode(value, ty)
}

/// Decodes msgpack holding exactly one value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, Error> {
    decode::decode(bytes, ty)
}
