//! Client-side checks of a workflow definition before it is sent to the server:
//! [`WorkflowDef::validate`], [`DefinitionProblem`] and [`WorkflowValidationError`].
//!
//! The server rejects some of these mistakes at registration (duplicate reference names, an empty
//! definition) with one message at a time, and accepts others that only fail once the workflow
//! runs: an expression naming a task that does not exist silently resolves to `null`, and a fork
//! not followed by a `JOIN` terminates the workflow when the fork is reached ("Fork task
//! definition is not followed by a join task"). Checking them here reports **every** problem at
//! once, with where it is, before anything is registered.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde_json::Value;

use crate::{TaskType, WorkflowDef, WorkflowTask};

/// The properties of a task in the server's expression document (`${<ref>.<property>}`): an
/// expression whose second segment is one of these refers to a task by its reference name.
const TASK_DOCUMENT_KEYS: &[&str] = &[
    "input",
    "output",
    "taskType",
    "status",
    "referenceTaskName",
    "retryCount",
    "correlationId",
    "pollCount",
    "taskDefName",
    "scheduledTime",
    "startTime",
    "endTime",
    "workflowInstanceId",
    "taskId",
    "reasonForIncompletion",
    "callbackAfterSeconds",
    "workerId",
    "iteration",
];

/// One problem found by [`WorkflowDef::validate`].
///
/// ```
/// use conductor_models::{DefinitionProblem, WorkflowDef};
///
/// let error = WorkflowDef::new("empty").validate().unwrap_err();
/// assert!(error.problems.contains(&DefinitionProblem::NoTasks));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DefinitionProblem {
    /// The definition has no name.
    EmptyWorkflowName,
    /// The definition has no tasks (the server requires at least one).
    NoTasks,
    /// A task has an empty `taskReferenceName`.
    MissingTaskReferenceName {
        /// The task's `name`.
        task_name: String,
        /// Where the task is (e.g. `tasks[2]`, `` task `fork_ref` forkTasks[0][1] ``).
        location: String,
    },
    /// Several tasks share a reference name (anywhere in the tree: fork branches, switch cases,
    /// loop bodies).
    DuplicateTaskReference {
        /// The shared reference name.
        reference: String,
        /// How many tasks use it.
        occurrences: usize,
    },
    /// An expression (`${ref.output...}`, `${ref.input...}`, `${ref.status}`...) or a
    /// `joinOn` entry names a task reference that no task of the definition has.
    UnknownTaskReference {
        /// The unknown reference name.
        reference: String,
        /// The expression (or `joinOn` entry) that uses it.
        expression: String,
        /// Where it is (e.g. `` task `greet_ref` inputParameters.name ``).
        location: String,
    },
    /// A `FORK_JOIN` / `FORK_JOIN_DYNAMIC` is not immediately followed by a `JOIN` in its task
    /// list.
    ForkWithoutJoin {
        /// The fork's reference name.
        fork: String,
        /// The reference name and type of the task that follows it instead (`None`: the fork is
        /// the last task of its list).
        next: Option<(String, TaskType)>,
    },
    /// A fork built with [`WorkflowTask::fork_join`] declared its `JOIN`, but the `JOIN` after it
    /// has another reference name.
    ForkJoinMismatch {
        /// The fork's reference name.
        fork: String,
        /// The `JOIN` reference the fork declared.
        expected_join: String,
        /// The reference of the `JOIN` that follows it.
        found_join: String,
    },
}

impl fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyWorkflowName => f.write_str("the workflow has no name"),
            Self::NoTasks => f.write_str("the workflow has no tasks"),
            Self::MissingTaskReferenceName {
                task_name,
                location,
            } => write!(
                f,
                "task `{task_name}` at {location} has no taskReferenceName"
            ),
            Self::DuplicateTaskReference {
                reference,
                occurrences,
            } => write!(
                f,
                "task reference `{reference}` is used by {occurrences} tasks"
            ),
            Self::UnknownTaskReference {
                reference,
                expression,
                location,
            } => write!(
                f,
                "`{expression}` at {location} refers to unknown task reference `{reference}`"
            ),
            Self::ForkWithoutJoin { fork, next: None } => write!(
                f,
                "fork `{fork}` is not followed by a JOIN (it is the last task of its list)"
            ),
            Self::ForkWithoutJoin {
                fork,
                next: Some((reference, task_type)),
            } => write!(
                f,
                "fork `{fork}` is not followed by a JOIN (the next task is `{reference}`, a {task_type})"
            ),
            Self::ForkJoinMismatch {
                fork,
                expected_join,
                found_join,
            } => write!(
                f,
                "fork `{fork}` declares join `{expected_join}` but is followed by JOIN `{found_join}`"
            ),
        }
    }
}

/// The problems [`WorkflowDef::validate`] found in a definition, all of them, in a stable order
/// (workflow-level problems, then missing and duplicate references, then per task in definition
/// order).
///
/// ```
/// use conductor_models::{DefinitionProblem, WorkflowDef, WorkflowTask};
/// let def = WorkflowDef::new("broken")
///     .with_task(WorkflowTask::simple("a", "a_ref").with_input_param("x", "${nope.output.y}"))
///     .with_task(WorkflowTask::simple("b", "a_ref"));
/// let error = def.validate().unwrap_err();
/// assert_eq!(error.problems.len(), 2);
/// assert!(matches!(error.problems[0], DefinitionProblem::DuplicateTaskReference { .. }));
/// assert!(error.to_string().contains("unknown task reference `nope`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowValidationError {
    /// The definition's name.
    pub workflow: String,
    /// Every problem found (never empty).
    pub problems: Vec<DefinitionProblem>,
}

impl fmt::Display for WorkflowValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "workflow definition `{}` is invalid ({} problem{})",
            self.workflow,
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" }
        )?;
        for (number, problem) in self.problems.iter().enumerate() {
            write!(f, "; {}) {problem}", number + 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for WorkflowValidationError {}

impl WorkflowDef {
    /// Checks the definition for mistakes the SDK can see before the server does, and returns
    /// them all.
    ///
    /// Checked:
    /// * a name and at least one task;
    /// * every task has a reference name, and no two tasks anywhere in the tree (fork branches,
    ///   switch cases and default case, loop bodies) share one;
    /// * every task reference used in an expression — `${ref.output...}`, `${ref.input...}`,
    ///   `${ref.status}`, `${ref['iteration']}`..., in task inputs, state-change payloads, loop
    ///   `items` and the workflow's `outputParameters` — and every `joinOn` entry names a task of
    ///   the definition (`workflow.*`, `${$.…}` paths, escaped `$${...}` and nested expressions
    ///   are left alone; `${task.*}` in state-change payloads means the task itself);
    /// * every `FORK_JOIN` / `FORK_JOIN_DYNAMIC` is directly followed by a `JOIN`, and a fork
    ///   built with [`WorkflowTask::fork_join`] by the `JOIN` it declared.
    ///
    /// Not checked: what only the server knows (registered task and sub-workflow definitions,
    /// evaluator support) and references to tasks created at runtime (dynamic-fork branches):
    /// register such a definition without this check through `MetadataClient`.
    ///
    /// # Errors
    ///
    /// [`WorkflowValidationError`] listing every [`DefinitionProblem`] found.
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    /// let greet = WorkflowTask::simple("greet", "greet_ref");
    /// let def = WorkflowDef::new("greetings")
    ///     .with_output_param("greeting", greet.output_ref("result"))
    ///     .with_task(greet);
    /// assert!(def.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<(), WorkflowValidationError> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(DefinitionProblem::EmptyWorkflowName);
        }
        if self.tasks.is_empty() {
            problems.push(DefinitionProblem::NoTasks);
        }

        let mut located = Vec::new();
        collect_located(&self.tasks, "tasks", &mut located);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut first_seen: Vec<&str> = Vec::new();
        for (task, location) in &located {
            let reference = task.task_reference_name.as_str();
            if reference.trim().is_empty() {
                problems.push(DefinitionProblem::MissingTaskReferenceName {
                    task_name: task.name.clone(),
                    location: location.clone(),
                });
                continue;
            }
            let count = counts.entry(reference).or_insert(0);
            if *count == 0 {
                first_seen.push(reference);
            }
            *count += 1;
        }
        for reference in first_seen {
            let occurrences = counts.get(reference).copied().unwrap_or(0);
            if occurrences > 1 {
                problems.push(DefinitionProblem::DuplicateTaskReference {
                    reference: reference.to_owned(),
                    occurrences,
                });
            }
        }

        let known: HashSet<&str> = counts.keys().copied().collect();
        let mut checker = ReferenceChecker {
            known: &known,
            problems: &mut problems,
        };
        check_list(&self.tasks, &mut checker);
        for (key, value) in &self.output_parameters {
            checker.check_value(value, &format!("outputParameters.{key}"), false);
        }

        if problems.is_empty() {
            Ok(())
        } else {
            Err(WorkflowValidationError {
                workflow: self.name.clone(),
                problems,
            })
        }
    }
}

/// Every task of `tasks` and below, depth first, with a readable location.
fn collect_located<'a>(
    tasks: &'a [WorkflowTask],
    prefix: &str,
    out: &mut Vec<(&'a WorkflowTask, String)>,
) {
    for (position, task) in tasks.iter().enumerate() {
        out.push((task, format!("{prefix}[{position}]")));
        let owner = format!("task `{}`", task.task_reference_name);
        for (list, name) in nested_lists(task) {
            collect_located(list, &format!("{owner} {name}"), out);
        }
    }
}

/// The nested task lists of `task` with their field names, in definition order (the lists
/// [`WorkflowTask::children`] walks).
fn nested_lists(task: &WorkflowTask) -> Vec<(&[WorkflowTask], String)> {
    match task.task_type {
        TaskType::Switch | TaskType::Decision => task
            .decision_cases
            .iter()
            .map(|(case, list)| (list.as_slice(), format!("decisionCases[{case}]")))
            .chain(std::iter::once((
                task.default_case.as_slice(),
                "defaultCase".to_owned(),
            )))
            .collect(),
        TaskType::ForkJoin => task
            .fork_tasks
            .iter()
            .enumerate()
            .map(|(branch, list)| (list.as_slice(), format!("forkTasks[{branch}]")))
            .collect(),
        TaskType::DoWhile => vec![(task.loop_over.as_slice(), "loopOver".to_owned())],
        _ => Vec::new(),
    }
}

/// Checks one task list (fork/join pairing, then each task's references) and its nested lists.
fn check_list(tasks: &[WorkflowTask], checker: &mut ReferenceChecker<'_>) {
    for (position, task) in tasks.iter().enumerate() {
        let next = tasks.get(position + 1);
        if matches!(
            task.task_type,
            TaskType::ForkJoin | TaskType::ForkJoinDynamic
        ) {
            check_fork(task, next, checker.problems);
        }
        let after_dynamic_fork = position
            .checked_sub(1)
            .and_then(|previous| tasks.get(previous))
            .is_some_and(|previous| previous.task_type == TaskType::ForkJoinDynamic);
        checker.check_task(task, after_dynamic_fork);
        for (list, _) in nested_lists(task) {
            check_list(list, checker);
        }
    }
}

fn check_fork(
    fork: &WorkflowTask,
    next: Option<&WorkflowTask>,
    problems: &mut Vec<DefinitionProblem>,
) {
    match next {
        Some(join) if join.task_type == TaskType::Join => match &fork.fork_join_ref {
            Some(expected) if *expected != join.task_reference_name => {
                problems.push(DefinitionProblem::ForkJoinMismatch {
                    fork: fork.task_reference_name.clone(),
                    expected_join: expected.clone(),
                    found_join: join.task_reference_name.clone(),
                });
            }
            _ => {}
        },
        other => problems.push(DefinitionProblem::ForkWithoutJoin {
            fork: fork.task_reference_name.clone(),
            next: other.map(|task| (task.task_reference_name.clone(), task.task_type.clone())),
        }),
    }
}

/// Reports references to task reference names that are not in `known`.
struct ReferenceChecker<'a> {
    known: &'a HashSet<&'a str>,
    problems: &'a mut Vec<DefinitionProblem>,
}

impl ReferenceChecker<'_> {
    fn check_task(&mut self, task: &WorkflowTask, after_dynamic_fork: bool) {
        let owner = format!("task `{}`", task.task_reference_name);
        for (key, value) in &task.input_parameters {
            self.check_value(value, &format!("{owner} inputParameters.{key}"), false);
        }
        for (trigger, events) in &task.on_state_change {
            for (position, event) in events.iter().enumerate() {
                for (key, value) in &event.payload {
                    let location =
                        format!("{owner} onStateChange.{trigger}[{position}].payload.{key}");
                    self.check_value(value, &location, true);
                }
            }
        }
        if let Some(items) = &task.items {
            self.check_string(items, &format!("{owner} items"), false);
        }
        // A JOIN after a dynamic fork waits for branches the server creates at run time; its
        // joinOn (usually empty) cannot be checked against the definition.
        let join_lists: Vec<(&[String], &str)> = match task.task_type {
            TaskType::Join if !after_dynamic_fork => vec![(task.join_on.as_slice(), "joinOn")],
            TaskType::ExclusiveJoin => vec![
                (task.join_on.as_slice(), "joinOn"),
                (
                    task.default_exclusive_join_task.as_slice(),
                    "defaultExclusiveJoinTask",
                ),
            ],
            _ => Vec::new(),
        };
        for (list, field) in join_lists {
            for (position, reference) in list.iter().enumerate() {
                if !self.is_known(reference) {
                    self.problems.push(DefinitionProblem::UnknownTaskReference {
                        reference: reference.clone(),
                        expression: reference.clone(),
                        location: format!("{owner} {field}[{position}]"),
                    });
                }
            }
        }
    }

    /// Checks every string inside `value` (keys are never evaluated by the server).
    fn check_value(&mut self, value: &Value, location: &str, state_change: bool) {
        match value {
            Value::String(text) => self.check_string(text, location, state_change),
            Value::Array(items) => {
                for (position, item) in items.iter().enumerate() {
                    self.check_value(item, &format!("{location}[{position}]"), state_change);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    self.check_value(item, &format!("{location}.{key}"), state_change);
                }
            }
            _ => {}
        }
    }

    fn check_string(&mut self, text: &str, location: &str, state_change: bool) {
        for expression in expressions(text) {
            let Some(reference) = task_reference_of(expression) else {
                continue;
            };
            if state_change && reference == "task" {
                continue;
            }
            if !self.is_known(reference) {
                self.problems.push(DefinitionProblem::UnknownTaskReference {
                    reference: reference.to_owned(),
                    expression: expression.to_owned(),
                    location: location.to_owned(),
                });
            }
        }
    }

    /// Whether `reference` names a task, also in its `ref__<iteration>` loop form.
    fn is_known(&self, reference: &str) -> bool {
        if self.known.contains(reference) {
            return true;
        }
        reference
            .rsplit_once("__")
            .is_some_and(|(base, iteration)| {
                !iteration.is_empty()
                    && iteration.bytes().all(|byte| byte.is_ascii_digit())
                    && self.known.contains(base)
            })
    }
}

/// Every `${...}` expression in `text` (the whole `${...}`, outer and nested ones), matched the
/// way the server's `ParametersUtils` does: balanced braces, not preceded by another `$`
/// (`$${` is an escape), unbalanced ones left alone.
fn expressions(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    collect_expressions(text, &mut found);
    found
}

fn collect_expressions<'a>(text: &'a str, found: &mut Vec<&'a str>) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(offset) = text[start..].find("${") {
        let open = start + offset;
        if open > 0 && bytes[open - 1] == b'$' {
            start = open + 2;
            continue;
        }
        let mut depth = 0usize;
        let mut close = None;
        let mut position = open;
        while position < bytes.len() {
            if bytes[position] == b'$' && bytes.get(position + 1) == Some(&b'{') {
                depth += 1;
                position += 2;
                continue;
            }
            if bytes[position] == b'}' {
                depth -= 1;
                if depth == 0 {
                    close = Some(position);
                    break;
                }
            }
            position += 1;
        }
        let Some(close) = close else {
            // Unbalanced: the server leaves the rest of the string alone.
            return;
        };
        found.push(&text[open..=close]);
        collect_expressions(&text[open + 2..close], found);
        start = close + 1;
    }
}

/// The task reference name an expression refers to, if it refers to a task: `${ref.output.x}`,
/// `${ref.status}`, `${ref['iteration']}`, `${$.ref.input}`... `None` for `workflow.*`, paths with
/// nested expressions, and anything whose second segment is not a task property (environment
/// variables, JSONPath functions...).
fn task_reference_of(expression: &str) -> Option<&str> {
    let path = expression.strip_prefix("${")?.strip_suffix('}')?.trim();
    if path.contains("${") {
        return None;
    }
    let path = path.strip_prefix("$.").unwrap_or(path);
    let root_end = path.find(['.', '['])?;
    let (root, rest) = path.split_at(root_end);
    let valid_root = !root.is_empty()
        && root
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid_root || root == "workflow" {
        return None;
    }
    let property = if let Some(rest) = rest.strip_prefix('.') {
        rest.split(['.', '[']).next().unwrap_or("")
    } else {
        let quoted = rest
            .strip_prefix("['")
            .or_else(|| rest.strip_prefix("[\""))?;
        quoted.split(['\'', '"']).next().unwrap_or("")
    };
    TASK_DOCUMENT_KEYS.contains(&property).then_some(root)
}

#[cfg(test)]
mod tests {
    use super::{expressions, task_reference_of};

    #[test]
    fn expressions_are_found_like_the_server_finds_them() {
        assert_eq!(
            expressions("a ${x.output.y} b ${workflow.input.z}"),
            vec!["${x.output.y}", "${workflow.input.z}"]
        );
        assert_eq!(expressions("$${escaped.output.y}"), Vec::<&str>::new());
        assert_eq!(expressions("${unbalanced.output"), Vec::<&str>::new());
        assert_eq!(
            expressions("${workflow.input.${t.output.key}}"),
            vec!["${workflow.input.${t.output.key}}", "${t.output.key}"]
        );
    }

    #[test]
    fn task_references_are_extracted_from_task_paths_only() {
        let cases = [
            ("${greet_ref.output.result}", Some("greet_ref")),
            ("${greet_ref.output}", Some("greet_ref")),
            ("${t1.status}", Some("t1")),
            ("${loop['iteration']}", Some("loop")),
            ("${$.t-2.input.x}", Some("t-2")),
            ("${search.output[0]}", Some("search")),
            ("${workflow.input.x}", None),
            ("${CPEWF_TASK_ID}", None),
            ("${java.version}", None),
            ("${workflow.input.${t.output.k}}", None),
            ("${}", None),
        ];
        for (expression, expected) in cases {
            assert_eq!(task_reference_of(expression), expected, "{expression}");
        }
    }
}
