//! Loading a Terraform configuration directory: [`Configuration::load`] reads the root
//! module's `*.tf` files and variable values, evaluates it (and the local modules it calls) and
//! returns every resource and data source instance with its values and where it is declared.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::path::Path;
use std::rc::Rc;

use crate::diagnostic::{Diagnostic, LoadError, Location, Severity};
use crate::eval::{Module, Shared};
use crate::files::{read_module, Mode};
use crate::value::Value;
use crate::variables::{root_values, Variables};

/// How Terraform shows a value it cannot know before apply.
pub const UNKNOWN_TEXT: &str = "(known after apply)";

/// Which instance of a resource or module call with `count` or `for_each`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstanceKey {
    /// `count`: `[0]`.
    Index(u64),
    /// `for_each`: `["key"]`.
    Key(String),
}

/// As Terraform writes it after the resource or module name: `[0]`, `["key"]`.
impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Index(i) => write!(f, "[{i}]"),
            InstanceKey::Key(key) => write!(f, "[{key:?}]"),
        }
    }
}

/// One resource or data source instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// Resource or data source.
    pub mode: Mode,
    /// `globaldeploy_wave`.
    pub resource_type: String,
    /// `canary`.
    pub name: String,
    /// The module path, e.g. `module.rollout`; empty in the root module.
    pub module: String,
    /// The instance key with `count` / `for_each`.
    pub key: Option<InstanceKey>,
    /// Terraform's address: `module.rollout.globaldeploy_wave.canary[0]`.
    pub address: String,
    /// The planned values: attributes by name, nested blocks as lists of objects, unknowns
    /// explicit (see [`Planner`]).
    pub values: Value,
    /// Where the block is declared.
    pub location: Location,
}

/// Turns a resource instance's configuration into the values Terraform would plan for it (a
/// provider's defaults and computed attributes). References to the resource see the planned
/// values, so that `waves = [globaldeploy_wave.canary]` gets what the plan would.
pub trait Planner {
    /// The planned values of a new `resource_type` instance configured as `configured`.
    fn plan(&self, mode: Mode, resource_type: &str, configured: Value) -> Value;
}

/// Plans every resource as configured: no defaults; attributes that are not configured are
/// unknown when referenced.
#[derive(Clone, Copy, Debug, Default)]
pub struct AsConfigured;

impl Planner for AsConfigured {
    fn plan(&self, _mode: Mode, _resource_type: &str, configured: Value) -> Value {
        configured
    }
}

/// A loaded configuration.
#[derive(Clone, Debug)]
pub struct Configuration {
    /// Every resource and data source instance, root module first, each module's in the order
    /// they were evaluated.
    pub resources: Vec<Resource>,
    /// What was not evaluated as Terraform would (and is unknown instead).
    pub warnings: Vec<Diagnostic>,
}

impl Configuration {
    /// Loads the root module in `dir`, planning resources [`AsConfigured`].
    pub fn load(dir: &Path, variables: &Variables) -> Result<Configuration, LoadError> {
        Configuration::load_with(dir, variables, &AsConfigured)
    }

    /// Loads the root module in `dir`, planning resources with `planner`.
    pub fn load_with(dir: &Path, variables: &Variables, planner: &dyn Planner) -> Result<Configuration, LoadError> {
        let mut diagnostics = Vec::new();
        let decls = read_module(dir, &mut diagnostics);
        let values = root_values(dir, &decls.variables, variables, &mut diagnostics);
        // Without its files or variables the module cannot be evaluated meaningfully.
        if diagnostics.iter().any(|d| d.severity == Severity::Error) {
            return Err(split(diagnostics).unwrap_err());
        }
        let shared = Shared {
            planner,
            diagnostics: RefCell::new(diagnostics),
            root_dir: dir.to_owned(),
            instances: Cell::new(0),
        };
        let resources = {
            let root = Module::new(&shared, dir.to_owned(), String::new(), Rc::new(decls), values);
            root.evaluate_all();
            root.all_resources()
        };
        let warnings = split(shared.diagnostics.into_inner())?;
        Ok(Configuration { resources, warnings })
    }

    /// The instance at `address`.
    pub fn resource(&self, address: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.address == address)
    }
}

/// The warnings, or every error; each diagnostic once (instances and outputs evaluate the same
/// expression more than once).
fn split(diagnostics: Vec<Diagnostic>) -> Result<Vec<Diagnostic>, LoadError> {
    let mut unique: Vec<Diagnostic> = Vec::new();
    for d in diagnostics {
        if !unique.contains(&d) {
            unique.push(d);
        }
    }
    let (errors, warnings): (Vec<_>, Vec<_>) = unique.into_iter().partition(|d| d.severity == Severity::Error);
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(LoadError { errors })
    }
}
