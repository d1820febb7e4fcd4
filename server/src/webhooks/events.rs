//! The events of the product's changes, each queued by the transaction that makes the
//! change: those about a source (`source.blocked`, `.unblocked`, `.paused`, `.activated`)
//! and about a collaboration (`collaboration.*`, to both sides). Any other change queues
//! its own through [`super::enqueue`].

use model::webhook::WebhookEventType;
use serde_json::json;
use sqlx::{Any, Row, Transaction};

/// Queues `event` about a source to its partner and to every advertiser with the source
/// in a program, after the change in the same transaction (so it reads the new state).
/// Only the partner's carries staff's public reason for a block, as only the partner's
/// notification does; staff's internal note is never in any.
pub async fn source_changed(
    tx: &mut Transaction<'_, Any>,
    source_id: i64,
    event: WebhookEventType,
) -> Result<(), sqlx::Error> {
    let row = sqlx::query(
        "SELECT partner_id, name, url, status, visibility, block_reason, version FROM traffic_sources WHERE id = $1",
    )
    .bind(source_id)
    .fetch_one(&mut **tx)
    .await?;
    let partner_id: i64 = row.try_get("partner_id")?;
    let source = json!({
        "id": source_id,
        "partner_id": partner_id,
        "name": row.try_get::<String, _>("name")?,
        "url": row.try_get::<String, _>("url")?,
        "status": row.try_get::<String, _>("status")?,
        "visibility": row.try_get::<String, _>("visibility")?,
        "version": row.try_get::<i64, _>("version")?,
    });
    let advertisers: Vec<i64> = sqlx::query(
        "SELECT DISTINCT p.advertiser_id FROM collaborations c JOIN programs p ON p.id = c.program_id WHERE c.traffic_source_id = $1",
    )
    .bind(source_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let mut to_partner = json!({ "traffic_source": source });
    if event == WebhookEventType::SourceBlocked {
        to_partner["reason"] = json!(row.try_get::<Option<String>, _>("block_reason")?);
    }
    super::enqueue(tx, event, &to_partner, &[partner_id]).await?;
    super::enqueue(
        tx,
        event,
        &json!({ "traffic_source": source }),
        &advertisers,
    )
    .await?;
    Ok(())
}

/// Queues `event` (one of `collaboration.*`) about a collaboration to both sides: the
/// source's partner and the program's advertiser, in the transaction of the change (after
/// it). `reason`: a decline's or an end's, which both sides read. The collaboration's
/// state machine calls this at each of its changes.
pub async fn collaboration_changed(
    tx: &mut Transaction<'_, Any>,
    collaboration_id: i64,
    event: WebhookEventType,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let row = sqlx::query(
        "SELECT c.program_id, p.name AS program_name, p.advertiser_id, c.traffic_source_id, s.name AS source_name, s.partner_id
         FROM collaborations c JOIN programs p ON p.id = c.program_id JOIN traffic_sources s ON s.id = c.traffic_source_id
         WHERE c.id = $1",
    )
    .bind(collaboration_id)
    .fetch_one(&mut **tx)
    .await?;
    let partner_id: i64 = row.try_get("partner_id")?;
    let advertiser_id: i64 = row.try_get("advertiser_id")?;
    let mut data = json!({
        "collaboration": {
            "id": collaboration_id,
            "program_id": row.try_get::<i64, _>("program_id")?,
            "program_name": row.try_get::<String, _>("program_name")?,
            "advertiser_id": advertiser_id,
            "traffic_source_id": row.try_get::<i64, _>("traffic_source_id")?,
            "source_name": row.try_get::<String, _>("source_name")?,
            "partner_id": partner_id,
        }
    });
    if let Some(reason) = reason {
        data["reason"] = json!(reason);
    }
    super::enqueue(tx, event, &data, &[partner_id, advertiser_id]).await?;
    Ok(())
}
