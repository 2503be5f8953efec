//! `globaldeploy status`: where rollouts are, from the journal alone.
//!
//! A deployment's latest rollout is replayed from its journal; the report shows its status,
//! position (wave, step, awaited approval), and each region's status, slot of record, version
//! and blue/green weights as the journal says they are.

use std::fmt::Write as _;

use serde::Serialize;

use crate::error::CliError;
use crate::table::{percent, Table};
use globaldeploy_adapters::file_journal::FileJournal;
use globaldeploy_adapters::journal::Journal;
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::journal::replay;
use globaldeploy_engine::model::{Slot, Weights};
use globaldeploy_engine::outcome::{GateFailure, RegionStatus};
use globaldeploy_engine::ports::JournalStore;
use globaldeploy_engine::state::{Position, RolloutState};

/// One deployment's latest rollout.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusReport {
    /// Deployment name.
    pub deployment: String,
    /// The rollout's id.
    pub rollout_id: String,
    /// When it began (milliseconds since the Unix epoch).
    pub started_at: u64,
    /// `running`, `succeeded`, `rolled_back` or `halted`.
    pub status: &'static str,
    /// The version rolled out.
    pub target_version: String,
    /// The version the whole deployment serves (`None` while regions differ).
    pub serving_version: Option<String>,
    /// Where the rollout is, in words.
    pub position: String,
    /// The wave the rollout is at, while it runs.
    pub current_wave: Option<String>,
    /// The step the current group is at, while it shifts.
    pub current_step_percent: Option<u8>,
    /// The wave waiting for `globaldeploy approve`.
    pub awaiting_approval: Option<String>,
    /// Share of global traffic on the new version.
    pub global_exposure_percent: f64,
    /// Each region, in wave order.
    pub regions: Vec<RegionReport>,
    /// The gate that failed, if one did.
    pub failure: Option<GateFailure>,
    /// Why regions were rolled back (the failed gate, or who requested it and why), if any were.
    pub rollback_reason: Option<String>,
}

/// One region of a rollout.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionReport {
    /// Region name.
    pub region: String,
    /// Its wave.
    pub wave: String,
    /// Where it is in the rollout.
    pub status: RegionStatus,
    /// Slot of its version of record (`blue` | `green`).
    pub active_slot: Option<&'static str>,
    /// The version it serves fully (`None` mid-shift or never published).
    pub version: Option<String>,
    /// Its weights as the journal has them.
    pub weights: Weights,
}

impl StatusReport {
    /// Whether the rollout has an outcome.
    pub fn finished(&self) -> bool {
        self.status != "running"
    }
}

/// The latest rollout of `deployment`, or `None` when its journal is empty.
pub async fn load(journal: &Journal, deployment: &str) -> Result<Option<RolloutState>, CliError> {
    let entries = journal.load(deployment).await?;
    replay(&entries).map_err(|source| CliError::Replay {
        deployment: deployment.to_owned(),
        source,
    })
}

/// The error for `deployment` having no rollout in `journal`.
pub fn no_rollout(journal: &Journal, deployment: &str) -> CliError {
    match journal {
        Journal::File(file) => no_rollout_in_file(file, deployment),
        Journal::S3(_) => CliError::NoRemoteRollout {
            journal: journal.url(),
            deployment: deployment.to_owned(),
        },
    }
}

/// The error for `deployment` having no rollout in the journal directory of `journal`: its file
/// is missing (said with the absolute path and how to point at the right one), or holds no
/// rollout.
pub fn no_rollout_in_file(journal: &FileJournal, deployment: &str) -> CliError {
    match journal.journal_path(deployment) {
        Ok(path) if path.exists() => CliError::NoRollout {
            path,
            deployment: deployment.to_owned(),
        },
        Ok(path) => CliError::NoJournal {
            path,
            deployment: deployment.to_owned(),
        },
        Err(err) => CliError::Journal(err),
    }
}

/// Deployments with a journal in `journal`, sorted by name.
pub async fn deployments(journal: &Journal) -> Result<Vec<String>, CliError> {
    journal.deployments().await.map_err(|err| match err {
        JournalError::Io { path, source } => CliError::ListJournal { dir: path, source },
        other => other.into(),
    })
}

/// The report of one replayed rollout.
pub fn report(state: &RolloutState) -> StatusReport {
    let spec = &state.spec;
    let outcomes = state.region_outcomes();
    let wave_of = |region: &str| {
        spec.waves
            .iter()
            .find(|w| w.regions.iter().any(|r| r == region))
            .map_or_else(String::new, |w| w.name.clone())
    };
    let regions: Vec<RegionReport> = spec
        .waves
        .iter()
        .flat_map(|w| &w.regions)
        .filter_map(|name| {
            let outcome = outcomes.get(name)?;
            Some(RegionReport {
                region: name.clone(),
                wave: wave_of(name),
                status: outcome.status,
                active_slot: outcome.active_slot.map(Slot::as_str),
                version: outcome.version.clone(),
                weights: state.region_weights(name)?,
            })
        })
        .collect();
    let total: f64 = spec.regions.iter().map(|r| f64::from(r.global_weight)).sum();
    let exposure = if total == 0.0 {
        0.0
    } else {
        spec.regions
            .iter()
            .filter_map(|r| {
                let w = regions.iter().find(|x| x.region == r.name)?;
                let new = f64::from(w.weights.of(state.new_slot(&r.name)));
                let touched = !matches!(w.status, RegionStatus::Pending | RegionStatus::RolledBack);
                touched.then(|| f64::from(r.global_weight) / total * new)
            })
            .sum::<f64>()
    };
    let group_wave = |group: usize| state.groups.get(group).map(|g| spec.waves[g.wave].name.clone());
    let (position, current_wave, current_step_percent, awaiting_approval) = match &state.position {
        Position::Before { group } => match group_wave(*group) {
            Some(wave) => (format!("wave {wave:?}: about to start"), Some(wave), None, None),
            None => ("every wave done; finishing".to_owned(), None, None, None),
        },
        Position::AwaitingApproval { group } => {
            let wave = group_wave(*group).unwrap_or_default();
            (
                format!("wave {wave:?} awaits approval: globaldeploy approve {}", spec.name),
                Some(wave.clone()),
                None,
                Some(wave),
            )
        }
        Position::Preparing { group } => {
            let wave = group_wave(*group).unwrap_or_default();
            (
                format!("wave {wave:?}: preparing the idle slots"),
                Some(wave),
                None,
                None,
            )
        }
        Position::Step { group, step } | Position::Passed { group, step } => {
            let wave = group_wave(*group).unwrap_or_default();
            let percent = spec.strategy.steps.get(*step).copied().unwrap_or(100);
            let regions = state
                .groups
                .get(*group)
                .map_or_else(String::new, |g| g.regions.join(", "));
            let doing = match state.position {
                Position::Passed { .. } if *step + 1 == spec.strategy.steps.len() => "baking at".to_owned(),
                Position::Passed { .. } => "passed".to_owned(),
                _ => "holding".to_owned(),
            };
            (
                format!("wave {wave:?}: {regions} {doing} {percent} %"),
                Some(wave),
                Some(percent),
                None,
            )
        }
        Position::RollingBack { weights } => {
            let regions: Vec<&str> = weights.keys().map(String::as_str).collect();
            (format!("rolling back {}", regions.join(", ")), None, None, None)
        }
        Position::Done => ("finished".to_owned(), None, None, None),
    };
    StatusReport {
        deployment: spec.name.clone(),
        rollout_id: state.rollout_id.clone(),
        started_at: state.started_at,
        status: state.status.map_or("running", |s| s.as_str()),
        target_version: spec.version.clone(),
        serving_version: state.serving_version(),
        position,
        current_wave,
        current_step_percent,
        awaiting_approval,
        global_exposure_percent: (exposure * 1000.0).round() / 1000.0,
        regions,
        failure: state.failure.clone(),
        rollback_reason: state.rollback_reason.clone(),
    }
}

/// Text for a terminal.
pub fn text(reports: &[StatusReport]) -> String {
    if reports.is_empty() {
        return "No rollouts in the journal.\n".to_owned();
    }
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let serving = r.serving_version.as_deref().unwrap_or("mixed");
        let _ = writeln!(
            out,
            "{}: {} (rollout {} of {}, serving {serving}, global exposure {})",
            r.deployment,
            r.status,
            r.rollout_id,
            r.target_version,
            percent(r.global_exposure_percent)
        );
        let _ = writeln!(out, "  {}", r.position);
        match (&r.failure, &r.rollback_reason) {
            (Some(f), _) => {
                let _ = writeln!(out, "  gate failed: {f}");
            }
            (None, Some(reason)) => {
                let _ = writeln!(out, "  rolled back as {reason}");
            }
            (None, None) => {}
        }
        let mut table = Table::new(&["Region", "Wave", "Status", "Slot", "Version", ">Blue", ">Green"]);
        for region in &r.regions {
            table.row(vec![
                region.region.clone(),
                region.wave.clone(),
                region.status.to_string(),
                region.active_slot.unwrap_or("-").to_owned(),
                region.version.clone().unwrap_or_else(|| "-".to_owned()),
                region.weights.blue.to_string(),
                region.weights.green.to_string(),
            ]);
        }
        out.push_str(&table.text("  "));
    }
    out
}
