//! The real health probes (ARCHITECTURE: `probes`) and [`GateProbe`], the engine's [`Probe`]
//! port, which sends each gate's check to the probe that measures it.
//!
//! - [`http`]: HTTP(S) GET with status, timeout and latency;
//! - [`route53`]: a Route 53 health check's status.
//!
//! Judging a gate from its samples (window, success ratio, p95, threshold) is the engine's
//! (`engine::gate`): probes only observe.
//!
//! A probe never fails: whatever goes wrong (no URL, refused connection, AWS error) is a failed
//! [`Sample`] whose `detail` says why, because to a gate an unreadable region is an unhealthy
//! one.

pub mod http;
pub mod route53;

use async_trait::async_trait;

use crate::aws::Route53;
use globaldeploy_engine::model::{Check, GateSpec, RegionSpec};
use globaldeploy_engine::ports::{Probe, Sample};

pub use http::{Answer, HttpProbe, HttpProbeError, TlsSetupError, MAX_BODY_BYTES};
pub use route53::Route53HealthCheckProbe;

/// Samples any gate: dispatches on the gate's [`Check`].
#[derive(Clone)]
pub struct GateProbe {
    http: HttpProbe,
    route53: Route53HealthCheckProbe,
}

impl GateProbe {
    /// A probe using `http` for HTTP checks and `route53` for health check status.
    pub fn new(http: HttpProbe, route53: Route53) -> GateProbe {
        GateProbe {
            http,
            route53: Route53HealthCheckProbe::new(route53),
        }
    }
}

#[async_trait]
impl Probe for GateProbe {
    async fn sample(&self, region: &RegionSpec, gate: &GateSpec) -> Sample {
        match &gate.check {
            Check::Http {
                url,
                expect_status,
                timeout,
                ..
            } => match url.as_deref().or(region.health_url.as_deref()) {
                Some(url) => self.http.sample(url, expect_status, *timeout).await,
                None => Sample {
                    ok: false,
                    latency: None,
                    detail: format!(
                        "region {}: the http gate has no url and the region no health_url",
                        region.name
                    ),
                },
            },
            Check::Route53HealthCheck { health_check_id } => self.route53.sample(health_check_id).await,
        }
    }
}
