//! Token management: key/secret → `POST /token` → `X-Authorization` header, with proactive
//! refresh, a single-flight refresh when many requests see a rejected token, detection of servers
//! without auth, and capped exponential backoff after failures.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

use crate::backoff::{Backoff, Jitter};
use crate::config::{Configuration, Credentials};
use crate::error::{ConductorError, Result, TransportError, TransportErrorKind};
use crate::response::{error_from_response, snippet};

/// The header carrying the token (Orkes convention, used by every Conductor SDK).
pub(crate) const AUTH_HEADER: HeaderName = HeaderName::from_static("x-authorization");

/// A token ready to be sent, with the generation it belongs to (to detect stale refreshes).
#[derive(Clone)]
pub(crate) struct Token {
    pub(crate) value: HeaderValue,
    pub(crate) generation: u64,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("value", &"<redacted>")
            .field("generation", &self.generation)
            .finish()
    }
}

/// Where and how to request a token.
pub(crate) struct TokenEndpoint<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) url: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) timeout: std::time::Duration,
    /// Told of each token request, as of every other exchange.
    pub(crate) observer: Option<&'a std::sync::Arc<dyn crate::observer::ClientObserver>>,
}

struct CachedToken {
    value: HeaderValue,
    fetched_at: Instant,
}

#[derive(Default)]
struct TokenState {
    token: Option<CachedToken>,
    /// Bumped on every successful fetch; a refresh asked for an older generation is served by the
    /// newer token instead of hitting `/token` again (single flight).
    generation: u64,
    /// The server answered 404/405 on `/token`: it has no auth (conductor-oss). Dropped again
    /// when a request sent without a token is refused with 401 (`forget_no_auth_verdict`).
    auth_disabled: bool,
    consecutive_failures: u32,
    blocked_until: Option<Instant>,
    last_failure: Option<String>,
    /// Bumped after every token request that did not yield a token.
    failed_fetches: u64,
    /// How the last failed request failed when the server could not be reached: callers that
    /// queued behind it share that answer instead of each waiting out a timeout of their own.
    last_transport_failure: Option<(TransportErrorKind, String)>,
}

/// Owns the token of one [`ApiClient`](crate::ApiClient).
pub(crate) struct TokenManager {
    credentials: Option<Credentials>,
    ttl: Duration,
    /// The wait after failed token requests: exact doubling, no jitter (one client, one token).
    backoff: Backoff,
    state: std::sync::Mutex<TokenState>,
    /// Held while a token request is in flight, so that only one is ever sent at a time.
    refresh_lock: tokio::sync::Mutex<()>,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("TokenManager")
            .field("enabled", &self.credentials.is_some())
            .field("has_token", &state.token.is_some())
            .field("generation", &state.generation)
            .field("auth_disabled_by_server", &state.auth_disabled)
            .field("consecutive_failures", &state.consecutive_failures)
            .finish_non_exhaustive()
    }
}

enum FetchOutcome {
    Fetched(HeaderValue),
    NoAuthServer(StatusCode),
    Rejected(String),
    Transport(ConductorError),
}

#[derive(Deserialize)]
struct TokenResponse {
    token: Option<String>,
}

impl TokenManager {
    pub(crate) fn new(config: &Configuration) -> Self {
        let (backoff_initial, backoff_max) = config.auth_backoff();
        Self {
            credentials: config.credentials().cloned(),
            ttl: config.token_ttl(),
            backoff: Backoff::new(backoff_initial, backoff_max).with_jitter(Jitter::None),
            state: std::sync::Mutex::new(TokenState::default()),
            refresh_lock: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, TokenState> {
        // The state is only ever mutated by plain assignments, so a panic elsewhere cannot leave
        // it half-updated: recovering from poisoning is safe.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the server told us it has no auth (404/405 on `/token`).
    pub(crate) fn auth_disabled_by_server(&self) -> bool {
        self.state().auth_disabled
    }

    /// Drops the "this server has no auth" verdict (a 404/405 from `/token`), so the next
    /// request fetches a token again: called when a request sent without a token was refused.
    /// `true` when credentials are configured, so a replay can carry a token. With credentials,
    /// a request goes without a token only under that verdict; concurrent callers refused
    /// together all replay, and their token fetches share one `/token` request.
    pub(crate) fn forget_no_auth_verdict(&self) -> bool {
        if self.credentials.is_none() {
            return false;
        }
        self.state().auth_disabled = false;
        true
    }

    /// The token to send with the next request, fetching or refreshing it when needed.
    /// `None` when auth is not configured or the server has none.
    pub(crate) async fn token(&self, endpoint: &TokenEndpoint<'_>) -> Result<Option<Token>> {
        if self.credentials.is_none() {
            return Ok(None);
        }
        let seen_generation = {
            let state = self.state();
            if state.auth_disabled {
                return Ok(None);
            }
            match &state.token {
                Some(cached) if cached.fetched_at.elapsed() < self.ttl => {
                    return Ok(Some(Token {
                        value: cached.value.clone(),
                        generation: state.generation,
                    }));
                }
                _ => state.generation,
            }
        };
        match self.refresh(endpoint, seen_generation).await {
            Ok(token) => Ok(token),
            Err(error) => {
                // A proactive refresh failed, but the old token is refreshed well before it
                // expires (45 of ~60 minutes): keep using it rather than failing the request.
                let state = self.state();
                match &state.token {
                    Some(cached) => {
                        tracing::warn!(%error, "token refresh failed; using the current token until it is rejected");
                        Ok(Some(Token {
                            value: cached.value.clone(),
                            generation: state.generation,
                        }))
                    }
                    None => Err(error),
                }
            }
        }
    }

    /// Called when the server rejected `rejected` (401, or 403 with a token error): drops it and
    /// gets a new one. Concurrent callers that saw the same token share one `/token` request.
    pub(crate) async fn refresh_rejected(
        &self,
        endpoint: &TokenEndpoint<'_>,
        rejected: &Token,
    ) -> Result<Option<Token>> {
        {
            let mut state = self.state();
            if state.generation == rejected.generation {
                state.token = None;
            }
        }
        self.refresh(endpoint, rejected.generation).await
    }

    async fn refresh(
        &self,
        endpoint: &TokenEndpoint<'_>,
        seen_generation: u64,
    ) -> Result<Option<Token>> {
        let seen_failures = self.state().failed_fetches;
        let _single_flight = self.refresh_lock.lock().await;
        {
            let state = self.state();
            if state.auth_disabled {
                return Ok(None);
            }
            // The request this caller queued behind could not reach the server: share its
            // failure (the server is not any more reachable a moment later), rather than send
            // one request after another, each waiting out the full timeout.
            if state.failed_fetches != seen_failures
                && let Some((kind, message)) = &state.last_transport_failure
            {
                return Err(TransportError::new(
                    *kind,
                    format!("{message} (a concurrent token request just failed this way)"),
                )
                .into());
            }
            if state.generation != seen_generation
                && let Some(cached) = &state.token
            {
                return Ok(Some(Token {
                    value: cached.value.clone(),
                    generation: state.generation,
                }));
            }
            if let Some(until) = state.blocked_until {
                let now = Instant::now();
                if now < until {
                    return Err(ConductorError::Auth(format!(
                        "{}; next token request in {:.1}s",
                        state
                            .last_failure
                            .as_deref()
                            .unwrap_or("token request failed"),
                        (until - now).as_secs_f64()
                    )));
                }
            }
        }

        match self.fetch(endpoint).await {
            FetchOutcome::Fetched(value) => {
                let mut state = self.state();
                state.generation += 1;
                state.token = Some(CachedToken {
                    value: value.clone(),
                    fetched_at: Instant::now(),
                });
                state.consecutive_failures = 0;
                state.blocked_until = None;
                state.last_failure = None;
                state.last_transport_failure = None;
                tracing::debug!(generation = state.generation, "obtained a new auth token");
                Ok(Some(Token {
                    value,
                    generation: state.generation,
                }))
            }
            FetchOutcome::NoAuthServer(status) => {
                let mut state = self.state();
                state.auth_disabled = true;
                state.token = None;
                tracing::info!(
                    "{} answered HTTP {status}: the server has no authentication (conductor-oss); requests are sent without a token",
                    endpoint.url
                );
                Ok(None)
            }
            FetchOutcome::Rejected(reason) => {
                let mut state = self.state();
                state.failed_fetches += 1;
                state.last_transport_failure = None;
                state.consecutive_failures = state.consecutive_failures.saturating_add(1);
                let wait = self.backoff(state.consecutive_failures);
                state.blocked_until = Some(Instant::now() + wait);
                state.last_failure = Some(reason.clone());
                tracing::warn!(
                    failures = state.consecutive_failures,
                    retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    "{reason}"
                );
                Err(ConductorError::Auth(reason))
            }
            // The server could not be reached: not an auth failure, and the request that needed
            // the token fails the same way (and may be retried by the caller's policy).
            FetchOutcome::Transport(error) => {
                let mut state = self.state();
                state.failed_fetches += 1;
                state.last_transport_failure = match &error {
                    ConductorError::Http(transport) => {
                        Some((transport.kind(), transport.to_string()))
                    }
                    _ => None,
                };
                Err(error)
            }
        }
    }

    /// The wait after `failures` consecutive failures: initial × 2^(failures-1), capped.
    fn backoff(&self, failures: u32) -> Duration {
        self.backoff.delay(failures.saturating_sub(1))
    }

    async fn fetch(&self, endpoint: &TokenEndpoint<'_>) -> FetchOutcome {
        let Some(credentials) = &self.credentials else {
            return FetchOutcome::Rejected("no credentials configured".into());
        };
        let body = serde_json::json!({
            "keyId": credentials.key_id,
            "keySecret": credentials.key_secret,
        });
        let started = Instant::now();
        let sent = endpoint
            .http
            .post(endpoint.url)
            .headers(endpoint.headers.clone())
            .json(&body)
            .timeout(endpoint.timeout)
            .send()
            .await;
        let context = format!("POST {}", endpoint.url);
        if let (Some(observer), Err(_)) = (endpoint.observer, &sent) {
            observer.on_request("POST", "/token", None, started.elapsed());
        }
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                return FetchOutcome::Transport(
                    TransportError::from_reqwest(&context, error).into(),
                );
            }
        };
        let status = response.status();
        let read = response.bytes().await;
        if let Some(observer) = endpoint.observer {
            let code = read.as_ref().ok().map(|_| status.as_u16());
            observer.on_request("POST", "/token", code, started.elapsed());
        }
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(error) => {
                return FetchOutcome::Transport(
                    TransportError::from_reqwest(&context, error).into(),
                );
            }
        };
        // Never log the body: the request holds the secret and the response the token.
        tracing::debug!(
            method = "POST",
            path = "/token",
            status = status.as_u16(),
            latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "token request"
        );
        if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
            return FetchOutcome::NoAuthServer(status);
        }
        if !status.is_success() {
            let detail = error_from_response(status, &bytes);
            let message = match &detail {
                ConductorError::Api { message, .. } | ConductorError::Server { message, .. } => {
                    message.clone()
                }
                other => other.to_string(),
            };
            return FetchOutcome::Rejected(format!(
                "token request to {} failed (HTTP {}): {message}",
                endpoint.url,
                status.as_u16()
            ));
        }
        let token = match serde_json::from_slice::<TokenResponse>(&bytes) {
            Ok(TokenResponse { token: Some(token) }) if !token.trim().is_empty() => token,
            Ok(_) => {
                return FetchOutcome::Rejected(format!(
                    "token response from {} has no token",
                    endpoint.url
                ));
            }
            Err(error) => {
                // The body may contain a token-like value: quote only a short start of it.
                return FetchOutcome::Rejected(format!(
                    "token response from {} is not valid JSON ({error}): {:?}",
                    endpoint.url,
                    snippet(&bytes, 32)
                ));
            }
        };
        match HeaderValue::from_str(token.trim()) {
            Ok(mut value) => {
                value.set_sensitive(true);
                FetchOutcome::Fetched(value)
            }
            Err(_) => FetchOutcome::Rejected(format!(
                "token from {} contains characters not allowed in a header",
                endpoint.url
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let config = Configuration::new("http://h")
            .with_auth("k", "s")
            .with_auth_backoff(Duration::from_secs(1), Duration::from_secs(60));
        let manager = TokenManager::new(&config);
        assert_eq!(manager.backoff(1), Duration::from_secs(1));
        assert_eq!(manager.backoff(2), Duration::from_secs(2));
        assert_eq!(manager.backoff(6), Duration::from_secs(32));
        assert_eq!(manager.backoff(7), Duration::from_secs(60));
        assert_eq!(manager.backoff(u32::MAX), Duration::from_secs(60));
        assert_eq!(manager.backoff.jitter(), Jitter::None);
        // Not jittered: the same wait every time.
        assert_eq!(manager.backoff(3), Duration::from_secs(4));
        assert_eq!(manager.backoff(3), Duration::from_secs(4));
    }

    #[test]
    fn debug_hides_the_token() {
        let mut value = HeaderValue::from_static("tok-123");
        value.set_sensitive(true);
        let token = Token {
            value,
            generation: 1,
        };
        assert!(!format!("{token:?}").contains("tok-123"));
    }
}
