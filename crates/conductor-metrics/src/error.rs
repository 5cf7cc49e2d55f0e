//! [`MetricsError`]: what can go wrong setting up metrics.

use std::net::SocketAddr;

/// An error setting up the metrics collector or its HTTP endpoint.
///
/// ```
/// use conductor_metrics::{MetricsCollector, MetricsError, MetricsSettings};
///
/// let err = MetricsCollector::new(&MetricsSettings::default().with_metrics_path("metrics")).unwrap_err();
/// assert!(matches!(err, MetricsError::InvalidSettings(_)));
/// assert!(err.to_string().starts_with("invalid metrics settings"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// The [`MetricsSettings`](crate::MetricsSettings) are invalid; the message says which one.
    #[error("invalid metrics settings: {0}")]
    InvalidSettings(String),
    /// A metric could not be created or registered (a name clash in a shared registry).
    #[error("could not register metric {name}: {message}")]
    Registry {
        /// The metric's full name.
        name: String,
        /// The registry's message.
        message: String,
    },
    /// The HTTP endpoint could not bind its address (port in use, permission denied...).
    #[error("could not bind the metrics endpoint to {address}")]
    Bind {
        /// The address it tried.
        address: SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The settings have no HTTP port, so there is nothing to serve.
    #[error("metrics settings have no HTTP port (use MetricsSettings::with_http_port)")]
    NoHttpPort,
}
