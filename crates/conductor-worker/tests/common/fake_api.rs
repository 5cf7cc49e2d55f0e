//! A scripted, in-memory [`TaskApi`]: queues per task type, recorded calls, scripted failures.
//! Time is tokio time, so tests can run it under `tokio::time::pause()`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use conductor_http::{ConductorError, Result, TransportError, TransportErrorKind};
use conductor_models::{Task, TaskDef, TaskResult, TaskResultStatus, TaskStatus};
use conductor_worker::TaskApi;
use tokio::sync::Notify;
use tokio::time::Instant;

/// How the fake answers update-v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V2Mode {
    /// Supported: updates, then hands out the next task of the type when the update is terminal.
    Supported,
    /// The endpoint does not exist: 404.
    NotFound,
    /// The endpoint does not exist: 405.
    MethodNotAllowed,
}

/// A recorded poll.
#[derive(Debug, Clone)]
pub struct PollCall {
    pub at: Instant,
    pub task_type: String,
    pub worker_id: Option<String>,
    pub domain: Option<String>,
    pub count: usize,
    pub timeout: Duration,
    pub returned: usize,
    pub failed: bool,
}

/// A recorded update.
#[derive(Debug, Clone)]
pub struct UpdateCall {
    pub at: Instant,
    pub result: TaskResult,
    pub v2: bool,
    pub accepted: bool,
}

#[derive(Default)]
pub struct State {
    /// Pending tasks per task type, each with the time it becomes visible.
    queues: HashMap<String, VecDeque<(Instant, Task)>>,
    /// Every task ever created, by id.
    pub tasks: HashMap<String, Task>,
    pub polls: Vec<PollCall>,
    pub updates: Vec<UpdateCall>,
    /// Errors returned by the next polls, in order.
    poll_failures: VecDeque<ConductorError>,
    /// Fail every poll while set.
    pub polls_down: bool,
    /// Errors returned by the next (non-heartbeat) updates, in order.
    update_failures: VecDeque<ConductorError>,
    /// Fail every update while set.
    pub updates_down: bool,
    /// How many of the next (non-heartbeat) updates are applied but answered with a broken
    /// connection, as when a reset comes after the server applied the request.
    lost_answers: usize,
    /// Errors returned by the next `get_task` calls, in order.
    get_task_failures: VecDeque<ConductorError>,
    /// How many times `get_task` was called.
    pub get_task_calls: usize,
    /// Fail every `get_task` while set (the server is unreachable).
    pub reads_down: bool,
    pub v2: Option<V2Mode>,
    pub task_defs: HashMap<String, TaskDef>,
    pub registered: Vec<TaskDef>,
    next_id: u64,
}

impl State {
    /// Accepted terminal results, per task id.
    pub fn finished(&self) -> HashMap<String, Vec<TaskResult>> {
        let mut finished: HashMap<String, Vec<TaskResult>> = HashMap::new();
        for update in &self.updates {
            if update.accepted
                && !update.result.extend_lease
                && update.result.status != TaskResultStatus::InProgress
            {
                finished
                    .entry(update.result.task_id.clone())
                    .or_default()
                    .push(update.result.clone());
            }
        }
        finished
    }
}

pub struct FakeApi {
    state: Mutex<State>,
    changed: Notify,
}

pub fn connect_error() -> ConductorError {
    ConductorError::Http(TransportError::new(
        TransportErrorKind::Connect,
        "connection refused",
    ))
}

pub fn reset_error() -> ConductorError {
    ConductorError::Http(TransportError::new(
        TransportErrorKind::Request,
        "connection reset by peer",
    ))
}

pub fn server_error(status: u16) -> ConductorError {
    ConductorError::Server {
        status,
        message: "unavailable".into(),
        retryable: false,
        response: None,
    }
}

pub fn api_error(status: u16) -> ConductorError {
    ConductorError::Api {
        status,
        message: format!("HTTP {status}"),
        code: None,
        response: None,
    }
}

impl FakeApi {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                v2: Some(V2Mode::Supported),
                ..State::default()
            }),
            changed: Notify::new(),
        })
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    fn changed(&self) {
        self.changed.notify_waiters();
    }

    /// Queues `n` tasks of `task_type`; returns their ids.
    pub fn add_tasks(&self, task_type: &str, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| self.add_task_with(task_type, |_| {}))
            .collect()
    }

    /// Queues one task, customised by `edit`; returns its id.
    pub fn add_task_with(&self, task_type: &str, edit: impl FnOnce(&mut Task)) -> String {
        let mut state = self.state();
        state.next_id += 1;
        let id = format!("task-{}", state.next_id);
        let mut task = Task {
            task_id: id.clone(),
            task_type: task_type.to_owned(),
            task_def_name: task_type.to_owned(),
            reference_task_name: format!("{task_type}_ref"),
            workflow_instance_id: format!("wf-{}", state.next_id),
            status: TaskStatus::Scheduled,
            ..Task::default()
        };
        edit(&mut task);
        state.tasks.insert(id.clone(), task.clone());
        state
            .queues
            .entry(task_type.to_owned())
            .or_default()
            .push_back((Instant::now(), task));
        drop(state);
        self.changed();
        id
    }

    pub fn fail_next_polls(&self, errors: impl IntoIterator<Item = ConductorError>) {
        self.state().poll_failures.extend(errors);
    }

    pub fn set_polls_down(&self, down: bool) {
        self.state().polls_down = down;
    }

    pub fn fail_next_updates(&self, errors: impl IntoIterator<Item = ConductorError>) {
        self.state().update_failures.extend(errors);
    }

    pub fn set_updates_down(&self, down: bool) {
        self.state().updates_down = down;
    }

    /// Makes `get_task` fail (the whole server unreachable, with `set_updates_down`).
    pub fn set_reads_down(&self, down: bool) {
        self.state().reads_down = down;
    }

    /// Applies the next `n` updates, then answers each with a reset connection.
    pub fn lose_next_update_answers(&self, n: usize) {
        self.state().lost_answers += n;
    }

    pub fn fail_next_get_tasks(&self, errors: impl IntoIterator<Item = ConductorError>) {
        self.state().get_task_failures.extend(errors);
    }

    /// Sets a task's status on the server, as a terminate, timeout or retry would.
    pub fn set_task_status(&self, id: &str, status: TaskStatus) {
        if let Some(task) = self.state().tasks.get_mut(id) {
            task.status = status;
        }
        self.changed();
    }

    /// The server's view of a task.
    pub fn task(&self, id: &str) -> Option<Task> {
        self.state().tasks.get(id).cloned()
    }

    pub fn set_v2(&self, mode: V2Mode) {
        self.state().v2 = Some(mode);
    }

    /// Forgets a task: later updates of it get 404.
    pub fn forget_task(&self, id: &str) {
        self.state().tasks.remove(id);
    }

    pub fn define_task(&self, task_def: TaskDef) {
        self.state()
            .task_defs
            .insert(task_def.name.clone(), task_def);
    }

    pub fn polls(&self) -> Vec<PollCall> {
        self.state().polls.clone()
    }

    /// Non-heartbeat updates, in order.
    pub fn updates(&self) -> Vec<UpdateCall> {
        self.state()
            .updates
            .iter()
            .filter(|u| !u.result.extend_lease)
            .cloned()
            .collect()
    }

    /// Heartbeat updates, in order.
    pub fn heartbeats(&self) -> Vec<UpdateCall> {
        self.state()
            .updates
            .iter()
            .filter(|u| u.result.extend_lease)
            .cloned()
            .collect()
    }

    /// Accepted terminal results, per task id.
    pub fn finished(&self) -> HashMap<String, Vec<TaskResult>> {
        self.state().finished()
    }

    pub fn queued(&self, task_type: &str) -> usize {
        self.state().queues.get(task_type).map_or(0, VecDeque::len)
    }

    /// Waits until `check` holds (re-checked at every change), at most `timeout` (tokio time).
    pub async fn wait_until(&self, timeout: Duration, check: impl Fn(&State) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if check(&self.state()) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return check(&self.state());
            }
        }
    }

    fn take_tasks(&self, task_type: &str, worker_id: Option<&str>, count: usize) -> Vec<Task> {
        let mut state = self.state();
        let now = Instant::now();
        let mut taken = Vec::new();
        let Some(queue) = state.queues.get_mut(task_type) else {
            return taken;
        };
        let mut kept = VecDeque::new();
        while let Some((visible_at, task)) = queue.pop_front() {
            if taken.len() < count && visible_at <= now {
                taken.push(task);
            } else {
                kept.push_back((visible_at, task));
            }
        }
        *queue = kept;
        for task in &mut taken {
            task.status = TaskStatus::InProgress;
            task.poll_count += 1;
            task.worker_id = worker_id.map(str::to_owned);
            state.tasks.insert(task.task_id.clone(), task.clone());
        }
        taken
    }

    /// Applies an update like the server: unknown task → 404; IN_PROGRESS re-queues after the
    /// callback delay; terminal results are recorded.
    fn apply_update(&self, result: &TaskResult, v2: bool) -> Result<()> {
        let mut state = self.state();
        let at = Instant::now();
        if !result.extend_lease {
            let failure = if state.updates_down {
                Some(server_error(503))
            } else {
                state.update_failures.pop_front()
            };
            if let Some(err) = failure {
                state.updates.push(UpdateCall {
                    at,
                    result: result.clone(),
                    v2,
                    accepted: false,
                });
                drop(state);
                self.changed();
                return Err(err);
            }
        }
        let Some(task) = state.tasks.get(&result.task_id).cloned() else {
            state.updates.push(UpdateCall {
                at,
                result: result.clone(),
                v2,
                accepted: false,
            });
            drop(state);
            self.changed();
            return Err(api_error(404));
        };
        state.updates.push(UpdateCall {
            at,
            result: result.clone(),
            v2,
            accepted: true,
        });
        let answer_lost = !result.extend_lease && state.lost_answers > 0;
        if answer_lost {
            state.lost_answers -= 1;
        }
        if !result.extend_lease
            && result.status != TaskResultStatus::InProgress
            && let Some(task) = state.tasks.get_mut(&result.task_id)
        {
            task.status = TaskStatus::from_wire(result.status.as_str());
            task.output_data = result.output_data.clone();
        }
        if !result.extend_lease && result.status == TaskResultStatus::InProgress {
            let mut task = task;
            task.status = TaskStatus::Scheduled;
            task.output_data = result.output_data.clone();
            task.callback_after_seconds = result.callback_after_seconds;
            let visible_at =
                at + Duration::from_secs(u64::try_from(result.callback_after_seconds).unwrap_or(0));
            state.tasks.insert(task.task_id.clone(), task.clone());
            state
                .queues
                .entry(task.task_type.clone())
                .or_default()
                .push_back((visible_at, task));
        }
        drop(state);
        self.changed();
        if answer_lost {
            return Err(reset_error());
        }
        Ok(())
    }
}

#[async_trait]
impl TaskApi for FakeApi {
    async fn batch_poll(
        &self,
        task_type: &str,
        worker_id: Option<&str>,
        domain: Option<&str>,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Task>> {
        let at = Instant::now();
        let record = |returned: usize, failed: bool| PollCall {
            at,
            task_type: task_type.to_owned(),
            worker_id: worker_id.map(str::to_owned),
            domain: domain.map(str::to_owned),
            count,
            timeout,
            returned,
            failed,
        };
        let failure = {
            let mut state = self.state();
            if state.polls_down {
                Some(connect_error())
            } else {
                state.poll_failures.pop_front()
            }
        };
        if let Some(err) = failure {
            self.state().polls.push(record(0, true));
            self.changed();
            return Err(err);
        }
        let deadline = at + timeout;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let tasks = self.take_tasks(task_type, worker_id, count);
            if !tasks.is_empty() || Instant::now() >= deadline {
                self.state().polls.push(record(tasks.len(), false));
                self.changed();
                return Ok(tasks);
            }
            // Long poll: wait for a task to arrive (or a delayed one to become visible).
            let _ = tokio::time::timeout_at(
                deadline.min(Instant::now() + Duration::from_millis(50)),
                notified,
            )
            .await;
        }
    }

    async fn update(&self, result: &TaskResult) -> Result<()> {
        self.apply_update(result, false)
    }

    async fn update_v2(&self, result: &TaskResult) -> Result<Option<Task>> {
        match self.state().v2 {
            Some(V2Mode::NotFound) => return Err(api_error(404)),
            Some(V2Mode::MethodNotAllowed) => return Err(api_error(405)),
            _ => {}
        }
        self.apply_update(result, true)?;
        if result.status == TaskResultStatus::InProgress || result.extend_lease {
            return Ok(None);
        }
        let task_type = self
            .state()
            .tasks
            .get(&result.task_id)
            .map(|t| t.task_type.clone());
        Ok(task_type.and_then(|task_type| {
            self.take_tasks(&task_type, result.worker_id.as_deref(), 1)
                .pop()
        }))
    }

    async fn get_task(&self, task_id: &str) -> Result<Option<Task>> {
        let mut state = self.state();
        state.get_task_calls += 1;
        if let Some(err) = state.get_task_failures.pop_front() {
            return Err(err);
        }
        if state.reads_down {
            return Err(connect_error());
        }
        Ok(state.tasks.get(task_id).cloned())
    }

    async fn get_task_def(&self, name: &str) -> Result<Option<TaskDef>> {
        if self.state().polls_down {
            return Err(connect_error());
        }
        Ok(self.state().task_defs.get(name).cloned())
    }

    async fn register_task_def(&self, task_def: &TaskDef) -> Result<()> {
        let mut state = self.state();
        state.registered.push(task_def.clone());
        state
            .task_defs
            .insert(task_def.name.clone(), task_def.clone());
        drop(state);
        self.changed();
        Ok(())
    }
}
