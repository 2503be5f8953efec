//! Integration tests of the Route 53 client layer: the real AWS SDK over HTTP against moto,
//! optionally through the fault proxy.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use globaldeploy_adapters::aws::{
    AliasTarget, AwsError, AwsSettings, Change, ChangeAction, HealthCheckSpec, HealthCheckType, RecordSet, Route53,
};
use globaldeploy_adapters::testing::weighted_set;
use globaldeploy_fault_proxy::{Fault, FaultConfig, FaultProxy};
use support::{client, deadline, Moto};

fn weighted(name: &str, id: &str, weight: i64, value: &str) -> RecordSet {
    weighted_set(name, id, weight, &[value])
}

fn change(action: ChangeAction, set: RecordSet) -> Change {
    Change { action, set }
}

/// The sets of `name` in a listing, sorted by set identifier.
fn sets_of(listing: &[RecordSet], name: &str) -> Vec<RecordSet> {
    let mut sets: Vec<RecordSet> = listing.iter().filter(|s| s.name == name).cloned().collect();
    sets.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
    sets
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weighted_sets_are_created_changed_and_renamed_atomically() {
    let moto = Moto::start();
    let r53 = client(&moto.endpoint);
    let zone = r53.create_hosted_zone("example.com").await.expect("zone");
    assert!(r53.get_hosted_zone(&zone).await.expect("get zone").is_some());

    let use1 = weighted("api.example.com", "api-use1", 40, "192.0.2.10");
    let usw2 = weighted("api.example.com", "api-usw2", 35, "192.0.2.20");
    let euw1 = RecordSet {
        ttl: None,
        records: vec![],
        alias: Some(AliasTarget {
            name: "euw1.api.example.com".into(),
            zone_id: zone.clone(),
            evaluate_target_health: true,
        }),
        ..weighted("api.example.com", "api-euw1", 25, "")
    };
    let batch = vec![
        change(ChangeAction::Create, use1.clone()),
        change(ChangeAction::Create, usw2.clone()),
        change(ChangeAction::Create, euw1.clone()),
    ];
    r53.change_batch(&zone, batch, deadline()).await.expect("create");

    let listed = r53
        .record_sets_named(&zone, "API.example.com", "A")
        .await
        .expect("list");
    assert_eq!(listed.len(), 3);
    for want in [&use1, &usw2, &euw1] {
        assert!(listed.iter().any(|s| s.same_as(want)), "missing {want:?} in {listed:?}");
    }

    // Change weights, and rename a set identifier (DELETE + CREATE) in the same batch.
    let use1_heavier = RecordSet {
        weight: Some(60),
        ..use1.clone()
    };
    let usw2_renamed = RecordSet {
        set_identifier: Some("api-usw2-b".into()),
        weight: Some(15),
        ..usw2.clone()
    };
    let batch = vec![
        change(ChangeAction::Upsert, use1_heavier.clone()),
        change(ChangeAction::Delete, usw2.clone()),
        change(ChangeAction::Create, usw2_renamed.clone()),
    ];
    r53.change_batch(&zone, batch, deadline()).await.expect("update");

    // A brand-new client has no cache: this is what Route 53 (moto) really holds.
    let fresh = client(&moto.endpoint);
    let listed = fresh
        .record_sets_named(&zone, "api.example.com.", "A")
        .await
        .expect("fresh list");
    let ids: Vec<_> = sets_of(&listed, "api.example.com.")
        .into_iter()
        .map(|s| (s.set_identifier.unwrap_or_default(), s.weight.unwrap_or_default()))
        .collect();
    assert_eq!(
        ids,
        [
            ("api-euw1".into(), 25),
            ("api-use1".into(), 60),
            ("api-usw2-b".into(), 15)
        ]
    );
    // The writing client's cache was invalidated by its write and agrees.
    let cached = r53
        .record_sets_named(&zone, "api.example.com", "A")
        .await
        .expect("list");
    assert_eq!(cached.len(), 3);
    assert!(cached.iter().any(|s| s.same_as(&use1_heavier)));
    assert!(cached.iter().any(|s| s.same_as(&usw2_renamed)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_readers_share_one_paginated_scan() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint, FaultConfig::none())
        .await
        .expect("proxy");
    let r53 = client(&proxy.endpoint());
    let zone = r53.create_hosted_zone("many.example.com").await.expect("zone");
    // Plain (non-weighted) names: moto ignores StartRecordIdentifier, see the report.
    let creates: Vec<Change> = (0..650)
        .map(|i| {
            let set = RecordSet {
                set_identifier: None,
                weight: None,
                ..weighted(&format!("h{i:03}.many.example.com"), "", 0, "192.0.2.1")
            };
            change(ChangeAction::Create, set)
        })
        .collect();
    r53.change_batch(&zone, creates, deadline()).await.expect("create 650");

    proxy.reset_counts();
    let readers: Vec<_> = (0..20)
        .map(|_| {
            let r53 = r53.clone();
            let zone = zone.clone();
            tokio::spawn(async move { r53.record_sets(&zone).await })
        })
        .collect();
    let mut listings = Vec::new();
    for reader in readers {
        listings.push(reader.await.expect("task").expect("listing"));
    }
    let total = listings[0].len();
    assert_eq!(total, 652, "650 sets plus the zone's SOA and NS");
    assert!(
        listings.iter().all(|l| Arc::ptr_eq(l, &listings[0])),
        "one shared result"
    );
    let pages = total.div_ceil(300) as u64;
    assert_eq!(proxy.counts().get("ListResourceRecordSets"), Some(&pages));

    // Cached for the life of the client: more reads cost nothing.
    r53.record_sets_named(&zone, "h001.many.example.com", "A")
        .await
        .expect("read");
    assert_eq!(proxy.counts().get("ListResourceRecordSets"), Some(&pages));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_batches_survive_thirty_percent_faults_without_duplicates() {
    let moto = Moto::start();
    let setup = client(&moto.endpoint);
    let zone = setup.create_hosted_zone("faults.example.com").await.expect("zone");

    let proxy = FaultProxy::start(
        &moto.endpoint,
        FaultConfig {
            latency_ms: 20,
            ..FaultConfig::all(0.3, 42)
        },
    )
    .await
    .expect("proxy");
    let r53 = client(&proxy.endpoint());

    let mut expected = Vec::new();
    for i in 0..50 {
        let name = format!("svc{i:02}.faults.example.com.");
        let blue = weighted(&name, &format!("svc{i:02}-blue"), 100, "192.0.2.1");
        let green = weighted(&name, &format!("svc{i:02}-green"), 0, "192.0.2.2");
        expected.push(blue.clone());
        expected.push(green.clone());
        let batch = vec![change(ChangeAction::Create, blue), change(ChangeAction::Create, green)];
        r53.change_batch(&zone, batch, deadline())
            .await
            .unwrap_or_else(|e| panic!("batch {i}: {e}"));
    }

    let faults = proxy.faults();
    let calls = proxy.counts();
    let injected: u64 = faults.values().sum();
    assert!(injected > 0, "faults were injected: {faults:?}");
    assert!(
        faults.get(Fault::ErrorAfterForward.name()).copied().unwrap_or(0)
            + faults.get(Fault::ResetAfterForward.name()).copied().unwrap_or(0)
            > 0,
        "some writes had an unknown outcome: {faults:?}"
    );
    assert!(calls["ChangeResourceRecordSets"] > 50, "retries happened: {calls:?}");
    // This client never lists on its own: every listing settled a write with unknown outcome.
    assert!(calls.get("ListResourceRecordSets").is_some_and(|n| *n > 0), "{calls:?}");
    eprintln!("calls {calls:?}\nfaults {faults:?}");

    // The truth, read without the proxy and without a cache.
    let listing = client(&moto.endpoint).record_sets(&zone).await.expect("list");
    let ours: Vec<&RecordSet> = listing.iter().filter(|s| s.rtype == "A").collect();
    assert_eq!(ours.len(), expected.len(), "no duplicate or missing sets: {ours:?}");
    for want in &expected {
        assert_eq!(
            ours.iter().filter(|s| s.key() == want.key()).count(),
            1,
            "{want:?} exactly once"
        );
        assert!(ours.iter().any(|s| s.same_as(want)), "{want:?} with its values");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_changes_fail_at_once_naming_record_and_code() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint, FaultConfig::none())
        .await
        .expect("proxy");
    let r53 = client(&proxy.endpoint());
    let zone = r53.create_hosted_zone("dup.example.com").await.expect("zone");
    let set = weighted("www.dup.example.com", "www-a", 10, "192.0.2.5");
    r53.change_batch(&zone, vec![change(ChangeAction::Create, set.clone())], deadline())
        .await
        .expect("first create");

    proxy.reset_counts();
    let err = r53
        .change_batch(&zone, vec![change(ChangeAction::Create, set)], deadline())
        .await
        .expect_err("second create is rejected");
    assert_eq!(err.code(), Some("InvalidChangeBatch"), "{err}");
    assert!(!err.is_retryable() && !err.is_throttled());
    let text = err.to_string();
    assert!(
        text.contains("www.dup.example.com.") && text.contains("InvalidChangeBatch"),
        "{text}"
    );
    assert_eq!(proxy.counts().get("ChangeResourceRecordSets"), Some(&1), "no retries");

    // A zone that does not exist is "not found".
    assert!(r53.get_hosted_zone("ZNOSUCHZONE").await.expect("get").is_none());
    let err = r53.record_sets("ZNOSUCHZONE").await.expect_err("no zone");
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_checks_round_trip() {
    let moto = Moto::start();
    let r53 = client(&moto.endpoint);
    let spec = HealthCheckSpec {
        check_type: HealthCheckType::Https,
        fqdn: Some("use1.api.example.com".into()),
        ip_address: None,
        port: Some(443),
        resource_path: Some("/healthz".into()),
        search_string: None,
        request_interval: Some(10),
        failure_threshold: Some(3),
        regions: vec![],
        tags: BTreeMap::from([("team".into(), "platform".into()), ("env".into(), "prod".into())]),
    };
    let id = r53.create_health_check(&spec, "hc-use1-1").await.expect("create");
    let got = r53.get_health_check(&id).await.expect("get").expect("exists");
    assert_eq!(got.caller_reference, "hc-use1-1");
    let got_spec = got.spec.expect("managed type");
    assert_eq!(got_spec.fqdn.as_deref(), Some("use1.api.example.com"));
    assert_eq!(got_spec.port, Some(443));
    assert_eq!(got_spec.request_interval, Some(10));
    assert_eq!(got_spec.tags, spec.tags);

    let listed = r53.list_health_checks().await.expect("list");
    assert!(listed.iter().any(|c| c.id == id));

    let updated = HealthCheckSpec {
        failure_threshold: Some(5),
        resource_path: Some("/ready".into()),
        tags: BTreeMap::from([("team".into(), "edge".into())]),
        ..spec.clone()
    };
    r53.update_health_check(&id, &updated).await.expect("update");
    let got = r53.get_health_check(&id).await.expect("get").expect("exists");
    let got_spec = got.spec.expect("managed type");
    assert_eq!(got_spec.failure_threshold, Some(5));
    assert_eq!(got_spec.resource_path.as_deref(), Some("/ready"));
    assert_eq!(got_spec.tags, updated.tags);

    assert!(
        r53.health_check_status(&id).await.expect("status"),
        "moto reports Success"
    );

    r53.delete_health_check(&id).await.expect("delete");
    assert!(r53.get_health_check(&id).await.expect("get").is_none());
    r53.delete_health_check(&id).await.expect("deleting twice is fine");
    let listed = r53.list_health_checks().await.expect("list");
    assert!(!listed.iter().any(|c| c.id == id), "cache invalidated by the delete");
}

#[tokio::test]
async fn construction_does_no_io_and_credential_problems_surface_on_first_use() {
    // Nothing listens on port 9; constructing and cloning must not care.
    let r53 = Route53::new(AwsSettings {
        access_key: Some("only-half".into()),
        secret_key: None,
        route53_endpoint: Some("http://127.0.0.1:9".into()),
        ..AwsSettings::default()
    });
    let copy = r53.clone();
    let err = copy.record_sets("Z1").await.expect_err("credentials are incomplete");
    assert!(matches!(err, AwsError::Credentials { .. }), "{err}");
    assert!(!format!("{r53:?}").contains("only-half"));
}
