//! [`Route53HealthCheckProbe`]: a gate sample from a Route 53 health check's current status.
//!
//! Healthy means what Route 53 itself means when it routes: more than 18 % of its checkers
//! report success ([`Route53::health_check_status`]). The call goes through the shared client,
//! so probes draw from the same rate budget as the traffic writes and never starve them of it
//! by retrying on their own.

use crate::aws::Route53;
use globaldeploy_engine::ports::Sample;

/// Samples Route 53 health checks.
#[derive(Clone)]
pub struct Route53HealthCheckProbe {
    route53: Route53,
}

impl Route53HealthCheckProbe {
    /// A probe asking through `route53`.
    pub fn new(route53: Route53) -> Route53HealthCheckProbe {
        Route53HealthCheckProbe { route53 }
    }

    /// One sample of health check `health_check_id`. A failed call is a failed sample: a gate
    /// cannot pass on a status it could not read. There is no latency to judge.
    pub async fn sample(&self, health_check_id: &str) -> Sample {
        let (ok, detail) = match self.route53.health_check_status(health_check_id).await {
            Ok(true) => (true, format!("health check {health_check_id} is healthy")),
            Ok(false) => (false, format!("health check {health_check_id} is unhealthy")),
            Err(err) => (false, err.to_string()),
        };
        Sample {
            ok,
            latency: None,
            detail,
        }
    }
}
