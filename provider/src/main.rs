//! `terraform-provider-globaldeploy`: the binary Terraform launches. Everything lives in the
//! library; this only hands the provider to the plugin server.

fn main() -> std::process::ExitCode {
    globaldeploy_sdk::serve(globaldeploy_provider::GlobalDeploy)
}
