//! Extra request headers: the [`HeaderProvider`] hook called before every request (tracing
//! context, per-tenant routing...) and the validation of static headers.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{ConductorError, Result};

/// The request a [`HeaderProvider`] is asked to decorate.
///
/// ```
/// use std::sync::Arc;
/// use conductor_http::{Configuration, RequestInfo};
///
/// // Tag every request with the operation, e.g. for a proxy's access log.
/// let provider = |request: &RequestInfo<'_>| {
///     vec![("X-Operation".to_owned(), format!("{} {}", request.method, request.path))]
/// };
/// let config = Configuration::new("http://localhost:8080").with_header_provider(Arc::new(provider));
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RequestInfo<'a> {
    /// HTTP method (`GET`, `POST`...).
    pub method: &'a str,
    /// Path relative to the `/api` base, without the query (for example `/workflow/abc`).
    pub path: &'a str,
}

/// Supplies extra headers for each request, called once per attempt (so retries get fresh values,
/// for example a new tracing span id).
///
/// Headers returned here override static headers of the same name set with
/// [`Configuration::with_header`](crate::Configuration::with_header); they can never replace the
/// `X-Authorization` token header. Invalid names or values are skipped with a warning.
///
/// Any `Fn(&RequestInfo<'_>) -> Vec<(String, String)> + Send + Sync` closure is a provider:
///
/// ```
/// use std::sync::Arc;
/// use conductor_http::{Configuration, RequestInfo};
///
/// let provider = |request: &RequestInfo<'_>| {
///     vec![("x-request-origin".to_string(), format!("sdk {}", request.method))]
/// };
/// let config = Configuration::new("http://localhost:8080/api").with_header_provider(Arc::new(provider));
/// ```
pub trait HeaderProvider: Send + Sync {
    /// The headers to add to `request`.
    fn headers(&self, request: &RequestInfo<'_>) -> Vec<(String, String)>;
}

impl<F> HeaderProvider for F
where
    F: Fn(&RequestInfo<'_>) -> Vec<(String, String)> + Send + Sync,
{
    fn headers(&self, request: &RequestInfo<'_>) -> Vec<(String, String)> {
        self(request)
    }
}

/// Parses the configured static headers, failing on the first invalid one.
pub(crate) fn static_header_map(headers: &[(String, String)]) -> Result<HeaderMap> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let (name, value) = parse_header(name, value).map_err(ConductorError::Config)?;
        map.insert(name, value);
    }
    Ok(map)
}

/// Adds a provider's headers to `map`, skipping (and logging) invalid ones and the auth header.
pub(crate) fn apply_provided(map: &mut HeaderMap, provided: Vec<(String, String)>) {
    for (name, value) in provided {
        match parse_header(&name, &value) {
            Ok((name, _)) if name == crate::auth::AUTH_HEADER => {
                tracing::warn!("header provider tried to set {name}; ignored");
            }
            Ok((name, value)) => {
                map.insert(name, value);
            }
            Err(reason) => tracing::warn!("header provider returned an invalid header: {reason}"),
        }
    }
}

fn parse_header(name: &str, value: &str) -> std::result::Result<(HeaderName, HeaderValue), String> {
    let header_name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("invalid header name {name:?}"))?;
    // The value is deliberately not quoted in the message: it may be a credential.
    let header_value = HeaderValue::from_str(value)
        .map_err(|_| format!("invalid value for header {header_name}"))?;
    Ok((header_name, header_value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_headers_are_validated() {
        let ok = static_header_map(&[("X-Tenant".into(), "a".into())]).unwrap();
        assert_eq!(ok.get("x-tenant").unwrap(), "a");
        let err = static_header_map(&[("bad name".into(), "a".into())]).unwrap_err();
        assert!(matches!(err, ConductorError::Config(m) if m.contains("bad name")));
        let err = static_header_map(&[("x-ok".into(), "line\nbreak".into())]).unwrap_err();
        assert!(
            matches!(err, ConductorError::Config(m) if m.contains("x-ok") && !m.contains("line"))
        );
    }

    #[test]
    fn provider_cannot_override_the_token_header() {
        let mut map = HeaderMap::new();
        map.insert(crate::auth::AUTH_HEADER, HeaderValue::from_static("real"));
        apply_provided(
            &mut map,
            vec![
                ("X-Authorization".into(), "forged".into()),
                ("x-trace".into(), "1".into()),
                ("bad name".into(), "v".into()),
            ],
        );
        assert_eq!(map.get(crate::auth::AUTH_HEADER).unwrap(), "real");
        assert_eq!(map.get("x-trace").unwrap(), "1");
        assert_eq!(map.len(), 2);
    }
}
