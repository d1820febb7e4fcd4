//! The period a traffic view covers: the last 24 hours (hour by hour), or the last 7, 30 or
//! 90 days, as the leading affiliate dashboards offer. It lives in the page's URL
//! (`?hours=24`, `?days=7`), so a view can be shared or bookmarked and Back returns to the
//! period before; the default month stays out of the URL. Also the parts every traffic
//! section shares: its head (title, Period list, CSV link) and its body's three states.

use leptos::prelude::*;
use leptos_router::{
    hooks::{use_location, use_navigate, use_query_map},
    NavigateOptions,
};
use model::traffic::{Period, DEFAULT_PERIOD, PERIODS};

use crate::{
    components::{
        load::{Load, Loader},
        notice::LoadError,
    },
    session::PageLoading,
};

/// How a period reads in the list: "Last 24 hours", "Last 7 days".
pub fn period_label(period: Period) -> String {
    format!("Last {}", period.length())
}

/// The period a URL's `days` or `hours` asks for: one of [`PERIODS`], else the default
/// month (a link edited by hand shows the month rather than an error).
pub fn period_from(days: Option<&str>, hours: Option<&str>) -> Period {
    let asked = match (days, hours) {
        (Some(d), None) => d.parse().ok().map(Period::Days),
        (None, Some(h)) => h.parse().ok().map(Period::Hours),
        _ => None,
    };
    asked
        .filter(|p| PERIODS.contains(p))
        .unwrap_or(DEFAULT_PERIOD)
}

/// The page's period, and a callback that chooses another: a new history entry with the
/// page's other query parameters kept.
pub fn use_period() -> (Memo<Period>, Callback<Period>) {
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let period =
        Memo::new(move |_| query.with(|q| period_from(q.get_str("days"), q.get_str("hours"))));
    let choose = Callback::new(move |p: Period| {
        let mut q = query.get_untracked();
        q.remove("days");
        q.remove("hours");
        if p != DEFAULT_PERIOD {
            let (name, n) = p.param();
            q.replace(name, n.to_string());
        }
        let href = format!(
            "{}{}",
            location.pathname.get_untracked(),
            q.to_query_string()
        );
        navigate(
            &href,
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    });
    (period, choose)
}

/// A labelled "Period" select showing `days`; a choice is handed to `choose`.
#[component]
pub fn PeriodSelect(
    /// The select's id, unique on the page (its label points at it).
    id: &'static str,
    /// The period shown, one of [`PERIODS`].
    period: Memo<Period>,
    /// Called with the period chosen.
    choose: Callback<Period>,
) -> impl IntoView {
    let shown = period.get_untracked();
    let options = PERIODS
        .into_iter()
        .map(|p| view! { <option value=p.id() selected=p == shown>{period_label(p)}</option> })
        .collect_view();
    view! {
        <div class="period">
            <label class="field__label" for=id>"Period"</label>
            <select
                id=id
                class="field__input field__input--small"
                prop:value=move || period.get().id()
                on:change=move |ev| {
                    if let Some(p) = Period::from_id(&event_target_value(&ev)) {
                        choose.run(p);
                    }
                }
            >
                {options}
            </select>
        </div>
    }
}

/// A traffic section's heading row: its title (which names the section, so it says the
/// period), the Period list, the period's figures as a CSV download, and "Updating…" while
/// another period loads.
#[component]
pub fn TrafficHead(
    /// The heading's id, which the section is labelled by.
    title_id: &'static str,
    /// The heading for a period, e.g. "Traffic in the last 7 days".
    title: fn(Period) -> String,
    /// The Period list's id.
    select_id: &'static str,
    /// True while a newer answer is awaited and the last one still shows.
    updating: RwSignal<bool>,
    /// The period shown.
    period: Memo<Period>,
    /// Called with the period chosen.
    choose: Callback<Period>,
    /// Where the period's figures download as CSV.
    #[prop(into)]
    csv: Signal<String>,
) -> impl IntoView {
    view! {
        <div class="traffic__head">
            <h2 id=title_id>{move || title(period.get())}</h2>
            <PeriodSelect id=select_id period choose/>
            <a class="button button--small traffic__csv" href=move || csv.get() download="">
                "Download CSV"
            </a>
            <p class="traffic__updating" role="status">
                {move || updating.get().then_some("Updating…")}
            </p>
        </div>
    }
}

/// A traffic section's body: loading, the failure with Try again, or what `loaded` draws.
/// Drawn again only between those three: a new answer (another period, a live update)
/// changes the figures in place, so an open data table and the focus stay.
pub fn traffic_body<T: Send + Sync + 'static>(
    traffic: Loader<T>,
    loaded: impl Fn() -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let phase = traffic.phase();
    move || {
        // Read (not only tracked): a memo computes, and so learns of changes, when read.
        let _ = phase.get();
        traffic.state.with_untracked(|state| match state {
            Load::Loading => view! { <PageLoading/> }.into_any(),
            Load::Failed(error) => view! {
                <LoadError error=error.clone() title="Couldn't load the traffic" on_retry=traffic.retry()/>
            }
            .into_any(),
            Load::Loaded(_) => loaded(),
        })
    }
}
