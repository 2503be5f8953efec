//! Release archives (`cargo xtask release`) as Terraform consumes them: the task packages the
//! debug provider binary, and a `terraform init` whose CLI configuration has only a
//! `filesystem_mirror` (no `dev_overrides`) installs it from the mirror, records its hash in the
//! lock file, and validates and plans a configuration with it.
//!
//! Checks are made by tools other than the task itself: `sha256sum -c` for the checksums,
//! Terraform for unpacking the zip and for the `h1:` hash in `.terraform.lock.hcl`, binutils
//! (`readelf`, `nm`, `addr2line`) for the executable shipped without debug info and the debug
//! file that symbolises it.

use std::path::{Path, PathBuf};
use std::process::Command;

use globaldeploy_e2e::{provider_binary, Workspace, PROVIDER_SOURCE};

const VERSION: &str = "0.1.0";

/// `target/debug/xtask`, built beside the provider by `cargo build --workspace --bins`.
fn xtask_binary() -> PathBuf {
    let provider = provider_binary();
    let xtask = provider.with_file_name("xtask");
    assert!(
        xtask.is_file(),
        "{} not found; build it first: cargo build -p xtask (scripts/test.sh builds every binary)",
        xtask.display()
    );
    xtask
}

/// What `cargo xtask release` printed that the test needs.
struct Released {
    out_dir: PathBuf,
    zip_name: String,
    h1: String,
}

fn release(binary: &Path, out_dir: &Path, mirror: &Path) -> Released {
    let output = Command::new(xtask_binary())
        .arg("release")
        .arg("--binary")
        .arg(binary)
        .arg("--out-dir")
        .arg(out_dir)
        .arg("--install-mirror")
        .arg(mirror)
        .output()
        .expect("run xtask release");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "xtask release failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let zip_name = stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{}/", out_dir.display()))
                .filter(|n| n.ends_with(".zip"))
        })
        .unwrap_or_else(|| panic!("no zip path in the output:\n{stdout}"))
        .to_owned();
    let h1 = stdout
        .split_whitespace()
        .find(|w| w.starts_with("h1:"))
        .unwrap_or_else(|| panic!("no h1: hash in the output:\n{stdout}"))
        .to_owned();
    assert!(
        stdout.contains("filesystem_mirror {") && stdout.contains(&mirror.display().to_string()),
        "the CLI configuration snippet is missing:\n{stdout}"
    );
    Released {
        out_dir: out_dir.to_path_buf(),
        zip_name,
        h1,
    }
}

/// A configuration requiring exactly `version` of the provider, with one wave.
fn configuration(version: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    globaldeploy = {{
      source  = "globaldeploy/globaldeploy"
      version = "{version}"
    }}
  }}
}}

provider "globaldeploy" {{}}

resource "globaldeploy_wave" "canary" {{
  name    = "canary"
  regions = ["us-west-2"]
}}
"#
    )
}

/// A workspace whose CLI configuration installs the provider only from `mirror`.
fn mirror_workspace(mirror: &Path, version: &str) -> Workspace {
    let ws = Workspace::new();
    let rc = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{PROVIDER_SOURCE}\"]\n  }}\n}}\n",
        mirror.display()
    );
    std::fs::write(ws.cli_config(), rc).expect("write the mirror-only CLI configuration");
    ws.write("main.tf", &configuration(version));
    ws
}

#[test]
fn release_archive_installs_from_a_filesystem_mirror_without_dev_overrides() {
    let scratch = tempfile::tempdir().expect("temporary directory");
    let mirror = scratch.path().join("mirror");
    // A private copy, so that a rebuild of target/debug during the test cannot change what is compared.
    let binary = scratch.path().join("terraform-provider-globaldeploy");
    std::fs::copy(provider_binary(), &binary).expect("copy the provider binary");
    let released = release(&binary, &scratch.path().join("artifacts"), &mirror);
    let platform = released
        .zip_name
        .strip_prefix(&format!("terraform-provider-globaldeploy_{VERSION}_"))
        .and_then(|rest| rest.strip_suffix(".zip"))
        .unwrap_or_else(|| panic!("unexpected zip name {}", released.zip_name))
        .to_owned();

    // The four artifacts, and nothing else.
    let mut files: Vec<String> = std::fs::read_dir(&released.out_dir)
        .expect("list the artifacts")
        .map(|e| e.expect("artifact entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let sums_name = format!("terraform-provider-globaldeploy_{VERSION}_SHA256SUMS");
    let manifest_name = format!("terraform-provider-globaldeploy_{VERSION}_manifest.json");
    let debug_name = format!("terraform-provider-globaldeploy_{VERSION}_{platform}.debug");
    assert_eq!(
        files,
        [
            sums_name.clone(),
            debug_name.clone(),
            released.zip_name.clone(),
            manifest_name.clone()
        ]
    );

    // SHA256SUMS lists the others, and coreutils agrees with every line.
    let sums = std::fs::read_to_string(released.out_dir.join(&sums_name)).expect("read SHA256SUMS");
    assert_eq!(sums.lines().count(), 3, "{sums}");
    for name in [&released.zip_name, &manifest_name, &debug_name] {
        assert!(sums.contains(&format!("  {name}\n")), "{sums}");
    }
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", &sums_name])
        .current_dir(&released.out_dir)
        .output()
        .expect("run sha256sum");
    assert!(
        check.status.success(),
        "sha256sum --check failed:\n{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(released.out_dir.join(&manifest_name)).expect("read the manifest"))
            .expect("the manifest is JSON");
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["5.0"]}})
    );

    // The mirror holds the same zip in the packed layout.
    let mirrored = mirror.join(PROVIDER_SOURCE).join(&released.zip_name);
    assert_eq!(
        std::fs::read(&mirrored).expect("the zip is in the mirror"),
        std::fs::read(released.out_dir.join(&released.zip_name)).expect("read the zip"),
    );

    // terraform init from the mirror alone: no dev_overrides, an exact version constraint.
    let ws = mirror_workspace(&mirror, VERSION);
    let init = ws.init();
    init.assert_success()
        .assert_contains(&format!("Installed globaldeploy/globaldeploy v{VERSION}"));
    assert!(
        !init.combined().contains("development overrides"),
        "dev_overrides must not be in effect:\n{}",
        init.combined()
    );

    // Terraform unpacked exactly one file: the provider binary under its registry name.
    let installed_dir = ws
        .path()
        .join(".terraform/providers")
        .join(PROVIDER_SOURCE)
        .join(VERSION)
        .join(&platform);
    let installed: Vec<PathBuf> = std::fs::read_dir(&installed_dir)
        .unwrap_or_else(|e| panic!("{}: {e}", installed_dir.display()))
        .map(|e| e.expect("installed entry").path())
        .collect();
    let executable = installed_dir.join(format!("terraform-provider-globaldeploy_v{VERSION}"));
    assert_eq!(installed, std::slice::from_ref(&executable));
    assert_shipped_without_debug_info(&executable, &binary, &released.out_dir.join(&debug_name));

    // The lock file pins the version and the package hash Terraform computed, which must be the
    // one the release task printed.
    let lock = ws.read(".terraform.lock.hcl");
    assert!(lock.contains(&format!("provider \"{PROVIDER_SOURCE}\"")), "{lock}");
    assert!(lock.contains(&format!("version     = \"{VERSION}\"")), "{lock}");
    assert!(
        lock.contains(&format!("\"{}\"", released.h1)),
        "the lock file does not record {}:\n{lock}",
        released.h1
    );

    ws.validate()
        .assert_success()
        .assert_contains("The configuration is valid");
    ws.plan()
        .assert_success()
        .assert_contains("globaldeploy_wave.canary will be created")
        .assert_contains("1 to add, 0 to change, 0 to destroy");

    // Another version is not in the mirror, and nothing else is consulted.
    let other = mirror_workspace(&mirror, "0.2.0");
    other
        .init()
        .assert_failure()
        .assert_contains("no available releases match the given constraints");
}

/// `executable` (as Terraform installed it) is `binary` without its DWARF, linked to
/// `debug_file`, which holds the line tables that turn its addresses into source lines.
fn assert_shipped_without_debug_info(executable: &Path, binary: &Path, debug_file: &Path) {
    let run = |program: &str, args: &[&std::ffi::OsStr]| {
        let output = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            output.status.success(),
            "{program} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let sections = |file: &Path| {
        run(
            "readelf",
            &["--section-headers".as_ref(), "--wide".as_ref(), file.as_os_str()],
        )
    };
    let shipped = sections(executable);
    // (`.debug_gdb_scripts` is loaded with the program, not debug info.)
    for dwarf in [".debug_info", ".debug_line", ".debug_str"] {
        assert!(
            !shipped.contains(dwarf),
            "the shipped executable holds {dwarf}:\n{shipped}"
        );
    }
    assert!(
        shipped.contains(".symtab"),
        "the symbol table (names in backtraces) must stay:\n{shipped}"
    );
    let link = run(
        "readelf",
        &["--string-dump=.gnu_debuglink".as_ref(), executable.as_os_str()],
    );
    let debug_name = debug_file.file_name().expect("debug file name").to_string_lossy();
    assert!(
        link.contains(debug_name.as_ref()),
        "the debug link does not name {debug_name}:\n{link}"
    );
    assert!(
        sections(debug_file).contains(".debug_line"),
        "the debug file has no line tables"
    );
    let size = |file: &Path| std::fs::metadata(file).expect("stat").len();
    assert!(
        size(executable) < size(binary) / 2,
        "stripping kept most of the binary: {} of {} bytes",
        size(executable),
        size(binary)
    );

    // An address of one of the provider's own functions, as a panic's backtrace would print it,
    // resolves to a line of its source through the debug file.
    let symbols = run("nm", &["--defined-only".as_ref(), executable.as_os_str()]);
    let address = symbols
        .lines()
        .find_map(|line| {
            let mut fields = line.split_whitespace();
            let (address, kind, name) = (fields.next()?, fields.next()?, fields.next()?);
            (kind.eq_ignore_ascii_case("t") && name.contains("terraform_provider_globaldeploy")).then_some(address)
        })
        .expect("a function of the provider crate in the symbol table");
    let location = run(
        "addr2line",
        &["-e".as_ref(), debug_file.as_os_str(), format!("0x{address}").as_ref()],
    );
    assert!(
        location.contains(".rs:") && !location.starts_with("??"),
        "0x{address} does not resolve to a source line: {location}"
    );
}
