//! Test harness: a real server on port 0 over a fresh database per test (a temporary SQLite
//! file, or a new PostgreSQL database created from `CHAINSYNC_TEST_DATABASE_URL`), with the
//! demo chain seeded, driven over HTTP with reqwest.
//!
//! Backends and skipping rules come from `chainsync_storage::testing`.

use chainsync_server::config::{DatabaseConfig, FileConfig};
use chainsync_server::state::{ApiSettings, AppState};
use chainsync_server::{demo, server};
use chainsync_storage::Db;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::OnceLock;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "chainsync-demo";

pub use chainsync_storage::on_both_backends;
pub use chainsync_storage::testing::{TestBackend as Backend, fresh_url};

/// A running server and a client for it.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub state: AppState,
    pub db: Db,
    _dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp").field("base", &self.base).finish()
    }
}

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub access: Option<String>,
    pub refresh: Option<String>,
}

impl Caller {
    pub fn anonymous() -> Self {
        Caller {
            access: None,
            refresh: None,
        }
    }
}

/// A response: status, JSON body (or `Null`) and the raw text.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The `error.code` of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("")
    }
}

pub async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, ApiSettings::default()).await
}

/// A server whose demo chain includes a catalog, terminals and stock at `scale`.
pub async fn spawn_scaled(backend: Backend, scale: demo::DemoScale) -> TestApp {
    spawn_full(backend, ApiSettings::default(), scale).await
}

pub async fn spawn_with(backend: Backend, settings: ApiSettings) -> TestApp {
    spawn_full(backend, settings, demo::DemoScale::Staff).await
}

/// A server whose demo chain (small catalog) has `days` of sales history ending yesterday.
pub async fn spawn_with_history(backend: Backend, settings: ApiSettings, days: u32) -> TestApp {
    let end = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let history = demo::HistoryOptions { days, end };
    spawn_seeded(backend, settings, demo::DemoScale::Small, Some(history)).await
}

async fn spawn_full(backend: Backend, settings: ApiSettings, scale: demo::DemoScale) -> TestApp {
    spawn_seeded(backend, settings, scale, None).await
}

async fn spawn_seeded(
    backend: Backend,
    settings: ApiSettings,
    scale: demo::DemoScale,
    history: Option<demo::HistoryOptions>,
) -> TestApp {
    // Server errors land in the test's captured output, shown when the test fails.
    chainsync_server::telemetry::init_logging(chainsync_server::telemetry::LogFormat::Text, "warn");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = Some(fresh_url(backend, dir.path()).await);
    let config =
        DatabaseConfig::resolve(Some(dir.path().to_path_buf()), url, &FileConfig::default())
            .expect("config");
    let db = server::open_database(&config).await.expect("open database");
    demo::seed_with_history(&db, 42, PASSWORD, scale, history)
        .await
        .expect("seed demo");
    let state = server::build_state(db.clone(), settings)
        .await
        .expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = state.clone();
    tokio::spawn(async move {
        let _ = server::serve(listener, serving, async {
            let _ = stopped.await;
        })
        .await;
    });
    TestApp {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        state,
        db,
        _dir: dir,
        stop: Some(stop),
    }
}

impl TestApp {
    /// Begins the server's graceful shutdown (as SIGTERM would).
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Sends `body` (JSON, when given) as `caller`.
    pub async fn call(
        &self,
        caller: &Caller,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &caller.access {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            headers,
        }
    }

    /// Declares a JSON body of `length` bytes and sends none of it: the answer must come from
    /// the declared length alone. (Sending a body the server refuses races its early answer:
    /// it closes the connection while the client is still writing, and the client sees a
    /// broken pipe instead of the 413.)
    pub async fn declared_body(&self, caller: &Caller, path: &str, length: usize) -> Reply {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = self.base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Content-Length: {length}\r\nConnection: close\r\n"
        );
        if let Some(token) = &caller.access {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.expect("write head");
        let mut raw = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_end(&mut raw),
        )
        .await
        .expect("the server answered without waiting for the body")
        .expect("read");
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
        let code: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("a status line");
        let mut headers = reqwest::header::HeaderMap::new();
        for line in head.lines().skip(1) {
            if let Some((name, value)) = line.split_once(':')
                && let (Ok(name), Ok(value)) = (
                    reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()),
                    reqwest::header::HeaderValue::from_str(value.trim()),
                )
            {
                headers.append(name, value);
            }
        }
        Reply {
            status: StatusCode::from_u16(code).expect("status"),
            body: serde_json::from_str(body).unwrap_or(Value::Null),
            headers,
        }
    }

    /// Sends a raw body with a content type.
    pub async fn raw(
        &self,
        caller: &Caller,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = &caller.access {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        }
    }

    /// The Prometheus text of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn get(&self, caller: &Caller, path: &str) -> Reply {
        self.call(caller, Method::GET, path, None).await
    }

    pub async fn post(&self, caller: &Caller, path: &str, body: Value) -> Reply {
        self.call(caller, Method::POST, path, Some(body)).await
    }

    pub async fn try_login(&self, email: &str, password: &str) -> Reply {
        self.post(
            &Caller::anonymous(),
            "/api/auth/login",
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Signs in, panicking on failure.
    pub async fn login(&self, email: &str) -> Caller {
        self.login_with(email, PASSWORD).await
    }

    pub async fn login_with(&self, email: &str, password: &str) -> Caller {
        let reply = self.try_login(email, password).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "login {email}: {:?}",
            reply.body
        );
        Caller {
            access: reply.body["access_token"].as_str().map(str::to_owned),
            refresh: reply.body["refresh_token"].as_str().map(str::to_owned),
        }
    }

    /// The id of the demo store with this code.
    pub async fn store_id(&self, code: &str) -> String {
        let admin = self.login("admin@demo.local").await;
        let stores = self.get(&admin, "/api/stores?limit=200").await;
        stores.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|s| s["code"] == code)
            .expect("store")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// The id of the user with this email (as the demo admin sees them).
    pub async fn user_id(&self, email: &str) -> String {
        let admin = self.login("admin@demo.local").await;
        let users = self.get(&admin, "/api/users?limit=200").await;
        users.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|u| u["email"] == email)
            .expect("user")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Creates a second organisation with its own admin (`admin@other.test`) directly in
    /// storage, for isolation tests.
    pub async fn other_org_admin(&self) -> Caller {
        use chainsync_domain::ids::{OrgId, UserId};
        use chainsync_storage::{now_ms, orgs, users};
        static HASH: OnceLock<String> = OnceLock::new();
        let hash = HASH
            .get_or_init(|| {
                chainsync_server::security::passwords::hash_blocking(PASSWORD).expect("hash")
            })
            .clone();
        let now = now_ms();
        let org = orgs::OrgRecord {
            id: OrgId::new(),
            name: "Other Co".into(),
            currency: "EUR".into(),
            locale: "en-GB".into(),
            is_demo: false,
            created_at: now,
            updated_at: now,
        };
        let user = users::UserRecord {
            id: UserId::new(),
            org_id: org.id,
            email: "admin@other.test".into(),
            password_hash: hash,
            display_name: "Other Admin".into(),
            active: true,
            is_org_admin: true,
            must_change_password: false,
            is_demo: false,
            tokens_valid_after: 0,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin_write().await.expect("tx");
        orgs::insert(&mut tx, &org).await.expect("org");
        users::insert(&mut tx, &user).await.expect("user");
        tx.commit().await.expect("commit");
        self.login("admin@other.test").await
    }

    /// Audit entries of the demo organisation with this action, newest first.
    pub async fn audit(&self, action: &str) -> Vec<Value> {
        let admin = self.login("admin@demo.local").await;
        let reply = self
            .get(&admin, &format!("/api/audit?action={action}&limit=200"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        reply.body["items"].as_array().cloned().unwrap_or_default()
    }
}
