//! `globaldeploy reconcile`: a long-running process (or, with `--once`, a pass for cron or a CI
//! job) that finds every deployment of a journal whose latest rollout has not finished and
//! drives it to its end with the same engine as the provider — taking the deployment's lease
//! first, so any number of reconcilers (and Terraform runs) can share one journal and each
//! rollout is driven by exactly one of them at a time. A rollout whose holder is alive is left to
//! it (its lease refuses us); one whose holder died is taken over once its lease may be (at once
//! on the same host, after expiry elsewhere) and continued from the journal, so a bake's deadline
//! and a hold's start come from the journal, not from the take-over.
//!
//! On SIGTERM or SIGINT it takes no new work, stops every rollout it drives at its next
//! consistent point (journaled, lease released, so another reconciler resumes it at once) and
//! exits 0.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;
use tokio::sync::watch;

use crate::args::LogFormat;
use crate::drive::{drive_until, Drive, OutcomeReport, Runner};
use crate::error::CliError;
use crate::metrics::Metrics;
use crate::progress::{Both, CliProgress};
use crate::status;
use globaldeploy_adapters::aws::AwsSettings;
use globaldeploy_adapters::journal::Journal;
use globaldeploy_engine::error::EngineError;
use globaldeploy_engine::journal::error::JournalError;

/// The environment variable with the reconciler's log filter.
const LOG_ENV: &str = "GLOBALDEPLOY_LOG";
/// The lease holder name of a reconciler.
const HOLDER: &str = "globaldeploy reconcile";

/// How a reconciler runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// AWS access for the rollouts' Route 53 writes and health checks.
    pub aws: AwsSettings,
    /// How long a weight change may take to become INSYNC.
    pub insync_timeout: Duration,
    /// One pass: drive what is unfinished now, then exit.
    pub once: bool,
    /// Time between looks for new work.
    pub poll_interval: Duration,
    /// Rollouts driven at the same time, at most.
    pub max_concurrent: usize,
}

/// What a reconciler did, as `--output json` writes it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReconcileReport {
    /// Rollouts it drove to their end.
    pub finished: Vec<OutcomeReport>,
    /// Rollouts another process holds (left to it).
    pub held_elsewhere: Vec<String>,
    /// Rollouts it stopped on a signal (journaled; any reconciler resumes them).
    pub stopped: Vec<String>,
    /// Rollouts it could not drive, with why.
    pub failed: Vec<(String, String)>,
}

type Driving<'a> = Pin<Box<dyn Future<Output = (String, Result<OutcomeReport, CliError>)> + 'a>>;

/// Runs the reconciler over `journal` until `shutdown` resolves (or, with `--once`, until the
/// unfinished rollouts found at the start have been dealt with).
pub async fn reconcile(
    journal: &Journal,
    options: &Options,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()>,
) -> Result<ReconcileReport, CliError> {
    let lines = CliProgress::lines();
    let progress = Both(&lines, metrics);
    let runner = Runner::new(HOLDER, &progress, options.aws.clone())?;
    let (stop_all, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut report = ReconcileReport::default();
    let mut driving: FuturesUnordered<Driving<'_>> = FuturesUnordered::new();
    let mut active: BTreeSet<String> = BTreeSet::new();
    let mut looked = false;
    loop {
        let shutting_down = *stop_all.borrow();
        // `--once` looks for work a single time; a stopping reconciler never does.
        let done_looking = shutting_down || (options.once && looked);
        if !done_looking {
            looked = true;
            let looked_at = unfinished(journal).await;
            metrics.looked(looked_at.is_ok());
            match looked_at {
                Ok(pending) => {
                    for deployment in pending {
                        if active.len() >= options.max_concurrent.max(1) {
                            break;
                        }
                        if active.insert(deployment.clone()) {
                            let mut stopping = stopping.clone();
                            let stop = async move {
                                // Resolves once a signal arrived; a dropped sender never sends.
                                let _ = stopping.wait_for(|stop| *stop).await;
                            };
                            let insync = options.insync_timeout;
                            let runner = &runner;
                            metrics.driving(1.0);
                            driving.push(Box::pin(async move {
                                let result =
                                    drive_until(journal, &deployment, insync, &Drive::Resume, runner, stop).await;
                                (deployment, result)
                            }));
                        }
                    }
                }
                // The journal unreachable for a moment: look again at the next poll.
                Err(err) if !options.once => tracing::warn!(error = %err, "cannot list the journal's rollouts"),
                Err(err) => return Err(err),
            }
        }
        if driving.is_empty() && (options.once || shutting_down) {
            return Ok(report);
        }
        tokio::select! {
            Some((deployment, result)) = driving.next(), if !driving.is_empty() => {
                active.remove(&deployment);
                metrics.driving(-1.0);
                record(&mut report, metrics, deployment, result);
            }
            () = tokio::time::sleep(options.poll_interval), if !options.once && !shutting_down => {}
            () = &mut shutdown, if !shutting_down => {
                tracing::info!(rollouts = active.len(), "stopping: no new work; each rollout stops at its next consistent point");
                let _ = stop_all.send(true);
            }
        }
    }
}

/// Files the end of one rollout this reconciler drove (or tried to).
fn record(
    report: &mut ReconcileReport,
    metrics: &Metrics,
    deployment: String,
    result: Result<OutcomeReport, CliError>,
) {
    match result {
        Ok(outcome) => {
            metrics.finished(outcome.status);
            tracing::info!(deployment, rollout = %outcome.rollout_id, status = outcome.status, "rollout finished");
            report.finished.push(outcome);
        }
        Err(CliError::Engine(EngineError::Journal(JournalError::LeaseHeld { holder, .. }))) => {
            tracing::debug!(deployment, %holder, "held by another process; left to it");
            metrics.held_elsewhere();
            if !report.held_elsewhere.contains(&deployment) {
                report.held_elsewhere.push(deployment);
            }
        }
        Err(CliError::Engine(EngineError::Stopped { .. })) => {
            tracing::info!(deployment, "stopped at a consistent point; any reconciler resumes it");
            metrics.stopped();
            report.stopped.push(deployment);
        }
        Err(err) => {
            tracing::error!(deployment, error = %err, "cannot drive the rollout");
            metrics.failed();
            report.failed.push((deployment, err.to_string()));
        }
    }
}

/// Sends the process's tracing events to stderr as `format` says, at the level `GLOBALDEPLOY_LOG`
/// names (default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Already set (a test calling twice) is fine: the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Deployments whose latest rollout has not finished.
pub async fn unfinished(journal: &Journal) -> Result<Vec<String>, CliError> {
    let mut out = Vec::new();
    for name in status::deployments(journal).await? {
        if status::load(journal, &name).await?.is_some_and(|s| s.status.is_none()) {
            out.push(name);
        }
    }
    Ok(out)
}
