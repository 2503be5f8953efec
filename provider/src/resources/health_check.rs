//! `globaldeploy_health_check` (docs/resources/health_check.md): a Route 53 health check.
//!
//! The resource maps one-to-one onto Route 53's `HealthCheckConfig` plus its tags. Two of its
//! fields cannot change after creation (`type`, `request_interval`), and Route 53 cannot add or
//! remove an IP address on an existing check, so those changes replace it; everything else is
//! updated in place with `UpdateHealthCheck` and a tag sync.
//!
//! Read fills every attribute the way a configuration would (the port defaulted by type, the
//! interval and threshold defaults), so a plan right after `terraform import` shows no changes,
//! while a change made outside Terraform — including to a defaulted attribute — shows as a diff.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use globaldeploy_adapters::aws::{AwsError, HealthCheck as RemoteHealthCheck, HealthCheckSpec, HealthCheckType};
use globaldeploy_sdk::cty::{Type, Value};
use globaldeploy_sdk::framework::model::ModelError;
use globaldeploy_sdk::framework::schema::Presence;
use globaldeploy_sdk::framework::validators::{self, Validator};
use globaldeploy_sdk::{Attribute, AttributePath, Block, Context, Diagnostics, PlanRequest, Resource, Schema};

use crate::ProviderClient;

/// The regions Route 53's health checkers run in (the API's `HealthCheckRegion` values).
pub const CHECKER_REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// The `type` values, as Route 53 spells them.
const TYPES: &[&str] = &["HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"];

/// Route 53's default request interval, in seconds.
const DEFAULT_INTERVAL: i64 = 30;
/// Route 53's default failure threshold.
const DEFAULT_THRESHOLD: i64 = 3;
/// Route 53 allows this many checker regions at least, when regions are given.
const MIN_REGIONS: usize = 3;
/// Route 53's limit on tags per resource.
const MAX_TAGS: usize = 10;

/// The `globaldeploy_health_check` resource type.
#[derive(Clone, Copy, Debug, Default)]
pub struct HealthCheck;

#[async_trait]
impl Resource<ProviderClient> for HealthCheck {
    fn type_name(&self) -> &'static str {
        "globaldeploy_health_check"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "A Route 53 health check. Reference its `id` from `globaldeploy_weighted_record` endpoints, a \
             `globaldeploy_failover_policy` primary or a `route53_health_check` gate so that Route 53 stops sending \
             traffic to an endpoint that fails it. Import with the health check id: \
             `terraform import globaldeploy_health_check.api 01234567-89ab-cdef-0123-456789abcdef`.",
        )
        .attribute(
            Attribute::computed("id", Type::String)
                .description("The Route 53 health check id.")
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::required("type", Type::String)
                .description(
                    "What is checked: `HTTP` or `HTTPS` (a 2xx/3xx status), `HTTP_STR_MATCH` or `HTTPS_STR_MATCH` (a 2xx/3xx \
                     status and `search_string` in the first 5120 bytes of the body), or `TCP` (a connection can be \
                     established). Route 53 cannot change the type of a health check: changing it replaces the check.",
                )
                .force_new()
                .validate(validators::one_of(TYPES)),
        )
        .attribute(
            Attribute::optional("fqdn", Type::String)
                .description(
                    "Host name of the endpoint, e.g. `api.example.com`. Without `ip_address`, Route 53 resolves it and checks \
                     the address it resolves to; with `ip_address`, it is sent as the `Host` header (HTTP, HTTPS) and the \
                     SNI host name. At least one of `fqdn` and `ip_address` must be set.",
                )
                .validate(host_name()),
        )
        .attribute(
            Attribute::optional("ip_address", Type::String)
                .description(
                    "IPv4 or IPv6 address of the endpoint, e.g. `203.0.113.10`. It must be publicly routable: Route 53 cannot \
                     check private, loopback, link-local or multicast addresses. Route 53 cannot add or remove the address \
                     of an existing check, so doing so replaces it (changing it is done in place).",
                )
                .validate(public_ip_address()),
        )
        .attribute(
            Attribute {
                presence: Presence::OptionalComputed,
                ..Attribute::optional("port", Type::Number)
                    .description(
                        "Port of the endpoint, 1–65535. Default: `80` for `HTTP` and `HTTP_STR_MATCH`, `443` for `HTTPS` and \
                         `HTTPS_STR_MATCH`; required for `TCP`.",
                    )
                    .validate(validators::int_between(1, 65535))
            },
        )
        .attribute(
            Attribute::optional("resource_path", Type::String)
                .description(
                    "Path Route 53 requests for HTTP(S) checks, starting with `/`, e.g. `/healthz?deep=1`; at most 255 \
                     characters. Not allowed for `TCP`.",
                )
                .validate(resource_path()),
        )
        .attribute(
            Attribute::optional("search_string", Type::String)
                .description(
                    "String that must appear in the first 5120 bytes of the response body, at most 255 characters. Required \
                     for `HTTP_STR_MATCH` and `HTTPS_STR_MATCH`, not allowed for the other types.",
                )
                .validate(search_string()),
        )
        .attribute(
            Attribute::with_default("request_interval", Type::Number, Value::int(DEFAULT_INTERVAL))
                .description(
                    "Seconds between two checks by one checker: `10` (fast, billed extra) or `30`. Default: `30`. Route 53 \
                     cannot change the interval of a health check: changing it replaces the check.",
                )
                .force_new()
                .validate(validators::int_one_of(&[10, 30])),
        )
        .attribute(
            Attribute::with_default("failure_threshold", Type::Number, Value::int(DEFAULT_THRESHOLD))
                .description(
                    "How many consecutive checks must fail (or succeed) before Route 53 changes the endpoint's status, \
                     1–10. Default: `3`.",
                )
                .validate(validators::int_between(1, 10)),
        )
        .attribute(
            Attribute::optional("regions", Type::set(Type::String))
                .description(format!(
                    "Regions whose checkers check the endpoint; at least {MIN_REGIONS}, from {}. Default: Route 53's \
                     default set (all of them).",
                    CHECKER_REGIONS.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                ))
                .validate(checker_regions()),
        )
        .attribute(
            Attribute::optional("tags", Type::map(Type::String))
                .description(format!(
                    "Tags of the health check, at most {MAX_TAGS}. Keys are 1–128 characters and cannot start with `aws:`; \
                     values are at most 256 characters. The `Name` tag is what the Route 53 console shows."
                ))
                .validate(tags()),
        );
        Schema::new(block)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_combination(config, diags);
    }

    async fn modify_plan(&self, _ctx: &Context<ProviderClient>, request: PlanRequest<'_>, diags: &mut Diagnostics) {
        let planned = &mut request.plan.planned;
        // The port defaults by type. Planning the default even when nothing else changed is what
        // makes a port changed outside Terraform show as drift.
        if request.config.get("port").is_none_or(Value::is_null) {
            let port = match planned.get("type") {
                Some(Value::String(check_type)) => default_port(check_type).map_or(Value::Null, Value::int),
                Some(value) if !value.is_known() => Value::Unknown,
                _ => Value::Null,
            };
            if let Err(err) = planned.set("port", port) {
                diags.push(ModelError::from(err).diagnostic());
            }
        }
        // Route 53 can change an IP address but cannot add or remove one.
        if !request.prior.is_null() {
            let before = request.prior.get("ip_address").unwrap_or(&Value::Null);
            let after = planned.get("ip_address").unwrap_or(&Value::Null);
            let path = AttributePath::attr("ip_address");
            if after.is_known() && before.is_null() != after.is_null() && !request.plan.requires_replace.contains(&path)
            {
                request.plan.requires_replace.push(path);
            }
        }
    }

    async fn create(&self, ctx: &Context<ProviderClient>, planned: &Value, diags: &mut Diagnostics) -> Value {
        let Some(client) = ctx.client_or_report(diags) else {
            return Value::Null;
        };
        let spec = match spec_from(planned) {
            Ok(spec) => spec,
            Err(message) => {
                diags.error("Invalid health check", message);
                return Value::Null;
            }
        };
        let caller_reference = caller_reference();
        let name = describe_spec(&spec);
        tracing::info!(health_check = %name, caller_reference, "creating Route 53 health check");
        match client.route53.create_health_check(&spec, &caller_reference).await {
            Ok(id) => state_with_id(planned, id, diags),
            Err(err) => {
                let (summary, detail) = aws_failure("create", &name, &err);
                diags.error(summary, detail);
                // The check may exist although a later step (tagging) failed: find it by its
                // caller reference so that it is saved (tainted) and replaced, never orphaned.
                client.route53.invalidate_health_checks();
                match client.route53.list_health_checks().await {
                    Ok(checks) => match checks.iter().find(|c| c.caller_reference == caller_reference) {
                        Some(check) => state_with_id(planned, check.id.clone(), diags),
                        None => Value::Null,
                    },
                    Err(_) => Value::Null,
                }
            }
        }
    }

    async fn read(&self, ctx: &Context<ProviderClient>, state: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let Some(client) = ctx.client_or_report(diags) else {
            return Some(state.clone());
        };
        let Some(id) = state.get("id").and_then(Value::as_str).map(str::to_owned) else {
            // Nothing was ever created (a failed create saved no id).
            return None;
        };
        match client.route53.get_health_check(&id).await {
            Ok(Some(check)) => match state_from_remote(&check, state) {
                Ok(new_state) => Some(new_state),
                Err(message) => {
                    diags.error(format!("Unsupported Route 53 health check {id}"), message);
                    Some(state.clone())
                }
            },
            Ok(None) => {
                tracing::info!(health_check = %id, "health check no longer exists; removing it from state");
                None
            }
            Err(err) => {
                let (summary, detail) = aws_failure("read", &id, &err);
                diags.error(summary, detail);
                Some(state.clone())
            }
        }
    }

    async fn update(
        &self,
        ctx: &Context<ProviderClient>,
        prior: &Value,
        planned: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let Some(client) = ctx.client_or_report(diags) else {
            return prior.clone();
        };
        let id = prior.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let spec = match spec_from(planned) {
            Ok(spec) => spec,
            Err(message) => {
                diags.error("Invalid health check", message);
                return prior.clone();
            }
        };
        tracing::info!(health_check = %id, "updating Route 53 health check");
        match client.route53.update_health_check(&id, &spec).await {
            Ok(()) => state_with_id(planned, id, diags),
            Err(err) => {
                let (summary, mut detail) = aws_failure("update", &id, &err);
                if err.is_not_found() {
                    detail.push_str(
                        " The health check was deleted outside Terraform after it was last read; run terraform apply again \
                         to create it anew.",
                    );
                }
                diags.error(summary, detail);
                // Part of the update (the configuration, not the tags) may have been applied:
                // save what Route 53 now has, so that the next plan shows what remains to do.
                match client.route53.get_health_check(&id).await {
                    Ok(Some(check)) => state_from_remote(&check, prior).unwrap_or_else(|_| prior.clone()),
                    _ => prior.clone(),
                }
            }
        }
    }

    async fn delete(&self, ctx: &Context<ProviderClient>, prior: &Value, diags: &mut Diagnostics) {
        let Some(client) = ctx.client_or_report(diags) else {
            return;
        };
        let Some(id) = prior.get("id").and_then(Value::as_str) else {
            return;
        };
        tracing::info!(health_check = %id, "deleting Route 53 health check");
        if let Err(err) = client.route53.delete_health_check(id).await {
            let (summary, mut detail) = aws_failure("delete", id, &err);
            if err.code() == Some("HealthCheckInUse") {
                detail.push_str(
                    " A record set still refers to this health check: remove the reference (or destroy the record) first.",
                );
            }
            diags.error(summary, detail);
        }
    }

    async fn import(&self, ctx: &Context<ProviderClient>, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        let client = ctx.client_or_report(diags)?;
        let id = id.trim();
        match client.route53.get_health_check(id).await {
            Ok(Some(check)) => match state_from_remote(&check, &Value::Null) {
                Ok(state) => Some(state),
                Err(message) => {
                    diags.error(format!("Cannot import Route 53 health check {id}"), message);
                    None
                }
            },
            Ok(None) => {
                diags.error(
                    format!("Cannot import Route 53 health check {id}"),
                    format!(
                        "No health check with id {id:?} exists in this account. The import id is the health check id as \
                         shown by the Route 53 console or `aws route53 list-health-checks`, e.g. \
                         \"01234567-89ab-cdef-0123-456789abcdef\"."
                    ),
                );
                None
            }
            Err(err) => {
                let (summary, detail) = aws_failure("import", id, &err);
                diags.error(summary, detail);
                None
            }
        }
    }
}

// ----- plan-time helpers --------------------------------------------------------------------

/// The port Route 53 uses for a type when none is given; `None` for TCP (which needs one).
fn default_port(check_type: &str) -> Option<i64> {
    match check_type {
        "HTTP" | "HTTP_STR_MATCH" => Some(80),
        "HTTPS" | "HTTPS_STR_MATCH" => Some(443),
        _ => None,
    }
}

fn is_str_match(check_type: &str) -> bool {
    check_type.ends_with("_STR_MATCH")
}

/// A configured attribute as validation sees it.
enum Configured<'a> {
    /// Not known yet: no rule may reject it.
    Unknown,
    /// Not set.
    Absent,
    /// Set to this value.
    Set(&'a Value),
}

fn configured<'a>(config: &'a Value, name: &str) -> Configured<'a> {
    match config.get(name) {
        None | Some(Value::Null) => Configured::Absent,
        Some(value) if !value.is_known() => Configured::Unknown,
        Some(value) => Configured::Set(value),
    }
}

/// The rules that involve more than one attribute. Unknown values are skipped.
fn validate_combination(config: &Value, diags: &mut Diagnostics) {
    if config.is_null() || !config.is_known() {
        return;
    }
    if let (Configured::Absent, Configured::Absent) = (configured(config, "fqdn"), configured(config, "ip_address")) {
        diags.error_at(
            AttributePath::attr("fqdn"),
            "Missing health check endpoint",
            "Set fqdn, ip_address or both: Route 53 needs a host name to resolve or an IP address to check.",
        );
    }
    let Configured::Set(check_type) = configured(config, "type") else {
        return;
    };
    let Some(check_type) = check_type.as_str() else { return };
    if !TYPES.contains(&check_type) {
        return; // Reported by the attribute's own validator.
    }
    if check_type == "TCP" {
        if let Configured::Absent = configured(config, "port") {
            diags.error_at(
                AttributePath::attr("port"),
                "Missing required argument",
                "port is required when type is \"TCP\": Route 53 has no default port for TCP checks.",
            );
        }
        if let Configured::Set(_) = configured(config, "resource_path") {
            diags.error_at(
                AttributePath::attr("resource_path"),
                "Conflicting configuration arguments",
                "resource_path is only used by HTTP and HTTPS checks; remove it when type is \"TCP\".",
            );
        }
    }
    match (is_str_match(check_type), configured(config, "search_string")) {
        (true, Configured::Absent) => diags.error_at(
            AttributePath::attr("search_string"),
            "Missing required argument",
            format!("search_string is required when type is {check_type:?}: it is the text the response body must contain."),
        ),
        (false, Configured::Set(_)) => diags.error_at(
            AttributePath::attr("search_string"),
            "Conflicting configuration arguments",
            format!(
                "search_string is only used when type is HTTP_STR_MATCH or HTTPS_STR_MATCH, not {check_type:?}; remove it \
                 or change the type."
            ),
        ),
        _ => {}
    }
}

// ----- attribute validators -----------------------------------------------------------------

/// A host name such as `api.example.com` (not a URL, not an address with a port).
fn host_name() -> impl Validator {
    validators::from_fn(|value: &Value| {
        let Some(name) = value.as_str() else {
            return Err("expected a host name".to_owned());
        };
        check_host_name(name)
    })
}

fn check_host_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty; expected a host name such as \"api.example.com\".".to_owned());
    }
    if name.contains("://") || name.contains('/') || name.contains(':') {
        return Err(format!(
            "{name:?} is not a host name: give only the host, e.g. \"api.example.com\"; set the port with port and the path \
             with resource_path."
        ));
    }
    if name.len() > 255 {
        return Err(format!(
            "is {} characters long; Route 53 allows at most 255.",
            name.len()
        ));
    }
    let labels = name.strip_suffix('.').unwrap_or(name);
    let valid = labels.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a valid host name: expected dot-separated labels of 1–63 letters, digits, hyphens or \
             underscores, e.g. \"api.example.com\"."
        ))
    }
}

/// An IPv4 or IPv6 literal that Route 53 can check.
fn public_ip_address() -> impl Validator {
    validators::from_fn(|value: &Value| {
        let Some(text) = value.as_str() else {
            return Err("expected an IP address".to_owned());
        };
        check_ip_address(text)
    })
}

fn check_ip_address(text: &str) -> Result<(), String> {
    let Ok(ip) = text.parse::<IpAddr>() else {
        return Err(format!(
            "{text:?} is not an IP address: expected an IPv4 address such as \"203.0.113.10\" or an IPv6 address such as \
             \"2001:db8::10\". To check a host by name, use fqdn."
        ));
    };
    let unroutable = match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b)) // RFC 6598 shared address space
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
        }
    };
    if unroutable {
        Err(format!(
            "{text:?} is a private, loopback, link-local or multicast address, which Route 53 health checkers cannot reach; \
             use the endpoint's public address."
        ))
    } else {
        Ok(())
    }
}

/// A path starting with `/`, at most 255 characters.
fn resource_path() -> impl Validator {
    validators::from_fn(|value: &Value| match value.as_str() {
        Some(path) if !path.starts_with('/') => Err(format!(
            "{path:?} must start with \"/\", e.g. \"/healthz\"; the host and port are set separately."
        )),
        Some(path) if path.len() > 255 => Err(format!(
            "is {} characters long; Route 53 allows at most 255.",
            path.len()
        )),
        Some(_) => Ok(()),
        None => Err("expected a path such as \"/healthz\"".to_owned()),
    })
}

/// A non-empty string of at most 255 characters.
fn search_string() -> impl Validator {
    validators::from_fn(|value: &Value| match value.as_str() {
        Some("") => Err("must not be empty: an empty search string matches every response.".to_owned()),
        Some(text) if text.chars().count() > 255 => Err(format!(
            "is {} characters long; Route 53 allows at most 255.",
            text.chars().count()
        )),
        Some(_) => Ok(()),
        None => Err("expected a string".to_owned()),
    })
}

/// A set of at least three of Route 53's checker regions.
fn checker_regions() -> impl Validator {
    validators::from_fn(|value: &Value| {
        let Some(items) = value.as_list() else {
            return Err("expected a set of region names".to_owned());
        };
        for item in items {
            if let Some(name) = item.as_str() {
                if !CHECKER_REGIONS.contains(&name) {
                    return Err(format!(
                        "{name:?} is not a Route 53 health checker region; expected some of: {}.",
                        CHECKER_REGIONS.join(", ")
                    ));
                }
            }
        }
        // Unknown elements may still collapse into duplicates: only count a wholly known set.
        if value.is_wholly_known() && items.len() < MIN_REGIONS {
            return Err(format!(
                "Route 53 needs at least {MIN_REGIONS} checker regions when regions is set; got {}. Remove regions to use \
                 Route 53's default set.",
                items.len()
            ));
        }
        Ok(())
    })
}

/// Route 53's rules for tags, each reported at the offending key.
fn tags() -> impl Validator {
    TagsValidator
}

struct TagsValidator;

impl Validator for TagsValidator {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        let Some(tags) = value.as_map() else { return };
        if tags.len() > MAX_TAGS {
            diags.error_at(
                path.clone(),
                "Invalid value for \"tags\"",
                format!(
                    "{} tags are set; Route 53 allows at most {MAX_TAGS} per health check.",
                    tags.len()
                ),
            );
        }
        for (key, tag_value) in tags {
            let problem = if key.is_empty() || key.chars().count() > 128 {
                Some(format!("tag key {key:?} must be 1 to 128 characters long."))
            } else if key.to_ascii_lowercase().starts_with("aws:") {
                Some(format!(
                    "tag key {key:?} starts with \"aws:\", which AWS reserves for its own tags."
                ))
            } else {
                match tag_value.as_str() {
                    Some(text) if text.chars().count() > 256 => Some(format!(
                        "the value of tag {key:?} is {} characters long; Route 53 allows at most 256.",
                        text.chars().count()
                    )),
                    _ => None,
                }
            };
            if let Some(detail) = problem {
                diags.error_at(path.key(key.clone()), "Invalid value for \"tags\"", detail);
            }
        }
    }
}

// ----- values <-> Route 53 ------------------------------------------------------------------

/// The state of health check `id`: the plan with its id. A plan is an object; were it not, the
/// error names the check, so a check Route 53 has is never lost without a trace.
fn state_with_id(planned: &Value, id: String, diags: &mut Diagnostics) -> Value {
    let mut state = planned.clone();
    if let Err(err) = state.set("id", Value::string(&id)) {
        diags.error(
            format!("Cannot record health check {id}"),
            format!("Route 53 has health check {id}, but its state cannot be written: {err}. Import it with its id."),
        );
    }
    state
}

fn string_at(value: &Value, name: &str) -> Option<String> {
    value.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn int_at(value: &Value, name: &str) -> Option<i32> {
    value
        .get(name)
        .and_then(Value::as_i64)
        .and_then(|n| i32::try_from(n).ok())
}

/// The Route 53 configuration of a planned state.
fn spec_from(planned: &Value) -> Result<HealthCheckSpec, String> {
    let type_name = string_at(planned, "type").unwrap_or_default();
    let check_type = HealthCheckType::parse(&type_name)
        .ok_or_else(|| format!("{type_name:?} is not a supported health check type"))?;
    let mut regions: Vec<String> = planned
        .get("regions")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect();
    regions.sort();
    let tags: BTreeMap<String, String> = planned
        .get("tags")
        .and_then(Value::as_map)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(HealthCheckSpec {
        check_type,
        fqdn: string_at(planned, "fqdn"),
        ip_address: string_at(planned, "ip_address"),
        port: int_at(planned, "port").or_else(|| default_port(check_type.as_str()).and_then(|p| i32::try_from(p).ok())),
        resource_path: string_at(planned, "resource_path"),
        search_string: string_at(planned, "search_string"),
        request_interval: int_at(planned, "request_interval"),
        failure_threshold: int_at(planned, "failure_threshold"),
        regions,
        tags,
    })
}

/// The state of a health check as Route 53 describes it, filled the way a configuration would
/// be (defaults included). `prior` only decides between a null and an empty `tags` map.
fn state_from_remote(check: &RemoteHealthCheck, prior: &Value) -> Result<Value, String> {
    let Some(spec) = &check.spec else {
        return Err(format!(
            "Health check {} is of a type that globaldeploy_health_check does not manage (for example CALCULATED or \
             CLOUDWATCH_METRIC); it supports {}.",
            check.id,
            TYPES.join(", ")
        ));
    };
    let text = |s: &Option<String>| {
        s.as_deref()
            .filter(|s| !s.is_empty())
            .map_or(Value::Null, Value::string)
    };
    let type_name = spec.check_type.as_str();
    let port = spec
        .port
        .map(i64::from)
        .or_else(|| default_port(type_name))
        .map_or(Value::Null, Value::int);
    let mut regions = spec.regions.clone();
    regions.sort();
    let regions = if regions.is_empty() {
        Value::Null
    } else {
        Value::set_of(regions.into_iter().map(Value::string).collect())
    };
    let prior_tags_empty = matches!(prior.get("tags"), Some(Value::Map(map)) if map.is_empty());
    let tags = if spec.tags.is_empty() && !prior_tags_empty {
        Value::Null
    } else {
        Value::map(spec.tags.iter().map(|(k, v)| (k.clone(), Value::string(v.clone()))))
    };
    Ok(Value::object([
        ("id", Value::string(check.id.clone())),
        ("type", Value::string(type_name)),
        ("fqdn", text(&spec.fqdn)),
        ("ip_address", text(&spec.ip_address)),
        ("port", port),
        ("resource_path", text(&spec.resource_path)),
        ("search_string", text(&spec.search_string)),
        (
            "request_interval",
            Value::int(spec.request_interval.map_or(DEFAULT_INTERVAL, i64::from)),
        ),
        (
            "failure_threshold",
            Value::int(spec.failure_threshold.map_or(DEFAULT_THRESHOLD, i64::from)),
        ),
        ("regions", regions),
        ("tags", tags),
    ]))
}

/// A caller reference unique to this creation: Route 53 (and the client, when it retries an
/// attempt whose outcome is unknown) recognises a repeated creation by it.
fn caller_reference() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = RandomState::new().hash_one((nanos, std::process::id(), count));
    format!("globaldeploy-{nanos:x}-{random:016x}")
}

/// A human name for a health check that has no id yet: `HTTPS api.example.com:443/healthz`.
fn describe_spec(spec: &HealthCheckSpec) -> String {
    let host = match (&spec.fqdn, &spec.ip_address) {
        (Some(fqdn), Some(ip)) => format!("{fqdn} ({ip})"),
        (Some(fqdn), None) => fqdn.clone(),
        (None, Some(ip)) if ip.contains(':') => format!("[{ip}]"),
        (None, Some(ip)) => ip.clone(),
        (None, None) => "?".to_owned(),
    };
    let port = spec.port.map(|p| format!(":{p}")).unwrap_or_default();
    let path = spec.resource_path.clone().unwrap_or_default();
    format!("{} {host}{port}{path}", spec.check_type.as_str())
}

/// Summary and detail for a failed AWS call on the health check `name`.
fn aws_failure(action: &str, name: &str, err: &AwsError) -> (String, String) {
    let summary = match err.code() {
        Some(code) => format!("Could not {action} Route 53 health check {name}: {code}"),
        None => format!("Could not {action} Route 53 health check {name}"),
    };
    let hint = match err.code() {
        Some("TooManyHealthChecks") => {
            " The account has reached its health check quota: delete unused checks or request a higher quota."
        }
        Some("HealthCheckAlreadyExists") => {
            " A health check with the same caller reference but a different configuration exists; retry the apply."
        }
        Some("InvalidInput") => " Route 53 rejected the configuration; see its message above.",
        _ => "",
    };
    (summary, format!("{err}.{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        for good in ["api.example.com", "api.example.com.", "a", "x-1.y_2.example"] {
            assert!(check_host_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "https://api.example.com",
            "api.example.com/health",
            "api.example.com:443",
            "a..b",
            "sp ace.com",
        ] {
            assert!(check_host_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ip_addresses() {
        for good in ["203.0.113.10", "8.8.8.8", "2001:db8::10", "2600:1f18::1"] {
            assert!(check_ip_address(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "api.example.com",
            "256.1.1.1",
            "10.0.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
        ] {
            assert!(check_ip_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn caller_references_are_unique_and_fit_route53() {
        let (a, b) = (caller_reference(), caller_reference());
        assert_ne!(a, b);
        assert!(a.len() <= 64, "{a}");
    }

    #[test]
    fn remote_state_fills_defaults_like_a_configuration() {
        let check = RemoteHealthCheck {
            id: "hc-1".into(),
            caller_reference: "r".into(),
            version: 1,
            spec: Some(HealthCheckSpec {
                check_type: HealthCheckType::Https,
                fqdn: Some("api.example.com".into()),
                ip_address: None,
                port: None,
                resource_path: Some(String::new()),
                search_string: None,
                request_interval: None,
                failure_threshold: None,
                regions: vec![],
                tags: BTreeMap::new(),
            }),
        };
        let state = state_from_remote(&check, &Value::Null).expect("managed type");
        assert_eq!(state.get("port"), Some(&Value::int(443)));
        assert_eq!(state.get("request_interval"), Some(&Value::int(30)));
        assert_eq!(state.get("failure_threshold"), Some(&Value::int(3)));
        assert_eq!(state.get("resource_path"), Some(&Value::Null));
        assert_eq!(state.get("regions"), Some(&Value::Null));
        assert_eq!(state.get("tags"), Some(&Value::Null));
        let prior = Value::object([("tags", Value::map(Vec::<(String, Value)>::new()))]);
        let state = state_from_remote(&check, &prior).expect("managed type");
        assert_eq!(state.get("tags"), Some(&Value::map(Vec::<(String, Value)>::new())));
    }

    #[test]
    fn combination_rules() {
        let config = |pairs: &[(&str, Value)]| {
            let mut object = Value::object(
                ["type", "fqdn", "ip_address", "port", "resource_path", "search_string"].map(|k| (k, Value::Null)),
            );
            for (k, v) in pairs {
                object.set(k, v.clone()).expect("an object");
            }
            object
        };
        let paths = |config: Value| {
            let mut diags = Diagnostics::new();
            validate_combination(&config, &mut diags);
            diags
                .iter()
                .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(paths(config(&[("type", "HTTP".into())])), vec!["fqdn"]);
        assert!(paths(config(&[("type", "HTTP".into()), ("fqdn", Value::Unknown)])).is_empty());
        assert_eq!(
            paths(config(&[("type", "TCP".into()), ("ip_address", "8.8.8.8".into())])),
            vec!["port"]
        );
        assert_eq!(
            paths(config(&[
                ("type", "TCP".into()),
                ("fqdn", "a.com".into()),
                ("port", Value::int(1)),
                ("resource_path", "/".into())
            ])),
            vec!["resource_path"]
        );
        assert_eq!(
            paths(config(&[("type", "HTTP_STR_MATCH".into()), ("fqdn", "a.com".into())])),
            vec!["search_string"]
        );
        assert_eq!(
            paths(config(&[
                ("type", "HTTP".into()),
                ("fqdn", "a.com".into()),
                ("search_string", "ok".into())
            ])),
            vec!["search_string"]
        );
        assert!(paths(config(&[
            ("type", Value::Unknown),
            ("fqdn", "a.com".into()),
            ("search_string", "ok".into())
        ]))
        .is_empty());
    }
}
