//! `globaldeploy journal verify|repair DEPLOYMENT`: a deployment's journal checked line by line,
//! and the repair [`globaldeploy_engine::journal::repair`] allows, done under the deployment's lease (so no
//! rollout appends meanwhile) with a backup of the old file beside the journal.

use std::fmt::Write as _;

use serde::Serialize;

use crate::error::CliError;
use crate::status::no_rollout_in_file;
use globaldeploy_adapters::clock::WallClock;
use globaldeploy_adapters::file_journal::FileJournal;
use globaldeploy_engine::journal::lease::{Holder, LEASE_TTL};
use globaldeploy_engine::journal::lines::BadLine;
use globaldeploy_engine::journal::repair::{self, Repair};
use globaldeploy_engine::ports::{Clock, JournalStore};

/// What `journal verify` found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VerifyReport {
    /// Deployment name.
    pub deployment: String,
    /// The journal file (absolute).
    pub journal: String,
    /// Complete, non-blank lines.
    pub lines: usize,
    /// Every complete line that is not a valid entry.
    pub bad_lines: Vec<BadLine>,
    /// The line number of a torn last line (ignored; the next append cuts it off).
    pub torn_line: Option<usize>,
    /// The latest rollout's id and the line of its intent.
    pub latest_rollout: Option<String>,
    /// The line of the latest rollout's intent.
    pub latest_rollout_line: Option<usize>,
    /// Why the valid lines do not replay, if they do not.
    pub replay_error: Option<String>,
    /// What `journal repair` would do.
    pub repair: Repair,
}

impl VerifyReport {
    /// Whether every complete line is an entry and the journal replays (a torn tail is fine: it
    /// is ignored, and cut off by the next append).
    pub fn ok(&self) -> bool {
        self.bad_lines.is_empty() && self.replay_error.is_none()
    }
}

/// What `journal repair` did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RepairReport {
    /// Deployment name.
    pub deployment: String,
    /// The journal file (absolute).
    pub journal: String,
    /// What was done.
    pub repair: Repair,
    /// The copy of the journal as it was before, when it was rewritten.
    pub backup: Option<String>,
}

async fn read(journal: &FileJournal, deployment: &str) -> Result<Vec<u8>, CliError> {
    journal
        .read_raw(deployment)
        .await?
        .ok_or_else(|| no_rollout_in_file(journal, deployment))
}

/// `globaldeploy journal verify DEPLOYMENT`.
pub async fn verify(journal: &FileJournal, deployment: &str) -> Result<VerifyReport, CliError> {
    let content = read(journal, deployment).await?;
    let inspection = repair::inspect(&content);
    Ok(VerifyReport {
        deployment: deployment.to_owned(),
        journal: journal.journal_path(deployment)?.display().to_string(),
        lines: inspection.lines,
        bad_lines: inspection.bad,
        torn_line: inspection.torn_line,
        latest_rollout: inspection.latest_rollout.as_ref().map(|(_, id)| id.clone()),
        latest_rollout_line: inspection.latest_rollout.map(|(line, _)| line),
        replay_error: inspection.replay_error,
        repair: repair::plan(&content),
    })
}

/// `globaldeploy journal repair DEPLOYMENT`: refused repairs are errors.
pub async fn repair(journal: &FileJournal, deployment: &str) -> Result<RepairReport, CliError> {
    let holder = Holder::this_process("globaldeploy journal repair");
    let lease = journal
        .acquire_lease(deployment, &holder, LEASE_TTL, WallClock.now_millis())
        .await?;
    let result = repair_held(journal, deployment).await;
    journal.release_lease(&lease).await?;
    result
}

async fn repair_held(journal: &FileJournal, deployment: &str) -> Result<RepairReport, CliError> {
    let content = read(journal, deployment).await?;
    let path = journal.journal_path(deployment)?.display().to_string();
    let plan = repair::plan(&content);
    let backup = match &plan {
        Repair::Nothing => None,
        Repair::Refuse { reason } => {
            return Err(CliError::RepairRefused {
                journal: path,
                reason: reason.clone(),
            })
        }
        Repair::Rewrite { content, .. } => Some(journal.rewrite(deployment, content.clone()).await?),
    };
    Ok(RepairReport {
        deployment: deployment.to_owned(),
        journal: path,
        repair: plan,
        backup: backup.map(|b| b.display().to_string()),
    })
}

fn lines_list(lines: &[usize]) -> String {
    let words: Vec<String> = lines.iter().map(usize::to_string).collect();
    match words.len() {
        1 => format!("line {}", words[0]),
        _ => format!("lines {}", words.join(", ")),
    }
}

/// What a rewrite does, in words.
fn rewrite_words(dropped: &[usize], cuts_torn_tail: bool, torn_line: Option<usize>) -> String {
    let mut parts = Vec::new();
    if !dropped.is_empty() {
        parts.push(format!("drop {}", lines_list(dropped)));
    }
    if cuts_torn_tail {
        parts.push(match torn_line {
            Some(line) => format!("cut the torn line {line}"),
            None => "cut the torn last line".to_owned(),
        });
    }
    parts.join(" and ")
}

/// The text of `journal verify`.
pub fn verify_text(report: &VerifyReport) -> String {
    let mut out = String::new();
    let bad = report.bad_lines.len();
    let verdict = if bad == 0 {
        "every line is a valid entry".to_owned()
    } else {
        format!("{bad} bad")
    };
    let _ = writeln!(out, "journal {}: {} lines, {verdict}", report.journal, report.lines);
    for line in &report.bad_lines {
        let _ = writeln!(out, "  line {}: not a valid entry: {}", line.number, line.message);
    }
    if let Some(line) = report.torn_line {
        let _ = writeln!(
            out,
            "  line {line}: torn (no newline: an append that never finished; ignored, and cut off by the next append)"
        );
    }
    if let (Some(id), Some(line)) = (&report.latest_rollout, report.latest_rollout_line) {
        let _ = writeln!(out, "latest rollout: {id} (intent at line {line})");
    }
    if let Some(error) = &report.replay_error {
        let _ = writeln!(out, "does not replay: {error}");
    }
    let deployment = &report.deployment;
    match &report.repair {
        Repair::Nothing => {}
        Repair::Rewrite {
            dropped,
            cuts_torn_tail,
            ..
        } => {
            let _ = writeln!(
                out,
                "repair: `globaldeploy journal repair {deployment}` would {}, keeping a backup beside the journal",
                rewrite_words(dropped, *cuts_torn_tail, report.torn_line)
            );
        }
        Repair::Refuse { reason } => {
            let _ = writeln!(
                out,
                "repair: `globaldeploy journal repair {deployment}` refuses: {reason}"
            );
        }
    }
    out
}

/// The text of `journal repair`.
pub fn repair_text(report: &RepairReport) -> String {
    match (&report.repair, &report.backup) {
        (
            Repair::Rewrite {
                dropped,
                cuts_torn_tail,
                ..
            },
            Some(backup),
        ) => {
            let mut done = Vec::new();
            if !dropped.is_empty() {
                done.push(format!("dropped {}", lines_list(dropped)));
            }
            if *cuts_torn_tail {
                done.push("cut off the torn last line".to_owned());
            }
            format!(
                "repaired journal {}: {}\nbackup of the journal as it was: {backup}\n",
                report.journal,
                done.join(" and ")
            )
        }
        _ => format!("journal {}: nothing to repair\n", report.journal),
    }
}
