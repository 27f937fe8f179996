//! `chainsync-bench ws`: the real-time hub under load, end to end.
//!
//! N authenticated WebSocket connections (spread over one or more running `chainsync serve`
//! processes) subscribe to C store channels round-robin; the bench then publishes at a fixed
//! rate through the real path — `POST /api/realtime/announcements`, which writes the outbox in a
//! transaction; the relay assigns offsets and the bus and hubs fan out — and measures, per
//! delivery, the time from the publish's *scheduled* time to its receipt (so a server that falls
//! behind is charged for the queueing, not hidden by it). It reports latency percentiles,
//! deliveries per second, and losses, duplicates and reorderings checked per connection against
//! the channel offsets. With `--server-pid` it also reports the server's resident-memory growth
//! per idle connection (read from /proc before and after connecting, before any traffic).
//!
//! The run creates the stores it needs (`WSB-0001`, ...) when the organisation has fewer than C.
//!
//! **Several load-generator processes** (one process holds at most about 19,900 sockets under a
//! 20,000 open-files limit): start the extra ones with `--subscribe-only` and the same
//! `--channels`, `--rate` and `--duration` as the publishing one. They connect and subscribe
//! exactly like it, publish nothing, and know from those three numbers how many events each
//! channel will receive (publish k goes to channel k mod C), so each counts its own losses,
//! duplicates and reorderings. Start the publishing process only after every subscribe-only one
//! printed `ready`. The scheduled publish time travels in the event's title as microseconds since
//! the Unix epoch, so latency is comparable across processes that share one system clock (the
//! same machine). Each process prints its own figures; `--latency-file` writes every latency (µs,
//! one per line) so the percentiles of all processes together can be computed exactly, and every
//! process prints its first scheduled time and last receipt (Unix µs) so the deliveries/s of all
//! together are the summed deliveries over the widest window.

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The servers; connections and publishes are spread over them round-robin.
    #[arg(long, default_value = "http://127.0.0.1:8080", value_delimiter = ',')]
    url: Vec<String>,
    #[arg(long, default_value = "admin@demo.local")]
    email: String,
    #[arg(long, default_value = "chainsync-demo")]
    password: String,
    /// WebSocket connections.
    #[arg(long, default_value_t = 1000)]
    connections: usize,
    /// Store channels the connections are spread over.
    #[arg(long, default_value_t = 20)]
    channels: usize,
    /// Publishes per second (over all channels).
    #[arg(long, default_value_t = 100)]
    rate: u64,
    /// Seconds of publishing.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Concurrent publish requests at most.
    #[arg(long, default_value_t = 64)]
    publishers: usize,
    /// PIDs of the server processes, to measure memory per idle connection.
    #[arg(long, value_delimiter = ',')]
    server_pid: Vec<u32>,
    /// Publish nothing: subscribe, then count what arrives, expecting what a publishing process
    /// with the same `--channels`, `--rate` and `--duration` sends.
    #[arg(long)]
    subscribe_only: bool,
    /// With `--subscribe-only`: the most seconds to wait, after `ready`, for every expected event.
    #[arg(long, default_value_t = 120)]
    listen: u64,
    /// Connections being opened (handshake and subscribe) at once.
    #[arg(long, default_value_t = 1)]
    connect_concurrency: usize,
    /// Write every latency of this process (microseconds, one per line) to this file.
    #[arg(long)]
    latency_file: Option<std::path::PathBuf>,
}

/// Microseconds since the Unix epoch: the clock every process on the machine shares.
fn unix_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    raise_nofile_limit();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(drive(args))
}

/// Raises the soft open-files limit to the hard limit (each connection is a file).
fn raise_nofile_limit() {
    let Ok(out) = std::process::Command::new("sh")
        .args(["-c", "ulimit -Hn"])
        .output()
    else {
        return;
    };
    let hard = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    eprintln!(
        "open-files hard limit: {hard} (raise the soft limit with `ulimit -n {hard}` before running if needed)"
    );
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU seconds (user + system) the process has used, from `/proc/<pid>/stat` (fields 14 and
/// 15, in clock ticks of 1/100 s: Linux reports them in `USER_HZ`, which is 100 on every
/// architecture it supports).
pub(crate) fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

async fn login(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let login: Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .context("is the server running?")?
        .json()
        .await?;
    Ok(login["access_token"]
        .as_str()
        .context("sign-in failed")?
        .to_owned())
}

async fn stores(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    wanted: usize,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/stores?limit=200");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        for s in page["items"].as_array().context("stores")? {
            if s["active"].as_bool().unwrap_or(true) {
                ids.push(s["id"].as_str().context("id")?.to_owned());
            }
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    let mut n = 0;
    while ids.len() < wanted {
        n += 1;
        let reply = client
            .post(format!("{base}/api/stores"))
            .bearer_auth(token)
            .json(&json!({ "code": format!("WSB-{n:04}"), "name": format!("Bench store {n}"), "country": "DE",
                "currency": "EUR", "timezone": "Europe/Berlin", "tax_rates": {"standard": 1900}, "tax_inclusive": true }))
            .send()
            .await?;
        match reply.status().as_u16() {
            201 => {
                let body: Value = reply.json().await?;
                ids.push(body["id"].as_str().context("id")?.to_owned());
            }
            409 => continue,
            other => bail!(
                "creating a bench store: {other} {}",
                reply.text().await.unwrap_or_default()
            ),
        }
    }
    ids.truncate(wanted);
    Ok(ids)
}

async fn ticket(client: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<String> {
    let body: Value = client
        .post(format!("{base}/api/realtime/ticket"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    Ok(body["ticket"].as_str().context("ticket")?.to_owned())
}

/// Latencies in microseconds, shared by all readers.
#[derive(Debug, Default)]
struct Stats {
    latencies: Mutex<Vec<u32>>,
    received: AtomicU64,
    /// Unix µs of the latest receipt.
    last_receipt: AtomicU64,
    /// Unix µs of the earliest scheduled publish received.
    first_scheduled: AtomicU64,
    /// Per connection: an offset equal to the last one seen.
    duplicates: AtomicU64,
    /// Per connection: an offset below the last one seen.
    reordered: AtomicU64,
    /// Per connection: offsets skipped.
    gaps: AtomicU64,
}

fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let rest = &text[start..];
    let end = rest.find([',', '}', '"'])?;
    Some(&rest[..end])
}

async fn drive(args: &Args) -> anyhow::Result<()> {
    if args.url.is_empty() || args.channels == 0 || args.connections == 0 {
        bail!("give at least one --url, channel and connection");
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.publishers * 2)
        .build()?;
    let publish_base = args.url[0].clone();
    let token = login(&client, &publish_base, &args.email, &args.password).await?;
    let channels = stores(&client, &publish_base, &token, args.channels).await?;
    eprintln!("{} channels ready", channels.len());

    let rss_before: Vec<Option<u64>> = args.server_pid.iter().map(|p| rss_kib(*p)).collect();
    let started_at = Instant::now();
    let stats = Arc::new(Stats {
        first_scheduled: AtomicU64::new(u64::MAX),
        ..Stats::default()
    });
    let tickets: Arc<Mutex<HashMap<String, (String, Instant)>>> = Arc::default();
    let opened = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::with_capacity(args.connections);
    let mut opening = futures_util::stream::iter(0..args.connections)
        .map(|i| {
            let base = args.url[i % args.url.len()].clone();
            let channel = format!("store:{}", channels[i % channels.len()]);
            let (client, token, tickets, stats, opened) = (
                client.clone(),
                token.clone(),
                tickets.clone(),
                stats.clone(),
                opened.clone(),
            );
            async move {
                let fresh = tickets
                    .lock()
                    .expect("tickets")
                    .get(&base)
                    .filter(|(_, at)| at.elapsed() < Duration::from_secs(30))
                    .map(|(t, _)| t.clone());
                let t = match fresh {
                    Some(t) => t,
                    None => {
                        let t = ticket(&client, &base, &token).await?;
                        tickets
                            .lock()
                            .expect("tickets")
                            .insert(base.clone(), (t.clone(), Instant::now()));
                        t
                    }
                };
                let reader = open(i, &base, &t, channel, stats).await?;
                let n = opened.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of(1000) {
                    eprintln!("{n} connections open");
                }
                anyhow::Ok(reader)
            }
        })
        .buffer_unordered(args.connect_concurrency.max(1));
    while let Some(reader) = opening.next().await {
        readers.push(reader?);
    }
    drop(opening);
    let connect_secs = started_at.elapsed().as_secs_f64();
    let total = args.rate * args.duration;
    // Subscribers per channel, to know how many deliveries to expect.
    let mut subscribers = vec![0u64; channels.len()];
    for i in 0..args.connections {
        subscribers[i % channels.len()] += 1;
    }
    let mut expected_per_channel = vec![0u64; channels.len()];
    if args.subscribe_only {
        // What a publishing process with the same schedule sends: publish k to channel k mod C.
        for k in 0..total {
            expected_per_channel[(k as usize) % channels.len()] += 1;
        }
        let expected: u64 = expected_per_channel
            .iter()
            .zip(&subscribers)
            .map(|(e, s)| e * s)
            .sum();
        println!(
            "ready: {} connections open in {connect_secs:.1} s, expecting {expected} deliveries",
            args.connections
        );
        let deadline = Instant::now() + Duration::from_secs(args.listen);
        while stats.received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Anything beyond the expected count (a duplicate, say) gets a moment to show up.
        tokio::time::sleep(Duration::from_secs(1)).await;
        for r in &readers {
            r.abort();
        }
        report(args, &stats, expected, None, connect_secs, channels.len())?;
        return Ok(());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after: Vec<Option<u64>> = args.server_pid.iter().map(|p| rss_kib(*p)).collect();
    stats.latencies.lock().expect("latencies").clear();
    stats.received.store(0, Ordering::Relaxed);
    stats.first_scheduled.store(u64::MAX, Ordering::Relaxed);

    // Publish at a fixed rate; each publish is scheduled at start + k / rate, and carries that
    // time as Unix microseconds (so other processes on this machine can measure it too).
    let interval = Duration::from_nanos(1_000_000_000 / args.rate.max(1));
    let permits = Arc::new(tokio::sync::Semaphore::new(args.publishers));
    let failures = Arc::new(AtomicU64::new(0));
    let cpu_before: Vec<Option<f64>> = args.server_pid.iter().map(|p| cpu_secs(*p)).collect();
    let publish_start = Instant::now();
    let publish_start_unix = unix_micros();
    let mut tasks = Vec::new();
    let mut ticks = precise_ticks(publish_start, interval, total);
    while let Some((k, due)) = ticks.recv().await {
        let scheduled = publish_start_unix + due.duration_since(publish_start).as_micros() as u64;
        let c = (k as usize) % channels.len();
        expected_per_channel[c] += 1;
        let (client, base, token, store, permits, failures) = (
            client.clone(),
            args.url[(k as usize) % args.url.len()].clone(),
            token.clone(),
            channels[c].clone(),
            permits.clone(),
            failures.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            let ok = client
                .post(format!("{base}/api/realtime/announcements"))
                .bearer_auth(&token)
                .json(&json!({ "title": format!("bench {scheduled}"), "priority": "low", "store_id": store }))
                .send()
                .await
                .is_ok_and(|r| r.status().as_u16() == 202);
            if !ok {
                failures.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let publish_secs = publish_start.elapsed().as_secs_f64();
    let expected: u64 = expected_per_channel
        .iter()
        .zip(&subscribers)
        .map(|(e, s)| e * s)
        .sum();
    let deadline = Instant::now() + Duration::from_secs(30);
    while stats.received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivery_secs = publish_start.elapsed().as_secs_f64();
    let cpu_after: Vec<Option<f64>> = args.server_pid.iter().map(|p| cpu_secs(*p)).collect();
    for r in &readers {
        r.abort();
    }
    let published = Published {
        total,
        secs: publish_secs,
        delivery_secs,
        failed: failures.load(Ordering::Relaxed),
        rss_before,
        rss_after,
        cpu_used: cpu_before
            .iter()
            .zip(&cpu_after)
            .map(|(b, a)| Some(a.as_ref()? - b.as_ref()?))
            .collect(),
    };
    report(
        args,
        &stats,
        expected,
        Some(published),
        connect_secs,
        channels.len(),
    )
}

/// Publish `k` of `total` is due at `start + k·interval`: a thread of its own sleeps until
/// each due time and sends `(k, due)`. Tokio's timers tick in whole milliseconds, so
/// `tokio::time::sleep_until` fires up to a millisecond after the due time, and the latency
/// measured from the due time would charge that to the server (about 0.5 ms on average);
/// a thread's own sleep wakes within tens of microseconds.
fn precise_ticks(
    start: Instant,
    interval: Duration,
    total: u64,
) -> tokio::sync::mpsc::UnboundedReceiver<(u64, Instant)> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for k in 0..total {
            let due = start + interval * (k as u32);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            if tx.send((k, due)).is_err() {
                return;
            }
        }
    });
    rx
}

/// Opens connection `i`, subscribes it to `channel` and spawns its reader, which checks offsets
/// and records latencies from the scheduled time carried in each event's title.
async fn open(
    i: usize,
    base: &str,
    ticket: &str,
    channel: String,
    stats: Arc<Stats>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let url = format!(
        "{}/ws?ticket={ticket}",
        base.replacen("http://", "ws://", 1)
    );
    // tungstenite zero-fills `read_buffer_size` bytes ahead of every read (128 KiB by default):
    // at 50,000 deliveries/s that memset was over half of this process's time, and its
    // queueing showed up as latency. Events are well under 4 KiB; a larger frame still
    // arrives whole, the buffer grows to it.
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), false)
        .await
        .with_context(|| format!("connection {i} (check ulimit -n)"))?;
    socket
        .send(Message::text(
            json!({ "type": "subscribe", "channel": channel }).to_string(),
        ))
        .await?;
    // hello, subscribed
    let mut head = 0i64;
    let mut answers = 0;
    while answers < 2 {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                answers += 1;
                if text.contains("\"subscribed\"") {
                    head = field(&text, "\"offset\":")
                        .and_then(|o| o.parse().ok())
                        .unwrap_or(0);
                } else if text.contains("\"error\"") {
                    bail!("subscribe refused: {text}");
                }
            }
            Some(Ok(_)) => {}
            other => bail!("connection {i} ended during subscribe: {other:?}"),
        }
    }
    Ok(tokio::spawn(async move {
        let mut last = head;
        while let Some(Ok(message)) = socket.next().await {
            let Message::Text(text) = message else {
                continue;
            };
            if !text.starts_with("{\"type\":\"event\"") {
                continue;
            }
            let now = unix_micros();
            let offset: i64 = field(&text, "\"offset\":")
                .and_then(|o| o.parse().ok())
                .unwrap_or(0);
            let scheduled: u64 = field(&text, "\"title\":\"bench ")
                .and_then(|o| o.parse().ok())
                .unwrap_or(now);
            if offset <= last {
                let counter = if offset == last {
                    &stats.duplicates
                } else {
                    &stats.reordered
                };
                counter.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if offset > last + 1 {
                stats
                    .gaps
                    .fetch_add((offset - last - 1) as u64, Ordering::Relaxed);
            }
            last = offset;
            stats.received.fetch_add(1, Ordering::Relaxed);
            stats.last_receipt.fetch_max(now, Ordering::Relaxed);
            stats
                .first_scheduled
                .fetch_min(scheduled, Ordering::Relaxed);
            let latency = now.saturating_sub(scheduled).min(u64::from(u32::MAX)) as u32;
            stats.latencies.lock().expect("latencies").push(latency);
        }
    }))
}

/// What the publishing process knows about its own publishing.
struct Published {
    total: u64,
    secs: f64,
    delivery_secs: f64,
    failed: u64,
    rss_before: Vec<Option<u64>>,
    rss_after: Vec<Option<u64>>,
    /// CPU seconds each server used from the first publish until the last delivery arrived.
    cpu_used: Vec<Option<f64>>,
}

fn report(
    args: &Args,
    stats: &Stats,
    expected: u64,
    published: Option<Published>,
    connect_secs: f64,
    channels: usize,
) -> anyhow::Result<()> {
    let mut lat = std::mem::take(&mut *stats.latencies.lock().expect("latencies"));
    if let Some(path) = &args.latency_file {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("{}", path.display()))?,
        );
        for l in &lat {
            writeln!(out, "{l}")?;
        }
        out.flush()?;
    }
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return f64::NAN;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        f64::from(lat[i]) / 1000.0
    };
    let received = stats.received.load(Ordering::Relaxed);
    println!(
        "connections: {} over {} server(s), {channels} channels, opened in {connect_secs:.1} s{}",
        args.connections,
        args.url.len(),
        if args.subscribe_only {
            " (subscribe-only)"
        } else {
            ""
        }
    );
    if let Some(p) = &published {
        for (i, pid) in args.server_pid.iter().enumerate() {
            if let (Some(Some(before)), Some(Some(after))) =
                (p.rss_before.get(i), p.rss_after.get(i))
            {
                let per = args.connections.div_ceil(args.url.len()) as f64;
                println!(
                    "server pid {pid}: RSS {before} KiB -> {after} KiB idle: {:.2} KiB per connection",
                    after.saturating_sub(*before) as f64 / per
                );
            }
        }
        println!(
            "published: {} at {} /s in {:.2} s ({} failed)",
            p.total, args.rate, p.secs, p.failed
        );
        for (pid, used) in args.server_pid.iter().zip(&p.cpu_used) {
            if let Some(used) = used {
                println!(
                    "server pid {pid}: {used:.2} CPU s from first publish to last delivery ({:.0} % of one core); {:.0} µs per publish, {:.1} µs per delivery over all servers' deliveries",
                    100.0 * used / p.delivery_secs,
                    1e6 * used / p.total.max(1) as f64,
                    1e6 * used / received.max(1) as f64
                );
            }
        }
        println!(
            "deliveries: {received} of {expected} expected, {:.0} /s over the publish window",
            received as f64 / p.secs.max(p.delivery_secs.min(p.secs + 1.0))
        );
    } else {
        println!("deliveries: {received} of {expected} expected");
    }
    let first = stats.first_scheduled.load(Ordering::Relaxed);
    let last = stats.last_receipt.load(Ordering::Relaxed);
    if received > 0 && last > first {
        let window = (last - first) as f64 / 1e6;
        println!(
            "window: first scheduled publish {first} µs, last receipt {last} µs (Unix): {window:.2} s, {:.0} deliveries/s",
            received as f64 / window
        );
    }
    println!(
        "latency from scheduled publish to receipt (ms): p50 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
        pct(0.50),
        pct(0.99),
        pct(0.999),
        lat.last().map_or(f64::NAN, |m| f64::from(*m) / 1000.0)
    );
    let lost = expected.saturating_sub(received);
    println!(
        "lost: {lost}  duplicates: {}  reordered: {}  offset gaps seen by clients: {}",
        stats.duplicates.load(Ordering::Relaxed),
        stats.reordered.load(Ordering::Relaxed),
        stats.gaps.load(Ordering::Relaxed)
    );
    Ok(())
}
