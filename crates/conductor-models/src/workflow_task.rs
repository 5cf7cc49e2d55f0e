//! `WorkflowTask`: one task of a workflow definition, with builders for the common task types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::serde_util::null_as_default;
use crate::state_change::deserialize_on_state_change;
use crate::{
    CacheConfig, JoinMode, JsonMap, StateChangeConfig, StateChangeEvent, SubWorkflowParams,
    TaskDef, TaskType,
};

/// One task in a [`WorkflowDef`](crate::WorkflowDef) (`WorkflowTask` in the server).
///
/// Which fields matter depends on [`WorkflowTask::task_type`] (wire `type`, default `SIMPLE`); see the
/// builders: [`WorkflowTask::simple`], [`WorkflowTask::sub_workflow`], [`WorkflowTask::http`],
/// [`WorkflowTask::inline`], [`WorkflowTask::wait`]. System-task builders use the reference name as
/// the task `name` (the server requires a name; for system tasks it is informational), as the Java
/// and Python SDKs do.
///
/// `decisionCases` is a `BTreeMap`, so its keys are re-emitted sorted; case lookup on the server is by
/// key, so the order has no effect on execution.
///
/// ```
/// use conductor_models::WorkflowTask;
/// use serde_json::json;
/// let task = WorkflowTask::http("get_user", "https://api.example.com/users/${workflow.input.id}")
///     .with_header("Accept", "application/json");
/// let json = serde_json::to_value(&task).unwrap();
/// assert_eq!(json["type"], "HTTP");
/// assert_eq!(json["inputParameters"]["http_request"]["method"], "GET");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkflowTask {
    /// Task name: the task definition / worker type for `SIMPLE` tasks. Required.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Reference name, unique within the workflow. Required.
    #[serde(deserialize_with = "null_as_default")]
    pub task_reference_name: String,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Input mapping; values may contain `${workflow.input.x}`, `${ref.output.y}`...
    #[serde(deserialize_with = "null_as_default")]
    pub input_parameters: JsonMap,
    /// Task type (wire `type`, default `SIMPLE`).
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    pub task_type: TaskType,
    /// `DYNAMIC`: name of the input parameter holding the task name to run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic_task_name_param: Option<String>,
    /// `DECISION` (deprecated): input parameter holding the case value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_value_param: Option<String>,
    /// `DECISION` (deprecated): expression producing the case value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_expression: Option<String>,
    /// Script expression (LAMBDA era; rarely used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_expression: Option<String>,
    /// `SWITCH`/`DECISION`: case value → tasks.
    #[serde(deserialize_with = "null_as_default")]
    pub decision_cases: BTreeMap<String, Vec<WorkflowTask>>,
    /// `FORK_JOIN_DYNAMIC` (deprecated form): input parameter holding the dynamic tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic_fork_join_tasks_param: Option<String>,
    /// `FORK_JOIN_DYNAMIC`: input parameter holding the `WorkflowTask[]` to fork.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic_fork_tasks_param: Option<String>,
    /// `FORK_JOIN_DYNAMIC`: input parameter holding `{ref: input}` for the forked tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic_fork_tasks_input_param_name: Option<String>,
    /// `SWITCH`/`DECISION`: tasks run when no case matches.
    #[serde(deserialize_with = "null_as_default")]
    pub default_case: Vec<WorkflowTask>,
    /// `FORK_JOIN`: the parallel branches, each a list of tasks.
    #[serde(deserialize_with = "null_as_default")]
    pub fork_tasks: Vec<Vec<WorkflowTask>>,
    /// Seconds to wait before the task becomes pollable.
    #[serde(deserialize_with = "null_as_default")]
    pub start_delay: i32,
    /// `SUB_WORKFLOW`: what to run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_workflow_param: Option<SubWorkflowParams>,
    /// `JOIN`/`EXCLUSIVE_JOIN`: reference names of the tasks to wait for.
    #[serde(deserialize_with = "null_as_default")]
    pub join_on: Vec<String>,
    /// `EVENT`: where to publish (`conductor`, `sqs:queue`, `kafka:topic`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sink: Option<String>,
    /// A failure of this task does not fail the workflow (it ends `COMPLETED_WITH_ERRORS`).
    #[serde(deserialize_with = "null_as_default")]
    pub optional: bool,
    /// Inline task definition (the server embeds the registered one in executions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<TaskDef>,
    /// Whether the task is rate limited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limited: Option<bool>,
    /// `EXCLUSIVE_JOIN`: tasks to wait for when no decision branch ran.
    #[serde(deserialize_with = "null_as_default")]
    pub default_exclusive_join_task: Vec<String>,
    /// The task stays `IN_PROGRESS` until completed by an external update.
    #[serde(deserialize_with = "null_as_default")]
    pub async_complete: bool,
    /// `DO_WHILE`: condition (JavaScript) evaluated after each iteration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_condition: Option<String>,
    /// `DO_WHILE`: the loop body.
    #[serde(deserialize_with = "null_as_default")]
    pub loop_over: Vec<WorkflowTask>,
    /// `DO_WHILE`: expression producing a list to iterate over (server v3.22+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
    /// Overrides the task definition's `retryCount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_count: Option<i32>,
    /// `SWITCH`: evaluator (`value-param`, `javascript`, `graaljs`, `python`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluator_type: Option<String>,
    /// `SWITCH`: the expression to evaluate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Events published on state changes: trigger (`onStart`, ...) → events. Stored but not acted
    /// upon by OSS; Orkes publishes them. See [`StateChangeConfig`].
    #[serde(deserialize_with = "deserialize_on_state_change")]
    pub on_state_change: BTreeMap<String, Vec<StateChangeEvent>>,
    /// Join status (carried, unused by OSS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_status: Option<String>,
    /// Output caching.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_config: Option<CacheConfig>,
    /// A failure does not fail the workflow immediately: the `JOIN` waits for all branches first.
    #[serde(deserialize_with = "null_as_default")]
    pub permissive: bool,
    /// `JOIN`: evaluation mode (server v3.22.3+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_mode: Option<JoinMode>,
    /// Free-form (editor) metadata (server v3.32.0+).
    #[serde(deserialize_with = "null_as_default")]
    pub metadata: JsonMap,
}

impl WorkflowTask {
    /// A task of `task_type` with the given name and reference name.
    pub fn new(
        task_type: TaskType,
        name: impl Into<String>,
        task_reference_name: impl Into<String>,
    ) -> Self {
        WorkflowTask {
            name: name.into(),
            task_reference_name: task_reference_name.into(),
            task_type,
            ..WorkflowTask::default()
        }
    }

    /// A worker (`SIMPLE`) task running the task definition `name`.
    pub fn simple(name: impl Into<String>, task_reference_name: impl Into<String>) -> Self {
        Self::new(TaskType::Simple, name, task_reference_name)
    }

    /// A `SUB_WORKFLOW` task running the latest version of `workflow_name` (set a version with
    /// [`WorkflowTask::with_sub_workflow_version`]).
    pub fn sub_workflow(
        task_reference_name: impl Into<String>,
        workflow_name: impl Into<String>,
    ) -> Self {
        let reference = task_reference_name.into();
        WorkflowTask {
            sub_workflow_param: Some(SubWorkflowParams::new(workflow_name)),
            ..Self::new(TaskType::SubWorkflow, reference.clone(), reference)
        }
    }

    /// An `HTTP` task calling `uri` with `GET` (`inputParameters.http_request = {uri, method}`); change
    /// it with [`WorkflowTask::with_method`], [`WorkflowTask::with_header`], [`WorkflowTask::with_body`].
    pub fn http(task_reference_name: impl Into<String>, uri: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        let mut request = JsonMap::new();
        request.insert("uri".to_owned(), serde_json::Value::String(uri.into()));
        request.insert(
            "method".to_owned(),
            serde_json::Value::String("GET".to_owned()),
        );
        Self::new(TaskType::Http, reference.clone(), reference)
            .with_input_param("http_request", serde_json::Value::Object(request))
    }

    /// An `INLINE` task evaluating `script` with the `graaljs` evaluator
    /// (`inputParameters = {evaluatorType: "graaljs", expression: script}`).
    pub fn inline(task_reference_name: impl Into<String>, script: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        Self::new(TaskType::Inline, reference.clone(), reference)
            .with_input_param("evaluatorType", "graaljs")
            .with_input_param("expression", script.into())
    }

    /// A `WAIT` task that waits for an external update or signal.
    pub fn wait(task_reference_name: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        Self::new(TaskType::Wait, reference.clone(), reference)
    }

    /// A `WAIT` task that waits for `duration` (server syntax: `"30s"`, `"1h 5m"`, `"2d"`...).
    pub fn wait_for_duration(
        task_reference_name: impl Into<String>,
        duration: impl Into<String>,
    ) -> Self {
        Self::wait(task_reference_name).with_input_param("duration", duration.into())
    }

    /// A `WAIT` task that waits until a date-time (`"2030-01-01 10:00"`, `"2030-01-01 10:00 GMT+02:00"`...).
    pub fn wait_until(task_reference_name: impl Into<String>, until: impl Into<String>) -> Self {
        Self::wait(task_reference_name).with_input_param("until", until.into())
    }

    /// Sets one input parameter (`value`: anything convertible to JSON, e.g. `"${workflow.input.x}"`,
    /// numbers, `json!`).
    #[must_use]
    pub fn with_input_param(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.input_parameters.insert(key.into(), value.into());
        self
    }

    /// Replaces all input parameters.
    #[must_use]
    pub fn with_input_parameters(mut self, input_parameters: JsonMap) -> Self {
        self.input_parameters = input_parameters;
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets `optional`.
    #[must_use]
    pub fn with_optional(mut self, optional: bool) -> Self {
        self.optional = optional;
        self
    }

    /// Sets `asyncComplete`.
    #[must_use]
    pub fn with_async_complete(mut self, async_complete: bool) -> Self {
        self.async_complete = async_complete;
        self
    }

    /// Sets `permissive`.
    #[must_use]
    pub fn with_permissive(mut self, permissive: bool) -> Self {
        self.permissive = permissive;
        self
    }

    /// Overrides the task definition's retry count.
    #[must_use]
    pub fn with_retry_count(mut self, retry_count: i32) -> Self {
        self.retry_count = Some(retry_count);
        self
    }

    /// Sets `startDelay` (seconds).
    #[must_use]
    pub fn with_start_delay(mut self, seconds: i32) -> Self {
        self.start_delay = seconds;
        self
    }

    /// Embeds a task definition.
    #[must_use]
    pub fn with_task_definition(mut self, task_definition: TaskDef) -> Self {
        self.task_definition = Some(task_definition);
        self
    }

    /// Sets the output cache.
    #[must_use]
    pub fn with_cache(mut self, cache_config: CacheConfig) -> Self {
        self.cache_config = Some(cache_config);
        self
    }

    /// Adds state-change events (merged into `onStateChange`, grouped by trigger).
    #[must_use]
    pub fn with_state_change(mut self, config: StateChangeConfig) -> Self {
        for (trigger, events) in config.into_wire() {
            self.on_state_change
                .entry(trigger)
                .or_default()
                .extend(events);
        }
        self
    }

    /// `SUB_WORKFLOW`: sets the version to run (creates `subWorkflowParam` if missing).
    #[must_use]
    pub fn with_sub_workflow_version(mut self, version: i32) -> Self {
        self.sub_workflow_param
            .get_or_insert_with(SubWorkflowParams::default)
            .version = Some(version);
        self
    }

    /// `SUB_WORKFLOW`: replaces the sub-workflow parameters.
    #[must_use]
    pub fn with_sub_workflow_param(mut self, params: SubWorkflowParams) -> Self {
        self.sub_workflow_param = Some(params);
        self
    }

    /// `HTTP`: sets `http_request.method` (`GET`, `POST`, ...).
    #[must_use]
    pub fn with_method(self, method: impl Into<String>) -> Self {
        let method = serde_json::Value::String(method.into());
        self.update_http_request(|request| {
            request.insert("method".to_owned(), method);
        })
    }

    /// `HTTP`: adds a header to `http_request.headers`.
    #[must_use]
    pub fn with_header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), serde_json::Value::String(value.into()));
        self.update_http_request(|request| {
            let headers = request.entry("headers").or_insert(serde_json::Value::Null);
            let mut map = match std::mem::take(headers) {
                serde_json::Value::Object(map) => map,
                _ => JsonMap::new(),
            };
            map.insert(name, value);
            *headers = serde_json::Value::Object(map);
        })
    }

    /// `HTTP`: sets `http_request.body` (any JSON).
    #[must_use]
    pub fn with_body(self, body: impl Into<serde_json::Value>) -> Self {
        let body = body.into();
        self.update_http_request(|request| {
            request.insert("body".to_owned(), body);
        })
    }

    /// Edits the `inputParameters.http_request` object in place, creating it (or replacing a
    /// non-object value) first.
    fn update_http_request(mut self, edit: impl FnOnce(&mut JsonMap)) -> Self {
        let slot = self
            .input_parameters
            .entry("http_request")
            .or_insert(serde_json::Value::Null);
        let mut request = match std::mem::take(slot) {
            serde_json::Value::Object(map) => map,
            _ => JsonMap::new(),
        };
        edit(&mut request);
        *slot = serde_json::Value::Object(request);
        self
    }

    /// The nested task lists the server walks for this task's type (`WorkflowTask.children()`):
    /// the decision cases then the default case for `SWITCH`/`DECISION`, the branches for `FORK_JOIN`,
    /// the loop body for `DO_WHILE`; nothing for other types.
    pub fn children(&self) -> Vec<&[WorkflowTask]> {
        match self.task_type {
            TaskType::Switch | TaskType::Decision => self
                .decision_cases
                .values()
                .map(Vec::as_slice)
                .chain(std::iter::once(self.default_case.as_slice()))
                .collect(),
            TaskType::ForkJoin => self.fork_tasks.iter().map(Vec::as_slice).collect(),
            TaskType::DoWhile => vec![self.loop_over.as_slice()],
            _ => Vec::new(),
        }
    }

    /// This task and every task nested in it, depth first, walking [`WorkflowTask::children`] like
    /// the server's `collectTasks()` does.
    pub fn all_tasks(&self) -> Vec<&WorkflowTask> {
        let mut out = vec![self];
        for list in self.children() {
            for task in list {
                out.extend(task.all_tasks());
            }
        }
        out
    }
}
