//! Terraform's file conventions: which files of a directory make up a module (`*.tf`, in name
//! order), and the top-level blocks they declare (`variable`, `locals`, `output`, `resource`,
//! `data`, `module`). Blocks this crate does not evaluate (`terraform`, `provider`, `import`,
//! `moved`, `check`, ...) are accepted and left alone.

use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use hcl::edit::expr::Expression;
use hcl::edit::parser::parse_body;
use hcl::edit::structure::{Block, BlockLabel, Body, Structure};
use hcl::edit::Span;

use crate::diagnostic::{Diagnostic, Location, Severity, SourceFile};
use crate::types::Type;

/// Resource or data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// `resource "TYPE" "NAME"`.
    Managed,
    /// `data "TYPE" "NAME"`.
    Data,
}

/// An expression and where it is written.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub expr: Expression,
    pub location: Location,
}

/// A labelled block (`resource`, `data`, `module`) and where it is written.
#[derive(Debug)]
pub(crate) struct Declared {
    pub name: String,
    pub body: Body,
    pub file: Rc<SourceFile>,
    pub location: Location,
}

/// A `variable` block.
#[derive(Debug)]
pub(crate) struct VariableDecl {
    pub default: Option<Item>,
    pub ty: Type,
    /// `sensitive = true`: its value is marked [`crate::Value::Sensitive`].
    pub sensitive: bool,
    pub location: Location,
}

/// A `resource` or `data` block.
#[derive(Debug)]
pub(crate) struct ResourceDecl {
    pub mode: Mode,
    pub resource_type: String,
    pub block: Declared,
}

/// Everything a module's files declare.
#[derive(Debug, Default)]
pub(crate) struct Declarations {
    pub variables: BTreeMap<String, VariableDecl>,
    pub locals: BTreeMap<String, Item>,
    pub outputs: BTreeMap<String, Item>,
    pub resources: Vec<ResourceDecl>,
    pub modules: BTreeMap<String, Declared>,
}

impl Declarations {
    /// The resource `mode TYPE.NAME`.
    pub fn resource(&self, mode: Mode, resource_type: &str, name: &str) -> Option<&ResourceDecl> {
        self.resources
            .iter()
            .find(|r| r.mode == mode && r.resource_type == resource_type && r.block.name == name)
    }
}

/// Reads and parses one file; `Err` is a diagnostic at the syntax error.
pub(crate) fn parse_file(path: &Path) -> Result<(Rc<SourceFile>, Body), Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| Diagnostic {
        severity: Severity::Error,
        location: None,
        message: format!("cannot read {}: {e}", path.display()),
    })?;
    let file = Rc::new(SourceFile::new(path, text));
    match parse_body(file.text()) {
        Ok(body) => Ok((file, body)),
        Err(e) => Err(Diagnostic {
            severity: Severity::Error,
            location: Some(Location {
                file: path.to_owned(),
                line: e.location().line(),
                column: e.location().column(),
            }),
            message: format!("syntax error: {}", e.message()),
        }),
    }
}

/// The declarations of the module in `dir`; problems are added to `diagnostics`.
pub(crate) fn read_module(dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Declarations {
    let mut decls = Declarations::default();
    let mut paths: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "tf"))
            .collect(),
        Err(e) => {
            diagnostics.push(Diagnostic {
                severity: Severity::Error,
                location: None,
                message: format!("cannot read the configuration directory {}: {e}", dir.display()),
            });
            return decls;
        }
    };
    paths.sort();
    if paths.is_empty() {
        diagnostics.push(Diagnostic {
            severity: Severity::Error,
            location: None,
            message: format!("{} holds no Terraform configuration files (*.tf)", dir.display()),
        });
    }
    for path in paths {
        match parse_file(&path) {
            Ok((file, body)) => declare(&mut decls, &file, body, diagnostics),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    decls
}

fn label(label: &BlockLabel) -> &str {
    match label {
        BlockLabel::String(s) => s.value(),
        BlockLabel::Ident(i) => i.as_str(),
    }
}

fn error(location: Location, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        location: Some(location),
        message,
    }
}

fn declare(decls: &mut Declarations, file: &Rc<SourceFile>, body: Body, diagnostics: &mut Vec<Diagnostic>) {
    for structure in body {
        let Structure::Block(block) = structure else {
            // Terraform allows no top-level attributes.
            if let Structure::Attribute(attr) = structure {
                diagnostics.push(error(
                    file.at(attr.span()),
                    format!(
                        "unexpected attribute {:?}: only blocks are allowed at the top level",
                        attr.key.as_str()
                    ),
                ));
            }
            continue;
        };
        let location = file.at(block.span());
        let labels: Vec<String> = block.labels.iter().map(|l| label(l).to_owned()).collect();
        let kind = block.ident.as_str().to_owned();
        let wanted = match kind.as_str() {
            "resource" | "data" => 2,
            "variable" | "output" | "module" => 1,
            "locals" => 0,
            _ => continue,
        };
        if labels.len() != wanted {
            diagnostics.push(error(
                location,
                format!("a {kind} block needs {wanted} label(s), found {}", labels.len()),
            ));
            continue;
        }
        match kind.as_str() {
            "locals" => {
                for attr in block.body.into_attributes() {
                    let name = attr.key.as_str().to_owned();
                    let item = Item {
                        location: file.at(attr.span()),
                        expr: attr.value,
                    };
                    if let Some(previous) = decls.locals.get(&name) {
                        diagnostics.push(duplicate(&item.location, "local value", &name, &previous.location));
                    } else {
                        decls.locals.insert(name, item);
                    }
                }
            }
            "variable" => {
                let name = labels[0].clone();
                if let Some(previous) = decls.variables.get(&name) {
                    diagnostics.push(duplicate(&location, "variable", &name, &previous.location));
                    continue;
                }
                let default = attribute(&block, file, "default");
                let ty = match block.body.get_attribute("type") {
                    None => Type::Any,
                    Some(t) => Type::parse(&t.value).unwrap_or_else(|e| {
                        diagnostics.push(error(file.at(t.span()), format!("variable {name:?}: {e}")));
                        Type::Any
                    }),
                };
                let sensitive = match block.body.get_attribute("sensitive") {
                    None => false,
                    Some(attr) => match crate::variables::constant(&attr.value) {
                        Ok(crate::Value::Bool(b)) => b,
                        _ => {
                            diagnostics.push(error(
                                file.at(attr.span()),
                                format!("variable {name:?}: sensitive must be true or false"),
                            ));
                            false
                        }
                    },
                };
                decls.variables.insert(
                    name,
                    VariableDecl {
                        default,
                        ty,
                        sensitive,
                        location,
                    },
                );
            }
            "output" => {
                let name = labels[0].clone();
                let Some(value) = attribute(&block, file, "value") else {
                    diagnostics.push(error(location, format!("output {name:?} has no value")));
                    continue;
                };
                if let Some(previous) = decls.outputs.get(&name) {
                    diagnostics.push(duplicate(&location, "output", &name, &previous.location));
                } else {
                    decls.outputs.insert(name, value);
                }
            }
            "module" => {
                let name = labels[0].clone();
                if let Some(previous) = decls.modules.get(&name) {
                    diagnostics.push(duplicate(&location, "module", &name, &previous.location));
                    continue;
                }
                let declared = Declared {
                    name: name.clone(),
                    body: block.body,
                    file: Rc::clone(file),
                    location,
                };
                decls.modules.insert(name, declared);
            }
            _ => {
                let mode = if kind == "resource" { Mode::Managed } else { Mode::Data };
                let (resource_type, name) = (labels[0].clone(), labels[1].clone());
                if let Some(previous) = decls.resource(mode, &resource_type, &name) {
                    let what = if mode == Mode::Managed {
                        "resource"
                    } else {
                        "data source"
                    };
                    let address = format!("{resource_type}.{name}");
                    diagnostics.push(duplicate(&location, what, &address, &previous.block.location));
                    continue;
                }
                decls.resources.push(ResourceDecl {
                    mode,
                    resource_type,
                    block: Declared {
                        name,
                        body: block.body,
                        file: Rc::clone(file),
                        location,
                    },
                });
            }
        }
    }
}

fn attribute(block: &Block, file: &Rc<SourceFile>, key: &str) -> Option<Item> {
    block.body.get_attribute(key).map(|attr| Item {
        expr: attr.value.clone(),
        location: file.at(attr.span()),
    })
}

fn duplicate(location: &Location, what: &str, name: &str, previous: &Location) -> Diagnostic {
    error(
        location.clone(),
        format!("duplicate {what} {name:?}: it is already declared at {previous}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_declared_with_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "terraform {}\n\nvariable \"n\" {\n  type = number\n}\nlocals {\n  a = 1\n}\nresource \"x_y\" \"z\" {}\n",
        )
        .unwrap();
        let mut diagnostics = Vec::new();
        let decls = read_module(dir.path(), &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(decls.variables["n"].ty, Type::Number);
        assert_eq!(decls.variables["n"].location.line, 3);
        assert_eq!(decls.locals["a"].location.line, 7);
        assert_eq!(decls.resources[0].block.location.line, 9);
    }

    #[test]
    fn syntax_errors_point_at_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.tf"), "locals {\n  a = 1\n  b = \n}\n").unwrap();
        let mut diagnostics = Vec::new();
        read_module(dir.path(), &mut diagnostics);
        let location = diagnostics[0].location.as_ref().unwrap();
        assert!(location.file.ends_with("a.tf"));
        assert_eq!(location.line, 3, "{diagnostics:?}");
    }
}
