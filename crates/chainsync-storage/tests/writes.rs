//! Write transactions, on both backends: grouped writes (SQLite shares one commit among the
//! writes queued together; PostgreSQL gives each its own) are each all or nothing, are
//! committed when their `commit` returns, and never wait on a write that went away.

use chainsync_domain::ids::OrgId;
use chainsync_storage::orgs::{self, OrgRecord};
use chainsync_storage::testing::{TestBackend, fresh_db, insert_org};
use chainsync_storage::{Db, events, on_both_backends};
use sqlx::Row;
use std::time::Duration;

on_both_backends!(
    concurrent_grouped_writes_are_committed_when_acknowledged,
    a_failed_or_abandoned_grouped_write_leaves_the_others_intact,
    plain_and_grouped_writes_interleave,
    a_batch_is_committed_when_the_next_write_is_abandoned,
    the_log_is_checkpointed_in_the_background,
    closing_empties_the_log_into_the_database,
);

async fn new_org(db: &Db) -> OrgRecord {
    insert_org(db, "A").await
}

/// Appends one event of kind `kind` in `tx`.
async fn mark(tx: &mut chainsync_storage::Conn, org: OrgId, kind: &str) {
    events::append(tx, org, None, kind, &serde_json::json!({}), 1)
        .await
        .unwrap();
}

/// The committed events of `org`, as a reader on another connection sees them.
async fn committed(db: &Db, org: OrgId) -> Vec<String> {
    let rows = sqlx::query("SELECT kind FROM domain_events WHERE org_id = $1 ORDER BY kind")
        .bind(org.to_string())
        .fetch_all(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
    rows.iter().map(|r| r.get::<String, _>("kind")).collect()
}

/// Bounds a test step: a write that waits forever fails the test instead of hanging it.
async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish"))
}

async fn concurrent_grouped_writes_are_committed_when_acknowledged(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let kind = format!("w{i:02}");
                let mut tx = db.begin_grouped_write().await.unwrap();
                mark(&mut tx, org.id, &kind).await;
                tokio::task::yield_now().await;
                mark(&mut tx, org.id, &format!("{kind}b")).await;
                tx.commit().await.unwrap();
                // Acknowledged means committed: another connection sees both rows now.
                let seen = committed(&db, org.id).await;
                assert!(seen.contains(&kind) && seen.contains(&format!("{kind}b")));
            })
        })
        .collect();
    for task in tasks {
        within("a grouped write", task).await.unwrap();
    }
    assert_eq!(committed(&db, org.id).await.len(), 80);
    // The counters `/metrics` shows: every write counted once, in one batch or more.
    match backend {
        TestBackend::Sqlite => {
            let stats = db.write_stats().unwrap();
            assert_eq!(stats.grouped_writes, 40, "{stats:?}");
            assert!((1..=40).contains(&stats.grouped_commits), "{stats:?}");
        }
        TestBackend::Postgres => assert!(db.write_stats().is_none()),
    }
}

async fn a_failed_or_abandoned_grouped_write_leaves_the_others_intact(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let (db, org) = (db.clone(), org.clone());
            tokio::spawn(async move {
                let kind = format!("w{i:02}");
                let mut tx = db.begin_grouped_write().await.unwrap();
                mark(&mut tx, org.id, &kind).await;
                match i % 3 {
                    // A statement fails (the organisation exists): the write is rolled back.
                    0 => {
                        assert!(orgs::insert(&mut tx, &org).await.is_err());
                        tx.rollback().await.unwrap();
                        false
                    }
                    // Abandoned without commit or rollback (an early return, a cancelled
                    // request): dropping it undoes it.
                    1 => {
                        drop(tx);
                        false
                    }
                    _ => {
                        tx.commit().await.unwrap();
                        true
                    }
                }
            })
        })
        .collect();
    let mut expected = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        if within("a grouped write", task).await.unwrap() {
            expected.push(format!("w{i:02}"));
        }
    }
    // A later write runs after every undo and sees a clean connection.
    let mut tx = within("a later write", db.begin_write()).await.unwrap();
    mark(&mut tx, org.id, "z").await;
    tx.commit().await.unwrap();
    expected.push("z".into());
    assert_eq!(committed(&db, org.id).await, expected);
    if let Some(stats) = db.write_stats() {
        // Rolled back and abandoned writes are not counted.
        assert_eq!(stats.grouped_writes, 10, "{stats:?}");
        assert_eq!(stats.plain_commits, 1, "{stats:?}");
    }
}

async fn plain_and_grouped_writes_interleave(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let kind = format!("w{i:02}");
                let mut tx = if i % 4 == 0 {
                    db.begin_write().await.unwrap()
                } else {
                    db.begin_grouped_write().await.unwrap()
                };
                mark(&mut tx, org.id, &kind).await;
                tx.commit().await.unwrap();
                assert!(committed(&db, org.id).await.contains(&kind));
            })
        })
        .collect();
    for task in tasks {
        within("a write", task).await.unwrap();
    }
    assert_eq!(committed(&db, org.id).await.len(), 30);
}

async fn a_batch_is_committed_when_the_next_write_is_abandoned(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let mut first = db.begin_grouped_write().await.unwrap();
    mark(&mut first, org.id, "first").await;
    // A second write queues for the writer; once it has it, it writes and is abandoned.
    let second = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.begin_grouped_write().await.unwrap();
            mark(&mut tx, org.id, "second").await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            drop(tx);
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    // On SQLite the first write leaves its commit to the queued one, which never commits: the
    // batch must still be committed, without the abandoned write.
    within("the first write's commit", first.commit())
        .await
        .unwrap();
    assert_eq!(committed(&db, org.id).await, ["first"]);
    within("the abandoned write", second).await.unwrap();
    assert_eq!(committed(&db, org.id).await, ["first"]);
}

async fn the_log_is_checkpointed_in_the_background(backend: TestBackend) {
    if backend != TestBackend::Sqlite {
        return; // PostgreSQL checkpoints by itself.
    }
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    // About 36 MiB of rows (9,000 pages) in 45 grouped writes, with pauses for the checkpointer.
    let payload = serde_json::json!({ "filler": "x".repeat(4000) });
    for write in 0..45 {
        let mut tx = db.begin_grouped_write().await.unwrap();
        for row in 0..200 {
            events::append(
                &mut tx,
                org.id,
                None,
                &format!("{write}.{row}"),
                &payload,
                1,
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let stats = db.write_stats().unwrap();
    assert!(stats.checkpoints > 0, "{stats:?}");
    // SQLite's own checkpoint would wait for 100,000 pages: the log restarted, so its file
    // (which SQLite reuses from the start, never shrinks) stayed well below what was written.
    let wal = std::fs::metadata(dir.path().join("test.db-wal"))
        .unwrap()
        .len();
    assert!(wal < 24 << 20, "the log grew to {wal} bytes");
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM domain_events")
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 9_000);
}

/// A process that wrote and closes its database (seed-demo, an import) leaves an empty log, and
/// everything it wrote is in the database file: a connection that opens the file afresh reads
/// it all without a log. A reader still in a transaction does not hold closing up.
async fn closing_empties_the_log_into_the_database(backend: TestBackend) {
    if backend != TestBackend::Sqlite {
        return; // PostgreSQL has no log file of ours.
    }
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let mut tx = db.begin_grouped_write().await.unwrap();
    for row in 0..300 {
        mark(&mut tx, org.id, &format!("closing.{row}")).await;
    }
    tx.commit().await.unwrap();
    let wal = dir.path().join("test.db-wal");
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "the writes are in the log"
    );
    db.close().await;
    let left = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(left, 0, "the log is empty after closing");
    // The database file alone holds every row.
    let copy = dir.path().join("copy.db");
    std::fs::copy(dir.path().join("test.db"), &copy).unwrap();
    let mut alone = <sqlx::AnyConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}?mode=ro",
        copy.display()
    ))
    .await
    .unwrap();
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM domain_events WHERE kind LIKE 'closing.%'")
        .fetch_one(&mut alone)
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 300);

    // Another database, closed while a reader of the same file is mid-transaction: closing
    // returns without waiting out the 10 s busy timeout.
    let other = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, other.path()).await;
    let org = new_org(&db).await;
    let mut tx = db.begin_grouped_write().await.unwrap();
    mark(&mut tx, org.id, "before").await;
    tx.commit().await.unwrap();
    let url = format!("sqlite://{}", other.path().join("test.db").display());
    let mut reader = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN; SELECT COUNT(*) FROM domain_events;")
        .execute(&mut reader)
        .await
        .unwrap();
    let mut tx = db.begin_grouped_write().await.unwrap();
    mark(&mut tx, org.id, "after").await;
    tx.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), db.close())
        .await
        .expect("closing does not wait for the busy timeout");
}
