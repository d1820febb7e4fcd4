//! Who may receive which live event, checked for every event before it is sent.
//!
//! - A notification goes to its recipient only.
//! - A source's change goes to its partner and to staff, and to an advertiser only when
//!   the source is in one of their programs or was or is in the marketplace (a blocked
//!   source must leave the marketplace pages that show it).
//! - A new collaboration goes to the source's partner and to the advertiser who made it.

use model::{Account, Role};
use sqlx::Row;

use super::LiveEvent;
use crate::db::Db;

pub async fn may_see(db: &Db, account: &Account, e: &LiveEvent) -> Result<bool, sqlx::Error> {
    let me = Some(account.id);
    Ok(match (e.kind.as_str(), account.role) {
        ("notification", _) => e.account_id == me,
        ("source", Role::Staff) => true,
        ("source", Role::Partner) => e.partner_id == me,
        ("source", Role::Advertiser) => {
            e.was_listed || e.is_listed || in_programs_of(db, account.id, e).await?
        }
        ("collaboration", Role::Partner) => e.partner_id == me,
        ("collaboration", Role::Advertiser) => e.account_id == me,
        _ => false,
    })
}

async fn in_programs_of(db: &Db, advertiser_id: i64, e: &LiveEvent) -> Result<bool, sqlx::Error> {
    let Some(source) = e.traffic_source_id else {
        return Ok(false);
    };
    let row = sqlx::query(
        "SELECT COUNT(*) FROM collaborations c JOIN programs p ON p.id = c.program_id
         WHERE c.traffic_source_id = $1 AND p.advertiser_id = $2",
    )
    .bind(source)
    .bind(advertiser_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// What a stream sends of an event (the `data` of an SSE event named after its kind):
/// enough for a page to update what it shows, or to know what to fetch again.
pub fn update(e: &LiveEvent) -> model::live::LiveUpdate {
    model::live::LiveUpdate {
        kind: e.kind.clone(),
        source_id: e.traffic_source_id,
        status: e.status.clone(),
        visibility: e.visibility.clone(),
        listed: (e.kind == "source").then_some(e.is_listed),
        verified: (e.kind == "source").then_some(e.verified),
    }
}
