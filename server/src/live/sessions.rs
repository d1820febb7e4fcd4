//! A live stream lives no longer than the session that opened it.
//!
//! Each open stream registers its session here. Signing out on this instance ends that
//! session's streams at once, and "Sign out everywhere" all of the account's; a periodic
//! check (`--events-session-check-secs`, at most a minute) asks the database which of the
//! sessions held here still exist, so a sign-out through another instance, or an expiry,
//! ends the streams within one interval.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::db::{sessions, Db};

struct Entry {
    account_id: i64,
    token_hash: String,
    end: oneshot::Sender<()>,
}

/// The sessions of the streams open on this instance.
#[derive(Default)]
pub struct Registry {
    next: AtomicU64,
    entries: Mutex<HashMap<u64, Entry>>,
}

/// Resolves when the stream's session ends; dropping it (the stream closed) forgets it.
pub struct SessionEnd {
    id: u64,
    registry: Arc<Registry>,
    ended: oneshot::Receiver<()>,
}

impl Future for SessionEnd {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // A dropped sender means the same: the entry was taken out to end it.
        Pin::new(&mut self.ended).poll(cx).map(|_| ())
    }
}

impl Drop for SessionEnd {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Watches a stream's session (by its token's hash, as the table keys it).
    pub fn watch(self: &Arc<Registry>, account_id: i64, token_hash: String) -> SessionEnd {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (end, ended) = oneshot::channel();
        self.lock().insert(
            id,
            Entry {
                account_id,
                token_hash,
                end,
            },
        );
        SessionEnd {
            id,
            registry: self.clone(),
            ended,
        }
    }

    /// Ends the streams whose entry matches; returns how many.
    fn end_where(&self, ends: impl Fn(&Entry) -> bool) -> usize {
        let mut entries = self.lock();
        let ids: Vec<u64> = entries
            .iter()
            .filter(|(_, e)| ends(e))
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            if let Some(entry) = entries.remove(id) {
                let _ = entry.end.send(());
            }
        }
        ids.len()
    }

    /// The session was signed out: its streams here end now.
    pub fn end_session(&self, token_hash: &str) -> usize {
        self.end_where(|e| e.token_hash == token_hash)
    }

    /// Every session of the account ended: all its streams here end now.
    pub fn end_account(&self, account_id: i64) -> usize {
        self.end_where(|e| e.account_id == account_id)
    }

    /// Open streams watched, for tests and the check's skip when there are none.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One round of the periodic check: ends the streams whose session is gone.
    pub async fn check(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let mut hashes: Vec<String> = self.lock().values().map(|e| e.token_hash.clone()).collect();
        if hashes.is_empty() {
            return Ok(0);
        }
        hashes.sort_unstable();
        hashes.dedup();
        let live = sessions::live_among(db, &hashes).await?;
        // Only the sessions asked about: a stream opened since then is checked next round.
        Ok(self.end_where(|e| {
            hashes.binary_search(&e.token_hash).is_ok() && !live.contains(&e.token_hash)
        }))
    }

    /// Runs [`Registry::check`] every `every` for as long as the process lives.
    pub fn spawn_check(
        self: &Arc<Registry>,
        db: Db,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let registry = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every.max(Duration::from_millis(100)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = registry.check(&db).await {
                    tracing::warn!(error = %e, "checking live streams' sessions failed; will retry");
                }
            }
        })
    }
}
