//! Queries on traffic sources: a row and how it is read (here), the filtered,
//! keyset-paginated list (`list`), creating and editing (`write`), and staff's Block and
//! Unblock (`block`).

mod block;
mod list;
mod write;

pub use block::{block, unblock, BlockOutcome};
pub use list::{
    count, list, plan, send_all, Cursor, ListFilter, ObservedFilter, Planned, MAX_PAGES_PER_CALL,
};
pub use write::{create, update, CreateRefusal, DuplicateField, UpdateOutcome};

use model::verification::VerificationState;
use model::{Channel, Status, TrafficSource, Visibility};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::Db;
use crate::time::rfc3339;

/// A list row's columns from `traffic_sources s`, the partner's name given by `$partner`.
macro_rules! source_columns {
    ($partner:literal) => {
        concat!(
            "SELECT s.id, s.partner_id, ",
            $partner,
            " AS partner_name, s.name, s.url, s.channels, s.status,
    s.visibility, s.block_reason, s.block_note, s.version, s.created_at, s.updated_at, s.verified_method,
    (SELECT COUNT(*) FROM collaborations c WHERE c.traffic_source_id = s.id) AS program_count"
        )
    };
}
const SELECT_SOURCE: &str = concat!(
    source_columns!("a.display_name"),
    " FROM traffic_sources s JOIN accounts a ON a.id = s.partner_id"
);
/// For a page already chosen: each row's partner looked up by its key. As a join,
/// SQLite 3.46 scans every account against a bloom filter instead (26 ms, not 1).
const PAGE_COLUMNS: &str =
    source_columns!("(SELECT a.display_name FROM accounts a WHERE a.id = s.partner_id)");

fn decode_err(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unexpected {what} in traffic_sources").into())
}

pub fn source_from_row(row: &AnyRow) -> Result<TrafficSource, sqlx::Error> {
    let status: String = row.try_get("status")?;
    let visibility: String = row.try_get("visibility")?;
    let url: String = row.try_get("url")?;
    let verified: Option<String> = row.try_get("verified_method")?;
    let verification_state = if verified.is_some() {
        VerificationState::Verified
    } else if model::verification::shared_platform(&url).is_some() {
        VerificationState::NotVerifiable
    } else {
        VerificationState::Unverified
    };
    Ok(TrafficSource {
        id: row.try_get("id")?,
        partner_id: row.try_get("partner_id")?,
        partner_name: row.try_get("partner_name")?,
        name: row.try_get("name")?,
        url,
        channels: Channel::from_mask(row.try_get("channels")?),
        status: Status::from_id(&status).ok_or_else(|| decode_err("status"))?,
        visibility: Visibility::from_id(&visibility).ok_or_else(|| decode_err("visibility"))?,
        block_reason: row.try_get("block_reason")?,
        block_note: row.try_get("block_note")?,
        version: row.try_get("version")?,
        program_count: row.try_get("program_count")?,
        programs_approved: 0,
        programs_pending: 0,
        invitations: 0,
        // Filled from the rollups by `list` and `get`.
        clicks_30d: 0,
        match_rate_30d: None,
        verification_state,
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
    })
}

pub async fn get(db: &Db, id: i64) -> Result<Option<TrafficSource>, sqlx::Error> {
    let sql = format!("{SELECT_SOURCE} WHERE s.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&db.pool).await?;
    let mut source = row.as_ref().map(source_from_row).transpose()?;
    if let Some(s) = source.as_mut() {
        super::traffic::fill_sources(db, std::slice::from_mut(s)).await?;
    }
    Ok(source)
}

/// A source's partner and URL only: what a traffic read needs to check who may see it and
/// to name the declared site, without the list row's counts and figures (a third of that
/// call's queries).
pub async fn owner_and_url(db: &Db, id: i64) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT partner_id, url FROM traffic_sources WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get("partner_id")?, r.try_get("url")?)))
        .transpose()
}

/// The partner of each of these sources that exists, by id, in no particular order.
pub async fn owners(db: &Db, ids: &[i64]) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = super::in_list(1, ids.len());
    let sql = format!("SELECT id, partner_id FROM traffic_sources WHERE id IN ({list})");
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Several sources by id, with their 30-day figures, in no particular order.
pub async fn get_many(db: &Db, ids: &[i64]) -> Result<Vec<TrafficSource>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = super::in_list(1, ids.len());
    let sql = format!("{SELECT_SOURCE} WHERE s.id IN ({list})");
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    let mut items = q
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(source_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    super::traffic::fill_sources(db, &mut items).await?;
    Ok(items)
}

/// Sets each row's memberships (collaborations approved, applications pending,
/// invitations waiting) with one query for the page: the partner's list shows them.
pub async fn fill_membership(db: &Db, rows: &mut [TrafficSource]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT traffic_source_id AS k, state, COUNT(*) AS n FROM collaborations
         WHERE state IN ('approved', 'pending', 'invited') AND traffic_source_id IN ({})
         GROUP BY traffic_source_id, state",
        super::in_list(1, rows.len())
    );
    let mut q = sqlx::query(&sql);
    for s in rows.iter() {
        q = q.bind(s.id);
    }
    let mut counts: std::collections::HashMap<(i64, String), i64> = Default::default();
    for row in q.fetch_all(&db.pool).await? {
        counts.insert(
            (row.try_get("k")?, row.try_get("state")?),
            row.try_get("n")?,
        );
    }
    for s in rows {
        let n = |state: &str| counts.get(&(s.id, state.to_string())).copied().unwrap_or(0);
        s.programs_approved = n("approved");
        s.programs_pending = n("pending");
        s.invitations = n("invited");
    }
    Ok(())
}
