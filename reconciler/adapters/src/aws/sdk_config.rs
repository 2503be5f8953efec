//! The SDK configuration of the AWS clients (Route 53 for traffic, S3 for the journal): the
//! default credential chain, or the provider block's profile, static keys and assume_role; our
//! retry loop instead of the SDK's; a per-attempt timeout; each service's endpoint override.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use crate::aws::error::AwsError;
use crate::aws::settings::{AssumeRole, AwsSettings};

/// The signing region when none is configured: Route 53 is a global service signed for
/// us-east-1 (a journal bucket in another region needs the provider's `region`).
const DEFAULT_REGION: &str = "us-east-1";
/// Session name for `assume_role` when the configuration gives none.
const DEFAULT_SESSION_NAME: &str = "globaldeploy";
/// One attempt may take this long before it is a timeout (and retried): long enough for a
/// slow 300-set page, short enough that a hung connection does not eat a Terraform timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The Route 53 client of `settings`.
pub(super) async fn route53_client(settings: &AwsSettings) -> Result<aws_sdk_route53::Client, AwsError> {
    let config = shared_config(settings).await?;
    let mut builder = aws_sdk_route53::config::Builder::from(&config);
    if config.region().is_none() {
        builder = builder.region(Region::from_static(DEFAULT_REGION));
    }
    if let Some(endpoint) = &settings.route53_endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    Ok(aws_sdk_route53::Client::from_conf(builder.build()))
}

/// The S3 client of `settings`. With an endpoint override (`endpoints { s3 }`,
/// `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`: moto, LocalStack, MinIO) buckets are addressed in
/// the path, as those servers expect; against AWS itself, as virtual hosts.
pub(super) async fn s3_client(settings: &AwsSettings) -> Result<aws_sdk_s3::Client, AwsError> {
    let config = shared_config(settings).await?;
    let mut builder = aws_sdk_s3::config::Builder::from(&config);
    if config.region().is_none() {
        builder = builder.region(Region::from_static(DEFAULT_REGION));
    }
    if let Some(endpoint) = &settings.s3_endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    let overridden = settings.s3_endpoint.is_some()
        || ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
            .iter()
            .any(|name| std::env::var(name).is_ok_and(|v| !v.is_empty()));
    Ok(aws_sdk_s3::Client::from_conf(
        builder.force_path_style(overridden).build(),
    ))
}

/// Resolves the SDK configuration every client shares and, unless skipped, checks the
/// credentials.
async fn shared_config(settings: &AwsSettings) -> Result<SdkConfig, AwsError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        // Our retry loop owns retries: one SDK attempt per call.
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .build(),
        );
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    match (&settings.access_key, &settings.secret_key) {
        (Some(access_key), Some(secret_key)) => {
            loader = loader.credentials_provider(Credentials::new(
                access_key,
                secret_key,
                settings.token.clone(),
                None,
                "globaldeploy-provider-block",
            ));
        }
        (None, None) => {}
        _ => {
            return Err(AwsError::Credentials {
                message: "access_key and secret_key must be set together".into(),
            })
        }
    }
    let mut config = loader.load().await;
    if let Some(role) = &settings.assume_role {
        config = assume_role(config, role).await;
    }
    if !settings.skip_credentials_validation {
        validate_credentials(&config).await?;
    }
    Ok(config)
}

/// The base configuration with credentials from assuming `role`.
async fn assume_role(base: SdkConfig, role: &AssumeRole) -> SdkConfig {
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
        .session_name(role.session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME))
        .configure(&base);
    if let Some(external_id) = &role.external_id {
        builder = builder.external_id(external_id);
    }
    let provider = builder.build().await;
    base.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// Checks that credentials resolve. This is what can be checked without a network call to a
/// service other than Route 53: an STS GetCallerIdentity would go to AWS's STS even when the
/// configuration points Route 53 at moto or LocalStack, and fail there for no fault of the
/// credentials. Credentials that resolve but are rejected surface on the first Route 53 call
/// as an AWS error with its code.
async fn validate_credentials(config: &SdkConfig) -> Result<(), AwsError> {
    let provider = config.credentials_provider().ok_or_else(|| AwsError::Credentials {
        message: "no credential source is configured (provider block, environment, profile, \
                  or instance role)"
            .into(),
    })?;
    provider
        .provide_credentials()
        .await
        .map(drop)
        .map_err(|err| AwsError::Credentials {
            message: format!("no valid credentials could be resolved: {err}"),
        })
}
