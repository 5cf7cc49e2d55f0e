//! `POST /api/webhook/{id}`: the inbound webhook that completes WAIT_FOR_WEBHOOK tasks (Orkes'
//! shape: the body is the event payload; every pending WAIT_FOR_WEBHOOK whose `matches` hold
//! completes with the payload as output). Answers `{"completedTasks": n}`.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde_json::{Value, json};

use super::{ApiResult, AppState, Body, P, json};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/webhook/{id}", post(receive))
}

async fn receive(State(engine): State<AppState>, P(id): P<String>, body: Body) -> ApiResult {
    let payload: Value = body.json_opt()?.unwrap_or_else(|| json!({}));
    let completed = engine.run(|e| e.receive_webhook(&id, &payload)).await;
    json(&json!({ "completedTasks": completed }))
}
