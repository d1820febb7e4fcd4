//! The rollups, computed in SQL from the events once they are all in, with the drain's
//! semantics:
//!
//! - a click is human when `bot = 0`; `hour = at - at % 3600000`, `day = at - at % 86400000`;
//! - `click_hourly` / `click_daily` per link and hour / day: `redirected` and `refused` human
//!   clicks by outcome, `bots` (any outcome), `matched` / `mismatched` / `no_referrer` valid
//!   clicks by referrer class, `valid`, the invalid `prefetch` / `duplicate` / `velocity`
//!   clicks, and `visitors`: distinct human visitor hashes of the link that
//!   day, each counted in the hour of its first click of the day (so a day's hours add up to
//!   the day);
//! - `click_referrers_hourly` / `_daily`: valid clicks with a referrer per source, hour /
//!   day and host;
//! - `click_channels_hourly` / `_daily`: valid clicks per link, hour / day, observed channel
//!   and signal (`''` for none);
//! - `click_visitors`: the distinct (link, day, visitor) of human clicks;
//! - `collaborations.clicks` / `refused_clicks`: every click (bots too) by outcome.
//!
//! Two passes over the events make the per-hour counts and the first visit of each
//! visitor; everything else but the referrers and the channels (a third and fourth pass) is
//! built from those two smaller tables.

use std::time::Instant;

use crate::data::DAY_MS;
use crate::engine::{Engine, Result};

/// Human clicks (bot = 0) by outcome, bots, valid clicks by referrer class, valid clicks and
/// the invalid reasons the rollups count apart, as SELECT columns.
pub const COUNTS: &str = "
    SUM(CASE WHEN bot = 0 AND outcome = 'redirected' THEN 1 ELSE 0 END) AS redirected,
    SUM(CASE WHEN bot = 0 AND outcome <> 'redirected' THEN 1 ELSE 0 END) AS refused,
    SUM(CASE WHEN bot = 1 THEN 1 ELSE 0 END) AS bots,
    SUM(CASE WHEN valid = 1 AND referrer_class = 'match' THEN 1 ELSE 0 END) AS matched,
    SUM(CASE WHEN valid = 1 AND referrer_class = 'mismatch' THEN 1 ELSE 0 END) AS mismatched,
    SUM(CASE WHEN valid = 1 AND referrer_class = 'none' THEN 1 ELSE 0 END) AS no_referrer,
    SUM(valid) AS valid,
    SUM(CASE WHEN invalid_reason = 'prefetch' THEN 1 ELSE 0 END) AS prefetch,
    SUM(CASE WHEN invalid_reason = 'duplicate' THEN 1 ELSE 0 END) AS duplicate,
    SUM(CASE WHEN invalid_reason = 'velocity' THEN 1 ELSE 0 END) AS velocity";

pub const ROLLUP_COLUMNS: &str =
    "redirected, refused, bots, matched, mismatched, no_referrer, valid, prefetch, duplicate, velocity, visitors";

/// One step of the build: once, or once per UTC day of events with `{from}` and `{to}`
/// replaced by the day's bounds.
enum Step {
    Once(String),
    PerDay(String),
}

fn steps(postgres: bool) -> Vec<(&'static str, Step)> {
    let without_rowid = if postgres { "" } else { " WITHOUT ROWID" };
    let analyze = |table: &str| {
        if postgres {
            format!("ANALYZE {table}")
        } else {
            String::new()
        }
    };
    // A day of events: on SQLite a range of the `at` index over rows stored in time order,
    // on PostgreSQL one partition. Aggregating a day at a time keeps each sort or hash
    // table small (on SQLite this took 40 % less CPU than one sort of every event), and
    // no group spans two days.
    let day = "at >= {from} AND at < {to}";
    // PostgreSQL aggregates by hashing: rows are sorted before they go into a primary key,
    // which then grows at one end instead of everywhere. SQLite's GROUP BY already sorts
    // (a day at a time), and sorting again costs it more than it saves.
    let order = |keys: &str| {
        if postgres {
            format!(" ORDER BY {keys}")
        } else {
            String::new()
        }
    };
    use Step::*;
    vec![
        (
            "per-hour counts (pass 1 over the events)",
            Once(
                "CREATE TEMPORARY TABLE seed_hour_counts (
                     collaboration_id BIGINT NOT NULL, hour BIGINT NOT NULL, traffic_source_id BIGINT NOT NULL,
                     redirected BIGINT NOT NULL, refused BIGINT NOT NULL, bots BIGINT NOT NULL,
                     matched BIGINT NOT NULL, mismatched BIGINT NOT NULL, no_referrer BIGINT NOT NULL,
                     valid BIGINT NOT NULL, prefetch BIGINT NOT NULL, duplicate BIGINT NOT NULL,
                     velocity BIGINT NOT NULL, all_redirected BIGINT NOT NULL, all_clicks BIGINT NOT NULL)"
                    .into(),
            ),
        ),
        (
            "",
            PerDay(format!(
                "INSERT INTO seed_hour_counts
                 SELECT collaboration_id, at - at % 3600000, MIN(traffic_source_id), {COUNTS},
                        SUM(CASE WHEN outcome = 'redirected' THEN 1 ELSE 0 END), COUNT(*)
                 FROM click_events WHERE {day} GROUP BY collaboration_id, at - at % 3600000"
            )),
        ),
        ("", Once(analyze("seed_hour_counts"))),
        (
            "first visits (pass 2 over the events)",
            Once(
                "CREATE TEMPORARY TABLE seed_first_visits (
                     collaboration_id BIGINT NOT NULL, day BIGINT NOT NULL, visitor_hash TEXT NOT NULL,
                     first_at BIGINT NOT NULL)"
                    .into(),
            ),
        ),
        (
            "",
            PerDay(format!(
                "INSERT INTO seed_first_visits
                 SELECT collaboration_id, at - at % 86400000, visitor_hash, MIN(at)
                 FROM click_events WHERE bot = 0 AND {day}
                 GROUP BY collaboration_id, at - at % 86400000, visitor_hash"
            )),
        ),
        ("", Once(analyze("seed_first_visits"))),
        (
            "click_visitors",
            Once(format!(
                "INSERT INTO click_visitors (collaboration_id, day, visitor_hash)
                 SELECT collaboration_id, day, visitor_hash FROM seed_first_visits{}",
                order("1, 2, 3")
            )),
        ),
        (
            "visitors per hour",
            Once(format!(
                "CREATE TEMPORARY TABLE seed_hour_visitors (
                     collaboration_id BIGINT NOT NULL, hour BIGINT NOT NULL, visitors BIGINT NOT NULL,
                     PRIMARY KEY (collaboration_id, hour)){without_rowid};
                 INSERT INTO seed_hour_visitors (collaboration_id, hour, visitors)
                 SELECT collaboration_id, first_at - first_at % 3600000, COUNT(*) FROM seed_first_visits
                 GROUP BY collaboration_id, first_at - first_at % 3600000{};
                 {}",
                order("1, 2"),
                analyze("seed_hour_visitors")
            )),
        ),
        (
            "click_hourly",
            Once(format!(
                "INSERT INTO click_hourly (collaboration_id, hour, traffic_source_id, {ROLLUP_COLUMNS})
                 SELECT c.collaboration_id, c.hour, c.traffic_source_id, c.redirected, c.refused, c.bots,
                        c.matched, c.mismatched, c.no_referrer, c.valid, c.prefetch, c.duplicate,
                        c.velocity, COALESCE(v.visitors, 0)
                 FROM seed_hour_counts c LEFT JOIN seed_hour_visitors v
                   ON v.collaboration_id = c.collaboration_id AND v.hour = c.hour{}",
                order("1, 2")
            )),
        ),
        (
            "click_daily",
            Once(format!(
                "INSERT INTO click_daily (collaboration_id, day, traffic_source_id, {ROLLUP_COLUMNS})
                 SELECT collaboration_id, hour - hour % 86400000, MIN(traffic_source_id), SUM(redirected),
                        SUM(refused), SUM(bots), SUM(matched), SUM(mismatched), SUM(no_referrer),
                        SUM(valid), SUM(prefetch), SUM(duplicate), SUM(velocity), SUM(visitors)
                 FROM click_hourly GROUP BY collaboration_id, hour - hour % 86400000{}",
                order("1, 2")
            )),
        ),
        (
            "collaborations.clicks",
            Once(format!(
                "UPDATE collaborations SET clicks = t.redirected, refused_clicks = t.clicks - t.redirected
                 FROM (SELECT collaboration_id, SUM(all_redirected) AS redirected, SUM(all_clicks) AS clicks
                       FROM seed_hour_counts GROUP BY collaboration_id{}) t
                 WHERE collaborations.id = t.collaboration_id",
                order("1")
            )),
        ),
        (
            "click_referrers_hourly (pass 3 over the events)",
            PerDay(format!(
                "INSERT INTO click_referrers_hourly (traffic_source_id, hour, host, matches, clicks)
                 SELECT traffic_source_id, at - at % 3600000, referrer_host,
                        MAX(CASE WHEN referrer_class = 'match' THEN 1 ELSE 0 END), COUNT(*)
                 FROM click_events WHERE valid = 1 AND referrer_host IS NOT NULL AND {day}
                 GROUP BY traffic_source_id, at - at % 3600000, referrer_host{}",
                order("1, 2, 3")
            )),
        ),
        (
            "click_referrers_daily",
            Once(format!(
                "INSERT INTO click_referrers_daily (traffic_source_id, day, host, matches, clicks)
                 SELECT traffic_source_id, hour - hour % 86400000, host, MAX(matches), SUM(clicks)
                 FROM click_referrers_hourly GROUP BY traffic_source_id, hour - hour % 86400000, host{}",
                order("1, 3")
            )),
        ),
        (
            "click_channels_hourly (pass 4 over the events)",
            PerDay(format!(
                "INSERT INTO click_channels_hourly (collaboration_id, hour, traffic_source_id, channel, signal_name, clicks)
                 SELECT collaboration_id, at - at % 3600000, MIN(traffic_source_id), observed_channel,
                        COALESCE(channel_signal, ''), COUNT(*)
                 FROM click_events WHERE valid = 1 AND {day}
                 GROUP BY collaboration_id, at - at % 3600000, observed_channel, COALESCE(channel_signal, ''){}",
                order("1, 2, 4, 5")
            )),
        ),
        (
            "click_channels_daily",
            Once(format!(
                "INSERT INTO click_channels_daily (collaboration_id, day, traffic_source_id, channel, signal_name, clicks)
                 SELECT collaboration_id, hour - hour % 86400000, MIN(traffic_source_id), channel, signal_name, SUM(clicks)
                 FROM click_channels_hourly GROUP BY collaboration_id, hour - hour % 86400000, channel, signal_name{}",
                order("1, 2, 4, 5")
            )),
        ),
        (
            "drop the temporary tables",
            Once("DROP TABLE seed_hour_counts; DROP TABLE seed_first_visits; DROP TABLE seed_hour_visitors".into()),
        ),
    ]
}

/// Fills the rollups from the events (in one transaction on SQLite).
pub async fn build(engine: &mut Engine) -> Result<()> {
    let postgres = engine.is_postgres();
    if !postgres {
        engine.exec("BEGIN").await?;
    }
    let first = engine.int("SELECT MIN(at) FROM click_events").await?;
    let last = engine.int("SELECT MAX(at) FROM click_events").await?;
    let days: Vec<i64> = (first - first.rem_euclid(DAY_MS)..=last)
        .step_by(DAY_MS as usize)
        .collect();
    let mut again = engine.drop_indexes("click_hourly").await?;
    again.extend(engine.drop_indexes("click_daily").await?);
    again.extend(engine.drop_indexes("click_channels_hourly").await?);
    again.extend(engine.drop_indexes("click_channels_daily").await?);
    let mut t = Instant::now();
    let mut current = "";
    for (label, step) in steps(postgres) {
        if !label.is_empty() {
            if !current.is_empty() {
                eprintln!("  {current}: {:.1} s", t.elapsed().as_secs_f64());
            }
            (current, t) = (label, Instant::now());
        }
        match step {
            Step::Once(sql) if sql.is_empty() => {}
            Step::Once(sql) => engine.exec(&sql).await?,
            Step::PerDay(sql) => {
                for &day in &days {
                    let sql = sql
                        .replace("{from}", &day.to_string())
                        .replace("{to}", &(day + DAY_MS).to_string());
                    engine.exec(&sql).await?;
                }
            }
        }
    }
    eprintln!("  {current}: {:.1} s", t.elapsed().as_secs_f64());
    engine.restore_indexes(&again).await?;
    if postgres {
        engine
            .exec("ALTER TABLE collaborations RESET (fillfactor)")
            .await?;
    } else {
        engine.exec("COMMIT").await?;
    }
    Ok(())
}
