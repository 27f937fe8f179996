//! Request extractors whose rejections speak the API's error format.
//!
//! - [`ApiJson`]: a JSON body. Wrong content type → 415; over the size limit → 413 (at once
//!   when the declared `Content-Length` is over it, before any of the body is read); broken
//!   syntax → 400 `malformed_json`; wrong type, missing or unknown field → 422 naming the field
//!   as a JSON path.
//! - [`ApiPath`]: path parameters; a malformed id → 400 `invalid_path`.
//! - [`ApiQuery`]: query strings; a malformed value → 400 `invalid_query` naming the parameter.

use super::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRef, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// A JSON request body deserialised with field-precise errors.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
    crate::state::AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON with Content-Type: application/json",
            ));
        }
        // Refused from the declared length: reading up to the limit first would make the
        // client send (and us read) that much for nothing, and the connection we close under
        // a client still sending reaches it as a reset instead of this 413.
        let limit = crate::state::AppState::from_ref(state)
            .settings
            .max_body_bytes;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the request body is too large",
    )
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::bad_request("unreadable_body", "the request body could not be read")
    }
}

/// Deserialises JSON, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.inner();
        match inner.classify() {
            serde_json::error::Category::Data => data_error(&path, &inner.to_string()),
            _ => malformed(inner),
        }
    })?;
    // Trailing content after the value is a syntax error too.
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(err: &serde_json::Error) -> ApiError {
    ApiError::bad_request(
        "malformed_json",
        format!("the body is not valid JSON: {err}"),
    )
}

/// Turns a serde data error into a 422 naming the field (the unknown or missing one itself
/// when serde names it, not only its parent).
fn data_error(path: &str, message: &str) -> ApiError {
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned();
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    // serde_path_to_error includes an unknown field's name in the path, not a missing one's.
    let join = |name: String| {
        if path == "." || path.is_empty() {
            name
        } else if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some(name) = named("unknown field `") {
        return ApiError::unprocessable("unknown_field", format!("unknown field '{name}'"))
            .field(join(name));
    }
    if let Some(name) = named("missing field `") {
        return ApiError::unprocessable("missing_field", format!("'{name}' is required"))
            .field(join(name));
    }
    let field = if path == "." {
        None
    } else {
        Some(path.to_owned())
    };
    let mut err = ApiError::unprocessable("invalid_field", message);
    err.field = field;
    err
}

/// Path parameters.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|rej: PathRejection| {
                ApiError::bad_request(
                    "invalid_path",
                    format!("invalid path parameter: {}", rej.body_text()),
                )
            })
    }
}

/// Query-string parameters.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|rej: QueryRejection| {
                let text = rej.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text)
                    .to_owned();
                let mut err = ApiError::bad_request(
                    "invalid_query",
                    format!("invalid query string: {detail}"),
                );
                if let Some((field, _)) = detail.split_once(": ")
                    && !field.contains(' ')
                {
                    err.field = Some(field.to_owned());
                }
                err
            })
    }
}
