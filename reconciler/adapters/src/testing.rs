//! Test fixtures (feature `testing`): record sets, one constructor per routing policy, so the
//! tests of the Route 53 layer, the provider, the CLI and the end-to-end suite build their
//! fixtures alike and vary them with struct update syntax; and the S3 calls a test makes that
//! the journal store never does (creating a bucket, planting a stranger's object).

use crate::aws::{Failover, RecordSet};

/// A plain set of `rtype` with a 60-second TTL: no set identifier, routing policy, alias or
/// health check. `name` is used as given (normalised or not, as the test needs).
pub fn record_set(name: &str, rtype: &str, records: &[&str]) -> RecordSet {
    RecordSet {
        name: name.to_owned(),
        rtype: rtype.to_owned(),
        set_identifier: None,
        weight: None,
        failover: None,
        ttl: Some(60),
        records: records.iter().map(|r| (*r).to_owned()).collect(),
        alias: None,
        health_check_id: None,
    }
}

/// An A set of weighted routing.
pub fn weighted_set(name: &str, set_identifier: &str, weight: i64, records: &[&str]) -> RecordSet {
    RecordSet {
        set_identifier: Some(set_identifier.to_owned()),
        weight: Some(weight),
        ..record_set(name, "A", records)
    }
}

/// An A set of failover routing.
pub fn failover_set(name: &str, set_identifier: &str, role: Failover, records: &[&str]) -> RecordSet {
    RecordSet {
        set_identifier: Some(set_identifier.to_owned()),
        failover: Some(role),
        ..record_set(name, "A", records)
    }
}

/// An SDK S3 client for the moto at `endpoint`, for what the journal store never does itself.
fn s3_sdk(endpoint: &str) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// Creates bucket `name` (a team makes its own; the store never creates one).
pub async fn create_bucket(endpoint: &str, name: &str) {
    s3_sdk(endpoint)
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create bucket {name}: {e:?}"));
}

/// Puts `body` at `key` unconditionally (what a store never does: a stranger's object).
pub async fn put_object(endpoint: &str, bucket: &str, key: &str, body: &[u8]) {
    s3_sdk(endpoint)
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body.to_vec().into())
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
}
