//! [`Changes`]: what engine operations wrote to the [`Store`], as durable storage writes it.
//!
//! Each map holds the new value of a key, or `None` when the key was removed, so merging a later
//! batch into an earlier one is a plain `extend` (the later write wins): the writer coalesces a
//! burst of operations into one transaction this way.

use std::collections::HashMap;

use conductor_models::{EventHandler, PollData, TaskDef, TaskExecLog, Workflow, WorkflowDef};

use crate::queue::Message;
use crate::store::Store;

/// A workflow execution as stored: its creation sequence, whether it was archived (removed but
/// still searchable) and the workflow itself.
#[derive(Debug, Clone)]
pub(crate) struct WorkflowRow {
    pub(crate) seq: u64,
    pub(crate) archived: bool,
    pub(crate) workflow: Workflow,
}

/// The state written by one or more engine operations.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub(crate) task_defs: HashMap<String, Option<TaskDef>>,
    /// Every version of a definition name (empty: the name is gone).
    pub(crate) workflow_defs: HashMap<String, Vec<WorkflowDef>>,
    pub(crate) event_handlers: HashMap<String, Option<EventHandler>>,
    pub(crate) workflows: HashMap<String, Option<WorkflowRow>>,
    /// Queue messages by (queue, task id).
    pub(crate) messages: HashMap<(String, String), Option<Message>>,
    /// Poll data by (task type, domain or `""`).
    pub(crate) poll_data: HashMap<(String, String), PollData>,
    pub(crate) task_logs: HashMap<String, Option<Vec<TaskExecLog>>>,
    pub(crate) timers: HashMap<String, Option<i64>>,
}

impl Changes {
    /// Adds the later `other` on top of these changes.
    pub(crate) fn merge(&mut self, other: Changes) {
        self.task_defs.extend(other.task_defs);
        self.workflow_defs.extend(other.workflow_defs);
        self.event_handlers.extend(other.event_handlers);
        self.workflows.extend(other.workflows);
        self.messages.extend(other.messages);
        self.poll_data.extend(other.poll_data);
        self.task_logs.extend(other.task_logs);
        self.timers.extend(other.timers);
    }

    /// How many rows these changes write or delete.
    pub(crate) fn len(&self) -> usize {
        self.task_defs.len()
            + self.workflow_defs.len()
            + self.event_handlers.len()
            + self.workflows.len()
            + self.messages.len()
            + self.poll_data.len()
            + self.task_logs.len()
            + self.timers.len()
    }
}

impl Store {
    /// Starts recording what every operation writes (for [`Store::take_changes`]).
    pub(crate) fn track(&mut self) {
        self.tracking = true;
        self.task_defs.track();
        self.workflow_defs.track();
        self.event_handlers.track();
        self.workflows.track();
        self.queues.track();
        self.task_logs.track();
        self.timers.track();
    }

    /// The state written since the last call, with the current values cloned (the writer
    /// serialises them outside the engine lock); `None` when nothing was written.
    pub(crate) fn take_changes(&mut self) -> Option<Changes> {
        let written = self.task_defs.has_dirty()
            || self.workflow_defs.has_dirty()
            || self.event_handlers.has_dirty()
            || self.workflows.has_dirty()
            || self.queues.has_dirty()
            || !self.poll_dirty.is_empty()
            || self.task_logs.has_dirty()
            || self.timers.has_dirty()
            || !self.archived_dirty.is_empty();
        if !written {
            return None;
        }
        let mut changes = Changes::default();
        for name in self.task_defs.take_dirty() {
            let def = self.task_defs.get(&name).cloned();
            changes.task_defs.insert(name, def);
        }
        for name in self.workflow_defs.take_dirty() {
            let versions = self
                .workflow_defs
                .get(&name)
                .map(|v| v.values().cloned().collect())
                .unwrap_or_default();
            changes.workflow_defs.insert(name, versions);
        }
        for name in self.event_handlers.take_dirty() {
            let handler = self.event_handlers.get(&name).cloned();
            changes.event_handlers.insert(name, handler);
        }
        for id in self.workflows.take_dirty() {
            let row = self.workflows.get(&id).map(|wf| WorkflowRow {
                seq: self.workflow_seq.get(&id).copied().unwrap_or_default(),
                archived: false,
                workflow: wf.clone(),
            });
            changes.workflows.insert(id, row);
        }
        // After the live ones: archiving removes the workflow (a delete above), then keeps it.
        for seq in std::mem::take(&mut self.archived_dirty) {
            if let Some(wf) = self.archived.get(&seq) {
                let row = WorkflowRow {
                    seq,
                    archived: true,
                    workflow: wf.clone(),
                };
                changes.workflows.insert(wf.workflow_id.clone(), Some(row));
            }
        }
        for (queue, id) in self.queues.take_dirty() {
            let message = self.queues.message(&queue, &id);
            changes.messages.insert((queue, id), message);
        }
        for key in std::mem::take(&mut self.poll_dirty) {
            if let Some(data) = self.poll_data.get(&key) {
                changes.poll_data.insert(key, data.clone());
            }
        }
        for id in self.task_logs.take_dirty() {
            let logs = self.task_logs.get(&id).cloned();
            changes.task_logs.insert(id, logs);
        }
        for id in self.timers.take_dirty() {
            let at = self.timers.get(&id).copied();
            changes.timers.insert(id, at);
        }
        Some(changes)
    }
}
