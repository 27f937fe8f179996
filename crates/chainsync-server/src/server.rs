//! Starting and stopping a server: storage connected and migrated, signing keys loaded, the
//! real-time hub started, the router bound to a listener, and a graceful shutdown that lets
//! requests in flight finish and asks WebSocket clients to reconnect elsewhere.
//! Tests start servers the same way, on port 0.

use crate::config::DatabaseConfig;
use crate::http;
use crate::net::{Peer, SharedTcpListener};
use crate::realtime::Realtime;
use crate::security::tokens::KeyRing;
use crate::state::{ApiSettings, App, AppState};
use crate::telemetry::Metrics;
use chainsync_storage::{Db, DbOptions};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Connects to the database and applies pending migrations.
pub async fn open_database(config: &DatabaseConfig) -> anyhow::Result<Db> {
    config.prepare()?;
    let options = DbOptions {
        max_connections: config.max_connections,
        sqlite_synchronous_full: config.sqlite_synchronous_full,
    };
    let db = Db::connect(config.url(), &options).await?;
    db.migrate().await?;
    Ok(db)
}

/// Builds the shared state (loading or creating signing keys).
pub async fn build_state(db: Db, settings: ApiSettings) -> anyhow::Result<AppState> {
    let keys = KeyRing::load(&db).await?;
    let realtime = Arc::new(Realtime::new(settings.realtime.clone()));
    realtime.start(&db);
    let metrics = Metrics::new();
    let forecasting = Arc::new(crate::forecasting::Forecasting::new(
        db.clone(),
        settings.forecast.clone(),
        metrics.forecast.clone(),
    ));
    forecasting.start().await;
    let pricing_cache = crate::retail::pricing_cache::PricingCache::new(settings.pricing_cache_ttl);
    let session_cache = crate::http::session_cache::SessionCache::new(settings.session_cache_ttl);
    Ok(Arc::new(App {
        db,
        keys,
        pricing_cache,
        session_cache,
        settings,
        metrics,
        realtime,
        forecasting,
    }))
}

/// Serves `state` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = http::router(state.clone());
    let realtime = state.realtime.clone();
    // WebSockets are not requests in flight: tell them to reconnect elsewhere, then give
    // them a moment to say goodbye before the process exits.
    let shutdown = async move {
        shutdown.await;
        realtime.begin_shutdown();
    };
    axum::serve(
        SharedTcpListener(listener),
        app.into_make_service_with_connect_info::<Peer>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while state.realtime.hub.connection_count() > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    state.realtime.stop();
    state.forecasting.stop().await;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
