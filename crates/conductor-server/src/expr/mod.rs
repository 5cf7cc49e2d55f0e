//! `${...}` parameter resolution, as conductor-oss `ParametersUtils.replaceVariables` does it.
//!
//! The rules (conductor-engine.md §1.3): an expression that is the *whole* string yields the raw typed
//! value; embedded expressions are stringified the way Java's `toString` would (`{a=1}`, `null`);
//! several expressions in one string are all replaced; expressions nest and are resolved inside-out;
//! a blank `${}` becomes the empty string; `$${` escapes; unbalanced braces are left alone;
//! `${CPEWF_TASK_ID}` is the task being scheduled and other upper-case names read the server's
//! environment. Only values are evaluated, never keys; maps and lists are walked recursively.

mod jsonpath;

use serde_json::{Map, Value};

/// The system parameter names conductor-oss knows (`EnvUtils.SystemParameters`).
const SYSTEM_PARAMETERS: [&str; 3] = ["CPEWF_TASK_ID", "NETFLIX_ENV", "NETFLIX_STACK"];

/// What expressions are evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct Resolver<'a> {
    document: &'a Value,
    task_id: Option<&'a str>,
}

impl<'a> Resolver<'a> {
    /// A resolver over `document` (the JSON root: `workflow` plus one key per task reference name),
    /// with `task_id` answering `${CPEWF_TASK_ID}`.
    pub fn new(document: &'a Value, task_id: Option<&'a str>) -> Self {
        Self { document, task_id }
    }

    /// Resolves every value of `input` (keys are left as they are).
    pub fn resolve_map(&self, input: &Map<String, Value>) -> Map<String, Value> {
        input
            .iter()
            .map(|(k, v)| (k.clone(), self.resolve_value(v)))
            .collect()
    }

    /// Resolves one value: strings are evaluated, maps and lists walked, other values copied.
    pub fn resolve_value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => self.resolve_string(s, 0),
            Value::Object(map) => Value::Object(self.resolve_map(map)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.resolve_value(v)).collect())
            }
            other => other.clone(),
        }
    }

    fn resolve_string(&self, text: &str, depth: usize) -> Value {
        let mut replacements: Vec<(usize, usize, Replacement)> = Vec::new();
        for (start, end) in find_expressions(text) {
            let inner = &text[start + 2..end - 1];
            let path = match self.resolve_string(inner, depth + 1) {
                Value::String(s) => s,
                other => other.to_string(),
            };
            if path.trim().is_empty() {
                replacements.push((start, end, Replacement::Text(String::new())));
                continue;
            }
            if path.starts_with("workflow.secrets.") {
                // Deferred in OSS (resolved at hand-off); this server has no secret store, so the
                // literal stays, exactly as an unconfigured OSS server leaves it.
                replacements.push((start, end, Replacement::Text(text[start..end].to_owned())));
            } else if is_system_parameter(&path) {
                // An unset system parameter is not recorded, so the literal stays in the string.
                if let Some(value) = system_value(&path, self.task_id) {
                    replacements.push((start, end, Replacement::Text(value)));
                }
            } else {
                let result = jsonpath::read(self.document, &path);
                replacements.push((
                    start,
                    end,
                    Replacement::Value {
                        value: result.value,
                        json_array: result.indefinite,
                    },
                ));
            }
        }
        if depth == 0 && replacements.len() == 1 {
            let (start, end, _) = &replacements[0];
            if *start == 0 && *end == text.len() {
                return match replacements.remove(0).2 {
                    Replacement::Text(s) => Value::String(s),
                    Replacement::Value { value, .. } => value.unwrap_or(Value::Null),
                };
            }
        }
        let mut out = text.to_owned();
        for (start, end, replacement) in replacements.into_iter().rev() {
            out.replace_range(start..end, &replacement.render());
        }
        Value::String(out.replace("$${", "${"))
    }
}

enum Replacement {
    Text(String),
    Value {
        value: Option<Value>,
        json_array: bool,
    },
}

impl Replacement {
    fn render(&self) -> String {
        match self {
            Replacement::Text(s) => s.clone(),
            Replacement::Value { value: None, .. } => "null".to_owned(),
            Replacement::Value {
                value: Some(v),
                json_array: true,
            } => v.to_string(),
            Replacement::Value {
                value: Some(v),
                json_array: false,
            } => java_to_string(v),
        }
    }
}

/// `true` when `path` names a system parameter or an environment variable of this process
/// (`EnvUtils.isEnvironmentVariable`).
fn is_system_parameter(path: &str) -> bool {
    if SYSTEM_PARAMETERS.contains(&path) {
        return true;
    }
    !path.is_empty() && !path.contains(['.', '[', '=', '\0']) && std::env::var_os(path).is_some()
}

fn system_value(path: &str, task_id: Option<&str>) -> Option<String> {
    if path == "CPEWF_TASK_ID" {
        return task_id.map(str::to_owned);
    }
    std::env::var(path).ok()
}

/// Byte ranges `[start, end)` of the top-level balanced `${...}` groups not preceded by `$`.
fn find_expressions(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'{' && (i == 0 || bytes[i - 1] != b'$') {
            let mut depth = 0usize;
            let mut end = None;
            for (j, b) in bytes.iter().enumerate().skip(i + 1) {
                match b {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(j + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            match end {
                Some(end) => {
                    found.push((i, end));
                    i = end;
                }
                None => i += 2,
            }
        } else {
            i += 1;
        }
    }
    found
}

/// Renders a value the way Java's `Objects.toString` renders the Jackson-decoded object:
/// maps as `{k=v, k2=v2}`, lists as `[a, b]`, strings bare, `null` as `null`, doubles with `.0`.
pub fn java_to_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => java_number(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(java_to_string).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", java_to_string(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

fn java_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    let abs = f.abs();
    if f == 0.0 || (1e-3..1e7).contains(&abs) {
        let s = format!("{f}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        // Java: 1.0E7, 1.5E-4
        let s = format!("{f:e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_owned()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exponent}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "workflow": {"input": {"n": 5, "name": "x", "key": "n", "list": [{"b": "x"}, {"b": "y"}],
                                    "f": 1.0},
                         "workflowId": "wf-1", "variables": {"v": [1, 2]}},
            "t1": {"output": {"a": 1, "b": [1, 2]}, "status": "COMPLETED"}
        })
    }

    fn resolve(s: &str) -> Value {
        let d = doc();
        Resolver::new(&d, Some("task-9")).resolve_value(&json!(s))
    }

    #[test]
    fn whole_string_expressions_keep_their_type() {
        assert_eq!(resolve("${workflow.input.n}"), json!(5));
        assert_eq!(
            resolve("${workflow.input.list}"),
            json!([{"b": "x"}, {"b": "y"}])
        );
        assert_eq!(resolve("${workflow.input.missing}"), Value::Null);
        assert_eq!(resolve("${t9.output.x}"), Value::Null);
        assert_eq!(resolve("${t1.status}"), json!("COMPLETED"));
        assert_eq!(resolve("${$.workflow.input.name}"), json!("x"));
    }

    #[test]
    fn embedded_expressions_render_like_java() {
        assert_eq!(resolve("n=${workflow.input.n}"), json!("n=5"));
        assert_eq!(resolve("x ${workflow.input.missing} y"), json!("x null y"));
        assert_eq!(resolve("v=${t1.output}"), json!("v={a=1, b=[1, 2]}"));
        assert_eq!(
            resolve("v=${workflow.input.list[*].b}"),
            json!("v=[\"x\",\"y\"]")
        );
        assert_eq!(
            resolve("${workflow.input.n}${workflow.input.name}"),
            json!("5x")
        );
        assert_eq!(resolve("f=${workflow.input.f}"), json!("f=1.0"));
    }

    #[test]
    fn nesting_blank_escape_and_unbalanced() {
        assert_eq!(resolve("${workflow.input.${workflow.input.key}}"), json!(5));
        assert_eq!(resolve("${}"), json!(""));
        assert_eq!(resolve("a${ }b"), json!("ab"));
        assert_eq!(
            resolve("$${workflow.input.name}"),
            json!("${workflow.input.name}")
        );
        assert_eq!(
            resolve("${workflow.input.name"),
            json!("${workflow.input.name")
        );
    }

    #[test]
    fn system_parameters() {
        assert_eq!(resolve("${CPEWF_TASK_ID}"), json!("task-9"));
        assert_eq!(resolve("id-${CPEWF_TASK_ID}"), json!("id-task-9"));
        // NETFLIX_STACK is not set for the test process: the literal stays.
        assert_eq!(resolve("${NETFLIX_STACK}"), json!("${NETFLIX_STACK}"));
    }

    #[test]
    fn maps_and_lists_are_walked_keys_untouched() {
        let d = doc();
        let input = json!({"${workflow.input.n}": ["${workflow.input.n}", {"k": "${workflow.workflowId}"}], "num": 3});
        let out = Resolver::new(&d, None).resolve_value(&input);
        assert_eq!(
            out,
            json!({"${workflow.input.n}": [5, {"k": "wf-1"}], "num": 3})
        );
    }

    #[test]
    fn java_rendering_of_numbers() {
        assert_eq!(java_to_string(&json!(1e7)), "1.0E7");
        assert_eq!(java_to_string(&json!(2.5)), "2.5");
        assert_eq!(java_to_string(&json!(-3)), "-3");
    }
}
