//! The `file://DIR` journal store: one JSON-lines file per deployment, a lease file beside it,
//! an approvals file that `globaldeploy approve` appends to, and a rollback-requests file that
//! `globaldeploy rollback` appends to while another process drives the rollout.
//!
//! Each line is an entry stamped with when it was appended ([`globaldeploy_engine::journal::record`]).
//!
//! Durability: every append is fsynced (file, and the directory when the append created the
//! file, since a new directory entry is only durable once the directory is) before it returns.
//! A crash mid-append leaves a last line without its newline, possibly inside a multi-byte
//! character; loading ignores it (it was never acknowledged) and the next append cuts it off
//! before writing ([`globaldeploy_engine::journal::lines`] says which bytes are complete lines). A complete
//! line that is not an entry is an error naming the file and the line, never "no rollout".
//! The lease file holds the current (or last) lease of a deployment with its generation. Every
//! lease operation and every append first takes an exclusive lock on `NAME.lock` (an OS file
//! lock, released when the process dies), then checks the lease and acts under the lock: two
//! acquirers can never both succeed, and an append or renewal from a holder whose lease was
//! taken over is refused. A lease is replaced atomically (a private, fsynced file renamed over
//! it) and is kept, marked released, when its holder gives it up, so generations only increase.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clock::WallClock;
use globaldeploy_engine::journal::entry::Entry;
use globaldeploy_engine::journal::error::JournalError;
use globaldeploy_engine::journal::lease::{check_held, Holder, Lease};
use globaldeploy_engine::journal::lines;
use globaldeploy_engine::journal::record::{Recorded, Stamped};
use globaldeploy_engine::ports::millis;
use globaldeploy_engine::ports::{Approvals, Clock, JournalStore, RollbackRequest};

/// What a deployment's journal file name ends with (`{deployment}.journal.jsonl`).
const JOURNAL_SUFFIX: &str = ".journal.jsonl";

/// A journal directory.
#[derive(Clone, Debug)]
pub struct FileJournal {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct ApprovalRecord {
    rollout_id: String,
    wave: String,
    by: String,
}

impl FileJournal {
    /// A store in `dir` (created on first write). A relative `dir` is made absolute against the
    /// current directory now, so every message names the file that was (or was not) there.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Self {
            dir: std::path::absolute(&dir).unwrap_or(dir),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The journal file of `deployment`.
    pub fn journal_path(&self, deployment: &str) -> Result<PathBuf, JournalError> {
        Ok(self.dir.join(format!("{}{JOURNAL_SUFFIX}", checked(deployment)?)))
    }

    /// The deployments with a journal in this store, sorted by name (none while the directory
    /// does not exist).
    pub fn deployments(&self) -> Result<Vec<String>, JournalError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(io(&self.dir)(source)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let file = entry.map_err(io(&self.dir))?.file_name();
            if let Some(name) = file.to_string_lossy().strip_suffix(JOURNAL_SUFFIX) {
                names.push(name.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Every line of `deployment`'s journal with when it was recorded, oldest first (what
    /// [`JournalStore::load`] returns, stamped).
    pub async fn load_recorded(&self, deployment: &str) -> Result<Vec<Recorded>, JournalError> {
        let path = self.journal_path(deployment)?;
        let deployment = deployment.to_owned();
        blocking(path.clone(), move || parse_entries(&path, &deployment)).await
    }

    /// The raw bytes of `deployment`'s journal, or `None` when it does not exist (what
    /// `globaldeploy journal verify|repair` inspect line by line).
    pub async fn read_raw(&self, deployment: &str) -> Result<Option<Vec<u8>>, JournalError> {
        let path = self.journal_path(deployment)?;
        blocking(path.clone(), move || read_bytes(&path)).await
    }

    /// Replaces `deployment`'s journal with `content` (what `globaldeploy journal repair`
    /// writes, holding the lease), first copying the current file to a backup beside it, named
    /// after when it was taken. Returns the backup's path. Both files are fsynced and the
    /// replacement is a rename, so a crash leaves either journal whole.
    pub async fn rewrite(&self, deployment: &str, content: Vec<u8>) -> Result<PathBuf, JournalError> {
        let path = self.journal_path(deployment)?;
        let stamp = WallClock.now_millis();
        blocking(path.clone(), move || {
            let dir = path.parent().unwrap_or(Path::new("."));
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let backup = dir.join(format!("{name}.{stamp}.bak"));
            let fresh = dir.join(format!(".{name}.repair.{}", std::process::id()));
            fs::copy(&path, &backup)
                .and_then(|_| File::open(&backup)?.sync_all())
                .map_err(io(&backup))?;
            let mut file = File::create(&fresh).map_err(io(&fresh))?;
            file.write_all(&content)
                .and_then(|()| file.sync_all())
                .map_err(io(&fresh))?;
            fs::rename(&fresh, &path).map_err(io(&path))?;
            sync_dir(dir)?;
            Ok(backup)
        })
        .await
    }

    /// The lease file of `deployment`.
    pub fn lease_path(&self, deployment: &str) -> Result<PathBuf, JournalError> {
        Ok(self.dir.join(format!("{}.lease", checked(deployment)?)))
    }

    /// The lock file of `deployment`'s lease and journal (never removed: it only carries the
    /// lock).
    pub fn lock_path(&self, deployment: &str) -> Result<PathBuf, JournalError> {
        Ok(self.dir.join(format!("{}.lock", checked(deployment)?)))
    }

    fn approvals_path(&self, deployment: &str) -> Result<PathBuf, JournalError> {
        Ok(self.dir.join(format!("{}.approvals.jsonl", checked(deployment)?)))
    }

    fn rollback_requests_path(&self, deployment: &str) -> Result<PathBuf, JournalError> {
        Ok(self
            .dir
            .join(format!("{}.rollback-requests.jsonl", checked(deployment)?)))
    }
}

/// Deployment names become file names (and S3 key segments): refuse anything that could leave
/// the directory.
pub(crate) fn checked(name: &str) -> Result<&str, JournalError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(name)
    } else {
        Err(JournalError::InvalidName { name: name.to_owned() })
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Runs blocking file work off the async runtime's worker threads.
async fn blocking<T: Send + 'static>(
    path: PathBuf,
    work: impl FnOnce() -> Result<T, JournalError> + Send + 'static,
) -> Result<T, JournalError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| JournalError::Io {
        path,
        source: std::io::Error::other(e),
    })?
}

fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// Appends `line` + newline durably, first cutting off a torn last line.
fn append_line(path: &Path, line: &str) -> Result<(), JournalError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io(dir))?;
    let created = !path.exists();
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(io(path))?;
    let content = fs::read(path).map_err(io(path))?;
    let split = lines::split(&content);
    if split.torn.is_some() {
        file.set_len(u64::try_from(split.complete_len).unwrap_or(u64::MAX))
            .map_err(io(path))?;
    }
    let mut bytes = line.as_bytes().to_vec();
    bytes.push(b'\n');
    file.write_all(&bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))?;
    if created {
        sync_dir(dir)?;
    }
    Ok(())
}

/// The bytes of `path`, `None` when it does not exist.
fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, JournalError> {
    match fs::read(path) {
        Ok(content) => Ok(Some(content)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
}

/// The complete lines of the approvals or requests file `path` (a torn last line is left out).
fn parse_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, JournalError> {
    lines::parse_all(&read_bytes(path)?.unwrap_or_default()).map_err(|bad| JournalError::Corrupt {
        path: path.to_owned(),
        line: bad.number,
        message: bad.message,
    })
}

/// The complete lines of `deployment`'s journal `path` (a torn last line is left out).
fn parse_entries<T: for<'de> Deserialize<'de>>(path: &Path, deployment: &str) -> Result<Vec<T>, JournalError> {
    lines::parse_all(&read_bytes(path)?.unwrap_or_default()).map_err(|bad| JournalError::CorruptEntry {
        path: path.to_owned(),
        line: bad.number,
        deployment: deployment.to_owned(),
        message: bad.message,
    })
}

fn read_lease(path: &Path) -> Result<Option<Lease>, JournalError> {
    match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| JournalError::Corrupt {
                path: path.to_owned(),
                line: 1,
                message: e.to_string(),
            }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
}

/// Holds the exclusive lock of `deployment`'s lease until dropped: every lease operation and
/// every append runs under it, so checking the lease and acting on it are one atomic step
/// across processes.
struct LeaseLock(File);

impl LeaseLock {
    fn take(path: &Path) -> Result<LeaseLock, JournalError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(io(dir))?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(io(path))?;
        file.lock().map_err(io(path))?;
        Ok(LeaseLock(file))
    }
}

impl Drop for LeaseLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first only makes it prompt.
        let _ = self.0.unlock();
    }
}

/// Atomically replaces the lease file with `lease` (a private, fsynced file renamed over it).
fn write_lease(path: &Path, lease: &Lease) -> Result<(), JournalError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let private = path.with_file_name(format!(".{name}.{}.{}", lease.holder.nonce, lease.holder.pid));
    let json = serde_json::to_string(lease)
        .map_err(std::io::Error::other)
        .map_err(io(path))?;
    let mut file = File::create(&private).map_err(io(&private))?;
    file.write_all(json.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io(&private))?;
    fs::rename(&private, path).map_err(io(path))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// The stored lease checked against `lease` ([`check_held`]).
fn check_held_at(path: &Path, lease: &Lease) -> Result<(), JournalError> {
    check_held(read_lease(path)?.as_ref(), lease)
}

#[async_trait]
impl JournalStore for FileJournal {
    async fn append(&self, lease: &Lease, entry: &Entry) -> Result<(), JournalError> {
        let path = self.journal_path(&lease.deployment)?;
        let (lock, lease_path) = (self.lock_path(&lease.deployment)?, self.lease_path(&lease.deployment)?);
        let stamped = Stamped {
            entry,
            at: WallClock.now_millis(),
        };
        let line = serde_json::to_string(&stamped)
            .map_err(std::io::Error::other)
            .map_err(io(&path))?;
        let lease = lease.clone();
        blocking(path.clone(), move || {
            let _lock = LeaseLock::take(&lock)?;
            check_held_at(&lease_path, &lease)?;
            append_line(&path, &line)
        })
        .await
    }

    async fn load(&self, deployment: &str) -> Result<Vec<Entry>, JournalError> {
        let path = self.journal_path(deployment)?;
        let deployment = deployment.to_owned();
        blocking(path.clone(), move || parse_entries(&path, &deployment)).await
    }

    async fn acquire_lease(
        &self,
        deployment: &str,
        holder: &Holder,
        ttl: Duration,
        now_millis: u64,
    ) -> Result<Lease, JournalError> {
        let (path, lock) = (self.lease_path(deployment)?, self.lock_path(deployment)?);
        let (deployment, holder) = (deployment.to_owned(), holder.clone());
        blocking(path.clone(), move || {
            let _lock = LeaseLock::take(&lock)?;
            let current = read_lease(&path)?;
            if let Some(current) = current.as_ref().filter(|c| !c.takeable(&holder, now_millis)) {
                return Err(JournalError::LeaseHeld {
                    deployment,
                    holder: current.holder.to_string(),
                    takeable_at: current.takeable_at(),
                    now: now_millis,
                });
            }
            let lease = Lease {
                deployment,
                holder,
                generation: current.map_or(0, |c| c.generation) + 1,
                expires_at: now_millis + millis(ttl),
                released: false,
            };
            write_lease(&path, &lease)?;
            Ok(lease)
        })
        .await
    }

    async fn renew_lease(&self, lease: &Lease, ttl: Duration, now_millis: u64) -> Result<Lease, JournalError> {
        let (path, lock) = (self.lease_path(&lease.deployment)?, self.lock_path(&lease.deployment)?);
        let renewed = Lease {
            expires_at: now_millis + millis(ttl),
            ..lease.clone()
        };
        blocking(path.clone(), move || {
            let _lock = LeaseLock::take(&lock)?;
            check_held_at(&path, &renewed)?;
            write_lease(&path, &renewed)?;
            Ok(renewed)
        })
        .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), JournalError> {
        let (path, lock) = (self.lease_path(&lease.deployment)?, self.lock_path(&lease.deployment)?);
        let released = Lease {
            released: true,
            ..lease.clone()
        };
        blocking(path.clone(), move || {
            let _lock = LeaseLock::take(&lock)?;
            match check_held_at(&path, &released) {
                Ok(()) => write_lease(&path, &released),
                // Lost meanwhile: the new holder's lease stands.
                Err(JournalError::LeaseLost { .. }) => Ok(()),
                Err(other) => Err(other),
            }
        })
        .await
    }
}

#[async_trait]
impl Approvals for FileJournal {
    async fn approve(&self, deployment: &str, rollout_id: &str, wave: &str, by: &str) -> Result<(), JournalError> {
        let record = ApprovalRecord {
            rollout_id: rollout_id.to_owned(),
            wave: wave.to_owned(),
            by: by.to_owned(),
        };
        append_record(self.approvals_path(deployment)?, &record).await
    }

    async fn approval(&self, deployment: &str, rollout_id: &str, wave: &str) -> Result<Option<String>, JournalError> {
        let path = self.approvals_path(deployment)?;
        let (rollout_id, wave) = (rollout_id.to_owned(), wave.to_owned());
        blocking(path.clone(), move || {
            let records: Vec<ApprovalRecord> = parse_lines(&path)?;
            Ok(records
                .into_iter()
                .find(|r| r.rollout_id == rollout_id && r.wave == wave)
                .map(|r| r.by))
        })
        .await
    }

    async fn request_rollback(&self, deployment: &str, request: &RollbackRequest) -> Result<(), JournalError> {
        append_record(self.rollback_requests_path(deployment)?, request).await
    }

    async fn rollback_request(
        &self,
        deployment: &str,
        rollout_id: &str,
    ) -> Result<Option<RollbackRequest>, JournalError> {
        let path = self.rollback_requests_path(deployment)?;
        let rollout_id = rollout_id.to_owned();
        blocking(path.clone(), move || {
            let requests: Vec<RollbackRequest> = parse_lines(&path)?;
            Ok(requests.into_iter().find(|r| r.rollout_id == rollout_id))
        })
        .await
    }
}

/// Appends `record` as one JSON line to the approvals or requests file `path`.
async fn append_record(path: PathBuf, record: &impl Serialize) -> Result<(), JournalError> {
    let line = serde_json::to_string(record)
        .map_err(std::io::Error::other)
        .map_err(io(&path))?;
    blocking(path.clone(), move || append_line(&path, &line)).await
}
