//! The resource framework: schemas, validation, planning and the provider/resource traits.

pub mod diagnostics;
pub mod duration;
pub mod model;
pub mod path;
pub mod plan;
pub mod resource;
pub mod schema;
pub mod timeouts;
pub mod validate;
pub mod validators;
