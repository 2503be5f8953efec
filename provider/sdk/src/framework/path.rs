//! Attribute paths: where in a configuration a diagnostic points.
//!
//! Terraform underlines the exact line of an attribute when a diagnostic carries its path, so
//! every validation in this crate builds one as it walks the configuration. Set elements cannot
//! be addressed on the wire, so a path that enters a set stops at the set itself.

use std::fmt;

/// One step of an [`AttributePath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An attribute or nested block name.
    Attribute(String),
    /// An element of a list or tuple.
    Index(i64),
    /// An element of a map.
    Key(String),
}

/// A path from the root of a resource or provider configuration to one value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttributePath(Vec<PathStep>);

impl AttributePath {
    /// The empty path: the whole object.
    pub fn root() -> Self {
        Self::default()
    }

    /// A path with a single attribute step.
    pub fn attr(name: impl Into<String>) -> Self {
        Self(vec![PathStep::Attribute(name.into())])
    }

    /// This path extended by an attribute step.
    #[must_use]
    pub fn join(&self, name: impl Into<String>) -> Self {
        self.with(PathStep::Attribute(name.into()))
    }

    /// This path extended by a list index step.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        self.with(PathStep::Index(i64::try_from(index).unwrap_or(i64::MAX)))
    }

    /// This path extended by a map key step.
    #[must_use]
    pub fn key(&self, key: impl Into<String>) -> Self {
        self.with(PathStep::Key(key.into()))
    }

    fn with(&self, step: PathStep) -> Self {
        let mut steps = self.0.clone();
        steps.push(step);
        Self(steps)
    }

    /// The steps from the root.
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<PathStep>> for AttributePath {
    fn from(steps: Vec<PathStep>) -> Self {
        Self(steps)
    }
}

/// Renders like Terraform's own paths: `gate[0].interval`, `tags["env"]`.
impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => write!(f, "{name}")?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_terraform() {
        let path = AttributePath::attr("gate").index(0).join("http").join("timeout");
        assert_eq!(path.to_string(), "gate[0].http.timeout");
        assert_eq!(AttributePath::attr("tags").key("env").to_string(), "tags[\"env\"]");
    }
}
