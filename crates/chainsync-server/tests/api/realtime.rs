//! The WebSocket protocol over a real socket (docs/websocket-protocol.md): authentication,
//! subscription rights, bad frames, live delivery, resume without gaps or duplicates, reset
//! beyond the history window, limits, slow consumers and shutdown.
//!
//! Events are raised through the real path (an announcement is written to the outbox, the
//! relay turns it into channel events, the bus and hub deliver it), except in the slow-consumer
//! test, which feeds the hub directly to produce more traffic than a socket buffers.

use crate::support::{Backend, Caller, TestApp, on_both_backends, spawn, spawn_with};
use chainsync_server::realtime::settings::RealtimeSettings;
use chainsync_server::security::tokens::Claims;
use chainsync_server::state::ApiSettings;
use chainsync_storage::realtime::ChannelEvent;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

on_both_backends!(
    bad_tickets_and_tokens_are_refused_before_the_upgrade,
    subscriptions_are_checked_against_role_and_store,
    bad_frames_get_error_frames_and_the_connection_lives_on,
    live_events_arrive_in_order_and_resume_replays_exactly_the_missed_ones,
    a_resume_racing_live_events_gets_every_offset_once_in_order,
    resume_beyond_the_history_window_or_epoch_gets_an_explicit_reset,
    relayed_outbox_events_are_pruned_and_the_stream_goes_on,
    a_deactivated_users_connection_is_closed,
    notifications_follow_preferences_and_can_be_read,
    a_sale_at_a_till_reaches_the_store_channel_and_an_oversell_notifies_the_manager,
);
// Connection limits do not touch the database: SQLite only.
mod limits {
    use crate::support::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_stops_reading_is_cut_off_without_slowing_others() {
        super::a_client_that_stops_reading_is_cut_off_without_slowing_others(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn oversized_and_too_many_messages_close_the_connection() {
        super::oversized_and_too_many_messages_close_the_connection(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn idle_clients_are_dropped_and_shutdown_asks_clients_to_reconnect() {
        super::idle_clients_are_dropped_and_shutdown_asks_clients_to_reconnect(Backend::Sqlite)
            .await
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Ws {
    socket: Socket,
}

const WAIT: Duration = Duration::from_secs(15);

impl Ws {
    pub async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .expect("send");
    }

    /// The next JSON frame (pings are answered by the library and skipped).
    pub async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("a frame in time")
                .expect("socket open")
                .expect("frame");
            match message {
                Message::Text(text) => return serde_json::from_str(&text).expect("JSON frame"),
                Message::Close(frame) => panic!("closed: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// Reads until the server closes; returns the close code (None for a dropped socket).
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("closed in time")
            {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    eprintln!("closed with error: {e}");
                    return None;
                }
                None => return None,
            }
        }
    }

    /// Subscribes and returns the answer (`subscribed`, `reset` or `error`).
    pub async fn subscribe(&mut self, channel: &str, resume: Option<Value>) -> Value {
        let mut frame = json!({ "type": "subscribe", "channel": channel });
        if let Some(resume) = resume {
            frame["resume"] = resume;
        }
        self.send(frame).await;
        self.next().await
    }
}

pub fn ws_url(app: &TestApp) -> String {
    app.base.replacen("http://", "ws://", 1)
}

pub async fn ticket(app: &TestApp, caller: &Caller) -> String {
    let reply = app.post(caller, "/api/realtime/ticket", json!({})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["ticket"].as_str().expect("ticket").to_owned()
}

/// Opens a socket as `caller` and reads the `hello`.
pub async fn open(app: &TestApp, caller: &Caller) -> Ws {
    let url = format!("{}/ws?ticket={}", ws_url(app), ticket(app, caller).await);
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let mut ws = Ws { socket };
    let hello = ws.next().await;
    assert_eq!(
        (hello["type"].as_str(), hello["protocol"].as_i64()),
        (Some("hello"), Some(1))
    );
    ws
}

/// The HTTP status a WebSocket handshake with this ticket is refused with.
async fn refused_with(app: &TestApp, ticket: &str) -> u16 {
    refusal(app, ticket).await.0
}

/// The HTTP status and JSON error a WebSocket handshake with this ticket is refused with.
async fn refusal(app: &TestApp, ticket: &str) -> (u16, Value) {
    let url = format!("{}/ws?ticket={ticket}", ws_url(app));
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body = response.body().as_deref().unwrap_or_default();
            let error = serde_json::from_slice(body).unwrap_or(Value::Null);
            (response.status().as_u16(), error)
        }
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
}

pub async fn announce(
    app: &TestApp,
    admin: &Caller,
    store: Option<&str>,
    title: &str,
    priority: &str,
) {
    let reply = app
        .post(
            admin,
            "/api/realtime/announcements",
            json!({ "title": title, "message": "m", "priority": priority, "store_id": store }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
}

async fn bad_tickets_and_tokens_are_refused_before_the_upgrade(backend: Backend) {
    let app = spawn(backend).await;
    let manager = app.login("manager.ber@demo.local").await;

    // No credentials at all: the JSON error, as everywhere.
    let reply = app.get(&Caller::anonymous(), "/ws").await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    // A valid access token but no upgrade: 426.
    let reply = app.get(&manager, "/ws").await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::UPGRADE_REQUIRED, "websocket_upgrade_required")
    );

    assert_eq!(refused_with(&app, "not.a.ticket").await, 401);
    // An access token is not a ticket (a ticket is not an access token either: auth tests).
    let access = manager.access.clone().expect("access");
    assert_eq!(refused_with(&app, &access).await, 401);
    // Expired and forged tickets.
    let good = ticket(&app, &manager).await;
    let claims: Claims = {
        let payload = good.split('.').nth(1).expect("payload");
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64");
        serde_json::from_slice(&bytes).expect("claims")
    };
    let expired = Claims {
        exp: claims.iat - 10,
        ..claims.clone()
    };
    // Told what to do about it: a new ticket (refreshing the access token would not help).
    let (status, error) = refusal(&app, &app.state.keys.sign(&expired).unwrap()).await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (401, Some("token_expired")),
        "{error}"
    );
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("ticket"), "{message}");
    let mut forged = good.clone();
    forged.pop();
    forged.push(if good.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(refused_with(&app, &forged).await, 401);
    // The real ticket works, more than once while it lives.
    for _ in 0..2 {
        let url = format!("{}/ws?ticket={good}", ws_url(&app));
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        let mut ws = Ws { socket };
        assert_eq!(ws.next().await["type"], "hello");
    }
}

async fn subscriptions_are_checked_against_role_and_store(backend: Backend) {
    let app = spawn(backend).await;
    let ber = app.store_id("BER").await;
    let par = app.store_id("PAR").await;
    let cashier = app.login("cashier1.ber@demo.local").await;
    let manager_id = app.user_id("manager.ber@demo.local").await;
    let cashier_id = app.user_id("cashier1.ber@demo.local").await;
    let org = chainsync_storage::users::find_by_email(
        &mut app.db.conn().await.unwrap(),
        "cashier1.ber@demo.local",
    )
    .await
    .unwrap()
    .map(|u| u.org_id.to_string());
    let mut ws = open(&app, &cashier).await;

    let answer = ws.subscribe(&format!("store:{ber}"), None).await;
    assert_eq!(answer["type"], "subscribed", "{answer}");
    assert!(answer["epoch"].as_str().is_some_and(|e| !e.is_empty()));
    let answer = ws.subscribe(&format!("store:{par}"), None).await;
    assert_eq!(
        (answer["type"].as_str(), answer["code"].as_str()),
        (Some("error"), Some("forbidden"))
    );
    if let Some(org) = org {
        let answer = ws.subscribe(&format!("org:{org}"), None).await;
        assert_eq!(answer["code"], "forbidden", "{answer}");
    }
    let answer = ws.subscribe(&format!("user:{manager_id}"), None).await;
    assert_eq!(answer["code"], "channel_not_found");
    let answer = ws.subscribe(&format!("user:{cashier_id}"), None).await;
    assert_eq!(answer["type"], "subscribed");
    let answer = ws
        .subscribe(&format!("store:{}", uuid::Uuid::now_v7()), None)
        .await;
    assert_eq!(answer["code"], "channel_not_found");
    let answer = ws.subscribe("store:nope", None).await;
    assert_eq!(answer["code"], "invalid_channel");
    let answer = ws.subscribe(&format!("store:{ber}"), None).await;
    assert_eq!(answer["code"], "already_subscribed");

    // Another organisation's admin cannot read this organisation's store.
    let other = app.other_org_admin().await;
    let mut theirs = open(&app, &other).await;
    let answer = theirs.subscribe(&format!("store:{ber}"), None).await;
    assert_eq!(answer["code"], "channel_not_found");
}

async fn bad_frames_get_error_frames_and_the_connection_lives_on(backend: Backend) {
    let app = spawn(backend).await;
    let manager = app.login("manager.ber@demo.local").await;
    let mut ws = open(&app, &manager).await;
    for bad in [
        "{",
        "[]",
        "42",
        r#"{"type":"launch"}"#,
        r#"{"type":"subscribe"}"#,
        r#"{"type":"subscribe","channel":7}"#,
        r#"{"type":"subscribe","channel":"org:x","resume":{"epoch":1}}"#,
        r#"{"type":"ping","extra":true}"#,
        r#"{"type":"ping","id":null}"#,
        r#"{"type":"ping","id":7}"#,
    ] {
        ws.socket.send(Message::text(bad)).await.expect("send");
        let answer = ws.next().await;
        assert_eq!(
            (answer["type"].as_str(), answer["code"].as_str()),
            (Some("error"), Some("invalid_message")),
            "{bad}"
        );
    }
    ws.socket
        .send(Message::binary(vec![1u8, 2, 3]))
        .await
        .expect("send");
    assert_eq!(ws.next().await["code"], "unsupported_frame");
    ws.send(json!({"type": "unsubscribe", "channel": "store:x", "id": "u1"}))
        .await;
    let answer = ws.next().await;
    assert_eq!(
        (answer["code"].as_str(), answer["id"].as_str()),
        (Some("not_subscribed"), Some("u1"))
    );
    ws.send(json!({"type": "ping", "id": "p1"})).await;
    let answer = ws.next().await;
    assert_eq!(
        (answer["type"].as_str(), answer["id"].as_str()),
        (Some("pong"), Some("p1"))
    );
    // A message that is invalid but carries a string id gets its error matched by that id.
    ws.send(json!({"type": "dance", "id": "d1"})).await;
    let answer = ws.next().await;
    assert_eq!(
        (answer["code"].as_str(), answer["id"].as_str()),
        (Some("invalid_message"), Some("d1"))
    );
    // The store's id in another spelling is not a second, silent channel.
    let ber = app.store_id("BER").await;
    for spelling in [
        ber.to_string().to_uppercase(),
        ber.to_string().replace('-', ""),
        format!("{{{ber}}}"),
    ] {
        let answer = ws.subscribe(&format!("store:{spelling}"), None).await;
        assert_eq!(answer["code"], "invalid_channel", "{spelling}");
    }
}

/// Reads event frames of `channel` until `count` arrived; panics on anything else.
async fn events(ws: &mut Ws, count: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < count {
        let frame = ws.next().await;
        assert_eq!(frame["type"], "event", "{frame}");
        out.push(frame);
    }
    out
}

fn offsets_and_titles(events: &[Value]) -> Vec<(i64, String)> {
    events
        .iter()
        .map(|e| {
            (
                e["offset"].as_i64().expect("offset"),
                e["event"]["title"].as_str().expect("title").to_owned(),
            )
        })
        .collect()
}

async fn live_events_arrive_in_order_and_resume_replays_exactly_the_missed_ones(backend: Backend) {
    let app = spawn(backend).await;
    let ber = app.store_id("BER").await;
    let channel = format!("store:{ber}");
    let admin = app.login("admin@demo.local").await;
    let manager = app.login("manager.ber@demo.local").await;

    let mut ws = open(&app, &manager).await;
    let answer = ws.subscribe(&channel, None).await;
    let epoch = answer["epoch"].as_str().expect("epoch").to_owned();
    let base = answer["offset"].as_i64().expect("offset");
    for i in 1..=3 {
        announce(&app, &admin, Some(&ber), &format!("A{i}"), "low").await;
    }
    let got = events(&mut ws, 3).await;
    assert_eq!(
        offsets_and_titles(&got),
        (1..=3)
            .map(|i| (base + i, format!("A{i}")))
            .collect::<Vec<_>>()
    );
    let event = &got[0]["event"];
    assert_eq!(
        (
            event["type"].as_str(),
            event["kind"].as_str(),
            event["priority"].as_str(),
            event["store_id"].as_str()
        ),
        (
            Some("system_alert"),
            Some("announcement"),
            Some("low"),
            Some(ber.as_str())
        )
    );
    assert!(event["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(got[0]["epoch"], epoch.as_str());
    drop(ws);

    // Missed while away.
    for i in 4..=6 {
        announce(&app, &admin, Some(&ber), &format!("A{i}"), "low").await;
    }
    let mut ws = open(&app, &manager).await;
    let answer = ws
        .subscribe(
            &channel,
            Some(json!({ "epoch": epoch, "offset": base + 3 })),
        )
        .await;
    assert_eq!(answer["type"], "subscribed", "{answer}");
    assert_eq!(answer["offset"], base + 3);
    announce(&app, &admin, Some(&ber), "A7", "low").await;
    let got = events(&mut ws, 4).await;
    assert_eq!(
        offsets_and_titles(&got),
        (4..=7)
            .map(|i| (base + i, format!("A{i}")))
            .collect::<Vec<_>>()
    );
    // And nothing more (no duplicate of the replay from the live path).
    ws.send(json!({"type": "ping"})).await;
    assert_eq!(ws.next().await["type"], "pong");
}

/// The server writes a live event straight to a settled subscription's socket, and replays
/// history from the connection's task: while a resume replays, live events arrive on both
/// paths. The client must still see every offset once, in order.
async fn a_resume_racing_live_events_gets_every_offset_once_in_order(backend: Backend) {
    let app = spawn(backend).await;
    let ber = app.store_id("BER").await;
    let channel = format!("store:{ber}");
    let admin = app.login("admin@demo.local").await;
    let manager = app.login("manager.ber@demo.local").await;
    let mut ws = open(&app, &manager).await;
    let answer = ws.subscribe(&channel, None).await;
    let epoch = answer["epoch"].as_str().expect("epoch").to_owned();
    let base = answer["offset"].as_i64().expect("offset");
    drop(ws);
    for i in 1..=20 {
        announce(&app, &admin, Some(&ber), &format!("A{i}"), "low").await;
    }
    let live = async {
        for i in 21..=60 {
            announce(&app, &admin, Some(&ber), &format!("A{i}"), "low").await;
        }
    };
    let resumed = async {
        let mut ws = open(&app, &manager).await;
        let answer = ws
            .subscribe(&channel, Some(json!({ "epoch": epoch, "offset": base })))
            .await;
        assert_eq!(answer["type"], "subscribed", "{answer}");
        let got = events(&mut ws, 60).await;
        (ws, got)
    };
    let ((), (mut ws, got)) = tokio::join!(live, resumed);
    assert_eq!(
        offsets_and_titles(&got),
        (1..=60)
            .map(|i| (base + i, format!("A{i}")))
            .collect::<Vec<_>>()
    );
    ws.send(json!({"type": "ping"})).await;
    assert_eq!(ws.next().await["type"], "pong");
}

async fn relayed_outbox_events_are_pruned_and_the_stream_goes_on(backend: Backend) {
    let settings = ApiSettings {
        realtime: RealtimeSettings {
            outbox_age: Duration::ZERO,
            ..RealtimeSettings::default()
        },
        ..ApiSettings::default()
    };
    let app = spawn_with(backend, settings).await;
    let ber = app.store_id("BER").await;
    let admin = app.login("admin@demo.local").await;
    let manager = app.login("manager.ber@demo.local").await;
    let mut ws = open(&app, &manager).await;
    let answer = ws.subscribe(&format!("store:{ber}"), None).await;
    let base = answer["offset"].as_i64().expect("offset");
    for i in 1..=3 {
        announce(&app, &admin, Some(&ber), &format!("A{i}"), "low").await;
    }
    // Delivered, so relayed: their outbox rows may go.
    events(&mut ws, 3).await;
    assert!(
        app.state
            .realtime
            .prune_outbox_now(&app.db)
            .await
            .expect("prune")
            >= 3
    );
    // The relay's position survives the rows it pointed at: the next event comes next.
    announce(&app, &admin, Some(&ber), "A4", "low").await;
    let got = events(&mut ws, 1).await;
    assert_eq!(offsets_and_titles(&got), vec![(base + 4, "A4".to_owned())]);
}

async fn resume_beyond_the_history_window_or_epoch_gets_an_explicit_reset(backend: Backend) {
    let settings = ApiSettings {
        realtime: RealtimeSettings {
            history_age: Duration::ZERO,
            history_events: 2,
            ..RealtimeSettings::default()
        },
        ..ApiSettings::default()
    };
    let app = spawn_with(backend, settings).await;
    let ber = app.store_id("BER").await;
    let channel = format!("store:{ber}");
    let admin = app.login("admin@demo.local").await;
    let manager = app.login("manager.ber@demo.local").await;
    let mut ws = open(&app, &manager).await;
    let answer = ws.subscribe(&channel, None).await;
    let epoch = answer["epoch"].as_str().expect("epoch").to_owned();
    let base = answer["offset"].as_i64().expect("offset");
    for i in 1..=5 {
        announce(&app, &admin, Some(&ber), &format!("A{i}"), "low").await;
    }
    events(&mut ws, 5).await;
    assert!(app.state.realtime.prune_now(&app.db).await.expect("prune") >= 3);
    drop(ws);

    let mut ws = open(&app, &manager).await;
    let answer = ws
        .subscribe(
            &channel,
            Some(json!({ "epoch": epoch, "offset": base + 1 })),
        )
        .await;
    // A lone reset: no `subscribed` first that would promise a replay.
    assert_eq!(
        (
            answer["type"].as_str(),
            answer["reason"].as_str(),
            answer["offset"].as_i64()
        ),
        (Some("reset"), Some("beyond_history"), Some(base + 5)),
        "{answer}"
    );
    // ... and the subscription goes on from the reset's offset.
    announce(&app, &admin, Some(&ber), "A6", "low").await;
    assert_eq!(
        offsets_and_titles(&events(&mut ws, 1).await),
        vec![(base + 6, "A6".into())]
    );
    // Still within the window: replayed.
    let mut ws = open(&app, &manager).await;
    ws.subscribe(
        &channel,
        Some(json!({ "epoch": epoch, "offset": base + 3 })),
    )
    .await;
    assert_eq!(
        offsets_and_titles(&events(&mut ws, 2).await),
        vec![(base + 4, "A4".into()), (base + 5, "A5".into())]
    );
    // A stale epoch or an offset the server never gave out.
    let mut ws = open(&app, &manager).await;
    let answer = ws
        .subscribe(&channel, Some(json!({ "epoch": "other", "offset": 1 })))
        .await;
    assert_eq!(
        (answer["type"].as_str(), answer["reason"].as_str()),
        (Some("reset"), Some("epoch_changed"))
    );
    assert_eq!(answer["epoch"], epoch.as_str());
    let mut ws = open(&app, &manager).await;
    let answer = ws
        .subscribe(
            &channel,
            Some(json!({ "epoch": epoch, "offset": base + 99 })),
        )
        .await;
    assert_eq!(
        (answer["type"].as_str(), answer["reason"].as_str()),
        (Some("reset"), Some("unknown_offset"))
    );
}

async fn a_deactivated_users_connection_is_closed(backend: Backend) {
    let settings = ApiSettings {
        realtime: RealtimeSettings {
            recheck: Duration::from_millis(200),
            ..RealtimeSettings::default()
        },
        ..ApiSettings::default()
    };
    let app = spawn_with(backend, settings).await;
    let admin = app.login("admin@demo.local").await;
    let cashier = app.login("cashier2.ber@demo.local").await;
    let cashier_id = app.user_id("cashier2.ber@demo.local").await;
    let mut ws = open(&app, &cashier).await;
    let reply = app
        .call(
            &admin,
            reqwest::Method::DELETE,
            &format!("/api/users/{cashier_id}"),
            None,
        )
        .await;
    assert!(reply.status.is_success(), "{:?}", reply.body);
    assert_eq!(ws.closed().await, Some(4001));
}

async fn notifications_follow_preferences_and_can_be_read(backend: Backend) {
    let app = spawn(backend).await;
    let ber = app.store_id("BER").await;
    let admin = app.login("admin@demo.local").await;
    let manager = app.login("manager.ber@demo.local").await;
    let manager_id = app.user_id("manager.ber@demo.local").await;
    let mut ws = open(&app, &manager).await;
    assert_eq!(
        ws.subscribe(&format!("user:{manager_id}"), None).await["type"],
        "subscribed"
    );

    // Below the default minimum (medium): on the store channel only.
    announce(&app, &admin, Some(&ber), "quiet", "low").await;
    announce(&app, &admin, Some(&ber), "loud", "high").await;
    let got = events(&mut ws, 1).await;
    assert_eq!(got[0]["event"]["title"], "loud");
    let notification = got[0]["event"]["notification"]["id"]
        .as_str()
        .expect("notification id")
        .to_owned();
    assert_eq!(got[0]["event"]["notification"]["push"], true);

    let count = app.get(&manager, "/api/notifications/unread-count").await;
    assert_eq!(count.body["unread"], 1);
    let list = app.get(&manager, "/api/notifications?unread=true").await;
    assert_eq!(list.body["items"][0]["id"], notification.as_str());
    assert_eq!(list.body["items"][0]["type"], "system_alert");
    // Someone else's notification is not found; a malformed id is a 400.
    let cashier = app.login("cashier1.ber@demo.local").await;
    let other = app
        .post(
            &cashier,
            &format!("/api/notifications/{notification}/read"),
            json!({}),
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let read = app
        .post(
            &manager,
            &format!("/api/notifications/{notification}/read"),
            json!({}),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body["read_at"].is_string());
    assert_eq!(
        app.get(&manager, "/api/notifications/unread-count")
            .await
            .body["unread"],
        0
    );
    let bad = app.get(&manager, "/api/notifications?cursor=zzz").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Preferences: only critical inventory alerts from now on.
    let bad = app
        .call(
            &manager,
            reqwest::Method::PUT,
            "/api/notifications/preferences",
            Some(json!({ "min_priority": "urgent" })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = app
        .call(
            &manager,
            reqwest::Method::PUT,
            "/api/notifications/preferences",
            Some(json!({ "quiet_hours": { "start": "22:00", "end": "7", "timezone": "UTC" } })),
        )
        .await;
    assert_eq!(
        (bad.status, bad.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "quiet_hours.end")
    );
    let par = app.store_id("PAR").await;
    let bad = app
        .call(
            &manager,
            reqwest::Method::PUT,
            "/api/notifications/preferences",
            Some(json!({ "stores": [par] })),
        )
        .await;
    assert_eq!(
        (bad.status, bad.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "stores[0]")
    );
    let saved = app
        .call(
            &manager,
            reqwest::Method::PUT,
            "/api/notifications/preferences",
            Some(json!({ "min_priority": "critical", "event_types": ["system_alert"] })),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    assert_eq!(
        app.get(&manager, "/api/notifications/preferences")
            .await
            .body["min_priority"],
        "critical"
    );
    announce(&app, &admin, Some(&ber), "high again", "high").await;
    announce(&app, &admin, Some(&ber), "fire", "critical").await;
    let got = events(&mut ws, 1).await;
    assert_eq!(got[0]["event"]["title"], "fire");
    let all = app.get(&manager, "/api/notifications").await;
    let titles: Vec<&str> = all.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(titles, vec!["fire", "loud"]);
    let marked = app
        .post(&manager, "/api/notifications/read-all", json!({}))
        .await;
    assert_eq!(marked.body["marked"], 1);
}

async fn a_client_that_stops_reading_is_cut_off_without_slowing_others(backend: Backend) {
    let settings = ApiSettings {
        realtime: RealtimeSettings {
            send_queue: 16,
            ..RealtimeSettings::default()
        },
        ..ApiSettings::default()
    };
    let app = spawn_with(backend, settings).await;
    let ber = app.store_id("BER").await;
    let channel = format!("store:{ber}");
    let manager = app.login("manager.ber@demo.local").await;
    let admin = app.login("admin@demo.local").await;
    let mut slow = open(&app, &manager).await;
    let answer = slow.subscribe(&channel, None).await;
    let epoch = answer["epoch"].as_str().expect("epoch").to_owned();
    let base = answer["offset"].as_i64().expect("offset");
    let mut fast = open(&app, &admin).await;
    fast.subscribe(&channel, None).await;

    // 64 KiB events, far more than the socket buffers hold; the fast client reads each one.
    let body = json!({ "id": "x", "title": "big", "data": "x".repeat(64 * 1024) }).to_string();
    let total = 400;
    for i in 1..=total {
        app.state.realtime.hub.publish(&[ChannelEvent {
            channel: channel.clone(),
            epoch: epoch.clone(),
            offset: base + i,
            event_id: format!("e{i}"),
            body: body.clone(),
            created_at: 0,
        }]);
        let frame = fast.next().await;
        assert_eq!(frame["offset"], base + i);
    }
    assert!(app.state.realtime.hub.slow_consumer_count() >= 1);
    // The slow client finds the buffered frames, then the end of the connection.
    let code = slow.closed().await;
    assert!(matches!(code, None | Some(4008)), "{code:?}");
}

async fn oversized_and_too_many_messages_close_the_connection(backend: Backend) {
    let app = spawn(backend).await;
    let manager = app.login("manager.ber@demo.local").await;
    let mut ws = open(&app, &manager).await;
    let huge = json!({ "type": "ping", "id": "x".repeat(64 * 1024) }).to_string();
    let _ = ws.socket.send(Message::text(huge)).await;
    assert_eq!(ws.closed().await, Some(u16::from(CloseCode::Size)));

    let mut ws = open(&app, &manager).await;
    for _ in 0..200 {
        if ws
            .socket
            .send(Message::text(r#"{"type":"ping"}"#))
            .await
            .is_err()
        {
            break;
        }
    }
    let mut limited = 0;
    let code = loop {
        match tokio::time::timeout(WAIT, ws.socket.next())
            .await
            .expect("in time")
        {
            Some(Ok(Message::Text(text))) => {
                if text.contains("rate_limited") {
                    limited += 1;
                }
            }
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => break None,
        }
    };
    assert!(limited > 0);
    assert_eq!(code, Some(1008));
}

async fn idle_clients_are_dropped_and_shutdown_asks_clients_to_reconnect(backend: Backend) {
    let settings = ApiSettings {
        realtime: RealtimeSettings {
            heartbeat: Duration::from_millis(1000),
            idle_timeout: Duration::from_millis(1200),
            ..RealtimeSettings::default()
        },
        ..ApiSettings::default()
    };
    let mut app = spawn_with(backend, settings).await;
    let manager = app.login("manager.ber@demo.local").await;
    let mut idle = open(&app, &manager).await;
    // Not reading means not answering pings: the server gives up on it at the idle timeout
    // (1.2 s), not at the next heartbeat after it (2 s): by 1.7 s the close is waiting. Were
    // it not, reading now would answer the ping and keep the connection alive.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_eq!(idle.closed().await, Some(4002));

    let mut ws = open(&app, &manager).await;
    app.stop();
    let frame = ws.next().await;
    assert_eq!(frame["type"], "reconnect");
    assert_eq!(ws.closed().await, Some(1001));
}

async fn a_sale_at_a_till_reaches_the_store_channel_and_an_oversell_notifies_the_manager(
    backend: Backend,
) {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let store = app.store_id("BER").await;
    let product = app
        .post(&admin, "/api/products", json!({ "sku": "RICE", "name": "Rice 1 kg", "price_minor": 299, "tax_class": "reduced" }))
        .await
        .body["id"]
        .as_str()
        .expect("product")
        .to_owned();
    let received = app
        .post(
            &admin,
            &format!("/api/stores/{store}/stock-receipts"),
            json!({ "lines": [{ "product_id": product, "quantity": 1, "unit_cost_minor": 120 }] }),
        )
        .await;
    assert_eq!(received.status, StatusCode::CREATED);
    let terminal = app
        .post(
            &admin,
            &format!("/api/stores/{store}/terminals"),
            json!({ "code": "BER-T1", "name": "Till 1" }),
        )
        .await
        .body["id"]
        .as_str()
        .expect("terminal")
        .to_owned();
    let manager = app.login("manager.ber@demo.local").await;
    let manager_id = app.user_id("manager.ber@demo.local").await;
    let mut ws = open(&app, &manager).await;
    assert_eq!(
        ws.subscribe(&format!("store:{store}"), None).await["type"],
        "subscribed"
    );
    assert_eq!(
        ws.subscribe(&format!("user:{manager_id}"), None).await["type"],
        "subscribed"
    );

    // Two sold with one in stock: the sale is accepted and oversells.
    let cashier = app.login("cashier1.ber@demo.local").await;
    let sold = app
        .post(
            &cashier,
            &format!("/api/stores/{store}/sales"),
            json!({
                "id": uuid::Uuid::now_v7(), "terminal_id": terminal, "seq": 1, "occurred_at": chrono::Utc::now(),
                "receipt_number": "BER-T1-000001", "lines": [{ "product_id": product, "quantity": 2 }],
                "payments": [{ "kind": "cash", "tendered_minor": 1000 }],
            }),
        )
        .await;
    assert_eq!(sold.status, StatusCode::CREATED, "{:?}", sold.body);

    let mut store_kinds = Vec::new();
    let mut notified = Vec::new();
    while !store_kinds.contains(&"sale.completed".to_owned()) || notified.is_empty() {
        let frame = ws.next().await;
        assert_eq!(frame["type"], "event", "{frame}");
        let kind = frame["event"]["kind"].as_str().expect("kind").to_owned();
        if frame["channel"]
            .as_str()
            .is_some_and(|c| c.starts_with("user:"))
        {
            notified.push(kind);
        } else {
            store_kinds.push(kind);
        }
    }
    assert!(
        store_kinds.contains(&"stock.oversold".to_owned()),
        "{store_kinds:?}"
    );
    assert_eq!(notified, vec!["stock.oversold".to_owned()]);
}
