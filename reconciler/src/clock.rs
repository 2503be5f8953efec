//! [`WallClock`]: the engine's [`Clock`] port on real time, for the provider and the CLI.
//!
//! The engine never reads time itself, so the deterministic simulation can substitute a
//! virtual clock; this is the one implementation that touches the system clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use crate::engine::ports::Clock;

/// System time for timestamps, tokio's timer for waiting.
#[derive(Clone, Copy, Debug, Default)]
pub struct WallClock;

#[async_trait]
impl Clock for WallClock {
    fn now_millis(&self) -> u64 {
        // Only a host whose clock is set before 1970 lands here; 0 is a harmless timestamp,
        // where failing would stop a rollout mid-way over it.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn sleeps_on_tokio_time() {
        let before = tokio::time::Instant::now();
        WallClock.sleep(Duration::from_secs(90)).await;
        assert!(before.elapsed() >= Duration::from_secs(90));
    }

    #[test]
    fn reads_the_epoch_in_milliseconds() {
        // 2020-09-13: any sane host is past it.
        assert!(WallClock.now_millis() > 1_600_000_000_000);
    }
}
