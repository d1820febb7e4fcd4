//! New clicks told to the live stream (`GET /api/events`, kind `traffic`), so that an open
//! traffic view loads its figures again as clicks arrive instead of on the next reload.
//!
//! The drain writes the `live_events` rows in the same transaction as the clicks, like the
//! database triggers of the other kinds: an announced click is a stored click. One row per
//! source and advertiser (the source's partner and that advertiser may see it), and at most
//! one every [`EVERY_MS`] for each, checked against the table so that several instances
//! draining at once do not add to each other. Clicks stored inside that window are
//! announced when it is over ([`Owed`]): every stored click is followed by an announcement
//! made after it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use sqlx::Row;

use crate::db::Db;

use super::event::ClickEvent;

/// At most one `traffic` event per source and advertiser this often.
pub const EVERY_MS: i64 = model::live::TRAFFIC_EVERY_MS;

/// (source, partner, advertiser): who may hear of new clicks on the source.
pub type Announcement = (i64, i64, i64);

/// The announcements of the stored events, each once.
pub fn announcements(fresh: &[&ClickEvent]) -> BTreeSet<Announcement> {
    fresh
        .iter()
        .map(|e| (e.traffic_source_id, e.partner_id, e.advertiser_id))
        .collect()
}

/// One announcement, for rusqlite's cached statement (a call costs microseconds in place).
/// Binds: now, source, partner, advertiser, now − [`EVERY_MS`].
pub const INSERT_SQLITE: &str = "INSERT INTO live_events (at, kind, traffic_source_id, partner_id, account_id)
     SELECT ?1, 'traffic', ?2, ?3, ?4
     WHERE NOT EXISTS (SELECT 1 FROM live_events
                       WHERE traffic_source_id = ?2 AND kind = 'traffic' AND account_id = ?4 AND at > ?5)";

/// Announcements a drain could not make because one was made lately, each with when its
/// window is over. Kept in memory: a lost one costs a page a live update, never a click.
#[derive(Debug, Default)]
pub struct Owed(Mutex<BTreeMap<Announcement, i64>>);

impl Owed {
    /// `unannounced` were stored at `now` inside a window: announce them when it is over.
    pub fn add(&self, unannounced: impl IntoIterator<Item = Announcement>, now: i64) {
        let mut owed = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for a in unannounced {
            owed.entry(a).or_insert(now + EVERY_MS);
        }
    }

    /// Announces what is due. One that finds a newer announcement is settled by it: that was
    /// made after these clicks were stored.
    pub async fn settle(&self, db: &Db) -> Result<(), sqlx::Error> {
        let now = crate::time::now_ms();
        let due: Vec<Announcement> = {
            let mut owed = self.0.lock().unwrap_or_else(|e| e.into_inner());
            let due: Vec<Announcement> = owed
                .iter()
                .filter(|(_, &at)| at <= now)
                .map(|(a, _)| *a)
                .collect();
            for a in &due {
                owed.remove(a);
            }
            due
        };
        if due.is_empty() {
            return Ok(());
        }
        let written = async {
            let mut tx = db.begin_write().await?;
            insert(&mut tx, now, &due).await?;
            tx.commit().await
        }
        .await;
        if written.is_err() {
            self.add(due, now - EVERY_MS);
        }
        written
    }
}

/// Writes the announcements, each unless one was made within [`EVERY_MS`], a few hundred
/// to a statement (on PostgreSQL a statement each would be a round trip each, in the
/// drain's transaction); answers those not made.
pub async fn insert(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    now: i64,
    wanted: &[Announcement],
) -> Result<Vec<Announcement>, sqlx::Error> {
    let mut made = BTreeSet::new();
    for chunk in wanted.chunks(ROWS_PER_STATEMENT) {
        let n = chunk.len() * 3;
        // Each value bound once per placeholder: sqlx numbers SQLite's by position.
        let sql = format!(
            "WITH wanted (traffic_source_id, partner_id, account_id) AS (VALUES {})
             INSERT INTO live_events (at, kind, traffic_source_id, partner_id, account_id)
             SELECT ${}, 'traffic', w.traffic_source_id, w.partner_id, w.account_id FROM wanted w
             WHERE NOT EXISTS (SELECT 1 FROM live_events e
                               WHERE e.traffic_source_id = w.traffic_source_id AND e.kind = 'traffic'
                                 AND e.account_id = w.account_id AND e.at > ${})
             RETURNING traffic_source_id, account_id",
            super::sql::placeholders(chunk.len(), 3),
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(&sql);
        for &(source, partner, advertiser) in chunk {
            q = q.bind(source).bind(partner).bind(advertiser);
        }
        for row in q
            .bind(now)
            .bind(now - EVERY_MS)
            .fetch_all(&mut **tx)
            .await?
        {
            made.insert((row.try_get::<i64, _>(0)?, row.try_get::<i64, _>(1)?));
        }
    }
    Ok(wanted
        .iter()
        .filter(|(source, _, advertiser)| !made.contains(&(*source, *advertiser)))
        .copied()
        .collect())
}

/// Announcements to a statement: three values each, well under both engines' limits.
const ROWS_PER_STATEMENT: usize = 300;

#[cfg(test)]
mod tests {
    use super::*;
    use model::traffic::{ClickOutcome, ReferrerClass};

    fn click(source: i64, advertiser: i64) -> ClickEvent {
        ClickEvent {
            click_id: format!("{source}-{advertiser}"),
            at: 0,
            collaboration_id: 1,
            traffic_source_id: source,
            program_id: 1,
            partner_id: 9,
            advertiser_id: advertiser,
            outcome: ClickOutcome::Redirected,
            referrer_host: None,
            referrer_class: ReferrerClass::None,
            bot: false,
            visitor_hash: String::new(),
            deep_link: None,
            prefetch: false,
            click_param: None,
            utm_channel: None,
            verdict: None,
        }
    }

    #[test]
    fn one_announcement_per_source_and_advertiser() {
        let events = [click(1, 5), click(1, 5), click(1, 6), click(2, 5)];
        let fresh: Vec<&ClickEvent> = events.iter().collect();
        assert_eq!(
            announcements(&fresh).into_iter().collect::<Vec<_>>(),
            vec![(1, 9, 5), (1, 9, 6), (2, 9, 5)]
        );
    }
}
