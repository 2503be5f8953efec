//! Health checks: creation that is never duplicated, updates that reset what the spec leaves
//! unset, deletion that tolerates a retried first attempt, the cached account listing, status
//! and tags.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_route53::types as sdk;

use super::{lock, Route53};
use crate::aws::convert::{health_check_config_to_sdk, health_check_from_sdk, regions_to_sdk};
use crate::aws::error::AwsError;
use crate::aws::health::{HealthCheck, HealthCheckSpec};
use crate::aws::retry::retrying_unless_applied;

/// Route 53's rule for HTTP(S) checks: healthy when more than 18 % of checkers say so.
const HEALTHY_SHARE: f64 = 0.18;

impl Route53 {
    /// Creates a health check and tags it; returns its id.
    ///
    /// `caller_reference` makes the creation idempotent at AWS. An attempt with an unknown
    /// outcome is settled by looking for a health check with that reference first, which also
    /// covers endpoints (moto) that do not honour the reference.
    pub async fn create_health_check(
        &self,
        spec: &HealthCheckSpec,
        caller_reference: &str,
    ) -> Result<String, AwsError> {
        let subject = format!("health check {caller_reference}");
        let config = health_check_config_to_sdk(spec).map_err(|message| AwsError::Invalid {
            operation: "CreateHealthCheck",
            subject: subject.clone(),
            message,
        })?;
        let client = self.sdk().await?;
        let attempt = || {
            let sent = client
                .create_health_check()
                .caller_reference(caller_reference)
                .health_check_config(config.clone())
                .send();
            async {
                match sent.await {
                    Ok(output) => Ok(output
                        .health_check()
                        .map(|check| check.id().to_owned())
                        .unwrap_or_default()),
                    Err(err) => Err(AwsError::from_sdk("CreateHealthCheck", &subject, err)),
                }
            }
        };
        let created = retrying_unless_applied(&self.inner.policy, &self.inner.bucket, &subject, attempt, || {
            self.find_health_check_by_reference(caller_reference)
        })
        .await;
        self.invalidate_health_checks();
        let created = created?;
        if !spec.tags.is_empty() {
            self.change_health_check_tags(&created, &spec.tags, &[]).await?;
        }
        Ok(created)
    }

    /// A fresh look for the health check created with `caller_reference`.
    async fn find_health_check_by_reference(&self, caller_reference: &str) -> Result<Option<String>, AwsError> {
        Ok(self
            .scan_health_checks()
            .await?
            .into_iter()
            .find(|check| check.caller_reference == caller_reference)
            .map(|check| check.id))
    }

    /// The health check `id` with its tags, or `None` when it does not exist.
    pub async fn get_health_check(&self, id: &str) -> Result<Option<HealthCheck>, AwsError> {
        let subject = format!("health check {id}");
        let result = self
            .call("GetHealthCheck", &subject, |client| {
                client.get_health_check().health_check_id(id).send()
            })
            .await;
        let mut check = match result {
            Ok(output) => match output.health_check() {
                Some(check) => health_check_from_sdk(check),
                None => return Ok(None),
            },
            Err(err) if err.is_not_found() => return Ok(None),
            Err(err) => return Err(err),
        };
        if let Some(spec) = check.spec.as_mut() {
            spec.tags = self.health_check_tags(id).await?;
        }
        Ok(Some(check))
    }

    /// Brings the health check `id` to `spec`. The type and request interval cannot change
    /// (the resource replaces the check instead); optional fields that `spec` leaves unset are
    /// reset to Route 53's defaults, and tags are made equal to `spec.tags`.
    pub async fn update_health_check(&self, id: &str, spec: &HealthCheckSpec) -> Result<(), AwsError> {
        let subject = format!("health check {id}");
        let mut resets = Vec::new();
        if spec.fqdn.is_none() {
            resets.push(sdk::ResettableElementName::FullyQualifiedDomainName);
        }
        if spec.resource_path.is_none() {
            resets.push(sdk::ResettableElementName::ResourcePath);
        }
        if spec.regions.is_empty() {
            resets.push(sdk::ResettableElementName::Regions);
        }
        let resets = (!resets.is_empty()).then_some(resets);
        // UpdateHealthCheck sets absolute values, so repeating it after an unknown outcome is
        // harmless: plain retries suffice.
        let result = self
            .call("UpdateHealthCheck", &subject, |client| {
                client
                    .update_health_check()
                    .health_check_id(id)
                    .set_fully_qualified_domain_name(spec.fqdn.clone())
                    .set_ip_address(spec.ip_address.clone())
                    .set_port(spec.port)
                    .set_resource_path(spec.resource_path.clone())
                    .set_search_string(spec.search_string.clone())
                    .set_failure_threshold(spec.failure_threshold)
                    .set_regions(regions_to_sdk(&spec.regions))
                    .set_reset_elements(resets.clone())
                    .send()
            })
            .await;
        self.invalidate_health_checks();
        result?;
        let current = self.health_check_tags(id).await?;
        let removed: Vec<&str> = current
            .keys()
            .filter(|key| !spec.tags.contains_key(*key))
            .map(String::as_str)
            .collect();
        let changed: BTreeMap<String, String> = spec
            .tags
            .iter()
            .filter(|(key, value)| current.get(*key) != Some(*value))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !changed.is_empty() || !removed.is_empty() {
            self.change_health_check_tags(id, &changed, &removed).await?;
        }
        Ok(())
    }

    /// Deletes the health check `id`. Deleting one that does not exist succeeds, because a
    /// retried delete whose first attempt was applied must not fail.
    pub async fn delete_health_check(&self, id: &str) -> Result<(), AwsError> {
        let subject = format!("health check {id}");
        let result = self
            .call("DeleteHealthCheck", &subject, |client| {
                client.delete_health_check().health_check_id(id).send()
            })
            .await;
        self.invalidate_health_checks();
        match result {
            Ok(_) => Ok(()),
            Err(err) if err.is_not_found() => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Every health check of the account (without tags), from this run's cache or one shared
    /// scan.
    pub async fn list_health_checks(&self) -> Result<Arc<Vec<HealthCheck>>, AwsError> {
        let cell = Arc::clone(&lock(&self.inner.health_checks));
        cell.get_or_try_init(|| async { self.scan_health_checks().await.map(Arc::new) })
            .await
            .cloned()
    }

    /// Forgets the cached health check listing.
    pub fn invalidate_health_checks(&self) {
        *lock(&self.inner.health_checks) = Arc::default();
    }

    /// A full, uncached, paginated listing of the account's health checks.
    async fn scan_health_checks(&self) -> Result<Vec<HealthCheck>, AwsError> {
        let mut checks = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .call("ListHealthChecks", "health checks", |client| {
                    client
                        .list_health_checks()
                        .max_items(1000)
                        .set_marker(marker.clone())
                        .send()
                })
                .await?;
            checks.extend(page.health_checks().iter().map(health_check_from_sdk));
            match page.next_marker() {
                Some(next) if page.is_truncated() => marker = Some(next.to_owned()),
                _ => return Ok(checks),
            }
        }
    }

    /// Whether Route 53's checkers currently consider `id` healthy: more than 18 % of the
    /// checkers' latest observations report success (Route 53's own rule).
    pub async fn health_check_status(&self, id: &str) -> Result<bool, AwsError> {
        let subject = format!("health check {id}");
        let output = self
            .call("GetHealthCheckStatus", &subject, |client| {
                client.get_health_check_status().health_check_id(id).send()
            })
            .await?;
        let observations = output.health_check_observations();
        let healthy = observations
            .iter()
            .filter(|o| {
                o.status_report()
                    .and_then(|report| report.status())
                    .is_some_and(|status| status.starts_with("Success"))
            })
            .count();
        Ok(!observations.is_empty() && healthy as f64 / observations.len() as f64 > HEALTHY_SHARE)
    }

    /// The tags of health check `id`.
    pub async fn health_check_tags(&self, id: &str) -> Result<BTreeMap<String, String>, AwsError> {
        let subject = format!("health check {id}");
        let output = self
            .call("ListTagsForResource", &subject, |client| {
                client
                    .list_tags_for_resource()
                    .resource_type(sdk::TagResourceType::Healthcheck)
                    .resource_id(id)
                    .send()
            })
            .await?;
        Ok(output
            .resource_tag_set()
            .map(|set| {
                set.tags()
                    .iter()
                    .filter_map(|tag| Some((tag.key()?.to_owned(), tag.value().unwrap_or_default().to_owned())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Adds or overwrites `add` and removes `remove` on health check `id`. Both halves are
    /// absolute, so retries are safe.
    pub async fn change_health_check_tags(
        &self,
        id: &str,
        add: &BTreeMap<String, String>,
        remove: &[&str],
    ) -> Result<(), AwsError> {
        let subject = format!("health check {id}");
        let add_tags: Vec<sdk::Tag> = add
            .iter()
            .map(|(k, v)| sdk::Tag::builder().key(k).value(v).build())
            .collect();
        let remove: Vec<String> = remove.iter().map(|k| (*k).to_owned()).collect();
        self.call("ChangeTagsForResource", &subject, |client| {
            client
                .change_tags_for_resource()
                .resource_type(sdk::TagResourceType::Healthcheck)
                .resource_id(id)
                .set_add_tags((!add_tags.is_empty()).then(|| add_tags.clone()))
                .set_remove_tag_keys((!remove.is_empty()).then(|| remove.clone()))
                .send()
        })
        .await
        .map(drop)
    }
}
