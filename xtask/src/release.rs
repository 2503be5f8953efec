//! `cargo xtask release`: the provider's release archives in the layout the Terraform registry
//! and provider mirrors expect, and an optional install into a local filesystem mirror so that
//! `terraform init` finds the provider without `dev_overrides`.
//!
//! Artifacts (in `target/release-artifacts/` unless `--out-dir` says otherwise):
//! - `terraform-provider-globaldeploy_VERSION_OS_ARCH.zip` holding the one executable
//!   `terraform-provider-globaldeploy_vVERSION` (mode 0755, fixed timestamp: the same binary always
//!   gives the same zip, so its checksum is reproducible), without its debug info;
//! - `terraform-provider-globaldeploy_VERSION_OS_ARCH.debug` (Linux): that debug info, which
//!   the executable names in its `.gnu_debuglink`, so gdb and addr2line symbolise a panic's
//!   addresses when the file lies beside the executable;
//! - `terraform-provider-globaldeploy_VERSION_manifest.json`: `{"version":1,"metadata":{"protocol_versions":["5.0"]}}`;
//! - `terraform-provider-globaldeploy_VERSION_SHA256SUMS`: `sha256sum` format over the others.
//!
//! It also prints the package's `h1:` hash (Terraform's hash of the unpacked package), the value
//! `terraform init` records in `.terraform.lock.hcl`, so a lock file can be checked against it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use zip::write::SimpleFileOptions;

/// The provider's registry type and binary name stem.
const PROVIDER_TYPE: &str = "globaldeploy";
/// Where the provider is published: `HOSTNAME/NAMESPACE/TYPE`.
const SOURCE_ADDRESS: &str = "registry.terraform.io/globaldeploy/globaldeploy";
/// The version released: the workspace's (the provider and this crate share it).
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The plugin protocol the provider serves.
const PROTOCOL_VERSIONS: [&str; 1] = ["5.0"];

/// What `cargo xtask release` was asked to do.
#[derive(Debug)]
pub struct Options {
    /// An already built provider binary; `None` builds the release binary first.
    pub binary: Option<PathBuf>,
    /// Where the artifacts go.
    pub out_dir: PathBuf,
    /// A filesystem-mirror directory to install the zip into.
    pub install_mirror: Option<PathBuf>,
}

/// The artifacts written, for the summary.
#[derive(Debug)]
pub struct Artifacts {
    pub zip: PathBuf,
    /// The executable's debug info, when it was split off.
    pub debug: Option<PathBuf>,
    pub manifest: PathBuf,
    pub sha256sums: PathBuf,
    /// `h1:...`, Terraform's hash of the unpacked package.
    pub h1: String,
    /// The zip inside the mirror, when installed.
    pub mirrored: Option<PathBuf>,
}

/// Builds (or takes) the binary, writes the artifacts and installs them when asked.
pub fn run(root: &Path, options: &Options) -> anyhow::Result<Artifacts> {
    let binary = match &options.binary {
        Some(path) => path.clone(),
        None => build_release_binary(root)?,
    };
    let platform = Platform::host()?;
    let out_dir = &options.out_dir;
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    let debug_name = format!("terraform-provider-{PROVIDER_TYPE}_{VERSION}_{platform}.debug");
    let split = split_debug_info(&binary, &debug_name, platform)?;
    let debug = match &split.debug {
        Some(bytes) => Some(write_file(out_dir, &debug_name, bytes)?),
        None => None,
    };

    let executable_name = format!(
        "terraform-provider-{PROVIDER_TYPE}_v{VERSION}{}",
        std::env::consts::EXE_SUFFIX
    );
    let zip_name = format!("terraform-provider-{PROVIDER_TYPE}_{VERSION}_{platform}.zip");
    let zip_bytes = zip_single_executable(&executable_name, &split.executable)?;
    let zip = write_file(out_dir, &zip_name, &zip_bytes)?;

    let manifest_name = format!("terraform-provider-{PROVIDER_TYPE}_{VERSION}_manifest.json");
    let manifest_json = manifest();
    let manifest = write_file(out_dir, &manifest_name, manifest_json.as_bytes())?;

    let sums_name = format!("terraform-provider-{PROVIDER_TYPE}_{VERSION}_SHA256SUMS");
    let mut summed = vec![
        (zip_name.as_str(), zip_bytes.as_slice()),
        (&manifest_name, manifest_json.as_bytes()),
    ];
    if let Some(bytes) = &split.debug {
        summed.push((&debug_name, bytes));
    }
    let sha256sums = write_file(out_dir, &sums_name, sha256sums(&summed).as_bytes())?;

    let mirrored = match &options.install_mirror {
        Some(mirror) => Some(install_packed(mirror, &zip_name, &zip_bytes)?),
        None => None,
    };
    Ok(Artifacts {
        zip,
        debug,
        manifest,
        sha256sums,
        h1: h1_hash(&[(&executable_name, &split.executable)]),
        mirrored,
    })
}

/// `cargo build --release -p terraform-provider-globaldeploy`; returns the binary's path.
fn build_release_binary(root: &Path) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--release", "--package", "terraform-provider-globaldeploy"])
        .current_dir(root)
        .status()
        .context("running cargo build --release")?;
    if !status.success() {
        bail!("cargo build --release -p terraform-provider-globaldeploy failed ({status})");
    }
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    Ok(target_dir.join("release").join(format!(
        "terraform-provider-{PROVIDER_TYPE}{}",
        std::env::consts::EXE_SUFFIX
    )))
}

/// The executable as shipped and, apart, its debug info.
struct Split {
    executable: Vec<u8>,
    /// `None` where splitting is not implemented (not an ELF platform): the executable keeps it.
    debug: Option<Vec<u8>>,
}

/// Splits the debug info off `binary` as Linux distributions do (`objcopy --only-keep-debug`,
/// `--strip-debug`, `--add-gnu-debuglink`): the archive that `terraform init` downloads on every
/// fresh runner holds no DWARF (about nine tenths of a release binary with line tables), and the
/// symbol table stays, so a panic's backtrace still names its functions. The debug file is
/// named `debug_name` and its sections compressed (gdb and addr2line read them as they are).
fn split_debug_info(binary: &Path, debug_name: &str, platform: Platform) -> anyhow::Result<Split> {
    let read = |path: &Path| std::fs::read(path).with_context(|| format!("reading {}", path.display()));
    if platform.os != "linux" {
        return Ok(Split {
            executable: read(binary)?,
            debug: None,
        });
    }
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    // The debug link records the debug file's name, so it is written under its artifact name.
    let debug = scratch.path().join(debug_name);
    let executable = scratch.path().join("executable");
    objcopy(&[
        "--only-keep-debug".as_ref(),
        "--compress-debug-sections=zlib".as_ref(),
        binary.as_os_str(),
        debug.as_os_str(),
    ])?;
    let mut link = std::ffi::OsString::from("--add-gnu-debuglink=");
    link.push(&debug);
    objcopy(&[
        "--strip-debug".as_ref(),
        &link,
        binary.as_os_str(),
        executable.as_os_str(),
    ])?;
    Ok(Split {
        executable: read(&executable)?,
        debug: Some(read(&debug)?),
    })
}

/// Runs GNU objcopy (`$OBJCOPY` or `objcopy` on PATH) with `args`.
fn objcopy(args: &[&std::ffi::OsStr]) -> anyhow::Result<()> {
    let program = std::env::var_os("OBJCOPY").unwrap_or_else(|| "objcopy".into());
    let output = Command::new(&program).args(args).output().with_context(|| {
        format!(
            "running {}: the release splits the debug info off the provider binary with GNU objcopy \
             (Debian/Ubuntu: apt-get install binutils; or set OBJCOPY)",
            program.to_string_lossy()
        )
    })?;
    if !output.status.success() {
        bail!(
            "{} {} failed ({}): {}",
            program.to_string_lossy(),
            args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Terraform's name for an OS and architecture: `linux_amd64`, `darwin_arm64`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    os: &'static str,
    arch: &'static str,
}

impl Platform {
    /// The platform this task runs on (the binary it packages is built for it).
    pub fn host() -> anyhow::Result<Self> {
        Self::from_rust(std::env::consts::OS, std::env::consts::ARCH)
    }

    /// Maps Rust's `std::env::consts` names to Go's, which Terraform uses.
    fn from_rust(os: &str, arch: &str) -> anyhow::Result<Self> {
        let os = match os {
            "linux" => "linux",
            "macos" => "darwin",
            "windows" => "windows",
            "freebsd" => "freebsd",
            "openbsd" => "openbsd",
            other => bail!("Terraform has no provider packages for the OS {other:?}"),
        };
        let arch = match arch {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "arm" => "arm",
            other => bail!("Terraform has no provider packages for the architecture {other:?}"),
        };
        Ok(Self { os, arch })
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.os, self.arch)
    }
}

/// A zip holding one executable file.
fn zip_single_executable(name: &str, bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755)
        .last_modified_time(zip::DateTime::default());
    writer.start_file(name, options).context("starting the zip entry")?;
    writer.write_all(bytes).context("compressing the provider binary")?;
    Ok(writer.finish().context("finishing the zip")?.into_inner())
}

fn manifest() -> String {
    let manifest = serde_json::json!({
        "version": 1,
        "metadata": { "protocol_versions": PROTOCOL_VERSIONS },
    });
    format!("{manifest:#}\n")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `sha256sum` output for `files` (name, contents), sorted by name.
fn sha256sums(files: &[(&str, &[u8])]) -> String {
    let mut lines: Vec<String> = files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes)))
        .collect();
    lines.sort_by(|a, b| a.split_once("  ").map(|x| x.1).cmp(&b.split_once("  ").map(|x| x.1)));
    lines.concat()
}

/// Terraform's `h1:` package hash (Go's `dirhash.Hash1`): the SHA-256 of the `sha256sum`-style
/// listing of the unpacked files, sorted by name, in base64.
fn h1_hash(files: &[(&str, &[u8])]) -> String {
    let listing = sha256sums(files);
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(listing.as_bytes()))
    )
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Copies the zip into `mirror` in Terraform's packed filesystem-mirror layout,
/// `HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip`, so that `terraform init`
/// installs (and hashes) exactly the released archive.
fn install_packed(mirror: &Path, zip_name: &str, zip_bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let dir = mirror.join(SOURCE_ADDRESS);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    write_file(&dir, zip_name, zip_bytes)
}

/// The CLI configuration that makes Terraform install the provider from `mirror` only.
pub fn cli_config_snippet(mirror: &Path) -> String {
    let path = mirror.display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{path}\"\n    include = [\"{SOURCE_ADDRESS}\"]\n  }}\n  direct {{\n    exclude = [\"{SOURCE_ADDRESS}\"]\n  }}\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    #[test]
    fn platforms_use_go_names() {
        assert_eq!(
            Platform::from_rust("linux", "x86_64").unwrap().to_string(),
            "linux_amd64"
        );
        assert_eq!(
            Platform::from_rust("macos", "aarch64").unwrap().to_string(),
            "darwin_arm64"
        );
        let err = Platform::from_rust("linux", "riscv64").unwrap_err();
        assert!(err.to_string().contains("riscv64"), "{err}");
    }

    #[test]
    fn sha256sums_are_sorted_and_in_sha256sum_format() {
        let sums = sha256sums(&[("b.zip", b"b"), ("a.json", b"")]);
        assert_eq!(
            sums,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.json\n\
             3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b.zip\n"
        );
    }

    #[test]
    fn h1_is_dirhash_hash1() {
        // dirhash.Hash1 of one empty file named "f": sha256 of "e3b0...b855  f\n", in base64.
        let listing = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  f\n";
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(listing.as_bytes()));
        assert_eq!(h1_hash(&[("f", b"")]), format!("h1:{expected}"));
    }

    #[test]
    fn the_zip_holds_one_executable_and_is_reproducible() {
        let first = zip_single_executable("terraform-provider-globaldeploy_v1.2.3", b"#!binary").unwrap();
        let second = zip_single_executable("terraform-provider-globaldeploy_v1.2.3", b"#!binary").unwrap();
        assert_eq!(first, second, "the same binary must give the same zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(first)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name(), "terraform-provider-globaldeploy_v1.2.3");
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).unwrap();
        assert_eq!(contents, b"#!binary");
    }

    #[test]
    fn manifest_announces_protocol_5() {
        let manifest: serde_json::Value = serde_json::from_str(&manifest()).unwrap();
        assert_eq!(
            manifest,
            serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["5.0"]}})
        );
    }
}
