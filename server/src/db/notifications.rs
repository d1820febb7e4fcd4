//! Notifications: written inside the transaction of the change they tell about, and read
//! (and marked read) by their recipient only.

use model::notification::{Notification, NotificationKind};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::Db;
use crate::time::{now_ms, rfc3339};

fn kind_id(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::SourceBlocked => "source_blocked",
        NotificationKind::SourceUnblocked => "source_unblocked",
        NotificationKind::VerificationLost => "verification_lost",
        NotificationKind::WebhookDisabled => "webhook_disabled",
        NotificationKind::Collaboration => "collaboration",
    }
}

pub fn kind_from_id(id: &str) -> Option<NotificationKind> {
    match id {
        "source_blocked" => Some(NotificationKind::SourceBlocked),
        "source_unblocked" => Some(NotificationKind::SourceUnblocked),
        "verification_lost" => Some(NotificationKind::VerificationLost),
        "webhook_disabled" => Some(NotificationKind::WebhookDisabled),
        "collaboration" => Some(NotificationKind::Collaboration),
        _ => None,
    }
}

/// Tells the source's partner and every advertiser with the source in a program that it
/// was blocked or unblocked. Runs after the status change in the same transaction, so it
/// reads the new status. Only the partner's message carries the public reason; staff's
/// internal note is never passed here at all.
pub async fn source_status_changed(
    tx: &mut Transaction<'_, Any>,
    source_id: i64,
    kind: NotificationKind,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let row = sqlx::query("SELECT partner_id, name, status FROM traffic_sources WHERE id = $1")
        .bind(source_id)
        .fetch_one(&mut **tx)
        .await?;
    let partner_id: i64 = row.try_get("partner_id")?;
    let name: String = row.try_get("name")?;
    let status: String = row.try_get("status")?;
    // DISTINCT: an advertiser using the source in several programs is told once.
    let advertisers = sqlx::query(
        "SELECT DISTINCT p.advertiser_id FROM collaborations c JOIN programs p ON p.id = c.program_id WHERE c.traffic_source_id = $1",
    )
    .bind(source_id)
    .fetch_all(&mut **tx)
    .await?;
    let (to_partner, to_advertiser) = match kind {
        NotificationKind::SourceBlocked => (
            format!(
                "Your traffic source \u{201c}{name}\u{201d} was blocked by platform staff. Reason: {}. Only staff can lift the block.",
                reason.unwrap_or("not given").trim_end_matches('.')
            ),
            format!("The traffic source \u{201c}{name}\u{201d} in your programs was blocked by platform staff; its tracking links no longer redirect."),
        ),
        NotificationKind::SourceUnblocked if status == "active" => (
            format!("Platform staff lifted the block on your traffic source \u{201c}{name}\u{201d}; it is active again."),
            format!("The traffic source \u{201c}{name}\u{201d} in your programs is no longer blocked; its tracking links redirect again."),
        ),
        // Written by `verification_lost`, which tells the partner alone.
        NotificationKind::VerificationLost => return Ok(()),
        // Written by `webhook_disabled`, to the endpoint's owner.
        NotificationKind::WebhookDisabled => return Ok(()),
        // Written by `collaboration`, to the other side of the change.
        NotificationKind::Collaboration => return Ok(()),
        NotificationKind::SourceUnblocked => (
            format!("Platform staff lifted the block on your traffic source \u{201c}{name}\u{201d}; it is paused, as it was before."),
            format!("The traffic source \u{201c}{name}\u{201d} in your programs is no longer blocked; it is paused, so its tracking links work again only once its partner resumes it."),
        ),
    };
    let now = now_ms();
    let mut recipients = vec![(partner_id, to_partner)];
    for a in advertisers {
        recipients.push((a.try_get("advertiser_id")?, to_advertiser.clone()));
    }
    for (account_id, message) in recipients {
        insert(tx, account_id, kind, &message, source_id, &name, now).await?;
    }
    Ok(())
}

/// Tells `account_id` of a change to a collaboration of `source_id`, in the app (live,
/// through the notifications trigger) and by email (their setting applies).
pub async fn collaboration(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    source_id: i64,
    source_name: &str,
    message: &str,
) -> Result<(), sqlx::Error> {
    insert(
        tx,
        account_id,
        NotificationKind::Collaboration,
        message,
        source_id,
        source_name,
        now_ms(),
    )
    .await
}

/// Writes one notification and, in the same transaction, its email (`outbox::enqueue`).
async fn insert(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    kind: NotificationKind,
    message: &str,
    source_id: i64,
    source_name: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let id: i64 = sqlx::query("INSERT INTO notifications (account_id, kind, message, traffic_source_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(account_id)
        .bind(kind_id(kind))
        .bind(message)
        .bind(source_id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    super::outbox::enqueue(
        tx,
        id,
        account_id,
        &email_subject(kind, source_name),
        message,
    )
    .await
}

/// The subject line of a notification's email.
pub fn email_subject(kind: NotificationKind, source_name: &str) -> String {
    match kind {
        NotificationKind::SourceBlocked => {
            format!("Traffic source \u{201c}{source_name}\u{201d} was blocked")
        }
        NotificationKind::SourceUnblocked => {
            format!("Traffic source \u{201c}{source_name}\u{201d} is no longer blocked")
        }
        NotificationKind::VerificationLost => {
            format!("Traffic source \u{201c}{source_name}\u{201d} is no longer verified")
        }
        NotificationKind::WebhookDisabled => "A webhook endpoint was turned off".to_string(),
        NotificationKind::Collaboration => {
            format!("Traffic source \u{201c}{source_name}\u{201d}: a program membership changed")
        }
    }
}

/// Tells a source's partner that the periodic re-check no longer finds its proof. Only the
/// partner: advertisers see the Verified badge go, which is what concerns them.
pub async fn verification_lost(
    tx: &mut Transaction<'_, Any>,
    source_id: i64,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    let row = sqlx::query("SELECT partner_id, name FROM traffic_sources WHERE id = $1")
        .bind(source_id)
        .fetch_one(&mut **tx)
        .await?;
    let partner_id: i64 = row.try_get("partner_id")?;
    let name: String = row.try_get("name")?;
    let message = super::verification::lost_message(&name, outcome);
    insert(
        tx,
        partner_id,
        NotificationKind::VerificationLost,
        &message,
        source_id,
        &name,
        now_ms(),
    )
    .await
}

const SELECT_NOTIFICATION: &str =
    "SELECT id, kind, message, traffic_source_id, created_at, read_at FROM notifications";

fn notification_from_row(row: &AnyRow) -> Result<Notification, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Notification {
        id: row.try_get("id")?,
        kind: kind_from_id(&kind).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown notification kind {kind}").into())
        })?,
        message: row.try_get("message")?,
        traffic_source_id: row.try_get("traffic_source_id")?,
        created_at: rfc3339(row.try_get("created_at")?),
        read_at: row.try_get::<Option<i64>, _>("read_at")?.map(rfc3339),
    })
}

/// One account's notifications, newest first: `limit` of them with ids below `before`.
/// Ids only grow, so the id is both the order and the keyset cursor.
pub async fn list(
    db: &Db,
    account_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Notification>, sqlx::Error> {
    let sql = format!(
        "{SELECT_NOTIFICATION} WHERE account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
    );
    sqlx::query(&sql)
        .bind(account_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(notification_from_row)
        .collect()
}

pub async fn unread_count(db: &Db, account_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE account_id = $1 AND read_at IS NULL")
        .bind(account_id)
        .fetch_one(&db.pool)
        .await?
        .try_get("n")
}

/// Marks one of the account's notifications read (keeping the first time it was read);
/// `None` when the account has no notification with that id.
pub async fn mark_read(
    db: &Db,
    account_id: i64,
    id: i64,
) -> Result<Option<Notification>, sqlx::Error> {
    sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND account_id = $3
         RETURNING id, kind, message, traffic_source_id, created_at, read_at",
    )
    .bind(now_ms())
    .bind(id)
    .bind(account_id)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(notification_from_row)
    .transpose()
}

/// Marks every unread notification of the account read; answers how many there were.
pub async fn mark_all_read(db: &Db, account_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL",
    )
    .bind(now_ms())
    .bind(account_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// Tells an account that its webhook endpoint at `url` was turned off after failing for
/// `days` days, in the app and by email (their email setting applies). About no source.
pub async fn webhook_disabled(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    url: &str,
    failing_for: &str,
) -> Result<(), sqlx::Error> {
    let kind = NotificationKind::WebhookDisabled;
    let message = format!(
        "Your webhook endpoint {url} was turned off: every delivery to it failed for {failing_for}. Events are no longer sent to it. Fix the receiver, then turn it on again under Webhooks."
    );
    let id: i64 = sqlx::query("INSERT INTO notifications (account_id, kind, message, traffic_source_id, created_at) VALUES ($1, $2, $3, NULL, $4) RETURNING id")
        .bind(account_id)
        .bind(kind_id(kind))
        .bind(&message)
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    super::outbox::enqueue(tx, id, account_id, &email_subject(kind, ""), &message).await
}
