//! Rollout progress on stderr while `resume` and `rollback` drive the engine: an indicatif
//! bar on a terminal, one plain line per journal entry otherwise (CI logs, pipes).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::ports::Progress;
use globaldeploy_engine::schedule::RolloutKind;
use globaldeploy_engine::state::{Position, RolloutState};

/// Where progress goes.
pub enum CliProgress {
    /// A bar over the rollout's steps (every group × every step).
    Bar(ProgressBar),
    /// Plain lines on stderr.
    Lines(Mutex<std::io::Stderr>),
}

impl CliProgress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn for_stderr() -> CliProgress {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            CliProgress::Bar(bar)
        } else {
            CliProgress::lines()
        }
    }

    /// Plain lines on stderr, terminal or not (several rollouts at once cannot share one bar).
    pub fn lines() -> CliProgress {
        CliProgress::Lines(Mutex::new(std::io::stderr()))
    }

    /// Ends the bar (a no-op for lines).
    pub fn finish(&self) {
        if let CliProgress::Bar(bar) = self {
            bar.finish();
        }
    }

    /// Shows `line` as the bar's message, or as a line on stderr.
    fn say(&self, deployment: &str, line: String) {
        match self {
            CliProgress::Bar(bar) => bar.set_message(line),
            CliProgress::Lines(stderr) => {
                if let Ok(mut stderr) = stderr.lock() {
                    // Progress is best effort: a closed stderr must not stop a rollout.
                    let _ = writeln!(stderr, "{deployment}: {line}");
                }
            }
        }
    }
}

impl Progress for CliProgress {
    fn entry(&self, entry: &Entry, state: &RolloutState) {
        if let CliProgress::Bar(bar) = self {
            let (done, total) = steps(state);
            bar.set_length(total);
            bar.set_position(done);
        }
        self.say(&state.spec.name, describe(entry, state));
    }

    fn waiting(&self, deployment: &str, why: &str) {
        self.say(deployment, why.to_owned());
    }
}

/// Steps done and steps in total (each group counts one step per percentage; one on create).
fn steps(state: &RolloutState) -> (u64, u64) {
    let per_group = match state.kind {
        RolloutKind::Publish => 1,
        RolloutKind::Shift => state.spec.strategy.steps.len(),
    };
    let total = state.groups.len() * per_group;
    let done = match state.position {
        Position::Before { group } | Position::AwaitingApproval { group } | Position::Preparing { group } => {
            group * per_group
        }
        Position::Step { group, step } => group * per_group + step,
        Position::Passed { group, step } => group * per_group + step + 1,
        Position::RollingBack { .. } | Position::Done => total,
    };
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    (count(done.min(total)), count(total))
}

/// One line about a journal entry.
pub fn describe(entry: &Entry, state: &RolloutState) -> String {
    let regions = |group: usize| {
        state
            .groups
            .get(group)
            .map_or_else(String::new, |g| g.regions.join(", "))
    };
    match entry {
        Entry::Intent(intent) => format!(
            "rollout {} of {} begins ({} waves)",
            intent.rollout_id,
            intent.spec.version,
            intent.spec.waves.len()
        ),
        Entry::AwaitingApproval { wave } => format!(
            "wave {wave:?} awaits approval: globaldeploy approve {}",
            state.spec.name
        ),
        Entry::Approved { wave, by } => format!("wave {wave:?} approved by {by}"),
        Entry::GroupStarted { group, wave } => format!("wave {wave:?}: preparing {}", regions(*group)),
        Entry::Step { group, percent, .. } => format!("{} → {percent} % on {}", regions(*group), state.spec.version),
        Entry::GatesPassed { group, step, .. } => match state.kind {
            // A first publication checks the gates once, before any traffic arrives.
            RolloutKind::Publish => format!("{}: gates passed, publishing", regions(*group)),
            RolloutKind::Shift => {
                let percent = state.spec.strategy.steps.get(*step).copied().unwrap_or(100);
                format!("{}: gates passed at {percent} %", regions(*group))
            }
        },
        Entry::Promoted { group } => format!("{} promoted", regions(*group)),
        Entry::GateFailed(failure) => format!("gate failed: {failure}"),
        Entry::Rollback { weights, reason } => {
            let names: Vec<&str> = weights.keys().map(String::as_str).collect();
            format!("rolling back {} ({reason})", names.join(", "))
        }
        Entry::Outcome { status } => format!("rollout {}: {}", state.rollout_id, status.as_str()),
    }
}

/// Progress told to two receivers (the reconciler's lines and its metrics).
pub struct Both<'a>(pub &'a dyn Progress, pub &'a dyn Progress);

impl Progress for Both<'_> {
    fn entry(&self, entry: &Entry, state: &RolloutState) {
        self.0.entry(entry, state);
        self.1.entry(entry, state);
    }

    fn waiting(&self, deployment: &str, why: &str) {
        self.0.waiting(deployment, why);
        self.1.waiting(deployment, why);
    }
}
