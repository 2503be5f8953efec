//! The `provider "globaldeploy"` block: schema, validation, and the parsed settings every
//! resource receives.
//!
//! Nothing here talks to AWS: credentials are resolved on the first call that needs them, so a
//! configuration that only declares waves needs no credentials at all. Secrets are marked
//! sensitive and the parsed settings' `Debug` output redacts them.

use globaldeploy_adapters::aws::{AssumeRole, AwsSettings};
pub use globaldeploy_adapters::journal::JournalLocation;
use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::{Attribute, AttributePath, Block, Diagnostics, NestedBlock, Schema};

/// Default journal location: a directory beside the configuration.
pub const DEFAULT_JOURNAL: &str = "file://.globaldeploy";

/// The provider block's schema.
pub fn schema() -> Schema {
    let endpoints = Block::new("Custom service endpoints, e.g. LocalStack or moto for tests, or private endpoints.")
        .attribute(url_attribute(
            "route53",
            "Route 53 API endpoint URL (else `AWS_ENDPOINT_URL_ROUTE_53` or the AWS default).",
        ))
        .attribute(url_attribute(
            "s3",
            "S3 API endpoint URL for an `s3://` journal (else `AWS_ENDPOINT_URL_S3` or the AWS default).",
        ));
    let assume_role = Block::new("An IAM role to assume for every AWS call.")
        .attribute(
            Attribute::required("role_arn", Type::String)
                .description("ARN of the role, e.g. `arn:aws:iam::123456789012:role/deployer`.")
                .validate(validators::from_fn(|v| check_role_arn(v.as_str().unwrap_or_default()))),
        )
        .attribute(
            Attribute::optional("session_name", Type::String)
                .description("Session name recorded in CloudTrail. Default: `globaldeploy`."),
        )
        .attribute(
            Attribute::optional("external_id", Type::String)
                .description("External ID the role's trust policy requires.")
                .sensitive(),
        );
    let block = Block::new(
        "Configures how globaldeploy reaches AWS Route 53 and where it journals rollouts. Every argument is optional; \
         AWS settings follow the usual `AWS_*` environment variables and shared config files when unset.",
    )
    .attribute(Attribute::optional("region", Type::String).description("AWS region for API calls (Route 53 itself is global). Else `AWS_REGION`."))
    .attribute(Attribute::optional("profile", Type::String).description("Shared config/credentials profile. Else `AWS_PROFILE`."))
    .attribute(Attribute::optional("access_key", Type::String).sensitive().description("AWS access key ID; requires `secret_key`. Else the default credential chain."))
    .attribute(Attribute::optional("secret_key", Type::String).sensitive().description("AWS secret access key; requires `access_key`."))
    .attribute(Attribute::optional("token", Type::String).sensitive().description("AWS session token for temporary credentials."))
    .attribute(
        Attribute::optional("max_retries", Type::Number)
            .description(format!(
                "How often one AWS call is retried on throttling, 5xx and connection errors. Default: `{}`.",
                AwsSettings::default().max_retries
            ))
            .validate(validators::int_between(0, 100)),
    )
    .attribute(
        Attribute::optional("skip_credentials_validation", Type::Bool)
            .description("Skip checking the credentials with STS before the first Route 53 call. Default: `false`."),
    )
    .attribute(
        Attribute::optional("api_requests_per_second", Type::Number)
            .description(format!(
                "Budget of Route 53 requests per second, shared by every call this provider makes (including retries), from `{}` (one call every ten seconds) to `{}`. Default: `{}`.",
                AwsSettings::MIN_REQUESTS_PER_SECOND,
                AwsSettings::MAX_REQUESTS_PER_SECOND,
                AwsSettings::default().api_requests_per_second
            ))
            .validate(validators::number_between(
                AwsSettings::MIN_REQUESTS_PER_SECOND,
                AwsSettings::MAX_REQUESTS_PER_SECOND,
            )),
    )
    .attribute(
        Attribute::optional("journal", Type::String)
            .description(format!("Where rollouts are journaled: `file://DIR` or `s3://BUCKET/PREFIX`. Default: `{DEFAULT_JOURNAL}`."))
            .validate(validators::from_fn(|v| JournalLocation::parse(v.as_str().unwrap_or_default()).map(|_| ()))),
    )
    .block(NestedBlock::single("endpoints", endpoints))
    .block(NestedBlock::single("assume_role", assume_role));
    Schema::new(block)
}

fn url_attribute(name: &str, description: &str) -> Attribute {
    Attribute::optional(name, Type::String)
        .description(description)
        .validate(validators::from_fn(|v| {
            let url = v.as_str().unwrap_or_default();
            if (url.starts_with("http://") || url.starts_with("https://")) && url.len() > "https://".len() {
                Ok(())
            } else {
                Err(format!(
                    "{url:?} is not an endpoint URL; expected http://HOST[:PORT] or https://HOST[:PORT]."
                ))
            }
        }))
}

fn check_role_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource]
            if !partition.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.starts_with("role/") =>
        {
            Ok(())
        }
        _ => Err(format!(
            "{arn:?} is not an IAM role ARN; expected arn:PARTITION:iam::ACCOUNT_ID:role/NAME."
        )),
    }
}

/// Checks across provider arguments.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let set = |name: &str| config.get(name).is_some_and(|v| !v.is_null());
    let known = |name: &str| config.get(name).is_none_or(Value::is_known);
    if known("access_key") && known("secret_key") {
        match (set("access_key"), set("secret_key")) {
            (true, false) => diags.error_at(
                AttributePath::attr("access_key"),
                "Incomplete static credentials",
                "access_key is set but secret_key is not; set both, or neither to use the default credential chain.",
            ),
            (false, true) => diags.error_at(
                AttributePath::attr("secret_key"),
                "Incomplete static credentials",
                "secret_key is set but access_key is not; set both, or neither to use the default credential chain.",
            ),
            _ => {}
        }
    }
}

/// The parsed provider block: the AWS settings (whose `Debug` redacts secrets) and the
/// journal location.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    /// How to reach AWS.
    pub aws: AwsSettings,
    /// Where rollouts are journaled.
    pub journal: JournalLocation,
}

impl ProviderConfig {
    /// Parses a validated provider block. Unknown values (a provider configured from another
    /// resource's outputs) fall back to defaults here; Terraform configures again with known
    /// values before apply.
    pub fn from_value(config: &Value, diags: &mut Diagnostics) -> Option<Self> {
        let text = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
        let journal_text = text(config, "journal").unwrap_or_else(|| DEFAULT_JOURNAL.to_owned());
        let journal = match JournalLocation::parse(&journal_text) {
            Ok(journal) => journal,
            Err(detail) => {
                diags.error_at(AttributePath::attr("journal"), "Invalid journal location", detail);
                return None;
            }
        };
        let endpoints = config.get("endpoints").cloned().unwrap_or(Value::Null);
        let assume_role = config.get("assume_role").filter(|v| !v.is_null()).and_then(|role| {
            Some(AssumeRole {
                role_arn: text(role, "role_arn")?,
                session_name: text(role, "session_name"),
                external_id: text(role, "external_id"),
            })
        });
        let defaults = AwsSettings::default();
        let aws = AwsSettings {
            region: text(config, "region"),
            profile: text(config, "profile"),
            access_key: text(config, "access_key"),
            secret_key: text(config, "secret_key"),
            token: text(config, "token"),
            max_retries: config
                .get("max_retries")
                .and_then(Value::as_i64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(defaults.max_retries),
            skip_credentials_validation: config
                .get("skip_credentials_validation")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            api_requests_per_second: config
                .get("api_requests_per_second")
                .and_then(Value::as_f64)
                .unwrap_or(defaults.api_requests_per_second),
            route53_endpoint: text(&endpoints, "route53"),
            s3_endpoint: text(&endpoints, "s3"),
            assume_role,
        };
        Some(Self { aws, journal })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert!(check_role_arn("arn:aws:iam::123456789012:role/deployer").is_ok());
        assert!(check_role_arn("arn:aws:iam::1234:role/deployer").is_err());
        assert!(check_role_arn("arn:aws:s3:::bucket").is_err());
    }

    #[test]
    fn debug_redacts_secrets() {
        let config = Value::object([
            ("access_key", Value::string("AKIAEXAMPLE")),
            ("secret_key", Value::string("super-secret")),
            ("token", Value::Null),
        ]);
        let parsed = ProviderConfig::from_value(&config, &mut Diagnostics::new()).expect("parses");
        let debug = format!("{parsed:?}");
        assert!(
            !debug.contains("super-secret") && !debug.contains("AKIAEXAMPLE"),
            "{debug}"
        );
    }
}
