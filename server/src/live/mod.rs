//! Live updates: what changed, pushed to the browsers that may see it
//! (`GET /api/events`, in `http::events`).
//!
//! 1. Database triggers write a `live_events` row in the same transaction as each change
//!    (a source's status, visibility or verification, a notification, a collaboration), and
//!    the click drain its `traffic` rows with the clicks: what did not commit is never
//!    streamed, what did is never missed.
//! 2. Each instance runs one [`Hub`] task that reads the new rows and broadcasts them to
//!    the streams it holds. It is woken in-process after every API write on this
//!    instance and, on PostgreSQL, by `LISTEN live_events` (the triggers `NOTIFY` at
//!    commit), so a block made through instance A reaches a browser connected to B.
//!    A slow poll covers a lost wake-up. It reads new rows a page at a time past the last
//!    one read, and the ids a read skipped (a transaction still open) again for a few
//!    seconds, so a burst of thousands of events goes through at once.
//! 3. Each stream checks every event against its user's rights before sending it
//!    ([`rights`]), and resumes from `Last-Event-ID` out of the rows kept for
//!    [`RESUME_WINDOW_MS`].

pub mod rights;
pub mod sessions;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::Row;
use tokio::sync::{broadcast, Notify};

use crate::db::{Backend, Db};

/// How long events are kept for a reconnect to resume from.
pub const RESUME_WINDOW_MS: i64 = 5 * 60 * 1000;
/// A row may commit a little after rows with higher ids (PostgreSQL assigns ids at insert):
/// an id a read skipped is looked for this long.
const LATE_COMMIT_MS: i64 = 5_000;

/// Rows read at a time ([`since`] answers at most this many), and pages the hub reads in
/// one round before it lets other work run.
pub const READ_LIMIT: usize = 1000;
const PAGES_PER_ROUND: usize = 10;
/// Skipped ids followed at once (ids skip only while a transaction is open or after a
/// rollback, so a few at a time).
const MAX_GAPS: usize = 10_000;

/// One row of `live_events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub traffic_source_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub account_id: Option<i64>,
    pub status: Option<String>,
    pub visibility: Option<String>,
    pub was_listed: bool,
    pub is_listed: bool,
    pub verified: bool,
    /// For a change to a source: the advertisers whose programs hold it, read once with the
    /// event (see [`since`]) rather than once per open stream.
    pub advertisers: Vec<i64>,
}

impl LiveEvent {
    /// A change to a source, which reaches an advertiser's own stream only through their
    /// programs: it needs `advertisers`.
    fn needs_advertisers(&self) -> bool {
        self.kind == "source"
    }
}

const COLUMNS: &str = "id, at, kind, traffic_source_id, partner_id, account_id, status, visibility, was_listed, is_listed, verified";

fn from_row(row: &sqlx::any::AnyRow) -> Result<LiveEvent, sqlx::Error> {
    Ok(LiveEvent {
        id: row.try_get(0)?,
        at: row.try_get(1)?,
        kind: row.try_get(2)?,
        traffic_source_id: row.try_get(3)?,
        partner_id: row.try_get(4)?,
        account_id: row.try_get(5)?,
        status: row.try_get(6)?,
        visibility: row.try_get(7)?,
        was_listed: row.try_get::<i64, _>(8)? != 0,
        is_listed: row.try_get::<i64, _>(9)? != 0,
        verified: row.try_get::<i64, _>(10)? != 0,
        advertisers: Vec::new(),
    })
}

/// Events after `after_id` made since `since_ms`, oldest first, each change to a source
/// with the advertisers whose programs hold it.
pub async fn since(db: &Db, after_id: i64, since_ms: i64) -> Result<Vec<LiveEvent>, sqlx::Error> {
    let mut events = read(db, after_id, since_ms).await?;
    add_advertisers(db, &mut events).await?;
    Ok(events)
}

/// The rows with these ids (a hub's late commits), oldest first.
async fn read_ids(db: &Db, ids: impl Iterator<Item = i64>) -> Result<Vec<LiveEvent>, sqlx::Error> {
    let ids = ids.map(|id| id.to_string()).collect::<Vec<_>>().join(",");
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are integers the hub computed, not user input.
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM live_events WHERE id IN ({ids}) ORDER BY id"
    ))
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The rows of [`since`], without their advertisers.
async fn read(db: &Db, after_id: i64, since_ms: i64) -> Result<Vec<LiveEvent>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM live_events WHERE id > $1 AND at >= $2 ORDER BY id LIMIT {READ_LIMIT}"
    ))
    .bind(after_id)
    .bind(since_ms)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// One query for a whole batch: every stream of every advertiser would otherwise ask the
/// database the same question for each such event.
async fn add_advertisers(db: &Db, events: &mut [LiveEvent]) -> Result<(), sqlx::Error> {
    let mut sources: Vec<i64> = events
        .iter()
        .filter(|e| e.needs_advertisers())
        .filter_map(|e| e.traffic_source_id)
        .collect();
    sources.sort_unstable();
    sources.dedup();
    if sources.is_empty() {
        return Ok(());
    }
    let ids = sources
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // The ids are integers read from the database, not user input.
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT c.traffic_source_id, p.advertiser_id FROM collaborations c
         JOIN programs p ON p.id = c.program_id WHERE c.traffic_source_id IN ({ids})"
    ))
    .fetch_all(&db.pool)
    .await?;
    let mut by_source: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in rows {
        by_source
            .entry(row.try_get(0)?)
            .or_default()
            .push(row.try_get(1)?);
    }
    for e in events.iter_mut().filter(|e| e.needs_advertisers()) {
        if let Some(advertisers) = e.traffic_source_id.and_then(|id| by_source.get(&id)) {
            e.advertisers = advertisers.clone();
        }
    }
    Ok(())
}

/// The newest event id, where a stream without `Last-Event-ID` starts.
pub async fn newest_id(db: &Db) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM live_events")
        .fetch_one(&db.pool)
        .await?;
    row.try_get(0)
}

pub struct Hub {
    events: broadcast::Sender<Arc<LiveEvent>>,
    wake: Notify,
    /// Open streams per account on this instance, for the cap.
    streams: Mutex<HashMap<i64, usize>>,
    /// True once the server stops: every stream ends cleanly.
    closing: tokio::sync::watch::Sender<bool>,
    /// The sessions of the open streams, which end with them.
    pub sessions: Arc<sessions::Registry>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub {
            events: broadcast::channel(1024).0,
            wake: Notify::new(),
            streams: Mutex::new(HashMap::new()),
            closing: tokio::sync::watch::channel(false).0,
            sessions: Arc::default(),
        }
    }
}

/// Counts one open stream of an account until dropped.
pub struct StreamSlot {
    hub: Arc<Hub>,
    account_id: i64,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut streams = self.hub.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = streams.get_mut(&self.account_id) {
            *n -= 1;
            if *n == 0 {
                streams.remove(&self.account_id);
            }
        }
    }
}

impl Hub {
    /// Events as they are read, for one stream.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.events.subscribe()
    }

    /// Ends every stream (the server is stopping).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Something may have changed: read the new rows now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Streams open on this instance (the metrics' gauge).
    pub fn open_streams(&self) -> usize {
        let streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.values().sum()
    }

    /// A slot for one more stream of `account_id`, or `None` past `max`.
    pub fn open_stream(self: &Arc<Hub>, account_id: i64, max: usize) -> Option<StreamSlot> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let n = streams.entry(account_id).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(StreamSlot {
            hub: self.clone(),
            account_id,
        })
    }

    /// Reads new rows and broadcasts them, for as long as the process runs.
    /// `database_url` is the one `db` was opened with: PostgreSQL's LISTEN needs a
    /// connection of its own.
    pub fn spawn(self: &Arc<Hub>, db: Db, database_url: String) -> tokio::task::JoinHandle<()> {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut listener = match db.backend {
                Backend::Postgres => listen(&database_url).await,
                Backend::Sqlite => None,
            };
            let mut last_id = newest_id(&db).await.unwrap_or(0);
            // Ids a read skipped (not committed yet, or rolled back), with when: a late commit
            // is read by its id, once, for a few seconds.
            let mut gaps: BTreeMap<i64, i64> = BTreeMap::new();
            let mut prune = tokio::time::interval(Duration::from_secs(60));
            loop {
                tokio::select! {
                    _ = hub.wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    notified = recv(&mut listener) => {
                        if !notified {
                            // The connection dropped: listen again on the next round.
                            listener = listen(&database_url).await;
                        }
                    }
                    _ = prune.tick() => {
                        let cutoff = crate::time::now_ms() - 2 * RESUME_WINDOW_MS;
                        if let Err(e) = sqlx::query("DELETE FROM live_events WHERE at < $1").bind(cutoff).execute(&db.pool).await {
                            tracing::warn!(error = %e, "pruning live events failed");
                        }
                        continue;
                    }
                }
                let now = crate::time::now_ms();
                gaps.retain(|_, seen| *seen >= now - LATE_COMMIT_MS);
                // Late commits in the gaps, then the new rows a page at a time: a burst of
                // events is read through, never as the same page again.
                let round = async {
                    let mut fresh = read_ids(&db, gaps.keys().copied()).await?;
                    let (mut cursor, mut more, mut skipped) = (last_id, false, Vec::new());
                    for _ in 0..PAGES_PER_ROUND {
                        let page = read(&db, cursor, now - RESUME_WINDOW_MS).await?;
                        more = page.len() == READ_LIMIT;
                        for e in page {
                            if e.id > cursor + 1 {
                                skipped.push(cursor + 1..e.id);
                            }
                            cursor = e.id;
                            fresh.push(e);
                        }
                        if !more {
                            break;
                        }
                    }
                    add_advertisers(&db, &mut fresh).await?;
                    Ok::<_, sqlx::Error>((fresh, cursor, more, skipped))
                }
                .await;
                match round {
                    Ok((events, cursor, more, skipped)) => {
                        last_id = last_id.max(cursor);
                        for id in skipped.into_iter().flatten() {
                            if gaps.len() >= MAX_GAPS {
                                break;
                            }
                            gaps.insert(id, now);
                        }
                        for event in events {
                            gaps.remove(&event.id);
                            // No receiver is not an error: nobody is watching.
                            let _ = hub.events.send(Arc::new(event));
                        }
                        // Pages left for the next round: at once, not after the next poll.
                        if more {
                            hub.wake();
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "reading live events failed; will retry"),
                }
            }
        })
    }
}

async fn listen(url: &str) -> Option<sqlx::postgres::PgListener> {
    let result = async {
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen("live_events").await?;
        Ok::<_, sqlx::Error>(listener)
    }
    .await;
    match result {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "LISTEN live_events failed; this instance sees other instances' changes by polling only");
            None
        }
    }
}

/// Waits for a notification; `false` when the connection failed. Never resolves
/// without a listener.
async fn recv(listener: &mut Option<sqlx::postgres::PgListener>) -> bool {
    match listener {
        Some(l) => l.recv().await.is_ok(),
        None => std::future::pending().await,
    }
}
