//! Staff's Block and Unblock, with the audit entry, the partner's notification and the
//! review queue's update in the same transaction.

use model::audit::{AuditAction, FieldChange};
use model::TrafficSource;
use serde_json::json;
use sqlx::Row;

use super::get;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::Db;
use crate::time::now_ms;

#[allow(clippy::large_enum_variant)] // once per request, like UpdateOutcome
#[derive(Debug)]
pub enum BlockOutcome {
    Done(TrafficSource),
    NotFound,
    /// Blocking a blocked source, or unblocking one that is not blocked.
    AlreadyThere,
}

/// Blocks a source (staff). Its status before the block is kept so that unblocking
/// restores it. The status change, its audit entry and the notifications to the partner
/// and to every advertiser using the source are written in one transaction.
pub async fn block(
    db: &Db,
    id: i64,
    staff_id: i64,
    reason: &str,
    note: Option<&str>,
) -> Result<BlockOutcome, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "UPDATE traffic_sources SET status_before_block = status, status = 'blocked', block_reason = $1, block_note = $2,
         version = version + 1, updated_at = $3 WHERE id = $4 AND status <> 'blocked' RETURNING status_before_block",
    )
    .bind(reason)
    .bind(note)
    .bind(now_ms())
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(if get(db, id).await?.is_some() {
            BlockOutcome::AlreadyThere
        } else {
            BlockOutcome::NotFound
        });
    };
    let before: String = row.try_get("status_before_block")?;
    let changes = [FieldChange {
        field: "status".into(),
        old: json!(before),
        new: json!("blocked"),
    }];
    audit::record(
        &mut tx,
        NewAuditEvent {
            source_id: id,
            actor_id: staff_id,
            action: AuditAction::Blocked,
            changes: &changes,
            reason: Some(reason),
            note,
        },
    )
    .await?;
    // Its open invitations and applications close with the block; approved links stop
    // by the status and come back with an unblock.
    crate::db::collaborations::close_on_block(&mut tx, id, staff_id).await?;
    crate::db::notifications::source_status_changed(
        &mut tx,
        id,
        model::notification::NotificationKind::SourceBlocked,
        Some(reason),
    )
    .await?;
    crate::webhooks::events::source_changed(
        &mut tx,
        id,
        model::webhook::WebhookEventType::SourceBlocked,
    )
    .await?;
    crate::db::review::on_status_changed(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(BlockOutcome::Done(
        get(db, id).await?.ok_or(sqlx::Error::RowNotFound)?,
    ))
}

/// Lifts a block (staff): the source returns to the status it had before.
pub async fn unblock(db: &Db, id: i64, staff_id: i64) -> Result<BlockOutcome, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "UPDATE traffic_sources SET status = COALESCE(status_before_block, 'paused'), status_before_block = NULL, block_reason = NULL,
         block_note = NULL, version = version + 1, updated_at = $1 WHERE id = $2 AND status = 'blocked' RETURNING status",
    )
    .bind(now_ms())
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(if get(db, id).await?.is_some() {
            BlockOutcome::AlreadyThere
        } else {
            BlockOutcome::NotFound
        });
    };
    let after: String = row.try_get("status")?;
    let changes = [FieldChange {
        field: "status".into(),
        old: json!("blocked"),
        new: json!(after),
    }];
    audit::record(
        &mut tx,
        NewAuditEvent {
            source_id: id,
            actor_id: staff_id,
            action: AuditAction::Unblocked,
            changes: &changes,
            reason: None,
            note: None,
        },
    )
    .await?;
    crate::db::notifications::source_status_changed(
        &mut tx,
        id,
        model::notification::NotificationKind::SourceUnblocked,
        None,
    )
    .await?;
    crate::webhooks::events::source_changed(
        &mut tx,
        id,
        model::webhook::WebhookEventType::SourceUnblocked,
    )
    .await?;
    crate::db::review::on_status_changed(&mut tx, id, true).await?;
    tx.commit().await?;
    Ok(BlockOutcome::Done(
        get(db, id).await?.ok_or(sqlx::Error::RowNotFound)?,
    ))
}
