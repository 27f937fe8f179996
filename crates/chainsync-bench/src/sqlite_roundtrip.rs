//! `sqlite-roundtrip`: what one statement's trip to sqlx's SQLite thread costs, against the
//! statement's own work.
//!
//! sqlx runs every SQLite statement on a thread of its own: the calling task sends the
//! statement over a channel, that thread steps it and sends the rows back, and the task wakes
//! up again. On the server pinned to one core each trip is two context switches, which
//! `perf` shows as the largest kernel cost of a sale and of an announcement
//! (docs/performance.md). This measures the trip's price directly, on a scratch database,
//! through the same `chainsync_storage::Db` the server uses:
//!
//! - `select`: `SELECT $1` on a pool connection, one trip per statement (almost no SQLite work);
//! - `insert, one row per trip`: a prepared single-row `INSERT` inside a write transaction, one
//!   trip per row;
//! - `insert, N rows per trip`: a prepared `N`-row `INSERT` in the same transaction shape, one
//!   trip per `N` rows.
//!
//! The difference per row between the two inserts is, to within SQLite's per-statement
//! overhead, the cost of a trip. Run it where the server runs: `taskset -c 0 chainsync-bench
//! sqlite-roundtrip`. The tokio runtime has one worker, as the server has on one core.

use anyhow::Context;
use chainsync_storage::{Db, DbOptions};
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rows (and `SELECT`s) per measurement.
    #[arg(long, default_value_t = 50_000)]
    rows: u32,
    /// Rows per statement in the batched insert.
    #[arg(long, default_value_t = 50)]
    rows_per_statement: u32,
    /// Where to make the scratch database (a fresh temporary directory by default).
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=10_000_000).contains(&args.rows),
        "--rows must be 1 to 10,000,000"
    );
    anyhow::ensure!(
        (2..=500).contains(&args.rows_per_statement),
        "--rows-per-statement must be 2 to 500 (SQLite binds at most 32,766 values)"
    );
    let scratch = tempdir(args.dir.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(measure(args, &scratch));
    let _ = std::fs::remove_dir_all(&scratch);
    outcome
}

fn tempdir(under: Option<&std::path::Path>) -> anyhow::Result<std::path::PathBuf> {
    let base = under.map_or_else(std::env::temp_dir, std::path::Path::to_path_buf);
    let dir = base.join(format!("chainsync-roundtrip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Wall and CPU time of `work`, per unit.
struct Cost {
    wall_us: f64,
    cpu_us: f64,
}

async fn timed<F, Fut>(units: u32, work: F) -> anyhow::Result<Cost>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let pid = std::process::id();
    let cpu_before = crate::ws::cpu_secs(pid).context("reading /proc/self/stat")?;
    let started = Instant::now();
    work().await?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = crate::ws::cpu_secs(pid).context("reading /proc/self/stat")? - cpu_before;
    Ok(Cost {
        wall_us: wall * 1e6 / f64::from(units),
        cpu_us: cpu * 1e6 / f64::from(units),
    })
}

async fn measure(args: &Args, scratch: &std::path::Path) -> anyhow::Result<()> {
    let url = format!("sqlite://{}", scratch.join("roundtrip.db").display());
    let db = Db::connect(&url, &DbOptions::default()).await?;
    {
        let mut tx = db.begin_write().await?;
        sqlx::query("CREATE TABLE roundtrip (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    let rows = args.rows;
    let per = args.rows_per_statement;
    // Commit every this many rows, so both inserts write the same transactions.
    let commit_every = 1_000u32.div_ceil(per) * per;

    let select = timed(rows, || async {
        let mut conn = db.conn().await?;
        for i in 0..rows {
            sqlx::query("SELECT $1 AS n")
                .bind(i64::from(i))
                .fetch_one(&mut *conn)
                .await?;
        }
        Ok(())
    })
    .await?;

    let single = timed(rows, || async {
        let mut next = 0u32;
        while next < rows {
            let mut tx = db.begin_write().await?;
            let end = (next + commit_every).min(rows);
            for i in next..end {
                sqlx::query("INSERT INTO roundtrip (id, n) VALUES ($1, $2)")
                    .bind(i64::from(i))
                    .bind(i64::from(i))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            next = end;
        }
        Ok(())
    })
    .await?;

    let many_sql = {
        let values: Vec<String> = (0..per)
            .map(|k| format!("(${}, ${})", 2 * k + 1, 2 * k + 2))
            .collect();
        format!("INSERT INTO roundtrip (id, n) VALUES {}", values.join(", "))
    };
    let offset = i64::from(rows);
    let batched_rows = rows / per * per;
    let many = timed(batched_rows, || async {
        let mut next = 0u32;
        while next < batched_rows {
            let mut tx = db.begin_write().await?;
            let end = (next + commit_every).min(batched_rows);
            let mut first = next;
            while first < end {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(many_sql.clone()));
                for i in first..first + per {
                    let id = offset + i64::from(i);
                    query = query.bind(id).bind(id);
                }
                query.execute(&mut *tx).await?;
                first += per;
            }
            tx.commit().await?;
            next = end;
        }
        Ok(())
    })
    .await?;

    println!("scratch database: {url} (durable commits, as the server's)");
    println!("statement                              wall µs/row   CPU µs/row");
    println!(
        "SELECT $1, one per trip                {:>11.2}   {:>10.2}",
        select.wall_us, select.cpu_us
    );
    println!(
        "INSERT, one row per trip               {:>11.2}   {:>10.2}",
        single.wall_us, single.cpu_us
    );
    println!(
        "INSERT, {per} rows per trip{:pad$}{:>11.2}   {:>10.2}",
        "",
        many.wall_us,
        many.cpu_us,
        pad = 39 - format!("INSERT, {per} rows per trip").len()
    );
    println!(
        "a trip's cost, from the inserts: {:.2} µs of CPU ({:.2} µs of wall time) per statement",
        single.cpu_us - many.cpu_us,
        single.wall_us - many.wall_us
    );
    Ok(())
}
