//! PostgreSQL runs every statement under `--db-statement-timeout-ms`: a call stuck behind a
//! lock someone else holds is answered 503 with `Retry-After` soon after the limit, its
//! connection given back, instead of waiting as long as the lock is held.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sqlx::{Connection, Executor};

use crate::support::{spawn_app_with, Engine};

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
