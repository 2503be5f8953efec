//! Inferring a type from a value, for values at dynamic-typed positions.
//!
//! Decoding a dynamic position yields the plain inner value and forgets the type the sender
//! named, so encoding one must reconstruct a type from the value alone. Inference is shallow
//! where the value gives nothing to go on: null and unknown infer `dynamic`, and an empty list,
//! set or map infers `list(dynamic)` / `set(dynamic)` / `map(dynamic)` — so a value re-encoded at
//! a dynamic position round-trips as a value, but not necessarily with the exact type it arrived
//! with.

use crate::{Type, Value};

impl Value {
    /// The type this value is encoded with at a dynamic position. A collection's element type
    /// unifies its elements' inferred types, and is `dynamic` if they conflict.
    pub fn infer_type(&self) -> Type {
        match self {
            Value::Null | Value::Unknown => Type::Dynamic,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(elements) => Type::list(element_type(elements)),
            Value::Set(elements) => Type::set(element_type(elements)),
            Value::Map(elements) => Type::map(element_type(elements.values())),
            Value::Object(attributes) => Type::Object(
                attributes
                    .iter()
                    .map(|(name, value)| (name.clone(), value.infer_type()))
                    .collect(),
            ),
            Value::Tuple(elements) => Type::Tuple(elements.iter().map(Value::infer_type).collect()),
        }
    }
}

/// The type every element fits: their inferred types unified, or `dynamic` when they conflict
/// (each element then carries its own type on the wire).
fn element_type<'a, I>(elements: I) -> Type
where
    I: IntoIterator<Item = &'a Value>,
    I::IntoIter: Clone,
{
    let elements = elements.into_iter();
    let unified = elements
        .clone()
        .try_fold(Type::Dynamic, |unified, element| unify(unified, element.infer_type()));
    match unified {
        // Unification reads every `dynamic` as a wildcard, including one that stands for a
        // conflict deeper down; checking each element against the result catches those.
        Some(ty) if elements.into_iter().all(|element| fits(element, &ty)) => ty,
        _ => Type::Dynamic,
    }
}

/// Whether `value` encodes at `ty` and decodes back as the same variants.
fn fits(value: &Value, ty: &Type) -> bool {
    let all_fit = |elements: &[Value], element: &Type| elements.iter().all(|v| fits(v, element));
    match (ty, value) {
        (Type::Dynamic, _) | (_, Value::Null | Value::Unknown) => true,
        (Type::String, Value::String(_)) | (Type::Number, Value::Number(_)) | (Type::Bool, Value::Bool(_)) => true,
        (Type::List(element), Value::List(elements)) | (Type::Set(element), Value::Set(elements)) => {
            all_fit(elements, element)
        }
        (Type::Map(element), Value::Map(elements)) => elements.values().all(|v| fits(v, element)),
        (Type::Object(types), Value::Object(attributes)) => {
            types.keys().eq(attributes.keys()) && types.values().zip(attributes.values()).all(|(t, v)| fits(v, t))
        }
        (Type::Tuple(types), Value::Tuple(elements)) => {
            types.len() == elements.len() && types.iter().zip(elements).all(|(t, v)| fits(v, t))
        }
        _ => false,
    }
}

/// The most specific type both inferred types fit, treating `dynamic` (inferred from null,
/// unknown or emptiness) as fitting anything; `None` when they conflict.
fn unify(a: Type, b: Type) -> Option<Type> {
    Some(match (a, b) {
        (Type::Dynamic, other) | (other, Type::Dynamic) => other,
        (Type::List(a), Type::List(b)) => Type::list(unify(*a, *b)?),
        (Type::Set(a), Type::Set(b)) => Type::set(unify(*a, *b)?),
        (Type::Map(a), Type::Map(b)) => Type::map(unify(*a, *b)?),
        (Type::Object(a), Type::Object(b)) if a.keys().eq(b.keys()) => Type::Object(
            a.into_iter()
                .zip(b.into_values())
                .map(|((name, a), b)| Some((name, unify(a, b)?)))
                .collect::<Option<_>>()?,
        ),
        (Type::Tuple(a), Type::Tuple(b)) if a.len() == b.len() => {
            Type::Tuple(a.into_iter().zip(b).map(|(a, b)| unify(a, b)).collect::<Option<_>>()?)
        }
        (a, b) if a == b => a,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::{Type, Value};

    #[test]
    fn element_types_unify_and_fall_back_to_dynamic_on_conflict() {
        let nested = Value::list(vec![
            Value::list(vec![]),
            Value::list(vec![Value::Null]),
            Value::list(vec![Value::from("a")]),
        ]);
        assert_eq!(nested.infer_type(), Type::list(Type::list(Type::String)));
        let mixed = Value::list(vec![Value::from("a"), Value::int(1), Value::from("b")]);
        assert_eq!(mixed.infer_type(), Type::list(Type::Dynamic));
        // The first element's `list(dynamic)` stands for a conflict, not for emptiness.
        let deep = Value::list(vec![
            Value::list(vec![Value::from("a"), Value::int(1)]),
            Value::list(vec![Value::from("b")]),
        ]);
        assert_eq!(deep.infer_type(), Type::list(Type::Dynamic));
        let shapes = Value::set_of(vec![
            Value::object([("a", Value::int(1))]),
            Value::object([("b", Value::int(1))]),
        ]);
        assert_eq!(shapes.infer_type(), Type::set(Type::Dynamic));
    }

    #[test]
    fn infers_structure_and_skips_nulls_for_element_types() {
        let value = Value::object([
            ("tags", Value::map([("a", Value::Null), ("b", Value::from("x"))])),
            ("pair", Value::Tuple(vec![Value::int(1), Value::Unknown])),
            ("empty", Value::list(vec![])),
        ]);
        assert_eq!(
            value.infer_type(),
            Type::object([
                ("tags", Type::map(Type::String)),
                ("pair", Type::Tuple(vec![Type::Number, Type::Dynamic])),
                ("empty", Type::list(Type::Dynamic)),
            ])
        );
    }
}
