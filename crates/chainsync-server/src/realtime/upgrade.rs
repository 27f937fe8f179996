//! The WebSocket opening handshake (RFC 6455 §4.2) and the socket the connection task runs.
//!
//! axum's own `WebSocketUpgrade` hides the TCP socket behind hyper's upgrade, so the hub could
//! only hand frames to a task per connection. Here the handshake is answered the same way,
//! and the connection is served over [`WsIo`]: reads come through hyper's `Upgraded` (which
//! holds any bytes the client sent right after its request), writes go through the
//! connection's [`Listener`], the one ordered write path shared with the hub's fan-out.
//! tungstenite still does all the reading (frames, masking, fragments, limits, UTF-8, the
//! close handshake); only server frames are encoded outside it ([`super::frame`]).

use super::listener::Listener;
use crate::net::Peer;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

/// A WebSocket upgrade request, checked.
#[derive(Debug)]
pub struct Upgrade {
    accept: String,
    on_upgrade: OnUpgrade,
    socket: Arc<TcpStream>,
}

/// The request is not a WebSocket opening handshake.
#[derive(Debug)]
pub struct NotAnUpgrade(&'static str);

impl NotAnUpgrade {
    pub fn reason(&self) -> &'static str {
        self.0
    }
}

impl IntoResponse for NotAnUpgrade {
    fn into_response(self) -> Response {
        (StatusCode::UPGRADE_REQUIRED, self.0).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = NotAnUpgrade;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if parts.method != Method::GET {
            return Err(NotAnUpgrade("a WebSocket opens with GET"));
        }
        if !header_has_token(&parts.headers, header::CONNECTION, "upgrade") {
            return Err(NotAnUpgrade("missing Connection: upgrade"));
        }
        if !header_has_token(&parts.headers, header::UPGRADE, "websocket") {
            return Err(NotAnUpgrade("missing Upgrade: websocket"));
        }
        if parts.headers.get(header::SEC_WEBSOCKET_VERSION) != Some(&HeaderValue::from_static("13"))
        {
            return Err(NotAnUpgrade("Sec-WebSocket-Version must be 13"));
        }
        let Some(key) = parts.headers.get(header::SEC_WEBSOCKET_KEY) else {
            return Err(NotAnUpgrade("missing Sec-WebSocket-Key"));
        };
        let accept = derive_accept_key(key.as_bytes());
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<Peer>>() else {
            return Err(NotAnUpgrade("this connection cannot be upgraded"));
        };
        let socket = peer.socket.clone();
        let Some(on_upgrade) = parts.extensions.remove::<OnUpgrade>() else {
            return Err(NotAnUpgrade("this connection cannot be upgraded"));
        };
        Ok(Upgrade {
            accept,
            on_upgrade,
            socket,
        })
    }
}

/// Does a comma-separated header hold `token` (case-insensitively)?
fn header_has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value.to_str().is_ok_and(|value| {
            value
                .split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    })
}

impl Upgrade {
    /// The socket the upgraded connection will write to.
    pub fn socket(&self) -> &Arc<TcpStream> {
        &self.socket
    }

    /// Answers `101 Switching Protocols`; once hyper has sent it, `serve` runs on the socket.
    pub fn on_upgrade<F, Fut>(
        self,
        listener: Arc<Listener>,
        config: WebSocketConfig,
        serve: F,
    ) -> Response
    where
        F: FnOnce(WebSocketStream<WsIo>, Arc<Listener>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            let upgraded = match on_upgrade.await {
                Ok(upgraded) => upgraded,
                Err(e) => {
                    tracing::debug!(error = %e, "WebSocket upgrade failed");
                    listener.close();
                    return;
                }
            };
            let io = WsIo {
                read: TokioIo::new(upgraded),
                listener: listener.clone(),
            };
            let socket = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
            serve(socket, listener).await;
        });
        Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header(header::CONNECTION, HeaderValue::from_static("upgrade"))
            .header(header::UPGRADE, HeaderValue::from_static("websocket"))
            .header(header::SEC_WEBSOCKET_ACCEPT, self.accept)
            .body(axum::body::Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// The upgraded connection as tungstenite sees it: reads from hyper's `Upgraded`, writes
/// through the listener. A write is accepted whole at once (written, or kept in order for the
/// connection task to flush), so flushing here has nothing to wait for; the connection task
/// drains what the socket did not take.
#[derive(Debug)]
pub struct WsIo {
    read: TokioIo<Upgraded>,
    listener: Arc<Listener>,
}

impl AsyncRead for WsIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.read).poll_read(cx, buf)
    }
}

impl AsyncWrite for WsIo {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(
            self.listener
                .write(Bytes::copy_from_slice(buf))
                .map(|()| buf.len()),
        )
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.listener.poll_flush(cx))?;
        Poll::Ready(self.listener.shutdown_write())
    }
}
