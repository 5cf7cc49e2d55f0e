//! Subset matching of expected JSON against what a server answered, with the `$` operators.

use std::collections::HashMap;

use serde_json::Value;

/// Matches `want` against `got`: objects as subsets, arrays element-wise with equal length,
/// numbers by value; an object whose keys start with `$` is a set of operators
/// (`$contains`, `$startsWith`, `$ref`, `$notRef`, `$absent`, `$ne`, `$gte`, `$lte`, `$len`,
/// `$oneOf`).
pub fn matches(
    vars: &HashMap<String, String>,
    want: &Value,
    got: &Value,
    at: &str,
) -> Result<(), String> {
    if let Some(ops) = want
        .as_object()
        .filter(|m| m.keys().any(|k| k.starts_with('$')))
    {
        for (op, arg) in ops {
            let ok = match op.as_str() {
                "$contains" => got
                    .as_str()
                    .is_some_and(|s| s.contains(arg.as_str().unwrap_or(""))),
                "$startsWith" => got
                    .as_str()
                    .is_some_and(|s| s.starts_with(arg.as_str().unwrap_or(""))),
                "$ref" => {
                    let var = arg.as_str().unwrap_or("");
                    vars.get(var)
                        .is_some_and(|v| got.as_str() == Some(v.as_str()))
                }
                "$notRef" => {
                    let var = arg.as_str().unwrap_or("");
                    vars.get(var)
                        .is_some_and(|v| got.as_str() != Some(v.as_str()))
                }
                "$absent" => got.is_null() == arg.as_bool().unwrap_or(true),
                "$ne" => got != arg,
                "$gte" => got.as_f64().zip(arg.as_f64()).is_some_and(|(g, a)| g >= a),
                "$lte" => got.as_f64().zip(arg.as_f64()).is_some_and(|(g, a)| g <= a),
                "$len" => {
                    let n = arg.as_u64().map(|n| n as usize);
                    got.as_array().map(Vec::len) == n
                        || got.as_object().map(serde_json::Map::len) == n
                }
                "$oneOf" => arg.as_array().is_some_and(|options| {
                    options
                        .iter()
                        .any(|option| matches(vars, option, got, at).is_ok())
                }),
                other => return Err(format!("{at}: unknown operator {other}")),
            };
            if !ok {
                return Err(format!("{at}: {op} {arg} does not hold for {got}"));
            }
        }
        return Ok(());
    }
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, v) in w {
                matches(
                    vars,
                    v,
                    g.get(k).unwrap_or(&Value::Null),
                    &format!("{at}.{k}"),
                )?;
            }
            Ok(())
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => {
            for (i, (a, b)) in w.iter().zip(g.iter()).enumerate() {
                matches(vars, a, b, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Ok(()),
        (w, g) if w == g => Ok(()),
        (w, g) => Err(format!("{at}: expected {w}, got {g}")),
    }
}

/// Matches a task expectation (aliases `ref`, `type`, `input`, `output`; `as` captures the
/// task id into `vars`).
pub fn match_task(
    vars: &mut HashMap<String, String>,
    expected: &Value,
    task: &Value,
    at: &str,
) -> Result<(), String> {
    let expected = expected
        .as_object()
        .ok_or(format!("{at}: task expectation must be an object"))?;
    for (key, want) in expected {
        let field = match key.as_str() {
            "ref" => "referenceTaskName",
            "type" => "taskType",
            "input" => "inputData",
            "output" => "outputData",
            "as" => {
                let name = want.as_str().ok_or("`as` needs a name")?;
                vars.insert(
                    name.to_owned(),
                    task["taskId"].as_str().unwrap_or_default().to_owned(),
                );
                continue;
            }
            other => other,
        };
        matches(vars, want, &task[field], &format!("{at}.{field}"))?;
    }
    Ok(())
}

/// Matches a workflow expectation: `tasks` (a list matched element-wise, `{byRef}` matching
/// the last task of each reference name, or `{"$oneOf": [list, ...]}` matching any one of the
/// lists), `taskCount`, and any other workflow field.
pub fn match_workflow(
    vars: &mut HashMap<String, String>,
    expected: &Value,
    wf: &Value,
) -> Result<(), String> {
    let expected = expected.as_object().ok_or("expect must be an object")?;
    for (key, want) in expected {
        match key.as_str() {
            "tasks" => {
                // `{"$oneOf": [list, list]}`: where conductor-oss races (a JOIN over a failed
                // sub-workflow ends CANCELED or FAILED), what follows may take either shape.
                if let Some(options) = want.get("$oneOf").and_then(Value::as_array) {
                    let mut reasons = Vec::new();
                    let matched = options.iter().find_map(|option| {
                        let mut trial = vars.clone();
                        let wanted = serde_json::json!({ "tasks": option });
                        match match_workflow(&mut trial, &wanted, wf) {
                            Ok(()) => Some(trial),
                            Err(e) => {
                                reasons.push(e);
                                None
                            }
                        }
                    });
                    match matched {
                        Some(trial) => *vars = trial,
                        None => {
                            return Err(format!(
                                "no task list of $oneOf matches: {}",
                                reasons.join("; ")
                            ));
                        }
                    }
                    continue;
                }
                let tasks = wf["tasks"].as_array().cloned().unwrap_or_default();
                if let Some(by_ref) = want.get("byRef").and_then(Value::as_object) {
                    for (reference, want_task) in by_ref {
                        let task = tasks
                            .iter()
                            .rev()
                            .find(|t| t["referenceTaskName"] == reference.as_str())
                            .ok_or(format!("no task {reference}"))?;
                        match_task(vars, want_task, task, &format!("task {reference}"))?;
                    }
                    continue;
                }
                let want = want.as_array().ok_or("tasks must be a list or {byRef}")?;
                if want.len() != tasks.len() {
                    return Err(format!(
                        "expected {} tasks, found {}: {:?}",
                        want.len(),
                        tasks.len(),
                        task_summary(&tasks)
                    ));
                }
                for (i, (w, t)) in want.iter().zip(tasks.iter()).enumerate() {
                    match_task(vars, w, t, &format!("tasks[{i}]"))
                        .map_err(|e| format!("{e} (tasks: {:?})", task_summary(&tasks)))?;
                }
            }
            "taskCount" => {
                let tasks = wf["tasks"].as_array().cloned().unwrap_or_default();
                if Some(tasks.len() as u64) != want.as_u64() {
                    return Err(format!(
                        "expected {want} tasks, found {}: {:?}",
                        tasks.len(),
                        task_summary(&tasks)
                    ));
                }
            }
            _ => matches(vars, want, &wf[key.as_str()], key)?,
        }
    }
    Ok(())
}

fn task_summary(tasks: &[Value]) -> Vec<String> {
    tasks
        .iter()
        .map(|t| {
            format!(
                "{}:{}",
                t["referenceTaskName"].as_str().unwrap_or("?"),
                t["status"].as_str().unwrap_or("?")
            )
        })
        .collect()
}
