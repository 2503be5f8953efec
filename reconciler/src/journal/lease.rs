//! The lease: one rollout per deployment at a time. A holder id with an expiry; renewable by
//! its holder; takeable by anyone once expired, so a dead process never blocks forever.

use serde::{Deserialize, Serialize};

/// A held lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Deployment name.
    pub deployment: String,
    /// Who holds it (e.g. `terraform@host:pid`).
    pub holder: String,
    /// When it expires, in milliseconds since the epoch.
    pub expires_at: u64,
}

impl Lease {
    /// Whether the lease no longer protects its holder at `now_millis`.
    pub fn expired(&self, now_millis: u64) -> bool {
        now_millis >= self.expires_at
    }
}
