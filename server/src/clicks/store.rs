//! Writing clicks to the database: the events and, in the same transaction, the rollups
//! that charts and lists read (`click_hourly`, `click_daily`, `click_referrers_daily` and
//! `_hourly`) and
//! the link counters (`collaborations.clicks`, `refused_clicks`), and the live stream's
//! `traffic` events ([`announce`]).
//!
//! Idempotent by `click_id`: an event already stored is skipped, and only the events this
//! call inserted are added to the rollups, so replaying a journal never counts twice.

use std::collections::{BTreeMap, HashMap, HashSet};

use model::traffic::{ClickOutcome, InvalidReason, ReferrerClass, UNKNOWN_CHANNEL};
use sqlx::{Any, Row, Transaction};

use super::announce::{self, Announcement};
use super::event::ClickEvent;
use super::retention::Partitions;
use super::visitor::{day_of, DAY_MS};
use crate::db::{Backend, Db};

pub const HOUR_MS: i64 = 3_600_000;

/// Events per transaction: bounds a transaction's size after a long outage.
pub const EVENTS_PER_TRANSACTION: usize = 5_000;
/// Rows per multi-row INSERT, well under both engines' limit on bound parameters.
const ROWS_PER_STATEMENT: usize = 400;

/// The counters of one rollup row.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub redirected: i64,
    pub refused: i64,
    pub bots: i64,
    pub matched: i64,
    pub mismatched: i64,
    pub no_referrer: i64,
    pub visitors: i64,
    pub valid: i64,
    pub prefetch: i64,
    pub duplicate: i64,
    pub velocity: i64,
}

impl Counts {
    fn add(&mut self, e: &ClickEvent) {
        if e.bot {
            self.bots += 1;
            return;
        }
        if e.outcome == ClickOutcome::Redirected {
            self.redirected += 1;
        } else {
            self.refused += 1;
        }
        match e.invalid() {
            None => {
                self.valid += 1;
                // The referrer mix, like every figure, is of valid clicks.
                match e.referrer_class {
                    ReferrerClass::Match => self.matched += 1,
                    ReferrerClass::Mismatch => self.mismatched += 1,
                    ReferrerClass::None => self.no_referrer += 1,
                }
            }
            Some(InvalidReason::Prefetch) => self.prefetch += 1,
            Some(InvalidReason::Duplicate) => self.duplicate += 1,
            Some(InvalidReason::Velocity) => self.velocity += 1,
            // Counted as `bots` and `refused` above.
            Some(InvalidReason::Bot | InvalidReason::Refused) => {}
        }
    }
}

/// What a batch of new events adds to the rollups and the link counters.
#[derive(Debug, Default)]
pub struct Rollups<'e> {
    pub hourly: BTreeMap<(i64, i64), (i64, Counts)>,
    pub daily: BTreeMap<(i64, i64), (i64, Counts)>,
    /// (source, day, host) → (host is on the declared site, human clicks).
    pub referrers: BTreeMap<(i64, i64, &'e str), (bool, i64)>,
    /// The same per hour: (source, hour, host).
    pub referrers_hourly: BTreeMap<(i64, i64, &'e str), (bool, i64)>,
    /// collaboration → (redirected, refused), bots included.
    pub links: BTreeMap<i64, (i64, i64)>,
    /// (collaboration, day, observed channel, signal or "") → (source, valid clicks).
    pub channels: BTreeMap<ChannelKey, (i64, i64)>,
    /// The same per hour.
    pub channels_hourly: BTreeMap<ChannelKey, (i64, i64)>,
}

/// (collaboration, period start, observed channel, signal name or "").
pub type ChannelKey = (i64, i64, &'static str, &'static str);

impl<'e> Rollups<'e> {
    /// The rollups of `fresh` (events just inserted), before visitors.
    pub fn of(fresh: &[&'e ClickEvent]) -> Rollups<'e> {
        let mut r = Rollups::default();
        for e in fresh {
            let (hour, day) = (e.at - e.at.rem_euclid(HOUR_MS), day_of(e.at));
            let source = e.traffic_source_id;
            r.hourly
                .entry((e.collaboration_id, hour))
                .or_insert((source, Counts::default()))
                .1
                .add(e);
            r.daily
                .entry((e.collaboration_id, day))
                .or_insert((source, Counts::default()))
                .1
                .add(e);
            if let Some(v) = e.verdict.as_ref().filter(|v| v.valid()) {
                let channel = v.channel.unwrap_or(UNKNOWN_CHANNEL);
                let signal = v.signal.unwrap_or("");
                for (rows, at) in [(&mut r.channels, day), (&mut r.channels_hourly, hour)] {
                    rows.entry((e.collaboration_id, at, channel, signal))
                        .or_insert((source, 0))
                        .1 += 1;
                }
            }
            if let (true, Some(host)) = (e.valid(), e.referrer_host.as_deref()) {
                let matches = e.referrer_class == ReferrerClass::Match;
                for (rows, at) in [(&mut r.referrers, day), (&mut r.referrers_hourly, hour)] {
                    let entry = rows.entry((source, at, host)).or_insert((false, 0));
                    entry.0 = matches;
                    entry.1 += 1;
                }
            }
            let link = r.links.entry(e.collaboration_id).or_default();
            if e.outcome == ClickOutcome::Redirected {
                link.0 += 1;
            } else {
                link.1 += 1;
            }
        }
        r
    }

    /// Counts a visitor new to its link that day, in the hour of its first click.
    pub fn add_visitor(&mut self, collaboration: i64, first_at: i64) {
        let (hour, day) = (first_at - first_at.rem_euclid(HOUR_MS), day_of(first_at));
        if let Some((_, c)) = self.hourly.get_mut(&(collaboration, hour)) {
            c.visitors += 1;
        }
        if let Some((_, c)) = self.daily.get_mut(&(collaboration, day)) {
            c.visitors += 1;
        }
    }
}

/// The human visitors of `fresh` by (link, day, visitor hash), with the time of their first
/// click in the batch, in key order (the same lock order on every instance).
pub fn visitor_keys<'e>(fresh: &[&'e ClickEvent]) -> Vec<((i64, i64, &'e str), i64)> {
    let mut first: HashMap<(i64, i64, &str), i64> = HashMap::new();
    for e in fresh.iter().filter(|e| e.human()) {
        let at = first
            .entry((e.collaboration_id, day_of(e.at), &e.visitor_hash))
            .or_insert(e.at);
        *at = (*at).min(e.at);
    }
    let mut keys: Vec<_> = first.into_iter().collect();
    keys.sort_unstable();
    keys
}

/// What [`store`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stored {
    /// Events that were new (the others were stored before).
    pub new: usize,
    /// Sources with new events whose announcement waits for its window to end.
    pub unannounced: Vec<Announcement>,
}

impl Stored {
    fn add(&mut self, other: Stored) {
        self.new += other.new;
        self.unannounced.extend(other.unannounced);
    }
}

/// Stores `events` (any number; split into transactions).
pub async fn store(
    db: &Db,
    partitions: &Partitions,
    events: &[ClickEvent],
) -> Result<Stored, sqlx::Error> {
    if let (Backend::Sqlite, Some(file)) = (db.backend, db.sqlite_file.clone()) {
        let events = events.to_vec();
        return tokio::task::spawn_blocking(move || super::store_sqlite::store(&file, &events))
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("the click writer stopped: {e}")))?
            .map_err(|e| sqlx::Error::Protocol(format!("writing clicks to SQLite failed: {e}")));
    }
    let mut stored = Stored::default();
    for chunk in events.chunks(EVENTS_PER_TRANSACTION) {
        partitions
            .ensure(db, chunk.iter().map(|e| day_of(e.at)))
            .await?;
        let mut tx = db.begin_write().await?;
        let done = store_in(&mut tx, chunk).await?;
        tx.commit().await?;
        stored.add(done);
    }
    Ok(stored)
}

/// The sqlx writer: PostgreSQL, and SQLite in memory.
async fn store_in(
    tx: &mut Transaction<'static, Any>,
    events: &[ClickEvent],
) -> Result<Stored, sqlx::Error> {
    let inserted = insert_events(tx, events).await?;
    let fresh: Vec<&ClickEvent> = events
        .iter()
        .filter(|e| inserted.contains(e.click_id.as_str()))
        .collect();
    if fresh.is_empty() {
        return Ok(Stored::default());
    }
    let mut rollups = Rollups::of(&fresh);
    for (collaboration, first_at) in new_visitors(tx, &visitor_keys(&fresh)).await? {
        rollups.add_visitor(collaboration, first_at);
    }
    upsert_counts(tx, "click_hourly", "hour", &rollups.hourly).await?;
    upsert_counts(tx, "click_daily", "day", &rollups.daily).await?;
    upsert_referrers(tx, "click_referrers_daily", "day", &rollups.referrers).await?;
    upsert_referrers(
        tx,
        "click_referrers_hourly",
        "hour",
        &rollups.referrers_hourly,
    )
    .await?;
    upsert_channels(tx, "click_channels_daily", "day", &rollups.channels).await?;
    upsert_channels(
        tx,
        "click_channels_hourly",
        "hour",
        &rollups.channels_hourly,
    )
    .await?;
    for (id, (redirected, refused)) in &rollups.links {
        sqlx::query(LINK_COUNTERS)
            .bind(*redirected)
            .bind(*refused)
            .bind(*id)
            .execute(&mut **tx)
            .await?;
    }
    let wanted: Vec<Announcement> = announce::announcements(&fresh).into_iter().collect();
    let unannounced = announce::insert(tx, crate::time::now_ms(), &wanted).await?;
    Ok(Stored {
        new: fresh.len(),
        unannounced,
    })
}

pub const LINK_COUNTERS: &str = "UPDATE collaborations SET clicks = clicks + $1, refused_clicks = refused_clicks + $2 WHERE id = $3";

pub(super) use super::sql::placeholders;

/// Inserts the events it does not have yet; returns the ids it inserted.
async fn insert_events(
    tx: &mut Transaction<'static, Any>,
    events: &[ClickEvent],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut inserted = HashSet::with_capacity(events.len());
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO click_events (click_id, at, collaboration_id, traffic_source_id, program_id, partner_id, advertiser_id,
                outcome, referrer_host, referrer_class, bot, visitor_hash, deep_link, valid, invalid_reason, observed_channel, channel_signal) VALUES {}
             ON CONFLICT DO NOTHING RETURNING click_id",
            placeholders(chunk.len(), 17)
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(&e.click_id)
                .bind(e.at)
                .bind(e.collaboration_id)
                .bind(e.traffic_source_id)
                .bind(e.program_id)
                .bind(e.partner_id)
                .bind(e.advertiser_id)
                .bind(e.outcome.id())
                .bind(e.referrer_host.as_deref())
                .bind(e.referrer_class.id())
                .bind(i64::from(e.bot))
                .bind(&e.visitor_hash)
                .bind(e.deep_link.as_deref())
                .bind(i64::from(e.valid()))
                .bind(e.invalid().map(|r| r.id()))
                .bind(e.verdict.as_ref().and_then(|v| v.channel))
                .bind(e.verdict.as_ref().and_then(|v| v.signal));
        }
        for row in q.fetch_all(&mut **tx).await? {
            inserted.insert(row.try_get::<String, _>(0)?);
        }
    }
    Ok(inserted)
}

/// Records these visitor keys; returns (collaboration, first click) for each one that was
/// not counted before.
async fn new_visitors(
    tx: &mut Transaction<'static, Any>,
    keys: &[((i64, i64, &str), i64)],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let mut new = Vec::new();
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO click_visitors (collaboration_id, day, visitor_hash) VALUES {} ON CONFLICT DO NOTHING
             RETURNING collaboration_id, day, visitor_hash",
            placeholders(chunk.len(), 3)
        );
        let mut q = sqlx::query(&sql);
        for ((collaboration, day, hash), _) in chunk {
            q = q.bind(*collaboration).bind(*day).bind(*hash);
        }
        let firsts: HashMap<(i64, i64, &str), i64> =
            chunk.iter().map(|(k, at)| (*k, *at)).collect();
        for row in q.fetch_all(&mut **tx).await? {
            let (collaboration, day): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            let hash: String = row.try_get(2)?;
            if let Some(at) = firsts.get(&(collaboration, day, hash.as_str())) {
                new.push((collaboration, *at));
            }
        }
    }
    Ok(new)
}

/// The `DO UPDATE SET` of a counts upsert into `table`: every counter added.
pub(super) fn counts_update(table: &str) -> String {
    [
        "redirected",
        "refused",
        "bots",
        "matched",
        "mismatched",
        "no_referrer",
        "visitors",
        "valid",
        "prefetch",
        "duplicate",
        "velocity",
    ]
    .iter()
    .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
    .collect::<Vec<_>>()
    .join(", ")
}

async fn upsert_counts(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    period: &str,
    rows: &BTreeMap<(i64, i64), (i64, Counts)>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<_> = rows.iter().collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT / 2) {
        let sql = format!(
            "INSERT INTO {table} (collaboration_id, {period}, traffic_source_id, redirected, refused, bots, matched, mismatched, no_referrer, visitors,
                valid, prefetch, duplicate, velocity)
             VALUES {} ON CONFLICT (collaboration_id, {period}) DO UPDATE SET {}",
            placeholders(chunk.len(), 14),
            counts_update(table)
        );
        let mut q = sqlx::query(&sql);
        for ((collaboration, at), (source, c)) in chunk {
            q = q
                .bind(*collaboration)
                .bind(*at)
                .bind(*source)
                .bind(c.redirected)
                .bind(c.refused)
                .bind(c.bots)
                .bind(c.matched)
                .bind(c.mismatched)
                .bind(c.no_referrer)
                .bind(c.visitors)
                .bind(c.valid)
                .bind(c.prefetch)
                .bind(c.duplicate)
                .bind(c.velocity);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `click_referrers_daily` (by `day`) or `click_referrers_hourly` (by `hour`).
async fn upsert_referrers(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    period: &str,
    rows: &BTreeMap<(i64, i64, &str), (bool, i64)>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<_> = rows.iter().collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT / 2) {
        let sql = format!(
            "INSERT INTO {table} (traffic_source_id, {period}, host, matches, clicks) VALUES {}
             ON CONFLICT (traffic_source_id, {period}, host) DO UPDATE SET
               matches = excluded.matches, clicks = {table}.clicks + excluded.clicks",
            placeholders(chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for ((source, at, host), (matches, clicks)) in chunk {
            q = q
                .bind(*source)
                .bind(*at)
                .bind(*host)
                .bind(i64::from(*matches))
                .bind(*clicks);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `click_channels_daily` (by `day`) or `click_channels_hourly` (by `hour`).
async fn upsert_channels(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    period: &str,
    rows: &BTreeMap<ChannelKey, (i64, i64)>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<_> = rows.iter().collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT / 2) {
        let sql = format!(
            "INSERT INTO {table} (collaboration_id, {period}, traffic_source_id, channel, signal_name, clicks) VALUES {}
             ON CONFLICT (collaboration_id, {period}, channel, signal_name) DO UPDATE SET clicks = {table}.clicks + excluded.clicks",
            placeholders(chunk.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for ((collaboration, at, channel, signal), (source, clicks)) in chunk {
            q = q
                .bind(*collaboration)
                .bind(*at)
                .bind(*source)
                .bind(*channel)
                .bind(*signal)
                .bind(*clicks);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Midnight UTC `days - 1` days before `now_ms`'s day: the start of a `days`-day window
/// that ends today.
pub fn window_start(now_ms: i64, days: u32) -> i64 {
    day_of(now_ms) - (days as i64 - 1) * DAY_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_column() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn a_window_ends_today() {
        let now = 10 * DAY_MS + 5;
        assert_eq!(window_start(now, 1), 10 * DAY_MS);
        assert_eq!(window_start(now, 30), (10 - 29) * DAY_MS);
    }
}
