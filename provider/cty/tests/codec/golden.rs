//! Hand-derived byte vectors for the msgpack codec, in both directions.

use globaldeploy_cty::{msgpack, Number, Type, Value};

/// Asserts that `value` encodes to exactly `bytes` at type `ty` and decodes back to itself.
fn golden(value: Value, ty: &Type, bytes: &[u8]) {
    let encoded = msgpack::encode(&value, ty).expect("encodes");
    assert_eq!(encoded, bytes, "encoding {value:?} as {ty}");
    let decoded = msgpack::decode(bytes, ty).expect("decodes");
    assert_eq!(decoded, value, "decoding {bytes:02x?} as {ty}");
}

#[test]
fn null_and_unknown() {
    golden(Value::Null, &Type::String, &[0xc0]);
    golden(Value::Unknown, &Type::String, &[0xd4, 0x00, 0x00]);
    golden(Value::Null, &Type::Dynamic, &[0xc0]);
    golden(Value::Unknown, &Type::Dynamic, &[0xd4, 0x00, 0x00]);
}

#[test]
fn strings() {
    golden(Value::from("hi"), &Type::String, &[0xa2, b'h', b'i']);
    golden(Value::from(""), &Type::String, &[0xa0]);
    // 32 bytes no longer fit a fixstr (at most 31): str8.
    let long = "a".repeat(32);
    let mut bytes = vec![0xd9, 32];
    bytes.extend(long.as_bytes());
    golden(Value::from(long.as_str()), &Type::String, &bytes);
}

#[test]
fn integers_use_the_smallest_form() {
    golden(Value::int(1), &Type::Number, &[0x01]);
    golden(Value::int(-1), &Type::Number, &[0xff]);
    golden(Value::int(127), &Type::Number, &[0x7f]);
    golden(Value::int(-32), &Type::Number, &[0xe0]);
    golden(Value::int(-33), &Type::Number, &[0xd0, 0xdf]);
    golden(Value::int(300), &Type::Number, &[0xcd, 0x01, 0x2c]);
    golden(Value::int(-300), &Type::Number, &[0xd1, 0xfe, 0xd4]);
    golden(Value::int(i64::MIN), &Type::Number, &[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn floats_are_float64_unless_integral() {
    golden(Value::float(1.5), &Type::Number, &[0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
    golden(Value::float(2.0), &Type::Number, &[0x02]);
    // 1e19 is integral but beyond i64: float64 0x43e158e460913d00.
    golden(
        Value::float(1e19),
        &Type::Number,
        &[0xcb, 0x43, 0xe1, 0x58, 0xe4, 0x60, 0x91, 0x3d, 0x00],
    );
}

#[test]
fn big_numbers() {
    // A Big that is an exact integer goes out as one.
    golden(
        Value::Number(Number::Big("3e2".into())),
        &Type::Number,
        &[0xcd, 0x01, 0x2c],
    );
    // Too precise for float64: the decimal text as a string.
    let text = "0.10000000000000000001";
    let mut bytes = vec![0xa0 | 22];
    bytes.extend(text.as_bytes());
    golden(Value::Number(Number::Big(text.into())), &Type::Number, &bytes);
}

#[test]
fn bools() {
    golden(Value::bool(true), &Type::Bool, &[0xc3]);
    golden(Value::bool(false), &Type::Bool, &[0xc2]);
}

#[test]
fn list_of_strings() {
    golden(
        Value::list(vec!["a".into(), Value::Null, Value::Unknown]),
        &Type::list(Type::String),
        &[0x93, 0xa1, b'a', 0xc0, 0xd4, 0x00, 0x00],
    );
}

#[test]
fn object_writes_every_attribute() {
    let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
    let bytes = [0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0];
    golden(
        Value::object([("a", Value::from("x")), ("b", Value::Null)]),
        &ty,
        &bytes,
    );
    // An attribute absent from the value is written as nil too.
    let partial = Value::object([("a", Value::from("x"))]);
    assert_eq!(msgpack::encode(&partial, &ty).expect("encodes"), bytes);
}

#[test]
fn dynamic_wraps_type_and_value() {
    // fixarray(2), bin8 of the 8 bytes `"string"`, fixstr "x".
    golden(
        Value::from("x"),
        &Type::Dynamic,
        &[
            0x92, 0xc4, 0x08, b'"', b's', b't', b'r', b'i', b'n', b'g', b'"', 0xa1, b'x',
        ],
    );
    // The type header may also arrive as a str.
    let as_str = [0x92, 0xa8, b'"', b'n', b'u', b'm', b'b', b'e', b'r', b'"', 0x05];
    assert_eq!(
        msgpack::decode(&as_str, &Type::Dynamic).expect("decodes"),
        Value::int(5)
    );
}

#[test]
fn every_extension_decodes_as_unknown() {
    let refined = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2];
    let fixext4 = [0xd6, 0x05, 1, 2, 3, 4];
    let ext16 = [0xc8, 0x00, 0x01, 0x7f, 0xaa];
    for bytes in [&refined[..], &fixext4, &ext16] {
        for ty in [Type::String, Type::list(Type::Number), Type::Dynamic] {
            assert_eq!(msgpack::decode(bytes, &ty).expect("decodes"), Value::Unknown);
        }
    }
}

#[test]
fn every_number_width_decodes() {
    let cases: [(&[u8], Value); 9] = [
        (&[0xcc, 0xff], Value::int(255)),
        (&[0xce, 0, 1, 0, 0], Value::int(65_536)),
        (
            &[0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            Value::int(i64::MAX),
        ),
        (&[0xd0, 0x80], Value::int(-128)),
        (&[0xd2, 0xff, 0xff, 0xff, 0xfe], Value::int(-2)),
        (&[0xca, 0x3f, 0xc0, 0, 0], Value::float(1.5)),
        (&[0xa4, b'2', b'.', b'5', b'0'], Value::float(2.5)),
        (
            &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            Value::Number(Number::Big("18446744073709551615".into())),
        ),
        (
            &[0xa5, b'1', b'e', b'4', b'0', b'0'],
            Value::Number(Number::Big("1e400".into())),
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            msgpack::decode(bytes, &Type::Number).expect("decodes"),
            expected,
            "{bytes:02x?}"
        );
    }
    // u64::MAX keeps its exact decimal text.
    let max = msgpack::decode(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], &Type::Number);
    assert!(
        matches!(max, Ok(Value::Number(Number::Big(ref text))) if text == "18446744073709551615"),
        "{max:?}"
    );
    let huge = msgpack::decode(&[0xa5, b'1', b'e', b'4', b'0', b'0'], &Type::Number);
    assert!(
        matches!(huge, Ok(Value::Number(Number::Big(ref text))) if text == "1e400"),
        "{huge:?}"
    );
}

#[test]
fn decoding_fills_missing_attributes_with_null() {
    let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
    let decoded = msgpack::decode(&[0x81, 0xa1, b'a', 0xa1, b'x'], &ty).expect("decodes");
    assert_eq!(decoded, Value::object([("a", Value::from("x")), ("b", Value::Null)]));
}
