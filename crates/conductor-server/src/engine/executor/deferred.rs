//! Deferred work: what an operation leaves for when the workflows involved are back in the
//! store (a parent to notify of its child's end, a message for the event handlers), run once the
//! outermost `decide` ends.
//!
//! Delivering a message runs event handlers' actions, which are engine operations of their own
//! ([`events`](crate::engine::events) depends on the executor): the executor reaches them
//! through [`Exec::deliver_event`], a function the engine sets, and does not import them.

use serde_json::Value;

use super::Exec;
use crate::engine::Deferred;

/// Upper bound on deferred items handled in one operation (guards against event loops, e.g. a
/// handler that starts a workflow publishing the same event).
const MAX_DEFERRED: usize = 10_000;

impl Exec<'_> {
    /// Queues a message for the event handlers of `queue`.
    pub(crate) fn publish_event(&mut self, queue: &str, message_id: &str, payload: Value) {
        tracing::debug!(%queue, %message_id, "event published");
        self.deferred.push_back(Deferred::Event {
            queue: queue.to_owned(),
            message_id: message_id.to_owned(),
            payload,
        });
    }

    /// Runs the deferred work: decides workflows whose children ended and delivers events.
    /// Only the outermost caller does the work (nested decides leave it to it).
    pub(crate) fn settle(&mut self) {
        if self.depth > 0 {
            return;
        }
        self.depth += 1;
        let mut postponed = Vec::new();
        let mut handled = 0;
        while let Some(item) = self.deferred.pop_front() {
            handled += 1;
            if handled > MAX_DEFERRED {
                tracing::warn!("too much deferred work in one operation; dropping the rest");
                self.deferred.clear();
                break;
            }
            match item {
                Deferred::ChildEnded { parent, child } => {
                    if self.store.workflows.contains_key(&parent) {
                        self.sync_parent_task(&parent, &child);
                        self.decide(&parent);
                    } else {
                        postponed.push(Deferred::ChildEnded { parent, child });
                    }
                }
                Deferred::Event {
                    queue,
                    message_id,
                    payload,
                } => (self.deliver_event)(self, &queue, &message_id, &payload),
            }
        }
        self.depth -= 1;
        self.deferred.extend(postponed);
    }
}
