//! What operators see: `/healthz` and `/readyz` (503 with its reasons when the outbox
//! piles up or the journal's folder takes no write, and back), Prometheus metrics on
//! `--metrics-bind` only, and JSON request lines whose id the answer carries.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use server::email::worker::pass;
use sqlx::{Connection, Row};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::admin::block;
use crate::both_engines;
use crate::support::{spawn_app_with, Engine, TempDir, TestApp};

both_engines!(
    readyz_turns_503_past_the_outbox_bound_and_back_once_it_is_sent,
    readyz_turns_503_while_the_journal_folder_takes_no_write_and_back,
    readyz_turns_503_while_clicks_wait_past_the_drain_lag_bound_and_back,
);

async fn probe(app: &TestApp, path: &str) -> (StatusCode, Value) {
    // A bare client: no session, no cookie.
    let r = Client::new()
        .get(format!("http://{}{path}", app.addr))
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(
        r.headers()["cache-control"],
        "no-store",
        "{path}: never cached"
    );
    (status, r.json().await.unwrap())
}

fn reasons(body: &Value) -> Vec<String> {
    body["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["check"].as_str().unwrap().to_string())
        .collect()
}

async fn readyz_turns_503_past_the_outbox_bound_and_back_once_it_is_sent(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.ready_outbox_backlog = 1).await;
    let (status, alive) = probe(&app, "/healthz").await;
    assert_eq!(
        (status, alive),
        (StatusCode::OK, json!({"status": "alive"}))
    );
    let (status, ready) = probe(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["outbox_backlog"], 0);
    // Both are in the OpenAPI document, with every status they answer.
    let doc: Value = app
        .anonymous()
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let statuses = |path: &str| -> Vec<String> {
        let mut s: Vec<String> = doc["paths"][path]["get"]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{path} documented"))
            .keys()
            .cloned()
            .collect();
        s.sort();
        s
    };
    assert_eq!(statuses("/healthz"), ["200"]);
    assert_eq!(statuses("/readyz"), ["200", "503"]);
    assert!(doc["components"]["schemas"]["Readiness"].is_object());

    // Two emails wait: over the bound of one.
    let partner = app.partner().await;
    let staff = app.staff().await;
    for i in 0..2 {
        let source = partner
            .create_source(&format!("Probe {i}"), &format!("https://probe{i}.example/"))
            .await;
        block(&staff, source["id"].as_i64().unwrap(), "Fake traffic", None).await;
    }
    let (status, ready) = probe(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(ready["ready"], false);
    assert_eq!(reasons(&ready), ["outbox_backlog"]);
    assert_eq!(ready["outbox_backlog"], 2);
    assert!(ready["reasons"][0]["message"]
        .as_str()
        .unwrap()
        .contains("2 emails"));
    // Alive all the same: the process is fine, it is behind.
    assert_eq!(probe(&app, "/healthz").await.0, StatusCode::OK);

    // Sent (the `.eml` folder here): ready again.
    let done = pass(&app.db, &app.state.mailer, app.state.config.email_policy())
        .await
        .unwrap();
    assert_eq!(done.sent, 2);
    let (status, ready) = probe(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["outbox_backlog"], 0);
    let _ = std::fs::remove_dir_all(&app.state.config.email_dir);
}

async fn readyz_turns_503_while_the_journal_folder_takes_no_write_and_back(engine: Engine) {
    let app = spawn_app_with(engine, |_| {}).await;
    assert_eq!(probe(&app, "/readyz").await.0, StatusCode::OK);
    // The folder swapped for a plain file: no write can go there (root ignores a
    // read-only mode, so the test cannot use chmod).
    let dir = app.state.config.journal_dir();
    let away = dir.with_extension("away");
    std::fs::rename(&dir, &away).unwrap();
    std::fs::write(&dir, b"not a folder").unwrap();
    let (status, ready) = probe(&app, "/readyz").await;
    std::fs::remove_file(&dir).unwrap();
    std::fs::rename(&away, &dir).unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(reasons(&ready), ["journal"]);

    let (status, ready) = probe(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
}

async fn readyz_turns_503_while_clicks_wait_past_the_drain_lag_bound_and_back(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.ready_drain_lag_ms = 50).await;
    let partner = app.partner().await;
    let source = partner
        .create_source("Lagging", "https://lagging.example/")
        .await;
    let advertiser = app.advertiser().await;
    let program = crate::marketplace::program(&advertiser, "Spring", "https://shop.example/").await;
    let link = crate::marketplace::collaborate(&advertiser, &program, &source).await;
    let r = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!(
            "http://{}/t/{}",
            app.addr,
            link["tracking_code"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);

    // The database refuses the clicks (their table gone): the drain fails and they wait.
    let rename = |from: &str, to: &str| format!("ALTER TABLE {from} RENAME TO {to}");
    sqlx::query(&rename("click_events", "click_events_away"))
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(app.state.clicks.drain(&app.db).await.is_err());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let ready = loop {
        let (status, ready) = probe(&app, "/readyz").await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break ready;
        }
        assert!(tokio::time::Instant::now() < deadline, "{ready}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(reasons(&ready), ["drain_lag"], "{ready}");
    assert!(ready["drain_lag_ms"].as_i64().unwrap() > 50, "{ready}");
    assert_eq!(ready["journal_backlog"], 1);

    // The database takes them again: drained, and ready.
    sqlx::query(&rename("click_events_away", "click_events"))
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(app.state.clicks.drain(&app.db).await.unwrap(), 1);
    let (status, ready) = probe(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(
        (
            ready["drain_lag_ms"].as_i64(),
            ready["journal_backlog"].as_i64()
        ),
        (Some(0), Some(0))
    );
}

/// The real binary, its standard output kept line by line.
struct Process {
    _child: Child,
    base: String,
    metrics: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Process {
    async fn start(dir: &Path, flags: &[&str]) -> Process {
        let static_dir = dir.join("web");
        std::fs::create_dir_all(&static_dir).unwrap();
        // A built web app, which answers every unknown path with its page.
        std::fs::write(static_dir.join("index.html"), "<!doctype html><p>app</p>").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_traffic-sources-server"))
            .args(["--port", "0", "--database-url"])
            .arg(format!("sqlite://{}/ops.db", dir.display()))
            .arg("--static-dir")
            .arg(&static_dir)
            .arg("--click-journal-dir")
            .arg(dir.join("journal"))
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("server binary starts");
        let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (mut base, mut metrics) = (None, None);
        tokio::time::timeout(Duration::from_secs(60), async {
            while base.is_none() {
                let line = out.next_line().await.unwrap().expect("still running");
                if let Some(a) = line.strip_prefix("Metrics on ") {
                    metrics = Some(a.to_string());
                }
                if let Some(a) = line.strip_prefix("Listening on ") {
                    base = Some(a.to_string());
                }
            }
        })
        .await
        .expect("the server listens within a minute");
        let kept = lines.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = out.next_line().await {
                kept.lock().unwrap().push(line);
            }
        });
        Process {
            _child: child,
            base: base.unwrap(),
            metrics: metrics.expect("--metrics-bind prints its address"),
            lines,
        }
    }

    /// The JSON line with this request id, waiting for it up to a few seconds.
    async fn request_line(&self, id: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let found = self.lines.lock().unwrap().iter().find_map(|l| {
                let v: Value = serde_json::from_str(l).ok()?;
                (v["request_id"] == id).then_some(v)
            });
            if let Some(v) = found {
                return v;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no line for request {id}: {:?}",
                self.lines.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_on_their_own_address_only_and_request_lines_are_json_with_the_id() {
    let dir = TempDir::new();
    let server = Process::start(
        &dir.0,
        &[
            "--metrics-bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--log-level",
            "info",
            "--rate-sign-in-per-min",
            "1",
            "--seed-demo",
            "--click-drain-ms",
            "200",
        ],
    )
    .await;
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str| client.get(format!("{}{path}", server.base)).send();

    let r = get("/api/channels").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(id.len() >= 16, "a generated id: {id}");
    assert_eq!(
        get("/t/zzzzzzzzzz").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // A demo link whose source is active: a click journaled, then drained.
    let db = server::Db::connect(&format!("sqlite://{}/ops.db", dir.0.display()), 1)
        .await
        .unwrap();
    let code: String = sqlx::query(
        "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
         WHERE s.status = 'active' ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(
        get(&format!("/t/{code}")).await.unwrap().status(),
        StatusCode::FOUND
    );
    // One sign-in a minute: the second is a 429.
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let r = client
            .post(format!("{}/api/session", server.base))
            .json(&json!({"email": "nobody@example.com", "password": "wrong password"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(statuses[1], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
    // The public port never shows the metrics, even with a web app to fall back to.
    let r = get("/metrics").await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!r.text().await.unwrap().contains("http_requests_total"));
    // An id the caller (or its proxy) sent is kept.
    let r = client
        .get(format!("{}/healthz", server.base))
        .header("x-request-id", "caller-chosen-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "caller-chosen-42");

    // The request's line: JSON, with its route, status, latency and id.
    let line = server.request_line(&id).await;
    assert_eq!(line["route"], "/api/channels", "{line}");
    assert_eq!(line["status"], 200, "{line}");
    assert_eq!(line["method"], "GET", "{line}");
    assert!(line["latency_ms"].as_f64().unwrap() >= 0.0, "{line}");
    let line = server.request_line("caller-chosen-42").await;
    assert_eq!(line["route"], "/healthz", "{line}");

    let scrape = || async {
        client
            .get(&server.metrics)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    // The drain runs every 200 ms: wait for it to count the click.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut text = scrape().await;
    while !text.contains("clicks_drained_total 1\n") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the click is drained:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        text = scrape().await;
    }
    for family in [
        r#"http_requests_total{route="/api/channels",status="200"}"#,
        r#"http_requests_total{route="/api/session",status="429"}"#,
        r#"http_request_duration_seconds_bucket{route="/api/channels""#,
        r#"redirects_total{outcome="unknown"} 1"#,
        r#"redirects_total{outcome="redirected"} 1"#,
        r#"http_requests_total{route="/t/{code}",status="302"} 1"#,
        "clicks_journaled_total 1\n",
        r#"rate_limited_total{route="/api/session"} 1"#,
        "clicks_journaled_total",
        "clicks_lost_total",
        "journal_backlog_clicks",
        "drain_lag_seconds",
        "outbox_backlog_emails 0",
        "outbox_sent_total",
        "outbox_failed_total",
        "live_streams_open 0",
        "db_pool_connections_in_use",
        "db_pool_connections_idle",
        "db_pool_connections_waiting 0\n",
    ] {
        assert!(text.contains(family), "{family} in:\n{text}");
    }
    // Codes never become labels: the route is the template.
    assert!(!text.contains("zzzzzzzzzz"), "{text}");
}

/// A gauge's value in a scrape.
fn gauge(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_the_calls_waiting_for_a_pool_connection() {
    let dir = TempDir::new();
    // One pooled connection, waited for up to 20 s.
    let server = Process::start(
        &dir.0,
        &[
            "--metrics-bind",
            "127.0.0.1:0",
            "--log-level",
            "warn",
            "--seed-demo",
            "--db-max-connections",
            "1",
            "--db-acquire-timeout-ms",
            "20000",
        ],
    )
    .await;
    let scrape = || async {
        reqwest::get(&server.metrics)
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let wait_for = |want: fn(f64) -> bool, what: &'static str| async move {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = scrape().await;
            if want(gauge(&text, "db_pool_connections_waiting")) {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "{what}:\n{text}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    wait_for(|n| n == 0.0, "nobody waits at first").await;
    let partner = Client::builder().cookie_store(true).build().unwrap();
    let r = partner
        .post(format!("{}/api/session", server.base))
        .json(&json!({"email": "partner@demo.test", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Another process holds SQLite's write lock: the server's write waits for it (its
    // busy timeout) on the only connection, and the next call waits for that connection.
    let mut locker =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}/ops.db", dir.0.display()))
            .await
            .unwrap();
    sqlx::Executor::execute(&mut locker, "BEGIN IMMEDIATE")
        .await
        .unwrap();
    let write = tokio::spawn({
        let (partner, base) = (partner.clone(), server.base.clone());
        async move {
            partner
                .post(format!("{base}/api/traffic-sources"))
                .json(
                    &json!({"name": "Waiting blog", "url": "https://waiting.example/",
                    "channels": ["content"], "status": "active", "visibility": "public"}),
                )
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let read = tokio::spawn({
        let (partner, base) = (partner.clone(), server.base.clone());
        async move {
            partner
                .get(format!("{base}/api/traffic-sources"))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    wait_for(|n| n >= 1.0, "a call waits for the connection").await;

    // The lock gone, both calls are answered and nobody waits any more.
    sqlx::Executor::execute(&mut locker, "ROLLBACK")
        .await
        .unwrap();
    assert_eq!(write.await.unwrap(), StatusCode::CREATED);
    assert_eq!(read.await.unwrap(), StatusCode::OK);
    wait_for(|n| n == 0.0, "nobody waits once the lock is gone").await;
}
