//! `chainsync-bench reports`: times every report of one store over HTTP against a running
//! server, each `--repeat` times, and prints the median and the slowest answer.
//!
//! With `--write-history DIR` it instead writes a year (or `--days`) of synthetic sales history
//! for the store as CSV files for `chainsync import --kind sales` (each file within the import
//! limits), using the store's products: a weekly rhythm (Saturday busiest, Sunday quiet), a
//! yearly swing, shop hours 8:00 to 20:00 local time, 1 to 5 lines a sale. Deterministic by
//! `--seed`.

use anyhow::{Context, bail};
use chrono::{Datelike, Duration};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An admin of the organisation.
    #[arg(long, default_value = "admin@demo.local")]
    email: String,
    #[arg(long, default_value = "chainsync-demo")]
    password: String,
    /// The store, by code.
    #[arg(long, default_value = "BER")]
    store: String,
    /// First day of the reports' period (the store's local date).
    #[arg(long)]
    from: Option<String>,
    /// Last day (default: today).
    #[arg(long)]
    to: Option<String>,
    /// Calls per report.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Write sales history CSV files into this directory instead of timing.
    #[arg(long, value_name = "DIR")]
    write_history: Option<PathBuf>,
    /// Days of history, ending yesterday.
    #[arg(long, default_value_t = 365)]
    days: i64,
    /// Sales on an average day.
    #[arg(long, default_value_t = 300)]
    sales_per_day: u32,
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(drive(args))
}

async fn get(client: &reqwest::Client, token: &str, url: &str) -> anyhow::Result<Value> {
    let response = client.get(url).bearer_auth(token).send().await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("GET {url}: {status} {body}");
    }
    Ok(body)
}

async fn drive(args: &Args) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{}/api/auth/login", args.url))
        .json(&serde_json::json!({ "email": args.email, "password": args.password }))
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"]
        .as_str()
        .with_context(|| format!("sign-in failed: {login}"))?
        .to_owned();
    let stores = get(
        &client,
        &token,
        &format!("{}/api/stores?limit=200", args.url),
    )
    .await?;
    let store = stores["items"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["code"] == args.store.as_str()))
        .with_context(|| format!("no store {}", args.store))?
        .clone();
    let store_id = store["id"].as_str().unwrap_or_default().to_owned();
    if let Some(dir) = &args.write_history {
        return write_history(&client, &token, args, dir).await;
    }
    let mut period = String::new();
    if let Some(from) = &args.from {
        period.push_str(&format!("&from={from}"));
    }
    if let Some(to) = &args.to {
        period.push_str(&format!("&to={to}"));
    }
    let base = format!("{}/api/stores/{store_id}/reports", args.url);
    let reports = [
        format!("{base}/kpis?granularity=day{period}"),
        format!("{base}/kpis?granularity=week{period}"),
        format!("{base}/kpis?granularity=month{period}"),
        format!("{base}/top-products?by=revenue{period}"),
        format!("{base}/categories?format=json{period}"),
        format!("{base}/profit-and-loss?format=json{period}"),
        format!("{base}/staff?format=json{period}"),
        format!("{base}/stock-valuation?format=json"),
        format!("{base}/kpis?granularity=day&format=csv{period}"),
        format!(
            "{}/api/reports/store-comparison?format=json{period}",
            args.url
        ),
    ];
    println!(
        "store {} ({}), {} calls each",
        args.store, store["timezone"], args.repeat
    );
    println!("{:<60} {:>10} {:>10}", "report", "median ms", "max ms");
    for url in &reports {
        let mut times = Vec::with_capacity(args.repeat);
        for _ in 0..args.repeat {
            let started = Instant::now();
            let response = client.get(url).bearer_auth(&token).send().await?;
            let status = response.status();
            let _ = response.bytes().await?;
            if !status.is_success() {
                bail!("GET {url}: {status}");
            }
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let name = url.split("/reports").nth(1).unwrap_or(url);
        println!(
            "{:<60} {:>10.1} {:>10.1}",
            name.split('&').next().unwrap_or(name),
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
    Ok(())
}

/// Rows per history file: under the import's 100,000-row limit.
const ROWS_PER_FILE: usize = 90_000;

async fn write_history(
    client: &reqwest::Client,
    token: &str,
    args: &Args,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let products = get(
        client,
        token,
        &format!("{}/api/products?limit=200", args.url),
    )
    .await?;
    let products: Vec<(String, i64, bool)> = products["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|p| p["active"] == true)
                .map(|p| {
                    (
                        p["sku"].as_str().unwrap_or_default().to_owned(),
                        p["price_minor"].as_i64().unwrap_or(0),
                        p["unit"] == "weighed",
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if products.is_empty() {
        bail!("the organisation has no products: seed the demo catalog first");
    }
    std::fs::create_dir_all(dir)?;
    let code = args.store.as_str();
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let today = chrono::Utc::now().date_naive();
    let first = today - Duration::days(args.days);
    let (mut file_no, mut rows, mut sales_total) = (0, 0usize, 0u64);
    let mut out = new_file(dir, code, file_no)?;
    let mut day = first;
    while day < today {
        // Saturday busiest, Sunday quietest; a yearly swing peaking in December.
        let weekday =
            [1.0, 0.95, 1.0, 1.05, 1.2, 1.4, 0.5][day.weekday().num_days_from_monday() as usize];
        let season =
            1.0 + 0.2 * ((f64::from(day.ordinal()) - 350.0) / 365.0 * std::f64::consts::TAU).cos();
        let n = (f64::from(args.sales_per_day) * weekday * season).round() as u32;
        for i in 0..n {
            let minute = rng.random_range(8 * 60..20 * 60);
            let lines = rng.random_range(1..=5);
            if rows + lines > ROWS_PER_FILE {
                out.flush()?;
                file_no += 1;
                rows = 0;
                out = new_file(dir, code, file_no)?;
            }
            for _ in 0..lines {
                // Popular items first: a skewed pick.
                let pick = (rng.random::<f64>().powi(2) * products.len() as f64) as usize;
                let (sku, price, weighed) = &products[pick.min(products.len() - 1)];
                let quantity = if *weighed {
                    rng.random_range(100..1500)
                } else {
                    rng.random_range(1..4)
                };
                writeln!(
                    out,
                    "{day} {:02}:{:02},{code},H{}-{i:04},{sku},{quantity},{}.{:02}",
                    minute / 60,
                    minute % 60,
                    day.format("%Y%m%d"),
                    price / 100,
                    price % 100
                )?;
            }
            rows += lines;
            sales_total += 1;
        }
        day += Duration::days(1);
    }
    out.flush()?;
    println!(
        "{sales_total} sales from {first} to {} in {} files in {}",
        today - Duration::days(1),
        file_no + 1,
        dir.display()
    );
    Ok(())
}

fn new_file(
    dir: &std::path::Path,
    code: &str,
    n: usize,
) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    let path = dir.join(format!("history-{code}-{n:02}.csv"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    writeln!(out, "date,store,receipt,sku,quantity,unit_price")?;
    Ok(out)
}
