//! The HTTP/1.1 server of `portal serve`: the accept loop with its limits.
//!
//! Each limit is one well-kept mechanism:
//! - connection cap: a [`Semaphore`] permit is taken *before* `accept`, so past the cap new
//!   connections wait in the kernel's listen queue (not refused) until a connection ends, and
//!   the process never runs out of file descriptors;
//! - header read timeout: hyper's `http1::Builder::header_read_timeout`. Hyper starts it as soon
//!   as a connection waits for a request head (just accepted, or its previous answer sent), so it
//!   also bounds how long a kept-alive connection may wait for its next request;
//! - body read timeout: tower-http's `RequestBodyTimeoutLayer` (see [`with_body_timeout`]): a
//!   body that delivers nothing for that long fails its extractor (4xx), and the connection closes;
//! - idle timeout: `tokio-io-timeout` on the socket: a read or a write that waits on the client
//!   for that long ends the connection (a client that stops sending, or stops taking its answer).
//!   `half_close` is on so that hyper does not read the socket while a handler runs: the idle
//!   clock runs only while the server waits on the client, never during a slow handler.
//!
//! HTTP/2 is not served (TLS and HTTP/2 belong to the proxy in front): hyper's header timeout
//! exists only for HTTP/1, and a protocol sniffer would wait unbounded for its first bytes.

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_io_timeout::TimeoutStream;
use tower::{Service, ServiceExt};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tracing::{debug, instrument, warn};

/// The limits of the HTTP server (settings `--header-read-timeout`, `--body-read-timeout`,
/// `--idle-timeout`, `--max-connections`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// The router with the body read timeout applied to every request body.
pub fn with_body_timeout(app: Router, limits: &HttpLimits) -> Router {
    app.layer(RequestBodyTimeoutLayer::new(limits.body_read_timeout))
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open connections finish
/// their current answer (idle ones close at once) and returns.
#[instrument(skip_all, fields(max_connections = limits.max_connections))]
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()>,
) {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .half_close(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // never closed
            },
            () = &mut shutdown => break,
        };
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Per-connection failures (reset before accept) and descriptor exhaustion:
                    // the listener itself stays usable, so wait a moment and go on.
                    debug!(error = %e, "accept failed");
                    if !is_connection_error(&e) {
                        warn!(error = %e, "accept failed; retrying");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let mut io = TimeoutStream::new(tcp);
        io.set_read_timeout(Some(limits.idle_timeout));
        io.set_write_timeout(Some(limits.idle_timeout));
        let io = TokioIo::new(Box::pin(io));
        let Ok(service) = make_service.call(remote).await;
        let service = service.map_request(|req: Request<Incoming>| req.map(Body::new));
        let conn = http.serve_connection(io, TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                // Timeouts and clients that went away end here; nothing to act on.
                debug!(error = %e, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
