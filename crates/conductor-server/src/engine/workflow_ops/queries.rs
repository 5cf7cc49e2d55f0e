//! Workflow reads and lookups: a workflow, its status and tasks, the running and correlated
//! executions, and the task a signal completes.

use conductor_models::{SearchResult, Task, TaskType, Workflow, WorkflowStatusSummary};

use crate::engine::error::{EngineError, EngineResult};
use crate::engine::executor::Exec;
use crate::engine::refs::is_type;
use crate::engine::render::render_workflow;
use crate::engine::tasks::is_blocking_wait;

impl Exec<'_> {
    /// A workflow, rendered.
    pub(crate) fn get_workflow(&self, id: &str, include_tasks: bool) -> EngineResult<Workflow> {
        self.workflow(id)
            .map(|wf| render_workflow(wf, include_tasks))
    }

    /// The status summary.
    pub(crate) fn workflow_status(
        &self,
        id: &str,
        include_output: bool,
        include_variables: bool,
    ) -> EngineResult<WorkflowStatusSummary> {
        let wf = self.workflow(id)?;
        Ok(WorkflowStatusSummary {
            workflow_id: wf.workflow_id.clone(),
            correlation_id: wf.correlation_id.clone().filter(|c| !c.is_empty()),
            output: include_output.then(|| wf.output.clone()),
            variables: include_variables.then(|| wf.variables.clone()),
            status: wf.status.clone(),
        })
    }

    /// A page of a workflow's tasks, optionally filtered by status.
    pub(crate) fn workflow_tasks(
        &self,
        id: &str,
        start: i32,
        count: i32,
        statuses: &[String],
    ) -> EngineResult<SearchResult<Task>> {
        let wf = render_workflow(self.workflow(id)?, true);
        let filtered: Vec<Task> = wf
            .tasks
            .into_iter()
            .filter(|t| {
                statuses.is_empty()
                    || statuses
                        .iter()
                        .any(|s| s.eq_ignore_ascii_case(t.status.as_str()))
            })
            .collect();
        let total = filtered.len() as i64;
        let page = java_page(filtered, start, count)?;
        Ok(SearchResult {
            total_hits: total,
            results: page,
        })
    }

    /// `GET /workflow/running/{name}`. Without a time window: the ids of every running (or
    /// paused) execution of the name, whatever its version, as OSS's SQL stores answer
    /// `getRunningWorkflowIds` (they ignore the version). With a window: the executions of the
    /// name and version created within it (bounds included), whatever their status
    /// (`WorkflowExecutorOps.getWorkflows`).
    pub(crate) fn running_ids(
        &self,
        name: &str,
        version: i32,
        window: Option<(i64, i64)>,
    ) -> Vec<String> {
        self.store
            .workflows_in_order()
            .filter(|wf| {
                let Some(def) = wf.workflow_definition.as_ref().filter(|d| d.name == name) else {
                    return false;
                };
                match window {
                    None => !wf.status.is_terminal(),
                    Some((from, to)) => {
                        let t = wf.create_time.unwrap_or(0);
                        def.version == version && t >= from && t <= to
                    }
                }
            })
            .map(|wf| wf.workflow_id.clone())
            .collect()
    }

    /// Workflows of a name with a correlation id.
    pub(crate) fn correlated(
        &self,
        name: &str,
        correlation_id: &str,
        include_closed: bool,
        include_tasks: bool,
    ) -> Vec<Workflow> {
        self.store
            .workflows_in_order()
            .filter(|wf| wf.correlation_id.as_deref() == Some(correlation_id))
            .filter(|wf| {
                wf.workflow_definition
                    .as_ref()
                    .is_some_and(|d| d.name == name)
            })
            .filter(|wf| include_closed || !wf.status.is_terminal())
            .map(|wf| render_workflow(wf, include_tasks))
            .collect()
    }

    /// The task a signal completes: the first pending WAIT without a deadline of the workflow,
    /// else of its running sub-workflows (depth first); as `(workflow id, reference name)`.
    pub(crate) fn blocking_task(&self, id: &str) -> Option<(String, String)> {
        let wf = self.store.workflows.get(id)?;
        if let Some(task) = wf.tasks.iter().find(|t| is_blocking_wait(t)) {
            return Some((id.to_owned(), task.reference_task_name.clone()));
        }
        wf.tasks
            .iter()
            .filter(|t| is_type(t, &TaskType::SubWorkflow) && !t.status.is_terminal())
            .filter_map(|t| t.sub_workflow_id.as_deref())
            .find_map(|child| self.blocking_task(child))
    }
}

/// A page of `items` as conductor-oss cuts it (`subList(start, min(start + count, size))` on Java
/// `int`s, after an empty page for a start at or past the end): a negative start is Java's 500,
/// a page that would end before it starts Java's 400 (an `IllegalArgumentException`).
fn java_page<T>(items: Vec<T>, start: i32, count: i32) -> EngineResult<Vec<T>> {
    let size = i32::try_from(items.len()).unwrap_or(i32::MAX);
    if start >= size {
        return Ok(Vec::new());
    }
    if start < 0 {
        return Err(EngineError::Internal(format!("fromIndex = {start}")));
    }
    let end = start.wrapping_add(count).min(size);
    if end < start {
        return Err(EngineError::BadRequest(format!(
            "fromIndex({start}) > toIndex({end})"
        )));
    }
    // Both are within 0..=size here.
    let (start, end) = (start.unsigned_abs() as usize, end.unsigned_abs() as usize);
    Ok(items.into_iter().take(end).skip(start).collect())
}
