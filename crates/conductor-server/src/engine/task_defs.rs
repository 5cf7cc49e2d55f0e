//! Task definitions applied to tasks: the one embedded in the workflow task, the registered one,
//! or an ad-hoc one for a name nobody registered (conductor-oss `MetadataMapperService`).

use conductor_models::{Task, TaskDef, TaskType, WorkflowDef, WorkflowTask};

use crate::store::Store;

/// The task definition to apply to a task: the one embedded at start, else the registered one.
pub(crate) fn task_def_of<'t>(task: &'t Task, store: &'t Store) -> Option<&'t TaskDef> {
    task.workflow_task
        .as_ref()
        .and_then(|wt| wt.task_definition.as_ref())
        .or_else(|| store.task_defs.get(&task.task_def_name))
}

/// An ad-hoc task definition for a task name nobody registered (`MetadataMapperService`).
fn ad_hoc_task_def(name: &str, simple: bool) -> TaskDef {
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
