//! Statement batches, on both backends: queued writes land in order with their own values
//! (placeholders renumbered into one argument list on SQLite), and a failing statement fails
//! the batch so that rolling back leaves nothing of it.

use chainsync_domain::ids::{OrgId, TerminalId};
use chainsync_storage::batch::Batch;
use chainsync_storage::sales::{self, MutationRecord};
use chainsync_storage::testing::{TestBackend, fresh_db, insert_org};
use chainsync_storage::{Db, events, on_both_backends};
use serde_json::json;
use sqlx::Row;

on_both_backends!(
    queued_statements_land_in_order_with_their_own_values,
    a_failing_statement_fails_the_batch_and_rolls_back_with_it,
    a_batch_written_alone_lands_whole_or_not_at_all,
    batches_written_at_once_share_commits_and_one_failing_leaves_the_others,
);

async fn new_org(db: &Db) -> OrgId {
    insert_org(db, "B").await.id
}

/// `(kind, payload, store_id)` of the org's events, in outbox order.
async fn events_of(db: &Db, org: OrgId) -> Vec<(String, String, Option<String>)> {
    sqlx::query("SELECT kind, payload, store_id FROM domain_events WHERE org_id = $1 ORDER BY id")
        .bind(org.to_string())
        .fetch_all(&mut *db.conn().await.unwrap())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("kind"), r.get("payload"), r.get("store_id")))
        .collect()
}

fn mutation(org: OrgId, id: uuid::Uuid, seq: i64) -> MutationRecord {
    MutationRecord {
        id,
        org_id: org,
        terminal_id: TerminalId::new(),
        seq,
        kind: "sale".into(),
        payload: "{}".into(),
        status: "applied".into(),
        http_status: 201,
        result: "{}".into(),
        received_at: 7,
    }
}

async fn queued_statements_land_in_order_with_their_own_values(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let mut batch = Batch::new();
    for i in 0..12 {
        // Values that look like SQL or placeholders must arrive as they are.
        events::push_append(
            &mut batch,
            org,
            None,
            &format!("kind.{i:02}"),
            &json!({ "i": i, "text": format!("$1 '; DROP TABLE x; -- {i}") }),
            i,
        );
    }
    assert_eq!(batch.len(), 12);
    let mut tx = db.begin_write().await.unwrap();
    assert_eq!(batch.execute(&mut tx).await.unwrap(), 12);
    tx.commit().await.unwrap();

    let seen = events_of(&db, org).await;
    assert_eq!(seen.len(), 12);
    for (i, (kind, payload, store)) in seen.iter().enumerate() {
        assert_eq!(kind, &format!("kind.{i:02}"));
        let payload: serde_json::Value = serde_json::from_str(payload).unwrap();
        assert_eq!(payload["i"], i);
        assert_eq!(payload["text"], format!("$1 '; DROP TABLE x; -- {i}"));
        assert_eq!(store, &None);
    }
    // An empty batch does nothing.
    let mut tx = db.begin_write().await.unwrap();
    assert_eq!(Batch::new().execute(&mut tx).await.unwrap(), 0);
    tx.commit().await.unwrap();
}

async fn a_failing_statement_fails_the_batch_and_rolls_back_with_it(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let id = uuid::Uuid::now_v7();
    let mut batch = Batch::new();
    events::push_append(&mut batch, org, None, "before", &json!({}), 1);
    // A mutation of a terminal that does not exist: the foreign key refuses it.
    sales::push_mutation(&mut batch, &mutation(org, id, 1));
    events::push_append(&mut batch, org, None, "after", &json!({}), 2);
    let mut tx = db.begin_grouped_write().await.unwrap();
    let failed = batch.execute(&mut tx).await;
    assert!(failed.is_err(), "a duplicate key must fail the batch");
    tx.rollback().await.unwrap();
    assert!(events_of(&db, org).await.is_empty());
    assert!(
        sales::find_mutation(&mut db.conn().await.unwrap(), org, id)
            .await
            .unwrap()
            .is_none()
    );
}

/// Two events, or (`broken`) an event, a mutation of a terminal that does not exist (refused by
/// its foreign key) and another event.
fn two_events(org: OrgId, tag: &str, broken: bool) -> Batch {
    let mut batch = Batch::new();
    events::push_append(&mut batch, org, None, &format!("{tag}.a"), &json!({}), 1);
    if broken {
        sales::push_mutation(&mut batch, &mutation(org, uuid::Uuid::now_v7(), 1));
    }
    events::push_append(&mut batch, org, None, &format!("{tag}.b"), &json!({}), 2);
    batch
}

/// `Db::write_batch`: one round trip on SQLite (savepoint, writes and release together), one
/// statement on PostgreSQL; all or nothing either way, and the writer goes on after a failure.
async fn a_batch_written_alone_lands_whole_or_not_at_all(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;

    db.write_batch(two_events(org, "first", false))
        .await
        .unwrap();
    assert!(
        db.write_batch(two_events(org, "broken", true))
            .await
            .is_err()
    );
    db.write_batch(Batch::new()).await.unwrap();
    db.write_batch(two_events(org, "after", false))
        .await
        .unwrap();

    let kinds: Vec<String> = events_of(&db, org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(kinds, ["first.a", "first.b", "after.a", "after.b"]);
}

/// Many at once (on SQLite they share batches, some opening one, some joining), mixed with
/// transactions that read and write, with every fifth batch failing: each lands whole or not
/// at all, and a failure never takes another write with it.
async fn batches_written_at_once_share_commits_and_one_failing_leaves_the_others(
    backend: TestBackend,
) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let org = new_org(&db).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let tag = format!("w{i:02}");
                if i % 3 == 2 {
                    // A grouped transaction of the usual kind between them.
                    let mut tx = db.begin_grouped_write().await.unwrap();
                    two_events(org, &tag, false).execute(&mut tx).await.unwrap();
                    tx.commit().await.unwrap();
                    return true;
                }
                let broken = i % 5 == 4;
                let written = db.write_batch(two_events(org, &tag, broken)).await;
                assert_eq!(written.is_err(), broken, "{tag}: {written:?}");
                !broken
            })
        })
        .collect();
    let mut expected = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let landed = tokio::time::timeout(std::time::Duration::from_secs(30), task)
            .await
            .expect("a write finished")
            .unwrap();
        if landed {
            expected.push(format!("w{i:02}.a"));
            expected.push(format!("w{i:02}.b"));
        }
    }
    let mut kinds: Vec<String> = events_of(&db, org).await.into_iter().map(|e| e.0).collect();
    // SQLite: each write's two events are adjacent in the outbox (one writer, one savepoint
    // at a time). PostgreSQL hands sequence values to concurrent transactions interleaved.
    for pair in kinds.chunks(2).filter(|_| backend == TestBackend::Sqlite) {
        assert_eq!(
            pair[0].trim_end_matches(".a"),
            pair[1].trim_end_matches(".b"),
            "{kinds:?}"
        );
    }
    kinds.sort();
    assert_eq!(kinds, expected);
}
