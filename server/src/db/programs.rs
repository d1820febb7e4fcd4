//! Programs and collaborations (a source in a program, with its tracking link).

use model::program::{Collaboration, Program, ValidProgram};
use model::source::SourceProgram;
use model::{Status, Visibility};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::Db;
use crate::codes;
use crate::time::{now_ms, rfc3339};

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

const SELECT_PROGRAM: &str = "SELECT p.id, p.name, p.landing_url, p.created_at,
    (SELECT COUNT(*) FROM collaborations c WHERE c.program_id = p.id) AS source_count
    FROM programs p";

fn program_from_row(row: &AnyRow) -> Result<Program, sqlx::Error> {
    Ok(Program {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        landing_url: row.try_get("landing_url")?,
        source_count: row.try_get("source_count")?,
        created_at: rfc3339(row.try_get("created_at")?),
    })
}

/// Creates a program, or `None` when the advertiser already has `max`.
pub async fn create(
    db: &Db,
    advertiser_id: i64,
    v: &ValidProgram,
    max: i64,
) -> Result<Option<Program>, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let have = db
        .count_for_cap(
            &mut tx,
            "accounts",
            "programs",
            "advertiser_id",
            advertiser_id,
        )
        .await?;
    if have >= max {
        tx.rollback().await?;
        return Ok(None);
    }
    let row = sqlx::query(
        "INSERT INTO programs (advertiser_id, name, landing_url, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(advertiser_id)
    .bind(&v.name)
    .bind(&v.landing_url)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Program {
        id: row.try_get("id")?,
        name: v.name.clone(),
        landing_url: v.landing_url.clone(),
        source_count: 0,
        created_at: rfc3339(now),
    }))
}

/// Only the programs that include this traffic source, when set.
fn using_source(source_id: Option<i64>, param: usize) -> String {
    match source_id {
        Some(_) => format!(
            " AND EXISTS (SELECT 1 FROM collaborations c WHERE c.program_id = p.id AND c.traffic_source_id = ${param})"
        ),
        None => String::new(),
    }
}

/// One page of an advertiser's programs, newest first, and the cursor of the next page;
/// `source_id` keeps only the programs that include that source.
pub async fn list(
    db: &Db,
    advertiser_id: i64,
    source_id: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<Program>, Option<String>), sqlx::Error> {
    let sql = format!(
        "{SELECT_PROGRAM} WHERE p.advertiser_id = $1 AND p.id < $2{} ORDER BY p.id DESC LIMIT $3",
        using_source(source_id, 4)
    );
    let mut query = sqlx::query(&sql)
        .bind(advertiser_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit + 1);
    if let Some(id) = source_id {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&db.pool).await?;
    let mut items = rows
        .iter()
        .map(program_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|p| p.id.to_string())
    } else {
        None
    };
    Ok((items, next))
}

pub async fn count(
    db: &Db,
    advertiser_id: i64,
    source_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM programs p WHERE p.advertiser_id = $1{}",
        using_source(source_id, 2)
    );
    let mut query = sqlx::query(&sql).bind(advertiser_id);
    if let Some(id) = source_id {
        query = query.bind(id);
    }
    query.fetch_one(&db.pool).await?.try_get("n")
}

/// An advertiser's own program; another advertiser's is `None`, as if it did not exist.
pub async fn get(db: &Db, id: i64, advertiser_id: i64) -> Result<Option<Program>, sqlx::Error> {
    let sql = format!("{SELECT_PROGRAM} WHERE p.id = $1 AND p.advertiser_id = $2");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(advertiser_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(program_from_row).transpose()
}

const SELECT_COLLABORATION: &str = "SELECT c.id, c.program_id, c.traffic_source_id, s.name AS source_name, s.url AS source_url,
    a.display_name AS partner_name, s.status, s.visibility, c.tracking_code, c.clicks, c.refused_clicks, c.created_at
    FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id JOIN accounts a ON a.id = s.partner_id";

fn collaboration_from_row(row: &AnyRow, base_url: &str) -> Result<Collaboration, sqlx::Error> {
    let status: String = row.try_get("status")?;
    let visibility: String = row.try_get("visibility")?;
    let code: String = row.try_get("tracking_code")?;
    let decode_err =
        |what: &str| sqlx::Error::Decode(format!("unexpected {what} in collaboration").into());
    Ok(Collaboration {
        id: row.try_get("id")?,
        program_id: row.try_get("program_id")?,
        traffic_source_id: row.try_get("traffic_source_id")?,
        source_name: row.try_get("source_name")?,
        source_url: row.try_get("source_url")?,
        partner_name: row.try_get("partner_name")?,
        status: Status::from_id(&status).ok_or_else(|| decode_err("status"))?,
        visibility: Visibility::from_id(&visibility).ok_or_else(|| decode_err("visibility"))?,
        tracking_url: tracking_url(base_url, &code),
        tracking_code: code,
        clicks: row.try_get("clicks")?,
        refused_clicks: row.try_get("refused_clicks")?,
        // Filled from the rollups by `collaborations`.
        clicks_30d: 0,
        match_rate_30d: None,
        created_at: rfc3339(row.try_get("created_at")?),
    })
}

/// The sources of a program, in the order they were added. Whatever their status or
/// visibility now: a source that turned Private or Paused stays in the program.
pub async fn collaborations(
    db: &Db,
    program_id: i64,
    base_url: &str,
) -> Result<Vec<Collaboration>, sqlx::Error> {
    let sql = format!("{SELECT_COLLABORATION} WHERE c.program_id = $1 ORDER BY c.id");
    let rows = sqlx::query(&sql)
        .bind(program_id)
        .fetch_all(&db.pool)
        .await?;
    let mut collaborations = rows
        .iter()
        .map(|row| collaboration_from_row(row, base_url))
        .collect::<Result<Vec<_>, _>>()?;
    super::traffic::fill_collaborations(db, program_id, &mut collaborations).await?;
    Ok(collaborations)
}

#[derive(Debug)]
pub enum AddOutcome {
    Added(Collaboration),
    /// Not the advertiser's program, or not a marketplace source (Active and Public).
    NotFound,
    /// The source is already in the program.
    Duplicate,
    /// The program already holds as many sources as it may.
    AtCap,
}

/// Puts a marketplace source into an advertiser's program with a fresh tracking code,
/// unless the program holds `max` sources already.
/// Ownership and "Active and Public" are checked by the INSERT itself, so a source
/// paused a moment earlier cannot slip in.
pub async fn add_source(
    db: &Db,
    program_id: i64,
    advertiser_id: i64,
    source_id: i64,
    base_url: &str,
    max: i64,
) -> Result<AddOutcome, sqlx::Error> {
    // 95-bit codes practically never collide; a collision simply draws again.
    // On PostgreSQL the source row is share-locked, so a block running at the same moment
    // either waits for this insert (and then notifies this advertiser too) or commits first
    // (and this insert re-reads the status and adds nothing). SQLite runs one writer at a time.
    let lock = match db.backend {
        super::Backend::Postgres => " FOR SHARE OF s",
        super::Backend::Sqlite => "",
    };
    let sql = format!(
        "INSERT INTO collaborations (program_id, traffic_source_id, tracking_code, clicks, refused_clicks, created_at)
         SELECT p.id, s.id, $1, 0, 0, $2 FROM programs p, traffic_sources s
         WHERE p.id = $3 AND p.advertiser_id = $4 AND s.id = $5 AND s.status = 'active' AND s.visibility = 'public'{lock}
         RETURNING id"
    );
    for _ in 0..5 {
        let mut tx = db.begin_write().await?;
        let have = db
            .count_for_cap(
                &mut tx,
                "programs",
                "collaborations",
                "program_id",
                program_id,
            )
            .await?;
        if have >= max {
            let mine =
                sqlx::query("SELECT 1 AS x FROM programs WHERE id = $1 AND advertiser_id = $2")
                    .bind(program_id)
                    .bind(advertiser_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
            tx.rollback().await?;
            // Another advertiser's program is as unknown as any.
            return Ok(if mine {
                AddOutcome::AtCap
            } else {
                AddOutcome::NotFound
            });
        }
        let inserted = sqlx::query(&sql)
            .bind(codes::tracking_code())
            .bind(now_ms())
            .bind(program_id)
            .bind(advertiser_id)
            .bind(source_id)
            .fetch_optional(&mut *tx)
            .await;
        let id: i64 = match inserted {
            Ok(Some(row)) => row.try_get("id")?,
            Ok(None) => return Ok(AddOutcome::NotFound),
            Err(e) => match super::unique_violation(&e) {
                Some(what) if what.contains("tracking_code") => continue,
                Some(_) => return Ok(AddOutcome::Duplicate),
                None => return Err(e),
            },
        };
        tx.commit().await?;
        let sql = format!("{SELECT_COLLABORATION} WHERE c.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_one(&db.pool).await?;
        return Ok(AddOutcome::Added(collaboration_from_row(&row, base_url)?));
    }
    Err(sqlx::Error::Protocol(
        "could not draw an unused tracking code".into(),
    ))
}
