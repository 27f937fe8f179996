//! The storage story: one suite, run on SQLite always and on PostgreSQL when
//! `CHAINSYNC_TEST_DATABASE_URL` is set, proving both backends behave the same.

use chainsync_domain::access::Role;
use chainsync_domain::ids::{AuditId, OrgId, StoreId, UserId};
use chainsync_storage::audit::{self, AuditFilter, AuditRecord};
use chainsync_storage::auth::{self as auth_store, RefreshTokenRecord, ThrottlePolicy};
use chainsync_storage::orgs;
use chainsync_storage::stores::{self, StoreRecord, StoreScope};
use chainsync_storage::testing::{TestBackend, fresh_db, org_record, store_record};
use chainsync_storage::users::{self, UserListScope, UserRecord};
use chainsync_storage::{Db, StorageError, on_both_backends};
use uuid::Uuid;

on_both_backends!(
    organisations_stores_and_users_round_trip,
    store_codes_are_unique_per_organisation_only,
    emails_are_unique_and_conflicts_name_the_constraint,
    lists_paginate_by_cursor_without_gaps_or_repeats,
    a_manager_lists_only_the_plain_cashiers_of_their_stores,
    a_refresh_token_is_consumed_exactly_once_under_concurrency,
    revoking_a_family_ends_every_token_in_it,
    throttling_locks_after_the_limit_and_forgets_old_failures,
    audit_filters_narrow_and_pages_run_newest_first,
    migrations_are_idempotent,
    notifications_are_written_together_once_per_user_and_event,
);

async fn db(backend: TestBackend) -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (fresh_db(backend, dir.path()).await, dir)
}

fn store(org: OrgId, code: &str) -> StoreRecord {
    StoreRecord {
        name: format!("Store {code}"),
        city: Some("Berlin".into()),
        ..store_record(org, code)
    }
}

fn user(org: OrgId, email: &str, admin: bool) -> UserRecord {
    UserRecord {
        id: UserId::new(),
        org_id: org,
        email: email.into(),
        password_hash: "$argon2id$fake".into(),
        display_name: email.into(),
        active: true,
        is_org_admin: admin,
        must_change_password: false,
        is_demo: false,
        tokens_valid_after: 0,
        created_at: 1,
        updated_at: 1,
    }
}

async fn organisations_stores_and_users_round_trip(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let mut conn = db.conn().await.unwrap();
    let o = org_record("Acme");
    orgs::insert(&mut conn, &o).await.unwrap();
    let s = store(o.id, "BER");
    stores::insert(&mut conn, &s).await.unwrap();
    let u = user(o.id, "ada@acme.test", false);
    users::insert(&mut conn, &u).await.unwrap();
    users::set_membership(&mut conn, u.id, s.id, Role::Cashier, 1)
        .await
        .unwrap();

    let got_store = stores::get(&mut conn, o.id, s.id).await.unwrap().unwrap();
    let got_user = users::find_by_email(&mut conn, "ada@acme.test")
        .await
        .unwrap()
        .unwrap();
    let previous = users::set_membership(&mut conn, u.id, s.id, Role::Manager, 2)
        .await
        .unwrap();

    assert_eq!(got_store.tax_rates, s.tax_rates);
    assert_eq!(
        (
            got_store.code.as_str(),
            got_store.tax_inclusive,
            got_store.address
        ),
        ("BER", true, None)
    );
    assert_eq!(
        (got_user.id, got_user.is_org_admin, got_user.active),
        (u.id, false, true)
    );
    assert_eq!(previous, Some(Role::Cashier));
    assert_eq!(
        users::memberships_of(&mut conn, u.id).await.unwrap()[0].role,
        Role::Manager
    );
    assert!(
        stores::get(&mut conn, OrgId::new(), s.id)
            .await
            .unwrap()
            .is_none(),
        "scoped by organisation"
    );
}

async fn store_codes_are_unique_per_organisation_only(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let mut conn = db.conn().await.unwrap();
    let (a, b) = (org_record("A"), org_record("B"));
    orgs::insert(&mut conn, &a).await.unwrap();
    orgs::insert(&mut conn, &b).await.unwrap();
    stores::insert(&mut conn, &store(a.id, "BER"))
        .await
        .unwrap();
    stores::insert(&mut conn, &store(b.id, "BER"))
        .await
        .unwrap();

    let err = stores::insert(&mut conn, &store(a.id, "BER"))
        .await
        .unwrap_err();

    assert!(
        err.is_conflict_on("stores_org_code_key", "stores.org_id, stores.code"),
        "{err:?}"
    );
}

async fn emails_are_unique_and_conflicts_name_the_constraint(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let mut conn = db.conn().await.unwrap();
    let (a, b) = (org_record("A"), org_record("B"));
    orgs::insert(&mut conn, &a).await.unwrap();
    orgs::insert(&mut conn, &b).await.unwrap();
    users::insert(&mut conn, &user(a.id, "same@x.test", false))
        .await
        .unwrap();

    let err = users::insert(&mut conn, &user(b.id, "same@x.test", false))
        .await
        .unwrap_err();

    assert!(matches!(err, StorageError::Conflict(_)));
    assert!(
        err.is_conflict_on("users_email_key", "users.email"),
        "{err:?}"
    );
}

async fn lists_paginate_by_cursor_without_gaps_or_repeats(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let mut conn = db.conn().await.unwrap();
    let o = org_record("A");
    orgs::insert(&mut conn, &o).await.unwrap();
    let mut created = Vec::new();
    for i in 0..7 {
        let s = store(o.id, &format!("S{i}"));
        stores::insert(&mut conn, &s).await.unwrap();
        created.push(s.id);
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = stores::list(&mut conn, o.id, &StoreScope::All, false, cursor, 3)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|s| s.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c.parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(seen, created);
    let scoped = stores::list(
        &mut conn,
        o.id,
        &StoreScope::Only(vec![created[2], created[5]]),
        false,
        None,
        50,
    )
    .await
    .unwrap();
    assert_eq!(
        scoped.items.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![created[2], created[5]]
    );
}

async fn a_manager_lists_only_the_plain_cashiers_of_their_stores(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let mut conn = db.conn().await.unwrap();
    let o = org_record("A");
    orgs::insert(&mut conn, &o).await.unwrap();
    let (mine, theirs) = (store(o.id, "MINE"), store(o.id, "THEIRS"));
    stores::insert(&mut conn, &mine).await.unwrap();
    stores::insert(&mut conn, &theirs).await.unwrap();
    let add = |email: &'static str, admin: bool| user(o.id, email, admin);
    let (manager, cashier, other_cashier, peer, admin) = (
        add("m@x", false),
        add("c@x", false),
        add("oc@x", false),
        add("peer@x", false),
        add("admin@x", true),
    );
    for u in [&manager, &cashier, &other_cashier, &peer, &admin] {
        users::insert(&mut conn, u).await.unwrap();
    }
    users::set_membership(&mut conn, manager.id, mine.id, Role::Manager, 1)
        .await
        .unwrap();
    users::set_membership(&mut conn, cashier.id, mine.id, Role::Cashier, 1)
        .await
        .unwrap();
    users::set_membership(&mut conn, other_cashier.id, theirs.id, Role::Cashier, 1)
        .await
        .unwrap();
    users::set_membership(&mut conn, peer.id, mine.id, Role::Manager, 1)
        .await
        .unwrap();
    users::set_membership(&mut conn, admin.id, mine.id, Role::Cashier, 1)
        .await
        .unwrap();

    let page = users::list(
        &mut conn,
        o.id,
        UserListScope::ManagedBy(manager.id),
        None,
        50,
    )
    .await
    .unwrap();

    let mut emails: Vec<_> = page.items.iter().map(|u| u.user.email.as_str()).collect();
    emails.sort_unstable();
    assert_eq!(emails, ["c@x", "m@x"]);
    let all = users::list(&mut conn, o.id, UserListScope::Org, None, 50)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 5);
    assert_eq!(
        all.items
            .iter()
            .find(|u| u.user.id == cashier.id)
            .unwrap()
            .memberships
            .len(),
        1
    );
}

fn token(user: UserId, family: Uuid, hash: &str) -> RefreshTokenRecord {
    RefreshTokenRecord {
        id: Uuid::now_v7(),
        family_id: family,
        user_id: user,
        token_hash: hash.into(),
        created_at: 1,
        expires_at: i64::MAX,
        used_at: None,
        revoked_at: None,
    }
}

async fn seeded_user(db: &Db) -> UserId {
    let mut conn = db.conn().await.unwrap();
    let o = org_record("A");
    orgs::insert(&mut conn, &o).await.unwrap();
    let u = user(o.id, "u@x", false);
    users::insert(&mut conn, &u).await.unwrap();
    u.id
}

async fn a_refresh_token_is_consumed_exactly_once_under_concurrency(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let user_id = seeded_user(&db).await;
    let t = token(user_id, Uuid::now_v7(), "hash-1");
    auth_store::insert_refresh_token(&mut db.conn().await.unwrap(), &t)
        .await
        .unwrap();

    let attempts = (0..8).map(|_| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.begin_write().await.unwrap();
            let won = auth_store::consume_refresh_token(&mut tx, t.id, 5)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            won
        })
    });
    let mut winners = 0;
    for attempt in attempts {
        winners += usize::from(attempt.await.unwrap());
    }

    assert_eq!(winners, 1);
    let stored = auth_store::find_refresh_token(&mut db.conn().await.unwrap(), "hash-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.used_at, Some(5));
}

async fn revoking_a_family_ends_every_token_in_it(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let user_id = seeded_user(&db).await;
    let mut conn = db.conn().await.unwrap();
    let (family, other) = (Uuid::now_v7(), Uuid::now_v7());
    for (f, h) in [(family, "a"), (family, "b"), (other, "c")] {
        auth_store::insert_refresh_token(&mut conn, &token(user_id, f, h))
            .await
            .unwrap();
    }

    assert_eq!(
        auth_store::revoke_family(&mut conn, family, 9)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        auth_store::revoke_family(&mut conn, family, 10)
            .await
            .unwrap(),
        0,
        "already revoked"
    );
    assert!(auth_store::family_revoked(&mut conn, family).await.unwrap());
    assert!(!auth_store::family_revoked(&mut conn, other).await.unwrap());
    assert_eq!(
        auth_store::revoke_user_tokens(&mut conn, user_id, 11)
            .await
            .unwrap(),
        1
    );
}

async fn throttling_locks_after_the_limit_and_forgets_old_failures(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let mut conn = db.conn().await.unwrap();
    let policy = ThrottlePolicy {
        max_failures: 3,
        window_ms: 1_000,
        lock_ms: 10_000,
    };

    let first = auth_store::record_failure(&mut conn, "acct:x", policy, 100)
        .await
        .unwrap();
    // Outside the window: the count starts again.
    let later = auth_store::record_failure(&mut conn, "acct:x", policy, 5_000)
        .await
        .unwrap();
    auth_store::record_failure(&mut conn, "acct:x", policy, 5_100)
        .await
        .unwrap();
    let locked = auth_store::record_failure(&mut conn, "acct:x", policy, 5_200)
        .await
        .unwrap();

    assert_eq!((first.failures, first.locked_until), (1, 0));
    assert_eq!(later.failures, 1);
    assert_eq!(locked.locked_until, 15_200);
    assert_eq!(
        auth_store::throttle_state(&mut conn, "acct:x")
            .await
            .unwrap()
            .unwrap()
            .locked_until,
        15_200
    );
    auth_store::clear_throttle(&mut conn, "acct:x")
        .await
        .unwrap();
    assert!(
        auth_store::throttle_state(&mut conn, "acct:x")
            .await
            .unwrap()
            .is_none()
    );
}

async fn audit_filters_narrow_and_pages_run_newest_first(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let mut conn = db.conn().await.unwrap();
    let o = org_record("A");
    orgs::insert(&mut conn, &o).await.unwrap();
    let actor = UserId::new();
    let actions = [
        "user.created",
        "user.updated",
        "store.created",
        "auth.login",
        "user_x.created",
    ];
    for (i, action) in actions.iter().enumerate() {
        let entry = AuditRecord {
            id: AuditId::new(),
            org_id: Some(o.id),
            at: 1_000 + i as i64,
            actor_user_id: (i % 2 == 0).then_some(actor),
            actor_label: Some("a@x".into()),
            action: (*action).into(),
            target_type: Some("user".into()),
            target_id: Some(format!("t{i}")),
            source_ip: Some("127.0.0.1".into()),
            details: serde_json::json!({ "i": i }),
        };
        audit::insert(&mut conn, &entry).await.unwrap();
    }
    let list = |filter: AuditFilter| {
        let db = db.clone();
        async move {
            let mut conn = db.conn().await.unwrap();
            audit::list(&mut conn, o.id, &filter, None, 50)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|e| e.action)
                .collect::<Vec<_>>()
        }
    };

    assert_eq!(
        list(AuditFilter::default()).await,
        [
            "user_x.created",
            "auth.login",
            "store.created",
            "user.updated",
            "user.created"
        ]
    );
    assert_eq!(
        list(AuditFilter {
            action: Some("user.".into()),
            ..Default::default()
        })
        .await,
        ["user.updated", "user.created"]
    );
    assert_eq!(
        list(AuditFilter {
            actor_user_id: Some(actor),
            ..Default::default()
        })
        .await,
        ["user_x.created", "store.created", "user.created"]
    );
    assert_eq!(
        list(AuditFilter {
            from_ms: Some(1_001),
            to_ms: Some(1_003),
            ..Default::default()
        })
        .await,
        ["store.created", "user.updated"]
    );
    assert_eq!(
        list(AuditFilter {
            target_id: Some("t3".into()),
            ..Default::default()
        })
        .await,
        ["auth.login"]
    );
    let first = audit::list(&mut conn, o.id, &AuditFilter::default(), None, 2)
        .await
        .unwrap();
    let second = audit::list(
        &mut conn,
        o.id,
        &AuditFilter::default(),
        first.next_cursor.map(|c| c.parse().unwrap()),
        2,
    )
    .await
    .unwrap();
    assert_eq!(second.items[0].action, "store.created");
    assert_eq!(second.items[0].details["i"], 2);
}

async fn migrations_are_idempotent(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    db.migrate().await.unwrap();
    assert!(db.ping().await);
}

/// The relay writes a step's notifications in one statement per backend's limit
/// (`push_inserts`) and reads its recipients with their preferences in one query: the rows
/// round-trip with their nulls, a second notification of one event to one user is ignored,
/// and only active admins and store managers are recipients, each once, with the stores they
/// manage and the preferences they saved.
async fn notifications_are_written_together_once_per_user_and_event(backend: TestBackend) {
    use chainsync_storage::notifications::{self, NotificationRecord};
    let (db, _dir) = db(backend).await;
    let mut conn = db.conn().await.unwrap();
    let o = org_record("Acme");
    orgs::insert(&mut conn, &o).await.unwrap();
    let (s1, s2) = (store(o.id, "BER"), store(o.id, "HAM"));
    stores::insert(&mut conn, &s1).await.unwrap();
    stores::insert(&mut conn, &s2).await.unwrap();
    let admin = user(o.id, "admin@acme.test", true);
    let manager = user(o.id, "manager@acme.test", false);
    let cashier = user(o.id, "cashier@acme.test", false);
    for u in [&admin, &manager, &cashier] {
        users::insert(&mut conn, u).await.unwrap();
    }
    users::set_membership(&mut conn, manager.id, s1.id, Role::Manager, 1)
        .await
        .unwrap();
    users::set_membership(&mut conn, manager.id, s2.id, Role::Manager, 1)
        .await
        .unwrap();
    users::set_membership(&mut conn, cashier.id, s1.id, Role::Cashier, 1)
        .await
        .unwrap();
    notifications::save_preferences(&mut conn, manager.id, o.id, r#"{"min_priority":"high"}"#, 1)
        .await
        .unwrap();

    let mut recipients = chainsync_storage::realtime::recipients(&mut conn, o.id)
        .await
        .unwrap();
    recipients.sort_by_key(|r| r.is_org_admin);
    assert_eq!(recipients.len(), 2, "{recipients:?}");
    assert_eq!(recipients[0].user_id, manager.id);
    let mut managed = recipients[0].managed.clone();
    managed.sort();
    let mut expected = vec![s1.id, s2.id];
    expected.sort();
    assert_eq!(managed, expected);
    assert_eq!(
        recipients[0].preferences.as_deref(),
        Some(r#"{"min_priority":"high"}"#)
    );
    assert_eq!(recipients[1].user_id, admin.id);
    assert!(recipients[1].managed.is_empty());
    assert_eq!(recipients[1].preferences, None);

    let note = |user: UserId, event: &str, store: Option<StoreId>, n: i64| NotificationRecord {
        id: Uuid::now_v7().to_string(),
        org_id: o.id,
        user_id: user,
        event_id: event.into(),
        event_type: "system_alert".into(),
        kind: "announcement".into(),
        priority: "high".into(),
        title: format!("title {n}"),
        message: "it's \"quoted\"".into(),
        data: r#"{"n":1}"#.into(),
        store_id: store,
        push: n % 2 == 0,
        created_at: n,
        read_at: None,
    };
    let first = vec![
        note(admin.id, "e1", Some(s1.id), 1),
        note(manager.id, "e1", None, 2),
        note(admin.id, "e2", None, 3),
    ];
    let mut batch = chainsync_storage::batch::Batch::new();
    notifications::push_inserts(&mut batch, &first, db.backend()).unwrap();
    assert_eq!(batch.len(), 1, "one statement for the whole step");
    batch.execute(&mut conn).await.unwrap();
    // The same (user, event) again, with a new id: nothing new.
    let mut again = chainsync_storage::batch::Batch::new();
    notifications::push_inserts(&mut again, &[note(admin.id, "e1", None, 4)], db.backend())
        .unwrap();
    again.execute(&mut conn).await.unwrap();

    let admins = notifications::list(&mut conn, admin.id, false, None, 10)
        .await
        .unwrap()
        .items;
    let mut got: Vec<NotificationRecord> = admins;
    got.sort_by_key(|n| n.created_at);
    assert_eq!(got, vec![first[0].clone(), first[2].clone()]);
    assert_eq!(
        notifications::unread_count(&mut conn, manager.id)
            .await
            .unwrap(),
        1
    );
}
