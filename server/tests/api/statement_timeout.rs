//! PostgreSQL runs every statement under `--db-statement-timeout-ms`: a call stuck behind a
//! lock someone else holds is answered 503 with `Retry-After` soon after the limit, its
//! connection given back, instead of waiting as long as the lock is held. And when every
//! pooled connection is busy, a call waits `--db-acquire-timeout-ms` at most, then 503.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sqlx::{Connection, Executor};

use crate::support::{serve, spawn_app, spawn_app_with, Engine, User};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_stuck_behind_a_lock_is_answered_503_after_the_statement_timeout() {
    let app = spawn_app_with(Engine::Postgres, |c| c.db_statement_timeout_ms = 500).await;
    let partner = app.partner().await;
    partner.create_source("Blog", "https://blog.example/").await;

    // Another client (an operator's session, a long report) holds the table.
    let mut locker = sqlx::PgConnection::connect(&app.url).await.unwrap();
    locker.execute("BEGIN").await.unwrap();
    locker
        .execute("LOCK TABLE traffic_sources IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();

    let started = Instant::now();
    let response = partner.get("/api/traffic-sources").await;
    let took = started.elapsed();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "busy", "{body}");
    assert!(
        took < Duration::from_secs(3),
        "answered after {took:?}, not soon after the 500 ms statement timeout"
    );

    // The lock gone, the same call answers as before: nothing was left stuck.
    locker.execute("ROLLBACK").await.unwrap();
    let response = partner.get("/api/traffic-sources").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_without_the_statement_timeout_and_the_pool_keeps_it() {
    let app = spawn_app_with(Engine::Postgres, |c| c.db_statement_timeout_ms = 250).await;
    let row: (String,) = sqlx::query_as("SHOW statement_timeout")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(row.0, "250ms");
    let err = sqlx::query("SELECT pg_sleep(2)")
        .execute(&app.db.pool)
        .await
        .unwrap_err();
    assert!(
        server::db::unavailable(&err).is_some(),
        "a cancelled statement is a passing state: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_answers_503_json_within_about_a_second() {
    let app = spawn_app(Engine::Postgres).await;
    let partner = app.partner().await;
    partner.create_source("Blog", "https://blog.example/").await;
    // An instance on the same database as the binary runs it: a pool of 2, a connection
    // waited for 1 s at most.
    let mut config = server::Config::for_tests(&app.url);
    config.db_max_connections = 2;
    config.db_acquire_timeout_ms = 1000;
    let db = server::Db::connect_with(
        &app.url,
        2,
        Duration::from_millis(config.db_acquire_timeout_ms),
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    let addr = serve(server::AppState::new(db, config).unwrap()).await;
    // The same browser (its cookie) on that instance.
    let there = User {
        client: partner.client.clone(),
        base: format!("http://{addr}"),
        account: partner.account.clone(),
    };

    // Two list calls stuck behind a lock hold both connections.
    let mut locker = sqlx::PgConnection::connect(&app.url).await.unwrap();
    locker.execute("BEGIN").await.unwrap();
    locker
        .execute("LOCK TABLE traffic_sources IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let stuck: Vec<_> = (0..2)
        .map(|_| {
            let there = there.clone();
            tokio::spawn(async move { there.get("/api/traffic-sources").await.status() })
        })
        .collect();
    // Both are waiting on the lock once PostgreSQL shows them so.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        if waiting.0 >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the two calls never waited on the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Any other call finds no connection: 503 JSON with Retry-After, soon.
    let started = Instant::now();
    let response = there.get("/api/session").await;
    let took = started.elapsed();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "busy", "{body}");
    assert!(
        took < Duration::from_millis(2500),
        "answered after {took:?}, not about a second"
    );

    // The lock gone, the stuck calls finish and the instance answers as before.
    locker.execute("ROLLBACK").await.unwrap();
    for call in stuck {
        assert_eq!(call.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(there.get("/api/session").await.status(), StatusCode::OK);
}
