//! `/api/products`: the organisation's products. Search by words of the name or brand, or by
//! SKU or barcode prefix; exact barcode lookup for scanners; variants grouped under a parent.
//!
//! Rules checked here (each a 4xx naming the field): SKUs and barcodes are unique in the
//! organisation; GTIN check digits are verified; the category, supplier and parent exist in the
//! organisation; a variant's parent is not itself a variant; every active store has a tax rate
//! for the product's tax class (otherwise the till could not price it).

use super::{conflict_on, require_admin};
use crate::http::common::{Auditor, PageParams, double_option, time};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::session::{ClientAddr, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::catalog as rules;
use chainsync_domain::ids::{CategoryId, ProductId, StoreId, SupplierId, UserId};
use chainsync_domain::pricing::SaleUnit;
use chainsync_domain::validation;
use chainsync_storage::catalog::{self, PriceChange, ProductQuery, ProductRecord};
use chainsync_storage::stores::{self, StoreScope};
use chainsync_storage::{Conn, audit, now_ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_products, create_product))
        .routes(routes!(get_product, update_product, deactivate_product))
        .routes(routes!(product_by_barcode))
        .routes(routes!(price_history))
}

/// A product as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    pub category_id: Option<CategoryId>,
    pub supplier_id: Option<SupplierId>,
    pub brand: Option<String>,
    /// `each` (counted) or `weighed` (quantities in thousandths, price per whole unit).
    pub unit: SaleUnit,
    /// The catalog price in minor units of the organisation's currency (tax as the store says).
    pub price_minor: i64,
    pub cost_minor: i64,
    pub tax_class: String,
    /// The product this one is a variant of.
    pub parent_id: Option<ProductId>,
    pub variant_attributes: BTreeMap<String, String>,
    pub barcodes: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn unit_of(text: &str) -> SaleUnit {
    if text == "weighed" {
        SaleUnit::Weighed
    } else {
        SaleUnit::Each
    }
}

fn unit_text(unit: SaleUnit) -> &'static str {
    match unit {
        SaleUnit::Each => "each",
        SaleUnit::Weighed => "weighed",
    }
}

impl From<&ProductRecord> for ProductView {
    fn from(p: &ProductRecord) -> Self {
        ProductView {
            id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            category_id: p.category_id,
            supplier_id: p.supplier_id,
            brand: p.brand.clone(),
            unit: unit_of(&p.unit),
            price_minor: p.price_minor,
            cost_minor: p.cost_minor,
            tax_class: p.tax_class.clone(),
            parent_id: p.parent_id,
            variant_attributes: p.variant_attributes.clone(),
            barcodes: p.barcodes.clone(),
            active: p.active,
            created_at: time(p.created_at),
            updated_at: time(p.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductList {
    pub items: Vec<ProductView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words that must each begin a word of the name or brand, the SKU, or a barcode.
    pub q: Option<String>,
    pub category_id: Option<CategoryId>,
    /// Only the variants of this product.
    pub parent_id: Option<ProductId>,
    /// Include deactivated products (default false).
    pub include_inactive: Option<bool>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Search products, in name order.
#[utoipa::path(get, path = "/api/products", tag = "catalog", params(SearchParams),
    responses((status = 200, description = "A page of products", body = ProductList)), security(("bearer" = [])))]
async fn search_products(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<ProductList>> {
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let query = ProductQuery {
        words: params
            .q
            .as_deref()
            .map(rules::query_words)
            .unwrap_or_default(),
        category_id: params.category_id,
        parent_id: params.parent_id,
        include_inactive: params.include_inactive.unwrap_or(false),
    };
    let result = catalog::search_products(
        &mut *state.db.conn().await?,
        session.user.org_id,
        &query,
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(Json(ProductList {
        items: result.items.iter().map(ProductView::from).collect(),
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProductRequest {
    #[schema(pattern = "^[A-Za-z0-9._/-]{1,64}$")]
    pub sku: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub category_id: Option<CategoryId>,
    pub supplier_id: Option<SupplierId>,
    pub brand: Option<String>,
    #[serde(default)]
    pub unit: SaleUnit,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub price_minor: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub cost_minor: i64,
    /// A tax class every active store has a rate for (e.g. `standard`).
    pub tax_class: String,
    pub parent_id: Option<ProductId>,
    #[serde(default)]
    pub variant_attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub barcodes: Vec<String>,
}

/// Checks the references and rules a product must satisfy inside the write transaction.
async fn check_product(conn: &mut Conn, session: &Session, p: &ProductRecord) -> ApiResult<()> {
    let org = session.user.org_id;
    if let Some(category) = p.category_id
        && catalog::get_category(conn, org, category).await?.is_none()
    {
        return Err(ApiError::unprocessable(
            "unknown_category",
            "no such category in your organisation",
        )
        .field("category_id"));
    }
    if let Some(supplier) = p.supplier_id
        && catalog::get_supplier(conn, org, supplier).await?.is_none()
    {
        return Err(ApiError::unprocessable(
            "unknown_supplier",
            "no such supplier in your organisation",
        )
        .field("supplier_id"));
    }
    if let Some(parent) = p.parent_id {
        let record = catalog::get_product(conn, org, parent)
            .await?
            .ok_or_else(|| {
                ApiError::unprocessable("unknown_product", "no such product in your organisation")
                    .field("parent_id")
            })?;
        if parent == p.id || record.parent_id.is_some() {
            return Err(ApiError::unprocessable(
                "invalid_parent",
                "a variant's parent must be a product that is not itself a variant",
            )
            .field("parent_id"));
        }
    }
    let all = stores::list(conn, org, &StoreScope::All, false, None, 10_000).await?;
    if let Some(store) = all
        .items
        .iter()
        .find(|s| !s.tax_rates.contains_key(&p.tax_class))
    {
        return Err(ApiError::unprocessable(
            "unknown_tax_class",
            format!(
                "store {} has no rate for tax class '{}': add it to the store first",
                store.code, p.tax_class
            ),
        )
        .field("tax_class"));
    }
    for (i, code) in p.barcodes.iter().enumerate() {
        if p.barcodes[..i].contains(code) {
            return Err(
                ApiError::unprocessable("duplicate_barcode", "the same barcode twice")
                    .field(format!("barcodes[{i}]")),
            );
        }
        if let Some(owner) = catalog::barcode_owner(conn, org, code).await?
            && owner != p.id
        {
            return Err(ApiError::conflict(
                "barcode_taken",
                format!("barcode {code} belongs to another product ({owner})"),
            )
            .field(format!("barcodes[{i}]")));
        }
    }
    Ok(())
}

fn barcodes(raw: &[String]) -> ApiResult<Vec<String>> {
    if raw.len() > 20 {
        return Err(ApiError::unprocessable(
            "too_many_barcodes",
            "at most 20 barcodes per product",
        )
        .field("barcodes"));
    }
    raw.iter()
        .enumerate()
        .map(|(i, b)| rules::barcode(b).map_err(|e| e.at(format!("barcodes[{i}]")).into()))
        .collect()
}

fn attributes(raw: &BTreeMap<String, String>) -> ApiResult<BTreeMap<String, String>> {
    if raw.len() > 8 {
        return Err(
            ApiError::unprocessable("too_many_attributes", "at most 8 variant attributes")
                .field("variant_attributes"),
        );
    }
    raw.iter()
        .map(|(k, v)| {
            let key_ok = (1..=32).contains(&k.len())
                && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !key_ok {
                return Err(ApiError::unprocessable(
                    "invalid_attribute",
                    "attribute names are 1 to 32 of a-z and _",
                )
                .field(format!("variant_attributes.{k}")));
            }
            let value =
                validation::name(v, 64).map_err(|e| e.at(format!("variant_attributes.{k}")))?;
            Ok((k.clone(), value))
        })
        .collect()
}

fn terms(p: &ProductRecord) -> std::collections::BTreeSet<String> {
    rules::search_terms(&p.name, p.brand.as_deref(), &p.sku, &p.barcodes)
}

const SKU_TAKEN: fn(chainsync_storage::StorageError) -> ApiError = |e| {
    conflict_on(
        "products_org_sku_key",
        "products.org_id, products.sku",
        "sku_taken",
        "another product has this SKU",
        "sku",
    )(e)
};

fn price_change(
    session: &Session,
    product: ProductId,
    store: Option<StoreId>,
    old: Option<i64>,
    new: Option<i64>,
) -> PriceChange {
    PriceChange {
        id: Uuid::now_v7(),
        org_id: session.user.org_id,
        product_id: product,
        store_id: store,
        old_price_minor: old,
        new_price_minor: new,
        changed_by: Some(session.user.id),
        changed_at: now_ms(),
    }
}

/// Create a product (admins).
#[utoipa::path(post, path = "/api/products", tag = "catalog", request_body = CreateProductRequest,
    responses((status = 201, description = "Created", body = ProductView)), security(("bearer" = [])))]
async fn create_product(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<CreateProductRequest>,
) -> ApiResult<(StatusCode, Json<ProductView>)> {
    require_admin(&session)?;
    let now = now_ms();
    let product = ProductRecord {
        id: ProductId::new(),
        org_id: session.user.org_id,
        sku: rules::sku(&body.sku).map_err(|e| e.at("sku"))?,
        name: validation::name(&body.name, 200).map_err(|e| e.at("name"))?,
        category_id: body.category_id,
        supplier_id: body.supplier_id,
        brand: validation::optional_text(body.brand.as_deref(), 100).map_err(|e| e.at("brand"))?,
        unit: unit_text(body.unit).to_owned(),
        price_minor: rules::amount_minor(body.price_minor).map_err(|e| e.at("price_minor"))?,
        cost_minor: rules::amount_minor(body.cost_minor).map_err(|e| e.at("cost_minor"))?,
        tax_class: rules::tax_class(&body.tax_class).map_err(|e| e.at("tax_class"))?,
        parent_id: body.parent_id,
        variant_attributes: attributes(&body.variant_attributes)?,
        active: true,
        barcodes: barcodes(&body.barcodes)?,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin_write().await?;
    check_product(&mut tx, &session, &product).await?;
    catalog::write_product(&mut tx, &product, &terms(&product))
        .await
        .map_err(SKU_TAKEN)?;
    catalog::record_price_change(
        &mut tx,
        &price_change(&session, product.id, None, None, Some(product.price_minor)),
    )
    .await?;
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry(
            "product.created",
            Some(("product", product.id.to_string())),
            json!({ "sku": product.sku, "price_minor": product.price_minor }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(ProductView::from(&product))))
}

/// One product.
#[utoipa::path(get, path = "/api/products/{product_id}", tag = "catalog", params(("product_id" = ProductId, Path, description = "Product id")),
    responses((status = 200, description = "The product", body = ProductView)), security(("bearer" = [])))]
async fn get_product(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<ProductId>,
) -> ApiResult<Json<ProductView>> {
    let product = catalog::get_product(&mut *state.db.conn().await?, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    Ok(Json(ProductView::from(&product)))
}

/// The product with exactly this barcode (what a scanner asks).
#[utoipa::path(get, path = "/api/products/by-barcode/{barcode}", tag = "catalog", params(("barcode" = String, Path, description = "A barcode")),
    responses((status = 200, description = "The product", body = ProductView)), security(("bearer" = [])))]
async fn product_by_barcode(
    State(state): State<AppState>,
    session: Session,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<ProductView>> {
    let product = catalog::product_by_barcode(
        &mut *state.db.conn().await?,
        session.user.org_id,
        code.trim(),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("product"))?;
    Ok(Json(ProductView::from(&product)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProductRequest {
    pub sku: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<CategoryId>, nullable)]
    pub category_id: Option<Option<CategoryId>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<SupplierId>, nullable)]
    pub supplier_id: Option<Option<SupplierId>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub brand: Option<Option<String>>,
    pub unit: Option<SaleUnit>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub price_minor: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub cost_minor: Option<i64>,
    pub tax_class: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<ProductId>, nullable)]
    pub parent_id: Option<Option<ProductId>>,
    pub variant_attributes: Option<BTreeMap<String, String>>,
    /// Replaces the barcodes.
    pub barcodes: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// Change a product (admins). A price change is kept in the price history.
#[utoipa::path(patch, path = "/api/products/{product_id}", tag = "catalog", params(("product_id" = ProductId, Path, description = "Product id")),
    request_body = UpdateProductRequest, responses((status = 200, description = "Updated", body = ProductView)), security(("bearer" = [])))]
async fn update_product(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<ProductId>,
    ApiJson(body): ApiJson<UpdateProductRequest>,
) -> ApiResult<Json<ProductView>> {
    let mut tx = state.db.begin_write().await?;
    let mut p = catalog::get_product(&mut tx, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    require_admin(&session)?;
    let before = serde_json::to_value(ProductView::from(&p)).map_err(ApiError::internal)?;
    let old_price = p.price_minor;
    if let Some(v) = &body.sku {
        p.sku = rules::sku(v).map_err(|e| e.at("sku"))?;
    }
    if let Some(v) = &body.name {
        p.name = validation::name(v, 200).map_err(|e| e.at("name"))?;
    }
    if let Some(v) = body.category_id {
        p.category_id = v;
    }
    if let Some(v) = body.supplier_id {
        p.supplier_id = v;
    }
    if let Some(v) = &body.brand {
        p.brand = validation::optional_text(v.as_deref(), 100).map_err(|e| e.at("brand"))?;
    }
    if let Some(v) = body.unit {
        p.unit = unit_text(v).to_owned();
    }
    if let Some(v) = body.price_minor {
        p.price_minor = rules::amount_minor(v).map_err(|e| e.at("price_minor"))?;
    }
    if let Some(v) = body.cost_minor {
        p.cost_minor = rules::amount_minor(v).map_err(|e| e.at("cost_minor"))?;
    }
    if let Some(v) = &body.tax_class {
        p.tax_class = rules::tax_class(v).map_err(|e| e.at("tax_class"))?;
    }
    if let Some(v) = body.parent_id {
        p.parent_id = v;
    }
    if let Some(v) = &body.variant_attributes {
        p.variant_attributes = attributes(v)?;
    }
    if let Some(v) = &body.barcodes {
        p.barcodes = barcodes(v)?;
    }
    if let Some(v) = body.active {
        p.active = v;
    }
    p.updated_at = now_ms();
    check_product(&mut tx, &session, &p).await?;
    catalog::write_product(&mut tx, &p, &terms(&p))
        .await
        .map_err(SKU_TAKEN)?;
    let auditor = Auditor::for_session(&session, ip);
    if p.price_minor != old_price {
        catalog::record_price_change(
            &mut tx,
            &price_change(&session, id, None, Some(old_price), Some(p.price_minor)),
        )
        .await?;
        audit::insert(
            &mut tx,
            &auditor.entry(
                "product.price_changed",
                Some(("product", id.to_string())),
                json!({ "from": old_price, "to": p.price_minor }),
            ),
        )
        .await?;
    }
    let after = serde_json::to_value(ProductView::from(&p)).map_err(ApiError::internal)?;
    let changes = crate::http::common::diff(&before, &after, &["updated_at", "price_minor"]);
    if !changes.is_empty() {
        audit::insert(
            &mut tx,
            &auditor.entry(
                "product.updated",
                Some(("product", id.to_string())),
                json!({ "changes": changes }),
            ),
        )
        .await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(ProductView::from(&p)))
}

/// Deactivate a product (admins): it leaves searches and the till; its history stays.
#[utoipa::path(delete, path = "/api/products/{product_id}", tag = "catalog", params(("product_id" = ProductId, Path, description = "Product id")),
    responses((status = 204, description = "Deactivated")), security(("bearer" = [])))]
async fn deactivate_product(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<ProductId>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    let mut p = catalog::get_product(&mut tx, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    require_admin(&session)?;
    if p.active {
        p.active = false;
        p.updated_at = now_ms();
        catalog::write_product(&mut tx, &p, &terms(&p)).await?;
        audit::insert(
            &mut tx,
            &Auditor::for_session(&session, ip).entry(
                "product.deactivated",
                Some(("product", id.to_string())),
                json!({}),
            ),
        )
        .await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceChangeView {
    pub id: Uuid,
    /// `null` for the catalog price; otherwise the store whose override changed.
    pub store_id: Option<StoreId>,
    pub old_price_minor: Option<i64>,
    /// `null` when a store override was removed.
    pub new_price_minor: Option<i64>,
    pub changed_by: Option<UserId>,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceHistory {
    pub items: Vec<PriceChangeView>,
    pub next_cursor: Option<String>,
}

/// A product's price changes, newest first (admins and managers).
#[utoipa::path(get, path = "/api/products/{product_id}/price-history", tag = "catalog",
    params(("product_id" = ProductId, Path, description = "Product id"), PageParams),
    responses((status = 200, description = "Price changes", body = PriceHistory)), security(("bearer" = [])))]
async fn price_history(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<ProductId>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<PriceHistory>> {
    let mut conn = state.db.conn().await?;
    catalog::get_product(&mut conn, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    if !session.principal.is_staff_manager() {
        return Err(ApiError::forbidden(
            "only admins and managers see price history",
        ));
    }
    let result = catalog::price_history(
        &mut conn,
        session.user.org_id,
        id,
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    let p = &session.principal;
    // Managers see catalog changes and their own stores' overrides.
    let visible = result
        .items
        .into_iter()
        .filter(|c| c.store_id.is_none_or(|s| p.can_view_store(s)));
    Ok(Json(PriceHistory {
        items: visible
            .map(|c| PriceChangeView {
                id: c.id,
                store_id: c.store_id,
                old_price_minor: c.old_price_minor,
                new_price_minor: c.new_price_minor,
                changed_by: c.changed_by,
                changed_at: time(c.changed_at),
            })
            .collect(),
        next_cursor: result.next_cursor,
    }))
}
