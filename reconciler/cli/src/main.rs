//! `globaldeploy`: plan, watch and drive globaldeploy rollouts outside Terraform. Everything
//! lives in [`globaldeploy_cli`]; this binary parses arguments and reports errors.

use std::process::ExitCode;

use clap::Parser;
use globaldeploy_cli::{run, Cli};

fn main() -> ExitCode {
    match run(Cli::parse()).map_err(anyhow::Error::from) {
        Ok(code) => code,
        Err(error) => {
            // `{:#}` prints the error and its causes on one line.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
