//! Time source of the server: the wall clock in production, a manual clock in tests.
//!
//! Every deadline the engine keeps (retry delays, `callbackAfterSeconds`, poll/response/overall
//! timeouts, workflow timeouts, rate-limit windows) is read from a [`Clock`], so tests can jump over
//! an hour of engine time with [`ManualClock::advance`] and then run the sweeper synchronously.

use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of "now" in epoch milliseconds.
pub trait Clock: Send + Sync + Debug {
    /// The current time in milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;
}

/// The system wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that only moves when told to; share it with `Arc` between the test and the server.
///
/// ```
/// use std::time::Duration;
/// use conductor_server::{Clock, ManualClock};
///
/// let clock = ManualClock::new(1_000);
/// clock.advance(Duration::from_secs(3));
/// assert_eq!(clock.now_millis(), 4_000);
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    /// A clock frozen at `start_millis` (epoch milliseconds).
    pub fn new(start_millis: i64) -> Self {
        Self {
            now: AtomicI64::new(start_millis),
        }
    }

    /// A clock frozen at the current wall-clock time.
    pub fn starting_now() -> Self {
        Self::new(SystemClock.now_millis())
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.now.fetch_add(millis, Ordering::SeqCst);
    }

    /// Sets the clock to `millis` (epoch milliseconds); it may go backwards.
    pub fn set(&self, millis: i64) {
        self.now.store(millis, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::starting_now()
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// Converts a duration in seconds (possibly negative or huge, as the wire allows) to milliseconds.
pub(crate) fn secs_to_millis(secs: i64) -> i64 {
    secs.saturating_mul(1000)
}

/// A non-negative duration in milliseconds as a `Duration`.
pub(crate) fn millis_duration(millis: i64) -> Duration {
    Duration::from_millis(u64::try_from(millis).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(10);
        assert_eq!(clock.now_millis(), 10);
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.now_millis(), 1510);
        clock.set(5);
        assert_eq!(clock.now_millis(), 5);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_millis() > 1_577_836_800_000);
    }
}
