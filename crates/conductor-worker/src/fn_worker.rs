//! [`FnWorker`]: a worker made from an async closure.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use conductor_http::Result;
use conductor_models::{Task, TaskDef};
#[cfg(feature = "schema")]
use schemars::JsonSchema;

use crate::ConcurrencyLimiter;
use crate::output::WorkerOutput;
#[cfg(feature = "schema")]
use crate::schema::generate_schema;
use crate::worker::Worker;
use crate::worker_options::{RateLimit, WorkerOptions};

type BoxedFuture = Pin<Box<dyn Future<Output = Result<WorkerOutput>> + Send>>;
type Handler = Arc<dyn Fn(Task) -> BoxedFuture + Send + Sync>;

/// A [`Worker`] made from a closure taking the [`Task`] by value and returning a future.
///
/// Settings default to the [`Worker`] trait's defaults (1 thread, 100 ms poll interval, no
/// domain, `{hostname}-{pid}` identity) and each has a builder method. The closure is called once
/// per task with a clone of the task.
///
/// ```
/// use conductor_models::Task;
/// use conductor_worker::{FnWorker, WorkerOutput};
///
/// let worker = FnWorker::new("my_task", |task: Task| async move {
///     let input = task.get_input_string("name").unwrap_or_default();
///     Ok(WorkerOutput::completed_with_result(format!("Hello, {}!", input)))
/// })
/// .with_thread_count(4)
/// .with_poll_interval_millis(500)
/// .with_domain("my-domain");
/// # use conductor_worker::Worker;
/// assert_eq!(worker.thread_count(), 4);
/// ```
#[derive(Clone)]
pub struct FnWorker {
    name: String,
    handler: Handler,
    options: WorkerOptions,
    input_schema: Option<serde_json::Value>,
    output_schema: Option<serde_json::Value>,
    task_def: Option<TaskDef>,
}

impl FnWorker {
    /// A worker for task type `name` running `handler` for each task.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("add", |task: Task| async move {
    ///     let a: i64 = task.get_input("a").unwrap_or(0);
    ///     let b: i64 = task.get_input("b").unwrap_or(0);
    ///     Ok(WorkerOutput::completed_with_result(a + b))
    /// });
    /// assert_eq!(worker.task_definition_name(), "add");
    /// assert_eq!(worker.thread_count(), 1);
    /// ```
    pub fn new<F, Fut>(name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Task) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<WorkerOutput>> + Send + 'static,
    {
        Self {
            name: name.into(),
            handler: Arc::new(move |task| Box::pin(handler(task))),
            options: WorkerOptions::DEFAULT,
            input_schema: None,
            output_schema: None,
            task_def: None,
        }
    }

    /// Replaces all the polling and execution settings at once (see [`WorkerOptions`]; the
    /// `with_*` setters below change one of them). Default: [`WorkerOptions::DEFAULT`].
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOptions, WorkerOutput};
    ///
    /// let shared = WorkerOptions::default().with_thread_count(4).with_domain("blue");
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_options(shared);
    /// assert_eq!((worker.thread_count(), worker.domain()), (4, Some("blue")));
    /// ```
    #[must_use]
    pub fn with_options(mut self, options: WorkerOptions) -> Self {
        self.options = options;
        self
    }

    /// The polling and execution settings.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, WorkerOptions, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// });
    /// assert_eq!(worker.options(), &WorkerOptions::DEFAULT);
    /// ```
    #[must_use]
    pub fn options(&self) -> &WorkerOptions {
        &self.options
    }

    /// How many tasks may execute at once. Default 1 (0 is rejected when the worker starts).
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("resize_image", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("resized"))
    /// })
    /// .with_thread_count(8);
    /// assert_eq!(worker.thread_count(), 8);
    /// ```
    #[must_use]
    pub fn with_thread_count(mut self, thread_count: usize) -> Self {
        self.options = self.options.with_thread_count(thread_count);
        self
    }

    /// The longest wait between empty polls, in milliseconds. Default 100.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("nightly_report", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("ok"))
    /// })
    /// .with_poll_interval_millis(1_000);
    /// assert_eq!(worker.poll_interval_millis(), 1_000);
    /// ```
    #[must_use]
    pub fn with_poll_interval_millis(mut self, millis: u64) -> Self {
        self.options = self.options.with_poll_interval_millis(millis);
        self
    }

    /// The long-poll timeout sent to the server, in milliseconds (at most 5000). Default 100.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("rare_task", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("ok"))
    /// })
    /// .with_poll_timeout_millis(2_000); // hold each poll open up to 2 s
    /// assert_eq!(worker.poll_timeout_millis(), 2_000);
    /// ```
    #[must_use]
    pub fn with_poll_timeout_millis(mut self, millis: u64) -> Self {
        self.options = self.options.with_poll_timeout_millis(millis);
        self
    }

    /// Caps the tasks taken per second at `per_second`, at most `burst` at once (see
    /// [`WorkerOptions::with_rate_limit`]). Default: no limit.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, RateLimit, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("send_sms", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("sent"))
    /// })
    /// .with_thread_count(8)
    /// .with_rate_limit(10.0, 20); // 10 SMS a second, 20 at once after a quiet spell
    /// assert_eq!(worker.rate_limit(), Some(RateLimit::new(10.0, 20)));
    /// ```
    #[must_use]
    pub fn with_rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.options = self.options.with_rate_limit(per_second, burst);
        self
    }

    /// Turns adaptive concurrency on or off (see [`WorkerOptions::with_adaptive_concurrency`]).
    /// Default off.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("query_search", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("found"))
    /// })
    /// .with_thread_count(32) // the most in flight; fewer while the search backend is slow
    /// .with_adaptive_concurrency(true);
    /// assert!(worker.adaptive_concurrency());
    /// ```
    #[must_use]
    pub fn with_adaptive_concurrency(mut self, adaptive: bool) -> Self {
        self.options = self.options.with_adaptive_concurrency(adaptive);
        self
    }

    /// Turns adaptive concurrency on with `limiter`'s algorithm and settings (see
    /// [`ConcurrencyLimiter`]).
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{ConcurrencyLimiter, FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("query_search", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("found"))
    /// })
    /// .with_thread_count(32)
    /// .with_concurrency_limiter(ConcurrencyLimiter::GRADIENT2);
    /// assert!(worker.adaptive_concurrency());
    /// ```
    #[must_use]
    pub fn with_concurrency_limiter(mut self, limiter: ConcurrencyLimiter) -> Self {
        self.options = self.options.with_concurrency_limiter(limiter);
        self
    }

    /// The task domain to poll in. Default: none.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_domain("staging");
    /// assert_eq!(worker.domain(), Some("staging"));
    /// ```
    #[must_use]
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.options = self.options.with_domain(domain);
        self
    }

    /// The worker id sent to the server. Default `{hostname}-{pid}`.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_identity("pod-7");
    /// assert_eq!(worker.identity(), "pod-7");
    /// ```
    #[must_use]
    pub fn with_identity(mut self, identity: impl Into<String>) -> Self {
        self.options = self.options.with_identity(identity);
        self
    }

    /// The JSON Schema of the task's input (see `schema::generate_schema`, feature `schema`).
    /// Default: none.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let schema = serde_json::json!({
    ///     "type": "object",
    ///     "properties": {"name": {"type": "string"}},
    ///     "required": ["name"]
    /// });
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_input_schema(schema.clone());
    /// assert_eq!(worker.input_schema(), Some(schema));
    /// ```
    #[must_use]
    pub fn with_input_schema(mut self, schema: serde_json::Value) -> Self {
        self.input_schema = Some(schema);
        self
    }

    /// The JSON Schema of the task's output. Default: none.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let schema = serde_json::json!({"type": "object", "properties": {"result": {"type": "string"}}});
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_output_schema(schema.clone());
    /// assert_eq!(worker.output_schema(), Some(schema));
    /// ```
    #[must_use]
    pub fn with_output_schema(mut self, schema: serde_json::Value) -> Self {
        self.output_schema = Some(schema);
        self
    }

    /// The input schema generated from `T` ([`generate_schema::<T>(strict)`](generate_schema));
    /// feature `schema`.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// #[derive(schemars::JsonSchema)]
    /// struct GreetInput {
    ///     name: String,
    /// }
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_input_schema_from::<GreetInput>(true);
    /// let schema = worker.input_schema().expect("schema set");
    /// assert_eq!(schema["properties"]["name"]["type"], "string");
    /// assert_eq!(schema["additionalProperties"], false);
    /// ```
    #[cfg(feature = "schema")]
    #[must_use]
    pub fn with_input_schema_from<T: JsonSchema>(self, strict: bool) -> Self {
        self.with_input_schema(generate_schema::<T>(strict))
    }

    /// The output schema generated from `T`; feature `schema`.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// #[derive(schemars::JsonSchema)]
    /// struct GreetOutput {
    ///     greeting: String,
    /// }
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_fields(serde_json::json!({"greeting": "hi"})))
    /// })
    /// .with_output_schema_from::<GreetOutput>(false);
    /// let schema = worker.output_schema().expect("schema set");
    /// assert_eq!(schema["properties"]["greeting"]["type"], "string");
    /// ```
    #[cfg(feature = "schema")]
    #[must_use]
    pub fn with_output_schema_from<T: JsonSchema>(self, strict: bool) -> Self {
        self.with_output_schema(generate_schema::<T>(strict))
    }

    /// The task definition to create at start-up if the server has none (implies
    /// [`with_register_task_def(true)`](Self::with_register_task_def)).
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_models::TaskDef;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("charge_card", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("charged"))
    /// })
    /// .with_task_def(TaskDef::new("charge_card"));
    /// assert!(worker.register_task_def());
    /// assert_eq!(worker.task_def_template().map(|def| def.name), Some("charge_card".to_owned()));
    /// ```
    #[must_use]
    pub fn with_task_def(mut self, task_def: TaskDef) -> Self {
        self.task_def = Some(task_def);
        self.options = self.options.with_register_task_def(true);
        self
    }

    /// Whether to create the task definition at start-up when missing. Default `false`.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_register_task_def(true);
    /// assert!(worker.register_task_def());
    /// ```
    #[must_use]
    pub fn with_register_task_def(mut self, register: bool) -> Self {
        self.options = self.options.with_register_task_def(register);
        self
    }

    /// Whether to extend the lease of long executions. Default `false`.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("transcode_video", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("done"))
    /// })
    /// .with_lease_extend_enabled(true);
    /// assert!(worker.lease_extend_enabled());
    /// ```
    #[must_use]
    pub fn with_lease_extend_enabled(mut self, enabled: bool) -> Self {
        self.options = self.options.with_lease_extend_enabled(enabled);
        self
    }

    /// Whether the worker starts paused. Default `false`.
    ///
    /// ```
    /// # use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_paused(true); // resume later with TaskHandler::resume_worker("greet")
    /// assert!(worker.paused());
    /// ```
    #[must_use]
    pub fn with_paused(mut self, paused: bool) -> Self {
        self.options = self.options.with_paused(paused);
        self
    }
}

#[async_trait]
impl Worker for FnWorker {
    fn task_definition_name(&self) -> &str {
        &self.name
    }

    async fn execute(&self, task: &Task) -> Result<WorkerOutput> {
        (self.handler)(task.clone()).await
    }

    fn identity(&self) -> String {
        self.options.identity().to_owned()
    }

    fn domain(&self) -> Option<&str> {
        self.options.domain()
    }

    fn poll_interval_millis(&self) -> u64 {
        self.options.poll_interval_millis()
    }

    fn thread_count(&self) -> usize {
        self.options.thread_count()
    }

    fn poll_timeout_millis(&self) -> u64 {
        self.options.poll_timeout_millis()
    }

    fn input_schema(&self) -> Option<serde_json::Value> {
        self.input_schema.clone()
    }

    fn output_schema(&self) -> Option<serde_json::Value> {
        self.output_schema.clone()
    }

    fn task_def_template(&self) -> Option<TaskDef> {
        self.task_def.clone()
    }

    fn register_task_def(&self) -> bool {
        self.options.register_task_def()
    }

    fn lease_extend_enabled(&self) -> bool {
        self.options.lease_extend_enabled()
    }

    fn paused(&self) -> bool {
        self.options.paused()
    }

    fn rate_limit(&self) -> Option<RateLimit> {
        self.options.rate_limit()
    }

    fn adaptive_concurrency(&self) -> bool {
        self.options.adaptive_concurrency()
    }

    fn concurrency_limiter(&self) -> Option<ConcurrencyLimiter> {
        self.options.concurrency_limiter()
    }
}

impl fmt::Debug for FnWorker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnWorker")
            .field("name", &self.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::default_identity;

    #[tokio::test]
    async fn the_closure_receives_the_task_and_its_answer_is_returned() {
        let worker = FnWorker::new("greet", |task: Task| async move {
            let name = task.get_input_string("name").unwrap_or_default();
            Ok(WorkerOutput::completed_with_result(format!(
                "Hello, {name}!"
            )))
        });
        let mut task = Task::default();
        task.input_data.insert("name".into(), "World".into());
        let out = worker.execute(&task).await.unwrap();
        assert_eq!(out, WorkerOutput::completed_with_result("Hello, World!"));
        assert_eq!(worker.task_definition_name(), "greet");
    }

    #[test]
    fn defaults_and_builders() {
        let worker = FnWorker::new("t", |_| async {
            Ok(WorkerOutput::completed_with_result(1))
        });
        assert_eq!(
            (
                worker.thread_count(),
                worker.poll_interval_millis(),
                worker.poll_timeout_millis()
            ),
            (1, 100, 100)
        );
        assert_eq!(worker.domain(), None);
        assert_eq!(worker.identity(), default_identity());
        assert!(!worker.register_task_def() && !worker.lease_extend_enabled() && !worker.paused());

        let worker = worker
            .with_thread_count(3)
            .with_poll_interval_millis(250)
            .with_poll_timeout_millis(1000)
            .with_domain("blue")
            .with_identity("me")
            .with_task_def(TaskDef::new("t"))
            .with_lease_extend_enabled(true)
            .with_paused(true)
            .with_input_schema(serde_json::json!({"type": "object"}));
        assert_eq!(worker.thread_count(), 3);
        assert_eq!(worker.poll_interval_millis(), 250);
        assert_eq!(worker.poll_timeout_millis(), 1000);
        assert_eq!(worker.domain(), Some("blue"));
        assert_eq!(worker.identity(), "me");
        assert!(worker.register_task_def() && worker.lease_extend_enabled() && worker.paused());
        assert_eq!(worker.input_schema().unwrap()["type"], "object");
        assert!(worker.output_schema().is_none());
        assert_eq!(worker.task_def_template().unwrap().name, "t");
    }
}
