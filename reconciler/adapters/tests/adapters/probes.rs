//! The HTTP(S) probe against local region stand-ins, the Route 53 health check probe against
//! moto, and `GateProbe`'s dispatch between them.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use globaldeploy_adapters::aws::{HealthCheckSpec, HealthCheckType};
use globaldeploy_adapters::probes::{GateProbe, HttpProbe, HttpProbeError, MAX_BODY_BYTES};
use globaldeploy_engine::model::{Check, GateSpec, RegionSpec, Target};
use globaldeploy_engine::ports::Probe;
use rustls::RootCertStore;

use crate::region::{Health, RegionServer};
use crate::support::{client, Moto};

const OK: &[u16] = &[200];
const SECOND: Duration = Duration::from_secs(1);

fn probe() -> HttpProbe {
    HttpProbe::new().expect("probe")
}

/// A loopback URL nobody listens on.
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/healthz")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_probe_tells_healthy_failing_refused_and_slow_apart() {
    let server = RegionServer::start().await;
    let url = server.health_url();
    let probe = probe();

    let healthy = probe.sample(&url, OK, SECOND).await;
    assert!(healthy.ok, "{healthy:?}");
    assert!(healthy.latency.is_some() && healthy.detail.starts_with("HTTP 200"));

    server.set(Health::Failing);
    let failing = probe.sample(&url, OK, SECOND).await;
    assert!(!failing.ok && failing.latency.is_some(), "{failing:?}");
    assert!(failing.detail.contains("503"), "{failing:?}");
    assert!(probe.sample(&url, &[200, 503], SECOND).await.ok);

    // Latency is the whole exchange, so a slow answer within the timeout shows it.
    server.set(Health::Slow(Duration::from_millis(300)));
    let slow = probe.sample(&url, OK, SECOND).await;
    assert!(slow.ok, "{slow:?}");
    assert!(slow.latency.expect("latency") >= Duration::from_millis(300));

    // Past the timeout it is a failure without latency, and the probe does not wait longer.
    server.set(Health::Slow(Duration::from_secs(5)));
    let started = Instant::now();
    let err = probe.get(&url, Duration::from_millis(200)).await.expect_err("timeout");
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    let timed_out = probe.sample(&url, OK, Duration::from_millis(200)).await;
    assert!(!timed_out.ok && timed_out.latency.is_none(), "{timed_out:?}");

    let err = probe.get(&refused_url(), SECOND).await.expect_err("refused");
    assert!(err.is_unreachable(), "{err}");
    assert!(err.to_string().to_lowercase().contains("refused"), "{err}");

    let err = probe.get("ftp://example.com/", SECOND).await.expect_err("ftp");
    assert!(matches!(err, HttpProbeError::InvalidUrl { .. }), "{err}");
}

/// A server whose `200` answer streams a chunked body far past the probe's cap and then never
/// ends it (the chunk stream stays open).
async fn endless_body_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
                // Four times the cap, then silence without the final chunk.
                for _ in 0..(4 * MAX_BODY_BYTES / (64 * 1024)) {
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
                std::future::pending::<()>().await;
            });
        }
    });
    format!("http://127.0.0.1:{port}/healthz")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_ends_fails_at_the_cap_not_at_the_timeout() {
    let url = endless_body_server().await;
    // Far longer than reading the cap takes: the cap, not the clock, must end the read (today
    // the probe buffers everything and reports a timeout).
    let err = probe().get(&url, Duration::from_secs(30)).await.expect_err("capped");
    assert!(
        matches!(
            err,
            HttpProbeError::BodyTooLarge {
                limit: MAX_BODY_BYTES,
                ..
            }
        ),
        "{err}"
    );
    let sample = probe().sample(&url, OK, Duration::from_secs(30)).await;
    assert!(!sample.ok && sample.detail.contains("exceeds"), "{sample:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_errors_never_show_url_credentials_or_query() {
    let url = refused_url().replace("http://", "http://deploy:hunter2@") + "?token=tok-123";
    let err = probe().get(&url, SECOND).await.expect_err("refused");
    let text = err.to_string();
    assert!(err.is_unreachable(), "{text}");
    assert!(!text.contains("hunter2") && !text.contains("tok-123"), "{text}");
    assert!(
        text.contains("http://(sensitive)@127.0.0.1:") && text.contains("/healthz?(sensitive)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_probe_verifies_the_certificate() {
    let (server, cert) = RegionServer::start_tls().await;
    let url = server.health_url();
    assert!(url.starts_with("https://"));

    let mut roots = RootCertStore::empty();
    roots.add(cert).expect("root");
    let trusting = HttpProbe::with_roots(roots).expect("probe");
    let sample = trusting.sample(&url, OK, SECOND).await;
    assert!(sample.ok, "{sample:?}");

    // The system roots do not know a self-signed certificate.
    let err = probe().get(&url, SECOND).await.expect_err("untrusted");
    assert!(err.is_unreachable(), "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");
}

fn region(health_url: Option<String>) -> RegionSpec {
    RegionSpec {
        name: "us-east-1".into(),
        record_name: "use1.api.example.com".into(),
        ttl: 60,
        target: Target::Records(vec!["192.0.2.10".into()]),
        health_url,
        global_weight: 1,
    }
}

fn gate(check: Check) -> GateSpec {
    GateSpec {
        check,
        interval: Duration::from_secs(5),
        min_samples: 5,
        success_ratio: 0.99,
        failure_threshold: 3,
    }
}

fn http(url: Option<String>) -> Check {
    Check::Http {
        url,
        expect_status: vec![200],
        timeout: SECOND,
        max_latency: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gate_probe_dispatches_on_the_check() {
    let moto = Moto::start();
    let r53 = client(&moto.endpoint);
    let healthy = RegionServer::start().await;
    let failing = RegionServer::start().await;
    failing.set(Health::Failing);
    let probe = GateProbe::new(probe(), r53.clone());

    // An http gate probes the region's health_url, unless it names its own url.
    let region_ok = region(Some(healthy.health_url()));
    assert!(probe.sample(&region_ok, &gate(http(None))).await.ok);
    let own = probe.sample(&region_ok, &gate(http(Some(failing.health_url())))).await;
    assert!(!own.ok && own.detail.contains("503"), "{own:?}");
    let nowhere = probe.sample(&region(None), &gate(http(None))).await;
    assert!(!nowhere.ok && nowhere.detail.contains("health_url"), "{nowhere:?}");

    // A route53_health_check gate asks GetHealthCheckStatus (moto always reports Success).
    let spec = HealthCheckSpec {
        check_type: HealthCheckType::Http,
        fqdn: Some("use1.api.example.com".into()),
        ip_address: None,
        port: Some(80),
        resource_path: Some("/healthz".into()),
        search_string: None,
        request_interval: Some(10),
        failure_threshold: Some(3),
        regions: vec![],
        tags: BTreeMap::new(),
    };
    let id = r53
        .create_health_check(&spec, "adapters-use1")
        .await
        .expect("health check");
    let check = |health_check_id: &str| {
        gate(Check::Route53HealthCheck {
            health_check_id: health_check_id.into(),
        })
    };
    let sample = probe.sample(&region(None), &check(&id)).await;
    assert!(sample.ok && sample.latency.is_none(), "{sample:?}");
    assert!(sample.detail.contains(&id), "{sample:?}");
    let missing = probe
        .sample(&region(None), &check("00000000-0000-0000-0000-000000000000"))
        .await;
    assert!(!missing.ok, "{missing:?}");
    assert!(missing.detail.contains("NoSuchHealthCheck"), "{missing:?}");
}
