//! [`RetryPolicy`]: how often and how long the [`ApiClient`](crate::ApiClient) waits before
//! sending a failed request again (a [`Backoff`] with full jitter, `Retry-After` support).

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::backoff::{Backoff, Jitter};

/// Retry schedule for requests that failed transiently.
///
/// Which failures are retried:
/// - a connect error (the request never reached the server): every request;
/// - HTTP 429: every request (the server refused it without processing it), waiting for the
///   `Retry-After` seconds when the server sends them (capped by
///   [`max_retry_after`](Self::max_retry_after));
/// - other transport errors (timeout, connection reset), HTTP 502/503/504 and any error the server
///   marks `retryable`: only idempotent requests (see
///   [`ApiRequest::idempotent`](crate::ApiRequest::idempotent)).
///
/// The delay before retry `n` (0-based) is `min(max_backoff, initial_backoff * multiplier^n)`; with
/// jitter on (the default) a uniformly random duration between zero and that bound is used instead
/// ("full jitter"), which spreads out clients that failed at the same moment. That schedule is a
/// [`Backoff`] ([`schedule`](Self::schedule), [`with_backoff`](Self::with_backoff)), the type every
/// backoff of the SDK uses.
///
/// A request can be sent under another policy than its client's with
/// [`ApiRequest::retry_policy`](crate::ApiRequest::retry_policy) (e.g. [`RetryPolicy::none`] when
/// the caller retries on its own).
///
/// ```
/// use std::time::Duration;
/// use conductor_http::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_retries(5)
///     .with_initial_backoff(Duration::from_millis(200))
///     .with_max_backoff(Duration::from_secs(10));
/// assert_eq!(policy.max_retries(), 5);
/// assert!(policy.backoff(3) <= Duration::from_millis(1600));
/// assert_eq!(RetryPolicy::none().max_retries(), 0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    backoff: Backoff,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 retries, 100 ms initial backoff doubling up to 5 s, full jitter, `Retry-After` capped at
    /// 30 s.
    fn default() -> Self {
        Self {
            max_retries: 3,
            backoff: Backoff::new(Duration::from_millis(100), Duration::from_secs(5))
                .with_jitter(Jitter::Full),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (each request is sent once; the single token-refresh replay
    /// after a 401 still happens).
    ///
    /// ```
    /// use conductor_http::RetryPolicy;
    ///
    /// let policy = RetryPolicy::none();
    /// assert_eq!(policy.max_retries(), 0);
    /// ```
    #[must_use]
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets how many times a request may be retried after the first attempt.
    ///
    /// ```
    /// use conductor_http::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::default().with_max_retries(7).max_retries(), 7);
    /// ```
    #[must_use]
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the backoff bound before the first retry.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default().with_initial_backoff(Duration::from_millis(250));
    /// assert_eq!(policy.initial_backoff(), Duration::from_millis(250));
    /// assert_eq!(policy.backoff_bound(0), Duration::from_millis(250));
    /// ```
    #[must_use]
    pub fn with_initial_backoff(mut self, initial: Duration) -> Self {
        self.backoff = self.backoff.with_initial(initial);
        self
    }

    /// Sets the largest backoff between two attempts (a value below the
    /// [`initial_backoff`](Self::initial_backoff) is treated as it).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default().with_max_backoff(Duration::from_secs(1));
    /// assert_eq!(policy.backoff_bound(20), Duration::from_secs(1)); // capped
    /// ```
    #[must_use]
    pub fn with_max_backoff(mut self, max: Duration) -> Self {
        self.backoff = self.backoff.with_max(max);
        self
    }

    /// Sets the growth factor of the backoff (values below 1 are treated as 1; NaN as 2).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default()
    ///     .with_initial_backoff(Duration::from_millis(100))
    ///     .with_multiplier(3.0);
    /// assert_eq!(policy.backoff_bound(2), Duration::from_millis(900));
    /// assert_eq!(RetryPolicy::default().with_multiplier(0.5).multiplier(), 1.0); // never shrinks
    /// ```
    #[must_use]
    pub fn with_multiplier(mut self, multiplier: f64) -> Self {
        self.backoff = self.backoff.with_multiplier(multiplier);
        self
    }

    /// Turns full jitter on (default, [`Jitter::Full`]) or off ([`Jitter::None`]: exact
    /// exponential delays). For equal jitter, set the whole schedule with
    /// [`with_backoff`](Self::with_backoff).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default().with_jitter(false);
    /// // Without jitter the delay is exactly the bound.
    /// assert_eq!(policy.backoff(1), policy.backoff_bound(1));
    /// assert_eq!(policy.backoff(1), Duration::from_millis(200));
    /// ```
    #[must_use]
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.backoff = self
            .backoff
            .with_jitter(if jitter { Jitter::Full } else { Jitter::None });
        self
    }

    /// Sets the whole backoff schedule (initial and largest delay, multiplier, jitter) at once.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Jitter, RetryPolicy};
    ///
    /// let schedule = Backoff::new(Duration::from_millis(200), Duration::from_secs(10))
    ///     .with_jitter(Jitter::Equal);
    /// let policy = RetryPolicy::default().with_backoff(schedule);
    /// assert_eq!(policy.schedule(), &schedule);
    /// assert_eq!(policy.initial_backoff(), Duration::from_millis(200));
    /// assert!(policy.jitter()); // equal jitter is jitter too
    /// let delay = policy.backoff(0);
    /// assert!(delay >= Duration::from_millis(100) && delay <= Duration::from_millis(200));
    /// ```
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets the longest `Retry-After` delay honoured on a 429/503; longer values are capped.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default().with_max_retry_after(Duration::from_secs(5));
    /// assert_eq!(policy.max_retry_after(), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// How many retries are allowed after the first attempt.
    ///
    /// ```
    /// use conductor_http::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::default().max_retries(), 3);
    /// ```
    #[must_use]
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The backoff bound before the first retry.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::default().initial_backoff(), Duration::from_millis(100));
    /// ```
    #[must_use]
    pub fn initial_backoff(&self) -> Duration {
        self.backoff.initial()
    }

    /// The largest backoff between two attempts (never below the initial one).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::default().max_backoff(), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn max_backoff(&self) -> Duration {
        self.backoff.max()
    }

    /// The growth factor of the backoff.
    ///
    /// ```
    /// use conductor_http::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::default().multiplier(), 2.0);
    /// ```
    #[must_use]
    pub fn multiplier(&self) -> f64 {
        self.backoff.multiplier()
    }

    /// Whether the delays are jittered (anything but [`Jitter::None`]).
    ///
    /// ```
    /// use conductor_http::RetryPolicy;
    ///
    /// assert!(RetryPolicy::default().jitter());
    /// ```
    #[must_use]
    pub fn jitter(&self) -> bool {
        self.backoff.jitter() != Jitter::None
    }

    /// The backoff schedule between attempts.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Jitter, RetryPolicy};
    ///
    /// let schedule = *RetryPolicy::default().schedule();
    /// assert_eq!(schedule.initial(), Duration::from_millis(100));
    /// assert_eq!(schedule.max(), Duration::from_secs(5));
    /// assert_eq!(schedule.jitter(), Jitter::Full);
    /// ```
    #[must_use]
    pub fn schedule(&self) -> &Backoff {
        &self.backoff
    }

    /// The longest `Retry-After` delay honoured.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::default().max_retry_after(), Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The exponential bound for retry number `retry` (0-based), before jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default(); // 100 ms doubling, capped at 5 s
    /// assert_eq!(policy.backoff_bound(0), Duration::from_millis(100));
    /// assert_eq!(policy.backoff_bound(3), Duration::from_millis(800));
    /// assert_eq!(policy.backoff_bound(10), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn backoff_bound(&self, retry: u32) -> Duration {
        self.backoff.bound(retry)
    }

    /// The delay to wait before retry number `retry` (0-based): the bound, jittered per the
    /// schedule's [`Jitter`].
    ///
    /// ```
    /// use conductor_http::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default();
    /// for retry in 0..5 {
    ///     // Full jitter: anywhere between zero and the bound.
    ///     assert!(policy.backoff(retry) <= policy.backoff_bound(retry));
    /// }
    /// ```
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        self.backoff.delay(retry)
    }

    /// The delay a `Retry-After` header asks for, capped at
    /// [`max_retry_after`](Self::max_retry_after). Only the delta-seconds form is understood
    /// (Conductor and the proxies in front of it send that); an HTTP date falls back to the normal
    /// backoff.
    pub(crate) fn retry_after(&self, headers: &HeaderMap) -> Option<Duration> {
        let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        let seconds: f64 = value.parse().ok()?;
        if !seconds.is_finite() || seconds < 0.0 {
            return None;
        }
        Some(Duration::from_secs_f64(
            seconds.min(self.max_retry_after.as_secs_f64()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn exponential_bound_is_capped() {
        let policy = RetryPolicy::default().with_jitter(false);
        assert_eq!(policy.backoff(0), Duration::from_millis(100));
        assert_eq!(policy.backoff(1), Duration::from_millis(200));
        assert_eq!(policy.backoff(2), Duration::from_millis(400));
        assert_eq!(policy.backoff(10), Duration::from_secs(5));
        assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn jitter_stays_within_the_bound() {
        let policy = RetryPolicy::default();
        for retry in 0..8 {
            let delay = policy.backoff(retry);
            assert!(delay <= policy.backoff_bound(retry), "{delay:?} at {retry}");
        }
    }

    #[test]
    fn multiplier_below_one_does_not_shrink() {
        let policy = RetryPolicy::default()
            .with_multiplier(0.1)
            .with_jitter(false);
        assert_eq!(policy.backoff(5), Duration::from_millis(100));
        assert!(
            (RetryPolicy::default()
                .with_multiplier(f64::NAN)
                .multiplier()
                - 2.0)
                .abs()
                < 1e-9
        );
    }

    #[test]
    fn retry_after_parsing() {
        let policy = RetryPolicy::default().with_max_retry_after(Duration::from_secs(10));
        let mut headers = HeaderMap::new();
        assert_eq!(policy.retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(policy.retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        assert_eq!(policy.retry_after(&headers), Some(Duration::from_secs(10)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("-1"));
        assert_eq!(policy.retry_after(&headers), None);
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(policy.retry_after(&headers), None);
    }

    #[test]
    fn none_never_retries() {
        assert_eq!(RetryPolicy::none().max_retries(), 0);
    }

    #[test]
    fn the_schedule_is_a_backoff_with_full_jitter_or_none() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.schedule(),
            &Backoff::new(Duration::from_millis(100), Duration::from_secs(5))
                .with_jitter(Jitter::Full)
        );
        assert_eq!(
            policy.clone().with_jitter(false).schedule().jitter(),
            Jitter::None
        );
        let equal = Backoff::new(Duration::from_secs(1), Duration::from_secs(2));
        let policy = policy.with_backoff(equal).with_max_retries(9);
        assert_eq!(policy.schedule(), &equal);
        assert_eq!(policy.max_retries(), 9);
        assert_eq!(policy.backoff_bound(4), Duration::from_secs(2));
        // Setters in any order: a max below the initial backoff is raised to it.
        let raised = RetryPolicy::default()
            .with_max_backoff(Duration::from_millis(50))
            .with_jitter(false);
        assert_eq!(raised.max_backoff(), Duration::from_millis(100));
        assert_eq!(raised.backoff(3), Duration::from_millis(100));
        let lowered = raised.with_initial_backoff(Duration::from_millis(10));
        assert_eq!(lowered.max_backoff(), Duration::from_millis(50));
    }
}
