//! What `globaldeploy reconcile --metrics-addr ADDR` serves: `/metrics` in the Prometheus text
//! exposition format, `/healthz` (the process answers) and `/readyz` (its last look at the
//! journal succeeded). The numbers come from two places: the reconcile loop (rollouts driven,
//! finished, left to other holders, failed; journal looks) and, as a [`Progress`], every entry
//! the rollouts it drives journal (each region's weights by slot, gate verdicts, rollbacks).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::ports::Progress;
use globaldeploy_engine::state::RolloutState;

/// One series: metric name and its labels, in order.
type Series = (&'static str, Vec<(&'static str, String)>);

/// The reconciler's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    values: Mutex<BTreeMap<Series, f64>>,
    ready: Mutex<bool>,
}

/// Each metric's type and help line, in the order `/metrics` lists them.
const METRICS: &[(&str, &str, &str)] = &[
    (
        "globaldeploy_reconciler_rollouts_driving",
        "gauge",
        "Rollouts this reconciler drives now.",
    ),
    (
        "globaldeploy_reconciler_rollouts_finished_total",
        "counter",
        "Rollouts it drove to their end, by status.",
    ),
    (
        "globaldeploy_reconciler_rollouts_held_elsewhere_total",
        "counter",
        "Looks at a rollout another process held (left to it).",
    ),
    (
        "globaldeploy_reconciler_rollouts_stopped_total",
        "counter",
        "Rollouts stopped on a signal at a consistent point.",
    ),
    (
        "globaldeploy_reconciler_drive_failures_total",
        "counter",
        "Rollouts it could not drive.",
    ),
    (
        "globaldeploy_reconciler_journal_looks_total",
        "counter",
        "Looks at the journal for work, by result.",
    ),
    (
        "globaldeploy_region_weight",
        "gauge",
        "Each region's Route 53 weight by slot, as last journaled.",
    ),
    (
        "globaldeploy_gate_evaluations_total",
        "counter",
        "Gate verdicts journaled, by result.",
    ),
    (
        "globaldeploy_rollbacks_total",
        "counter",
        "Rollbacks of regions journaled.",
    ),
];

impl Metrics {
    fn add(&self, name: &'static str, labels: Vec<(&'static str, String)>, delta: f64) {
        *lock(&self.values).entry((name, labels)).or_default() += delta;
    }

    fn set(&self, name: &'static str, labels: Vec<(&'static str, String)>, value: f64) {
        lock(&self.values).insert((name, labels), value);
    }

    /// A rollout was taken on (`+1`) or let go (`-1`).
    pub fn driving(&self, delta: f64) {
        self.add("globaldeploy_reconciler_rollouts_driving", Vec::new(), delta);
    }

    /// A rollout it drove ended with `status`.
    pub fn finished(&self, status: &str) {
        self.add(
            "globaldeploy_reconciler_rollouts_finished_total",
            vec![("status", status.to_owned())],
            1.0,
        );
    }

    /// A rollout was held by another process.
    pub fn held_elsewhere(&self) {
        self.add("globaldeploy_reconciler_rollouts_held_elsewhere_total", Vec::new(), 1.0);
    }

    /// A rollout was stopped on a signal.
    pub fn stopped(&self) {
        self.add("globaldeploy_reconciler_rollouts_stopped_total", Vec::new(), 1.0);
    }

    /// A rollout could not be driven.
    pub fn failed(&self) {
        self.add("globaldeploy_reconciler_drive_failures_total", Vec::new(), 1.0);
    }

    /// A look at the journal for work succeeded (`ok`) or failed; `/readyz` follows the last.
    pub fn looked(&self, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        self.add(
            "globaldeploy_reconciler_journal_looks_total",
            vec![("result", result.to_owned())],
            1.0,
        );
        *lock(&self.ready) = ok;
    }

    /// Whether the last look at the journal succeeded.
    pub fn ready(&self) -> bool {
        *lock(&self.ready)
    }

    /// The Prometheus text exposition (format 0.0.4) of every series.
    pub fn render(&self) -> String {
        let values = lock(&self.values);
        let mut out = String::new();
        for (name, kind, help) in METRICS {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for ((_, labels), value) in values.range((*name, Vec::new())..).take_while(|((n, _), _)| n == name) {
                let labels: Vec<String> = labels
                    .iter()
                    .map(|(key, value)| format!("{key}=\"{}\"", escape(value)))
                    .collect();
                let labels = if labels.is_empty() {
                    String::new()
                } else {
                    format!("{{{}}}", labels.join(","))
                };
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        }
        out
    }

    fn weights(&self, deployment: &str, weights: &BTreeMap<String, globaldeploy_engine::model::Weights>) {
        for (region, w) in weights {
            for (slot, weight) in [("blue", w.blue), ("green", w.green)] {
                let labels = vec![
                    ("deployment", deployment.to_owned()),
                    ("region", region.clone()),
                    ("slot", slot.to_owned()),
                ];
                self.set("globaldeploy_region_weight", labels, f64::from(weight));
            }
        }
    }
}

impl Progress for Metrics {
    fn entry(&self, entry: &Entry, state: &RolloutState) {
        let deployment = &state.spec.name;
        match entry {
            Entry::Step { weights, .. } => self.weights(deployment, weights),
            Entry::Rollback { weights, .. } => {
                self.weights(deployment, weights);
                self.add(
                    "globaldeploy_rollbacks_total",
                    vec![("deployment", deployment.clone())],
                    1.0,
                );
            }
            Entry::GatesPassed { verdicts, .. } => {
                let passed = f64::from(u32::try_from(verdicts.len()).unwrap_or(u32::MAX));
                self.add(
                    "globaldeploy_gate_evaluations_total",
                    vec![("result", "pass".to_owned())],
                    passed,
                );
            }
            Entry::GateFailed(_) => {
                self.add(
                    "globaldeploy_gate_evaluations_total",
                    vec![("result", "fail".to_owned())],
                    1.0,
                );
            }
            _ => {}
        }
    }
}

/// A label value as the exposition format writes it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Serves `metrics` on `addr` until the process ends; returns the address bound (port 0 picks
/// a free one).
pub async fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let metrics = Arc::clone(&metrics);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let metrics = Arc::clone(&metrics);
                    async move { Ok::<_, std::convert::Infallible>(answer(&metrics, &request)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(bound)
}

fn answer(metrics: &Metrics, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let (status, content_type, body) = match request.uri().path() {
        "/metrics" => (StatusCode::OK, "text/plain; version=0.0.4", metrics.render()),
        "/healthz" => (StatusCode::OK, "text/plain", "ok\n".to_owned()),
        "/readyz" if metrics.ready() => (StatusCode::OK, "text/plain", "ready\n".to_owned()),
        "/readyz" => (
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain",
            "not ready: the last look at the journal failed (or none finished yet)\n".to_owned(),
        ),
        _ => (StatusCode::NOT_FOUND, "text/plain", "not found\n".to_owned()),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response.headers_mut().insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_lists_every_metric_with_its_series() {
        let metrics = Metrics::default();
        metrics.driving(1.0);
        metrics.finished("succeeded");
        metrics.finished("succeeded");
        metrics.looked(true);
        let text = metrics.render();
        assert!(
            text.contains(
                "# TYPE globaldeploy_reconciler_rollouts_driving gauge\nglobaldeploy_reconciler_rollouts_driving 1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("globaldeploy_reconciler_rollouts_finished_total{status=\"succeeded\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("globaldeploy_reconciler_journal_looks_total{result=\"ok\"} 1\n"),
            "{text}"
        );
        assert_eq!(text.matches("# HELP").count(), METRICS.len());
        assert!(metrics.ready());
        metrics.looked(false);
        assert!(!metrics.ready());
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
