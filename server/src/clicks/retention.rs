//! How long raw click events are kept (`--click-retention-days`, default 90), and on
//! PostgreSQL the daily partitions of `click_events` that make pruning a `DROP TABLE`.
//! Rollups are kept (charts read those, never the raw events), except the hourly referrers,
//! which only the last-24-hours view reads.

use std::collections::HashSet;
use std::sync::Mutex;

use sqlx::Row;
use time::OffsetDateTime;

use super::visitor::DAY_MS;
use crate::db::{Backend, Db};

/// Rows deleted per statement on SQLite, so pruning never holds the write lock for long.
const PRUNE_BATCH: i64 = 5_000;

/// The partitions this process knows exist (PostgreSQL only).
#[derive(Default)]
pub struct Partitions {
    known: Mutex<HashSet<i64>>,
}

/// `click_events_dYYYYMMDD` for the UTC day starting at `day_ms`.
pub fn partition_name(day_ms: i64) -> String {
    let date = OffsetDateTime::from_unix_timestamp(day_ms.div_euclid(1000))
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN);
    format!(
        "click_events_d{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The day a partition name stands for.
fn partition_day(name: &str) -> Option<i64> {
    let digits = name.strip_prefix("click_events_d")?;
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = (
        digits[..4].parse().ok()?,
        digits[4..6].parse::<u8>().ok()?,
        digits[6..].parse().ok()?,
    );
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() * 1000)
}

impl Partitions {
    /// Makes sure a partition exists for each of these days (a no-op on SQLite).
    pub async fn ensure(
        &self,
        db: &Db,
        days: impl IntoIterator<Item = i64>,
    ) -> Result<(), sqlx::Error> {
        if db.backend != Backend::Postgres {
            return Ok(());
        }
        let missing: HashSet<i64> = {
            let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            days.into_iter().filter(|d| !known.contains(d)).collect()
        };
        for day in missing {
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF click_events FOR VALUES FROM ({day}) TO ({})",
                partition_name(day),
                day + DAY_MS
            );
            if let Err(e) = sqlx::query(&sql).execute(&db.pool).await {
                // Another instance made it at the same moment: IF NOT EXISTS does not
                // cover that race (duplicate table, or its type's unique key).
                let raced = matches!(&e, sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("42P07") | Some("23505")));
                if !raced {
                    return Err(e);
                }
            }
            self.known
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(day);
        }
        Ok(())
    }
}

/// Deletes raw events (and the visitor keys) older than `cutoff_ms`; returns how many
/// events went. On PostgreSQL whole daily partitions are dropped, so an event is kept until
/// its whole day has passed the cutoff.
pub async fn prune(db: &Db, partitions: &Partitions, cutoff_ms: i64) -> Result<u64, sqlx::Error> {
    let cutoff_day = cutoff_ms - cutoff_ms.rem_euclid(DAY_MS);
    let (pruned, row_id) = match db.backend {
        Backend::Sqlite => {
            let sql = "DELETE FROM click_events WHERE click_id IN (SELECT click_id FROM click_events WHERE at < $1 LIMIT $2)";
            (delete_in_batches(db, sql, cutoff_ms).await?, "rowid")
        }
        Backend::Postgres => (drop_partitions(db, partitions, cutoff_ms).await?, "ctid"),
    };
    let visitors = format!(
        "DELETE FROM click_visitors WHERE {row_id} IN (SELECT {row_id} FROM click_visitors WHERE day < $1 LIMIT $2)"
    );
    delete_in_batches(db, &visitors, cutoff_day).await?;
    // Only the last-24-hours view reads the hourly referrers: they go with the events.
    let referrers = format!(
        "DELETE FROM click_referrers_hourly WHERE {row_id} IN (SELECT {row_id} FROM click_referrers_hourly WHERE hour < $1 LIMIT $2)"
    );
    delete_in_batches(db, &referrers, cutoff_day).await?;
    // The hourly observed channels likewise (the daily ones stay, like the other rollups).
    let channels = format!(
        "DELETE FROM click_channels_hourly WHERE {row_id} IN (SELECT {row_id} FROM click_channels_hourly WHERE hour < $1 LIMIT $2)"
    );
    delete_in_batches(db, &channels, cutoff_day).await?;
    Ok(pruned)
}

/// Runs `sql` (binding `$1` = `before` and `$2` = the batch size) until a batch deletes
/// fewer rows than it may; returns how many went.
async fn delete_in_batches(db: &Db, sql: &str, before: i64) -> Result<u64, sqlx::Error> {
    let mut deleted = 0;
    loop {
        let n = sqlx::query(sql)
            .bind(before)
            .bind(PRUNE_BATCH)
            .execute(&db.pool)
            .await?
            .rows_affected();
        deleted += n;
        if n < PRUNE_BATCH as u64 {
            return Ok(deleted);
        }
    }
}

/// Drops the daily partitions whose whole day is before `cutoff_ms`; returns how many
/// events they held.
async fn drop_partitions(
    db: &Db,
    partitions: &Partitions,
    cutoff_ms: i64,
) -> Result<u64, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT CAST(c.relname AS TEXT) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'click_events'",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut dropped = 0;
    for row in rows {
        let name: String = row.try_get(0)?;
        let Some(day) = partition_day(&name) else {
            continue;
        };
        if day + DAY_MS <= cutoff_ms {
            let count = sqlx::query(&format!("SELECT COUNT(*) FROM {name}"))
                .fetch_one(&db.pool)
                .await?;
            dropped += count.try_get::<i64, _>(0)? as u64;
            sqlx::query(&format!("DROP TABLE IF EXISTS {name}"))
                .execute(&db.pool)
                .await?;
            partitions
                .known
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&day);
        }
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_are_utc_dates_and_read_back() {
        let day = 1_764_547_200_000; // 2025-12-01T00:00:00Z
        assert_eq!(partition_name(day), "click_events_d20251201");
        assert_eq!(partition_day("click_events_d20251201"), Some(day));
        assert_eq!(partition_day("click_events_default"), None);
        assert_eq!(partition_day("click_events_d20251301"), None);
    }
}
