//! The task types that call out over the network: HTTP, HTTP_POLL and the LLM tasks. They are
//! queued under their type when scheduled and run by the network worker
//! ([`crate::engine::network`]) outside the engine lock.

use std::sync::Arc;

use conductor_models::{TaskStatus, TaskType};

use crate::engine::effects::{Mapped, Terminate};
use crate::engine::system_task::{MapContext, SystemTask};
use crate::engine::view::View;

/// What the network worker does for a task type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NetworkKind {
    /// One HTTP call (`HTTP`).
    Http,
    /// HTTP calls repeated until a condition holds (`HTTP_POLL`).
    HttpPoll,
    /// `LLM_TEXT_COMPLETE` / `LLM_CHAT_COMPLETE`: `/v1/chat/completions`.
    ChatCompletion,
    /// `LLM_GENERATE_EMBEDDINGS`: `/v1/embeddings`.
    Embeddings,
    /// Another AI task type: accepted in definitions, fails when run.
    UnsupportedAi,
}

/// The task types the network worker runs: HTTP, HTTP_POLL, and the LLM and AI task types of
/// the models crate (accepted in definitions). A `static`, so their names are `&'static str`.
static NETWORK_TYPES: [TaskType; 11] = [
    TaskType::Http,
    TaskType::HttpPoll,
    TaskType::LlmTextComplete,
    TaskType::LlmChatComplete,
    TaskType::LlmGenerateEmbeddings,
    TaskType::LlmIndexText,
    TaskType::LlmIndexDocument,
    TaskType::LlmSearchIndex,
    TaskType::LlmStoreEmbeddings,
    TaskType::LlmGetEmbeddings,
    TaskType::LlmSearchEmbeddings,
];

/// The network behaviour of `task_type`, if it has one.
pub(crate) fn network_kind(task_type: &str) -> Option<NetworkKind> {
    match TaskType::from_wire(task_type) {
        TaskType::Http => Some(NetworkKind::Http),
        TaskType::HttpPoll => Some(NetworkKind::HttpPoll),
        TaskType::LlmTextComplete | TaskType::LlmChatComplete => Some(NetworkKind::ChatCompletion),
        TaskType::LlmGenerateEmbeddings => Some(NetworkKind::Embeddings),
        TaskType::LlmIndexText
        | TaskType::LlmIndexDocument
        | TaskType::LlmSearchIndex
        | TaskType::LlmStoreEmbeddings
        | TaskType::LlmGetEmbeddings
        | TaskType::LlmSearchEmbeddings => Some(NetworkKind::UnsupportedAi),
        _ => None,
    }
}

/// A task type run by the network worker.
#[derive(Debug)]
struct NetworkTask(&'static str);

impl SystemTask for NetworkTask {
    fn task_type(&self) -> &'static str {
        self.0
    }

    fn is_async(&self) -> bool {
        true
    }

    fn map(&self, _: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        Ok(ctx.resolved_task(TaskStatus::Scheduled).into())
    }
}

/// Every network task type.
pub(super) fn all() -> Vec<Arc<dyn SystemTask>> {
    NETWORK_TYPES
        .iter()
        .map(|task_type| Arc::new(NetworkTask(task_type.as_str())) as Arc<dyn SystemTask>)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_network_type_has_a_kind() {
        for task_type in &NETWORK_TYPES {
            assert!(network_kind(task_type.as_str()).is_some(), "{task_type}");
        }
        assert_eq!(network_kind("HTTP"), Some(NetworkKind::Http));
        assert_eq!(network_kind("my_worker"), None);
    }
}
