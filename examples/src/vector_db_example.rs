//! vector_db_example: retrieval-augmented generation. LLM_INDEX_TEXT stores a document's
//! embeddings in a vector database, LLM_SEARCH_INDEX finds the passages closest to a question,
//! and LLM_CHAT_COMPLETE answers from them. Needs an embedding model and a vector database
//! integration (Orkes); elsewhere the example explains and exits cleanly.

use conductor::models::{ChatMessage, WorkflowDef, WorkflowTask};
use serde_json::json;

use crate::llm::run_ai_workflow;
use crate::{BoxError, Environment, Outcome};

/// The workflow.
pub const WORKFLOW_NAME: &str = "vector_db_example";
/// The embedding model's provider and name.
pub const EMBEDDING: (&str, &str) = ("openai", "text-embedding-3-small");
/// The vector database integration and index.
pub const VECTOR_DB: (&str, &str) = ("pinecone", "conductor-docs");

/// Runs the example; the output is `{"answer": "...", "matches": [...]}`.
///
/// # Errors
///
/// When the server rejects a call, or a task fails for another reason than a missing integration.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (embedding_provider, embedding_model) = EMBEDDING;
    let (vector_db, index) = VECTOR_DB;
    let workflow = WorkflowDef::new(env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_task(
            WorkflowTask::llm_index_text(
                "index_ref",
                embedding_provider,
                embedding_model,
                vector_db,
                index,
            )
            .with_namespace("examples")
            .with_doc_id("${workflow.input.docId}")
            .with_input_param("text", "${workflow.input.document}"),
        )
        .with_task(
            WorkflowTask::llm_search_index(
                "search_ref",
                embedding_provider,
                embedding_model,
                vector_db,
                index,
            )
            .with_namespace("examples")
            .with_max_results(3)
            .with_input_param("query", "${workflow.input.question}"),
        )
        .with_task(
            WorkflowTask::llm_chat_complete(
                "answer_ref",
                crate::openai_helloworld::PROVIDER,
                crate::openai_helloworld::model(),
            )
            .with_messages(vec![
                ChatMessage::system("Answer only from these passages: ${search_ref.output.result}"),
                ChatMessage::user("${workflow.input.question}"),
            ]),
        )
        .with_output_param("answer", "${answer_ref.output.result}")
        .with_output_param("matches", "${search_ref.output.result}");
    let serde_json::Value::Object(input) = json!({
        "docId": "conductor-intro",
        "document": "Conductor is a workflow orchestration engine. Workers poll tasks and report results.",
        "question": "Who executes the tasks?",
    }) else {
        return Err("the input is not an object".into());
    };
    run_ai_workflow(env, &workflow, input).await
}
