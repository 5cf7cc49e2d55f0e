//! Shared harness of the `client_*` API tests: a `conductor-client` [`ConductorClient`] talking
//! over real HTTP to the server under test — the external server of `CONDUCTOR_TEST_SERVER_URL`
//! when it is set (a long-lived conductor-oss shared with other tests), else a fresh [`DevServer`]
//! on a manual clock — plus helpers that name, register and start workflows and act as a worker.
//!
//! Every name a test creates goes through [`Env::name`], so that tests running at the same time
//! on one server never see each other's definitions, queues or executions.

#![allow(
    dead_code,
    reason = "each test file uses a different subset of the helpers"
)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use conductor_client::models::{
    JsonMap, StartWorkflowRequest, Task, TaskResult, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor_client::{
    ConductorClient, ConductorError, Configuration, EventClient, MetadataClient, RetryPolicy,
    TaskClient, WorkflowClient,
};
use conductor_server::{Clock, DevServer, ManualClock};
use conductor_test_support::{external_server_url, external_server_version, unique_name};
use serde_json::Value;

/// The manual clock's start on the embedded server: 2023-11-14T22:13:20Z.
pub const EPOCH_MILLIS: i64 = 1_700_000_000_000;

/// The worker id the helpers poll with.
pub const WORKER: &str = "worker-1";

/// How long a test waits for an asynchronous effect of a real server (its search index catching
/// up, a delayed queue message becoming visible, a sweep).
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The HTTP timeout for an external server: conductor-oss 3.21 on one SQLite connection (the
/// harness's set-up for it) stalls some requests for its 30 s connection timeout (removing a
/// workflow without archiving it, for one), which the client's default 30 s would cut.
const EXTERNAL_TIMEOUT: Duration = Duration::from_secs(120);

/// The embedded server and its manual clock.
pub struct Embedded {
    pub server: DevServer,
    pub clock: Arc<ManualClock>,
}

/// A conductor-oss version, `(major, minor, patch)`.
pub type Version = (u32, u32, u32);

/// A server and a client for it.
pub struct Env {
    /// `None` when the tests run against an external server.
    pub embedded: Option<Embedded>,
    /// The external server's version; `None` for the embedded server, which answers as the
    /// newest conductor-oss does.
    pub version: Option<Version>,
    /// The server's API base URL.
    pub url: String,
    pub client: ConductorClient,
    pub tasks: TaskClient,
    pub workflows: WorkflowClient,
    pub metadata: MetadataClient,
    pub events: EventClient,
}

impl Env {
    /// A client for the external server when `CONDUCTOR_TEST_SERVER_URL` is set, else for a new
    /// embedded server on a manual clock (no background sweeper). On the embedded server
    /// HTTP-layer retries are off, so every call is exactly one request; a shared real server
    /// gets the default retries (its SQLite store answers `SQLITE_BUSY` under load) and a longer
    /// timeout ([`EXTERNAL_TIMEOUT`]).
    pub async fn start() -> Env {
        let (url, embedded, retries) = match external_server_url() {
            Some(url) => (url, None, RetryPolicy::default()),
            None => {
                let clock = Arc::new(ManualClock::new(EPOCH_MILLIS));
                let server = DevServer::builder()
                    .manual_clock(clock.clone())
                    .start()
                    .await
                    .expect("the dev server starts");
                (
                    server.url(),
                    Some(Embedded { server, clock }),
                    RetryPolicy::none(),
                )
            }
        };
        let version = match embedded {
            Some(_) => None,
            None => Some(external_version(&url).await),
        };
        let mut config = Configuration::new(url.clone()).with_retry_policy(retries);
        if embedded.is_none() {
            config = config.with_timeout(EXTERNAL_TIMEOUT);
        }
        let client = ConductorClient::new(config).expect("the client builds");
        Env {
            tasks: client.task_client(),
            workflows: client.workflow_client(),
            metadata: client.metadata_client(),
            events: client.event_client(),
            client,
            url,
            version,
            embedded,
        }
    }

    /// Whether the server is a conductor-oss older than `version` (never for the embedded
    /// server, which answers as the newest conductor-oss).
    pub fn older_than(&self, version: Version) -> bool {
        self.version.is_some_and(|own| own < version)
    }

    /// Whether a test may remove a workflow without archiving it. conductor-oss 3.21 on one
    /// SQLite connection (the harness's set-up for it) often holds that connection for the pool's
    /// 30 s timeout while doing so, and every request waiting meanwhile fails with a 500
    /// (`HikariPool-1 - Connection is not available`); tests archive there instead.
    pub fn can_remove_unarchived(&self) -> bool {
        !self.older_than((3, 22, 0))
    }

    /// Whether the tests run against an external (real) server.
    pub fn is_external(&self) -> bool {
        self.embedded.is_none()
    }

    /// A name for a workflow, task type, event handler, event or correlation id that no other
    /// test uses: `prefix` plus a unique suffix.
    pub fn name(&self, prefix: &str) -> String {
        unique_name(prefix)
    }

    /// The embedded server; panics on an external server (for `embedded_only` tests).
    pub fn server(&self) -> &DevServer {
        &self
            .embedded
            .as_ref()
            .expect("an embedded_only test runs on the embedded server")
            .server
    }

    /// The server's current time (epoch milliseconds): the manual clock of the embedded server,
    /// the wall clock for an external one (which runs on this machine).
    pub fn now(&self) -> i64 {
        match &self.embedded {
            Some(embedded) => embedded.clock.now_millis(),
            None => wall_clock_millis(),
        }
    }

    /// Moves the embedded server's clock forward (and wakes its long polls); panics on an
    /// external server (for `embedded_only` tests).
    pub fn advance(&self, by: Duration) {
        assert!(
            self.server().advance(by),
            "the server runs on a manual clock"
        );
    }

    /// Lets `by` pass on the server's clock: the embedded server's manual clock is moved
    /// forward; for an external server, real time must pass (keep `by` short).
    pub async fn pass(&self, by: Duration) {
        match &self.embedded {
            Some(embedded) => {
                assert!(embedded.server.advance(by), "a manual clock");
            }
            None => tokio::time::sleep(by).await,
        }
    }

    /// Makes the server's clock move past the current millisecond, so that the next thing
    /// created has a later time stamp than the last: one second on the manual clock, a few
    /// milliseconds of real time on an external server.
    pub async fn tick(&self) {
        match &self.embedded {
            Some(embedded) => {
                assert!(
                    embedded.server.advance(Duration::from_secs(1)),
                    "a manual clock"
                );
            }
            None => {
                let start = wall_clock_millis();
                while wall_clock_millis() < start + 5 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }
    }

    /// Registers `def`.
    pub async fn register(&self, def: &WorkflowDef) {
        self.busy_retried(|| self.metadata.register_workflow_def(def))
            .await
            .unwrap_or_else(|e| panic!("registering {}: {e}", def.name));
    }

    /// Runs `call`, again (up to 5 times) while a real server answers that its store was busy:
    /// the HTTP layer does not replay a `POST`, but a busy SQLite store did nothing.
    async fn busy_retried<T, F, Fut>(&self, mut call: F) -> conductor_client::Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = conductor_client::Result<T>>,
    {
        let mut attempts = 0;
        loop {
            match call().await {
                Err(error) if self.is_external() && attempts < 5 && is_busy(&error) => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(200 * attempts)).await;
                }
                other => return other,
            }
        }
    }

    /// Registers workflow `name` (version 1) running one `SIMPLE` task per type in order, with
    /// references `{type}_ref`; each task gets the workflow input `x` as its input `x`.
    pub async fn register_linear(&self, name: &str, task_types: &[&str]) -> WorkflowDef {
        let def = linear_def(name, task_types);
        self.register(&def).await;
        def
    }

    /// Starts the latest version of `name` with `input`.
    pub async fn start_with(&self, name: &str, input: Value) -> String {
        let request = StartWorkflowRequest::new(name).with_input(object(input));
        self.busy_retried(|| self.workflows.start_workflow(&request))
            .await
            .unwrap_or_else(|e| panic!("starting {name}: {e}"))
    }

    /// Starts the latest version of `name` with an empty input.
    pub async fn start_workflow(&self, name: &str) -> String {
        self.start_with(name, serde_json::json!({})).await
    }

    /// Polls one task of `task_type` as [`WORKER`]; fails the test when none is queued. A real
    /// server is given [`PATIENCE`]: under load its poll answers nothing when the queue store
    /// was busy.
    pub async fn poll(&self, task_type: &str) -> Task {
        if self.is_external() {
            return self.poll_eventually(task_type).await;
        }
        self.tasks
            .poll_task(task_type, Some(WORKER), None)
            .await
            .unwrap_or_else(|e| panic!("polling {task_type}: {e}"))
            .unwrap_or_else(|| panic!("no {task_type} task is queued"))
    }

    /// Polls `task_type` as [`WORKER`] until a task comes (a real server may take a moment to
    /// make a delayed task visible); fails the test after [`PATIENCE`].
    pub async fn poll_eventually(&self, task_type: &str) -> Task {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let polled = self
                .tasks
                .batch_poll(task_type, Some(WORKER), None, 1, Duration::from_millis(500))
                .await
                .unwrap_or_else(|e| panic!("polling {task_type}: {e}"));
            if let Some(task) = polled.into_iter().next() {
                return task;
            }
            assert!(
                Instant::now() < deadline,
                "no {task_type} task came within {PATIENCE:?}"
            );
        }
    }

    /// Completes `task` with `output`.
    pub async fn complete(&self, task: &Task, output: Value) {
        let result = TaskResult::completed(&task.task_id, &task.workflow_instance_id)
            .with_output(object(output))
            .with_worker_id(WORKER);
        self.tasks
            .update_task(&result)
            .await
            .unwrap_or_else(|e| panic!("completing {}: {e}", task.reference_task_name));
    }

    /// Fails `task` (retryable) with `reason`.
    pub async fn fail(&self, task: &Task, reason: &str) {
        let result = TaskResult::failed(&task.task_id, &task.workflow_instance_id, reason)
            .with_worker_id(WORKER);
        self.tasks
            .update_task(&result)
            .await
            .unwrap_or_else(|e| panic!("failing {}: {e}", task.reference_task_name));
    }

    /// Polls one task of `task_type` and completes it with `output`.
    pub async fn work(&self, task_type: &str, output: Value) -> Task {
        let task = self.poll(task_type).await;
        self.complete(&task, output).await;
        task
    }

    /// The status of a workflow.
    pub async fn status_of(&self, workflow_id: &str) -> WorkflowStatus {
        self.workflows
            .get_workflow(workflow_id)
            .await
            .unwrap_or_else(|e| panic!("reading {workflow_id}: {e}"))
            .status
    }

    /// Starts `name` and fails its first task (of `task_type`) with no retries left, so the
    /// workflow ends `FAILED`.
    pub async fn start_failed(&self, name: &str, task_type: &str) -> String {
        let id = self.start_workflow(name).await;
        let task = self.poll(task_type).await;
        let result = TaskResult::failed_with_terminal_error(
            &task.task_id,
            &task.workflow_instance_id,
            "boom",
        );
        self.tasks.update_task(&result).await.expect("task failed");
        assert_eq!(self.status_of(&id).await, WorkflowStatus::Failed);
        id
    }
}

/// Calls `probe` until `done` accepts its answer, and returns that answer: for effects a real
/// server applies asynchronously (its search index, queue listeners). The embedded server applies
/// them at once, so there the first answer is expected to pass. Fails the test with the last
/// answer after [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F, done: impl Fn(&T) -> bool) -> T
where
    T: std::fmt::Debug,
    F: FnMut() -> Fut,
    Fut: Future<Output = conductor_client::Result<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        let answer = probe().await.unwrap_or_else(|e| panic!("{what}: {e:?}"));
        if done(&answer) {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not as expected after {PATIENCE:?}: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether `error` says a real server's SQLite store was busy (`SQLITE_BUSY`, or no connection
/// free in time): nothing was done.
fn is_busy(error: &ConductorError) -> bool {
    let text = message(error);
    text.contains("SQLITE_BUSY")
        || text.contains("database is locked")
        || text.contains("Connection is not available")
}

/// The version of the external server at `url`: `CONDUCTOR_TEST_SERVER_VERSION` when set, else
/// what the server says (asked once per test binary, by a client of its own).
async fn external_version(url: &str) -> Version {
    static VERSION: std::sync::OnceLock<Version> = std::sync::OnceLock::new();
    if let Some(version) = VERSION.get() {
        return *version;
    }
    let text = match external_server_version() {
        Some(text) => text,
        None => {
            let probe =
                ConductorClient::new(Configuration::new(url)).expect("the version probe builds");
            probe
                .version()
                .await
                .unwrap_or_else(|e| panic!("reading the version of {url}: {e}"))
        }
    };
    let version = parse_version(&text);
    *VERSION.get_or_init(|| version)
}

/// `(major, minor, patch)` of a version string such as `3.21.14` or `3.32.3-SNAPSHOT`.
fn parse_version(text: &str) -> Version {
    let mut parts = text
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<u32>()
                .unwrap_or_else(|e| panic!("version {text}: {e}"))
        });
    let mut next = || parts.next().unwrap_or(0);
    (next(), next(), next())
}

/// Asserts the answer of a sync execution or signal whose `BLOCKING_TASK*` strategy found no
/// blocking task: conductor-oss fails with 500 (its responder maps the missing task to null);
/// on servers before `native_since`, whose endpoint is missing, the client's fallback answers a
/// [`ConductorError::Workflow`] instead.
#[track_caller]
pub fn assert_no_blocking_task<T: std::fmt::Debug>(
    env: &Env,
    native_since: Version,
    result: conductor_client::Result<T>,
) {
    let error = result.expect_err("no blocking task to return");
    if env.older_than(native_since) {
        assert!(
            matches!(&error, ConductorError::Workflow(message) if message.contains("no blocking task")),
            "{error:?}"
        );
    } else {
        assert!(matches!(error, ConductorError::Server { .. }), "{error:?}");
        assert_eq!(error.status(), Some(500), "{error:?}");
        assert!(
            message(&error).contains("returned a null value"),
            "{error:?}"
        );
    }
}

/// The wall clock in epoch milliseconds.
pub fn wall_clock_millis() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(since.as_millis()).expect("milliseconds fit an i64")
}

/// Asserts that `time` (epoch milliseconds) lies in `[from, to]`: a time stamp the server set
/// while the test ran.
#[track_caller]
pub fn assert_between(time: i64, from: i64, to: i64) {
    assert!(
        from <= time && time <= to,
        "{time} is not within [{from}, {to}]"
    );
}

/// Parses a UTC time stamp as the search summaries carry it (`2023-11-14T22:13:21.000Z`) into
/// epoch milliseconds; panics for anything else.
pub fn parse_utc(text: &str) -> i64 {
    let bytes = text.as_bytes();
    let number = |from: usize, to: usize| -> i64 {
        text.get(from..to)
            .and_then(|part| part.parse().ok())
            .unwrap_or_else(|| panic!("not a UTC time stamp: {text}"))
    };
    assert!(
        text.len() == 24 && bytes[10] == b'T' && bytes[19] == b'.' && bytes[23] == b'Z',
        "not a UTC time stamp: {text}"
    );
    let (year, month, day) = (number(0, 4), number(5, 7), number(8, 10));
    // Days from 1970-01-01 to the date (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + number(11, 13) * 3_600 + number(14, 16) * 60 + number(17, 19);
    seconds * 1_000 + number(20, 23)
}

/// Workflow `name` (version 1) running one `SIMPLE` task per type in order, references
/// `{type}_ref`, each task's input `x` wired to the workflow input `x`.
pub fn linear_def(name: &str, task_types: &[&str]) -> WorkflowDef {
    WorkflowDef::new(name)
        .with_version(1)
        .with_tasks(task_types.iter().map(|task_type| {
            WorkflowTask::simple(*task_type, format!("{task_type}_ref"))
                .with_input_param("x", "${workflow.input.x}")
        }))
}

/// A JSON object value as a map; panics for anything else.
pub fn object(value: Value) -> JsonMap {
    match value {
        Value::Object(map) => map,
        other => panic!("not a JSON object: {other}"),
    }
}

/// The server's message of an error answer (the `ErrorResponse.message`), or the error's text.
pub fn message(error: &ConductorError) -> String {
    error
        .error_response()
        .and_then(|response| response.message.clone())
        .unwrap_or_else(|| error.to_string())
}

/// Asserts that `result` failed with HTTP `status` and a message containing `part`.
#[track_caller]
pub fn assert_status<T: std::fmt::Debug>(
    result: conductor_client::Result<T>,
    status: u16,
    part: &str,
) -> ConductorError {
    let error = match result {
        Ok(value) => panic!("expected HTTP {status}, got Ok({value:?})"),
        Err(error) => error,
    };
    assert_eq!(error.status(), Some(status), "{error:?}");
    assert!(
        message(&error).contains(part),
        "expected a message containing {part:?}, got {error:?}"
    );
    error
}
