//! Stalled CSV downloads, with real sockets whose clients stop reading: they hold no
//! pooled database connection (the list and session calls stay fast beside a dozen of
//! them), one account runs one export at a time, and a download whose client stopped
//! reading is closed after the send timeout, freeing its place.

use std::time::{Duration, Instant};

use model::Role;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::both_engines;
use crate::support::{random_hex, spawn_app_with, Engine, TestApp};

both_engines!(
    stalled_downloads_hold_no_database_connection_and_the_api_stays_fast,
    a_download_whose_client_stopped_reading_is_closed_and_its_place_freed,
);

/// `n` sources of `partner_id`, each 3 KB in a staff export (long notes), written
/// straight into the table: 4,000 make 12 MB, more than the socket buffers and the
/// server's own buffers hold, so a download its client does not read really stalls.
async fn many_sources(app: &TestApp, partner_id: i64, n: i64) {
    sqlx::query(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $2)
         INSERT INTO traffic_sources (partner_id, name, name_key, url, url_key, channels, status, visibility, block_reason, block_note, version, created_at, updated_at)
         SELECT $1, 'Source ' || i, 'source ' || i, 'https://s' || i || '.example/', 'https://s' || i || '.example/',
                1, 'active', 'public', $3, $3, 1, i, i FROM seq",
    )
    .bind(partner_id)
    .bind(n)
    .bind("p".repeat(1500))
    .execute(&app.db.pool)
    .await
    .unwrap();
}

/// A staff account with a session, made the operator's way; its session cookie.
async fn staff_cookie(app: &TestApp) -> String {
    let email = format!("staff-{}@example.com", random_hex());
    let account = server::db::accounts::create(&app.db, &email, "x", Role::Staff, "Staff")
        .await
        .unwrap()
        .unwrap();
    let token = server::db::sessions::create(&app.db, account.id)
        .await
        .unwrap();
    format!("ts_session={token}")
}

/// Starts a download of every source and stops reading once its headers are in: the
/// socket's receive buffer is tiny, so the server soon has nowhere to write.
async fn stalled_download(app: &TestApp, cookie: &str) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut tcp = socket.connect(app.addr).await.unwrap();
    let request = format!(
        "GET /api/traffic-sources/export.csv HTTP/1.1\r\nHost: test\r\nCookie: {cookie}\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(tcp.read(&mut byte).await.unwrap(), 1, "headers arrive");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    tcp
}

async fn stalled_downloads_hold_no_database_connection_and_the_api_stays_fast(engine: Engine) {
    let app = spawn_app_with(engine, |c| {
        c.db_max_connections = 4;
        c.max_exports = 16;
    })
    .await;
    let partner = app.partner().await;
    many_sources(&app, partner.id(), 4000).await;
    let mut stalled = Vec::new();
    for _ in 0..12 {
        let cookie = staff_cookie(&app).await;
        stalled.push(stalled_download(&app, &cookie).await);
    }
    // Twelve downloads wait on their clients; the pool has four connections.
    for _ in 0..5 {
        for path in ["/api/traffic-sources?limit=5", "/api/session"] {
            let started = Instant::now();
            let r = partner
                .client
                .get(format!("{}{path}", app.base()))
                .timeout(Duration::from_secs(15))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{path} took {:?} beside 12 stalled downloads",
                started.elapsed()
            );
        }
    }
    drop(stalled);
}

async fn a_download_whose_client_stopped_reading_is_closed_and_its_place_freed(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.send_timeout_secs = 1).await;
    let partner = app.partner().await;
    many_sources(&app, partner.id(), 4000).await;
    let cookie = staff_cookie(&app).await;
    let mut stalled = stalled_download(&app, &cookie).await;
    let client = reqwest::Client::new();
    let export = || {
        client
            .get(format!("{}/api/traffic-sources/export.csv", app.base()))
            .header("cookie", &cookie)
            .send()
    };
    // One at a time per account, said in words.
    let r = export().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "An export of yours is still downloading. Wait for it to finish, then try again."
    );
    // The server gives up on the stalled client after the send timeout: its place frees.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = export().await.unwrap();
        if r.status() == StatusCode::OK {
            let csv = r.text().await.unwrap();
            assert_eq!(
                csv.lines().count(),
                4001,
                "the whole export, header row first"
            );
            break;
        }
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            Instant::now() < deadline,
            "the stalled download was never let go"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The stalled connection was closed before its body was complete.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stalled.read_to_end(&mut rest)).await;
    assert!(
        !rest.ends_with(b"0\r\n\r\n"),
        "the stalled download must not have been completed"
    );
}
