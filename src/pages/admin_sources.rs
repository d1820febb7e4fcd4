//! The staff admin area: `/admin/traffic-sources`, every source of every partner with search,
//! filters (status incl. Blocked, visibility, channel, partner), sort and paging in the URL,
//! Block and Unblock from each row; and `/admin/traffic-sources/:id`, one source with its block
//! details, the programs using it and its audit history.
//!
//! Everything here sits behind `RequireStaff`: other roles get a plain "not allowed" page, and
//! the server refuses them every admin call anyway.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::{
    components::{Redirect, A},
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
    NavigateOptions,
};
use model::review::{BulkAction, BulkList};
use model::{account::PartnerSummary, Page, Role, Sort, SortField, Status, TrafficSource};

use crate::{
    api::{self, query_string},
    components::{
        audit_history::AuditHistory,
        block_dialog::{BlockDialog, UnblockDialog},
        bulk_actions::{BulkActions, PageCheck, RowCheck},
        data_table::{sort_caption, Pagination, SortHeader},
        focus_id, format_datetime,
        load::{Load, Loader},
        notice::LoadError,
        record::{load_record, RecordPending, RecordWords},
        set_title,
        status_badge::{StatusBadge, VisibilityLabel},
        traffic_chart::thousands,
        traffic_panel::{match_rate_cell, TrafficPanel},
    },
    pages::sources_list::{Filters, ListState, PageSize},
    session::{use_session, PageLoading, RequireRole, SessionState},
};

pub const ADMIN_PATH: &str = "/admin/traffic-sources";
const STAFF: &[Role] = &[Role::Staff];

/// Staff only. Signed-out visitors go to sign-in (and come back); partners and advertisers are
/// told plainly that the page is not for them. Nothing is shown before the session is known,
/// so a reload never flashes either page.
#[component]
pub fn RequireStaff(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let wrong_role = Memo::new(
        move |_| matches!(&*session.state().read(), SessionState::SignedIn(a) if a.role != Role::Staff),
    );
    let children = StoredValue::new(children);
    move || {
        if wrong_role.get() {
            view! { <NotAllowed/> }.into_any()
        } else {
            view! { <RequireRole roles=STAFF>{children.read_value()()}</RequireRole> }.into_any()
        }
    }
}

/// What a partner or advertiser sees at an admin address.
#[component]
pub fn NotAllowed() -> impl IntoView {
    set_title("Not allowed");
    view! {
        <section class="page narrow">
            <h1>"You can't open this page"</h1>
            <p>"This part of the platform is for platform staff only. Your account doesn't have access to it."</p>
            <p><A href="/" attr:class="button button--primary">"Go to your home page"</A></p>
        </section>
    }
}

/// `/admin`: the admin area starts at the sources table.
#[component]
pub fn AdminHome() -> impl IntoView {
    view! {
        <RequireStaff>
            <Redirect path=ADMIN_PATH options=NavigateOptions { replace: true, ..Default::default() }/>
        </RequireStaff>
    }
}

/// The admin table's state: the list state shared with the partner's table, plus a partner.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AdminState {
    pub list: ListState,
    pub partner: Option<i64>,
}

impl AdminState {
    pub fn from_params(params: &ParamsMap) -> AdminState {
        AdminState {
            list: ListState::from_params(params),
            partner: params
                .get("partner")
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|p| *p > 0),
        }
    }

    pub fn href(&self) -> String {
        let mut pairs = self.list.query.to_pairs();
        if let Some(p) = self.partner {
            pairs.push(("partner", p.to_string()));
        }
        for p in &self.list.prev {
            pairs.push(("prev", p.clone()));
        }
        if pairs.is_empty() {
            ADMIN_PATH.to_string()
        } else {
            format!("{ADMIN_PATH}?{}", query_string(&pairs))
        }
    }

    pub fn is_filtered(&self) -> bool {
        self.list.query.is_filtered() || self.partner.is_some()
    }

    /// No search and no filters, same sort and page size, first page.
    pub fn cleared(&self) -> AdminState {
        let mut list = self.list.clone().first_page();
        list.query = api::SourceQuery {
            sort: list.query.sort,
            limit: list.query.limit,
            ..Default::default()
        };
        AdminState {
            list,
            partner: None,
        }
    }
}

/// Runs after the view has updated: focuses the element with this id.
fn focus_soon(id: String) {
    set_timeout(move || focus_id(&id), Duration::from_millis(30));
}

#[component]
pub fn AdminSources() -> impl IntoView {
    set_title("All traffic sources");
    let params = use_query_map();
    let state = Memo::new(move |_| params.with(AdminState::from_params));
    let list_state = Memo::new(move |_| state.with(|s| s.list.clone()));
    let sources = Loader::new(move || {
        let (query, partner) = state.with(|s| (s.list.query.clone(), s.partner));
        async move { api::list_all_sources(&query, partner).await }
    });

    let navigate = use_navigate();
    let go = Callback::new(move |(next, replace): (AdminState, bool)| {
        navigate(
            &next.href(),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    });
    // The shared filters speak `ListState`: keep the partner across their changes.
    let go_list = Callback::new(move |(list, replace): (ListState, bool)| {
        go.run((
            AdminState {
                list,
                partner: state.get_untracked().partner,
            },
            replace,
        ));
    });
    let updating = sources.updating;

    let block_target = RwSignal::new(None::<TrafficSource>);
    let unblock_target = RwSignal::new(None::<TrafficSource>);
    let selected = RwSignal::new(Vec::<i64>::new());
    let total = Signal::derive(move || match sources.state.get() {
        Load::Loaded(page) => page.total,
        _ => None,
    });
    let filter =
        Signal::derive(move || state.with(|s| api::review::list_filter(&s.list.query, s.partner)));
    // A new page keeps only the selected rows it still shows (a live reload keeps them all).
    Effect::new(move |_| {
        if let Load::Loaded(page) = sources.state.get() {
            selected.update(|ids| ids.retain(|id| page.items.iter().any(|s| s.id == *id)));
        }
    });
    // The latest answer of a block or unblock, for the row to show at once.
    let changed = RwSignal::new(None::<TrafficSource>);
    // Someone else's block, unblock or pause of a row here redraws the table; this
    // table's own, shown through `changed` when its answer comes, does not: a redraw
    // would take the focus from the row's new button.
    crate::live::reload_when_differs(
        move |id| {
            // A dialog of this table is blocking or unblocking it: the event may be ours,
            // arriving before our answer. The answer redraws the row.
            let acting = |t: RwSignal<Option<TrafficSource>>| {
                t.with_untracked(|t| t.as_ref().is_some_and(|s| s.id == id))
            };
            if acting(block_target) || acting(unblock_target) {
                return None;
            }
            let mine = changed.with_untracked(|c| {
                c.as_ref()
                    .filter(|s| s.id == id)
                    .map(|s| (s.status, s.visibility))
            });
            mine.or_else(|| {
                sources.state.with_untracked(|s| match s {
                    Load::Loaded(page) => page
                        .items
                        .iter()
                        .find(|s| s.id == id)
                        .map(|s| (s.status, s.visibility)),
                    _ => None,
                })
            })
        },
        move || sources.reload(),
    );
    let on_blocked = Callback::new(move |source: TrafficSource| {
        let id = source.id;
        changed.set(Some(source));
        focus_soon(format!("unblock-{id}"));
    });
    let on_unblocked = Callback::new(move |source: TrafficSource| {
        let id = source.id;
        changed.set(Some(source));
        focus_soon(format!("block-{id}"));
    });

    view! {
        <section class="page">
            <div class="page__head">
                <h1>"All traffic sources"</h1>
                <a
                    class="button"
                    href=move || state.with(|s| api::review::export_href(&s.list.query, s.partner))
                    download=""
                >
                    "Export CSV"
                    <span class="visually-hidden">" of the sources matching these filters"</span>
                </a>
            </div>
            <PartnerFilter state go/>
            <Filters state=list_state go=go_list/>
            {move || {
                (state.with(|s| s.partner.is_some() && !s.list.query.is_filtered())).then(|| {
                    view! {
                        <p class="filters__note">
                            <button
                                type="button"
                                class="button button--quiet"
                                on:click=move |_| go.run((state.get_untracked().cleared(), false))
                            >
                                "Show all partners"
                            </button>
                        </p>
                    }
                })
            }}
            <BulkActions
                selected
                total
                filter
                list=BulkList::Sources
                actions=&[BulkAction::Block, BulkAction::Unblock, BulkAction::MarkReviewed]
                on_done=Callback::new(move |_| sources.reload())
            />
            <div class="table-region" aria-busy=move || updating.get().to_string()>
                <p class="updating" role="status">
                    {move || updating.get().then_some("Updating…")}
                </p>
                {move || match sources.state.get() {
                    Load::Loading => view! { <PageLoading/> }.into_any(),
                    Load::Failed(error) => view! {
                        <LoadError error title="Couldn't load the traffic sources" on_retry=sources.retry()/>
                    }
                    .into_any(),
                    Load::Loaded(page) => view! {
                        <AdminResults page state go go_list block_target unblock_target changed selected/>
                    }
                    .into_any(),
                }}
            </div>
            <BlockDialog target=block_target on_done=on_blocked/>
            <UnblockDialog target=unblock_target on_done=on_unblocked/>
        </section>
    }
}

/// The partner filter: a select of partners by name, fed by `/api/partners`, with a box to
/// narrow it when there are more partners than fit in one list.
#[component]
fn PartnerFilter(state: Memo<AdminState>, go: Callback<(AdminState, bool)>) -> impl IntoView {
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

/// The table, or the empty / no-match state, and paging.
#[component]
fn AdminResults(
    page: Page<TrafficSource>,
    state: Memo<AdminState>,
    go: Callback<(AdminState, bool)>,
    go_list: Callback<(ListState, bool)>,
    block_target: RwSignal<Option<TrafficSource>>,
    unblock_target: RwSignal<Option<TrafficSource>>,
    changed: RwSignal<Option<TrafficSource>>,
    selected: RwSignal<Vec<i64>>,
) -> impl IntoView {
    let current = state.get_untracked();
    if page.items.is_empty() && current.list.query.cursor.is_none() {
        return if current.is_filtered() {
            view! {
                <div class="empty">
                    <h2>"No traffic sources match"</h2>
                    <p>"Nothing matches this search and these filters. Try other words, or clear the filters."</p>
                    <button
                        type="button"
                        class="button"
                        on:click=move |_| go.run((state.get_untracked().cleared(), false))
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
                    <p>"No partner has added a traffic source yet."</p>
                </div>
            }
            .into_any()
        };
    }

    let sort = Signal::derive(move || state.with(|s| s.list.query.sort));
    let on_sort = Callback::new(move |sort: Sort| {
        let mut next = state.get_untracked();
        next.list = next.list.first_page();
        next.list.query.sort = sort;
        go.run((next, false));
    });
    let caption = sort_caption("Traffic sources of all partners", current.list.query.sort);

    let first_row = current.list.prev.len() as i64 * current.list.query.limit + 1;
    let rows = page.items.len() as i64;
    let prev_href = current.list.prev_page().map(|l| {
        AdminState {
            list: l,
            partner: current.partner,
        }
        .href()
    });
    let next_href = page.next_cursor.as_deref().map(|c| {
        AdminState {
            list: current.list.next_page(c),
            partner: current.partner,
        }
        .href()
    });
    let total = page.total;
    let page_ids = StoredValue::new(page.items.iter().map(|s| s.id).collect::<Vec<_>>());
    // The page is rebuilt for each answer: a plain list of rows, each following `changed`.
    let body = page
        .items
        .into_iter()
        .map(|source| view! { <AdminRow source block_target unblock_target changed selected/> })
        .collect_view();

    view! {
        <div class="table-wrap">
            <table class="table table--admin">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col" class="cell-check">
                            <PageCheck ids=page_ids selected/>
                        </th>
                        <SortHeader label="Name" field=SortField::Name sort on_sort/>
                        <th scope="col">"Partner"</th>
                        <SortHeader label="Web address" field=SortField::Url sort on_sort/>
                        <th scope="col">"Channels"</th>
                        <SortHeader label="Status" field=SortField::Status sort on_sort/>
                        <th scope="col">"Visibility"</th>
                        <th scope="col">"Programs"</th>
                        <th scope="col">"Clicks (30 days)"</th>
                        <th scope="col">"Match rate"</th>
                        <SortHeader label="Last change" field=SortField::UpdatedAt sort on_sort/>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        <div class="table-foot">
            <Pagination first_row rows total prev_href next_href/>
            <PageSize state=Memo::new(move |_| state.with(|s| s.list.clone())) go=go_list/>
        </div>
    }
    .into_any()
}

/// The web address without scheme and trailing slash, for display.
fn short_url(url: &str) -> String {
    url.trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// One row, with Block or Unblock; it shows a block or unblock of its source at once.
#[component]
fn AdminRow(
    source: TrafficSource,
    block_target: RwSignal<Option<TrafficSource>>,
    unblock_target: RwSignal<Option<TrafficSource>>,
    changed: RwSignal<Option<TrafficSource>>,
    selected: RwSignal<Vec<i64>>,
) -> impl IntoView {
    let id = source.id;
    let current = RwSignal::new(source);
    // Never older than what this page loaded (a later reload may be fresher).
    let latest = Memo::new(move |_| {
        let answer = changed.get().filter(|s| s.id == id);
        current.with(|c| match answer {
            Some(s) if s.version >= c.version => s,
            _ => c.clone(),
        })
    });
    move || {
        let source = latest.get();
        view! { <AdminRowView source block_target unblock_target selected/> }
    }
}

#[component]
fn AdminRowView(
    source: TrafficSource,
    block_target: RwSignal<Option<TrafficSource>>,
    unblock_target: RwSignal<Option<TrafficSource>>,
    selected: RwSignal<Vec<i64>>,
) -> impl IntoView {
    let blocked = source.status == Status::Blocked;
    let id = source.id;
    let channels = source
        .channels
        .iter()
        .map(|c| view! { <li class="tag">{c.label()}</li> })
        .collect_view();
    let name_suffix = format!(" {}", source.name);
    let action = {
        let source = source.clone();
        if blocked {
            view! {
                <button
                    type="button"
                    id=format!("unblock-{}", source.id)
                    class="button button--small"
                    on:click=move |_| unblock_target.set(Some(source.clone()))
                >
                    "Unblock"
                    <span class="visually-hidden">{name_suffix.clone()}</span>
                </button>
            }
            .into_any()
        } else {
            view! {
                <button
                    type="button"
                    id=format!("block-{}", source.id)
                    class="button button--small button--danger-outline"
                    on:click=move |_| block_target.set(Some(source.clone()))
                >
                    "Block"
                    <span class="visually-hidden">{name_suffix.clone()}</span>
                </button>
            }
            .into_any()
        }
    };
    let block_note = blocked.then(|| {
        view! {
            <p class="row-note">
                "Reason: " {source.block_reason.clone().unwrap_or_else(|| "none given".into())}
            </p>
        }
    });
    let programs = match source.program_count {
        0 => "None".to_string(),
        n => n.to_string(),
    };
    view! {
        <tr class:row--blocked=blocked>
            <td class="cell-check" data-label="Select">
                <RowCheck id name=source.name.clone() selected/>
            </td>
            <th scope="row" data-label="Name">
                <A href=format!("{ADMIN_PATH}/{}", source.id) attr:class="cell-name">{source.name.clone()}</A>
            </th>
            <td data-label="Partner">{source.partner_name.clone()}</td>
            <td data-label="Web address">
                <a class="cell-url" href=source.url.clone() target="_blank" rel="noopener noreferrer">
                    {short_url(&source.url)}
                    <span class="visually-hidden">" (opens in a new tab)"</span>
                </a>
            </td>
            <td data-label="Channels"><ul class="tags">{channels}</ul></td>
            <td data-label="Status"><StatusBadge status=source.status/>{block_note}</td>
            <td data-label="Visibility"><VisibilityLabel visibility=source.visibility/></td>
            <td data-label="Programs">{programs}</td>
            <td data-label="Clicks (30 days)" class="cell-number">{thousands(source.clicks_30d)}</td>
            <td data-label="Match rate">{match_rate_cell(source.match_rate_30d)}</td>
            <td data-label="Last change">
                <time datetime=source.updated_at.clone()>{format_datetime(&source.updated_at)}</time>
            </td>
            <td data-label="Actions" class="cell-actions">{action}</td>
        </tr>
    }
}

/// `/admin/traffic-sources/:id`: one source for staff.
#[component]
pub fn AdminSource() -> impl IntoView {
    let detail = load_record(api::get_source);
    view! {
        <section class="page">
            <p class="breadcrumb"><A href=ADMIN_PATH>"All traffic sources"</A></p>
            {move || match detail.state.get() {
                Load::Loaded(detail) => view! { <AdminSourceView detail/> }.into_any(),
                state => view! {
                    <RecordPending words=&ADMIN_SOURCE_WORDS failure=state.failure() on_retry=detail.retry()/>
                }
                .into_any(),
            }}
        </section>
    }
}

const ADMIN_SOURCE_WORDS: RecordWords = RecordWords {
    noun: "Traffic source",
    not_found_title: "Traffic source not found",
    not_found_text: "There is no traffic source at this address. It may have been removed.",
    back_href: ADMIN_PATH,
    back_label: "Back to all traffic sources",
    load_error_title: "Couldn't load this traffic source",
};

#[component]
fn AdminSourceView(detail: model::source::TrafficSourceDetail) -> impl IntoView {
    let source = RwSignal::new(detail.source);
    let programs = detail.programs;
    let history_reload = RwSignal::new(0u64);
    let block_target = RwSignal::new(None::<TrafficSource>);
    let unblock_target = RwSignal::new(None::<TrafficSource>);
    let on_blocked = Callback::new(move |s: TrafficSource| {
        source.set(s);
        history_reload.update(|n| *n += 1);
        focus_soon("unblock-source".into());
    });
    let on_unblocked = Callback::new(move |s: TrafficSource| {
        source.set(s);
        history_reload.update(|n| *n += 1);
        focus_soon("block-source".into());
    });
    let id = source.with_untracked(|s| s.id);
    source.with_untracked(|s| set_title(&format!("{} · Admin", s.name)));

    let status_area = move || {
        let s = source.get();
        if s.status == Status::Blocked {
            let target = s.clone();
            view! {
                <div class="alert alert--error block-box">
                    <h2 class="alert__title">"Blocked by platform staff"</h2>
                    <p><span class="history__key">"Reason shown to the partner: "</span>
                        {s.block_reason.clone().unwrap_or_else(|| "No reason was given.".into())}
                    </p>
                    <p><span class="history__key">"Internal note (staff only): "</span>
                        {s.block_note.clone().unwrap_or_else(|| "None.".into())}
                    </p>
                    <p>"Its tracking links don't work and it is not in the marketplace. Unblocking returns it to the status it had before."</p>
                    <button
                        type="button"
                        id="unblock-source"
                        class="button button--primary"
                        on:click=move |_| unblock_target.set(Some(target.clone()))
                    >
                        "Unblock " {s.name.clone()}
                    </button>
                </div>
            }
            .into_any()
        } else {
            let target = s.clone();
            view! {
                <div class="block-box">
                    <button
                        type="button"
                        id="block-source"
                        class="button button--danger"
                        on:click=move |_| block_target.set(Some(target.clone()))
                    >
                        "Block " {s.name.clone()}
                    </button>
                </div>
            }
            .into_any()
        }
    };

    let summary = move || {
        let s = source.get();
        view! {
            <dl class="summary-list summary-list--wide">
                <div><dt>"Partner"</dt><dd>{s.partner_name.clone()}</dd></div>
                <div>
                    <dt>"Web address"</dt>
                    <dd>
                        <a class="cell-url" href=s.url.clone() target="_blank" rel="noopener noreferrer">
                            {s.url.clone()}
                            <span class="visually-hidden">" (opens in a new tab)"</span>
                        </a>
                    </dd>
                </div>
                <div>
                    <dt>"Channels"</dt>
                    <dd>{s.channels.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ")}</dd>
                </div>
                <div><dt>"Status"</dt><dd><StatusBadge status=s.status/></dd></div>
                <div><dt>"Visibility"</dt><dd><VisibilityLabel visibility=s.visibility/></dd></div>
                <div><dt>"Programs using it"</dt><dd>{s.program_count}</dd></div>
                <div>
                    <dt>"Added"</dt>
                    <dd><time datetime=s.created_at.clone()>{format_datetime(&s.created_at)}</time></dd>
                </div>
                <div>
                    <dt>"Last change"</dt>
                    <dd><time datetime=s.updated_at.clone()>{format_datetime(&s.updated_at)}</time></dd>
                </div>
            </dl>
        }
    };

    let programs_section = if programs.is_empty() {
        view! {
            <section class="detail-section" aria-labelledby="programs-title">
                <h2 id="programs-title">"Programs using it"</h2>
                <p>"No advertiser program uses this source."</p>
            </section>
        }
        .into_any()
    } else {
        let rows = programs
            .into_iter()
            .map(|p| {
                view! {
                    <tr>
                        <th scope="row" data-label="Program">{p.program_name}</th>
                        <td data-label="Advertiser">{p.advertiser_name}</td>
                        <td data-label="Tracking link"><code class="cell-url">{p.tracking_url}</code></td>
                        <td data-label="Clicks" class="cell-number">{thousands(p.clicks)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section class="detail-section" aria-labelledby="programs-title">
                <h2 id="programs-title">"Programs using it"</h2>
                <div class="table-wrap">
                    <table class="table">
                        <caption class="visually-hidden">"Advertiser programs using this source, with their tracking links"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Program"</th>
                                <th scope="col">"Advertiser"</th>
                                <th scope="col">"Tracking link"</th>
                                <th scope="col">"Clicks"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
        }
        .into_any()
    };

    view! {
        <div class="page__head">
            <h1 class="h1-name">{move || source.with(|s| s.name.clone())}</h1>
        </div>
        {status_area}
        {summary}
        // Staff come here to judge the source: where its clicks come from leads.
        <TrafficPanel source_id=id prominent_mismatch=true/>
        {programs_section}
        <AuditHistory source_id=id reload=history_reload/>
        <BlockDialog target=block_target on_done=on_blocked/>
        <UnblockDialog target=unblock_target on_done=on_unblocked/>
    }
}
