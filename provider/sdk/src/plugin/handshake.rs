//! The go-plugin handshake: checking we were launched by Terraform and announcing where we
//! listen.
//!
//! Terraform starts the provider with a magic cookie and the protocol versions it speaks, and
//! reads one line from stdout: `CORE|APP|NETWORK|ADDRESS|PROTOCOL|CERT`. Nothing else may ever
//! be written to stdout, or Terraform fails to start the plugin.

use std::io::Write;

use base64::Engine;
use thiserror::Error;

/// The cookie Terraform sets; a human running the binary does not.
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's own protocol version.
const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol this provider speaks.
pub const APP_PROTOCOL_VERSION: u32 = 5;

/// Why the process cannot act as a plugin.
#[derive(Debug, Error)]
pub enum HandshakeError {
    /// Run by hand rather than by Terraform.
    #[error(
        "This binary is a Terraform plugin (terraform-provider-globaldeploy). It is not meant to be run directly.\n\
         Add `globaldeploy/globaldeploy` to your configuration's required_providers and run `terraform init`;\n\
         Terraform starts the provider itself."
    )]
    NotLaunchedByTerraform,
    /// Terraform does not offer protocol 5.
    #[error("Terraform offered plugin protocol versions {offered:?}, but this provider speaks only version {APP_PROTOCOL_VERSION}. Use Terraform 0.12 or newer.")]
    UnsupportedProtocol {
        /// What PLUGIN_PROTOCOL_VERSIONS said.
        offered: String,
    },
    /// Writing the handshake line failed.
    #[error("could not write the plugin handshake to stdout: {0}")]
    Stdout(#[from] std::io::Error),
}

/// Checks the cookie and that Terraform accepts protocol 5.
pub fn check_environment() -> Result<(), HandshakeError> {
    if std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NotLaunchedByTerraform);
    }
    match std::env::var("PLUGIN_PROTOCOL_VERSIONS") {
        // Unset means the client takes the plugin's own version.
        Err(_) => Ok(()),
        Ok(offered) if offered.split(',').any(|v| v.trim() == APP_PROTOCOL_VERSION.to_string()) => Ok(()),
        Ok(offered) => Err(HandshakeError::UnsupportedProtocol { offered }),
    }
}

/// Where the plugin listens.
#[derive(Clone, Debug)]
pub enum Address {
    /// A unix socket path.
    Unix(std::path::PathBuf),
    /// A loopback TCP address.
    Tcp(std::net::SocketAddr),
}

/// Formats the handshake line (without the newline). `server_cert_der` is omitted when TLS
/// is off.
pub fn handshake_line(address: &Address, server_cert_der: Option<&[u8]>) -> String {
    let (network, address) = match address {
        Address::Unix(path) => ("unix", path.display().to_string()),
        Address::Tcp(addr) => ("tcp", addr.to_string()),
    };
    // go-plugin decodes the certificate with base64's RawStdEncoding: no padding.
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|{network}|{address}|grpc|{cert}")
}

/// Writes the handshake line to stdout and flushes it.
pub fn announce(line: &str) -> Result<(), HandshakeError> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(line.as_bytes())?;
    stdout.write_all(b"\n")?;
    stdout.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_unix_and_tcp_lines() {
        let unix = Address::Unix("/tmp/plugin123/provider.sock".into());
        assert_eq!(
            handshake_line(&unix, None),
            "1|5|unix|/tmp/plugin123/provider.sock|grpc|"
        );
        let tcp = Address::Tcp("127.0.0.1:10001".parse().expect("addr"));
        // 0x01 0x02 -> "AQI" without the "=" padding.
        assert_eq!(handshake_line(&tcp, Some(&[1, 2])), "1|5|tcp|127.0.0.1:10001|grpc|AQI");
    }
}
