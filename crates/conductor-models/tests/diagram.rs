//! `WorkflowDef::to_mermaid` / `to_dot`: the exact text for a few definitions covering forks and
//! joins, switch cases (labelled edges, default case), loops, sub-workflows, terminate, dynamic
//! forks and label escaping.

use conductor_models::{TerminationStatus, WorkflowDef, WorkflowTask, workflow_input};

fn simple(reference: &str) -> WorkflowTask {
    WorkflowTask::simple(format!("{reference}_task"), reference)
}

/// A fork with a two-task branch, a one-task branch and an empty branch, its join, then a
/// sub-workflow.
fn fork_flow() -> WorkflowDef {
    WorkflowDef::new("fork_flow")
        .with_task(simple("prepare"))
        .with_task(WorkflowTask::fork_join(
            "fan_out",
            vec![vec![simple("a"), simple("a2")], vec![simple("b")], vec![]],
            "fan_in",
        ))
        .with_task(WorkflowTask::join("fan_in", vec!["a2", "b"]))
        .with_task(WorkflowTask::sub_workflow("child", "child_flow").with_sub_workflow_version(2))
}

/// A switch with a case, an empty case and a terminating default, then two loops (one empty).
fn switch_flow() -> WorkflowDef {
    WorkflowDef::new("switch \"flow\"")
        .with_task(
            WorkflowTask::switch("route", workflow_input("kind"))
                .with_case("card", vec![simple("charge-card")])
                .with_case("none", vec![])
                .with_default_case(vec![WorkflowTask::terminate(
                    "reject",
                    TerminationStatus::Failed,
                )]),
        )
        .with_task(WorkflowTask::do_while(
            "retry_loop",
            "$.retry_loop['iteration'] < 3",
            vec![simple("attempt"), simple("check")],
        ))
        .with_task(WorkflowTask::do_while("empty_loop", "false", vec![]))
}

/// A dynamic fork, a loop whose body is a switch (with an empty default), a terminate, and a task
/// after it that never runs; references that sanitise to the same node id.
fn nested_flow() -> WorkflowDef {
    WorkflowDef::new("nested")
        .with_task(WorkflowTask::dynamic_fork(
            "fan",
            "${x.output.t}",
            "${x.output.i}",
        ))
        .with_task(WorkflowTask::join("fan_join", Vec::<String>::new()))
        .with_task(WorkflowTask::do_while(
            "loop",
            "true",
            vec![
                WorkflowTask::switch_js("pick", "$.n > 1 ? 'big' : 'small'")
                    .with_case("big", vec![simple("big.one")])
                    .with_case("small", vec![simple("big-one")]),
            ],
        ))
        .with_task(WorkflowTask::terminate(
            "done",
            TerminationStatus::Completed,
        ))
        .with_task(simple("unreachable"))
}

#[test]
fn fork_flow_mermaid() {
    let expected = r#"flowchart TD
    wf_start(("start"))
    t_prepare["prepare<br/>prepare_task"]
    t_fan_out[/"fan_out<br/>FORK_JOIN"\]
    t_a["a<br/>a_task"]
    t_a2["a2<br/>a2_task"]
    t_b["b<br/>b_task"]
    t_fan_in[\"fan_in<br/>JOIN"/]
    t_child[["child<br/>SUB_WORKFLOW child_flow v2"]]
    wf_end((("end")))
    wf_start --> t_prepare
    t_prepare --> t_fan_out
    t_fan_out --> t_a
    t_a --> t_a2
    t_fan_out --> t_b
    t_a2 --> t_fan_in
    t_b --> t_fan_in
    t_fan_out --> t_fan_in
    t_fan_in --> t_child
    t_child --> wf_end
"#;
    assert_eq!(fork_flow().to_mermaid(), expected);
}

#[test]
fn fork_flow_dot() {
    let expected = r#"digraph "fork_flow" {
    rankdir=TB;
    wf_start [label="start", shape=circle];
    t_prepare [label="prepare\nprepare_task", shape=box];
    t_fan_out [label="fan_out\nFORK_JOIN", shape=trapezium];
    t_a [label="a\na_task", shape=box];
    t_a2 [label="a2\na2_task", shape=box];
    t_b [label="b\nb_task", shape=box];
    t_fan_in [label="fan_in\nJOIN", shape=invtrapezium];
    t_child [label="child\nSUB_WORKFLOW child_flow v2", shape=box, peripheries=2];
    wf_end [label="end", shape=doublecircle];
    wf_start -> t_prepare;
    t_prepare -> t_fan_out;
    t_fan_out -> t_a;
    t_a -> t_a2;
    t_fan_out -> t_b;
    t_a2 -> t_fan_in;
    t_b -> t_fan_in;
    t_fan_out -> t_fan_in;
    t_fan_in -> t_child;
    t_child -> wf_end;
}
"#;
    assert_eq!(fork_flow().to_dot(), expected);
}

#[test]
fn switch_flow_mermaid() {
    let expected = r#"flowchart TD
    wf_start(("start"))
    t_route{"route<br/>SWITCH"}
    t_charge_card["charge-card<br/>charge-card_task"]
    t_reject(["reject<br/>TERMINATE FAILED"])
    t_retry_loop{{"retry_loop<br/>DO_WHILE"}}
    t_attempt["attempt<br/>attempt_task"]
    t_check["check<br/>check_task"]
    t_empty_loop{{"empty_loop<br/>DO_WHILE"}}
    wf_end((("end")))
    wf_start --> t_route
    t_route -->|"card"| t_charge_card
    t_route -->|"default"| t_reject
    t_reject -->|"FAILED"| wf_end
    t_charge_card --> t_retry_loop
    t_route -->|"none"| t_retry_loop
    t_retry_loop --> t_attempt
    t_attempt --> t_check
    t_check -.->|"loop"| t_retry_loop
    t_retry_loop -->|"done"| t_empty_loop
    t_empty_loop -->|"done"| wf_end
"#;
    assert_eq!(switch_flow().to_mermaid(), expected);
}

#[test]
fn switch_flow_dot_escapes_the_name() {
    let expected = r#"digraph "switch \"flow\"" {
    rankdir=TB;
    wf_start [label="start", shape=circle];
    t_route [label="route\nSWITCH", shape=diamond];
    t_charge_card [label="charge-card\ncharge-card_task", shape=box];
    t_reject [label="reject\nTERMINATE FAILED", shape=octagon];
    t_retry_loop [label="retry_loop\nDO_WHILE", shape=hexagon];
    t_attempt [label="attempt\nattempt_task", shape=box];
    t_check [label="check\ncheck_task", shape=box];
    t_empty_loop [label="empty_loop\nDO_WHILE", shape=hexagon];
    wf_end [label="end", shape=doublecircle];
    wf_start -> t_route;
    t_route -> t_charge_card [label="card"];
    t_route -> t_reject [label="default"];
    t_reject -> wf_end [label="FAILED"];
    t_charge_card -> t_retry_loop;
    t_route -> t_retry_loop [label="none"];
    t_retry_loop -> t_attempt;
    t_attempt -> t_check;
    t_check -> t_retry_loop [label="loop", style=dashed];
    t_retry_loop -> t_empty_loop [label="done"];
    t_empty_loop -> wf_end [label="done"];
}
"#;
    assert_eq!(switch_flow().to_dot(), expected);
}

#[test]
fn nested_flow_mermaid() {
    let expected = r#"flowchart TD
    wf_start(("start"))
    t_fan[/"fan<br/>FORK_JOIN_DYNAMIC"\]
    t_fan_join[\"fan_join<br/>JOIN"/]
    t_loop{{"loop<br/>DO_WHILE"}}
    t_pick{"pick<br/>SWITCH"}
    t_big_one["big.one<br/>big.one_task"]
    t_big_one_2["big-one<br/>big-one_task"]
    t_done(["done<br/>TERMINATE COMPLETED"])
    t_unreachable["unreachable<br/>unreachable_task"]
    wf_end((("end")))
    wf_start --> t_fan
    t_fan -->|"dynamic branches"| t_fan_join
    t_fan_join --> t_loop
    t_loop --> t_pick
    t_pick -->|"big"| t_big_one
    t_pick -->|"small"| t_big_one_2
    t_big_one -.->|"loop"| t_loop
    t_big_one_2 -.->|"loop"| t_loop
    t_pick -.->|"default, loop"| t_loop
    t_loop -->|"done"| t_done
    t_done -->|"COMPLETED"| wf_end
    t_unreachable --> wf_end
"#;
    assert_eq!(nested_flow().to_mermaid(), expected);
}

#[test]
fn nested_flow_dot() {
    let expected = r#"digraph "nested" {
    rankdir=TB;
    wf_start [label="start", shape=circle];
    t_fan [label="fan\nFORK_JOIN_DYNAMIC", shape=trapezium];
    t_fan_join [label="fan_join\nJOIN", shape=invtrapezium];
    t_loop [label="loop\nDO_WHILE", shape=hexagon];
    t_pick [label="pick\nSWITCH", shape=diamond];
    t_big_one [label="big.one\nbig.one_task", shape=box];
    t_big_one_2 [label="big-one\nbig-one_task", shape=box];
    t_done [label="done\nTERMINATE COMPLETED", shape=octagon];
    t_unreachable [label="unreachable\nunreachable_task", shape=box];
    wf_end [label="end", shape=doublecircle];
    wf_start -> t_fan;
    t_fan -> t_fan_join [label="dynamic branches"];
    t_fan_join -> t_loop;
    t_loop -> t_pick;
    t_pick -> t_big_one [label="big"];
    t_pick -> t_big_one_2 [label="small"];
    t_big_one -> t_loop [label="loop", style=dashed];
    t_big_one_2 -> t_loop [label="loop", style=dashed];
    t_pick -> t_loop [label="default, loop", style=dashed];
    t_loop -> t_done [label="done"];
    t_done -> wf_end [label="COMPLETED"];
    t_unreachable -> wf_end;
}
"#;
    assert_eq!(nested_flow().to_dot(), expected);
}

#[test]
fn labels_escape_what_would_break_the_syntax() {
    let def = WorkflowDef::new("esc").with_task(WorkflowTask::simple(
        "say \"hi\" <b> #1 \\ end",
        "quote\"ref",
    ));
    let mermaid = def.to_mermaid();
    assert!(
        mermaid.contains(
            r#"    t_quote_ref["quote#quot;ref<br/>say #quot;hi#quot; #lt;b#gt; #35;1 \ end"]"#
        ),
        "{mermaid}"
    );
    let dot = def.to_dot();
    assert!(
        dot.contains(
            r#"    t_quote_ref [label="quote\"ref\nsay \"hi\" <b> #1 \\ end", shape=box];"#
        ),
        "{dot}"
    );
}

#[test]
fn output_is_deterministic() {
    let def = nested_flow();
    let runs: Vec<(String, String)> = (0..5).map(|_| (def.to_mermaid(), def.to_dot())).collect();
    assert!(runs.windows(2).all(|pair| pair[0] == pair[1]));
}

/// A dynamic fork's branches replace its `dynamic branches` edge, ending where it ended (here the
/// end of the workflow); nothing else is a dynamic fork's edge, and no branches change nothing.
#[test]
fn dynamic_fork_branches_are_drawn_only_on_a_dynamic_forks_edge() {
    let def = WorkflowDef::new("tail_fan").with_task(WorkflowTask::dynamic_fork(
        "fan",
        "${workflow.input.tasks}",
        "${workflow.input.inputs}",
    ));
    let mut graph = def.diagram();
    assert!(!graph.expand_dynamic_fork("fan", &[]));
    assert!(!graph.expand_dynamic_fork("no_such_ref", &[("a".into(), "a".into())]));
    assert!(graph.expand_dynamic_fork("fan", &[("fan".into(), "again".into())]));
    // A branch whose reference is taken gets a node id of its own.
    let edges: Vec<(String, String)> = graph
        .edges
        .iter()
        .map(|edge| (edge.from.clone(), edge.to.clone()))
        .collect();
    assert!(edges.contains(&("t_fan".into(), "t_fan_2".into())));
    assert!(edges.contains(&("t_fan_2".into(), "wf_end".into())));

    let mut static_fork = fork_flow().diagram();
    let before = static_fork.edges.len();
    assert!(!static_fork.expand_dynamic_fork("fan_out", &[("x".into(), "x".into())]));
    assert_eq!(static_fork.edges.len(), before);
}
