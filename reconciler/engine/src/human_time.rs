//! How durations and instants are shown to people, in one place for every rendering (CLI
//! tables and progress, journal errors, lease messages): [`duration`] in the Go style the
//! configuration is written in, [`elapsed`] for measured spans, [`utc`] for instants, [`countdown`] for what is left until one.

use std::fmt::Write as _;
use std::time::Duration;

/// A duration as the configuration writes them (Go's syntax, zero units left out), to the
/// millisecond: `90s` → `1m30s`, `1.5s`, `1m0.25s`, `500ms`, `1h`, `0s`. The one rendering of a
/// duration: `rollout_plan`, plan output, status and progress lines all agree.
pub fn duration(d: Duration) -> String {
    let millis = d.as_millis();
    if millis == 0 {
        return "0s".to_owned();
    }
    if millis < 1000 {
        return format!("{millis}ms");
    }
    let (h, m) = (millis / 3_600_000, millis / 60_000 % 60);
    let (s, ms) = (millis / 1000 % 60, millis % 1000);
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if m > 0 {
        let _ = write!(out, "{m}m");
    }
    if ms > 0 {
        let fraction = format!("{ms:03}");
        let _ = write!(out, "{s}.{}s", fraction.trim_end_matches('0'));
    } else if s > 0 {
        let _ = write!(out, "{s}s");
    }
    out
}

/// A measured span (a rollout's length, a timeline's), to the whole second as people read
/// elapsed time: `14s`, `1m5s`.
pub fn elapsed(d: Duration) -> String {
    duration(Duration::from_secs(d.as_secs()))
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

    #[test]
    fn durations_read_like_the_configuration() {
        assert_eq!(duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(duration(Duration::from_secs(3600 + 5)), "1h5s");
        assert_eq!(duration(Duration::from_millis(500)), "500ms");
        assert_eq!(duration(Duration::ZERO), "0s");
        assert_eq!(duration(Duration::from_secs(360)), "6m");
        assert_eq!(duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(duration(Duration::from_millis(60_250)), "1m0.25s");
        assert_eq!(duration(Duration::from_secs(3600)), "1h");
    }

    #[test]
    fn measured_spans_are_shown_to_the_second() {
        assert_eq!(elapsed(Duration::from_millis(14_497)), "14s");
        assert_eq!(elapsed(Duration::from_millis(65_999)), "1m5s");
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
