//! The perimeter's connection limits, with real sockets: half-open connections closed by
//! the header timeout while the redirect answers, the caps per address and per instance,
//! a trickled body cut off, the request timeout (and the live stream exempt from it), and
//! the redirect never waiting behind API calls for a database connection.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::both_engines;
use crate::support::{spawn_app_with, Engine, TestApp, User};
use crate::traffic::linked;

both_engines!(
    half_open_connections_are_closed_by_the_header_timeout_while_the_redirect_answers,
    an_idle_kept_alive_connection_is_closed_after_the_keep_alive_limit,
    past_the_per_address_cap_only_that_address_is_refused_and_open_connections_keep_working,
    past_the_instance_cap_new_connections_are_refused_until_one_closes,
    a_body_trickled_past_its_deadline_is_cut_off_with_408,
    a_call_past_the_request_timeout_is_answered_503_but_the_live_stream_is_exempt,
    the_redirect_answers_while_api_calls_hold_every_pooled_connection,
);

/// A TCP connection to `addr` from the local address `from` (any of 127.0.0.0/8 works on
/// Linux): the server sees `from` as the peer.
pub async fn connect_from(from: [u8; 4], addr: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(addr).await.unwrap()
}

/// An HTTP client whose connections come from `from`.
pub fn client_from(from: [u8; 4]) -> Client {
    Client::builder()
        .local_address(IpAddr::from(from))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A person browsing from `from`.
pub fn user_from(app: &TestApp, from: [u8; 4]) -> User {
    User {
        client: client_from(from),
        base: app.base(),
        account: None,
    }
}

/// Waits for the server to close `tcp`: true when it did within `within`.
async fn closed_by_server(tcp: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(within, async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

/// Sends one GET on a raw connection, reads the whole answer (by its Content-Length)
/// and returns its status code; `None` when the connection was closed instead.
async fn raw_get(tcp: &mut TcpStream, path: &str) -> Option<u16> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.ok()?;
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tcp.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < end + length {
        let n = tcp.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    head.split(' ').nth(1)?.parse().ok()
}

async fn half_open_connections_are_closed_by_the_header_timeout_while_the_redirect_answers(
    engine: Engine,
) {
    let app = spawn_app_with(engine, |c| {
        c.header_timeout_secs = 1;
        c.keep_alive_secs = 60;
    })
    .await;
    let l = linked(&app, "Half Open Blog", "https://half-open.example/").await;
    // 300 connections from 30 addresses, each sending half a request's headers.
    let mut half_open = Vec::new();
    for i in 0..300u32 {
        let from = [127, 0, 1, 1 + (i % 30) as u8];
        let mut tcp = connect_from(from, app.addr).await;
        tcp.write_all(b"GET /api/channels HTTP/1.1\r\nHost: test\r\nX-Slow: ")
            .await
            .unwrap();
        half_open.push(tcp);
    }
    // Meanwhile the redirect answers at once.
    let visitor = client_from([127, 0, 0, 1]);
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let r = visitor
            .get(format!("{}/t/{}", app.base(), l.code))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FOUND);
        slowest = slowest.max(started.elapsed());
    }
    assert!(
        slowest < Duration::from_millis(500),
        "the redirect took {slowest:?} beside 300 half-open connections"
    );
    // Every half-open connection is closed by the server once its second is up (all
    // watched at once, within one deadline).
    let watches: Vec<_> = half_open
        .into_iter()
        .map(|mut tcp| {
            tokio::spawn(async move { closed_by_server(&mut tcp, Duration::from_secs(5)).await })
        })
        .collect();
    let mut closed = 0;
    for watch in watches {
        if watch.await.unwrap() {
            closed += 1;
        }
    }
    assert_eq!(closed, 300, "half-open connections the server closed");
}

async fn an_idle_kept_alive_connection_is_closed_after_the_keep_alive_limit(engine: Engine) {
    let app = spawn_app_with(engine, |c| {
        c.keep_alive_secs = 1;
        c.header_timeout_secs = 60;
    })
    .await;
    let mut tcp = connect_from([127, 0, 0, 1], app.addr).await;
    // Requests in a row on one connection are served...
    for _ in 0..3 {
        assert_eq!(raw_get(&mut tcp, "/api/channels").await, Some(200));
    }
    // ...and once it has been idle for the limit, the server closes it.
    let started = Instant::now();
    assert!(closed_by_server(&mut tcp, Duration::from_secs(5)).await);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed after {:?}",
        started.elapsed()
    );
}

async fn past_the_per_address_cap_only_that_address_is_refused_and_open_connections_keep_working(
    engine: Engine,
) {
    let app = spawn_app_with(engine, |c| c.max_connections_per_address = 4).await;
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(connect_from([127, 0, 0, 1], app.addr).await);
    }
    // The fifth from the same address: refused at once, with a 503 when the client
    // gets to read it (or a closed connection).
    let started = Instant::now();
    let mut fifth = connect_from([127, 0, 0, 1], app.addr).await;
    let status = raw_get(&mut fifth, "/api/channels").await;
    assert!(
        matches!(status, None | Some(503)),
        "the fifth connection got {status:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "refused fast");
    let refused = client_from([127, 0, 0, 1])
        .get(format!("{}/api/channels", app.base()))
        .send()
        .await;
    if let Ok(r) = refused {
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.headers().get("retry-after").is_some());
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_connections");
    }
    // Another address is served.
    let r = client_from([127, 0, 0, 2])
        .get(format!("{}/api/channels", app.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The open ones keep working.
    for tcp in &mut open {
        assert_eq!(raw_get(tcp, "/api/channels").await, Some(200));
    }
    // One closed: the address may open another.
    drop(open.pop());
    let mut again = None;
    for _ in 0..50 {
        let mut tcp = connect_from([127, 0, 0, 1], app.addr).await;
        if raw_get(&mut tcp, "/api/channels").await == Some(200) {
            again = Some(tcp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        again.is_some(),
        "a place freed by a closed connection is taken again"
    );
}

async fn past_the_instance_cap_new_connections_are_refused_until_one_closes(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.max_connections = 3).await;
    let mut open = Vec::new();
    for i in 0..3 {
        open.push(connect_from([127, 0, 0, 11 + i], app.addr).await);
    }
    let mut fourth = connect_from([127, 0, 0, 20], app.addr).await;
    assert!(matches!(
        raw_get(&mut fourth, "/api/channels").await,
        None | Some(503)
    ));
    for tcp in &mut open {
        assert_eq!(raw_get(tcp, "/api/channels").await, Some(200));
    }
    drop(open.pop());
    let mut served = false;
    for _ in 0..50 {
        let mut tcp = connect_from([127, 0, 0, 20], app.addr).await;
        if raw_get(&mut tcp, "/api/channels").await == Some(200) {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served);
}

async fn a_body_trickled_past_its_deadline_is_cut_off_with_408(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.body_timeout_secs = 1).await;
    let body = br#"{"email":"slow@example.com","password":"a slow password"}"#;
    let mut tcp = connect_from([127, 0, 0, 1], app.addr).await;
    let head = format!(
        "POST /api/session HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    // A byte every 200 ms: the body would take 11 s.
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    for byte in body.iter() {
        if tcp.write_all(&[*byte]).await.is_err() {
            break;
        }
        match tokio::time::timeout(Duration::from_millis(200), tcp.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                answer.extend_from_slice(&buf[..n]);
                break;
            }
            Ok(_) => break,
            Err(_) => {}
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(n) = tcp.read(&mut buf).await {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "answer after {:?}: {answer}",
        started.elapsed()
    );
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

/// Holds the database so that a write waits: SQLite's write lock, or on PostgreSQL an
/// exclusive lock on the sources table. Returns the connection holding it.
async fn hold_sources_table(
    app: &TestApp,
    engine: Engine,
) -> sqlx::pool::PoolConnection<sqlx::Any> {
    use sqlx::Executor;
    let mut conn = app.db.pool.acquire().await.unwrap();
    match engine {
        Engine::Sqlite => conn.execute("BEGIN IMMEDIATE").await.unwrap(),
        Engine::Postgres => {
            conn.execute("BEGIN").await.unwrap();
            conn.execute("LOCK TABLE traffic_sources IN ACCESS EXCLUSIVE MODE")
                .await
                .unwrap()
        }
    };
    conn
}

async fn a_call_past_the_request_timeout_is_answered_503_but_the_live_stream_is_exempt(
    engine: Engine,
) {
    let app = spawn_app_with(engine, |c| {
        c.request_timeout_secs = 1;
        c.events_heartbeat_secs = 1;
    })
    .await;
    let partner = app.partner().await;
    let mut stream = partner
        .client
        .get(format!("{}/api/events", app.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);

    let held = hold_sources_table(&app, engine).await;
    let started = Instant::now();
    let r = partner
        .client
        .post(format!("{}/api/traffic-sources", app.base()))
        .json(&crate::support::source_body(
            "Waiting Blog",
            "https://waiting.example/",
        ))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("answered within 10 s");
    let waited = started.elapsed();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().get("retry-after").is_some());
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "timed_out");
    assert!(waited < Duration::from_secs(5), "answered after {waited:?}");
    let mut held = held;
    sqlx::Executor::execute(&mut *held, "ROLLBACK")
        .await
        .unwrap();
    drop(held);

    // The stream opened before is still alive well past the request timeout: it keeps
    // bringing heartbeats.
    let deadline = Instant::now() + Duration::from_millis(2500);
    let mut heard_after_timeout = false;
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(3), stream.chunk()).await {
            Ok(Ok(Some(_))) => {
                if started.elapsed() > Duration::from_millis(1500) {
                    heard_after_timeout = true;
                }
            }
            other => panic!("the live stream ended: {other:?}"),
        }
    }
    assert!(heard_after_timeout);
}

async fn the_redirect_answers_while_api_calls_hold_every_pooled_connection(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.db_max_connections = 2).await;
    let l = linked(&app, "Pool Blog", "https://pool.example/").await;
    let visitor = client_from([127, 0, 0, 1]);
    // A first click, so the redirect's own connections are open.
    let r = visitor
        .get(format!("{}/t/{}", app.base(), l.code))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let held = [
        app.db.pool.acquire().await.unwrap(),
        app.db.pool.acquire().await.unwrap(),
    ];
    for _ in 0..5 {
        let started = Instant::now();
        let r = visitor
            .get(format!("{}/t/{}", app.base(), l.code))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FOUND);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the redirect waited {:?} for a connection",
            started.elapsed()
        );
    }
    drop(held);
}
