//! A tiny local HTTP service for the HTTP and HTTP_POLL examples, so they never call the internet.
//!
//! `GET /orders/{id}` answers an order as JSON; `GET /jobs/{id}` answers a job that reports
//! `RUNNING` on its first two calls and `COMPLETED` from the third on (what HTTP_POLL waits for).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::BoxError;

/// Calls a job answers `RUNNING` before it is `COMPLETED`.
pub const JOB_RUNNING_CALLS: u64 = 2;

/// The running service; dropping it stops it.
#[derive(Debug)]
pub struct LocalHttp {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl LocalHttp {
    /// Starts the service on a free port of 127.0.0.1.
    ///
    /// # Errors
    ///
    /// When no port can be bound.
    pub async fn start() -> Result<Self, BoxError> {
        let calls: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
        let app = Router::new()
            .route("/orders/{id}", get(order))
            .route("/jobs/{id}", get(job))
            .with_state(calls);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::warn!(%err, "the local HTTP service stopped");
            }
        });
        Ok(Self { addr, task })
    }

    /// The service's base URL, e.g. `http://127.0.0.1:43121`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for LocalHttp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn order(Path(id): Path<String>) -> Json<Value> {
    Json(json!({ "orderId": id, "status": "SHIPPED", "items": 3, "carrier": "UPS" }))
}

async fn job(
    State(calls): State<Arc<Mutex<HashMap<String, u64>>>>,
    Path(id): Path<String>,
) -> Json<Value> {
    let call = {
        let mut calls = calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = calls.entry(id.clone()).or_insert(0);
        *count += 1;
        *count
    };
    let status = if call > JOB_RUNNING_CALLS {
        "COMPLETED"
    } else {
        "RUNNING"
    };
    Json(json!({ "jobId": id, "status": status, "calls": call }))
}
