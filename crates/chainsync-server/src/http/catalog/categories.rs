//! `/api/categories`: product categories (one level of parent allowed per category, no cycles).

use super::{conflict_on, require_admin};
use crate::http::common::{Auditor, PageParams, double_option, time};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::session::{ClientAddr, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::ids::CategoryId;
use chainsync_domain::validation;
use chainsync_storage::catalog::{self, CategoryRecord};
use chainsync_storage::{Conn, audit, now_ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(get_category, update_category, deactivate_category))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: CategoryId,
    pub name: String,
    pub parent_id: Option<CategoryId>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&CategoryRecord> for CategoryView {
    fn from(c: &CategoryRecord) -> Self {
        CategoryView {
            id: c.id,
            name: c.name.clone(),
            parent_id: c.parent_id,
            active: c.active,
            created_at: time(c.created_at),
            updated_at: time(c.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<CategoryView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Include deactivated entries (default false).
    pub include_inactive: Option<bool>,
}

/// List categories.
#[utoipa::path(get, path = "/api/categories", tag = "catalog", params(ListParams),
    responses((status = 200, description = "A page of categories", body = CategoryList)), security(("bearer" = [])))]
async fn list_categories(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<CategoryList>> {
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let result = catalog::list_categories(
        &mut *state.db.conn().await?,
        session.user.org_id,
        params.include_inactive.unwrap_or(false),
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(Json(CategoryList {
        items: result.items.iter().map(CategoryView::from).collect(),
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub parent_id: Option<CategoryId>,
}

async fn check_parent(
    conn: &mut Conn,
    session: &Session,
    id: CategoryId,
    parent: Option<CategoryId>,
) -> ApiResult<()> {
    let Some(parent) = parent else { return Ok(()) };
    let parent_record = catalog::get_category(conn, session.user.org_id, parent)
        .await?
        .ok_or_else(|| {
            ApiError::unprocessable("unknown_category", "no such category in your organisation")
                .field("parent_id")
        })?;
    if parent == id || parent_record.parent_id.is_some() {
        return Err(ApiError::unprocessable(
            "invalid_parent",
            "a category's parent must be a top-level category other than itself",
        )
        .field("parent_id"));
    }
    Ok(())
}

const NAME_TAKEN: fn(chainsync_storage::StorageError) -> ApiError = |e| {
    conflict_on(
        "categories_org_name_key",
        "categories.org_id, categories.name",
        "category_name_taken",
        "another category has this name",
        "name",
    )(e)
};

/// Create a category (admins).
#[utoipa::path(post, path = "/api/categories", tag = "catalog", request_body = CategoryRequest,
    responses((status = 201, description = "Created", body = CategoryView)), security(("bearer" = [])))]
async fn create_category(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<CategoryRequest>,
) -> ApiResult<(StatusCode, Json<CategoryView>)> {
    require_admin(&session)?;
    let now = now_ms();
    let record = CategoryRecord {
        id: CategoryId::new(),
        org_id: session.user.org_id,
        name: validation::name(&body.name, 100).map_err(|e| e.at("name"))?,
        parent_id: body.parent_id,
        active: true,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin_write().await?;
    check_parent(&mut tx, &session, record.id, record.parent_id).await?;
    catalog::save_category(&mut tx, &record)
        .await
        .map_err(NAME_TAKEN)?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "category.created",
            Some(("category", record.id.to_string())),
            json!({ "name": record.name }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(CategoryView::from(&record))))
}

/// One category.
#[utoipa::path(get, path = "/api/categories/{category_id}", tag = "catalog", params(("category_id" = CategoryId, Path, description = "Category id")),
    responses((status = 200, description = "The category", body = CategoryView)), security(("bearer" = [])))]
async fn get_category(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<CategoryId>,
) -> ApiResult<Json<CategoryView>> {
    let record = catalog::get_category(&mut *state.db.conn().await?, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("category"))?;
    Ok(Json(CategoryView::from(&record)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    pub name: Option<String>,
    /// `null` makes it a top-level category.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<CategoryId>, nullable)]
    pub parent_id: Option<Option<CategoryId>>,
    pub active: Option<bool>,
}

/// Rename, move or (de)activate a category (admins).
#[utoipa::path(patch, path = "/api/categories/{category_id}", tag = "catalog", params(("category_id" = CategoryId, Path, description = "Category id")),
    request_body = UpdateCategoryRequest, responses((status = 200, description = "Updated", body = CategoryView)), security(("bearer" = [])))]
async fn update_category(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<CategoryId>,
    ApiJson(body): ApiJson<UpdateCategoryRequest>,
) -> ApiResult<Json<CategoryView>> {
    let mut tx = state.db.begin_write().await?;
    let mut record = catalog::get_category(&mut tx, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("category"))?;
    require_admin(&session)?;
    if let Some(name) = &body.name {
        record.name = validation::name(name, 100).map_err(|e| e.at("name"))?;
    }
    if let Some(parent) = body.parent_id {
        check_parent(&mut tx, &session, id, parent).await?;
        record.parent_id = parent;
    }
    if let Some(active) = body.active {
        record.active = active;
    }
    record.updated_at = now_ms();
    catalog::save_category(&mut tx, &record)
        .await
        .map_err(NAME_TAKEN)?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "category.updated",
            Some(("category", id.to_string())),
            json!({ "name": record.name, "parent_id": record.parent_id, "active": record.active }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(CategoryView::from(&record)))
}

/// Deactivate a category (admins). Its products keep it; it leaves default lists.
#[utoipa::path(delete, path = "/api/categories/{category_id}", tag = "catalog", params(("category_id" = CategoryId, Path, description = "Category id")),
    responses((status = 204, description = "Deactivated")), security(("bearer" = [])))]
async fn deactivate_category(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<CategoryId>,
) -> ApiResult<StatusCode> {
    let change = UpdateCategoryRequest {
        name: None,
        parent_id: None,
        active: Some(false),
    };
    // The updated view is not needed: DELETE answers 204.
    let _updated = update_category(
        State(state),
        session,
        ClientAddr(ip),
        ApiPath(id),
        ApiJson(change),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
