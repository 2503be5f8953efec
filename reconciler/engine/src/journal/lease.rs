//! The lease: one rollout per deployment at a time, and the fencing that makes a lost lease
//! harmless. This module owns the lease's vocabulary (who holds it, its generation, when it
//! can be taken over) and the timing rules every store and the driver follow; the stores (the
//! adapters crate's file and S3 stores, the test kit's `MemJournal`) enforce them atomically,
//! each checking with [`check_held`], and the driver ([`crate::heartbeat`]) keeps a held lease
//! alive.
//!
//! # Timing
//!
//! | constant | value | what |
//! |---|---|---|
//! | [`LEASE_TTL`] (T) | 30 s | how long a renewal keeps the lease |
//! | [`HEARTBEAT`] (H) | 10 s | how often the holder renews, while any action runs |
//! | [`WRITE_DEADLINE`] (W) | 10 s | the longest one traffic write attempt stays in flight |
//! | [`CLOCK_SKEW`] (S) | 5 s | how far apart two hosts' wall clocks may be |
//!
//! How they relate:
//! - the holder measures its lease on its monotonic clock from the moment it *asked* for the
//!   renewal, so it never believes in more lease than the store granted;
//! - a write attempt is sent only while the lease has more than W left, and is abandoned after
//!   W, so every write of a holder has ended before its lease does;
//! - H + W < T: with the heartbeat renewing on time there is always more than W left, so a
//!   healthy holder is never held up; two missed heartbeats stop its writes;
//! - another holder may take an expired lease over only W + S after its expiry by its own wall
//!   clock: that waits out the longest write the old holder may still have in flight, on a
//!   clock that may be S behind the holder's. Each take-over increases the lease's
//!   **generation** (its fencing token); stores refuse appends and renewals from an older
//!   generation, and the old holder's heartbeat learns of the take-over and stops every write;
//! - on one host, a holder whose process is gone (pid and process start time, so a reused pid
//!   does not count as alive) is taken over at once; across hosts, expiry is judged on wall
//!   clocks and tolerates S of skew. Holds and bakes never use the wall clock (see
//!   [`crate::ports::Clock::monotonic_millis`]), so a clock jump shortens neither.

use std::fmt;
use std::fs;
use std::sync::OnceLock;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::journal::error::JournalError;
use crate::ports::millis;

/// How long a renewal keeps the lease (T).
pub const LEASE_TTL: Duration = Duration::from_secs(30);
/// How often the holder renews its lease while it runs (H).
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// The longest one traffic write attempt may stay in flight (W): the attempt is abandoned after
/// it, and it is sent only while the lease has more than this left.
pub const WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// How far apart the wall clocks of two hosts sharing a journal may be (S).
pub const CLOCK_SKEW: Duration = Duration::from_secs(5);

// A heartbeat on time must always leave room for a write.
const _: () = assert!(HEARTBEAT.as_millis() + WRITE_DEADLINE.as_millis() < LEASE_TTL.as_millis());

/// Who holds a lease: a program on a host, told apart from every other process by its pid and
/// a random nonce (two containers sharing a journal volume may both run pid 7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The program, e.g. `terraform-provider-globaldeploy` or `globaldeploy rollback`.
    pub name: String,
    /// Host name.
    pub host: String,
    /// Process id on that host.
    pub pid: u32,
    /// Random, per process.
    pub nonce: String,
    /// What lets a process on the same machine tell whether this one still runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<ProcessId>,
}

/// A process as the kernel knows it: which boot and pid namespace its pid belongs to, and when
/// the process started (so a pid reused by a later process is not mistaken for it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    /// `/proc/sys/kernel/random/boot_id`.
    pub boot_id: String,
    /// `/proc/self/ns/pid`, e.g. `pid:[4026531836]`.
    pub pid_namespace: String,
    /// Field 22 of `/proc/PID/stat`: clock ticks after boot at which the process started.
    pub start_ticks: u64,
}

impl Holder {
    /// This process as a lease holder, running as `name`. The one place holder identities are
    /// made: the nonce is drawn once per process.
    pub fn this_process(name: &str) -> Holder {
        static NONCE: OnceLock<String> = OnceLock::new();
        let nonce = NONCE.get_or_init(|| format!("{:016x}", rand::random::<u64>()));
        let pid = std::process::id();
        Holder {
            name: name.to_owned(),
            host: host_name(),
            pid,
            nonce: nonce.clone(),
            process: process_id(&pid.to_string()),
        }
    }

    /// Whether this holder is certainly no longer running: it ran on this machine, in this boot
    /// and pid namespace, and its pid is gone, now belongs to a process started at another time,
    /// or is a zombie (it has exited and only waits to be reaped — which never happens where
    /// PID 1 does not reap orphans, as in many containers and CI runners). Holders elsewhere are
    /// never judged gone (only their lease's expiry counts).
    pub fn process_gone(&self) -> bool {
        let Some(theirs) = &self.process else { return false };
        let Some(ours) = process_id("self") else { return false };
        if self.host != host_name() || theirs.boot_id != ours.boot_id || theirs.pid_namespace != ours.pid_namespace {
            return false;
        }
        match process_stat(&self.pid.to_string()) {
            Some(stat) => stat.start_ticks != theirs.start_ticks || stat.exited,
            None => true,
        }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {} (pid {}, {})", self.name, self.host, self.pid, self.nonce)
    }
}

/// The host name, from the kernel (no libc call, `unsafe` being forbidden).
fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".to_owned())
}

/// `pid` (`self` or a number) as a [`ProcessId`], when /proc tells.
fn process_id(pid: &str) -> Option<ProcessId> {
    Some(ProcessId {
        boot_id: fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()?
            .trim()
            .to_owned(),
        pid_namespace: fs::read_link("/proc/self/ns/pid").ok()?.to_string_lossy().into_owned(),
        start_ticks: process_stat(pid)?.start_ticks,
    })
}

/// What `/proc/PID/stat` says of a process.
struct ProcessStat {
    /// Field 22 (`starttime`): clock ticks after boot at which it started.
    start_ticks: u64,
    /// Field 3 (`state`) is `Z` (zombie) or `X` (dead): it has exited.
    exited: bool,
}

/// `/proc/PID/stat` of `pid` (`self` or a number). The command name (field 2) is in parentheses
/// and may itself hold spaces and parentheses, so fields are counted after its last `)`.
fn process_stat(pid: &str) -> Option<ProcessStat> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?;
    Some(ProcessStat {
        exited: matches!(state, "Z" | "X"),
        start_ticks: fields.nth(18)?.parse().ok()?,
    })
}

/// A lease of one deployment, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Deployment name.
    pub deployment: String,
    /// Who holds (or last held) it.
    pub holder: Holder,
    /// The fencing token: increases on every acquisition, so a holder that lost the lease can
    /// be told from the one that took it.
    pub generation: u64,
    /// When it expires, in milliseconds since the epoch (the holder's wall clock).
    pub expires_at: u64,
    /// Given up by its holder: free to take at once. The record is kept so generations keep
    /// increasing.
    #[serde(default)]
    pub released: bool,
}

impl Lease {
    /// When another holder may take it over (milliseconds since the epoch): W + S after its
    /// expiry.
    pub fn takeable_at(&self) -> u64 {
        self.expires_at + millis(WRITE_DEADLINE) + millis(CLOCK_SKEW)
    }

    /// Whether `by` may take it at `now_millis`: released, held by `by` itself, its holder's
    /// process is gone, or past [`Lease::takeable_at`].
    pub fn takeable(&self, by: &Holder, now_millis: u64) -> bool {
        self.released || self.holder == *by || now_millis >= self.takeable_at() || self.holder.process_gone()
    }

    /// Whether `lease` is this very lease (same holder and generation) and still held.
    pub fn is_held_as(&self, lease: &Lease) -> bool {
        !self.released && self.holder == lease.holder && self.generation == lease.generation
    }
}

/// `Ok` when `current`, the lease as stored, is `held` itself (same holder and generation, not
/// released); otherwise [`JournalError::LeaseLost`] naming who holds it now. Every store checks
/// an append or a renewal with this, atomically with the write.
pub fn check_held(current: Option<&Lease>, held: &Lease) -> Result<(), JournalError> {
    match current {
        Some(current) if current.is_held_as(held) => Ok(()),
        current => Err(JournalError::LeaseLost {
            deployment: held.deployment.clone(),
            holder: held.holder.to_string(),
            taken_by: current
                .filter(|c| !c.released)
                .map_or_else(|| "nobody (it was released)".to_owned(), |c| c.holder.to_string()),
        }),
    }
}

/// What a traffic write consults before each attempt (the driver's lease guard).
pub trait Fence: Send + Sync {
    /// `Ok` when a write attempt that may stay in flight for up to `deadline` may be sent now.
    fn permit(&self, deadline: Duration) -> Result<(), FenceError>;
}

/// Writes outside any rollout (the provider's own record resources, drift repair, tests),
/// which hold no lease.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unfenced;

impl Fence for Unfenced {
    fn permit(&self, _: Duration) -> Result<(), FenceError> {
        Ok(())
    }
}

/// Why a write was not sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FenceError {
    /// Another holder took the lease over.
    #[error("the lease of deployment {deployment:?} was taken over by {holder}; this process sends nothing more")]
    Lost {
        /// Deployment name.
        deployment: String,
        /// The new holder.
        holder: String,
    },
    /// The lease could not be renewed in time and has too little life left for a write.
    #[error(
        "the lease of deployment {deployment:?} could not be renewed and has {} ms left, less than the {} ms a write \
         may take; the write is not sent",
        remaining.as_millis(),
        deadline.as_millis()
    )]
    Expiring {
        /// Deployment name.
        deployment: String,
        /// What is left of the lease.
        remaining: Duration,
        /// What the write needs.
        deadline: Duration,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: Holder) -> Lease {
        Lease {
            deployment: "api".into(),
            holder,
            generation: 1,
            expires_at: 100_000,
            released: false,
        }
    }

    #[test]
    fn this_process_is_alive_and_identified_by_host_pid_and_nonce() {
        let me = Holder::this_process("test");
        assert_eq!(me.pid, std::process::id());
        assert_eq!(me.nonce.len(), 16);
        assert_eq!(me, Holder::this_process("test"), "one nonce per process");
        assert!(me.process.is_some(), "/proc is readable here");
        assert!(!me.process_gone());
        assert_eq!(
            me.to_string(),
            format!("test on {} (pid {}, {})", me.host, me.pid, me.nonce)
        );
    }

    #[test]
    fn a_reused_pid_or_an_exited_process_is_gone_but_other_hosts_never_are() {
        let me = Holder::this_process("test");
        let mut reused = me.clone();
        reused.process.as_mut().unwrap().start_ticks += 1;
        assert!(reused.process_gone(), "same pid, other start time: another process");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let exited = Holder {
            pid: child.id(),
            process: process_id(&child.id().to_string()),
            ..me.clone()
        };
        child.wait().unwrap();
        assert!(exited.process_gone());
        let elsewhere = Holder {
            host: "another-host".into(),
            ..exited.clone()
        };
        assert!(!elsewhere.process_gone());
        let rebooted = Holder {
            process: exited.process.clone().map(|p| ProcessId {
                boot_id: "another-boot".into(),
                ..p
            }),
            ..exited
        };
        assert!(!rebooted.process_gone());
    }

    /// A holder killed whose parent died too is reparented to PID 1, which in many containers
    /// and CI runners never reaps it: its pid stays, a zombie with its start time, until the
    /// machine stops. (Found by a reconciler that waited out the lease of a `kill -9`ed apply.)
    #[test]
    fn a_zombie_holder_is_gone() {
        let me = Holder::this_process("test");
        let mut child = std::process::Command::new("sleep").arg("60").spawn().unwrap();
        let pid = child.id().to_string();
        let killed = Holder {
            pid: child.id(),
            process: process_id(&pid),
            ..me
        };
        assert!(!killed.process_gone(), "running");
        child.kill().unwrap();
        // Not reaped yet: a zombie until `wait`.
        while process_stat(&pid).is_some_and(|stat| !stat.exited) {
            std::thread::yield_now();
        }
        assert!(process_stat(&pid).is_some(), "still in /proc, as a zombie");
        assert!(killed.process_gone(), "a zombie has exited");
        child.wait().unwrap();
        assert!(killed.process_gone());
    }

    #[test]
    fn an_expired_lease_is_takeable_only_after_the_write_deadline_and_the_skew() {
        let holder = Holder {
            process: None,
            ..Holder::this_process("holder")
        };
        let other = Holder {
            nonce: "other".into(),
            ..holder.clone()
        };
        let lease = lease(holder.clone());
        assert_eq!(lease.takeable_at(), 115_000);
        assert!(!lease.takeable(&other, 100_000));
        assert!(!lease.takeable(&other, 114_999));
        assert!(lease.takeable(&other, 115_000));
        assert!(lease.takeable(&holder, 0), "its holder may always take it again");
        assert!(Lease {
            released: true,
            ..lease
        }
        .takeable(&other, 0));
    }
}
