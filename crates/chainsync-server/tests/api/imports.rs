//! CSV imports over `POST /api/imports`: good files apply, files with bad rows write nothing
//! and report every bad row with its line and column, dry runs write nothing, re-imports
//! update instead of duplicating; stock files count through the ledger; sales history becomes
//! real sales the reports see, without outbox events.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, Reply, TestApp, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    products_import_creates_then_updates_by_sku,
    a_file_with_bad_rows_writes_nothing_and_names_every_error,
    a_dry_run_reports_and_writes_nothing,
    stock_import_counts_through_the_ledger,
    sales_history_becomes_sales_the_reports_see_once,
    file_level_problems_get_clear_errors,
    customers_import_matches_by_email_or_phone,
);

async fn import(app: &TestApp, who: &Caller, query: &str, csv: &str) -> Reply {
    app.raw(
        who,
        Method::POST,
        &format!("/api/imports?{query}"),
        "text/csv",
        csv.as_bytes().to_vec(),
    )
    .await
}

async fn product(app: &TestApp, who: &Caller, sku: &str) -> Option<Value> {
    let found = app
        .get(who, &format!("/api/products?q={sku}&limit=50"))
        .await;
    found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == sku)
        .cloned()
}

async fn product_count(app: &TestApp, who: &Caller) -> usize {
    app.get(who, "/api/products?limit=200").await.body["items"]
        .as_array()
        .unwrap()
        .len()
}

const PRODUCTS: &str = "sku,name,price,cost,tax_class,category,barcodes,unit\r\n\
    TEA-1,\"Tea, green\",3.50,1.20,standard,Drinks,4006381333931,each\r\n\
    CHS-1,Cheese,12.90,7.00,reduced,Dairy,,weighed\r\n\
    MLK-1,Milk,1.19,0.60,reduced,Dairy,2000000000015;2000000000022,\r\n";

async fn products_import_creates_then_updates_by_sku(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;

    let first = import(&app, &admin, "kind=products", PRODUCTS).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["applied"], true);
    let s = &first.body["summary"];
    assert_eq!(
        (
            s["rows"].as_i64(),
            s["created"].as_i64(),
            s["categories_created"].as_i64()
        ),
        (Some(3), Some(3), Some(2))
    );
    let tea = product(&app, &admin, "TEA-1").await.expect("tea");
    assert_eq!(tea["name"], "Tea, green");
    assert_eq!(tea["price_minor"], 350);
    assert_eq!(tea["cost_minor"], 120);
    assert_eq!(tea["barcodes"], json!(["4006381333931"]));
    let cheese = product(&app, &admin, "CHS-1").await.expect("cheese");
    assert_eq!(cheese["unit"], "weighed");
    let milk = product(&app, &admin, "MLK-1").await.expect("milk");
    assert_eq!(milk["barcodes"].as_array().unwrap().len(), 2);
    assert_eq!(milk["category_id"], cheese["category_id"]);

    // Again with one price changed and a column fewer: one update, two unchanged, no new rows.
    let again = "sku,price,name\nTEA-1,3.90,\"Tea, green\"\nCHS-1,12.90,Cheese\nMLK-1,1.19,Milk\n";
    let second = import(&app, &admin, "kind=products", again).await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    let s = &second.body["summary"];
    assert_eq!(
        (
            s["created"].as_i64(),
            s["updated"].as_i64(),
            s["unchanged"].as_i64()
        ),
        (Some(0), Some(1), Some(2))
    );
    assert_eq!(product_count(&app, &admin).await, 3);
    let tea = product(&app, &admin, "TEA-1").await.unwrap();
    assert_eq!(tea["price_minor"], 390);
    assert_eq!(tea["cost_minor"], 120, "an absent column keeps the value");
    let history = app
        .get(
            &admin,
            &format!(
                "/api/products/{}/price-history",
                tea["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(
        history.body["items"].as_array().map(Vec::len),
        Some(2),
        "{:?}",
        history.body
    );
    assert_eq!(app.audit("import.applied").await.len(), 2);

    // Managers and cashiers may not import products.
    let manager = app.login("manager.ber@demo.local").await;
    let denied = import(&app, &manager, "kind=products", PRODUCTS).await;
    assert_eq!(
        (denied.status, denied.code()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
}

async fn a_file_with_bad_rows_writes_nothing_and_names_every_error(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let file = "sku,name,price,tax_class,barcodes\n\
        OK-1,Fine,1.00,standard,\n\
        BAD-1,Bad price,1.234,standard,\n\
        BAD-2,,2.00,standard,\n\
        OK-1,Twice,1.00,standard,\n\
        BAD-3,Unknown tax,1.00,luxury,\n\
        BAD-4,Bad barcode,1.00,standard,4006381333932\n\
        BAD-5,Short row\n\
        \"BAD 6\",Bad sku,1.00,standard,\n";

    let reply = import(&app, &admin, "kind=products", file).await;

    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.body
    );
    assert_eq!(reply.code(), "invalid_rows");
    assert_eq!(reply.body["applied"], false);
    let errors: Vec<(i64, String, String)> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["column"].as_str().unwrap_or("").to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        (3, "price", "invalid_amount"),
        (4, "name", "required"),
        (5, "sku", "duplicate_row"),
        (6, "tax_class", "unknown_tax_class"),
        (7, "barcodes", "invalid_barcode"),
        (8, "", "wrong_field_count"),
        (9, "sku", "invalid_sku"),
    ];
    for (row, column, code) in expected {
        assert!(
            errors.contains(&(row, column.to_owned(), code.to_owned())),
            "missing ({row}, {column}, {code}) in {errors:?}"
        );
    }
    assert_eq!(errors.len(), expected.len(), "{errors:?}");
    // Nothing written, not even the good row.
    assert!(product(&app, &admin, "OK-1").await.is_none());
    assert_eq!(product_count(&app, &admin).await, 0);
    assert!(app.audit("import.applied").await.is_empty());
}

async fn a_dry_run_reports_and_writes_nothing(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;

    let reply = app
        .post(
            &admin,
            "/api/imports",
            json!({ "kind": "products", "dry_run": true, "csv": PRODUCTS }),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(
        (
            reply.body["dry_run"].as_bool(),
            reply.body["applied"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert_eq!(reply.body["summary"]["created"], 3);
    assert_eq!(reply.body["summary"]["categories_created"], 2);
    assert_eq!(product_count(&app, &admin).await, 0);
    let categories = app.get(&admin, "/api/categories").await;
    assert_eq!(categories.body["items"].as_array().map(Vec::len), Some(0));
}

async fn stock_import_counts_through_the_ledger(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    assert_eq!(
        import(&app, &admin, "kind=products", PRODUCTS).await.status,
        StatusCode::OK
    );
    let ber = app.store_id("BER").await;
    let tea = product(&app, &admin, "TEA-1").await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let received = app
        .post(
            &admin,
            &format!("/api/stores/{ber}/stock-receipts"),
            json!({ "lines": [{ "product_id": tea, "quantity": 10, "unit_cost_minor": 120 }] }),
        )
        .await;
    assert_eq!(received.status, StatusCode::CREATED);
    let manager = app.login("manager.ber@demo.local").await;
    let level = |sku: &'static str| {
        let (app, manager, ber) = (&app, &manager, &ber);
        async move {
            let id = product(app, manager, sku).await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            app.get(manager, &format!("/api/stores/{ber}/stock/{id}"))
                .await
                .body["on_hand"]
                .as_i64()
                .unwrap_or(0)
        }
    };

    let file = "sku,counted\nTEA-1,7\nCHS-1,2500\n";
    let reply = import(&app, &manager, &format!("kind=stock&store_id={ber}"), file).await;

    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["summary"]["updated"], 2);
    assert_eq!(level("TEA-1").await, 7);
    assert_eq!(level("CHS-1").await, 2500);
    let ledger = app
        .get(
            &manager,
            &format!("/api/stores/{ber}/stock-movements?limit=50"),
        )
        .await;
    let corrections: Vec<i64> = ledger.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "count_correction")
        .map(|m| m["quantity"].as_i64().unwrap())
        .collect();
    assert_eq!(corrections.iter().sum::<i64>(), -3 + 2500);
    // The same counts again correct nothing.
    let again = import(&app, &manager, &format!("kind=stock&store_id={ber}"), file).await;
    assert_eq!(again.body["summary"]["unchanged"], 2, "{:?}", again.body);
    // A store column: the BER manager may not count PAR; an unknown SKU is named.
    let mixed = "store,sku,counted\nBER,TEA-1,5\nPAR,TEA-1,5\nBER,NOPE,1\nBER,MLK-1,-1\n";
    let reply = import(&app, &manager, "kind=stock", mixed).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["forbidden", "unknown_product", "invalid_quantity"]);
    assert_eq!(level("TEA-1").await, 7, "nothing written");
    let cashier = app.login("cashier1.ber@demo.local").await;
    let denied = import(&app, &cashier, &format!("kind=stock&store_id={ber}"), file).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let missing = import(&app, &manager, "kind=stock", file).await;
    assert_eq!(
        (missing.code(), missing.field()),
        ("missing_store", "store_id")
    );
}

async fn sales_history_becomes_sales_the_reports_see_once(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    assert_eq!(
        import(&app, &admin, "kind=products", PRODUCTS).await.status,
        StatusCode::OK
    );
    // Receipt R1: two lines at 23:30 UTC on Sunday 8 March, already Monday 00:30 in Berlin;
    // R2 on Monday in local time; R3 in Paris.
    let file = "date,store,receipt,sku,quantity,unit_price,cashier\n\
        2026-03-08T23:30:00Z,BER,R1,TEA-1,2,3.50,cashier1.ber@demo.local\n\
        2026-03-08T23:30:00Z,BER,R1,CHS-1,500,12.90,cashier1.ber@demo.local\n\
        2026-03-09 09:15,BER,R2,MLK-1,3,1.19,\n\
        2026-03-09 10:00,PAR,R3,TEA-1,1,3.60,\n";

    let reply = import(&app, &admin, "kind=sales", file).await;

    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let s = &reply.body["summary"];
    assert_eq!(
        (s["created"].as_i64(), s["sale_lines"].as_i64()),
        (Some(3), Some(4))
    );
    let ber = app.store_id("BER").await;
    let sales = app.get(&admin, &format!("/api/stores/{ber}/sales")).await;
    let sales = sales.body["items"].as_array().unwrap().clone();
    assert_eq!(sales.len(), 2);
    let r1 = sales.iter().find(|s| s["receipt_number"] == "R1").unwrap();
    // Tax-inclusive Berlin: 2 × 3.50 + 0.5 kg × 12.90 = 7.00 + 6.45.
    assert_eq!(r1["total_minor"], 1345);
    assert_eq!(r1["occurred_at"], "2026-03-08T23:30:00Z");
    let r2 = sales.iter().find(|s| s["receipt_number"] == "R2").unwrap();
    assert_eq!(r2["occurred_at"], "2026-03-09T08:15:00Z");

    // The reports see them on their local days.
    let kpis = app
        .get(
            &admin,
            &format!("/api/stores/{ber}/reports/kpis?from=2026-03-08&to=2026-03-09"),
        )
        .await;
    let buckets = kpis.body["buckets"].as_array().unwrap();
    assert_eq!(buckets[0]["transactions"], 0, "{:?}", kpis.body);
    assert_eq!(buckets[1]["transactions"], 2);
    assert_eq!(buckets[1]["gross_sales_minor"], 1345 + 357);
    let staff = app
        .get(
            &admin,
            &format!("/api/stores/{ber}/reports/staff?from=2026-03-01&to=2026-03-31"),
        )
        .await;
    let cashier = staff.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == "cashier1.ber@demo.local")
        .cloned()
        .unwrap();
    assert_eq!(cashier["transactions"], 1);
    // Stock moved; no outbox events for history.
    let ledger = app
        .get(
            &admin,
            &format!("/api/stores/{ber}/stock-movements?limit=50"),
        )
        .await;
    let sold: i64 = ledger.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "sale")
        .map(|m| m["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(sold, -(2 + 500 + 3));
    let mut conn = app.db.conn().await.unwrap();
    let start = chainsync_storage::events::Position { tx: 0, id: 0 };
    let events = chainsync_storage::events::read_after(&mut conn, app.db.backend(), start, 10_000)
        .await
        .unwrap();
    assert!(
        events.iter().all(|e| !e.kind.starts_with("sale.")),
        "{events:?}"
    );

    // Importing the same file again records nothing new.
    let again = import(&app, &admin, "kind=sales", file).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        (
            again.body["summary"]["created"].as_i64(),
            again.body["summary"]["unchanged"].as_i64()
        ),
        (Some(0), Some(3))
    );
    let sales = app.get(&admin, &format!("/api/stores/{ber}/sales")).await;
    assert_eq!(sales.body["items"].as_array().unwrap().len(), 2);

    // Bad rows: every one named, nothing written.
    let bad = "date,store,receipt,sku,quantity,unit_price\n\
        2026-03-10T10:00:00Z,BER,R9,TEA-1,1,3.50\n\
        2026-03-10T11:00:00Z,BER,R9,MLK-1,1,1.19\n\
        yesterday,BER,R10,TEA-1,1,3.50\n\
        2026-03-10T10:00:00Z,XXX,R11,TEA-1,1,3.50\n\
        2099-01-01T10:00:00Z,BER,R12,TEA-1,0,3.50\n";
    let reply = import(&app, &admin, "kind=sales", bad).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let found: Vec<(i64, &str)> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            (3, "receipt_date_mismatch"),
            (4, "invalid_date"),
            (5, "unknown_store"),
            (6, "date_in_future"),
            (6, "invalid_quantity")
        ]
    );
    let sales = app.get(&admin, &format!("/api/stores/{ber}/sales")).await;
    assert_eq!(sales.body["items"].as_array().unwrap().len(), 2);
}

async fn file_level_problems_get_clear_errors(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let cases: [(&str, &[u8], u16, &str, &str); 7] = [
        (
            "kind=products",
            b"name,price\nTea,1.00\n",
            422,
            "missing_column",
            "sku",
        ),
        (
            "kind=products",
            b"sku,colour\nT,red\n",
            422,
            "unknown_column",
            "colour",
        ),
        (
            "kind=products",
            b"sku,name,Name\nT,a,b\n",
            422,
            "duplicate_column",
            "name",
        ),
        (
            "kind=products",
            b"sku,name\nT,Caf\xe9\n",
            422,
            "invalid_encoding",
            "",
        ),
        ("kind=products", b"", 422, "empty_file", ""),
        ("kind=coupons", b"sku\nT\n", 422, "invalid_kind", "kind"),
        (
            "kind=products&dry_run=maybe",
            b"sku\nT\n",
            422,
            "invalid_flag",
            "dry_run",
        ),
    ];
    for (query, body, status, code, field) in cases {
        let reply = app
            .raw(
                &admin,
                Method::POST,
                &format!("/api/imports?{query}"),
                "text/csv",
                body.to_vec(),
            )
            .await;
        assert_eq!(
            (reply.status.as_u16(), reply.code(), reply.field()),
            (status, code, field),
            "{query}: {:?}",
            reply.body
        );
    }
    let json_form = app
        .raw(
            &admin,
            Method::POST,
            "/api/imports",
            "application/json",
            b"{\"kind\":\"products\"}".to_vec(),
        )
        .await;
    assert_eq!(
        (json_form.code(), json_form.field()),
        ("missing_field", "csv")
    );
    let xml = app
        .raw(
            &admin,
            Method::POST,
            "/api/imports?kind=products",
            "application/xml",
            b"<a/>".to_vec(),
        )
        .await;
    assert_eq!(xml.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut huge = b"sku,name\n".to_vec();
    huge.resize(16 * 1024 * 1024 + 10, b'a');
    let too_big = app
        .raw(
            &admin,
            Method::POST,
            "/api/imports?kind=products",
            "text/csv",
            huge,
        )
        .await;
    assert_eq!(
        (too_big.status, too_big.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    let anonymous = import(&app, &Caller::anonymous(), "kind=products", PRODUCTS).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

async fn customers_import_matches_by_email_or_phone(backend: Backend) {
    let app = spawn(backend).await;
    let manager = app.login("manager.ber@demo.local").await;
    let file = "name,email,phone,note\n\
        Ada Lovelace,ada@example.com,+49 30 1234567,VIP\n\
        Alan Turing,,+44 20 7946 0000,\n";
    let first = import(&app, &manager, "kind=customers", file).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["summary"]["created"], 2);

    // Ada by email (a new note), Alan by phone (an email added), Grace new.
    let again = "email,phone,name,note\n\
        ada@example.com,,,Prefers email\n\
        alan@example.com,+44 20 7946 0000,,\n\
        grace@example.com,,Grace Hopper,\n";
    let second = import(&app, &manager, "kind=customers", again).await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    let s = &second.body["summary"];
    assert_eq!(
        (s["created"].as_i64(), s["updated"].as_i64()),
        (Some(1), Some(2))
    );
    let list = app.get(&manager, "/api/customers?limit=50").await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{items:?}");
    let ada = items
        .iter()
        .find(|c| c["email"] == "ada@example.com")
        .unwrap();
    assert_eq!(
        (ada["name"].as_str(), ada["note"].as_str()),
        (Some("Ada Lovelace"), Some("Prefers email"))
    );
    assert!(
        items
            .iter()
            .any(|c| c["email"] == "alan@example.com" && c["name"] == "Alan Turing")
    );

    // An email of one customer with the phone of another, a bad email, an empty row, a
    // duplicate: all reported, nothing written.
    let bad = "name,email,phone\n\
        X,ada@example.com,+44 20 7946 0000\n\
        Y,not-an-email,\n\
        ,,\n\
        Z,grace@example.com,\n\
        Z2,grace@example.com,\n";
    let reply = import(&app, &manager, "kind=customers", bad).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let found: Vec<(i64, &str)> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            (2, "customer_conflict"),
            (3, "invalid_email"),
            (6, "duplicate_row")
        ]
    );
    let grace = app.get(&manager, "/api/customers?q=grace").await;
    assert_eq!(grace.body["items"][0]["name"], "Grace Hopper");
    let cashier = app.login("cashier1.ber@demo.local").await;
    assert_eq!(
        import(&app, &cashier, "kind=customers", file).await.status,
        StatusCode::FORBIDDEN
    );
}
