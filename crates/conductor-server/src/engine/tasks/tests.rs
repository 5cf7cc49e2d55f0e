//! Unit tests of the system tasks on a read-only [`View`] of a plain [`Store`], with no executor:
//! each checks the state a task gives itself and the effects it asks for.

use conductor_models::{
    JsonMap, Task, TaskDef, TaskStatus, TaskType, Workflow, WorkflowDef, WorkflowStatus,
    WorkflowTask,
};
use serde_json::{Value, json};

use crate::engine::Settings;
use crate::engine::effects::{Effect, Executed, Mapped};
use crate::engine::system_task::{SystemTask, SystemTaskRegistry};
use crate::engine::view::{MapTasks, View};
use crate::store::Store;

/// The time of every view in these tests.
const NOW: i64 = 1_000;

fn map_of(value: Value) -> JsonMap {
    value.as_object().cloned().unwrap_or_default()
}

/// A store, settings and the real registry: all a [`View`] needs.
struct Fixture {
    store: Store,
    settings: Settings,
    registry: SystemTaskRegistry,
}

impl Default for Fixture {
    fn default() -> Self {
        Self {
            store: Store::default(),
            settings: Settings::default(),
            registry: SystemTaskRegistry::of(super::all()),
        }
    }
}

impl Fixture {
    fn view(&self, now: i64) -> View<'_> {
        View::new(&self.store, now, &self.settings, &self.registry)
    }

    fn system(&self, task: &Task) -> std::sync::Arc<dyn SystemTask> {
        self.registry
            .get(&task.task_type)
            .unwrap_or_else(|| panic!("{} is no system task", task.task_type))
    }

    fn execute_at(&self, now: i64, wf: &Workflow, task: &mut Task) -> Executed {
        match self.system(task).execute(&self.view(now), wf, task) {
            Ok(executed) => executed,
            Err(terminate) => panic!("the task ended the workflow: {}", terminate.reason),
        }
    }

    fn execute(&self, wf: &Workflow, task: &mut Task) -> Executed {
        self.execute_at(NOW, wf, task)
    }

    fn map(&self, wf: &Workflow, workflow_task: &WorkflowTask) -> Mapped {
        match self
            .registry
            .tasks_to_be_scheduled(&self.view(NOW), wf, workflow_task, 0, None)
        {
            Ok(mapped) => mapped,
            Err(terminate) => panic!("the mapping ended the workflow: {}", terminate.reason),
        }
    }
}

fn workflow(def: WorkflowDef) -> Workflow {
    Workflow {
        workflow_id: "wf-1".into(),
        status: WorkflowStatus::Running,
        workflow_definition: Some(def),
        ..Workflow::default()
    }
}

fn task(task_type: TaskType, reference: &str, input: Value) -> Task {
    Task {
        task_id: format!("{reference}-id"),
        task_type: task_type.as_str().to_owned(),
        reference_task_name: reference.to_owned(),
        workflow_instance_id: "wf-1".into(),
        input_data: map_of(input),
        status: TaskStatus::InProgress,
        ..Task::default()
    }
}

#[test]
fn set_variable_returns_the_merged_variables() {
    let fixture = Fixture::default();
    let mut wf = workflow(WorkflowDef::new("w"));
    wf.variables = map_of(json!({"a": 1}));
    let mut set = task(TaskType::SetVariable, "set", json!({"b": 2}));
    let executed = fixture.execute(&wf, &mut set);
    assert_eq!(set.status, TaskStatus::Completed);
    assert_eq!(
        executed,
        Executed::changed().with(Effect::SetVariables(map_of(json!({"a": 1, "b": 2}))))
    );
}

#[test]
fn terminate_records_the_output_and_asks_for_nothing() {
    let fixture = Fixture::default();
    let wf = workflow(WorkflowDef::new("w"));
    let input = json!({"terminationStatus": "FAILED", "workflowOutput": {"x": 1}});
    let mut end = task(TaskType::Terminate, "end", input);
    assert_eq!(fixture.execute(&wf, &mut end), Executed::changed());
    assert_eq!(end.status, TaskStatus::Completed);
    assert_eq!(end.output_data, map_of(json!({"x": 1})));

    let mut invalid = task(
        TaskType::Terminate,
        "bad",
        json!({"terminationStatus": "PAUSED"}),
    );
    assert_eq!(fixture.execute(&wf, &mut invalid), Executed::changed());
    assert_eq!(invalid.status, TaskStatus::Failed);
}

#[test]
fn event_publishes_its_output_on_the_workflow_queue() {
    let fixture = Fixture::default();
    let wf = workflow(WorkflowDef::new("orders"));
    let input = json!({"sink": "conductor", "asyncComplete": false});
    let mut notify = task(TaskType::Event, "notify", input);
    let system = fixture.system(&notify);
    let started = system.start(&fixture.view(NOW), &wf, &mut notify);
    assert!(started.is_ok());
    assert_eq!(
        notify.output_data.get("event_produced"),
        Some(&json!("conductor:orders:notify"))
    );
    let executed = fixture.execute(&wf, &mut notify);
    assert_eq!(notify.status, TaskStatus::Completed);
    assert_eq!(
        executed.effects,
        [Effect::PublishEvent {
            queue: "conductor:orders:notify".into(),
            message_id: "notify-id".into(),
            payload: Value::Object(notify.output_data.clone()),
        }]
    );
}

#[test]
fn sub_workflow_asks_to_start_its_child_then_mirrors_its_end() {
    let mut fixture = Fixture::default();
    fixture
        .store
        .workflow_defs
        .entry_or_default::<std::collections::BTreeMap<i32, WorkflowDef>>("child".into())
        .insert(1, WorkflowDef::new("child"));
    let wf = workflow(WorkflowDef::new("parent"));
    let input = json!({
        "subWorkflowName": "child",
        "subWorkflowVersion": 1,
        "workflowInput": {"k": "v"},
    });
    let mut sub = task(TaskType::SubWorkflow, "sub", input);
    sub.status = TaskStatus::Scheduled;

    let executed = fixture.execute(&wf, &mut sub);
    assert_eq!(sub.status, TaskStatus::InProgress);
    assert_eq!(sub.start_time, NOW);
    let child_id = sub.sub_workflow_id.clone().unwrap_or_default();
    let [
        Effect::StartWorkflow {
            workflow_id,
            params,
        },
    ] = executed.effects.as_slice()
    else {
        panic!("one start expected: {executed:?}");
    };
    assert_eq!(workflow_id, &child_id);
    assert_eq!(params.name, "child");
    assert_eq!(params.version, Some(1));
    assert_eq!(params.input, map_of(json!({"k": "v"})));
    assert_eq!(params.parent_workflow_id.as_deref(), Some("wf-1"));
    assert_eq!(params.parent_workflow_task_id.as_deref(), Some("sub-id"));

    // The child ended: executed again, the task takes its outcome and asks for nothing.
    fixture.store.insert_workflow(Workflow {
        workflow_id: child_id.clone(),
        status: WorkflowStatus::Completed,
        output: map_of(json!({"r": 1})),
        ..Workflow::default()
    });
    assert_eq!(fixture.execute(&wf, &mut sub), Executed::changed());
    assert_eq!(sub.status, TaskStatus::Completed);
    assert_eq!(
        sub.output_data,
        map_of(json!({"subWorkflowId": child_id, "r": 1}))
    );
}

#[test]
fn sub_workflow_without_a_definition_fails_and_starts_nothing() {
    let fixture = Fixture::default();
    let wf = workflow(WorkflowDef::new("parent"));
    let input = json!({"subWorkflowName": "missing", "subWorkflowVersion": 1});
    let mut sub = task(TaskType::SubWorkflow, "sub", input);
    assert_eq!(fixture.execute(&wf, &mut sub), Executed::changed());
    assert_eq!(sub.status, TaskStatus::Failed);
    assert_eq!(
        sub.reason_for_incompletion.as_deref(),
        Some("No such workflow defined. name=missing, version=1")
    );
    assert_eq!(sub.sub_workflow_id, None);
}

#[test]
fn sub_workflow_cancel_terminates_a_running_child() {
    let mut fixture = Fixture::default();
    fixture.store.insert_workflow(Workflow {
        workflow_id: "child-1".into(),
        status: WorkflowStatus::Running,
        ..Workflow::default()
    });
    let mut wf = workflow(WorkflowDef::new("parent"));
    wf.status = WorkflowStatus::Terminated;
    wf.reason_for_incompletion = Some("stop".into());
    let mut sub = task(TaskType::SubWorkflow, "sub", json!({}));
    sub.sub_workflow_id = Some("child-1".into());
    let effects = fixture
        .system(&sub)
        .cancel(&fixture.view(NOW), &wf, &mut sub);
    assert_eq!(
        effects,
        [Effect::TerminateWorkflow {
            workflow_id: "child-1".into(),
            reason: "Parent workflow has been terminated with reason: stop".into(),
        }]
    );
}

#[test]
fn switch_maps_the_chosen_case_through_the_view() {
    let fixture = Fixture::default();
    let mut chosen = WorkflowTask::simple("worker_a", "a_ref");
    chosen.task_definition = Some(TaskDef::new("worker_a"));
    let mut switch = WorkflowTask::new(TaskType::Switch, "switch", "sw");
    switch.evaluator_type = Some("value-param".into());
    switch.expression = Some("kind".into());
    switch.input_parameters = map_of(json!({"kind": "${workflow.input.kind}"}));
    switch.decision_cases.insert("a".into(), vec![chosen]);
    switch.default_case = vec![WorkflowTask::simple("worker_d", "d_ref")];
    let mut def = WorkflowDef::new("w");
    def.tasks = vec![switch.clone()];
    let mut wf = workflow(def);
    wf.input = map_of(json!({"kind": "a"}));

    let mapped = fixture.map(&wf, &switch);
    let refs: Vec<&str> = mapped
        .tasks
        .iter()
        .map(|t| t.reference_task_name.as_str())
        .collect();
    assert_eq!(refs, ["sw", "a_ref"]);
    assert_eq!(mapped.tasks[0].input_data.get("case"), Some(&json!("a")));
    assert_eq!(
        mapped.tasks[0].output_data.get("selectedCase"),
        Some(&json!("a"))
    );
    assert_eq!(mapped.tasks[1].status, TaskStatus::Scheduled);
    assert!(mapped.effects.is_empty());
}

#[test]
fn wait_arms_and_clears_its_timer_through_effects() {
    let mut fixture = Fixture::default();
    let mut wait = WorkflowTask::new(TaskType::Wait, "wait", "pause");
    wait.input_parameters = map_of(json!({"duration": "5s"}));
    let wf = workflow(WorkflowDef::new("w"));

    let mapped = fixture.map(&wf, &wait);
    let [mut pause] = <[Task; 1]>::try_from(mapped.tasks).unwrap_or_else(|t| panic!("{t:?}"));
    let due = NOW + 5_000;
    assert_eq!(
        mapped.effects,
        [Effect::SetTimer {
            task_id: pause.task_id.clone(),
            at: due,
        }]
    );

    fixture.store.timers.insert(pause.task_id.clone(), due);
    assert_eq!(
        fixture.execute_at(due - 1, &wf, &mut pause),
        Executed::unchanged()
    );
    let executed = fixture.execute_at(due, &wf, &mut pause);
    assert_eq!(pause.status, TaskStatus::Completed);
    assert_eq!(
        executed.effects,
        [Effect::ClearTimer {
            task_id: pause.task_id.clone(),
        }]
    );
}

#[test]
fn do_while_asks_for_its_next_iteration_and_drops_old_ones() {
    let mut fixture = Fixture::default();
    // The condition is evaluated at once (as for the test endpoint), not outside the lock.
    fixture.store.offload.in_place = true;
    let body = WorkflowTask::simple("worker", "t");
    let mut lp = WorkflowTask::new(TaskType::DoWhile, "loop", "loop");
    lp.loop_over = vec![body.clone()];
    lp.loop_condition = Some("$.loop['iteration'] < 3".into());
    lp.input_parameters = map_of(json!({"keepLastN": 1}));
    let mut def = WorkflowDef::new("w");
    def.tasks = vec![lp.clone()];
    let mut wf = workflow(def);

    let mut looping = task(TaskType::DoWhile, "loop", json!({"keepLastN": 1}));
    looping.workflow_task = Some(lp);
    let first = fixture.execute(&wf, &mut looping);
    assert_eq!(looping.iteration, 1);
    assert_eq!(
        first,
        Executed::changed().with(Effect::Schedule(Box::new(body.clone())))
    );

    // Iteration 2 ended: iteration 1 is dropped (keepLastN 1) and iteration 3 scheduled.
    looping.iteration = 2;
    looping.output_data = map_of(json!({"iteration": 2, "1": {"t": {}}}));
    let done = |reference: &str| Task {
        status: TaskStatus::Completed,
        ..task(TaskType::Simple, reference, json!({}))
    };
    wf.tasks = vec![looping.clone(), done("t__1"), done("t__2")];
    let next = fixture.execute(&wf, &mut looping);
    assert_eq!(looping.iteration, 3);
    assert_eq!(looping.status, TaskStatus::InProgress);
    assert!(!looping.output_data.contains_key("1"));
    assert!(looping.output_data.contains_key("2"));
    assert_eq!(
        next,
        Executed::changed()
            .with(Effect::DeleteTasks(vec!["t__1".into()]))
            .with(Effect::Schedule(Box::new(body)))
    );
}
