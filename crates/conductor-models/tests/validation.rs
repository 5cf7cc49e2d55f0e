//! `WorkflowDef::validate`: each kind of problem is found where it is, and every problem is
//! reported at once.

use conductor_models::{
    DefinitionProblem, StateChangeConfig, StateChangeEvent, StateChangeEventType, TaskType,
    TerminationStatus, WorkflowDef, WorkflowTask, workflow_input,
};
use serde_json::json;

fn simple(reference: &str) -> WorkflowTask {
    WorkflowTask::simple(format!("{reference}_task"), reference)
}

fn problems(def: &WorkflowDef) -> Vec<DefinitionProblem> {
    match def.validate() {
        Ok(()) => Vec::new(),
        Err(error) => {
            assert_eq!(error.workflow, def.name);
            assert!(!error.problems.is_empty(), "an error always lists problems");
            error.problems
        }
    }
}

fn unknown(reference: &str, expression: &str, location: &str) -> DefinitionProblem {
    DefinitionProblem::UnknownTaskReference {
        reference: reference.to_owned(),
        expression: expression.to_owned(),
        location: location.to_owned(),
    }
}

#[test]
fn a_well_formed_tree_has_no_problems() {
    let first = simple("first_ref");
    let def = WorkflowDef::new("ok")
        .with_task(first.clone())
        .with_task(WorkflowTask::fork_join(
            "fork_ref",
            vec![
                vec![simple("a_ref").with_input_param("x", first.output_ref("x"))],
                vec![simple("b_ref")],
            ],
            "join_ref",
        ))
        .with_task(WorkflowTask::join("join_ref", vec!["a_ref", "b_ref"]))
        .with_task(
            WorkflowTask::switch("route_ref", workflow_input("kind"))
                .with_case("x", vec![simple("x_ref")])
                .with_default_case(vec![WorkflowTask::terminate(
                    "stop_ref",
                    TerminationStatus::Failed,
                )]),
        )
        .with_task(
            WorkflowTask::do_while(
                "loop_ref",
                "$.loop_ref['iteration'] < 3",
                vec![simple("body_ref").with_input_param("i", "${loop_ref['iteration']}")],
            )
            .with_input_param("previous", "${body_ref.output.value}"),
        )
        .with_output_param("a", "${a_ref.output}")
        .with_output_param("escaped", "$${nobody.output.x}")
        .with_output_param("env", "${CPEWF_TASK_ID} ${java.version}")
        .with_output_param("loop_iteration_ref", "${body_ref__2.output}");
    assert_eq!(problems(&def), Vec::new());
}

#[test]
fn empty_name_and_no_tasks() {
    assert_eq!(
        problems(&WorkflowDef::new("")),
        [
            DefinitionProblem::EmptyWorkflowName,
            DefinitionProblem::NoTasks
        ]
    );
}

#[test]
fn missing_reference_names_are_located() {
    let def = WorkflowDef::new("wf").with_task(WorkflowTask::do_while(
        "loop_ref",
        "false",
        vec![simple("ok_ref"), WorkflowTask::simple("nameless", "")],
    ));
    assert_eq!(
        problems(&def),
        [DefinitionProblem::MissingTaskReferenceName {
            task_name: "nameless".to_owned(),
            location: "task `loop_ref` loopOver[1]".to_owned(),
        }]
    );
}

#[test]
fn duplicate_references_anywhere_in_the_tree() {
    let def = WorkflowDef::new("wf")
        .with_task(simple("dup_ref"))
        .with_task(WorkflowTask::fork_join(
            "fork_ref",
            vec![vec![simple("dup_ref")], vec![simple("case_dup")]],
            "join_ref",
        ))
        .with_task(WorkflowTask::join("join_ref", vec!["case_dup"]))
        .with_task(
            WorkflowTask::switch("route_ref", "x")
                .with_case("a", vec![simple("case_dup")])
                .with_default_case(vec![WorkflowTask::do_while(
                    "loop_ref",
                    "false",
                    vec![simple("dup_ref")],
                )]),
        );
    assert_eq!(
        problems(&def),
        [
            DefinitionProblem::DuplicateTaskReference {
                reference: "dup_ref".to_owned(),
                occurrences: 3,
            },
            DefinitionProblem::DuplicateTaskReference {
                reference: "case_dup".to_owned(),
                occurrences: 2,
            },
        ]
    );
}

#[test]
fn unknown_references_in_inputs_outputs_and_payloads() {
    let def = WorkflowDef::new("wf")
        .with_task(
            simple("a_ref")
                .with_input_param("direct", "${ghost.output.x}")
                .with_input_param("nested", json!({"list": ["ok", "id=${ghost2.input.id}"]}))
                .with_input_param("status", "${ghost3.status}")
                .with_input_param("bracket", "${ghost4['iteration']}")
                .with_input_param("fine", "${a_ref.output} ${workflow.input.x}")
                .with_state_change(
                    StateChangeConfig::new().with_event(
                        StateChangeEvent::new(StateChangeEventType::OnStart)
                            .with_type("audit")
                            .with_payload(json!({
                                "self": "${task.taskDefName}",
                                "other": "${ghost5.output}"
                            })),
                    ),
                ),
        )
        .with_output_param("result", "${ghost6.output.result}");
    assert_eq!(
        problems(&def),
        [
            unknown(
                "ghost",
                "${ghost.output.x}",
                "task `a_ref` inputParameters.direct"
            ),
            unknown(
                "ghost2",
                "${ghost2.input.id}",
                "task `a_ref` inputParameters.nested.list[1]"
            ),
            unknown(
                "ghost3",
                "${ghost3.status}",
                "task `a_ref` inputParameters.status"
            ),
            unknown(
                "ghost4",
                "${ghost4['iteration']}",
                "task `a_ref` inputParameters.bracket"
            ),
            unknown(
                "ghost5",
                "${ghost5.output}",
                "task `a_ref` onStateChange.onStart[0].payload.other"
            ),
            unknown(
                "ghost6",
                "${ghost6.output.result}",
                "outputParameters.result"
            ),
        ]
    );
}

#[test]
fn unknown_join_on_entries() {
    let def = WorkflowDef::new("wf")
        .with_task(WorkflowTask::fork_join(
            "fork_ref",
            vec![vec![simple("a_ref")], vec![simple("b_ref")]],
            "join_ref",
        ))
        .with_task(WorkflowTask::join("join_ref", vec!["a_ref", "b_reff"]));
    assert_eq!(
        problems(&def),
        [unknown("b_reff", "b_reff", "task `join_ref` joinOn[1]")]
    );
}

#[test]
fn a_join_after_a_dynamic_fork_may_name_runtime_branches() {
    let def = WorkflowDef::new("wf")
        .with_task(simple("plan_ref"))
        .with_task(WorkflowTask::dynamic_fork(
            "fan_ref",
            "${plan_ref.output.tasks}",
            "${plan_ref.output.inputs}",
        ))
        .with_task(WorkflowTask::join("join_ref", vec!["_worker_0"]));
    assert_eq!(problems(&def), Vec::new());
}

#[test]
fn forks_must_be_followed_by_a_join() {
    let def = WorkflowDef::new("wf")
        .with_task(WorkflowTask::fork_join(
            "fork1",
            vec![vec![simple("a_ref")]],
            "join1",
        ))
        .with_task(simple("not_a_join"))
        .with_task(WorkflowTask::switch("route_ref", "x").with_case(
            "a",
            vec![WorkflowTask::dynamic_fork("fork2", "${x}", "${y}")],
        ));
    assert_eq!(
        problems(&def),
        [
            DefinitionProblem::ForkWithoutJoin {
                fork: "fork1".to_owned(),
                next: Some(("not_a_join".to_owned(), TaskType::Simple)),
            },
            DefinitionProblem::ForkWithoutJoin {
                fork: "fork2".to_owned(),
                next: None,
            },
        ]
    );
}

#[test]
fn a_fork_followed_by_another_join_than_declared() {
    let def = WorkflowDef::new("wf")
        .with_task(WorkflowTask::fork_join(
            "fork_ref",
            vec![vec![simple("a_ref")]],
            "join_ref",
        ))
        .with_task(WorkflowTask::join("join_rf", vec!["a_ref"]));
    assert_eq!(
        problems(&def),
        [DefinitionProblem::ForkJoinMismatch {
            fork: "fork_ref".to_owned(),
            expected_join: "join_ref".to_owned(),
            found_join: "join_rf".to_owned(),
        }]
    );
}

#[test]
fn every_problem_is_reported_at_once_with_a_readable_message() {
    let def = WorkflowDef::new("messy")
        .with_task(simple("a_ref").with_input_param("x", "${nope.output}"))
        .with_task(simple("a_ref"))
        .with_task(WorkflowTask::fork_join(
            "fork_ref",
            vec![vec![simple("b_ref")]],
            "join_ref",
        ));
    let error = def.validate().expect_err("three problems");
    assert_eq!(error.problems.len(), 3);
    assert_eq!(
        error.to_string(),
        "workflow definition `messy` is invalid (3 problems); \
         1) task reference `a_ref` is used by 2 tasks; \
         2) `${nope.output}` at task `a_ref` inputParameters.x refers to unknown task reference `nope`; \
         3) fork `fork_ref` is not followed by a JOIN (it is the last task of its list)"
    );
}
