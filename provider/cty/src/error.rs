//! The crate's error type.
//!
//! Every failure that concerns a position inside a value carries that position as a path string
//! (`.gate[0].interval`, `["key"]`, empty for the value itself), so a caller can tell a user
//! precisely which attribute could not be encoded or decoded.

use std::fmt;

/// Why a type or value could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input holds a kind of value the type does not allow there.
    #[error("{}: expected {expected}, found {found}", Where(.at))]
    TypeMismatch {
        /// Path of the offending value.
        at: String,
        /// What the type required, e.g. `list(string)`.
        expected: String,
        /// What was there instead, e.g. `bool`.
        found: String,
    },
    /// An object holds an attribute its type does not declare.
    #[error("{}: unexpected attribute {name:?}", Where(.at))]
    UnexpectedAttribute {
        /// Path of the object.
        at: String,
        /// The undeclared attribute.
        name: String,
    },
    /// A number is not a valid decimal number (or is NaN, which cty cannot hold).
    #[error("{}: invalid number {text:?}", Where(.at))]
    InvalidNumber {
        /// Path of the number.
        at: String,
        /// The offending text.
        text: String,
    },
    /// The msgpack input ended in the middle of a value.
    #[error("{}: msgpack input ends early", Where(.at))]
    Truncated {
        /// Path of the value being read.
        at: String,
    },
    /// The msgpack input is not well-formed for the expected type.
    #[error("{}: malformed msgpack: {reason}", Where(.at))]
    Malformed {
        /// Path of the value being read.
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// A JSON type description is not a cty type.
    #[error("{}: invalid type: {reason}", Where(.at))]
    InvalidType {
        /// Path of the value whose type was described (empty when decoding a bare type).
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// The input is not valid JSON.
    #[error("invalid JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),
    /// JSON has no representation for unknown values.
    #[error("{}: unknown values cannot be encoded as JSON", Where(.at))]
    UnknownInJson {
        /// Path of the unknown value.
        at: String,
    },
    /// Nesting exceeds the supported depth; guards the recursion against hostile input.
    #[error("{}: nesting deeper than {limit} levels", Where(.at))]
    TooDeep {
        /// Path at which the limit was hit.
        at: String,
        /// The limit.
        limit: usize,
    },
    /// A collection or string is too long for msgpack's 32-bit lengths.
    #[error("{}: too long for msgpack", Where(.at))]
    TooLarge {
        /// Path of the value.
        at: String,
    },
}

/// Renders a path for messages, naming the root explicitly.
struct Where<'a>(&'a str);

impl fmt::Display for Where<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("at the top-level value")
        } else {
            write!(f, "at {}", self.0)
        }
    }
}
