//! Reference names of task instances: the `__N` loop suffix DO_WHILE adds to its body tasks, and
//! lookups by reference name (`TaskUtils`, `WorkflowModel.getTaskByRefName`).

use conductor_models::{Task, TaskType, Workflow};

/// Separator of the iteration suffix of loop-task reference names.
const ITERATION_SEPARATOR: &str = "__";

/// The reference name without the `__N` loop suffix (`TaskUtils.removeIterationFromTaskRefName`).
pub(crate) fn strip_iteration(reference: &str) -> &str {
    reference
        .split(ITERATION_SEPARATOR)
        .next()
        .unwrap_or(reference)
}

/// The loop suffix of a reference name: everything from the first `__` (`"t__2__1"` → `"__2__1"`).
pub(crate) fn loop_suffix(reference: &str) -> &str {
    reference
        .find(ITERATION_SEPARATOR)
        .map_or("", |at| &reference[at..])
}

/// The reference name of a task in its workflow definition: without the loop suffix for loop
/// tasks and loops (`TaskUtils.removeIterationFromTaskRefName`).
pub(crate) fn def_ref(task: &Task) -> &str {
    if task.iteration > 0 || is_type(task, &TaskType::DoWhile) {
        strip_iteration(&task.reference_task_name)
    } else {
        task.reference_task_name.as_str()
    }
}

/// Whether a task instance is of `task_type`. An instance's type is a string on the wire (a
/// worker task's type is its name), so it is compared through [`TaskType::from_wire`]; a name
/// that is no known type never equals a known one.
pub(crate) fn is_type(task: &Task, task_type: &TaskType) -> bool {
    TaskType::from_wire(&task.task_type) == *task_type
}

/// The latest attempt of the task with exactly `reference` (`WorkflowModel.getTaskByRefName`).
pub(crate) fn latest_task<'w>(wf: &'w Workflow, reference: &str) -> Option<&'w Task> {
    wf.tasks
        .iter()
        .rev()
        .find(|t| t.reference_task_name == reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_suffix_is_stripped() {
        assert_eq!(strip_iteration("t1__3"), "t1");
        assert_eq!(strip_iteration("t1"), "t1");
        assert_eq!(loop_suffix("t__2__1"), "__2__1");
        assert_eq!(loop_suffix("t"), "");
    }
}
