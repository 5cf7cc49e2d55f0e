//! Diagrams of a workflow definition: [`WorkflowDef::to_mermaid`] (a Mermaid `flowchart TD`) and
//! [`WorkflowDef::to_dot`] (Graphviz DOT).
//!
//! Both are rendered from one graph built the way the server walks a definition: tasks run in
//! list order; a fork starts its branches in parallel and the `JOIN` after it waits for the last
//! task of each; a `SWITCH` takes one labelled edge per case (in case order) plus `default`; a
//! `DO_WHILE` runs its body and loops back (a dashed `loop` edge) until its condition is false
//! (`done`); a `TERMINATE` ends the workflow (an edge to `end`, labelled with its status) and
//! nothing after it in its list runs. The output depends only on the definition (no hashing, no
//! randomness), so it can be committed and diffed.
//!
//! The graph itself is public too ([`WorkflowDef::diagram`]): a renderer that lays it out another
//! way (the embedded server's execution page draws it as SVG, coloured by task status) starts
//! from the same nodes and edges.

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::{TaskType, WorkflowDef, WorkflowTask};

/// Node id of the start and end nodes (`end` alone is a Mermaid keyword).
const START_ID: &str = "wf_start";
const END_ID: &str = "wf_end";

impl WorkflowDef {
    /// The diagram's graph: the nodes and edges [`WorkflowDef::to_mermaid`] and
    /// [`WorkflowDef::to_dot`] print, in the same order.
    ///
    /// ```
    /// use conductor_models::diagram::Shape;
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    /// let def = WorkflowDef::new("greetings")
    ///     .with_task(WorkflowTask::simple("greet", "greet_ref"));
    /// let graph = def.diagram();
    /// let shapes: Vec<Shape> = graph.nodes.iter().map(|n| n.shape).collect();
    /// assert_eq!(shapes, [Shape::Start, Shape::Task, Shape::End]);
    /// assert_eq!(graph.nodes[1].task_reference.as_deref(), Some("greet_ref"));
    /// assert_eq!(graph.edges.len(), 2);
    /// ```
    pub fn diagram(&self) -> Graph {
        Graph::build(self)
    }

    /// The definition as a Mermaid flowchart (`flowchart TD`).
    ///
    /// Nodes are the tasks (labelled with the reference name and the type, the task name for
    /// worker tasks, the workflow for `SUB_WORKFLOW`, the status for `TERMINATE`) plus `start` and
    /// `end`; shapes: rhombus for `SWITCH`/`DECISION`, trapezoids for forks and joins, hexagon for
    /// `DO_WHILE`, subroutine for `SUB_WORKFLOW`, stadium for `TERMINATE`.
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    /// let def = WorkflowDef::new("greetings")
    ///     .with_task(WorkflowTask::simple("greet", "greet_ref"));
    /// assert_eq!(
    ///     def.to_mermaid(),
    ///     "flowchart TD\n\
    ///     \x20   wf_start((\"start\"))\n\
    ///     \x20   t_greet_ref[\"greet_ref<br/>greet\"]\n\
    ///     \x20   wf_end(((\"end\")))\n\
    ///     \x20   wf_start --> t_greet_ref\n\
    ///     \x20   t_greet_ref --> wf_end\n"
    /// );
    /// ```
    pub fn to_mermaid(&self) -> String {
        let graph = Graph::build(self);
        let mut out = String::from("flowchart TD\n");
        for node in &graph.nodes {
            let label = node
                .label
                .iter()
                .map(|line| mermaid_text(line))
                .collect::<Vec<_>>()
                .join("<br/>");
            let (open, close) = match node.shape {
                Shape::Start => ("((", "))"),
                Shape::End => ("(((", ")))"),
                Shape::Task => ("[", "]"),
                Shape::Decision => ("{", "}"),
                Shape::Fork => ("[/", "\\]"),
                Shape::Join => ("[\\", "/]"),
                Shape::Loop => ("{{", "}}"),
                Shape::SubWorkflow => ("[[", "]]"),
                Shape::Terminate => ("([", "])"),
            };
            let _ = writeln!(out, "    {}{open}\"{label}\"{close}", node.id);
        }
        for edge in &graph.edges {
            let arrow = match edge.style {
                EdgeStyle::Solid => "-->",
                EdgeStyle::Dashed => "-.->",
            };
            match &edge.label {
                Some(label) => {
                    let _ = writeln!(
                        out,
                        "    {} {arrow}|\"{}\"| {}",
                        edge.from,
                        mermaid_text(label),
                        edge.to
                    );
                }
                None => {
                    let _ = writeln!(out, "    {} {arrow} {}", edge.from, edge.to);
                }
            }
        }
        out
    }

    /// The definition as a Graphviz DOT `digraph` (top to bottom), with the same nodes and edges
    /// as [`WorkflowDef::to_mermaid`]; render it with `dot -Tsvg`.
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    /// let def = WorkflowDef::new("greetings")
    ///     .with_task(WorkflowTask::simple("greet", "greet_ref"));
    /// assert_eq!(
    ///     def.to_dot(),
    ///     "digraph \"greetings\" {\n\
    ///     \x20   rankdir=TB;\n\
    ///     \x20   wf_start [label=\"start\", shape=circle];\n\
    ///     \x20   t_greet_ref [label=\"greet_ref\\ngreet\", shape=box];\n\
    ///     \x20   wf_end [label=\"end\", shape=doublecircle];\n\
    ///     \x20   wf_start -> t_greet_ref;\n\
    ///     \x20   t_greet_ref -> wf_end;\n\
    ///     }\n"
    /// );
    /// ```
    pub fn to_dot(&self) -> String {
        let graph = Graph::build(self);
        let mut out = format!("digraph \"{}\" {{\n    rankdir=TB;\n", dot_text(&self.name));
        for node in &graph.nodes {
            let label = node
                .label
                .iter()
                .map(|line| dot_text(line))
                .collect::<Vec<_>>()
                .join("\\n");
            let shape = match node.shape {
                Shape::Start => "shape=circle",
                Shape::End => "shape=doublecircle",
                Shape::Task => "shape=box",
                Shape::Decision => "shape=diamond",
                Shape::Fork => "shape=trapezium",
                Shape::Join => "shape=invtrapezium",
                Shape::Loop => "shape=hexagon",
                Shape::SubWorkflow => "shape=box, peripheries=2",
                Shape::Terminate => "shape=octagon",
            };
            let _ = writeln!(out, "    {} [label=\"{label}\", {shape}];", node.id);
        }
        for edge in &graph.edges {
            let mut attributes = Vec::new();
            if let Some(label) = &edge.label {
                attributes.push(format!("label=\"{}\"", dot_text(label)));
            }
            if edge.style == EdgeStyle::Dashed {
                attributes.push("style=dashed".to_owned());
            }
            if attributes.is_empty() {
                let _ = writeln!(out, "    {} -> {};", edge.from, edge.to);
            } else {
                let _ = writeln!(
                    out,
                    "    {} -> {} [{}];",
                    edge.from,
                    edge.to,
                    attributes.join(", ")
                );
            }
        }
        out.push_str("}\n");
        out
    }
}

/// The shape of a diagram node, after what the node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shape {
    /// The start of the workflow.
    Start,
    /// The end of the workflow.
    End,
    /// A task that does one thing (a worker task, `HTTP`, `INLINE`, `WAIT`...).
    Task,
    /// A `SWITCH` or `DECISION`: one labelled edge per case.
    Decision,
    /// A `FORK_JOIN` or `FORK_JOIN_DYNAMIC`: its branches start in parallel.
    Fork,
    /// A `JOIN` or `EXCLUSIVE_JOIN`.
    Join,
    /// A `DO_WHILE`: its body loops back to it.
    Loop,
    /// A `SUB_WORKFLOW`.
    SubWorkflow,
    /// A `TERMINATE`: an edge to the end.
    Terminate,
}

/// How an edge is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EdgeStyle {
    /// Control passes on.
    Solid,
    /// A `DO_WHILE` body looping back to its loop node.
    Dashed,
}

/// One node of a diagram.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Node {
    /// The node id, unique in the diagram (`wf_start`, `wf_end`, `t_<reference>`).
    pub id: String,
    /// The label, one entry per line: the reference name, then what the task does.
    pub label: Vec<String>,
    /// The node's shape.
    pub shape: Shape,
    /// The task reference name (`taskReferenceName`) of a task node; `None` for start and end.
    pub task_reference: Option<String>,
}

/// One edge of a diagram.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Edge {
    /// The id of the node it leaves.
    pub from: String,
    /// The id of the node it enters.
    pub to: String,
    /// Its label: a switch case, `default`, `done`, `loop`, a termination status...
    pub label: Option<String>,
    /// How it is drawn.
    pub style: EdgeStyle,
}

/// The label of the edge from a dynamic fork to what follows it, standing for the branches it
/// starts at run time ([`Graph::expand_dynamic_fork`] draws them).
const DYNAMIC_BRANCHES: &str = "dynamic branches";

/// Where control leaves a piece of the graph: the node, and the label of the edge that will
/// leave it (a switch case, `default`, `done`...).
type Exit = (String, Option<String>);

/// A workflow definition's diagram ([`WorkflowDef::diagram`]): its nodes and edges, in the order
/// they were met (which is the output order of the Mermaid and DOT texts).
#[derive(Debug, Default, Clone)]
#[non_exhaustive]
pub struct Graph {
    /// The nodes: `start`, the tasks in definition order, `end`.
    pub nodes: Vec<Node>,
    /// The edges.
    pub edges: Vec<Edge>,
    used_ids: HashSet<String>,
}

impl Graph {
    fn build(def: &WorkflowDef) -> Self {
        let mut graph = Graph::default();
        graph.add_node(
            START_ID.to_owned(),
            vec!["start".to_owned()],
            Shape::Start,
            None,
        );
        let exits = graph.add_list(&def.tasks, vec![(START_ID.to_owned(), None)]);
        graph.add_node(END_ID.to_owned(), vec!["end".to_owned()], Shape::End, None);
        // The end node is declared last so that it is drawn last; edges to it were recorded
        // with its id already (terminates), the rest are added now.
        for (from, label) in exits {
            graph.add_edge(from, END_ID.to_owned(), label, EdgeStyle::Solid);
        }
        graph
    }

    /// Draws the branches a `FORK_JOIN_DYNAMIC` started at run time, which its definition cannot
    /// show: the `dynamic branches` edge that leaves the node of `fork_reference` becomes one task
    /// node per `(reference, what it does)` in `branches`, each between the fork and the node that
    /// edge entered (its `JOIN`). The new nodes follow the fork's in [`nodes`](Self::nodes).
    /// Returns whether the graph changed: `false` when `branches` is empty or no such edge leaves
    /// `fork_reference` (not a dynamic fork, or drawn already).
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    ///
    /// let def = WorkflowDef::new("fan_out")
    ///     .with_task(WorkflowTask::dynamic_fork("fan", "${workflow.input.tasks}", "${workflow.input.inputs}"))
    ///     .with_task(WorkflowTask::join("fan_join", Vec::<String>::new()));
    /// let mut graph = def.diagram();
    /// let branches = [("a".to_owned(), "resize".to_owned()), ("b".to_owned(), "resize".to_owned())];
    /// assert!(graph.expand_dynamic_fork("fan", &branches));
    ///
    /// let refs: Vec<&str> = graph.nodes.iter().filter_map(|n| n.task_reference.as_deref()).collect();
    /// assert_eq!(refs, ["fan", "a", "b", "fan_join"]);
    /// let edges: Vec<(&str, &str)> = graph.edges.iter().map(|e| (e.from.as_str(), e.to.as_str())).collect();
    /// assert!(edges.contains(&("t_fan", "t_a")) && edges.contains(&("t_a", "t_fan_join")));
    /// assert!(!edges.contains(&("t_fan", "t_fan_join")));
    /// assert!(!graph.expand_dynamic_fork("fan", &branches)); // drawn already
    /// ```
    pub fn expand_dynamic_fork(
        &mut self,
        fork_reference: &str,
        branches: &[(String, String)],
    ) -> bool {
        let Some(fork_index) = self
            .nodes
            .iter()
            .position(|node| node.task_reference.as_deref() == Some(fork_reference))
        else {
            return false;
        };
        let fork_id = self.nodes[fork_index].id.clone();
        let Some(edge_index) = self.edges.iter().position(|edge| {
            edge.from == fork_id && edge.label.as_deref() == Some(DYNAMIC_BRANCHES)
        }) else {
            return false;
        };
        if branches.is_empty() {
            return false;
        }
        let joined = self.edges.remove(edge_index).to;
        for (offset, (reference, what)) in branches.iter().enumerate() {
            let id = self.node_id(reference);
            self.insert_node(
                fork_index + 1 + offset,
                id.clone(),
                vec![reference.clone(), what.clone()],
                Shape::Task,
                Some(reference.clone()),
            );
            self.add_edge(fork_id.clone(), id.clone(), None, EdgeStyle::Solid);
            self.add_edge(id, joined.clone(), None, EdgeStyle::Solid);
        }
        true
    }

    /// Adds the tasks of one list in sequence, starting from `entries`; returns the exits of the
    /// last one (empty when the list ends in a `TERMINATE`).
    fn add_list(&mut self, tasks: &[WorkflowTask], entries: Vec<Exit>) -> Vec<Exit> {
        let mut current = entries;
        for task in tasks {
            current = self.add_task(task, current);
        }
        current
    }

    fn add_task(&mut self, task: &WorkflowTask, entries: Vec<Exit>) -> Vec<Exit> {
        let id = self.node_id(&task.task_reference_name);
        self.add_node(
            id.clone(),
            task_label(task),
            shape_of(task),
            Some(task.task_reference_name.clone()),
        );
        for (from, label) in entries {
            self.add_edge(from, id.clone(), label, EdgeStyle::Solid);
        }
        match task.task_type {
            TaskType::Switch | TaskType::Decision => {
                let mut exits = Vec::new();
                let cases = task
                    .decision_cases
                    .iter()
                    .map(|(case, list)| (case.clone(), list.as_slice()))
                    .chain(std::iter::once((
                        "default".to_owned(),
                        task.default_case.as_slice(),
                    )));
                for (case, list) in cases {
                    exits.extend(self.add_list(list, vec![(id.clone(), Some(case))]));
                }
                exits
            }
            TaskType::ForkJoin => {
                let mut exits = Vec::new();
                for branch in &task.fork_tasks {
                    exits.extend(self.add_list(branch, vec![(id.clone(), None)]));
                }
                if task.fork_tasks.is_empty() {
                    exits.push((id, None));
                }
                exits
            }
            TaskType::ForkJoinDynamic => vec![(id, Some(DYNAMIC_BRANCHES.to_owned()))],
            TaskType::DoWhile => {
                // An empty body draws no loop-back edge (it would be a self-loop on the node).
                if !task.loop_over.is_empty() {
                    let body_exits = self.add_list(&task.loop_over, vec![(id.clone(), None)]);
                    for (from, label) in body_exits {
                        // Keep the label of an exit that has one (an empty switch case).
                        let label = match label {
                            Some(label) => format!("{label}, loop"),
                            None => "loop".to_owned(),
                        };
                        self.add_edge(from, id.clone(), Some(label), EdgeStyle::Dashed);
                    }
                }
                vec![(id, Some("done".to_owned()))]
            }
            TaskType::Terminate => {
                let status = task
                    .input_parameters
                    .get("terminationStatus")
                    .and_then(|status| status.as_str())
                    .map(str::to_owned);
                self.add_edge(id, END_ID.to_owned(), status, EdgeStyle::Solid);
                Vec::new()
            }
            _ => vec![(id, None)],
        }
    }

    fn add_node(
        &mut self,
        id: String,
        label: Vec<String>,
        shape: Shape,
        task_reference: Option<String>,
    ) {
        self.insert_node(self.nodes.len(), id, label, shape, task_reference);
    }

    /// Adds a node at `index` of [`nodes`](Self::nodes) (the drawing order), its id taken.
    fn insert_node(
        &mut self,
        index: usize,
        id: String,
        label: Vec<String>,
        shape: Shape,
        task_reference: Option<String>,
    ) {
        self.used_ids.insert(id.clone());
        self.nodes.insert(
            index,
            Node {
                id,
                label,
                shape,
                task_reference,
            },
        );
    }

    fn add_edge(&mut self, from: String, to: String, label: Option<String>, style: EdgeStyle) {
        self.edges.push(Edge {
            from,
            to,
            label,
            style,
        });
    }

    /// A node id for a task: `t_` and the reference name with every character other than ASCII
    /// letters, digits and `_` replaced by `_`, suffixed `_2`, `_3`... when already taken (two
    /// references that differ only in punctuation, or a duplicate reference).
    fn node_id(&self, reference: &str) -> String {
        let sanitized: String = reference
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let base = format!("t_{sanitized}");
        if !self.used_ids.contains(&base) {
            return base;
        }
        (2..)
            .map(|suffix| format!("{base}_{suffix}"))
            .find(|candidate| !self.used_ids.contains(candidate))
            .unwrap_or(base)
    }
}

/// The label lines of a task node: the reference name, then what the task does.
fn task_label(task: &WorkflowTask) -> Vec<String> {
    let detail = match &task.task_type {
        TaskType::Simple | TaskType::UserDefined => task.name.clone(),
        TaskType::Unknown(raw) => format!("{raw} {}", task.name),
        TaskType::SubWorkflow => {
            let params = task.sub_workflow_param.as_ref();
            let name = params.and_then(|p| p.name.clone()).unwrap_or_default();
            match params.and_then(|p| p.version) {
                Some(version) => format!("SUB_WORKFLOW {name} v{version}"),
                None => format!("SUB_WORKFLOW {name}").trim_end().to_owned(),
            }
        }
        TaskType::Terminate => match task
            .input_parameters
            .get("terminationStatus")
            .and_then(|status| status.as_str())
        {
            Some(status) => format!("TERMINATE {status}"),
            None => "TERMINATE".to_owned(),
        },
        other => other.as_str().to_owned(),
    };
    vec![task.task_reference_name.clone(), detail]
}

fn shape_of(task: &WorkflowTask) -> Shape {
    match task.task_type {
        TaskType::Switch | TaskType::Decision => Shape::Decision,
        TaskType::ForkJoin | TaskType::ForkJoinDynamic => Shape::Fork,
        TaskType::Join | TaskType::ExclusiveJoin => Shape::Join,
        TaskType::DoWhile => Shape::Loop,
        TaskType::SubWorkflow => Shape::SubWorkflow,
        TaskType::Terminate => Shape::Terminate,
        _ => Shape::Task,
    }
}

/// Text inside a quoted Mermaid label: `#` and the characters Mermaid would read as markup or as
/// the end of the label are written as entity codes (`#35;`, `#quot;`, `#lt;`, `#gt;`).
fn mermaid_text(text: &str) -> String {
    text.replace('#', "#35;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', " ")
}

/// Text inside a quoted DOT string: `\` and `"` escaped, newlines as `\n`.
fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
