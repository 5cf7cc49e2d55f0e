//! `POST /workflow/test`: a workflow run whose worker tasks take mocked outputs
//! (`WorkflowTestService`).

use conductor_models::{Task, TaskResult, TaskStatus, TaskType, Workflow, WorkflowTestRequest};

use crate::engine::error::EngineResult;
use crate::engine::executor::Exec;
use crate::engine::start::StartParams;

/// Types the test endpoint runs normally instead of consuming mocks (`WorkflowTestService`).
const TEST_OPERATORS: [TaskType; 13] = [
    TaskType::Join,
    TaskType::DoWhile,
    TaskType::SetVariable,
    TaskType::Fork,
    TaskType::Inline,
    TaskType::Terminate,
    TaskType::Decision,
    TaskType::Dynamic,
    TaskType::ForkJoin,
    TaskType::ForkJoinDynamic,
    TaskType::Switch,
    TaskType::SubWorkflow,
    TaskType::Noop,
];

impl Exec<'_> {
    /// `POST /workflow/test`: runs a workflow with mocked worker outputs (`WorkflowTestService`).
    pub(crate) fn test_workflow(&mut self, request: WorkflowTestRequest) -> EngineResult<Workflow> {
        let mut task_to_domain = request.task_to_domain.clone();
        task_to_domain.insert("*".into(), uuid::Uuid::new_v4().to_string());
        let id = self.start_workflow(StartParams {
            name: request.name.clone(),
            version: request.version,
            correlation_id: request.correlation_id.clone(),
            input: request.input.clone(),
            task_to_domain,
            workflow_def: request.workflow_def.clone(),
            priority: request.priority,
            ..StartParams::default()
        })?;
        let mut mocks = request.task_ref_to_mock_output;
        for _ in 0..20_000 {
            let wf = self.workflow(&id)?;
            if wf.status.is_terminal() {
                break;
            }
            let pending: Vec<Task> = wf
                .tasks
                .iter()
                .filter(|t| {
                    !t.status.is_terminal()
                        && !TEST_OPERATORS.contains(&TaskType::from_wire(&t.task_type))
                })
                .cloned()
                .collect();
            if pending.is_empty()
                || pending
                    .iter()
                    .any(|t| mocks.get(&t.reference_task_name).is_none_or(Vec::is_empty))
            {
                break;
            }
            for task in pending {
                let Some(list) = mocks.get_mut(&task.reference_task_name) else {
                    continue;
                };
                if list.is_empty() {
                    continue;
                }
                let mock = list.remove(0);
                let result = TaskResult {
                    workflow_instance_id: id.clone(),
                    task_id: task.task_id.clone(),
                    status: mock.status.0.clone(),
                    output_data: mock.output.clone(),
                    ..TaskResult::default()
                };
                if mock.execution_time > 0 || mock.queue_wait_time > 0 {
                    // OSS writes such a mock straight to the store (no end or update time, the
                    // output merged into the task's) and then decides the workflow.
                    let now = self.now;
                    if let Some(stored) = self
                        .workflow_mut(&id)?
                        .tasks
                        .iter_mut()
                        .find(|t| t.task_id == task.task_id)
                    {
                        stored.start_time = now - mock.execution_time.max(0);
                        stored.scheduled_time = stored.start_time - mock.queue_wait_time.max(0);
                        stored.status = TaskStatus::from_wire(result.status.as_str());
                        stored.output_data.extend(result.output_data);
                    }
                    self.decide(&id);
                    continue;
                }
                self.update_task(&result)?;
            }
        }
        self.get_workflow(&id, true)
    }
}
