//! The tracking redirect's queries: resolving a code, and adding up click counts.

use sqlx::Row;

use super::Db;
use crate::clicks::Tally;

/// What a tracking code leads to, read fresh on every click: a pause or block takes
/// effect on the very next click, on every server instance.
pub struct Link {
    pub collaboration_id: i64,
    /// The source is Active: the link redirects (Public or Private alike).
    pub live: bool,
    pub landing_url: String,
}

/// One indexed lookup (the unique code) joined to two primary keys.
pub async fn resolve(db: &Db, code: &str) -> Result<Option<Link>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT c.id, s.status, p.landing_url FROM collaborations c
         JOIN traffic_sources s ON s.id = c.traffic_source_id JOIN programs p ON p.id = c.program_id
         WHERE c.tracking_code = $1",
    )
    .bind(code)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|row| {
        let status: String = row.try_get("status")?;
        Ok(Link {
            collaboration_id: row.try_get("id")?,
            live: status == "active",
            landing_url: row.try_get("landing_url")?,
        })
    })
    .transpose()
}

/// Adds a batch of click counts in one transaction.
pub async fn add_clicks(db: &Db, batch: &[(i64, Tally)]) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    for (id, tally) in batch {
        sqlx::query(
            "UPDATE collaborations SET clicks = clicks + $1, refused_clicks = refused_clicks + $2 WHERE id = $3",
        )
        .bind(tally.redirected)
        .bind(tally.refused)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
