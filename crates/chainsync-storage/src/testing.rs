//! Test support (feature `testing`): a fresh, migrated database per test on either backend.
//!
//! PostgreSQL is used when `CHAINSYNC_TEST_DATABASE_URL` names a database; each call creates a
//! new schema `t_<uuid>` in it and connects through it. Without the URL the PostgreSQL variant is
//! skipped with a message on stderr, unless `CHAINSYNC_REQUIRE_POSTGRES=1` (set by CI), which
//! makes the skip a failure so a green CI always means both backends ran.

use crate::orgs::OrgRecord;
use crate::stores::StoreRecord;
use crate::{Db, DbOptions};
use chainsync_domain::ids::{OrgId, StoreId};
use std::collections::BTreeMap;

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL admin URL, or `None` when the PostgreSQL variant must be skipped.
pub fn postgres_url() -> Option<String> {
    match std::env::var("CHAINSYNC_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                !std::env::var("CHAINSYNC_REQUIRE_POSTGRES").is_ok_and(|v| v == "1"),
                "CHAINSYNC_REQUIRE_POSTGRES=1 but CHAINSYNC_TEST_DATABASE_URL is not set"
            );
            eprintln!("SKIPPED on PostgreSQL: CHAINSYNC_TEST_DATABASE_URL is not set");
            None
        }
    }
}

/// A new empty schema in the database of `admin_url`; returns a URL whose connections use it
/// (`search_path`). A schema per test is far cheaper than a database per test, and the whole
/// run is removed by dropping one database (CI drops the previous run's at its start).
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("t_{}", uuid::Uuid::now_v7().simple());
    let admin = Db::connect(
        admin_url,
        &DbOptions {
            max_connections: 1,
            ..Default::default()
        },
    )
    .await
    .expect("connect to CHAINSYNC_TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
        .execute(admin.pool())
        .await
        .expect("create test schema");
    admin.close().await;
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    format!("{admin_url}{separator}options=-c%20search_path%3D{name}")
}

/// The URL of a fresh database on `backend` (SQLite files go in `dir`).
pub async fn fresh_url(backend: TestBackend, dir: &std::path::Path) -> String {
    match backend {
        TestBackend::Sqlite => format!("sqlite://{}", dir.join("test.db").display()),
        TestBackend::Postgres => {
            fresh_postgres_database(&postgres_url().expect("postgres url")).await
        }
    }
}

/// A fresh, migrated database on `backend`.
pub async fn fresh_db(backend: TestBackend, dir: &std::path::Path) -> Db {
    let db = Db::connect(&fresh_url(backend, dir).await, &DbOptions::default())
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    db
}

/// Generates one `#[tokio::test]` per backend for each listed `async fn(TestBackend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::testing::TestBackend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() {
                   if $crate::testing::postgres_url().is_some() {
                       super::$name($crate::testing::TestBackend::Postgres).await
                   }
               } )*
        }
    };
}

/// An organisation named `name` (see [`org_record`]), inserted into `db`.
pub async fn insert_org(db: &Db, name: &str) -> OrgRecord {
    let org = org_record(name);
    crate::orgs::insert(&mut db.conn().await.expect("a connection"), &org)
        .await
        .expect("insert the organisation");
    org
}

/// An organisation named `name` (EUR, en-GB), not yet inserted.
pub fn org_record(name: &str) -> OrgRecord {
    OrgRecord {
        id: OrgId::new(),
        name: name.into(),
        currency: "EUR".into(),
        locale: "en-GB".into(),
        is_demo: false,
        created_at: 1,
        updated_at: 1,
    }
}

/// A store of `org` with code and name `code` (Germany, EUR, 19 % standard tax, prices
/// tax-inclusive), not yet inserted.
pub fn store_record(org: OrgId, code: &str) -> StoreRecord {
    StoreRecord {
        id: StoreId::new(),
        org_id: org,
        code: code.into(),
        name: code.into(),
        address: None,
        city: None,
        country: "DE".into(),
        tax_id: None,
        currency: "EUR".into(),
        timezone: "Europe/Berlin".into(),
        tax_rates: BTreeMap::from([("standard".into(), 1900)]),
        tax_inclusive: true,
        refund_approval_minor: 5000,
        active: true,
        created_at: 1,
        updated_at: 1,
    }
}
