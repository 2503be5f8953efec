//! Reading Terraform configurations and writing HCL.
//!
//! This crate knows HCL and Terraform's file conventions, not globaldeploy's domain: it loads a
//! configuration directory into evaluated blocks (type, name, values, source ranges) and writes
//! HCL for adopted resources. The reconciler's CLI maps those blocks onto its rollout model.

pub mod diagnostic;
mod eval;
mod files;
mod functions;
pub mod load;
mod references;
mod types;
pub mod value;
pub mod variables;
pub mod write;

pub use diagnostic::{Diagnostic, LoadError, Location, Severity};
pub use files::Mode;
pub use load::{AsConfigured, Configuration, InstanceKey, Planner, Resource, UNKNOWN_TEXT};
pub use value::Value;
pub use variables::{CliVariable, Variables};
