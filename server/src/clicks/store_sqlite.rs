//! The SQLite writer of [`super::store`]: the same events, visitors and rollups, through
//! one `rusqlite` connection and cached single-row statements.
//!
//! Why not sqlx here: through sqlx's SQLite driver a batch cost about 130 µs a click (every
//! statement is handed to the connection's thread and back, and multi-row statements of
//! thousands of bound values are slow to run), so the drain could not keep up with the
//! redirect on two cores; in place it costs a few µs a click.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, TransactionBehavior};

use super::announce::{self, Announcement};
use super::event::ClickEvent;
use super::store::{
    counts_update, visitor_keys, ChannelKey, Counts, Rollups, Stored, EVENTS_PER_TRANSACTION,
};

/// Stores `events` (idempotent by click id).
pub fn store(file: &Path, events: &[ClickEvent]) -> rusqlite::Result<Stored> {
    let mut conn = Connection::open(file)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // FULL: each commit is on the disk when it returns, because the drain deletes the
    // journal segment right after (NORMAL could lose the last commits to a power cut,
    // with their segment already gone).
    //
    // CHECK constraints off for this connection only: every checked column is written from
    // a Rust enum's id here ([`deep_link_id`] for the one that comes as text), so they
    // cannot fail, while SQLite builds a temporary table for each `IN (…)` list of three
    // or more values on every row, a third of the writer's time. Every other writer, and
    // PostgreSQL, still has them checked.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA ignore_check_constraints = ON;",
    )?;
    let mut stored = Stored::default();
    for chunk in events.chunks(EVENTS_PER_TRANSACTION) {
        // The write lock up front, as `Db::begin_write` does.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (new, unannounced) = store_in(&tx, chunk)?;
        tx.commit()?;
        stored.new += new;
        stored.unannounced.extend(unannounced);
    }
    Ok(stored)
}

/// Stores one transaction's events: (how many were new, announcements left for later).
fn store_in(
    tx: &Connection,
    events: &[ClickEvent],
) -> rusqlite::Result<(usize, Vec<Announcement>)> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO click_events (click_id, at, collaboration_id, traffic_source_id, program_id, partner_id, advertiser_id,
            outcome, referrer_host, referrer_class, bot, visitor_hash, deep_link, valid, invalid_reason, observed_channel, channel_signal)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) ON CONFLICT DO NOTHING",
    )?;
    let mut fresh = Vec::with_capacity(events.len());
    for e in events {
        let n = insert.execute(params![
            e.click_id,
            e.at,
            e.collaboration_id,
            e.traffic_source_id,
            e.program_id,
            e.partner_id,
            e.advertiser_id,
            e.outcome.id(),
            e.referrer_host,
            e.referrer_class.id(),
            i64::from(e.bot),
            e.visitor_hash,
            deep_link_id(e.deep_link.as_deref()),
            i64::from(e.valid()),
            e.invalid().map(|r| r.id()),
            e.verdict.as_ref().and_then(|v| v.channel),
            e.verdict.as_ref().and_then(|v| v.signal),
        ])?;
        if n == 1 {
            fresh.push(e);
        }
    }
    if fresh.is_empty() {
        return Ok((0, Vec::new()));
    }
    let mut rollups = Rollups::of(&fresh);
    let mut visitor = tx.prepare_cached(
        "INSERT INTO click_visitors (collaboration_id, day, visitor_hash) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )?;
    for ((collaboration, day, hash), first_at) in visitor_keys(&fresh) {
        if visitor.execute(params![collaboration, day, hash])? == 1 {
            rollups.add_visitor(collaboration, first_at);
        }
    }
    upsert_counts(tx, "click_hourly", "hour", &rollups.hourly)?;
    upsert_counts(tx, "click_daily", "day", &rollups.daily)?;
    upsert_referrers(tx, "click_referrers_daily", "day", &rollups.referrers)?;
    upsert_referrers(
        tx,
        "click_referrers_hourly",
        "hour",
        &rollups.referrers_hourly,
    )?;
    upsert_channels(tx, "click_channels_daily", "day", &rollups.channels)?;
    upsert_channels(
        tx,
        "click_channels_hourly",
        "hour",
        &rollups.channels_hourly,
    )?;
    let mut link = tx.prepare_cached(
        "UPDATE collaborations SET clicks = clicks + ?1, refused_clicks = refused_clicks + ?2 WHERE id = ?3",
    )?;
    for (id, (redirected, refused)) in &rollups.links {
        link.execute(params![redirected, refused, id])?;
    }
    let now = crate::time::now_ms();
    let mut told = tx.prepare_cached(announce::INSERT_SQLITE)?;
    let mut unannounced = Vec::new();
    for a @ (source, partner, advertiser) in announce::announcements(&fresh) {
        if told.execute(params![
            now,
            source,
            partner,
            advertiser,
            now - announce::EVERY_MS
        ])? == 0
        {
            unannounced.push(a);
        }
    }
    Ok((fresh.len(), unannounced))
}

/// The `deep_link` column's value: `followed` or `refused`, as the schema's CHECK allows;
/// anything else a journal line might hold is stored as no deep link.
fn deep_link_id(deep_link: Option<&str>) -> Option<&'static str> {
    match deep_link {
        Some("followed") => Some("followed"),
        Some("refused") => Some("refused"),
        _ => None,
    }
}

fn upsert_counts(
    tx: &Connection,
    table: &str,
    period: &str,
    rows: &std::collections::BTreeMap<(i64, i64), (i64, Counts)>,
) -> rusqlite::Result<()> {
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO {table} (collaboration_id, {period}, traffic_source_id, redirected, refused, bots, matched, mismatched, no_referrer, visitors,
            valid, prefetch, duplicate, velocity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (collaboration_id, {period}) DO UPDATE SET {}",
        counts_update(table)
    ))?;
    for ((collaboration, at), (source, c)) in rows {
        upsert.execute(params![
            collaboration,
            at,
            source,
            c.redirected,
            c.refused,
            c.bots,
            c.matched,
            c.mismatched,
            c.no_referrer,
            c.visitors,
            c.valid,
            c.prefetch,
            c.duplicate,
            c.velocity
        ])?;
    }
    Ok(())
}

/// `click_referrers_daily` (by `day`) or `click_referrers_hourly` (by `hour`).
fn upsert_referrers(
    tx: &Connection,
    table: &str,
    period: &str,
    rows: &std::collections::BTreeMap<(i64, i64, &str), (bool, i64)>,
) -> rusqlite::Result<()> {
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO {table} (traffic_source_id, {period}, host, matches, clicks) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (traffic_source_id, {period}, host) DO UPDATE SET
           matches = excluded.matches, clicks = {table}.clicks + excluded.clicks"
    ))?;
    for ((source, at, host), (matches, clicks)) in rows {
        upsert.execute(params![source, at, host, i64::from(*matches), clicks])?;
    }
    Ok(())
}

/// `click_channels_daily` (by `day`) or `click_channels_hourly` (by `hour`).
fn upsert_channels(
    tx: &Connection,
    table: &str,
    period: &str,
    rows: &std::collections::BTreeMap<ChannelKey, (i64, i64)>,
) -> rusqlite::Result<()> {
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO {table} (collaboration_id, {period}, traffic_source_id, channel, signal_name, clicks) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (collaboration_id, {period}, channel, signal_name) DO UPDATE SET clicks = {table}.clicks + excluded.clicks"
    ))?;
    for ((collaboration, at, channel, signal), (source, clicks)) in rows {
        upsert.execute(params![collaboration, at, source, channel, signal, clicks])?;
    }
    Ok(())
}
