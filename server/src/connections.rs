//! Accepting and serving connections, with the limits that keep slow or idle
//! clients from holding the server: `axum::serve` exposes none of them, so the
//! accept loop is written here on hyper's own HTTP/1.1 connection.
//!
//! - a request's headers must arrive within `header_read_timeout`, counted
//!   from when the connection is ready for them (hyper closes it otherwise);
//! - a connection on which no byte moves for `keep_alive_timeout` is closed,
//!   once the request in flight, if any, is answered;
//! - a connection asked to close (idle, or the server stopping) that has not
//!   finished its response `drain_timeout` later is dropped, so a response
//!   that never ends cannot hold a connection, or a server's stop, for ever;
//! - headers larger than `max_header_bytes` are refused with 431;
//! - at most `max_connections` are open at once: past that, new ones wait in
//!   the kernel's backlog until one closes, so descriptors never run out.
//!
//! HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which a reverse proxy
//! in front of the app terminates.

use axum::{extract::ConnectInfo, Router};
use hyper::{body::Incoming, server::conn::http1, Request};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use std::{
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    task::{Context, Poll},
    time::Duration,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{oneshot, watch, Semaphore},
    time::Instant,
};
use tower::ServiceExt;

/// How long and how much a client may take; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub keep_alive_timeout: Duration,
    pub drain_timeout: Duration,
    pub max_header_bytes: usize,
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            // As long as a request may take (it is answered 408 by then).
            drain_timeout: Duration::from_secs(30),
            max_header_bytes: 16 * 1024,
            max_connections: 512,
        }
    }
}

/// Serves `app` on `listener` until `stop` fires, then stops accepting, lets
/// every connection finish the request it is serving, and returns once all
/// are closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stop: oneshot::Receiver<()>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (closing, closing_watch) = watch::channel(());
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes)
        // A client may shut its side after sending the request and still wait for the answer.
        .half_close(true);
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.map_err(io::Error::other)?,
            _ = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors, say: wait rather than spin.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        // Responses are written whole; waiting to coalesce them only adds latency.
        let _ = stream.set_nodelay(true);
        let activity = Activity::default();
        let io = TokioIo::new(Tracked {
            stream,
            activity: activity.clone(),
        });
        let service = TowerToHyperService::new(app.clone().map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        }));
        let connection = http.serve_connection(io, service);
        let mut closing = closing_watch.clone();
        let keep_alive_timeout = limits.keep_alive_timeout;
        let drain_timeout = limits.drain_timeout;
        tokio::spawn(async move {
            tokio::pin!(connection);
            let mut draining = false;
            let drained = tokio::time::sleep(Duration::MAX);
            tokio::pin!(drained);
            loop {
                // The server stopping and the connection going idle both ask it to close.
                tokio::select! {
                    served = connection.as_mut() => {
                        if let Err(err) = served {
                            tracing::debug!(error = %err, %peer, "connection closed");
                        }
                        break;
                    }
                    _ = closing.changed(), if !draining => {}
                    _ = activity.idle_for(keep_alive_timeout), if !draining => {}
                    _ = &mut drained, if draining => {
                        tracing::warn!(%peer, "dropped a connection whose response did not finish in time");
                        break;
                    }
                }
                connection.as_mut().graceful_shutdown();
                draining = true;
                drained.as_mut().reset(Instant::now() + drain_timeout);
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = closing.send(());
    // Each open connection holds a permit until it closes.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
    Ok(())
}

/// When a connection last moved a byte either way.
#[derive(Clone)]
struct Activity {
    opened: Instant,
    /// Milliseconds after `opened`.
    last: Arc<AtomicU64>,
}

impl Default for Activity {
    fn default() -> Self {
        Self {
            opened: Instant::now(),
            last: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl Activity {
    fn touch(&self) {
        let elapsed = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(elapsed, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let last = self.opened + Duration::from_millis(self.last.load(Ordering::Relaxed));
            let deadline = last + limit;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// A TCP stream that records its activity.
struct Tracked {
    stream: TcpStream,
    activity: Activity,
}

impl AsyncRead for Tracked {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            this.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            this.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
