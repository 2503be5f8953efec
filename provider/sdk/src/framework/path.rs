//! Attribute paths: where in a configuration a diagnostic points.
//!
//! Terraform underlines the exact line of an attribute when a diagnostic carries its path, so
//! every validation in this crate builds one as it walks the configuration. Set elements cannot
//! be addressed on the wire: a path names a set element by its key ([`PathStep::Element`]), and
//! [`AttributePath::addressable`] turns it into what Terraform can point at, with words naming
//! the element for the message. Terraform maps a path onto the configuration by walking blocks
//! (an index selects the n-th block of that type in the file): a path that stops at a set of
//! several blocks makes it point at the enclosing block's first line, so the message has to say
//! which element; when the set has a single element, index 0 is that block and Terraform points
//! at the exact line.

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
    /// The element of a set whose attribute `attribute` is `key` (a keyed set block).
    Element {
        /// The key attribute, e.g. `name`.
        attribute: String,
        /// Its value in this element.
        key: String,
        /// Whether it is the set's only element (then it has an address: index 0).
        only: bool,
    },
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

    /// This path extended by the element of a set (of `elements` elements) whose attribute
    /// `attribute` is `key`.
    #[must_use]
    pub fn element(&self, attribute: impl Into<String>, key: impl Into<String>, elements: usize) -> Self {
        self.with(PathStep::Element {
            attribute: attribute.into(),
            key: key.into(),
            only: elements == 1,
        })
    }

    /// What a diagnostic at this path with `detail` becomes on the wire: the path Terraform
    /// can address (up to the first set element, or through it as index 0 when it is the set's
    /// only element), and the detail, which names the element and the rest of the path in words
    /// (`In the region block with name = "us-east-1", record_name: ...`) unless it already
    /// names the element itself.
    pub fn addressable(&self, detail: &str) -> (AttributePath, String) {
        let element = self.0.iter().enumerate().find_map(|(at, step)| match step {
            PathStep::Element { attribute, key, only } => Some((at, attribute, key, *only)),
            _ => None,
        });
        let Some((at, attribute, key, only)) = element else {
            return (self.clone(), detail.to_owned());
        };
        let prefix = AttributePath(self.0[..at].to_vec());
        let wire = if only {
            let mut steps = self.0.clone();
            steps[at] = PathStep::Index(0);
            AttributePath(steps).addressable("").0
        } else {
            prefix.clone()
        };
        if detail.contains(&AttributePath(self.0[..=at].to_vec()).to_string()) {
            return (wire, detail.to_owned());
        }
        let mut words = format!("In the {prefix} block with {attribute} = {key:?}");
        let rest = AttributePath(self.0[at + 1..].to_vec());
        if !rest.is_root() {
            words.push_str(&format!(", {rest}"));
        }
        (wire, format!("{words}: {detail}"))
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
                PathStep::Element { attribute, key, .. } => write!(f, "[{attribute}={key:?}]")?,
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
        let element = AttributePath::attr("region")
            .element("name", "us-east-1", 2)
            .join("ttl");
        assert_eq!(element.to_string(), "region[name=\"us-east-1\"].ttl");
    }

    #[test]
    fn set_elements_are_named_in_words() {
        let path = AttributePath::attr("region")
            .element("name", "us-east-1", 3)
            .join("target_alias")
            .join("name");
        assert_eq!(
            path.addressable("must not be empty"),
            (
                AttributePath::attr("region"),
                "In the region block with name = \"us-east-1\", target_alias.name: must not be empty".to_owned()
            )
        );
        let element = AttributePath::attr("region").element("name", "eu-west-1", 2);
        assert_eq!(
            element.addressable("bad").1,
            "In the region block with name = \"eu-west-1\": bad"
        );
        // The only element of a set is the one block there is: index 0 addresses it.
        let only = AttributePath::attr("endpoint")
            .element("set_identifier", "a", 1)
            .join("weight");
        assert_eq!(
            only.addressable("bad"),
            (
                AttributePath::attr("endpoint").index(0).join("weight"),
                "In the endpoint block with set_identifier = \"a\", weight: bad".to_owned()
            )
        );
        // A detail that already names the element is left as it is.
        let named = format!("{element} must set a target.");
        assert_eq!(element.addressable(&named).1, named);
        let plain = AttributePath::attr("gate").index(0);
        assert_eq!(plain.addressable("x"), (plain.clone(), "x".to_owned()));
    }
}
