//! Workflow definitions with a `null` where conductor-oss's validators iterate: its bean
//! validation fails with a 500 (`HV000028`), where the models read the `null` as empty.
//!
//! conductor-oss's `WorkflowTask` starts its task lists empty, but an explicit `null` in the body
//! replaces them, and the constraint validators that walk a definition then dereference it: the
//! whole validation fails with Hibernate Validator's `HV000028: Unexpected exception during
//! isValid call.` (a 500), before any violation is reported. The models (and so the embedded
//! server's checks) read such a `null` as an empty list, which would make it a 400 (or nothing)
//! here. Found with conductor-oss 3.21.14 and 3.32.3, which answer alike, on registration, update,
//! validation, and a start or test run carrying the definition:
//!
//! - the definition's `tasks`, or any task in a task list, `null`;
//! - a `SWITCH` or `DECISION` whose `decisionCases`, one of its cases or `defaultCase` is `null`;
//! - a `FORK_JOIN` whose `forkTasks` or one of its branches is `null`;
//! - a `DO_WHILE` whose `loopOver` is `null`;
//!
//! at any depth; and a `WAIT` or `TERMINATE` of the definition's own list (not a nested one)
//! whose `inputParameters` is `null`. A `null` list on a task type that does not use it passes.

use serde_json::{Map, Value};

use super::ApiError;

/// The error conductor-oss answers when one of its validators meets such a `null` in this raw
/// workflow definition; `None` when none would.
pub(crate) fn refused(raw_def: &Value) -> Option<ApiError> {
    dereferences_null(raw_def)
        .then(|| ApiError::internal("HV000028: Unexpected exception during isValid call."))
}

/// Whether conductor-oss's validators would dereference a `null` in this raw definition.
fn dereferences_null(def: &Value) -> bool {
    match def.get("tasks") {
        Some(Value::Null) => true,
        Some(Value::Array(tasks)) => {
            has_null(tasks)
                || tasks
                    .iter()
                    .filter_map(Value::as_object)
                    .any(top_level_input_is_null)
        }
        _ => false,
    }
}

/// A `WAIT` or `TERMINATE` among the definition's own tasks whose validator reads
/// `inputParameters`, set to `null`.
fn top_level_input_is_null(task: &Map<String, Value>) -> bool {
    matches!(task_type(task), "WAIT" | "TERMINATE")
        && matches!(task.get("inputParameters"), Some(Value::Null))
}

/// Whether a task list holds a `null` task, or a task holding a `null` list it is walked by.
fn has_null(tasks: &[Value]) -> bool {
    tasks.iter().any(|task| match task {
        Value::Null => true,
        Value::Object(task) => task_has_null(task),
        _ => false,
    })
}

/// A list a validator walks: `null` itself, or holding one.
fn walked_list_has_null(list: Option<&Value>) -> bool {
    match list {
        Some(Value::Null) => true,
        Some(Value::Array(tasks)) => has_null(tasks),
        _ => false,
    }
}

fn task_has_null(task: &Map<String, Value>) -> bool {
    match task_type(task) {
        "SWITCH" | "DECISION" => {
            let cases = match task.get("decisionCases") {
                Some(Value::Null) => true,
                Some(Value::Object(cases)) => {
                    cases.values().any(|case| walked_list_has_null(Some(case)))
                }
                _ => false,
            };
            cases || walked_list_has_null(task.get("defaultCase"))
        }
        "FORK_JOIN" => match task.get("forkTasks") {
            Some(Value::Null) => true,
            Some(Value::Array(branches)) => branches
                .iter()
                .any(|branch| walked_list_has_null(Some(branch))),
            _ => false,
        },
        "DO_WHILE" => walked_list_has_null(task.get("loopOver")),
        _ => false,
    }
}

/// A task's type as conductor-oss reads it (`SIMPLE` when absent).
fn task_type(task: &Map<String, Value>) -> &str {
    task.get("type").and_then(Value::as_str).unwrap_or("SIMPLE")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(tasks: Value) -> Value {
        json!({"name": "x", "tasks": tasks})
    }

    #[test]
    fn nulls_the_validators_walk_are_found_at_any_depth() {
        let wait = json!({"name": "w", "taskReferenceName": "w", "type": "WAIT"});
        let switch_null = json!({"name": "s", "taskReferenceName": "s", "type": "SWITCH",
                                 "decisionCases": null});
        for tasks in [
            Value::Null,
            json!([null]),
            json!([switch_null]),
            json!([{"type": "DECISION", "decisionCases": {"a": null}}]),
            json!([{"type": "SWITCH", "decisionCases": {"a": [wait]}, "defaultCase": null}]),
            json!([{"type": "SWITCH", "decisionCases": {"a": [wait]}, "defaultCase": [null]}]),
            json!([{"type": "FORK_JOIN", "forkTasks": null}]),
            json!([{"type": "FORK_JOIN", "forkTasks": [null]}]),
            json!([{"type": "FORK_JOIN", "forkTasks": [[null]]}]),
            json!([{"type": "FORK_JOIN", "forkTasks": [[switch_null]]}]),
            json!([{"type": "DO_WHILE", "loopOver": null}]),
            json!([{"type": "DO_WHILE", "loopOver": [switch_null]}]),
            json!([{"type": "WAIT", "inputParameters": null}]),
            json!([{"type": "TERMINATE", "inputParameters": null}]),
        ] {
            assert!(refused(&def(tasks.clone())).is_some(), "{tasks}");
        }
    }

    #[test]
    fn nulls_no_validator_walks_pass() {
        let wait = json!({"name": "w", "taskReferenceName": "w", "type": "WAIT"});
        for tasks in [
            json!([]),
            json!([wait]),
            json!([{"type": "WAIT", "defaultCase": null, "forkTasks": null, "loopOver": null,
                    "decisionCases": null}]),
            json!([{"type": "FORK_JOIN", "forkTasks": [[wait]], "loopOver": null,
                    "defaultCase": null}]),
            json!([{"type": "SIMPLE", "inputParameters": null}]),
            // A nested WAIT's input is not read by the validator that reads a top-level one's.
            json!([{"type": "DO_WHILE", "loopOver": [{"type": "WAIT", "inputParameters": null}]}]),
        ] {
            assert!(refused(&def(tasks.clone())).is_none(), "{tasks}");
        }
        assert!(refused(&json!({"name": "x"})).is_none());
    }
}
