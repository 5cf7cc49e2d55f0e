//! [`TokenBucket`]: a worker's client-side rate limit, a plain token bucket on an injected clock
//! (the runner passes tokio's, so paused test time drives it).

use std::time::{Duration, Instant};

use crate::worker_options::RateLimit;

/// Tolerance for rounding in the refill arithmetic: 0.9999999999 tokens count as one.
const EPSILON: f64 = 1e-9;

/// `per_second` tokens a second, at most `burst` held; full at start. One token is one task.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    per_second: f64,
    burst: f64,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket for `limit` (whose rate must be positive and finite).
    pub(crate) fn new(limit: RateLimit, now: Instant) -> Self {
        let burst = f64::from(limit.burst().max(1));
        Self {
            per_second: limit.per_second(),
            burst,
            tokens: burst,
            updated: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        if now > self.updated {
            let elapsed = now.duration_since(self.updated).as_secs_f64();
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
            self.updated = now;
        }
    }

    /// Takes as many whole tokens as there are, at most `wanted`; returns how many it took.
    pub(crate) fn take_up_to(&mut self, wanted: usize, now: Instant) -> usize {
        self.refill(now);
        let whole = (self.tokens + EPSILON).floor().max(0.0);
        // `whole` is at most `burst`, a u32: the conversions are exact.
        let taken = (whole as usize).min(wanted);
        self.tokens = (self.tokens - taken as f64).max(0.0);
        taken
    }

    /// Gives back `count` tokens taken but not used (the server returned fewer tasks).
    pub(crate) fn refund(&mut self, count: usize) {
        self.tokens = (self.tokens + count as f64).min(self.burst);
    }

    /// How long until a whole token is there (zero when one is).
    pub(crate) fn until_next(&mut self, now: Instant) -> Duration {
        self.refill(now);
        let missing = 1.0 - self.tokens;
        if missing <= EPSILON {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(missing / self.per_second).unwrap_or(Duration::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(per_second: f64, burst: u32) -> (TokenBucket, Instant) {
        let start = Instant::now();
        (
            TokenBucket::new(RateLimit::new(per_second, burst), start),
            start,
        )
    }

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn starts_full_and_never_gives_more_than_the_burst() {
        let (mut bucket, start) = bucket(10.0, 5);
        assert_eq!(bucket.take_up_to(8, start), 5);
        assert_eq!(bucket.take_up_to(8, start), 0);
        // A long idle spell refills to the burst, not beyond.
        let later = start + Duration::from_secs(60);
        assert_eq!(bucket.take_up_to(100, later), 5);
    }

    #[test]
    fn refills_at_the_rate_and_says_when_the_next_token_comes() {
        let (mut bucket, start) = bucket(10.0, 1);
        assert_eq!(bucket.take_up_to(3, start), 1);
        assert_eq!(bucket.until_next(start), ms(100));
        assert_eq!(bucket.take_up_to(3, start + ms(50)), 0);
        assert_eq!(bucket.until_next(start + ms(50)), ms(50));
        assert_eq!(bucket.take_up_to(3, start + ms(100)), 1);
        // Over 5 s at 10/s with a burst of 1: 1 at start, then one per 100 ms.
        let (mut bucket, start) = super::tests::bucket(10.0, 1);
        let mut taken = 0;
        for step in 0..=50 {
            taken += bucket.take_up_to(8, start + ms(100 * step));
        }
        assert_eq!(taken, 51);
    }

    #[test]
    fn refunds_return_unused_tokens_up_to_the_burst() {
        let (mut bucket, start) = bucket(1.0, 4);
        assert_eq!(bucket.take_up_to(4, start), 4);
        bucket.refund(3);
        assert_eq!(bucket.until_next(start), Duration::ZERO);
        assert_eq!(bucket.take_up_to(10, start), 3);
        bucket.refund(100);
        assert_eq!(bucket.take_up_to(10, start), 4);
    }

    #[test]
    fn slow_rates_wait_whole_seconds() {
        let (mut bucket, start) = bucket(0.5, 1);
        assert_eq!(bucket.take_up_to(1, start), 1);
        assert_eq!(bucket.until_next(start), Duration::from_secs(2));
        assert_eq!(bucket.take_up_to(1, start + ms(1_999)), 0);
        assert_eq!(bucket.take_up_to(1, start + ms(2_000)), 1);
    }
}
