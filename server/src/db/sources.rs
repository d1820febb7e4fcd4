//! Queries on traffic sources: the filtered, keyset-paginated list, reads and writes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use model::audit::{AuditAction, FieldChange};
use model::verification::{VerificationMethod, VerificationState};
use model::{Channel, Sort, SortField, Status, TrafficSource, ValidSource, Visibility};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::audit::{self, NewAuditEvent};
use super::Db;
use crate::time::{now_ms, rfc3339};

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
        // Filled from the rollups by `list` and `get`.
        clicks_30d: 0,
        match_rate_30d: None,
        verification_state,
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
    })
}

/// What a list asks for. `partner_id` scopes it to one partner; `marketplace` to the
/// sources advertisers may see (Active and Public).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub partner_id: Option<i64>,
    pub marketplace: bool,
    pub q: Option<String>,
    pub statuses: Vec<Status>,
    pub visibility: Option<Visibility>,
    pub channels: Vec<Channel>,
    /// Only verified (`true`) or only not verified (`false`) sources.
    pub verified: Option<bool>,
}

/// Where the previous page ended: the sort key's value and the id of its last row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "k")]
    pub sort: String,
    #[serde(rename = "v")]
    pub value: serde_json::Value,
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// `None` when the text is not a cursor made for this sort order.
    pub fn decode(text: &str, sort: Sort) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let cursor: Cursor = serde_json::from_slice(&bytes).ok()?;
        let value_fits = match sort.field {
            SortField::CreatedAt | SortField::UpdatedAt => cursor.value.is_i64(),
            _ => cursor.value.is_string(),
        };
        (cursor.sort == sort.to_param() && value_fits).then_some(cursor)
    }
}

fn sort_column(field: SortField) -> &'static str {
    match field {
        SortField::Name => "s.name_key",
        SortField::Url => "s.url",
        SortField::Status => "s.status",
        SortField::CreatedAt => "s.created_at",
        SortField::UpdatedAt => "s.updated_at",
    }
}

fn sort_value(
    source: &TrafficSource,
    field: SortField,
    row: &AnyRow,
) -> Result<serde_json::Value, sqlx::Error> {
    Ok(match field {
        SortField::Name => json!(model::text::name_key(&source.name)),
        SortField::Url => json!(source.url),
        SortField::Status => json!(source.status.id()),
        SortField::CreatedAt => json!(row.try_get::<i64, _>("created_at")?),
        SortField::UpdatedAt => json!(row.try_get::<i64, _>("updated_at")?),
    })
}

/// A query being assembled with numbered placeholders.
#[derive(Default)]
struct QueryBuilder {
    conditions: Vec<String>,
    binds: Vec<Bind>,
}

#[derive(Clone)]
enum Bind {
    Int(i64),
    Text(String),
}

impl QueryBuilder {
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// `indexed_search`: the ids the FTS index matched (a JSON array), to read instead of
    /// a scan, from [`search_plan`].
    fn filter(&mut self, filter: &ListFilter, indexed_search: Option<&str>) {
        if let Some(partner) = filter.partner_id {
            let p = self.bind(Bind::Int(partner));
            self.conditions.push(format!("s.partner_id = {p}"));
        }
        if filter.marketplace {
            self.conditions
                .push("s.status = 'active' AND s.visibility = 'public'".into());
        }
        match (search_text(filter), indexed_search) {
            (Some(_), Some(ids)) => {
                let p = self.bind(Bind::Text(ids.to_string()));
                self.conditions
                    .push(format!("s.id IN (SELECT value FROM json_each({p}))"));
            }
            (Some(q), None) => {
                let p = self.bind(Bind::Text(super::contains_pattern(q)));
                self.conditions.push(format!(
                    "(s.name_key LIKE {p} ESCAPE '\\' OR s.url_key LIKE {p} ESCAPE '\\')"
                ));
            }
            (None, _) => {}
        }
        // Written as "=" or "<>" rather than IN: "=" walks a (status, sort key) index in
        // order, and "<>" lets the planner walk the sort key's index skipping the rest,
        // where IN would sort every match (a fifth of a second at a million rows).
        let mut statuses = filter.statuses.clone();
        statuses.sort_by_key(|s| s.id());
        statuses.dedup();
        match statuses.as_slice() {
            [] => {}
            [one] => {
                let p = self.bind(Bind::Text(one.id().into()));
                self.conditions.push(format!("s.status = {p}"));
            }
            _ => {
                let all = [Status::Active, Status::Paused, Status::Blocked];
                if let Some(missing) = all.into_iter().find(|s| !statuses.contains(s)) {
                    let p = self.bind(Bind::Text(missing.id().into()));
                    self.conditions.push(format!("s.status <> {p}"));
                }
            }
        }
        match filter.verified {
            Some(true) => self.conditions.push("s.verified_method IS NOT NULL".into()),
            Some(false) => self.conditions.push("s.verified_method IS NULL".into()),
            None => {}
        }
        if let Some(v) = filter.visibility {
            let p = self.bind(Bind::Text(v.id().into()));
            self.conditions.push(format!("s.visibility = {p}"));
        }
        if !filter.channels.is_empty() {
            let p = self.bind(Bind::Int(Channel::mask(&filter.channels)));
            self.conditions.push(format!("(s.channels & {p}) <> 0"));
        }
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    fn query<'q>(
        &self,
        sql: &'q str,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        let mut query = sqlx::query(sql);
        for bind in &self.binds {
            query = match bind.clone() {
                Bind::Int(v) => query.bind(v),
                Bind::Text(v) => query.bind(v),
            };
        }
        query
    }
}

fn search_text(filter: &ListFilter) -> Option<&str> {
    filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
}

/// Above this many matches, scanning in sort order finds a page sooner than the index.
const INDEX_SEARCH_MAX_MATCHES: i64 = 2000;
/// The first rows a text search looks at to tell a common substring (at least
/// `COMMON_IN_SAMPLE` of them match: one row in 40) before asking the index.
const SAMPLE_ROWS: i64 = 2000;
const COMMON_IN_SAMPLE: i64 = 50;

/// How to run a text search. PostgreSQL's planner chooses between its trigram indexes and
/// a scan by itself. On SQLite we choose: the FTS5 trigram index finds a rare substring at
/// once, while a common one ("com") is found sooner by walking the sort order and stopping
/// after a page, so the index is used only when it holds few matches. Trigrams need three
/// characters; shorter text always scans.
async fn search_plan(db: &Db, filter: &ListFilter) -> Result<Option<String>, sqlx::Error> {
    let Some(q) = search_text(filter) else {
        return Ok(None);
    };
    if db.backend != super::Backend::Sqlite || q.chars().count() < 3 {
        return Ok(None);
    }
    // A substring found often among the first rows is common: a scan in sort order finds a
    // page within a few thousand rows, sooner than the index can hand over its matches
    // (every URL holding "bench.example" made the index walk 2,000 matches first).
    let in_sample: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM (SELECT name_key, url_key FROM traffic_sources ORDER BY id LIMIT $2)
         WHERE name_key LIKE $1 ESCAPE '\\' OR url_key LIKE $1 ESCAPE '\\'",
    )
    .bind(super::contains_pattern(q))
    .bind(SAMPLE_ROWS)
    .fetch_one(&db.pool)
    .await?
    .try_get("n")?;
    if in_sample >= COMMON_IN_SAMPLE {
        return Ok(None);
    }
    // A quoted FTS5 phrase: the text's trigrams in a row, i.e. the substring itself.
    let phrase = format!("\"{}\"", q.to_lowercase().replace('"', "\"\""));
    // Every match comes back at once, as a JSON array made by SQLite: the page and its
    // total read these ids rather than asking the index again (a phrase of common
    // trigrams costs milliseconds each time).
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, json_group_array(id) AS ids FROM
         (SELECT rowid AS id FROM traffic_sources_search WHERE traffic_sources_search MATCH $1 LIMIT $2)",
    )
    .bind(&phrase)
    .bind(INDEX_SEARCH_MAX_MATCHES)
    .fetch_one(&db.pool)
    .await?;
    let matches: i64 = row.try_get("n")?;
    (matches < INDEX_SEARCH_MAX_MATCHES)
        .then(|| row.try_get::<String, _>("ids"))
        .transpose()
}

/// A filter with its text search decided: a page and its total then search the same way, and
/// the index probe behind the decision runs once for both.
pub struct Planned<'a> {
    filter: &'a ListFilter,
    indexed: Option<String>,
}

pub async fn plan<'a>(db: &Db, filter: &'a ListFilter) -> Result<Planned<'a>, sqlx::Error> {
    Ok(Planned {
        filter,
        indexed: search_plan(db, filter).await?,
    })
}

/// One page of sources, and the cursor of the next page when there is one.
pub async fn list(
    db: &Db,
    planned: &Planned<'_>,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<TrafficSource>, Option<String>), sqlx::Error> {
    let mut qb = QueryBuilder::default();
    qb.filter(planned.filter, planned.indexed.as_deref());
    let column = sort_column(sort.field);
    let (cmp, dir) = if sort.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(cursor) = after {
        let value = match &cursor.value {
            serde_json::Value::String(s) => Bind::Text(s.clone()),
            v => Bind::Int(v.as_i64().unwrap_or_default()),
        };
        let v = qb.bind(value);
        let i = qb.bind(Bind::Int(cursor.id));
        qb.conditions
            .push(format!("({column}, s.id) {cmp} ({v}, {i})"));
    }
    let l = qb.bind(Bind::Int(limit + 1));
    // The page is chosen from `traffic_sources` alone and only its rows get their
    // partner's name: a text search that matches 1,300 rows otherwise looks up 1,300
    // names to keep 26 (PostgreSQL joins before its top-N sort; 7 ms against 4 ms at a
    // million rows).
    let order = format!("ORDER BY {column} {dir}, s.id {dir}");
    let sql = format!(
        "{PAGE_COLUMNS} FROM (SELECT * FROM traffic_sources s{} {order} LIMIT {l}) s {order}",
        qb.where_clause()
    );
    let rows = qb.query(&sql).fetch_all(&db.pool).await?;
    let mut items = Vec::with_capacity(rows.len());
    let mut next = None;
    for (index, row) in rows.iter().enumerate() {
        let source = source_from_row(row)?;
        if index as i64 == limit - 1 && rows.len() as i64 > limit {
            let value = sort_value(&source, sort.field, row)?;
            next = Some(
                Cursor {
                    sort: sort.to_param(),
                    value,
                    id: source.id,
                }
                .encode(),
            );
        }
        if (index as i64) < limit {
            items.push(source);
        }
    }
    super::traffic::fill_sources(db, &mut items).await?;
    Ok((items, next))
}

/// Every source the filter matches in the sort's order, sent to `rows` one at a time as
/// the database answers them, never all held at once (an export of a million rows stays in
/// flat memory: the bounded channel holds the database back). Ends early when the
/// receiver is gone. 30-day figures are not filled in.
pub async fn send_all(
    db: &Db,
    filter: &ListFilter,
    sort: Sort,
    rows: tokio::sync::mpsc::Sender<TrafficSource>,
) -> Result<(), sqlx::Error> {
    use futures_util::TryStreamExt;
    let planned = plan(db, filter).await?;
    let mut qb = QueryBuilder::default();
    qb.filter(planned.filter, planned.indexed.as_deref());
    let column = sort_column(sort.field);
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "{SELECT_SOURCE}{} ORDER BY {column} {dir}, s.id {dir}",
        qb.where_clause()
    );
    let mut stream = qb.query(&sql).fetch(&db.pool);
    while let Some(row) = stream.try_next().await? {
        if rows.send(source_from_row(&row)?).await.is_err() {
            break;
        }
    }
    Ok(())
}

pub async fn count(db: &Db, planned: &Planned<'_>) -> Result<i64, sqlx::Error> {
    let mut qb = QueryBuilder::default();
    qb.filter(planned.filter, planned.indexed.as_deref());
    let sql = format!(
        "SELECT COUNT(*) AS n FROM traffic_sources s{}",
        qb.where_clause()
    );
    qb.query(&sql).fetch_one(&db.pool).await?.try_get("n")
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

/// Several sources by id, with their 30-day figures, in no particular order.
pub async fn get_many(db: &Db, ids: &[i64]) -> Result<Vec<TrafficSource>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = (1..=ids.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
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

/// Which of a partner's unique fields a write collided with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateField {
    Name,
    Url,
}

fn duplicate_field(err: &sqlx::Error) -> Option<DuplicateField> {
    super::unique_violation(err).map(|what| {
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

/// Creates a source and its "created" audit entry in one transaction.
pub async fn create(
    db: &Db,
    partner_id: i64,
    v: &ValidSource,
) -> Result<Result<TrafficSource, DuplicateField>, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
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
    .bind(super::verification::new_token())
    .fetch_one(&mut *tx)
    .await;
    let id: i64 = match inserted {
        Ok(row) => row.try_get("id")?,
        Err(e) => return duplicate_field(&e).map(Err).ok_or(e),
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
    super::review::on_created(&mut tx, id, partner_id, &v.url).await?;
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
    // The proof was for the old host; a new host must be proven again. The same host
    // under another path keeps the mark (a TXT record or well-known file covers the host).
    let old_host = model::verification::host_of(&current.url).unwrap_or_default();
    let new_host = model::verification::host_of(&v.url).unwrap_or_default();
    if old_host != new_host {
        if let Some(method) = verified_method(&mut tx, id).await? {
            super::verification::drop_on_host_change(
                &mut tx, id, partner_id, method, &old_host, &new_host,
            )
            .await?;
        }
    }
    if current.url != v.url {
        super::review::on_url_changed(&mut tx, id, partner_id, &current.url, &v.url).await?;
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

#[allow(clippy::large_enum_variant)] // once per request, like UpdateOutcome
#[derive(Debug)]
pub enum BlockOutcome {
    Done(TrafficSource),
    NotFound,
    /// Blocking a blocked source, or unblocking one that is not blocked.
    AlreadyThere,
}

/// Blocks a source (staff). Its status before the block is kept so that unblocking
/// restores it. The status change, its audit entry and the notifications to the partner
/// and to every advertiser using the source are written in one transaction.
pub async fn block(
    db: &Db,
    id: i64,
    staff_id: i64,
    reason: &str,
    note: Option<&str>,
) -> Result<BlockOutcome, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "UPDATE traffic_sources SET status_before_block = status, status = 'blocked', block_reason = $1, block_note = $2,
         version = version + 1, updated_at = $3 WHERE id = $4 AND status <> 'blocked' RETURNING status_before_block",
    )
    .bind(reason)
    .bind(note)
    .bind(now_ms())
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(if get(db, id).await?.is_some() {
            BlockOutcome::AlreadyThere
        } else {
            BlockOutcome::NotFound
        });
    };
    let before: String = row.try_get("status_before_block")?;
    let changes = [FieldChange {
        field: "status".into(),
        old: json!(before),
        new: json!("blocked"),
    }];
    audit::record(
        &mut tx,
        NewAuditEvent {
            source_id: id,
            actor_id: staff_id,
            action: AuditAction::Blocked,
            changes: &changes,
            reason: Some(reason),
            note,
        },
    )
    .await?;
    super::notifications::source_status_changed(
        &mut tx,
        id,
        model::notification::NotificationKind::SourceBlocked,
        Some(reason),
    )
    .await?;
    super::review::on_status_changed(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(BlockOutcome::Done(
        get(db, id).await?.ok_or(sqlx::Error::RowNotFound)?,
    ))
}

/// Lifts a block (staff): the source returns to the status it had before.
pub async fn unblock(db: &Db, id: i64, staff_id: i64) -> Result<BlockOutcome, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "UPDATE traffic_sources SET status = COALESCE(status_before_block, 'paused'), status_before_block = NULL, block_reason = NULL,
         block_note = NULL, version = version + 1, updated_at = $1 WHERE id = $2 AND status = 'blocked' RETURNING status",
    )
    .bind(now_ms())
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(if get(db, id).await?.is_some() {
            BlockOutcome::AlreadyThere
        } else {
            BlockOutcome::NotFound
        });
    };
    let after: String = row.try_get("status")?;
    let changes = [FieldChange {
        field: "status".into(),
        old: json!("blocked"),
        new: json!(after),
    }];
    audit::record(
        &mut tx,
        NewAuditEvent {
            source_id: id,
            actor_id: staff_id,
            action: AuditAction::Unblocked,
            changes: &changes,
            reason: None,
            note: None,
        },
    )
    .await?;
    super::notifications::source_status_changed(
        &mut tx,
        id,
        model::notification::NotificationKind::SourceUnblocked,
        None,
    )
    .await?;
    super::review::on_status_changed(&mut tx, id, true).await?;
    tx.commit().await?;
    Ok(BlockOutcome::Done(
        get(db, id).await?.ok_or(sqlx::Error::RowNotFound)?,
    ))
}
