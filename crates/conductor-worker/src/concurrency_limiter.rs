//! [`ConcurrencyLimiter`]: which adaptive-concurrency algorithm a worker uses, and its settings
//! ([`AimdSettings`], [`Gradient2Settings`]).

/// The algorithm that adapts a worker's executions in flight (between 1 and its thread count)
/// to their latency and failures, after Netflix's `concurrency-limits`.
///
/// - [`Aimd`](Self::Aimd) (the default of [`WorkerOptions::with_adaptive_concurrency`]):
///   additive increase, multiplicative decrease. A failed execution, or one slower than
///   `latency_tolerance` times the smoothed latency, multiplies the limit by `backoff_ratio`;
///   any other adds 1 while the executions in flight use at least half the limit. Reacts to
///   failures as well as to latency.
/// - [`Gradient2`](Self::Gradient2): the limit follows the ratio of the long-term latency to the
///   latest one (`tolerance × long / latest`, clamped to 0.5–1), plus `queue_size`, smoothed by
///   `smoothing`; a rise of latency shrinks it in proportion, and the long-term average
///   (`long_window` samples) makes a lasting change the new normal. As in the reference, it
///   looks at latency only: failures do not shrink it.
///
/// Settings are validated when the worker's configuration is resolved
/// ([`WorkerConfig::resolve`](crate::WorkerConfig::resolve)).
///
/// ```
/// use conductor_worker::{ConcurrencyLimiter, Gradient2Settings, WorkerOptions};
///
/// let options = WorkerOptions::default()
///     .with_thread_count(32)
///     .with_concurrency_limiter(ConcurrencyLimiter::Gradient2(Gradient2Settings {
///         tolerance: 2.0,
///         ..Gradient2Settings::default()
///     }));
/// assert!(options.adaptive_concurrency());
/// ```
///
/// [`WorkerOptions::with_adaptive_concurrency`]: crate::WorkerOptions::with_adaptive_concurrency
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcurrencyLimiter {
    /// Additive increase, multiplicative decrease (`AIMDLimit`).
    Aimd(AimdSettings),
    /// The gradient of long-term to latest latency (`Gradient2Limit`).
    Gradient2(Gradient2Settings),
}

/// The settings of [`ConcurrencyLimiter::Aimd`].
#[derive(Debug, Clone, Copy)]
pub struct AimdSettings {
    /// The factor applied to the limit on a drop, in (0, 1). Default 0.9.
    pub backoff_ratio: f64,
    /// An execution slower than this many times the smoothed latency is a drop (≥ 1).
    /// Default 2.
    pub latency_tolerance: f64,
}

/// The settings of [`ConcurrencyLimiter::Gradient2`].
#[derive(Debug, Clone, Copy)]
pub struct Gradient2Settings {
    /// How much slower than the long-term latency an execution may be before the limit
    /// shrinks (≥ 1). Default 1.5.
    pub tolerance: f64,
    /// How far each sample moves the limit toward its new estimate, in (0, 1]. Default 0.2.
    pub smoothing: f64,
    /// The samples the long-term latency averages over (≥ 1). Default 600.
    pub long_window: u32,
    /// Headroom added to the estimate, so that the limit can grow while latency is flat; under
    /// the steepest gradient the limit settles at twice this. Default 1: the reference's 4
    /// suits its minimum limit of 20, while a worker's thread count is often a few, which a
    /// floor of 8 would leave unprotected.
    pub queue_size: u32,
}

impl AimdSettings {
    /// The reference's defaults.
    pub const DEFAULT: Self = Self {
        backoff_ratio: 0.9,
        latency_tolerance: 2.0,
    };
}

impl Gradient2Settings {
    /// The reference's defaults, but a queue size of 1 (see [`queue_size`](Self::queue_size)).
    pub const DEFAULT: Self = Self {
        tolerance: 1.5,
        smoothing: 0.2,
        long_window: 600,
        queue_size: 1,
    };
}

impl Default for AimdSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Default for Gradient2Settings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Bitwise equality of the ratios, so that `Eq` holds (as for [`RateLimit`](crate::RateLimit)).
impl PartialEq for AimdSettings {
    fn eq(&self, other: &Self) -> bool {
        self.backoff_ratio.to_bits() == other.backoff_ratio.to_bits()
            && self.latency_tolerance.to_bits() == other.latency_tolerance.to_bits()
    }
}

impl Eq for AimdSettings {}

/// Bitwise equality of the ratios, so that `Eq` holds.
impl PartialEq for Gradient2Settings {
    fn eq(&self, other: &Self) -> bool {
        self.tolerance.to_bits() == other.tolerance.to_bits()
            && self.smoothing.to_bits() == other.smoothing.to_bits()
            && self.long_window == other.long_window
            && self.queue_size == other.queue_size
    }
}

impl Eq for Gradient2Settings {}

impl ConcurrencyLimiter {
    /// AIMD with its defaults.
    pub const AIMD: Self = Self::Aimd(AimdSettings::DEFAULT);

    /// Gradient2 with its defaults.
    pub const GRADIENT2: Self = Self::Gradient2(Gradient2Settings::DEFAULT);

    /// The algorithm's name as the environment spells it (`aimd`, `gradient2`).
    ///
    /// ```
    /// assert_eq!(conductor_worker::ConcurrencyLimiter::GRADIENT2.name(), "gradient2");
    /// ```
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Aimd(_) => "aimd",
            Self::Gradient2(_) => "gradient2",
        }
    }

    /// The algorithm named `name` (`aimd` or `gradient2`, any case) with its defaults.
    ///
    /// ```
    /// use conductor_worker::ConcurrencyLimiter;
    ///
    /// assert_eq!(ConcurrencyLimiter::from_name("Gradient2"), Some(ConcurrencyLimiter::GRADIENT2));
    /// assert_eq!(ConcurrencyLimiter::from_name("vegas"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "aimd" => Some(Self::AIMD),
            "gradient2" => Some(Self::GRADIENT2),
            _ => None,
        }
    }

    /// Why the settings cannot work, if they cannot.
    pub(crate) fn invalid(&self) -> Option<String> {
        match *self {
            Self::Aimd(AimdSettings {
                backoff_ratio,
                latency_tolerance,
            }) => {
                if !(backoff_ratio > 0.0 && backoff_ratio < 1.0) {
                    return Some(format!(
                        "AIMD backoff_ratio must be between 0 and 1 (exclusive), got {backoff_ratio}"
                    ));
                }
                (latency_tolerance.is_nan() || latency_tolerance < 1.0).then(|| {
                    format!("AIMD latency_tolerance must be at least 1, got {latency_tolerance}")
                })
            }
            Self::Gradient2(Gradient2Settings {
                tolerance,
                smoothing,
                long_window,
                ..
            }) => {
                if tolerance.is_nan() || tolerance < 1.0 {
                    return Some(format!(
                        "Gradient2 tolerance must be at least 1, got {tolerance}"
                    ));
                }
                if !(smoothing > 0.0 && smoothing <= 1.0) {
                    return Some(format!(
                        "Gradient2 smoothing must be in (0, 1], got {smoothing}"
                    ));
                }
                (long_window == 0).then(|| "Gradient2 long_window must be at least 1".to_owned())
            }
        }
    }
}

impl Default for ConcurrencyLimiter {
    /// [`ConcurrencyLimiter::AIMD`].
    fn default() -> Self {
        Self::AIMD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_bad_settings_are_named() {
        assert_eq!(ConcurrencyLimiter::AIMD.invalid(), None);
        assert_eq!(ConcurrencyLimiter::GRADIENT2.invalid(), None);
        let problem = |limiter: ConcurrencyLimiter| limiter.invalid().unwrap_or_default();
        assert!(
            problem(ConcurrencyLimiter::Aimd(AimdSettings {
                backoff_ratio: 1.0,
                ..AimdSettings::DEFAULT
            }))
            .contains("backoff_ratio")
        );
        assert!(
            problem(ConcurrencyLimiter::Aimd(AimdSettings {
                latency_tolerance: 0.5,
                ..AimdSettings::DEFAULT
            }))
            .contains("latency_tolerance")
        );
        assert!(
            problem(ConcurrencyLimiter::Gradient2(Gradient2Settings {
                smoothing: 0.0,
                ..Gradient2Settings::DEFAULT
            }))
            .contains("smoothing")
        );
        assert!(
            problem(ConcurrencyLimiter::Gradient2(Gradient2Settings {
                long_window: 0,
                ..Gradient2Settings::DEFAULT
            }))
            .contains("long_window")
        );
        assert!(
            problem(ConcurrencyLimiter::Gradient2(Gradient2Settings {
                tolerance: f64::NAN,
                ..Gradient2Settings::DEFAULT
            }))
            .contains("tolerance")
        );
    }
}
