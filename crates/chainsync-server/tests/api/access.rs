//! Authorization on every route: a table of (method, path) × caller → status, walked on a
//! fresh server per cell so one call's side effects never decide another's answer. The table
//! must cover exactly the routes of the OpenAPI document (which is generated from the router's
//! own registrations): a new route without a row fails this test.
//!
//! Callers: anonymous; `cashier1.ber` (cashier in BER); `manager.ber`; the demo admin; and the
//! admin of another organisation, for whom every demo resource must be 404.
//! Targets: the BER store, and `cashier2.ber` (a cashier `manager.ber` manages).

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
    body: fn(&Ids) -> Option<Value>,
    /// Expected status for [anonymous, cashier, manager, other-org admin, admin].
    expect: [u16; 5],
}

struct Ids {
    ber: String,
    par: String,
    target: String,
    unique: String,
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
            path: "/healthz",
            body: none,
            expect: [200, 200, 200, 200, 200],
        },
        Row {
            method: M::GET,
            path: "/readyz",
            body: none,
            expect: [200, 200, 200, 200, 200],
        },
        Row {
            method: M::GET,
            path: "/metrics",
            body: none,
            expect: [200, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/auth/login",
            body: |_| Some(json!({ "email": "cashier2.ber@demo.local", "password": PASSWORD })),
            expect: [200, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/auth/refresh",
            body: |_| Some(json!({ "refresh_token": "not-a-token" })),
            expect: [401, 401, 401, 401, 401],
        },
        Row {
            method: M::POST,
            path: "/api/auth/logout",
            body: empty,
            expect: [401, 204, 204, 204, 204],
        },
        Row {
            method: M::GET,
            path: "/api/auth/me",
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/auth/password",
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
            body: none,
            expect: [401, 200, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/stores",
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
            body: none,
            expect: [401, 200, 200, 404, 200],
        },
        Row {
            method: M::PATCH,
            path: "/api/stores/{store_id}",
            body: |_| Some(json!({ "name": "Renamed" })),
            expect: [401, 403, 403, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/stores/{store_id}",
            body: none,
            expect: [401, 403, 403, 404, 204],
        },
        Row {
            method: M::GET,
            path: "/api/users",
            body: none,
            expect: [401, 403, 200, 200, 200],
        },
        Row {
            method: M::POST,
            path: "/api/users",
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
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::PATCH,
            path: "/api/users/{user_id}",
            body: |_| Some(json!({ "display_name": "Renamed" })),
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/users/{user_id}",
            body: none,
            expect: [401, 403, 204, 404, 204],
        },
        Row {
            method: M::POST,
            path: "/api/users/{user_id}/reset-password",
            body: none,
            expect: [401, 403, 200, 404, 200],
        },
        Row {
            method: M::PUT,
            path: "/api/users/{user_id}/memberships/{store_id}",
            body: |_| Some(json!({ "role": "cashier" })),
            // {store_id} is PAR here: the BER manager does not run it.
            expect: [401, 403, 403, 404, 200],
        },
        Row {
            method: M::DELETE,
            path: "/api/users/{user_id}/memberships/{store_id}",
            body: none,
            expect: [401, 403, 204, 404, 204],
        },
        Row {
            method: M::GET,
            path: "/api/audit",
            body: none,
            expect: [401, 403, 403, 200, 200],
        },
    ]
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

    let mut failures = Vec::new();
    for row in &rows {
        for (i, who) in WHO.iter().enumerate() {
            let app = spawn(backend).await;
            let ids = Ids {
                ber: app.store_id("BER").await,
                par: app.store_id("PAR").await,
                target: app.user_id("cashier2.ber@demo.local").await,
                unique: format!("T{i}"),
            };
            let store = if row.method == Method::PUT {
                &ids.par
            } else {
                &ids.ber
            };
            let path = row
                .path
                .replace("{store_id}", store)
                .replace("{user_id}", &ids.target);
            let as_who = caller(&app, *who).await;
            let reply = app
                .call(&as_who, row.method.clone(), &path, (row.body)(&ids))
                .await;
            if reply.status.as_u16() != row.expect[i] {
                failures.push(format!(
                    "{} {} as {who:?}: expected {}, got {} {}",
                    row.method, row.path, row.expect[i], reply.status, reply.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
