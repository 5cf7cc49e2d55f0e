//! Turning raw HTTP responses into values or typed errors: `ErrorResponse` mapping, body snippets,
//! and token-error detection.

use conductor_models::ErrorResponse;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ConductorError;

/// Longest error message taken verbatim from a non-JSON error body.
pub(crate) const MAX_MESSAGE_CHARS: usize = 512;
/// Longest body excerpt quoted in a [`ConductorError::Decode`].
pub(crate) const MAX_SNIPPET_CHARS: usize = 256;

/// The first `max_chars` characters of `body` (lossy UTF-8, trimmed), with `…` when cut.
pub(crate) fn snippet(body: &[u8], max_chars: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    match trimmed.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_string(),
    }
}

/// Maps a non-2xx answer to [`ConductorError::Api`] (4xx and other non-5xx statuses) or
/// [`ConductorError::Server`] (5xx).
///
/// The body is parsed as an `ErrorResponse` when it is one; otherwise its trimmed, truncated
/// text is the message (the status's reason phrase when the body is empty).
pub(crate) fn error_from_response(status: StatusCode, body: &[u8]) -> ConductorError {
    let parsed = parse_error_response(body);
    let message = parsed
        .as_ref()
        .and_then(|response| response.message.clone())
        .filter(|message| !message.trim().is_empty())
        .unwrap_or_else(|| fallback_message(status, body));
    let code = status.as_u16();
    if status.is_server_error() {
        ConductorError::Server {
            status: code,
            message,
            retryable: parsed.as_ref().is_some_and(|response| response.retryable),
            response: parsed.map(Box::new),
        }
    } else {
        ConductorError::Api {
            status: code,
            message,
            code: parsed.as_ref().and_then(|response| response.code.clone()),
            response: parsed.map(Box::new),
        }
    }
}

/// The message used when the body carries none: its text, or the reason phrase when empty.
pub(crate) fn fallback_message(status: StatusCode, body: &[u8]) -> String {
    let text = snippet(body, MAX_MESSAGE_CHARS);
    if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("no response body")
            .to_string()
    } else {
        text
    }
}

/// Parses `body` as an `ErrorResponse` when it is a JSON object.
fn parse_error_response(body: &[u8]) -> Option<ErrorResponse> {
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    serde_json::from_slice(body).ok()
}

/// Whether a 401/403 means "your token is no good" (and a refresh may help) rather than "you may
/// not do this". Any 401 qualifies; a 403 only when the body names a token error, as Orkes does
/// (`EXPIRED_TOKEN`, `INVALID_TOKEN`).
pub(crate) fn is_token_rejection(status: StatusCode, body: &[u8]) -> bool {
    match status {
        StatusCode::UNAUTHORIZED => true,
        StatusCode::FORBIDDEN => {
            let text = String::from_utf8_lossy(body);
            text.contains("EXPIRED_TOKEN") || text.contains("INVALID_TOKEN")
        }
        _ => false,
    }
}

/// Decodes a JSON body, reporting malformed, truncated or wrongly shaped bodies as
/// [`ConductorError::Decode`] quoting the start of the body.
pub(crate) fn decode_json<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<T, ConductorError> {
    serde_json::from_slice(body).map_err(|error| ConductorError::Decode {
        status: status.as_u16(),
        message: format!("invalid JSON: {error}"),
        body_snippet: snippet(body, MAX_SNIPPET_CHARS),
    })
}

/// Whether a body is empty for the purposes of "no content" (only whitespace).
pub(crate) fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_truncates_on_char_boundaries() {
        assert_eq!(snippet(b"  hello  ", 10), "hello");
        assert_eq!(snippet("ééééé".as_bytes(), 3), "ééé…");
        assert_eq!(snippet(&[0xff, b'a'], 10), "\u{fffd}a");
    }

    #[test]
    fn error_response_bodies_are_parsed() {
        let body =
            br#"{"status":404,"message":"No such workflow found by id: 1","retryable":false}"#;
        let err = error_from_response(StatusCode::NOT_FOUND, body);
        assert!(
            matches!(&err, ConductorError::Api { status: 404, message, response: Some(_), .. } if message == "No such workflow found by id: 1")
        );
        let err = error_from_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"status":500,"message":"transient","retryable":true}"#,
        );
        assert!(matches!(
            err,
            ConductorError::Server {
                status: 500,
                retryable: true,
                ..
            }
        ));
    }

    #[test]
    fn other_bodies_become_the_message() {
        let err = error_from_response(StatusCode::BAD_GATEWAY, b"  <html>Bad gateway</html>\n");
        assert!(
            matches!(&err, ConductorError::Server { message, response: None, retryable: false, .. } if message == "<html>Bad gateway</html>")
        );
        let err = error_from_response(StatusCode::NOT_FOUND, b"");
        assert!(matches!(&err, ConductorError::Api { message, .. } if message == "Not Found"));
        let long = "x".repeat(5000);
        let err = error_from_response(StatusCode::BAD_REQUEST, long.as_bytes());
        assert!(
            matches!(&err, ConductorError::Api { message, .. } if message.chars().count() == MAX_MESSAGE_CHARS + 1)
        );
    }

    #[test]
    fn json_without_message_falls_back_to_the_body() {
        let body = br#"{"timestamp":1,"status":404,"error":"Not Found","path":"/api/x"}"#;
        let err = error_from_response(StatusCode::NOT_FOUND, body);
        assert!(
            matches!(&err, ConductorError::Api { message, .. } if message.contains("\"path\":\"/api/x\""))
        );
    }

    #[test]
    fn token_rejections() {
        assert!(is_token_rejection(StatusCode::UNAUTHORIZED, b""));
        assert!(is_token_rejection(
            StatusCode::FORBIDDEN,
            br#"{"error":"EXPIRED_TOKEN"}"#
        ));
        assert!(is_token_rejection(StatusCode::FORBIDDEN, b"INVALID_TOKEN"));
        assert!(!is_token_rejection(
            StatusCode::FORBIDDEN,
            br#"{"message":"no access"}"#
        ));
        assert!(!is_token_rejection(StatusCode::NOT_FOUND, b"INVALID_TOKEN"));
    }
}
