//! The selection's checkboxes: one per row, and the header's for the whole page.

use leptos::prelude::*;

/// A row's checkbox of a bulk selection, named after the row.
#[component]
pub fn RowCheck(
    /// The row's source.
    id: i64,
    /// The source's name, for the label "Select …".
    name: String,
    /// The selection it belongs to.
    selected: RwSignal<Vec<i64>>,
) -> impl IntoView {
    view! {
        <input
            type="checkbox"
            aria-label=format!("Select {name}")
            prop:checked=move || selected.with(|s| s.contains(&id))
            on:change=move |ev| {
                let on = event_target_checked(&ev);
                selected.update(|s| {
                    s.retain(|x| *x != id);
                    if on {
                        s.push(id);
                    }
                });
            }
        />
    }
}

/// The header checkbox: selects every row on the page, or none.
#[component]
pub fn PageCheck(
    /// The ids of the rows on this page.
    ids: StoredValue<Vec<i64>>,
    /// The selection it belongs to.
    selected: RwSignal<Vec<i64>>,
) -> impl IntoView {
    let all_checked = move || {
        let on_page = ids.get_value();
        !on_page.is_empty() && selected.with(|s| on_page.iter().all(|id| s.contains(id)))
    };
    view! {
        <input
            type="checkbox"
            aria-label="Select every source on this page"
            prop:checked=all_checked
            on:change=move |ev| {
                let on = event_target_checked(&ev);
                selected.set(if on { ids.get_value() } else { Vec::new() });
            }
        />
    }
}
