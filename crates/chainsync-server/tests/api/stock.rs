//! Terminals and stock through the API: receipts set the average cost, adjustments need a
//! reason that fits their direction, counts correct as of their time, reorder alerts reach the
//! outbox, and the projection always equals the ledger.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, TestApp, spawn};
use chainsync_storage::events::{self, Position};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    receipts_adjustments_and_counts_keep_the_ledger_and_levels_equal,
    a_count_entered_after_a_later_one_does_not_correct_twice,
    crossing_the_reorder_point_raises_one_event,
    bad_stock_input_names_the_field_and_changes_nothing,
    terminals_register_with_unique_codes_and_revoke,
);

async fn setup(app: &TestApp) -> (Caller, String, String) {
    let admin = app.login("admin@demo.local").await;
    let product = app.post(&admin, "/api/products", json!({ "sku": "RICE", "name": "Rice 1 kg", "price_minor": 299, "tax_class": "reduced" })).await;
    assert_eq!(product.status, StatusCode::CREATED);
    let manager = app.login("manager.ber@demo.local").await;
    (
        manager,
        app.store_id("BER").await,
        product.body["id"].as_str().unwrap().to_owned(),
    )
}

async fn level(app: &TestApp, caller: &Caller, store: &str, product: &str) -> Value {
    app.get(caller, &format!("/api/stores/{store}/stock/{product}"))
        .await
        .body
}

async fn receipts_adjustments_and_counts_keep_the_ledger_and_levels_equal(backend: Backend) {
    let app = spawn(backend).await;
    let (manager, ber, rice) = setup(&app).await;
    let path = |p: &str| format!("/api/stores/{ber}/{p}");

    let r1 = app.post(&manager, &path("stock-receipts"), json!({ "reference": "DN-1", "lines": [{ "product_id": rice, "quantity": 10, "unit_cost_minor": 100 }] })).await;
    let r2 = app
        .post(
            &manager,
            &path("stock-receipts"),
            json!({ "lines": [{ "product_id": rice, "quantity": 10, "unit_cost_minor": 200 }] }),
        )
        .await;
    let damaged = app
        .post(
            &manager,
            &path("stock-adjustments"),
            json!({ "product_id": rice, "quantity": -2, "reason": "damaged", "note": "bag torn" }),
        )
        .await;
    let counted = app.post(&manager, &path("stock-counts"), json!({ "counted_at": chrono::Utc::now(), "lines": [{ "product_id": rice, "counted": 15 }] })).await;
    let again = app.post(&manager, &path("stock-counts"), json!({ "counted_at": chrono::Utc::now(), "lines": [{ "product_id": rice, "counted": 15 }] })).await;

    assert_eq!(r1.status, StatusCode::CREATED, "{:?}", r1.body);
    assert_eq!(r2.body["movements"][0]["on_hand_after"], 20);
    assert_eq!(damaged.body["movements"][0]["on_hand_after"], 18);
    assert_eq!(counted.body["movements"][0]["quantity"], -3);
    assert!(
        again.body["movements"].as_array().unwrap().is_empty(),
        "a matching count records nothing"
    );
    let stock = level(&app, &manager, &ber, &rice).await;
    assert_eq!(
        (stock["on_hand"].as_i64(), stock["avg_cost_minor"].as_i64()),
        (Some(15), Some(150))
    );
    let history = app
        .get(
            &manager,
            &path(&format!("stock-movements?product_id={rice}")),
        )
        .await;
    let kinds: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["count_correction", "adjustment", "receipt", "receipt"]
    );
    assert_eq!(history.body["items"][1]["reason"], "damaged: bag torn");
    let ber_id = ber.parse().unwrap();
    assert!(
        chainsync_storage::stock::projection_mismatches(&mut app.db.conn().await.unwrap(), ber_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(app.audit("stock.").await.len(), 5);
    // A cashier sees the level but not the ledger, and cannot write.
    let cashier = app.login("cashier1.ber@demo.local").await;
    assert_eq!(level(&app, &cashier, &ber, &rice).await["on_hand"], 15);
    assert_eq!(
        app.get(&cashier, &path("stock-movements")).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn a_count_entered_after_a_later_one_does_not_correct_twice(backend: Backend) {
    let app = spawn(backend).await;
    let (manager, ber, rice) = setup(&app).await;
    let path = |p: &str| format!("/api/stores/{ber}/{p}");
    let received = app
        .post(
            &manager,
            &path("stock-receipts"),
            json!({ "lines": [{ "product_id": rice, "quantity": 20, "unit_cost_minor": 100 }] }),
        )
        .await;
    assert_eq!(received.status, StatusCode::CREATED, "{:?}", received.body);
    let history = app
        .get(
            &manager,
            &path(&format!("stock-movements?product_id={rice}")),
        )
        .await;
    let received_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(history.body["items"][0]["occurred_at"].clone()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // Two people counted 15 on the shelf, the second one first entered; the first one's sheet
    // (taken earlier, after the delivery) arrives late. The shelf lost 5 once.
    let later_at = chrono::Utc::now();
    let later = app
        .post(
            &manager,
            &path("stock-counts"),
            json!({ "counted_at": later_at, "lines": [{ "product_id": rice, "counted": 15 }] }),
        )
        .await;
    assert_eq!(
        later.body["movements"][0]["quantity"], -5,
        "{:?}",
        later.body
    );
    let earlier = received_at + chrono::Duration::milliseconds(5);
    let late = app
        .post(
            &manager,
            &path("stock-counts"),
            json!({ "counted_at": earlier, "lines": [{ "product_id": rice, "counted": 15 }] }),
        )
        .await;
    assert_eq!(late.status, StatusCode::CREATED, "{:?}", late.body);
    assert_eq!(
        (
            late.body["movements"][0]["quantity"].as_i64(),
            late.body["movements"][0]["on_hand_after"].as_i64()
        ),
        (Some(-5), Some(15)),
        "{:?}",
        late.body
    );
    let stock = level(&app, &manager, &ber, &rice).await;
    assert_eq!(stock["on_hand"], 15);
    // The latest count's time, not the one entered last.
    let last_counted: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(stock["last_counted_at"].clone()).unwrap();
    assert_eq!(last_counted.timestamp_millis(), later_at.timestamp_millis());
    let history = app
        .get(
            &manager,
            &path(&format!("stock-movements?product_id={rice}")),
        )
        .await;
    let corrections: Vec<i64> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "count_correction")
        .map(|m| m["quantity"].as_i64().unwrap())
        .collect();
    assert_eq!(corrections.iter().sum::<i64>(), -5, "{corrections:?}");
    assert!(
        chainsync_storage::stock::projection_mismatches(
            &mut app.db.conn().await.unwrap(),
            ber.parse().unwrap()
        )
        .await
        .unwrap()
        .is_empty()
    );
}

async fn crossing_the_reorder_point_raises_one_event(backend: Backend) {
    let app = spawn(backend).await;
    let (manager, ber, rice) = setup(&app).await;
    let path = |p: &str| format!("/api/stores/{ber}/{p}");
    app.post(
        &manager,
        &path("stock-receipts"),
        json!({ "lines": [{ "product_id": rice, "quantity": 8, "unit_cost_minor": 100 }] }),
    )
    .await;
    let set = app
        .call(
            &manager,
            Method::PUT,
            &path(&format!("stock/{rice}/levels")),
            Some(json!({ "reorder_point": 5, "min_level": 5, "max_level": 30 })),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);

    for _ in 0..5 {
        app.post(
            &manager,
            &path("stock-adjustments"),
            json!({ "product_id": rice, "quantity": -2, "reason": "expired" }),
        )
        .await;
    }

    // Poll as a consumer does: on PostgreSQL other transactions on the cluster (other tests)
    // can hold the outbox horizon back for a moment; delivery is delayed, never lost.
    let mut events = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while events.len() < 2 && std::time::Instant::now() < deadline {
        events = events::read_after(
            &mut app.db.conn().await.unwrap(),
            app.db.backend(),
            Position::default(),
            100,
        )
        .await
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["stock.below_reorder_point", "stock.oversold"],
        "8 → 6 → 4 (crossed) → 2 → 0 → -2 (oversold)"
    );
    assert_eq!(events[0].payload["on_hand"], 4);
    let low = app.get(&manager, &path("stock?low_only=true")).await;
    assert_eq!(low.body["items"][0]["low"], true, "{:?}", low.body);
}

async fn bad_stock_input_names_the_field_and_changes_nothing(backend: Backend) {
    let app = spawn(backend).await;
    let (manager, ber, rice) = setup(&app).await;
    let path = |p: &str| format!("/api/stores/{ber}/{p}");
    let other_org_product = {
        let other = app.other_org_admin().await;
        app.post(
            &other,
            "/api/products",
            json!({ "sku": "X", "name": "Theirs", "price_minor": 1, "tax_class": "standard" }),
        )
        .await
        .body["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let cases = [
        (
            "stock-adjustments",
            json!({ "product_id": rice, "quantity": 2, "reason": "damaged" }),
            "invalid_adjustment",
            "quantity",
        ),
        (
            "stock-adjustments",
            json!({ "product_id": rice, "quantity": 0, "reason": "correction" }),
            "invalid_quantity",
            "quantity",
        ),
        (
            "stock-adjustments",
            json!({ "product_id": other_org_product, "quantity": -1, "reason": "theft" }),
            "unknown_product",
            "product_id",
        ),
        (
            "stock-adjustments",
            json!({ "product_id": rice, "quantity": -1, "reason": "lost_in_space" }),
            "invalid_field",
            "reason",
        ),
        (
            "stock-receipts",
            json!({ "lines": [] }),
            "invalid_lines",
            "lines",
        ),
        (
            "stock-receipts",
            json!({ "lines": [{ "product_id": rice, "quantity": -5, "unit_cost_minor": 1 }] }),
            "invalid_quantity",
            "lines[0].quantity",
        ),
        (
            "stock-receipts",
            json!({ "lines": [{ "product_id": rice, "quantity": 5, "unit_cost_minor": -1 }] }),
            "invalid_amount",
            "lines[0].unit_cost_minor",
        ),
        (
            "stock-counts",
            json!({ "counted_at": "2999-01-01T00:00:00Z", "lines": [{ "product_id": rice, "counted": 1 }] }),
            "count_in_future",
            "counted_at",
        ),
        (
            "stock-counts",
            json!({ "counted_at": "2026-01-01T00:00:00Z", "lines": [{ "product_id": rice, "counted": -1 }] }),
            "invalid_quantity",
            "lines[0].counted",
        ),
        (
            "stock-counts",
            json!({ "counted_at": "2026-01-01T00:00:00Z", "lines": [{ "product_id": rice, "counted": 1 }, { "product_id": rice, "counted": 2 }] }),
            "duplicate_product",
            "lines[1].product_id",
        ),
    ];
    for (route, body, code, field) in cases {
        let reply = app.post(&manager, &path(route), body).await;
        assert_eq!(
            (reply.status, reply.code(), reply.field()),
            (StatusCode::UNPROCESSABLE_ENTITY, code, field),
            "{route}: {:?}",
            reply.body
        );
    }
    // A receipt whose second line is bad records nothing from its first line either.
    let half = app.post(&manager, &path("stock-receipts"), json!({ "lines": [{ "product_id": rice, "quantity": 5, "unit_cost_minor": 1 }, { "product_id": rice, "quantity": 0, "unit_cost_minor": 1 }] })).await;
    assert_eq!(half.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(level(&app, &manager, &ber, &rice).await["on_hand"], 0);
    let movements = app.get(&manager, &path("stock-movements")).await;
    assert!(movements.body["items"].as_array().unwrap().is_empty());
    // Another store's manager cannot touch Berlin's stock.
    let paris = app.login("manager.par@demo.local").await;
    assert_eq!(
        app.post(
            &paris,
            &path("stock-adjustments"),
            json!({ "product_id": rice, "quantity": -1, "reason": "theft" })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

async fn terminals_register_with_unique_codes_and_revoke(backend: Backend) {
    let app = spawn(backend).await;
    let manager = app.login("manager.ber@demo.local").await;
    let (ber, par) = (app.store_id("BER").await, app.store_id("PAR").await);

    let till = app
        .post(
            &manager,
            &format!("/api/stores/{ber}/terminals"),
            json!({ "code": "ber-1", "name": "Till 1" }),
        )
        .await;
    let same_code = app
        .post(
            &app.login("admin@demo.local").await,
            &format!("/api/stores/{par}/terminals"),
            json!({ "code": "BER-1", "name": "Till" }),
        )
        .await;
    let id = till.body["id"].as_str().unwrap();
    let revoked = app
        .call(
            &manager,
            Method::DELETE,
            &format!("/api/stores/{ber}/terminals/{id}"),
            None,
        )
        .await;
    let wrong_store = app
        .get(
            &app.login("admin@demo.local").await,
            &format!("/api/stores/{par}/terminals/{id}"),
        )
        .await;
    let listed = app
        .get(&manager, &format!("/api/stores/{ber}/terminals"))
        .await;

    assert_eq!(
        (till.status, till.body["code"].as_str()),
        (StatusCode::CREATED, Some("BER-1"))
    );
    assert_eq!(
        (same_code.status, same_code.code(), same_code.field()),
        (StatusCode::CONFLICT, "terminal_code_taken", "code")
    );
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        wrong_store.status,
        StatusCode::NOT_FOUND,
        "a terminal is addressed under its own store"
    );
    assert_eq!(listed.body["items"][0]["active"], false);
    assert!(listed.body["items"][0]["revoked_at"].is_string());
    assert_eq!(app.audit("terminal.").await.len(), 2);

    // What the revoked till still sends is kept for review: listed for managers, page by page.
    let admin = app.login("admin@demo.local").await;
    let created = app
        .post(
            &admin,
            "/api/products",
            json!({ "sku": "TEA", "name": "Tea", "price_minor": 199, "tax_class": "reduced" }),
        )
        .await;
    let product = created.body["id"].clone();
    let cashier = app.login("cashier1.ber@demo.local").await;
    let mut sent = Vec::new();
    for seq in 1..=3 {
        let id = uuid::Uuid::now_v7();
        let sale = json!({
            "id": id, "terminal_id": id_of_till(&till), "seq": seq, "occurred_at": chrono::Utc::now(),
            "receipt_number": format!("BER-1-{seq:06}"), "lines": [{ "product_id": product, "quantity": 1 }],
            "payments": [{ "kind": "cash", "tendered_minor": 100000 }],
        });
        let reply = app
            .post(&cashier, &format!("/api/stores/{ber}/sales"), sale)
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
        sent.push(id.to_string());
    }
    let quarantine = format!("/api/stores/{ber}/quarantined-mutations");
    let first = app.get(&manager, &format!("{quarantine}?limit=2")).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let item = &first.body["items"][0];
    assert_eq!(
        (
            item["mutation_id"].as_str(),
            item["kind"].as_str(),
            item["terminal_code"].as_str(),
            item["seq"].as_i64(),
            item["reason"].as_str(),
        ),
        (
            Some(sent[2].as_str()),
            Some("sale"),
            Some("BER-1"),
            Some(3),
            Some("terminal_revoked")
        )
    );
    assert_eq!(item["request"]["receipt_number"], "BER-1-000003");
    let cursor = first.body["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(&manager, &format!("{quarantine}?limit=2&cursor={cursor}"))
        .await;
    let ids: Vec<&str> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.body["items"].as_array().unwrap())
        .map(|m| m["mutation_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [&sent[2], &sent[1], &sent[0]]);
    assert!(second.body["next_cursor"].is_null());
    // Managers and admins only, of this store; nothing of it shows under another store.
    assert_eq!(
        app.get(&cashier, &quarantine).await.status,
        StatusCode::FORBIDDEN
    );
    let paris = app
        .get(
            &app.login("admin@demo.local").await,
            &format!("/api/stores/{par}/quarantined-mutations"),
        )
        .await;
    assert_eq!(paris.body["items"], json!([]));
    let bad_cursor = app
        .get(&manager, &format!("{quarantine}?cursor=nope"))
        .await;
    assert_eq!(bad_cursor.status, StatusCode::BAD_REQUEST);
}

fn id_of_till(till: &crate::support::Reply) -> String {
    till.body["id"].as_str().unwrap().to_owned()
}
