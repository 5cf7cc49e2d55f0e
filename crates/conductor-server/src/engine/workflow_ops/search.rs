//! The workflow and task searches (`/workflow/search*`, `/tasks/search*`) over the index: a
//! query, free text, sorting and paging.

use conductor_models::{SearchResult, Task, TaskSummary, Workflow, WorkflowSummary};
use serde_json::Value;

use crate::engine::error::{EngineError, EngineResult, Violation};
use crate::engine::executor::Exec;
use crate::engine::render::{render_task, render_workflow, task_summary, workflow_summary};
use crate::search::{Query, compare_by, free_text_matches, parse_sort};

/// Largest page a workflow search may ask for.
const MAX_SEARCH_SIZE: i64 = 5000;

/// Search parameters shared by every search endpoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchParams {
    pub(crate) start: i64,
    pub(crate) size: i64,
    pub(crate) sort: Option<String>,
    pub(crate) free_text: Option<String>,
    pub(crate) query: Option<String>,
}

fn summary_fields(wf: &Workflow) -> Value {
    let mut v = serde_json::to_value(workflow_summary(wf)).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        // Time comparisons in queries use epoch milliseconds.
        map.insert("startTime".into(), Value::from(wf.create_time.unwrap_or(0)));
        map.insert(
            "updateTime".into(),
            Value::from(wf.update_time.unwrap_or(0)),
        );
        map.insert("endTime".into(), Value::from(wf.end_time));
        map.insert(
            "createTime".into(),
            Value::from(wf.create_time.unwrap_or(0)),
        );
    }
    v
}

/// Whether `task` is in the search index: conductor-oss indexes a task when it is updated
/// (polled, updated by a worker, executed, cancelled), not when it is scheduled, so a task that
/// was never updated (`updateTime` 0) is not found by task searches.
fn is_indexed(task: &Task) -> bool {
    task.update_time != 0
}

fn task_fields(task: &Task) -> Value {
    let mut v = serde_json::to_value(render_task(task)).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert(
            "workflowId".into(),
            Value::from(task.workflow_instance_id.clone()),
        );
        map.insert(
            "taskReferenceName".into(),
            Value::from(task.reference_task_name.clone()),
        );
    }
    v
}

impl Exec<'_> {
    /// Workflows matching a search, newest first unless sorted.
    fn search_matches(
        &self,
        params: &SearchParams,
        by_tasks: bool,
        v2: bool,
    ) -> EngineResult<Vec<&Workflow>> {
        // The cap is a constraint of the workflow searches' `size` parameter (`@Max`): a 400
        // with one violation. The searches by tasks have none.
        if !by_tasks && params.size > MAX_SEARCH_SIZE {
            let method = if v2 {
                "searchWorkflowsV2"
            } else {
                "searchWorkflows"
            };
            return Err(EngineError::Validation(vec![Violation::with_value(
                format!("{method}.arg1"),
                format!(
                    "Cannot return more than {MAX_SEARCH_SIZE} workflows. Please use pagination."
                ),
                params.size,
            )]));
        }
        let query = Query::parse(params.query.as_deref().unwrap_or(""))
            .map_err(|e| EngineError::BadRequest(e.to_string()))?;
        let free_text = params.free_text.clone().unwrap_or_else(|| "*".into());
        // The summary searches read the index only, where archived workflows stay; the full
        // (v2) searches then read each hit from the execution store, where they are gone.
        let mut hits: Vec<&Workflow> = self
            .store
            .indexed_workflows(!v2)
            .into_iter()
            .filter(|wf| {
                if by_tasks {
                    wf.tasks.iter().filter(|t| is_indexed(t)).any(|t| {
                        let fields = task_fields(t);
                        query.matches(&|f: &str| fields.get(f).cloned())
                    })
                } else {
                    let fields = summary_fields(wf);
                    query.matches(&|f: &str| fields.get(f).cloned())
                }
            })
            .filter(|wf| {
                free_text == "*"
                    || free_text_matches(&free_text, &serde_json::to_string(wf).unwrap_or_default())
            })
            .collect();
        hits.reverse();
        if let Some(sort) = params.sort.as_deref().filter(|s| !s.trim().is_empty()) {
            let keys = parse_sort(sort);
            hits.sort_by(|a, b| {
                let (fa, fb) = (summary_fields(a), summary_fields(b));
                compare_by(&keys, &|f: &str| fa.get(f).cloned(), &|f: &str| {
                    fb.get(f).cloned()
                })
            });
        }
        Ok(hits)
    }

    fn page<T>(items: Vec<T>, params: &SearchParams) -> SearchResult<T> {
        let total = items.len() as i64;
        let start = usize::try_from(params.start.max(0)).unwrap_or(0);
        let size = usize::try_from(params.size.max(0)).unwrap_or(0);
        SearchResult {
            total_hits: total,
            results: items.into_iter().skip(start).take(size).collect(),
        }
    }

    /// `GET /workflow/search` and `search-by-tasks`.
    pub(crate) fn search_summaries(
        &self,
        params: &SearchParams,
        by_tasks: bool,
    ) -> EngineResult<SearchResult<WorkflowSummary>> {
        let hits = self.search_matches(params, by_tasks, false)?;
        Ok(Self::page(
            hits.into_iter().map(workflow_summary).collect(),
            params,
        ))
    }

    /// `GET /workflow/search-v2` and `search-by-tasks-v2`.
    pub(crate) fn search_workflows(
        &self,
        params: &SearchParams,
        by_tasks: bool,
    ) -> EngineResult<SearchResult<Workflow>> {
        let hits = self.search_matches(params, by_tasks, true)?;
        Ok(Self::page(
            hits.into_iter()
                .map(|wf| render_workflow(wf, false))
                .collect(),
            params,
        ))
    }

    /// `GET /tasks/search-v2`: the full tasks, so none of an archived workflow.
    pub(crate) fn search_tasks(
        &self,
        params: &SearchParams,
    ) -> EngineResult<(Vec<(Task, Workflow)>, i64)> {
        self.matching_tasks(params, false)
    }

    /// The indexed tasks matching a task search, with their workflows and the total count.
    fn matching_tasks(
        &self,
        params: &SearchParams,
        include_archived: bool,
    ) -> EngineResult<(Vec<(Task, Workflow)>, i64)> {
        let query = Query::parse(params.query.as_deref().unwrap_or(""))
            .map_err(|e| EngineError::BadRequest(e.to_string()))?;
        let free_text = params.free_text.clone().unwrap_or_else(|| "*".into());
        let mut hits: Vec<(&Task, &Workflow)> = Vec::new();
        for wf in self.store.indexed_workflows(include_archived) {
            for task in wf.tasks.iter().filter(|t| is_indexed(t)) {
                let fields = task_fields(task);
                if query.matches(&|f: &str| fields.get(f).cloned())
                    && (free_text == "*" || free_text_matches(&free_text, &fields.to_string()))
                {
                    hits.push((task, wf));
                }
            }
        }
        hits.reverse();
        if let Some(sort) = params.sort.as_deref().filter(|s| !s.trim().is_empty()) {
            let keys = parse_sort(sort);
            hits.sort_by(|a, b| {
                let (fa, fb) = (task_fields(a.0), task_fields(b.0));
                compare_by(&keys, &|f: &str| fa.get(f).cloned(), &|f: &str| {
                    fb.get(f).cloned()
                })
            });
        }
        let total = hits.len() as i64;
        let start = usize::try_from(params.start.max(0)).unwrap_or(0);
        let size = usize::try_from(params.size.max(0)).unwrap_or(0);
        Ok((
            hits.into_iter()
                .skip(start)
                .take(size)
                .map(|(t, wf)| (render_task(t), wf.clone()))
                .collect(),
            total,
        ))
    }

    /// `GET /tasks/search`: the summaries in the index, the tasks of archived workflows included.
    pub(crate) fn search_task_summaries(
        &self,
        params: &SearchParams,
    ) -> EngineResult<SearchResult<TaskSummary>> {
        let (hits, total) = self.matching_tasks(params, true)?;
        Ok(SearchResult {
            total_hits: total,
            results: hits.iter().map(|(t, wf)| task_summary(t, wf)).collect(),
        })
    }
}
