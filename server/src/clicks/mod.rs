//! The click path, from a tracking code to the charts:
//!
//! 1. [`resolve`]: the code to its link, the source's status read fresh on every click;
//! 2. [`classify`]: the referrer's host and class, the bot flag;
//! 3. [`visitor`]: the daily-salted visitor hash;
//! 4. [`journal`]: the click appended to a local file before the answer is sent (by a
//!    writer thread that batches appends); when the journal cannot take it (disk full,
//!    read-only), the click is written to the database before the answer instead, and
//!    only when neither can keep it is the visitor sent on with the click counted lost;
//! 5. the drain ([`Ledger::drain`], every `--click-drain-ms`): sealed journal segments
//!    judged by [`judge`] (valid or why not, the observed channel), then
//!    written to the database in batches by [`store`] ([`store_sqlite`] on SQLite), events
//!    and rollups in one transaction, idempotent by click id; segments left by a killed process are replayed
//!    at start-up;
//!    and, in the same transaction, [`announce`]ments for the live stream;
//! 6. [`retention`]: raw events pruned after `--click-retention-days`.
//!
//! The HTTP handler is `http::tracking`; what charts read is `db::traffic`.

pub mod announce;
pub mod classify;
pub mod event;
pub mod hints;
pub mod journal;
pub mod judge;
pub mod referrers;
pub mod resolve;
pub mod retention;
pub mod sql;
pub mod store;
pub mod store_sqlite;
pub mod visitor;

use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use model::traffic::ClickOutcome;
use model::Status;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::db::Db;
use event::ClickEvent;
use journal::{Journal, Sealed};
use resolve::Link;

/// What a request tells about its visitor; nothing of it is stored as it came.
pub struct Visit<'a> {
    pub referrer: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub ip: Option<IpAddr>,
    /// `followed` or `refused` when the click asked for a deep link (`?to=`).
    pub deep_link: Option<&'static str>,
    /// A prefetch or preview ([`hints::prefetch`]).
    pub prefetch: bool,
    /// The tracking link's query string, read for [`hints::query`] and not kept.
    pub query: Option<&'a str>,
}

pub struct Ledger {
    journal: Journal,
    salts: visitor::Salts,
    bots: classify::BotFilter,
    partitions: retention::Partitions,
    /// Sealed segments not yet in the database, oldest first: those a previous process
    /// left, and those a failed drain will retry.
    waiting: Mutex<Vec<Sealed>>,
    /// One drain at a time: when `drain` returns, every click recorded before it was
    /// called is in the database (or waiting after an error), never in flight.
    draining: tokio::sync::Mutex<()>,
    /// New clicks whose live announcement waits for the end of its window.
    owed: announce::Owed,
    judge: judge::Judge,
    /// Most clicks of `waiting` held in memory; the journal alone holds the rest.
    memory_max: usize,
    counters: Arc<ClickCounters>,
}

/// What happened to clicks since the start, for the operator's view (metrics).
#[derive(Debug, Default)]
pub struct ClickCounters {
    /// Appended to the journal before their answer.
    pub journaled: AtomicU64,
    /// Written to the database before their answer because the journal could not take
    /// them.
    pub stored_directly: AtomicU64,
    /// Answered but kept nowhere: the journal and the database both failed.
    pub lost: AtomicU64,
    /// Written to the database by the drain (new ones only).
    pub drained: AtomicU64,
    /// The last append to the journal failed (disk full, read-only): clicks are going
    /// to the database before their answer instead. For a readiness check.
    pub journal_failing: std::sync::atomic::AtomicBool,
}

impl ClickCounters {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

impl Ledger {
    /// Opens the journal in `dir`; segments left there by a previous process are stored by
    /// the first [`Ledger::drain`]. At most `memory_max` clicks waiting for the database
    /// are held in memory (`--click-memory-max`).
    pub fn open(dir: &Path, memory_max: usize) -> std::io::Result<Ledger> {
        let (journal, left) = Journal::open(dir, memory_max)?;
        let left_clicks: usize = left.iter().map(|s| s.clicks).sum();
        if left_clicks > 0 {
            tracing::info!(
                clicks = left_clicks,
                "replaying the click journal of a previous run"
            );
        }
        Ok(Ledger {
            journal,
            salts: visitor::Salts::default(),
            bots: classify::BotFilter::default(),
            partitions: retention::Partitions::default(),
            waiting: Mutex::new(left),
            draining: tokio::sync::Mutex::new(()),
            owed: announce::Owed::default(),
            memory_max,
            counters: Arc::default(),
            judge: judge::Judge::new(referrers::Referrers::default(), 30),
        })
    }

    /// The click counters (shared: a metrics exporter may keep a clone).
    pub fn counters(&self) -> Arc<ClickCounters> {
        self.counters.clone()
    }

    /// Judges with `judge` (its referrer data and velocity limit) instead of the default.
    pub fn with_judge(mut self, judge: judge::Judge) -> Ledger {
        self.judge = judge;
        self
    }

    /// Records one click on `link` and returns its click id. When this returns the click
    /// is in the journal, or else in the database: answer only after calling it. When
    /// neither could take it, it is counted lost and logged, and the visitor is sent on
    /// all the same (a lost visitor is worse than a lost count).
    pub async fn record(&self, db: &Db, link: &Link, visit: &Visit<'_>) -> String {
        let at = crate::time::now_ms();
        let referrer_host = visit.referrer.and_then(classify::url_host);
        let declared = classify::declared_site(&link.source_url);
        let referrer_class = classify::classify(referrer_host.as_deref(), declared.as_deref());
        let outcome = match link.status {
            // A collaboration not (or no longer) approved answers like a paused source.
            Status::Active if !link.approved => ClickOutcome::RefusedPaused,
            Status::Active => ClickOutcome::Redirected,
            Status::Paused => ClickOutcome::RefusedPaused,
            Status::Blocked => ClickOutcome::RefusedBlocked,
        };
        let (click_param, utm_channel) = hints::query(visit.query);
        let event = ClickEvent {
            click_id: crate::codes::click_id(at),
            at,
            collaboration_id: link.collaboration_id,
            traffic_source_id: link.traffic_source_id,
            program_id: link.program_id,
            partner_id: link.partner_id,
            advertiser_id: link.advertiser_id,
            outcome,
            referrer_host,
            referrer_class,
            bot: self.bots.is_bot(visit.user_agent),
            visitor_hash: self
                .salts
                .visitor_hash(at, visit.ip, visit.user_agent.unwrap_or("")),
            deep_link: visit.deep_link.map(str::to_string),
            prefetch: visit.prefetch,
            click_param: click_param.map(str::to_string),
            utm_channel: utm_channel.map(str::to_string),
            verdict: None,
        };
        let click_id = event.click_id.clone();
        let (journal_error, event) = match self.journal.append(event).await {
            Ok(()) => {
                self.counters.journaled.fetch_add(1, Ordering::Relaxed);
                metrics::counter!(crate::ops::metrics::CLICKS_JOURNALED).increment(1);
                self.counters
                    .journal_failing
                    .store(false, Ordering::Relaxed);
                return click_id;
            }
            Err(journal::Unwritten { error, event }) => {
                self.counters.journal_failing.store(true, Ordering::Relaxed);
                (error, event)
            }
        };
        let Some(event) = event else {
            // Only if the journal's writer thread died holding it (a bug): said loudly.
            self.counters.lost.fetch_add(1, Ordering::Relaxed);
            metrics::counter!(crate::ops::metrics::CLICKS_LOST).increment(1);
            tracing::error!(click_id, journal_error = %journal_error, "CLICK LOST: the click journal's writer stopped with it; the visitor was sent on");
            return click_id;
        };
        // Judged as the drain would, then written: the figures count it the same way.
        let mut one = vec![*event];
        let kept = match self.judge.judge(db, &mut one).await {
            Ok(()) => store::store(db, &self.partitions, &one).await,
            Err(e) => Err(e),
        };
        match kept {
            Ok(done) => {
                self.counters
                    .stored_directly
                    .fetch_add(1, Ordering::Relaxed);
                self.owed.add(done.unannounced, crate::time::now_ms());
                tracing::warn!(error = %journal_error, "the click journal cannot be written; the click was written to the database before its answer");
            }
            Err(db_error) => {
                self.counters.lost.fetch_add(1, Ordering::Relaxed);
                metrics::counter!(crate::ops::metrics::CLICKS_LOST).increment(1);
                tracing::error!(
                    click_id,
                    journal_error = %journal_error,
                    database_error = %db_error,
                    lost = ClickCounters::get(&self.counters.lost),
                    "CLICK LOST: neither the journal nor the database could keep it; the visitor was sent on"
                );
            }
        }
        click_id
    }

    /// Writes every click recorded so far to the database; returns how many were new.
    /// On failure what was not written waits for the next drain.
    pub async fn drain(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let _one_at_a_time = self.draining.lock().await;
        match self.journal.seal().await {
            Ok(Some(sealed)) => self.wait_for_database(sealed),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "sealing the click journal failed; will retry"),
        }
        let mut stored = 0;
        loop {
            // The guard goes before the await: a separate statement, not a `while let`.
            let Some((path, events)) = self
                .waiting()
                .first()
                .map(|s| (s.path.clone(), s.events.clone()))
            else {
                break;
            };
            let mut segment = match events {
                Some(events) => events,
                None => match tokio::task::spawn_blocking(move || journal::read_segment(&path))
                    .await
                    .map_err(std::io::Error::other)
                    .and_then(|r| r)
                {
                    Ok(events) => events,
                    Err(e) => {
                        return Err(sqlx::Error::Io(std::io::Error::new(
                            e.kind(),
                            format!("reading a journal segment back failed: {e}"),
                        )))
                    }
                },
            };
            let started = std::time::Instant::now();
            self.judge.judge(db, &mut segment).await?;
            let done = store::store(db, &self.partitions, &segment).await?;
            tracing::debug!(
                clicks = segment.len(),
                new = done.new,
                micros_per_click = started.elapsed().as_micros() as usize / segment.len().max(1),
                "drained a journal segment"
            );
            stored += done.new;
            metrics::counter!(crate::ops::metrics::CLICKS_DRAINED).increment(done.new as u64);
            self.counters
                .drained
                .fetch_add(done.new as u64, Ordering::Relaxed);
            self.owed.add(done.unannounced, crate::time::now_ms());
            self.waiting().remove(0).remove();
        }
        // The clicks are stored whatever happens here: a failed announcement is retried.
        if let Err(e) = self.owed.settle(db).await {
            tracing::warn!(error = %e, "announcing new clicks failed; will retry");
        }
        Ok(stored)
    }

    /// Queues a sealed segment for the database; past `memory_max` clicks in memory its
    /// clicks are dropped from memory and read back from its file when their turn comes.
    fn wait_for_database(&self, mut sealed: Sealed) {
        let mut waiting = self.waiting();
        let held: usize = waiting
            .iter()
            .filter_map(|s| s.events.as_ref().map(Vec::len))
            .sum();
        if held + sealed.clicks > self.memory_max {
            sealed.events = None;
        }
        waiting.push(sealed);
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Sealed>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Clicks waiting for the database that are held in memory (at most
    /// `--click-memory-max`; the journal holds them all).
    pub fn in_memory(&self) -> usize {
        self.waiting()
            .iter()
            .filter_map(|s| s.events.as_ref().map(Vec::len))
            .sum()
    }

    /// Clicks recorded and not yet in the database.
    pub fn pending(&self) -> usize {
        self.journal.unsealed() + self.waiting().iter().map(|s| s.clicks).sum::<usize>()
    }

    /// When the oldest click waiting for the database was recorded (ms), if one waits:
    /// the drain's lag, for `/readyz` and the metrics. The current segment is left out,
    /// since it is sealed at every drain anyway.
    pub fn oldest_waiting_ms(&self) -> Option<i64> {
        self.waiting().iter().map(|s| s.oldest_ms).min()
    }

    /// Loads today's and tomorrow's visitor salts (see [`visitor`]).
    pub async fn refresh_salts(&self, db: &Db) -> Result<(), sqlx::Error> {
        self.salts.refresh(db, crate::time::now_ms()).await
    }

    /// Deletes raw events older than `days` days.
    pub async fn prune(&self, db: &Db, days: u32) -> Result<u64, sqlx::Error> {
        let cutoff = crate::time::now_ms() - i64::from(days) * visitor::DAY_MS;
        retention::prune(db, &self.partitions, cutoff).await
    }
}

/// How often the background work runs.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub drain: Duration,
    /// `None`: never fsync (a process kill still loses nothing; power loss may).
    pub fsync: Option<Duration>,
    pub retention_days: u32,
}

/// The ledger's background work: drain, fsync, salts, pruning.
pub struct LedgerTasks {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    ledger: Arc<Ledger>,
    db: Db,
}

impl LedgerTasks {
    pub fn spawn(ledger: Arc<Ledger>, db: Db, schedule: Schedule) -> LedgerTasks {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn({
            let (ledger, db) = (ledger.clone(), db.clone());
            async move {
                // The first drain one period after the start: the start-up drain (main.rs,
                // before the server listens) has just stored what the journal held. An
                // immediate first tick, delayed on a loaded machine, drained clicks a test
                // had just made and was counting in the journal.
                let mut drain = tokio::time::interval_at(
                    tokio::time::Instant::now() + schedule.drain,
                    schedule.drain,
                );
                drain.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let mut fsync =
                    tokio::time::interval(schedule.fsync.unwrap_or(Duration::from_secs(3600)));
                let mut housekeeping = tokio::time::interval(Duration::from_secs(60));
                let mut last_prune: Option<std::time::Instant> = None;
                loop {
                    // Stop only between steps, never in the middle of one.
                    tokio::select! {
                        _ = drain.tick() => {
                            if let Err(e) = ledger.drain(&db).await {
                                tracing::warn!(error = %e, pending = ledger.pending(), "writing clicks failed; will retry");
                            }
                        }
                        _ = fsync.tick(), if schedule.fsync.is_some() => {
                            let ledger = ledger.clone();
                            let _ = tokio::task::spawn_blocking(move || {
                                match ledger.journal.sync() {
                                    Ok(()) => tracing::debug!("flushed the click journal to the disk"),
                                    Err(e) => tracing::warn!(error = %e, "fsync of the click journal failed"),
                                }
                            }).await;
                        }
                        _ = housekeeping.tick() => {
                            if let Err(e) = ledger.refresh_salts(&db).await {
                                tracing::warn!(error = %e, "loading visitor salts failed; will retry");
                            }
                            if last_prune.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600)) {
                                last_prune = Some(std::time::Instant::now());
                                match ledger.prune(&db, schedule.retention_days).await {
                                    Ok(0) => {}
                                    Ok(n) => tracing::info!(events = n, "pruned click events past retention"),
                                    Err(e) => tracing::warn!(error = %e, "pruning click events failed"),
                                }
                            }
                        }
                        _ = &mut stopped => break,
                    }
                }
            }
        });
        LedgerTasks {
            stop,
            task,
            ledger,
            db,
        }
    }

    /// Stops the tasks and writes what is left. Call after the server has answered its
    /// last request. Retries a few times, since a busy database is usually a passing
    /// state; what still fails stays in the journal for the next start.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        for attempt in 1..=5 {
            match self.ledger.drain(&self.db).await {
                Ok(_) => return,
                Err(e) => tracing::warn!(attempt, error = %e, "final write of clicks failed"),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        tracing::error!(
            pending = self.ledger.pending(),
            "clicks could not be written before shutdown; they stay in the journal for the next start"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn clicks_waiting_past_the_memory_bound_are_left_to_the_journal_and_read_back() {
        let dir = std::env::temp_dir().join(format!("ledger-test-{}", rand::random::<u64>()));
        let ledger = Ledger::open(&dir, 4).unwrap();
        let db = Db::connect("sqlite://ledger-test.db?mode=memory", 1)
            .await
            .unwrap();
        // No such collaboration: the database refuses the clicks (foreign key) for now.
        let link = Link {
            collaboration_id: 7,
            status: Status::Active,
            landing_url: "https://a.example/".into(),
            traffic_source_id: 7,
            source_url: "https://s.example/".into(),
            partner_id: 7,
            program_id: 7,
            advertiser_id: 7,
            approved: true,
            permitted_domains: "[]".into(),
        };
        let visit = Visit {
            referrer: None,
            user_agent: Some("Mozilla/5.0"),
            ip: None,
            deep_link: None,
            prefetch: false,
            query: None,
        };
        for round in 1..=3 {
            for _ in 0..3 {
                ledger.record(&db, &link, &visit).await;
            }
            assert!(ledger.drain(&db).await.is_err(), "refused in round {round}");
        }
        assert_eq!(ledger.pending(), 9);
        // The first segment fits under the bound; the next two are on disk only.
        assert_eq!(ledger.in_memory(), 3);
        assert!(
            ledger.oldest_waiting_ms().is_some(),
            "its lag is known all the same"
        );

        // The database takes them again: all nine, from memory and from the files.
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&db.pool)
            .await
            .unwrap();
        assert_eq!(ledger.drain(&db).await.unwrap(), 9);
        assert_eq!(ledger.pending(), 0);
        assert_eq!(ledger.oldest_waiting_ms(), None);
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM click_events")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(stored, 9);
        let left = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "jsonl")
            })
            .count();
        assert_eq!(left, 1, "only the fresh current segment is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
