//! Enum constants conductor-oss does not know, refused in request bodies as Jackson refuses
//! them: a 500 naming the Java enum and the constants it accepts.
//!
//! The models keep a value they do not know (`Unknown(raw)`, so that the SDK reads what a newer
//! server sends), which would make the server store whatever it is given. conductor-oss cannot:
//! Jackson fails the whole body. The texts are conductor-oss 3.32.3's (Jackson lists the
//! constants in its own order, not the declaration order); 3.21.14 answers the same, without
//! `start_agent`.

use conductor_models::{EventHandler, IdempotencyStrategy, TaskDef, TaskResult, WorkflowDef};

use super::ApiError;
use crate::engine::def_tree;

/// A body value whose enum constants conductor-oss's classes would check while reading it.
pub(crate) trait KnownConstants {
    /// The first constant Jackson would refuse, as its error.
    fn refused(&self) -> Option<ApiError>;
}

/// When `unknown`, the error Jackson's enum deserializer gives for `raw`.
fn check(unknown: bool, java_enum: &str, accepted: &str, raw: &str) -> Option<ApiError> {
    unknown.then(|| {
        ApiError::internal(format!(
            "JSON parse error: Cannot deserialize value of type `{java_enum}` from String \"{raw}\": not one of the values accepted for Enum class: {accepted}"
        ))
    })
}

impl KnownConstants for TaskDef {
    fn refused(&self) -> Option<ApiError> {
        check(
            self.retry_logic.is_unknown(),
            "com.netflix.conductor.common.metadata.tasks.TaskDef$RetryLogic",
            "[FIXED, EXPONENTIAL_BACKOFF, LINEAR_BACKOFF]",
            self.retry_logic.as_str(),
        )
        .or_else(|| {
            check(
                self.timeout_policy.is_unknown(),
                "com.netflix.conductor.common.metadata.tasks.TaskDef$TimeoutPolicy",
                "[RETRY, TIME_OUT_WF, ALERT_ONLY]",
                self.timeout_policy.as_str(),
            )
        })
    }
}

impl KnownConstants for IdempotencyStrategy {
    fn refused(&self) -> Option<ApiError> {
        check(
            self.is_unknown(),
            "com.netflix.conductor.common.metadata.workflow.IdempotencyStrategy",
            "[FAIL_ON_RUNNING, RETURN_EXISTING, FAIL]",
            self.as_str(),
        )
    }
}

/// The definition's own timeout policy, then, in its tasks at any depth, the embedded task
/// definitions and the sub-workflow parameters' idempotency strategies. (An inline sub-workflow
/// definition is an untyped `Object` in conductor-oss's `SubWorkflowParams`, which Jackson reads
/// without checking it.)
impl KnownConstants for WorkflowDef {
    fn refused(&self) -> Option<ApiError> {
        if let Some(refused) = check(
            self.timeout_policy.is_unknown(),
            "com.netflix.conductor.common.metadata.workflow.WorkflowDef$TimeoutPolicy",
            "[TIME_OUT_WF, ALERT_ONLY]",
            self.timeout_policy.as_str(),
        ) {
            return Some(refused);
        }
        let mut tasks = Vec::new();
        def_tree::all(&self.tasks, &mut tasks);
        tasks.into_iter().find_map(|task| {
            task.task_definition.refused().or_else(|| {
                task.sub_workflow_param
                    .as_ref()?
                    .idempotency_strategy
                    .refused()
            })
        })
    }
}

impl KnownConstants for EventHandler {
    fn refused(&self) -> Option<ApiError> {
        self.actions.iter().find_map(|action| {
            check(
                action.action.is_unknown(),
                "com.netflix.conductor.common.metadata.events.EventHandler$Action$Type",
                "[fail_task, start_agent, complete_task, start_workflow, terminate_workflow, update_workflow_variables]",
                action.action.as_str(),
            )
        })
    }
}

impl KnownConstants for TaskResult {
    fn refused(&self) -> Option<ApiError> {
        check(
            self.status.is_unknown(),
            "com.netflix.conductor.common.metadata.tasks.TaskResult$Status",
            "[CANCELED, COMPLETED, FAILED_WITH_TERMINAL_ERROR, FAILED, IN_PROGRESS]",
            self.status.as_str(),
        )
    }
}

impl<T: KnownConstants> KnownConstants for Vec<T> {
    fn refused(&self) -> Option<ApiError> {
        self.iter().find_map(KnownConstants::refused)
    }
}

impl<T: KnownConstants> KnownConstants for Option<T> {
    fn refused(&self) -> Option<ApiError> {
        self.as_ref()?.refused()
    }
}

#[cfg(test)]
mod tests {
    use conductor_models::{
        EventActionType, EventHandlerAction, RetryLogic, TaskResultStatus, TimeoutPolicy,
        WorkflowTask, WorkflowTimeoutPolicy,
    };

    use super::*;

    fn message(refused: Option<ApiError>) -> String {
        refused.expect("a refused constant").message().to_owned()
    }

    #[test]
    fn known_constants_pass_and_unknown_ones_name_the_java_enum() {
        let mut def = TaskDef::new("charge");
        assert!(def.refused().is_none());
        def.timeout_policy = TimeoutPolicy::from_wire("NOPE");
        assert_eq!(
            message(def.refused()),
            "JSON parse error: Cannot deserialize value of type `com.netflix.conductor.common.metadata.tasks.TaskDef$TimeoutPolicy` from String \"NOPE\": not one of the values accepted for Enum class: [RETRY, TIME_OUT_WF, ALERT_ONLY]"
        );
        def.retry_logic = RetryLogic::from_wire("retry");
        assert!(message(def.refused()).contains("TaskDef$RetryLogic` from String \"retry\""));
        assert!(vec![TaskDef::new("ok"), def].refused().is_some());
    }

    #[test]
    fn a_workflow_definition_is_checked_down_to_its_tasks_embedded_definitions() {
        let mut embedded = TaskDef::new("inner");
        embedded.retry_logic = RetryLogic::from_wire("SOMETIMES");
        let mut inner = WorkflowTask::simple("inner", "inner_ref");
        inner.task_definition = Some(embedded);
        let def = WorkflowDef::new("flow").with_task(WorkflowTask::do_while(
            "loop_ref",
            "false",
            vec![inner],
        ));
        assert!(message(def.refused()).contains("from String \"SOMETIMES\""));

        let mut def = WorkflowDef::new("flow").with_task(WorkflowTask::simple("a", "a_ref"));
        assert!(def.refused().is_none());
        def.timeout_policy = WorkflowTimeoutPolicy::from_wire("RETRY");
        assert!(message(def.refused()).contains(
            "WorkflowDef$TimeoutPolicy` from String \"RETRY\": not one of the values accepted for Enum class: [TIME_OUT_WF, ALERT_ONLY]"
        ));
    }

    #[test]
    fn event_actions_and_task_results_are_checked() {
        let mut handler = EventHandler::new("h", "conductor:x");
        handler.actions = vec![EventHandlerAction::terminate_workflow("${id}", "why")];
        assert!(handler.refused().is_none());
        handler.actions[0].action = EventActionType::from_wire("nope");
        assert!(
            message(handler.refused()).contains("EventHandler$Action$Type` from String \"nope\"")
        );

        let mut result = TaskResult::completed("t", "w");
        assert!(result.refused().is_none());
        result.status = TaskResultStatus::from_wire("BOGUS");
        assert!(message(result.refused()).contains("TaskResult$Status` from String \"BOGUS\""));
    }
}
