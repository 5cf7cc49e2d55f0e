//! Small helpers shared by the clients: JSON-object bodies, ids as JSON arrays, TEXT answers,
//! request timeouts extended by a server-side wait.

use std::future::Future;
use std::time::Duration;

use conductor_http::{ApiClient, ConductorError, Result};
use serde::Serialize;
use serde::ser::Error as _;

/// Serialises `value` and checks that it is a JSON object, which is what Conductor expects for
/// task output, workflow input and variables (`Map<String, Object>` on the server).
///
/// A value that serialises to anything else (a number, a list, `null`...) is rejected before any
/// request is sent, with a [`ConductorError::Json`] naming `what`.
pub(crate) fn json_object<T: Serialize + ?Sized>(
    value: &T,
    what: &str,
) -> Result<serde_json::Value> {
    let json = serde_json::to_value(value)?;
    if json.is_object() {
        Ok(json)
    } else {
        Err(ConductorError::Json(serde_json::Error::custom(format!(
            "{what} must serialize to a JSON object, got {}",
            json_kind(&json)
        ))))
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Tells the client observer, if any, that a workflow of `workflow_type` is being started with
/// `input` (its JSON size), and returns what `start` gives, reporting a failure as a start
/// error. The input is serialised again only when an observer is set.
pub(crate) async fn observe_start<I, T, F>(
    api: &ApiClient,
    workflow_type: &str,
    version: Option<i32>,
    input: &I,
    start: F,
) -> Result<T>
where
    I: Serialize + ?Sized,
    F: Future<Output = Result<T>>,
{
    let observer = api.configuration().observer();
    if let Some(observer) = observer {
        let size = serde_json::to_vec(input).map_or(0, |bytes| bytes.len());
        observer.on_workflow_input_size(workflow_type, version, size);
    }
    let outcome = start.await;
    if let (Some(observer), Err(error)) = (observer, &outcome) {
        observer.on_workflow_start_error(workflow_type, error);
    }
    outcome
}

/// Tells the client observer, if any, that a location in external payload storage was obtained
/// for `entity` (`task` or `workflow`); `operation` and `payload_type` are reported upper case,
/// as the server reads them case-insensitively.
pub(crate) fn observe_external_payload<T>(
    api: &ApiClient,
    entity: &str,
    operation: &str,
    payload_type: &str,
    outcome: Result<T>,
) -> Result<T> {
    if let (Some(observer), Ok(_)) = (api.configuration().observer(), &outcome) {
        observer.on_external_payload_used(
            entity,
            &operation.trim().to_ascii_uppercase(),
            &payload_type.trim().to_ascii_uppercase(),
        );
    }
    outcome
}

/// Collects ids given as any string-like slice into the `Vec<&str>` sent as a JSON array.
pub(crate) fn id_list<S: AsRef<str>>(ids: &[S]) -> Vec<&str> {
    ids.iter().map(AsRef::as_ref).collect()
}

/// `None` for an empty (or whitespace-only) TEXT answer, the trimmed text otherwise.
pub(crate) fn non_empty_text(text: String) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == text.len() {
        Some(text)
    } else {
        Some(trimmed.to_owned())
    }
}

/// The total timeout for a request the server holds open for `server_wait` (long poll, sync
/// execute, sync signal): the configured timeout plus that wait, so the wait never trips it.
pub(crate) fn timeout_with_wait(api: &ApiClient, server_wait: Duration) -> Duration {
    api.configuration().timeout().saturating_add(server_wait)
}

/// Parses a TEXT answer that must be an integer (the requeue count), as a [`ConductorError::Decode`]
/// when it is not.
pub(crate) fn parse_count(text: &str) -> Result<u64> {
    text.trim()
        .parse::<u64>()
        .map_err(|error| ConductorError::Decode {
            status: 200,
            message: format!("expected an integer count: {error}"),
            body_snippet: text.chars().take(200).collect(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_pass_and_other_values_are_rejected() {
        assert!(json_object(&serde_json::json!({"a": 1}), "output").is_ok());
        let err = json_object(&serde_json::json!([1, 2]), "task output").unwrap_err();
        assert!(matches!(err, ConductorError::Json(_)));
        assert!(
            err.to_string()
                .contains("task output must serialize to a JSON object, got an array")
        );
        assert!(json_object(&(), "input").is_err());
    }

    #[test]
    fn text_answers() {
        assert_eq!(non_empty_text(String::new()), None);
        assert_eq!(non_empty_text("  \n".into()), None);
        assert_eq!(non_empty_text("abc".into()).as_deref(), Some("abc"));
        assert_eq!(non_empty_text(" abc\n".into()).as_deref(), Some("abc"));
        assert_eq!(parse_count("12").unwrap(), 12);
        assert!(matches!(
            parse_count("x"),
            Err(ConductorError::Decode { .. })
        ));
    }
}
