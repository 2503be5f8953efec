//! `globaldeploy`: the reconciler CLI (commands arrive with the rollout engine).
use clap::Parser;

/// Plan, watch and drive globaldeploy rollouts outside Terraform.
#[derive(Parser)]
#[command(name = "globaldeploy", version)]
struct Cli {}

fn main() -> anyhow::Result<()> {
    let _cli = Cli::parse();
    Ok(())
}
