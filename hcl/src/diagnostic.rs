//! Where things are in the configuration, and what is wrong with it: every error and warning
//! names the file and line it is about, so a user can jump there.

use std::fmt;
use std::path::{Path, PathBuf};

/// A position in a configuration file (lines and columns count from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file, as found (relative to where the directory was given).
    pub file: PathBuf,
    /// Line.
    pub line: usize,
    /// Column, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// How bad a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The configuration cannot be loaded as written.
    Error,
    /// Loaded, but something was not evaluated as Terraform would (shown as unknown instead).
    Warning,
}

/// One problem, at a place when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where; `None` for problems of the command line.
    pub location: Option<Location>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Why a configuration could not be loaded: every error found, one per line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The errors (at least one), in the order found.
    pub errors: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// A configuration file's text, to turn the byte offsets of the parser into lines.
#[derive(Debug)]
pub(crate) struct SourceFile {
    pub path: PathBuf,
    text: String,
}

impl SourceFile {
    pub fn new(path: &Path, text: String) -> SourceFile {
        SourceFile {
            path: path.to_owned(),
            text,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The location of byte `offset` (the end of the file when past it).
    pub fn location(&self, offset: usize) -> Location {
        let before = self.text.get(..offset.min(self.text.len())).unwrap_or(&self.text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            file: self.path.clone(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    /// The location of a parsed item's span, or of the file's start when it has none.
    pub fn at(&self, span: Option<std::ops::Range<usize>>) -> Location {
        self.location(span.map_or(0, |s| s.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let file = SourceFile::new(Path::new("main.tf"), "a = 1\nbé = 2\n".to_owned());
        assert_eq!(file.location(0).line, 1);
        let b = file.location(6);
        assert_eq!((b.line, b.column), (2, 1));
        let two = file.location("a = 1\nbé = ".len());
        assert_eq!((two.line, two.column), (2, 6));
        assert_eq!(two.to_string(), "main.tf:2");
    }
}
