//! The periodic re-check: every verified source is checked again once its last check is
//! older than `--verify-recheck-secs`; one whose proof is gone loses its mark, and its
//! partner is notified (both in `db::verification::finish`).
//!
//! Several instances may run this at once: each source is claimed by a conditional update
//! of its `verification_checked_at`, so only one instance checks it.

use std::time::Duration;

use crate::db::verification::{self as store, Trigger};
use crate::time::now_ms;
use crate::AppState;

/// Sources checked per round; the rest wait for the next round.
const BATCH: i64 = 50;

/// One round: checks every due source (up to [`BATCH`]). Returns how many were checked.
pub async fn run_once(state: &AppState) -> Result<usize, sqlx::Error> {
    let interval_ms = (state.config.verify_recheck_secs as i64).saturating_mul(1000);
    let due = store::due_for_recheck(&state.db, now_ms() - interval_ms, BATCH).await?;
    let mut checked = 0;
    for id in due {
        let Some(source) = store::get(&state.db, id).await? else {
            continue;
        };
        let Some(attempt) = store::claim_recheck(&state.db, &source).await? else {
            continue;
        };
        state
            .verifier
            .check_and_store(&state.db, attempt, &source, Trigger::Recheck)
            .await?;
        checked += 1;
    }
    Ok(checked)
}

/// Runs [`run_once`] in the background for as long as the process lives. It wakes at the
/// interval, or every minute when the interval is longer, so a source verified just after
/// a round is not left for nearly two intervals.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    let period = Duration::from_secs(state.config.verify_recheck_secs.clamp(1, 60));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = run_once(&state).await {
                tracing::warn!(error = %e, "re-checking verified sources failed; will retry");
            }
        }
    })
}
