//! `SchemaDef` and `SchemaType`: input/output schemas attached to task and workflow definitions.

use serde::{Deserialize, Serialize};

use crate::JsonMap;
use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;

wire_enum! {
    /// The kind of a [`SchemaDef`] (`SchemaDef.Type`).
    ///
    /// ```
    /// use conductor_models::{SchemaDef, SchemaType};
    ///
    /// let schema = SchemaDef::json("order_input", serde_json::json!({"type": "object"})).with_type(SchemaType::Avro);
    /// assert_eq!(serde_json::to_value(&schema)?["type"], "AVRO");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub enum SchemaType {
        /// A JSON Schema document.
        Json => "JSON",
        /// An Avro schema.
        Avro => "AVRO",
        /// A protobuf schema.
        Protobuf => "PROTOBUF",
    }
}

impl Default for SchemaType {
    /// `JSON`, the only kind the OSS server validates.
    fn default() -> Self {
        SchemaType::Json
    }
}

/// A schema (`SchemaDef`), embedded in `TaskDef`/`WorkflowDef` as `inputSchema`/`outputSchema`.
///
/// ```
/// use conductor_models::{SchemaDef, SchemaType};
/// let schema = SchemaDef::json("order", serde_json::json!({"type": "object"}));
/// assert_eq!(schema.schema_type, SchemaType::Json);
/// assert_eq!(schema.version, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct SchemaDef {
    /// Schema name. Required.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Schema version (default 1).
    #[serde(deserialize_with = "null_as_default")]
    pub version: i32,
    /// Kind of schema. Wire name `type`.
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    pub schema_type: SchemaType,
    /// The schema document itself (for `JSON`, a JSON Schema object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<JsonMap>,
    /// Reference to an externally stored schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Application that owns the schema (audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_app: Option<String>,
    /// Creation time (epoch ms, audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    /// Last update time (epoch ms, audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
    /// Who created it (audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Who last updated it (audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

impl Default for SchemaDef {
    fn default() -> Self {
        SchemaDef {
            name: String::new(),
            version: 1,
            schema_type: SchemaType::Json,
            data: None,
            external_ref: None,
            owner_app: None,
            create_time: None,
            update_time: None,
            created_by: None,
            updated_by: None,
        }
    }
}

impl SchemaDef {
    /// A `JSON` schema named `name` holding `schema`, a JSON Schema document (see
    /// [`SchemaDef::from`] for how non-object documents are stored).
    ///
    /// ```
    /// use conductor_models::{SchemaDef, SchemaType};
    ///
    /// let schema = SchemaDef::json("order_input", serde_json::json!({"type": "object", "required": ["orderId"]}));
    /// assert_eq!(schema.name, "order_input");
    /// assert_eq!(schema.schema_type, SchemaType::Json);
    /// assert_eq!(schema.data.as_ref().map(|data| data["required"][0].clone()), Some("orderId".into()));
    /// ```
    pub fn json(name: impl Into<String>, schema: serde_json::Value) -> Self {
        SchemaDef {
            name: name.into(),
            data: Some(into_object(schema)),
            ..SchemaDef::default()
        }
    }

    /// Sets the version.
    ///
    /// ```
    /// use conductor_models::SchemaDef;
    ///
    /// let schema = SchemaDef::json("order_input", serde_json::json!({})).with_version(2);
    /// assert_eq!(schema.version, 2);
    /// ```
    #[must_use]
    pub fn with_version(mut self, version: i32) -> Self {
        self.version = version;
        self
    }

    /// Sets the kind.
    ///
    /// ```
    /// use conductor_models::{SchemaDef, SchemaType};
    ///
    /// let schema = SchemaDef::json("order_input", serde_json::json!({})).with_type(SchemaType::Protobuf);
    /// assert_eq!(schema.schema_type, SchemaType::Protobuf);
    /// ```
    #[must_use]
    pub fn with_type(mut self, schema_type: SchemaType) -> Self {
        self.schema_type = schema_type;
        self
    }

    /// Sets an external reference.
    ///
    /// ```
    /// use conductor_models::SchemaDef;
    ///
    /// let schema = SchemaDef::json("order_input", serde_json::json!({}))
    ///     .with_external_ref("https://schemas.example.com/order_input.json");
    /// assert_eq!(schema.external_ref.as_deref(), Some("https://schemas.example.com/order_input.json"));
    /// ```
    #[must_use]
    pub fn with_external_ref(mut self, external_ref: impl Into<String>) -> Self {
        self.external_ref = Some(external_ref.into());
        self
    }
}

/// `SchemaDef.data` is a JSON object on the server, so the two boolean JSON Schemas are rewritten to
/// their object equivalents (`true` → `{}`, `false` → `{"not": {}}`). Any other non-object value is
/// not a JSON Schema; it is kept (not dropped) as `{"const": value}` so the mistake stays visible.
fn into_object(value: serde_json::Value) -> JsonMap {
    match value {
        serde_json::Value::Object(map) => map,
        serde_json::Value::Bool(true) => JsonMap::new(),
        serde_json::Value::Bool(false) => {
            let mut map = JsonMap::new();
            map.insert("not".to_owned(), serde_json::Value::Object(JsonMap::new()));
            map
        }
        other => {
            let mut map = JsonMap::new();
            map.insert("const".to_owned(), other);
            map
        }
    }
}

impl From<serde_json::Value> for SchemaDef {
    /// An unnamed `JSON` schema holding the document (the `with_*_schema` builders name it). A boolean
    /// schema becomes its object form (`true` → `{}`, `false` → `{"not": {}}`); any other non-object
    /// value is kept as `{"const": value}`.
    fn from(schema: serde_json::Value) -> Self {
        SchemaDef {
            data: Some(into_object(schema)),
            ..SchemaDef::default()
        }
    }
}
