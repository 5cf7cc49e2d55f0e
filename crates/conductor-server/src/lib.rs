//! An embedded Conductor-compatible server for development and tests, in memory or (feature
//! `sqlite`) on a durable SQLite file.
//!
//! It speaks the conductor-oss REST API (same paths, JSON, status codes and error bodies) and runs
//! the same engine rules for worker tasks: parameter resolution, the task lifecycle, retries,
//! timeouts, task domains, rate and concurrency limits, the failure workflow. Time comes from a
//! [`Clock`], so tests drive timeouts with a [`ManualClock`] and [`DevServer::sweep_now`].
//!
//! State is in memory by default. With the `sqlite` feature,
//! `DevServerBuilder::database(path)` keeps it in a SQLite file that survives restarts and
//! crashes (`docs/embedded-server.md` states the guarantee).
//!
//! ```no_run
//! # async fn demo() -> Result<(), conductor_server::ServerError> {
//! use conductor_server::DevServer;
//!
//! let server = DevServer::start().await?;
//! println!("Conductor API at {}", server.url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
#[cfg_attr(
    not(feature = "sqlite"),
    allow(dead_code, reason = "change sets feed durable storage only")
)]
mod changes;
mod clock;
mod dev_server;
mod engine;
mod expr;
mod queue;
mod search;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;
mod timefmt;
mod tracked;
mod ui;

pub use clock::{Clock, ManualClock, SystemClock};
pub use dev_server::{
    DevServer, DevServerBuilder, OPENAI_API_KEY_ENV, OPENAI_BASE_URL_ENV, OPENAI_MODEL_ENV,
    ServerError,
};
pub use engine::error::{EngineError, Violation};
#[cfg(feature = "sqlite")]
pub use sqlite::{Durability, SqliteError, StoreError};
