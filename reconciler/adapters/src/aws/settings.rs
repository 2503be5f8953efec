//! The provider block's AWS settings, as plain data.
//!
//! This is the one place where the configuration of the AWS client layer lives: the
//! provider maps its `provider "globaldeploy" {}` block onto [`AwsSettings`], the CLI maps its
//! flags onto it, and [`super::Route53::new`] consumes it. Every field left `None` falls back to
//! aws-config's default chain, so the usual `AWS_REGION`, `AWS_PROFILE`, `AWS_ACCESS_KEY_ID`,
//! `AWS_ENDPOINT_URL_ROUTE_53`, ... conventions apply without code of ours.
//!
//! Secrets live here in the clear because the SDK needs them; the hand-written `Debug` impl
//! redacts them so that a settings value can be logged or end up in a panic message safely.

use std::fmt;

/// What a `Debug` print shows instead of a secret.
const REDACTED: &str = "<redacted>";

/// How the AWS client layer is configured. `Default` is "everything from the environment".
#[derive(Clone, PartialEq)]
pub struct AwsSettings {
    /// Region for API calls. Route 53 is global, but signing and STS need a region.
    pub region: Option<String>,
    /// A shared-config profile name.
    pub profile: Option<String>,
    /// Static access key id (sensitive). Used only together with `secret_key`.
    pub access_key: Option<String>,
    /// Static secret access key (sensitive).
    pub secret_key: Option<String>,
    /// Session token for temporary static credentials (sensitive).
    pub token: Option<String>,
    /// How many times one API call is retried after a retryable failure.
    pub max_retries: u32,
    /// Skip checking, on the first AWS call, that the credentials work.
    pub skip_credentials_validation: bool,
    /// The shared rate budget of every Route 53 call of the process.
    pub api_requests_per_second: f64,
    /// Route 53 endpoint override (moto, LocalStack, private endpoints).
    pub route53_endpoint: Option<String>,
    /// S3 endpoint override, for the journal store.
    pub s3_endpoint: Option<String>,
    /// A role to assume on top of the base credentials.
    pub assume_role: Option<AssumeRole>,
}

/// The provider block's `assume_role {}`.
#[derive(Clone, PartialEq)]
pub struct AssumeRole {
    /// ARN of the role to assume.
    pub role_arn: String,
    /// Session name recorded in CloudTrail; defaults to `globaldeploy`.
    pub session_name: Option<String>,
    /// External id the role's trust policy may require (treated as sensitive).
    pub external_id: Option<String>,
}

impl AwsSettings {
    /// The `max_retries` default, the same as terraform-provider-aws.
    pub const DEFAULT_MAX_RETRIES: u32 = 25;
    /// The `api_requests_per_second` default: Route 53's documented limit per account is five
    /// requests per second, so exceeding it by default would only buy throttling.
    pub const DEFAULT_REQUESTS_PER_SECOND: f64 = 5.0;
    /// The smallest `api_requests_per_second`: one call every ten seconds already makes a
    /// rollout crawl; below it a single INSYNC wait would outlast any timeout.
    pub const MIN_REQUESTS_PER_SECOND: f64 = 0.1;
    /// The largest `api_requests_per_second`, far beyond what Route 53 grants an account.
    pub const MAX_REQUESTS_PER_SECOND: f64 = 1000.0;
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            region: None,
            profile: None,
            access_key: None,
            secret_key: None,
            token: None,
            max_retries: Self::DEFAULT_MAX_RETRIES,
            skip_credentials_validation: false,
            api_requests_per_second: Self::DEFAULT_REQUESTS_PER_SECOND,
            route53_endpoint: None,
            s3_endpoint: None,
            assume_role: None,
        }
    }
}

/// Shows whether a secret is set without showing it.
fn redact(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| REDACTED)
}

impl fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("profile", &self.profile)
            // An access key id is not a secret by AWS's rules, but it identifies the account's
            // user; redacting it costs nothing and keeps logs free of account identifiers.
            .field("access_key", &redact(&self.access_key))
            .field("secret_key", &redact(&self.secret_key))
            .field("token", &redact(&self.token))
            .field("max_retries", &self.max_retries)
            .field("skip_credentials_validation", &self.skip_credentials_validation)
            .field("api_requests_per_second", &self.api_requests_per_second)
            .field("route53_endpoint", &self.route53_endpoint)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("assume_role", &self.assume_role)
            .finish()
    }
}

impl fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("external_id", &redact(&self.external_id))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_spec() {
        let s = AwsSettings::default();
        assert_eq!(s.max_retries, 25);
        assert_eq!(s.api_requests_per_second, 5.0);
        assert!(!s.skip_credentials_validation);
        assert!(s.region.is_none() && s.assume_role.is_none());
    }

    #[test]
    fn debug_redacts_every_secret() {
        let s = AwsSettings {
            access_key: Some("AKIAEXAMPLEKEY".into()),
            secret_key: Some("wJalrXUtnFEMI/K7MDENG".into()),
            token: Some("FwoGZXIvYXdzEXAMPLETOKEN".into()),
            assume_role: Some(AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/deployer".into(),
                session_name: None,
                external_id: Some("very-secret-external-id".into()),
            }),
            ..AwsSettings::default()
        };
        let printed = format!("{s:?}");
        for secret in ["AKIAEXAMPLEKEY", "wJalrXUtnFEMI", "FwoGZXIv", "very-secret-external-id"] {
            assert!(!printed.contains(secret), "{secret} leaked into {printed}");
        }
        assert!(printed.contains(REDACTED));
        assert!(printed.contains("role/deployer"));
    }
}
