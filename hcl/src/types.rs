//! Type constraints of `variable` blocks (`string`, `list(string)`, `map(object({...}))`,
//! `optional(T, default)`) and the conversions Terraform applies with them: primitives from
//! text, and the defaults of optional object attributes.

use std::collections::BTreeMap;

use hcl::edit::expr::{Expression, ObjectKey};

use crate::value::Value;
use crate::variables::constant;

/// A type constraint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Type {
    /// No constraint, or `any`.
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, Attribute>),
}

/// An attribute of an object type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Attribute {
    pub ty: Type,
    /// `optional(...)`: may be absent.
    pub optional: bool,
    /// `optional(T, default)`: what an absent attribute becomes.
    pub default: Option<Value>,
}

impl Type {
    /// Parses a `type = ...` expression.
    pub fn parse(expr: &Expression) -> Result<Type, String> {
        match expr {
            Expression::Variable(name) => match name.as_str() {
                "any" => Ok(Type::Any),
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                other => Err(format!("{other:?} is not a type")),
            },
            Expression::FuncCall(call) => {
                let args: Vec<&Expression> = call.args.iter().collect();
                let one = || match args.as_slice() {
                    [arg] => Type::parse(arg).map(Box::new),
                    _ => Err(format!("{}(...) takes one type", call.name.name.as_str())),
                };
                match call.name.name.as_str() {
                    "list" => one().map(Type::List),
                    "set" => one().map(Type::Set),
                    "map" => one().map(Type::Map),
                    "tuple" => match args.as_slice() {
                        [Expression::Array(items)] => {
                            items.iter().map(Type::parse).collect::<Result<_, _>>().map(Type::Tuple)
                        }
                        _ => Err("tuple(...) takes a list of types".to_owned()),
                    },
                    "object" => match args.as_slice() {
                        [Expression::Object(object)] => {
                            let mut attributes = BTreeMap::new();
                            for (key, value) in object.iter() {
                                let name = match key {
                                    ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                                    ObjectKey::Expression(_) => {
                                        return Err("object attribute names must be names".to_owned())
                                    }
                                };
                                attributes.insert(name, Attribute::parse(value.expr())?);
                            }
                            Ok(Type::Object(attributes))
                        }
                        _ => Err("object(...) takes an object of attribute types".to_owned()),
                    },
                    other => Err(format!("{other}(...) is not a type")),
                }
            }
            _ => Err("expected a type such as string, list(string) or object({...})".to_owned()),
        }
    }

    /// Whether text (`-var`, `TF_VAR_`) is taken literally rather than parsed as HCL.
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Any | Type::String | Type::Number | Type::Bool)
    }

    /// Converts `value` to this type, filling optional attributes' defaults.
    pub fn convert(&self, value: Value) -> Result<Value, String> {
        match (self, value) {
            (_, Value::Null) => Ok(Value::Null),
            (_, Value::Unknown) => Ok(Value::Unknown),
            (_, Value::Sensitive(inner)) => self.convert(*inner).map(Value::sensitive),
            (Type::Any, v) => Ok(v),
            (Type::String, Value::Number(n)) => Ok(Value::String(n.to_string())),
            (Type::String, Value::Bool(b)) => Ok(Value::String(b.to_string())),
            (Type::Number, Value::String(s)) => serde_json::from_str::<serde_json::Number>(s.trim())
                .map(Value::Number)
                .map_err(|_| format!("{s:?} is not a number")),
            (Type::Bool, Value::String(s)) => match s.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("{s:?} is not a bool (true or false)")),
            },
            (Type::String, v @ Value::String(_))
            | (Type::Number, v @ Value::Number(_))
            | (Type::Bool, v @ Value::Bool(_)) => Ok(v),
            (Type::List(element), Value::List(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| element.convert(v).map_err(|e| format!("[{i}]: {e}")))
                .collect::<Result<_, _>>()
                .map(Value::List),
            (Type::Set(element), Value::List(items)) => {
                let mut out: Vec<Value> = Vec::new();
                for item in items {
                    let item = element.convert(item)?;
                    if !out.contains(&item) {
                        out.push(item);
                    }
                }
                // Terraform orders sets of strings lexically.
                if out.iter().all(|v| matches!(v, Value::String(_))) {
                    out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                }
                Ok(Value::List(out))
            }
            (Type::Tuple(types), Value::List(items)) if types.len() == items.len() => types
                .iter()
                .zip(items)
                .map(|(t, v)| t.convert(v))
                .collect::<Result<_, _>>()
                .map(Value::List),
            (Type::Map(element), Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| {
                    element
                        .convert(v)
                        .map(|v| (k.clone(), v))
                        .map_err(|e| format!("[{k:?}]: {e}"))
                })
                .collect::<Result<_, _>>()
                .map(Value::Object),
            (Type::Object(attributes), Value::Object(mut map)) => {
                let mut out = BTreeMap::new();
                for (name, attribute) in attributes {
                    let value = match map.remove(name) {
                        Some(Value::Null) | None if attribute.optional => {
                            attribute.default.clone().unwrap_or(Value::Null)
                        }
                        None => return Err(format!("attribute {name:?} is required")),
                        Some(value) => value,
                    };
                    let converted = attribute.ty.convert(value).map_err(|e| format!(".{name}: {e}"))?;
                    out.insert(name.clone(), converted);
                }
                Ok(Value::Object(out))
            }
            (ty, other) => Err(format!("expected {}, found {}", ty.describe(), describe(&other))),
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Type::Any => "any value",
            Type::String => "a string",
            Type::Number => "a number",
            Type::Bool => "a bool",
            Type::List(_) | Type::Set(_) | Type::Tuple(_) => "a list",
            Type::Map(_) | Type::Object(_) => "an object",
        }
    }
}

impl Attribute {
    fn parse(expr: &Expression) -> Result<Attribute, String> {
        let Expression::FuncCall(call) = expr else {
            return Type::parse(expr).map(|ty| Attribute {
                ty,
                optional: false,
                default: None,
            });
        };
        if call.name.name.as_str() != "optional" {
            return Type::parse(expr).map(|ty| Attribute {
                ty,
                optional: false,
                default: None,
            });
        }
        let args: Vec<&Expression> = call.args.iter().collect();
        let (ty, default) = match args.as_slice() {
            [ty] => (Type::parse(ty)?, None),
            [ty, default] => {
                let ty = Type::parse(ty)?;
                let default = ty
                    .convert(constant(default)?)
                    .map_err(|e| format!("the default: {e}"))?;
                (ty, Some(default))
            }
            _ => return Err("optional(...) takes a type and an optional default".to_owned()),
        };
        Ok(Attribute {
            ty,
            optional: true,
            default,
        })
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Object(_) => "an object",
        Value::Unknown => "an unknown value",
        Value::Sensitive(inner) => describe(inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> Type {
        Type::parse(&hcl::edit::parser::parse_expr(text).unwrap()).unwrap()
    }

    fn value(text: &str) -> Value {
        constant(&hcl::edit::parser::parse_expr(text).unwrap()).unwrap()
    }

    #[test]
    fn optional_attributes_take_their_defaults() {
        let schedule =
            ty(r#"object({ steps = optional(list(number), [10, 100]), name = string, note = optional(string) })"#);
        assert_eq!(
            schedule.convert(value(r#"{ name = "x", extra = 1 }"#)),
            Ok(value(r#"{ name = "x", note = null, steps = [10, 100] }"#))
        );
        assert!(schedule
            .convert(value("{}"))
            .unwrap_err()
            .contains("\"name\" is required"));
    }

    #[test]
    fn collections_convert_their_elements() {
        assert_eq!(
            ty("map(number)").convert(value(r#"{ a = "1" }"#)),
            Ok(value("{ a = 1 }"))
        );
        assert_eq!(
            ty("set(string)").convert(value(r#"["b", "a", "b"]"#)),
            Ok(value(r#"["a", "b"]"#))
        );
        assert!(ty("list(number)")
            .convert(value(r#"["x"]"#))
            .unwrap_err()
            .contains("[0]"));
        assert!(Type::parse(&hcl::edit::parser::parse_expr("strin").unwrap()).is_err());
    }
}
