//! The workflow engine: state behind one lock, the decider, the sweeper and long polls.
//!
//! Every operation locks the [`Store`](crate::store::Store), runs synchronously through an
//! [`Exec`](executor::Exec) and releases the lock before waking long-polling workers of the queues it
//! touched. Nothing here sleeps: time comes from the [`Clock`]. Script and jq evaluations run
//! after the lock is released, on blocking threads ([`offload`]).
//!
//! The modules form layers; each imports only the ones below it:
//!
//! - the operations behind the API ([`workflow_ops`], [`task_ops`], [`metadata`], [`network`]), as
//!   methods of `Exec`;
//! - the [`executor`]: the decider, scheduling, retries, timeouts, termination and queueing, and the
//!   one place (`Exec::apply_effects`) that applies what system tasks ask for; with [`events`], the
//!   deferred work (parents of ended children, published events) it runs when an operation ends;
//! - the system tasks ([`system_task`], [`tasks`]): they map and execute on a read-only
//!   [`view::View`] and return [`effects::Effect`]s, so each can be tested on a plain store;
//! - shared pure helpers: [`view`], [`effects`], [`start`], [`refs`], [`input`], [`task_defs`],
//!   [`def_tree`], [`render`], [`script`], [`jq`].

pub(crate) mod def_tree;
pub(crate) mod effects;
pub mod error;
pub(crate) mod evaluation;
pub(crate) mod events;
pub(crate) mod executor;
pub(crate) mod input;
pub(crate) mod jq;
pub(crate) mod metadata;
pub(crate) mod network;
pub(crate) mod offload;
pub(crate) mod refs;
pub(crate) mod render;
pub(crate) mod script;
pub(crate) mod start;
pub(crate) mod system_task;
pub(crate) mod task_defs;
pub(crate) mod task_ops;
pub(crate) mod tasks;
pub(crate) mod view;
pub(crate) mod workflow_ops;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use conductor_models::Task;
use tokio::sync::Notify;

use crate::clock::{Clock, millis_duration};
use crate::queue::queue_name;
use crate::store::Store;
use evaluation::Evaluation;
use executor::Exec;
use offload::Background;
use system_task::SystemTaskRegistry;

/// An OpenAI-compatible endpoint for the LLM tasks.
#[derive(Debug, Clone)]
pub(crate) struct LlmSettings {
    /// Base URL, without the `/v1/...` path (e.g. `https://api.openai.com`).
    pub(crate) base_url: String,
    /// Bearer token, if the endpoint needs one.
    pub(crate) api_key: Option<String>,
    /// Model used when a task names none.
    pub(crate) default_model: String,
}

/// Server-wide settings of the engine.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    /// Limits of every JavaScript evaluation.
    pub(crate) script: script::ScriptLimits,
    /// The LLM endpoint; `None` makes LLM tasks fail with "no AI integration configured".
    pub(crate) llm: Option<LlmSettings>,
}

/// Work an operation leaves for when the workflows involved are back in the store.
#[derive(Debug, Clone)]
pub(crate) enum Deferred {
    /// A child workflow ended: its parent's SUB_WORKFLOW task takes the outcome at once, whatever
    /// the parent's state (`WorkflowExecutorOps.updateParentWorkflowTask`, also when the parent is
    /// PAUSED), then the parent is decided.
    ChildEnded {
        /// The parent workflow.
        parent: String,
        /// The child that ended.
        child: String,
    },
    /// A message published on an event queue, for the event handlers.
    Event {
        /// The queue (`conductor:<workflow>:<name>`).
        queue: String,
        /// Message id (the publishing task's id).
        message_id: String,
        /// The message.
        payload: serde_json::Value,
    },
}

/// The engine shared by the HTTP handlers, the sweeper and the `DevServer` handle.
#[derive(Debug)]
pub(crate) struct Engine {
    /// Shared with the database writer, which collects the operations' writes from it.
    store: Arc<Mutex<Store>>,
    clock: Arc<dyn Clock>,
    registry: SystemTaskRegistry,
    settings: Settings,
    waiters: Mutex<HashMap<String, Arc<Notify>>>,
    changed: Notify,
    /// The durable copy of the store, when the server runs on a database file.
    #[cfg(feature = "sqlite")]
    writer: Option<crate::sqlite::writer::Writer>,
    /// The engine itself, for the background tasks it spawns (set by [`Engine::into_shared`]).
    me: Weak<Engine>,
    /// Evaluations and network calls running in the background.
    background: Background,
}

impl Engine {
    /// An empty engine reading time from `clock`.
    pub(crate) fn new(clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self {
            store: Arc::new(Mutex::new(Store::default())),
            clock,
            registry: SystemTaskRegistry::of(tasks::all()),
            settings,
            waiters: Mutex::new(HashMap::new()),
            changed: Notify::new(),
            #[cfg(feature = "sqlite")]
            writer: None,
            me: Weak::new(),
            background: Background::default(),
        }
    }

    /// The engine, shared: it can then run evaluations and network calls in the background.
    pub(crate) fn into_shared(mut self) -> Arc<Self> {
        Arc::new_cyclic(|me| {
            self.me = me.clone();
            self
        })
    }

    /// The engine's background tasks (evaluations, network calls).
    pub(crate) fn background(&self) -> &Background {
        &self.background
    }

    /// An engine over `store` (loaded from a database) whose every change `writer` persists.
    #[cfg(feature = "sqlite")]
    pub(crate) fn with_storage(
        clock: Arc<dyn Clock>,
        settings: Settings,
        store: Arc<Mutex<Store>>,
        writer: crate::sqlite::writer::Writer,
    ) -> Self {
        let mut engine = Self::new(clock, settings);
        engine.store = store;
        engine.writer = Some(writer);
        engine
    }

    /// Waits until every change submitted so far is durable: the HTTP layer calls it before
    /// answering, so whatever a response reflects survives a crash. `Err` carries the storage
    /// failure. Immediate without a database.
    pub(crate) async fn durable(&self) -> Result<(), String> {
        #[cfg(feature = "sqlite")]
        if let Some(writer) = &self.writer {
            return writer.wait_durable(writer.submitted()).await;
        }
        Ok(())
    }

    /// Writes what is pending and closes the database (no-op without one).
    pub(crate) async fn close_storage(&self) {
        #[cfg(feature = "sqlite")]
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
    }

    /// The engine's settings.
    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The task types run by the network worker.
    pub(crate) fn network_types(&self) -> Vec<&'static str> {
        self.registry.async_types()
    }

    /// The engine's clock.
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Runs `op` atomically against the state, then wakes pollers of the queues it fed. Script
    /// and jq evaluations it triggers run in the background: requests, which must answer after
    /// them, use [`Engine::run`].
    pub(crate) fn with<R>(&self, op: impl FnOnce(&mut Exec<'_>) -> R) -> R {
        let (result, evaluations) = self.locked(op);
        self.dispatch(evaluations, None);
        result
    }

    /// Runs `op` atomically against the state, then wakes pollers of the queues it fed; returns
    /// the evaluations it asked for, to run now that the lock is released.
    fn locked<R>(&self, op: impl FnOnce(&mut Exec<'_>) -> R) -> (R, Vec<Evaluation>) {
        let now = self.clock.now_millis();
        let (result, touched, evaluations) = {
            let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
            let mut exec = Exec {
                store: &mut store,
                now,
                registry: &self.registry,
                settings: &self.settings,
                touched_queues: Vec::new(),
                deferred: std::collections::VecDeque::new(),
                depth: 0,
                retry_jitter_ms: std::collections::HashMap::new(),
                deliver_event: |exec, queue, id, payload| exec.deliver(queue, id, payload),
            };
            let result = op(&mut exec);
            exec.settle();
            let evaluations = exec.take_evaluations();
            let touched = exec.touched_queues;
            // Still under the lock: batch numbers follow the order of operations, and the writer
            // collects the writes marked up to a number under this same lock.
            #[cfg(feature = "sqlite")]
            if let Some(writer) = &self.writer
                && store.has_changes()
            {
                writer.submit();
            }
            (result, touched, evaluations)
        };
        self.wake(&touched);
        self.changed.notify_waiters();
        (result, evaluations)
    }

    /// Runs a read-only `op` against the state: like [`Engine::with`], but wakes nobody.
    ///
    /// Waiters on [`Engine::changed`] re-read the state after every wake-up; if those reads
    /// notified again, a waiter would wake itself forever (a busy loop that starves a
    /// current-thread runtime), so reads must go through here.
    pub(crate) fn read<R>(&self, op: impl FnOnce(&mut Exec<'_>) -> R) -> R {
        let now = self.clock.now_millis();
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        let mut exec = Exec {
            store: &mut store,
            now,
            registry: &self.registry,
            settings: &self.settings,
            touched_queues: Vec::new(),
            deferred: std::collections::VecDeque::new(),
            depth: 0,
            retry_jitter_ms: std::collections::HashMap::new(),
            deliver_event: |exec, queue, id, payload| exec.deliver(queue, id, payload),
        };
        let result = op(&mut exec);
        // A read decides nothing, so it asks for no evaluation; were it to, it must not be lost.
        let evaluations = exec.take_evaluations();
        drop(store);
        self.dispatch(evaluations, None);
        result
    }

    /// A future completing at the next state change (any engine operation).
    pub(crate) fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    fn waiter(&self, queue: &str) -> Arc<Notify> {
        let mut waiters = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        waiters
            .entry(queue.to_owned())
            .or_insert_with(|| Arc::new(Notify::new()))
            .clone()
    }

    fn wake(&self, queues: &[String]) {
        if queues.is_empty() {
            return;
        }
        let waiters = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        for queue in queues {
            if let Some(notify) = waiters.get(queue) {
                notify.notify_waiters();
            }
        }
    }

    /// Wakes every long poll (after the clock jumped, delayed messages may be visible now).
    pub(crate) fn wake_all(&self) {
        let waiters = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        for notify in waiters.values() {
            notify.notify_waiters();
        }
    }

    /// Polls up to `count` tasks, waiting up to `timeout` for the first one to arrive.
    pub(crate) async fn poll_wait(
        &self,
        task_type: &str,
        worker_id: Option<&str>,
        domain: Option<&str>,
        count: usize,
        timeout: Duration,
    ) -> Vec<Task> {
        let deadline = tokio::time::Instant::now() + timeout;
        let queue = queue_name(task_type, domain);
        let notify = self.waiter(&queue);
        loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = tokio::time::Instant::now();
            let (tasks, next_visible) = self.with(|exec| {
                let tasks = exec.take_tasks(task_type, worker_id, domain, count);
                if !tasks.is_empty() || count == 0 || now >= deadline {
                    // OSS records the poll once the (long) poll ends.
                    exec.record_poll(task_type, domain, worker_id);
                    return (Some(tasks), None);
                }
                let next_visible = exec
                    .store
                    .queues
                    .next_visible_at(&queue)
                    .map(|at| at - exec.now);
                (None, next_visible)
            });
            if let Some(tasks) = tasks {
                return tasks;
            }
            // Wake up when a message is pushed, when a delayed one should become visible, or at
            // the deadline, whichever comes first.
            let mut wake_at = deadline;
            if let Some(in_ms) = next_visible {
                wake_at = wake_at.min(now + millis_duration(in_ms.max(1)));
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(wake_at) => {}
            }
        }
    }

    /// Runs the sweeper once: decides the running workflows that are due (every running workflow
    /// when `all`), and repairs missing queue messages. Returns how many workflows were decided.
    /// The evaluations it triggers run in the background.
    pub(crate) fn sweep(&self, all: bool) -> usize {
        self.with(|exec| Self::sweep_op(exec, all))
    }

    /// [`Engine::sweep`], evaluating what it triggers on the calling thread before returning.
    pub(crate) fn sweep_settled(&self, all: bool) -> usize {
        self.with_settled(|exec| Self::sweep_op(exec, all))
    }

    fn sweep_op(exec: &mut Exec<'_>, all: bool) -> usize {
        let mut due: Vec<String> = exec
            .store
            .workflows
            .values()
            .filter(|wf| !wf.status.is_terminal())
            .filter(|wf| {
                all || exec
                    .store
                    .sweep_due
                    .get(&wf.workflow_id)
                    .is_none_or(|at| *at <= exec.now)
            })
            .map(|wf| wf.workflow_id.clone())
            .collect();
        due.sort();
        for id in &due {
            exec.repair_queues(id);
            exec.decide(id);
        }
        due.len()
    }
}
