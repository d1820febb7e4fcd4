//! The queue's periodic work: the traffic reasons, worked out from 7 days of daily rollups;
//! the dated reasons that expire; the duplicate claims nobody shares any more; and the
//! `site` of rows made before the queue existed.
//! Several instances may sweep at once: every step only sets what the data says, so two
//! sweeps agree.

use std::collections::HashMap;

use model::review::{ReviewReason, NEW_SOURCE_DAYS, RECENT_CHANGE_DAYS, TRAFFIC_WINDOW_DAYS};
use sqlx::Row;

use super::{clear, raise, refresh, site_of_url};
use crate::clicks::store::window_start;
use crate::clicks::visitor::DAY_MS;
use crate::db::Db;
use crate::time::now_ms;

/// When traffic is bad enough to ask for a look.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// More than this percent of human clicks from other sites.
    pub mismatch_percent: i64,
    /// More than this percent of all clicks from bots.
    pub bot_percent: i64,
    /// More than this percent of valid clicks through channels not declared.
    pub undeclared_percent: i64,
    /// Fewer clicks than this are too few to judge.
    pub min_clicks: i64,
}

/// Sources changed per transaction, so a sweep never holds the write lock for long.
const CHUNK: usize = 100;

/// What one sweep changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub raised: usize,
    pub cleared: usize,
    pub sites_filled: usize,
}

pub async fn sweep(db: &Db, t: Thresholds) -> Result<Swept, sqlx::Error> {
    let mut swept = Swept {
        sites_filled: fill_sites(db).await?,
        ..Swept::default()
    };
    let now = now_ms();
    let mut flagged = traffic_flags(db, t, now).await?;
    flagged.extend(
        super::undeclared::flags(db, t, window_start(now, TRAFFIC_WINDOW_DAYS))
            .await?
            .into_iter()
            .map(|(id, detail)| (id, ReviewReason::UndeclaredChannel, detail)),
    );
    for reason in [
        ReviewReason::ReferrerMismatch,
        ReviewReason::BotShare,
        ReviewReason::UndeclaredChannel,
    ] {
        let current = with_reason(db, reason).await?;
        let wanted: HashMap<i64, String> = flagged
            .iter()
            .filter(|(_, r, _)| *r == reason)
            .map(|(id, _, detail)| (*id, detail.clone()))
            .collect();
        let to_clear: Vec<i64> = current
            .iter()
            .filter(|id| !wanted.contains_key(id))
            .copied()
            .collect();
        let to_raise: Vec<(i64, String)> = wanted.into_iter().collect();
        swept.cleared += to_clear.len();
        swept.raised += to_raise
            .iter()
            .filter(|(id, _)| !current.contains(id))
            .count();
        for chunk in to_clear.chunks(CHUNK) {
            let mut tx = db.begin_write().await?;
            for id in chunk {
                clear(&mut tx, *id, reason).await?;
                refresh(&mut tx, *id).await?;
            }
            tx.commit().await?;
        }
        for chunk in to_raise.chunks(CHUNK) {
            let mut tx = db.begin_write().await?;
            for (id, detail) in chunk {
                raise(&mut tx, *id, reason, now, Some(detail)).await?;
                refresh(&mut tx, *id).await?;
            }
            tx.commit().await?;
        }
    }
    // Dated reasons end: a source is new for 14 days, a move or an unblock news for 30.
    for (reason, days) in [
        (ReviewReason::NewUnverified, NEW_SOURCE_DAYS),
        (ReviewReason::UrlHostChanged, RECENT_CHANGE_DAYS),
        (ReviewReason::RecentlyUnblocked, RECENT_CHANGE_DAYS),
    ] {
        swept.cleared += expire(db, reason, now - days * DAY_MS).await?;
    }
    swept.cleared += clear_lone_claims(db).await?;
    Ok(swept)
}

/// Clears the duplicate claims of sources whose site no other partner declares any more
/// (the others moved away or left). Not done by the move itself: that would rewrite as
/// many rows as the partner left behind has there. Returns how many.
async fn clear_lone_claims(db: &Db) -> Result<usize, sqlx::Error> {
    let mut total = 0;
    loop {
        let ids: Vec<i64> = sqlx::query(
            "SELECT r.traffic_source_id FROM review_reasons r JOIN traffic_sources s ON s.id = r.traffic_source_id
             WHERE r.reason = $1 AND NOT EXISTS (SELECT 1 FROM traffic_sources o
                 WHERE o.site = s.site AND o.site <> '' AND o.partner_id <> s.partner_id)
             LIMIT $2",
        )
        .bind(ReviewReason::DuplicateClaim.id())
        .bind(CHUNK as i64)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get("traffic_source_id"))
        .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(total);
        }
        let mut tx = db.begin_write().await?;
        for id in &ids {
            clear(&mut tx, *id, ReviewReason::DuplicateClaim).await?;
            refresh(&mut tx, *id).await?;
        }
        tx.commit().await?;
        total += ids.len();
    }
}

/// The sources whose last 7 days cross a threshold, with the figures in words.
async fn traffic_flags(
    db: &Db,
    t: Thresholds,
    now: i64,
) -> Result<Vec<(i64, ReviewReason, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT traffic_source_id AS id, CAST(SUM(redirected + refused) AS BIGINT) AS human,
                CAST(SUM(valid) AS BIGINT) AS valid,
                CAST(SUM(bots) AS BIGINT) AS bots, CAST(SUM(mismatched) AS BIGINT) AS x
         FROM click_daily WHERE day >= $1 GROUP BY traffic_source_id
         HAVING (SUM(valid) >= $2 AND SUM(mismatched) * 100 > $3 * SUM(valid))
             OR (SUM(redirected + refused + bots) >= $2 AND SUM(bots) * 100 > $4 * SUM(redirected + refused + bots))",
    )
    .bind(window_start(now, TRAFFIC_WINDOW_DAYS))
    .bind(t.min_clicks)
    .bind(t.mismatch_percent)
    .bind(t.bot_percent)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let human: i64 = row.try_get("human")?;
        let bots: i64 = row.try_get("bots")?;
        let valid: i64 = row.try_get("valid")?;
        let mismatched: i64 = row.try_get("x")?;
        // The mix counts valid clicks only (prefetches, repeats and refused ones aside).
        if valid >= t.min_clicks && mismatched * 100 > t.mismatch_percent * valid {
            let detail = format!(
                "{}% of {valid} valid clicks in {TRAFFIC_WINDOW_DAYS} days came from other sites",
                mismatched * 100 / valid
            );
            out.push((id, ReviewReason::ReferrerMismatch, detail));
        }
        let all = human + bots;
        if all >= t.min_clicks && bots * 100 > t.bot_percent * all {
            let detail = format!(
                "{}% of {all} clicks in {TRAFFIC_WINDOW_DAYS} days came from bots",
                bots * 100 / all
            );
            out.push((id, ReviewReason::BotShare, detail));
        }
    }
    Ok(out)
}

async fn with_reason(db: &Db, reason: ReviewReason) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query("SELECT traffic_source_id FROM review_reasons WHERE reason = $1")
        .bind(reason.id())
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get("traffic_source_id"))
        .collect()
}

/// Clears `reason` where it appeared before `before`. Returns how many.
async fn expire(db: &Db, reason: ReviewReason, before: i64) -> Result<usize, sqlx::Error> {
    let mut total = 0;
    loop {
        let ids: Vec<i64> = sqlx::query(
            "SELECT traffic_source_id FROM review_reasons WHERE reason = $1 AND raised_at < $2 LIMIT $3",
        )
        .bind(reason.id())
        .bind(before)
        .bind(CHUNK as i64)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get("traffic_source_id"))
        .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(total);
        }
        let mut tx = db.begin_write().await?;
        for id in &ids {
            clear(&mut tx, *id, reason).await?;
            refresh(&mut tx, *id).await?;
        }
        tx.commit().await?;
        total += ids.len();
    }
}

/// Rows made before the queue existed have no `site`: work it out, a batch at a time, and
/// give them their duplicate claims. Returns how many were filled.
async fn fill_sites(db: &Db) -> Result<usize, sqlx::Error> {
    let mut total = 0;
    loop {
        let rows = sqlx::query("SELECT id, partner_id, url FROM traffic_sources WHERE site IS NULL ORDER BY id LIMIT 1000")
            .fetch_all(&db.pool)
            .await?;
        if rows.is_empty() {
            return Ok(total);
        }
        let mut tx = db.begin_write().await?;
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let url: String = row.try_get("url")?;
            let partner_id: i64 = row.try_get("partner_id")?;
            let site = site_of_url(&url);
            super::set_site(&mut tx, id, &site).await?;
            super::join_site(&mut tx, id, partner_id, &site, now_ms()).await?;
            refresh(&mut tx, id).await?;
        }
        tx.commit().await?;
        total += rows.len();
    }
}

/// Runs [`sweep`] every `every` for as long as the process lives.
pub fn spawn(db: Db, t: Thresholds, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Not at once: instances started together (a deploy) would all sweep while warming
        // up. Soon enough that a new database's traffic reasons show within a minute.
        let first = tokio::time::Instant::now() + every.min(std::time::Duration::from_secs(30));
        let mut tick = tokio::time::interval_at(first, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let started = std::time::Instant::now();
            match sweep(&db, t).await {
                Ok(s) => tracing::info!(
                    raised = s.raised,
                    cleared = s.cleared,
                    sites_filled = s.sites_filled,
                    ms = started.elapsed().as_millis() as u64,
                    "swept the review queue"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "sweeping the review queue failed; will retry")
                }
            }
        }
    })
}
