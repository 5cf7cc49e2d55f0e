//! Workflows started by a task: SUB_WORKFLOW (waits for the child and mirrors its end) and
//! START_WORKFLOW (fire and forget) (conductor-oss `SubWorkflowTaskMapper`, `SubWorkflow`,
//! `StartWorkflow`).

use conductor_models::{
    JsonMap, StartWorkflowRequest, SubWorkflowDefinition, Task, TaskStatus, Workflow, WorkflowDef,
    WorkflowStatus,
};
use serde_json::{Value, json};

use crate::engine::effects::{Effect, Executed, Mapped, Terminate};
use crate::engine::input::expression_document;
use crate::engine::start::{StartParams, start_definition};
use crate::engine::system_task::{MapContext, SystemTask};
use crate::engine::view::{View, new_id};
use crate::expr::Resolver;

/// `SUB_WORKFLOW`.
#[derive(Debug)]
pub(super) struct SubWorkflow;

/// The parent task's status, output and reason for a child that ended (`SubWorkflow.execute`).
pub(crate) fn child_outcome(task: &mut Task, child: &Workflow) -> bool {
    if !child.status.is_terminal() {
        return false;
    }
    task.status = match child.status {
        WorkflowStatus::Completed => TaskStatus::Completed,
        WorkflowStatus::Terminated => TaskStatus::Canceled,
        WorkflowStatus::TimedOut => TaskStatus::TimedOut,
        _ => TaskStatus::Failed,
    };
    let mut output = JsonMap::new();
    output.insert("subWorkflowId".into(), json!(child.workflow_id));
    output.extend(child.output.clone());
    task.output_data = output;
    if task.status != TaskStatus::Completed {
        let (name, version) = child
            .workflow_definition
            .as_ref()
            .map_or((String::new(), 0), |d| (d.name.clone(), d.version));
        task.reason_for_incompletion = Some(format!(
            "Sub workflow {name}.{version}/{} failure reason: {}",
            child.workflow_id,
            child.reason_for_incompletion.as_deref().unwrap_or("null")
        ));
    }
    true
}

/// The child a SUB_WORKFLOW task starts, from the input its mapper prepared.
fn child_params(wf: &Workflow, task: &Task) -> StartParams {
    let input = &task.input_data;
    let inline: Option<WorkflowDef> = input
        .get("subWorkflowDefinition")
        .filter(|v| v.is_object())
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let mut child_input = match input.get("workflowInput") {
        Some(Value::Object(map)) if !map.is_empty() => map.clone(),
        _ => input.clone(),
    };
    if inline.is_some() {
        child_input.insert("_systemMetadata".into(), json!({"dynamic": true}));
    }
    let task_to_domain = input
        .get("subWorkflowTaskToDomain")
        .filter(|v| v.is_object())
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_else(|| wf.task_to_domain.clone());
    let priority = input
        .get("priority")
        .and_then(|p| {
            p.as_i64()
                .or_else(|| p.as_str().and_then(|s| s.parse().ok()))
        })
        .map_or(wf.priority, |p| i32::try_from(p).unwrap_or(wf.priority));
    StartParams {
        name: input
            .get("subWorkflowName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        version: input
            .get("subWorkflowVersion")
            .and_then(Value::as_i64)
            .and_then(|v| i32::try_from(v).ok()),
        correlation_id: wf.correlation_id.clone(),
        input: child_input,
        task_to_domain,
        workflow_def: inline,
        priority,
        parent_workflow_id: Some(wf.workflow_id.clone()),
        parent_workflow_task_id: Some(task.task_id.clone()),
        ..StartParams::default()
    }
}

impl SystemTask for SubWorkflow {
    fn task_type(&self) -> &'static str {
        "SUB_WORKFLOW"
    }

    fn map(&self, view: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let wt = ctx.workflow_task;
        let params = wt.sub_workflow_param.clone().unwrap_or_default();
        let mut task = ctx.resolved_task(TaskStatus::Scheduled);
        let workflow_input = std::mem::take(&mut task.input_data);
        let doc = expression_document(ctx.workflow);
        let resolver = Resolver::new(&doc, Some(&ctx.task_id));
        let inline: Option<WorkflowDef> = match &params.workflow_definition {
            Some(SubWorkflowDefinition::Inline(def)) => Some((**def).clone()),
            Some(SubWorkflowDefinition::Expression(expr)) => {
                match resolver.resolve_value(&Value::String(expr.clone())) {
                    Value::Object(map) => serde_json::from_value(Value::Object(map)).ok(),
                    _ => None,
                }
            }
            None => None,
        };
        let (name, version) = match &inline {
            Some(def) => (def.name.clone(), Some(def.version)),
            None => {
                let name = params
                    .name
                    .as_ref()
                    .map(
                        |n| match resolver.resolve_value(&Value::String(n.clone())) {
                            Value::String(s) => s,
                            other => other.to_string(),
                        },
                    )
                    .unwrap_or_default();
                let version = params
                    .version
                    .or_else(|| view.store.latest_workflow_def(&name).map(|d| d.version));
                if version.is_none() || view.store.workflow_def(&name, version).is_none() {
                    return Err(Terminate::new(
                        format!(
                            "The Task {} defined as a sub-workflow has no workflow definition available ",
                            wt.task_reference_name
                        ),
                        WorkflowStatus::Failed,
                    ));
                }
                (name, version)
            }
        };
        let priority = params
            .priority
            .as_ref()
            .map(|p| resolver.resolve_value(p))
            .unwrap_or(Value::Null);
        let mut input = JsonMap::new();
        input.insert("subWorkflowName".into(), json!(name));
        input.insert("subWorkflowVersion".into(), json!(version));
        input.insert(
            "subWorkflowTaskToDomain".into(),
            json!(params.task_to_domain),
        );
        input.insert(
            "subWorkflowDefinition".into(),
            inline.as_ref().map_or(Value::Null, |d| json!(d)),
        );
        input.insert("priority".into(), priority);
        input.insert("idempotencyKey".into(), json!(params.idempotency_key));
        input.insert(
            "idempotencyStrategy".into(),
            json!(params.idempotency_strategy),
        );
        input.insert("workflowInput".into(), Value::Object(workflow_input));
        task.input_data = input;
        Ok(task.into())
    }

    fn execute(
        &self,
        view: &View<'_>,
        wf: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        if task.sub_workflow_id.is_none() {
            let params = child_params(wf, task);
            if let Err(error) = start_definition(view.store, &params) {
                task.status = TaskStatus::Failed;
                task.reason_for_incompletion = Some(error.to_string());
                return Ok(Executed::changed());
            }
            // The executor starts the child, then executes this task again to mirror a child
            // that ended during its first decide.
            let child_id = new_id();
            task.status = TaskStatus::InProgress;
            if task.start_time == 0 {
                task.start_time = view.now;
            }
            task.output_data
                .insert("subWorkflowId".into(), json!(child_id));
            task.sub_workflow_id = Some(child_id.clone());
            return Ok(Executed::changed().with(Effect::StartWorkflow {
                workflow_id: child_id,
                params: Box::new(params),
            }));
        }
        let Some(child) = task
            .sub_workflow_id
            .as_ref()
            .and_then(|id| view.store.workflows.get(id))
        else {
            return Ok(Executed::unchanged());
        };
        Ok(child_outcome(task, child).into())
    }

    fn cancel(&self, view: &View<'_>, wf: &Workflow, task: &mut Task) -> Vec<Effect> {
        let Some(child_id) = task.sub_workflow_id.clone() else {
            return Vec::new();
        };
        let running = view
            .store
            .workflows
            .get(&child_id)
            .is_some_and(|c| !c.status.is_terminal());
        if !running {
            return Vec::new();
        }
        let reason = match wf
            .reason_for_incompletion
            .as_deref()
            .filter(|r| !r.is_empty())
        {
            Some(reason) => format!("Parent workflow has been terminated with reason: {reason}"),
            None => format!(
                "Parent workflow has been terminated with status {}",
                wf.status.as_str()
            ),
        };
        vec![Effect::TerminateWorkflow {
            workflow_id: child_id,
            reason,
        }]
    }
}

/// `START_WORKFLOW`: starts another workflow and completes with its id.
#[derive(Debug)]
pub(super) struct StartWorkflow;

impl SystemTask for StartWorkflow {
    fn task_type(&self) -> &'static str {
        "START_WORKFLOW"
    }

    fn map(&self, _: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        Ok(ctx.resolved_task(TaskStatus::Scheduled).into())
    }

    fn execute(
        &self,
        view: &View<'_>,
        wf: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        let request: Result<StartWorkflowRequest, String> =
            match task.input_data.get("startWorkflow") {
                Some(value @ Value::Object(_)) => {
                    serde_json::from_value(value.clone()).map_err(|e| e.to_string())
                }
                _ => Err("Missing or invalid input parameter 'startWorkflow'".to_owned()),
            };
        let request = match request {
            Ok(r) if !r.name.is_empty() || r.workflow_def.is_some() => r,
            Ok(_) => {
                task.status = TaskStatus::Failed;
                task.reason_for_incompletion =
                    Some("Error starting workflow: startWorkflow.name cannot be empty".to_owned());
                return Ok(Executed::changed());
            }
            Err(e) => {
                task.status = TaskStatus::Failed;
                task.reason_for_incompletion = Some(format!("Error starting workflow: {e}"));
                return Ok(Executed::changed());
            }
        };
        let params = StartParams {
            name: request
                .workflow_def
                .as_ref()
                .map_or(request.name.clone(), |d| d.name.clone()),
            version: request.version,
            correlation_id: request
                .correlation_id
                .filter(|c| !c.is_empty())
                .or_else(|| wf.correlation_id.clone()),
            input: request.input,
            task_to_domain: if request.task_to_domain.is_empty() {
                wf.task_to_domain.clone()
            } else {
                request.task_to_domain
            },
            workflow_def: request.workflow_def,
            priority: request.priority,
            ..StartParams::default()
        };
        if task.start_time == 0 {
            task.start_time = view.now;
        }
        if let Err(error) = start_definition(view.store, &params) {
            task.status = TaskStatus::Failed;
            task.reason_for_incompletion = Some(error.to_string());
            return Ok(Executed::changed());
        }
        let workflow_id = new_id();
        task.output_data
            .insert("workflowId".into(), json!(workflow_id));
        task.status = TaskStatus::Completed;
        Ok(Executed::changed().with(Effect::StartWorkflow {
            workflow_id,
            params: Box::new(params),
        }))
    }
}
