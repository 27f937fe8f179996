//! Authorization on every route: a table of (method, path) × caller → status, walked on a
//! fresh server per cell so one call's side effects never decide another's answer. The table
//! must cover exactly the routes of the OpenAPI document (which is generated from the router's
//! own registrations): a new route without a row fails this test.
//!
//! Callers: anonymous; `cashier1.ber` (cashier in BER); `manager.ber`; the demo admin; and the
//! admin of another organisation, for whom every demo resource must be 404.
//! Targets: the BER store, `cashier2.ber` (a cashier `manager.ber` manages), and a catalog
//! fixture made by the demo admin: a category, a supplier, a product with a barcode, and a BER
//! price override for it.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, PASSWORD, TestApp, spawn};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_backends!(every_route_answers_every_role_as_the_table_says);

#[derive(Debug, Clone, Copy)]
enum Who {
    Anonymous,
    Cashier,
    Manager,
    OtherOrgAdmin,
    Admin,
}

const WHO: [Who; 5] = [
    Who::Anonymous,
    Who::Cashier,
    Who::Manager,
    Who::OtherOrgAdmin,
    Who::Admin,
];

struct Row {
    method: Method,
    path: &'static str,
    /// `{store_id}` is PAR (a store the BER manager does not run) instead of BER.
    par: bool,
    body: fn(&Ids) -> Option<Value>,
    /// Expected status for [anonymous, cashier, manager, other-org admin, admin].
    expect: [u16; 5],
}

struct Ids {
    ber: String,
    par: String,
    target: String,
    unique: String,
    category: String,
    supplier: String,
    product: String,
    terminal: String,
    sale: String,
    promotion: String,
    customer: String,
    /// An open shift on the second till (`BER-T2`), opened by the admin.
    shift: String,
    /// A sale of three milks on `BER-T2`, one of them already returned (`ret`).
    sale2: String,
    ret: String,
    terminal2: String,
    /// What returning one unit of `sale2` refunds.
    refund1: i64,
    /// BER → PAR, in transit.
    transfer: String,
    /// 10 milks ordered for BER.
    po: String,
    /// The second of two store-default model versions of BER (active), and a finished job.
    model: String,
    job: String,
}

const BARCODE: &str = "4006381333931";

/// The fixture, made by the demo admin: (category, supplier, product, BER terminal, first sale
/// on that terminal) ids.
async fn fixture(app: &TestApp, ber: &str) -> (String, String, String, String, String) {
    let admin = app.login("admin@demo.local").await;
    let id =
        |reply: crate::support::Reply| reply.body["id"].as_str().expect("fixture id").to_owned();
    let category = id(app
        .post(&admin, "/api/categories", json!({ "name": "Dairy" }))
        .await);
    let supplier = id(app
        .post(&admin, "/api/suppliers", json!({ "name": "Molkerei Nord" }))
        .await);
    let product = id(app
        .post(&admin, "/api/products", json!({ "sku": "MILK", "name": "Milk", "price_minor": 119, "tax_class": "reduced", "category_id": category, "supplier_id": supplier, "barcodes": [BARCODE] }))
        .await);
    let set = app
        .call(
            &admin,
            Method::PUT,
            &format!("/api/stores/{ber}/price-overrides/{product}"),
            Some(json!({ "price_minor": 129 })),
        )
        .await;
    assert_eq!(set.status.as_u16(), 200, "fixture: {:?}", set.body);
    let terminal = id(app
        .post(
            &admin,
            &format!("/api/stores/{ber}/terminals"),
            json!({ "code": "BER-T1", "name": "Till 1" }),
        )
        .await);
    let sale = id(app
        .post(
            &admin,
            &format!("/api/stores/{ber}/sales"),
            sale_body(&terminal, &product, 1),
        )
        .await);
    (category, supplier, product, terminal, sale)
}

/// Sale number `seq` of the fixture's terminal: one milk, paid in cash.
fn sale_body(terminal: &str, product: &str, seq: i64) -> Value {
    json!({
        "id": uuid::Uuid::now_v7(), "terminal_id": terminal, "seq": seq, "occurred_at": "2026-11-26T10:00:00Z",
        "receipt_number": format!("BER-T1-{seq}"), "lines": [{ "product_id": product, "quantity": 1 }],
        "payments": [{ "kind": "cash", "tendered_minor": 500 }],
    })
}

/// Returns one milk of the second till's sale, as that till's `seq`, refunded in cash.
fn return_body(sale: &str, seq: i64, refund: i64) -> Value {
    json!({
        "id": uuid::Uuid::now_v7(), "terminal_id": "{terminal2}", "seq": seq, "occurred_at": "2026-11-26T11:00:00Z",
        "receipt_number": format!("BER-T2-R{seq}"), "sale_id": sale, "lines": [{ "line_no": 0, "quantity": 1 }],
        "refunds": [{ "kind": "cash", "amount_minor": refund }],
    })
}

/// Voids the fixture sale from the first till, approved by the BER manager's password.
fn void_body(terminal: &str, seq: i64) -> Value {
    json!({
        "id": uuid::Uuid::now_v7(), "terminal_id": terminal, "seq": seq, "occurred_at": "2026-11-26T11:00:00Z",
        "receipt_number": format!("BER-T1-V{seq}"), "reason": "customer changed their mind",
        "approval": { "email": "manager.ber@demo.local", "password": PASSWORD },
    })
}

fn none(_: &Ids) -> Option<Value> {
    None
}

fn empty(_: &Ids) -> Option<Value> {
    Some(json!({}))
}

fn table() -> Vec<Row> {
    use Method as M;
    vec![
        Row {
            method: M::GET,
            path: "/api/customers",
            par: false,
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/customers",
            par: false,
            body: |_| Some(json!({ "name": "Ann Example", "phone": "+49 30 5550001" })),
            expect: [401, 201, 201, 201, 201],
        },
        Row {
            method: M::GET,
            path: "/api/customers/{customer_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::PATCH,
            path: "/api/customers/{customer_id}",
            par: false,
            body: |_| Some(json!({ "note": "prefers email" })),
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/customers/{customer_id}",
            par: false,
            body: none,
            expect: [401, 403, 204, 404, 204],
        },
        Row {
            method: M::GET,
            path: "/api/customers/{customer_id}/sales",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/customers/{customer_id}/points",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/customers/{customer_id}/export",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/loyalty/settings",
            par: false,
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::PUT,
            path: "/api/loyalty/settings",
            par: false,
            body: |_| {
                Some(
                    json!({ "enabled": true, "earn_points_per_unit": 2, "redeem_minor_per_point": 1 }),
                )
            },
            expect: [401, 403, 403, 200, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/shifts",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/shifts",
            par: false,
            body: |ids| Some(json!({ "terminal_id": ids.terminal, "opening_float_minor": 10000 })),
            expect: [401, 201, 201, 404, 201],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/shifts/{shift_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/shifts/{shift_id}/cash-events",
            par: false,
            body: |_| Some(json!({ "kind": "paid_in", "amount_minor": 500, "reason": "change" })),
            expect: [401, 403, 201, 404, 201],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/shifts/{shift_id}/close",
            par: false,
            body: |_| Some(json!({ "counted_cash_minor": 10000 })),
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/shifts/{shift_id}/report",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/returns",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/returns",
            par: false,
            body: |ids| Some(return_body(&ids.sale2, 3, ids.refund1)),
            expect: [401, 201, 201, 404, 201],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/returns/{return_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        // The approving manager cannot be the caller: the manager's own void is refused.
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/sales/{sale_id}/void",
            par: false,
            body: |ids| Some(void_body(&ids.terminal, 2)),
            expect: [401, 201, 403, 404, 201],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/sales/{sale_id}/returnable",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::PUT,
            path: "/api/auth/me/pin",
            par: false,
            body: |_| Some(json!({ "pin": "2468", "current_password": PASSWORD })),
            expect: [401, 403, 204, 204, 204],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/transfers",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/transfers",
            par: false,
            body: |ids| {
                Some(
                    json!({ "to_store_id": ids.par, "lines": [{ "product_id": ids.product, "quantity": 1 }] }),
                )
            },
            expect: [401, 403, 201, 404, 201],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/transfers/{transfer_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/transfers/{transfer_id}/receive",
            par: true,
            body: empty,
            expect: [401, 403, 403, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/purchase-orders",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/purchase-orders",
            par: false,
            body: |ids| {
                Some(
                    json!({ "supplier_id": ids.supplier, "lines": [{ "product_id": ids.product, "quantity": 5, "unit_cost_minor": 60 }] }),
                )
            },
            expect: [401, 403, 201, 404, 201],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/purchase-orders/{po_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/purchase-orders/{po_id}/receipts",
            par: false,
            body: |ids| Some(json!({ "lines": [{ "product_id": ids.product, "quantity": 4 }] })),
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/purchase-orders/{po_id}/cancel",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/healthz",
            par: false,
            body: none,
            expect: [200, 200, 200, 200, 200],
        },
        Row {
            method: M::GET,
            path: "/readyz",
            par: false,
            body: none,
            expect: [200, 200, 200, 200, 200],
        },
        Row {
            method: M::GET,
            path: "/metrics",
            par: false,
            body: none,
            expect: [200, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/auth/login",
            par: false,
            body: |_| Some(json!({ "email": "cashier2.ber@demo.local", "password": PASSWORD })),
            expect: [200, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/auth/refresh",
            par: false,
            body: |_| Some(json!({ "refresh_token": "not-a-token" })),
            expect: [401, 401, 401, 401, 401],
        },
        Row {
            method: M::POST,
            path: "/api/auth/logout",
            par: false,
            body: empty,
            expect: [401, 204, 204, 204, 204],
        },
        Row {
            method: M::GET,
            path: "/api/auth/me",
            par: false,
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/auth/password",
            par: false,
            body: |_| {
                Some(
                    json!({ "current_password": PASSWORD, "new_password": "a brand new password" }),
                )
            },
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores",
            par: false,
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores",
            par: false,
            body: |ids| {
                Some(
                    json!({ "code": ids.unique, "name": "New", "country": "DE", "timezone": "Europe/Berlin", "tax_rates": { "standard": 1900 } }),
                )
            },
            expect: [401, 403, 403, 201, 201],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::PATCH,
            path: "/api/stores/{store_id}",
            par: false,
            body: |_| Some(json!({ "name": "Renamed" })),
            expect: [401, 403, 403, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/stores/{store_id}",
            par: false,
            body: none,
            expect: [401, 403, 403, 404, 204],
        },
        Row {
            method: M::GET,
            path: "/api/users",
            par: false,
            body: none,
            expect: [401, 403, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/users",
            par: false,
            body: |ids| {
                Some(
                    json!({ "email": format!("{}@demo.local", ids.unique.to_lowercase()), "display_name": "New", "memberships": [{ "store_id": ids.ber, "role": "cashier" }] }),
                )
            },
            // The other organisation's admin names a store that does not exist in their org.
            expect: [401, 403, 201, 422, 201],
        },
        Row {
            method: M::GET,
            path: "/api/users/{user_id}",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::PATCH,
            path: "/api/users/{user_id}",
            par: false,
            body: |_| Some(json!({ "display_name": "Renamed" })),
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/users/{user_id}",
            par: false,
            body: none,
            expect: [401, 403, 204, 404, 204],
        },
        Row {
            method: M::POST,
            path: "/api/users/{user_id}/reset-password",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::PUT,
            path: "/api/users/{user_id}/memberships/{store_id}",
            par: true,
            body: |_| Some(json!({ "role": "cashier" })),
            // {store_id} is PAR here: the BER manager does not run it.
            expect: [401, 403, 403, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/users/{user_id}/memberships/{store_id}",
            par: false,
            body: none,
            expect: [401, 403, 204, 404, 204],
        },
        Row {
            method: M::GET,
            path: "/api/audit",
            par: false,
            body: none,
            expect: [401, 403, 403, 200, 200],
        },
        // Catalog: everyone reads products and categories; admins and managers read suppliers
        // and price history; admins change the catalog; store managers set their store's prices.
        Row {
            method: M::GET,
            path: "/api/products",
            par: false,
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/products",
            par: false,
            body: |ids| {
                Some(
                    json!({ "sku": ids.unique, "name": "New", "price_minor": 100, "tax_class": "standard" }),
                )
            },
            // The other organisation has no stores, so every tax class is acceptable there.
            expect: [401, 403, 403, 201, 201],
        },
        Row {
            method: M::GET,
            path: "/api/products/{product_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::PATCH,
            path: "/api/products/{product_id}",
            par: false,
            body: |_| Some(json!({ "price_minor": 139 })),
            expect: [401, 403, 403, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/products/{product_id}",
            par: false,
            body: none,
            expect: [401, 403, 403, 404, 204],
        },
        Row {
            method: M::GET,
            path: "/api/products/by-barcode/{barcode}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/products/{product_id}/price-history",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/categories",
            par: false,
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/categories",
            par: false,
            body: |ids| Some(json!({ "name": ids.unique })),
            expect: [401, 403, 403, 201, 201],
        },
        Row {
            method: M::GET,
            path: "/api/categories/{category_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::PATCH,
            path: "/api/categories/{category_id}",
            par: false,
            body: |_| Some(json!({ "name": "Milk & more" })),
            expect: [401, 403, 403, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/categories/{category_id}",
            par: false,
            body: none,
            expect: [401, 403, 403, 404, 204],
        },
        Row {
            method: M::GET,
            path: "/api/suppliers",
            par: false,
            body: none,
            expect: [401, 403, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/suppliers",
            par: false,
            body: |ids| Some(json!({ "name": ids.unique })),
            expect: [401, 403, 403, 201, 201],
        },
        Row {
            method: M::GET,
            path: "/api/suppliers/{supplier_id}",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::PATCH,
            path: "/api/suppliers/{supplier_id}",
            par: false,
            body: |_| Some(json!({ "phone": "+49 30 1234" })),
            expect: [401, 403, 403, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/suppliers/{supplier_id}",
            par: false,
            body: none,
            expect: [401, 403, 403, 404, 204],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/price-overrides",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::PUT,
            path: "/api/stores/{store_id}/price-overrides/{product_id}",
            par: false,
            body: |_| Some(json!({ "price_minor": 135 })),
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/stores/{store_id}/price-overrides/{product_id}",
            par: false,
            body: none,
            expect: [401, 403, 204, 404, 204],
        },
        // Terminals and stock: staff of the store read; admins and its managers write.
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/terminals",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/terminals",
            par: false,
            body: |ids| Some(json!({ "code": ids.unique, "name": "Till" })),
            expect: [401, 403, 201, 404, 201],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/terminals/{terminal_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/stores/{store_id}/terminals/{terminal_id}",
            par: false,
            body: none,
            expect: [401, 403, 204, 404, 204],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/quarantined-mutations",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/stock",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/stock/{product_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::PUT,
            path: "/api/stores/{store_id}/stock/{product_id}/levels",
            par: false,
            body: |_| Some(json!({ "reorder_point": 5 })),
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/stock-movements",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/stock-adjustments",
            par: false,
            body: |ids| {
                Some(json!({ "product_id": ids.product, "quantity": -1, "reason": "damaged" }))
            },
            expect: [401, 403, 201, 404, 201],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/stock-receipts",
            par: false,
            body: |ids| {
                Some(
                    json!({ "lines": [{ "product_id": ids.product, "quantity": 10, "unit_cost_minor": 60 }] }),
                )
            },
            expect: [401, 403, 201, 404, 201],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/stock-counts",
            par: false,
            body: |ids| {
                Some(
                    json!({ "counted_at": "2026-01-01T10:00:00Z", "lines": [{ "product_id": ids.product, "counted": 3 }] }),
                )
            },
            expect: [401, 403, 201, 404, 201],
        },
        // Sales: anyone working in the store sells and reads its sales.
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/sales",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/sales",
            par: false,
            body: |ids| Some(sale_body(&ids.terminal, &ids.product, 2)),
            expect: [401, 201, 201, 404, 201],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/sales/{sale_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/sales/{sale_id}/receipt",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/price-cart",
            par: false,
            body: |ids| Some(json!({ "lines": [{ "product_id": ids.product, "quantity": 2 }] })),
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/promotions",
            par: false,
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/promotions",
            par: false,
            body: |_| Some(promotion_body()),
            expect: [401, 403, 403, 201, 201],
        },
        Row {
            method: M::GET,
            path: "/api/promotions/{promotion_id}",
            par: false,
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::PUT,
            path: "/api/promotions/{promotion_id}",
            par: false,
            body: |_| Some(promotion_body()),
            expect: [401, 403, 403, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/promotions/{promotion_id}",
            par: false,
            body: none,
            expect: [401, 403, 403, 404, 204],
        },
        // Reports: admins and the store's managers; cashiers may not.
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/reports/kpis",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/reports/top-products",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/reports/categories",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/reports/profit-and-loss",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/reports/stock-valuation",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/reports/staff",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/reports/store-comparison",
            par: false,
            body: none,
            // The other organisation's admin compares their own (no) stores.
            expect: [401, 403, 200, 200, 200],
        },
        // Forecasts: admins and the store's managers. The table's paths carry no query, so
        // the forecast itself answers 400 (product is required) to those who may ask;
        // tests/api/forecasts.rs serves real ones.
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/forecasts",
            par: false,
            body: none,
            expect: [401, 403, 400, 404, 400],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/models",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/models/{model_id}",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/models/{model_id}/activate",
            par: false,
            body: empty,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/models/rollback",
            par: false,
            body: |_| Some(json!({ "product_id": null })),
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/forecast-jobs",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores/{store_id}/forecast-jobs",
            par: false,
            body: |_| Some(json!({ "full": false })),
            expect: [401, 403, 202, 404, 202],
        },
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/forecast-jobs/{job_id}",
            par: false,
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        // Forecasts of PAR: the BER manager does not run it.
        Row {
            method: M::GET,
            path: "/api/stores/{store_id}/models",
            par: true,
            body: none,
            expect: [401, 403, 403, 404, 200],
        },
        // Imports: products and sales history are admins' (the other organisation imports into
        // its own catalog); stock counts also the store's managers.
        Row {
            method: M::POST,
            path: "/api/imports",
            par: false,
            body: |ids| {
                Some(
                    json!({ "kind": "products", "csv": format!("sku,name,price,tax_class\n{},Imported,1.00,standard\n", ids.unique) }),
                )
            },
            expect: [401, 403, 403, 200, 200],
        },
        Row {
            method: M::GET,
            path: "/ws",
            par: false,
            body: none,
            // Signed in but not a WebSocket upgrade (the protocol itself: tests/api/realtime.rs).
            expect: [401, 426, 426, 426, 426],
        },
        Row {
            method: M::POST,
            path: "/api/realtime/ticket",
            par: false,
            body: empty,
            expect: [401, 201, 201, 201, 201],
        },
        Row {
            method: M::POST,
            path: "/api/realtime/announcements",
            par: false,
            body: |ids| {
                Some(json!({ "title": "Till 2 is down", "priority": "high", "store_id": ids.ber }))
            },
            expect: [401, 403, 202, 404, 202],
        },
        Row {
            method: M::GET,
            path: "/api/notifications",
            par: false,
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::GET,
            path: "/api/notifications/unread-count",
            par: false,
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/notifications/{notification_id}/read",
            par: false,
            body: empty,
            // Nobody's notification: each user only ever finds their own.
            expect: [401, 404, 404, 404, 404],
        },
        Row {
            method: M::POST,
            path: "/api/notifications/read-all",
            par: false,
            body: empty,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::GET,
            path: "/api/notifications/preferences",
            par: false,
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::PUT,
            path: "/api/notifications/preferences",
            par: false,
            body: |_| Some(json!({ "min_priority": "high" })),
            expect: [401, 200, 200, 200, 200],
        },
    ]
}

/// Two store-default model versions of BER (so a rollback has somewhere to go) made by a
/// finished job, written through the storage layer: the fixture's sales are today's, and
/// training learns from complete days only (tests/api/forecasts.rs trains for real).
async fn forecast_fixture(app: &TestApp, ber: &str) -> (String, String) {
    use chainsync_domain::ids::{ModelId, StoreId};
    use chainsync_storage::forecasting::{self as fc, JobRecord, ModelRecord};
    let store: StoreId = ber.parse().expect("store id");
    let org = fc::all_stores(&mut app.db.conn().await.expect("conn"))
        .await
        .expect("stores")
        .into_iter()
        .find(|(_, s, _)| *s == store)
        .expect("BER")
        .0;
    let mut tx = app.db.begin_write().await.expect("tx");
    let job = JobRecord::queued(org, store, "api", false, None, None, 1);
    fc::insert_job(&mut tx, &job).await.expect("job");
    fc::claim_next(&mut tx, "fixture", 2).await.expect("claim");
    fc::finish_job(&mut tx, job.id, true, None, 3)
        .await
        .expect("finish");
    let mut last = None;
    for _ in 0..2 {
        let mut m = ModelRecord {
            id: ModelId::new(),
            org_id: org,
            store_id: store,
            product_id: None,
            version: 0,
            model_type: "ensemble".into(),
            params: json!({ "members": [{ "model": "seasonal-naive", "weight": 1.0 }] }),
            backtest_mase: Some(1.0),
            backtest_rmsse: Some(1.0),
            backtest_wape: Some(0.5),
            mase_scale: Some(1.0),
            live_mase: None,
            live_wape: None,
            live_days: 0,
            degraded: false,
            forecast: json!({ "start": "2026-11-26", "level": 80, "mean": [1.0, 1.0], "lo": [0.0, 0.0], "hi": [2.0, 2.0] }),
            trained_at: 4,
            training_ms: 1,
            data_from: "2026-11-01".into(),
            data_to: "2026-11-25".into(),
            active: false,
            previous_model_id: None,
            activated_at: None,
            job_id: Some(job.id),
        };
        fc::insert_and_activate(&mut tx, &mut m, 5)
            .await
            .expect("model");
        last = Some(m.id);
    }
    tx.commit().await.expect("commit");
    (last.expect("model").to_string(), job.id.to_string())
}

fn promotion_body() -> Value {
    json!({ "name": "Ten off", "rule": { "kind": "percentage", "percent_bps": 1000 }, "scope": { "kind": "all" } })
}

/// A server with the demo chain, the fixture, and every caller signed in.
struct World {
    app: TestApp,
    ids: Ids,
    callers: Vec<Caller>,
}

async fn world(backend: Backend) -> World {
    let app = spawn(backend).await;
    let ber = app.store_id("BER").await;
    let (category, supplier, product, terminal, sale) = fixture(&app, &ber).await;
    let promotion = {
        let admin = app.login("admin@demo.local").await;
        app.post(&admin, "/api/promotions", promotion_body())
            .await
            .body["id"]
            .as_str()
            .expect("promotion")
            .to_owned()
    };
    let admin = app.login("admin@demo.local").await;
    let id_of = |reply: crate::support::Reply| {
        assert!(
            reply.status.is_success(),
            "fixture: {} {}",
            reply.status,
            reply.body
        );
        reply.body["id"].as_str().expect("fixture id").to_owned()
    };
    let par = app.store_id("PAR").await;
    let customer = id_of(
        app.post(
            &admin,
            "/api/customers",
            json!({ "name": "Fixture Customer", "email": "fixture@example.com" }),
        )
        .await,
    );
    let terminal2 = id_of(
        app.post(
            &admin,
            &format!("/api/stores/{ber}/terminals"),
            json!({ "code": "BER-T2", "name": "Till 2" }),
        )
        .await,
    );
    let shift = id_of(
        app.post(
            &admin,
            &format!("/api/stores/{ber}/shifts"),
            json!({ "terminal_id": terminal2, "opening_float_minor": 5000 }),
        )
        .await,
    );
    let mut three = sale_body(&terminal2, &product, 1);
    three["receipt_number"] = json!("BER-T2-1");
    three["lines"][0]["quantity"] = json!(3);
    let sold = app
        .post(&admin, &format!("/api/stores/{ber}/sales"), three)
        .await;
    // One of three units, pro rata, rounded half up (never the last unit here).
    let refund1 = (sold.body["total_minor"].as_i64().expect("total") * 2 + 3) / 6;
    let sale2 = id_of(sold);
    let first_return = return_body(&sale2, 2, refund1)
        .to_string()
        .replace("{terminal2}", &terminal2);
    let ret = id_of(
        app.post(
            &admin,
            &format!("/api/stores/{ber}/returns"),
            serde_json::from_str(&first_return).expect("json"),
        )
        .await,
    );
    let transfer = id_of(
        app.post(
            &admin,
            &format!("/api/stores/{ber}/transfers"),
            json!({ "to_store_id": par, "lines": [{ "product_id": product, "quantity": 2 }] }),
        )
        .await,
    );
    let po = id_of(
        app.post(&admin, &format!("/api/stores/{ber}/purchase-orders"), json!({ "supplier_id": supplier, "lines": [{ "product_id": product, "quantity": 10 }] }))
            .await,
    );
    let (model, job) = forecast_fixture(&app, &ber).await;
    let ids = Ids {
        model,
        job,
        par,
        customer,
        shift,
        sale2,
        ret,
        transfer,
        po,
        terminal2,
        refund1,
        ber,
        target: app.user_id("cashier2.ber@demo.local").await,
        unique: format!("T{}", uuid::Uuid::now_v7().simple())
            .chars()
            .take(16)
            .collect(),
        category,
        supplier,
        product,
        terminal,
        sale,
        promotion,
    };
    let mut callers = Vec::new();
    for who in WHO {
        callers.push(caller(&app, who).await);
    }
    World { app, ids, callers }
}

async fn caller(app: &TestApp, who: Who) -> Caller {
    match who {
        Who::Anonymous => Caller::anonymous(),
        Who::Cashier => app.login("cashier1.ber@demo.local").await,
        Who::Manager => app.login("manager.ber@demo.local").await,
        Who::OtherOrgAdmin => app.other_org_admin().await,
        Who::Admin => app.login("admin@demo.local").await,
    }
}

fn spec_operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

async fn every_route_answers_every_role_as_the_table_says(backend: Backend) {
    let rows = table();
    let probe = spawn(backend).await;
    let spec = probe
        .get(&Caller::anonymous(), "/api/openapi.json")
        .await
        .body;
    let documented = spec_operations(&spec);
    let tabled: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    assert_eq!(
        tabled, documented,
        "the table must list exactly the documented routes"
    );
    drop(probe);

    // Reads share one server; every writing cell gets a fresh one so that no call's side
    // effects decide another's answer. Writing cells are independent, so four run at a time.
    let shared = std::sync::Arc::new(world(backend).await);
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(4));
    let mut cells = tokio::task::JoinSet::new();
    for row in rows {
        for (i, who) in WHO.iter().copied().enumerate() {
            let (shared, limit, method, path, par, body, expect) = (
                shared.clone(),
                limit.clone(),
                row.method.clone(),
                row.path,
                row.par,
                row.body,
                row.expect[i],
            );
            cells.spawn(async move {
                let _permit = limit.acquire_owned().await.expect("semaphore");
                let fresh;
                let w: &World = if method == Method::GET {
                    &shared
                } else {
                    fresh = world(backend).await;
                    &fresh
                };
                let ids = &w.ids;
                let store = if par { &ids.par } else { &ids.ber };
                let url = path
                    .replace("{store_id}", store)
                    .replace("{user_id}", &ids.target)
                    .replace("{product_id}", &ids.product)
                    .replace("{category_id}", &ids.category)
                    .replace("{supplier_id}", &ids.supplier)
                    .replace("{barcode}", BARCODE)
                    .replace("{terminal_id}", &ids.terminal)
                    .replace("{sale_id}", &ids.sale)
                    .replace("{promotion_id}", &ids.promotion)
                    .replace("{customer_id}", &ids.customer)
                    .replace("{shift_id}", &ids.shift)
                    .replace("{return_id}", &ids.ret)
                    .replace("{transfer_id}", &ids.transfer)
                    .replace("{po_id}", &ids.po)
                    .replace("{model_id}", &ids.model)
                    .replace("{job_id}", &ids.job)
                    .replace("{notification_id}", "01900000-0000-7000-8000-000000000000");
                let body = body(ids).map(|b| {
                    serde_json::from_str(&b.to_string().replace("{terminal2}", &ids.terminal2))
                        .expect("json")
                });
                let reply = w.app.call(&w.callers[i], method.clone(), &url, body).await;
                (reply.status.as_u16() != expect).then(|| {
                    format!(
                        "{method} {path} as {who:?}: expected {expect}, got {} {}",
                        reply.status, reply.body
                    )
                })
            });
        }
    }
    let mut failures: Vec<String> = cells.join_all().await.into_iter().flatten().collect();
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
