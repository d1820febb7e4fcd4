//! The list of sources: filters, text search on either engine, keyset paging in any sort
//! order, the count, and the unpaged stream an export reads.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use model::{Channel, Sort, SortField, Status, TrafficSource, Visibility};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{source_from_row, PAGE_COLUMNS};
use crate::db::Db;

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
    /// Only sources whose observed channels match (or do not match) those declared. Not
    /// a condition of the query: it is read from the click rollups page by page.
    pub observed: Option<ObservedFilter>,
}

/// `observed_matches`: whether a source's valid clicks of the list's 30 days came through
/// its declared channels at least `min_share` percent of the time. A source with too few
/// clicks to judge matches neither `true` nor `false`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObservedFilter {
    pub matches: bool,
    pub min_share: u8,
}

/// Pages read at most per call filtered on observed channels, so a rare match cannot make
/// one call scan every source: the answer then ends early with a cursor to go on from.
pub const MAX_PAGES_PER_CALL: usize = 10;

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
                let p = self.bind(Bind::Text(crate::db::contains_pattern(q)));
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
    if db.backend != crate::db::Backend::Sqlite || q.chars().count() < 3 {
        return Ok(None);
    }
    // A substring found often among the first rows is common: a scan in sort order finds a
    // page within a few thousand rows, sooner than the index can hand over its matches
    // (every URL holding "bench.example" made the index walk 2,000 matches first).
    let in_sample: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM (SELECT name_key, url_key FROM traffic_sources ORDER BY id LIMIT $2)
         WHERE name_key LIKE $1 ESCAPE '\\' OR url_key LIKE $1 ESCAPE '\\'",
    )
    .bind(crate::db::contains_pattern(q))
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
    let (mut items, next) = match planned.filter.observed {
        None => page(db, planned, sort, after, limit).await?,
        Some(observed) => observed_pages(db, planned, sort, after, limit, observed).await?,
    };
    crate::db::traffic::fill_sources(db, &mut items).await?;
    Ok((items, next.map(|c| c.encode())))
}

/// Pages read in order and kept only in part, until `limit` rows are kept, the list ends or
/// [`MAX_PAGES_PER_CALL`] pages were read. A page is kept whole or not at all: the next
/// cursor must not skip rows of a page cut short. The answer may therefore hold fewer than
/// `limit` rows (or none) with a cursor to go on from.
async fn observed_pages(
    db: &Db,
    planned: &Planned<'_>,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
    observed: ObservedFilter,
) -> Result<(Vec<TrafficSource>, Option<Cursor>), sqlx::Error> {
    let mut items: Vec<TrafficSource> = Vec::new();
    let mut cursor = after.cloned();
    for pages in 1..=MAX_PAGES_PER_CALL {
        let (mut rows, next) = page(db, planned, sort, cursor.as_ref(), limit).await?;
        keep_observed(db, &mut rows, observed).await?;
        if !items.is_empty() && (items.len() + rows.len()) as i64 > limit {
            return Ok((items, cursor));
        }
        items.extend(rows);
        match next {
            Some(n) if (items.len() as i64) < limit && pages < MAX_PAGES_PER_CALL => {
                cursor = Some(n)
            }
            next => return Ok((items, next)),
        }
    }
    Ok((items, cursor))
}

/// Drops the rows whose observed channels do not answer `observed`.
async fn keep_observed(
    db: &Db,
    rows: &mut Vec<TrafficSource>,
    observed: ObservedFilter,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let verdicts = crate::db::observed::matches_declared(db, rows, observed.min_share).await?;
    rows.retain(|r| verdicts.get(&r.id).copied().flatten() == Some(observed.matches));
    Ok(())
}

/// A page as [`list`] chooses it, without the 30-day figures.
async fn page(
    db: &Db,
    planned: &Planned<'_>,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<TrafficSource>, Option<Cursor>), sqlx::Error> {
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
            next = Some(Cursor {
                sort: sort.to_param(),
                value,
                id: source.id,
            });
        }
        if (index as i64) < limit {
            items.push(source);
        }
    }
    Ok((items, next))
}

/// Every source the filter matches in the sort's order, sent to `rows` one at a time,
/// never all held at once (an export of a million rows stays in flat memory: the bounded
/// channel holds the reading back). Read in keyset pages of [`EXPORT_PAGE`], each on a
/// pooled connection given back before its rows are sent: a client slow to read holds
/// no connection. A row whose sort key changes during the export may be sent twice or
/// not at all, as with any paging. Ends early when the receiver is gone. 30-day figures
/// are not filled in. An observed-channels filter is applied to each page (an export
/// reads every page anyway, so it is not bounded like [`list`]).
pub async fn send_all(
    db: &Db,
    filter: &ListFilter,
    sort: Sort,
    rows: tokio::sync::mpsc::Sender<TrafficSource>,
) -> Result<(), sqlx::Error> {
    let planned = plan(db, filter).await?;
    let mut after: Option<Cursor> = None;
    loop {
        let (mut sources, next) = page(db, &planned, sort, after.as_ref(), EXPORT_PAGE).await?;
        if let Some(observed) = filter.observed {
            keep_observed(db, &mut sources, observed).await?;
        }
        for source in sources {
            if rows.send(source).await.is_err() {
                return Ok(());
            }
        }
        match next {
            Some(cursor) => after = Some(cursor),
            None => return Ok(()),
        }
    }
}

/// Rows read per statement by [`send_all`].
pub const EXPORT_PAGE: i64 = 500;

/// How many sources the filter matches; the observed-channels filter is not counted (a
/// list filtered on it answers no total).
pub async fn count(db: &Db, planned: &Planned<'_>) -> Result<i64, sqlx::Error> {
    let mut qb = QueryBuilder::default();
    qb.filter(planned.filter, planned.indexed.as_deref());
    let sql = format!(
        "SELECT COUNT(*) AS n FROM traffic_sources s{}",
        qb.where_clause()
    );
    qb.query(&sql).fetch_one(&db.pool).await?.try_get("n")
}
