//! [`TaskContext`]: the task being executed, as seen from inside a worker: its counters, log
//! lines and callback delay to report, and a cancellation signal that fires on shutdown or when
//! the task stops being this worker's on the server.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use conductor_models::Task;
use tokio_util::sync::CancellationToken;

tokio::task_local! {
    static CURRENT: TaskContext;
}

/// Metadata of the task being executed, and a channel back to the runtime.
///
/// Inside [`Worker::execute`](crate::Worker::execute) (and the futures it awaits on the same tokio
/// task), [`TaskContext::current`] returns the runtime's context for the task. Through it a
/// worker can
///
/// - read the task's counters: [`poll_count`](Self::poll_count), [`retry_count`](Self::retry_count),
///   [`is_first_poll`](Self::is_first_poll), [`is_retry`](Self::is_retry);
/// - [`add_log`](Self::add_log) lines, sent with the result as task logs (visible in the UI);
/// - [`set_callback_after`](Self::set_callback_after), the delay before an `IN_PROGRESS` task is
///   handed out again (it overrides the delay of the returned output);
/// - notice shutdown: [`is_cancelled`](Self::is_cancelled) / [`cancelled`](Self::cancelled)
///   fire as soon as the runtime begins a graceful shutdown. A worker that sees it should finish
///   quickly (for a long job, return [`WorkerOutput::in_progress`](crate::WorkerOutput::in_progress)
///   so another worker picks it up). Executions still running at the shutdown deadline are
///   dropped and their tasks returned to the server.
///
/// The context is not inherited by tasks spawned with `tokio::spawn`; pass a clone to them.
///
/// ```
/// use conductor_models::Task;
/// use conductor_worker::{FnWorker, TaskContext, WorkerOutput};
///
/// let worker = FnWorker::new("long_task", |task: Task| async move {
///     let ctx = TaskContext::from_task(&task);
///     ctx.add_log(format!("poll {} of task {}", ctx.poll_count(), ctx.task_id()));
///     if ctx.is_first_poll() {
///         // initialise the job
///     }
///     if ctx.poll_count() < 5 {
///         Ok(WorkerOutput::in_progress(30))
///     } else {
///         Ok(WorkerOutput::completed_with_result("done"))
///     }
/// });
/// ```
#[derive(Clone)]
pub struct TaskContext {
    inner: Arc<Inner>,
}

struct Inner {
    task_id: String,
    workflow_instance_id: String,
    task_type: String,
    poll_count: u32,
    retry_count: u32,
    worker_id: Option<String>,
    cancel: CancellationToken,
    reports: Mutex<Reports>,
    /// Blocking-pool calls of this execution still running (see `run_blocking`): at the shutdown
    /// deadline such an execution is not dropped and handed back, since its thread would go on.
    blocking: AtomicUsize,
}

/// What the worker asked to add to its result.
#[derive(Debug, Default)]
pub(crate) struct Reports {
    pub(crate) logs: Vec<String>,
    pub(crate) callback_after_seconds: Option<u64>,
}

impl TaskContext {
    /// The context of `task`.
    ///
    /// Inside an execution of that same task this is the runtime's context
    /// ([`TaskContext::current`]), so logs and callbacks set through it are reported. Anywhere else
    /// it is a detached context built from the task's fields: its logs and callback go nowhere and
    /// it is never cancelled.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let task = Task { task_id: "t-1".into(), poll_count: 1, ..Task::default() };
    /// // Outside an execution, the context is detached: built from the task's fields.
    /// let ctx = TaskContext::from_task(&task);
    /// assert_eq!(ctx.task_id(), "t-1");
    /// assert!(ctx.is_first_poll());
    /// ```
    #[must_use]
    pub fn from_task(task: &Task) -> Self {
        match Self::current() {
            Some(current) if current.task_id() == task.task_id => current,
            _ => Self::detached(task, None, CancellationToken::new()),
        }
    }

    /// The context of the task being executed on this tokio task, or `None` outside an execution.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskContext, WorkerOutput};
    ///
    /// // No task is executing here.
    /// assert!(TaskContext::current().is_none());
    ///
    /// // Inside `execute`, the runtime's context of the task is current.
    /// let worker = FnWorker::new("audited", |_task: Task| async {
    ///     if let Some(ctx) = TaskContext::current() {
    ///         ctx.add_log("started");
    ///     }
    ///     Ok(WorkerOutput::completed_with_result("ok"))
    /// });
    /// # let _ = worker;
    /// ```
    #[must_use]
    pub fn current() -> Option<Self> {
        CURRENT.try_with(Clone::clone).ok()
    }

    pub(crate) fn for_execution(task: &Task, worker_id: &str, cancel: CancellationToken) -> Self {
        Self::detached(task, Some(worker_id.to_owned()), cancel)
    }

    fn detached(task: &Task, worker_id: Option<String>, cancel: CancellationToken) -> Self {
        Self {
            inner: Arc::new(Inner {
                task_id: task.task_id.clone(),
                workflow_instance_id: task.workflow_instance_id.clone(),
                task_type: task.task_def_name.clone().if_empty(&task.task_type),
                poll_count: u32::try_from(task.poll_count).unwrap_or(0),
                retry_count: u32::try_from(task.retry_count).unwrap_or(0),
                worker_id,
                cancel,
                reports: Mutex::new(Reports::default()),
                blocking: AtomicUsize::new(0),
            }),
        }
    }

    /// Runs `future` with this context as [`TaskContext::current`].
    pub(crate) fn scope<F: Future>(self, future: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(self, future)
    }

    /// Counts a blocking-pool call as running until the guard is dropped (on that thread, when the
    /// call returns).
    pub(crate) fn enter_blocking(&self) -> BlockingGuard {
        self.inner.blocking.fetch_add(1, Ordering::SeqCst);
        BlockingGuard {
            context: self.clone(),
        }
    }

    /// Whether code of this execution is running on a blocking-pool thread right now.
    pub(crate) fn is_blocking(&self) -> bool {
        self.inner.blocking.load(Ordering::SeqCst) > 0
    }

    /// Takes what the worker asked to add to its result.
    pub(crate) fn take_reports(&self) -> Reports {
        std::mem::take(&mut *self.reports())
    }

    /// How many times the server has handed this task out, this delivery included: 1 on the
    /// first delivery, 2 after one `IN_PROGRESS` callback, ...
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let task = Task { poll_count: 3, ..Task::default() };
    /// assert_eq!(TaskContext::from_task(&task).poll_count(), 3);
    /// ```
    #[must_use]
    pub fn poll_count(&self) -> u32 {
        self.inner.poll_count
    }

    /// Which attempt this is: 0 for the first, 1 for the first retry, ...
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let task = Task { retry_count: 2, ..Task::default() };
    /// assert_eq!(TaskContext::from_task(&task).retry_count(), 2);
    /// ```
    #[must_use]
    pub fn retry_count(&self) -> u32 {
        self.inner.retry_count
    }

    /// The task's id.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let task = Task { task_id: "3f1c".into(), ..Task::default() };
    /// assert_eq!(TaskContext::from_task(&task).task_id(), "3f1c");
    /// ```
    #[must_use]
    pub fn task_id(&self) -> &str {
        &self.inner.task_id
    }

    /// The id of the workflow the task belongs to.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let task = Task { workflow_instance_id: "wf-9".into(), ..Task::default() };
    /// assert_eq!(TaskContext::from_task(&task).workflow_instance_id(), "wf-9");
    /// ```
    #[must_use]
    pub fn workflow_instance_id(&self) -> &str {
        &self.inner.workflow_instance_id
    }

    /// The task type (task definition name).
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let task = Task { task_type: "greet".into(), ..Task::default() };
    /// assert_eq!(TaskContext::from_task(&task).task_type(), "greet");
    /// ```
    #[must_use]
    pub fn task_type(&self) -> &str {
        &self.inner.task_type
    }

    /// The id of the worker executing the task, when the runtime is executing it.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// // Only the runtime's context knows the worker; a detached one has none.
    /// assert_eq!(TaskContext::from_task(&Task::default()).worker_id(), None);
    /// ```
    #[must_use]
    pub fn worker_id(&self) -> Option<&str> {
        self.inner.worker_id.as_deref()
    }

    /// `true` on the first delivery of this attempt. The server counts a poll before handing the
    /// task out, so this is `poll_count() <= 1` (a `poll_count` of 0 only occurs for tasks that
    /// were never polled).
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// assert!(TaskContext::from_task(&Task { poll_count: 1, ..Task::default() }).is_first_poll());
    /// assert!(!TaskContext::from_task(&Task { poll_count: 2, ..Task::default() }).is_first_poll());
    /// ```
    #[must_use]
    pub fn is_first_poll(&self) -> bool {
        self.inner.poll_count <= 1
    }

    /// `true` when this attempt is a retry of a failed or timed-out one (`retry_count() > 0`).
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// assert!(!TaskContext::from_task(&Task { retry_count: 0, ..Task::default() }).is_retry());
    /// assert!(TaskContext::from_task(&Task { retry_count: 1, ..Task::default() }).is_retry());
    /// ```
    #[must_use]
    pub fn is_retry(&self) -> bool {
        self.inner.retry_count > 0
    }

    /// Adds a line to the task's logs, sent with the result.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let ctx = TaskContext::from_task(&Task::default());
    /// ctx.add_log("fetched 120 rows");
    /// assert_eq!(ctx.logs(), ["fetched 120 rows"]);
    /// ```
    pub fn add_log(&self, line: impl Into<String>) {
        self.reports().logs.push(line.into());
    }

    /// The lines added so far.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let ctx = TaskContext::from_task(&Task::default());
    /// assert!(ctx.logs().is_empty());
    /// ctx.add_log("one");
    /// ctx.add_log("two");
    /// assert_eq!(ctx.logs(), ["one", "two"]);
    /// ```
    #[must_use]
    pub fn logs(&self) -> Vec<String> {
        self.reports().logs.clone()
    }

    /// Sets `callbackAfterSeconds` of the result: the delay before an `IN_PROGRESS` task is
    /// handed out again. Overrides the delay of the returned
    /// [`TaskInProgress`](crate::TaskInProgress).
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let ctx = TaskContext::from_task(&Task::default());
    /// ctx.set_callback_after(45);
    /// assert_eq!(ctx.callback_after(), Some(45));
    /// ```
    pub fn set_callback_after(&self, seconds: u64) {
        self.reports().callback_after_seconds = Some(seconds);
    }

    /// The callback delay set with [`set_callback_after`](Self::set_callback_after).
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let ctx = TaskContext::from_task(&Task::default());
    /// assert_eq!(ctx.callback_after(), None);
    /// ```
    #[must_use]
    pub fn callback_after(&self) -> Option<u64> {
        self.reports().callback_after_seconds
    }

    /// Whether the runtime is shutting down (see the type's documentation).
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// // A detached context is never cancelled; the runtime's is, when shutdown begins.
    /// assert!(!TaskContext::from_task(&Task::default()).is_cancelled());
    /// ```
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Completes when the runtime begins shutting down, or when the task is no longer this
    /// worker's on the server (its workflow was terminated, the task timed out or was retried: the
    /// runtime checks while the execution runs, see
    /// [`RunnerOptions::with_task_status_check_interval`](crate::RunnerOptions::with_task_status_check_interval)).
    /// Use it in `tokio::select!` to stop a long job early.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskContext, WorkerOutput};
    ///
    /// let worker = FnWorker::new("long_job", |task: Task| async move {
    ///     let ctx = TaskContext::from_task(&task);
    ///     tokio::select! {
    ///         () = tokio::time::sleep(Duration::from_secs(600)) => {
    ///             Ok(WorkerOutput::completed_with_result("done"))
    ///         }
    ///         // Shutting down: hand the task back so another worker continues it.
    ///         () = ctx.cancelled() => Ok(WorkerOutput::in_progress(0)),
    ///     }
    /// });
    /// # let _ = worker;
    /// ```
    pub async fn cancelled(&self) {
        self.inner.cancel.cancelled().await;
    }

    /// The cancellation token behind [`cancelled`](Self::cancelled), to hand to other tasks.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::TaskContext;
    ///
    /// let ctx = TaskContext::from_task(&Task::default());
    /// let token = ctx.cancellation_token();
    /// // Hand `token` to a spawned task; it sees the same cancellation as the context.
    /// assert!(!token.is_cancelled());
    /// ```
    #[must_use]
    pub fn cancellation_token(&self) -> CancellationToken {
        self.inner.cancel.clone()
    }

    fn reports(&self) -> MutexGuard<'_, Reports> {
        // A panic while holding the lock cannot leave `Reports` half-written (pushes and
        // assignments only), so a poisoned lock is still usable.
        match self.inner.reports.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// Marks a blocking-pool call of an execution as running; see [`TaskContext::enter_blocking`].
pub(crate) struct BlockingGuard {
    context: TaskContext,
}

impl Drop for BlockingGuard {
    fn drop(&mut self) {
        self.context.inner.blocking.fetch_sub(1, Ordering::SeqCst);
    }
}

impl fmt::Debug for TaskContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskContext")
            .field("task_id", &self.inner.task_id)
            .field("workflow_instance_id", &self.inner.workflow_instance_id)
            .field("task_type", &self.inner.task_type)
            .field("poll_count", &self.inner.poll_count)
            .field("retry_count", &self.inner.retry_count)
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}

trait IfEmpty {
    fn if_empty(self, fallback: &str) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, fallback: &str) -> String {
        if self.is_empty() {
            fallback.to_owned()
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(poll_count: i32, retry_count: i32) -> Task {
        Task {
            task_id: "t1".into(),
            workflow_instance_id: "wf1".into(),
            task_def_name: "greet".into(),
            task_type: "greet".into(),
            poll_count,
            retry_count,
            ..Task::default()
        }
    }

    #[test]
    fn first_delivery_is_poll_count_one() {
        assert!(TaskContext::from_task(&task(1, 0)).is_first_poll());
        assert!(TaskContext::from_task(&task(0, 0)).is_first_poll());
        assert!(!TaskContext::from_task(&task(2, 0)).is_first_poll());
        assert!(!TaskContext::from_task(&task(1, 0)).is_retry());
        assert!(TaskContext::from_task(&task(1, 2)).is_retry());
        let ctx = TaskContext::from_task(&task(3, 1));
        assert_eq!((ctx.poll_count(), ctx.retry_count()), (3, 1));
        assert_eq!(
            (ctx.task_id(), ctx.workflow_instance_id(), ctx.task_type()),
            ("t1", "wf1", "greet")
        );
    }

    #[test]
    fn negative_counters_from_a_bad_server_read_as_zero() {
        let ctx = TaskContext::from_task(&task(-4, -1));
        assert_eq!((ctx.poll_count(), ctx.retry_count()), (0, 0));
    }

    #[tokio::test]
    async fn from_task_inside_an_execution_shares_the_runtime_context() {
        let token = CancellationToken::new();
        let runtime_ctx = TaskContext::for_execution(&task(1, 0), "w1", token.clone());
        assert!(TaskContext::current().is_none());
        runtime_ctx
            .clone()
            .scope(async {
                let ctx = TaskContext::from_task(&task(1, 0));
                ctx.add_log("hello");
                ctx.set_callback_after(7);
                assert_eq!(ctx.worker_id(), Some("w1"));
                // Another task's context is detached.
                let other = TaskContext::from_task(&Task {
                    task_id: "t2".into(),
                    ..task(1, 0)
                });
                other.add_log("lost");
                assert_eq!(other.worker_id(), None);
                assert!(!ctx.is_cancelled());
                token.cancel();
                ctx.cancelled().await;
                assert!(TaskContext::current().unwrap().is_cancelled());
            })
            .await;
        let reports = runtime_ctx.take_reports();
        assert_eq!(reports.logs, vec!["hello".to_owned()]);
        assert_eq!(reports.callback_after_seconds, Some(7));
        assert!(runtime_ctx.take_reports().logs.is_empty());
    }
}
