//! [`ApiClient`]: the shared HTTP client (connection pool, TLS, token, configuration) that every
//! Conductor resource client sends its [`ApiRequest`]s through.

use std::fmt;
use std::sync::Arc;

use reqwest::header::HeaderMap;
use reqwest::redirect;

use crate::auth::{TokenEndpoint, TokenManager};
use crate::capabilities::ServerCapabilities;
use crate::config::Configuration;
use crate::error::{ConductorError, Result};
use crate::headers::static_header_map;
use crate::method::Method;
use crate::request::ApiRequest;
use crate::retry::RetryPolicy;
use crate::tls;

/// Most redirects followed for one request (only ever to the same origin).
const MAX_REDIRECTS: usize = 5;

/// The low-level Conductor HTTP client.
///
/// It owns the connection pool, the TLS configuration, the auth token and the [`Configuration`].
/// Cloning is cheap (an `Arc`), and clones share the pool and the token, so build one per server
/// and hand clones to every resource client and worker. Paths are relative to the `/api` base and
/// start with `/`; path segments taken from user input must go through
/// [`encode_segment`](crate::encode_segment).
///
/// A handle may send its requests under another [`RetryPolicy`] than the configuration's
/// ([`with_retry_policy`](Self::with_retry_policy)); it still shares everything else.
///
/// ```no_run
/// use conductor_http::{ApiClient, Configuration, encode_segment};
///
/// # async fn run() -> conductor_http::Result<()> {
/// let client = ApiClient::new(Configuration::from_env())?;
/// let def: serde_json::Value = client
///     .get(format!("/metadata/taskdefs/{}", encode_segment("my task")))
///     .send_json()
///     .await?;
/// let workflow_id = client
///     .post("/workflow/greetings")
///     .query("version", 1)
///     .json_body(&serde_json::json!({"name": "Ada"}))?
///     .send_text()
///     .await?;
/// # let _ = (def, workflow_id);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<ClientInner>,
    /// Replaces the configuration's retry policy for the requests of this handle.
    retry_policy: Option<RetryPolicy>,
}

pub(crate) struct ClientInner {
    pub(crate) config: Configuration,
    pub(crate) http: reqwest::Client,
    pub(crate) static_headers: HeaderMap,
    pub(crate) tokens: TokenManager,
    token_url: String,
    /// The server URL without its `/api` suffix, for the few endpoints served at the root.
    pub(crate) root_url: String,
    capabilities: ServerCapabilities,
}

impl ClientInner {
    pub(crate) fn token_endpoint(&self) -> TokenEndpoint<'_> {
        TokenEndpoint {
            http: &self.http,
            url: &self.token_url,
            headers: &self.static_headers,
            timeout: self.config.timeout(),
            observer: self.config.observer(),
        }
    }
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClient")
            .field("config", &self.inner.config)
            .field("tokens", &self.inner.tokens)
            .field("retry_policy_override", &self.retry_policy)
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// Builds a client for `config`.
    ///
    /// # Errors
    /// [`ConductorError::Config`] when the server URL is not an absolute `http`/`https` URL, a
    /// static header is invalid, or TLS cannot be set up for an `https` server.
    ///
    /// ```
    /// use conductor_http::{ApiClient, Configuration};
    ///
    /// let client = ApiClient::new(Configuration::new("http://localhost:8080"))?;
    /// assert_eq!(client.server_url(), "http://localhost:8080/api");
    /// // Only absolute http(s) URLs are accepted.
    /// assert!(ApiClient::new(Configuration::new("localhost:8080")).is_err());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn new(config: Configuration) -> Result<Self> {
        let url = reqwest::Url::parse(config.server_url()).map_err(|error| {
            ConductorError::Config(format!(
                "invalid server URL {:?}: {error}",
                config.server_url()
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ConductorError::Config(format!(
                "server URL {:?} must be an http:// or https:// URL with a host",
                config.server_url()
            )));
        }
        let static_headers = static_header_map(config.headers())?;
        let tls = tls::client_config(url.scheme() == "https")?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(config.connect_timeout())
            .user_agent(concat!("conductor-rust/", env!("CARGO_PKG_VERSION")))
            .redirect(same_origin_redirects())
            .build()
            .map_err(|error| {
                ConductorError::Config(format!("cannot build the HTTP client: {error}"))
            })?;
        let token_url = format!("{}/token", config.server_url());
        let root_url = root_url(config.server_url());
        let tokens = TokenManager::new(&config);
        Ok(Self {
            inner: Arc::new(ClientInner {
                config,
                http,
                static_headers,
                tokens,
                token_url,
                root_url,
                capabilities: ServerCapabilities::new(),
            }),
            retry_policy: None,
        })
    }

    /// The configuration this client was built with.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::{ApiClient, Configuration};
    ///
    /// let client = ApiClient::new(Configuration::new("http://localhost:8080").with_timeout(Duration::from_secs(5)))?;
    /// assert_eq!(client.configuration().timeout(), Duration::from_secs(5));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn configuration(&self) -> &Configuration {
        &self.inner.config
    }

    /// The normalised base URL (ending in `/api`).
    ///
    /// ```
    /// use conductor_http::{ApiClient, Configuration};
    ///
    /// let client = ApiClient::new(Configuration::new("http://conductor:8080/"))?;
    /// assert_eq!(client.server_url(), "http://conductor:8080/api");
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn server_url(&self) -> &str {
        self.inner.config.server_url()
    }

    /// The server URL without the `/api` suffix (where conductor-oss serves `/health` and
    /// `/actuator/info`).
    ///
    /// ```
    /// use conductor_http::{ApiClient, Configuration};
    ///
    /// let client = ApiClient::new(Configuration::new("http://conductor:8080/api"))?;
    /// assert_eq!(client.root_url(), "http://conductor:8080");
    /// let behind_a_proxy = ApiClient::new(Configuration::new("https://example.com/conductor/api"))?;
    /// assert_eq!(behind_a_proxy.root_url(), "https://example.com/conductor");
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn root_url(&self) -> &str {
        &self.inner.root_url
    }

    /// The endpoints this server was found to lack, shared by every clone of this client (see
    /// [`ServerCapabilities`]).
    ///
    /// ```
    /// use conductor_http::{ApiClient, Configuration};
    ///
    /// let api = ApiClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// assert!(api.capabilities().missing_endpoints().is_empty());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn capabilities(&self) -> &ServerCapabilities {
        &self.inner.capabilities
    }

    /// Whether the server answered the token request with 404/405, i.e. it has no authentication
    /// (conductor-oss), so requests are sent without a token.
    ///
    /// ```
    /// use conductor_http::{ApiClient, Configuration};
    ///
    /// let client = ApiClient::new(Configuration::new("http://localhost:8080").with_auth("key", "secret"))?;
    /// // Nothing has been asked of the server yet.
    /// assert!(!client.auth_disabled_by_server());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn auth_disabled_by_server(&self) -> bool {
        self.inner.tokens.auth_disabled_by_server()
    }

    /// A handle on the same client (connection pool, token, capabilities, configuration) whose
    /// requests are retried per `policy` instead of the configuration's
    /// [`retry_policy`](Configuration::retry_policy). The resource clients built on it (such as
    /// a task client) send every request under it; one request can still override it again
    /// with [`ApiRequest::retry_policy`].
    ///
    /// With [`RetryPolicy::none`] each request is sent once: for callers that own their retry
    /// budget (the worker runtime), so that retries do not stack. The single replay after a
    /// token refresh (401) still happens.
    ///
    /// ```
    /// use conductor_http::{ApiClient, Configuration, RetryPolicy};
    ///
    /// let client = ApiClient::new(Configuration::new("http://localhost:8080"))?;
    /// let once = client.clone().with_retry_policy(RetryPolicy::none());
    /// assert_eq!(once.retry_policy().max_retries(), 0);
    /// assert_eq!(client.retry_policy(), &RetryPolicy::default()); // the original is unchanged
    /// assert_eq!(once.server_url(), client.server_url());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// The retry policy of this handle's requests: the one set with
    /// [`with_retry_policy`](Self::with_retry_policy), else the configuration's.
    ///
    /// ```
    /// use conductor_http::{ApiClient, Configuration, RetryPolicy};
    ///
    /// let config = Configuration::new("http://localhost:8080")
    ///     .with_retry_policy(RetryPolicy::default().with_max_retries(5));
    /// let client = ApiClient::new(config)?;
    /// assert_eq!(client.retry_policy().max_retries(), 5);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.retry_policy
            .as_ref()
            .unwrap_or_else(|| self.inner.config.retry_policy())
    }

    /// A request with any method; `path` is relative to the `/api` base.
    ///
    /// ```no_run
    /// use conductor_http::{ApiClient, Configuration, Method};
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let client = ApiClient::new(Configuration::from_env())?;
    /// client
    ///     .request(Method::PUT, "/workflow/8c2f1e6a-workflow-id/pause")
    ///     .send_empty()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn request(&self, method: Method, path: impl Into<String>) -> ApiRequest {
        ApiRequest::new(self.clone(), method, path.into())
    }

    /// A request whose `path` is relative to the server **root** ([`root_url`](Self::root_url)),
    /// not to the `/api` base: for the few endpoints served outside it, such as conductor-oss's
    /// `GET /health` (the only health endpoint before 3.32) and `GET /actuator/info`. Auth,
    /// retries and error mapping are the same as for any other request.
    ///
    /// ```no_run
    /// use conductor_http::{ApiClient, Configuration, Method};
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let client = ApiClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// // GET http://localhost:8080/health
    /// let health: serde_json::Value = client.root_request(Method::GET, "/health").send_json().await?;
    /// # let _ = health;
    /// # Ok(())
    /// # }
    /// ```
    pub fn root_request(&self, method: Method, path: impl Into<String>) -> ApiRequest {
        ApiRequest::new(self.clone(), method, path.into()).at_root()
    }

    /// A `GET` request (idempotent: retried on transient failures).
    ///
    /// ```no_run
    /// use conductor_http::{ApiClient, Configuration};
    /// use conductor_models::Workflow;
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let client = ApiClient::new(Configuration::from_env())?;
    /// let workflow: Workflow = client
    ///     .get("/workflow/8c2f1e6a-workflow-id")
    ///     .query("includeTasks", false)
    ///     .send_json()
    ///     .await?;
    /// # let _ = workflow;
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, path: impl Into<String>) -> ApiRequest {
        self.request(Method::GET, path)
    }

    /// A `POST` request (not idempotent unless marked with
    /// [`ApiRequest::idempotent`]).
    ///
    /// ```no_run
    /// use conductor_http::{ApiClient, Configuration};
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let client = ApiClient::new(Configuration::from_env())?;
    /// let workflow_id = client
    ///     .post("/workflow/order_fulfillment")
    ///     .json_body(&serde_json::json!({"orderId": "order-42"}))?
    ///     .send_text()
    ///     .await?;
    /// # let _ = workflow_id;
    /// # Ok(())
    /// # }
    /// ```
    pub fn post(&self, path: impl Into<String>) -> ApiRequest {
        self.request(Method::POST, path)
    }

    /// A `PUT` request (idempotent).
    ///
    /// ```no_run
    /// use conductor_http::{ApiClient, Configuration};
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let client = ApiClient::new(Configuration::from_env())?;
    /// client.put("/workflow/8c2f1e6a-workflow-id/resume").send_empty().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn put(&self, path: impl Into<String>) -> ApiRequest {
        self.request(Method::PUT, path)
    }

    /// A `DELETE` request (idempotent).
    ///
    /// ```no_run
    /// use conductor_http::{ApiClient, Configuration};
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let client = ApiClient::new(Configuration::from_env())?;
    /// client
    ///     .delete("/workflow/8c2f1e6a-workflow-id/remove")
    ///     .query("archiveWorkflow", true)
    ///     .send_empty()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, path: impl Into<String>) -> ApiRequest {
        self.request(Method::DELETE, path)
    }

    pub(crate) fn inner(&self) -> &ClientInner {
        &self.inner
    }
}

/// `server_url` (normalised to end in `/api`) without that suffix.
fn root_url(server_url: &str) -> String {
    server_url
        .strip_suffix("/api")
        .unwrap_or(server_url)
        .to_owned()
}

/// Follows redirects only within the same scheme, host and port: the `X-Authorization` header is
/// a custom header that reqwest would otherwise forward to any host a redirect points to.
fn same_origin_redirects() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        let same_origin = attempt.previous().first().is_some_and(|original| {
            original.scheme() == attempt.url().scheme()
                && original.host_str() == attempt.url().host_str()
                && original.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if same_origin {
            attempt.follow()
        } else {
            tracing::warn!(
                location = %attempt.url(),
                "not following a redirect to another origin (it would receive the auth token)"
            );
            attempt.stop()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_urls() {
        for bad in ["not a url", "ftp://host/api", "localhost:8080", "/api"] {
            let err = ApiClient::new(Configuration::new(bad)).unwrap_err();
            assert!(matches!(err, ConductorError::Config(_)), "{bad}: {err}");
        }
    }

    #[test]
    fn rejects_bad_static_headers() {
        let err = ApiClient::new(Configuration::new("http://h").with_header("bad header", "v"))
            .unwrap_err();
        assert!(matches!(err, ConductorError::Config(_)));
    }

    #[test]
    fn client_and_request_are_thread_safe() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        fn assert_send<T: Send>() {}
        assert_send_sync::<ApiClient>();
        assert_send::<ApiRequest>();
    }

    #[test]
    fn root_url_drops_the_api_suffix() {
        assert_eq!(root_url("http://h:8080/api"), "http://h:8080");
        assert_eq!(root_url("http://h/x/api"), "http://h/x");
        let api = ApiClient::new(Configuration::new("http://h:1")).unwrap();
        assert_eq!(api.root_url(), "http://h:1");
        let clone = api.clone();
        api.capabilities().mark_missing("GET /x");
        assert!(clone.capabilities().is_missing("GET /x"));
    }

    #[test]
    fn https_client_builds() {
        let client = ApiClient::new(Configuration::new("https://example.com")).unwrap();
        assert_eq!(client.server_url(), "https://example.com/api");
    }
}
