//! The stock ledger and the outbox, on both backends: the projection always equals the ledger,
//! concurrent movements lose nothing, counts correct as of their time, and the outbox reader
//! never skips an event that commits late.

use chainsync_domain::ids::{OrgId, ProductId, StoreId};
use chainsync_domain::stock::MovementKind;
use chainsync_storage::catalog::{self, ProductRecord};
use chainsync_storage::events::{self, Position};
use chainsync_storage::orgs;
use chainsync_storage::stock::{self, NewMovement};
use chainsync_storage::stores;
use chainsync_storage::testing::{TestBackend, fresh_db, org_record, store_record};
use chainsync_storage::{Backend, Db, on_both_backends};
use std::collections::{BTreeMap, BTreeSet};

on_both_backends!(
    the_projection_always_equals_the_ledger,
    concurrent_movements_on_one_item_lose_nothing,
    a_count_corrects_against_the_ledger_as_of_its_time,
    movements_recorded_after_a_count_that_occurred_before_it_are_absorbed,
    receipts_set_the_average_cost_and_sales_move_at_it,
    a_batch_of_movements_answers_as_if_recorded_one_at_a_time,
    concurrent_batches_in_opposite_orders_lose_nothing,
    outbox_events_are_read_once_in_order_while_writers_run,
    an_event_exists_only_if_its_transaction_commits,
    only_relayed_old_events_are_pruned,
);

struct Item {
    org: OrgId,
    store: StoreId,
    product: ProductId,
}

async fn item(db: &Db) -> Item {
    let mut conn = db.conn().await.unwrap();
    let org = org_record("A");
    orgs::insert(&mut conn, &org).await.unwrap();
    let store = store_record(org.id, "S");
    stores::insert(&mut conn, &store).await.unwrap();
    let product = ProductRecord {
        id: ProductId::new(),
        org_id: org.id,
        sku: "P".into(),
        name: "P".into(),
        category_id: None,
        supplier_id: None,
        brand: None,
        unit: "each".into(),
        price_minor: 100,
        cost_minor: 50,
        tax_class: "standard".into(),
        parent_id: None,
        variant_attributes: BTreeMap::new(),
        active: true,
        barcodes: vec![],
        created_at: 1,
        updated_at: 1,
    };
    catalog::write_product(&mut conn, &product, &BTreeSet::new())
        .await
        .unwrap();
    Item {
        org: org.id,
        store: store.id,
        product: product.id,
    }
}

fn movement(
    item: &Item,
    kind: MovementKind,
    quantity: i64,
    at: i64,
    cost: Option<i64>,
) -> NewMovement {
    NewMovement {
        org_id: item.org,
        store_id: item.store,
        product_id: item.product,
        kind,
        quantity,
        reason: None,
        reference: None,
        unit_cost_minor: cost,
        user_id: None,
        occurred_at: at,
        recorded_at: at,
    }
}

/// The item's on-hand quantity, from the projection.
async fn on_hand(conn: &mut chainsync_storage::Conn, store: StoreId, product: ProductId) -> i64 {
    stock::level(conn, store, product)
        .await
        .unwrap()
        .expect("the item has a stock row")
        .on_hand
}

/// Every item of `store`: the projection equals the sum of its movements.
async fn assert_projection_matches_ledger(conn: &mut chainsync_storage::Conn, store: StoreId) {
    let mismatches = stock::projection_mismatches(conn, store).await.unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

/// Reads from the start until `count` events arrived (or 20 s passed): on PostgreSQL other
/// transactions on the cluster (other tests) can hold the outbox horizon back for a moment.
async fn read_eventually(db: &Db, count: usize) -> Vec<events::EventRecord> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let all = events::read_after(
            &mut db.conn().await.unwrap(),
            db.backend(),
            Position::default(),
            10_000,
        )
        .await
        .unwrap();
        if all.len() >= count || std::time::Instant::now() > deadline {
            return all;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn db(backend: TestBackend) -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (fresh_db(backend, dir.path()).await, dir)
}

async fn the_projection_always_equals_the_ledger(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let item = item(&db).await;
    let steps = [
        (MovementKind::Receipt, 40),
        (MovementKind::Sale, -3),
        (MovementKind::Return, 1),
        (MovementKind::Adjustment, -2),
        (MovementKind::Sale, -50),
    ];
    for (i, (kind, qty)) in steps.into_iter().enumerate() {
        let mut tx = db.begin_write().await.unwrap();
        let cost = (kind == MovementKind::Receipt).then_some(70);
        let outcome =
            stock::record_movement(&mut tx, &movement(&item, kind, qty, 1_000 + i as i64, cost))
                .await
                .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(outcome.after - outcome.before, qty);
    }
    let mut conn = db.conn().await.unwrap();
    assert_eq!(
        on_hand(&mut conn, item.store, item.product).await,
        -14,
        "overselling is recorded, not refused"
    );
    assert_projection_matches_ledger(&mut conn, item.store).await;
    let history = stock::movements(&mut conn, item.store, Some(item.product), None, 10)
        .await
        .unwrap();
    assert_eq!(history.items.len(), 5);
    assert_eq!(history.items[0].quantity, -50, "newest first");
}

async fn concurrent_movements_on_one_item_lose_nothing(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let item = std::sync::Arc::new(item(&db).await);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (db, item) = (db.clone(), item.clone());
            tokio::spawn(async move {
                for j in 0..5 {
                    let mut tx = db.begin_write().await.unwrap();
                    stock::record_movement(
                        &mut tx,
                        &movement(&item, MovementKind::Sale, -1, i * 10 + j, None),
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut conn = db.conn().await.unwrap();
    assert_eq!(on_hand(&mut conn, item.store, item.product).await, -100);
    assert_projection_matches_ledger(&mut conn, item.store).await;
}

async fn a_count_corrects_against_the_ledger_as_of_its_time(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let item = item(&db).await;
    let mut tx = db.begin_write().await.unwrap();
    stock::record_movement(
        &mut tx,
        &movement(&item, MovementKind::Receipt, 10, 100, Some(50)),
    )
    .await
    .unwrap();
    // A sale rung up after the count was taken (at 200) but before it was submitted.
    stock::record_movement(&mut tx, &movement(&item, MovementKind::Sale, -1, 300, None))
        .await
        .unwrap();
    let ledger_at_count = stock::ledger_at(&mut tx, item.store, item.product, 200)
        .await
        .unwrap();
    let correction = chainsync_domain::stock::count_correction(8, ledger_at_count);
    stock::record_movement(
        &mut tx,
        &movement(&item, MovementKind::CountCorrection, correction, 200, None),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut conn = db.conn().await.unwrap();
    assert_eq!(ledger_at_count, 10);
    assert_eq!(
        on_hand(&mut conn, item.store, item.product).await,
        7,
        "8 counted, then 1 sold"
    );
}

/// Counts the item as `counted` at `at`, as the stock-count endpoint does.
async fn count(tx: &mut chainsync_storage::Conn, item: &Item, counted: i64, at: i64) {
    let ledger = stock::ledger_at(tx, item.store, item.product, at)
        .await
        .unwrap();
    let correction = chainsync_domain::stock::count_correction(counted, ledger);
    if correction != 0 {
        stock::record_movement(
            tx,
            &movement(item, MovementKind::CountCorrection, correction, at, None),
        )
        .await
        .unwrap();
    }
    stock::mark_counted(tx, item.org, item.store, item.product, at, 1_000)
        .await
        .unwrap();
}

async fn movements_recorded_after_a_count_that_occurred_before_it_are_absorbed(
    backend: TestBackend,
) {
    let (db, _dir) = db(backend).await;
    let item = item(&db).await;
    let mut tx = db.begin_write().await.unwrap();
    stock::record_movement(
        &mut tx,
        &movement(&item, MovementKind::Receipt, 50, 100, Some(50)),
    )
    .await
    .unwrap();
    // 45 on the shelf at 300; then a count taken earlier (at 200, also 45) is entered late: the
    // shelf lost 5 once, not twice.
    count(&mut tx, &item, 45, 300).await;
    count(&mut tx, &item, 45, 200).await;
    assert_eq!(on_hand(&mut tx, item.store, item.product).await, 45);
    // An offline till's sale from before the latest count arrives after it (the count already
    // saw the item gone); a sale after the count is not affected. Both paths: one movement, and
    // a batch.
    let late = stock::record_movement(&mut tx, &movement(&item, MovementKind::Sale, -1, 250, None))
        .await
        .unwrap();
    assert_eq!((late.before, late.after), (45, 45));
    let batch = stock::record_movements(
        &mut tx,
        &[
            movement(&item, MovementKind::Sale, -2, 260, None),
            movement(&item, MovementKind::Sale, -3, 400, None),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        batch
            .iter()
            .map(|o| (o.before, o.after))
            .collect::<Vec<_>>(),
        [(45, 45), (45, 42)]
    );
    assert_eq!(on_hand(&mut tx, item.store, item.product).await, 42);
    // The ledger at the count still says what was counted; before it, the late sales show.
    for (at, expected) in [(300, 45), (299, 42), (400, 42)] {
        let ledger = stock::ledger_at(&mut tx, item.store, item.product, at)
            .await
            .unwrap();
        assert_eq!(ledger, expected, "ledger at {at}");
    }
    // A movement at the count's own time or later is not the count's to absorb.
    stock::record_movement(&mut tx, &movement(&item, MovementKind::Sale, -1, 300, None))
        .await
        .unwrap();
    assert_eq!(on_hand(&mut tx, item.store, item.product).await, 41);
    tx.commit().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    assert_projection_matches_ledger(&mut conn, item.store).await;
}

async fn receipts_set_the_average_cost_and_sales_move_at_it(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let item = item(&db).await;
    let mut tx = db.begin_write().await.unwrap();
    stock::record_movement(
        &mut tx,
        &movement(&item, MovementKind::Receipt, 10, 1, Some(100)),
    )
    .await
    .unwrap();
    stock::record_movement(
        &mut tx,
        &movement(&item, MovementKind::Receipt, 10, 2, Some(200)),
    )
    .await
    .unwrap();
    let sale = stock::record_movement(&mut tx, &movement(&item, MovementKind::Sale, -4, 3, None))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(sale.unit_cost_minor, 150);
    let level = stock::level(&mut db.conn().await.unwrap(), item.store, item.product)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((level.on_hand, level.avg_cost_minor), (16, 150));
}

/// A second product in `item`'s organisation (same store).
async fn another_product(db: &Db, item: &Item) -> ProductId {
    let mut conn = db.conn().await.unwrap();
    let mut product = catalog::get_product(&mut conn, item.org, item.product)
        .await
        .unwrap()
        .unwrap();
    product.id = ProductId::new();
    product.sku = "Q".into();
    catalog::write_product(&mut conn, &product, &BTreeSet::new())
        .await
        .unwrap();
    product.id
}

async fn a_batch_of_movements_answers_as_if_recorded_one_at_a_time(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let item = item(&db).await;
    let other = Item {
        product: another_product(&db, &item).await,
        ..item
    };
    let mut tx = db.begin_write().await.unwrap();
    stock::record_movement(
        &mut tx,
        &movement(&item, MovementKind::Receipt, 10, 1, Some(70)),
    )
    .await
    .unwrap();
    let batch = [
        movement(&item, MovementKind::Sale, -3, 2, None),
        movement(&other, MovementKind::Sale, -2, 2, None),
        movement(&item, MovementKind::Sale, -4, 2, None),
        movement(&other, MovementKind::Return, 5, 2, None),
    ];
    let outcomes = stock::record_movements(&mut tx, &batch).await.unwrap();
    tx.commit().await.unwrap();
    let seen: Vec<_> = outcomes
        .iter()
        .map(|o| (o.before, o.after, o.unit_cost_minor))
        .collect();
    assert_eq!(seen, [(10, 7, 70), (0, -2, 0), (7, 3, 70), (-2, 3, 0)]);
    let ids: BTreeSet<_> = outcomes.iter().map(|o| o.id).collect();
    assert_eq!(ids.len(), 4, "every movement has its own id");

    let mut conn = db.conn().await.unwrap();
    for (product, expected) in [(item.product, 3), (other.product, 3)] {
        assert_eq!(on_hand(&mut conn, item.store, product).await, expected);
    }
    assert_projection_matches_ledger(&mut conn, item.store).await;
    let history = stock::movements(&mut conn, item.store, Some(item.product), None, 10)
        .await
        .unwrap();
    assert_eq!(history.items.len(), 3);
    assert!(
        history
            .items
            .iter()
            .filter(|m| m.kind == MovementKind::Sale)
            .all(|m| m.unit_cost_minor == 70),
        "sales move at the average cost"
    );
}

async fn concurrent_batches_in_opposite_orders_lose_nothing(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let item = item(&db).await;
    let other = Item {
        product: another_product(&db, &item).await,
        ..item
    };
    let (item, other) = (std::sync::Arc::new(item), std::sync::Arc::new(other));
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (db, item, other) = (db.clone(), item.clone(), other.clone());
            tokio::spawn(async move {
                for j in 0..5 {
                    let (a, b) = if i % 2 == 0 {
                        (&*item, &*other)
                    } else {
                        (&*other, &*item)
                    };
                    let batch = [
                        movement(a, MovementKind::Sale, -1, i * 10 + j, None),
                        movement(b, MovementKind::Sale, -1, i * 10 + j, None),
                    ];
                    let mut tx = db.begin_write().await.unwrap();
                    stock::record_movements(&mut tx, &batch).await.unwrap();
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut conn = db.conn().await.unwrap();
    for product in [item.product, other.product] {
        assert_eq!(on_hand(&mut conn, item.store, product).await, -50);
    }
    assert_projection_matches_ledger(&mut conn, item.store).await;
}

async fn outbox_events_are_read_once_in_order_while_writers_run(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let item = std::sync::Arc::new(item(&db).await);
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (db, item) = (db.clone(), item.clone());
            tokio::spawn(async move {
                for n in 0..25 {
                    let mut tx = db.begin_write().await.unwrap();
                    events::append(
                        &mut tx,
                        item.org,
                        Some(item.store),
                        "test.event",
                        &serde_json::json!({ "w": w, "n": n }),
                        1,
                    )
                    .await
                    .unwrap();
                    // Hold some transactions open so commits interleave out of id order.
                    if (w + n) % 3 == 0 {
                        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                    }
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    let mut seen = Vec::new();
    let mut position = Position::default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while seen.len() < 200 {
        let batch = events::read_after(&mut db.conn().await.unwrap(), db.backend(), position, 17)
            .await
            .unwrap();
        for event in &batch {
            assert!(event.position > position, "positions only grow");
            position = event.position;
            seen.push((
                event.payload["w"].as_i64().unwrap(),
                event.payload["n"].as_i64().unwrap(),
            ));
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of 200 events arrived",
            seen.len()
        );
        if batch.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let unique: BTreeSet<_> = seen.iter().copied().collect();
    assert_eq!(unique.len(), 200, "no duplicates");
    for w in 0..8 {
        let order: Vec<i64> = seen
            .iter()
            .filter(|(sw, _)| *sw == w)
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(
            order,
            (0..25).collect::<Vec<_>>(),
            "one writer's events arrive in its order"
        );
    }
    assert!(
        events::read_after(&mut db.conn().await.unwrap(), db.backend(), position, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn an_event_exists_only_if_its_transaction_commits(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let item = item(&db).await;
    let mut rolled_back = db.begin_write().await.unwrap();
    events::append(
        &mut rolled_back,
        item.org,
        None,
        "test.lost",
        &serde_json::json!({}),
        1,
    )
    .await
    .unwrap();
    rolled_back.rollback().await.unwrap();
    let mut committed = db.begin_write().await.unwrap();
    events::append(
        &mut committed,
        item.org,
        None,
        "test.kept",
        &serde_json::json!({}),
        1,
    )
    .await
    .unwrap();
    committed.commit().await.unwrap();

    let all = read_eventually(&db, 1).await;

    assert_eq!(
        all.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["test.kept"]
    );
}

async fn append_committed(db: &Db, org: OrgId, kind: &str, created_at: i64, count: usize) {
    let mut tx = db.begin_write().await.unwrap();
    for _ in 0..count {
        events::append(&mut tx, org, None, kind, &serde_json::json!({}), created_at)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// The kinds of this test's own events ("test.*") after `from`: setting up the item may
/// have written events of its own.
async fn test_kinds_after(
    conn: &mut chainsync_storage::Conn,
    backend: Backend,
    from: Position,
) -> Vec<String> {
    events::read_after(conn, backend, from, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.starts_with("test."))
        .map(|e| e.kind)
        .collect()
}

async fn only_relayed_old_events_are_pruned(backend: TestBackend) {
    let (db, _dir) = db(backend).await;
    let item = item(&db).await;
    let now = chainsync_storage::now_ms();
    // A backlog larger than one prune statement, then one more old event, then a new one.
    append_committed(
        &db,
        item.org,
        "test.old",
        1,
        events::PRUNE_BATCH as usize + 2,
    )
    .await;
    append_committed(&db, item.org, "test.unrelayed", 1, 1).await;
    append_committed(&db, item.org, "test.new", now, 1).await;
    let all: Vec<events::EventRecord> = read_eventually(&db, events::PRUNE_BATCH as usize + 4)
        .await
        .into_iter()
        .filter(|e| e.kind.starts_with("test."))
        .collect();
    assert_eq!(all.len(), events::PRUNE_BATCH as usize + 4);
    let relayed = all[all.len() - 3].position; // the last "test.old"
    let end = all[all.len() - 1].position;
    let mut conn = db.conn().await.unwrap();
    let backend = db.backend();
    let old = now - 1000;
    let c = &mut conn;
    let prune = async |c: &mut chainsync_storage::Conn, to: Position| {
        events::prune_relayed(c, backend, to, old).await.unwrap()
    };
    // One statement deletes one batch, oldest first; the next the rest of what is relayed.
    assert_eq!(prune(c, relayed).await, events::PRUNE_BATCH as u64);
    assert_eq!(prune(c, relayed).await, 2);
    // Old but not yet relayed: kept.
    assert_eq!(prune(c, relayed).await, 0);
    assert_eq!(
        test_kinds_after(c, backend, Position::default()).await,
        ["test.unrelayed", "test.new"]
    );
    // Relayed past everything: the old one goes, the new one stays for inspection.
    assert_eq!(prune(c, end).await, 1);
    assert_eq!(
        test_kinds_after(c, backend, Position::default()).await,
        ["test.new"]
    );
    // A reader at the relay's position still finds what comes after it.
    assert_eq!(test_kinds_after(c, backend, relayed).await, ["test.new"]);
}

/// PostgreSQL only (SQLite has one writer at a time, so the race cannot happen there):
/// transaction A takes the lower id but commits after B; a reader in between must not move
/// past A's event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_commit_on_postgresql_is_not_skipped() {
    if chainsync_storage::testing::postgres_url().is_none() {
        return;
    }
    let (db, _dir) = db(TestBackend::Postgres).await;
    assert_eq!(db.backend(), Backend::Postgres);
    let item = item(&db).await;
    let mut a = db.begin_write().await.unwrap();
    events::append(&mut a, item.org, None, "test.a", &serde_json::json!({}), 1)
        .await
        .unwrap();
    let mut b = db.begin_write().await.unwrap();
    events::append(&mut b, item.org, None, "test.b", &serde_json::json!({}), 1)
        .await
        .unwrap();
    b.commit().await.unwrap();

    let while_a_runs = events::read_after(
        &mut db.conn().await.unwrap(),
        Backend::Postgres,
        Position::default(),
        10,
    )
    .await
    .unwrap();
    a.commit().await.unwrap();
    let after_a = read_eventually(&db, 2).await;

    assert!(
        while_a_runs.is_empty(),
        "B's event must wait for A: {:?}",
        while_a_runs.iter().map(|e| &e.kind).collect::<Vec<_>>()
    );
    assert_eq!(
        after_a.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["test.a", "test.b"]
    );
}

/// SQLite's relay step reads its channels' heads with the events (one statement): an event
/// naming a store goes to `store:<id>`, one naming none to `org:<id>` (the names of
/// `chainsync_domain::realtime::Channel`), and the next appends continue from the heads as
/// that statement read them, with no read of their own.
#[tokio::test]
async fn sqlite_relay_reads_the_heads_of_its_events_channels_with_the_events() {
    use chainsync_domain::realtime::Channel;
    use chainsync_storage::realtime::{self, Appender};
    let (db, _dir) = db(TestBackend::Sqlite).await;
    let item = item(&db).await;
    let store_channel = Channel::Store(item.store).to_string();
    let org_channel = Channel::Org(item.org).to_string();
    let raise = async |db: &Db| {
        let mut tx = db.begin_write().await.unwrap();
        for store in [Some(item.store), None] {
            events::append(
                &mut tx,
                item.org,
                store,
                "test.head",
                &serde_json::json!({}),
                1,
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    };
    // One relay step: appends each test event to its channel, then moves the heads in the
    // database to 100 before appending, which only an appender that read them before sees
    // as 1 and 2, not 101.
    let relay = async |db: &Db, tamper: bool| {
        let mut tx = db.begin_write().await.unwrap();
        let mut appender = Appender::default();
        let read = appender.read_relay_batch(&mut tx, 500).await.unwrap();
        if tamper {
            sqlx::query("UPDATE channel_heads SET last_offset = 100")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let mut offsets = Vec::new();
        for event in read.iter().filter(|e| e.kind == "test.head") {
            let channel = match event.store_id {
                Some(store) => Channel::Store(store),
                None => Channel::Org(event.org_id),
            }
            .to_string();
            let appended = appender
                .append(&mut tx, &channel, event.org_id, "e", "{}", 1)
                .await
                .unwrap();
            offsets.push((channel, appended.offset));
        }
        let mut writes = chainsync_storage::batch::Batch::new();
        realtime::queue_advance_relay(&mut writes, read.last().unwrap().position, 1);
        appender.finish(&mut tx, writes).await.unwrap();
        tx.commit().await.unwrap();
        offsets
    };
    raise(&db).await;
    // The channels are new: the appender creates their heads.
    assert_eq!(
        relay(&db, false).await,
        [(store_channel.clone(), 1), (org_channel.clone(), 1)]
    );
    raise(&db).await;
    raise(&db).await;
    assert_eq!(
        relay(&db, true).await,
        [
            (store_channel.clone(), 2),
            (org_channel.clone(), 2),
            (store_channel.clone(), 3),
            (org_channel.clone(), 3),
        ]
    );
    let mut conn = db.conn().await.unwrap();
    for channel in [&store_channel, &org_channel] {
        let head = realtime::head(&mut conn, channel).await.unwrap().unwrap();
        assert_eq!(head.last_offset, 3, "{channel}");
    }
}

/// SQLite's relay reads the outbox after its cursor with the cursor in the same statement and
/// moves the cursor with its other writes (no compare-and-set: the write transaction is the
/// lock): what one transaction read and advanced past is not read again by the next, and what
/// commits later is.
#[tokio::test]
async fn sqlite_relay_reads_after_its_cursor_and_moves_it_with_its_writes() {
    let (db, _dir) = db(TestBackend::Sqlite).await;
    let item = item(&db).await;
    append_committed(&db, item.org, "test.first", 1, 3).await;
    let relay = async |db: &Db| {
        let mut tx = db.begin_write().await.unwrap();
        let read = chainsync_storage::realtime::Appender::default()
            .read_relay_batch(&mut tx, 500)
            .await
            .unwrap();
        if let Some(last) = read.last() {
            let mut writes = chainsync_storage::batch::Batch::new();
            chainsync_storage::realtime::queue_advance_relay(&mut writes, last.position, 1);
            writes.execute(&mut tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        read.into_iter()
            .filter(|e| e.kind.starts_with("test."))
            .map(|e| e.kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(relay(&db).await, ["test.first"; 3]);
    assert_eq!(relay(&db).await, Vec::<String>::new());
    append_committed(&db, item.org, "test.second", 1, 1).await;
    assert_eq!(relay(&db).await, ["test.second"]);
    let cursor = chainsync_storage::realtime::relay_cursor(&mut db.conn().await.unwrap())
        .await
        .unwrap();
    let everything = events::read_after(
        &mut db.conn().await.unwrap(),
        db.backend(),
        Position::default(),
        500,
    )
    .await
    .unwrap();
    assert_eq!(cursor, everything.last().unwrap().position);
}
