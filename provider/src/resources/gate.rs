//! The `gate` block (docs/resources/deployment.md, "gate"): one health check plus how its samples are judged.
//!
//! Gates are declared on waves and deployments and evaluated by the rollout engine at every
//! traffic step. The schema and its validation live here once so both resources offer exactly
//! the same block.

use std::time::Duration;

use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::duration::parse_duration;
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{Attribute, AttributePath, Block, Diagnostics, NestedBlock};

use crate::terraform_json::{
    DEFAULT_EXPECT_STATUS, DEFAULT_FAILURE_THRESHOLD, DEFAULT_GATE_INTERVAL, DEFAULT_MIN_SAMPLES,
    DEFAULT_PROBE_TIMEOUT, DEFAULT_SUCCESS_RATIO,
};

/// The checks a gate may hold; exactly one per gate.
const CHECKS: &[&str] = &["http", "route53_health_check"];
/// The shortest interval, timeout and latency bound: the engine counts in milliseconds, and a
/// zero interval would sample without pause.
const SHORTEST: Duration = Duration::from_millis(1);

/// The `gate` list block.
pub fn gate_block() -> NestedBlock {
    let http = Block::new("Probe an HTTP(S) endpoint: the region's `health_url`, or `url` when set.")
        .attribute(
            Attribute::optional("url", Type::String)
                .description("URL to probe instead of the region's `health_url`.")
                .validate(validators::from_fn(|v| check_http_url(v.as_str().unwrap_or_default()))),
        )
        .attribute(
            Attribute::with_default(
                "expect_status",
                Type::list(Type::Number),
                Value::list(
                    DEFAULT_EXPECT_STATUS
                        .iter()
                        .map(|s| Value::int(i64::from(*s)))
                        .collect(),
                ),
            )
            .description(format!(
                "HTTP status codes that count as healthy. Default: `{DEFAULT_EXPECT_STATUS:?}`."
            ))
            .validate(validators::length_between(1, 100))
            .validate(validators::each(validators::int_between(100, 599))),
        )
        .attribute(
            Attribute::with_default("timeout", Type::String, DEFAULT_PROBE_TIMEOUT)
                .description(format!(
                    "How long one probe may take before it counts as failed. Default: `{DEFAULT_PROBE_TIMEOUT:?}`."
                ))
                .validate(validators::duration_at_least(SHORTEST)),
        )
        .attribute(
            Attribute::optional("max_latency", Type::String)
                .description("Largest acceptable p95 latency over the evaluation window, e.g. `\"500ms\"`.")
                .validate(validators::duration_at_least(SHORTEST)),
        );
    let route53 = Block::new("Use a Route 53 health check's status (healthy per GetHealthCheckStatus).").attribute(
        Attribute::required("health_check_id", Type::String)
            .description("ID of the Route 53 health check, e.g. `globaldeploy_health_check.x.id`.")
            .validate(validators::not_empty()),
    );
    let gate = Block::new("A health gate: exactly one check (`http` or `route53_health_check`) and how it is judged.")
        .attribute(
            Attribute::with_default("interval", Type::String, DEFAULT_GATE_INTERVAL)
                .description(format!("Time between two evaluations, at least `\"1ms\"`. Default: `{DEFAULT_GATE_INTERVAL:?}`."))
                .validate(validators::duration_at_least(SHORTEST)),
        )
        .attribute(
            Attribute::with_default("min_samples", Type::Number, Value::int(i64::from(DEFAULT_MIN_SAMPLES)))
                .description(format!("Samples needed before the gate can pass. Default: `{DEFAULT_MIN_SAMPLES}`."))
                .validate(validators::int_between(1, 10_000)),
        )
        .attribute(
            Attribute::with_default("success_ratio", Type::Number, Value::float(DEFAULT_SUCCESS_RATIO))
                .description(format!(
                    "Share of successful samples in the window needed to pass, in (0, 1]. Default: `{DEFAULT_SUCCESS_RATIO}`."
                ))
                .validate(validators::number_above_up_to(0.0, 1.0)),
        )
        .attribute(
            Attribute::with_default("failure_threshold", Type::Number, Value::int(i64::from(DEFAULT_FAILURE_THRESHOLD)))
                .description(format!(
                    "Consecutive failed evaluations that trigger the failure policy. Default: `{DEFAULT_FAILURE_THRESHOLD}`."
                ))
                .validate(validators::int_between(1, 1000)),
        )
        .block(NestedBlock::single("http", http))
        .block(NestedBlock::single("route53_health_check", route53))
        .validate(validators::exactly_one_of(CHECKS));
    NestedBlock::list("gate", gate)
}

fn check_http_url(url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(()),
        _ => Err(format!(
            "{url:?} is not an HTTP URL; expected http://HOST/PATH or https://HOST/PATH."
        )),
    }
}

/// Cross-attribute checks of every gate in `config` (the gates' parent object): a probe that
/// may take longer than the interval between probes would overlap itself.
pub fn validate_gates(config: &Value, diags: &mut Diagnostics) {
    let Some(gates) = config.get("gate").and_then(Value::as_list) else {
        return;
    };
    for (index, gate) in gates.iter().enumerate() {
        let interval = duration_or(gate.get("interval"), DEFAULT_GATE_INTERVAL);
        let timeout = gate
            .get("http")
            .filter(|h| !h.is_null())
            .and_then(|h| duration_or(h.get("timeout"), DEFAULT_PROBE_TIMEOUT));
        if let (Some(interval), Some(timeout)) = (interval, timeout) {
            if timeout > interval {
                diags.error_at(
                    AttributePath::attr("gate").index(index).join("http").join("timeout"),
                    "Probe timeout longer than the gate interval",
                    format!(
                        "timeout ({}) exceeds the gate's interval ({}); probes would overlap. Lower the timeout or raise the interval.",
                        humantime::format_duration(timeout),
                        humantime::format_duration(interval)
                    ),
                );
            }
        }
    }
}

/// The duration in `value`, `default` when null; `None` when unknown or invalid (validated
/// elsewhere).
fn duration_or(value: Option<&Value>, default: &str) -> Option<Duration> {
    match value {
        None | Some(Value::Null) => parse_duration(default).ok(),
        Some(value) => value.as_str().and_then(|text| parse_duration(text).ok()),
    }
}
