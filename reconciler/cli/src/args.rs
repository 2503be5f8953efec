//! The command line: every subcommand and flag of `globaldeploy`, as clap types.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use globaldeploy_adapters::aws::AwsSettings;
use globaldeploy_adapters::journal::Journal;
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_sdk::framework::duration::parse_duration;

/// Plan, watch and drive globaldeploy rollouts outside Terraform.
///
/// Exit status: 0 on success, 1 on an error, 2 when a rollout that `resume` drove ended rolled
/// back or halted.
#[derive(Debug, Parser)]
#[command(name = "globaldeploy", version)]
pub struct Cli {
    /// How results are written to stdout (`plan --format` takes precedence for `plan`).
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Result format of every command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Human-readable text.
    Text,
    /// One JSON document (with `status --watch`, one compact document per line).
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the rollouts and other globaldeploy changes of a saved Terraform plan.
    Plan(PlanArgs),
    /// Show the state of rollouts from the journal.
    Status(StatusArgs),
    /// Show a deployment's rollouts over time from the journal, or draw them (`--svg`).
    Timeline(TimelineArgs),
    /// Approve the wave a running rollout is waiting for.
    Approve(ApproveArgs),
    /// Return every region the latest rollout of a deployment touched to its prior weights.
    Rollback(RollbackArgs),
    /// Finish (or roll back) rollouts whose process died, from the journal alone.
    Resume(ResumeArgs),
    /// Drive every unfinished rollout of a journal, taking over those whose holder died; any
    /// number of reconcilers may share one journal.
    Reconcile(ReconcileArgs),
    /// Write Terraform resources and import blocks for a hosted zone's existing weighted and
    /// failover record sets.
    Adopt(AdoptArgs),
    /// Check a deployment's journal line by line, or repair what can be repaired safely.
    #[command(subcommand)]
    Journal(JournalCommand),
}

/// `globaldeploy journal`.
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Report every line of the journal that is not a valid entry (exit status 1 if any).
    Verify(JournalFileArgs),
    /// Drop the corrupt lines that precede the latest rollout and cut a torn last line, keeping
    /// a backup beside the journal; refuse when a corrupt line belongs to the latest rollout.
    Repair(JournalFileArgs),
}

/// The journal of one deployment.
#[derive(Debug, Args)]
pub struct JournalFileArgs {
    /// The journal.
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Deployment name.
    pub deployment: String,
}

/// `globaldeploy plan`: from a saved plan (`--terraform-plan`) or a configuration directory.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["terraform_plan", "dir"]))]
pub struct PlanArgs {
    /// Output of `terraform show -json PLANFILE`.
    #[arg(long, value_name = "FILE")]
    pub terraform_plan: Option<PathBuf>,
    /// A Terraform configuration directory, read directly: the plan of creating everything in
    /// it, with what the files cannot tell shown as "(known after apply)".
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Set a variable of DIR's configuration, as `terraform plan -var NAME=VALUE`.
    #[arg(long = "var", value_name = "NAME=VALUE", requires = "dir")]
    pub vars: Vec<String>,
    /// Read variable values from a `.tfvars` file, as `terraform plan -var-file` (before
    /// every --var, which wins).
    #[arg(long = "var-file", value_name = "FILE", requires = "dir")]
    pub var_files: Vec<PathBuf>,
    /// Rendering; markdown is ready to post as a pull-request comment.
    #[arg(long, value_enum)]
    pub format: Option<PlanFormat>,
}

/// Renderings of `globaldeploy plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Aligned text for a terminal.
    Text,
    /// GitHub-flavoured markdown.
    Markdown,
    /// A stable machine-readable document.
    Json,
}

/// Where rollout journals live.
#[derive(Debug, Args)]
pub struct JournalArgs {
    /// Journal store (`file://DIR` or `s3://BUCKET/PREFIX`), as the provider's `journal` setting.
    #[arg(long, env = "GLOBALDEPLOY_JOURNAL", default_value = "file://.globaldeploy")]
    pub journal: String,
    /// S3 endpoint of an `s3://` journal (moto, LocalStack, MinIO, private endpoints);
    /// credentials and region follow the AWS conventions (`AWS_PROFILE`, `AWS_REGION`, ...).
    #[arg(long, env = "AWS_ENDPOINT_URL_S3")]
    pub s3_endpoint: Option<String>,
}

impl JournalArgs {
    /// The journal store `--journal` names.
    pub fn open(&self) -> Result<Journal, JournalError> {
        Journal::from_url(
            &self.journal,
            &AwsSettings {
                s3_endpoint: self.s3_endpoint.clone(),
                ..AwsSettings::default()
            },
        )
    }
}

/// `globaldeploy status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The journal.
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Deployment name; every deployment of the journal when omitted.
    pub deployment: Option<String>,
    /// Re-render until the rollouts shown have finished.
    #[arg(long)]
    pub watch: bool,
    /// Time between renders with `--watch` (e.g. `2s`, `500ms`).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub interval: Duration,
}

/// `globaldeploy timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The journal.
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Deployment name.
    pub deployment: String,
    /// Also write an SVG picture of each region's traffic by version over time to FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "follow")]
    pub svg: Option<PathBuf>,
    /// Keep printing entries as they are recorded, until interrupted.
    #[arg(long)]
    pub follow: bool,
    /// Time between journal reads with `--follow` (e.g. `500ms`).
    #[arg(long, default_value = "500ms", value_parser = parse_duration)]
    pub interval: Duration,
}

/// `globaldeploy approve`.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The journal.
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Deployment name.
    pub deployment: String,
    /// The wave to approve: by default the one the rollout waits for; a later wave that
    /// requires approval can be approved ahead.
    #[arg(long)]
    pub wave: Option<String>,
    /// Who approves (recorded in the journal).
    #[arg(long, env = "USER", default_value = "globaldeploy")]
    pub by: String,
}

/// `globaldeploy rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The journal.
    #[command(flatten)]
    pub journal: JournalArgs,
    /// AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Writing weight changes.
    #[command(flatten)]
    pub write: WriteArgs,
    /// Deployment name.
    pub deployment: String,
    /// Why (recorded in the journal, after who asked).
    #[arg(long, default_value = "no reason given")]
    pub reason: String,
}

/// `globaldeploy reconcile`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The journal (shared with the provider and other reconcilers: `s3://` for several machines).
    #[command(flatten)]
    pub journal: JournalArgs,
    /// AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Writing weight changes.
    #[command(flatten)]
    pub write: WriteArgs,
    /// Drive the rollouts unfinished now, then exit (for cron or a CI job).
    #[arg(long)]
    pub once: bool,
    /// Time between looks for new work (e.g. `5s`).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub poll_interval: Duration,
    /// Rollouts driven at the same time, at most.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_concurrent: u16,
    /// Serve `/metrics` (Prometheus), `/healthz` and `/readyz` on this address, e.g.
    /// `127.0.0.1:9464` (port 0: any free port, printed in the log).
    #[arg(long)]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// How log lines (stderr) are written; their level comes from `GLOBALDEPLOY_LOG` (default
    /// `info`, e.g. `debug` or `globaldeploy_engine=debug`).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How the reconciler writes its log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per event (for a log pipeline).
    Json,
}

/// `globaldeploy resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The journal.
    #[command(flatten)]
    pub journal: JournalArgs,
    /// AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Writing weight changes.
    #[command(flatten)]
    pub write: WriteArgs,
    /// Deployment name; every unfinished rollout of the journal when omitted.
    pub deployment: Option<String>,
}

/// `globaldeploy adopt`.
#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// The hosted zone (`Z0123456789` or `/hostedzone/Z0123456789`).
    #[arg(long, value_name = "ZONEID")]
    pub zone: String,
    /// Write the configuration to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite the --out file if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// AWS access for commands that call Route 53. Credentials follow the AWS conventions
/// (`AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, SSO, ...) through the default chain.
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// Route 53 endpoint (moto, LocalStack, private endpoints).
    #[arg(long, env = "AWS_ENDPOINT_URL_ROUTE_53")]
    pub route53_endpoint: Option<String>,
    /// Region for API calls (else `AWS_REGION` / the profile's).
    #[arg(long)]
    pub region: Option<String>,
    /// Shared-config profile (else `AWS_PROFILE`).
    #[arg(long)]
    pub profile: Option<String>,
    /// Retries of one API call after a retryable failure.
    #[arg(long, default_value_t = AwsSettings::DEFAULT_MAX_RETRIES)]
    pub max_retries: u32,
    /// The rate budget of every Route 53 call.
    #[arg(long, default_value_t = AwsSettings::DEFAULT_REQUESTS_PER_SECOND)]
    pub api_requests_per_second: f64,
    /// Do not check that the credentials work on the first call.
    #[arg(long)]
    pub skip_credentials_validation: bool,
}

/// How traffic changes are written, for commands that move weights.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// How long a weight change may take to become INSYNC.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub insync_timeout: Duration,
}

impl AwsArgs {
    /// The client settings; what is not given comes from the environment.
    pub fn settings(&self) -> AwsSettings {
        AwsSettings {
            region: self.region.clone(),
            profile: self.profile.clone(),
            max_retries: self.max_retries,
            skip_credentials_validation: self.skip_credentials_validation,
            api_requests_per_second: self.api_requests_per_second,
            route53_endpoint: self.route53_endpoint.clone(),
            ..AwsSettings::default()
        }
    }
}
