//! Shared harness for the end-to-end tests: the real `terraform` CLI drives the built
//! `terraform-provider-globaldeploy` binary through a `dev_overrides` CLI configuration, each test
//! in its own temporary directory.
//!
//! Environment variables read here (all optional; `scripts/setup.sh` writes `.tools/env`):
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `GLOBALDEPLOY_PROVIDER_BIN` | provider binary to test | `<target>/debug/terraform-provider-globaldeploy` |
//! | `GLOBALDEPLOY_CLI_BIN` | `globaldeploy` CLI to test | `<target>/debug/globaldeploy` |
//! | `CARGO_TARGET_DIR` | where cargo builds | `<workspace>/target` |
//! | `TERRAFORM_BIN` | terraform CLI | `<workspace>/.tools/bin/terraform`, else `terraform` on `PATH` |
//! | `MOTO_SERVER_BIN` | moto's server | `<workspace>/.venv/bin/moto_server`, else `moto_server` on `PATH` |
//! | `GLOBALDEPLOY_E2E_TIMEOUT_SECS` | limit for one terraform command | 300 |
//! | `GLOBALDEPLOY_E2E_TF_LOG` | passed to terraform as `TF_LOG` (debugging a test) | unset |
//!
//! Every other `TF_*` variable of the calling environment is removed from terraform's environment
//! so that a developer's shell cannot change what a test sees.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use globaldeploy_adapters::aws::{AwsSettings, Route53};
use globaldeploy_fault_proxy::{FaultConfig, FaultProxy};
use tempfile::TempDir;

/// The provider's source address, as used in `required_providers` and `dev_overrides`.
pub const PROVIDER_SOURCE: &str = "registry.terraform.io/globaldeploy/globaldeploy";
/// The provider binary's file name.
pub const PROVIDER_BIN_NAME: &str = "terraform-provider-globaldeploy";

/// `terraform { required_providers { ... } }` for configurations that use the provider.
pub const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    globaldeploy = {
      source = "globaldeploy/globaldeploy"
    }
  }
}
"#;

/// The Cargo workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .expect("the tests crate lives inside the workspace")
        .to_path_buf()
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Directories where cargo puts debug binaries, most specific first.
fn debug_bin_dirs() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut dirs = Vec::new();
    if let Some(target) = env_path("CARGO_TARGET_DIR") {
        let target = if target.is_absolute() {
            target
        } else {
            root.join(target)
        };
        dirs.push(target.join("debug"));
    }
    // The running test binary lives in <target>/<profile>/deps/.
    if let Ok(exe) = std::env::current_exe() {
        if let Some(profile_dir) = exe.parent().and_then(Path::parent) {
            dirs.push(profile_dir.to_path_buf());
        }
    }
    dirs.push(root.join("target").join("debug"));
    dirs.dedup();
    dirs
}

/// The built provider binary: `$GLOBALDEPLOY_PROVIDER_BIN`, else the debug build in the target
/// directory. Panics with instructions when it has not been built.
pub fn provider_binary() -> PathBuf {
    workspace_binary(PROVIDER_BIN_NAME, "GLOBALDEPLOY_PROVIDER_BIN")
}

/// The built `globaldeploy` CLI: `$GLOBALDEPLOY_CLI_BIN`, else the debug build in the target
/// directory. Panics with instructions when it has not been built.
pub fn cli_binary() -> PathBuf {
    workspace_binary("globaldeploy", "GLOBALDEPLOY_CLI_BIN")
}

/// A binary of this workspace: `$override_var`, else the debug build in the target directory.
fn workspace_binary(name: &str, override_var: &str) -> PathBuf {
    if let Some(bin) = env_path(override_var) {
        assert!(bin.is_file(), "{override_var}={} does not exist", bin.display());
        return absolute(&bin);
    }
    let candidates: Vec<PathBuf> = debug_bin_dirs().into_iter().map(|d| d.join(name)).collect();
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return found.clone();
    }
    let tried: Vec<String> = candidates.iter().map(|p| format!("  {}", p.display())).collect();
    panic!(
        "the binary {name} was not found; build it first: cargo build --bins \
         (or run bash scripts/test.sh, or set {override_var}). Looked at:\n{}",
        tried.join("\n")
    );
}

/// The terraform CLI: `$TERRAFORM_BIN`, else `.tools/bin/terraform` (made by scripts/setup.sh),
/// else `terraform` from `PATH`.
pub fn terraform_binary() -> PathBuf {
    if let Some(bin) = env_path("TERRAFORM_BIN") {
        return bin;
    }
    let local = workspace_root().join(".tools/bin/terraform");
    if local.is_file() {
        return local;
    }
    PathBuf::from("terraform")
}

/// moto's server: `$MOTO_SERVER_BIN`, else `.venv/bin/moto_server`, else `moto_server` on `PATH`.
pub fn moto_server_binary() -> PathBuf {
    if let Some(bin) = env_path("MOTO_SERVER_BIN") {
        return bin;
    }
    let local = workspace_root().join(".venv/bin/moto_server");
    if local.is_file() {
        return local;
    }
    PathBuf::from("moto_server")
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn command_timeout() -> Duration {
    let secs = std::env::var("GLOBALDEPLOY_E2E_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    /// The command line, for messages.
    pub command: String,
    /// How it exited.
    pub status: ExitStatus,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Output {
    /// Whether it exited with 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The exit code (`None` when killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// stdout followed by stderr.
    pub fn combined(&self) -> String {
        let mut all = String::with_capacity(self.stdout.len() + self.stderr.len() + 1);
        all.push_str(&self.stdout);
        if !self.stdout.is_empty() && !self.stdout.ends_with('\n') {
            all.push('\n');
        }
        all.push_str(&self.stderr);
        all
    }

    fn describe(&self) -> String {
        format!(
            "`{}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }

    /// Panics, showing everything the command printed, unless it succeeded.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        assert!(self.success(), "command failed: {}", self.describe());
        self
    }

    /// Panics, showing everything the command printed, unless it failed.
    #[track_caller]
    pub fn assert_failure(&self) -> &Self {
        assert!(!self.success(), "command unexpectedly succeeded: {}", self.describe());
        self
    }

    /// Panics unless stdout or stderr contains `needle`.
    #[track_caller]
    pub fn assert_contains(&self, needle: &str) -> &Self {
        assert!(
            self.combined().contains(needle),
            "expected {needle:?} in the output of {}",
            self.describe()
        );
        self
    }

    /// Panics unless the combined output contains `needle`, compared with whitespace collapsed
    /// (Terraform wraps long diagnostics).
    #[track_caller]
    pub fn assert_says(&self, needle: &str) -> &Self {
        let collapse = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            collapse(&self.combined()).contains(&collapse(needle)),
            "expected {needle:?} in the output of {}",
            self.describe()
        );
        self
    }
}

/// Runs `cmd` to completion within `timeout`, capturing stdout and stderr. On timeout the whole
/// process group (terraform and the providers it started) is killed and the test panics.
fn run_captured(mut cmd: Command, description: String, timeout: Duration) -> Output {
    use std::os::unix::process::CommandExt;

    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("could not start `{description}`: {e}"));
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });

    let deadline = Instant::now() + timeout;
    let mut poll = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&mut child);
                let status = child.wait().expect("wait after kill");
                let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
                let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
                panic!(
                    "`{description}` did not finish within {timeout:?} (killed: {status})\n\
                     --- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
                );
            }
            Ok(None) => {
                std::thread::sleep(poll);
                poll = (poll * 2).min(Duration::from_millis(20));
            }
            Err(e) => panic!("waiting for `{description}`: {e}"),
        }
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    Output {
        command: description,
        status,
        stdout,
        stderr,
    }
}

fn kill_group(child: &mut Child) {
    // The child leads its own process group (process_group(0)); kill the group so providers
    // started by terraform go too. Fall back to the child alone.
    let group = format!("-{}", child.id());
    let killed = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !killed {
        let _ = child.kill();
    }
}

/// Subcommands that accept `-no-color`.
const NO_COLOR_COMMANDS: &[&str] = &[
    "apply", "console", "destroy", "fmt", "get", "import", "init", "output", "plan", "refresh", "show", "taint",
    "test", "untaint", "validate",
];

/// A temporary directory holding one Terraform configuration plus the CLI configuration that
/// points Terraform at the provider under test. Removed when dropped.
pub struct Workspace {
    dir: TempDir,
    cli_config: PathBuf,
    env: Vec<(String, String)>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace").field("dir", &self.dir.path()).finish()
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

impl Workspace {
    /// A workspace whose `dev_overrides` point at the directory of [`provider_binary`].
    /// Panics when the provider has not been built.
    pub fn new() -> Self {
        let bin = provider_binary();
        let dir = bin
            .parent()
            .expect("provider binary has a parent directory")
            .to_path_buf();
        Self::with_provider_dir(&dir)
    }

    /// A workspace whose `dev_overrides` point at `provider_dir` (which must hold a binary named
    /// `terraform-provider-globaldeploy` if the configuration uses the provider).
    pub fn with_provider_dir(provider_dir: &Path) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("globaldeploy-e2e-")
            .tempdir()
            .expect("create a temporary directory");
        // Outside the configuration directory's *.tf namespace; Terraform ignores other files.
        let cli_config = dir.path().join("terraform.rc");
        let provider_dir = absolute(provider_dir);
        let rc = format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            hcl_escape(&provider_dir.to_string_lossy())
        );
        std::fs::write(&cli_config, rc).expect("write the CLI configuration");
        Workspace {
            dir,
            cli_config,
            env: Vec::new(),
        }
    }

    /// The configuration directory (terraform's working directory).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The generated CLI configuration file (passed as `TF_CLI_CONFIG_FILE`).
    pub fn cli_config(&self) -> &Path {
        &self.cli_config
    }

    /// Writes `contents` to `name` (relative to the workspace; parent directories are created).
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent directories");
        }
        let mut file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        file.write_all(contents.as_bytes())
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Reads a file of the workspace.
    pub fn read(&self, name: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Adds an environment variable to every later terraform command of this workspace.
    pub fn set_env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Runs terraform with `args` in the workspace (adding `-no-color` where the subcommand takes it).
    pub fn terraform(&self, args: &[&str]) -> Output {
        self.terraform_with_env(args, &[])
    }

    /// Like [`Workspace::terraform`] with extra environment variables, e.g. `[("TF_LOG", "DEBUG")]`.
    pub fn terraform_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let bin = terraform_binary();
        let mut full: Vec<&str> = args.to_vec();
        if let Some(sub) = args.first() {
            if NO_COLOR_COMMANDS.contains(sub) && !args.contains(&"-no-color") {
                full.insert(1, "-no-color");
            }
        }
        let mut cmd = Command::new(&bin);
        cmd.args(&full).current_dir(self.dir.path());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TF_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1");
        if let Some(level) = std::env::var_os("GLOBALDEPLOY_E2E_TF_LOG") {
            cmd.env("TF_LOG", level);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let description = format!("{} {}", bin.display(), full.join(" "));
        run_captured(cmd, description, command_timeout())
    }

    /// `terraform init`.
    pub fn init(&self) -> Output {
        self.terraform(&["init"])
    }

    /// `terraform validate`.
    pub fn validate(&self) -> Output {
        self.terraform(&["validate"])
    }

    /// `terraform plan`.
    pub fn plan(&self) -> Output {
        self.terraform(&["plan"])
    }

    /// `terraform apply -auto-approve`.
    pub fn apply(&self) -> Output {
        self.terraform(&["apply", "-auto-approve"])
    }

    /// `terraform destroy -auto-approve`.
    pub fn destroy(&self) -> Output {
        self.terraform(&["destroy", "-auto-approve"])
    }

    /// `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes. Panics on errors (1).
    #[track_caller]
    pub fn plan_detailed_exitcode(&self) -> i32 {
        let out = self.terraform(&["plan", "-detailed-exitcode"]);
        match out.code() {
            Some(code @ (0 | 2)) => code,
            _ => panic!("plan failed: {}", out.describe()),
        }
    }

    /// `terraform plan -out=<planfile>`, asserting success.
    #[track_caller]
    pub fn plan_out(&self, planfile: &str) -> Output {
        let arg = format!("-out={planfile}");
        let out = self.terraform(&["plan", &arg]);
        out.assert_success();
        out
    }

    /// `terraform show -json [planfile]` parsed (the state when `planfile` is `None`).
    #[track_caller]
    pub fn show_json(&self, planfile: Option<&str>) -> serde_json::Value {
        let mut args = vec!["show", "-json"];
        if let Some(p) = planfile {
            args.push(p);
        }
        parse_json(&self.terraform(&args))
    }

    /// Plans into `planfile` and returns the planned actions for `address` and the top-level
    /// attributes whose value changes, sorted.
    #[track_caller]
    pub fn planned_diff(&self, planfile: &str, address: &str) -> (Vec<String>, Vec<String>) {
        self.plan_out(planfile);
        let change = planned_change(&self.show_json(Some(planfile)), address);
        let actions = change["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect();
        let before = change["before"].as_object().cloned().unwrap_or_default();
        let after = change["after"].as_object().cloned().unwrap_or_default();
        let mut changed: Vec<String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .cloned()
            .collect();
        changed.sort();
        changed.dedup();
        (actions, changed)
    }

    /// The `values` of the root-module resource at `address` in `terraform show -json` state;
    /// panics (showing the state) when it is not there.
    #[track_caller]
    pub fn state_values(&self, address: &str) -> serde_json::Value {
        let state = self.show_json(None);
        let resources = state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        resources
            .into_iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{address} not in state: {state:#}"))
    }

    /// `terraform providers schema -json` parsed.
    #[track_caller]
    pub fn providers_schema_json(&self) -> serde_json::Value {
        parse_json(&self.terraform(&["providers", "schema", "-json"]))
    }

    /// `terraform output -json` parsed.
    #[track_caller]
    pub fn output_json(&self) -> serde_json::Value {
        parse_json(&self.terraform(&["output", "-json"]))
    }
}

/// Validates a configuration holding `resource` (with an empty provider block) and asserts an
/// error with `summary` and `detail` located by Terraform at the line of main.tf containing
/// `line_text`, in resource `resource_type` named `bad`. The detail is compared with whitespace
/// collapsed, because Terraform wraps long messages. Returns the output for further checks.
#[track_caller]
pub fn assert_invalid(resource_type: &str, resource: &str, summary: &str, detail: &str, line_text: &str) -> Output {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\nprovider \"globaldeploy\" {{}}\n\n{resource}"),
    );
    let out = ws.validate();
    out.assert_failure().assert_contains(&format!("Error: {summary}"));
    out.assert_says(detail);
    let line = ws
        .read("main.tf")
        .lines()
        .position(|l| l.contains(line_text))
        .unwrap_or_else(|| panic!("{line_text:?} not in main.tf"))
        + 1;
    out.assert_contains(&format!(
        "on main.tf line {line}, in resource \"{resource_type}\" \"bad\""
    ));
    out
}

#[track_caller]
fn parse_json(out: &Output) -> serde_json::Value {
    out.assert_success();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("output is not JSON ({e}): {}", out.describe()))
}

fn hcl_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A `moto_server` on a free loopback port, killed when dropped.
pub struct Moto {
    child: Child,
    port: u16,
    _log_dir: TempDir,
}

impl std::fmt::Debug for Moto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Moto").field("port", &self.port).finish()
    }
}

impl Moto {
    /// Starts moto and waits (up to 60 s) until it answers HTTP.
    pub fn start() -> Self {
        let mut last_error = String::new();
        for _attempt in 0..3 {
            match Self::try_start() {
                Ok(moto) => return moto,
                Err(e) => last_error = e,
            }
        }
        panic!("could not start moto_server: {last_error}");
    }

    fn try_start() -> Result<Self, String> {
        let bin = moto_server_binary();
        let port = free_port();
        let log_dir = tempfile::Builder::new()
            .prefix("globaldeploy-moto-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let log_path = log_dir.path().join("moto.log");
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| {
                format!(
                    "{}: {e} (run bash scripts/setup.sh, or set MOTO_SERVER_BIN)",
                    bin.display()
                )
            })?;
        let mut moto = Moto {
            child,
            port,
            _log_dir: log_dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("moto_server exited early ({status}):\n{log}"));
            }
            if http_get(&format!("{}/", moto.endpoint())).is_ok() {
                return Ok(moto);
            }
            if Instant::now() >= deadline {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                moto.stop();
                return Err(format!("moto_server did not answer within 60 s:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A new Route 53 client for this server: nothing cached from earlier calls, and a rate
    /// budget high enough that fixtures never wait.
    pub fn route53(&self) -> Route53 {
        route53_at(&self.endpoint())
    }

    /// Runs `f` with a new Route 53 client for this server and waits for its result.
    pub fn api<T, F>(&self, f: impl FnOnce(Route53) -> F) -> T
    where
        F: std::future::Future<Output = T>,
    {
        block_on(f(self.route53()))
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The `provider "globaldeploy"` block for a moto (or fault proxy) at `route53_endpoint`, with
/// test credentials, a rate budget no fixture waits on, and the rollout journal in `journal`
/// (a directory) when given.
pub fn provider_block(route53_endpoint: &str, journal: Option<&Path>) -> String {
    let journal = journal.map_or_else(String::new, |dir| {
        format!("  journal                     = \"file://{}\"\n", dir.display())
    });
    format!(
        r#"provider "globaldeploy" {{
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  api_requests_per_second     = 200
{journal}  endpoints {{
    route53 = "{route53_endpoint}"
  }}
}}
"#
    )
}

/// The `change` of the resource at `address` in a `terraform show -json` plan; panics (showing
/// the plan) when the plan does not change it.
#[track_caller]
pub fn planned_change(plan: &serde_json::Value, address: &str) -> serde_json::Value {
    plan["resource_changes"]
        .as_array()
        .and_then(|changes| changes.iter().find(|c| c["address"] == address))
        .map(|c| c["change"].clone())
        .unwrap_or_else(|| panic!("{address} not in plan: {plan:#}"))
}

/// A Route 53 client for the moto (or fault proxy) at `endpoint`, with test credentials.
pub fn route53_at(endpoint: &str) -> Route53 {
    Route53::new(AwsSettings {
        region: Some("us-east-1".into()),
        access_key: Some("test".into()),
        secret_key: Some("test".into()),
        skip_credentials_validation: true,
        route53_endpoint: Some(endpoint.to_owned()),
        api_requests_per_second: 1000.0,
        ..AwsSettings::default()
    })
}

/// A [`FaultProxy`] in front of moto, served by a runtime of its own so that it keeps answering
/// while the test blocks on a Terraform command.
pub struct ProxyBeforeMoto {
    proxy: FaultProxy,
    // Dropped after the proxy, whose server task it runs.
    _runtime: tokio::runtime::Runtime,
}

impl ProxyBeforeMoto {
    /// Starts a proxy to `moto` with `config`.
    pub fn start(moto: &Moto, config: FaultConfig) -> ProxyBeforeMoto {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let proxy = runtime
            .block_on(FaultProxy::start(&moto.endpoint(), config))
            .expect("fault proxy");
        ProxyBeforeMoto {
            proxy,
            _runtime: runtime,
        }
    }
}

impl std::ops::Deref for ProxyBeforeMoto {
    type Target = FaultProxy;

    fn deref(&self) -> &FaultProxy {
        &self.proxy
    }
}

/// Runs a future to completion on a new current-thread runtime (the tests are synchronous).
pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(f)
}

/// A TCP port that was free on 127.0.0.1 a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// A minimal HTTP/1.0 GET for loopback URLs (`http://host:port/path`): (status, body).
pub fn http_get(url: &str) -> std::io::Result<(u16, String)> {
    let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}: {url}"));
    let rest = url.strip_prefix("http://").ok_or_else(|| invalid("not http"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr: SocketAddr = authority.parse().map_err(|_| invalid("host must be ip:port"))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no HTTP status line"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}
