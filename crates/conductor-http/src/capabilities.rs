//! [`ServerCapabilities`]: the endpoints a server was found to lack, remembered per
//! [`ApiClient`](crate::ApiClient) (and shared by its clones) so that a fallback costs one failed
//! request per client, not one per call.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The endpoints the server behind an [`ApiClient`](crate::ApiClient) does not have.
///
/// The resource clients record an endpoint here the first time the server answers that it has
/// no handler for it ([`ConductorError::is_missing_endpoint`](crate::ConductorError::is_missing_endpoint)),
/// then go straight to their fallback (or return
/// [`ConductorError::UnsupportedByServer`](crate::ConductorError::UnsupportedByServer)) on later
/// calls. Keys are endpoint templates relative to the `/api` base, such as
/// `GET /workflow/{workflowId}/status`. Every clone of the `ApiClient`, and every resource client
/// and worker built on it, shares one set.
///
/// The set only grows: after upgrading the server in place, build a new client or call
/// [`clear`](Self::clear).
///
/// ```
/// use conductor_http::{ApiClient, Configuration};
///
/// let api = ApiClient::new(Configuration::new("http://localhost:8080/api"))?;
/// let clone = api.clone();
/// assert!(api.capabilities().mark_missing("GET /version"));
/// // Clones share what was learnt.
/// assert!(clone.capabilities().is_missing("GET /version"));
/// assert_eq!(clone.capabilities().missing_endpoints(), vec!["GET /version".to_owned()]);
/// clone.capabilities().clear();
/// assert!(!api.capabilities().is_missing("GET /version"));
/// # Ok::<(), conductor_http::ConductorError>(())
/// ```
#[derive(Default)]
pub struct ServerCapabilities {
    missing: Mutex<BTreeSet<String>>,
}

impl fmt::Debug for ServerCapabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerCapabilities")
            .field("missing", &*self.lock())
            .finish()
    }
}

impl ServerCapabilities {
    /// An empty set: every endpoint is assumed to exist until the server says otherwise.
    ///
    /// ```
    /// let capabilities = conductor_http::ServerCapabilities::new();
    /// assert!(capabilities.missing_endpoints().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `endpoint` was recorded as missing.
    ///
    /// ```
    /// let capabilities = conductor_http::ServerCapabilities::new();
    /// assert!(!capabilities.is_missing("POST /tasks/update-v2"));
    /// ```
    #[must_use]
    pub fn is_missing(&self, endpoint: &str) -> bool {
        self.lock().contains(endpoint)
    }

    /// Records `endpoint` as missing; `true` when it was not recorded before (the first caller
    /// logs it at `info`).
    ///
    /// ```
    /// let capabilities = conductor_http::ServerCapabilities::new();
    /// assert!(capabilities.mark_missing("GET /workflow/{workflowId}/status"));
    /// assert!(!capabilities.mark_missing("GET /workflow/{workflowId}/status"));
    /// ```
    pub fn mark_missing(&self, endpoint: &str) -> bool {
        let added = self.lock().insert(endpoint.to_owned());
        if added {
            tracing::info!(
                endpoint,
                "the server has no such endpoint; using the fallback from now on"
            );
        }
        added
    }

    /// The endpoints recorded as missing, sorted.
    ///
    /// ```
    /// let capabilities = conductor_http::ServerCapabilities::new();
    /// capabilities.mark_missing("GET /version");
    /// capabilities.mark_missing("GET /health");
    /// assert_eq!(capabilities.missing_endpoints(), vec!["GET /health", "GET /version"]);
    /// ```
    #[must_use]
    pub fn missing_endpoints(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }

    /// Forgets everything recorded (for example after the server was upgraded in place).
    ///
    /// ```
    /// let capabilities = conductor_http::ServerCapabilities::new();
    /// capabilities.mark_missing("GET /version");
    /// capabilities.clear();
    /// assert!(!capabilities.is_missing("GET /version"));
    /// ```
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The set; a poisoned lock still holds a valid set (only inserts and clears happen under it).
    fn lock(&self) -> MutexGuard<'_, BTreeSet<String>> {
        self.missing.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
