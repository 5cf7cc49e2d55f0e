//! System tasks: task types the server executes itself, plugged into the decider through the
//! [`SystemTask`] trait and looked up by type in a [`SystemTaskRegistry`].
//!
//! The decider knows nothing about individual operators: it asks the registry to *map* a workflow
//! task to task instances when scheduling (`TaskMapper`), *starts* and *executes* them in the same
//! decide (`WorkflowSystemTask.start/execute`) and *cancels* open ones when the workflow ends.
//! Every one of those calls gets a read-only [`View`] and the task instance it works on; what else
//! it wants changed it returns as [`Effect`]s, which the executor applies.
//! Nothing here or in [`tasks`](super::tasks) depends on the executor.
//!
//! Two execution modes exist. In-memory tasks (every operator, SUB_WORKFLOW, WAIT, INLINE...) are
//! executed inside the decide loop on every round until they are terminal: conductor-oss runs
//! some of them (JOIN, SUB_WORKFLOW, WAIT, START_WORKFLOW) on a system-task worker, which this
//! server replaces by zero-latency evaluation (conductor-engine.md §5.4 allows it). Tasks that do
//! network I/O (HTTP, HTTP_POLL, the LLM tasks) are [`SystemTask::is_async`]: the decider queues
//! them under their type and the [`network worker`](super::network) runs them outside the engine
//! lock, then reports the result like a worker would.
//! Tasks that evaluate scripts or jq queries (INLINE, LAMBDA, JSON_JQ_TRANSFORM, and the
//! JavaScript of SWITCH, DECISION, DO_WHILE and JOIN) execute in the decide loop, but hand the
//! evaluation to the engine as an `Effect::Evaluate`, which runs it on a blocking thread once the
//! lock is released ([`offload`](super::offload)).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use conductor_models::{
    Task, TaskDef, TaskStatus, TaskType, Workflow, WorkflowStatus, WorkflowTask,
};

use super::def_tree;
use super::effects::{Effect, Executed, Mapped, Terminate};
use super::input::resolve_task_input;
use super::refs::{is_type, loop_suffix, strip_iteration};
use super::view::{MapTasks, View, new_id};

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

impl MapContext<'_> {
    /// The task with resolved input and `status`, as most mappers create it.
    pub(crate) fn resolved_task(&self, status: TaskStatus) -> Task {
        let mut task = base_task(self);
        task.input_data = resolve_task_input(
            self.workflow,
            &self.workflow_task.input_parameters,
            self.task_def,
            Some(&self.task_id),
        );
        task.status = status;
        task
    }
}

/// The base task of a mapper (`TaskMapperContext.createTaskModel`).
pub(crate) fn base_task(ctx: &MapContext<'_>) -> Task {
    let wf = ctx.workflow;
    let mut workflow_task = ctx.workflow_task.clone();
    if workflow_task.task_definition.is_none() {
        workflow_task.task_definition = ctx.task_def.cloned();
    }
    Task {
        task_id: ctx.task_id.clone(),
        reference_task_name: ctx.workflow_task.task_reference_name.clone(),
        workflow_instance_id: wf.workflow_id.clone(),
        workflow_type: wf
            .workflow_definition
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        correlation_id: wf.correlation_id.clone(),
        scheduled_time: ctx.now,
        task_def_name: ctx.workflow_task.name.clone(),
        task_type: ctx.workflow_task.task_type.as_str().to_owned(),
        retry_count: ctx.retry_count,
        retried_task_id: ctx.retried_task_id.map(str::to_owned),
        workflow_priority: wf.priority,
        callback_from_worker: true,
        workflow_task: Some(workflow_task),
        ..Task::default()
    }
}

/// The worker-task mapper (`SimpleTaskMapper` / `UserDefinedTaskMapper`).
fn map_worker_task(ctx: &MapContext<'_>) -> Result<Task, Terminate> {
    let Some(td) = ctx.task_def else {
        return Err(Terminate::new(
            format!(
                "Invalid task. Task {} does not have a definition",
                ctx.workflow_task.name
            ),
            WorkflowStatus::Failed,
        ));
    };
    let mut task = base_task(ctx);
    task.task_type = ctx.workflow_task.name.clone();
    task.input_data = resolve_task_input(
        ctx.workflow,
        &ctx.workflow_task.input_parameters,
        Some(td),
        Some(&ctx.task_id),
    );
    task.status = TaskStatus::Scheduled;
    task.start_delay_in_seconds = ctx.workflow_task.start_delay;
    task.callback_after_seconds = i64::from(ctx.workflow_task.start_delay);
    task.response_timeout_seconds = td.response_timeout_seconds;
    task.rate_limit_per_frequency = td.rate_limit_per_frequency;
    task.rate_limit_frequency_in_seconds = td.rate_limit_frequency_in_seconds;
    Ok(task)
}

/// A task type executed by the server.
pub(crate) trait SystemTask: Send + Sync + std::fmt::Debug {
    /// The `type` string this implementation handles.
    fn task_type(&self) -> &'static str;

    /// `true` when run by the network worker outside the engine lock (HTTP, LLM...).
    fn is_async(&self) -> bool {
        false
    }

    /// Creates the task instance(s) for a workflow task being scheduled.
    fn map(&self, _view: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        Ok(ctx.resolved_task(TaskStatus::InProgress).into())
    }

    /// Called once when the task is added to the workflow.
    fn start(
        &self,
        _view: &View<'_>,
        _workflow: &Workflow,
        _task: &mut Task,
    ) -> Result<(), Terminate> {
        Ok(())
    }

    /// Runs the task: whether its state changed, and the effects to apply. Not called for async
    /// tasks. A task whose effects start a workflow is executed again once they are applied, so
    /// it sees the new workflow (which may already have ended).
    fn execute(
        &self,
        _view: &View<'_>,
        _workflow: &Workflow,
        _task: &mut Task,
    ) -> Result<Executed, Terminate> {
        Ok(Executed::unchanged())
    }

    /// Called when the workflow ends while the task is still open; `workflow` has its final
    /// status and reason. Returns the effects to apply.
    fn cancel(&self, _view: &View<'_>, _workflow: &Workflow, _task: &mut Task) -> Vec<Effect> {
        Vec::new()
    }
}

/// The system tasks known to a server, by type.
#[derive(Debug, Clone)]
pub(crate) struct SystemTaskRegistry {
    tasks: HashMap<&'static str, Arc<dyn SystemTask>>,
}

impl SystemTaskRegistry {
    /// A registry of `tasks` (the engine passes [`tasks::all`](super::tasks::all): the registry
    /// does not depend on the implementations it holds).
    pub(crate) fn of(tasks: Vec<Arc<dyn SystemTask>>) -> Self {
        let mut registry = Self {
            tasks: HashMap::new(),
        };
        for task in tasks {
            registry.register(task);
        }
        registry
    }

    /// Adds (or replaces) an implementation.
    pub(crate) fn register(&mut self, task: Arc<dyn SystemTask>) {
        self.tasks.insert(task.task_type(), task);
    }

    /// The implementation for `task_type`.
    pub(crate) fn get(&self, task_type: &str) -> Option<Arc<dyn SystemTask>> {
        self.tasks.get(task_type).cloned()
    }

    /// The types run by the network worker.
    pub(crate) fn async_types(&self) -> Vec<&'static str> {
        let mut types: Vec<&'static str> = self
            .tasks
            .values()
            .filter(|t| t.is_async())
            .map(|t| t.task_type())
            .collect();
        types.sort_unstable();
        types
    }
}

impl MapTasks for SystemTaskRegistry {
    fn tasks_to_be_scheduled(
        &self,
        view: &View<'_>,
        wf: &Workflow,
        workflow_task: &WorkflowTask,
        retry_count: i32,
        retried_task_id: Option<&str>,
    ) -> Result<Mapped, Terminate> {
        let task_def = workflow_task
            .task_definition
            .clone()
            .or_else(|| view.store.task_defs.get(&workflow_task.name).cloned());
        let ctx = MapContext {
            workflow: wf,
            workflow_task,
            task_def: task_def.as_ref(),
            retry_count,
            retried_task_id,
            task_id: new_id(),
            now: view.now,
        };
        let mut mapped = match self.get(workflow_task.task_type.as_str()) {
            Some(system) => system.map(view, &ctx)?,
            None if workflow_task.task_type.is_system_task()
                && !workflow_task.task_type.is_unknown() =>
            {
                return Err(Terminate::new(
                    format!(
                        "Task type {} (task {}) is not supported by this server yet",
                        workflow_task.task_type, workflow_task.task_reference_name
                    ),
                    WorkflowStatus::Failed,
                ));
            }
            None => map_worker_task(&ctx)?.into(),
        };
        let suffix = loop_iteration(wf, workflow_task);
        let existing: HashSet<&str> = wf
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::InProgress || t.status.is_terminal())
            .map(|t| t.reference_task_name.as_str())
            .collect();
        mapped.tasks = std::mem::take(&mut mapped.tasks)
            .into_iter()
            .map(|mut t| {
                if let Some((suffix, iteration)) = &suffix
                    && t.reference_task_name == workflow_task.task_reference_name
                {
                    t.reference_task_name.push_str(suffix);
                    // A nested loop counts its own iterations (0 = not started yet).
                    if !is_type(&t, &TaskType::DoWhile) {
                        t.iteration = *iteration;
                    }
                }
                t
            })
            .filter(|t| !existing.contains(t.reference_task_name.as_str()))
            .collect();
        Ok(mapped)
    }
}

/// The loop suffix and iteration a workflow task inside a running DO_WHILE takes (its reference
/// name gets `__N` appended, after the loop's own suffix when loops nest); `None` outside a loop
/// or before the loop's first iteration.
fn loop_iteration(wf: &Workflow, workflow_task: &WorkflowTask) -> Option<(String, i32)> {
    let def = wf.workflow_definition.as_ref()?;
    let enclosing = def_tree::enclosing_loop(&def.tasks, &workflow_task.task_reference_name)?;
    let lp = wf
        .tasks
        .iter()
        .rev()
        .find(|t| strip_iteration(&t.reference_task_name) == enclosing)?;
    (lp.iteration > 0).then(|| {
        (
            format!("{}__{}", loop_suffix(&lp.reference_task_name), lp.iteration),
            lp.iteration,
        )
    })
}
