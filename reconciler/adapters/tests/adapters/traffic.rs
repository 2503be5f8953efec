//! `Route53Traffic` against moto through the fault proxy, which counts the Route 53 calls: the
//! rollout port, and the slots between rollouts (drift made outside the engine and its repair).

use std::collections::BTreeMap;
use std::time::Duration;

use globaldeploy_adapters::aws::{AwsSettings, Change, ChangeAction, RecordSet, Route53};
use globaldeploy_adapters::traffic::{
    slot_set_identifier, Difference, RegionDrift, Route53Traffic, Route53TrafficError, SettledRegion, SlotDrift,
};
use globaldeploy_engine::journal::lease::Unfenced;
use globaldeploy_engine::model::{RegionSpec, Slot, Target, Weights};
use globaldeploy_engine::ports::{SlotAssignment, Traffic};
use globaldeploy_fault_proxy::{Fault, FaultConfig, FaultProxy};

use crate::support::{settings, Moto};

const CHANGE: &str = "ChangeResourceRecordSets";

fn records(values: &[&str]) -> Target {
    Target::Records(values.iter().map(|v| (*v).to_owned()).collect())
}

fn alias(name: &str, zone_id: &str) -> Target {
    Target::Alias {
        name: name.into(),
        zone_id: zone_id.into(),
        evaluate_target_health: false,
    }
}

fn region(name: &str, record_name: &str, target: Target) -> RegionSpec {
    RegionSpec {
        name: name.into(),
        record_name: record_name.into(),
        ttl: 60,
        target,
        health_url: None,
        global_weight: 1,
    }
}

fn assign(region: &RegionSpec, slot: Slot, target: Target, version: &str) -> SlotAssignment {
    SlotAssignment {
        region: region.clone(),
        slot,
        target,
        version: version.into(),
    }
}

fn weights(region: &str, blue: u8, green: u8) -> (String, Weights) {
    (region.into(), Weights { blue, green })
}

/// A zone behind a counting proxy, and the traffic driver on it.
struct Fixture {
    _moto: Moto,
    proxy: FaultProxy,
    r53: Route53,
    zone: String,
    traffic: Route53Traffic,
}

impl Fixture {
    async fn start() -> Fixture {
        Fixture::with_settings(settings).await
    }

    async fn with_settings(settings: impl Fn(&str) -> AwsSettings) -> Fixture {
        let moto = Moto::start();
        let proxy = FaultProxy::start(&moto.endpoint, FaultConfig::none())
            .await
            .expect("proxy");
        let r53 = Route53::new(settings(&proxy.endpoint()));
        let zone = r53.create_hosted_zone("example.com").await.expect("zone");
        let traffic = Route53Traffic::new(r53.clone(), zone.clone(), Duration::from_secs(60));
        Fixture {
            _moto: moto,
            proxy,
            r53,
            zone,
            traffic,
        }
    }

    fn changes(&self) -> u64 {
        self.proxy.counts().get(CHANGE).copied().unwrap_or(0)
    }

    /// The set of `slot` of `region`, read fresh.
    async fn slot_set(&self, region: &RegionSpec, slot: Slot, rtype: &str) -> RecordSet {
        self.r53.invalidate_zone(&self.zone);
        let id = slot_set_identifier(&region.record_name, slot);
        self.r53
            .record_sets_named(&self.zone, &region.record_name, rtype)
            .await
            .expect("list")
            .into_iter()
            .find(|set| set.set_identifier.as_deref() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("no set {id}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_regions_move_together_one_batch_per_call() {
    let fx = Fixture::start().await;
    let zone = fx.zone.clone();
    let regions = vec![
        region("us-east-1", "use1.api.example.com", records(&["192.0.2.10"])),
        region(
            "us-west-2",
            "usw2.api.example.com",
            alias("lb-usw2-v1.example.com", &zone),
        ),
        region("eu-west-1", "euw1.api.example.com", records(&["2001:db8::10"])),
    ];
    let v2 = [
        alias("lb-use1-v2.example.com", &zone),
        records(&["192.0.2.21", "192.0.2.22"]),
        records(&["2001:db8::20"]),
    ];
    let port: &dyn Traffic = &fx.traffic;

    // Publish v1 on blue: one batch to write the targets, one to give them traffic.
    let blue: Vec<SlotAssignment> = regions
        .iter()
        .map(|r| assign(r, Slot::Blue, r.target.clone(), "v1"))
        .collect();
    port.prepare(&Unfenced, &blue).await.expect("prepare blue");
    assert_eq!(fx.changes(), 1, "one batch for every region's slot");
    let zero: BTreeMap<String, Weights> = regions.iter().map(|r| weights(&r.name, 0, 0)).collect();
    assert_eq!(port.weights(&regions).await.expect("weights"), zero);
    let all_blue: BTreeMap<String, Weights> = regions.iter().map(|r| weights(&r.name, 100, 0)).collect();
    port.set_weights(&Unfenced, &regions, &all_blue).await.expect("publish");
    assert_eq!(fx.changes(), 2);
    assert_eq!(port.weights(&regions).await.expect("weights"), all_blue);

    // v2 into green at weight 0; blue keeps serving.
    let green: Vec<SlotAssignment> = regions
        .iter()
        .zip(&v2)
        .map(|(r, target)| assign(r, Slot::Green, target.clone(), "v2"))
        .collect();
    port.prepare(&Unfenced, &green).await.expect("prepare green");
    assert_eq!(fx.changes(), 3);
    assert_eq!(port.weights(&regions).await.expect("weights"), all_blue);

    // Records and alias targets land as written, in either direction.
    let use1_green = fx.slot_set(&regions[0], Slot::Green, "A").await;
    let use1_alias = use1_green.alias.expect("alias target");
    assert_eq!(use1_alias.name.trim_end_matches('.'), "lb-use1-v2.example.com");
    assert_eq!((use1_green.weight, use1_green.ttl), (Some(0), None));
    let use1_blue = fx.slot_set(&regions[0], Slot::Blue, "A").await;
    assert_eq!(use1_blue.records, vec!["192.0.2.10".to_owned()]);
    assert_eq!(use1_blue.ttl, Some(60));
    let usw2_blue = fx.slot_set(&regions[1], Slot::Blue, "A").await;
    assert!(usw2_blue.alias.is_some() && usw2_blue.records.is_empty());
    let mut usw2_green = fx.slot_set(&regions[1], Slot::Green, "A").await.records;
    usw2_green.sort();
    assert_eq!(usw2_green, vec!["192.0.2.21", "192.0.2.22"]);
    let euw1_green = fx.slot_set(&regions[2], Slot::Green, "AAAA").await;
    assert_eq!(euw1_green.records, vec!["2001:db8::20".to_owned()]);

    // Every step is exactly one ChangeResourceRecordSets for the three regions.
    for step in [5u8, 25, 50, 100] {
        let want: BTreeMap<String, Weights> = regions.iter().map(|r| weights(&r.name, 100 - step, step)).collect();
        fx.proxy.reset_counts();
        port.set_weights(&Unfenced, &regions, &want).await.expect("step");
        assert_eq!(fx.changes(), 1, "step {step}: one batch");
        assert_eq!(port.weights(&regions).await.expect("weights"), want);
    }
    // Values never move with the weights.
    assert_eq!(
        fx.slot_set(&regions[0], Slot::Blue, "A").await.records,
        vec!["192.0.2.10".to_owned()]
    );

    // Asking again for what the zone already shows sends nothing.
    fx.proxy.reset_counts();
    port.prepare(&Unfenced, &green).await.expect("prepare again");
    let done: BTreeMap<String, Weights> = regions.iter().map(|r| weights(&r.name, 0, 100)).collect();
    port.set_weights(&Unfenced, &regions, &done)
        .await
        .expect("same weights");
    assert_eq!(fx.changes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsafe_weights_are_refused_before_any_aws_call() {
    let fx = Fixture::start().await;
    let regions = vec![
        region("us-east-1", "use1.api.example.com", records(&["192.0.2.10"])),
        region("us-west-2", "usw2.api.example.com", records(&["192.0.2.20"])),
    ];
    fx.proxy.reset_counts();

    // One region at 0/0 refuses the whole batch, and AWS is never asked.
    let err = fx
        .traffic
        .try_set_weights(
            &Unfenced,
            &regions,
            &BTreeMap::from([weights("us-east-1", 100, 0), weights("us-west-2", 0, 0)]),
        )
        .await
        .expect_err("all zero");
    assert!(matches!(err, Route53TrafficError::AllZero { .. }), "{err}");
    assert!(err.is_rejected_input() && !err.is_retryable());
    assert!(err.to_string().contains("usw2.api.example.com"), "{err}");
    let unknown = fx
        .traffic
        .try_set_weights(
            &Unfenced,
            &regions[..1],
            &BTreeMap::from([weights("eu-west-1", 100, 0)]),
        )
        .await
        .expect_err("unknown region");
    assert!(matches!(unknown, Route53TrafficError::UnknownRegion { .. }));
    assert!(fx.proxy.counts().is_empty(), "{:?}", fx.proxy.counts());

    // Through the port the refusal is final, not retryable.
    let port: &dyn Traffic = &fx.traffic;
    let err = port
        .set_weights(&Unfenced, &regions, &BTreeMap::from([weights("us-east-1", 0, 0)]))
        .await
        .expect_err("all zero");
    assert!(!err.retryable && err.message.contains("use1.api.example.com"));

    // A slot cannot get weight before it has a target.
    let err = fx
        .traffic
        .try_set_weights(&Unfenced, &regions, &BTreeMap::from([weights("us-east-1", 0, 100)]))
        .await
        .expect_err("unprepared slot");
    assert!(
        matches!(err, Route53TrafficError::SlotMissing { slot: Slot::Green, .. }),
        "{err}"
    );
    assert_eq!(fx.changes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_name_targets_are_cnames_and_types_never_change() {
    let fx = Fixture::start().await;
    let api = region("us-east-1", "use1.api.example.com", records(&["lb-v1.example.net"]));
    fx.traffic
        .try_prepare(&Unfenced, &[assign(&api, Slot::Blue, api.target.clone(), "v1")])
        .await
        .expect("prepare");
    let blue = fx.slot_set(&api, Slot::Blue, "CNAME").await;
    assert_eq!(blue.records, vec!["lb-v1.example.net".to_owned()]);

    fx.proxy.reset_counts();
    let err = fx
        .traffic
        .try_prepare(&Unfenced, &[assign(&api, Slot::Green, records(&["192.0.2.30"]), "v2")])
        .await
        .expect_err("type change");
    assert!(
        matches!(&err, Route53TrafficError::TypeChange { existing, wanted, .. }
            if existing == "CNAME" && wanted == "A"),
        "{err}"
    );
    let err = fx
        .traffic
        .try_prepare(
            &Unfenced,
            &[assign(
                &api,
                Slot::Green,
                records(&["a.example.net", "b.example.net"]),
                "v2",
            )],
        )
        .await
        .expect_err("two host names");
    assert!(matches!(err, Route53TrafficError::Target { .. }), "{err}");
    assert_eq!(fx.changes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_failures_name_the_record_and_code_and_say_retryable() {
    let fx = Fixture::with_settings(|endpoint| AwsSettings {
        max_retries: 1,
        ..settings(endpoint)
    })
    .await;
    let api = region("us-east-1", "use1.api.example.com", records(&["192.0.2.10"]));
    fx.proxy.set_config(FaultConfig {
        probability: 1.0,
        faults: vec![Fault::Throttling],
        operations: vec![CHANGE.into()],
        ..FaultConfig::none()
    });
    let port: &dyn Traffic = &fx.traffic;
    let err = port
        .prepare(&Unfenced, &[assign(&api, Slot::Blue, api.target.clone(), "v1")])
        .await
        .expect_err("throttled");
    assert!(err.retryable, "{err}");
    assert!(
        err.message.contains("use1.api.example.com") && err.message.contains("Throttling"),
        "{err}"
    );
    // Nothing was written.
    assert_eq!(
        fx.traffic.try_weights(&[api]).await.expect("weights"),
        BTreeMap::from([weights("us-east-1", 0, 0)])
    );
}

fn settled(region: &RegionSpec, serving: Slot, blue: u8, green: u8) -> SettledRegion {
    SettledRegion {
        region: region.clone(),
        serving,
        other_target: None,
        weights: Weights { blue, green },
    }
}

/// The slot differences found for `region` (none when it matches).
fn drift_of(drift: &[RegionDrift], region: &str) -> Vec<SlotDrift> {
    drift
        .iter()
        .find(|d| d.region == region)
        .map(|d| d.slots.clone())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_outside_the_engine_is_seen_and_restored_in_one_batch() {
    let fx = Fixture::start().await;
    let zone = fx.zone.clone();
    let v1 = vec![
        region("us-east-1", "use1.api.example.com", records(&["192.0.2.10"])),
        region(
            "us-west-2",
            "usw2.api.example.com",
            alias("lb-usw2-v1.example.com", &zone),
        ),
    ];
    let v2 = vec![
        region("us-east-1", "use1.api.example.com", records(&["192.0.2.21"])),
        region(
            "us-west-2",
            "usw2.api.example.com",
            alias("lb-usw2-v2.example.com", &zone),
        ),
    ];
    // v1 on blue, then v2 promoted on green: blue is the copy kept at 0 for rollback.
    let port: &dyn Traffic = &fx.traffic;
    let blue: Vec<SlotAssignment> = v1
        .iter()
        .map(|r| assign(r, Slot::Blue, r.target.clone(), "v1"))
        .collect();
    port.prepare(&Unfenced, &blue).await.expect("prepare blue");
    port.set_weights(
        &Unfenced,
        &v1,
        &BTreeMap::from([weights("us-east-1", 100, 0), weights("us-west-2", 100, 0)]),
    )
    .await
    .expect("publish");
    let green: Vec<SlotAssignment> = v2
        .iter()
        .map(|r| assign(r, Slot::Green, r.target.clone(), "v2"))
        .collect();
    port.prepare(&Unfenced, &green).await.expect("prepare green");
    port.set_weights(
        &Unfenced,
        &v2,
        &BTreeMap::from([weights("us-east-1", 0, 100), weights("us-west-2", 0, 100)]),
    )
    .await
    .expect("promote");
    let want: Vec<SettledRegion> = v2.iter().map(|r| settled(r, Slot::Green, 0, 100)).collect();
    assert_eq!(
        fx.traffic.drift(&want).await.expect("drift"),
        vec![],
        "settled after promotion"
    );

    // Outside the engine: us-east-1's weights moved to 50/50, us-west-2's serving set deleted.
    let use1_blue = fx.slot_set(&v2[0], Slot::Blue, "A").await;
    let use1_green = fx.slot_set(&v2[0], Slot::Green, "A").await;
    let usw2_green = fx.slot_set(&v2[1], Slot::Green, "A").await;
    let upsert = |set: &RecordSet, weight: i64| Change {
        action: ChangeAction::Upsert,
        set: RecordSet {
            weight: Some(weight),
            ..set.clone()
        },
    };
    let outside = vec![
        upsert(&use1_blue, 50),
        upsert(&use1_green, 50),
        Change {
            action: ChangeAction::Delete,
            set: usw2_green.clone(),
        },
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    fx.r53
        .change_batch(&zone, outside, deadline)
        .await
        .expect("outside change");

    let drift = fx.traffic.drift(&want).await.expect("drift");
    assert_eq!(
        drift_of(&drift, "us-east-1"),
        vec![
            SlotDrift {
                slot: Slot::Blue,
                difference: Difference::Weight {
                    actual: 50,
                    expected: 0
                }
            },
            SlotDrift {
                slot: Slot::Green,
                difference: Difference::Weight {
                    actual: 50,
                    expected: 100
                }
            },
        ]
    );
    let use1 = drift
        .iter()
        .find(|d| d.region == "us-east-1")
        .expect("us-east-1 drifted");
    assert_eq!(use1.to_string(), "blue weight 50, want 0; green weight 50, want 100");
    assert!(!use1.gone);
    let usw2 = drift
        .iter()
        .find(|d| d.region == "us-west-2")
        .expect("us-west-2 drifted");
    assert_eq!(usw2.to_string(), "green record set missing");
    assert!(!usw2.gone, "its blue copy is still there");

    // One batch restores both regions; asking again sends nothing.
    fx.proxy.reset_counts();
    let written = fx.traffic.settle(&Unfenced, &want).await.expect("settle");
    assert_eq!((written, fx.changes()), (3, 1), "three sets in one batch");
    assert_eq!(
        fx.traffic.try_weights(&v2).await.expect("weights"),
        BTreeMap::from([weights("us-east-1", 0, 100), weights("us-west-2", 0, 100)])
    );
    let restored = fx.slot_set(&v2[1], Slot::Green, "A").await;
    assert_eq!(
        restored.alias.expect("alias").name.trim_end_matches('.'),
        "lb-usw2-v2.example.com"
    );
    assert_eq!(
        fx.slot_set(&v2[0], Slot::Blue, "A").await.records,
        vec!["192.0.2.10".to_owned()],
        "the rollback copy keeps its v1 target"
    );
    assert_eq!(fx.traffic.drift(&want).await.expect("drift"), vec![]);
    fx.proxy.reset_counts();
    assert_eq!(fx.traffic.settle(&Unfenced, &want).await.expect("settle again"), 0);
    assert_eq!(fx.changes(), 0);

    // A changed target of the serving slot is drift too, and so is a TTL that differs.
    let mut retargeted = use1_green.clone();
    retargeted.records = vec!["192.0.2.99".into()];
    retargeted.weight = Some(100);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    fx.r53
        .change_batch(&zone, vec![upsert(&retargeted, 100)], deadline)
        .await
        .expect("outside retarget");
    let drift = fx.traffic.drift(&want).await.expect("drift");
    assert_eq!(
        drift_of(&drift, "us-east-1"),
        vec![SlotDrift {
            slot: Slot::Green,
            difference: Difference::Target {
                actual: "A 192.0.2.99".into(),
                expected: "A 192.0.2.21".into()
            }
        }]
    );
    // A new TTL reaches both slots (literal records only; the alias region has none).
    let mut longer: Vec<SettledRegion> = want.clone();
    for s in &mut longer {
        s.region.ttl = 300;
    }
    let drift = fx.traffic.drift(&longer).await.expect("drift");
    assert_eq!(
        drift_of(&drift, "us-east-1"),
        vec![
            SlotDrift {
                slot: Slot::Blue,
                difference: Difference::Ttl {
                    actual: 60,
                    expected: 300
                }
            },
            SlotDrift {
                slot: Slot::Green,
                difference: Difference::Target {
                    actual: "A 192.0.2.99".into(),
                    expected: "A 192.0.2.21".into()
                }
            },
        ]
    );
    assert_eq!(drift_of(&drift, "us-west-2"), vec![]);
    fx.proxy.reset_counts();
    assert_eq!(fx.traffic.settle(&Unfenced, &longer).await.expect("settle"), 2);
    assert_eq!(fx.changes(), 1);
    let (blue, green) = (
        fx.slot_set(&v2[0], Slot::Blue, "A").await,
        fx.slot_set(&v2[0], Slot::Green, "A").await,
    );
    assert_eq!(
        (blue.ttl, blue.weight, blue.records),
        (Some(300), Some(0), vec!["192.0.2.10".to_owned()])
    );
    assert_eq!(
        (green.ttl, green.weight, green.records),
        (Some(300), Some(100), vec!["192.0.2.21".to_owned()])
    );
    assert_eq!(fx.traffic.drift(&longer).await.expect("drift"), vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settling_refuses_unsafe_slots_and_sees_deleted_regions() {
    let fx = Fixture::start().await;
    let api = region("us-east-1", "use1.api.example.com", records(&["192.0.2.10"]));
    fx.traffic
        .try_prepare(&Unfenced, &[assign(&api, Slot::Blue, api.target.clone(), "v1")])
        .await
        .expect("prepare");
    fx.traffic
        .try_set_weights(
            &Unfenced,
            std::slice::from_ref(&api),
            &BTreeMap::from([weights("us-east-1", 100, 0)]),
        )
        .await
        .expect("publish");
    // A never-written idle slot at 0 is what is asked: no drift.
    let serving = settled(&api, Slot::Blue, 100, 0);
    assert_eq!(
        fx.traffic.drift(std::slice::from_ref(&serving)).await.expect("drift"),
        vec![]
    );

    fx.proxy.reset_counts();
    let err = fx
        .traffic
        .settle(&Unfenced, &[settled(&api, Slot::Blue, 0, 0)])
        .await
        .expect_err("all zero");
    assert!(matches!(err, Route53TrafficError::AllZero { .. }), "{err}");
    // Weight for a slot whose target is unknown and which has no record set cannot be written.
    let err = fx
        .traffic
        .settle(&Unfenced, &[settled(&api, Slot::Blue, 50, 50)])
        .await
        .expect_err("missing slot");
    assert!(
        matches!(err, Route53TrafficError::SlotMissing { slot: Slot::Green, .. }),
        "{err}"
    );
    assert_eq!(fx.changes(), 0, "refused before any change");

    // Every set of the region deleted outside: gone.
    let blue = fx.slot_set(&api, Slot::Blue, "A").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    fx.r53
        .change_batch(
            &fx.zone,
            vec![Change {
                action: ChangeAction::Delete,
                set: blue,
            }],
            deadline,
        )
        .await
        .expect("delete");
    let drift = fx.traffic.drift(std::slice::from_ref(&serving)).await.expect("drift");
    assert_eq!(drift.len(), 1);
    assert!(drift[0].gone, "{drift:?}");
}
