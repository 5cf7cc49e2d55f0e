//! Jackson's scalar coercions for request bodies, driven by the bodies' JSON Schemas.
//!
//! conductor-oss reads bodies with Jackson, which turns a number or a boolean into a string
//! where a string is expected, a float into an integer (truncated), a numeric string into a
//! number, `0`/`1` or `"true"` into a boolean, an integer into the enum constant of that
//! ordinal, and a `null` property into the field's default. The models' serde is strict, so a
//! body the real server reads (and then validates: usually a 400) would be a JSON parse error
//! here (500). [`from_value`] parses strictly first and, only when that fails, rewrites the
//! value along the type's schema (the same `schemars` schemas the OpenAPI document shows) and
//! parses again.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

/// Properties the models read but conductor-oss 3.32.3's classes do not (or only derive, with no
/// setter): Jackson ignores them in a body, so a value of any type there is no error. Found by
/// comparing its `/api-docs` components with ours, and by fuzzing.
const IGNORED_ON_INPUT: &[(&str, &str)] = &[
    ("EventHandler", "description"),
    ("ExecutionMetadata", "empty"),
    ("ExecutionMetadata", "executionDuration"),
];

/// conductor-oss classes with a one-string constructor (`TaskDef(String name)`,
/// `TaskExecLog(String log)`), which Jackson uses for a bare string: the class and the property
/// the string sets.
const STRING_CREATORS: &[(&str, &str)] = &[("TaskDef", "name"), ("TaskExecLog", "log")];

/// Deeper than any real body; a deeper value is left as it is.
const MAX_DEPTH: usize = 128;

/// Parses `value` as `T`, with Jackson's coercions when the strict parse fails. The error is the
/// strict parse's.
pub(crate) fn from_value<T: DeserializeOwned + JsonSchema + 'static>(
    value: Value,
) -> Result<T, serde_json::Error> {
    match T::deserialize(&value) {
        Ok(parsed) => Ok(parsed),
        Err(strict) => {
            let root = schema_of::<T>();
            let coerced = coerce(value, &root, &root, 0);
            T::deserialize(coerced).map_err(|_| strict)
        }
    }
}

/// Jackson's error for a JSON array where `T`, an object (a class or a map), is expected; `None`
/// when `T` is not an object. serde reads a struct from an array of its fields in order, so
/// `[]` would be a struct of defaults here, where conductor-oss fails the body.
pub(crate) fn array_refused<T: JsonSchema + 'static>() -> Option<String> {
    let root = schema_of::<T>();
    if !types(&root).contains(&"object") {
        return None;
    }
    let title = root
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("Object");
    let class = JAVA_CLASSES
        .iter()
        .find(|(rust, _)| *rust == title)
        .map_or(title, |(_, java)| *java);
    Some(format!(
        "Cannot deserialize value of type `{class}` from Array value (token `JsonToken.START_ARRAY`)"
    ))
}

/// The conductor-oss classes of the request bodies, by the models' names, for Jackson's texts.
const JAVA_CLASSES: &[(&str, &str)] = &[
    (
        "TaskResult",
        "com.netflix.conductor.common.metadata.tasks.TaskResult",
    ),
    (
        "TaskDef",
        "com.netflix.conductor.common.metadata.tasks.TaskDef",
    ),
    (
        "WorkflowDef",
        "com.netflix.conductor.common.metadata.workflow.WorkflowDef",
    ),
    (
        "StartWorkflowRequest",
        "com.netflix.conductor.common.metadata.workflow.StartWorkflowRequest",
    ),
    (
        "RerunWorkflowRequest",
        "com.netflix.conductor.common.metadata.workflow.RerunWorkflowRequest",
    ),
    (
        "WorkflowTestRequest",
        "com.netflix.conductor.common.run.WorkflowTestRequest",
    ),
    (
        "EventHandler",
        "com.netflix.conductor.common.metadata.events.EventHandler",
    ),
    // A JSON object of any values (`JsonMap`): a workflow's input, a task's output.
    (
        "Map_of_AnyValue",
        "java.util.LinkedHashMap<java.lang.String,java.lang.Object>",
    ),
];

/// Parses JSON text as `T` through [`from_value`]; `None` when it is not JSON or still does not
/// parse.
pub(crate) fn from_slice<T: DeserializeOwned + JsonSchema + 'static>(bytes: &[u8]) -> Option<T> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    from_value(value).ok()
}

/// The (cached) root schema of `T`, with its definitions under `$defs`.
fn schema_of<T: JsonSchema + 'static>() -> Arc<Value> {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, Arc<Value>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .entry(TypeId::of::<T>())
        .or_insert_with(|| {
            let generator = SchemaSettings::draft2020_12().into_generator();
            Arc::new(generator.into_root_schema_for::<T>().to_value())
        })
        .clone()
}

/// Follows `#/$defs/Name` references (a newtype's schema may be one more), or `#` (the root
/// type, inside a recursive one).
fn resolve<'a>(mut schema: &'a Value, root: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let next = match schema.get("$ref").and_then(Value::as_str) {
            Some("#") => root,
            Some(target) => match target
                .strip_prefix("#/$defs/")
                .and_then(|name| root.get("$defs")?.get(name))
            {
                Some(next) => next,
                None => return schema,
            },
            None => return schema,
        };
        schema = next;
    }
    schema
}

/// The types a schema allows (`"type": "string"` or `"type": ["string", "null"]`).
fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn coerce(value: Value, schema: &Value, root: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return value;
    }
    let reference = schema.get("$ref").and_then(Value::as_str);
    let schema = resolve(schema, root);
    // The type's name: from its reference, or the root's title.
    let name = reference
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .or_else(|| schema.get("title").and_then(Value::as_str));
    // A class with a one-string constructor: Jackson builds it from a bare string.
    let creator = STRING_CREATORS
        .iter()
        .find(|(class, _)| Some(*class) == name);
    if let (Some((_, property)), true) = (creator, value.is_string()) {
        let mut object = Map::new();
        object.insert((*property).into(), value);
        return Value::Object(object);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            if value.is_null() {
                return value;
            }
            // The first branch that is not `null` (an `Option<T>`'s `T`).
            return match branches.iter().find(|b| types(b) != ["null"]) {
                Some(branch) => coerce(value, branch, root, depth + 1),
                None => value,
            };
        }
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        return all
            .iter()
            .fold(value, |v, branch| coerce(v, branch, root, depth + 1));
    }
    if let Some(Value::Array(constants)) = schema.get("enum") {
        return enum_constant(value, constants);
    }
    let allowed = types(schema);
    match value {
        Value::Object(map) if allowed.contains(&"object") || allowed.is_empty() => {
            Value::Object(object(map, name, schema, root, depth))
        }
        Value::Array(items) if allowed.contains(&"array") => {
            let item_schema = schema.get("items").unwrap_or(&Value::Bool(true));
            let keep_nulls = nullable(resolve(item_schema, root));
            Value::Array(
                items
                    .into_iter()
                    .filter(|item| keep_nulls || !item.is_null())
                    .map(|item| coerce(item, item_schema, root, depth + 1))
                    .collect(),
            )
        }
        scalar => scalar_to(scalar, &allowed),
    }
}

/// Whether a schema allows `null` (an `Option`, any JSON value).
fn nullable(schema: &Value) -> bool {
    types(schema).contains(&"null")
        || schema.get("anyOf").is_some()
        || schema.get("oneOf").is_some()
        || schema.as_bool() == Some(true)
        || schema
            .as_object()
            .is_some_and(|s| s.keys().all(|k| k == "description"))
}

/// The properties of an object, each coerced to its schema; a `null` where the schema allows
/// none is dropped (Jackson leaves a field at its default; the models have no null element).
fn object(
    map: Map<String, Value>,
    name: Option<&str>,
    schema: &Value,
    root: &Value,
    depth: usize,
) -> Map<String, Value> {
    let properties = schema.get("properties");
    let additional = schema.get("additionalProperties");
    map.into_iter()
        .filter_map(|(key, value)| {
            let Some(sub) = properties
                .and_then(|p| p.get(&key))
                .or(additional.filter(|a| a.is_object()))
            else {
                return Some((key, value));
            };
            if value.is_null() && !nullable(resolve(sub, root)) {
                return None;
            }
            if IGNORED_ON_INPUT.contains(&(name.unwrap_or_default(), key.as_str())) {
                return None;
            }
            Some((key, coerce(value, sub, root, depth + 1)))
        })
        .collect()
}

/// An integer where a string enum is expected: the constant of that ordinal. Another scalar
/// becomes its text (some of these are plain strings in conductor-oss's classes, `type` among
/// them; the models keep a value they do not know).
fn enum_constant(value: Value, constants: &[Value]) -> Value {
    let ordinal = value.as_u64().and_then(|i| usize::try_from(i).ok());
    match (ordinal.and_then(|i| constants.get(i)), value) {
        (Some(constant), _) => constant.clone(),
        (None, Value::Number(n)) => Value::String(n.to_string()),
        (None, Value::Bool(b)) => Value::String(b.to_string()),
        (None, other) => other,
    }
}

/// A scalar converted to the first scalar type the schema allows, as Jackson would.
fn scalar_to(value: Value, allowed: &[&str]) -> Value {
    if allowed.is_empty() || value.is_null() {
        return value;
    }
    let fits = match &value {
        Value::String(_) => allowed.contains(&"string"),
        Value::Bool(_) => allowed.contains(&"boolean"),
        Value::Number(n) if n.is_f64() => allowed.contains(&"number"),
        Value::Number(_) => allowed.contains(&"integer") || allowed.contains(&"number"),
        _ => true,
    };
    if fits {
        return value;
    }
    for target in allowed {
        let converted = match (*target, &value) {
            ("string", Value::Number(n)) => Some(Value::String(n.to_string())),
            ("string", Value::Bool(b)) => Some(Value::String(b.to_string())),
            ("integer", Value::Number(n)) => n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(|f| Value::Number(Number::from(f.trunc() as i64))),
            ("integer", Value::String(s)) => s.trim().parse::<i64>().ok().map(Value::from),
            ("number", Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number),
            ("boolean", Value::Number(n)) => n.as_i64().map(|i| Value::Bool(i != 0)),
            ("boolean", Value::String(s)) if s == "true" || s == "false" => {
                Some(Value::Bool(s == "true"))
            }
            _ => None,
        };
        if let Some(converted) = converted {
            return converted;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use conductor_models::{
        StartWorkflowRequest, TaskDef, TaskResultStatus, TimeoutPolicy, WorkflowDef,
        WorkflowTestRequest,
    };
    use serde_json::json;

    use super::from_value;

    #[test]
    fn scalars_are_coerced_like_jackson() {
        let def: WorkflowDef = from_value(json!({
            "name": 12, "description": false, "version": 2.9, "restartable": 0,
            "timeoutSeconds": "30", "timeoutPolicy": 0, "tasks": null
        }))
        .unwrap();
        assert_eq!(def.name, "12");
        assert_eq!(def.description.as_deref(), Some("false"));
        assert_eq!(def.version, 2);
        assert!(!def.restartable);
        assert_eq!(def.timeout_seconds, 30);
        assert!(def.tasks.is_empty());
    }

    #[test]
    fn nested_and_enum_values_are_coerced() {
        let request: StartWorkflowRequest = from_value(json!({
            "name": "x", "priority": "5",
            "workflowDef": {"name": true, "tasks": [{"name": 1, "taskReferenceName": 2.5}]}
        }))
        .unwrap();
        assert_eq!(request.priority, 5);
        let def = request.workflow_def.unwrap();
        assert_eq!(def.name, "true");
        assert_eq!(def.tasks[0].name, "1");
        assert_eq!(def.tasks[0].task_reference_name, "2.5");
        // Inside a recursive type (`#` is the root's own schema).
        let def: WorkflowDef = from_value(json!({"name": "outer", "tasks": [{
            "name": "sub", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
            "subWorkflowParam": {"name": "inner", "version": 1.0,
                                 "workflowDefinition": {"name": "inner", "updatedBy": false}}
        }]}))
        .unwrap();
        let inline = serde_json::to_value(&def.tasks[0]).unwrap();
        assert_eq!(
            inline["subWorkflowParam"]["workflowDefinition"]["updatedBy"],
            "false"
        );
        let task: TaskDef = from_value(json!({"name": "t", "timeoutPolicy": 1})).unwrap();
        assert_eq!(from_value::<TaskDef>(json!("bare")).unwrap().name, "bare");
        // Through a newtype (`TaskMockStatus` is a `TaskResultStatus`).
        let test: WorkflowTestRequest =
            from_value(json!({"name": "w", "taskRefToMockOutput": {"t": [{"status": 1}]}}))
                .unwrap();
        assert_eq!(
            test.task_ref_to_mock_output["t"][0].status.0,
            TaskResultStatus::KNOWN[1]
        );
        // Null elements are dropped; a bare string is a task definition's name.
        let def: WorkflowDef = from_value(json!({"name": "w", "tasks": [null, {
            "name": "t", "taskReferenceName": "t", "type": false, "taskDefinition": "named"
        }]}))
        .unwrap();
        assert_eq!(def.tasks.len(), 1);
        assert_eq!(def.tasks[0].task_definition.as_ref().unwrap().name, "named");
        assert_eq!(def.tasks[0].task_type.as_str(), "false");
        assert_eq!(task.timeout_policy, TimeoutPolicy::KNOWN[1]);
    }

    #[test]
    fn what_jackson_refuses_stays_an_error_with_the_strict_message() {
        let error = from_value::<WorkflowDef>(json!({"name": {"a": 1}})).unwrap_err();
        assert!(error.to_string().contains("expected a string"), "{error}");
        let error = from_value::<WorkflowDef>(json!({"version": "seven"})).unwrap_err();
        assert!(error.to_string().contains("invalid type"), "{error}");
    }
}
