//! The OpenAPI document, served at `/api/openapi.json`, with an interactive page at
//! `/api/docs` (Swagger UI, bundled in the binary: no CDN).
//!
//! Paths come from the same `routes!` registrations that build the router. [`finish`] adds
//! the error responses every operation can return, so clients and schemathesis know them.

use super::error::ErrorBody;
use axum::Router;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Spec, Ref, RefOr};
use utoipa::{OpenApi, PartialSchema, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(title = "ChainSync API", description = "Retail chain platform: stores, staff, sales, stock, analytics. \
        Errors share one shape: {\"error\": {\"code\", \"message\", \"field\"}} (codes in docs/api-errors.md)."),
    tags(
        (name = "auth", description = "Sign in, tokens, password"),
        (name = "stores", description = "Stores of the organisation"),
        (name = "users", description = "Staff accounts and store roles"),
        (name = "audit", description = "Audit log"),
        (name = "catalog", description = "Products, categories, suppliers and store prices"),
        (name = "terminals", description = "Point-of-sale terminals of a store"),
        (name = "stock", description = "Stock levels, the stock ledger, adjustments, receipts and counts"),
        (name = "sales", description = "Sales (idempotent terminal mutations) and receipts"),
        (name = "reports", description = "KPIs, top products, categories, profit and loss, stock value, staff, store comparison (JSON or CSV)"),
        (name = "imports", description = "CSV imports of products, stock counts and sales history (dry run, per-row errors, all or nothing)"),
        (name = "forecasts", description = "Demand forecasts, the model registry (activate, roll back) and training jobs"),
        (name = "ops", description = "Health and metrics"),
    )
)]
struct ApiDoc;

pub fn base() -> Spec {
    ApiDoc::openapi()
}

/// (status, description) of the errors documented on every operation.
const COMMON_ERRORS: &[(&str, &str)] = &[
    ("400", "Malformed request (JSON syntax, path or query)"),
    ("401", "Missing, expired or invalid credentials"),
    ("403", "Your role may not do this"),
    ("404", "No such resource in your organisation"),
    ("405", "Method not allowed"),
    ("409", "Conflicts with the current state"),
    ("413", "Body too large"),
    ("415", "Body is not JSON"),
    ("422", "A field breaks a rule; `field` names it"),
    ("429", "Too many attempts; see Retry-After"),
    ("500", "Internal error"),
];

/// Adds the shared error schema and responses and the bearer scheme.
pub fn finish(mut spec: Spec) -> Spec {
    let components = spec.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert(ErrorBody::name().into_owned(), ErrorBody::schema());
    let mut detail = Vec::new();
    <ErrorBody as ToSchema>::schemas(&mut detail);
    for (name, schema) in detail {
        components.schemas.insert(name, schema);
    }
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    for item in spec.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            for (status, description) in COMMON_ERRORS {
                op.responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(*description)
                                .content(
                                    "application/json",
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                                        .build(),
                                )
                                .build(),
                        )
                    });
            }
        }
    }
    spec
}

/// `/api/openapi.json` and the `/api/docs` page.
pub fn docs_router(spec: Spec) -> Router {
    Router::from(SwaggerUi::new("/api/docs").url("/api/openapi.json", spec))
}
