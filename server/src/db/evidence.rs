//! A source's evidence as an advertiser weighs it beside an application or invitation:
//! 30 days of its valid clicks on every link (not only the one in question, which has
//! none before it is approved), as bands where the marketplace shows bands.

use std::collections::HashMap;

use model::program::{Collaboration, SourceEvidence};
use model::traffic::{bot_share, ReferrerMix, VolumeBand, LIST_WINDOW_DAYS};
use model::Channel;
use sqlx::Row;

use super::{observed, Db};
use crate::clicks::store::window_start;
use crate::time::now_ms;

/// The evidence of each source of `rows` (a page: one parameter per source), set on the
/// rows. `undeclared_percent` is `--review-undeclared-percent`.
pub async fn fill(
    db: &Db,
    rows: &mut [Collaboration],
    undeclared_percent: u32,
) -> Result<(), sqlx::Error> {
    let mut ids: Vec<i64> = rows.iter().map(|c| c.traffic_source_id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let start = window_start(now_ms(), LIST_WINDOW_DAYS);
    let sql = format!(
        "SELECT traffic_source_id AS k, CAST(COALESCE(SUM(valid), 0) AS BIGINT) AS valid,
                CAST(COALESCE(SUM(matched), 0) AS BIGINT) AS m, CAST(COALESCE(SUM(mismatched), 0) AS BIGINT) AS x,
                CAST(COALESCE(SUM(no_referrer), 0) AS BIGINT) AS n, CAST(COALESCE(SUM(bots), 0) AS BIGINT) AS bots,
                CAST(COALESCE(SUM(redirected + refused + bots), 0) AS BIGINT) AS all_clicks
         FROM click_daily WHERE day >= $1 AND traffic_source_id IN ({}) GROUP BY traffic_source_id",
        super::in_list(2, ids.len())
    );
    let mut q = sqlx::query(&sql).bind(start);
    for id in &ids {
        q = q.bind(*id);
    }
    let mut figures: HashMap<i64, (i64, ReferrerMix, i64, i64)> = HashMap::new();
    for row in q.fetch_all(&db.pool).await? {
        figures.insert(
            row.try_get("k")?,
            (
                row.try_get("valid")?,
                ReferrerMix {
                    matched: row.try_get("m")?,
                    mismatched: row.try_get("x")?,
                    none: row.try_get("n")?,
                },
                row.try_get("bots")?,
                row.try_get("all_clicks")?,
            ),
        );
    }
    let mixes = observed::mixes_of_sources(db, &ids, start).await?;
    for c in rows {
        let (valid, mix, bots, all) = figures
            .get(&c.traffic_source_id)
            .cloned()
            .unwrap_or_default();
        let (observed_channels, observed_matches) = observed::bands(
            mixes
                .get(&c.traffic_source_id)
                .map_or(&[][..], Vec::as_slice),
            Channel::mask(&c.channels),
            undeclared_percent,
        );
        c.evidence = Some(SourceEvidence {
            volume_band: VolumeBand::of(valid),
            match_rate_30d: mix.match_rate(),
            bot_share_30d: bot_share(bots, all),
            observed_channels,
            observed_matches,
        });
    }
    Ok(())
}
