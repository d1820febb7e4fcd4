//! Programs and collaborations (a source in a program, with its tracking link).

use model::source::SourceProgram;
use sqlx::Row;

use super::Db;

/// The programs using a source, as its partner sees them.
pub async fn of_source(
    db: &Db,
    source_id: i64,
    base_url: &str,
) -> Result<Vec<SourceProgram>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.id, c.tracking_code, c.clicks, p.id AS program_id, p.name AS program_name, a.display_name AS advertiser_name
         FROM collaborations c JOIN programs p ON p.id = c.program_id JOIN accounts a ON a.id = p.advertiser_id
         WHERE c.traffic_source_id = $1 ORDER BY c.id",
    )
    .bind(source_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let code: String = row.try_get("tracking_code")?;
            Ok(SourceProgram {
                collaboration_id: row.try_get("id")?,
                program_id: row.try_get("program_id")?,
                program_name: row.try_get("program_name")?,
                advertiser_name: row.try_get("advertiser_name")?,
                tracking_url: tracking_url(base_url, &code),
                clicks: row.try_get("clicks")?,
            })
        })
        .collect()
}

pub fn tracking_url(base_url: &str, code: &str) -> String {
    format!("{}/t/{code}", base_url.trim_end_matches('/'))
}
