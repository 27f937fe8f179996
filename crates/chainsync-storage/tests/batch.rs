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
