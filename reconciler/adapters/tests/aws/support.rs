//! Test support: a moto server on a free loopback port, killed when dropped, and clients
//! pointed at it.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use globaldeploy_adapters::aws::{AwsSettings, Route53};

/// A running `moto_server`.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    /// Starts moto from `$MOTO_SERVER_BIN`, the project's `.venv`, or `PATH`.
    pub fn start() -> Moto {
        let bin = std::env::var("MOTO_SERVER_BIN").unwrap_or_else(|_| {
            let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/moto_server");
            if std::path::Path::new(venv).exists() {
                venv.to_owned()
            } else {
                "moto_server".to_owned()
            }
        });
        let port = free_port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e} (set MOTO_SERVER_BIN)"));
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not listen on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Settings for an endpoint with moto's dummy credentials and a generous rate budget.
pub fn settings(endpoint: &str) -> AwsSettings {
    AwsSettings {
        region: Some("us-east-1".into()),
        access_key: Some("testing".into()),
        secret_key: Some("testing".into()),
        route53_endpoint: Some(endpoint.to_owned()),
        s3_endpoint: Some(endpoint.to_owned()),
        api_requests_per_second: 1000.0,
        ..AwsSettings::default()
    }
}

/// A client for `endpoint`.
pub fn client(endpoint: &str) -> Route53 {
    Route53::new(settings(endpoint))
}

/// A deadline far enough away for moto, which is INSYNC at once.
pub fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(120)
}
