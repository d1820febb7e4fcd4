//! Figures that move as clicks arrive: a page asks for them again, at most once a second,
//! when a source it shows gets new clicks.

use leptos::prelude::*;

use super::watch;

/// A page loads its figures again at most this often however many of its sources get clicks
/// (a program of many busy sources would otherwise ask every few hundred milliseconds).
const REFRESH_AT_MOST_EVERY_MS: f64 = 1_000.0;

/// Runs `refresh` when new clicks on a source for which `shown` answers yes are stored. The
/// server announces them at most once every [`model::live::TRAFFIC_EVERY_MS`] per source,
/// and clicks stored inside that window when it is over, so every stored click is followed
/// by one such update. Updates close together make one refresh: at once if the last was
/// [`REFRESH_AT_MOST_EVERY_MS`] ago, else when that time is up.
/// Updates missed meanwhile ([`super::missed`]) refresh too.
pub fn refresh_on_traffic(shown: impl Fn(i64) -> bool + 'static, refresh: impl Fn() + 'static) {
    refresh_when(Box::new(shown), std::rc::Rc::new(refresh), true);
}

/// [`refresh_on_traffic`]'s work, not generic (as [`watch`]). `after_missed`: whether updates
/// missed meanwhile refresh too. Not for the figures beside a record or a list: the page
/// loads the record itself again then, and its answer replaces them, so asking for them as
/// well would be a second request for the same thing.
fn refresh_when(
    shown: Box<dyn Fn(i64) -> bool>,
    refresh: std::rc::Rc<dyn Fn()>,
    after_missed: bool,
) {
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
        let clicked = update.kind == "traffic" && update.source_id.is_some_and(&shown);
        if !(clicked || after_missed && super::missed(update)) || waiting.get() {
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
    refresh_when(
        Box::new(move |id| {
            record
                .state
                .with_untracked(|s| matches!(s, Load::Loaded(r) if shows(r, id)))
        }),
        std::rc::Rc::new(move || {
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
        }),
        false,
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
        false,
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
