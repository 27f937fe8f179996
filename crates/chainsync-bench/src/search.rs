//! `chainsync-bench search`: product search over a large catalog, end to end over HTTP.
//!
//! 1. Seeds the organisation of `--email` with `--products` synthetic products (names from a
//!    grocery vocabulary with brands and sizes, SKUs `BX-000001`, valid EAN-13 barcodes),
//!    written straight into the database through the storage layer in batched transactions
//!    (creating 100k products through the API would time the seeding, not the search). Seeding
//!    is skipped when the products are already there, so runs can be repeated.
//! 2. Sends `--queries` searches to the running server (`GET /api/products?q=...&limit=20`)
//!    from `--concurrency` clients: one word prefix, two word prefixes, a SKU prefix, a barcode
//!    prefix. Prints p50/p95/p99/max per kind.
//!
//! Run the server on the same database (see docs/performance.md for the commands).

use anyhow::Context;
use chainsync_domain::catalog as rules;
use chainsync_domain::ids::ProductId;
use chainsync_storage::catalog::{self, ProductRecord};
use chainsync_storage::{Db, DbOptions, now_ms, users};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database the server uses (to seed the products).
    #[arg(long)]
    database_url: String,
    /// The running server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long, default_value = "admin@demo.local")]
    email: String,
    #[arg(long, default_value = "chainsync-demo")]
    password: String,
    #[arg(long, default_value_t = 100_000)]
    products: usize,
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

const BRANDS: &[&str] = &[
    "Alpenhof",
    "Bergquell",
    "Casa Verde",
    "Dorfmühle",
    "Eichenhain",
    "Feldkamp",
    "Goldähre",
    "Hafenbrise",
    "Inselglück",
    "Jungborn",
    "Kräuterhof",
    "Landliebe",
    "Meierei",
    "Nordsee",
    "Obsthain",
    "Pfefferkorn",
    "Quellwasser",
    "Rheintal",
    "Sonnenfeld",
    "Talblick",
];
const ADJECTIVES: &[&str] = &[
    "organic",
    "classic",
    "dark",
    "light",
    "spicy",
    "sweet",
    "salted",
    "smoked",
    "fresh",
    "crunchy",
    "creamy",
    "wholegrain",
    "lactose-free",
    "vegan",
    "roasted",
    "mild",
    "extra",
    "premium",
    "family",
    "mini",
];
const NOUNS: &[&str] = &[
    "chocolate",
    "coffee",
    "tea",
    "milk",
    "yoghurt",
    "cheese",
    "butter",
    "bread",
    "rolls",
    "pasta",
    "rice",
    "muesli",
    "cornflakes",
    "juice",
    "lemonade",
    "water",
    "beer",
    "wine",
    "crisps",
    "biscuits",
    "jam",
    "honey",
    "ketchup",
    "mustard",
    "olives",
    "tomatoes",
    "beans",
    "soup",
    "sausages",
    "ham",
    "salmon",
    "tuna",
    "eggs",
    "flour",
    "sugar",
    "salt",
    "pepper",
    "paprika",
    "shampoo",
    "soap",
    "toothpaste",
    "detergent",
    "sponges",
    "napkins",
    "candles",
    "batteries",
    "pralines",
    "nuts",
    "raisins",
    "popcorn",
];
const SIZES: &[&str] = &[
    "100 g", "250 g", "500 g", "1 kg", "0.33 l", "0.5 l", "1 l", "1.5 l", "6 pack", "12 pack",
];

fn ean13(twelve: u64) -> String {
    let digits = format!("{twelve:012}");
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

fn barcode_of(i: usize) -> String {
    ean13(400_000_000_000 + i as u64 * 7)
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            seed(args).await?;
            measure(args).await
        })
}

async fn seed(args: &Args) -> anyhow::Result<()> {
    let db = Db::connect(&args.database_url, &DbOptions::default()).await?;
    let org = users::find_by_email(&mut *db.conn().await?, &args.email)
        .await?
        .context("no such user in this database")?
        .org_id;
    let last_sku = format!("BX-{:06}", args.products);
    let existing = catalog::search_products(
        &mut *db.conn().await?,
        org,
        &catalog::ProductQuery {
            words: rules::query_words(&last_sku),
            category_id: None,
            parent_id: None,
            include_inactive: true,
        },
        None,
        1,
    )
    .await?;
    if !existing.items.is_empty() {
        println!("seed: {} products already present", args.products);
        return Ok(());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let started = Instant::now();
    let now = now_ms();
    for chunk in (1..=args.products).collect::<Vec<_>>().chunks(500) {
        let mut tx = db.begin_write().await?;
        for &i in chunk {
            let name = format!(
                "{} {} {}",
                ADJECTIVES[rng.random_range(0..ADJECTIVES.len())],
                NOUNS[rng.random_range(0..NOUNS.len())],
                SIZES[rng.random_range(0..SIZES.len())]
            );
            let product = ProductRecord {
                id: ProductId::new(),
                org_id: org,
                sku: format!("BX-{i:06}"),
                name,
                category_id: None,
                supplier_id: None,
                brand: Some(BRANDS[rng.random_range(0..BRANDS.len())].to_owned()),
                unit: "each".into(),
                price_minor: rng.random_range(49..4999),
                cost_minor: 0,
                tax_class: "standard".into(),
                parent_id: None,
                variant_attributes: Default::default(),
                active: true,
                barcodes: vec![barcode_of(i)],
                created_at: now,
                updated_at: now,
            };
            let terms = rules::search_terms(
                &product.name,
                product.brand.as_deref(),
                &product.sku,
                &product.barcodes,
            );
            catalog::write_product(&mut tx, &product, &terms).await?;
        }
        tx.commit().await?;
    }
    println!(
        "seed: {} products in {:.1} s",
        args.products,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn measure(args: &Args) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency * 2)
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
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed + 1);
    let prefix = |w: &str, rng: &mut ChaCha8Rng| -> String {
        w.chars().take(rng.random_range(3..=5)).collect()
    };
    let mut queries = Vec::with_capacity(args.queries);
    for n in 0..args.queries {
        let (kind, q) = match n % 4 {
            0 => (
                "one word",
                prefix(NOUNS[rng.random_range(0..NOUNS.len())], &mut rng),
            ),
            1 => (
                "two words",
                format!(
                    "{} {}",
                    prefix(ADJECTIVES[rng.random_range(0..ADJECTIVES.len())], &mut rng),
                    prefix(NOUNS[rng.random_range(0..NOUNS.len())], &mut rng)
                ),
            ),
            2 => (
                "sku prefix",
                format!("BX-{:05}", rng.random_range(0..args.products / 10 + 1)),
            ),
            _ => (
                "barcode prefix",
                barcode_of(rng.random_range(1..=args.products))[..9].to_owned(),
            ),
        };
        queries.push((kind, q));
    }
    let queries = std::sync::Arc::new(queries);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..args.concurrency {
        let (client, token, url, queries, next) = (
            client.clone(),
            token.clone(),
            args.url.clone(),
            queries.clone(),
            next.clone(),
        );
        tasks.spawn(async move {
            let mut timings: Vec<(&'static str, Duration, usize)> = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((kind, q)) = queries.get(i) else {
                    break;
                };
                let t = Instant::now();
                let reply = client
                    .get(format!("{url}/api/products"))
                    .query(&[("q", q.as_str()), ("limit", "20")])
                    .bearer_auth(&token)
                    .send()
                    .await?;
                anyhow::ensure!(
                    reply.status().is_success(),
                    "search {q:?} answered {}",
                    reply.status()
                );
                let body: Value = reply.json().await?;
                timings.push((
                    kind,
                    t.elapsed(),
                    body["items"].as_array().map_or(0, Vec::len),
                ));
            }
            anyhow::Ok(timings)
        });
    }
    let mut all = Vec::new();
    for t in tasks.join_all().await {
        all.extend(t?);
    }
    let wall = started.elapsed();
    println!(
        "{} searches over {} products, {} clients, {:.0} searches/s",
        all.len(),
        args.products,
        args.concurrency,
        all.len() as f64 / wall.as_secs_f64()
    );
    for kind in [
        "one word",
        "two words",
        "sku prefix",
        "barcode prefix",
        "all",
    ] {
        let mut ms: Vec<f64> = all
            .iter()
            .filter(|(k, _, _)| kind == "all" || *k == kind)
            .map(|(_, d, _)| d.as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        let hits: usize = all
            .iter()
            .filter(|(k, _, _)| kind == "all" || *k == kind)
            .map(|(_, _, n)| n)
            .sum();
        let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
        println!(
            "{kind:>15}: n={:>5} p50={:>6.2} ms p95={:>6.2} ms p99={:>6.2} ms max={:>7.2} ms (avg {:.1} results)",
            ms.len(),
            pct(0.50),
            pct(0.95),
            pct(0.99),
            ms[ms.len() - 1],
            hits as f64 / ms.len() as f64
        );
    }
    Ok(())
}
