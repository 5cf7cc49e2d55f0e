//! The execution page: `GET /` serves a small HTML/CSS/JS app (compiled into the binary with
//! `include_str!`, no build step) that lists and searches executions, draws each one as its graph
//! with task statuses coloured, shows a task's input, output, logs and timing, refreshes while a
//! workflow runs, and terminates, retries and reruns through the server's own REST API.
//!
//! Besides the assets, one route of its own: `GET /ui/workflow/{id}/graph.svg`, the execution's
//! graph rendered by [`graph::render`] from the SDK's workflow diagram.

mod graph;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::api::{ApiError, ApiResult, AppState, P};

/// The page's HTML.
const INDEX_HTML: &str = include_str!("assets/index.html");
/// The page's script.
const APP_JS: &str = include_str!("assets/app.js");
/// The page's style sheet.
const APP_CSS: &str = include_str!("assets/app.css");

/// The page's routes, merged into the API router.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", INDEX_HTML)))
        .route(
            "/ui/app.js",
            get(|| asset("text/javascript; charset=utf-8", APP_JS)),
        )
        .route(
            "/ui/app.css",
            get(|| asset("text/css; charset=utf-8", APP_CSS)),
        )
        .route("/ui/workflow/{id}/graph.svg", get(graph_svg))
}

/// One compiled-in asset. `no-cache`: a browser revalidates, so a new server version's page is
/// never mixed with an old script.
async fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// The execution's graph as SVG; 404 (an `ErrorResponse`) for an unknown execution.
async fn graph_svg(State(engine): State<AppState>, P(id): P<String>) -> ApiResult {
    let workflow = engine.read(|e| e.get_workflow(&id, true))?;
    let def = workflow.workflow_definition.clone().ok_or_else(|| {
        ApiError::internal(format!("Execution {id} holds no workflow definition"))
    })?;
    let svg = graph::render(&workflow, &def);
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}
