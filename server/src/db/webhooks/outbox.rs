//! The webhook outbox: a row per event and endpoint, written in the transaction of the
//! change it tells about ([`enqueue`]), and the delivery worker's queries.
//!
//! A worker takes an *endpoint* with a lease ([`claim`]), not a row: so one endpoint has
//! at most one delivery in flight, across every instance, and its events go in the order
//! they were written. The lease is renewed before each send and while it runs; every
//! write that follows a send ([`record`]) first checks, on the endpoint's row, that the
//! claim is still this worker's. A worker killed mid-send leaves its lease to run out, and
//! the event is sent again with the same `webhook-id`.

use model::webhook::{WebhookEventType, DELIVERIES_KEPT};
use serde_json::{json, Value};
use sqlx::{Any, Row, Transaction};

use crate::db::{in_list, Db};
use crate::time::{now_ms, rfc3339};

/// Queues `event` for every enabled endpoint of `account_ids` subscribed to it, in the
/// transaction of the change. The body is fixed now: `{"type", "timestamp", "data"}`.
/// Answers the event's `webhook-id` (one per event, shared by its endpoints).
pub async fn enqueue(
    tx: &mut Transaction<'_, Any>,
    event: WebhookEventType,
    data: &Value,
    account_ids: &[i64],
) -> Result<String, sqlx::Error> {
    let message_id = crate::webhooks::signing::new_message_id();
    if account_ids.is_empty() {
        return Ok(message_id);
    }
    let now = now_ms();
    let payload = json!({"type": event.id(), "timestamp": rfc3339(now), "data": data}).to_string();
    let sql = format!(
        "INSERT INTO webhook_messages (endpoint_id, message_id, event_type, payload, created_at)
         SELECT id, $1, $2, $3, $4 FROM webhook_endpoints
         WHERE disabled_at IS NULL AND events LIKE $5 AND account_id IN ({}) ORDER BY id",
        in_list(6, account_ids.len())
    );
    let mut q = sqlx::query(&sql)
        .bind(&message_id)
        .bind(event.id())
        .bind(payload)
        .bind(now)
        .bind(format!("%,{},%", event.id()));
    for id in account_ids {
        q = q.bind(*id);
    }
    q.execute(&mut **tx).await?;
    Ok(message_id)
}

pub enum TestOutcome {
    Queued(String),
    NotFound,
    Disabled,
}

/// Queues a `webhook.test` event for one of the account's endpoints, behind what it is
/// already due.
pub async fn enqueue_test(
    db: &Db,
    account_id: i64,
    endpoint_id: i64,
) -> Result<TestOutcome, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let row =
        sqlx::query("SELECT disabled_at FROM webhook_endpoints WHERE id = $1 AND account_id = $2")
            .bind(endpoint_id)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(row) = row else {
        return Ok(TestOutcome::NotFound);
    };
    if row.try_get::<Option<i64>, _>(0)?.is_some() {
        return Ok(TestOutcome::Disabled);
    }
    let message_id = crate::webhooks::signing::new_message_id();
    let now = now_ms();
    let payload = json!({
        "type": WebhookEventType::WebhookTest.id(),
        "timestamp": rfc3339(now),
        "data": {"endpoint_id": endpoint_id, "message": "A test event from Traffic Sources: your endpoint receives and verifies our deliveries."},
    });
    sqlx::query(
        "INSERT INTO webhook_messages (endpoint_id, message_id, event_type, payload, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(endpoint_id)
    .bind(&message_id)
    .bind(WebhookEventType::WebhookTest.id())
    .bind(payload.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(TestOutcome::Queued(message_id))
}

/// An endpoint claimed by a worker, as of its last renewal.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub account_id: i64,
    pub url: String,
    /// The secrets to sign with: the current one, and the previous one during its grace.
    pub secrets: Vec<String>,
    /// This claim's: every write after a send checks it.
    pub token: String,
}

fn claimed_from_row(row: &sqlx::any::AnyRow, token: &str) -> Result<Claimed, sqlx::Error> {
    let mut secrets = vec![row.try_get::<String, _>("secret")?];
    let previous: Option<String> = row.try_get("previous_secret")?;
    let until: i64 = row.try_get("previous_secret_until")?;
    if let Some(previous) = previous.filter(|_| until > now_ms()) {
        secrets.push(previous);
    }
    Ok(Claimed {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        url: row.try_get("url")?,
        secrets,
        token: token.to_string(),
    })
}

const CLAIMED_COLUMNS: &str = "id, account_id, url, secret, previous_secret, previous_secret_until";

/// Takes up to `limit` endpoints that have an event due and no live claim. The outer
/// conditions are checked again on each row after its lock, so of two instances racing
/// for an endpoint only one gets it.
pub async fn claim(db: &Db, limit: i64, lease_ms: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let now = now_ms();
    let token = format!("{:032x}", rand::random::<u128>());
    let sql = format!(
        "UPDATE webhook_endpoints SET claimed_until = $1, claim_token = $2
         WHERE id IN (SELECT e.id FROM webhook_endpoints e
                      WHERE e.disabled_at IS NULL AND e.retry_at <= $3 AND e.claimed_until < $3
                        AND EXISTS (SELECT 1 FROM webhook_messages m WHERE m.endpoint_id = e.id)
                      ORDER BY e.retry_at, e.id LIMIT $4)
           AND disabled_at IS NULL AND retry_at <= $3 AND claimed_until < $3
         RETURNING {CLAIMED_COLUMNS}"
    );
    sqlx::query(&sql)
        .bind(now + lease_ms)
        .bind(&token)
        .bind(now)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| claimed_from_row(r, &token))
        .collect()
}

/// Extends the claim; answers the endpoint as it is now (a rotated secret, a new address
/// apply from the next send), or `None` when the claim is no longer this worker's (the
/// endpoint deleted or disabled, or the lease ran out and another took it).
pub async fn renew(
    db: &Db,
    claimed: &Claimed,
    lease_ms: i64,
) -> Result<Option<Claimed>, sqlx::Error> {
    let sql = format!(
        "UPDATE webhook_endpoints SET claimed_until = $1
         WHERE id = $2 AND claim_token = $3 AND disabled_at IS NULL RETURNING {CLAIMED_COLUMNS}"
    );
    sqlx::query(&sql)
        .bind(now_ms() + lease_ms)
        .bind(claimed.id)
        .bind(&claimed.token)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(|r| claimed_from_row(r, &claimed.token))
        .transpose()
}

/// Gives the endpoint back (nothing due, or a retry to wait for).
pub async fn release(db: &Db, claimed: &Claimed) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE webhook_endpoints SET claimed_until = 0, claim_token = NULL WHERE id = $1 AND claim_token = $2",
    )
    .bind(claimed.id)
    .bind(&claimed.token)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The oldest event waiting for an endpoint.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub message_id: String,
    pub event_type: String,
    pub payload: String,
    /// Attempts before this one.
    pub attempts: i64,
}

pub async fn head(db: &Db, endpoint_id: i64) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query(
        "SELECT id, message_id, event_type, payload, attempts FROM webhook_messages
         WHERE endpoint_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(endpoint_id)
    .fetch_optional(&db.pool)
    .await?
    .map(|r| {
        Ok(Message {
            id: r.try_get(0)?,
            message_id: r.try_get(1)?,
            event_type: r.try_get(2)?,
            payload: r.try_get(3)?,
            attempts: r.try_get(4)?,
        })
    })
    .transpose()
}

/// What one attempt got.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: i64,
    pub ok: bool,
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub response: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// The wait after a first failure; doubled after each next one, at most an hour.
    pub retry_base_ms: i64,
    /// An endpoint that has failed for this long is turned off.
    pub disable_after_ms: i64,
    /// How long a claim holds without renewal: three times the longest send, and renewed
    /// every third of it while one runs. A worker killed mid-send leaves its endpoint to
    /// another instance after this.
    pub lease_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Delivered,
    /// Failed; the endpoint waits until then, its claim given back.
    Retry(i64),
    /// Failed past the failure period: turned off, what waited for it dropped, its owner
    /// told.
    Disabled,
    /// The claim was no longer this worker's: nothing written.
    LostClaim,
}

/// Writes what an attempt got, if the claim is still this worker's: the attempt in the
/// endpoint's log; a delivered event leaves the outbox, a failed one waits its turn again.
pub async fn record(
    db: &Db,
    claimed: &Claimed,
    message: &Message,
    attempt: &Attempt,
    policy: Policy,
) -> Result<Recorded, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    // First the endpoint's row, checking the claim: from here to the commit it is locked,
    // so no other worker can claim the endpoint in between.
    let row = sqlx::query(
        "UPDATE webhook_endpoints SET claimed_until = $1 WHERE id = $2 AND claim_token = $3
         RETURNING failing_since, url, account_id",
    )
    .bind(now_ms() + policy.lease_ms)
    .bind(claimed.id)
    .bind(&claimed.token)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(Recorded::LostClaim);
    };
    let failing_since: Option<i64> = row.try_get(0)?;
    let url: String = row.try_get(1)?;
    let account_id: i64 = row.try_get(2)?;
    let number = message.attempts + 1;
    sqlx::query(
        "INSERT INTO webhook_attempts (endpoint_id, message_id, event_type, attempt, attempted_at, ok, status, latency_ms, response, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(claimed.id)
    .bind(&message.message_id)
    .bind(&message.event_type)
    .bind(number)
    .bind(attempt.at)
    .bind(attempt.ok as i64)
    .bind(attempt.status)
    .bind(attempt.latency_ms)
    .bind(&attempt.response)
    .bind(&attempt.error)
    .execute(&mut *tx)
    .await?;
    // Only the newest attempts are kept.
    sqlx::query(
        "DELETE FROM webhook_attempts WHERE endpoint_id = $1 AND id < (
             SELECT MIN(id) FROM (SELECT id FROM webhook_attempts WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2) kept)",
    )
    .bind(claimed.id)
    .bind(DELIVERIES_KEPT as i64)
    .execute(&mut *tx)
    .await?;
    let outcome = if attempt.ok {
        sqlx::query("DELETE FROM webhook_messages WHERE id = $1")
            .bind(message.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = NULL, retry_at = 0 WHERE id = $1",
        )
        .bind(claimed.id)
        .execute(&mut *tx)
        .await?;
        Recorded::Delivered
    } else {
        let since = failing_since.unwrap_or(attempt.at);
        if attempt.at - since >= policy.disable_after_ms {
            sqlx::query("DELETE FROM webhook_messages WHERE endpoint_id = $1")
                .bind(claimed.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE webhook_endpoints SET disabled_at = $1, failing_since = $2, claimed_until = 0, claim_token = NULL WHERE id = $3",
            )
            .bind(attempt.at)
            .bind(since)
            .bind(claimed.id)
            .execute(&mut *tx)
            .await?;
            crate::db::notifications::webhook_disabled(
                &mut tx,
                account_id,
                &url,
                &duration_words(attempt.at - since),
            )
            .await?;
            Recorded::Disabled
        } else {
            let retry_at =
                attempt.at + model::notification::retry_delay_ms(policy.retry_base_ms, number);
            sqlx::query("UPDATE webhook_messages SET attempts = $1 WHERE id = $2")
                .bind(number)
                .bind(message.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE webhook_endpoints SET failing_since = $1, retry_at = $2, claimed_until = 0, claim_token = NULL WHERE id = $3",
            )
            .bind(since)
            .bind(retry_at)
            .bind(claimed.id)
            .execute(&mut *tx)
            .await?;
            Recorded::Retry(retry_at)
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// "3 days", "5 hours", "2 minutes", "4 seconds": how long an endpoint failed.
fn duration_words(ms: i64) -> String {
    let secs = (ms / 1000).max(1);
    let (n, unit) = match secs {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn failure_periods_read_in_words() {
        assert_eq!(super::duration_words(3 * 86_400_000), "3 days");
        assert_eq!(super::duration_words(3_600_000), "1 hour");
        assert_eq!(super::duration_words(1_500), "1 second");
        assert_eq!(super::duration_words(0), "1 second");
    }
}
