//! The picture of a [`Timeline`]: one lane per region, its traffic stacked by version over time
//! (the rollout's new version at the bottom, the version it replaces above), a line tracing the
//! new version's share, a dashed mark where each rollout began with its version and outcome,
//! and markers where gates failed and regions were rolled back.
//!
//! The time axis runs a little past the last entry, so the state the journal ended in (after a
//! rollback, say) shows. Hand-written SVG: the same timeline always gives the same bytes
//! (coordinates are rounded to a tenth of a pixel), so it can be snapshot-tested and diffed.

use std::fmt::Write as _;
use std::time::Duration;

use crate::timeline::{EventKind, RegionSeries, Timeline};
use globaldeploy_engine::human_time::utc;
use globaldeploy_engine::human_time::{duration, elapsed};

const WIDTH: f64 = 960.0;
const LEFT: f64 = 170.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 92.0;
const LANE: f64 = 64.0;
const GAP: f64 = 18.0;
const AXIS: f64 = 40.0;
const LEGEND: f64 = 36.0;

/// Colours of versions in order of first appearance (Okabe–Ito, without its reds, which
/// mark failures).
const PALETTE: &[&str] = &[
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#7F7F7F", "#8C564B",
];
const FAILURE: &str = "#C62828";
const SUCCESS: &str = "#2E7D32";
/// Traffic of no known version (weights before a region's first publication).
const UNKNOWN: &str = "#BBBBBB";

/// The axis runs this fraction of the journal's span past its last entry, at least
/// [`MIN_TAIL_MS`].
const TAIL_FRACTION: u64 = 12;
const MIN_TAIL_MS: u64 = 1000;

/// Tick spacings of the time axis, in seconds.
const TICKS: &[u64] = &[
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400, 172_800, 604_800,
];
/// The most ticks the axis shows.
const MAX_TICKS: u64 = 10;

/// The SVG document of `timeline`.
pub fn render(timeline: &Timeline) -> String {
    Picture::new(timeline).render()
}

struct Picture<'a> {
    t: &'a Timeline,
    /// Where the time axis ends: the last entry, plus room to show the state it left.
    end: u64,
    span_ms: f64,
    plot_width: f64,
    lanes_bottom: f64,
    height: f64,
}

/// One band of a lane: `version` (or none) carries `from`..`to` percent of the traffic.
#[derive(Clone, Debug, PartialEq)]
struct Band<'a> {
    version: Option<&'a str>,
    from: u8,
    to: u8,
}

impl<'a> Picture<'a> {
    fn new(t: &'a Timeline) -> Self {
        let lanes = t.regions.len() as f64;
        let lanes_bottom = TOP + lanes * (LANE + GAP) - GAP;
        let end = t.end + (t.end.saturating_sub(t.start) / TAIL_FRACTION).max(MIN_TAIL_MS);
        Picture {
            t,
            end,
            span_ms: (end - t.start) as f64,
            plot_width: WIDTH - LEFT - RIGHT,
            lanes_bottom,
            height: lanes_bottom + AXIS + LEGEND,
        }
    }

    fn x(&self, at: u64) -> f64 {
        LEFT + at.saturating_sub(self.t.start) as f64 / self.span_ms * self.plot_width
    }

    fn lane_top(index: usize) -> f64 {
        TOP + index as f64 * (LANE + GAP)
    }

    /// The y of `percent` in the lane starting at `top`.
    fn y(top: f64, percent: u8) -> f64 {
        top + LANE * (1.0 - f64::from(percent) / 100.0)
    }

    fn color(&self, version: Option<&str>) -> &'static str {
        version
            .and_then(|v| self.t.versions.iter().position(|known| known == v))
            .map_or(UNKNOWN, |i| PALETTE[i % PALETTE.len()])
    }

    fn render(&self) -> String {
        let t = self.t;
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#,
            w = num(WIDTH),
            h = num(self.height)
        );
        let _ = writeln!(
            out,
            "<title>{}: each region's traffic by version over time</title>",
            esc(&t.deployment)
        );
        let _ = writeln!(out, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
        let _ = writeln!(
            out,
            r#"<text x="{LEFT}" y="28" font-size="17" font-weight="bold">{}: each region's traffic by version</text>"#,
            esc(&t.deployment)
        );
        let _ = writeln!(
            out,
            r##"<text x="{LEFT}" y="48" fill="#555555">from {} over {}: {}</text>"##,
            utc(t.start),
            elapsed(Duration::from_millis(t.end.saturating_sub(t.start))),
            esc(&t.outcomes())
        );
        self.rollout_marks(&mut out);
        for (index, series) in t.regions.iter().enumerate() {
            self.lane(&mut out, index, series);
        }
        self.axis(&mut out);
        self.legend(&mut out);
        out.push_str("</svg>\n");
        out
    }

    /// A dashed line where each rollout began, labelled with its version and outcome.
    fn rollout_marks(&self, out: &mut String) {
        for rollout in &self.t.rollouts {
            let x = num(self.x(rollout.started_at));
            let (status, color) = match rollout.status {
                Some("succeeded") => ("succeeded", SUCCESS),
                Some(other) => (other, FAILURE),
                None => ("running", "#555555"),
            };
            let _ = writeln!(
                out,
                r##"<g class="rollout" data-version="{v}"><line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#555555" stroke-dasharray="4 3"/><text x="{tx}" y="{ty}" font-weight="bold">{v}</text><text x="{tx}" y="{sy}" fill="{color}">{status}</text></g>"##,
                v = esc(&rollout.version),
                y1 = num(TOP - 30.0),
                y2 = num(self.lanes_bottom),
                tx = num(self.x(rollout.started_at) + 4.0),
                ty = num(TOP - 20.0),
                sy = num(TOP - 7.0),
            );
        }
    }

    /// One region: label, stacked bands, the new version's share, and event markers.
    fn lane(&self, out: &mut String, index: usize, series: &RegionSeries) {
        let top = Self::lane_top(index);
        let _ = writeln!(out, r#"<g class="series" data-region="{}">"#, esc(&series.region));
        let _ = writeln!(
            out,
            r#"<text x="{x}" y="{y}" text-anchor="end" font-weight="bold" font-size="13">{}</text>"#,
            esc(&series.region),
            x = num(LEFT - 10.0),
            y = num(top + LANE / 2.0 - 2.0)
        );
        let _ = writeln!(
            out,
            r##"<text x="{x}" y="{y}" text-anchor="end" fill="#777777">wave {}</text>"##,
            esc(&series.wave),
            x = num(LEFT - 10.0),
            y = num(top + LANE / 2.0 + 13.0)
        );
        let _ = writeln!(
            out,
            r##"<rect x="{LEFT}" y="{y}" width="{w}" height="{LANE}" fill="#f6f6f6" stroke="#dddddd"/>"##,
            y = num(top),
            w = num(self.plot_width)
        );
        self.bands(out, top, series);
        self.shares(out, top, series);
        for event in self.t.events.iter().filter(|e| e.region == series.region) {
            let x = self.x(event.at);
            match event.kind {
                EventKind::GateFailed => {
                    let _ = writeln!(
                        out,
                        r#"<path class="marker gate-failed" d="M{} {} L{} {} L{} {} Z" fill="{FAILURE}"><title>{}</title></path>"#,
                        num(x - 6.0),
                        num(top - 11.0),
                        num(x + 6.0),
                        num(top - 11.0),
                        num(x),
                        num(top - 1.0),
                        esc(&event.detail)
                    );
                }
                EventKind::RolledBack => {
                    let (cy, r) = (top + LANE / 2.0, 6.0);
                    let _ = writeln!(
                        out,
                        r#"<path class="marker rolled-back" d="M{} {} L{} {} M{} {} L{} {}" stroke="{FAILURE}" stroke-width="3"><title>rolled back: {}</title></path>"#,
                        num(x - r),
                        num(cy - r),
                        num(x + r),
                        num(cy + r),
                        num(x - r),
                        num(cy + r),
                        num(x + r),
                        num(cy - r),
                        esc(&event.detail)
                    );
                }
            }
        }
        out.push_str("</g>\n");
    }

    /// The region's traffic by version: one rectangle per band for as long as it holds.
    fn bands(&self, out: &mut String, top: f64, series: &RegionSeries) {
        let mut runs: Vec<(u64, u64, Vec<Band<'_>>)> = Vec::new();
        for (i, sample) in series.samples.iter().enumerate() {
            let until = series.samples.get(i + 1).map_or(self.end, |next| next.at);
            let mut bands = vec![Band {
                version: Some(sample.new_version.as_str()),
                from: 0,
                to: sample.new_percent,
            }];
            bands.push(Band {
                version: sample.old_version.as_deref(),
                from: sample.new_percent,
                to: sample.new_percent.saturating_add(sample.old_percent),
            });
            bands.retain(|b| b.to > b.from);
            match runs.last_mut() {
                Some((_, end, last)) if *last == bands => *end = until,
                _ => runs.push((sample.at, until, bands)),
            }
        }
        for (from, until, bands) in runs {
            if until <= from {
                continue;
            }
            let (x1, x2) = (self.x(from), self.x(until));
            for band in bands {
                let _ = writeln!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="0.35" shape-rendering="crispEdges"/>"#,
                    num(x1),
                    num(Self::y(top, band.to)),
                    num(x2 - x1),
                    num(Self::y(top, band.from) - Self::y(top, band.to)),
                    self.color(band.version)
                );
            }
        }
    }

    /// A line per rollout tracing its new version's share of the region's traffic.
    fn shares(&self, out: &mut String, top: f64, series: &RegionSeries) {
        for (index, rollout) in self.t.rollouts.iter().enumerate() {
            let samples: Vec<_> = series.samples.iter().filter(|s| s.rollout == index).collect();
            let Some(first) = samples.first() else { continue };
            let until = self.t.rollouts.get(index + 1).map_or(self.end, |next| next.started_at);
            let mut points = vec![(self.x(first.at), Self::y(top, first.new_percent))];
            let mut level = first.new_percent;
            for sample in &samples[1..] {
                let x = self.x(sample.at);
                points.push((x, Self::y(top, level)));
                level = sample.new_percent;
                points.push((x, Self::y(top, level)));
            }
            points.push((self.x(until), Self::y(top, level)));
            let points: Vec<String> = points.iter().map(|(x, y)| format!("{},{}", num(*x), num(*y))).collect();
            let _ = writeln!(
                out,
                r#"<polyline class="share" data-version="{}" points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
                esc(&rollout.version),
                points.join(" "),
                self.color(Some(&rollout.version))
            );
        }
    }

    /// The time axis: seconds since the first rollout began.
    fn axis(&self, out: &mut String) {
        let y = self.lanes_bottom + 8.0;
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y}" x2="{x2}" y2="{y}" stroke="#555555"/>"##,
            y = num(y),
            x2 = num(LEFT + self.plot_width)
        );
        let span_secs = (self.end - self.t.start) / 1000;
        let step = TICKS
            .iter()
            .copied()
            .find(|step| span_secs / step < MAX_TICKS)
            .unwrap_or(TICKS[TICKS.len() - 1]);
        let mut secs = 0;
        while secs * 1000 <= self.end - self.t.start {
            let x = num(self.x(self.t.start + secs * 1000));
            let _ = writeln!(
                out,
                r##"<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#555555"/><text x="{x}" y="{ty}" text-anchor="middle" fill="#555555">+{label}</text>"##,
                y1 = num(y),
                y2 = num(y + 5.0),
                ty = num(y + 19.0),
                label = duration(Duration::from_secs(secs))
            );
            secs += step;
        }
    }

    /// Versions by colour, and what the markers mean.
    fn legend(&self, out: &mut String) {
        let y = self.lanes_bottom + AXIS + 14.0;
        let mut x = LEFT;
        for version in &self.t.versions {
            let _ = writeln!(
                out,
                r#"<rect x="{x}" y="{sy}" width="14" height="14" fill="{c}" fill-opacity="0.6" stroke="{c}"/><text x="{tx}" y="{y}">{v}</text>"#,
                x = num(x),
                sy = num(y - 11.0),
                c = self.color(Some(version)),
                tx = num(x + 19.0),
                y = num(y),
                v = esc(version)
            );
            x += 34.0 + 7.0 * version.chars().count() as f64;
        }
        x += 16.0;
        let _ = writeln!(
            out,
            r#"<path d="M{} {} L{} {} L{} {} Z" fill="{FAILURE}"/><text x="{}" y="{}">gate failed</text>"#,
            num(x),
            num(y - 10.0),
            num(x + 12.0),
            num(y - 10.0),
            num(x + 6.0),
            num(y),
            num(x + 18.0),
            num(y)
        );
        x += 104.0;
        let _ = writeln!(
            out,
            r#"<path d="M{} {} L{} {} M{} {} L{} {}" stroke="{FAILURE}" stroke-width="3"/><text x="{}" y="{}">rolled back</text>"#,
            num(x),
            num(y - 10.0),
            num(x + 10.0),
            num(y),
            num(x),
            num(y),
            num(x + 10.0),
            num(y - 10.0),
            num(x + 16.0),
            num(y)
        );
        x += 106.0;
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" fill="#555555">line: each rollout's new version</text>"##,
            num(x),
            num(y)
        );
    }
}

/// A coordinate rounded to a tenth of a pixel, without a trailing `.0`.
fn num(value: f64) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_owned)
}

/// Text for XML character data and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::build;
    use globaldeploy_engine::journal::record::Recorded;

    fn demo_timeline() -> Timeline {
        let journal: Vec<Recorded> = globaldeploy_engine::testing::RECORDED_JOURNAL
            .lines()
            .map(|line| serde_json::from_str(line).expect("fixture line"))
            .collect();
        build("api", &journal).unwrap().unwrap()
    }

    #[test]
    fn draws_the_demo_journal() {
        insta::assert_snapshot!("timeline_svg", render(&demo_timeline()));
    }

    #[test]
    fn one_lane_per_region_and_markers_for_the_rollback() {
        let svg = render(&demo_timeline());
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert_eq!(svg.matches(r#"<g class="series""#).count(), 3);
        for region in ["us-west-2", "us-east-1", "eu-west-1"] {
            assert!(svg.contains(&format!(r#"data-region="{region}""#)), "{region}");
        }
        assert_eq!(svg.matches("marker gate-failed").count(), 1);
        assert_eq!(
            svg.matches("marker rolled-back").count(),
            3,
            "rollback_all: every touched region"
        );
        assert_eq!(svg.matches(r#"<g class="rollout""#).count(), 3);
    }

    #[test]
    fn text_is_escaped_and_numbers_are_short() {
        assert_eq!(esc(r#"a<b & "c""#), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.34), "12.3");
    }
}
