//! Forecasts in the product (docs/forecasts.md) on the demo chain with a small sales history:
//! training through the API, serving (and caching) forecasts, rollback, live accuracy after a
//! sale today, degradation alerts, bad input, other organisations, cashiers, and jobs left
//! running by a stopped server.
//!
//! The background worker is off in these tests: a queued job stays queued until the test
//! drains the queue with `run_once`, so "a job is already queued" is deterministic.

use crate::support::{Backend, Caller, TestApp, on_both_backends, spawn_with_history};
use chainsync_server::state::ApiSettings;
use chainsync_storage::forecasting::{self as store_fc, JobRecord};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;

on_both_backends!(
    a_stores_forecasts_appear_after_training_and_rollback_serves_the_previous_version,
    a_sale_today_moves_live_accuracy_and_a_degraded_model_raises_one_alert,
    bad_parameters_other_organisations_and_cashiers_are_refused,
    a_job_left_running_by_a_stopped_server_is_failed_at_startup,
);

/// Days of demo history: enough for one 90-day backtest window after 28 training days.
const DAYS: u32 = 120;

fn settings() -> ApiSettings {
    let mut s = ApiSettings::default();
    s.forecast.background = false;
    s
}

struct World {
    app: TestApp,
    ber: String,
    par: String,
    manager: Caller,
    admin: Caller,
}

async fn world(backend: Backend, settings: ApiSettings) -> World {
    let app = spawn_with_history(backend, settings, DAYS).await;
    let ber = app.store_id("BER").await;
    let par = app.store_id("PAR").await;
    let manager = app.login("manager.ber@demo.local").await;
    let admin = app.login("admin@demo.local").await;
    World {
        app,
        ber,
        par,
        manager,
        admin,
    }
}

/// Queues a job as the BER manager, runs it, and returns the finished job.
async fn train(w: &World, full: bool) -> Value {
    let queued = w
        .app
        .post(
            &w.manager,
            &format!("/api/stores/{}/forecast-jobs", w.ber),
            json!({ "full": full }),
        )
        .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    assert_eq!(queued.body["status"], "queued");
    assert_eq!(w.app.state.forecasting.run_once().await, 1);
    let id = queued.body["id"].as_str().unwrap();
    w.app
        .get(
            &w.manager,
            &format!("/api/stores/{}/forecast-jobs/{id}", w.ber),
        )
        .await
        .body
}

/// An active series model of BER with a backtest MASE (a product that sells regularly).
async fn series_model(w: &World) -> Value {
    let list = w
        .app
        .get(
            &w.manager,
            &format!(
                "/api/stores/{}/models?scope=series&active=true&limit=200",
                w.ber
            ),
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["backtest"]["mase"].is_f64())
        .max_by(|a, b| {
            let sold = |m: &Value| m["params"]["class"] == "smooth";
            sold(a).cmp(&sold(b))
        })
        .cloned()
        .expect("a series model with a backtest")
}

async fn forecast(w: &World, product: &str, query: &str) -> crate::support::Reply {
    w.app
        .get(
            &w.manager,
            &format!("/api/stores/{}/forecasts?product={product}{query}", w.ber),
        )
        .await
}

async fn a_stores_forecasts_appear_after_training_and_rollback_serves_the_previous_version(
    backend: Backend,
) {
    let w = world(backend, settings()).await;
    let product_of_any = w.app.get(&w.admin, "/api/products?limit=1").await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = forecast(&w, &product_of_any, "").await;
    assert_eq!(before.status, StatusCode::CONFLICT);
    assert_eq!(before.code(), "no_active_model");

    // Train: every series that sold, plus the store default.
    let job = train(&w, false).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["trigger"], "api");
    let total = job["total_series"].as_i64().unwrap();
    assert!(total > 10, "{job}");
    assert_eq!(job["done_series"].as_i64(), Some(total));
    assert_eq!(job["failed_series"], 0, "{job}");
    assert!(job["finished_at"].is_string());
    let models = w
        .app
        .get(
            &w.manager,
            &format!("/api/stores/{}/models?active=true&limit=200", w.ber),
        )
        .await;
    assert_eq!(
        models.body["items"].as_array().unwrap().len() as i64,
        total,
        "one active model per trained scope"
    );
    let defaults = w
        .app
        .get(
            &w.manager,
            &format!("/api/stores/{}/models?scope=store_default", w.ber),
        )
        .await;
    assert_eq!(defaults.body["items"].as_array().unwrap().len(), 1);

    // Serve one product's forecast.
    let model = series_model(&w).await;
    let product = model["product_id"].as_str().unwrap().to_owned();
    assert!(model["product_name"].is_string());
    let served = forecast(&w, &product, "&horizon=14&level=90&history_days=30").await;
    assert_eq!(served.status, StatusCode::OK, "{}", served.body);
    let b = &served.body;
    assert_eq!(b["forecast"].as_array().unwrap().len(), 14);
    assert_eq!(b["history"].as_array().unwrap().len(), 30);
    assert_eq!(
        (b["horizon"].as_i64(), b["level"].as_i64()),
        (Some(14), Some(90))
    );
    assert_eq!(b["model"]["id"], model["id"]);
    assert_eq!(b["model"]["scope"], "series");
    assert_eq!(b["model"]["model_type"], "ensemble");
    assert!(!b["model"]["members"].as_array().unwrap().is_empty());
    assert!(b["model"]["backtest"]["mase"].is_f64());
    assert!(b["model"]["live"].is_null(), "nothing sold since training");
    assert_eq!(b["cached"], false);
    let first = &b["forecast"][0];
    assert!(first["lo"].as_f64() <= first["mean"].as_f64());
    assert!(first["mean"].as_f64() <= first["hi"].as_f64());
    let data_to: chrono::NaiveDate = b["model"]["data_to"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        first["date"].as_str().unwrap(),
        (data_to + chrono::Days::new(1)).to_string(),
        "the forecast starts the day after the training data"
    );
    let again = forecast(&w, &product, "&horizon=14&level=90&history_days=30").await;
    assert_eq!(again.body["cached"], true);
    assert_eq!(again.body["forecast"], b["forecast"]);
    // The same model at another level has a wider interval around the same means.
    let wider = forecast(&w, &product, "&horizon=14&level=99&history_days=30").await;
    assert_eq!(wider.body["forecast"][0]["mean"], first["mean"]);
    assert!(wider.body["forecast"][0]["hi"].as_f64() >= first["hi"].as_f64());
    let served_log = w.app.audit("forecast.served").await;
    assert_eq!(served_log.len(), 3);
    assert_eq!(served_log[0]["details"]["model_id"], model["id"]);
    assert_eq!(served_log[0]["details"]["horizon"], 14);
    assert_eq!(served_log[0]["actor_label"], "manager.ber@demo.local");

    // A product that never sold in BER is served by the store default, as zero.
    let fresh = w
        .app
        .post(
            &w.admin,
            "/api/products",
            json!({ "sku": "NEW-1", "name": "Brand new", "price_minor": 100, "tax_class": "standard" }),
        )
        .await;
    let fresh_id = fresh.body["id"].as_str().unwrap();
    let by_default = forecast(&w, fresh_id, "").await;
    assert_eq!(by_default.status, StatusCode::OK, "{}", by_default.body);
    assert_eq!(by_default.body["model"]["scope"], "store_default");
    assert_eq!(by_default.body["forecast"].as_array().unwrap().len(), 28);
    assert!(
        by_default.body["forecast"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["mean"] == 0.0)
    );

    // Retrain everything: version 2 is served; rollback serves version 1 again.
    let second = train(&w, true).await;
    assert_eq!(second["status"], "succeeded");
    assert_eq!(second["full"], true);
    let v2 = forecast(&w, &product, "").await;
    assert_eq!(v2.body["model"]["version"], 2);
    assert_ne!(v2.body["model"]["id"], model["id"]);
    let rolled = w
        .app
        .post(
            &w.manager,
            &format!("/api/stores/{}/models/rollback", w.ber),
            json!({ "product_id": product }),
        )
        .await;
    assert_eq!(rolled.status, StatusCode::OK, "{}", rolled.body);
    assert_eq!(
        (
            rolled.body["version"].as_i64(),
            rolled.body["active"].as_bool()
        ),
        (Some(1), Some(true))
    );
    let v1 = forecast(&w, &product, "").await;
    assert_eq!(v1.body["model"]["id"], model["id"]);
    assert_eq!(v1.body["model"]["version"], 1);
    assert_eq!(v1.body["cached"], false);
    let nothing = w
        .app
        .post(
            &w.manager,
            &format!("/api/stores/{}/models/rollback", w.ber),
            json!({ "product_id": product }),
        )
        .await;
    assert_eq!(nothing.status, StatusCode::CONFLICT);
    assert_eq!(nothing.code(), "nothing_to_roll_back");
    // Activating version 2 again is one call too; exactly one version stays active.
    let v2_id = v2.body["model"]["id"].as_str().unwrap();
    let activated = w
        .app
        .post(
            &w.manager,
            &format!("/api/stores/{}/models/{v2_id}/activate", w.ber),
            json!({}),
        )
        .await;
    assert_eq!(activated.status, StatusCode::OK, "{}", activated.body);
    let versions = w
        .app
        .get(
            &w.manager,
            &format!("/api/stores/{}/models?product={product}", w.ber),
        )
        .await;
    let items = versions.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|m| m["active"] == true).count(), 1);
    assert_eq!(forecast(&w, &product, "").await.body["model"]["version"], 2);
    assert_eq!(w.app.audit("model.rolled_back").await.len(), 1);
    assert_eq!(w.app.audit("model.activated").await.len(), 1);
    assert_eq!(w.app.audit("forecast_job.requested").await.len(), 2);

    // Incremental training with no new sales retrains nothing.
    let idle = train(&w, false).await;
    assert_eq!(
        (idle["status"].as_str(), idle["total_series"].as_i64()),
        (Some("succeeded"), Some(0))
    );
    let text = w.app.metrics().await;
    assert!(
        text.contains("forecast_series_trained_total{outcome=\"ok\"}"),
        "{text}"
    );
    assert!(text.contains("forecast_served_total{cached=\"true\"}"));
}

/// Rings up `quantity` of `product` in BER now, on a new till.
async fn sell_today(w: &World, product: &str, quantity: i64) {
    let till = w
        .app
        .post(
            &w.admin,
            &format!("/api/stores/{}/terminals", w.ber),
            json!({ "code": "BER-T9", "name": "Till 9" }),
        )
        .await;
    let terminal = till.body["id"].as_str().expect("terminal").to_owned();
    let sale = w
        .app
        .post(
            &w.admin,
            &format!("/api/stores/{}/sales", w.ber),
            json!({
                "id": uuid::Uuid::now_v7(), "terminal_id": terminal, "seq": 1,
                "occurred_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "receipt_number": "BER-T9-1", "lines": [{ "product_id": product, "quantity": quantity }],
                "payments": [{ "kind": "cash", "tendered_minor": 100_000_000 }],
            }),
        )
        .await;
    assert_eq!(sale.status, StatusCode::CREATED, "{}", sale.body);
}

async fn a_sale_today_moves_live_accuracy_and_a_degraded_model_raises_one_alert(backend: Backend) {
    let mut s = settings();
    s.forecast.degradation = chainsync_domain::forecasting::DegradationRule::new(0.0, 1).unwrap();
    let w = world(backend, s).await;
    assert_eq!(train(&w, false).await["status"], "succeeded");
    let model = series_model(&w).await;
    let product = model["product_id"].as_str().unwrap().to_owned();
    assert!(forecast(&w, &product, "").await.body["model"]["live"].is_null());
    assert_eq!(w.app.state.forecasting.refresh_live().await.unwrap(), 0);

    // A sale far above the forecast, today (weighed goods are sold in grams).
    let unit = w
        .app
        .get(&w.admin, &format!("/api/products/{product}"))
        .await
        .body["unit"]
        .clone();
    let quantity = if unit == "weighed" { 400_000 } else { 400 };
    sell_today(&w, &product, quantity).await;
    let after = forecast(&w, &product, "").await;
    assert_eq!(
        after.body["cached"], false,
        "a new sale invalidates the cache"
    );
    let live = &after.body["model"]["live"];
    assert_eq!(live["days"], 1, "{}", after.body);
    assert!(live["mase"].as_f64().unwrap() > model["backtest"]["mase"].as_f64().unwrap());
    assert!(live["wape"].as_f64().is_some());
    let sold_today = after.body["history"].as_array().unwrap().last().unwrap()["quantity"]
        .as_f64()
        .unwrap();
    assert!(
        sold_today >= 400.0,
        "today's history shows the sale: {sold_today}"
    );

    // The watcher stores it, marks the model degraded and raises the alert once.
    let degraded = w.app.state.forecasting.refresh_live().await.unwrap();
    assert!(degraded >= 1, "{degraded}");
    assert_eq!(w.app.state.forecasting.refresh_live().await.unwrap(), 0);
    let id = model["id"].as_str().unwrap();
    let stored = w
        .app
        .get(&w.manager, &format!("/api/stores/{}/models/{id}", w.ber))
        .await;
    assert_eq!(stored.body["degraded"], true, "{}", stored.body);
    assert_eq!(stored.body["live"]["days"], 1);
    let events =
        sqlx::query("SELECT payload FROM domain_events WHERE kind = 'model.degraded' ORDER BY id")
            .fetch_all(&mut *w.app.db.conn().await.unwrap())
            .await
            .unwrap();
    let for_model: Vec<Value> = events
        .iter()
        .map(|r| serde_json::from_str(&r.try_get::<String, _>("payload").unwrap()).unwrap())
        .filter(|p: &Value| p["model_id"] == model["id"])
        .collect();
    assert_eq!(for_model.len(), 1, "raised once");
    // It reaches the store's manager as a high system_alert.
    // On PostgreSQL the relay delivers an event once every older transaction has ended
    // (storage::events): other tests seeding in long transactions in the same database delay
    // it, never lose it, so the wait is generous.
    let mut found = false;
    let mut last = Value::Null;
    for _ in 0..600 {
        let list = w.app.get(&w.manager, "/api/notifications?limit=50").await;
        last = list.body.clone();
        found = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["type"] == "system_alert" && n["title"] == "Forecast model degraded");
        if found {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found, "the manager is notified: {last}");
    // Rolling back is refused (only one version), until a retrain adds one.
    let refused = w
        .app
        .post(
            &w.manager,
            &format!("/api/stores/{}/models/rollback", w.ber),
            json!({ "product_id": product }),
        )
        .await;
    assert_eq!(refused.code(), "nothing_to_roll_back");
}

async fn bad_parameters_other_organisations_and_cashiers_are_refused(backend: Backend) {
    let w = world(backend, settings()).await;
    let cashier = w.app.login("cashier1.ber@demo.local").await;
    let other = w.app.other_org_admin().await;
    let queued = w
        .app
        .post(
            &w.manager,
            &format!("/api/stores/{}/forecast-jobs", w.ber),
            json!({}),
        )
        .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    assert_eq!(queued.body["full"], false);
    // One job at a time per store, whoever asks.
    let twice = w
        .app
        .post(
            &w.admin,
            &format!("/api/stores/{}/forecast-jobs", w.ber),
            json!({ "full": true }),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.code(), "job_running");
    w.app.state.forecasting.run_once().await;
    let model = series_model(&w).await;
    let product = model["product_id"].as_str().unwrap().to_owned();
    let model_id = model["id"].as_str().unwrap().to_owned();
    let job_id = queued.body["id"].as_str().unwrap().to_owned();
    let base = format!("/api/stores/{}", w.ber);

    // Query parameters: 400 invalid_query naming the parameter.
    for (query, field) in [
        ("".to_owned(), "product"),
        ("?product=milk".to_owned(), "product"),
        (format!("?product={product}&horizon=0"), "horizon"),
        (format!("?product={product}&horizon=91"), "horizon"),
        (format!("?product={product}&horizon=ten"), "horizon"),
        (format!("?product={product}&level=49"), "level"),
        (format!("?product={product}&level=100"), "level"),
        (format!("?product={product}&history_days=6"), "history_days"),
        (
            format!("?product={product}&history_days=731"),
            "history_days",
        ),
    ] {
        let r = w
            .app
            .get(&w.manager, &format!("{base}/forecasts{query}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body);
        assert_eq!((r.code(), r.field()), ("invalid_query", field), "{query}");
    }
    for (query, field) in [
        ("?scope=weekly", "scope"),
        ("?active=yes", "active"),
        ("?product=42", "product"),
    ] {
        let r = w
            .app
            .get(&w.manager, &format!("{base}/models{query}"))
            .await;
        assert_eq!(
            (r.status, r.code(), r.field()),
            (StatusCode::BAD_REQUEST, "invalid_query", field)
        );
    }
    let unknown = uuid::Uuid::now_v7();
    let r = w
        .app
        .get(&w.manager, &format!("{base}/forecasts?product={unknown}"))
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"));
    for path in [
        format!("{base}/models/{unknown}"),
        format!("{base}/forecast-jobs/{unknown}"),
    ] {
        assert_eq!(
            w.app.get(&w.manager, &path).await.status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        w.app
            .get(&w.manager, &format!("{base}/models/not-a-uuid"))
            .await
            .code(),
        "invalid_path"
    );
    // A model or job of BER asked for under PAR is not found there.
    let par_model = w
        .app
        .get(
            &w.admin,
            &format!("/api/stores/{}/models/{model_id}", w.par),
        )
        .await;
    assert_eq!(par_model.status, StatusCode::NOT_FOUND);

    // Bodies: 400 for broken JSON, 422 naming the field otherwise; nothing changes.
    let jobs = format!("{base}/forecast-jobs");
    for (body, status, code, field) in [
        (json!({ "full": "yes" }), 422, "invalid_field", "full"),
        (json!({ "fast": true }), 422, "unknown_field", "fast"),
    ] {
        let r = w.app.post(&w.manager, &jobs, body).await;
        assert_eq!(
            (r.status.as_u16(), r.code(), r.field()),
            (status, code, field)
        );
    }
    let broken = w
        .app
        .raw(
            &w.manager,
            Method::POST,
            &jobs,
            "application/json",
            b"{\"full\": tru".to_vec(),
        )
        .await;
    assert_eq!(
        (broken.status.as_u16(), broken.code()),
        (400, "malformed_json")
    );
    let rollback = format!("{base}/models/rollback");
    for (body, code, field) in [
        (json!({}), "missing_field", "product_id"),
        (json!({ "product_id": 7 }), "invalid_field", "product_id"),
        (
            json!({ "product_id": unknown }),
            "unknown_product",
            "product_id",
        ),
        (
            json!({ "product_id": null, "extra": 1 }),
            "unknown_field",
            "extra",
        ),
    ] {
        let r = w.app.post(&w.manager, &rollback, body.clone()).await;
        assert_eq!(
            (r.status.as_u16(), r.code(), r.field()),
            (422, code, field),
            "{body}"
        );
    }
    let listed = w.app.get(&w.manager, &format!("{jobs}?limit=50")).await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "refused jobs left no trace"
    );
    assert_eq!(listed.body["items"][0]["id"], job_id.as_str());
    assert_eq!(
        w.app
            .get(&w.manager, &format!("{jobs}?limit=0"))
            .await
            .code(),
        "invalid_limit"
    );

    // Cashiers reach none of it; another organisation finds none of it; a manager of BER
    // does not manage PAR.
    let reads = [
        format!("{base}/forecasts?product={product}"),
        format!("{base}/models"),
        format!("{base}/models/{model_id}"),
        jobs.clone(),
        format!("{jobs}/{job_id}"),
    ];
    for path in &reads {
        assert_eq!(
            w.app.get(&cashier, path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            w.app.get(&other, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for (path, body) in [
        (format!("{base}/models/{model_id}/activate"), json!({})),
        (rollback.clone(), json!({ "product_id": product })),
        (jobs.clone(), json!({ "full": false })),
    ] {
        assert_eq!(
            w.app.post(&cashier, &path, body.clone()).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            w.app.post(&other, &path, body).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let par_jobs = w
        .app
        .get(&w.manager, &format!("/api/stores/{}/forecast-jobs", w.par))
        .await;
    assert_eq!(par_jobs.status, StatusCode::FORBIDDEN);
    assert!(w.app.audit("model.rolled_back").await.is_empty());
}

async fn a_job_left_running_by_a_stopped_server_is_failed_at_startup(backend: Backend) {
    let w = world(backend, settings()).await;
    let (org, store) = {
        let mut conn = w.app.db.conn().await.unwrap();
        let stores = store_fc::all_stores(&mut conn).await.unwrap();
        let ber: chainsync_domain::ids::StoreId = w.ber.parse().unwrap();
        let (org, store, _) = stores.into_iter().find(|(_, s, _)| *s == ber).unwrap();
        (org, store)
    };
    // A job claimed by a process that then died: its heartbeat is long past.
    let job = JobRecord::queued(org, store, "api", false, None, None, 1);
    {
        let mut conn = w.app.db.conn().await.unwrap();
        store_fc::insert_job(&mut conn, &job).await.unwrap();
        store_fc::claim_next(&mut conn, "dead-process", 1)
            .await
            .unwrap();
    }
    let blocked = w
        .app
        .post(
            &w.manager,
            &format!("/api/stores/{}/forecast-jobs", w.ber),
            json!({}),
        )
        .await;
    assert_eq!(blocked.code(), "job_running");

    // A server starting on the same database fails it, and the store can train again.
    let restarted = chainsync_server::server::build_state(w.app.db.clone(), settings())
        .await
        .unwrap();
    let got = w
        .app
        .get(
            &w.manager,
            &format!("/api/stores/{}/forecast-jobs/{}", w.ber, job.id),
        )
        .await;
    assert_eq!(got.body["status"], "failed", "{}", got.body);
    assert!(got.body["error"].as_str().unwrap().contains("stopped"));
    assert!(got.body["finished_at"].is_string());
    let again = w
        .app
        .post(
            &w.manager,
            &format!("/api/stores/{}/forecast-jobs", w.ber),
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.body);
    // A server shutting down fails the jobs it runs itself.
    {
        let mut conn = w.app.db.conn().await.unwrap();
        let claimed = store_fc::claim_next(&mut conn, "someone-else", chainsync_storage::now_ms())
            .await
            .unwrap();
        assert!(claimed.is_some());
    }
    restarted.forecasting.stop().await;
    let still = w
        .app
        .get(
            &w.manager,
            &format!(
                "/api/stores/{}/forecast-jobs/{}",
                w.ber,
                again.body["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(
        still.body["status"], "running",
        "another runner's job is left alone"
    );
}
