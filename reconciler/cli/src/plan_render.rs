//! Renders a [`PlanReport`] as terminal text or as a markdown pull-request comment (its JSON
//! form is the report itself).
//!
//! Schedule rows of regions that move together (same wave, step and exposure) are shown as
//! one row, as they happen in one Route 53 change.

use std::fmt::Write as _;

use serde_json::Value;

use crate::plan::{AttributeChange, DeploymentPlan, PlanReport, RolloutPlan, ScheduleRow, UNKNOWN};
use crate::table::{percent, Table};
use globaldeploy_engine::model::Weights;
use globaldeploy_engine::schedule::RolloutKind;

/// Aligned text for a terminal.
pub fn text(report: &PlanReport) -> String {
    let mut out = String::new();
    if report.deployments.is_empty() && report.changes.is_empty() {
        return "No globaldeploy changes.\n".to_owned();
    }
    for line in &report.summary {
        let _ = writeln!(out, "{line}");
    }
    for d in &report.deployments {
        let _ = writeln!(out, "\n{} will be {}", d.address, past(d));
        problems_text(&mut out, &d.problems);
        if let Some(r) = &d.rollout {
            let _ = writeln!(out, "  {}", strategy_line(r));
            let _ = writeln!(out, "\n  Schedule");
            out.push_str(&schedule(r).text("    "));
            let _ = writeln!(out, "\n  Gates");
            for line in gate_lines(r) {
                let _ = writeln!(out, "    {line}");
            }
            let _ = writeln!(out, "\n  Weights (blue / green %)");
            out.push_str(&weights(r).text("    "));
        }
        if !d.attributes.is_empty() {
            let _ = writeln!(out, "\n  Settings");
            out.push_str(&attributes(&d.attributes).text("    "));
        }
    }
    for c in &report.changes {
        let _ = writeln!(out, "\n{} will be {}", c.address, c.action.past_tense());
        if !c.attributes.is_empty() {
            out.push_str(&attributes(&c.attributes).text("  "));
        }
    }
    out
}

/// A markdown pull-request comment.
pub fn markdown(report: &PlanReport) -> String {
    let mut out = String::from("## globaldeploy plan\n\n");
    if report.deployments.is_empty() && report.changes.is_empty() {
        out.push_str("No globaldeploy changes.\n");
        return out;
    }
    for line in &report.summary {
        let _ = writeln!(out, "**{line}**  ");
    }
    if !report.changes.is_empty() {
        let _ = writeln!(
            out,
            "{} other globaldeploy {}",
            report.changes.len(),
            if report.changes.len() == 1 { "change" } else { "changes" }
        );
    }
    for d in &report.deployments {
        let _ = writeln!(out, "\n### `{}` will be {}\n", d.address, past(d));
        for p in &d.problems {
            let _ = writeln!(out, "> [!WARNING]\n> {p}\n");
        }
        if let Some(r) = &d.rollout {
            let _ = writeln!(out, "{}\n", strategy_line(r));
            out.push_str(&schedule(r).markdown());
            out.push_str("\n#### Gates\n\n");
            for line in gate_lines(r) {
                let _ = writeln!(out, "- {line}");
            }
            out.push_str("\n#### Weights (blue / green %)\n\n");
            out.push_str(&weights(r).markdown());
        }
        if !d.attributes.is_empty() {
            out.push_str("\n#### Settings\n\n");
            out.push_str(&attributes(&d.attributes).markdown());
        }
    }
    if !report.changes.is_empty() {
        out.push_str("\n### Other changes\n");
    }
    for c in &report.changes {
        let _ = writeln!(out, "\n#### `{}` will be {}\n", c.address, c.action.past_tense());
        if !c.attributes.is_empty() {
            out.push_str(&attributes(&c.attributes).markdown());
        }
    }
    out
}

/// "updated in place: rollout v1 → v2".
fn past(d: &DeploymentPlan) -> String {
    let action = d.action.past_tense();
    match (&d.rollout, &d.from_version, &d.to_version) {
        (Some(r), Some(from), Some(to)) if r.mode == RolloutKind::Shift => format!("{action}: rollout {from} → {to}"),
        // Regions added to a live deployment: only they are published, at the version it serves.
        (Some(r), Some(from), Some(to)) if from == to => {
            let regions: Vec<&str> = r
                .waves
                .iter()
                .flat_map(|w| &w.regions)
                .filter(|name| r.schedule.iter().any(|row| &row.region == *name))
                .map(String::as_str)
                .collect();
            format!("{action}: publication of {to} in {}", regions.join(", "))
        }
        (Some(_), _, Some(to)) => format!("{action}: first publication of {to}"),
        _ => action.to_owned(),
    }
}

fn problems_text(out: &mut String, problems: &[String]) {
    for p in problems {
        let _ = writeln!(out, "  warning: {p}");
    }
}

/// How the rollout runs: a shift's steps, or how a publication goes live instead.
fn strategy_line(r: &RolloutPlan) -> String {
    let how = match r.mode {
        RolloutKind::Publish => "publication: each region goes live at 100 % on blue once its gates first pass \
                                 (no steps, no bake)"
            .to_owned(),
        RolloutKind::Shift => {
            let steps: Vec<String> = r.steps.iter().map(ToString::to_string).collect();
            format!("steps {} % every {}", steps.join(" → "), r.step_interval)
        }
    };
    format!(
        "{how}, on_failure = {}, estimated duration ~{} (without approvals)",
        r.on_failure, r.estimated_duration
    )
}

fn schedule(r: &RolloutPlan) -> Table {
    let mut table = Table::new(&["Wave", "Regions", ">Step", ">Hold", ">Global exposure"]);
    let mut rows = r.schedule.iter().peekable();
    while let Some(first) = rows.next() {
        let mut regions = vec![first.region.clone()];
        while let Some(next) = rows.next_if(|n| {
            n.wave == first.wave
                && n.step_percent == first.step_percent
                && n.global_exposure_percent == first.global_exposure_percent
        }) {
            regions.push(next.region.clone());
        }
        let wave = r.waves.iter().find(|w| w.name == first.wave);
        let approval = wave.is_some_and(|w| w.require_approval) && first_row_of_wave(r, first);
        table.row(vec![
            if approval {
                format!("{} (approval)", first.wave)
            } else {
                first.wave.clone()
            },
            regions.join(", "),
            format!("{} %", first.step_percent),
            first.hold.clone(),
            percent(first.global_exposure_percent),
        ]);
    }
    table
}

fn first_row_of_wave(r: &RolloutPlan, row: &ScheduleRow) -> bool {
    r.schedule
        .iter()
        .find(|s| s.wave == row.wave)
        .is_some_and(|s| std::ptr::eq(s, row))
}

fn gate_lines(r: &RolloutPlan) -> Vec<String> {
    let mut lines: Vec<String> = r
        .gates
        .iter()
        .map(|g| format!("every region: {}", g.description))
        .collect();
    for w in &r.waves {
        lines.extend(w.gates.iter().map(|g| format!("wave {}: {}", w.name, g.description)));
    }
    if lines.is_empty() {
        lines.push(match r.mode {
            RolloutKind::Publish => "none: each region goes live at once".to_owned(),
            RolloutKind::Shift => "none: steps advance after their hold alone".to_owned(),
        });
    }
    lines
}

fn weights(r: &RolloutPlan) -> Table {
    let mut table = Table::new(&["Region", "Record", ">Global weight", "Before", "After"]);
    let show = |w: &Weights| format!("{} / {}", w.blue, w.green);
    for w in &r.weights {
        table.row(vec![
            w.region.clone(),
            w.record_name.clone(),
            w.global_weight.to_string(),
            w.before.as_ref().map_or_else(|| "(none)".to_owned(), show),
            show(&w.after),
        ]);
    }
    table
}

fn attributes(changes: &[AttributeChange]) -> Table {
    let mut table = Table::new(&["Attribute", "Before", "After"]);
    let show = |v: &Option<Value>| match v {
        None => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    for c in changes {
        let after = if c.after_unknown {
            UNKNOWN.to_owned()
        } else {
            show(&c.after)
        };
        table.row(vec![c.path.clone(), show(&c.before), after]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, ResourceChange};

    #[test]
    fn a_change_without_attributes_is_one_line() {
        let report = PlanReport {
            format_version: "1",
            terraform_version: None,
            summary: vec![],
            deployments: vec![],
            changes: vec![ResourceChange {
                address: "globaldeploy_wave.canary".into(),
                resource_type: "globaldeploy_wave".into(),
                action: Action::Delete,
                attributes: vec![],
            }],
        };
        assert_eq!(text(&report), "\nglobaldeploy_wave.canary will be deleted\n");
    }
}
