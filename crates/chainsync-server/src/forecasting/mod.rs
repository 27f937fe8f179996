//! Forecasts in the product (docs/forecasts.md): training jobs, the scheduler, live-accuracy
//! tracking and the forecast cache, over the `chainsync-analytics` engine.
//!
//! Reading guide: [`settings`]; [`ledger`] (daily series from the sales ledger); [`train`] (the
//! blocking engine call of one batch); [`stored`] (the training-time forecast and how a served
//! forecast is cut from it); [`live`] (live accuracy and degradation alerts); [`serve`] (the
//! answer of `GET /forecasts`, cached); this module runs the jobs.
//!
//! Jobs live in the database (`forecast_jobs`), so any process may run any job: a worker claims
//! queued jobs with a conditional update, at most `max_concurrent_jobs` at a time, and trains
//! in batches inside `spawn_blocking` (rayon inside uses every core). Progress and a heartbeat
//! are written every second. Invariants: a job never stays `running` without a live runner —
//! on shutdown the runner fails its own jobs, and at startup and every minute jobs whose
//! heartbeat is older than [`STALE_AFTER_MS`] are failed (their process died); a failing series
//! never stops its job (it lands in `failures`); a job that succeeds has activated a new
//! version for every series it trained.

pub mod ledger;
pub mod live;
pub mod serve;
pub mod settings;
pub mod stored;
pub mod train;

pub use settings::ForecastSettings;

use crate::telemetry::ForecastMetrics;
use chainsync_domain::forecasting::{MAX_TRAINING_DAYS, needs_training};
use chainsync_domain::ids::{ModelId, ProductId, StoreId};
use chainsync_storage::forecasting::{self as store_fc, JobRecord, ModelRecord, SeriesFailure};
use chainsync_storage::{Db, StorageError, now_ms, stores};
use chrono::NaiveDate;
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};
use train::{SeriesInput, Trained};

/// A running job whose heartbeat is older than this is an orphan.
pub const STALE_AFTER_MS: i64 = 120_000;

/// The forecasting service of one process.
#[derive(Debug)]
pub struct Forecasting {
    pub settings: ForecastSettings,
    db: Db,
    metrics: ForecastMetrics,
    /// This process, as recorded on the jobs it runs.
    runner_id: String,
    wake: Notify,
    stopping: AtomicBool,
    slots: Arc<Semaphore>,
    /// The background loops and running jobs, aborted at shutdown so that none keeps the
    /// database pool (and its connections) alive after the server has stopped.
    tasks: std::sync::Mutex<tokio::task::JoinSet<()>>,
    pub cache: serve::Cache,
}

impl Forecasting {
    pub fn new(db: Db, settings: ForecastSettings, metrics: ForecastMetrics) -> Self {
        let slots = Arc::new(Semaphore::new(settings.max_concurrent_jobs.max(1)));
        Forecasting {
            settings,
            db,
            metrics,
            runner_id: uuid::Uuid::now_v7().to_string(),
            wake: Notify::new(),
            stopping: AtomicBool::new(false),
            slots,
            tasks: std::sync::Mutex::default(),
            cache: serve::Cache::default(),
        }
    }

    pub fn metrics(&self) -> &ForecastMetrics {
        &self.metrics
    }

    /// Fails orphaned jobs, then starts the worker, the scheduler and the accuracy watcher.
    pub async fn start(self: &Arc<Self>) {
        if let Err(e) = self.sweep_orphans().await {
            tracing::error!(error = %e, "failing orphaned forecast jobs");
        }
        if !self.settings.background {
            return;
        }
        let me = self.clone();
        self.spawn(async move { me.worker().await });
        let me = self.clone();
        self.spawn(async move { me.scheduler().await });
        let me = self.clone();
        self.spawn(async move { me.watcher().await });
    }

    /// Spawns a task that [`Forecasting::stop`] aborts; finished ones are reaped here.
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// Stops taking work and fails this process's running jobs (their batches cannot be
    /// resumed by another process).
    pub async fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
        // The loops sleep up to the accuracy interval between rounds; a running job's blocking
        // batch finishes on its own thread, but its task stops writing.
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .abort_all();
        match self.db.conn().await {
            Ok(mut conn) => {
                if let Err(e) = store_fc::fail_runner(&mut conn, &self.runner_id, now_ms()).await {
                    tracing::error!(error = %e, "failing this server's forecast jobs at shutdown");
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "failing this server's forecast jobs at shutdown")
            }
        }
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Wakes the worker (a job was queued).
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    async fn sweep_orphans(&self) -> Result<u64, StorageError> {
        let now = now_ms();
        let mut conn = self.db.conn().await?;
        let n = store_fc::fail_orphans(&mut conn, now - STALE_AFTER_MS, now).await?;
        if n > 0 {
            tracing::warn!(
                jobs = n,
                "failed forecast jobs left running by a stopped server"
            );
        }
        Ok(n)
    }

    async fn worker(self: Arc<Self>) {
        let mut last_sweep = Instant::now();
        while !self.stopping() {
            if last_sweep.elapsed() > Duration::from_secs(60) {
                let _ = self.sweep_orphans().await;
                last_sweep = Instant::now();
            }
            while let Ok(permit) = self.slots.clone().try_acquire_owned() {
                match self.claim().await {
                    Some(job) => {
                        let me = self.clone();
                        self.spawn(async move {
                            me.run_job(job).await;
                            drop(permit);
                            me.poke();
                        });
                    }
                    None => break,
                }
            }
            // Jobs queued by another process are found within two seconds.
            let _ = tokio::time::timeout(Duration::from_secs(2), self.wake.notified()).await;
        }
    }

    async fn claim(&self) -> Option<JobRecord> {
        let mut conn = self.db.conn().await.ok()?;
        match store_fc::claim_next(&mut conn, &self.runner_id, now_ms()).await {
            Ok(job) => job,
            Err(e) => {
                tracing::error!(error = %e, "claiming a forecast job");
                None
            }
        }
    }

    /// Claims and runs queued jobs until none is left (tests drain the queue with it).
    pub async fn run_once(&self) -> usize {
        let mut ran = 0;
        while let Some(job) = self.claim().await {
            self.run_job(job).await;
            ran += 1;
        }
        ran
    }

    async fn scheduler(self: Arc<Self>) {
        while !self.stopping() {
            if let Err(e) = self.schedule_due().await {
                tracing::error!(error = %e, "scheduling forecast training");
            }
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    }

    /// Queues today's scheduled job of every store whose local time is in the schedule's
    /// window; the database keeps it to one per store and day across processes.
    pub async fn schedule_due(&self) -> Result<usize, StorageError> {
        let mut conn = self.db.conn().await?;
        let mut queued = 0;
        for (org, store, tz) in store_fc::all_stores(&mut conn).await? {
            let Ok(tz) = tz.parse::<Tz>() else { continue };
            let local = chrono::Utc::now().with_timezone(&tz).naive_local();
            let Some(day) = self.settings.schedule.due(local) else {
                continue;
            };
            let job = JobRecord::queued(
                org,
                store,
                "schedule",
                false,
                None,
                Some(day.to_string()),
                now_ms(),
            );
            match store_fc::insert_job(&mut conn, &job).await {
                Ok(()) => queued += 1,
                // Already done today, or a job is running (retried on the next tick).
                Err(StorageError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if queued > 0 {
            self.poke();
        }
        Ok(queued)
    }

    async fn watcher(self: Arc<Self>) {
        while !self.stopping() {
            tokio::time::sleep(self.settings.accuracy_interval).await;
            if let Err(e) = self.refresh_live().await {
                tracing::error!(error = %e, "refreshing live forecast accuracy");
            }
        }
    }

    /// Recomputes live accuracy of every store's active models; returns how many became
    /// degraded.
    pub async fn refresh_live(&self) -> Result<usize, StorageError> {
        let all = {
            let mut conn = self.db.conn().await?;
            store_fc::all_stores(&mut conn).await?
        };
        let mut degraded = 0;
        for (_, store, tz) in all {
            let Ok(tz) = tz.parse::<Tz>() else { continue };
            let newly =
                live::refresh_store(&self.db, store, tz, &self.settings.degradation).await?;
            if !newly.is_empty() {
                self.metrics
                    .degraded
                    .with_label_values(&[store.to_string().as_str()])
                    .inc_by(newly.len() as u64);
                degraded += newly.len();
            }
        }
        Ok(degraded)
    }

    /// Runs one claimed job to its end, recording the outcome.
    async fn run_job(&self, job: JobRecord) {
        let started = Instant::now();
        self.metrics.jobs_running.inc();
        let result = self.train_store(&job).await;
        self.metrics.jobs_running.dec();
        let (ok, error) = match &result {
            Ok(()) => (true, None),
            Err(e) => {
                tracing::error!(job = %job.id, error = %e, "forecast job failed");
                (false, Some(e.to_string()))
            }
        };
        if let Ok(mut conn) = self.db.conn().await
            && let Err(e) =
                store_fc::finish_job(&mut conn, job.id, ok, error.as_deref(), now_ms()).await
        {
            tracing::error!(job = %job.id, error = %e, "recording the end of a forecast job");
        }
        self.metrics
            .job_seconds
            .with_label_values(&[if ok { "succeeded" } else { "failed" }])
            .observe(started.elapsed().as_secs_f64());
        self.cache.forget_store(job.store_id);
    }

    async fn train_store(&self, job: &JobRecord) -> anyhow::Result<()> {
        let store = {
            let mut conn = self.db.conn().await?;
            stores::get(&mut conn, job.org_id, job.store_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the store no longer exists"))?
        };
        let tz: Tz = store
            .timezone
            .parse()
            .map_err(|_| anyhow::anyhow!("the store's timezone {} is unknown", store.timezone))?;
        // Complete days only: today is still selling.
        let data_to = chainsync_domain::reports::today(tz)
            .pred_opt()
            .ok_or_else(|| anyhow::anyhow!("no yesterday"))?;
        let from = data_to - chrono::Days::new((MAX_TRAINING_DAYS - 1) as u64);
        let (daily, active) = {
            let mut conn = self.db.conn().await?;
            let daily = ledger::daily(&mut conn, job.store_id, tz, None, from, data_to).await?;
            let active: BTreeMap<String, NaiveDate> =
                store_fc::active_models(&mut conn, job.store_id)
                    .await?
                    .into_iter()
                    .filter_map(|m| Some((m.scope_key(), m.data_to.parse().ok()?)))
                    .collect();
            (daily, active)
        };

        let mut inputs = Vec::new();
        for (product, days) in &daily {
            let Some((first, last)) = ledger::sold_range(days) else {
                continue;
            };
            if needs_training(job.full, active.get(product).copied(), Some(last)) {
                inputs.push(SeriesInput {
                    key: product.clone(),
                    start: first,
                    y: ledger::dense(days, first, data_to),
                });
            }
        }
        let total = ledger::store_total(&daily);
        let default = ledger::sold_range(&total).and_then(|(first, last)| {
            needs_training(
                job.full || !inputs.is_empty(),
                active.get("").copied(),
                Some(last),
            )
            .then(|| SeriesInput {
                key: String::new(),
                start: first,
                y: ledger::dense(&total, first, data_to),
            })
        });
        let total_series = inputs.len() + usize::from(default.is_some());
        let progress = Arc::new(Progress {
            total: total_series,
            ..Progress::default()
        });
        let store_label = job.store_id.to_string();
        self.report(job, &progress, &store_label).await?;

        // A heartbeat with progress while batches run.
        let beat = {
            let db = self.db.clone();
            let progress = progress.clone();
            let id = job.id;
            let gauges = self.metrics.job_series.clone();
            let label = store_label.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    let (done, failures) = progress.snapshot();
                    set_gauges(&gauges, &label, progress.total, done, failures.len());
                    if let Ok(mut conn) = db.conn().await {
                        let _ = store_fc::record_progress(
                            &mut conn,
                            id,
                            progress.total as i64,
                            done as i64,
                            &failures,
                            now_ms(),
                        )
                        .await;
                    }
                }
            })
        };
        let outcome = self
            .train_batches(job, inputs, default, &data_to, &progress)
            .await;
        beat.abort();
        self.report(job, &progress, &store_label).await?;
        outcome
    }

    async fn train_batches(
        &self,
        job: &JobRecord,
        inputs: Vec<SeriesInput>,
        default: Option<SeriesInput>,
        data_to: &NaiveDate,
        progress: &Arc<Progress>,
    ) -> anyhow::Result<()> {
        let batch = self.settings.batch_size.max(1);
        let mut batches: Vec<Vec<SeriesInput>> = inputs.chunks(batch).map(<[_]>::to_vec).collect();
        // The store default is a series of its own (the store's total), trained last.
        batches.extend(default.map(|d| vec![d]));
        for chunk in batches {
            if self.stopping() {
                anyhow::bail!("the server shut down before this job finished");
            }
            let p = progress.clone();
            let work = chunk.clone();
            let results = tokio::task::spawn_blocking(move || {
                train::train_batch(&work, &|| {
                    p.ticks.fetch_add(1, Ordering::Relaxed);
                })
            })
            .await
            .map_err(|e| anyhow::anyhow!("training batch aborted: {e}"))?;
            self.save_batch(job, &chunk, results, data_to, progress)
                .await?;
        }
        Ok(())
    }

    async fn save_batch(
        &self,
        job: &JobRecord,
        chunk: &[SeriesInput],
        results: Vec<Result<Trained, String>>,
        data_to: &NaiveDate,
        progress: &Progress,
    ) -> anyhow::Result<()> {
        let now = now_ms();
        let mut failures = Vec::new();
        let mut tx = self.db.begin_write().await?;
        for (input, result) in chunk.iter().zip(results) {
            let product: Option<ProductId> = if input.key.is_empty() {
                None
            } else {
                Some(input.key.parse()?)
            };
            match result {
                Ok(t) => {
                    let mut model = ModelRecord {
                        id: ModelId::new(),
                        org_id: job.org_id,
                        store_id: job.store_id,
                        product_id: product,
                        version: 0,
                        model_type: "ensemble".into(),
                        params: t.params,
                        backtest_mase: t.backtest_mase,
                        backtest_rmsse: t.backtest_rmsse,
                        backtest_wape: t.backtest_wape,
                        mase_scale: t.mase_scale,
                        live_mase: None,
                        live_wape: None,
                        live_days: 0,
                        degraded: false,
                        forecast: t.forecast,
                        trained_at: now,
                        training_ms: t.training_ms,
                        data_from: input.start.to_string(),
                        data_to: data_to.to_string(),
                        active: false,
                        previous_model_id: None,
                        activated_at: None,
                        job_id: Some(job.id),
                    };
                    store_fc::insert_and_activate(&mut tx, &mut model, now).await?;
                }
                Err(error) => failures.push(SeriesFailure {
                    product_id: product.map(|p| p.to_string()),
                    error,
                }),
            }
        }
        tx.commit().await?;
        let ok = chunk.len() - failures.len();
        self.metrics
            .series_trained
            .with_label_values(&["ok"])
            .inc_by(ok as u64);
        self.metrics
            .series_trained
            .with_label_values(&["failed"])
            .inc_by(failures.len() as u64);
        progress.batch_done(chunk.len(), failures);
        Ok(())
    }

    async fn report(
        &self,
        job: &JobRecord,
        progress: &Progress,
        label: &str,
    ) -> Result<(), StorageError> {
        let (done, failures) = progress.snapshot();
        set_gauges(
            &self.metrics.job_series,
            label,
            progress.total,
            done,
            failures.len(),
        );
        let mut conn = self.db.conn().await?;
        store_fc::record_progress(
            &mut conn,
            job.id,
            progress.total as i64,
            done as i64,
            &failures,
            now_ms(),
        )
        .await
    }

    /// Forgets cached forecasts of a store (new sales are detected per series; this is for
    /// activation and rollback).
    pub fn invalidate(&self, store: StoreId) {
        self.cache.forget_store(store);
    }
}

fn set_gauges(
    gauges: &prometheus::IntGaugeVec,
    store: &str,
    total: usize,
    done: usize,
    failed: usize,
) {
    for (state, v) in [("total", total), ("done", done), ("failed", failed)] {
        gauges.with_label_values(&[store, state]).set(v as i64);
    }
}

/// Progress of one job: series of finished batches, engine ticks of the running batch (two
/// per series), failures so far.
#[derive(Debug, Default)]
struct Progress {
    total: usize,
    finished: AtomicUsize,
    ticks: AtomicUsize,
    failures: std::sync::Mutex<Vec<SeriesFailure>>,
}

impl Progress {
    fn batch_done(&self, series: usize, failures: Vec<SeriesFailure>) {
        self.finished.fetch_add(series, Ordering::SeqCst);
        self.ticks.store(0, Ordering::SeqCst);
        if let Ok(mut f) = self.failures.lock() {
            f.extend(failures);
        }
    }

    /// Series done (succeeded or failed; the running batch counts by its engine ticks).
    fn snapshot(&self) -> (usize, Vec<SeriesFailure>) {
        let finished = self.finished.load(Ordering::SeqCst);
        let running = self.ticks.load(Ordering::SeqCst) / 2;
        let failures = self.failures.lock().map(|f| f.clone()).unwrap_or_default();
        ((finished + running).min(self.total), failures)
    }
}
