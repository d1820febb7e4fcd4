//! Queries of ownership verification: a source's state, the attempts that double as the
//! rate limit's memory, and writing a check's result with its audit entry and notification.

use model::audit::{AuditAction, FieldChange};
use model::verification::{Verification, VerificationMethod, VerificationState};
use serde_json::json;
use sqlx::Row;

use super::audit::{self, NewAuditEvent};
use super::{Backend, Db};
use crate::time::{now_ms, rfc3339};

/// At most one manual check per source in this window.
pub const SOURCE_WINDOW_MS: i64 = 30_000;
/// At most [`PARTNER_MAX_PER_HOUR`] manual checks per partner in this window.
pub const PARTNER_WINDOW_MS: i64 = 3_600_000;
pub const PARTNER_MAX_PER_HOUR: i64 = 20;
/// Staff's evidence shows a source's latest attempts, this many.
pub const EVIDENCE_ATTEMPTS: i64 = 20;
/// Attempts older than this go once a source has [`EVIDENCE_ATTEMPTS`] newer ones: every
/// verified source is re-checked on a schedule, so without pruning the table grows by a row
/// per source per interval for ever. The rate limits read only the last hour, and the audit
/// history keeps every change of the mark.
pub const ATTEMPTS_KEPT_MS: i64 = 90 * 24 * 3_600_000;

/// A new source's token: 128 random bits in hex.
pub fn new_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// What a check needs and what the read shows.
#[derive(Debug, Clone)]
pub struct SourceVerification {
    pub id: i64,
    pub partner_id: i64,
    pub url: String,
    pub token: String,
    pub method: Option<VerificationMethod>,
    pub verified_at: Option<i64>,
    pub checked_at: Option<i64>,
    pub outcome: Option<String>,
}

impl SourceVerification {
    pub fn api(&self) -> Verification {
        let reason = model::verification::not_verifiable_reason(&self.url);
        let state = match (self.method, &reason) {
            (Some(_), _) => VerificationState::Verified,
            (None, Some(_)) => VerificationState::NotVerifiable,
            (None, None) => VerificationState::Unverified,
        };
        Verification {
            state,
            token: self.token.clone(),
            method: self.method,
            verified_at: self.verified_at.map(rfc3339),
            checked_at: self.checked_at.map(rfc3339),
            last_outcome: self.outcome.clone(),
            not_verifiable_reason: if state == VerificationState::NotVerifiable {
                reason
            } else {
                None
            },
        }
    }
}

pub async fn get(db: &Db, id: i64) -> Result<Option<SourceVerification>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, partner_id, url, verification_token, verified_method, verified_at, verification_checked_at, verification_outcome
         FROM traffic_sources WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let method: Option<String> = row.try_get("verified_method")?;
    let token: Option<String> = row.try_get("verification_token")?;
    Ok(Some(SourceVerification {
        id: row.try_get("id")?,
        partner_id: row.try_get("partner_id")?,
        url: row.try_get("url")?,
        token: token.unwrap_or_default(),
        method: method.as_deref().and_then(VerificationMethod::from_id),
        verified_at: row.try_get("verified_at")?,
        checked_at: row.try_get("verification_checked_at")?,
        outcome: row.try_get("verification_outcome")?,
    }))
}

/// Why a manual check may not run now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited {
    pub message: String,
    pub retry_after_secs: i64,
}

/// Records the start of a manual check, or refuses it past the rate limits. The count and
/// the insert share one transaction holding a lock on the partner's row (SQLite: the write
/// lock), so concurrent requests, on any instance, cannot both slip under the limit.
pub async fn start_manual(
    db: &Db,
    source_id: i64,
    partner_id: i64,
) -> Result<Result<i64, Limited>, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(partner_id)
            .fetch_optional(&mut *tx)
            .await?;
    }
    let last: Option<i64> = sqlx::query(
        "SELECT MAX(at) AS last FROM verification_attempts WHERE traffic_source_id = $1 AND kind = 'manual' AND at > $2",
    )
    .bind(source_id)
    .bind(now - SOURCE_WINDOW_MS)
    .fetch_one(&mut *tx)
    .await?
    .try_get("last")?;
    if let Some(last) = last {
        tx.rollback().await?;
        let wait = (last + SOURCE_WINDOW_MS - now).max(1000) / 1000;
        return Ok(Err(Limited {
            message: format!(
                "This source was checked less than 30 seconds ago. Try again in {wait} seconds."
            ),
            retry_after_secs: wait,
        }));
    }
    let recent = sqlx::query(
        "SELECT at FROM verification_attempts WHERE partner_id = $1 AND kind = 'manual' AND at > $2 ORDER BY at",
    )
    .bind(partner_id)
    .bind(now - PARTNER_WINDOW_MS)
    .fetch_all(&mut *tx)
    .await?;
    if recent.len() as i64 >= PARTNER_MAX_PER_HOUR {
        tx.rollback().await?;
        let oldest: i64 = recent[0].try_get("at")?;
        let wait = (oldest + PARTNER_WINDOW_MS - now).max(1000) / 1000;
        return Ok(Err(Limited {
            message: format!(
                "You have run {PARTNER_MAX_PER_HOUR} checks in the last hour, the most we allow. Try again in {} minutes.",
                (wait + 59) / 60
            ),
            retry_after_secs: wait,
        }));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO verification_attempts (traffic_source_id, partner_id, at, kind) VALUES ($1, $2, $3, 'manual') RETURNING id",
    )
    .bind(source_id)
    .bind(partner_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Records the start of a periodic re-check, if no other instance took this source since
/// it was listed as due (its `verification_checked_at` is still `seen_checked_at`).
pub async fn claim_recheck(
    db: &Db,
    source: &SourceVerification,
) -> Result<Option<i64>, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let claimed = sqlx::query(
        "UPDATE traffic_sources SET verification_checked_at = $1
         WHERE id = $2 AND verified_method IS NOT NULL AND COALESCE(verification_checked_at, 0) = $3",
    )
    .bind(now)
    .bind(source.id)
    .bind(source.checked_at.unwrap_or(0))
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(None);
    }
    let id: i64 = sqlx::query(
        "INSERT INTO verification_attempts (traffic_source_id, partner_id, at, kind) VALUES ($1, $2, $3, 'recheck') RETURNING id",
    )
    .bind(source.id)
    .bind(source.partner_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Verified sources last checked before `checked_before`, oldest first.
pub async fn due_for_recheck(
    db: &Db,
    checked_before: i64,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id FROM traffic_sources WHERE verified_method IS NOT NULL AND COALESCE(verification_checked_at, 0) < $1
         ORDER BY verification_checked_at, id LIMIT $2",
    )
    .bind(checked_before)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// Who ran a check, for the audit history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// "Verify now" by the partner.
    Manual,
    /// The periodic re-check.
    Recheck,
}

/// Writes a check's result: the attempt, the source's mark, and when the mark changes an
/// audit entry (and, when a re-check loses it, a notification to the partner), all in one
/// transaction. A source whose URL changed while the check ran keeps its state: the check
/// looked at an address it no longer has. Returns whether the source's row was updated.
pub async fn finish(
    db: &Db,
    attempt_id: i64,
    checked: &SourceVerification,
    found: Option<VerificationMethod>,
    outcome: &str,
    trigger: Trigger,
) -> Result<bool, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE verification_attempts SET method = $1, outcome = $2 WHERE id = $3")
        .bind(found.map(|m| m.id()))
        .bind(outcome)
        .bind(attempt_id)
        .execute(&mut *tx)
        .await?;
    prune_attempts(&mut tx, checked.id, now).await?;
    let host = model::verification::host_of(&checked.url);
    let updated = match found {
        Some(method) => sqlx::query(
            "UPDATE traffic_sources SET verified_method = $1, verified_host = $2,
             verified_at = CASE WHEN verified_method IS NULL THEN $3 ELSE verified_at END,
             verification_checked_at = $3, verification_outcome = $4 WHERE id = $5 AND url = $6",
        )
        .bind(method.id())
        .bind(host)
        .bind(now)
        .bind(outcome)
        .bind(checked.id)
        .bind(&checked.url)
        .execute(&mut *tx)
        .await?,
        None => sqlx::query(
            "UPDATE traffic_sources SET verified_method = NULL, verified_host = NULL, verified_at = NULL,
             verification_checked_at = $1, verification_outcome = $2 WHERE id = $3 AND url = $4",
        )
        .bind(now)
        .bind(outcome)
        .bind(checked.id)
        .bind(&checked.url)
        .execute(&mut *tx)
        .await?,
    };
    let updated = updated.rows_affected() == 1;
    if updated && found != checked.method {
        let action = if found.is_some() {
            AuditAction::Verified
        } else {
            AuditAction::Unverified
        };
        let changes = [FieldChange {
            field: "verification".into(),
            old: json!(checked.method.map(|m| m.id())),
            new: json!(found.map(|m| m.id())),
        }];
        let reason = match (found, trigger) {
            (Some(m), _) => format!("Proven by the {}.", m.label()),
            (None, Trigger::Recheck) => format!("The periodic re-check found no proof: {outcome}"),
            (None, Trigger::Manual) => format!("A check found no proof: {outcome}"),
        };
        // The history names the partner even for the periodic re-check: every entry has
        // an account as its actor, and the source's own partner is the one it concerns.
        audit::record(
            &mut tx,
            NewAuditEvent {
                source_id: checked.id,
                actor_id: checked.partner_id,
                action,
                changes: &changes,
                reason: Some(&reason),
                note: None,
            },
        )
        .await?;
        match found {
            Some(_) => super::review::on_verified(&mut tx, checked.id).await?,
            None => super::review::on_verification_lost(&mut tx, checked.id, outcome).await?,
        }
        if found.is_none() && trigger == Trigger::Recheck {
            super::notifications::verification_lost(&mut tx, checked.id, outcome).await?;
        }
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes the source's attempts older than [`ATTEMPTS_KEPT_MS`], except its newest
/// [`EVIDENCE_ATTEMPTS`]. Run with each finished check, so the work is one source's rows
/// (index `va_source`) and a source's history is bounded however often it is checked.
async fn prune_attempts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    source_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM verification_attempts WHERE traffic_source_id = $1 AND at < $2
         AND id NOT IN (SELECT id FROM verification_attempts WHERE traffic_source_id = $3
                        ORDER BY at DESC, id DESC LIMIT $4)",
    )
    .bind(source_id)
    .bind(now - ATTEMPTS_KEPT_MS)
    .bind(source_id)
    .bind(EVIDENCE_ATTEMPTS)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inside an edit's transaction: a verified source whose host changes loses its mark.
pub async fn drop_on_host_change(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    source_id: i64,
    actor_id: i64,
    old_method: VerificationMethod,
    old_host: &str,
    new_host: &str,
) -> Result<(), sqlx::Error> {
    let outcome =
        format!("The address moved from {old_host} to {new_host}; verify the new site again.");
    sqlx::query(
        "UPDATE traffic_sources SET verified_method = NULL, verified_host = NULL, verified_at = NULL, verification_outcome = $1 WHERE id = $2",
    )
    .bind(&outcome)
    .bind(source_id)
    .execute(&mut **tx)
    .await?;
    let changes = [FieldChange {
        field: "verification".into(),
        old: json!(old_method.id()),
        new: serde_json::Value::Null,
    }];
    audit::record(
        tx,
        NewAuditEvent {
            source_id,
            actor_id,
            action: AuditAction::Unverified,
            changes: &changes,
            reason: Some(&outcome),
            note: None,
        },
    )
    .await
}

/// Kept for the notification's sentence.
pub fn lost_message(name: &str, outcome: &str) -> String {
    format!(
        "Your traffic source \u{201c}{name}\u{201d} is no longer Verified: the periodic re-check found no proof ({}). Publish the record, tag or file again and choose Verify now.",
        outcome.trim_end_matches('.')
    )
}
