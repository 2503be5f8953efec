//! The held lease of a running rollout: [`LeaseGuard`], what the driver, the journal appends
//! and every traffic write attempt consult, [`heartbeat`], which renews the lease every
//! [`HEARTBEAT`] for as long as the rollout runs, whatever action is in flight, and
//! [`under_lease`], which holds a lease around any work (a rollout, or the provider's writes
//! between rollouts: drift repair, deleting slots).
//!
//! The guard measures the lease on the monotonic clock from the moment each renewal was asked
//! for, so it never counts on more lease than the store granted, and refuses a write unless
//! more than the write's deadline is left (the timing rules are in [`crate::journal::lease`]).
//! When a renewal finds the lease taken over, the guard refuses everything from then on and
//! the heartbeat ends the rollout with an error naming the new holder.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::journal::error::JournalError;
use crate::journal::lease::{Fence, FenceError, Holder, Lease, HEARTBEAT, LEASE_TTL};
use crate::ports::{millis, Clock, JournalStore};

/// The lease a rollout holds, as far as this process knows.
pub struct LeaseGuard<'a> {
    clock: &'a dyn Clock,
    state: Mutex<Held>,
}

struct Held {
    lease: Lease,
    /// Monotonic milliseconds until which the lease certainly holds.
    valid_until: u64,
    /// Who took it over, once a renewal or an append found out.
    taken_by: Option<String>,
}

impl<'a> LeaseGuard<'a> {
    /// `lease`, acquired by a request sent at monotonic `asked_at`.
    pub fn new(clock: &'a dyn Clock, lease: Lease, asked_at: u64) -> Self {
        LeaseGuard {
            clock,
            state: Mutex::new(Held {
                lease,
                valid_until: asked_at + millis(LEASE_TTL),
                taken_by: None,
            }),
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        // Only plain data is swapped under the lock; a panic elsewhere leaves it consistent.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The lease as last granted (what appends and renewals present).
    pub fn lease(&self) -> Lease {
        self.held().lease.clone()
    }

    /// A renewal asked for at monotonic `asked_at` granted `lease`.
    pub fn renewed(&self, lease: Lease, asked_at: u64) {
        let mut held = self.held();
        held.lease = lease;
        held.valid_until = asked_at + millis(LEASE_TTL);
    }

    /// The lease was found taken over by `holder`: nothing is permitted any more.
    pub fn lose(&self, holder: String) {
        self.held().taken_by = Some(holder);
    }

    /// The error for a holder whose lease was taken over, if it was.
    pub fn lost(&self) -> Option<JournalError> {
        let held = self.held();
        held.taken_by.as_ref().map(|taken_by| JournalError::LeaseLost {
            deployment: held.lease.deployment.clone(),
            holder: held.lease.holder.to_string(),
            taken_by: taken_by.clone(),
        })
    }

    /// Records what a refused store operation says about the lease, then returns it.
    pub fn note(&self, err: JournalError) -> JournalError {
        if let JournalError::LeaseLost { taken_by, .. } = &err {
            self.lose(taken_by.clone());
        }
        err
    }
}

impl Fence for LeaseGuard<'_> {
    fn permit(&self, deadline: Duration) -> Result<(), FenceError> {
        let held = self.held();
        let deployment = &held.lease.deployment;
        if let Some(holder) = &held.taken_by {
            return Err(FenceError::Lost {
                deployment: deployment.clone(),
                holder: holder.clone(),
            });
        }
        let remaining = held.valid_until.saturating_sub(self.clock.monotonic_millis());
        if remaining <= millis(deadline) {
            return Err(FenceError::Expiring {
                deployment: deployment.clone(),
                remaining: Duration::from_millis(remaining),
                deadline,
            });
        }
        Ok(())
    }
}

/// Renews `guard`'s lease every [`HEARTBEAT`] until the lease is found taken over, which is
/// the only way it returns. A renewal that fails otherwise (the store unreachable) is tried
/// again at the next beat, while the guard's lease runs down and writes stop before it ends.
pub async fn heartbeat(journal: &dyn JournalStore, clock: &dyn Clock, guard: &LeaseGuard<'_>) -> JournalError {
    loop {
        clock.sleep(HEARTBEAT).await;
        let asked_at = clock.monotonic_millis();
        match journal.renew_lease(&guard.lease(), LEASE_TTL, clock.now_millis()).await {
            Ok(lease) => guard.renewed(lease, asked_at),
            Err(err @ JournalError::LeaseLost { .. }) => return guard.note(err),
            Err(err) => {
                tracing::warn!(error = %err, "cannot renew the rollout's lease; retrying at the next heartbeat")
            }
        }
    }
}

/// What [`under_lease`] ran to the end: `work`'s output, and whether the lease was released
/// after it (an unreleased lease only expires).
pub struct Released<T> {
    /// What the work returned.
    pub output: T,
    /// The release's result.
    pub release: Result<(), JournalError>,
}

/// Acquires `deployment`'s lease as `holder`, runs `work` with its guard while the heartbeat
/// renews it, and releases it. Fails without running `work` when the lease is held elsewhere,
/// and drops `work` wherever it is when the heartbeat finds the lease taken over (then nothing
/// is released: the new holder's lease stands).
pub async fn under_lease<'a, T, Fut>(
    journal: &dyn JournalStore,
    clock: &'a dyn Clock,
    holder: &Holder,
    deployment: &str,
    work: impl FnOnce(Arc<LeaseGuard<'a>>) -> Fut,
) -> Result<Released<T>, JournalError>
where
    Fut: Future<Output = T>,
{
    let asked_at = clock.monotonic_millis();
    let lease = journal
        .acquire_lease(deployment, holder, LEASE_TTL, clock.now_millis())
        .await?;
    let guard = Arc::new(LeaseGuard::new(clock, lease, asked_at));
    let output = tokio::select! {
        biased;
        lost = heartbeat(journal, clock, &guard) => return Err(lost),
        output = work(Arc::clone(&guard)) => output,
    };
    let release = match guard.lost() {
        Some(_) => Ok(()),
        None => journal.release_lease(&guard.lease()).await,
    };
    Ok(Released { output, release })
}
