//! Sign-in failures counted under keys (see `guard::sign_in`), shared by every server
//! instance: each counts within a window that starts at its first failure.

use sqlx::Row;

use super::Db;
use crate::time::now_ms;

/// A key's failures within its window, or 0 when the window has passed.
pub struct Count {
    pub failures: i64,
    /// Milliseconds until the window ends.
    pub remaining_ms: i64,
}

/// The current count of each key (in the order given).
pub async fn counts(db: &Db, keys: &[String], window_ms: i64) -> Result<Vec<Count>, sqlx::Error> {
    let sql = format!(
        "SELECT key, failures, window_start FROM sign_in_throttle WHERE key IN ({})",
        super::in_list(1, keys.len())
    );
    let mut query = sqlx::query(&sql);
    for key in keys {
        query = query.bind(key);
    }
    let rows = query.fetch_all(&db.pool).await?;
    let now = now_ms();
    keys.iter()
        .map(|key| {
            let Some(row) = rows
                .iter()
                .find(|r| r.try_get::<String, _>("key").is_ok_and(|k| &k == key))
            else {
                return Ok(Count {
                    failures: 0,
                    remaining_ms: 0,
                });
            };
            let start: i64 = row.try_get("window_start")?;
            let remaining_ms = start + window_ms - now;
            Ok(if remaining_ms > 0 {
                Count {
                    failures: row.try_get("failures")?,
                    remaining_ms,
                }
            } else {
                Count {
                    failures: 0,
                    remaining_ms: 0,
                }
            })
        })
        .collect()
}

/// Counts one failure under each key. One statement per key, so concurrent failures on
/// several instances all count.
pub async fn record(db: &Db, keys: &[String], window_ms: i64) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for key in keys {
        sqlx::query(
            "INSERT INTO sign_in_throttle (key, failures, window_start) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET
               failures = CASE WHEN sign_in_throttle.window_start + $3 < $2 THEN 1 ELSE sign_in_throttle.failures + 1 END,
               window_start = CASE WHEN sign_in_throttle.window_start + $3 < $2 THEN $2 ELSE sign_in_throttle.window_start END",
        )
        .bind(key)
        .bind(now)
        .bind(window_ms)
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

pub async fn clear(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE key = $1")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Deletes the rows whose window has passed; returns how many.
pub async fn purge(db: &Db, window_ms: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM sign_in_throttle WHERE window_start < $1")
            .bind(now_ms() - window_ms)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}
