//! The HTTP server both services run: header read timeout, peer addresses as
//! `ConnectInfo`, the slowest reader kept ([`SendFloor`]), graceful shutdown with a drain
//! limit, and the private ops listener.

use std::time::Duration;

use axum::Router;

use crate::send_floor::{Floored, SendFloor};

/// A client must send a request's headers within this time (Picsum's 5 s read timeout),
/// or its connection is closed: slow or stalled clients cannot hold connections forever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an answer may sit unread by its client (data unacknowledged, or held back by a
/// zero receive window) before the connection, and the answer's memory, are dropped.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a shutdown waits for in-flight requests (Picsum: 60 s).
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

/// Serves `app` on `listener` and `ops` on `ops_listener` until `shutdown` resolves; then the
/// public server finishes its in-flight requests and the ops server stops with it. Public
/// connections whose client reads slower than `floor` are closed.
///
/// # Errors
/// Server I/O errors.
pub async fn serve_with_ops(
    listener: tokio::net::TcpListener,
    app: Router,
    ops_listener: tokio::net::TcpListener,
    ops: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    floor: SendFloor,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let ops_task = tokio::spawn(async move {
        let mut rx = stop_rx;
        axum::serve(ops_listener, ops)
            .with_graceful_shutdown(async move {
                let _ = rx.wait_for(|stopped| *stopped).await;
            })
            .await
    });
    let result = serve_http(listener, app, shutdown, SEND_TIMEOUT, floor).await;
    let _ = stop_tx.send(true);
    let _ = ops_task.await;
    result
}

/// HTTP/1.1 server for the public listener: header read timeout, keep-alive, the send
/// timeout and floor, and a graceful shutdown that stops accepting, then lets in-flight
/// requests finish (up to [`DRAIN_TIMEOUT`]).
async fn serve_http(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    send_timeout: Duration,
    floor: SendFloor,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // A client that stops reading leaves its answer in our buffers; past the send
        // timeout the kernel drops the connection, and the answer with it.
        let _ = socket2::SockRef::from(&stream).set_tcp_user_timeout(Some(send_timeout));
        // Handlers learn the peer address as axum's `ConnectInfo`.
        let app = tower::ServiceExt::map_request(
            app.clone(),
            move |mut req: http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            },
        );
        let service = hyper_util::service::TowerToHyperService::new(app);
        // A client that reads, but slower than the floor, is dropped too.
        let io = hyper_util::rt::TokioIo::new(Floored::new(stream, floor));
        let connection = graceful.watch(builder.serve_connection(io, service));
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown: in-flight requests still running after the drain timeout");
    }
    Ok(())
}

/// Makes ring the one rustls crypto provider of the process, for every TLS client in it
/// (PostgreSQL, Redis, object storage, remote sources). Call once at start, before any.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn stalled_headers_are_cut_off_and_normal_requests_served() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ops = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/", get(|| async { "hello" }));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_with_ops(
            listener,
            app,
            ops,
            Router::new(),
            async move {
                let _ = rx.await;
            },
            SendFloor::default(),
        ));

        let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
        ok.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        ok.read_to_string(&mut answer).await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("hello"),
            "{answer}"
        );

        let started = std::time::Instant::now();
        let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
        stalled
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(HEADER_READ_TIMEOUT * 2, stalled.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "a stalled client kept its connection");
        assert!(started.elapsed() >= HEADER_READ_TIMEOUT - Duration::from_millis(100));

        tx.send(()).unwrap();
        server.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn an_answer_nobody_reads_is_dropped_after_the_send_timeout() {
        const BODY: usize = 64 << 20;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/", get(|| async { vec![7u8; BODY] }));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let timeout = Duration::from_millis(500);
        let server = tokio::spawn(serve_http(
            listener,
            app,
            async move {
                let _ = rx.await;
            },
            timeout,
            SendFloor::default(),
        ));
        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        // Never read until well past the timeout: the kernel buffers fill, the server's
        // window stays shut, and the connection must be dropped.
        tokio::time::sleep(timeout * 8).await;
        let mut got = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut got)).await;
        assert!(
            got.len() < BODY,
            "the whole answer was kept for a client that did not read"
        );
        tx.send(()).unwrap();
        server.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_client_reading_below_the_floor_is_dropped() {
        const BODY: usize = 64 << 20;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/", get(|| async { vec![7u8; BODY] }));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let floor = SendFloor {
            bytes_per_second: 1 << 20,
            window: Duration::from_millis(500),
        };
        // The send timeout is far off: only the floor can drop this client.
        let server = tokio::spawn(serve_http(
            listener,
            app,
            async move {
                let _ = rx.await;
            },
            Duration::from_secs(120),
            floor,
        ));
        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        // 16 KiB every 100 ms, for eight windows: the server's writes stay blocked.
        let mut got = vec![0u8; 16 << 10];
        let mut taken = 0;
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            taken += slow.read(&mut got).await.unwrap_or(0);
        }
        // Then as fast as it can: a connection still open would give the whole answer.
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut rest));
        let _ = read.await;
        assert!(
            taken + rest.len() < BODY,
            "the whole answer was sent to a client below the floor"
        );
        tx.send(()).unwrap();
        server.await.unwrap().unwrap();
    }
}
