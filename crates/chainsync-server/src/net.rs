//! The listening socket: accepted TCP connections held behind an `Arc`, so that a connection
//! upgraded to a WebSocket can be written to directly by the hub's fan-out while the
//! WebSocket reader (through hyper's `Upgraded`) reads the same socket.
//!
//! hyper hides an upgraded connection's transport behind private wrappers, so the socket
//! cannot be taken back from it; instead every accepted connection is a [`SharedTcp`] and the
//! request extensions carry a handle on it ([`Peer`]). Reads and writes go through tokio's
//! readiness API (`poll_*_ready` then `try_*`), which takes `&TcpStream` and so works through
//! the `Arc`. Invariant: after an upgrade hyper no longer touches the socket, so the WebSocket
//! side is its only reader and writer.

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections are [`SharedTcp`], with TCP_NODELAY set.
#[derive(Debug)]
pub struct SharedTcpListener(pub TcpListener);

impl Listener for SharedTcpListener {
    type Io = SharedTcp;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (SharedTcp, SocketAddr) {
        // axum's own accept loop for `TcpListener` (it waits out errors such as EMFILE).
        let (stream, addr) = Listener::accept(&mut self.0).await;
        // Without TCP_NODELAY a small write that follows another small write still waiting
        // for its acknowledgement is held back (Nagle) until the peer's delayed ACK, tens of
        // milliseconds later: a WebSocket's `hello` then `subscribed`, or two events in a row,
        // paid that wait.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY on a connection");
        }
        (SharedTcp(Arc::new(stream)), addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// An accepted connection that can be shared.
#[derive(Debug, Clone)]
pub struct SharedTcp(Arc<TcpStream>);

impl SharedTcp {
    pub fn stream(&self) -> &Arc<TcpStream> {
        &self.0
    }
}

/// Who is on the other end of a request's connection (axum's connect info), with a handle on
/// its socket for the WebSocket upgrade.
#[derive(Debug, Clone)]
pub struct Peer {
    pub addr: SocketAddr,
    pub socket: Arc<TcpStream>,
}

impl Connected<IncomingStream<'_, SharedTcpListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, SharedTcpListener>) -> Peer {
        Peer {
            addr: *stream.remote_addr(),
            socket: stream.io().stream().clone(),
        }
    }
}

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(self.0.poll_read_ready(cx))?;
            // A `WouldBlock` clears the readiness, so the next poll registers the waker.
            match self.0.try_read_buf(buf) {
                Ok(_) => return Poll::Ready(Ok(())),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                written => return Poll::Ready(written),
            }
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_write_vectored(bufs) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                written => return Poll::Ready(written),
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Writes go straight to the socket: nothing is buffered here.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(shutdown_write(&self.0))
    }
}

/// Sends FIN (no more writes), as `TcpStream`'s own `poll_shutdown` does.
pub fn shutdown_write(stream: &TcpStream) -> io::Result<()> {
    match socket2::SockRef::from(stream).shutdown(std::net::Shutdown::Write) {
        // Already closed by the peer: nothing left to shut.
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_shared_connection_reads_writes_and_shuts_down_like_a_plain_one() {
        let mut listener = SharedTcpListener(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (mut server, peer) = listener.accept().await;
        assert_eq!(peer, client.local_addr().unwrap());
        assert!(server.stream().nodelay().unwrap());

        client.write_all(b"ping").await.unwrap();
        let mut got = [0u8; 4];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ping");

        // A second handle writes to the same socket, in order with the first.
        let other = server.clone();
        server.write_all(b"one ").await.unwrap();
        other.stream().try_write(b"two").unwrap();
        server.shutdown().await.unwrap();
        let mut all = Vec::new();
        client.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"one two");
    }
}
