//! Programs and collaborations (a source in a program, with its tracking link).

use model::program::{
    ApprovalMode, Collaboration, CollaborationState, Listing, Program, ValidProgram,
};
use model::source::SourceProgram;
use model::Channel;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::Db;
use crate::time::{now_ms, rfc3339};

/// The programs using a source, as its partner sees them.
pub async fn of_source(
    db: &Db,
    source_id: i64,
    base_url: &str,
) -> Result<Vec<SourceProgram>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.id, c.tracking_code, c.clicks, c.state, p.id AS program_id, p.name AS program_name, a.display_name AS advertiser_name
         FROM collaborations c JOIN programs p ON p.id = c.program_id JOIN accounts a ON a.id = p.advertiser_id
         WHERE c.traffic_source_id = $1 ORDER BY c.id",
    )
    .bind(source_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let code: String = row.try_get("tracking_code")?;
            let state = state_of(row)?;
            Ok(SourceProgram {
                collaboration_id: row.try_get("id")?,
                program_id: row.try_get("program_id")?,
                program_name: row.try_get("program_name")?,
                advertiser_name: row.try_get("advertiser_name")?,
                state,
                tracking_url: (state == CollaborationState::Approved)
                    .then(|| tracking_url(base_url, &code)),
                clicks: row.try_get("clicks")?,
            })
        })
        .collect()
}

pub fn tracking_url(base_url: &str, code: &str) -> String {
    format!("{}/t/{code}", base_url.trim_end_matches('/'))
}

const SELECT_PROGRAM: &str = "SELECT p.id, p.advertiser_id, p.name, p.landing_url, p.created_at, p.description, p.approval_mode,
    p.listing, p.accepted_channels, p.permitted_domains, a.display_name AS advertiser_name,
    (SELECT COUNT(*) FROM collaborations c WHERE c.program_id = p.id AND c.state = 'approved') AS source_count
    FROM programs p JOIN accounts a ON a.id = p.advertiser_id";

pub fn state_of(row: &AnyRow) -> Result<CollaborationState, sqlx::Error> {
    let state: String = row.try_get("state")?;
    CollaborationState::from_id(&state)
        .ok_or_else(|| sqlx::Error::Decode(format!("unexpected state {state}").into()))
}

fn program_from_row(row: &AnyRow) -> Result<Program, sqlx::Error> {
    let domains: String = row.try_get("permitted_domains")?;
    Ok(Program {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        landing_url: row.try_get("landing_url")?,
        description: row.try_get("description")?,
        approval_mode: ApprovalMode::from_id(&row.try_get::<String, _>("approval_mode")?)
            .unwrap_or_default(),
        listing: Listing::from_id(&row.try_get::<String, _>("listing")?).unwrap_or_default(),
        accepted_channels: Channel::from_mask(row.try_get("accepted_channels")?),
        permitted_domains: serde_json::from_str(&domains).unwrap_or_default(),
        advertiser_name: row.try_get("advertiser_name")?,
        source_count: row.try_get("source_count")?,
        created_at: rfc3339(row.try_get("created_at")?),
    })
}

fn domains_json(v: &ValidProgram) -> String {
    serde_json::to_string(&v.permitted_domains).unwrap_or_else(|_| "[]".into())
}

/// Creates a program, or `None` when the advertiser already has `max`: counted in the
/// insert's transaction (the advertiser's row locked on PostgreSQL).
pub async fn create(
    db: &Db,
    advertiser_id: i64,
    v: &ValidProgram,
    max: i64,
) -> Result<Option<Program>, sqlx::Error> {
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
        "INSERT INTO programs (advertiser_id, name, landing_url, created_at, description, approval_mode, listing, accepted_channels, permitted_domains)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(advertiser_id)
    .bind(&v.name)
    .bind(&v.landing_url)
    .bind(now_ms())
    .bind(&v.description)
    .bind(v.approval_mode.id())
    .bind(v.listing.id())
    .bind(Channel::mask(&v.accepted_channels))
    .bind(domains_json(v))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let id: i64 = row.try_get("id")?;
    get(db, id, advertiser_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
        .map(Some)
}

/// Replaces an advertiser's program's fields; `None` when it is not theirs.
pub async fn update(
    db: &Db,
    id: i64,
    advertiser_id: i64,
    v: &ValidProgram,
) -> Result<Option<Program>, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE programs SET name = $1, landing_url = $2, description = $3, approval_mode = $4, listing = $5,
         accepted_channels = $6, permitted_domains = $7 WHERE id = $8 AND advertiser_id = $9",
    )
    .bind(&v.name)
    .bind(&v.landing_url)
    .bind(&v.description)
    .bind(v.approval_mode.id())
    .bind(v.listing.id())
    .bind(Channel::mask(&v.accepted_channels))
    .bind(domains_json(v))
    .bind(id)
    .bind(advertiser_id)
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    get(db, id, advertiser_id).await
}

/// Any program by id, whoever owns it (callers check who may see it).
pub async fn get_any(db: &Db, id: i64) -> Result<Option<(Program, i64)>, sqlx::Error> {
    let sql = format!("{SELECT_PROGRAM} WHERE p.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&db.pool).await?;
    row.as_ref()
        .map(|r| Ok((program_from_row(r)?, r.try_get::<i64, _>("advertiser_id")?)))
        .transpose()
}

/// Whether a partner may read a program: it is listed, or they have a collaboration in it.
pub async fn partner_may_see(
    db: &Db,
    program: &Program,
    partner_id: i64,
) -> Result<bool, sqlx::Error> {
    if program.listing == Listing::Listed {
        return Ok(true);
    }
    let row = sqlx::query(
        "SELECT 1 FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
         WHERE c.program_id = $1 AND s.partner_id = $2 LIMIT 1",
    )
    .bind(program.id)
    .bind(partner_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.is_some())
}

/// One page of the partners' directory: listed programs, newest first, matching `search`
/// (name or description) and accepting `channel` when given.
pub async fn directory(
    db: &Db,
    search: Option<&str>,
    channel: Option<Channel>,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<Program>, Option<String>, i64), sqlx::Error> {
    // Filters join the SQL only when set, each with its own parameter (PostgreSQL types a
    // parameter by its first use).
    let mut filter = String::from("p.listing = 'listed'");
    let mut binds: Vec<Bind> = Vec::new();
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!(
            "%{}%",
            s.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let n = binds.len() + 1;
        filter.push_str(&format!(
            " AND (LOWER(p.name) LIKE ${n} ESCAPE '\\' OR LOWER(p.description) LIKE ${n} ESCAPE '\\')"
        ));
        binds.push(Bind::Text(pattern));
    }
    if let Some(channel) = channel {
        let n = binds.len() + 1;
        filter.push_str(&format!(
            " AND (p.accepted_channels = 0 OR (p.accepted_channels & ${n}) <> 0)"
        ));
        binds.push(Bind::Int(channel.bit()));
    }
    let n = binds.len();
    let sql = format!(
        "{SELECT_PROGRAM} WHERE {filter} AND p.id < ${} ORDER BY p.id DESC LIMIT ${}",
        n + 1,
        n + 2
    );
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = b.bind(query);
    }
    let rows = query
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit + 1)
        .fetch_all(&db.pool)
        .await?;
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
    let count_sql = format!("SELECT COUNT(*) AS n FROM programs p WHERE {filter}");
    let mut count = sqlx::query(&count_sql);
    for b in &binds {
        count = b.bind(count);
    }
    let total: i64 = count.fetch_one(&db.pool).await?.try_get("n")?;
    Ok((items, next, total))
}

enum Bind {
    Text(String),
    Int(i64),
}

impl Bind {
    fn bind<'q>(
        &'q self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        match self {
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Int(i) => q.bind(*i),
        }
    }
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

/// The sources of a program, in the order they were added, whatever their state, status
/// or visibility.
pub async fn collaborations(
    db: &Db,
    program_id: i64,
    base_url: &str,
) -> Result<Vec<Collaboration>, sqlx::Error> {
    super::collaborations::of_program(db, program_id, base_url).await
}
