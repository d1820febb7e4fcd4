//! Observed channels: the valid clicks of a source or link by the channel they came
//! through (`click_channels_daily` / `_hourly`, written by the drain), and the share of
//! them through a channel the source declares. Declared channels are read now, so a
//! channel the partner adds counts as declared for past clicks too.

use std::collections::HashMap;

use model::traffic::{match_rate, observed_matches, percent, ObservedBand, ObservedChannel};
use model::Channel;
use sqlx::Row;

use super::Db;

/// Clicks per (channel, signal) of one key.
pub type Mix = Vec<(String, String, i64)>;

/// The mix per value of `key` (`traffic_source_id` or `collaboration_id`) among the rows
/// `filter` selects (`$1` the period's start, `$2` the id), from `table` by `column`.
pub async fn mix_by(
    db: &Db,
    table: &str,
    column: &str,
    key: &str,
    filter: &str,
    start: i64,
    id: i64,
) -> Result<HashMap<i64, Mix>, sqlx::Error> {
    let sql = format!(
        "SELECT {key} AS k, channel, signal_name, CAST(SUM(clicks) AS BIGINT) AS clicks FROM {table}
         WHERE {column} >= $1 AND {filter} GROUP BY {key}, channel, signal_name"
    );
    let mut out: HashMap<i64, Mix> = HashMap::new();
    for row in sqlx::query(&sql)
        .bind(start)
        .bind(id)
        .fetch_all(&db.pool)
        .await?
    {
        out.entry(row.try_get("k")?).or_default().push((
            row.try_get("channel")?,
            row.try_get("signal_name")?,
            row.try_get("clicks")?,
        ));
    }
    Ok(out)
}

/// The declared channels (bit sets) of these sources.
pub async fn declared(db: &Db, ids: &[i64]) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id, channels FROM traffic_sources WHERE id IN ({})",
            super::in_list(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&db.pool).await? {
            out.insert(row.try_get::<i64, _>(0)?, row.try_get::<i64, _>(1)?);
        }
    }
    Ok(out)
}

/// What a mix shows: channels most clicks first, each with the signal behind most of its
/// clicks; and the whole percent through a declared channel (`None`: too few to judge).
pub fn summarise(
    mix: &[(String, String, i64)],
    declared: i64,
) -> (Vec<ObservedChannel>, Option<u8>) {
    let total: i64 = mix.iter().map(|(_, _, n)| n).sum();
    let mut by_channel: HashMap<&str, (i64, &str, i64)> = HashMap::new();
    for (channel, signal, n) in mix {
        let e = by_channel.entry(channel).or_insert((0, "", 0));
        e.0 += n;
        if *n > e.2 {
            (e.1, e.2) = (signal, *n);
        }
    }
    let mut channels: Vec<ObservedChannel> = by_channel
        .into_iter()
        .map(|(channel, (clicks, signal, _))| ObservedChannel {
            channel: channel.to_string(),
            clicks,
            share: percent(clicks, total),
            signal: (!signal.is_empty()).then(|| signal.to_string()),
        })
        .collect();
    channels.sort_by(|a, b| b.clicks.cmp(&a.clicks).then(a.channel.cmp(&b.channel)));
    let declared_clicks: i64 = channels
        .iter()
        .filter(|c| is_declared(&c.channel, declared))
        .map(|c| c.clicks)
        .sum();
    (channels, match_rate(declared_clicks, total))
}

/// What advertisers see of a mix: its channels as bands, and whether they match the
/// declared ones (`--review-undeclared-percent` is `undeclared_percent`).
pub fn bands(
    mix: &[(String, String, i64)],
    declared: i64,
    undeclared_percent: u32,
) -> (Vec<ObservedBand>, Option<bool>) {
    let (channels, declared_share) = summarise(mix, declared);
    (
        channels.iter().map(ObservedBand::of).collect(),
        observed_matches(declared_share, undeclared_percent),
    )
}

pub fn is_declared(channel: &str, declared: i64) -> bool {
    Channel::from_id(channel).is_some_and(|c| declared & c.bit() != 0)
}

/// The 30-day mixes (daily rollups from `start`) of these sources.
pub async fn mixes_of_sources(
    db: &Db,
    ids: &[i64],
    start: i64,
) -> Result<HashMap<i64, Mix>, sqlx::Error> {
    let mut out: HashMap<i64, Mix> = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT traffic_source_id AS k, channel, signal_name, CAST(SUM(clicks) AS BIGINT) AS clicks
             FROM click_channels_daily WHERE day >= $1 AND traffic_source_id IN ({})
             GROUP BY traffic_source_id, channel, signal_name",
            super::in_list(2, chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(start);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&db.pool).await? {
            out.entry(row.try_get("k")?).or_default().push((
                row.try_get("channel")?,
                row.try_get("signal_name")?,
                row.try_get("clicks")?,
            ));
        }
    }
    Ok(out)
}

/// Whether each of these sources' valid clicks of the list's 30 days came through a
/// channel it declares at least `min_share` percent of the time (`None`: too few clicks
/// to judge), by id. What the marketplace's `observed_matches` and the lists' filter read.
pub async fn matches_declared(
    db: &Db,
    sources: &[model::TrafficSource],
    min_share: u8,
) -> Result<HashMap<i64, Option<bool>>, sqlx::Error> {
    let ids: Vec<i64> = sources.iter().map(|s| s.id).collect();
    let start =
        crate::clicks::store::window_start(crate::time::now_ms(), model::traffic::LIST_WINDOW_DAYS);
    let mut mixes = mixes_of_sources(db, &ids, start).await?;
    Ok(sources
        .iter()
        .map(|s| {
            let mix = mixes.remove(&s.id).unwrap_or_default();
            let (_, share) = summarise(&mix, Channel::mask(&s.channels));
            (s.id, share.map(|share| share >= min_share))
        })
        .collect())
}
