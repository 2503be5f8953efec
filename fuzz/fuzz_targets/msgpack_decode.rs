//! Fuzzes the msgpack decoder against schema-shaped types: decoding must never panic, and any
//! value it accepts must survive re-encoding and decoding unchanged.

#![no_main]

use globaldeploy_cty::{msgpack, Type};
use libfuzzer_sys::fuzz_target;

fn types() -> [Type; 4] {
    [
        Type::Dynamic,
        Type::list(Type::Number),
        Type::map(Type::set(Type::String)),
        Type::object([
            ("name", Type::String),
            ("port", Type::Number),
            ("enabled", Type::Bool),
            (
                "gate",
                Type::list(Type::object([
                    ("interval", Type::Number),
                    ("regions", Type::set(Type::String)),
                ])),
            ),
            ("extra", Type::Dynamic),
            ("pair", Type::Tuple(vec![Type::String, Type::Number])),
        ]),
    ]
}

fuzz_target!(|data: &[u8]| {
    for ty in types() {
        if let Ok(value) = msgpack::decode(data, &ty) {
            let encoded = msgpack::encode(&value, &ty).expect("a decoded value re-encodes");
            let again = msgpack::decode(&encoded, &ty).expect("a re-encoded value decodes");
            assert_eq!(again, value);
        }
    }
});
