//! Builders for the AI tasks of a [`WorkflowTask`]: `LLM_TEXT_COMPLETE`, `LLM_CHAT_COMPLETE`,
//! `LLM_GENERATE_EMBEDDINGS`, `LLM_INDEX_TEXT`, `LLM_INDEX_DOCUMENT`, `LLM_SEARCH_INDEX`,
//! `LLM_GET_EMBEDDINGS`, and their setters (prompt, sampling, vector-database options).
//!
//! Input names are the servers': the OSS `ai` module's input classes (`LLMWorkerInput`,
//! `TextCompletion`, `ChatCompletion`, `EmbeddingGenRequest`, `IndexDocInput`, `VectorDBInput`,
//! read by the workers in `ai/.../tasks/worker/LLMWorkers.java` and `VectorDBWorkers.java`), and,
//! for `LLM_INDEX_DOCUMENT` (Orkes only), the Orkes Python and Java SDKs (`llm_tasks/*.py`,
//! `org/conductoross/conductor/sdk/ai/*.java`), which send the same names. As for the other system
//! tasks, the task `name` is the reference name.
//!
//! | builder | type | inputs it sets |
//! |---|---|---|
//! | [`WorkflowTask::llm_text_complete`] | `LLM_TEXT_COMPLETE` | `llmProvider`, `model` |
//! | [`WorkflowTask::llm_chat_complete`] | `LLM_CHAT_COMPLETE` | `llmProvider`, `model` |
//! | [`WorkflowTask::llm_generate_embeddings`] | `LLM_GENERATE_EMBEDDINGS` | `llmProvider`, `model` |
//! | [`WorkflowTask::llm_index_text`] | `LLM_INDEX_TEXT` | `embeddingModelProvider`, `embeddingModel`, `vectorDB`, `index` |
//! | [`WorkflowTask::llm_index_document`] | `LLM_INDEX_DOCUMENT` | the above, `url`, `mediaType` |
//! | [`WorkflowTask::llm_search_index`] | `LLM_SEARCH_INDEX` | `embeddingModelProvider`, `embeddingModel`, `vectorDB`, `index` |
//! | [`WorkflowTask::llm_get_embeddings`] | `LLM_GET_EMBEDDINGS` | `vectorDB`, `index`, `embeddings` |

use serde_json::Value;

use crate::{ChatMessage, TaskType, WorkflowTask};

impl WorkflowTask {
    /// An `LLM_TEXT_COMPLETE` task: completes a prompt with `model` of the AI integration
    /// `llm_provider`. Set the prompt with [`WorkflowTask::with_instructions_template`] (and
    /// [`WorkflowTask::with_prompt_variable`]); tune it with [`WorkflowTask::with_temperature`],
    /// [`WorkflowTask::with_top_p`], [`WorkflowTask::with_max_tokens`]. The completion is in the
    /// task output's `result`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// use serde_json::json;
    /// let task = WorkflowTask::llm_text_complete("completion_ref", "my_llm_provider", "gpt-4")
    ///     .with_instructions_template("Summarize the following text: ${workflow.input.text}")
    ///     .with_temperature(0.7)
    ///     .with_max_tokens(500);
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "LLM_TEXT_COMPLETE");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     json!({
    ///         "llmProvider": "my_llm_provider",
    ///         "model": "gpt-4",
    ///         "promptName": "Summarize the following text: ${workflow.input.text}",
    ///         "temperature": 0.7,
    ///         "maxTokens": 500
    ///     })
    /// );
    /// ```
    pub fn llm_text_complete(
        task_reference_name: impl Into<String>,
        llm_provider: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self::llm_model_task(
            TaskType::LlmTextComplete,
            task_reference_name,
            llm_provider,
            model,
        )
    }

    /// An `LLM_CHAT_COMPLETE` task: answers a conversation ([`WorkflowTask::with_messages`]) with
    /// `model` of the AI integration `llm_provider`, optionally under system instructions
    /// ([`WorkflowTask::with_instructions_template`]). The answer is in the task output's
    /// `result`.
    ///
    /// ```
    /// use conductor_models::{ChatMessage, WorkflowTask};
    /// use serde_json::json;
    /// let task = WorkflowTask::llm_chat_complete("chat_ref", "my_llm_provider", "gpt-4")
    ///     .with_messages(vec![
    ///         ChatMessage::system("You are a helpful assistant."),
    ///         ChatMessage::user("${workflow.input.question}"),
    ///     ])
    ///     .with_temperature(0.8)
    ///     .with_max_tokens(1000);
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "LLM_CHAT_COMPLETE");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     json!({
    ///         "llmProvider": "my_llm_provider",
    ///         "model": "gpt-4",
    ///         "messages": [
    ///             {"role": "system", "message": "You are a helpful assistant.", "media": []},
    ///             {"role": "user", "message": "${workflow.input.question}", "media": []}
    ///         ],
    ///         "temperature": 0.8,
    ///         "maxTokens": 1000
    ///     })
    /// );
    /// ```
    pub fn llm_chat_complete(
        task_reference_name: impl Into<String>,
        llm_provider: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self::llm_model_task(
            TaskType::LlmChatComplete,
            task_reference_name,
            llm_provider,
            model,
        )
    }

    /// An `LLM_GENERATE_EMBEDDINGS` task: turns `text` (set it with
    /// `.with_input_param("text", ...)`) into an embedding vector with `model` of the integration
    /// `llm_provider`; the vector is the task output's `result`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// use serde_json::json;
    /// let task = WorkflowTask::llm_generate_embeddings("embed_ref", "my_embedding_provider", "text-embedding-ada-002")
    ///     .with_input_param("text", "${workflow.input.document}");
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "LLM_GENERATE_EMBEDDINGS");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     json!({
    ///         "llmProvider": "my_embedding_provider",
    ///         "model": "text-embedding-ada-002",
    ///         "text": "${workflow.input.document}"
    ///     })
    /// );
    /// ```
    pub fn llm_generate_embeddings(
        task_reference_name: impl Into<String>,
        llm_provider: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self::llm_model_task(
            TaskType::LlmGenerateEmbeddings,
            task_reference_name,
            llm_provider,
            model,
        )
    }

    /// An `LLM_INDEX_TEXT` task: embeds `text` (`.with_input_param("text", ...)`) with the
    /// embedding `model` of `embedding_provider` and stores it in `index` of the vector database
    /// integration `vector_db`. Set [`WorkflowTask::with_doc_id`] too: the OSS server fails the
    /// task without a `docId`. Optional: [`WorkflowTask::with_namespace`].
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// use serde_json::json;
    /// let task = WorkflowTask::llm_index_text(
    ///     "index_ref", "my_embedding_provider", "text-embedding-ada-002", "my_vector_db", "my_index",
    /// )
    /// .with_namespace("documents")
    /// .with_doc_id("${workflow.input.doc_id}")
    /// .with_input_param("text", "${workflow.input.document}");
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "LLM_INDEX_TEXT");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     json!({
    ///         "embeddingModelProvider": "my_embedding_provider",
    ///         "embeddingModel": "text-embedding-ada-002",
    ///         "vectorDB": "my_vector_db",
    ///         "index": "my_index",
    ///         "namespace": "documents",
    ///         "docId": "${workflow.input.doc_id}",
    ///         "text": "${workflow.input.document}"
    ///     })
    /// );
    /// ```
    pub fn llm_index_text(
        task_reference_name: impl Into<String>,
        embedding_provider: impl Into<String>,
        embedding_model: impl Into<String>,
        vector_db: impl Into<String>,
        index: impl Into<String>,
    ) -> Self {
        Self::vector_db_task(
            TaskType::LlmIndexText,
            task_reference_name,
            embedding_provider,
            embedding_model,
            vector_db,
            index,
        )
    }

    /// An `LLM_INDEX_DOCUMENT` task (**Orkes**): fetches the document at `url` (read as
    /// `media_type`: `application/pdf`, `text/html`, `text/plain`...), splits it into chunks,
    /// embeds them with `embedding_model` of `embedding_provider` and stores them in `index` of
    /// `vector_db`. The OSS `ai` module has no such task (its `LLM_INDEX_TEXT` indexes only
    /// `text`). Optional: [`WorkflowTask::with_namespace`], [`WorkflowTask::with_doc_id`], and
    /// `chunkSize` / `chunkOverlap` through [`WorkflowTask::with_input_param`].
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// use serde_json::json;
    /// let task = WorkflowTask::llm_index_document(
    ///     "index_doc_ref", "openai", "text-embedding-3-small", "pinecone", "docs",
    ///     "https://example.com/handbook.pdf", "application/pdf",
    /// );
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "LLM_INDEX_DOCUMENT");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     json!({
    ///         "embeddingModelProvider": "openai",
    ///         "embeddingModel": "text-embedding-3-small",
    ///         "vectorDB": "pinecone",
    ///         "index": "docs",
    ///         "url": "https://example.com/handbook.pdf",
    ///         "mediaType": "application/pdf"
    ///     })
    /// );
    /// ```
    pub fn llm_index_document(
        task_reference_name: impl Into<String>,
        embedding_provider: impl Into<String>,
        embedding_model: impl Into<String>,
        vector_db: impl Into<String>,
        index: impl Into<String>,
        url: impl Into<Value>,
        media_type: impl Into<String>,
    ) -> Self {
        Self::vector_db_task(
            TaskType::LlmIndexDocument,
            task_reference_name,
            embedding_provider,
            embedding_model,
            vector_db,
            index,
        )
        .with_input_param("url", url)
        .with_input_param("mediaType", media_type.into())
    }

    /// An `LLM_SEARCH_INDEX` task: embeds `query` (`.with_input_param("query", ...)`) with
    /// `embedding_model` of `embedding_provider` and returns the closest documents of `index` in
    /// `vector_db` (how many: [`WorkflowTask::with_max_results`], server default 1).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// use serde_json::json;
    /// let task = WorkflowTask::llm_search_index(
    ///     "search_ref", "my_embedding_provider", "text-embedding-ada-002", "my_vector_db", "my_index",
    /// )
    /// .with_namespace("documents")
    /// .with_max_results(5)
    /// .with_input_param("query", "${workflow.input.query}");
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "LLM_SEARCH_INDEX");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     json!({
    ///         "embeddingModelProvider": "my_embedding_provider",
    ///         "embeddingModel": "text-embedding-ada-002",
    ///         "vectorDB": "my_vector_db",
    ///         "index": "my_index",
    ///         "namespace": "documents",
    ///         "maxResults": 5,
    ///         "query": "${workflow.input.query}"
    ///     })
    /// );
    /// ```
    pub fn llm_search_index(
        task_reference_name: impl Into<String>,
        embedding_provider: impl Into<String>,
        embedding_model: impl Into<String>,
        vector_db: impl Into<String>,
        index: impl Into<String>,
    ) -> Self {
        Self::vector_db_task(
            TaskType::LlmSearchIndex,
            task_reference_name,
            embedding_provider,
            embedding_model,
            vector_db,
            index,
        )
    }

    /// An `LLM_GET_EMBEDDINGS` task: returns the stored documents of `index` in `vector_db`
    /// nearest to the vector `embeddings` (a list of numbers, or an expression such as
    /// `${embed_ref.output.result}`). The OSS server keeps it as a deprecated alias of
    /// `LLM_SEARCH_EMBEDDINGS`.
    ///
    /// ```
    /// use conductor_models::{WorkflowTask, task_output};
    /// use serde_json::json;
    /// let task = WorkflowTask::llm_get_embeddings("nearest_ref", "my_vector_db", "my_index", task_output("embed_ref", "result"))
    ///     .with_max_results(3);
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "LLM_GET_EMBEDDINGS");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     json!({
    ///         "vectorDB": "my_vector_db",
    ///         "index": "my_index",
    ///         "embeddings": "${embed_ref.output.result}",
    ///         "maxResults": 3
    ///     })
    /// );
    /// ```
    pub fn llm_get_embeddings(
        task_reference_name: impl Into<String>,
        vector_db: impl Into<String>,
        index: impl Into<String>,
        embeddings: impl Into<Value>,
    ) -> Self {
        Self::llm_task(TaskType::LlmGetEmbeddings, task_reference_name)
            .with_input_param("vectorDB", vector_db.into())
            .with_input_param("index", index.into())
            .with_input_param("embeddings", embeddings)
    }

    /// LLM tasks: the prompt.
    ///
    /// * `LLM_TEXT_COMPLETE`: sets `promptName`. The OSS server uses its text as the prompt;
    ///   Orkes reads it as the **name** of a prompt template registered in Orkes.
    /// * Every other type (`LLM_CHAT_COMPLETE`): sets `instructions`, the system instructions put
    ///   before the messages (raw text on OSS; a prompt template name on Orkes).
    ///
    /// Expressions in the text (`${workflow.input.x}`, `${ref.output.y}`) are resolved by the
    /// server when it schedules the task; then the `${name}` placeholders left are filled from
    /// [`WorkflowTask::with_prompt_variable`]. Because the first step resolves **every** `${...}`
    /// of a task input (an unknown `${name}` becomes the text `null`), a raw prompt sent to an OSS
    /// server must write its prompt-variable placeholders as `$${name}`: the server turns `$${`
    /// into `${` after resolving, leaving the placeholder for the variables. (Orkes prompt
    /// templates are stored apart from the task input, so they keep `${name}`.) Default: none.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let chat = WorkflowTask::llm_chat_complete("chat_ref", "openai", "gpt-4o").with_instructions_template("support_agent");
    /// assert_eq!(chat.input_parameters["instructions"], "support_agent");
    /// let text = WorkflowTask::llm_text_complete("text_ref", "openai", "gpt-4o").with_instructions_template("summarise");
    /// assert_eq!(text.input_parameters["promptName"], "summarise");
    /// ```
    #[must_use]
    pub fn with_instructions_template(self, template: impl Into<String>) -> Self {
        let key = if self.task_type == TaskType::LlmTextComplete {
            "promptName"
        } else {
            "instructions"
        };
        self.with_input_param(key, template.into())
    }

    /// LLM tasks: a prompt variable (`promptVariables[name] = value`; the value may be an
    /// expression), substituted for `${name}` in the prompt (see
    /// [`WorkflowTask::with_instructions_template`] for writing it as `$${name}` in a raw prompt
    /// on OSS). Default: none.
    ///
    /// ```
    /// use conductor_models::{WorkflowTask, workflow_input};
    /// let task = WorkflowTask::llm_text_complete("ref", "provider", "model")
    ///     .with_instructions_template("Translate to ${target_language}: ${text}")
    ///     .with_prompt_variable("target_language", workflow_input("language"))
    ///     .with_prompt_variable("text", "${workflow.input.content}");
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(
    ///     json["inputParameters"]["promptVariables"],
    ///     serde_json::json!({
    ///         "target_language": "${workflow.input.language}",
    ///         "text": "${workflow.input.content}"
    ///     })
    /// );
    /// ```
    #[must_use]
    pub fn with_prompt_variable(self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        let (name, value) = (name.into(), value.into());
        self.update_input_object("promptVariables", |variables| {
            variables.insert(name, value);
        })
    }

    /// LLM tasks: the sampling temperature (`temperature`, usually 0.0–2.0). Default: the
    /// provider's.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::llm_text_complete("text_ref", "openai", "gpt-4o").with_temperature(0.2);
    /// assert_eq!(task.input_parameters["temperature"], 0.2);
    /// ```
    #[must_use]
    pub fn with_temperature(self, temperature: f64) -> Self {
        self.with_input_param("temperature", temperature)
    }

    /// LLM tasks: nucleus sampling (`topP`, 0.0–1.0). Default: the provider's.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::llm_text_complete("text_ref", "openai", "gpt-4o").with_top_p(0.9);
    /// assert_eq!(task.input_parameters["topP"], 0.9);
    /// ```
    #[must_use]
    pub fn with_top_p(self, top_p: f64) -> Self {
        self.with_input_param("topP", top_p)
    }

    /// LLM tasks: the most tokens to generate (`maxTokens`). Default: the server's (8192 on OSS).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::llm_chat_complete("chat_ref", "openai", "gpt-4o").with_max_tokens(500);
    /// assert_eq!(task.input_parameters["maxTokens"], 500);
    /// ```
    #[must_use]
    pub fn with_max_tokens(self, max_tokens: u32) -> Self {
        self.with_input_param("maxTokens", max_tokens)
    }

    /// `LLM_CHAT_COMPLETE`: the conversation (`messages`, replacing earlier ones). Message texts
    /// may contain expressions such as `${workflow.input.question}`. Default: none.
    ///
    /// ```
    /// use conductor_models::{ChatMessage, WorkflowTask};
    ///
    /// let task = WorkflowTask::llm_chat_complete("chat_ref", "openai", "gpt-4o").with_messages(vec![
    ///     ChatMessage::system("Answer in one sentence."),
    ///     ChatMessage::user("${workflow.input.question}"),
    /// ]);
    /// assert_eq!(task.input_parameters["messages"][1]["message"], "${workflow.input.question}");
    /// ```
    #[must_use]
    pub fn with_messages(self, messages: Vec<ChatMessage>) -> Self {
        let messages = serde_json::to_value(messages).expect(
            "invariant: chat messages (strings, lists, string-keyed maps) always serialise",
        );
        self.with_input_param("messages", messages)
    }

    /// Vector-database tasks: the namespace (`namespace`: a Pinecone namespace, a MongoDB
    /// collection, a Postgres table...). Default: none.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::llm_search_index("search_ref", "openai", "text-embedding-3-small", "pinecone", "docs")
    ///     .with_namespace("handbook");
    /// assert_eq!(task.input_parameters["namespace"], "handbook");
    /// ```
    #[must_use]
    pub fn with_namespace(self, namespace: impl Into<String>) -> Self {
        self.with_input_param("namespace", namespace.into())
    }

    /// Search tasks (`LLM_SEARCH_INDEX`, `LLM_GET_EMBEDDINGS`): how many documents to return
    /// (`maxResults`). Default: the server's, 1.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::llm_search_index("search_ref", "openai", "text-embedding-3-small", "pinecone", "docs")
    ///     .with_max_results(5);
    /// assert_eq!(task.input_parameters["maxResults"], 5);
    /// ```
    #[must_use]
    pub fn with_max_results(self, max_results: u32) -> Self {
        self.with_input_param("maxResults", max_results)
    }

    /// Index tasks (`LLM_INDEX_TEXT`, `LLM_INDEX_DOCUMENT`): the id the text is stored under
    /// (`docId`; may be an expression). Required by the OSS `LLM_INDEX_TEXT`. Default: none.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::llm_index_text("index_ref", "openai", "text-embedding-3-small", "pinecone", "docs")
    ///     .with_doc_id("${workflow.input.doc_id}");
    /// assert_eq!(task.input_parameters["docId"], "${workflow.input.doc_id}");
    /// ```
    #[must_use]
    pub fn with_doc_id(self, doc_id: impl Into<Value>) -> Self {
        self.with_input_param("docId", doc_id)
    }

    /// An AI task of `task_type` whose name is its reference name.
    fn llm_task(task_type: TaskType, task_reference_name: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        Self::new(task_type, reference.clone(), reference)
    }

    /// An LLM task run with `model` of the AI integration `llm_provider`.
    fn llm_model_task(
        task_type: TaskType,
        task_reference_name: impl Into<String>,
        llm_provider: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self::llm_task(task_type, task_reference_name)
            .with_input_param("llmProvider", llm_provider.into())
            .with_input_param("model", model.into())
    }

    /// A vector-database task with the embedding model and the index it works on.
    fn vector_db_task(
        task_type: TaskType,
        task_reference_name: impl Into<String>,
        embedding_provider: impl Into<String>,
        embedding_model: impl Into<String>,
        vector_db: impl Into<String>,
        index: impl Into<String>,
    ) -> Self {
        Self::llm_task(task_type, task_reference_name)
            .with_input_param("embeddingModelProvider", embedding_provider.into())
            .with_input_param("embeddingModel", embedding_model.into())
            .with_input_param("vectorDB", vector_db.into())
            .with_input_param("index", index.into())
    }
}
