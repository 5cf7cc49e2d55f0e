//! Errors of engine operations, each mapping to the HTTP status conductor-oss answers with.

use thiserror::Error;

/// One constraint violation of a 400 validation failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The constraint path (`registerTaskDef.arg0[0].name` style).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The offending value, for primitives.
    pub invalid_value: Option<String>,
}

impl Violation {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            invalid_value: None,
        }
    }

    /// A violation reporting the offending value (`invalidValue`), as conductor-oss does for
    /// numbers and strings.
    pub(crate) fn with_value(
        path: impl Into<String>,
        message: impl Into<String>,
        value: impl ToString,
    ) -> Self {
        Self {
            invalid_value: Some(value.to_string()),
            ..Self::new(path, message)
        }
    }
}

/// A failed engine operation.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// 404 (`NotFoundException`).
    #[error("{0}")]
    NotFound(String),
    /// 409 (`ConflictException`).
    #[error("{0}")]
    Conflict(String),
    /// 400 (`IllegalArgumentException`).
    #[error("{0}")]
    BadRequest(String),
    /// 400 with `validationErrors` (`ConstraintViolationException`).
    #[error("Validation failed, check below errors for detail.")]
    Validation(Vec<Violation>),
    /// 500 (`IllegalStateException`, `NonTransientException` and everything else).
    #[error("{0}")]
    Internal(String),
}

impl EngineError {
    /// The HTTP status code OSS answers with.
    pub fn status(&self) -> u16 {
        match self {
            EngineError::NotFound(_) => 404,
            EngineError::Conflict(_) => 409,
            EngineError::BadRequest(_) | EngineError::Validation(_) => 400,
            EngineError::Internal(_) => 500,
        }
    }
}

/// Result of engine operations.
pub type EngineResult<T> = Result<T, EngineError>;
