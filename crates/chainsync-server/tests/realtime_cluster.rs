//! Two real `chainsync serve` processes on one PostgreSQL schema and one Redis: an event raised
//! on either reaches subscribers on both exactly once, and after `kill -9` of one, its client
//! resumes on the other without a gap or a duplicate.
//!
//! Needs `CHAINSYNC_TEST_DATABASE_URL` (PostgreSQL) and Redis (`CHAINSYNC_TEST_REDIS_URL`,
//! default `redis://127.0.0.1:6379`); skipped loudly without them unless
//! `CHAINSYNC_REQUIRE_POSTGRES=1` or `CHAINSYNC_REQUIRE_ALL=1` (CI), which make a missing Redis a
//! failure too.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const PASSWORD: &str = "chainsync-demo";

fn chainsync() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chainsync"));
    for var in [
        "CHAINSYNC_DATABASE_URL",
        "CHAINSYNC_DATA_DIR",
        "CHAINSYNC_ADDR",
        "CHAINSYNC_CONFIG",
        "CHAINSYNC_NO_DEMO",
        "CHAINSYNC_BUS",
        "CHAINSYNC_BUS_URL",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// A `serve` process and the base URL it printed; killed on drop.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(database_url: &str, redis_url: &str, dir: &std::path::Path) -> Server {
    let mut child = chainsync()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--no-demo",
            "--bus",
            "redis",
        ])
        .args(["--bus-url", redis_url, "--database-url", database_url])
        .args(["--data-dir", dir.to_str().expect("dir")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("line");
        if let Some(rest) = line.strip_prefix("ChainSync is running at ") {
            let base = rest.split_whitespace().next().expect("url").to_owned();
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return Server { child, base };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve did not start");
}

async fn redis_answers(url: &str) -> bool {
    let addr = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap_or("")
        .rsplit('@')
        .next()
        .unwrap_or("")
        .to_owned();
    tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr))
        .await
        .is_ok_and(|c| c.is_ok())
}

async fn login(http: &reqwest::Client, base: &str, email: &str) -> String {
    let reply: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    reply["access_token"].as_str().expect("token").to_owned()
}

async fn open(http: &reqwest::Client, base: &str, token: &str) -> Socket {
    let ticket: Value = http
        .post(format!("{base}/api/realtime/ticket"))
        .bearer_auth(token)
        .send()
        .await
        .expect("ticket")
        .json()
        .await
        .expect("json");
    let url = format!(
        "{}/ws?ticket={}",
        base.replacen("http://", "ws://", 1),
        ticket["ticket"].as_str().expect("ticket")
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    assert_eq!(next(&mut socket).await["type"], "hello");
    socket
}

async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("json");
        }
    }
}

async fn subscribe(socket: &mut Socket, channel: &str, resume: Option<Value>) -> Value {
    let mut frame = json!({ "type": "subscribe", "channel": channel });
    if let Some(resume) = resume {
        frame["resume"] = resume;
    }
    socket
        .send(Message::text(frame.to_string()))
        .await
        .expect("send");
    next(socket).await
}

async fn announce(http: &reqwest::Client, base: &str, token: &str, store: &str, title: &str) {
    let status = http
        .post(format!("{base}/api/realtime/announcements"))
        .bearer_auth(token)
        .json(&json!({ "title": title, "priority": "low", "store_id": store }))
        .send()
        .await
        .expect("announce")
        .status();
    assert_eq!(status.as_u16(), 202);
}

/// `count` event frames as (offset, title); then a ping proves nothing else was queued.
async fn events(socket: &mut Socket, count: usize) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    while out.len() < count {
        let frame = next(socket).await;
        assert_eq!(frame["type"], "event", "{frame}");
        out.push((
            frame["offset"].as_i64().expect("offset"),
            frame["event"]["title"].as_str().expect("title").to_owned(),
        ));
    }
    socket
        .send(Message::text(r#"{"type":"ping"}"#))
        .await
        .expect("ping");
    assert_eq!(next(socket).await["type"], "pong", "no extra event");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_deliver_every_event_once_and_a_killed_servers_client_resumes_on_the_other() {
    let Some(admin_url) = chainsync_storage::testing::postgres_url() else {
        return;
    };
    let redis_url = std::env::var("CHAINSYNC_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    if !redis_answers(&redis_url).await {
        let required = ["CHAINSYNC_REQUIRE_POSTGRES", "CHAINSYNC_REQUIRE_ALL"]
            .iter()
            .any(|v| std::env::var(v).is_ok_and(|v| v == "1"));
        assert!(!required, "Redis does not answer at {redis_url}");
        eprintln!("SKIPPED: Redis does not answer at {redis_url}");
        return;
    }
    let url = chainsync_storage::testing::fresh_postgres_database(&admin_url).await;
    let dir = tempfile::tempdir().expect("dir");
    let seeded = chainsync()
        .args(["seed-demo", "--database-url", &url, "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("seed");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    let a = serve(&url, &redis_url, dir.path());
    let b = serve(&url, &redis_url, dir.path());
    let http = reqwest::Client::new();
    let admin = login(&http, &a.base, "admin@demo.local").await;
    let manager = login(&http, &b.base, "manager.ber@demo.local").await;
    let stores: Value = http
        .get(format!("{}/api/stores?limit=200", a.base))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("stores")
        .json()
        .await
        .expect("json");
    let ber = stores["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["code"] == "BER")
        .expect("BER")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let channel = format!("store:{ber}");

    let mut on_a = open(&http, &a.base, &manager).await;
    let mut on_b = open(&http, &b.base, &manager).await;
    let first = subscribe(&mut on_a, &channel, None).await;
    let epoch = first["epoch"].as_str().expect("epoch").to_owned();
    let base = first["offset"].as_i64().expect("offset");
    assert_eq!(
        subscribe(&mut on_b, &channel, None).await["epoch"],
        epoch.as_str()
    );

    // Raised on A and on B: both subscribers see all four, once, in one order.
    announce(&http, &a.base, &admin, &ber, "1 via A").await;
    announce(&http, &b.base, &admin, &ber, "2 via B").await;
    announce(&http, &a.base, &admin, &ber, "3 via A").await;
    announce(&http, &b.base, &admin, &ber, "4 via B").await;
    let seen_a = events(&mut on_a, 4).await;
    let seen_b = events(&mut on_b, 4).await;
    assert_eq!(seen_a, seen_b);
    assert_eq!(
        seen_a.iter().map(|(o, _)| *o).collect::<Vec<_>>(),
        (base + 1..=base + 4).collect::<Vec<_>>()
    );

    // B dies without a word; its client reconnects to A with its last offset.
    let mut b = b;
    kill_9(&mut b.child);
    let last_b = seen_b.last().expect("events").0;
    announce(&http, &a.base, &admin, &ber, "5 while B is dead").await;
    announce(&http, &a.base, &admin, &ber, "6 while B is dead").await;
    let mut resumed = open(&http, &a.base, &manager).await;
    let answer = subscribe(
        &mut resumed,
        &channel,
        Some(json!({ "epoch": epoch, "offset": last_b })),
    )
    .await;
    assert_eq!(answer["type"], "subscribed", "{answer}");
    announce(&http, &a.base, &admin, &ber, "7 after resume").await;
    let got = events(&mut resumed, 3).await;
    assert_eq!(
        got,
        vec![
            (base + 5, "5 while B is dead".to_owned()),
            (base + 6, "6 while B is dead".to_owned()),
            (base + 7, "7 after resume".to_owned()),
        ]
    );
    // The client that stayed on A saw the same three.
    assert_eq!(events(&mut on_a, 3).await, got);
}

/// `kill -9`: the process gets no chance to close sockets or finish work.
fn kill_9(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let _ = child.wait();
}
