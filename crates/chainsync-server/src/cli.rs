//! The `chainsync` command line. `serve` is the default: `chainsync` alone starts the server.
//!
//! Every option can also come from a `CHAINSYNC_*` environment variable or the TOML file named
//! by `--config`; a flag beats the variable, which beats the file, which beats the default.

use crate::config::{DEFAULT_DEMO_PASSWORD, DatabaseConfig, FileConfig};
use crate::setup::{InitError, InitRequest};
use crate::state::ApiSettings;
use crate::telemetry::{LogFormat, init_logging, redact_url};
use crate::{demo, server, setup};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "chainsync",
    version,
    about = "ChainSync: point of sale, stock and analytics for retail chains.",
    long_about = "ChainSync: point of sale, stock and analytics for retail chains.\n\n\
        Run without a command to start the server (same as `chainsync serve`). With no database URL it \
        keeps its data in an embedded SQLite file under --data-dir and, on first start, fills it with a \
        demo chain.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// TOML configuration file (keys as the long flags, with underscores).
    #[arg(long, global = true, env = "CHAINSYNC_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log format [default: text].
    #[arg(long, global = true, env = "CHAINSYNC_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Log level: error, warn, info, debug or trace (RUST_LOG overrides) [default: info].
    #[arg(long, global = true, env = "CHAINSYNC_LOG_LEVEL")]
    pub log_level: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server: API, docs, metrics (the default command).
    Serve(ServeArgs),
    /// Create the organisation and its first admin on an empty database.
    Init(InitArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Create the demo chain (5 stores, an admin, managers, cashiers); does nothing if it exists.
    SeedDemo(SeedArgs),
    /// Import a CSV file of products, stock counts or sales history (see docs/imports.md).
    Import(crate::imports::cli::ImportArgs),
    /// Forecast daily demand from a history CSV (see docs/ai-models.md).
    Forecast(chainsync_analytics_cli::ForecastArgs),
}

#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// Directory for the embedded database and other local data [default: ./chainsync-data].
    #[arg(long, env = "CHAINSYNC_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://FILE` or `postgres://USER:PASSWORD@HOST/DB` [default: SQLite file in the data directory].
    #[arg(
        long,
        env = "CHAINSYNC_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "CHAINSYNC_ADDR", value_name = "HOST:PORT")]
    pub addr: Option<SocketAddr>,
    /// Do not seed the demo chain into an empty SQLite database.
    #[arg(long, env = "CHAINSYNC_NO_DEMO")]
    pub no_demo: bool,
    #[command(flatten)]
    pub demo: DemoArgs,
    /// Take client addresses from X-Forwarded-For (only behind a proxy you trust).
    #[arg(long, env = "CHAINSYNC_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    #[command(flatten)]
    pub realtime: RealtimeArgs,
    #[command(flatten)]
    pub forecast: ForecastArgs,
}

/// Forecast training and accuracy tracking (docs/forecasts.md, "Running it in production").
#[derive(Debug, Args, Clone)]
pub struct ForecastArgs {
    /// Daily retraining at this local time of each store (`HH:MM`), or `off` [default: 03:00].
    #[arg(long, env = "CHAINSYNC_FORECAST_SCHEDULE", value_name = "HH:MM|off")]
    pub forecast_schedule: Option<String>,
    /// A model is degraded when its live MASE exceeds its backtest MASE by this fraction [default: 0.25].
    #[arg(
        long,
        env = "CHAINSYNC_FORECAST_DEGRADATION_MARGIN",
        value_name = "FRACTION"
    )]
    pub forecast_degradation_margin: Option<f64>,
    /// ... judged only after this many live days [default: 7].
    #[arg(
        long,
        env = "CHAINSYNC_FORECAST_DEGRADATION_MIN_DAYS",
        value_name = "DAYS"
    )]
    pub forecast_degradation_min_days: Option<u32>,
    /// Training jobs (stores) this process runs at once [default: 1].
    #[arg(long, env = "CHAINSYNC_FORECAST_MAX_CONCURRENT_JOBS", value_name = "N")]
    pub forecast_max_concurrent_jobs: Option<usize>,
    /// Seconds between live-accuracy refreshes [default: 60].
    #[arg(
        long,
        env = "CHAINSYNC_FORECAST_ACCURACY_INTERVAL_SECS",
        value_name = "SECS"
    )]
    pub forecast_accuracy_interval_secs: Option<u64>,
}

/// Real-time hub settings (docs/websocket-protocol.md, docs/operations.md).
#[derive(Debug, Args, Clone)]
pub struct RealtimeArgs {
    /// Event bus between server processes: `in-process` (one process) or `redis` [default: in-process].
    #[arg(long, env = "CHAINSYNC_BUS", value_name = "KIND")]
    pub bus: Option<String>,
    /// URL of the bus, for `--bus redis`: `redis://[:PASSWORD@]HOST[:PORT]`.
    #[arg(
        long,
        env = "CHAINSYNC_BUS_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub bus_url: Option<String>,
    /// Redis pub/sub channel, for `--bus redis`: give each deployment that shares a Redis its
    /// own (pub/sub ignores database numbers) [default: chainsync:realtime:v1].
    #[arg(long, env = "CHAINSYNC_BUS_CHANNEL", value_name = "NAME")]
    pub bus_channel: Option<String>,
    /// Channel history kept for resuming: at least this many seconds ... [default: 600].
    #[arg(long, env = "CHAINSYNC_WS_HISTORY_SECS", value_name = "SECS")]
    pub ws_history_secs: Option<u64>,
    /// ... and at least this many newest events per channel [default: 10000].
    #[arg(long, env = "CHAINSYNC_WS_HISTORY_EVENTS", value_name = "N")]
    pub ws_history_events: Option<i64>,
    /// ... but never more than this many per channel [default: 100000].
    #[arg(long, env = "CHAINSYNC_WS_HISTORY_MAX_EVENTS", value_name = "N")]
    pub ws_history_max_events: Option<i64>,
    /// Frames queued for one WebSocket before it counts as a slow consumer [default: 1024].
    #[arg(long, env = "CHAINSYNC_WS_SEND_QUEUE", value_name = "N")]
    pub ws_send_queue: Option<usize>,
    /// Domain events are deleted from the outbox this many seconds after they were written,
    /// once relayed [default: 86400].
    #[arg(long, env = "CHAINSYNC_OUTBOX_RETENTION_SECS", value_name = "SECS")]
    pub outbox_retention_secs: Option<u64>,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Password of every demo account [default: chainsync-demo].
    #[arg(long, env = "CHAINSYNC_DEMO_PASSWORD", hide_env_values = true)]
    pub demo_password: Option<String>,
    /// Seed of the demo data: the same seed gives the same chain [default: 42].
    #[arg(long, env = "CHAINSYNC_SEED")]
    pub seed: Option<u64>,
    /// How much demo data: staff (people only), small (~30 products) or full (~300 products
    /// with stock and terminals) [default: full].
    #[arg(long, env = "CHAINSYNC_DEMO_SCALE", value_enum)]
    pub demo_scale: Option<demo::DemoScale>,
    /// Days of sales history per store, ending yesterday (UTC) [default: 365 at full scale,
    /// 0 otherwise]. 0 seeds no history.
    #[arg(long, env = "CHAINSYNC_DEMO_HISTORY_DAYS", value_name = "DAYS", value_parser = clap::value_parser!(u32).range(0..=1096))]
    pub demo_history_days: Option<u32>,
    /// The last day of the sales history, YYYY-MM-DD [default: yesterday, UTC]. Fix it to
    /// reproduce a history exactly.
    #[arg(long, env = "CHAINSYNC_DEMO_HISTORY_END", value_name = "DATE")]
    pub demo_history_end: Option<chrono::NaiveDate>,
}

fn demo_scale(args: &DemoArgs, file: &FileConfig) -> demo::DemoScale {
    args.demo_scale
        .or(file.demo_scale)
        .unwrap_or(demo::DemoScale::Full)
}

/// The history to seed: `--demo-history-days` (or the file's), else a year at full scale.
fn demo_history(args: &DemoArgs, file: &FileConfig) -> Option<demo::HistoryOptions> {
    let scale = demo_scale(args, file);
    let days = args.demo_history_days.or(file.demo_history_days).unwrap_or(
        if scale == demo::DemoScale::Full {
            365
        } else {
            0
        },
    );
    let end = args
        .demo_history_end
        .unwrap_or_else(|| (chrono::Utc::now() - chrono::Duration::days(1)).date_naive());
    (days > 0 && scale != demo::DemoScale::Staff).then_some(demo::HistoryOptions { days, end })
}

#[derive(Debug, Args, Clone)]
pub struct SeedArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub demo: DemoArgs,
    /// Write the anomalies planted in the history (date, store, product, kind) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub anomalies_out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Name of the organisation (your company).
    #[arg(long)]
    pub org: String,
    /// Email of the first admin (used to sign in).
    #[arg(long)]
    pub admin_email: String,
    /// Display name of the first admin [default: Administrator].
    #[arg(long, default_value = "Administrator")]
    pub admin_name: String,
    /// Default currency (ISO 4217).
    #[arg(long, default_value = "EUR")]
    pub currency: String,
    /// Default locale (BCP 47).
    #[arg(long, default_value = "en-GB")]
    pub locale: String,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let file = match FileConfig::load(cli.global.config.as_deref()) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let format = cli
        .global
        .log_format
        .or(file.log_format)
        .unwrap_or(LogFormat::Text);
    let level = cli
        .global
        .log_level
        .clone()
        .or_else(|| file.log_level.clone())
        .unwrap_or_else(|| "info".into());
    init_logging(format, &level);

    if let Some(Command::Forecast(args)) = cli.command {
        return report(chainsync_analytics_cli::run(args));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(Err(e.into())),
    };
    report(runtime.block_on(run(cli.command, cli.serve, file)))
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    command: Option<Command>,
    default_serve: ServeArgs,
    file: FileConfig,
) -> anyhow::Result<()> {
    match command.unwrap_or(Command::Serve(default_serve)) {
        Command::Serve(args) => serve(args, &file).await,
        Command::Init(args) => init(args, &file).await,
        Command::Migrate(args) => {
            let db = open(&args, &file).await?;
            println!("Database is up to date ({}).", db.backend().name());
            db.close().await;
            Ok(())
        }
        Command::SeedDemo(args) => {
            let db = open(&args.db, &file).await?;
            let outcome = seed_command(&db, &args, &file).await;
            db.close().await;
            outcome
        }
        Command::Import(args) => {
            let db = open(&args.db, &file).await?;
            let outcome = crate::imports::cli::run(&db, &args).await;
            db.close().await;
            if outcome? {
                Ok(())
            } else {
                anyhow::bail!("the file has errors; nothing was written")
            }
        }
        Command::Forecast(args) => {
            tokio::task::spawn_blocking(move || chainsync_analytics_cli::run(args)).await?
        }
    }
}

/// `chainsync seed-demo`: seeds, prints the logins, and writes the planted anomalies if asked.
async fn seed_command(
    db: &chainsync_storage::Db,
    args: &SeedArgs,
    file: &FileConfig,
) -> anyhow::Result<()> {
    let (seed, password) = demo_settings(&args.demo, file)?;
    let summary = seed_demo(db, &args.demo, file, seed, &password).await?;
    print_demo(&summary, password.expose_secret());
    if let Some(path) = &args.anomalies_out {
        let Some(history) = &summary.history else {
            anyhow::bail!(
                "--anomalies-out: no history was seeded now (the demo chain existed, or --demo-history-days is 0), nothing written"
            );
        };
        std::fs::write(path, demo::history::anomalies_csv(&history.planted))
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "Wrote {} planted anomalies to {}",
            history.planted.len(),
            path.display()
        );
    }
    Ok(())
}

/// Opens the database a command names. One-shot commands close it when done
/// (`Db::close`), so that SQLite's log is emptied into the database file.
async fn open(args: &DbArgs, file: &FileConfig) -> anyhow::Result<chainsync_storage::Db> {
    let config = DatabaseConfig::resolve(args.data_dir.clone(), args.database_url.clone(), file)?;
    tracing::info!(database = %redact_url(config.url()), "opening database");
    server::open_database(&config)
        .await
        .with_context(|| format!("opening database {}", redact_url(config.url())))
}

fn demo_settings(args: &DemoArgs, file: &FileConfig) -> anyhow::Result<(u64, SecretString)> {
    let seed = args.seed.or(file.seed).unwrap_or(42);
    let password = args
        .demo_password
        .clone()
        .map(SecretString::from)
        .or_else(|| file.demo_password.clone())
        .unwrap_or_else(|| SecretString::from(DEFAULT_DEMO_PASSWORD));
    if password.expose_secret().chars().count() < 10 {
        anyhow::bail!("--demo-password must be at least 10 characters");
    }
    Ok((seed, password))
}

/// Seeds the demo chain as the arguments say, telling the user when history takes a while.
async fn seed_demo(
    db: &chainsync_storage::Db,
    args: &DemoArgs,
    file: &FileConfig,
    seed: u64,
    password: &SecretString,
) -> anyhow::Result<demo::DemoSummary> {
    let history = demo_history(args, file);
    let exists = chainsync_storage::orgs::find_demo(&mut *db.conn().await?)
        .await?
        .is_some();
    if let Some(h) = history.filter(|_| !exists) {
        eprintln!(
            "Seeding the demo chain with {} days of sales history ({} to {}); this takes a little while...",
            h.days,
            h.start(),
            h.end
        );
    }
    demo::seed_with_history(
        db,
        seed,
        password.expose_secret(),
        demo_scale(args, file),
        history,
    )
    .await
}

fn print_demo(summary: &demo::DemoSummary, password: &str) {
    let verb = if summary.created { "Created" } else { "Found" };
    let products = if summary.products > 0 {
        format!(" with {} products in stock", summary.products)
    } else {
        String::new()
    };
    println!("{verb} the demo chain{products}. Every demo account's password is: {password}");
    if let Some(h) = &summary.history {
        println!(
            "Sales history {} to {}: {} sales ({} lines), {} stock movements, {} promotions, {} planted anomalies.",
            h.start.map(|d| d.to_string()).unwrap_or_default(),
            h.end.map(|d| d.to_string()).unwrap_or_default(),
            h.sales,
            h.lines,
            h.movements,
            h.promotions,
            h.planted.len()
        );
    }
    for (email, what) in &summary.logins {
        println!("  {email:<28} {what}");
    }
}

async fn serve(args: ServeArgs, file: &FileConfig) -> anyhow::Result<()> {
    let addr = args.addr.or(file.addr).unwrap_or_else(|| {
        crate::config::DEFAULT_ADDR
            .parse()
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)))
    });
    let config =
        DatabaseConfig::resolve(args.db.data_dir.clone(), args.db.database_url.clone(), file)?;
    tracing::info!(database = %redact_url(config.url()), "opening database");
    let db = server::open_database(&config)
        .await
        .with_context(|| format!("opening database {}", redact_url(config.url())))?;

    let no_demo = args.no_demo || file.no_demo.unwrap_or(false);
    let is_sqlite = db.backend() == chainsync_storage::Backend::Sqlite;
    let empty = chainsync_storage::orgs::count(&mut *db.conn().await?).await? == 0;
    if empty && is_sqlite && !no_demo {
        let (seed, password) = demo_settings(&args.demo, file)?;
        let summary = seed_demo(&db, &args.demo, file, seed, &password).await?;
        print_demo(&summary, password.expose_secret());
    } else if empty {
        println!(
            "The database is empty. Create your organisation with:\n  chainsync init --org \"Your Company\" --admin-email you@example.com"
        );
    }
    if !addr.ip().is_loopback()
        && chainsync_storage::users::any_active_demo(&mut *db.conn().await?).await?
    {
        tracing::warn!(
            "DEMO ACCOUNTS WITH A PUBLISHED PASSWORD EXIST AND THIS SERVER LISTENS BEYOND LOOPBACK ({addr}): deactivate them or use a fresh database"
        );
        eprintln!(
            "\n!!! WARNING: demo accounts with a published password exist and the server listens on {addr}, beyond loopback.\n!!! Anyone who can reach it can sign in as admin@demo.local. Use a fresh database for real data.\n"
        );
    }

    let settings = ApiSettings {
        trust_forwarded_for: args.trust_forwarded_for || file.trust_forwarded_for.unwrap_or(false),
        access_token_ttl_secs: file
            .access_token_ttl_secs
            .unwrap_or(15 * 60)
            .clamp(60, 24 * 3600),
        session_cache_ttl: file
            .session_cache_ms
            .map_or(crate::http::session_cache::DEFAULT_TTL, |ms| {
                std::time::Duration::from_millis(ms.min(10_000))
            }),
        realtime: crate::config::realtime_settings(&args.realtime, file)?,
        forecast: crate::config::forecast_settings(&args.forecast, file)?,
        ..ApiSettings::default()
    };
    let state = server::build_state(db.clone(), settings).await?;
    if let crate::realtime::settings::BusKind::Redis { url, channel } = &state.settings.realtime.bus
    {
        tracing::info!(bus = %redact_url(url), %channel, "real-time bus: Redis pub/sub");
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr()?;
    let shown = if local.ip().is_unspecified() {
        format!("http://localhost:{}", local.port())
    } else {
        format!("http://{local}")
    };
    println!("ChainSync is running at {shown}  (API docs: {shown}/api/docs)");
    if !crate::web::is_built() {
        println!(
            "The web app is not built into this binary: run scripts/run, or `npm ci && npm run build` in web/ and rebuild."
        );
    }
    tracing::info!(%local, backend = db.backend().name(), "listening");
    server::serve(listener, state, server::shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

async fn init(args: InitArgs, file: &FileConfig) -> anyhow::Result<()> {
    let password = match std::env::var("CHAINSYNC_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => SecretString::from(p),
        _ => {
            let first = rpassword::prompt_password(format!("Password for {}: ", args.admin_email))
                .context("reading the password (or set CHAINSYNC_ADMIN_PASSWORD)")?;
            let again = rpassword::prompt_password("Repeat the password: ")
                .context("reading the password")?;
            if first != again {
                anyhow::bail!("the passwords differ; nothing was created");
            }
            SecretString::from(first)
        }
    };
    let db = open(&args.db, file).await?;
    let request = InitRequest {
        org_name: args.org.clone(),
        admin_email: args.admin_email.clone(),
        admin_name: args.admin_name,
        currency: args.currency,
        locale: args.locale,
        password: password.expose_secret().to_owned(),
    };
    let outcome = setup::init(&db, request).await;
    db.close().await;
    match outcome {
        Ok(_) => {
            println!(
                "Created organisation \"{}\" with admin {}. Start the server with `chainsync serve` and sign in.",
                args.org, args.admin_email
            );
            Ok(())
        }
        Err(InitError::AlreadyInitialised) => {
            println!("{}", InitError::AlreadyInitialised);
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}
