//! Loading a scenario: per-version values, the scenario's run-time metadata (embedded-only,
//! known divergences), and unique names so that concurrent runs on one shared server never see
//! each other's definitions, queues or executions.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_json::{Map, Value, json};

/// The server a run talks to: the embedded one, or a real conductor-oss of a known version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    Embedded,
    Real(Version),
}

/// A conductor-oss release number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// Parses `3.21.14` (missing components are 0; a `-rc` or other suffix is ignored).
    pub fn parse(text: &str) -> Option<Version> {
        let core = text.trim().trim_start_matches('v');
        let core = core.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next().unwrap_or(Ok(0)).ok()?;
        let patch = parts.next().unwrap_or(Ok(0)).ok()?;
        Some(Version(major, minor, patch))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Server::Embedded => f.write_str("embedded"),
            Server::Real(v) => write!(f, "conductor-oss {v}"),
        }
    }
}

/// Whether `selector` names `server`. A selector is `default` / `*` (any server), `embedded`,
/// `real` (any conductor-oss), or a comma-separated conjunction of version terms: `3.21`
/// (that release line), `3.21.14` (exactly), `<3.30`, `<=3.30.1`, `>3.31`, `>=3.31.2`. The
/// embedded server counts as newer than every release for the comparisons (it follows the
/// newest behaviour) and matches no bare version.
pub fn selector_matches(selector: &str, server: Server) -> Result<bool, String> {
    let selector = selector.trim();
    match selector {
        "default" | "*" => return Ok(true),
        "embedded" => return Ok(server == Server::Embedded),
        "real" => return Ok(server != Server::Embedded),
        _ => {}
    }
    for term in selector.split(',').map(str::trim) {
        let (op, rest) = ["<=", ">=", "<", ">", "="]
            .iter()
            .find_map(|op| term.strip_prefix(op).map(|rest| (*op, rest)))
            .unwrap_or(("", term));
        let wanted = Version::parse(rest).ok_or(format!("bad version selector `{selector}`"))?;
        let holds = match (server, op) {
            (Server::Embedded, "<" | "<=" | "=" | "") => false,
            (Server::Embedded, _) => true,
            (Server::Real(v), "<") => v < wanted,
            (Server::Real(v), "<=") => v <= wanted,
            (Server::Real(v), ">") => v > wanted,
            (Server::Real(v), ">=") => v >= wanted,
            (Server::Real(v), "=") => v == wanted,
            (Server::Real(v), _) => {
                let given = rest.trim().split('.').count();
                [v.0, v.1, v.2][..given] == [wanted.0, wanted.1, wanted.2][..given]
            }
        };
        if !holds {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The first entry of a `{selector: value}` map whose selector names `server`.
pub fn select(map: &Map<String, Value>, server: Server) -> Result<Option<&Value>, String> {
    for (selector, value) in map {
        if selector_matches(selector, server)? {
            return Ok(Some(value));
        }
    }
    Ok(None)
}

/// Replaces every `{"$version": {selector: value, ...}}` object by the value of its first
/// matching selector (removing it from its parent object or list when none matches).
pub fn resolve_versions(value: &mut Value, server: Server) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(choices)) = map.get("$version") {
                if map.len() != 1 {
                    return Err("a $version object must have no other keys".to_owned());
                }
                let chosen = select(choices, server)?.cloned();
                *value = chosen.unwrap_or(Value::Null);
                if value.is_null() {
                    *value = json!({"$dropped": true});
                    return Ok(());
                }
                return resolve_versions(value, server);
            }
            for child in map.values_mut() {
                resolve_versions(child, server)?;
            }
            map.retain(|_, v| !is_dropped(v));
        }
        Value::Array(items) => {
            for child in items.iter_mut() {
                resolve_versions(child, server)?;
            }
            items.retain(|v| !is_dropped(v));
        }
        _ => {}
    }
    Ok(())
}

fn is_dropped(value: &Value) -> bool {
    value.get("$dropped").is_some()
}

/// How a scenario is to be treated on a server.
#[derive(Debug)]
pub enum Disposition {
    /// Run it; it must pass.
    Run,
    /// Not run here by design (the reason).
    Skip(String),
    /// Run it; a failure is a recorded divergence (the reason).
    KnownDivergence(String),
}

/// `embeddedOnly` (a reason, or `{selector: reason}` for some real versions) and
/// `knownDivergences` (`{selector: reason}`).
pub fn disposition(scenario: &Value, server: Server) -> Result<Disposition, String> {
    if server != Server::Embedded {
        match scenario.get("embeddedOnly") {
            Some(Value::String(reason)) => return Ok(Disposition::Skip(reason.clone())),
            Some(Value::Object(map)) => {
                if let Some(reason) = select(map, server)? {
                    return Ok(Disposition::Skip(reason.as_str().unwrap_or("").to_owned()));
                }
            }
            _ => {}
        }
    }
    if let Some(Value::Object(map)) = scenario.get("knownDivergences")
        && let Some(reason) = select(map, server)?
    {
        return Ok(Disposition::KnownDivergence(
            reason.as_str().unwrap_or("").to_owned(),
        ));
    }
    Ok(Disposition::Run)
}

/// conductor-oss test-harness task definitions (`WorkflowTestUtil`): `integration_task_0..20`
/// (one retry, 120 s timeouts), `integration_task_0_RT_0..4` (no retries), `short_time_out`,
/// and `task_rt` (response timeout 10 s, no retry delay).
pub fn harness_task_defs() -> Vec<Value> {
    let mut defs = Vec::new();
    for i in 0..=20 {
        defs.push(json!({"name": format!("integration_task_{i}"), "retryCount": 1, "timeoutSeconds": 120, "responseTimeoutSeconds": 120}));
    }
    for i in 0..=4 {
        defs.push(json!({"name": format!("integration_task_0_RT_{i}"), "retryCount": 0, "timeoutSeconds": 120, "responseTimeoutSeconds": 120}));
    }
    defs.push(json!({"name": "short_time_out", "retryCount": 1, "timeoutSeconds": 5, "responseTimeoutSeconds": 5}));
    defs.push(json!({"name": "task_rt", "retryCount": 1, "timeoutSeconds": 120, "retryDelaySeconds": 0, "responseTimeoutSeconds": 10}));
    for def in &mut defs {
        def["ownerEmail"] = json!("test@harness.com");
    }
    defs
}

/// Adds the harness definitions the scenario mentions to its `taskDefs` (when `harness` is set).
pub fn add_harness_defs(scenario: &mut Value) {
    if !scenario
        .get("harness")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        return;
    }
    let mut tokens = BTreeSet::new();
    collect_tokens(scenario, &mut tokens);
    let mut defs: Vec<Value> = harness_task_defs()
        .into_iter()
        .filter(|d| tokens.contains(d["name"].as_str().unwrap_or_default()))
        .collect();
    if let Some(Value::Array(own)) = scenario.get("taskDefs") {
        defs.extend(own.iter().cloned());
    }
    scenario["taskDefs"] = Value::Array(defs);
}

fn collect_tokens(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => into.extend(tokens(s).map(str::to_owned)),
        Value::Array(items) => items.iter().for_each(|v| collect_tokens(v, into)),
        Value::Object(map) => {
            for (k, v) in map {
                into.extend(tokens(k).map(str::to_owned));
                collect_tokens(v, into);
            }
        }
        _ => {}
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The maximal runs of letters, digits and `_` in `s`.
fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !is_word(c)).filter(|t| !t.is_empty())
}

/// The names a scenario defines on the server: task and workflow definitions, the task types
/// its workflows use (worker tasks poll queues named after them), and event handlers.
pub fn defined_names(scenario: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut defs: Vec<&Value> = Vec::new();
    for key in ["taskDefs", "workflowDefs", "eventHandlers"] {
        if let Some(Value::Array(items)) = scenario.get(key) {
            defs.extend(items.iter());
        }
    }
    for step in scenario["steps"].as_array().into_iter().flatten() {
        match step.get("registerTaskDefs") {
            Some(Value::Array(items)) => defs.extend(items.iter()),
            Some(other) => defs.push(other),
            None => {}
        }
        if let Some(def) = step.get("registerWorkflow") {
            defs.push(def);
        }
    }
    for def in defs {
        if let Some(name) = def.get("name").and_then(Value::as_str) {
            names.insert(name.to_owned());
        }
        collect_worker_task_names(def.get("tasks"), &mut names);
    }
    names
}

fn collect_worker_task_names(tasks: Option<&Value>, names: &mut BTreeSet<String>) {
    let Some(Value::Array(tasks)) = tasks else {
        return;
    };
    for task in tasks {
        let kind = task.get("type").and_then(Value::as_str).unwrap_or("SIMPLE");
        if kind == "SIMPLE"
            && let Some(name) = task.get("name").and_then(Value::as_str)
        {
            names.insert(name.to_owned());
        }
        if let Some(Value::Object(cases)) = task.get("decisionCases") {
            for case in cases.values() {
                collect_worker_task_names(Some(case), names);
            }
        }
        collect_worker_task_names(task.get("defaultCase"), names);
        collect_worker_task_names(task.get("loopOver"), names);
        if let Some(Value::Array(branches)) = task.get("forkTasks") {
            for branch in branches {
                collect_worker_task_names(Some(branch), names);
            }
        }
        if let Some(inline) = task.pointer("/subWorkflowParam/workflowDefinition") {
            if let Some(name) = inline.get("name").and_then(Value::as_str) {
                names.insert(name.to_owned());
            }
            collect_worker_task_names(inline.get("tasks"), names);
        }
    }
}

/// Renames every defined name (see [`defined_names`]) wherever it occurs as a whole word, in
/// string values and object keys alike, to `<name>_<tag>`; a dynamic-fork reference
/// `_<name>_<n>` follows its task name.
pub fn rename(scenario: &mut Value, tag: &str) {
    let names = defined_names(scenario);
    let mapping: BTreeMap<String, String> = names
        .into_iter()
        .map(|n| {
            let renamed = format!("{n}_{tag}");
            (n, renamed)
        })
        .collect();
    rename_value(scenario, &mapping);
}

fn rename_value(value: &mut Value, mapping: &BTreeMap<String, String>) {
    match value {
        Value::String(s) => *s = rename_text(s, mapping),
        Value::Array(items) => items.iter_mut().for_each(|v| rename_value(v, mapping)),
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (k, mut v) in old {
                rename_value(&mut v, mapping);
                map.insert(rename_text(&k, mapping), v);
            }
        }
        _ => {}
    }
}

fn rename_text(text: &str, mapping: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once('\0')) {
        if c != '\0' && is_word(c) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push_str(&rename_word(&word, mapping));
            word.clear();
        }
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

fn rename_word(word: &str, mapping: &BTreeMap<String, String>) -> String {
    if let Some(renamed) = mapping.get(word) {
        return renamed.clone();
    }
    // `_<name>_<n>`: the reference name conductor gives the n-th dynamic-fork branch.
    if let Some(inner) = word.strip_prefix('_')
        && let Some((name, index)) = inner.rsplit_once('_')
        && index.chars().all(|c| c.is_ascii_digit())
        && !index.is_empty()
        && let Some(renamed) = mapping.get(name)
    {
        return format!("_{renamed}_{index}");
    }
    word.to_owned()
}

/// Reads and parses a scenario file.
pub fn read(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| format!("bad JSON: {e}"))
}

/// Replaces `pattern` by `with` in every string value.
pub fn substitute(value: &mut Value, pattern: &str, with: &str) {
    match value {
        Value::String(s) if s.contains(pattern) => *s = s.replace(pattern, with),
        Value::Array(items) => items.iter_mut().for_each(|v| substitute(v, pattern, with)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, pattern, with)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        let v21 = Server::Real(Version(3, 21, 14));
        let v32 = Server::Real(Version(3, 32, 3));
        let e = Server::Embedded;
        let m = |s: &str, server| selector_matches(s, server).expect("selector");
        assert!(m("<3.30", v21) && !m("<3.30", v32) && !m("<3.30", e));
        assert!(m(">=3.30", v32) && m(">=3.30", e) && !m(">=3.30", v21));
        assert!(m("3.21", v21) && m("3.21.14", v21) && !m("3.21", e) && !m("3.21.13", v21));
        assert!(m("real", v21) && !m("real", e) && m("embedded", e) && m("default", v32));
        assert!(m(">3.20,<3.22", v21) && !m(">3.20,<3.22", v32));
    }

    #[test]
    fn renaming_follows_words_keys_and_dynamic_fork_refs() {
        let mut m = BTreeMap::new();
        m.insert("w_a".to_owned(), "w_a_X".to_owned());
        assert_eq!(
            rename_text("${w_a.output} w_ab _w_a_3 w_a", &m),
            "${w_a_X.output} w_ab _w_a_X_3 w_a_X"
        );
        assert_eq!(rename_text("conductor:w_a:pub", &m), "conductor:w_a_X:pub");
    }
}
