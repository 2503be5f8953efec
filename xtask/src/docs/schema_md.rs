//! Renders a framework [`Block`] as the registry's "## Schema" section, in the shape the Terraform
//! registry readers know from tfplugindocs: Required / Optional / Read-Only lists, each entry with
//! its type in parentheses, and one anchored "Nested Schema for `path`" section per nested block
//! or object-typed attribute, linked from the entry that contains it.
//!
//! It works on the same `Schema` values the plugin server turns into the GetProviderSchema
//! response, so the page shows exactly what Terraform enforces.

use std::collections::VecDeque;
use std::fmt::Write as _;

use globaldeploy_sdk::cty::Type;
use globaldeploy_sdk::framework::schema::{Attribute, Block, NestedBlock, Nesting, Presence};

/// Which list of the schema section an entry belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    const ALL: [Group; 3] = [Group::Required, Group::Optional, Group::ReadOnly];

    fn title(self) -> &'static str {
        match self {
            Group::Required => "Required",
            Group::Optional => "Optional",
            Group::ReadOnly => "Read-Only",
        }
    }
}

/// Something that still needs its own "Nested Schema" section.
enum Pending<'s> {
    Block {
        path: Vec<String>,
        block: &'s Block,
    },
    Object {
        path: Vec<String>,
        attributes: Vec<(String, Type)>,
    },
}

/// One line of a list: `- \`name\` (kind) description`, the group it goes in and the nested
/// section it links to.
struct Entry<'s> {
    name: String,
    group: Group,
    line: String,
    nested: Option<Pending<'s>>,
}

/// The "## Schema" section (with trailing nested sections) for a top-level block.
pub fn render(block: &Block) -> String {
    let mut out = String::from("## Schema\n");
    let mut queue = VecDeque::new();
    write_groups(&mut out, block, &[], "###", &mut queue);
    while let Some(pending) = queue.pop_front() {
        match pending {
            Pending::Block { path, block } => {
                write_nested_heading(&mut out, "nestedblock", &path);
                write_groups(&mut out, block, &path, "", &mut queue);
            }
            Pending::Object { path, attributes } => {
                write_nested_heading(&mut out, "nestedatt", &path);
                out.push('\n');
                for (name, ty) in &attributes {
                    let line = object_field_line(name, ty, &path, &mut queue);
                    let _ = writeln!(out, "{line}");
                }
            }
        }
    }
    out
}

fn write_nested_heading(out: &mut String, kind: &str, path: &[String]) {
    let _ = write!(
        out,
        "\n<a id=\"{}\"></a>\n### Nested Schema for `{}`\n",
        anchor(kind, path),
        path.join(".")
    );
}

/// The anchor id of a nested section, e.g. `nestedblock--gate--http`.
fn anchor(kind: &str, path: &[String]) -> String {
    format!("{kind}--{}", path.join("--"))
}

/// Writes the Required / Optional / Read-Only lists of `block`. Top-level lists get `###`
/// headings; nested sections use `Required:` paragraphs so they do not clutter the page outline.
fn write_groups<'s>(
    out: &mut String,
    block: &'s Block,
    path: &[String],
    heading: &str,
    queue: &mut VecDeque<Pending<'s>>,
) {
    let mut entries: Vec<Entry<'s>> = Vec::new();
    for attribute in &block.attributes {
        entries.push(attribute_entry(attribute, path));
    }
    for nested in &block.blocks {
        entries.push(block_entry(nested, path));
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    for group in Group::ALL {
        let lines: Vec<&str> = entries
            .iter()
            .filter(|e| e.group == group)
            .map(|e| e.line.as_str())
            .collect();
        if lines.is_empty() {
            continue;
        }
        if heading.is_empty() {
            let _ = write!(out, "\n{}:\n\n", group.title());
        } else {
            let _ = write!(out, "\n{heading} {}\n\n", group.title());
        }
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
    }
    // Nested sections follow in the order the page lists their entries.
    for group in Group::ALL {
        for entry in entries.iter_mut().filter(|e| e.group == group) {
            queue.extend(entry.nested.take());
        }
    }
}

fn attribute_entry<'s>(attribute: &'s Attribute, path: &[String]) -> Entry<'s> {
    let group = match attribute.presence {
        Presence::Required => Group::Required,
        Presence::Optional | Presence::OptionalComputed => Group::Optional,
        Presence::Computed => Group::ReadOnly,
    };
    let mut kind = type_label(&attribute.ty);
    if attribute.sensitive {
        kind.push_str(", Sensitive");
    }
    if attribute.deprecated.is_some() {
        kind.push_str(", Deprecated");
    }
    let mut line = format!("- `{}` ({kind})", attribute.name);
    push_description(&mut line, &attribute.description);
    if let Some(message) = &attribute.deprecated {
        let _ = write!(line, " **Deprecated:** {}", message.trim());
    }
    let child = child_path(path, &attribute.name);
    let nested = object_fields(&attribute.ty).map(|fields| {
        let _ = write!(
            line,
            " (see [below for nested schema](#{}))",
            anchor("nestedatt", &child)
        );
        Pending::Object {
            path: child,
            attributes: fields,
        }
    });
    Entry {
        name: attribute.name.clone(),
        group,
        line,
        nested,
    }
}

fn block_entry<'s>(nested: &'s NestedBlock, path: &[String]) -> Entry<'s> {
    let group = if nested.min_items > 0 {
        Group::Required
    } else if nested.block.attributes.iter().all(|a| !a.is_configurable()) && nested.block.blocks.is_empty() {
        Group::ReadOnly
    } else {
        Group::Optional
    };
    let mut kind = String::from(match nested.nesting {
        Nesting::Single => "Block",
        Nesting::List => "Block List",
        Nesting::Set => "Block Set",
    });
    if nested.min_items > 0 {
        let _ = write!(kind, ", Min: {}", nested.min_items);
    }
    if nested.max_items > 0 {
        let _ = write!(kind, ", Max: {}", nested.max_items);
    }
    if let Some(key) = &nested.key {
        // What makes a set's order irrelevant, and how the plan names a changed block.
        let _ = write!(kind, ", keyed by `{key}`");
    }
    let child = child_path(path, &nested.name);
    let mut line = format!("- `{}` ({kind})", nested.name);
    push_description(&mut line, &nested.block.description);
    let _ = write!(
        line,
        " (see [below for nested schema](#{}))",
        anchor("nestedblock", &child)
    );
    Entry {
        name: nested.name.clone(),
        group,
        line,
        nested: Some(Pending::Block {
            path: child,
            block: &nested.block,
        }),
    }
}

/// A field of an object-typed attribute: objects have no required/optional split, so fields are
/// listed plainly with their types.
fn object_field_line<'s>(name: &str, ty: &Type, path: &[String], queue: &mut VecDeque<Pending<'s>>) -> String {
    let mut line = format!("- `{name}` ({})", type_label(ty));
    if let Some(fields) = object_fields(ty) {
        let child = child_path(path, name);
        let _ = write!(
            line,
            " (see [below for nested schema](#{}))",
            anchor("nestedatt", &child)
        );
        queue.push_back(Pending::Object {
            path: child,
            attributes: fields,
        });
    }
    line
}

fn child_path(path: &[String], name: &str) -> Vec<String> {
    let mut child = path.to_vec();
    child.push(name.to_owned());
    child
}

fn push_description(line: &mut String, description: &str) {
    let description = description.trim();
    if !description.is_empty() {
        line.push(' ');
        line.push_str(description);
    }
}

/// The attributes of an object type, or of the objects inside a collection type.
fn object_fields(ty: &Type) -> Option<Vec<(String, Type)>> {
    match ty {
        Type::Object(fields) => Some(fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        Type::List(element) | Type::Set(element) | Type::Map(element) => object_fields(element),
        _ => None,
    }
}

/// A type as the registry writes it: `String`, `List of String`, `Map of Number`, `List of Object`.
pub fn type_label(ty: &Type) -> String {
    match ty {
        Type::String => "String".to_owned(),
        Type::Number => "Number".to_owned(),
        Type::Bool => "Boolean".to_owned(),
        Type::Dynamic => "Dynamic".to_owned(),
        Type::List(element) => format!("List of {}", type_label(element)),
        Type::Set(element) => format!("Set of {}", type_label(element)),
        Type::Map(element) => format!("Map of {}", type_label(element)),
        Type::Object(_) => "Object".to_owned(),
        Type::Tuple(_) => "Tuple".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Block {
        let http = Block::new("Probe an URL.")
            .attribute(Attribute::required("url", Type::String).description("Where to probe."))
            .attribute(Attribute::optional("expect_status", Type::list(Type::Number)));
        let gate = Block::new("A health gate.")
            .attribute(Attribute::with_default("interval", Type::String, "5s").description("How often."))
            .block(NestedBlock::single("http", http));
        let wave_object = Type::object([
            ("name".to_owned(), Type::String),
            ("regions".to_owned(), Type::list(Type::String)),
        ]);
        Block::new("top")
            .attribute(Attribute::computed("id", Type::String).description("The id."))
            .attribute(Attribute::required("name", Type::String).description("The name."))
            .attribute(Attribute::optional("secret", Type::String).sensitive())
            .attribute(Attribute::required("waves", Type::list(wave_object)))
            .block(NestedBlock::list("gate", gate))
            .block(NestedBlock::list("region", Block::new("A region.")).items(1, 0))
    }

    #[test]
    fn groups_sorted_entries_and_links_nested_sections() {
        let md = render(&sample());
        let expected = "## Schema

### Required

- `name` (String) The name.
- `region` (Block List, Min: 1) A region. (see [below for nested schema](#nestedblock--region))
- `waves` (List of Object) (see [below for nested schema](#nestedatt--waves))

### Optional

- `gate` (Block List) A health gate. (see [below for nested schema](#nestedblock--gate))
- `secret` (String, Sensitive)

### Read-Only

- `id` (String) The id.

<a id=\"nestedblock--region\"></a>
### Nested Schema for `region`

<a id=\"nestedatt--waves\"></a>
### Nested Schema for `waves`

- `name` (String)
- `regions` (List of String)

<a id=\"nestedblock--gate\"></a>
### Nested Schema for `gate`

Optional:

- `http` (Block) Probe an URL. (see [below for nested schema](#nestedblock--gate--http))
- `interval` (String) How often.

<a id=\"nestedblock--gate--http\"></a>
### Nested Schema for `gate.http`

Required:

- `url` (String) Where to probe.

Optional:

- `expect_status` (List of Number)
";
        assert_eq!(md, expected, "got:\n{md}");
    }

    #[test]
    fn type_labels_read_like_the_registry() {
        assert_eq!(type_label(&Type::Bool), "Boolean");
        assert_eq!(type_label(&Type::Map(Box::new(Type::Number))), "Map of Number");
        assert_eq!(
            type_label(&Type::set(Type::list(Type::String))),
            "Set of List of String"
        );
    }
}
