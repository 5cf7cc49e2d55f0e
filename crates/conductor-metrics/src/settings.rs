//! [`MetricsSettings`]: what the metrics collector exposes and where it serves it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::error::MetricsError;
use crate::names::MetricNaming;

/// Path of the liveness endpoint served beside the metrics.
///
/// ```
/// use conductor_metrics::{HEALTH_PATH, MetricsSettings};
///
/// // The metrics path may not shadow the liveness endpoint.
/// assert!(MetricsSettings::default().with_metrics_path(HEALTH_PATH).validate().is_err());
/// ```
pub const HEALTH_PATH: &str = "/health";

/// The environment variable that selects the [canonical naming](MetricNaming::Canonical) in
/// [`MetricsSettings::from_env`]: `true` (or `1`, `yes`, `on`) for canonical names, `false` (or
/// `0`, `no`, `off`) or unset for the standard ones. The Python, Go and JavaScript SDKs read the
/// same variable, so one deployment setting switches workers in every language.
///
/// ```
/// use conductor_metrics::{CANONICAL_METRICS_ENV, MetricNaming, MetricsSettings};
///
/// let env = |name: &str| (name == CANONICAL_METRICS_ENV).then(|| "true".to_owned());
/// assert_eq!(MetricsSettings::from_env_vars(env).naming(), MetricNaming::Canonical);
/// ```
pub const CANONICAL_METRICS_ENV: &str = "WORKER_CANONICAL_METRICS";

/// Settings of the Prometheus metrics: names, the HTTP endpoint, the sampling interval.
///
/// Defaults: no HTTP endpoint (metrics are only available through
/// [`MetricsCollector::gather`](crate::MetricsCollector::gather)), path `/metrics`, bind address
/// `0.0.0.0`, namespace `conductor`, update interval 5 s, [`MetricNaming::Standard`].
/// `MetricsSettings::default()` never reads the environment; [`MetricsSettings::from_env`]
/// starts from the defaults and takes the naming from [`CANONICAL_METRICS_ENV`]
/// (`WORKER_CANONICAL_METRICS`).
///
/// ```
/// use std::time::Duration;
/// use conductor_metrics::MetricsSettings;
///
/// let settings = MetricsSettings::default()
///     .with_http_port(9090) // Serve metrics on :9090/metrics
///     .with_metrics_path("/metrics")
///     .with_namespace("conductor")
///     .with_update_interval(Duration::from_secs(5));
/// assert_eq!(settings.http_port(), Some(9090));
/// assert!(settings.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsSettings {
    http_port: Option<u16>,
    bind_address: IpAddr,
    metrics_path: String,
    namespace: String,
    update_interval: Duration,
    naming: MetricNaming,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            http_port: None,
            bind_address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            metrics_path: "/metrics".to_owned(),
            namespace: "conductor".to_owned(),
            update_interval: Duration::from_secs(5),
            naming: MetricNaming::Standard,
        }
    }
}

impl MetricsSettings {
    /// The defaults, with the naming read from the process environment:
    /// [`MetricNaming::Canonical`] when [`CANONICAL_METRICS_ENV`] (`WORKER_CANONICAL_METRICS`)
    /// is `true`/`1`/`yes`/`on`, [`MetricNaming::Standard`] otherwise. A value that is neither a
    /// true nor a false spelling is logged and ignored. The builder methods still apply after it.
    ///
    /// ```
    /// use conductor_metrics::MetricsSettings;
    ///
    /// // WORKER_CANONICAL_METRICS=true selects the names the other Conductor SDKs use.
    /// let settings = MetricsSettings::from_env().with_http_port(9090);
    /// assert!(settings.validate().is_ok());
    /// ```
    #[must_use]
    pub fn from_env() -> Self {
        Self::from_env_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables read through `lookup` (`Some(value)` when
    /// set), for tests and for configuration kept elsewhere than in the process environment.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use conductor_metrics::{MetricNaming, MetricsSettings};
    ///
    /// let vars = HashMap::from([("WORKER_CANONICAL_METRICS", "false")]);
    /// let settings = MetricsSettings::from_env_vars(|name| vars.get(name).map(|v| v.to_string()));
    /// assert_eq!(settings.naming(), MetricNaming::Standard);
    /// assert_eq!(MetricsSettings::from_env_vars(|_| None), MetricsSettings::default());
    /// ```
    #[must_use]
    pub fn from_env_vars(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut settings = Self::default();
        if let Some(value) = lookup(CANONICAL_METRICS_ENV) {
            match value.trim().to_ascii_lowercase().as_str() {
                "" => {}
                "true" | "1" | "yes" | "on" | "y" => settings.naming = MetricNaming::Canonical,
                "false" | "0" | "no" | "off" | "n" => settings.naming = MetricNaming::Standard,
                _ => tracing::warn!(
                    variable = CANONICAL_METRICS_ENV,
                    value = %value,
                    "not a boolean; keeping the standard metric names"
                ),
            }
        }
        settings
    }

    /// Serves the metrics over HTTP on `port` (`0` picks a free port; read it from
    /// [`MetricsServer::local_addr`](crate::MetricsServer::local_addr)). Default: no endpoint.
    ///
    /// ```
    /// use conductor_metrics::MetricsSettings;
    ///
    /// assert_eq!(MetricsSettings::default().http_port(), None);
    /// assert_eq!(MetricsSettings::default().with_http_port(9090).http_port(), Some(9090));
    /// ```
    #[must_use]
    pub fn with_http_port(mut self, port: u16) -> Self {
        self.http_port = Some(port);
        self
    }

    /// The address the endpoint binds to. Default `0.0.0.0` (every interface, so Prometheus can
    /// scrape it from outside the host); use `127.0.0.1` to keep it local.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    /// use conductor_metrics::MetricsSettings;
    ///
    /// let settings = MetricsSettings::default()
    ///     .with_http_port(9090)
    ///     .with_bind_address(IpAddr::V4(Ipv4Addr::LOCALHOST)); // not reachable from outside the host
    /// assert_eq!(settings.socket_address(), Some(SocketAddr::from(([127, 0, 0, 1], 9090))));
    /// ```
    #[must_use]
    pub fn with_bind_address(mut self, address: IpAddr) -> Self {
        self.bind_address = address;
        self
    }

    /// The path the metrics are served at. Default `/metrics`. Must start with `/` and differ
    /// from `/health`.
    ///
    /// ```
    /// use conductor_metrics::MetricsSettings;
    ///
    /// let settings = MetricsSettings::default().with_metrics_path("/prometheus");
    /// assert_eq!(settings.metrics_path(), "/prometheus");
    /// assert!(settings.validate().is_ok());
    /// assert!(MetricsSettings::default().with_metrics_path("no-slash").validate().is_err());
    /// ```
    #[must_use]
    pub fn with_metrics_path(mut self, path: impl Into<String>) -> Self {
        self.metrics_path = path.into();
        self
    }

    /// The prefix of every metric name in the [standard naming](MetricNaming::Standard)
    /// (`conductor` gives `conductor_task_poll_total`; an empty namespace gives
    /// `task_poll_total`). Default `conductor`. Ignored by the
    /// [canonical naming](MetricNaming::Canonical), whose names have no prefix.
    ///
    /// ```
    /// use conductor_metrics::{MetricsCollector, MetricsSettings};
    /// use conductor_events::{PollStarted, TaskRunnerEventsListener};
    ///
    /// let settings = MetricsSettings::default().with_namespace("billing");
    /// let collector = MetricsCollector::new(&settings)?;
    /// collector.on_poll_started(&PollStarted { task_type: "charge".into(), worker_id: "w".into(), poll_count: 1 });
    /// assert!(collector.gather().contains("billing_task_poll_total"));
    /// assert!(MetricsSettings::default().with_namespace("has-dash").validate().is_err());
    /// # Ok::<(), conductor_metrics::MetricsError>(())
    /// ```
    #[must_use]
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// How often the gauges sampled from the runtime (`active_workers`) are refreshed.
    /// Default 5 s. Must be more than zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_metrics::MetricsSettings;
    ///
    /// let settings = MetricsSettings::default().with_update_interval(Duration::from_secs(15));
    /// assert_eq!(settings.update_interval(), Duration::from_secs(15));
    /// assert!(MetricsSettings::default().with_update_interval(Duration::ZERO).validate().is_err());
    /// ```
    #[must_use]
    pub fn with_update_interval(mut self, interval: Duration) -> Self {
        self.update_interval = interval;
        self
    }

    /// Which metric names and labels to expose. Default [`MetricNaming::Standard`].
    ///
    /// ```
    /// use conductor_events::{PollStarted, TaskRunnerEventsListener};
    /// use conductor_metrics::{MetricNaming, MetricsCollector, MetricsSettings};
    ///
    /// let settings = MetricsSettings::default().with_naming(MetricNaming::Canonical);
    /// let collector = MetricsCollector::new(&settings)?;
    /// collector.on_poll_started(&PollStarted { task_type: "greet".into(), worker_id: "w".into(), poll_count: 1 });
    /// // No prefix, camelCase label: the other SDKs' dashboards keep working.
    /// assert!(collector.gather().contains(r#"task_poll_total{taskType="greet"} 1"#));
    /// # Ok::<(), conductor_metrics::MetricsError>(())
    /// ```
    #[must_use]
    pub fn with_naming(mut self, naming: MetricNaming) -> Self {
        self.naming = naming;
        self
    }

    /// The HTTP port, if the endpoint is enabled.
    ///
    /// ```
    /// use conductor_metrics::MetricsSettings;
    ///
    /// assert_eq!(MetricsSettings::default().with_http_port(0).http_port(), Some(0)); // 0 = any free port
    /// ```
    #[must_use]
    pub fn http_port(&self) -> Option<u16> {
        self.http_port
    }

    /// The address the endpoint binds to.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use conductor_metrics::MetricsSettings;
    ///
    /// assert_eq!(MetricsSettings::default().bind_address(), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    /// ```
    #[must_use]
    pub fn bind_address(&self) -> IpAddr {
        self.bind_address
    }

    /// The socket address the endpoint binds to, if it is enabled.
    ///
    /// ```
    /// use std::net::SocketAddr;
    /// use conductor_metrics::MetricsSettings;
    ///
    /// assert_eq!(MetricsSettings::default().socket_address(), None); // no endpoint
    /// let settings = MetricsSettings::default().with_http_port(9090);
    /// assert_eq!(settings.socket_address(), Some(SocketAddr::from(([0, 0, 0, 0], 9090))));
    /// ```
    #[must_use]
    pub fn socket_address(&self) -> Option<SocketAddr> {
        self.http_port
            .map(|port| SocketAddr::new(self.bind_address, port))
    }

    /// The metrics path.
    ///
    /// ```
    /// use conductor_metrics::MetricsSettings;
    ///
    /// assert_eq!(MetricsSettings::default().metrics_path(), "/metrics");
    /// ```
    #[must_use]
    pub fn metrics_path(&self) -> &str {
        &self.metrics_path
    }

    /// The namespace (metric name prefix of the standard naming).
    ///
    /// ```
    /// use conductor_metrics::MetricsSettings;
    ///
    /// assert_eq!(MetricsSettings::default().namespace(), "conductor");
    /// ```
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The sampling interval of runtime gauges.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_metrics::MetricsSettings;
    ///
    /// assert_eq!(MetricsSettings::default().update_interval(), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn update_interval(&self) -> Duration {
        self.update_interval
    }

    /// The naming scheme.
    ///
    /// ```
    /// use conductor_metrics::{MetricNaming, MetricsSettings};
    ///
    /// assert_eq!(MetricsSettings::default().naming(), MetricNaming::Standard);
    /// ```
    #[must_use]
    pub fn naming(&self) -> MetricNaming {
        self.naming
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`MetricsError::InvalidSettings`] when the path does not start with `/` or is `/health`,
    /// the namespace is not a valid Prometheus name prefix (`[a-zA-Z_:][a-zA-Z0-9_:]*`), or the
    /// update interval is zero.
    ///
    /// ```
    /// use conductor_metrics::{MetricsError, MetricsSettings};
    ///
    /// assert!(MetricsSettings::default().validate().is_ok());
    /// let err = MetricsSettings::default().with_metrics_path("/health").validate().unwrap_err();
    /// assert!(matches!(err, MetricsError::InvalidSettings(_)));
    /// ```
    pub fn validate(&self) -> Result<(), MetricsError> {
        if !self.metrics_path.starts_with('/') {
            return Err(MetricsError::InvalidSettings(format!(
                "metrics path {:?} must start with '/'",
                self.metrics_path
            )));
        }
        if self.metrics_path == HEALTH_PATH {
            return Err(MetricsError::InvalidSettings(format!(
                "metrics path cannot be {HEALTH_PATH}, which serves the health check"
            )));
        }
        if !is_valid_namespace(&self.namespace) {
            return Err(MetricsError::InvalidSettings(format!(
                "namespace {:?} is not a valid Prometheus name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)",
                self.namespace
            )));
        }
        if self.update_interval.is_zero() {
            return Err(MetricsError::InvalidSettings(
                "update interval must be more than zero".to_owned(),
            ));
        }
        Ok(())
    }
}

fn is_valid_namespace(namespace: &str) -> bool {
    let mut chars = namespace.chars();
    match chars.next() {
        None => true,
        Some(first) if first.is_ascii_alphabetic() || first == '_' || first == ':' => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        }
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let settings = MetricsSettings::default();
        assert_eq!(settings.http_port(), None);
        assert_eq!(settings.metrics_path(), "/metrics");
        assert_eq!(settings.namespace(), "conductor");
        assert_eq!(settings.update_interval(), Duration::from_secs(5));
        assert_eq!(settings.naming(), MetricNaming::Standard);
        assert_eq!(settings.socket_address(), None);
        assert!(settings.validate().is_ok());
    }

    #[test]
    fn the_naming_follows_worker_canonical_metrics() {
        let with = |value: &'static str| {
            MetricsSettings::from_env_vars(move |name| {
                (name == CANONICAL_METRICS_ENV).then(|| value.to_owned())
            })
            .naming()
        };
        for value in ["true", "TRUE", " 1 ", "yes", "on"] {
            assert_eq!(with(value), MetricNaming::Canonical, "{value:?}");
        }
        for value in ["false", "0", "no", "off", "", "maybe"] {
            assert_eq!(with(value), MetricNaming::Standard, "{value:?}");
        }
        // Other variables are not read, and nothing else changes.
        let other = MetricsSettings::from_env_vars(|name| {
            (name == "CONDUCTOR_METRICS_NAMING").then(|| "canonical".to_owned())
        });
        assert_eq!(other, MetricsSettings::default());
        let canonical = MetricsSettings::from_env_vars(|_| Some("true".to_owned()));
        assert_eq!(
            canonical,
            MetricsSettings::default().with_naming(MetricNaming::Canonical)
        );
    }

    #[test]
    fn invalid_settings_are_rejected_with_a_reason() {
        let cases = [
            MetricsSettings::default().with_metrics_path("metrics"),
            MetricsSettings::default().with_metrics_path("/health"),
            MetricsSettings::default().with_namespace("9lives"),
            MetricsSettings::default().with_namespace("my-app"),
            MetricsSettings::default().with_update_interval(Duration::ZERO),
        ];
        for settings in cases {
            let err = settings.validate().unwrap_err();
            assert!(matches!(err, MetricsError::InvalidSettings(_)), "{err}");
        }
        assert!(
            MetricsSettings::default()
                .with_namespace("")
                .validate()
                .is_ok()
        );
        assert!(
            MetricsSettings::default()
                .with_namespace("my_app:x")
                .validate()
                .is_ok()
        );
    }
}
