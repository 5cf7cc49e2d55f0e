//! The storage seam: every piece of server state, as the engine's working set in memory.
//!
//! The engine reads and writes state only through [`Store`] while holding the engine lock (the
//! shape mirrors conductor-oss's DAOs: metadata, execution, queue, poll data, rate limits, event
//! handlers). With durable storage on, the maps record what each operation wrote
//! ([`Tracked`](crate::tracked::Tracked)), and [`Store::take_changes`] hands that to the writer.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use conductor_models::{EventHandler, PollData, Task, TaskDef, TaskExecLog, Workflow, WorkflowDef};

use crate::queue::Queues;
use crate::tracked::Tracked;

/// All state of one server, in memory.
#[derive(Debug, Default)]
pub(crate) struct Store {
    /// Task definitions by name.
    pub(crate) task_defs: Tracked<BTreeMap<String, TaskDef>>,
    /// Workflow definitions by name, then version.
    pub(crate) workflow_defs: Tracked<BTreeMap<String, BTreeMap<i32, WorkflowDef>>>,
    /// Event handlers by name.
    pub(crate) event_handlers: Tracked<BTreeMap<String, EventHandler>>,
    /// Workflow executions (with their tasks) by id.
    pub(crate) workflows: Tracked<HashMap<String, Workflow>>,
    /// Creation order of workflows (sequence → id), for stable search results.
    pub(crate) workflow_order: BTreeMap<u64, String>,
    /// Sequence number of each workflow in `workflow_order`.
    pub(crate) workflow_seq: HashMap<String, u64>,
    next_workflow_seq: u64,
    /// Task id → workflow id.
    pub(crate) task_index: HashMap<String, String>,
    /// Workflows removed with archiving, by creation sequence: gone from the execution store but
    /// still in the search index, which OSS only marks `archived`.
    pub(crate) archived: BTreeMap<u64, Workflow>,
    /// Task queues.
    pub(crate) queues: Queues,
    /// Last poll per (task type, domain); written through [`Store::set_poll_data`].
    pub(crate) poll_data: BTreeMap<(String, String), PollData>,
    /// Execution logs per task id.
    pub(crate) task_logs: Tracked<HashMap<String, Vec<TaskExecLog>>>,
    /// Poll times per task definition inside the current rate-limit window. Not persisted: a
    /// window lasts seconds, and after a restart it starts empty.
    pub(crate) rate_windows: HashMap<String, VecDeque<i64>>,
    /// When each running workflow should next be decided by the sweeper (epoch milliseconds).
    /// Not persisted: derived from the tasks, and a workflow without an entry is due now.
    pub(crate) sweep_due: HashMap<String, i64>,
    /// Deadlines of timed system tasks (WAIT `waitTimeout`), by task id, in epoch milliseconds.
    pub(crate) timers: Tracked<HashMap<String, i64>>,
    /// Poll-data keys written since the last [`Store::take_changes`] (tracking on only).
    pub(crate) poll_dirty: HashSet<(String, String)>,
    /// Creation sequences of the workflows archived since the last [`Store::take_changes`].
    pub(crate) archived_dirty: Vec<u64>,
    pub(crate) tracking: bool,
    /// Script and jq evaluations handed out of the lock. Not persisted: a task whose outcome was
    /// not applied is still IN_PROGRESS, and the next decide evaluates it again.
    pub(crate) offload: crate::engine::evaluation::Offload,
}

impl Store {
    /// Inserts a new workflow execution.
    pub(crate) fn insert_workflow(&mut self, workflow: Workflow) {
        self.next_workflow_seq += 1;
        self.insert_workflow_at(self.next_workflow_seq, workflow);
    }

    /// Inserts a workflow at creation sequence `seq` (durable storage restores the sequence, so
    /// search results keep their order across restarts).
    pub(crate) fn insert_workflow_at(&mut self, seq: u64, workflow: Workflow) {
        self.next_workflow_seq = self.next_workflow_seq.max(seq);
        self.workflow_order
            .insert(seq, workflow.workflow_id.clone());
        self.workflow_seq.insert(workflow.workflow_id.clone(), seq);
        for task in &workflow.tasks {
            self.task_index
                .insert(task.task_id.clone(), workflow.workflow_id.clone());
        }
        self.workflows
            .insert(workflow.workflow_id.clone(), workflow);
    }

    /// Removes a workflow, its task index entries, logs and queue messages.
    pub(crate) fn remove_workflow(&mut self, id: &str) -> Option<Workflow> {
        let workflow = self.workflows.remove(id)?;
        if let Some(seq) = self.workflow_seq.remove(id) {
            self.workflow_order.remove(&seq);
        }
        for task in &workflow.tasks {
            self.task_index.remove(&task.task_id);
            self.task_logs.remove(&task.task_id);
            self.timers.remove(&task.task_id);
            let queue = crate::queue::queue_name(&task.task_type, task.domain.as_deref());
            self.queues.remove(&queue, &task.task_id);
        }
        self.sweep_due.remove(id);
        Some(workflow)
    }

    /// Removes a workflow like [`remove_workflow`](Self::remove_workflow), keeping it in the
    /// search index.
    pub(crate) fn archive_workflow(&mut self, id: &str) {
        let seq = self.workflow_seq.get(id).copied();
        if let (Some(seq), Some(workflow)) = (seq, self.remove_workflow(id)) {
            self.archived.insert(seq, workflow);
            if self.tracking {
                self.archived_dirty.push(seq);
            }
        }
    }

    /// Puts back a workflow that was archived before a restart.
    #[cfg_attr(
        not(feature = "sqlite"),
        allow(dead_code, reason = "used by durable storage")
    )]
    pub(crate) fn archive_restored(&mut self, seq: u64, workflow: Workflow) {
        self.next_workflow_seq = self.next_workflow_seq.max(seq);
        self.archived.insert(seq, workflow);
    }

    /// Records the last poll of `task_type` in `domain` (key: domain or `""`).
    pub(crate) fn set_poll_data(&mut self, key: (String, String), data: PollData) {
        if self.tracking {
            self.poll_dirty.insert(key.clone());
        }
        self.poll_data.insert(key, data);
    }

    /// The workflows in the search index in creation order: the live ones and, with
    /// `include_archived`, the archived ones.
    pub(crate) fn indexed_workflows(&self, include_archived: bool) -> Vec<&Workflow> {
        let mut indexed: BTreeMap<u64, &Workflow> = self
            .workflow_order
            .iter()
            .filter_map(|(seq, id)| Some((*seq, self.workflows.get(id)?)))
            .collect();
        if include_archived {
            indexed.extend(self.archived.iter().map(|(seq, wf)| (*seq, wf)));
        }
        indexed.into_values().collect()
    }

    /// The workflow that owns `task_id`.
    pub(crate) fn workflow_of_task(&self, task_id: &str) -> Option<&str> {
        self.task_index.get(task_id).map(String::as_str)
    }

    /// A task by id.
    pub(crate) fn task(&self, task_id: &str) -> Option<&Task> {
        let wf = self.workflows.get(self.task_index.get(task_id)?)?;
        wf.tasks.iter().find(|t| t.task_id == task_id)
    }

    /// Workflows in creation order.
    pub(crate) fn workflows_in_order(&self) -> impl Iterator<Item = &Workflow> {
        self.workflow_order
            .values()
            .filter_map(|id| self.workflows.get(id))
    }

    /// The latest version of a workflow definition.
    pub(crate) fn latest_workflow_def(&self, name: &str) -> Option<&WorkflowDef> {
        self.workflow_defs
            .get(name)
            .and_then(|v| v.values().next_back())
    }

    /// A workflow definition by name and optional version (latest when `None`).
    pub(crate) fn workflow_def(&self, name: &str, version: Option<i32>) -> Option<&WorkflowDef> {
        match version {
            Some(v) => self.workflow_defs.get(name).and_then(|m| m.get(&v)),
            None => self.latest_workflow_def(name),
        }
    }
}
