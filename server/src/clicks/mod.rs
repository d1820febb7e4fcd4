//! The click path, from a tracking code to the charts:
//!
//! 1. [`resolve`]: the code to its link, the source's status read fresh on every click;
//! 2. [`classify`]: the referrer's host and class, the bot flag;
//! 3. [`visitor`]: the daily-salted visitor hash;
//! 4. [`journal`]: the click appended to a local file before the answer is sent;
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
}

impl Ledger {
    /// Opens the journal in `dir`; segments left there by a previous process are stored by
    /// the first [`Ledger::drain`].
    pub fn open(dir: &Path) -> std::io::Result<Ledger> {
        let (journal, left) = Journal::open(dir)?;
        let left_clicks: usize = left.iter().map(|s| s.events.len()).sum();
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
            judge: judge::Judge::new(referrers::Referrers::default(), 30),
        })
    }

    /// Judges with `judge` (its referrer data and velocity limit) instead of the default.
    pub fn with_judge(mut self, judge: judge::Judge) -> Ledger {
        self.judge = judge;
        self
    }

    /// Records one click on `link` and returns its click id. When this returns the click
    /// is in the journal: answer only after calling it.
    pub fn record(&self, link: &Link, visit: &Visit<'_>) -> String {
        let at = crate::time::now_ms();
        let referrer_host = visit.referrer.and_then(classify::url_host);
        let declared = classify::declared_site(&link.source_url);
        let referrer_class = classify::classify(referrer_host.as_deref(), declared.as_deref());
        let outcome = match link.status {
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
            prefetch: visit.prefetch,
            click_param: click_param.map(str::to_string),
            utm_channel: utm_channel.map(str::to_string),
            verdict: None,
        };
        let click_id = event.click_id.clone();
        if let Err(e) = self.journal.append(event) {
            tracing::error!(error = %e, "appending to the click journal failed; the click is kept in memory only");
        }
        click_id
    }

    /// Writes every click recorded so far to the database; returns how many were new.
    /// On failure what was not written waits for the next drain.
    pub async fn drain(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let _one_at_a_time = self.draining.lock().await;
        match self.journal.seal() {
            Ok(Some(sealed)) => self.waiting().push(sealed),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "sealing the click journal failed; will retry"),
        }
        let mut stored = 0;
        loop {
            // The guard goes before the await: a separate statement, not a `while let`.
            let Some(mut segment) = self.waiting().first().map(|s| s.events.clone()) else {
                break;
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
            self.owed.add(done.unannounced, crate::time::now_ms());
            self.waiting().remove(0).remove();
        }
        // The clicks are stored whatever happens here: a failed announcement is retried.
        if let Err(e) = self.owed.settle(db).await {
            tracing::warn!(error = %e, "announcing new clicks failed; will retry");
        }
        Ok(stored)
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Sealed>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Clicks recorded and not yet in the database.
    pub fn pending(&self) -> usize {
        self.journal.unsealed() + self.waiting().iter().map(|s| s.events.len()).sum::<usize>()
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
