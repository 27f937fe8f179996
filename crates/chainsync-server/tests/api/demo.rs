//! The demo chain at full scale: deterministic, consistent, and ready to sell.

use crate::support::on_both_backends;
use crate::support::{Backend, spawn_scaled};
use chainsync_server::demo::DemoScale;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(the_full_demo_chain_is_deterministic_and_ready_to_sell);

async fn the_full_demo_chain_is_deterministic_and_ready_to_sell(backend: Backend) {
    let app = spawn_scaled(backend, DemoScale::Full).await;
    let twin = spawn_scaled(backend, DemoScale::Full).await;
    let cashier = app.login("cashier1.ber@demo.local").await;
    let ber = app.store_id("BER").await;

    let cola = app.get(&cashier, "/api/products?q=cola").await;
    let twin_cola = twin
        .get(
            &twin.login("cashier1.ber@demo.local").await,
            "/api/products?q=cola",
        )
        .await;
    let shirts = app.get(&cashier, "/api/products?q=t-shirt&limit=200").await;
    let terminals = app
        .get(&cashier, &format!("/api/stores/{ber}/terminals"))
        .await;

    assert_eq!(
        cola.body["items"].as_array().unwrap().len(),
        3,
        "three brands"
    );
    // Everything but the creation time follows from the seed.
    let without_times = |body: &serde_json::Value| {
        let mut body = body.clone();
        for item in body["items"].as_array_mut().unwrap() {
            let item = item.as_object_mut().unwrap();
            item.remove("created_at");
            item.remove("updated_at");
        }
        body
    };
    assert_eq!(
        without_times(&cola.body),
        without_times(&twin_cola.body),
        "the same seed gives the same catalog, ids and barcodes"
    );
    let barcode = cola.body["items"][0]["barcodes"][0].as_str().unwrap();
    assert!(
        chainsync_domain::catalog::barcode(barcode).is_ok(),
        "seeded barcodes carry correct check digits"
    );
    assert!(
        shirts.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["variant_attributes"]["size"] == "M")
    );
    let terminal = terminals.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "BER-T1")
        .unwrap()["id"]
        .clone();
    for code in ["BER", "PAR", "AMS", "VIE", "MAD"] {
        let store = app.store_id(code).await.parse().unwrap();
        assert!(
            chainsync_storage::stock::projection_mismatches(
                &mut app.db.conn().await.unwrap(),
                store
            )
            .await
            .unwrap()
            .is_empty()
        );
    }

    // Scan a seeded barcode and sell it on a seeded till.
    let product = app
        .get(&cashier, &format!("/api/products/by-barcode/{barcode}"))
        .await;
    let before = app
        .get(
            &cashier,
            &format!(
                "/api/stores/{ber}/stock/{}",
                product.body["id"].as_str().unwrap()
            ),
        )
        .await
        .body["on_hand"]
        .as_i64()
        .unwrap();
    let sale = app
        .post(
            &cashier,
            &format!("/api/stores/{ber}/sales"),
            json!({ "id": uuid::Uuid::now_v7(), "terminal_id": terminal, "seq": 1, "occurred_at": chrono::Utc::now(), "receipt_number": "BER-T1-000001",
                    "lines": [{ "product_id": product.body["id"], "quantity": 2 }], "payments": [{ "kind": "cash", "tendered_minor": 5000 }] }),
        )
        .await;
    assert_eq!(sale.status, StatusCode::CREATED, "{:?}", sale.body);
    assert!(
        sale.body["cogs_minor"].as_i64().unwrap() > 0,
        "opening stock was received at cost"
    );
    let after = app
        .get(
            &cashier,
            &format!(
                "/api/stores/{ber}/stock/{}",
                product.body["id"].as_str().unwrap()
            ),
        )
        .await
        .body["on_hand"]
        .as_i64()
        .unwrap();
    assert_eq!(after, before - 2);
}
