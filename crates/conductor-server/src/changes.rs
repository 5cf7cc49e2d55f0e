//! [`Changes`]: what engine operations wrote to the [`Store`], encoded as durable storage writes it.
//!
//! The store records which keys operations wrote; the writer collects them with
//! [`Store::take_changes`] under the engine lock when it commits, encoding each current value
//! straight to JSON. A workflow written by ten operations between two commits is encoded once,
//! and no operation pays for a copy of what it wrote. Each map holds the new value of a key, or
//! `None` when the key was removed, so merging a later batch into an earlier one (a failed
//! commit retried under newer changes) is a plain `extend`: the later write wins.

use std::collections::HashMap;

use serde::Serialize;

use crate::queue::Message;
use crate::store::Store;

/// The buffer a value is encoded into starts this large (a small workflow's JSON).
const ENCODE_CAPACITY: usize = 4096;

/// A workflow execution as stored: its creation sequence, whether it was archived (removed but
/// still searchable) and the workflow itself as JSON.
#[derive(Debug, Clone)]
pub(crate) struct WorkflowRow {
    pub(crate) seq: u64,
    pub(crate) archived: bool,
    pub(crate) json: String,
}

/// The state written by one or more engine operations, values encoded as JSON.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub(crate) task_defs: HashMap<String, Option<String>>,
    /// Every version of a definition name, `(version, json)` (empty: the name is gone).
    pub(crate) workflow_defs: HashMap<String, Vec<(i32, String)>>,
    pub(crate) event_handlers: HashMap<String, Option<String>>,
    pub(crate) workflows: HashMap<String, Option<WorkflowRow>>,
    /// Queue messages by (queue, task id).
    pub(crate) messages: HashMap<(String, String), Option<Message>>,
    /// Poll data by (task type, domain or `""`).
    pub(crate) poll_data: HashMap<(String, String), String>,
    pub(crate) task_logs: HashMap<String, Option<String>>,
    pub(crate) timers: HashMap<String, Option<i64>>,
    /// Values that could not be encoded, described (none in practice: every model serialises);
    /// a commit of these changes fails with them rather than leave a value out.
    pub(crate) unencodable: Vec<String>,
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
        self.unencodable.extend(other.unencodable);
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

    /// `value` as JSON; a value that does not encode is recorded in `unencodable`.
    fn encode(&mut self, what: &str, key: &str, value: &impl Serialize) -> String {
        // Room for a typical workflow up front: growing from serde_json's 128 bytes would copy
        // a workflow five times over.
        let mut json = Vec::with_capacity(ENCODE_CAPACITY);
        let encoded = serde_json::to_writer(&mut json, value)
            .map_err(|error| error.to_string())
            // serde_json writes UTF-8 only; the check cannot fail and costs little.
            .and_then(|()| String::from_utf8(json).map_err(|error| error.to_string()));
        encoded.unwrap_or_else(|error| {
            self.unencodable.push(format!("{what} '{key}': {error}"));
            String::new()
        })
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

    /// Whether an operation wrote anything a client must see durable before its answer: every
    /// change but poll data, which the writer flushes on its own schedule.
    pub(crate) fn has_changes(&self) -> bool {
        self.task_defs.has_dirty()
            || self.workflow_defs.has_dirty()
            || self.event_handlers.has_dirty()
            || self.workflows.has_dirty()
            || self.queues.has_dirty()
            || self.task_logs.has_dirty()
            || self.timers.has_dirty()
            || !self.archived_dirty.is_empty()
    }

    /// The state written since the last call, encoded (poll data only `with_poll_data`);
    /// `None` when nothing was written.
    pub(crate) fn take_changes(&mut self, with_poll_data: bool) -> Option<Changes> {
        let poll_data = with_poll_data && !self.poll_dirty.is_empty();
        if !self.has_changes() && !poll_data {
            return None;
        }
        let mut changes = Changes::default();
        for name in self.task_defs.take_dirty() {
            let json = self
                .task_defs
                .get(&name)
                .map(|def| changes.encode("task definition", &name, def));
            changes.task_defs.insert(name, json);
        }
        for name in self.workflow_defs.take_dirty() {
            let versions = self
                .workflow_defs
                .get(&name)
                .map(|versions| {
                    versions
                        .iter()
                        .map(|(v, def)| (*v, changes.encode("workflow definition", &name, def)))
                        .collect()
                })
                .unwrap_or_default();
            changes.workflow_defs.insert(name, versions);
        }
        for name in self.event_handlers.take_dirty() {
            let json = self
                .event_handlers
                .get(&name)
                .map(|handler| changes.encode("event handler", &name, handler));
            changes.event_handlers.insert(name, json);
        }
        for id in self.workflows.take_dirty() {
            let row = self.workflows.get(&id).map(|wf| WorkflowRow {
                seq: self.workflow_seq.get(&id).copied().unwrap_or_default(),
                archived: false,
                json: changes.encode("workflow", &id, wf),
            });
            changes.workflows.insert(id, row);
        }
        // After the live ones: archiving removes the workflow (a delete above), then keeps it.
        for seq in std::mem::take(&mut self.archived_dirty) {
            if let Some(wf) = self.archived.get(&seq) {
                let row = WorkflowRow {
                    seq,
                    archived: true,
                    json: changes.encode("workflow", &wf.workflow_id, wf),
                };
                changes.workflows.insert(wf.workflow_id.clone(), Some(row));
            }
        }
        for (queue, id) in self.queues.take_dirty() {
            let message = self.queues.message(&queue, &id);
            changes.messages.insert((queue, id), message);
        }
        if poll_data {
            for key in std::mem::take(&mut self.poll_dirty) {
                if let Some(data) = self.poll_data.get(&key) {
                    let json = changes.encode("poll data", &key.0, data);
                    changes.poll_data.insert(key, json);
                }
            }
        }
        for id in self.task_logs.take_dirty() {
            let json = self
                .task_logs
                .get(&id)
                .map(|logs| changes.encode("task log", &id, logs));
            changes.task_logs.insert(id, json);
        }
        for id in self.timers.take_dirty() {
            let at = self.timers.get(&id).copied();
            changes.timers.insert(id, at);
        }
        Some(changes)
    }
}
