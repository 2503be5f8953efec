//! Wire-format checks: encode messages with prost and compare against bytes
//! computed by hand from the field numbers, so a wrong number in the `.proto`
//! fails here instead of silently on Terraform's side.
//!
//! Tag byte = (field_number << 3) | wire_type; wire types used: 0 varint,
//! 2 length-delimited.

use prost::Message;

use crate::tfplugin5::{
    attribute_path::{step::Selector, Step},
    diagnostic::Severity,
    schema::{nested_block::NestingMode, Attribute, NestedBlock},
    AttributePath, Diagnostic,
};

fn step(selector: Selector) -> Step {
    Step {
        selector: Some(selector),
    }
}

#[test]
fn attribute_path_step_oneof_numbers() {
    let path = AttributePath {
        steps: vec![
            step(Selector::AttributeName("a".into())),
            step(Selector::ElementKeyString("k".into())),
            step(Selector::ElementKeyInt(3)),
        ],
    };
    #[rustfmt::skip]
    let expected: &[u8] = &[
        0x0a, 0x03, 0x0a, 0x01, b'a', // steps=1 { attribute_name=1 "a" }
        0x0a, 0x03, 0x12, 0x01, b'k', // steps=1 { element_key_string=2 "k" }
        0x0a, 0x02, 0x18, 0x03,       // steps=1 { element_key_int=3 3 }
    ];
    assert_eq!(path.encode_to_vec(), expected);
    assert_eq!(AttributePath::decode(expected).unwrap(), path);
}

#[test]
fn diagnostic_field_numbers() {
    let diag = Diagnostic {
        severity: Severity::Warning as i32,
        summary: "s".into(),
        detail: "d".into(),
        attribute: Some(AttributePath {
            steps: vec![step(Selector::AttributeName("x".into()))],
        }),
    };
    #[rustfmt::skip]
    let expected: &[u8] = &[
        0x08, 0x02,                   // severity=1 WARNING(2)
        0x12, 0x01, b's',             // summary=2
        0x1a, 0x01, b'd',             // detail=3
        0x22, 0x05,                   // attribute=4, 5 bytes
        0x0a, 0x03, 0x0a, 0x01, b'x', //   steps=1 { attribute_name=1 "x" }
    ];
    assert_eq!(diag.encode_to_vec(), expected);
    assert_eq!(Diagnostic::decode(expected).unwrap(), diag);
    assert_eq!(Severity::Error as i32, 1);
    assert_eq!(Severity::Invalid as i32, 0);
}

#[test]
fn schema_attribute_write_only_is_field_10() {
    let attr = Attribute {
        name: "p".into(),
        r#type: b"\"string\"".to_vec(),
        optional: true,
        write_only: true,
        ..Default::default()
    };
    #[rustfmt::skip]
    let expected: &[u8] = &[
        0x0a, 0x01, b'p',                                   // name=1
        0x12, 0x08, b'"', b's', b't', b'r', b'i', b'n', b'g', b'"', // type=2
        0x28, 0x01,                                         // optional=5
        0x50, 0x01,                                         // write_only=10
    ];
    assert_eq!(attr.encode_to_vec(), expected);
}

#[test]
fn nested_block_nesting_is_field_3() {
    let block = NestedBlock {
        type_name: "b".into(),
        block: None,
        nesting: NestingMode::Set as i32,
        min_items: 1,
        max_items: 2,
    };
    #[rustfmt::skip]
    let expected: &[u8] = &[
        0x0a, 0x01, b'b', // type_name=1
        0x18, 0x03,       // nesting=3 SET(3)
        0x20, 0x01,       // min_items=4
        0x28, 0x02,       // max_items=5
    ];
    assert_eq!(block.encode_to_vec(), expected);
    assert_eq!(NestingMode::Group as i32, 5);
}

#[test]
fn capabilities_field_numbers() {
    use crate::tfplugin5::{ClientCapabilities, ServerCapabilities};
    let server = ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: true,
    };
    assert_eq!(server.encode_to_vec(), [0x08, 1, 0x10, 1, 0x18, 1]);
    let client = ClientCapabilities::decode(&[0x08, 1, 0x10, 1][..]).unwrap();
    assert!(client.deferral_allowed && client.write_only_attributes_allowed);
}
