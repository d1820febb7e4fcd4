//! The streams themselves: each listened to through `js/live-relay.js` (shared by the
//! browser's tabs), the header's for the signed-in account, and a staff page's for the
//! sources whose traffic it shows.

use leptos::prelude::*;
use model::live::LiveUpdate;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{use_live, Connection, Live};

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
    _on_event: Closure<dyn FnMut(String)>,
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
    // Each event's data names its kind: the event's name is not needed.
    let on_event = Closure::<dyn FnMut(String)>::new(move |data: String| {
        if let Ok(update) = serde_json::from_str::<LiveUpdate>(&data) {
            live.received(update);
        }
    });
    let session = use_context::<crate::session::Session>();
    let on_state = Closure::<dyn FnMut(String)>::new(move |now: String| {
        if now == "gap" {
            live.missed();
            return;
        }
        if now == "refused" {
            // A stream ends with its session (signed out everywhere, from another browser)
            // and is then refused: if that is why, this tab is signed out too, and its page
            // asks to sign in rather than saying live updates are off.
            if let Some(session) = session {
                leptos::task::spawn_local(async move {
                    if let Ok(None) = crate::api::current_account().await {
                        session.signed_out();
                    }
                });
            }
        }
        let _ = state.try_set(match now.as_str() {
            "open" => Connection::Open,
            "refused" => Connection::Refused,
            _ => Connection::Reconnecting,
        });
    });
    // Tabs signed in as someone else never share a stream with this one.
    let account = session
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
    /// The stream's parameter: `traffic_of` (their clicks) or `status_of` (their changes
    /// in and out of the marketplace, for an advertiser's marketplace page, which their
    /// own stream carries only for the sources in their programs).
    param: &'static str,
    /// The sources followed and their stream, kept in the page's arena: cleaning the page up
    /// drops it, which lets the stream go.
    open: StoredValue<Option<(Vec<i64>, Listening)>, LocalStorage>,
    state: RwSignal<Connection>,
}

/// A [`TrafficFollower`] for the calling page, following nothing yet.
pub fn traffic_follower() -> TrafficFollower {
    follower("traffic_of")
}

/// A follower of the changes of the marketplace sources an advertiser's page shows
/// (`/api/events?status_of=`).
pub fn status_follower() -> TrafficFollower {
    follower("status_of")
}

fn follower(param: &'static str) -> TrafficFollower {
    TrafficFollower {
        param,
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
        let url = format!("/api/events?{}={list}", self.param);
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
