//! Where a codec currently is inside the value it walks.
//!
//! The codecs recurse through values guided by their types; a [`Trail`] records the path taken
//! (for error messages) and the nesting depth (to refuse hostile input that would otherwise
//! exhaust the stack — a dynamic value can nest further dynamic values without bound).

use crate::Error;

/// Deepest nesting the codecs accept. Real Terraform schemas stay far below it.
pub(crate) const MAX_DEPTH: usize = 128;

/// One step down into a value.
pub(crate) enum Step<'a> {
    /// An object attribute, rendered `.name`.
    Attr(&'a str),
    /// A list, set or tuple element, rendered `[i]`.
    Index(usize),
    /// A map element, rendered `["key"]`.
    Key(&'a str),
    /// Into the value wrapped by a dynamic type; adds depth but no text.
    Dynamic,
}

/// The state needed to undo one [`Trail::enter`].
#[must_use = "pass the mark back to Trail::leave"]
pub(crate) struct Mark(usize);

/// The path and depth of the current position.
#[derive(Default)]
pub(crate) struct Trail {
    path: String,
    depth: usize,
}

impl Trail {
    /// Descends one step, failing once the nesting limit is exceeded.
    pub(crate) fn enter(&mut self, step: Step<'_>) -> Result<Mark, Error> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::TooDeep {
                at: self.here(),
                limit: MAX_DEPTH,
            });
        }
        let mark = Mark(self.path.len());
        self.depth += 1;
        match step {
            Step::Attr(name) => {
                self.path.push('.');
                self.path.push_str(name);
            }
            Step::Index(index) => self.path.push_str(&format!("[{index}]")),
            Step::Key(key) => self.path.push_str(&format!("[{key:?}]")),
            Step::Dynamic => {}
        }
        Ok(mark)
    }

    /// Returns to where the matching [`Trail::enter`] started.
    pub(crate) fn leave(&mut self, mark: Mark) {
        self.path.truncate(mark.0);
        self.depth = self.depth.saturating_sub(1);
    }

    /// The current path, for an error.
    pub(crate) fn here(&self) -> String {
        self.path.clone()
    }
}
