//! The admin table's partner filter.

use std::time::Duration;

use leptos::prelude::*;
use model::account::PartnerSummary;

use super::AdminState;
use crate::{
    api,
    components::load::{Load, Loader},
};

/// The partner filter: a select of partners by name, fed by `/api/partners`, with a box to
/// narrow it when there are more partners than fit in one list.
#[component]
pub(super) fn PartnerFilter(
    state: Memo<AdminState>,
    go: Callback<(AdminState, bool)>,
) -> impl IntoView {
    const LIMIT: i64 = 100;
    let find = RwSignal::new(String::new());
    let (find_q, set_find_q) = signal(String::new());
    let partners = Loader::new(move || {
        let q = find_q.get();
        async move { api::list_partners(&q, LIMIT).await }
    });
    // Whether the full list did not fit: then offer the box to narrow it.
    let many = move || {
        !find.with(String::is_empty)
            || partners
                .state
                .with(|r| matches!(r, Load::Loaded(p) if p.next_cursor.is_some()))
    };
    let options = move || {
        let selected = state.with(|s| s.partner);
        let mut items: Vec<PartnerSummary> = partners.state.with(|r| match r {
            Load::Loaded(p) => p.items.clone(),
            _ => Vec::new(),
        });
        // The chosen partner stays in the list even when the search does not find them.
        if let Some(id) = selected {
            if !items.iter().any(|p| p.id == id) {
                items.insert(
                    0,
                    PartnerSummary {
                        id,
                        display_name: format!("Partner #{id}"),
                        email: String::new(),
                    },
                );
            }
        }
        items
            .into_iter()
            .map(|p| {
                let label = if p.email.is_empty() { p.display_name.clone() } else { format!("{} ({})", p.display_name, p.email) };
                view! { <option value=p.id.to_string() selected=selected == Some(p.id)>{label}</option> }
            })
            .collect_view()
    };
    let load_failed = move || {
        partners.state.with(|r| match r {
            Load::Failed(e) => Some(e.clone()),
            _ => None,
        })
        .map(|e| {
            view! { <p class="field__error" id="filter-partner-error">{format!("Couldn't load the partners: {}", e.message())}</p> }
        })
    };
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    view! {
        <div class="filters filters--partner">
            <div class="filters__group">
                <label class="field__label" for="filter-partner">"Partner"</label>
                <select
                    id="filter-partner"
                    class="field__input"
                    prop:value=move || state.with(|s| s.partner.map(|p| p.to_string()).unwrap_or_default())
                    on:change=move |ev| {
                        let partner = event_target_value(&ev).parse::<i64>().ok();
                        let mut next = state.get_untracked();
                        next.list = next.list.first_page();
                        next.partner = partner;
                        go.run((next, false));
                    }
                >
                    <option value="">"All partners"</option>
                    {options}
                </select>
                {load_failed}
            </div>
            {move || {
                many().then(|| {
                    view! {
                        <div class="filters__group">
                            <label class="field__label" for="filter-partner-find">"Find a partner"</label>
                            <input
                                id="filter-partner-find"
                                type="search"
                                class="field__input"
                                autocomplete="off"
                                placeholder="Name or email"
                                aria-describedby="filter-partner-find-hint"
                                prop:value=move || find.get()
                                on:input=move |ev| {
                                    find.set(event_target_value(&ev));
                                    if let Some(h) = pending.get_value() {
                                        h.clear();
                                    }
                                    let h = set_timeout_with_handle(
                                        move || set_find_q.set(find.get_untracked()),
                                        Duration::from_millis(300),
                                    )
                                    .ok();
                                    pending.set_value(h);
                                }
                            />
                            <p class="field__hint" id="filter-partner-find-hint">"Narrows the Partner list."</p>
                        </div>
                    }
                })
            }}
        </div>
    }
}
