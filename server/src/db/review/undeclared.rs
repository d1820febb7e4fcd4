//! The undeclared-channel reason: more than `--review-undeclared-percent` of a source's
//! valid clicks in 7 days (at least `--review-min-clicks`) came through a channel it does
//! not declare. Read from `click_channels_daily` against the channels declared now, so the
//! reason clears on the next sweep once the partner adds the channel.

use std::collections::HashMap;

use model::review::TRAFFIC_WINDOW_DAYS;
use model::Channel;
use sqlx::Row;

use super::sweep::Thresholds;
use crate::db::observed::is_declared;
use crate::db::Db;

/// The signal in words, for the evidence.
pub fn signal_words(signal: &str) -> String {
    let param = |who: &str| format!("carried {who} `{signal}`");
    match signal {
        "gclid" | "gbraid" | "wbraid" => param("a Google Ads"),
        "msclkid" => param("a Microsoft Ads"),
        "fbclid" => param("a Meta"),
        "ttclid" => param("a TikTok"),
        "twclid" => param("an X"),
        "li_fat_id" => param("a LinkedIn"),
        "dclid" => param("a Google Display"),
        "utm_medium" => "were tagged with a `utm_medium`".into(),
        "referrer_search" => "came straight from a search engine".into(),
        "referrer_social" => "came from a social network".into(),
        "referrer_email" => "came from a webmail".into(),
        "referrer_paid" => "came from an ad network".into(),
        _ => "came through it".into(),
    }
}

/// (source, evidence) for each source over the threshold.
pub async fn flags(db: &Db, t: Thresholds, since: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT o.traffic_source_id AS id, s.channels, o.channel, o.signal_name,
                CAST(SUM(o.clicks) AS BIGINT) AS clicks
         FROM click_channels_daily o JOIN traffic_sources s ON s.id = o.traffic_source_id
         WHERE o.day >= $1 GROUP BY o.traffic_source_id, s.channels, o.channel, o.signal_name",
    )
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    // source → (declared, total, (channel, signal) → clicks)
    let mut by_source: HashMap<i64, (i64, i64, Vec<(String, String, i64)>)> = HashMap::new();
    for row in rows {
        let e = by_source.entry(row.try_get("id")?).or_insert((
            row.try_get("channels")?,
            0,
            Vec::new(),
        ));
        let clicks: i64 = row.try_get("clicks")?;
        e.1 += clicks;
        e.2.push((row.try_get("channel")?, row.try_get("signal_name")?, clicks));
    }
    let mut out = Vec::new();
    for (id, (declared, total, mix)) in by_source {
        if total < t.min_clicks {
            continue;
        }
        let undeclared: i64 = mix
            .iter()
            .filter(|(c, _, _)| c != model::traffic::UNKNOWN_CHANNEL && !is_declared(c, declared))
            .map(|(_, _, n)| n)
            .sum();
        if undeclared * 100 <= t.undeclared_percent * total {
            continue;
        }
        out.push((id, evidence(declared, total, &mix)));
    }
    Ok(out)
}

/// "62% of 410 valid clicks in 7 days carried a Google Ads `gclid` (Paid Search); the
/// source declares Content, Comparison & Reviews."
fn evidence(declared: i64, total: i64, mix: &[(String, String, i64)]) -> String {
    let Some((channel, signal, clicks)) = mix
        .iter()
        .filter(|(c, _, _)| c != model::traffic::UNKNOWN_CHANNEL && !is_declared(c, declared))
        .max_by(|a, b| a.2.cmp(&b.2).then(b.0.cmp(&a.0)))
    else {
        return String::new();
    };
    let label = Channel::from_id(channel).map_or(channel.as_str(), |c| c.label());
    let declares: Vec<&str> = Channel::from_mask(declared)
        .into_iter()
        .map(|c| c.label())
        .collect();
    format!(
        "{}% of {total} valid clicks in {TRAFFIC_WINDOW_DAYS} days {} ({label}); the source declares {}",
        clicks * 100 / total,
        signal_words(signal),
        if declares.is_empty() {
            "no channel".to_string()
        } else {
            declares.join(", ")
        }
    )
}
