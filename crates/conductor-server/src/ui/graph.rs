//! An execution drawn as SVG: the SDK's workflow diagram ([`WorkflowDef::diagram`], the graph
//! behind `to_mermaid` and `to_dot`) laid out in layers, each task box filled with the colour of
//! its task's status.
//!
//! The layout is a small layered one: a node's layer is the longest path to it from `start` over
//! the solid edges (the dashed `loop` edges go back up and are drawn on the right); the nodes of a
//! layer are ordered by the mean position of their parents (so fork branches keep their order and
//! a join sits under its branches) and packed without overlap.

use std::collections::HashMap;
use std::fmt::Write as _;

use conductor_models::diagram::{EdgeStyle, Graph, Shape};
use conductor_models::{Task, TaskStatus, Workflow, WorkflowDef};

/// Width of a task box.
const BOX_W: f64 = 200.0;
/// Height of a task box (three lines: reference, what it does, status).
const BOX_H: f64 = 58.0;
/// Diameter of the start and end circles.
const CIRCLE: f64 = 34.0;
/// Vertical distance between two layers' centres.
const ROW: f64 = 92.0;
/// Horizontal gap between two boxes of one layer.
const GAP: f64 = 36.0;
/// Space around the drawing (the right side also holds the loop edges).
const MARGIN: f64 = 24.0;
/// Room right of the boxes for a loop edge and its label.
const LOOP_SWING: f64 = 64.0;
/// Characters of a label line shown before it is cut with `…` (the full text is in `<title>`).
const LINE_CHARS: usize = 26;

/// The fill and text colours of a task box, by its task's status.
///
/// The page's CSS (`app.css`) and the browser test use the same values.
pub(crate) fn status_colours(status: Option<&TaskStatus>) -> (&'static str, &'static str) {
    match status {
        None => ("#ffffff", "#37474f"),
        Some(TaskStatus::Completed) => ("#2e9d4f", "#ffffff"),
        Some(TaskStatus::CompletedWithErrors) => ("#9ab93a", "#ffffff"),
        Some(TaskStatus::Failed | TaskStatus::FailedWithTerminalError | TaskStatus::TimedOut) => {
            ("#d64545", "#ffffff")
        }
        Some(TaskStatus::InProgress) => ("#2f7fd8", "#ffffff"),
        Some(TaskStatus::Scheduled) => ("#8fbdf0", "#0d2a4a"),
        Some(TaskStatus::Canceled | TaskStatus::Skipped) => ("#a3a3a3", "#ffffff"),
        Some(_) => ("#f0c33c", "#37474f"),
    }
}

/// A node placed on the canvas: its centre and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Placed {
    /// The layer (0 is `start`).
    pub(crate) layer: usize,
    /// Centre, x.
    pub(crate) x: f64,
    /// Centre, y.
    pub(crate) y: f64,
    /// Width.
    pub(crate) w: f64,
    /// Height.
    pub(crate) h: f64,
}

/// Places every node of `graph` (same order as `graph.nodes`); returns the positions and the
/// canvas size.
pub(crate) fn layout(graph: &Graph) -> (Vec<Placed>, f64, f64) {
    let index: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| (node.id.as_str(), i))
        .collect();
    let forward: Vec<(usize, usize)> = graph
        .edges
        .iter()
        .filter(|edge| edge.style != EdgeStyle::Dashed)
        .filter_map(|edge| {
            Some((
                *index.get(edge.from.as_str())?,
                *index.get(edge.to.as_str())?,
            ))
        })
        .filter(|(from, to)| from != to)
        .collect();

    // Longest path from the start. The solid edges form no cycle, so this settles within
    // `nodes` rounds; the bound only guards against a malformed graph.
    let mut layers = vec![0usize; graph.nodes.len()];
    for _ in 0..graph.nodes.len() {
        let mut changed = false;
        for &(from, to) in &forward {
            if layers[to] < layers[from] + 1 {
                layers[to] = layers[from] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    let sizes: Vec<(f64, f64)> = graph
        .nodes
        .iter()
        .map(|node| match node.shape {
            Shape::Start | Shape::End => (CIRCLE, CIRCLE),
            _ => (BOX_W, BOX_H),
        })
        .collect();
    let mut xs = vec![0.0f64; graph.nodes.len()];
    let depth = layers.iter().copied().max().unwrap_or(0);
    for layer in 0..=depth {
        let mut members: Vec<(f64, usize)> = (0..graph.nodes.len())
            .filter(|&i| layers[i] == layer)
            .map(|i| {
                let parents: Vec<f64> = forward
                    .iter()
                    .filter(|&&(from, to)| to == i && layers[from] < layer)
                    .map(|&(from, _)| xs[from])
                    .collect();
                let wanted = if parents.is_empty() {
                    0.0
                } else {
                    parents.iter().sum::<f64>() / parents.len() as f64
                };
                (wanted, i)
            })
            .collect();
        members.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        // Pack left to right, each node as close to where its parents want it as the previous
        // one allows, then shift the layer so that on average the nodes sit where wanted.
        let mut right_edge = f64::NEG_INFINITY;
        for &(wanted, i) in &members {
            let half = sizes[i].0 / 2.0;
            let x = wanted.max(right_edge + GAP + half);
            xs[i] = x;
            right_edge = x + half;
        }
        if !members.is_empty() {
            let count = members.len() as f64;
            let shift = members
                .iter()
                .map(|&(wanted, i)| wanted - xs[i])
                .sum::<f64>()
                / count;
            for &(_, i) in &members {
                xs[i] += shift;
            }
        }
    }

    let left = (0..graph.nodes.len())
        .map(|i| xs[i] - sizes[i].0 / 2.0)
        .fold(f64::INFINITY, f64::min);
    let right = (0..graph.nodes.len())
        .map(|i| xs[i] + sizes[i].0 / 2.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let left = if left.is_finite() { left } else { 0.0 };
    let right = if right.is_finite() { right } else { 0.0 };
    let placed = (0..graph.nodes.len())
        .map(|i| Placed {
            layer: layers[i],
            x: xs[i] - left + MARGIN,
            y: MARGIN + BOX_H / 2.0 + layers[i] as f64 * ROW,
            w: sizes[i].0,
            h: sizes[i].1,
        })
        .collect();
    let has_loops = graph.edges.iter().any(|e| e.style == EdgeStyle::Dashed);
    let width = right - left + 2.0 * MARGIN + if has_loops { LOOP_SWING } else { 0.0 };
    let height = 2.0 * MARGIN + BOX_H + depth as f64 * ROW;
    (placed, width, height)
}

/// The latest task of each reference name: the attempt with the highest `seq`; the iterations of
/// a `DO_WHILE` body (`ref__2`...) count for their reference (`ref`).
pub(crate) fn latest_tasks(workflow: &Workflow) -> HashMap<&str, &Task> {
    let mut latest: HashMap<&str, &Task> = HashMap::new();
    for task in &workflow.tasks {
        let reference = base_reference(&task.reference_task_name);
        match latest.get(reference) {
            Some(seen) if seen.seq > task.seq => {}
            _ => {
                latest.insert(reference, task);
            }
        }
    }
    latest
}

/// Gives each dynamic fork that ran its branches: the tasks its latest run lists in its
/// `forkedTasks` input (what the engine records, as conductor-oss does), each drawn between the
/// fork and its join with what it does (a worker task's name, else its type).
fn draw_dynamic_branches(graph: &mut Graph, latest: &HashMap<&str, &Task>) {
    let forks: Vec<String> = graph
        .nodes
        .iter()
        .filter(|node| node.shape == Shape::Fork)
        .filter_map(|node| node.task_reference.clone())
        .collect();
    for fork in forks {
        let Some(forked) = latest
            .get(fork.as_str())
            .and_then(|task| task.input_data.get("forkedTasks"))
            .and_then(|forked| forked.as_array())
        else {
            continue;
        };
        let branches: Vec<(String, String)> = forked
            .iter()
            .filter_map(|reference| reference.as_str())
            .map(|reference| {
                let base = base_reference(reference);
                let what = latest.get(base).map_or_else(String::new, |task| {
                    if task.task_type == "SIMPLE" {
                        task.task_def_name.clone()
                    } else {
                        task.task_type.clone()
                    }
                });
                (base.to_owned(), what)
            })
            .collect();
        graph.expand_dynamic_fork(&fork, &branches);
    }
}

/// A reference without the `__<iteration>` suffix a `DO_WHILE` adds to its body's tasks.
fn base_reference(reference: &str) -> &str {
    match reference.rsplit_once("__") {
        Some((base, iteration))
            if !base.is_empty()
                && !iteration.is_empty()
                && iteration.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => reference,
    }
}

/// The execution as a standalone SVG document.
///
/// Every task node is a `<g class="node task">` with `data-ref` (its reference name),
/// `data-status` (its latest task's status, or `NOT_STARTED`) and, once it ran, `data-task-id`:
/// the page finds a task's details from there.
pub(crate) fn render(workflow: &Workflow, def: &WorkflowDef) -> String {
    let latest = latest_tasks(workflow);
    let mut graph = def.diagram();
    draw_dynamic_branches(&mut graph, &latest);
    let (placed, width, height) = layout(&graph);
    let index: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| (node.id.as_str(), i))
        .collect();

    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"execution-graph\" width=\"{width:.0}\" \
         height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" \
         font-family=\"Helvetica, Arial, sans-serif\">\
         <title>{}</title>\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" \
         fill=\"#607d8b\"/></marker></defs>",
        xml(&def.name)
    );

    out.push_str(
        "<g class=\"edges\" fill=\"none\" stroke=\"#607d8b\" stroke-width=\"1.5\" \
         stroke-linejoin=\"round\">",
    );
    for edge in &graph.edges {
        let (Some(&from), Some(&to)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str()))
        else {
            continue;
        };
        let (a, b) = (placed[from], placed[to]);
        let (path, label_at) = if edge.style == EdgeStyle::Dashed || b.layer <= a.layer {
            // Back up to the loop, in the column just right of its body: out of the body's right
            // side, up, and into the loop node's bottom from below.
            let (x1, y1) = (a.x + a.w / 2.0, a.y);
            let (x2, y2) = (b.x + b.w / 2.0 - 24.0, b.y + b.h / 2.0);
            let column = x1.max(x2) + 18.0;
            let below = y2 + (ROW - BOX_H) / 2.0;
            (
                format!("M{x1:.1},{y1:.1} H{column:.1} V{below:.1} H{x2:.1} V{y2:.1}"),
                (column + 4.0, (y1 + below) / 2.0 + 4.0, "start"),
            )
        } else {
            let (x1, y1) = (a.x, a.y + a.h / 2.0);
            let (x2, y2) = (b.x, b.y - b.h / 2.0);
            let bend = (y2 - y1) / 2.0;
            (
                format!(
                    "M{x1:.1},{y1:.1} C{x1:.1},{:.1} {x2:.1},{:.1} {x2:.1},{y2:.1}",
                    y1 + bend,
                    y2 - bend
                ),
                // The label sits beside the curve: halfway along an edge to the next layer, on
                // its outer side; near the start of a longer one, on its right (clear of what it
                // passes, and of the fan of edges a switch or fork sends to the next layer).
                {
                    let (x, y) = bezier_point(
                        [(x1, y1), (x1, y1 + bend), (x2, y2 - bend), (x2, y2)],
                        if b.layer == a.layer + 1 { 0.5 } else { 0.2 },
                    );
                    if x2 < x1 && b.layer == a.layer + 1 {
                        (x - 5.0, y + 4.0, "end")
                    } else {
                        (x + 5.0, y + 4.0, "start")
                    }
                },
            )
        };
        let dash = if edge.style == EdgeStyle::Dashed {
            " stroke-dasharray=\"5 4\""
        } else {
            ""
        };
        let _ = write!(out, "<path d=\"{path}\"{dash} marker-end=\"url(#arrow)\"/>");
        if let Some(label) = &edge.label {
            let (x, y, anchor) = label_at;
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#455a64\" stroke=\"none\" \
                 text-anchor=\"{anchor}\" class=\"edge-label\">{}</text>",
                x,
                y,
                xml(&cut(label))
            );
        }
    }
    out.push_str("</g>");

    out.push_str("<g class=\"nodes\">");
    for (node, p) in graph.nodes.iter().zip(&placed) {
        let Some(reference) = node.task_reference.as_deref() else {
            // Start and end.
            let (stroke, fill) = match node.shape {
                Shape::End => ("#37474f", "#eceff1"),
                _ => ("#37474f", "#ffffff"),
            };
            let _ = write!(
                out,
                "<g class=\"node terminal\"><circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" \
                 fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" \
                 fill=\"#37474f\">{}</text></g>",
                p.x,
                p.y,
                p.w / 2.0,
                p.x,
                p.y + 4.0,
                xml(&node.label.join(" "))
            );
            continue;
        };
        let task = latest.get(reference).copied();
        let status = task.map(|t| &t.status);
        let (fill, ink) = status_colours(status);
        let status_text = status.map_or("NOT_STARTED", TaskStatus::as_str);
        let _ = write!(
            out,
            "<g class=\"node task\" data-ref=\"{}\" data-status=\"{status_text}\"",
            xml(reference)
        );
        if let Some(task) = task {
            let _ = write!(out, " data-task-id=\"{}\"", xml(&task.task_id));
        }
        let _ = write!(
            out,
            " tabindex=\"0\" style=\"cursor:pointer\"><title>{} \u{2014} {status_text}</title>",
            xml(&node.label.join(" \u{2014} "))
        );
        out.push_str(&shape_svg(node.shape, p, fill));
        let mut lines: Vec<String> = node.label.iter().map(|line| cut(line)).collect();
        let mut status_line = status_text.to_owned();
        if let Some(task) = task.filter(|t| t.iteration > 0) {
            let _ = write!(status_line, " \u{b7} iteration {}", task.iteration);
        }
        lines.push(status_line);
        let top = p.y - 13.0 * (lines.len() as f64 - 1.0) / 2.0 + 4.0;
        for (n, line) in lines.iter().enumerate() {
            let weight = if n == 0 { " font-weight=\"bold\"" } else { "" };
            let size = if n + 1 == lines.len() { 10 } else { 12 };
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{size}\"{weight} text-anchor=\"middle\" \
                 fill=\"{ink}\">{}</text>",
                p.x,
                top + 13.0 * n as f64,
                xml(line)
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</g></svg>");
    out
}

/// The point at `t` (0 to 1) along a cubic Bézier curve.
fn bezier_point(points: [(f64, f64); 4], t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    let weights = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
    points
        .iter()
        .zip(weights)
        .fold((0.0, 0.0), |(x, y), (p, w)| (x + p.0 * w, y + p.1 * w))
}

/// The outline of a task node, filled with `fill`.
fn shape_svg(shape: Shape, p: &Placed, fill: &str) -> String {
    let (l, r, t, b) = (
        p.x - p.w / 2.0,
        p.x + p.w / 2.0,
        p.y - p.h / 2.0,
        p.y + p.h / 2.0,
    );
    let style = format!("class=\"shape\" fill=\"{fill}\" stroke=\"#37474f\" stroke-width=\"1.5\"");
    let inset = 16.0;
    let polygon = |points: &[(f64, f64)]| {
        let points: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        format!("<polygon points=\"{}\" {style}/>", points.join(" "))
    };
    match shape {
        Shape::Decision => polygon(&[
            (l + inset, t),
            (r - inset, t),
            (r, p.y),
            (r - inset, b),
            (l + inset, b),
            (l, p.y),
        ]),
        Shape::Fork => polygon(&[(l + inset, t), (r - inset, t), (r, b), (l, b)]),
        Shape::Join => polygon(&[(l, t), (r, t), (r - inset, b), (l + inset, b)]),
        Shape::Loop => {
            polygon(&[
                (l + inset / 2.0, t),
                (r - inset / 2.0, t),
                (r, p.y),
                (r - inset / 2.0, b),
                (l + inset / 2.0, b),
                (l, p.y),
            ]) + &format!(
                "<line x1=\"{:.1}\" y1=\"{t:.1}\" x2=\"{:.1}\" y2=\"{t:.1}\" stroke=\"#37474f\" \
             stroke-width=\"3\"/>",
                l + inset / 2.0,
                r - inset / 2.0
            )
        }
        Shape::SubWorkflow => format!(
            "<rect x=\"{l:.1}\" y=\"{t:.1}\" width=\"{:.1}\" height=\"{:.1}\" {style}/>\
             <line x1=\"{:.1}\" y1=\"{t:.1}\" x2=\"{:.1}\" y2=\"{b:.1}\" stroke=\"#37474f\"/>\
             <line x1=\"{:.1}\" y1=\"{t:.1}\" x2=\"{:.1}\" y2=\"{b:.1}\" stroke=\"#37474f\"/>",
            p.w,
            p.h,
            l + 8.0,
            l + 8.0,
            r - 8.0,
            r - 8.0
        ),
        Shape::Terminate => format!(
            "<rect x=\"{l:.1}\" y=\"{t:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"{:.1}\" {style}/>",
            p.w,
            p.h,
            p.h / 2.0
        ),
        _ => format!(
            "<rect x=\"{l:.1}\" y=\"{t:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"4\" {style}/>",
            p.w, p.h
        ),
    }
}

/// A label line cut to [`LINE_CHARS`] characters.
fn cut(line: &str) -> String {
    if line.chars().count() <= LINE_CHARS {
        line.to_owned()
    } else {
        let mut short: String = line.chars().take(LINE_CHARS - 1).collect();
        short.push('\u{2026}');
        short
    }
}

/// Text escaped for XML content and attribute values.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use conductor_models::{Task, TaskStatus, Workflow, WorkflowDef, WorkflowTask};

    use super::*;

    fn fork_join() -> WorkflowDef {
        let mut fork = WorkflowTask::simple("fork", "fork");
        fork.task_type = conductor_models::TaskType::ForkJoin;
        fork.fork_tasks = vec![
            vec![
                WorkflowTask::simple("a", "a1"),
                WorkflowTask::simple("a", "a2"),
            ],
            vec![WorkflowTask::simple("b", "b1")],
        ];
        let mut join = WorkflowTask::simple("join", "join");
        join.task_type = conductor_models::TaskType::Join;
        WorkflowDef::new("fj")
            .with_task(fork)
            .with_task(join)
            .with_task(WorkflowTask::simple("last", "last"))
    }

    fn task(reference: &str, seq: i32, status: TaskStatus) -> Task {
        Task {
            reference_task_name: reference.to_owned(),
            task_id: format!("id-{reference}-{seq}"),
            seq,
            status,
            ..Task::default()
        }
    }

    #[test]
    fn layers_follow_the_longest_path_and_branches_sit_side_by_side() {
        let graph = fork_join().diagram();
        let (placed, width, height) = layout(&graph);
        let at = |id: &str| {
            let i = graph.nodes.iter().position(|n| n.id == id).unwrap_or(0);
            placed[i]
        };
        assert_eq!(at("wf_start").layer, 0);
        assert_eq!(at("t_fork").layer, 1);
        assert_eq!(at("t_a1").layer, 2);
        assert_eq!(at("t_b1").layer, 2);
        assert_eq!(at("t_a2").layer, 3);
        // The join waits for the longest branch.
        assert_eq!(at("t_join").layer, 4);
        assert_eq!(at("wf_end").layer, 6);
        // Branches in definition order, not overlapping; the join between them.
        assert!(at("t_a1").x + BOX_W <= at("t_b1").x);
        assert!(at("t_join").x > at("t_a1").x && at("t_join").x < at("t_b1").x);
        for p in &placed {
            assert!(p.x - p.w / 2.0 >= 0.0 && p.x + p.w / 2.0 <= width);
            assert!(p.y - p.h / 2.0 >= 0.0 && p.y + p.h / 2.0 <= height);
        }
    }

    #[test]
    fn boxes_take_the_colour_of_their_latest_attempt() {
        let def = fork_join();
        let workflow = Workflow {
            tasks: vec![
                task("fork", 1, TaskStatus::Completed),
                task("a1", 2, TaskStatus::Failed),
                task("b1", 3, TaskStatus::InProgress),
                task("a1", 4, TaskStatus::Completed),
            ],
            ..Workflow::default()
        };
        let svg = render(&workflow, &def);
        assert_eq!(svg.matches("class=\"node task\"").count(), 6);
        let completed = status_colours(Some(&TaskStatus::Completed)).0;
        let failed = status_colours(Some(&TaskStatus::Failed)).0;
        assert!(svg.contains("data-ref=\"a1\" data-status=\"COMPLETED\" data-task-id=\"id-a1-4\""));
        assert!(svg.contains("data-ref=\"b1\" data-status=\"IN_PROGRESS\""));
        assert!(svg.contains("data-ref=\"last\" data-status=\"NOT_STARTED\" tabindex"));
        assert_eq!(svg.matches(&format!("fill=\"{completed}\"")).count(), 2);
        assert!(!svg.contains(&format!("fill=\"{failed}\"")));
    }

    #[test]
    fn loop_iterations_count_for_their_reference_and_text_is_escaped() {
        let mut body = WorkflowTask::simple("x", "step");
        body.task_reference_name = "step".to_owned();
        let mut lp = WorkflowTask::simple("loop", "lp<&>");
        lp.task_type = conductor_models::TaskType::DoWhile;
        lp.loop_over = vec![body];
        let def = WorkflowDef::new("loops \"quoted\"").with_task(lp);
        let second = Task {
            iteration: 2,
            ..task("step__2", 3, TaskStatus::Scheduled)
        };
        let workflow = Workflow {
            tasks: vec![task("step__1", 2, TaskStatus::Completed), second],
            ..Workflow::default()
        };
        let svg = render(&workflow, &def);
        assert!(svg.contains("data-ref=\"step\" data-status=\"SCHEDULED\""));
        assert!(svg.contains("iteration 2"));
        assert!(svg.contains("lp&lt;&amp;&gt;"));
        assert!(svg.contains("<title>loops &quot;quoted&quot;</title>"));
        assert!(svg.contains("stroke-dasharray"));
        assert_eq!(base_reference("a__b"), "a__b");
        assert_eq!(base_reference("__3"), "__3");
        assert_eq!(base_reference("a__12"), "a");
    }

    /// The tasks a dynamic fork started have boxes of their own, between the fork and its join,
    /// coloured by their status; before the fork ran, the definition's single edge stays.
    #[test]
    fn a_dynamic_forks_branches_are_drawn_once_it_ran() {
        let def = WorkflowDef::new("fan_out")
            .with_task(WorkflowTask::dynamic_fork(
                "fan",
                "${workflow.input.tasks}",
                "${workflow.input.inputs}",
            ))
            .with_task(WorkflowTask::join("fan_join", Vec::<String>::new()));
        let not_run = render(&Workflow::default(), &def);
        assert_eq!(not_run.matches("class=\"node task\"").count(), 2);
        assert!(not_run.contains("dynamic branches"));

        let mut fan = task("fan", 1, TaskStatus::Completed);
        fan.input_data.insert(
            "forkedTasks".into(),
            serde_json::json!(["resize_1", "upload"]),
        );
        let resize = Task {
            task_type: "SIMPLE".to_owned(),
            task_def_name: "resize_image".to_owned(),
            ..task("resize_1", 2, TaskStatus::Completed)
        };
        let upload = Task {
            task_type: "HTTP".to_owned(),
            ..task("upload", 3, TaskStatus::InProgress)
        };
        let workflow = Workflow {
            tasks: vec![
                fan,
                resize,
                upload,
                task("fan_join", 4, TaskStatus::InProgress),
            ],
            ..Workflow::default()
        };
        let svg = render(&workflow, &def);
        assert_eq!(svg.matches("class=\"node task\"").count(), 4);
        assert!(!svg.contains("dynamic branches"));
        assert!(svg.contains("data-ref=\"resize_1\" data-status=\"COMPLETED\""));
        assert!(svg.contains("data-ref=\"upload\" data-status=\"IN_PROGRESS\""));
        assert!(svg.contains("resize_image"));
        assert!(svg.contains(">HTTP<"));
        // The branches sit side by side in the layer between the fork and the join.
        let mut graph = def.diagram();
        draw_dynamic_branches(&mut graph, &latest_tasks(&workflow));
        let (placed, _, _) = layout(&graph);
        let at = |id: &str| placed[graph.nodes.iter().position(|n| n.id == id).unwrap_or(0)];
        assert_eq!(at("t_resize_1").layer, at("t_fan").layer + 1);
        assert_eq!(at("t_upload").layer, at("t_fan").layer + 1);
        assert_eq!(at("t_fan_join").layer, at("t_fan").layer + 2);
    }
}
