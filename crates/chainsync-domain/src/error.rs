//! The one validation error type of the domain: what was wrong, and which field.
//!
//! The HTTP layer turns it into `422 {"error": {"code", "message", "field"}}`; the `code` is a
//! stable snake_case identifier listed in `docs/api-errors.md`.

use std::fmt;

/// A rule broken by some input, naming the offending field (a JSON path such as
/// `lines[2].quantity`) when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl ValidationError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// Names (or re-names) the field the error is about.
    #[must_use]
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ValidationError {}
