//! A whole store day through the API, as a till and a back office would drive it: open a
//! shift, sell by cash, card and split tender with a promotion and loyalty (earn and redeem),
//! re-send every sale and return three times, return an item, pay out from the drawer,
//! transfer stock to another store and receive it short, count the shelf, close the shift.
//! Then every figure is checked against the ledger and against sums worked out here by hand.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, PASSWORD, Reply, TestApp, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(a_store_day_adds_up);

struct Day {
    app: TestApp,
    admin: Caller,
    cashier: Caller,
    terminal: String,
}

fn id(reply: &Reply) -> String {
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
    reply.body["id"].as_str().expect("id").to_owned()
}

fn mutation(day: &Day, seq: i64, lines: Value, payments: Value) -> Value {
    json!({
        "id": uuid::Uuid::now_v7(), "terminal_id": day.terminal, "seq": seq, "occurred_at": chrono::Utc::now(),
        "receipt_number": format!("BER-T1-{seq:06}"), "lines": lines, "payments": payments,
    })
}

/// Sends `body` to `path` three more times and checks each answer is the first one.
async fn resend(day: &Day, path: &str, body: &Value, first: &Reply) {
    for _ in 0..3 {
        let again = day.app.post(&day.cashier, path, body.clone()).await;
        assert_eq!(again.status, first.status);
        assert_eq!(
            again.body, first.body,
            "a replay answers exactly the original"
        );
    }
}

async fn on_hand(day: &Day, store: &str, product: &str) -> i64 {
    let level = day
        .app
        .get(&day.admin, &format!("/api/stores/{store}/stock/{product}"))
        .await;
    assert_eq!(level.status, StatusCode::OK, "{}", level.body);
    level.body["on_hand"].as_i64().expect("on_hand")
}

/// The sum of the product's ledger in a store, page by page.
async fn ledger_sum(day: &Day, store: &str, product: &str) -> i64 {
    let mut total = 0;
    let mut cursor = String::new();
    loop {
        let page = day
            .app
            .get(
                &day.admin,
                &format!(
                    "/api/stores/{store}/stock-movements?product_id={product}&limit=200{cursor}"
                ),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        total += page.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|m| m["quantity"].as_i64().expect("qty"))
            .sum::<i64>();
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return total,
        }
    }
}

async fn a_store_day_adds_up(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let manager = app.login("manager.ber@demo.local").await;
    let cashier = app.login("cashier1.ber@demo.local").await;
    let ber = app.store_id("BER").await;
    let par = app.store_id("PAR").await;

    // Back office before opening: products, stock, a promotion, loyalty, a till, a PIN.
    let rice = id(&app.post(&admin, "/api/products", json!({ "sku": "RICE", "name": "Rice 1 kg", "price_minor": 299, "tax_class": "reduced" })).await);
    let tea = id(&app.post(&admin, "/api/products", json!({ "sku": "TEA", "name": "Green tea", "price_minor": 450, "tax_class": "standard" })).await);
    for (product, cost) in [(&rice, 120), (&tea, 200)] {
        let r = app
            .post(&admin, &format!("/api/stores/{ber}/stock-receipts"), json!({ "lines": [{ "product_id": product, "quantity": 50, "unit_cost_minor": cost }] }))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    id(&app
        .post(&admin, "/api/promotions", json!({ "name": "Tea week", "rule": { "kind": "percentage", "percent_bps": 1000 }, "scope": { "kind": "product", "product_ids": [tea] } }))
        .await);
    let loyalty = app
        .call(
            &admin,
            Method::PUT,
            "/api/loyalty/settings",
            Some(
                json!({ "enabled": true, "earn_points_per_unit": 1, "redeem_minor_per_point": 1 }),
            ),
        )
        .await;
    assert_eq!(loyalty.status, StatusCode::OK, "{}", loyalty.body);
    let pin = app
        .call(
            &manager,
            Method::PUT,
            "/api/auth/me/pin",
            Some(json!({ "pin": "4321", "current_password": PASSWORD })),
        )
        .await;
    assert_eq!(pin.status, StatusCode::NO_CONTENT, "{}", pin.body);
    let terminal = id(&app
        .post(
            &admin,
            &format!("/api/stores/{ber}/terminals"),
            json!({ "code": "BER-T1", "name": "Till 1" }),
        )
        .await);
    let customer = id(&app
        .post(
            &cashier,
            "/api/customers",
            json!({ "name": "Ana Lima", "phone": "+49 30 123 4567" }),
        )
        .await);
    let day = Day {
        app,
        admin,
        cashier,
        terminal,
    };
    let app = &day.app;
    let sales_path = format!("/api/stores/{ber}/sales");

    // Open the shift with 100.00 in the drawer.
    let shift = app
        .post(
            &day.cashier,
            &format!("/api/stores/{ber}/shifts"),
            json!({ "terminal_id": day.terminal, "opening_float_minor": 10_000 }),
        )
        .await;
    let shift = id(&shift);

    // 1. Cash: 2 rice = 5.98, 10.00 tendered, 4.02 change.
    let s1 = mutation(
        &day,
        1,
        json!([{ "product_id": rice, "quantity": 2 }]),
        json!([{ "kind": "cash", "tendered_minor": 1000 }]),
    );
    let r1 = app.post(&day.cashier, &sales_path, s1.clone()).await;
    assert_eq!(r1.status, StatusCode::CREATED, "{}", r1.body);
    assert_eq!(r1.body["total_minor"], 598);
    assert_eq!(r1.body["priced"]["settlement"]["change_minor"], 402);
    assert_eq!(r1.body["shift_id"], json!(shift));
    resend(&day, &sales_path, &s1, &r1).await;

    // 2. Card, with the customer: tea 4.50 − 10 % = 4.05; earns 4 points.
    let mut s2 = mutation(
        &day,
        2,
        json!([{ "product_id": tea, "quantity": 1 }]),
        json!([{ "kind": "card", "amount_minor": 405, "reference": "A1" }]),
    );
    s2["customer_id"] = json!(customer);
    let r2 = app.post(&day.cashier, &sales_path, s2.clone()).await;
    assert_eq!(r2.status, StatusCode::CREATED, "{}", r2.body);
    assert_eq!(r2.body["total_minor"], 405);
    assert_eq!(r2.body["points_earned"], 4);
    resend(&day, &sales_path, &s2, &r2).await;

    // 3. Split: 3 rice + 1 tea = 8.97 + 4.05 = 13.02; 5.00 by card, 10.00 cash for the 8.02 left.
    let s3 = mutation(
        &day,
        3,
        json!([{ "product_id": rice, "quantity": 3 }, { "product_id": tea, "quantity": 1 }]),
        json!([{ "kind": "card", "amount_minor": 500, "reference": "A2" }, { "kind": "cash", "tendered_minor": 1000 }]),
    );
    let r3 = app.post(&day.cashier, &sales_path, s3.clone()).await;
    assert_eq!(r3.status, StatusCode::CREATED, "{}", r3.body);
    assert_eq!(r3.body["total_minor"], 1302);
    assert_eq!(r3.body["priced"]["settlement"]["change_minor"], 198);
    resend(&day, &sales_path, &s3, &r3).await;

    // 4. Loyalty redemption: tea 4.05, 4 points (0.04) redeemed, 4.01 by card (earns 4).
    let mut s4 = mutation(
        &day,
        4,
        json!([{ "product_id": tea, "quantity": 1 }]),
        json!([{ "kind": "other", "method": "loyalty", "amount_minor": 4 }, { "kind": "card", "amount_minor": 401, "reference": "A3" }]),
    );
    s4["customer_id"] = json!(customer);
    s4["redeem_points"] = json!(4);
    let r4 = app.post(&day.cashier, &sales_path, s4.clone()).await;
    assert_eq!(r4.status, StatusCode::CREATED, "{}", r4.body);
    assert_eq!(
        (
            r4.body["points_redeemed"].as_i64(),
            r4.body["points_earned"].as_i64()
        ),
        (Some(4), Some(4))
    );
    resend(&day, &sales_path, &s4, &r4).await;

    // A return: one of the three rice of sale 3, back on the shelf, 2.99 in cash.
    let sale3 = r3.body["id"].as_str().expect("sale id");
    let found = app
        .get(
            &day.cashier,
            &format!("/api/stores/{ber}/sales?receipt_number=BER-T1-000003"),
        )
        .await;
    assert_eq!(
        found.body["items"][0]["id"],
        json!(sale3),
        "sales are found by receipt number"
    );
    let ret = json!({
        "id": uuid::Uuid::now_v7(), "terminal_id": day.terminal, "seq": 5, "occurred_at": chrono::Utc::now(),
        "receipt_number": "BER-T1-R000005", "sale_id": sale3, "lines": [{ "line_no": 0, "quantity": 1 }],
        "refunds": [{ "kind": "cash", "amount_minor": 299 }],
    });
    let returns_path = format!("/api/stores/{ber}/returns");
    let rr = app.post(&day.cashier, &returns_path, ret.clone()).await;
    assert_eq!(rr.status, StatusCode::CREATED, "{}", rr.body);
    assert_eq!(rr.body["total_minor"], 299);
    resend(&day, &returns_path, &ret, &rr).await;
    let left = app
        .get(
            &day.cashier,
            &format!("/api/stores/{ber}/sales/{sale3}/returnable"),
        )
        .await;
    assert_eq!(left.body["lines"][0]["quantity_returnable"], 2);
    assert_eq!(left.body["lines"][0]["refundable_minor"], 897 - 299);

    // The drawer: 5.00 paid out to the window cleaner, one no-sale opening.
    for event in [
        json!({ "kind": "paid_out", "amount_minor": 500, "reason": "window cleaner" }),
        json!({ "kind": "no_sale" }),
    ] {
        let e = app
            .post(
                &day.cashier,
                &format!("/api/stores/{ber}/shifts/{shift}/cash-events"),
                event,
            )
            .await;
        assert_eq!(e.status, StatusCode::CREATED, "{}", e.body);
    }

    // A transfer of 5 rice to PAR, which receives only 4.
    let transfer = id(&app
        .post(
            &manager,
            &format!("/api/stores/{ber}/transfers"),
            json!({ "to_store_id": par, "lines": [{ "product_id": rice, "quantity": 5 }] }),
        )
        .await);
    let received = app
        .post(
            &day.admin,
            &format!("/api/stores/{par}/transfers/{transfer}/receive"),
            json!({ "lines": [{ "product_id": rice, "quantity": 4 }] }),
        )
        .await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.body);
    assert_eq!(received.body["lines"][0]["discrepancy"], 1);

    // The shelf count finds one rice fewer than the ledger: 50 − 5 sold + 1 returned − 5 sent = 41.
    assert_eq!(on_hand(&day, &ber, &rice).await, 41);
    let count = app
        .post(&manager, &format!("/api/stores/{ber}/stock-counts"), json!({ "counted_at": chrono::Utc::now(), "lines": [{ "product_id": rice, "counted": 40 }] }))
        .await;
    assert_eq!(count.status, StatusCode::CREATED, "{}", count.body);

    // Close: expected cash = 100.00 float + 5.98 + 8.02 cash sales − 2.99 refund − 5.00 paid out.
    let expected_cash = 10_000 + 598 + 802 - 299 - 500;
    let closed = app
        .post(
            &day.cashier,
            &format!("/api/stores/{ber}/shifts/{shift}/close"),
            json!({ "counted_cash_minor": expected_cash - 10 }),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let z = &closed.body["report"];
    assert_eq!(z["sales_count"], 4);
    assert_eq!(z["returns_count"], 1);
    assert_eq!(z["gross_sales_minor"], 598 + 405 + 1302 + 405);
    assert_eq!(z["refunds_minor"], 299);
    assert_eq!(z["cash"]["sales_minor"], 598 + 802);
    assert_eq!(z["cash"]["refunds_minor"], 299);
    assert_eq!(z["card"]["sales_minor"], 405 + 500 + 401);
    assert_eq!(z["other"]["sales_minor"], 4);
    assert_eq!(z["paid_out_minor"], 500);
    assert_eq!(z["no_sale_count"], 1);
    assert_eq!(z["expected_cash_minor"], expected_cash);
    assert_eq!(z["cash_difference_minor"], -10, "ten cents short");
    let again = app
        .post(
            &day.cashier,
            &format!("/api/stores/{ber}/shifts/{shift}/close"),
            json!({ "counted_cash_minor": 0 }),
        )
        .await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::CONFLICT, "shift_closed")
    );

    // Every sale counted once despite the replays; the ledger and the projection agree.
    let listed = app
        .get(
            &day.admin,
            &format!("/api/stores/{ber}/sales?shift_id={shift}"),
        )
        .await;
    assert_eq!(listed.body["items"].as_array().expect("items").len(), 4);
    assert_eq!(on_hand(&day, &ber, &rice).await, 40);
    assert_eq!(ledger_sum(&day, &ber, &rice).await, 40);
    assert_eq!(on_hand(&day, &ber, &tea).await, 47);
    assert_eq!(ledger_sum(&day, &ber, &tea).await, 47);
    assert_eq!(on_hand(&day, &par, &rice).await, 4);
    assert_eq!(ledger_sum(&day, &par, &rice).await, 4);

    // Points: +4 −4 +4, and the return of rice (bought without the customer) took none back.
    let points = app
        .get(&day.cashier, &format!("/api/customers/{customer}/points"))
        .await;
    assert_eq!(points.body["balance"], 4);
    let deltas: Vec<i64> = points.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["delta"].as_i64().expect("delta"))
        .collect();
    assert_eq!(deltas.iter().sum::<i64>(), 4);
    let history = app
        .get(&day.cashier, &format!("/api/customers/{customer}/sales"))
        .await;
    assert_eq!(history.body["items"].as_array().expect("items").len(), 2);
}
