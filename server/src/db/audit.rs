//! The audit history: one row per change of a source, written in the change's transaction.

use model::audit::{AuditAction, AuditActor, AuditEntry, FieldChange};
use model::Role;
use sqlx::{Any, Row, Transaction};

use super::Db;
use crate::time::{now_ms, rfc3339};

pub struct NewAuditEvent<'a> {
    pub source_id: i64,
    pub actor_id: i64,
    pub action: AuditAction,
    pub changes: &'a [FieldChange],
    pub reason: Option<&'a str>,
    pub note: Option<&'a str>,
}

pub async fn record(
    tx: &mut Transaction<'_, Any>,
    event: NewAuditEvent<'_>,
) -> Result<(), sqlx::Error> {
    let changes =
        serde_json::to_string(event.changes).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO audit_events (traffic_source_id, actor_id, at, action, changes, reason, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event.source_id)
    .bind(event.actor_id)
    .bind(now_ms())
    .bind(event.action.id())
    .bind(changes)
    .bind(event.reason)
    .bind(event.note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Who staff are to anyone but staff: the team, not a person (their name or e-mail would
/// expose them to the partner they blocked). Id 0 is no account.
pub const PLATFORM_STAFF: &str = "Platform staff";

/// A source's history, newest first, `limit` entries after the `before` id.
/// `for_staff` is true only for staff: partners never see internal notes, nor which staff
/// member acted ([`PLATFORM_STAFF`]).
pub async fn history(
    db: &Db,
    source_id: i64,
    before: Option<i64>,
    limit: i64,
    for_staff: bool,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT e.id, e.at, e.action, e.changes, e.reason, e.note, a.id AS actor_id, a.display_name, a.role
         FROM audit_events e JOIN accounts a ON a.id = e.actor_id
         WHERE e.traffic_source_id = $1 AND e.id < $2
         ORDER BY e.id DESC LIMIT $3",
    )
    .bind(source_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let action: String = row.try_get("action")?;
            let role: String = row.try_get("role")?;
            let changes: String = row.try_get("changes")?;
            let role =
                Role::from_id(&role).ok_or_else(|| sqlx::Error::Decode("unknown role".into()))?;
            let actor = if role == Role::Staff && !for_staff {
                AuditActor {
                    id: 0,
                    display_name: PLATFORM_STAFF.into(),
                    role,
                }
            } else {
                AuditActor {
                    id: row.try_get("actor_id")?,
                    display_name: row.try_get("display_name")?,
                    role,
                }
            };
            Ok(AuditEntry {
                id: row.try_get("id")?,
                at: rfc3339(row.try_get("at")?),
                action: AuditAction::from_id(&action)
                    .ok_or_else(|| sqlx::Error::Decode("unknown audit action".into()))?,
                actor,
                changes: serde_json::from_str(&changes)
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                reason: row.try_get("reason")?,
                note: if for_staff {
                    row.try_get("note")?
                } else {
                    None
                },
            })
        })
        .collect()
}
