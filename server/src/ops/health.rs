//! `GET /healthz` (the process answers) and `GET /readyz` (this instance can do its work:
//! the database answers, the click journal's folder takes a write, the drain keeps up and
//! the email outbox is not piling up). Both are cheap and need no session, so a load
//! balancer or an orchestrator may call them every few seconds.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// How long a check may take before it counts as failed: a readiness probe must answer
/// even when the database does not.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`'s answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alive {
    /// Always `alive`.
    pub status: String,
}

/// A failed readiness check.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotReady {
    /// `database`, `journal`, `drain_lag` or `outbox_backlog`.
    pub check: String,
    pub message: String,
}

/// `GET /readyz`'s answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub ready: bool,
    /// Every failed check; empty when ready.
    pub reasons: Vec<NotReady>,
    /// Clicks recorded and not yet in the database.
    pub journal_backlog: usize,
    /// Age of the oldest click waiting for the database, in milliseconds (0: none waits).
    pub drain_lag_ms: i64,
    /// Emails waiting in the outbox; absent when the database did not answer.
    pub outbox_backlog: Option<i64>,
}

/// The process is up and answering.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Alive)))]
pub async fn healthz() -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(Alive {
            status: "alive".into(),
        }),
    )
        .into_response()
}

/// Whether this instance should get traffic.
///
/// 200 when the database answers, the click journal's folder takes a write, the drain's
/// lag is under `--ready-drain-lag-ms` and the outbox's backlog is at most
/// `--ready-outbox-backlog`; 503 with the failed checks otherwise.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "Not ready: `reasons` tells why", body = Readiness)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let readiness = check(&state).await;
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(readiness),
    )
        .into_response()
}

/// Age of the oldest click waiting for the database, in milliseconds.
pub fn drain_lag_ms(state: &AppState) -> i64 {
    state
        .clicks
        .oldest_waiting_ms()
        .map_or(0, |at| (crate::time::now_ms() - at).max(0))
}

pub async fn check(state: &AppState) -> Readiness {
    let mut reasons = Vec::new();
    let mut fail = |check: &str, message: String| {
        reasons.push(NotReady {
            check: check.into(),
            message,
        })
    };
    let database = tokio::time::timeout(
        CHECK_TIMEOUT,
        sqlx::query("SELECT 1").execute(&state.db.pool),
    )
    .await;
    match database {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => fail("database", format!("the database did not answer: {e}")),
        Err(_) => fail(
            "database",
            format!("the database did not answer within {CHECK_TIMEOUT:?}"),
        ),
    }
    if let Err(e) = journal_writable(&state.config.journal_dir()).await {
        fail(
            "journal",
            format!("the click journal's folder takes no write: {e}"),
        );
    }
    let drain_lag_ms = drain_lag_ms(state);
    if drain_lag_ms > state.config.ready_drain_lag_ms {
        fail(
            "drain_lag",
            format!(
                "the oldest click waiting for the database is {drain_lag_ms} ms old (bound {} ms)",
                state.config.ready_drain_lag_ms
            ),
        );
    }
    let outbox_backlog =
        match tokio::time::timeout(CHECK_TIMEOUT, crate::db::outbox::backlog(&state.db)).await {
            Ok(Ok(n)) => Some(n),
            // The database check above already tells.
            _ => None,
        };
    if let Some(n) = outbox_backlog.filter(|&n| n > state.config.ready_outbox_backlog) {
        fail(
            "outbox_backlog",
            format!(
                "{n} emails wait in the outbox (bound {})",
                state.config.ready_outbox_backlog
            ),
        );
    }
    Readiness {
        ready: reasons.is_empty(),
        reasons,
        journal_backlog: state.clicks.pending(),
        drain_lag_ms,
        outbox_backlog,
    }
}

/// Writes and deletes a one-byte file beside the journal's segments: a full or read-only
/// disk refuses it.
async fn journal_writable(dir: &std::path::Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".readyz-{:016x}", rand::random::<u64>()));
    let written = tokio::fs::write(&probe, b"r").await;
    let _ = tokio::fs::remove_file(&probe).await;
    written
}
