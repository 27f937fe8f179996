//! `POST /api/imports`: import a CSV file of products, stock counts, customers or historical
//! sales (see
//! `crate::imports` for the rules: all or nothing, every row error reported, dry runs).
//!
//! Two ways to send the file:
//! - the CSV itself as the body (`Content-Type: text/csv`), with
//!   `?kind=products|stock|sales|customers`,
//!   `&dry_run=true` and, for stock, `&store_id=`;
//! - JSON (`application/json`): `{"kind": "...", "dry_run": true, "store_id": "...", "csv": "..."}`.
//!
//! Answers 200 with the outcome when the file is good (applied, or checked in a dry run); 422
//! with code `invalid_rows`, the same outcome and every row error when any row is bad (nothing
//! written); a file-level problem is a plain error (`missing_column`, `invalid_encoding`, ...);
//! over 16 MiB, 413. Who: products and sales, admins; stock, admins and the store's managers;
//! customers, admins and managers.

use super::error::{ApiError, ApiResult, ErrorDetail};
use super::session::{ClientAddr, Session};
use crate::imports::{self, Actor, ImportKind, Options, Outcome, Quiet};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chainsync_domain::ids::StoreId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import))
        // A JSON body escapes the CSV, so it may be somewhat larger than the file itself; the
        // file's own limit is checked after extraction.
        .layer(DefaultBodyLimit::max(imports::MAX_BYTES * 2))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `products`, `stock`, `sales` or `customers` (required with a CSV body).
    pub kind: Option<String>,
    /// `true` to check the file and report what would happen, writing nothing.
    pub dry_run: Option<String>,
    /// Stock files without a `store` column: the store counted.
    pub store_id: Option<String>,
}

/// The JSON form of an import.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    pub kind: ImportKind,
    #[serde(default)]
    pub dry_run: bool,
    pub store_id: Option<StoreId>,
    /// The file's text.
    pub csv: String,
}

/// The outcome; with `error` set (422) when rows were rejected.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

fn kind(value: &str) -> ApiResult<ImportKind> {
    match value {
        "products" => Ok(ImportKind::Products),
        "stock" => Ok(ImportKind::Stock),
        "sales" => Ok(ImportKind::Sales),
        "customers" => Ok(ImportKind::Customers),
        _ => Err(ApiError::unprocessable(
            "invalid_kind",
            "kind must be products, stock, sales or customers",
        )
        .field("kind")),
    }
}

fn flag(value: Option<&str>) -> ApiResult<bool> {
    match value {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(_) => Err(
            ApiError::unprocessable("invalid_flag", "dry_run must be true or false")
                .field("dry_run"),
        ),
    }
}

/// Import a CSV file: products, stock counts or historical sales. All or nothing.
#[utoipa::path(post, path = "/api/imports", tag = "imports", params(ImportParams),
    request_body(content(
        (String = "text/csv"),
        (ImportRequest = "application/json"),
    )),
    responses((status = 200, description = "Applied, or checked (dry run)", body = ImportAnswer),
              (status = 413, description = "Over 16 MiB or 100 000 rows", body = super::error::ErrorBody)),
    security(("bearer" = [])))]
async fn import(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    params: Result<Query<ImportParams>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let Query(params) = params.map_err(|_| {
        ApiError::bad_request("invalid_query", "the query string could not be read")
    })?;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "an import file holds at most 16 MiB",
            )
        } else {
            ApiError::bad_request("unreadable_body", "the request body could not be read")
        }
    })?;
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let (options, bytes) = match mime.as_str() {
        "application/json" => {
            let request: ImportRequest = super::extract::parse_json(&body)?;
            (
                Options {
                    kind: request.kind,
                    dry_run: request.dry_run,
                    store: request.store_id,
                },
                Bytes::from(request.csv.into_bytes()),
            )
        }
        "text/csv" | "text/plain" | "application/csv" => {
            let kind = kind(params.kind.as_deref().ok_or_else(|| {
                ApiError::unprocessable("missing_field", "kind is required").field("kind")
            })?)?;
            let store = params
                .store_id
                .as_deref()
                .map(|s| {
                    s.parse::<StoreId>().map_err(|_| {
                        ApiError::bad_request("invalid_query", "store_id is not an id")
                            .field("store_id")
                    })
                })
                .transpose()?;
            (
                Options {
                    kind,
                    dry_run: flag(params.dry_run.as_deref())?,
                    store,
                },
                body,
            )
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the CSV as text/csv, or JSON with a csv field",
            ));
        }
    };
    let actor = Actor {
        org: session.user.org_id,
        user: session.user.id,
        email: session.user.email.clone(),
        principal: session.principal.clone(),
        ip,
    };
    let outcome = imports::run(&state.db, &actor, &options, &bytes, &Quiet).await?;
    if outcome.errors.is_empty() {
        return Ok(Json(ImportAnswer {
            error: None,
            outcome,
        })
        .into_response());
    }
    let bad = outcome.errors.len();
    let answer = ImportAnswer {
        error: Some(ErrorDetail {
            code: "invalid_rows".into(),
            message: format!("{bad} problems in the file; nothing was written"),
            field: None,
        }),
        outcome,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(answer)).into_response())
}
