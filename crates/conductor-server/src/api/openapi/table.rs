//! The table of every route the router serves, as the OpenAPI document lists it: method, path
//! (conductor-oss's path strings and parameter names), query and path parameters, request body
//! and answer. The document's `paths` are made from this table alone, and the tests check it
//! against the routes registered in `src/api/*.rs` both ways.

use std::collections::HashMap;

use conductor_models::{
    BulkResponse, EventHandler, ExternalStorageLocation, HealthCheckStatus, JsonMap, PollData,
    RerunWorkflowRequest, SearchResult, SignalResponse, StartWorkflowRequest, Task, TaskDef,
    TaskExecLog, TaskResult, TaskSummary, Workflow, WorkflowDef, WorkflowDefSummary,
    WorkflowStatusSummary, WorkflowSummary, WorkflowTestRequest,
};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    /// The lower-case name OpenAPI keys operations by.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Delete => "delete",
        }
    }
}

/// A parameter's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Int,
    Long,
    Bool,
    /// Repeatable (or comma-separated) strings.
    Strs,
}

/// A path or query parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Param {
    pub(crate) name: &'static str,
    pub(crate) in_path: bool,
    pub(crate) required: bool,
    pub(crate) kind: Kind,
}

/// A path parameter (always required) holding a string.
const fn path(name: &'static str) -> Param {
    Param {
        name,
        in_path: true,
        required: true,
        kind: Kind::Str,
    }
}

/// A path parameter holding an integer.
const fn path_int(name: &'static str) -> Param {
    Param {
        name,
        in_path: true,
        required: true,
        kind: Kind::Int,
    }
}

/// An optional query parameter.
const fn query(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        in_path: false,
        required: false,
        kind,
    }
}

/// A required query parameter.
const fn required(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        in_path: false,
        required: true,
        kind,
    }
}

/// Writes the schema of a body (a `$ref` into `components/schemas` for named types).
pub(crate) type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T`, registered with the generator.
fn s<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A request body.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ReqBody {
    /// No body.
    None,
    /// A JSON body; `true` when it is required.
    Json(SchemaFn, bool),
    /// A plain-text body.
    Text,
}

/// A successful answer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Answer {
    /// 200 with no body.
    Empty,
    /// 204 No Content.
    NoContent,
    /// 200 with a JSON body.
    Json(SchemaFn),
    /// 200 with a plain-text body (an id, a count, a version).
    Text,
}

/// One operation of the API.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route {
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    pub(crate) tag: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) params: &'static [Param],
    pub(crate) body: ReqBody,
    pub(crate) answer: Answer,
}

const fn route(
    method: Method,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    params: &'static [Param],
    body: ReqBody,
    answer: Answer,
) -> Route {
    Route {
        method,
        path,
        tag,
        summary,
        params,
        body,
        answer,
    }
}

use Answer::{Empty, NoContent, Text};
use Kind::{Bool, Int, Long, Str, Strs};
use Method::{Delete, Get, Post, Put};
use ReqBody::None as NoBody;

const fn json(schema: SchemaFn) -> ReqBody {
    ReqBody::Json(schema, true)
}

const fn opt_json(schema: SchemaFn) -> ReqBody {
    ReqBody::Json(schema, false)
}

const fn out(schema: SchemaFn) -> Answer {
    Answer::Json(schema)
}

const SEARCH: &[Param] = &[
    query("start", Int),
    query("size", Int),
    query("sort", Str),
    query("freeText", Str),
    query("query", Str),
];
const WORKFLOW_SEARCH: &[Param] = &[
    query("start", Int),
    query("size", Int),
    query("sort", Str),
    query("freeText", Str),
    query("query", Str),
    query("classifier", Str),
    query("topLevelOnly", Bool),
];
const STORAGE: &[Param] = &[
    required("path", Str),
    required("operation", Str),
    required("payloadType", Str),
];
const WF: &[Param] = &[path("workflowId")];
const IDS: ReqBody = json(s::<Vec<String>>);
const BULK: Answer = out(s::<BulkResponse<String>>);
const UPDATE_BY_REF: &[Param] = &[
    path("workflowId"),
    path("taskRefName"),
    path("status"),
    query("workerid", Str),
];

/// Every operation the router serves, in the order the document lists them.
#[rustfmt::skip]
pub(crate) const ROUTES: &[Route] = &[
    // health
    route(Get, "/health", "health", "Health check", &[], NoBody, out(s::<HealthCheckStatus>)),
    route(Get, "/api/health", "health", "Health check", &[], NoBody, out(s::<HealthCheckStatus>)),
    route(Get, "/api/version", "health", "The server's version", &[], NoBody, Text),
    // metadata: workflow definitions
    route(Post, "/api/metadata/workflow", "metadata", "Create a workflow definition",
        &[query("overwrite", Bool)], json(s::<WorkflowDef>), Empty),
    route(Put, "/api/metadata/workflow", "metadata", "Create or update workflow definitions",
        &[], json(s::<Vec<WorkflowDef>>), BULK),
    route(Get, "/api/metadata/workflow", "metadata", "All workflow definitions",
        &[query("classifier", Str)], NoBody, out(s::<Vec<WorkflowDef>>)),
    route(Post, "/api/metadata/workflow/validate", "metadata", "Validate a workflow definition",
        &[], json(s::<WorkflowDef>), Empty),
    route(Get, "/api/metadata/workflow/names", "metadata", "Names of the workflow definitions",
        &[], NoBody, out(s::<Vec<String>>)),
    route(Get, "/api/metadata/workflow/names-and-versions", "metadata",
        "Versions of every workflow definition", &[], NoBody,
        out(s::<HashMap<String, Vec<WorkflowDefSummary>>>)),
    route(Get, "/api/metadata/workflow/latest-versions", "metadata",
        "The latest version of every workflow definition", &[], NoBody,
        out(s::<Vec<WorkflowDef>>)),
    route(Get, "/api/metadata/workflow/{name}", "metadata", "A workflow definition",
        &[path("name"), query("version", Int)], NoBody, out(s::<WorkflowDef>)),
    route(Get, "/api/metadata/workflow/{name}/versions", "metadata",
        "Versions of a workflow definition", &[path("name")], NoBody,
        out(s::<Vec<WorkflowDefSummary>>)),
    route(Delete, "/api/metadata/workflow/{name}/{version}", "metadata",
        "Delete a workflow definition version", &[path("name"), path_int("version")], NoBody,
        Empty),
    // metadata: task definitions
    route(Post, "/api/metadata/taskdefs", "metadata", "Create task definitions", &[],
        json(s::<Vec<TaskDef>>), Empty),
    route(Put, "/api/metadata/taskdefs", "metadata", "Update a task definition", &[],
        json(s::<TaskDef>), Empty),
    route(Get, "/api/metadata/taskdefs", "metadata", "All task definitions", &[], NoBody,
        out(s::<Vec<TaskDef>>)),
    route(Get, "/api/metadata/taskdefs/{tasktype}", "metadata", "A task definition",
        &[path("tasktype")], NoBody, out(s::<TaskDef>)),
    route(Delete, "/api/metadata/taskdefs/{tasktype}", "metadata", "Delete a task definition",
        &[path("tasktype")], NoBody, Empty),
    // event handlers
    route(Post, "/api/event", "event", "Add an event handler", &[], json(s::<EventHandler>),
        Empty),
    route(Put, "/api/event", "event", "Update an event handler", &[], json(s::<EventHandler>),
        Empty),
    route(Get, "/api/event", "event", "All event handlers", &[], NoBody,
        out(s::<Vec<EventHandler>>)),
    route(Get, "/api/event/{event}", "event", "The event handlers of an event",
        &[path("event"), query("activeOnly", Bool)], NoBody, out(s::<Vec<EventHandler>>)),
    route(Delete, "/api/event/{name}", "event", "Remove an event handler", &[path("name")],
        NoBody, Empty),
    // workflows
    route(Post, "/api/workflow", "workflow", "Start a workflow", &[],
        json(s::<StartWorkflowRequest>), Text),
    route(Post, "/api/workflow/{name}", "workflow", "Start a workflow by name",
        &[path("name"), query("version", Int), query("correlationId", Str),
          query("priority", Int)], json(s::<JsonMap>), Text),
    route(Get, "/api/workflow/{workflowId}", "workflow", "A workflow execution",
        &[path("workflowId"), query("includeTasks", Bool)], NoBody, out(s::<Workflow>)),
    route(Delete, "/api/workflow/{workflowId}", "workflow", "Terminate a workflow",
        &[path("workflowId"), query("reason", Str)], NoBody, Empty),
    route(Get, "/api/workflow/{workflowId}/status", "workflow", "A workflow's status",
        &[path("workflowId"), query("includeOutput", Bool), query("includeVariables", Bool)],
        NoBody, out(s::<WorkflowStatusSummary>)),
    route(Get, "/api/workflow/{workflowId}/tasks", "workflow", "A page of a workflow's tasks",
        &[path("workflowId"), query("start", Int), query("count", Int), query("status", Strs)],
        NoBody, out(s::<SearchResult<Task>>)),
    route(Delete, "/api/workflow/{workflowId}/remove", "workflow", "Remove a workflow",
        &[path("workflowId"), query("archiveWorkflow", Bool)], NoBody, Empty),
    route(Delete, "/api/workflow/{workflowId}/terminate-remove", "workflow",
        "Terminate and remove a workflow",
        &[path("workflowId"), query("reason", Str), query("archiveWorkflow", Bool)], NoBody,
        Empty),
    route(Put, "/api/workflow/{workflowId}/pause", "workflow", "Pause a workflow", WF, NoBody,
        Empty),
    route(Put, "/api/workflow/{workflowId}/resume", "workflow", "Resume a workflow", WF, NoBody,
        Empty),
    route(Post, "/api/workflow/{workflowId}/restart", "workflow", "Restart a workflow",
        &[path("workflowId"), query("useLatestDefinitions", Bool)], NoBody, NoContent),
    route(Post, "/api/workflow/{workflowId}/retry", "workflow", "Retry a workflow",
        &[path("workflowId"), query("resumeSubworkflowTasks", Bool)], NoBody, NoContent),
    route(Post, "/api/workflow/{workflowId}/rerun", "workflow", "Rerun a workflow", WF,
        opt_json(s::<RerunWorkflowRequest>), Text),
    route(Post, "/api/workflow/{workflowId}/resetcallbacks", "workflow",
        "Reset the callbacks of a workflow's tasks", WF, NoBody, NoContent),
    route(Post, "/api/workflow/{workflowId}/variables", "workflow",
        "Update a workflow's variables", WF, json(s::<JsonMap>), out(s::<Workflow>)),
    route(Put, "/api/workflow/{workflowId}/skiptask/{taskReferenceName}", "workflow",
        "Skip a task", &[path("workflowId"), path("taskReferenceName")], NoBody, Empty),
    route(Post, "/api/workflow/{name}/correlated", "workflow",
        "Workflows of several correlation ids",
        &[path("name"), query("includeClosed", Bool), query("includeTasks", Bool)], IDS,
        out(s::<HashMap<String, Vec<Workflow>>>)),
    route(Get, "/api/workflow/{name}/correlated/{correlationId}", "workflow",
        "Workflows of a correlation id",
        &[path("name"), path("correlationId"), query("includeClosed", Bool),
          query("includeTasks", Bool)], NoBody, out(s::<Vec<Workflow>>)),
    route(Get, "/api/workflow/running/{name}", "workflow", "Ids of the running workflows",
        &[path("name"), query("version", Int), query("startTime", Long), query("endTime", Long)],
        NoBody, out(s::<Vec<String>>)),
    route(Put, "/api/workflow/decide/{workflowId}", "workflow", "Run the decider on a workflow",
        WF, NoBody, Empty),
    route(Get, "/api/workflow/search", "workflow", "Search workflows", WORKFLOW_SEARCH, NoBody,
        out(s::<SearchResult<WorkflowSummary>>)),
    route(Get, "/api/workflow/search-v2", "workflow", "Search workflows (full)", WORKFLOW_SEARCH,
        NoBody, out(s::<SearchResult<Workflow>>)),
    route(Get, "/api/workflow/search-by-tasks", "workflow", "Search workflows by their tasks",
        SEARCH, NoBody, out(s::<SearchResult<WorkflowSummary>>)),
    route(Get, "/api/workflow/search-by-tasks-v2", "workflow",
        "Search workflows by their tasks (full)", SEARCH, NoBody,
        out(s::<SearchResult<Workflow>>)),
    route(Post, "/api/workflow/execute/{name}/{version}", "workflow",
        "Start a workflow and wait for it",
        &[path("name"), path_int("version"), query("requestId", Str),
          query("waitUntilTaskRef", Str), query("waitForSeconds", Int),
          query("consistency", Str), query("returnStrategy", Str)],
        opt_json(s::<StartWorkflowRequest>), out(s::<SignalResponse>)),
    route(Post, "/api/workflow/test", "workflow", "Test a workflow with mocked tasks", &[],
        json(s::<WorkflowTestRequest>), out(s::<Workflow>)),
    route(Put, "/api/workflow/bulk/pause", "workflow-bulk", "Pause workflows", &[], IDS, BULK),
    route(Put, "/api/workflow/bulk/resume", "workflow-bulk", "Resume workflows", &[], IDS, BULK),
    route(Post, "/api/workflow/bulk/restart", "workflow-bulk", "Restart workflows",
        &[query("useLatestDefinitions", Bool)], IDS, BULK),
    route(Post, "/api/workflow/bulk/retry", "workflow-bulk", "Retry workflows", &[], IDS, BULK),
    route(Post, "/api/workflow/bulk/terminate", "workflow-bulk", "Terminate workflows",
        &[query("reason", Str)], IDS, BULK),
    route(Delete, "/api/workflow/bulk/remove", "workflow-bulk", "Remove workflows",
        &[query("archiveWorkflow", Bool)], IDS, BULK),
    route(Delete, "/api/workflow/bulk/terminate-remove", "workflow-bulk",
        "Terminate and remove workflows",
        &[query("archiveWorkflow", Bool), query("reason", Str)], IDS, BULK),
    route(Post, "/api/workflow/bulk/search", "workflow-bulk", "Workflows by id",
        &[query("includeTasks", Bool)], IDS, out(s::<BulkResponse<Workflow>>)),
    // tasks
    route(Post, "/api/tasks", "tasks", "Update a task", &[], json(s::<TaskResult>), Text),
    route(Post, "/api/tasks/update-v2", "tasks", "Update a task and poll the next one", &[],
        json(s::<TaskResult>), out(s::<Task>)),
    route(Get, "/api/tasks/poll/{tasktype}", "tasks", "Poll for a task",
        &[path("tasktype"), query("workerid", Str), query("domain", Str)], NoBody,
        out(s::<Task>)),
    route(Get, "/api/tasks/poll/batch/{tasktype}", "tasks", "Poll for a batch of tasks",
        &[path("tasktype"), query("workerid", Str), query("domain", Str), query("count", Int),
          query("timeout", Int)], NoBody, out(s::<Vec<Task>>)),
    route(Get, "/api/tasks/search", "tasks", "Search tasks", SEARCH, NoBody,
        out(s::<SearchResult<TaskSummary>>)),
    route(Get, "/api/tasks/search-v2", "tasks", "Search tasks (full)", SEARCH, NoBody,
        out(s::<SearchResult<Task>>)),
    route(Get, "/api/tasks/queue/size", "tasks", "Size of a task queue",
        &[required("taskType", Str), query("domain", Str), query("isolationGroupId", Str),
          query("executionNamespace", Str)], NoBody, out(s::<i32>)),
    route(Get, "/api/tasks/queue/sizes", "tasks", "Sizes of task queues",
        &[query("taskType", Strs)], NoBody, out(s::<HashMap<String, i32>>)),
    route(Get, "/api/tasks/queue/all", "tasks", "Sizes of every task queue", &[], NoBody,
        out(s::<HashMap<String, i64>>)),
    route(Get, "/api/tasks/queue/all/verbose", "tasks", "Sizes of every task queue, by shard",
        &[], NoBody, out(s::<HashMap<String, HashMap<String, HashMap<String, i64>>>>)),
    route(Get, "/api/tasks/queue/polldata", "tasks", "Poll data of a task type",
        &[required("taskType", Str)], NoBody, out(s::<Vec<PollData>>)),
    route(Get, "/api/tasks/queue/polldata/all", "tasks", "Poll data of every task type", &[],
        NoBody, out(s::<Vec<PollData>>)),
    route(Post, "/api/tasks/queue/requeue/{taskType}", "tasks", "Requeue pending tasks",
        &[path("taskType")], NoBody, Text),
    route(Delete, "/api/tasks/queue/{taskType}/{taskId}", "tasks",
        "Remove a task from its queue", &[path("taskType"), path("taskId")], NoBody, Empty),
    route(Get, "/api/tasks/{taskId}", "tasks", "A task", &[path("taskId")], NoBody,
        out(s::<Task>)),
    route(Get, "/api/tasks/{taskId}/log", "tasks", "A task's logs", &[path("taskId")], NoBody,
        out(s::<Vec<TaskExecLog>>)),
    route(Post, "/api/tasks/{taskId}/log", "tasks", "Add a log line to a task",
        &[path("taskId")], ReqBody::Text, Empty),
    route(Post, "/api/tasks/{workflowId}/{status}/signal", "tasks",
        "Complete the workflow's pending signal task", &[path("workflowId"), path("status")],
        opt_json(s::<JsonMap>), Empty),
    route(Post, "/api/tasks/{workflowId}/{status}/signal/sync", "tasks",
        "Complete the workflow's pending signal task and wait",
        &[path("workflowId"), path("status"), query("returnStrategy", Str),
          query("timeoutMillis", Long)], opt_json(s::<JsonMap>), out(s::<SignalResponse>)),
    route(Post, "/api/tasks/{workflowId}/{taskRefName}/{status}", "tasks",
        "Update a task by reference name", UPDATE_BY_REF, opt_json(s::<JsonMap>), Text),
    route(Post, "/api/tasks/{workflowId}/{taskRefName}/{status}/sync", "tasks",
        "Update a task by reference name and return the workflow", UPDATE_BY_REF,
        opt_json(s::<JsonMap>), out(s::<Workflow>)),
    // external payload storage
    route(Get, "/api/tasks/externalstoragelocation", "storage",
        "Where to store a large task payload", STORAGE, NoBody,
        out(s::<ExternalStorageLocation>)),
    route(Get, "/api/tasks/external-storage-location", "storage",
        "Where to store a large task payload", STORAGE, NoBody,
        out(s::<ExternalStorageLocation>)),
    route(Get, "/api/workflow/externalstoragelocation", "storage",
        "Where to store a large workflow payload", STORAGE, NoBody,
        out(s::<ExternalStorageLocation>)),
    route(Get, "/api/workflow/external-storage-location", "storage",
        "Where to store a large workflow payload", STORAGE, NoBody,
        out(s::<ExternalStorageLocation>)),
    // queue admin
    route(Get, "/api/queue/size", "queue", "Sizes of the event queues", &[], NoBody,
        out(s::<HashMap<String, i64>>)),
    route(Get, "/api/queue/", "queue", "Names of the event queues", &[], NoBody,
        out(s::<HashMap<String, String>>)),
    route(Post, "/api/queue/update/{workflowId}/{taskRefName}/{status}", "queue",
        "Complete a waiting task by reference name",
        &[path("workflowId"), path("taskRefName"), path("status")], json(s::<JsonMap>), Empty),
    route(Post, "/api/queue/update/{workflowId}/task/{taskId}/{status}", "queue",
        "Complete a waiting task by id", &[path("workflowId"), path("taskId"), path("status")],
        json(s::<JsonMap>), Empty),
    // webhooks
    route(Post, "/api/webhook/{id}", "webhook", "Deliver a webhook event", &[path("id")],
        opt_json(s::<Value>), out(s::<Value>)),
];
