//! The period a traffic view covers: the last 7, 30 or 90 days, as the leading affiliate
//! dashboards offer. The choice lives with the view (not the URL): it is a way of reading the
//! figures, and every view opens on the default month that lists and the marketplace also use.

use leptos::prelude::*;
use model::traffic::PERIODS;

/// How a period reads in the list: "Last 7 days".
pub fn period_label(days: u32) -> String {
    format!("Last {days} days")
}

/// A labelled "Period" select bound to `days`; a view whose loader reads `days` reloads when
/// it changes.
#[component]
pub fn PeriodSelect(
    /// The select's id, unique on the page (its label points at it).
    id: &'static str,
    /// The chosen number of days, one of [`PERIODS`].
    days: RwSignal<u32>,
) -> impl IntoView {
    let chosen = days.get_untracked();
    let options = PERIODS
        .into_iter()
        .map(|d| view! { <option value=d.to_string() selected=d == chosen>{period_label(d)}</option> })
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
                        days.set(d);
                    }
                }
            >
                {options}
            </select>
        </div>
    }
}
