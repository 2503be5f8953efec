//! Writing Terraform configuration files exactly as `terraform fmt` would lay them out.
//!
//! Callers build generic HCL — hcl-rs [`Block`]s with attributes and nested blocks (re-exported
//! here, so callers need no hcl-rs dependency of their own) — and [`to_terraform_string`] turns
//! a [`Body`] into text that `terraform fmt -check` accepts unchanged. hcl-rs formats every
//! expression; the body layout is ours, because hcl-rs does not do what `terraform fmt` does
//! with it: align the `=` of consecutive attributes and separate blocks by one blank line.
//! [`resource`], [`import`] and [`identifier`] add Terraform's conventions on top: resource
//! blocks, `import { to = ..., id = ... }` blocks (Terraform ≥ 1.5) and valid, readable
//! resource names. Nothing here knows what the blocks mean.

use hcl::format::Format;
use hcl::structure::Structure;
use hcl::{BlockLabel, Traversal, Variable};

pub use hcl::structure::BlockBuilder;
pub use hcl::{Attribute, Block, Body, Expression};

/// What `terraform fmt` indents a nesting level by.
const INDENT: &str = "  ";

/// Why a body could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// hcl-rs could not format an expression or label.
    #[error("cannot format {what} as HCL: {source}")]
    Format {
        /// What was being formatted, e.g. `the value of attribute "ttl"`.
        what: String,
        /// hcl-rs's reason.
        source: hcl::Error,
    },
}

/// A `resource "TYPE" "NAME" { ... }` block to add attributes and blocks to. `name` should come
/// from [`identifier`]: Terraform rejects names that are not identifiers.
pub fn resource(resource_type: &str, name: &str) -> BlockBuilder {
    Block::builder("resource")
        .add_label(BlockLabel::String(resource_type.to_owned()))
        .add_label(BlockLabel::String(name.to_owned()))
}

/// The reference `TYPE.NAME` to a resource, as an expression (not a string).
pub fn resource_address(resource_type: &str, name: &str) -> Expression {
    Traversal::builder(Variable::sanitized(resource_type))
        .attr(name)
        .build()
        .into()
}

/// An `import { to = TYPE.NAME, id = "ID" }` block: Terraform imports the existing object `id`
/// into the resource at its next plan/apply.
pub fn import(resource_type: &str, name: &str, id: &str) -> Block {
    Block::builder("import")
        .add_attribute(("to", resource_address(resource_type, name)))
        .add_attribute(("id", id))
        .build()
}

/// A valid, conventional Terraform name made from arbitrary text: lower case ASCII letters,
/// digits and single underscores, starting with a letter or underscore
/// (`API.example.com.` → `api_example_com`). Text with nothing usable gives `_`.
pub fn identifier(text: &str) -> String {
    let mut name = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
    }
    while name.ends_with('_') {
        name.pop();
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert(0, '_');
    }
    name
}

/// `body` as the text of a configuration file, laid out the way `terraform fmt` does: two
/// spaces per level, the `=` of consecutive attributes aligned, one blank line between blocks
/// and between attributes and blocks, single-line lists (`["a", "b"]`), a final newline.
pub fn to_terraform_string(body: &Body) -> Result<String, WriteError> {
    let mut out = String::new();
    write_body(&mut out, body, 0)?;
    Ok(out)
}

/// Appends the structures of `body` at `depth`.
fn write_body(out: &mut String, body: &Body, depth: usize) -> Result<(), WriteError> {
    let structures: Vec<&Structure> = body.iter().collect();
    let mut index = 0;
    while index < structures.len() {
        if index > 0 {
            // terraform fmt keeps blank lines where they are; one between an attribute run and
            // a block, and between blocks, is the layout its own examples use.
            out.push('\n');
        }
        match structures[index] {
            Structure::Block(block) => {
                write_block(out, block, depth)?;
                index += 1;
            }
            Structure::Attribute(_) => {
                let run: Vec<&Attribute> = structures[index..]
                    .iter()
                    .map_while(|s| match s {
                        Structure::Attribute(attribute) => Some(attribute),
                        Structure::Block(_) => None,
                    })
                    .collect();
                index += run.len();
                write_attributes(out, &run, depth)?;
            }
        }
    }
    Ok(())
}

/// Appends consecutive attributes with their `=` aligned, as `terraform fmt` aligns every
/// unbroken run of assigning lines (a heredoc value, whose lines follow its `<<EOT`, does not
/// break the run).
fn write_attributes(out: &mut String, attributes: &[&Attribute], depth: usize) -> Result<(), WriteError> {
    let width = attributes
        .iter()
        .map(|attribute| attribute.key().chars().count())
        .max()
        .unwrap_or(0);
    for attribute in attributes {
        let value = format_compact(&attribute.expr, || {
            format!("the value of attribute {:?}", attribute.key())
        })?;
        push_indent(out, depth);
        out.push_str(&format!("{:<width$} = {value}\n", attribute.key()));
    }
    Ok(())
}

/// Appends `block` and its body.
fn write_block(out: &mut String, block: &Block, depth: usize) -> Result<(), WriteError> {
    push_indent(out, depth);
    out.push_str(block.identifier());
    for label in block.labels() {
        out.push(' ');
        out.push_str(&format_compact(label, || {
            format!("a label of block {:?}", block.identifier())
        })?);
    }
    if block.body().iter().next().is_none() {
        out.push_str(" {}\n");
        return Ok(());
    }
    out.push_str(" {\n");
    write_body(out, block.body(), depth + 1)?;
    push_indent(out, depth);
    out.push_str("}\n");
    Ok(())
}

/// One expression or label as hcl-rs formats it, on one line wherever HCL allows.
fn format_compact(value: &impl Format, what: impl FnOnce() -> String) -> Result<String, WriteError> {
    let mut formatter = hcl::format::Formatter::builder().compact(true).build_vec();
    value
        .format_string(&mut formatter)
        .map_err(|source| WriteError::Format { what: what(), source })
}

fn push_indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str(INDENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias() -> Block {
        Block::builder("alias")
            .add_attribute(("name", "euw1.api.example.com"))
            .add_attribute(("zone_id", "Z0123456789"))
            .add_attribute(("evaluate_target_health", true))
            .build()
    }

    #[test]
    fn aligns_runs_of_attributes_and_separates_blocks() {
        let record = resource("globaldeploy_weighted_record", "api_example_com")
            .add_attribute(("zone_id", "Z0123456789"))
            .add_attribute(("name", "api.example.com"))
            .add_attribute(("type", "A"))
            .add_attribute(("ttl", 60))
            .add_block(
                Block::builder("endpoint")
                    .add_attribute(("set_identifier", "us-east-1"))
                    .add_attribute(("weight", 40))
                    .add_attribute(("records", vec!["203.0.113.10", "203.0.113.11"]))
                    .build(),
            )
            .add_block(
                Block::builder("endpoint")
                    .add_attribute(("set_identifier", "eu-west-1"))
                    .add_attribute(("weight", 0))
                    .add_block(alias())
                    .build(),
            )
            .build();
        let body = Body::builder()
            .add_block(record)
            .add_block(import(
                "globaldeploy_weighted_record",
                "api_example_com",
                "Z0123456789/api.example.com/A",
            ))
            .build();
        let text = to_terraform_string(&body).expect("formats");
        assert_eq!(
            text,
            r#"resource "globaldeploy_weighted_record" "api_example_com" {
  zone_id = "Z0123456789"
  name    = "api.example.com"
  type    = "A"
  ttl     = 60

  endpoint {
    set_identifier = "us-east-1"
    weight         = 40
    records        = ["203.0.113.10", "203.0.113.11"]
  }

  endpoint {
    set_identifier = "eu-west-1"
    weight         = 0

    alias {
      name                   = "euw1.api.example.com"
      zone_id                = "Z0123456789"
      evaluate_target_health = true
    }
  }
}

import {
  to = globaldeploy_weighted_record.api_example_com
  id = "Z0123456789/api.example.com/A"
}
"#
        );
    }

    #[test]
    fn attributes_after_a_block_start_a_new_run() {
        let body = Body::builder()
            .add_attribute(("a", 1))
            .add_block(Block::builder("inner").add_attribute(("x", 1)).build())
            .add_attribute(("longer_name", 2))
            .add_attribute(("b", 3))
            .build();
        assert_eq!(
            to_terraform_string(&body).expect("formats"),
            "a = 1\n\ninner {\n  x = 1\n}\n\nlonger_name = 2\nb           = 3\n"
        );
    }

    #[test]
    fn a_heredoc_does_not_break_the_aligned_run() {
        let heredoc = hcl::Heredoc::new(hcl::Identifier::new("EOT").expect("identifier"), "line one\nline two\n");
        let body = Body::builder()
            .add_attribute(("a", 1))
            .add_attribute(("text", heredoc))
            .add_attribute(("bb", 2))
            .add_attribute(("c", 3))
            .build();
        assert_eq!(
            to_terraform_string(&body).expect("formats"),
            "a    = 1\ntext = <<EOT\nline one\nline two\nEOT\nbb   = 2\nc    = 3\n"
        );
    }

    #[test]
    fn strings_are_escaped_including_template_markers() {
        let body = Body::builder()
            .add_attribute(("txt", "\"v=spf1 include:${x} %{y} \\ \""))
            .build();
        assert_eq!(
            to_terraform_string(&body).expect("formats"),
            "txt = \"\\\"v=spf1 include:$${x} %%{y} \\\\ \\\"\"\n"
        );
    }

    #[test]
    fn empty_blocks_and_bodies() {
        assert_eq!(to_terraform_string(&Body::default()).expect("formats"), "");
        let body = Body::builder().add_block(Block::builder("lifecycle").build()).build();
        assert_eq!(to_terraform_string(&body).expect("formats"), "lifecycle {}\n");
    }

    #[test]
    fn identifiers_are_valid_and_conventional() {
        assert_eq!(identifier("api.example.com."), "api_example_com");
        assert_eq!(identifier("API.Example.com"), "api_example_com");
        assert_eq!(identifier("us-east-1.api"), "us_east_1_api");
        assert_eq!(identifier("*.example.com"), "example_com");
        assert_eq!(identifier("1.example.com"), "_1_example_com");
        assert_eq!(identifier("a..b"), "a_b");
        assert_eq!(identifier("..."), "_");
        assert_eq!(identifier("bücher.example"), "b_cher_example");
    }
}
