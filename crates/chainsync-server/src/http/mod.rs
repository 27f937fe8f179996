//! The HTTP API. Reading guide, in order:
//!
//! 1. [`error`]: the one error type and the JSON error shape every response shares.
//! 2. [`extract`]: body, path and query extractors whose rejections use that shape.
//! 3. [`session`]: bearer-token authentication; the user is loaded fresh on each request.
//! 4. [`common`]: pagination, time formatting, audit rows.
//! 5. One module per resource, each exposing `router()`: [`auth`], [`stores`], [`users`],
//!    [`audit`], [`catalog`] (products, categories, suppliers, store prices), [`terminals`],
//!    [`stock`] (levels, ledger, adjustments, receipts, counts), [`sales`] (with [`receipt`]),
//!    [`reports`] (KPIs, products, categories, P&L, stock value, staff, store comparison),
//!    [`imports`] (CSV files of products, stock counts, sales history),
//!    [`forecasts`] (forecasts, the model registry, training jobs; the work is
//!    [`crate::forecasting`]), [`realtime`] (the `/ws` WebSocket, tickets, announcements; the hub itself is
//!    [`crate::realtime`]), [`notifications`] (the caller's notifications and preferences),
//!    and [`ops`] (health, readiness, metrics).
//! 6. [`openapi`]: the spec, generated from the same route registrations as the router, so the
//!    two cannot drift.
//!
//! [`router`] assembles them with the cross-cutting layers: request ids, tracing, metrics,
//! panic catching, body limits, and JSON fallbacks for unknown routes and methods. Paths no
//! route matches go to [`crate::web::fallback`]: the web app's files, the single-page fallback
//! for app routes, or the JSON 404 (always, under `/api/`).

pub mod audit;
pub mod auth;
pub mod catalog;
pub mod common;
pub mod customers;
pub mod error;
pub mod extract;
pub mod forecasts;
pub mod imports;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod purchase_orders;
pub mod realtime;
pub mod receipt;
pub mod reports;
pub mod returns;
pub mod sales;
pub mod session;
pub mod session_cache;
pub mod shifts;
pub mod stock;
pub mod stores;
pub mod terminals;
pub mod transfers;
pub mod users;

use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use error::ApiError;
use std::time::Instant;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every documented route, with the spec they produce.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(ops::router())
        .merge(auth::router())
        .merge(stores::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(catalog::router())
        .merge(terminals::router())
        .merge(stock::router())
        .merge(sales::router())
        .merge(reports::router())
        .merge(imports::router())
        .merge(customers::router())
        .merge(shifts::router())
        .merge(returns::router())
        .merge(transfers::router())
        .merge(purchase_orders::router())
        .merge(realtime::router())
        .merge(notifications::router())
        .merge(forecasts::router())
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (routes, spec) = api_routes().split_for_parts();
    let spec = openapi::finish(spec);
    let max_body = state.settings.max_body_bytes;
    let app = routes
        .fallback(crate::web::fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        // API answers (tokens above all) must never be stored by browsers or proxies.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(middleware::from_fn_with_state(state.clone(), track_metrics))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            invalidate_caches,
        ))
        .with_state(state)
        .merge(openapi::docs_router(spec));
    app.layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(|_| ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let request_id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            // The path only: query strings may carry tokens.
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %request_id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([header::AUTHORIZATION, header::COOKIE]))
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept this method",
    )
}

/// The `POST` routes that leave the catalog, stores and promotions as they were: ringing up a
/// sale, and pricing a cart (which the till calls as the cart changes, and changes nothing).
const PRICING_CACHE_KEEPERS: [&str; 2] = [
    "/api/stores/{store_id}/sales",
    "/api/stores/{store_id}/price-cart",
];

/// Empties the sales' pricing cache after every request that may change the catalog, a store
/// or a promotion (any write but those above, see `retail::pricing_cache`), and the session
/// cache after every request that may change a user, a role or a session (any write but
/// `session_cache::KEEPERS`). Held across the handler, so a request cancelled after its commit
/// still empties them.
async fn invalidate_caches(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(request.method().as_str(), "GET" | "HEAD" | "OPTIONS");
    let route = (request.method() == axum::http::Method::POST)
        .then(|| request.extensions().get::<MatchedPath>())
        .flatten()
        .map(|p| p.as_str());
    let kept_by = |keepers: &[&str]| route.is_some_and(|r| keepers.contains(&r));
    let _pricing = (!safe && !kept_by(&PRICING_CACHE_KEEPERS))
        .then(|| crate::retail::pricing_cache::InvalidateOnDrop(&state.pricing_cache));
    let _sessions = (!safe && !kept_by(&session_cache::KEEPERS))
        .then(|| session_cache::InvalidateOnDrop(&state.session_cache));
    next.run(request).await
}

async fn track_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let writes = !matches!(request.method().as_str(), "GET" | "HEAD" | "OPTIONS");
    let response = next.run(request).await;
    if writes && response.status().is_success() {
        // The write may have raised domain events: wake the real-time relay now rather than
        // at its next poll.
        state.realtime.poke();
    }
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
