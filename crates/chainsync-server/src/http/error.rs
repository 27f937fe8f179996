//! The one error type of the HTTP layer. Every failure a client sees has the same shape:
//! `{"error": {"code": "snake_case", "message": "...", "field": "lines[2].quantity"|null}}`,
//! with a code from the closed list in `docs/api-errors.md`.
//!
//! Internal errors are logged with their cause chain and answered with a bare 500: a client
//! never sees a database message. A uniqueness conflict no handler mapped to its own code is a
//! bare `409 conflict`; the constraint is logged, never answered (it names the schema, and may
//! be a key another organisation holds).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chainsync_domain::ValidationError;
use chainsync_storage::StorageError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code (see docs/api-errors.md).
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The offending input field as a JSON path, when one is to blame.
    pub field: Option<String>,
}

/// An error answered to the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub retry_after_secs: Option<u64>,
    /// Kept for the log only.
    pub source: Option<anyhow::Error>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after_secs: None,
            source: None,
        }
    }

    #[must_use]
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 400: the request is malformed (syntax, not meaning).
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403: authenticated, but this role may not do this here.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404: no such resource in the caller's organisation.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 409: the request conflicts with the current state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 422: well-formed but breaks a rule.
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 429 with a `Retry-After`.
    pub fn too_many(code: &'static str, message: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, code, message);
        err.retry_after_secs = Some(retry_after_secs.max(1));
        err
    }

    /// 500: a bug or an outage; the cause goes to the log only.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let mut err = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal server error",
        );
        err.source = Some(source.into());
        err
    }
}

impl From<ValidationError> for ApiError {
    fn from(err: ValidationError) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: err.code,
            message: err.message,
            field: err.field,
            retry_after_secs: None,
            source: None,
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            // The constraint names the schema, not the client's mistake, and may be a key
            // another organisation's record holds: it goes to the log only.
            StorageError::Conflict(constraint) => {
                let mut err = ApiError::conflict("conflict", "conflicts with an existing record");
                err.source = Some(anyhow::anyhow!("unique constraint violated: {constraint}"));
                err
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            match &self.source {
                Some(source) => tracing::error!(error = format!("{source:#}"), "request failed"),
                None => tracing::error!(code = self.code, "request failed"),
            }
        } else if let Some(source) = &self.source {
            // A refusal whose cause the client is not told (a database constraint).
            tracing::info!(
                code = self.code,
                error = format!("{source:#}"),
                "request refused"
            );
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                field: self.field,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl ApiError {
    /// Replaces the code (for the few 403s with a more specific one).
    #[must_use]
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unmapped_uniqueness_conflict_keeps_its_constraint_out_of_the_answer() {
        let err = ApiError::from(StorageError::Conflict("sales_mutation_key".into()));

        assert_eq!((err.status, err.code), (StatusCode::CONFLICT, "conflict"));
        assert!(
            !err.message.contains("sales_mutation_key"),
            "{}",
            err.message
        );
        let logged = format!("{:#}", err.source.expect("kept for the log"));
        assert!(logged.contains("sales_mutation_key"), "{logged}");
    }
}
