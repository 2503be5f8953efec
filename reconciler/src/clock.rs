//! [`WallClock`]: the engine's [`Clock`] port on real time, for the provider and the CLI, and
//! how instants are shown to people ([`utc`], [`countdown`]).
//!
//! The engine never reads time itself, so the deterministic simulation can substitute a
//! virtual clock; this is the one implementation that touches the system clocks. It has two:
//! the wall clock, for timestamps other processes and hosts read (journal stamps, lease
//! expiry), and a monotonic clock, for every duration measured inside the process (holds,
//! bakes, what is left of a held lease), which a wall-clock jump does not move.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use crate::cli::table::duration;
use crate::engine::ports::Clock;

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

/// `2025-06-01 12:00:03 UTC` for milliseconds since the Unix epoch.
pub fn utc(millis: u64) -> String {
    let secs = millis / 1000;
    let (days, of_day) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// How long from `now` until `at` (both milliseconds since the epoch), rounded up to the
/// second: `25s`, `1m5s`; `0s` once `at` has passed.
pub fn countdown(at: u64, now: u64) -> String {
    duration(Duration::from_secs(at.saturating_sub(now).div_ceil(1000)))
}

/// The proleptic Gregorian date `days` after 1970-01-01, counting in 400-year eras (each
/// exactly 146 097 days) from 0000-03-01, so leap days fall at the end of a year.
fn civil_date(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
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

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_709_251_199_000), "2024-02-29 23:59:59 UTC");
        assert_eq!(utc(4_102_444_800_000), "2100-01-01 00:00:00 UTC");
    }

    #[test]
    fn countdowns_round_up_to_the_second() {
        assert_eq!(countdown(10_001, 0), "11s");
        assert_eq!(countdown(65_000, 0), "1m5s");
        assert_eq!(countdown(0, 5_000), "0s");
    }
}
