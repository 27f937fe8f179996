//! Account lifecycle without email: one-time passwords, first-login change, resets,
//! deactivation, roles, and the audit trail of each. Also the demo seed and `init`.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, PASSWORD, spawn};
use chainsync_server::setup::{self, InitError, InitRequest};
use chainsync_server::{demo, server};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    a_new_user_must_choose_a_password_at_first_login,
    a_manager_creates_cashiers_only_in_their_own_stores,
    deactivating_a_user_ends_their_sessions_at_once,
    a_password_reset_ends_sessions_and_lifts_a_lockout,
    nobody_deactivates_or_demotes_themselves_and_admins_demote_each_other,
    duplicate_emails_and_store_codes_conflict_and_change_nothing,
    role_changes_take_effect_on_the_next_request,
    store_changes_are_audited_field_by_field,
    the_demo_seed_is_deterministic_and_idempotent,
    init_creates_the_first_admin_once,
);

async fn a_new_user_must_choose_a_password_at_first_login(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let ber = app.store_id("BER").await;
    let created = app
        .post(&admin, "/api/users", json!({ "email": "new.cashier@demo.local", "display_name": "New Cashier", "memberships": [{ "store_id": ber, "role": "cashier" }] }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let otp = created.body["one_time_password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(created.body["user"]["must_change_password"], true);

    let login = app.try_login("new.cashier@demo.local", &otp).await;
    assert_eq!(login.body["must_change_password"], true);
    let pending = Caller {
        access: login.body["access_token"].as_str().map(Into::into),
        refresh: None,
    };
    let blocked = app.get(&pending, "/api/stores").await;
    assert_eq!(
        (blocked.status, blocked.code()),
        (StatusCode::FORBIDDEN, "password_change_required")
    );
    assert_eq!(
        app.get(&pending, "/api/auth/me").await.status,
        StatusCode::OK
    );
    let weak = app
        .post(
            &pending,
            "/api/auth/password",
            json!({ "current_password": otp, "new_password": "short" }),
        )
        .await;
    assert_eq!(
        (weak.status, weak.code(), weak.field()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_too_short",
            "new_password"
        )
    );

    let changed = app
        .post(
            &pending,
            "/api/auth/password",
            json!({ "current_password": otp, "new_password": "my own long password" }),
        )
        .await;

    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["must_change_password"], false);
    let fresh = Caller {
        access: changed.body["access_token"].as_str().map(Into::into),
        refresh: None,
    };
    assert_eq!(app.get(&fresh, "/api/stores").await.status, StatusCode::OK);
    assert_eq!(
        app.get(&pending, "/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED,
        "the one-time session ended"
    );
    assert_eq!(
        app.try_login("new.cashier@demo.local", &otp).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.login_with("new.cashier@demo.local", "my own long password")
        .await;
    let created_rows = app.audit("user.created").await;
    assert_eq!(created_rows.len(), 1);
    assert_eq!(created_rows[0]["actor_label"], "admin@demo.local");
    assert_eq!(app.audit("auth.password_changed").await.len(), 1);
}

async fn a_manager_creates_cashiers_only_in_their_own_stores(backend: Backend) {
    let app = spawn(backend).await;
    let manager = app.login("manager.ber@demo.local").await;
    let (ber, par) = (app.store_id("BER").await, app.store_id("PAR").await);
    let user = |email: &str, store: &str, role: &str| json!({ "email": email, "display_name": "Someone", "memberships": [{ "store_id": store, "role": role }] });

    let own = app
        .post(
            &manager,
            "/api/users",
            user("c1@demo.local", &ber, "cashier"),
        )
        .await;
    let other_store = app
        .post(
            &manager,
            "/api/users",
            user("c2@demo.local", &par, "cashier"),
        )
        .await;
    let a_manager = app
        .post(
            &manager,
            "/api/users",
            user("m2@demo.local", &ber, "manager"),
        )
        .await;
    let an_admin = app.post(&manager, "/api/users", json!({ "email": "a@demo.local", "display_name": "A", "is_org_admin": true, "memberships": [{ "store_id": ber, "role": "cashier" }] })).await;
    let no_store = app
        .post(
            &manager,
            "/api/users",
            json!({ "email": "c3@demo.local", "display_name": "C" }),
        )
        .await;

    assert_eq!(own.status, StatusCode::CREATED);
    assert_eq!(other_store.status, StatusCode::FORBIDDEN);
    assert_eq!(a_manager.status, StatusCode::FORBIDDEN);
    assert_eq!(an_admin.status, StatusCode::FORBIDDEN);
    assert_eq!(
        (no_store.status, no_store.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "memberships")
    );
    let listed = app.get(&manager, "/api/users?limit=200").await;
    let emails: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert!(
        emails.contains(&"c1@demo.local")
            && emails.contains(&"cashier1.ber@demo.local")
            && emails.contains(&"manager.ber@demo.local")
    );
    assert!(
        !emails
            .iter()
            .any(|e| e.ends_with(".par@demo.local") || *e == "admin@demo.local"),
        "{emails:?}"
    );
}

async fn deactivating_a_user_ends_their_sessions_at_once(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let cashier = app.login("cashier1.mad@demo.local").await;
    let id = app.user_id("cashier1.mad@demo.local").await;
    assert_eq!(
        app.get(&cashier, "/api/stores").await.status,
        StatusCode::OK
    );

    let reply = app
        .call(&admin, Method::DELETE, &format!("/api/users/{id}"), None)
        .await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let after = app.get(&cashier, "/api/stores").await;
    assert_eq!(
        (after.status, after.code()),
        (StatusCode::UNAUTHORIZED, "session_ended")
    );
    let refresh = app
        .post(
            &Caller::anonymous(),
            "/api/auth/refresh",
            json!({ "refresh_token": cashier.refresh }),
        )
        .await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.try_login("cashier1.mad@demo.local", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let rows = app.audit("user.deactivated").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["target_id"], id.as_str());

    let back = app
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/users/{id}"),
            Some(json!({ "active": true })),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK);
    app.login("cashier1.mad@demo.local").await;
    assert_eq!(app.audit("user.reactivated").await.len(), 1);
}

async fn a_password_reset_ends_sessions_and_lifts_a_lockout(backend: Backend) {
    let app = spawn(backend).await;
    let cashier = app.login("cashier2.vie@demo.local").await;
    for _ in 0..5 {
        app.try_login("cashier2.vie@demo.local", "wrong-password")
            .await;
    }
    assert_eq!(
        app.try_login("cashier2.vie@demo.local", PASSWORD)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let manager = app.login("manager.vie@demo.local").await;
    let id = app.user_id("cashier2.vie@demo.local").await;

    let reset = app
        .post(
            &manager,
            &format!("/api/users/{id}/reset-password"),
            json!({}),
        )
        .await;

    assert_eq!(reset.status, StatusCode::OK, "{:?}", reset.body);
    let otp = reset.body["one_time_password"].as_str().unwrap();
    assert_eq!(
        app.get(&cashier, "/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = app.try_login("cashier2.vie@demo.local", otp).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.body["must_change_password"], true);
    assert_eq!(app.audit("user.password_reset").await.len(), 1);
    // A manager cannot reset a peer manager's or an admin's password.
    let peer = app.user_id("manager.ber@demo.local").await;
    assert_eq!(
        app.post(
            &manager,
            &format!("/api/users/{peer}/reset-password"),
            json!({})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

async fn nobody_deactivates_or_demotes_themselves_and_admins_demote_each_other(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let admin_id = app.user_id("admin@demo.local").await;
    let manager_id = app.user_id("manager.ber@demo.local").await;

    let self_deactivate = app
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/users/{admin_id}"),
            None,
        )
        .await;
    let self_demote = app
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/users/{admin_id}"),
            Some(json!({ "is_org_admin": false })),
        )
        .await;
    assert_eq!(
        (self_deactivate.status, self_deactivate.code()),
        (StatusCode::CONFLICT, "cannot_change_self")
    );
    assert_eq!(self_demote.status, StatusCode::CONFLICT);

    // With a second admin, the first may be demoted by the second, but not the last one.
    let promote = app
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/users/{manager_id}"),
            Some(json!({ "is_org_admin": true })),
        )
        .await;
    assert_eq!(promote.status, StatusCode::OK);
    assert_eq!(app.audit("user.admin_granted").await.len(), 1);
    let second = app.login("manager.ber@demo.local").await;
    let demote_first = app
        .call(
            &second,
            Method::PATCH,
            &format!("/api/users/{admin_id}"),
            Some(json!({ "is_org_admin": false })),
        )
        .await;
    assert_eq!(demote_first.status, StatusCode::OK);
    let demote_last = app
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/users/{manager_id}"),
            Some(json!({ "is_org_admin": false })),
        )
        .await;
    assert_eq!(
        demote_last.status,
        StatusCode::FORBIDDEN,
        "no longer an admin"
    );
    let me = app.get(&second, "/api/auth/me").await;
    assert_eq!(me.body["user"]["is_org_admin"], true);
}

async fn duplicate_emails_and_store_codes_conflict_and_change_nothing(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let before_users = app.get(&admin, "/api/users?limit=200").await.body["items"]
        .as_array()
        .unwrap()
        .len();
    let before_stores = app.get(&admin, "/api/stores?limit=200").await.body["items"]
        .as_array()
        .unwrap()
        .len();

    let user = app
        .post(
            &admin,
            "/api/users",
            json!({ "email": "CASHIER1.BER@demo.local", "display_name": "Dup" }),
        )
        .await;
    let store = app
        .post(&admin, "/api/stores", json!({ "code": "ber", "name": "Dup", "country": "DE", "timezone": "Europe/Berlin", "tax_rates": { "standard": 1900 } }))
        .await;

    assert_eq!(
        (user.status, user.code(), user.field()),
        (StatusCode::CONFLICT, "email_taken", "email")
    );
    assert_eq!(
        (store.status, store.code(), store.field()),
        (StatusCode::CONFLICT, "store_code_taken", "code")
    );
    assert_eq!(
        app.get(&admin, "/api/users?limit=200").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        before_users
    );
    assert_eq!(
        app.get(&admin, "/api/stores?limit=200").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        before_stores
    );
    assert!(app.audit("user.created").await.is_empty());
    assert!(app.audit("store.created").await.is_empty());
}

async fn role_changes_take_effect_on_the_next_request(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let cashier = app.login("cashier1.ams@demo.local").await;
    let id = app.user_id("cashier1.ams@demo.local").await;
    let ams = app.store_id("AMS").await;
    assert_eq!(
        app.get(&cashier, "/api/users").await.status,
        StatusCode::FORBIDDEN
    );

    let promoted = app
        .call(
            &admin,
            Method::PUT,
            &format!("/api/users/{id}/memberships/{ams}"),
            Some(json!({ "role": "manager" })),
        )
        .await;

    assert_eq!(promoted.status, StatusCode::OK, "{:?}", promoted.body);
    assert_eq!(
        app.get(&cashier, "/api/users").await.status,
        StatusCode::OK,
        "same token, new role"
    );
    let rows = app.audit("user.role_changed").await;
    assert_eq!(rows[0]["details"]["role"], "manager");
    assert_eq!(rows[0]["details"]["previous_role"], "cashier");

    let removed = app
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/users/{id}/memberships/{ams}"),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&cashier, &format!("/api/stores/{ams}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.audit("user.role_revoked").await.len(), 1);
}

async fn store_changes_are_audited_field_by_field(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let created = app
        .post(&admin, "/api/stores", json!({ "code": "lis", "name": "Lisboa Chiado", "country": "pt", "timezone": "Europe/Lisbon", "tax_rates": { "standard": 2300, "reduced": 600 } }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["code"], "LIS");
    assert_eq!(created.body["currency"], "EUR");
    let id = created.body["id"].as_str().unwrap();

    let updated = app
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/stores/{id}"),
            Some(json!({ "name": "Lisboa Baixa", "city": "Lisbon", "address": null })),
        )
        .await;

    assert_eq!(updated.status, StatusCode::OK);
    let rows = app.audit("store.").await;
    let change = rows
        .iter()
        .find(|r| r["action"] == "store.updated")
        .expect("store.updated");
    assert_eq!(
        change["details"]["changes"]["name"],
        json!({ "from": "Lisboa Chiado", "to": "Lisboa Baixa" })
    );
    assert_eq!(change["details"]["changes"]["city"]["to"], "Lisbon");
    assert!(
        change["details"]["changes"].get("address").is_none(),
        "unchanged fields are not recorded"
    );
    assert!(rows.iter().any(|r| r["action"] == "store.created"));

    let deleted = app
        .call(&admin, Method::DELETE, &format!("/api/stores/{id}"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let listed = app.get(&admin, "/api/stores?limit=200").await;
    assert!(
        !listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == id)
    );
    let with_inactive = app
        .get(&admin, "/api/stores?limit=200&include_inactive=true")
        .await;
    assert!(
        with_inactive.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == id && s["active"] == false)
    );
}

async fn the_demo_seed_is_deterministic_and_idempotent(backend: Backend) {
    let app = spawn(backend).await;
    let again = demo::seed(&app.db, 42, PASSWORD, demo::DemoScale::Staff)
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.logins.len(), 16);
    let admin = app.login("admin@demo.local").await;
    let stores = app.get(&admin, "/api/stores").await;
    let codes: Vec<&str> = stores.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["BER", "PAR", "AMS", "VIE", "MAD"]);

    // The same seed on another database gives the same ids.
    let other = spawn(backend).await;
    assert_eq!(app.store_id("VIE").await, other.store_id("VIE").await);
    assert_eq!(
        app.user_id("cashier2.mad@demo.local").await,
        other.user_id("cashier2.mad@demo.local").await
    );
}

async fn init_creates_the_first_admin_once(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = Some(crate::support::fresh_url(backend, dir.path()).await);
    let config = chainsync_server::config::DatabaseConfig::resolve(
        Some(dir.path().into()),
        url,
        &Default::default(),
    )
    .unwrap();
    let db = server::open_database(&config).await.unwrap();
    let request = |password: &str| InitRequest {
        org_name: "Corner Shops Ltd".into(),
        admin_email: "Owner@Corner.example".into(),
        admin_name: "Owner".into(),
        currency: "gbp".into(),
        locale: "en-GB".into(),
        password: password.into(),
    };

    assert!(matches!(
        setup::init(&db, request("short")).await,
        Err(InitError::Invalid(_))
    ));
    setup::init(&db, request("a long enough password"))
        .await
        .unwrap();
    let second = setup::init(&db, request("a long enough password")).await;

    assert!(matches!(second, Err(InitError::AlreadyInitialised)));
    let state = server::build_state(db.clone(), Default::default())
        .await
        .unwrap();
    let user = chainsync_storage::users::find_by_email(
        &mut db.conn().await.unwrap(),
        "owner@corner.example",
    )
    .await
    .unwrap()
    .unwrap();
    assert!(user.is_org_admin && !user.must_change_password);
    let filter = chainsync_storage::audit::AuditFilter {
        action: Some("org.initialised".into()),
        ..Default::default()
    };
    let rows = chainsync_storage::audit::list(
        &mut db.conn().await.unwrap(),
        user.org_id,
        &filter,
        None,
        10,
    )
    .await
    .unwrap();
    assert_eq!(rows.items.len(), 1);
    assert_eq!(
        rows.items[0].target_id.as_deref(),
        Some(user.id.to_string().as_str())
    );
    let org = chainsync_storage::orgs::get(&mut db.conn().await.unwrap(), user.org_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org.currency, "GBP");
    drop(state);
}
