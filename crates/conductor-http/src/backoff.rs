//! [`Backoff`]: the one capped exponential backoff schedule of the SDK (HTTP retries, token
//! requests, the worker's poll and update retries), with its [`Jitter`] modes, and [`Retries`],
//! the consecutive-failure counter that walks it.

use std::time::Duration;

/// How a [`Backoff`] randomises each delay below its exponential bound.
///
/// ```
/// use std::time::Duration;
/// use conductor_http::{Backoff, Jitter};
///
/// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
/// let exact = backoff.with_jitter(Jitter::None);
/// assert_eq!(exact.delay(2), Duration::from_secs(4));
/// let equal = backoff.with_jitter(Jitter::Equal);
/// assert!(equal.delay(2) >= Duration::from_secs(2) && equal.delay(2) <= Duration::from_secs(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Jitter {
    /// No randomness: every delay is exactly its bound.
    None,
    /// "Full jitter": uniformly random in `[0, bound]`. Spreads out clients best, but a delay may
    /// be close to zero.
    Full,
    /// "Equal jitter": uniformly random in `[bound / 2, bound]`. Half the delay is kept, so a
    /// fleet of clients neither hammers a recovering server nor waits almost nothing.
    Equal,
}

/// A capped exponential backoff schedule: the bound of attempt `n` (0-based) is
/// `min(max, initial × multiplier^n)`, and [`delay`](Self::delay) randomises it per [`Jitter`].
///
/// Stateless and `Copy`: the caller counts its attempts (or lets [`Retries`] count them). Every
/// backoff of the SDK is one: [`RetryPolicy`](crate::RetryPolicy) (HTTP retries, full jitter),
/// the token requests after a failure (no jitter), the worker's poll and update retries (equal
/// jitter).
///
/// A `max` below `initial` is treated as `initial`; a multiplier below 1 as 1 (the delays never
/// shrink) and NaN as 2.
///
/// ```
/// use std::time::Duration;
/// use conductor_http::{Backoff, Jitter};
///
/// let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
/// assert_eq!(backoff.bound(0), Duration::from_millis(100));
/// assert_eq!(backoff.bound(3), Duration::from_millis(800));
/// assert_eq!(backoff.bound(u32::MAX), Duration::from_secs(5)); // capped, never overflows
/// // Equal jitter by default: between half the bound and the bound.
/// let delay = backoff.delay(3);
/// assert!(delay >= Duration::from_millis(400) && delay <= Duration::from_millis(800));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    initial: Duration,
    /// As set; [`max`](Backoff::max) raises it to `initial`, so that the builders may be called
    /// in any order.
    max: Duration,
    multiplier: f64,
    jitter: Jitter,
}

impl PartialEq for Backoff {
    /// Two schedules are equal when they give the same delays.
    fn eq(&self, other: &Self) -> bool {
        self.initial == other.initial
            && self.max() == other.max()
            && self.multiplier.to_bits() == other.multiplier.to_bits()
            && self.jitter == other.jitter
    }
}

impl Backoff {
    /// A schedule starting at `initial` and doubling up to `max` (raised to `initial` if smaller),
    /// with [`Jitter::Equal`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Jitter};
    ///
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    /// assert_eq!(backoff.multiplier(), 2.0);
    /// assert_eq!(backoff.jitter(), Jitter::Equal);
    /// // A max below the initial delay is raised to it.
    /// assert_eq!(Backoff::new(Duration::from_secs(2), Duration::from_secs(1)).max(), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max,
            multiplier: 2.0,
            jitter: Jitter::Equal,
        }
    }

    /// Sets the bound of the first attempt.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Backoff;
    ///
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30))
    ///     .with_initial(Duration::from_millis(250));
    /// assert_eq!(backoff.bound(0), Duration::from_millis(250));
    /// ```
    #[must_use]
    pub fn with_initial(mut self, initial: Duration) -> Self {
        self.initial = initial;
        self
    }

    /// Sets the cap of every bound (a value below [`initial`](Self::initial) is treated as it).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Backoff;
    ///
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30))
    ///     .with_max(Duration::from_secs(5));
    /// assert_eq!(backoff.bound(10), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn with_max(mut self, max: Duration) -> Self {
        self.max = max;
        self
    }

    /// Sets the growth factor between two attempts (below 1 is treated as 1, NaN as 2).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Backoff;
    ///
    /// let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10))
    ///     .with_multiplier(3.0);
    /// assert_eq!(backoff.bound(2), Duration::from_millis(900));
    /// assert_eq!(backoff.with_multiplier(0.5).multiplier(), 1.0); // never shrinks
    /// assert_eq!(backoff.with_multiplier(f64::NAN).multiplier(), 2.0);
    /// ```
    #[must_use]
    pub fn with_multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = if multiplier.is_nan() {
            2.0
        } else {
            multiplier.max(1.0)
        };
        self
    }

    /// Sets how each delay is randomised below its bound.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Jitter};
    ///
    /// let exact = Backoff::new(Duration::from_millis(100), Duration::from_secs(5))
    ///     .with_jitter(Jitter::None);
    /// assert_eq!(exact.delay(1), Duration::from_millis(200));
    /// ```
    #[must_use]
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The bound of the first attempt.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Backoff;
    ///
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    /// assert_eq!(backoff.initial(), Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The cap of every bound (never below [`initial`](Self::initial)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Backoff;
    ///
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    /// assert_eq!(backoff.max(), Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn max(&self) -> Duration {
        self.max.max(self.initial)
    }

    /// The growth factor between two attempts (at least 1).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Backoff;
    ///
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    /// assert_eq!(backoff.multiplier(), 2.0);
    /// ```
    #[must_use]
    pub fn multiplier(&self) -> f64 {
        self.multiplier
    }

    /// How each delay is randomised.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Jitter};
    ///
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    /// assert_eq!(backoff.jitter(), Jitter::Equal);
    /// ```
    #[must_use]
    pub fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The bound of attempt `attempt` (0-based), before jitter: `initial` for attempt 0, then
    /// multiplied per attempt, capped at [`max`](Self::max). Never overflows.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Backoff;
    ///
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    /// let bounds: Vec<u64> = (0..7).map(|n| backoff.bound(n).as_secs()).collect();
    /// assert_eq!(bounds, [1, 2, 4, 8, 16, 30, 30]);
    /// assert_eq!(backoff.bound(u32::MAX), Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn bound(&self, attempt: u32) -> Duration {
        let max = self.max();
        let exponent = i32::try_from(attempt).unwrap_or(i32::MAX);
        // In nanoseconds, where whole numbers up to 2^53 (104 days) are exact in an f64: doubling
        // 100 ms gives exactly 400 ms, not 400.000000001 ms.
        let nanos = self.initial.as_nanos() as f64 * self.multiplier.powi(exponent);
        let max_nanos = max.as_nanos() as f64;
        if !nanos.is_finite() || nanos >= max_nanos {
            return max;
        }
        // Below `max`, so within u64 nanoseconds whenever `max` is (584 years).
        let nanos = nanos.round().max(0.0) as u64;
        Duration::from_nanos(nanos).min(max)
    }

    /// The wait before attempt `attempt` (0-based): its [`bound`](Self::bound), randomised per
    /// [`jitter`](Self::jitter).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Jitter};
    ///
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30))
    ///     .with_jitter(Jitter::Full);
    /// for attempt in 0..10 {
    ///     assert!(backoff.delay(attempt) <= backoff.bound(attempt));
    /// }
    /// ```
    #[must_use]
    pub fn delay(&self, attempt: u32) -> Duration {
        let bound = self.bound(attempt);
        match self.jitter {
            Jitter::None => bound,
            Jitter::Full => random_up_to(bound),
            Jitter::Equal => {
                let half = bound / 2;
                half + random_up_to(bound - half)
            }
        }
    }
}

/// A uniformly random duration in `[0, limit]` (nanosecond resolution).
fn random_up_to(limit: Duration) -> Duration {
    let nanos = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(fastrand::u64(0..=nanos))
}

/// A [`Backoff`] with a count of consecutive failures: for loops that retry until they succeed
/// (the worker's polls and updates). The n-th consecutive failure waits
/// [`delay(n - 1)`](Backoff::delay); a success starts over.
///
/// ```
/// use std::time::Duration;
/// use conductor_http::{Backoff, Jitter, Retries};
///
/// let mut retries = Retries::new(
///     Backoff::new(Duration::from_secs(1), Duration::from_secs(30)).with_jitter(Jitter::None),
/// );
/// assert_eq!(retries.on_failure(), Duration::from_secs(1));
/// assert_eq!(retries.on_failure(), Duration::from_secs(2));
/// assert_eq!(retries.failures(), 2);
/// assert_eq!(retries.on_success(), 2); // two failures came before this success
/// assert_eq!(retries.ceiling(), Duration::ZERO);
/// assert_eq!(retries.on_failure(), Duration::from_secs(1)); // starts over
/// ```
#[derive(Debug, Clone)]
pub struct Retries {
    backoff: Backoff,
    failures: u32,
}

impl Retries {
    /// A counter with no failure yet, waiting per `backoff`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Retries};
    ///
    /// let retries = Retries::new(Backoff::new(Duration::from_secs(1), Duration::from_secs(30)));
    /// assert_eq!(retries.failures(), 0);
    /// ```
    #[must_use]
    pub fn new(backoff: Backoff) -> Self {
        Self {
            backoff,
            failures: 0,
        }
    }

    /// Records a failure and returns the wait before the next attempt: the n-th consecutive
    /// failure waits [`Backoff::delay`]`(n - 1)`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Retries};
    ///
    /// // Equal jitter: the first wait is between 0.5 s and 1 s.
    /// let mut retries = Retries::new(Backoff::new(Duration::from_secs(1), Duration::from_secs(30)));
    /// let wait = retries.on_failure();
    /// assert!(wait >= Duration::from_millis(500) && wait <= Duration::from_secs(1));
    /// ```
    pub fn on_failure(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        self.backoff.delay(self.failures - 1)
    }

    /// Records a success: the next failure waits the shortest delay again. Returns how many
    /// consecutive failures came before it (to log a recovery).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Retries};
    ///
    /// let mut retries = Retries::new(Backoff::new(Duration::from_millis(1), Duration::from_millis(10)));
    /// let _ = retries.on_failure();
    /// assert_eq!(retries.on_success(), 1);
    /// assert_eq!(retries.on_success(), 0);
    /// ```
    pub fn on_success(&mut self) -> u32 {
        std::mem::take(&mut self.failures)
    }

    /// Consecutive failures so far.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Retries};
    ///
    /// let mut retries = Retries::new(Backoff::new(Duration::from_millis(1), Duration::from_millis(10)));
    /// let _ = retries.on_failure();
    /// let _ = retries.on_failure();
    /// assert_eq!(retries.failures(), 2);
    /// ```
    #[must_use]
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The bound of the current wait ([`Backoff::bound`] of the last failure), `Duration::ZERO`
    /// when there is no failure.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Retries};
    ///
    /// let mut retries = Retries::new(Backoff::new(Duration::from_secs(1), Duration::from_secs(30)));
    /// assert_eq!(retries.ceiling(), Duration::ZERO);
    /// let _ = retries.on_failure();
    /// let _ = retries.on_failure();
    /// assert_eq!(retries.ceiling(), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn ceiling(&self) -> Duration {
        match self.failures {
            0 => Duration::ZERO,
            failures => self.backoff.bound(failures - 1),
        }
    }

    /// The schedule the waits follow.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{Backoff, Retries};
    ///
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    /// assert_eq!(Retries::new(backoff).backoff(), &backoff);
    /// ```
    #[must_use]
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn bound_grows_from_initial_and_caps_without_overflow() {
        let backoff = Backoff::new(ms(100), ms(5_000)).with_jitter(Jitter::None);
        assert_eq!(backoff.bound(0), ms(100));
        assert_eq!(backoff.bound(1), ms(200));
        assert_eq!(backoff.bound(2), ms(400));
        assert_eq!(backoff.bound(5), ms(3_200));
        assert_eq!(backoff.bound(6), ms(5_000));
        assert_eq!(backoff.bound(u32::MAX), ms(5_000));
        assert_eq!(backoff.delay(u32::MAX), ms(5_000));
        let huge = Backoff::new(Duration::MAX, Duration::MAX);
        assert_eq!(huge.bound(0), Duration::MAX);
        assert_eq!(huge.bound(u32::MAX), Duration::MAX);
        assert!(huge.delay(u32::MAX) <= Duration::MAX);
    }

    #[test]
    fn multiplier_and_max_are_normalised() {
        let flat = Backoff::new(ms(100), ms(5_000)).with_multiplier(0.1);
        assert_eq!(flat.bound(5), ms(100));
        assert!((flat.with_multiplier(f64::NAN).multiplier() - 2.0).abs() < 1e-12);
        // A max below initial is raised to it, whichever builder came last.
        let raised = Backoff::new(ms(2_000), ms(1_000));
        assert_eq!(raised.max(), ms(2_000));
        assert_eq!(raised.bound(3), ms(2_000));
        assert_eq!(raised.with_initial(ms(100)).max(), ms(1_000));
        assert_eq!(raised, Backoff::new(ms(2_000), ms(2_000)));
        let zero = Backoff::new(Duration::ZERO, ms(10));
        assert_eq!(zero.bound(7), Duration::ZERO);
        assert_eq!(zero.delay(7), Duration::ZERO);
    }

    #[test]
    fn full_jitter_stays_within_zero_and_the_bound() {
        let backoff = Backoff::new(ms(100), ms(5_000)).with_jitter(Jitter::Full);
        let mut below_half = false;
        for attempt in 0..8 {
            for _ in 0..50 {
                let delay = backoff.delay(attempt);
                assert!(delay <= backoff.bound(attempt), "{delay:?} at {attempt}");
                below_half |= delay < backoff.bound(attempt) / 2;
            }
        }
        assert!(below_half, "full jitter never went below half the bound");
    }

    #[test]
    fn equal_jitter_bounds_grow_from_one_second_and_cap_at_thirty() {
        let mut retries = Retries::new(Backoff::new(ms(1_000), ms(30_000)));
        let ceilings = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
        for ceiling in ceilings {
            let wait = retries.on_failure();
            assert!(
                wait >= ms(ceiling / 2) && wait <= ms(ceiling),
                "{wait:?} vs {ceiling}"
            );
            assert_eq!(retries.ceiling(), ms(ceiling));
        }
        for _ in 0..100 {
            let wait = retries.on_failure();
            assert!(wait >= ms(15_000) && wait <= ms(30_000), "{wait:?}");
        }
        assert_eq!(retries.failures(), 107);
        assert_eq!(retries.on_success(), 107);
        assert_eq!(retries.failures(), 0);
        assert_eq!(retries.ceiling(), Duration::ZERO);
        assert_eq!(retries.on_success(), 0);
    }

    #[test]
    fn equal_jitter_spreads_the_waits() {
        let mut waits = std::collections::HashSet::new();
        for _ in 0..20 {
            let mut retries = Retries::new(Backoff::new(ms(1_000), ms(1_000)));
            waits.insert(retries.on_failure());
        }
        assert!(waits.len() > 1, "no jitter: {waits:?}");
    }

    #[test]
    fn retries_without_jitter_walk_the_bounds_and_start_over() {
        let mut retries = Retries::new(Backoff::new(ms(10), ms(50)).with_jitter(Jitter::None));
        let waits: Vec<Duration> = (0..5).map(|_| retries.on_failure()).collect();
        assert_eq!(waits, [10, 20, 40, 50, 50].map(ms).to_vec());
        assert_eq!(retries.on_success(), 5);
        assert_eq!(retries.on_failure(), ms(10));
        // The counter saturates instead of wrapping back to the shortest wait.
        let mut saturated = Retries {
            backoff: Backoff::new(ms(10), ms(50)).with_jitter(Jitter::None),
            failures: u32::MAX,
        };
        assert_eq!(saturated.on_failure(), ms(50));
        assert_eq!(saturated.failures(), u32::MAX);
    }
}
