//! The JSON type notation.

use globaldeploy_cty::{Error, Type};
use serde_json::json;

#[test]
fn primitives_and_collections_encode_as_terraform_expects() {
    assert_eq!(Type::String.to_json_bytes(), br#""string""#);
    assert_eq!(Type::Dynamic.to_json(), json!("dynamic"));
    assert_eq!(Type::list(Type::String).to_json_bytes(), br#"["list","string"]"#);
    assert_eq!(
        Type::object([("b", Type::Number), ("a", Type::set(Type::Bool))]).to_json_bytes(),
        br#"["object",{"a":["set","bool"],"b":"number"}]"#
    );
    assert_eq!(
        Type::Tuple(vec![Type::String, Type::map(Type::Number)]).to_json_bytes(),
        br#"["tuple",["string",["map","number"]]]"#
    );
}

#[test]
fn nested_types_round_trip() {
    let ty = Type::object([
        (
            "gate",
            Type::list(Type::object([
                ("interval", Type::Number),
                ("labels", Type::map(Type::String)),
            ])),
        ),
        ("pair", Type::Tuple(vec![Type::Dynamic, Type::set(Type::Bool)])),
        ("empty", Type::object::<String, _>([])),
        ("unit", Type::Tuple(vec![])),
    ]);
    assert_eq!(Type::from_json_bytes(&ty.to_json_bytes()).expect("parses"), ty);
    assert_eq!(Type::from_json(&ty.to_json()).expect("parses"), ty);
}

#[test]
fn optional_attribute_list_is_ignored() {
    let parsed = Type::from_json(&json!(["object", {"a": "string", "b": "number"}, ["b"]]));
    assert_eq!(
        parsed.expect("parses"),
        Type::object([("a", Type::String), ("b", Type::Number)])
    );
}

#[test]
fn malformed_types_are_rejected() {
    let bad = [
        json!("str"),
        json!(1),
        json!(null),
        json!([]),
        json!(["list"]),
        json!(["list", "string", "extra"]),
        json!(["object", ["a"]]),
        json!(["object", {"a": "string"}, "b"]),
        json!(["tuple", {"a": "string"}]),
        json!(["map", ["list", "strin"]]),
        json!(["array", "string"]),
        json!([["list"], "string"]),
    ];
    for json in bad {
        assert!(
            matches!(Type::from_json(&json), Err(Error::InvalidType { .. })),
            "{json} should be rejected"
        );
    }
    assert!(matches!(
        Type::from_json_bytes(b"[\"list\""),
        Err(Error::InvalidJson(_))
    ));
}

#[test]
fn absurd_nesting_is_an_error_not_a_crash() {
    let mut json = json!("string");
    for _ in 0..1000 {
        json = json!(["list", json]);
    }
    assert!(matches!(Type::from_json(&json), Err(Error::InvalidType { .. })));
}

#[test]
fn display_uses_terraform_notation() {
    let ty = Type::object([
        ("a", Type::list(Type::String)),
        ("b", Type::Tuple(vec![Type::Number, Type::Bool])),
    ]);
    assert_eq!(ty.to_string(), "object({a = list(string), b = tuple([number, bool])})");
}
