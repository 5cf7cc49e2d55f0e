//! The external server a suite runs against (`CONDUCTOR_TEST_SERVER_URL`), and unique names so
//! that tests sharing one long-lived server never see each other's definitions, queues or
//! executions.

use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable naming an external server for the end-to-end suites, as a base URL
/// ending in `/api` (for example `http://127.0.0.1:8080/api`).
pub const TEST_SERVER_URL_ENV: &str = "CONDUCTOR_TEST_SERVER_URL";

/// The environment variable naming the external server's conductor-oss version (for example
/// `3.21.14`), set by `cargo xtask oss-test` so that suites can expect version-specific answers.
pub const TEST_SERVER_VERSION_ENV: &str = "CONDUCTOR_TEST_SERVER_VERSION";

/// The external server's version from [`TEST_SERVER_VERSION_ENV`], when set and not blank.
///
/// ```
/// let version = conductor_test_support::external_server_version();
/// assert!(version.is_none() || version.is_some_and(|v| !v.is_empty()));
/// ```
pub fn external_server_version() -> Option<String> {
    let raw = std::env::var(TEST_SERVER_VERSION_ENV).ok()?;
    let trimmed = raw.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// The external server's base URL when [`TEST_SERVER_URL_ENV`] is set and not blank, with any
/// trailing `/` removed and `/api` appended when missing; `None` when the suites should start the
/// embedded server.
///
/// ```
/// // A plain `cargo test` leaves it unset.
/// let url = conductor_test_support::external_server_url();
/// assert!(url.is_none() || url.is_some_and(|u| u.ends_with("/api")));
/// ```
pub fn external_server_url() -> Option<String> {
    let raw = std::env::var(TEST_SERVER_URL_ENV).ok()?;
    normalise(&raw)
}

/// Whether the suites run against an external server (see [`external_server_url`]).
///
/// ```
/// assert_eq!(
///     conductor_test_support::is_external(),
///     conductor_test_support::external_server_url().is_some()
/// );
/// ```
pub fn is_external() -> bool {
    external_server_url().is_some()
}

fn normalise(raw: &str) -> Option<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.ends_with("/api") {
        Some(trimmed.to_owned())
    } else {
        Some(format!("{trimmed}/api"))
    }
}

/// `prefix` followed by `_` and a suffix unique to this process and call: a name for a workflow,
/// task type, correlation id or event that no other test (in this run or an earlier one against
/// the same server) uses.
///
/// Conductor names allow letters, digits and `_`, so the suffix uses only those.
///
/// ```
/// use conductor_test_support::unique_name;
/// let a = unique_name("encode");
/// let b = unique_name("encode");
/// assert_ne!(a, b);
/// assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
/// ```
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static RUN: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let run = *RUN.get_or_init(|| fastrand::u32(..) ^ std::process::id());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{run:08x}_{n}")
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn urls_are_normalised_to_end_in_api() {
        assert_eq!(normalise("http://h:1"), Some("http://h:1/api".into()));
        assert_eq!(normalise("http://h:1/"), Some("http://h:1/api".into()));
        assert_eq!(normalise("http://h:1/api/"), Some("http://h:1/api".into()));
        assert_eq!(normalise("  "), None);
    }
}
