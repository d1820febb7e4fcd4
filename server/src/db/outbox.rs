//! The email outbox: a row per email, written in the transaction of the notification it
//! carries (so an email goes out exactly when its change committed), claimed by a worker
//! with a lease and a token (so two instances never send one row at once), then marked
//! sent, retried later or failed. See `crate::email`.
//!
//! A claim is good for one send: the worker renews the row's lease just before its send
//! and while it runs ([`renew`]), and every mark checks the token, so a worker whose lease
//! ran out while its batch was sending neither sends that row nor marks it.

use model::notification::{EmailState, OutboxEmail};
use sqlx::{Any, Row, Transaction};

use super::Db;
use crate::time::{now_ms, rfc3339};

/// Queues the email of a notification just written in `tx`, unless its recipient turned
/// these emails off.
pub async fn enqueue(
    tx: &mut Transaction<'_, Any>,
    notification_id: i64,
    account_id: i64,
    subject: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let key = format!("{now}.{:016x}", rand::random::<u64>());
    sqlx::query(
        "INSERT INTO email_outbox (notification_id, account_id, to_address, subject, body, message_key, created_at, next_attempt_at)
         SELECT $1, id, email, $2, $3, $4, $5, $5 FROM accounts WHERE id = $6 AND email_notifications = 1",
    )
    .bind(notification_id)
    .bind(subject)
    .bind(body)
    .bind(key)
    .bind(now)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An email claimed for sending.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub message_key: String,
    /// Sends tried, including this one once [`begin`] has counted it.
    pub attempts: i64,
    /// This claim's: the renewal and the marks check it.
    pub token: String,
}

/// Takes up to `limit` due emails for this worker for `lease_ms` (a worker that died
/// mid-send leaves them to another once it runs out; they go again with the same
/// Message-ID). The outer condition is checked again on each row after its lock, so of
/// two instances racing for a row only one gets it.
pub async fn claim(db: &Db, limit: i64, lease_ms: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let now = now_ms();
    let token = format!("{:032x}", rand::random::<u128>());
    sqlx::query(
        "UPDATE email_outbox SET claimed_until = $1, claim_token = $4
         WHERE id IN (SELECT id FROM email_outbox WHERE state = 'pending' AND next_attempt_at <= $2 AND claimed_until < $2
                      ORDER BY next_attempt_at, id LIMIT $3)
           AND state = 'pending' AND claimed_until < $2
         RETURNING id, to_address, subject, body, message_key, attempts",
    )
    .bind(now + lease_ms)
    .bind(now)
    .bind(limit)
    .bind(&token)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Claimed {
            id: r.try_get(0)?,
            to: r.try_get(1)?,
            subject: r.try_get(2)?,
            body: r.try_get(3)?,
            message_key: r.try_get(4)?,
            attempts: r.try_get(5)?,
            token: token.clone(),
        })
    })
    .collect()
}

/// Starts the send of a claimed email: renews its lease and counts the attempt; `None`
/// when the claim is no longer this worker's (the batch outlived the lease and another
/// instance took the row), and then it must not be sent. Counting here, not at the claim,
/// keeps rows taken over before their turn from counting attempts never made.
pub async fn begin(
    db: &Db,
    email: &Claimed,
    lease_ms: i64,
) -> Result<Option<Claimed>, sqlx::Error> {
    let attempts: Option<i64> = sqlx::query(
        "UPDATE email_outbox SET claimed_until = $1, attempts = attempts + 1
         WHERE id = $2 AND claim_token = $3 AND state = 'pending' RETURNING attempts",
    )
    .bind(now_ms() + lease_ms)
    .bind(email.id)
    .bind(&email.token)
    .fetch_optional(&db.pool)
    .await?
    .map(|r| r.try_get(0))
    .transpose()?;
    Ok(attempts.map(|attempts| Claimed {
        attempts,
        ..email.clone()
    }))
}

/// Extends the claim on `email` to `lease_ms` from now; `false` when it is no longer this
/// worker's (its lease ran out and another instance took the row): then it must not be
/// sent. A lapsed lease that nobody took yet is taken back.
pub async fn renew(db: &Db, email: &Claimed, lease_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE email_outbox SET claimed_until = $1 WHERE id = $2 AND claim_token = $3 AND state = 'pending'",
    )
    .bind(now_ms() + lease_ms)
    .bind(email.id)
    .bind(&email.token)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Each mark answers `false` when the claim was no longer this worker's: nothing changed.
pub async fn mark_sent(db: &Db, email: &Claimed) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE email_outbox SET state = 'sent', sent_at = $1, last_error = NULL, claimed_until = 0, claim_token = NULL WHERE id = $2 AND claim_token = $3")
        .bind(now_ms())
        .bind(email.id)
        .bind(&email.token)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Leaves the email pending, to be tried again at `retry_at`.
pub async fn mark_retry(
    db: &Db,
    email: &Claimed,
    retry_at: i64,
    error: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE email_outbox SET next_attempt_at = $1, claimed_until = 0, claim_token = NULL, last_error = $2 WHERE id = $3 AND claim_token = $4")
        .bind(retry_at)
        .bind(error)
        .bind(email.id)
        .bind(&email.token)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_failed(db: &Db, email: &Claimed, error: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE email_outbox SET state = 'failed', claimed_until = 0, claim_token = NULL, last_error = $1 WHERE id = $2 AND claim_token = $3")
        .bind(error)
        .bind(email.id)
        .bind(&email.token)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Emails waiting to be sent (due or not): the readiness bound and the metrics read it.
pub async fn backlog(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM email_outbox WHERE state = 'pending'")
        .fetch_one(&db.pool)
        .await?
        .try_get(0)
}

/// Puts a failed email back in line, with its attempts counted afresh; `false` when
/// there is no failed email with that id.
pub async fn retry_failed(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE email_outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, claimed_until = 0, claim_token = NULL WHERE id = $2 AND state = 'failed'")
        .bind(now_ms())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Emails in `state` (all when `None`), newest first, `limit` of them with ids below `before`.
pub async fn list(
    db: &Db,
    state: Option<EmailState>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<OutboxEmail>, sqlx::Error> {
    sqlx::query(
        "SELECT id, to_address, subject, state, attempts, last_error, created_at, next_attempt_at FROM email_outbox
         WHERE ($1 = '' OR state = $1) AND id < $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(state.map(EmailState::id).unwrap_or(""))
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        let state: String = r.try_get(3)?;
        let state = EmailState::parse(&state)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown email state {state}").into()))?;
        Ok(OutboxEmail {
            id: r.try_get(0)?,
            to: r.try_get(1)?,
            subject: r.try_get(2)?,
            state,
            attempts: r.try_get(4)?,
            last_error: r.try_get(5)?,
            created_at: rfc3339(r.try_get(6)?),
            next_attempt_at: (state == EmailState::Pending).then(|| rfc3339(r.try_get(7).unwrap_or(0))),
        })
    })
    .collect()
}

pub async fn email_notifications(db: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    let on: i64 = sqlx::query("SELECT email_notifications FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
    Ok(on != 0)
}

pub async fn set_email_notifications(
    db: &Db,
    account_id: i64,
    on: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET email_notifications = $1 WHERE id = $2")
        .bind(on as i64)
        .bind(account_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
