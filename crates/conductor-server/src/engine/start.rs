//! Starting a workflow, the part that needs no engine: the parameters, their validation against
//! the metadata, and the new workflow instance (`WorkflowExecutorOps.startWorkflow`,
//! `MetadataMapperService`). Both the executor and the tasks that start workflows (SUB_WORKFLOW,
//! START_WORKFLOW) use it, so a task knows whether its start succeeds before it asks for it.

use conductor_models::{JsonMap, Workflow, WorkflowDef, WorkflowStatus, WorkflowTask};

use super::def_tree;
use super::error::{EngineError, EngineResult, Violation};
use super::task_defs::populate_task_defs;
use crate::store::Store;
use conductor_models::TaskType;

/// Parameters of a workflow start (from any of the start endpoints).
#[derive(Debug, Clone, Default, PartialEq)]
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

/// The definition a start runs, with its task definitions embedded; the error the start fails
/// with otherwise (unknown workflow, priority out of range, sub-workflow without definition).
pub(crate) fn start_definition(store: &Store, params: &StartParams) -> EngineResult<WorkflowDef> {
    let mut def = match &params.workflow_def {
        Some(def) => def.clone(),
        None => store
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
        return Err(EngineError::Validation(vec![Violation::new(
            "startWorkflow.startWorkflowRequest.priority",
            "priority: can be between 0 and 99",
        )]));
    }
    populate_task_defs(&mut def, store);
    let mut all = Vec::new();
    def_tree::all(&def.tasks, &mut all);
    if let Some(name) = all
        .into_iter()
        .find_map(|task| unversioned_sub_workflow_without_def(task, store))
    {
        return Err(EngineError::Internal(format!(
            "The Task {name} defined as a sub-workflow has no workflow definition available "
        )));
    }
    Ok(def)
}

/// `MetadataMapperService.populateVersionForSubWorkflow`: a SUB_WORKFLOW without a version needs
/// a registered definition of that name when the workflow starts; the name when it has none.
fn unversioned_sub_workflow_without_def(task: &WorkflowTask, store: &Store) -> Option<String> {
    let param = task.sub_workflow_param.as_ref()?;
    let name = param.name.clone().unwrap_or_default();
    (task.task_type == TaskType::SubWorkflow
        && param.version.is_none()
        && param.workflow_definition.is_none()
        && store.workflow_def(&name, None).is_none())
    .then_some(name)
}

/// The new RUNNING workflow `id` of a start whose definition is `def`, created at `now`.
pub(crate) fn new_workflow(
    id: String,
    def: WorkflowDef,
    params: StartParams,
    now: i64,
) -> Workflow {
    let mut input = params.input;
    if !input.is_empty() {
        for (k, v) in &def.input_template {
            input.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Workflow {
        workflow_id: id,
        status: WorkflowStatus::Running,
        variables: def.variables.clone(),
        workflow_definition: Some(def),
        create_time: Some(now),
        update_time: Some(now),
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
    }
}
