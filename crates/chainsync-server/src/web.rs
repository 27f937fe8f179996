//! The web app (`web/`, built by Vite into `web/dist`), served by the same process as the API.
//!
//! Terms: *hashed assets* are the files under `/assets/` whose names carry a content hash
//! (Vite's output); *app routes* are the single-page app's own paths (`/stores`, `/staff/…`),
//! which exist only in the browser.
//!
//! Rules (tested in `tests/api/web.rs`):
//! - hashed assets are immutable (`public, max-age=31536000, immutable`); a missing one is a
//!   JSON 404, never `index.html` (a stale page asking for an old bundle must fail loudly,
//!   not parse HTML as JavaScript);
//! - `index.html`, the service worker and every other unhashed file are `no-cache`: browsers
//!   revalidate them (cheaply, by `ETag`) so a deployment is seen on the next load;
//! - the single-page fallback answers `index.html` only to a `GET` that accepts `text/html` on
//!   a path outside `/api`, `/assets`, `/healthz`, `/readyz`, `/metrics` and `/ws`; anything
//!   else unknown is the API's JSON 404.
//!
//! The files are embedded at compile time by rust-embed (in debug builds rust-embed reads the
//! folder at run time instead, so `npm run build` is picked up without recompiling). A build
//! made before `web/dist` existed still compiles and answers `/` with a page explaining how to
//! build the web app.

use crate::http::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Embedded;

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const NO_CACHE: &str = "no-cache";

/// The page's Content-Security-Policy: only this origin's scripts, styles and connections.
/// Tokens live in a JavaScript variable (see docs/authentication.md), so keeping foreign
/// scripts out is what protects them.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// Where the web app's files come from.
#[derive(Debug, Clone, Default)]
pub enum WebSource {
    /// `web/dist`, embedded in the binary (the default).
    #[default]
    Embedded,
    /// A folder read at request time (tests use fixtures this way).
    Dir(PathBuf),
}

struct WebFile {
    bytes: Cow<'static, [u8]>,
    mime: String,
    etag: String,
}

impl WebSource {
    /// The file at `rel` (a path relative to the web root, without a leading slash).
    async fn get(&self, rel: &str) -> Option<WebFile> {
        if !is_safe(rel) {
            return None;
        }
        match self {
            WebSource::Embedded => Embedded::get(rel).map(|f| WebFile {
                mime: f.metadata.mimetype().to_owned(),
                etag: hex(&f.metadata.sha256_hash()[..16]),
                bytes: f.data,
            }),
            WebSource::Dir(root) => {
                let bytes = tokio::fs::read(root.join(rel)).await.ok()?;
                Some(WebFile {
                    mime: mime_guess::from_path(rel)
                        .first_or_octet_stream()
                        .essence_str()
                        .to_owned(),
                    etag: hex(&Sha256::digest(&bytes)[..16]),
                    bytes: Cow::Owned(bytes),
                })
            }
        }
    }
}

/// Only plain relative paths: no `..`, no absolute parts, no empty segments.
fn is_safe(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.contains('\\')
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Paths the single-page fallback never answers: they belong to the server.
const SERVER_PREFIXES: [&str; 6] = ["/api", "/assets", "/healthz", "/readyz", "/metrics", "/ws"];

fn is_server_path(path: &str) -> bool {
    SERVER_PREFIXES.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
}

/// The router's fallback: web files, the single-page fallback, or the API's JSON 404.
pub async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let method = request.method();
    let path = request.uri().path();
    let not_found =
        || ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such route").into_response();
    if !(method == Method::GET || method == Method::HEAD)
        || path == "/api"
        || path.starts_with("/api/")
    {
        return not_found();
    }
    let source = &state.settings.web;
    let headers = request.headers();
    let rel = path.trim_start_matches('/');
    let rel = if rel.is_empty() { "index.html" } else { rel };
    if let Some(file) = source.get(rel).await {
        let cache = if path.starts_with("/assets/") {
            IMMUTABLE
        } else {
            NO_CACHE
        };
        return respond(file, cache, headers);
    }
    let wants_app = path == "/" || (!is_server_path(path) && accepts_html(headers));
    if !wants_app {
        return not_found();
    }
    match source.get("index.html").await {
        Some(index) => respond(index, NO_CACHE, headers),
        None => not_built(),
    }
}

fn respond(file: WebFile, cache_control: &'static str, request_headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", file.etag);
    let is_html = file.mime == "text/html";
    let mime = if file.mime.starts_with("text/") || file.mime == "application/javascript" {
        format!("{}; charset=utf-8", file.mime)
    } else {
        file.mime
    };
    let fresh = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(file.bytes));
        if let Ok(v) = HeaderValue::from_str(&mime) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    };
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if is_html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    response
}

/// Whether this binary (or, in debug builds, `web/dist` on disk) holds the web app.
pub fn is_built() -> bool {
    Embedded::get("index.html").is_some()
}

fn not_built() -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        NOT_BUILT_PAGE,
    )
        .into_response()
}

const NOT_BUILT_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ChainSync: web app not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2937}
code,pre{background:#f3f4f6;border-radius:4px;padding:.1rem .3rem}pre{padding:.75rem}</style></head>
<body><h1>ChainSync is running, but this build has no web app</h1>
<p>The server was compiled before the web app was built, so there is nothing to show here yet.
The API works: see <a href="/api/docs">/api/docs</a>.</p>
<p>To build the web app (Node.js 20 or newer), then rebuild and restart the server:</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build &amp;&amp; cd ..
cargo run --release --bin chainsync</pre>
<p>Or run <code>scripts/run</code>, which does both.</p>
</body></html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_looked_up() {
        assert!(is_safe("assets/index-abc.js"));
        assert!(is_safe("index.html"));
        for bad in [
            "",
            "../Cargo.toml",
            "assets/../../secret",
            "/etc/passwd",
            "./x",
            "a\\b",
        ] {
            assert!(!is_safe(bad), "{bad}");
        }
    }

    #[test]
    fn server_paths_are_recognised_by_whole_segments() {
        assert!(is_server_path("/api"));
        assert!(is_server_path("/api/x"));
        assert!(is_server_path("/ws"));
        assert!(!is_server_path("/apiary"));
        assert!(!is_server_path("/staff"));
    }
}
