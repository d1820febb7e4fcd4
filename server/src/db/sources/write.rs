//! Creating and editing a source, each with its audit entry in the same transaction.

use model::audit::{AuditAction, FieldChange};
use model::verification::VerificationMethod;
use model::{Channel, Status, TrafficSource, ValidSource};
use serde_json::json;
use sqlx::Row;

use super::get;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::Db;
use crate::time::now_ms;

/// Which of a partner's unique fields a write collided with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateField {
    Name,
    Url,
}

fn duplicate_field(err: &sqlx::Error) -> Option<DuplicateField> {
    crate::db::unique_violation(err).map(|what| {
        if what.contains("name_key") {
            DuplicateField::Name
        } else {
            DuplicateField::Url
        }
    })
}

fn field_values(v: &ValidSource) -> [(&'static str, serde_json::Value); 5] {
    [
        ("name", json!(v.name)),
        ("url", json!(v.url)),
        ("channels", json!(v.channels)),
        ("status", json!(v.status)),
        ("visibility", json!(v.visibility)),
    ]
}

fn valid_of(source: &TrafficSource) -> ValidSource {
    ValidSource {
        name: source.name.clone(),
        url: source.url.clone(),
        channels: source.channels.clone(),
        status: source.status,
        visibility: source.visibility,
    }
}

/// Why a source was not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateRefusal {
    Duplicate(DuplicateField),
    /// The partner already has `max` sources.
    AtCap,
}

/// Creates a source and its "created" audit entry in one transaction, unless the partner
/// already has `max` sources.
pub async fn create(
    db: &Db,
    partner_id: i64,
    v: &ValidSource,
    max: i64,
) -> Result<Result<TrafficSource, CreateRefusal>, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let have = db
        .count_for_cap(
            &mut tx,
            "accounts",
            "traffic_sources",
            "partner_id",
            partner_id,
        )
        .await?;
    if have >= max {
        tx.rollback().await?;
        return Ok(Err(CreateRefusal::AtCap));
    }
    let inserted = sqlx::query(
        "INSERT INTO traffic_sources (partner_id, name, name_key, url, url_key, channels, status, visibility, version, created_at, updated_at, verification_token)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10) RETURNING id",
    )
    .bind(partner_id)
    .bind(&v.name)
    .bind(model::text::name_key(&v.name))
    .bind(&v.url)
    .bind(v.url.to_lowercase())
    .bind(Channel::mask(&v.channels))
    .bind(v.status.id())
    .bind(v.visibility.id())
    .bind(now)
    .bind(crate::db::verification::new_token())
    .fetch_one(&mut *tx)
    .await;
    let id: i64 = match inserted {
        Ok(row) => row.try_get("id")?,
        Err(e) => {
            return duplicate_field(&e)
                .map(|f| Err(CreateRefusal::Duplicate(f)))
                .ok_or(e)
        }
    };
    let changes: Vec<FieldChange> = field_values(v)
        .into_iter()
        .map(|(field, new)| FieldChange {
            field: field.into(),
            old: serde_json::Value::Null,
            new,
        })
        .collect();
    audit::record(
        &mut tx,
        NewAuditEvent {
            source_id: id,
            actor_id: partner_id,
            action: AuditAction::Created,
            changes: &changes,
            reason: None,
            note: None,
        },
    )
    .await?;
    crate::db::review::on_created(&mut tx, id, partner_id, &v.url).await?;
    tx.commit().await?;
    Ok(Ok(get(db, id).await?.ok_or(sqlx::Error::RowNotFound)?))
}

/// Returned once per request, so the size gap between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum UpdateOutcome {
    Updated(TrafficSource),
    NotFound,
    Blocked,
    Conflict,
    Duplicate(DuplicateField),
}

/// Replaces a partner's source if it is still at `expected_version` and not blocked.
/// Writes the audit entry (old → new of each changed field) in the same transaction.
pub async fn update(
    db: &Db,
    id: i64,
    partner_id: i64,
    expected_version: i64,
    v: &ValidSource,
) -> Result<UpdateOutcome, sqlx::Error> {
    let Some(current) = get(db, id).await?.filter(|s| s.partner_id == partner_id) else {
        return Ok(UpdateOutcome::NotFound);
    };
    if current.status == Status::Blocked {
        return Ok(UpdateOutcome::Blocked);
    }
    if current.version != expected_version {
        return Ok(UpdateOutcome::Conflict);
    }
    let changes: Vec<FieldChange> = field_values(&valid_of(&current))
        .into_iter()
        .zip(field_values(v))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((field, old), (_, new))| FieldChange {
            field: field.into(),
            old,
            new,
        })
        .collect();
    if changes.is_empty() {
        return Ok(UpdateOutcome::Updated(current));
    }
    // The UPDATE comes first in the transaction, so SQLite takes the write lock at once
    // (waiting on busy_timeout) instead of failing to upgrade a read snapshot.
    let mut tx = db.begin_write().await?;
    let updated = sqlx::query(
        "UPDATE traffic_sources SET name = $1, name_key = $2, url = $3, url_key = $4, channels = $5, status = $6, visibility = $7,
         version = version + 1, updated_at = $8
         WHERE id = $9 AND partner_id = $10 AND version = $11 AND status <> 'blocked'",
    )
    .bind(&v.name)
    .bind(model::text::name_key(&v.name))
    .bind(&v.url)
    .bind(v.url.to_lowercase())
    .bind(Channel::mask(&v.channels))
    .bind(v.status.id())
    .bind(v.visibility.id())
    .bind(now_ms())
    .bind(id)
    .bind(partner_id)
    .bind(expected_version)
    .execute(&mut *tx)
    .await;
    match updated {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => {
            tx.rollback().await?;
            let now = get(db, id).await?;
            return Ok(match now {
                Some(s) if s.status == Status::Blocked => UpdateOutcome::Blocked,
                Some(_) => UpdateOutcome::Conflict,
                None => UpdateOutcome::NotFound,
            });
        }
        Err(e) => return duplicate_field(&e).map(UpdateOutcome::Duplicate).ok_or(e),
    }
    let action = match (current.status, v.status) {
        (Status::Active, Status::Paused) => AuditAction::Paused,
        (Status::Paused, Status::Active) => AuditAction::Resumed,
        _ => AuditAction::Edited,
    };
    audit::record(
        &mut tx,
        NewAuditEvent {
            source_id: id,
            actor_id: partner_id,
            action,
            changes: &changes,
            reason: None,
            note: None,
        },
    )
    .await?;
    let event = match action {
        AuditAction::Paused => Some(model::webhook::WebhookEventType::SourcePaused),
        AuditAction::Resumed => Some(model::webhook::WebhookEventType::SourceActivated),
        _ => None,
    };
    if let Some(event) = event {
        crate::webhooks::events::source_changed(&mut tx, id, event).await?;
    }
    // The proof was for the old host; a new host must be proven again. The same host
    // under another path keeps the mark (a TXT record or well-known file covers the host).
    let old_host = model::verification::host_of(&current.url).unwrap_or_default();
    let new_host = model::verification::host_of(&v.url).unwrap_or_default();
    if old_host != new_host {
        if let Some(method) = verified_method(&mut tx, id).await? {
            crate::db::verification::drop_on_host_change(
                &mut tx, id, partner_id, method, &old_host, &new_host,
            )
            .await?;
        }
    }
    if current.url != v.url {
        crate::db::review::on_url_changed(&mut tx, id, partner_id, &current.url, &v.url).await?;
    }
    tx.commit().await?;
    Ok(UpdateOutcome::Updated(
        get(db, id).await?.ok_or(sqlx::Error::RowNotFound)?,
    ))
}

/// The proof a source is verified by, read inside a transaction.
async fn verified_method(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
) -> Result<Option<VerificationMethod>, sqlx::Error> {
    let method: Option<String> =
        sqlx::query("SELECT verified_method FROM traffic_sources WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("verified_method")?;
    Ok(method.as_deref().and_then(VerificationMethod::from_id))
}
