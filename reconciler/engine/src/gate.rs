//! One gate's judgement of one region: the sample window, its verdict after each sample and
//! the count of consecutive failed evaluations.
//!
//! The window holds the last `min_samples` samples taken at the current step, because samples
//! from an earlier step describe a different traffic mix. An evaluation fails as soon as the
//! window can no longer pass (even if every sample still missing succeeded), so a dead version
//! is caught after `failure_threshold` samples instead of waiting for a full window first.

use std::collections::VecDeque;
use std::time::Duration;

use crate::model::{Check, GateSpec};
use crate::outcome::Measured;
use crate::ports::{millis, Sample};
use crate::redact;

/// The result of one evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not enough samples yet, and nothing rules a pass out.
    Pending,
    /// A full window that meets the success ratio and latency bound.
    Pass,
    /// The window cannot pass.
    Fail,
}

/// The running evaluation of `gate` for `region`.
#[derive(Clone, Debug)]
pub struct GateTracker {
    /// Region name.
    pub region: String,
    /// The gate.
    pub gate: GateSpec,
    /// Human name of the gate (scope, index and check) for verdicts and errors.
    pub label: String,
    /// When the next sample is due (virtual milliseconds).
    pub next_due: u64,
    window: VecDeque<Sample>,
    verdict: Verdict,
    consecutive_failures: u32,
}

impl GateTracker {
    /// A fresh tracker whose first sample is due one `interval` after `start`, so the first
    /// sample already sees the traffic of the step.
    pub fn new(region: String, gate: GateSpec, label: String, start: u64) -> Self {
        let next_due = start + millis(gate.interval);
        Self {
            region,
            gate,
            label,
            next_due,
            window: VecDeque::new(),
            verdict: Verdict::Pending,
            consecutive_failures: 0,
        }
    }

    /// The latest verdict.
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// Whether `failure_threshold` consecutive evaluations have failed.
    pub fn tripped(&self) -> bool {
        self.consecutive_failures >= self.gate.failure_threshold.max(1)
    }

    /// Adds `sample` taken at `now`, evaluates and schedules the next sample.
    pub fn record(&mut self, sample: Sample, now: u64) -> Verdict {
        let size = self.window_size();
        if self.window.len() == size {
            self.window.pop_front();
        }
        self.window.push_back(sample);
        self.verdict = self.evaluate();
        if self.verdict == Verdict::Fail {
            self.consecutive_failures += 1;
        } else {
            self.consecutive_failures = 0;
        }
        self.next_due = now + millis(self.gate.interval).max(1);
        self.verdict
    }

    fn window_size(&self) -> usize {
        usize::try_from(self.gate.min_samples.max(1)).unwrap_or(usize::MAX)
    }

    fn evaluate(&self) -> Verdict {
        let size = self.window_size();
        let successes = self.window.iter().filter(|s| s.ok).count();
        let missing = size - self.window.len();
        let best_ratio = (successes + missing) as f64 / size as f64;
        if best_ratio < self.gate.success_ratio {
            return Verdict::Fail;
        }
        if missing > 0 {
            return Verdict::Pending;
        }
        match (self.p95(), self.max_latency()) {
            (Some(p95), Some(max)) if p95 > max => Verdict::Fail,
            _ => Verdict::Pass,
        }
    }

    /// p95 (nearest rank) of the samples that measured a latency.
    fn p95(&self) -> Option<Duration> {
        let mut latencies: Vec<Duration> = self.window.iter().filter_map(|s| s.latency).collect();
        if latencies.is_empty() {
            return None;
        }
        latencies.sort_unstable();
        let rank = (latencies.len() * 95).div_ceil(100);
        Some(latencies[rank.saturating_sub(1)])
    }

    fn max_latency(&self) -> Option<Duration> {
        match &self.gate.check {
            Check::Http { max_latency, .. } => *max_latency,
            Check::Route53HealthCheck { .. } => None,
        }
    }

    /// What the window measured, for verdict entries and error messages.
    pub fn measured(&self) -> Measured {
        let samples = u32::try_from(self.window.len()).unwrap_or(u32::MAX);
        let successes = u32::try_from(self.window.iter().filter(|s| s.ok).count()).unwrap_or(u32::MAX);
        Measured {
            samples,
            successes,
            required_ratio: self.gate.success_ratio,
            min_samples: self.gate.min_samples,
            p95_latency_ms: self.p95().map(millis),
            max_latency_ms: self.max_latency().map(millis),
            consecutive_failures: self.consecutive_failures,
            last_detail: self.window.back().map(|s| s.detail.clone()).unwrap_or_default(),
        }
    }
}

/// The label of a gate: where it is declared and what it checks.
pub fn label(scope: &str, index: usize, gate: &GateSpec) -> String {
    let check = match &gate.check {
        Check::Http { url: Some(url), .. } => format!("http {}", redact::url(url)),
        Check::Http { url: None, .. } => "http health_url".to_owned(),
        Check::Route53HealthCheck { health_check_id } => format!("route53_health_check {health_check_id}"),
    };
    format!("{scope} gate {index} ({check})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(min_samples: u32, ratio: f64, threshold: u32, max_latency: Option<u64>) -> GateSpec {
        GateSpec {
            check: Check::Http {
                url: None,
                expect_status: vec![200],
                timeout: Duration::from_secs(2),
                max_latency: max_latency.map(Duration::from_millis),
            },
            interval: Duration::from_secs(5),
            min_samples,
            success_ratio: ratio,
            failure_threshold: threshold,
        }
    }

    fn sample(ok: bool, ms: u64) -> Sample {
        Sample {
            ok,
            latency: Some(Duration::from_millis(ms)),
            detail: if ok { "200".into() } else { "503".into() },
        }
    }

    #[test]
    fn pending_until_min_samples_then_pass() {
        let mut t = GateTracker::new("r".into(), gate(3, 0.99, 2, None), "g".into(), 0);
        assert_eq!(t.next_due, 5000);
        assert_eq!(t.record(sample(true, 10), 5000), Verdict::Pending);
        assert_eq!(t.record(sample(true, 10), 10000), Verdict::Pending);
        assert_eq!(t.record(sample(true, 10), 15000), Verdict::Pass);
        assert_eq!(t.next_due, 20000);
    }

    #[test]
    fn fails_early_once_the_window_cannot_pass_and_trips_on_threshold() {
        let mut t = GateTracker::new("r".into(), gate(5, 0.6, 2, None), "g".into(), 0);
        assert_eq!(t.record(sample(false, 10), 1), Verdict::Pending);
        assert_eq!(t.record(sample(false, 10), 2), Verdict::Pending);
        assert_eq!(t.record(sample(false, 10), 3), Verdict::Fail);
        assert!(!t.tripped());
        assert_eq!(t.record(sample(true, 10), 4), Verdict::Fail);
        assert!(t.tripped());
        assert_eq!(t.measured().successes, 1);
    }

    #[test]
    fn p95_latency_above_bound_fails() {
        let mut t = GateTracker::new("r".into(), gate(2, 0.5, 1, Some(500)), "g".into(), 0);
        t.record(sample(true, 100), 1);
        assert_eq!(t.record(sample(true, 900), 2), Verdict::Fail);
        assert_eq!(t.measured().p95_latency_ms, Some(900));
        assert!(t.tripped());
    }

    #[test]
    fn a_label_never_shows_the_credentials_or_query_of_a_gate_url() {
        let mut with_url = gate(1, 1.0, 1, None);
        with_url.check = Check::Http {
            url: Some("https://deploy:hunter2@status.example.com/check?sig=abc".into()),
            expect_status: vec![200],
            timeout: Duration::from_secs(2),
            max_latency: None,
        };
        assert_eq!(
            label("wave \"canary\"", 0, &with_url),
            "wave \"canary\" gate 0 (http https://(sensitive)@status.example.com/check?(sensitive))"
        );
    }
}
