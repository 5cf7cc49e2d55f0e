//! `ErrorResponse` and `ValidationError`: the JSON body of every non-2xx server response.

use serde::{Deserialize, Serialize};

use crate::JsonMap;
use crate::serde_util::null_as_default;

/// The body of an error response (`ErrorResponse`), e.g.
/// `{"status":404,"message":"No such workflow found by id: 123","instance":"host","retryable":false}`.
///
/// ```
/// use conductor_models::ErrorResponse;
/// let body = r#"{"status":400,"message":"Validation failed, check below errors for detail.",
///   "validationErrors":[{"path":"registerTaskDef.arg0[0].name","message":"TaskDef name cannot be null or empty"}],
///   "retryable":false}"#;
/// let error: ErrorResponse = serde_json::from_str(body).unwrap();
/// assert_eq!(error.status, 400);
/// assert_eq!(error.validation_errors[0].message, "TaskDef name cannot be null or empty");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorResponse {
    /// The HTTP status, repeated.
    #[serde(deserialize_with = "null_as_default")]
    pub status: i32,
    /// Error code (never set by OSS; Orkes may set it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Host name of the server instance (absent on validation errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Whether retrying the same request may succeed (only transient server errors).
    #[serde(deserialize_with = "null_as_default")]
    pub retryable: bool,
    /// Constraint violations (only on 400 validation failures); omitted when empty.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub validation_errors: Vec<ValidationError>,
    /// Extra metadata (never set by OSS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<JsonMap>,
}

impl ErrorResponse {
    /// An error response with a status and message (`retryable` false).
    ///
    /// ```
    /// use conductor_models::ErrorResponse;
    ///
    /// let response = ErrorResponse::new(404, "No such workflow defined by name=orders");
    /// let json = serde_json::to_value(&response)?;
    /// assert_eq!(json["status"], 404);
    /// assert_eq!(json["retryable"], false);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(status: i32, message: impl Into<String>) -> Self {
        ErrorResponse {
            status,
            message: Some(message.into()),
            ..ErrorResponse::default()
        }
    }

    /// Sets `retryable`.
    ///
    /// ```
    /// use conductor_models::ErrorResponse;
    ///
    /// let response = ErrorResponse::new(503, "Queue unavailable").with_retryable(true);
    /// assert!(response.retryable);
    /// ```
    #[must_use]
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// Sets `instance`.
    ///
    /// ```
    /// use conductor_models::ErrorResponse;
    ///
    /// let response = ErrorResponse::new(500, "boom").with_instance("conductor-server-7");
    /// assert_eq!(response.instance.as_deref(), Some("conductor-server-7"));
    /// ```
    #[must_use]
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Adds a validation error.
    ///
    /// ```
    /// use conductor_models::{ErrorResponse, ValidationError};
    ///
    /// let response = ErrorResponse::new(400, "Validation failed")
    ///     .with_validation_error(ValidationError::new("workflowDef.name", "must not be empty"));
    /// assert_eq!(response.validation_errors.len(), 1);
    /// ```
    #[must_use]
    pub fn with_validation_error(mut self, error: ValidationError) -> Self {
        self.validation_errors.push(error);
        self
    }

    /// The message, or `""` when the server sent none.
    ///
    /// ```
    /// use conductor_models::ErrorResponse;
    ///
    /// assert_eq!(ErrorResponse::new(409, "already exists").message_or_empty(), "already exists");
    /// assert_eq!(ErrorResponse::default().message_or_empty(), "");
    /// ```
    pub fn message_or_empty(&self) -> &str {
        self.message.as_deref().unwrap_or("")
    }
}

/// One constraint violation of a 400 response.
///
/// ```
/// use conductor_models::ErrorResponse;
///
/// let response: ErrorResponse = serde_json::from_value(serde_json::json!({
///     "status": 400, "message": "Validation failed",
///     "validationErrors": [{"path": "startWorkflow.arg0.name", "message": "must not be empty"}]
/// }))?;
/// assert_eq!(response.validation_errors[0].path, "startWorkflow.arg0.name");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ValidationError {
    /// Property path of the violation (e.g. `"validateWorkflowDef.arg0"`; may be `""`).
    #[serde(deserialize_with = "null_as_default")]
    pub path: String,
    /// What is wrong.
    #[serde(deserialize_with = "null_as_default")]
    pub message: String,
    /// The rejected value (only for primitive/string values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid_value: Option<String>,
}

impl ValidationError {
    /// A violation at `path` with `message`.
    ///
    /// ```
    /// use conductor_models::ValidationError;
    ///
    /// let error = ValidationError::new("workflowDef.name", "must not be empty");
    /// assert_eq!(error.message, "must not be empty");
    /// ```
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            path: path.into(),
            message: message.into(),
            invalid_value: None,
        }
    }

    /// Sets the rejected value.
    ///
    /// ```
    /// use conductor_models::ValidationError;
    ///
    /// let error = ValidationError::new("taskDef.retryCount", "must be >= 0").with_invalid_value("-1");
    /// assert_eq!(serde_json::to_value(&error)?["invalidValue"], "-1");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_invalid_value(mut self, value: impl Into<String>) -> Self {
        self.invalid_value = Some(value.into());
        self
    }
}

impl std::fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message_or_empty())?;
        for error in &self.validation_errors {
            write!(f, "; {}: {}", error.path, error.message)?;
        }
        Ok(())
    }
}
