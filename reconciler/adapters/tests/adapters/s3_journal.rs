//! What only the S3 journal store has to prove beyond the contract suite: clients on different
//! machines (sharing nothing in memory) racing for one lease, a fenced-out holder whose idea of
//! the next position is stale, and every entry landing exactly once, in order, through S3's
//! faults (503 SlowDown, 5xx, answers lost after the write was applied).

use globaldeploy_adapters::aws::{AwsSettings, S3};
use globaldeploy_adapters::s3_journal::S3Journal;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::journal::lease::{Holder, LEASE_TTL};
use globaldeploy_engine::ports::JournalStore;
use globaldeploy_engine::testing::world::{block_on, holder};
use globaldeploy_fault_proxy::{Fault, FaultConfig, FaultProxy};

use globaldeploy_adapters::testing::create_bucket;

use crate::support::{settings, Moto};

const T0: u64 = 1_700_000_000_000;
const BUCKET: &str = "team-journal";

fn client(endpoint: &str) -> S3Journal {
    client_with(settings(endpoint))
}

fn client_with(settings: AwsSettings) -> S3Journal {
    S3Journal::new(S3::new(settings), BUCKET, "prod")
}

fn promoted(group: usize) -> Entry {
    Entry::Promoted { group }
}

#[test]
fn two_machines_racing_for_a_lease_never_both_win() {
    let moto = Moto::start();
    block_on(async {
        create_bucket(&moto.endpoint, BUCKET).await;
        for round in 0..10 {
            let deployment = format!("race-{round}");
            let (first, second) = (client(&moto.endpoint), client(&moto.endpoint));
            let (holder_a, holder_b) = (holder("a"), holder("b"));
            let (a, b) = tokio::join!(
                first.acquire_lease(&deployment, &holder_a, LEASE_TTL, T0),
                second.acquire_lease(&deployment, &holder_b, LEASE_TTL, T0),
            );
            let winner = match (&a, &b) {
                (Ok(lease), Err(JournalError::LeaseHeld { .. })) | (Err(JournalError::LeaseHeld { .. }), Ok(lease)) => {
                    lease.clone()
                }
                other => panic!("round {round}: exactly one acquirer must win, got {other:?}"),
            };
            assert_eq!(winner.generation, 1, "round {round}");
            // The winner writes; a third machine reads exactly that.
            let store = if a.is_ok() { &first } else { &second };
            store.append(&winner, &promoted(round)).await.unwrap();
            assert_eq!(
                client(&moto.endpoint).load(&deployment).await.unwrap(),
                vec![promoted(round)]
            );
        }
    });
}

#[test]
fn a_fenced_out_holder_with_a_stale_position_writes_nothing_more() {
    let moto = Moto::start();
    block_on(async {
        create_bucket(&moto.endpoint, BUCKET).await;
        let (old, new) = (client(&moto.endpoint), client(&moto.endpoint));
        let first = old.acquire_lease("api", &holder("old"), LEASE_TTL, T0).await.unwrap();
        old.append(&first, &promoted(0)).await.unwrap();

        // The old holder stalls past its lease; another machine takes over and writes on.
        let second = new
            .acquire_lease("api", &holder("new"), LEASE_TTL, first.takeable_at())
            .await
            .unwrap();
        assert!(second.generation > first.generation);
        new.append(&second, &promoted(1)).await.unwrap();

        // The old holder still believes position 1 is next: refused, naming the new holder.
        match old.append(&first, &promoted(99)).await {
            Err(JournalError::LeaseLost { taken_by, .. }) => assert_eq!(taken_by, holder("new").to_string()),
            other => panic!("{other:?}"),
        }
        assert!(old
            .renew_lease(&first, LEASE_TTL, first.takeable_at() + 1)
            .await
            .is_err());
        // Its release leaves the new lease alone.
        old.release_lease(&first).await.unwrap();
        new.append(&second, &promoted(2)).await.unwrap();
        assert_eq!(
            client(&moto.endpoint).load("api").await.unwrap(),
            vec![promoted(0), promoted(1), promoted(2)]
        );
    });
}

#[test]
fn every_entry_lands_once_in_order_through_slow_downs_and_lost_answers() {
    let moto = Moto::start();
    block_on(async {
        create_bucket(&moto.endpoint, BUCKET).await;
        let proxy = FaultProxy::start(
            &moto.endpoint,
            FaultConfig {
                probability: 0.3,
                faults: vec![
                    Fault::SlowDown,
                    Fault::InternalError,
                    Fault::ServiceUnavailable,
                    Fault::ErrorAfterForward,
                    Fault::ResetAfterForward,
                ],
                seed: 7,
                ..FaultConfig::none()
            },
        )
        .await
        .expect("proxy");
        let store = client_with(AwsSettings {
            // Enough that 30 % faults never exhaust a call's retries (0.3^26).
            max_retries: 25,
            ..settings(&proxy.endpoint())
        });
        let holder = Holder::this_process("faults");
        let mut lease = store.acquire_lease("api", &holder, LEASE_TTL, T0).await.unwrap();
        let want: Vec<Entry> = (0..40).map(promoted).collect();
        for (n, entry) in want.iter().enumerate() {
            store.append(&lease, entry).await.unwrap();
            if n % 10 == 9 {
                lease = store.renew_lease(&lease, LEASE_TTL, T0 + n as u64).await.unwrap();
            }
        }
        store.release_lease(&lease).await.unwrap();

        let faults = proxy.faults();
        for kind in ["SlowDown", "ErrorAfterForward", "ResetAfterForward"] {
            assert!(
                faults.get(kind).copied().unwrap_or(0) > 0,
                "no {kind} fault was injected: {faults:?}"
            );
        }
        // Read past the proxy, by a machine that wrote nothing.
        assert_eq!(client(&moto.endpoint).load("api").await.unwrap(), want);
    });
}
