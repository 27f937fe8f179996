//! The forecast registry and training jobs on both backends: the database keeps one live job
//! per store and one active model per scope, activation and rollback move the pointer as
//! documented, and orphaned jobs are failed.

use chainsync_domain::ids::{ModelId, OrgId, ProductId, StoreId};
use chainsync_storage::catalog::{self, ProductRecord};
use chainsync_storage::forecasting::{
    self as fc, JOB_LIVE_KEY, JOB_SCHEDULE_KEY, JobRecord, LiveFigures, ModelFilter, ModelRecord,
};
use chainsync_storage::orgs;
use chainsync_storage::stores;
use chainsync_storage::testing::{TestBackend, fresh_db, org_record, store_record};
use chainsync_storage::{Conn, Db, StorageError, on_both_backends};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

on_both_backends!(
    a_store_has_one_live_job_and_one_scheduled_job_per_day,
    jobs_are_claimed_once_and_orphans_are_failed,
    training_activates_the_next_version_and_rollback_walks_back,
    the_database_refuses_a_second_active_model_in_a_scope,
    models_filter_and_paginate_newest_first,
);

struct World {
    db: Db,
    org: OrgId,
    store: StoreId,
    other_store: StoreId,
    product: ProductId,
    _dir: tempfile::TempDir,
}

async fn world(backend: TestBackend) -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let mut conn = db.conn().await.unwrap();
    let org = org_record("Acme");
    orgs::insert(&mut conn, &org).await.unwrap();
    let mut ids = Vec::new();
    for code in ["BER", "PAR"] {
        let s = store_record(org.id, code);
        stores::insert(&mut conn, &s).await.unwrap();
        ids.push(s.id);
    }
    let product = ProductRecord {
        id: ProductId::new(),
        org_id: org.id,
        sku: "MILK".into(),
        name: "Milk".into(),
        category_id: None,
        supplier_id: None,
        brand: None,
        unit: "each".into(),
        price_minor: 119,
        cost_minor: 60,
        tax_class: "standard".into(),
        parent_id: None,
        variant_attributes: BTreeMap::new(),
        active: true,
        barcodes: Vec::new(),
        created_at: 1,
        updated_at: 1,
    };
    catalog::write_product(&mut conn, &product, &BTreeSet::new())
        .await
        .unwrap();
    drop(conn);
    World {
        db,
        org: org.id,
        store: ids[0],
        other_store: ids[1],
        product: product.id,
        _dir: dir,
    }
}

fn model(w: &World, product: Option<ProductId>, mase: f64) -> ModelRecord {
    ModelRecord {
        id: ModelId::new(),
        org_id: w.org,
        store_id: w.store,
        product_id: product,
        version: 0,
        model_type: "ensemble".into(),
        params: json!({ "members": [{ "model": "ets", "weight": 1.0 }] }),
        backtest_mase: Some(mase),
        backtest_rmsse: Some(0.5),
        backtest_wape: None,
        mase_scale: Some(1.5),
        live_mase: None,
        live_wape: None,
        live_days: 0,
        degraded: false,
        forecast: json!({ "start": "2026-11-26", "level": 80, "mean": [1.0], "lo": [0.0], "hi": [2.0] }),
        trained_at: 10,
        training_ms: 5,
        data_from: "2025-11-26".into(),
        data_to: "2026-11-25".into(),
        active: false,
        previous_model_id: None,
        activated_at: None,
        job_id: None,
    }
}

async fn train(w: &World, product: Option<ProductId>, mase: f64) -> ModelRecord {
    let mut tx = w.db.begin_write().await.unwrap();
    let mut m = model(w, product, mase);
    fc::insert_and_activate(&mut tx, &mut m, 100).await.unwrap();
    tx.commit().await.unwrap();
    m
}

async fn active_count(conn: &mut Conn, w: &World) -> usize {
    fc::list_models(
        conn,
        w.store,
        &ModelFilter {
            active_only: true,
            ..Default::default()
        },
        None,
        50,
    )
    .await
    .unwrap()
    .items
    .len()
}

async fn a_store_has_one_live_job_and_one_scheduled_job_per_day(backend: TestBackend) {
    let w = world(backend).await;
    let mut conn = w.db.conn().await.unwrap();
    let first = JobRecord::queued(w.org, w.store, "api", false, None, None, 1);
    fc::insert_job(&mut conn, &first).await.unwrap();

    let second = JobRecord::queued(w.org, w.store, "api", true, None, None, 2);
    let err = fc::insert_job(&mut conn, &second).await.unwrap_err();
    assert!(
        err.is_conflict_on(JOB_LIVE_KEY.0, JOB_LIVE_KEY.1),
        "{err:?}"
    );
    // Another store is independent.
    let elsewhere = JobRecord::queued(w.org, w.other_store, "api", false, None, None, 3);
    fc::insert_job(&mut conn, &elsewhere).await.unwrap();

    // Once the first has finished, the store may queue again.
    assert!(
        fc::claim_next(&mut conn, "runner-a", 5)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        fc::finish_job(&mut conn, first.id, true, None, 6)
            .await
            .unwrap()
    );
    let day = Some("2026-11-26".to_owned());
    let scheduled = JobRecord::queued(w.org, w.store, "schedule", false, None, day.clone(), 7);
    fc::insert_job(&mut conn, &scheduled).await.unwrap();
    sqlx::query("UPDATE forecast_jobs SET status = 'succeeded' WHERE id = $1")
        .bind(scheduled.id.to_string())
        .execute(&mut *conn)
        .await
        .unwrap();
    let again = JobRecord::queued(w.org, w.store, "schedule", false, None, day, 8);
    let err = fc::insert_job(&mut conn, &again).await.unwrap_err();
    assert!(
        err.is_conflict_on(JOB_SCHEDULE_KEY.0, JOB_SCHEDULE_KEY.1),
        "{err:?}"
    );
}

async fn jobs_are_claimed_once_and_orphans_are_failed(backend: TestBackend) {
    let w = world(backend).await;
    let mut conn = w.db.conn().await.unwrap();
    let a = JobRecord::queued(w.org, w.store, "api", false, None, None, 1);
    let b = JobRecord::queued(w.org, w.other_store, "schedule", true, None, None, 2);
    fc::insert_job(&mut conn, &a).await.unwrap();
    fc::insert_job(&mut conn, &b).await.unwrap();

    let got_a = fc::claim_next(&mut conn, "runner-a", 10)
        .await
        .unwrap()
        .unwrap();
    let got_b = fc::claim_next(&mut conn, "runner-b", 10)
        .await
        .unwrap()
        .unwrap();
    assert!(
        fc::claim_next(&mut conn, "runner-c", 10)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!((got_a.id, got_a.status.as_str()), (a.id, "running"));
    assert_eq!(got_b.id, b.id);

    let failures = vec![fc::SeriesFailure {
        product_id: Some(w.product.to_string()),
        error: "boom".into(),
    }];
    fc::record_progress(&mut conn, a.id, 10, 4, &failures, 100)
        .await
        .unwrap();
    // b's runner went silent at 10; a's spoke at 100. The sweep takes only b.
    assert_eq!(fc::fail_orphans(&mut conn, 50, 120).await.unwrap(), 1);
    let a_now = fc::get_job(&mut conn, w.org, a.id).await.unwrap().unwrap();
    let b_now = fc::get_job(&mut conn, w.org, b.id).await.unwrap().unwrap();
    assert_eq!(
        (
            a_now.status.as_str(),
            a_now.done_series,
            a_now.failed_series
        ),
        ("running", 4, 1)
    );
    assert_eq!(a_now.failures, failures);
    assert_eq!(b_now.status, "failed");
    assert!(b_now.error.unwrap().contains("stopped"));
    // A finished job cannot be finished again.
    assert!(
        !fc::finish_job(&mut conn, b.id, true, None, 130)
            .await
            .unwrap()
    );
    // A runner shutting down fails its own jobs only.
    assert_eq!(
        fc::fail_runner(&mut conn, "runner-b", 140).await.unwrap(),
        0
    );
    assert_eq!(
        fc::fail_runner(&mut conn, "runner-a", 140).await.unwrap(),
        1
    );
    // Another organisation does not see the job.
    assert!(
        fc::get_job(&mut conn, OrgId::new(), a.id)
            .await
            .unwrap()
            .is_none()
    );
}

async fn training_activates_the_next_version_and_rollback_walks_back(backend: TestBackend) {
    let w = world(backend).await;
    let v1 = train(&w, Some(w.product), 1.0).await;
    let v2 = train(&w, Some(w.product), 0.9).await;
    let v3 = train(&w, Some(w.product), 0.8).await;
    let default = train(&w, None, 0.7).await;
    assert_eq!((v1.version, v2.version, v3.version), (1, 2, 3));
    assert_eq!(default.version, 1, "the store default has its own versions");
    assert_eq!(v3.previous_model_id, Some(v2.id));
    let mut conn = w.db.conn().await.unwrap();
    assert_eq!(active_count(&mut conn, &w).await, 2);

    let mut tx = w.db.begin_write().await.unwrap();
    let (from, to) = fc::rollback(&mut tx, w.store, Some(w.product), 200)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((from.id, to.id), (v3.id, v2.id));
    let active = fc::active_model(&mut conn, w.store, Some(w.product))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((active.id, active.activated_at), (v2.id, Some(200)));

    // A second rollback walks further back; then there is nothing left.
    let mut tx = w.db.begin_write().await.unwrap();
    let (_, to) = fc::rollback(&mut tx, w.store, Some(w.product), 300)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(to.id, v1.id);
    assert!(
        fc::rollback(&mut tx, w.store, Some(w.product), 400)
            .await
            .unwrap()
            .is_none()
    );
    // Explicit activation of v3 remembers v1 as what it replaced.
    let replaced = fc::activate(&mut tx, &v3, 500).await.unwrap();
    assert_eq!(replaced.map(|m| m.id), Some(v1.id));
    assert!(fc::activate(&mut tx, &v3, 600).await.unwrap().is_none());
    tx.commit().await.unwrap();
    let active = fc::get_model(&mut conn, w.org, v3.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (active.active, active.previous_model_id),
        (true, Some(v1.id))
    );
    assert_eq!(active_count(&mut conn, &w).await, 2);

    // Live figures round-trip.
    let live = LiveFigures {
        mase: Some(1.25),
        wape: None,
        days: 3,
        degraded: true,
    };
    fc::update_live(&mut conn, v3.id, &live).await.unwrap();
    let got = fc::get_model(&mut conn, w.org, v3.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (got.live_mase, got.live_wape, got.live_days, got.degraded),
        (Some(1.25), None, 3, true)
    );
    assert_eq!(got.params, v3.params);
    assert_eq!(got.backtest_mase, Some(0.8));
}

async fn the_database_refuses_a_second_active_model_in_a_scope(backend: TestBackend) {
    let w = world(backend).await;
    let v1 = train(&w, Some(w.product), 1.0).await;
    let _v2 = train(&w, Some(w.product), 0.9).await;
    let mut conn = w.db.conn().await.unwrap();
    let err = sqlx::query("UPDATE ai_models SET active = 1 WHERE id = $1")
        .bind(v1.id.to_string())
        .execute(&mut *conn)
        .await
        .map_err(StorageError::from)
        .unwrap_err();
    assert!(
        err.is_conflict_on(
            "ai_models_active_key",
            "ai_models.store_id, ai_models.scope_key"
        ),
        "{err:?}"
    );
}

async fn models_filter_and_paginate_newest_first(backend: TestBackend) {
    let w = world(backend).await;
    let mut made = Vec::new();
    for i in 0..3 {
        made.push(train(&w, Some(w.product), 1.0 - f64::from(i) / 10.0).await);
    }
    let default = train(&w, None, 0.5).await;
    let mut conn = w.db.conn().await.unwrap();
    let page1 = fc::list_models(&mut conn, w.store, &ModelFilter::default(), None, 2)
        .await
        .unwrap();
    let cursor = page1.next_cursor.clone().unwrap().parse().unwrap();
    let page2 = fc::list_models(&mut conn, w.store, &ModelFilter::default(), Some(cursor), 2)
        .await
        .unwrap();
    let ids: Vec<ModelId> = page1
        .items
        .iter()
        .chain(&page2.items)
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, vec![default.id, made[2].id, made[1].id, made[0].id]);
    assert!(page2.next_cursor.is_none());

    let series = ModelFilter {
        series: Some(true),
        ..Default::default()
    };
    let defaults = ModelFilter {
        series: Some(false),
        ..Default::default()
    };
    let of_product = ModelFilter {
        product: Some(w.product),
        active_only: true,
        ..Default::default()
    };
    let count = |f: ModelFilter| {
        let db = w.db.clone();
        let store = w.store;
        async move {
            let mut conn = db.conn().await.unwrap();
            fc::list_models(&mut conn, store, &f, None, 50)
                .await
                .unwrap()
                .items
        }
    };
    assert_eq!(count(series).await.len(), 3);
    assert_eq!(count(defaults).await[0].id, default.id);
    assert_eq!(count(of_product).await[0].id, made[2].id);
    let other = fc::list_models(&mut conn, w.other_store, &ModelFilter::default(), None, 50)
        .await
        .unwrap();
    assert!(other.items.is_empty());
}
