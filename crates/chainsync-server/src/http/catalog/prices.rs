//! `/api/stores/{store_id}/price-overrides`: a store's own prices, which replace the catalog
//! price at that store's tills. Set and removed by admins and the store's managers; read by
//! anyone who works there. Every change is kept in the product's price history and audited.

use crate::http::common::{Auditor, PageParams, time};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::session::{ClientAddr, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::catalog as rules;
use chainsync_domain::ids::{ProductId, StoreId};
use chainsync_storage::catalog::{self, PriceChange};
use chainsync_storage::{Conn, audit, now_ms, stores};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_overrides))
        .routes(routes!(set_override, remove_override))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceOverrideView {
    pub product_id: ProductId,
    pub price_minor: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceOverrideList {
    pub items: Vec<PriceOverrideView>,
    pub next_cursor: Option<String>,
}

/// The store, if the caller's organisation has it (404 otherwise).
async fn store_of_org(conn: &mut Conn, session: &Session, store: StoreId) -> ApiResult<()> {
    stores::get(conn, session.user.org_id, store)
        .await?
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found("store"))
}

/// A store's price overrides (anyone working in the store).
#[utoipa::path(get, path = "/api/stores/{store_id}/price-overrides", tag = "catalog",
    params(("store_id" = StoreId, Path, description = "Store id"), PageParams),
    responses((status = 200, description = "A page of overrides", body = PriceOverrideList)), security(("bearer" = [])))]
async fn list_overrides(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<PriceOverrideList>> {
    let mut conn = state.db.conn().await?;
    store_of_org(&mut conn, &session, store).await?;
    if !session.principal.can_view_store(store) {
        return Err(ApiError::forbidden("you do not work in this store"));
    }
    let result =
        catalog::list_store_prices(&mut conn, store, page.cursor()?, page.limit()?).await?;
    Ok(Json(PriceOverrideList {
        items: result
            .items
            .into_iter()
            .map(|(product_id, price_minor, updated)| PriceOverrideView {
                product_id,
                price_minor,
                updated_at: time(updated),
            })
            .collect(),
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPriceOverride {
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub price_minor: i64,
}

fn change(
    session: &Session,
    store: StoreId,
    product: ProductId,
    old: Option<i64>,
    new: Option<i64>,
) -> PriceChange {
    PriceChange {
        id: Uuid::now_v7(),
        org_id: session.user.org_id,
        product_id: product,
        store_id: Some(store),
        old_price_minor: old,
        new_price_minor: new,
        changed_by: Some(session.user.id),
        changed_at: now_ms(),
    }
}

/// Set this store's price for a product (admins and the store's managers).
#[utoipa::path(put, path = "/api/stores/{store_id}/price-overrides/{product_id}", tag = "catalog",
    params(("store_id" = StoreId, Path, description = "Store id"), ("product_id" = ProductId, Path, description = "Product id")),
    request_body = SetPriceOverride, responses((status = 200, description = "The override", body = PriceOverrideView)), security(("bearer" = [])))]
async fn set_override(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((store, product)): ApiPath<(StoreId, ProductId)>,
    ApiJson(body): ApiJson<SetPriceOverride>,
) -> ApiResult<Json<PriceOverrideView>> {
    let mut tx = state.db.begin_write().await?;
    store_of_org(&mut tx, &session, store).await?;
    catalog::get_product(&mut tx, session.user.org_id, product)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    if !session.principal.can_manage_store(store) {
        return Err(ApiError::forbidden(
            "only admins and this store's managers set its prices",
        ));
    }
    let price = rules::amount_minor(body.price_minor).map_err(|e| e.at("price_minor"))?;
    let old = catalog::store_price(&mut tx, store, product).await?;
    let now = now_ms();
    if old != Some(price) {
        catalog::set_store_price(&mut tx, store, product, price, now).await?;
        catalog::record_price_change(&mut tx, &change(&session, store, product, old, Some(price)))
            .await?;
        let auditor = Auditor::for_session(&session, ip);
        audit::insert(
            &mut tx,
            &auditor.entry(
                "product.store_price_changed",
                Some(("product", product.to_string())),
                json!({ "store_id": store, "from": old, "to": price }),
            ),
        )
        .await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(PriceOverrideView {
        product_id: product,
        price_minor: price,
        updated_at: time(now),
    }))
}

/// Remove this store's price for a product: the catalog price applies again.
#[utoipa::path(delete, path = "/api/stores/{store_id}/price-overrides/{product_id}", tag = "catalog",
    params(("store_id" = StoreId, Path, description = "Store id"), ("product_id" = ProductId, Path, description = "Product id")),
    responses((status = 204, description = "Removed")), security(("bearer" = [])))]
async fn remove_override(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((store, product)): ApiPath<(StoreId, ProductId)>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    store_of_org(&mut tx, &session, store).await?;
    if !session.principal.can_manage_store(store) {
        return Err(ApiError::forbidden(
            "only admins and this store's managers set its prices",
        ));
    }
    let old = catalog::store_price(&mut tx, store, product)
        .await?
        .ok_or_else(|| ApiError::not_found("price override"))?;
    catalog::remove_store_price(&mut tx, store, product).await?;
    catalog::record_price_change(&mut tx, &change(&session, store, product, Some(old), None))
        .await?;
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry(
            "product.store_price_removed",
            Some(("product", product.to_string())),
            json!({ "store_id": store, "from": old }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}
