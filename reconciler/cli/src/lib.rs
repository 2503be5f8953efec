//! The `globaldeploy` command line, as a library: `main` parses [`Cli`] and calls [`run`].
//!
//! - [`args`]: subcommands and flags;
//! - [`adopt`]: `adopt --zone`, HCL and import blocks for existing weighted and failover sets;
//! - [`plan`] / [`plan_render`]: `plan --terraform-plan`, as text, markdown or JSON;
//!   [`sensitive`]: what of it says "(sensitive)";
//! - [`plan_dir`]: `plan DIR`, the same from the configuration files (through the `hcl` crate);
//! - [`status`]: rollouts from the journal, once or `--watch`ed;
//! - [`timeline`] / [`timeline_svg`]: a deployment's rollouts over time, as lines or a picture;
//! - [`approve`]: approvals for waiting waves;
//! - [`drive`]: `resume` and `rollback` with the real adapters, [`progress`] on stderr;
//! - [`journal`]: `journal verify|repair`, a journal checked line by line and repaired safely;
//! - [`table`]: tables, durations and percentages for text and markdown.
//!
//! Results go to stdout (text, or one JSON document with `--output json`); progress and
//! errors go to stderr.

pub mod adopt;
pub mod approve;
pub mod args;
pub mod drive;
pub mod error;
pub mod journal;
pub mod metrics;
pub mod plan;
pub mod plan_dir;
pub mod plan_render;
pub mod progress;
pub mod reconcile;
pub mod sensitive;
pub mod status;
pub mod table;
pub mod timeline;
pub mod timeline_svg;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use serde::Serialize;

pub use args::Cli;
use args::{Command, JournalCommand, Output, PlanFormat, StatusArgs};
use drive::{Drive, OutcomeReport};
pub use error::CliError;
use status::StatusReport;

use globaldeploy_adapters::journal::Journal;

/// Exit status of a rollout `resume` drove that did not succeed.
const ROLLOUT_NOT_SUCCEEDED: u8 = 2;

/// Runs one command; `Ok` carries the exit status.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let output = cli.output;
    match cli.command {
        Command::Plan(args) => {
            let report = match (&args.terraform_plan, &args.dir) {
                (Some(file), _) => plan::read(file)?,
                (None, dir) => plan_dir::read(dir.as_deref().unwrap_or(".".as_ref()), &plan_dir::variables(&args))?,
            };
            let format = args.format.unwrap_or(match output {
                Output::Text => PlanFormat::Text,
                Output::Json => PlanFormat::Json,
            });
            match format {
                PlanFormat::Text => write(&plan_render::text(&report))?,
                PlanFormat::Markdown => write(&plan_render::markdown(&report))?,
                PlanFormat::Json => write_json(&report)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status(args) => {
            runtime()?.block_on(status_command(&args, output))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Timeline(args) => {
            timeline::command(&args, output)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Approve(args) => {
            let journal = args.journal.open()?;
            let approval = runtime()?.block_on(approve::approve(
                &journal,
                &args.deployment,
                args.wave.as_deref(),
                &args.by,
            ))?;
            match output {
                Output::Text => write(&format!(
                    "approved wave {:?} of rollout {} of {} (by {})\n",
                    approval.wave, approval.rollout_id, approval.deployment, approval.by
                ))?,
                Output::Json => write_json(&approval)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rollback(args) => {
            let journal = args.journal.open()?;
            let report = runtime()?.block_on(drive::drive(
                &journal,
                &args.deployment,
                args.aws.settings(),
                args.write.insync_timeout,
                &Drive::Rollback { reason: args.reason },
            ))?;
            write_outcomes(&[report], output)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Reconcile(args) => {
            reconcile::init_logging(args.log_format);
            let journal = args.journal.open()?;
            let options = reconcile::Options {
                aws: args.aws.settings(),
                insync_timeout: args.write.insync_timeout,
                once: args.once,
                poll_interval: args.poll_interval,
                max_concurrent: usize::from(args.max_concurrent),
            };
            let metrics = std::sync::Arc::new(metrics::Metrics::default());
            let report = runtime()?.block_on(async {
                let shutdown = termination()?;
                if let Some(addr) = args.metrics_addr {
                    let bound = metrics::serve(addr, std::sync::Arc::clone(&metrics))
                        .await
                        .map_err(|source| CliError::MetricsAddr { addr, source })?;
                    tracing::info!(%bound, "serving /metrics, /healthz and /readyz");
                }
                reconcile::reconcile(&journal, &options, &metrics, shutdown).await
            })?;
            match output {
                Output::Text => write(&reconcile_text(&report))?,
                Output::Json => write_json(&report)?,
            }
            Ok(if report.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Resume(args) => {
            let journal = args.journal.open()?;
            let runtime = runtime()?;
            let deployments = match args.deployment {
                Some(name) => vec![name],
                None => runtime.block_on(reconcile::unfinished(&journal))?,
            };
            let mut reports = Vec::new();
            for deployment in &deployments {
                reports.push(runtime.block_on(drive::drive(
                    &journal,
                    deployment,
                    args.aws.settings(),
                    args.write.insync_timeout,
                    &Drive::Resume,
                ))?);
            }
            write_outcomes(&reports, output)?;
            Ok(if reports.iter().all(|r| r.status == "succeeded") {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(ROLLOUT_NOT_SUCCEEDED)
            })
        }
        Command::Adopt(args) => {
            adopt::command(&args, output)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Journal(JournalCommand::Verify(args)) => {
            let journal = args.journal.open()?;
            let file = journal.as_file().ok_or_else(|| CliError::FileJournalOnly {
                command: "journal verify",
                journal: journal.url(),
            })?;
            let report = runtime()?.block_on(journal::verify(file, &args.deployment))?;
            match output {
                Output::Text => write(&journal::verify_text(&report))?,
                Output::Json => write_json(&report)?,
            }
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Journal(JournalCommand::Repair(args)) => {
            let journal = args.journal.open()?;
            let file = journal.as_file().ok_or_else(|| CliError::FileJournalOnly {
                command: "journal repair",
                journal: journal.url(),
            })?;
            let report = runtime()?.block_on(journal::repair(file, &args.deployment))?;
            match output {
                Output::Text => write(&journal::repair_text(&report))?,
                Output::Json => write_json(&report)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Resolves on SIGTERM or SIGINT (how a service manager and a terminal ask a process to stop).
fn termination() -> Result<impl std::future::Future<Output = ()>, CliError> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).map_err(CliError::Runtime)?;
    let mut int = signal(SignalKind::interrupt()).map_err(CliError::Runtime)?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// `globaldeploy reconcile`'s summary.
fn reconcile_text(report: &reconcile::ReconcileReport) -> String {
    let mut text = String::new();
    for r in &report.finished {
        text.push_str(&format!(
            "{}: rollout {} of {} {} (serving {})\n",
            r.deployment,
            r.rollout_id,
            r.target_version,
            r.status,
            r.serving_version.as_deref().unwrap_or("mixed")
        ));
    }
    for deployment in &report.held_elsewhere {
        text.push_str(&format!("{deployment}: driven by another process; left to it\n"));
    }
    for deployment in &report.stopped {
        text.push_str(&format!(
            "{deployment}: stopped at a consistent point; any reconciler resumes it\n"
        ));
    }
    for (deployment, why) in &report.failed {
        text.push_str(&format!("{deployment}: not driven: {why}\n"));
    }
    if text.is_empty() {
        text.push_str("No unfinished rollouts in the journal.\n");
    }
    text
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

/// The latest rollout of `args.deployment`, or of every deployment of the journal.
async fn reports(args: &StatusArgs, journal: &Journal) -> Result<Vec<StatusReport>, CliError> {
    let names = match &args.deployment {
        Some(name) => vec![name.clone()],
        None => status::deployments(journal).await?,
    };
    let mut reports = Vec::new();
    for name in names {
        match status::load(journal, &name).await? {
            Some(state) => reports.push(status::report(&state)),
            None if args.deployment.is_some() => return Err(status::no_rollout(journal, &name)),
            None => {}
        }
    }
    Ok(reports)
}

async fn status_command(args: &StatusArgs, output: Output) -> Result<(), CliError> {
    let journal = args.journal.open()?;
    let redraw = args.watch && output == Output::Text && std::io::stdout().is_terminal();
    let mut last: Option<Vec<StatusReport>> = None;
    loop {
        let current = reports(args, &journal).await?;
        if last.as_ref() != Some(&current) {
            if redraw {
                // Clear the screen and home the cursor, then draw the new state.
                write("\x1b[2J\x1b[H")?;
            }
            match output {
                Output::Text => write(&status::text(&current))?,
                // One compact document per line, so a watcher's output is JSON lines.
                Output::Json if args.watch => write_json_line(&current)?,
                Output::Json if args.deployment.is_some() && current.len() == 1 => write_json(&current[0])?,
                Output::Json => write_json(&current)?,
            }
        }
        if !args.watch || current.iter().all(StatusReport::finished) {
            return Ok(());
        }
        last = Some(current);
        tokio::time::sleep(args.interval).await;
    }
}

fn write_outcomes(reports: &[OutcomeReport], output: Output) -> Result<(), CliError> {
    match output {
        Output::Json if reports.len() == 1 => write_json(&reports[0]),
        Output::Json => write_json(&reports),
        Output::Text if reports.is_empty() => write("No unfinished rollouts in the journal.\n"),
        Output::Text => {
            let mut text = String::new();
            for r in reports {
                let serving = r.serving_version.as_deref().unwrap_or("mixed");
                text.push_str(&format!(
                    "{}: rollout {} of {} {} (serving {serving})\n",
                    r.deployment, r.rollout_id, r.target_version, r.status
                ));
                if let Some(f) = &r.failure {
                    text.push_str(&format!("  gate failed: {f}\n"));
                }
                for (region, result) in &r.regions {
                    text.push_str(&format!(
                        "  {region}: {} on {} ({})\n",
                        result.status,
                        result.active_slot.unwrap_or("-"),
                        result.version.as_deref().unwrap_or("mixed")
                    ));
                }
            }
            write(&text)
        }
    }
}

/// Writes `text` to stdout.
fn write(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(CliError::Output)
}

/// Writes `value` as one line of JSON to stdout.
fn write_json_line(value: &impl Serialize) -> Result<(), CliError> {
    let mut text = serde_json::to_string(value).map_err(|e| CliError::Output(std::io::Error::other(e)))?;
    text.push('\n');
    write(&text)
}

/// Writes `value` as pretty JSON and a newline to stdout.
fn write_json(value: &impl Serialize) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| CliError::Output(std::io::Error::other(e)))?;
    text.push('\n');
    write(&text)
}
