//! `globaldeploy resume`, `globaldeploy rollback` and each rollout `globaldeploy reconcile`
//! takes on: drive rollouts with the real adapters (Route 53 blue/green slots, HTTP and Route 53
//! health probes, the wall clock, the journal), from the journal alone.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::error::CliError;
use crate::progress::CliProgress;
use crate::status::{load, no_rollout};
use globaldeploy_adapters::aws::{AwsSettings, Route53};
use globaldeploy_adapters::clock::WallClock;
use globaldeploy_adapters::journal::Journal;
use globaldeploy_adapters::probes::{GateProbe, HttpProbe};
use globaldeploy_adapters::traffic::route53::Route53Traffic;
use globaldeploy_engine::driver::{Driver, Ports};
use globaldeploy_engine::journal::lease::Holder;
use globaldeploy_engine::outcome::{GateFailure, Outcome, RegionStatus};
use globaldeploy_engine::ports::Progress;

/// What to do with a deployment's latest rollout.
#[derive(Clone, Debug)]
pub enum Drive {
    /// Finish it (or return its outcome when it has finished).
    Resume,
    /// Return every region it touched to its prior weights.
    Rollback {
        /// Recorded in the journal.
        reason: String,
    },
}

/// A rollout's result, as `--output json` writes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeReport {
    /// Deployment name.
    pub deployment: String,
    /// The rollout.
    pub rollout_id: String,
    /// `succeeded`, `rolled_back` or `halted`.
    pub status: &'static str,
    /// The version rolled out.
    pub target_version: String,
    /// The version the whole deployment serves.
    pub serving_version: Option<String>,
    /// Each region.
    pub regions: BTreeMap<String, RegionResult>,
    /// The gate that failed, if one did.
    pub failure: Option<GateFailure>,
    /// Why regions were rolled back, if any were.
    pub rollback_reason: Option<String>,
}

/// One region after the rollout.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionResult {
    /// Its status.
    pub status: RegionStatus,
    /// Its slot of record.
    pub active_slot: Option<&'static str>,
    /// The version it serves fully.
    pub version: Option<String>,
}

impl From<Outcome> for OutcomeReport {
    fn from(o: Outcome) -> Self {
        OutcomeReport {
            deployment: o.deployment,
            rollout_id: o.rollout_id,
            status: o.status.as_str(),
            target_version: o.target_version,
            serving_version: o.serving_version,
            regions: o
                .regions
                .into_iter()
                .map(|(name, r)| {
                    (
                        name,
                        RegionResult {
                            status: r.status,
                            active_slot: r.active_slot.map(|s| s.as_str()),
                            version: r.version,
                        },
                    )
                })
                .collect(),
            failure: o.failure,
            rollback_reason: o.rollback_reason,
        }
    }
}

/// Performs `drive` on `deployment`'s latest rollout until it ends, or Ctrl-C stops it at a
/// consistent point (it can then be resumed).
pub async fn drive(
    journal: &Journal,
    deployment: &str,
    settings: AwsSettings,
    insync_timeout: Duration,
    drive: &Drive,
) -> Result<OutcomeReport, CliError> {
    let stop = async {
        // Without a signal handler, Ctrl-C kills the process, which the journal also survives.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let progress = CliProgress::for_stderr();
    let holder = match drive {
        Drive::Resume => "globaldeploy resume",
        Drive::Rollback { .. } => "globaldeploy rollback",
    };
    let runner = Runner::new(holder, &progress, settings)?;
    let report = drive_until(journal, deployment, insync_timeout, drive, &runner, stop).await;
    progress.finish();
    report
}

/// Who drives rollouts: the lease holder's name, where progress goes, and the Route 53 client
/// and gate probe every rollout it drives shares (one rate budget for all of a process's
/// Route 53 calls, however many rollouts run at once).
pub struct Runner<'a> {
    /// The holder name (`globaldeploy resume`, `globaldeploy reconcile`, ...).
    holder: &'a str,
    /// Told of every journaled entry.
    progress: &'a dyn Progress,
    route53: Route53,
    probe: GateProbe,
}

impl<'a> Runner<'a> {
    /// A runner reaching AWS as `settings` say.
    pub fn new(holder: &'a str, progress: &'a dyn Progress, settings: AwsSettings) -> Result<Runner<'a>, CliError> {
        let route53 = Route53::new(settings);
        let probe = GateProbe::new(HttpProbe::new()?, route53.clone());
        Ok(Runner {
            holder,
            progress,
            route53,
            probe,
        })
    }
}

/// [`drive`] as `runner`, until the rollout ends or `stop` resolves (at a consistent point).
pub async fn drive_until(
    journal: &Journal,
    deployment: &str,
    insync_timeout: Duration,
    drive: &Drive,
    runner: &Runner<'_>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<OutcomeReport, CliError> {
    let state = load(journal, deployment)
        .await?
        .ok_or_else(|| no_rollout(journal, deployment))?;
    let traffic = Route53Traffic::new(runner.route53.clone(), state.spec.zone_id.clone(), insync_timeout);
    let driver = Driver::new(
        Ports {
            traffic: &traffic,
            probe: &runner.probe,
            clock: &WallClock,
            journal,
            approvals: journal,
            progress: runner.progress,
        },
        Holder::this_process(runner.holder),
    );
    let outcome = match drive {
        Drive::Resume => driver.resume(deployment, stop).await,
        Drive::Rollback { reason } => driver.rollback(deployment, reason, stop).await,
    };
    Ok(outcome?.into())
}
