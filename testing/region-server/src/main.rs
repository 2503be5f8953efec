//! `region-server [--port PORT] [--mode healthy|failing|"slow MILLIS"]`: serves `/healthz` on
//! loopback until killed; switch it with `POST /__mode`. Prints its base URL on stdout.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use globaldeploy_region_server::{Mode, RegionServer};

fn main() -> ExitCode {
    let mut port = 0u16;
    let mut mode = Mode::Healthy;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        let parsed = match (arg.as_str(), value) {
            ("--port", Some(v)) => v.parse().map(|p| port = p).map_err(|e| format!("--port: {e}")),
            ("--mode", Some(v)) => v.parse().map(|m| mode = m),
            _ => Err(format!(
                "unexpected argument {arg:?}\nusage: region-server [--port PORT] [--mode healthy|failing|\"slow MILLIS\"]"
            )),
        };
        if let Err(e) = parsed {
            eprintln!("region-server: {e}");
            return ExitCode::from(2);
        }
    }
    let server = match RegionServer::bind(([127, 0, 0, 1], port).into()) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("region-server: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    server.set_mode(mode);
    println!("{}", server.base_url());
    server.wait();
    ExitCode::SUCCESS
}
