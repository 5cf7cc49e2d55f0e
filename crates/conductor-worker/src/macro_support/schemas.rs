//! The JSON Schemas of a `#[worker]` function, derived from its signature: the input schema (one
//! property per input parameter) and the output schema (the return type's payload, shaped as
//! the output the worker reports). Types without `schemars::JsonSchema` are described as "any
//! value" in the input and leave the output schema out, so deriving schemas never blocks a build.

use std::fmt;
use std::marker::PhantomData;

use conductor_models::JsonMap;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

use crate::schema::{forbid_additional_properties, generate_schema};

/// The draft the schemas are written in (the one Conductor's validation reads).
const DRAFT_07: &str = "http://json-schema.org/draft-07/schema#";

/// The type of a parameter or return value, probed by the expansion with
/// `(&SchemaProbe::<T>::new()).subschema(..)`: [`ViaJsonSchema`] when `T: JsonSchema`, else
/// [`NoJsonSchema`] (method resolution on a concrete type, no specialisation needed).
pub struct SchemaProbe<T>(PhantomData<fn() -> T>);

impl<T> SchemaProbe<T> {
    /// The probe for `T`.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for SchemaProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for SchemaProbe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SchemaProbe<{}>", std::any::type_name::<T>())
    }
}

/// Schemas of a type that implements `JsonSchema`.
pub trait ViaJsonSchema {
    /// The type's schema inside `generator` (definitions go to the generator).
    fn subschema(&self, generator: &mut SchemaGenerator) -> Option<Schema>;
    /// The type's schema as a root document (`#[input(all)]`).
    fn root_schema(&self, strict: bool) -> Option<Value>;
    /// The schema of the output a worker reports when it returns this type.
    fn output_schema(&self, strict: bool, optional: bool) -> Option<Value>;
}

impl<T: JsonSchema> ViaJsonSchema for SchemaProbe<T> {
    fn subschema(&self, generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.subschema_for::<T>())
    }

    fn root_schema(&self, strict: bool) -> Option<Value> {
        Some(generate_schema::<T>(strict))
    }

    fn output_schema(&self, strict: bool, optional: bool) -> Option<Value> {
        output_schema_from(generate_schema::<T>(strict), strict, optional)
    }
}

/// Schemas of a type without `JsonSchema`: unknown.
pub trait NoJsonSchema {
    /// `None`: any value.
    fn subschema(&self, generator: &mut SchemaGenerator) -> Option<Schema>;
    /// `None`: no schema.
    fn root_schema(&self, strict: bool) -> Option<Value>;
    /// `None`: no schema.
    fn output_schema(&self, strict: bool, optional: bool) -> Option<Value>;
}

impl<T> NoJsonSchema for &SchemaProbe<T> {
    fn subschema(&self, _generator: &mut SchemaGenerator) -> Option<Schema> {
        None
    }

    fn root_schema(&self, _strict: bool) -> Option<Value> {
        None
    }

    fn output_schema(&self, _strict: bool, _optional: bool) -> Option<Value> {
        None
    }
}

/// The input schema of a worker: an object with one property per input parameter.
pub struct InputSchema {
    generator: SchemaGenerator,
    strict: bool,
    properties: JsonMap,
    required: Vec<Value>,
}

impl InputSchema {
    /// An empty input schema; `strict` closes every object (`additionalProperties: false`).
    #[must_use]
    pub fn new(strict: bool) -> Self {
        Self {
            generator: SchemaSettings::draft07().into_generator(),
            strict,
            properties: JsonMap::new(),
            required: Vec::new(),
        }
    }

    /// Adds the property `key`, described by `schema` (`None`: any value), required unless
    /// `optional`.
    #[must_use]
    pub fn property(
        mut self,
        key: &str,
        schema: impl FnOnce(&mut SchemaGenerator) -> Option<Schema>,
        optional: bool,
    ) -> Self {
        let schema = schema(&mut self.generator).map_or_else(|| json!({}), Schema::to_value);
        self.properties.insert(key.to_owned(), schema);
        if !optional {
            self.required.push(Value::String(key.to_owned()));
        }
        self
    }

    /// The schema document, or `None` when the worker reads no input.
    #[must_use]
    pub fn build(mut self) -> Option<Value> {
        if self.properties.is_empty() {
            return None;
        }
        let mut root = JsonMap::new();
        root.insert("$schema".to_owned(), Value::String(DRAFT_07.to_owned()));
        root.insert("type".to_owned(), Value::String("object".to_owned()));
        root.insert("properties".to_owned(), Value::Object(self.properties));
        if !self.required.is_empty() {
            root.insert("required".to_owned(), Value::Array(self.required));
        }
        let definitions = self.generator.take_definitions(true);
        if !definitions.is_empty() {
            root.insert("definitions".to_owned(), Value::Object(definitions));
        }
        let mut root = Value::Object(root);
        if self.strict {
            forbid_additional_properties(&mut root);
        }
        Some(root)
    }
}

impl fmt::Debug for InputSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputSchema")
            .field("strict", &self.strict)
            .field("properties", &self.properties)
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

/// What a root schema says about the JSON type of its values.
enum Shape {
    /// Always an object: the value is the output.
    Object,
    /// Never an object: the output is `{"result": value}`.
    NotObject,
    /// Sometimes an object, or unknown: no output schema can be stated.
    Unknown,
}

fn shape(schema: &Value) -> Shape {
    match schema.get("type") {
        Some(Value::String(kind)) if kind == "object" => Shape::Object,
        Some(Value::String(_)) => Shape::NotObject,
        Some(Value::Array(kinds)) if kinds.iter().all(|kind| kind != "object") => Shape::NotObject,
        _ => Shape::Unknown,
    }
}

/// The schema of the output reported for a returned value described by `root`: the value's
/// own schema when it is an object, else an object with a `result` property. With `optional`
/// (an `Option` return, whose `None` reports an empty output) nothing is required.
fn output_schema_from(root: Value, strict: bool, optional: bool) -> Option<Value> {
    let Value::Object(mut root) = root else {
        return None;
    };
    match shape(&Value::Object(root.clone())) {
        Shape::Object => {
            if optional {
                root.remove("required");
            }
            Some(Value::Object(root))
        }
        Shape::NotObject => {
            let meta = root
                .remove("$schema")
                .unwrap_or_else(|| Value::String(DRAFT_07.to_owned()));
            let definitions = root.remove("definitions");
            // The root's title names the type ("string", "Array_of_Address"); as a property it
            // is noise.
            root.remove("title");
            let mut wrapper = JsonMap::new();
            wrapper.insert("$schema".to_owned(), meta);
            wrapper.insert("type".to_owned(), Value::String("object".to_owned()));
            wrapper.insert(
                "properties".to_owned(),
                json!({ "result": Value::Object(root) }),
            );
            if !optional {
                wrapper.insert("required".to_owned(), json!(["result"]));
            }
            if strict {
                wrapper.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            if let Some(definitions) = definitions {
                wrapper.insert("definitions".to_owned(), definitions);
            }
            Some(Value::Object(wrapper))
        }
        Shape::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(dead_code)]
    #[derive(JsonSchema)]
    struct Address {
        street: String,
        zip: String,
    }

    #[allow(dead_code)]
    #[derive(JsonSchema)]
    struct Shipment {
        tracking: String,
        parcels: u32,
    }

    #[allow(dead_code)]
    struct NoSchema;

    /// What the expansion emits for a property of type `$ty`.
    macro_rules! property {
        ($schema:expr, $key:expr, $ty:ty, $optional:expr) => {{
            #[allow(unused_imports)]
            use super::{NoJsonSchema as _, ViaJsonSchema as _};
            $schema.property(
                $key,
                |generator| (&SchemaProbe::<$ty>::new()).subschema(generator),
                $optional,
            )
        }};
    }

    macro_rules! output {
        ($ty:ty, $strict:expr, $optional:expr) => {{
            #[allow(unused_imports)]
            use super::{NoJsonSchema as _, ViaJsonSchema as _};
            (&SchemaProbe::<$ty>::new()).output_schema($strict, $optional)
        }};
    }

    #[test]
    fn input_schema_has_a_property_per_parameter() {
        let schema = InputSchema::new(false);
        let schema = property!(schema, "orderId", String, false);
        let schema = property!(schema, "address", Address, false);
        let schema = property!(schema, "express", Option<bool>, true);
        let schema = property!(schema, "blob", NoSchema, false);
        let schema = schema.build().unwrap();
        assert_eq!(schema["$schema"], DRAFT_07);
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["properties"]["orderId"], json!({"type": "string"}));
        assert_eq!(
            schema["properties"]["address"],
            json!({"$ref": "#/definitions/Address"})
        );
        assert_eq!(
            schema["properties"]["express"]["type"],
            json!(["boolean", "null"])
        );
        assert_eq!(schema["properties"]["blob"], json!({}));
        assert_eq!(schema["required"], json!(["orderId", "address", "blob"]));
        assert_eq!(
            schema["definitions"]["Address"]["properties"]["zip"],
            json!({"type": "string"})
        );
        assert!(schema.get("additionalProperties").is_none());
    }

    #[test]
    fn strict_input_schemas_close_every_object() {
        let schema = property!(InputSchema::new(true), "address", Address, false)
            .build()
            .unwrap();
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(
            schema["definitions"]["Address"]["additionalProperties"],
            false
        );
    }

    #[test]
    fn no_inputs_no_schema() {
        assert_eq!(InputSchema::new(true).build(), None);
    }

    #[test]
    fn output_schemas_follow_the_reported_output() {
        let object = output!(Shipment, false, false).unwrap();
        assert_eq!(object["type"], "object");
        assert_eq!(object["required"], json!(["tracking", "parcels"]));
        let optional = output!(Shipment, false, true).unwrap();
        assert!(optional.get("required").is_none());

        let wrapped = output!(String, true, false).unwrap();
        assert_eq!(wrapped["properties"]["result"], json!({"type": "string"}));
        assert_eq!(wrapped["required"], json!(["result"]));
        assert_eq!(wrapped["additionalProperties"], false);
        assert_eq!(wrapped["$schema"], DRAFT_07);

        let nested = output!(Vec<Address>, false, false).unwrap();
        assert_eq!(
            nested["properties"]["result"]["items"],
            json!({"$ref": "#/definitions/Address"})
        );
        assert!(nested["definitions"]["Address"].is_object());

        // `serde_json::Value` may or may not be an object: nothing can be stated.
        assert_eq!(output!(Value, false, false), None);
        assert_eq!(output!(NoSchema, false, false), None);
    }

    macro_rules! root {
        ($ty:ty) => {{
            #[allow(unused_imports)]
            use super::{NoJsonSchema as _, ViaJsonSchema as _};
            // The borrow is what lets a type without `JsonSchema` fall through to `NoJsonSchema`.
            #[allow(clippy::needless_borrow)]
            let schema = (&SchemaProbe::<$ty>::new()).root_schema(true);
            schema
        }};
    }

    #[test]
    fn whole_input_schema_is_the_type_schema() {
        let schema = root!(Address).unwrap();
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["required"], json!(["street", "zip"]));
        assert_eq!(root!(NoSchema), None);
    }
}
