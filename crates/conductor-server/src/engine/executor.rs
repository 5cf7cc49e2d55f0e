//! The decider and the workflow executor: scheduling, retries, timeouts, completion and
//! termination, as conductor-oss `DeciderService` and `WorkflowExecutorOps` do them.
//!
//! An [`Exec`] borrows the store for the duration of one engine operation (the engine lock is held),
//! so every operation is atomic. Queues touched during the operation are collected in
//! `touched_queues` and woken up by the engine after the lock is released.

use std::collections::{BTreeSet, HashSet};

use conductor_models::{
    JsonMap, RetryLogic, Task, TaskDef, TaskStatus, TaskType, TimeoutPolicy, Workflow, WorkflowDef,
    WorkflowStatus, WorkflowTask, WorkflowTimeoutPolicy,
};
use serde_json::{Value, json};

use super::def_tree;
use super::error::{EngineError, EngineResult};
use super::system_task::{MapContext, SystemTaskRegistry};
use super::{Deferred, Settings};
use crate::clock::secs_to_millis;
use crate::expr::Resolver;
use crate::queue::queue_name;
use crate::store::Store;

/// How long a workflow with no nearer deadline waits before the sweeper looks at it again
/// (`workflowOffsetTimeout`).
const DEFAULT_SWEEP_OFFSET_MS: i64 = 30_000;
/// A poll that would break a rate or concurrency limit hides the task this long
/// (`taskExecutionPostponeDuration`).
pub(crate) const LIMIT_POSTPONE_MS: i64 = 60_000;
/// Separator of the iteration suffix of loop-task reference names.
const ITERATION_SEPARATOR: &str = "__";
/// Guard against a decide loop that never settles.
const MAX_DECIDE_ROUNDS: usize = 10_000;
/// How long a worker counts as active for domain selection (`activeWorkerLastPollTimeout`).
const ACTIVE_WORKER_MS: i64 = 10_000;

/// The engine's reason to end a workflow from inside the decider (`TerminateWorkflowException`).
#[derive(Debug, Clone)]
pub(crate) struct Terminate {
    pub(crate) reason: String,
    pub(crate) status: WorkflowStatus,
    pub(crate) task_id: Option<String>,
}

impl Terminate {
    pub(crate) fn new(reason: impl Into<String>, status: WorkflowStatus) -> Self {
        Self {
            reason: reason.into(),
            status,
            task_id: None,
        }
    }

    fn with_task(mut self, task_id: &str) -> Self {
        self.task_id = Some(task_id.to_owned());
        self
    }
}

#[derive(Debug, Default)]
struct Outcome {
    to_schedule: Vec<Task>,
    complete: bool,
    terminate_task: Option<String>,
}

/// One engine operation's view of the state.
pub(crate) struct Exec<'a> {
    pub(crate) store: &'a mut Store,
    pub(crate) now: i64,
    pub(crate) registry: &'a SystemTaskRegistry,
    pub(crate) settings: &'a Settings,
    pub(crate) touched_queues: Vec<String>,
    /// Work to do once the workflows involved are back in the store (parent notifications,
    /// published events).
    pub(crate) deferred: std::collections::VecDeque<Deferred>,
    /// Nesting depth of `decide` calls (deferred work runs when the outermost one ends).
    pub(crate) depth: usize,
    /// Random `backoffJitterMs` share of a new retry attempt's queue delay, by task id (the
    /// server's `TaskModel.callbackAfterMs`, which the wire `Task` does not carry); consumed
    /// when the attempt is queued.
    pub(crate) retry_jitter_ms: std::collections::HashMap<String, i64>,
}

/// Parameters of a workflow start (from any of the start endpoints).
#[derive(Debug, Clone, Default)]
pub(crate) struct StartParams {
    pub(crate) name: String,
    pub(crate) version: Option<i32>,
    pub(crate) correlation_id: Option<String>,
    pub(crate) input: JsonMap,
    pub(crate) task_to_domain: std::collections::BTreeMap<String, String>,
    pub(crate) workflow_def: Option<WorkflowDef>,
    pub(crate) priority: i32,
    pub(crate) created_by: Option<String>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) parent_workflow_id: Option<String>,
    pub(crate) parent_workflow_task_id: Option<String>,
}

/// Whether a task type is one of the operators that are never retried (`TaskType.isBuiltIn`).
pub(crate) fn is_built_in(task_type: &str) -> bool {
    matches!(
        task_type,
        "DECISION" | "SWITCH" | "FORK" | "JOIN" | "EXCLUSIVE_JOIN" | "DO_WHILE"
    )
}

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
    if task.iteration > 0 || task.task_type == "DO_WHILE" {
        strip_iteration(&task.reference_task_name)
    } else {
        task.reference_task_name.as_str()
    }
}

/// The latest attempt of the task with exactly `reference` (`WorkflowModel.getTaskByRefName`).
pub(crate) fn latest_task<'w>(wf: &'w Workflow, reference: &str) -> Option<&'w Task> {
    wf.tasks
        .iter()
        .rev()
        .find(|t| t.reference_task_name == reference)
}

/// The JSON document `${...}` expressions are evaluated against (`ParametersUtils.getTaskInputV2`).
pub(crate) fn expression_document(wf: &Workflow) -> Value {
    let def = wf.workflow_definition.as_ref();
    let mut root = serde_json::Map::new();
    root.insert(
        "workflow".into(),
        json!({
            "input": wf.input,
            "output": wf.output,
            "status": wf.status.as_str(),
            "workflowId": wf.workflow_id,
            "parentWorkflowId": wf.parent_workflow_id,
            "parentWorkflowTaskId": wf.parent_workflow_task_id,
            "workflowType": def.map(|d| d.name.clone()),
            "version": def.map(|d| d.version),
            "correlationId": wf.correlation_id,
            "reasonForIncompletion": wf.reason_for_incompletion,
            "schemaVersion": def.map_or(2, |d| d.schema_version),
            "variables": wf.variables,
        }),
    );
    for task in &wf.tasks {
        let key = def_ref(task);
        root.insert(
            key.to_owned(),
            json!({
                "input": task.input_data,
                "output": task.output_data,
                "taskType": task.task_type,
                "status": task.status.as_str(),
                "referenceTaskName": task.reference_task_name,
                "retryCount": task.retry_count,
                "correlationId": task.correlation_id,
                "pollCount": task.poll_count,
                "taskDefName": task.task_def_name,
                "scheduledTime": task.scheduled_time,
                "startTime": task.start_time,
                "endTime": task.end_time,
                "workflowInstanceId": task.workflow_instance_id,
                "taskId": task.task_id,
                "reasonForIncompletion": task.reason_for_incompletion,
                "callbackAfterSeconds": task.callback_after_seconds,
                "workerId": task.worker_id,
                "iteration": task.iteration,
            }),
        );
    }
    Value::Object(root)
}

/// Resolves `input_parameters` for a task (`getTaskInputV2`, with the TaskDef input template rules).
pub(crate) fn resolve_task_input(
    wf: &Workflow,
    input_parameters: &JsonMap,
    task_def: Option<&TaskDef>,
    task_id: Option<&str>,
) -> JsonMap {
    let mut params = input_parameters.clone();
    if let Some(td) = task_def {
        for (k, v) in &td.input_template {
            params.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let doc = expression_document(wf);
    let mut resolved = Resolver::new(&doc, task_id).resolve_map(&params);
    if let Some(td) = task_def {
        for (k, v) in resolved.iter_mut() {
            if v.is_null()
                && let Some(template) = td.input_template.get(k)
            {
                *v = template.clone();
            }
        }
    }
    resolved
}

/// The task definition to apply to a task: the one embedded at start, else the registered one.
pub(crate) fn task_def_of<'t>(task: &'t Task, store: &'t Store) -> Option<&'t TaskDef> {
    task.workflow_task
        .as_ref()
        .and_then(|wt| wt.task_definition.as_ref())
        .or_else(|| store.task_defs.get(&task.task_def_name))
}

/// An ad-hoc task definition for a task name nobody registered (`MetadataMapperService`).
pub(crate) fn ad_hoc_task_def(name: &str, simple: bool) -> TaskDef {
    let mut def = TaskDef::new(name);
    if !simple {
        def.retry_count = 0;
        def.response_timeout_seconds = 0;
        // 3.32's synthesised definition of a system task carries zero audit times (3.21 embeds
        // none at all; the newest behaviour is the one followed here).
        def.create_time = Some(0);
        def.update_time = Some(0);
    }
    def
}

/// Embeds the task definition of a workflow task and its nested tasks (registered, or ad hoc).
pub(crate) fn populate_workflow_task(task: &mut WorkflowTask, store: &Store) {
    // `MetadataMapperService.populateVersionForSubWorkflow`: a SUB_WORKFLOW without a version is
    // pinned to the latest version when the workflow starts (a plain restart keeps that version;
    // a restart with the latest definitions pins it again).
    if task.task_type == TaskType::SubWorkflow
        && let Some(param) = task.sub_workflow_param.as_mut()
        && param.version.is_none()
        && param.workflow_definition.is_none()
        && let Some(def) = param
            .name
            .as_deref()
            .and_then(|name| store.latest_workflow_def(name))
    {
        param.version = Some(def.version);
    }
    if task.task_definition.is_none() {
        let simple = matches!(task.task_type, TaskType::Simple | TaskType::Unknown(_));
        task.task_definition = Some(
            store
                .task_defs
                .get(&task.name)
                .cloned()
                .unwrap_or_else(|| ad_hoc_task_def(&task.name, simple)),
        );
    }
    for cases in task.decision_cases.values_mut() {
        for t in cases {
            populate_workflow_task(t, store);
        }
    }
    for t in &mut task.default_case {
        populate_workflow_task(t, store);
    }
    for branch in &mut task.fork_tasks {
        for t in branch {
            populate_workflow_task(t, store);
        }
    }
    for t in &mut task.loop_over {
        populate_workflow_task(t, store);
    }
}

/// Embeds the task definition of every workflow task of `def` (registered, or ad hoc).
pub(crate) fn populate_task_defs(def: &mut WorkflowDef, store: &Store) {
    for task in &mut def.tasks {
        populate_workflow_task(task, store);
    }
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Exec<'_> {
    fn touch(&mut self, queue: String) {
        if !self.touched_queues.contains(&queue) {
            self.touched_queues.push(queue);
        }
    }

    /// Whether `task_type` is executed by the server rather than by a worker.
    pub(crate) fn is_system(&self, task_type: &str) -> bool {
        self.registry.get(task_type).is_some()
            || is_built_in(task_type)
            || TaskType::from_wire(task_type).is_system_task()
                && !TaskType::from_wire(task_type).is_unknown()
    }

    // -----------------------------------------------------------------------------------------
    // Start

    /// Creates and first-decides a workflow (`WorkflowExecutorOps.startWorkflow`).
    pub(crate) fn start_workflow(&mut self, params: StartParams) -> EngineResult<String> {
        let mut def = match params.workflow_def {
            Some(def) => def,
            None => self
                .store
                .workflow_def(&params.name, params.version)
                .cloned()
                .ok_or_else(|| {
                    EngineError::NotFound(format!(
                        "No such workflow defined. name={}, version={}",
                        params.name,
                        params.version.map_or("null".to_owned(), |v| v.to_string())
                    ))
                })?,
        };
        if !(0..=99).contains(&params.priority) {
            return Err(EngineError::Validation(vec![super::error::Violation::new(
                "startWorkflow.startWorkflowRequest.priority",
                "priority: can be between 0 and 99",
            )]));
        }
        populate_task_defs(&mut def, self.store);
        // `MetadataMapperService.populateVersionForSubWorkflow`: a SUB_WORKFLOW without a version
        // needs a registered definition of that name when the workflow starts.
        let mut all = Vec::new();
        def_tree::all(&def.tasks, &mut all);
        for task in all {
            let Some(param) = &task.sub_workflow_param else {
                continue;
            };
            let name = param.name.clone().unwrap_or_default();
            if task.task_type == TaskType::SubWorkflow
                && param.version.is_none()
                && param.workflow_definition.is_none()
                && self.store.workflow_def(&name, None).is_none()
            {
                return Err(EngineError::Internal(format!(
                    "The Task {name} defined as a sub-workflow has no workflow definition available "
                )));
            }
        }
        let mut input = params.input;
        if !input.is_empty() {
            for (k, v) in &def.input_template {
                input.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        let id = new_id();
        let wf = Workflow {
            workflow_id: id.clone(),
            status: WorkflowStatus::Running,
            variables: def.variables.clone(),
            workflow_definition: Some(def),
            create_time: Some(self.now),
            update_time: Some(self.now),
            input,
            task_to_domain: params.task_to_domain,
            priority: params.priority,
            correlation_id: params.correlation_id,
            parent_workflow_id: params.parent_workflow_id,
            parent_workflow_task_id: params.parent_workflow_task_id,
            created_by: params.created_by,
            idempotency_key: params.idempotency_key,
            // conductor-oss stamps the calling client app; without auth that is "".
            owner_app: Some(String::new()),
            ..Workflow::default()
        };
        self.store.insert_workflow(wf);
        self.decide(&id);
        Ok(id)
    }

    // -----------------------------------------------------------------------------------------
    // Decide

    /// Runs the decider on a workflow until it settles (`WorkflowExecutorOps.decide`).
    pub(crate) fn decide(&mut self, workflow_id: &str) {
        self.depth += 1;
        self.decide_rounds(workflow_id);
        self.depth -= 1;
        if self.depth == 0 {
            self.settle();
        }
    }

    fn decide_rounds(&mut self, workflow_id: &str) {
        for _ in 0..MAX_DECIDE_ROUNDS {
            let Some(mut wf) = self.store.workflows.remove(workflow_id) else {
                return;
            };
            let again = self.decide_round(&mut wf);
            self.store.workflows.insert(workflow_id.to_owned(), wf);
            if !again {
                break;
            }
        }
        self.refresh_sweep_due(workflow_id);
    }

    /// One decide round; returns whether a sync system task changed state (decide again).
    fn decide_round(&mut self, wf: &mut Workflow) -> bool {
        if wf.status.is_terminal() {
            return false;
        }
        match self.decide_outcome(wf) {
            Err(terminate) => {
                self.terminate_by_engine(wf, terminate);
                false
            }
            Ok(outcome) if outcome.complete => {
                self.end_execution(wf, outcome.terminate_task.as_deref());
                false
            }
            Ok(outcome) => match self.apply_outcome(wf, outcome.to_schedule) {
                Ok(changed) => changed,
                Err(terminate) => {
                    self.terminate_by_engine(wf, terminate);
                    false
                }
            },
        }
    }

    fn decide_outcome(&mut self, wf: &mut Workflow) -> Result<Outcome, Terminate> {
        let mut outcome = Outcome::default();
        self.check_workflow_timeout(wf)?;
        if wf.status == WorkflowStatus::Paused {
            return Ok(outcome);
        }
        let def = wf.workflow_definition.clone().unwrap_or_default();
        if wf.tasks.is_empty() {
            let Some(first) = def.tasks.first() else {
                return Err(Terminate::new(
                    "No tasks found to be executed",
                    WorkflowStatus::Completed,
                ));
            };
            let mut next = Some(first);
            while let Some(candidate) = next {
                if !self.is_skipped(wf, &candidate.task_reference_name) {
                    break;
                }
                next = def_tree::next_task(&def.tasks, &candidate.task_reference_name);
            }
            if let Some(first) = next {
                outcome.to_schedule = self.tasks_to_be_scheduled(wf, first, 0, None)?;
            }
            if outcome.to_schedule.is_empty() && self.check_completion(wf, &def)? {
                outcome.complete = true;
            }
            return Ok(outcome);
        }

        let mut executed_refs: HashSet<String> = HashSet::new();
        let mut pending: Vec<usize> = Vec::new();
        for (i, task) in wf.tasks.iter().enumerate() {
            if !task.retried && task.status != TaskStatus::Skipped && !task.executed {
                pending.push(i);
            }
            if task.executed {
                executed_refs.insert(task.reference_task_name.clone());
            }
            if task.task_type == "TERMINATE"
                && task.status.is_terminal()
                && task.status.is_successful()
            {
                outcome.terminate_task = Some(task.task_id.clone());
            }
        }
        let mut to_schedule: Vec<Task> = Vec::new();
        let put_if_absent = |list: &mut Vec<Task>, task: Task| {
            if !list
                .iter()
                .any(|t| t.reference_task_name == task.reference_task_name)
            {
                list.push(task);
            }
        };
        for idx in pending {
            let mut task = wf.tasks[idx].clone();
            if self.is_system(&task.task_type) && !task.status.is_terminal() {
                put_if_absent(&mut to_schedule, task.clone());
                executed_refs.remove(&task.reference_task_name);
            }
            let task_def = task_def_of(&task, self.store).cloned();
            if let Some(td) = &task_def {
                let checked = self
                    .check_task_timeout(td, &mut task)
                    .and_then(|()| self.check_poll_timeout(td, &mut task));
                if let Err(terminate) = checked {
                    wf.tasks[idx] = task;
                    return Err(terminate);
                }
                if self.is_response_timed_out(td, &task) {
                    task.status = TaskStatus::TimedOut;
                    task.reason_for_incompletion = Some(format!(
                        "responseTimeout: {} exceeded for the taskId: {} with Task Definition: {}",
                        td.response_timeout_seconds, task.task_id, task.task_def_name
                    ));
                    task.update_time = self.now;
                }
            }
            if !task.status.is_successful() {
                let workflow_task = task
                    .workflow_task
                    .clone()
                    .or_else(|| def_tree::find(&def.tasks, &task.reference_task_name).cloned());
                match self.retry(task_def.as_ref(), workflow_task.as_ref(), &mut task, wf) {
                    Ok(Some(retry)) => {
                        let max_jitter = task_def.as_ref().map_or(0, |td| td.backoff_jitter_ms);
                        if max_jitter > 0 {
                            self.retry_jitter_ms
                                .insert(retry.task_id.clone(), retry_jitter_ms(max_jitter));
                        }
                        executed_refs.remove(&retry.reference_task_name);
                        to_schedule.retain(|t| t.reference_task_name != retry.reference_task_name);
                        to_schedule.push(retry);
                    }
                    Ok(None) => {
                        if workflow_task.as_ref().is_some_and(|wt| wt.optional) {
                            task.status = TaskStatus::CompletedWithErrors;
                        }
                    }
                    Err(terminate) => {
                        wf.tasks[idx] = task;
                        return Err(terminate);
                    }
                }
            }
            if !task.executed && !task.retried && task.status.is_terminal() {
                task.executed = true;
                wf.tasks[idx] = task.clone();
                for next in self.next_tasks(wf, &def, &task)? {
                    put_if_absent(&mut to_schedule, next);
                }
            }
            wf.tasks[idx] = task;
        }
        outcome.to_schedule = to_schedule
            .into_iter()
            .filter(|t| !executed_refs.contains(&t.reference_task_name))
            .collect();
        if outcome.terminate_task.is_some()
            || (outcome.to_schedule.is_empty() && self.check_completion(wf, &def)?)
        {
            outcome.complete = true;
        }
        Ok(outcome)
    }

    fn is_skipped(&self, wf: &Workflow, reference: &str) -> bool {
        wf.tasks
            .iter()
            .any(|t| t.reference_task_name == reference && t.status == TaskStatus::Skipped)
    }

    /// The tasks that follow `task` (`DeciderService.getNextTask`).
    fn next_tasks(
        &mut self,
        wf: &Workflow,
        def: &WorkflowDef,
        task: &Task,
    ) -> Result<Vec<Task>, Terminate> {
        if matches!(task.task_type.as_str(), "DECISION" | "SWITCH")
            && task.input_data.contains_key("hasChildren")
        {
            return Ok(Vec::new());
        }
        let reference = def_ref(task);
        let mut next = def_tree::next_task(&def.tasks, reference);
        while let Some(candidate) = next {
            if !self.is_skipped(wf, &candidate.task_reference_name) {
                break;
            }
            next = def_tree::next_task(&def.tasks, &candidate.task_reference_name);
        }
        let Some(next) = next else {
            return Ok(Vec::new());
        };
        if next.task_type == TaskType::DoWhile
            && wf
                .tasks
                .iter()
                .any(|t| t.reference_task_name == next.task_reference_name)
        {
            return Ok(Vec::new());
        }
        self.tasks_to_be_scheduled(wf, next, 0, None)
    }

    /// Maps a workflow task to the task(s) to schedule (`DeciderService.getTasksToBeScheduled`).
    pub(crate) fn tasks_to_be_scheduled(
        &mut self,
        wf: &Workflow,
        workflow_task: &WorkflowTask,
        retry_count: i32,
        retried_task_id: Option<&str>,
    ) -> Result<Vec<Task>, Terminate> {
        let existing: HashSet<&str> = wf
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::InProgress || t.status.is_terminal())
            .map(|t| t.reference_task_name.as_str())
            .collect();
        let task_def = workflow_task
            .task_definition
            .clone()
            .or_else(|| self.store.task_defs.get(&workflow_task.name).cloned());
        let ctx = MapContext {
            workflow: wf,
            workflow_task,
            task_def: task_def.as_ref(),
            retry_count,
            retried_task_id,
            task_id: new_id(),
            now: self.now,
        };
        let tasks = match self.registry.get(workflow_task.task_type.as_str()) {
            Some(system) => system.map(self, &ctx)?,
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
            None => vec![map_worker_task(&ctx)?],
        };
        let loop_instance = wf.workflow_definition.as_ref().and_then(|def| {
            let enclosing =
                def_tree::enclosing_loop(&def.tasks, &workflow_task.task_reference_name)?;
            wf.tasks
                .iter()
                .rev()
                .find(|t| strip_iteration(&t.reference_task_name) == enclosing)
        });
        let (suffix, iteration) = match loop_instance {
            Some(lp) if lp.iteration > 0 => (
                format!("{}__{}", loop_suffix(&lp.reference_task_name), lp.iteration),
                lp.iteration,
            ),
            _ => (String::new(), 0),
        };
        Ok(tasks
            .into_iter()
            .map(|mut t| {
                if !suffix.is_empty() && t.reference_task_name == workflow_task.task_reference_name
                {
                    t.reference_task_name.push_str(&suffix);
                    // A nested loop counts its own iterations (0 = not started yet).
                    if t.task_type != "DO_WHILE" {
                        t.iteration = iteration;
                    }
                }
                t
            })
            .filter(|t| !existing.contains(t.reference_task_name.as_str()))
            .collect())
    }

    /// Adds the new tasks, starts and executes sync system tasks and queues worker tasks;
    /// returns whether some system task changed state.
    pub(crate) fn schedule_tasks(
        &mut self,
        wf: &mut Workflow,
        tasks: Vec<Task>,
    ) -> Result<bool, Terminate> {
        self.apply_outcome(wf, tasks)
    }

    fn apply_outcome(&mut self, wf: &mut Workflow, tasks: Vec<Task>) -> Result<bool, Terminate> {
        let mut changed = false;
        let existing: HashSet<(String, i32)> = wf
            .tasks
            .iter()
            .map(|t| (t.reference_task_name.clone(), t.retry_count))
            .collect();
        let mut max_seq = wf.tasks.iter().map(|t| t.seq).max().unwrap_or(0);
        let mut new_ids = Vec::new();
        let mut rerun_ids = Vec::new();
        for mut task in tasks {
            if existing.contains(&(task.reference_task_name.clone(), task.retry_count)) {
                // Already in the workflow: a non-terminal system task to execute again.
                rerun_ids.push(task.task_id.clone());
                continue;
            }
            self.set_domain(wf, &mut task);
            max_seq += 1;
            task.seq = max_seq;
            if task.scheduled_time == 0 {
                task.scheduled_time = self.now;
            }
            // A scheduled task has not been updated yet (`updateTime` 0, as in OSS, whose
            // `createTasks` leaves it unset), so it is not in the search index either.
            self.store
                .task_index
                .insert(task.task_id.clone(), wf.workflow_id.clone());
            new_ids.push(task.task_id.clone());
            wf.tasks.push(task);
        }
        // scheduleTask: start system tasks, queue worker tasks.
        for id in &new_ids {
            let Some(idx) = wf.tasks.iter().position(|t| &t.task_id == id) else {
                continue;
            };
            let task_type = wf.tasks[idx].task_type.clone();
            let scheduled = wf.tasks[idx].clone();
            match self.registry.get(&task_type) {
                Some(system) if system.is_async() => {
                    self.queue_task(&scheduled);
                }
                Some(system) => {
                    let mut task = scheduled;
                    system.start(self, wf, &mut task)?;
                    if let Some(i) = wf.tasks.iter().position(|t| &t.task_id == id) {
                        wf.tasks[i] = task;
                    }
                    changed = true;
                }
                None if !self.is_system(&task_type) => self.queue_task(&scheduled),
                None => {}
            }
        }
        // Execute sync system tasks that are not terminal. Once one of them ends unsuccessfully
        // the pass stops: as on the server, the decider sees that failure (retry or workflow
        // end) before anything else (e.g. a JOIN waiting on it) is evaluated.
        let mut failed_in_pass = false;
        for id in new_ids.iter().chain(rerun_ids.iter()) {
            if failed_in_pass {
                break;
            }
            let Some(idx) = wf.tasks.iter().position(|t| &t.task_id == id) else {
                continue;
            };
            let Some(system) = self.registry.get(&wf.tasks[idx].task_type) else {
                continue;
            };
            if system.is_async() || wf.tasks[idx].status.is_terminal() {
                continue;
            }
            let mut task = wf.tasks[idx].clone();
            if system.execute(self, wf, &mut task)? {
                task.update_time = self.now;
                changed = true;
            }
            if task.status.is_terminal() && task.end_time == 0 {
                task.end_time = self.now;
            }
            if task.status.is_terminal() {
                failed_in_pass = !task.status.is_successful();
            }
            if let Some(i) = wf.tasks.iter().position(|t| t.task_id == task.task_id) {
                wf.tasks[i] = task;
            }
        }
        wf.update_time = Some(self.now);
        Ok(changed)
    }

    /// Chooses a task's domain from the workflow's `taskToDomain` (`setTaskDomains`).
    fn set_domain(&self, wf: &Workflow, task: &mut Task) {
        if self.is_system(&task.task_type) || wf.task_to_domain.is_empty() {
            return;
        }
        let Some(spec) = wf
            .task_to_domain
            .get(&task.task_type)
            .or_else(|| wf.task_to_domain.get("*"))
        else {
            return;
        };
        let domains: Vec<&str> = spec.split(',').map(str::trim).collect();
        let active = domains.iter().find(|d| {
            !d.eq_ignore_ascii_case("NO_DOMAIN")
                && self
                    .store
                    .poll_data
                    .get(&(task.task_type.clone(), (**d).to_owned()))
                    .is_some_and(|p| self.now - p.last_poll_time < ACTIVE_WORKER_MS)
        });
        let chosen = match active {
            Some(d) => Some((*d).to_owned()),
            None => domains
                .last()
                .filter(|d| !d.eq_ignore_ascii_case("NO_DOMAIN") && !d.is_empty())
                .map(|d| (*d).to_owned()),
        };
        task.domain = chosen;
    }

    /// Pushes a worker task to its queue with its `callbackAfterSeconds` delay.
    pub(crate) fn queue_task(&mut self, task: &Task) {
        let queue = queue_name(&task.task_type, task.domain.as_deref());
        let jitter = self.retry_jitter_ms.remove(&task.task_id).unwrap_or(0);
        let delay = secs_to_millis(task.callback_after_seconds.max(0)) + jitter;
        self.store.queues.push(
            &queue,
            &task.task_id,
            task.workflow_priority,
            self.now + delay,
        );
        self.touch(queue);
    }

    /// Removes a task's queue message.
    pub(crate) fn unqueue_task(&mut self, task: &Task) {
        let queue = queue_name(&task.task_type, task.domain.as_deref());
        self.store.queues.remove(&queue, &task.task_id);
    }

    // -----------------------------------------------------------------------------------------
    // Retries and timeouts

    /// `DeciderService.retry`: a new attempt, nothing (optional/permissive), or workflow end.
    fn retry(
        &self,
        task_def: Option<&TaskDef>,
        workflow_task: Option<&WorkflowTask>,
        task: &mut Task,
        wf: &Workflow,
    ) -> Result<Option<Task>, Terminate> {
        let expected = match task_def {
            None => 0,
            Some(td) => workflow_task
                .and_then(|wt| wt.retry_count)
                .unwrap_or(td.retry_count),
        };
        let total_timed_out = task_def.is_some_and(|td| {
            td.total_timeout_seconds > 0 && {
                let first = wf
                    .tasks
                    .iter()
                    .filter(|t| t.reference_task_name == task.reference_task_name)
                    .map(|t| t.scheduled_time)
                    .min()
                    .unwrap_or(task.scheduled_time);
                self.now - first >= secs_to_millis(td.total_timeout_seconds)
            }
        });
        if !task.status.is_retriable()
            || is_built_in(&task.task_type)
            || expected <= task.retry_count
            || total_timed_out
        {
            if workflow_task.is_some_and(|wt| wt.optional || wt.permissive) {
                return Ok(None);
            }
            let status = match task.status {
                TaskStatus::Canceled => WorkflowStatus::Terminated,
                TaskStatus::TimedOut => WorkflowStatus::TimedOut,
                _ if total_timed_out => WorkflowStatus::TimedOut,
                _ => WorkflowStatus::Failed,
            };
            let reason = format!(
                "Task {} failed with status: {} and reason: '{}'",
                task.task_id,
                status.as_str(),
                task.reason_for_incompletion.as_deref().unwrap_or("null")
            );
            return Err(Terminate::new(reason, status).with_task(&task.task_id));
        }
        let Some(td) = task_def else { return Ok(None) };
        let delay = retry_delay_seconds(td, task.retry_count);
        task.retried = true;
        task.callback_after_seconds = i64::from(delay);
        let mut retry = task.clone();
        retry.task_id = new_id();
        retry.retried_task_id = Some(task.task_id.clone());
        retry.retry_count = task.retry_count + 1;
        retry.retried = false;
        retry.executed = false;
        retry.status = TaskStatus::Scheduled;
        retry.poll_count = 0;
        retry.output_data = JsonMap::new();
        retry.seq = 0;
        retry.scheduled_time = 0;
        retry.start_time = 0;
        retry.end_time = 0;
        retry.update_time = 0;
        retry.worker_id = None;
        retry.sub_workflow_id = None;
        retry.callback_after_seconds = i64::from(delay);
        retry.start_delay_in_seconds = delay;
        if let Some(wt) = workflow_task {
            let fresh =
                resolve_task_input(wf, &wt.input_parameters, Some(td), Some(&retry.task_id));
            retry.input_data.extend(fresh);
        }
        Ok(Some(retry))
    }

    fn timeout_with_policy(
        &self,
        reason: String,
        td: &TaskDef,
        task: &mut Task,
    ) -> Result<(), Terminate> {
        match td.timeout_policy {
            TimeoutPolicy::AlertOnly => {
                tracing::info!(task_id = %task.task_id, "{reason}");
                Ok(())
            }
            TimeoutPolicy::TimeOutWf => {
                task.status = TaskStatus::TimedOut;
                task.reason_for_incompletion = Some(reason.clone());
                task.end_time = self.now;
                Err(Terminate::new(reason, WorkflowStatus::TimedOut).with_task(&task.task_id))
            }
            _ => {
                task.status = TaskStatus::TimedOut;
                task.reason_for_incompletion = Some(reason);
                task.end_time = self.now;
                Ok(())
            }
        }
    }

    fn check_task_timeout(&self, td: &TaskDef, task: &mut Task) -> Result<(), Terminate> {
        if task.status.is_terminal() || td.timeout_seconds <= 0 || task.start_time <= 0 {
            return Ok(());
        }
        let elapsed =
            self.now - (task.start_time + secs_to_millis(i64::from(task.start_delay_in_seconds)));
        if elapsed < secs_to_millis(td.timeout_seconds) {
            return Ok(());
        }
        let reason = format!(
            "Task timed out after {} seconds. Timeout configured as {} seconds. Timeout policy configured to {}",
            elapsed / 1000,
            td.timeout_seconds,
            td.timeout_policy.as_str()
        );
        self.timeout_with_policy(reason, td, task)
    }

    fn check_poll_timeout(&self, td: &TaskDef, task: &mut Task) -> Result<(), Terminate> {
        let poll_timeout = i64::from(td.poll_timeout_seconds.unwrap_or(0));
        if poll_timeout <= 0 || task.status != TaskStatus::Scheduled {
            return Ok(());
        }
        let adjusted = secs_to_millis(poll_timeout) + secs_to_millis(task.callback_after_seconds);
        let elapsed = self.now
            - (task.scheduled_time + secs_to_millis(i64::from(task.start_delay_in_seconds)));
        if elapsed < adjusted {
            return Ok(());
        }
        let reason = format!(
            "Task poll timed out after {} seconds. Poll timeout configured as {} seconds. Timeout policy configured to {}",
            elapsed / 1000,
            poll_timeout,
            td.timeout_policy.as_str()
        );
        self.timeout_with_policy(reason, td, task)
    }

    fn is_response_timed_out(&self, td: &TaskDef, task: &Task) -> bool {
        if task.status != TaskStatus::InProgress || td.response_timeout_seconds == 0 {
            return false;
        }
        if self.is_system(&task.task_type) {
            return false;
        }
        let queue = queue_name(&task.task_type, task.domain.as_deref());
        if self.store.queues.contains(&queue, &task.task_id) {
            return false;
        }
        let adjusted = secs_to_millis(td.response_timeout_seconds)
            + secs_to_millis(task.callback_after_seconds);
        self.now - task.update_time >= adjusted
    }

    fn check_workflow_timeout(&self, wf: &Workflow) -> Result<(), Terminate> {
        let Some(def) = &wf.workflow_definition else {
            return Ok(());
        };
        if wf.status.is_terminal() || def.timeout_seconds <= 0 {
            return Ok(());
        }
        let base = if wf.last_retried_time > 0 {
            wf.last_retried_time
        } else {
            wf.create_time.unwrap_or(0)
        };
        let elapsed = self.now - base;
        if elapsed < secs_to_millis(def.timeout_seconds) {
            return Ok(());
        }
        if def.timeout_policy != WorkflowTimeoutPolicy::TimeOutWf {
            return Ok(());
        }
        Err(Terminate::new(
            format!(
                "Workflow timed out after {} seconds. Timeout configured as {} seconds. Timeout policy configured to {}",
                elapsed / 1000,
                def.timeout_seconds,
                def.timeout_policy.as_str()
            ),
            WorkflowStatus::TimedOut,
        ))
    }

    // -----------------------------------------------------------------------------------------
    // Completion and termination

    /// `DeciderService.checkForWorkflowCompletion`.
    fn check_completion(&self, wf: &Workflow, def: &WorkflowDef) -> Result<bool, Terminate> {
        let mut statuses: std::collections::HashMap<&str, &TaskStatus> = Default::default();
        for task in &wf.tasks {
            statuses.insert(def_ref(task), &task.status);
            if !task.status.is_terminal() {
                return Ok(false);
            }
            if task.task_type == "TERMINATE" && task.status.is_successful() {
                return Ok(true);
            }
        }
        if statuses.is_empty() && !def.tasks.is_empty() {
            return Ok(false);
        }
        let permissive_failed =
            |reference: &str| def_tree::find(&def.tasks, reference).is_some_and(|wt| wt.permissive);
        for wt in &def.tasks {
            match statuses.get(wt.task_reference_name.as_str()) {
                None => return Ok(false),
                Some(status) if !status.is_terminal() => return Ok(false),
                Some(status)
                    if !status.is_successful() && !permissive_failed(&wt.task_reference_name) =>
                {
                    return Ok(false);
                }
                Some(_) => {}
            }
        }
        for task in wf.tasks.iter().filter(|t| !t.retried || !t.executed) {
            let reference = def_ref(task);
            if let Some(next) = def_tree::next_task(&def.tasks, reference)
                && !statuses.contains_key(next.task_reference_name.as_str())
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Computes the workflow output (`DeciderService.updateWorkflowOutput`).
    fn update_workflow_output(&self, wf: &mut Workflow) {
        let Some(def) = &wf.workflow_definition else {
            return;
        };
        if wf.tasks.is_empty() {
            return;
        }
        let output = if !def.output_parameters.is_empty() {
            let doc = expression_document(wf);
            Resolver::new(&doc, None).resolve_map(&def.output_parameters)
        } else {
            wf.tasks
                .iter()
                .max_by_key(|t| t.seq)
                .map(|t| t.output_data.clone())
                .unwrap_or_default()
        };
        wf.output = output;
    }

    fn record_failed_tasks(wf: &mut Workflow) {
        let mut refs: BTreeSet<String> = wf.failed_reference_task_names.iter().cloned().collect();
        let mut names: BTreeSet<String> = wf.failed_task_names.iter().cloned().collect();
        for task in &wf.tasks {
            if matches!(
                task.status,
                TaskStatus::Failed | TaskStatus::FailedWithTerminalError
            ) {
                refs.insert(task.reference_task_name.clone());
                names.insert(task.task_def_name.clone());
            }
        }
        wf.failed_reference_task_names = refs.into_iter().collect();
        wf.failed_task_names = names.into_iter().collect();
    }

    /// Ends a workflow whose tasks are all done (`endExecution` / `completeWorkflow`).
    fn end_execution(&mut self, wf: &mut Workflow, terminate_task: Option<&str>) {
        if let Some(task_id) = terminate_task {
            let Some(task) = wf.tasks.iter().find(|t| t.task_id == task_id).cloned() else {
                return;
            };
            let status = task
                .input_data
                .get("terminationStatus")
                .and_then(Value::as_str)
                .map_or(WorkflowStatus::Completed, WorkflowStatus::from_wire);
            let reason = task
                .input_data
                .get("terminationReason")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| format!("Workflow is {status} by TERMINATE task: {task_id}"));
            wf.output = task.output_data.clone();
            if status == WorkflowStatus::Completed {
                // A TERMINATE COMPLETED ends the workflow through the termination path: tasks
                // still running elsewhere (other fork branches, their JOIN, sub-workflows) are
                // CANCELED.
                wf.reason_for_incompletion = Some(reason);
                wf.status = WorkflowStatus::Completed;
                self.cancel_non_terminal_tasks(wf);
                self.finish(wf, WorkflowStatus::Completed);
            } else {
                let output = task.output_data.clone();
                self.terminate_workflow(wf, status, Some(reason), true, Some(task_id.to_owned()));
                wf.output.extend(output);
            }
            return;
        }
        let permissive_failures: Vec<String> = wf
            .tasks
            .iter()
            .filter(|t| {
                !t.status.is_successful()
                    && t.workflow_task
                        .as_ref()
                        .is_some_and(|wt| wt.permissive && !wt.optional)
                    && !t.retried
            })
            .map(|t| {
                format!(
                    "Task {} failed with status: {} and reason: '{}'",
                    t.task_id,
                    t.status.as_str(),
                    t.reason_for_incompletion.as_deref().unwrap_or("null")
                )
            })
            .collect();
        if !permissive_failures.is_empty() {
            self.terminate_workflow(
                wf,
                WorkflowStatus::Failed,
                Some(permissive_failures.join(", ")),
                true,
                None,
            );
            return;
        }
        self.update_workflow_output(wf);
        self.finish(wf, WorkflowStatus::Completed);
    }

    fn finish(&mut self, wf: &mut Workflow, status: WorkflowStatus) {
        wf.status = status;
        wf.end_time = self.now;
        wf.update_time = Some(self.now);
        Self::record_failed_tasks(wf);
        self.store.sweep_due.remove(&wf.workflow_id);
        if let Some(parent) = &wf.parent_workflow_id {
            self.deferred.push_back(Deferred::ChildEnded {
                parent: parent.clone(),
                child: wf.workflow_id.clone(),
            });
        }
    }

    /// The engine-caused termination path (`WorkflowExecutorOps.terminate(workflow, exception)`):
    /// it starts the failure workflow.
    fn terminate_by_engine(&mut self, wf: &mut Workflow, terminate: Terminate) {
        tracing::debug!(workflow_id = %wf.workflow_id, reason = %terminate.reason, "workflow ends");
        if terminate.status == WorkflowStatus::Completed && wf.tasks.is_empty() {
            // "No tasks found to be executed": completes through the termination path.
            wf.reason_for_incompletion = Some(terminate.reason);
            self.finish(wf, WorkflowStatus::Completed);
            self.start_failure_workflow(wf, WorkflowStatus::Completed, None);
            return;
        }
        self.terminate_workflow(
            wf,
            terminate.status,
            Some(terminate.reason),
            true,
            terminate.task_id,
        );
    }

    /// Ends a workflow with a non-successful status: output computed, open tasks CANCELED,
    /// failure workflow started when `with_failure_workflow` (`terminateWorkflow`).
    pub(crate) fn terminate_workflow(
        &mut self,
        wf: &mut Workflow,
        status: WorkflowStatus,
        reason: Option<String>,
        with_failure_workflow: bool,
        failed_task_id: Option<String>,
    ) {
        self.update_workflow_output(wf);
        wf.reason_for_incompletion = reason;
        wf.status = status.clone();
        self.cancel_non_terminal_tasks(wf);
        self.finish(wf, status.clone());
        if with_failure_workflow {
            self.start_failure_workflow(wf, status, failed_task_id);
        }
    }

    /// `cancelNonTerminalTasks`: every task still running is CANCELED (a SUB_WORKFLOW's child is
    /// terminated with the workflow's reason).
    fn cancel_non_terminal_tasks(&mut self, wf: &mut Workflow) {
        for i in 0..wf.tasks.len() {
            if !wf.tasks[i].status.is_terminal() {
                let task = wf.tasks[i].clone();
                if let Some(system) = self.registry.get(&task.task_type) {
                    let mut t = task.clone();
                    system.cancel(self, wf, &mut t);
                    wf.tasks[i] = t;
                }
                self.unqueue_task(&task);
                self.store.timers.remove(&task.task_id);
                let t = &mut wf.tasks[i];
                t.status = TaskStatus::Canceled;
                t.end_time = self.now;
                t.update_time = self.now;
            }
        }
    }

    fn start_failure_workflow(
        &mut self,
        wf: &mut Workflow,
        status: WorkflowStatus,
        failed_task_id: Option<String>,
    ) {
        let Some(def) = &wf.workflow_definition else {
            return;
        };
        let Some(mut name) = def
            .failure_workflow
            .clone()
            .filter(|n| !n.trim().is_empty())
        else {
            return;
        };
        if name.starts_with('$') {
            // "$workflow.input.key" / "${workflow.input.key}": the named input holds the name.
            let key = name
                .trim_start_matches("${")
                .trim_end_matches('}')
                .split('.')
                .nth(2)
                .unwrap_or("");
            match wf.input.get(key).and_then(Value::as_str) {
                Some(resolved) => name = resolved.to_owned(),
                None => {
                    tracing::warn!(workflow_id = %wf.workflow_id, "failure workflow name '{name}' did not resolve");
                    return;
                }
            }
        }
        let version = def.failure_workflow_version;
        let mut input = wf.input.clone();
        input.insert("workflowId".into(), json!(wf.workflow_id));
        input.insert("reason".into(), json!(wf.reason_for_incompletion));
        input.insert("failureStatus".into(), json!(status.as_str()));
        if let Some(task_id) = &failed_task_id {
            input.insert("failureTaskId".into(), json!(task_id));
        }
        let rendered = super::render::render_workflow(wf, true);
        input.insert(
            "failedWorkflow".into(),
            serde_json::to_value(rendered).unwrap_or(Value::Null),
        );
        let params = StartParams {
            name: name.clone(),
            version,
            correlation_id: wf.correlation_id.clone(),
            input,
            task_to_domain: wf.task_to_domain.clone(),
            ..StartParams::default()
        };
        let outcome = match self.start_workflow(params) {
            Ok(id) => json!(id),
            Err(error) => {
                json!(format!(
                    "Error workflow {name} failed to start.  reason: {error}"
                ))
            }
        };
        wf.output
            .insert("conductor.failure_workflow".into(), outcome);
    }

    // -----------------------------------------------------------------------------------------
    // Sweeper support

    /// Recomputes when the sweeper must next look at a running workflow.
    pub(crate) fn refresh_sweep_due(&mut self, workflow_id: &str) {
        let Some(wf) = self.store.workflows.get(workflow_id) else {
            return;
        };
        if wf.status.is_terminal() {
            self.store.sweep_due.remove(workflow_id);
            return;
        }
        let mut due = self.now + DEFAULT_SWEEP_OFFSET_MS;
        if let Some(def) = &wf.workflow_definition
            && def.timeout_seconds > 0
        {
            let base = if wf.last_retried_time > 0 {
                wf.last_retried_time
            } else {
                wf.create_time.unwrap_or(self.now)
            };
            due = due.min(base + secs_to_millis(def.timeout_seconds));
        }
        for task in wf.tasks.iter().filter(|t| !t.status.is_terminal()) {
            let Some(td) = task_def_of(task, self.store) else {
                continue;
            };
            let delay = secs_to_millis(i64::from(task.start_delay_in_seconds));
            let callback = secs_to_millis(task.callback_after_seconds);
            if task.status == TaskStatus::Scheduled
                && let Some(poll) = td.poll_timeout_seconds.filter(|p| *p > 0)
            {
                due = due
                    .min(task.scheduled_time + delay + secs_to_millis(i64::from(poll)) + callback);
            }
            if task.status == TaskStatus::InProgress && td.response_timeout_seconds > 0 {
                due = due
                    .min(task.update_time + secs_to_millis(td.response_timeout_seconds) + callback);
            }
            if td.timeout_seconds > 0 && task.start_time > 0 {
                due = due.min(task.start_time + delay + secs_to_millis(td.timeout_seconds));
            }
            if let Some(at) = self.store.timers.get(&task.task_id) {
                due = due.min(*at);
            }
        }
        self.store.sweep_due.insert(workflow_id.to_owned(), due);
    }

    /// Re-pushes SCHEDULED worker tasks of running workflows whose queue message went missing.
    pub(crate) fn repair_queues(&mut self, workflow_id: &str) {
        let Some(wf) = self.store.workflows.get(workflow_id) else {
            return;
        };
        if wf.status.is_terminal() {
            return;
        }
        let missing: Vec<Task> = wf
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Scheduled && !self.is_system(&t.task_type))
            .filter(|t| {
                !self
                    .store
                    .queues
                    .contains(&queue_name(&t.task_type, t.domain.as_deref()), &t.task_id)
            })
            .cloned()
            .collect();
        for mut task in missing {
            task.callback_after_seconds = 0;
            self.queue_task(&task);
        }
    }
}

/// The retry delay in seconds after a failed attempt with retry count `n` (`DeciderService.retry`).
/// `DeciderService.retry`: a uniformly random jitter in `[0, max_jitter_ms]` (inclusive, as
/// `ThreadLocalRandom.nextLong(0, max + 1)`), added in milliseconds to a retry's delay. The
/// random bits come from a v4 UUID (the OS generator `uuid` already uses).
fn retry_jitter_ms(max_jitter_ms: i32) -> i64 {
    let span = u128::from(max_jitter_ms.max(0).unsigned_abs()) + 1;
    i64::try_from(uuid::Uuid::new_v4().as_u128() % span).unwrap_or(0)
}

pub(crate) fn retry_delay_seconds(td: &TaskDef, n: i32) -> i32 {
    let base = i64::from(td.retry_delay_seconds);
    let delay = match td.retry_logic {
        RetryLogic::LinearBackoff => base
            .saturating_mul(i64::from(td.backoff_scale_factor))
            .saturating_mul(i64::from(n) + 1),
        RetryLogic::ExponentialBackoff => {
            let factor = 2i64
                .checked_pow(u32::try_from(n).unwrap_or(0))
                .unwrap_or(i64::MAX);
            base.saturating_mul(factor)
        }
        _ => base,
    };
    let mut delay = if delay > i64::from(i32::MAX) || delay < 0 {
        i32::MAX
    } else {
        delay as i32
    };
    if td.max_retry_delay_seconds > 0 {
        delay = delay.min(td.max_retry_delay_seconds);
    }
    delay
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
pub(crate) fn map_worker_task(ctx: &MapContext<'_>) -> Result<Task, Terminate> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn def(logic: RetryLogic, delay: i32, factor: i32, max: i32) -> TaskDef {
        let mut td = TaskDef::new("t");
        td.retry_logic = logic;
        td.retry_delay_seconds = delay;
        td.backoff_scale_factor = factor;
        td.max_retry_delay_seconds = max;
        td
    }

    #[test]
    fn retry_jitter_stays_within_zero_and_the_maximum_inclusive() {
        let draws: Vec<i64> = (0..400).map(|_| retry_jitter_ms(3)).collect();
        assert!(draws.iter().all(|d| (0..=3).contains(d)), "{draws:?}");
        assert!(draws.contains(&0) && draws.contains(&3), "{draws:?}");
        assert_eq!(retry_jitter_ms(0), 0);
    }

    #[test]
    fn retry_delays_follow_the_policy() {
        assert_eq!(retry_delay_seconds(&def(RetryLogic::Fixed, 5, 1, 0), 3), 5);
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::LinearBackoff, 2, 3, 0), 0),
            6
        );
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::LinearBackoff, 2, 3, 0), 2),
            18
        );
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::ExponentialBackoff, 3, 1, 0), 0),
            3
        );
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::ExponentialBackoff, 3, 1, 0), 3),
            24
        );
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::ExponentialBackoff, 3, 1, 10), 3),
            10
        );
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::ExponentialBackoff, 1, 1, 0), 40),
            i32::MAX
        );
    }

    #[test]
    fn loop_suffix_is_stripped() {
        assert_eq!(strip_iteration("t1__3"), "t1");
        assert_eq!(strip_iteration("t1"), "t1");
    }
}
