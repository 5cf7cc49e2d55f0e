//! Typed, serde-compatible models of every Conductor (conductor-oss) resource, with fluent builders.
//!
//! Every type here serialises to, and deserialises from, exactly the JSON the Conductor server uses:
//!
//! - property names are the server's camelCase names (with its few oddities: `subworkflowChanged`,
//!   `executionNameSpace`, the snake_case event-handler action keys, `type`);
//! - unknown properties are ignored, absent collections become empty, and a JSON `null` is accepted for
//!   any property (an `Option` becomes `None`; anything else its empty value: `0`, `false`, `""`, `[]`,
//!   `{}`, like the server's Jackson does for Java primitives);
//! - absent properties take the **server's** defaults (`TaskDef::retry_count` 3,
//!   `WorkflowDef::restartable` true...), through `Default` impls that match the Java classes;
//! - `None` fields are omitted on output, as the server does;
//! - enums use the exact Java names and keep a value they do not know in an `Unknown(String)` arm, so a
//!   newer server never breaks a whole object.
//!
//! Workflows as code: [`WorkflowTask`] has a builder for every task type (workers, operators,
//! system tasks, AI tasks); [`Expr`] and [`WorkflowTask::output_ref`] write the `${...}`
//! references; [`WorkflowDef::validate`] finds unknown references, duplicate reference names and
//! forks without their join before the server does; [`WorkflowDef::to_mermaid`] and
//! [`WorkflowDef::to_dot`] draw the definition.
//!
//! Arbitrary JSON objects (`input`, `outputData`, `inputParameters`, `variables`...) are [`JsonMap`]s;
//! value arguments of builders take `impl Into<serde_json::Value>` (`&str`, `String`, numbers, `bool`,
//! `json!(...)`).
//!
//! ```
//! use conductor_models::{
//!     RetryLogic, StartWorkflowRequest, TaskDef, TimeoutPolicy, WorkflowDef, WorkflowTask,
//! };
//!
//! let task_def = TaskDef::new("greet")
//!     .with_retry(3, RetryLogic::Fixed, 10)
//!     .with_timeout(60, TimeoutPolicy::TimeOutWf);
//! let workflow = WorkflowDef::new("greeting_workflow")
//!     .with_task(WorkflowTask::simple("greet", "greet_ref"))
//!     .with_output_param("greeting", "${greet_ref.output.result}");
//! let request = StartWorkflowRequest::new("greeting_workflow").with_input_value("name", "World");
//!
//! let json = serde_json::to_value(&workflow).unwrap();
//! assert_eq!(json["tasks"][0]["type"], "SIMPLE");
//! assert_eq!(serde_json::to_value(&task_def).unwrap()["timeoutSeconds"], 60);
//! assert_eq!(serde_json::to_value(&request).unwrap()["input"]["name"], "World");
//! ```

mod wire_enum;

mod serde_util;

#[cfg(feature = "schemars")]
mod schema;

pub mod absent_keys;

pub mod bulk;
pub mod chat;
pub mod decision_cases;
pub mod diagram;
pub mod error_response;
pub mod event_handler;
pub mod execution_metadata;
pub mod expr;
pub mod llm_index;
pub mod llm_tasks;
pub mod misc;
pub mod operators;
pub mod requests;
pub mod schema_def;
pub mod search;
pub mod state_change;
pub mod sub_workflow_params;
pub mod sync_response;
pub mod system_tasks;
pub mod task;
pub mod task_def;
pub mod task_result;
pub mod task_type;
pub mod validation;
pub mod workflow;
pub mod workflow_def;
pub mod workflow_task;

/// An arbitrary JSON object (`Map<String, Value>`, insertion-ordered): task input/output, workflow
/// input/output/variables, input parameters...
///
/// ```
/// let mut input = conductor_models::JsonMap::new();
/// input.insert("name".into(), "World".into());
/// assert_eq!(serde_json::Value::Object(input), serde_json::json!({"name": "World"}));
/// ```
pub type JsonMap = serde_json::Map<String, serde_json::Value>;

pub use absent_keys::AbsentKeys;
pub use bulk::BulkResponse;
pub use chat::{ChatMessage, ChatRole, ToolCall};
pub use decision_cases::DecisionCases;
pub use error_response::{ErrorResponse, ValidationError};
pub use event_handler::{
    EventActionType, EventHandler, EventHandlerAction, StartAgentAction, StartWorkflowAction,
    TaskDetails, TerminateWorkflowAction, UpdateWorkflowVariablesAction,
};
pub use execution_metadata::ExecutionMetadata;
pub use expr::{Expr, task_input, task_output, workflow_input, workflow_variable};
pub use llm_index::{Document, EmbeddingModel, VectorIndex};
pub use misc::{
    CacheConfig, DynamicForkJoinTask, DynamicForkJoinTaskList, ExternalStorageLocation, Health,
    HealthCheckStatus, IdempotencyStrategy, JoinMode, PayloadOperation, PayloadType, PollData,
    RateLimitConfig, RateLimitPolicy, TokenUsage,
};
pub use operators::TerminationStatus;
pub use requests::{
    RerunWorkflowRequest, SkipTaskRequest, StartWorkflowRequest, TaskMock, TaskMockStatus,
    UpgradeWorkflowRequest, WorkflowTestRequest,
};
pub use schema_def::{SchemaDef, SchemaType};
pub use search::{SearchResult, TaskSummary, WorkflowSummary};
pub use state_change::{StateChangeConfig, StateChangeEvent, StateChangeEventType};
pub use sub_workflow_params::{SubWorkflowDefinition, SubWorkflowParams};
pub use sync_response::{ReturnStrategy, SignalResponse, TaskRun, WorkflowRun};
pub use system_tasks::PollingStrategy;
pub use task::{Task, TaskExecLog, TaskStatus};
pub use task_def::{RetryLogic, TaskDef, TimeoutPolicy};
pub use task_result::{TaskResult, TaskResultStatus};
pub use task_type::TaskType;
pub use validation::{DefinitionProblem, WorkflowValidationError};
pub use workflow::{Workflow, WorkflowStatus, WorkflowStatusSummary};
pub use workflow_def::{WorkflowDef, WorkflowDefSummary, WorkflowTimeoutPolicy};
pub use workflow_task::{TRACEPARENT_INPUT_KEY, WorkflowTask};
