//! The system tasks and operators of conductor-oss (conductor-engine.md §2), one file per family.

mod do_while;
mod event;
mod fork_join;
mod network;
mod operators;
mod scripting;
mod sub_workflow;
mod switch;
#[cfg(test)]
mod tests;
mod wait;

use std::sync::Arc;

use super::system_task::SystemTask;

pub(crate) use network::{NetworkKind, network_kind};
pub(crate) use sub_workflow::child_outcome;
pub(crate) use wait::{is_blocking_wait, parse_duration, parse_until, webhook_matches};

/// Every system task implementation this server has.
pub(crate) fn all() -> Vec<Arc<dyn SystemTask>> {
    let mut tasks: Vec<Arc<dyn SystemTask>> = vec![
        Arc::new(operators::Noop),
        Arc::new(operators::SetVariable),
        Arc::new(operators::TerminateTask),
        Arc::new(operators::Dynamic),
        Arc::new(fork_join::ForkJoin),
        Arc::new(fork_join::ForkJoinDynamic),
        Arc::new(fork_join::Join),
        Arc::new(fork_join::ExclusiveJoin),
        Arc::new(switch::Switch),
        Arc::new(switch::Decision),
        Arc::new(do_while::DoWhile),
        Arc::new(sub_workflow::SubWorkflow),
        Arc::new(sub_workflow::StartWorkflow),
        Arc::new(scripting::Inline),
        Arc::new(scripting::Lambda),
        Arc::new(scripting::JsonJqTransform),
        Arc::new(wait::Wait),
        Arc::new(wait::Human),
        Arc::new(wait::WaitForWebhook),
        Arc::new(event::Event),
    ];
    tasks.extend(network::all());
    tasks
}
