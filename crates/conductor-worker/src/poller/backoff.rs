//! The poll loop's waits: the adaptive idle backoff after empty polls and the rate limit on
//! poll-failure log lines. The backoff after failed polls and updates is
//! [`conductor_http::Retries`] (equal jitter), the SDK's one error backoff.

use std::time::Duration;

use tokio::time::Instant;

/// The wait after empty polls: 1 ms after the first, then 2, 4, 8 ms... never more than the
/// poll interval; any task resets it to zero.
///
/// Unlike the other SDKs there is no fixed 1 s cap, so a poll interval of 5 s is honoured
/// (python-sdk #384), and a busy worker polls again at once.
#[derive(Debug, Clone)]
pub(crate) struct IdleBackoff {
    empty_polls: u32,
    interval: Duration,
}

impl IdleBackoff {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            empty_polls: 0,
            interval,
        }
    }

    /// Records an empty poll and returns the wait before the next one.
    pub(crate) fn on_empty(&mut self) -> Duration {
        self.empty_polls = self.empty_polls.saturating_add(1);
        self.delay()
    }

    /// Records a poll that returned tasks: the next poll may go at once.
    pub(crate) fn on_tasks(&mut self) {
        self.empty_polls = 0;
    }

    /// The current wait.
    pub(crate) fn delay(&self) -> Duration {
        if self.empty_polls == 0 {
            return Duration::ZERO;
        }
        let exponent = (self.empty_polls - 1).min(40);
        Duration::from_millis(1_u64 << exponent).min(self.interval)
    }
}

/// Lets one log line through per interval and counts the ones held back.
#[derive(Debug)]
pub(crate) struct LogLimiter {
    interval: Duration,
    last: Option<Instant>,
    suppressed: u64,
}

impl LogLimiter {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: None,
            suppressed: 0,
        }
    }

    /// `Some(n)` when a line may be logged now (`n` lines were held back since the last one),
    /// `None` when it must be held back.
    pub(crate) fn check(&mut self, now: Instant) -> Option<u64> {
        match self.last {
            Some(last) if now.duration_since(last) < self.interval => {
                self.suppressed += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.suppressed))
            }
        }
    }

    /// Starts over (after a recovery the next failure is logged at once).
    pub(crate) fn reset(&mut self) {
        self.last = None;
        self.suppressed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn idle_backoff_doubles_up_to_the_poll_interval_and_resets() {
        let mut idle = IdleBackoff::new(ms(100));
        assert_eq!(idle.delay(), Duration::ZERO);
        let waits: Vec<Duration> = (0..10).map(|_| idle.on_empty()).collect();
        assert_eq!(
            waits,
            [1, 2, 4, 8, 16, 32, 64, 100, 100, 100].map(ms).to_vec()
        );
        idle.on_tasks();
        assert_eq!(idle.delay(), Duration::ZERO);
        assert_eq!(idle.on_empty(), ms(1));
    }

    #[test]
    fn idle_backoff_honours_long_poll_intervals() {
        // The other SDKs stop at 1024 ms whatever the interval; a 5 s interval must be reached.
        let mut idle = IdleBackoff::new(ms(5_000));
        let last = (0..20).map(|_| idle.on_empty()).last().unwrap();
        assert_eq!(last, ms(5_000));
        let mut idle = IdleBackoff::new(ms(5_000));
        for _ in 0..100 {
            idle.on_empty();
        }
        assert_eq!(idle.delay(), ms(5_000));
    }

    #[test]
    fn log_limiter_lets_one_line_per_interval_and_counts_the_rest() {
        let start = Instant::now();
        let mut limiter = LogLimiter::new(ms(1_000));
        assert_eq!(limiter.check(start), Some(0));
        assert_eq!(limiter.check(start + ms(10)), None);
        assert_eq!(limiter.check(start + ms(999)), None);
        assert_eq!(limiter.check(start + ms(1_000)), Some(2));
        assert_eq!(limiter.check(start + ms(1_500)), None);
        limiter.reset();
        assert_eq!(limiter.check(start + ms(1_501)), Some(0));
    }
}
