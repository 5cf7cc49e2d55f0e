//! Builders for the control-flow operators of a [`WorkflowTask`]: `SWITCH`, `FORK_JOIN` / `JOIN`,
//! `DO_WHILE`, `DYNAMIC`, `FORK_JOIN_DYNAMIC`, `SET_VARIABLE`, `TERMINATE` (and
//! [`TerminationStatus`]).
//!
//! Every wire name here was read from the server: the OSS task mappers and tasks
//! (`core/.../execution/mapper/*TaskMapper.java`, `core/.../execution/tasks/*.java`) and
//! `WorkflowTask.java`; the `JOIN` script is an Orkes feature, mapped the way the Orkes Python SDK
//! (`join_task.py`) sends it. As for the other system tasks, the task `name` is the reference
//! name.

use serde_json::Value;

use crate::wire_enum::wire_enum;
use crate::{TaskType, WorkflowTask};

/// Input parameter holding the `SWITCH` case value for [`WorkflowTask::switch`] (the Java and
/// Python SDKs use the same name).
const SWITCH_CASE_VALUE_PARAM: &str = "switchCaseValue";
/// Input parameter holding the task name of a [`WorkflowTask::dynamic`] task.
const DYNAMIC_TASK_NAME_PARAM: &str = "taskToExecute";
/// Input parameter holding the `WorkflowTask[]` of a [`WorkflowTask::dynamic_fork`].
const DYNAMIC_FORK_TASKS_PARAM: &str = "forkedTasks";
/// Input parameter holding the `{ref: input}` map of a [`WorkflowTask::dynamic_fork`].
const DYNAMIC_FORK_INPUTS_PARAM: &str = "forkedTasksInputs";

wire_enum! {
    /// The status a `TERMINATE` task ends the workflow with (`inputParameters.terminationStatus`).
    ///
    /// The OSS `Terminate` task accepts exactly these three; anything else fails the task with
    /// "given termination status is not valid".
    ///
    /// ```
    /// use conductor_models::{TerminationStatus, WorkflowTask};
    ///
    /// let task = WorkflowTask::terminate("stop_ref", TerminationStatus::Failed);
    /// assert_eq!(task.input_parameters["terminationStatus"], "FAILED");
    /// ```
    pub enum TerminationStatus {
        /// End the workflow `COMPLETED` (no failure workflow runs).
        Completed => "COMPLETED",
        /// End the workflow `FAILED` (the failure workflow, if any, runs).
        Failed => "FAILED",
        /// End the workflow `TERMINATED` (the failure workflow, if any, runs).
        Terminated => "TERMINATED",
    }
}

impl WorkflowTask {
    /// A `SWITCH` that branches on a **value**: `case_value` (usually an expression such as
    /// `"${workflow.input.kind}"` or [`workflow_input("kind")`](crate::workflow_input)) is resolved
    /// by the server and its string form picks the case.
    ///
    /// Wire form (the `value-param` evaluator, as the Java and Python SDKs send it):
    /// `evaluatorType: "value-param"`, `expression: "switchCaseValue"`,
    /// `inputParameters.switchCaseValue: case_value`. Add the branches with
    /// [`WorkflowTask::with_case`] and [`WorkflowTask::with_default_case`]. The server stringifies
    /// the value (`true` → `"true"`, `1` → `"1"`, `null` → `"null"`) and looks the string up in
    /// `decisionCases`; no match runs `defaultCase`.
    ///
    /// ```
    /// use conductor_models::{WorkflowTask, workflow_input};
    /// use serde_json::json;
    /// let task = WorkflowTask::switch("route_ref", workflow_input("kind"))
    ///     .with_case("card", vec![WorkflowTask::simple("charge_card", "card_ref")])
    ///     .with_default_case(vec![WorkflowTask::simple("manual_review", "review_ref")]);
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "SWITCH");
    /// assert_eq!(json["evaluatorType"], "value-param");
    /// assert_eq!(json["expression"], "switchCaseValue");
    /// assert_eq!(json["inputParameters"], json!({"switchCaseValue": "${workflow.input.kind}"}));
    /// assert_eq!(json["decisionCases"]["card"][0]["taskReferenceName"], "card_ref");
    /// assert_eq!(json["defaultCase"][0]["taskReferenceName"], "review_ref");
    /// ```
    pub fn switch(task_reference_name: impl Into<String>, case_value: impl Into<Value>) -> Self {
        let reference = task_reference_name.into();
        WorkflowTask {
            evaluator_type: Some("value-param".to_owned()),
            expression: Some(SWITCH_CASE_VALUE_PARAM.to_owned()),
            ..Self::new(TaskType::Switch, reference.clone(), reference)
        }
        .with_input_param(SWITCH_CASE_VALUE_PARAM, case_value)
    }

    /// A `SWITCH` that branches on the result of a JavaScript `script` (`evaluatorType:
    /// "javascript"`, `expression: script`). The script sees the task's resolved input as `$`, so
    /// pass what it needs with [`WorkflowTask::with_input_param`]; the value of its last
    /// expression, stringified, picks the case (wrap multi-statement logic in an IIFE).
    ///
    /// `javascript` works on every 3.x server; conductor-oss 3.21.0 to 3.21.20 fail the workflow on
    /// `graaljs` ("No evaluator registered for type: graaljs"). Set
    /// [`evaluator_type`](WorkflowTask::evaluator_type) to choose another evaluator.
    ///
    /// ```
    /// use conductor_models::{WorkflowTask, workflow_input};
    /// let task = WorkflowTask::switch_js("size_ref", "$.amount > 100 ? 'large' : 'small'")
    ///     .with_input_param("amount", workflow_input("amount"))
    ///     .with_case("large", vec![WorkflowTask::simple("approve", "approve_ref")]);
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["evaluatorType"], "javascript");
    /// assert_eq!(json["expression"], "$.amount > 100 ? 'large' : 'small'");
    /// assert_eq!(json["inputParameters"]["amount"], "${workflow.input.amount}");
    /// ```
    pub fn switch_js(task_reference_name: impl Into<String>, script: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        WorkflowTask {
            evaluator_type: Some("javascript".to_owned()),
            expression: Some(script.into()),
            ..Self::new(TaskType::Switch, reference.clone(), reference)
        }
    }

    /// `SWITCH`: the tasks to run when the case value is `case` (`decisionCases[case]`).
    /// Replaces an earlier case with the same value. An empty list is a case that runs nothing
    /// (OSS v3.31+; older servers fall through to the default case).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let switch = WorkflowTask::switch("route_ref", "${workflow.input.country}")
    ///     .with_case("FR", vec![WorkflowTask::simple("ship_fr", "ship_fr_ref")])
    ///     .with_case("DE", vec![WorkflowTask::simple("ship_de", "ship_de_ref")]);
    /// assert_eq!(switch.decision_cases.len(), 2);
    /// assert_eq!(serde_json::to_value(&switch)?["decisionCases"]["FR"][0]["name"], "ship_fr");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_case(mut self, case: impl Into<String>, tasks: Vec<WorkflowTask>) -> Self {
        self.decision_cases.insert(case.into(), tasks);
        self
    }

    /// `SWITCH`: the tasks to run when no case matches (`defaultCase`). Default: none.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let switch = WorkflowTask::switch("route_ref", "${workflow.input.country}")
    ///     .with_default_case(vec![WorkflowTask::simple("ship_intl", "ship_intl_ref")]);
    /// assert_eq!(serde_json::to_value(&switch)?["defaultCase"][0]["taskReferenceName"], "ship_intl_ref");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_default_case(mut self, tasks: Vec<WorkflowTask>) -> Self {
        self.default_case = tasks;
        self
    }

    /// A static `FORK_JOIN`: runs each branch (a list of tasks run in sequence) in parallel.
    ///
    /// **What it produces:** the `FORK_JOIN` task only (`forkTasks: branches`). The server
    /// requires the task right after a fork to be a `JOIN` (otherwise it terminates the workflow
    /// with "Fork task definition is not followed by a join task"), so add
    /// [`WorkflowTask::join`]`(join_task_reference_name, ...)` next, as in the seed's
    /// fork/join-with-script example. `join_task_reference_name` is that `JOIN`'s reference name:
    /// it is not sent to the server (there is no such field) but kept in
    /// [`WorkflowTask::fork_join_ref`] so that [`WorkflowDef::validate`](crate::WorkflowDef::validate)
    /// (run by `ConductorWorkflow::register`) reports a fork whose next task is not that `JOIN`.
    /// `ConductorWorkflow::fork` in `conductor-client` adds both tasks for you.
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    /// let branches = vec![
    ///     vec![WorkflowTask::simple("task_a", "task_a_ref")],
    ///     vec![WorkflowTask::simple("task_b", "task_b_ref")],
    /// ];
    /// let def = WorkflowDef::new("fan_out")
    ///     .with_task(WorkflowTask::fork_join("fork_ref", branches, "join_ref"))
    ///     .with_task(WorkflowTask::join("join_ref", vec!["task_a_ref", "task_b_ref"]));
    /// let json = serde_json::to_value(&def).unwrap();
    /// assert_eq!(json["tasks"][0]["type"], "FORK_JOIN");
    /// assert_eq!(json["tasks"][0]["forkTasks"][1][0]["taskReferenceName"], "task_b_ref");
    /// assert_eq!(json["tasks"][0]["joinOn"], serde_json::json!([]));
    /// assert_eq!(json["tasks"][1]["type"], "JOIN");
    /// assert!(def.validate().is_ok());
    /// ```
    pub fn fork_join(
        task_reference_name: impl Into<String>,
        branches: Vec<Vec<WorkflowTask>>,
        join_task_reference_name: impl Into<String>,
    ) -> Self {
        let reference = task_reference_name.into();
        WorkflowTask {
            fork_tasks: branches,
            fork_join_ref: Some(join_task_reference_name.into()),
            ..Self::new(TaskType::ForkJoin, reference.clone(), reference)
        }
    }

    /// A `JOIN` that waits for the tasks listed in `join_on` (usually the last task of each fork
    /// branch) and outputs `{ref: output}` for each of them.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let join = WorkflowTask::join("join_ref", vec!["task_a_ref", "task_b_ref"]);
    /// let json = serde_json::to_value(&join).unwrap();
    /// assert_eq!(json["type"], "JOIN");
    /// assert_eq!(json["joinOn"], serde_json::json!(["task_a_ref", "task_b_ref"]));
    /// ```
    pub fn join<S: Into<String>>(
        task_reference_name: impl Into<String>,
        join_on: impl IntoIterator<Item = S>,
    ) -> Self {
        let reference = task_reference_name.into();
        WorkflowTask {
            join_on: join_on.into_iter().map(Into::into).collect(),
            ..Self::new(TaskType::Join, reference.clone(), reference)
        }
    }

    /// `JOIN`: a JavaScript script deciding when the join completes (**Orkes**).
    ///
    /// Wire form, as the Orkes Python SDK sends it (`JoinTask(join_on_script=...)`):
    /// `evaluatorType: "js"`, `expression: script` on the `JOIN`. The script sees `$.joinOn` and,
    /// per joined reference, `$[ref]` (with its `status`); it returns `true` (or an object with
    /// `status: "COMPLETED"`) to complete the join, or an object with `status: "IN_PROGRESS"` to
    /// keep waiting. The OSS server has no join script: it ignores both fields and waits for every
    /// task in `joinOn`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let join = WorkflowTask::join("join_ref", vec!["a_ref", "b_ref", "c_ref"])
    ///     .with_join_script("(function(){ return $.joinOn.length >= 2; })();");
    /// let json = serde_json::to_value(&join).unwrap();
    /// assert_eq!(json["evaluatorType"], "js");
    /// assert_eq!(json["expression"], "(function(){ return $.joinOn.length >= 2; })();");
    /// ```
    #[must_use]
    pub fn with_join_script(mut self, script: impl Into<String>) -> Self {
        self.evaluator_type = Some("js".to_owned());
        self.expression = Some(script.into());
        self
    }

    /// A `DO_WHILE` loop: runs `loop_over` once, then again while the JavaScript
    /// `loop_condition` is true.
    ///
    /// The condition sees `$` = the loop's resolved `inputParameters`, plus `$.<loop_ref>` (the
    /// loop's output, with `iteration`, 1-based) and `$.<body_ref>` for each body task's latest
    /// output; it must produce a boolean (a number counts as true when `> 0`). Tasks in the body
    /// run as `<ref>__<iteration>` on the server.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let task = WorkflowTask::do_while(
    ///     "loop_ref",
    ///     "$.loop_ref['iteration'] < $.times",
    ///     vec![WorkflowTask::simple("step", "step_ref")],
    /// )
    /// .with_input_param("times", 3);
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "DO_WHILE");
    /// assert_eq!(json["loopCondition"], "$.loop_ref['iteration'] < $.times");
    /// assert_eq!(json["loopOver"][0]["taskReferenceName"], "step_ref");
    /// assert_eq!(json["inputParameters"]["times"], 3);
    /// ```
    pub fn do_while(
        task_reference_name: impl Into<String>,
        loop_condition: impl Into<String>,
        loop_over: Vec<WorkflowTask>,
    ) -> Self {
        let reference = task_reference_name.into();
        WorkflowTask {
            loop_condition: Some(loop_condition.into()),
            loop_over,
            ..Self::new(TaskType::DoWhile, reference.clone(), reference)
        }
    }

    /// `DO_WHILE`: keep only the last `n` iterations' tasks and outputs
    /// (`inputParameters.keepLastN`, OSS v3.20+): older iterations are removed as the loop runs.
    /// Default: keep all.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let poll = WorkflowTask::do_while(
    ///     "poll_loop_ref",
    ///     "if ($.poll_loop_ref['iteration'] < 1000) { true; } else { false; }",
    ///     vec![WorkflowTask::simple("check_status", "check_ref")],
    /// )
    /// .with_keep_last_n(5); // keep the history of a long loop small
    /// assert_eq!(poll.input_parameters["keepLastN"], 5);
    /// ```
    #[must_use]
    pub fn with_keep_last_n(self, n: u32) -> Self {
        self.with_input_param("keepLastN", n)
    }

    /// `DO_WHILE`: iterate over a list (`items`, an expression yielding a list; OSS v3.22+). Each
    /// iteration sees `loopItem` and `loopIndex` (0-based) in the loop output. Default: none.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let each = WorkflowTask::do_while("each_ref", "", vec![WorkflowTask::simple("notify", "notify_ref")])
    ///     .with_items("${workflow.input.recipients}");
    /// assert_eq!(serde_json::to_value(&each)?["items"], "${workflow.input.recipients}");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_items(mut self, items: impl Into<String>) -> Self {
        self.items = Some(items.into());
        self
    }

    /// A `DYNAMIC` task: the task to run is named at runtime by `task_name` (usually an
    /// expression such as `"${workflow.input.handler}"`); the resolved name is also the type, so
    /// it can name a worker task or a system task.
    ///
    /// Wire form (as the Java and Python SDKs send it): `dynamicTaskNameParam: "taskToExecute"`,
    /// `inputParameters.taskToExecute: task_name`. Inputs for the resolved task go in the other
    /// input parameters.
    ///
    /// ```
    /// use conductor_models::{WorkflowTask, workflow_input};
    /// let task = WorkflowTask::dynamic("handler_ref", workflow_input("handler"))
    ///     .with_input_param("orderId", workflow_input("orderId"));
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "DYNAMIC");
    /// assert_eq!(json["dynamicTaskNameParam"], "taskToExecute");
    /// assert_eq!(json["inputParameters"]["taskToExecute"], "${workflow.input.handler}");
    /// ```
    pub fn dynamic(task_reference_name: impl Into<String>, task_name: impl Into<Value>) -> Self {
        let reference = task_reference_name.into();
        WorkflowTask {
            dynamic_task_name_param: Some(DYNAMIC_TASK_NAME_PARAM.to_owned()),
            ..Self::new(TaskType::Dynamic, reference.clone(), reference)
        }
        .with_input_param(DYNAMIC_TASK_NAME_PARAM, task_name)
    }

    /// A `FORK_JOIN_DYNAMIC`: forks branches computed at runtime. `tasks` must resolve to a list
    /// of workflow tasks (`WorkflowTask` JSON, each with a `taskReferenceName`) and `inputs` to a
    /// map from those reference names to each branch's input; both are usually expressions over
    /// an earlier task's output.
    ///
    /// Wire form (as the Java SDK sends it): `dynamicForkTasksParam: "forkedTasks"`,
    /// `dynamicForkTasksInputParamName: "forkedTasksInputs"`, with those two input parameters.
    /// Like a static fork it must be followed by a [`WorkflowTask::join`]; leave that join's
    /// `joinOn` empty: the server fills it with the branches it created.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let plan = WorkflowTask::simple("plan", "plan_ref");
    /// let task = WorkflowTask::dynamic_fork(
    ///     "fan_out_ref",
    ///     plan.output_ref("tasks"),
    ///     plan.output_ref("inputs"),
    /// );
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "FORK_JOIN_DYNAMIC");
    /// assert_eq!(json["dynamicForkTasksParam"], "forkedTasks");
    /// assert_eq!(json["dynamicForkTasksInputParamName"], "forkedTasksInputs");
    /// assert_eq!(json["inputParameters"]["forkedTasks"], "${plan_ref.output.tasks}");
    /// assert_eq!(json["inputParameters"]["forkedTasksInputs"], "${plan_ref.output.inputs}");
    /// ```
    pub fn dynamic_fork(
        task_reference_name: impl Into<String>,
        tasks: impl Into<Value>,
        inputs: impl Into<Value>,
    ) -> Self {
        let reference = task_reference_name.into();
        WorkflowTask {
            dynamic_fork_tasks_param: Some(DYNAMIC_FORK_TASKS_PARAM.to_owned()),
            dynamic_fork_tasks_input_param_name: Some(DYNAMIC_FORK_INPUTS_PARAM.to_owned()),
            ..Self::new(TaskType::ForkJoinDynamic, reference.clone(), reference)
        }
        .with_input_param(DYNAMIC_FORK_TASKS_PARAM, tasks)
        .with_input_param(DYNAMIC_FORK_INPUTS_PARAM, inputs)
    }

    /// A `SET_VARIABLE` task: every input parameter (add them with
    /// [`WorkflowTask::with_input_param`]) is written into the workflow variables, read back with
    /// `${workflow.variables.<name>}` ([`workflow_variable`](crate::workflow_variable)).
    ///
    /// ```
    /// use conductor_models::{WorkflowTask, workflow_input};
    /// let task = WorkflowTask::set_variable("remember_ref")
    ///     .with_input_param("customer", workflow_input("customerId"));
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "SET_VARIABLE");
    /// assert_eq!(json["inputParameters"]["customer"], "${workflow.input.customerId}");
    /// ```
    pub fn set_variable(task_reference_name: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        Self::new(TaskType::SetVariable, reference.clone(), reference)
    }

    /// A `TERMINATE` task: ends the workflow at once with `status`
    /// (`inputParameters.terminationStatus`), cancelling whatever else is still running. Set a
    /// reason with [`WorkflowTask::with_termination_reason`] and the workflow output with
    /// [`WorkflowTask::with_workflow_output`] (the definition's `outputParameters` are not used
    /// when a `TERMINATE` ends the workflow).
    ///
    /// ```
    /// use conductor_models::{TerminationStatus, WorkflowTask};
    /// let task = WorkflowTask::terminate("stop_ref", TerminationStatus::Failed)
    ///     .with_termination_reason("payment declined")
    ///     .with_workflow_output(serde_json::json!({"declined": true}));
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "TERMINATE");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     serde_json::json!({
    ///         "terminationStatus": "FAILED",
    ///         "terminationReason": "payment declined",
    ///         "workflowOutput": {"declined": true}
    ///     })
    /// );
    /// ```
    pub fn terminate(task_reference_name: impl Into<String>, status: TerminationStatus) -> Self {
        let reference = task_reference_name.into();
        Self::new(TaskType::Terminate, reference.clone(), reference)
            .with_input_param("terminationStatus", status.as_str())
    }

    /// `TERMINATE`: the reason recorded on the workflow (`inputParameters.terminationReason`).
    /// Default: the server's "Workflow is `<STATUS>` by TERMINATE task: `<taskId>`".
    ///
    /// ```
    /// use conductor_models::{TerminationStatus, WorkflowTask};
    ///
    /// let stop = WorkflowTask::terminate("stop_ref", TerminationStatus::Terminated)
    ///     .with_termination_reason("order cancelled by customer");
    /// assert_eq!(stop.input_parameters["terminationReason"], "order cancelled by customer");
    /// ```
    #[must_use]
    pub fn with_termination_reason(self, reason: impl Into<String>) -> Self {
        self.with_input_param("terminationReason", reason.into())
    }

    /// `TERMINATE`: the workflow's output (`inputParameters.workflowOutput`; an object becomes the
    /// output, any other value is stored under `output`). Default: an empty output.
    ///
    /// ```
    /// use conductor_models::{TerminationStatus, WorkflowTask};
    ///
    /// let stop = WorkflowTask::terminate("stop_ref", TerminationStatus::Completed)
    ///     .with_workflow_output(serde_json::json!({"result": "nothing to do"}));
    /// assert_eq!(stop.input_parameters["workflowOutput"]["result"], "nothing to do");
    /// ```
    #[must_use]
    pub fn with_workflow_output(self, output: impl Into<Value>) -> Self {
        self.with_input_param("workflowOutput", output)
    }
}
