//! Server-version compatibility: the endpoints newer than the oldest supported server (conductor-oss
//! 3.21.14) or absent from conductor-oss, how their absence shows, and the helpers that detect it
//! once per client (through the [`ServerCapabilities`](conductor_http::ServerCapabilities) of the
//! shared [`ApiClient`]) and then fall back or answer
//! [`ConductorError::UnsupportedByServer`]. `docs/compatibility.md` has the full matrix.

use std::future::Future;

use conductor_http::{ApiClient, ConductorError, Result};
use conductor_models::SearchResult;
use serde::de::DeserializeOwned;
use tokio::task::JoinSet;

/// Most reads in flight at once when a fallback fetches search hits one by one.
const FETCH_CONCURRENCY: usize = 8;

/// An endpoint that some supported server lacks: its capability key and what has it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endpoint {
    /// `METHOD /path` relative to the `/api` base, with `{placeholders}`.
    pub(crate) key: &'static str,
    /// The first server (version or flavour) that has it.
    pub(crate) since: &'static str,
}

impl Endpoint {
    /// Whether this client already found the endpoint missing.
    pub(crate) fn known_missing(&self, api: &ApiClient) -> bool {
        api.capabilities().is_missing(self.key)
    }

    /// Records the endpoint as missing on this client (and its clones).
    pub(crate) fn mark_missing(&self, api: &ApiClient) {
        api.capabilities().mark_missing(self.key);
    }

    /// The [`ConductorError::UnsupportedByServer`] for this endpoint.
    pub(crate) fn unsupported(&self) -> ConductorError {
        ConductorError::unsupported_by_server(self.key, self.since)
    }
}

/// `GET /health` under `/api` (before 3.32 only at the server root).
pub(crate) const HEALTH: Endpoint = Endpoint {
    key: "GET /health",
    since: "conductor-oss 3.32.0 or newer",
};
/// `GET /version`.
pub(crate) const VERSION: Endpoint = Endpoint {
    key: "GET /version",
    since: "conductor-oss 3.22.0 or newer",
};
/// `POST /workflow/execute/{name}/{version}` (synchronous execution).
pub(crate) const EXECUTE: Endpoint = Endpoint {
    key: "POST /workflow/execute/{name}/{version}",
    since: "conductor-oss 3.21.23 or newer",
};
/// `GET /workflow/{workflowId}/status`.
pub(crate) const WORKFLOW_STATUS: Endpoint = Endpoint {
    key: "GET /workflow/{workflowId}/status",
    since: "conductor-oss 3.31.2 or newer",
};
/// `GET /workflow/{workflowId}/tasks`.
pub(crate) const WORKFLOW_TASKS: Endpoint = Endpoint {
    key: "GET /workflow/{workflowId}/tasks",
    since: "conductor-oss 3.22.0 or newer",
};
/// `POST /workflow/{workflowId}/variables` (Orkes only).
pub(crate) const UPDATE_VARIABLES: Endpoint = Endpoint {
    key: "POST /workflow/{workflowId}/variables",
    since: "Orkes Conductor; conductor-oss has no such endpoint",
};
/// `POST /workflow/{workflowId}/messages` (behind a server property).
pub(crate) const SEND_MESSAGE: Endpoint = Endpoint {
    key: "POST /workflow/{workflowId}/messages",
    since: "conductor-oss 3.30.0 or newer started with conductor.workflow-message-queue.enabled=true",
};
/// `POST /tasks/update-v2`.
pub(crate) const UPDATE_V2: Endpoint = Endpoint {
    key: "POST /tasks/update-v2",
    since: "conductor-oss 3.21.12 or newer",
};
/// `POST /tasks/{workflowId}/{status}/signal`.
pub(crate) const SIGNAL: Endpoint = Endpoint {
    key: "POST /tasks/{workflowId}/{status}/signal",
    since: "conductor-oss 3.32.0 or newer",
};
/// `POST /tasks/{workflowId}/{status}/signal/sync`.
pub(crate) const SIGNAL_SYNC: Endpoint = Endpoint {
    key: "POST /tasks/{workflowId}/{status}/signal/sync",
    since: "conductor-oss 3.32.0 or newer",
};
/// `DELETE /tasks/queue/{taskType}/{taskId}` (Conductor 2.x and Orkes).
pub(crate) const REMOVE_FROM_QUEUE: Endpoint = Endpoint {
    key: "DELETE /tasks/queue/{taskType}/{taskId}",
    since: "Orkes Conductor or Conductor 2.x; conductor-oss 3.x has no such endpoint",
};
/// `GET /metadata/workflow/names`.
pub(crate) const WORKFLOW_NAMES: Endpoint = Endpoint {
    key: "GET /metadata/workflow/names",
    since: "conductor-oss 3.30.0 or newer",
};
/// `GET /metadata/workflow/{name}/versions`.
pub(crate) const WORKFLOW_VERSIONS: Endpoint = Endpoint {
    key: "GET /metadata/workflow/{name}/versions",
    since: "conductor-oss 3.30.0 or newer",
};
/// The `overwrite` parameter of `POST /metadata/workflow`.
pub(crate) const REGISTER_OVERWRITE: Endpoint = Endpoint {
    key: "POST /metadata/workflow?overwrite=true",
    since: "conductor-oss 3.31.2 or newer",
};
/// The id searches behind `/workflow/search-v2`, `/workflow/search-by-tasks-v2` and
/// `/tasks/search-v2`, which the SQLite index of conductor-oss before 3.23.0 does not implement.
pub(crate) const SEARCH_V2: Endpoint = Endpoint {
    key: "GET /workflow/search-v2, /workflow/search-by-tasks-v2, /tasks/search-v2",
    since: "an index that searches by id (any index in conductor-oss 3.23.0 or newer)",
};

/// Runs `native` (the request to `endpoint`) unless the endpoint is already known to be missing.
///
/// `Ok(Some(value))` when it answered; `Ok(None)` when the endpoint is missing, either known from
/// before (no request is sent) or because `missing` classifies the error (then it is recorded for
/// the whole client); `Err` for every other failure.
pub(crate) async fn attempt<T, F, Fut>(
    api: &ApiClient,
    endpoint: &Endpoint,
    missing: fn(&ConductorError) -> bool,
    native: F,
) -> Result<Option<T>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    if endpoint.known_missing(api) {
        return Ok(None);
    }
    match native().await {
        Ok(value) => Ok(Some(value)),
        Err(error) if missing(&error) => {
            tracing::debug!(endpoint = endpoint.key, %error, "endpoint missing on this server");
            endpoint.mark_missing(api);
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// Runs `native` for an endpoint without a fallback: a missing endpoint (known, or found now)
/// becomes [`ConductorError::UnsupportedByServer`].
pub(crate) async fn native_or_unsupported<T, F, Fut>(
    api: &ApiClient,
    endpoint: &Endpoint,
    native: F,
) -> Result<T>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    attempt(api, endpoint, ConductorError::is_missing_endpoint, native)
        .await?
        .ok_or_else(|| endpoint.unsupported())
}

/// The answer of conductor-oss 3.21–3.31 to `POST /tasks/{id}/{status}/signal[/sync]`: the path
/// matches the older update-by-reference route with `status = "signal"`, whose conversion fails
/// with a 500 before any handler runs.
pub(crate) fn is_signal_route_collision(error: &ConductorError) -> bool {
    match error {
        ConductorError::Server {
            status: 500,
            message,
            ..
        } => message.contains("TaskResult$Status") && message.contains("[signal]"),
        _ => error.is_missing_endpoint(),
    }
}

/// `GET /metadata/workflow/names` on servers before 3.30 matches `GET /metadata/workflow/{name}`
/// and answers 404 "No such workflow found by name: names"; the real endpoint never answers 404.
pub(crate) fn is_names_route_collision(error: &ConductorError) -> bool {
    error.status() == Some(404) || error.is_missing_endpoint()
}

/// The SQLite index of conductor-oss before 3.23.0 returns no id search, which the v2 searches
/// answer with 500 `Cannot invoke "...SearchResult.getResults()" because "result" is null`.
pub(crate) fn is_search_v2_unsupported(error: &ConductorError) -> bool {
    match error {
        ConductorError::Server {
            status: 500,
            message,
            ..
        } => message.contains("SearchResult.getResults()") && message.contains("is null"),
        _ => error.is_missing_endpoint(),
    }
}

/// The fallback of the v2 searches, as the server itself builds them: for each hit of the summary
/// search, in order, reads the full object at its path (relative to `/api`, with any query);
/// objects that no longer exist are left out and not counted, as the server does. Up to [`FETCH_CONCURRENCY`] reads run at once.
pub(crate) async fn fetch_each<T>(
    api: &ApiClient,
    total_hits: i64,
    paths: Vec<String>,
) -> Result<SearchResult<T>>
where
    T: DeserializeOwned + Send + 'static,
{
    let mut found: Vec<(usize, T)> = Vec::with_capacity(paths.len());
    let mut missing: i64 = 0;
    let mut pending = paths.into_iter().enumerate();
    let mut running: JoinSet<(usize, Result<Option<T>>)> = JoinSet::new();
    loop {
        while running.len() < FETCH_CONCURRENCY {
            let Some((index, path)) = pending.next() else {
                break;
            };
            let request = api.get(path);
            running.spawn(async move { (index, request.send_json_opt::<T>().await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (index, answer) = joined.map_err(|error| {
            ConductorError::internal(format!("a search fallback read failed to run: {error}"))
        })?;
        match answer {
            Ok(Some(item)) => found.push((index, item)),
            Ok(None) => missing += 1,
            Err(error) if error.is_not_found() => missing += 1,
            Err(error) => return Err(error),
        }
    }
    found.sort_by_key(|(index, _)| *index);
    Ok(SearchResult {
        total_hits: (total_hits - missing).max(0),
        results: found.into_iter().map(|(_, item)| item).collect(),
    })
}

/// Whether a message (here, an entry of a bulk answer) says the SQLite store was busy, which
/// conductor-oss 3.21 reports under concurrent writes; the operation was rolled back.
pub(crate) fn is_busy_store(message: &str) -> bool {
    message.contains("SQLITE_BUSY") || message.contains("database is locked")
}

/// SQL-backed conductor-oss (SQLite, Postgres, MySQL) wraps the `ConflictException` /
/// `NotFoundException` its metadata DAOs throw inside a transaction, so the answer is 500 where the
/// API promises 409 / 404 (event handlers on every version; workflow definitions before 3.31.2;
/// deleting definitions). This restores the intended status, keeping the server's body in
/// `response`.
pub(crate) fn restore_wrapped_status(error: ConductorError) -> ConductorError {
    match error {
        ConductorError::Server {
            status: 500,
            message,
            response,
            ..
        } if is_wrapped_conflict(&message) || is_wrapped_not_found(&message) => {
            let status = if is_wrapped_conflict(&message) {
                409
            } else {
                404
            };
            ConductorError::Api {
                status,
                message,
                code: None,
                response,
            }
        }
        other => other,
    }
}

fn is_wrapped_conflict(message: &str) -> bool {
    message.trim_end().ends_with("already exists!")
}

fn is_wrapped_not_found(message: &str) -> bool {
    let message = message.trim();
    message.starts_with("No such ") || message.ends_with("not found!")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(message: &str) -> ConductorError {
        ConductorError::Server {
            status: 500,
            message: message.into(),
            retryable: false,
            response: None,
        }
    }

    #[test]
    fn wrapped_statuses_are_restored() {
        let conflict = restore_wrapped_status(server("Workflow with wf.1 already exists!"));
        assert!(conflict.is_conflict(), "{conflict:?}");
        let not_found = restore_wrapped_status(server("No such task definition"));
        assert!(not_found.is_not_found(), "{not_found:?}");
        let handler = restore_wrapped_status(server("EventHandler with name h not found!"));
        assert!(handler.is_not_found(), "{handler:?}");
        let other = restore_wrapped_status(server("NullPointerException"));
        assert_eq!(other.status(), Some(500));
    }

    #[test]
    fn route_collisions_are_recognised() {
        let signal = server(
            "Method parameter 'status': Failed to convert value of type 'java.lang.String' to \
             required type 'com.netflix.conductor.common.metadata.tasks.TaskResult$Status'; \
             Failed to convert from type [java.lang.String] to type [@org.springframework.web.\
             bind.annotation.PathVariable com.netflix.conductor.common.metadata.tasks.\
             TaskResult$Status] for value [signal]",
        );
        assert!(is_signal_route_collision(&signal));
        assert!(!is_signal_route_collision(&server("boom")));
        let search = server(
            "Cannot invoke \"com.netflix.conductor.common.run.SearchResult.getResults()\" \
             because \"result\" is null",
        );
        assert!(is_search_v2_unsupported(&search));
        let names = ConductorError::Api {
            status: 404,
            message: "No such workflow found by name: names, version: null".into(),
            code: None,
            response: None,
        };
        assert!(is_names_route_collision(&names));
    }
}
