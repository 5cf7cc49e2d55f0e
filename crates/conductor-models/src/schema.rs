//! `schemars::JsonSchema` for the types whose wire form is written by hand (feature `schemars`):
//! the schema says what the hand-written `Serialize`/`Deserialize` put on the wire.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::{
    DecisionCases, Expr, SignalResponse, StateChangeConfig, StateChangeEvent,
    SubWorkflowDefinition, TaskRun, WorkflowDef, WorkflowRun, WorkflowTask,
};

/// An object of case value → task list.
impl JsonSchema for DecisionCases {
    fn schema_name() -> Cow<'static, str> {
        "DecisionCases".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let tasks = generator.subschema_for::<Vec<WorkflowTask>>();
        json_schema!({"type": "object", "additionalProperties": tasks})
    }
}

/// A `${...}` expression: a string.
impl JsonSchema for Expr {
    fn schema_name() -> Cow<'static, str> {
        "Expr".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string"})
    }
}

/// The `onStateChange` map: trigger list (`onStart,onFailed`) → events.
impl JsonSchema for StateChangeConfig {
    fn schema_name() -> Cow<'static, str> {
        "StateChangeConfig".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let events = generator.subschema_for::<Vec<StateChangeEvent>>();
        json_schema!({"type": "object", "additionalProperties": events})
    }
}

/// An inline workflow definition or an expression that yields one.
impl JsonSchema for SubWorkflowDefinition {
    fn schema_name() -> Cow<'static, str> {
        "SubWorkflowDefinition".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let def = generator.subschema_for::<WorkflowDef>();
        json_schema!({"anyOf": [def, {"type": "string"}]})
    }
}

/// A workflow run or a task run, told apart by `responseType`.
impl JsonSchema for SignalResponse {
    fn schema_name() -> Cow<'static, str> {
        "SignalResponse".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let workflow = generator.subschema_for::<WorkflowRun>();
        let task = generator.subschema_for::<TaskRun>();
        json_schema!({"anyOf": [workflow, task]})
    }
}
