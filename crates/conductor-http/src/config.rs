//! [`Configuration`]: server URL, credentials, timeouts, retries and extra headers, built in code or
//! read from the `CONDUCTOR_*` environment variables.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::headers::HeaderProvider;
use crate::observer::ClientObserver;
use crate::retry::RetryPolicy;

/// Server URL used when `CONDUCTOR_SERVER_URL` is not set.
///
/// ```
/// use conductor_http::Configuration;
/// use conductor_http::config::DEFAULT_SERVER_URL;
///
/// let config = Configuration::from_env_vars(|_| None); // nothing set
/// assert_eq!(config.server_url(), DEFAULT_SERVER_URL);
/// ```
pub const DEFAULT_SERVER_URL: &str = "http://localhost:8080/api";
/// Total request timeout used when none is configured.
///
/// ```
/// use conductor_http::Configuration;
/// use conductor_http::config::DEFAULT_TIMEOUT;
///
/// assert_eq!(Configuration::new("http://localhost:8080").timeout(), DEFAULT_TIMEOUT);
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Connect timeout used when none is configured.
///
/// ```
/// use conductor_http::Configuration;
/// use conductor_http::config::DEFAULT_CONNECT_TIMEOUT;
///
/// assert_eq!(Configuration::new("http://localhost:8080").connect_timeout(), DEFAULT_CONNECT_TIMEOUT);
/// ```
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a token is used before it is refreshed. Orkes tokens live about an hour; like the
/// Python, Java and JavaScript SDKs we refresh after 45 minutes to stay clear of the expiry.
///
/// ```
/// use std::time::Duration;
/// use conductor_http::Configuration;
/// use conductor_http::config::DEFAULT_TOKEN_TTL;
///
/// assert_eq!(DEFAULT_TOKEN_TTL, Duration::from_secs(45 * 60));
/// assert_eq!(Configuration::new("http://localhost:8080").token_ttl(), DEFAULT_TOKEN_TTL);
/// ```
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(45 * 60);
/// First wait after a failed token request.
///
/// ```
/// use conductor_http::Configuration;
/// use conductor_http::config::{DEFAULT_AUTH_BACKOFF_INITIAL, DEFAULT_AUTH_BACKOFF_MAX};
///
/// let (initial, max) = Configuration::new("http://localhost:8080").auth_backoff();
/// assert_eq!((initial, max), (DEFAULT_AUTH_BACKOFF_INITIAL, DEFAULT_AUTH_BACKOFF_MAX));
/// ```
pub const DEFAULT_AUTH_BACKOFF_INITIAL: Duration = Duration::from_secs(1);
/// Longest wait between two token requests after repeated failures.
///
/// ```
/// use std::time::Duration;
/// use conductor_http::config::DEFAULT_AUTH_BACKOFF_MAX;
///
/// assert_eq!(DEFAULT_AUTH_BACKOFF_MAX, Duration::from_secs(60));
/// ```
pub const DEFAULT_AUTH_BACKOFF_MAX: Duration = Duration::from_secs(60);

/// Key id and secret of an application (Orkes) used to obtain a token.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub(crate) key_id: String,
    pub(crate) key_secret: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key_id", &self.key_id)
            .field("key_secret", &"<redacted>")
            .finish()
    }
}

/// How to reach a Conductor server.
///
/// The server URL may be given with or without the trailing `/api` and slashes:
/// `http://localhost:8080`, `http://localhost:8080/`, `http://localhost:8080/api/` all become
/// `http://localhost:8080/api`. The `Debug` output never shows the secret.
///
/// ```
/// use std::time::Duration;
/// use conductor_http::Configuration;
///
/// let config = Configuration::new("https://play.orkes.io")
///     .with_auth("key-id", "key-secret")
///     .with_timeout(Duration::from_secs(30))
///     .with_debug(true);
/// assert_eq!(config.server_url(), "https://play.orkes.io/api");
/// assert!(!format!("{config:?}").contains("key-secret"));
/// ```
#[derive(Clone)]
pub struct Configuration {
    server_url: String,
    credentials: Option<Credentials>,
    timeout: Duration,
    connect_timeout: Duration,
    debug: bool,
    retry_policy: RetryPolicy,
    headers: Vec<(String, String)>,
    header_provider: Option<Arc<dyn HeaderProvider>>,
    observer: Option<Arc<dyn ClientObserver>>,
    token_ttl: Duration,
    auth_backoff_initial: Duration,
    auth_backoff_max: Duration,
}

impl fmt::Debug for Configuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may carry credentials too (an API gateway key...): only names are shown.
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Configuration")
            .field("server_url", &self.server_url)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("debug", &self.debug)
            .field("retry_policy", &self.retry_policy)
            .field("headers", &header_names)
            .field(
                "header_provider",
                &self
                    .header_provider
                    .as_ref()
                    .map(|_| "<dyn HeaderProvider>"),
            )
            .field(
                "observer",
                &self.observer.as_ref().map(|_| "<dyn ClientObserver>"),
            )
            .field("token_ttl", &self.token_ttl)
            .field("auth_backoff_initial", &self.auth_backoff_initial)
            .field("auth_backoff_max", &self.auth_backoff_max)
            .finish()
    }
}

impl Default for Configuration {
    /// The local default server (`http://localhost:8080/api`), no auth. Does not read the
    /// environment; use [`Configuration::from_env`] for that.
    fn default() -> Self {
        Self::new(DEFAULT_SERVER_URL)
    }
}

impl Configuration {
    /// A configuration for `server_url` (with or without the trailing `/api`), no auth, a 30 s
    /// total timeout, a 10 s connect timeout and the default [`RetryPolicy`].
    ///
    /// The URL is validated when the [`ApiClient`](crate::ApiClient) is built.
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// // With or without the `/api` suffix and trailing slashes: normalised the same way.
    /// assert_eq!(Configuration::new("http://conductor:8080").server_url(), "http://conductor:8080/api");
    /// assert_eq!(Configuration::new("http://conductor:8080/api/").server_url(), "http://conductor:8080/api");
    /// assert!(!Configuration::new("http://conductor:8080").has_auth());
    /// ```
    pub fn new(server_url: impl Into<String>) -> Self {
        Self {
            server_url: normalize_server_url(&server_url.into()),
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            debug: false,
            retry_policy: RetryPolicy::default(),
            headers: Vec::new(),
            header_provider: None,
            observer: None,
            token_ttl: DEFAULT_TOKEN_TTL,
            auth_backoff_initial: DEFAULT_AUTH_BACKOFF_INITIAL,
            auth_backoff_max: DEFAULT_AUTH_BACKOFF_MAX,
        }
    }

    /// Reads the configuration from the process environment.
    ///
    /// | Variable | Meaning | Default |
    /// | --- | --- | --- |
    /// | `CONDUCTOR_SERVER_URL` | server URL (with or without `/api`) | `http://localhost:8080/api` |
    /// | `CONDUCTOR_AUTH_KEY` | application key id | none (no auth) |
    /// | `CONDUCTOR_AUTH_SECRET` | application key secret | none (no auth) |
    /// | `CONDUCTOR_DEBUG` | `true`/`1`/`yes`/`on` log request and response bodies | `false` |
    /// | `CONDUCTOR_TIMEOUT_SECS` | total request timeout in seconds | `30` |
    /// | `CONDUCTOR_AUTH_TOKEN_TTL_MINS` | minutes before the token is refreshed | `45` |
    ///
    /// Values are trimmed; empty values count as unset. An invalid number falls back to the
    /// default with a warning. Auth is enabled only when both key and secret are set.
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// // CONDUCTOR_SERVER_URL, CONDUCTOR_AUTH_KEY / CONDUCTOR_AUTH_SECRET, CONDUCTOR_TIMEOUT_SECS...
    /// let config = Configuration::from_env();
    /// assert!(config.server_url().ends_with("/api"));
    /// ```
    #[must_use]
    pub fn from_env() -> Self {
        Self::from_env_vars(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` instead of the process
    /// environment (for tests, or to layer another source over it).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use conductor_http::Configuration;
    ///
    /// let vars = HashMap::from([("CONDUCTOR_SERVER_URL", "http://conductor:8080")]);
    /// let config = Configuration::from_env_vars(|name| vars.get(name).map(|v| v.to_string()));
    /// assert_eq!(config.server_url(), "http://conductor:8080/api");
    /// ```
    #[must_use]
    pub fn from_env_vars(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let read = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        let mut config = Self::new(
            read("CONDUCTOR_SERVER_URL").unwrap_or_else(|| DEFAULT_SERVER_URL.to_string()),
        );
        match (read("CONDUCTOR_AUTH_KEY"), read("CONDUCTOR_AUTH_SECRET")) {
            (Some(key), Some(secret)) => config = config.with_auth(key, secret),
            (Some(_), None) => {
                tracing::warn!(
                    "CONDUCTOR_AUTH_KEY is set but CONDUCTOR_AUTH_SECRET is not; auth disabled"
                );
            }
            (None, Some(_)) => {
                tracing::warn!(
                    "CONDUCTOR_AUTH_SECRET is set but CONDUCTOR_AUTH_KEY is not; auth disabled"
                );
            }
            (None, None) => {}
        }
        if let Some(debug) = read("CONDUCTOR_DEBUG") {
            config.debug = parse_flag(&debug);
        }
        if let Some(seconds) = read("CONDUCTOR_TIMEOUT_SECS") {
            match parse_positive_number(&seconds) {
                Some(secs) => config.timeout = Duration::from_secs_f64(secs),
                None => tracing::warn!(
                    "CONDUCTOR_TIMEOUT_SECS={seconds:?} is not a positive number of seconds; using {}s",
                    DEFAULT_TIMEOUT.as_secs()
                ),
            }
        }
        if let Some(minutes) = read("CONDUCTOR_AUTH_TOKEN_TTL_MINS") {
            match parse_positive_number(&minutes) {
                Some(mins) => config.token_ttl = Duration::from_secs_f64(mins * 60.0),
                None => tracing::warn!(
                    "CONDUCTOR_AUTH_TOKEN_TTL_MINS={minutes:?} is not a positive number; using {} min",
                    DEFAULT_TOKEN_TTL.as_secs() / 60
                ),
            }
        }
        config
    }

    /// Sets the server URL (normalised like in [`new`](Self::new)).
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// let config = Configuration::from_env_vars(|_| None).with_server_url("https://conductor.example.com");
    /// assert_eq!(config.server_url(), "https://conductor.example.com/api");
    /// ```
    #[must_use]
    pub fn with_server_url(mut self, server_url: impl Into<String>) -> Self {
        self.server_url = normalize_server_url(&server_url.into());
        self
    }

    /// Enables key/secret authentication: a token is requested from `POST {server}/api/token` and
    /// sent as `X-Authorization` on every request. A server without auth (conductor-oss) answers
    /// that request with 404; the SDK then sends no token.
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// let config = Configuration::new("https://play.orkes.io").with_auth("my-key-id", "my-key-secret");
    /// assert!(config.has_auth());
    /// assert_eq!(config.auth_key(), Some("my-key-id"));
    /// ```
    #[must_use]
    pub fn with_auth(mut self, key_id: impl Into<String>, key_secret: impl Into<String>) -> Self {
        self.credentials = Some(Credentials {
            key_id: key_id.into(),
            key_secret: key_secret.into(),
        });
        self
    }

    /// Sets the total timeout of one attempt (connect, send, wait, read). Long polls and synchronous
    /// executions can override it per request with [`ApiRequest::timeout`](crate::ApiRequest::timeout).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Configuration;
    ///
    /// let config = Configuration::new("http://localhost:8080").with_timeout(Duration::from_secs(60));
    /// assert_eq!(config.timeout(), Duration::from_secs(60));
    /// ```
    #[must_use]
    pub fn with_timeout(mut self, total: Duration) -> Self {
        self.timeout = total;
        self
    }

    /// Sets the connect timeout (TCP and TLS handshake).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Configuration;
    ///
    /// let config = Configuration::new("http://localhost:8080").with_connect_timeout(Duration::from_secs(2));
    /// assert_eq!(config.connect_timeout(), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Logs request and response bodies at `debug` level (never the token or the secret).
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// let config = Configuration::new("http://localhost:8080").with_debug(true);
    /// assert!(config.debug());
    /// ```
    #[must_use]
    pub fn with_debug(mut self, on: bool) -> Self {
        self.debug = on;
        self
    }

    /// Sets the retry policy for transient failures.
    ///
    /// ```
    /// use conductor_http::{Configuration, RetryPolicy};
    ///
    /// let config = Configuration::new("http://localhost:8080").with_retry_policy(RetryPolicy::none());
    /// assert_eq!(config.retry_policy().max_retries(), 0);
    /// ```
    #[must_use]
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Adds a header sent with every request (validated when the client is built). Setting the
    /// same name twice keeps the last value.
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// let config = Configuration::new("http://localhost:8080")
    ///     .with_header("X-Tenant", "blue")
    ///     .with_header("X-Tenant", "green"); // the last value wins
    /// assert_eq!(config.headers(), [("X-Tenant".to_owned(), "green".to_owned())]);
    /// ```
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.headers
            .retain(|(existing, _)| !existing.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
        self
    }

    /// Sets a hook called before every request attempt to add headers (tracing context...).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conductor_http::{Configuration, RequestInfo};
    ///
    /// let provider = |request: &RequestInfo<'_>| {
    ///     vec![("X-Request-Path".to_owned(), request.path.to_owned())]
    /// };
    /// let config = Configuration::new("http://localhost:8080").with_header_provider(Arc::new(provider));
    /// assert!(config.header_provider().is_some());
    /// ```
    #[must_use]
    pub fn with_header_provider(mut self, provider: Arc<dyn HeaderProvider>) -> Self {
        self.header_provider = Some(provider);
        self
    }

    /// Sets the observer told of every HTTP exchange (method, route template, status, duration)
    /// and of the resource clients' workflow starts and external payload use; replaces any
    /// observer set before. `conductor-metrics`' `MetricsCollector` is one.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use conductor_http::{ClientObserver, Configuration};
    ///
    /// struct LogSlowCalls;
    /// impl ClientObserver for LogSlowCalls {
    ///     fn on_request(&self, method: &str, route: &str, status: Option<u16>, duration: Duration) {
    ///         if duration > Duration::from_secs(1) {
    ///             tracing::warn!(method, route, ?status, ?duration, "slow Conductor call");
    ///         }
    ///     }
    /// }
    ///
    /// let config = Configuration::new("http://localhost:8080").with_observer(Arc::new(LogSlowCalls));
    /// assert!(config.observer().is_some());
    /// ```
    #[must_use]
    pub fn with_observer(mut self, observer: Arc<dyn ClientObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Sets how long a token is used before it is refreshed (default 45 minutes).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Configuration;
    ///
    /// let config = Configuration::new("https://play.orkes.io")
    ///     .with_auth("key", "secret")
    ///     .with_token_ttl(Duration::from_secs(15 * 60));
    /// assert_eq!(config.token_ttl(), Duration::from_secs(900));
    /// ```
    #[must_use]
    pub fn with_token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Sets the backoff after a failed token request: the first wait is `initial`, doubling per
    /// consecutive failure up to `max`, without jitter (a [`Backoff`](crate::Backoff) with
    /// [`Jitter::None`](crate::Jitter::None)). A new attempt is always made once the wait is over.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Configuration;
    ///
    /// let config = Configuration::new("https://play.orkes.io")
    ///     .with_auth_backoff(Duration::from_millis(500), Duration::from_secs(30));
    /// assert_eq!(config.auth_backoff(), (Duration::from_millis(500), Duration::from_secs(30)));
    /// ```
    #[must_use]
    pub fn with_auth_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.auth_backoff_initial = initial;
        self.auth_backoff_max = max.max(initial);
        self
    }

    /// The normalised server URL, always ending in `/api` (no trailing slash).
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// assert_eq!(Configuration::new("http://localhost:8080/").server_url(), "http://localhost:8080/api");
    /// ```
    #[must_use]
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The total timeout of one attempt.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Configuration;
    ///
    /// assert_eq!(Configuration::new("http://localhost:8080").timeout(), Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The connect timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Configuration;
    ///
    /// assert_eq!(Configuration::new("http://localhost:8080").connect_timeout(), Duration::from_secs(10));
    /// ```
    #[must_use]
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Whether bodies are logged.
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// assert!(!Configuration::new("http://localhost:8080").debug());
    /// ```
    #[must_use]
    pub fn debug(&self) -> bool {
        self.debug
    }

    /// The retry policy.
    ///
    /// ```
    /// use conductor_http::{Configuration, RetryPolicy};
    ///
    /// assert_eq!(Configuration::new("http://localhost:8080").retry_policy(), &RetryPolicy::default());
    /// ```
    #[must_use]
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry_policy
    }

    /// Whether key/secret authentication is configured.
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// assert!(!Configuration::new("http://localhost:8080").has_auth());
    /// assert!(Configuration::new("http://localhost:8080").with_auth("key", "secret").has_auth());
    /// ```
    #[must_use]
    pub fn has_auth(&self) -> bool {
        self.credentials.is_some()
    }

    /// The configured key id, if any (the secret is never exposed).
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// let config = Configuration::new("http://localhost:8080").with_auth("key-id", "secret");
    /// assert_eq!(config.auth_key(), Some("key-id"));
    /// ```
    #[must_use]
    pub fn auth_key(&self) -> Option<&str> {
        self.credentials.as_ref().map(|c| c.key_id.as_str())
    }

    /// The static headers, in the order they were added.
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// let config = Configuration::new("http://localhost:8080").with_header("X-A", "1").with_header("X-B", "2");
    /// let names: Vec<&str> = config.headers().iter().map(|(name, _)| name.as_str()).collect();
    /// assert_eq!(names, ["X-A", "X-B"]);
    /// ```
    #[must_use]
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The header provider, if any.
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// assert!(Configuration::new("http://localhost:8080").header_provider().is_none());
    /// ```
    #[must_use]
    pub fn header_provider(&self) -> Option<&Arc<dyn HeaderProvider>> {
        self.header_provider.as_ref()
    }

    /// The observer of client calls, if any.
    ///
    /// ```
    /// use conductor_http::Configuration;
    ///
    /// assert!(Configuration::new("http://localhost:8080").observer().is_none());
    /// ```
    #[must_use]
    pub fn observer(&self) -> Option<&Arc<dyn ClientObserver>> {
        self.observer.as_ref()
    }

    /// How long a token is used before it is refreshed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Configuration;
    ///
    /// assert_eq!(Configuration::new("http://localhost:8080").token_ttl(), Duration::from_secs(2700));
    /// ```
    #[must_use]
    pub fn token_ttl(&self) -> Duration {
        self.token_ttl
    }

    /// The first and the longest wait after failed token requests.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Configuration;
    ///
    /// let (initial, max) = Configuration::new("http://localhost:8080").auth_backoff();
    /// assert_eq!((initial, max), (Duration::from_secs(1), Duration::from_secs(60)));
    /// ```
    #[must_use]
    pub fn auth_backoff(&self) -> (Duration, Duration) {
        (self.auth_backoff_initial, self.auth_backoff_max)
    }

    pub(crate) fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }
}

/// Trims whitespace and trailing slashes and makes sure the URL ends in `/api`.
///
/// ```
/// use conductor_http::config::normalize_server_url;
///
/// assert_eq!(normalize_server_url("http://h:8080"), "http://h:8080/api");
/// assert_eq!(normalize_server_url(" http://h:8080/api/ "), "http://h:8080/api");
/// assert_eq!(normalize_server_url("http://h/conductor"), "http://h/conductor/api");
/// ```
#[must_use]
pub fn normalize_server_url(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    if trimmed.ends_with("/api") {
        trimmed.to_string()
    } else {
        format!("{trimmed}/api")
    }
}

fn parse_flag(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on" | "y"
    )
}

fn parse_positive_number(value: &str) -> Option<f64> {
    value
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite() && *number > 0.0 && *number < 1e9)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn from(vars: &[(&str, &str)]) -> Configuration {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        Configuration::from_env_vars(|name| map.get(name).cloned())
    }

    #[test]
    fn normalises_base_urls() {
        for (input, expected) in [
            ("http://localhost:8080", "http://localhost:8080/api"),
            ("http://localhost:8080/", "http://localhost:8080/api"),
            ("http://localhost:8080/api", "http://localhost:8080/api"),
            ("http://localhost:8080/api/", "http://localhost:8080/api"),
            ("http://localhost:8080/api//", "http://localhost:8080/api"),
            ("  https://x.example.com/api  ", "https://x.example.com/api"),
            (
                "https://x.example.com/conductor",
                "https://x.example.com/conductor/api",
            ),
            (
                "https://x.example.com/conductor/api",
                "https://x.example.com/conductor/api",
            ),
            ("http://host/apix", "http://host/apix/api"),
        ] {
            assert_eq!(normalize_server_url(input), expected, "{input}");
            assert_eq!(Configuration::new(input).server_url(), expected);
        }
    }

    #[test]
    fn env_defaults() {
        let config = from(&[]);
        assert_eq!(config.server_url(), DEFAULT_SERVER_URL);
        assert!(!config.has_auth());
        assert!(!config.debug());
        assert_eq!(config.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(config.token_ttl(), DEFAULT_TOKEN_TTL);
    }

    #[test]
    fn env_values_are_read_and_trimmed() {
        let config = from(&[
            ("CONDUCTOR_SERVER_URL", " http://c:9090/ "),
            ("CONDUCTOR_AUTH_KEY", "k "),
            ("CONDUCTOR_AUTH_SECRET", " s"),
            ("CONDUCTOR_DEBUG", "YES"),
            ("CONDUCTOR_TIMEOUT_SECS", "12"),
            ("CONDUCTOR_AUTH_TOKEN_TTL_MINS", "5"),
        ]);
        assert_eq!(config.server_url(), "http://c:9090/api");
        assert_eq!(config.auth_key(), Some("k"));
        assert_eq!(
            config.credentials().map(|c| c.key_secret.as_str()),
            Some("s")
        );
        assert!(config.debug());
        assert_eq!(config.timeout(), Duration::from_secs(12));
        assert_eq!(config.token_ttl(), Duration::from_secs(300));
    }

    #[test]
    fn debug_flag_spellings() {
        for on in ["true", "1", "yes", "TRUE", "On"] {
            assert!(from(&[("CONDUCTOR_DEBUG", on)]).debug(), "{on}");
        }
        for off in ["false", "0", "no", "nope"] {
            assert!(!from(&[("CONDUCTOR_DEBUG", off)]).debug(), "{off}");
        }
    }

    #[test]
    fn invalid_timeout_falls_back_to_default() {
        for bad in ["abc", "-3", "0", "NaN", "inf"] {
            assert_eq!(
                from(&[("CONDUCTOR_TIMEOUT_SECS", bad)]).timeout(),
                DEFAULT_TIMEOUT,
                "{bad}"
            );
        }
    }

    #[test]
    fn auth_needs_key_and_secret() {
        assert!(!from(&[("CONDUCTOR_AUTH_KEY", "k")]).has_auth());
        assert!(!from(&[("CONDUCTOR_AUTH_SECRET", "s")]).has_auth());
        assert!(!from(&[("CONDUCTOR_AUTH_KEY", "k"), ("CONDUCTOR_AUTH_SECRET", " ")]).has_auth());
    }

    #[test]
    fn builder_sets_everything() {
        let config = Configuration::new("http://h")
            .with_auth("key", "secret")
            .with_timeout(Duration::from_secs(5))
            .with_connect_timeout(Duration::from_secs(1))
            .with_debug(true)
            .with_retry_policy(RetryPolicy::none())
            .with_header("X-A", "1")
            .with_header("x-a", "2")
            .with_token_ttl(Duration::from_secs(60))
            .with_auth_backoff(Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(config.timeout(), Duration::from_secs(5));
        assert_eq!(config.connect_timeout(), Duration::from_secs(1));
        assert!(config.debug());
        assert_eq!(config.retry_policy().max_retries(), 0);
        assert_eq!(config.headers(), &[("x-a".to_string(), "2".to_string())]);
        assert_eq!(config.token_ttl(), Duration::from_secs(60));
        assert_eq!(
            config.auth_backoff(),
            (Duration::from_secs(2), Duration::from_secs(2))
        );
    }

    #[test]
    fn debug_output_hides_secret_and_header_values() {
        let config = Configuration::new("http://h")
            .with_auth("the-key", "super-secret-value")
            .with_header("X-Api-Key", "gateway-credential");
        let text = format!("{config:?}");
        assert!(text.contains("the-key"));
        assert!(text.contains("X-Api-Key"));
        assert!(!text.contains("super-secret-value"));
        assert!(!text.contains("gateway-credential"));
    }
}
