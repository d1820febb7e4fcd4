//! The live event stream (`GET /api/events`) in the browser: one while someone is signed in,
//! its latest update and its connection state as a context that pages watch to update in place.
//!
//! Every tab of the app shares one stream per address through a shared worker
//! (`js/live-relay.js`, `js/live-worker.js`), so that many tabs do not reach the server's cap
//! of streams per account. The browser's `EventSource` reconnects by itself and sends
//! `Last-Event-ID`, so the server resumes the stream without a gap; meanwhile the header says
//! "Reconnecting…". A stream the server turns down is not tried again by itself: the header
//! (or the page, for its own stream) says so and offers Try again.

use leptos::prelude::*;
use model::live::LiveUpdate;
use model::{Status, Visibility};

mod figures;
mod stream;

pub use figures::*;
pub use stream::*;

/// Whether the stream is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Open,
    /// It dropped; the browser is trying again.
    Reconnecting,
    /// The server turned it down (too many streams for the account, say); the browser does
    /// not try again by itself.
    Refused,
}

/// How many recent updates are kept for watchers that have not run yet.
const KEPT: usize = 64;

#[derive(Debug, Clone, Copy)]
pub struct Live {
    /// Updates received, numbered; several can arrive before any watcher runs (a block
    /// brings the source's change and its notification together), so watchers read every
    /// one after the last they saw rather than only the latest.
    log: StoredValue<Vec<(u64, LiveUpdate)>>,
    /// The number of the latest update (tracked).
    seq: RwSignal<u64>,
    pub connection: RwSignal<Connection>,
}

impl Live {
    /// Creates the context (once, in the app's shell) and provides it.
    pub fn provide() -> Live {
        let live = Live {
            log: StoredValue::new(Vec::new()),
            seq: RwSignal::new(0),
            connection: RwSignal::new(Connection::Connecting),
        };
        provide_context(live);
        live
    }

    /// An update as the stream delivers it: numbered, kept for watchers, then signalled.
    pub fn received(self, update: LiveUpdate) {
        let Some(n) = self.seq.try_get_untracked().map(|n| n + 1) else {
            return;
        };
        self.log.update_value(|log| {
            log.push((n, update));
            if log.len() > KEPT {
                log.remove(0);
            }
        });
        self.seq.set(n);
    }

    /// Updates may have been missed: this tab's stream was let go of for a while (the tab
    /// went to the back/forward cache, or was frozen for long) and is held again. Watchers
    /// take it as a change of everything they show ([`missed`]) and load it again.
    pub fn missed(self) {
        self.received(LiveUpdate {
            kind: MISSED.into(),
            source_id: None,
            status: None,
            visibility: None,
            listed: None,
            verified: None,
        });
    }
}

/// The `kind` of the update [`Live::missed`] makes; the server never sends it.
const MISSED: &str = "missed";

/// Whether `update` says updates were missed ([`Live::missed`]): a watcher then loads again
/// what it shows, whatever it is.
pub fn missed(update: &LiveUpdate) -> bool {
    update.kind == MISSED
}

/// The live context, or a fresh idle one when nothing provided it (component tests).
pub fn use_live() -> Live {
    use_context::<Live>().unwrap_or_else(Live::provide)
}

/// Runs `on_update` for every update received while the calling component is mounted, in
/// order, each once.
pub fn on_update(on_update: impl Fn(&LiveUpdate) + 'static) {
    watch(Box::new(on_update));
}

/// [`on_update`]'s work, not generic: one copy in the main module for every page that watches
/// (a generic one was a copy of the effect per page, each in that page's module).
fn watch(on_update: Box<dyn Fn(&LiveUpdate)>) {
    let live = use_live();
    let from = live.seq.get_untracked();
    Effect::new(move |seen: Option<u64>| {
        let now = live.seq.get();
        let after = seen.unwrap_or(from);
        let fresh: Vec<LiveUpdate> = live.log.with_value(|log| {
            log.iter()
                .filter(|(n, _)| *n > after && *n <= now)
                .map(|(_, u)| u.clone())
                .collect()
        });
        for update in &fresh {
            on_update(update);
        }
        now
    });
}

/// Runs `reload` when a source for which `shown` answers yes changes (its status,
/// visibility or verification) or joins a program: the page that shows it loads it again
/// in place, keeping what is on screen until the new answer arrives.
pub fn reload_when_shown(shown: impl Fn(i64) -> bool + 'static, reload: impl Fn() + 'static) {
    on_update(move |update| {
        let about_a_source = matches!(update.kind.as_str(), "source" | "collaboration");
        if missed(update) || (about_a_source && update.source_id.is_some_and(&shown)) {
            reload();
        }
    });
}

/// Runs `reload` when a source change arrives whose status or visibility differs from
/// what `shown` says the page shows for that id (`None`: not on this page). A change the
/// page already shows, such as the answer to its own Block, does not reload: drawing the
/// rows again would take the focus and the selection from under the user.
pub fn reload_when_differs(
    shown: impl Fn(i64) -> Option<(Status, Visibility)> + 'static,
    reload: impl Fn() + 'static,
) {
    on_update(move |update| {
        if missed(update) {
            reload();
            return;
        }
        if update.kind != "source" {
            return;
        }
        let Some((status, visibility)) = update.source_id.and_then(&shown) else {
            return;
        };
        if update.status.as_deref() != Some(status.id())
            || update.visibility.as_deref() != Some(visibility.id())
        {
            reload();
        }
    });
}
