//! Typed arguments of the vector-database tasks: [`EmbeddingModel`], [`VectorIndex`],
//! [`Document`], and [`WorkflowTask::llm_index_document_with`], the typed form of the
//! seven-argument [`WorkflowTask::llm_index_document`].

use serde_json::Value;

use crate::workflow_task::WorkflowTask;

/// An embedding model: the AI integration (`embeddingModelProvider`) and its model
/// (`embeddingModel`).
///
/// ```
/// let model = conductor_models::EmbeddingModel::new("openai", "text-embedding-3-small");
/// assert_eq!(model.model(), "text-embedding-3-small");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddingModel {
    provider: String,
    model: String,
}

impl EmbeddingModel {
    /// The model `model` of the integration `provider`.
    ///
    /// ```
    /// let model = conductor_models::EmbeddingModel::new("openai", "text-embedding-3-small");
    /// assert_eq!(model.provider(), "openai");
    /// ```
    #[must_use]
    pub fn new(provider: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            model: model.into(),
        }
    }

    /// The AI integration's name.
    ///
    /// ```
    /// assert_eq!(conductor_models::EmbeddingModel::new("openai", "m").provider(), "openai");
    /// ```
    #[must_use]
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The model's name.
    ///
    /// ```
    /// assert_eq!(conductor_models::EmbeddingModel::new("openai", "m").model(), "m");
    /// ```
    #[must_use]
    pub fn model(&self) -> &str {
        &self.model
    }
}

/// An index of a vector database: the integration (`vectorDB`) and the index in it (`index`).
///
/// ```
/// let index = conductor_models::VectorIndex::new("pinecone", "docs");
/// assert_eq!(index.index(), "docs");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorIndex {
    vector_db: String,
    index: String,
}

impl VectorIndex {
    /// The index `index` of the vector database integration `vector_db`.
    ///
    /// ```
    /// let index = conductor_models::VectorIndex::new("pinecone", "docs");
    /// assert_eq!(index.vector_db(), "pinecone");
    /// ```
    #[must_use]
    pub fn new(vector_db: impl Into<String>, index: impl Into<String>) -> Self {
        Self {
            vector_db: vector_db.into(),
            index: index.into(),
        }
    }

    /// The vector database integration's name.
    ///
    /// ```
    /// assert_eq!(conductor_models::VectorIndex::new("pinecone", "docs").vector_db(), "pinecone");
    /// ```
    #[must_use]
    pub fn vector_db(&self) -> &str {
        &self.vector_db
    }

    /// The index's name.
    ///
    /// ```
    /// assert_eq!(conductor_models::VectorIndex::new("pinecone", "docs").index(), "docs");
    /// ```
    #[must_use]
    pub fn index(&self) -> &str {
        &self.index
    }
}

/// A document to fetch and index: where it is (`url`, a string or an expression) and its media
/// type (`mediaType`: `application/pdf`, `text/html`, `text/plain`...).
///
/// ```
/// let doc = conductor_models::Document::new("https://example.com/handbook.pdf", "application/pdf");
/// assert_eq!(doc.media_type(), "application/pdf");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    url: Value,
    media_type: String,
}

impl Document {
    /// The document at `url`, of `media_type`.
    ///
    /// ```
    /// let doc = conductor_models::Document::new("${workflow.input.url}", "text/html");
    /// assert_eq!(doc.url(), "${workflow.input.url}");
    /// ```
    #[must_use]
    pub fn new(url: impl Into<Value>, media_type: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            media_type: media_type.into(),
        }
    }

    /// Where the document is.
    ///
    /// ```
    /// let doc = conductor_models::Document::new("https://example.com/a.txt", "text/plain");
    /// assert_eq!(doc.url(), "https://example.com/a.txt");
    /// ```
    #[must_use]
    pub fn url(&self) -> &Value {
        &self.url
    }

    /// The document's media type.
    ///
    /// ```
    /// let doc = conductor_models::Document::new("https://example.com/a.txt", "text/plain");
    /// assert_eq!(doc.media_type(), "text/plain");
    /// ```
    #[must_use]
    pub fn media_type(&self) -> &str {
        &self.media_type
    }
}

impl WorkflowTask {
    /// An `LLM_INDEX_DOCUMENT` task from typed arguments: the same task as
    /// [`WorkflowTask::llm_index_document`], whose seven strings are easy to pass in the wrong
    /// order.
    ///
    /// ```
    /// use conductor_models::{Document, EmbeddingModel, VectorIndex, WorkflowTask};
    ///
    /// let typed = WorkflowTask::llm_index_document_with(
    ///     "index_doc_ref",
    ///     EmbeddingModel::new("openai", "text-embedding-3-small"),
    ///     VectorIndex::new("pinecone", "docs"),
    ///     Document::new("https://example.com/handbook.pdf", "application/pdf"),
    /// );
    /// let positional = WorkflowTask::llm_index_document(
    ///     "index_doc_ref", "openai", "text-embedding-3-small", "pinecone", "docs",
    ///     "https://example.com/handbook.pdf", "application/pdf",
    /// );
    /// assert_eq!(typed, positional);
    /// ```
    #[must_use]
    pub fn llm_index_document_with(
        task_reference_name: impl Into<String>,
        embedding: EmbeddingModel,
        index: VectorIndex,
        document: Document,
    ) -> Self {
        Self::llm_index_document(
            task_reference_name,
            embedding.provider,
            embedding.model,
            index.vector_db,
            index.index,
            document.url,
            document.media_type,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task_type::TaskType;

    #[test]
    fn the_typed_form_sets_the_same_inputs() {
        let task = WorkflowTask::llm_index_document_with(
            "r",
            EmbeddingModel::new("p", "m"),
            VectorIndex::new("db", "i"),
            Document::new("u", "text/plain"),
        );
        assert_eq!(task.task_type, TaskType::LlmIndexDocument);
        let input = serde_json::to_value(&task.input_parameters).unwrap();
        assert_eq!(
            input,
            serde_json::json!({
                "embeddingModelProvider": "p", "embeddingModel": "m",
                "vectorDB": "db", "index": "i", "url": "u", "mediaType": "text/plain"
            })
        );
    }
}
