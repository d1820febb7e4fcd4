//! `/traffic-sources`: the partner's table of traffic sources, with search, filters, sorting and
//! paging, all kept in the page's URL so a view can be bookmarked and Back works.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
    NavigateOptions,
};
use model::{Channel, Page, Sort, SortField, Status, TrafficSource, Visibility};

use crate::{
    api::{self, query_string, ApiError, SourceQuery, PAGE_SIZES},
    components::{
        channel_select::toggle_channel,
        data_table::{sort_caption, Pagination, SortHeader},
        format_datetime,
        notice::{first_api_error, LoadError},
        set_title,
        status_badge::{StatusBadge, VisibilityLabel},
        traffic_chart::thousands,
        traffic_panel::match_rate_cell,
        verification::VerificationBadge,
    },
    session::{use_session, PageLoading},
};

const PATH: &str = "/traffic-sources";

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
        };
        let prev = if query.cursor.is_some() {
            all("prev")
        } else {
            Vec::new()
        };
        ListState { query, prev }
    }

    /// The page's address for this state.
    pub fn href(&self) -> String {
        self.href_at(PATH)
    }

    /// The address of the list at `path` (another list page reusing this state) for this state.
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

#[component]
pub fn SourcesList() -> impl IntoView {
    set_title("Traffic sources");
    let session = use_session();
    let params = use_query_map();
    let state = Memo::new(move |_| params.with(ListState::from_params));
    let query = Memo::new(move |_| state.with(|s| s.query.clone()));
    let sources = LocalResource::new(move || {
        let query = query.get();
        async move {
            let result = api::list_sources(&query).await;
            if result.as_ref().is_err_and(ApiError::is_unauthenticated) {
                session.signed_out();
            }
            result
        }
    });

    // A partner's stream carries only their own sources: any change may move a row.
    crate::live::reload_when_shown(|_| true, move || sources.refetch());

    let navigate = use_navigate();
    // Filters and sorting are new history entries (Back undoes them); typing in the search box
    // replaces the entry, so Back does not replay every keystroke.
    let go = Callback::new(move |(next, replace): (ListState, bool)| {
        navigate(
            &next.href(),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    });
    let (updating, set_updating) = signal(false);

    view! {
        <section class="page">
            <div class="page__head">
                <h1>"Traffic sources"</h1>
                <div class="page__actions">
                    <a
                        class="button"
                        href=move || state.with(|s| crate::api::review::export_href(&s.query, None))
                        download=""
                    >
                        "Export CSV"
                        <span class="visually-hidden">" of your sources matching these filters"</span>
                    </a>
                    <A href="/traffic-sources/new" attr:class="button button--primary">
                        <span aria-hidden="true">"+ "</span>
                        "Add traffic source"
                    </A>
                </div>
            </div>
            <Filters state go/>
            <div class="table-region" aria-busy=move || updating.get().to_string()>
                <p class="updating" role="status">
                    {move || updating.get().then_some("Updating…")}
                </p>
                <Transition fallback=|| view! { <PageLoading/> } set_pending=set_updating>
                    <ErrorBoundary fallback=move |errors| {
                        view! {
                            <LoadError
                                error=first_api_error(&errors.get())
                                title="Couldn't load your traffic sources"
                                on_retry=Callback::new(move |_| sources.refetch())
                            />
                        }
                    }>
                        {move || Suspend::new(async move {
                            sources.await.map(|page| view! { <Results page state go/> })
                        })}
                    </ErrorBoundary>
                </Transition>
            </div>
        </section>
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
            let id = format!("filter-status-{}", s.id());
            view! {
                <li class="check">
                    <input
                        type="checkbox"
                        id=id.clone()
                        prop:checked=move || state.with(|st| st.query.status.contains(&s))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            update(&|q| {
                                q.status.retain(|x| *x != s);
                                if on {
                                    q.status.push(s);
                                }
                            });
                        }
                    />
                    <label for=id>{s.label()}</label>
                </li>
            }
        })
        .collect_view();

    let channel_boxes = Channel::ALL
        .into_iter()
        .map(|c| {
            let id = format!("filter-channel-{}", c.id());
            view! {
                <li class="check">
                    <input
                        type="checkbox"
                        id=id.clone()
                        prop:checked=move || state.with(|st| st.query.channels.contains(&c))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            update(&|q| toggle_channel(&mut q.channels, c, on));
                        }
                    />
                    <label for=id>{c.label()}</label>
                </li>
            }
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
                    <input
                        type="checkbox"
                        id="filter-verified"
                        prop:checked=move || state.with(|s| s.query.verified)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            update(&|q| q.verified = on);
                        }
                    />
                    <label for="filter-verified">"Verified only"</label>
                </span>
            </div>
            {move || {
                state.with(|s| s.query.is_filtered()).then(|| {
                    view! {
                        <button
                            type="button"
                            class="button button--quiet filters__clear"
                            on:click=move |_| {
                                search.set(String::new());
                                let mut next = state.get_untracked().first_page();
                                next.query = SourceQuery {
                                    sort: next.query.sort,
                                    limit: next.query.limit,
                                    ..Default::default()
                                };
                                go.run((next, false));
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

/// The table, or the empty / no-match state, and paging.
#[component]
fn Results(
    /// The page the server answered.
    page: Page<TrafficSource>,
    /// The state that asked for it.
    state: Memo<ListState>,
    /// Navigates to a new state.
    go: Callback<(ListState, bool)>,
) -> impl IntoView {
    let current = state.get_untracked();
    if page.items.is_empty() && current.query.cursor.is_none() {
        return if current.query.is_filtered() {
            view! {
                <div class="empty">
                    <h2>"No traffic sources match"</h2>
                    <p>"Nothing matches this search and these filters. Try other words, or clear the filters."</p>
                    <button
                        type="button"
                        class="button"
                        on:click=move |_| {
                            let mut next = state.get_untracked().first_page();
                            next.query = SourceQuery {
                                sort: next.query.sort,
                                limit: next.query.limit,
                                ..Default::default()
                            };
                            go.run((next, false));
                        }
                    >
                        "Clear filters"
                    </button>
                </div>
            }
            .into_any()
        } else {
            view! {
                <div class="empty">
                    <h2>"No traffic sources yet"</h2>
                    <p>"Add the sites, apps, channels and newsletters you promote offers on. Advertisers look at them before they work with you."</p>
                    <A href="/traffic-sources/new" attr:class="button button--primary">"Add your first traffic source"</A>
                </div>
            }
            .into_any()
        };
    }

    let sort = Signal::derive(move || state.with(|s| s.query.sort));
    let on_sort = Callback::new(move |sort: Sort| {
        let mut next = state.get_untracked().first_page();
        next.query.sort = sort;
        go.run((next, false));
    });
    let caption = sort_caption("Your traffic sources", current.query.sort);

    let first_row = current.prev.len() as i64 * current.query.limit + 1;
    let rows = page.items.len() as i64;
    let prev_href = current.prev_page().map(|s| s.href());
    let next_href = page
        .next_cursor
        .as_deref()
        .map(|c| current.next_page(c).href());
    let items = page.items;
    let total = page.total;

    view! {
        <div class="table-wrap">
            <table class="table">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <SortHeader label="Name" field=SortField::Name sort on_sort/>
                        <SortHeader label="Web address" field=SortField::Url sort on_sort/>
                        <th scope="col">"Channels"</th>
                        <SortHeader label="Status" field=SortField::Status sort on_sort/>
                        <th scope="col">"Ownership"</th>
                        <th scope="col">"Visibility"</th>
                        <th scope="col">"Clicks (30 days)"</th>
                        <th scope="col">"Match rate"</th>
                        <SortHeader label="Last change" field=SortField::UpdatedAt sort on_sort/>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || items.clone()
                        key=|s| (s.id, s.version)
                        children=|source| view! { <SourceRow source/> }
                    />
                </tbody>
            </table>
        </div>
        <div class="table-foot">
            <Pagination first_row rows total prev_href next_href/>
            <PageSize state go/>
        </div>
    }
    .into_any()
}

/// One row. Blocked sources say why and offer no Edit.
#[component]
fn SourceRow(
    /// The source to show.
    source: TrafficSource,
) -> impl IntoView {
    let blocked = source.status == Status::Blocked;
    let shown_url = source
        .url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let channels = source
        .channels
        .iter()
        .map(|c| view! { <li class="tag">{c.label()}</li> })
        .collect_view();
    let edit_label = format!(" {}", source.name);
    let action = if blocked {
        view! { <span class="row-locked">"Can't be edited"</span> }.into_any()
    } else {
        view! {
            <A href=format!("/traffic-sources/{}/edit", source.id) attr:class="button button--small">
                "Edit"
                <span class="visually-hidden">{edit_label}</span>
            </A>
        }
        .into_any()
    };
    let block_note = blocked.then(|| {
        view! {
            <p class="row-note">
                <strong>"Blocked by platform staff. "</strong>
                "Reason: "
                // Reasons are typed by staff, with or without a final full stop.
                {source.block_reason.as_deref().map(|r| r.trim().trim_end_matches('.').to_string()).unwrap_or_else(|| "no reason given".into())}
                ". Only platform staff can lift it."
            </p>
        }
    });
    view! {
        <tr class:row--blocked=blocked>
            <th scope="row" data-label="Name">
                <A href=format!("/traffic-sources/{}", source.id) attr:class="cell-name">{source.name.clone()}</A>
                {block_note}
            </th>
            <td data-label="Web address">
                <a class="cell-url" href=source.url.clone() target="_blank" rel="noopener noreferrer">
                    {shown_url}
                    <span class="visually-hidden">" (opens in a new tab)"</span>
                </a>
            </td>
            <td data-label="Channels"><ul class="tags">{channels}</ul></td>
            <td data-label="Status"><StatusBadge status=source.status/></td>
            <td data-label="Ownership"><VerificationBadge state=source.verification_state/></td>
            <td data-label="Visibility"><VisibilityLabel visibility=source.visibility/></td>
            <td data-label="Clicks (30 days)" class="cell-number">{thousands(source.clicks_30d)}</td>
            <td data-label="Match rate">{match_rate_cell(source.match_rate_30d)}</td>
            <td data-label="Last change">
                <time datetime=source.updated_at.clone()>{format_datetime(&source.updated_at)}</time>
            </td>
            <td data-label="Actions" class="cell-actions">{action}</td>
        </tr>
    }
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
