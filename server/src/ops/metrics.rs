//! Prometheus metrics (`metrics` facade, `metrics-exporter-prometheus` text format), served
//! only on `--metrics-bind`, never on the public port: counters are bumped where things
//! happen; gauges (backlogs, lag, pool, streams) are read at each scrape, so idle
//! instances do no work for them.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;

pub const REQUESTS: &str = "http_requests_total";
pub const REQUEST_SECONDS: &str = "http_request_duration_seconds";
pub const REDIRECTS: &str = "redirects_total";
pub const RATE_LIMITED: &str = "rate_limited_total";
pub const CLICKS_JOURNALED: &str = "clicks_journaled_total";
pub const CLICKS_DRAINED: &str = "clicks_drained_total";
pub const CLICKS_LOST: &str = "clicks_lost_total";
pub const JOURNAL_BACKLOG: &str = "journal_backlog_clicks";
pub const DRAIN_LAG: &str = "drain_lag_seconds";
pub const OUTBOX_BACKLOG: &str = "outbox_backlog_emails";
pub const OUTBOX_SENT: &str = "outbox_sent_total";
pub const OUTBOX_FAILED: &str = "outbox_failed_total";
pub const LIVE_STREAMS: &str = "live_streams_open";
pub const POOL_IN_USE: &str = "db_pool_connections_in_use";
pub const POOL_IDLE: &str = "db_pool_connections_idle";
pub const POOL_WAITING: &str = "db_pool_connections_waiting";

/// The process's recorder, installed once (tests run many apps in one process; they
/// share it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full(REQUEST_SECONDS.to_string()),
                &[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0,
                ],
            )
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed");
        describe();
        handle
    })
}

fn describe() {
    describe_counter!(
        REQUESTS,
        "Answers by route (matched path template) and status"
    );
    describe_histogram!(
        REQUEST_SECONDS,
        metrics::Unit::Seconds,
        "Time to answer, by route"
    );
    describe_counter!(
        REDIRECTS,
        "Tracking redirects by outcome: redirected, gone, unknown, unavailable"
    );
    describe_counter!(RATE_LIMITED, "429 answers, by route");
    describe_counter!(CLICKS_JOURNALED, "Clicks appended to the click journal");
    describe_counter!(
        CLICKS_DRAINED,
        "Clicks newly written to the database by the drain"
    );
    describe_counter!(
        CLICKS_LOST,
        "Answered clicks that neither the journal nor the database could keep"
    );
    describe_gauge!(
        JOURNAL_BACKLOG,
        "Clicks recorded and not yet in the database"
    );
    describe_gauge!(
        DRAIN_LAG,
        metrics::Unit::Seconds,
        "Age of the oldest click waiting for the database"
    );
    describe_gauge!(OUTBOX_BACKLOG, "Emails waiting in the outbox");
    describe_counter!(OUTBOX_SENT, "Emails sent by this instance");
    describe_counter!(OUTBOX_FAILED, "Emails marked failed by this instance");
    describe_gauge!(LIVE_STREAMS, "Open live event streams on this instance");
    describe_gauge!(POOL_IN_USE, "Database pool connections lent out");
    describe_gauge!(POOL_IDLE, "Database pool connections open and idle");
    describe_gauge!(
        POOL_WAITING,
        "Calls waiting for a database pool connection (every one lent out)"
    );
    // Counters that may stay at zero for a long time are shown from the start.
    for name in [
        RATE_LIMITED,
        CLICKS_JOURNALED,
        CLICKS_DRAINED,
        CLICKS_LOST,
        OUTBOX_SENT,
        OUTBOX_FAILED,
    ] {
        counter!(name).absolute(0);
    }
}

/// One answer: by route and status, its latency, and what it means for the redirect and
/// the rate limits.
pub fn record_request(route: &str, status: u16, elapsed: Duration) {
    let route = route.to_string();
    counter!(REQUESTS, "route" => route.clone(), "status" => status.to_string()).increment(1);
    histogram!(REQUEST_SECONDS, "route" => route.clone()).record(elapsed.as_secs_f64());
    if status == 429 {
        counter!(RATE_LIMITED, "route" => route.clone()).increment(1);
    }
    if route == "/t/{code}" {
        let outcome = match status {
            302 => "redirected",
            410 => "gone",
            404 => "unknown",
            _ => "unavailable",
        };
        counter!(REDIRECTS, "outcome" => outcome).increment(1);
    }
}

/// Reads the gauges now.
async fn refresh(state: &AppState) {
    let pool = &state.db.pool;
    let idle = pool.num_idle();
    gauge!(POOL_IDLE).set(idle as f64);
    gauge!(POOL_IN_USE).set(pool.size().saturating_sub(idle as u32) as f64);
    gauge!(POOL_WAITING).set(pool.waiting() as f64);
    gauge!(JOURNAL_BACKLOG).set(state.clicks.pending() as f64);
    gauge!(DRAIN_LAG).set(super::health::drain_lag_ms(state) as f64 / 1000.0);
    gauge!(LIVE_STREAMS).set(state.live.open_streams() as f64);
    // A scrape never waits long on a busy database: the last value stays.
    if let Ok(Ok(n)) = tokio::time::timeout(
        Duration::from_secs(2),
        crate::db::outbox::backlog(&state.db),
    )
    .await
    {
        gauge!(OUTBOX_BACKLOG).set(n as f64);
    }
}

async fn scrape(State(state): State<AppState>) -> impl IntoResponse {
    refresh(&state).await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle().render(),
    )
}

/// Serves `GET /metrics` on `addr` for as long as the process runs; answers the bound
/// address (port 0 picks one).
pub async fn serve(addr: SocketAddr, state: AppState) -> std::io::Result<SocketAddr> {
    handle();
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = Router::new()
        .route("/metrics", get(scrape))
        .with_state(state);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    Ok(bound)
}
