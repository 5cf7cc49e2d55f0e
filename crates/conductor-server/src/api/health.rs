//! `/health`, `/api/health` and `/api/version`.

use axum::Router;
use axum::routing::get;
use conductor_models::HealthCheckStatus;

use super::{ApiResult, AppState, json, text};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/api/health", get(health))
        .route("/api/version", get(version))
}

async fn health() -> ApiResult {
    json(&HealthCheckStatus {
        health_results: Vec::new(),
        suppressed_health_results: Vec::new(),
        healthy: true,
    })
}

async fn version() -> ApiResult {
    text(env!("CARGO_PKG_VERSION"))
}
