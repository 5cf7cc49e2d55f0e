//! Lifecycle events of the Conductor worker runtime and the listeners that observe them.
//!
//! A task runner publishes an event at each step of a task's life: the poll
//! ([`PollStarted`], [`PollCompleted`], [`PollFailure`]), the execution of the worker's code
//! ([`TaskExecutionStarted`], [`TaskExecutionCompleted`], [`TaskExecutionFailure`]) and the
//! report to the server ([`TaskUpdateCompleted`], [`TaskUpdateAttemptFailure`] for each failed
//! attempt, [`TaskUpdateFailure`] for a result given up), plus [`TaskPaused`],
//! [`TaskExecutionQueueFull`] and [`ActiveWorkersChanged`], and for the worker's limits
//! [`ConcurrencyLimitChanged`] and [`RateLimitWaited`]. An [`EventDispatcher`] hands them to
//! every registered [`TaskRunnerEventsListener`]; the Prometheus metrics of `conductor-metrics`
//! are one such listener.
//!
//! ```
//! use std::sync::Arc;
//! use conductor_events::{EventDispatcher, TaskRunnerEventsListener, TaskUpdateFailure};
//!
//! /// Keeps results the runtime could not deliver, to replay them later.
//! struct SaveLostResults;
//!
//! impl TaskRunnerEventsListener for SaveLostResults {
//!     fn on_task_update_failure(&self, event: &TaskUpdateFailure) {
//!         tracing::error!(task_id = %event.task_id, "result lost: {:?}", event.task_result);
//!     }
//! }
//!
//! let dispatcher = EventDispatcher::new();
//! dispatcher.add_listener(Arc::new(SaveLostResults));
//! assert_eq!(dispatcher.listener_count(), 1);
//! ```

pub mod dispatcher;
pub mod event;
pub mod listener;
mod panic;

pub use dispatcher::{DEFAULT_QUEUE_CAPACITY, EventDispatcher};
pub use event::{
    ActiveWorkersChanged, ConcurrencyLimitChanged, PANIC_ERROR_TYPE, PollCompleted, PollFailure,
    PollStarted, RateLimitWaited, TaskExecutionCancelled, TaskExecutionCompleted,
    TaskExecutionFailure, TaskExecutionQueueFull, TaskExecutionStarted, TaskPaused,
    TaskRunnerEvent, TaskUpdateAttemptFailure, TaskUpdateCompleted, TaskUpdateFailure,
};
pub use listener::TaskRunnerEventsListener;
pub use panic::panic_message;
