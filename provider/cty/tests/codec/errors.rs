//! Error kinds and the paths they report.

use globaldeploy_cty::{json, msgpack, Error, Number, Type, Value};
use serde_json::json;

fn gate_type() -> Type {
    Type::object([("gate", Type::list(Type::object([("interval", Type::Number)])))])
}

#[test]
fn msgpack_mismatch_names_the_path() {
    // {"gate": [{"interval": "soon"}]}
    let mut bytes = vec![0x81, 0xa4];
    bytes.extend(b"gate");
    bytes.extend([0x91, 0x81, 0xa8]);
    bytes.extend(b"interval");
    bytes.push(0xa4);
    bytes.extend(b"soon");
    match msgpack::decode(&bytes, &gate_type()) {
        Err(Error::InvalidNumber { at, text }) => {
            assert_eq!(at, ".gate[0].interval");
            assert_eq!(text, "soon");
        }
        other => panic!("expected InvalidNumber, got {other:?}"),
    }
    // A bool where a number belongs.
    let last = bytes.len() - 5;
    bytes.truncate(last);
    bytes.push(0xc3);
    match msgpack::decode(&bytes, &gate_type()) {
        Err(Error::TypeMismatch { at, expected, found }) => {
            assert_eq!(
                (at.as_str(), expected.as_str(), found.as_str()),
                (".gate[0].interval", "number", "bool")
            );
        }
        other => panic!("expected TypeMismatch, got {other:?}"),
    }
}

#[test]
fn msgpack_rejects_malformed_input() {
    let ty = Type::object([("a", Type::String)]);
    assert!(matches!(
        msgpack::decode(&[0x81, 0xa1, b'z', 0xc0], &ty),
        Err(Error::UnexpectedAttribute { ref name, .. }) if name == "z"
    ));
    assert!(matches!(
        msgpack::decode(&[0xa3, b'a'], &Type::String),
        Err(Error::Truncated { .. })
    ));
    assert!(matches!(
        msgpack::decode(&[], &Type::String),
        Err(Error::Truncated { .. })
    ));
    assert!(matches!(
        msgpack::decode(&[0xc0, 0xc0], &Type::String),
        Err(Error::Malformed { .. })
    ));
    assert!(matches!(
        msgpack::decode(&[0xa1, 0xff], &Type::String),
        Err(Error::Malformed { .. })
    ));
    assert!(matches!(
        msgpack::decode(&[0xc4, 0x01, b'a'], &Type::String),
        Err(Error::TypeMismatch { .. })
    ));
    assert!(matches!(
        msgpack::decode(&[0x82, 0xa1, b'a', 0xc0, 0xa1, b'a', 0xc0], &ty),
        Err(Error::Malformed { .. })
    ));
    assert!(matches!(
        msgpack::decode(&[0x91, 0x01], &Type::Tuple(vec![Type::Number, Type::Number])),
        Err(Error::TypeMismatch { .. })
    ));
    assert!(matches!(
        msgpack::decode(&[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], &Type::Number),
        Err(Error::InvalidNumber { .. })
    ));
    // A dynamic header that is not a type.
    assert!(matches!(
        msgpack::decode(&[0x92, 0xc4, 0x02, b'"', b'x', 0xc0], &Type::Dynamic),
        Err(Error::InvalidType { .. })
    ));
    // A huge declared array length with no elements behind it.
    assert!(matches!(
        msgpack::decode(&[0xdd, 0xff, 0xff, 0xff, 0xff], &Type::list(Type::Bool)),
        Err(Error::Truncated { .. })
    ));
}

#[test]
fn nested_dynamic_values_hit_the_depth_limit() {
    let mut bytes = Vec::new();
    for _ in 0..1000 {
        bytes.extend([0x92, 0xc4, 0x09]);
        bytes.extend(br#""dynamic""#);
    }
    bytes.push(0xc0);
    assert!(matches!(
        msgpack::decode(&bytes, &Type::Dynamic),
        Err(Error::TooDeep { .. })
    ));

    let mut json = serde_json::Value::Null;
    for _ in 0..1000 {
        json = json!({"value": json, "type": "dynamic"});
    }
    assert!(matches!(
        json::decode(&json, &Type::Dynamic),
        Err(Error::TooDeep { .. })
    ));
}

#[test]
fn encoding_checks_values_against_the_type() {
    let ty = Type::object([("a", Type::String)]);
    let extra = Value::object([("a", Value::from("x")), ("b", Value::Null)]);
    assert!(matches!(
        msgpack::encode(&extra, &ty),
        Err(Error::UnexpectedAttribute { ref name, .. }) if name == "b"
    ));
    assert!(matches!(
        json::encode(&extra, &ty),
        Err(Error::UnexpectedAttribute { .. })
    ));
    let wrong = Value::object([("a", Value::int(1))]);
    assert!(matches!(
        msgpack::encode(&wrong, &ty),
        Err(Error::TypeMismatch { ref at, .. }) if at == ".a"
    ));
    assert!(matches!(
        msgpack::encode(&Value::float(f64::NAN), &Type::Number),
        Err(Error::InvalidNumber { .. })
    ));
    assert!(matches!(
        msgpack::encode(&Value::Number(Number::Big("12abc".into())), &Type::Number),
        Err(Error::InvalidNumber { .. })
    ));
    assert!(matches!(
        json::encode(&Value::float(f64::INFINITY), &Type::Number),
        Err(Error::InvalidNumber { .. })
    ));
}

#[test]
fn json_unknowns_are_an_error_with_a_path() {
    let ty = Type::object([("tags", Type::map(Type::String))]);
    let value = Value::object([("tags", Value::map([("env", Value::Unknown)]))]);
    assert!(matches!(
        json::encode(&value, &ty),
        Err(Error::UnknownInJson { ref at }) if at == r#".tags["env"]"#
    ));
}

#[test]
fn json_decoding_is_lenient_like_go_cty() {
    let ty = Type::object([
        ("n", Type::Number),
        ("s", Type::String),
        ("b", Type::Bool),
        ("missing", Type::list(Type::String)),
    ]);
    let decoded = json::decode(&json!({"n": "12.5", "s": 7, "b": "true"}), &ty).expect("decodes");
    assert_eq!(
        decoded,
        Value::object([
            ("n", Value::float(12.5)),
            ("s", Value::from("7")),
            ("b", Value::bool(true)),
            ("missing", Value::Null),
        ])
    );
    assert!(matches!(
        json::decode(&json!({"n": 1, "extra": 2}), &ty),
        Err(Error::UnexpectedAttribute { ref name, .. }) if name == "extra"
    ));
    assert!(matches!(
        json::decode(&json!({"n": "many"}), &ty),
        Err(Error::InvalidNumber { ref at, .. }) if at == ".n"
    ));
    assert!(matches!(json::decode_bytes(b"{", &ty), Err(Error::InvalidJson(_))));
    let dynamic = json::decode_bytes(br#"{"value": ["a"], "type": ["list", "string"]}"#, &Type::Dynamic);
    assert_eq!(dynamic.expect("decodes"), Value::list(vec!["a".into()]));
}

#[test]
fn json_encoding_matches_go_cty() {
    let ty = Type::object([
        ("big", Type::Number),
        ("dyn", Type::Dynamic),
        ("tags", Type::set(Type::String)),
        ("none", Type::String),
    ]);
    let value = Value::object([
        ("big", Value::Number(Number::Big("1e400".into()))),
        ("dyn", Value::int(3)),
        ("tags", Value::set_of(vec!["a".into()])),
    ]);
    assert_eq!(
        json::encode(&value, &ty).expect("encodes"),
        json!({"big": "1e400", "dyn": {"value": 3, "type": "number"}, "none": null, "tags": ["a"]})
    );
}
