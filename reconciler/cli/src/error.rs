//! Why a command failed. `main` prints the error with its causes and exits with status 1.

use std::path::PathBuf;

use globaldeploy_adapters::probes::TlsSetupError;
use globaldeploy_engine::error::EngineError;
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::state::StateError;

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The plan file cannot be read.
    #[error("cannot read the Terraform plan {}", path.display())]
    ReadPlan {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The plan file is not JSON.
    #[error("{} is not JSON (write it with `terraform show -json PLANFILE`)", path.display())]
    PlanJson {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// The plan file is JSON, but not a Terraform plan.
    #[error("{} is not `terraform show -json` output of a saved plan: {problem}", path.display())]
    NotAPlan {
        /// The file.
        path: PathBuf,
        /// What is missing.
        problem: String,
    },
    /// The configuration directory does not load.
    #[error("the Terraform configuration in {} has errors:\n{errors}", dir.display())]
    Configuration {
        /// The directory.
        dir: PathBuf,
        /// Every error, each at its file:line.
        errors: globaldeploy_hcl::LoadError,
    },
    /// The journal store failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A journal does not replay.
    #[error("the journal of {deployment:?} does not replay")]
    Replay {
        /// Deployment name.
        deployment: String,
        /// Why.
        source: StateError,
    },
    /// The journal directory cannot be listed.
    #[error("cannot list the journal directory {}", dir.display())]
    ListJournal {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The deployment's journal file does not exist.
    #[error(
        "no journal of {deployment:?} at {}: a relative --journal (the default is file://.globaldeploy) is read \
         from the current directory; run globaldeploy from the directory Terraform runs in, or pass --journal (or \
         GLOBALDEPLOY_JOURNAL) with the absolute location of the provider's `journal` (file:///ABSOLUTE/DIR)",
        path.display()
    )]
    NoJournal {
        /// The journal file that was expected (absolute).
        path: PathBuf,
        /// Deployment name.
        deployment: String,
    },
    /// The deployment's journal has no rollout.
    #[error("the journal {} has no rollout of {deployment:?}", path.display())]
    NoRollout {
        /// The journal file (absolute).
        path: PathBuf,
        /// Deployment name.
        deployment: String,
    },
    /// `--metrics-addr` cannot be listened on.
    #[error("cannot serve metrics on {addr}: {source}")]
    MetricsAddr {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A remote journal has no rollout of the deployment.
    #[error("the journal {journal} has no rollout of {deployment:?}")]
    NoRemoteRollout {
        /// The journal's URL.
        journal: String,
        /// Deployment name.
        deployment: String,
    },
    /// A command that reads the journal file line by line, given a journal that has none.
    #[error("`globaldeploy {command}` works on file:// journals, whose lines can tear; {journal} stores each entry as a whole object")]
    FileJournalOnly {
        /// The command.
        command: &'static str,
        /// The journal's URL.
        journal: String,
    },
    /// `journal repair` would risk the journal disagreeing with Route 53; nothing was written.
    #[error("journal {journal} was not repaired (nothing was written): {reason}")]
    RepairRefused {
        /// The journal file.
        journal: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// Approving needs a running rollout.
    #[error("rollout {rollout_id} of {deployment:?} has already finished ({status}); there is nothing to approve")]
    Finished {
        /// Deployment name.
        deployment: String,
        /// The rollout.
        rollout_id: String,
        /// How it ended.
        status: &'static str,
    },
    /// No wave waits for approval and none was named.
    #[error("rollout {rollout_id} of {deployment:?} is not waiting for an approval; name a later wave with --wave to approve it ahead")]
    NothingAwaitsApproval {
        /// Deployment name.
        deployment: String,
        /// The rollout.
        rollout_id: String,
    },
    /// The named wave cannot be approved.
    #[error("wave {wave:?} of rollout {rollout_id} cannot be approved: {reason}")]
    CannotApprove {
        /// The wave.
        wave: String,
        /// The rollout.
        rollout_id: String,
        /// Why.
        reason: &'static str,
    },
    /// The engine failed (lease held, traffic layer down, ...).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The HTTP probe's TLS setup failed.
    #[error("cannot set up TLS for health probes")]
    Tls(#[from] TlsSetupError),
    /// `adopt` failed (boxed: it carries AWS errors, which would make every result large).
    #[error(transparent)]
    Adopt(Box<super::adopt::AdoptError>),
    /// The picture cannot be written.
    #[error("cannot write the picture {}", path.display())]
    WritePicture {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Writing the result failed.
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
}
