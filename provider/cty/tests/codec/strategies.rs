//! proptest generators for types and for values of a given type.

use globaldeploy_cty::{Number, Type, Value};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

/// Schema-like types; `dynamic` may appear anywhere when `allow_dynamic` is set.
pub fn arb_type(allow_dynamic: bool) -> BoxedStrategy<Type> {
    let leaf = if allow_dynamic {
        prop_oneof![
            Just(Type::String),
            Just(Type::Number),
            Just(Type::Bool),
            Just(Type::Dynamic)
        ]
        .boxed()
    } else {
        prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)].boxed()
    };
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            btree_map("[a-z_]{1,6}", inner.clone(), 0..4).prop_map(Type::Object),
            vec(inner, 0..4).prop_map(Type::Tuple),
        ]
    })
    .boxed()
}

/// Numbers in all three representations, finite only (JSON cannot hold infinities).
pub fn arb_number() -> BoxedStrategy<Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Number::Float),
        any::<u64>().prop_map(|u| Number::Big(u.to_string())),
        ("-?[1-9][0-9]{0,30}(\\.[0-9]{1,20})?", -400i32..400)
            .prop_map(|(mantissa, exponent)| Number::Big(format!("{mantissa}e{exponent}"))),
    ]
    .boxed()
}

/// Values of type `ty`, with nulls at any depth and, if `unknowns`, unknowns too. A dynamic
/// position holds a value of a freshly drawn type, which may itself contain dynamic positions
/// `nesting` levels deep (so a `list(dynamic)` inside a dynamic value may mix element types).
pub fn arb_value(ty: &Type, unknowns: bool, nesting: u32) -> BoxedStrategy<Value> {
    let known = match ty {
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Dynamic => arb_type(nesting > 0)
            .prop_flat_map(move |inner| arb_value(&inner, unknowns, nesting.saturating_sub(1)))
            .boxed(),
        Type::List(element) => vec(arb_value(element, unknowns, nesting), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(element) => vec(arb_value(element, unknowns, nesting), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(element) => btree_map(".{0,5}", arb_value(element, unknowns, nesting), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(attributes) => attributes
            .iter()
            .map(|(name, attribute)| {
                let name = name.clone();
                arb_value(attribute, unknowns, nesting).prop_map(move |value| (name.clone(), value))
            })
            .collect::<Vec<_>>()
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
            .boxed(),
        Type::Tuple(elements) => elements
            .iter()
            .map(|element| arb_value(element, unknowns, nesting))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
    };
    if unknowns {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 7 => known].boxed()
    }
}

/// A type paired with a value of it.
pub fn arb_typed_value(unknowns: bool) -> BoxedStrategy<(Type, Value)> {
    arb_type(true)
        .prop_flat_map(move |ty| {
            let value = arb_value(&ty, unknowns, 1);
            (Just(ty), value)
        })
        .boxed()
}

/// Arbitrary JSON documents, for the never-panic property.
pub fn arb_json() -> BoxedStrategy<serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        prop_oneof![
            Just("string".to_owned()),
            Just("number".to_owned()),
            Just("dynamic".to_owned()),
            Just("list".to_owned()),
            Just("object".to_owned()),
            Just("value".to_owned()),
            Just("type".to_owned()),
            ".{0,6}"
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            btree_map("value|type|[a-z_]{1,4}", inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
    .boxed()
}
