//! Adaptive concurrency: the limit on a worker's executions in flight, fed with each execution's
//! duration and outcome (the caller measures them), so the algorithms are tested without tokio.
//! [`AdaptiveLimit`] is the one the worker's [`ConcurrencyLimiter`] chose.

mod aimd;
mod gradient2;

use std::time::Duration;

use crate::ConcurrencyLimiter;
pub(crate) use aimd::AimdLimit;
pub(crate) use gradient2::Gradient2Limit;

/// One finished execution.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    /// How long it ran.
    pub(crate) duration: Duration,
    /// Executions in flight when it finished, itself included.
    pub(crate) in_flight: usize,
    /// Whether it failed in a way that may come from overload (an error or a panic).
    pub(crate) failed: bool,
}

/// A limit between 1 and the thread count, adapted by one of the algorithms.
#[derive(Debug)]
pub(crate) enum AdaptiveLimit {
    /// Additive increase, multiplicative decrease.
    Aimd(AimdLimit),
    /// Long-term over short-term latency.
    Gradient2(Gradient2Limit),
}

impl AdaptiveLimit {
    /// The limit `limiter` describes, between 1 and `max`, starting at `max`.
    pub(crate) fn new(limiter: ConcurrencyLimiter, max: usize) -> Self {
        match limiter {
            ConcurrencyLimiter::Aimd(settings) => Self::Aimd(AimdLimit::new(max, settings)),
            ConcurrencyLimiter::Gradient2(settings) => {
                Self::Gradient2(Gradient2Limit::new(max, settings))
            }
        }
    }

    /// The current limit.
    pub(crate) fn limit(&self) -> usize {
        match self {
            Self::Aimd(limit) => limit.limit(),
            Self::Gradient2(limit) => limit.limit(),
        }
    }

    /// Updates the limit with one sample; returns the new limit.
    pub(crate) fn on_sample(&mut self, sample: Sample) -> usize {
        match self {
            Self::Aimd(limit) => limit.on_sample(sample),
            Self::Gradient2(limit) => limit.on_sample(sample),
        }
    }
}
