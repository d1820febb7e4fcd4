//! `/admin/traffic-sources`: the table of every partner's sources, its filters, bulk actions
//! and the Block and Unblock dialogs its rows open.

use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};
use model::{Page, Sort, SortField, TrafficSource};

use super::{
    actions::TableActions, focus_soon, partner_filter::PartnerFilter, row::AdminRow, AdminState,
};
use crate::{
    api,
    components::{
        bulk_actions::PageCheck,
        data_table::{sort_caption, Pagination, SortHeader},
        list_controls::{Filters, ListState, PageSize},
        load::{Load, Loader},
        notice::LoadError,
        set_title,
    },
    live::RowFigures,
    session::PageLoading,
};

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
    // The rows' figures, kept current as clicks arrive: the same page asked again, its
    // answer dropped if the page moved on meanwhile.
    let figures: RowFigures = crate::live::list_figures(
        move |id| {
            sources.state.with_untracked(
                |s| matches!(s, Load::Loaded(page) if page.items.iter().any(|s| s.id == id)),
            )
        },
        move || {
            let asked = state.get_untracked();
            Box::pin(async move {
                let page = api::list_all_sources(&asked.list.query, asked.partner)
                    .await
                    .ok()?;
                (state.try_with_untracked(|now| *now == asked) == Some(true))
                    .then(|| crate::live::row_figures(page))
            })
        },
    );
    // Staff's own stream carries no clicks: the table follows those of the sources it shows.
    let follower = crate::live::traffic_follower();
    // A new page keeps only the selected rows it still shows (a live reload keeps them all),
    // follows its sources' clicks, and its figures are the newest.
    Effect::new(move |_| {
        if let Load::Loaded(page) = sources.state.get() {
            selected.update(|ids| ids.retain(|id| page.items.iter().any(|s| s.id == *id)));
            follower.follow(page.items.iter().map(|s| s.id).collect());
            figures.set(Vec::new());
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
    let actions = TableActions {
        selected,
        total,
        filter,
        on_done: Callback::new(move |_| sources.reload()),
        asking: RwSignal::new(None),
        block_target,
        unblock_target,
        on_blocked,
        on_unblocked,
    };

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
            <Filters state=list_state go=go_list observed=true/>
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
            {crate::screens::admin_table_actions(
                Signal::derive(move || sources.state.with(|s| !matches!(s, Load::Loading))),
                Signal::derive(move || actions.wanted()),
                actions,
            )}
            {follower.notice()}
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
                        <AdminResults page state go go_list block_target unblock_target changed selected figures/>
                    }
                    .into_any(),
                }}
            </div>
        </section>
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
    /// Rows' newer 30-day figures, as clicks arrive.
    figures: RowFigures,
) -> impl IntoView {
    let current = state.get_untracked();
    // A page filtered on observed channels may be empty with more to read after it.
    if page.items.is_empty() && current.list.query.cursor.is_none() && page.next_cursor.is_none() {
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
    // The observed-match filter is applied page by page: pages may be short.
    let short_page = current
        .list
        .query
        .observed_matches
        .map(|_| current.list.prev.len() as i64 + 1);
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
        .map(|source| view! { <AdminRow source block_target unblock_target changed selected figures/> })
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
            <Pagination first_row rows total prev_href next_href short_page/>
            <PageSize state=Memo::new(move |_| state.with(|s| s.list.clone())) go=go_list/>
        </div>
    }
    .into_any()
}
