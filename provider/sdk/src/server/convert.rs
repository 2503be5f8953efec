//! Conversions between the framework's types and tfplugin5 messages.

use globaldeploy_cty::{msgpack, Type, Value};
use globaldeploy_tfplugin5::tfplugin5 as pb;

use crate::framework::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::framework::path::{AttributePath, PathStep};
use crate::framework::schema::{Attribute, Block, NestedBlock, Nesting, Presence, Schema};

/// Markdown, the kind every description here is written in.
const MARKDOWN: i32 = pb::StringKind::Markdown as i32;

pub fn schema(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block(&schema.block)),
    }
}

fn block(block: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: block.attributes.iter().map(attribute).collect(),
        block_types: block.blocks.iter().map(nested_block).collect(),
        description: block.description.clone(),
        description_kind: MARKDOWN,
        deprecated: false,
    }
}

fn attribute(attribute: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: attribute.ty.to_json_bytes(),
        description: attribute.description.clone(),
        required: attribute.presence == Presence::Required,
        optional: matches!(attribute.presence, Presence::Optional | Presence::OptionalComputed),
        computed: attribute.is_computed(),
        sensitive: attribute.sensitive,
        description_kind: MARKDOWN,
        deprecated: attribute.deprecated.is_some(),
        write_only: false,
    }
}

fn nested_block(nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    let nesting = match nested.nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
    };
    pb::schema::NestedBlock {
        type_name: nested.name.clone(),
        block: Some(block(&nested.block)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

pub fn diagnostics(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags.into_iter().map(diagnostic).collect()
}

fn diagnostic(diag: Diagnostic) -> pb::Diagnostic {
    let severity = match diag.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    // Terraform points at the set; the message names the element and what inside it.
    let (path, detail) = match diag.path {
        Some(path) => {
            let (path, detail) = path.addressable(&diag.detail);
            (Some(path), detail)
        }
        None => (None, diag.detail),
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: diag.summary,
        detail,
        attribute: path.filter(|p| !p.is_root()).map(|p| attribute_path(&p)),
    }
}

/// The wire form of `path`, which ends before a set element: the wire cannot address one.
pub fn attribute_path(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    let steps = path
        .steps()
        .iter()
        .map_while(|step| {
            let selector = match step {
                PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                PathStep::Index(index) => Selector::ElementKeyInt(*index),
                PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                PathStep::Element { .. } => return None,
            };
            Some(pb::attribute_path::Step {
                selector: Some(selector),
            })
        })
        .collect();
    pb::AttributePath { steps }
}

/// Decodes a value Terraform sent. Terraform sends msgpack; JSON is accepted for completeness.
pub fn decode(value: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, Diagnostic> {
    let Some(value) = value else { return Ok(Value::Null) };
    let decoded = if !value.msgpack.is_empty() {
        msgpack::decode(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        globaldeploy_cty::json::decode_bytes(&value.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| {
        Diagnostic::error(
            "Invalid value from Terraform",
            format!("The provider could not decode a value Terraform sent: {e}"),
        )
    })
}

/// Encodes a value for Terraform (always msgpack).
pub fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostic> {
    msgpack::encode(value, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|e| {
            Diagnostic::error(
                "Provider produced an invalid value",
                format!("The provider could not encode its result: {e}. This is a bug in the provider."),
            )
        })
}
