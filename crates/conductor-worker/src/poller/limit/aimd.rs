//! [`AimdLimit`]: adaptive concurrency for one worker, after the AIMD limiter of Netflix's
//! `concurrency-limits`.
//!
//! On each sample: a *drop* (a failed execution, or one slower than `latency_tolerance` times
//! the smoothed latency) multiplies the limit by `backoff_ratio`; any other sample adds 1 when
//! the executions in flight use at least half the limit (as the reference does, so an idle worker
//! does not grow a limit it never tests). The limit stays between 1 and the thread count.

use super::Sample;
use crate::AimdSettings;

/// How many samples the smoothed latency averages over (an exponential moving average): it
/// follows a lasting change of latency within about this many executions, so a dependency that
/// stays slower becomes the new normal and the limit grows again.
pub(crate) const LATENCY_WINDOW: f64 = 100.0;

/// An additive-increase, multiplicative-decrease limit on the executions in flight.
#[derive(Debug)]
pub(crate) struct AimdLimit {
    limit: usize,
    max: usize,
    /// The factor applied to the limit on a drop.
    backoff_ratio: f64,
    /// A sample slower than this many times the smoothed latency counts as a drop.
    latency_tolerance: f64,
    /// The smoothed latency, in seconds; `None` before the first sample.
    latency: Option<f64>,
}

impl AimdLimit {
    /// A limit between 1 and `max`, starting at `max` (the worker starts as without it).
    pub(crate) fn new(max: usize, settings: AimdSettings) -> Self {
        let max = max.max(1);
        Self {
            limit: max,
            max,
            backoff_ratio: settings.backoff_ratio,
            latency_tolerance: settings.latency_tolerance,
            latency: None,
        }
    }

    /// The current limit.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Updates the limit with one sample; returns the new limit.
    pub(crate) fn on_sample(&mut self, sample: Sample) -> usize {
        let seconds = sample.duration.as_secs_f64();
        let slow = self
            .latency
            .is_some_and(|latency| seconds > latency * self.latency_tolerance);
        self.latency = Some(match self.latency {
            None => seconds,
            Some(latency) => latency + (seconds - latency) * 2.0 / (LATENCY_WINDOW + 1.0),
        });
        if sample.failed || slow {
            // Truncated as in the reference, and always at least one lower (until 1).
            let backed_off = (self.limit as f64 * self.backoff_ratio) as usize;
            self.limit = backed_off.min(self.limit - 1).max(1);
        } else if sample.in_flight * 2 >= self.limit {
            self.limit = (self.limit + 1).min(self.max);
        }
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The reference's defaults (ratio 0.9, tolerance 2).
    fn aimd(max: usize) -> AimdLimit {
        AimdLimit::new(max, AimdSettings::DEFAULT)
    }

    fn ok(millis: u64, in_flight: usize) -> Sample {
        Sample {
            duration: Duration::from_millis(millis),
            in_flight,
            failed: false,
        }
    }

    fn failed(millis: u64) -> Sample {
        Sample {
            failed: true,
            ..ok(millis, 1)
        }
    }

    #[test]
    fn starts_at_the_maximum_and_stays_there_while_latency_is_flat() {
        let mut limit = aimd(8);
        assert_eq!(limit.limit(), 8);
        for _ in 0..100 {
            assert_eq!(limit.on_sample(ok(10, 8)), 8);
        }
        // Noise within the tolerance is no drop.
        assert_eq!(limit.on_sample(ok(19, 8)), 8);
    }

    #[test]
    fn failures_back_off_multiplicatively_down_to_one() {
        let mut limit = aimd(20);
        limit.on_sample(ok(10, 20));
        let seen: Vec<usize> = (0..6).map(|_| limit.on_sample(failed(10))).collect();
        assert_eq!(seen, [18, 16, 14, 12, 10, 9]);
        for _ in 0..20 {
            limit.on_sample(failed(10));
        }
        assert_eq!(limit.limit(), 1);
    }

    #[test]
    fn a_latency_rise_backs_off_and_flat_latency_grows_it_back_by_one_a_sample() {
        let mut limit = aimd(8);
        for _ in 0..50 {
            limit.on_sample(ok(10, 8));
        }
        // The dependency slows down twentyfold: each slow execution is a drop.
        let seen: Vec<usize> = (0..8).map(|_| limit.on_sample(ok(200, 8))).collect();
        assert_eq!(seen, [7, 6, 5, 4, 3, 2, 1, 1]);
        // Fast again: +1 per sample while in flight uses at least half the limit.
        let seen: Vec<usize> = (1..=8).map(|n| limit.on_sample(ok(10, n))).collect();
        assert_eq!(seen, [2, 3, 4, 5, 6, 7, 8, 8]);
    }

    #[test]
    fn an_idle_worker_does_not_grow_its_limit() {
        let mut limit = aimd(10);
        limit.on_sample(failed(10));
        limit.on_sample(failed(10));
        assert_eq!(limit.limit(), 8);
        // One execution at a time never tests a limit of 8: no growth.
        for _ in 0..10 {
            assert_eq!(limit.on_sample(ok(10, 1)), 8);
        }
        assert_eq!(limit.on_sample(ok(10, 4)), 9);
    }

    #[test]
    fn a_lasting_slowdown_becomes_the_new_normal() {
        let mut limit = aimd(4);
        for _ in 0..20 {
            limit.on_sample(ok(10, 4));
        }
        // 50 ms from now on: drops at first, then the smoothed latency catches up and the
        // limit grows again.
        let seen: Vec<usize> = (0..200)
            .map(|_| {
                let in_flight = limit.limit();
                limit.on_sample(ok(50, in_flight))
            })
            .collect();
        assert_eq!(seen[..4], [3, 2, 1, 1]);
        assert_eq!(seen.last(), Some(&4));
    }

    #[test]
    fn a_thread_count_of_one_is_a_fixed_limit() {
        let mut limit = aimd(1);
        assert_eq!(limit.on_sample(failed(1)), 1);
        assert_eq!(limit.on_sample(ok(1, 1)), 1);
    }
}
