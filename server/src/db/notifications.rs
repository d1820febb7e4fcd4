//! Notifications, written inside the transaction of the change they tell about.

use model::notification::NotificationKind;
use sqlx::{Any, Row, Transaction};

use crate::time::now_ms;

fn kind_id(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::SourceBlocked => "source_blocked",
        NotificationKind::SourceUnblocked => "source_unblocked",
    }
}

pub fn kind_from_id(id: &str) -> Option<NotificationKind> {
    match id {
        "source_blocked" => Some(NotificationKind::SourceBlocked),
        "source_unblocked" => Some(NotificationKind::SourceUnblocked),
        _ => None,
    }
}

/// Tells the source's partner and every advertiser with the source in a program that it
/// was blocked or unblocked. The partner's message carries the public reason.
pub async fn source_status_changed(
    tx: &mut Transaction<'_, Any>,
    source_id: i64,
    kind: NotificationKind,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let row = sqlx::query("SELECT partner_id, name FROM traffic_sources WHERE id = $1")
        .bind(source_id)
        .fetch_one(&mut **tx)
        .await?;
    let partner_id: i64 = row.try_get("partner_id")?;
    let name: String = row.try_get("name")?;
    let advertisers = sqlx::query(
        "SELECT DISTINCT p.advertiser_id FROM collaborations c JOIN programs p ON p.id = c.program_id WHERE c.traffic_source_id = $1",
    )
    .bind(source_id)
    .fetch_all(&mut **tx)
    .await?;
    let (to_partner, to_advertiser) = match kind {
        NotificationKind::SourceBlocked => (
            format!("Your traffic source \u{201c}{name}\u{201d} was blocked by platform staff. Reason: {}", reason.unwrap_or("not given")),
            format!("The traffic source \u{201c}{name}\u{201d} in your programs was blocked by platform staff; its tracking links no longer redirect."),
        ),
        NotificationKind::SourceUnblocked => (
            format!("Platform staff lifted the block on your traffic source \u{201c}{name}\u{201d}."),
            format!("The traffic source \u{201c}{name}\u{201d} in your programs is no longer blocked; its links work again while it is active."),
        ),
    };
    let now = now_ms();
    let mut recipients = vec![(partner_id, to_partner)];
    for a in advertisers {
        recipients.push((a.try_get("advertiser_id")?, to_advertiser.clone()));
    }
    for (account_id, message) in recipients {
        sqlx::query("INSERT INTO notifications (account_id, kind, message, traffic_source_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(account_id)
            .bind(kind_id(kind))
            .bind(message)
            .bind(source_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
