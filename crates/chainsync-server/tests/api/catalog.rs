//! The catalog: search, barcodes, variants, references, tax classes, price history.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, TestApp, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    products_are_found_by_name_words_sku_and_barcode_prefix,
    a_barcode_lookup_is_exact_and_scoped_to_the_organisation,
    duplicate_skus_and_barcodes_conflict_and_change_nothing,
    bad_product_input_names_the_field_and_changes_nothing,
    a_tax_class_needs_a_rate_in_every_store,
    price_changes_are_kept_in_history_and_audited,
    variants_group_under_one_parent,
    search_pages_run_in_name_order_and_skip_inactive_products,
);

async fn product(app: &TestApp, admin: &Caller, body: Value) -> Value {
    let reply = app.post(admin, "/api/products", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

fn names(reply: &Value) -> Vec<String> {
    reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn products_are_found_by_name_words_sku_and_barcode_prefix(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    product(&app, &admin, json!({ "sku": "COKE-05", "name": "Coca-Cola Zero 0.5 l", "brand": "Coca-Cola", "price_minor": 149, "tax_class": "standard", "barcodes": ["5449000131805"] })).await;
    product(&app, &admin, json!({ "sku": "MILK-38", "name": "Bio Vollmilch 3.8%", "brand": "Weihenstephan", "price_minor": 159, "tax_class": "reduced", "barcodes": ["4006381333931"] })).await;
    let cashier = app.login("cashier1.ber@demo.local").await;

    let by_words = app.get(&cashier, "/api/products?q=cola%20zer").await;
    let by_brand = app.get(&cashier, "/api/products?q=weihen").await;
    let by_sku = app.get(&cashier, "/api/products?q=milk-3").await;
    let by_barcode = app.get(&cashier, "/api/products?q=544900").await;
    let upper_case = app.get(&cashier, "/api/products?q=VOLLMILCH").await;
    let nothing = app.get(&cashier, "/api/products?q=cola%20milch").await;

    assert_eq!(names(&by_words.body), ["Coca-Cola Zero 0.5 l"]);
    assert_eq!(names(&by_brand.body), ["Bio Vollmilch 3.8%"]);
    assert_eq!(names(&by_sku.body), ["Bio Vollmilch 3.8%"]);
    assert_eq!(names(&by_barcode.body), ["Coca-Cola Zero 0.5 l"]);
    assert_eq!(names(&upper_case.body), ["Bio Vollmilch 3.8%"]);
    assert!(names(&nothing.body).is_empty(), "every word must match");
}

async fn a_barcode_lookup_is_exact_and_scoped_to_the_organisation(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    product(&app, &admin, json!({ "sku": "A", "name": "Apfel", "price_minor": 99, "tax_class": "reduced", "barcodes": ["4006381333931", "STORE-1"] })).await;
    let other = app.other_org_admin().await;

    let exact = app
        .get(&admin, "/api/products/by-barcode/4006381333931")
        .await;
    let own_label = app.get(&admin, "/api/products/by-barcode/STORE-1").await;
    let prefix = app.get(&admin, "/api/products/by-barcode/400638").await;
    let other_org = app
        .get(&other, "/api/products/by-barcode/4006381333931")
        .await;

    assert_eq!(
        (exact.status, exact.body["sku"].as_str()),
        (StatusCode::OK, Some("A"))
    );
    assert_eq!(own_label.status, StatusCode::OK);
    assert_eq!(prefix.status, StatusCode::NOT_FOUND);
    assert_eq!(other_org.status, StatusCode::NOT_FOUND);
}

async fn duplicate_skus_and_barcodes_conflict_and_change_nothing(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let first = product(&app, &admin, json!({ "sku": "SKU-1", "name": "First", "price_minor": 100, "tax_class": "standard", "barcodes": ["96385074"] })).await;

    let same_sku = app.post(&admin, "/api/products", json!({ "sku": "SKU-1", "name": "Second", "price_minor": 100, "tax_class": "standard" })).await;
    let same_barcode = app.post(&admin, "/api/products", json!({ "sku": "SKU-2", "name": "Second", "price_minor": 100, "tax_class": "standard", "barcodes": ["96385074"] })).await;
    let twice = app.post(&admin, "/api/products", json!({ "sku": "SKU-3", "name": "Third", "price_minor": 100, "tax_class": "standard", "barcodes": ["X1", "X1"] })).await;

    assert_eq!(
        (same_sku.status, same_sku.code(), same_sku.field()),
        (StatusCode::CONFLICT, "sku_taken", "sku")
    );
    assert_eq!(
        (
            same_barcode.status,
            same_barcode.code(),
            same_barcode.field()
        ),
        (StatusCode::CONFLICT, "barcode_taken", "barcodes[0]")
    );
    assert_eq!(
        (twice.status, twice.code(), twice.field()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "duplicate_barcode",
            "barcodes[1]"
        )
    );
    let all = app.get(&admin, "/api/products?include_inactive=true").await;
    assert_eq!(names(&all.body), ["First"]);
    // Keeping its own barcode on update is not a conflict.
    let id = first["id"].as_str().unwrap();
    let keep = app
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/products/{id}"),
            Some(json!({ "barcodes": ["96385074"], "name": "First!" })),
        )
        .await;
    assert_eq!(keep.status, StatusCode::OK, "{:?}", keep.body);
}

async fn bad_product_input_names_the_field_and_changes_nothing(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let base =
        json!({ "sku": "OK-1", "name": "Fine", "price_minor": 100, "tax_class": "standard" });
    let with = |patch: Value| {
        let mut body = base.clone();
        body.as_object_mut()
            .unwrap()
            .extend(patch.as_object().unwrap().clone());
        body
    };
    let unknown = "0190f000-0000-7000-8000-000000000000";
    let cases = [
        (with(json!({ "sku": "has space" })), "invalid_sku", "sku"),
        (
            with(json!({ "price_minor": -1 })),
            "invalid_amount",
            "price_minor",
        ),
        (
            with(json!({ "cost_minor": 1_000_000_000_001_i64 })),
            "invalid_amount",
            "cost_minor",
        ),
        (
            with(json!({ "barcodes": ["4006381333932"] })),
            "invalid_barcode",
            "barcodes[0]",
        ),
        (
            with(json!({ "category_id": unknown })),
            "unknown_category",
            "category_id",
        ),
        (
            with(json!({ "supplier_id": unknown })),
            "unknown_supplier",
            "supplier_id",
        ),
        (
            with(json!({ "parent_id": unknown })),
            "unknown_product",
            "parent_id",
        ),
        (with(json!({ "unit": "litre" })), "invalid_field", "unit"),
        (
            with(json!({ "variant_attributes": { "Size!": "M" } })),
            "invalid_attribute",
            "variant_attributes.Size!",
        ),
        (
            with(json!({ "tax_class": "Luxury Goods" })),
            "invalid_tax_class",
            "tax_class",
        ),
    ];
    for (body, code, field) in cases {
        let reply = app.post(&admin, "/api/products", body).await;
        assert_eq!(
            (reply.status.as_u16() / 100, reply.code(), reply.field()),
            (4, code, field),
            "{:?}",
            reply.body
        );
    }
    let all = app.get(&admin, "/api/products?include_inactive=true").await;
    assert!(names(&all.body).is_empty());
    assert!(app.audit("product.").await.is_empty());
}

async fn a_tax_class_needs_a_rate_in_every_store(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;

    let luxury = app
        .post(
            &admin,
            "/api/products",
            json!({ "sku": "L", "name": "Caviar", "price_minor": 9900, "tax_class": "luxury" }),
        )
        .await;

    assert_eq!(
        (luxury.status, luxury.code(), luxury.field()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_tax_class",
            "tax_class"
        )
    );
    assert!(
        luxury.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("store BER")
    );
}

async fn price_changes_are_kept_in_history_and_audited(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let p = product(
        &app,
        &admin,
        json!({ "sku": "P", "name": "Brot", "price_minor": 250, "tax_class": "reduced" }),
    )
    .await;
    let id = p["id"].as_str().unwrap();
    let ber = app.store_id("BER").await;
    let manager = app.login("manager.ber@demo.local").await;

    app.call(
        &admin,
        Method::PATCH,
        &format!("/api/products/{id}"),
        Some(json!({ "price_minor": 275 })),
    )
    .await;
    let set = app
        .call(
            &manager,
            Method::PUT,
            &format!("/api/stores/{ber}/price-overrides/{id}"),
            Some(json!({ "price_minor": 299 })),
        )
        .await;
    let again = app
        .call(
            &manager,
            Method::PUT,
            &format!("/api/stores/{ber}/price-overrides/{id}"),
            Some(json!({ "price_minor": 299 })),
        )
        .await;
    let listed = app
        .get(&manager, &format!("/api/stores/{ber}/price-overrides"))
        .await;
    let removed = app
        .call(
            &manager,
            Method::DELETE,
            &format!("/api/stores/{ber}/price-overrides/{id}"),
            None,
        )
        .await;
    let removed_again = app
        .call(
            &manager,
            Method::DELETE,
            &format!("/api/stores/{ber}/price-overrides/{id}"),
            None,
        )
        .await;
    let history = app
        .get(&admin, &format!("/api/products/{id}/price-history"))
        .await;

    assert_eq!(set.status, StatusCode::OK);
    assert_eq!(
        again.status,
        StatusCode::OK,
        "setting the same price again is harmless"
    );
    assert_eq!(listed.body["items"][0]["price_minor"], 299);
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(removed_again.status, StatusCode::NOT_FOUND);
    let steps: Vec<(Value, Value, Value)> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["store_id"].clone(),
                c["old_price_minor"].clone(),
                c["new_price_minor"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            (json!(ber), json!(299), Value::Null),
            (json!(ber), Value::Null, json!(299)),
            (Value::Null, json!(250), json!(275)),
            (Value::Null, Value::Null, json!(250)),
        ]
    );
    assert_eq!(
        app.audit("product.price_changed").await[0]["details"],
        json!({ "from": 250, "to": 275 })
    );
    assert_eq!(
        app.audit("product.store_price_changed").await.len(),
        1,
        "the repeat changed nothing"
    );
}

async fn variants_group_under_one_parent(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let shirt = product(
        &app,
        &admin,
        json!({ "sku": "TEE", "name": "T-Shirt", "price_minor": 1999, "tax_class": "standard" }),
    )
    .await;
    let parent = shirt["id"].as_str().unwrap();
    let medium = product(&app, &admin, json!({ "sku": "TEE-M-RED", "name": "T-Shirt M red", "price_minor": 1999, "tax_class": "standard", "parent_id": parent, "variant_attributes": { "size": "M", "colour": "red" } })).await;
    product(&app, &admin, json!({ "sku": "TEE-L-RED", "name": "T-Shirt L red", "price_minor": 1999, "tax_class": "standard", "parent_id": parent, "variant_attributes": { "size": "L", "colour": "red" } })).await;

    let variants = app
        .get(&admin, &format!("/api/products?parent_id={parent}"))
        .await;
    let nested = app.post(&admin, "/api/products", json!({ "sku": "TEE-M-RED-2", "name": "Nested", "price_minor": 1, "tax_class": "standard", "parent_id": medium["id"] })).await;

    assert_eq!(names(&variants.body), ["T-Shirt L red", "T-Shirt M red"]);
    assert_eq!(
        medium["variant_attributes"],
        json!({ "colour": "red", "size": "M" })
    );
    assert_eq!(
        (nested.status, nested.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_parent")
    );
}

async fn search_pages_run_in_name_order_and_skip_inactive_products(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let mut ids = Vec::new();
    for (i, name) in ["Erdbeeren", "Apfel", "Dattel", "Banane", "Cashew"]
        .iter()
        .enumerate()
    {
        let p = product(&app, &admin, json!({ "sku": format!("F{i}"), "name": name, "price_minor": 100, "tax_class": "reduced" })).await;
        ids.push(p["id"].as_str().unwrap().to_owned());
    }
    app.call(
        &admin,
        Method::DELETE,
        &format!("/api/products/{}", ids[3]),
        None,
    )
    .await;

    let mut seen = Vec::new();
    let mut path = "/api/products?limit=2".to_owned();
    loop {
        let page = app.get(&admin, &path).await;
        seen.extend(names(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/products?limit=2&cursor={cursor}"),
            None => break,
        }
    }

    assert_eq!(seen, ["Apfel", "Cashew", "Dattel", "Erdbeeren"]);
    let with_inactive = app.get(&admin, "/api/products?include_inactive=true").await;
    assert_eq!(names(&with_inactive.body).len(), 5);
}
