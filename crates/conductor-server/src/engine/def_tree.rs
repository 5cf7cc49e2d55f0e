//! Navigation over a workflow definition's task tree: finding a task by reference name and the
//! task that follows it (`WorkflowDef.getNextTask` / `WorkflowTask.next` in conductor-oss), across
//! SWITCH/DECISION cases, FORK branches and DO_WHILE bodies.

use conductor_models::{TaskType, WorkflowTask};

/// The nested task lists of a workflow task (cases, branches, loop body).
pub(crate) fn children(task: &WorkflowTask) -> Vec<&[WorkflowTask]> {
    match task.task_type {
        TaskType::Decision | TaskType::Switch => {
            let mut lists: Vec<&[WorkflowTask]> =
                task.decision_cases.values().map(Vec::as_slice).collect();
            lists.push(task.default_case.as_slice());
            lists
        }
        TaskType::DoWhile => vec![task.loop_over.as_slice()],
        TaskType::ForkJoin => task.fork_tasks.iter().map(Vec::as_slice).collect(),
        _ => Vec::new(),
    }
}

/// The workflow task whose mapping maps `reference` too, in the same decide: the FORK_JOIN
/// whose branch, or the SWITCH / DECISION whose case, starts with it (a DO_WHILE schedules its
/// body once it is in the workflow, so not with itself).
pub(crate) fn mapped_with<'a>(
    tasks: &'a [WorkflowTask],
    reference: &str,
) -> Option<&'a WorkflowTask> {
    let mut every = Vec::new();
    all(tasks, &mut every);
    every.into_iter().find(|task| {
        task.task_type != TaskType::DoWhile
            && children(task).iter().any(|list| {
                list.first()
                    .is_some_and(|first| first.task_reference_name == reference)
            })
    })
}

/// Whether `task` is `reference` or contains it.
pub(crate) fn has(task: &WorkflowTask, reference: &str) -> bool {
    task.task_reference_name == reference
        || children(task)
            .iter()
            .any(|list| list.iter().any(|t| has(t, reference)))
}

/// Finds the workflow task with `reference` anywhere in `tasks`.
pub(crate) fn find<'a>(tasks: &'a [WorkflowTask], reference: &str) -> Option<&'a WorkflowTask> {
    for task in tasks {
        if task.task_reference_name == reference {
            return Some(task);
        }
        for list in children(task) {
            if let Some(found) = find(list, reference) {
                return Some(found);
            }
        }
    }
    None
}

/// The reference name of the innermost DO_WHILE whose body contains `reference`.
pub(crate) fn enclosing_loop<'a>(tasks: &'a [WorkflowTask], reference: &str) -> Option<&'a str> {
    for task in tasks {
        if task.task_reference_name == reference {
            return None;
        }
        for list in children(task) {
            if list.iter().any(|t| has(t, reference)) {
                let inner = enclosing_loop(list, reference);
                if inner.is_some() {
                    return inner;
                }
                if task.task_type == TaskType::DoWhile {
                    return Some(task.task_reference_name.as_str());
                }
                return None;
            }
        }
    }
    None
}

/// Every workflow task of the tree, depth first.
pub(crate) fn all<'a>(tasks: &'a [WorkflowTask], out: &mut Vec<&'a WorkflowTask>) {
    for task in tasks {
        out.push(task);
        for list in children(task) {
            all(list, out);
        }
    }
}

/// The task to schedule after `reference` completes (`WorkflowDef.getNextTask`).
pub(crate) fn next_task<'a>(
    tasks: &'a [WorkflowTask],
    reference: &str,
) -> Option<&'a WorkflowTask> {
    if find(tasks, reference).is_some_and(|t| t.task_type == TaskType::Terminate) {
        return None;
    }
    let mut iter = tasks.iter();
    for task in iter.by_ref() {
        if task.task_reference_name == reference {
            break;
        }
        if let Some(next) = next_within(task, reference, None) {
            return Some(next);
        }
        if task.task_type == TaskType::DoWhile && has(task, reference) {
            return None;
        }
        if has(task, reference) {
            break;
        }
    }
    iter.next()
}

/// `WorkflowTask.next(ref, parent)`.
fn next_within<'a>(
    this: &'a WorkflowTask,
    reference: &str,
    parent: Option<&'a WorkflowTask>,
) -> Option<&'a WorkflowTask> {
    match this.task_type {
        TaskType::DoWhile | TaskType::Decision | TaskType::Switch => {
            for list in children(this) {
                let mut iter = list.iter();
                let mut stopped = false;
                for task in iter.by_ref() {
                    if task.task_reference_name == reference {
                        stopped = true;
                        break;
                    }
                    if let Some(next) = next_within(task, reference, Some(this)) {
                        return Some(next);
                    }
                    if has(task, reference) {
                        stopped = true;
                        break;
                    }
                }
                if stopped && let Some(next) = iter.next() {
                    return Some(next);
                }
            }
            if this.task_type == TaskType::DoWhile && has(this, reference) {
                return Some(this);
            }
            None
        }
        TaskType::ForkJoin => {
            let mut found = false;
            for list in children(this) {
                let mut iter = list.iter();
                let mut stopped = false;
                for task in iter.by_ref() {
                    if task.task_reference_name == reference {
                        found = true;
                        stopped = true;
                        break;
                    }
                    if let Some(next) = next_within(task, reference, Some(this)) {
                        return Some(next);
                    }
                    if has(task, reference) {
                        stopped = true;
                        break;
                    }
                }
                if stopped && let Some(next) = iter.next() {
                    return Some(next);
                }
                if found && let Some(parent) = parent {
                    return next_within(parent, &this.task_reference_name, None);
                }
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple(r: &str) -> WorkflowTask {
        WorkflowTask::simple(r, r)
    }

    #[test]
    fn linear_next() {
        let tasks = vec![simple("a"), simple("b"), simple("c")];
        assert_eq!(
            next_task(&tasks, "a").map(|t| t.task_reference_name.as_str()),
            Some("b")
        );
        assert_eq!(
            next_task(&tasks, "b").map(|t| t.task_reference_name.as_str()),
            Some("c")
        );
        assert!(next_task(&tasks, "c").is_none());
        assert!(find(&tasks, "c").is_some());
        assert!(find(&tasks, "zz").is_none());
    }

    #[test]
    fn mapped_with_is_the_fork_or_switch_a_branch_or_case_opens_with() {
        let mut sw = WorkflowTask::new(TaskType::Switch, "sw", "sw");
        sw.decision_cases
            .insert("x".into(), vec![simple("x1"), simple("x2")]);
        let mut fork = WorkflowTask::new(TaskType::ForkJoin, "fk", "fk");
        fork.fork_tasks = vec![vec![simple("p0")], vec![sw]];
        let mut lp = WorkflowTask::new(TaskType::DoWhile, "lp", "lp");
        lp.loop_over = vec![simple("body")];
        let tasks = vec![fork, lp];
        let parent = |r: &str| mapped_with(&tasks, r).map(|t| t.task_reference_name.clone());
        assert_eq!(parent("x1").as_deref(), Some("sw"));
        assert_eq!(parent("sw").as_deref(), Some("fk"));
        assert_eq!(parent("p0").as_deref(), Some("fk"));
        // Scheduled after what opens the case, or by the loop once it runs.
        assert_eq!(parent("x2"), None);
        assert_eq!(parent("body"), None);
        assert_eq!(parent("fk"), None);
    }

    #[test]
    fn switch_case_end_continues_after_switch() {
        let mut sw = WorkflowTask::new(TaskType::Switch, "sw", "sw");
        sw.decision_cases
            .insert("x".into(), vec![simple("x1"), simple("x2")]);
        sw.default_case = vec![simple("d1")];
        let tasks = vec![simple("a"), sw, simple("z")];
        let next = |r: &str| next_task(&tasks, r).map(|t| t.task_reference_name.clone());
        assert_eq!(next("x1").as_deref(), Some("x2"));
        assert_eq!(next("x2").as_deref(), Some("z"));
        assert_eq!(next("d1").as_deref(), Some("z"));
        assert_eq!(next("sw").as_deref(), Some("z"));
    }

    #[test]
    fn enclosing_loop_is_the_innermost() {
        let mut inner = WorkflowTask::new(TaskType::DoWhile, "inner", "inner");
        inner.loop_over = vec![simple("i1")];
        let mut outer = WorkflowTask::new(TaskType::DoWhile, "outer", "outer");
        outer.loop_over = vec![simple("o1"), inner];
        let tasks = vec![simple("a"), outer];
        assert_eq!(enclosing_loop(&tasks, "i1"), Some("inner"));
        assert_eq!(enclosing_loop(&tasks, "inner"), Some("outer"));
        assert_eq!(enclosing_loop(&tasks, "o1"), Some("outer"));
        assert_eq!(enclosing_loop(&tasks, "outer"), None);
        assert_eq!(enclosing_loop(&tasks, "a"), None);
    }

    #[test]
    fn loop_body_end_returns_the_loop_itself() {
        let mut lp = WorkflowTask::new(TaskType::DoWhile, "lp", "lp");
        lp.loop_over = vec![simple("l1"), simple("l2")];
        let tasks = vec![lp, simple("after")];
        let next = |r: &str| next_task(&tasks, r).map(|t| t.task_reference_name.clone());
        assert_eq!(next("l1").as_deref(), Some("l2"));
        // The decider then drops it because the DO_WHILE already exists in the workflow.
        assert_eq!(next("l2").as_deref(), Some("lp"));
        assert_eq!(next("lp").as_deref(), Some("after"));
    }
}
