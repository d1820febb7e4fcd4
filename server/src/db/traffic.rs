//! What the click ledger shows: a source's or a program's traffic, the 30-day figures of
//! list rows, and one click by id. Charts and lists read the hourly and daily rollups;
//! nothing here scans raw events except the lookup of one click by its key.

use std::collections::HashMap;

use model::program::Collaboration;
use model::traffic::{
    Click, ClickOutcome, CollaborationTraffic, InvalidCounts, InvalidReason, Period, ReferrerClass,
    ReferrerMix, SourceTraffic, TopReferrer, TrafficDay, LIST_WINDOW_DAYS,
};
use model::TrafficSource;
use sqlx::Row;

use super::{observed, Db};
use crate::clicks::classify;
use crate::clicks::store::{window_start, HOUR_MS};
use crate::clicks::visitor::DAY_MS;
use crate::time::{now_ms, rfc3339};

/// Valid clicks and their referrer mix over a window.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Figures {
    pub clicks: i64,
    pub mix: ReferrerMix,
}

/// The 30-day figures of some rows of `click_daily`, per key.
enum FiguresOf<'a> {
    /// A page of sources, by `traffic_source_id` (one parameter each: a page is short).
    Sources(&'a [i64]),
    /// A program's links, by `collaboration_id`: joined, not listed, since a program holds
    /// up to 10,000 (past what an engine takes as parameters of one statement).
    Program(i64),
    /// A page of links of any programs, by `collaboration_id` (a page is short).
    Links(&'a [i64]),
}

async fn figures_by(db: &Db, of: FiguresOf<'_>) -> Result<HashMap<i64, Figures>, sqlx::Error> {
    let (key, filter) = match of {
        FiguresOf::Sources([]) => return Ok(HashMap::new()),
        FiguresOf::Sources(ids) => (
            "d.traffic_source_id",
            format!("d.traffic_source_id IN ({})", super::in_list(2, ids.len())),
        ),
        FiguresOf::Links([]) => return Ok(HashMap::new()),
        FiguresOf::Links(ids) => (
            "d.collaboration_id",
            format!("d.collaboration_id IN ({})", super::in_list(2, ids.len())),
        ),
        FiguresOf::Program(_) => (
            "d.collaboration_id",
            "d.collaboration_id IN (SELECT c.id FROM collaborations c WHERE c.program_id = $2)"
                .into(),
        ),
    };
    let sql = format!(
        "SELECT {key} AS k, CAST(COALESCE(SUM(d.valid), 0) AS BIGINT) AS clicks,
                CAST(COALESCE(SUM(d.matched), 0) AS BIGINT) AS m, CAST(COALESCE(SUM(d.mismatched), 0) AS BIGINT) AS x,
                CAST(COALESCE(SUM(d.no_referrer), 0) AS BIGINT) AS n
         FROM click_daily d WHERE d.day >= $1 AND {filter} GROUP BY {key}"
    );
    let mut q = sqlx::query(&sql).bind(window_start(now_ms(), LIST_WINDOW_DAYS));
    match of {
        FiguresOf::Sources(ids) | FiguresOf::Links(ids) => {
            for id in ids {
                q = q.bind(*id);
            }
        }
        FiguresOf::Program(id) => q = q.bind(id),
    }
    let mut out = HashMap::new();
    for row in q.fetch_all(&db.pool).await? {
        out.insert(
            row.try_get("k")?,
            Figures {
                clicks: row.try_get("clicks")?,
                mix: ReferrerMix {
                    matched: row.try_get("m")?,
                    mismatched: row.try_get("x")?,
                    none: row.try_get("n")?,
                },
            },
        );
    }
    Ok(out)
}

pub async fn source_figures(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Figures>, sqlx::Error> {
    figures_by(db, FiguresOf::Sources(ids)).await
}

/// Sets `clicks_30d` and `match_rate_30d` on list rows, with one query for the page.
pub async fn fill_sources(db: &Db, sources: &mut [TrafficSource]) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = sources.iter().map(|s| s.id).collect();
    let figures = source_figures(db, &ids).await?;
    for s in sources {
        let f = figures.get(&s.id).cloned().unwrap_or_default();
        s.clicks_30d = f.clicks;
        s.match_rate_30d = f.mix.match_rate();
    }
    Ok(())
}

/// The same for a program's sources (`collaborations` are program `program_id`'s), per link.
pub async fn fill_collaborations(
    db: &Db,
    program_id: i64,
    collaborations: &mut [Collaboration],
) -> Result<(), sqlx::Error> {
    let figures = figures_by(db, FiguresOf::Program(program_id)).await?;
    for c in collaborations {
        let f = figures.get(&c.id).cloned().unwrap_or_default();
        c.clicks_30d = f.clicks;
        c.match_rate_30d = f.mix.match_rate();
    }
    Ok(())
}

/// The same for a page of links from any programs (the collaborations list).
pub async fn fill_links(db: &Db, links: &mut [Collaboration]) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = links.iter().map(|c| c.id).collect();
    let figures = figures_by(db, FiguresOf::Links(&ids)).await?;
    for c in links {
        let f = figures.get(&c.id).cloned().unwrap_or_default();
        c.clicks_30d = f.clicks;
        c.match_rate_30d = f.mix.match_rate();
    }
    Ok(())
}

fn date(day_ms: i64) -> String {
    rfc3339(day_ms).get(..10).unwrap_or_default().to_string()
}

/// Where a period's series is read from, and its buckets.
struct Buckets {
    /// `click_hourly` or `click_daily`.
    table: &'static str,
    /// Their time column, `hour` or `day`.
    column: &'static str,
    /// `click_referrers_hourly` or `click_referrers_daily`.
    referrers: &'static str,
    /// `click_channels_hourly` or `click_channels_daily`.
    channels: &'static str,
    /// The first bucket's start, Unix ms.
    start: i64,
    /// A bucket's length, ms.
    step: i64,
    count: u32,
    hourly: bool,
}

impl Buckets {
    /// A `period` that ends in the current hour (hours) or today (days), UTC.
    fn of(period: Period) -> Buckets {
        let now = now_ms();
        match period {
            Period::Hours(hours) => Buckets {
                table: "click_hourly",
                column: "hour",
                referrers: "click_referrers_hourly",
                channels: "click_channels_hourly",
                start: now - now.rem_euclid(HOUR_MS) - (hours as i64 - 1) * HOUR_MS,
                step: HOUR_MS,
                count: hours,
                hourly: true,
            },
            Period::Days(days) => Buckets {
                table: "click_daily",
                column: "day",
                referrers: "click_referrers_daily",
                channels: "click_channels_daily",
                start: window_start(now, days),
                step: DAY_MS,
                count: days,
                hourly: false,
            },
        }
    }

    fn point(&self, at: i64) -> TrafficDay {
        TrafficDay {
            day: date(at),
            hour: self.hourly.then(|| rfc3339(at)),
            redirected: 0,
            refused: 0,
            bots: 0,
            visitors: 0,
            valid: 0,
            invalid: InvalidCounts::default(),
        }
    }

    /// The period's buckets in order, each from `found` or with no clicks.
    fn every(&self, found: &mut HashMap<i64, TrafficDay>) -> Vec<TrafficDay> {
        (0..self.count as i64)
            .map(|i| self.start + i * self.step)
            .map(|at| found.remove(&at).unwrap_or_else(|| self.point(at)))
            .collect()
    }

    /// A series with no clicks at all.
    fn empty(&self) -> (Vec<TrafficDay>, ReferrerMix) {
        (self.every(&mut HashMap::new()), ReferrerMix::default())
    }
}

/// A series over the period, buckets without clicks included, one per value of `key` among
/// the rows `filter` selects (`$1` is bound to the period's start, `$2` to `id`). One query
/// however many series: a program's traffic reads all its links at once. A key without
/// clicks has no entry. Read from the rollups, written with the events in one transaction:
/// a day's row is its 24 hours' sum (visitors too, since a visitor is counted once a day,
/// in the hour of their first click), at a 24th of the rows.
async fn series_by(
    db: &Db,
    key: &str,
    filter: &str,
    id: i64,
    buckets: &Buckets,
) -> Result<HashMap<i64, (Vec<TrafficDay>, ReferrerMix)>, sqlx::Error> {
    let (table, column) = (buckets.table, buckets.column);
    let sql = format!(
        "SELECT {key} AS k, {column} AS at, CAST(SUM(redirected) AS BIGINT) AS redirected,
                CAST(SUM(refused) AS BIGINT) AS refused, CAST(SUM(bots) AS BIGINT) AS bots,
                CAST(SUM(visitors) AS BIGINT) AS visitors, CAST(SUM(matched) AS BIGINT) AS m,
                CAST(SUM(mismatched) AS BIGINT) AS x, CAST(SUM(no_referrer) AS BIGINT) AS n,
                CAST(SUM(valid) AS BIGINT) AS valid, CAST(SUM(prefetch) AS BIGINT) AS prefetch,
                CAST(SUM(duplicate) AS BIGINT) AS duplicate, CAST(SUM(velocity) AS BIGINT) AS velocity
         FROM {table} WHERE {column} >= $1 AND {filter} GROUP BY {key}, {column}"
    );
    let rows = sqlx::query(&sql)
        .bind(buckets.start)
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    let mut found: HashMap<i64, (HashMap<i64, TrafficDay>, ReferrerMix)> = HashMap::new();
    for row in rows {
        let (by_bucket, mix) = found.entry(row.try_get("k")?).or_default();
        let at: i64 = row.try_get("at")?;
        mix.matched += row.try_get::<i64, _>("m")?;
        mix.mismatched += row.try_get::<i64, _>("x")?;
        mix.none += row.try_get::<i64, _>("n")?;
        let (bots, refused) = (row.try_get("bots")?, row.try_get("refused")?);
        by_bucket.insert(
            at,
            TrafficDay {
                redirected: row.try_get("redirected")?,
                refused,
                bots,
                visitors: row.try_get("visitors")?,
                valid: row.try_get("valid")?,
                invalid: InvalidCounts {
                    bot: bots,
                    refused,
                    prefetch: row.try_get("prefetch")?,
                    duplicate: row.try_get("duplicate")?,
                    velocity: row.try_get("velocity")?,
                },
                ..buckets.point(at)
            },
        );
    }
    Ok(found
        .into_iter()
        .map(|(k, (mut by_bucket, mix))| (k, (buckets.every(&mut by_bucket), mix)))
        .collect())
}

/// A source's traffic over `period`. `source_url` is its declared URL.
pub async fn source_traffic(
    db: &Db,
    source_id: i64,
    source_url: &str,
    period: Period,
) -> Result<SourceTraffic, sqlx::Error> {
    let buckets = Buckets::of(period);
    let (series, referrers) = series_by(
        db,
        "traffic_source_id",
        "traffic_source_id = $2",
        source_id,
        &buckets,
    )
    .await?
    .remove(&source_id)
    .unwrap_or_else(|| buckets.empty());
    let sql = format!(
        "SELECT host, MAX(matches) AS matches, CAST(SUM(clicks) AS BIGINT) AS clicks FROM {}
         WHERE traffic_source_id = $1 AND {} >= $2 GROUP BY host ORDER BY clicks DESC, host LIMIT 10",
        buckets.referrers, buckets.column
    );
    let rows = sqlx::query(&sql)
        .bind(source_id)
        .bind(buckets.start)
        .fetch_all(&db.pool)
        .await?;
    let top_referrers = rows
        .iter()
        .map(|row| {
            Ok(TopReferrer {
                host: row.try_get("host")?,
                matches: row.try_get::<i64, _>("matches")? != 0,
                clicks: row.try_get("clicks")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let mix = observed::mix_by(
        db,
        buckets.channels,
        buckets.column,
        "traffic_source_id",
        "traffic_source_id = $2",
        buckets.start,
        source_id,
    )
    .await?
    .remove(&source_id)
    .unwrap_or_default();
    let declared = observed::declared(db, &[source_id])
        .await?
        .get(&source_id)
        .copied()
        .unwrap_or(0);
    let (observed_channels, declared_share) = observed::summarise(&mix, declared);
    let (days, hours) = lengths(period);
    Ok(SourceTraffic {
        traffic_source_id: source_id,
        days,
        hours,
        declared_site: classify::declared_site(source_url),
        match_rate: referrers.match_rate(),
        series,
        referrers,
        top_referrers,
        observed_channels,
        declared_share,
        declared_channels: model::Channel::from_mask(declared),
    })
}

/// The `days` and `hours` fields of an answer: one of them is set.
pub fn lengths(period: Period) -> (Option<u32>, Option<u32>) {
    match period {
        Period::Days(d) => (Some(d), None),
        Period::Hours(h) => (None, Some(h)),
    }
}

/// A series per source of a program: `collaborations` are the program's.
pub async fn program_traffic(
    db: &Db,
    program_id: i64,
    collaborations: &[Collaboration],
    period: Period,
) -> Result<Vec<CollaborationTraffic>, sqlx::Error> {
    let buckets = Buckets::of(period);
    let mut found = series_by(
        db,
        "collaboration_id",
        "collaboration_id IN (SELECT id FROM collaborations WHERE program_id = $2)",
        program_id,
        &buckets,
    )
    .await?;
    let mut mixes = observed::mix_by(
        db,
        buckets.channels,
        buckets.column,
        "collaboration_id",
        "collaboration_id IN (SELECT id FROM collaborations WHERE program_id = $2)",
        buckets.start,
        program_id,
    )
    .await?;
    let sources: Vec<i64> = collaborations.iter().map(|c| c.traffic_source_id).collect();
    let declared = observed::declared(db, &sources).await?;
    Ok(collaborations
        .iter()
        .map(|c| {
            let (series, referrers) = found.remove(&c.id).unwrap_or_else(|| buckets.empty());
            let mix = mixes.remove(&c.id).unwrap_or_default();
            let (observed_channels, declared_share) = observed::summarise(
                &mix,
                declared.get(&c.traffic_source_id).copied().unwrap_or(0),
            );
            CollaborationTraffic {
                collaboration_id: c.id,
                traffic_source_id: c.traffic_source_id,
                source_name: c.source_name.clone(),
                declared_site: classify::declared_site(&c.source_url),
                match_rate: referrers.match_rate(),
                series,
                referrers,
                observed_channels,
                declared_share,
            }
        })
        .collect())
}

/// One click and the advertiser whose program it belongs to.
pub async fn click(db: &Db, click_id: &str) -> Result<Option<(Click, i64)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT e.click_id, e.at, e.collaboration_id, e.traffic_source_id, e.program_id, e.advertiser_id, e.outcome,
                e.referrer_host, e.referrer_class, e.bot, e.valid, e.invalid_reason, e.observed_channel,
                e.channel_signal, s.name AS source_name, p.name AS program_name
         FROM click_events e JOIN traffic_sources s ON s.id = e.traffic_source_id JOIN programs p ON p.id = e.program_id
         WHERE e.click_id = $1",
    )
    .bind(click_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let decode =
        |what: &str| sqlx::Error::Decode(format!("unexpected {what} in click_events").into());
    let outcome: String = row.try_get("outcome")?;
    let class: String = row.try_get("referrer_class")?;
    let click = Click {
        click_id: row.try_get("click_id")?,
        at: rfc3339(row.try_get("at")?),
        collaboration_id: row.try_get("collaboration_id")?,
        traffic_source_id: row.try_get("traffic_source_id")?,
        source_name: row.try_get("source_name")?,
        program_id: row.try_get("program_id")?,
        program_name: row.try_get("program_name")?,
        outcome: ClickOutcome::from_id(&outcome).ok_or_else(|| decode("outcome"))?,
        referrer_host: row.try_get("referrer_host")?,
        referrer_class: ReferrerClass::from_id(&class).ok_or_else(|| decode("referrer_class"))?,
        bot: row.try_get::<i64, _>("bot")? != 0,
        valid: row.try_get::<i64, _>("valid")? != 0,
        invalid_reason: match row.try_get::<Option<String>, _>("invalid_reason")? {
            Some(r) => Some(InvalidReason::from_id(&r).ok_or_else(|| decode("invalid_reason"))?),
            None => None,
        },
        observed_channel: row.try_get("observed_channel")?,
        signal: row.try_get("channel_signal")?,
    };
    Ok(Some((click, row.try_get("advertiser_id")?)))
}
