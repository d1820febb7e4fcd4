//! On a schedule (`--purge-secs`): sign-in throttle rows whose window has passed, expired
//! sessions, and rate-limit entries of addresses that have been quiet. Without it each
//! grows with every address and every guess ever seen.

use std::sync::Arc;
use std::time::Duration;

use crate::db::Db;

/// What one purge removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub throttle_rows: u64,
    pub sessions: u64,
}

pub async fn run_once(db: &Db) -> Result<Purged, sqlx::Error> {
    Ok(Purged {
        throttle_rows: crate::db::throttle::purge(db, super::sign_in::WINDOW_MS).await?,
        sessions: crate::db::sessions::purge_expired(db).await?,
    })
}

/// Runs [`run_once`] every `every` (the first time at once), and forgets quiet addresses'
/// rate limits every minute.
pub fn spawn(
    db: Db,
    perimeter: Arc<super::Perimeter>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut purge = tokio::time::interval(every);
        let mut forget = tokio::time::interval(super::rate::FORGET_EVERY);
        purge.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        forget.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = purge.tick() => match run_once(&db).await {
                    Ok(p) if p != Purged::default() => tracing::debug!(throttle_rows = p.throttle_rows, sessions = p.sessions, "purged"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "purging old sign-in failures and sessions failed; will retry"),
                },
                _ = forget.tick() => perimeter.rates.forget_idle(),
            }
        }
    })
}
