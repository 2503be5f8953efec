//! The `JournalStore` contract: one suite of tests, run against every store (the in-memory fake
//! the simulation uses, the `file://DIR` store, and the `s3://BUCKET/PREFIX` store against
//! moto's S3). Append and load order, torn tails and corrupt entries where the store can have
//! them, the lease's acquire, renew, release and take-over with fencing by generation, a dead
//! holder on this host, approvals and rollback requests found per rollout, and acquirers racing
//! (from two OS processes for the file store, from two clients for S3).

use std::sync::Arc;

use globaldeploy_adapters::aws::S3 as S3Client;
use globaldeploy_adapters::file_journal::FileJournal;
use globaldeploy_adapters::s3_journal::S3Journal;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::journal::lease::{Holder, Lease, CLOCK_SKEW, LEASE_TTL, WRITE_DEADLINE};
use globaldeploy_engine::outcome::RolloutStatus;
use globaldeploy_engine::ports::{millis, Approvals, JournalStore, RollbackRequest};

use globaldeploy_engine::testing::world::{block_on, holder};
use globaldeploy_engine::testing::{FakeClock, MemJournal};

use globaldeploy_adapters::testing::{create_bucket, put_object};

use crate::support::{settings, Moto};

const T0: u64 = 1_700_000_000_000;

/// A store under test, with what only some stores can do.
trait Subject {
    fn store(&self) -> &dyn JournalStore;
    fn approvals(&self) -> &dyn Approvals;
    /// Leaves half a line after the last one, as a crash mid-append does; `false` when the
    /// store cannot have torn lines.
    fn tear(&self, deployment: &str) -> bool;
    /// Makes an entry of `deployment`'s journal unreadable; returns what the load error must
    /// name to point at it (`None` when the store cannot have corrupt entries).
    fn corrupt(&self, deployment: &str) -> Option<String>;
}

struct Mem(MemJournal);

impl Subject for Mem {
    fn store(&self) -> &dyn JournalStore {
        &self.0
    }
    fn approvals(&self) -> &dyn Approvals {
        &self.0
    }
    fn tear(&self, _: &str) -> bool {
        false
    }
    fn corrupt(&self, _: &str) -> Option<String> {
        None
    }
}

/// The directory lives as long as the store.
struct File(#[allow(dead_code)] tempfile::TempDir, FileJournal);

impl File {
    fn new() -> File {
        let dir = tempfile::tempdir().unwrap();
        let store = FileJournal::new(dir.path());
        File(dir, store)
    }
}

impl Subject for File {
    fn store(&self) -> &dyn JournalStore {
        &self.1
    }
    fn approvals(&self) -> &dyn Approvals {
        &self.1
    }
    fn tear(&self, deployment: &str) -> bool {
        let path = self.1.journal_path(deployment).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(br#"{"kind":"step","group":0,"st"#);
        std::fs::write(&path, bytes).unwrap();
        true
    }
    fn corrupt(&self, deployment: &str) -> Option<String> {
        let path = self.1.journal_path(deployment).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("garbage\n{text}")).unwrap();
        Some("line 1".into())
    }
}

/// A bucket in a moto of its own (each test runs in its own process under nextest), the store
/// under a prefix in it.
struct S3 {
    moto: Moto,
    store: S3Journal,
}

const BUCKET: &str = "team-journal";
const PREFIX: &str = "globaldeploy/prod";

impl S3 {
    fn new() -> S3 {
        let moto = Moto::start();
        block_on(create_bucket(&moto.endpoint, BUCKET));
        let store = S3::client(&moto.endpoint);
        S3 { moto, store }
    }

    /// A client of the journal through `endpoint`, sharing nothing in memory with any other (a
    /// second machine of the team).
    fn client(endpoint: &str) -> S3Journal {
        S3Journal::new(S3Client::new(settings(endpoint)), BUCKET, PREFIX)
    }
}

impl Subject for S3 {
    fn store(&self) -> &dyn JournalStore {
        &self.store
    }
    fn approvals(&self) -> &dyn Approvals {
        &self.store
    }
    /// An object is written whole or not at all.
    fn tear(&self, _: &str) -> bool {
        false
    }
    /// An object no store wrote, at a later position, as a broken writer could leave.
    fn corrupt(&self, deployment: &str) -> Option<String> {
        let key = format!("{PREFIX}/{deployment}/journal/{:020}.json", 999);
        // Called from inside the suite's runtime: the put runs on a runtime of its own.
        std::thread::scope(|scope| {
            scope
                .spawn(|| block_on(put_object(&self.moto.endpoint, BUCKET, &key, b"garbage")))
                .join()
                .unwrap()
        });
        Some(key)
    }
}

fn promoted(group: usize) -> Entry {
    Entry::Promoted { group }
}

fn takeable_after(lease: &Lease) -> u64 {
    lease.expires_at + millis(WRITE_DEADLINE) + millis(CLOCK_SKEW)
}

async fn appends_load_back_in_order(s: &dyn Subject) {
    let store = s.store();
    assert!(store.load("api").await.unwrap().is_empty(), "no journal reads as empty");
    let lease = store.acquire_lease("api", &holder("a"), LEASE_TTL, T0).await.unwrap();
    for group in 0..5 {
        store.append(&lease, &promoted(group)).await.unwrap();
    }
    let outcome = Entry::Outcome {
        status: RolloutStatus::Succeeded,
    };
    store.append(&lease, &outcome).await.unwrap();
    let mut want: Vec<Entry> = (0..5).map(promoted).collect();
    want.push(outcome);
    assert_eq!(store.load("api").await.unwrap(), want);
}

async fn a_torn_tail_is_left_out_and_cut_off_by_the_next_append(s: &dyn Subject) {
    let store = s.store();
    let lease = store.acquire_lease("api", &holder("a"), LEASE_TTL, T0).await.unwrap();
    store.append(&lease, &promoted(0)).await.unwrap();
    if !s.tear("api") {
        return;
    }
    assert_eq!(store.load("api").await.unwrap(), vec![promoted(0)]);
    store.append(&lease, &promoted(1)).await.unwrap();
    assert_eq!(store.load("api").await.unwrap(), vec![promoted(0), promoted(1)]);
}

async fn a_corrupt_complete_line_is_an_error(s: &dyn Subject) {
    let store = s.store();
    let lease = store.acquire_lease("api", &holder("a"), LEASE_TTL, T0).await.unwrap();
    store.append(&lease, &promoted(0)).await.unwrap();
    let Some(needle) = s.corrupt("api") else {
        return;
    };
    let err = store.load("api").await.unwrap_err();
    assert!(err.to_string().contains(&needle), "{err}");
}

async fn leases_are_fenced_by_holder_and_generation(s: &dyn Subject) {
    let store = s.store();
    let (a, b, c) = (holder("a"), holder("b"), holder("c"));
    let first = store.acquire_lease("api", &a, LEASE_TTL, T0).await.unwrap();
    assert_eq!(first.expires_at, T0 + millis(LEASE_TTL));
    assert!(first.generation > 0);

    // A live lease is refused, naming its holder and when it can be taken over.
    match store.acquire_lease("api", &b, LEASE_TTL, T0 + 1_000).await {
        Err(JournalError::LeaseHeld {
            holder, takeable_at, ..
        }) => {
            assert_eq!(holder, a.to_string());
            assert_eq!(takeable_at, takeable_after(&first));
        }
        other => panic!("{other:?}"),
    }

    // Renewal by the holder moves the expiry, not the generation.
    let renewed = store.renew_lease(&first, LEASE_TTL, T0 + 20_000).await.unwrap();
    assert_eq!(
        (renewed.expires_at, renewed.generation),
        (T0 + 20_000 + millis(LEASE_TTL), first.generation)
    );
    store.append(&renewed, &promoted(0)).await.unwrap();

    // Expired but within the write deadline and the clock skew: still refused.
    let expired = renewed.expires_at;
    assert!(store.acquire_lease("api", &b, LEASE_TTL, expired).await.is_err());
    assert!(store
        .acquire_lease("api", &b, LEASE_TTL, takeable_after(&renewed) - 1)
        .await
        .is_err());

    // Then taken over, with a higher generation.
    let now = takeable_after(&renewed);
    let second = store.acquire_lease("api", &b, LEASE_TTL, now).await.unwrap();
    assert_eq!(second.holder, b);
    assert!(second.generation > renewed.generation);

    // The old holder is fenced out: its renewal and its append are refused, naming the new
    // holder, and nothing of it reaches the journal; its release leaves the new lease alone.
    for refused in [
        store.renew_lease(&renewed, LEASE_TTL, now + 1).await.map(drop),
        store.append(&renewed, &promoted(1)).await,
    ] {
        match refused {
            Err(JournalError::LeaseLost { taken_by, .. }) => assert_eq!(taken_by, b.to_string()),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(store.load("api").await.unwrap(), vec![promoted(0)]);
    store.release_lease(&renewed).await.unwrap();
    store.append(&second, &promoted(1)).await.unwrap();

    // A released lease is free at once, and generations keep increasing past it.
    store.release_lease(&second).await.unwrap();
    assert!(
        store.append(&second, &promoted(2)).await.is_err(),
        "released: no appends"
    );
    let third = store.acquire_lease("api", &c, LEASE_TTL, now + 2).await.unwrap();
    assert!(third.generation > second.generation);
    assert_eq!(store.load("api").await.unwrap(), vec![promoted(0), promoted(1)]);
}

async fn a_holder_whose_process_is_gone_is_taken_over_at_once(s: &dyn Subject) {
    let store = s.store();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = Holder {
        pid: child.id(),
        ..Holder::this_process("child")
    };
    child.wait().unwrap();
    let theirs = store.acquire_lease("api", &dead, LEASE_TTL, T0).await.unwrap();
    // `this_process` recorded our own start time; the child's pid is gone (or another process).
    let ours = store
        .acquire_lease("api", &Holder::this_process("resume"), LEASE_TTL, T0 + 1)
        .await
        .unwrap();
    assert!(ours.generation > theirs.generation);
    // A live process of this host is not "gone": its lease stands.
    let live = Holder {
        nonce: "live".into(),
        ..Holder::this_process("other")
    };
    assert!(matches!(
        store.acquire_lease("api", &live, LEASE_TTL, T0 + 2).await,
        Err(JournalError::LeaseHeld { .. })
    ));
}

async fn approvals_and_rollback_requests_are_found_per_rollout(s: &dyn Subject) {
    let approvals = s.approvals();
    assert_eq!(approvals.approval("api", "v2@1", "canary").await.unwrap(), None);
    assert_eq!(approvals.rollback_request("api", "v2@1").await.unwrap(), None);
    approvals.approve("api", "v2@1", "canary", "alice").await.unwrap();
    let request = |rollout_id: &str, by: &str| RollbackRequest {
        rollout_id: rollout_id.into(),
        by: by.into(),
        reason: "error budget spent".into(),
    };
    approvals
        .request_rollback("api", &request("v2@1", "bob"))
        .await
        .unwrap();
    approvals
        .request_rollback("api", &request("v2@1", "carol"))
        .await
        .unwrap();
    assert_eq!(
        approvals.approval("api", "v2@1", "canary").await.unwrap().as_deref(),
        Some("alice")
    );
    assert_eq!(approvals.approval("api", "v2@1", "rest").await.unwrap(), None);
    assert_eq!(approvals.approval("api", "v3@2", "canary").await.unwrap(), None);
    // The first request counts; one meant for another rollout never carries over.
    assert_eq!(
        approvals.rollback_request("api", "v2@1").await.unwrap(),
        Some(request("v2@1", "bob"))
    );
    assert_eq!(approvals.rollback_request("api", "v3@2").await.unwrap(), None);
    // Neither is a journal entry.
    assert_eq!(s.store().load("api").await.unwrap(), vec![]);
}

macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod mem {
            $(#[test]
            fn $test() {
                let subject = super::Mem(MemJournal::new(Arc::new(FakeClock::at(super::T0)), None));
                block_on(super::$test(&subject));
            })*
            use super::*;
        }
        mod file {
            $(#[test]
            fn $test() {
                block_on(super::$test(&super::File::new()));
            })*
            use super::*;
        }
        mod s3 {
            $(#[test]
            fn $test() {
                block_on(super::$test(&super::S3::new()));
            })*
            use super::*;
        }
    };
}

contract!(
    appends_load_back_in_order,
    a_torn_tail_is_left_out_and_cut_off_by_the_next_append,
    a_corrupt_complete_line_is_an_error,
    leases_are_fenced_by_holder_and_generation,
    a_holder_whose_process_is_gone_is_taken_over_at_once,
    approvals_and_rollback_requests_are_found_per_rollout,
);

/// The environment variable that makes [`second_process`] act (its value: the journal directory).
const SECOND_PROCESS: &str = "GLOBALDEPLOY_CONTRACT_SECOND_PROCESS";

/// Not a test of its own: the body of the other process of
/// [`file_acquirers_in_two_processes_never_both_win`], run by re-executing this test binary.
/// It waits for the start signal, tries to take the lease, and exits 0 if it got it, 3 if not.
#[test]
fn second_process() {
    let Ok(dir) = std::env::var(SECOND_PROCESS) else { return };
    let dir = std::path::PathBuf::from(dir);
    while !dir.join("go").exists() {
        std::thread::yield_now();
    }
    let store = FileJournal::new(&dir);
    let got = block_on(store.acquire_lease("api", &Holder::this_process("second"), LEASE_TTL, T0));
    std::process::exit(if got.is_ok() { 0 } else { 3 });
}

#[test]
fn file_acquirers_in_two_processes_never_both_win() {
    let exe = std::env::current_exe().unwrap();
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new(&exe)
            .args([
                "journal_contract::second_process",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(SECOND_PROCESS, dir.path())
            .spawn()
            .unwrap();
        let store = FileJournal::new(dir.path());
        // Both start together: the child spins on the signal while this process gives it.
        std::fs::write(dir.path().join("go"), "").unwrap();
        let ours = block_on(store.acquire_lease("api", &Holder::this_process("first"), LEASE_TTL, T0));
        let theirs = child.wait_with_output().unwrap().status.code();
        match (&ours, theirs) {
            (Ok(_), Some(3)) | (Err(JournalError::LeaseHeld { .. }), Some(0)) => {}
            other => panic!("round {round}: exactly one acquirer must win, got {other:?}"),
        }
        let lease: Lease =
            serde_json::from_str(&std::fs::read_to_string(store.lease_path("api").unwrap()).unwrap()).unwrap();
        assert_eq!(lease.generation, 1, "round {round}: one acquisition");
    }
}

#[test]
fn the_lease_held_message_gives_a_time_and_a_countdown() {
    let store = MemJournal::new(Arc::new(FakeClock::at(T0)), None);
    let holder = Holder {
        name: "terraform-provider-globaldeploy".into(),
        host: "ci-runner-7".into(),
        pid: 7,
        nonce: "3f9a2c1d5e6b7a80".into(),
        process: None,
    };
    let err = block_on(async {
        store.acquire_lease("api", &holder, LEASE_TTL, T0).await.unwrap();
        store
            .acquire_lease(
                "api",
                &globaldeploy_engine::testing::world::holder("cli"),
                LEASE_TTL,
                T0 + 12_500,
            )
            .await
            .unwrap_err()
    });
    insta::assert_snapshot!("lease_held_message", err.to_string());
}
