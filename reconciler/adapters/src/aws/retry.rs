//! Our retry loop: jittered exponential backoff inside the shared rate budget.
//!
//! The SDK's own retries are switched off (one attempt per SDK call) because they would neither
//! draw from our [`TokenBucket`] nor let a write check the zone before it is repeated. Instead
//! every attempt of every call goes through `Backoff`: a caller acquires a token, makes one
//! attempt, and on a retryable [`AwsError`] asks `Backoff::wait` whether to go again.
//! [`retrying`] is that loop for calls that may simply be repeated; [`retrying_unless_applied`]
//! is the one for writes that must not be applied twice.
//!
//! The delay before retry `n` (counting from 0) is drawn uniformly from
//! `[0, min(cap, base · 2ⁿ)]` ("full jitter"): many clients that failed together spread out
//! instead of retrying in lock step, which is what throttling needs.

use std::time::Duration;

use globaldeploy_engine::ports::millis;
use rand::Rng;

use super::error::AwsError;
use super::rate::TokenBucket;

/// The delay scale of the first retry.
const BASE: Duration = Duration::from_millis(100);
/// No single delay is longer than this.
const CAP: Duration = Duration::from_secs(20);

/// How many times, and how patiently, a failed call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The delay scale of the first retry.
    pub base: Duration,
    /// The longest single delay.
    pub cap: Duration,
}

impl RetryPolicy {
    /// The policy of the spec: base 100 ms, cap 20 s.
    pub fn new(max_retries: u32) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            base: BASE,
            cap: CAP,
        }
    }

    /// The upper bound of the delay before retry number `retry` (0-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        // 2^31 · 100 ms overflows nothing in u128 millis and is far above any cap.
        let factor = 1u128 << retry.min(31);
        let millis = (self.base.as_millis() * factor).min(self.cap.as_millis());
        Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
    }

    /// A fresh retry state for one call.
    pub(crate) fn start(&self) -> Backoff {
        Backoff {
            policy: *self,
            retries: 0,
        }
    }
}

/// The retry state of one call.
#[derive(Debug)]
pub(crate) struct Backoff {
    policy: RetryPolicy,
    retries: u32,
}

impl Backoff {
    /// Decides whether `err` is worth another attempt; if so sleeps the jittered delay and
    /// returns `true`. The caller acquires a token before the next attempt, so a retry costs
    /// budget like any call.
    pub(crate) async fn wait(&mut self, err: &AwsError) -> bool {
        if !err.is_retryable() || self.retries >= self.policy.max_retries {
            return false;
        }
        let ceiling = self.policy.ceiling(self.retries);
        let delay = rand::rng().random_range(Duration::ZERO..=ceiling);
        self.retries += 1;
        tracing::debug!(
            error = %err,
            retry = self.retries,
            max_retries = self.policy.max_retries,
            delay_ms = millis(delay),
            "retrying AWS call"
        );
        tokio::time::sleep(delay).await;
        true
    }

    /// How many retries this call has made.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the retries are spent. Each attempt
/// first takes a token from `bucket`. (Its own loop rather than [`retrying_unless_applied`]
/// with nothing to look for: every Route 53 call goes through here, and the extra layer of
/// nested futures pushes the provider's deepest async blocks past rustc's layout query limit
/// in a clean build.)
pub(crate) async fn retrying<T, F, Fut>(
    policy: &RetryPolicy,
    bucket: &TokenBucket,
    mut attempt: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsError>>,
{
    let mut backoff = policy.start();
    loop {
        bucket.acquire().await;
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(err) => {
                if !backoff.wait(&err).await {
                    return Err(err);
                }
            }
        }
    }
}

/// [`retrying`] for a write that must not be applied twice (a change batch, a health check's
/// creation). Once an attempt's outcome is unknown (a timeout, a broken connection, a 5xx),
/// `applied` is asked before anything is sent again, and once more when the retries are spent:
/// `Some(value)` means an earlier attempt took effect and `value` is its result.
pub(crate) async fn retrying_unless_applied<T, A, AFut, S, SFut>(
    policy: &RetryPolicy,
    bucket: &TokenBucket,
    subject: &str,
    mut attempt: A,
    mut applied: S,
) -> Result<T, AwsError>
where
    A: FnMut() -> AFut,
    AFut: std::future::Future<Output = Result<T, AwsError>>,
    S: FnMut() -> SFut,
    SFut: std::future::Future<Output = Result<Option<T>, AwsError>>,
{
    let mut backoff = policy.start();
    let mut maybe_applied = false;
    loop {
        if maybe_applied {
            if let Some(value) = applied().await? {
                tracing::info!(%subject, retries = backoff.retries(), "an earlier attempt was applied; not sending again");
                return Ok(value);
            }
        }
        bucket.acquire().await;
        let err = match attempt().await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        maybe_applied |= err.outcome_unknown();
        if !backoff.wait(&err).await {
            // Out of retries: one last look decides between "done" and the error.
            if maybe_applied {
                if let Some(value) = applied().await? {
                    return Ok(value);
                }
            }
            return Err(err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn throttled() -> AwsError {
        AwsError::Service {
            operation: "ListResourceRecordSets",
            subject: "zone Z1".into(),
            code: "Throttling".into(),
            message: "Rate exceeded".into(),
            status: 400,
        }
    }

    fn rejected() -> AwsError {
        AwsError::Service {
            operation: "ChangeResourceRecordSets",
            subject: "zone Z1".into(),
            code: "InvalidChangeBatch".into(),
            message: "no".into(),
            status: 400,
        }
    }

    #[test]
    fn ceilings_double_from_the_base_up_to_the_cap() {
        let policy = RetryPolicy::new(25);
        assert_eq!(policy.ceiling(0), Duration::from_millis(100));
        assert_eq!(policy.ceiling(1), Duration::from_millis(200));
        assert_eq!(policy.ceiling(7), Duration::from_millis(12_800));
        assert_eq!(policy.ceiling(8), Duration::from_secs(20));
        assert_eq!(policy.ceiling(u32::MAX), Duration::from_secs(20));
    }

    #[tokio::test(start_paused = true)]
    async fn retryable_errors_are_retried_until_success() {
        let bucket = TokenBucket::new(1000.0);
        let calls = Cell::new(0);
        let result = retrying(&RetryPolicy::new(5), &bucket, || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 4 {
                    Err(throttled())
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.expect("succeeds on the 4th attempt"), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_max_retries() {
        let bucket = TokenBucket::new(1000.0);
        let calls = Cell::new(0u32);
        let result: Result<(), _> = retrying(&RetryPolicy::new(3), &bucket, || {
            calls.set(calls.get() + 1);
            async { Err(throttled()) }
        })
        .await;
        assert!(result.unwrap_err().is_throttled());
        assert_eq!(calls.get(), 4, "one attempt plus three retries");
    }

    #[tokio::test(start_paused = true)]
    async fn final_errors_return_at_once() {
        let bucket = TokenBucket::new(1000.0);
        let calls = Cell::new(0u32);
        let start = tokio::time::Instant::now();
        let result: Result<(), _> = retrying(&RetryPolicy::new(25), &bucket, || {
            calls.set(calls.get() + 1);
            async { Err(rejected()) }
        })
        .await;
        assert_eq!(result.unwrap_err().code(), Some("InvalidChangeBatch"));
        assert_eq!(calls.get(), 1);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn delays_stay_under_their_ceilings() {
        let policy = RetryPolicy::new(10);
        let mut backoff = policy.start();
        let mut total_ceiling = Duration::ZERO;
        let start = tokio::time::Instant::now();
        for retry in 0..10 {
            total_ceiling += policy.ceiling(retry);
            assert!(backoff.wait(&throttled()).await);
        }
        assert!(!backoff.wait(&throttled()).await, "the 11th retry is refused");
        assert_eq!(backoff.retries(), 10);
        // Paused time auto-advances by exactly the slept delays (rounded up to the timer's
        // millisecond), so the sum is bounded by the ceilings.
        assert!(start.elapsed() <= total_ceiling + Duration::from_millis(10));
    }

    fn timed_out() -> AwsError {
        AwsError::Timeout {
            operation: "ChangeResourceRecordSets",
            subject: "zone Z1".into(),
        }
    }

    /// Counts the attempts and the looks of one settled call whose first `failures` attempts
    /// fail with `error`; a look finds the write applied when `applied` is set.
    async fn settled(failures: u32, error: fn() -> AwsError, applied: bool) -> (Result<u32, AwsError>, u32, u32) {
        let bucket = TokenBucket::new(1000.0);
        let attempts = Cell::new(0u32);
        let looks = Cell::new(0u32);
        let result = retrying_unless_applied(
            &RetryPolicy::new(3),
            &bucket,
            "zone Z1",
            || {
                attempts.set(attempts.get() + 1);
                let n = attempts.get();
                async move {
                    if n <= failures {
                        Err(error())
                    } else {
                        Ok(n)
                    }
                }
            },
            || {
                looks.set(looks.get() + 1);
                async move { Ok(applied.then_some(0)) }
            },
        )
        .await;
        (result, attempts.get(), looks.get())
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_whose_answer_was_lost_is_not_sent_again_once_a_look_shows_it_applied() {
        let (result, attempts, looks) = settled(1, timed_out, true).await;
        assert_eq!(
            result.expect("settled by the look"),
            0,
            "the look's value, not a second attempt's"
        );
        assert_eq!((attempts, looks), (1, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_whose_answer_was_lost_and_not_applied_is_sent_again_after_a_look() {
        let (result, attempts, looks) = settled(1, timed_out, false).await;
        assert_eq!(result.expect("the second attempt succeeds"), 2);
        assert_eq!((attempts, looks), (2, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_refused_with_a_known_outcome_is_retried_without_looking() {
        let (result, attempts, looks) = settled(2, throttled, true).await;
        assert_eq!(result.expect("the third attempt succeeds"), 3);
        assert_eq!(
            (attempts, looks),
            (3, 0),
            "a throttled write was not applied: nothing to look for"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retries_spent_after_an_unknown_outcome_end_with_one_last_look() {
        let (result, attempts, looks) = settled(u32::MAX, timed_out, false).await;
        assert!(matches!(result, Err(AwsError::Timeout { .. })));
        assert_eq!(
            (attempts, looks),
            (4, 4),
            "a look before each of 3 retries and one at the end"
        );
    }
}
