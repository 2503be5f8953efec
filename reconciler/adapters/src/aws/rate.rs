//! The process-wide rate budget for Route 53 calls.
//!
//! Route 53 throttles per account (five requests per second), not per client, so every call the
//! provider process makes — resources refreshing in parallel, the traffic driver moving weights,
//! retries of either — must draw from one budget. [`TokenBucket`] is that budget: the
//! [`super::Route53`] value owns it behind an `Arc`, and its clones share it.
//!
//! The bucket refills continuously at `rate` tokens per second up to `burst` tokens. A caller
//! that finds it empty *reserves* the next token (the balance goes negative) and sleeps until
//! the token would have arrived, so waiters are served in arrival order and none can starve.
//! Time comes from `tokio::time`, which lets tests pause and advance the clock deterministically.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket shared by every clone of the client that owns it.
#[derive(Debug)]
pub struct TokenBucket {
    /// Tokens per second; `None` means unlimited.
    rate: Option<f64>,
    burst: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// May go negative: that many tokens are already promised to sleeping callers.
    tokens: f64,
    refilled_at: Instant,
}

impl TokenBucket {
    /// A bucket refilling at `requests_per_second`, holding at most `max(1, requests_per_second)`
    /// tokens, and starting full so that the first calls of a run are not delayed.
    ///
    /// A rate that is not a positive finite number disables limiting; the provider validates its
    /// attribute, so this only happens when a caller asks for it explicitly.
    pub fn new(requests_per_second: f64) -> TokenBucket {
        let limited = requests_per_second.is_finite() && requests_per_second > 0.0;
        let burst = requests_per_second.max(1.0);
        TokenBucket {
            rate: limited.then_some(requests_per_second),
            burst,
            state: Mutex::new(State {
                tokens: burst,
                refilled_at: Instant::now(),
            }),
        }
    }

    /// Waits until the caller may make one request.
    pub async fn acquire(&self) {
        let Some(rate) = self.rate else { return };
        let wait = {
            // The lock is held only for arithmetic, never across an await.
            let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            let elapsed = now.saturating_duration_since(state.refilled_at).as_secs_f64();
            state.tokens = (state.tokens + elapsed * rate).min(self.burst);
            state.refilled_at = now;
            state.tokens -= 1.0;
            if state.tokens >= 0.0 {
                None
            } else {
                // A tiny rate asks for a wait longer than `Duration` holds: wait "forever"
                // (tokio clamps it) instead of panicking.
                Some(Duration::try_from_secs_f64(-state.tokens / rate).unwrap_or(Duration::MAX))
            }
        };
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Acquires `n` tokens one after another and returns how long that took on the paused clock.
    async fn time_to_acquire(bucket: &TokenBucket, n: usize) -> Duration {
        let start = Instant::now();
        for _ in 0..n {
            bucket.acquire().await;
        }
        start.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_bucket_serves_its_burst_at_once() {
        let bucket = TokenBucket::new(5.0);
        assert_eq!(time_to_acquire(&bucket, 5).await, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn after_the_burst_tokens_arrive_at_the_rate() {
        let bucket = TokenBucket::new(5.0);
        // 5 from the burst, then 10 more at 5/s = 2 s.
        let took = time_to_acquire(&bucket, 15).await;
        assert_eq!(took, Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_refills_but_never_beyond_the_burst() {
        let bucket = TokenBucket::new(2.0);
        time_to_acquire(&bucket, 2).await;
        tokio::time::advance(Duration::from_secs(60)).await;
        // A minute of idling buys the burst (2), not 120 tokens: the third waits 0.5 s.
        assert_eq!(time_to_acquire(&bucket, 3).await, Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn fractional_rates_keep_a_burst_of_one() {
        let bucket = TokenBucket::new(0.5);
        assert_eq!(time_to_acquire(&bucket, 1).await, Duration::ZERO);
        assert_eq!(time_to_acquire(&bucket, 1).await, Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_budget() {
        let bucket = Arc::new(TokenBucket::new(4.0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let bucket = Arc::clone(&bucket);
                tokio::spawn(async move {
                    bucket.acquire().await;
                    start.elapsed()
                })
            })
            .collect();
        let mut finished = Vec::new();
        for task in tasks {
            finished.push(task.await.expect("task"));
        }
        finished.sort();
        // 4 at once, then one every 250 ms: the last of 12 at 2 s, none earlier than allowed.
        assert_eq!(finished.iter().filter(|d| d.is_zero()).count(), 4);
        assert_eq!(finished[11], Duration::from_secs(2));
        for (i, at) in finished.iter().enumerate().skip(4) {
            assert_eq!(*at, Duration::from_millis(250 * (i as u64 - 3)));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_rate_panics_however_small_or_odd() {
        for rate in [
            1e-20,
            f64::MIN_POSITIVE,
            5e-324,
            f64::NAN,
            f64::INFINITY,
            -1.0,
            f64::MAX,
        ] {
            let bucket = TokenBucket::new(rate);
            // The burst is served; the next token is due far in the future (or never limited).
            assert_eq!(time_to_acquire(&bucket, 1).await, Duration::ZERO, "rate {rate}");
            let second = tokio::time::timeout(Duration::from_secs(3600), bucket.acquire()).await;
            let limited = rate.is_finite() && rate > 0.0 && rate < 1.0 / 3600.0;
            assert_eq!(second.is_err(), limited, "rate {rate}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_non_positive_rate_means_unlimited() {
        let bucket = TokenBucket::new(0.0);
        assert_eq!(time_to_acquire(&bucket, 1000).await, Duration::ZERO);
    }
}
