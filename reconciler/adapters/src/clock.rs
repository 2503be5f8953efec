//! [`WallClock`]: the engine's [`Clock`] port on real time, for the provider and the CLI.
//!
//! The engine never reads time itself, so the deterministic simulation can substitute a
//! virtual clock; this is the one implementation that touches the system clocks. It has two:
//! the wall clock, for timestamps other processes and hosts read (journal stamps, lease
//! expiry), and a monotonic clock, for every duration measured inside the process (holds,
//! bakes, what is left of a held lease), which a wall-clock jump does not move.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use globaldeploy_engine::ports::Clock;

/// System time for timestamps, tokio's monotonic timer for durations and waiting.
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

    fn monotonic_millis(&self) -> u64 {
        // Counted from the first reading in this process; tokio's clock, so a paused test
        // runtime moves it as it moves sleeps.
        static ORIGIN: OnceLock<tokio::time::Instant> = OnceLock::new();
        let origin = *ORIGIN.get_or_init(tokio::time::Instant::now);
        u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn sleeps_and_measures_on_tokio_time() {
        let before = tokio::time::Instant::now();
        let mono = WallClock.monotonic_millis();
        WallClock.sleep(Duration::from_secs(90)).await;
        assert!(before.elapsed() >= Duration::from_secs(90));
        assert!(WallClock.monotonic_millis() - mono >= 90_000);
    }

    #[test]
    fn reads_the_epoch_in_milliseconds() {
        // 2020-09-13: any sane host is past it.
        assert!(WallClock.now_millis() > 1_600_000_000_000);
    }
}
