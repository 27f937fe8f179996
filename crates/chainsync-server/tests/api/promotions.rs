//! Promotions: stored only when valid, applied to quotes and sales while active and in schedule.

use crate::support::on_both_backends;
use crate::support::{Backend, spawn};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    an_active_promotion_prices_quotes_until_it_ends,
    invalid_promotions_are_refused_and_change_nothing
);

async fn an_active_promotion_prices_quotes_until_it_ends(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let dairy = app
        .post(&admin, "/api/categories", json!({ "name": "Dairy" }))
        .await
        .body["id"]
        .clone();
    let milk = app.post(&admin, "/api/products", json!({ "sku": "MILK", "name": "Milk", "price_minor": 200, "tax_class": "reduced", "category_id": dairy })).await.body["id"].clone();
    let ber = app.store_id("BER").await;
    assert_eq!(quote(&app, &admin, &ber, &milk).await, 400);

    let created = app
        .post(&admin, "/api/promotions", json!({ "name": "Dairy week", "priority": 1, "rule": { "kind": "percentage", "percent_bps": 2500 }, "scope": { "kind": "category", "category_ids": [dairy] } }))
        .await;
    let future = app
        .post(&admin, "/api/promotions", json!({ "name": "Next year", "priority": 9, "rule": { "kind": "percentage", "percent_bps": 9000 }, "scope": { "kind": "all" }, "schedule": { "starts_at": "2099-01-01T00:00:00Z" } }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(future.status, StatusCode::CREATED);
    let cashier = app.login("cashier1.ber@demo.local").await;
    assert_eq!(
        quote(&app, &cashier, &ber, &milk).await,
        300,
        "25 % off dairy; the 2099 promotion is not in its window"
    );
    let listed = app.get(&cashier, "/api/promotions").await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        2,
        "the till can show them"
    );

    let id = created.body["id"].as_str().unwrap();
    let ended = app
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/promotions/{id}"),
            None,
        )
        .await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    assert_eq!(
        quote(&app, &cashier, &ber, &milk).await,
        400,
        "an ended promotion stops applying at once"
    );
    assert_eq!(app.audit("promotion.").await.len(), 3);
}

async fn invalid_promotions_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let cases = [
        (
            json!({ "name": "Too much", "rule": { "kind": "percentage", "percent_bps": 20000 }, "scope": { "kind": "all" } }),
            "invalid_promotion",
        ),
        (
            json!({ "name": "Nobody's", "rule": { "kind": "percentage", "percent_bps": 1000 }, "scope": { "kind": "product", "product_ids": [uuid::Uuid::now_v7()] } }),
            "unknown_product",
        ),
        (
            json!({ "name": "Backwards", "rule": { "kind": "percentage", "percent_bps": 1000 }, "scope": { "kind": "all" }, "schedule": { "starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z" } }),
            "invalid_schedule",
        ),
        (
            json!({ "name": "Typo", "rule": { "kind": "half_off" }, "scope": { "kind": "all" } }),
            "invalid_field",
        ),
    ];
    for (body, code) in cases {
        let reply = app.post(&admin, "/api/promotions", body).await;
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, code),
            "{:?}",
            reply.body
        );
    }
    let cashier = app.login("cashier1.ber@demo.local").await;
    let not_allowed = app.post(&cashier, "/api/promotions", json!({ "name": "Mine", "rule": { "kind": "percentage", "percent_bps": 1000 }, "scope": { "kind": "all" } })).await;
    assert_eq!(not_allowed.status, StatusCode::FORBIDDEN);
    assert!(
        app.get(&admin, "/api/promotions?include_inactive=true")
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// The total the store would charge for two of `product` now.
async fn quote(
    app: &crate::support::TestApp,
    caller: &crate::support::Caller,
    store: &str,
    product: &serde_json::Value,
) -> i64 {
    let body = json!({ "lines": [{ "product_id": product, "quantity": 2 }] });
    let reply = app
        .post(caller, &format!("/api/stores/{store}/price-cart"), body)
        .await;
    reply.body["priced"]["totals"]["total_minor"]
        .as_i64()
        .expect("a priced total")
}
