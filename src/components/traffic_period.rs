//! The period a traffic view covers: the last 7, 30 or 90 days, as the leading affiliate
//! dashboards offer. It lives in the page's URL (`?days=7`), so a view can be shared or
//! bookmarked and Back returns to the period before; the default month stays out of the URL.

use leptos::prelude::*;
use leptos_router::{
    hooks::{use_location, use_navigate, use_query_map},
    NavigateOptions,
};
use model::traffic::{DEFAULT_DAYS, PERIODS};

/// How a period reads in the list: "Last 7 days".
pub fn period_label(days: u32) -> String {
    format!("Last {days} days")
}

/// The period a URL's `days` asks for: one of [`PERIODS`], else the default month (a link
/// edited by hand shows the month rather than an error).
pub fn period_from(raw: Option<&str>) -> u32 {
    raw.and_then(|d| d.parse::<u32>().ok())
        .filter(|d| PERIODS.contains(d))
        .unwrap_or(DEFAULT_DAYS)
}

/// The page's period, and a callback that chooses another: a new history entry with the
/// page's other query parameters kept.
pub fn use_period() -> (Memo<u32>, Callback<u32>) {
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let days = Memo::new(move |_| query.with(|q| period_from(q.get_str("days"))));
    let choose = Callback::new(move |d: u32| {
        let mut q = query.get_untracked();
        q.remove("days");
        if d != DEFAULT_DAYS {
            q.replace("days", d.to_string());
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
    (days, choose)
}

/// A labelled "Period" select showing `days`; a choice is handed to `choose`.
#[component]
pub fn PeriodSelect(
    /// The select's id, unique on the page (its label points at it).
    id: &'static str,
    /// The period shown, one of [`PERIODS`].
    days: Memo<u32>,
    /// Called with the period chosen.
    choose: Callback<u32>,
) -> impl IntoView {
    let shown = days.get_untracked();
    let options = PERIODS
        .into_iter()
        .map(|d| view! { <option value=d.to_string() selected=d == shown>{period_label(d)}</option> })
        .collect_view();
    view! {
        <div class="period">
            <label class="field__label" for=id>"Period"</label>
            <select
                id=id
                class="field__input field__input--small"
                prop:value=move || days.get().to_string()
                on:change=move |ev| {
                    if let Ok(d) = event_target_value(&ev).parse::<u32>() {
                        choose.run(d);
                    }
                }
            >
                {options}
            </select>
        </div>
    }
}

/// A traffic section's heading row: its title (which names the section, so it says the
/// period), the Period list, and "Updating…" while another period loads.
#[component]
pub fn TrafficHead(
    /// The heading's id, which the section is labelled by.
    title_id: &'static str,
    /// The heading for a number of days, e.g. "Traffic in the last 7 days".
    title: fn(u32) -> String,
    /// The Period list's id.
    select_id: &'static str,
    /// True while a newer answer is awaited and the last one still shows.
    updating: RwSignal<bool>,
    /// The period shown.
    days: Memo<u32>,
    /// Called with the period chosen.
    choose: Callback<u32>,
) -> impl IntoView {
    view! {
        <div class="traffic__head">
            <h2 id=title_id>{move || title(days.get())}</h2>
            <PeriodSelect id=select_id days choose/>
            <p class="traffic__updating" role="status">
                {move || updating.get().then_some("Updating…")}
            </p>
        </div>
    }
}
