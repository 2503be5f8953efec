//! Logs as hclog-style JSON lines on stderr, which Terraform re-logs at their level.
//!
//! Terraform reads the plugin's stderr line by line; a JSON object with `@level`, `@message`
//! and `@timestamp` (six fractional digits) is shown at that level under `TF_LOG`. The level
//! comes from `TF_LOG_PROVIDER_GLOBALDEPLOY`, `TF_LOG_PROVIDER` or `TF_LOG`, like other
//! providers; with none set nothing is logged and tracing's macros cost almost nothing.

use std::io::Write;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Installs the stderr JSON logger if the environment asks for logs.
pub fn init() {
    let Some(level) = level_from_env(|name| std::env::var(name).ok()) else {
        return;
    };
    let _ = tracing_subscriber::registry()
        .with(HclogLayer.with_filter(level))
        .try_init();
    std::panic::set_hook(Box::new(|info| {
        tracing::error!(
            location = info.location().map(ToString::to_string),
            "panic: {}",
            payload_text(info.payload())
        );
    }));
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// The level asked for by the first variable set of the provider-specific, provider-wide and
/// global Terraform log variables; `None` when logging is off.
fn level_from_env(var: impl Fn(&str) -> Option<String>) -> Option<LevelFilter> {
    let setting = ["TF_LOG_PROVIDER_GLOBALDEPLOY", "TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|name| var(name).filter(|v| !v.trim().is_empty()))?;
    match setting.trim().to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => Some(LevelFilter::TRACE),
        "DEBUG" => Some(LevelFilter::DEBUG),
        "INFO" => Some(LevelFilter::INFO),
        "WARN" => Some(LevelFilter::WARN),
        "ERROR" => Some(LevelFilter::ERROR),
        // Terraform treats unknown values as TRACE.
        "OFF" => None,
        _ => Some(LevelFilter::TRACE),
    }
}

struct HclogLayer;

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut line = Map::new();
        line.insert("@level".into(), Json::from(level_name(*event.metadata().level())));
        line.insert(
            "@timestamp".into(),
            Json::from(humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string()),
        );
        line.insert("@module".into(), Json::from("globaldeploy"));
        let mut fields = JsonFields(&mut line);
        event.record(&mut fields);
        if !line.contains_key("@message") {
            line.insert("@message".into(), Json::from(event.metadata().name()));
        }
        let mut text = Json::Object(line).to_string();
        text.push('\n');
        // One write per line so concurrent events never interleave.
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

struct JsonFields<'a>(&'a mut Map<String, Json>);

impl JsonFields<'_> {
    fn put(&mut self, field: &Field, value: Json) {
        let key = if field.name() == "message" {
            "@message"
        } else {
            field.name()
        };
        self.0.insert(key.to_owned(), value);
    }
}

impl Visit for JsonFields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, Json::from(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Json::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Json::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Json::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Json::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Json::from(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(vars: &[(&str, &str)]) -> Option<LevelFilter> {
        level_from_env(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn provider_specific_level_wins() {
        assert_eq!(level(&[]), None);
        assert_eq!(level(&[("TF_LOG", "debug")]), Some(LevelFilter::DEBUG));
        assert_eq!(
            level(&[("TF_LOG", "TRACE"), ("TF_LOG_PROVIDER", "warn")]),
            Some(LevelFilter::WARN)
        );
        assert_eq!(
            level(&[("TF_LOG_PROVIDER", "warn"), ("TF_LOG_PROVIDER_GLOBALDEPLOY", "error")]),
            Some(LevelFilter::ERROR)
        );
        assert_eq!(level(&[("TF_LOG", "off")]), None);
        assert_eq!(level(&[("TF_LOG", "json")]), Some(LevelFilter::TRACE));
    }
}
