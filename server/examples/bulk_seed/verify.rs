//! `--verify`: SQL checks that the rollups agree with the events (each recomputed here
//! straight from `click_events`, by a query of its own) and that the events are shaped as
//! the ledger's schema says. Every check counts offending rows; all must be zero.

use std::time::Instant;

use crate::data::{DAY_MS, WINDOW_DAYS};
use crate::engine::{Engine, Result};
use crate::rollups::COUNTS;

/// Rows of `a` missing from `b` plus rows of `b` missing from `a`.
fn differ(a: &str, b: &str) -> String {
    format!(
        "SELECT (SELECT COUNT(*) FROM ({a} EXCEPT {b}) x) + (SELECT COUNT(*) FROM ({b} EXCEPT {a}) y)"
    )
}

fn checks(postgres: bool) -> Vec<(&'static str, String)> {
    let (not_code, not_hex) = if postgres {
        ("!~ '^[A-Za-z0-9]{16}$'", "!~ '^[0-9a-f]{32}$'")
    } else {
        (
            "NOT GLOB '[A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9]'",
            "GLOB '*[^0-9a-f]*'",
        )
    };
    // The first click of each human visitor of a link on a day.
    let first_visits = "SELECT collaboration_id, at - at % 86400000 AS day, visitor_hash, MIN(at) AS first_at
        FROM click_events WHERE bot = 0 GROUP BY collaboration_id, at - at % 86400000, visitor_hash";
    let expected_hourly = format!(
        "SELECT e.collaboration_id, e.hour, e.traffic_source_id, e.redirected, e.refused, e.bots,
                e.matched, e.mismatched, e.no_referrer, e.valid, e.prefetch, e.duplicate, e.velocity,
                COALESCE(v.visitors, 0) AS visitors
         FROM (SELECT collaboration_id, at - at % 3600000 AS hour, MIN(traffic_source_id) AS traffic_source_id, {COUNTS}
               FROM click_events GROUP BY collaboration_id, at - at % 3600000) e
         LEFT JOIN (SELECT collaboration_id, first_at - first_at % 3600000 AS hour, COUNT(*) AS visitors
                    FROM ({first_visits}) f GROUP BY collaboration_id, first_at - first_at % 3600000) v
           ON v.collaboration_id = e.collaboration_id AND v.hour = e.hour"
    );
    let actual_hourly =
        "SELECT collaboration_id, hour, traffic_source_id, redirected, refused, bots,
        matched, mismatched, no_referrer, valid, prefetch, duplicate, velocity, visitors FROM click_hourly";
    let expected_daily = format!(
        "SELECT collaboration_id, at - at % 86400000 AS day, MIN(traffic_source_id) AS traffic_source_id, {COUNTS},
                COUNT(DISTINCT CASE WHEN bot = 0 THEN visitor_hash END) AS visitors
         FROM click_events GROUP BY collaboration_id, at - at % 86400000"
    );
    let actual_daily = "SELECT collaboration_id, day, traffic_source_id, redirected, refused, bots,
        matched, mismatched, no_referrer, valid, prefetch, duplicate, velocity, visitors FROM click_daily";
    // Valid clicks with a referrer per source, host and `period` ms, from the events, and
    // the rollup `table` that keeps them by `column`.
    let referrers = |period: i64, column: &str, table: &str| {
        differ(
            &format!(
                "SELECT traffic_source_id, at - at % {period} AS {column}, referrer_host AS host,
                    MAX(CASE WHEN referrer_class = 'match' THEN 1 ELSE 0 END) AS matches, COUNT(*) AS clicks
                 FROM click_events WHERE valid = 1 AND referrer_host IS NOT NULL
                 GROUP BY traffic_source_id, at - at % {period}, referrer_host"
            ),
            &format!("SELECT traffic_source_id, {column}, host, matches, clicks FROM {table}"),
        )
    };
    // Valid clicks per link, `period` ms, observed channel and signal.
    let channels = |period: i64, column: &str, table: &str| {
        differ(
            &format!(
                "SELECT collaboration_id, at - at % {period} AS {column}, MIN(traffic_source_id) AS traffic_source_id,
                    observed_channel AS channel, COALESCE(channel_signal, '') AS signal_name, COUNT(*) AS clicks
                 FROM click_events WHERE valid = 1
                 GROUP BY collaboration_id, at - at % {period}, observed_channel, COALESCE(channel_signal, '')"
            ),
            &format!("SELECT collaboration_id, {column}, traffic_source_id, channel, signal_name, clicks FROM {table}"),
        )
    };
    let expected_visitors =
        "SELECT DISTINCT collaboration_id, at - at % 86400000 AS day, visitor_hash
        FROM click_events WHERE bot = 0";
    let actual_visitors = "SELECT collaboration_id, day, visitor_hash FROM click_visitors";
    let expected_counts = "SELECT c.id, COALESCE(SUM(CASE WHEN e.outcome = 'redirected' THEN 1 ELSE 0 END), 0) AS clicks,
            COALESCE(SUM(CASE WHEN e.outcome <> 'redirected' THEN 1 ELSE 0 END), 0) AS refused
        FROM collaborations c LEFT JOIN click_events e ON e.collaboration_id = c.id GROUP BY c.id";
    let actual_counts = "SELECT id, clicks, refused_clicks FROM collaborations";
    // The host of a source URL 'https://HOST/'.
    let own_host = "substr(s.url, 9, length(s.url) - 9)";
    vec![
        ("click_hourly = events (counts, and visitors in the hour of their first click)", differ(&expected_hourly, actual_hourly)),
        ("click_daily = events (counts, distinct human visitors)", differ(&expected_daily, actual_daily)),
        ("click_referrers_daily = events", referrers(DAY_MS, "day", "click_referrers_daily")),
        ("click_referrers_hourly = events", referrers(3_600_000, "hour", "click_referrers_hourly")),
        ("click_channels_daily = events", channels(DAY_MS, "day", "click_channels_daily")),
        ("click_channels_hourly = events", channels(3_600_000, "hour", "click_channels_hourly")),
        ("click_visitors = distinct human (link, day, visitor)", differ(expected_visitors, actual_visitors)),
        ("collaborations.clicks / refused_clicks = events", differ(expected_counts, actual_counts)),
        (
            "a day's hours add up to the day",
            differ(
                "SELECT collaboration_id, hour - hour % 86400000 AS day, SUM(redirected) AS r, SUM(refused) AS f, SUM(bots) AS b,
                        SUM(matched) AS m, SUM(mismatched) AS x, SUM(no_referrer) AS n, SUM(visitors) AS v
                 FROM click_hourly GROUP BY collaboration_id, hour - hour % 86400000",
                "SELECT collaboration_id, day, redirected, refused, bots, matched, mismatched, no_referrer, visitors FROM click_daily",
            ),
        ),
        (
            "referrer hosts with one class per source and day",
            "SELECT COUNT(*) FROM (SELECT traffic_source_id FROM click_events WHERE referrer_host IS NOT NULL
             GROUP BY traffic_source_id, at - at % 86400000, referrer_host HAVING COUNT(DISTINCT referrer_class) > 1) x".into(),
        ),
        (
            "events whose link is missing or whose denormalised ids disagree with it",
            "SELECT COUNT(*) FROM click_events e
             LEFT JOIN collaborations c ON c.id = e.collaboration_id
             LEFT JOIN programs p ON p.id = c.program_id
             LEFT JOIN traffic_sources s ON s.id = c.traffic_source_id
             WHERE c.id IS NULL OR p.id IS NULL OR s.id IS NULL OR e.traffic_source_id <> c.traffic_source_id
                OR e.program_id <> c.program_id OR e.partner_id <> s.partner_id OR e.advertiser_id <> p.advertiser_id".into(),
        ),
        (
            "refused clicks on links whose source is not paused / blocked accordingly",
            "SELECT COUNT(*) FROM click_events e JOIN traffic_sources s ON s.id = e.traffic_source_id
             WHERE (e.outcome = 'refused_paused' AND s.status <> 'paused')
                OR (e.outcome = 'refused_blocked' AND s.status <> 'blocked')".into(),
        ),
        (
            "referrer class inconsistent with the host (match iff the source's own host, none iff no host)",
            format!(
                "SELECT COUNT(*) FROM click_events e JOIN traffic_sources s ON s.id = e.traffic_source_id
                 WHERE (e.referrer_host IS NULL AND e.referrer_class <> 'none')
                    OR (e.referrer_host IS NOT NULL AND e.referrer_class = 'none')
                    OR (e.referrer_host = {own_host} AND e.referrer_class <> 'match')
                    OR (e.referrer_host <> {own_host} AND e.referrer_class = 'match')"
            ),
        ),
        (
            "referrer hosts not normalised (lower case, no port, no leading www.)",
            "SELECT COUNT(*) FROM click_events WHERE referrer_host <> lower(referrer_host)
             OR referrer_host LIKE '%:%' OR referrer_host LIKE 'www.%' OR referrer_host = ''".into(),
        ),
        (
            "click ids not 16 letters and digits",
            format!("SELECT COUNT(*) FROM click_events WHERE click_id {not_code}"),
        ),
        (
            "visitor hashes not 32 hex characters",
            format!("SELECT COUNT(*) FROM click_events WHERE length(visitor_hash) <> 32 OR visitor_hash {not_hex}"),
        ),
        ("bot neither 0 nor 1", "SELECT COUNT(*) FROM click_events WHERE bot NOT IN (0, 1)".into()),
        (
            "clicks outside one 30-day window",
            format!(
                "SELECT COUNT(*) FROM click_events WHERE at < (SELECT MAX(at) FROM click_events) - {}",
                WINDOW_DAYS * DAY_MS
            ),
        ),
        (
            "tracking codes not 16 letters and digits",
            format!("SELECT COUNT(*) FROM collaborations WHERE tracking_code {not_code}"),
        ),
        (
            "references that lead nowhere (the load does not check foreign keys) or to the wrong role",
            "SELECT (SELECT COUNT(*) FROM traffic_sources s LEFT JOIN accounts a ON a.id = s.partner_id
                     WHERE a.id IS NULL OR a.role <> 'partner')
                  + (SELECT COUNT(*) FROM programs p LEFT JOIN accounts a ON a.id = p.advertiser_id
                     WHERE a.id IS NULL OR a.role <> 'advertiser')
                  + (SELECT COUNT(*) FROM collaborations c LEFT JOIN programs p ON p.id = c.program_id
                     LEFT JOIN traffic_sources s ON s.id = c.traffic_source_id WHERE p.id IS NULL OR s.id IS NULL)
                  + (SELECT COUNT(*) FROM click_hourly h LEFT JOIN collaborations c ON c.id = h.collaboration_id
                     WHERE c.id IS NULL OR c.traffic_source_id <> h.traffic_source_id)
                  + (SELECT COUNT(*) FROM click_daily d LEFT JOIN collaborations c ON c.id = d.collaboration_id
                     WHERE c.id IS NULL OR c.traffic_source_id <> d.traffic_source_id)".into(),
        ),
        (
            "Active sources in no program",
            "SELECT COUNT(*) FROM traffic_sources s WHERE s.status = 'active'
             AND NOT EXISTS (SELECT 1 FROM collaborations c WHERE c.traffic_source_id = s.id)".into(),
        ),
    ]
}

/// Runs every check and prints a line per check; `Ok(false)` when any failed.
pub async fn run(engine: &mut Engine) -> Result<bool> {
    let postgres = engine.is_postgres();
    if !postgres {
        engine
            .exec("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -1048576; PRAGMA threads = 2;")
            .await?;
    } else {
        engine.exec("SET work_mem = '256MB'").await?;
    }
    let mut ok = true;
    let events = engine.int("SELECT COUNT(*) FROM click_events").await?;
    let links = engine.int("SELECT COUNT(*) FROM collaborations").await?;
    println!("verify: {events} click events on {links} links");
    for (label, sql) in checks(postgres) {
        let t = Instant::now();
        let bad = engine.int(&sql).await?;
        ok &= bad == 0;
        println!(
            "  {} {label}: {bad} ({:.1} s)",
            if bad == 0 { "ok  " } else { "FAIL" },
            t.elapsed().as_secs_f64()
        );
    }
    if !postgres {
        // FTS5's own check of the search index against its content table.
        let result = engine
            .exec("INSERT INTO traffic_sources_search (traffic_sources_search, rank) VALUES ('integrity-check', 1)")
            .await;
        ok &= result.is_ok();
        println!(
            "  {} search index (FTS5 integrity-check against traffic_sources){}",
            if result.is_ok() { "ok  " } else { "FAIL" },
            result.err().map(|e| format!(": {e}")).unwrap_or_default()
        );
    }
    if postgres {
        let bad = partitions(engine).await?;
        ok &= bad == 0;
        println!(
            "  {} partitions named click_events_dYYYYMMDD covering one UTC day each: {bad} wrong",
            if bad == 0 { "ok  " } else { "FAIL" }
        );
    }
    // Figures that show the data is shaped as meant (not pass/fail).
    let share = |what: &str| format!("SELECT COUNT(*) FROM click_events WHERE {what}");
    let bots = engine.int(&share("bot = 1")).await?;
    let refused = engine.int(&share("outcome <> 'redirected'")).await?;
    let matched = engine
        .int(&share("bot = 0 AND referrer_class = 'match'"))
        .await?;
    let mismatched = engine
        .int(&share("bot = 0 AND referrer_class = 'mismatch'"))
        .await?;
    let none = engine
        .int(&share("bot = 0 AND referrer_class = 'none'"))
        .await?;
    let humans = events - bots;
    let visitors = engine.int("SELECT COUNT(*) FROM click_visitors").await?;
    let busiest = engine
        .int("SELECT MAX(clicks + refused_clicks) FROM collaborations")
        .await?;
    let median = engine
        .int(&format!(
            "SELECT clicks + refused_clicks FROM collaborations ORDER BY clicks + refused_clicks LIMIT 1 OFFSET {}",
            links / 2
        ))
        .await?;
    let pct = |a: i64, b: i64| {
        if b > 0 {
            100.0 * a as f64 / b as f64
        } else {
            0.0
        }
    };
    println!(
        "  shape: bots {:.1} %, refused {:.1} %; human referrers match {:.1} % / mismatch {:.1} % / none {:.1} %; \
         {:.2} human clicks per visitor-day; clicks per link: busiest {busiest}, median {median}",
        pct(bots, events),
        pct(refused, events),
        pct(matched, humans),
        pct(mismatched, humans),
        pct(none, humans),
        if visitors > 0 { humans as f64 / visitors as f64 } else { 0.0 },
    );
    println!(
        "verify: {}",
        if ok { "all checks passed" } else { "MISMATCH" }
    );
    Ok(ok)
}

/// Partitions of click_events whose name does not match their one-day bounds.
async fn partitions(engine: &mut Engine) -> Result<usize> {
    let rows = engine
        .pairs(
            "SELECT c.relname::text, pg_get_expr(c.relpartbound, c.oid)
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'click_events'::regclass",
        )
        .await?;
    let mut wrong = 0;
    for (name, bound) in &rows {
        // FOR VALUES FROM ('1764547200000') TO ('1764633600000')
        let numbers: Vec<i64> = bound
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|s| s.parse().ok())
            .collect();
        let fine = matches!(numbers.as_slice(), [from, to]
            if from % DAY_MS == 0 && to - from == DAY_MS && *name == crate::partition_name(*from));
        if !fine {
            println!("    {name}: {bound}");
            wrong += 1;
        }
    }
    let outside = engine
        .int("SELECT COUNT(*) FROM click_events WHERE tableoid::regclass::text NOT LIKE 'click_events_d%'")
        .await?;
    Ok(wrong + outside as usize)
}
