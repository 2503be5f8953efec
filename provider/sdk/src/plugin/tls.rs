//! AutoMTLS: the plugin's self-signed server certificate and a client verifier that accepts
//! exactly the certificate Terraform announced.
//!
//! Terraform passes its client certificate in `PLUGIN_CLIENT_CERT` and trusts only the server
//! certificate printed in the handshake line. Terraform's client certificate is a P-521 CA
//! certificate used as a leaf, which ordinary webpki path validation rejects; since the
//! certificate is known in advance, the verifier compares it byte for byte and checks the
//! handshake signature with aws-lc-rs (which verifies P-521). Only the process that launched
//! the plugin can therefore talk to it.
//!
//! Everything else (key generation, the TLS session) uses ring: aws-lc seeds its random
//! generator from CPU jitter on first use, which cost ~60 ms at every provider start, and
//! Terraform starts the provider several times per command. Verifying a signature needs no
//! randomness, so aws-lc's generator is never touched here.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};
use thiserror::Error;

/// Why TLS could not be set up.
#[derive(Debug, Error)]
pub enum TlsError {
    /// `PLUGIN_CLIENT_CERT` holds no certificate.
    #[error("PLUGIN_CLIENT_CERT does not contain a PEM certificate: {0}")]
    ClientCert(String),
    /// Generating the server certificate failed.
    #[error("could not generate the plugin's certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("could not configure TLS: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The server side of AutoMTLS.
pub struct PluginTls {
    /// The server certificate (DER), announced in the handshake line.
    pub certificate: CertificateDer<'static>,
    /// The rustls configuration for accepted connections.
    pub config: Arc<ServerConfig>,
}

impl PluginTls {
    /// Generates a certificate and builds the configuration accepting only `client_cert_pem`.
    pub fn new(client_cert_pem: &str) -> Result<Self, TlsError> {
        let client_cert = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
            .map_err(|e| TlsError::ClientCert(e.to_string()))?;
        let (certificate, key) = self_signed_certificate()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(ExactClientCert {
            expected: client_cert,
            algorithms: rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms,
        });
        let mut config = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![certificate.clone()], key)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            certificate,
            config: Arc::new(config),
        })
    }
}

/// A certificate shaped like go-plugin's own: self-signed P-256, `localhost`, usable as CA,
/// server and client.
fn self_signed_certificate() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), TlsError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.distinguished_name.push(DnType::OrganizationName, "globaldeploy");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
    let certificate = params.self_signed(&key)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((certificate.der().clone(), key))
}

/// Accepts a client only if it presents exactly the expected certificate and proves it holds
/// its key.
#[derive(Debug)]
struct ExactClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for ExactClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_a_missing_client_certificate() {
        assert!(matches!(PluginTls::new("not a pem"), Err(TlsError::ClientCert(_))));
    }

    #[test]
    fn accepts_only_the_announced_certificate() {
        let (announced, _) = self_signed_certificate().expect("cert");
        let (other, _) = self_signed_certificate().expect("cert");
        let verifier = ExactClientCert {
            expected: announced.clone(),
            algorithms: rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms,
        };
        assert!(verifier.verify_client_cert(&announced, &[], UnixTime::now()).is_ok());
        assert!(verifier.verify_client_cert(&other, &[], UnixTime::now()).is_err());
        assert!(verifier
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }
}
