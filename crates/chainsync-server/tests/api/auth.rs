//! Sign-in, token rotation, sign-out and lockout.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, PASSWORD, TestApp, spawn, spawn_with};
use chainsync_server::security::tokens::Claims;
use chainsync_server::state::ApiSettings;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    login_returns_a_token_pair_and_me_describes_the_user,
    wrong_password_and_unknown_email_get_the_same_answer,
    an_account_locks_after_five_failures_even_for_the_right_password,
    unknown_emails_lock_too_so_locks_reveal_nothing,
    refresh_rotates_and_a_reused_token_ends_the_session,
    logout_ends_the_session_at_once,
    logout_of_all_sessions_ends_every_device,
    expired_and_forged_tokens_are_refused,
    logins_are_audited_with_the_source_address,
    a_session_ended_by_another_process_is_refused_once_the_cache_expires,
    sales_and_announcements_keep_the_session_cache_other_writes_empty_it,
);

async fn login_returns_a_token_pair_and_me_describes_the_user(backend: Backend) {
    let app = spawn(backend).await;
    let reply = app.try_login("Manager.BER@demo.local", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 900);
    assert_eq!(reply.body["must_change_password"], false);
    assert_eq!(reply.headers["cache-control"], "no-store");
    let caller = Caller {
        access: reply.body["access_token"].as_str().map(Into::into),
        refresh: None,
    };

    let me = app.get(&caller, "/api/auth/me").await;

    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["email"], "manager.ber@demo.local");
    assert_eq!(me.body["organisation"]["name"], "Demo Retail Co.");
    assert_eq!(me.body["memberships"][0]["store_code"], "BER");
    assert_eq!(me.body["memberships"][0]["role"], "manager");
    assert!(me.body["user"].get("password_hash").is_none());
}

async fn wrong_password_and_unknown_email_get_the_same_answer(backend: Backend) {
    let app = spawn(backend).await;
    let wrong = app.try_login("admin@demo.local", "not-the-password").await;
    let unknown = app.try_login("nobody@demo.local", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.code(), "invalid_credentials");
}

async fn an_account_locks_after_five_failures_even_for_the_right_password(backend: Backend) {
    let app = spawn(backend).await;
    for attempt in 1..=4 {
        let reply = app
            .try_login("cashier1.ber@demo.local", "wrong-password")
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let fifth = app
        .try_login("cashier1.ber@demo.local", "wrong-password")
        .await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);

    let right = app.try_login("cashier1.ber@demo.local", PASSWORD).await;

    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(right.code(), "too_many_attempts");
    let retry: u64 = right.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=901).contains(&retry), "retry-after {retry}");
    // Another account is not affected.
    assert_eq!(
        app.try_login("cashier2.ber@demo.local", PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
}

async fn unknown_emails_lock_too_so_locks_reveal_nothing(backend: Backend) {
    let app = spawn(backend).await;
    for _ in 0..4 {
        app.try_login("ghost@demo.local", "wrong-password").await;
    }
    let fifth = app.try_login("ghost@demo.local", "wrong-password").await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn refresh_rotates_and_a_reused_token_ends_the_session(backend: Backend) {
    let app = spawn(backend).await;
    let first = app.login("cashier1.par@demo.local").await;
    let original = first.refresh.clone().unwrap();

    let rotated = app
        .post(
            &Caller::anonymous(),
            "/api/auth/refresh",
            json!({ "refresh_token": original }),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    let second_refresh = rotated.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, original);
    let second = Caller {
        access: rotated.body["access_token"].as_str().map(Into::into),
        refresh: Some(second_refresh.clone()),
    };
    assert_eq!(
        app.get(&second, "/api/auth/me").await.status,
        StatusCode::OK
    );

    // The old token is presented again: someone copied it.
    let reuse = app
        .post(
            &Caller::anonymous(),
            "/api/auth/refresh",
            json!({ "refresh_token": original }),
        )
        .await;

    assert_eq!(reuse.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reuse.code(), "invalid_refresh_token");
    let after = app
        .post(
            &Caller::anonymous(),
            "/api/auth/refresh",
            json!({ "refresh_token": second_refresh }),
        )
        .await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "the whole family is revoked"
    );
    let me = app.get(&second, "/api/auth/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.code(), "session_ended");
    assert_eq!(app.audit("auth.refresh_reuse_detected").await.len(), 1);
}

async fn logout_ends_the_session_at_once(backend: Backend) {
    let app = spawn(backend).await;
    let phone = app.login("manager.ams@demo.local").await;
    let laptop = app.login("manager.ams@demo.local").await;

    let reply = app.post(&phone, "/api/auth/logout", json!({})).await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&phone, "/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let refresh = app
        .post(
            &Caller::anonymous(),
            "/api/auth/refresh",
            json!({ "refresh_token": phone.refresh }),
        )
        .await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get(&laptop, "/api/auth/me").await.status,
        StatusCode::OK,
        "other sessions continue"
    );
}

async fn logout_of_all_sessions_ends_every_device(backend: Backend) {
    let app = spawn(backend).await;
    let phone = app.login("manager.ams@demo.local").await;
    let laptop = app.login("manager.ams@demo.local").await;

    let reply = app
        .post(&phone, "/api/auth/logout", json!({ "all_sessions": true }))
        .await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&laptop, "/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let refresh = app
        .post(
            &Caller::anonymous(),
            "/api/auth/refresh",
            json!({ "refresh_token": laptop.refresh }),
        )
        .await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED);
}

async fn expired_and_forged_tokens_are_refused(backend: Backend) {
    let app = spawn(backend).await;
    let caller = app.login("admin@demo.local").await;
    let token = caller.access.clone().unwrap();

    // Forged: the signature of another key.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[2] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into();
    let forged = Caller {
        access: Some(parts.join(".")),
        refresh: None,
    };
    let reply = app.get(&forged, "/api/auth/me").await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );

    // Expired: properly signed, but past its expiry.
    let me = app.get(&caller, "/api/auth/me").await;
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: me.body["user"]["id"].as_str().unwrap().parse().unwrap(),
        org: me.body["organisation"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
        sid: uuid::Uuid::now_v7(),
        iat: now - 3600,
        iat_ms: (now - 3600) * 1000,
        exp: now - 60,
        typ: "access".into(),
    };
    let expired = Caller {
        access: Some(app.state.keys.sign(&claims).unwrap()),
        refresh: None,
    };
    let reply = app.get(&expired, "/api/auth/me").await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::UNAUTHORIZED, "token_expired")
    );

    // Wrong use: a token minted for another purpose is not an access token.
    let ws = Claims {
        typ: "ws".into(),
        exp: now + 60,
        ..claims
    };
    let other_use = Caller {
        access: Some(app.state.keys.sign(&ws).unwrap()),
        refresh: None,
    };
    assert_eq!(
        app.get(&other_use, "/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Garbage and a missing header.
    let garbage = Caller {
        access: Some("not.a.jwt".into()),
        refresh: None,
    };
    assert_eq!(
        app.get(&garbage, "/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let none = app.get(&Caller::anonymous(), "/api/auth/me").await;
    assert_eq!(
        (none.status, none.code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
}

async fn logins_are_audited_with_the_source_address(backend: Backend) {
    let app = spawn(backend).await;
    app.try_login("cashier1.vie@demo.local", "wrong-password")
        .await;
    app.login("cashier1.vie@demo.local").await;

    let failed = app.audit("auth.login_failed").await;
    let succeeded = app.audit("auth.login").await;

    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["actor_label"], "cashier1.vie@demo.local");
    assert_eq!(failed[0]["details"]["reason"], "wrong_password");
    assert_eq!(failed[0]["source_ip"], "127.0.0.1");
    assert!(succeeded.iter().any(|e| e["actor_label"] == "cashier1.vie@demo.local" && e["source_ip"] == "127.0.0.1"));
}

/// `session_cache_lookups_total{result=...}` from the server's metrics.
async fn session_lookups(app: &TestApp, result: &str) -> u64 {
    let prefix = format!("session_cache_lookups_total{{result=\"{result}\"}} ");
    app.metrics()
        .await
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// A change this server did not make (another server on the same database, the command line)
/// reaches a cached session within the cache's lifetime (docs/authentication.md, "The session
/// cache").
async fn a_session_ended_by_another_process_is_refused_once_the_cache_expires(backend: Backend) {
    let ttl = std::time::Duration::from_millis(400);
    let app = spawn_with(
        backend,
        ApiSettings {
            session_cache_ttl: ttl,
            ..ApiSettings::default()
        },
    )
    .await;
    let cashier = app.login("cashier1.mad@demo.local").await;
    assert_eq!(
        app.get(&cashier, "/api/auth/me").await.status,
        StatusCode::OK
    );

    // Deactivated behind this server's back, as another process would.
    let changed = sqlx::query("UPDATE users SET active = 0 WHERE email = $1")
        .bind("cashier1.mad@demo.local")
        .execute(&mut *app.db.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let misses = session_lookups(&app, "miss").await;
    let cached = app.get(&cashier, "/api/auth/me").await;
    let refused_after_ttl = cached.status == StatusCode::UNAUTHORIZED;
    assert!(
        cached.status == StatusCode::OK || refused_after_ttl,
        "{:?}",
        cached.body
    );
    if !refused_after_ttl {
        assert_eq!(
            session_lookups(&app, "miss").await,
            misses,
            "served from the cache"
        );
    }

    tokio::time::sleep(ttl + std::time::Duration::from_millis(50)).await;
    let after = app.get(&cashier, "/api/auth/me").await;
    assert_eq!(
        (after.status, after.code()),
        (StatusCode::UNAUTHORIZED, "session_ended")
    );
}

/// Ringing sales up and announcing keep the cache (they cannot change a session); any other
/// write, here a store change, empties it, so the next request reads the session again.
async fn sales_and_announcements_keep_the_session_cache_other_writes_empty_it(backend: Backend) {
    let app = spawn_with(
        backend,
        ApiSettings {
            // Long enough that nothing expires during the test.
            session_cache_ttl: std::time::Duration::from_secs(600),
            ..ApiSettings::default()
        },
    )
    .await;
    let admin = app.login("admin@demo.local").await;
    let store = app.store_id("BER").await;
    assert_eq!(app.get(&admin, "/api/auth/me").await.status, StatusCode::OK);
    let misses = session_lookups(&app, "miss").await;
    let hits = session_lookups(&app, "hit").await;

    let announced = app
        .post(
            &admin,
            "/api/realtime/announcements",
            json!({ "title": "t", "message": "m", "priority": "low", "store_id": store }),
        )
        .await;
    assert_eq!(
        announced.status,
        StatusCode::ACCEPTED,
        "{:?}",
        announced.body
    );
    assert_eq!(app.get(&admin, "/api/auth/me").await.status, StatusCode::OK);
    assert_eq!(session_lookups(&app, "miss").await, misses, "kept");
    assert_eq!(session_lookups(&app, "hit").await, hits + 2);

    let changed = app
        .call(
            &admin,
            reqwest::Method::PATCH,
            &format!("/api/stores/{store}"),
            Some(json!({ "name": "Berlin Mitte (renamed)" })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(app.get(&admin, "/api/auth/me").await.status, StatusCode::OK);
    assert_eq!(session_lookups(&app, "miss").await, misses + 1, "emptied");
}
