//! What every list of traffic sources shares (the partner's table, the marketplace, a program's
//! sources, the admin table): the list's state as its URL holds it, the search box and filters,
//! and the rows-per-page control. Each page keeps its own path and table.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::params::ParamsMap;
use model::{Channel, Sort, Status, Visibility};

use crate::{
    api::{self, query_string, SourceQuery, PAGE_SIZES},
    components::channel_select::toggle_channel,
};

/// The list page's state, as found in (and written to) its URL.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListState {
    pub query: SourceQuery,
    /// Cursors of the pages before this one, oldest first ("" is the first page), because
    /// cursor paging only goes forward: Previous pops from here.
    pub prev: Vec<String>,
}

impl ListState {
    pub fn from_params(params: &ParamsMap) -> ListState {
        let all = |key: &str| params.get_all(key).unwrap_or_default();
        let mut status: Vec<Status> = Vec::new();
        for s in all("status").iter().filter_map(|s| Status::from_id(s)) {
            if !status.contains(&s) {
                status.push(s);
            }
        }
        let mut channels = Vec::new();
        for c in all("channel").iter().filter_map(|c| Channel::from_id(c)) {
            toggle_channel(&mut channels, c, true);
        }
        let query = SourceQuery {
            q: params.get("q").unwrap_or_default(),
            status,
            visibility: params
                .get("visibility")
                .and_then(|v| Visibility::from_id(&v)),
            channels,
            sort: params
                .get("sort")
                .and_then(|s| Sort::parse(&s))
                .unwrap_or(api::DEFAULT_SORT),
            limit: params
                .get("limit")
                .and_then(|l| l.parse::<i64>().ok())
                .filter(|l| (1..=model::list::MAX_LIMIT).contains(l))
                .unwrap_or(model::list::DEFAULT_LIMIT),
            cursor: params.get("cursor").filter(|c| !c.is_empty()),
            verified: params.get("verified").as_deref() == Some("true"),
            observed_matches: params
                .get("observed_matches")
                .and_then(|m| m.parse::<bool>().ok()),
        };
        let prev = if query.cursor.is_some() {
            all("prev")
        } else {
            Vec::new()
        };
        ListState { query, prev }
    }

    /// The address of the list page at `path` for this state.
    pub fn href_at(&self, path: &str) -> String {
        let mut pairs = self.query.to_pairs();
        for p in &self.prev {
            pairs.push(("prev", p.clone()));
        }
        if pairs.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", query_string(&pairs))
        }
    }

    /// The same view from its first page: any change of search, filter or sort starts over.
    pub fn first_page(mut self) -> ListState {
        self.query.cursor = None;
        self.prev.clear();
        self
    }

    /// No search and no filters, from the first page; the sort and the page size stay, as they
    /// are how the person likes to read the list, not what they were looking for.
    pub fn cleared(self) -> ListState {
        let mut next = self.first_page();
        next.query = SourceQuery {
            sort: next.query.sort,
            limit: next.query.limit,
            ..Default::default()
        };
        next
    }

    pub fn next_page(&self, next_cursor: &str) -> ListState {
        let mut next = self.clone();
        next.prev
            .push(self.query.cursor.clone().unwrap_or_default());
        next.query.cursor = Some(next_cursor.to_string());
        next
    }

    pub fn prev_page(&self) -> Option<ListState> {
        let mut prev = self.clone();
        let cursor = prev.prev.pop()?;
        prev.query.cursor = (!cursor.is_empty()).then_some(cursor);
        Some(prev)
    }
}

/// Search box and filters.
#[component]
pub fn Filters(
    /// The current state (from the URL).
    state: Memo<ListState>,
    /// Navigates to a new state: `(state, replace_history_entry)`.
    go: Callback<(ListState, bool)>,
    /// Only search and channels (the marketplace, where status and visibility are fixed).
    #[prop(optional)]
    channels_only: bool,
    /// Staff's table: "Observed matches declared" any, yes or no.
    #[prop(optional)]
    observed: bool,
) -> impl IntoView {
    let search = RwSignal::new(state.with_untracked(|s| s.query.q.clone()));
    // Back/forward or a link may change `q` under the box: follow it.
    Effect::new(move |_| {
        let q = state.with(|s| s.query.q.clone());
        if search.get_untracked().trim() != q.trim() {
            search.set(q);
        }
    });
    let pending_search = StoredValue::new_local(None::<TimeoutHandle>);
    let apply_search = move |replace: bool| {
        if let Some(handle) = pending_search.get_value() {
            handle.clear();
        }
        let q = search.get_untracked();
        let current = state.get_untracked();
        if current.query.q.trim() != q.trim() {
            let mut next = current.first_page();
            next.query.q = q;
            go.run((next, replace));
        }
    };
    let on_input = move |ev| {
        search.set(event_target_value(&ev));
        if let Some(handle) = pending_search.get_value() {
            handle.clear();
        }
        let handle =
            set_timeout_with_handle(move || apply_search(true), Duration::from_millis(400)).ok();
        pending_search.set_value(handle);
    };
    on_cleanup(move || {
        if let Some(handle) = pending_search.try_get_value().flatten() {
            handle.clear();
        }
    });

    let update = move |change: &dyn Fn(&mut SourceQuery)| {
        let mut next = state.get_untracked().first_page();
        change(&mut next.query);
        go.run((next, false));
    };

    let status_boxes = [Status::Active, Status::Paused, Status::Blocked]
        .into_iter()
        .map(|s| {
            let checked = Signal::derive(move || state.with(|st| st.query.status.contains(&s)));
            let on_change = Callback::new(move |on: bool| {
                update(&|q| {
                    q.status.retain(|x| *x != s);
                    if on {
                        q.status.push(s);
                    }
                })
            });
            let id = format!("filter-status-{}", s.id());
            view! { <li class="check">{check_box(id, s.label(), checked, on_change)}</li> }
        })
        .collect_view();

    let channel_boxes = Channel::ALL
        .into_iter()
        .map(|c| {
            let checked = Signal::derive(move || state.with(|st| st.query.channels.contains(&c)));
            let on_change =
                Callback::new(move |on: bool| update(&|q| toggle_channel(&mut q.channels, c, on)));
            let id = format!("filter-channel-{}", c.id());
            view! { <li class="check">{check_box(id, c.label(), checked, on_change)}</li> }
        })
        .collect_view();
    let channel_summary = move || {
        state.with(|s| match s.query.channels.len() {
            0 => "Channels: any".to_string(),
            1 => format!("Channels: {}", s.query.channels[0].label()),
            n => format!("Channels: {n} chosen"),
        })
    };

    view! {
        <div class="filters">
            <form
                class="filters__search"
                role="search"
                on:submit=move |ev| {
                    ev.prevent_default();
                    apply_search(false);
                }
            >
                <label class="field__label" for="search">"Search"</label>
                <div class="search-box">
                    <input
                        id="search"
                        type="search"
                        class="field__input"
                        placeholder="Name or web address"
                        autocomplete="off"
                        prop:value=move || search.get()
                        on:input=on_input
                    />
                    <button type="submit" class="button">"Search"</button>
                </div>
            </form>
            <fieldset class="filters__group" hidden=channels_only>
                <legend class="field__label">"Status"</legend>
                <ul class="check-row">{status_boxes}</ul>
            </fieldset>
            <div class="filters__group" hidden=channels_only>
                <label class="field__label" for="filter-visibility">"Visibility"</label>
                <select
                    id="filter-visibility"
                    class="field__input"
                    prop:value=move || state.with(|s| s.query.visibility.map(|v| v.id()).unwrap_or(""))
                    on:change=move |ev| {
                        let v = Visibility::from_id(&event_target_value(&ev));
                        update(&|q| q.visibility = v);
                    }
                >
                    <option value="">"Any"</option>
                    <option value="public">"Public"</option>
                    <option value="private">"Private"</option>
                </select>
            </div>
            <div class="filters__group">
                <span class="field__label" id="filter-channels-label">"Channel"</span>
                <details class="menu">
                    <summary class="button menu__button" aria-describedby="filter-channels-label">
                        {channel_summary}
                    </summary>
                    <fieldset class="menu__panel">
                        <legend class="visually-hidden">"Channels to show"</legend>
                        <ul class="check-list">{channel_boxes}</ul>
                    </fieldset>
                </details>
            </div>
            <div class="filters__group filters__group--check">
                <span class="check">
                    {check_box(
                        "filter-verified".into(),
                        "Verified only",
                        Signal::derive(move || state.with(|s| s.query.verified)),
                        Callback::new(move |on: bool| update(&|q| q.verified = on)),
                    )}
                </span>
                {channels_only.then(|| view! {
                    <span class="check">
                        {check_box(
                            "filter-observed".into(),
                            "Observed matches declared",
                            Signal::derive(move || state.with(|s| s.query.observed_matches == Some(true))),
                            Callback::new(move |on: bool| update(&|q| q.observed_matches = on.then_some(true))),
                        )}
                    </span>
                })}
            </div>
            {observed.then(|| view! {
                <div class="filters__group">
                    <label class="field__label" for="filter-observed">"Observed matches declared"</label>
                    <select
                        id="filter-observed"
                        class="field__input"
                        prop:value=move || state.with(|s| s.query.observed_matches.map(|m| m.to_string()).unwrap_or_default())
                        on:change=move |ev| {
                            let m = event_target_value(&ev).parse::<bool>().ok();
                            update(&|q| q.observed_matches = m);
                        }
                    >
                        <option value="">"Any"</option>
                        <option value="true">"Yes"</option>
                        <option value="false">"No"</option>
                    </select>
                </div>
            })}
            {move || {
                state.with(|s| s.query.is_filtered()).then(|| {
                    view! {
                        <button
                            type="button"
                            class="button button--quiet filters__clear"
                            on:click=move |_| {
                                search.set(String::new());
                                go.run((state.get_untracked().cleared(), false));
                            }
                        >
                            "Clear filters"
                        </button>
                    }
                })
            }}
        </div>
    }
}

/// A filter's checkbox and its label. Every box of the filters is this one function (not a
/// view of its own each): the filters sit in the main module, which every role downloads
/// before its first screen, and each inline box was another copy of the same view code.
fn check_box(
    id: String,
    label: &'static str,
    checked: Signal<bool>,
    on_change: Callback<bool>,
) -> AnyView {
    view! {
        <input
            type="checkbox"
            id=id.clone()
            prop:checked=move || checked.get()
            on:change=move |ev| on_change.run(event_target_checked(&ev))
        />
        <label for=id>{label}</label>
    }
    .into_any()
}

/// Rows per page.
#[component]
pub fn PageSize(
    /// The current state.
    state: Memo<ListState>,
    /// Navigates to a new state.
    go: Callback<(ListState, bool)>,
) -> impl IntoView {
    let options = PAGE_SIZES
        .into_iter()
        .map(|n| view! { <option value=n.to_string()>{n.to_string()}</option> })
        .collect_view();
    view! {
        <div class="page-size">
            <label for="page-size">"Rows per page"</label>
            <select
                id="page-size"
                class="field__input field__input--small"
                prop:value=move || state.with(|s| s.query.limit.to_string())
                on:change=move |ev| {
                    if let Ok(limit) = event_target_value(&ev).parse::<i64>() {
                        let mut next = state.get_untracked().first_page();
                        next.query.limit = limit;
                        go.run((next, false));
                    }
                }
            >
                {options}
            </select>
        </div>
    }
}
