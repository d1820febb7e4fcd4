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

/// Binds: now, source, partner, advertiser, source, advertiser, now − [`EVERY_MS`].
/// (Each value bound once per placeholder: sqlx numbers SQLite's placeholders by position.)
pub const INSERT: &str = "INSERT INTO live_events (at, kind, traffic_source_id, partner_id, account_id)
     SELECT $1, 'traffic', $2, $3, $4
     WHERE NOT EXISTS (SELECT 1 FROM live_events
                       WHERE traffic_source_id = $5 AND kind = 'traffic' AND account_id = $6 AND at > $7)";

/// The same for rusqlite, whose numbered placeholders may repeat.
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
            for &(source, partner, advertiser) in &due {
                insert(&mut tx, now, (source, partner, advertiser)).await?;
            }
            tx.commit().await
        }
        .await;
        if written.is_err() {
            self.add(due, now - EVERY_MS);
        }
        written
    }
}

/// Writes one announcement unless one was made within [`EVERY_MS`]; `false` when not.
pub async fn insert(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    now: i64,
    (source, partner, advertiser): Announcement,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(INSERT)
        .bind(now)
        .bind(source)
        .bind(partner)
        .bind(advertiser)
        .bind(source)
        .bind(advertiser)
        .bind(now - EVERY_MS)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

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
