//! The catalog API: `/api/products`, `/api/categories`, `/api/suppliers`, `/api/promotions`, and
//! store price overrides under `/api/stores/{store_id}/price-overrides`.
//!
//! Who may do what: everyone signed in reads products and categories (the till needs them);
//! admins and managers read suppliers; only admins change the catalog (it is shared by every
//! store); a store's price overrides are set by admins and that store's managers. Price changes
//! are kept in the price history and the audit log.

pub mod categories;
pub mod prices;
pub mod products;
pub mod promotions;
pub mod suppliers;

use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Session;
use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(products::router())
        .merge(categories::router())
        .merge(suppliers::router())
        .merge(prices::router())
        .merge(promotions::router())
}

pub(crate) fn require_admin(session: &Session) -> ApiResult<()> {
    if session.principal.is_org_admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("only admins change the catalog"))
    }
}

/// Maps a uniqueness conflict on `constraint` to a 409 naming `field`, other errors as usual.
pub(crate) fn conflict_on(
    constraint: &'static str,
    sqlite_columns: &'static str,
    code: &'static str,
    message: &'static str,
    field: &'static str,
) -> impl Fn(chainsync_storage::StorageError) -> ApiError {
    move |err| {
        if err.is_conflict_on(constraint, sqlite_columns) {
            ApiError::conflict(code, message).field(field)
        } else {
            err.into()
        }
    }
}
