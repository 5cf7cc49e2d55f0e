//! System tasks: task types the server executes itself, plugged into the decider through the
//! [`SystemTask`] trait and looked up by type in a [`SystemTaskRegistry`].
//!
//! The decider knows nothing about individual operators: it asks the registry to *map* a workflow
//! task to task instances when scheduling (`TaskMapper`), *starts* and *executes* sync ones in the
//! same decide (`WorkflowSystemTask.start/execute`), leaves async ones to the sweeper, and
//! *cancels* open ones when the workflow ends. This issue ships the synchronous operators that need
//! no script engine (NOOP, SET_VARIABLE, TERMINATE); FORK/JOIN, SWITCH, DO_WHILE, SUB_WORKFLOW,
//! WAIT, HTTP, INLINE, EVENT... plug in the same way.

use std::collections::HashMap;
use std::sync::Arc;

use conductor_models::{JsonMap, Task, TaskDef, TaskStatus, Workflow, WorkflowTask};
use serde_json::{Value, json};

use super::executor::{Terminate, base_task, resolve_task_input};

/// What a mapper sees when a workflow task is scheduled.
#[derive(Debug)]
pub(crate) struct MapContext<'a> {
    pub(crate) workflow: &'a Workflow,
    pub(crate) workflow_task: &'a WorkflowTask,
    pub(crate) task_def: Option<&'a TaskDef>,
    pub(crate) retry_count: i32,
    pub(crate) retried_task_id: Option<&'a str>,
    pub(crate) task_id: String,
    pub(crate) now: i64,
}

/// A task type executed by the server.
pub(crate) trait SystemTask: Send + Sync + std::fmt::Debug {
    /// The `type` string this implementation handles.
    fn task_type(&self) -> &'static str;

    /// `true` when executed by the sweeper (system-task worker) rather than inline in the decide.
    fn is_async(&self) -> bool {
        false
    }

    /// Creates the task instance(s) for a workflow task being scheduled.
    fn map(&self, ctx: &MapContext<'_>) -> Result<Vec<Task>, Terminate> {
        let mut task = base_task(ctx);
        task.input_data = resolve_task_input(
            ctx.workflow,
            &ctx.workflow_task.input_parameters,
            ctx.task_def,
            Some(&ctx.task_id),
        );
        task.status = TaskStatus::InProgress;
        Ok(vec![task])
    }

    /// Called once when the task is added to the workflow.
    fn start(
        &self,
        _workflow: &mut Workflow,
        _task: &mut Task,
        _now: i64,
    ) -> Result<(), Terminate> {
        Ok(())
    }

    /// Runs the task; returns whether its state changed.
    fn execute(
        &self,
        workflow: &mut Workflow,
        task: &mut Task,
        now: i64,
    ) -> Result<bool, Terminate>;

    /// Called when the workflow ends while the task is still open.
    fn cancel(&self, _workflow: &mut Workflow, _task: &mut Task, _now: i64) {}
}

/// The system tasks known to a server, by type.
#[derive(Debug, Clone)]
pub(crate) struct SystemTaskRegistry {
    tasks: HashMap<&'static str, Arc<dyn SystemTask>>,
}

impl Default for SystemTaskRegistry {
    fn default() -> Self {
        let mut registry = Self {
            tasks: HashMap::new(),
        };
        registry.register(Arc::new(Noop));
        registry.register(Arc::new(SetVariable));
        registry.register(Arc::new(TerminateTask));
        registry
    }
}

impl SystemTaskRegistry {
    /// Adds (or replaces) an implementation.
    pub(crate) fn register(&mut self, task: Arc<dyn SystemTask>) {
        self.tasks.insert(task.task_type(), task);
    }

    /// The implementation for `task_type`.
    pub(crate) fn get(&self, task_type: &str) -> Option<Arc<dyn SystemTask>> {
        self.tasks.get(task_type).cloned()
    }
}

/// `NOOP`: completes at once.
#[derive(Debug)]
struct Noop;

impl SystemTask for Noop {
    fn task_type(&self) -> &'static str {
        "NOOP"
    }

    fn execute(&self, _: &mut Workflow, task: &mut Task, _: i64) -> Result<bool, Terminate> {
        task.status = TaskStatus::Completed;
        Ok(true)
    }
}

/// Largest serialized `variables` a SET_VARIABLE may produce (`maxWorkflowVariablesPayloadSizeThreshold`).
const MAX_VARIABLES_BYTES: usize = 256 * 1024;

/// `SET_VARIABLE`: writes its input keys into the workflow variables.
#[derive(Debug)]
struct SetVariable;

impl SystemTask for SetVariable {
    fn task_type(&self) -> &'static str {
        "SET_VARIABLE"
    }

    fn execute(&self, workflow: &mut Workflow, task: &mut Task, _: i64) -> Result<bool, Terminate> {
        let mut variables = workflow.variables.clone();
        for (k, v) in &task.input_data {
            variables.insert(k.clone(), v.clone());
        }
        let size = serde_json::to_vec(&variables).map_or(0, |b| b.len());
        if size > MAX_VARIABLES_BYTES {
            task.status = TaskStatus::FailedWithTerminalError;
            task.reason_for_incompletion = Some(format!(
                "The variables payload size: {size} of workflow: {} is greater than the permissible limit: {} kilobytes",
                workflow.workflow_id,
                MAX_VARIABLES_BYTES / 1024
            ));
        } else {
            workflow.variables = variables;
            task.status = TaskStatus::Completed;
        }
        Ok(true)
    }
}

/// `TERMINATE`: ends the workflow with the given status (the decider does the ending).
#[derive(Debug)]
struct TerminateTask;

impl SystemTask for TerminateTask {
    fn task_type(&self) -> &'static str {
        "TERMINATE"
    }

    fn execute(&self, _: &mut Workflow, task: &mut Task, _: i64) -> Result<bool, Terminate> {
        let status = task
            .input_data
            .get("terminationStatus")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !matches!(status, "COMPLETED" | "FAILED" | "TERMINATED") {
            task.status = TaskStatus::Failed;
            task.reason_for_incompletion = Some(format!(
                "The value of 'terminationStatus' parameter: {status} is not valid, given termination status is not valid"
            ));
            return Ok(true);
        }
        let output: JsonMap = match task.input_data.get("workflowOutput") {
            Some(Value::Object(map)) => map.clone(),
            Some(Value::Null) | None => JsonMap::new(),
            Some(other) => {
                let mut m = JsonMap::new();
                m.insert("output".into(), json!(other));
                m
            }
        };
        task.output_data = output;
        task.status = TaskStatus::Completed;
        Ok(true)
    }
}
