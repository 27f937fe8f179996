//! Bad input gets a clear error naming the field, and changes nothing.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, spawn};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    malformed_and_mistyped_bodies_are_refused_with_the_field,
    oversized_bodies_are_refused_with_413,
    bad_paths_queries_and_routes_get_json_errors,
    invalid_values_name_their_field_and_change_nothing,
    another_organisations_ids_are_not_found,
);

async fn malformed_and_mistyped_bodies_are_refused_with_the_field(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;

    let syntax = app
        .raw(
            &admin,
            Method::POST,
            "/api/stores",
            "application/json",
            b"{\"code\": ".to_vec(),
        )
        .await;
    let trailing = app
        .raw(
            &admin,
            Method::POST,
            "/api/auth/logout",
            "application/json",
            b"{} {}".to_vec(),
        )
        .await;
    let not_json = app
        .raw(
            &admin,
            Method::POST,
            "/api/stores",
            "text/plain",
            b"code=BER".to_vec(),
        )
        .await;
    let wrong_type = app.post(&admin, "/api/stores", json!({ "code": 12, "name": "x", "country": "DE", "timezone": "Europe/Berlin", "tax_rates": {} })).await;
    let unknown = app.post(&admin, "/api/stores", json!({ "code": "X", "name": "x", "country": "DE", "timezone": "Europe/Berlin", "tax_rates": {}, "colour": "red" })).await;
    let missing = app
        .post(
            &admin,
            "/api/stores",
            json!({ "code": "X", "country": "DE", "timezone": "Europe/Berlin", "tax_rates": {} }),
        )
        .await;
    let nested = app.post(&admin, "/api/users", json!({ "email": "a@b.co", "display_name": "A", "memberships": [{ "store_id": "not-a-uuid", "role": "cashier" }] })).await;
    let bad_enum = app.post(&admin, "/api/users", json!({ "email": "a@b.co", "display_name": "A", "memberships": [{ "store_id": app.store_id("BER").await, "role": "owner" }] })).await;

    assert_eq!(
        (syntax.status, syntax.code()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    assert_eq!(
        (trailing.status, trailing.code()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    assert_eq!(
        (not_json.status, not_json.code()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    assert_eq!(
        (wrong_type.status, wrong_type.code(), wrong_type.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", "code")
    );
    assert_eq!(
        (unknown.status, unknown.code(), unknown.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_field", "colour")
    );
    assert_eq!(
        (missing.status, missing.code(), missing.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "missing_field", "name")
    );
    assert_eq!(
        (nested.status, nested.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "memberships[0].store_id")
    );
    assert_eq!(
        (bad_enum.status, bad_enum.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "memberships[0].role")
    );
    let stores = app.get(&admin, "/api/stores?limit=200").await;
    assert_eq!(
        stores.body["items"].as_array().unwrap().len(),
        5,
        "nothing was created"
    );
}

async fn oversized_bodies_are_refused_with_413(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(300 * 1024));

    let reply = app
        .raw(
            &admin,
            Method::POST,
            "/api/stores",
            "application/json",
            huge.into_bytes(),
        )
        .await;
    // Refused from the declared length, before any of the body is read.
    let login = app
        .declared_body(&Caller::anonymous(), "/api/auth/login", 2 * 1024 * 1024)
        .await;
    let store = app
        .declared_body(&admin, "/api/stores", 64 * 1024 * 1024)
        .await;

    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    assert_eq!(login.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        (store.status, store.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
}

async fn bad_paths_queries_and_routes_get_json_errors(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;

    let bad_id = app.get(&admin, "/api/stores/not-a-uuid").await;
    let bad_limit = app.get(&admin, "/api/stores?limit=abc").await;
    let zero_limit = app.get(&admin, "/api/stores?limit=0").await;
    let huge_limit = app.get(&admin, "/api/users?limit=100000").await;
    let bad_cursor = app.get(&admin, "/api/users?cursor=zzz").await;
    let bad_time = app.get(&admin, "/api/audit?from=yesterday").await;
    let no_route = app.get(&admin, "/api/nothing-here").await;
    let wrong_method = app.call(&admin, Method::PUT, "/api/stores", None).await;

    assert_eq!(
        (bad_id.status, bad_id.code()),
        (StatusCode::BAD_REQUEST, "invalid_path")
    );
    assert_eq!(
        (bad_limit.status, bad_limit.code(), bad_limit.field()),
        (StatusCode::BAD_REQUEST, "invalid_query", "limit")
    );
    assert_eq!(
        (zero_limit.status, zero_limit.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "limit")
    );
    assert_eq!(huge_limit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (bad_cursor.status, bad_cursor.code()),
        (StatusCode::BAD_REQUEST, "invalid_cursor")
    );
    assert_eq!(
        (bad_time.status, bad_time.field()),
        (StatusCode::BAD_REQUEST, "from")
    );
    assert_eq!(
        (no_route.status, no_route.code()),
        (StatusCode::NOT_FOUND, "route_not_found")
    );
    assert_eq!(
        (wrong_method.status, wrong_method.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    assert!(no_route.headers.contains_key("x-request-id"));
}

async fn invalid_values_name_their_field_and_change_nothing(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let store = |patch: serde_json::Value| {
        let mut base = json!({ "code": "NEW", "name": "New", "country": "DE", "timezone": "Europe/Berlin", "tax_rates": { "standard": 1900 } });
        base.as_object_mut()
            .unwrap()
            .extend(patch.as_object().unwrap().clone());
        base
    };
    let cases = [
        (store(json!({ "code": "has space" })), "code"),
        (store(json!({ "name": "   " })), "name"),
        (store(json!({ "country": "Germany" })), "country"),
        (store(json!({ "timezone": "Mars/Olympus" })), "timezone"),
        (store(json!({ "currency": "XXX" })), "currency"),
        (
            store(json!({ "tax_rates": { "standard": 10001 } })),
            "tax_rates.standard",
        ),
        (
            store(json!({ "tax_rates": { "Bad Class": 100 } })),
            "tax_rates.Bad Class",
        ),
    ];
    for (body, field) in cases {
        let reply = app.post(&admin, "/api/stores", body).await;
        assert_eq!(
            (reply.status, reply.field()),
            (StatusCode::UNPROCESSABLE_ENTITY, field),
            "{:?}",
            reply.body
        );
    }
    let email = app
        .post(
            &admin,
            "/api/users",
            json!({ "email": "not an email", "display_name": "X" }),
        )
        .await;
    assert_eq!(
        (email.status, email.code(), email.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_email", "email")
    );
    let unknown_store = app.post(&admin, "/api/users", json!({ "email": "x@y.co", "display_name": "X", "memberships": [{ "store_id": "0190f000-0000-7000-8000-000000000000", "role": "cashier" }] })).await;
    assert_eq!(
        (unknown_store.status, unknown_store.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_store")
    );

    assert_eq!(
        app.get(&admin, "/api/stores?limit=200").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert!(app.audit("store.").await.is_empty() && app.audit("user.").await.is_empty());
}

async fn another_organisations_ids_are_not_found(backend: Backend) {
    let app = spawn(backend).await;
    let other = app.other_org_admin().await;
    let ber = app.store_id("BER").await;
    let cashier = app.user_id("cashier1.ber@demo.local").await;

    let store = app.get(&other, &format!("/api/stores/{ber}")).await;
    let user = app.get(&other, &format!("/api/users/{cashier}")).await;
    let list = app.get(&other, "/api/stores").await;
    let audit = app.get(&other, "/api/audit").await;

    assert_eq!(
        (store.status, store.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert_eq!(user.status, StatusCode::NOT_FOUND);
    assert!(list.body["items"].as_array().unwrap().is_empty());
    assert!(
        audit.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_label"] == "admin@other.test")
    );
}
