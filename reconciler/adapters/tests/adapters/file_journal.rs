//! The `file://DIR` store: durable appends, torn last lines and approvals (its lease is held to
//! the contract every store meets: `journal_contract`).

use std::fs;

use globaldeploy_adapters::file_journal::FileJournal;
use globaldeploy_engine::journal::entry::{Entry, Intent};
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::journal::lease::LEASE_TTL;
use globaldeploy_engine::journal::replay;
use globaldeploy_engine::model::{OnFailure, Prior, Serving, Slot, Weights};
use globaldeploy_engine::outcome::RolloutStatus;
use globaldeploy_engine::ports::{Approvals, JournalStore};

use globaldeploy_engine::testing::world::{block_on, holder, three_regions};

fn intent() -> Entry {
    let spec = three_regions(OnFailure::RollbackAll);
    let prior = spec
        .regions
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                Prior {
                    serving: Some(Serving {
                        slot: Slot::Blue,
                        version: "v1".into(),
                        target: Some(r.target.clone()),
                        idle: None,
                    }),
                    weights: Weights { blue: 100, green: 0 },
                },
            )
        })
        .collect();
    Entry::Intent(Intent {
        rollout_id: "v2@1".into(),
        started_at: 1,
        spec,
        prior,
    })
}

#[test]
fn appends_are_durable_and_replay_after_a_torn_last_line() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileJournal::new(tmp.path().join("nested/.globaldeploy"));
    block_on(async {
        assert!(store.load("api").await.unwrap().is_empty());
        let lease = store.acquire_lease("api", &holder("a"), LEASE_TTL, 1).await.unwrap();
        store.append(&lease, &intent()).await.unwrap();
        store
            .append(
                &lease,
                &Entry::GroupStarted {
                    group: 0,
                    wave: "canary".into(),
                },
            )
            .await
            .unwrap();
        let path = store.journal_path("api").unwrap();
        assert!(fs::read_to_string(&path).unwrap().ends_with('\n'));

        // A crash mid-write: half a line, no newline.
        let mut bytes = fs::read(&path).unwrap();
        bytes.extend_from_slice(br#"{"kind":"step","group":0,"st"#);
        fs::write(&path, &bytes).unwrap();
        let entries = store.load("api").await.unwrap();
        assert_eq!(entries.len(), 2, "the torn line is ignored");
        let state = replay(&entries).unwrap().unwrap();
        assert_eq!(state.rollout_id, "v2@1");

        // The next append cuts the torn tail off first.
        store
            .append(
                &lease,
                &Entry::Outcome {
                    status: RolloutStatus::RolledBack,
                },
            )
            .await
            .unwrap();
        let entries = store.load("api").await.unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(
            replay(&entries).unwrap().unwrap().status,
            Some(RolloutStatus::RolledBack)
        );

        // A bad line that is not the last is corruption, named by line.
        let mut text = fs::read_to_string(&path).unwrap();
        text.insert_str(0, "garbage\n");
        fs::write(&path, text).unwrap();
        let err = store.load("api").await.unwrap_err();
        assert!(matches!(err, JournalError::CorruptEntry { line: 1, .. }), "{err}");
    });
}

#[test]
fn a_tear_inside_a_multi_byte_character_is_tolerated_by_load_and_cut_by_the_next_append() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileJournal::new(tmp.path());
    let rollback = Entry::Rollback {
        weights: [("us-west-2".to_owned(), Weights { blue: 100, green: 0 })].into(),
        reason: "gate failed in café région".into(),
    };
    block_on(async {
        let lease = store.acquire_lease("api", &holder("a"), LEASE_TTL, 1).await.unwrap();
        store.append(&lease, &intent()).await.unwrap();
        let path = store.journal_path("api").unwrap();
        let complete = fs::read(&path).unwrap();
        // The crash kept the line up to the first byte of the two-byte "é".
        let mut torn = complete.clone();
        let line = serde_json::to_vec(&rollback).unwrap();
        let cut = line.windows(2).position(|w| w == "é".as_bytes()).unwrap() + 1;
        torn.extend_from_slice(&line[..cut]);
        fs::write(&path, &torn).unwrap();

        assert_eq!(store.load("api").await.unwrap(), vec![intent()]);
        assert_eq!(store.load_recorded("api").await.unwrap().len(), 1);
        store.append(&lease, &rollback).await.unwrap();
        let bytes = fs::read(&path).unwrap();
        assert!(
            bytes.starts_with(&complete) && bytes.ends_with(b"\n"),
            "the torn bytes were cut off"
        );
        assert_eq!(store.load("api").await.unwrap(), vec![intent(), rollback]);
    });
}

#[test]
fn a_corrupt_line_is_named_by_the_line_an_editor_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileJournal::new(tmp.path());
    block_on(async {
        let lease = store.acquire_lease("api", &holder("a"), LEASE_TTL, 1).await.unwrap();
        store.append(&lease, &intent()).await.unwrap();
        let path = store.journal_path("api").unwrap();
        let mut bytes = fs::read(&path).unwrap();
        // A blank line, then a complete line that is not text.
        bytes.extend_from_slice(b"\n{\"kind\":\"promoted\",\"group\":\"\xff\"}\n");
        fs::write(&path, &bytes).unwrap();
        let err = store.load("api").await.unwrap_err();
        assert!(matches!(err, JournalError::CorruptEntry { line: 3, .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "journal {}, line 3: not a valid entry: not UTF-8 text",
                path.display()
            )),
            "{text}"
        );
        assert!(text.contains("`globaldeploy journal verify api`"), "{text}");
        assert!(path.is_absolute());
    });
}

#[test]
fn a_relative_store_names_absolute_files() {
    let store = FileJournal::new(".globaldeploy");
    assert_eq!(
        store.journal_path("api").unwrap(),
        std::env::current_dir().unwrap().join(".globaldeploy/api.journal.jsonl")
    );
}

#[test]
fn approvals_are_scoped_to_rollout_and_wave_and_names_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileJournal::new(tmp.path());
    block_on(async {
        assert_eq!(store.approval("api", "v2@1", "rest").await.unwrap(), None);
        store.approve("api", "v2@1", "rest", "alice").await.unwrap();
        assert_eq!(
            store.approval("api", "v2@1", "rest").await.unwrap().as_deref(),
            Some("alice")
        );
        assert_eq!(store.approval("api", "v3@9", "rest").await.unwrap(), None);
        assert!(matches!(
            store.load("../etc").await,
            Err(JournalError::InvalidName { .. })
        ));
    });
}
