//! Prometheus metrics for the Conductor worker runtime, served over HTTP by axum.
//!
//! [`MetricsCollector`] listens to the runtime's lifecycle events (`conductor-events`) and keeps
//! Prometheus counters, histograms and gauges: polls, poll errors, executions, execution errors,
//! update errors, latencies, result sizes, active tasks, each worker's concurrency limit and its
//! rate-limit waits. [`MetricsServer`] serves them at
//! `/metrics` with a `/health` check beside. [`MetricsSettings`] chooses the port, path,
//! namespace and the naming scheme: this SDK's ([`MetricNaming::Standard`]) or the one the other
//! Conductor SDKs share ([`MetricNaming::Canonical`]), so existing dashboards keep working;
//! [`MetricsSettings::from_env`] takes that choice from `WORKER_CANONICAL_METRICS`, as the other
//! SDKs do. The collector is also a `conductor_http::ClientObserver`: set on a client's
//! configuration, it records the client-side metrics (HTTP latency by route, workflow start
//! errors and input sizes, external payload use).
//!
//! Most programs only pass the settings to the worker runtime
//! (`TaskHandler::builder(config).metrics(settings)`); this crate can also be used on its own:
//!
//! ```
//! use std::sync::Arc;
//! use conductor_events::EventDispatcher;
//! use conductor_metrics::{MetricsCollector, MetricsSettings};
//!
//! let settings = MetricsSettings::default().with_namespace("billing");
//! let collector = MetricsCollector::new(&settings)?;
//! let dispatcher = EventDispatcher::new();
//! dispatcher.add_listener(Arc::new(collector.clone()));
//! // ... run workers that publish to `dispatcher`, then:
//! let text = collector.gather();
//! assert!(text.is_empty() || text.contains("billing_"));
//! # Ok::<(), conductor_metrics::MetricsError>(())
//! ```

pub mod collector;
pub mod error;
pub mod names;
pub mod server;
pub mod settings;

pub use collector::MetricsCollector;
pub use error::MetricsError;
pub use names::MetricNaming;
pub use server::MetricsServer;
pub use settings::{CANONICAL_METRICS_ENV, HEALTH_PATH, MetricsSettings};
