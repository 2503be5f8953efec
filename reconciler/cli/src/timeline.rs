//! `globaldeploy timeline`: a deployment's whole journal over time.
//!
//! Every rollout of the journal is replayed in order. Each recorded line carries when it was
//! recorded ([`globaldeploy_engine::journal::record`]), and the entries that move traffic carry the exact
//! weights they set (`step` before it is applied, `rollback` with the prior weights), so the
//! share of each region's traffic on each version is known at every moment without guessing.
//! The result is listed as lines (and followed live with `--follow`), written as JSON, or drawn
//! by [`crate::timeline_svg`] (`--svg FILE`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::args::{Output, TimelineArgs};
use crate::error::CliError;
use crate::progress::describe;
use crate::status::no_rollout;
use crate::{runtime, timeline_svg, write, write_json, write_json_line};
use globaldeploy_adapters::journal::Journal;
use globaldeploy_engine::human_time::elapsed;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::record::Recorded;
use globaldeploy_engine::model::Weights;
use globaldeploy_engine::state::{RolloutState, StateError};

/// Runs `globaldeploy timeline`.
pub fn command(args: &TimelineArgs, output: Output) -> Result<(), CliError> {
    let journal = args.journal.open()?;
    let runtime = runtime()?;
    if args.follow {
        return runtime.block_on(follow(&journal, args, output));
    }
    let timeline = runtime
        .block_on(load(&journal, &args.deployment))?
        .ok_or_else(|| no_rollout(&journal, &args.deployment))?;
    if let Some(path) = &args.svg {
        std::fs::write(path, timeline_svg::render(&timeline)).map_err(|source| CliError::WritePicture {
            path: path.clone(),
            source,
        })?;
    }
    match (output, &args.svg) {
        (Output::Json, _) => write_json(&timeline),
        (Output::Text, Some(path)) => write(&format!(
            "wrote {}: {} over {} ({}), {} regions\n",
            path.display(),
            timeline.deployment,
            elapsed(timeline.span()),
            timeline.outcomes(),
            timeline.regions.len()
        )),
        (Output::Text, None) => write(&timeline.text()),
    }
}

/// The timeline of `deployment` from `journal`, `None` when it has no rollout.
pub async fn load(journal: &Journal, deployment: &str) -> Result<Option<Timeline>, CliError> {
    let recorded = journal.load_recorded(deployment).await?;
    build(deployment, &recorded).map_err(|source| CliError::Replay {
        deployment: deployment.to_owned(),
        source,
    })
}

/// Prints every line of the journal, then each new one as it is recorded, until interrupted.
async fn follow(journal: &Journal, args: &TimelineArgs, output: Output) -> Result<(), CliError> {
    let mut printed = 0;
    loop {
        if let Some(timeline) = load(journal, &args.deployment).await? {
            for line in timeline.lines.iter().skip(printed) {
                match output {
                    Output::Text => write(&format!("{}\n", line.text()))?,
                    Output::Json => write_json_line(line)?,
                }
            }
            printed = timeline.lines.len();
        }
        tokio::time::sleep(args.interval).await;
    }
}

/// A deployment's rollouts over time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Timeline {
    /// Deployment name.
    pub deployment: String,
    /// When the first rollout began (milliseconds since the Unix epoch).
    pub start: u64,
    /// When the last entry was recorded.
    pub end: u64,
    /// Every version rolled out, in order of first appearance.
    pub versions: Vec<String>,
    /// The rollouts, oldest first.
    pub rollouts: Vec<RolloutSpan>,
    /// Each region's traffic over time, in the wave order of the latest rollout.
    pub regions: Vec<RegionSeries>,
    /// Gate failures and rollbacks, by region.
    pub events: Vec<Event>,
    /// One line per journal entry.
    pub lines: Vec<Line>,
}

/// One rollout.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RolloutSpan {
    /// The rollout's id.
    pub rollout_id: String,
    /// The version it rolled out.
    pub version: String,
    /// When it began.
    pub started_at: u64,
    /// When its outcome was recorded.
    pub ended_at: Option<u64>,
    /// `succeeded`, `rolled_back` or `halted`; `None` while unfinished.
    pub status: Option<&'static str>,
}

/// One region's traffic over time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionSeries {
    /// Region name.
    pub region: String,
    /// Its wave (in the latest rollout that has it).
    pub wave: String,
    /// Its traffic from each sample's time until the next sample (or the timeline's end).
    pub samples: Vec<Sample>,
}

/// A region's traffic from `at` on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// When it took effect.
    pub at: u64,
    /// Index of the rollout that set it, in [`Timeline::rollouts`].
    pub rollout: usize,
    /// The version the rollout of the moment rolls out.
    pub new_version: String,
    /// Percent of the region's traffic on it.
    pub new_percent: u8,
    /// The version the region served before that rollout (`None` before its first publication).
    pub old_version: Option<String>,
    /// Percent of the region's traffic on it.
    pub old_percent: u8,
}

/// What happened to a region at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A gate tripped its failure threshold.
    GateFailed,
    /// The region was returned to its prior weights.
    RolledBack,
}

/// A gate failure or rollback.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// When it was recorded.
    pub at: u64,
    /// The region.
    pub region: String,
    /// What happened.
    pub kind: EventKind,
    /// Why, in words.
    pub detail: String,
}

/// One journal entry in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Line {
    /// When it was recorded.
    pub at: u64,
    /// The version of its rollout.
    pub version: String,
    /// When its rollout began.
    pub rollout_started_at: u64,
    /// What happened.
    pub text: String,
}

impl Line {
    /// `[v2 +00:12.3] us-east-1 → 25 % on v2`: the time since its rollout began.
    pub fn text(&self) -> String {
        let since = self.at.saturating_sub(self.rollout_started_at);
        format!(
            "[{} +{:02}:{:02}.{}] {}",
            self.version,
            since / 60_000,
            since / 1000 % 60,
            since % 1000 / 100,
            self.text
        )
    }
}

/// The timeline of `deployment` from its journal lines, `None` when it has no rollout.
pub fn build(deployment: &str, recorded: &[Recorded]) -> Result<Option<Timeline>, StateError> {
    let mut state: Option<RolloutState> = None;
    let mut rollouts: Vec<RolloutSpan> = Vec::new();
    let mut series: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
    let mut waves: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut versions: Vec<String> = Vec::new();
    let mut events = Vec::new();
    let mut lines = Vec::new();
    let mut last = 0u64;
    for record in recorded {
        let entry = &record.entry;
        // Lines written before stores stamped them take the rollout's start, else the time of
        // the line before; times never run backwards (lines of several machines' clocks).
        let at = match (record.at, entry) {
            (Some(at), _) => at,
            (None, Entry::Intent(intent)) => intent.started_at,
            (None, _) => last,
        }
        .max(last);
        last = at;
        match (entry, state.as_mut()) {
            (Entry::Intent(intent), _) => {
                let fresh = RolloutState::from_intent(intent);
                let spec = &fresh.spec;
                if !versions.contains(&spec.version) {
                    versions.push(spec.version.clone());
                }
                rollouts.push(RolloutSpan {
                    rollout_id: fresh.rollout_id.clone(),
                    version: spec.version.clone(),
                    started_at: at,
                    ended_at: None,
                    status: None,
                });
                // The latest rollout's wave order wins; regions it no longer has stay after.
                let mut latest: Vec<String> = Vec::new();
                for wave in &spec.waves {
                    for region in &wave.regions {
                        waves.insert(region.clone(), wave.name.clone());
                        latest.push(region.clone());
                    }
                }
                order.retain(|r| !latest.contains(r));
                latest.append(&mut order);
                order = latest;
                for (region, prior) in &fresh.prior {
                    push_sample(&mut series, rollouts.len() - 1, &fresh, region, prior.weights, at);
                }
                state = Some(fresh);
            }
            // Lines before the first intent belong to no rollout.
            (_, None) => continue,
            (entry, Some(current)) => {
                current.apply(entry)?;
                match entry {
                    Entry::Step { weights, .. } => {
                        for (region, w) in weights {
                            push_sample(&mut series, rollouts.len() - 1, current, region, *w, at);
                        }
                    }
                    Entry::Rollback { weights, reason } => {
                        for (region, w) in weights {
                            push_sample(&mut series, rollouts.len() - 1, current, region, *w, at);
                            events.push(Event {
                                at,
                                region: region.clone(),
                                kind: EventKind::RolledBack,
                                detail: reason.clone(),
                            });
                        }
                    }
                    Entry::GateFailed(failure) => events.push(Event {
                        at,
                        region: failure.region.clone(),
                        kind: EventKind::GateFailed,
                        detail: failure.to_string(),
                    }),
                    Entry::Outcome { status } => {
                        if let Some(span) = rollouts.last_mut() {
                            span.ended_at = Some(at);
                            span.status = Some(status.as_str());
                        }
                    }
                    _ => {}
                }
            }
        }
        if let (Some(current), Some(span)) = (state.as_ref(), rollouts.last()) {
            lines.push(Line {
                at,
                version: span.version.clone(),
                rollout_started_at: span.started_at,
                text: describe(entry, current),
            });
        }
    }
    let Some(first) = rollouts.first() else {
        return Ok(None);
    };
    let start = first.started_at;
    let regions = order
        .into_iter()
        .map(|region| RegionSeries {
            wave: waves.get(&region).cloned().unwrap_or_default(),
            samples: series.remove(&region).unwrap_or_default(),
            region,
        })
        .collect();
    Ok(Some(Timeline {
        deployment: deployment.to_owned(),
        start,
        end: last,
        versions,
        rollouts,
        regions,
        events,
        lines,
    }))
}

/// Records `region`'s weights from `at` on, read against the slots of `state`'s rollout (number
/// `rollout` of the timeline).
fn push_sample(
    series: &mut BTreeMap<String, Vec<Sample>>,
    rollout: usize,
    state: &RolloutState,
    region: &str,
    w: Weights,
    at: u64,
) {
    let new_slot = state.new_slot(region);
    let old_version = state
        .prior
        .get(region)
        .and_then(|p| p.serving.as_ref())
        .map(|s| s.version.clone());
    series.entry(region.to_owned()).or_default().push(Sample {
        at,
        rollout,
        new_version: state.spec.version.clone(),
        new_percent: w.of(new_slot),
        old_version,
        old_percent: w.of(new_slot.other()),
    });
}

impl Timeline {
    /// How long the journal spans.
    pub fn span(&self) -> Duration {
        Duration::from_millis(self.end.saturating_sub(self.start))
    }

    /// `v1 succeeded, v2 succeeded, v3 rolled_back`.
    pub fn outcomes(&self) -> String {
        self.rollouts
            .iter()
            .map(|r| format!("{} {}", r.version, r.status.unwrap_or("running")))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The history as text: a summary, then one line per entry.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{}: {} rollout(s) over {} ({})\n",
            self.deployment,
            self.rollouts.len(),
            elapsed(self.span()),
            self.outcomes()
        );
        for line in &self.lines {
            let _ = writeln!(out, "{}", line.text());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's journal: v1 created, v2 rolled through two waves, v3 rolled back in wave 2.
    fn demo_journal() -> Vec<Recorded> {
        globaldeploy_engine::testing::RECORDED_JOURNAL
            .lines()
            .map(|line| serde_json::from_str(line).expect("fixture line"))
            .collect()
    }

    fn percent_at(t: &Timeline, region: &str, at: u64) -> (String, u8) {
        let series = t.regions.iter().find(|s| s.region == region).unwrap();
        let sample = series.samples.iter().rev().find(|s| s.at <= at).unwrap();
        (sample.new_version.clone(), sample.new_percent)
    }

    #[test]
    fn replays_every_rollout_with_its_weights() {
        let t = build("api", &demo_journal()).unwrap().unwrap();
        assert_eq!(t.versions, ["v1", "v2", "v3"]);
        assert_eq!(t.outcomes(), "v1 succeeded, v2 succeeded, v3 rolled_back");
        let order: Vec<&str> = t.regions.iter().map(|s| s.region.as_str()).collect();
        assert_eq!(order, ["us-west-2", "eu-west-1", "us-east-1"]);
        assert_eq!(t.regions[2].wave, "rest");
        // Before and after v3's rollback: us-east-1 held 25 % of v3, then none of it.
        let rollback = t.events.iter().find(|e| e.kind == EventKind::RolledBack).unwrap();
        assert_eq!(percent_at(&t, "us-east-1", rollback.at - 1), ("v3".to_owned(), 25));
        assert_eq!(percent_at(&t, "us-east-1", rollback.at), ("v3".to_owned(), 0));
        let failed = t.events.iter().find(|e| e.kind == EventKind::GateFailed).unwrap();
        assert_eq!(failed.region, "us-east-1");
        assert!(failed.detail.contains("region \"us-east-1\""), "{}", failed.detail);
        // rollback_all: the canary and eu-west-1 went back to v2 too.
        let rolled_back: Vec<&str> = t
            .events
            .iter()
            .filter(|e| e.kind == EventKind::RolledBack)
            .map(|e| e.region.as_str())
            .collect();
        assert_eq!(rolled_back, ["eu-west-1", "us-east-1", "us-west-2"]);
        assert_eq!(percent_at(&t, "us-west-2", t.end), ("v3".to_owned(), 0));
        assert_eq!(t.lines.len(), demo_journal().len());
    }

    #[test]
    fn text_lists_every_entry_since_its_rollout_began() {
        let t = build("api", &demo_journal()).unwrap().unwrap();
        insta::assert_snapshot!("timeline_text", t.text());
    }

    #[test]
    fn lines_without_stamps_take_the_time_before_them() {
        let mut journal = demo_journal();
        for r in &mut journal {
            r.at = None;
        }
        let t = build("api", &journal).unwrap().unwrap();
        // Every intent's own start remains; the rest follow it.
        let starts: Vec<u64> = t.rollouts.iter().map(|r| r.started_at).collect();
        let mut sorted = starts.clone();
        sorted.sort_unstable();
        assert_eq!(starts, sorted);
        assert!(t.lines.windows(2).all(|w| w[0].at <= w[1].at));
    }

    #[test]
    fn an_empty_journal_has_no_timeline() {
        assert_eq!(build("api", &[]).unwrap(), None);
    }
}
