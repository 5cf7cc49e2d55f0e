//! [`route_template`]: the path template of a request (`/tasks/{taskId}`), a low-cardinality
//! label for metrics, found in the table of the Conductor API routes the SDK calls.

use std::borrow::Cow;

use crate::method::Method;

/// The label of a path the table does not know: its first segment, then one of these per
/// further segment.
const UNKNOWN_SEGMENT: &str = "{param}";

/// The Conductor API routes the SDK's clients call, relative to the `/api` base (plus the root
/// endpoints `/health` and `/actuator/info`, and `/token`). A `{placeholder}` segment matches
/// any segment; the entry with the most literal segments wins, so `/workflow/search` is not
/// `/workflow/{workflowId}`. The method, when given, must match too.
const ROUTES: &[(Option<Method>, &str)] = &[
    (None, "/health"),
    (None, "/version"),
    (None, "/actuator/info"),
    (None, "/token"),
    // Event handlers and queues.
    (None, "/event"),
    (None, "/event/{name}"),
    (None, "/queue/"),
    (None, "/queue/size"),
    (None, "/queue/update/{workflowId}/{taskRefName}/{status}"),
    (None, "/queue/update/{workflowId}/task/{taskId}/{status}"),
    // Metadata.
    (None, "/metadata/taskdefs"),
    (None, "/metadata/taskdefs/{taskType}"),
    (None, "/metadata/workflow"),
    (None, "/metadata/workflow/latest-versions"),
    (None, "/metadata/workflow/names"),
    (None, "/metadata/workflow/names-and-versions"),
    (None, "/metadata/workflow/validate"),
    (None, "/metadata/workflow/{name}"),
    (None, "/metadata/workflow/{name}/versions"),
    (None, "/metadata/workflow/{name}/{version}"),
    // Tasks.
    (None, "/tasks"),
    (None, "/tasks/externalstoragelocation"),
    (None, "/tasks/poll/{taskType}"),
    (None, "/tasks/poll/batch/{taskType}"),
    (None, "/tasks/queue/all"),
    (None, "/tasks/queue/all/verbose"),
    (None, "/tasks/queue/polldata"),
    (None, "/tasks/queue/polldata/all"),
    (None, "/tasks/queue/requeue/{taskType}"),
    (None, "/tasks/queue/size"),
    (None, "/tasks/queue/sizes"),
    (None, "/tasks/queue/{taskType}/{taskId}"),
    (None, "/tasks/search"),
    (None, "/tasks/search-v2"),
    (None, "/tasks/update-v2"),
    (None, "/tasks/{taskId}"),
    (None, "/tasks/{taskId}/log"),
    (None, "/tasks/{workflowId}/{status}/signal"),
    (None, "/tasks/{workflowId}/{status}/signal/sync"),
    (None, "/tasks/{workflowId}/{taskRefName}/{status}"),
    (None, "/tasks/{workflowId}/{taskRefName}/{status}/sync"),
    // Workflows.
    (None, "/workflow"),
    (None, "/workflow/bulk/pause"),
    (None, "/workflow/bulk/remove"),
    (None, "/workflow/bulk/restart"),
    (None, "/workflow/bulk/resume"),
    (None, "/workflow/bulk/retry"),
    (None, "/workflow/bulk/search"),
    (None, "/workflow/bulk/terminate"),
    (None, "/workflow/bulk/terminate-remove"),
    (None, "/workflow/decide/{workflowId}"),
    (None, "/workflow/execute/{name}/{version}"),
    (None, "/workflow/externalstoragelocation"),
    (None, "/workflow/running/{name}"),
    (None, "/workflow/search"),
    (None, "/workflow/search-by-tasks"),
    (None, "/workflow/search-by-tasks-v2"),
    (None, "/workflow/search-v2"),
    (None, "/workflow/test"),
    (Some(Method::POST), "/workflow/{name}"),
    (None, "/workflow/{workflowId}"),
    (None, "/workflow/{name}/correlated"),
    (None, "/workflow/{name}/correlated/{correlationId}"),
    (None, "/workflow/{workflowId}/messages"),
    (None, "/workflow/{workflowId}/pause"),
    (None, "/workflow/{workflowId}/remove"),
    (None, "/workflow/{workflowId}/rerun"),
    (None, "/workflow/{workflowId}/resetcallbacks"),
    (None, "/workflow/{workflowId}/restart"),
    (None, "/workflow/{workflowId}/resume"),
    (None, "/workflow/{workflowId}/retry"),
    (None, "/workflow/{workflowId}/skiptask/{taskReferenceName}"),
    (None, "/workflow/{workflowId}/status"),
    (None, "/workflow/{workflowId}/tasks"),
    (None, "/workflow/{workflowId}/terminate-remove"),
    (None, "/workflow/{workflowId}/variables"),
];

/// The path template of a request to `path` (relative to the `/api` base; a query string is
/// ignored): the matching route of the Conductor API with its `{placeholders}`, such as
/// `/tasks/{taskId}` for `/tasks/4d7a9b10`. It is what [`ClientObserver::on_request`] receives
/// as `route`, so that a metric label never holds ids or names.
///
/// A path outside the routes the SDK calls keeps its first segment and has every further
/// segment replaced by `{param}` (`/admin/config` → `/admin/{param}`): set the template of such
/// a request yourself with [`ApiRequest::route`](crate::ApiRequest::route).
///
/// [`ClientObserver::on_request`]: crate::ClientObserver::on_request
///
/// ```
/// use conductor_http::{Method, route_template};
///
/// assert_eq!(route_template(Method::GET, "/tasks/4d7a9b10-task-id"), "/tasks/{taskId}");
/// assert_eq!(route_template(Method::GET, "/workflow/search?query=x"), "/workflow/search");
/// assert_eq!(route_template(Method::POST, "/workflow/greetings"), "/workflow/{name}");
/// assert_eq!(route_template(Method::DELETE, "/workflow/8c2f/remove"), "/workflow/{workflowId}/remove");
/// assert_eq!(route_template(Method::GET, "/admin/config"), "/admin/{param}");
/// ```
#[must_use]
pub fn route_template(method: Method, path: &str) -> Cow<'static, str> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut best: Option<(usize, &'static str)> = None;
    for (route_method, template) in ROUTES {
        if route_method.is_some_and(|only| only != method) {
            continue;
        }
        let Some(score) = score(template, &segments) else {
            continue;
        };
        // Literal segments count double, a method-specific route breaks a tie.
        let score = score * 2 + usize::from(route_method.is_some());
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, template));
        }
    }
    if let Some((_, template)) = best {
        return Cow::Borrowed(template);
    }
    let mut label = String::with_capacity(path.len());
    for (index, segment) in segments.iter().enumerate() {
        label.push('/');
        label.push_str(if index == 0 { segment } else { UNKNOWN_SEGMENT });
    }
    Cow::Owned(label)
}

/// The number of literal segments of `template` when it matches `segments`.
fn score(template: &str, segments: &[&str]) -> Option<usize> {
    let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut literals = 0;
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') && part.ends_with('}') {
            if segment.is_empty() {
                return None;
            }
        } else if part == segment {
            literals += 1;
        } else {
            return None;
        }
    }
    Some(literals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_literal_route_wins() {
        for (method, path, expected) in [
            (
                Method::GET,
                "/tasks/poll/batch/greet",
                "/tasks/poll/batch/{taskType}",
            ),
            (Method::GET, "/tasks/poll/greet", "/tasks/poll/{taskType}"),
            (
                Method::GET,
                "/tasks/queue/all/verbose",
                "/tasks/queue/all/verbose",
            ),
            (
                Method::DELETE,
                "/tasks/queue/greet/t1",
                "/tasks/queue/{taskType}/{taskId}",
            ),
            (
                Method::POST,
                "/tasks/wf/ref/COMPLETED",
                "/tasks/{workflowId}/{taskRefName}/{status}",
            ),
            (
                Method::POST,
                "/tasks/wf/COMPLETED/signal",
                "/tasks/{workflowId}/{status}/signal",
            ),
            (Method::POST, "/tasks", "/tasks"),
            (Method::POST, "/tasks/update-v2", "/tasks/update-v2"),
            (Method::GET, "/workflow/abc", "/workflow/{workflowId}"),
            (Method::DELETE, "/workflow/abc", "/workflow/{workflowId}"),
            (Method::POST, "/workflow/abc", "/workflow/{name}"),
            (Method::POST, "/workflow", "/workflow"),
            (Method::PUT, "/workflow/bulk/pause", "/workflow/bulk/pause"),
            (Method::GET, "/workflow/search-v2", "/workflow/search-v2"),
            (
                Method::GET,
                "/workflow/abc?includeTasks=false",
                "/workflow/{workflowId}",
            ),
            (
                Method::GET,
                "/workflow/n/correlated/c",
                "/workflow/{name}/correlated/{correlationId}",
            ),
            (
                Method::POST,
                "/workflow/execute/n/0",
                "/workflow/execute/{name}/{version}",
            ),
            (Method::GET, "/queue/", "/queue/"),
            (Method::GET, "/health", "/health"),
            (Method::POST, "/token", "/token"),
        ] {
            assert_eq!(route_template(method, path), expected, "{method} {path}");
        }
    }

    #[test]
    fn unknown_paths_keep_only_their_first_segment() {
        assert_eq!(
            route_template(Method::GET, "/admin/config"),
            "/admin/{param}"
        );
        assert_eq!(route_template(Method::GET, "/x/a/b"), "/x/{param}/{param}");
        assert_eq!(route_template(Method::GET, "/custom"), "/custom");
        assert_eq!(
            route_template(Method::GET, "/workflow/"),
            "/workflow/{param}"
        );
    }
}
