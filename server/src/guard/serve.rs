//! The HTTP server itself: hyper's HTTP/1 connection with its header-read timeout, an
//! idle limit between requests, a limit on answers the client does not read, and caps on
//! connections per instance and per client address. It replaces `axum::serve`, which
//! sets none of these, so that half-open connections cannot pile up until the process
//! runs out of file descriptors. Shaped after axum's `serve` (graceful shutdown) and
//! hyper-util's server examples.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::client_ip::canonical;
use super::connections::{Activity, Connections, Stalls, TrackedBody};

/// The connection limits of [`serve`]; see the settings of the same names.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Time to send a request's headers, from the connection's opening or the previous
    /// answer.
    pub header_timeout: Duration,
    /// Idle time allowed between an answer and the next request on the same connection.
    pub keep_alive: Duration,
    /// Time an answer may wait on a client that reads none of it.
    pub send_timeout: Duration,
    /// Connections held open at once by this instance.
    pub max_connections: usize,
    /// Connections held open at once per peer address; `None` behind a proxy.
    pub max_connections_per_address: Option<usize>,
}

impl ServerLimits {
    pub fn from_config(config: &crate::Config) -> ServerLimits {
        ServerLimits {
            header_timeout: Duration::from_secs(config.header_timeout_secs),
            keep_alive: Duration::from_secs(config.keep_alive_secs),
            send_timeout: Duration::from_secs(config.send_timeout_secs),
            max_connections: config.max_connections as usize,
            // Behind a proxy every connection comes from the proxy: counting them per
            // address would cap the proxy, not a client.
            max_connections_per_address: config
                .client_ip_header
                .is_none()
                .then_some(config.max_connections_per_address as usize),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting, lets each
/// connection finish the request it is answering (idle ones close at once) and returns
/// when all are closed. Handlers see the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let connections = Arc::new(Connections::new(
        limits.max_connections,
        limits.max_connections_per_address,
    ));
    let refusals = Arc::new(Stalls::default());
    // Each connection task holds a receiver of `open`: the serve ends when none is left.
    let (open_tx, open_rx) = watch::channel(());
    // Tells every connection to finish up.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let address = canonical(peer.ip());
        match connections.admit(address) {
            Some(ticket) => {
                let (app, limits, open, stop) = (
                    app.clone(),
                    limits.clone(),
                    open_rx.clone(),
                    stop_rx.clone(),
                );
                tokio::spawn(async move {
                    serve_connection(stream, peer, app, &limits, stop).await;
                    drop(ticket);
                    drop(open);
                });
            }
            None => refuse(stream, address, &refusals),
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(open_rx);
    open_tx.closed().await;
}

/// Accept fails when the process is out of file descriptors (or a connection was reset
/// before it was taken): wait a moment rather than spin, as axum's serve does.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: &ServerLimits,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::default());
    let io = TokioIo::new(super::connections::Guarded::new(
        stream,
        limits.send_timeout,
        activity.clone(),
    ));
    let service = ConnectionService {
        app,
        peer,
        activity: activity.clone(),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let mut connection = pin!(builder.serve_connection(io, service));
    let mut idle = pin!(activity.idle_for(limits.keep_alive));
    let mut stopped = pin!(async move {
        let _ = stop.wait_for(|stop| *stop).await;
    });
    let mut finishing = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
                return;
            }
            // An idle connection closes at once; a busy one after its answer.
            _ = &mut idle, if !finishing => {
                connection.as_mut().graceful_shutdown();
                finishing = true;
            }
            _ = &mut stopped, if !finishing => {
                connection.as_mut().graceful_shutdown();
                finishing = true;
            }
        }
    }
}

/// The application as hyper calls it, per request of one connection.
#[derive(Clone)]
struct ConnectionService {
    app: Router,
    peer: SocketAddr,
    activity: Arc<Activity>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for ConnectionService {
    type Response = hyper::Response<TrackedBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, mut request: hyper::Request<Incoming>) -> Self::Future {
        use tower::ServiceExt;
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let in_flight = self.activity.begin();
        let app = self.app.clone();
        Box::pin(async move {
            let response = app.oneshot(request).await.unwrap_or_else(|e| match e {});
            Ok(response.map(|body| TrackedBody::new(body, in_flight)))
        })
    }
}

/// Past a cap: a short 503 with `Retry-After`, written without reading the request, and
/// the connection closed. The open connections are not touched.
fn refuse(stream: TcpStream, address: IpAddr, stalls: &Arc<Stalls>) {
    tracing::debug!(%address, "connection refused: too many open");
    let _ = stream.try_write(refusal());
    // Linger a moment to read what the client sent: closing with unread data makes the
    // kernel answer with a reset, which can hide the 503. Bounded, so a flood of refused
    // connections holds few descriptors; past the bound they are just closed.
    if let Some(linger) = stalls.enter() {
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut stream = stream;
            let _ = stream.shutdown().await;
            let mut buf = [0u8; 2048];
            let _ = tokio::time::timeout(Duration::from_millis(250), async {
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
            drop(linger);
        });
    }
}

fn refusal() -> &'static [u8] {
    static REFUSAL: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    REFUSAL.get_or_init(|| {
        let body = serde_json::to_vec(&model::ApiErrorBody {
            error: model::ApiError {
                code: "too_many_connections".into(),
                message: "Too many connections are open from your network right now. Try again in a few seconds.".into(),
                fields: Default::default(),
            },
        })
        .unwrap_or_default();
        let mut out = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 5\r\ncache-control: no-store\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(&body);
        out
    })
}
