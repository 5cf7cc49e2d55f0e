//! `WorkflowTask`: one task of a workflow definition, with the builders of the worker task and the
//! basic system tasks (`SIMPLE`, `SUB_WORKFLOW`, `HTTP`, `INLINE`, `WAIT`) and the generic setters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::absent_keys::{AbsentKeys, keeps_shape};

use crate::serde_util::null_as_default;
use crate::state_change::deserialize_on_state_change;
use crate::{
    CacheConfig, DecisionCases, JoinMode, JsonMap, StateChangeConfig, StateChangeEvent,
    SubWorkflowParams, TaskDef, TaskType,
};

/// The input key that carries a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`) from the
/// application that started a workflow to its workers: set on the workflow's input by the
/// client's `otel` feature, mapped into a task's input by
/// [`WorkflowTask::with_trace_propagation`].
pub const TRACEPARENT_INPUT_KEY: &str = "traceparent";

/// One task in a [`WorkflowDef`](crate::WorkflowDef) (`WorkflowTask` in the server).
///
/// Which fields matter depends on [`WorkflowTask::task_type`] (wire `type`, default `SIMPLE`); the
/// builders set the right ones for each type:
///
/// | kind | builders |
/// |---|---|
/// | workers and basic system tasks | [`simple`](WorkflowTask::simple), [`sub_workflow`](WorkflowTask::sub_workflow), [`http`](WorkflowTask::http), [`inline`](WorkflowTask::inline), [`wait`](WorkflowTask::wait) / [`wait_for_duration`](WorkflowTask::wait_for_duration) / [`wait_until`](WorkflowTask::wait_until) (this module) |
/// | operators | [`switch`](WorkflowTask::switch), [`switch_js`](WorkflowTask::switch_js), [`fork_join`](WorkflowTask::fork_join), [`join`](WorkflowTask::join), [`do_while`](WorkflowTask::do_while), [`dynamic`](WorkflowTask::dynamic), [`dynamic_fork`](WorkflowTask::dynamic_fork), [`set_variable`](WorkflowTask::set_variable), [`terminate`](WorkflowTask::terminate) ([`operators`](crate::operators)) |
/// | other system tasks | [`json_jq`](WorkflowTask::json_jq), [`event`](WorkflowTask::event), [`human`](WorkflowTask::human), [`start_workflow`](WorkflowTask::start_workflow), [`kafka_publish`](WorkflowTask::kafka_publish), [`http_poll`](WorkflowTask::http_poll), [`wait_for_webhook`](WorkflowTask::wait_for_webhook), [`get_document`](WorkflowTask::get_document) ([`system_tasks`](crate::system_tasks)) |
/// | AI tasks | [`llm_text_complete`](WorkflowTask::llm_text_complete), [`llm_chat_complete`](WorkflowTask::llm_chat_complete), [`llm_generate_embeddings`](WorkflowTask::llm_generate_embeddings), [`llm_index_text`](WorkflowTask::llm_index_text), [`llm_index_document`](WorkflowTask::llm_index_document), [`llm_search_index`](WorkflowTask::llm_search_index), [`llm_get_embeddings`](WorkflowTask::llm_get_embeddings) ([`llm_tasks`](crate::llm_tasks)) |
///
/// System-task builders use the reference name as the task `name` (the server requires a name;
/// for system tasks it is informational), as the Java and Python SDKs do. Refer to a task's
/// output with [`WorkflowTask::output_ref`] rather than a hand-written `${ref.output.x}`.
///
/// `decisionCases` is a [`DecisionCases`]: the cases keep the order they were added or read in, as
/// the server keeps them.
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
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(remote = "Self", rename_all = "camelCase", default)]
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
    /// `SWITCH`/`DECISION`: case value → tasks, in insertion order.
    #[serde(deserialize_with = "null_as_default")]
    pub decision_cases: DecisionCases,
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
    /// `FORK_JOIN`, SDK side only (never serialised): the reference name of the `JOIN` that must
    /// follow this fork, as declared with [`WorkflowTask::fork_join`]. The server has no such
    /// field (it only requires *a* `JOIN` right after the fork); the SDK's validation
    /// ([`WorkflowDef::validate`](crate::WorkflowDef::validate)) checks that the task after the
    /// fork is a `JOIN` with exactly this reference name. `None` after deserialisation.
    #[serde(skip)]
    pub fork_join_ref: Option<String>,
    /// Keys this task lacked when it was deserialised as part of a task or workflow (an older
    /// server's): serialising it leaves them out again while their value is the default. Empty when
    /// built in code or read on its own, which serialise in full. Never serialised; ignored by `==`.
    /// See [`AbsentKeys`].
    #[serde(skip)]
    pub absent_keys: AbsentKeys,
}

keeps_shape!(WorkflowTask, InExecution);

impl WorkflowTask {
    /// A task of `task_type` with the given name and reference name.
    ///
    /// ```
    /// use conductor_models::{TaskType, WorkflowTask};
    ///
    /// let task = WorkflowTask::new(TaskType::Simple, "greet", "greet_ref");
    /// let json = serde_json::to_value(&task)?;
    /// assert_eq!(json["type"], "SIMPLE");
    /// assert_eq!(json["taskReferenceName"], "greet_ref");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
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

    /// A worker (`SIMPLE`) task running the task definition `name`: workers polling `name` pick
    /// it up.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let json = serde_json::to_value(WorkflowTask::simple("greet", "greet_ref")).unwrap();
    /// assert_eq!(json["name"], "greet");
    /// assert_eq!(json["taskReferenceName"], "greet_ref");
    /// assert_eq!(json["type"], "SIMPLE");
    /// assert_eq!(json["inputParameters"], serde_json::json!({}));
    /// ```
    pub fn simple(name: impl Into<String>, task_reference_name: impl Into<String>) -> Self {
        Self::new(TaskType::Simple, name, task_reference_name)
    }

    /// A `SUB_WORKFLOW` task running the latest version of `workflow_name` (set a version with
    /// [`WorkflowTask::with_sub_workflow_version`]).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let task = WorkflowTask::sub_workflow("child_ref", "child_workflow").with_sub_workflow_version(2);
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "SUB_WORKFLOW");
    /// assert_eq!(json["subWorkflowParam"], serde_json::json!({"name": "child_workflow", "version": 2}));
    /// ```
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
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let json = serde_json::to_value(WorkflowTask::http("call_ref", "https://api.example.com/endpoint")).unwrap();
    /// assert_eq!(json["type"], "HTTP");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     serde_json::json!({"http_request": {"uri": "https://api.example.com/endpoint", "method": "GET"}})
    /// );
    /// ```
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

    /// An `INLINE` task evaluating `script` with the `javascript` evaluator
    /// (`inputParameters = {evaluatorType: "javascript", expression: script}`). The script sees the
    /// task's input as `$`; its value is the task output's `result`.
    ///
    /// `javascript` is the evaluator every 3.x server knows. `graaljs` (the same engine on 3.22+)
    /// is refused at run time by conductor-oss 3.21.0 to 3.21.20, which fail the workflow with
    /// "Unknown evaluator 'graaljs'"; to use it anyway, override the input parameter:
    /// `.with_input_param("evaluatorType", "graaljs")`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let task = WorkflowTask::inline("double_ref", "function e() { return $.value * 2; } e();")
    ///     .with_input_param("value", 21);
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "INLINE");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     serde_json::json!({
    ///         "evaluatorType": "javascript",
    ///         "expression": "function e() { return $.value * 2; } e();",
    ///         "value": 21
    ///     })
    /// );
    /// ```
    pub fn inline(task_reference_name: impl Into<String>, script: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        Self::new(TaskType::Inline, reference.clone(), reference)
            .with_input_param("evaluatorType", "javascript")
            .with_input_param("expression", script.into())
    }

    /// A `WAIT` task that waits for an external update or signal.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let json = serde_json::to_value(WorkflowTask::wait("wait_ref")).unwrap();
    /// assert_eq!(json["type"], "WAIT");
    /// assert_eq!(json["inputParameters"], serde_json::json!({}));
    /// ```
    pub fn wait(task_reference_name: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        Self::new(TaskType::Wait, reference.clone(), reference)
    }

    /// A `WAIT` task that waits for `duration` (server syntax: `"30s"`, `"1h 5m"`, `"2d"`...).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let json = serde_json::to_value(WorkflowTask::wait_for_duration("nap_ref", "30s")).unwrap();
    /// assert_eq!(json["type"], "WAIT");
    /// assert_eq!(json["inputParameters"], serde_json::json!({"duration": "30s"}));
    /// ```
    pub fn wait_for_duration(
        task_reference_name: impl Into<String>,
        duration: impl Into<String>,
    ) -> Self {
        Self::wait(task_reference_name).with_input_param("duration", duration.into())
    }

    /// A `WAIT` task that waits until a date-time (`"2030-01-01 10:00"`, `"2030-01-01 10:00 GMT+02:00"`...).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let json = serde_json::to_value(WorkflowTask::wait_until("until_ref", "2030-01-01 10:00")).unwrap();
    /// assert_eq!(json["inputParameters"], serde_json::json!({"until": "2030-01-01 10:00"}));
    /// ```
    pub fn wait_until(task_reference_name: impl Into<String>, until: impl Into<String>) -> Self {
        Self::wait(task_reference_name).with_input_param("until", until.into())
    }

    /// Sets one input parameter (`value`: anything convertible to JSON, e.g. `"${workflow.input.x}"`,
    /// numbers, `json!`).
    ///
    /// ```
    /// use conductor_models::{Expr, WorkflowTask};
    ///
    /// let task = WorkflowTask::simple("greet", "greet_ref")
    ///     .with_input_param("name", Expr::workflow_input("name"))
    ///     .with_input_param("times", 3);
    /// let json = serde_json::to_value(&task)?;
    /// assert_eq!(json["inputParameters"], serde_json::json!({"name": "${workflow.input.name}", "times": 3}));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_input_param(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.input_parameters.insert(key.into(), value.into());
        self
    }

    /// Passes the workflow's W3C trace context on to this task: maps the workflow input's
    /// [`TRACEPARENT_INPUT_KEY`] (`traceparent`) into the task's input, where a worker built with
    /// the SDK's `otel` feature finds it and continues that trace. A workflow started without
    /// one gives the task no `traceparent` (the expression resolves to nothing), and the worker
    /// falls back to the trace derived from the workflow id.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::simple("charge", "charge_ref").with_trace_propagation();
    /// assert_eq!(
    ///     task.input_parameters["traceparent"],
    ///     serde_json::json!("${workflow.input.traceparent}")
    /// );
    /// ```
    #[must_use]
    pub fn with_trace_propagation(self) -> Self {
        self.with_input_param(
            TRACEPARENT_INPUT_KEY,
            format!("${{workflow.input.{TRACEPARENT_INPUT_KEY}}}"),
        )
    }

    /// Replaces all input parameters.
    ///
    /// ```
    /// use conductor_models::{JsonMap, WorkflowTask};
    ///
    /// let mut input = JsonMap::new();
    /// input.insert("name".to_owned(), "${workflow.input.name}".into());
    /// let task = WorkflowTask::simple("greet", "greet_ref").with_input_parameters(input.clone());
    /// assert_eq!(task.input_parameters, input);
    /// ```
    #[must_use]
    pub fn with_input_parameters(mut self, input_parameters: JsonMap) -> Self {
        self.input_parameters = input_parameters;
        self
    }

    /// Sets the description.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::simple("greet", "greet_ref").with_description("Says hello");
    /// assert_eq!(task.description.as_deref(), Some("Says hello"));
    /// ```
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets `optional`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// // The workflow continues even if this task fails.
    /// let task = WorkflowTask::simple("send_survey", "survey_ref").with_optional(true);
    /// assert_eq!(serde_json::to_value(&task)?["optional"], true);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_optional(mut self, optional: bool) -> Self {
        self.optional = optional;
        self
    }

    /// Sets `asyncComplete`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// // Completed later by an external system (TaskClient::update_task), not by a worker's return.
    /// let task = WorkflowTask::simple("await_payment", "payment_ref").with_async_complete(true);
    /// assert_eq!(serde_json::to_value(&task)?["asyncComplete"], true);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_async_complete(mut self, async_complete: bool) -> Self {
        self.async_complete = async_complete;
        self
    }

    /// Sets `permissive`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::simple("enrich", "enrich_ref").with_permissive(true);
    /// assert!(task.permissive);
    /// ```
    #[must_use]
    pub fn with_permissive(mut self, permissive: bool) -> Self {
        self.permissive = permissive;
        self
    }

    /// Overrides the task definition's retry count.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::simple("charge", "charge_ref").with_retry_count(0); // never retry here
    /// assert_eq!(task.retry_count, Some(0));
    /// ```
    #[must_use]
    pub fn with_retry_count(mut self, retry_count: i32) -> Self {
        self.retry_count = Some(retry_count);
        self
    }

    /// Sets `startDelay` (seconds).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::simple("reminder", "reminder_ref").with_start_delay(3600);
    /// assert_eq!(serde_json::to_value(&task)?["startDelay"], 3600);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_start_delay(mut self, seconds: i32) -> Self {
        self.start_delay = seconds;
        self
    }

    /// Embeds a task definition.
    ///
    /// ```
    /// use conductor_models::{RetryLogic, TaskDef, WorkflowTask};
    ///
    /// let task = WorkflowTask::simple("charge", "charge_ref")
    ///     .with_task_definition(TaskDef::new("charge").with_retry(2, RetryLogic::Fixed, 10));
    /// assert_eq!(task.task_definition.map(|def| def.retry_count), Some(2));
    /// ```
    #[must_use]
    pub fn with_task_definition(mut self, task_definition: TaskDef) -> Self {
        self.task_definition = Some(task_definition);
        self
    }

    /// Sets the output cache.
    ///
    /// ```
    /// use conductor_models::{CacheConfig, WorkflowTask};
    ///
    /// // Reuse the output for an hour for the same country.
    /// let task = WorkflowTask::simple("fx_rates", "fx_ref")
    ///     .with_cache(CacheConfig::new("fx-${workflow.input.country}", 3600));
    /// assert_eq!(task.cache_config.map(|cache| cache.ttl_in_second), Some(3600));
    /// ```
    #[must_use]
    pub fn with_cache(mut self, cache_config: CacheConfig) -> Self {
        self.cache_config = Some(cache_config);
        self
    }

    /// Adds state-change events (merged into `onStateChange`, grouped by trigger).
    ///
    /// ```
    /// use conductor_models::{StateChangeConfig, StateChangeEvent, StateChangeEventType, WorkflowTask};
    ///
    /// let task = WorkflowTask::simple("charge", "charge_ref").with_state_change(
    ///     StateChangeConfig::new().with_event(StateChangeEvent::new(StateChangeEventType::OnFailed).with_type("alerts")),
    /// );
    /// let json = serde_json::to_value(&task)?;
    /// assert_eq!(json["onStateChange"]["onFailed"][0]["type"], "alerts");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
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
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::simple("ship_order", "ship_ref").with_sub_workflow_version(2);
    /// assert_eq!(serde_json::to_value(&task)?["subWorkflowParam"]["version"], 2);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_sub_workflow_version(mut self, version: i32) -> Self {
        self.sub_workflow_param
            .get_or_insert_with(SubWorkflowParams::default)
            .version = Some(version);
        self
    }

    /// `SUB_WORKFLOW`: replaces the sub-workflow parameters.
    ///
    /// ```
    /// use conductor_models::{SubWorkflowParams, WorkflowTask};
    ///
    /// let task = WorkflowTask::simple("ship_order", "ship_ref")
    ///     .with_sub_workflow_param(SubWorkflowParams::new("ship_order").with_version(3));
    /// let json = serde_json::to_value(&task)?;
    /// assert_eq!(json["subWorkflowParam"]["name"], "ship_order");
    /// assert_eq!(json["subWorkflowParam"]["version"], 3);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_sub_workflow_param(mut self, params: SubWorkflowParams) -> Self {
        self.sub_workflow_param = Some(params);
        self
    }

    /// `HTTP` / `HTTP_POLL`: sets `http_request.method` (`GET`, `POST`, ...).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::http("notify_ref", "https://hooks.example.com/orders").with_method("POST");
    /// assert_eq!(task.input_parameters["http_request"]["method"], "POST");
    /// ```
    #[must_use]
    pub fn with_method(self, method: impl Into<String>) -> Self {
        let method = serde_json::Value::String(method.into());
        self.update_http_request(|request| {
            request.insert("method".to_owned(), method);
        })
    }

    /// `HTTP` / `HTTP_POLL`: adds a header to `http_request.headers`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::http("notify_ref", "https://hooks.example.com/orders")
    ///     .with_header("Content-Type", "application/json");
    /// assert_eq!(task.input_parameters["http_request"]["headers"]["Content-Type"], "application/json");
    /// ```
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

    /// `HTTP` / `HTTP_POLL`: sets `http_request.body` (any JSON).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::http("notify_ref", "https://hooks.example.com/orders")
    ///     .with_method("POST")
    ///     .with_body(serde_json::json!({"orderId": "${workflow.input.orderId}"}));
    /// assert_eq!(task.input_parameters["http_request"]["body"]["orderId"], "${workflow.input.orderId}");
    /// ```
    #[must_use]
    pub fn with_body(self, body: impl Into<serde_json::Value>) -> Self {
        let body = body.into();
        self.update_http_request(|request| {
            request.insert("body".to_owned(), body);
        })
    }

    /// Edits the `inputParameters.http_request` object in place, creating it (or replacing a
    /// non-object value) first.
    pub(crate) fn update_http_request(self, edit: impl FnOnce(&mut JsonMap)) -> Self {
        self.update_input_object("http_request", edit)
    }

    /// Edits the object input parameter `key` in place, creating it (or replacing a non-object
    /// value) first.
    pub(crate) fn update_input_object(
        mut self,
        key: &str,
        edit: impl FnOnce(&mut JsonMap),
    ) -> Self {
        let slot = self
            .input_parameters
            .entry(key)
            .or_insert(serde_json::Value::Null);
        let mut object = match std::mem::take(slot) {
            serde_json::Value::Object(map) => map,
            _ => JsonMap::new(),
        };
        edit(&mut object);
        *slot = serde_json::Value::Object(object);
        self
    }

    /// The nested task lists the server walks for this task's type (`WorkflowTask.children()`):
    /// the decision cases then the default case for `SWITCH`/`DECISION`, the branches for `FORK_JOIN`,
    /// the loop body for `DO_WHILE`; nothing for other types.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let fork = WorkflowTask::fork_join(
    ///     "fork_ref",
    ///     vec![vec![WorkflowTask::simple("a", "a_ref")], vec![WorkflowTask::simple("b", "b_ref")]],
    ///     "join_ref",
    /// );
    /// assert_eq!(fork.children().len(), 2); // one list per branch
    /// assert!(WorkflowTask::simple("a", "a_ref").children().is_empty());
    /// ```
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
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let switch = WorkflowTask::switch("route_ref", "${workflow.input.kind}")
    ///     .with_case("express", vec![WorkflowTask::simple("ship_fast", "fast_ref")])
    ///     .with_default_case(vec![WorkflowTask::simple("ship_slow", "slow_ref")]);
    /// let refs: Vec<&str> = switch.all_tasks().iter().map(|task| task.task_reference_name.as_str()).collect();
    /// assert_eq!(refs, ["route_ref", "fast_ref", "slow_ref"]);
    /// ```
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
