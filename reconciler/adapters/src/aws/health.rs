//! Route 53 health checks as globaldeploy sees them (the `globaldeploy_health_check` resource), independent of the SDK.
//!
//! [`HealthCheckSpec`] is what the `globaldeploy_health_check` resource configures; a
//! [`HealthCheck`] is one that exists, with its id and the caller reference that made its
//! creation idempotent.

use std::collections::BTreeMap;

/// The kinds of health check the provider supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HealthCheckType {
    /// HTTP status 2xx/3xx.
    Http,
    /// HTTPS status 2xx/3xx.
    Https,
    /// HTTP, and the body contains `search_string`.
    HttpStrMatch,
    /// HTTPS, and the body contains `search_string`.
    HttpsStrMatch,
    /// A TCP connection can be established.
    Tcp,
}

impl HealthCheckType {
    /// Every supported type, in the order the docs list them.
    pub const ALL: [HealthCheckType; 5] = [
        HealthCheckType::Http,
        HealthCheckType::Https,
        HealthCheckType::HttpStrMatch,
        HealthCheckType::HttpsStrMatch,
        HealthCheckType::Tcp,
    ];

    /// The Route 53 spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthCheckType::Http => "HTTP",
            HealthCheckType::Https => "HTTPS",
            HealthCheckType::HttpStrMatch => "HTTP_STR_MATCH",
            HealthCheckType::HttpsStrMatch => "HTTPS_STR_MATCH",
            HealthCheckType::Tcp => "TCP",
        }
    }

    /// Parses the Route 53 spelling; types the provider does not manage (CALCULATED, ...) give
    /// `None`.
    pub fn parse(value: &str) -> Option<HealthCheckType> {
        HealthCheckType::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

/// The configuration of a health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheckSpec {
    /// What is checked.
    pub check_type: HealthCheckType,
    /// Host name to check (and to send as `Host`).
    pub fqdn: Option<String>,
    /// IP address to check.
    pub ip_address: Option<String>,
    /// Port; Route 53 defaults it by type.
    pub port: Option<i32>,
    /// Path for HTTP(S) checks.
    pub resource_path: Option<String>,
    /// String the body must contain for `*_STR_MATCH`.
    pub search_string: Option<String>,
    /// Seconds between checks, 10 or 30; cannot change after creation.
    pub request_interval: Option<i32>,
    /// Consecutive failures before unhealthy, 1–10.
    pub failure_threshold: Option<i32>,
    /// Checker regions; empty means Route 53's default set.
    pub regions: Vec<String>,
    /// Tags. Listing health checks does not return them; [`super::Route53::get_health_check`]
    /// does.
    pub tags: BTreeMap<String, String>,
}

/// A health check that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// Route 53's id.
    pub id: String,
    /// The idempotency token it was created with.
    pub caller_reference: String,
    /// Route 53's version counter, incremented by each update.
    pub version: i64,
    /// Its configuration. `None` for a type the provider does not manage.
    pub spec: Option<HealthCheckSpec>,
}
