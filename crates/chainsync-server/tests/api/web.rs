//! The web app as the binary serves it: caching headers, the JSON 404s, and the single-page
//! fallback for app routes only. These rules do not touch the database, so they run on SQLite
//! only; the files come from a fixture folder shaped like Vite's output.

use crate::support::{Backend, TestApp, spawn_with};
use chainsync_server::state::ApiSettings;
use chainsync_server::web::{IMMUTABLE, NO_CACHE, WebSource};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use std::path::Path;

const HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const INDEX: &str = "<!doctype html><title>ChainSync fixture</title><div id=root></div>";
const ASSET: &str = "/assets/index-Ab12Cd34.js";

/// A server whose web app is `dir`, kept alive with it.
async fn app_with(dir: &Path) -> TestApp {
    spawn_with(
        Backend::Sqlite,
        ApiSettings {
            web: WebSource::Dir(dir.to_path_buf()),
            ..ApiSettings::default()
        },
    )
    .await
}

fn built_web_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("assets")).expect("assets dir");
    std::fs::write(dir.path().join("index.html"), INDEX).expect("index");
    std::fs::write(dir.path().join(&ASSET[1..]), "console.log('app')").expect("asset");
    std::fs::write(
        dir.path().join("sw.js"),
        "self.addEventListener('fetch', () => {})",
    )
    .expect("sw");
    std::fs::write(
        dir.path().join("favicon.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .expect("favicon");
    dir
}

async fn get(app: &TestApp, path: &str, accept: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.base))
        .header(ACCEPT, accept)
        .send()
        .await
        .expect("request")
}

fn header(r: &reqwest::Response, name: reqwest::header::HeaderName) -> &str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn assert_json_404(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "{what}");
    assert!(
        header(&r, CONTENT_TYPE).starts_with("application/json"),
        "{what}: JSON"
    );
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["error"]["code"], "route_not_found", "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_assets_are_immutable() {
    let dir = built_web_app();
    let app = app_with(dir.path()).await;

    let r = get(&app, ASSET, "*/*").await;

    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, CACHE_CONTROL), IMMUTABLE);
    assert!(header(&r, CONTENT_TYPE).contains("javascript"));
    assert_eq!(r.text().await.unwrap(), "console.log('app')");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_html_and_the_service_worker_are_revalidated_on_every_load() {
    let dir = built_web_app();
    let app = app_with(dir.path()).await;

    for path in ["/", "/index.html", "/sw.js", "/favicon.svg"] {
        let r = get(&app, path, HTML).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, CACHE_CONTROL), NO_CACHE, "{path}");
    }
    let index = get(&app, "/", HTML).await;
    assert!(header(&index, CONTENT_TYPE).starts_with("text/html"));
    assert!(index.headers().contains_key("content-security-policy"));
    assert_eq!(index.text().await.unwrap(), INDEX);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_index_html_revalidates_with_304() {
    let dir = built_web_app();
    let app = app_with(dir.path()).await;
    let first = get(&app, "/", HTML).await;
    let etag = header(&first, ETAG).to_owned();
    assert!(!etag.is_empty(), "an ETag to revalidate with");

    let again = app
        .http
        .get(format!("{}/", app.base))
        .header(ACCEPT, HTML)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();

    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, CACHE_CONTROL), NO_CACHE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_asset_is_a_json_404_never_index_html() {
    let dir = built_web_app();
    let app = app_with(dir.path()).await;

    assert_json_404(
        get(&app, "/assets/index-OLD0000.js", HTML).await,
        "missing asset",
    )
    .await;
    assert_json_404(get(&app, "/assets", HTML).await, "the assets folder").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_routes_get_index_html_when_a_browser_asks_for_a_page() {
    let dir = built_web_app();
    let app = app_with(dir.path()).await;

    for path in [
        "/staff",
        "/staff/0190f000-0000-7000-8000-000000000000",
        "/stores/new",
        "/audit",
    ] {
        let r = get(&app, path, HTML).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, CACHE_CONTROL), NO_CACHE, "{path}");
        assert_eq!(r.text().await.unwrap(), INDEX, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fallback_never_answers_server_paths_other_methods_or_non_html_requests() {
    let dir = built_web_app();
    let app = app_with(dir.path()).await;

    for path in [
        "/api/nope",
        "/api",
        "/healthz/x",
        "/readyz/x",
        "/metrics/x",
        // `/ws` itself is the WebSocket endpoint (tests/api/realtime.rs).
        "/ws/x",
    ] {
        assert_json_404(get(&app, path, HTML).await, path).await;
    }
    assert_json_404(
        get(&app, "/staff", "application/json").await,
        "JSON GET of an app route",
    )
    .await;
    let post = app
        .http
        .post(format!("{}/staff", app.base))
        .header(ACCEPT, HTML)
        .send()
        .await
        .unwrap();
    assert_json_404(post, "POST to an app route").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_api_routes_keep_their_json_404_and_no_store() {
    let dir = built_web_app();
    let app = app_with(dir.path()).await;

    let r = get(&app, "/api/no-such-thing", "application/json").await;

    assert_eq!(header(&r, CACHE_CONTROL), "no-store");
    assert_json_404(r, "unknown API route").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_built_web_app_the_root_explains_how_to_build_it() {
    let empty = tempfile::tempdir().expect("temp dir");
    let app = app_with(empty.path()).await;

    let r = get(&app, "/", HTML).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, CACHE_CONTROL), NO_CACHE);
    let page = r.text().await.unwrap();
    assert!(page.contains("npm run build"), "{page}");

    let route = get(&app, "/staff", HTML).await.text().await.unwrap();
    assert!(route.contains("npm run build"));
    assert_json_404(get(&app, ASSET, "*/*").await, "asset of an unbuilt app").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_its_embedded_web_app_or_the_build_instructions() {
    let app = spawn_with(Backend::Sqlite, ApiSettings::default()).await;

    let r = get(&app, "/", HTML).await;

    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header(&r, CACHE_CONTROL), NO_CACHE);
}
