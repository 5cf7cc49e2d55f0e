//! `TaskType`: every task type string a `WorkflowTask.type` can carry (OSS, AI module and Orkes).

use crate::wire_enum::wire_enum;

wire_enum! {
    /// The `type` of a [`WorkflowTask`](crate::WorkflowTask): which system task or operator runs it.
    ///
    /// Covers the OSS `TaskType` enum (`common/.../metadata/tasks/TaskType.java`), the system workers the
    /// OSS `ai` module registers by name, and the Orkes-only types the other SDKs expose. A type this
    /// version does not know (for example a custom system task of a newer server) is kept verbatim in
    /// [`TaskType::Unknown`] and round-trips unchanged.
    ///
    /// Note the difference with the runtime [`Task::task_type`](crate::Task::task_type): for `SIMPLE`
    /// tasks the runtime task carries the *task name*, and both `FORK_JOIN` and `FORK_JOIN_DYNAMIC` run
    /// as `FORK` (see [`TaskType::Fork`]).
    ///
    /// ```
    /// use conductor_models::TaskType;
    /// assert_eq!(TaskType::DoWhile.as_str(), "DO_WHILE");
    /// assert_eq!("HTTP".parse::<TaskType>().unwrap(), TaskType::Http);
    /// assert_eq!("MY_NEW_TYPE".parse::<TaskType>().unwrap(), TaskType::Unknown("MY_NEW_TYPE".into()));
    /// ```
    pub enum TaskType {
        /// A worker task: polled and executed by a worker registered under the task's `name`.
        Simple => "SIMPLE",
        /// Resolves the task to run at runtime from `dynamicTaskNameParam`.
        Dynamic => "DYNAMIC",
        /// Static parallel branches (`forkTasks`), followed by a `JOIN`.
        ForkJoin => "FORK_JOIN",
        /// Parallel branches computed at runtime (`dynamicForkTasksParam`).
        ForkJoinDynamic => "FORK_JOIN_DYNAMIC",
        /// Deprecated branching on `caseValueParam`/`caseExpression`; use [`TaskType::Switch`].
        Decision => "DECISION",
        /// Branching on an expression (`evaluatorType`, `expression`, `decisionCases`, `defaultCase`).
        Switch => "SWITCH",
        /// Waits for the fork branches listed in `joinOn`.
        Join => "JOIN",
        /// Loops over `loopOver` while `loopCondition` holds.
        DoWhile => "DO_WHILE",
        /// Runs another workflow and waits for it (`subWorkflowParam`).
        SubWorkflow => "SUB_WORKFLOW",
        /// Starts another workflow without waiting for it (`inputParameters.startWorkflow`).
        StartWorkflow => "START_WORKFLOW",
        /// Publishes a message to an event queue (`sink`).
        Event => "EVENT",
        /// Waits for a duration, a date, or an external signal.
        Wait => "WAIT",
        /// Waits for a human (completed through a task update).
        Human => "HUMAN",
        /// A worker task whose type is its own name (the server's fallback for unknown type names).
        UserDefined => "USER_DEFINED",
        /// Calls an HTTP endpoint (`inputParameters.http_request`).
        Http => "HTTP",
        /// Deprecated JavaScript evaluation (`inputParameters.scriptExpression`); use [`TaskType::Inline`].
        Lambda => "LAMBDA",
        /// Evaluates a script (`inputParameters.evaluatorType`, `inputParameters.expression`).
        Inline => "INLINE",
        /// Waits for whichever branch of a decision ran.
        ExclusiveJoin => "EXCLUSIVE_JOIN",
        /// Ends the workflow with `inputParameters.terminationStatus`.
        Terminate => "TERMINATE",
        /// Publishes to Kafka (`inputParameters.kafka_request`).
        KafkaPublish => "KAFKA_PUBLISH",
        /// Transforms JSON with a jq expression (`inputParameters.queryExpression`).
        JsonJqTransform => "JSON_JQ_TRANSFORM",
        /// Merges `inputParameters` into the workflow variables.
        SetVariable => "SET_VARIABLE",
        /// Does nothing; completes immediately.
        Noop => "NOOP",
        /// Runtime type of `FORK_JOIN` and `FORK_JOIN_DYNAMIC` tasks (`Task.taskType`); the seed's `Fork`.
        Fork => "FORK",
        /// LLM text completion.
        LlmTextComplete => "LLM_TEXT_COMPLETE",
        /// LLM chat completion.
        LlmChatComplete => "LLM_CHAT_COMPLETE",
        /// Index text into a vector database.
        LlmIndexText => "LLM_INDEX_TEXT",
        /// Index a document into a vector database (Orkes).
        LlmIndexDocument => "LLM_INDEX_DOCUMENT",
        /// Search a vector database index.
        LlmSearchIndex => "LLM_SEARCH_INDEX",
        /// Generate embeddings from text.
        LlmGenerateEmbeddings => "LLM_GENERATE_EMBEDDINGS",
        /// Store embeddings in a vector database.
        LlmStoreEmbeddings => "LLM_STORE_EMBEDDINGS",
        /// Query stored embeddings.
        LlmGetEmbeddings => "LLM_GET_EMBEDDINGS",
        /// Search embeddings (OSS `ai` module system worker).
        LlmSearchEmbeddings => "LLM_SEARCH_EMBEDDINGS",
        /// List the tools of an MCP server.
        ListMcpTools => "LIST_MCP_TOOLS",
        /// Call a tool of an MCP server.
        CallMcpTool => "CALL_MCP_TOOL",
        /// Pull messages from the workflow message queue.
        PullWorkflowMessages => "PULL_WORKFLOW_MESSAGES",
        /// Run an agent.
        Agent => "AGENT",
        /// Fetch an agent card.
        GetAgentCard => "GET_AGENT_CARD",
        /// Cancel a running agent.
        CancelAgent => "CANCEL_AGENT",
        /// Generate an image (OSS `ai` module).
        GenerateImage => "GENERATE_IMAGE",
        /// Generate audio (OSS `ai` module).
        GenerateAudio => "GENERATE_AUDIO",
        /// Generate video (OSS `ai` module).
        GenerateVideo => "GENERATE_VIDEO",
        /// Generate a PDF (OSS `ai` module).
        GeneratePdf => "GENERATE_PDF",
        /// Run a SQL statement.
        Jdbc => "JDBC",
        /// List API tools (agent runtime).
        ListApiTools => "LIST_API_TOOLS",
        /// Plan and compile (agent runtime).
        PlanAndCompile => "PLAN_AND_COMPILE",
        /// Fetch planner context (agent runtime).
        PlannerContextFetch => "PLANNER_CONTEXT_FETCH",
        /// Poll an HTTP endpoint until a condition holds (Orkes).
        HttpPoll => "HTTP_POLL",
        /// Wait for a matching webhook call (Orkes).
        WaitForWebhook => "WAIT_FOR_WEBHOOK",
        /// Fetch a document's content from a URL (Orkes).
        GetDocument => "GET_DOCUMENT",
        /// Evaluate a business rule table (Orkes).
        BusinessRule => "BUSINESS_RULE",
        /// Update another task's status (Orkes).
        UpdateTask => "UPDATE_TASK",
        /// Produce a signed JWT (Orkes).
        GetSignedJwt => "GET_SIGNED_JWT",
        /// Query Conductor metadata/executions (Orkes).
        QueryProcessor => "QUERY_PROCESSOR",
        /// Send an Opsgenie alert (Orkes).
        OpsGenie => "OPS_GENIE",
        /// Fetch another workflow's execution (Orkes).
        GetWorkflow => "GET_WORKFLOW",
        /// Update a secret (Orkes).
        UpdateSecret => "UPDATE_SECRET",
        /// Call a gRPC service (Orkes).
        Grpc => "GRPC",
    }
}

impl Default for TaskType {
    /// `SIMPLE`, the server's default for `WorkflowTask.type`.
    fn default() -> Self {
        TaskType::Simple
    }
}

impl TaskType {
    /// `true` for the types the server executes itself; `false` for worker tasks: `SIMPLE`,
    /// `USER_DEFINED`, and any type this SDK does not know (the server's `TaskType.of` maps an unknown
    /// type string to `USER_DEFINED`, i.e. a task polled by workers under that name).
    ///
    /// ```
    /// use conductor_models::TaskType;
    /// assert!(TaskType::Http.is_system_task());
    /// assert!(!TaskType::Simple.is_system_task());
    /// assert!(!TaskType::Unknown("my_custom_type".into()).is_system_task());
    /// ```
    pub fn is_system_task(&self) -> bool {
        !matches!(
            self,
            TaskType::Simple | TaskType::UserDefined | TaskType::Unknown(_)
        )
    }
}
