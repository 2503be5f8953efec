//! cty types and their JSON notation.
//!
//! Terraform describes attribute types in schemas as JSON (`"string"`, `["list","string"]`,
//! `["object",{"a":"number"}]`, ...) and embeds the same notation in msgpack and JSON values of
//! dynamic type. A malformed type crashes Terraform, so encoding is exact and decoding is strict,
//! except for the optional-attributes list Terraform may append to object types, which is
//! accepted and ignored.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value as Json;

use crate::trail::MAX_DEPTH;
use crate::Error;

/// A cty type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// A Unicode string.
    String,
    /// An arbitrary-precision number.
    Number,
    /// A boolean.
    Bool,
    /// Any type, chosen per value (`any` in Terraform's language).
    Dynamic,
    /// An ordered sequence of elements of one type.
    List(Box<Type>),
    /// An unordered collection of distinct elements of one type.
    Set(Box<Type>),
    /// String-keyed elements of one type.
    Map(Box<Type>),
    /// Named attributes, each with its own type.
    Object(BTreeMap<String, Type>),
    /// A fixed-length sequence, each position with its own type.
    Tuple(Vec<Type>),
}

impl Type {
    /// `list(element)`.
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    /// `set(element)`.
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    /// `map(element)`.
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// `object({...})` from `(name, type)` pairs.
    pub fn object<K, I>(attributes: I) -> Type
    where
        K: Into<String>,
        I: IntoIterator<Item = (K, Type)>,
    {
        Type::Object(attributes.into_iter().map(|(name, ty)| (name.into(), ty)).collect())
    }

    /// The JSON notation: `"string"`, `["list","string"]`, `["object",{"a":"number"}]`,
    /// `["tuple",["string","bool"]]`, `"dynamic"`.
    pub fn to_json(&self) -> Json {
        let pair = |kind: &str, inner: Json| Json::Array(vec![Json::from(kind), inner]);
        match self {
            Type::String => Json::from("string"),
            Type::Number => Json::from("number"),
            Type::Bool => Json::from("bool"),
            Type::Dynamic => Json::from("dynamic"),
            Type::List(element) => pair("list", element.to_json()),
            Type::Set(element) => pair("set", element.to_json()),
            Type::Map(element) => pair("map", element.to_json()),
            Type::Object(attributes) => pair(
                "object",
                Json::Object(
                    attributes
                        .iter()
                        .map(|(name, ty)| (name.clone(), ty.to_json()))
                        .collect(),
                ),
            ),
            Type::Tuple(elements) => pair("tuple", elements.iter().map(Type::to_json).collect()),
        }
    }

    /// The JSON notation as compact bytes, as a schema attribute's `type` field wants it.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Reads the JSON notation.
    pub fn from_json(json: &Json) -> Result<Type, Error> {
        parse(json, 0).map_err(|reason| Error::InvalidType {
            at: String::new(),
            reason,
        })
    }

    /// Reads the JSON notation from bytes.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Type, Error> {
        let json: Json = serde_json::from_slice(bytes).map_err(Error::InvalidJson)?;
        Type::from_json(&json)
    }
}

/// Parses one type, returning a human-readable reason on failure.
fn parse(json: &Json, depth: usize) -> Result<Type, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
    }
    let inner = |json: &Json| parse(json, depth + 1);
    match json {
        Json::String(name) => match name.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(format!("unknown primitive type {other:?}")),
        },
        Json::Array(parts) => {
            let (kind, argument, rest) = match parts.as_slice() {
                [Json::String(kind), argument, rest @ ..] => (kind.as_str(), argument, rest),
                _ => return Err("a compound type must be [\"kind\", argument]".to_owned()),
            };
            match (kind, argument, rest) {
                ("list", element, []) => Ok(Type::list(inner(element)?)),
                ("set", element, []) => Ok(Type::set(inner(element)?)),
                ("map", element, []) => Ok(Type::map(inner(element)?)),
                ("object", Json::Object(attributes), [] | [Json::Array(_)]) => attributes
                    .iter()
                    .map(|(name, ty)| Ok((name.clone(), inner(ty)?)))
                    .collect::<Result<_, String>>()
                    .map(Type::Object),
                ("tuple", Json::Array(elements), []) => elements
                    .iter()
                    .map(inner)
                    .collect::<Result<_, String>>()
                    .map(Type::Tuple),
                _ => Err(format!("malformed {kind:?} type {json}")),
            }
        }
        other => Err(format!("expected a string or array, found {other}")),
    }
}

/// Terraform-language notation, used in error messages: `list(string)`,
/// `object({a = number})`, `tuple([string, bool])`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(element) => write!(f, "list({element})"),
            Type::Set(element) => write!(f, "set({element})"),
            Type::Map(element) => write!(f, "map({element})"),
            Type::Object(attributes) => {
                f.write_str("object({")?;
                for (i, (name, ty)) in attributes.iter().enumerate() {
                    let separator = if i == 0 { "" } else { ", " };
                    write!(f, "{separator}{name} = {ty}")?;
                }
                f.write_str("})")
            }
            Type::Tuple(elements) => {
                f.write_str("tuple([")?;
                for (i, ty) in elements.iter().enumerate() {
                    let separator = if i == 0 { "" } else { ", " };
                    write!(f, "{separator}{ty}")?;
                }
                f.write_str("])")
            }
        }
    }
}
