//! JSON Schemas for task inputs and outputs, generated from Rust types with `schemars`.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// The JSON Schema (draft-07) of `T`, for a task's input or output.
///
/// With `strict`, every object schema gets `"additionalProperties": false` (unless it already
/// says otherwise, as maps do), so unknown fields are rejected, like the Python SDK's
/// `strict_schema`. Draft-07 is the draft Conductor's schema validation reads.
///
/// Attach the result with [`FnWorker::with_input_schema`](crate::FnWorker::with_input_schema) or
/// [`Worker::input_schema`](crate::Worker::input_schema); with registration on, it is linked into
/// the task definition (`inputSchema` / `outputSchema`).
///
/// ```
/// use schemars::JsonSchema;
/// use conductor_worker::schema::generate_schema;
///
/// #[derive(JsonSchema)]
/// struct OrderInput {
///     order_id: String,
///     amount: f64,
///     items: Vec<String>,
/// }
///
/// let schema = generate_schema::<OrderInput>(true);
/// assert_eq!(schema["type"], "object");
/// assert_eq!(schema["additionalProperties"], false);
/// assert_eq!(schema["properties"]["amount"]["type"], "number");
/// ```
#[must_use]
pub fn generate_schema<T: JsonSchema>(strict: bool) -> Value {
    let mut schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    if strict {
        forbid_additional_properties(&mut schema);
    }
    schema
}

/// Keys whose values are JSON data, not schemas: never rewritten.
const DATA_KEYWORDS: &[&str] = &["enum", "const", "default", "examples"];

/// Adds `additionalProperties: false` to every object schema that does not say otherwise (the rule
/// [`generate_schema`] applies with `strict`; the `#[worker]` schemas reuse it).
pub(crate) fn forbid_additional_properties(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let is_object_schema = match map.get("type") {
                Some(Value::String(kind)) => kind == "object",
                Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "object"),
                _ => false,
            };
            if is_object_schema && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                if !DATA_KEYWORDS.contains(&key.as_str()) {
                    forbid_additional_properties(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_additional_properties),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use schemars::JsonSchema;
    use serde_json::json;

    use super::*;

    #[allow(dead_code)]
    #[derive(JsonSchema)]
    struct Line {
        sku: String,
        quantity: u32,
    }

    #[allow(dead_code)]
    #[derive(JsonSchema)]
    struct Order {
        id: String,
        lines: Vec<Line>,
        tags: HashMap<String, String>,
        #[schemars(default)]
        note: Option<String>,
    }

    #[test]
    fn strict_closes_every_object_including_nested_definitions() {
        let schema = generate_schema::<Order>(true);
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["additionalProperties"], false);
        let line = &schema["definitions"]["Line"];
        assert_eq!(line["additionalProperties"], false, "{schema}");
        // A map keeps its value schema.
        assert_eq!(
            schema["properties"]["tags"]["additionalProperties"],
            json!({"type": "string"})
        );
        let required = schema["required"].as_array().unwrap();
        assert!(required.contains(&json!("id")));
    }

    #[test]
    fn lax_schemas_leave_objects_open() {
        let schema = generate_schema::<Order>(false);
        assert!(schema.get("additionalProperties").is_none());
        assert!(
            schema["definitions"]["Line"]
                .get("additionalProperties")
                .is_none()
        );
    }

    #[test]
    fn data_keywords_are_not_rewritten() {
        let mut schema = json!({"type": "object", "const": {"type": "object"}});
        forbid_additional_properties(&mut schema);
        assert_eq!(schema["const"], json!({"type": "object"}));
        assert_eq!(schema["additionalProperties"], false);
    }
}
