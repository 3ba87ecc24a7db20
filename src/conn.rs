//! Serving HTTP/1 connections with limits, for `govledger serve` and `govledger witness serve`.
//!
//! The connection loop is ours rather than `axum::serve`, which offers no header-read timeout:
//! with none, a client that opens a connection and never finishes its request head holds it
//! (and a file descriptor) for ever, and a few hundred such clients lock everyone out. Each
//! connection here is hyper's HTTP/1 with
//!
//! - a **header timeout**: the request head must arrive in full within it, counted from the
//!   connection's opening or the end of the previous response (so it also ends an idle
//!   keep-alive connection); hyper then closes the connection without an answer;
//! - a **body timeout**: the body must arrive in full within it of the head, else the request
//!   is answered 408 (the client was too slow, not the server: never a 5xx);
//! - an **idle timeout**: a connection on which no byte moves either way while no handler is
//!   working on an answer (a client that stops reading an export or a live tail) is closed;
//! - a **connection limit**: beyond it the server stops accepting until a connection ends, so
//!   waiting clients queue in the kernel's backlog instead of exhausting file descriptors.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use axum::response::Response;
use futures_util::StreamExt as _;
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt as _;

/// How long in-flight requests may take to finish after a shutdown signal.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take and how many may connect (see the module doc; the flags are
/// `crate::cli::serve::LimitArgs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Seconds a client has to send a complete request head.
    pub header_timeout: u64,
    /// Seconds a request body may take to arrive in full after its head; then 408.
    pub body_timeout: u64,
    /// Seconds a connection may stay silent while no request on it is being worked on.
    pub idle_timeout: u64,
    /// Most connections served at once; beyond it new ones wait to be accepted.
    pub max_connections: u32,
}

impl ConnectionLimits {
    pub const DEFAULT: ConnectionLimits = ConnectionLimits {
        header_timeout: 10,
        body_timeout: 10,
        idle_timeout: 60,
        max_connections: 512,
    };
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits::DEFAULT
    }
}

/// Serves `router` on `listener` within `limits` until SIGINT or SIGTERM, then lets the
/// connections finish their current request (at most [`DRAIN_TIMEOUT`]). For a server with
/// nothing else to stop (the witness); `govledger serve` runs [`accept_until_stopped`] itself,
/// beside its metrics listener.
pub async fn serve_until_signal(listener: TcpListener, router: Router, limits: ConnectionLimits) {
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown signal: draining");
        stop_tx.send_replace(true);
    });
    let connections = Arc::new(Semaphore::new(limits.max_connections as usize));
    accept_until_stopped(&listener, router, limits, &connections, stop_rx).await;
    drop(listener);
    if tokio::time::timeout(
        DRAIN_TIMEOUT,
        connections.acquire_many(limits.max_connections),
    )
    .await
    .is_err()
    {
        tracing::warn!("requests still running after {DRAIN_TIMEOUT:?}; stopping anyway");
    }
}

/// Accepts connections (at most `limits.max_connections` at once) and serves each in its own
/// task until `stop` turns true; the tasks then finish their current request and close.
pub async fn accept_until_stopped(
    listener: &TcpListener,
    router: Router,
    limits: ConnectionLimits,
    connections: &Arc<Semaphore>,
    mut stop: watch::Receiver<bool>,
) {
    let mut full_since: Option<Instant> = None;
    loop {
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return, // closed: never happens, the semaphore lives as long as we do
            },
            _ = stop.wait_for(|s| *s) => return,
        };
        if let Some(since) = full_since.take() {
            tracing::info!(
                waited_ms = since.elapsed().as_millis() as u64,
                "a connection ended; accepting again"
            );
        }
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.wait_for(|s| *s) => return,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // EMFILE, ENFILE, ECONNABORTED, …: the listener itself is fine; back off a
                // little so a descriptor shortage does not spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if connections.available_permits() == 0 {
            tracing::warn!(
                max_connections = limits.max_connections,
                "connection limit reached; new connections wait until one ends"
            );
            full_since = Some(Instant::now());
        }
        let router = router.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            serve_connection(tcp, peer, router, limits, stop).await;
            drop(permit);
        });
    }
}

/// What a connection has been doing, shared by its socket, its service and its watchdog.
#[derive(Debug)]
struct Activity {
    opened: Instant,
    /// Milliseconds after `opened` when a byte last moved or a handler last finished.
    last_ms: AtomicU64,
    /// Handlers working on an answer on this connection (0 or 1 on HTTP/1).
    working: AtomicUsize,
}

impl Activity {
    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.opened + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

async fn serve_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity {
        opened: Instant::now(),
        last_ms: AtomicU64::new(0),
        working: AtomicUsize::new(0),
    });
    let io = TokioIo::new(Watched {
        inner: tcp,
        activity: activity.clone(),
    });
    let service = ConnectionService {
        router,
        peer,
        body_timeout: Duration::from_secs(limits.body_timeout),
        activity: activity.clone(),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(limits.header_timeout))
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let idle = Duration::from_secs(limits.idle_timeout);
    let mut stopping = false;
    loop {
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    // A header timeout, a malformed request, a client gone: theirs, not ours.
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(activity.last() + idle) => {
                if activity.working.load(Ordering::Relaxed) > 0 {
                    // A handler is working: its time is bounded by the request timeout.
                    activity.touch();
                } else if activity.last() + idle <= Instant::now() {
                    tracing::debug!(%peer, "idle timeout: closing the connection");
                    return;
                }
            }
            _ = stop.wait_for(|s| *s), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// The router for one connection: adds the peer address (the failed-authentication limiter
/// keys on it) and the body deadline, and tells the watchdog while a handler works.
#[derive(Debug, Clone)]
struct ConnectionService {
    router: Router,
    peer: SocketAddr,
    body_timeout: Duration,
    activity: Arc<Activity>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for ConnectionService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, req: hyper::Request<Incoming>) -> Self::Future {
        let (mut parts, incoming) = req.into_parts();
        parts.extensions.insert(ConnectInfo(self.peer));
        let body = if incoming.is_end_stream() {
            Body::new(incoming)
        } else {
            with_body_deadline(Body::new(incoming), self.body_timeout)
        };
        let req = Request::from_parts(parts, body);
        let router = self.router.clone();
        let working = Working::start(self.activity.clone());
        Box::pin(async move {
            let res = router.oneshot(req).await;
            drop(working);
            res
        })
    }
}

/// A handler at work on this connection, until dropped.
struct Working(Arc<Activity>);

impl Working {
    fn start(activity: Arc<Activity>) -> Working {
        activity.working.fetch_add(1, Ordering::Relaxed);
        Working(activity)
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        self.0.touch();
        self.0.working.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that notes when bytes move.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r
            && n > 0
        {
            self.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = r
            && n > 0
        {
            self.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The body did not arrive in full within the time the server gives it (`serve
/// --body-timeout`): the client's slowness, answered 408.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the body did not arrive within {} s of the request's head", .0.as_secs())]
pub struct BodyTimedOut(pub Duration);

/// `body`, failing with [`BodyTimedOut`] unless it ends within `timeout` from now.
pub fn with_body_deadline(body: Body, timeout: Duration) -> Body {
    let deadline = tokio::time::Instant::now() + timeout;
    let frames = futures_util::stream::unfold(Some(body.into_data_stream()), move |s| async move {
        let mut s = s?;
        match tokio::time::timeout_at(deadline, s.next()).await {
            Ok(Some(frame)) => Some((frame.map_err(axum::BoxError::from), Some(s))),
            Ok(None) => None,
            // Once timed out the stream ends after the error.
            Err(_) => Some((Err(BodyTimedOut(timeout).into()), None)),
        }
    });
    Body::from_stream(frames)
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
