//! The lifecycle events a task runner emits: one struct per event, and [`TaskRunnerEvent`] holding
//! any of them.

use std::time::Duration;

use conductor_models::{TaskResult, TaskResultStatus};

/// The `error_type` of a [`TaskExecutionFailure`] caused by a panic in the worker's code.
///
/// ```
/// use conductor_events::{PANIC_ERROR_TYPE, TaskExecutionFailure, TaskRunnerEventsListener};
///
/// struct PanicAlarm;
///
/// impl TaskRunnerEventsListener for PanicAlarm {
///     fn on_task_execution_failure(&self, event: &TaskExecutionFailure) {
///         if event.error_type == PANIC_ERROR_TYPE {
///             tracing::error!(task_id = %event.task_id, "worker panicked: {}", event.error);
///         }
///     }
/// }
/// # let _ = PanicAlarm;
/// ```
pub const PANIC_ERROR_TYPE: &str = "Panic";

/// A batch poll is about to be sent.
///
/// ```
/// use conductor_events::PollStarted;
/// let event = PollStarted { task_type: "greet".into(), worker_id: "host-1".into(), poll_count: 4 };
/// assert_eq!(event.poll_count, 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollStarted {
    /// The task type polled for.
    pub task_type: String,
    /// The polling worker's id (`workerid` sent to the server).
    pub worker_id: String,
    /// How many tasks were asked for: the number of free execution slots.
    pub poll_count: usize,
}

/// A batch poll answered (possibly with no task).
///
/// ```
/// use std::time::Duration;
/// use conductor_events::{PollCompleted, TaskRunnerEvent};
///
/// let event = PollCompleted {
///     task_type: "greet".into(),
///     worker_id: "host-1".into(),
///     duration: Duration::from_millis(35),
///     tasks_received: 3,
/// };
/// assert_eq!(TaskRunnerEvent::from(event).name(), "PollCompleted");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollCompleted {
    /// The task type polled for.
    pub task_type: String,
    /// The polling worker's id.
    pub worker_id: String,
    /// How long the poll took, long-poll wait included.
    pub duration: Duration,
    /// How many tasks the server handed out.
    pub tasks_received: usize,
}

/// A batch poll failed (server unreachable, error answer...).
///
/// ```
/// use std::time::Duration;
/// use conductor_events::{PollFailure, TaskRunnerEvent};
///
/// let event = PollFailure {
///     task_type: "greet".into(),
///     worker_id: "host-1".into(),
///     duration: Duration::from_millis(3),
///     error: "connection refused".into(),
///     error_type: "Http".into(),
/// };
/// assert_eq!(TaskRunnerEvent::from(event).task_type(), "greet");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollFailure {
    /// The task type polled for.
    pub task_type: String,
    /// The polling worker's id.
    pub worker_id: String,
    /// How long the failed poll took.
    pub duration: Duration,
    /// The error, as text.
    pub error: String,
    /// A short, stable class of the error, usable as a metric label (`Http`, `Server`, `Api`,
    /// `Auth`, `Decode`...).
    pub error_type: String,
}

/// A task is handed to the worker's code.
///
/// ```
/// use conductor_events::{TaskExecutionStarted, TaskRunnerEvent};
///
/// let event = TaskExecutionStarted {
///     task_type: "greet".into(),
///     task_id: "t-1".into(),
///     workflow_instance_id: "wf-1".into(),
///     worker_id: "host-1".into(),
/// };
/// assert_eq!(TaskRunnerEvent::from(event).name(), "TaskExecutionStarted");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskExecutionStarted {
    /// The task type.
    pub task_type: String,
    /// The task's id.
    pub task_id: String,
    /// The id of the workflow the task belongs to.
    pub workflow_instance_id: String,
    /// The executing worker's id.
    pub worker_id: String,
}

/// The worker's code returned a result that is not a failure (`COMPLETED` or `IN_PROGRESS`).
///
/// ```
/// use std::time::Duration;
/// use conductor_events::{TaskExecutionCompleted, TaskRunnerEventsListener};
/// use conductor_models::TaskResultStatus;
///
/// /// Logs executions slower than a second.
/// struct SlowTasks;
///
/// impl TaskRunnerEventsListener for SlowTasks {
///     fn on_task_execution_completed(&self, event: &TaskExecutionCompleted) {
///         if event.duration > Duration::from_secs(1) {
///             tracing::warn!(task_id = %event.task_id, ?event.duration, "slow task");
///         }
///     }
/// }
///
/// let event = TaskExecutionCompleted {
///     task_type: "greet".into(),
///     task_id: "t-1".into(),
///     workflow_instance_id: "wf-1".into(),
///     worker_id: "host-1".into(),
///     duration: Duration::from_millis(1500),
///     output_size_bytes: 42,
///     status: TaskResultStatus::Completed,
/// };
/// SlowTasks.on_task_execution_completed(&event);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskExecutionCompleted {
    /// The task type.
    pub task_type: String,
    /// The task's id.
    pub task_id: String,
    /// The id of the workflow the task belongs to.
    pub workflow_instance_id: String,
    /// The executing worker's id.
    pub worker_id: String,
    /// How long the worker's code ran.
    pub duration: Duration,
    /// Size of the task's output, serialised as JSON, in bytes.
    pub output_size_bytes: usize,
    /// The status reported: `COMPLETED` or `IN_PROGRESS`.
    pub status: TaskResultStatus,
}

/// The worker's code failed: it returned an error or a failed output, or it panicked.
///
/// ```
/// use std::time::Duration;
/// use conductor_events::{TaskExecutionFailure, TaskRunnerEvent};
///
/// let event = TaskExecutionFailure {
///     task_type: "charge_card".into(),
///     task_id: "t-1".into(),
///     workflow_instance_id: "wf-1".into(),
///     worker_id: "host-1".into(),
///     duration: Duration::from_millis(80),
///     error: "card declined".into(),
///     error_type: "NonRetryable".into(),
///     is_retryable: false,
/// };
/// assert_eq!(TaskRunnerEvent::from(event).name(), "TaskExecutionFailure");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskExecutionFailure {
    /// The task type.
    pub task_type: String,
    /// The task's id.
    pub task_id: String,
    /// The id of the workflow the task belongs to.
    pub workflow_instance_id: String,
    /// The executing worker's id.
    pub worker_id: String,
    /// How long the worker's code ran before failing.
    pub duration: Duration,
    /// The failure reason sent to the server.
    pub error: String,
    /// A short class of the failure, usable as a metric label: `Failed` (a failed output),
    /// [`PANIC_ERROR_TYPE`] (`Panic`), or the error's kind (`TaskExecution`, `NonRetryable`,
    /// `Json`, ...).
    pub error_type: String,
    /// `false` when the task was failed terminally (`FAILED_WITH_TERMINAL_ERROR`): the server will
    /// not retry it.
    pub is_retryable: bool,
}

/// A task's result reached the server.
///
/// ```
/// use std::time::Duration;
/// use conductor_events::{TaskRunnerEvent, TaskUpdateCompleted};
/// use conductor_models::TaskResultStatus;
///
/// let event = TaskUpdateCompleted {
///     task_type: "greet".into(),
///     task_id: "t-1".into(),
///     workflow_instance_id: "wf-1".into(),
///     worker_id: "host-1".into(),
///     status: TaskResultStatus::Completed,
///     duration: Duration::from_millis(1200),
///     attempts: 2, // the first attempt failed, the retry succeeded
/// };
/// assert_eq!(TaskRunnerEvent::from(event).name(), "TaskUpdateCompleted");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskUpdateCompleted {
    /// The task type.
    pub task_type: String,
    /// The task's id.
    pub task_id: String,
    /// The id of the workflow the task belongs to.
    pub workflow_instance_id: String,
    /// The reporting worker's id.
    pub worker_id: String,
    /// The status reported.
    pub status: TaskResultStatus,
    /// Time from the first attempt to the successful one, retry waits included.
    pub duration: Duration,
    /// How many attempts it took (1 when the first one succeeded).
    pub attempts: u32,
}

/// One attempt to send a task's result failed. Routine: the runtime retries (`will_retry`) until
/// the server has the result or can no longer take it; only when it gives up is the result lost,
/// and that is a [`TaskUpdateFailure`]. `conductor-metrics` counts these in
/// `task_update_error_total`.
///
/// ```
/// use conductor_events::{TaskRunnerEvent, TaskUpdateAttemptFailure};
///
/// let event = TaskUpdateAttemptFailure {
///     task_type: "greet".into(),
///     task_id: "t-1".into(),
///     workflow_instance_id: "wf-1".into(),
///     worker_id: "host-1".into(),
///     attempt: 1,
///     error: "HTTP 503".into(),
///     error_type: "Server".into(),
///     will_retry: true,
/// };
/// let event = TaskRunnerEvent::from(event);
/// assert_eq!(event.name(), "TaskUpdateAttemptFailure");
/// assert!(!event.is_critical()); // may be dropped under load, unlike a lost result
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskUpdateAttemptFailure {
    /// The task type.
    pub task_type: String,
    /// The task's id.
    pub task_id: String,
    /// The id of the workflow the task belongs to.
    pub workflow_instance_id: String,
    /// The reporting worker's id.
    pub worker_id: String,
    /// Which attempt failed (1 for the first).
    pub attempt: u32,
    /// The error, as text.
    pub error: String,
    /// A short class of the error, usable as a metric label (`Http`, `Server`, `Api`...).
    pub error_type: String,
    /// Whether the runtime tries again. `false` when it stops here: the result was then given up
    /// (a [`TaskUpdateFailure`] follows, unless the server turns out to have it or no longer
    /// want it), or kept in the outbox at shutdown.
    pub will_retry: bool,
}

/// A task's result could not be sent: every retry failed (or the error was permanent, or the
/// runtime shut down first). The result is **lost** unless a listener saves it: it is carried here
/// whole so an application can store it and replay it later (`TaskClient::update_task`).
///
/// ```
/// use std::sync::Mutex;
/// use conductor_events::{TaskRunnerEventsListener, TaskUpdateFailure};
/// use conductor_models::TaskResult;
///
/// /// Keeps undelivered results so they can be replayed with `TaskClient::update_task`.
/// #[derive(Default)]
/// struct DeadLetters(Mutex<Vec<TaskResult>>);
///
/// impl TaskRunnerEventsListener for DeadLetters {
///     fn on_task_update_failure(&self, event: &TaskUpdateFailure) {
///         if let Ok(mut results) = self.0.lock() {
///             results.push(event.task_result.clone());
///         }
///     }
/// }
/// # let event = TaskUpdateFailure {
/// #     task_type: "greet".into(), task_id: "t-1".into(), workflow_instance_id: "wf-1".into(),
/// #     worker_id: "w".into(), error: "503".into(), error_type: "Server".into(), retry_count: 5,
/// #     duration: std::time::Duration::from_secs(60), task_result: TaskResult::completed("t-1", "wf-1"),
/// # };
/// let letters = DeadLetters::default();
/// letters.on_task_update_failure(&event);
/// assert_eq!(letters.0.lock().unwrap()[0].task_id, "t-1");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TaskUpdateFailure {
    /// The task type.
    pub task_type: String,
    /// The task's id.
    pub task_id: String,
    /// The id of the workflow the task belongs to.
    pub workflow_instance_id: String,
    /// The reporting worker's id.
    pub worker_id: String,
    /// The last error, as text.
    pub error: String,
    /// A short class of the last error, usable as a metric label.
    pub error_type: String,
    /// How many retries were made after the first attempt.
    pub retry_count: u32,
    /// Time from the first attempt until the runtime gave up.
    pub duration: Duration,
    /// The result that was not delivered.
    pub task_result: TaskResult,
}

/// A running execution learned that its task is no longer this worker's: the server cancelled
/// it (its workflow was terminated), timed it out, or the task was retried or removed. The
/// runtime fired the cancellation token of the execution's `TaskContext`; the result of the
/// execution, when it comes, is not sent (the server would ignore it).
///
/// ```
/// use std::time::Duration;
/// use conductor_events::{TaskExecutionCancelled, TaskRunnerEvent};
///
/// let event = TaskExecutionCancelled {
///     task_type: "resize".into(),
///     task_id: "t-1".into(),
///     workflow_instance_id: "wf-1".into(),
///     worker_id: "host-1".into(),
///     server_status: "CANCELED".into(),
///     duration: Duration::from_secs(12),
/// };
/// assert_eq!(TaskRunnerEvent::from(event).name(), "TaskExecutionCancelled");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskExecutionCancelled {
    /// The task type.
    pub task_type: String,
    /// The task's id.
    pub task_id: String,
    /// The id of the workflow the task belongs to.
    pub workflow_instance_id: String,
    /// The executing worker's id.
    pub worker_id: String,
    /// The task's status on the server (`CANCELED`, `TIMED_OUT`, ...), or `NOT_FOUND` when the
    /// server no longer has the task.
    pub server_status: String,
    /// How long the execution had run when the runtime noticed.
    pub duration: Duration,
}

/// A poll was skipped because the worker is paused.
///
/// ```
/// use conductor_events::{TaskPaused, TaskRunnerEvent};
///
/// let event = TaskPaused { task_type: "greet".into(), worker_id: "host-1".into() };
/// assert_eq!(TaskRunnerEvent::from(event).name(), "TaskPaused");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskPaused {
    /// The paused worker's task type.
    pub task_type: String,
    /// The paused worker's id.
    pub worker_id: String,
}

/// Every execution slot of a worker is busy: the runner waits for one to free before polling.
///
/// ```
/// use conductor_events::{TaskExecutionQueueFull, TaskRunnerEvent};
///
/// let event = TaskExecutionQueueFull { task_type: "greet".into(), worker_id: "host-1".into(), capacity: 4 };
/// assert_eq!(TaskRunnerEvent::from(event).name(), "TaskExecutionQueueFull");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskExecutionQueueFull {
    /// The task type.
    pub task_type: String,
    /// The worker's id.
    pub worker_id: String,
    /// The worker's number of slots (its thread count).
    pub capacity: usize,
}

/// The number of tasks a worker is executing changed (sampled periodically).
///
/// ```
/// use conductor_events::{ActiveWorkersChanged, TaskRunnerEvent};
///
/// let event = ActiveWorkersChanged { task_type: "greet".into(), worker_id: "host-1".into(), count: 2 };
/// assert_eq!(TaskRunnerEvent::from(event).task_type(), "greet");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveWorkersChanged {
    /// The task type.
    pub task_type: String,
    /// The worker's id.
    pub worker_id: String,
    /// Tasks being executed (or reported) right now.
    pub count: usize,
}

/// A worker's limit on executions in flight was set: when the worker starts (its thread count,
/// where the adaptive limit starts too) and each time adaptive concurrency moves it.
/// `conductor-metrics` keeps the last value in the `task_concurrency_limit` gauge.
///
/// ```
/// use conductor_events::{ConcurrencyLimitChanged, TaskRunnerEventsListener};
///
/// /// Warns when a worker's dependency forced its limit down to a single execution.
/// struct Throttled;
///
/// impl TaskRunnerEventsListener for Throttled {
///     fn on_concurrency_limit_changed(&self, event: &ConcurrencyLimitChanged) {
///         if event.limit == 1 {
///             tracing::warn!(task_type = %event.task_type, "running one task at a time");
///         }
///     }
/// }
///
/// Throttled.on_concurrency_limit_changed(&ConcurrencyLimitChanged {
///     task_type: "send_sms".into(),
///     worker_id: "host-1".into(),
///     limit: 1,
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcurrencyLimitChanged {
    /// The task type.
    pub task_type: String,
    /// The worker's id.
    pub worker_id: String,
    /// Executions the worker now allows in flight: its thread count, or with adaptive
    /// concurrency the current adaptive limit (between 1 and the thread count).
    pub limit: usize,
}

/// The poller waited for the worker's rate limit: it had free slots but no token to poll with.
/// Published once the wait is over (cut short by a pause or shutdown, it is the time waited).
/// `conductor-metrics` counts these in `task_rate_limit_wait_total` and adds up `wait` in
/// `task_rate_limit_wait_seconds_total`.
///
/// ```
/// use std::time::Duration;
/// use conductor_events::{RateLimitWaited, TaskRunnerEvent};
///
/// let event = RateLimitWaited {
///     task_type: "send_sms".into(),
///     worker_id: "host-1".into(),
///     wait: Duration::from_millis(100),
/// };
/// let event = TaskRunnerEvent::from(event);
/// assert_eq!(event.name(), "RateLimitWaited");
/// assert_eq!(event.task_type(), "send_sms");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitWaited {
    /// The task type.
    pub task_type: String,
    /// The worker's id.
    pub worker_id: String,
    /// How long the poller waited for the next token.
    pub wait: Duration,
}

/// Any of the task runner's events.
///
/// Listeners usually implement the per-event methods of
/// [`TaskRunnerEventsListener`](crate::TaskRunnerEventsListener); this enum is what travels through
/// the [`EventDispatcher`](crate::EventDispatcher). New events may be added: the enum is
/// `#[non_exhaustive]`.
///
/// ```
/// use conductor_events::{TaskPaused, TaskRunnerEvent};
/// let event = TaskRunnerEvent::from(TaskPaused { task_type: "greet".into(), worker_id: "w".into() });
/// assert_eq!(event.task_type(), "greet");
/// assert_eq!(event.name(), "TaskPaused");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TaskRunnerEvent {
    /// See [`PollStarted`].
    PollStarted(PollStarted),
    /// See [`PollCompleted`].
    PollCompleted(PollCompleted),
    /// See [`PollFailure`].
    PollFailure(PollFailure),
    /// See [`TaskExecutionStarted`].
    TaskExecutionStarted(TaskExecutionStarted),
    /// See [`TaskExecutionCompleted`].
    TaskExecutionCompleted(TaskExecutionCompleted),
    /// See [`TaskExecutionFailure`].
    TaskExecutionFailure(TaskExecutionFailure),
    /// See [`TaskUpdateCompleted`].
    TaskUpdateCompleted(TaskUpdateCompleted),
    /// See [`TaskUpdateAttemptFailure`].
    TaskUpdateAttemptFailure(TaskUpdateAttemptFailure),
    /// See [`TaskUpdateFailure`] (boxed: it carries a whole `TaskResult`).
    TaskUpdateFailure(Box<TaskUpdateFailure>),
    /// See [`TaskExecutionCancelled`].
    TaskExecutionCancelled(TaskExecutionCancelled),
    /// See [`TaskPaused`].
    TaskPaused(TaskPaused),
    /// See [`TaskExecutionQueueFull`].
    TaskExecutionQueueFull(TaskExecutionQueueFull),
    /// See [`ActiveWorkersChanged`].
    ActiveWorkersChanged(ActiveWorkersChanged),
    /// See [`ConcurrencyLimitChanged`].
    ConcurrencyLimitChanged(ConcurrencyLimitChanged),
    /// See [`RateLimitWaited`].
    RateLimitWaited(RateLimitWaited),
}

impl TaskRunnerEvent {
    /// Whether a listener must never miss this event, even when its queue is full: a lost task
    /// result ([`TaskUpdateFailure`]) is the application's last chance to keep it. The others
    /// describe routine work and may be dropped under load (counted by the dispatcher).
    ///
    /// ```
    /// use conductor_events::{TaskPaused, TaskRunnerEvent};
    ///
    /// let paused: TaskRunnerEvent = TaskPaused { task_type: "t".into(), worker_id: "w".into() }.into();
    /// assert!(!paused.is_critical());
    /// ```
    #[must_use]
    pub fn is_critical(&self) -> bool {
        matches!(self, TaskRunnerEvent::TaskUpdateFailure(_))
    }

    /// The task type the event is about.
    ///
    /// ```
    /// use conductor_events::{TaskExecutionQueueFull, TaskRunnerEvent};
    ///
    /// let event: TaskRunnerEvent =
    ///     TaskExecutionQueueFull { task_type: "resize".into(), worker_id: "w".into(), capacity: 8 }.into();
    /// assert_eq!(event.task_type(), "resize");
    /// ```
    #[must_use]
    pub fn task_type(&self) -> &str {
        match self {
            Self::PollStarted(e) => &e.task_type,
            Self::PollCompleted(e) => &e.task_type,
            Self::PollFailure(e) => &e.task_type,
            Self::TaskExecutionStarted(e) => &e.task_type,
            Self::TaskExecutionCompleted(e) => &e.task_type,
            Self::TaskExecutionFailure(e) => &e.task_type,
            Self::TaskUpdateCompleted(e) => &e.task_type,
            Self::TaskUpdateAttemptFailure(e) => &e.task_type,
            Self::TaskUpdateFailure(e) => &e.task_type,
            Self::TaskExecutionCancelled(e) => &e.task_type,
            Self::TaskPaused(e) => &e.task_type,
            Self::TaskExecutionQueueFull(e) => &e.task_type,
            Self::ActiveWorkersChanged(e) => &e.task_type,
            Self::ConcurrencyLimitChanged(e) => &e.task_type,
            Self::RateLimitWaited(e) => &e.task_type,
        }
    }

    /// The event's name (the struct name, e.g. `PollCompleted`).
    ///
    /// ```
    /// use conductor_events::{PollStarted, TaskRunnerEvent};
    ///
    /// let event: TaskRunnerEvent =
    ///     PollStarted { task_type: "greet".into(), worker_id: "w".into(), poll_count: 1 }.into();
    /// assert_eq!(event.name(), "PollStarted");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::PollStarted(_) => "PollStarted",
            Self::PollCompleted(_) => "PollCompleted",
            Self::PollFailure(_) => "PollFailure",
            Self::TaskExecutionStarted(_) => "TaskExecutionStarted",
            Self::TaskExecutionCompleted(_) => "TaskExecutionCompleted",
            Self::TaskExecutionFailure(_) => "TaskExecutionFailure",
            Self::TaskUpdateCompleted(_) => "TaskUpdateCompleted",
            Self::TaskUpdateAttemptFailure(_) => "TaskUpdateAttemptFailure",
            Self::TaskUpdateFailure(_) => "TaskUpdateFailure",
            Self::TaskExecutionCancelled(_) => "TaskExecutionCancelled",
            Self::TaskPaused(_) => "TaskPaused",
            Self::TaskExecutionQueueFull(_) => "TaskExecutionQueueFull",
            Self::ActiveWorkersChanged(_) => "ActiveWorkersChanged",
            Self::ConcurrencyLimitChanged(_) => "ConcurrencyLimitChanged",
            Self::RateLimitWaited(_) => "RateLimitWaited",
        }
    }
}

macro_rules! impl_from_event {
    ($($name:ident),* $(,)?) => {
        $(
            impl From<$name> for TaskRunnerEvent {
                fn from(event: $name) -> Self {
                    TaskRunnerEvent::$name(event)
                }
            }
        )*
    };
}

impl_from_event!(
    PollStarted,
    PollCompleted,
    PollFailure,
    TaskExecutionStarted,
    TaskExecutionCompleted,
    TaskExecutionFailure,
    TaskUpdateCompleted,
    TaskUpdateAttemptFailure,
    TaskExecutionCancelled,
    TaskPaused,
    TaskExecutionQueueFull,
    ActiveWorkersChanged,
    ConcurrencyLimitChanged,
    RateLimitWaited,
);

impl From<TaskUpdateFailure> for TaskRunnerEvent {
    fn from(event: TaskUpdateFailure) -> Self {
        TaskRunnerEvent::TaskUpdateFailure(Box::new(event))
    }
}
