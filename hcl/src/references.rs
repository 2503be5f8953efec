//! The references an expression makes (`var.region`, `local.waves[0]`,
//! `globaldeploy_wave.canary.name`), found by walking it before evaluation: the evaluator
//! resolves exactly these, lazily, and knows whether they are known.

use hcl::edit::expr::{Expression, Traversal, TraversalOperator};
use hcl::edit::visit::{self, Visit};

/// One step of a reference's static path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// `.name` or `["name"]`.
    Key(String),
    /// `[0]`.
    Index(usize),
}

/// A reference: a root variable and the static part of what follows it (up to the first
/// dynamic index or splat).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reference {
    pub root: String,
    pub path: Vec<Step>,
}

impl Reference {
    /// The key at `index` of the path, when it is a name.
    pub fn key(&self, index: usize) -> Option<&str> {
        match self.path.get(index) {
            Some(Step::Key(key)) => Some(key),
            _ => None,
        }
    }
}

/// Every reference in `expr`, in order of appearance.
pub(crate) fn references(expr: &Expression) -> Vec<Reference> {
    let mut collector = Collector::default();
    collector.visit_expr(expr);
    collector.found
}

#[derive(Default)]
struct Collector {
    found: Vec<Reference>,
}

impl Collector {
    fn traversal(&mut self, node: &Traversal) {
        let Expression::Variable(root) = &node.expr else {
            visit::visit_traversal(self, node);
            return;
        };
        let mut path = Vec::new();
        let mut dynamic = false;
        for operator in &node.operators {
            let step = match operator.value() {
                TraversalOperator::GetAttr(name) => Some(Step::Key(name.as_str().to_owned())),
                TraversalOperator::Index(Expression::String(key)) => Some(Step::Key(key.value().clone())),
                TraversalOperator::Index(Expression::Number(n)) => n
                    .value()
                    .as_u64()
                    .and_then(|i| usize::try_from(i).ok())
                    .map(Step::Index),
                TraversalOperator::LegacyIndex(i) => usize::try_from(*i.value()).ok().map(Step::Index),
                TraversalOperator::Index(index) => {
                    self.visit_expr(index);
                    None
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => None,
            };
            match step {
                Some(step) if !dynamic => path.push(step),
                _ => dynamic = true,
            }
        }
        self.found.push(Reference {
            root: root.as_str().to_owned(),
            path,
        });
    }
}

impl Visit for Collector {
    fn visit_expr(&mut self, node: &Expression) {
        match node {
            Expression::Variable(root) => self.found.push(Reference {
                root: root.as_str().to_owned(),
                path: Vec::new(),
            }),
            Expression::Traversal(traversal) => self.traversal(traversal),
            other => visit::visit_expr(self, other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str) -> Vec<(String, Vec<Step>)> {
        let expr = hcl::edit::parser::parse_expr(text).unwrap();
        references(&expr).into_iter().map(|r| (r.root, r.path)).collect()
    }

    fn key(k: &str) -> Step {
        Step::Key(k.to_owned())
    }

    #[test]
    fn finds_roots_and_static_paths() {
        assert_eq!(
            refs(r#""${var.name}-${local.suffix["x"]}""#),
            vec![
                ("var".to_owned(), vec![key("name")]),
                ("local".to_owned(), vec![key("suffix"), key("x")])
            ]
        );
        assert_eq!(
            refs("[globaldeploy_wave.canary, globaldeploy_wave.rest[0].id]"),
            vec![
                ("globaldeploy_wave".to_owned(), vec![key("canary")]),
                (
                    "globaldeploy_wave".to_owned(),
                    vec![key("rest"), Step::Index(0), key("id")]
                )
            ]
        );
    }

    #[test]
    fn a_dynamic_index_ends_the_static_path_and_is_walked_too() {
        assert_eq!(
            refs("local.waves[var.i].name"),
            vec![
                ("var".to_owned(), vec![key("i")]),
                ("local".to_owned(), vec![key("waves")])
            ]
        );
        assert_eq!(
            refs("[for w in var.waves : w.name]"),
            vec![
                ("var".to_owned(), vec![key("waves")]),
                ("w".to_owned(), vec![key("name")])
            ]
        );
    }
}
