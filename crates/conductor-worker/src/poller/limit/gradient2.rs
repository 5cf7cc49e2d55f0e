//! [`Gradient2Limit`]: adaptive concurrency after the `Gradient2Limit` of Netflix's
//! `concurrency-limits`: the limit follows the ratio of the long-term latency to the latest one.
//!
//! On each sample, as the reference does:
//! - the long-term latency is an exponential average over `long_window` samples (a plain average
//!   over the first [`WARMUP_SAMPLES`]); when it is more than twice the latest latency (load has
//!   gone and latency is back to normal), it decays by 5 % a sample rather than waiting for the
//!   average;
//! - while the executions in flight use less than half the limit, the limit stays (a worker that
//!   is not using its limit learns nothing about it);
//! - otherwise `gradient = clamp(tolerance × long / latest, 0.5, 1)` and the limit moves by
//!   `smoothing` toward `limit × gradient + queue_size`, between 1 and the thread count.
//!
//! Failures do not move it: the reference looks at latency only.

use super::Sample;
use crate::Gradient2Settings;

/// Samples averaged plainly before the long-term latency becomes an exponential average.
pub(crate) const WARMUP_SAMPLES: u32 = 10;

/// The limit's estimate, kept as a real number (the limit is its integer part).
#[derive(Debug)]
pub(crate) struct Gradient2Limit {
    estimated: f64,
    max: f64,
    tolerance: f64,
    smoothing: f64,
    long_window: u32,
    queue_size: f64,
    /// The long-term latency in seconds and how many samples it has seen (for the warm-up).
    long_latency: f64,
    samples: u32,
}

impl Gradient2Limit {
    /// A limit between 1 and `max`, starting at `max` (the worker starts as without it).
    pub(crate) fn new(max: usize, settings: Gradient2Settings) -> Self {
        let max = max.max(1) as f64;
        Self {
            estimated: max,
            max,
            tolerance: settings.tolerance,
            smoothing: settings.smoothing,
            long_window: settings.long_window.max(1),
            queue_size: f64::from(settings.queue_size),
            long_latency: 0.0,
            samples: 0,
        }
    }

    /// The current limit.
    pub(crate) fn limit(&self) -> usize {
        // Truncated as in the reference; the estimate never leaves [1, max].
        self.estimated as usize
    }

    /// Updates the limit with one sample; returns the new limit.
    pub(crate) fn on_sample(&mut self, sample: Sample) -> usize {
        // A zero duration (a clock's resolution) would make the ratio infinite.
        let short = sample.duration.as_secs_f64().max(1e-9);
        let long = self.add_to_long_latency(short);
        if long / short > 2.0 {
            self.long_latency *= 0.95;
        }
        if (sample.in_flight as f64) < self.estimated / 2.0 {
            return self.limit();
        }
        let gradient = (self.tolerance * long / short).clamp(0.5, 1.0);
        let target = self.estimated * gradient + self.queue_size;
        let smoothed = self.estimated * (1.0 - self.smoothing) + target * self.smoothing;
        self.estimated = smoothed.clamp(1.0, self.max);
        self.limit()
    }

    /// Adds a latency to the long-term average; returns the average.
    fn add_to_long_latency(&mut self, seconds: f64) -> f64 {
        if self.samples < WARMUP_SAMPLES {
            self.samples += 1;
            self.long_latency += (seconds - self.long_latency) / f64::from(self.samples);
        } else {
            let factor = 2.0 / (f64::from(self.long_window) + 1.0);
            self.long_latency = self.long_latency * (1.0 - factor) + seconds * factor;
        }
        self.long_latency
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The reference's settings but the queue size this SDK defaults to.
    fn gradient2(max: usize) -> Gradient2Limit {
        Gradient2Limit::new(max, Gradient2Settings::DEFAULT)
    }

    fn ok(millis: u64, in_flight: usize) -> Sample {
        Sample {
            duration: Duration::from_millis(millis),
            in_flight,
            failed: false,
        }
    }

    /// Feeds `count` samples of `millis`, with the executions in flight at the current limit.
    fn busy(limit: &mut Gradient2Limit, millis: u64, count: usize) -> Vec<usize> {
        (0..count)
            .map(|_| {
                let in_flight = limit.limit();
                limit.on_sample(ok(millis, in_flight))
            })
            .collect()
    }

    #[test]
    fn flat_latency_keeps_the_limit_at_the_maximum() {
        let mut limit = gradient2(8);
        assert_eq!(busy(&mut limit, 10, 200), vec![8; 200]);
        // Noise within the tolerance (1.5 times the long-term latency) is no reason to shrink.
        assert_eq!(limit.on_sample(ok(14, 8)), 8);
    }

    #[test]
    fn a_latency_rise_shrinks_the_limit_and_recovery_grows_it_back() {
        let mut limit = gradient2(16);
        busy(&mut limit, 10, 100);
        // Twenty times slower: the gradient is at its floor (0.5), and the limit falls toward
        // queue_size / (1 - 0.5) = 2.
        let slow = busy(&mut limit, 200, 30);
        assert!(slow.windows(2).all(|pair| pair[1] <= pair[0]), "{slow:?}");
        assert!(*slow.last().unwrap() <= 3, "{slow:?}");
        // Fast again: the gradient is 1 and each sample adds smoothing × queue_size.
        let fast = busy(&mut limit, 10, 100);
        assert!(fast.windows(2).all(|pair| pair[1] >= pair[0]), "{fast:?}");
        assert_eq!(fast.last(), Some(&16));
    }

    #[test]
    fn failures_alone_do_not_move_it() {
        let mut limit = gradient2(8);
        busy(&mut limit, 10, 20);
        let failed = Sample {
            failed: true,
            ..ok(10, 8)
        };
        for _ in 0..50 {
            assert_eq!(limit.on_sample(failed), 8);
        }
    }

    #[test]
    fn an_app_limited_worker_does_not_move_its_limit() {
        let mut limit = gradient2(10);
        busy(&mut limit, 10, 50);
        busy(&mut limit, 200, 20);
        let shrunk = limit.limit();
        assert!(shrunk < 10);
        // One execution at a time, well under half the limit: nothing learnt, nothing changes.
        for _ in 0..50 {
            assert_eq!(limit.on_sample(ok(10, 1)), shrunk);
        }
    }

    #[test]
    fn a_lasting_slowdown_becomes_the_new_normal() {
        let mut limit = gradient2(8);
        busy(&mut limit, 10, 50);
        // 30 ms from now on: the limit shrinks at first, then the long-term latency catches up
        // (600-sample window) and the gradient returns to 1.
        let seen = busy(&mut limit, 30, 3000);
        assert!(seen[..20].iter().any(|&l| l < 8), "{:?}", &seen[..20]);
        assert_eq!(seen.last(), Some(&8));
    }

    #[test]
    fn the_long_latency_warms_up_as_a_plain_average() {
        let mut limit = gradient2(4);
        for millis in [10, 20, 30] {
            limit.on_sample(ok(millis, 4));
        }
        assert!((limit.long_latency - 0.020).abs() < 1e-9);
    }
}
