//! `ChatMessage`, `ChatRole` and `ToolCall`: the messages of LLM chat-completion tasks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::JsonMap;
use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;

wire_enum! {
    /// Who wrote a [`ChatMessage`] (`ChatMessage.Role` in OSS, `ChatMessage.Actor` in Orkes; lower-case
    /// on the wire).
    ///
    /// ```
    /// use conductor_models::{ChatMessage, ChatRole};
    ///
    /// let message = ChatMessage::new(ChatRole::ToolCall, "");
    /// assert_eq!(serde_json::to_value(&message)?["role"], "tool_call");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub enum ChatRole {
        /// The user.
        User => "user",
        /// The model.
        Assistant => "assistant",
        /// System instructions.
        System => "system",
        /// The model asked for tool executions.
        ToolCall => "tool_call",
        /// A tool's output.
        Tool => "tool",
        /// A human participant (Orkes).
        Human => "human",
        /// A chatbot participant (Orkes).
        Chatbot => "chatbot",
    }
}

impl Default for ChatRole {
    /// `user`.
    fn default() -> Self {
        ChatRole::User
    }
}

/// One message of an LLM chat (`LLM_CHAT_COMPLETE` input `messages`). The text may contain
/// expressions such as `${workflow.input.question}`.
///
/// ```
/// use conductor_models::ChatMessage;
/// let message = ChatMessage::system("You are a helpful assistant.");
/// assert_eq!(
///     serde_json::to_value(&message).unwrap(),
///     serde_json::json!({"role": "system", "message": "You are a helpful assistant.", "media": []})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ChatMessage {
    /// Author.
    #[serde(deserialize_with = "null_as_default")]
    pub role: ChatRole,
    /// Text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Media URLs attached to the message.
    #[serde(deserialize_with = "null_as_default")]
    pub media: Vec<String>,
    /// MIME type of the media.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Tool calls requested by the model (role `tool_call`) or answered (role `tool`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
}

impl ChatMessage {
    /// A message with a role and text.
    ///
    /// ```
    /// use conductor_models::{ChatMessage, ChatRole};
    ///
    /// let message = ChatMessage::new(ChatRole::User, "What is the weather in Paris?");
    /// assert_eq!(message.role, ChatRole::User);
    /// assert_eq!(message.message.as_deref(), Some("What is the weather in Paris?"));
    /// ```
    pub fn new(role: ChatRole, message: impl Into<String>) -> Self {
        ChatMessage {
            role,
            message: Some(message.into()),
            ..ChatMessage::default()
        }
    }

    /// A `system` message.
    ///
    /// ```
    /// use conductor_models::{ChatMessage, ChatRole};
    ///
    /// let message = ChatMessage::system("You are a concise assistant.");
    /// assert_eq!(message.role, ChatRole::System);
    /// ```
    pub fn system(message: impl Into<String>) -> Self {
        Self::new(ChatRole::System, message)
    }

    /// A `user` message.
    ///
    /// ```
    /// use conductor_models::ChatMessage;
    ///
    /// let message = ChatMessage::user("${workflow.input.question}");
    /// assert_eq!(serde_json::to_value(&message)?["role"], "user");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn user(message: impl Into<String>) -> Self {
        Self::new(ChatRole::User, message)
    }

    /// An `assistant` message.
    ///
    /// ```
    /// use conductor_models::{ChatMessage, ChatRole};
    ///
    /// let message = ChatMessage::assistant("It is sunny.");
    /// assert_eq!(message.role, ChatRole::Assistant);
    /// ```
    pub fn assistant(message: impl Into<String>) -> Self {
        Self::new(ChatRole::Assistant, message)
    }

    /// Attaches a media URL.
    ///
    /// ```
    /// use conductor_models::ChatMessage;
    ///
    /// let message = ChatMessage::user("What is in this picture?").with_media("https://example.com/cat.png");
    /// assert_eq!(message.media, ["https://example.com/cat.png"]);
    /// ```
    #[must_use]
    pub fn with_media(mut self, url: impl Into<String>) -> Self {
        self.media.push(url.into());
        self
    }

    /// Sets the media MIME type.
    ///
    /// ```
    /// use conductor_models::ChatMessage;
    ///
    /// let message = ChatMessage::user("Describe it")
    ///     .with_media("https://example.com/cat.png")
    ///     .with_mime_type("image/png");
    /// assert_eq!(message.mime_type.as_deref(), Some("image/png"));
    /// ```
    #[must_use]
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }
}

/// A tool invocation inside a [`ChatMessage`] (`ToolCall`).
///
/// ```
/// use conductor_models::ChatMessage;
///
/// let message: ChatMessage = serde_json::from_value(serde_json::json!({
///     "role": "tool_call",
///     "toolCalls": [{"name": "get_weather", "taskReferenceName": "weather_ref", "type": "SIMPLE"}]
/// }))?;
/// let calls = message.tool_calls.expect("tool calls");
/// assert_eq!(calls[0].name.as_deref(), Some("get_weather"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ToolCall {
    /// Reference name of the task that runs the tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_reference_name: Option<String>,
    /// Tool name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Integration names used by the tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_names: Option<BTreeMap<String, String>>,
    /// Task type running the tool (default `"SIMPLE"`).
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    pub task_type: String,
    /// Tool input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_parameters: Option<JsonMap>,
    /// Tool output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<JsonMap>,
}

impl Default for ToolCall {
    fn default() -> Self {
        ToolCall {
            task_reference_name: None,
            name: None,
            integration_names: None,
            task_type: "SIMPLE".to_owned(),
            input_parameters: None,
            output: None,
        }
    }
}
