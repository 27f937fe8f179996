//! `chainsync-bench checkout`: drives the sale API of a running `chainsync serve` over HTTP with
//! many concurrent terminals and prints sales per second and latency percentiles.
//!
//! Each terminal sends its sales one after another (seq 1, 2, 3, ... as a real till does), so
//! concurrency equals the number of terminals. A sale is acknowledged only after its
//! transaction commits; what "durable" means then depends on the server's database settings
//! (SQLite `synchronous`, PostgreSQL `synchronous_commit`), which the operator states beside
//! the figures (docs/performance.md). The run creates its own terminals and, when the store has
//! no products, a product with stock; it never touches other data.

use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The server to drive.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An admin of the organisation.
    #[arg(long, default_value = "admin@demo.local")]
    email: String,
    #[arg(long, default_value = "chainsync-demo")]
    password: String,
    /// The store to sell in, by code.
    #[arg(long, default_value = "BER")]
    store: String,
    /// Concurrent terminals.
    #[arg(long, default_value_t = 16)]
    terminals: usize,
    /// Sales each terminal sends.
    #[arg(long, default_value_t = 200)]
    sales: usize,
    /// Lines per sale.
    #[arg(long, default_value_t = 3)]
    lines: usize,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(drive(args))
}

async fn call(
    client: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> anyhow::Result<(u16, Value)> {
    let mut request = client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

async fn drive(args: &Args) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.terminals * 2)
        .build()?;
    let login: Value = client
        .post(format!("{}/api/auth/login", args.url))
        .json(&json!({ "email": args.email, "password": args.password }))
        .send()
        .await
        .context("is the server running?")?
        .json()
        .await?;
    let token = login["access_token"]
        .as_str()
        .context("sign-in failed")?
        .to_owned();
    let (_, stores) = call(
        &client,
        &token,
        reqwest::Method::GET,
        format!("{}/api/stores?limit=200", args.url),
        None,
    )
    .await?;
    let store = stores["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["code"] == args.store.as_str())
        .context("no such store")?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (_, products) = call(
        &client,
        &token,
        reqwest::Method::GET,
        format!("{}/api/products?limit=50", args.url),
        None,
    )
    .await?;
    let mut product_ids: Vec<String> = products["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_str().map(str::to_owned))
        .collect();
    let run_tag = uuid::Uuid::now_v7().simple().to_string()[8..14].to_uppercase();
    if product_ids.is_empty() {
        let (status, product) = call(
            &client,
            &token,
            reqwest::Method::POST,
            format!("{}/api/products", args.url),
            Some(json!({ "sku": format!("BENCH-{run_tag}"), "name": "Benchmark item", "price_minor": 199, "tax_class": "standard" })),
        )
        .await?;
        if status != 201 {
            bail!("could not create a product: {product}");
        }
        product_ids.push(product["id"].as_str().unwrap_or_default().to_owned());
    }
    for product in &product_ids {
        call(
            &client,
            &token,
            reqwest::Method::POST,
            format!("{}/api/stores/{store}/stock-receipts", args.url),
            Some(json!({ "lines": [{ "product_id": product, "quantity": 1_000_000, "unit_cost_minor": 100 }] })),
        )
        .await?;
    }
    let mut terminals = Vec::new();
    for i in 0..args.terminals {
        let code = format!("B{run_tag}-{i}");
        let (status, t) = call(
            &client,
            &token,
            reqwest::Method::POST,
            format!("{}/api/stores/{store}/terminals", args.url),
            Some(json!({ "code": code, "name": "Bench" })),
        )
        .await?;
        if status != 201 {
            bail!("could not register a terminal: {t}");
        }
        terminals.push((
            t["id"].as_str().unwrap_or_default().to_owned(),
            t["code"].as_str().unwrap_or_default().to_owned(),
        ));
    }

    println!(
        "checkout: {} terminals x {} sales x {} lines against {} (store {})",
        args.terminals, args.sales, args.lines, args.url, args.store
    );
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (n, (terminal, code)) in terminals.into_iter().enumerate() {
        let (client, token, url, store) = (
            client.clone(),
            token.clone(),
            args.url.clone(),
            store.clone(),
        );
        let (sales, lines, products) = (args.sales, args.lines, product_ids.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(sales);
            let mut failures = 0usize;
            for seq in 1..=sales {
                let sale_lines: Vec<Value> = (0..lines).map(|l| json!({ "product_id": products[(n + seq + l) % products.len()], "quantity": 1 })).collect();
                let body = json!({
                    "id": uuid::Uuid::now_v7(), "terminal_id": terminal, "seq": seq, "occurred_at": chrono::Utc::now(),
                    "receipt_number": format!("{code}-{seq}"), "lines": sale_lines,
                    "payments": [{ "kind": "cash", "tendered_minor": 10_000_000 }],
                });
                let sent = Instant::now();
                match call(&client, &token, reqwest::Method::POST, format!("{url}/api/stores/{store}/sales"), Some(body)).await {
                    Ok((201, _)) => latencies.push(sent.elapsed()),
                    _ => failures += 1,
                }
            }
            (latencies, failures)
        });
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for (l, f) in tasks.join_all().await {
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(Duration::ZERO)
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "sales: {} ok, {failures} failed, in {:.2} s",
        latencies.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "throughput: {:.0} sales/s",
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        ms(pct(0.50)),
        ms(pct(0.90)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
    if failures > 0 {
        bail!("{failures} sales were not acknowledged with 201");
    }
    Ok(())
}
