//! [`TaskRunnerEventsListener`]: the trait an observer of the worker runtime implements.

use crate::event::{
    ActiveWorkersChanged, ConcurrencyLimitChanged, PollCompleted, PollFailure, PollStarted,
    RateLimitWaited, TaskExecutionCancelled, TaskExecutionCompleted, TaskExecutionFailure,
    TaskExecutionQueueFull, TaskExecutionStarted, TaskPaused, TaskRunnerEvent,
    TaskUpdateAttemptFailure, TaskUpdateCompleted, TaskUpdateFailure,
};

/// Observes the worker runtime's lifecycle events: polls, executions, result updates.
///
/// Every method has a no-op default, so a listener implements only what it cares about. Methods
/// are called on the [`EventDispatcher`](crate::EventDispatcher)'s delivery thread for this
/// listener, never on the runner's tasks: a slow listener delays only its own events (and loses
/// the ones that overflow its queue), and a panicking one is logged and skipped.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use conductor_events::{PollCompleted, TaskExecutionCompleted, TaskRunnerEventsListener};
///
/// #[derive(Default)]
/// struct MyListener {
///     tasks: AtomicUsize,
/// }
///
/// impl TaskRunnerEventsListener for MyListener {
///     fn on_poll_completed(&self, event: &PollCompleted) {
///         tracing::debug!("polled {} tasks in {:?}", event.tasks_received, event.duration);
///     }
///
///     fn on_task_execution_completed(&self, event: &TaskExecutionCompleted) {
///         self.tasks.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait TaskRunnerEventsListener: Send + Sync {
    /// A batch poll is about to be sent.
    fn on_poll_started(&self, event: &PollStarted) {
        let _ = event;
    }

    /// A batch poll answered.
    fn on_poll_completed(&self, event: &PollCompleted) {
        let _ = event;
    }

    /// A batch poll failed.
    fn on_poll_failure(&self, event: &PollFailure) {
        let _ = event;
    }

    /// A task is handed to the worker's code.
    fn on_task_execution_started(&self, event: &TaskExecutionStarted) {
        let _ = event;
    }

    /// The worker's code returned a non-failure result.
    fn on_task_execution_completed(&self, event: &TaskExecutionCompleted) {
        let _ = event;
    }

    /// The worker's code failed or panicked.
    fn on_task_execution_failure(&self, event: &TaskExecutionFailure) {
        let _ = event;
    }

    /// A task's result reached the server.
    fn on_task_update_completed(&self, event: &TaskUpdateCompleted) {
        let _ = event;
    }

    /// One attempt to send a task's result failed (routine: the runtime retries until the
    /// result is delivered or given up).
    fn on_task_update_attempt_failure(&self, event: &TaskUpdateAttemptFailure) {
        let _ = event;
    }

    /// A task's result could not be delivered; the event carries it.
    fn on_task_update_failure(&self, event: &TaskUpdateFailure) {
        let _ = event;
    }

    /// A running execution's task is no longer this worker's (cancelled, timed out or retried on
    /// the server); its `TaskContext` was cancelled.
    fn on_task_execution_cancelled(&self, event: &TaskExecutionCancelled) {
        let _ = event;
    }

    /// A poll was skipped because the worker is paused.
    fn on_task_paused(&self, event: &TaskPaused) {
        let _ = event;
    }

    /// Every slot of a worker is busy.
    fn on_task_execution_queue_full(&self, event: &TaskExecutionQueueFull) {
        let _ = event;
    }

    /// The number of tasks a worker is executing changed.
    fn on_active_workers_changed(&self, event: &ActiveWorkersChanged) {
        let _ = event;
    }

    /// A worker's limit on executions in flight was set (at start, then by adaptive concurrency).
    fn on_concurrency_limit_changed(&self, event: &ConcurrencyLimitChanged) {
        let _ = event;
    }

    /// The poller waited for the worker's rate limit.
    fn on_rate_limit_waited(&self, event: &RateLimitWaited) {
        let _ = event;
    }

    /// Any event. The default calls the matching `on_*` method; override it to see every event
    /// in one place (then the `on_*` methods are only called if you call them).
    fn on_event(&self, event: &TaskRunnerEvent) {
        match event {
            TaskRunnerEvent::PollStarted(e) => self.on_poll_started(e),
            TaskRunnerEvent::PollCompleted(e) => self.on_poll_completed(e),
            TaskRunnerEvent::PollFailure(e) => self.on_poll_failure(e),
            TaskRunnerEvent::TaskExecutionStarted(e) => self.on_task_execution_started(e),
            TaskRunnerEvent::TaskExecutionCompleted(e) => self.on_task_execution_completed(e),
            TaskRunnerEvent::TaskExecutionFailure(e) => self.on_task_execution_failure(e),
            TaskRunnerEvent::TaskUpdateCompleted(e) => self.on_task_update_completed(e),
            TaskRunnerEvent::TaskUpdateAttemptFailure(e) => {
                self.on_task_update_attempt_failure(e);
            }
            TaskRunnerEvent::TaskUpdateFailure(e) => self.on_task_update_failure(e),
            TaskRunnerEvent::TaskExecutionCancelled(e) => self.on_task_execution_cancelled(e),
            TaskRunnerEvent::TaskPaused(e) => self.on_task_paused(e),
            TaskRunnerEvent::TaskExecutionQueueFull(e) => self.on_task_execution_queue_full(e),
            TaskRunnerEvent::ActiveWorkersChanged(e) => self.on_active_workers_changed(e),
            TaskRunnerEvent::ConcurrencyLimitChanged(e) => self.on_concurrency_limit_changed(e),
            TaskRunnerEvent::RateLimitWaited(e) => self.on_rate_limit_waited(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;

    /// Records which per-event method each event reached.
    #[derive(Default)]
    struct Calls(Mutex<Vec<String>>);

    impl TaskRunnerEventsListener for Calls {
        fn on_concurrency_limit_changed(&self, event: &ConcurrencyLimitChanged) {
            self.0
                .lock()
                .unwrap()
                .push(format!("limit {}", event.limit));
        }

        fn on_rate_limit_waited(&self, event: &RateLimitWaited) {
            self.0
                .lock()
                .unwrap()
                .push(format!("waited {:?}", event.wait));
        }
    }

    #[test]
    fn on_event_routes_the_limit_events_to_their_methods() {
        let calls = Calls::default();
        let limit: TaskRunnerEvent = ConcurrencyLimitChanged {
            task_type: "t".into(),
            worker_id: "w".into(),
            limit: 3,
        }
        .into();
        let waited: TaskRunnerEvent = RateLimitWaited {
            task_type: "t".into(),
            worker_id: "w".into(),
            wait: Duration::from_millis(100),
        }
        .into();
        assert_eq!(
            (limit.name(), waited.name()),
            ("ConcurrencyLimitChanged", "RateLimitWaited")
        );
        assert!(!limit.is_critical() && !waited.is_critical());
        calls.on_event(&limit);
        calls.on_event(&waited);
        assert_eq!(*calls.0.lock().unwrap(), ["limit 3", "waited 100ms"]);
    }
}
