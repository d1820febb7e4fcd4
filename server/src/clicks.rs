//! Click counts of tracking links, kept in memory and written in batches, so that a
//! redirect never waits for a write. A background task flushes every second; on a clean
//! shutdown the server flushes once more after its last request, so no click is lost.
//!
//! Counts are increments (`clicks = clicks + n`), so several server instances on one
//! database add up correctly. Only counts are held here, never a source's status.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::db::{tracking, Db};

pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Clicks of one tracking link since the last flush.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub redirected: i64,
    pub refused: i64,
}

#[derive(Default)]
pub struct ClickCounter {
    pending: Mutex<HashMap<i64, Tally>>,
    /// One flush at a time: when `flush` returns, every click recorded before it was
    /// called is in the database (or still pending after an error), never in flight.
    flushing: tokio::sync::Mutex<()>,
}

impl ClickCounter {
    fn pending(&self) -> MutexGuard<'_, HashMap<i64, Tally>> {
        // A panic while holding this lock cannot leave the map half-updated.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one click on a collaboration's link; `redirected` is false for a 410.
    pub fn record(&self, collaboration_id: i64, redirected: bool) {
        let mut pending = self.pending();
        let tally = pending.entry(collaboration_id).or_default();
        if redirected {
            tally.redirected += 1;
        } else {
            tally.refused += 1;
        }
    }

    /// Writes the pending counts in one transaction and returns how many links it
    /// touched. On failure the counts are put back, to be retried by the next flush.
    pub async fn flush(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let _one_at_a_time = self.flushing.lock().await;
        let batch = std::mem::take(&mut *self.pending());
        if batch.is_empty() {
            return Ok(0);
        }
        let mut batch: Vec<(i64, Tally)> = batch.into_iter().collect();
        // The same row order in every instance: concurrent flushes cannot deadlock.
        batch.sort_unstable_by_key(|(id, _)| *id);
        match tracking::add_clicks(db, &batch).await {
            Ok(()) => Ok(batch.len()),
            Err(e) => {
                let mut pending = self.pending();
                for (id, t) in batch {
                    let tally = pending.entry(id).or_default();
                    tally.redirected += t.redirected;
                    tally.refused += t.refused;
                }
                Err(e)
            }
        }
    }

    /// Clicks not yet written.
    pub fn pending_clicks(&self) -> i64 {
        self.pending()
            .values()
            .map(|t| t.redirected + t.refused)
            .sum()
    }
}

/// The background task that flushes every [`FLUSH_EVERY`].
pub struct Flusher {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    counter: Arc<ClickCounter>,
    db: Db,
}

impl Flusher {
    pub fn spawn(counter: Arc<ClickCounter>, db: Db) -> Flusher {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn({
            let (counter, db) = (counter.clone(), db.clone());
            async move {
                let mut tick = tokio::time::interval(FLUSH_EVERY);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    // Stop only between flushes, never in the middle of one.
                    tokio::select! {
                        _ = tick.tick() => {}
                        _ = &mut stopped => break,
                    }
                    if let Err(e) = counter.flush(&db).await {
                        tracing::warn!(error = %e, "writing click counts failed; will retry");
                    }
                }
            }
        });
        Flusher {
            stop,
            task,
            counter,
            db,
        }
    }

    /// Stops the task and writes what is left. Call after the server has answered its
    /// last request. Retries a few times, since a busy database is usually a passing state.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        for attempt in 1..=5 {
            match self.counter.flush(&self.db).await {
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(attempt, error = %e, "final write of click counts failed")
                }
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        tracing::error!(
            lost = self.counter.pending_clicks(),
            "click counts could not be written before shutdown"
        );
    }
}
