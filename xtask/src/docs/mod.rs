//! `cargo xtask docs [--check]`: the Terraform-registry documentation under `docs/`, generated
//! from the provider's own schema (in-process, the values behind GetProviderSchema) and the
//! examples under `examples/`, so the pages cannot drift from what the provider enforces.
//!
//! Generated: `docs/index.md` (from `xtask/templates/index.md`), `docs/resources/*.md`,
//! `docs/data-sources/*.md`. Hand-written: `docs/guides/*.md`, which the index lists by their
//! `page_title`. `--check` renders everything in memory and reports each file that differs,
//! is missing or is left over, which is what CI runs.

mod pages;
mod schema_md;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

pub use pages::generate;

/// Directories whose every `.md` file is generated (anything else there is left over).
const GENERATED_DIRS: [&str; 2] = ["docs/resources", "docs/data-sources"];

/// One generated file: its path relative to the repository root and its contents.
#[derive(Debug, PartialEq, Eq)]
pub struct Page {
    pub path: PathBuf,
    pub contents: String,
}

/// How a file under `docs/` differs from what the generator produces.
#[derive(Debug, PartialEq, Eq)]
pub enum Drift {
    /// The file exists with other contents.
    Stale(PathBuf),
    /// The file should exist and does not.
    Missing(PathBuf),
    /// A generated directory holds a file nothing generates (e.g. a removed resource).
    LeftOver(PathBuf),
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Stale(path) => write!(f, "stale:     {}", path.display()),
            Drift::Missing(path) => write!(f, "missing:   {}", path.display()),
            Drift::LeftOver(path) => write!(
                f,
                "left over: {} (no resource or data source generates it)",
                path.display()
            ),
        }
    }
}

/// Compares `pages` with the files under `root`.
pub fn drift(root: &Path, pages: &[Page]) -> anyhow::Result<Vec<Drift>> {
    let mut drifts = Vec::new();
    for page in pages {
        let path = root.join(&page.path);
        match std::fs::read_to_string(&path) {
            Ok(on_disk) if on_disk == page.contents => {}
            Ok(_) => drifts.push(Drift::Stale(page.path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => drifts.push(Drift::Missing(page.path.clone())),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
    drifts.extend(left_over(root, pages)?.into_iter().map(Drift::LeftOver));
    Ok(drifts)
}

/// Writes every page whose contents changed and removes left-over generated files; returns what
/// it changed.
pub fn write(root: &Path, pages: &[Page]) -> anyhow::Result<Vec<Drift>> {
    let drifts = drift(root, pages)?;
    for drifted in &drifts {
        match drifted {
            Drift::Stale(relative) | Drift::Missing(relative) => {
                let page = pages
                    .iter()
                    .find(|p| &p.path == relative)
                    .context("a drifted page is one of the generated pages")?;
                let path = root.join(relative);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
                }
                std::fs::write(&path, &page.contents).with_context(|| format!("writing {}", path.display()))?;
            }
            Drift::LeftOver(relative) => {
                let path = root.join(relative);
                std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    Ok(drifts)
}

/// `cargo xtask docs --check`: fails, listing every drifted file, unless `docs/` is up to date.
pub fn check(root: &Path) -> anyhow::Result<()> {
    let pages = generate(root)?;
    let drifts = drift(root, &pages)?;
    if drifts.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = drifts.iter().map(|d| format!("  {d}")).collect();
    bail!(
        "docs/ is out of date with the provider schema and examples/:\n{}\nRun `cargo xtask docs` and commit the result.",
        list.join("\n")
    )
}

fn left_over(root: &Path, pages: &[Page]) -> anyhow::Result<Vec<PathBuf>> {
    let generated: BTreeSet<&Path> = pages.iter().map(|p| p.path.as_path()).collect();
    let mut left = Vec::new();
    for dir in GENERATED_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {dir}"))?;
            files.push(Path::new(dir).join(entry.file_name()));
        }
        files.sort();
        left.extend(files.into_iter().filter(|f| !generated.contains(f.as_path())));
    }
    Ok(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, contents: &str) -> Page {
        Page {
            path: PathBuf::from(path),
            contents: contents.to_owned(),
        }
    }

    #[test]
    fn check_reports_stale_missing_and_left_over_files_and_write_fixes_them() {
        let root = tempfile::tempdir().unwrap();
        let pages = vec![
            page("docs/index.md", "index\n"),
            page("docs/resources/wave.md", "wave\n"),
            page("docs/data-sources/rollout.md", "rollout\n"),
        ];
        std::fs::create_dir_all(root.path().join("docs/resources")).unwrap();
        std::fs::write(root.path().join("docs/index.md"), "index\n").unwrap();
        std::fs::write(root.path().join("docs/resources/wave.md"), "old wave\n").unwrap();
        std::fs::write(root.path().join("docs/resources/gone.md"), "gone\n").unwrap();

        let drifts = drift(root.path(), &pages).unwrap();
        assert_eq!(
            drifts,
            vec![
                Drift::Stale(PathBuf::from("docs/resources/wave.md")),
                Drift::Missing(PathBuf::from("docs/data-sources/rollout.md")),
                Drift::LeftOver(PathBuf::from("docs/resources/gone.md")),
            ]
        );

        assert_eq!(write(root.path(), &pages).unwrap().len(), 3);
        assert!(drift(root.path(), &pages).unwrap().is_empty());
        assert!(!root.path().join("docs/resources/gone.md").exists());
    }
}
