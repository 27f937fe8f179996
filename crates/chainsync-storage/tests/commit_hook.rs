//! The writer's commit hook (SQLite): it runs inside every write transaction right before the
//! `COMMIT`, sees the transaction's writes, commits its own with them, hears of each commit in
//! order, and when it fails, only its own writes are undone. PostgreSQL has no single writer
//! and refuses the hook.

use chainsync_domain::ids::OrgId;
use chainsync_storage::orgs::OrgRecord;
use chainsync_storage::testing::{TestBackend, fresh_db, insert_org};
use chainsync_storage::{
    CommitHook, Conn, Db, Durable, StorageError, StorageResult, events, on_both_backends,
};
use sqlx::Row;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(
    the_hooks_writes_commit_with_each_transaction_and_it_hears_of_every_commit,
    a_failing_hook_undoes_only_its_own_writes,
    a_commit_abandoned_during_the_hook_is_rolled_back_and_writing_goes_on,
);

/// A hook that counts the transaction's `work` events and records the count as a `hooked`
/// event in the same transaction; `fail` makes it write and then fail.
#[derive(Default)]
struct Recorder {
    org: Mutex<Option<OrgId>>,
    fail: bool,
    /// How long `before_commit` takes (to abandon a commit in the middle of it).
    delay: Mutex<Option<Duration>>,
    /// The count of the transaction being committed, until it is known to have committed.
    pending: Mutex<Option<i64>>,
    committed: Mutex<Vec<(i64, Durable)>>,
    abandoned: Mutex<u32>,
}

async fn count_work(conn: &mut Conn, org: OrgId) -> StorageResult<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM domain_events WHERE org_id = $1 AND kind LIKE 'work%'",
    )
    .bind(org.to_string())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")?)
}

impl CommitHook for Recorder {
    fn before_commit<'c>(
        &'c self,
        conn: &'c mut Conn,
    ) -> Pin<Box<dyn Future<Output = StorageResult<()>> + Send + 'c>> {
        Box::pin(async move {
            let Some(org) = *self.org.lock().unwrap() else {
                return Ok(());
            };
            let seen = count_work(&mut *conn, org).await?;
            let delay = *self.delay.lock().unwrap();
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
            let payload = serde_json::json!({ "seen": seen });
            events::append(&mut *conn, org, None, "hooked", &payload, 1).await?;
            if self.fail {
                return Err(StorageError::Conflict("the hook fails on purpose".into()));
            }
            *self.pending.lock().unwrap() = Some(seen);
            Ok(())
        })
    }

    fn committed(&self, durable: Durable) {
        if let Some(seen) = self.pending.lock().unwrap().take() {
            self.committed.lock().unwrap().push((seen, durable));
        }
    }

    fn abandoned(&self) {
        self.pending.lock().unwrap().take();
        *self.abandoned.lock().unwrap() += 1;
    }
}

async fn new_org(db: &Db) -> OrgRecord {
    insert_org(db, "A").await
}

/// The committed events of `org` of kind `kind`, with their payloads, in outbox order.
async fn committed_of(db: &Db, org: OrgId, kind: &str) -> Vec<serde_json::Value> {
    let rows = sqlx::query(
        "SELECT payload FROM domain_events WHERE org_id = $1 AND kind = $2 ORDER BY id",
    )
    .bind(org.to_string())
    .bind(kind)
    .fetch_all(&mut *db.conn().await.unwrap())
    .await
    .unwrap();
    rows.iter()
        .map(|r| serde_json::from_str(&r.get::<String, _>("payload")).unwrap())
        .collect()
}

/// A write transaction, grouped or plain, holding one event of kind `kind`, not committed.
async fn write_one(db: &Db, grouped: bool, org: OrgId, kind: &str) -> chainsync_storage::Tx {
    let mut tx = if grouped {
        db.begin_grouped_write().await.unwrap()
    } else {
        db.begin_write().await.unwrap()
    };
    events::append(&mut tx, org, None, kind, &serde_json::json!({}), 1)
        .await
        .unwrap();
    tx
}

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish"))
}

async fn the_hooks_writes_commit_with_each_transaction_and_it_hears_of_every_commit(
    backend: TestBackend,
) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let hook = Arc::new(Recorder::default());
    let installed = db.set_commit_hook(Some(hook.clone())).await;
    if backend == TestBackend::Postgres {
        assert!(!installed, "PostgreSQL has no single writer to run a hook");
        return;
    }
    assert!(installed);
    *hook.org.lock().unwrap() = Some(org.id);

    // 30 grouped writes at once (they share commits), half of them batches written in one
    // round trip, and a plain one.
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    let tx = write_one(&db, true, org.id, &format!("work{i}")).await;
                    tx.commit().await.unwrap();
                } else {
                    let mut writes = chainsync_storage::batch::Batch::new();
                    let kind = format!("work{i}");
                    events::push_append(
                        &mut writes,
                        org.id,
                        None,
                        &kind,
                        &serde_json::json!({}),
                        1,
                    );
                    db.write_batch(writes).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        within("a grouped write", t).await.unwrap();
    }
    let tx = write_one(&db, false, org.id, "work-plain").await;
    within("a plain write", tx.commit()).await.unwrap();
    // A rolled-back write commits nothing, so the hook does not run for it.
    let tx = write_one(&db, true, org.id, "work-undone").await;
    tx.rollback().await.unwrap();

    let heard: Vec<(i64, Durable)> = std::mem::take(&mut *hook.committed.lock().unwrap());
    let written = committed_of(&db, org.id, "hooked").await;
    // Every commit the hook wrote into is one it heard of, in commit order, and what it saw
    // inside each transaction (the work so far, its own transaction's included) committed.
    let seen: Vec<i64> = heard.iter().map(|(n, _)| *n).collect();
    let stored: Vec<i64> = written
        .iter()
        .map(|p| p["seen"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, stored);
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "in commit order: {seen:?}"
    );
    assert_eq!(seen.last(), Some(&31), "the last commit saw all 31 writes");
    assert!(seen[0] >= 1, "the first commit saw its own write: {seen:?}");
    assert_eq!(*hook.abandoned.lock().unwrap(), 0);
    for (_, durable) in heard {
        within("durability", durable.wait()).await.unwrap();
    }
    assert_eq!(committed_of(&db, org.id, "work-undone").await.len(), 0);

    // Removed, it runs no more.
    assert!(db.set_commit_hook(None).await);
    let tx = write_one(&db, false, org.id, "work-after").await;
    tx.commit().await.unwrap();
    assert_eq!(
        committed_of(&db, org.id, "hooked").await.len(),
        stored.len()
    );
}

async fn a_failing_hook_undoes_only_its_own_writes(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let hook = Arc::new(Recorder {
        fail: true,
        ..Recorder::default()
    });
    if !db.set_commit_hook(Some(hook.clone())).await {
        return;
    }
    *hook.org.lock().unwrap() = Some(org.id);
    for grouped in [true, false] {
        let tx = write_one(&db, grouped, org.id, "work").await;
        within("the commit", tx.commit()).await.unwrap();
    }
    assert_eq!(committed_of(&db, org.id, "work").await.len(), 2);
    assert!(committed_of(&db, org.id, "hooked").await.is_empty());
    assert!(hook.committed.lock().unwrap().is_empty());
    assert_eq!(*hook.abandoned.lock().unwrap(), 2);
}

async fn a_commit_abandoned_during_the_hook_is_rolled_back_and_writing_goes_on(
    backend: TestBackend,
) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let hook = Arc::new(Recorder {
        delay: Mutex::new(Some(Duration::from_millis(300))),
        ..Recorder::default()
    });
    if !db.set_commit_hook(Some(hook.clone())).await {
        return;
    }
    *hook.org.lock().unwrap() = Some(org.id);
    // A request that goes away while its commit runs the hook (plain, then grouped).
    for grouped in [false, true] {
        let tx = write_one(&db, grouped, org.id, "work-dropped").await;
        let gave_up = tokio::time::timeout(Duration::from_millis(50), tx.commit()).await;
        assert!(gave_up.is_err(), "the commit was still in the hook");
    }
    // The next writes run, commit and find nothing of the abandoned ones.
    *hook.delay.lock().unwrap() = None;
    for grouped in [false, true] {
        let tx = write_one(&db, grouped, org.id, "work-kept").await;
        within("a later commit", tx.commit()).await.unwrap();
    }
    assert!(committed_of(&db, org.id, "work-dropped").await.is_empty());
    assert_eq!(committed_of(&db, org.id, "work-kept").await.len(), 2);
    let seen: Vec<i64> = committed_of(&db, org.id, "hooked")
        .await
        .iter()
        .map(|p| p["seen"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, vec![1, 2], "only the later commits' hooks left rows");
}
