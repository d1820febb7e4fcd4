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
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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
        if about_a_source && update.source_id.is_some_and(&shown) {
            reload();
        }
    });
}

/// A page loads its figures again at most this often however many of its sources get clicks
/// (a program of many busy sources would otherwise ask every few hundred milliseconds).
const REFRESH_AT_MOST_EVERY_MS: f64 = 1_000.0;

/// Runs `refresh` when new clicks on a source for which `shown` answers yes are stored. The
/// server announces them at most once every [`model::live::TRAFFIC_EVERY_MS`] per source,
/// and clicks stored inside that window when it is over, so every stored click is followed
/// by one such update. Updates close together make one refresh: at once if the last was
/// [`REFRESH_AT_MOST_EVERY_MS`] ago, else when that time is up.
pub fn refresh_on_traffic(shown: impl Fn(i64) -> bool + 'static, refresh: impl Fn() + 'static) {
    refresh_when(Box::new(shown), std::rc::Rc::new(refresh));
}

/// [`refresh_on_traffic`]'s work, not generic (as [`watch`]).
fn refresh_when(shown: Box<dyn Fn(i64) -> bool>, refresh: std::rc::Rc<dyn Fn()>) {
    use std::cell::Cell;
    use std::rc::Rc;
    let last = Rc::new(Cell::new(f64::NEG_INFINITY));
    let waiting = Rc::new(Cell::new(false));
    let run = {
        let last = last.clone();
        Rc::new(move || {
            last.set(js_sys::Date::now());
            refresh();
        })
    };
    // Whether the page is still there when a wait is up.
    let mounted = Rc::new(Cell::new(true));
    let gone = send_wrapper::SendWrapper::new(mounted.clone());
    on_cleanup(move || gone.set(false));
    watch(Box::new(move |update| {
        if update.kind != "traffic" || !update.source_id.is_some_and(&shown) || waiting.get() {
            return;
        }
        let wait = last.get() + REFRESH_AT_MOST_EVERY_MS - js_sys::Date::now();
        if wait <= 0.0 {
            run();
            return;
        }
        waiting.set(true);
        let (run, waiting, mounted) = (run.clone(), waiting.clone(), mounted.clone());
        gloo_timers::callback::Timeout::new(wait.ceil() as u32, move || {
            waiting.set(false);
            // The page may be gone by then: then there is nothing to refresh.
            if mounted.get() {
                run();
            }
        })
        .forget();
    }));
}

/// Figures a page shows beside a record it loaded once (a link's clicks in a table), kept
/// current as clicks arrive: when a source the record `shows` gets new clicks, the record
/// is fetched again quietly (`again`) and the figures `of` that answer, by key, replace
/// those the cells read ([`figure`]). Emptied whenever the page loads the record itself,
/// whose own figures are then the newest. A failed fetch leaves the figures as they were.
/// (A list, not a map: a record has a few links, and the web app has no hash map to pay for.)
pub fn live_figures<T, F, Fut>(
    record: crate::components::load::Loader<T>,
    shows: impl Fn(&T, i64) -> bool + 'static,
    again: impl Fn(&T) -> Fut + Copy + 'static,
    of: impl Fn(T) -> Vec<(i64, F)> + Copy + 'static,
) -> RwSignal<Vec<(i64, F)>>
where
    T: Send + Sync + 'static,
    F: Send + Sync + 'static,
    Fut: std::future::Future<Output = crate::api::ApiResult<T>> + 'static,
{
    use crate::components::load::Load;
    let figures = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        record.state.track();
        figures.set(Vec::new());
    });
    refresh_on_traffic(
        move |id| {
            record
                .state
                .with_untracked(|s| matches!(s, Load::Loaded(r) if shows(r, id)))
        },
        move || {
            let Some(request) = record.state.with_untracked(|s| match s {
                Load::Loaded(r) => Some(again(r)),
                _ => None,
            }) else {
                return;
            };
            leptos::task::spawn_local(async move {
                if let Ok(answer) = request.await {
                    figures.try_set(of(answer));
                }
            });
        },
    );
    figures
}

/// The 30-day figures (clicks, match rate) of a list's rows that new clicks changed since
/// the page loaded, by source id (see [`live_figures`]).
pub type RowFigures = RwSignal<Vec<(i64, (i64, Option<u8>))>>;

/// A list's 30-day figures by source id, as [`RowFigures`] holds them.
pub fn row_figures(page: model::Page<model::TrafficSource>) -> Vec<(i64, (i64, Option<u8>))> {
    page.items
        .into_iter()
        .map(|s| (s.id, (s.clicks_30d, s.match_rate_30d)))
        .collect()
}

/// What a list asks again for [`list_figures`]: the figures of the page it shows, or `None`
/// when that failed or the page moved on (a filter, another page) while it was asked.
pub type AskFigures =
    std::pin::Pin<Box<dyn std::future::Future<Output = Option<Vec<(i64, (i64, Option<u8>))>>>>>;

/// A list's rows' "Clicks (30 days)" and "Match rate", kept current as clicks arrive: when a
/// source for which `shown` answers yes gets new clicks, `ask` asks for the same page again,
/// quietly, and its figures replace those the cells read ([`figure`]). Nothing else on the
/// page moves, so the focus and the selection stay where they are, and nothing is said. The
/// page empties the figures when its own answer comes (the newest then).
pub fn list_figures(
    shown: impl Fn(i64) -> bool + 'static,
    ask: impl Fn() -> AskFigures + 'static,
) -> RowFigures {
    figures_when(Box::new(shown), Box::new(ask))
}

/// [`list_figures`]'s work, not generic (as [`watch`]): one copy for every list.
fn figures_when(shown: Box<dyn Fn(i64) -> bool>, ask: Box<dyn Fn() -> AskFigures>) -> RowFigures {
    let figures: RowFigures = RwSignal::new(Vec::new());
    refresh_when(
        shown,
        std::rc::Rc::new(move || {
            let asked = ask();
            leptos::task::spawn_local(async move {
                if let Some(now) = asked.await {
                    figures.try_set(now);
                }
            });
        }),
    );
    figures
}

/// The newer figure of `key` in what [`live_figures`] holds, else `loaded`.
pub fn figure<F: Copy + Send + Sync + 'static>(
    figures: RwSignal<Vec<(i64, F)>>,
    key: i64,
    loaded: F,
) -> F {
    figures.with(|f| {
        f.iter()
            .find(|(k, _)| *k == key)
            .map_or(loaded, |(_, v)| *v)
    })
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

#[wasm_bindgen(module = "/js/live-relay.js")]
extern "C" {
    /// A stream this tab listens to, shared with the browser's other tabs where it can be.
    type Relayed;
    #[wasm_bindgen(js_name = listen)]
    fn relay_listen(
        url: &str,
        account: &str,
        on_event: &js_sys::Function,
        on_state: &js_sys::Function,
    ) -> Relayed;
    #[wasm_bindgen(method)]
    fn close(this: &Relayed);
    #[wasm_bindgen(method)]
    fn retry(this: &Relayed);
}

/// A stream listened to, and the closures it calls: let go of, and both dropped, when dropped.
struct Listening {
    relayed: Relayed,
    _on_event: Closure<dyn FnMut(String, String)>,
    _on_state: Closure<dyn FnMut(String)>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.relayed.close();
    }
}

/// Listens to the live events at `url` (js/live-relay.js: one stream per address and account
/// for all of the browser's tabs, through a shared worker where there is one), handing each
/// to `live` and the stream's state to `state`.
fn listen(url: &str, live: Live, state: RwSignal<Connection>) -> Listening {
    let on_event = Closure::<dyn FnMut(String, String)>::new(move |_kind: String, data: String| {
        if let Ok(update) = serde_json::from_str::<LiveUpdate>(&data) {
            live.received(update);
        }
    });
    let on_state = Closure::<dyn FnMut(String)>::new(move |now: String| {
        let _ = state.try_set(match now.as_str() {
            "open" => Connection::Open,
            "refused" => Connection::Refused,
            _ => Connection::Reconnecting,
        });
    });
    // Tabs signed in as someone else never share a stream with this one.
    let account = use_context::<crate::session::Session>()
        .and_then(|s| s.account_id())
        .unwrap_or_default()
        .to_string();
    let relayed = relay_listen(
        url,
        &account,
        on_event.as_ref().unchecked_ref(),
        on_state.as_ref().unchecked_ref(),
    );
    Listening {
        relayed,
        _on_event: on_event,
        _on_state: on_state,
    }
}

/// What a page (or the header) says when the server turned its stream down: most often the
/// cap of streams one account may hold open (429), which the browser does not try again by
/// itself. `retry` asks again.
fn live_off(message: &'static str, retry: Box<dyn Fn()>) -> impl IntoView {
    view! {
        <div class="live-off">
            <p role="status">{message}</p>
            <button type="button" class="button button--quiet" on:click=move |_| retry()>
                "Try again"
            </button>
        </div>
    }
}

/// Holds the stream open while mounted (mount it where the signed-in header is).
/// Renders the connection state for screen readers and sight alike while it is not open.
#[component]
pub fn LiveStream() -> impl IntoView {
    let live = use_live();
    // Kept in the header's arena: cleaning the header up drops it, which lets the stream go.
    let stream = StoredValue::new_local(listen("/api/events", live, live.connection));
    let retry = move || {
        live.connection.set(Connection::Connecting);
        stream.with_value(|s| s.relayed.retry());
    };
    view! {
        <p class="live-state" role="status">
            {move || (live.connection.get() == Connection::Reconnecting).then_some("Reconnecting…")}
        </p>
        {move || {
            (live.connection.get() == Connection::Refused)
                .then(|| live_off("Live updates are off.", Box::new(retry)))
        }}
    }
}

/// Receives the new clicks of some sources on a stream of their own
/// (`/api/events?traffic_of=`), which staff's own stream does not carry (it would carry every
/// click of the platform): a staff page that shows those sources' traffic makes one, and
/// their updates reach the page's watchers like any other. The page shows [`Self::notice`]
/// where its figures are, for when the server turns the stream down.
#[derive(Clone, Copy)]
pub struct TrafficFollower {
    live: Live,
    /// The sources followed and their stream, kept in the page's arena: cleaning the page up
    /// drops it, which lets the stream go.
    open: StoredValue<Option<(Vec<i64>, Listening)>, LocalStorage>,
    state: RwSignal<Connection>,
}

/// A [`TrafficFollower`] for the calling page, following nothing yet.
pub fn traffic_follower() -> TrafficFollower {
    TrafficFollower {
        live: use_live(),
        open: StoredValue::new_local(None),
        state: RwSignal::new(Connection::Connecting),
    }
}

impl TrafficFollower {
    /// Follows these sources from now on: a stream for them replaces the one before (another
    /// page of a list), none for none; the same ones again change nothing.
    pub fn follow(self, mut ids: Vec<i64>) {
        ids.sort_unstable();
        ids.dedup();
        let same = self.open.try_with_value(|open| {
            open.as_ref()
                .map_or(&[][..], |(followed, _)| followed.as_slice())
                == ids.as_slice()
        });
        if same != Some(false) {
            return;
        }
        // The stream before is let go of first, so that the two never count against the
        // account's cap together.
        self.open.set_value(None);
        self.state.set(Connection::Connecting);
        if ids.is_empty() {
            return;
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let url = format!("/api/events?traffic_of={list}");
        let stream = listen(&url, self.live, self.state);
        self.open.set_value(Some((ids, stream)));
    }

    /// Says so, with Try again, while the server has turned this page's stream down (the
    /// page then shows its traffic as of its loading).
    pub fn notice(self) -> impl IntoView {
        let retry = move || {
            self.state.set(Connection::Connecting);
            self.open
                .with_value(|open| open.as_ref().map(|(_, s)| s.relayed.retry()));
        };
        move || {
            (self.state.get() == Connection::Refused).then(|| {
                live_off(
                    "This page isn't updating live: the server turned its live updates down, \
                     most often because too many pages with live updates are open. Close some, \
                     then try again.",
                    Box::new(retry),
                )
            })
        }
    }
}
