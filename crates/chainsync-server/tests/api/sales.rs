//! Sales: recorded exactly once whatever is re-sent, in order per terminal, never refused for
//! business reasons after they happened, and leaving stock and cost exactly right.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, Reply, TestApp, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    a_sale_moves_stock_records_its_cost_and_prints_a_receipt,
    a_sale_resent_three_times_is_recorded_once,
    the_same_mutation_id_with_other_content_conflicts,
    a_mutation_id_another_organisation_used_is_a_plain_mutation_conflict,
    a_sequence_gap_answers_with_the_expected_seq,
    a_revoked_terminals_sale_is_quarantined_not_applied,
    a_stale_price_is_kept_and_flagged,
    twenty_terminals_selling_one_product_leave_stock_exact,
    bad_sales_get_the_right_error_and_change_nothing,
    a_catalog_change_prices_the_very_next_sale,
);

struct Shop {
    app: TestApp,
    cashier: Caller,
    store: String,
    terminal: String,
    rice: String,
}

/// BER with a product (rice, 2.99, reduced tax 7 %), 50 in stock at cost 1.20, and a terminal.
async fn shop(backend: Backend) -> Shop {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let rice = app.post(&admin, "/api/products", json!({ "sku": "RICE", "name": "Rice 1 kg", "price_minor": 299, "tax_class": "reduced" })).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let store = app.store_id("BER").await;
    let received = app
        .post(
            &admin,
            &format!("/api/stores/{store}/stock-receipts"),
            json!({ "lines": [{ "product_id": rice, "quantity": 50, "unit_cost_minor": 120 }] }),
        )
        .await;
    assert_eq!(received.status, StatusCode::CREATED);
    let terminal = app
        .post(
            &admin,
            &format!("/api/stores/{store}/terminals"),
            json!({ "code": "BER-T1", "name": "Till 1" }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cashier = app.login("cashier1.ber@demo.local").await;
    Shop {
        app,
        cashier,
        store,
        terminal,
        rice,
    }
}

fn sale(shop: &Shop, seq: i64, quantity: i64, payments: Value) -> Value {
    json!({
        "id": uuid::Uuid::now_v7(),
        "terminal_id": shop.terminal,
        "seq": seq,
        "occurred_at": chrono::Utc::now(),
        "receipt_number": format!("BER-T1-{seq:06}"),
        "lines": [{ "product_id": shop.rice, "quantity": quantity }],
        "payments": payments,
    })
}

async fn sell(shop: &Shop, body: &Value) -> Reply {
    shop.app
        .post(
            &shop.cashier,
            &format!("/api/stores/{}/sales", shop.store),
            body.clone(),
        )
        .await
}

async fn on_hand(shop: &Shop) -> i64 {
    shop.app
        .get(
            &shop.cashier,
            &format!("/api/stores/{}/stock/{}", shop.store, shop.rice),
        )
        .await
        .body["on_hand"]
        .as_i64()
        .unwrap()
}

async fn a_sale_moves_stock_records_its_cost_and_prints_a_receipt(backend: Backend) {
    let shop = shop(backend).await;

    let reply = sell(
        &shop,
        &sale(
            &shop,
            1,
            2,
            json!([{ "kind": "cash", "tendered_minor": 1000 }]),
        ),
    )
    .await;

    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let body = &reply.body;
    assert_eq!(
        (
            body["total_minor"].as_i64(),
            body["tax_minor"].as_i64(),
            body["cogs_minor"].as_i64()
        ),
        (Some(598), Some(39), Some(240))
    );
    assert_eq!(body["priced"]["settlement"]["change_minor"], 402);
    assert_eq!(body["status"], "completed");
    assert_eq!(on_hand(&shop).await, 48);
    let id = body["id"].as_str().unwrap();
    let receipt = shop
        .app
        .http
        .get(format!(
            "{}/api/stores/{}/sales/{id}/receipt",
            shop.app.base, shop.store
        ))
        .bearer_auth(shop.cashier.access.as_ref().unwrap())
        .send()
        .await
        .unwrap();
    assert!(
        receipt.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = receipt.text().await.unwrap();
    for expected in [
        "Berlin Mitte",
        "Rice 1 kg",
        "BER-T1-000001",
        "5.98",
        "Change",
        "4.02",
        "Tax 7.00%",
    ] {
        assert!(html.contains(expected), "receipt lacks {expected}");
    }
}

async fn a_sale_resent_three_times_is_recorded_once(backend: Backend) {
    let shop = shop(backend).await;
    let body = sale(
        &shop,
        1,
        3,
        json!([{ "kind": "card", "amount_minor": 897, "reference": "A-1" }]),
    );

    let first = sell(&shop, &body).await;
    let mut replays = Vec::new();
    for _ in 0..3 {
        replays.push(sell(&shop, &body).await);
    }

    assert_eq!(first.status, StatusCode::CREATED);
    for replay in &replays {
        assert_eq!(
            (replay.status, &replay.body),
            (first.status, &first.body),
            "a replay answers exactly as the first time"
        );
    }
    assert_eq!(on_hand(&shop).await, 47);
    let listed = shop
        .app
        .get(&shop.cashier, &format!("/api/stores/{}/sales", shop.store))
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    // The replays were rebuilt from the sale row: the mutation's record keeps no copy.
    let mutation_id: uuid::Uuid = body["id"].as_str().unwrap().parse().unwrap();
    let record = sqlx::query("SELECT http_status, result FROM mutations WHERE id = $1")
        .bind(mutation_id.to_string())
        .fetch_one(&mut *shop.app.db.conn().await.unwrap())
        .await
        .unwrap();
    let stored: (i64, String) = (
        sqlx::Row::try_get(&record, "http_status").unwrap(),
        sqlx::Row::try_get(&record, "result").unwrap(),
    );
    assert_eq!(stored, (201, String::new()));

    // A record written before that (its answer's body stored) is answered from what it stored.
    sqlx::query("UPDATE mutations SET result = $1 WHERE id = $2")
        .bind(json!({ "stored": "answer" }).to_string())
        .bind(mutation_id.to_string())
        .execute(&mut *shop.app.db.conn().await.unwrap())
        .await
        .unwrap();
    let old_record = sell(&shop, &body).await;
    assert_eq!(
        (old_record.status, old_record.body),
        (StatusCode::CREATED, json!({ "stored": "answer" }))
    );
    assert_eq!(on_hand(&shop).await, 47);
}

async fn the_same_mutation_id_with_other_content_conflicts(backend: Backend) {
    let shop = shop(backend).await;
    let mut body = sale(
        &shop,
        1,
        1,
        json!([{ "kind": "cash", "tendered_minor": 299 }]),
    );
    assert_eq!(sell(&shop, &body).await.status, StatusCode::CREATED);
    body["lines"][0]["quantity"] = json!(5);
    body["payments"] = json!([{ "kind": "cash", "tendered_minor": 1495 }]);

    let reply = sell(&shop, &body).await;

    assert_eq!(
        (reply.status, reply.code(), reply.field()),
        (StatusCode::CONFLICT, "mutation_conflict", "id")
    );
    assert_eq!(on_hand(&shop).await, 49);
}

async fn a_mutation_id_another_organisation_used_is_a_plain_mutation_conflict(backend: Backend) {
    // Arrange: a sale in BER, and a store, a product and a till of another organisation.
    let shop = shop(backend).await;
    let ours = sale(
        &shop,
        1,
        1,
        json!([{ "kind": "cash", "tendered_minor": 299 }]),
    );
    assert_eq!(sell(&shop, &ours).await.status, StatusCode::CREATED);
    let other = shop.app.other_org_admin().await;
    let made = |reply: Reply| {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_str().expect("id").to_owned()
    };
    let store = made(shop.app.post(&other, "/api/stores", json!({ "code": "OTH", "name": "Other", "country": "DE", "timezone": "Europe/Berlin", "tax_rates": { "standard": 1900 } })).await);
    let product = made(shop.app.post(&other, "/api/products", json!({ "sku": "T", "name": "Theirs", "price_minor": 100, "tax_class": "standard" })).await);
    let terminal = made(
        shop.app
            .post(
                &other,
                &format!("/api/stores/{store}/terminals"),
                json!({ "code": "OTH-T1", "name": "Till 1" }),
            )
            .await,
    );
    let mut theirs = json!({
        "id": ours["id"], "terminal_id": terminal, "seq": 1, "occurred_at": chrono::Utc::now(),
        "receipt_number": "OTH-T1-000001", "lines": [{ "product_id": product, "quantity": 1 }],
        "payments": [{ "kind": "cash", "tendered_minor": 100 }],
    });
    let path = format!("/api/stores/{store}/sales");

    // Act: the other organisation's till happens to send our sale's id.
    let reply = shop.app.post(&other, &path, theirs.clone()).await;

    // Assert: the documented answer to a reused id, naming no constraint, and nothing applied.
    assert_eq!(
        (reply.status, reply.code(), reply.field()),
        (StatusCode::CONFLICT, "mutation_conflict", "id"),
        "{}",
        reply.body
    );
    let message = reply.body["error"]["message"].as_str().expect("message");
    assert!(
        !message.contains("_key") && !message.contains("mutations"),
        "{message}"
    );
    theirs["id"] = json!(uuid::Uuid::now_v7());
    let fresh = shop.app.post(&other, &path, theirs).await;
    assert_eq!(
        fresh.status,
        StatusCode::CREATED,
        "seq 1 is still free: {}",
        fresh.body
    );
}

async fn a_sequence_gap_answers_with_the_expected_seq(backend: Backend) {
    let shop = shop(backend).await;
    let cash = json!([{ "kind": "cash", "tendered_minor": 299 }]);

    let gap = sell(&shop, &sale(&shop, 3, 1, cash.clone())).await;
    let first = sell(&shop, &sale(&shop, 1, 1, cash.clone())).await;
    let reused = sell(&shop, &sale(&shop, 1, 1, cash.clone())).await;
    let second = sell(&shop, &sale(&shop, 2, 1, cash)).await;

    assert_eq!(
        (gap.status, gap.code(), gap.field()),
        (StatusCode::CONFLICT, "sequence_gap", "seq")
    );
    assert!(
        gap.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expected seq 1")
    );
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(
        (reused.status, reused.code()),
        (StatusCode::CONFLICT, "sequence_reused"),
        "a new mutation cannot take a used seq"
    );
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(on_hand(&shop).await, 48);
}

async fn a_revoked_terminals_sale_is_quarantined_not_applied(backend: Backend) {
    let shop = shop(backend).await;
    let manager = shop.app.login("manager.ber@demo.local").await;
    let revoke = shop
        .app
        .call(
            &manager,
            Method::DELETE,
            &format!("/api/stores/{}/terminals/{}", shop.store, shop.terminal),
            None,
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);
    let body = sale(
        &shop,
        1,
        2,
        json!([{ "kind": "cash", "tendered_minor": 598 }]),
    );

    let reply = sell(&shop, &body).await;
    let replay = sell(&shop, &body).await;

    assert_eq!(
        (reply.status, reply.body["status"].as_str()),
        (StatusCode::ACCEPTED, Some("quarantined"))
    );
    assert_eq!((replay.status, &replay.body), (reply.status, &reply.body));
    assert_eq!(on_hand(&shop).await, 50, "no stock moved");
    let listed = shop
        .app
        .get(&shop.cashier, &format!("/api/stores/{}/sales", shop.store))
        .await;
    assert!(listed.body["items"].as_array().unwrap().is_empty());
}

async fn a_stale_price_is_kept_and_flagged(backend: Backend) {
    let shop = shop(backend).await;
    let mut body = sale(
        &shop,
        1,
        1,
        json!([{ "kind": "cash", "tendered_minor": 249 }]),
    );
    body["lines"][0]["unit_price_minor"] = json!(249);

    let reply = sell(&shop, &body).await;

    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(
        reply.body["total_minor"], 249,
        "the price charged at the till stands"
    );
    assert_eq!(reply.body["flags"], json!(["stale_price:0"]));

    // A till whose clock runs ahead, selling a product deactivated since it cached the
    // catalog: the sale happened, so it is kept, and flagged for review.
    let admin = shop.app.login("admin@demo.local").await;
    let deactivated = shop
        .app
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/products/{}", shop.rice),
            None,
        )
        .await;
    assert!(deactivated.status.is_success(), "{:?}", deactivated.body);
    let mut body = sale(
        &shop,
        2,
        1,
        json!([{ "kind": "cash", "tendered_minor": 299 }]),
    );
    body["occurred_at"] = json!(chrono::Utc::now() + chrono::Duration::days(365));
    let reply = sell(&shop, &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(
        reply.body["flags"],
        json!(["inactive_product:0", "clock_ahead"])
    );
    assert_eq!(on_hand(&shop).await, 48, "both sales moved stock");
}

async fn twenty_terminals_selling_one_product_leave_stock_exact(backend: Backend) {
    let shop = std::sync::Arc::new(shop(backend).await);
    let admin = shop.app.login("admin@demo.local").await;
    let mut terminals = Vec::new();
    for i in 0..20 {
        let t = shop
            .app
            .post(
                &admin,
                &format!("/api/stores/{}/terminals", shop.store),
                json!({ "code": format!("C{i}"), "name": "Till" }),
            )
            .await;
        terminals.push(t.body["id"].as_str().unwrap().to_owned());
    }
    let tasks: Vec<_> = terminals
        .into_iter()
        .enumerate()
        .map(|(i, terminal)| {
            let shop = shop.clone();
            tokio::spawn(async move {
                let body = json!({
                    "id": uuid::Uuid::now_v7(), "terminal_id": terminal, "seq": 1, "occurred_at": chrono::Utc::now(),
                    "receipt_number": format!("C{i}-1"), "lines": [{ "product_id": shop.rice, "quantity": 3 }],
                    "payments": [{ "kind": "cash", "tendered_minor": 1000 }],
                });
                // Each terminal also delivers its sale twice at once, as a flaky network would.
                let (a, b) = tokio::join!(sell(&shop, &body), sell(&shop, &body));
                assert_eq!((a.status, b.status), (StatusCode::CREATED, StatusCode::CREATED), "{:?} {:?}", a.body, b.body);
                assert_eq!(a.body, b.body);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }

    assert_eq!(
        on_hand(&shop).await,
        50 - 60,
        "oversold by 10, recorded, not refused"
    );
    let store = shop.store.parse().unwrap();
    assert!(
        chainsync_storage::stock::projection_mismatches(
            &mut shop.app.db.conn().await.unwrap(),
            store
        )
        .await
        .unwrap()
        .is_empty()
    );
    let listed = shop
        .app
        .get(
            &shop.cashier,
            &format!("/api/stores/{}/sales?limit=200", shop.store),
        )
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 20);
}

async fn bad_sales_get_the_right_error_and_change_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let other = shop.app.other_org_admin().await;
    let theirs = shop
        .app
        .post(
            &other,
            "/api/products",
            json!({ "sku": "T", "name": "Theirs", "price_minor": 100, "tax_class": "x" }),
        )
        .await
        .body["id"]
        .clone();
    let cash = json!([{ "kind": "cash", "tendered_minor": 10_000 }]);
    let with = |patch: Value| {
        let mut body = sale(&shop, 1, 1, cash.clone());
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            with(json!({ "lines": [{ "product_id": shop.rice, "quantity": 0 }] })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].quantity",
        ),
        (
            with(json!({ "lines": [{ "product_id": shop.rice, "quantity": -2 }] })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].quantity",
        ),
        (
            with(json!({ "lines": [{ "product_id": uuid::Uuid::now_v7(), "quantity": 1 }] })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].product_id",
        ),
        (
            with(json!({ "lines": [{ "product_id": theirs, "quantity": 1 }] })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].product_id",
        ),
        (
            with(json!({ "lines": [] })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines",
        ),
        (
            with(
                json!({ "payments": [{ "kind": "card", "amount_minor": 100, "reference": "X" }] }),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "payments",
        ),
        (
            with(json!({ "receipt_number": "PAR-T9-1" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "receipt_number",
        ),
        (
            with(json!({ "terminal_id": uuid::Uuid::now_v7() })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "terminal_id",
        ),
    ];
    for (body, status, field) in cases {
        let reply = sell(&shop, &body).await;
        assert_eq!(
            (reply.status, reply.field().split('.').next().unwrap_or("")),
            (status, field.split('.').next().unwrap()),
            "{field}: {:?}",
            reply.body
        );
        assert!(
            reply.field().starts_with(field.split('[').next().unwrap()),
            "{field}: {:?}",
            reply.body
        );
    }
    // A receipt number used twice by one terminal.
    assert_eq!(
        sell(&shop, &sale(&shop, 1, 1, cash.clone())).await.status,
        StatusCode::CREATED
    );
    let mut dup = sale(&shop, 2, 1, cash.clone());
    dup["receipt_number"] = json!("BER-T1-000001");
    let reply = sell(&shop, &dup).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::CONFLICT, "receipt_number_taken")
    );
    // Another store's cashier cannot sell in Berlin.
    let paris = shop.app.login("cashier1.par@demo.local").await;
    let reply = shop
        .app
        .post(
            &paris,
            &format!("/api/stores/{}/sales", shop.store),
            sale(&shop, 2, 1, cash),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        on_hand(&shop).await,
        49,
        "only the one good sale moved stock"
    );
}

mod price_cart {
    use super::*;

    on_both_backends!(pricing_a_cart_matches_the_sale_and_changes_nothing);

    async fn pricing_a_cart_matches_the_sale_and_changes_nothing(backend: Backend) {
        let shop = shop(backend).await;
        let path = format!("/api/stores/{}/price-cart", shop.store);
        let lines = json!([{ "product_id": shop.rice, "quantity": 3, "discount": { "kind": "percent", "percent_bps": 1000 } }]);

        let quote = shop
            .app
            .post(
                &shop.cashier,
                &path,
                json!({ "lines": lines, "payments": [{ "kind": "cash", "tendered_minor": 1000 }] }),
            )
            .await;
        let empty = shop
            .app
            .post(&shop.cashier, &path, json!({ "lines": [] }))
            .await;
        let unknown = shop
            .app
            .post(
                &shop.cashier,
                &path,
                json!({ "lines": [{ "product_id": uuid::Uuid::now_v7(), "quantity": 1 }] }),
            )
            .await;

        assert_eq!(quote.status, StatusCode::OK, "{:?}", quote.body);
        let total = quote.body["priced"]["totals"]["total_minor"]
            .as_i64()
            .unwrap();
        assert_eq!(total, 807, "3 × 2.99 = 8.97, less 10 % = 8.07");
        assert_eq!(quote.body["priced"]["settlement"]["change_minor"], 193);
        assert_eq!(
            (empty.status, empty.field()),
            (StatusCode::UNPROCESSABLE_ENTITY, "lines")
        );
        assert_eq!(
            (unknown.status, unknown.field()),
            (StatusCode::UNPROCESSABLE_ENTITY, "lines[0].product_id")
        );
        assert_eq!(on_hand(&shop).await, 50, "pricing moves no stock");

        let mut body = sale(
            &shop,
            1,
            3,
            json!([{ "kind": "cash", "tendered_minor": 1000 }]),
        );
        body["lines"] = lines;
        let sold = sell(&shop, &body).await;
        assert_eq!(
            sold.body["total_minor"].as_i64(),
            Some(total),
            "the sale charges what the quote said"
        );
    }
}

/// Sales are priced from a cache of the catalog (`retail::pricing_cache`): a change made through
/// this server must price the next sale, with no delay. Each step sells first, so the cache
/// holds the old catalog when the change arrives.
async fn a_catalog_change_prices_the_very_next_sale(backend: Backend) {
    let shop = shop(backend).await;
    let admin = shop.app.login("admin@demo.local").await;
    let cash = |amount: i64| json!([{ "kind": "cash", "tendered_minor": amount }]);
    let first = sell(&shop, &sale(&shop, 1, 1, cash(299))).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(first.body["total_minor"], 299);
    // Neither a sale nor pricing a cart changes a price: both are priced from the cache.
    let hits = cache_hits(&shop).await;
    let cart = shop
        .app
        .post(
            &shop.cashier,
            &format!("/api/stores/{}/price-cart", shop.store),
            json!({ "lines": [{ "product_id": shop.rice, "quantity": 1 }] }),
        )
        .await;
    assert_eq!(cart.status, StatusCode::OK, "{:?}", cart.body);
    let again = sell(&shop, &sale(&shop, 2, 1, cash(299))).await;
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
    assert_eq!(
        cache_hits(&shop).await,
        hits + 2,
        "a sale and a priced cart leave the cache as it was"
    );

    // The organisation's price.
    let changed = shop
        .app
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/products/{}", shop.rice),
            Some(json!({ "price_minor": 349 })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    let second = sell(&shop, &sale(&shop, 3, 1, cash(349))).await;
    assert_eq!(second.status, StatusCode::CREATED, "{:?}", second.body);
    assert_eq!(second.body["total_minor"], 349, "the new price, at once");
    assert_eq!(second.body["flags"], json!([]));

    // The store's own price.
    let overridden = shop
        .app
        .call(
            &admin,
            Method::PUT,
            &format!("/api/stores/{}/price-overrides/{}", shop.store, shop.rice),
            Some(json!({ "price_minor": 329 })),
        )
        .await;
    assert!(overridden.status.is_success(), "{:?}", overridden.body);
    let third = sell(&shop, &sale(&shop, 4, 1, cash(329))).await;
    assert_eq!(third.status, StatusCode::CREATED, "{:?}", third.body);
    assert_eq!(third.body["total_minor"], 329, "the store's price, at once");

    // A promotion.
    let promotion = shop
        .app
        .post(
            &admin,
            "/api/promotions",
            json!({ "name": "Rice week", "priority": 1, "rule": { "kind": "percentage", "percent_bps": 1000 }, "scope": { "kind": "product", "product_ids": [shop.rice] } }),
        )
        .await;
    assert_eq!(
        promotion.status,
        StatusCode::CREATED,
        "{:?}",
        promotion.body
    );
    let fourth = sell(&shop, &sale(&shop, 5, 1, cash(329))).await;
    assert_eq!(fourth.status, StatusCode::CREATED, "{:?}", fourth.body);
    assert_eq!(
        fourth.body["total_minor"], 296,
        "10 % off 3.29, at once: {:?}",
        fourth.body
    );
}

/// `pricing_cache_lookups_total{result="hit"}` from the server's metrics.
async fn cache_hits(shop: &Shop) -> u64 {
    shop.app
        .metrics()
        .await
        .lines()
        .find_map(|l| l.strip_prefix("pricing_cache_lookups_total{result=\"hit\"} "))
        .map_or(0, |n| n.trim().parse().unwrap())
}
