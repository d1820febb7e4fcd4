//! Webhook endpoints as their owners manage them: register, list, delete, rotate the
//! secret, turn on again, and read the last attempts. Every query names the owner, so
//! another account's endpoint is "not found". The outbox and its worker's queries are in
//! [`outbox`].

pub mod outbox;

use model::webhook::{
    ValidWebhook, WebhookDelivery, WebhookEndpoint, WebhookEventType, DELIVERIES_KEPT,
    MAX_ENDPOINTS_PER_ACCOUNT,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Backend, Db};
use crate::time::{now_ms, rfc3339};

/// How long the old secret is still signed with after a rotation.
pub const ROTATION_GRACE_MS: i64 = 24 * 3600 * 1000;

const ENDPOINT_COLUMNS: &str =
    "e.id, e.url, e.events, e.description, e.created_at, e.disabled_at, e.failing_since,
    (SELECT COUNT(*) FROM webhook_messages m WHERE m.endpoint_id = e.id) AS pending";

/// `,a,b,`: the stored form of a list of events, so `LIKE '%,a,%'` finds subscribers.
pub fn events_column(events: &[WebhookEventType]) -> String {
    let ids: Vec<&str> = events.iter().map(|e| e.id()).collect();
    format!(",{},", ids.join(","))
}

fn endpoint_from_row(row: &AnyRow) -> Result<WebhookEndpoint, sqlx::Error> {
    let events: String = row.try_get("events")?;
    Ok(WebhookEndpoint {
        id: row.try_get("id")?,
        url: row.try_get("url")?,
        events: events
            .split(',')
            .filter_map(WebhookEventType::from_id)
            .collect(),
        description: row.try_get("description")?,
        created_at: rfc3339(row.try_get("created_at")?),
        disabled_at: row.try_get::<Option<i64>, _>("disabled_at")?.map(rfc3339),
        failing_since: row.try_get::<Option<i64>, _>("failing_since")?.map(rfc3339),
        pending: row.try_get("pending")?,
    })
}

pub enum CreateOutcome {
    Created(WebhookEndpoint),
    /// The account has [`MAX_ENDPOINTS_PER_ACCOUNT`] already.
    Limit,
    /// The account has an endpoint at this address already.
    Duplicate,
}

/// Registers an endpoint with its secret, unless the account is at its limit or has one
/// at this address.
pub async fn create(
    db: &Db,
    account_id: i64,
    valid: &ValidWebhook,
    secret: &str,
) -> Result<CreateOutcome, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if db.backend == Backend::Postgres {
        // Two registrations at once by one account wait for each other here, so the
        // count below cannot be passed by one. (SQLite's write lock already does this.)
        sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?;
    }
    let rows: Vec<(i64, String)> =
        sqlx::query("SELECT id, url FROM webhook_endpoints WHERE account_id = $1")
            .bind(account_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?;
    if rows.iter().any(|(_, url)| *url == valid.url) {
        return Ok(CreateOutcome::Duplicate);
    }
    if rows.len() >= MAX_ENDPOINTS_PER_ACCOUNT {
        return Ok(CreateOutcome::Limit);
    }
    let id: i64 = sqlx::query(
        "INSERT INTO webhook_endpoints (account_id, url, description, events, secret, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(account_id)
    .bind(&valid.url)
    .bind(&valid.description)
    .bind(events_column(&valid.events))
    .bind(secret)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    tx.commit().await?;
    Ok(CreateOutcome::Created(
        get(db, account_id, id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?,
    ))
}

/// The account's endpoints, oldest first.
pub async fn list(db: &Db, account_id: i64) -> Result<Vec<WebhookEndpoint>, sqlx::Error> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE e.account_id = $1 ORDER BY e.id"
    );
    sqlx::query(&sql)
        .bind(account_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(endpoint_from_row)
        .collect()
}

pub async fn get(
    db: &Db,
    account_id: i64,
    id: i64,
) -> Result<Option<WebhookEndpoint>, sqlx::Error> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE e.id = $1 AND e.account_id = $2"
    );
    sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(endpoint_from_row)
        .transpose()
}

/// Deletes an endpoint with what waits for it and its attempts; `false` when the account
/// has no endpoint with that id. A delivery in flight finds its claim gone and stops.
pub async fn delete(db: &Db, account_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let owned = sqlx::query("SELECT id FROM webhook_endpoints WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    if !owned {
        return Ok(false);
    }
    for table in ["webhook_messages", "webhook_attempts"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE endpoint_id = $1"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Puts `secret` in force; the one it replaces is still signed with until the answered
/// time. `None` when the account has no endpoint with that id.
pub async fn rotate_secret(
    db: &Db,
    account_id: i64,
    id: i64,
    secret: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let until = now_ms() + ROTATION_GRACE_MS;
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $1, secret = $2
         WHERE id = $3 AND account_id = $4",
    )
    .bind(until)
    .bind(secret)
    .bind(id)
    .bind(account_id)
    .execute(&db.pool)
    .await?;
    Ok((done.rows_affected() == 1).then_some(until))
}

/// Turns a disabled endpoint on again, its failure period starting afresh.
pub async fn enable(
    db: &Db,
    account_id: i64,
    id: i64,
) -> Result<Option<WebhookEndpoint>, sqlx::Error> {
    sqlx::query(
        "UPDATE webhook_endpoints SET disabled_at = NULL, failing_since = NULL, retry_at = 0
         WHERE id = $1 AND account_id = $2",
    )
    .bind(id)
    .bind(account_id)
    .execute(&db.pool)
    .await?;
    get(db, account_id, id).await
}

/// The last attempts at one of the account's endpoints, newest first; `None` when the
/// account has no endpoint with that id.
pub async fn deliveries(
    db: &Db,
    account_id: i64,
    id: i64,
) -> Result<Option<Vec<WebhookDelivery>>, sqlx::Error> {
    if get(db, account_id, id).await?.is_none() {
        return Ok(None);
    }
    let rows = sqlx::query(
        "SELECT id, message_id, event_type, attempt, attempted_at, ok, status, latency_ms, response, error
         FROM webhook_attempts WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(id)
    .bind(DELIVERIES_KEPT as i64)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let event: String = r.try_get("event_type")?;
            Ok(WebhookDelivery {
                id: r.try_get("id")?,
                message_id: r.try_get("message_id")?,
                event_type: WebhookEventType::from_id(&event).ok_or_else(|| {
                    sqlx::Error::Decode(format!("unknown webhook event {event}").into())
                })?,
                attempt: r.try_get("attempt")?,
                attempted_at: rfc3339(r.try_get("attempted_at")?),
                ok: r.try_get::<i64, _>("ok")? != 0,
                status: r.try_get("status")?,
                latency_ms: r.try_get("latency_ms")?,
                response: r.try_get("response")?,
                error: r.try_get("error")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map(Some)
}
