//! Journals that cannot be read, as every reading command meets them: a corrupt complete line
//! is an error naming the file and the line (and nothing is written), a torn last line inside a
//! multi-byte character still reads, a missing journal names the absolute path it expected, and
//! `journal verify|repair` report and repair what can be repaired safely.

use std::path::Path;
use std::process::Command;

use crate::{globaldeploy, stdout_of};

/// A recorded journal of three rollouts of `api` (v1, v2, then v3 rolled back), one entry a line.
fn recorded_lines() -> Vec<String> {
    globaldeploy_engine::testing::RECORDED_JOURNAL
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A journal directory holding `content` as `api`'s journal, and its `file://` URL.
fn journal_of(content: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.journal.jsonl"), content).unwrap();
    let url = format!("file://{}", dir.path().display());
    (dir, url)
}

/// The recorded journal with line `number` (1-based) replaced by `line`.
fn with_line(number: usize, line: &str) -> Vec<u8> {
    let mut lines = recorded_lines();
    lines[number - 1] = line.to_owned();
    lines.iter().flat_map(|l| format!("{l}\n").into_bytes()).collect()
}

fn stderr(out: &std::process::Output, dir: &Path) -> String {
    String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "[DIR]")
}

fn stdout(out: &std::process::Output, dir: &Path) -> String {
    String::from_utf8_lossy(&out.stdout).replace(&dir.display().to_string(), "[DIR]")
}

/// Line 35 is a step of the latest rollout (v3), cut short but terminated.
const CORRUPT_STEP: &str = r#"{"kind":"step","group":1,"st"#;

#[test]
fn a_corrupt_line_is_an_error_naming_file_and_line_and_nothing_is_written() {
    let content = with_line(35, CORRUPT_STEP);
    let (dir, url) = journal_of(&content);
    let aws = [
        "--route53-endpoint",
        "http://127.0.0.1:9",
        "--skip-credentials-validation",
    ];
    let commands: Vec<Vec<&str>> = vec![
        vec!["status", "api", "--journal", &url],
        vec!["status", "--journal", &url],
        vec!["timeline", "api", "--journal", &url],
        vec!["approve", "api", "--journal", &url],
        [&["rollback", "api", "--journal", &url][..], &aws[..]].concat(),
        [&["resume", "api", "--journal", &url][..], &aws[..]].concat(),
        [&["resume", "--journal", &url][..], &aws[..]].concat(),
    ];
    for args in &commands {
        let out = globaldeploy(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let text = stderr(&out, dir.path());
        assert!(
            text.contains("journal [DIR]/api.journal.jsonl, line 35: not a valid entry"),
            "{args:?}: {text}"
        );
    }
    insta::assert_snapshot!(
        "status_of_a_corrupt_journal",
        stderr(&globaldeploy(&commands[0]), dir.path())
    );
    // No command wrote anything: same journal, no lease or approvals file.
    assert_eq!(std::fs::read(dir.path().join("api.journal.jsonl")).unwrap(), content);
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["api.journal.jsonl"]);
}

#[test]
fn an_unreadable_journal_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be: reading it fails as a permission error would
    // (the tests may run as root, which permissions do not stop).
    std::fs::create_dir(dir.path().join("api.journal.jsonl")).unwrap();
    let url = format!("file://{}", dir.path().display());
    let out = globaldeploy(&["status", "api", "--journal", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out, dir.path()).starts_with("error: journal [DIR]/api.journal.jsonl: Is a directory"),
        "{out:?}"
    );
}

#[test]
fn a_torn_last_line_inside_a_multi_byte_character_is_ignored() {
    let mut content = with_line(1, &recorded_lines()[0]);
    // A crash while appending a rollback whose reason has an "é": only its first byte landed.
    content.extend_from_slice(b"{\"kind\":\"rollback\",\"reason\":\"caf\xc3");
    let (dir, url) = journal_of(&content);
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&["status", "api", "--journal", &url, "--output", "json"])).unwrap();
    assert_eq!(json["rollout_id"], "v3@1795466887776");
    assert_eq!(json["status"], "rolled_back");
    let out = globaldeploy(&["journal", "verify", "api", "--journal", &url]);
    assert_eq!(out.status.code(), Some(0), "a torn tail alone is not an error: {out:?}");
    insta::assert_snapshot!("verify_a_torn_tail", stdout(&out, dir.path()));
}

#[test]
fn a_missing_journal_names_the_absolute_path_it_expected_and_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    // The default journal, file://.globaldeploy, read from a directory that has none.
    let out = Command::new(env!("CARGO_BIN_EXE_globaldeploy"))
        .args(["status", "api"])
        .current_dir(dir.path())
        .env_remove("GLOBALDEPLOY_JOURNAL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let dir = dir.path().canonicalize().unwrap();
    insta::assert_snapshot!("status_without_a_journal", stderr(&out, &dir));
}

#[test]
fn verify_reports_every_bad_line_and_repair_drops_only_history() {
    // Line 5 is a step of the first rollout (v1), line 20 one of the second: both history.
    let mut content = with_line(5, "garbage");
    let mut lines: Vec<&[u8]> = content.split_inclusive(|&b| b == b'\n').collect();
    lines[19] = b"{\"kind\":\"step\",\"reason\":\"\xff\"}\n";
    content = lines.concat();
    content.extend_from_slice(br#"{"kind":"st"#);
    let (dir, url) = journal_of(&content);
    let journal = dir.path().join("api.journal.jsonl");

    let out = globaldeploy(&["journal", "verify", "api", "--journal", &url]);
    assert_eq!(out.status.code(), Some(1), "bad lines fail verify: {out:?}");
    insta::assert_snapshot!("verify_bad_history", stdout(&out, dir.path()));
    let json: serde_json::Value = serde_json::from_slice(
        &globaldeploy(&["journal", "verify", "api", "--journal", &url, "--output", "json"]).stdout,
    )
    .unwrap();
    let bad: Vec<_> = json["bad_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["number"].clone())
        .collect();
    assert_eq!(bad, [5, 20]);
    assert_eq!(json["repair"]["action"], "rewrite");

    let out = globaldeploy(&["journal", "repair", "api", "--journal", &url]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = stdout(&out, dir.path());
    let backup = report
        .lines()
        .find_map(|l| l.strip_prefix("backup of the journal as it was: [DIR]/"))
        .expect("the backup is named")
        .to_owned();
    assert_eq!(
        std::fs::read(dir.path().join(&backup)).unwrap(),
        content,
        "the backup is the old journal"
    );
    insta::assert_snapshot!("repair_bad_history", report.replace(&backup, "[BACKUP]"));

    let mut expected = recorded_lines();
    expected.remove(19);
    expected.remove(4);
    let expected: String = expected.iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), expected);
    let out = globaldeploy(&["journal", "verify", "api", "--journal", &url]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&["status", "api", "--journal", &url, "--output", "json"])).unwrap();
    assert_eq!(json["status"], "rolled_back");
    assert_eq!(
        stdout(
            &globaldeploy(&["journal", "repair", "api", "--journal", &url]),
            dir.path()
        ),
        "journal [DIR]/api.journal.jsonl: nothing to repair\n"
    );
}

#[test]
fn repair_refuses_a_corrupt_line_of_the_latest_rollout_and_writes_nothing() {
    let content = with_line(35, CORRUPT_STEP);
    let (dir, url) = journal_of(&content);
    let out = globaldeploy(&["journal", "verify", "api", "--journal", &url]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("verify_bad_latest_rollout", stdout(&out, dir.path()));
    let out = globaldeploy(&["journal", "repair", "api", "--journal", &url]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("repair_refused", stderr(&out, dir.path()));
    assert_eq!(std::fs::read(dir.path().join("api.journal.jsonl")).unwrap(), content);
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    // The lease stays on file, released (its generation must keep increasing).
    assert_eq!(files, ["api.journal.jsonl", "api.lease", "api.lock"], "no backup");
    let lease: globaldeploy_engine::journal::lease::Lease =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("api.lease")).unwrap()).unwrap();
    assert!(lease.released, "no lease left held");
}
