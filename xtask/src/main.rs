//! `cargo xtask`: the repository's own tasks, written in Rust so they need nothing beyond cargo
//! (the cargo-xtask pattern; the alias lives in `.cargo/config.toml`).
//!
//! - `cargo xtask docs [--check]`: the registry docs under `docs/` from the provider schema and
//!   `examples/` ([`docs`]); `--check` is what CI runs so the docs never drift.
//! - `cargo xtask release [--binary PATH] [--out-dir DIR] [--install-mirror DIR]`: release
//!   archives, checksums and manifest, optionally installed into a filesystem mirror ([`release`]).

mod docs;
mod release;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "Repository tasks for terraform-provider-globaldeploy")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Generate docs/index.md, docs/resources/*.md and docs/data-sources/*.md from the provider
    /// schema and examples/.
    Docs {
        /// Change nothing; fail (listing the files) if docs/ differs from what would be generated.
        #[arg(long)]
        check: bool,
    },
    /// Build the release zip, SHA256SUMS and manifest.json for this machine's OS and architecture.
    Release {
        /// Package this provider binary instead of building `cargo build --release` first.
        #[arg(long, value_name = "PATH")]
        binary: Option<PathBuf>,
        /// Where to write the artifacts [default: target/release-artifacts].
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// Also install the zip into this filesystem mirror (packed layout) and print the
        /// provider_installation block that uses it.
        #[arg(long, value_name = "DIR")]
        install_mirror: Option<PathBuf>,
    },
}

/// The repository root: this crate lives in `xtask/` directly below it.
fn repository_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.task) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(task: Task) -> anyhow::Result<()> {
    let root = repository_root();
    match task {
        Task::Docs { check: true } => {
            docs::check(&root)?;
            println!("docs/ is up to date");
        }
        Task::Docs { check: false } => {
            let pages = docs::generate(&root)?;
            let changed = docs::write(&root, &pages)?;
            for change in &changed {
                match change {
                    docs::Drift::Stale(path) | docs::Drift::Missing(path) => println!("wrote   {}", path.display()),
                    docs::Drift::LeftOver(path) => println!("removed {}", path.display()),
                }
            }
            println!("{} pages generated, {} changed", pages.len(), changed.len());
        }
        Task::Release {
            binary,
            out_dir,
            install_mirror,
        } => {
            let options = release::Options {
                binary: binary.map(|b| absolute(&b)),
                out_dir: absolute(&out_dir.unwrap_or_else(|| root.join("target/release-artifacts"))),
                install_mirror: install_mirror.map(|m| absolute(&m)),
            };
            let artifacts = release::run(&root, &options)?;
            println!("{}", artifacts.zip.display());
            if let Some(debug) = &artifacts.debug {
                println!("{}", debug.display());
            }
            println!("{}", artifacts.manifest.display());
            println!("{}", artifacts.sha256sums.display());
            println!("package hash (as in .terraform.lock.hcl): {}", artifacts.h1);
            if let (Some(mirrored), Some(mirror)) = (&artifacts.mirrored, &options.install_mirror) {
                println!("installed {}", mirrored.display());
                println!("\nAdd this to your Terraform CLI configuration (~/.terraformrc or TF_CLI_CONFIG_FILE):\n");
                print!("{}", release::cli_config_snippet(mirror));
            }
        }
    }
    Ok(())
}

/// `path` relative to the directory cargo was started from (cargo runs xtask there).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
