//! The task types that call out over the network: HTTP, HTTP_POLL and the LLM tasks. They are
//! queued under their type when scheduled and run by the network worker
//! ([`crate::engine::network`]) outside the engine lock.

use std::sync::Arc;

use conductor_models::TaskStatus;

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

/// The LLM and AI task types of the models crate (accepted in definitions).
const AI_TYPES: [(&str, NetworkKind); 9] = [
    ("LLM_TEXT_COMPLETE", NetworkKind::ChatCompletion),
    ("LLM_CHAT_COMPLETE", NetworkKind::ChatCompletion),
    ("LLM_GENERATE_EMBEDDINGS", NetworkKind::Embeddings),
    ("LLM_INDEX_TEXT", NetworkKind::UnsupportedAi),
    ("LLM_INDEX_DOCUMENT", NetworkKind::UnsupportedAi),
    ("LLM_SEARCH_INDEX", NetworkKind::UnsupportedAi),
    ("LLM_STORE_EMBEDDINGS", NetworkKind::UnsupportedAi),
    ("LLM_GET_EMBEDDINGS", NetworkKind::UnsupportedAi),
    ("LLM_SEARCH_EMBEDDINGS", NetworkKind::UnsupportedAi),
];

/// The network behaviour of `task_type`, if it has one.
pub(crate) fn network_kind(task_type: &str) -> Option<NetworkKind> {
    match task_type {
        "HTTP" => Some(NetworkKind::Http),
        "HTTP_POLL" => Some(NetworkKind::HttpPoll),
        other => AI_TYPES
            .iter()
            .find(|(t, _)| *t == other)
            .map(|(_, kind)| *kind),
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
    let mut tasks: Vec<Arc<dyn SystemTask>> = vec![
        Arc::new(NetworkTask("HTTP")),
        Arc::new(NetworkTask("HTTP_POLL")),
    ];
    for (task_type, _) in AI_TYPES {
        tasks.push(Arc::new(NetworkTask(task_type)));
    }
    tasks
}
