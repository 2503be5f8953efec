//! Input variable values of the root module, with Terraform's precedence (later wins):
//! `default` < `TF_VAR_name` < `terraform.tfvars` < `*.auto.tfvars` (name order) < `-var-file`
//! and `-var`, in command-line order.
//!
//! Text values (`-var`, `TF_VAR_`) are read as Terraform reads them: literally for variables of
//! a primitive type or no type, as an HCL expression for collection and structural types.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl::edit::parser::parse_expr;
use hcl::edit::structure::Structure;
use hcl::edit::Span;
use hcl::eval::Evaluate;

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::files::{parse_file, VariableDecl};
use crate::types::Type;
use crate::value::Value;

/// Values given from outside the configuration.
#[derive(Clone, Debug, Default)]
pub struct Variables {
    /// `-var` and `-var-file` options, in command-line order.
    pub cli: Vec<CliVariable>,
    /// `TF_VAR_name` environment variables, as `(name, value)` without the prefix.
    pub environment: Vec<(String, String)>,
}

/// One command-line option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CliVariable {
    /// `-var NAME=VALUE`, as given.
    Var(String),
    /// `-var-file FILE`.
    File(PathBuf),
}

impl Variables {
    /// Adds the process's `TF_VAR_*` environment variables.
    #[must_use]
    pub fn with_process_environment(mut self) -> Variables {
        self.environment.extend(
            std::env::vars()
                .filter_map(|(key, value)| key.strip_prefix("TF_VAR_").map(|name| (name.to_owned(), value))),
        );
        self
    }
}

fn error(location: Option<Location>, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        location,
        message,
    }
}

/// Evaluates an expression that may use no references (tfvars, defaults, `-var` values).
pub(crate) fn constant(expr: &hcl::edit::expr::Expression) -> Result<Value, String> {
    hcl::Expression::from(expr.clone())
        .evaluate(&hcl::eval::Context::new())
        .map(Value::from_hcl)
        .map_err(|e| format!("{}; only literal values are allowed here", e.kind()))
}

/// The root module's variable values; problems go to `diagnostics`.
pub(crate) fn root_values(
    dir: &Path,
    declared: &BTreeMap<String, VariableDecl>,
    given: &Variables,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Value> {
    let mut values = BTreeMap::new();
    for (name, decl) in declared {
        if let Some(default) = &decl.default {
            match constant(&default.expr) {
                Ok(value) => {
                    values.insert(name.clone(), value);
                }
                Err(e) => diagnostics.push(error(Some(default.location.clone()), format!("variable {name:?}: {e}"))),
            }
        }
    }
    for (name, text) in &given.environment {
        if let Some(decl) = declared.get(name) {
            match from_text(text, &decl.ty) {
                Ok(value) => {
                    values.insert(name.clone(), value);
                }
                Err(e) => diagnostics.push(error(None, format!("TF_VAR_{name}: {e}"))),
            }
        }
    }
    let mut files = vec![dir.join("terraform.tfvars")];
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.to_string_lossy().ends_with(".auto.tfvars"))
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    files.extend(auto);
    for file in files.iter().filter(|f| f.is_file()) {
        read_tfvars(file, declared, &mut values, diagnostics);
    }
    for option in &given.cli {
        match option {
            CliVariable::File(file) => {
                if file.is_file() {
                    read_tfvars(file, declared, &mut values, diagnostics);
                } else {
                    diagnostics.push(error(None, format!("-var-file {}: no such file", file.display())));
                }
            }
            CliVariable::Var(assignment) => {
                let Some((name, text)) = assignment.split_once('=') else {
                    diagnostics.push(error(
                        None,
                        format!("-var {assignment:?}: expected NAME=VALUE, e.g. -var 'region=us-east-1'"),
                    ));
                    continue;
                };
                let name = name.trim();
                let Some(decl) = declared.get(name) else {
                    diagnostics.push(error(
                        None,
                        format!("-var {name}: the configuration declares no variable {name:?}"),
                    ));
                    continue;
                };
                match from_text(text, &decl.ty) {
                    Ok(value) => {
                        values.insert(name.to_owned(), value);
                    }
                    Err(e) => diagnostics.push(error(None, format!("-var {name}: {e}"))),
                }
            }
        }
    }
    for (name, decl) in declared {
        match values.get(name) {
            None => diagnostics.push(error(
                Some(decl.location.clone()),
                format!("variable {name:?} has no value: give it a default, or set it with -var, a .tfvars file or TF_VAR_{name}"),
            )),
            Some(value) => match decl.ty.convert(value.clone()) {
                Ok(converted) => {
                    values.insert(name.clone(), mark(decl, converted));
                }
                Err(e) => diagnostics.push(error(Some(decl.location.clone()), format!("variable {name:?}: {e}"))),
            },
        }
    }
    values
}

/// `value` as the variable `decl` hands it out: marked when the variable is sensitive.
pub(crate) fn mark(decl: &VariableDecl, value: Value) -> Value {
    if decl.sensitive {
        Value::sensitive(value)
    } else {
        value
    }
}

/// Reads a `.tfvars` file into `values`.
fn read_tfvars(
    path: &Path,
    declared: &BTreeMap<String, VariableDecl>,
    values: &mut BTreeMap<String, Value>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let (file, body) = match parse_file(path) {
        Ok(parsed) => parsed,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return;
        }
    };
    for structure in body {
        match structure {
            Structure::Attribute(attr) => {
                let location = file.at(attr.span());
                let name = attr.key.as_str().to_owned();
                if !declared.contains_key(&name) {
                    diagnostics.push(Diagnostic {
                        severity: Severity::Warning,
                        location: Some(location),
                        message: format!("value for undeclared variable {name:?} is ignored"),
                    });
                    continue;
                }
                match constant(&attr.value) {
                    Ok(value) => {
                        values.insert(name, value);
                    }
                    Err(e) => diagnostics.push(error(Some(location), format!("variable {name:?}: {e}"))),
                }
            }
            Structure::Block(block) => diagnostics.push(error(
                Some(file.at(block.span())),
                "a variable definitions file holds only NAME = VALUE assignments, not blocks".to_owned(),
            )),
        }
    }
}

/// A value given as text.
fn from_text(text: &str, ty: &Type) -> Result<Value, String> {
    if ty.is_primitive() {
        return ty.convert(Value::String(text.to_owned()));
    }
    let expr = parse_expr(text).map_err(|e| format!("{text:?} is not an HCL value: {}", e.message()))?;
    constant(&expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_read_by_the_declared_type() {
        let list = Type::List(Box::new(Type::String));
        assert_eq!(from_text("3", &Type::Number), Ok(3.into()));
        assert_eq!(from_text("3", &Type::Any), Ok("3".into()));
        assert_eq!(from_text("true", &Type::Bool), Ok(true.into()));
        assert_eq!(
            from_text(r#"["a", "b"]"#, &list),
            Ok(Value::List(vec!["a".into(), "b".into()]))
        );
        assert!(from_text("x", &Type::Number).unwrap_err().contains("not a number"));
        assert!(from_text("[", &list).is_err());
    }
}
