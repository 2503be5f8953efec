//! `fault-proxy --upstream URL [--port N] [--probability P] [--seed S]`: runs a
//! [`globaldeploy_fault_proxy::FaultProxy`] until interrupted, for manual experiments and for
//! test harnesses in other languages. Counts and faults are then driven over `/__proxy/...`.

use globaldeploy_fault_proxy::{FaultConfig, FaultProxy};

fn usage() -> ! {
    eprintln!("usage: fault-proxy --upstream URL [--port N] [--probability P] [--seed S]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut upstream = None;
    let mut port = 0u16;
    let mut config = FaultConfig::none();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--upstream" => upstream = Some(value),
            "--port" => port = value.parse().unwrap_or_else(|_| usage()),
            "--probability" => {
                let probability = value.parse().unwrap_or_else(|_| usage());
                config = FaultConfig {
                    probability,
                    ..FaultConfig::all(probability, config.seed)
                };
            }
            "--seed" => config.seed = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let upstream = upstream.unwrap_or_else(|| usage());
    let proxy = match FaultProxy::start_on(&upstream, port, config).await {
        Ok(proxy) => proxy,
        Err(e) => {
            eprintln!("fault-proxy: {e}");
            std::process::exit(1)
        }
    };
    // The one line a harness reads to learn the port.
    println!("{}", proxy.endpoint());
    let _ = tokio::signal::ctrl_c().await;
}
