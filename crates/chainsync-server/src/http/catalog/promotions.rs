//! `/api/promotions`: the organisation's promotions (percentage, fixed amount, buy-X-get-Y;
//! scoped to everything, products or categories; scheduled). Everyone signed in reads them (the
//! till shows them as they apply); admins change them. Each definition is validated by the
//! pricing engine's own rules before it is stored, so no stored promotion can break a sale, and
//! every product or category it names must be the organisation's.

use super::require_admin;
use crate::http::common::{Auditor, time};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::session::{ClientAddr, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::ids::{CategoryId, ProductId};
use chainsync_domain::pricing::{Promotion, PromotionRule, PromotionScope, Schedule};
use chainsync_domain::validation;
use chainsync_storage::promotions::{self, PromotionRecord};
use chainsync_storage::{Conn, audit, catalog, now_ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::categories::ListParams;
use crate::http::common::PageParams;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_promotions, create_promotion))
        .routes(routes!(
            get_promotion,
            update_promotion,
            deactivate_promotion
        ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PromotionView {
    pub id: Uuid,
    pub name: String,
    pub active: bool,
    pub priority: i32,
    pub rule: PromotionRule,
    pub scope: PromotionScope,
    #[schema(value_type = Object)]
    pub schedule: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(record: &PromotionRecord) -> ApiResult<PromotionView> {
    let p: Promotion = serde_json::from_str(&record.definition).map_err(ApiError::internal)?;
    Ok(PromotionView {
        id: record.id,
        name: record.name.clone(),
        active: record.active,
        priority: p.priority,
        rule: p.rule,
        scope: p.scope,
        schedule: serde_json::to_value(p.schedule).map_err(ApiError::internal)?,
        created_at: time(record.created_at),
        updated_at: time(record.updated_at),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PromotionList {
    pub items: Vec<PromotionView>,
    pub next_cursor: Option<String>,
}

/// List promotions (default: active ones).
#[utoipa::path(get, path = "/api/promotions", tag = "catalog", params(ListParams),
    responses((status = 200, description = "A page of promotions", body = PromotionList)), security(("bearer" = [])))]
async fn list_promotions(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<PromotionList>> {
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let result = promotions::list(
        &mut *state.db.conn().await?,
        session.user.org_id,
        params.include_inactive.unwrap_or(false),
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(Json(PromotionList {
        items: result.items.iter().map(view).collect::<ApiResult<_>>()?,
        next_cursor: result.next_cursor,
    }))
}

/// A promotion as sent by an admin.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Higher wins when several promotions cover a line (they never stack; see docs/pricing.md).
    #[serde(default)]
    pub priority: i32,
    pub rule: PromotionRule,
    pub scope: PromotionScope,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub schedule: Schedule,
}

/// Validates with the engine's rules and checks every named product and category.
async fn definition(
    conn: &mut Conn,
    session: &Session,
    id: Uuid,
    body: PromotionRequest,
) -> ApiResult<(String, String)> {
    let name = validation::name(&body.name, 100).map_err(|e| e.at("name"))?;
    let promotion = Promotion {
        id,
        name: name.clone(),
        priority: body.priority,
        rule: body.rule,
        scope: body.scope,
        schedule: body.schedule,
    };
    promotion.validate()?;
    match &promotion.scope {
        PromotionScope::All => {}
        PromotionScope::Product { product_ids } => {
            for (i, product) in product_ids.iter().enumerate() {
                if catalog::get_product(conn, session.user.org_id, ProductId(*product))
                    .await?
                    .is_none()
                {
                    return Err(ApiError::unprocessable(
                        "unknown_product",
                        "no such product in your organisation",
                    )
                    .field(format!("scope.product_ids[{i}]")));
                }
            }
        }
        PromotionScope::Category { category_ids } => {
            for (i, category) in category_ids.iter().enumerate() {
                if catalog::get_category(conn, session.user.org_id, CategoryId(*category))
                    .await?
                    .is_none()
                {
                    return Err(ApiError::unprocessable(
                        "unknown_category",
                        "no such category in your organisation",
                    )
                    .field(format!("scope.category_ids[{i}]")));
                }
            }
        }
    }
    Ok((
        name,
        serde_json::to_string(&promotion).map_err(ApiError::internal)?,
    ))
}

/// Create a promotion (admins).
#[utoipa::path(post, path = "/api/promotions", tag = "catalog", request_body = PromotionRequest,
    responses((status = 201, description = "Created", body = PromotionView)), security(("bearer" = [])))]
async fn create_promotion(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<PromotionRequest>,
) -> ApiResult<(StatusCode, Json<PromotionView>)> {
    require_admin(&session)?;
    let mut tx = state.db.begin_write().await?;
    let id = Uuid::now_v7();
    let (name, definition) = definition(&mut tx, &session, id, body).await?;
    let now = now_ms();
    let record = PromotionRecord {
        id,
        org_id: session.user.org_id,
        name,
        active: true,
        definition,
        created_at: now,
        updated_at: now,
    };
    promotions::save(&mut tx, &record).await?;
    audit::insert(&mut tx, &Auditor::for_session(&session, ip).entry("promotion.created", Some(("promotion", id.to_string())), json!({ "definition": serde_json::from_str::<serde_json::Value>(&record.definition).unwrap_or_default() }))).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(view(&record)?)))
}

/// One promotion.
#[utoipa::path(get, path = "/api/promotions/{promotion_id}", tag = "catalog", params(("promotion_id" = Uuid, Path, description = "Promotion id")),
    responses((status = 200, description = "The promotion", body = PromotionView)), security(("bearer" = [])))]
async fn get_promotion(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<PromotionView>> {
    let record = promotions::get(&mut *state.db.conn().await?, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("promotion"))?;
    Ok(Json(view(&record)?))
}

/// Replace a promotion's definition (admins); `active` is kept.
#[utoipa::path(put, path = "/api/promotions/{promotion_id}", tag = "catalog", params(("promotion_id" = Uuid, Path, description = "Promotion id")),
    request_body = PromotionRequest, responses((status = 200, description = "Updated", body = PromotionView)), security(("bearer" = [])))]
async fn update_promotion(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PromotionRequest>,
) -> ApiResult<Json<PromotionView>> {
    let mut tx = state.db.begin_write().await?;
    let mut record = promotions::get(&mut tx, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("promotion"))?;
    require_admin(&session)?;
    let (name, definition) = definition(&mut tx, &session, id, body).await?;
    record.name = name;
    record.definition = definition;
    record.updated_at = now_ms();
    promotions::save(&mut tx, &record).await?;
    audit::insert(&mut tx, &Auditor::for_session(&session, ip).entry("promotion.updated", Some(("promotion", id.to_string())), json!({ "definition": serde_json::from_str::<serde_json::Value>(&record.definition).unwrap_or_default() }))).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(view(&record)?))
}

/// End a promotion (admins): it stops applying at once; its history stays.
#[utoipa::path(delete, path = "/api/promotions/{promotion_id}", tag = "catalog", params(("promotion_id" = Uuid, Path, description = "Promotion id")),
    responses((status = 204, description = "Deactivated")), security(("bearer" = [])))]
async fn deactivate_promotion(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    let mut record = promotions::get(&mut tx, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("promotion"))?;
    require_admin(&session)?;
    if record.active {
        record.active = false;
        record.updated_at = now_ms();
        promotions::save(&mut tx, &record).await?;
        audit::insert(
            &mut tx,
            &Auditor::for_session(&session, ip).entry(
                "promotion.deactivated",
                Some(("promotion", id.to_string())),
                json!({}),
            ),
        )
        .await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}
